"""Laying a figure out for a slide, temporarily (see :func:`laid_out`).

For the duration of a render the figure is sized at the slide's physical size,
every text at least :data:`~b12explore.style.MIN_SLIDE_PT` points, the caption
drawn along the bottom, and all ink kept inside a safe area :data:`SAFE_MARGIN_IN`
inches from every edge. Afterwards the figure is left exactly as it was found.
The individual fitting steps live in :mod:`._fitting`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..style import MIN_SLIDE_PT, SAFE_MARGIN_IN, SIZES
from ..textsafe import clean_text
from ._fitting import (
    Restore,
    clear_legends,
    enlarge_fonts,
    fit_axes,
    fit_tick_labels,
    keep_inside,
    legends_outside,
    notes_below_axis,
    thin_ticks,
    wrap_wide_texts,
)
from .slidetext import title_texts, wrap_lines

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "CAPTION_FONTSIZE",
    "CAPTION_MAX_LINES",
    "SAFE_MARGIN_IN",
    "Layout",
    "laid_out",
    "slide_inches",
]

CAPTION_FONTSIZE = MIN_SLIDE_PT
CAPTION_MAX_LINES = 3
# rc under which ``Figure.set_layout_engine(None)`` really means no engine
_NO_AUTO_LAYOUT = {"figure.autolayout": False, "figure.constrained_layout.use": False}


def slide_inches(size: str | tuple[float, float], dpi: int) -> tuple[float, float]:
    """Slide size in inches, rounded to whole pixels at ``dpi``.

    Examples
    --------
    >>> slide_inches("16:9", 200)
    (13.335, 7.5)
    """
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi <= 0:
        raise ValueError(f"dpi must be a positive whole number, got {dpi!r}")
    if isinstance(size, str):
        if size not in SIZES:
            raise ValueError(f"size must be one of {sorted(SIZES)} or (w, h), got {size!r}")
        size = SIZES[size]
    w, h = (float(v) for v in size)
    if not (w > 0 and h > 0):
        raise ValueError(f"slide size must be positive, got {size!r}")
    return round(w * dpi) / dpi, round(h * dpi) / dpi


class Layout:
    """A figure laid out for a slide (yielded by :func:`laid_out`)."""

    def __init__(self, fig: Figure, safe: tuple[float, float, float, float]):
        self.fig = fig
        #: The safe area as figure fractions (x0, y0, x1, y1).
        self.safe = safe

    def text_boxes(self) -> list[tuple[str, tuple[float, float, float, float]]]:
        """Every visible, non-empty text with its box in inches (x0, y0, x1, y1).

        Examples
        --------
        >>> from matplotlib.figure import Figure
        >>> fig = Figure()
        >>> _ = fig.add_subplot().set_title("T")
        >>> with laid_out(fig, "4:3") as lay:
        ...     [t for t, _ in lay.text_boxes()][-1]
        'T'
        """
        from matplotlib.text import Text

        renderer = self.fig.canvas.get_renderer()
        dpi = self.fig.dpi
        hidden = {  # texts of a hidden axis (a twin's x axis) are never drawn
            id(t)
            for ax in self.fig.axes
            for axis in (ax.xaxis, ax.yaxis)
            if not axis.get_visible()
            for t in axis.findobj(Text)
        }
        out = []
        for t in self.fig.findobj(Text):
            if id(t) in hidden or not t.get_visible() or not t.get_text().strip():
                continue
            parent_visible = all(
                a.get_visible() for a in (t.axes, getattr(t, "figure", None)) if a is not None
            )
            if not parent_visible:
                continue
            bb = t.get_window_extent(renderer)
            if bb.width <= 0 or bb.height <= 0:
                continue
            out.append((t.get_text(), (bb.x0 / dpi, bb.y0 / dpi, bb.x1 / dpi, bb.y1 / dpi)))
        return out


@contextlib.contextmanager
def laid_out(
    fig: Figure,
    size: str | tuple[float, float],
    caption: str | None = None,
    *,
    margin: float = SAFE_MARGIN_IN,
    title: bool = True,
    dpi: int = 100,
) -> Iterator[Layout]:
    """Temporarily lay ``fig`` out for a slide; everything is restored on exit.

    Inside the block the figure has the slide's size, no text smaller than
    :data:`~b12explore.style.MIN_SLIDE_PT`, the caption (wrapped, at most three
    lines, ``…`` when cut) along the bottom, and all ink inside ``margin`` inches
    from every edge. Works for any figure: constrained, tight or no layout engine.

    Parameters
    ----------
    fig : Figure
    size : {"16:9", "4:3"} or (width, height) in inches
    caption : str, optional
    margin : float, default :data:`SAFE_MARGIN_IN`
    title : bool, default True
        False hides the figure's title (a deck slide shows it as slide text).
    dpi : int, default 100
        Only rounds the size to whole pixels.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(4, 3))
    >>> _ = fig.add_subplot().plot([1, 2])
    >>> with laid_out(fig, "16:9", "Source: x") as lay:
    ...     [round(float(v), 2) for v in fig.get_size_inches()]
    [13.33, 7.5]
    >>> [float(v) for v in fig.get_size_inches()]
    [4.0, 3.0]
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    size_in = slide_inches(size, dpi) if isinstance(size, str) else tuple(map(float, size))
    w, h = size_in
    old_size = tuple(fig.get_size_inches())
    old_engine = fig.get_layout_engine()
    positions = [
        (ax, ax.get_position(original=True), ax.get_position(original=False), ax.get_in_layout())
        for ax in fig.axes
    ]
    restore = Restore()
    text = None
    old_canvas = fig.canvas
    literal = contextlib.ExitStack()
    try:
        # texts are measured outside a draw: clean them first (a lone surrogate would
        # reach the font engine); a chart's texts are data (literal), a user's keep math
        from ..charts._base import literal_texts

        literal.enter_context(literal_texts(fig, math=not getattr(fig, "_b12_literal", False)))
        # One Agg renderer for every measurement (text sizes are cached per renderer).
        FigureCanvasAgg(fig)
        # a fixed layout dpi: the same figure gives the same bytes whatever its own dpi
        restore.set(fig, "get_dpi", "set_dpi", 100)
        fig.set_size_inches(size_in, forward=False)
        if not title:
            for t in title_texts(fig):
                restore.set(t, "get_visible", "set_visible", False)
        enlarge_fonts(fig, restore, MIN_SLIDE_PT)
        fit_tick_labels(fig, w - 2 * margin, restore)
        legends_outside(fig, restore, w - 2 * margin)
        cap_h = 0.0
        if caption:
            wrapped = wrap_lines(
                clean_text(caption), w - 2 * margin, CAPTION_FONTSIZE, CAPTION_MAX_LINES
            )
            n_lines = wrapped.count("\n") + 1
            cap_h = (n_lines * CAPTION_FONTSIZE * 1.25 + 10) / 72
            text = fig.text(
                margin / w,
                (margin + 0.02) / h,
                wrapped,
                ha="left",
                va="bottom",
                fontsize=CAPTION_FONTSIZE,
                color="#333333",
                linespacing=1.2,
                gid="slide-caption",
                parse_math=False,
            )
            text.set_in_layout(False)  # it sits below the safe area of the chart
        inset = margin + 0.03  # hinting at another dpi may widen text by a pixel or two
        safe = (inset / w, (margin + cap_h) / h, 1 - inset / w, 1 - inset / h)
        renderer = fig.canvas.get_renderer()
        wrap_wide_texts(fig, renderer, w - 2 * margin, restore)
        keep_inside(fig, renderer, safe, restore)
        grid_axes = [ax for ax in fig.axes if ax.get_subplotspec() is not None]
        if grid_axes:
            engine = ConstrainedLayoutEngine(
                rect=(safe[0], safe[1], safe[2] - safe[0], safe[3] - safe[1]),
                h_pad=0.06,
                w_pad=0.06,
            )
            fig.set_layout_engine(engine)
            fig.draw_without_rendering()  # runs the layout at this size and font
        # Keep the positions just computed, with no engine at all: "none" would leave a
        # placeholder engine, and savefig runs a full (undrawn) draw before printing any
        # figure that has an engine, about a fifth of the render time.
        with matplotlib.rc_context(_NO_AUTO_LAYOUT):
            fig.set_layout_engine(None)
        keep_inside(fig, renderer, safe, restore)  # the layout may have moved a suptitle
        notes_below_axis(fig, renderer, restore)
        clear_legends(fig, renderer, restore)
        fit_axes(fig, renderer, safe)
        notes_below_axis(fig, renderer, restore)
        clear_legends(fig, renderer, restore)
        fit_axes(fig, renderer, safe)
        thin_ticks(fig, renderer, restore)
        yield Layout(fig, safe)
    finally:
        if text is not None:
            text.remove()
        restore.run()
        literal.close()
        fig.set_layout_engine(old_engine)
        for ax, orig, active, in_layout in positions:
            ax.set_position(orig, which="original")
            ax.set_position(active, which="active")
            ax.set_in_layout(in_layout)  # set_position takes an axes out of the layout
        fig.set_size_inches(old_size, forward=False)
        fig.set_canvas(old_canvas)
