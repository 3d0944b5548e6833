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
from ._slidefit import LINE_IN, MARGIN_IN, fit, on_slide, slide_chars, width_in, year_tail

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
    cell = _map_cell(ax, vocab, routes, outcomes) if on_slide(ax) else None
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
                    hatch="///",  # drawn in the frame's grey (the cell's own edge is white)
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
        if cell is not None and not _fits(text, *cell):
            # one line on a slide: hatching (its legend entry) says what had no result
            text = _short_cell(k, size, *cell)
            if row.no_result and not empty_cell:
                share = min(row.no_result / max(k, 1), 1.0)
                ax.add_patch(
                    Rectangle(
                        (j + 1 - 0.96 * share, i + 0.04),
                        0.96 * share - 0.04,
                        0.92,
                        facecolor="none",
                        edgecolor=GREY,
                        hatch="///",
                        linewidth=1,
                        zorder=2,
                        gid=f"no-result-{row.route}-{row.outcome}",
                    )
                )
                empty_cell = True  # the text gets a white backing over the hatching
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
    ylabels = vocab.labels_for("outcome", outcomes)
    if cell is not None:
        ylabels = [fit(lab, 0.3 * cell[2], chars=slide_chars(ax)) for lab in ylabels]
    ax.set_yticks(np.arange(len(outcomes)) + 0.5, ylabels)
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


def _map_cell(ax: Axes, vocab, routes: list, outcomes: list) -> tuple[float, float, float]:
    """Width and height of a matrix cell on a slide, and the safe width (inches).

    Estimated before the layout: the outcome labels on the left, the route headers, the
    title and the legend above and below, a caption of up to three lines.
    """
    fig_w, fig_h = ax.figure.get_size_inches()
    safe_w = fig_w - 2 * MARGIN_IN
    labels = vocab.labels_for("outcome", outcomes)
    label_w = min(max((width_in(lab) for lab in labels), default=1.0), 0.3 * safe_w)
    cell_w = (safe_w - label_w - 0.2) / max(len(routes), 1)
    cell_h = (fig_h - 3.6) / max(len(outcomes), 1)
    return cell_w, cell_h, safe_w


def _fits(text: str, cell_w: float, cell_h: float, _safe_w: float = 0.0) -> bool:
    return width_in(text) <= cell_w - 0.08 and (text.count("\n") + 1) * LINE_IN <= cell_h - 0.06


def _short_cell(k: int, size: str, cell_w: float, cell_h: float, safe_w: float) -> str:
    """The studies and participants of a cell in one line, as short as needed."""
    word = "study" if k == 1 else "studies"
    for text in (f"{k} {word}, n = {size}", f"{k} {word}, n={size}", f"k={k}, n={size}"):
        if _fits(text, cell_w, cell_h):
            return text
    return fit(f"{k} {word}, n = {size}", cell_w - 0.12)


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
    slide = on_slide(ax)
    if not slide:
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
    heads = [c[1] for c in columns]
    designs = vocab.labels_for("design", table["design"])
    rows = [f"{lab} ({d})" for lab, d in zip(table["label"], designs, strict=True)]
    ys = list(y)
    if slide:
        # on a slide the studies left out are a row of their own (a note under the axes
        # would meet the lights: the column headers are on top)
        chars, safe_w = slide_chars(ax), ax.figure.get_size_inches()[0] - 2 * MARGIN_IN
        rows = [
            _rob_label(str(lab), d, 0.3 * safe_w - 0.1, chars)
            for lab, d in zip(table["label"], designs, strict=True)
        ]
        if rest.studies > 0:
            rows.append(f"+ {rest.studies:,} more studies")
            ys.append(len(table))
        legend_w = 2.8  # the widest entry, "!  Some concerns", and its patch
        spacing = (safe_w - max(width_in(r) for r in rows) - legend_w - 0.4) / len(columns)
        heads = [fit(h.replace("\n", " "), max(spacing - 0.2, 1.0), 3) for h in heads]
    ax.set_xticks(range(len(columns)), heads)
    ax.xaxis.tick_top()
    ax.set_yticks(ys, rows)
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(max(ys) + 0.5, -0.6)
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


def _rob_label(label: str, design: str, width: float, chars: int) -> str:
    """A study's row label on a slide: cut, it keeps its year (and design when it fits).

    "Maksimov 2020 (Observat…", else "Calderon-Osp… 1990 (RCT)", else
    "Calderon-Osp… 1990 (3) …" (the design cut away).
    """
    full = f"{label} ({design})"
    plain = fit(full, width, chars=chars)
    year = year_tail(label)
    if not year or plain == full or label.split()[-year] in plain:
        return plain  # cut at the end, the year still shown
    out = fit(full, width, chars=chars, tail=year + len(f"({design})".split()))
    if out.endswith(f"({design})"):
        return out
    return fit(f"{label} …", width, chars=chars, tail=year + 1)


def _judgement(vocab, code: str) -> str:
    """Label of a traffic-light judgement: a risk-of-bias code, else a blinding code
    (``not_applicable`` is a blinding judgement only)."""
    field = "risk_of_bias" if code in vocab.labels.get("risk_of_bias", {}) else "blinding"
    return vocab.label(field, code)
