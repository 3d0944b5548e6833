"""Building a deterministic, editable PowerPoint deck.

Each chart slide has its title as real slide text, the chart inside the safe
margins (a native PowerPoint chart when the chart carries a :class:`NativeChart`,
otherwise its picture, rendered at the size it takes on the slide) and the caption
as a text box; the notes keep the whole caption and the full references. Text-only
slides (:class:`TextSlide`: the title slide, the closing slide) have a title and
bullet lines. Fixed core properties, a fixed creation date inside the embedded
chart workbooks and fixed zip timestamps make two builds byte-identical.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import io
import math
import re
import zipfile
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..style import MIN_SLIDE_PT, SIZES
from . import citations as _cit
from .layout import SAFE_MARGIN_IN
from .slidetext import text_width_pt, wrap_lines, wrapped_rows

__all__ = [
    "DECK_DATE",
    "SLIDE_EMU",
    "NativeChart",
    "TextSlide",
    "deck_bytes",
    "lines_that_fit",
    "notes_text",
    "picture_inches",
]

#: Fixed date stamped into deck metadata so that re-exports are byte-identical.
DECK_DATE = _dt.datetime(2026, 1, 1, 0, 0, 0)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_EMU = 914400  # per inch
TITLE_PT = 30
TITLE_H_IN = 0.9
CAPTION_H_IN = 0.8
GAP_IN = 0.1
CAPTION_LINES = 2
#: Bullet text of text slides, in points, and how much room a line and a paragraph take
#: (PowerPoint's and LibreOffice's single spacing is about 1.2 em; paragraphs get a gap).
BODY_PT = 20
LINE_EM = 1.2
PARAGRAPH_GAP_IN = 0.08
#: The text box's inner margins and the bullet's indent, in inches.
TEXT_INSET_IN = 0.1
BULLET_IN = 0.4
#: Full references listed in one slide's notes (the citation files hold them all).
NOTES_REFERENCES = 200
#: PowerPoint's own slide sizes in EMU (16:9 is 13.333 x 7.5 in, 4:3 is 10 x 7.5 in).
SLIDE_EMU = {"16:9": (12192000, 6858000), "4:3": (9144000, 6858000)}


@dataclasses.dataclass(frozen=True)
class NativeChart:
    """A bar chart PowerPoint can draw itself, with the side-car CSV's numbers.

    Attributes
    ----------
    categories : list of str
        One per bar (or per stack).
    series : dict of str to list of float
        Series name -> one value per category.
    stacked : bool
        Stacked columns (True) or one bar per category (False).
    horizontal : bool
        Horizontal bars (long labels, many categories).
    value_title : str
        Title of the value axis.
    """

    categories: list[str]
    series: dict[str, list[float]]
    stacked: bool = False
    horizontal: bool = False
    value_title: str = ""


@dataclasses.dataclass(frozen=True)
class TextSlide:
    """A slide of text: a title and bullet lines (title and closing slides).

    ``optional`` lines follow ``lines`` while they fit in the text box at its font
    size (no viewer is trusted to shrink text: LibreOffice does not); those left out
    are counted in ``more`` (a format string with ``{n}``), and the notes keep them.
    """

    title: str
    lines: list[str]
    notes: str = ""
    subtitle: bool = False  # True: a title slide (big title, lines below it)
    optional: tuple[str, ...] = ()
    more: str = "… and {n} more in the notes."


def slide_inches(size: str) -> tuple[float, float]:
    """Slide size in inches for a deck."""
    return SIZES[size]


def picture_inches(size: str = "16:9") -> tuple[float, float]:
    """Size of the chart area of a chart slide, in inches (between title and caption).

    Examples
    --------
    >>> picture_inches("16:9")
    (12.533, 4.8)
    """
    w, h = SIZES[size]
    m = SAFE_MARGIN_IN
    ph = h - 2 * m - TITLE_H_IN - CAPTION_H_IN - 2 * GAP_IN
    return round(w - 2 * m, 3), round(ph, 3)


def notes_text(chart: Any, studies: pd.DataFrame | None = None) -> str:
    """Slide notes: the caption, then one reference per source, then any details.

    References come from ``chart.citations`` if present, else from the studies
    named in ``chart.sources`` (full references when ``studies`` is given), else
    from a ``source_url`` column in ``chart.data``. ``chart.details`` (text the
    slide shortens, such as feature descriptions) follows.

    Examples
    --------
    >>> import types
    >>> print(notes_text(types.SimpleNamespace(caption="Cap.", sources=["Chiu 2011"])))
    Cap.
    <BLANKLINE>
    Sources:
    - Chiu 2011
    """
    caption = str(getattr(chart, "caption", None) or "").strip()
    refs = getattr(chart, "citations", None)
    more = 0
    if refs is None:
        sources = list(getattr(chart, "sources", None) or ())
        more, sources = max(0, len(sources) - NOTES_REFERENCES), sources[:NOTES_REFERENCES]
        refs = _cit.references_for(studies, sources) if studies is not None else sources
    if not refs:
        refs = _source_urls(getattr(chart, "data", None))
    parts = [caption] if caption else []
    if refs:
        tail = f"\n… and {more:,} more: every reference is in citations.bib/.ris" if more else ""
        parts.append("Sources:\n" + "\n".join(f"- {r}" for r in refs) + tail)
    else:
        parts.append("Sources: none listed")
    details = str(getattr(chart, "details", None) or "").strip()
    if details:
        parts.append(details)
    return "\n\n".join(parts)


def _source_urls(data: Any) -> list[str]:
    """Distinct ``source_url`` values of a chart's data (charts not drawn from studies)."""
    if not isinstance(data, pd.DataFrame) or "source_url" not in data:
        return []
    urls = [u for cell in data["source_url"].dropna() for u in _cit.split_urls(str(cell))]
    return list(dict.fromkeys(urls))


_CREATED = re.compile(rb"<dcterms:created([^>]*)>[^<]*</dcterms:created>")
_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def _fixed_workbook(raw: bytes) -> bytes:
    """An embedded chart workbook with a fixed creation date and zip timestamps."""
    stamp = DECK_DATE.strftime("%Y-%m-%dT%H:%M:%SZ").encode()

    def fix(name: str, data: bytes) -> bytes:
        if name == "docProps/core.xml":
            data = _CREATED.sub(rb"<dcterms:created\1>" + stamp + rb"</dcterms:created>", data)
            data = _MODIFIED.sub(rb"<dcterms:modified\1>" + stamp + rb"</dcterms:modified>", data)
        return data

    return _deterministic_zip(raw, fix)


def _deterministic_zip(raw: bytes, fix: Any = None) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes (same bytes every time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            data = src.read(info.filename)
            if info.filename.endswith(".xlsx"):
                data = _fixed_workbook(data)
            elif fix is not None:
                data = fix(info.filename, data)
            # PNG is compressed already: deflating it again costs time and saves nothing
            png = info.filename.endswith(".png")
            zi.compress_type = zipfile.ZIP_STORED if png else zipfile.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, data)
    return out.getvalue()


def _style_text(frame: Any, size: float, *, bold: bool = False) -> None:
    from pptx.util import Pt

    frame.word_wrap = True
    for para in frame.paragraphs:
        for run in para.runs:
            run.font.size = Pt(size)
            run.font.bold = bold


def _place(shape: Any, box: tuple[float, float, float, float]) -> None:
    from pptx.util import Emu

    x, y, w, h = (Emu(round(v * _EMU)) for v in box)
    shape.left, shape.top, shape.width, shape.height = x, y, w, h


def _title(slide: Any, text: str, w: float) -> None:
    m = SAFE_MARGIN_IN
    title = slide.shapes.title
    _place(title, (m, m, w - 2 * m, TITLE_H_IN))
    title.text = text
    _style_text(title.text_frame, TITLE_PT, bold=True)


def _caption_box(slide: Any, caption: str, w: float, h: float) -> None:
    m = SAFE_MARGIN_IN
    box = (m, h - m - CAPTION_H_IN, w - 2 * m, CAPTION_H_IN)
    shape = slide.shapes.add_textbox(0, 0, 0, 0)
    _place(shape, box)
    shape.name = "Caption"
    frame = shape.text_frame
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
    frame.text = wrap_lines(caption, w - 2 * m, MIN_SLIDE_PT, CAPTION_LINES)
    _style_text(frame, MIN_SLIDE_PT)


def _native_chart(slide: Any, native: NativeChart, box: tuple[float, ...]) -> None:
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.util import Emu, Pt

    data = CategoryChartData(number_format="General")
    data.categories = list(native.categories)
    for name, values in native.series.items():
        data.add_series(name, [None if pd.isna(v) else float(v) for v in values])
    if native.horizontal:
        kind = XL_CHART_TYPE.BAR_STACKED if native.stacked else XL_CHART_TYPE.BAR_CLUSTERED
    else:
        kind = XL_CHART_TYPE.COLUMN_STACKED if native.stacked else XL_CHART_TYPE.COLUMN_CLUSTERED
    x, y, w, h = (Emu(round(v * _EMU)) for v in box)
    chart = slide.shapes.add_chart(kind, x, y, w, h, data).chart
    chart.font.size = Pt(MIN_SLIDE_PT)
    chart.has_title = False
    chart.has_legend = len(native.series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.RIGHT
        chart.legend.include_in_layout = False
    if native.horizontal:
        chart.category_axis.reverse_order = True  # first category at the top
    else:
        _skip_crowded_labels(chart, native, box[2])
    step = count_step(native)
    if step:
        chart.value_axis.major_unit = step  # counts: whole numbers on the axis
    if native.value_title:
        chart.value_axis.has_title = True
        chart.value_axis.axis_title.text_frame.text = native.value_title
        _style_text(chart.value_axis.axis_title.text_frame, MIN_SLIDE_PT)


def count_step(native: NativeChart) -> int | None:
    """A whole-number axis step (about eight steps) when every value is a count.

    Examples
    --------
    >>> count_step(NativeChart(["a", "b"], {"Studies": [1, 4]}, stacked=True))
    1
    >>> count_step(NativeChart(["a", "b"], {"Enrolled": [496, 372]}))
    100
    >>> count_step(NativeChart(["a"], {"Mean": [1.5]})) is None
    True
    """
    values = [float(v) for vals in native.series.values() for v in vals if not pd.isna(v)]
    if not values or any(v != int(v) or v < 0 for v in values):
        return None
    if native.stacked:
        rows = zip(*native.series.values(), strict=True)
        top = max(sum(0 if pd.isna(v) else float(v) for v in row) for row in rows)
    else:
        top = max(values)
    nice = (m * 10**e for e in range(16) for m in (1, 2, 5))  # bounded: 48 steps
    return next((step for step in nice if step >= top / 8), None)


def label_skip(categories: Sequence[str], plot_in: float, pt: float = MIN_SLIDE_PT) -> int:
    """Show every n-th category label so that the labels stand apart along ``plot_in``.

    Examples
    --------
    >>> label_skip([str(y) for y in range(1998, 2025)], 7.0)
    4
    >>> label_skip(["Oral", "Intramuscular"], 7.0)
    1
    """
    widest = max((text_width_pt(str(c), pt) for c in categories), default=0.0) / 72 + 0.15
    return max(1, math.ceil(len(categories) * widest / max(plot_in, 0.1)))


def _skip_crowded_labels(chart: Any, native: NativeChart, width_in: float) -> None:
    """Crowded category labels turn 45 degrees (LibreOffice draws every label, even
    with ``c:tickLblSkip``); if even slanted they would meet, every n-th is shown."""
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    plot_in = width_in - (2.6 if len(native.series) > 1 else 0.0) - 1.0
    if label_skip(native.categories, plot_in) <= 1:
        return
    ticks = chart.category_axis.tick_labels
    ticks.font.size = Pt(MIN_SLIDE_PT)
    ticks._element.get_or_add_txPr().find(qn("a:bodyPr")).set("rot", "-2700000")
    slanted = MIN_SLIDE_PT * 1.2 / 72 * 1.5  # a slanted label's footprint along the axis
    skip = max(1, math.ceil(len(native.categories) * slanted / max(plot_in, 0.1)))
    if skip > 1:
        axis = chart.category_axis._element
        element = axis.makeelement(qn("c:tickLblSkip"), {"val": str(skip)})
        axis.find(qn("c:noMultiLvlLbl")).addprevious(element)


def _chart_slide(prs: Any, chart: Any, picture: bytes | None, notes: str, size: str) -> None:
    w, h = slide_inches(size)
    m = SAFE_MARGIN_IN
    slide = prs.slides.add_slide(prs.slide_layouts[5])  # "Title Only"
    _title(slide, str(getattr(chart, "title", "") or getattr(chart, "name", "")), w)
    pw, ph = picture_inches(size)
    box = (m, m + TITLE_H_IN + GAP_IN, pw, ph)
    native = getattr(chart, "native", None)
    if native is not None:
        _native_chart(slide, native, box)
    elif picture is not None:
        from pptx.util import Emu

        slide.shapes.add_picture(io.BytesIO(picture), *(Emu(round(v * _EMU)) for v in box))
    caption = str(getattr(chart, "caption", "") or "")
    if caption:
        _caption_box(slide, caption, w, h)
    slide.notes_slide.notes_text_frame.text = notes


def _text_slide(prs: Any, item: TextSlide, size: str) -> None:
    from pptx.util import Pt

    w, h = slide_inches(size)
    m = SAFE_MARGIN_IN
    if item.subtitle:
        slide = prs.slides.add_slide(prs.slide_layouts[0])  # "Title Slide"
        title, body = slide.shapes.title, slide.placeholders[1]
        _place(title, (m, m + 0.8, w - 2 * m, 1.6))
        _place(body, (m, m + 2.6, w - 2 * m, h - 2 * m - 2.6))
        title.text = item.title
        _style_text(title.text_frame, 40, bold=True)
    else:
        slide = prs.slides.add_slide(prs.slide_layouts[1])  # "Title and Content"
        _title(slide, item.title, w)
        body = slide.placeholders[1]
        top = m + TITLE_H_IN + GAP_IN
        _place(body, (m, top, w - 2 * m, h - m - top))
    pt = BODY_PT + 2 if item.subtitle else BODY_PT
    lines = lines_that_fit(item, body.width / _EMU, body.height / _EMU, pt)
    frame = body.text_frame
    frame.text = lines[0] if lines else ""
    for line in lines[1:]:
        frame.add_paragraph().text = line
    frame.word_wrap = True
    for para in frame.paragraphs:
        para.font.size = Pt(pt)
        for run in para.runs:
            run.font.size = Pt(pt)
    notes = item.notes or "\n".join([*item.lines, *item.optional])
    slide.notes_slide.notes_text_frame.text = notes


def lines_that_fit(item: TextSlide, width_in: float, height_in: float, pt: float) -> list[str]:
    """``item.lines``, then as many ``item.optional`` lines as fit in the box.

    When optional lines are left out, a last line says how many (``item.more``).
    Wrapping is estimated generously (:func:`~.slidetext.wrapped_rows`), so the
    text stays inside the box in PowerPoint and in LibreOffice.

    Examples
    --------
    >>> item = TextSlide("T", ["first"], optional=tuple(["a long statement " * 6] * 20))
    >>> shown = lines_that_fit(item, 12.5, 5.7, 20)
    >>> len(shown) < 21, shown[-1]
    (True, '… and 14 more in the notes.')
    """
    text_w = width_in - 2 * TEXT_INSET_IN - BULLET_IN
    room = height_in - 2 * TEXT_INSET_IN

    def height(lines: list[str]) -> float:
        rows = sum(wrapped_rows(line, text_w, pt) for line in lines)
        return rows * pt * LINE_EM / 72 + len(lines) * PARAGRAPH_GAP_IN

    fixed, optional = list(item.lines), list(item.optional)
    for k in range(len(optional), -1, -1):  # bounded: at most len(optional) + 1 tries
        more = [item.more.format(n=len(optional) - k)] if k < len(optional) else []
        shown = fixed + optional[:k] + more
        if k == 0 or height(shown) <= room:
            return shown
    return fixed  # pragma: no cover - the loop always returns at k == 0


def deck_bytes(
    items: Sequence[Any],
    pictures: Sequence[bytes | None],
    *,
    studies: pd.DataFrame | None = None,
    title: str = "Vitamin B12 and low back pain: the evidence",
    size: str = "16:9",
) -> bytes:
    """The ``.pptx`` bytes: one slide per item, notes with sources.

    Parameters
    ----------
    items : sequence
        Charts (objects with ``title`` and optionally ``caption``, ``sources``,
        ``citations``, ``details``, ``native``) and :class:`TextSlide` objects.
    pictures : sequence of bytes or None
        One PNG per item at :func:`picture_inches` (None for text slides and
        native charts).
    studies : DataFrame, optional
        For full references in the notes.
    title : str
        Document title in the file's properties.
    size : {"16:9", "4:3"}

    Examples
    --------
    >>> import types
    >>> from b12explore.export.render import render_figure
    >>> from matplotlib.figure import Figure
    >>> png = render_figure(Figure(), ["png"], size=picture_inches(), dpi=20)["png"]
    >>> data = deck_bytes([types.SimpleNamespace(title="T")], [png])
    >>> data[:2], data == deck_bytes([types.SimpleNamespace(title="T")], [png])
    (b'PK', True)
    """
    from pptx import Presentation
    from pptx.util import Emu

    if len(pictures) != len(items):
        raise ValueError(f"{len(items)} slides but {len(pictures)} pictures")
    prs = Presentation()
    prs.slide_width, prs.slide_height = (Emu(v) for v in SLIDE_EMU[size])
    for item, picture in zip(items, pictures, strict=True):
        if isinstance(item, TextSlide):
            _text_slide(prs, item, size)
        else:
            _chart_slide(prs, item, picture, notes_text(item, studies), size)
    props = prs.core_properties
    props.author = props.last_modified_by = "b12explore"
    props.title = title
    props.created = props.modified = props.last_printed = DECK_DATE
    props.revision = 1
    buf = io.BytesIO()
    prs.save(buf)
    return _deterministic_zip(buf.getvalue())
