"""Overview charts: evidence map and risk-of-bias traffic lights."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch, Rectangle

from .. import summaries
from ..schema import vocab_of
from ..style import (
    FINDING_COLORS,
    GREY,
    RISK_OF_BIAS_COLORS,
    RISK_OF_BIAS_SYMBOLS,
    color_for,
    tint,
)
from ._base import empty, more_note, new_axes, patches

__all__ = ["evidence_map", "risk_of_bias_chart"]


def evidence_map(
    studies,
    results: pd.DataFrame | None = None,
    *,
    comparison: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Route x outcome matrix: studies and participants per cell, coloured by finding.

    Outcomes are rows and routes columns (there are more outcomes than routes, and a
    row label reads better than a crowded column header on a slide). A cell's colour
    is the predominant finding of its studies' *result rows* for that outcome (primary
    studies only). A study that lists the outcome without an extracted result is
    counted as "reported, no result extracted": a cell with only such studies is
    white with grey hatching, never coloured as a finding.
    Data: :func:`b12explore.summaries.evidence_map_table`.

    Parameters
    ----------
    studies : Evidence or DataFrame
        An ``Evidence``, or the studies table.
    results : DataFrame, optional
        The results table (taken from the ``Evidence`` when one is given).
    comparison : str, optional
        Only this comparison code (see ``datapackage.json``).
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load, charts
    >>> ev = load()
    >>> ax = charts.evidence_map(ev.studies, ev.results)
    """
    if hasattr(studies, "studies"):
        studies, results = studies.studies, studies.results if results is None else results
    table = summaries.evidence_map_table(studies, results, comparison=comparison)
    vocab = vocab_of(studies)
    ax = new_axes(ax)
    title = "Evidence map: route × outcome"
    if comparison is not None:
        title += f" ({vocab.label('comparison', comparison)})"
    if table.empty:
        return empty(ax, title)
    routes = list(dict.fromkeys(table["route"]))
    outcomes = list(dict.fromkeys(table["outcome"]))
    if results is not None and isinstance(results["outcome"].dtype, pd.CategoricalDtype):
        cats = [str(c) for c in results["outcome"].cat.categories]
        outcomes = [o for o in cats if o in outcomes] + [o for o in outcomes if o not in cats]
    no_result = summaries.NO_RESULT
    for row in table.itertuples():
        i, j = outcomes.index(row.outcome), routes.index(row.route)
        empty_cell = row.finding == no_result
        ax.add_patch(
            Rectangle(
                (j, i),
                1,
                1,
                facecolor="white" if empty_cell else tint(color_for("finding", row.finding), 0.35),
                edgecolor="white",
                hatch="///" if empty_cell else None,
                linewidth=3,
                gid=f"cell-{row.route}-{row.outcome}",
            )
        )
        if empty_cell:
            ax.add_patch(
                Rectangle(
                    (j + 0.04, i + 0.04),
                    0.92,
                    0.92,
                    fill=False,
                    edgecolor=GREY,
                    linewidth=1,
                    zorder=2,
                )
            )
        k = row.studies
        size = summaries.format_count(row.participants)
        text = f"{k} {'study' if k == 1 else 'studies'}, n = {size}"
        if row.no_result and not empty_cell:
            text += f"\n({row.no_result} without result)"
        elif empty_cell:
            text += "\nno result extracted"
        ax.text(
            j + 0.5,
            i + 0.5,
            text,
            ha="center",
            va="center",
            gid="cell-text",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1}
            if empty_cell
            else None,
        )
    ax.set_xlim(0, len(routes))
    ax.set_ylim(len(outcomes), 0)
    ax.set_xticks(np.arange(len(routes)) + 0.5, vocab.labels_for("route", routes))
    ax.set_yticks(np.arange(len(outcomes)) + 0.5, vocab.labels_for("outcome", outcomes))
    ax.xaxis.set_ticks_position("top")  # the routes head their columns
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, loc="left")
    present = [f for f in FINDING_COLORS if f in set(table["finding"])]
    handles = patches(
        [(vocab.label("finding", f), tint(FINDING_COLORS[f], 0.35)) for f in present]
    )
    if no_result in set(table["finding"]) or table["no_result"].gt(0).any():
        handles.append(
            Patch(
                facecolor="white",
                edgecolor=GREY,
                hatch="///",
                label="Reported, no result extracted",
            )
        )
    # below the matrix, in one row and without a title line: the columns keep the
    # slide's width and the rows its height for their two-line texts
    if handles:
        handles[0].set_label(f"{handles[0].get_label()} (finding from result rows)")
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0, -0.01),
        ncols=len(handles),
        frameon=False,
    )
    return ax


def risk_of_bias_chart(
    studies: pd.DataFrame, *, max_studies: int = 30, ax: Axes | None = None
) -> Axes:
    """Traffic-light summary per study: blinding (as reported) and overall risk of bias.

    Our data hold one overall ``risk_of_bias`` judgement per study; the blinding
    column is derived from reported blinding
    (:data:`b12explore.summaries.BLINDING_JUDGEMENT`). Each light carries a symbol
    (+ low, ! some concerns, × high, ? not assessed) so colour is not the only cue.

    Parameters
    ----------
    studies : DataFrame
    max_studies : int
        Draw at most this many studies (those with most participants).
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load, charts
    >>> ax = charts.risk_of_bias_chart(load().studies)
    """
    table = summaries.risk_of_bias_table(studies)
    vocab = vocab_of(studies)
    ax = new_axes(ax)
    title = "Risk of bias"
    if table.empty:
        return empty(ax, title)
    n = pd.Series(summaries.participants(studies).to_numpy(), index=studies["study_id"])
    table, rest = summaries.largest_studies(table.assign(n=table["study_id"].map(n)), max_studies)
    more_note(ax, rest.studies, "studies")
    columns = [
        ("blinding_judgement", "Blinding\n(as reported)"),
        ("risk_of_bias", "Overall\n(our judgement)"),
    ]
    y = np.arange(len(table))
    for x, (col, _) in enumerate(columns):
        judgements = table[col]
        ax.scatter(
            np.full(len(table), x),
            y,
            s=700,
            c=[RISK_OF_BIAS_COLORS.get(j, "white") for j in judgements],
            edgecolors="0.3",
            linewidths=1,
            gid=f"rob-{col}",
            zorder=3,
        )
        for yi, j in zip(y, judgements, strict=True):
            ax.text(
                x,
                yi,
                RISK_OF_BIAS_SYMBOLS.get(j, "?"),
                ha="center",
                va="center",
                fontweight="bold",
                zorder=4,
            )
    ax.set_xticks(range(len(columns)), [c[1] for c in columns])
    ax.xaxis.tick_top()
    ax.set_yticks(
        y,
        [
            f"{lab} ({d})"
            for lab, d in zip(
                table["label"], vocab.labels_for("design", table["design"]), strict=True
            )
        ],
    )
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(len(table) - 0.5, -0.6)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, loc="left")
    present = [
        r
        for r in RISK_OF_BIAS_COLORS
        if r in set(table["risk_of_bias"]) | set(table["blinding_judgement"])
    ]
    ax.legend(
        handles=patches(
            [
                (
                    f"{RISK_OF_BIAS_SYMBOLS[r]}  {_judgement(vocab, r)}".strip(),
                    RISK_OF_BIAS_COLORS[r],
                )
                for r in present
            ]
        ),
        loc="upper left",
        bbox_to_anchor=(1.02, 1),
        frameon=False,
    )
    return ax


def _judgement(vocab, code: str) -> str:
    """Label of a traffic-light judgement: a risk-of-bias code, else a blinding code
    (``not_applicable`` is a blinding judgement only)."""
    field = "risk_of_bias" if code in vocab.labels.get("risk_of_bias", {}) else "blinding"
    return vocab.label(field, code)
