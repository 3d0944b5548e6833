"""Precomputed per-column codes and masks behind :func:`b12explore.filters.apply_filters`.

Filtering 100,000 studies must take milliseconds, so the work that does not depend
on the filter values is done once per ``Evidence`` and kept: integer category codes
of each coded column (a filter on codes is one lookup-table index), the year and
enrolment as float arrays, the casefolded search text, and the position of each
``results`` and ``claims`` row's study. Each piece is computed the first time a
filter needs it.

The index is a cache, never a source of truth: it is keyed by the ``Evidence``
object (held weakly, so it goes when the evidence goes), and an ``Evidence`` and
its frames are never modified (``Evidence.replace`` makes a new object, which gets
its own index). ``apply_filters`` therefore stays a pure function of its inputs.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .filters import FilterState
    from .io import Evidence

__all__ = ["StudyIndex", "rows_of", "study_index", "study_mask"]

#: Evidence objects whose index is kept (the explorer needs one; tests a few).
MAX_INDEXES = 8


class StudyIndex:
    """Codes and masks of one ``Evidence``, each computed on first use.

    Parameters
    ----------
    evidence : Evidence
        The evidence to index (not copied, never modified).

    Examples
    --------
    >>> from b12explore import load
    >>> ev = load()
    >>> index = study_index(ev)
    >>> mask = index.isin("route", ["oral"])
    >>> int(mask.sum()) == int((ev.studies["route"] == "oral").sum())
    True
    >>> study_index(ev) is index
    True
    """

    def __init__(self, evidence: Evidence) -> None:
        self.studies = evidence.studies
        self.results = evidence.results
        self.claims = evidence.claims
        self.n = len(self.studies)
        self._memo: dict[Any, Any] = {}

    def _get(self, key: Any, build) -> Any:
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    # ------------------------------------------------------------ coded columns

    def codes(self, frame: str, column: str) -> tuple[np.ndarray, dict[str, int]]:
        """Integer codes of a column (-1 = missing) and code -> integer.

        Examples
        --------
        >>> from b12explore import load
        >>> codes, lookup = study_index(load()).codes("studies", "design")
        >>> "rct" in lookup and len(codes) == len(load().studies)
        True
        """

        def build():
            col = getattr(self, frame)[column]
            if isinstance(col.dtype, pd.CategoricalDtype):
                cats = [str(c) for c in col.cat.categories]
                return col.cat.codes.to_numpy(dtype=np.int64), {c: i for i, c in enumerate(cats)}
            ints, uniques = pd.factorize(col.astype("object"), use_na_sentinel=True)
            return ints.astype(np.int64), {str(u): i for i, u in enumerate(uniques)}

        return self._get(("codes", frame, column), build)

    def isin(self, column: str, values, frame: str = "studies") -> np.ndarray:
        """Boolean mask of rows whose ``column`` is one of ``values`` (a fresh array).

        Examples
        --------
        >>> from b12explore import load
        >>> bool(study_index(load()).isin("route", ["no_such_route"]).any())
        False
        """
        codes, lookup = self.codes(frame, column)
        table = np.zeros(len(lookup) + 1, dtype=bool)  # the last slot is code -1 (missing)
        for v in values:
            if v in lookup:
                table[lookup[v]] = True
        return table[codes]

    # ------------------------------------------------------------ numbers and flags

    def floats(self, column: str) -> np.ndarray:
        """A numeric study column as float (missing = NaN)."""
        return self._get(
            ("float", column),
            lambda: self.studies[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
        )

    def flag(self, column: str, wanted: bool) -> np.ndarray:
        """Rows whose boolean ``column`` is ``wanted`` (missing never matches)."""

        def build():
            col = self.studies[column].astype("boolean")
            return (
                (col == True).fillna(False).to_numpy(dtype=bool),  # noqa: E712
                (col == False).fillna(False).to_numpy(dtype=bool),  # noqa: E712
            )

        yes, no = self._get(("flag", column), build)
        return yes if wanted else no

    def co_interventions(self, wanted_with: bool) -> np.ndarray:
        """``co_interventions`` names a treatment (``with``) or is ``none`` (``without``)."""

        def build():
            col = self.studies["co_interventions"].astype("object")
            lowered = [v.strip().lower() if isinstance(v, str) else "" for v in col]
            reported = np.array([bool(v) for v in lowered], dtype=bool)
            is_none = np.array([v == "none" for v in lowered], dtype=bool)
            return reported & ~is_none, reported & is_none

        with_, without = self._get(("co",), build)
        return with_ if wanted_with else without

    # ------------------------------------------------------------ rows of other tables

    def study_position(self, frame: str) -> np.ndarray:
        """For each row of ``frame`` (``results``/``claims``), its study's row (-1: none)."""

        def build():
            ids = self.studies["study_id"].astype("object")
            other = getattr(self, frame)["study_id"].astype("object")
            index = pd.Index(ids)
            if index.is_unique:
                return index.get_indexer(other).astype(np.int64)
            return None  # duplicate ids (a hand-built frame): callers fall back to isin

        return self._get(("pos", frame), build)

    def outcome(self, outcome: str) -> np.ndarray:
        """Studies that list ``outcome`` in ``outcomes`` or have a result row for it."""

        def build():
            listed = (
                self.studies["outcomes"]
                .astype("object")
                .map(lambda v: isinstance(v, str) and outcome in v.split(";"))
                .to_numpy(dtype=bool)
            )
            rows = self.isin("outcome", [outcome], frame="results")
            pos = self.study_position("results")
            if pos is None:
                ids = set(self.results.loc[rows, "study_id"].astype("object"))
                return listed | self.studies["study_id"].astype("object").isin(ids).to_numpy()
            hit = np.zeros(self.n + 1, dtype=bool)
            hit[pos[rows]] = True  # position -1 lands in the spare last slot
            return listed | hit[: self.n]

        return self._get(("outcome", outcome), build).copy()

    def text(self, text: str) -> np.ndarray:
        """Studies whose title or label contains every word of ``text`` (casefolded)."""
        haystack = self._get(
            ("haystack",),
            lambda: (
                self.studies["title"].astype("object").fillna("").astype(str)
                + "\n"
                + self.studies["label"].astype("object").fillna("").astype(str)
            ).str.casefold(),
        )
        keep = np.ones(self.n, dtype=bool)
        for word in text.casefold().split():
            keep &= haystack.str.contains(word, regex=False).to_numpy(dtype=bool)
        return keep

    def certainty(self, evidence: Evidence, levels: tuple[str, ...]) -> np.ndarray:
        """Studies named by a certainty row whose computed level is in ``levels``."""

        def build():
            from .summaries.certainty import certainty_table

            table = certainty_table(evidence, effects=False)  # ratings only
            per_level: dict[str, set[str]] = {}
            for level, text in zip(
                table.get("computed", []), table.get("study_ids", []), strict=True
            ):
                ids = per_level.setdefault(str(level), set())
                ids |= {t.strip() for t in str(text).split(";")}
            return per_level

        per_level = self._get(("certainty",), build)
        ids = set().union(*(per_level.get(level, set()) for level in levels))
        return self.studies["study_id"].astype("object").isin(ids).to_numpy(dtype=bool)


_INDEXES: OrderedDict[int, tuple[weakref.ref, StudyIndex]] = OrderedDict()


def study_index(evidence: Evidence) -> StudyIndex:
    """The :class:`StudyIndex` of ``evidence`` (built once, kept while it lives).

    Examples
    --------
    >>> from b12explore import load
    >>> ev = load()
    >>> study_index(ev).n == len(ev.studies)
    True
    """
    key = id(evidence)
    found = _INDEXES.get(key)
    if found is not None and found[0]() is evidence:
        _INDEXES.move_to_end(key)
        return found[1]
    index = StudyIndex(evidence)

    def forget(ref: weakref.ref, k: int = key) -> None:
        if k in _INDEXES and _INDEXES[k][0] is ref:
            del _INDEXES[k]

    _INDEXES[key] = (weakref.ref(evidence, forget), index)
    while len(_INDEXES) > MAX_INDEXES:
        _INDEXES.popitem(last=False)
    return index


# ---------------------------------------------------------------- masks

_COLUMN = {
    "routes": "route",
    "forms": "b12_form",
    "designs": "design",
    "risk_of_bias": "risk_of_bias",
}


def study_mask(evidence: Evidence, state: FilterState) -> np.ndarray:
    """Boolean mask over ``evidence.studies`` rows passing ``state`` (codes not checked).

    Examples
    --------
    >>> from b12explore import load
    >>> from b12explore.filters import FilterState
    >>> ev = load()
    >>> int(study_mask(ev, FilterState()).sum()) == len(ev.studies)
    True
    """
    index = study_index(evidence)
    keep = np.ones(index.n, dtype=bool)
    for name, column in _COLUMN.items():
        values = getattr(state, name)
        if values:
            keep &= index.isin(column, values)
    if state.year_range is not None:
        year = index.floats("year")
        keep &= (year >= state.year_range[0]) & (year <= state.year_range[1])
    if state.min_n > 0:
        keep &= index.floats("n_enrolled") >= state.min_n
    if state.deficiency_required is not None:
        keep &= index.isin("deficiency_required", [state.deficiency_required])
    if state.other_b_vitamins != "any":
        keep &= index.flag("other_b_vitamins", state.other_b_vitamins == "with")
    if state.co_interventions != "any":
        keep &= index.co_interventions(state.co_interventions == "with")
    if state.outcome is not None:
        keep &= index.outcome(state.outcome)
    if state.text:
        keep &= index.text(state.text)
    if state.comparisons:
        if "comparison" in evidence.studies:
            keep &= index.isin("comparison", state.comparisons)
        else:
            keep &= False
    if state.certainty:
        keep &= index.certainty(evidence, state.certainty)
    return keep


def rows_of(index: StudyIndex, frame: str, mask: np.ndarray) -> np.ndarray:
    """Rows of ``frame`` (``results``/``claims``) whose study is kept by ``mask``.

    Examples
    --------
    >>> from b12explore import load
    >>> ev = load()
    >>> index = study_index(ev)
    >>> bool(rows_of(index, "results", np.ones(index.n, dtype=bool)).all())
    True
    """
    pos = index.study_position(frame)
    if pos is None:  # duplicate study ids: match by value
        ids = set(index.studies.loc[mask, "study_id"].astype("object"))
        return getattr(index, frame)["study_id"].astype("object").isin(ids).to_numpy(dtype=bool)
    return np.append(mask, False)[pos]  # position -1 (no such study) reads the False slot
