"""Certainty of evidence (GRADE) per comparison x outcome; summary of findings; claims.

The ``certainty`` table holds the domain judgements and their reasons; the level is
computed by :func:`b12explore.appraisal.grade_level` (the stored ``certainty`` is
checked against it). Participants, studies and the relative effect are computed
from the other tables, never typed.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from .. import appraisal
from ..schema import vocab_of
from ._common import _codes, _labels, participants
from .reviews import is_review, optional_table

__all__ = [
    "CERTAINTY_SYMBOLS",
    "certainty_by_study",
    "certainty_line",
    "certainty_table",
    "claims_certainty",
    "clinical_questions",
    "summary_of_findings",
    "summary_of_findings_styled",
]

#: GRADE symbols (filled / open circles) per certainty level.
CERTAINTY_SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very_low": "⊕◯◯◯"}
_DOMAIN_NAMES = {
    "risk_of_bias": "risk of bias",
    "inconsistency": "inconsistency",
    "indirectness": "indirectness",
    "imprecision": "imprecision",
    "publication_bias": "publication bias",
}


def _ids(text) -> list[str]:
    return [t.strip() for t in str(text).split(";") if t.strip()] if isinstance(text, str) else []


def _effects(evidence):
    """A function (comparison, outcome) -> relative effect, sharing one forest table per
    outcome and measure (computed once per call of :func:`certainty_table`)."""
    from .findings import RATIO_MEASURES, forest_outcomes, forest_table, pooled_effect

    options = forest_outcomes(evidence)
    tables: dict[tuple[str, str], pd.DataFrame] = {}

    def effect(comparison: str, outcome: str) -> dict:
        sub = options[(options["outcome"] == outcome) & (options["comparison"] == comparison)]
        for row in sub.itertuples():
            key = (outcome, row.measure)
            if key not in tables:
                tables[key] = forest_table(evidence, outcome=outcome, measure=row.measure)
            t = tables[key]
            t = t[(t["comparison"] == comparison).to_numpy()]
            studies = t[t["kind"] == "study"]
            if len(studies) >= 2:
                p = pooled_effect(studies)
                back = np.exp if row.measure in RATIO_MEASURES else float
                return {
                    "measure": row.measure,
                    "estimate": back(p.estimate),
                    "ci_low": back(p.ci_low),
                    "ci_high": back(p.ci_high),
                    "effect_source": f"pooled from {len(studies)} studies (REML)",
                }
            pick = studies if len(studies) else t
            if len(pick):
                r = pick.iloc[0]
                return {
                    "measure": row.measure,
                    "estimate": float(r["estimate"]),
                    "ci_low": float(r["ci_low"]),
                    "ci_high": float(r["ci_high"]),
                    "effect_source": "one study" if r["kind"] == "study" else r["label"],
                }
        return {
            "measure": None,
            "estimate": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "effect_source": "no estimate with a confidence interval reported",
        }

    return effect


def _fmt(v: float) -> str:
    return f"{v:.2f}"


def certainty_table(evidence, *, effects: bool = True) -> pd.DataFrame:
    """The GRADE table with computed level, participants, studies and effect.

    Parameters
    ----------
    evidence : Evidence
    effects : bool
        Compute the relative effects (forest tables and pooling; the slow part).
        ``False`` leaves ``measure``, ``estimate``, ``ci_low``, ``ci_high``,
        ``effect_source`` and ``relative_effect`` out, for views that need only
        the ratings.

    Returns
    -------
    DataFrame
        Every column of ``certainty.csv`` plus ``start`` (``high``/``low``),
        ``computed`` (level from the domains), ``studies`` (number of primary
        studies, or of reviews when the rating rests on a review's result),
        ``participants``, ``study_labels``, ``measure``, ``estimate``, ``ci_low``,
        ``ci_high``, ``relative_effect`` (text) and ``effect_source``. Rows whose
        studies are all filtered out of ``evidence`` are dropped.

    Examples
    --------
    >>> from b12explore import load
    >>> t = certainty_table(load())
    >>> bool((t["certainty"] == t["computed"]).all())
    True
    """
    raw = optional_table(evidence, "certainty")
    if raw.empty:
        return raw
    studies = evidence.studies
    labels = _labels(studies)
    n = pd.Series(participants(studies).to_numpy(), index=studies["study_id"].to_numpy())
    reviews = set(studies.loc[is_review(studies).to_numpy(), "study_id"])
    present = set(studies["study_id"])
    rows = []
    effect = _effects(evidence) if effects else None
    for rec in raw.to_dict("records"):
        ids = [i for i in _ids(rec["study_ids"]) if i in present]
        if not ids:
            continue
        out = dict(rec)
        for col in ("comparison", "outcome", "certainty", "basis"):
            out[col] = None if pd.isna(rec[col]) else str(rec[col])
        randomised = bool(rec["randomised"])
        downs = {d: int(str(rec[f"{d}_downgrade"])) for d in appraisal.GRADE_DOMAINS}
        out["start"] = "high" if randomised else "low"
        out["computed"] = appraisal.grade_level(randomised, downs, int(str(rec["upgrade"])))
        primary = [i for i in ids if i not in reviews]
        out["studies"] = len(primary) if primary else len(ids)
        total = n.reindex(ids).dropna()
        out["participants"] = int(total.sum()) if len(total) else pd.NA
        out["study_labels"] = "; ".join(labels.get(i, i) for i in ids)
        if effect is None:
            rows.append(out)
            continue
        eff = effect(out["comparison"], out["outcome"])
        out |= eff
        if eff["measure"] is not None:
            out["relative_effect"] = (
                f"{eff['measure']} {_fmt(eff['estimate'])} "
                f"({_fmt(eff['ci_low'])} to {_fmt(eff['ci_high'])})"
            )
        else:
            out["relative_effect"] = "not estimable"
        rows.append(out)
    return pd.DataFrame(rows)


def _downgrades(row) -> list[tuple[str, int, str]]:
    """(domain name, step, reason) of each GRADE domain that downgrades ``row``."""
    steps = ((d, name, int(str(row[f"{d}_downgrade"]))) for d, name in _DOMAIN_NAMES.items())
    return [(name, step, row[f"{d}_reason"]) for d, name, step in steps if step]


def _reasons(row) -> str:
    parts = [f"{name} {step:+d}: {reason}" for name, step, reason in _downgrades(row)]
    return " ".join(parts) if parts else "not downgraded"


def summary_of_findings(evidence) -> pd.DataFrame:
    """A Summary-of-findings table (text cells) for the notebook and slides.

    Returns
    -------
    DataFrame
        ``Comparison, Outcome, Studies (participants), Relative effect (95% CI),
        Certainty, Why, What this means``; one row per rated comparison x outcome.

    Examples
    --------
    >>> from b12explore import load
    >>> t = summary_of_findings(load())
    >>> t.loc[t["Outcome"] == "Responder", "Certainty"].tolist()
    ['⊕⊕◯◯ Low']
    """
    label = vocab_of(evidence).label
    cols = [
        "Comparison",
        "Outcome",
        "Studies (participants)",
        "Relative effect (95% CI)",
        "Certainty",
        "Why",
        "What this means",
    ]
    t = certainty_table(evidence)
    if t.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for r in t.to_dict("records"):
        size = "not reported" if pd.isna(r["participants"]) else f"{int(r['participants']):,}"
        level = r["computed"]
        rows.append(
            {
                "Comparison": label("comparison", r["comparison"]),
                "Outcome": label("outcome", r["outcome"]),
                "Studies (participants)": f"{r['studies']} ({size}): {r['study_labels']}",
                "Relative effect (95% CI)": f"{r['relative_effect']}; {r['effect_source']}",
                "Certainty": f"{CERTAINTY_SYMBOLS[level]} {label('certainty', level)}",
                "Why": _reasons(r),
                "What this means": r["statement"],
            }
        )
    return pd.DataFrame(rows, columns=cols)


def summary_of_findings_styled(evidence):
    """The summary of findings as a pandas ``Styler`` (every cell HTML-escaped).

    Examples
    --------
    >>> from b12explore import load
    >>> "<table" in summary_of_findings_styled(load()).to_html()
    True
    """
    table = summary_of_findings(evidence)
    safe = table.map(lambda v: html.escape(str(v)))
    safe.columns = [html.escape(c) for c in safe.columns]
    return (
        safe.style.hide(axis="index")
        .set_properties(**{"text-align": "left", "vertical-align": "top", "font-size": "11px"})
        .set_table_styles([{"selector": "th", "props": "text-align: left; background: #f4f4f4"}])
    )


def claims_certainty(evidence) -> pd.DataFrame:
    """The article's claims with the certainty of the evidence behind them.

    A claim is linked to every certainty row whose studies include the claim's
    ``study_id`` (a review claim links to rows resting on that review or on the
    studies it may include, see ``review_inclusions``).

    Returns
    -------
    DataFrame
        ``claim_id, claim, verdict, study_id, certainty_id, comparison, outcome,
        certainty`` (certainty missing when no rated evidence is behind the claim).

    Examples
    --------
    >>> from b12explore import load
    >>> t = claims_certainty(load())
    >>> "very_low" in set(t["certainty"].dropna())
    True
    """
    cols = ["claim_id", "claim", "verdict", "study_id", "certainty_id", "comparison"]
    cols += ["outcome", "certainty"]
    claims = evidence.claims
    cert = certainty_table(evidence)
    if claims is None or claims.empty:
        return pd.DataFrame(columns=cols)
    inc = optional_table(evidence, "review_inclusions")
    links = []
    if not cert.empty:
        for r in cert.itertuples():
            for sid in _ids(r.study_ids):
                links.append((sid, r.certainty_id, r.comparison, r.outcome, r.computed))
                if not inc.empty:
                    for rev in inc.loc[inc["study_id"] == sid, "review_id"]:
                        links.append((rev, r.certainty_id, r.comparison, r.outcome, r.computed))
    link = pd.DataFrame(
        links, columns=["study_id", "certainty_id", "comparison", "outcome", "certainty"]
    ).drop_duplicates()
    base = pd.DataFrame(
        {
            "claim_id": claims["claim_id"].to_numpy(),
            "claim": claims["claim"].to_numpy(),
            "verdict": _codes(claims["verdict"]).to_numpy(),
            "study_id": claims["study_id"].astype(object).to_numpy(),
        }
    )
    out = base.merge(link, on="study_id", how="left")
    return out[cols].reset_index(drop=True)


#: Clinician questions -> which studies answer them (predicate on the studies table).
_QUESTIONS = (
    (
        "Does B12 help low back pain?",
        lambda s: pd.Series(True, index=s.index),
        "All rated comparisons; see the comparison of each row.",
    ),
    (
        "Do B12 injections help?",
        lambda s: _codes(s["route"]) == "intramuscular",
        "Studies giving B12 by intramuscular injection.",
    ),
    (
        "Does oral B12 help?",
        lambda s: _codes(s["route"]) == "oral",
        "Oral studies only; B12 given with other B vitamins and an NSAID is not B12 alone.",
    ),
    (
        "Does B12 work alone, or only with NSAIDs?",
        lambda s: pd.Series(True, index=s.index),
        "Compare the B12 vs placebo rows with the rows where B12 was added to other treatment.",
    ),
    (
        "Does it help people without B12 deficiency?",
        lambda s: _codes(s["deficiency_required"]) == "no",
        "Studies that enrolled people without deficiency (or excluded deficiency).",
    ),
)


def clinical_questions(evidence) -> pd.DataFrame:
    """Each clinician question with the rated evidence that answers it.

    Returns
    -------
    DataFrame
        ``question, scope, comparison, outcome, certainty, statement, studies,
        answering`` (one row per question and certainty row; ``answering`` names the
        row's studies that fit the question; a question with no rated evidence has
        one row saying so, certainty missing).

    Examples
    --------
    >>> from b12explore import load
    >>> t = clinical_questions(load())
    >>> t["question"].nunique()
    5
    """
    cols = ["question", "scope", "comparison", "outcome", "certainty", "statement", "studies"]
    cols += ["answering"]
    cert = certainty_table(evidence)
    studies = evidence.studies
    rows = []
    for question, pick, scope in _QUESTIONS:
        ids = set(studies.loc[pick(studies).fillna(False).to_numpy(bool), "study_id"])
        hits = (
            []
            if cert.empty
            else [r for r in cert.to_dict("records") if ids & set(_ids(r["study_ids"]))]
        )
        labels = _labels(studies)
        for r in hits:
            fit = "; ".join(labels.get(i, i) for i in _ids(r["study_ids"]) if i in ids)
            rows.append(
                [
                    question,
                    scope,
                    r["comparison"],
                    r["outcome"],
                    r["computed"],
                    r["statement"],
                    r["study_labels"],
                    fit,
                ]
            )
        if not hits:
            none = "No rated evidence in these tables answers this question."
            rows.append([question, scope, None, None, None, none, "", ""])
    return pd.DataFrame(rows, columns=cols)


def certainty_by_study(evidence, *, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The certainty ratings each study contributes to, for a study-table column.

    Parameters
    ----------
    evidence : Evidence
    table : DataFrame, optional
        Its :func:`certainty_table` when already computed (e.g. cached by a view).

    Returns
    -------
    DataFrame
        ``study_id, certainty`` (the lowest computed level among the study's rows),
        ``ratings`` (text such as "very low: Pain VAS, ODI"); studies without a
        rating are absent.

    Examples
    --------
    >>> from b12explore import load
    >>> t = certainty_by_study(load()).set_index("study_id")
    >>> t.loc["dolor2009", "certainty"]
    'low'
    """
    vocab = vocab_of(evidence)
    label = vocab.label
    cols = ["study_id", "certainty", "ratings"]
    cert = certainty_table(evidence, effects=False) if table is None else table
    if cert.empty:
        return pd.DataFrame(columns=cols)
    order = list(reversed(vocab.codes("certainty", "certainty")))  # lowest first
    per: dict[str, list[tuple[str, str]]] = {}
    for r in cert.itertuples():
        for sid in _ids(r.study_ids):
            per.setdefault(sid, []).append((r.computed, label("outcome", r.outcome)))
    rows = []
    for sid, items in per.items():
        lowest = min((lvl for lvl, _ in items), key=order.index)
        text = "; ".join(
            f"{lvl.replace('_', ' ')}: {', '.join(o for level, o in items if level == lvl)}"
            for lvl in order
            if any(level == lvl for level, _ in items)
        )
        rows.append([sid, lowest, text])
    return pd.DataFrame(rows, columns=cols)


def certainty_line(
    evidence, *, comparison: str, outcome: str, table: pd.DataFrame | None = None
) -> str:
    """One line with the GRADE certainty of ``comparison`` x ``outcome``, for a chart.

    Parameters
    ----------
    evidence : Evidence
    comparison, outcome : str
        Codes, as in the ``certainty`` table.
    table : DataFrame, optional
        Its :func:`certainty_table` when already computed.

    Returns
    -------
    str
        The level and each downgrade (the reasons are in :func:`summary_of_findings`),
        or a sentence saying that the comparison and outcome have no rating.

    Examples
    --------
    >>> from b12explore import load
    >>> certainty_line(load(), comparison="bvit_nsaid_vs_nsaid", outcome="responder")
    'Certainty of the evidence (GRADE): low (risk of bias -1, imprecision -1).'
    >>> certainty_line(load(), comparison="route_vs_route", outcome="vas")
    'Certainty of the evidence (GRADE): not rated for this comparison and outcome.'
    """
    cert = certainty_table(evidence, effects=False) if table is None else table
    head = "Certainty of the evidence (GRADE): "
    if not cert.empty:
        cert = cert[(cert["comparison"] == comparison) & (cert["outcome"] == outcome)]
    if cert.empty:
        return head + "not rated for this comparison and outcome."
    row = cert.iloc[0]
    level = vocab_of(evidence).label("certainty", row["computed"]).lower()
    steps = [f"{name} {step:+d}" for name, step, _ in _downgrades(row)]
    return f"{head}{level}" + (f" ({', '.join(steps)})." if steps else ", not downgraded.")
