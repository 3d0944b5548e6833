"""Slide-ready files: chart images with a CSV side-car, a PowerPoint deck, citations.

Every export is deterministic (the same figure gives byte-identical PNG, SVG, PDF
and PPTX files), atomic (temporary file in the target folder, then rename) and
refuses to replace an existing file unless ``overwrite=True``; all targets are
checked before anything is written. This module knows nothing about which chart
it saves: it takes a matplotlib ``Figure`` and leaves it as it found it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
import os
import textwrap
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import citations as _cit
from .safefiles import check_free, csv_bytes, safe_path, write_all

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "FORMATS",
    "SLIDE_SIZES",
    "chart_paths",
    "export_chart",
    "export_citations",
    "export_deck",
    "render_figure",
]

#: Slide sizes in inches (PowerPoint's default 16:9 and the classic 4:3).
SLIDE_SIZES: dict[str, tuple[float, float]] = {"16:9": (13.333, 7.5), "4:3": (10.0, 7.5)}
#: Image formats :func:`export_chart` writes.
FORMATS = ("png", "svg", "pdf")
#: Fixed date stamped into deck metadata so that re-exports are byte-identical.
DECK_DATE = _dt.datetime(2026, 1, 1, 0, 0, 0)
CAPTION_FONTSIZE = 14
CAPTION_MAX_LINES = 4
FREEZE_LAYOUT = True

# Deterministic output and editable text, applied per save (never global rcParams).
_RC = {"svg.hashsalt": "b12explore", "svg.fonttype": "none", "pdf.fonttype": 3}
_METADATA: dict[str, dict[str, Any] | None] = {
    "png": None,
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
}
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_EMU_PER_INCH = 914400
# PowerPoint's own 16:9 slide: 12192000 x 6858000 EMU (13.333 x 7.5 in).
_DECK_EMU = (12192000, 6858000)


# ------------------------------------------------------------------ sizes & paths


def slide_inches(size: str | tuple[float, float], dpi: int) -> tuple[float, float]:
    """Slide size in inches, rounded to whole pixels at ``dpi``.

    Examples
    --------
    >>> slide_inches("16:9", 200)
    (13.335, 7.5)
    """
    if isinstance(size, str):
        if size not in SLIDE_SIZES:
            raise ValueError(f"size must be one of {sorted(SLIDE_SIZES)} or (w, h), got {size!r}")
        size = SLIDE_SIZES[size]
    w, h = (float(v) for v in size)
    if w <= 0 or h <= 0:
        raise ValueError(f"slide size must be positive, got {size!r}")
    return round(w * dpi) / dpi, round(h * dpi) / dpi


def _split(path: str | os.PathLike, suffixes: Sequence[str]) -> tuple[Path, str]:
    p = Path(path)
    name = p.stem if p.suffix.lower().lstrip(".") in suffixes else p.name
    return p.parent, name


def _formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(formats, str):
        formats = [f for f in formats.replace(",", " ").split() if f]
    out = tuple(dict.fromkeys(f.lower().lstrip(".") for f in formats))
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise ValueError(f"formats must be among {', '.join(FORMATS)}; got {list(formats)!r}")
    return out


def chart_paths(
    path: str | os.PathLike,
    *,
    formats: str | Sequence[str] = FORMATS,
    data: bool = True,
) -> list[Path]:
    """The files :func:`export_chart` would write for ``path``, in write order.

    Examples
    --------
    >>> [p.name for p in chart_paths("/tmp/out/../Sample sizes", formats=("png",))]
    ['Sample_sizes.png', 'Sample_sizes.csv']
    """
    folder, name = _split(path, (*FORMATS, "csv"))
    suffixes = [*_formats(formats), *(["csv"] if data else [])]
    return [safe_path(folder, name, "." + s) for s in suffixes]


# ------------------------------------------------------------------ rendering


def _wrap_caption(caption: str, width_in: float, fontsize: float) -> str:
    chars = max(20, int(width_in * 72 / (0.55 * fontsize)))
    lines: list[str] = []
    for para in str(caption).splitlines() or [""]:
        lines.extend(textwrap.wrap(para, chars) or [""])
    if len(lines) > CAPTION_MAX_LINES:
        lines = lines[:CAPTION_MAX_LINES]
        lines[-1] = lines[-1][: chars - 2].rstrip() + " …"
    return "\n".join(lines)


@contextlib.contextmanager
def _slide_layout(
    fig: Figure, size_in: tuple[float, float], caption: str | None, freeze: bool = False
) -> Iterator:
    """Temporarily size ``fig`` for the slide and add the caption; restore on exit."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine, TightLayoutEngine

    old_size = tuple(fig.get_size_inches())
    engine = fig.get_layout_engine()
    old_engine = dict(engine.get()) if engine is not None else None
    positions = [
        (ax, ax.get_position(original=True), ax.get_position(original=False)) for ax in fig.axes
    ]
    text = None
    frozen = False
    try:
        fig.set_size_inches(size_in, forward=False)
        if caption:
            wrapped = _wrap_caption(caption, size_in[0] - 0.5, CAPTION_FONTSIZE)
            n_lines = wrapped.count("\n") + 1
            frac = (n_lines * CAPTION_FONTSIZE * 1.3 + 14) / (size_in[1] * 72)
            text = fig.text(
                0.25 / size_in[0],
                0.08 / size_in[1],
                wrapped,
                ha="left",
                va="bottom",
                fontsize=CAPTION_FONTSIZE,
                color="#333333",
                linespacing=1.2,
                gid="slide-caption",
            )
            if isinstance(engine, ConstrainedLayoutEngine):
                engine.set(rect=(0, frac, 1, 1 - frac))
            elif isinstance(engine, TightLayoutEngine):
                engine.set(rect=(0, frac, 1, 1))
            else:
                for ax, orig, _ in positions:
                    ax.set_position(
                        [
                            orig.x0,
                            frac + orig.y0 * (1 - frac),
                            orig.width,
                            orig.height * (1 - frac),
                        ]
                    )
        frozen = freeze and engine is not None and hasattr(engine, "execute")
        if frozen:  # lay out once, then draw every format with the same positions
            fig.draw_without_rendering()
            fig.set_layout_engine("none")
        yield fig
    finally:
        if frozen:
            fig.set_layout_engine(engine)
        if text is not None:
            text.remove()
        if engine is not None and old_engine is not None and "rect" in old_engine:
            engine.set(rect=old_engine["rect"])
        for ax, orig, active in positions:
            ax.set_position(orig, which="original")
            ax.set_position(active, which="active")
        fig.set_size_inches(old_size, forward=False)


def render_figure(
    fig: Figure,
    formats: str | Sequence[str] = FORMATS,
    *,
    size: str | tuple[float, float] = "16:9",
    caption: str | None = None,
    dpi: int = 200,
) -> dict[str, bytes]:
    """Render ``fig`` at slide size into bytes per format, deterministically.

    The figure is resized and captioned only for the duration of the call.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    formats : sequence of {"png", "svg", "pdf"}
    size : {"16:9", "4:3"} or (width, height) in inches
    caption : str, optional
        Text placed along the bottom edge (sources, filters, data version).
    dpi : int, default 200
        Resolution of the PNG.

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

    formats = _formats(formats)
    size_in = slide_inches(size, dpi)
    out: dict[str, bytes] = {}
    freeze = FREEZE_LAYOUT and len(formats) > 1
    with matplotlib.rc_context(_RC), _slide_layout(fig, size_in, caption, freeze):
        for fmt in formats:
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
            out[fmt] = buf.getvalue()
    return out


# ------------------------------------------------------------------ export_chart


def export_chart(
    fig: Figure,
    path: str | os.PathLike,
    *,
    formats: str | Sequence[str] = FORMATS,
    size: str | tuple[float, float] = "16:9",
    caption: str | None = None,
    data: pd.DataFrame | None = None,
    overwrite: bool = False,
    dpi: int = 200,
) -> list[Path]:
    """Save a figure for slides: PNG/SVG/PDF at slide size, plus the data as CSV.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The chart; it is restored to its own size afterwards.
    path : path-like
        Target without extension (``out/sample_sizes``); a known extension is
        dropped. The name is made filesystem-safe and must stay in its folder.
    formats : sequence of {"png", "svg", "pdf"}, default all three
    size : {"16:9", "4:3"} or (width, height) in inches, default "16:9"
        16:9 is 13.333 x 7.5 in (PowerPoint's default); at 200 dpi 2667 x 1500 px.
    caption : str, optional
        Sources, active filters and data version, drawn along the bottom edge.
    data : DataFrame, optional
        The numbers behind the chart, written as ``<name>.csv`` (UTF-8 with BOM,
        spreadsheet formula injection neutralised).
    overwrite : bool, default False
        Without it an existing target raises ``FileExistsError`` and nothing is
        written.
    dpi : int, default 200

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    FileExistsError
        Naming the existing files.

    Examples
    --------
    >>> import tempfile
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> _ = fig.add_subplot().bar(["a", "b"], [3, 5])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in export_chart(fig, Path(d) / "bars", formats=["png", "svg"])]
    ['bars.png', 'bars.svg']
    """
    fmts = _formats(formats)
    targets = chart_paths(path, formats=fmts, data=data is not None)
    check_free(targets, overwrite=overwrite)
    blobs = render_figure(fig, fmts, size=size, caption=caption, dpi=dpi)
    files = dict(zip(targets[: len(fmts)], [blobs[f] for f in fmts], strict=True))
    if data is not None:
        files[targets[-1]] = csv_bytes(data)
    targets[0].parent.mkdir(parents=True, exist_ok=True)
    return write_all(files, overwrite=overwrite)


# ------------------------------------------------------------------ export_deck


def _notes(chart: Any, studies: pd.DataFrame | None) -> str:
    caption = getattr(chart, "caption", None) or ""
    refs = getattr(chart, "citations", None)
    if refs is None:
        sources = list(getattr(chart, "sources", None) or ())
        refs = _cit.references_for(studies, sources) if studies is not None else sources
    if not refs:
        refs = _source_urls(getattr(chart, "data", None))
    parts = [caption.strip()] if caption.strip() else []
    if refs:
        parts.append("Sources:\n" + "\n".join(f"- {r}" for r in refs))
    else:
        parts.append("Sources: none listed")
    return "\n\n".join(parts)


def _source_urls(data: Any) -> list[str]:
    """Distinct ``source_url`` values of a chart's data (for charts not drawn from studies)."""
    if not isinstance(data, pd.DataFrame) or "source_url" not in data:
        return []
    return list(dict.fromkeys(str(u) for u in data["source_url"].dropna() if str(u).strip()))


def _deterministic_zip(raw: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes (same bytes every time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def _add_slide(prs: Any, layout: Any, chart: Any, studies: pd.DataFrame | None, dpi: int):
    from pptx.util import Emu, Pt

    width, height = _DECK_EMU
    margin, title_h, top = Emu(_EMU_PER_INCH // 4), Emu(_EMU_PER_INCH * 9 // 10), Emu(1051560)
    slide = prs.slides.add_slide(layout)
    title = slide.shapes.title
    title.left, title.top, title.width, title.height = (
        margin,
        Emu(91440),
        width - 2 * margin,
        title_h,
    )
    title.text = str(getattr(chart, "title", "") or getattr(chart, "name", ""))
    for para in title.text_frame.paragraphs:
        for run in para.runs:
            run.font.size = Pt(30)
    pic_w, pic_h = width - 2 * margin, height - top - Emu(45720)
    size_in = (pic_w / _EMU_PER_INCH, pic_h / _EMU_PER_INCH)
    png = render_figure(
        chart.figure, ["png"], size=size_in, caption=getattr(chart, "caption", None), dpi=dpi
    )["png"]
    slide.shapes.add_picture(io.BytesIO(png), margin, top, pic_w, pic_h)
    slide.notes_slide.notes_text_frame.text = _notes(chart, studies)
    return slide


def export_deck(
    charts: Sequence[Any],
    path: str | os.PathLike,
    *,
    overwrite: bool = False,
    evidence: Any = None,
    title: str = "Vitamin B12 and low back pain: the evidence",
    dpi: int = 200,
) -> Path:
    """A 16:9 PowerPoint deck, one chart per slide, with sources in the notes.

    Parameters
    ----------
    charts : sequence of chart objects
        Anything with ``title``, ``figure`` and optionally ``caption`` and
        ``sources`` (study labels) or ``citations`` (reference strings), such as
        ``charts.slide_charts(...)``.
    path : path-like
        Target; ``.pptx`` is added if missing. The name is made filesystem-safe.
    overwrite : bool, default False
    evidence : Evidence or DataFrame, optional
        When given, the notes list full references for each chart's ``sources``
        (matched by study label or id); otherwise the labels themselves.
    title : str
        Document title in the file's properties.
    dpi : int, default 200
        Resolution of the slide pictures.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, types
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> _ = fig.add_subplot().plot([1, 2])
    >>> chart = types.SimpleNamespace(title="A line", figure=fig, caption="Source: x",
    ...                               sources=["Mauro 2000"])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     export_deck([chart], Path(d) / "deck", dpi=50).name
    'deck.pptx'
    """
    from pptx import Presentation

    folder, name = _split(path, ("pptx",))
    target = safe_path(folder, name, ".pptx")
    check_free([target], overwrite=overwrite)
    studies = getattr(evidence, "studies", evidence)
    prs = Presentation()
    prs.slide_width, prs.slide_height = _DECK_EMU
    layout = prs.slide_layouts[5]  # "Title Only"
    for chart in charts:
        _add_slide(prs, layout, chart, studies, dpi)
    props = prs.core_properties
    props.author = props.last_modified_by = "b12explore"
    props.title = title
    props.created = props.modified = props.last_printed = DECK_DATE
    props.revision = 1
    buf = io.BytesIO()
    prs.save(buf)
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_all({target: _deterministic_zip(buf.getvalue())}, overwrite=overwrite)[0]


# ------------------------------------------------------------------ export_citations


def export_citations(
    evidence: Any,
    path: str | os.PathLike,
    *,
    format: str | Sequence[str] = "both",
    overwrite: bool = False,
) -> list[Path]:
    """BibTeX and/or RIS files for the studies shown.

    Parameters
    ----------
    evidence : Evidence or DataFrame
        The (filtered) evidence, or its ``studies`` frame.
    path : path-like
        Target without extension (``out/citations``); ``.bib``/``.ris`` is dropped.
    format : {"bib", "ris", "both"} or sequence of them, default "both"
    overwrite : bool, default False

    Returns
    -------
    list of Path

    Examples
    --------
    >>> import tempfile
    >>> studies = pd.DataFrame({"first_author": ["Mauro GL"], "year": [2000],
    ...                         "doi": ["10.1/x"]})
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in export_citations(studies, Path(d) / "refs")]
    ['refs.bib', 'refs.ris']
    """
    studies = getattr(evidence, "studies", evidence)
    kinds = ("bib", "ris") if format == "both" else _citation_kinds(format)
    folder, name = _split(path, ("bib", "ris"))
    targets = [safe_path(folder, name, "." + k) for k in kinds]
    check_free(targets, overwrite=overwrite)
    texts = {
        "bib": _cit.to_bibtex(studies) or "% No studies match the active filters.\n",
        "ris": _cit.to_ris(studies),
    }
    folder.mkdir(parents=True, exist_ok=True)
    files = {t: texts[k].encode("utf-8") for t, k in zip(targets, kinds, strict=True)}
    return write_all(files, overwrite=overwrite)


def _citation_kinds(format: str | Sequence[str]) -> tuple[str, ...]:
    kinds = (format,) if isinstance(format, str) else tuple(format)
    bad = [k for k in kinds if k not in ("bib", "ris")]
    if bad or not kinds:
        raise ValueError(f'format must be "bib", "ris" or "both", got {format!r}')
    return tuple(dict.fromkeys(kinds))
