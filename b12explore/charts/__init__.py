"""Axes-level charts of the evidence (seaborn shape) and the slide chart list.

Every chart takes data first and options as keywords, draws on ``ax`` (or on a new
``matplotlib.figure.Figure`` when ``ax`` is omitted, never through pyplot) and
returns the ``Axes``. An empty selection gives an ``Axes`` with a "no studies
match" note. Numbers come from :mod:`b12explore.summaries`.

Modules: ``sample_sizes`` (sample sizes, reviews), ``routes`` (route x form,
delivery-route matrix), ``findings`` (direction), ``albatross`` (albatross plot),
``forest`` (forest plot), ``maps`` (evidence map, risk of bias), ``bias`` (RoB by
domain: traffic lights, summary bars), ``certainty`` (GRADE summary of findings,
synthesis slides), ``background`` (foods, risk groups, mechanisms, search flow),
``overview`` (timeline, overview slide). The slide chart list (``SlideChart``,
``slide_charts``, ``chart_names``) lives in :mod:`b12explore.export.registry` and is
reachable here too.
"""

from __future__ import annotations

from ._base import EMPTY_NOTE
from .albatross import albatross_plot
from .background import food_sources_chart, mechanisms_chart, prisma_chart, risk_groups_chart
from .bias import risk_of_bias_summary_chart, traffic_light_plot
from .certainty import certainty_chart
from .claims import claim_verdict_chart
from .findings import DIRECTION_MARKERS, direction_plot
from .forest import forest_plot
from .maps import evidence_map, risk_of_bias_chart
from .overview import evidence_overview, timeline_chart
from .routes import delivery_feature_chart, route_form_chart
from .sample_sizes import review_size_chart, sample_size_chart

_REGISTRY = ("SlideChart", "chart_names", "slide_charts")

__all__ = [
    "DIRECTION_MARKERS",
    "EMPTY_NOTE",
    "SlideChart",
    "albatross_plot",
    "certainty_chart",
    "chart_names",
    "claim_verdict_chart",
    "delivery_feature_chart",
    "direction_plot",
    "evidence_map",
    "evidence_overview",
    "food_sources_chart",
    "forest_plot",
    "mechanisms_chart",
    "prisma_chart",
    "review_size_chart",
    "risk_groups_chart",
    "risk_of_bias_chart",
    "risk_of_bias_summary_chart",
    "route_form_chart",
    "sample_size_chart",
    "slide_charts",
    "timeline_chart",
    "traffic_light_plot",
]


def __getattr__(name: str):
    # The registry imports the chart modules, so it is reached lazily (no import cycle).
    if name in _REGISTRY:
        from ..export import registry

        return getattr(registry, name)
    raise AttributeError(f"module 'b12explore.charts' has no attribute {name!r}")
