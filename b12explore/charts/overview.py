"""The timeline of studies and the one-slide overview of the evidence."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import summaries
from ..schema import vocab_of
from ..style import DESIGN_COLORS, SIZES, color_for, slide_context
from ._base import empty, new_axes
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
    direction of effect has its own slide.

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
        grid = fig.add_gridspec(2, 1, height_ratios=[1.8, 1])
        top_left = sample_size_chart(
            evidence.studies, max_studies=3, ax=fig.add_subplot(grid[0, 0])
        )
        top_right = timeline_chart(evidence.studies, labels=False, ax=fig.add_subplot(grid[1, 0]))
        top_right.set_ylabel("")  # the panel title says "Studies by year"
        for ax, title in (
            (top_left, "Largest primary studies"),
            (top_right, "Studies by year"),
        ):
            ax.set_title(title, loc="left")
            legend = ax.get_legend()
            if legend is not None:
                legend.set_loc("upper left")
                legend.set_bbox_to_anchor((1.01, 1.0))
        _drop_bar_key(top_left)
        _two_column_key(top_right)
        fig.suptitle(
            "Vitamin B12 and low back pain: the evidence at a glance",
            x=0.01,
            ha="left",
            fontweight="bold",
        )
    return fig


def _two_column_key(ax) -> None:
    """Lay a long design legend out in two columns so it stays beside its short panel."""
    legend = ax.get_legend()
    if legend is None or len(legend.texts) <= 3:
        return
    handles, labels = legend.legend_handles, [t.get_text() for t in legend.texts]
    legend.remove()
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), ncol=2, frameon=False)


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
    ax.legend(
        [h for h, _ in keep],
        [t.replace(": ", ":\n") for _, t in keep],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
    )
