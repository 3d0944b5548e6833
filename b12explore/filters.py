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

Codes are never listed here: which codes a filter accepts, their order and labels
come from the descriptor (``evidence.vocab``, see :class:`b12explore.schema.Vocabulary`),
so a researcher's own codes filter like the shipped ones. ``FilterState`` checks
everything it can on construction (types, ranges, the ``any``/``with``/``without``
choices); the codes themselves are checked against a vocabulary where the evidence
is known (:meth:`FilterState.checked`, called by :func:`apply_filters`, the explorer
and the command line), with one message shape: ``filter routes: 'nasel' is not one
of ...; did you mean 'nasal'?``.

Filtering works on codes and masks precomputed once per ``Evidence``
(:mod:`b12explore.filter_index`); nothing is mutated.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._filter_values import MULTI as _MULTI
from ._filter_values import SINGLE as _SINGLE
from ._filter_values import WITH_WITHOUT, clean_value
from .errors import check_option
from .filter_index import rows_of, study_index, study_mask

if TYPE_CHECKING:  # pragma: no cover
    from .io import Evidence
    from .schema import Vocabulary

__all__ = [
    "CODED",
    "WITH_WITHOUT",
    "FilterState",
    "apply_filters",
    "describe",
    "filter_codes",
    "kept_study_ids",
]

#: Filter name -> (descriptor field, table) whose codes it accepts.
CODED: dict[str, tuple[str, str]] = {
    "routes": ("route", "studies"),
    "forms": ("b12_form", "studies"),
    "designs": ("design", "studies"),
    "risk_of_bias": ("risk_of_bias", "studies"),
    "deficiency_required": ("deficiency_required", "studies"),
    "outcome": ("outcome", "results"),
    "comparisons": ("comparison", "studies"),
    "certainty": ("certainty", "certainty"),
}


def filter_codes(vocab: Vocabulary, name: str) -> tuple[str, ...] | None:
    """The codes filter ``name`` accepts under ``vocab``, in display order.

    ``None`` when the descriptor does not code that field (any value is then
    accepted, as the data cannot be checked against a list).

    Parameters
    ----------
    vocab : Vocabulary
        Usually ``evidence.vocab``.
    name : str
        A coded filter, one of :data:`CODED`.

    Examples
    --------
    >>> from b12explore import load
    >>> filter_codes(load().vocab, "routes")[:2]
    ('intramuscular', 'oral')
    """
    check_option("filter", name, tuple(CODED))
    field, table = CODED[name]
    codes = vocab.enums.get(table, {}).get(field)
    return tuple(codes) if codes is not None else None


@dataclasses.dataclass(frozen=True)
class FilterState:
    """Which studies to show; the defaults filter nothing.

    Every value is checked and normalised on construction: a single string given
    for a multi-valued filter is that one code (``routes="oral"`` is
    ``routes=("oral",)``, never the letters of "oral"), ``"any"`` or ``None``
    means "no filter", duplicates are dropped, ``True``/``False`` mean
    ``"with"``/``"without"``. Codes are checked against the descriptor by
    :meth:`checked` (done by :func:`apply_filters` and the explorer).

    Parameters
    ----------
    routes, forms, designs, risk_of_bias : tuple of str
        Allowed ``route``, ``b12_form``, ``design`` and ``risk_of_bias`` codes;
        empty means any.
    year_range : tuple of (int, int) or None
        First and last publication year, inclusive; ``None`` means any.
    min_n : int
        Minimum ``n_enrolled``; 0 means no minimum.
    deficiency_required : str or None
        A ``deficiency_required`` code; ``None`` means any.
    other_b_vitamins, co_interventions : {"any", "with", "without"}
    outcome : str or None
        An outcome code (``results.outcome``); ``None`` means any.
    text : str
        Words to find in titles and labels (case-insensitive).
    comparisons : tuple of str
        Allowed ``comparison`` codes (what was compared); empty means any.
    certainty : tuple of str
        Keep studies behind at least one GRADE rating of these levels (see
        ``summaries.certainty_table``).

    Raises
    ------
    ValueError
        For a value of the wrong kind, naming the filter, the value and what was
        expected (``filter min_n: -1 is not a whole number >= 0``).

    Examples
    --------
    >>> FilterState().is_default()
    True
    >>> FilterState(routes="oral", min_n=50).routes
    ('oral',)
    >>> FilterState(min_n=-1)
    Traceback (most recent call last):
    ...
    ValueError: filter min_n: -1 is not a whole number >= 0
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

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            clean = clean_value(field.name, value)
            if clean is not value:
                object.__setattr__(self, field.name, clean)

    @classmethod
    def from_values(cls, **values: Any) -> FilterState:
        """Build a state from keyword values (missing names keep defaults).

        Raises
        ------
        TypeError
            For an unknown filter name.
        ValueError
            For a value of the wrong kind (see the class).

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
        """A copy with some filters changed, checked like the constructor.

        Examples
        --------
        >>> FilterState(routes=("oral",)).replace(min_n=10).min_n
        10
        """
        names = [f.name for f in dataclasses.fields(self)]
        for name in values:
            if name not in names:
                raise TypeError(f"unknown filter {name!r}; valid filters: {', '.join(names)}")
        return dataclasses.replace(self, **values)

    def checked(self, vocab: Vocabulary) -> FilterState:
        """This state with its codes checked against ``vocab`` and in its order.

        Parameters
        ----------
        vocab : Vocabulary
            The evidence's vocabulary (``evidence.vocab``).

        Returns
        -------
        FilterState
            Equal selections give equal states (codes in descriptor order).

        Raises
        ------
        ValueError
            For a code the descriptor does not list, with a "did you mean".

        Examples
        --------
        >>> from b12explore import load
        >>> vocab = load().vocab
        >>> FilterState(routes=("oral", "intramuscular")).checked(vocab).routes
        ('intramuscular', 'oral')
        >>> FilterState(routes="oarl").checked(vocab)
        Traceback (most recent call last):
        ...
        ValueError: filter routes: 'oarl' is not one of intramuscular, oral, intravenous, \
sublingual, mixed, not_reported; did you mean 'oral'?
        """
        changes: dict[str, Any] = {}
        for name in _MULTI:
            values = getattr(self, name)
            codes = filter_codes(vocab, name) if values else None
            if codes is None:
                continue
            for value in values:
                check_option(f"filter {name}", value, codes)
            ordered = tuple(c for c in codes if c in values)
            if ordered != values:
                changes[name] = ordered
        for name in _SINGLE:
            value = getattr(self, name)
            codes = filter_codes(vocab, name) if value is not None else None
            if codes is not None:
                check_option(f"filter {name}", value, ("any", *codes))
        return dataclasses.replace(self, **changes) if changes else self

    def is_default(self) -> bool:
        """True when no filter is active.

        Examples
        --------
        >>> FilterState(text="pain").is_default()
        False
        """
        return self == _DEFAULT

    def active(self) -> dict[str, Any]:
        """The filters that differ from the defaults, by name.

        Examples
        --------
        >>> FilterState(min_n=20).active()
        {'min_n': 20}
        """
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(_DEFAULT, f.name)
        }


_DEFAULT = FilterState()


# ---------------------------------------------------------------- filtering


def kept_study_ids(evidence: Evidence, state: FilterState) -> list[str]:
    """The ``study_id`` values that pass ``state``, in table order.

    Raises
    ------
    ValueError
        For a code the evidence's descriptor does not list (see :meth:`FilterState.checked`).

    Examples
    --------
    >>> from b12explore import load
    >>> evidence = load()
    >>> len(kept_study_ids(evidence, FilterState())) == len(evidence.studies)
    True
    """
    mask = study_mask(evidence, state.checked(evidence.vocab))
    return evidence.studies.loc[mask, "study_id"].astype("object").tolist()


def apply_filters(evidence: Evidence, state: FilterState) -> Evidence:
    """A new ``Evidence`` with only the studies that pass ``state``.

    ``results`` and ``claims`` keep the rows of the kept studies (``results`` also
    only the selected outcome, when one is set); claims not linked to any study are
    kept. Other tables are passed through. The input is never modified; a default
    state returns ``evidence`` itself. The masks behind it are computed once per
    ``evidence`` (:func:`b12explore.filter_index.study_index`).

    Parameters
    ----------
    evidence : Evidence
    state : FilterState

    Returns
    -------
    Evidence

    Raises
    ------
    ValueError
        For a code the evidence's descriptor does not list, with a "did you mean".

    Examples
    --------
    >>> from b12explore import load
    >>> rcts = apply_filters(load(), FilterState(designs=("rct",)))
    >>> set(rcts.studies["design"].astype(str)) <= {"rct"}
    True
    """
    if state.is_default():
        return evidence
    state = state.checked(evidence.vocab)
    mask = study_mask(evidence, state)
    index = study_index(evidence)
    studies, results, claims = evidence.studies, evidence.results, evidence.claims
    rmask = rows_of(index, "results", mask)
    if state.outcome is not None:
        rmask &= index.isin("outcome", [state.outcome], frame="results")
    cmask = rows_of(index, "claims", mask) | claims["study_id"].isna().to_numpy()
    return evidence.replace(
        studies=studies.loc[mask], results=results.loc[rmask], claims=claims.loc[cmask]
    )


# ---------------------------------------------------------------- description


def _lower_first(text: str) -> str:
    """Sentence case inside a caption: "Risk of bias" -> "risk of bias"; "RCT" and a
    one-letter name ("B vitamins") kept.

    Examples
    --------
    >>> _lower_first("Risk of bias"), _lower_first("RCT"), _lower_first("B vitamins + NSAID")
    ('risk of bias', 'RCT', 'B vitamins + NSAID')
    """
    first = text.split(" ", 1)[0]
    if first.isupper() or (len(first) > 1 and any(c.isupper() or c.isdigit() for c in first[1:])):
        return text
    return text[:1].lower() + text[1:]


def describe(state: FilterState, vocab: Vocabulary | None = None) -> str:
    """One line of plain text naming the active filters, for captions.

    Field names and codes are shown by their descriptor titles and labels, in
    sentence case (``vocab``; the shipped data's vocabulary when omitted, in
    which a researcher's own codes still read well).

    Parameters
    ----------
    state : FilterState
    vocab : Vocabulary, optional
        Usually ``evidence.vocab``.

    Examples
    --------
    >>> describe(FilterState())
    'all studies'
    >>> describe(FilterState(routes=("oral", "intramuscular"), min_n=50))
    'route: oral, intramuscular; at least 50 enrolled'
    >>> describe(FilterState(designs="rct", year_range=(2000, 2020), text="sciatica"))
    'design: RCT; years 2000-2020; text: "sciatica"'
    """
    if vocab is None:
        from .schema import shipped_vocabulary

        vocab = shipped_vocabulary()

    def coded(name: str, values: Iterable[str]) -> str:
        field = CODED[name][0]
        shown = ", ".join(_lower_first(vocab.label(field, v)) for v in values)
        return f"{_lower_first(vocab.title(field))}: {shown}"

    parts = [
        coded(name, getattr(state, name))
        for name in ("routes", "forms", "designs")
        if getattr(state, name)
    ]
    if state.year_range is not None:
        first, last = state.year_range
        parts.append(f"year {first}" if first == last else f"years {first}-{last}")
    if state.min_n:
        parts.append(f"at least {state.min_n:,} enrolled")
    if state.deficiency_required is not None:
        parts.append(coded("deficiency_required", [state.deficiency_required]))
    for name in ("other_b_vitamins", "co_interventions"):
        value = getattr(state, name)
        if value != "any":
            what = "other B vitamins" if name == "other_b_vitamins" else "co-interventions"
            parts.append(f"{value} {what}")
    if state.outcome is not None:
        parts.append(coded("outcome", [state.outcome]))
    if state.risk_of_bias:
        parts.append(coded("risk_of_bias", state.risk_of_bias))
    if state.text:
        parts.append(f'text: "{state.text}"')
    for name in ("comparisons", "certainty"):
        if getattr(state, name):
            parts.append(coded(name, getattr(state, name)))
    return "; ".join(parts) if parts else "all studies"
