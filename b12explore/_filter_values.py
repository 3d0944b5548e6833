"""Normalising the values of :class:`b12explore.filters.FilterState` (no vocabulary needed).

Each filter's value is checked for its kind (a code, a list of codes, a year pair,
a whole number, ...) and put in one canonical form, so that equal selections give
equal states. Codes are checked against the descriptor later, where the evidence
is known (``FilterState.checked``).
"""

from __future__ import annotations

import numbers
from typing import Any

from .errors import check_option

__all__ = ["MULTI", "SINGLE", "WITH_WITHOUT", "clean_value"]

#: The choices of the two "with/without" filters (filter semantics, not data codes).
WITH_WITHOUT = ("any", "with", "without")
#: Filters holding several codes, and filters holding one code (or none).
MULTI = ("routes", "forms", "designs", "risk_of_bias", "comparisons", "certainty")
SINGLE = ("deficiency_required", "outcome")


def clean_value(name: str, value: Any) -> Any:
    """``value`` of filter ``name`` in canonical form (the same object when already so).

    Raises
    ------
    ValueError
        For a value of the wrong kind, naming the filter, the value and what was expected.

    Examples
    --------
    >>> clean_value("routes", "oral"), clean_value("routes", ["oral", "oral"])
    (('oral',), ('oral',))
    >>> clean_value("other_b_vitamins", True), clean_value("text", "  low  back ")
    ('with', 'low back')
    >>> clean_value("routes", 5)
    Traceback (most recent call last):
    ...
    ValueError: filter routes: 5 is not a code or a list of codes
    """
    return _CLEAN[name](name, value)


def _clean_multi(name: str, value: Any) -> tuple[str, ...]:
    if value is None or (isinstance(value, str) and value == "any"):
        return ()
    if isinstance(value, str):
        items: tuple = (value,)
    else:
        try:
            items = tuple(value)
        except TypeError:
            raise ValueError(
                f"filter {name}: {value!r} is not a code or a list of codes"
            ) from None
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"filter {name}: {item!r} is not a code (a string)")
    items = tuple(dict.fromkeys(items))  # equal selections give equal states
    return value if items == value else items


def _clean_single(name: str, value: Any) -> str | None:
    if value is None or value == "any":
        return None
    if not isinstance(value, str):
        raise ValueError(f"filter {name}: {value!r} is not a code (a string)")
    return value


def _clean_with(name: str, value: Any) -> str:
    if value is None:
        return "any"
    if value is True or value is False:
        return "with" if value else "without"
    check_option(f"filter {name}", value, WITH_WITHOUT)
    return value


def _clean_years(name: str, value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        first, last = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(
            f"filter {name}: {value!r} is not a (first_year, last_year) pair"
        ) from None
    if first > last:
        raise ValueError(f"filter {name}: first year {first} is after last year {last}")
    pair = (first, last)
    return value if pair == value and type(value) is tuple else pair


def _clean_min_n(name: str, value: Any) -> int:
    if value is None:
        return 0
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not is_number or not float(value).is_integer() or value < 0:
        raise ValueError(f"filter {name}: {value!r} is not a whole number >= 0")
    return value if type(value) is int else int(value)


def _clean_text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"filter {name}: {value!r} is not a string")
    text = " ".join(value.split())
    return value if text == value else text


_CLEAN = {
    **dict.fromkeys(MULTI, _clean_multi),
    **dict.fromkeys(SINGLE, _clean_single),
    "year_range": _clean_years,
    "min_n": _clean_min_n,
    "other_b_vitamins": _clean_with,
    "co_interventions": _clean_with,
    "text": _clean_text,
}
