"""A researcher's own codes work everywhere with no code change (issue 13).

A copy of the shipped data folder whose descriptor adds a new code to four coded
fields (a route, a design, an outcome, a comparison), with study and result rows
using them. The new codes filter (explorer API and ``apply_filters``), read as
their descriptor labels with a colour in the charts the notebooks draw, and export
through the command line.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from matplotlib.colors import to_hex

from b12explore import charts, load, summaries
from b12explore.filters import FilterState, apply_filters, describe
from b12explore.schema import repo_data_dir
from b12explore.style import color_for

REPO = Path(__file__).resolve().parent.parent

#: field -> (tables, new code, its label); labels differ from the readable code on purpose
NEW = {
    "route": (("studies",), "nasal_spray", "Nasal spray (intranasal)"),
    "design": (("studies",), "cohort", "Prospective cohort"),
    "outcome": (("results",), "sleep_quality", "Sleep quality (PSQI)"),
    "comparison": (("studies", "results"), "b12_vs_exercise", "B12 vs exercise therapy"),
}
IDS = ("nasal2024", "nasal2025")


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _append(path: Path, rows: list[dict]) -> None:
    names, _ = _rows(path)
    with path.open("a", newline="", encoding="utf-8") as handle:
        csv.DictWriter(handle, names).writerows(rows)


def new_codes_folder(folder: Path) -> Path:
    """A copy of data/ whose descriptor and tables use the codes of :data:`NEW`."""
    shutil.copytree(repo_data_dir(), folder)
    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    for res in descriptor["resources"]:
        for field in res["schema"]["fields"]:
            tables, code, label = NEW.get(field["name"], ((), None, None))
            if res["name"] in tables:
                field["constraints"]["enum"].append(code)
                field.setdefault("enumLabels", {})[code] = label
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    _, studies = _rows(folder / "studies.csv")
    template = next(r for r in studies if r["study_id"] == "chiu2011")
    new_studies = []
    for i, sid in enumerate(IDS):
        new_studies.append(
            {
                **template,
                "study_id": sid,
                "label": f"Nasal {2024 + i}",
                "first_author": "Nasal",
                "year": str(2024 + i),
                "title": f"A made-up test study {i} of intranasal B12",
                "doi": "",
                "pmid": "",
                "design": "cohort",
                "blinding": "open",
                "allocation": "not_randomised",
                "route": "nasal_spray",
                "comparison": "b12_vs_exercise",
                "comparator": "exercise therapy",
                "n_enrolled": str(80 + 20 * i),
                "n_analysed": str(70 + 20 * i),
                "outcomes": "sleep_quality",
                "in_article": "false",
                "note": "Synthetic row of a test.",
            }
        )
    _append(folder / "studies.csv", new_studies)
    _, results = _rows(folder / "results.csv")
    template = results[0]
    new_results = []
    for i, sid in enumerate(IDS):
        for role, mean in (("intervention", 5.0 - i), ("control", 7.0)):
            new_results.append(
                {
                    **{k: "" for k in template},
                    "result_id": f"{sid}_sleep_{role}",
                    "study_id": sid,
                    "outcome": "sleep_quality",
                    "outcome_label": "Pittsburgh Sleep Quality Index",
                    "lower_is_better": "true",
                    "timepoint": "12 weeks",
                    "timepoint_weeks": "12",
                    "arm_role": role,
                    "arm_label": "intranasal B12" if role == "intervention" else "exercise",
                    "comparison": "b12_vs_exercise",
                    "value_type": "final",
                    "n": str(35 + 10 * i),
                    "mean": str(mean),
                    "sd": "2",
                    "source_url": "https://example.org/made-up",
                    "read_via": "https://example.org/made-up",
                }
            )
        new_results.append(
            {
                **{k: "" for k in template},
                "result_id": f"{sid}_sleep_cmp",
                "study_id": sid,
                "outcome": "sleep_quality",
                "outcome_label": "Pittsburgh Sleep Quality Index",
                "lower_is_better": "true",
                "timepoint": "12 weeks",
                "timepoint_weeks": "12",
                "arm_role": "comparison",
                "arm_label": "intranasal B12 vs exercise",
                "comparison": "b12_vs_exercise",
                "value_type": "not_applicable",
                "p_value": "0.01",
                "p_operator": "=",
                "p_scope": "between_group",
                "direction": "benefit",
                "source_url": "https://example.org/made-up",
                "read_via": "https://example.org/made-up",
            }
        )
    _append(folder / "results.csv", new_results)
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return new_codes_folder(tmp_path_factory.mktemp("own") / "data")


@pytest.fixture(scope="module")
def evidence(folder):
    return load(folder)


# ------------------------------------------------------------------ (a) filtering


def test_the_new_codes_are_in_the_vocabulary_and_the_controls(evidence):
    from b12explore.widgets import Explorer

    for field, (tables, code, label) in NEW.items():
        assert code in evidence.vocab.codes(field, tables[0])
        assert evidence.vocab.label(field, code) == label
    explorer = Explorer(evidence)
    assert ("Nasal spray (intranasal)", "nasal_spray") in explorer.controls["routes"].options
    assert ("Prospective cohort", "cohort") in explorer.controls["designs"].options
    assert ("Sleep quality (PSQI)", "sleep_quality") in explorer.controls["outcome"].options


def test_the_new_codes_filter_through_the_explorer_and_apply_filters(evidence):
    from b12explore.widgets import Explorer

    explorer = Explorer(evidence)
    state = explorer.set_filters(routes="nasal_spray")
    assert state.routes == ("nasal_spray",)
    assert sorted(explorer.filtered.studies["study_id"]) == list(IDS)
    assert "Nasal spray (intranasal)" in explorer.table.value  # the study table's label
    explorer.reset()
    explorer.set_filters(designs=["cohort"], outcome="sleep_quality")
    assert sorted(explorer.filtered.studies["study_id"]) == list(IDS)
    assert set(explorer.filtered.results["outcome"].astype(str)) == {"sleep_quality"}
    for state in (
        FilterState(routes="nasal_spray"),
        FilterState(designs="cohort"),
        FilterState(outcome="sleep_quality"),
        FilterState(comparisons="b12_vs_exercise"),
    ):
        assert sorted(apply_filters(evidence, state).studies["study_id"]) == list(IDS), state
    with pytest.raises(ValueError, match="did you mean 'nasal_spray'"):
        explorer.set_filters(routes="nasal_spary")
    assert describe(FilterState(routes="nasal_spray"), evidence.vocab) == (
        "route: nasal spray (intranasal)"
    )


def test_the_shipped_descriptor_does_not_know_them():
    # the codes come from the folder's descriptor, not from any list in the code
    with pytest.raises(ValueError, match="filter routes: 'nasal_spray' is not one of"):
        apply_filters(load(), FilterState(routes="nasal_spray"))


# ------------------------------------------------------------------ (b) labels and colours


def _legend(ax) -> dict[str, str]:
    legend = ax.get_legend()
    handles = legend.legend_handles
    return {
        t.get_text(): to_hex(h.get_facecolor()).upper()
        for t, h in zip(legend.get_texts(), handles, strict=True)
    }


def _ticks(ax, axis: str = "y") -> list[str]:
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text().replace("\n", " ") for t in ticks]


def test_the_notebook_charts_label_and_colour_the_new_codes(evidence):
    nasal = color_for("route", "nasal_spray")
    assert nasal not in {color_for("route", c) for c in ("oral", "intramuscular", None)}
    for studies in (evidence.studies, apply_filters(evidence, FilterState(min_n=1)).studies):
        legend = _legend(charts.sample_size_chart(studies, by="route"))
        entry = next(k for k in legend if k.startswith("Nasal spray (intranasal): 2 studies"))
        assert legend[entry] == nasal.upper()
    legend = _legend(charts.sample_size_chart(evidence.studies, by="design"))
    entry = next(k for k in legend if k.startswith("Prospective cohort: 2 studies"))
    assert legend[entry] == color_for("design", "cohort").upper()
    ax = charts.route_form_chart(evidence.studies)
    assert "Nasal spray (intranasal)" in _ticks(ax, "x")
    ax = charts.evidence_map(evidence.studies, evidence.results)
    assert "Nasal spray (intranasal)" in _ticks(ax, "x")
    assert "Sleep quality (PSQI)" in _ticks(ax, "y")
    timeline = charts.timeline_chart(evidence.studies, labels=False)
    assert "Prospective cohort" in _legend(timeline)
    ax = charts.direction_plot(evidence)
    assert "Sleep quality (PSQI)" in _ticks(ax, "x")
    effects = summaries.forest_table(evidence, outcome="sleep_quality", measure="MD")
    assert len(effects) == 2
    ax = charts.forest_plot(effects, pooled=summaries.pooled_effect(effects))
    assert ax.get_title(loc="left").startswith("Sleep quality (PSQI):")
    table = summaries.study_table(evidence.studies, vocab=evidence.vocab)
    row = table[table["Study"] == "Nasal 2024"].iloc[0]
    assert (row["Route"], row["Design"]) == ("Nasal spray (intranasal)", "Prospective cohort")


# ------------------------------------------------------------------ (c) export


def test_the_command_line_exports_the_new_route(folder, tmp_path):
    out = tmp_path / "slides"
    command = [sys.executable, "-m", "b12explore", "export", "--data", str(folder)]
    command += ["--route", "nasal_spray", "--out", str(out), "--format", "pptx", "--jobs", "1"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    sizes = (out / "sample-sizes.csv").read_text(encoding="utf-8-sig")
    assert "nasal_spray" in sizes and "nasal2024" in sizes  # the side-car keeps the codes
    with zipfile.ZipFile(out / "b12explore-slides.pptx") as deck:
        text = "".join(deck.read(n).decode("utf-8") for n in deck.namelist() if n.endswith("xml"))
    assert "Nasal spray (intranasal)" in text  # the native route chart's category
    assert "route: nasal spray (intranasal)" in text  # the caption naming the filter
    assert "Sleep quality (PSQI)" in text  # the forest slide's title
    typo = subprocess.run(
        [*command[:-6], "--route", "nasal_spary", "--out", str(tmp_path / "x")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert typo.returncode == 2
    assert "--route: 'nasal_spary' is not one of" in typo.stderr
    assert "did you mean 'nasal_spray'?" in typo.stderr
    assert "Traceback" not in typo.stderr
