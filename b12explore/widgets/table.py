"""The study table: HTML rows with every CSV value escaped, safe links, sorting.

Text from the CSV files is escaped with :func:`html.escape` before it reaches an
``HTML`` widget (``widgets.HTML`` does not sanitise), and links are only made for
``http(s)`` URLs, with ``rel="noopener noreferrer"``.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import summaries

if TYPE_CHECKING:  # pragma: no cover
    from ..io import Evidence
    from ..schema import Vocabulary

__all__ = ["PAGE_SIZE", "SORTS", "safe_href", "study_rows_html"]

PAGE_SIZE = 25

# label -> (sort column, ascending); "participants" and "label" are derived columns
SORTS: dict[str, tuple[str, bool]] = {
    "Year (newest first)": ("year", False),
    "Year (oldest first)": ("year", True),
    "Participants (most first)": ("participants", False),
    "Participants (fewest first)": ("participants", True),
    "Study (A-Z)": ("label", True),
    "Design": ("design", True),
    "Route": ("route", True),
    "Finding": ("finding", True),
    "Risk of bias": ("risk_of_bias", True),
}

_URL = re.compile(r"https?://[^\s<>\"'`\x00-\x1f\x7f]+", re.IGNORECASE)


# ---------------------------------------------------------------- HTML helpers


def safe_href(source_url: Any) -> str | None:
    """The first ``http(s)`` URL of a ``source_url`` cell, or ``None``.

    Anything else (``javascript:``, ``data:``, missing, text with spaces or quotes)
    gives ``None``, so no link is made.

    Examples
    --------
    >>> safe_href("https://pubmed.ncbi.nlm.nih.gov/1/ | https://doi.org/10.1/x")
    'https://pubmed.ncbi.nlm.nih.gov/1/'
    >>> safe_href("javascript:alert(1)") is None
    True
    """
    if not isinstance(source_url, str):
        return None
    first = source_url.split(" | ")[0].strip()
    return first if _URL.fullmatch(first) else None


def _cell(value: Any, fmt: Callable[[Any], str] = str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return summaries.NOT_REPORTED
    return fmt(value)


_COLUMNS = (
    "Study",
    "Year",
    "Design",
    "Route",
    "B12 form",
    "Enrolled",
    "Analysed",
    "Finding",
    "Risk of bias",
    "Title",
)


def study_rows_html(
    studies: pd.DataFrame,
    empty: str = "No studies match these filters.",
    vocab: Vocabulary | None = None,
    certainty: pd.DataFrame | None = None,
) -> str:
    """An HTML table of studies; every CSV value is escaped, each study links to its source.

    The cells are those of :func:`b12explore.summaries.study_table` (in the rows'
    order), plus the title; nothing is computed here.

    Parameters
    ----------
    studies : DataFrame
        Rows of the studies table, in the order to show.
    empty : str
        The text of the one row shown when there are no studies (escaped).
    vocab : Vocabulary, optional
        Labels of the codes (``evidence.vocab``).
    certainty : DataFrame, optional
        :func:`b12explore.summaries.certainty_by_study`: adds the "Certainty" column.

    Returns
    -------
    str
        ``<table class="b12-table">...</table>``.

    Examples
    --------
    >>> from b12explore import load
    >>> page = load().studies.head(2).assign(label="<b>X</b>", source_url="https://e.org/x")
    >>> "&lt;b&gt;X&lt;/b&gt;" in study_rows_html(page)
    True
    """
    esc = html.escape
    columns = _COLUMNS if certainty is None else (*_COLUMNS[:-1], "Certainty", _COLUMNS[-1])
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    table = summaries.study_table(studies, vocab=vocab, sort=False, certainty=certainty)
    titles = [_cell(t) for t in studies["title"].astype(object)]
    body = []
    for cells, url, title in zip(
        table[list(columns[:-1])].itertuples(index=False),
        studies["source_url"],
        titles,
        strict=True,
    ):
        label = esc(cells[0])
        href = safe_href(url)
        if href:
            label = (
                f'<a class="b12-link" href="{esc(href, quote=True)}" target="_blank" '
                f'rel="noopener noreferrer">{label}</a>'
            )
        shown = [label, *(esc(c) for c in cells[1:]), esc(title)]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in shown) + "</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(columns)}">{esc(empty)}</td></tr>')
    return (
        '<table class="b12-table"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )


_TABLE_CSS = (
    "<style>"
    ".b12-table{border-collapse:collapse;font-size:12px;width:100%}"
    ".b12-table th,.b12-table td{border-bottom:1px solid #ddd;padding:3px 6px;"
    "text-align:left;vertical-align:top}"
    ".b12-table th{background:#f4f4f4}"
    ".b12-error{color:#b00020}"
    # JupyterLab styles links like text: make them look like links
    "a.b12-link{color:#0b57d0;text-decoration:underline;cursor:pointer}"
    "a.b12-link:visited{color:#6a1b9a}"
    "</style>"
)


def _status_text(filtered: Evidence, total: int) -> str:
    shown = len(filtered.studies)
    primary = summaries.primary_studies(filtered.studies)
    people = summaries.total(summaries.participants(primary))
    noun = "study" if total == 1 else "studies"
    return f"{shown:,} of {total:,} {noun}, {int(people):,} participants"


def _sort_studies(studies: pd.DataFrame, sort: str) -> pd.DataFrame:
    """The studies in the order of the ``SORTS`` entry ``sort``; missing last, ties by label."""
    column, ascending = SORTS[sort]
    if column == "participants":
        key = summaries.participants(studies).astype("Float64")
    elif column == "label":
        key = studies["label"].astype(object).fillna("").str.casefold()
    elif isinstance(studies[column].dtype, pd.CategoricalDtype):
        key = pd.Series(studies[column].cat.codes.to_numpy(), index=studies.index)
        key = key.where(key >= 0)
    else:
        key = studies[column].astype("Float64")
    frame = pd.DataFrame({"k": key.to_numpy(), "label": studies["label"].to_numpy()})
    order = frame.sort_values(
        ["k", "label"], ascending=[ascending, True], na_position="last", kind="stable"
    ).index.to_numpy()
    return studies.iloc[np.asarray(order)]
