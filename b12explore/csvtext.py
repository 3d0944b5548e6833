"""Splitting CSV bytes into records with their physical line numbers.

Two splitters give the same :class:`Records`:

* ``split_rows`` — the reference: the standard library's ``csv`` reader, row by row.
* ``split_fast`` — pandas' C parser for the cells, and numpy over the bytes for what
  the C parser does not tell: where each record starts and ends (its physical lines)
  and how many fields it has. It is used only when the quoting is the plain kind both
  readers agree on (every quote opens a field, closes one, or is doubled inside one),
  no record is longer than the ``csv`` module's field limit, and the text has no
  control characters; otherwise it returns ``None`` and the caller uses ``split_rows``.

Both skip blank records (every cell empty or spaces) and set aside records whose
number of fields differs from the header (``broken``), keeping their cells.
"""

from __future__ import annotations

import csv
import dataclasses
import io

import numpy as np
import pandas as pd

from .fields import FORMULA_START

__all__ = ["CONTROL", "FIELD_LIMIT", "CsvBroken", "Records", "split_fast", "split_rows"]

#: Control characters refused in text cells (tab, LF and CR are allowed).
CONTROL = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
FIELD_LIMIT = csv.field_size_limit()
BOM = b"\xef\xbb\xbf"


class CsvBroken(Exception):
    """The ``csv`` module gave up at ``line`` (message in ``msg``)."""

    def __init__(self, line: int, msg: str) -> None:
        super().__init__(msg)
        self.line, self.msg = line, msg


@dataclasses.dataclass
class Records:
    """A CSV file split into cells.

    ``columns[i]`` holds the cells of header column ``i`` for the kept records (an
    object array of text, in file order); ``lines`` their first
    physical lines; ``broken`` the records with the wrong number of fields as
    ``(first line, last line, cells)``. ``header`` is ``None`` for an empty file.
    """

    header: list[str] | None
    header_line: int
    lines: np.ndarray
    columns: list[tuple[np.ndarray, np.ndarray]]
    broken: list[tuple[int, int, list[str]]]
    control: bool  # the text holds control characters
    formula: bool = True  # the text holds a character a formula-like cell starts with


def _blank(row: list[str]) -> bool:
    return not "".join(row).strip()


def _empty(header, header_line, control, broken=()) -> Records:
    width = len(header or [])
    none = np.zeros(0, object)
    return Records(
        header, header_line, np.zeros(0, np.int64), [none] * width, list(broken), control
    )


# --------------------------------------------------------------------------- reference
def split_rows(text: str, delimiter: str = ",", quotechar: str = '"') -> Records:
    """Split ``text`` with the ``csv`` module, one record at a time.

    Raises
    ------
    CsvBroken
        When the ``csv`` module refuses the text.

    Examples
    --------
    >>> r = split_rows('a,b\\n\\n1,2\\n3\\n')
    >>> r.header, r.lines.tolist(), r.broken
    (['a', 'b'], [3], [(4, 4, ['3'])])
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar)
    control = any(chr(c) in text for c in CONTROL)
    last, header, header_line = 0, None, 0
    lines, rows, broken = [], [], []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvBroken(last + 1, str(exc)) from None
        first, last = last + 1, reader.line_num
        if _blank(row):
            continue
        if header is None:
            header, header_line = row, first
        elif len(row) != len(header):
            broken.append((first, last, row))
        else:
            lines.append(first)
            rows.append(row)
    if header is None or not rows:
        return _empty(header, header_line, control, broken)
    cols = [np.asarray(col, dtype=object) for col in zip(*rows, strict=True)]
    return Records(header, header_line, np.asarray(lines, np.int64), cols, broken, control)


# --------------------------------------------------------------------------- fast
def _quotes_plain(arr: np.ndarray, q: np.ndarray, qb: int, db: int) -> bool:
    """Every quote opens a field, closes one, or is one of a doubled pair."""
    n = len(arr)
    if len(q) % 2:
        return False
    if not len(q):
        return True
    prev = np.where(q > 0, arr[np.maximum(q - 1, 0)], 10)
    nxt = np.where(q < n - 1, arr[np.minimum(q + 1, n - 1)], 10)
    edge_prev = (prev == db) | (prev == 10) | (prev == 13) | (prev == qb)
    edge_next = (nxt == db) | (nxt == 10) | (nxt == 13) | (nxt == qb)
    even = np.arange(len(q)) % 2 == 0
    return bool(np.all(np.where(even, edge_prev, edge_next)))


def split_fast(data: bytes, delimiter: str = ",", quotechar: str = '"') -> Records | None:
    """Split UTF-8 ``data`` column-wise; ``None`` when only ``split_rows`` can be trusted.

    Raises
    ------
    UnicodeDecodeError
        When the bytes are not UTF-8.

    Examples
    --------
    >>> r = split_fast(b'a,b\\n"x\\ny",2\\n,\\n3\\n')
    >>> r.header, r.lines.tolist(), r.broken
    (['a', 'b'], [2], [(5, 5, ['3'])])
    """
    if len(delimiter.encode()) != 1 or len(quotechar.encode()) != 1 or delimiter == quotechar:
        return None
    body = data[len(BOM) :] if data.startswith(BOM) else data
    if not body:
        return None
    arr = np.frombuffer(body, np.uint8)
    n, db, qb = len(arr), delimiter.encode()[0], quotechar.encode()[0]
    if db in (10, 13) or qb in (10, 13):
        return None
    none = np.zeros(0, np.intp)
    terms = np.flatnonzero(arr == 10)
    cr = np.flatnonzero(arr == 13) if b"\r" in body else none
    # control characters: bytes below 0x20 other than tab, LF and CR
    if np.count_nonzero(arr < 0x20) != len(terms) + len(cr) + body.count(b"\t"):
        return None
    q = np.flatnonzero(arr == qb) if bytes([qb]) in body else none
    if not _quotes_plain(arr, q, qb, db):
        return None
    if len(cr):
        lone = cr[(cr == n - 1) | (arr[np.minimum(cr + 1, n - 1)] != 10)]
        if len(lone):
            terms = np.sort(np.concatenate([terms, lone]))
    ends = terms[np.searchsorted(q, terms) % 2 == 0] if len(q) else terms
    starts = np.concatenate([[0], ends + 1])
    ends = np.concatenate([ends, [n]])
    if starts[-1] >= n:
        starts, ends = starts[:-1], ends[:-1]
    if not len(starts) or (ends - starts).max() > FIELD_LIMIT:
        return None
    first = 1 + np.searchsorted(terms, starts)
    last = 1 + np.searchsorted(terms, ends)
    # delimiters from each record's start to the next one's (its terminator is no
    # delimiter); int32 sums: a record holds far fewer than 2**31 bytes (FIELD_LIMIT)
    is_d = arr == db
    fields = np.add.reduceat(is_d, starts, dtype=np.int32) + 1
    if len(q):  # delimiters inside quotes are no field separators
        opened = q[0::2]
        inside = np.add.reduceat(is_d, q, dtype=np.int32)[0::2]  # from opened to closed
        np.subtract.at(fields, np.searchsorted(ends, opened), inside)
    width = int(fields[0])
    head = body[starts[0] : ends[0]].decode("utf-8")
    if _blank(next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter), [])):
        return None  # blank lines before the header: the reference handles them
    odd = np.flatnonzero(fields != width)
    broken = []
    for i in odd:
        chunk = body[starts[i] : ends[i]].decode("utf-8")
        row = next(csv.reader(io.StringIO(chunk, newline=""), delimiter=delimiter), [])
        if not _blank(row):
            broken.append((int(first[i]), int(last[i]), row))
    frame = pd.read_csv(
        io.BytesIO(body),
        header=None,
        names=range(width),
        dtype=object,
        na_filter=False,
        skip_blank_lines=False,
        on_bad_lines="skip",
        sep=delimiter,
        quotechar=quotechar,
        doublequote=True,
        skipinitialspace=False,
        encoding="utf-8",
        engine="c",
        low_memory=True,  # in chunks: faster than one pass here (all text, no dtypes)
    )
    wide = fields <= width
    if len(frame) != int(wide.sum()):
        return None
    keep = fields == width
    keep[0] = False  # the header
    # blank rows (every cell empty or spaces) have a blank first cell and are made of
    # delimiters, quotes, ASCII spaces or non-ASCII bytes only; the csv module decides
    # for those few
    first_cells = frame[0].to_numpy(dtype=object)
    rows = np.flatnonzero(wide)  # record of each row of ``frame``
    blank_first = np.fromiter(map(str.strip, first_cells), object, len(first_cells)) == ""
    soft = bytes([*b" \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f", db, qb, *range(0x80, 0x100)])
    for i in rows[blank_first]:
        if not keep[i] or body[starts[i] : ends[i]].translate(None, soft):
            continue
        chunk = body[starts[i] : ends[i]].decode("utf-8")
        keep[i] = not _blank(
            next(csv.reader(io.StringIO(chunk, newline=""), delimiter=delimiter), [])
        )
    header = list(frame.iloc[0]) if len(frame) else []
    lines = first[keep]
    kept = keep[wide]
    if kept[1:].all():  # every row but the header: a view, no copy
        cols = [frame[c].to_numpy(dtype=object)[1:] for c in frame.columns]
    else:
        cols = [frame[c].to_numpy(dtype=object)[kept] for c in frame.columns]
    formula = any(c.encode() in body for c in FORMULA_START)
    return Records(header, int(first[0]), lines.astype(np.int64), cols, broken, False, formula)
