"""Building a deterministic 16:9 PowerPoint deck from rendered chart pictures.

One slide per chart: its PNG picture fills the whole slide at its real size (the
same picture as the chart's 16:9 PNG export, so point sizes are true and nothing is
rendered twice); the chart draws its own visible title, and the slide's title
placeholder, which carries the title for the outline, navigation and screen
readers, sits just above the slide, Microsoft's advice for a slide title that
should not be seen. The caption and the full references go into the slide notes.
Fixed core properties and fixed zip entry timestamps make two builds byte-identical.
"""

from __future__ import annotations

import datetime as _dt
import io
import zipfile
from collections.abc import Sequence
from typing import Any

import pandas as pd

from . import citations as _cit

__all__ = ["DECK_DATE", "PICTURE_INCHES", "PICTURE_SIZE", "deck_bytes", "notes_text"]

#: Fixed date stamped into deck metadata so that re-exports are byte-identical.
DECK_DATE = _dt.datetime(2026, 1, 1, 0, 0, 0)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_EMU_PER_INCH = 914400
#: PowerPoint's own 16:9 slide: 12192000 x 6858000 EMU (13.333 x 7.5 in).
SLIDE_EMU = (12192000, 6858000)
_MARGIN = 228600  # 0.25 in
_TITLE_H = 822960  # 0.9 in, placed right above the slide (off-slide, not shown)
#: Render size of the slide pictures (the whole slide, as for the 16:9 PNG export).
PICTURE_SIZE = "16:9"
#: Size of the chart picture on the slide, in inches: the whole slide.
PICTURE_INCHES = (SLIDE_EMU[0] / _EMU_PER_INCH, SLIDE_EMU[1] / _EMU_PER_INCH)
TITLE_PT = 30


def notes_text(chart: Any, studies: pd.DataFrame | None = None) -> str:
    """Slide notes: the caption, then one reference per source.

    References come from ``chart.citations`` if present, else from the studies
    named in ``chart.sources`` (full references when ``studies`` is given), else
    from a ``source_url`` column in ``chart.data``.

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
    if refs is None:
        sources = list(getattr(chart, "sources", None) or ())
        refs = _cit.references_for(studies, sources) if studies is not None else sources
    if not refs:
        refs = _source_urls(getattr(chart, "data", None))
    parts = [caption] if caption else []
    if refs:
        parts.append("Sources:\n" + "\n".join(f"- {r}" for r in refs))
    else:
        parts.append("Sources: none listed")
    return "\n\n".join(parts)


def _source_urls(data: Any) -> list[str]:
    """Distinct ``source_url`` values of a chart's data (charts not drawn from studies)."""
    if not isinstance(data, pd.DataFrame) or "source_url" not in data:
        return []
    urls = [u for cell in data["source_url"].dropna() for u in _cit.split_urls(str(cell))]
    return list(dict.fromkeys(urls))


def _deterministic_zip(raw: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes (same bytes every time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            # PNG is compressed already: deflating it again costs time and saves nothing
            png = info.filename.endswith(".png")
            zi.compress_type = zipfile.ZIP_STORED if png else zipfile.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def _add_slide(prs: Any, layout: Any, chart: Any, picture: bytes, notes: str) -> None:
    from pptx.util import Emu, Pt

    slide = prs.slides.add_slide(layout)
    title = slide.shapes.title
    title.left, title.top = Emu(_MARGIN), Emu(-_TITLE_H)
    title.width, title.height = Emu(SLIDE_EMU[0] - 2 * _MARGIN), Emu(_TITLE_H)
    title.text = str(getattr(chart, "title", "") or getattr(chart, "name", ""))
    for para in title.text_frame.paragraphs:
        for run in para.runs:
            run.font.size = Pt(TITLE_PT)
    slide.shapes.add_picture(io.BytesIO(picture), Emu(0), Emu(0), *map(Emu, SLIDE_EMU))
    slide.notes_slide.notes_text_frame.text = notes


def deck_bytes(
    charts: Sequence[Any],
    pictures: Sequence[bytes],
    *,
    studies: pd.DataFrame | None = None,
    title: str = "Vitamin B12 and low back pain: the evidence",
) -> bytes:
    """The ``.pptx`` bytes: one slide per chart with its picture, notes with sources.

    Parameters
    ----------
    charts : sequence
        Objects with ``title`` and optionally ``caption``, ``sources``, ``citations``.
    pictures : sequence of bytes
        One PNG per chart at slide size (``render_figure(fig, ["png"], size=PICTURE_SIZE)``).
    studies : DataFrame, optional
        For full references in the notes.
    title : str
        Document title in the file's properties.

    Examples
    --------
    >>> import types
    >>> from b12explore.export.render import render_figure
    >>> from matplotlib.figure import Figure
    >>> png = render_figure(Figure(), ["png"], size=PICTURE_SIZE, dpi=20)["png"]
    >>> data = deck_bytes([types.SimpleNamespace(title="T")], [png])
    >>> data[:2], data == deck_bytes([types.SimpleNamespace(title="T")], [png])
    (b'PK', True)
    """
    from pptx import Presentation

    if len(pictures) != len(charts):
        raise ValueError(f"{len(charts)} charts but {len(pictures)} pictures")
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_EMU
    layout = prs.slide_layouts[5]  # "Title Only"
    for chart, picture in zip(charts, pictures, strict=True):
        _add_slide(prs, layout, chart, picture, notes_text(chart, studies))
    props = prs.core_properties
    props.author = props.last_modified_by = "b12explore"
    props.title = title
    props.created = props.modified = props.last_printed = DECK_DATE
    props.revision = 1
    buf = io.BytesIO()
    prs.save(buf)
    return _deterministic_zip(buf.getvalue())
