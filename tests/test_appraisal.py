"""RoB 2, ROBINS-I, AMSTAR 2 and GRADE rules (table-driven) and the shipped data against them."""

from __future__ import annotations

import pandas as pd
import pytest

from b12explore import appraisal, load, summaries

L, S, H = "low", "some_concerns", "high"


@pytest.mark.parametrize(
    ("domains", "expected"),
    [
        ([L, L, L, L, L], L),
        ([S, L, L, L, L], S),
        ([S, S, L, L, L], S),
        ([S, S, S, L, L], H),  # several some-concerns substantially lower confidence
        ([L, L, L, L, H], H),
        ([H, S, S, S, S], H),
    ],
)
def test_rob2_overall_follows_the_published_algorithm(domains, expected):
    assert appraisal.rob2_overall(domains) == expected


def test_rob2_threshold_is_a_documented_parameter():
    assert appraisal.rob2_overall([S, S, S, L, L], several_concerns=4) == S


@pytest.mark.parametrize(
    ("domains", "expected"),
    [
        (["low"] * 7, "low"),
        (["low"] * 6 + ["moderate"], "moderate"),
        (["low", "moderate", "no_information"], "no_information"),
        (["moderate", "serious", "no_information"], "serious"),
        (["serious", "critical", "low"], "critical"),
    ],
)
def test_robins_i_overall_is_the_most_severe_domain(domains, expected):
    assert appraisal.robins_i_overall(domains) == expected


def _items(**answers):
    base = {i: "yes" for i in appraisal.AMSTAR2_ITEMS}
    base.update(answers)
    return base


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (_items(), "high"),
        (_items(item01="no"), "high"),  # one non-critical weakness
        (_items(item01="no", item03="no"), "moderate"),
        (_items(item02="no"), "low"),
        (_items(item02="no", item15="no"), "critically_low"),
        (_items(item04="cannot_tell", item07="cannot_tell"), "critically_low"),
        (_items(item04="partial_yes"), "high"),
    ],
)
def test_amstar2_overall(answers, expected):
    assert appraisal.amstar2_overall(answers) == expected


def test_amstar2_unverified_items_can_be_left_uncounted():
    answers = _items(item04="cannot_tell", item07="cannot_tell")
    assert appraisal.amstar2_overall(answers, unverified_as_flaw=False) == "high"


@pytest.mark.parametrize(
    ("randomised", "downgrades", "upgrades", "expected"),
    [
        (True, [0, 0, 0, 0, 0], 0, "high"),
        (True, [-1, 0, 0, 0, 0], 0, "moderate"),
        (True, [-1, 0, 0, -1, 0], 0, "low"),
        (True, [-1, 0, 0, -2, 0], 0, "very_low"),
        (True, [-2, -2, -2, -2, -2], 0, "very_low"),  # floor
        (True, [0, 0, 0, 0, 0], 2, "high"),  # no upgrade for randomised evidence
        (False, [0, 0, 0, 0, 0], 0, "low"),
        (False, [0, 0, 0, 0, 0], 1, "moderate"),
        (False, [0, 0, 0, 0, 0], 2, "high"),
        (False, [-1, 0, 0, 0, 0], 2, "very_low"),  # upgrades ignored after a RoB downgrade
    ],
)
def test_grade_level(randomised, downgrades, upgrades, expected):
    assert appraisal.grade_level(randomised, downgrades, upgrades) == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: appraisal.rob2_overall(["low", "moderate"]),
        lambda: appraisal.robins_i_overall(["some_concerns"]),
        lambda: appraisal.amstar2_overall({"item99": "yes"}),
        lambda: appraisal.grade_level(True, [-3, 0, 0, 0, 0]),
        lambda: appraisal.grade_level(True, {"risk": -1}),
    ],
)
def test_unknown_values_are_refused(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize(
    ("design", "comparison", "tool"),
    [
        ("rct", "b12_vs_placebo", "RoB 2"),
        ("rct", "bvit_nsaid_vs_nsaid", "RoB 2"),
        ("non_randomised", "b12_cotreatment_vs_cotreatment", "ROBINS-I"),
        ("observational", "bvit_nsaid_vs_nsaid", "ROBINS-I"),
        ("non_randomised", "single_group", None),  # no comparison to appraise
        ("systematic_review", "several", "AMSTAR 2"),
        ("meta_analysis", "bvit_nsaid_vs_nsaid", "AMSTAR 2"),
        ("narrative_review", "not_applicable", None),
        ("animal", None, None),
    ],
)
def test_appraisal_tool_follows_the_design(design, comparison, tool):
    got, reason = appraisal.appraisal_tool(design, comparison)
    assert got == tool
    assert (reason == "") == (tool is not None)


@pytest.mark.parametrize(
    ("tool", "overall", "expected"),
    [
        ("RoB 2", "low", "low"),
        ("RoB 2", "some_concerns", "some_concerns"),
        ("RoB 2", "high", "high"),
        ("ROBINS-I", "low", "low"),
        ("ROBINS-I", "moderate", "some_concerns"),
        ("ROBINS-I", "serious", "high"),
        ("ROBINS-I", "critical", "high"),
        ("ROBINS-I", "no_information", "not_assessed"),
        ("AMSTAR 2", "high", "not_assessed"),  # confidence in a review, not risk of bias
        (None, None, "not_assessed"),
        ("RoB 2", None, "not_assessed"),
    ],
)
def test_study_risk_of_bias_from_the_overall_judgement(tool, overall, expected):
    assert appraisal.study_risk_of_bias(tool, overall) == expected


def test_study_risk_of_bias_refuses_an_unknown_overall_and_design():
    with pytest.raises(ValueError, match="ROBINS-I"):
        appraisal.study_risk_of_bias("ROBINS-I", "some_concerns")  # an RoB 2 code
    with pytest.raises(ValueError, match="design"):
        appraisal.appraisal_tool("case_report")


# ------------------------------------------------------------------ the shipped data


@pytest.fixture(scope="module")
def evidence():
    return load()


def test_every_stored_overall_judgement_equals_the_computed_one(evidence):
    table = summaries.risk_of_bias_overall(evidence)
    assert set(table["tool"]) == {"RoB 2", "ROBINS-I", "AMSTAR 2"}
    assert table["stored"].notna().all()
    assert summaries.overall_mismatches(evidence) == []


def test_a_changed_domain_makes_the_stored_overall_wrong(evidence):
    rob2 = summaries.optional_table(evidence, "rob2").copy()
    rob2["judgement"] = rob2["judgement"].astype(object)
    rob2.loc[
        (rob2["study_id"] == "dolor2009") & (rob2["domain"] == "d2_deviations"), "judgement"
    ] = "high"

    class Edited:
        studies, descriptor = evidence.studies, evidence.descriptor

        def table(self, name):
            return rob2 if name == "rob2" else summaries.optional_table(evidence, name)

    assert any("dolor2009" in m for m in summaries.overall_mismatches(Edited()))


def test_every_judgement_has_support_source_and_basis(evidence):
    for name in ("rob2", "robins_i", "amstar2", "review_inclusions", "certainty"):
        t = summaries.optional_table(evidence, name)
        assert len(t), name
        assert t["source_url"].str.startswith("http").all(), name
        assert t["basis"].notna().all(), name
    for name in ("rob2", "robins_i", "amstar2"):
        t = summaries.optional_table(evidence, name)
        assert (t["support"].str.len() > 20).all(), name


def test_rob_tools_match_design(evidence):
    design = dict(
        zip(evidence.studies["study_id"], evidence.studies["design"].astype(str), strict=True)
    )
    assert {design[s] for s in summaries.optional_table(evidence, "rob2")["study_id"]} == {"rct"}
    robins = summaries.optional_table(evidence, "robins_i")["study_id"]
    assert {design[s] for s in robins} <= {"non_randomised", "observational"}
    amstar = summaries.optional_table(evidence, "amstar2")["review_id"]
    assert {design[s] for s in amstar} <= {"systematic_review", "meta_analysis"}


def test_certainty_level_is_computed_from_the_domains(evidence):
    t = summaries.certainty_table(evidence)
    assert len(t) >= 5
    assert (t["certainty"] == t["computed"]).all(), t[["certainty_id", "certainty", "computed"]]
    for d in appraisal.GRADE_DOMAINS:
        assert (t[f"{d}_reason"].str.len() > 10).all(), d


def test_certainty_numbers_come_from_the_tables_not_typed(evidence):
    t = summaries.certainty_table(evidence).set_index("certainty_id")
    dolor = t.loc["bvit_nsaid_response"]
    assert dolor["participants"] == 372
    assert dolor["measure"] == "RR"
    assert dolor["estimate"] == pytest.approx((87 / 187) / (55 / 185))
    assert dolor["ci_low"] < dolor["estimate"] < dolor["ci_high"]
    assert t.loc["b12_placebo_pain", "relative_effect"] == "not estimable"
    assert t.loc["b12_placebo_pain", "participants"] == 120


def test_summary_of_findings_is_escaped(evidence):
    html = summaries.summary_of_findings_styled(evidence).to_html()
    assert "⊕" in html
    assert "<script" not in html
    frame = summaries.summary_of_findings(evidence)
    assert list(frame.columns)[-1] == "What this means"
    assert frame["Certainty"].str.contains("Very low|Low").all()


def test_claims_link_to_certainty(evidence):
    t = summaries.claims_certainty(evidence)
    linked = t.dropna(subset=["certainty"])
    assert {"chiu2011"} <= set(linked["study_id"])
    assert set(t["claim_id"]) == set(evidence.claims["claim_id"])


def test_clinical_questions_answer_from_the_tables(evidence):
    t = summaries.clinical_questions(evidence)
    oral = t[t["question"] == "Does oral B12 help?"]
    assert set(oral["comparison"]) == {"bvit_nsaid_vs_nsaid"}  # no trial of oral B12 alone
    no_def = t[t["question"].str.contains("without B12 deficiency")]
    assert set(no_def["studies"].str.contains("Mauro 2000")) == {True}
    assert isinstance(pd.DataFrame(t), pd.DataFrame)


def test_new_body_of_evidence_and_single_group_studies_rate_nothing(evidence):
    t = summaries.certainty_table(evidence).set_index("certainty_id")
    rad = t.loc["bvit_nsaid_radiculopathy"]
    assert rad["participants"] == 120  # Maksimov 2020 only: Levin's results were not readable
    assert rad["relative_effect"] == "not estimable"
    assert rad["computed"] == "very_low"
    rated = {s for ids in t["study_ids"] for s in str(ids).split(";")}
    studies = evidence.studies
    single = set(studies.loc[studies["comparison"] == "single_group", "study_id"])
    assert single and not single & rated  # a single group answers no comparative question
