"""The study detail view: one study's summary, treatment, results and sources as HTML.

Every value from the CSV files is escaped with :func:`html.escape`; links are made only
for ``http(s)`` URLs (and for a DOI or a PubMed id, whose URLs are built here), open in a
new tab with ``rel="noopener noreferrer"`` and are visibly styled (``b12-link``:
coloured and underlined, since JupyterLab's own CSS makes links look like text).
"""

from __future__ import annotations

import html
import math
import re
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import summaries

if TYPE_CHECKING:  # pragma: no cover
    from ..io import Evidence

__all__ = ["DETAIL_CSS", "source_links", "study_detail_html"]

_URL = re.compile(r"https?://[^\s<>\"'`\x00-\x1f\x7f]+", re.IGNORECASE)
_DOI = re.compile(r"10\.\d{4,9}/[^\s<>\"'`]+")

DETAIL_CSS = (
    "<style>"
    ".b12-detail{font-size:13px;line-height:1.45;max-width:60em}"
    ".b12-detail h3{margin:0.2em 0 0.4em 0;font-size:15px}"
    ".b12-detail dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}"
    ".b12-detail dt{font-weight:600;color:#444}.b12-detail dd{margin:0}"
    ".b12-detail ul{margin:0.2em 0 0.6em 1.2em;padding:0}"
    "a.b12-link,.b12-table a{color:#0b57d0;text-decoration:underline;cursor:pointer}"
    "a.b12-link:visited,.b12-table a:visited{color:#6a1b9a}"
    "</style>"
)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _text(value: Any, fmt=str) -> str:
    return summaries.NOT_REPORTED if _missing(value) or value == "" else fmt(value)


def _link(url: str, text: str | None = None) -> str:
    esc = html.escape
    return (
        f'<a class="b12-link" href="{esc(url, quote=True)}" target="_blank" '
        f'rel="noopener noreferrer">{esc(text or url)}</a>'
    )


def source_links(row: Any) -> list[str]:
    """HTML links to a study's sources: each ``http(s)`` URL, its DOI and PubMed record.

    Anything that is not an ``http(s)`` URL (``javascript:``, ``data:``) gives no link.

    Examples
    --------
    >>> row = {"source_url": "https://e.org/a | javascript:alert(1)", "doi": "10.1000/x",
    ...        "pmid": 123}
    >>> [l.split('href="')[1].split('"')[0] for l in source_links(row)]
    ['https://e.org/a', 'https://doi.org/10.1000/x', 'https://pubmed.ncbi.nlm.nih.gov/123/']
    """
    links = []
    urls = row.get("source_url")
    for part in str(urls).split("|") if not _missing(urls) else []:
        url = part.strip()
        if _URL.fullmatch(url):
            links.append(_link(url))
    doi = row.get("doi")
    if not _missing(doi) and _DOI.fullmatch(str(doi).strip()):
        links.append(_link(f"https://doi.org/{str(doi).strip()}", f"DOI {str(doi).strip()}"))
    pmid = row.get("pmid")
    if not _missing(pmid) and str(pmid).strip().removesuffix(".0").isdigit():
        number = str(pmid).strip().removesuffix(".0")
        links.append(_link(f"https://pubmed.ncbi.nlm.nih.gov/{number}/", f"PubMed {number}"))
    return links


def _number(value: Any) -> str:
    number = float(value)
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.3g}"


def _result_text(row: Any, label) -> str:
    """One results row in words: outcome, time, arm, the numbers it gives.

    ``label(field, code)`` reads codes (``evidence.vocab.label``).
    """
    parts = [_text(row.get("outcome_label")) if not _missing(row.get("outcome_label")) else ""]
    parts[0] = parts[0] or label("outcome", row.get("outcome"))
    when = row.get("timepoint")
    if not _missing(when):
        parts.append(f"at {when}")
    arm = row.get("arm_label")
    if not _missing(arm):
        parts.append(f"({label('arm_role', row.get('arm_role'))}: {arm})")
    numbers = []
    if not _missing(row.get("mean")):
        sd = row.get("sd")
        numbers.append(
            f"mean {_number(row['mean'])}" + ("" if _missing(sd) else f" (SD {_number(sd)})")
        )
    if not _missing(row.get("events")) and not _missing(row.get("total")):
        numbers.append(f"{_number(row['events'])} of {_number(row['total'])}")
    if not _missing(row.get("n")):
        numbers.append(f"n = {_number(row['n'])}")
    if not _missing(row.get("estimate")):
        est = f"{_text(row.get('effect_measure'))} {_number(row['estimate'])}"
        if not _missing(row.get("ci_low")) and not _missing(row.get("ci_high")):
            est += f" (95% CI {_number(row['ci_low'])} to {_number(row['ci_high'])})"
        numbers.append(est)
    if not _missing(row.get("p_value")):
        op = row.get("p_operator")
        numbers.append(f"p {'=' if _missing(op) else op} {_number(row['p_value'])}")
    if not _missing(row.get("direction")):
        numbers.append(label("direction", row["direction"]))
    text = " ".join(p for p in parts if p)
    return text + (": " + "; ".join(numbers) if numbers else ": no numbers reported")


def study_detail_html(evidence: Evidence, study_id: str | None) -> str:
    """The detail of one study as HTML (every CSV value escaped).

    Parameters
    ----------
    evidence : Evidence
        The evidence holding the study (its ``studies`` and ``results`` tables).
    study_id : str or None
        The study to show; ``None`` or an unknown id gives a short note.

    Returns
    -------
    str

    Examples
    --------
    >>> from b12explore import load
    >>> page = study_detail_html(load(), "chiu2011")
    >>> "Chiu 2011" in page and 'class="b12-link"' in page
    True
    """
    studies = evidence.studies
    rows = studies[studies["study_id"].astype(object) == study_id] if study_id else studies[:0]
    if rows.empty:
        return '<div class="b12-detail">Choose a study above to see its details.</div>'
    row = rows.iloc[0].to_dict()
    esc = html.escape
    label = evidence.vocab.label

    def coded(field: str) -> str:
        return _text(row.get(field), lambda code: label(field, code))

    def dose() -> str:
        dose_mcg, schedule = row.get("dose_mcg"), row.get("schedule")
        parts = [] if _missing(dose_mcg) else [f"{_number(dose_mcg)} mcg"]
        if not _missing(schedule) and schedule != "":
            parts.append(str(schedule))
        weeks = row.get("duration_weeks")
        if not _missing(weeks):
            parts.append(f"for {_number(weeks)} weeks")
        return "; ".join(parts) or summaries.NOT_REPORTED

    def yes_no(value: Any) -> str:
        if _missing(value):
            return summaries.NOT_REPORTED
        return "yes" if str(value).lower() in ("true", "1", "yes") else "no"

    size = _text(row.get("n_enrolled"), _number)
    if not _missing(row.get("n_analysed")):
        size += f" enrolled, {_number(row['n_analysed'])} analysed"
    fields = [
        (
            "Design",
            f"{coded('design')}; blinding: {coded('blinding')}",
        ),
        ("Participants", f"{size} ({_text(row.get('condition'))})"),
        ("B12", f"{coded('b12_form')}, {coded('route')}"),
        ("Dose and schedule", dose()),
        ("Comparator", _text(row.get("comparator"))),
        ("Co-interventions", _text(row.get("co_interventions"))),
        ("Other B vitamins", yes_no(row.get("other_b_vitamins"))),
        ("Finding", coded("finding")),
        ("Risk of bias", coded("risk_of_bias")),
    ]
    results = evidence.results
    own = results[results["study_id"].astype(object) == study_id]
    items = [f"<li>{esc(_result_text(r, label))}</li>" for r in own.to_dict("records")]
    links = source_links(row)
    title = f"{_text(row.get('label'))}: {_text(row.get('title'))}"
    return (
        '<div class="b12-detail">'
        f"<h3>{esc(title)}</h3>"
        f"<p>{esc(_text(row.get('summary')))}</p>"
        "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in fields) + "</dl>"
        f"<p><b>Reported results ({len(items)})</b></p>"
        + (f"<ul>{''.join(items)}</ul>" if items else "<p>No result rows for this study.</p>")
        + "<p><b>Sources</b></p>"
        + (
            "<ul>" + "".join(f"<li>{link}</li>" for link in links) + "</ul>"
            if links
            else f"<p>{esc(summaries.NOT_REPORTED)}</p>"
        )
        + "</div>"
    )
