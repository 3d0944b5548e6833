"""The ``Explorer`` panel: builds the controls and views, wires them with ``observe``.

See :mod:`b12explore.widgets` for the CSS classes and how a change flows to the views.
"""

from __future__ import annotations

import html
import math
import traceback
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .. import summaries
from ..filters import FilterState, apply_filters, describe
from .controls import _ControlsMixin
from .detail_tab import _DetailMixin
from .explain import empty_reason, selection_folder
from .exporting import EMPTY_MESSAGE, EmptySelectionError, ExportRow, in_dashboard
from .table import _TABLE_CSS, PAGE_SIZE, SORTS, _sort_studies, _status_text, study_rows_html
from .views import (
    CACHE_SIZE,
    DPI,
    FIGSIZE,
    _ChartView,
    _draw_direction,
    _draw_evidence_map,
    _draw_forest,
    _draw_routes,
    _draw_sample_sizes,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..io import Evidence

__all__ = ["Explorer", "SAVED_TEXT"]

# The years read-out keeps its full "1998 - 2023" (it overflowed the slider's box).
_PANEL_CSS = (
    "<style>"
    ".b12-years .widget-readout{min-width:7em;max-width:none;overflow:visible}"
    ".b12-chart{object-fit:contain}"
    "</style>"
)

# The text a saved notebook shows in place of the widgets (and the text repr).
SAVED_TEXT = "Explorer: run this cell to start the explorer."


class Explorer(_ControlsMixin, _DetailMixin):
    """Filter the evidence with widgets and see every view follow.

    Parameters
    ----------
    evidence : Evidence, optional
        The evidence to explore; :func:`b12explore.load` is called when omitted.
    export_folder : str or Path, optional
        A fixed export folder. By default the folder box follows the selection
        (``exports/all-studies``, ``exports/route-oral``, ...) until a folder is typed.
    dashboard : bool, optional
        Offer the export as a zip download instead of writing to a folder typed in the
        page (default: True inside Voilà).
    page_size : int, default 25
        Rows per page of the study table.
    figsize : (float, float), default (9, 4.5)
        Size of the on-screen charts in inches.
    dpi : int, default 100
        Resolution of the on-screen charts.
    cache_size : int, default 32
        PNGs kept per chart for recently seen selections (0 turns the cache off).

    Attributes
    ----------
    state : FilterState
        The filters now applied.
    filtered : Evidence
        The evidence after filtering (use it in the next cell).
    panel : ipywidgets.VBox
        The widget tree (displaying the explorer displays this).
    controls : dict of str to Widget
        One control per :class:`FilterState` field, keyed by field name.
    status, message, table, tabs, sort, findings_view, export_button, export_message
        The status line, the error line, the study table, the view tabs, the sort
        control, the direction/forest switch of the Findings tab, the export button
        and its result line.
    charts : dict of str to chart view
        ``sample_sizes``, ``routes``, ``direction``, ``forest``, ``evidence_map``;
        each has ``.figure`` (the persistent Figure) and ``.image`` (the Image).
    redraws : dict of str to int
        How many times each view was drawn (tests and benchmarks use it).
    last_error : Exception or None
        The last error shown in the panel.

    Examples
    --------
    >>> from b12explore import Explorer, load
    >>> explorer = Explorer(load())
    >>> _ = explorer.set_filters(designs="rct")
    >>> "studies," in explorer.status.value
    True
    """

    def __init__(
        self,
        evidence: Evidence | None = None,
        *,
        export_folder: str | Path | None = None,
        dashboard: bool | None = None,
        page_size: int = PAGE_SIZE,
        figsize: tuple[float, float] = FIGSIZE,
        dpi: int = DPI,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        if evidence is None:
            from ..io import load

            evidence = load()
        self.evidence = evidence
        self.page_size = int(page_size)
        self._state = FilterState()
        self._filtered = evidence
        self._ids: tuple = tuple(evidence.studies["study_id"].astype(object))
        self._quiet = False
        self._page = 0
        self._table_drawn: Any = None
        self._certainty_table: pd.DataFrame | None = None
        self.redraws: dict[str, int] = {}
        self.last_error: Exception | None = None
        self._forest_cache: dict[tuple[str, str], pd.DataFrame] = {}
        self._build_controls()
        self._build_views(figsize, dpi, cache_size)
        self._build_detail()
        self._build_export(export_folder, in_dashboard() if dashboard is None else dashboard)
        self.panel = self._layout()
        self._refresh_status()
        self._render_visible()

    # ------------------------------------------------------------ public API

    @property
    def state(self) -> FilterState:
        """The filters now applied."""
        return self._state

    @property
    def filtered(self) -> Evidence:
        """The filtered evidence (an ``Evidence``)."""
        return self._filtered

    def set_filters(self, **values: Any) -> FilterState:
        """Change some filters, exactly as if the controls had been used.

        Names and values are those of :class:`FilterState`; codes are checked
        against the evidence's descriptor (:meth:`FilterState.checked`, the same
        message as :func:`~b12explore.filters.apply_filters` and the command line:
        ``filter routes: 'oarl' is not one of ...; did you mean 'oral'?``), before
        any control changes. Filters not named keep their values. The
        controls are set, then read back and applied once, exactly as after a
        control change. A year range is clipped to the years in the data (the
        whole span means no year filter).

        Returns
        -------
        FilterState
            The new state.

        Examples
        --------
        >>> from b12explore import load
        >>> explorer = Explorer(load())
        >>> explorer.set_filters(routes=["oral"], min_n=50).min_n
        50
        """
        target = self._state.replace(**values).checked(self.evidence.vocab)
        self._write_controls(target)
        self._controls_changed()
        return self._state

    def reset(self) -> FilterState:
        """Clear every filter (the reset button does this).

        Examples
        --------
        >>> from b12explore import load
        >>> explorer = Explorer(load())
        >>> _ = explorer.set_filters(text="pain")
        >>> explorer.reset().is_default()
        True
        """
        self._write_controls(FilterState())
        self._controls_changed()
        return self._state

    def export(self, folder: str | Path | None = None, *, overwrite: bool | None = None):
        """Write the slide files, the deck and the citations for the current view.

        Parameters
        ----------
        folder : str or Path, optional
            Target folder (default: the export folder box).
        overwrite : bool, optional
            Replace existing files (default: the overwrite checkbox). Without it,
            nothing is written when any target exists.

        Returns
        -------
        list of Path

        Raises
        ------
        EmptySelectionError
            When the filters keep no study (nothing is written).
        FileExistsError
            When a target exists and ``overwrite`` is false (nothing is written).

        Examples
        --------
        >>> import tempfile
        >>> from b12explore import load
        >>> explorer = Explorer(load())
        >>> _ = explorer.set_filters(routes=["oral"])
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     written = explorer.export(folder)
        >>> sorted({p.suffix for p in written})
        ['.bib', '.csv', '.pdf', '.png', '.pptx', '.ris', '.svg']
        """
        from ..export import export_view

        if len(self._filtered.studies) == 0:
            raise EmptySelectionError(EMPTY_MESSAGE)
        folder = Path(self.export_folder.value if folder is None else folder).expanduser()
        overwrite = self.export_overwrite.value if overwrite is None else bool(overwrite)
        return export_view(
            self._filtered,
            folder,
            filters_text=describe(self._state, self.evidence.vocab),
            overwrite=overwrite,
        )

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.panel._repr_mimebundle_(**kwargs)
        # What a saved notebook shows before the cell runs (no widget state is saved).
        bundle["text/plain"] = SAVED_TEXT
        return bundle

    def __repr__(self) -> str:
        return SAVED_TEXT

    # ------------------------------------------------------------ building

    def _build_views(self, figsize, dpi, cache_size) -> None:
        self.sort = widgets.Dropdown(options=list(SORTS), description="Sort").add_class("b12-sort")
        self.sort.observe(lambda _c: self._guard(self._render_table), names="value")
        self.page_prev = widgets.Button(description="Previous", layout={"width": "90px"})
        self.page_next = widgets.Button(description="Next", layout={"width": "90px"})
        self.page_prev.add_class("b12-page-prev").on_click(lambda _b: self._turn(-1))
        self.page_next.add_class("b12-page-next").on_click(lambda _b: self._turn(+1))
        self.page_label = widgets.Label().add_class("b12-page")
        self.table = widgets.HTML().add_class("b12-study-table")
        table_box = widgets.VBox(
            [
                widgets.HBox([self.sort, self.page_prev, self.page_label, self.page_next]),
                widgets.HTML(_TABLE_CSS),
                self.table,
            ]
        )
        specs = [
            ("sample_sizes", "b12-chart-sample-sizes", _draw_sample_sizes, self._key_studies),
            ("routes", "b12-chart-routes", _draw_routes, self._key_studies),
            ("direction", "b12-chart-direction", _draw_direction, self._key_results),
            ("forest", "b12-chart-forest", self._draw_forest, self._key_results),
            ("evidence_map", "b12-chart-evidence-map", _draw_evidence_map, self._key_results),
        ]
        self.charts: dict[str, _ChartView] = {}
        for name, css, draw, key in specs:
            fig = Figure(figsize=figsize, dpi=dpi)
            FigureCanvasAgg(fig)
            # height auto: the picture keeps its own aspect ratio (Voila stretched it)
            image = widgets.Image(format="png", layout={"max_width": "100%", "height": "auto"})
            image.add_class("b12-chart").add_class(css)
            draw = self._explained(draw, name)
            self.charts[name] = _ChartView(name, draw, key, image, fig, cache_size=cache_size)
        c = self.charts
        # the Findings tab shows one of its two charts at a time (each at full width)
        self.findings_view = widgets.ToggleButtons(
            options=[("Direction of effect", "direction"), ("Forest plot", "forest")],
            value="direction",
        ).add_class("b12-findings-view")
        self.findings_view.observe(self._on_findings_view, names="value")
        c["forest"].image.layout.display = "none"
        findings = widgets.VBox([self.findings_view, c["direction"].image, c["forest"].image])
        # tab index -> the chart views it shows (the study table is tab 0)
        self._tab_views = [
            [],
            [c["sample_sizes"]],
            [c["routes"]],
            [c["direction"]],
            [c["evidence_map"]],
        ]
        self.tabs = widgets.Tab(
            children=[
                table_box,
                c["sample_sizes"].image,
                c["routes"].image,
                findings.add_class("b12-chart-findings"),
                c["evidence_map"].image,
            ]
        ).add_class("b12-views")
        titles = ["Studies", "Sample sizes", "Delivery routes", "Findings", "Evidence map"]
        for i, title in enumerate(titles):
            self.tabs.set_title(i, title)
        self.tabs.observe(lambda _c: self._guard(self._render_visible), names="selected_index")

    def _on_findings_view(self, change) -> None:
        shown = self.charts[change["new"]]
        hidden = self.charts[change["old"]]
        hidden.image.layout.display = "none"
        shown.image.layout.display = None
        self._tab_views[3] = [shown]
        self._guard(self._render_visible)

    def _explained(self, draw: Callable, view: str) -> Callable:
        """``draw``, then the empty note (if any) says why in plain words."""

        def explained(fig: Figure, ev: Evidence, state: FilterState) -> None:
            draw(fig, ev, state)
            notes = [t for ax in fig.axes for t in ax.texts if t.get_gid() == "empty-note"]
            if notes:
                reason = empty_reason(ev, state, view)
                for note in notes:
                    note.set_text(reason)
                    note.set_wrap(True)

        return explained

    def _build_export(self, export_folder, dashboard: bool) -> None:
        def write(folder: Path, overwrite: bool) -> list[Path]:
            return self.export(folder, overwrite=overwrite)

        self._export_row = row = ExportRow(
            write,
            lambda: selection_folder(self._state, vocab=self.evidence.vocab),
            folder=None if export_folder is None else str(export_folder),
            dashboard=dashboard,
        )
        self.export_folder = row.folder
        self.export_overwrite = row.overwrite
        self.export_button = row.button
        self.export_replace = row.replace
        self.export_message = row.message
        self.export_download = row.download

    def _layout(self) -> widgets.VBox:
        c = self.controls
        column = {"width": "auto"}
        left = widgets.VBox([c["routes"], c["forms"], c["certainty"]], layout=column)
        middle = widgets.VBox([c["designs"], c["risk_of_bias"]], layout=column)
        right = widgets.VBox(
            [
                c["year_range"],
                c["min_n"],
                c["deficiency_required"],
                c["outcome"],
                c["text"],
                c["comparisons"],
            ],
            layout=column,
        )
        toggles = widgets.HBox([c["other_b_vitamins"], c["co_interventions"], self.reset_button])
        return widgets.VBox(
            [
                widgets.HTML(_PANEL_CSS),
                # wraps on narrow screens instead of cutting the years read-out off
                widgets.HBox([left, middle, right], layout={"flex_flow": "row wrap"}),
                toggles,
                self.status,
                self.message,
                self.tabs,
                *self._export_row.widgets(),
            ]
        ).add_class("b12-explorer")

    # ------------------------------------------------------------ controls <-> state

    def _on_control(self, _change) -> None:
        if not self._quiet:
            self._guard(self._controls_changed)

    def _controls_changed(self) -> None:
        """The one path from controls to views (used by the controls and set_filters)."""
        self._apply(self._read_controls())

    def _apply(self, state: FilterState) -> None:
        if state == self._state and self.message.value == "":
            return
        self.message.value = ""
        self._state = state
        self._filtered = apply_filters(self.evidence, state)
        ids = tuple(self._filtered.studies["study_id"].astype(object))
        if ids != self._ids:
            self._ids = ids
            self._page = 0
        self._refresh_status()
        self._export_row.selection_changed()
        self._render_visible()

    def _guard(self, action: Callable[[], Any]) -> None:
        """Run a callback; show any error in the panel instead of losing it."""
        try:
            action()
        except Exception as exc:  # shown to the user, not swallowed
            self.last_error = exc
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            self.message.value = f'<span class="b12-error">{html.escape(detail)}</span>'

    # ------------------------------------------------------------ rendering

    def _draw_forest(self, fig: Figure, ev: Evidence, state: FilterState) -> None:
        _draw_forest(fig, ev, state, self._full_forest, self._certainty)

    def _full_forest(self, outcome: str, measure: str) -> pd.DataFrame:
        """The forest table of the whole evidence for one outcome (cached)."""
        key = (outcome, measure)
        if key not in self._forest_cache:
            ev = self.evidence
            self._forest_cache[key] = summaries.forest_table(ev, outcome=outcome, measure=measure)
        return self._forest_cache[key]

    def _key_studies(self) -> Hashable:
        return self._ids

    def _key_results(self) -> Hashable:
        results = self._filtered.results
        return (self._ids, tuple(results["result_id"].astype(object)))

    def _refresh_status(self) -> None:
        text = _status_text(self._filtered, len(self.evidence.studies))
        active = describe(self._state, self.evidence.vocab)
        self.status.value = (
            f"<b>{html.escape(text)}</b> &middot; <span>{html.escape(active)}</span>"
        )

    def _render_visible(self) -> None:
        index = self.tabs.selected_index or 0
        if index == 0:
            self._render_table()
        if index == len(self.tabs.children) - 1:
            self._render_detail()
        for view in self._tab_views[index]:
            if view.refresh(self._filtered, self._state) == "drawn":
                self.redraws[view.name] = self.redraws.get(view.name, 0) + 1

    def _pages(self) -> int:
        return max(1, math.ceil(len(self._ids) / self.page_size))

    def _turn(self, step: int) -> None:
        self._page = min(max(self._page + step, 0), self._pages() - 1)
        self._guard(self._render_table)

    def _sorted_studies(self) -> pd.DataFrame:
        return _sort_studies(self._filtered.studies, self.sort.value)

    def _certainty(self) -> pd.DataFrame:
        """The GRADE ratings of all the evidence (no effects), computed once."""
        if self._certainty_table is None:
            self._certainty_table = summaries.certainty_table(self.evidence, effects=False)
        return self._certainty_table

    def _render_table(self) -> None:
        key = (self._ids, self.sort.value, self._page)
        if key == self._table_drawn:
            return
        start = self._page * self.page_size
        page = self._sorted_studies().iloc[start : start + self.page_size]
        self.table.value = study_rows_html(
            page,
            empty=empty_reason(self._filtered, self._state, "table"),
            vocab=self.evidence.vocab,
            certainty=summaries.certainty_by_study(self.evidence, table=self._certainty()),
        )
        n = len(self._ids)
        shown = f"{start + 1:,}-{start + len(page):,} of {n:,}" if n else "0 of 0"
        self.page_label.value = f"Rows {shown} (page {self._page + 1} of {self._pages()})"
        self.page_prev.disabled = self._page == 0
        self.page_next.disabled = self._page >= self._pages() - 1
        self._table_drawn = key
        self.redraws["table"] = self.redraws.get("table", 0) + 1

    # ------------------------------------------------------------ export

    def _on_export(self, _button=None) -> list[Path]:
        """What the export button does (kept for tests and benchmarks)."""
        return self._export_row.run()
