"""``python -m b12explore validate``: exit codes 0 / 1 / 2, output, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from broken_csv import DATA, make_folder, studies_text, study

from b12explore.cli import build_parser, main

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "b12explore", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_shipped_data_is_valid():
    out = run_cli("validate")
    assert out.returncode == 0, out.stdout + out.stderr
    (line,) = out.stdout.splitlines()
    described = json.loads((REPO / "data" / "datapackage.json").read_text())["resources"]
    assert line.startswith(f"data OK: {len(described)} tables (") and "version 0.1.0" in line
    studies = sum(1 for _ in (REPO / "data" / "studies.csv").open(encoding="utf-8")) - 1
    assert f"({studies} studies, " in line  # every table counted, the studies first
    for resource in described:
        assert f" {resource['name']}" in line
    assert "Traceback" not in out.stderr


def test_invalid_data_prints_every_problem_and_exits_1(tmp_path):
    folder = make_folder(
        tmp_path, studies=studies_text(study(1, year="19x9"), study(2, design="rtc"))
    )
    out = run_cli("validate", str(folder))
    assert out.returncode == 1
    assert out.stdout.splitlines() == [
        'studies.csv, line 2, column "year": expected an integer >= 1950, got "19x9"',
        'studies.csv, line 3, column "design": expected one of: rct, non_randomised, '
        "systematic_review, meta_analysis, narrative_review, observational, animal, "
        'got "rtc"; did you mean "rct"?',
    ]
    assert out.stderr.strip() == "invalid data: 2 problems listed above"


@pytest.mark.parametrize("what", ["missing", "file", "no_descriptor", "broken_descriptor"])
def test_unusable_folder_prints_one_line_and_exits_2(tmp_path, what):
    target = tmp_path / "data"
    if what == "file":
        target.write_text("x")
    elif what != "missing":
        make_folder(tmp_path)
        if what == "no_descriptor":
            (target / "datapackage.json").unlink()
        else:
            (target / "datapackage.json").write_text("{oops")
    out = run_cli("validate", str(target))
    assert out.returncode == 2
    assert out.stdout == ""
    assert len(out.stderr.splitlines()) == 1 and out.stderr.startswith("error: ")
    assert "Traceback" not in out.stderr


def test_warnings_go_to_stderr(tmp_path, capsys):
    text = "".join(
        line.replace("study_id,", "study_id,extra,", 1).replace("s1,", "s1,x,")
        for line in studies_text(study(1)).splitlines(keepends=True)
    )
    assert main(["validate", str(make_folder(tmp_path, studies=text))]) == 0
    out = capsys.readouterr()
    assert out.err == (
        'warning: studies.csv: unknown column "extra" (not in datapackage.json); kept as text\n'
    )
    assert out.out.startswith("data OK: ") and " tables (1 studies, 0 results," in out.out
    assert "; 1 warnings" in out.out


def test_random_bytes_never_give_a_traceback(tmp_path):
    folder = make_folder(tmp_path, studies=bytes(range(256)) * 4)
    out = run_cli("validate", str(folder))
    assert out.returncode == 1 and "Traceback" not in out.stderr


def test_parser_has_validate_and_takes_a_default_folder():
    args = build_parser().parse_args(["validate"])
    assert args.data_dir is None and args.command == "validate"


def test_a_command_is_required(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2


def test_main_in_process_matches_subprocess(capsys):
    assert main(["validate", str(DATA)]) == 0
    assert capsys.readouterr().out.startswith("data OK:")
