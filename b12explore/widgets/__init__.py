"""``Explorer``: an ipywidgets panel that filters the evidence and redraws linked views.

Everything on screen follows one :class:`~b12explore.filters.FilterState`. A control
change and :meth:`Explorer.set_filters` take the same path: the control values are
read back into a state (``_read_controls``) and applied once (``_apply``), which
filters the evidence with :func:`~b12explore.filters.apply_filters`, updates the
status line and redraws the visible view. Hidden tabs are redrawn when they are
selected, a view is redrawn only when its inputs changed (the kept studies, and for
the findings and the evidence map also the kept results rows), and each chart keeps
the PNGs of its last 32 inputs, so going back to a recent selection draws nothing.

Charts are persistent matplotlib ``Figure`` objects on the Agg canvas (no pyplot),
cleared and redrawn in place at screen size (9 x 4.5 in at 100 dpi by default) and
sent to the browser as PNG bytes in ``widgets.Image`` widgets (one Agg draw per
update, no tight bounding box). Long lists are paged: 25 rows per page in the study
table; the per-study charts show the 15 largest studies (the forest plot the 15
heaviest effects, pooled over all) and say how many are not shown. The figures
saved by "Export current view" are separate slide-size figures from
:func:`b12explore.charts.slide_charts`.

Text from the CSV files is escaped with :func:`html.escape` before it reaches an
``HTML`` widget (``widgets.HTML`` does not sanitise), and links are only made for
``http(s)`` URLs, with ``rel="noopener noreferrer"``.

CSS classes (stable names for browser tests and styling)
--------------------------------------------------------
Panel and status
    ``b12-explorer`` (the whole panel), ``b12-status`` (status line HTML),
    ``b12-message`` (errors from controls or drawing; empty when all is well).
Filter controls
    ``b12-route``, ``b12-form``, ``b12-design``, ``b12-risk-of-bias``,
    ``b12-comparison``, ``b12-certainty`` (``SelectMultiple``: a ``<select multiple>``),
    ``b12-years`` (``IntRangeSlider``), ``b12-min-n`` (``IntText``), ``b12-deficiency``,
    ``b12-outcome`` (``Dropdown``: a ``<select>``), ``b12-other-b``,
    ``b12-co-interventions`` (``ToggleButtons``), ``b12-text`` (``Text``; the
    value is sent on Enter or blur), ``b12-reset`` (button).
Views
    ``b12-views`` (the ``Tab``; tab titles "Studies", "Sample sizes",
    "Delivery routes", "Findings", "Evidence map"), ``b12-study-table`` (HTML with a
    ``<table class="b12-table">``), ``b12-sort`` (``Dropdown``), ``b12-page-prev``,
    ``b12-page-next`` (buttons), ``b12-page`` (page label), and the chart images
    ``b12-chart-sample-sizes``, ``b12-chart-routes``, ``b12-chart-direction`` and
    ``b12-chart-forest`` (both in the Findings tab's box, ``b12-chart-findings``, which
    shows one of them at a time: ``b12-findings-view`` is the ``ToggleButtons``
    choosing "Direction of effect" or "Forest plot"), ``b12-chart-evidence-map``;
    every chart image also has ``b12-chart``. A view with nothing to draw says why
    in plain words ("4 studies match, none reports a computable effect for Pain VAS").
Study detail (last tab)
    ``b12-study-picker`` (``Dropdown`` of the filtered studies), ``b12-study-detail``
    (HTML: summary, design, dose and schedule, comparator, co-interventions, other B
    vitamins, each reported result, sources as ``a.b12-link`` links).
Export
    ``b12-export-folder`` (``Text``; follows the selection, e.g. ``exports/route-oral``,
    until a folder is typed; hidden in a dashboard), ``b12-export-overwrite``
    (``Checkbox``), ``b12-export`` (the "Export current view" button),
    ``b12-export-replace`` (shown when files from an earlier export are in the way),
    ``b12-export-message`` (what happened, in plain words; ``b12-error`` on failure),
    ``b12-export-download`` (in Voilà: the zip download link).

Examples
--------
>>> from b12explore import Explorer, load
>>> explorer = Explorer(load())
>>> explorer.set_filters(routes=["oral"], min_n=50).routes
('oral',)
>>> set(explorer.filtered.studies["route"].astype(str))
{'oral'}

In a notebook, end a cell with ``explorer`` to show the panel.
"""

# Re-exported (F401): the names tests and benchmarks import from here.
from .forest import _forest_inputs  # noqa: F401
from .panel import Explorer
from .table import safe_href, study_rows_html
from .views import png_bytes  # noqa: F401

__all__ = ["Explorer", "study_rows_html", "safe_href"]
