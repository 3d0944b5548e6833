"""Findings: effect directions, reported p-values and forest-plot effects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _by_id, _codes, _in_studies, _labels, _order, participants
from ._demo import _demo_results, _demo_studies  # noqa: F401 - docstring examples

RATIO_MEASURES = ("RR", "OR", "HR")


def direction_table(studies: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """Effect direction per study and outcome (SWiM effect-direction plot data).

    A study with several comparisons for one outcome (time points, scales) gets
    their common direction, or ``mixed`` when they disagree.

    Returns
    -------
    DataFrame
        ``study_id, label, year, outcome, direction, comparisons, n, risk_of_bias``
        ordered by year then label, outcomes in schema order.

    Examples
    --------
    >>> direction_table(_demo_studies(), _demo_results())[["label", "direction"]].values.tolist()
    [['A 2000', 'no_difference'], ['B 2011', 'benefit']]
    """
    cols = ["study_id", "label", "year", "outcome", "direction", "comparisons", "n"]
    cols += ["risk_of_bias"]
    res = _in_studies(results, studies)
    res = res[res["direction"].notna()]
    if res.empty:
        return pd.DataFrame(columns=cols)
    flat = pd.DataFrame(
        {
            "study_id": res["study_id"].to_numpy(),
            "outcome": _codes(res["outcome"]).to_numpy(),
            "direction": _codes(res["direction"]).to_numpy(),
        }
    )
    g = flat.groupby(["study_id", "outcome"], sort=False)["direction"]
    out = g.agg(["first", "nunique", "size"]).reset_index()
    out["direction"] = out["first"].where(out["nunique"] == 1, "mixed")
    out["comparisons"] = out["size"].astype(int)
    out["label"] = out["study_id"].map(_labels(studies))
    out["year"] = out["study_id"].map(_by_id(studies, "year")).astype("Int64")
    n = pd.Series(participants(studies).to_numpy(), index=studies["study_id"].to_numpy())
    out["n"] = out["study_id"].map(n).astype("Int64")
    out["risk_of_bias"] = out["study_id"].map(_by_id(studies, "risk_of_bias")).astype(str)
    rank = {o: i for i, o in enumerate(_order(flat["outcome"], res["outcome"]))}
    out["_o"] = out["outcome"].map(rank)
    out = out.sort_values(["year", "label", "_o"], kind="stable")
    return out[cols].reset_index(drop=True)


def pvalue_table(results: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """Reported p-values with sample size and direction (albatross plot data).

    ``side`` is +1 for a benefit of B12, -1 for harm; for ``no_difference`` and
    ``mixed`` the side is unknown (``side_known`` False) and the row is placed on
    the +1 side. ``position`` is ``side * -log10(p)``; ``n`` is the comparison's
    own ``n`` when given, else the study's participants.

    Returns
    -------
    DataFrame
        ``result_id, study_id, label, outcome, p_value, p_operator, direction,
        n, side, side_known, position``.

    Examples
    --------
    >>> t = pvalue_table(_demo_results(), _demo_studies())
    >>> t[["label", "p_value", "side"]].values.tolist()
    [['B 2011', 0.01, 1]]
    """
    cols = ["result_id", "study_id", "label", "outcome", "p_value", "p_operator"]
    cols += ["direction", "n", "side", "side_known", "position"]
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
        }
    )
    return out.reset_index(drop=True)[cols]


def _cells(col: pd.Series) -> list:
    """The values of ``col`` as row access gives them (numpy scalars, ``pd.NA``), so that a
    frame built from them infers the same dtypes as one built from rows."""
    dtype = col.dtype
    if isinstance(dtype, pd.BooleanDtype | pd.Int64Dtype | pd.Float64Dtype):
        missing = col.isna().to_numpy()
        fill = False if isinstance(dtype, pd.BooleanDtype) else 0
        cells = list(col.to_numpy(dtype=dtype.numpy_dtype, na_value=fill))
        for i in np.flatnonzero(missing):
            cells[i] = dtype.na_value
        return cells
    return list(col.to_numpy())


def _arm_pairs(res: pd.DataFrame, continuous: bool) -> pd.DataFrame:
    """One row per study: intervention (1) and control (2) arms at the last time point.

    A study's last time point is the label (missing = "") of the last row with the
    largest ``timepoint_weeks`` (missing = -1); its first intervention and first
    control row at that label are the arms. Studies are in order of first appearance.
    """
    arms = res[_codes(res["arm_role"]).isin(["intervention", "control"])]
    need = ["mean", "sd", "n"] if continuous else ["events", "total"]
    arms = arms[arms[need].notna().all(axis=1)]
    flat = pd.DataFrame(
        {
            "sid": arms["study_id"].to_numpy(dtype=object),
            "weeks": arms["timepoint_weeks"].astype(float).fillna(-1.0).to_numpy(),
            "tp": arms["timepoint"].astype(object).where(arms["timepoint"].notna(), "").to_numpy(),
            "role": _codes(arms["arm_role"]).to_numpy(),
            "pos": np.arange(len(arms)),
        }
    )
    flat = flat[flat["sid"].notna()]
    if flat.empty:
        return pd.DataFrame()
    latest = flat["weeks"] == flat.groupby("sid", sort=False)["weeks"].transform("max")
    last = flat[latest].drop_duplicates("sid", keep="last").set_index("sid")["tp"]
    at = flat[flat["tp"].to_numpy() == flat["sid"].map(last).to_numpy()]
    b12 = at[at["role"] == "intervention"].drop_duplicates("sid").set_index("sid")["pos"]
    ctl = at[at["role"] == "control"].drop_duplicates("sid").set_index("sid")["pos"]
    sids = pd.Series(pd.unique(flat["sid"].to_numpy()), dtype=object)
    sids = sids[sids.isin(b12.index) & sids.isin(ctl.index)].to_numpy()
    if not len(sids):
        return pd.DataFrame()
    a = arms.iloc[b12.reindex(sids).to_numpy()]
    c = arms.iloc[ctl.reindex(sids).to_numpy()]
    cols = {"study_id": list(sids), "timepoint": list(last.reindex(sids).to_numpy())}
    cols["lower_is_better"] = _cells(a["lower_is_better"])
    if continuous:
        cols |= {"n1": _cells(a["n"]), "mean1": _cells(a["mean"]), "sd1": _cells(a["sd"])}
        cols |= {"n2": _cells(c["n"]), "mean2": _cells(c["mean"]), "sd2": _cells(c["sd"])}
    else:
        cols |= {"events1": _cells(a["events"]), "n1": _cells(a["total"])}
        cols |= {"events2": _cells(c["events"]), "n2": _cells(c["total"])}
    return pd.DataFrame(cols)


def _reported(res: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Reported between-group effects with a 95% CI, as yi/vi (log scale for ratios)."""
    rep = res[
        (_codes(res["arm_role"]) == "comparison")
        & (_codes(res["effect_measure"]) == measure)
        & res[["estimate", "ci_low", "ci_high"]].notna().all(axis=1)
    ]
    rep = rep.drop_duplicates("study_id", keep="last")
    from ..meta import from_ci

    scale = "log" if measure in RATIO_MEASURES else "identity"
    es = from_ci(rep[["estimate", "ci_low", "ci_high"]].astype(float), scale=scale)
    return pd.DataFrame(
        {
            "study_id": rep["study_id"].to_numpy(),
            "timepoint": rep["timepoint"].to_numpy(),
            "lower_is_better": rep["lower_is_better"].to_numpy(),
            "yi": es["yi"].to_numpy(),
            "vi": es["vi"].to_numpy(),
            "n": rep["n"].astype("Int64").to_numpy(),
        }
    )


def forest_table(
    data, studies: pd.DataFrame | None = None, *, outcome: str, measure: str = "MD"
) -> pd.DataFrame:
    """Per-study effects for one outcome, ready for a forest plot.

    Effects come from arm data (intervention vs control at each study's last
    reported time point) through :func:`b12explore.meta.effect_sizes`, or, for a
    study without usable arm data, from a reported estimate of the same
    ``measure`` with its 95% CI. Weights (percent) come from
    :func:`b12explore.meta.pool` (REML).

    Parameters
    ----------
    data : Evidence or DataFrame
        An ``Evidence`` (its ``results`` and ``studies`` are used) or the results
        table, in which case ``studies`` is required.
    studies : DataFrame, optional
        The studies table when ``data`` is the results table.
    outcome : str
        Outcome code, e.g. ``"vas"``.
    measure : {"MD", "SMD", "RR", "OR", "RD"}
        Effect measure; ratios are analysed on the log scale.

    Returns
    -------
    DataFrame
        ``study_id, label, timepoint, source, n, yi, vi, estimate, ci_low,
        ci_high, weight, measure, outcome, lower_is_better``; ``estimate`` and the
        CI are on the natural scale (ratios exponentiated). Empty when no study
        has a computable effect.

    Examples
    --------
    >>> t = forest_table(_demo_results(), _demo_studies(), outcome="vas", measure="MD")
    >>> t[["label", "estimate"]].values.tolist()
    [['B 2011', -2.0]]
    """
    if studies is None:
        data, studies = data.results, data.studies
    cols = ["study_id", "label", "timepoint", "source", "n", "yi", "vi", "estimate"]
    cols += ["ci_low", "ci_high", "weight", "measure", "outcome", "lower_is_better"]
    res = _in_studies(data, studies)
    res = res[_codes(res["outcome"]) == outcome]
    if res.empty:
        return pd.DataFrame(columns=cols)
    from .. import meta

    continuous = measure in ("MD", "SMD")
    pairs = _arm_pairs(res, continuous)
    parts = []
    if not pairs.empty:
        es = meta.effect_sizes(
            pairs.drop(columns=["study_id", "timepoint", "lower_is_better"]), measure
        )
        arm = pairs[["study_id", "timepoint", "lower_is_better"]].copy()
        arm["yi"] = es["yi"].to_numpy()
        arm["vi"] = es["vi"].to_numpy()
        arm["n"] = (pairs["n1"].astype("Int64") + pairs["n2"].astype("Int64")).to_numpy()
        arm["source"] = "arm data"
        parts.append(arm)
    if measure != "SMD":
        rep = _reported(res, measure)
        done = set(pairs["study_id"]) if not pairs.empty else set()
        rep = rep[~rep["study_id"].isin(done)]
        if not rep.empty:
            rep["source"] = "reported estimate"
            parts.append(rep)
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
    pooled = meta.pool(out["yi"].to_numpy(float), out["vi"].to_numpy(float))
    w = np.asarray(pooled.weights, dtype=float)
    out["weight"] = 100 * w / w.sum() if w.sum() > 0 else np.nan
    out["label"] = out["study_id"].map(_labels(studies))
    out["measure"] = measure
    out["outcome"] = outcome
    out["n"] = out["n"].astype("Int64")
    year = _by_id(studies, "year")
    out = out.assign(_y=out["study_id"].map(year)).sort_values(["_y", "label"])
    return out[cols].reset_index(drop=True)


def pooled_effect(effects: pd.DataFrame, *, method: str = "REML", ci: str = "z"):
    """Pool a :func:`forest_table` with :func:`b12explore.meta.pool`.

    Returns ``None`` when there are fewer than two studies (nothing to pool).

    Examples
    --------
    >>> pooled_effect(forest_table(_demo_results(), _demo_studies(), outcome="vas")) is None
    True
    """
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


def forest_outcomes(data, studies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Outcomes and measures for which a forest plot can be drawn.

    Returns
    -------
    DataFrame
        ``outcome, measure, studies`` with at least one computable effect, most
        studies first.

    Examples
    --------
    >>> forest_outcomes(_demo_results(), _demo_studies()).values.tolist()
    [['vas', 'MD', 1]]
    """
    if studies is None:
        data, studies = data.results, data.studies
    res = _in_studies(data, studies)
    codes = _codes(res["outcome"])
    rows = []
    for outcome in _order(codes, res["outcome"]):
        sub = res[(codes == outcome).to_numpy()]
        measures = ["MD"] if sub["mean"].notna().any() else []
        measures += ["RR"] if sub["events"].notna().any() else []
        measures += [m for m in _codes(sub["effect_measure"]).dropna().unique() if m != "SMD"]
        for measure in dict.fromkeys(measures):
            k = len(forest_table(sub, studies, outcome=outcome, measure=measure))
            if k:
                rows.append([outcome, measure, k])
    out = pd.DataFrame(rows, columns=["outcome", "measure", "studies"])
    return out.sort_values("studies", ascending=False, kind="stable").reset_index(drop=True)
