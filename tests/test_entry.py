"""EntryForm without a browser: fields from the descriptor, checks as load() does, atomic
writes (backup kept, nothing written on a problem or a failed write)."""

from __future__ import annotations

import datetime
import json
import os
import shutil
from pathlib import Path

import pytest

from b12explore import EntryForm, Explorer, load
from b12explore.rows import ShippedDataError
from b12explore.schema import repo_data_dir
from b12explore.validate import describe_field

NEW_STUDY = {
    "study_id": "doe2024",
    "label": "Doe 2024",
    "first_author": "Doe",
    "year": "2024",
    "title": "A made-up trial used only by this test",
    "source_url": "https://example.org/doe2024\nhttps://example.org/doe2024-mirror",
    "design": "rct",
    "blinding": "double",
    "condition": "chronic low back pain",
    "deficiency_required": "no",
    "n_enrolled": "40",
    "n_analysed": "38",
    "b12_form": "methylcobalamin",
    "route": "oral",
    "other_b_vitamins": "false",
    "outcomes": "vas",
    "finding": "no_difference",
    "summary": "Test row.",
    "risk_of_bias": "not_assessed",
    "in_article": "false",
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return Path(shutil.copytree(repo_data_dir(), tmp_path / "data"))


def fill(form, values: dict[str, str]) -> None:
    for name, value in values.items():
        if name in form.controls:  # columns the descriptor may not have (yet)
            form.controls[name].value = value
    fill_required_codes(form)


def fill_required_codes(form) -> None:
    """Required coded fields this test does not know about (added to the descriptor
    later, e.g. ``comparison``): take the first code, as a user would pick one."""
    for name, info in form.infos.items():
        if info.required and info.kind == "enum" and not form.controls[name].value:
            form.controls[name].value = info.choices[0][1]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_controls_follow_the_descriptor(folder):
    form = EntryForm(folder)
    s = form.study
    assert s.infos["design"].kind == "enum"
    assert [code for _, code in s.controls["design"].options][1:] == list(
        s.infos["design"].field["constraints"]["enum"]
    )
    assert s.infos["n_enrolled"].kind == "integer"
    rng = describe_field(s.infos["n_enrolled"].field)  # "an integer >= 1" or "between"
    assert rng.startswith("an integer") and rng in s.controls["n_enrolled"].placeholder
    assert s.infos["source_url"].kind == "multi" and s.infos["source_url"].url
    assert s.infos["outcomes"].separator == ";"
    assert form.result.infos["study_id"].kind == "reference"
    study_ids = load(folder).studies["study_id"].tolist()
    assert [v for _, v in form.result.controls["study_id"].options][1:] == study_ids


def test_a_new_column_and_code_appear_without_code_changes(folder):
    path = folder / "datapackage.json"
    descriptor = json.loads(path.read_text())
    studies = descriptor["resources"][0]["schema"]["fields"]
    studies.append({"name": "funding", "type": "string", "constraints": {"enum": ["public"]}})
    design = next(f for f in studies if f["name"] == "design")
    design["constraints"]["enum"].append("case_series")
    design["enumLabels"] = {"case_series": "Case series"}
    path.write_text(json.dumps(descriptor))
    form = EntryForm(folder)
    assert ("Case series", "case_series") in form.study.controls["design"].options
    assert ("public", "public") in form.study.controls["funding"].options


def test_add_a_study_then_it_validates_and_shows_in_the_explorer(folder):
    before = (folder / "studies.csv").read_bytes()
    form = EntryForm(folder)
    fill(form.study, dict(NEW_STUDY, summary="Test row,\nsecond line."))
    assert form.study.problems == {}
    assert form.study.values()["summary"] == "Test row, second line."
    assert "Doe 2024" in form.study.preview.value
    assert 'href="https://example.org/doe2024"' in form.study.preview.value
    assert form.study.submit(), form.study.status.value
    after = (folder / "studies.csv").read_bytes()
    assert after.startswith(before) and after.count(b"\n") == before.count(b"\n") + 1
    assert b'"Test row, second line."' in after
    assert (folder / "studies.csv.bak").read_bytes() == before
    evidence = load(folder)
    row = evidence.studies.set_index("study_id").loc["doe2024"]
    assert row["source_url"] == "https://example.org/doe2024 | https://example.org/doe2024-mirror"
    assert row["n_enrolled"] == 40
    explorer = Explorer(evidence)
    explorer.set_filters(text="made-up trial")
    assert explorer.filtered.studies["study_id"].tolist() == ["doe2024"]
    assert form.study.mode.value == "doe2024"  # now editing the row just added
    assert "doe2024" in [v for _, v in form.result.controls["study_id"].options]
    assert not list(folder.glob(".*.tmp"))


def test_edit_a_study_changes_only_its_row(folder):
    lines = (folder / "studies.csv").read_bytes().splitlines(keepends=True)
    form = EntryForm(folder)
    key = load(folder).studies["study_id"].iloc[1]
    form.study.edit(key)
    assert form.study.controls["study_id"].value == key
    assert form.study.submit_button.description == "Save changes"
    form.study.controls["title"].value = "Corrected title"
    assert form.study.submit(), form.study.status.value
    new_lines = (folder / "studies.csv").read_bytes().splitlines(keepends=True)
    changed = [i for i, (a, b) in enumerate(zip(lines, new_lines, strict=True)) if a != b]
    assert changed == [2]  # header, first study, then the edited one
    studies = load(folder).studies.set_index("study_id")
    assert studies.loc[key, "title"] == "Corrected title"


def test_add_and_edit_results_for_a_study(folder):
    form = EntryForm(folder)
    fill(form.study, NEW_STUDY)
    assert form.study.submit()
    r = form.result
    assert form.result_kind.value == "arm data" and r.boxes["estimate"].layout.display == "none"
    fill(
        r,
        {
            "result_id": "doe2024_vas_b12",
            "study_id": "doe2024",
            "outcome": "vas",
            "timepoint": "end of treatment",
            "arm_role": "intervention",
            "n": "19",
            "mean": "3.1",
            "sd": "1.2",
            "source_url": "https://example.org/doe2024",
        },
    )
    assert r.submit(), (r.status.value, r.problems)
    r.mode.value = ""
    form.result_kind.value = "reported estimate"
    assert r.controls["arm_role"].value == "comparison"
    fill(
        r,
        {
            "result_id": "doe2024_vas_md",
            "study_id": "doe2024",
            "outcome": "vas",
            "timepoint": "end of treatment",
            "effect_measure": "MD",
            "estimate": "-0.4",
            "ci_low": "-1.1",
            "ci_high": "0.3",
            "source_url": "https://example.org/doe2024",
        },
    )
    assert r.submit(), (r.status.value, r.problems)
    r.edit("doe2024_vas_b12")
    assert r.controls["mean"].value == "3.1"
    r.controls["mean"].value = "3.4"
    assert r.submit()
    results = load(folder).results.set_index("result_id")
    assert results.loc["doe2024_vas_b12", "mean"] == 3.4
    assert results.loc["doe2024_vas_md", "estimate"] == -0.4


def test_invalid_input_shows_a_message_per_field_and_writes_nothing(folder):
    before = snapshot(folder)
    form = EntryForm(folder)
    values = dict(NEW_STUDY, year="20x4", design="rct", n_enrolled="0", source_url="example.org")
    fill(form.study, values)
    problems = form.study.problems
    assert problems["year"] == 'expected an integer >= 1950, got "20x4"'
    rng = describe_field(form.study.infos["n_enrolled"].field)
    assert problems["n_enrolled"] == f'expected {rng}, got "0"'
    assert problems["source_url"].startswith("expected text matching the pattern https?://")
    assert "example.org" in form.study.messages["source_url"].value
    assert not form.study.submit()
    assert "nothing written" in form.study.status.value
    assert snapshot(folder) == before


def test_rules_across_fields_and_rows_show_beside_the_field(folder):
    before = snapshot(folder)
    form = EntryForm(folder)
    existing = load(folder).studies["study_id"].iloc[0]
    fill(form.study, dict(NEW_STUDY, study_id=existing, n_enrolled="10", n_analysed="12"))
    assert form.study.problems == {}  # each value alone is fine
    assert not form.study.submit()
    assert form.study.problems["n_analysed"] == 'expected at most n_enrolled (10), got "12"'
    assert "unique" in form.study.problems["study_id"]
    assert snapshot(folder) == before


@pytest.mark.parametrize("broken", ["replace", "fsync"])
def test_a_failed_write_leaves_the_old_files(folder, monkeypatch, broken):
    before = snapshot(folder)
    form = EntryForm(folder)
    fill(form.study, NEW_STUDY)

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, broken, fail)
    assert not form.study.submit()
    monkeypatch.undo()
    assert "Writing failed" in form.study.status.value
    assert isinstance(form.study.last_error, OSError)
    after = snapshot(folder)
    assert {k: v for k, v in after.items() if not k.endswith(".bak")} == before
    assert not list(folder.glob(".*.tmp"))
    load(folder)


def test_a_failure_on_the_second_file_restores_the_first(folder, monkeypatch):
    from b12explore import rows

    before = snapshot(folder)
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(Path(dst).name)
        if Path(dst).name == "results.csv":
            raise OSError(5, "I/O error")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", flaky)
    studies = (folder / "studies.csv").read_bytes() + b""
    changes = {"studies.csv": studies.replace(b"Chiu 2011", b"Chiu 2011x", 1)}
    changes["results.csv"] = (folder / "results.csv").read_bytes()
    with pytest.raises(OSError):
        rows.write_atomic(folder, changes)
    monkeypatch.undo()
    assert "studies.csv" in calls
    after = snapshot(folder)
    assert {k: v for k, v in after.items() if not k.endswith(".bak")} == before


def test_the_shipped_data_folder_is_refused():
    with pytest.raises(ShippedDataError, match="allow_shipped=True"):
        EntryForm(repo_data_dir())


def test_a_candidate_becomes_a_study(folder):
    form = EntryForm(folder)
    ris = b"TY  - JOUR\nAU  - Doe, J\nPY  - 2024\nTI  - A candidate trial\nJO  - J Test\nER  - \n"
    assert form.import_file("new.ris", ris) == "1 candidates added"
    assert len(form.candidate.options) == 2
    form.candidate.value = 1
    assert form.study.controls["title"].value == "A candidate trial"
    assert form.study.controls["journal"].value == "J Test"
    fill(form.study, {k: v for k, v in NEW_STUDY.items() if k not in ("title", "first_author")})
    assert form.study.submit(), (form.study.status.value, form.study.problems)
    evidence = load(folder)
    assert "A candidate trial" in evidence.studies["title"].tolist()
    candidates = (folder / "candidates.csv").read_text()
    assert "added,doe2024" in candidates
    assert len(form.candidate.options) == 1  # no candidate left to complete


def test_problems_in_other_tables_are_shown_and_nothing_is_written(folder):
    before = snapshot(folder)
    evidence = load(folder)
    key = evidence.results["study_id"].iloc[0]  # a study with result rows
    form = EntryForm(folder)
    form.study.edit(key)
    form.study.controls["study_id"].value = "renamed2000"
    assert not form.study.submit()
    assert "results.csv" in form.study.problems[""]
    assert "results.csv" in form.study.general.value
    assert snapshot(folder) == before


def test_import_from_the_upload_control(folder):
    form = EntryForm(folder)
    form.import_button.click()
    assert "Choose a .ris" in form.refs_status.value
    content = b"TY  - JOUR\nAU  - Doe, J\nPY  - 2024\nTI  - Uploaded trial\nER  - \n"
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    upload = {"name": "up.ris", "type": "", "size": len(content), "last_modified": when}
    form.upload.value = ({**upload, "content": memoryview(content)},)
    form.import_button.click()
    assert form.refs_status.value == "1 candidates added"
    broken = b"TY  - JOUR\nTI  - cut\n"
    form.upload.value = ({**upload, "name": "cut.ris", "content": memoryview(broken)},)
    before = snapshot(folder)
    form.import_button.click()
    assert "has no end line" in form.refs_status.value
    assert snapshot(folder) == before


def test_a_crlf_file_with_a_bom_keeps_its_bytes_and_line_endings(folder):
    path = folder / "studies.csv"
    text = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text)
    before = path.read_bytes()
    form = EntryForm(folder)
    fill(form.study, NEW_STUDY)
    assert form.study.submit(), form.study.status.value
    after = path.read_bytes()
    assert after.startswith(before) and after.endswith(b"\r\n")
    assert b"\n" not in after[len(before) :].replace(b"\r\n", b"")
    assert "doe2024" in load(folder).studies["study_id"].tolist()
