"""The explorer explains itself (issue 9): plain-words empty views, a study detail view,
an export that names its folder after the selection, refuses empty selections, offers a
zip download in a dashboard, and the layout fixes. Headless: widgets without a browser.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import re
import zipfile
from pathlib import Path

import pytest
from evidence_factory import result, study, write_evidence

from b12explore import load
from b12explore.widgets import Explorer
from b12explore.widgets.detail import study_detail_html
from b12explore.widgets.exporting import EmptySelectionError
from b12explore.widgets.panel import SAVED_TEXT

FINDINGS = 3


@pytest.fixture(scope="module")
def shipped():
    return load()


def _notes(view) -> list[str]:
    return [
        t.get_text() for ax in view.figure.axes for t in ax.texts if t.get_gid() == "empty-note"
    ]


def test_forest_says_studies_match_but_none_has_a_computable_effect(shipped):
    explorer = Explorer(shipped)
    explorer.set_filters(outcome="vas")
    explorer.tabs.selected_index = FINDINGS
    explorer.findings_view.value = "forest"
    n = len(explorer.filtered.studies)
    assert n > 0 and f"{n} of " in explorer.status.value
    assert _notes(explorer.charts["forest"]) == [
        f"{n} studies match, none reports a computable effect for Pain VAS"
    ]
    assert "no studies match" not in " ".join(_notes(explorer.charts["forest"]))


def test_every_view_names_the_filters_when_nothing_matches(shipped):
    explorer = Explorer(shipped)
    explorer.set_filters(text="no such words anywhere")
    for index in range(1, 5):
        explorer.tabs.selected_index = index
    explorer.tabs.selected_index = FINDINGS
    explorer.findings_view.value = "forest"
    for name, view in explorer.charts.items():
        assert _notes(view) == [
            'No studies match these filters (text: "no such words anywhere").'
        ], name
    explorer.tabs.selected_index = len(explorer.tabs.children) - 1
    assert "No studies match these filters" in explorer.study_detail.value


def test_study_detail_shows_treatment_results_and_real_links(shipped):
    explorer = Explorer(shipped)
    explorer.show_study("chiu2011")
    page = explorer.study_detail.value
    row = shipped.studies.set_index("study_id").loc["chiu2011"]
    for label in ("Dose and schedule", "Comparator", "Co-interventions", "Other B vitamins"):
        assert f"<dt>{label}</dt>" in page
    assert str(row["summary"])[:40] in page
    assert "500 mcg" in page and "normal saline" in page
    own = shipped.results[shipped.results["study_id"] == "chiu2011"]
    assert page.count("<li>") - page.count('<li><a class="b12-link"') == len(own)
    hrefs = re.findall(r'<a class="b12-link" href="([^"]+)"', page)
    assert hrefs and all(h.startswith(("https://", "http://")) for h in hrefs)
    assert "a.b12-link,.b12-table a{color:" in explorer.tabs.children[-1].children[1].value
    assert explorer.tabs.get_title(len(explorer.tabs.children) - 1) == "Study detail"


def test_study_detail_escapes_text_and_drops_unsafe_links(tmp_path: Path):
    hostile = "<img src=x onerror=alert(1)>"
    studies = [study("a2001", 2001, title=hostile, summary=hostile)]
    results = [result("a2001_vas", "a2001", outcome="vas", arm_label=hostile, p_value=0.2)]
    evidence = load(write_evidence(tmp_path / "ev", studies, results))
    explorer = Explorer(evidence)
    explorer.show_study("a2001")
    page = explorer.study_detail.value
    assert "<img" not in page and "&lt;img src=x" in page
    # a URL the validator would refuse still makes no link (defence in depth)
    bad = dataclasses.replace(
        evidence, studies=evidence.studies.assign(source_url="javascript:alert(1)", doi="x")
    )
    page = study_detail_html(bad, "a2001")
    assert "javascript:" not in page and "href" not in page


def test_study_picker_follows_the_filters(shipped):
    explorer = Explorer(shipped)
    explorer.set_filters(routes=["oral"])
    explorer.tabs.selected_index = len(explorer.tabs.children) - 1
    oral = set(explorer.filtered.studies["study_id"])
    assert {value for _label, value in explorer.study_picker.options} == oral


def test_export_folder_follows_the_selection_until_a_folder_is_typed(shipped):
    explorer = Explorer(shipped)
    assert explorer.export_folder.value == "exports/all-studies"
    explorer.set_filters(routes=["oral"])
    assert explorer.export_folder.value == "exports/route-oral"
    explorer.export_folder.value = "my-slides"
    explorer.set_filters(routes=["intramuscular"])
    assert explorer.export_folder.value == "my-slides"


def test_an_empty_selection_is_refused_with_a_message(shipped, tmp_path: Path):
    explorer = Explorer(shipped, export_folder=tmp_path / "out")
    explorer.set_filters(text="no such words anywhere")
    explorer.export_button.click()
    assert "No studies match the current filters" in explorer.export_message.value
    assert not (tmp_path / "out").exists()
    with pytest.raises(EmptySelectionError):
        explorer.export(tmp_path / "out")


def test_dashboard_export_is_a_zip_download_and_writes_no_typed_path(
    shipped, tmp_path: Path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    explorer = Explorer(shipped)  # Voilà detected from the kernel's environment
    assert explorer.export_folder.layout.display == "none"
    explorer.set_filters(routes=["oral"])
    explorer.export_folder.value = str(tmp_path / "elsewhere")  # cannot be typed in the page
    explorer.export_button.click()
    link = explorer.export_download.value
    assert 'download="b12explore-route-oral.zip"' in link, explorer.export_message.value
    payload = re.search(r'href="data:application/zip;base64,([^"]+)"', link).group(1)
    names = zipfile.ZipFile(io.BytesIO(base64.b64decode(payload))).namelist()
    assert {"route-oral/b12explore-slides.pptx", "route-oral/citations.ris"} <= set(names)
    assert list(tmp_path.iterdir()) == []  # nothing left on the server's disk here


def test_layout_all_designs_visible_years_readout_and_pictures_keep_their_ratio(shipped):
    explorer = Explorer(shipped)
    designs = explorer.controls["designs"]
    assert "animal" in [value for _label, value in designs.options]
    assert designs.rows == len(designs.options)
    css = explorer.panel.children[0].value
    assert ".b12-years .widget-readout{min-width:7em" in css
    assert all(view.image.layout.height == "auto" for view in explorer.charts.values())


def _draw(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()


@pytest.mark.parametrize("name, tab", [("sample_sizes", 1), ("routes", 2), ("evidence_map", 4)])
def test_legends_sit_outside_the_bars_with_one_or_two_studies(shipped, name, tab):
    explorer = Explorer(shipped)
    explorer.set_filters(designs=["rct"], year_range=(1990, 2011))
    two = list(explorer.filtered.studies["study_id"])
    explorer.tabs.selected_index = tab
    fig = explorer.charts[name].figure
    _draw(fig)
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert 1 <= len(two) <= 3 and legend is not None
    box, axes = legend.get_window_extent(), ax.get_window_extent()
    right, below = box.x0 >= axes.x1 - 1, box.y1 <= axes.y0 + 1  # the map's sits below
    assert right or below
    assert box.x1 <= fig.bbox.x1 + 1 and box.y0 >= fig.bbox.y0 - 1  # inside the picture


def test_direction_legend_has_one_symbol_per_entry(shipped):
    explorer = Explorer(shipped)
    explorer.tabs.selected_index = FINDINGS
    legend = explorer.charts["direction"].figure.axes[0].get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert "benefit" in texts
    assert not [t for t in texts if re.search("[▲▼◆◇]", t)]


def test_saved_cell_shows_a_short_text_not_a_widget_repr(shipped):
    explorer = Explorer(shipped)
    assert repr(explorer) == SAVED_TEXT
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == SAVED_TEXT
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_study_table_links_are_visibly_styled(shipped):
    from b12explore.widgets.table import _TABLE_CSS

    explorer = Explorer(shipped)
    assert '<a class="b12-link" href="http' in explorer.table.value
    assert "a.b12-link{color:" in _TABLE_CSS and "text-decoration:underline" in _TABLE_CSS


def test_explorer_pools_with_the_small_k_interval_and_says_so(tmp_path: Path):
    from b12explore import summaries
    from b12explore.widgets import _forest_inputs

    studies = [study(f"t{i}", 2000 + i) for i in range(3)]
    results = []
    for i, (a, b) in enumerate([(30, 20), (25, 22), (40, 30)]):
        for role, events in (("intervention", a), ("control", b)):
            results.append(
                result(
                    f"t{i}_r_{role}",
                    f"t{i}",
                    outcome="responder",
                    arm_role=role,
                    events=events,
                    total=100,
                    value_type="not_applicable",
                )
            )
    evidence = load(write_evidence(tmp_path / "ev", studies, results))
    explorer = Explorer(evidence)
    explorer.set_filters(outcome="responder")
    effects, pooled = _forest_inputs(explorer.filtered, explorer.state)
    assert pooled.ci == "hksj" and pooled.k == 3
    z = summaries.pooled_effect(effects, ci="z")
    assert pooled.ci_high - pooled.ci_low > z.ci_high - z.ci_low  # t(2) is wider
    explorer.tabs.selected_index = FINDINGS
    explorer.findings_view.value = "forest"
    labels = [t.get_text() for t in explorer.charts["forest"].figure.axes[0].get_yticklabels()]
    assert any("HKSJ" in label and "k = 3" in label for label in labels), labels
