"""Delivery-route charts: route x B12 form counts and the oral vs injection matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from .. import summaries
from ..schema import vocab_of
from ..style import FORM_COLORS, GREY, SCORE_COLORS, SCORE_LABELS, color_for
from ._base import axes_size_in, empty, fontsize, new_axes, patches
from ._slidefit import dark, width_in

__all__ = ["SCORE_SYMBOLS", "delivery_feature_chart", "route_form_chart"]


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
            label=vocab_of(studies).label("b12_form", form),
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
                    color="white" if dark(color_for("b12_form", form)) else "black",
                    gid="segment",
                )
        bottom += heights
    totals = table.groupby("route", sort=False)[["studies", "participants"]].agg(summaries.total)
    labels = [
        f"{k} {'study' if k == 1 else 'studies'}\n{summaries.format_count(n)} participants"
        for k, n in (totals.loc[route] for route in routes)
    ]
    names = vocab_of(studies).labels_for("route", routes)
    margin, slot = _fit_slots(ax, names, labels)
    if slot < max(width_in(t, fontsize(ax)) for t in labels) + 0.2:
        # a total wider than its bar's slot would meet the next bar's labels: three lines
        labels = [t.replace(" participants", "\nparticipants") for t in labels]
        margin, slot = _fit_slots(ax, names, labels)
    for xi, text in zip(x, labels, strict=True):
        ax.text(xi, bottom[xi] + 0.05, text, ha="center", va="bottom", gid="total")
    ax.set_xticks(x, names)
    ax.set_xlim(-margin, len(routes) - 1 + margin)
    ax.set_ylim(0, bottom.max() * 1.35 + 0.5)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("Studies")
    ax.set_title(title, loc="left")
    # beside the bars, never over them (nor over a total)
    ax.legend(title="B12 form", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def _fit_slots(ax: Axes, names: list[str], labels: list[str]) -> tuple[float, float]:
    """Margin (in bar slots) left and right of the bars so that no label leaves its slot.

    Each bar's total and route name are centred on it; the margin keeps the first and
    last inside the axes (clear of the y tick labels), estimated for the axes' width
    before layout (less the y axis and the legend beside it).
    """
    size = fontsize(ax)
    legend = max(width_in(t, size) for t in ax.get_legend_handles_labels()[1] or [""])
    width, _ = axes_size_in(ax, margins=(1.0 + 1.0 + legend + 3.5 * size / 72, 2.5))
    half = max(
        max(width_in(a, size), width_in(b, size)) / 2 for a, b in zip(names, labels, strict=True)
    )
    margin = 0.5
    for _ in range(5):  # the margin changes the slot's width, which changes the margin
        slot = width / (len(names) - 1 + 2 * margin)
        margin = max(0.5, (half + 0.1) / slot)
    return margin, width / (len(names) - 1 + 2 * margin)


#: Score symbols of the delivery-route grid (colour is never the only cue).
SCORE_SYMBOLS: dict[int, str] = {1: "●○○", 2: "●●○", 3: "●●●"}


def delivery_feature_chart(delivery_routes: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Oral vs injection (and other routes): a short grid of feature scores.

    Rows are features, columns routes; each cell shows its score (1 least, 3 most
    favourable to the patient) as a symbol (``●○○``, ``●●○``, ``●●●``) on its
    colour, legible on a slide. The descriptions stay in the data
    (:func:`b12explore.summaries.delivery_features`), the CSV and the slide notes.

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
    >>> sorted({t.get_text() for t in ax.texts})
    ['●○○', '●●○', '●●●']
    """
    table = summaries.delivery_features(delivery_routes)
    ax = new_axes(ax, figsize=(13.333, 7.5))
    title = "Delivery routes compared"
    if table.empty:
        return empty(ax, title, note="no delivery-route rows")
    features = list(dict.fromkeys(table["feature"]))
    routes = list(dict.fromkeys(table["route"]))
    cells = table.set_index(["feature", "route"])
    for i, feature in enumerate(features):
        for j, route in enumerate(routes):
            score = None
            if (feature, route) in cells.index:
                value = cells.loc[(feature, route), "score"]
                score = None if pd.isna(value) else int(value)
            ax.add_patch(
                Rectangle(
                    (j, i),
                    1,
                    1,
                    facecolor=SCORE_COLORS.get(score, "white"),
                    edgecolor="white" if score else GREY,
                    linewidth=3,
                    gid=f"cell-{feature}-{route}",
                )
            )
            ax.text(
                j + 0.5,
                i + 0.5,
                SCORE_SYMBOLS.get(score, "–") if (feature, route) in cells.index else "–",
                ha="center",
                va="center",
                color="0.15",
                gid="score",
            )
    ax.set_xlim(0, len(routes))
    ax.set_ylim(len(features), 0)
    vocab = vocab_of(delivery_routes)
    ax.set_xticks(
        np.arange(len(routes)) + 0.5, vocab.labels_for("route", routes), fontweight="bold"
    )
    ax.xaxis.tick_top()
    ax.set_yticks(np.arange(len(features)) + 0.5, vocab.labels_for("feature", features))
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, loc="left")
    present = sorted({int(s) for s in table["score"].dropna()})
    ax.legend(
        handles=patches(
            [(f"{SCORE_SYMBOLS[s]} {SCORE_LABELS[s][2:]}", SCORE_COLORS[s]) for s in present]
        ),
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        frameon=False,
        title="For the patient",
    )
    return ax
