"""Shared helpers for the chart modules: axes creation, the empty note, legends."""

from __future__ import annotations

import textwrap

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ._inline import register_inline_display

EMPTY_NOTE = "no studies match"


def new_axes(ax: Axes | None, figsize: tuple[float, float] = (10.0, 6.0)) -> Axes:
    """``ax`` itself, or the axes of a new ``Figure`` (no pyplot state)."""
    if ax is not None:
        return ax
    register_inline_display()  # pictures in Jupyter without %matplotlib inline
    fig = Figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


def empty(ax: Axes, title: str | None = None, note: str = EMPTY_NOTE) -> Axes:
    """Blank the axes and write the "no studies match" note in the middle."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.text(
        0.5,
        0.5,
        note,
        transform=ax.transAxes,
        ha="center",
        va="center",
        color="0.35",
        gid="empty-note",
    )
    if title:
        ax.set_title(title, loc="left")
    return ax


def patches(items: list[tuple[str, str]], **kw) -> list[Patch]:
    """Legend patches from ``(label, colour)`` pairs."""
    return [Patch(facecolor=c, edgecolor="none", label=lab, **kw) for lab, c in items]


def wrap(text: str, width: int) -> str:
    """Wrap ``text`` to lines of at most ``width`` characters."""
    return "\n".join(textwrap.wrap(str(text), max(8, width), break_long_words=False))


def axes_size_in(ax: Axes, margins: tuple[float, float] = (1.8, 1.6)) -> tuple[float, float]:
    """Estimated width and height of the axes box in inches, before any drawing.

    Under constrained layout the final box is only known after a draw; it is
    estimated as the subplot cell minus ``margins`` (labels, title, legend).
    """
    fw, fh = ax.figure.get_size_inches()
    engine = ax.figure.get_layout_engine()
    spec = ax.get_subplotspec()
    if engine is not None and spec is not None:
        grid = spec.get_gridspec()
        wr = list(grid.get_width_ratios() or [1] * grid.ncols)
        hr = list(grid.get_height_ratios() or [1] * grid.nrows)
        w = sum(wr[i] for i in spec.colspan) / sum(wr) * fw
        h = sum(hr[i] for i in spec.rowspan) / sum(hr) * fh
        return max(w - margins[0], 1.0), max(h - margins[1], 1.0)
    pos = ax.get_position()
    return pos.width * fw, pos.height * fh


def fontsize(ax: Axes) -> float:
    """The figure's base font size (rcParams at creation, as a number)."""
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties

    return FontProperties(size=rcParams["font.size"]).get_size_in_points()


def largest_studies(table, max_studies: int, n_col: str = "n"):
    """Rows of the ``max_studies`` studies with most participants (order kept).

    Returns the kept rows and how many studies were left out.
    """
    ids = table.drop_duplicates("study_id")
    if len(ids) <= max_studies:
        return table, 0
    n = ids[n_col].astype(float).fillna(-1)
    keep = set(
        ids.loc[n.sort_values(ascending=False, kind="stable").index[:max_studies], "study_id"]
    )
    return table[table["study_id"].isin(keep)], len(ids) - max_studies


def more_note(ax, left_out: int, what: str = "smaller studies") -> None:
    """Note under the axes that ``left_out`` studies are not drawn."""
    if left_out > 0:
        ax.text(
            1,
            -0.02,
            f"+ {left_out:,} {what} not shown",
            transform=ax.transAxes,
            ha="right",
            va="top",
            color="0.35",
            gid="more-note",
        )
