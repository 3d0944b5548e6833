"""Chart views: persistent Agg figures drawn in place and shown as PNG ``Image`` widgets.

Charts are persistent matplotlib ``Figure`` objects on the Agg canvas (no pyplot),
cleared and redrawn in place at screen size and sent to the browser as PNG bytes
(one Agg draw per update, no tight bounding box). Each view keeps the PNGs of its
last ``CACHE_SIZE`` inputs.
"""

from __future__ import annotations

import dataclasses
import io
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..filters import FilterState
from .forest import _forest_inputs

if TYPE_CHECKING:  # pragma: no cover
    from ..io import Evidence

__all__ = ["CACHE_SIZE", "CHART_ROWS", "DPI", "FIGSIZE", "png_bytes"]

CHART_ROWS = 15  # studies per chart on screen (the table lists them all, paged)
FIGSIZE = (9.0, 4.5)
DPI = 100
CACHE_SIZE = 32  # PNGs kept per chart view

# Chart figures use fixed margins sized from their text (see ``_fit_margins``):
# constrained layout would add a fifth or more to every redraw.


def _em_width(texts: list[str], size: float) -> float:
    """Rough width in inches of the longest line (about 0.6 em per character)."""
    longest = max((len(line) for text in texts for line in text.split("\n")), default=0)
    return 0.6 * size / 72 * longest


def _fit_margins(fig: Figure) -> None:
    """Fixed margins sized from the text around the (first) axes.

    Left: its y tick labels. Right: the tick labels of a twin axes (the forest plot's
    estimate column) and a legend placed outside the axes (``bbox_to_anchor`` beyond
    the right edge). Top: one line per title line. Bottom: one or two lines of x tick
    labels plus the axis label. Much cheaper than constrained layout, which measures
    every artist on every redraw.
    """
    if not fig.axes:
        return
    ax, twins = fig.axes[0], fig.axes[1:]
    ticks = ax.get_yticklabels()
    size = ticks[0].get_fontsize() if ticks else 10.0
    left = 0.35 + max(_em_width([t.get_text() for t in ticks], size), 0.3)
    right = 0.3
    for twin in twins:
        right += _em_width([t.get_text() for t in twin.get_yticklabels()], size) + 0.25
    legend = ax.get_legend()
    if legend is not None and legend.get_bbox_to_anchor().x0 > ax.bbox.x1 - 1:
        texts = [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
        right += _em_width(texts, size) + 3.0 * size / 72
    top = 0.35 + 0.22 * ax.get_title(loc="left").count("\n")
    lines = max((t.get_text().count("\n") + 1 for t in ax.get_xticklabels()), default=1)
    bottom = 0.35 + 0.18 * lines + (0.25 if ax.get_xlabel() else 0.0)
    if ax.xaxis.get_ticks_position() == "top":  # column headers above the axes
        top, bottom = top + 0.18 * lines, 0.35
    if legend is not None and legend.get_bbox_to_anchor().y1 < ax.bbox.y0 + 1:  # below
        bottom += 0.35  # one row of legend entries
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=min(0.45, left / width),
        right=max(0.5, 1 - right / width),
        top=1 - top / height,
        bottom=min(0.35, bottom / height),
    )


def png_bytes(fig: Figure) -> bytes:
    """PNG of a figure at its own size and dpi: one Agg draw, fast compression.

    ``savefig`` would draw the figure a second time; here the canvas is drawn once
    and its RGBA buffer is encoded by Pillow (no tight bounding box).

    Examples
    --------
    >>> fig = Figure(figsize=(2, 1), dpi=50)
    >>> png_bytes(fig)[:4]
    b'\\x89PNG'
    """
    from PIL import Image as PILImage

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    buf = io.BytesIO()
    PILImage.fromarray(np.asarray(canvas.buffer_rgba())).save(buf, format="png", compress_level=1)
    return buf.getvalue()


# ---------------------------------------------------------------- chart views


@dataclasses.dataclass
class _ChartView:
    """One persistent figure shown as a PNG in an ``Image`` widget.

    ``refresh`` redraws only when the view's inputs changed since the last draw;
    the PNGs of the last ``cache_size`` inputs are kept, so going back to a recent
    selection costs no drawing.
    """

    name: str
    draw: Callable[[Figure, Evidence, FilterState], None]
    inputs: Callable[[], Hashable]
    image: widgets.Image
    figure: Figure
    drawn: Any = dataclasses.field(default=None)
    cache_size: int = CACHE_SIZE
    cache: OrderedDict = dataclasses.field(default_factory=OrderedDict)

    def refresh(self, filtered: Evidence, state: FilterState) -> str:
        """Bring the image up to date; returns "same", "cached" or "drawn"."""
        key = self.inputs()
        if key == self.drawn:
            return "same"
        if key in self.cache:
            self.cache.move_to_end(key)
            self.image.value = self.cache[key]
            self.drawn = key
            return "cached"
        self.figure.clear()
        self.draw(self.figure, filtered, state)
        png = png_bytes(self.figure)
        self.image.value = png
        self.drawn = key
        if self.cache_size > 0:
            self.cache[key] = png
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return "drawn"


def _legend_outside(ax) -> None:
    """Move the axes' legend to the right of the axes, so it never covers bars or points.

    ``_fit_margins`` then makes room for it. A legend already outside stays.
    """
    legend = ax.get_legend()
    if legend is None:
        return
    anchor = legend.get_bbox_to_anchor()
    if anchor.x0 > ax.bbox.x1 - 1:
        return
    handles = legend.legend_handles
    labels = [t.get_text() for t in legend.get_texts()]
    title = legend.get_title().get_text() or None
    legend.remove()
    ax.legend(
        handles, labels, title=title, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False
    )


def _draw_sample_sizes(fig: Figure, ev: Evidence, state: FilterState) -> None:
    from .. import charts

    charts.sample_size_chart(ev.studies, by="route", max_studies=CHART_ROWS, ax=fig.add_subplot())
    _legend_outside(fig.axes[0])
    _fit_margins(fig)


def _draw_routes(fig: Figure, ev: Evidence, state: FilterState) -> None:
    from .. import charts

    charts.route_form_chart(ev.studies, ax=fig.add_subplot())
    _legend_outside(fig.axes[0])
    _fit_margins(fig)


def _draw_direction(fig: Figure, ev: Evidence, state: FilterState) -> None:
    from .. import charts

    # the chart keeps the largest studies and says how many it leaves out
    charts.direction_plot(ev, max_studies=CHART_ROWS, ax=fig.add_subplot())
    _fit_margins(fig)


def _draw_forest(fig: Figure, ev: Evidence, state: FilterState, full=None, certainty=None) -> None:
    """The forest plot; ``certainty()`` (the GRADE table, cached by the explorer) adds
    the certainty of the comparison and outcome shown under the title (or "not rated"
    when the folder rates others)."""
    from .. import charts, summaries

    ax = fig.add_subplot()
    effects, pooled = _forest_inputs(ev, state, full)
    # the chart keeps the heaviest rows, says how many it leaves out, pools over all
    charts.forest_plot(effects, pooled=pooled, max_rows=CHART_ROWS, ax=ax)
    table = certainty() if certainty is not None and len(effects) else None
    if table is not None and len(table):  # a folder without GRADE ratings: no line
        line = summaries.certainty_line(
            ev,
            comparison=str(effects["comparison"].iloc[0]),
            outcome=str(effects["outcome"].iloc[0]),
            table=table,
        )
        ax.set_title(f"{ax.get_title(loc='left')}\n{line}", loc="left")
    _legend_outside(ax)
    _fit_margins(fig)


def _draw_evidence_map(fig: Figure, ev: Evidence, state: FilterState) -> None:
    from .. import charts

    charts.evidence_map(ev.studies, ev.results, ax=fig.add_subplot())  # legend below
    _fit_margins(fig)
