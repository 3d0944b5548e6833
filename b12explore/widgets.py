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
    ``b12-route``, ``b12-form``, ``b12-design``, ``b12-risk-of-bias``
    (``SelectMultiple``: a ``<select multiple>``), ``b12-years``
    (``IntRangeSlider``), ``b12-min-n`` (``IntText``), ``b12-deficiency``,
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
    every chart image also has ``b12-chart``.
Export
    ``b12-export-folder`` (``Text``), ``b12-export-overwrite`` (``Checkbox``),
    ``b12-export`` (the "Export current view" button), ``b12-export-message``
    (result: where the files were written, or the error; gets ``b12-error`` on
    failure).

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

from __future__ import annotations

import dataclasses
import html
import io
import math
import re
import traceback
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from . import summaries
from .filters import CHOICES, FilterState, apply_filters, describe
from .style import pretty

if TYPE_CHECKING:  # pragma: no cover
    from .io import Evidence

__all__ = ["Explorer", "study_rows_html", "safe_href"]

PAGE_SIZE = 25
CHART_ROWS = 15  # studies per chart on screen (the table lists them all, paged)
FIGSIZE = (9.0, 4.5)
DPI = 100
CACHE_SIZE = 32  # PNGs kept per chart view

# Chart figures use fixed margins sized from their text (see ``_fit_margins``):
# constrained layout would add a fifth or more to every redraw.


def _em_width(texts: list[str], size: float) -> float:
    """Rough width in inches of the longest line (about 0.6 em per character)."""
    longest = max((len(line) for text in texts for line in text.split("\n")), default=0)
    return 0.6 * size / 72 * longest


def _fit_margins(fig: Figure) -> None:
    """Fixed margins sized from the text around the (first) axes.

    Left: its y tick labels. Right: the tick labels of a twin axes (the forest plot's
    estimate column) and a legend placed outside the axes (``bbox_to_anchor`` beyond
    the right edge). Top: one line per title line. Bottom: one or two lines of x tick
    labels plus the axis label. Much cheaper than constrained layout, which measures
    every artist on every redraw.
    """
    if not fig.axes:
        return
    ax, twins = fig.axes[0], fig.axes[1:]
    ticks = ax.get_yticklabels()
    size = ticks[0].get_fontsize() if ticks else 10.0
    left = 0.35 + max(_em_width([t.get_text() for t in ticks], size), 0.3)
    right = 0.3
    for twin in twins:
        right += _em_width([t.get_text() for t in twin.get_yticklabels()], size) + 0.25
    legend = ax.get_legend()
    if legend is not None and legend.get_bbox_to_anchor().x0 > ax.bbox.x1 - 1:
        texts = [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
        right += _em_width(texts, size) + 3.0 * size / 72
    top = 0.35 + 0.22 * ax.get_title(loc="left").count("\n")
    lines = max((t.get_text().count("\n") + 1 for t in ax.get_xticklabels()), default=1)
    bottom = 0.35 + 0.18 * lines + (0.25 if ax.get_xlabel() else 0.0)
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=min(0.45, left / width),
        right=max(0.5, 1 - right / width),
        top=1 - top / height,
        bottom=min(0.35, bottom / height),
    )


# label -> (sort column, ascending); "participants" and "label" are derived columns
SORTS: dict[str, tuple[str, bool]] = {
    "Year (newest first)": ("year", False),
    "Year (oldest first)": ("year", True),
    "Participants (most first)": ("participants", False),
    "Participants (fewest first)": ("participants", True),
    "Study (A-Z)": ("label", True),
    "Design": ("design", True),
    "Route": ("route", True),
    "Finding": ("finding", True),
    "Risk of bias": ("risk_of_bias", True),
}

_URL = re.compile(r"https?://[^\s<>\"'`\x00-\x1f\x7f]+", re.IGNORECASE)


# ---------------------------------------------------------------- HTML helpers


def safe_href(source_url: Any) -> str | None:
    """The first ``http(s)`` URL of a ``source_url`` cell, or ``None``.

    Anything else (``javascript:``, ``data:``, missing, text with spaces or quotes)
    gives ``None``, so no link is made.

    Examples
    --------
    >>> safe_href("https://pubmed.ncbi.nlm.nih.gov/1/ | https://doi.org/10.1/x")
    'https://pubmed.ncbi.nlm.nih.gov/1/'
    >>> safe_href("javascript:alert(1)") is None
    True
    """
    if not isinstance(source_url, str):
        return None
    first = source_url.split(" | ")[0].strip()
    return first if _URL.fullmatch(first) else None


def _cell(value: Any, fmt: Callable[[Any], str] = str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return summaries.NOT_REPORTED
    return fmt(value)


_COLUMNS = (
    "Study",
    "Year",
    "Design",
    "Route",
    "B12 form",
    "Enrolled",
    "Analysed",
    "Finding",
    "Risk of bias",
    "Title",
)


def study_rows_html(studies: pd.DataFrame) -> str:
    """An HTML table of studies; every CSV value is escaped, each study links to its source.

    Parameters
    ----------
    studies : DataFrame
        Rows of the studies table, in the order to show.

    Returns
    -------
    str
        ``<table class="b12-table">...</table>``.

    Examples
    --------
    >>> df = pd.DataFrame({"study_id": ["x"], "label": ["<b>X</b>"], "year": [2000],
    ...     "design": ["rct"], "route": ["oral"], "b12_form": ["mixed"],
    ...     "n_enrolled": [10], "n_analysed": [None], "finding": ["benefit"],
    ...     "risk_of_bias": ["low"], "title": ["T"], "source_url": ["https://e.org/x"]})
    >>> "&lt;b&gt;X&lt;/b&gt;" in study_rows_html(df)
    True
    """
    esc = html.escape
    head = "".join(f"<th>{esc(c)}</th>" for c in _COLUMNS)
    body = []
    for row in studies.itertuples(index=False):
        label = esc(_cell(row.label if isinstance(row.label, str) else row.study_id))
        href = safe_href(row.source_url)
        if href:
            label = (
                f'<a href="{esc(href, quote=True)}" target="_blank" '
                f'rel="noopener noreferrer">{label}</a>'
            )
        cells = [
            label,
            esc(_cell(row.year, lambda v: str(int(v)))),
            esc(_cell(row.design, pretty)),
            esc(_cell(row.route, pretty)),
            esc(_cell(row.b12_form, pretty)),
            esc(_cell(row.n_enrolled, lambda v: f"{int(v):,}")),
            esc(_cell(row.n_analysed, lambda v: f"{int(v):,}")),
            esc(_cell(row.finding, pretty)),
            esc(_cell(row.risk_of_bias, pretty)),
            esc(_cell(row.title)),
        ]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(_COLUMNS)}">no studies match</td></tr>')
    return (
        '<table class="b12-table"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )


_TABLE_CSS = (
    "<style>"
    ".b12-table{border-collapse:collapse;font-size:12px;width:100%}"
    ".b12-table th,.b12-table td{border-bottom:1px solid #ddd;padding:3px 6px;"
    "text-align:left;vertical-align:top}"
    ".b12-table th{background:#f4f4f4}"
    ".b12-error{color:#b00020}"
    "</style>"
)


def _status_text(filtered: Evidence, total: int) -> str:
    shown = len(filtered.studies)
    primary = summaries.primary_studies(filtered.studies)
    people = summaries.participants(primary).sum()
    noun = "study" if total == 1 else "studies"
    return f"{shown:,} of {total:,} {noun}, {int(people):,} participants"


def png_bytes(fig: Figure) -> bytes:
    """PNG of a figure at its own size and dpi: one Agg draw, fast compression.

    ``savefig`` would draw the figure a second time; here the canvas is drawn once
    and its RGBA buffer is encoded by Pillow (no tight bounding box).

    Examples
    --------
    >>> fig = Figure(figsize=(2, 1), dpi=50)
    >>> png_bytes(fig)[:4]
    b'\\x89PNG'
    """
    from PIL import Image as PILImage

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    buf = io.BytesIO()
    PILImage.fromarray(np.asarray(canvas.buffer_rgba())).save(buf, format="png", compress_level=1)
    return buf.getvalue()


# ---------------------------------------------------------------- chart views


@dataclasses.dataclass
class _ChartView:
    """One persistent figure shown as a PNG in an ``Image`` widget.

    ``refresh`` redraws only when the view's inputs changed since the last draw;
    the PNGs of the last ``cache_size`` inputs are kept, so going back to a recent
    selection costs no drawing.
    """

    name: str
    draw: Callable[[Figure, Evidence, FilterState], None]
    inputs: Callable[[], Hashable]
    image: widgets.Image
    figure: Figure
    drawn: Any = dataclasses.field(default=None)
    cache_size: int = CACHE_SIZE
    cache: OrderedDict = dataclasses.field(default_factory=OrderedDict)

    def refresh(self, filtered: Evidence, state: FilterState) -> str:
        """Bring the image up to date; returns "same", "cached" or "drawn"."""
        key = self.inputs()
        if key == self.drawn:
            return "same"
        if key in self.cache:
            self.cache.move_to_end(key)
            self.image.value = self.cache[key]
            self.drawn = key
            return "cached"
        self.figure.clear()
        self.draw(self.figure, filtered, state)
        png = png_bytes(self.figure)
        self.image.value = png
        self.drawn = key
        if self.cache_size > 0:
            self.cache[key] = png
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return "drawn"


def _draw_sample_sizes(fig: Figure, ev: Evidence, state: FilterState) -> None:
    from . import charts

    charts.sample_size_chart(ev.studies, by="route", max_studies=CHART_ROWS, ax=fig.add_subplot())
    _fit_margins(fig)


def _draw_routes(fig: Figure, ev: Evidence, state: FilterState) -> None:
    from . import charts

    charts.route_form_chart(ev.studies, ax=fig.add_subplot())
    _fit_margins(fig)


def _draw_direction(fig: Figure, ev: Evidence, state: FilterState) -> None:
    from . import charts

    ax = fig.add_subplot()
    shown, hidden = _largest_with_results(ev)
    charts.direction_plot(shown, ev.results, ax=ax)
    if hidden:
        _note(ax, f"{len(shown)} largest studies shown; {hidden:,} more with results")
    _fit_margins(fig)


def _draw_forest(fig: Figure, ev: Evidence, state: FilterState, full=None) -> None:
    from . import charts

    ax = fig.add_subplot()
    effects, pooled = _forest_inputs(ev, state, full)
    top = effects
    if len(effects) > CHART_ROWS:
        top = effects.nlargest(CHART_ROWS, "weight").sort_index()
    charts.forest_plot(top, pooled=pooled, ax=ax)
    if len(top) < len(effects):
        _note(ax, f"{len(top)} heaviest of {len(effects):,} shown; pooled over all")
    _fit_margins(fig)


def _note(ax, text: str) -> None:
    """A second title line saying, e.g., how many studies a long list leaves out."""
    ax.set_title(f"{ax.get_title(loc='left')}\n({text})", loc="left")


def _largest_with_results(ev: Evidence) -> tuple[pd.DataFrame, int]:
    """The ``CHART_ROWS`` largest studies that have results, and how many are left out."""
    studies = ev.studies
    has = studies["study_id"].isin(set(ev.results["study_id"])).to_numpy()
    with_results = studies.loc[has]
    if len(with_results) <= CHART_ROWS:
        return with_results, 0
    n = summaries.participants(with_results).astype("Float64").fillna(-1).to_numpy()
    order = np.argsort(-n, kind="stable")[:CHART_ROWS]
    return with_results.iloc[np.sort(order)], len(with_results) - CHART_ROWS


def _draw_evidence_map(fig: Figure, ev: Evidence, state: FilterState) -> None:
    from . import charts

    charts.evidence_map(ev.studies, ev.results, ax=fig.add_subplot())
    _fit_margins(fig)


def _forest_choice(results: pd.DataFrame, outcome: str | None) -> tuple[str, str] | None:
    """Outcome and measure for the forest plot: the selected outcome, or else the one
    with the most studies that report arm data or an effect estimate.

    Counting rows is cheap (``summaries.forest_outcomes`` computes every forest
    table, which is too slow for an interactive redraw on large tables).
    """
    usable = results["mean"].notna() | results["events"].notna() | results["estimate"].notna()
    rows = results.loc[usable.to_numpy()]
    if outcome is not None:
        rows = rows[rows["outcome"].astype(object) == outcome]
    if rows.empty:
        return None
    counts = rows.groupby(rows["outcome"].astype(object), sort=False)["study_id"].nunique()
    chosen = str(counts.idxmax()) if outcome is None else outcome
    rows = rows[rows["outcome"].astype(object) == chosen]
    if rows["mean"].notna().any():
        return chosen, "MD"
    if rows["events"].notna().any():
        return chosen, "RR"
    measures = rows["effect_measure"].dropna().astype(object)
    measures = measures[measures != "SMD"]
    return (chosen, str(measures.mode().iloc[0])) if len(measures) else None


def _forest_inputs(ev: Evidence, state: FilterState, full: Callable | None = None):
    """Effects and pooled result for the selected (or best-covered) outcome.

    Without ``full``, :func:`summaries.forest_table` runs on the filtered tables. With
    it, ``full(outcome, measure)`` gives the forest table of the whole evidence
    (computed once per outcome and measure): a study's effect depends only on its own
    results rows, so the rows of the kept studies are the same effects (a test checks
    this), and the pooled result and the weights come from
    :func:`summaries.pooled_effect` on those rows. This keeps a redraw cheap on large
    tables, where ``forest_table`` on every filter change would be a large share of it.
    """
    choice = _forest_choice(ev.results, state.outcome)
    if choice is None:
        effects = summaries.forest_table(ev.results, ev.studies, outcome=state.outcome or "vas")
        return effects, None
    outcome, measure = choice
    if full is None:
        effects = summaries.forest_table(ev.results, ev.studies, outcome=outcome, measure=measure)
        return effects, summaries.pooled_effect(effects)
    table = full(outcome, measure)
    effects = table[table["study_id"].isin(set(ev.studies["study_id"]))]
    pooled = summaries.pooled_effect(effects)
    if pooled is None:
        return effects.assign(weight=100.0 if len(effects) else np.nan), None
    weights = np.asarray(pooled.weights, dtype=float)
    return effects.assign(weight=100 * weights / weights.sum()), pooled


# ---------------------------------------------------------------- the panel


class Explorer:
    """Filter the evidence with widgets and see every view follow.

    Parameters
    ----------
    evidence : Evidence, optional
        The evidence to explore; :func:`b12explore.load` is called when omitted.
    export_folder : str or Path, default "exports"
        Initial value of the export folder box.
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
        export_folder: str | Path = "exports",
        page_size: int = PAGE_SIZE,
        figsize: tuple[float, float] = FIGSIZE,
        dpi: int = DPI,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        if evidence is None:
            from .io import load

            evidence = load()
        self.evidence = evidence
        self.page_size = int(page_size)
        self._state = FilterState()
        self._filtered = evidence
        self._ids: tuple = tuple(evidence.studies["study_id"].astype(object))
        self._quiet = False
        self._page = 0
        self._table_drawn: Any = None
        self.redraws: dict[str, int] = {}
        self.last_error: Exception | None = None
        self._forest_cache: dict[tuple[str, str], pd.DataFrame] = {}
        self._build_controls()
        self._build_views(figsize, dpi, cache_size)
        self._build_export(export_folder)
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

        Names and values are those of :class:`FilterState` (validated by
        :meth:`FilterState.replace`); filters not named keep their values. The
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
        target = self._state.replace(**values)
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
        from .slides import export_view

        folder = Path(self.export_folder.value if folder is None else folder).expanduser()
        overwrite = self.export_overwrite.value if overwrite is None else bool(overwrite)
        return export_view(
            self._filtered, folder, filters_text=describe(self._state), overwrite=overwrite
        )

    def _repr_mimebundle_(self, **kwargs):
        return self.panel._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------ building

    def _build_controls(self) -> None:
        studies = self.evidence.studies
        years = studies["year"].dropna().astype(int)
        self._year_span = (int(years.min()), int(years.max())) if len(years) else (1950, 2030)
        c: dict[str, widgets.Widget] = {}

        def multi(name: str, description: str, css: str) -> widgets.SelectMultiple:
            options = [(pretty(v), v) for v in CHOICES[name]]
            w = widgets.SelectMultiple(
                options=options, rows=min(len(options), 6), description=description
            )
            return w.add_class(css)

        c["routes"] = multi("routes", "Route", "b12-route")
        c["forms"] = multi("forms", "B12 form", "b12-form")
        c["designs"] = multi("designs", "Design", "b12-design")
        c["risk_of_bias"] = multi("risk_of_bias", "Risk of bias", "b12-risk-of-bias")
        c["year_range"] = widgets.IntRangeSlider(
            value=self._year_span,
            min=self._year_span[0],
            max=self._year_span[1],
            description="Years",
            continuous_update=False,
            layout={"width": "360px"},
        ).add_class("b12-years")
        c["min_n"] = widgets.IntText(
            value=0, description="Min. n", continuous_update=False
        ).add_class("b12-min-n")
        c["deficiency_required"] = widgets.Dropdown(
            options=[("Any", "any")] + [(pretty(v), v) for v in CHOICES["deficiency_required"]],
            value="any",
            description="Deficient",
        ).add_class("b12-deficiency")
        c["outcome"] = widgets.Dropdown(
            options=[("Any", "any")] + [(pretty(v), v) for v in CHOICES["outcome"]],
            value="any",
            description="Outcome",
        ).add_class("b12-outcome")
        toggle = {"options": [("Any", "any"), ("With", "with"), ("Without", "without")]}
        c["other_b_vitamins"] = widgets.ToggleButtons(
            **toggle, value="any", description="Other B"
        ).add_class("b12-other-b")
        c["co_interventions"] = widgets.ToggleButtons(
            **toggle, value="any", description="Co-interv."
        ).add_class("b12-co-interventions")
        c["text"] = widgets.Text(
            value="",
            description="Search",
            placeholder="words in titles and labels",
            continuous_update=False,
        ).add_class("b12-text")
        for w in c.values():
            w.style.description_width = "80px"
            w.observe(self._on_control, names="value")
        for name in ("other_b_vitamins", "co_interventions"):
            c[name].style.button_width = "76px"
        self.controls = c
        self.reset_button = widgets.Button(description="Reset filters", icon="undo")
        self.reset_button.add_class("b12-reset")
        self.reset_button.on_click(lambda _b: self._guard(self.reset))
        self.status = widgets.HTML().add_class("b12-status")
        self.message = widgets.HTML().add_class("b12-message")

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
            image = widgets.Image(format="png", layout={"max_width": "100%"})
            image.add_class("b12-chart").add_class(css)
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

    def _build_export(self, export_folder) -> None:
        self.export_folder = widgets.Text(
            value=str(export_folder), description="Folder"
        ).add_class("b12-export-folder")
        self.export_overwrite = widgets.Checkbox(
            value=False, description="Replace existing files", indent=False
        ).add_class("b12-export-overwrite")
        self.export_button = widgets.Button(
            description="Export current view",
            icon="download",
            button_style="primary",
            layout={"width": "220px"},
        ).add_class("b12-export")
        self.export_message = widgets.HTML().add_class("b12-export-message")
        self.export_button.on_click(self._on_export)

    def _layout(self) -> widgets.VBox:
        c = self.controls
        column = {"width": "auto"}
        left = widgets.VBox([c["routes"], c["forms"]], layout=column)
        middle = widgets.VBox([c["designs"], c["risk_of_bias"]], layout=column)
        right = widgets.VBox(
            [
                c["year_range"],
                c["min_n"],
                c["deficiency_required"],
                c["outcome"],
                c["text"],
            ],
            layout=column,
        )
        toggles = widgets.HBox([c["other_b_vitamins"], c["co_interventions"], self.reset_button])
        export = widgets.HBox([self.export_folder, self.export_overwrite, self.export_button])
        return widgets.VBox(
            [
                widgets.HBox([left, middle, right]),
                toggles,
                self.status,
                self.message,
                self.tabs,
                export,
                self.export_message,
            ]
        ).add_class("b12-explorer")

    # ------------------------------------------------------------ controls <-> state

    def _write_controls(self, state: FilterState) -> None:
        """Show ``state`` in the controls without triggering a redraw per control."""
        c = self.controls
        lo, hi = self._year_span
        years = state.year_range or (lo, hi)
        values = {
            "routes": state.routes,
            "forms": state.forms,
            "designs": state.designs,
            "risk_of_bias": state.risk_of_bias,
            "year_range": (min(max(years[0], lo), hi), max(min(years[1], hi), lo)),
            "min_n": state.min_n,
            "deficiency_required": state.deficiency_required or "any",
            "outcome": state.outcome or "any",
            "other_b_vitamins": state.other_b_vitamins,
            "co_interventions": state.co_interventions,
            "text": state.text,
        }
        self._quiet = True
        try:
            for name, value in values.items():
                c[name].value = value
        finally:
            self._quiet = False

    def _read_controls(self) -> FilterState:
        c = self.controls
        years = tuple(c["year_range"].value)
        return FilterState.from_values(
            routes=c["routes"].value,
            forms=c["forms"].value,
            designs=c["designs"].value,
            risk_of_bias=c["risk_of_bias"].value,
            year_range=None if years == self._year_span else years,
            min_n=c["min_n"].value,
            deficiency_required=c["deficiency_required"].value,
            outcome=c["outcome"].value,
            other_b_vitamins=c["other_b_vitamins"].value,
            co_interventions=c["co_interventions"].value,
            text=c["text"].value,
        )

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
        _draw_forest(fig, ev, state, self._full_forest)

    def _full_forest(self, outcome: str, measure: str) -> pd.DataFrame:
        """The forest table of the whole evidence for one outcome (cached)."""
        key = (outcome, measure)
        if key not in self._forest_cache:
            ev = self.evidence
            self._forest_cache[key] = summaries.forest_table(
                ev.results, ev.studies, outcome=outcome, measure=measure
            )
        return self._forest_cache[key]

    def _key_studies(self) -> Hashable:
        return self._ids

    def _key_results(self) -> Hashable:
        results = self._filtered.results
        return (self._ids, tuple(results["result_id"].astype(object)))

    def _refresh_status(self) -> None:
        text = _status_text(self._filtered, len(self.evidence.studies))
        active = describe(self._state)
        self.status.value = (
            f"<b>{html.escape(text)}</b> &middot; <span>{html.escape(active)}</span>"
        )

    def _render_visible(self) -> None:
        index = self.tabs.selected_index or 0
        if index == 0:
            self._render_table()
        for view in self._tab_views[index]:
            if view.refresh(self._filtered, self._state) == "drawn":
                self.redraws[view.name] = self.redraws.get(view.name, 0) + 1

    def _pages(self) -> int:
        return max(1, math.ceil(len(self._ids) / self.page_size))

    def _turn(self, step: int) -> None:
        self._page = min(max(self._page + step, 0), self._pages() - 1)
        self._guard(self._render_table)

    def _sorted_studies(self) -> pd.DataFrame:
        studies = self._filtered.studies
        column, ascending = SORTS[self.sort.value]
        if column == "participants":
            key = summaries.participants(studies).astype("Float64")
        elif column == "label":
            key = studies["label"].astype(object).fillna("").str.casefold()
        elif isinstance(studies[column].dtype, pd.CategoricalDtype):
            key = pd.Series(studies[column].cat.codes.to_numpy(), index=studies.index)
            key = key.where(key >= 0)
        else:
            key = studies[column].astype("Float64")
        frame = pd.DataFrame({"k": key.to_numpy(), "label": studies["label"].to_numpy()})
        order = frame.sort_values(
            ["k", "label"], ascending=[ascending, True], na_position="last", kind="stable"
        ).index.to_numpy()
        return studies.iloc[np.asarray(order)]

    def _render_table(self) -> None:
        key = (self._ids, self.sort.value, self._page)
        if key == self._table_drawn:
            return
        start = self._page * self.page_size
        page = self._sorted_studies().iloc[start : start + self.page_size]
        self.table.value = study_rows_html(page)
        n = len(self._ids)
        shown = f"{start + 1:,}-{start + len(page):,} of {n:,}" if n else "0 of 0"
        self.page_label.value = f"Rows {shown} (page {self._page + 1} of {self._pages()})"
        self.page_prev.disabled = self._page == 0
        self.page_next.disabled = self._page >= self._pages() - 1
        self._table_drawn = key
        self.redraws["table"] = self.redraws.get("table", 0) + 1

    # ------------------------------------------------------------ export

    def _on_export(self, _button=None) -> None:
        self.export_message.remove_class("b12-error")
        self.export_message.value = "Exporting..."
        try:
            written = self.export()
        except Exception as exc:
            self.last_error = exc
            self.export_message.add_class("b12-error")
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            self.export_message.value = (
                f'<span class="b12-error">Export failed: {html.escape(detail)}</span>'
            )
            return
        folder = written[0].parent if written else Path(self.export_folder.value).resolve()
        names = ", ".join(p.name for p in written)
        self.export_message.value = (
            f"Wrote {len(written)} files to <code>{html.escape(str(folder))}</code>: "
            f"{html.escape(names)}"
        )


def _close(fig: Any) -> None:
    """Let a slide figure be garbage-collected (no pyplot state is involved)."""
    if fig is not None and hasattr(fig, "clear"):
        fig.clear()
