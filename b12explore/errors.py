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
from collections import Counter
from collections.abc import Iterable, Sequence

__all__ = [
    "MAX_PER_COLUMN",
    "DataFolderError",
    "DataValidationError",
    "Problem",
    "ProblemLog",
    "check_option",
    "show_value",
]

#: Values longer than this are cut in messages.
MAX_SHOWN = 60
#: At most this many problems per file and column (and warnings per file), then a count.
MAX_PER_COLUMN = 20


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


class ProblemLog:
    """Collects problems (at most ``cap`` per file and column) and warnings (``cap`` per file).

    Past the cap a problem is only counted; ``problems()`` then ends each file with a
    line saying how many more there were. The output depends only on the order in
    which each (file, column) receives its problems, so a column-wise and a row-wise
    pass over the same table give the same list.

    Examples
    --------
    >>> log = ProblemLog(cap=1)
    >>> for line in (2, 3, 4):
    ...     log.add(Problem("a.csv", line, "x", "?", "a number"))
    >>> [str(p) for p in log.problems()]  # doctest: +NORMALIZE_WHITESPACE
    ['a.csv, line 2, column "x": expected a number, got "?"',
     'a.csv, column "x": ... and 2 more problems in this column']
    """

    def __init__(self, cap: int = MAX_PER_COLUMN) -> None:
        self.cap = cap
        self._kept: list[Problem] = []
        self._count: Counter = Counter()
        self._warnings: list[str] = []
        self._warned: Counter = Counter()

    def add(self, problem: Problem) -> None:
        """Keep ``problem`` (or only count it, past the cap)."""
        key = (problem.file, problem.column)
        self._count[key] += 1
        if self._count[key] <= self.cap:
            self._kept.append(problem)

    def room(self, file: str, column: str | None) -> int:
        """How many more problems for (file, column) would still be kept."""
        return max(self.cap - self._count[(file, column)], 0)

    def count(self, file: str, column: str | None, n: int) -> None:
        """Count ``n`` more problems for (file, column) without keeping them."""
        self._count[(file, column)] += max(n, 0)

    def warn(self, file: str, text: str) -> None:
        """Record the warning ``"file: text"`` (at most ``cap`` per file, then counted)."""
        self._warned[file] += 1
        if self._warned[file] <= self.cap:
            self._warnings.append(f"{file}: {text}")

    def warnings(self) -> list[str]:
        """The warnings kept, then one line per file that had more."""
        more = [
            f"{file}: ... and {n - self.cap} more warnings"
            for file, n in self._warned.items()
            if n > self.cap
        ]
        return self._warnings + more

    def problems_in(self, file: str) -> int:
        """How many problems (kept or counted) ``file`` has."""
        return sum(n for (f, _), n in self._count.items() if f == file)

    def __len__(self) -> int:
        return sum(self._count.values())

    def problems(self, files: Sequence[str] = ()) -> list[Problem]:
        """Problems by file (``files`` first, in that order), by line, then the counts.

        Within a line, problems keep the order they were added in; the "... and N
        more" lines follow in the order of each column's first problem shown.
        """
        seen = list(dict.fromkeys([*files, *(p.file for p in self._kept)]))
        out = []
        for name in seen:
            mine = sorted(
                (p for p in self._kept if p.file == name),
                key=lambda p: -1 if p.line is None else p.line,
            )
            out += mine
            order = list(dict.fromkeys(p.column for p in mine))
            counted = [c for (f, c), n in self._count.items() if f == name and n > self.cap]
            for column in sorted(counted, key=lambda c: order.index(c) if c in order else 0):
                n = self._count[(name, column)] - self.cap
                what = "in this column" if column is not None else "in this file"
                out.append(
                    Problem(name, column=column, message=f"... and {n} more problems {what}")
                )
        return out


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
