"""b12explore: a Jupyter evidence explorer for vitamin B12 and low back pain.

Nothing happens on import: no data is loaded, no rcParams are changed, and heavy
modules (matplotlib, ipywidgets) are imported only when a name that needs them is
first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    "load": "io",
    "Evidence": "io",
    "DataValidationError": "errors",
    "Problem": "errors",
    "FilterState": "filters",
    "apply_filters": "filters",
    "Explorer": "widgets",
    "EntryForm": "widgets.entry",
    "diff": "changes",
    "export_chart": "export",
    "export_deck": "export",
    "export_citations": "export",
    "export_charts": "export",
}
_MODULES = {"meta", "summaries", "charts", "claims", "filters", "style"}

__all__ = [
    "DataValidationError",
    "EntryForm",
    "Evidence",
    "Explorer",
    "FilterState",
    "Problem",
    "__version__",
    "apply_filters",
    "charts",
    "claims",
    "diff",
    "export_chart",
    "export_charts",
    "export_citations",
    "export_deck",
    "filters",
    "load",
    "meta",
    "style",
    "summaries",
]

if TYPE_CHECKING:  # pragma: no cover
    from . import charts, claims, filters, meta, style, summaries
    from .changes import diff
    from .errors import DataValidationError, Problem
    from .export import export_chart, export_charts, export_citations, export_deck
    from .filters import FilterState, apply_filters
    from .io import Evidence, load
    from .widgets import Explorer
    from .widgets.entry import EntryForm


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        return getattr(module, name)
    if name in _MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'b12explore' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
