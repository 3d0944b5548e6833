"""Reading a file of the data folder without surprises.

Only regular files are read. The type is checked with ``os.stat`` before anything is
opened, so a FIFO is never opened and a device (``/dev/zero``) is never read; the
file is then opened non-blocking and checked again on the open descriptor.

Symbolic links: a link to a file *inside* the data folder is followed. A link that
leaves the data folder is refused (copy the file into the folder instead), so the
loader never reads, and never quotes in a message, a file outside the folder. A
dangling link or a link loop is an error, not an absent file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

__all__ = ["ABSENT", "FileRefused", "read_local"]


class FileRefused(Exception):
    """The file exists (as a name in the folder) but is not read; ``str()`` says why."""


#: Returned by :func:`read_local` when there is no such name in the folder.
ABSENT = None


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _inside(path: Path, folder: Path) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([real, base]) == base


def read_local(folder: str | os.PathLike, name: str) -> bytes | None:
    """The bytes of ``folder/name``, or ``None`` when no such name exists.

    Parameters
    ----------
    folder : str or PathLike
        The data folder.
    name : str
        A file name in it.

    Returns
    -------
    bytes or None

    Raises
    ------
    FileRefused
        A folder, a device, a FIFO, a socket, a dangling link, a link loop, a link
        leaving the folder, or a file that cannot be read.

    Examples
    --------
    >>> from b12explore.schema import repo_data_dir
    >>> read_local(repo_data_dir(), "datapackage.json")[:1]
    b'{'
    >>> read_local(repo_data_dir(), "no-such-file.csv") is None
    True
    """
    folder = Path(folder)
    path = folder / name
    try:
        link = stat.S_ISLNK(os.lstat(path).st_mode)
    except FileNotFoundError:
        return ABSENT
    except OSError as exc:
        raise FileRefused(f"cannot be read ({exc.strerror or exc})") from None
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileRefused("is a link to a file that does not exist") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileRefused("is a link that loops back on itself") from None
        raise FileRefused(f"cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(mode):
        raise FileRefused("expected a CSV file, found a folder")
    if not stat.S_ISREG(mode):
        raise FileRefused(f"not a regular file ({_kind(mode)}); refused without reading it")
    if link and not _inside(path, folder):
        raise FileRefused(
            "is a link to a file outside the data folder; refused (copy the file into the folder)"
        )
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        )
    except OSError as exc:
        raise FileRefused(f"cannot be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced since the check
            raise FileRefused("not a regular file; refused without reading it")
        try:
            return fh.read()
        except OSError as exc:
            raise FileRefused(f"cannot be read ({exc.strerror or exc})") from None
