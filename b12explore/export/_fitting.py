"""The steps that fit a figure into a slide, each undoable (used by :func:`.layout.laid_out`).

Every change goes through a :class:`Restore` undo list, so the figure is left
exactly as it was found: fonts enlarged to the slide minimum, tick labels fitted
or thinned, legends moved beside the axes, wide texts wrapped, notes moved below
the axis, figure texts kept inside the safe area and the axes shrunk until all
their ink lies inside it.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from ..style import MIN_SLIDE_PT
from .slidetext import label_chars, shorten, title_texts, wrap_lines

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "Restore",
    "clear_legends",
    "enlarge_fonts",
    "fit_axes",
    "fit_tick_labels",
    "keep_inside",
    "legends_outside",
    "notes_below_axis",
    "thin_ticks",
    "wrap_wide_texts",
]


class Restore:
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


def enlarge_fonts(fig: Figure, restore: Restore, min_pt: float) -> None:
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


def fit_tick_labels(fig: Figure, width_in: float, restore: Restore) -> None:
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
            chars = label_chars(room, size)
            if all(len(ln) <= chars for v in labels for ln in v.split("\n")):
                continue
            locs = list(axis.get_majorticklocs())
            old = (axis.get_major_locator(), axis.get_major_formatter())
            axis.set_major_locator(FixedLocator(locs))
            axis.set_major_formatter(
                FixedFormatter([fit_one(v, chars, horizontal) for v in labels])
            )
            restore.undo.append(
                (lambda o, a=axis: (a.set_major_locator(o[0]), a.set_major_formatter(o[1])), old)
            )


def fit_one(label: str, chars: int, wrap: bool) -> str:
    if not wrap:
        return shorten(label, chars)
    lines = textwrap.wrap(label.replace("\n", " "), chars) or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1] + " " + " ".join(lines[2:])]
    return "\n".join(shorten(ln, chars) for ln in lines)


def legends_outside(fig: Figure, restore: Restore, width_in: float) -> None:
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


def clear_legends(fig: Figure, renderer: Any, restore: Restore) -> None:
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


def wrap_wide_texts(fig: Figure, renderer: Any, width_in: float, restore: Restore) -> None:
    """Wrap (at most two lines, then ``…``) any title or note wider than the safe area."""
    dpi = fig.dpi
    texts = [t for t in fig.texts if t.get_gid() != "slide-caption"]
    for ax in fig.axes:
        texts += [c for c in ax.get_children() if c is ax.title or c in title_texts(fig)]
    for t in dict.fromkeys(texts):
        if not t.get_visible() or not t.get_text():
            continue
        width = t.get_window_extent(renderer).width / dpi
        if width > width_in:
            wrapped = wrap_lines(t.get_text(), width_in * 0.95, t.get_fontsize(), 2)
            restore.set(t, "get_text", "set_text", wrapped)


def notes_below_axis(fig: Figure, renderer: Any, restore: Restore) -> None:
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


def keep_inside(
    fig: Figure, renderer: Any, safe: tuple[float, float, float, float], restore: Restore
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


def header_bottom(fig: Figure, renderer: Any) -> float | None:
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


def axes_ink(axes: list, renderer: Any, size_px: tuple[float, float]) -> tuple[float, ...]:
    boxes = [ax.get_tightbbox(renderer) for ax in axes]
    boxes = [b for b in boxes if b is not None]
    w, h = size_px
    return (
        min(b.x0 for b in boxes) / w,
        min(b.y0 for b in boxes) / h,
        max(b.x1 for b in boxes) / w,
        max(b.y1 for b in boxes) / h,
    )


def fit_axes(fig: Figure, renderer: Any, safe: tuple[float, float, float, float]) -> None:
    """Shrink the axes until their ink lies inside ``safe`` and below the header."""
    axes = [ax for ax in fig.axes if ax.get_visible()]
    if not axes:
        return
    header = header_bottom(fig, renderer)
    top = min(safe[3], header - 0.012) if header is not None else safe[3]
    size_px = (fig.bbox.width, fig.bbox.height)
    for _ in range(5):
        ink = axes_ink(axes, renderer, size_px)
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


def thin_ticks(fig: Figure, renderer: Any, restore: Restore) -> None:
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
