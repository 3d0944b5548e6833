"""Consistency checks on the shipped evidence tables in ``data/``.

These tests are explicitly about the shipped data: they read the CSV files as text (no
coercion) and check them against ``data/datapackage.json`` and against each other.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
DESCRIPTOR = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
RESOURCES = {res["name"]: res for res in DESCRIPTOR["resources"]}
URL_LIST = re.compile(r"https?://\S+( \| https?://\S+)*")


def _rows(name: str) -> list[dict[str, str]]:
    path = DATA / RESOURCES[name]["path"]
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _int(value: str) -> int | None:
    return int(value) if value != "" else None


STUDIES = {row["study_id"]: row for row in _rows("studies")}


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_header_matches_descriptor_order(name):
    path = DATA / RESOURCES[name]["path"]
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path.name} starts with a BOM"
    header = raw.decode("utf-8").splitlines()[0].split(",")
    expected = [f["name"] for f in RESOURCES[name]["schema"]["fields"]]
    assert header == expected, f"{path.name}: header {header} != descriptor {expected}"


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_every_table_has_rows(name):
    assert _rows(name), f"{name}.csv has no data rows"


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_every_row_has_a_source_url(name):
    for i, row in enumerate(_rows(name), start=2):
        url = row.get("source_url", "")
        assert URL_LIST.fullmatch(url), f"{name}.csv line {i}: bad or missing source_url {url!r}"


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_enum_values_are_in_schema(name):
    enums = {
        f["name"]: f["constraints"]["enum"]
        for f in RESOURCES[name]["schema"]["fields"]
        if "enum" in f.get("constraints", {})
    }
    for i, row in enumerate(_rows(name), start=2):
        for col, allowed in enums.items():
            value = row[col]
            assert value == "" or value in allowed, (
                f"{name}.csv line {i} column {col}: {value!r} not in {allowed}"
            )


@pytest.mark.parametrize("name", ["results", "claims"])
def test_study_ids_exist_in_studies(name):
    for i, row in enumerate(_rows(name), start=2):
        sid = row["study_id"]
        assert sid == "" or sid in STUDIES, f"{name}.csv line {i}: unknown study_id {sid!r}"


def test_mechanism_study_ids_exist_in_studies():
    for i, row in enumerate(_rows("mechanisms"), start=2):
        for sid in filter(None, row["study_ids"].split(";")):
            assert sid in STUDIES, f"mechanisms.csv line {i}: unknown study_id {sid!r}"


def test_n_analysed_not_above_n_enrolled():
    for sid, row in STUDIES.items():
        enrolled, analysed = _int(row["n_enrolled"]), _int(row["n_analysed"])
        if enrolled is not None and analysed is not None:
            assert analysed <= enrolled, f"{sid}: n_analysed {analysed} > n_enrolled {enrolled}"


def test_arm_sizes_within_enrolment():
    totals: dict[tuple[str, str, str], int] = {}
    for i, row in enumerate(_rows("results"), start=2):
        if row["arm_role"] == "comparison":
            continue
        size = _int(row["n"]) or _int(row["total"])
        if size is None:
            continue
        enrolled = _int(STUDIES[row["study_id"]]["n_enrolled"])
        if enrolled is None:
            continue
        assert size <= enrolled, f"results.csv line {i}: arm size {size} > enrolled {enrolled}"
        key = (row["study_id"], row["outcome"], row["timepoint"])
        totals[key] = totals.get(key, 0) + size
    for (sid, outcome, timepoint), total in totals.items():
        enrolled = _int(STUDIES[sid]["n_enrolled"])
        assert total <= enrolled, (
            f"{sid} {outcome} at {timepoint!r}: arms sum to {total} > enrolled {enrolled}"
        )


def test_events_not_above_total():
    for i, row in enumerate(_rows("results"), start=2):
        events, total = _int(row["events"]), _int(row["total"])
        if events is not None and total is not None:
            assert events <= total, f"results.csv line {i}: events {events} > total {total}"


def test_ci_brackets_estimate():
    for i, row in enumerate(_rows("results"), start=2):
        if row["estimate"] and row["ci_low"] and row["ci_high"]:
            low, est, high = float(row["ci_low"]), float(row["estimate"]), float(row["ci_high"])
            assert low <= est <= high, f"results.csv line {i}: CI does not contain estimate"


def test_comparison_rows_have_direction_and_statistic():
    for i, row in enumerate(_rows("results"), start=2):
        if row["arm_role"] == "comparison":
            assert row["p_scope"], f"results.csv line {i}: comparison without p_scope"
            if row["p_scope"] == "between_group":
                assert row["direction"], f"results.csv line {i}: comparison without direction"
            else:
                # a within-group or unclear test says nothing about the direction between groups
                assert not row["direction"], (
                    f"results.csv line {i}: direction on a non-between test"
                )
            assert row["p_value"] or row["estimate"], f"results.csv line {i}: no p or estimate"
            if row["p_value"]:
                assert row["p_operator"], f"results.csv line {i}: p-value without operator"


def test_article_studies_are_present():
    cited = {sid for sid, row in STUDIES.items() if row["in_article"] == "true"}
    assert {"chiu2011", "ali2021", "julian2020"} <= cited


def test_reviews_have_study_counts_and_trials_have_sizes():
    for sid, row in STUDIES.items():
        if row["design"] in {"rct", "non_randomised"}:
            assert row["n_enrolled"], f"{sid}: trial without n_enrolled"
        if row["design"] in {"systematic_review", "meta_analysis"}:
            assert row["n_studies"], f"{sid}: review without n_studies"


def _frictionless_command() -> list[str]:
    exe = Path(sys.executable).parent / "frictionless"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("frictionless")
    return [found] if found else [sys.executable, "-m", "frictionless"]


def test_frictionless_validate_passes():
    cmd = [*_frictionless_command(), "validate", "--json", str(DATA / "datapackage.json")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert proc.stdout, f"frictionless printed nothing: {proc.stderr}"
    report = json.loads(proc.stdout)
    errors = [
        f"{task.get('name')}: {err.get('message')}"
        for task in report.get("tasks", [])
        for err in task.get("errors", [])
    ]
    assert report["valid"], "\n".join(errors)


IP_HOST = re.compile(r"https?://\d{1,3}(\.\d{1,3}){3}[:/]")


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_no_source_url_points_at_a_bare_ip_mirror(name):
    for i, row in enumerate(_rows(name), start=2):
        for url in row["source_url"].split(" | "):
            assert not IP_HOST.match(url), f"{name}.csv line {i}: IP-address mirror {url!r}"
