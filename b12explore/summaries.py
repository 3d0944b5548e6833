"""Summary tables that the charts draw and the notebooks show.

Every function is pure: it takes typed frames (as returned by
:func:`b12explore.load`) and returns a new DataFrame; the input is never changed.
Charts compute nothing themselves, so a chart and the table printed beside it
always agree.

Conventions
-----------
- *Primary studies* are human studies with participants: designs ``rct``,
  ``non_randomised`` and ``observational``. *Reviews* are ``systematic_review``,
  ``meta_analysis`` and ``narrative_review``. Animal studies count in the timeline,
  the risk-of-bias and the study tables but never as participants.
- *Participants* of a study are ``n_enrolled``, or ``n_analysed`` when enrolment
  is not reported.
- Category columns keep the schema's codes (``"intramuscular"``); charts turn them
  into readable labels with :func:`b12explore.style.pretty`.
- This module does not import matplotlib.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

PRIMARY_DESIGNS = ("rct", "non_randomised", "observational")
REVIEW_DESIGNS = ("systematic_review", "meta_analysis", "narrative_review")
RATIO_MEASURES = ("RR", "OR", "HR")
NOT_REPORTED = "not reported"

# Blinding as reported -> a judgement for the "blinding" traffic light. Pain and
# disability are self-reported, so an open (unblinded) comparison is at high risk
# of performance and detection bias (RoB 2, domains 2 and 4).
BLINDING_JUDGEMENT = {
    "double": "low",
    "single": "some_concerns",
    "open": "high",
    "not_reported": "not_assessed",
    "not_applicable": "not_applicable",
}


# ----------------------------------------------------------------------------- helpers
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


def primary_studies(studies: pd.DataFrame) -> pd.DataFrame:
    """The human primary studies (see module notes).

    Examples
    --------
    >>> df = pd.DataFrame({"design": ["rct", "meta_analysis", "animal"]})
    >>> primary_studies(df)["design"].tolist()
    ['rct']
    """
    return studies[_codes(studies["design"]).isin(PRIMARY_DESIGNS)]


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


def _predominant_by(frame: pd.DataFrame, keys: list, col: str, groups: pd.DataFrame) -> list:
    """The most frequent ``frame[col]`` per group, for each row of ``groups`` (its ``keys``).

    A tie between different values is ``mixed``; a group with no value is ``inconclusive``.
    """
    counts = frame.groupby([*keys, col], sort=False).size().rename("count").reset_index()
    top = counts.groupby(keys, sort=False)["count"].transform("max")
    best = counts[counts["count"] == top]
    ties = best.groupby(keys, sort=False)[col].transform("size")
    best = best.assign(**{col: best[col].where(ties == 1, "mixed")}).drop_duplicates(keys)
    found = groups[keys].merge(best[[*keys, col]], on=keys, how="left")[col]
    return ["inconclusive" if pd.isna(v) else str(v) for v in found]


# ----------------------------------------------------------------------------- sizes
def sample_sizes(
    studies: pd.DataFrame, *, by: str = "route", measure: str = "enrolled"
) -> pd.DataFrame:
    """Primary studies ranked by participants.

    Parameters
    ----------
    studies : DataFrame
        The studies table.
    by : {"route", "design", "b12_form"}
        Column copied into ``group`` (what the chart colours by).
    measure : {"enrolled", "analysed"}
        What to rank by; a study missing that number is ranked by the other one.

    Returns
    -------
    DataFrame
        ``study_id, label, year, design, route, b12_form, group, n_enrolled,
        n_analysed, n`` — one row per primary study, largest ``n`` first; studies
        with no sample size at all come last with ``n`` missing.

    Examples
    --------
    >>> from b12explore.io import _typed
    >>> studies = _demo_studies()
    >>> sample_sizes(studies)[["label", "n"]].values.tolist()
    [['B 2011', 60], ['A 2000', 40]]
    """
    if measure not in ("enrolled", "analysed"):
        raise ValueError(f"measure must be 'enrolled' or 'analysed', got {measure!r}")
    if by not in ("route", "design", "b12_form"):
        raise ValueError(f"by must be 'route', 'design' or 'b12_form', got {by!r}")
    prim = primary_studies(studies)
    first, other = ("n_enrolled", "n_analysed")[:: 1 if measure == "enrolled" else -1]
    out = pd.DataFrame(
        {
            "study_id": prim["study_id"],
            "label": pd.Series(_labels(prim)).reindex(prim["study_id"]).to_numpy(),
            "year": prim["year"].astype("Int64"),
            "design": _codes(prim["design"]),
            "route": _codes(prim["route"]),
            "b12_form": _codes(prim["b12_form"]),
            "group": _codes(prim[by]),
            "n_enrolled": prim["n_enrolled"].astype("Int64"),
            "n_analysed": prim["n_analysed"].astype("Int64"),
            "n": prim[first].astype("Int64").fillna(prim[other].astype("Int64")),
        }
    )
    out = out.sort_values(["n", "label"], ascending=[False, True], na_position="last")
    return out.reset_index(drop=True)


def totals_by(studies: pd.DataFrame, by: str = "route") -> pd.DataFrame:
    """Number of primary studies and participants per group.

    Returns
    -------
    DataFrame
        ``group, studies, n_enrolled, n_analysed, participants, size_not_reported``
        in schema order of ``by``; sums skip missing numbers, and
        ``size_not_reported`` counts the studies that report no size at all.

    Examples
    --------
    >>> totals_by(_demo_studies(), "route")[["group", "studies", "participants"]].values.tolist()
    [['intramuscular', 1, 60], ['oral', 1, 40]]
    """
    prim = primary_studies(studies)
    n = participants(prim)
    frame = pd.DataFrame(
        {
            "group": _codes(prim[by]).to_numpy(),
            "n_enrolled": prim["n_enrolled"].astype("Int64").to_numpy(),
            "n_analysed": prim["n_analysed"].astype("Int64").to_numpy(),
            "participants": n.to_numpy(),
            "missing": n.isna().to_numpy(),
        }
    )
    rows = []
    for group in _order(frame["group"], prim[by]):
        part = frame[frame["group"] == group]
        rows.append(
            {
                "group": group,
                "studies": len(part),
                "n_enrolled": int(part["n_enrolled"].sum()),
                "n_analysed": int(part["n_analysed"].sum()),
                "participants": int(part["participants"].sum()),
                "size_not_reported": int(part["missing"].sum()),
            }
        )
    cols = ["group", "studies", "n_enrolled", "n_analysed", "participants", "size_not_reported"]
    return pd.DataFrame(rows, columns=cols)


def review_sizes(studies: pd.DataFrame) -> pd.DataFrame:
    """Reviews with their number of included studies and patients.

    Returns
    -------
    DataFrame
        ``study_id, label, year, design, n_studies, n_patients`` sorted by
        included studies (largest first; missing last).

    Examples
    --------
    >>> review_sizes(_demo_studies())[["label", "n_studies"]].values.tolist()
    [['R 2020', 5]]
    """
    rev = review_studies(studies)
    out = pd.DataFrame(
        {
            "study_id": rev["study_id"],
            "label": pd.Series(_labels(rev)).reindex(rev["study_id"]).to_numpy(),
            "year": rev["year"].astype("Int64"),
            "design": _codes(rev["design"]),
            "n_studies": rev["n_studies"].astype("Int64"),
            "n_patients": rev["n_enrolled"].astype("Int64"),
        }
    )
    out = out.sort_values(["n_studies", "label"], ascending=[False, True], na_position="last")
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------------- routes
def route_form_counts(studies: pd.DataFrame) -> pd.DataFrame:
    """Primary studies and participants by route and B12 form.

    Returns
    -------
    DataFrame
        ``route, b12_form, studies, participants`` for the combinations present,
        in schema order.

    Examples
    --------
    >>> route_form_counts(_demo_studies()).values.tolist()
    [['intramuscular', 'methylcobalamin', 1, 60], ['oral', 'cyanocobalamin', 1, 40]]
    """
    prim = primary_studies(studies)
    frame = pd.DataFrame(
        {
            "route": _codes(prim["route"]).to_numpy(),
            "b12_form": _codes(prim["b12_form"]).to_numpy(),
            "n": participants(prim).to_numpy(),
        }
    )
    rows = []
    for route in _order(frame["route"], prim["route"]):
        for form in _order(frame["b12_form"], prim["b12_form"]):
            part = frame[(frame["route"] == route) & (frame["b12_form"] == form)]
            if len(part):
                rows.append([route, form, len(part), int(part["n"].sum())])
    return pd.DataFrame(rows, columns=["route", "b12_form", "studies", "participants"])


def delivery_features(delivery_routes: pd.DataFrame) -> pd.DataFrame:
    """The route x feature comparison, one row per cell, in schema order.

    Returns
    -------
    DataFrame
        ``feature, route, score, description, source_url`` sorted by feature then
        route (``source_url`` is missing when the input has no such column).

    Examples
    --------
    >>> df = pd.DataFrame({"route": ["oral"], "feature": ["cost"], "score": [3],
    ...                    "description": ["cheap"], "source_url": ["https://example.org"]})
    >>> delivery_features(df).values.tolist()
    [['cost', 'oral', 3, 'cheap', 'https://example.org']]
    """
    urls = delivery_routes.get("source_url", pd.Series(np.nan, index=delivery_routes.index))
    out = pd.DataFrame(
        {
            "feature": _codes(delivery_routes["feature"]),
            "route": _codes(delivery_routes["route"]),
            "score": delivery_routes["score"].astype("Int64"),
            "description": delivery_routes["description"],
            "source_url": urls,
        }
    )
    frank = {f: i for i, f in enumerate(_order(out["feature"], delivery_routes["feature"]))}
    rrank = {r: i for i, r in enumerate(_order(out["route"], delivery_routes["route"]))}
    key = out["feature"].map(frank) * 100 + out["route"].map(rrank)
    return out.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)


# ----------------------------------------------------------------------------- findings
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
    from .meta import from_ci

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
    from . import meta

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
    from . import meta

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


# ----------------------------------------------------------------------------- overview
def _study_outcomes(studies: pd.DataFrame, results: pd.DataFrame | None) -> pd.DataFrame:
    """One row per (study, outcome) from ``studies.outcomes`` and the results table."""
    listed = pd.DataFrame(
        {
            "study_id": studies["study_id"].to_numpy(),
            "outcome": studies["outcomes"].astype(object).where(studies["outcomes"].notna(), ""),
        }
    )
    listed["outcome"] = listed["outcome"].str.split(";")
    listed = listed.explode("outcome")
    listed["outcome"] = listed["outcome"].str.strip()
    parts = [listed[listed["outcome"].notna() & (listed["outcome"] != "")]]
    if results is not None and len(results):
        res = _in_studies(results, studies)
        parts.append(
            pd.DataFrame(
                {"study_id": res["study_id"].to_numpy(), "outcome": _codes(res["outcome"])}
            )
        )
    pairs = pd.concat(parts, ignore_index=True).drop_duplicates()
    return pairs.reset_index(drop=True)


def evidence_map_table(studies: pd.DataFrame, results: pd.DataFrame | None = None) -> pd.DataFrame:
    """Route x outcome cells: primary studies, participants and predominant finding.

    A study's finding for an outcome is the direction reported in ``results`` for
    that outcome when there is one, else the study's overall ``finding``. The
    predominant finding of a cell is the most frequent one (a tie is ``mixed``).

    Returns
    -------
    DataFrame
        ``route, outcome, studies, participants, finding, labels`` (labels joined
        with ``"; "``), routes and outcomes in schema order.

    Examples
    --------
    >>> t = evidence_map_table(_demo_studies(), _demo_results())
    >>> t[["route", "outcome", "studies", "finding"]].values.tolist()
    [['intramuscular', 'vas', 1, 'benefit'], ['oral', 'vas', 1, 'no_difference']]
    """
    cols = ["route", "outcome", "studies", "participants", "finding", "labels"]
    prim = primary_studies(studies)
    pairs = _study_outcomes(prim, results)
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    n = pd.Series(participants(prim).to_numpy(), index=prim["study_id"])
    labels = _labels(prim)
    pairs["route"] = pairs["study_id"].map(_by_id(prim, "route"))
    pairs["finding"] = pairs["study_id"].map(_by_id(prim, "finding"))
    if results is not None and len(results):
        dt = direction_table(prim, results)[["study_id", "outcome", "direction"]]
        pairs = pairs.merge(dt, on=["study_id", "outcome"], how="left")
        pairs["finding"] = pairs["direction"].fillna(pairs["finding"])
    out_order = _order(pairs["outcome"], results["outcome"] if results is not None else None)
    pairs["n"] = pairs["study_id"].map(n)
    pairs["label"] = pairs["study_id"].map(labels)
    g = pairs.groupby(["route", "outcome"], sort=False)
    out = g.agg(
        studies=("study_id", "nunique"),
        participants=("n", "sum"),
        labels=("label", "; ".join),
    ).reset_index()
    out["finding"] = _predominant_by(pairs, ["route", "outcome"], "finding", out)
    out["participants"] = out["participants"].astype(int)
    rrank = {r: i for i, r in enumerate(_order(pairs["route"], prim["route"]))}
    orank = {o: i for i, o in enumerate(out_order)}
    out = out.assign(_r=out["route"].map(rrank), _o=out["outcome"].map(orank))
    out = out.sort_values(["_r", "_o"]).drop(columns=["_r", "_o"])
    return out[cols].reset_index(drop=True)


def timeline_table(studies: pd.DataFrame) -> pd.DataFrame:
    """Number of studies per publication year and design.

    Returns
    -------
    DataFrame
        ``year, design, studies, labels`` for the (year, design) pairs present,
        by year then schema order of design.

    Examples
    --------
    >>> timeline_table(_demo_studies())[["year", "design", "studies"]].values.tolist()
    [[2000, 'rct', 1], [2011, 'rct', 1], [2020, 'meta_analysis', 1]]
    """
    cols = ["year", "design", "studies", "labels"]
    if studies.empty:
        return pd.DataFrame(columns=cols)
    flat = pd.DataFrame(
        {
            "year": studies["year"].astype("Int64").to_numpy(),
            "design": _codes(studies["design"]).to_numpy(),
            "label": studies["study_id"].map(_labels(studies)).to_numpy(),
        }
    ).dropna(subset=["year", "design"])
    out = (
        flat.groupby(["year", "design"], sort=False)
        .agg(studies=("label", "size"), labels=("label", "; ".join))
        .reset_index()
    )
    rank = {d: i for i, d in enumerate(_order(flat["design"], studies["design"]))}
    out = out.assign(_d=out["design"].map(rank)).sort_values(["year", "_d"])
    out["year"] = out["year"].astype(int)
    return out[cols].reset_index(drop=True)


def risk_of_bias_table(studies: pd.DataFrame) -> pd.DataFrame:
    """Risk of bias per study: blinding as a domain and our overall judgement.

    The data hold one overall ``risk_of_bias`` per study. The blinding domain is
    derived from ``blinding`` as reported (see ``BLINDING_JUDGEMENT``: double ->
    low, single -> some concerns, open -> high, not reported -> not assessed).

    Returns
    -------
    DataFrame
        ``study_id, label, design, blinding, blinding_judgement, risk_of_bias``
        by year then label.

    Examples
    --------
    >>> risk_of_bias_table(_demo_studies())[["label", "blinding_judgement"]].values.tolist()
    [['A 2000', 'high'], ['B 2011', 'low'], ['R 2020', 'not_applicable']]
    """
    blinding = _codes(studies["blinding"])
    out = pd.DataFrame(
        {
            "study_id": studies["study_id"],
            "label": studies["study_id"].map(_labels(studies)),
            "design": _codes(studies["design"]),
            "blinding": blinding,
            "blinding_judgement": blinding.map(BLINDING_JUDGEMENT).fillna("not_assessed"),
            "risk_of_bias": _codes(studies["risk_of_bias"]).fillna("not_assessed"),
            "_y": studies["year"],
        }
    )
    return out.sort_values(["_y", "label"]).drop(columns="_y").reset_index(drop=True)


def study_table(studies: pd.DataFrame) -> pd.DataFrame:
    """A researcher-facing table of studies: readable labels, "not reported" for gaps.

    Returns
    -------
    DataFrame
        Columns ``Study, Year, Design, Route, B12 form, Dose (mcg), Enrolled,
        Analysed, Finding, Risk of bias, DOI``, all text, ordered by year.

    Examples
    --------
    >>> study_table(_demo_studies()).loc[0, "Dose (mcg)"]
    'not reported'
    """
    from .style import pretty

    def text(col: pd.Series, fmt=str) -> list[str]:
        # fmt once per distinct value; factorize codes missing values as -1
        codes, uniques = pd.factorize(col)
        shown = np.array([*(fmt(v) for v in uniques.tolist()), NOT_REPORTED], dtype=object)
        return shown[codes].tolist()

    def cat(col: pd.Series) -> list[str]:
        return text(col, pretty)

    def num(v) -> str:
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,g}"

    ordered = studies.iloc[np.argsort(studies["year"].to_numpy(dtype=float), kind="stable")]
    out = pd.DataFrame(
        {
            "Study": text(ordered["study_id"].map(_labels(ordered))),
            "Year": text(ordered["year"]),
            "Design": cat(ordered["design"]),
            "Route": cat(ordered["route"]),
            "B12 form": cat(ordered["b12_form"]),
            "Dose (mcg)": text(ordered["dose_mcg"], num),
            "Enrolled": text(ordered["n_enrolled"], num),
            "Analysed": text(ordered["n_analysed"], num),
            "Finding": cat(ordered["finding"]),
            "Risk of bias": cat(ordered["risk_of_bias"]),
            "DOI": text(ordered["doi"]),
        }
    )
    return out.reset_index(drop=True)


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


# ----------------------------------------------------------------------------- doc demo
def _schema_fields(table: str) -> list[dict]:  # pragma: no cover - docstring examples
    import json

    from .io import default_data_dir

    descriptor = json.loads((default_data_dir() / "datapackage.json").read_text("utf-8"))
    return next(r for r in descriptor["resources"] if r["name"] == table)["schema"]["fields"]


def _demo(table: str, columns: dict) -> pd.DataFrame:  # pragma: no cover
    from .io import _typed

    fields = _schema_fields(table)
    rows = len(next(iter(columns.values())))
    raw = pd.DataFrame({f["name"]: columns.get(f["name"], [""] * rows) for f in fields})
    return _typed(raw, fields)


def _demo_studies() -> pd.DataFrame:  # pragma: no cover - used by the docstring examples
    return _demo(
        "studies",
        {
            "study_id": ["a2000", "b2011", "r2020"],
            "label": ["A 2000", "B 2011", "R 2020"],
            "year": ["2000", "2011", "2020"],
            "design": ["rct", "rct", "meta_analysis"],
            "blinding": ["open", "double", "not_applicable"],
            "route": ["oral", "intramuscular", "mixed"],
            "b12_form": ["cyanocobalamin", "methylcobalamin", "mixed"],
            "n_enrolled": ["40", "60", "300"],
            "n_analysed": ["38", "", ""],
            "n_studies": ["", "", "5"],
            "finding": ["no_difference", "benefit", "benefit"],
            "risk_of_bias": ["high", "some_concerns", "low"],
            "outcomes": ["vas", "vas", ""],
        },
    )


def _demo_results() -> pd.DataFrame:  # pragma: no cover - used by the docstring examples
    return _demo(
        "results",
        {
            "result_id": ["a_cmp", "b_int", "b_ctl", "b_cmp"],
            "study_id": ["a2000", "b2011", "b2011", "b2011"],
            "outcome": ["vas", "vas", "vas", "vas"],
            "lower_is_better": ["true"] * 4,
            "timepoint_weeks": ["6", "6", "6", "6"],
            "timepoint": ["week 6"] * 4,
            "arm_role": ["comparison", "intervention", "control", "comparison"],
            "n": ["", "30", "30", ""],
            "mean": ["", "3", "5", ""],
            "sd": ["", "2", "2", ""],
            "p_value": ["", "", "", "0.01"],
            "p_operator": ["", "", "", "="],
            "direction": ["no_difference", "", "", "benefit"],
        },
    )
