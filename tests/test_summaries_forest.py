"""summaries.forest: the explorer's forest choice, and effects of a selection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from b12explore import load, summaries
from b12explore.filters import FilterState, apply_filters
from b12explore.summaries.forest import (
    forest_choice,
    forest_measures,
    forest_selection,
    forest_view,
)


@pytest.fixture(scope="module")
def ev():
    return load()


def test_measures_follow_the_forest_outcomes_order():
    rows = pd.DataFrame(
        {"mean": [1.0, None], "events": [None, 3], "effect_measure": ["OR", "SMD"]}
    )
    assert forest_measures(rows) == ["MD", "RR", "OR"]
    assert forest_measures(rows.iloc[:0]) == []


def test_choice_is_the_selected_outcome_or_the_best_covered(ev):
    assert forest_choice(ev, outcome="responder") == ("responder", "RR")
    outcome, measure = forest_choice(ev)
    listed = summaries.forest_outcomes(ev)
    assert outcome in set(listed["outcome"])
    assert measure in set(listed.loc[listed["outcome"] == outcome, "measure"])
    assert forest_choice(ev, outcome="no_such_outcome") is None


def test_selection_of_the_whole_table_equals_a_fresh_table(ev):
    state = FilterState(routes=("intramuscular", "oral"))
    filtered = apply_filters(ev, state)
    outcome, measure = forest_choice(filtered)

    def full(o, m):
        return summaries.forest_table(ev, outcome=o, measure=m)

    direct, pooled = forest_view(filtered)
    cached, pooled_cached = forest_view(filtered, full=full)
    assert len(direct)
    pd.testing.assert_frame_equal(direct.reset_index(drop=True), cached.reset_index(drop=True))
    if pooled is not None:
        assert pooled_cached.estimate == pytest.approx(pooled.estimate)
    assert set(direct["outcome"]) == {outcome} and set(direct["measure"]) == {measure}


def test_review_rows_keep_no_weight_and_study_weights_sum_to_100():
    table = pd.DataFrame(
        {
            "study_id": ["a", "b", "c", "r"],
            "label": ["A", "B", "C", "R"],
            "yi": [0.1, 0.3, 0.2, 0.2],
            "vi": [0.01, 0.02, 0.04, 0.02],
            "kind": ["study", "study", "study", "review"],
        }
    )
    effects, pooled = forest_selection(table, ["a", "c", "r"])
    assert effects["study_id"].tolist() == ["a", "c", "r"]
    study = (effects["kind"] == "study").to_numpy()
    assert np.isnan(effects.loc[~study, "weight"].astype(float)).all()
    assert effects.loc[study, "weight"].sum() == pytest.approx(100.0)
    assert pooled.k == 2 and pooled.ci == "hksj"
    assert effects["weight"].iloc[0] > effects["weight"].iloc[1]  # smaller variance, heavier
