"""Constructed cases: reviews apart, evidence-map truth, comparisons, forest layout, p scope."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from evidence_factory import result, study, write_evidence
from matplotlib.figure import Figure

from b12explore import charts, load, summaries


def _coded(comparison: str, allocation: str) -> dict:
    """The shared codes (comparison, allocation) that studies.csv requires."""
    return {"comparison": comparison, "allocation": allocation}


@pytest.fixture(scope="module")
def constructed(tmp_path_factory):
    """Two trials, one non-randomised study and a meta-analysis that pools the trials."""
    studies = [
        study(
            "trial2001",
            2001,
            n_enrolled=100,
            outcomes="vas;adverse_events",
            comparator="placebo",
            **_coded("b12_vs_placebo", "randomised"),
        ),
        study(
            "trial2005",
            2005,
            n_enrolled=200,
            outcomes="vas",
            comparator="placebo",
            route="oral",
            **_coded("b12_vs_placebo", "randomised"),
        ),
        study(
            "cohort2010",
            2010,
            n_enrolled=300,
            design="non_randomised",
            outcomes="vas;odi",
            finding="benefit",
            comparator="NSAIDs alone",
            co_interventions="NSAIDs",
            **_coded("b12_cotreatment_vs_cotreatment", "not_described"),
        ),
        study(
            "meta2020",
            2020,
            design="meta_analysis",
            n_enrolled=5000,
            n_studies=2,
            outcomes="vas",
            finding="benefit",
            route="mixed",
            blinding="not_applicable",
            **_coded("b12_vs_placebo", "not_applicable"),
        ),
    ]
    results = [
        result("t1_b", "trial2001", n=50, mean=3.0, sd=2.0, direction=""),
        result("t1_c", "trial2001", arm_role="control", n=50, mean=4.0, sd=2.0, direction=""),
        result("t2_b", "trial2005", n=100, mean=3.5, sd=2.0, direction=""),
        result("t2_c", "trial2005", arm_role="control", n=100, mean=4.0, sd=2.0, direction=""),
        result(
            "t2_p",
            "trial2005",
            arm_role="comparison",
            p_value=0.04,
            direction="benefit",
            arm_label="oral B12 vs placebo",
        ),
        result(
            "c_p",
            "cohort2010",
            outcome="odi",
            arm_role="comparison",
            p_value=0.01,
            direction="benefit",
            arm_label="B12 + NSAIDs vs NSAIDs",
        ),
        result(
            "m_md",
            "meta2020",
            arm_role="comparison",
            effect_measure="MD",
            estimate=-0.8,
            ci_low=-1.2,
            ci_high=-0.4,
            p_value=0.001,
            direction="benefit",
            arm_label="B12 vs placebo",
        ),
    ]
    folder = write_evidence(tmp_path_factory.mktemp("ev") / "data", studies, results)
    ev = load(folder)
    scope = {"t2_p": "between_group", "c_p": "within_group", "m_md": "between_group"}
    res = ev.results.assign(p_scope=ev.results["result_id"].map(scope).astype(object))
    return ev.replace(results=res)


def _texts(ax) -> str:
    parts = [t.get_text() for t in ax.get_yticklabels() + ax.get_xticklabels()]
    parts += [t.get_text() for t in ax.texts]
    for other in ax.figure.axes:
        if other is not ax:
            parts += [t.get_text() for t in other.get_yticklabels()]
    return "\n".join(parts)


# ------------------------------------------------------------------ reviews apart


def test_is_review_and_primary_studies(constructed):
    assert summaries.is_review(constructed).tolist() == [False, False, False, True]
    assert list(summaries.primary_studies(constructed)["study_id"]) == [
        "trial2001",
        "trial2005",
        "cohort2010",
    ]


def test_a_review_never_appears_in_primary_study_charts(constructed):
    ev = constructed
    assert "meta2020" not in set(summaries.direction_table(ev)["study_id"])
    assert "meta2020" not in set(summaries.pvalue_table(ev)["study_id"])
    assert "meta2020" not in set(summaries.evidence_map_table(ev.studies, ev.results)["labels"])
    assert "meta2020" not in set(summaries.sample_sizes(ev.studies)["study_id"])
    assert summaries.totals_by(ev.studies)["participants"].sum() == 600
    for draw in (
        lambda ax: charts.direction_plot(ev, ax=ax),
        lambda ax: charts.albatross_plot(ev, ax=ax),
        lambda ax: charts.evidence_map(ev, ax=ax),
    ):
        ax = Figure().add_subplot()
        draw(ax)
        assert "Meta 2020" not in _texts(ax)


def test_a_review_result_is_its_own_row_never_pooled(constructed):
    eff = summaries.forest_table(constructed, outcome="vas", measure="MD")
    kinds = dict(zip(eff["study_id"], eff["kind"], strict=True))
    assert kinds == {"trial2001": "study", "trial2005": "study", "meta2020": "review"}
    review = eff[eff["kind"] == "review"].iloc[0]
    assert review["label"] == "Reported by Meta 2020 (review of 2 studies)"
    assert np.isnan(review["weight"])
    assert eff.loc[eff["kind"] == "study", "weight"].sum() == pytest.approx(100)
    pooled = summaries.pooled_effect(eff)
    assert pooled.k == 2  # the review is not pooled again with its trials
    ax = charts.forest_plot(eff, pooled=pooled)
    assert "Reported by Meta 2020" in _texts(ax)
    assert [c.get_gid() for c in ax.collections].count("review-markers") == 1


def test_review_inclusions_make_overlap_visible():
    t = summaries.review_inclusions(load())
    row = t[t["review_id"] == "calderonospina2020"].iloc[0]
    assert row["study"] == "DOLOR 2009"
    assert row["inclusion"] == "possible"


def test_study_table_enrolled_is_empty_for_reviews(constructed):
    table = summaries.study_table(constructed.studies)
    review = table[table["Study"] == "Meta 2020"].iloc[0]
    assert "5,000" not in review["Enrolled"]


# ------------------------------------------------------------------ evidence map truth


def test_evidence_map_shows_a_finding_only_from_result_rows(constructed):
    t = summaries.evidence_map_table(constructed.studies, constructed.results)
    cell = t.set_index(["route", "outcome"])
    # trial2001 lists adverse events but has no result row: never its overall "benefit"
    assert cell.loc[("intramuscular", "adverse_events"), "finding"] == summaries.NO_RESULT
    # trial2001 has arm rows without a direction for VAS and cohort2010 lists VAS without
    # any VAS row: both are "reported, no result extracted", never "benefit"
    vas = cell.loc[("intramuscular", "vas")]
    assert vas["no_result"] == 2
    assert vas["finding"] == summaries.NO_RESULT
    assert cell.loc[("oral", "vas"), "finding"] == "benefit"


def test_evidence_map_chart_says_no_result_in_legend_and_cells(constructed):
    ax = charts.evidence_map(constructed)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Reported, no result extracted" in legend
    assert any("no result extracted" in t.get_text() for t in ax.texts)
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert hatched, "no-result cells have their own hatched style"


def test_evidence_map_per_comparison(constructed):
    t = summaries.evidence_map_table(
        constructed.studies, constructed.results, comparison="b12_vs_placebo"
    )
    assert "Cohort 2010" not in "; ".join(t["labels"])


# ------------------------------------------------------------------ comparisons and axes


def test_forest_axis_names_the_comparison_never_b12_for_a_combination():
    ev = load()
    eff = summaries.forest_table(ev, outcome="responder", measure="RR")
    ax = charts.forest_plot(eff)
    assert "B12 /" not in ax.get_xlabel()
    assert "diclofenac + B vitamins / diclofenac" in ax.get_xlabel()
    favours = {t.get_gid(): t.get_text() for t in ax.texts}
    assert favours["favours-right"] == "favours diclofenac + B vitamins →"  # higher is better
    assert favours["favours-left"] == "← favours diclofenac"


def test_forest_without_lower_is_better_has_no_favours_labels_and_a_note():
    ev = load()
    eff = summaries.forest_table(ev, outcome="therapy_duration", measure="OR")
    ax = charts.forest_plot(eff)
    gids = {t.get_gid() for t in ax.texts}
    assert "favours-note" in gids
    assert not {"favours-left", "favours-right"} & gids


def test_comparison_filter_in_forest_table(constructed):
    ev = constructed
    res = ev.results.assign(
        comparison=np.where(ev.results["study_id"] == "trial2005", "route_vs_route", None)
    )
    eff = summaries.forest_table(
        ev.replace(results=res), outcome="vas", measure="MD", comparison="route_vs_route"
    )
    assert list(eff["study_id"]) == ["trial2005"]
    assert eff["intervention"].iloc[0] == "oral B12"


def _synthetic(k: int) -> pd.DataFrame:
    rng = np.random.default_rng(k)
    est = rng.normal(-1, 1, k)
    return pd.DataFrame(
        {
            "study_id": [f"s{i}" for i in range(k)],
            "label": [f"Study {i} 20{i % 25:02d}" for i in range(k)],
            "estimate": est,
            "ci_low": est - 1,
            "ci_high": est + 1,
            "yi": est,
            "vi": 0.26,
            "weight": rng.uniform(1, 5, k),
            "measure": "MD",
            "lower_is_better": True,
            "comparison": "b12_vs_placebo",
            "kind": "study",
        }
    )


def _renderer(fig):
    """Draw ``fig`` on an Agg canvas and return its renderer (final layout)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _overlaps(boxes) -> int:
    boxes = [b for b in boxes if b.width > 0]
    return sum(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


@pytest.mark.parametrize(("k", "max_rows"), [(1, 30), (2, 30), (40, 30), (40, 40)])
def test_forest_layout_has_no_colliding_labels(k, max_rows):
    eff = _synthetic(k)
    fig = Figure(figsize=(10, 6), layout="constrained")
    ax = charts.forest_plot(
        eff, pooled=summaries.pooled_effect(eff), max_rows=max_rows, ax=fig.add_subplot()
    )
    renderer = _renderer(fig)
    for axes in fig.axes:
        labels = [t.get_window_extent(renderer) for t in axes.get_yticklabels() if t.get_text()]
        assert _overlaps(labels) == 0, (k, max_rows)
    title = ax.title.get_window_extent(renderer) if ax.get_title() else None
    heads = [
        t.get_window_extent(renderer)
        for t in ax.texts
        if t.get_gid() in ("favours-left", "favours-right")
    ]
    assert _overlaps(heads) == 0
    if title is not None:
        assert not any(title.overlaps(h) for h in heads)


def test_forest_caps_rows_visibly_but_pools_all():
    eff = _synthetic(40)
    pooled = summaries.pooled_effect(eff)
    ax = charts.forest_plot(eff, pooled=pooled, max_rows=30)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "… and 10 more studies" in labels
    assert any("k = 40" in lab for lab in labels)
    assert sum(lab.startswith("Study ") for lab in labels) == 30


def test_forest_risk_of_bias_column():
    eff = _synthetic(2)
    ax = charts.forest_plot(eff, risk_of_bias={"s0": "high", "s1": "low"})
    gids = {c.get_gid() for c in ax.collections}
    assert {"rob-s0", "rob-s1"} <= gids


# ------------------------------------------------------------------ p-value scope


def test_albatross_shows_within_group_p_as_such(constructed):
    t = summaries.pvalue_table(constructed)
    assert dict(zip(t["result_id"], t["p_scope"], strict=True)) == {
        "t2_p": "between_group",
        "c_p": "within_group",
    }
    ax = charts.albatross_plot(constructed)
    gids = [c.get_gid() for c in ax.collections]
    assert "p-not-between-group" in gids
    between = [g for g in gids if g.startswith("p-") and g != "p-not-between-group"]
    assert len(between) == 1  # only trial2005's p is drawn as a between-group p
    legend = [x.get_text() for x in ax.get_legend().get_texts()]
    assert any("within-group or unclear" in x for x in legend)


def test_direction_plot_flags_within_group_directions(constructed):
    t = summaries.direction_table(constructed)
    flags = dict(zip(t["study_id"], t["between_group"], strict=True))
    assert flags == {"trial2005": True, "cohort2010": False}
    ax = charts.direction_plot(constructed)
    assert sum(t.get_gid() == "scope-flag" for t in ax.texts) == 1


def test_albatross_with_one_point_has_y_tick_labels(constructed):
    ev = constructed
    one = ev.replace(results=ev.results[ev.results["result_id"] == "t2_p"])
    ax = charts.albatross_plot(one)
    _renderer(ax.figure)
    shown = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert len(shown) >= 2


# ------------------------------------------------------------------ RoB charts


@pytest.mark.parametrize("tool", ["RoB 2", "ROBINS-I", "AMSTAR 2"])
def test_traffic_lights_draw_every_judgement_with_a_symbol(tool):
    ev = load()
    table = summaries.risk_of_bias_domains(ev, tool)
    ax = charts.traffic_light_plot(ev, tool=tool)
    lights = [c for c in ax.collections if str(c.get_gid()).startswith("light-")]
    assert len(lights) == len(table)
    assert sum(t.get_gid() == "light-symbol" for t in ax.texts) == len(table)


def test_summary_bars_are_weighted_shares():
    ev = load()
    t = summaries.risk_of_bias_summary(ev, "RoB 2")
    overall = t[t["domain"] == "overall"].set_index("judgement")["share"]
    # DOLOR (372, some concerns), Chiu (60, some concerns), Mauro (60, high)
    assert overall["high"] == pytest.approx(100 * 60 / 492)
    ax = charts.risk_of_bias_summary_chart(ev)
    assert ax.get_xlabel() == "Share of participants (%)"


def test_empty_rob_gives_a_note(constructed):
    ax = charts.traffic_light_plot(constructed, tool="RoB 2")
    assert any(t.get_gid() == "empty-note" for t in ax.texts)


# ------------------------------------------------------------------ studies.risk_of_bias


def test_studies_risk_of_bias_is_derived_from_the_appraisal_tables():
    from b12explore.summaries.bias import derived_risk_of_bias

    t = derived_risk_of_bias(load()).set_index("study_id")
    stale = t[t["derived"] != t["stored"]]
    assert stale.empty, stale[["tool", "overall", "derived", "stored"]]
    assert t.loc["levin2011", ["tool", "overall", "stored"]].tolist() == [
        "ROBINS-I",
        "serious",
        "high",
    ]
    assert t.loc["maksimov2020", "overall"] == "serious"
    assert pd.isna(t.loc["filatova2024", "tool"])
    assert "single group" in t.loc["filatova2024", "reason"]
    # every primary study with a tool has its overall judgement in the tables
    appraised = t[t["tool"].isin(["RoB 2", "ROBINS-I"])]
    assert appraised["overall"].notna().all()
    assert set(t.loc[t["stored"] != "not_assessed"].index) == set(appraised.index)


def test_an_edited_appraisal_makes_the_studies_column_stale():
    from b12explore.summaries.bias import derived_risk_of_bias

    ev = load()
    robins = summaries.optional_table(ev, "robins_i").copy()
    for col in ("domain", "judgement"):
        robins[col] = robins[col].astype(object)
    maksimov = robins["study_id"] == "maksimov2020"
    robins.loc[maksimov, "judgement"] = "moderate"  # every domain and the overall

    class Edited:
        studies, descriptor = ev.studies, ev.descriptor

        def table(self, name):
            return robins if name == "robins_i" else summaries.optional_table(ev, name)

    t = derived_risk_of_bias(Edited()).set_index("study_id")
    assert t.loc["maksimov2020", "derived"] == "some_concerns"
    assert t.loc["maksimov2020", "stored"] == "high"  # the CSV no longer matches: caught
    missing = derived_risk_of_bias(
        type("NoRobins", (Edited,), {"table": lambda self, n: robins.iloc[0:0]})()
    ).set_index("study_id")
    assert missing.loc["maksimov2020", "derived"] == "not_assessed"
    assert "no ROBINS-I appraisal" in missing.loc["maksimov2020", "reason"]


# ------------------------------------------------------------------ notebook 05


def test_certainty_notebook_stores_charts_as_pictures():
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "notebooks" / "05_certainty.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    pictures = [o for c in code for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(pictures) >= 6
    errors = [o for c in code for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors == []
    text = "".join("".join(c["source"]) for c in code)
    assert "from b12explore import charts" in text
    assert "export_charts(" in text


# ------------------------------------------------------------------ filters


def test_filter_by_comparison_and_certainty():
    from b12explore.filters import FilterState, apply_filters, describe

    ev = load()
    state = FilterState.from_values(comparisons=["bvit_nsaid_vs_nsaid"])
    kept = apply_filters(ev, state).studies
    coded = set(ev.studies.loc[ev.studies["comparison"] == "bvit_nsaid_vs_nsaid", "study_id"])
    assert set(kept["study_id"]) == coded
    assert {"dolor2009", "calderonospina2020"} <= coded
    assert "chiu2011" not in coded
    low = apply_filters(ev, FilterState.from_values(certainty="low"))
    assert set(low.studies["study_id"]) == {"dolor2009", "calderonospina2020"}
    very_low = apply_filters(ev, FilterState.from_values(certainty=["very_low"]))
    assert set(very_low.studies["study_id"]) == {
        "chiu2011",
        "mauro2000",
        "ali2021",
        "maksimov2020",
    }
    assert "certainty: very low" in describe(FilterState(certainty=("very_low",)))
    with pytest.raises(ValueError, match="filter certainty: 'certain' is not one of high"):
        apply_filters(ev, FilterState.from_values(certainty="certain"))  # codes: descriptor
