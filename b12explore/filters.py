"""Filter state and pure filtering of the evidence tables.

``FilterState`` is a frozen dataclass; its defaults filter nothing. ``apply_filters``
returns a new ``Evidence`` holding the studies that pass every active filter, the
``results`` and ``claims`` rows of those studies, and the other tables unchanged
(delivery routes, mechanisms, food sources and risk groups are not per-study tables).

Semantics (all filters combine with AND; inside one multi-valued filter, values
combine with OR; an empty tuple means "any"):

* ``routes``, ``forms``, ``designs``, ``risk_of_bias``: keep studies whose ``route``,
  ``b12_form``, ``design`` or ``risk_of_bias`` is one of the given values.
* ``year_range``: ``(first, last)``, both inclusive.
* ``min_n``: keep studies with ``n_enrolled >= min_n``; when ``min_n > 0`` a study
  whose enrolment is not reported is dropped (its size cannot be checked).
* ``deficiency_required``: ``"yes"``, ``"no"`` or ``"not_reported"``; ``None`` = any.
* ``other_b_vitamins``: ``"with"`` (other B vitamins given with B12), ``"without"``,
  or ``"any"``; a study where this is not reported passes only ``"any"``.
* ``co_interventions``: ``"with"`` keeps studies whose ``co_interventions`` names a
  treatment, ``"without"`` those recorded as ``none``; a study where co-interventions
  are not reported passes only ``"any"``.
* ``outcome``: keep studies that measured this outcome (listed in ``outcomes`` or
  present in ``results``), and keep only the ``results`` rows for this outcome.
* ``text``: case-insensitive search over study titles and labels; every
  whitespace-separated word must occur (in either field).

No third-party import beyond pandas happens here; nothing is mutated.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .io import Evidence

__all__ = [
    "CHOICES",
    "FilterState",
    "apply_filters",
    "describe",
    "kept_study_ids",
]

# Allowed values, in schema order (a test checks them against data/datapackage.json).
ROUTES = ("intramuscular", "oral", "intravenous", "sublingual", "mixed", "not_reported")
FORMS = ("methylcobalamin", "cyanocobalamin", "hydroxocobalamin", "mixed", "not_reported")
DESIGNS = (
    "rct",
    "non_randomised",
    "systematic_review",
    "meta_analysis",
    "narrative_review",
    "observational",
    "animal",
)
DEFICIENCY = ("yes", "no", "not_reported")
RISK_OF_BIAS = ("low", "some_concerns", "high", "not_assessed")
OUTCOMES = (
    "vas",
    "nrs",
    "odi",
    "rmdq",
    "joa",
    "walking_distance",
    "responder",
    "treatment_failure",
    "therapy_duration",
    "analgesic_use",
    "pain_relief",
    "neuropathic_symptoms",
    "global_assessment",
    "adverse_events",
    "other",
)
WITH_WITHOUT = ("any", "with", "without")
COMPARISONS = (
    "b12_vs_placebo",
    "b12_cotreatment_vs_cotreatment",
    "bvit_nsaid_vs_nsaid",
    "bvit_vs_placebo",
    "route_vs_route",
    "single_group",
    "several",
    "not_applicable",
)
CERTAINTY = ("high", "moderate", "low", "very_low")

#: Allowed values per enumerated filter field.
CHOICES: dict[str, tuple[str, ...]] = {
    "routes": ROUTES,
    "forms": FORMS,
    "designs": DESIGNS,
    "risk_of_bias": RISK_OF_BIAS,
    "deficiency_required": DEFICIENCY,
    "outcome": OUTCOMES,
    "other_b_vitamins": WITH_WITHOUT,
    "co_interventions": WITH_WITHOUT,
    "comparisons": COMPARISONS,
    "certainty": CERTAINTY,
}

_MULTI = ("routes", "forms", "designs", "risk_of_bias")  # plain column filters
_COLUMN = {"routes": "route", "forms": "b12_form", "designs": "design"}
_COLUMN["risk_of_bias"] = "risk_of_bias"


@dataclasses.dataclass(frozen=True)
class FilterState:
    """Which studies to show; the defaults filter nothing.

    Parameters
    ----------
    routes, forms, designs, risk_of_bias : tuple of str
        Allowed ``route``, ``b12_form``, ``design`` and ``risk_of_bias`` values;
        empty means any.
    year_range : tuple of (int, int) or None
        First and last publication year, inclusive; ``None`` means any.
    min_n : int
        Minimum ``n_enrolled``; 0 means no minimum.
    deficiency_required : {"yes", "no", "not_reported"} or None
    other_b_vitamins, co_interventions : {"any", "with", "without"}
    outcome : str or None
        An outcome code (``results.outcome``); ``None`` means any.
    text : str
        Words to find in titles and labels (case-insensitive).
    comparisons : tuple of str
        Allowed ``comparison`` codes (what was compared); empty means any.
    certainty : tuple of str
        Keep studies behind at least one GRADE rating of these levels (``high``,
        ``moderate``, ``low``, ``very_low``; see ``summaries.certainty_table``).

    Examples
    --------
    >>> FilterState().is_default()
    True
    >>> FilterState.from_values(routes="oral", min_n=50).routes
    ('oral',)
    """

    routes: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    designs: tuple[str, ...] = ()
    year_range: tuple[int, int] | None = None
    min_n: int = 0
    deficiency_required: str | None = None
    other_b_vitamins: str = "any"
    co_interventions: str = "any"
    outcome: str | None = None
    risk_of_bias: tuple[str, ...] = ()
    text: str = ""
    comparisons: tuple[str, ...] = ()
    certainty: tuple[str, ...] = ()

    @classmethod
    def from_values(cls, **values: Any) -> FilterState:
        """Build a validated state from keyword values (missing names keep defaults).

        Single strings are accepted for the multi-valued fields, ``"any"`` or ``None``
        for "no filter", and ``True``/``False`` for ``other_b_vitamins``.

        Raises
        ------
        TypeError
            For an unknown filter name.
        ValueError
            For a value outside the allowed set, naming the filter, the value and
            what was expected.

        Examples
        --------
        >>> FilterState.from_values(designs=["rct"], year_range=(2000, 2020)).year_range
        (2000, 2020)
        >>> FilterState.from_values(route="oral")
        Traceback (most recent call last):
        ...
        TypeError: unknown filter 'route'; valid filters: routes, forms, designs, \
year_range, min_n, deficiency_required, other_b_vitamins, co_interventions, outcome, \
risk_of_bias, text, comparisons, certainty
        """
        return cls().replace(**values)

    def replace(self, **values: Any) -> FilterState:
        """A copy with some filters changed, validated like :meth:`from_values`.

        Examples
        --------
        >>> FilterState(routes=("oral",)).replace(min_n=10).min_n
        10
        """
        names = [f.name for f in dataclasses.fields(self)]
        for name in values:
            if name not in names:
                raise TypeError(f"unknown filter {name!r}; valid filters: {', '.join(names)}")
        clean = {name: _CLEAN[name](name, value) for name, value in values.items()}
        return dataclasses.replace(self, **clean)

    def is_default(self) -> bool:
        """True when no filter is active.

        Examples
        --------
        >>> FilterState(text="pain").is_default()
        False
        """
        return self == FilterState()

    def active(self) -> dict[str, Any]:
        """The filters that differ from the defaults, by name.

        Examples
        --------
        >>> FilterState(min_n=20).active()
        {'min_n': 20}
        """
        default = FilterState()
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        }


# ---------------------------------------------------------------- validation


def _expected(name: str) -> str:
    return ", ".join(CHOICES[name])


def _clean_multi(name: str, value: Any) -> tuple[str, ...]:
    if value is None or value == "any":
        return ()
    items = (value,) if isinstance(value, str) else tuple(value)
    for item in items:
        if item not in CHOICES[name]:
            raise ValueError(f"filter {name}: {item!r} is not one of {_expected(name)}")
    # keep schema order and drop duplicates so equal selections give equal states
    return tuple(v for v in CHOICES[name] if v in items)


def _clean_single(name: str, value: Any) -> str | None:
    if value is None or value == "any":
        return None
    if value not in CHOICES[name]:
        raise ValueError(f"filter {name}: {value!r} is not one of any, {_expected(name)}")
    return value


def _clean_with(name: str, value: Any) -> str:
    if value is None:
        return "any"
    if value is True or value is False:
        return "with" if value else "without"
    if value not in WITH_WITHOUT:
        raise ValueError(f"filter {name}: {value!r} is not one of any, with, without")
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
    return (first, last)


def _clean_min_n(name: str, value: Any) -> int:
    if value is None:
        return 0
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not is_number or not float(value).is_integer() or value < 0:
        raise ValueError(f"filter {name}: {value!r} is not a whole number >= 0")
    return int(value)


def _clean_text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"filter {name}: {value!r} is not a string")
    return " ".join(value.split())


_CLEAN = {
    "routes": _clean_multi,
    "forms": _clean_multi,
    "designs": _clean_multi,
    "risk_of_bias": _clean_multi,
    "year_range": _clean_years,
    "min_n": _clean_min_n,
    "deficiency_required": _clean_single,
    "outcome": _clean_single,
    "other_b_vitamins": _clean_with,
    "co_interventions": _clean_with,
    "text": _clean_text,
    "comparisons": _clean_multi,
    "certainty": _clean_multi,
}


# ---------------------------------------------------------------- filtering


def _in(series: pd.Series, values: Iterable[str]) -> pd.Series:
    return series.astype("object").isin(list(values)).to_numpy(dtype=bool, copy=True)


def _study_mask(studies: pd.DataFrame, results: pd.DataFrame, state: FilterState):
    """Boolean numpy mask over ``studies`` rows."""
    keep = np.ones(len(studies), dtype=bool)
    for name in _MULTI:
        values = getattr(state, name)
        if values:
            keep &= _in(studies[_COLUMN[name]], values)
    if state.year_range is not None:
        year = studies["year"].astype("Float64")
        keep &= ((year >= state.year_range[0]) & (year <= state.year_range[1])).fillna(False)
    if state.min_n > 0:
        keep &= (studies["n_enrolled"].astype("Float64") >= state.min_n).fillna(False)
    if state.deficiency_required is not None:
        keep &= _in(studies["deficiency_required"], [state.deficiency_required])
    if state.other_b_vitamins != "any":
        wanted = state.other_b_vitamins == "with"
        keep &= (studies["other_b_vitamins"].astype("boolean") == wanted).fillna(False)
    if state.co_interventions != "any":
        keep &= _co_mask(studies["co_interventions"], state.co_interventions == "with")
    if state.outcome is not None:
        keep &= _outcome_mask(studies, results, state.outcome)
    if state.text:
        keep &= _text_mask(studies, state.text)
    if state.comparisons:
        if "comparison" in studies:
            keep &= _in(studies["comparison"], state.comparisons)
        else:
            keep &= False
    return keep


def _certainty_mask(evidence: Evidence, studies: pd.DataFrame, levels: tuple[str, ...]):
    """Studies named by a certainty row whose computed level is in ``levels``."""
    from .summaries.certainty import certainty_table

    table = certainty_table(evidence)
    ids: set[str] = set()
    if len(table):
        for text in table.loc[table["computed"].isin(levels), "study_ids"]:
            ids |= {t.strip() for t in str(text).split(";")}
    return _in(studies["study_id"], ids)


def _co_mask(column: pd.Series, wanted_with: bool):
    lowered = [v.strip().lower() if isinstance(v, str) else "" for v in column.astype("object")]
    reported = np.array([bool(v) for v in lowered], dtype=bool)
    is_none = np.array([v == "none" for v in lowered], dtype=bool)
    return reported & (~is_none if wanted_with else is_none)


def _outcome_mask(studies: pd.DataFrame, results: pd.DataFrame, outcome: str):
    listed = (
        studies["outcomes"]
        .astype("object")
        .map(lambda v: isinstance(v, str) and outcome in v.split(";"))
        .to_numpy(dtype=bool)
    )
    with_results = results.loc[_in(results["outcome"], [outcome]), "study_id"]
    return listed | _in(studies["study_id"], set(with_results.astype("object")))


def _text_mask(studies: pd.DataFrame, text: str):
    haystack = (
        studies["title"].astype("object").fillna("").astype(str)
        + "\n"
        + studies["label"].astype("object").fillna("").astype(str)
    ).str.casefold()
    keep = None
    for word in text.casefold().split():
        hit = haystack.str.contains(word, regex=False).to_numpy(dtype=bool)
        keep = hit if keep is None else keep & hit
    return keep


def kept_study_ids(evidence: Evidence, state: FilterState) -> list[str]:
    """The ``study_id`` values that pass ``state``, in table order.

    Examples
    --------
    >>> from b12explore import load
    >>> evidence = load()
    >>> len(kept_study_ids(evidence, FilterState())) == len(evidence.studies)
    True
    """
    mask = _study_mask(evidence.studies, evidence.results, state)
    if state.certainty:
        mask &= _certainty_mask(evidence, evidence.studies, state.certainty)
    return evidence.studies.loc[mask, "study_id"].astype("object").tolist()


def apply_filters(evidence: Evidence, state: FilterState) -> Evidence:
    """A new ``Evidence`` with only the studies that pass ``state``.

    ``results`` and ``claims`` keep the rows of the kept studies (``results`` also
    only the selected outcome, when one is set); claims not linked to any study are
    kept. Other tables are passed through. The input is never modified; a default
    state returns ``evidence`` itself.

    Parameters
    ----------
    evidence : Evidence
    state : FilterState

    Returns
    -------
    Evidence

    Examples
    --------
    >>> from b12explore import load
    >>> rcts = apply_filters(load(), FilterState(designs=("rct",)))
    >>> set(rcts.studies["design"].astype(str)) <= {"rct"}
    True
    """
    if state.is_default():
        return evidence
    studies = evidence.studies
    mask = _study_mask(studies, evidence.results, state)
    if state.certainty:
        mask &= _certainty_mask(evidence, studies, state.certainty)
    kept = studies.loc[mask]
    ids = set(kept["study_id"].astype("object"))
    results = evidence.results
    rmask = _in(results["study_id"], ids)
    if state.outcome is not None:
        rmask &= _in(results["outcome"], [state.outcome])
    claims = evidence.claims
    cmask = _in(claims["study_id"], ids) | claims["study_id"].isna().to_numpy()
    return evidence.replace(studies=kept, results=results.loc[rmask], claims=claims.loc[cmask])


# ---------------------------------------------------------------- description

_LABELS = {
    "routes": "route",
    "forms": "B12 form",
    "designs": "design",
    "risk_of_bias": "risk of bias",
    "deficiency_required": "deficiency required",
    "outcome": "outcome",
}


def _words(values: Iterable[str]) -> str:
    return ", ".join(v.replace("_", " ") for v in values)


def describe(state: FilterState) -> str:
    """One line of plain text naming the active filters, for captions.

    Examples
    --------
    >>> describe(FilterState())
    'all studies'
    >>> describe(FilterState(routes=("oral", "intramuscular"), min_n=50))
    'route: oral, intramuscular; at least 50 enrolled'
    >>> describe(FilterState(year_range=(2000, 2020), text="sciatica"))
    'years 2000-2020; text: "sciatica"'
    """
    parts = []
    for name in ("routes", "forms", "designs"):
        if getattr(state, name):
            parts.append(f"{_LABELS[name]}: {_words(getattr(state, name))}")
    if state.year_range is not None:
        first, last = state.year_range
        parts.append(f"year {first}" if first == last else f"years {first}-{last}")
    if state.min_n:
        parts.append(f"at least {state.min_n:,} enrolled")
    if state.deficiency_required is not None:
        parts.append(f"deficiency required: {_words([state.deficiency_required])}")
    for name, label in (("other_b_vitamins", "other B vitamins"), ("co_interventions", None)):
        value = getattr(state, name)
        if value != "any":
            label = label or "co-interventions"
            parts.append(f"{value} {label}")
    if state.outcome is not None:
        parts.append(f"outcome: {_words([state.outcome])}")
    if state.risk_of_bias:
        parts.append(f"risk of bias: {_words(state.risk_of_bias)}")
    if state.text:
        parts.append(f'text: "{state.text}"')
    if state.comparisons:
        parts.append(f"comparison: {_words(state.comparisons)}")
    if state.certainty:
        parts.append(f"certainty: {_words(state.certainty)}")
    return "; ".join(parts) if parts else "all studies"
