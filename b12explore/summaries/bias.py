"""Risk of bias by domain (RoB 2, ROBINS-I) and review confidence (AMSTAR 2).

Reads the ``rob2``, ``robins_i`` and ``amstar2`` tables; every overall judgement is
re-computed with :mod:`b12explore.appraisal` and compared with the stored one.
"""

from __future__ import annotations

import pandas as pd

from .. import appraisal
from ._common import _codes, _labels, participants
from .reviews import optional_table

__all__ = [
    "TOOLS",
    "overall_mismatches",
    "risk_of_bias_domains",
    "risk_of_bias_overall",
    "risk_of_bias_summary",
    "derived_risk_of_bias",
]

#: tool name -> (table, id column, domain column, judgement column, domains in order)
TOOLS = {
    "RoB 2": ("rob2", "study_id", "domain", "judgement", appraisal.ROB2_DOMAINS),
    "ROBINS-I": ("robins_i", "study_id", "domain", "judgement", appraisal.ROBINS_I_DOMAINS),
    "AMSTAR 2": ("amstar2", "review_id", "item", "answer", appraisal.AMSTAR2_ITEMS),
}


def _field_labels(evidence, table: str, field: str) -> dict:
    for res in (getattr(evidence, "descriptor", None) or {}).get("resources", []):
        if res.get("name") == table:
            for f in res["schema"]["fields"]:
                if f["name"] == field:
                    return dict(f.get("enumLabels", {}))
    return {}


def risk_of_bias_domains(evidence, tool: str = "RoB 2") -> pd.DataFrame:
    """One row per study and domain (overall rows included) of one tool.

    Parameters
    ----------
    evidence : Evidence
    tool : {"RoB 2", "ROBINS-I", "AMSTAR 2"}

    Returns
    -------
    DataFrame
        ``study_id, label, tool, domain, domain_label, judgement, support, basis,
        source_url, n`` - studies by year then label, domains in tool order,
        ``overall`` last; ``judgement`` of an AMSTAR 2 overall row is its rating.
        Only studies present in ``evidence.studies`` (so filters apply).

    Examples
    --------
    >>> from b12explore import load
    >>> t = risk_of_bias_domains(load(), "RoB 2")
    >>> t.loc[t["domain"] == "overall", "study_id"].tolist()
    ['mauro2000', 'dolor2009', 'chiu2011']
    """
    if tool not in TOOLS:
        raise ValueError(f"tool must be one of {sorted(TOOLS)}, got {tool!r}")
    name, id_col, dom_col, j_col, domains = TOOLS[tool]
    cols = ["study_id", "label", "tool", "domain", "domain_label", "judgement", "support"]
    cols += ["basis", "source_url", "n"]
    raw = optional_table(evidence, name)
    studies = evidence.studies
    if raw.empty:
        return pd.DataFrame(columns=cols)
    raw = raw[raw[id_col].isin(studies["study_id"]).to_numpy()]
    judgement = _codes(raw[j_col]).astype(object)
    if tool == "AMSTAR 2":
        judgement = judgement.where(judgement.notna(), _codes(raw["rating"]).astype(object))
    domain = _codes(raw[dom_col]).astype(object)
    names = _field_labels(evidence, name, dom_col)
    n = pd.Series(participants(studies).to_numpy(), index=studies["study_id"].to_numpy())
    year = pd.Series(studies["year"].to_numpy(), index=studies["study_id"].to_numpy())
    out = pd.DataFrame(
        {
            "study_id": raw[id_col].to_numpy(),
            "label": raw[id_col].map(_labels(studies)).to_numpy(),
            "tool": tool,
            "domain": domain.to_numpy(),
            "domain_label": [names.get(d, str(d)) for d in domain],
            "judgement": judgement.to_numpy(),
            "support": raw["support"].to_numpy(),
            "basis": _codes(raw["basis"]).to_numpy(),
            "source_url": raw["source_url"].to_numpy(),
            "n": raw[id_col].map(n).astype("Int64").to_numpy(),
        }
    )
    rank = {d: i for i, d in enumerate([*domains, "overall"])}
    out = out.assign(
        _y=out["study_id"].map(year).astype(float), _d=out["domain"].map(rank).fillna(99)
    )
    out = out.sort_values(["_y", "label", "_d"], kind="stable")
    return out[cols].reset_index(drop=True)


def _computed(tool: str, part: pd.DataFrame) -> str:
    rows = part[part["domain"] != "overall"]
    values = dict(zip(rows["domain"], rows["judgement"], strict=True))
    if tool == "RoB 2":
        return appraisal.rob2_overall(values)
    if tool == "ROBINS-I":
        return appraisal.robins_i_overall(values)
    return appraisal.amstar2_overall(values)


def risk_of_bias_overall(evidence) -> pd.DataFrame:
    """Overall judgement per appraised study, stored and re-computed.

    Returns
    -------
    DataFrame
        ``study_id, label, tool, stored, computed, basis`` (one row per study and
        tool; ``stored`` is missing when the table has no overall row).

    Examples
    --------
    >>> from b12explore import load
    >>> t = risk_of_bias_overall(load())
    >>> bool((t["stored"] == t["computed"]).all())
    True
    """
    rows = []
    for tool in TOOLS:
        t = risk_of_bias_domains(evidence, tool)
        for sid, part in t.groupby("study_id", sort=False):
            stored = part.loc[part["domain"] == "overall", "judgement"]
            rows.append(
                {
                    "study_id": sid,
                    "label": part["label"].iloc[0],
                    "tool": tool,
                    "stored": stored.iloc[0] if len(stored) else None,
                    "computed": _computed(tool, part),
                    "basis": part["basis"].iloc[0],
                }
            )
    return pd.DataFrame(rows, columns=["study_id", "label", "tool", "stored", "computed", "basis"])


def overall_mismatches(evidence) -> list[str]:
    """Sentences naming every stored overall judgement that differs from the rule.

    Examples
    --------
    >>> from b12explore import load
    >>> overall_mismatches(load())
    []
    """
    t = risk_of_bias_overall(evidence)
    bad = t[t["stored"] != t["computed"]]
    return [
        f"{r.tool} overall for {r.study_id}: stored {r.stored!r}, the rule gives {r.computed!r}"
        for r in bad.itertuples()
    ]


def risk_of_bias_summary(evidence, tool: str = "RoB 2", *, weighted: bool = True) -> pd.DataFrame:
    """Share of each judgement per domain (robvis summary-plot data).

    Parameters
    ----------
    evidence : Evidence
    tool : {"RoB 2", "ROBINS-I", "AMSTAR 2"}
    weighted : bool
        Weight studies by participants (a study without a size counts as 1 when
        no study has one, else as 0 and is named in ``unweighted``).

    Returns
    -------
    DataFrame
        ``domain, domain_label, judgement, share`` (percent, summing to 100 per
        domain), ``studies``, ``weight``.

    Examples
    --------
    >>> from b12explore import load
    >>> t = risk_of_bias_summary(load(), "ROBINS-I")
    >>> float(t.groupby("domain")["share"].sum().round(6).max())
    100.0
    """
    cols = ["domain", "domain_label", "judgement", "share", "studies", "weight"]
    t = risk_of_bias_domains(evidence, tool)
    if t.empty:
        return pd.DataFrame(columns=cols)
    w = t["n"].astype(float) if weighted else pd.Series(1.0, index=t.index)
    if weighted and not w.notna().any():
        w = pd.Series(1.0, index=t.index)
    t = t.assign(w=w.fillna(0.0))
    g = t.groupby(["domain", "domain_label", "judgement"], sort=False)
    out = g.agg(studies=("study_id", "nunique"), weight=("w", "sum")).reset_index()
    total = out.groupby("domain")["weight"].transform("sum")
    out["share"] = (100 * out["weight"] / total.where(total > 0)).fillna(0.0)
    return out[cols].reset_index(drop=True)


def derived_risk_of_bias(evidence) -> pd.DataFrame:
    """``studies.risk_of_bias`` as derived from the appraisal tables, beside the stored one.

    Each study gets its tool (:func:`b12explore.appraisal.appraisal_tool`), the tool
    table's overall judgement and the code that :func:`b12explore.appraisal.study_risk_of_bias`
    derives from it; a study without a tool carries the reason instead.

    Returns
    -------
    DataFrame
        ``study_id, label, design, tool, overall, derived, stored, reason`` in the
        order of ``evidence.studies``; ``derived != stored`` marks a hand-edited or
        stale ``studies.risk_of_bias``.

    Examples
    --------
    >>> from b12explore import load
    >>> t = derived_risk_of_bias(load())
    >>> bool((t["derived"] == t["stored"]).all())
    True
    >>> t.set_index("study_id").loc["mauro2000", ["tool", "overall", "derived"]].tolist()
    ['RoB 2', 'high', 'high']
    """
    studies = evidence.studies
    overall = risk_of_bias_overall(evidence)
    stored_overall = {(r.study_id, r.tool): r.stored for r in overall.itertuples()}
    comparison = (
        studies["comparison"] if "comparison" in studies else pd.Series(None, index=studies.index)
    )
    rows = []
    for sid, label, design, comp, rob in zip(
        studies["study_id"],
        studies["study_id"].map(_labels(studies)),
        _codes(studies["design"]),
        _codes(comparison),
        _codes(studies["risk_of_bias"]),
        strict=True,
    ):
        tool, reason = appraisal.appraisal_tool(design, None if pd.isna(comp) else comp)
        judged = stored_overall.get((sid, tool))
        if tool is not None and judged is None:
            reason = f"no {tool} appraisal in the tables"
        rows.append(
            {
                "study_id": sid,
                "label": label,
                "design": design,
                "tool": tool,
                "overall": judged,
                "derived": appraisal.study_risk_of_bias(tool, judged),
                "stored": None if pd.isna(rob) else str(rob),
                "reason": reason,
            }
        )
    cols = ["study_id", "label", "design", "tool", "overall", "derived", "stored", "reason"]
    return pd.DataFrame(rows, columns=cols)
