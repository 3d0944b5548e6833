"""Overview charts: evidence map and risk-of-bias traffic lights."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from .. import summaries
from ..style import (
    FINDING_COLORS,
    RISK_OF_BIAS_COLORS,
    RISK_OF_BIAS_SYMBOLS,
    color_for,
    pretty,
    tint,
)
from ._base import empty, largest_studies, more_note, new_axes, patches, wrap


def evidence_map(
    studies: pd.DataFrame, results: pd.DataFrame | None = None, *, ax: Axes | None = None
) -> Axes:
    """Route x outcome matrix: studies and participants per cell, coloured by finding.

    Data: :func:`b12explore.summaries.evidence_map_table` (primary studies; a
    cell's colour is its predominant finding).

    Parameters
    ----------
    studies : DataFrame
    results : DataFrame, optional
        When given, per-outcome directions refine each study's overall finding.
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
    table = summaries.evidence_map_table(studies, results)
    ax = new_axes(ax)
    title = "Evidence map: route × outcome"
    if table.empty:
        return empty(ax, title)
    routes = list(dict.fromkeys(table["route"]))
    outcomes = list(dict.fromkeys(table["outcome"]))
    if results is not None and isinstance(results["outcome"].dtype, pd.CategoricalDtype):
        cats = [str(c) for c in results["outcome"].cat.categories]
        outcomes = [o for o in cats if o in outcomes] + [o for o in outcomes if o not in cats]
    for row in table.itertuples():
        i, j = routes.index(row.route), outcomes.index(row.outcome)
        ax.add_patch(
            Rectangle(
                (j, i),
                1,
                1,
                facecolor=tint(color_for("finding", row.finding), 0.35),
                edgecolor="white",
                linewidth=3,
                gid=f"cell-{row.route}-{row.outcome}",
            )
        )
        k = row.studies
        ax.text(
            j + 0.5,
            i + 0.5,
            f"{k} {'study' if k == 1 else 'studies'}\n"
            f"n = {summaries.format_count(row.participants)}",
            ha="center",
            va="center",
            gid="cell-text",
        )
    ax.set_xlim(0, len(outcomes))
    ax.set_ylim(len(routes), 0)
    ax.set_xticks(np.arange(len(outcomes)) + 0.5, [wrap(pretty(o), 11) for o in outcomes])
    ax.set_yticks(np.arange(len(routes)) + 0.5, [pretty(r) for r in routes])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, loc="left")
    present = [f for f in FINDING_COLORS if f in set(table["finding"])]
    ax.legend(
        handles=patches([(pretty(f), tint(FINDING_COLORS[f], 0.35)) for f in present]),
        title="Predominant finding",
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
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
    ax = new_axes(ax)
    title = "Risk of bias"
    if table.empty:
        return empty(ax, title)
    n = pd.Series(summaries.participants(studies).to_numpy(), index=studies["study_id"])
    table, left_out = largest_studies(table.assign(n=table["study_id"].map(n)), max_studies)
    more_note(ax, left_out, "studies")
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
        y, [f"{lab} ({pretty(d)})" for lab, d in zip(table["label"], table["design"], strict=True)]
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
                (f"{RISK_OF_BIAS_SYMBOLS[r]}  {pretty(r)}".strip(), RISK_OF_BIAS_COLORS[r])
                for r in present
            ]
        ),
        loc="upper left",
        bbox_to_anchor=(1.02, 1),
        frameon=False,
    )
    return ax
