"""Overview tables: evidence map, timeline, risk of bias and the study table."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._common import (
    NOT_REPORTED,
    _by_id,
    _codes,
    _in_studies,
    _labels,
    _order,
    participants,
    primary_studies,
    total,
)
from .findings import _direction_table

if TYPE_CHECKING:  # pragma: no cover
    from ..schema import Vocabulary

__all__ = [
    "BLINDING_JUDGEMENT",
    "NO_RESULT",
    "enrolled_text",
    "evidence_map_table",
    "risk_of_bias_table",
    "study_table",
    "timeline_table",
]

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


def _study_outcomes(studies: pd.DataFrame, results: pd.DataFrame | None) -> pd.DataFrame:
    """One row per (study, outcome) from ``studies.outcomes`` and the results table."""
    # the lists repeat ("vas; odi"): split the distinct ones, then join them back by code
    codes, uniques = pd.factorize(studies["outcomes"].astype(object))
    lists = pd.Series([str(u).split(";") for u in uniques], dtype=object)
    split = pd.DataFrame({"code": range(len(uniques)), "outcome": lists}).explode("outcome")
    split["outcome"] = split["outcome"].astype(object).str.strip()
    split = split[split["outcome"].notna() & (split["outcome"] != "")]
    by_study = pd.DataFrame({"study_id": studies["study_id"].to_numpy(), "code": codes})
    listed = by_study.merge(split, on="code", how="inner")  # keeps the studies' order
    parts = [listed[["study_id", "outcome"]]]
    if results is not None and len(results):
        res = _in_studies(results, studies)
        parts.append(
            pd.DataFrame(
                {"study_id": res["study_id"].to_numpy(), "outcome": _codes(res["outcome"])}
            )
        )
    pairs = pd.concat(parts, ignore_index=True).drop_duplicates()
    return pairs.reset_index(drop=True)


#: Finding of a (study, outcome) pair that the study lists but for which no result
#: row was extracted: shown as absence, never as a finding.
NO_RESULT = "no_result"


def evidence_map_table(
    studies: pd.DataFrame,
    results: pd.DataFrame | None = None,
    *,
    comparison: str | None = None,
) -> pd.DataFrame:
    """Route x outcome cells: primary studies, participants and predominant finding.

    A study's finding for an outcome comes only from the ``direction`` of its result
    rows for that outcome. A study that lists the outcome (``studies.outcomes``)
    without such a row counts as :data:`NO_RESULT` ("reported, no result
    extracted"); its overall ``finding`` is never used. A cell's finding is the most
    frequent finding among studies with a result (a tie is ``mixed``), or
    ``no_result`` when none of its studies has one.

    Parameters
    ----------
    studies, results : DataFrame
    comparison : str, optional
        Keep only studies and results of this comparison code.

    Returns
    -------
    DataFrame
        ``route, outcome, studies, with_result, no_result, participants, finding,
        labels`` (labels joined with ``"; "``), routes and outcomes in schema order.

    Examples
    --------
    >>> t = evidence_map_table(_demo_studies(), _demo_results())
    >>> t[["route", "outcome", "studies", "finding"]].values.tolist()
    [['intramuscular', 'vas', 1, 'benefit'], ['oral', 'vas', 1, 'no_difference']]
    >>> evidence_map_table(_demo_studies())["finding"].tolist()
    ['no_result', 'no_result']
    """
    from .comparisons import result_comparisons, study_comparisons

    cols = ["route", "outcome", "studies", "with_result", "no_result", "participants"]
    cols += ["finding", "labels"]
    prim = primary_studies(studies)
    if comparison is not None:
        sc = study_comparisons(prim)
        prim = prim[(sc["comparison"] == comparison).to_numpy()]
        if results is not None and len(results):
            results = results[(result_comparisons(results, studies) == comparison).to_numpy()]
    pairs = _study_outcomes(prim, results)
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    n = pd.Series(participants(prim).to_numpy(), index=prim["study_id"])
    labels = _labels(prim)
    pairs["route"] = pairs["study_id"].map(_by_id(prim, "route"))
    pairs["finding"] = NO_RESULT
    if results is not None and len(results):
        dt = _direction_table(prim, results)[["study_id", "outcome", "direction"]]
        pairs = pairs.merge(dt, on=["study_id", "outcome"], how="left")
        pairs["finding"] = pairs["direction"].fillna(NO_RESULT)
    out_order = _order(pairs["outcome"], results["outcome"] if results is not None else None)
    pairs["n"] = pairs["study_id"].map(n)
    pairs["label"] = pairs["study_id"].map(labels).astype(object)  # joined fast as str
    pairs["has"] = pairs["finding"] != NO_RESULT
    g = pairs.groupby(["route", "outcome"], sort=False)
    out = g.agg(
        studies=("study_id", "nunique"),
        with_result=("has", "sum"),
        participants=("n", total),
        labels=("label", "; ".join),
    ).reset_index()
    out["no_result"] = out["studies"] - out["with_result"]
    found = _predominant_by(pairs[pairs["has"]], ["route", "outcome"], "finding", out)
    out["finding"] = [
        NO_RESULT if f == "inconclusive" and k == 0 else f
        for f, k in zip(found, out["with_result"], strict=True)
    ]
    out["with_result"] = out["with_result"].astype(int)
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


def study_table(
    studies: pd.DataFrame,
    *,
    vocab: Vocabulary | None = None,
    sort: bool = True,
    certainty: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A researcher-facing table of studies: readable labels, "not reported" for gaps.

    Codes read as their descriptor labels (``vocab``). A review's "Enrolled" cell
    never holds its pooled total: it reads "review of k studies" (see
    :func:`enrolled_text`).

    Parameters
    ----------
    studies : DataFrame
        Rows of the studies table.
    vocab : Vocabulary, optional
        Labels of the codes (``evidence.vocab``; the shipped data's when omitted).
    sort : bool
        Order by year (default); ``False`` keeps the rows' order (e.g. a sorted page).
    certainty : DataFrame, optional
        :func:`~b12explore.summaries.certainty_by_study` of the evidence: adds a
        ``Certainty`` column (the GRADE ratings each study contributes to; "not rated"
        for a study behind no rating).

    Returns
    -------
    DataFrame
        Columns ``Study, Year, Design, Route, B12 form, Dose (mcg), Enrolled,
        Analysed, Finding, Risk of bias, DOI`` (and ``Certainty`` before ``DOI`` when
        ``certainty`` is given), all text.

    Examples
    --------
    >>> study_table(_demo_studies()).loc[0, "Dose (mcg)"]
    'not reported'
    >>> study_table(_demo_studies()).loc[0, "Design"]
    'RCT'
    """
    if vocab is None:
        from ..schema import shipped_vocabulary

        vocab = shipped_vocabulary()

    def text(col: pd.Series, fmt=str) -> list[str]:
        # fmt once per distinct value; factorize codes missing values as -1
        codes, uniques = pd.factorize(col)
        shown = np.array([*(fmt(v) for v in uniques.tolist()), NOT_REPORTED], dtype=object)
        return shown[codes].tolist()

    def cat(field: str) -> list[str]:
        return text(ordered[field], lambda code: vocab.label(field, code))

    def num(v) -> str:
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,g}"

    ordered = studies
    if sort:
        ordered = studies.iloc[np.argsort(studies["year"].to_numpy(dtype=float), kind="stable")]
    out = pd.DataFrame(
        {
            "Study": text(ordered["study_id"].map(_labels(ordered))),
            "Year": text(ordered["year"]),
            "Design": cat("design"),
            "Route": cat("route"),
            "B12 form": cat("b12_form"),
            "Dose (mcg)": text(ordered["dose_mcg"], num),
            "Enrolled": _enrolled(ordered, text(ordered["n_enrolled"], num)),
            "Analysed": text(ordered["n_analysed"], num),
            "Finding": cat("finding"),
            "Risk of bias": cat("risk_of_bias"),
            "DOI": text(ordered["doi"]),
        }
    )
    if certainty is not None:
        ratings = dict(zip(certainty["study_id"], certainty["ratings"], strict=True))
        shown = [ratings.get(sid, "not rated") for sid in ordered["study_id"].astype(object)]
        out.insert(len(out.columns) - 1, "Certainty", shown)
    return out.reset_index(drop=True)


def _enrolled(studies: pd.DataFrame, shown: list[str]) -> list[str]:
    """``shown`` with review rows replaced by "review of k studies"."""
    from .reviews import is_review

    review = is_review(studies).to_numpy()
    k = studies["n_studies"] if "n_studies" in studies else pd.Series(None, index=studies.index)
    out = []
    for text, rev, n in zip(shown, review, k, strict=True):
        if not rev:
            out.append(text)
        elif pd.isna(n):
            out.append("review")
        else:
            out.append(f"review of {int(n):,} {'study' if int(n) == 1 else 'studies'}")
    return out


def enrolled_text(studies: pd.DataFrame) -> list[str]:
    """The "Enrolled" column of a study list: participants of primary studies, and
    "review of k studies" (never a pooled total) for reviews.

    Examples
    --------
    >>> enrolled_text(_demo_studies())
    ['40', '60', 'review of 5 studies']
    """
    n = studies["n_enrolled"].astype("Int64")
    shown = [NOT_REPORTED if pd.isna(v) else f"{int(v):,}" for v in n]
    return _enrolled(studies, shown)
