"""Charts at artist level: the numbers drawn equal the summary numbers."""

from __future__ import annotations

import dataclasses
import io
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from evidence_factory import write_evidence
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.markers import MarkerStyle
from matplotlib.text import Text
from test_summaries import chart_rows

from b12explore import charts, load, summaries
from b12explore.style import (
    FINDING_COLORS,
    RISK_OF_BIAS_COLORS,
    SCORE_COLORS,
    color_for,
    tint,
)


@pytest.fixture
def ev(tmp_path):
    folder = write_evidence(tmp_path / "data", *chart_rows())
    (folder / "delivery_routes.csv").write_text(
        "route,feature,description,score,source_url\n"
        "oral,absorption,Needs intrinsic factor at low doses; high doses work.,2,https://e.org/a\n"
        "intramuscular,absorption,Bypasses the gut.,3,https://e.org/b\n"
        "oral,cost,Cheap.,3,https://e.org/c\n"
        "intramuscular,cost,Needs visits.,1,https://e.org/d\n",
        encoding="utf-8",
    )
    return load(folder)


def texts(ax, gid=None) -> list[str]:
    found = [t for t in ax.findobj(Text) if gid is None or t.get_gid() == gid]
    return [t.get_text() for t in found]


def ticklabels(ax, axis="y") -> list[str]:
    labels = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in labels]


def hexes(colors) -> list[str]:
    return [to_hex(c).upper() for c in colors]


def collection(ax, gid):
    found = [c for c in ax.collections if c.get_gid() == gid]
    assert found, f"no collection {gid!r}; have {[c.get_gid() for c in ax.collections]}"
    return found[0]


def is_empty_note(ax) -> bool:
    return charts.EMPTY_NOTE in texts(ax) or "no reviews match" in texts(ax)


# --------------------------------------------------------------------------- sample sizes
def test_sample_size_bars_equal_summary(ev):
    ax = charts.sample_size_chart(ev.studies)
    table = summaries.sample_sizes(ev.studies)
    enrolled = {c.get_label(): c for c in ax.containers}["_enrolled"]
    analysed = {c.get_label(): c for c in ax.containers}["_analysed"]
    widths = [b.get_width() for b in enrolled]
    assert widths == table["n_enrolled"].astype(float).fillna(0).tolist()
    assert [b.get_width() for b in analysed] == table["n_analysed"].astype(float).fillna(
        0
    ).tolist()
    assert ticklabels(ax) == table["label"].tolist()
    route_of = dict(zip(table["label"], table["group"], strict=True))
    for bar, label in zip(analysed, table["label"], strict=True):
        assert to_hex(bar.get_facecolor()).upper() == color_for("route", route_of[label])
    assert summaries.NOT_REPORTED in [t.strip() for t in texts(ax, "value")]
    assert "60 (58 analysed)" in [t.strip() for t in texts(ax, "value")]


def test_sample_size_legend_has_group_totals(ev):
    ax = charts.sample_size_chart(ev.studies)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Intramuscular: 2 studies, 556 participants" in legend
    assert "Oral: 2 studies, 372 participants" in legend


def test_sample_size_by_design_colours(ev):
    ax = charts.sample_size_chart(ev.studies, by="design")
    analysed = {c.get_label(): c for c in ax.containers}["_analysed"]
    table = summaries.sample_sizes(ev.studies, by="design")
    assert hexes(b.get_facecolor() for b in analysed) == [
        color_for("design", d) for d in table["design"]
    ]
    assert any(
        t.startswith("Non-randomised: 1 study")
        for t in (x.get_text() for x in ax.get_legend().get_texts())
    )


def test_sample_size_caps_long_lists(ev):
    ax = charts.sample_size_chart(ev.studies, max_studies=2)
    labels = ticklabels(ax)
    assert len(labels) == 3  # the two largest, then one bar for the rest
    assert labels[-1] == "and 2 more studies"
    assert any(t.endswith(" participants in all") for t in texts(ax, "rest-value"))


def test_review_size_chart(ev):
    ax = charts.review_size_chart(ev.studies)
    bars = ax.containers[0]
    assert [b.get_width() for b in bars] == [5.0]
    ax = charts.review_size_chart(ev.studies, measure="patients")
    assert [b.get_width() for b in ax.containers[0]] == [1108.0]
    assert ticklabels(ax) == ["Review 2020"]


# --------------------------------------------------------------------------- routes
def test_route_form_stacked_heights(ev):
    ax = charts.route_form_chart(ev.studies)
    table = summaries.route_form_counts(ev.studies)
    by_form = {c.get_label(): c for c in ax.containers}
    assert set(by_form) == {"Methylcobalamin", "Cyanocobalamin", "not reported"}
    assert ticklabels(ax, "x") == ["Intramuscular", "Oral"]
    heights = {label: [b.get_height() for b in c] for label, c in by_form.items()}
    assert heights["Cyanocobalamin"] == [0.0, 2.0]
    assert heights["Methylcobalamin"] == [1.0, 0.0]
    total = np.sum(list(heights.values()), axis=0)
    assert total.tolist() == table.groupby("route", sort=False)["studies"].sum().tolist()
    assert "2 studies\n556 participants" in texts(ax, "total")
    assert "n = 496" in texts(ax, "segment")


def test_delivery_feature_matrix(ev):
    ax = charts.delivery_feature_chart(ev.delivery_routes)
    cells = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    assert to_hex(cells["cell-absorption-oral"].get_facecolor()).upper() == SCORE_COLORS[2]
    assert to_hex(cells["cell-cost-intramuscular"].get_facecolor()).upper() == SCORE_COLORS[1]
    # scores as symbols (the full descriptions go to the notes and the CSV side-car)
    assert set(texts(ax, "score")) <= {"●○○", "●●○", "●●●"} and texts(ax, "score")
    assert ticklabels(ax, "x") == ["Oral", "Intramuscular"]
    assert ticklabels(ax) == ["Absorption", "Cost"]


# --------------------------------------------------------------------------- findings
def test_direction_plot_markers(ev):
    ax = charts.direction_plot(ev)
    table = summaries.direction_table(ev)
    for direction, marker in charts.DIRECTION_MARKERS.items():
        rows = table[table["direction"] == direction]
        if rows.empty:
            assert not [c for c in ax.collections if c.get_gid() == f"direction-{direction}"]
            continue
        coll = collection(ax, f"direction-{direction}")
        assert len(coll.get_offsets()) == len(rows)
        expected = MarkerStyle(marker).get_path().transformed(MarkerStyle(marker).get_transform())
        assert np.allclose(coll.get_paths()[0].vertices, expected.vertices)
    benefit = collection(ax, "direction-benefit")
    rows = table[table["direction"] == "benefit"]
    assert hexes(benefit.get_facecolors()) == [
        RISK_OF_BIAS_COLORS[r] for r in rows["risk_of_bias"]
    ]
    mixed = collection(ax, "direction-mixed")  # hollow: RoB colour on the edge
    assert hexes(mixed.get_edgecolors()) == [RISK_OF_BIAS_COLORS["high"]]
    assert ticklabels(ax) == list(dict.fromkeys(table["label"]))
    # size grows with n: DOLOR (372) bigger than Chiu (60)
    sizes = dict(zip(rows["label"], benefit.get_sizes(), strict=True))
    assert "Chiu 2011" in sizes
    nd = collection(ax, "direction-no_difference")
    assert max(nd.get_sizes()) > min(benefit.get_sizes())


def test_direction_plot_colours_by_the_appraisal_when_asked():
    shipped = load()  # has RoB 2 / ROBINS-I tables; the studies table says not_assessed here
    rob = shipped.studies["risk_of_bias"].copy()
    rob[:] = "not_assessed"
    shipped = shipped.replace(studies=shipped.studies.assign(risk_of_bias=rob))
    studies = charts.direction_plot(shipped)
    appraisal = charts.direction_plot(shipped, risk_of_bias_from="appraisal")
    overall = summaries.risk_of_bias_overall(shipped)
    assert overall["computed"].notna().any()

    def colours(ax):
        return [hexes(c.get_facecolors()) for c in ax.collections]

    assert colours(studies) != colours(appraisal)
    with pytest.raises(ValueError, match="risk_of_bias_from: 'apraisal' .*'appraisal'"):
        charts.direction_plot(shipped, risk_of_bias_from="apraisal")


def test_albatross_positions_and_bounds(ev):
    # coded between-group tests (an uncoded p_scope is "unclear" and drawn apart)
    ev = ev.replace(results=ev.results.assign(p_scope="between_group"))
    ax = charts.albatross_plot(ev)
    table = summaries.pvalue_table(ev)
    exact_benefit = collection(ax, "p-exact-benefit")
    x, y = exact_benefit.get_offsets()[0]
    assert x == pytest.approx(-math.log10(0.04))
    assert y == 60
    bound = collection(ax, "p-bound-benefit")  # Chiu ODI, p < 0.05
    assert bound.get_offsets()[0][0] == pytest.approx(-math.log10(0.05))
    harm = collection(ax, "p-exact-harm")
    assert harm.get_offsets()[0][0] < 0
    unknown = collection(ax, "p-exact-benefit-unknown")  # DOLOR VAS, no difference
    assert hexes(unknown.get_facecolors()) == ["#FFFFFF"]
    n_points = sum(len(c.get_offsets()) for c in ax.collections)
    assert n_points == len(table)
    labels = ticklabels(ax, "x")
    assert "1" in labels and labels.count("0.05") == 2
    assert ax.get_yscale() == "log"


def _effects(**over):
    frame = pd.DataFrame(
        {
            "label": ["Alpha 2001", "Beta 2005", "Gamma 2010"],
            "estimate": [0.8, 1.2, 0.5],
            "ci_low": [0.6, 0.9, 0.01],
            "ci_high": [1.05, 1.6, 0.9],
            "weight": [50.0, 40.0, 10.0],
            "measure": "RR",
            "outcome": "treatment_failure",
            "lower_is_better": True,
        }
    )
    return frame.assign(**over)


@dataclasses.dataclass
class FakePool:
    estimate: float = math.log(0.85)
    ci_low: float = math.log(0.7)
    ci_high: float = math.log(1.03)
    pi_low: float = math.log(0.5)
    pi_high: float = math.log(1.4)


def test_forest_plot_ratio_axis_and_markers():
    ax = charts.forest_plot(_effects(), pooled=FakePool(), xlim=(0.1, 3))
    assert ax.get_xscale() == "log"
    labels = ticklabels(ax, "x")
    assert {"0.2", "0.5", "1", "2"} <= set(labels)
    assert not any(t.get_text() for t in ax.get_xminorticklabels())
    squares = collection(ax, "study-markers")
    assert squares.get_offsets()[:, 0].tolist() == pytest.approx([0.8, 1.2, 0.5])
    sizes = squares.get_sizes()
    assert sizes[0] > sizes[1] > sizes[2]  # weight-scaled
    diamond = [p for p in ax.patches if p.get_gid() == "pooled"][0]
    xs = diamond.get_xy()[:, 0]
    assert min(xs) == pytest.approx(0.7) and max(xs) == pytest.approx(1.03)
    pi = collection(ax, "prediction-interval")
    assert pi.get_segments()[0][:, 0].tolist() == pytest.approx([0.5, 1.4])
    assert ticklabels(ax)[-1] == "Pooled (k = 3)"
    right = ticklabels(ax.figure.axes[-1])  # the estimate column (twin axes)
    assert right[0] == "0.80 [0.60, 1.05]  50%"
    assert right[-1] == "0.85 [0.70, 1.03]; prediction 0.50 to 1.40"
    # Gamma's CI (0.01) runs past the left limit: an arrow
    arrows = [line for line in ax.lines if line.get_gid() == "ci-arrow-left"]
    assert len(arrows) == 1 and arrows[0].get_xdata()[0] == pytest.approx(0.1)


def test_forest_plot_pooled_label_counts_the_pooled_studies():
    # the chart may be given only the heaviest rows; k is the number pooled, not shown
    pooled = FakePool()
    pooled.k = 1234
    ax = charts.forest_plot(_effects(), pooled=pooled)
    assert ticklabels(ax)[-1] == "Pooled (k = 1,234)"
    ax = charts.forest_plot(_effects(), pooled=FakePool())  # no k: the rows given
    assert ticklabels(ax)[-1] == "Pooled (k = 3)"


def test_forest_plot_favours_follow_direction():
    ax = charts.forest_plot(_effects(comparison="b12_vs_placebo"))
    assert texts(ax, "favours-left") == ["← favours B12"]
    ax = charts.forest_plot(_effects(lower_is_better=False, comparison="b12_vs_placebo"))
    assert texts(ax, "favours-left") == ["← favours placebo"]
    assert texts(ax, "favours-right") == ["favours B12 →"]
    ax = charts.forest_plot(_effects())  # comparison unknown: generic arm names, never "B12"
    assert texts(ax, "favours-left") == ["← favours intervention"]


def test_forest_plot_difference_measure_linear():
    eff = _effects(
        measure="MD",
        estimate=[-2.0, 0.5, -1.0],
        ci_low=[-3.0, -0.5, -40.0],
        ci_high=[-1.0, 1.5, 1.0],
    )
    ax = charts.forest_plot(eff)
    assert ax.get_xscale() == "linear"
    left, _ = ax.get_xlim()
    assert left > -40  # the wide CI does not squash the plot ...
    assert [ln.get_gid() for ln in ax.lines].count("ci-arrow-left") == 1  # ... it gets an arrow


def test_forest_plot_from_summary(ev):
    effects = summaries.forest_table(ev, outcome="vas", measure="MD")
    ax = charts.forest_plot(effects, pooled=summaries.pooled_effect(effects))
    assert ticklabels(ax)[:2] == effects["label"].tolist()
    assert any(p.get_gid() == "pooled" for p in ax.patches)


# --------------------------------------------------------------------------- maps
def test_evidence_map_cells(ev):
    ax = charts.evidence_map(ev.studies, ev.results)
    table = summaries.evidence_map_table(ev.studies, ev.results)
    cells = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    assert len(cells) == len(table)
    assert to_hex(cells["cell-intramuscular-vas"].get_facecolor()).upper() == tint(
        FINDING_COLORS["mixed"], 0.35
    )
    assert "2 studies, n = 556" in texts(ax, "cell-text")
    assert ticklabels(ax, "x") == ["Intramuscular", "Oral"]  # routes head the columns
    assert ticklabels(ax)[0] == "Pain VAS"  # outcomes are the rows


def test_timeline_heights(ev):
    table = summaries.timeline_table(ev.studies)
    # few studies: one row per study, a dot at its year, its label level beside it
    ax = charts.timeline_chart(ev.studies)
    assert sum(len(c.get_offsets()) for c in ax.collections) == table["studies"].sum()
    assert "Chiu 2011" in [t.strip() for t in texts(ax, "study-label")]
    assert all(t.get_rotation() == 0 for t in ax.texts)
    # without labels: studies per year in bars stacked by design
    bars = charts.timeline_chart(ev.studies, labels=False)
    assert sum(b.get_height() for c in bars.containers for b in c) == table["studies"].sum()
    by_design = {c.get_label(): c for c in bars.containers}
    rct_2011 = [b.get_height() for b in by_design["RCT"] if b.get_x() < 2011 < b.get_x() + 1]
    assert rct_2011 == [1.0]
    assert not texts(bars, "study-label")


def test_risk_of_bias_lights(ev):
    ax = charts.risk_of_bias_chart(ev.studies)
    table = summaries.risk_of_bias_table(ev.studies)
    overall = collection(ax, "rob-risk_of_bias")
    assert hexes(overall.get_facecolors()) == [
        RISK_OF_BIAS_COLORS[r] for r in table["risk_of_bias"]
    ]
    blinding = collection(ax, "rob-blinding_judgement")
    assert hexes(blinding.get_facecolors()) == [
        RISK_OF_BIAS_COLORS[r] for r in table["blinding_judgement"]
    ]
    assert ticklabels(ax)[0] == "Dolor 2009 (RCT)"


# --------------------------------------------------------------------------- common
CHARTS = {
    "sample_size_chart": lambda e, ax=None: charts.sample_size_chart(e.studies, ax=ax),
    "review_size_chart": lambda e, ax=None: charts.review_size_chart(e.studies, ax=ax),
    "route_form_chart": lambda e, ax=None: charts.route_form_chart(e.studies, ax=ax),
    "delivery_feature_chart": lambda e, ax=None: charts.delivery_feature_chart(
        e.delivery_routes, ax=ax
    ),
    "direction_plot": lambda e, ax=None: charts.direction_plot(e, ax=ax),
    "albatross_plot": lambda e, ax=None: charts.albatross_plot(e, ax=ax),
    "forest_plot": lambda e, ax=None: charts.forest_plot(
        summaries.forest_table(e, outcome="vas", measure="MD"), ax=ax
    ),
    "evidence_map": lambda e, ax=None: charts.evidence_map(e.studies, e.results, ax=ax),
    "timeline_chart": lambda e, ax=None: charts.timeline_chart(e.studies, ax=ax),
    "risk_of_bias_chart": lambda e, ax=None: charts.risk_of_bias_chart(e.studies, ax=ax),
}


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_empty_selection_says_no_studies_match(ev, name):
    empty = ev.replace(studies=ev.studies.iloc[:0], delivery_routes=ev.delivery_routes.iloc[:0])
    ax = CHARTS[name](empty)
    assert any(
        t in texts(ax) for t in (charts.EMPTY_NOTE, "no reviews match", "no delivery-route rows")
    )
    assert not ax.patches or name == "forest_plot"


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_draws_on_the_given_axes(ev, name):
    fig = Figure(figsize=(8, 5))
    ax = fig.add_subplot()
    assert CHARTS[name](ev, ax=ax) is ax
    assert ax.has_data() or ax.patches or ax.texts
    fig.savefig(io.BytesIO(), format="png")  # draws without error


# --------------------------------------------------------------------------- slides
def test_slide_charts(ev):
    slides = charts.slide_charts(ev, filters_text="route: oral")
    names = [s.name for s in slides]
    assert names[:2] == ["overview", "sample-sizes"]
    assert len(set(names)) == len(names)
    assert all(pd.Series(names).str.fullmatch(r"[a-z0-9-]+"))
    assert {"forest-vas-md", "forest-responder-rr", "evidence-map", "risk-of-bias"} <= set(names)
    for s in slides:
        assert [round(float(v), 3) for v in s.figure.get_size_inches()] == [13.333, 7.5]
        assert isinstance(s.data, pd.DataFrame)
        assert "route: oral" in s.caption and ev.version in s.caption
        assert all(label in s.caption for label in s.sources)
    by_name = {s.name: s for s in slides}
    assert by_name["sample-sizes"].sources == [
        "Dolor 2009",
        "Chiu 2011",
        "Nosize 2015",
        "Ali 2021",
    ]
    assert by_name["forest-responder-rr"].sources == ["Dolor 2009"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        slides[0].name = "x"


def test_slide_text_is_at_least_14pt(ev):
    for s in charts.slide_charts(ev):
        s.figure.canvas.draw()  # lay out, so tick labels exist
        small = {
            (t.get_text(), t.get_fontsize())
            for t in s.figure.findobj(Text)
            if t.get_text().strip() and t.get_visible() and t.get_fontsize() < 14
        }
        assert not small, (s.name, sorted(small)[:5])


def test_evidence_overview_sizes(ev):
    fig = charts.evidence_overview(ev)
    assert [round(float(v), 3) for v in fig.get_size_inches()] == [13.333, 7.5]
    assert len(fig.axes) == 2  # two full-width panels stay legible at 18 pt on 4:3
    fig43 = charts.evidence_overview(ev, size="4:3")
    assert [float(v) for v in fig43.get_size_inches()] == [10.0, 7.5]


def test_charts_use_no_pyplot():
    code = (
        "import sys\n"
        "from b12explore import load, charts\n"
        "ev = load()\n"
        "charts.slide_charts(ev)\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_slide_charts_builds_only_the_named_charts_in_canonical_order(ev):
    names = charts.chart_names(ev)
    assert names[0] == "overview" and "timeline" in names
    built = charts.slide_charts(ev, names=["timeline", "sample-sizes"])
    assert [c.name for c in built] == ["sample-sizes", "timeline"]
    assert built[1].data.equals(summaries.timeline_table(ev.studies))


def test_slide_charts_rejects_an_unknown_name_listing_the_valid_ones(ev):
    with pytest.raises(
        ValueError, match=r"unknown chart name\(s\) 'timelime'; expected .*timeline"
    ):
        charts.slide_charts(ev, names=["timelime"])


def test_slide_charts_accepts_glob_patterns_that_may_match_nothing(ev):
    forests = [n for n in charts.chart_names(ev) if n.startswith("forest-")]
    assert [c.name for c in charts.slide_charts(ev, names="forest-*")] == forests
    assert charts.slide_charts(ev, names=["nothing-like-this-*"]) == []
