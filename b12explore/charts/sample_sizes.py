"""Sample-size charts: primary studies ranked by participants, and reviews apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .. import summaries
from ..schema import vocab_of
from ..style import DESIGN_COLORS, color_for
from ._base import empty, more_note, new_axes, patches


def sample_size_chart(
    studies: pd.DataFrame,
    *,
    by: str = "route",
    measure: str = "enrolled",
    max_studies: int = 25,
    ax: Axes | None = None,
) -> Axes:
    """Primary studies ranked by participants, coloured by route or design.

    The wide pale bar is the number enrolled, the narrow dark bar inside it the
    number analysed; the legend gives each group's studies and participants
    (from :func:`b12explore.summaries.totals_by`). Reviews are drawn apart by
    :func:`review_size_chart`.

    Parameters
    ----------
    studies : DataFrame
        The studies table (any filter applied).
    by : {"route", "design", "b12_form"}
        What colours the bars.
    measure : {"enrolled", "analysed"}
        What the studies are ranked by.
    max_studies : int
        Show at most this many studies (the largest), then one hatched bar for the
        rest labelled "and M more studies" and "P participants" (numbers from
        :func:`b12explore.summaries.largest_studies`); the totals include all.
    ax : Axes, optional
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load, charts
    >>> ax = charts.sample_size_chart(load().studies, by="design")
    """
    table = summaries.sample_sizes(studies, by=by, measure=measure)
    ax = new_axes(ax)
    title = "Primary studies by sample size"
    if table.empty:
        return empty(ax, title)
    shown, rest = summaries.largest_studies(table, max_studies)
    y = np.arange(len(shown))
    colors = [color_for(by, g) for g in shown["group"]]
    enrolled = shown["n_enrolled"].astype(float).fillna(0).to_numpy()
    analysed = shown["n_analysed"].astype(float).fillna(0).to_numpy()
    ax.barh(y, enrolled, height=0.8, color=colors, alpha=0.45, label="_enrolled")
    ax.barh(y, analysed, height=0.36, color=colors, label="_analysed")
    xmax = float(np.nanmax(shown["n"].astype(float).fillna(0))) or 1.0
    for yi, row in zip(y, shown.itertuples(), strict=True):
        ax.text(_end(row), yi, "  " + _value_text(row), va="center", ha="left", gid="value")
    labels = shown["label"].tolist()
    if rest.studies:
        labels.append(_rest_bar(ax, len(shown), table.loc[~table.index.isin(shown.index)], rest))
    ax.set_yticks(np.arange(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(0, xmax * 1.3)
    ax.set_xlabel(f"Participants ({measure}: ranked)")
    ax.set_title(title, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    totals = summaries.totals_by(studies, by=by)
    items = [
        (
            f"{vocab_of(studies).label(by, r.group)}: {r.studies} {_plural(r.studies)}, "
            f"{summaries.format_count(r.participants)} participants",
            color_for(by, r.group),
        )
        for r in totals.itertuples()
    ]
    handles = patches(items)
    handles += patches([("enrolled (wide bar)", "0.8"), ("analysed (narrow bar)", "0.3")])
    ax.legend(handles=handles, loc="lower right", frameon=False)
    return ax


def _rest_bar(ax: Axes, y: int, others: pd.DataFrame, rest: summaries.Rest) -> str:
    """Draw the one bar standing for the studies not shown; return its label.

    The label says how many studies the bar stands for and the text beside it
    their participants, in the words of :func:`b12explore.summaries.rest_text`
    ("and M more studies" | "P participants in all"); the hatched bar reaches the
    largest of those studies (each is at most that size).
    """
    label, size = summaries.rest_text(rest).split(", ", 1)
    n = others["n"].astype(float)
    largest = float(n.max()) if n.notna().any() else 0.0
    if largest > 0:
        ax.barh(
            [y], [largest], height=0.8, color="0.85", hatch="///", edgecolor="0.55", gid="rest-bar"
        )
    ax.text(largest, y, f"  {size} in all", va="center", ha="left", color="0.35", gid="rest-value")
    return label


def _plural(k: int) -> str:
    return "study" if k == 1 else "studies"


def _end(row) -> float:
    vals = [v for v in (row.n_enrolled, row.n_analysed) if not pd.isna(v)]
    return float(max(vals)) if vals else 0.0


def _value_text(row) -> str:
    if pd.isna(row.n_enrolled) and pd.isna(row.n_analysed):
        return summaries.NOT_REPORTED
    if pd.isna(row.n_analysed):
        return f"{row.n_enrolled:,}"
    if pd.isna(row.n_enrolled):
        return f"{row.n_analysed:,} analysed"
    return f"{row.n_enrolled:,} ({row.n_analysed:,} analysed)"


def review_size_chart(
    studies: pd.DataFrame,
    *,
    measure: str = "studies",
    max_studies: int = 25,
    ax: Axes | None = None,
) -> Axes:
    """Reviews by number of included studies (or patients), coloured by design.

    Parameters
    ----------
    studies : DataFrame
        The studies table; only reviews are drawn.
    measure : {"studies", "patients"}
        Bar length: included studies, or patients in them.
    max_studies : int
        Draw at most this many reviews (the largest).
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load, charts
    >>> ax = charts.review_size_chart(load().studies, measure="patients")
    """
    if measure not in ("studies", "patients"):
        raise ValueError(f"measure must be 'studies' or 'patients', got {measure!r}")
    table = summaries.review_sizes(studies)
    col = "n_studies" if measure == "studies" else "n_patients"
    table = table.sort_values(col, ascending=False, na_position="last", kind="stable")
    ax = new_axes(ax)
    title = f"Reviews by included {measure}"
    if table.empty:
        return empty(ax, title, note="no reviews match")
    more_note(ax, len(table) - max_studies, "smaller reviews")
    table = table.head(max_studies)
    y = np.arange(len(table))
    values = table[col].astype(float).fillna(0).to_numpy()
    colors = [color_for("design", d) for d in table["design"]]
    ax.barh(y, values, height=0.7, color=colors, label=f"_{col}")
    for yi, v in zip(y, table[col], strict=True):
        ax.text(
            0 if pd.isna(v) else v, yi, "  " + summaries.format_count(v), va="center", gid="value"
        )
    ax.set_yticks(y, table["label"].tolist())
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlim(0, (values.max() or 1) * 1.3)
    ax.set_xlabel("Included studies" if measure == "studies" else "Patients in included studies")
    ax.set_title(title, loc="left")
    present = [d for d in DESIGN_COLORS if d in set(table["design"])]
    ax.legend(
        handles=patches(
            [(vocab_of(studies).label("design", d), color_for("design", d)) for d in present]
        ),
        loc="lower right",
        frameon=False,
    )
    return ax
