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


def _text(col: pd.Series) -> pd.Series:
    return col.astype(object).where(col.notna(), "").astype(str)


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
    blank = pd.Series("", index=studies.index)
    co = _text(studies["co_interventions"]) if "co_interventions" in studies else blank
    comparator = _text(studies["comparator"]) if "comparator" in studies else blank
    other_b = (
        studies["other_b_vitamins"].astype("boolean").fillna(False).astype(bool)
        if "other_b_vitamins" in studies
        else pd.Series(False, index=studies.index)
    )
    co_named = (co.str.strip() != "") & (co.str.strip().str.lower() != "none")
    inferred = pd.Series(None, index=studies.index, dtype=object)
    inferred[comparator.str.contains("placebo", case=False)] = "b12_vs_placebo"
    inferred[co_named] = "b12_cotreatment_vs_cotreatment"
    inferred[co_named & other_b & co.str.contains(_NSAID)] = "bvit_nsaid_vs_nsaid"
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
