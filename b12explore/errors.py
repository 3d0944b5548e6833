"""Problems found in the evidence tables, and the error that carries them.

A ``Problem`` names where (file, physical line, column), what was found (value) and
what was expected, and renders as one line, e.g.::

    studies.csv, line 14, column "n_enrolled": expected an integer >= 1, got "12a"

``DataValidationError`` (a ``ValueError``) carries every problem found in one pass.
``DataFolderError`` is the subclass for a folder that cannot be read at all (missing,
not a folder, no or broken ``datapackage.json``); the command line exits 2 for it.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Iterable, Sequence

__all__ = ["DataFolderError", "DataValidationError", "Problem", "check_option", "show_value"]

#: Values longer than this are cut in messages.
MAX_SHOWN = 60


def show_value(value: object) -> str:
    """A value quoted for a message: double quotes, escapes, cut when long.

    Parameters
    ----------
    value : object
        The offending value (usually the cell text).

    Returns
    -------
    str
        The quoted value.

    Examples
    --------
    >>> show_value("12a")
    '"12a"'
    >>> show_value("a\\nb")
    '"a\\\\nb"'
    >>> show_value("")
    'an empty cell'
    """
    text = str(value)
    if text == "":
        return "an empty cell"
    if len(text) > MAX_SHOWN:
        text = text[: MAX_SHOWN - 1] + "…"
    return json.dumps(text, ensure_ascii=False)


@dataclasses.dataclass(frozen=True)
class Problem:
    """One problem in the data, with where it is and what was expected.

    Parameters
    ----------
    file : str
        File name, e.g. ``"studies.csv"``.
    line : int, optional
        Physical line in the file (header = line 1).
    column : str, optional
        Column (field) name; for a composite key, the names joined by ", ".
    value : str, optional
        The value found (cell text as written, padding trimmed).
    expected : str, optional
        What was expected, e.g. ``"an integer >= 1"``.
    message : str, optional
        Anything else to say (a "did you mean", a hint, or the whole message).

    Examples
    --------
    >>> p = Problem("studies.csv", 14, "n_enrolled", "12a", "an integer >= 1")
    >>> str(p)
    'studies.csv, line 14, column "n_enrolled": expected an integer >= 1, got "12a"'
    >>> str(Problem("studies.csv", message="required file not found"))
    'studies.csv: required file not found'
    """

    file: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None
    message: str | None = None

    @property
    def where(self) -> str:
        """``file, line N, column "c"`` (the parts that are known)."""
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column {json.dumps(self.column, ensure_ascii=False)}")
        return ", ".join(parts)

    def __str__(self) -> str:
        body = []
        if self.expected is not None:
            text = f"expected {self.expected}"
            if self.value is not None:
                text += f", got {show_value(self.value)}"
            body.append(text)
        elif self.value is not None:
            body.append(f"got {show_value(self.value)}")
        if self.message:
            body.append(self.message)
        return f"{self.where}: {'; '.join(body)}" if body else self.where


class DataValidationError(ValueError):
    """The evidence tables do not match ``datapackage.json``.

    Parameters
    ----------
    problems : sequence of Problem
        Every problem found (at least one).
    warnings : sequence of str, optional
        Warnings found on the way (unknown columns and the like).
    data_dir : str, optional
        Folder that was read, named in the message.

    Examples
    --------
    >>> err = DataValidationError([Problem("studies.csv", 3, "year", "19x9", "an integer")])
    >>> isinstance(err, ValueError), len(err.problems)
    (True, 1)
    >>> print(err)
    1 problem in the evidence tables:
    studies.csv, line 3, column "year": expected an integer, got "19x9"
    """

    def __init__(
        self,
        problems: Iterable[Problem],
        *,
        warnings: Sequence[str] = (),
        data_dir: str | None = None,
    ) -> None:
        self.problems: list[Problem] = list(problems)
        self.warnings: list[str] = list(warnings)
        self.data_dir = data_dir
        super().__init__(self._render())

    def _render(self) -> str:
        n = len(self.problems)
        where = f" in {self.data_dir}" if self.data_dir else " in the evidence tables"
        head = f"{n} problem{'s' if n != 1 else ''}{where}:"
        return "\n".join([head, *map(str, self.problems)])

    def __reduce__(self):  # keep pickling (multiprocessing, pytest-xdist) working
        return (_rebuild, (type(self), self.problems, self.warnings, self.data_dir))


class DataFolderError(DataValidationError):
    """The data folder cannot be used at all: missing, unreadable, or its
    ``datapackage.json`` is absent or broken. Its message is a single line.

    Examples
    --------
    >>> err = DataFolderError([Problem("/nowhere", message="data folder not found")])
    >>> str(err)
    '/nowhere: data folder not found'
    """

    def _render(self) -> str:
        return "; ".join(map(str, self.problems))


def _rebuild(cls, problems, warnings, data_dir):
    return cls(problems, warnings=warnings, data_dir=data_dir)


def check_option(name: str, value: object, choices: Sequence[object]) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``choices`` (with a "did you mean").

    The one check for keyword options (``by=``, ``measure=``, filter values, table
    and field names) across the package, so that every message reads the same.

    Parameters
    ----------
    name : str
        The option's name, as the caller wrote it.
    value : object
        The value given.
    choices : sequence
        The allowed values, in the order to list them.

    Examples
    --------
    >>> check_option("by", "route", ("route", "design"))
    >>> check_option("by", "desing", ("route", "design"))
    Traceback (most recent call last):
    ...
    ValueError: by: 'desing' is not one of route, design; did you mean 'design'?
    """
    try:
        if value in choices:
            return
    except TypeError:  # unhashable value against a set-like
        pass
    listed = ", ".join(str(c) for c in choices) or "(none)"
    message = f"{name}: {value!r} is not one of {listed}"
    if isinstance(value, str):
        text = {str(c).lower(): c for c in choices}
        close = difflib.get_close_matches(value.lower(), list(text), n=1, cutoff=0.6)
        if close:
            message += f"; did you mean {text[close[0]]!r}?"
    raise ValueError(message)
