"""Rendering a figure for a slide into PNG/SVG/PDF bytes, deterministically.

For the duration of a render the figure is laid out for the slide (see
:func:`laid_out`): sized at the slide's physical size, every text at least
:data:`~b12explore.style.MIN_SLIDE_PT` points, the caption drawn along the bottom,
and all ink kept inside a safe area :data:`SAFE_MARGIN_IN` inches from every edge.
Afterwards the figure is left exactly as it was found. Settings that matter for
reproducible bytes are applied through ``rc_context``, never global ``rcParams``.
:func:`render_many` renders several figures, in worker processes when asked.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import signal
import sys
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from ..style import MIN_SLIDE_PT, SIZES, SVG_RC
from ..textsafe import clean_svg, clean_text

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure
    from matplotlib.text import Text

__all__ = [
    "FORMATS",
    "SAFE_MARGIN_IN",
    "check_formats",
    "figure_title",
    "laid_out",
    "render_figure",
    "render_many",
    "slide_inches",
]

#: Image formats a figure can be rendered to.
FORMATS = ("png", "svg", "pdf")
#: No ink closer than this to any edge of the slide (projectors and templates crop).
SAFE_MARGIN_IN = 0.4
CAPTION_FONTSIZE = MIN_SLIDE_PT
CAPTION_MAX_LINES = 3
ELLIPSIS = "…"
#: zlib level for PNG (matplotlib uses 6; 3 is about a third faster, files ~30% larger).
PNG_COMPRESS_LEVEL = 3

# PDF keeps matplotlib's default Type 3 fonts: Type 42 embedding (fontTools subsetting)
# made the PDF step about three times slower.
_RC = {**SVG_RC, "pdf.fonttype": 3}
_METADATA: dict[str, dict[str, Any] | None] = {
    "png": None,
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
}


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


def check_formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    """The image formats asked for, checked and de-duplicated (may be empty).

    Examples
    --------
    >>> check_formats("PNG, svg")
    ('png', 'svg')
    >>> check_formats([])
    ()
    """
    if isinstance(formats, str):
        formats = [f for f in formats.replace(",", " ").split() if f]
    out = tuple(dict.fromkeys(f.lower().lstrip(".") for f in formats))
    bad = [f for f in out if f not in FORMATS]
    if bad:
        raise ValueError(f"formats must be among {', '.join(FORMATS)}; got {list(formats)!r}")
    return out


def wrap_lines(text: str, width_in: float, fontsize: float, max_lines: int) -> str:
    """Wrap ``text`` to ``width_in`` inches; past ``max_lines`` end with a visible ``…``.

    Examples
    --------
    >>> wrap_lines("a " * 100, 2.0, 18, 2).endswith("…")
    True
    """
    chars = max(10, int(width_in * 72 / (0.55 * fontsize)))
    lines: list[str] = []
    for para in str(text).splitlines() or [""]:
        lines.extend(textwrap.wrap(para, chars) or [""])
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: chars - 2].rstrip() + " " + ELLIPSIS
    return "\n".join(lines)


def figure_title(fig: Figure) -> str:
    """The title a figure shows: its suptitle, else the first axes' title.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> _ = fig.add_subplot().set_title("Sizes", loc="left")
    >>> figure_title(fig)
    'Sizes'
    """
    if fig.get_suptitle():
        return fig.get_suptitle()
    for ax in fig.axes:
        for loc in ("left", "center", "right"):
            if ax.get_title(loc):
                return ax.get_title(loc)
    return ""


def _title_texts(fig: Figure) -> list[Text]:
    """The Text artists that draw :func:`figure_title`."""
    from matplotlib.text import Text

    title = figure_title(fig)
    if not title:
        return []
    if fig.get_suptitle():
        return [t for t in fig.texts if t.get_text() == title]
    for ax in fig.axes:
        found = [c for c in ax.get_children() if isinstance(c, Text) and c.get_text() == title]
        if found:
            return found
    return []


class _Restore:
    """Undo list: every change made while laying a figure out for a slide."""

    def __init__(self) -> None:
        self.undo: list[Any] = []

    def set(self, obj: Any, getter: str, setter: str, value: Any) -> None:
        old = getattr(obj, getter)()
        self.undo.append((getattr(obj, setter), old))
        getattr(obj, setter)(value)

    def run(self) -> None:
        for setter, old in reversed(self.undo):
            setter(old)
        self.undo.clear()


def _enlarge_fonts(fig: Figure, restore: _Restore, min_pt: float) -> None:
    """Every text at least ``min_pt``: tick labels through the axis, others directly."""
    from matplotlib.text import Text

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = axis.get_ticklabels(which="both")
            size = min((t.get_fontsize() for t in labels), default=min_pt)
            if size < min_pt:
                axis.set_tick_params(which="both", labelsize=min_pt)
                restore.undo.append(
                    (lambda s, a=axis: a.set_tick_params(which="both", labelsize=s), size)
                )
    for t in fig.findobj(Text):
        if t.get_fontsize() < min_pt:
            restore.set(t, "get_fontsize", "set_fontsize", min_pt)


def shorten(text: str, chars: int) -> str:
    """``text`` cut to ``chars`` characters with a visible ``…`` when it is longer.

    Examples
    --------
    >>> shorten("Calderon-Ospina 2020 (Therapy duration)", 20)
    'Calderon-Ospina 202…'
    """
    lines = str(text).split("\n")
    out = [ln if len(ln) <= chars else ln[: max(1, chars - 1)].rstrip() + ELLIPSIS for ln in lines]
    return "\n".join(out)


def _fit_tick_labels(fig: Figure, width_in: float, restore: _Restore) -> None:
    """Shorten y labels wider than a third of the slide; wrap crowded x labels.

    The axis gets fixed ticks with the fitted labels for the render; its own
    locator and formatter are put back afterwards.
    """
    from matplotlib.ticker import FixedFormatter, FixedLocator

    for ax in fig.axes:
        for axis, horizontal in ((ax.yaxis, False), (ax.xaxis, True)):
            texts = axis.get_majorticklabels()  # formats the current ticks
            labels = [t.get_text() for t in texts]
            if not labels:
                continue
            size = max((t.get_fontsize() for t in texts), default=MIN_SLIDE_PT)
            if horizontal:
                room = ax.get_position().width * width_in / len(labels)
            else:
                room = 0.3 * width_in
            chars = max(6, int(room * 72 / (0.6 * size)))
            if all(len(ln) <= chars for v in labels for ln in v.split("\n")):
                continue
            locs = list(axis.get_majorticklocs())
            old = (axis.get_major_locator(), axis.get_major_formatter())
            axis.set_major_locator(FixedLocator(locs))
            axis.set_major_formatter(
                FixedFormatter([_fit_one(v, chars, horizontal) for v in labels])
            )
            restore.undo.append(
                (lambda o, a=axis: (a.set_major_locator(o[0]), a.set_major_formatter(o[1])), old)
            )


def _fit_one(label: str, chars: int, wrap: bool) -> str:
    if not wrap:
        return shorten(label, chars)
    lines = textwrap.wrap(label.replace("\n", " "), chars) or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1] + " " + " ".join(lines[2:])]
    return "\n".join(shorten(ln, chars) for ln in lines)


def _legends_outside(fig: Figure, restore: _Restore, width_in: float) -> None:
    """Move legends drawn inside their axes to the right of it (never over the data).

    Legend entries are wrapped so that a legend takes at most about a quarter of
    the slide's width.
    """
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible() or not hasattr(legend, "_loc"):
            continue
        for t in [*legend.get_texts(), legend.get_title()]:
            chars = max(12, int(0.25 * width_in * 72 / (0.58 * t.get_fontsize())))
            if any(len(line) > chars for line in t.get_text().split("\n")):
                wrapped = "\n".join(textwrap.wrap(t.get_text(), chars, break_long_words=False))
                restore.set(t, "get_text", "set_text", wrapped)
        if tuple(legend.get_bbox_to_anchor().bounds) != tuple(ax.bbox.bounds):
            continue  # the chart placed it itself
        old_loc = legend._loc  # matplotlib keeps no public getter for the location code
        legend.set_loc("upper left")
        legend.set_bbox_to_anchor((1.01, 1.0), transform=ax.transAxes)
        restore.undo.append(
            (lambda loc, lg=legend: (lg.set_bbox_to_anchor(None), lg.set_loc(loc)), old_loc)
        )


def _clear_legends(fig: Figure, renderer: Any, restore: _Restore) -> None:
    """Push a legend to the right of its axes past any text that runs out of the axes."""
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible() or ax.bbox.width <= 0:
            continue
        anchor = legend.get_bbox_to_anchor()
        if anchor.x0 < ax.bbox.x1 - 1:  # not a legend beside the axes
            continue
        right = max(
            (t.get_window_extent(renderer).x1 for t in ax.texts if t.get_visible()),
            default=ax.bbox.x1,
        )
        if right > anchor.x0:
            x = (right - ax.bbox.x0) / ax.bbox.width + 0.01
            old = getattr(legend, "_bbox_to_anchor", None)  # no public getter for the spec
            legend.set_bbox_to_anchor((x, 1.0), transform=ax.transAxes)
            restore.undo.append((lambda b, lg=legend: setattr(lg, "_bbox_to_anchor", b), old))


def _wrap_wide_texts(fig: Figure, renderer: Any, width_in: float, restore: _Restore) -> None:
    """Wrap (at most two lines, then ``…``) any title or note wider than the safe area."""
    dpi = fig.dpi
    texts = [t for t in fig.texts if t.get_gid() != "slide-caption"]
    for ax in fig.axes:
        texts += [c for c in ax.get_children() if c is ax.title or c in _title_texts(fig)]
    for t in dict.fromkeys(texts):
        if not t.get_visible() or not t.get_text():
            continue
        width = t.get_window_extent(renderer).width / dpi
        if width > width_in:
            wrapped = wrap_lines(t.get_text(), width_in * 0.95, t.get_fontsize(), 2)
            restore.set(t, "get_text", "set_text", wrapped)


def _notes_below_axis(fig: Figure, renderer: Any, restore: _Restore) -> None:
    """Move notes written just under an axes (``+ N more``) below its x tick labels."""
    for ax in fig.axes:
        below = [
            t
            for t in ax.texts
            if t.get_visible() and t.get_transform() == ax.transAxes and t.get_position()[1] < 0
        ]
        if not below or ax.bbox.height <= 0:
            continue
        axis_box = ax.xaxis.get_tightbbox(renderer)
        if axis_box is None:
            continue
        for t in below:
            x, _ = t.get_position()
            restore.set(t, "get_verticalalignment", "set_verticalalignment", "top")
            y = (axis_box.y0 - 4 - ax.bbox.y0) / ax.bbox.height
            restore.set(t, "get_position", "set_position", (x, y))


def _keep_inside(
    fig: Figure, renderer: Any, safe: tuple[float, float, float, float], restore: _Restore
) -> None:
    """Move figure-level texts (suptitle, notes) that stick out of the safe area."""
    w, h = fig.get_size_inches()
    x0, y0, x1, y1 = (safe[0] * w, safe[1] * h, safe[2] * w, safe[3] * h)
    dpi = fig.dpi
    for t in fig.texts:
        if not t.get_visible() or not t.get_text() or t.get_gid() == "slide-caption":
            continue
        bb = t.get_window_extent(renderer)
        bx0, by0, bx1, by1 = bb.x0 / dpi, bb.y0 / dpi, bb.x1 / dpi, bb.y1 / dpi
        dx = max(0.0, x0 - bx0) - max(0.0, bx1 - x1)
        dy = max(0.0, y0 - by0) - max(0.0, by1 - y1)
        if dx or dy:
            px, py = t.get_position()
            restore.set(t, "get_position", "set_position", (px + dx / w, py + dy / h))


def _header_bottom(fig: Figure, renderer: Any) -> float | None:
    """Lowest edge (figure fraction) of the figure-level texts in the top half."""
    h = fig.bbox.height
    lows = []
    for t in fig.texts:
        if not t.get_visible() or not t.get_text() or t.get_gid() == "slide-caption":
            continue
        bb = t.get_window_extent(renderer)
        if (bb.y0 + bb.y1) / 2 > h / 2:
            lows.append(bb.y0 / h)
    return min(lows) if lows else None


def _axes_ink(axes: list, renderer: Any, size_px: tuple[float, float]) -> tuple[float, ...]:
    boxes = [ax.get_tightbbox(renderer) for ax in axes]
    boxes = [b for b in boxes if b is not None]
    w, h = size_px
    return (
        min(b.x0 for b in boxes) / w,
        min(b.y0 for b in boxes) / h,
        max(b.x1 for b in boxes) / w,
        max(b.y1 for b in boxes) / h,
    )


def _fit_axes(fig: Figure, renderer: Any, safe: tuple[float, float, float, float]) -> None:
    """Shrink the axes until their ink lies inside ``safe`` and below the header."""
    axes = [ax for ax in fig.axes if ax.get_visible()]
    if not axes:
        return
    header = _header_bottom(fig, renderer)
    top = min(safe[3], header - 0.012) if header is not None else safe[3]
    size_px = (fig.bbox.width, fig.bbox.height)
    for _ in range(5):
        ink = _axes_ink(axes, renderer, size_px)
        over = (
            max(0.0, safe[0] - ink[0]),
            max(0.0, safe[1] - ink[1]),
            max(0.0, ink[2] - safe[2]),
            max(0.0, ink[3] - top),
        )
        if max(over) < 1e-4:
            return
        boxes = [ax.get_position() for ax in axes]
        ux0, uy0 = min(b.x0 for b in boxes), min(b.y0 for b in boxes)
        ux1, uy1 = max(b.x1 for b in boxes), max(b.y1 for b in boxes)
        nx0, ny0 = ux0 + over[0] + 0.002, uy0 + over[1] + 0.002
        nx1, ny1 = ux1 - over[2] - 0.002, uy1 - over[3] - 0.002
        if nx1 - nx0 < 0.05 or ny1 - ny0 < 0.05:
            return
        sx, sy = (nx1 - nx0) / (ux1 - ux0), (ny1 - ny0) / (uy1 - uy0)
        for ax, b in zip(axes, boxes, strict=True):
            ax.set_position(
                [nx0 + (b.x0 - ux0) * sx, ny0 + (b.y0 - uy0) * sy, b.width * sx, b.height * sy]
            )


def _thin_ticks(fig: Figure, renderer: Any, restore: _Restore) -> None:
    """Drop every other tick label of an axis whose labels touch (large slide text)."""
    from matplotlib.ticker import FixedLocator, ScalarFormatter

    from ..charts._base import unwrap_formatter

    for ax in fig.axes:
        for axis, horizontal in ((ax.xaxis, True), (ax.yaxis, False)):
            if not isinstance(unwrap_formatter(axis.get_major_formatter()), ScalarFormatter):
                continue  # category labels are never dropped (they are fitted instead)
            for _ in range(5):
                texts = [t for t in axis.get_majorticklabels() if t.get_text().strip()]
                boxes = sorted(
                    (t.get_window_extent(renderer) for t in texts),
                    key=lambda b: b.x0 if horizontal else b.y0,
                )
                touching = any(
                    (a.x1 + 4 > b.x0) if horizontal else (a.y1 + 2 > b.y0)
                    for a, b in zip(boxes, boxes[1:], strict=False)
                )
                lo, hi = sorted(axis.get_view_interval())
                locs = [v for v in axis.get_majorticklocs() if lo <= v <= hi]
                if not touching or len(locs) < 2:
                    break
                restore.undo.append((axis.set_major_locator, axis.get_major_locator()))
                axis.set_major_locator(FixedLocator(locs[::2]))


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
        out = []
        for t in self.fig.findobj(Text):
            if not t.get_visible() or not t.get_text().strip():
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
    restore = _Restore()
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
            for t in _title_texts(fig):
                restore.set(t, "get_visible", "set_visible", False)
        _enlarge_fonts(fig, restore, MIN_SLIDE_PT)
        _fit_tick_labels(fig, w - 2 * margin, restore)
        _legends_outside(fig, restore, w - 2 * margin)
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
        _wrap_wide_texts(fig, renderer, w - 2 * margin, restore)
        _keep_inside(fig, renderer, safe, restore)
        grid_axes = [ax for ax in fig.axes if ax.get_subplotspec() is not None]
        if grid_axes:
            engine = ConstrainedLayoutEngine(
                rect=(safe[0], safe[1], safe[2] - safe[0], safe[3] - safe[1]),
                h_pad=0.06,
                w_pad=0.06,
            )
            fig.set_layout_engine(engine)
            fig.draw_without_rendering()  # runs the layout at this size and font
        fig.set_layout_engine("none")  # keep the positions just computed
        _keep_inside(fig, renderer, safe, restore)  # the layout may have moved a suptitle
        _notes_below_axis(fig, renderer, restore)
        _clear_legends(fig, renderer, restore)
        _fit_axes(fig, renderer, safe)
        _notes_below_axis(fig, renderer, restore)
        _clear_legends(fig, renderer, restore)
        _fit_axes(fig, renderer, safe)
        _thin_ticks(fig, renderer, restore)
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


def _png(fig: Figure, size_in: tuple[float, float], dpi: int) -> bytes:
    """PNG bytes: RGB when the figure is opaque, faster zlib level, physical dpi stored."""
    import matplotlib
    from PIL import Image, PngImagePlugin

    w, h = round(size_in[0] * dpi), round(size_in[1] * dpi)
    buf = io.BytesIO()
    fig.savefig(buf, format="rgba", dpi=dpi)
    raw = buf.getvalue()
    if len(raw) != w * h * 4:  # pragma: no cover - pixel rounding differs: plain savefig
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, metadata=_METADATA["png"])
        return buf.getvalue()
    img = Image.frombuffer("RGBA", (w, h), raw, "raw", "RGBA", 0, 1)
    if img.getchannel("A").getextrema()[0] == 255:
        img = img.convert("RGB")
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", f"Matplotlib version{matplotlib.__version__}, b12explore")
    out = io.BytesIO()
    img.save(out, "png", compress_level=PNG_COMPRESS_LEVEL, pnginfo=info, dpi=(dpi, dpi))
    return out.getvalue()


def render_figure(
    fig: Figure,
    formats: str | Sequence[str] = FORMATS,
    *,
    size: str | tuple[float, float] = "16:9",
    caption: str | None = None,
    dpi: int = 200,
    margin: float = SAFE_MARGIN_IN,
    title: bool = True,
) -> dict[str, bytes]:
    """Render ``fig`` laid out for a slide into bytes per format, deterministically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Any figure; it is left as it was found.
    formats : sequence of {"png", "svg", "pdf"}
    size : {"16:9", "4:3"} or (width, height) in inches
    caption : str, optional
        Text placed along the bottom edge (sources, filters, data version).
    dpi : int, default 200
        Resolution of the PNG.
    margin, title
        As in :func:`laid_out`.

    Returns
    -------
    dict of str to bytes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> _ = fig.add_subplot().plot([1, 2])
    >>> png = render_figure(fig, ["png"], dpi=50)["png"]
    >>> int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    (667, 375)
    """
    import matplotlib

    formats = check_formats(formats)
    size_in = slide_inches(size, dpi)
    out: dict[str, bytes] = {}
    with (
        matplotlib.rc_context(_RC),
        laid_out(fig, size_in, caption, margin=margin, title=title),
    ):
        for fmt in formats:
            if fmt == "png":
                out[fmt] = _png(fig, size_in, dpi)
            else:
                buf = io.BytesIO()
                fig.savefig(buf, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
                out[fmt] = clean_svg(buf.getvalue()) if fmt == "svg" else buf.getvalue()
    return out


# A render request: (figure, formats, size, caption, dpi) or with a dict of options.
Job = tuple[Any, ...]

_worker_jobs: list[Job] = []  # set in each worker process by _worker_start, never in the parent


def _render(job: Job) -> dict[str, bytes]:
    fig, formats, size, caption, dpi, *rest = job
    options = rest[0] if rest else {}
    return render_figure(fig, formats, size=size, caption=caption, dpi=dpi, **options)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this worker when its parent dies (no orphans after kill -9)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _worker_start(parent: int, jobs: list[Job]) -> None:
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _worker_jobs[:] = jobs


def _worker_run(index: int) -> dict[str, bytes]:
    return _render(_worker_jobs[index])


def _context() -> Any:
    # fork shares the figures without pickling them (fast, Linux); elsewhere the
    # platform's default (spawn) pickles them to each worker once, at start.
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def render_many(jobs: Iterable[Job], *, workers: int = 1) -> Iterator[dict[str, bytes]]:
    """Render several figures, in order, optionally in ``workers`` processes.

    Each job is ``(figure, formats, size, caption, dpi[, options])`` with ``options``
    keywords of :func:`render_figure`. Results come back in job order with the same
    bytes as :func:`render_figure`. With ``workers=n``, ``n - 1`` worker processes
    are started and this one renders too. The workers receive the jobs when they
    start (inherited under ``fork``, pickled under ``spawn``), ignore Ctrl-C, die
    with this process (Linux) and are shut down on every exit path.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> figs = [Figure() for _ in range(2)]
    >>> jobs = [(f, ["svg"], "4:3", None, 72) for f in figs]
    >>> [sorted(r) for r in render_many(jobs, workers=2)]
    [['svg'], ['svg']]
    """
    jobs = list(jobs)
    if workers <= 1 or len(jobs) < 2:
        for job in jobs:
            yield _render(job)
        return
    # ProcessPoolExecutor (not Pool): a worker that dies raises BrokenProcessPool
    # instead of hanging. This process is one of the ``workers``: its caches are warm
    # and it would otherwise sit idle. The workers take jobs from the front, this
    # process from the back (jobs no worker has started), until they meet.
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)) - 1,
        mp_context=_context(),
        initializer=_worker_start,
        initargs=(os.getpid(), jobs),
    )
    futures = []
    try:
        futures = [pool.submit(_worker_run, i) for i in range(len(jobs))]
        mine: dict[int, dict[str, bytes]] = {}
        back = len(jobs) - 1
        for i, future in enumerate(futures):
            while not future.done() and back > i and futures[back].cancel():
                mine[back] = _render(jobs[back])
                back -= 1
            yield mine.pop(i) if i in mine else future.result()
    finally:  # on an error, Ctrl-C or an early close: start nothing new, stop the workers
        for future in futures:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
