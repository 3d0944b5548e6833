"""One Table Schema field: what a valid cell is, how it is typed, how a bad one is told.

There is one conversion function per field (:func:`cell_parser`: text -> typed value
or ``INVALID``). :func:`type_column` applies it once per *distinct* cell of a column
and spreads the result with numpy; :func:`cell_problem` applies it to one cell to say
what is wrong. Reading a table, typing a frame for the docs (:func:`coerce`) and
checking a value typed in a form (:func:`check_value`) all go through it.

Typed columns: enum -> ``Categorical`` (enum order), integer -> ``Int64``, number ->
``float64``, boolean -> ``boolean``, string -> ``str`` (missing as NaN).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from .errors import Problem
from .schema import FALSE_VALUES, TRUE_VALUES

__all__ = [
    "FORMULA_START",
    "INVALID",
    "cell_parser",
    "cell_problem",
    "cell_status",
    "check_value",
    "coerce",
    "describe_field",
    "dtype_of",
    "factorize",
    "suggest",
    "type_column",
]

#: Text cells starting with one of these are formula-like (spreadsheets would run them).
FORMULA_START = ("=", "+", "-", "@")
INVALID = object()
OK, MISSING, BAD = 0, 1, 2
NO_CONTROL = "text without control characters"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_INT = re.compile(r"[+-]?[0-9]+")
_NUM = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_MANY_CHOICES = 1000


def _constraints(field: dict[str, Any]) -> dict[str, Any]:
    return field.get("constraints") or {}


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
    c = _constraints(field)
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


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def suggest(value: str, choices: Iterable[str]) -> str | None:
    """The allowed value closest to ``value``, or None.

    With more than a thousand choices only those of about the same length and the
    same first letter are compared (a bounded cost per message).

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
    lowered = {}
    for c in choices:
        lowered.setdefault(c.lower(), c)
    if norm in lowered:
        return lowered[norm]
    if len(lowered) > _MANY_CHOICES:
        lowered = {
            k: v for k, v in lowered.items() if k[:1] == norm[:1] and abs(len(k) - len(norm)) <= 2
        }
    close = difflib.get_close_matches(norm, list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def cell_parser(field: dict[str, Any]) -> Callable[[str], Any]:
    """The field's conversion: stripped, non-missing text -> typed value, or ``INVALID``.

    Examples
    --------
    >>> parse = cell_parser({"type": "integer", "constraints": {"minimum": 1}})
    >>> parse("3"), parse("0") is INVALID, parse("3.0") is INVALID
    (3, True, True)
    """
    ftype = field.get("type", "string")
    c = _constraints(field)
    text_checks, value_checks = [], []
    if "enum" in c:
        allowed = {str(v) for v in c["enum"]}
        text_checks.append(allowed.__contains__)
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
        if value is INVALID:
            return value
        ok = all(check(text) for check in text_checks) and all(
            check(value) for check in value_checks
        )
        return value if ok else INVALID

    return parse


def _to_int(text: str) -> Any:
    if not _INT.fullmatch(text):
        return INVALID
    value = int(text)
    return value if abs(value) < 2**63 else INVALID


def _to_float(text: str) -> Any:
    if not _NUM.fullmatch(text):
        return INVALID
    value = float(text)
    return value if math.isfinite(value) else INVALID


def _to_bool(field: dict[str, Any]) -> Callable[[str], Any]:
    true = set(field.get("trueValues", TRUE_VALUES))
    false = set(field.get("falseValues", FALSE_VALUES))
    return lambda t: True if t in true else False if t in false else INVALID


def _is_text(field: dict[str, Any]) -> bool:
    return field.get("type", "string") == "string" and "enum" not in _constraints(field)


def cell_status(field, parse, text: str, missing: set[str], control: bool) -> tuple[int, Any]:
    """``(OK, value)``, ``(MISSING, None)`` or ``(BAD, None)`` for stripped ``text``."""
    if text in missing:
        return MISSING, None
    if control and _is_text(field) and _CONTROL.search(text):
        return BAD, None
    value = parse(text)
    return (BAD, None) if value is INVALID else (OK, value)


def cell_problem(
    field: dict[str, Any], text: str, *, required: bool, missing: set[str], control: bool = True
) -> tuple[str, str, str | None] | None:
    """``(value shown, expected, message)`` for a bad stripped cell, else None.

    Examples
    --------
    >>> f = {"name": "d", "constraints": {"enum": ["rct"]}}
    >>> cell_problem(f, "RCT", required=False, missing={""})
    ('RCT', 'one of: rct', 'did you mean "rct"?')
    >>> cell_problem({"name": "t"}, "a\\x01", required=False, missing={""})[1]
    'text without control characters'
    """
    status, _ = cell_status(field, cell_parser(field), text, missing, control)
    expected = describe_field(field)
    if status == MISSING:
        if not required:
            return None
        expected = "a value (required)" if expected == "a value" else expected + " (required)"
        return "", expected, None
    if status == OK:
        return None
    if _is_text(field) and _CONTROL.search(text):
        return text, NO_CONTROL, None
    enum = _constraints(field).get("enum")
    hint = suggest(text, enum) if enum else None
    return text, expected, f'did you mean "{hint}"?' if hint else None


def check_value(
    field: dict[str, Any], text: str, *, missing_values: Iterable[str] = ("",)
) -> str | None:
    """Check one cell as ``load()`` does; the problem in words, or None when valid.

    Examples
    --------
    >>> check_value({"name": "n", "type": "integer", "constraints": {"minimum": 1}}, "0")
    'expected an integer >= 1, got "0"'
    >>> check_value({"name": "d", "constraints": {"enum": ["rct"], "required": True}}, "")
    'expected one of: rct (required), got an empty cell'
    >>> check_value({"name": "d", "type": "number"}, " 2.5 ") is None
    True
    """
    missing = {str(v).strip() for v in missing_values}
    required = bool(_constraints(field).get("required"))
    found = cell_problem(field, str(text).strip(), required=required, missing=missing)
    if found is None:
        return None
    value, expected, message = found
    return str(Problem("", value=value, expected=expected, message=message)).removeprefix(": ")


def dtype_of(field: dict[str, Any]):
    """The pandas dtype of a typed column of ``field``.

    Examples
    --------
    >>> dtype_of({"type": "integer"}), dtype_of({"type": "string"})
    ('Int64', 'str')
    """
    c = _constraints(field)
    if "enum" in c:
        return pd.CategoricalDtype([str(v) for v in c["enum"]], ordered=False)
    return {"integer": "Int64", "number": "float64", "boolean": "boolean"}.get(
        field.get("type", "string"), "str"
    )


def empty_column(field: dict[str, Any], n: int) -> pd.api.extensions.ExtensionArray:
    """``n`` missing values of the field's dtype."""
    return pd.array([None] * n, dtype=dtype_of(field))


def _statuses(field, texts: list[str], missing: set[str], control: bool):
    """``cell_status`` of many stripped texts (the same rules; text fields in bulk)."""
    n = len(texts)
    if not _is_text(field):
        parse = cell_parser(field)
        status = np.zeros(n, np.int8)
        values: list[Any] = [None] * n
        for i, text in enumerate(texts):
            status[i], values[i] = cell_status(field, parse, text, missing, control)
        return status, values
    if missing == {""}:
        gone = np.asarray(texts, dtype=object) == "" if n else np.zeros(0, bool)
    else:
        gone = np.fromiter((t in missing for t in texts), bool, n)
    bad = np.zeros(n, bool)
    if control:  # map(bool, map(...)): the loop stays in C (a match object is truthy)
        bad |= np.fromiter(map(bool, map(_CONTROL.search, texts)), bool, n)
    pattern = _constraints(field).get("pattern")
    if pattern is not None:
        rx = re.compile(pattern)
        bad |= ~np.fromiter(map(bool, map(rx.fullmatch, texts)), bool, n)
    status = np.where(gone, MISSING, np.where(bad, BAD, OK)).astype(np.int8)
    return status, texts


def factorize(values: np.ndarray, field: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)`` of a column of text cells, for converting each distinct cell
    once. Columns of mostly distinct values (ids, titles, free text), judged on their
    first 2,000 cells, are not hashed: each cell is its own entry (cheaper than hashing
    it). Free text that repeats (often an empty column) is hashed like any other.

    Examples
    --------
    >>> codes, uniques = factorize(np.array(["a", "b", "a"], object), {"type": "integer"})
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, 0], ['a', 'b'])
    """
    values = np.asarray(values, dtype=object)
    sample = values[:2000]
    if len(sample) < 1000 and _is_text(field) and "pattern" not in _constraints(field):
        return np.arange(len(values)), values
    if len(sample) >= 1000 and len(pd.unique(sample)) > 0.5 * len(sample):
        return np.arange(len(values)), values
    codes, uniques = pd.factorize(values)
    return codes, np.asarray(uniques, dtype=object)


def type_column(
    codes: np.ndarray,
    uniques: np.ndarray,
    field: dict[str, Any],
    missing: set[str],
    control: bool = False,
):
    """Type a factorized column: ``(typed array, status per cell, stripped uniques)``.

    Each distinct cell is stripped and converted once; invalid and missing cells
    become missing values. ``status`` holds ``OK``, ``MISSING`` or ``BAD`` per cell.

    Examples
    --------
    >>> codes, uniques = factorize(np.array([" 3", "x", " 3", ""], object), {"type": "integer"})
    >>> typed, status, _ = type_column(codes, uniques, {"type": "integer"}, {""})
    >>> typed.tolist(), status.tolist()
    ([3, <NA>, 3, <NA>], [0, 2, 0, 1])
    """
    stripped = list(map(str.strip, uniques))
    status, values = _statuses(field, stripped, missing, control)
    dtype = dtype_of(field)
    cell_status_ = status[codes]
    good = status == OK
    if isinstance(dtype, pd.CategoricalDtype):
        index = {c: i for i, c in enumerate(dtype.categories)}
        cat = np.array([index[v] if ok else -1 for v, ok in zip(values, good, strict=True)])
        typed = pd.Categorical.from_codes(cat.astype(np.int64)[codes], dtype=dtype)
    elif dtype == "str":
        text = np.asarray(stripped, dtype=object).copy() if len(stripped) else np.zeros(0, object)
        text[~good] = None
        typed = pd.array(text, dtype="str")  # each distinct cell checked once, then spread
        if len(codes) != len(text) or np.any(codes != np.arange(len(codes))):
            typed = typed.take(codes)
    elif dtype == "float64":
        num = np.array([v if ok else np.nan for v, ok in zip(values, good, strict=True)], float)
        typed = num[codes]
    else:
        kind = np.int64 if dtype == "Int64" else bool
        raw = np.array([v if ok else 0 for v, ok in zip(values, good, strict=True)], kind)
        cls = pd.arrays.IntegerArray if dtype == "Int64" else pd.arrays.BooleanArray
        typed = cls(raw[codes], ~good[codes])
    return typed, cell_status_, np.asarray(stripped, dtype=object)


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
        name = field["name"]
        if name not in raw:
            out[name] = pd.Series(empty_column(field, len(raw)), index=raw.index)
            continue
        text = raw[name].astype("object").where(raw[name].notna(), "").astype(str)
        codes, uniques = factorize(text.to_numpy(dtype=object), field)
        typed, _, _ = type_column(codes, uniques, field, {""})
        out[name] = pd.Series(typed, index=raw.index)
    return pd.DataFrame(out, index=raw.index)
