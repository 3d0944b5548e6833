"""The one-slide overview of the evidence."""

from __future__ import annotations

from matplotlib.figure import Figure

from ..style import SIZES, slide_context
from .findings import direction_plot
from .maps import timeline_chart
from .sample_sizes import sample_size_chart

__all__ = ["evidence_overview", "slide_figure"]


def slide_figure(size: str) -> Figure:
    """An empty slide-sized figure with constrained layout."""
    from ._inline import register_inline_display

    register_inline_display()  # pictures in Jupyter without %matplotlib inline
    return Figure(figsize=SIZES[size], layout="constrained")


def evidence_overview(evidence, *, size: str = "16:9") -> Figure:
    """One slide with the key panels: sample sizes, timeline and effect directions.

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
        grid = fig.add_gridspec(2, 2, height_ratios=[1, 1.15], width_ratios=[1.1, 1])
        top_left = sample_size_chart(
            evidence.studies, max_studies=5, ax=fig.add_subplot(grid[0, 0])
        )
        top_right = timeline_chart(evidence.studies, labels=False, ax=fig.add_subplot(grid[0, 1]))
        bottom = direction_plot(evidence.studies, evidence.results, ax=fig.add_subplot(grid[1, :]))
        for ax, title in (
            (top_left, "Sample sizes (primary studies)"),
            (top_right, "Studies by year"),
            (bottom, "Direction of effect"),
        ):
            ax.set_title(title, loc="left")
            legend = ax.get_legend()
            if legend is not None:
                legend.set_loc("upper left")
                legend.set_bbox_to_anchor((1.0, 1.0))
        _drop_bar_key(top_left)
        fig.suptitle(
            "Vitamin B12 and low back pain: the evidence at a glance",
            x=0.01,
            ha="left",
            fontweight="bold",
        )
    return fig


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
