"""The current view to files: every slide chart, the deck and the citations.

One function, :func:`export_view`, used by both the explorer's "Export current view"
button and ``python -m b12explore export``, so the two always write the same files.
It sits above :mod:`b12explore.charts` (which makes the figures) and
:mod:`b12explore.export.files` (which writes them and knows nothing about charts).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .render import FORMATS

__all__ = ["CITATIONS_NAME", "DECK_NAME", "export_view", "planned_files"]

DECK_NAME = "b12explore-slides"
CITATIONS_NAME = "citations"


def planned_files(
    charts: Sequence[Any], folder: Path, *, formats: Sequence[str], deck: bool
) -> list[Path]:
    """Every file :func:`export_view` would write for ``charts``, in writing order.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> chart = SimpleNamespace(name="timeline", data=None)
    >>> [p.name for p in planned_files([chart], Path("out"), formats=["png"], deck=True)]
    ['timeline.png', 'b12explore-slides.pptx', 'citations.bib', 'citations.ris']
    """
    from .files import planned_paths
    from .safefiles import safe_path

    deck_path = folder / DECK_NAME if deck else None
    paths = planned_paths(charts, folder, formats=formats, deck=deck_path)
    return paths + [safe_path(folder, CITATIONS_NAME, s) for s in (".bib", ".ris")]


def export_view(
    evidence: Any,
    folder: str | os.PathLike,
    *,
    filters_text: str = "all studies",
    formats: Sequence[str] = FORMATS,
    deck: bool = True,
    size: str = "16:9",
    dpi: int = 200,
    overwrite: bool = False,
    jobs: int = 1,
    progress: Callable[[int, int, Any, list[Path]], None] | None = None,
    charts: Sequence[Any] | None = None,
) -> list[Path]:
    """Write every slide chart of ``evidence``, the deck and the citations into ``folder``.

    All or nothing: every target is checked before anything is written, so an
    existing file raises ``FileExistsError`` (naming it) and leaves the folder as it
    was, unless ``overwrite=True``.

    Parameters
    ----------
    evidence : Evidence
        The (filtered) evidence.
    folder : path-like
        Created if missing.
    filters_text : str
        The active filters in words, for the captions.
    formats : sequence of {"png", "svg", "pdf"}
        Image formats; each chart also gets a CSV of its data.
    deck : bool, default True
        Also write ``b12explore-slides.pptx``: a title slide, the charts and a
        closing "what this evidence can and cannot tell you" slide.
    size, dpi, jobs, progress
        As in :func:`b12explore.export.files.export_charts`.
    charts : sequence of SlideChart, optional
        Charts already built (default: :func:`b12explore.export.registry.slide_charts`);
        they are left as they are. Charts built here are freed at the end.

    Returns
    -------
    list of Path
        The files written: charts and their CSVs, the deck, then the citations.

    Examples
    --------
    >>> import tempfile
    >>> from b12explore import load
    >>> with tempfile.TemporaryDirectory() as out:
    ...     written = export_view(load(), out, formats=["png"])
    >>> [p.name for p in written][-3:]
    ['b12explore-slides.pptx', 'citations.bib', 'citations.ris']
    """
    from .files import export_charts, export_citations
    from .safefiles import check_free
    from .story import closing_slide, title_slide

    own = charts is None
    if charts is None:
        from .registry import slide_charts

        charts = slide_charts(evidence, filters_text=filters_text, size=size)
    folder = _folder(folder)
    try:
        check_free(planned_files(charts, folder, formats=formats, deck=deck), overwrite=overwrite)
        written = export_charts(
            charts,
            folder,
            formats=formats,
            size=size,
            dpi=dpi,
            deck=folder / DECK_NAME if deck else None,
            evidence=evidence,
            overwrite=overwrite,
            jobs=jobs,
            progress=progress,
            opening=[title_slide(evidence, filters_text)] if deck else [],
            closing=[closing_slide(evidence)] if deck else [],
        )
        return written + export_citations(evidence, folder / CITATIONS_NAME, overwrite=overwrite)
    finally:
        if own:
            for chart in charts:
                chart.figure.clear()  # no pyplot state is involved; free the artists now


def _folder(folder: str | os.PathLike) -> Path:
    """The export folder, refusing an empty name and anything that is not a folder."""
    if not str(folder).strip():
        raise NotADirectoryError("the export folder name is empty: not a folder")
    path = Path(folder).expanduser()
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{path} exists and is not a folder")
    return path.resolve()
