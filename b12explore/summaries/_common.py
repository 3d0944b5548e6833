"""Shared helpers and constants of :mod:`b12explore.summaries`."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

#: Designs that review other studies (their participants are never counted).
REVIEW_DESIGNS = ("systematic_review", "meta_analysis", "narrative_review")
#: Designs without human participants.
NON_HUMAN_DESIGNS = ("animal",)
#: The shipped descriptor's primary designs. The rule is "neither a review nor
#: non-human", so a design code a researcher adds (``cohort``) is primary too.
PRIMARY_DESIGNS = ("rct", "non_randomised", "observational")
NOT_REPORTED = "not reported"


def _codes(col: pd.Series) -> pd.Series:
    """Category codes as plain strings (missing stays missing)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = np.append(np.asarray(col.cat.categories, dtype=object), None)
        values = cats[col.cat.codes.to_numpy()]  # code -1 (missing) -> None
        return pd.Series(values, index=col.index, name=col.name, dtype=object)
    return col.astype(object).where(col.notna(), None)


def _order(values: Iterable, col: pd.Series | None) -> list:
    """Values in the schema order of categorical ``col`` (else sorted)."""
    values = [v for v in _unique(values) if v is not None]
    if col is not None and isinstance(col.dtype, pd.CategoricalDtype):
        cats = [str(c) for c in col.cat.categories]
        return [c for c in cats if c in values] + sorted(v for v in values if v not in cats)
    return sorted(values, key=str)


def _unique(values: Iterable) -> list:
    """``dict.fromkeys(values)`` as a list (first-seen order), hashed in C for arrays."""
    if isinstance(values, pd.Series | np.ndarray | pd.api.extensions.ExtensionArray):
        arr = np.asarray(values, dtype=object)
        missing = pd.isna(arr)
        # NaN objects are distinct dict keys but one value for pd.unique: keep dict semantics
        if all(v is None for v in arr[missing]):
            kept = pd.unique(arr[~missing]).tolist()
            return [*kept, None] if missing.any() else kept
    return list(dict.fromkeys(values))


def participants(studies: pd.DataFrame) -> pd.Series:
    """Participants per study: ``n_enrolled``, else ``n_analysed`` (nullable Int64).

    Examples
    --------
    >>> df = pd.DataFrame({"n_enrolled": pd.array([10, None], dtype="Int64"),
    ...                    "n_analysed": pd.array([8, 5], dtype="Int64")})
    >>> participants(df).tolist()
    [10, 5]
    """
    return studies["n_enrolled"].astype("Int64").fillna(studies["n_analysed"].astype("Int64"))


def total(values: Iterable) -> int:
    """Exact sum of counts as a Python ``int``: never wraps around (missing values skipped).

    numpy and pandas sum integers in int64, so two studies of ``2**62`` participants came
    out as a negative total (issue 15). Every participant total goes through here.

    Examples
    --------
    >>> total(pd.array([2**62, 2**62, None], dtype="Int64"))
    9223372036854775808
    >>> total([])
    0
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    s = s.dropna()
    if s.empty:
        return 0
    if pd.api.types.is_bool_dtype(s.dtype):
        return int(s.sum())
    if pd.api.types.is_integer_dtype(s.dtype):
        arr = s.to_numpy(dtype="int64")
        big = max(abs(int(arr.max())), abs(int(arr.min())))
        if big * len(arr) < 2**63:  # cannot wrap: sum in C
            return int(arr.sum())
    return sum(int(v) for v in s.to_numpy(dtype=object))


def primary_studies(studies) -> pd.DataFrame:
    """The human primary studies: every design but reviews and animal studies.

    ``studies`` may be the studies table or an ``Evidence`` (its ``studies`` are used).
    A design code the descriptor adds (a researcher's ``cohort``) counts as primary.

    Examples
    --------
    >>> df = pd.DataFrame({"design": ["rct", "meta_analysis", "animal", "cohort", None]})
    >>> primary_studies(df)["design"].tolist()
    ['rct', 'cohort']
    """
    if hasattr(studies, "studies"):
        studies = studies.studies
    design = _codes(studies["design"])
    return studies[(design.notna() & ~design.isin(REVIEW_DESIGNS + NON_HUMAN_DESIGNS)).to_numpy()]


def review_studies(studies: pd.DataFrame) -> pd.DataFrame:
    """The reviews (systematic, meta-analyses, narrative).

    Examples
    --------
    >>> df = pd.DataFrame({"design": ["rct", "meta_analysis"]})
    >>> review_studies(df)["design"].tolist()
    ['meta_analysis']
    """
    return studies[_codes(studies["design"]).isin(REVIEW_DESIGNS)]


def _in_studies(results: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """Results rows whose study is in ``studies`` (so filters on studies apply)."""
    return results[results["study_id"].isin(studies["study_id"].to_numpy(dtype=object))]


def _by_id(studies: pd.DataFrame, col: str) -> pd.Series:
    """One column indexed by study_id (category codes as plain values)."""
    values = studies[col]
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = _codes(values)
    return pd.Series(values.to_numpy(), index=studies["study_id"].to_numpy())


def _labels(studies: pd.DataFrame) -> dict:
    label = studies["label"].where(studies["label"].notna(), studies["study_id"])
    return dict(zip(studies["study_id"].tolist(), label.tolist(), strict=True))


def source_labels(studies: pd.DataFrame) -> list[str]:
    """Study labels in year order (for captions).

    Examples
    --------
    >>> source_labels(_demo_studies())
    ['A 2000', 'B 2011', 'R 2020']
    """
    order = np.argsort(studies["year"].to_numpy(dtype=float), kind="stable")
    return [str(v) for v in studies["study_id"].map(_labels(studies)).iloc[order]]


def format_count(n: float | int) -> str:
    """Thousands separator for counts; missing -> "not reported".

    Examples
    --------
    >>> format_count(1126)
    '1,126'
    """
    if n is None or (isinstance(n, float) and math.isnan(n)) or n is pd.NA:
        return NOT_REPORTED
    return f"{int(n):,}"
