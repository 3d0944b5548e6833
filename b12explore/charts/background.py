"""Charts of the seed article's background and of the search: foods, risk groups, mechanisms.

Also the PRISMA-style flow of the search log. Each chart takes the evidence (or the one
table it draws) first, options as keywords, draws on ``ax`` (a new ``Figure`` when
omitted, never pyplot) and returns the ``Axes``; an empty table gives an ``Axes`` with a
note saying why. Numbers come from :mod:`b12explore.summaries.background`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

from ..schema import vocab_of
from ..style import GREY, LIGHT_GREY, OKABE_ITO, color_for
from ..summaries.background import (
    evidence_types,
    food_table,
    mechanism_table,
    prisma_flow,
    risk_group_table,
)
from ._base import axes_size_in, empty, fontsize, new_axes, wrap

__all__ = [
    "food_sources_chart",
    "mechanisms_chart",
    "prisma_chart",
    "risk_groups_chart",
]

_MEASURES = {
    "mcg_per_serving": ("B12 per serving (µg, symmetric log scale)", "µg"),
    "percent_dv": (
        "% of the Daily Value (2.4 µg) per serving (dashed: 100%), symmetric log scale",
        "% DV",
    ),
}


def _small(ax: Axes) -> float:
    """Secondary text size: 85% of the base, never below 14 pt or the base size."""
    base = fontsize(ax)
    return max(min(base, 14.0), base * 0.85)


def food_sources_chart(
    evidence, *, measure: str = "mcg_per_serving", ax: Axes | None = None
) -> Axes:
    """Foods ranked by B12 per serving, with serving sizes and % Daily Value.

    Bars show ``measure`` on a symmetric log axis (so 70 µg and 0.1 µg are both visible
    and zero stays at zero); each bar is labelled with both µg and % DV, and the y labels
    carry the fact sheet's serving size.

    Parameters
    ----------
    evidence : Evidence or DataFrame
        Evidence, or the ``food_sources`` table.
    measure : {"mcg_per_serving", "percent_dv"}
        What the bar length shows.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load
    >>> ax = food_sources_chart(load(), measure="percent_dv")
    >>> len(ax.patches) > 10
    True
    """
    if measure not in _MEASURES:
        raise ValueError(f"measure must be one of {sorted(_MEASURES)}, got {measure!r}")
    table = food_table(evidence)
    ax = new_axes(ax, figsize=(11.0, 7.5))
    title = "Food sources of vitamin B12 (NIH ODS)"
    if table.empty:
        return empty(ax, title, note="no food-source rows")
    values = table[measure].astype(float).fillna(0).to_numpy()
    y = np.arange(len(table))[::-1]
    colors = [OKABE_ITO["blue"] if v > 0 else LIGHT_GREY for v in values]
    ax.barh(y, values, color=colors, height=0.7)
    ax.set_xscale("symlog", linthresh=1 if measure == "mcg_per_serving" else 10)
    for yi, row in zip(y, table.itertuples(), strict=True):
        text = f"{row.mcg_per_serving:g} µg"
        if not pd.isna(row.percent_dv):
            text += f" · {int(row.percent_dv):,}% DV"
        ax.text(
            max(float(0 if pd.isna(getattr(row, measure)) else getattr(row, measure)), 0) * 1.08
            + (0.02 if measure == "mcg_per_serving" else 0.2),
            yi,
            text,
            va="center",
            ha="left",
            fontsize=_small(ax),
            gid="value",
        )
    # one line per bar (a wrapped label would meet its neighbours); long ones end in "…"
    short = [lab if len(lab) <= 60 else lab[:59].rstrip() + "…" for lab in table["label"]]
    ax.set_yticks(y, short, fontsize=_small(ax))
    top = float(np.nanmax(values)) if len(values) else 1.0
    ax.set_xlim(0, top * 80 if top > 0 else 10)
    ax.set_xlabel(_MEASURES[measure][0])
    ax.set_title(title, loc="left")
    if measure == "percent_dv":
        # named in the axis label: a text by the line met the tick labels
        ax.axvline(100, color=GREY, linestyle="--", linewidth=1, gid="dv-100")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def risk_groups_chart(evidence, *, ax: Axes | None = None) -> Axes:
    """Groups at risk of low B12, each with what puts it at risk.

    One row per group: the group's name on the left, the reason (wrapped) on the right,
    and the number of sources cited in the margin.

    Parameters
    ----------
    evidence : Evidence or DataFrame
        Evidence, or the ``risk_groups`` table.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load
    >>> ax = risk_groups_chart(load())
    >>> sum(t.get_gid() == "group" for t in ax.texts)
    5
    """
    table = risk_group_table(evidence)
    ax = new_axes(ax, figsize=(13.333, 7.5))
    title = "Who is at risk of low B12, and why"
    if table.empty:
        return empty(ax, title, note="no risk-group rows")
    n = len(table)
    width, _ = axes_size_in(ax, margins=(0.4, 1.0))
    size = _small(ax)
    chars = max(30, int(0.56 * width * 72 / (size * 0.55)))
    ax.set_xlim(0, 1)
    ax.set_ylim(n, 0)
    for i, row in enumerate(table.itertuples()):
        ax.add_patch(
            FancyBboxPatch(
                (0.005, i + 0.08),
                0.99,
                0.84,
                boxstyle="round,pad=0,rounding_size=0.02",
                facecolor="#F2F7FB" if i % 2 == 0 else "white",
                edgecolor=LIGHT_GREY,
            )
        )
        ax.text(
            0.02,
            i + 0.5,
            wrap(row.group, 26),
            va="center",
            ha="left",
            fontweight="bold",
            gid="group",
        )
        ax.text(
            0.28, i + 0.5, wrap(row.why, chars), va="center", ha="left", fontsize=size, gid="why"
        )
        ax.text(
            0.985,
            i + 0.5,
            f"{row.sources} source{'s' if row.sources != 1 else ''}",
            va="center",
            ha="right",
            fontsize=_small(ax),
            color="0.35",
            gid="sources",
        )
    ax.set_axis_off()
    ax.set_title(title, loc="left")
    return ax


def mechanisms_chart(evidence, *, ax: Axes | None = None) -> Axes:
    """Proposed mechanisms against the kind of evidence behind each.

    Rows are mechanisms, columns the kinds of evidence (human trial, human
    observational, animal, review); a filled marker shows the strongest kind recorded
    for the mechanism, labelled with the number of linked studies in the tables.

    Parameters
    ----------
    evidence : Evidence or DataFrame
        Evidence, or the ``mechanisms`` table.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load
    >>> ax = mechanisms_chart(load())
    >>> [t.get_text().replace("\\n", " ") for t in ax.get_xticklabels()][:2]
    ['Human trial', 'Human observational']
    """
    table = mechanism_table(evidence)
    ax = new_axes(ax, figsize=(12.0, 7.5))
    title = "Proposed mechanisms and the kind of evidence behind them"
    if table.empty:
        return empty(ax, title, note="no mechanism rows")
    kinds = list(evidence_types(evidence))
    col = {k: i for i, k in enumerate(kinds)}
    y = np.arange(len(table))
    for xi in range(len(kinds)):
        ax.scatter(np.full(len(y), xi), y, s=90, facecolor="white", edgecolor=LIGHT_GREY, zorder=1)
    for yi, row in zip(y, table.itertuples(), strict=True):
        xi = col[row.evidence_type]
        color = color_for("evidence_type", row.evidence_type)
        ax.scatter([xi], [yi], s=260, color=color, zorder=2, gid="evidence")
        note = (
            f"{row.studies} stud{'y' if row.studies == 1 else 'ies'}"
            if row.studies
            else "no study rows"
        )
        ax.text(xi + 0.18, yi, note, va="center", ha="left", fontsize=_small(ax), color="0.3")
    vocab = vocab_of(evidence)
    ax.set_xticks(range(len(kinds)), [wrap(vocab.label("evidence_type", k), 14) for k in kinds])
    ax.set_yticks(y, [wrap(m, 40) for m in table["mechanism"]], fontsize=_small(ax))
    ax.set_xlim(-0.5, len(kinds) - 0.2)
    ax.set_ylim(len(y) - 0.5, -0.5)
    ax.tick_params(axis="x", labeltop=True, labelbottom=False, top=True, bottom=False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(title, loc="left", pad=12)
    return ax


def prisma_chart(evidence, *, ax: Axes | None = None) -> Axes:
    """PRISMA-style flow of this pass's searches: found, screened, read, included.

    Parameters
    ----------
    evidence : Evidence or DataFrame
        Evidence, or the ``search_log`` table.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"hits": [8], "new_records": [8], "screened_out": [3],
    ...     "excluded_after_reading": [2], "used_for_existing_rows": [2], "included_new": [1]})
    >>> ax = prisma_chart(log)
    >>> sorted(t.get_text().split("\\n")[-1] for t in ax.texts if t.get_gid() == "count")
    ['n = 0', 'n = 1', 'n = 2', 'n = 2', 'n = 3', 'n = 5', 'n = 8', 'n = 8']
    """
    flow = prisma_flow(evidence)
    ax = new_axes(ax, figsize=(13.333, 7.5))
    title = "Search flow (PRISMA-style)"
    if flow.empty:
        return empty(ax, title, note="no search log")
    c = flow.set_index("stage")["count"].to_dict()
    lab = flow.set_index("stage")["label"].to_dict()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    main = [("identified", 8.8), ("screened", 6.6), ("read", 4.4)]
    side = [("duplicates", 7.7), ("screened_out", 5.5), ("excluded", 3.3)]
    bottom = [("used_existing", 1.0, 1.2), ("included_new", 1.0, 4.6)]

    def box(x, yc, w, stage, color):
        ax.add_patch(
            FancyBboxPatch(
                (x, yc - 0.55),
                w,
                1.1,
                boxstyle="round,pad=0.02,rounding_size=0.12",
                facecolor=color,
                edgecolor="0.4",
            )
        )
        ax.text(
            x + w / 2,
            yc,
            f"{lab[stage]}\nn = {c[stage]}",
            ha="center",
            va="center",
            fontsize=_small(ax),
            gid="count",
        )

    for stage, yc in main:
        box(1.2, yc, 4.0, stage, "#E8F1F8")
    for stage, yc in side:
        box(6.3, yc, 3.4, stage, "#F6F6F6")
        ax.annotate(
            "", xy=(6.3, yc), xytext=(3.2, yc), arrowprops={"arrowstyle": "->", "color": "0.4"}
        )
    for (_, ya), (_, yb) in zip(main, main[1:], strict=False):
        ax.annotate(
            "",
            xy=(3.2, yb + 0.58),
            xytext=(3.2, ya - 0.58),
            arrowprops={"arrowstyle": "->", "color": "0.4"},
        )
    for stage, yc, x in bottom:
        box(x, yc, 3.2, stage, "#E3F4EC" if stage == "included_new" else "#FFF6E0")
    ax.annotate(
        "", xy=(2.8, 1.58), xytext=(3.2, 2.4), arrowprops={"arrowstyle": "->", "color": "0.4"}
    )
    ax.annotate(
        "", xy=(6.2, 1.58), xytext=(3.2, 2.4), arrowprops={"arrowstyle": "->", "color": "0.4"}
    )
    ax.plot([3.2, 3.2], [3.82, 2.4], color="0.4", linewidth=1)  # stem below "Records read"
    ax.set_axis_off()
    ax.set_title(title, loc="left")
    return ax
