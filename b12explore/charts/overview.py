"""The timeline of studies and the one-slide overview of the evidence."""

from __future__ import annotations

import textwrap

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import summaries
from ..schema import vocab_of
from ..style import DESIGN_COLORS, SIZES, color_for, slide_context
from ._base import empty, fontsize, new_axes
from .sample_sizes import sample_size_chart

__all__ = ["TIMELINE_LABELLED", "evidence_overview", "slide_figure", "timeline_chart"]

#: Up to this many studies the timeline names each one; above, it counts them.
TIMELINE_LABELLED = 12
#: Longest study label written beside a dot (longer ones end in "…"; the CSV has them whole).
LABEL_CHARS = 28


def _design_order(designs) -> list:
    present = list(dict.fromkeys(designs))
    return [d for d in DESIGN_COLORS if d in present] + [
        d for d in present if d not in DESIGN_COLORS
    ]


def timeline_chart(studies: pd.DataFrame, *, labels: bool = True, ax: Axes | None = None) -> Axes:
    """Studies by publication year and design, without rotated or stacked labels.

    Up to :data:`TIMELINE_LABELLED` studies, each study is one row: a dot at its
    year, coloured by design, with its label written level beside it (labels
    never collide, since each has its own row). With more studies, or
    ``labels=False``, the chart counts studies per year in bars stacked by design;
    the labels stay in the data (:func:`b12explore.summaries.timeline_table`).

    Parameters
    ----------
    studies : DataFrame
    labels : bool
        Name the studies when there are few enough.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load, charts
    >>> ax = charts.timeline_chart(load().studies)
    >>> ax.get_title(loc="left")
    'Studies by year and design'
    """
    table = summaries.timeline_table(studies)
    ax = new_axes(ax)
    title = "Studies by year and design"
    if table.empty:
        return empty(ax, title)
    k = int(table["studies"].sum())
    designs = _design_order(table["design"])
    years = sorted(int(y) for y in table["year"].unique())
    span = max(1, years[-1] - years[0])
    if labels and k <= TIMELINE_LABELLED:
        rows = [
            (int(r.year), r.design, label)
            for r in table.sort_values(["year"], kind="stable").itertuples()
            for label in str(r.labels).split("; ")
        ]
        for design in designs:
            idx = [i for i, row in enumerate(rows) if row[1] == design]
            ax.scatter(
                [rows[i][0] for i in idx],
                idx,
                s=160,
                color=color_for("design", design),
                label=vocab_of(studies).label("design", design),
                zorder=3,
            )
        for i, (year, _, label) in enumerate(rows):
            ax.text(
                year + span * 0.015,
                i,
                "  " + (label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"),
                va="center",
                ha="left",
                gid="study-label",
            )
        ax.set_ylim(len(rows) - 0.5, -0.7)
        ax.set_yticks([])
        ax.spines["left"].set_visible(False)
        ax.set_xlim(years[0] - 1, years[-1] + 1 + span * 0.45)
        ax.grid(axis="x", color="0.9")
    else:
        bottom = pd.Series(0.0, index=years)
        for design in designs:
            part = table[table["design"] == design].groupby("year")["studies"].sum()
            heights = part.reindex(years).fillna(0).astype(float)
            ax.bar(
                years,
                heights.to_numpy(),
                bottom=bottom.to_numpy(),
                width=0.8,
                color=color_for("design", design),
                label=vocab_of(studies).label("design", design),
                edgecolor="white",
            )
            bottom += heights
        ax.set_ylim(0, float(bottom.max()) * 1.1 + 0.5)
        # integer counts; no "0" label, which would sit on the first year's label
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, prune="lower"))
        ax.set_ylabel("Studies")
        ax.set_xlim(years[0] - 1, years[-1] + 1)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(
        "Year of publication"
        if k <= TIMELINE_LABELLED or not labels
        else f"Year of publication\n({k:,} studies; names in the data table)"
    )
    ax.set_title(title, loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def slide_figure(size: str) -> Figure:
    """An empty slide-sized figure with constrained layout."""
    from ._inline import register_inline_display

    register_inline_display()  # pictures in Jupyter without %matplotlib inline
    return Figure(figsize=SIZES[size], layout="constrained")


def evidence_overview(evidence, *, size: str = "16:9") -> Figure:
    """One slide with the key panels: the largest studies and the studies by year.

    Two full-width panels, so that both stay legible at 18 pt on a 4:3 slide; the
    direction of effect has its own slide. The bars of the top panel carry their
    numbers (no x axis) and its route key sits under them. The timeline counts
    studies per year in one colour: there is no room for its design key, and the
    timeline slide breaks the years down by design. On a 4:3 slide the top panel
    names two studies (the hatched bar counts the rest).

    Parameters
    ----------
    evidence : Evidence
        Possibly filtered evidence.
    size : {"16:9", "4:3"}

    Returns
    -------
    Figure

    Examples
    --------
    >>> from b12explore import load, charts
    >>> fig = charts.evidence_overview(load())
    >>> [round(float(v), 3) for v in fig.get_size_inches()]
    [13.333, 7.5]
    """
    with slide_context(size):
        fig = slide_figure(size)
        # the timeline sits in a grid of its own, so that neither the study names of the
        # top panel nor the design key beside the timeline narrows the other panel
        grid = fig.add_gridspec(2, 1, height_ratios=[1.3 if size == "16:9" else 1.15, 1])
        # three studies by name on a 16:9 slide, two on a 4:3 one (its height is shorter)
        top_left = sample_size_chart(
            evidence.studies, max_studies=3 if size == "16:9" else 2, ax=fig.add_subplot(grid[0])
        )
        top_right = timeline_chart(
            evidence.studies, labels=False, ax=fig.add_subplot(grid[1].subgridspec(1, 1)[0])
        )
        top_right.set_ylabel("")  # the panel title says "Studies by year"
        top_right.set_xlabel("")  # and the ticks are years
        top_right.set_title("Studies by year", loc="left")
        _one_colour(top_right)
        _bars_labelled_directly(top_left, size)
        _drop_bar_key(top_left)
        fig.suptitle(
            "Vitamin B12 and low back pain: the evidence at a glance",
            x=0.01,
            ha="left",
            fontweight="bold",
        )
    return fig


def _bars_labelled_directly(ax, size: str) -> None:
    """Every bar carries its number, so the top panel needs no x axis: its height goes to
    the bars. The numbers stay inside the axes (never under the key)."""
    from ._slidefit import fit, title_size, width_in

    values = [t for t in ax.texts if t.get_gid() in ("value", "rest-value")]
    if not values:
        ax.set_title("Largest primary studies", loc="left")
        return
    fw = SIZES[size][0]
    font = fontsize(ax)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    # "and 28 more studies" would be cut to "and 28 more studi…" on a 4:3 slide (names
    # longer than a third of its width are shortened): "+ 28 more studies" fits
    short = [
        "+ " + t[4:] if t.startswith("and ") and t.endswith(" more studies") else t for t in ticks
    ]
    if fw < 12 and short != ticks:
        ax.set_yticks(ax.get_yticks(), short)
        ticks = short
    names = min(max((width_in(t, font) for t in ticks), default=0.0), 0.3 * (fw - 0.8))
    width = max(2.0, fw - 0.86 - names - 0.3)  # the bars' axes, estimated before layout
    lo, hi = ax.get_xlim()
    need = hi
    for t in values:
        x, w = float(t.get_position()[0]), width_in(t.get_text(), font) + 0.1
        if width - w > 0.5:
            need = max(need, x * width / (width - w))
    ax.set_xlim(lo, need)
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    # the axis label's words in the title, as far as one line allows
    measure = "analysed" if "analysed" in ax.get_xlabel() else "enrolled"
    titles = [
        f"Largest primary studies: participants {measure}",
        f"Largest primary studies ({measure})",
    ]
    fits = [t for t in titles if width_in(t, title_size()) <= width]
    ax.set_title(
        fits[0] if fits else fit("Largest primary studies", width, 2, size=title_size()),
        loc="left",
    )


def _one_colour(ax) -> None:
    """Count studies per year in one colour, without the design key.

    The short panel has no height for a six-entry key (in the deck's picture area it
    squeezed the bars flat); the timeline slide and its data table break the years
    down by design.
    """
    legend = ax.get_legend()
    if legend is None:
        return
    legend.remove()
    for patch in ax.patches:  # one bar a year, not one block a design
        patch.set_facecolor(DESIGN_COLORS["rct"])
        patch.set_edgecolor(DESIGN_COLORS["rct"])
    ax.set_title("Studies by year, all designs", loc="left")


def _drop_bar_key(ax) -> None:
    """Keep only the group entries of a sample-size legend (space is short)."""
    legend = ax.get_legend()
    if legend is None:
        return
    keep = [
        (h, t.get_text())
        for h, t in zip(legend.legend_handles, legend.texts, strict=True)
        if "bar)" not in t.get_text()
    ]
    legend.remove()
    # under the bars, in a row; each entry wrapped to lines the slide layout keeps as they are
    ax.legend(
        [h for h, _ in keep],
        [textwrap.fill(t, 15, break_long_words=False) for _, t in keep],
        loc="upper right",
        bbox_to_anchor=(1.0, 0.0),
        ncol=min(3, len(keep)),
        handlelength=1.2,
        columnspacing=1.2,
        borderaxespad=0.2,
        labelspacing=0.3,
        frameon=False,
    )
