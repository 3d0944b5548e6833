"""diff(old, new) and ``python -m b12explore diff``: exactly the changes made, no more."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from evidence_factory import result, write_evidence
from evidence_factory import study as factory_study

from b12explore import diff, load
from b12explore.changes import DiffError, load_side, report_text, write_report
from b12explore.cli import main
from b12explore.schema import repo_data_dir


def study(study_id: str, year: int, **values) -> dict:
    """A factory study with the codes added to the descriptor later filled in."""
    values = {"allocation": "randomised", "comparison": "b12_vs_placebo", **values}
    return factory_study(study_id, year, **values)


def arms(study_id: str, mean_i: float, mean_c: float, n: int) -> list[dict]:
    common = {"outcome": "vas", "scale_min": 0, "scale_max": 10, "sd": 2.0, "n": n // 2}
    return [
        result(f"{study_id}_i", study_id, arm_role="intervention", mean=mean_i, **common),
        result(f"{study_id}_c", study_id, arm_role="control", mean=mean_c, **common),
    ]


def base_rows():
    studies = [
        study("aa2011", 2011, n_enrolled=60, route="intramuscular"),
        study("bb2015", 2015, n_enrolled=80, route="oral"),
        study("cc2018", 2018, n_enrolled=40, route="oral", design="non_randomised"),
    ]
    results = (
        arms("aa2011", 3.0, 5.0, 60) + arms("bb2015", 4.0, 4.5, 80) + arms("cc2018", 2, 3, 40)
    )
    return studies, results


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    studies, results = base_rows()
    old = write_evidence(tmp_path / "old", studies, results)
    studies = [s for s in studies if s["study_id"] != "cc2018"]
    studies[0]["title"] = "Trial aa2011, corrected title"
    studies.append(study("dd2022", 2022, n_enrolled=100, route="intravenous"))
    results = [r for r in results if r["study_id"] != "cc2018"] + arms("dd2022", 3.5, 4.0, 100)
    next(r for r in results if r["result_id"] == "bb2015_c")["mean"] = "5.5"
    new = write_evidence(tmp_path / "new", studies, results)
    return old, new


def test_diff_lists_exactly_the_changes_made(folders):
    old, new = folders
    d = diff(old, new)
    assert d.changed and d.schema.empty
    assert d.rows[["table", "key", "change", "field", "old", "new"]].values.tolist() == [
        ["results", "cc2018_c", "removed", "", "", ""],
        ["results", "cc2018_i", "removed", "", "", ""],
        ["results", "dd2022_c", "added", "", "", ""],
        ["results", "dd2022_i", "added", "", "", ""],
        ["results", "bb2015_c", "changed", "mean", "4.5", "5.5"],
        ["studies", "cc2018", "removed", "", "Cc 2018", ""],
        ["studies", "dd2022", "added", "", "", "Dd 2022"],
        ["studies", "aa2011", "changed", "title", "Trial aa2011", "Trial aa2011, corrected title"],
    ]
    assert d.studies["key"].tolist() == ["cc2018", "dd2022", "aa2011"]
    moved = d.counts[d.counts["change"] != 0]
    assert {(r.what, r.group, r.old, r.new) for r in moved.itertuples()} == {
        ("studies by route", "oral", 2, 1),
        ("studies by route", "intravenous", 0, 1),
        ("studies by design", "non_randomised", 1, 0),
        ("studies by design", "rct", 2, 3),
        ("participants", "primary studies", 180, 240),
    }
    vas = d.pooled[d.pooled["outcome"] == "vas"]  # "all", or per comparison code
    assert len(vas) >= 1
    for row in vas.itertuples():
        assert (row.measure, row.k_old, row.k_new) == ("MD", 3, 3)
        assert row.changed and row.estimate_change == pytest.approx(
            row.estimate_new - row.estimate_old
        )
        assert row.estimate_new < row.estimate_old < 0  # bb2015: control mean 4.5 -> 5.5
    assert d.verdicts.empty


def test_a_version_compared_with_itself_has_no_changes(folders):
    old, _ = folders
    d = diff(old, old)
    assert not d.changed and d.rows.empty and d.schema.empty
    assert (d.counts["change"] == 0).all() and not d.pooled["changed"].any()
    assert report_text(d).endswith("no changes")


def test_different_descriptors_report_the_schema_change(folders):
    old, new = folders
    path = new / "datapackage.json"
    descriptor = json.loads(path.read_text())
    fields = descriptor["resources"][0]["schema"]["fields"]
    fields.append({"name": "funding", "type": "string"})
    design = next(f for f in fields if f["name"] == "design")
    design["constraints"]["enum"].append("case_series")
    path.write_text(json.dumps(descriptor))
    d = diff(old, new)
    changes = d.schema[["table", "field", "change"]].values.tolist()
    assert ["studies", "funding", "field added"] in changes
    assert ["studies", "design", "constraints changed"] in changes
    assert "funding" not in set(d.rows["field"])  # absent from the old side: not a row change


def test_verdict_changes_are_listed(tmp_path):
    studies, _ = base_rows()
    claim = {
        "claim_id": "c1",
        "claim": "A claim",
        "detail": "year",
        "study_id": "aa2011",
        "verdict": "supported",
        "note": "n",
        "source_url": "https://example.org/c",
    }
    old = write_evidence(tmp_path / "old", studies, claims=[claim])
    new = write_evidence(tmp_path / "new", studies, claims=[dict(claim, verdict="not_supported")])
    d = diff(old, new)
    assert d.verdicts[["key", "field", "old", "new"]].values.tolist() == [
        ["c1", "verdict", "supported", "not_supported"]
    ]


def test_git_revisions_are_read_from_the_repository(tmp_path):
    import csv
    import io
    import subprocess

    shown = subprocess.run(
        ["git", "-C", str(repo_data_dir().parent), "show", "HEAD:data/studies.csv"],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8-sig")
    committed = [row["study_id"] for row in csv.DictReader(io.StringIO(shown))]
    assert load_side("HEAD").studies["study_id"].tolist() == committed
    assert not diff("HEAD", "HEAD").changed
    copy = shutil.copytree(repo_data_dir(), tmp_path / "data")
    with pytest.raises(DiffError, match="neither a data folder nor a git revision"):
        diff("no-such-revision-xyz", copy)


def test_cli_exit_codes_and_report(folders, tmp_path, capsys):
    old, new = folders
    assert main(["diff", str(old), str(old)]) == 0
    assert "no changes" in capsys.readouterr().out
    assert main(["diff", str(old), str(new), "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert "changed aa2011: title: 'Trial aa2011' -> 'Trial aa2011, corrected title'" in out
    assert "studies by route: oral: 2 -> 1 (-1)" in out
    assert re.search(r"vas MD \[\w+\]: k 3 -> 3", out)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "what-changed.png" in names and "changes-rows.csv" in names
    assert main(["diff", str(tmp_path / "nowhere"), str(new)]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["diff", str(old)])
    assert exc.value.code == 2


def test_write_report_and_chart(folders, tmp_path):
    old, new = folders
    d = diff(old, new)
    from b12explore.charts.changes import changes_chart

    ax = changes_chart(d)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "route: Intravenous" in labels and "design: Non-randomised" in labels
    files = write_report(d, tmp_path / "r")
    assert {p.suffix for p in files} == {".csv", ".png", ".svg"}
    assert load(new).studies.shape[0] == 3
