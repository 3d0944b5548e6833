"""Summary tables: the numbers behind every chart (pure functions, never mutating)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from evidence_factory import result, study, write_evidence

from b12explore import load, summaries


def chart_rows():
    """Studies and results that exercise every summary (and chart) branch."""
    studies = [
        study(
            "chiu2011",
            2011,
            n_enrolled=60,
            n_analysed=58,
            route="intramuscular",
            b12_form="methylcobalamin",
            outcomes="vas;odi",
            risk_of_bias="low",
        ),
        study(
            "dolor2009",
            2009,
            n_enrolled=372,
            route="oral",
            b12_form="cyanocobalamin",
            outcomes="vas;responder",
            risk_of_bias="some_concerns",
            blinding="single",
        ),
        study(
            "ali2021",
            2021,
            n_enrolled=496,
            route="intramuscular",
            b12_form="not_reported",
            design="non_randomised",
            blinding="not_reported",
            outcomes="vas",
            risk_of_bias="high",
        ),
        study(
            "nosize2015",
            2015,
            route="oral",
            b12_form="cyanocobalamin",
            outcomes="vas",
            finding="no_difference",
            blinding="open",
            risk_of_bias="not_assessed",
        ),
        study(
            "review2020",
            2020,
            design="meta_analysis",
            n_enrolled=1108,
            n_studies=5,
            route="mixed",
            b12_form="mixed",
            blinding="not_applicable",
            outcomes="vas",
        ),
        study(
            "rat2018", 2018, design="animal", n_enrolled=40, blinding="not_applicable", outcomes=""
        ),
    ]
    vas = {"outcome": "vas", "lower_is_better": "true"}
    results = [
        # Chiu: VAS arms at weeks 2 and 8 (the last one is used), two comparisons.
        result(
            "c_b_2",
            "chiu2011",
            **vas,
            timepoint="week 2",
            timepoint_weeks=2,
            n=30,
            mean=4,
            sd=2,
            direction="",
        ),
        result(
            "c_c_2",
            "chiu2011",
            **vas,
            timepoint="week 2",
            timepoint_weeks=2,
            arm_role="control",
            n=28,
            mean=4.5,
            sd=2,
            direction="",
        ),
        result(
            "c_b_8",
            "chiu2011",
            **vas,
            timepoint="week 8",
            timepoint_weeks=8,
            n=30,
            mean=3,
            sd=2,
            direction="",
        ),
        result(
            "c_c_8",
            "chiu2011",
            **vas,
            timepoint="week 8",
            timepoint_weeks=8,
            arm_role="control",
            n=28,
            mean=5,
            sd=2.5,
            direction="",
        ),
        result(
            "c_vas",
            "chiu2011",
            **vas,
            arm_role="comparison",
            p_value=0.04,
            p_operator="=",
            direction="benefit",
        ),
        result(
            "c_odi",
            "chiu2011",
            outcome="odi",
            outcome_label="ODI",
            arm_role="comparison",
            p_value=0.05,
            p_operator="<",
            direction="benefit",
        ),
        # DOLOR: responder arm events (higher is better) and a null VAS comparison.
        result(
            "d_b",
            "dolor2009",
            outcome="responder",
            outcome_label="responders",
            lower_is_better="false",
            events=87,
            total=187,
            direction="",
        ),
        result(
            "d_c",
            "dolor2009",
            outcome="responder",
            outcome_label="responders",
            lower_is_better="false",
            arm_role="control",
            events=55,
            total=185,
            direction="",
        ),
        result(
            "d_vas",
            "dolor2009",
            **vas,
            arm_role="comparison",
            p_value=0.3,
            p_operator="=",
            direction="no_difference",
        ),
        # Ali: two VAS comparisons that disagree -> mixed.
        result(
            "a_vas1",
            "ali2021",
            **vas,
            arm_role="comparison",
            timepoint="week 2",
            direction="benefit",
        ),
        result(
            "a_vas2",
            "ali2021",
            **vas,
            arm_role="comparison",
            timepoint="week 4",
            p_value=0.02,
            p_operator="=",
            direction="harm",
        ),
        # No sample size, a reported mean difference with its CI.
        result(
            "n_vas",
            "nosize2015",
            **vas,
            arm_role="comparison",
            effect_measure="MD",
            estimate=-1.0,
            ci_low=-2.0,
            ci_high=0.0,
            direction="no_difference",
        ),
    ]
    return studies, results


@pytest.fixture
def ev(tmp_path):
    return load(write_evidence(tmp_path / "data", *chart_rows()))


def _frames(ev):
    return {"studies": ev.studies.copy(deep=True), "results": ev.results.copy(deep=True)}


def test_sample_sizes_ranks_primary_studies_only(ev):
    t = summaries.sample_sizes(ev.studies)
    assert t["study_id"].tolist() == ["ali2021", "dolor2009", "chiu2011", "nosize2015"]
    assert t["n"].iloc[:3].tolist() == [496, 372, 60]
    assert pd.isna(t["n"].iloc[3])
    assert t["group"].tolist() == ["intramuscular", "oral", "intramuscular", "oral"]
    assert t.loc[2, "n_analysed"] == 58


def test_sample_sizes_by_design_and_analysed(ev):
    t = summaries.sample_sizes(ev.studies, by="design", measure="analysed")
    # Chiu is the only study with n_analysed; the others fall back to n_enrolled.
    assert t.set_index("study_id").loc["chiu2011", "n"] == 58
    assert set(t["group"]) == {"rct", "non_randomised"}
    with pytest.raises(ValueError, match="measure"):
        summaries.sample_sizes(ev.studies, measure="randomised")


def test_totals_by_route(ev):
    t = summaries.totals_by(ev.studies, by="route").set_index("group")
    assert t.index.tolist() == ["intramuscular", "oral"]  # schema order
    assert t.loc["intramuscular", ["studies", "participants"]].tolist() == [2, 556]
    assert t.loc["oral", ["studies", "participants", "size_not_reported"]].tolist() == [2, 372, 1]


def test_review_sizes(ev):
    t = summaries.review_sizes(ev.studies)
    assert t[["study_id", "n_studies", "n_patients"]].values.tolist() == [["review2020", 5, 1108]]


def test_route_form_counts(ev):
    t = summaries.route_form_counts(ev.studies)
    assert t.values.tolist() == [
        ["intramuscular", "methylcobalamin", 1, 60],
        ["intramuscular", "not_reported", 1, 496],
        ["oral", "cyanocobalamin", 2, 372],
    ]


def test_delivery_features_order():
    df = pd.DataFrame(
        {
            "route": pd.Categorical(
                ["intramuscular", "oral", "oral"], categories=["oral", "intramuscular"]
            ),
            "feature": pd.Categorical(
                ["cost", "cost", "absorption"], categories=["absorption", "cost"]
            ),
            "score": pd.array([1, 3, 2], dtype="Int64"),
            "description": ["dear", "cheap", "needs intrinsic factor"],
        }
    )
    t = summaries.delivery_features(df)
    assert t[["feature", "route", "score"]].values.tolist() == [
        ["absorption", "oral", 2],
        ["cost", "oral", 3],
        ["cost", "intramuscular", 1],
    ]


def test_direction_table(ev):
    t = summaries.direction_table(ev).set_index(["study_id", "outcome"])
    assert t.loc[("chiu2011", "vas"), "direction"] == "benefit"
    assert t.loc[("ali2021", "vas"), "direction"] == "mixed"
    assert t.loc[("ali2021", "vas"), "comparisons"] == 2
    assert t.loc[("dolor2009", "vas"), ["direction", "n", "risk_of_bias"]].tolist() == [
        "no_difference",
        372,
        "some_concerns",
    ]
    # arm rows carry no direction and are not in the table
    assert ("dolor2009", "responder") not in t.index


def test_direction_table_follows_study_filter(ev):
    kept = ev.studies[ev.studies["study_id"] != "chiu2011"]
    t = summaries.direction_table(ev.replace(studies=kept))
    assert "chiu2011" not in set(t["study_id"])


def test_pvalue_table(ev):
    t = summaries.pvalue_table(ev).set_index("result_id")
    assert t.loc["c_vas", "position"] == pytest.approx(-math.log10(0.04))
    assert t.loc["a_vas2", "position"] == pytest.approx(math.log10(0.02))  # harm: left
    assert t.loc["a_vas2", "side"] == -1
    assert t.loc["c_odi", "p_operator"] == "<"
    assert not t.loc["d_vas", "side_known"]
    assert t.loc["c_vas", "n"] == 60  # study participants when the row has no n
    assert "n_vas" not in t.index  # no p-value


def test_forest_table_md_uses_last_timepoint_and_reported_ci(ev):
    t = summaries.forest_table(ev, outcome="vas", measure="MD").set_index("study_id")
    assert t.index.tolist() == ["chiu2011", "nosize2015"]
    assert t.loc["chiu2011", "estimate"] == pytest.approx(3 - 5)
    assert t.loc["chiu2011", "vi"] == pytest.approx(2**2 / 30 + 2.5**2 / 28)
    assert t.loc["chiu2011", "source"] == "arm data"
    assert t.loc["nosize2015", "estimate"] == pytest.approx(-1.0)
    assert t.loc["nosize2015", "ci_low"] == pytest.approx(-2.0)
    assert t.loc["nosize2015", "source"] == "reported estimate"
    assert t["weight"].sum() == pytest.approx(100)
    assert bool(t.loc["chiu2011", "lower_is_better"]) is True


def test_forest_table_ratio_on_natural_scale(ev):
    t = summaries.forest_table(ev, outcome="responder", measure="RR")
    rr = (87 / 187) / (55 / 185)
    assert t["estimate"].iloc[0] == pytest.approx(rr)
    assert t["yi"].iloc[0] == pytest.approx(math.log(rr))
    assert t["ci_low"].iloc[0] < rr < t["ci_high"].iloc[0]
    assert bool(t["lower_is_better"].iloc[0]) is False


def test_forest_table_nothing_computable(ev):
    assert summaries.forest_table(ev, outcome="odi", measure="MD").empty
    assert summaries.forest_table(ev, outcome="walking_distance", measure="MD").empty


def test_pooled_effect(ev):
    one = summaries.forest_table(ev, outcome="responder", measure="RR")
    assert summaries.pooled_effect(one) is None
    two = summaries.forest_table(ev, outcome="vas", measure="MD")
    pooled = summaries.pooled_effect(two)
    assert pooled.k == 2
    assert two["estimate"].min() <= pooled.estimate <= two["estimate"].max()


def test_forest_outcomes(ev):
    t = summaries.forest_outcomes(ev)[["outcome", "measure", "studies", "reviews"]]
    assert t.values.tolist() == [["vas", "MD", 2, 0], ["responder", "RR", 1, 0]]


def test_evidence_map_table(ev):
    t = summaries.evidence_map_table(ev.studies, ev.results).set_index(["route", "outcome"])
    # Chiu (benefit) and Ali (mixed) tie -> mixed
    assert t.loc[("intramuscular", "vas"), ["studies", "participants", "finding"]].tolist() == [
        2,
        556,
        "mixed",
    ]
    # DOLOR no difference on VAS (from results), nosize no difference (study finding)
    assert t.loc[("oral", "vas"), ["studies", "participants", "finding"]].tolist() == [
        2,
        372,
        "no_difference",
    ]
    # a study listing an outcome without a result row is "no result", never its overall finding
    assert t.loc[("oral", "responder"), "finding"] == summaries.NO_RESULT
    assert "mixed" not in t.index.get_level_values("route")  # reviews are not in the map


def test_timeline_table(ev):
    t = summaries.timeline_table(ev.studies)
    assert t["studies"].sum() == len(ev.studies)
    assert t[t["year"] == 2011][["design", "studies", "labels"]].values.tolist() == [
        ["rct", 1, "Chiu 2011"]
    ]


def test_risk_of_bias_table(ev):
    t = summaries.risk_of_bias_table(ev.studies).set_index("study_id")
    assert t.loc["chiu2011", ["blinding_judgement", "risk_of_bias"]].tolist() == ["low", "low"]
    assert t.loc["dolor2009", "blinding_judgement"] == "some_concerns"
    assert t.loc["nosize2015", "blinding_judgement"] == "high"
    assert t.loc["ali2021", "blinding_judgement"] == "not_assessed"
    assert t.loc["review2020", "blinding_judgement"] == "not_applicable"
    assert list(t.index) == [  # by year
        "dolor2009",
        "chiu2011",
        "nosize2015",
        "rat2018",
        "review2020",
        "ali2021",
    ]


def test_study_table_says_not_reported(ev):
    t = summaries.study_table(ev.studies).set_index("Study")
    assert t.loc["Nosize 2015", "Enrolled"] == "not reported"
    assert t.loc["Chiu 2011", "Analysed"] == "58"
    assert t.loc["Chiu 2011", "Design"] == "RCT"
    assert t.loc["Ali 2021", "B12 form"] == "not reported"
    assert all(isinstance(v, str) for v in t.to_numpy().ravel())


def test_summaries_never_mutate(ev):
    before = _frames(ev)
    s, r = ev.studies, ev.results
    summaries.sample_sizes(s)
    summaries.totals_by(s, by="design")
    summaries.review_sizes(s)
    summaries.route_form_counts(s)
    summaries.direction_table(ev)
    summaries.pvalue_table(ev)
    summaries.forest_table(ev, outcome="vas", measure="MD")
    summaries.forest_outcomes(ev)
    summaries.evidence_map_table(s, r)
    summaries.timeline_table(s)
    summaries.risk_of_bias_table(s)
    summaries.study_table(s)
    pd.testing.assert_frame_equal(s, before["studies"])
    pd.testing.assert_frame_equal(r, before["results"])


def test_empty_selection_gives_empty_tables(ev):
    s, r = ev.studies.iloc[:0], ev.results
    for table in (
        summaries.sample_sizes(s),
        summaries.totals_by(s),
        summaries.review_sizes(s),
        summaries.route_form_counts(s),
        summaries.direction_table(ev.replace(studies=s)),
        summaries.pvalue_table(ev.replace(studies=s)),
        summaries.forest_table(ev.replace(studies=s), outcome="vas"),
        summaries.forest_outcomes(ev.replace(studies=s)),
        summaries.evidence_map_table(s, r),
        summaries.timeline_table(s),
    ):
        assert table.empty
        assert len(table.columns) > 0


def test_format_count():
    assert summaries.format_count(1126) == "1,126"
    assert summaries.format_count(np.nan) == "not reported"
    assert summaries.format_count(pd.NA) == "not reported"


def test_summaries_does_not_import_matplotlib():
    code = "import sys, b12explore.summaries; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------------ calling convention
@pytest.mark.parametrize(
    "call",
    [
        lambda s, r: summaries.direction_table(s),
        lambda s, r: summaries.pvalue_table(r),
        lambda s, r: summaries.forest_table(r, outcome="vas"),
        lambda s, r: summaries.forest_outcomes(r),
    ],
    ids=["direction_table", "pvalue_table", "forest_table", "forest_outcomes"],
)
def test_multi_table_functions_take_the_evidence_not_a_frame(ev, call):
    with pytest.raises(TypeError, match=r"takes the Evidence first .* got DataFrame"):
        call(ev.studies, ev.results)


def test_options_are_keyword_only_and_checked(ev):
    with pytest.raises(TypeError):
        summaries.totals_by(ev.studies, "route")  # by= is keyword-only
    with pytest.raises(ValueError, match="by: 'desgin' is not one of .*did you mean 'design'"):
        summaries.totals_by(ev.studies, by="desgin")
    with pytest.raises(ValueError, match="by: 'rout' .*did you mean 'route'"):
        summaries.sample_sizes(ev.studies, by="rout")
    with pytest.raises(ValueError, match="measure: 'enroled' .*did you mean 'enrolled'"):
        summaries.sample_sizes(ev.studies, measure="enroled")
    with pytest.raises(ValueError, match="measure: 'RRR' .*did you mean 'RR'"):
        summaries.forest_table(ev, outcome="vas", measure="RRR")


def test_forest_table_accepts_a_measure_only_the_descriptor_knows(ev):
    assert "HR" in ev.vocab.codes("effect_measure")
    assert summaries.forest_table(ev, outcome="vas", measure="HR").empty  # no HR reported


def test_one_list_of_ratio_measures():
    from b12explore import meta

    assert summaries.RATIO_MEASURES is meta.RATIO_MEASURES
    assert set(summaries.RATIO_MEASURES) == {"RR", "OR", "HR"}


def test_importing_summaries_does_not_import_scipy():
    # summaries takes meta's RATIO_MEASURES; meta's numerical modules load on first use
    code = "import sys, b12explore.summaries; print('scipy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
