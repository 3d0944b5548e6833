"""Read the CSV tables as text and check them against ``datapackage.json``.

Every check returns or records ``Problem`` objects; nothing raises for bad data here.
``check_package(folder, descriptor)`` runs them all and returns a ``Checked`` result
(typed frames, problems, warnings, formula-like cells); ``io.load`` turns problems into
a ``DataValidationError``.

Reading rules (documented in ``docs/design-validation.md``):

* Text is UTF-8; a byte-order mark is accepted; other bytes are an error naming the line.
* Lines are physical lines (header = line 1), whatever the line endings (LF, CRLF, CR).
  Blank lines, and rows whose cells are all empty, are skipped; numbering is unchanged.
* Padding spaces around cells and column names are trimmed. An empty cell (or one of the
  schema's ``missingValues``) is missing.
* Booleans: ``true True TRUE 1`` / ``false False FALSE 0`` (Frictionless defaults).
  Numbers: plain decimals such as ``-1.5`` or ``2e3``; ``NaN`` and ``inf`` are rejected.
* A row with more or fewer fields than the header is reported and not checked further.
* Unknown extra columns are kept as text with a warning; absent optional columns are
  filled as missing with a warning; absent required columns are an error.
* Only ``studies.csv`` (with at least one row) is required; other tables may be absent.
* Text cells starting with ``=``, ``+``, ``-`` or ``@`` are kept as written and listed
  in ``formula_cells`` so that exports can neutralise them.
* At most ``MAX_PER_COLUMN`` problems are listed per file and column, then a count.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import difflib
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import Problem
from .schema import FALSE_VALUES, TRUE_VALUES, key_fields, resources

__all__ = [
    "CHUNK_ROWS",
    "MAX_PER_COLUMN",
    "REQUIRED_TABLES",
    "Checked",
    "ProblemLog",
    "check_package",
    "check_value",
    "describe_field",
    "suggest",
]

MAX_PER_COLUMN = 20
CHUNK_ROWS = 20_000
REQUIRED_TABLES = ("studies",)
FORMULA_START = ("=", "+", "-", "@")
_INT = re.compile(r"[+-]?[0-9]+")
_NUM = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_INVALID = object()


# --------------------------------------------------------------------------- problems
class ProblemLog:
    """Collects problems, keeping at most ``cap`` per (file, column) plus a count.

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

    def add(self, problem: Problem) -> None:
        key = (problem.file, problem.column)
        self._count[key] += 1
        if self._count[key] <= self.cap:
            self._kept.append(problem)

    def full(self, file: str, column: str | None) -> bool:
        """True when no more problems for (file, column) will be kept."""
        return self._count[(file, column)] >= self.cap

    def count(self, file: str, column: str | None, n: int) -> None:
        """Count ``n`` more problems for (file, column) without keeping them."""
        self._count[(file, column)] += max(n, 0)

    def __len__(self) -> int:
        return sum(self._count.values())

    def problems(self) -> list[Problem]:
        """Problems grouped by file (first-seen order), sorted by line, then the counts."""
        files = list(dict.fromkeys(p.file for p in self._kept))
        out = []
        for name in files:
            mine = [p for p in self._kept if p.file == name]
            out += sorted(mine, key=lambda p: -1 if p.line is None else p.line)
            for (file, column), n in self._count.items():
                if file == name and n > self.cap:
                    what = "in this column" if column is not None else "in this file"
                    more = f"... and {n - self.cap} more problems {what}"
                    out.append(Problem(file, column=column, message=more))
        return out


# --------------------------------------------------------------------------- results
@dataclasses.dataclass
class Table:
    """One table as read: typed frame indexed by physical line number."""

    name: str
    file: str
    frame: pd.DataFrame
    readable: bool  # False when the file could not be parsed (skip key checks against it)
    present: bool


@dataclasses.dataclass
class Checked:
    """What ``check_package`` found."""

    tables: dict[str, Table]
    problems: list[Problem]
    warnings: list[str]
    formula_cells: pd.DataFrame


FORMULA_COLUMNS = ["table", "line", "column", "value"]


def check_package(folder: str | Path, descriptor: dict[str, Any]) -> Checked:
    """Read every table of ``descriptor`` from ``folder`` and check it.

    Parameters
    ----------
    folder : str or Path
        The data folder.
    descriptor : dict
        Parsed ``datapackage.json`` (see ``schema.read_descriptor``).

    Returns
    -------
    Checked
        Typed frames (index = physical line), problems, warnings, formula-like cells.

    Examples
    --------
    >>> from b12explore.schema import read_descriptor, repo_data_dir
    >>> checked = check_package(repo_data_dir(), read_descriptor(repo_data_dir()))
    >>> isinstance(checked.problems, list)
    True
    """
    folder = Path(folder)
    log = ProblemLog()
    warnings: list[str] = []
    formula: list[tuple] = []
    tables = {}
    for name, res in resources(descriptor).items():
        reader = TableReader(folder, res, log, warnings, formula)
        tables[name] = reader.read()
    for name, res in resources(descriptor).items():
        check_foreign_keys(tables, name, res, log)
    for rule in RULES:
        for problem in rule(tables):
            log.add(problem)
    cells = pd.DataFrame(formula, columns=FORMULA_COLUMNS).astype(
        {"table": "str", "line": "int64", "column": "str", "value": "str"}
    )
    return Checked(tables, log.problems(), warnings, cells)


# --------------------------------------------------------------------------- fields
def describe_field(field: dict[str, Any]) -> str:
    """What a valid cell of ``field`` looks like, in words.

    Examples
    --------
    >>> describe_field({"name": "n", "type": "integer", "constraints": {"minimum": 1}})
    'an integer >= 1'
    >>> describe_field({"type": "number", "constraints": {"minimum": 0, "maximum": 1}})
    'a number between 0 and 1'
    >>> describe_field({"name": "r", "type": "string", "constraints": {"enum": ["a", "b"]}})
    'one of: a, b'
    """
    c = field.get("constraints", {})
    ftype = field.get("type", "string")
    if "enum" in c:
        return "one of: " + ", ".join(map(str, c["enum"]))
    if ftype == "boolean":
        return "true or false"
    if ftype == "string":
        return f"text matching the pattern {c['pattern']}" if "pattern" in c else "a value"
    base = "an integer" if ftype == "integer" else "a number"
    lo, hi = c.get("minimum"), c.get("maximum")
    if lo is not None and hi is not None:
        return f"{base} between {_num(lo)} and {_num(hi)}"
    if lo is not None:
        return f"{base} >= {_num(lo)}"
    if hi is not None:
        return f"{base} <= {_num(hi)}"
    return base


def suggest(value: str, choices: Iterable[str]) -> str | None:
    """The allowed value closest to ``value``, or None.

    Examples
    --------
    >>> suggest("rtc", ["rct", "observational"])
    'rct'
    >>> suggest("Systematic review", ["systematic_review", "rct"])
    'systematic_review'
    >>> suggest("xyz", ["rct"]) is None
    True
    """
    choices = [str(c) for c in choices]
    norm = re.sub(r"[\s\-]+", "_", value.strip().lower())
    for c in choices:
        if c.lower() == norm:
            return c
    close = difflib.get_close_matches(norm, [c.lower() for c in choices], n=1, cutoff=0.6)
    if close:
        return next(c for c in choices if c.lower() == close[0])
    return None


def check_value(
    field: dict[str, Any], text: str, *, missing_values: Iterable[str] = ("",)
) -> str | None:
    """Check one cell as ``load()`` does; the problem in words, or None when valid.

    The same per-value checks as reading a CSV (type, ``required``, ``enum``,
    ``pattern``, ``minimum``/``maximum``), for one value typed in a form.

    Parameters
    ----------
    field : dict
        A Table Schema field from ``datapackage.json``.
    text : str
        The cell as it would be written (padding is trimmed, as when reading).
    missing_values : iterable of str, default ("",)
        The resource's ``missingValues``.

    Returns
    -------
    str or None
        ``'expected ..., got "..."'`` (with a "did you mean" for near-miss codes).

    Examples
    --------
    >>> check_value({"name": "n", "type": "integer", "constraints": {"minimum": 1}}, "0")
    'expected an integer >= 1, got "0"'
    >>> check_value({"name": "d", "constraints": {"enum": ["rct"], "required": True}}, "")
    'expected one of: rct (required), got an empty cell'
    >>> check_value({"name": "d", "constraints": {"enum": ["rct"]}}, "RCT")
    'expected one of: rct, got "RCT"; did you mean "rct"?'
    >>> check_value({"name": "d", "type": "number"}, " 2.5 ") is None
    True
    """
    text = str(text).strip()
    expected = describe_field(field)
    if text in {str(v).strip() for v in missing_values}:
        if not _required(field):
            return None
        expected = "a value (required)" if expected == "a value" else expected + " (required)"
        return str(Problem("", value="", expected=expected)).removeprefix(": ")
    if _parser(field)(text) is not _INVALID:
        return None
    enum = field.get("constraints", {}).get("enum")
    hint = suggest(text, enum) if enum else None
    message = f'did you mean "{hint}"?' if hint else None
    return str(Problem("", value=text, expected=expected, message=message)).removeprefix(": ")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _parser(field: dict[str, Any]) -> Callable[[str], Any]:
    """Text -> typed value, or ``_INVALID`` (wrong type or a constraint not met)."""
    ftype = field.get("type", "string")
    c = field.get("constraints", {})
    text_checks, value_checks = [], []
    if "enum" in c:
        allowed = {str(v) for v in c["enum"]}
        text_checks.append(lambda t: t in allowed)
    if "pattern" in c:
        rx = re.compile(c["pattern"])
        text_checks.append(lambda t: rx.fullmatch(t) is not None)
    if ftype in ("integer", "number"):
        if "minimum" in c:
            value_checks.append(lambda v, lo=c["minimum"]: v >= lo)
        if "maximum" in c:
            value_checks.append(lambda v, hi=c["maximum"]: v <= hi)
    converters = {"integer": _to_int, "number": _to_float, "boolean": _to_bool(field)}
    to_type = converters.get(ftype, str)

    def parse(text: str) -> Any:
        value = to_type(text)
        if value is _INVALID:
            return value
        ok = all(check(text) for check in text_checks) and all(
            check(value) for check in value_checks
        )
        return value if ok else _INVALID

    return parse


def _to_int(text: str) -> Any:
    if not _INT.fullmatch(text):
        return _INVALID
    value = int(text)
    return value if abs(value) < 2**63 else _INVALID


def _to_float(text: str) -> Any:
    if not _NUM.fullmatch(text):
        return _INVALID
    value = float(text)
    return value if math.isfinite(value) else _INVALID


def _to_bool(field: dict[str, Any]) -> Callable[[str], Any]:
    true = set(field.get("trueValues", TRUE_VALUES))
    false = set(field.get("falseValues", FALSE_VALUES))
    return lambda t: True if t in true else False if t in false else _INVALID


def _dtype_of(field: dict[str, Any]):
    c = field.get("constraints", {})
    if "enum" in c:
        return pd.CategoricalDtype([str(v) for v in c["enum"]], ordered=False)
    return {"integer": "Int64", "number": "float64", "boolean": "boolean"}.get(
        field.get("type", "string"), "str"
    )


def coerce(raw: pd.DataFrame, fields: list[dict[str, Any]]) -> pd.DataFrame:
    """Type a text frame by schema fields without reporting: invalid cells become missing.

    For building small typed frames (docs, tests). Columns of ``raw`` not in
    ``fields`` are dropped; fields absent from ``raw`` are all missing.

    Examples
    --------
    >>> raw = pd.DataFrame({"n": [" 3", "x"], "ok": ["true", ""]})
    >>> fields = [{"name": "n", "type": "integer"}, {"name": "ok", "type": "boolean"}]
    >>> coerce(raw, fields).dtypes.astype(str).tolist()
    ['Int64', 'boolean']
    >>> coerce(raw, fields)["n"].tolist()
    [3, <NA>]
    """
    out = {}
    for field in fields:
        name, dtype = field["name"], _dtype_of(field)
        if name not in raw:
            out[name] = pd.Series(pd.array([None] * len(raw), dtype=dtype), index=raw.index)
            continue
        text = raw[name].astype("str").str.strip()
        text = text.mask(text == "")
        parse = _parser(field)
        good = {u: v for u in pd.unique(text.dropna()) if (v := parse(u)) is not _INVALID}
        text = text.where(text.isin(list(good)))
        out[name] = _as_dtype(text, good, dtype)
    return pd.DataFrame(out, index=raw.index)


def _series(values: list, dtype, index) -> pd.Series:
    return pd.Series(pd.array(values, dtype=dtype), index=index)


def _as_dtype(text: pd.Series, good: dict, dtype) -> pd.Series:
    """Valid text (others already NaN) -> the field's dtype."""
    if isinstance(dtype, pd.CategoricalDtype):
        return text.astype(dtype)
    if dtype == "str":
        return text
    typed = text.map(good)
    if dtype in ("Int64", "boolean"):
        return pd.Series(pd.array(typed.tolist(), dtype=dtype), index=text.index)
    return typed.astype("float64")


# --------------------------------------------------------------------------- reading
class TableReader:
    """Reads one resource's CSV as text, in chunks, checking cells as it goes."""

    def __init__(self, folder: Path, res: dict, log: ProblemLog, warnings: list, formula: list):
        self.res, self.log, self.warnings, self.formula = res, log, warnings, formula
        self.name = res["name"]
        self.file = res["path"]
        self.path = folder / res["path"]
        schema = res["schema"]
        self.fields = {f["name"]: f for f in schema["fields"]}
        self.pk = key_fields(schema.get("primaryKey"))
        self.missing = {str(v).strip() for v in schema.get("missingValues", [""])}
        self.parsers = {n: _parser(f) for n, f in self.fields.items()}
        dialect = res.get("dialect", {})
        self.csv_args = {
            "delimiter": dialect.get("delimiter", ","),
            "quotechar": dialect.get("quoteChar", '"'),
        }

    # -- entry point
    def read(self) -> Table:
        if not self.path.is_file():
            if self.path.exists():
                return self._fail("expected a CSV file, found a folder")
            if self.name in REQUIRED_TABLES:
                return self._fail("required file not found", present=False)
            return self._empty(present=False)
        try:
            return self._read_text()
        except UnicodeDecodeError:
            self._encoding_problems()
            return self._empty(readable=False)
        except OSError as exc:
            return self._fail(f"cannot be read ({exc.strerror or exc})")

    def _fail(self, message: str, present: bool = True) -> Table:
        self.log.add(Problem(self.file, message=message))
        return self._empty(readable=False, present=present)

    def _empty(self, readable: bool = True, present: bool = True) -> Table:
        frame = self._typed([], [], {}, extra=[])
        return Table(self.name, self.file, frame, readable, present)

    # -- text
    def _records(self, fh) -> Iterator[tuple[int, int, list[str]]]:
        reader = csv.reader(fh, **self.csv_args)
        last = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _CsvBroken(last + 1, str(exc)) from None
            first, last = last + 1, reader.line_num
            if "".join(row).strip():
                yield first, last, row

    def _read_text(self) -> Table:
        with open(self.path, encoding="utf-8-sig", newline="") as fh:
            records = self._records(fh)
            try:
                try:
                    header_line, _, header = next(records)
                except StopIteration:
                    return self._fail(
                        "the file is empty; expected a header row naming the columns "
                        f"({', '.join(self.fields)})"
                    )
                columns = self._header(header_line, header)
                if columns is None:
                    return self._empty(readable=False)
                frame = self._rows(records, len(header), columns)
            except _CsvBroken as exc:
                self.log.add(Problem(self.file, exc.line, message=f"unreadable CSV: {exc.msg}"))
                return self._empty(readable=False)
        self._table_checks(frame, header_line)
        return Table(self.name, self.file, frame, True, True)

    def _header(self, line: int, header: list[str]) -> dict[str, int] | None:
        names = [h.strip() for h in header]
        known = [n for n in names if n in self.fields]
        if not known:
            self.log.add(
                Problem(
                    self.file,
                    line,
                    value=",".join(header),
                    expected="a header row naming the columns " + ", ".join(self.fields),
                )
            )
            return None
        columns: dict[str, int] = {}
        ok = True
        for i, n in enumerate(names):
            if n in columns:
                where = f"columns {columns[n] + 1} and {i + 1}"
                self.log.add(Problem(self.file, line, n, message=f"appears twice ({where})"))
                ok = False
            elif n == "":
                self.warnings.append(f"{self.file}: column {i + 1} has no name; ignored")
            else:
                columns[n] = i
        for n, f in self.fields.items():
            if n in columns:
                continue
            hint = suggest(n, [c for c in columns if c not in self.fields])
            mean = f' (is "{hint}" meant to be "{n}"?)' if hint else ""
            if _required(f) or n in self.pk:
                self.log.add(
                    Problem(self.file, line, n, message=f"required column is missing{mean}")
                )
                ok = False
            else:
                self.warnings.append(
                    f'{self.file}: column "{n}" is absent; treated as not reported{mean}'
                )
        for n in columns:
            if n not in self.fields:
                shown = json.dumps(n, ensure_ascii=False)
                self.warnings.append(
                    f"{self.file}: unknown column {shown} (not in datapackage.json); kept as text"
                )
        return columns if ok else None

    def _rows(self, records, width: int, columns: dict[str, int]) -> pd.DataFrame:
        chunks = []
        lines: list[int] = []
        rows: list[list[str]] = []
        extra = [n for n in columns if n not in self.fields]
        for first, last, row in records:
            if len(row) != width:
                self._ragged(first, last, len(row), width)
                continue
            lines.append(first)
            rows.append(row)
            if len(rows) >= CHUNK_ROWS:
                chunks.append(self._typed(lines, rows, columns, extra))
                lines, rows = [], []
        if rows or not chunks:
            chunks.append(self._typed(lines, rows, columns, extra))
        return pd.concat(chunks) if len(chunks) > 1 else chunks[0]

    def _ragged(self, first: int, last: int, got: int, width: int) -> None:
        span = ""
        if last > first:
            span = (
                f" (this row runs from line {first} to line {last}: "
                "a quote may be missing its closing quote)"
            )
        msg = f"expected {width} fields as in the header, got {got}{span}"
        self.log.add(Problem(self.file, first, message=msg))

    # -- typing and cell checks
    def _typed(self, lines, rows, columns, extra) -> pd.DataFrame:
        index = pd.Index(lines, dtype="int64", name="line")
        cols = list(zip(*rows, strict=True)) if rows else []
        out = {}
        for name, field in self.fields.items():
            if name in columns and cols:
                out[name] = self._column(name, field, cols[columns[name]], lines, index)
            else:
                out[name] = pd.Series(
                    pd.array([None] * len(index), dtype=_dtype_of(field)), index=index
                )
        for name in extra:
            values = list(map(str.strip, cols[columns[name]])) if cols else []
            self._flag_formula(name, values, lines)
            out[name] = _series([None if v in self.missing else v for v in values], "str", index)
        return pd.DataFrame(out, index=index)

    def _column(self, name: str, field: dict, raw, lines: list[int], index) -> pd.Series:
        """Check one column of a chunk (plain Python over distinct values: fast)."""
        values = list(map(str.strip, raw))
        distinct = set(values)
        empty = distinct & self.missing
        if empty and (_required(field) or name in self.pk):
            cells = [(lines[i], "") for i, v in enumerate(values) if v in empty]
            self._report(name, field, cells, len(cells), required=True)
        parse = self.parsers[name]
        mapping = {u: parse(u) for u in distinct - empty}
        bad = {u for u, v in mapping.items() if v is _INVALID}
        if bad:
            cells = [(lines[i], v) for i, v in enumerate(values) if v in bad]
            self._report(name, field, cells, len(cells))
        dtype = _dtype_of(field)
        if isinstance(dtype, pd.CategoricalDtype):
            codes = {c: i for i, c in enumerate(dtype.categories)}
            codes_list = np.fromiter((codes.get(v, -1) for v in values), "int64", len(values))
            return pd.Series(pd.Categorical.from_codes(codes_list, dtype=dtype), index=index)
        if dtype == "str":
            gone = empty | bad
            kept = [None if v in gone else v for v in values] if gone else values
            if any(u[0] in "=+-@" for u in distinct - gone):
                self._flag_formula(name, kept, lines)
            return _series(kept, dtype, index)
        conv = {u: (None if v is _INVALID else v) for u, v in mapping.items()}
        conv.update(dict.fromkeys(empty))
        typed = list(map(conv.__getitem__, values))
        if dtype == "float64":
            return pd.Series(np.array(typed, dtype="float64"), index=index)
        return _series(typed, dtype, index)

    def _report(self, name, field, cells, n_cells: int, required=False) -> None:
        """Record problems for (line, value) ``cells``; past the cap, only count them."""
        expected = describe_field(field)
        if required:
            expected = "a value (required)" if expected == "a value" else expected + " (required)"
        enum = field.get("constraints", {}).get("enum")
        for done, (line, value) in enumerate(cells):
            if self.log.full(self.file, name):
                self.log.count(self.file, name, n_cells - done)
                return
            hint = suggest(value, enum) if enum and value else None
            message = f'did you mean "{hint}"?' if hint else None
            self.log.add(Problem(self.file, int(line), name, value, expected, message))

    def _flag_formula(self, name: str, values: list, lines: list[int]) -> None:
        self.formula.extend(
            (self.name, lines[i], name, v) for i, v in enumerate(values) if v and v[0] in "=+-@"
        )

    # -- whole-table checks
    def _table_checks(self, frame: pd.DataFrame, header_line: int) -> None:
        if self.name == "studies" and frame.empty and not len(self.log):
            self.log.add(
                Problem(self.file, header_line, message="no studies: expected at least one row")
            )
        for name, field in self.fields.items():
            if field.get("constraints", {}).get("unique") and [name] != self.pk:
                self._duplicates(frame, [name])
        if self.pk:
            self._duplicates(frame, self.pk, key=True)

    def _duplicates(self, frame: pd.DataFrame, cols: list[str], key: bool = False) -> None:
        sub = frame[cols].astype("object")
        complete = sub.notna().all(axis=1)
        sub = sub[complete]
        dup = sub.duplicated(keep="first")
        if not dup.any():
            return
        first_line = {}
        for line, values in zip(sub.index, sub.itertuples(index=False, name=None), strict=True):
            first_line.setdefault(values, line)
        what = "a unique primary key" if key else "a unique value"
        column = ", ".join(cols)
        for line, values in zip(
            sub.index[dup], sub[dup].itertuples(index=False, name=None), strict=True
        ):
            shown = ", ".join(map(str, values))
            msg = f"first on line {first_line[values]}"
            self.log.add(Problem(self.file, int(line), column, shown, what, msg))

    def _encoding_problems(self) -> None:
        """Name every line (and, when it can tell, the column) holding non-UTF-8 bytes."""
        header: list[str] = []
        with open(self.path, "rb") as fh:
            for lineno, raw in enumerate(fh, 1):
                if lineno == 1:
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                    header = self._split(raw.decode("utf-8", errors="replace"))
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    self._bad_bytes(lineno, raw, exc.start, header)
        if not len(self.log):  # pragma: no cover - the decoder and the scan agree
            self.log.add(Problem(self.file, message="not UTF-8 text"))

    def _split(self, text: str) -> list[str]:
        try:
            return [c.strip() for c in next(csv.reader([text.rstrip("\r\n")], **self.csv_args))]
        except (csv.Error, StopIteration):
            return []

    def _bad_bytes(self, lineno: int, raw: bytes, start: int, header: list[str]) -> None:
        column = None
        cells = self._split(raw.decode("utf-8", errors="replace"))
        for i, cell in enumerate(cells):
            if "\ufffd" in cell and lineno > 1 and i < len(header) and header[i] in self.fields:
                column = header[i]
                break
        shown = raw[max(0, start - 20) : start + 20].decode("cp1252", errors="replace")
        msg = (
            f"byte 0x{raw[start]:02x} at position {start + 1} of the line is not UTF-8; save "
            "the file as UTF-8 (this looks like Windows-1252 or Latin-1 text)"
        )
        self.log.add(Problem(self.file, lineno, column, shown.strip(), "UTF-8 text", msg))


class _CsvBroken(Exception):
    def __init__(self, line: int, msg: str) -> None:
        super().__init__(msg)
        self.line, self.msg = line, msg


def _required(field: dict) -> bool:
    return bool(field.get("constraints", {}).get("required"))


# --------------------------------------------------------------------------- keys
def check_foreign_keys(tables: dict[str, Table], name: str, res: dict, log: ProblemLog) -> None:
    """Record values of foreign-key columns that are missing from the referenced table.

    Examples
    --------
    >>> check_foreign_keys({}, "x", {"schema": {"fields": []}}, ProblemLog())
    """
    table = tables.get(name)
    for fk in res["schema"].get("foreignKeys", []):
        ref = fk.get("reference", {})
        target = tables.get(ref.get("resource") or name)
        cols = key_fields(fk.get("fields"))
        ref_cols = key_fields(ref.get("fields"))
        if table is None or target is None or not target.readable or not table.present:
            continue
        if any(c not in table.frame for c in cols) or any(c not in target.frame for c in ref_cols):
            continue
        known = set(target.frame[ref_cols].astype("object").itertuples(index=False, name=None))
        sub = table.frame[cols].astype("object")
        sub = sub[sub.notna().all(axis=1)]
        choices = [str(k[0]) for k in known] if len(cols) == 1 else []
        expected = f"a {', '.join(ref_cols)} listed in {target.file}"
        for line, values in zip(sub.index, sub.itertuples(index=False, name=None), strict=True):
            if values in known:
                continue
            shown = ", ".join(map(str, values))
            hint = suggest(shown, choices) if choices else None
            msg = f'did you mean "{hint}"?' if hint else None
            log.add(Problem(table.file, int(line), ", ".join(cols), shown, expected, msg))


# --------------------------------------------------------------------------- rules
def _this_year() -> int:
    return datetime.date.today().year


def _frame(tables: dict[str, Table], name: str, *cols: str) -> pd.DataFrame | None:
    table = tables.get(name)
    if table is None or table.frame.empty or any(c not in table.frame for c in cols):
        return None
    return table.frame


def _floats(frame: pd.DataFrame, col: str) -> pd.Series:
    return frame[col].astype("float64")


def rule_analysed_le_enrolled(tables: dict[str, Table]) -> Iterator[Problem]:
    """``n_analysed`` must not exceed ``n_enrolled``."""
    df = _frame(tables, "studies", "n_analysed", "n_enrolled")
    if df is None:
        return
    a, e = _floats(df, "n_analysed"), _floats(df, "n_enrolled")
    for line in df.index[(a > e).to_numpy()]:
        yield Problem(
            tables["studies"].file,
            int(line),
            "n_analysed",
            _int(a[line]),
            f"at most n_enrolled ({_int(e[line])})",
        )


def rule_year_not_future(tables: dict[str, Table]) -> Iterator[Problem]:
    """``year`` must not be after the current year."""
    df = _frame(tables, "studies", "year")
    if df is None:
        return
    year, now = _floats(df, "year"), _this_year()
    for line in df.index[(year > now).to_numpy()]:
        yield Problem(
            tables["studies"].file,
            int(line),
            "year",
            _int(year[line]),
            f"a year not in the future (<= {now})",
        )


def rule_arm_sizes(tables: dict[str, Table]) -> Iterator[Problem]:
    """Arm sizes of one study/outcome/timepoint add up to at most the study's n_enrolled."""
    res = _frame(tables, "results", "study_id", "outcome", "timepoint", "arm_role", "n")
    studies = _frame(tables, "studies", "study_id", "n_enrolled")
    if res is None or studies is None:
        return
    arms = res[res["arm_role"].isin(["intervention", "control"])].copy()
    size = _floats(arms, "n")
    if "total" in arms:
        size = size.fillna(_floats(arms, "total"))
    arms = arms.assign(_size=size, _line=arms.index)
    keys = [
        k for k in ("study_id", "outcome", "outcome_label", "timepoint", "value_type") if k in arms
    ]
    arms[keys] = arms[keys].astype("object").fillna("")
    enrolled = dict(zip(studies["study_id"], _floats(studies, "n_enrolled"), strict=True))
    groups = arms.dropna(subset=["_size"]).groupby(keys, sort=False, observed=True)
    for key, group in groups:
        limit = enrolled.get(key[0], np.nan)
        total = group["_size"].sum()
        if len(group) > 1 and total > limit:
            parts = " + ".join(_int(v) for v in group["_size"])
            yield Problem(
                tables["results"].file,
                int(group["_line"].iloc[0]),
                "n",
                f"{parts} = {_int(total)}",
                f'arm sizes adding up to at most n_enrolled of study "{key[0]}" ({_int(limit)})',
                f"lines {', '.join(str(v) for v in group['_line'])}",
            )


def rule_sd_and_mean_in_scale(tables: dict[str, Table]) -> Iterator[Problem]:
    """SD <= scale range; final means inside the scale, change means within +/- range."""
    df = _frame(tables, "results", "scale_min", "scale_max")
    if df is None:
        return
    file = tables["results"].file
    lo, hi = _floats(df, "scale_min"), _floats(df, "scale_max")
    width = hi - lo
    for line in df.index[(hi < lo).to_numpy()]:
        yield Problem(
            file, int(line), "scale_max", _int(hi[line]), f"at least scale_min ({_int(lo[line])})"
        )
    if "sd" in df:
        sd = _floats(df, "sd")
        for line in df.index[(sd > width).to_numpy()]:
            yield Problem(
                file,
                int(line),
                "sd",
                _int(sd[line]),
                f"an SD at most the scale's range ({_int(lo[line])} to {_int(hi[line])})",
            )
    if "mean" in df:
        mean = _floats(df, "mean")
        change = (df["value_type"] == "change").to_numpy() if "value_type" in df else False
        outside = np.where(change, mean.abs() > width, (mean < lo) | (mean > hi))
        for line in df.index[outside]:
            what = (
                "a change within"
                if change is not False and df.at[line, "value_type"] == "change"
                else "a mean within"
            )
            yield Problem(
                file,
                int(line),
                "mean",
                _int(mean[line]),
                f"{what} the scale ({_int(lo[line])} to {_int(hi[line])})",
            )


def rule_events_le_total(tables: dict[str, Table]) -> Iterator[Problem]:
    """``events`` must not exceed ``total``."""
    df = _frame(tables, "results", "events", "total")
    if df is None:
        return
    ev, tot = _floats(df, "events"), _floats(df, "total")
    for line in df.index[(ev > tot).to_numpy()]:
        yield Problem(
            tables["results"].file,
            int(line),
            "events",
            _int(ev[line]),
            f"at most total ({_int(tot[line])})",
        )


def _int(x: float) -> str:
    return str(int(x)) if isinstance(x, float | int) and float(x).is_integer() else str(x)


RULES: list[Callable[[dict[str, Table]], Iterable[Problem]]] = [
    rule_analysed_le_enrolled,
    rule_year_not_future,
    rule_arm_sizes,
    rule_sd_and_mean_in_scale,
    rule_events_le_total,
]
