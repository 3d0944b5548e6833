"""Per-study effects behind :func:`b12explore.summaries.forest_table`: arm pairs at each
study's last time point, and reported estimates with their CIs, as ``yi``/``vi``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..meta._common import RATIO_MEASURES
from ._common import _codes

__all__: list[str] = []  # private helpers of summaries.findings


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


def _study_effects(res: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Primary studies' effects: from arm data, else from a reported estimate."""
    if res.empty:
        return pd.DataFrame()
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
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
