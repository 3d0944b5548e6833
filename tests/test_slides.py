"""Tests for b12explore/slides.py: the current view to files, all or nothing."""

from __future__ import annotations

import pytest

from b12explore import charts, load
from b12explore.export.view import CITATIONS_NAME, DECK_NAME, export_view, planned_files


@pytest.fixture(scope="module")
def evidence():
    return load()


def test_export_view_writes_exactly_the_planned_files(evidence, tmp_path):
    built = charts.slide_charts(evidence, names=["timeline", "route-form"])
    plan = planned_files(built, tmp_path.resolve(), formats=["png"], deck=True)
    written = export_view(evidence, tmp_path, formats=["png"], charts=built)
    assert written == plan
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in plan)
    assert {f"{DECK_NAME}.pptx", f"{CITATIONS_NAME}.bib", f"{CITATIONS_NAME}.ris"} <= {
        p.name for p in written
    }


def test_export_view_refuses_an_existing_citation_file_and_writes_nothing(evidence, tmp_path):
    (tmp_path / "citations.ris").write_text("mine")
    built = charts.slide_charts(evidence, names=["timeline"])
    with pytest.raises(FileExistsError, match="citations.ris"):
        export_view(evidence, tmp_path, formats=["png"], charts=built)
    assert [p.name for p in tmp_path.iterdir()] == ["citations.ris"]
    assert (tmp_path / "citations.ris").read_text() == "mine"


def test_export_view_without_deck_or_images_writes_csv_and_citations(evidence, tmp_path):
    built = charts.slide_charts(evidence, names=["timeline"])
    written = export_view(evidence, tmp_path, formats=[], deck=False, charts=built)
    assert [p.name for p in written] == ["timeline.csv", "citations.bib", "citations.ris"]
