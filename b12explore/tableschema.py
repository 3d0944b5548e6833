"""Read the CSV tables of a Table Schema descriptor, column-wise, and check them.

Generic: nothing here knows the project's tables (those live in ``rules``). Rules:

* Text is UTF-8; a byte-order mark is accepted; other bytes are an error naming the line.
* Lines are physical lines (header = line 1), whatever the line endings (LF, CRLF, CR).
  Blank lines, and rows whose cells are all empty, are skipped; numbering is unchanged.
* Padding spaces around cells and column names are trimmed. An empty cell (or one of the
  schema's ``missingValues``) is missing. Text cells may not hold control characters.
* Booleans: ``true True TRUE 1`` / ``false False FALSE 0`` (Frictionless defaults, or the
  field's ``trueValues``/``falseValues``). Numbers: plain decimals such as ``-1.5`` or
  ``2e3``; ``NaN`` and ``inf`` are rejected. Integers fit in 64 bits.
* A row with more or fewer fields than the header is reported (with the likely cell when
  a comma was not quoted) and not checked further; rows elsewhere that refer to it by a
  foreign key are not reported as dangling.
* Unknown extra columns are kept as text with a warning; absent optional columns are
  filled as missing with a warning; absent required columns are an error.
* Text cells starting with ``=``, ``+``, ``-`` or ``@`` are kept as written and listed
  in ``formula_cells`` so that exports can neutralise them.
* At most ``MAX_PER_COLUMN`` problems per file and column (and warnings per file).

The work is column-wise (``csvtext.split_fast`` and ``fields.type_column``); with
``fast=False`` the same checks run row by row over the ``csv`` module's records (the
reference the tests compare against). Both give the same problems in the same order.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import fields as F
from .csvtext import CsvBroken, Records, split_fast, split_rows
from .errors import Problem, ProblemLog
from .localfiles import FileRefused, read_local
from .schema import key_fields

__all__ = ["FORMULA_COLUMNS", "Table", "check_foreign_keys", "read_tables"]

FORMULA_COLUMNS = ["table", "line", "column", "value"]
#: Below this size the ``csv`` module splits a file faster than pandas' C parser.
SMALL_FILE = 1 << 17


@dataclasses.dataclass
class Table:
    """One table as read: typed frame indexed by physical line number."""

    name: str
    file: str
    frame: pd.DataFrame
    readable: bool  # False when the file could not be parsed (skip key checks against it)
    present: bool
    header_line: int = 1
    broken: list = dataclasses.field(default_factory=list)  # (first, last, cells)
    header: list = dataclasses.field(default_factory=list)


def read_tables(
    folder: str | Path,
    descriptor: dict[str, Any],
    log: ProblemLog,
    *,
    required: Iterable[str] = (),
    min_rows: Mapping[str, int] | None = None,
    fast: bool = True,
) -> tuple[dict[str, Table], pd.DataFrame]:
    """Read every resource of ``descriptor`` from ``folder``; check cells, keys, uniqueness.

    Parameters
    ----------
    folder, descriptor
        The data folder and its parsed ``datapackage.json``.
    log : ProblemLog
        Receives problems and warnings.
    required : iterable of str
        Tables whose file must exist.
    min_rows : mapping, optional
        Table -> fewest rows it must have.
    fast : bool, default True
        Column-wise (else the row-by-row reference; same results, slower).

    Returns
    -------
    (dict of Table, DataFrame of formula-like cells)

    Examples
    --------
    >>> from b12explore.schema import read_descriptor, repo_data_dir
    >>> tables, _ = read_tables(repo_data_dir(), read_descriptor(repo_data_dir()), ProblemLog())
    >>> tables["studies"].frame.index.name
    'line'
    """
    formula: list[tuple] = []
    tables = {}
    order = {res["name"]: i for i, res in enumerate(descriptor.get("resources", []))}
    for res in descriptor.get("resources", []):
        reader = TableReader(Path(folder), res, log, formula, fast=fast)
        table = reader.read(res["name"] in set(required))
        least = (min_rows or {}).get(res["name"], 0)
        if table.readable and table.present and len(table.frame) < least:
            if not log.problems_in(table.file):
                what = "at least one row" if least == 1 else f"at least {least} rows"
                msg = f"no {res['name']}: expected {what}"
                log.add(Problem(table.file, table.header_line, message=msg))
        tables[res["name"]] = table
    for res in descriptor.get("resources", []):
        check_foreign_keys(tables, res["name"], res, log)
    formula.sort(key=lambda c: (order[c[0]], c[1], c[4]))
    cells = pd.DataFrame(formula, columns=[*FORMULA_COLUMNS, "_pos"])
    cells = cells.drop(columns="_pos").astype(
        {"table": "str", "line": "int64", "column": "str", "value": "str"}
    )
    return tables, cells


class TableReader:
    """Reads one resource's CSV and checks its cells."""

    def __init__(self, folder: Path, res: dict, log: ProblemLog, formula: list, fast=True):
        self.folder, self.res, self.log, self.formula, self.fast = folder, res, log, formula, fast
        self.name, self.file = res["name"], res["path"]
        schema = res["schema"]
        self.fields = {f["name"]: f for f in schema["fields"]}
        self.pk = key_fields(schema.get("primaryKey"))
        self.missing = {str(v).strip() for v in schema.get("missingValues", [""])}
        dialect = res.get("dialect") or {}
        self.delimiter = dialect.get("delimiter", ",")
        self.quotechar = dialect.get("quoteChar", '"')

    # -- entry point
    def read(self, required: bool) -> Table:
        try:
            data = read_local(self.folder, self.file)
        except FileRefused as exc:
            return self._fail(str(exc))
        if data is None:
            if required:
                return self._fail("required file not found", present=False)
            return self._empty(present=False)
        try:
            records = self._split(data)
        except UnicodeDecodeError:
            self._encoding_problems(data)
            return self._empty(readable=False)
        except CsvBroken as exc:
            self.log.add(Problem(self.file, exc.line, message=f"unreadable CSV: {exc.msg}"))
            return self._empty(readable=False)
        if records.header is None:
            return self._fail(
                "the file is empty; expected a header row naming the columns "
                f"({', '.join(self.fields)})"
            )
        columns = self._header(records.header_line, records.header)
        if columns is None:
            return self._empty(readable=False)
        width = len(records.header)
        for first, last, row in records.broken:
            self._ragged(first, last, row, width, columns)
        frame = self._typed(records, columns)
        self._table_checks(frame)
        return Table(
            self.name, self.file, frame, True, True, records.header_line, records.broken,
            [h.strip() for h in records.header],
        )  # fmt: skip

    def _split(self, data: bytes) -> Records:
        if self.fast and len(data) >= SMALL_FILE:
            records = split_fast(data, self.delimiter, self.quotechar)
            if records is not None:
                return records
        return split_rows(data.decode("utf-8-sig"), self.delimiter, self.quotechar)

    def _fail(self, message: str, present: bool = True) -> Table:
        self.log.add(Problem(self.file, message=message))
        return self._empty(readable=False, present=present)

    def _empty(self, readable: bool = True, present: bool = True) -> Table:
        index = pd.Index([], dtype="int64", name="line")
        frame = pd.DataFrame({n: F.empty_column(f, 0) for n, f in self.fields.items()}, index)
        return Table(self.name, self.file, frame, readable, present)

    # -- header
    def _header(self, line: int, header: list[str]) -> dict[str, int] | None:
        names = [h.strip() for h in header]
        if not any(n in self.fields for n in names):
            self._bad_header(line, header)
            return None
        columns: dict[str, int] = {}
        ok = True
        for i, n in enumerate(names):
            if n in columns:
                where = f"columns {columns[n] + 1} and {i + 1}"
                self.log.add(Problem(self.file, line, n, message=f"appears twice ({where})"))
                ok = False
            elif n == "":
                self.log.warn(self.file, f"column {i + 1} has no name; ignored")
            else:
                columns[n] = i
        unknown = [c for c in columns if c not in self.fields]
        for n, f in self.fields.items():
            if n in columns:
                continue
            hint = F.suggest(n, unknown)
            mean = f' (is "{hint}" meant to be "{n}"?)' if hint else ""
            if _required(f) or n in self.pk:
                self.log.add(
                    Problem(self.file, line, n, message=f"required column is missing{mean}")
                )
                ok = False
            else:
                self.log.warn(self.file, f'column "{n}" is absent; treated as not reported{mean}')
        for n in unknown:
            shown = json.dumps(n, ensure_ascii=False)
            self.log.warn(
                self.file, f"unknown column {shown} (not in datapackage.json); kept as text"
            )
        return columns if ok else None

    def _bad_header(self, line: int, header: list[str]) -> None:
        text = self.delimiter.join(header)
        for sep, word in ((";", '";"'), ("\t", 'tabs ("\\t")'), ("|", '"|"')):
            if sep != self.delimiter and any(p.strip() in self.fields for p in text.split(sep)):
                shown = json.dumps({"delimiter": sep})
                msg = (
                    f"this file uses {word} between values; save it as comma-separated, "
                    f'or declare the dialect in datapackage.json ("dialect": {shown})'
                )
                self.log.add(Problem(self.file, line, message=msg))
                return
        expected = "a header row naming the columns " + ", ".join(self.fields)
        self.log.add(Problem(self.file, line, value=text, expected=expected))

    # -- rows with the wrong number of fields
    def _ragged(self, first: int, last: int, row: list[str], width: int, columns) -> None:
        got = len(row)
        msg = f"expected {width} fields as in the header, got {got}"
        if last > first:
            msg += (
                f" (this row runs from line {first} to line {last}: "
                "a quote may be missing its closing quote)"
            )
        elif got > width and self.log.room(self.file, None):
            msg += self._comma_hint(row, width, columns)
        self.log.add(Problem(self.file, first, message=msg))

    def _comma_hint(self, row: list[str], width: int, columns: dict[str, int]) -> str:
        """Name the cell that most likely holds an unquoted delimiter."""
        extra = len(row) - width
        by_pos = {i: n for n, i in columns.items()}
        best = None
        for i in range(width):
            cells = row[:i] + [self.delimiter.join(row[i : i + extra + 1])] + row[i + extra + 1 :]
            score = 0
            for j, cell in enumerate(cells):
                field = self.fields.get(by_pos.get(j, ""), {"name": ""})
                status, _ = F.cell_status(
                    field, F.cell_parser(field), cell.strip(), self.missing, True
                )
                score += status != F.BAD
            free = F.describe_field(self.fields.get(by_pos.get(i, ""), {})) == "a value"
            key = (score, free)
            if best is None or key > best[0]:
                best = (key, i, cells[i])
        _, i, value = best
        name = by_pos.get(i, f"number {i + 1}")
        shown = json.dumps(value.strip(), ensure_ascii=False)
        return (
            f'; a value containing "{self.delimiter}" must be in double quotes: '
            f'probably column "{name}" ({shown})'
        )

    # -- typing and cell checks
    def _typed(self, records: Records, columns: dict[str, int]) -> pd.DataFrame:
        index = pd.Index(records.lines, dtype="int64", name="line")
        schema = [
            *self.fields.items(),
            *((n, {"name": n}) for n in columns if n not in self.fields),
        ]
        typed, checks = {}, []
        for pos, (name, field) in enumerate(schema):
            if name not in columns:
                typed[name] = F.empty_column(field, len(index))
                continue
            codes, uniques = F.factorize(records.columns[columns[name]], field)
            out, status, stripped = F.type_column(
                codes, uniques, field, self.missing, records.control
            )
            typed[name] = out
            checks.append((pos, name, field, codes, status, stripped))
        if self.fast:
            for check in checks:
                self._check_column(records.lines, records.formula, *check)
        else:
            self._check_rows(records.lines, checks)
        return pd.DataFrame(typed, index=index)

    def _required(self, name: str, field: dict) -> bool:
        return _required(field) or name in self.pk

    def _problem(self, line: int, name: str, field: dict, text: str) -> None:
        found = F.cell_problem(
            field, text, required=self._required(name, field), missing=self.missing
        )
        value, expected, message = found
        self.log.add(Problem(self.file, int(line), name, value, expected, message))

    def _check_column(self, lines, formula, pos, name, field, codes, status, stripped) -> None:
        bad = status == F.BAD
        if self._required(name, field):
            bad |= status == F.MISSING
        where = np.flatnonzero(bad)
        room = self.log.room(self.file, name)
        for i in where[:room]:
            self._problem(lines[i], name, field, stripped[codes[i]])
        self.log.count(self.file, name, len(where) - room)
        if F._is_text(field) and formula:
            starts = map(str.startswith, stripped, itertools.repeat(F.FORMULA_START))
            flag = np.fromiter(starts, bool, len(stripped))
            for i in np.flatnonzero(flag[codes] & (status == F.OK)):
                self.formula.append((self.name, int(lines[i]), name, stripped[codes[i]], pos))

    def _check_rows(self, lines, checks) -> None:
        """The reference: every cell of every row, one at a time."""
        parsers = {name: F.cell_parser(field) for _, name, field, *_ in checks}
        for r, line in enumerate(lines):
            for pos, name, field, codes, _, stripped in checks:
                text = stripped[codes[r]]
                status, _ = F.cell_status(field, parsers[name], text, self.missing, True)
                if status == F.BAD or (status == F.MISSING and self._required(name, field)):
                    self._problem(line, name, field, text)
                elif status == F.OK and F._is_text(field) and text[:1] in F.FORMULA_START:
                    self.formula.append((self.name, int(line), name, text, pos))

    # -- whole-table checks
    def _table_checks(self, frame: pd.DataFrame) -> None:
        for name, field in self.fields.items():
            if F._constraints(field).get("unique") and [name] != self.pk:
                self._duplicates(frame, [name])
        if self.pk:
            self._duplicates(frame, self.pk, key=True)

    def _duplicates(self, frame: pd.DataFrame, cols: list[str], key: bool = False) -> None:
        sub = frame[cols].astype("object")
        sub = sub[sub.notna().all(axis=1)]
        involved = sub[sub.duplicated(keep=False)]
        if involved.empty:
            return
        first_line: dict = {}
        what = "a unique primary key" if key else "a unique value"
        for line, values in zip(
            involved.index, involved.itertuples(index=False, name=None), strict=True
        ):
            if values not in first_line:
                first_line[values] = line
                continue
            shown = ", ".join(map(str, values))
            msg = f"first on line {first_line[values]}"
            self.log.add(Problem(self.file, int(line), ", ".join(cols), shown, what, msg))

    # -- bytes that are not UTF-8
    def _encoding_problems(self, data: bytes) -> None:
        """Name every line (and, when it can tell, the column) holding non-UTF-8 bytes."""
        header: list[str] = []
        for lineno, raw in enumerate(data.splitlines(keepends=True), 1):
            if lineno == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
                header = self._cells(raw.decode("utf-8", errors="replace"))
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self._bad_bytes(lineno, raw, exc.start, header)
        if not self.log.problems_in(self.file):  # pragma: no cover - decoder and scan agree
            self.log.add(Problem(self.file, message="not UTF-8 text"))

    def _cells(self, text: str) -> list[str]:
        import csv

        rows = csv.reader(
            [text.rstrip("\r\n")], delimiter=self.delimiter, quotechar=self.quotechar
        )
        try:
            return [c.strip() for c in next(rows)]
        except (csv.Error, StopIteration):
            return []

    def _bad_bytes(self, lineno: int, raw: bytes, start: int, header: list[str]) -> None:
        column = None
        for i, cell in enumerate(self._cells(raw.decode("utf-8", errors="replace"))):
            if "\ufffd" in cell and lineno > 1 and i < len(header) and header[i] in self.fields:
                column = header[i]
                break
        shown = raw[max(0, start - 20) : start + 20].decode("cp1252", errors="replace")
        msg = (
            f"byte 0x{raw[start]:02x} at position {start + 1} of the line is not UTF-8; save "
            "the file as UTF-8 (this looks like Windows-1252 or Latin-1 text)"
        )
        self.log.add(Problem(self.file, lineno, column, shown.strip(), "UTF-8 text", msg))


def _required(field: dict) -> bool:
    return bool(F._constraints(field).get("required"))


# --------------------------------------------------------------------------- keys
def check_foreign_keys(tables: dict[str, Table], name: str, res: dict, log: ProblemLog) -> None:
    """Record foreign-key values missing from the referenced table.

    Values that match the key cell of a row of the referenced table that could not be
    read are not reported one by one: one line says they were not checked.

    Examples
    --------
    >>> check_foreign_keys({}, "x", {"schema": {"fields": []}}, ProblemLog())
    """
    table = tables.get(name)
    for fk in res["schema"].get("foreignKeys", []):
        ref = fk.get("reference", {})
        target = tables.get(ref.get("resource") or name)
        cols, ref_cols = key_fields(fk.get("fields")), key_fields(ref.get("fields"))
        if table is None or target is None or not target.readable or not table.present:
            continue
        if any(c not in table.frame for c in cols) or any(c not in target.frame for c in ref_cols):
            continue
        sub = table.frame[cols].astype("object")
        sub = sub[sub.notna().all(axis=1)]
        ref = target.frame[ref_cols].astype("object").dropna()
        if len(cols) == 1:
            dangling = sub[~sub.iloc[:, 0].isin(ref.iloc[:, 0]).to_numpy()]
        else:
            known = pd.MultiIndex.from_frame(ref)
            dangling = sub[~pd.MultiIndex.from_frame(sub).isin(known)] if len(sub) else sub
        if dangling.empty:
            continue
        unread = _unread_keys(target, ref_cols)
        column = ", ".join(cols)
        skipped: dict[int, list[int]] = {}
        choices = [str(v) for v in ref.iloc[:, 0]] if len(cols) == 1 else []
        expected = f"a {', '.join(ref_cols)} listed in {target.file}"
        for line, values in zip(
            dangling.index, dangling.itertuples(index=False, name=None), strict=True
        ):
            shown = ", ".join(map(str, values))
            if tuple(map(str, values)) in unread:
                skipped.setdefault(unread[tuple(map(str, values))], []).append(int(line))
                continue
            if not log.room(table.file, column):
                log.count(table.file, column, 1)
                continue
            hint = F.suggest(shown, choices) if choices else None
            msg = f'did you mean "{hint}"?' if hint else None
            log.add(Problem(table.file, int(line), column, shown, expected, msg))
        for bad_line, lines in skipped.items():
            msg = (
                f"{target.file} line {bad_line} could not be read, so rows referring to it "
                f"were not checked (lines {', '.join(map(str, lines))})"
            )
            log.add(Problem(table.file, lines[0], column, message=msg))


def _unread_keys(target: Table, ref_cols: list[str]) -> dict[tuple, int]:
    """Key values (as text) of the rows of ``target`` that could not be read -> their line."""
    out: dict[tuple, int] = {}
    pos = [target.header.index(c) if c in target.header else None for c in ref_cols]
    for first, _, cells in target.broken:
        if all(p is not None and p < len(cells) for p in pos):
            out.setdefault(tuple(cells[p].strip() for p in pos), first)
    return out
