"""What was compared: the ``comparison`` code of each result, arm names, favours-labels.

The data code every study and result with a ``comparison`` (see ``datapackage.json``).
Until a table carries that column, the code is inferred from the study row and the
inference is marked (``comparison_source = "inferred"``): other B vitamins given
with an NSAID named in the co-interventions -> ``bvit_nsaid_vs_nsaid``; other
co-interventions -> ``b12_cotreatment_vs_cotreatment``; a placebo comparator ->
``b12_vs_placebo``; a systematic review or meta-analysis matching none of these
(or only the co-treatment rule) -> ``several``; a narrative review ->
``not_applicable``; anything else -> missing (never guessed further).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ._common import _codes

__all__ = [
    "COMPARISON_ARMS",
    "arms_for",
    "favours_labels",
    "result_comparisons",
    "study_comparisons",
]

#: comparison code -> (intervention arm, control arm), used when a result names no arms.
COMPARISON_ARMS: dict[str, tuple[str, str]] = {
    "b12_vs_placebo": ("B12", "placebo"),
    "b12_cotreatment_vs_cotreatment": ("B12 + co-treatment", "co-treatment alone"),
    "bvit_nsaid_vs_nsaid": ("B vitamins + NSAID", "NSAID alone"),
    "bvit_vs_placebo": ("B vitamins", "placebo"),
    "route_vs_route": ("first route", "second route"),
}
_NSAID = re.compile(r"nsaid|diclofenac|ibuprofen|naproxen|etoricoxib|meloxicam", re.I)


def _distinct_text(studies: pd.DataFrame, name: str) -> tuple[np.ndarray, pd.Series]:
    """Codes of a free-text column and the text of its distinct values ("" for missing).

    Free text repeats ("none", "placebo injection"): string tests run on the distinct
    values only and are spread back with ``values[codes]`` (code -1, missing, picks
    the trailing "").
    """
    if name not in studies:
        return np.full(len(studies), -1), pd.Series([""], dtype=object)
    codes, uniques = pd.factorize(studies[name].astype(object))
    return codes, pd.Series([*map(str, uniques), ""], dtype=object)


def study_comparisons(studies: pd.DataFrame) -> pd.DataFrame:
    """``study_id, comparison, comparison_source`` ("data" or "inferred") per study.

    Examples
    --------
    >>> df = pd.DataFrame({"study_id": ["a", "b"], "design": ["rct", "meta_analysis"],
    ...     "comparator": ["placebo", None], "co_interventions": [None, None],
    ...     "other_b_vitamins": [False, True]})
    >>> study_comparisons(df)["comparison"].tolist()
    ['b12_vs_placebo', 'several']
    """
    design = _codes(studies["design"])
    co_codes, co = _distinct_text(studies, "co_interventions")
    comparator_codes, comparator = _distinct_text(studies, "comparator")
    other_b = (
        studies["other_b_vitamins"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        if "other_b_vitamins" in studies
        else np.zeros(len(studies), dtype=bool)
    )
    stripped = co.str.strip()
    co_named = ((stripped != "") & (stripped.str.lower() != "none")).to_numpy()[co_codes]
    nsaid = co.str.contains(_NSAID).to_numpy(dtype=bool)[co_codes]
    placebo = comparator.str.contains("placebo", case=False).to_numpy(dtype=bool)
    inferred = pd.Series(None, index=studies.index, dtype=object)
    inferred[placebo[comparator_codes]] = "b12_vs_placebo"
    inferred[co_named] = "b12_cotreatment_vs_cotreatment"
    inferred[co_named & other_b & nsaid] = "bvit_nsaid_vs_nsaid"
    systematic = design.isin(["systematic_review", "meta_analysis"]).to_numpy()
    inferred[systematic & inferred.isna().to_numpy()] = "several"
    inferred[systematic & (inferred == "b12_cotreatment_vs_cotreatment").to_numpy()] = "several"
    inferred[(design == "narrative_review").to_numpy()] = "not_applicable"
    if "comparison" in studies:
        coded = _codes(studies["comparison"])
        source = coded.notna().map({True: "data", False: "inferred"})
        value = coded.where(coded.notna(), inferred)
    else:
        value, source = inferred, pd.Series("inferred", index=studies.index)
    return pd.DataFrame(
        {
            "study_id": studies["study_id"].to_numpy(),
            "comparison": value.to_numpy(),
            "comparison_source": source.to_numpy(),
        }
    )


def result_comparisons(results: pd.DataFrame, studies: pd.DataFrame) -> pd.Series:
    """The comparison code of each result row (index of ``results``).

    The result's own ``comparison`` when coded, else its study's (see
    :func:`study_comparisons`).

    Examples
    --------
    >>> studies = pd.DataFrame({"study_id": ["a"], "design": ["rct"],
    ...     "comparator": ["placebo"], "comparison": [None]})
    >>> results = pd.DataFrame({"study_id": ["a", "a"],
    ...     "comparison": [None, "route_vs_route"]})
    >>> result_comparisons(results, studies).tolist()
    ['b12_vs_placebo', 'route_vs_route']
    """
    by_study = study_comparisons(studies).set_index("study_id")["comparison"]
    from_study = results["study_id"].map(by_study)
    if "comparison" in results:
        own = _codes(results["comparison"])
        from_study = own.where(own.notna(), from_study)
    from_study = from_study.astype(object)
    return from_study.where(from_study.notna(), None)


def arms_for(comparison: str | None, arm_labels=()) -> tuple[str, str]:
    """Names of the two compared arms for axis labels.

    A single result's ``arm_label`` of the form "X vs Y" names the arms; otherwise
    the comparison code's generic names; otherwise ("intervention", "control").

    Examples
    --------
    >>> arms_for("bvit_nsaid_vs_nsaid", ["diclofenac + B vitamins vs diclofenac"])
    ('diclofenac + B vitamins', 'diclofenac')
    >>> arms_for("bvit_nsaid_vs_nsaid")
    ('B vitamins + NSAID', 'NSAID alone')
    """
    labels = {str(a).strip() for a in arm_labels if isinstance(a, str) and " vs " in a}
    if len(labels) == 1:
        left, right = next(iter(labels)).split(" vs ", 1)
        return left.strip(), right.strip()
    return COMPARISON_ARMS.get(str(comparison), ("intervention", "control"))


def favours_labels(lower_is_better, arms: tuple[str, str]) -> tuple[str, str] | None:
    """("← favours X", "favours Y →") for the left and right side of a forest axis.

    ``lower_is_better`` True: lower values favour the intervention (left side);
    False: higher values do; missing: ``None`` (no favours-labels, never a guess).

    Examples
    --------
    >>> favours_labels(False, ("B vitamins + diclofenac", "diclofenac"))
    ('← favours diclofenac', 'favours B vitamins + diclofenac →')
    >>> favours_labels(None, ("B12", "placebo")) is None
    True
    """
    if lower_is_better is None or lower_is_better is pd.NA or pd.isna(lower_is_better):
        return None
    treat, ctrl = arms
    if bool(lower_is_better):
        return f"← favours {treat}", f"favours {ctrl} →"
    return f"← favours {ctrl}", f"favours {treat} →"
