"""Background tables and charts (food sources, risk groups, mechanisms) and the search flow."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from b12explore import charts, load
from b12explore.charts import background as cb
from b12explore.summaries import background as sb

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def ev():
    return load(DATA)


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_food_table_is_sorted_and_keeps_serving_and_dv(ev):
    table = sb.food_table(ev)
    assert len(table) == len(_csv("food_sources"))
    assert table["mcg_per_serving"].is_monotonic_decreasing
    first = table.iloc[0]
    assert (first["food"], first["serving"], first["mcg_per_serving"], first["percent_dv"]) == (
        "Beef liver, cooked, pan-fried",
        "3 ounces",
        70.7,
        2944,
    )
    assert first["label"] == "Beef liver, cooked, pan-fried (3 ounces)"
    assert set(table["source"]) == {"NIH ODS Vitamin B12 fact sheet"}


def test_food_table_accepts_the_bare_table_and_does_not_change_it(ev):
    before = ev.food_sources.copy()
    assert sb.food_table(ev.food_sources).equals(sb.food_table(ev))
    pd.testing.assert_frame_equal(ev.food_sources, before)


def test_risk_group_table_counts_sources(ev):
    table = sb.risk_group_table(ev).set_index("group_id")
    rows = {r["group_id"]: r for r in _csv("risk_groups")}
    assert list(table.index) == list(rows)
    for gid, row in rows.items():
        assert table.loc[gid, "sources"] == len(row["source_url"].split(" | "))
        assert table.loc[gid, "why"] == row["why"]


def test_mechanism_table_orders_by_strength_of_evidence(ev):
    table = sb.mechanism_table(ev)
    order = ev.vocab.codes("evidence_type", "mechanisms")
    ranks = [order.index(t) for t in table["evidence_type"]]
    assert ranks == sorted(ranks)
    regen = table.set_index("mechanism_id").loc["nerve_regeneration"]
    assert (regen["evidence_type"], regen["studies"]) == ("animal", 3)


def test_prisma_flow_adds_up_and_matches_the_search_log(ev):
    log = _csv("search_log")
    flow = sb.prisma_flow(ev).set_index("stage")["count"]
    assert flow["identified"] == sum(int(r["hits"]) for r in log)
    assert flow["screened"] == sum(int(r["new_records"]) for r in log)
    assert flow["identified"] - flow["duplicates"] == flow["screened"]
    assert flow["screened"] - flow["screened_out"] == flow["read"]
    assert flow["read"] == flow["excluded"] + flow["used_existing"] + flow["included_new"]
    ids = {i for r in log for i in r["included_ids"].split(";") if i}
    studies = {r["study_id"] for r in _csv("studies")}
    reports = {r["report_id"] for r in _csv("reports")}
    assert ids <= studies | reports
    assert flow["included_new"] == len(ids)


def test_search_log_rows_add_up():
    for r in _csv("search_log"):
        new = int(r["new_records"])
        parts = sum(
            int(r[k])
            for k in (
                "screened_out",
                "excluded_after_reading",
                "used_for_existing_rows",
                "included_new",
            )
        )
        assert parts == new <= int(r["hits"]), r["search_id"]


def test_empty_tables_give_empty_frames():
    assert sb.food_table(pd.DataFrame()).empty
    assert sb.prisma_flow(pd.DataFrame()).empty
    assert sb.mechanism_table(pd.DataFrame()).empty
    assert sb.risk_group_table(pd.DataFrame()).empty


CHARTS = {
    "food_mcg": lambda e, ax: cb.food_sources_chart(e, ax=ax),
    "food_dv": lambda e, ax: cb.food_sources_chart(e, measure="percent_dv", ax=ax),
    "risk_groups": lambda e, ax: cb.risk_groups_chart(e, ax=ax),
    "mechanisms": lambda e, ax: cb.mechanisms_chart(e, ax=ax),
    "prisma": lambda e, ax: cb.prisma_chart(e, ax=ax),
}


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_background_charts_draw_on_the_given_axes(ev, name):
    fig = Figure(figsize=(12, 7))
    ax = fig.add_subplot()
    assert CHARTS[name](ev, ax) is ax
    assert ax.patches or ax.collections
    fig.savefig(io.BytesIO(), format="png")


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_background_charts_note_an_empty_table(name):
    ax = CHARTS[name](pd.DataFrame(), None)
    notes = [t.get_text() for t in ax.texts if t.get_gid() == "empty-note"]
    assert len(notes) == 1 and notes[0].startswith("no ")


def test_food_chart_shows_every_food_with_serving_and_both_measures(ev):
    ax = cb.food_sources_chart(ev)
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert len(labels) == len(_csv("food_sources"))
    assert labels[0].endswith("(3 ounces)")
    values = [t.get_text() for t in ax.texts if t.get_gid() == "value"]
    assert "70.7 µg · 2,944% DV" in values


def test_food_chart_rejects_an_unknown_measure(ev):
    with pytest.raises(ValueError, match="measure"):
        cb.food_sources_chart(ev, measure="grams")


def test_prisma_chart_prints_every_stage_count(ev):
    ax = cb.prisma_chart(ev)
    counts = [t.get_text() for t in ax.texts if t.get_gid() == "count"]
    flow = sb.prisma_flow(ev)
    assert len(counts) == len(flow)
    for label, n in zip(flow["label"], flow["count"], strict=True):
        assert f"{label}\nn = {n}" in counts


def test_background_charts_are_exported_with_their_sources(ev):
    names = ["background-food-mcg", "background-food-dv", "background-risk-groups"]
    names += ["background-mechanisms", "prisma"]
    assert names == charts.chart_names(ev)[-5:]
    built = charts.slide_charts(ev, names=names)
    assert [c.name for c in built] == names
    for chart in built:
        assert chart.sources and all(s in chart.caption for s in chart.sources)
        assert not chart.data.empty
        chart.figure.canvas.draw()
        small = [
            (t.get_text(), t.get_fontsize())
            for t in chart.figure.findobj(Text)
            if t.get_text().strip() and t.get_visible() and t.get_fontsize() < 14
        ]
        assert not small, (chart.name, small[:3])


def test_evidence_types_follow_the_descriptor_then_the_table(ev):
    assert sb.evidence_types(ev) == ev.vocab.codes("evidence_type", "mechanisms")
    mech = ev.mechanisms.astype({"evidence_type": object})
    mech.loc[mech.index[0], "evidence_type"] = "in_silico"
    kinds = sb.evidence_types(mech)
    assert kinds[-1] == "in_silico" and kinds[:-1] == ev.vocab.codes("evidence_type", "mechanisms")
    ax = cb.mechanisms_chart(mech)
    assert "In silico" in [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]


def test_mechanism_chart_labels_come_from_the_vocabulary(ev):
    ax = cb.mechanisms_chart(ev)
    labels = [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]
    assert labels == [ev.vocab.label("evidence_type", c) for c in sb.evidence_types(ev)]


def test_log_scale_tick_labels_read_as_numbers_not_mathtext(ev):
    # every text is drawn literally (data labels are never mathtext), so matplotlib's own
    # log tick labels (mathtext "10^{2}") must be rewritten, not shown as code

    ax = cb.food_sources_chart(ev, measure="percent_dv")
    buf = io.StringIO()
    ax.figure.savefig(buf, format="svg")
    svg = buf.getvalue()
    assert "mathdefault" not in svg and "$" not in svg
    assert "10²" in svg and "10³" in svg
