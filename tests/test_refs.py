"""import-refs: RIS, BibTeX and PubMed files become candidate rows, de-duplicated;
broken files say what is wrong and write nothing. References here are made up."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from b12explore import export_citations, load
from b12explore.cli import main
from b12explore.refs import RefsError, import_refs, normalise_title, parse_references
from b12explore.schema import repo_data_dir

ZOTERO_RIS = (
    "\ufeffTY  - JOUR\r\n"
    "TI  - Oral cobalamin for back pain: a made-up trial\r\n"
    "AU  - Müller, Anna\r\n"
    "AU  - Rossi, B.\r\n"
    "T2  - Journal of Invented Results\r\n"
    "PY  - 2023/05/01/\r\n"
    "VL  - 12\r\n"
    "IS  - 3\r\n"
    "SP  - 101\r\n"
    "EP  - 109\r\n"
    "DO  - https://doi.org/10.9999/invented.2023.1\r\n"
    "UR  - https://example.org/invented\r\n"
    "KW  - vitamin B12\r\n"
    "ER  - \r\n"
    "\r\n"
    "TY  - CHAP\r\n"
    "TI  - A book chapter without identifiers\r\n"
    "AU  - Smith, C.\r\n"
    "PY  - 2019\r\n"
    "ER  - \r\n"
)

PUBMED_NBIB = """PMID- 99999991
OWN - NLM
STAT- Publisher
DP  - 2022 Mar
TI  - Methylcobalamin injections in an imaginary cohort: a pretend
      randomised study.
PG  - 45-52
LID - 10.9999/pretend.45 [doi]
FAU - Tanaka, Hiroshi
AU  - Tanaka H
FAU - Lee, Min
AU  - Lee M
JT  - Pretend Spine Journal
TA  - Pretend Spine J
VI  - 7
IP  - 2

PMID- 99999992
DP  - 2021
TI  - Second pretend record.
AU  - Park S
JT  - Pretend Journal
"""

JABREF_BIB = r"""
@Article{Garcia2020,
  author    = {Garc{\'\i}a, Lucía and M{\"u}ller, Anna and van der Berg, Jan},
  title     = {{B12} \& pain: an {invented} report},
  journal   = {Invented Reports},
  year      = {2020},
  volume    = {4},
  number    = {1},
  pages     = {10--19},
  doi       = {10.9999/inv.2020.10},
  pmid      = {99999993},
}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return Path(shutil.copytree(repo_data_dir(), tmp_path / "data"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize("fmt", ["ris", "bib"])
def test_round_trip_of_the_projects_own_citation_export(tmp_path, folder, fmt):
    studies = load(folder).studies
    path = export_citations(studies, tmp_path / "citations", format=fmt)[0]
    refs = parse_references(path.read_bytes(), path.name)
    assert len(refs) == len(studies)
    for ref, (_, row) in zip(refs, studies.iterrows(), strict=True):
        assert ref["title"] == row["title"]
        assert ref["year"] == str(row["year"])
        assert ref["journal"] == ("" if row.isna()["journal"] else row["journal"])
        assert ref["doi"] == ("" if row.isna()["doi"] else row["doi"])
        assert ref["pmid"] == ("" if row.isna()["pmid"] else row["pmid"])
        if "authors" in row and not row.isna()["authors"]:  # the export writes them all
            assert ref["authors"] == row["authors"]
            assert ref["first_author"] == row["authors"].split(",")[0]
        else:
            author = "" if row.isna()["first_author"] else row["first_author"].split()[0]
            assert ref["first_author"] == author
        for col in ("volume", "issue", "pages"):
            if col in row and not row.isna()[col]:
                assert ref[col] == row[col], col
    before = snapshot(folder)
    report = import_refs(path, into=folder)
    assert report.added == [] and len(report.duplicates) == len(studies)
    assert snapshot(folder) == before  # nothing new: nothing written


def test_handmade_zotero_ris(folder):
    refs = parse_references(ZOTERO_RIS.encode("utf-8"), "library.ris")
    first = refs[0]
    assert first == {
        "year": "2023",
        "title": "Oral cobalamin for back pain: a made-up trial",
        "journal": "Journal of Invented Results",
        "volume": "12",
        "issue": "3",
        "pages": "101-109",
        "doi": "10.9999/invented.2023.1",
        "pmid": "",
        "url": "https://example.org/invented",
        "first_author": "Müller",
        "authors": "Müller, Anna; Rossi, B.",
    }
    report = import_refs(ZOTERO_RIS.encode("utf-8"), into=folder, name="library.ris")
    assert report.added == ["muller2023", "smith2019"]
    candidates = load(folder).warnings  # the folder still loads
    assert candidates is not None
    text = (folder / "candidates.csv").read_text(encoding="utf-8")
    assert "muller2023,to_complete,,Müller," in text
    assert (folder / "datapackage.json.bak").exists()


def test_handmade_pubmed_nbib(folder):
    refs = parse_references(PUBMED_NBIB, "pubmed.nbib")
    assert [r["pmid"] for r in refs] == ["99999991", "99999992"]
    assert refs[0]["title"] == (
        "Methylcobalamin injections in an imaginary cohort: a pretend randomised study."
    )
    assert refs[0]["authors"] == "Tanaka, H; Lee, M" and refs[0]["first_author"] == "Tanaka"
    assert (refs[0]["doi"], refs[0]["year"], refs[0]["pages"]) == (
        "10.9999/pretend.45",
        "2022",
        "45-52",
    )
    assert (refs[0]["journal"], refs[0]["volume"], refs[0]["issue"]) == (
        "Pretend Spine Journal",
        "7",
        "2",
    )
    assert import_refs(PUBMED_NBIB.encode(), into=folder, name="pubmed.nbib").added == [
        "tanaka2022",
        "park2021",
    ]


def test_handmade_jabref_bibtex():
    (ref,) = parse_references(JABREF_BIB, "refs.bib")
    assert ref["authors"] == "García, Lucía; Müller, Anna; van der Berg, Jan"
    assert ref["first_author"] == "García"
    assert ref["title"] == "B12 & pain: an invented report"
    assert (ref["pages"], ref["doi"], ref["pmid"]) == ("10-19", "10.9999/inv.2020.10", "99999993")


def test_duplicates_by_doi_pmid_or_title_are_skipped(folder):
    import_refs(JABREF_BIB.encode(), into=folder, name="a.bib")
    same_doi = "TY  - JOUR\nTI  - Other title\nDO  - 10.9999/INV.2020.10\nER  - \n"
    same_pmid = "TY  - JOUR\nTI  - Yet another\nAN  - 99999993\nER  - \n"
    title = load(folder).studies["title"].iloc[0]
    same_title = f"TY  - JOUR\nTI  - {title.upper()}!\nER  - \n"
    twice = "TY  - JOUR\nTI  - Twice in one file\nER  - \n" * 2
    text = same_doi + same_pmid + same_title + twice
    report = import_refs(text.encode(), into=folder, name="b.ris")
    assert [where for _, where in report.duplicates] == [
        "candidates.csv (garcia2020)",
        "candidates.csv (garcia2020)",
        f"studies.csv ({load(folder).studies['study_id'].iloc[0]})",
        "this file (ref)",
    ]
    assert report.added == ["ref"]  # the first of the two identical references
    assert normalise_title("B12 & Pain!") == normalise_title("b12 pain")


def test_a_bad_identifier_is_left_out_and_said(folder):
    ris = "TY  - JOUR\nTI  - Odd DOI\nDO  - not-a-doi\nER  - \n"
    report = import_refs(ris.encode(), into=folder, name="odd.ris")
    assert report.notes and "doi 'not-a-doi' left out" in report.notes[0]
    assert ",Odd DOI," in (folder / "candidates.csv").read_text()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.ris", b"", "the file is empty"),
        ("blank.bib", b"  \n\n", "the file is empty"),
        ("cut.ris", b"TY  - JOUR\nTI  - a\nER  - \nTY  - JOUR\nTI  - b\n", "line 4 has no end"),
        (
            "broken.bib",
            b"@article{x, title={unclosed\n",
            r"broken BibTeX \(entry starting on line 1\): cannot parse",
        ),
        ("notes.txt", b"just some notes\n", "not a reference file"),
        ("latin1.ris", "TY  - JOUR\nTI  - caf\u00e9\nER  - \n".encode("latin-1"), "not UTF-8"),
        ("nothing.ris", b"Provider: none\n", "no references found"),
    ],
)
def test_a_broken_or_empty_file_says_what_is_wrong_and_writes_nothing(
    folder, name, content, message
):
    before = snapshot(folder)
    with pytest.raises(RefsError, match=message):
        import_refs(content, into=folder, name=name)
    assert snapshot(folder) == before


def test_cli_import_refs(tmp_path, folder, capsys):
    ris = tmp_path / "library.ris"
    ris.write_text(ZOTERO_RIS, encoding="utf-8")
    assert main(["import-refs", str(ris), "--into", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "added muller2023" in out and "2 candidates added" in out
    assert main(["import-refs", str(ris), "--into", str(folder)]) == 0
    assert "0 candidates added, 2 already in the folder" in capsys.readouterr().out
    broken = tmp_path / "broken.ris"
    broken.write_text("TY  - JOUR\nTI  - x\n")
    before = snapshot(folder)
    assert main(["import-refs", str(broken), "--into", str(folder)]) == 1
    assert "has no end line" in capsys.readouterr().err
    assert snapshot(folder) == before
    assert main(["import-refs", str(tmp_path / "none.ris"), "--into", str(folder)]) == 2
    assert main(["import-refs", str(ris), "--into", str(repo_data_dir())]) == 2
    assert "shipped data folder" in capsys.readouterr().err
