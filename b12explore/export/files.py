"""Slide-ready files: chart images with a CSV side-car, a PowerPoint deck, citations.

Every export is deterministic (the same figure gives byte-identical PNG, SVG, PDF
and PPTX files), atomic (temporary file in the target folder, then rename) and
refuses to replace an existing file unless ``overwrite=True``; all targets are
checked before anything is written. This module knows nothing about which chart
it saves: it takes matplotlib figures (or chart objects carrying one) and leaves
them as it found them. Rendering lives in ``render``, the deck in ``deck``, names
and atomic writes in ``safefiles``, BibTeX/RIS in ``citations``. Replacing an
earlier export is all or nothing too: a failed overwrite leaves it intact.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import citations as _cit
from .deck import TextSlide, deck_bytes, picture_inches
from .jobs import render_many
from .render import FORMATS, check_formats, render_figure
from .safefiles import check_free, csv_bytes, safe_path, write_all

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "chart_paths",
    "export_chart",
    "export_charts",
    "export_citations",
    "export_deck",
    "files_table",
    "planned_paths",
]

#: How deck pictures are rendered: the slide shows the title and caption as text.
DECK_PICTURE = {"margin": 0.05, "title": False}


def _split(path: str | os.PathLike, suffixes: Sequence[str]) -> tuple[Path, str]:
    p = Path(path)
    name = p.stem if p.suffix.lower().lstrip(".") in suffixes else p.name
    return p.parent, name


def chart_paths(
    path: str | os.PathLike,
    *,
    formats: str | Sequence[str] = FORMATS,
    data: bool = True,
) -> list[Path]:
    """The files :func:`export_chart` would write for ``path``, in write order.

    ``formats`` may be empty (only the CSV side-car).

    Examples
    --------
    >>> [p.name for p in chart_paths("/tmp/out/../Sample sizes", formats=("png",))]
    ['Sample_sizes.png', 'Sample_sizes.csv']
    """
    folder, name = _split(path, (*FORMATS, "csv"))
    fmts = check_formats(formats)
    suffixes = [*fmts, *(["csv"] if data else [])]
    return [safe_path(folder, name, "." + s) for s in suffixes]


def _chart_files(
    targets: list[Path], fmts: Sequence[str], blobs: dict[str, bytes], data: Any
) -> dict[Path, bytes]:
    files = dict(zip(targets[: len(fmts)], [blobs[f] for f in fmts], strict=True))
    if data is not None:
        files[targets[-1]] = csv_bytes(data)
    return files


# ------------------------------------------------------------------ one chart


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
    fmts = check_formats(formats)
    if not fmts:
        raise ValueError(f"formats must name at least one of {', '.join(FORMATS)}")
    targets = chart_paths(path, formats=fmts, data=data is not None)
    check_free(targets, overwrite=overwrite)
    blobs = render_figure(fig, fmts, size=size, caption=caption, dpi=dpi)
    targets[0].parent.mkdir(parents=True, exist_ok=True)
    return write_all(_chart_files(targets, fmts, blobs, data), overwrite=overwrite)


# ------------------------------------------------------------------ many charts, deck


def export_charts(
    charts: Sequence[Any],
    folder: str | os.PathLike,
    *,
    formats: str | Sequence[str] = FORMATS,
    size: str | tuple[float, float] = "16:9",
    dpi: int = 200,
    deck: str | os.PathLike | None = None,
    evidence: Any = None,
    overwrite: bool = False,
    jobs: int = 1,
    progress: Callable[[int, int, Any, list[Path]], None] | None = None,
    opening: Sequence[TextSlide] = (),
    closing: Sequence[TextSlide] = (),
) -> list[Path]:
    """Export many charts (and optionally their deck), all or nothing.

    Every target is checked before anything is rendered; everything is rendered in
    memory (a few MB) before anything is written; if a write fails, the files this
    call created are removed again.

    Parameters
    ----------
    charts : sequence of chart objects
        Each with ``name``, ``figure``, ``caption`` and ``data`` (DataFrame or None),
        and for the deck ``title`` and ``sources``, like ``charts.slide_charts(...)``.
    folder : path-like
        Export folder (created if missing); files are named after ``chart.name``.
    formats : sequence of {"png", "svg", "pdf"}
        May be empty: then only the CSV side-cars (and the deck) are written.
    size, dpi, overwrite
        As in :func:`export_chart`.
    deck : path-like, optional
        Also write a ``.pptx`` deck of all charts here (see :func:`export_deck`).
    evidence : Evidence or DataFrame, optional
        Studies for full references in the deck notes.
    jobs : int, default 1
        Worker processes for rendering (the bytes are the same).
    progress : callable, optional
        Called as ``progress(i, n, chart, paths)`` when chart ``i`` (1-based) is
        rendered; ``paths`` are its files, written together once every chart is done.
    opening, closing : sequence of TextSlide
        Text slides put before and after the chart slides of the deck.

    Returns
    -------
    list of Path
        Every file written, in order; the deck last.

    Raises
    ------
    FileExistsError
        If any target exists (nothing is written), unless ``overwrite``.

    Examples
    --------
    >>> import tempfile, types
    >>> from matplotlib.figure import Figure
    >>> c = types.SimpleNamespace(name="c", title="C", figure=Figure(), caption="x", data=None)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in export_charts([c], d, formats=["svg"], deck=Path(d) / "deck")]
    ['c.svg', 'deck.pptx']
    """
    folder = Path(folder)
    fmts = check_formats(formats)
    deck_target = _deck_target(deck) if deck is not None else None
    plans = _chart_plans(charts, folder, fmts)
    check_free(
        [p for plan in plans for p in plan] + ([deck_target] if deck_target else []),
        overwrite=overwrite,
    )
    requests = [(c.figure, fmts, size, getattr(c, "caption", None), dpi) for c in charts if fmts]
    deck_charts = list(charts) if deck_target is not None else []
    requests += _picture_jobs(deck_charts, size, dpi)
    files: dict[Path, bytes] = {}
    with contextlib.closing(render_many(requests, workers=jobs)) as results:
        for i, (chart, plan) in enumerate(zip(charts, plans, strict=True), 1):
            blobs = next(results) if fmts else {}
            files.update(_chart_files(plan, fmts, blobs, getattr(chart, "data", None)))
            if progress is not None:
                progress(i, len(charts), chart, plan)
        if deck_target is not None:
            pictures = _deck_pictures(deck_charts, results)
            files[deck_target] = _deck(deck_charts, pictures, evidence, opening, closing, size)
    folder.mkdir(parents=True, exist_ok=True)
    if deck_target is not None:
        deck_target.parent.mkdir(parents=True, exist_ok=True)
    return write_all(files, overwrite=overwrite)


def _chart_plans(charts: Sequence[Any], folder: Path, fmts: Sequence[str]) -> list[list[Path]]:
    return [
        chart_paths(folder / c.name, formats=fmts, data=getattr(c, "data", None) is not None)
        for c in charts
    ]


def planned_paths(
    charts: Sequence[Any],
    folder: str | os.PathLike,
    *,
    formats: str | Sequence[str] = FORMATS,
    deck: str | os.PathLike | None = None,
) -> list[Path]:
    """Every file :func:`export_charts` would write, in writing order (the deck last).

    Examples
    --------
    >>> import types
    >>> c = types.SimpleNamespace(name="timeline", data=None)
    >>> [p.name for p in planned_paths([c], "out", formats=["png"], deck="out/deck")]
    ['timeline.png', 'deck.pptx']
    """
    plans = _chart_plans(charts, Path(folder), check_formats(formats))
    paths = [p for plan in plans for p in plan]
    return paths + ([_deck_target(deck)] if deck is not None else [])


def _picture_jobs(charts: Sequence[Any], size: str, dpi: int) -> list[tuple]:
    """Render jobs for the deck pictures (charts PowerPoint draws natively need none)."""
    area = picture_inches(size)
    return [
        (c.figure, ["png"], area, None, dpi, DECK_PICTURE)
        for c in charts
        if getattr(c, "native", None) is None
    ]


def _deck_pictures(charts: Sequence[Any], results: Any) -> list[bytes | None]:
    return [
        None if getattr(c, "native", None) is not None else next(results)["png"] for c in charts
    ]


def _deck(charts, pictures, evidence, opening, closing, size) -> bytes:
    opening, closing = list(opening), list(closing)
    items = [*opening, *charts, *closing]
    pics = [None] * len(opening) + list(pictures) + [None] * len(closing)
    studies = getattr(evidence, "studies", evidence)
    return deck_bytes(items, pics, studies=studies, size=_deck_size(size))


def _deck_size(size: Any) -> str:
    return size if isinstance(size, str) else "16:9"


def _deck_target(path: str | os.PathLike) -> Path:
    folder, name = _split(path, ("pptx",))
    return safe_path(folder, name, ".pptx")


def export_deck(
    charts: Sequence[Any],
    path: str | os.PathLike,
    *,
    overwrite: bool = False,
    evidence: Any = None,
    title: str = "Vitamin B12 and low back pain: the evidence",
    size: str = "16:9",
    dpi: int = 200,
    jobs: int = 1,
    opening: Sequence[TextSlide] = (),
    closing: Sequence[TextSlide] = (),
) -> Path:
    """An editable PowerPoint deck, one chart per slide, with sources in the notes.

    Each chart slide has the chart's title as real slide text, the chart inside
    0.4 in margins (a native PowerPoint bar chart when ``chart.native`` is set,
    otherwise its picture rendered at the size it takes on the slide, so point
    sizes are true) and the caption as a text box. The notes hold the caption and
    the full references. Two exports of the same charts are byte-identical.

    Parameters
    ----------
    charts : sequence of chart objects
        Anything with ``title``, ``figure`` and optionally ``caption``, ``sources``
        (study labels) or ``citations`` (reference strings), ``details`` and
        ``native`` (:class:`~b12explore.export.deck.NativeChart`), such as
        ``charts.slide_charts(...)``.
    path : path-like
        Target; ``.pptx`` is added if missing. The name is made filesystem-safe.
    overwrite : bool, default False
    evidence : Evidence or DataFrame, optional
        When given, the notes list full references for each chart's ``sources``
        (matched by study label or id); otherwise the labels themselves.
    title : str
        Document title in the file's properties.
    size : {"16:9", "4:3"}, default "16:9"
    dpi : int, default 200
        Resolution of the slide pictures.
    jobs : int, default 1
        Worker processes for rendering the pictures.
    opening, closing : sequence of TextSlide
        Text slides before and after the charts (a title slide, a closing slide).

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
    target = _deck_target(path)
    check_free([target], overwrite=overwrite)
    with contextlib.closing(render_many(_picture_jobs(charts, size, dpi), workers=jobs)) as res:
        pictures = _deck_pictures(charts, res)
    opening, closing = list(opening), list(closing)
    data = deck_bytes(
        [*opening, *charts, *closing],
        [None] * len(opening) + pictures + [None] * len(closing),
        studies=getattr(evidence, "studies", evidence),
        title=title,
        size=size,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    return write_all({target: data}, overwrite=overwrite)[0]


# ------------------------------------------------------------------ citations


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


def files_table(
    paths: Sequence[str | os.PathLike], *, root: str | os.PathLike = "."
) -> pd.DataFrame:
    """The files an export wrote, as a table with paths relative to ``root``.

    Relative paths keep a notebook's stored output the same on every machine.

    Parameters
    ----------
    paths : sequence of path-like
        What :func:`export_chart`, :func:`export_charts` or :func:`export_citations`
        returned.
    root : path-like, default the current folder
        Paths outside ``root`` stay absolute.

    Returns
    -------
    DataFrame
        ``file`` (POSIX-style path) and ``format`` (the extension), in the given order.

    Examples
    --------
    >>> files_table([Path.cwd() / "out" / "chart.png"])
                   file format
    0     out/chart.png    png
    """
    base = Path(root).resolve()
    files = []
    for p in map(Path, paths):
        full = p.resolve()
        files.append(full.relative_to(base).as_posix() if full.is_relative_to(base) else str(full))
    return pd.DataFrame({"file": files, "format": [Path(f).suffix.lstrip(".") for f in files]})
