"""Shared helpers for the chart modules: axes creation, the empty note, legends."""

from __future__ import annotations

import contextlib
import re
import textwrap
from collections.abc import Iterator

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import Formatter

from .. import summaries
from ._inline import register_inline_display

EMPTY_NOTE = "no studies match"


def new_axes(ax: Axes | None, figsize: tuple[float, float] = (10.0, 6.0)) -> Axes:
    """``ax`` itself, or the axes of a new ``Figure`` (no pyplot state)."""
    if ax is not None:
        literal_text(ax.figure)
        return ax
    register_inline_display()  # pictures in Jupyter without %matplotlib inline
    fig = Figure(figsize=figsize, layout="constrained")
    literal_text(fig)
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


def _note_below(ax, text: str) -> None:
    """A grey note under the axes' right corner (drawn literally)."""
    ax.text(
        1,
        -0.02,
        text,
        transform=ax.transAxes,
        ha="right",
        va="top",
        color="0.35",
        gid="more-note",
        parse_math=False,
    )


def more_note(ax, left_out: int, what: str = "smaller studies") -> None:
    """Note under the axes that ``left_out`` studies are not drawn."""
    if left_out > 0:
        _note_below(ax, f"+ {left_out:,} {what} not shown")


def rest_note(ax, rest) -> None:
    """Note under the axes naming the studies and participants not drawn.

    ``rest`` is a :class:`b12explore.summaries.Rest`; nothing is written when it
    holds no study. The words are :func:`b12explore.summaries.rest_text`'s.
    """
    if rest.studies > 0:
        _note_below(ax, f"… {summaries.rest_text(rest)} (not shown)")


# --------------------------------------------------------------------------- literal text
# Text from the data is drawn as written: never as mathtext ("Costs $5 and $10" stayed
# italic "Costs 5and10", "$\\foo$" broke every chart), never with control characters.


class _LiteralFigure(Figure):
    """A Figure whose texts are literal at every draw (same name and repr as ``Figure``)."""

    def draw(self, renderer):
        # docstring inherited
        return _draw_literal(self, super().draw, renderer)


_LiteralFigure.__name__ = "Figure"  # repr "<Figure size ...>"; pickling uses __qualname__


def _make_literal(fig, math: bool = False) -> None:
    from matplotlib.text import Text
    from matplotlib.ticker import FixedFormatter

    from ..textsafe import clean_text, has_control

    for text in fig.findobj(Text):
        if not math:
            text.set_parse_math(False)
        raw = text.get_text()
        if has_control(raw):
            text.set_text(clean_text(raw))
    for ax in fig.get_axes():
        for axis in ax._axis_map.values():
            for ticker in (axis.major, axis.minor):
                fmt = ticker.formatter
                if isinstance(fmt, FixedFormatter) and any(map(has_control, fmt.seq)):
                    fmt.seq = [clean_text(s) for s in fmt.seq]


def _draw_literal(fig, draw, renderer):
    """Run ``draw(renderer)`` with every text of ``fig`` literal (see :func:`literal_texts`)."""
    with literal_texts(fig):
        return draw(renderer)


@contextlib.contextmanager
def literal_texts(fig, *, math: bool = False) -> Iterator[None]:
    """For the duration of the block every text of ``fig`` is literal and clean.

    Texts lose control characters and lone surrogates, tick labels made during the
    block too (their formatters are wrapped), and ``text.parse_math`` is off. Used
    by every draw of a chart figure, and by anything that measures texts outside a
    draw (the slide layout), where a lone surrogate would reach the font engine.
    ``math=True`` only cleans (a user's own figure keeps its mathtext).

    Examples
    --------
    >>> fig = Figure()
    >>> ax = fig.add_subplot()
    >>> _ = ax.set_xticks([0], ["x \\ud800"])
    >>> with literal_texts(fig):
    ...     [t.get_text() for t in ax.get_xticklabels()]
    ['x ']
    """
    from matplotlib import rcParams

    _make_literal(fig, math)
    swapped = []
    for ax in fig.get_axes():  # tick labels are (re)made from the formatters
        for axis in ax._axis_map.values():
            for ticker in (axis.major, axis.minor):
                swapped.append((ticker, ticker.formatter))
                ticker.formatter = _CleanFormatter(ticker.formatter)
    before = rcParams["text.parse_math"]
    rcParams["text.parse_math"] = math and before
    try:
        yield
    finally:
        rcParams["text.parse_math"] = before
        for ticker, formatter in swapped:
            ticker.formatter = formatter


def unwrap_formatter(formatter: Formatter) -> Formatter:
    """The formatter itself, also while :func:`literal_texts` wraps it.

    Examples
    --------
    >>> from matplotlib.ticker import ScalarFormatter
    >>> type(unwrap_formatter(_CleanFormatter(ScalarFormatter()))).__name__
    'ScalarFormatter'
    """
    while isinstance(formatter, _CleanFormatter):
        formatter = formatter.__dict__["_inner"]
    return formatter


class _CleanFormatter(Formatter):
    """Wraps a tick formatter for the duration of a draw: labels without control characters."""

    def __init__(self, inner):
        self.__dict__["_inner"] = inner

    def __getattr__(self, name):
        return getattr(self.__dict__["_inner"], name)

    axis = property(lambda self: self._inner.axis, lambda self, v: self._inner.set_axis(v))
    locs = property(lambda self: self._inner.locs, lambda self, v: setattr(self._inner, "locs", v))

    def set_axis(self, axis):
        self._inner.set_axis(axis)

    def set_locs(self, locs):
        self._inner.set_locs(locs)

    def format_data(self, value):
        return self._inner.format_data(value)

    def format_data_short(self, value):
        return self._inner.format_data_short(value)

    def _clean(self, text: str) -> str:
        from matplotlib.ticker import LogFormatter, ScalarFormatter

        from ..textsafe import clean_text

        if isinstance(self._inner, LogFormatter | ScalarFormatter):
            text = plain_math(text)  # matplotlib's own numbers, drawn without mathtext
        return clean_text(text)

    def __call__(self, x, pos=None):
        return self._clean(self._inner(x, pos))

    def format_ticks(self, values):
        return [self._clean(s) for s in self._inner.format_ticks(values)]

    def get_offset(self):
        return self._clean(self._inner.get_offset())


_SUPERSCRIPT = str.maketrans("0123456789-−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁻")


def plain_math(text: str) -> str:
    r"""A tick label matplotlib wrote as mathtext (``$\mathdefault{10^{2}}$``) as plain text.

    Log and scientific tick labels are the only mathtext a chart needs; with every text
    drawn literally (data labels must never be read as mathtext) they are rewritten as
    Unicode: powers become superscripts, ``\times`` becomes ×. Other text is unchanged.

    Examples
    --------
    >>> plain_math(r"$\mathdefault{10^{2}}$"), plain_math(r"$\mathdefault{2\times10^{-1}}$")
    ('10²', '2×10⁻¹')
    >>> plain_math("Costs $5 and $10")
    'Costs $5 and $10'
    """
    body = re.fullmatch(r"\$(?:\\mathdefault\{(.*)\}|(.*))\$", text or "")
    if body is None:
        return text
    inner = body.group(1) if body.group(1) is not None else body.group(2)
    inner = inner.replace("\\times", "×").replace("\\mathbf{", "{").replace("\\;", " ")
    inner = re.sub(r"\^\{([^{}]*)\}", lambda m: m.group(1).translate(_SUPERSCRIPT), inner)
    if "\\" in inner or "$" in inner:
        return text  # not matplotlib's: leave it (drawn literally)
    return inner.replace("{", "").replace("}", "")


def literal_text(fig):
    """Make every text of ``fig`` draw literally, now and at every later draw.

    Labels from the data (titles, tick labels, legends, notes, captions) are never read as
    mathtext (``$...$``) and lose control characters (:func:`b12explore.textsafe.clean_text`).
    Called by :func:`new_axes`, so every chart gets it, on its own figure or on one it was
    given. A plain ``Figure`` is switched to a subclass (same name, repr and pickling);
    any other figure class gets an instance-level ``draw`` wrapper.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or SubFigure

    Returns
    -------
    Figure
        The root figure.

    Examples
    --------
    >>> fig = Figure()
    >>> ax = fig.add_subplot()
    >>> _ = ax.set_title("Costs $5 and $10")
    >>> fig = literal_text(fig)
    >>> fig.canvas.draw()
    >>> ax.title.get_parse_math(), type(fig).__name__
    (False, 'Figure')
    """
    root = fig.get_figure(root=True) if hasattr(fig, "get_figure") else fig
    if root is None:
        root = fig
    if getattr(root, "_b12_literal", False):
        return root
    if type(root) is Figure:
        root.__class__ = _LiteralFigure
    else:
        original = root.draw

        def draw(renderer):
            return _draw_literal(root, original, renderer)

        root.draw = draw
    root._b12_literal = True
    _make_literal(root)
    return root
