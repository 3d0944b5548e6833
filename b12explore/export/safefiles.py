"""Safe export files: portable names, no-clobber checks, atomic writes, CSV neutralisation.

Nothing here knows about charts; ``export`` builds on these helpers.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

__all__ = [
    "MAX_LISTED",
    "MAX_NAME_LENGTH",
    "TEMP_PREFIX",
    "atomic_write",
    "check_free",
    "clean_stale",
    "csv_bytes",
    "neutralise_cell",
    "neutralise_frame",
    "safe_name",
    "safe_path",
    "write_all",
    "write_synced",
]

MAX_NAME_LENGTH = 100
#: Existing files named in a FileExistsError before "and N more".
MAX_LISTED = 5
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
_INJECTION_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_name(name: str, *, max_length: int = MAX_NAME_LENGTH, default: str = "export") -> str:
    """A file name that is safe on every common filesystem.

    Accents are folded to ASCII, every character outside ``[A-Za-z0-9._-]`` becomes
    ``_``, leading ``.``/``-``/``_`` and trailing ``.`` are stripped, Windows reserved
    device names (``CON``, ``COM1``, ...) get a leading ``_`` and the length is capped.

    Parameters
    ----------
    name : str
        Proposed name (one path component; separators are replaced, not followed).
    max_length : int, default 100
        Longest name returned.
    default : str, default "export"
        Used when nothing safe is left.

    Returns
    -------
    str

    Examples
    --------
    >>> safe_name("../../etc/passwd")
    'etc_passwd'
    >>> safe_name("CON.png")
    '_CON.png'
    >>> safe_name("Effect – direction (VAS)")
    'Effect_direction_VAS'
    """
    folded = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    text = _UNSAFE.sub("_", folded).strip("_")
    text = text.lstrip(".-_").rstrip(". ")
    if not text:
        text = default
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    if len(text) > max_length:
        stem, dot, suffix = text.rpartition(".")
        if dot and 0 < len(suffix) < 8 and stem:
            text = stem[: max_length - len(suffix) - 1].rstrip(".") + "." + suffix
        else:
            text = text[:max_length].rstrip(".")
    return text


def safe_path(folder: str | os.PathLike, name: str, suffix: str = "") -> Path:
    """``folder / safe_name(name) + suffix``, checked to stay inside ``folder``.

    Parameters
    ----------
    folder : path-like
        The export folder.
    name : str
        Proposed file stem (made safe with :func:`safe_name`).
    suffix : str, default ""
        Extension including the dot, e.g. ``".png"``.

    Returns
    -------
    Path
        Absolute path of the target file.

    Raises
    ------
    ValueError
        If the resolved target is not inside ``folder`` (e.g. through a symlink), or
        the target name is a symbolic link (it is never followed or replaced).

    Examples
    --------
    >>> safe_path("/tmp/out", "../x", ".png").name
    'x.png'
    """
    root = Path(folder).resolve()
    plain = root / (safe_name(name) + suffix)
    target = plain.resolve()
    if root not in target.parents:
        via = f"{plain} leads to {target}, which" if target != plain else f"{target}"
        raise ValueError(f"export target {via} is not inside the export folder {root}")
    if plain.is_symlink():
        raise ValueError(f"export target {plain} is a link; remove it or choose another folder")
    return target


def check_free(paths: Iterable[Path], *, overwrite: bool = False) -> None:
    """Raise ``FileExistsError`` naming every target that exists (unless ``overwrite``).

    Also rejects the same target listed twice, which would make one export
    silently replace another, and (``ValueError``, even with ``overwrite``) a target
    name taken by a folder, a link or anything else that is not a regular file: the
    user's folder is never moved aside or deleted.

    Examples
    --------
    >>> check_free([Path("/nonexistent/a.png")])
    """
    paths = list(paths)
    seen: set[Path] = set()
    for p in paths:
        if p in seen:
            raise ValueError(f"two exports would write the same file: {p}")
        seen.add(p)
    for p in paths:  # never moved aside, replaced or deleted, with or without overwrite
        if os.path.lexists(p) and (os.path.islink(p) or not os.path.isfile(p)):
            kind = "a folder" if os.path.isdir(p) else "not a regular file"
            raise ValueError(
                f"export target {p} is {kind}; nothing was written or deleted "
                "(move it away or choose another folder)"
            )
    if overwrite:
        return
    existing = [str(p) for p in paths if os.path.lexists(p)]
    if existing:
        listed = ", ".join(existing[:MAX_LISTED])
        if len(existing) > MAX_LISTED:
            listed += f" and {len(existing) - MAX_LISTED} more"
        raise FileExistsError(
            f"refusing to overwrite {len(existing)} existing file(s): {listed} "
            "(pass overwrite=True)"
        )


#: Prefix of this package's temporary files; the writer's process id follows.
TEMP_PREFIX = ".b12x-"
_TEMP = re.compile(r"^\.b12x-(\d+)-[A-Za-z0-9_]+-(.+)\.(part|old)$")
_LEGACY_TEMP = re.compile(r"^\.tmp-[A-Za-z0-9_]+\.part$")


def _temp_path(path: Path, kind: str) -> Path:
    token = os.urandom(4).hex()
    return path.with_name(f"{TEMP_PREFIX}{os.getpid()}-{token}-{path.name}.{kind}")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_stale(folder: str | os.PathLike) -> list[Path]:
    """Remove what a killed export left in ``folder``; return what was cleaned.

    A staged file (``.b12x-PID-…-NAME.part``) of a process that no longer runs is
    deleted; a backup (``….old``) is put back when its file is missing (the export
    died while swapping) and deleted otherwise. Files of a running export are left
    alone. Temporary files of older versions (``.tmp-*.part``) are deleted.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / ".b12x-999999999-ab12-chart.png.part").write_bytes(b"x")
    ...     [p.name for p in clean_stale(d)], sorted(os.listdir(d))
    (['.b12x-999999999-ab12-chart.png.part'], [])
    """
    folder = Path(folder)
    cleaned: list[Path] = []
    if not folder.is_dir():
        return cleaned
    for entry in sorted(folder.iterdir()):
        m = _TEMP.match(entry.name)
        if m is None:
            if _LEGACY_TEMP.match(entry.name) and entry.is_file():
                entry.unlink()
                cleaned.append(entry)
            continue
        if _alive(int(m.group(1))) or entry.is_symlink() or not entry.is_file():
            continue
        target = entry.with_name(m.group(2))
        if m.group(3) == "old" and not os.path.lexists(target):
            os.replace(entry, target)
        else:
            entry.unlink()
        cleaned.append(entry)
    return cleaned


def write_synced(fd: int, path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to the new file ``path`` open as ``fd``, flushed to disk.

    The file is closed; on any failure it is removed and the error raised, so no
    partial temporary file is left behind.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     fd, tmp = tempfile.mkstemp(dir=d)
    ...     write_synced(fd, tmp, b"hi").read_bytes()
    b'hi'
    """
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    return Path(path)


def _stage(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file next to ``path`` (flushed to disk)."""
    tmp = _temp_path(path, "part")
    return write_synced(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), tmp, data)


def atomic_write(path: str | os.PathLike, data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, fsync, rename.

    Without ``overwrite`` the final step is a hard link, which fails if the target
    appeared in the meantime, so nothing is ever silently replaced. Readers see
    either no file or the complete file; no temporary file is left behind.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     atomic_write(Path(d) / "a.txt", b"hi").read_bytes()
    b'hi'
    """
    path = Path(path)
    tmp = _stage(path, data)
    try:
        if overwrite:
            os.replace(tmp, path)
        else:
            _link_no_clobber(str(tmp), path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    _fsync_dir(path.parent)
    return path


def _link_no_clobber(tmp: str, path: Path) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"refusing to overwrite existing file: {path}") from None
    except OSError:  # filesystem without hard links: check, then rename
        if os.path.lexists(path):
            raise FileExistsError(f"refusing to overwrite existing file: {path}") from None
        os.replace(tmp, path)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_all(files: Mapping[Path, bytes], *, overwrite: bool = False) -> list[Path]:
    """Write several files, all or nothing, even when replacing an earlier export.

    Every target is checked first; every file is then staged next to its target
    (temporary name, flushed to disk). Only then are they swapped in: each file
    being replaced is first moved aside as a backup. If any step fails, every new
    file is removed and every backup put back, so the folder holds exactly the
    previous export; on success the backups are deleted. Stale temporary files of
    a killed export in the target folders are cleaned first (see :func:`clean_stale`).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in write_all({Path(d) / "a": b"1", Path(d) / "b": b"2"})]
    ['a', 'b']
    """
    check_free(files, overwrite=overwrite)
    for folder in dict.fromkeys(Path(p).parent for p in files):
        clean_stale(folder)
    staged: dict[Path, Path] = {}
    backups: dict[Path, Path] = {}
    placed: list[Path] = []
    try:
        for path, data in files.items():
            staged[Path(path)] = _stage(Path(path), data)
        for path, tmp in staged.items():
            if os.path.lexists(path):
                if not overwrite:
                    raise FileExistsError(f"refusing to overwrite existing file: {path}")
                backup = _temp_path(path, "old")
                os.replace(path, backup)
                backups[path] = backup
            if overwrite or path in backups:
                os.replace(tmp, path)
            else:
                _link_no_clobber(str(tmp), path)
            placed.append(path)
    except BaseException:
        for path in placed:
            with contextlib.suppress(OSError):
                os.unlink(path)
        for path, backup in backups.items():
            with contextlib.suppress(OSError):
                os.replace(backup, path)
        raise
    finally:
        for tmp in staged.values():
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    for backup in backups.values():
        with contextlib.suppress(OSError):
            os.unlink(backup)
    for folder in dict.fromkeys(p.parent for p in placed):
        _fsync_dir(folder)
    return placed


def neutralise_cell(value: object) -> object:
    """Prefix ``'`` to a text cell that a spreadsheet would run as a formula.

    Examples
    --------
    >>> neutralise_cell("=HYPERLINK(1)")
    "'=HYPERLINK(1)"
    >>> neutralise_cell("oral")
    'oral'
    >>> neutralise_cell(-3.5)
    -3.5
    """
    if isinstance(value, str) and value.startswith(_INJECTION_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` safe to open in a spreadsheet (OWASP CSV injection).

    Text cells (and column names) starting with ``= + - @``, tab, CR or LF get a
    leading single quote; numeric and boolean columns are left numeric.

    Examples
    --------
    >>> neutralise_frame(pd.DataFrame({"a": ["=1+1", "x"], "n": [-1, 2]}))["a"].tolist()
    ["'=1+1", 'x']
    """
    if not isinstance(frame.index, pd.RangeIndex) or any(n is not None for n in frame.index.names):
        frame = frame.reset_index()
    out = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            out[col] = s
        else:
            out[col] = s.astype(object).map(neutralise_cell, na_action="ignore")
    safe = pd.DataFrame(out, index=frame.index)
    safe.columns = [neutralise_cell(str(c)) for c in frame.columns]
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV bytes for a spreadsheet: neutralised cells, UTF-8 with BOM, CRLF rows.

    Examples
    --------
    >>> csv_bytes(pd.DataFrame({"a": ["@x"]}))
    b"\\xef\\xbb\\xbfa\\r\\n'@x\\r\\n"
    """
    buf = io.StringIO()
    neutralise_frame(frame).to_csv(buf, index=False, lineterminator="\r\n")
    return buf.getvalue().encode("utf-8-sig")
