"""Findings: effect directions, reported p-values and forest-plot effects.

Every public function here needs the studies and the results together, so it takes the
``Evidence`` first (:func:`b12explore.load`, or ``explorer.filtered``); to run one on
tables of your own, put them in an ``Evidence`` with ``evidence.replace(studies=...,
results=...)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import check_option
from ..meta._common import MEASURES, RATIO_MEASURES
from ._common import _by_id, _codes, _in_studies, _labels, _order, participants, primary_studies
from ._effects import _reported, _study_effects
from .comparisons import arms_for, result_comparisons
from .reviews import is_review, review_label

if TYPE_CHECKING:  # pragma: no cover
    from ..io import Evidence

__all__ = [
    "RATIO_MEASURES",
    "direction_table",
    "forest_outcomes",
    "forest_table",
    "pooled_effect",
    "pvalue_table",
]


def _p_scope(res: pd.DataFrame) -> pd.Series:
    """``p_scope`` of each result row; missing or absent -> ``unclear``."""
    if "p_scope" not in res:
        return pd.Series("unclear", index=res.index, dtype=object)
    return _codes(res["p_scope"]).fillna("unclear").astype(object)


def _tables(evidence: Evidence, function: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(studies, results)`` of ``evidence``; a clear ``TypeError`` for anything else."""
    if isinstance(evidence, pd.DataFrame) or not (
        hasattr(evidence, "studies") and hasattr(evidence, "results")
    ):
        raise TypeError(
            f"{function}() takes the Evidence first (b12explore.load() or "
            f"explorer.filtered), got {type(evidence).__name__}; for tables of your own use "
            "evidence.replace(studies=..., results=...)"
        )
    return evidence.studies, evidence.results


def _measures(evidence: Evidence) -> tuple[str, ...]:
    """Effect measures a forest table can use: :mod:`meta`'s and the descriptor's codes."""
    vocab = getattr(evidence, "vocab", None)
    coded = vocab.codes("effect_measure") if vocab is not None else ()
    return tuple(dict.fromkeys((*MEASURES, *coded)))


def direction_table(evidence: Evidence) -> pd.DataFrame:
    """Effect direction per study and outcome (SWiM effect-direction plot data).

    A study with several comparisons for one outcome (time points, scales) gets
    their common direction, or ``mixed`` when they disagree.

    Only primary studies are rows (reviews never are). ``between_group`` is True
    when at least one of the rows is a between-group test (``p_scope``); a
    direction resting only on within-group or unclear tests is False.

    Parameters
    ----------
    evidence : Evidence
        Its ``studies`` and ``results``; results of studies not in ``studies`` are
        ignored, so a filter applies.

    Returns
    -------
    DataFrame
        ``study_id, label, year, outcome, direction, comparisons, n, risk_of_bias,
        comparison, between_group`` ordered by year then label, outcomes in schema
        order.

    Examples
    --------
    >>> direction_table(_demo_evidence())[["label", "direction"]].values.tolist()
    [['A 2000', 'no_difference'], ['B 2011', 'benefit']]
    """
    studies, results = _tables(evidence, "direction_table")
    return _direction_table(studies, results)


def _direction_table(studies: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """:func:`direction_table` of two tables (for callers holding a subset of studies)."""
    cols = ["study_id", "label", "year", "outcome", "direction", "comparisons", "n"]
    cols += ["risk_of_bias", "comparison", "between_group"]
    studies = primary_studies(studies)
    res = _in_studies(results, studies)
    res = res[res["direction"].notna()]
    if res.empty:
        return pd.DataFrame(columns=cols)
    flat = pd.DataFrame(
        {
            "study_id": res["study_id"].to_numpy(),
            "outcome": _codes(res["outcome"]).to_numpy(),
            "direction": _codes(res["direction"]).to_numpy(),
            "comparison": result_comparisons(res, studies).to_numpy(),
            "between": (_p_scope(res) == "between_group").to_numpy(),
        }
    )
    g = flat.groupby(["study_id", "outcome"], sort=False)
    out = g["direction"].agg(["first", "nunique", "size"]).reset_index()
    out["comparison"] = g["comparison"].first().to_numpy()
    out["between_group"] = g["between"].any().to_numpy()
    out["direction"] = out["first"].where(out["nunique"] == 1, "mixed")
    out["comparisons"] = out["size"].astype(int)
    # one lookup per row, then array takes (study ids are unique, as mapping by them
    # always required)
    ids = pd.Index(studies["study_id"].to_numpy(dtype=object))
    at = ids.get_indexer(out["study_id"].to_numpy(dtype=object))
    label = studies["label"].where(studies["label"].notna(), studies["study_id"])
    out["label"] = label.to_numpy(dtype=object)[at]
    out["year"] = pd.array(studies["year"].to_numpy(dtype=object)[at], dtype="Int64")
    out["n"] = pd.array(participants(studies).to_numpy(dtype=object)[at], dtype="Int64")
    rob = _by_id(studies, "risk_of_bias").to_numpy(dtype=object)[at]
    out["risk_of_bias"] = pd.Series(rob, index=out.index, dtype=object).astype(str)
    rank = {o: i for i, o in enumerate(_order(flat["outcome"], res["outcome"]))}
    out["_o"] = out["outcome"].map(rank)
    out = out.sort_values(["year", "label", "_o"], kind="stable")
    return out[cols].reset_index(drop=True)


def pvalue_table(evidence: Evidence) -> pd.DataFrame:
    """Reported p-values with sample size and direction (albatross plot data).

    ``side`` is +1 for a benefit of B12, -1 for harm; for ``no_difference`` and
    ``mixed`` the side is unknown (``side_known`` False) and the row is placed on
    the +1 side. ``position`` is ``side * -log10(p)``; ``n`` is the comparison's
    own ``n`` when given, else the study's participants.

    Only primary studies' results are rows. ``p_scope`` says whether the test
    compares the groups (``between_group``), changes within a group
    (``within_group``) or cannot be told (``unclear``, also when not coded).

    Parameters
    ----------
    evidence : Evidence
        Its ``studies`` and ``results`` (results of other studies are ignored).

    Returns
    -------
    DataFrame
        ``result_id, study_id, label, outcome, p_value, p_operator, direction,
        n, side, side_known, position, p_scope, comparison``.

    Examples
    --------
    >>> t = pvalue_table(_demo_evidence())
    >>> t[["label", "p_value", "side"]].values.tolist()
    [['B 2011', 0.01, 1]]
    """
    studies, results = _tables(evidence, "pvalue_table")
    cols = ["result_id", "study_id", "label", "outcome", "p_value", "p_operator"]
    cols += ["direction", "n", "side", "side_known", "position", "p_scope", "comparison"]
    studies = primary_studies(studies)
    res = _in_studies(results, studies)
    res = res[res["p_value"].notna() & res["direction"].notna()]
    if res.empty:
        return pd.DataFrame(columns=cols)
    labels = _labels(studies)
    study_n = pd.Series(participants(studies).to_numpy(), index=studies["study_id"])
    direction = _codes(res["direction"])
    side = direction.map({"benefit": 1, "harm": -1}).fillna(1).astype(int)
    p = res["p_value"].astype(float).clip(lower=1e-300)
    out = pd.DataFrame(
        {
            "result_id": res["result_id"],
            "study_id": res["study_id"],
            "label": res["study_id"].map(labels),
            "outcome": _codes(res["outcome"]),
            "p_value": res["p_value"].astype(float),
            "p_operator": _codes(res["p_operator"]).fillna("="),
            "direction": direction,
            "n": res["n"].astype("Int64").fillna(res["study_id"].map(study_n).astype("Int64")),
            "side": side,
            "side_known": direction.isin(["benefit", "harm"]),
            "position": side * -np.log10(p),
            "p_scope": _p_scope(res),
            "comparison": result_comparisons(res, studies),
        }
    )
    return out.reset_index(drop=True)[cols]


def forest_table(
    evidence: Evidence,
    *,
    outcome: str,
    measure: str = "MD",
    comparison: str | None = None,
    reviews: bool = True,
) -> pd.DataFrame:
    """Per-study effects for one outcome (and comparison), ready for a forest plot.

    Effects of primary studies come from arm data (intervention vs control at each
    study's last reported time point) through :func:`b12explore.meta.effect_sizes`,
    or, for a study without usable arm data, from a reported estimate of the same
    ``measure`` with its 95% CI. Weights (percent) come from
    :func:`b12explore.meta.pool` (REML) over the primary studies only. A review's
    own reported estimate is a separate row (``kind = "review"``, label "Reported
    by ...", no weight) and is never pooled with the studies.

    Parameters
    ----------
    evidence : Evidence
        Its ``studies`` and ``results`` (results of other studies are ignored).
    outcome : str
        Outcome code, e.g. ``"vas"``.
    measure : {"MD", "SMD", "RR", "OR", "RD"} or a descriptor ``effect_measure`` code
        Effect measure; ratios (:data:`RATIO_MEASURES`) are analysed on the log scale.
        A code only the descriptor knows (``"HR"``) has reported estimates only.
    comparison : str, optional
        Keep only results of this comparison code (``None``: all).
    reviews : bool
        Add the reviews' own reported estimates as ``kind = "review"`` rows.

    Returns
    -------
    DataFrame
        ``study_id, label, timepoint, source, n, yi, vi, estimate, ci_low,
        ci_high, weight, measure, outcome, lower_is_better, kind, comparison,
        intervention, control``; ``estimate`` and the CI are on the natural scale
        (ratios exponentiated). Empty when no row has a computable effect.

    Examples
    --------
    >>> t = forest_table(_demo_evidence(), outcome="vas", measure="MD")
    >>> t[["label", "estimate", "kind"]].values.tolist()
    [['B 2011', -2.0, 'study']]
    """
    studies, results = _tables(evidence, "forest_table")
    check_option("measure", measure, _measures(evidence))
    return _forest_table(
        results, studies, outcome=outcome, measure=measure, comparison=comparison, reviews=reviews
    )


def _forest_table(
    data: pd.DataFrame,
    studies: pd.DataFrame,
    *,
    outcome: str,
    measure: str,
    comparison: str | None = None,
    reviews: bool = True,
) -> pd.DataFrame:
    """:func:`forest_table` of a results table and the studies table (no checks)."""
    cols = ["study_id", "label", "timepoint", "source", "n", "yi", "vi", "estimate"]
    cols += ["ci_low", "ci_high", "weight", "measure", "outcome", "lower_is_better"]
    cols += ["kind", "comparison", "intervention", "control"]
    res = _in_studies(data, studies)
    res = res[(_codes(res["outcome"]) == outcome).to_numpy()]
    comp = result_comparisons(res, studies)
    if comparison is not None:
        res, comp = res[(comp == comparison).to_numpy()], comp[(comp == comparison).to_numpy()]
    if res.empty:
        return pd.DataFrame(columns=cols)
    review_ids = set(studies.loc[is_review(studies).to_numpy(), "study_id"])
    in_review = res["study_id"].isin(review_ids).to_numpy()
    parts = []
    prim = _study_effects(res[~in_review], measure)
    if not prim.empty:
        prim["kind"] = "study"
        parts.append(prim)
    if reviews and measure != "SMD" and in_review.any():
        rev = _reported(res[in_review], measure)
        if not rev.empty:
            rev["source"] = "reported by the review"
            rev["kind"] = "review"
            parts.append(rev)
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out = out[np.isfinite(out["yi"].astype(float)) & (out["vi"].astype(float) > 0)]
    if out.empty:
        return pd.DataFrame(columns=cols)
    ratio = measure in RATIO_MEASURES
    se = np.sqrt(out["vi"].astype(float))
    z = 1.959963984540054
    back = np.exp if ratio else (lambda x: x)
    out["estimate"] = back(out["yi"].astype(float))
    out["ci_low"] = back(out["yi"] - z * se)
    out["ci_high"] = back(out["yi"] + z * se)
    study = (out["kind"] == "study").to_numpy()
    out["weight"] = np.nan
    if study.any():
        from .. import meta

        pooled = meta.pool(
            out.loc[study, "yi"].to_numpy(float), out.loc[study, "vi"].to_numpy(float)
        )
        w = np.asarray(pooled.weights, dtype=float)
        out.loc[study, "weight"] = 100 * w / w.sum() if w.sum() > 0 else np.nan
    labels = _labels(studies)
    out["label"] = [
        labels.get(sid, sid) if kind == "study" else review_label(studies, sid)
        for sid, kind in zip(out["study_id"], out["kind"], strict=True)
    ]
    out["measure"] = measure
    out["outcome"] = outcome
    out["n"] = out["n"].astype("Int64")
    by_id = pd.Series(comp.to_numpy(), index=res["study_id"].to_numpy())
    by_id = by_id[~by_id.index.duplicated()]
    out["comparison"] = out["study_id"].map(by_id)
    arm_label = res[(_codes(res["arm_role"]) == "comparison").to_numpy()]
    labels_of = arm_label.groupby("study_id", sort=False)["arm_label"].agg(list).to_dict()
    arms = [
        arms_for(c, labels_of.get(sid, ()))
        for sid, c in zip(out["study_id"], out["comparison"], strict=True)
    ]
    out["intervention"] = [a[0] for a in arms]
    out["control"] = [a[1] for a in arms]
    year = _by_id(studies, "year")
    out = out.assign(_k=(out["kind"] == "review").astype(int), _y=out["study_id"].map(year))
    out = out.sort_values(["_k", "_y", "label"], kind="stable")
    out.attrs.update(studies.attrs)  # the vocabulary: charts label the outcome from it
    return out[cols].reset_index(drop=True)


def pooled_effect(effects: pd.DataFrame, *, method: str = "REML", ci: str = "z"):
    """Pool the primary-study rows of a :func:`forest_table` with :func:`b12explore.meta.pool`.

    Review rows (``kind = "review"``) are never pooled. Returns ``None`` when fewer
    than two studies remain (nothing to pool).

    Examples
    --------
    >>> pooled_effect(forest_table(_demo_evidence(), outcome="vas")) is None
    True
    """
    if "kind" in effects:
        effects = effects[(effects["kind"] == "study").to_numpy()]
    if len(effects) < 2:
        return None
    from .. import meta

    return meta.pool(
        effects["yi"].to_numpy(float),
        effects["vi"].to_numpy(float),
        method=method,
        ci=ci,
        labels=list(effects["label"]),
    )


def forest_outcomes(evidence: Evidence) -> pd.DataFrame:
    """Comparisons, outcomes and measures for which a forest plot can be drawn.

    Parameters
    ----------
    evidence : Evidence
        Its ``studies`` and ``results`` (results of other studies are ignored).

    Returns
    -------
    DataFrame
        ``comparison, outcome, measure, studies, reviews`` (primary studies and
        reviews with a computable effect; at least one of them), most studies first.

    Examples
    --------
    >>> forest_outcomes(_demo_evidence()).values.tolist()
    [[None, 'vas', 'MD', 1, 0]]
    """
    studies, results = _tables(evidence, "forest_outcomes")
    res = _in_studies(results, studies)
    codes = _codes(res["outcome"])
    comps = result_comparisons(res, studies)
    rows = []
    for outcome in _order(codes, res["outcome"]):
        sub = res[(codes == outcome).to_numpy()]
        sub_comp = comps[(codes == outcome).to_numpy()]
        for comparison in dict.fromkeys(sub_comp.tolist()):
            part = (
                sub[(sub_comp == comparison).to_numpy()]
                if comparison is not None
                else sub[sub_comp.isna().to_numpy()]
            )
            measures = ["MD"] if part["mean"].notna().any() else []
            measures += ["RR"] if part["events"].notna().any() else []
            measures += [m for m in _codes(part["effect_measure"]).dropna().unique() if m != "SMD"]
            for measure in dict.fromkeys(measures):
                t = _forest_table(part, studies, outcome=outcome, measure=measure)
                if len(t):
                    kinds = t["kind"].value_counts()
                    rows.append(
                        [
                            comparison,
                            outcome,
                            measure,
                            int(kinds.get("study", 0)),
                            int(kinds.get("review", 0)),
                        ]
                    )
    out = pd.DataFrame(rows, columns=["comparison", "outcome", "measure", "studies", "reviews"])
    return out.sort_values("studies", ascending=False, kind="stable").reset_index(drop=True)
