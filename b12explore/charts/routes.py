"""Delivery-route charts: route x B12 form counts and the oral vs injection matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from .. import summaries
from ..style import FORM_COLORS, GREY, SCORE_COLORS, SCORE_LABELS, color_for, pretty
from ._base import axes_size_in, empty, fontsize, new_axes, patches, wrap


def route_form_chart(studies: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Primary studies per route, stacked by B12 form, with participants.

    Bar heights are numbers of studies (:func:`b12explore.summaries.route_form_counts`);
    each segment is labelled with its participants and each bar with its totals.

    Parameters
    ----------
    studies : DataFrame
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load, charts
    >>> ax = charts.route_form_chart(load().studies)
    """
    table = summaries.route_form_counts(studies)
    ax = new_axes(ax)
    title = "Primary studies by route and B12 form"
    if table.empty:
        return empty(ax, title)
    routes = list(dict.fromkeys(table["route"]))
    x = np.arange(len(routes))
    bottom = np.zeros(len(routes))
    forms = set(table["b12_form"])
    for form in [f for f in FORM_COLORS if f in forms] + sorted(forms - set(FORM_COLORS)):
        part = table[table["b12_form"] == form].set_index("route").reindex(routes)
        heights = part["studies"].fillna(0).to_numpy(float)
        bars = ax.bar(
            x,
            heights,
            bottom=bottom,
            width=0.6,
            color=color_for("b12_form", form),
            label=pretty(form),
            edgecolor="white",
            linewidth=1.5,
        )
        for bar, h, n in zip(bars, heights, part["participants"], strict=True):
            if h > 0:
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + h / 2,
                    f"n = {summaries.format_count(n)}",
                    ha="center",
                    va="center",
                    gid="segment",
                )
        bottom += heights
    totals = table.groupby("route", sort=False)[["studies", "participants"]].agg(summaries.total)
    for xi, route in zip(x, routes, strict=True):
        k, n = totals.loc[route]
        ax.text(
            xi,
            bottom[xi] + 0.05,
            f"{k} {'study' if k == 1 else 'studies'}\n{summaries.format_count(n)} participants",
            ha="center",
            va="bottom",
            gid="total",
        )
    ax.set_xticks(x, [pretty(r) for r in routes])
    ax.set_ylim(0, bottom.max() * 1.35 + 0.5)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("Studies")
    ax.set_title(title, loc="left")
    ax.legend(title="B12 form", loc="upper right", frameon=False)
    return ax


def delivery_feature_chart(delivery_routes: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Oral vs injection (and other routes) feature matrix with the descriptions.

    Rows are features, columns routes; a cell's colour is its score (1 least,
    3 most favourable to the patient) and its text the description, wrapped to
    the cell (the font shrinks to fit, never below 14 pt or the base size).

    Parameters
    ----------
    delivery_routes : DataFrame
        The ``delivery_routes`` table.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load, charts
    >>> ax = charts.delivery_feature_chart(load().delivery_routes)
    """
    table = summaries.delivery_features(delivery_routes)
    ax = new_axes(ax, figsize=(13.333, 7.5))
    title = "Delivery routes compared"
    if table.empty:
        return empty(ax, title, note="no delivery-route rows")
    features = list(dict.fromkeys(table["feature"]))
    routes = list(dict.fromkeys(table["route"]))
    width, height = axes_size_in(ax)
    cell_w, cell_h = width / len(routes), height / len(features)
    size = _fit_size(table["description"], cell_w, cell_h, fontsize(ax))
    chars = int(cell_w * 0.94 * 72 / (size * 0.5))
    cells = table.set_index(["feature", "route"])
    for i, feature in enumerate(features):
        for j, route in enumerate(routes):
            if (feature, route) not in cells.index:
                ax.add_patch(Rectangle((j, i), 1, 1, facecolor="white", edgecolor=GREY))
                ax.text(
                    j + 0.5,
                    i + 0.5,
                    summaries.NOT_REPORTED,
                    ha="center",
                    va="center",
                    fontsize=size,
                    color="0.35",
                )
                continue
            row = cells.loc[(feature, route)]
            score = int(row["score"]) if not pd.isna(row["score"]) else None
            ax.add_patch(
                Rectangle(
                    (j, i),
                    1,
                    1,
                    facecolor=SCORE_COLORS.get(score, "white"),
                    edgecolor="white",
                    linewidth=3,
                    gid=f"cell-{feature}-{route}",
                )
            )
            ax.text(
                j + 0.03,
                i + 0.5,
                wrap(row["description"], chars),
                ha="left",
                va="center",
                fontsize=size,
                linespacing=1.1,
                gid="description",
            )
    ax.set_xlim(0, len(routes))
    ax.set_ylim(len(features), 0)
    ax.set_xticks(np.arange(len(routes)) + 0.5, [pretty(r) for r in routes], fontweight="bold")
    ax.xaxis.tick_top()
    ax.set_yticks(np.arange(len(features)) + 0.5, [wrap(pretty(f), 12) for f in features])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, loc="left")
    present = sorted({int(s) for s in table["score"].dropna()})
    ax.legend(
        handles=patches([(SCORE_LABELS[s], SCORE_COLORS[s]) for s in present]),
        loc="upper center",
        bbox_to_anchor=(0.5, 0),
        ncols=3,
        frameon=False,
        title="Score for the patient",
    )
    return ax


def _fit_size(texts: pd.Series, cell_w: float, cell_h: float, base: float) -> float:
    """Largest font size (<= base, >= min(14, base)) at which every text fits its cell."""
    floor = min(14.0, base)
    size = base
    while size > floor:
        chars = int(cell_w * 0.94 * 72 / (size * 0.5))
        lines = max((wrap(t, chars).count("\n") + 1 for t in texts), default=1)
        if (lines + 0.6) * size * 1.3 <= cell_h * 72:
            break
        size -= 0.5
    return max(size, floor)
