"""Participant totals cannot wrap around (issue 15).

Two studies with ``n_enrolled = 2**62`` showed "-9,223,372,036,854,775,808 participants":
pandas sums Int64 columns in int64. Totals now go through ``summaries.total`` (exact Python
int). The data are written as CSV, loaded through the real ``load`` and then given the huge
sizes in memory (validation refuses them in a CSV).
"""

from __future__ import annotations

import csv
import importlib

import pytest
from evidence_factory import study, write_evidence

from b12explore import charts, load, summaries

BIG = 2**62
RIGHT = 2 * BIG  # 9,223,372,036,854,775,808: one more than the int64 maximum
RIGHT_TEXT = f"{RIGHT:,}"
# required codes added by the data helper (explicit, whatever the factory defaults are)
CODES = {"allocation": "randomised", "comparison": "b12_vs_placebo"}


@pytest.fixture(scope="module")
def huge(tmp_path_factory):
    """Two studies of ``2**62`` participants each, set in memory after loading: the schema's
    maximum now refuses such a CSV, so this tests the second line of defence (the sums)."""
    import pandas as pd

    folder = tmp_path_factory.mktemp("huge") / "data"
    rows = [
        study("a2001", 2001, n_enrolled=10, n_analysed=10, **CODES),
        study("b2002", 2002, n_enrolled=10, n_analysed=10, **CODES),
    ]
    ev = load(write_evidence(folder, rows))
    for col in ("n_enrolled", "n_analysed"):
        ev.studies[col] = pd.array([BIG, BIG], dtype="Int64")
    return ev


def test_total_is_exact_and_skips_missing():
    import pandas as pd

    assert summaries.total(pd.array([BIG, BIG, None], dtype="Int64")) == RIGHT
    assert summaries.total(pd.Series([2**63 - 1, 1], dtype="int64")) == 2**63
    assert summaries.total(pd.Series([10, 20, None], dtype="Int64")) == 30
    assert summaries.total(pd.Series([True, False, True])) == 2
    assert summaries.total([]) == 0
    assert isinstance(summaries.total(pd.Series([1, 2], dtype="Int64")), int)


def test_summaries_totals_do_not_wrap(huge):
    by = summaries.totals_by(huge.studies, by="route")
    assert by["participants"].tolist() == [RIGHT]
    assert by["n_enrolled"].tolist() == [RIGHT] and by["n_analysed"].tolist() == [RIGHT]
    rf = summaries.route_form_counts(huge.studies)
    assert rf["participants"].tolist() == [RIGHT]
    em = summaries.evidence_map_table(huge.studies, huge.results)
    assert all(v in (RIGHT, BIG) for v in em["participants"])


def test_explorer_status_line_shows_the_right_total(huge):
    from b12explore.widgets import table

    text = table._status_text(huge, 2)
    assert f"{RIGHT_TEXT} participants" in text and "-" not in text


def test_route_chart_total_label_is_right(huge):
    ax = charts.route_form_chart(huge.studies)
    texts = [t.get_text() for t in ax.texts]
    assert any(RIGHT_TEXT in t for t in texts), texts
    assert not any("-9,223" in t for t in texts)


def test_export_works_and_csv_carries_the_right_number(huge, tmp_path):
    export = importlib.import_module("b12explore.export")
    export_view = (
        getattr(export, "export_view", None)
        or importlib.import_module("b12explore.slides").export_view
    )
    written = export_view(huge, tmp_path / "out", formats=["png"], deck=True)
    assert any(p.suffix == ".pptx" for p in written)
    route_csv = [p for p in written if p.name.startswith("route-form") and p.suffix == ".csv"]
    assert route_csv
    with route_csv[0].open(encoding="utf-8-sig") as fh:
        values = [row.get("participants") for row in csv.DictReader(fh)]
    assert str(RIGHT) in values
