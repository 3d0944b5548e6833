"""Charts that summarise at scale (issue 16): a capped chart names what it leaves out.

The sample-size chart ends with one hatched bar "and M more studies, P participants";
the direction, albatross and forest plots cap their rows with a note or row naming
the studies and participants left out. The numbers come from
``summaries.largest_studies`` and are checked here against counts made directly
from the tables. The CSV side-car of an export keeps every row, and an export of
a few thousand synthetic studies stays small.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.text import Text

from b12explore import charts, load, summaries
from b12explore.export.registry import chart_names, slide_charts
from b12explore.export.view import export_view

REPO = Path(__file__).resolve().parent.parent
N_STUDIES = 2000


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from interaction import synthetic_folder
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    folder = tmp_path_factory.mktemp("synthetic")
    return load(synthetic_folder(folder, N_STUDIES, seed=3))


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.figure.findobj(Text)]


def left_out(table: pd.DataFrame, keep: int) -> tuple[int, int]:
    """Studies and participants beyond the ``keep`` largest, counted directly."""
    per_study = table.drop_duplicates("study_id")
    n = per_study["n"].astype(float)
    rest = n.sort_values(ascending=False, kind="stable").iloc[keep:]
    return len(rest), int(rest.fillna(0).sum())


def test_sample_size_chart_ends_with_one_bar_for_the_rest(big):
    table = summaries.sample_sizes(big.studies)
    ax = charts.sample_size_chart(big.studies, max_studies=10)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    studies, participants = left_out(table, 10)
    assert studies == len(table) - 10 > 1000
    assert labels[:10] == table["label"].head(10).tolist()
    assert len(labels) == 11
    assert labels[-1] == f"and {studies:,} more studies"
    rest_bars = [p for p in ax.patches if p.get_gid() == "rest-bar"]
    assert len(rest_bars) == 1
    largest_left = float(table["n"].iloc[10:].max())
    assert rest_bars[0].get_width() == largest_left
    beside = [t.get_text() for t in ax.texts if t.get_gid() == "rest-value"]
    assert beside == [f"  {participants:,} participants in all"]


def test_direction_plot_names_the_studies_and_participants_it_leaves_out(big):
    table = summaries.direction_table(big)
    ax = charts.direction_plot(big, max_studies=30)
    studies, participants = left_out(table, 30)
    assert len(ax.get_yticks()) == 30
    notes = [t.get_text() for t in ax.texts if t.get_gid() == "more-note"]
    assert notes == [f"… and {studies:,} more studies, {participants:,} participants (not shown)"]


def test_albatross_plot_caps_its_studies_and_says_so(big):
    table = summaries.pvalue_table(big)
    table = table[table["n"].notna()]
    ax = charts.albatross_plot(big, max_studies=30)
    studies, participants = left_out(table, 30)
    assert studies > 0
    per_study = table.drop_duplicates("study_id")
    largest = per_study.loc[per_study["n"].astype(float).nlargest(30, keep="first").index]
    drawn = sum(len(c.get_offsets()) for c in ax.collections)
    assert drawn == table["study_id"].isin(largest["study_id"]).sum() < len(table)
    notes = [t.get_text() for t in ax.texts if t.get_gid() == "more-note"]
    assert notes == [f"… and {studies:,} more studies, {participants:,} participants (not shown)"]


def test_forest_plot_row_names_the_participants_left_out(big):
    options = summaries.forest_outcomes(big)
    row = options[options["comparison"].notna()].iloc[0]
    effects = summaries.forest_table(
        big, outcome=row.outcome, measure=row.measure, comparison=row.comparison
    )
    assert len(effects) > 30
    ax = charts.forest_plot(effects, pooled=summaries.pooled_effect(effects), max_rows=30)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    hidden = effects.loc[~effects.index.isin(effects["weight"].nlargest(30).index)]
    assert f"… and {len(hidden):,} more studies" in labels
    right = [t.get_text() for t in ax.figure.axes[-1].get_yticklabels()]
    assert f"{int(hidden['n'].sum()):,} participants; in the pooled estimate and the CSV" in right


def test_rest_words_when_sizes_are_missing():
    table = pd.DataFrame({"study_id": list("abcd"), "n": pd.array([90, 50, None, 7], "Int64")})
    kept, rest = summaries.largest_studies(table, 2)
    assert kept["study_id"].tolist() == ["a", "b"]
    assert rest == summaries.Rest(2, 7, 1)
    assert summaries.rest_text(rest) == "and 2 more studies, at least 7 participants"
    assert summaries.largest_studies(table, 4)[1] == summaries.Rest(0, 0, 0)


def test_shipped_charts_below_the_cap_name_no_rest():
    ev = load()
    for ax in (
        charts.sample_size_chart(ev.studies),
        charts.direction_plot(ev),
        charts.albatross_plot(ev),
    ):
        assert not any("more stud" in t for t in texts(ax))
        assert not [p for p in ax.patches if p.get_gid() == "rest-bar"]


def test_export_at_scale_is_small_and_its_side_cars_keep_every_row(big, tmp_path):
    forest = next(n for n in chart_names(big) if n.startswith("forest-"))
    names = ["sample-sizes", "effect-direction", "albatross", forest]
    built = slide_charts(big, names=names)
    files = export_view(big, tmp_path, formats=["png", "svg"], dpi=60, deck=False, charts=built)
    images = [f for f in files if f.suffix in (".png", ".svg")]
    assert len(images) == 2 * len(names)
    # every image is a slide of a few dozen rows, not thousands of marks
    assert max(f.stat().st_size for f in images) < 400_000
    assert sum(f.stat().st_size for f in images) < 2_000_000
    expected = {
        "sample-sizes": summaries.sample_sizes(big.studies),
        "effect-direction": summaries.direction_table(big),
        "albatross": summaries.pvalue_table(big),
    }
    for name, table in expected.items():
        side_car = pd.read_csv(tmp_path / f"{name}.csv")
        assert len(side_car) == len(table) > 1000
        assert side_car["study_id"].nunique() == table["study_id"].nunique()
