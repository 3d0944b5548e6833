"""Tests for b12explore/claims.py: verdict tables of the article's claims."""

from __future__ import annotations

import pandas as pd
import pytest
from evidence_factory import study, write_evidence

from b12explore import claims, load


def _claims(rows):
    return pd.DataFrame(
        rows, columns=["claim_id", "claim", "detail", "study_id", "verdict", "note"]
    )


@pytest.fixture
def evidence(tmp_path):
    rows = [
        {"claim_id": "a_year", "claim": "Claim A", "detail": "year", "study_id": "s1",
         "verdict": "supported", "note": "2011", "source_url": "https://example.org/a"},
        {"claim_id": "a_n", "claim": "Claim A", "detail": "sample_size", "study_id": "s1",
         "verdict": "misattributed", "note": "n belongs to s2", "source_url": "https://example.org/a"},
        {"claim_id": "b_x", "claim": "Claim B", "detail": "other", "study_id": "",
         "verdict": "partly_supported", "note": "half", "source_url": "https://example.org/b"},
    ]  # fmt: skip
    folder = write_evidence(tmp_path / "d", [study("s1", 2011, label="Smith 2011")], claims=rows)
    return load(folder)


def test_verdict_counts_lists_every_verdict_in_schema_order(evidence):
    table = claims.verdict_counts(evidence.claims)
    assert table["verdict"].tolist() == list(evidence.vocab.codes("verdict", "claims"))
    assert table["details"].tolist() == [1, 1, 0, 1, 0]
    assert table["percent"].tolist() == [33.3, 33.3, 0.0, 33.3, 0.0]


def test_verdict_counts_of_no_claims_is_all_zero():
    table = claims.verdict_counts(_claims([]))
    assert table["details"].sum() == 0
    assert table["percent"].tolist() == [0.0] * 5


def test_claim_overall_verdict_is_the_weakest_detail(evidence):
    table = claims.claim_verdicts(evidence.claims)
    assert table["claim"].tolist() == ["Claim A", "Claim B"]
    assert table["details"].tolist() == [2, 1]
    assert table["overall"].tolist() == ["misattributed", "partly_supported"]
    assert table.loc[0, "supported"] == 1 and table.loc[0, "misattributed"] == 1


def test_claims_table_names_sources_and_marks_missing(evidence):
    table = claims.claims_table(evidence.claims, evidence.studies)
    assert table.columns.tolist() == ["Claim", "Detail", "Source", "Verdict", "Why"]
    assert table["Source"].tolist() == ["Smith 2011", "Smith 2011", "not reported"]
    assert table["Detail"].tolist() == ["year", "sample size", "other"]
    assert table["Verdict"].tolist() == ["supported", "misattributed", "partly supported"]


def test_functions_do_not_mutate_their_input(evidence):
    before = evidence.claims.copy()
    claims.verdict_counts(evidence.claims)
    claims.claim_verdicts(evidence.claims)
    claims.claims_table(evidence.claims, evidence.studies)
    pd.testing.assert_frame_equal(evidence.claims, before)


def test_shipped_claims_cover_the_three_cited_studies():
    shipped = load().claims
    table = claims.claim_verdicts(shipped)
    assert table["details"].sum() == len(shipped)
    assert {"chiu2011", "ali2021", "julian2020"} <= set(shipped["study_id"].dropna())
