"""FilterState, apply_filters and describe, on a small hand-built evidence folder."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest
from evidence_factory import DESCRIPTOR, sample_rows, write_evidence

from b12explore import load
from b12explore.filters import (
    CODED,
    FilterState,
    apply_filters,
    describe,
    filter_codes,
    kept_study_ids,
)


@pytest.fixture(scope="module")
def evidence(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evidence")
    return load(write_evidence(folder, *sample_rows()))


def ids(ev):
    return sorted(ev.studies["study_id"].astype(str))


def test_accepted_codes_are_the_descriptor_enumerations(evidence):
    descriptor = json.loads(DESCRIPTOR.read_text(encoding="utf-8"))
    fields = {
        (res["name"], f["name"]): tuple(f.get("constraints", {}).get("enum", ()))
        for res in descriptor["resources"]
        for f in res["schema"]["fields"]
    }
    for name, (field, table) in CODED.items():
        assert filter_codes(evidence.vocab, name) == fields[(table, field)], name


def test_default_state_filters_nothing(evidence):
    assert FilterState().is_default()
    assert apply_filters(evidence, FilterState()) is evidence
    assert describe(FilterState()) == "all studies"


def test_state_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        FilterState().min_n = 3


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"routes": ("oral",)}, ["ahmed2021", "waikakul2000"]),
        ({"routes": ("oral", "mixed")}, ["ahmed2021", "buesing2015", "waikakul2000"]),
        ({"forms": ("methylcobalamin",)}, ["ahmed2021", "waikakul2000"]),
        ({"designs": ("meta_analysis", "non_randomised")}, ["ahmed2021", "buesing2015"]),
        ({"year_range": (2000, 2011)}, ["chiu2011", "mauro2000", "waikakul2000"]),
        ({"year_range": (2021, 2021)}, ["ahmed2021"]),
        ({"min_n": 100}, ["ahmed2021", "buesing2015", "waikakul2000"]),
        ({"deficiency_required": "yes"}, ["ahmed2021"]),
        ({"deficiency_required": "not_reported"}, ["buesing2015"]),
        ({"other_b_vitamins": "with"}, ["ahmed2021", "buesing2015"]),
        (
            {"other_b_vitamins": "without"},
            ["anon1999", "chiu2011", "mauro2000", "waikakul2000"],
        ),
        ({"co_interventions": "with"}, ["ahmed2021"]),
        ({"risk_of_bias": ("low", "high")}, ["ahmed2021", "mauro2000"]),
        ({"outcome": "odi"}, ["ahmed2021"]),
        ({"outcome": "therapy_duration"}, ["mauro2000"]),
        ({"text": "LOW back"}, ["mauro2000"]),
        ({"text": "chiu"}, ["chiu2011"]),
        ({"text": "stenosis methylcobalamin"}, ["waikakul2000"]),
        ({"text": "stenosis placebo"}, []),
        ({"routes": ("oral",), "min_n": 130}, ["waikakul2000"]),
    ],
)
def test_each_filter_keeps_the_expected_studies(evidence, values, expected):
    state = FilterState.from_values(**values)
    assert ids(apply_filters(evidence, state)) == expected
    assert sorted(kept_study_ids(evidence, state)) == expected


def test_co_interventions_without_excludes_not_reported(evidence):
    # mauro2000 has no co_interventions recorded: it passes only "any"
    kept = ids(apply_filters(evidence, FilterState(co_interventions="without")))
    assert "mauro2000" not in kept
    assert "ahmed2021" not in kept
    assert "chiu2011" in kept


def test_min_n_drops_studies_without_a_reported_size(evidence):
    kept = ids(apply_filters(evidence, FilterState(min_n=1)))
    assert "anon1999" not in kept and len(kept) == 5


def test_results_and_claims_follow_the_kept_studies(evidence):
    out = apply_filters(evidence, FilterState(routes=("intramuscular",)))
    assert set(out.results["study_id"]) == {"chiu2011", "mauro2000"}
    assert len(out.results) == 3
    # claim c2 (ahmed2021) dropped; c3 is not linked to a study and stays
    assert sorted(out.claims["claim_id"]) == ["c1", "c3"]
    # the non-study tables are passed through unchanged
    assert out.delivery_routes is evidence.delivery_routes
    assert out.food_sources is evidence.food_sources


def test_outcome_also_restricts_results_rows(evidence):
    out = apply_filters(evidence, FilterState(outcome="vas"))
    assert set(out.results["outcome"]) == {"vas"}
    assert ids(out) == ["ahmed2021", "chiu2011", "mauro2000"]


def test_apply_filters_never_mutates_its_input(evidence):
    before = {name: getattr(evidence, name).copy() for name in ("studies", "results", "claims")}
    apply_filters(evidence, FilterState(routes=("oral",), text="x", min_n=5))
    for name, frame in before.items():
        pd.testing.assert_frame_equal(getattr(evidence, name), frame)


def test_filtered_frames_keep_their_dtypes(evidence):
    out = apply_filters(evidence, FilterState(routes=("oral",)))
    assert out.studies.dtypes.equals(evidence.studies.dtypes)
    assert isinstance(out.studies["route"].dtype, pd.CategoricalDtype)


def test_from_values_normalises():
    state = FilterState.from_values(
        routes="oral",
        forms=["mixed", "methylcobalamin", "mixed"],
        year_range=[2001, 2010],
        other_b_vitamins=True,
        co_interventions=None,
        outcome="any",
        deficiency_required="any",
        text="  low   back ",
    )
    assert state.routes == ("oral",)
    assert state.forms == ("mixed", "methylcobalamin")  # no duplicates
    assert state.year_range == (2001, 2010)
    assert state.other_b_vitamins == "with"
    assert state.co_interventions == "any"
    assert state.outcome is None and state.deficiency_required is None
    assert state.text == "low back"
    assert FilterState.from_values(routes=["oral"]) == FilterState.from_values(routes="oral")


def test_a_single_string_is_one_code_never_its_letters(evidence):
    # the constructor itself normalises (issue 13: "oral" used to filter by o, r, a, l)
    assert FilterState(routes="oral").routes == ("oral",)
    assert FilterState(designs="rct", forms="any").forms == ()
    kept = ids(apply_filters(evidence, FilterState(routes="oral")))
    assert kept == ["ahmed2021", "waikakul2000"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"routes": 5}, "filter routes: 5 is not a code or a list of codes"),
        ({"designs": ["rct", 3]}, "filter designs: 3 is not a code (a string)"),
        ({"outcome": 1}, "filter outcome: 1 is not a code (a string)"),
        ({"min_n": -1}, "filter min_n: -1 is not a whole number >= 0"),
        ({"co_interventions": "wiht"}, "did you mean 'with'?"),
        ({"year_range": (2020, 2000)}, "first year 2020 is after last year 2000"),
    ],
)
def test_the_constructor_checks_every_value(values, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        FilterState(**values)


def test_codes_are_checked_against_the_evidence_vocabulary(evidence):
    state = FilterState(routes=("oral", "intramuscular"), outcome="odi")
    checked = state.checked(evidence.vocab)
    assert checked.routes == ("intramuscular", "oral")  # descriptor order
    assert checked.checked(evidence.vocab) is checked
    message = (
        "filter routes: 'oarl' is not one of intramuscular, oral, intravenous, sublingual, "
        "mixed, not_reported; did you mean 'oral'?"
    )
    for call in (
        lambda: FilterState(routes="oarl").checked(evidence.vocab),
        lambda: apply_filters(evidence, FilterState(routes="oarl")),
        lambda: kept_study_ids(evidence, FilterState(routes="oarl")),
    ):
        with pytest.raises(ValueError) as info:
            call()
        assert str(info.value) == message
    with pytest.raises(ValueError, match="filter outcome: 'pian' is not one of any, vas"):
        apply_filters(evidence, FilterState(outcome="pian"))


def test_masks_match_a_row_by_row_reading(evidence):
    """The cached masks give what a plain reading of each row gives."""
    studies = evidence.studies
    rows = studies.astype(object).where(studies.notna(), None).to_dict("records")
    checks = {
        FilterState(routes=("oral", "mixed")): lambda r: r["route"] in ("oral", "mixed"),
        FilterState(min_n=100): lambda r: r["n_enrolled"] is not None and r["n_enrolled"] >= 100,
        FilterState(year_range=(2000, 2011)): lambda r: 2000 <= r["year"] <= 2011,
        FilterState(other_b_vitamins="without"): lambda r: r["other_b_vitamins"] is False,
        FilterState(text="back"): lambda r: "back" in (r["title"] + r["label"]).lower(),
    }
    for state, keep in checks.items():
        expected = sorted(r["study_id"] for r in rows if keep(r))
        assert ids(apply_filters(evidence, state)) == expected, state
    # the index is kept per evidence, and a state applied twice gives equal frames
    first = apply_filters(evidence, FilterState(outcome="vas"))
    again = apply_filters(evidence, FilterState(outcome="vas"))
    pd.testing.assert_frame_equal(first.results, again.results)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"route": "oral"}, "unknown filter 'route'; valid filters: routes"),
        ({"year_range": (2020, 2000)}, "first year 2020 is after last year 2000"),
        ({"year_range": 2020}, "not a (first_year, last_year) pair"),
        ({"min_n": -1}, "filter min_n: -1 is not a whole number >= 0"),
        ({"min_n": 2.5}, "filter min_n: 2.5"),
        ({"min_n": "10"}, "filter min_n: '10'"),
        ({"co_interventions": "maybe"}, "is not one of any, with, without"),
        ({"text": 3}, "filter text: 3 is not a string"),
    ],
)
def test_from_values_rejects_bad_input_clearly(values, message):
    error = TypeError if "unknown" in message else ValueError
    with pytest.raises(error) as info:
        FilterState.from_values(**values)
    assert message in str(info.value)


def test_replace_validates_and_active_lists_changes():
    state = FilterState().replace(min_n=20, routes="oral")
    assert state.active() == {"routes": ("oral",), "min_n": 20}
    with pytest.raises(ValueError):
        state.replace(min_n="pill")


def test_describe_names_every_active_filter():
    state = FilterState.from_values(
        routes=("intramuscular", "oral"),
        forms="methylcobalamin",
        designs="rct",
        year_range=(2000, 2020),
        min_n=1500,
        deficiency_required="no",
        other_b_vitamins="without",
        co_interventions="with",
        outcome="walking_distance",
        risk_of_bias=("low",),
        text="back pain",
    )
    assert describe(state) == (
        "route: intramuscular, oral; B12 form: methylcobalamin; design: RCT; "
        "years 2000-2020; at least 1,500 enrolled; deficiency required: no; "
        "without other B vitamins; with co-interventions; outcome: walking distance; "
        'risk of bias: low; text: "back pain"'
    )
    assert "\n" not in describe(state)
