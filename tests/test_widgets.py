"""Explorer without a browser: controls fire observe, views follow, text is escaped."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from evidence_factory import result, sample_rows, study, write_evidence

from b12explore import load
from b12explore.filters import FilterState
from b12explore.widgets import Explorer, safe_href, study_rows_html

TABS = {"studies": 0, "sample_sizes": 1, "routes": 2, "findings": 3, "evidence_map": 4}


@pytest.fixture(scope="module")
def evidence(tmp_path_factory):
    return load(write_evidence(tmp_path_factory.mktemp("ev"), *sample_rows()))


@pytest.fixture
def explorer(evidence):
    return Explorer(evidence, page_size=25)


def rows(table_html: str) -> int:
    return table_html.count("<tr>") - 1  # minus the header row


def test_initial_status_counts_studies_and_primary_participants(explorer):
    # primary studies: 60 + 120 + 60 + 152 (+ one without a size); the meta-analysis
    # (1,200 patients) is not counted as participants
    assert "6 of 6 studies, 392 participants" in explorer.status.value
    assert "all studies" in explorer.status.value
    assert explorer.state == FilterState()
    assert explorer.filtered is explorer.evidence


def test_setting_a_control_value_fires_observe_and_updates_everything(explorer):
    explorer.controls["routes"].value = ("oral",)
    assert explorer.state.routes == ("oral",)
    assert "2 of 6 studies, 272 participants" in explorer.status.value
    assert "route: oral" in explorer.status.value
    assert sorted(explorer.filtered.studies["study_id"]) == ["ahmed2021", "waikakul2000"]
    assert rows(explorer.table.value) == 2


@pytest.mark.parametrize(
    ("control", "value", "expected"),
    [
        ("forms", ("methylcobalamin",), {"forms": ("methylcobalamin",)}),
        ("designs", ("meta_analysis",), {"designs": ("meta_analysis",)}),
        ("risk_of_bias", ("high",), {"risk_of_bias": ("high",)}),
        ("year_range", (2000, 2011), {"year_range": (2000, 2011)}),
        ("min_n", 100, {"min_n": 100}),
        ("deficiency_required", "yes", {"deficiency_required": "yes"}),
        ("outcome", "odi", {"outcome": "odi"}),
        ("other_b_vitamins", "with", {"other_b_vitamins": "with"}),
        ("co_interventions", "without", {"co_interventions": "without"}),
        ("text", "stenosis", {"text": "stenosis"}),
    ],
)
def test_every_control_drives_the_state(explorer, control, value, expected):
    explorer.controls[control].value = value
    assert explorer.state.active() == expected
    assert explorer.filtered.studies.shape[0] < 6


def test_full_year_span_means_no_year_filter(explorer):
    explorer.controls["year_range"].value = (2000, 2011)
    explorer.controls["year_range"].value = (1999, 2021)  # the data's whole span
    assert explorer.state.year_range is None


def test_set_filters_takes_the_same_path_as_the_controls(evidence):
    by_code = Explorer(evidence)
    by_hand = Explorer(evidence)
    for ex in (by_code, by_hand):
        ex.tabs.selected_index = TABS["sample_sizes"]
    by_code.set_filters(routes=["oral", "intramuscular"], min_n=60, text="trial")
    by_hand.controls["routes"].value = ("intramuscular", "oral")
    by_hand.controls["min_n"].value = 60
    by_hand.controls["text"].value = "trial"
    assert by_code.state == by_hand.state
    assert by_code.status.value == by_hand.status.value
    image = by_code.charts["sample_sizes"].image.value
    assert image == by_hand.charts["sample_sizes"].image.value
    for ex in (by_code, by_hand):
        ex.tabs.selected_index = TABS["studies"]
    assert by_code.table.value == by_hand.table.value
    # and the controls show what set_filters asked for
    assert by_code.controls["routes"].value == ("intramuscular", "oral")
    assert by_code.controls["min_n"].value == 60


def test_set_filters_draws_once_for_several_values(explorer):
    explorer.tabs.selected_index = TABS["sample_sizes"]
    before = explorer.redraws["sample_sizes"]
    explorer.set_filters(routes="oral", min_n=10, forms="methylcobalamin", text="o")
    assert explorer.redraws["sample_sizes"] == before + 1


def test_set_filters_rejects_bad_values_without_changing_anything(explorer):
    with pytest.raises(ValueError, match="filter routes: 'pill'"):
        explorer.set_filters(routes="pill")
    with pytest.raises(TypeError, match="unknown filter 'colour'"):
        explorer.set_filters(colour="red")
    assert explorer.state == FilterState()
    assert explorer.controls["routes"].value == ()


def test_a_bad_control_value_is_shown_in_the_panel(explorer):
    explorer.controls["min_n"].value = -5
    assert "b12-error" in explorer.message.value
    assert "min_n" in explorer.message.value
    assert isinstance(explorer.last_error, ValueError)
    assert explorer.state.min_n == 0
    explorer.controls["min_n"].value = 5
    assert explorer.message.value == ""
    assert explorer.state.min_n == 5


@pytest.mark.parametrize(
    ("tab", "name", "routes"),
    [
        ("sample_sizes", "sample_sizes", ["intramuscular"]),
        ("routes", "routes", ["intramuscular"]),
        ("findings", "direction", ["intramuscular"]),
        ("findings", "forest", ["oral"]),  # chiu2011's arm data (VAS) leave the forest plot
        ("evidence_map", "evidence_map", ["intramuscular"]),
    ],
)
def test_chart_png_changes_when_a_filter_changes(explorer, tab, name, routes):
    explorer.tabs.selected_index = TABS[tab]
    if name == "forest":
        explorer.findings_view.value = "forest"
    view = explorer.charts[name]
    before = view.image.value
    assert before[:8] == b"\x89PNG\r\n\x1a\n"
    figure = view.figure
    explorer.set_filters(routes=routes)
    after = view.image.value
    assert after[:8] == b"\x89PNG\r\n\x1a\n"
    assert after != before
    # persistent figure at screen size (9 x 4.5 in at 100 dpi), updated in place
    assert view.figure is figure
    assert tuple(view.figure.get_size_inches() * view.figure.dpi) == pytest.approx((900, 450))
    assert explorer.message.value == ""


def test_only_the_visible_view_is_drawn_and_hidden_ones_catch_up(explorer):
    assert explorer.redraws == {"table": 1}
    explorer.set_filters(routes="oral")
    assert explorer.redraws == {"table": 2}
    assert explorer.charts["sample_sizes"].image.value == b""
    explorer.tabs.selected_index = TABS["sample_sizes"]
    assert explorer.redraws["sample_sizes"] == 1
    explorer.tabs.selected_index = TABS["studies"]
    explorer.tabs.selected_index = TABS["sample_sizes"]  # nothing changed: no redraw
    assert explorer.redraws["sample_sizes"] == 1


def test_views_redraw_only_when_their_inputs_change(tmp_path):
    studies, results, claims = sample_rows()
    results.append(result("chiu2011_odi", "chiu2011", outcome="odi", p_value=0.03))
    explorer = Explorer(load(write_evidence(tmp_path / "ev", studies, results, claims)))
    explorer.set_filters(routes=["intramuscular"])  # chiu2011 and mauro2000, both with VAS
    explorer.tabs.selected_index = TABS["sample_sizes"]
    explorer.tabs.selected_index = TABS["findings"]
    assert explorer.redraws == {"table": 2, "sample_sizes": 1, "direction": 1}
    findings = explorer.charts["direction"].image.value
    # same studies, fewer results rows (outcome): the findings view must follow...
    explorer.set_filters(outcome="vas")
    assert list(explorer.filtered.studies["study_id"]) == ["chiu2011", "mauro2000"]
    assert explorer.redraws["direction"] == 2
    assert explorer.charts["direction"].image.value != findings
    # ...while the sample sizes, which depend on the studies only, are not redrawn
    explorer.tabs.selected_index = TABS["sample_sizes"]
    assert explorer.redraws["sample_sizes"] == 1
    # a filter that keeps the same studies redraws nothing
    explorer.set_filters(risk_of_bias=["low", "some_concerns"])
    assert explorer.redraws["sample_sizes"] == 1
    # going back to an earlier selection reuses its PNG instead of drawing again
    before = explorer.charts["sample_sizes"].image.value
    explorer.set_filters(routes=["oral"], outcome=None, risk_of_bias=())
    explorer.set_filters(routes=["intramuscular"])
    assert explorer.redraws["sample_sizes"] == 2
    assert explorer.charts["sample_sizes"].image.value == before


def test_reset_button_clears_every_filter(explorer):
    explorer.set_filters(routes="oral", year_range=(2000, 2020), text="x", min_n=4)
    explorer.reset_button.click()
    assert explorer.state == FilterState()
    assert explorer.controls["routes"].value == ()
    assert explorer.controls["text"].value == ""
    assert explorer.controls["year_range"].value == (1999, 2021)
    assert "6 of 6 studies" in explorer.status.value


def test_study_table_links_and_sorts(explorer):
    explorer.sort.value = "Participants (most first)"
    first = re.search(r"<tbody><tr><td>(.*?)</td>", explorer.table.value).group(1)
    assert "Buesing 2015" in first  # 1,200 patients
    assert 'href="https://example.org/buesing2015"' in first
    assert 'rel="noopener noreferrer"' in first
    explorer.sort.value = "Year (oldest first)"
    first = re.search(r"<tbody><tr><td>(.*?)</td>", explorer.table.value).group(1)
    assert "Anon 1999" in first
    assert "not reported" in explorer.table.value  # anon1999 enrolment


def test_long_tables_are_paged(evidence):
    explorer = Explorer(evidence, page_size=4)
    assert rows(explorer.table.value) == 4
    assert explorer.page_label.value == "Rows 1-4 of 6 (page 1 of 2)"
    assert explorer.page_prev.disabled and not explorer.page_next.disabled
    explorer.page_next.click()
    assert rows(explorer.table.value) == 2
    assert explorer.page_label.value == "Rows 5-6 of 6 (page 2 of 2)"
    explorer.set_filters(routes="oral")  # a new selection starts at page 1
    assert explorer.page_label.value == "Rows 1-2 of 2 (page 1 of 1)"


def test_csv_text_is_escaped_in_the_table_and_status(tmp_path):
    evil = "<script>alert(1)</script>"
    studies = [
        study(
            "evil2020",
            2020,
            title=evil,
            label="<img src=x onerror=alert(1)>",
            source_url='https://example.org/a"onmouseover="alert(2)',
        ),
        study("good2019", 2019, title="A & B <trial>"),
    ]
    explorer = Explorer(load(write_evidence(tmp_path / "ev", studies)))
    table = explorer.table.value
    assert "<script" not in table and "<img" not in table
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in table
    assert "&lt;img src=x onerror=alert(1)&gt;" in table
    assert "A &amp; B &lt;trial&gt;" in table
    assert "onmouseover" not in table  # the unsafe URL gives no link at all
    explorer.set_filters(text="<script>")
    assert "<script" not in explorer.status.value
    assert "&lt;script&gt;" in explorer.status.value
    assert "1 of 2 studies" in explorer.status.value


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://a.org/x | https://b.org/y", "https://a.org/x"),
        ("HTTP://a.org/x?q=1&r=2", "HTTP://a.org/x?q=1&r=2"),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("https://a.org/x'onerror='y", None),
        (" https://a.org/x", "https://a.org/x"),
        (float("nan"), None),
        (None, None),
    ],
)
def test_safe_href_allows_only_plain_http_urls(url, href):
    assert safe_href(url) == href


def test_study_rows_html_escapes_href_and_links_only_safe_urls(evidence):
    page = evidence.studies.head(1)
    linked = study_rows_html(page.assign(source_url="https://a.org/x?a=1&b=2"))
    assert 'href="https://a.org/x?a=1&amp;b=2" target="_blank" rel="noopener noreferrer"' in linked
    unsafe = study_rows_html(page.assign(source_url="https://a.org/<script>"))
    assert "href" not in unsafe and "<script>" not in unsafe


def test_export_button_writes_files_and_says_where(explorer, tmp_path):
    explorer.set_filters(routes=["intramuscular", "oral"])
    explorer.export_folder.value = str(tmp_path / "slides")
    explorer.export_button.click()
    message = explorer.export_message.value
    assert "b12-error" not in message, message
    assert str((tmp_path / "slides").resolve()) in message
    names = {p.name for p in (tmp_path / "slides").iterdir()}
    assert {"b12explore-slides.pptx", "citations.bib", "citations.ris"} <= names
    assert any(n.endswith(".png") for n in names)
    assert any(n.endswith(".csv") for n in names)
    assert f"Wrote {len(names)} files" in message
    bib = (tmp_path / "slides" / "citations.bib").read_text(encoding="utf-8")
    assert bib.count("@") == 4  # the four kept studies, not the other two
    # a second export refuses to replace the files, and says so in plain words
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "slides").iterdir()}
    explorer.export_button.click()
    message = explorer.export_message.value
    assert "b12-error" in message
    assert f"{len(names)} files from an earlier export are already in" in message
    assert "overwrite=True" not in message and "FileExistsError" not in message
    assert explorer.export_replace.layout.display != "none"  # the "Replace them" button
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "slides").iterdir()} == before
    explorer.export_replace.click()
    assert explorer.export_message.value.startswith(f"Wrote {len(names)} files")
    assert explorer.export_replace.layout.display == "none"


def test_explorer_on_a_selection_without_studies(explorer):
    explorer.set_filters(text="no such words anywhere")
    assert "0 of 6 studies, 0 participants" in explorer.status.value
    assert "No studies match these filters (text: &quot;no such words" in explorer.table.value
    for index in (1, 2, 3, 4):
        explorer.tabs.selected_index = index
    explorer.tabs.selected_index = TABS["findings"]
    explorer.findings_view.value = "forest"
    assert explorer.message.value == ""
    assert all(v.image.value[:4] == b"\x89PNG" for v in explorer.charts.values())


def test_results_only_outcome_study_is_found(tmp_path):
    studies = [study("a2001", 2001, outcomes="vas"), study("b2002", 2002, outcomes="")]
    results = [result("b2002_odi", "b2002", outcome="odi", p_value=0.2, direction="mixed")]
    explorer = Explorer(load(write_evidence(tmp_path / "ev", studies, results)))
    explorer.controls["outcome"].value = "odi"
    assert list(explorer.filtered.studies["study_id"]) == ["b2002"]


def test_the_views_are_the_package_charts(explorer):
    titles = {
        "sample_sizes": "Primary studies by sample size",
        "routes": "Primary studies by route and B12 form",
        "direction": "Direction of effect by study and outcome",
        "evidence_map": "Evidence map: route × outcome",
    }
    for index in (1, 2, 3, 4):
        explorer.tabs.selected_index = index
    explorer.tabs.selected_index = TABS["findings"]
    explorer.findings_view.value = "forest"
    for name, title in titles.items():
        assert explorer.charts[name].figure.axes[0].get_title(loc="left").startswith(title)
    forest = explorer.charts["forest"].figure.axes[0]
    assert forest.get_title(loc="left") == "Pain VAS: mean difference"


def twenty_trials(folder):
    """20 trials with VAS arm data (so 20 forest rows)."""
    studies, results = [], []
    for i in range(20):
        sid = f"s{i:02d}"
        route = "oral" if i % 3 else "intramuscular"
        studies.append(study(sid, 2000 + i, n_enrolled=20 + 10 * i, outcomes="vas", route=route))
        for role, mean in (("intervention", 3.0 + i / 10), ("control", 4.0)):
            results.append(
                result(f"{sid}_{role}", sid, arm_role=role, n=10 + 5 * i, mean=mean, sd=1.5)
            )
    return load(write_evidence(folder, studies, results))


def test_long_chart_lists_are_cut_and_say_so(tmp_path):
    explorer = Explorer(twenty_trials(tmp_path / "ev"))
    explorer.tabs.selected_index = TABS["findings"]
    explorer.findings_view.value = "forest"
    direction = explorer.charts["direction"].figure.axes[0]
    assert len(direction.get_yticks()) == 15
    # the cut and its note are the chart's own (the explorer computes nothing itself)
    notes = [t.get_text() for t in direction.texts if t.get_gid() == "more-note"]
    assert len(notes) == 1 and notes[0].startswith("… and 5 more studies, ")
    assert notes[0].endswith(" participants (not shown)")
    forest = explorer.charts["forest"].figure.axes[0]
    labels = [t.get_text() for t in forest.get_yticklabels()]
    assert len(labels) == 17 and labels[-2] == "… and 5 more studies"
    assert labels[-1].endswith("(k = 20)")


def test_a_year_range_beyond_the_data_is_clipped(explorer):
    explorer.set_filters(year_range=(1900, 2100))
    assert explorer.state.year_range is None
    explorer.set_filters(year_range=(2005, 2100))
    assert explorer.state.year_range == (2005, 2021)
    kept = sorted(explorer.filtered.studies["study_id"])
    assert kept == ["ahmed2021", "buesing2015", "chiu2011"]


def test_forest_rows_from_the_whole_evidence_equal_a_fresh_forest_table(tmp_path):
    from b12explore import summaries, widgets
    from b12explore.filters import apply_filters

    evidence = twenty_trials(tmp_path / "ev")
    state = FilterState(routes=("oral",), year_range=(2002, 2017))
    filtered = apply_filters(evidence, state)
    direct, pooled = widgets._forest_inputs(filtered, state)

    def full(outcome, measure):
        return summaries.forest_table(evidence, outcome=outcome, measure=measure)

    cached, pooled_cached = widgets._forest_inputs(filtered, state, full)
    assert len(direct) == 11
    pd.testing.assert_frame_equal(direct.reset_index(drop=True), cached.reset_index(drop=True))
    for name in ("estimate", "se", "ci_low", "ci_high", "tau2", "pi_low", "pi_high"):
        assert getattr(pooled_cached, name) == pytest.approx(getattr(pooled, name))


def test_findings_tab_shows_and_draws_one_chart_at_a_time(explorer):
    direction, forest = explorer.charts["direction"], explorer.charts["forest"]
    explorer.tabs.selected_index = TABS["findings"]
    assert explorer.redraws.get("direction") == 1 and "forest" not in explorer.redraws
    assert forest.image.layout.display == "none" and direction.image.layout.display is None
    explorer.findings_view.value = "forest"
    assert explorer.redraws["forest"] == 1
    assert direction.image.layout.display == "none" and forest.image.layout.display is None
    explorer.set_filters(routes="oral")  # only the forest plot is on screen now
    assert explorer.redraws == {"table": 1, "direction": 1, "forest": 2}
    explorer.findings_view.value = "direction"  # catches up when shown again
    assert explorer.redraws["direction"] == 2


# --------------------------------------------- comparison and certainty (issue 11)


def test_the_explorer_filters_by_comparison_and_certainty_and_shows_the_ratings():
    shipped = load()
    x = Explorer(shipped, page_size=50)
    codes = [code for _, code in x.controls["certainty"].options]
    assert codes == list(shipped.vocab.codes("certainty", "certainty"))
    compared = [code for _, code in x.controls["comparisons"].options]
    assert compared == list(shipped.vocab.codes("comparison", "studies"))
    from b12explore import summaries

    by_study = summaries.certainty_by_study(shipped).set_index("study_id")
    assert "<th>Certainty</th>" in x.table.value
    low = sorted(by_study.index[by_study["certainty"] == "low"])
    assert low  # the shipped ratings include "low" ones
    x.controls["certainty"].value = ("low",)
    assert x.state.certainty == ("low",)
    kept = set(x.filtered.studies["study_id"])
    rated_low = {
        sid
        for sid, text in by_study["ratings"].items()
        if any(p.startswith("low:") for p in text.split("; "))
    }
    assert kept == rated_low
    for sid in kept:
        assert by_study.loc[sid, "ratings"] in x.table.value
    x.controls["certainty"].value = ()
    x.controls["comparisons"].value = ("bvit_nsaid_vs_nsaid",)
    studies = shipped.studies
    expected = set(studies.loc[studies["comparison"] == "bvit_nsaid_vs_nsaid", "study_id"])
    assert set(x.filtered.studies["study_id"]) == expected and expected
    x.reset()
    assert x.controls["comparisons"].value == () and x.controls["certainty"].value == ()


def test_a_study_behind_no_rating_reads_not_rated(evidence):
    x = Explorer(evidence, page_size=25)
    assert "<th>Certainty</th>" in x.table.value
    assert x.table.value.count("<td>not rated</td>") == len(evidence.studies)


def test_the_forest_view_states_the_certainty_of_what_it_shows():
    shipped = load()
    x = Explorer(shipped)
    x.controls["outcome"].value = "responder"
    x.tabs.selected_index = TABS["findings"]
    x.findings_view.value = "forest"
    assert x.last_error is None
    title = x.charts["forest"].figure.axes[0].get_title(loc="left")
    from b12explore import summaries

    cert = summaries.certainty_table(shipped, effects=False)
    row = cert[(cert["outcome"] == "responder")].iloc[0]
    level = shipped.vocab.label("certainty", row["computed"]).lower()
    assert f"Certainty of the evidence (GRADE): {level}" in title
    downgrades = [d for d in ("risk_of_bias", "imprecision") if int(str(row[f"{d}_downgrade"]))]
    for d in downgrades:  # each downgrade is named with its step
        assert f"{d.replace('_', ' ')} {int(str(row[f'{d}_downgrade'])):+d}" in title
