"""Slide text: wrapping and shortening with a visible ``…``, and a figure's title.

Shared by the slide layout (:mod:`.layout`) and the deck (:mod:`.deck`), so a
caption or label is cut the same way on an image and on a slide.
"""

from __future__ import annotations

import functools
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure
    from matplotlib.text import Text

__all__ = [
    "ELLIPSIS",
    "figure_title",
    "label_chars",
    "shorten",
    "text_width_pt",
    "title_texts",
    "wrap_lines",
    "wrapped_rows",
]

ELLIPSIS = "…"


def label_chars(width_in: float, fontsize: float) -> int:
    """Characters a label line may hold in ``width_in`` inches (0.6 em a character).

    The slide layout shortens tick labels longer than this; charts that fit their own
    labels for a slide use the same rule, so the layout has nothing left to cut.

    Examples
    --------
    >>> label_chars(4.0, 18)
    26
    """
    return max(6, int(width_in * 72 / (0.6 * fontsize)))


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


def text_width_pt(text: str, fontsize: float) -> float:
    """Width in points of ``text`` (its widest line) in DejaVu Sans at ``fontsize``.

    DejaVu Sans is matplotlib's own font and what LibreOffice falls back to; it is
    wider than Calibri or Carlito, so a fit measured with it holds in PowerPoint too.

    Examples
    --------
    >>> text_width_pt("ab", 18) > text_width_pt("a", 18) > 0
    True
    """
    return max(_line_width(line, fontsize) for line in str(text).splitlines() or [""])


@functools.lru_cache(maxsize=1)
def _font():  # loading the font file costs ~2 ms: once per process
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    return FT2Font(font_manager.findfont("DejaVu Sans"))


@functools.lru_cache(maxsize=8192)  # slide text repeats its words: measure each once
def _line_width(line: str, fontsize: float) -> float:
    font = _font()
    font.set_size(fontsize, 72)  # 72 dpi: widths in points
    font.set_text(line, 0.0)
    return font.get_width_height()[0] / 64


def wrapped_rows(text: str, width_in: float, fontsize: float) -> int:
    """How many lines ``text`` takes when its words are wrapped to ``width_in`` inches.

    Words are measured with :func:`text_width_pt`, so the count errs on the side of
    more lines in PowerPoint and in LibreOffice.

    Examples
    --------
    >>> wrapped_rows("a " * 100, 2.0, 18)
    13
    >>> wrapped_rows("", 2.0, 18)
    1
    """
    limit, rows = width_in * 72, 0
    space = text_width_pt("a a", fontsize) - text_width_pt("aa", fontsize)
    # a line is its words and the spaces between them (each word measured once)
    for para in str(text).splitlines() or [""]:
        used = None
        rows += 1
        for word in para.split():
            w = text_width_pt(word, fontsize)
            if used is not None and used + space + w > limit:
                rows, used = rows + 1, w
            else:
                used = w if used is None else used + space + w
    return rows


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


def title_texts(fig: Figure) -> list[Text]:
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
