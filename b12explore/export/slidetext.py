"""Slide text: wrapping and shortening with a visible ``…``, and a figure's title.

Shared by the slide layout (:mod:`.layout`) and the deck (:mod:`.deck`), so a
caption or label is cut the same way on an image and on a slide.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure
    from matplotlib.text import Text

__all__ = ["ELLIPSIS", "figure_title", "shorten", "title_texts", "wrap_lines"]

ELLIPSIS = "…"


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
