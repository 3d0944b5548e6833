"""BibTeX and RIS for the studies shown: keys, fields present, escaping, nothing invented."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from b12explore.export.citations import (
    bibtex_escape,
    citation_keys,
    reference,
    references_for,
    to_bibtex,
    to_ris,
)


@pytest.fixture
def studies() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "study_id": ["mauro2000", "mauro2000b", "chiu2011", "anon"],
            "label": ["Mauro 2000", "Mauro 2000b", "Chiu 2011", "Anonymous"],
            "first_author": ["Mauro GL", "Mauro GL", "Chiu CK", np.nan],
            "year": pd.array([2000, 2000, 2011, None], dtype="Int64"),
            "title": [
                "Vitamin B12 in low back pain: a randomised, double-blind trial",
                "B12 & pain: 50% better_{sic} #1 ~ ^",
                "Methylcobalamin injections",
                "Untitled report",
            ],
            "journal": ["Eur Rev Med Pharmacol Sci", "J $Test", np.nan, np.nan],
            "doi": [np.nan, "10.1000/a_b{c}", "10.1000/chiu.2011", np.nan],
            "pmid": ["10710842", np.nan, np.nan, np.nan],
            "source_url": [
                "https://pubmed.ncbi.nlm.nih.gov/10710842/ | https://example.org/a_b",
                np.nan,
                "https://example.org/chiu?x=1&y=2%20",
                np.nan,
            ],
            "design": ["rct", "rct", "rct", "narrative_review"],
        }
    )


def entries(bib: str) -> list[str]:
    return [e for e in bib.split("\n\n") if e.strip()]


def test_keys_are_surname_year_and_unique(studies):
    keys = citation_keys(studies)
    assert keys == ["Mauro2000a", "Mauro2000b", "Chiu2011", "anon"]
    assert len(set(keys)) == len(keys)


def test_key_letters_continue_past_z():
    df = pd.DataFrame({"first_author": ["Li"] * 28, "year": [2020] * 28})
    keys = citation_keys(df)
    assert keys[25:] == ["Li2020z", "Li2020aa", "Li2020ab"]
    assert len(set(keys)) == 28


def test_bibtex_entries_carry_the_fields_present(studies):
    bib = to_bibtex(studies)
    items = entries(bib)
    assert len(items) == 4
    assert items[0].startswith("@article{Mauro2000a,")
    assert "  pmid = {10710842}," in items[0]
    assert "  url = {https://pubmed.ncbi.nlm.nih.gov/10710842/}," in items[0]
    assert r"  note = {Also at: https://example.org/a\_b}," in items[0]
    assert "doi" not in items[0]  # missing, not invented
    assert items[2].startswith("@misc{Chiu2011,")  # no journal
    assert "  doi = {10.1000/chiu.2011}," in items[2]
    assert "journal" not in items[2]
    assert items[3].startswith("@misc{anon,")
    assert "author" not in items[3] and "year" not in items[3]
    assert "  year = {2000}," in items[0]  # Int64 year written as an integer


def test_bibtex_escapes_special_characters(studies):
    entry = entries(to_bibtex(studies))[1]
    assert r"title = {B12 \& pain: 50\% better\_\{sic\} \#1 \textasciitilde{} " in entry
    assert r"\textasciicircum{}}" in entry
    assert r"journal = {J \$Test}" in entry
    # doi is verbatim in BibTeX: braces are percent-encoded, not backslash-escaped
    assert "doi = {10.1000/a_b%7Bc%7D}" in entry


def test_bibtex_braces_balance_in_every_entry(studies):
    for entry in entries(to_bibtex(studies)):
        unescaped = re.sub(r"\\[{}]", "", entry)
        assert unescaped.count("{") == unescaped.count("}")


def test_bibtex_escape_handles_backslash_first():
    assert bibtex_escape(r"a\b{") == r"a\textbackslash{}b\{"


def test_values_are_one_line():
    df = pd.DataFrame({"first_author": ["X"], "title": ["two\nlines\r\nhere"], "year": [1]})
    assert "title = {two lines here}" in to_bibtex(df)
    assert "TI  - two lines here" in to_ris(df)


def test_ris_records(studies):
    ris = to_ris(studies)
    records = [r for r in ris.split("\n\n") if r.strip()]
    assert len(records) == 4
    first = records[0].splitlines()
    assert first[0] == "TY  - JOUR"
    assert first[-1] == "ER  -"
    assert "AU  - Mauro GL" in first
    assert "PY  - 2000" in first
    assert "AN  - 10710842" in first
    assert "UR  - https://pubmed.ncbi.nlm.nih.gov/10710842/" in first
    assert "UR  - https://example.org/a_b" in first
    assert not any(line.startswith("DO  -") for line in first)
    assert "DO  - 10.1000/chiu.2011" in records[2]
    assert "UR  - https://example.org/chiu?x=1&y=2%20" in records[2]
    assert records[3].splitlines()[0] == "TY  - GEN"
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - ?.*", line) for line in ris.splitlines() if line)


def test_reference_and_lookup(studies):
    row = studies.iloc[0]
    assert reference(row) == (
        "Mauro GL (2000). Vitamin B12 in low back pain: a randomised, double-blind trial. "
        "Eur Rev Med Pharmacol Sci. PMID: 10710842"
    )
    refs = references_for(studies, ["Chiu 2011", "mauro2000", "Nobody 1990"])
    assert refs[0] == "Chiu CK (2011). Methylcobalamin injections. doi:10.1000/chiu.2011"
    assert refs[1].startswith("Mauro GL (2000).")
    assert refs[2] == "Nobody 1990"


def test_reference_does_not_repeat_the_year_of_a_label():
    row = pd.Series({"label": "DOLOR 2009", "first_author": None, "year": 2009, "title": "T"})
    assert reference(row) == "DOLOR 2009. T"


def test_empty_studies_give_empty_text():
    empty = pd.DataFrame(columns=["study_id", "first_author", "year"])
    assert to_bibtex(empty) == ""
    assert to_ris(empty) == ""


def test_citations_carry_every_author_volume_issue_and_pages():
    df = pd.DataFrame(
        {
            "study_id": ["chiu2011"],
            "first_author": ["Chiu"],
            "authors": ["Chiu, CK; Low, TH; Tey, YS"],
            "year": [2011],
            "title": ["Methylcobalamin injections"],
            "journal": ["Singapore Medical Journal"],
            "volume": ["52"],
            "issue": ["12"],
            "pages": ["868-873"],
            "doi": ["10.1/x"],
            "pmid": ["22173259"],
            "source_url": ["https://a.org/1 | https://b.org/2"],
        }
    )
    bib = to_bibtex(df)
    assert "author = {Chiu, CK and Low, TH and Tey, YS}" in bib
    assert "volume = {52}" in bib and "number = {12}" in bib
    assert "pages = {868--873}" in bib
    ris = to_ris(df).splitlines()
    assert ["AU  - Chiu, CK", "AU  - Low, TH", "AU  - Tey, YS"] == [
        line for line in ris if line.startswith("AU")
    ]
    for line in ("VL  - 52", "IS  - 12", "SP  - 868", "EP  - 873", "DO  - 10.1/x"):
        assert line in ris
    assert "AN  - 22173259" in ris and "UR  - https://b.org/2" in ris
    import rispy

    (back,) = rispy.loads(to_ris(df))  # the RIS reads back with the same library
    assert back["authors"] == ["Chiu, CK", "Low, TH", "Tey, YS"]
