"""The list of slide-ready charts for export: the chart registry.

Each :class:`SlideChart` carries its figure, the table behind it (the CSV
side-car), the studies it draws on, a caption naming them, the filters and the
data version, and for bar charts a :class:`~b12explore.export.deck.NativeChart`
with the same numbers so the deck can draw it as an editable PowerPoint chart.
The slide title is the title the chart draws.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Callable

import pandas as pd
from matplotlib.figure import Figure

from .. import summaries
from ..charts.albatross import albatross_plot
from ..charts.background import (
    food_sources_chart,
    mechanisms_chart,
    prisma_chart,
    risk_groups_chart,
)
from ..charts.findings import direction_plot
from ..charts.forest import forest_plot
from ..charts.maps import evidence_map, risk_of_bias_chart
from ..charts.overview import evidence_overview, slide_figure, timeline_chart
from ..charts.routes import delivery_feature_chart, route_form_chart
from ..charts.sample_sizes import review_size_chart, sample_size_chart
from ..schema import vocab_of
from ..style import slide_context
from ..summaries import background as bg
from .deck import NativeChart
from .slidetext import figure_title
from .story import data_version, labeler

__all__ = ["SlideChart", "caption", "chart_names", "slide_charts", "slug"]


@dataclasses.dataclass(frozen=True)
class SlideChart:
    """One chart ready for a slide.

    Attributes
    ----------
    name : str
        Safe slug for file names (``[a-z0-9-]``).
    title : str
        Slide title.
    figure : matplotlib.figure.Figure
        The chart at slide size (13.333 x 7.5 in for 16:9).
    data : DataFrame
        The summary table drawn.
    sources : list of str
        Labels of the studies shown.
    caption : str
        Names the sources, the active filters and the data version.
    native : NativeChart or None
        The same numbers as ``data`` for a native PowerPoint chart (bar charts).
    details : str
        Text the slide shortens, kept in full for the slide notes.
    """

    name: str
    title: str
    figure: Figure
    data: pd.DataFrame
    sources: list[str]
    caption: str
    native: NativeChart | None = None
    details: str = ""


#: Most rows a ranked bar chart shows on a slide at 18 pt (the CSV keeps all).
SLIDE_ROWS = 10
#: Sources named in a caption before "and N more" (the caption is cut to 3 lines anyway).
CAPTION_SOURCES = 30


def slug(text: str) -> str:
    """Lower-case ``[a-z0-9-]`` slug.

    Examples
    --------
    >>> slug("Forest: VAS (MD)")
    'forest-vas-md'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"


def _labels_of(studies: pd.DataFrame, ids) -> list[str]:
    ids = set(ids)
    return summaries.source_labels(studies[studies["study_id"].isin(ids)])


def _chart_specs(evidence) -> list[tuple[str, str, Callable, Callable]]:
    """(name, title, draw(ax), data()) for every slide chart."""
    s, r = evidence.studies, evidence.results
    specs = [
        (
            "sample-sizes",
            "Primary studies by sample size",
            lambda ax: sample_size_chart(s, max_studies=SLIDE_ROWS, ax=ax),
            lambda: summaries.sample_sizes(s),
        ),
        (
            "review-sizes",
            "Reviews by included studies",
            lambda ax: review_size_chart(s, max_studies=SLIDE_ROWS, ax=ax),
            lambda: summaries.review_sizes(s),
        ),
        (
            "route-form",
            "Studies by route and B12 form",
            lambda ax: route_form_chart(s, ax=ax),
            lambda: summaries.route_form_counts(s),
        ),
        (
            "delivery-routes",
            "Oral vs injection: what the sources say",
            lambda ax: delivery_feature_chart(evidence.delivery_routes, ax=ax),
            lambda: summaries.delivery_features(evidence.delivery_routes),
        ),
        (
            "effect-direction",
            "Direction of effect by study and outcome",
            lambda ax: direction_plot(evidence, ax=ax),
            lambda: summaries.direction_table(evidence),
        ),
        (
            "albatross",
            "Reported p-values against sample size",
            lambda ax: albatross_plot(evidence, ax=ax),
            lambda: summaries.pvalue_table(evidence),
        ),
        (
            "evidence-map",
            "Evidence map: route × outcome",
            lambda ax: evidence_map(s, r, ax=ax),
            lambda: summaries.evidence_map_table(s, r),
        ),
        (
            "timeline",
            "Studies by year and design",
            lambda ax: timeline_chart(s, ax=ax),
            lambda: summaries.timeline_table(s),
        ),
        (
            "risk-of-bias",
            "Risk of bias",
            lambda ax: risk_of_bias_chart(s, max_studies=SLIDE_ROWS, ax=ax),
            lambda: summaries.risk_of_bias_table(s),
        ),
    ]
    options = summaries.forest_outcomes(evidence)
    repeated = options.duplicated(["outcome", "measure"], keep=False)
    for row, twice in zip(options.itertuples(), repeated, strict=True):
        effects = summaries.forest_table(
            evidence, outcome=row.outcome, measure=row.measure, comparison=row.comparison
        )
        pooled = summaries.pooled_effect(effects)
        suffix = f"-{row.comparison}" if twice else ""
        specs.append(
            (
                slug(f"forest-{row.outcome}-{row.measure}{suffix}"),
                f"{evidence.vocab.label('outcome', row.outcome)}: {row.measure} by study",
                lambda ax, e=effects, p=pooled: forest_plot(e, pooled=p, ax=ax),
                lambda e=effects: e,
            )
        )
    specs.extend(_background_specs(evidence))
    return specs


#: Sources named in the captions of the background and search charts (no study rows).
BACKGROUND_SOURCES: dict[str, list[str]] = {
    "background-food-mcg": ["NIH ODS Vitamin B12 fact sheet (food_sources.csv)"],
    "background-food-dv": ["NIH ODS Vitamin B12 fact sheet (food_sources.csv)"],
    "background-risk-groups": ["risk_groups.csv (NIH ODS, Cochrane and other reviews)"],
    "background-mechanisms": ["mechanisms.csv (reviews, animal and observational studies)"],
    "prisma": ["search_log.csv"],
}


def _background_specs(evidence) -> list[tuple[str, str, Callable, Callable]]:
    """The seed article's background (foods, risk groups, mechanisms) and the search flow."""
    return [
        (
            "background-food-mcg",
            "Food sources of B12: micrograms per serving",
            lambda ax: food_sources_chart(evidence, ax=ax),
            lambda: bg.food_table(evidence),
        ),
        (
            "background-food-dv",
            "Food sources of B12: % Daily Value per serving",
            lambda ax: food_sources_chart(evidence, measure="percent_dv", ax=ax),
            lambda: bg.food_table(evidence),
        ),
        (
            "background-risk-groups",
            "Who is at risk of low B12, and why",
            lambda ax: risk_groups_chart(evidence, ax=ax),
            lambda: bg.risk_group_table(evidence),
        ),
        (
            "background-mechanisms",
            "Proposed mechanisms and their evidence",
            lambda ax: mechanisms_chart(evidence, ax=ax),
            lambda: bg.mechanism_table(evidence),
        ),
        (
            "prisma",
            "Search flow (PRISMA-style)",
            lambda ax: prisma_chart(evidence, ax=ax),
            lambda: bg.prisma_flow(evidence),
        ),
    ]


def _sources(name: str, data: pd.DataFrame, studies: pd.DataFrame) -> list[str]:
    if name == "delivery-routes":
        return row_sources(data)
    if name in BACKGROUND_SOURCES:
        return BACKGROUND_SOURCES[name]
    if "study_id" in data:
        return _labels_of(studies, data["study_id"])
    if name in ("route-form", "evidence-map"):
        return summaries.source_labels(summaries.primary_studies(studies))
    return summaries.source_labels(studies)


def row_sources(table: pd.DataFrame) -> list[str]:
    """The sources named in a feature table's rows: ``source`` cells, else URL hosts.

    Examples
    --------
    >>> row_sources(pd.DataFrame({"source_url": ["https://www.a.org/x | https://b.net/y"]}))
    ['a.org', 'b.net']
    """
    from urllib.parse import urlsplit

    from .citations import split_urls

    if "source" in table:
        return list(dict.fromkeys(str(v) for v in table["source"].dropna() if str(v).strip()))
    hosts = []
    for cell in table.get("source_url", pd.Series(dtype=object)).dropna():
        for url in split_urls(str(cell)):
            host = urlsplit(url).hostname or url
            hosts.append(host.removeprefix("www."))
    return list(dict.fromkeys(hosts))


def caption(sources: list[str], filters_text: str, version: str) -> str:
    """Slide caption: sources, filters and data version.

    Examples
    --------
    >>> caption(["Chiu 2011"], "all studies", "0.1.0+ab12")
    'Sources: Chiu 2011. Filters: all studies. Data version 0.1.0+ab12.'
    """
    shown = list(sources[:CAPTION_SOURCES])
    src = ", ".join(shown) if shown else "none"
    if len(sources) > len(shown):
        src += f" and {len(sources) - len(shown):,} more (all in the notes and the CSV)"
    return f"Sources: {src}. Filters: {filters_text}. Data version {version}."


def _ints(values: pd.Series) -> list[float]:
    return [float("nan") if pd.isna(v) else float(v) for v in values]


def native_chart(name: str, data: pd.DataFrame, label=None) -> NativeChart | None:
    """The numbers of a bar chart's side-car table, for a native PowerPoint chart.

    Examples
    --------
    >>> t = pd.DataFrame({"route": ["oral", "oral"], "b12_form": ["mixed", "not_reported"],
    ...                   "studies": [1, 2], "participants": [10, 20]})
    >>> native_chart("route-form", t).series
    {'Mixed': [1.0], 'not reported': [2.0]}
    """
    if data is None or data.empty:
        return None
    if name in ("sample-sizes", "review-sizes"):
        shown = data.head(SLIDE_ROWS)
        cats = [str(v) for v in shown["label"]]
        if name == "sample-sizes":
            series = {
                "Enrolled": _ints(shown["n_enrolled"]),
                "Analysed": _ints(shown["n_analysed"]),
            }
            return NativeChart(cats, series, horizontal=True, value_title="Participants")
        return NativeChart(
            cats,
            {"Included studies": _ints(shown["n_studies"])},
            horizontal=True,
            value_title="Included studies",
        )
    pivots = {"route-form": ("route", "b12_form"), "timeline": ("year", "design")}
    if name not in pivots:
        return None
    rows, cols = pivots[name]
    wide = data.pivot_table(index=rows, columns=cols, values="studies", aggfunc="sum", sort=False)
    wide = wide.reindex(
        index=list(dict.fromkeys(data[rows])), columns=list(dict.fromkeys(data[cols]))
    )
    if name == "timeline":
        wide = wide.sort_index()
    label = label or vocab_of(data).label
    cats = [str(v) if name == "timeline" else label(rows, v) for v in wide.index]
    series = {label(cols, c): [float(v) if not pd.isna(v) else 0.0 for v in wide[c]] for c in wide}
    return NativeChart(cats, series, stacked=True, value_title="Studies")


def _details(name: str, data: pd.DataFrame, label=None) -> str:
    label = label or vocab_of(data).label
    if name != "delivery-routes" or data is None or data.empty:
        return ""
    lines = ["Full text of every cell:"]
    for row in data.itertuples(index=False):
        score = "" if pd.isna(row.score) else f" (score {int(row.score)} of 3)"
        feature, route = label("feature", row.feature), label("route", row.route)
        lines.append(f"- {feature}, {route}{score}: {row.description}")
    return "\n".join(lines)


def chart_names(evidence) -> list[str]:
    """Names of the slide charts :func:`slide_charts` would build for ``evidence``.

    Examples
    --------
    >>> from b12explore import load
    >>> chart_names(load())[:3]
    ['overview', 'sample-sizes', 'review-sizes']
    """
    return ["overview", *(spec[0] for spec in _chart_specs(evidence))]


def _wanted(names, available: list[str]) -> list[str]:
    """The available names matched by ``names`` (exact names or glob patterns)."""
    if names is None:
        return available
    names = [names] if isinstance(names, str) else list(names)
    unknown = [n for n in names if not any(fnmatch.fnmatchcase(a, n) for a in available)]
    if unknown and not all(any(c in n for c in "*?[") for n in unknown):
        raise ValueError(
            f"unknown chart name(s) {', '.join(map(repr, unknown))}; "
            f"expected some of: {', '.join(available)}"
        )
    return [a for a in available if any(fnmatch.fnmatchcase(a, n) for n in names)]


def slide_charts(
    evidence,
    *,
    filters_text: str = "all studies",
    size: str = "16:9",
    names: str | list[str] | None = None,
) -> list[SlideChart]:
    """Every chart of ``evidence`` at slide size, with its data, sources and caption.

    Parameters
    ----------
    evidence : Evidence
        Possibly filtered evidence.
    filters_text : str
        Words describing the active filters, for the caption.
    size : {"16:9", "4:3"}
    names : str or list of str, optional
        Build only these charts (see :func:`chart_names`), in the order of
        :func:`chart_names`. Glob patterns such as ``"forest-*"`` are allowed and may
        match nothing (no forest plot when no effect is computable); an unknown plain
        name raises ``ValueError`` listing the valid ones. Default: all.

    Returns
    -------
    list of SlideChart
        The overview first, then one chart per view (one forest plot per outcome
        and measure with computable effects).

    Examples
    --------
    >>> from b12explore import load, charts
    >>> [c.name for c in charts.slide_charts(load())][:2]
    ['overview', 'sample-sizes']
    >>> [c.name for c in charts.slide_charts(load(), names=["timeline", "route-form"])]
    ['route-form', 'timeline']
    >>> [c.name for c in charts.slide_charts(load(), names="forest-*")]
    ['forest-responder-rr', 'forest-therapy-duration-or']
    """
    studies = evidence.studies
    specs = _chart_specs(evidence)
    wanted = set(_wanted(names, ["overview", *(spec[0] for spec in specs)]))
    version = data_version(evidence)
    out = []
    if "overview" in wanted:
        overview = evidence_overview(evidence, size=size)
        src = summaries.source_labels(studies)
        out.append(
            SlideChart(
                "overview",
                figure_title(overview) or "The evidence at a glance",
                overview,
                summaries.study_table(studies),
                src,
                caption(src, filters_text, version),
            )
        )
    with slide_context(size):
        for name, title, draw, data in specs:
            if name not in wanted:
                continue
            fig = slide_figure(size)
            ax = draw(fig.add_subplot())
            if not figure_title(fig):
                ax.set_title(title, loc="left")
            table = data()
            sources = _sources(name, table, studies)
            out.append(
                SlideChart(
                    name,
                    figure_title(fig),
                    fig,
                    table,
                    sources,
                    caption(sources, filters_text, version),
                    native=native_chart(name, table, labeler(evidence)),
                    details=_details(name, table, labeler(evidence)),
                )
            )
    return out
