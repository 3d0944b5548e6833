"""Chart text fitted for a slide at its real size: measured wrapping, a visible ``…``.

A chart drawn at slide size under :func:`b12explore.style.slide_context` keeps all its
text at :data:`~b12explore.style.MIN_SLIDE_PT` or more, so a label that does not fit
is wrapped or shortened with a visible ellipsis here, never shrunk or clipped. Widths
are measured with the font itself (``matplotlib.textpath``), not guessed per character.
"""

from __future__ import annotations

import re
import warnings

from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties

from ..export.slidetext import ELLIPSIS, label_chars
from ..style import MIN_SLIDE_PT
from ..style import SAFE_MARGIN_IN as MARGIN_IN
from ._base import axes_size_in, fontsize

__all__ = [
    "ELLIPSIS",
    "LINE_IN",
    "dark",
    "fit",
    "hide_axes",
    "line_in",
    "on_slide",
    "room",
    "slide_chars",
    "small",
    "title",
    "title_size",
    "widen_lone_axes",
    "width_in",
    "year_tail",
]


def line_in(size: float) -> float:
    """Height in inches of one line of text at ``size`` points (matplotlib's spacing)."""
    return size * 1.2 / 72


#: Height of one line of slide text (18 pt), inches.
LINE_IN = line_in(MIN_SLIDE_PT)


def on_slide(ax: Axes | None) -> bool:
    """True for an axes drawn at slide font size (text may not shrink below 18 pt)."""
    return ax is not None and fontsize(ax) >= MIN_SLIDE_PT


def slide_chars(ax: Axes, share: float = 0.3) -> int:
    """Characters per line the slide layout keeps in a y tick label (it cuts longer ones)."""
    width = ax.figure.get_size_inches()[0] - 2 * MARGIN_IN
    return max(6, label_chars(share * width, MIN_SLIDE_PT) - 1)


_RENDERER: list = []  # one Agg renderer at 72 dpi (pixels are points), made on first use


def width_in(text: str, size: float = MIN_SLIDE_PT, weight: str = "normal") -> float:
    """Width in inches of the widest line of ``text``, measured as Agg draws it.

    Examples
    --------
    >>> round(width_in("1.56 [1.20, 2.05]"), 1)
    2.1
    >>> width_in("ab", 18) > width_in("a", 18) > 0
    True
    """
    from matplotlib.backends.backend_agg import RendererAgg

    if not _RENDERER:
        _RENDERER.append(RendererAgg(1, 1, 72))
    prop = FontProperties(size=size, weight=weight)
    measure = _RENDERER[0].get_text_width_height_descent
    with warnings.catch_warnings():  # a missing glyph is reported once, when drawn
        warnings.filterwarnings("ignore", "Glyph .* missing from font", UserWarning)
        widths = [
            measure(line, prop, ismath=False)[0] if line else 0.0 for line in str(text).split("\n")
        ]
    return max(widths) / 72


def year_tail(label: str) -> int:
    """Words at the end of a study label kept when it is cut: its year (and "(3)").

    Examples
    --------
    >>> year_tail("DOLOR 2009"), year_tail("Calderon 1990 (3)"), year_tail("Other")
    (1, 2, 0)
    """
    words = label.split()
    year = r"(1[89]|20)\d\d[a-z]?"
    if (
        len(words) > 2
        and re.fullmatch(year, words[-2])
        and re.fullmatch(r"\(\w{1,4}\)", words[-1])
    ):
        return 2
    return 1 if len(words) > 1 and re.fullmatch(year, words[-1]) else 0


def _cut(word: str, width: float, size: float, weight: str, chars: int) -> str:
    """``word`` cut so that it and a trailing ``…`` fit."""
    out = word
    while out and (width_in(out + ELLIPSIS, size, weight) > width or len(out) + 1 > chars):
        out = out[:-1]
    return out.rstrip() + ELLIPSIS


def _wrap(words: list[str], width: float, size: float, weight: str, chars: int) -> list[str]:
    """Lines of ``words`` at most ``width`` wide; breaks after a hyphen too (no-break
    spaces hold); a piece wider than a line is cut with ``…``."""

    def ok(s: str) -> bool:
        return len(s) <= chars and width_in(s, size, weight) <= width

    pieces = [(p, i == 0) for w in words for i, p in enumerate(re.findall(r"[^-]+-|[^-]+$|-", w))]
    out: list[str] = []
    cur = ""
    for word, spaced in pieces:
        trial = (f"{cur} {word}" if spaced else cur + word) if cur else word
        if ok(trial):
            cur = trial
            continue
        if cur:
            out.append(cur)
        cur = word if ok(word) else _cut(word, width, size, weight, chars)
    if cur:
        out.append(cur)
    return out


def fit(
    text: str,
    width: float,
    lines: int = 1,
    *,
    size: float = MIN_SLIDE_PT,
    weight: str = "normal",
    chars: int = 10_000,
    tail: int = 0,
) -> str:
    """``text`` wrapped to ``width`` inches in at most ``lines`` lines, else ending in ``…``.

    ``chars`` also caps the characters of a line. ``tail``: when the text is cut, its
    last ``tail`` words are kept after the ``…`` (a study's year tells rows apart).

    Examples
    --------
    >>> fit("Calderon-Ospina-Hernandez and the Multicentre Collaboration", 2.5, 2)
    'Calderon-Ospina-\\nHernandez and th…'
    >>> fit("DOLOR 2009", 2.5)
    'DOLOR 2009'
    >>> fit("Calderon-Ospina-Hernandez and the Multicentre Collaboration 1990 (3)", 3, tail=2)
    'Calderon-Os… 1990 (3)'
    """
    lines = max(1, int(lines))
    words = [w for w in str(text).replace("\n", " ").split(" ") if w]
    out = _wrap(words, width, size, weight, chars)
    if len(out) <= lines:
        return "\n".join(out)
    end = " " + " ".join(words[-tail:]) if tail and len(words) > tail else ""
    if end:
        head = _wrap(words[:-tail], width, size, weight, chars)
        room = width - width_in(end, size, weight)
        if room > 0.4 * width and len(head) >= lines:
            last = _rest(" ".join(words[:-tail]), head[: lines - 1])
            last = _cut(last, room, size, weight, chars - len(end))
            return "\n".join([*head[: lines - 1], last + end])
    last = _cut(_rest(" ".join(words), out[: lines - 1]), width, size, weight, chars)
    return "\n".join([*out[: lines - 1], last])


def _rest(text: str, lines: list[str]) -> str:
    """What of ``text`` follows its first ``lines`` (broken at spaces or after hyphens)."""
    pos = 0
    for line in lines:
        at = text.find(line, pos)
        if at < 0:  # a line that was itself cut: fall back to the words after it
            return " ".join(text.split(" ")[len(" ".join(lines).split(" ")) :])
        pos = at + len(line)
    return text[pos:].strip()


def title(ax: Axes, text: str) -> None:
    """The chart's title, left-aligned: over the axes, or on a slide over the whole slide.

    On a slide the title of a chart alone on its figure starts at the safe margin, not
    at the axes (whose labels may push it past the slide's right edge).
    """
    from matplotlib import rcParams

    fig = ax.figure
    if on_slide(ax) and fig.axes == [ax] and not fig.get_suptitle():
        fig.suptitle(
            text,
            x=MARGIN_IN / fig.get_size_inches()[0],
            ha="left",
            fontsize=rcParams["axes.titlesize"],
        )
    else:
        ax.set_title(text, loc="left")


def small(ax: Axes) -> float:
    """Secondary text size: 85% of the base, never below 14 pt or the base size.

    On a slide (base at least :data:`~b12explore.style.MIN_SLIDE_PT`) it is the base
    itself: the slide layout would enlarge anything smaller, after the chart had fitted
    its texts at the smaller size.
    """
    base = fontsize(ax)
    if base >= MIN_SLIDE_PT:
        return base
    return max(min(base, 14.0), base * 0.85)


def room(ax: Axes) -> tuple[float, float]:
    """Width and height in inches this chart may fill: the slide's safe area, less a
    title line and a three-line caption (estimated before any layout)."""
    return axes_size_in(ax, margins=(1.4, 2.2))


def title_size() -> float:
    """The axes title's size in points under the current style."""
    from matplotlib import rcParams

    return FontProperties(size=rcParams["axes.titlesize"]).get_size_in_points()


def hide_axes(ax: Axes) -> None:
    """No axis at all: no ticks drawn and none measured (the labels are texts)."""
    ax.set_axis_off()
    ax.xaxis.set_visible(False)
    ax.yaxis.set_visible(False)


def dark(color: str) -> bool:
    """Whether white text reads better than black on ``color`` (relative luminance).

    Examples
    --------
    >>> dark("#000000"), dark("#ffffff")
    (True, False)
    """
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45


def widen_lone_axes(ax: Axes) -> None:
    """Give a chart's only axes the figure's full width before layout.

    The slide layout wraps tick labels to the axes' share of the width before it lays
    the figure out; with matplotlib's default side margins a header such as
    "observational" would be broken mid-word on a 4:3 slide. An axes sharing its
    figure is left alone.
    """
    from matplotlib.gridspec import GridSpec

    spec = ax.get_subplotspec()
    fig = ax.figure
    if spec is None or len(fig.axes) != 1:
        return
    grid = spec.get_gridspec()
    if (grid.nrows, grid.ncols) != (1, 1) or fig.get_layout_engine() is None:
        return
    ax.set_subplotspec(GridSpec(1, 1, figure=fig, left=0.03, right=0.97)[0])
