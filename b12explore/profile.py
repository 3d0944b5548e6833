"""The shape of ``datapackage.json``, checked before anything else is read.

The reference is the Frictionless data package and Table Schema profiles, limited to
what this package reads: field types ``string``, ``integer``, ``number``, ``boolean``;
constraints ``required``, ``unique``, ``enum``, ``minimum``, ``maximum``, ``pattern``;
``primaryKey`` and ``foreignKeys`` (single or composite), ``missingValues``,
``trueValues``/``falseValues``, ``enumLabels`` and a CSV ``dialect`` (``delimiter``,
``quoteChar``, ``header: true``). Each problem names the key (one line each), so the
command line can say what is wrong instead of failing later with a traceback.

A ``pattern`` is refused when it can backtrack catastrophically: a repeated group
whose body can start again inside itself, as in ``(a+)+b``, ``(\\w+\\s?)*`` or
``(aa?)+b``, or whose alternatives overlap, as in ``(a|ab)*``; or a run of three or more
neighbouring variable-length items that can trade characters, as in ``a?a?a?aaa``,
``a*a*a*b`` or ``.*a.*a.*b``. Python's regex engine could take exponential (or
high-degree polynomial) time on such a pattern, and a linear-time engine (re2) is about
15x slower per call here. The check is conservative: a few harmless patterns such as
``(\\d+,)*\\d+`` are refused too, and can be rewritten (``\\d+(,\\d+)*``).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from .errors import Problem

__all__ = ["MAX_DEPTH", "descriptor_problems", "unsafe_pattern"]

TYPES = ("string", "integer", "number", "boolean")
CONSTRAINTS = {"required", "unique", "enum", "minimum", "maximum", "pattern"}
MAX_DEPTH = 32
_BAD_NAME = re.compile(r"[/\\\x00]")


def _depth(value: Any, limit: int) -> bool:
    """True when ``value`` nests deeper than ``limit`` (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def _names(spec: Any) -> list[str] | None:
    """A key spec (``"a"`` or ``["a", "b"]``) as names, or None when malformed."""
    if isinstance(spec, str) and spec:
        return [spec]
    if isinstance(spec, list) and spec and all(isinstance(s, str) and s for s in spec):
        return list(spec)
    return None


def descriptor_problems(descriptor: Any, name: str) -> list[Problem]:
    """Every shape problem of a parsed descriptor, one ``Problem`` (one line) each.

    Examples
    --------
    >>> d = {"resources": [{"name": "t", "path": "t.csv", "schema": {"fields": [
    ...     {"name": "a"}], "primaryKey": 5}}]}
    >>> [str(p) for p in descriptor_problems(d, "datapackage.json")]
    ['datapackage.json: resource "t": primaryKey must be a field name or a list of field names']
    """
    if _depth(descriptor, MAX_DEPTH):
        return [Problem(name, message=f"nested more than {MAX_DEPTH} levels deep")]
    res_list = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(res_list, list) or not res_list:
        return [Problem(name, message='expected a JSON object with a non-empty "resources" list')]
    out: list[str] = []
    fields_of: dict[str, list[str]] = {}
    for i, res in enumerate(res_list):
        if not isinstance(res, dict) or not isinstance(res.get("name"), str) or not res["name"]:
            out.append(f"resource {i + 1}: expected an object with a name")
            continue
        where = f'resource "{res["name"]}"'
        if res["name"] in fields_of:
            out.append(f"{where}: declared twice")
        path = res.get("path")
        if not isinstance(path, str) or path in ("", ".", "..") or _BAD_NAME.search(path):
            out.append(f"{where}: path must be a plain file name in the data folder")
        out += _dialect(res.get("dialect"), where)
        fields_of[res["name"]] = _schema(res.get("schema"), where, out)
    for res in res_list:
        if isinstance(res, dict) and isinstance(res.get("schema"), dict):
            out += _foreign_keys(res, fields_of)
    return [Problem(name, message=m) for m in out]


def _dialect(dialect: Any, where: str) -> list[str]:
    if dialect is None:
        return []
    if not isinstance(dialect, dict):
        return [f"{where}: dialect must be an object"]
    out = []
    for key, default in (("delimiter", ","), ("quoteChar", '"')):
        value = dialect.get(key, default)
        if not isinstance(value, str) or len(value) != 1 or value in "\r\n":
            out.append(f"{where}: dialect.{key} must be one character (not a line break)")
    if dialect.get("delimiter", ",") == dialect.get("quoteChar", '"'):
        out.append(f"{where}: dialect.delimiter and dialect.quoteChar must differ")
    for key, default in (("header", True), ("doubleQuote", True), ("skipInitialSpace", False)):
        if dialect.get(key, default) is not default:
            out.append(
                f"{where}: dialect.{key} must be {str(default).lower()} (only that is read)"
            )
    return out


def _schema(schema: Any, where: str, out: list[str]) -> list[str]:
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        out.append(f"{where}: expected a schema with a fields list")
        return []
    names: list[str] = []
    for field in schema["fields"]:
        if (
            not isinstance(field, dict)
            or not isinstance(field.get("name"), str)
            or not field["name"]
        ):
            out.append(f"{where}: every field needs a name")
            continue
        if field["name"] in names:
            out.append(f'{where}: field "{field["name"]}" is declared twice')
        names.append(field["name"])
        out += _field(field, f'{where}, field "{field["name"]}"')
    for key in ("missingValues",):
        value = schema.get(key, [""])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            out.append(f"{where}: {key} must be a list of strings")
    if "primaryKey" in schema:
        keys = _names(schema["primaryKey"])
        if keys is None:
            out.append(f"{where}: primaryKey must be a field name or a list of field names")
        else:
            out += [
                f"{where}: primaryKey names unknown field {k!r}" for k in keys if k not in names
            ]
    return names


def _field(field: dict, where: str) -> list[str]:
    out = []
    ftype = field.get("type", "string")
    if ftype not in TYPES:
        out.append(f"{where}: type {ftype!r} is not supported ({', '.join(TYPES)})")
    for key in ("trueValues", "falseValues"):
        if key in field and (
            not isinstance(field[key], list) or not all(isinstance(v, str) for v in field[key])
        ):
            out.append(f"{where}: {key} must be a list of strings")
    c = field.get("constraints", {})
    if not isinstance(c, dict):
        return [*out, f"{where}: constraints must be an object"]
    unknown = set(c) - CONSTRAINTS
    if unknown:
        out.append(f"{where}: unsupported constraints {sorted(unknown)}")
    for key in ("required", "unique"):
        if key in c and not isinstance(c[key], bool):
            out.append(f"{where}: constraints.{key} must be true or false")
    if "enum" in c:
        enum = c["enum"]
        if not isinstance(enum, list) or not enum:
            out.append(f"{where}: enum must be a non-empty list")
        elif not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in enum):
            out.append(f"{where}: enum values must be text or numbers")
        elif len({str(v) for v in enum}) != len(enum):
            twice = sorted({str(v) for v in enum if [str(e) for e in enum].count(str(v)) > 1})
            out.append(f"{where}: enum lists {', '.join(map(repr, twice))} more than once")
        elif "enumLabels" in field and not _labels_ok(field["enumLabels"], enum):
            out.append(f"{where}: enumLabels must map codes of the enum to text labels")
    for key in ("minimum", "maximum"):
        if key in c and (isinstance(c[key], bool) or not isinstance(c[key], int | float)):
            out.append(f"{where}: minimum and maximum must be numbers")
            break
    if "pattern" in c:
        try:
            if not isinstance(c["pattern"], str):
                raise TypeError("not text")
            re.compile(c["pattern"])
        except (re.error, TypeError, RecursionError, OverflowError) as exc:
            out.append(f"{where}: pattern is not a valid regex ({exc})")
        else:
            why = unsafe_pattern(c["pattern"])
            if why:
                out.append(f"{where}: pattern {c['pattern']!r} {why}; rewrite it")
    return out


def _labels_ok(labels: Any, enum: Any) -> bool:
    if not isinstance(labels, dict) or not isinstance(enum, list):
        return False
    codes = {str(c) for c in enum}
    return all(k in codes and isinstance(v, str) for k, v in labels.items())


def _foreign_keys(res: dict, fields_of: dict[str, list[str]]) -> list[str]:
    where = f'resource "{res["name"]}"'
    fks = res["schema"].get("foreignKeys", [])
    if not isinstance(fks, list):
        return [f"{where}: foreignKeys must be a list"]
    out = []
    for fk in fks:
        ref = fk.get("reference") if isinstance(fk, dict) else None
        cols = _names(fk.get("fields")) if isinstance(fk, dict) else None
        if cols is None or not isinstance(ref, dict):
            out.append(f"{where}: each foreignKey needs fields and a reference object")
            continue
        target = ref.get("resource") or res["name"]
        ref_cols = _names(ref.get("fields"))
        if not isinstance(target, str) or target not in fields_of:
            out.append(f"{where}: foreignKey refers to unknown resource {target!r}")
        elif ref_cols is None or len(ref_cols) != len(cols):
            out.append(f"{where}: foreignKey reference.fields must match fields in number")
        else:
            out += [
                f"{where}: foreignKey refers to unknown field {k!r} of {target!r}"
                for k in ref_cols
                if k not in fields_of[target]
            ]
        out += [
            f"{where}: foreignKey names unknown field {k!r}"
            for k in cols
            if k not in fields_of.get(res["name"], [])
        ]
    return out


# --------------------------------------------------------------------------- patterns
try:  # Python >= 3.11
    from re import _constants as _C
    from re import _parser as _P
except ImportError:  # pragma: no cover
    import sre_constants as _C  # type: ignore[no-redef]
    import sre_parse as _P  # type: ignore[no-redef]

_PROBE = [chr(i) for i in range(128)] + list("éßü中٣\u00a0\u2003")
_ALL = frozenset(_PROBE)
_CATEGORY = {
    _C.CATEGORY_DIGIT: r"\d",
    _C.CATEGORY_NOT_DIGIT: r"\D",
    _C.CATEGORY_SPACE: r"\s",
    _C.CATEGORY_NOT_SPACE: r"\S",
    _C.CATEGORY_WORD: r"\w",
    _C.CATEGORY_NOT_WORD: r"\W",
}
_REPEATS = {_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", _C.MAX_REPEAT)}


@functools.cache
def _category(cat) -> frozenset:
    rx = re.compile(_CATEGORY.get(cat, "."))
    return frozenset(ch for ch in _PROBE if rx.match(ch))


def _in_set(items) -> frozenset:
    negate = any(op is _C.NEGATE for op, _ in items)
    chars: set = set()
    for op, av in items:
        if op is _C.LITERAL:
            chars.add(chr(av))
        elif op is _C.RANGE:
            chars.update(ch for ch in _PROBE if av[0] <= ord(ch) <= av[1])
        elif op is _C.CATEGORY:
            chars |= _category(av)
    return frozenset(_ALL - chars if negate else chars)


def _first(seq) -> tuple[frozenset, bool]:
    """Characters that can start a match of ``seq``, and whether it can match nothing."""
    acc: frozenset = frozenset()
    for op, av in seq:
        chars, empty = _first_item(op, av)
        acc |= chars
        if not empty:
            return acc, False
    return acc, True


def _first_item(op, av) -> tuple[frozenset, bool]:
    if op is _C.LITERAL:
        return frozenset({chr(av)}), False
    if op is _C.NOT_LITERAL:
        return _ALL - {chr(av)}, False
    if op is _C.ANY:
        return _ALL, False
    if op is _C.IN:
        return _in_set(av), False
    if op is _C.SUBPATTERN:
        return _first(av[-1])
    if op is _C.BRANCH:
        parts = [_first(b) for b in av[1]]
        return frozenset().union(*(p[0] for p in parts)), any(p[1] for p in parts)
    if op in _REPEATS:
        chars, empty = _first(av[2])
        return chars, empty or av[0] == 0
    if op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
        return frozenset(), True
    return _ALL, True  # back-references and the like: assume anything


def _walk(seq):
    """Every (op, av) in ``seq``, at any depth."""
    for op, av in seq:
        yield op, av
        if op is _C.SUBPATTERN:
            yield from _walk(av[-1])
        elif op is _C.BRANCH:
            for b in av[1]:
                yield from _walk(b)
        elif op in _REPEATS:
            yield from _walk(av[2])
        elif op in (_C.ASSERT, _C.ASSERT_NOT):
            yield from _walk(av[1])


@functools.lru_cache(maxsize=256)
def unsafe_pattern(pattern: str) -> str | None:
    """Why ``pattern`` could backtrack catastrophically, or None when it cannot.

    Examples
    --------
    >>> unsafe_pattern("(a+)+b")
    'can take exponential time (a repeated group that can start again inside itself)'
    >>> unsafe_pattern(r"https?://\\S+( \\| https?://\\S+)*") is None
    True
    """
    tree = _P.parse(pattern)
    for op, av in _walk(tree):
        if op not in _REPEATS or av[1] <= 1:
            continue
        body = av[2]
        start, empty = _first(body)
        if empty:
            return "can take exponential time (a repeated group that can match nothing)"
        for inner_op, inner_av in _walk(body):
            if _variable(inner_op, inner_av, body.state):
                if _chars([(inner_op, inner_av)]) & start:
                    return (
                        "can take exponential time "
                        "(a repeated group that can start again inside itself)"
                    )
            if inner_op is _C.BRANCH:  # an empty alternative lets the next round start
                firsts = [f | start if e else f for f, e in map(_first, inner_av[1])]
                if any(a & b for i, a in enumerate(firsts) for b in firsts[i + 1 :]):
                    return "can take exponential time (repeated alternatives that overlap)"
    for seq in _sequences(tree):
        if _longest_run(seq, tree.state) >= MAX_RUN:
            return (
                "can take polynomial or exponential time "
                f"({MAX_RUN} or more neighbouring repeats that can trade characters)"
            )
    return None


#: neighbouring variable-length items that can trade characters: 2 is at worst quadratic
MAX_RUN = 3


def _variable(op, av, state) -> bool:
    """Whether the item can match texts of different lengths: a repeat with a range
    (``a?``, ``a*``, ``a{2,5}``) or a back-reference to such a group."""
    if op in _REPEATS:
        return av[0] != av[1]
    if op is _C.GROUPREF:
        lo, hi = _P.SubPattern(state, [(op, av)]).getwidth()
        return lo != hi
    return False


def _flat(seq) -> list:
    """The items of ``seq`` with plain (non-repeated) groups opened in place."""
    out: list = []
    for op, av in seq:
        if op is _C.SUBPATTERN:
            out.extend(_flat(av[-1]))
        else:
            out.append((op, av))
    return out


def _sequences(seq):
    """``seq`` and every sequence inside it (repeat bodies, alternatives, lookarounds)."""
    yield seq
    for op, av in _walk(seq):
        if op in _REPEATS:
            yield av[2]
        elif op is _C.BRANCH:
            yield from av[1]
        elif op in (_C.ASSERT, _C.ASSERT_NOT):
            yield av[1]


def _longest_run(seq, state) -> int:
    """The most neighbouring variable-length items of ``seq`` that can trade characters.

    Two neighbours can trade (split a text in more than one way) only when, with nothing
    fixed between them, the first can match a character that starts the second
    (``a?a*``, ``a*[ab]*``), or, with fixed items between, both can match one of their
    characters (``.*x.*``); each such boundary multiplies the ways to split a text.
    """
    items = _flat(seq)
    var = [i for i, (op, av) in enumerate(items) if _variable(op, av, state)]
    best = run = min(len(var), 1)
    for a, b in zip(var, var[1:], strict=False):
        left, between = _chars([items[a]]), _chars(items[a + 1 : b])
        if not between:  # only anchors or nothing between them
            trade = bool(left & _first([items[b]])[0])
        else:
            trade = bool(left & between and _chars([items[b]]) & between)
        run = run + 1 if trade else 1
        best = max(best, run)
    return best


def _chars(seq) -> frozenset:
    """Characters a match of ``seq`` can contain."""
    out: frozenset = frozenset()
    for op, av in _walk(seq):
        if op in (_C.LITERAL, _C.NOT_LITERAL, _C.ANY, _C.IN):
            out |= _first_item(op, av)[0]
        elif op in (_C.GROUPREF, getattr(_C, "GROUPREF_EXISTS", None)):
            out |= _ALL
    return out
