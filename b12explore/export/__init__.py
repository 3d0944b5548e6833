"""Slide-ready files: rendering, safe files, the deck, citations and the chart registry.

One public entry per job:

- :func:`export_chart` — one figure to PNG/SVG/PDF at slide size (+ CSV side-car);
- :func:`export_charts` — many charts (and optionally their deck), all or nothing;
- :func:`export_deck` — a PowerPoint deck of charts;
- :func:`export_citations` — BibTeX/RIS for the studies shown;
- :func:`export_view` — every slide chart of an ``Evidence``, the deck and the
  citations (the explorer's button and ``python -m b12explore export``).

Modules: ``render`` (figure to bytes), ``layout`` (a figure laid out for a slide;
its steps in ``_fitting``), ``slidetext`` (wrapping, shortening, titles), ``jobs``
(rendering in worker processes), ``safefiles`` (names, no-clobber checks,
atomic writes, CSV neutralisation), ``deck`` (the ``.pptx``), ``citations``
(BibTeX/RIS/references), ``files`` (the export functions), ``view`` (the current
view to files), ``registry`` (which charts a view has), ``cli`` (the command).
Only ``registry`` and ``view`` know about charts; the others take figures.
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = {
    "chart_paths": "files",
    "export_chart": "files",
    "export_charts": "files",
    "export_citations": "files",
    "export_deck": "files",
    "files_table": "files",
    "export_view": "view",
    "render_figure": "render",
}
__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    # Lazy: importing the package costs nothing, and the registry (which imports the
    # chart modules) never runs at import time, so there is no import cycle.
    if name in _NAMES:
        return getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'b12explore.export' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
