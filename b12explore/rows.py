"""Adding and changing single rows of a data folder's CSV files, safely.

The entry form (:class:`b12explore.widgets.entry.EntryForm`) and ``import-refs`` write
through this module, which never writes an invalid folder and never loses a file:

1. the new text of every changed file is built from the file's own text (other rows keep
   their bytes; a new row is appended in the file's column order and line endings);
2. the whole folder is validated with :func:`b12explore.load` on a *staged copy* holding
   the new files: any problem and nothing is written (:class:`DataValidationError`);
3. each file is written to a temporary file in the same folder, flushed and fsynced, a
   copy of the previous file is kept as ``NAME.bak``, and ``os.replace`` puts the new
   file in place; a failure part-way restores the files already replaced.

Writing into the repository's shipped ``data/`` folder is refused unless
``allow_shipped=True`` (:class:`ShippedDataError`).

Field descriptions for forms are in :mod:`b12explore.formfields` (re-exported here).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import DataValidationError, Problem
from .export.safefiles import write_synced
from .formfields import FieldInfo, field_infos, split_multi  # noqa: F401 (re-exported)
from .schema import DESCRIPTOR, key_fields, read_descriptor, repo_data_dir, resources

__all__ = [
    "FieldInfo",
    "ShippedDataError",
    "TableText",
    "add_row",
    "apply_changes",
    "check_writable",
    "field_infos",
    "read_table_text",
    "replace_row",
    "row_change",
    "split_multi",
    "staged_problems",
    "write_atomic",
]


class ShippedDataError(PermissionError):
    """Refused: the folder is the repository's shipped ``data/`` (pass ``allow_shipped``)."""


# --------------------------------------------------------------------------- CSV text
@dataclasses.dataclass
class TableText:
    """A CSV file as text: header, records with their physical lines, line ending."""

    file: str
    text: str
    header: list[str]
    records: list[tuple[int, int, list[str]]]  # (first line, last line, cells)
    newline: str = "\n"
    bom: bool = False
    delimiter: str = ","

    def lines(self) -> list[str]:
        return list(io.StringIO(self.text, newline=""))

    def find(self, key_columns: list[str], key: tuple[str, ...]) -> int | None:
        """Index in ``records`` of the row whose key cells equal ``key``."""
        pos = [self.header.index(k) for k in key_columns]
        for i, (_, _, cells) in enumerate(self.records):
            if tuple(cells[p].strip() if p < len(cells) else "" for p in pos) == key:
                return i
        return None

    def row_dict(self, index: int) -> dict[str, str]:
        cells = self.records[index][2]
        return {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(self.header)}

    def format_row(self, values: Mapping[str, str], base: Mapping[str, str] | None = None) -> str:
        """One CSV record in this file's column order (cells absent from ``values``
        keep ``base``'s text, else are empty)."""
        base = base or {}
        cells = [str(values.get(h, base.get(h, "")) or "").strip() for h in self.header]
        out = io.StringIO()
        csv.writer(out, delimiter=self.delimiter, lineterminator=self.newline).writerow(cells)
        return out.getvalue()

    def encode(self, text: str) -> bytes:
        return (("\ufeff" if self.bom else "") + text).encode("utf-8")


def read_table_text(folder: str | os.PathLike, resource: dict) -> TableText:
    """Read a resource's CSV file as text (an absent file: header from the schema).

    Examples
    --------
    >>> from b12explore.schema import read_descriptor, repo_data_dir
    >>> res = resources(read_descriptor(repo_data_dir()))["studies"]
    >>> t = read_table_text(repo_data_dir(), res)
    >>> t.header[0], t.records[0][0]
    ('study_id', 2)
    """
    path = Path(folder) / resource["path"]
    delimiter = resource.get("dialect", {}).get("delimiter", ",")
    if not path.exists():
        header = [f["name"] for f in resource["schema"]["fields"]]
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator="\n").writerow(header)
        return TableText(resource["path"], out.getvalue(), header, [], delimiter=delimiter)
    raw = path.read_bytes().decode("utf-8")
    bom = raw.startswith("\ufeff")
    text = raw.removeprefix("\ufeff")
    lines = list(io.StringIO(text, newline=""))
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    reader = csv.reader(iter(lines), delimiter=delimiter)
    header: list[str] = []
    records = []
    last = 0
    for row in reader:
        first, last = last + 1, reader.line_num
        if not "".join(row).strip():
            continue
        if not header:
            header = [h.strip() for h in row]
            continue
        records.append((first, last, row))
    return TableText(resource["path"], text, header, records, newline, bom, delimiter)


def _with_columns(table: TableText, names: list[str]) -> TableText:
    """``table`` rewritten with the schema columns it lacks appended to the header."""
    missing = [n for n in names if n not in table.header]
    if not missing:
        return table
    header = table.header + missing
    widened = TableText(table.file, "", header, [], table.newline, table.bom, table.delimiter)
    text = widened.format_row(dict(zip(header, header, strict=True)))
    for i in range(len(table.records)):
        text += widened.format_row(table.row_dict(i))
    folder = tempfile.mkdtemp()
    try:
        Path(folder, table.file).write_bytes(table.encode(text))
        res = {"path": table.file, "dialect": {"delimiter": table.delimiter}}
        return read_table_text(folder, res)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def new_text(table: TableText, values: Mapping[str, str], index: int | None) -> tuple[str, int]:
    """The file's text with ``values`` appended (``index`` None) or replacing record
    ``index``; and the first physical line of that row in the new text."""
    if index is None:
        text = table.text
        if text and not text.endswith(("\n", "\r")):
            text += table.newline
        line = len(list(io.StringIO(text, newline=""))) + 1
        return text + table.format_row(values), line
    first, last, _ = table.records[index]
    lines = table.lines()
    row = table.format_row(values, base=table.row_dict(index))
    tail = lines[last:]
    if not lines[last - 1].endswith(("\n", "\r")) and not tail:
        row = row.rstrip("\r\n")
    return "".join(lines[: first - 1]) + row + "".join(tail), first


# --------------------------------------------------------------------------- writing
def check_writable(folder: str | os.PathLike, allow_shipped: bool = False) -> Path:
    """The folder, resolved; refuses the shipped ``data/`` unless ``allow_shipped``.

    Examples
    --------
    >>> from b12explore.schema import repo_data_dir
    >>> check_writable(repo_data_dir())
    Traceback (most recent call last):
    ...
    b12explore.rows.ShippedDataError: ... is the shipped data folder; ...
    """
    folder = Path(folder).resolve()
    if not allow_shipped and folder == repo_data_dir().resolve():
        raise ShippedDataError(
            f"{folder} is the shipped data folder; copy it and work on the copy, or pass "
            "allow_shipped=True to change the repository's data"
        )
    return folder


def staged_problems(folder: str | os.PathLike, changes: Mapping[str, bytes]) -> list[Problem]:
    r"""Problems :func:`b12explore.load` finds in a copy of ``folder`` with ``changes``
    (file name -> new bytes) applied. The folder itself is not touched.

    Examples
    --------
    >>> from b12explore.schema import repo_data_dir
    >>> header = (repo_data_dir() / "studies.csv").read_bytes().splitlines()[0]
    >>> problems = staged_problems(repo_data_dir(), {"studies.csv": header + b"\n"})
    >>> str(problems[0])
    'studies.csv, line 1: no studies: expected at least one row'
    >>> staged_problems(repo_data_dir(), {})
    []
    """
    from .io import load

    folder = Path(folder)
    with tempfile.TemporaryDirectory(prefix="b12-stage-") as tmp:
        stage = Path(tmp)
        if DESCRIPTOR in changes:
            (stage / DESCRIPTOR).write_bytes(changes[DESCRIPTOR])
        else:
            shutil.copyfile(folder / DESCRIPTOR, stage / DESCRIPTOR)
        try:
            descriptor = read_descriptor(stage)
        except DataValidationError as exc:
            return list(exc.problems)
        for res in resources(descriptor).values():
            source = folder / res["path"]
            if res["path"] in changes:
                (stage / res["path"]).write_bytes(changes[res["path"]])
            elif source.is_file():
                shutil.copyfile(source, stage / res["path"])
        try:
            load(stage)
        except DataValidationError as exc:
            return [_unstage(p, tmp, folder) for p in exc.problems]
    return []


def _unstage(problem: Problem, stage: str, folder: Path) -> Problem:
    if problem.file.startswith(stage):
        return dataclasses.replace(problem, file=str(folder) + problem.file[len(stage) :])
    return problem


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _write_temp(folder: Path, name: str, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    return write_synced(fd, tmp, data)


def write_atomic(folder: str | os.PathLike, changes: Mapping[str, bytes]) -> list[Path]:
    r"""Replace files of ``folder`` atomically, keeping the previous ones as ``NAME.bak``.

    Every new file is first written in full to a temporary file in ``folder`` (flushed and
    fsynced); then, file by file, the current file is copied to ``NAME.bak`` (the same
    way) and the temporary file takes its place with ``os.replace``. When anything
    fails, the files already replaced are restored from their backups, temporary files
    are removed and the error is raised: the folder holds the old files.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text("x\n1\n")
    >>> [p.name for p in write_atomic(folder, {"a.csv": b"x\n2\n"})]
    ['a.csv']
    >>> (folder / "a.csv.bak").read_text()
    'x\n1\n'
    """
    folder = Path(folder)
    temps: list[tuple[Path, Path]] = []
    done: list[tuple[Path, Path | None]] = []
    try:
        for name, data in changes.items():
            temps.append((folder / name, _write_temp(folder, name, data)))
        for target, tmp in temps:
            backup = None
            if target.exists():
                backup = target.with_name(target.name + ".bak")
                bak_tmp = _write_temp(folder, backup.name, target.read_bytes())
                try:
                    os.replace(bak_tmp, backup)
                except BaseException:
                    bak_tmp.unlink(missing_ok=True)
                    raise
            os.replace(tmp, target)
            done.append((target, backup))
        _fsync_dir(folder)
    except BaseException:
        for target, backup in reversed(done):
            try:
                if backup is None:
                    target.unlink(missing_ok=True)
                else:
                    restore = _write_temp(folder, target.name, backup.read_bytes())
                    os.replace(restore, target)
            except OSError:  # pragma: no cover - the backup is still there
                pass
        for _, tmp in temps:
            tmp.unlink(missing_ok=True)
        raise
    return [target for target, _ in done]


def apply_changes(
    folder: str | os.PathLike, changes: Mapping[str, bytes], *, allow_shipped: bool = False
) -> list[Path]:
    r"""Validate ``folder`` with ``changes`` applied (on a staged copy), then write them.

    Raises
    ------
    ShippedDataError
        ``folder`` is the shipped ``data/`` and ``allow_shipped`` is False.
    DataValidationError
        The changed folder would not load; nothing was written.
    OSError
        Writing failed; the previous files are in place.

    Examples
    --------
    >>> import shutil, tempfile
    >>> from b12explore.schema import repo_data_dir
    >>> folder = shutil.copytree(repo_data_dir(), tempfile.mkdtemp() + "/data")
    >>> studies = Path(folder, "studies.csv").read_bytes()
    >>> crlf = studies.replace(b"\n", b"\r\n")
    >>> [p.name for p in apply_changes(folder, {"studies.csv": crlf})]
    ['studies.csv']
    """
    folder = check_writable(folder, allow_shipped)
    problems = staged_problems(folder, changes)
    if problems:
        raise DataValidationError(problems, data_dir=str(folder))
    return write_atomic(folder, changes)


def _prepare(folder, table: str, values: Mapping[str, str], key) -> tuple[str, bytes, int]:
    descriptor = read_descriptor(folder)
    res = resources(descriptor)[table]
    text = read_table_text(folder, res)
    names = [f["name"] for f in res["schema"]["fields"]]
    if any(values.get(n) for n in names if n not in text.header):
        text = _with_columns(text, names)
    index = None
    if key is not None:
        pk = key_fields(res["schema"].get("primaryKey"))
        key = (key,) if isinstance(key, str) else tuple(key)
        index = text.find(pk, key)
        if index is None:
            raise KeyError(f"{res['path']}: no row with {', '.join(pk)} = {', '.join(key)}")
    body, line = new_text(text, values, index)
    return res["path"], text.encode(body), line


def row_change(
    folder: str | os.PathLike, table: str, values: Mapping[str, str], key: Any = None
) -> tuple[str, bytes, int]:
    """(file name, new bytes, line of the row) for adding ``values`` to ``table``, or
    replacing the row whose primary key is ``key``. Nothing is written.

    Examples
    --------
    >>> from b12explore.schema import repo_data_dir
    >>> name, data, line = row_change(repo_data_dir(), "results", {"result_id": "x"})
    >>> name, data.splitlines()[-1].startswith(b"x,"), line == len(data.splitlines())
    ('results.csv', True, True)
    """
    return _prepare(Path(folder), table, values, key)


def add_row(
    folder: str | os.PathLike,
    table: str,
    values: Mapping[str, str],
    *,
    allow_shipped: bool = False,
) -> Path:
    """Append one row (cell texts by column name) to ``table``'s CSV, atomically.

    Examples
    --------
    >>> import shutil, tempfile
    >>> from b12explore.schema import repo_data_dir
    >>> folder = shutil.copytree(repo_data_dir(), tempfile.mkdtemp() + "/data")
    >>> add_row(folder, "results", {"result_id": "x"})
    Traceback (most recent call last):
    ...
    b12explore.errors.DataValidationError: ...
    """
    check_writable(folder, allow_shipped)
    name, data, _ = row_change(folder, table, values)
    return apply_changes(folder, {name: data}, allow_shipped=allow_shipped)[0]


def replace_row(
    folder: str | os.PathLike,
    table: str,
    key: Any,
    values: Mapping[str, str],
    *,
    allow_shipped: bool = False,
) -> Path:
    """Replace the row of ``table`` whose primary key is ``key`` (cells not given keep
    their text), atomically.

    Examples
    --------
    >>> import shutil, tempfile
    >>> from b12explore import load
    >>> from b12explore.schema import repo_data_dir
    >>> folder = shutil.copytree(repo_data_dir(), tempfile.mkdtemp() + "/data")
    >>> sid = load(folder).studies["study_id"].iloc[0]
    >>> replace_row(folder, "studies", sid, {"title": "Corrected"}).name
    'studies.csv'
    >>> load(folder).studies.set_index("study_id").loc[sid, "title"]
    'Corrected'
    """
    check_writable(folder, allow_shipped)
    name, data, _ = row_change(folder, table, values, key)
    return apply_changes(folder, {name: data}, allow_shipped=allow_shipped)[0]
