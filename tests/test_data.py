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
REVIEW_DESIGNS = {"systematic_review", "meta_analysis", "narrative_review"}
PRIMARY_DESIGNS = {"rct", "non_randomised", "observational"}


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


@pytest.mark.parametrize("name", sorted(n for n, r in RESOURCES.items() if n != "search_log"))
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
        if row["design"] in PRIMARY_DESIGNS:
            assert row["n_enrolled"], f"{sid}: primary study without n_enrolled"
        if row["design"] in {"systematic_review", "meta_analysis"}:
            # unknown stays empty, but then the row must say why
            assert row["n_studies"] or "n_studies" in row["note"], (
                f"{sid}: review without n_studies and no note explaining it"
            )


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


@pytest.mark.parametrize("name", sorted(n for n, r in RESOURCES.items() if n != "search_log"))
def test_no_source_url_points_at_a_bare_ip_mirror(name):
    for i, row in enumerate(_rows(name), start=2):
        for url in row["source_url"].split(" | "):
            assert not IP_HOST.match(url), f"{name}.csv line {i}: IP-address mirror {url!r}"


# --- provenance (issue 12) -------------------------------------------------------------------

# Hosts that only carry copies of other publications (PDF mirrors, document-sharing sites,
# blogs, abstract aggregators, forum posts). A URL on one of them is never a primary record.
COPY_HOSTS = (
    "docslib.org",
    "scribd.com",
    "drlevy.ca",
    "pdffox.com",
    "vdocuments.net",
    "vukou.com",
    "humiditycard.com",
    "peakcenterofexcellence.com",
    "issuu.com",
    "nursing-notebook.com",
    "readbyqxmd.com",
    "qxmd.com",
    "ouci.dntb.gov.ua",
    "readkong.com",
    "studylib",
    "globalauthorid.com",
    "cyberleninka.ru",
    "chiro.org",
    "researcher.life",
    "scholarmate.com",
    "elementfx.com",
)
# Publications for which no primary record could be found in the corpus: their copies are the
# only source (documented in data/README.md, "Rows whose only source is a copy").
NO_PRIMARY_FOUND = (
    "docslib.org/doc/543378",  # Chiu 2011, journal PDF copy
    "drlevy.ca/methylcobalamin-injections",  # Chiu 2011, abstract on a clinic blog
)
TABLES_WITH_SOURCES = [
    name
    for name, res in RESOURCES.items()
    if "source_url" in [f["name"] for f in res["schema"]["fields"]]
]


def _urls(value: str) -> list[str]:
    return [u for u in value.split(" | ") if u]


def _is_copy(url: str) -> bool:
    return any(host in url for host in COPY_HOSTS)


@pytest.mark.parametrize("name", TABLES_WITH_SOURCES)
def test_tables_with_sources_have_read_via(name):
    fields = [f["name"] for f in RESOURCES[name]["schema"]["fields"]]
    assert "read_via" in fields, f"{name}: source_url without a read_via column"


@pytest.mark.parametrize("name", TABLES_WITH_SOURCES)
def test_every_row_has_a_primary_source_url(name):
    for i, row in enumerate(_rows(name), start=2):
        urls = _urls(row["source_url"])
        primary = [u for u in urls if not _is_copy(u)]
        unexplained = [
            u for u in urls if _is_copy(u) and not any(k in u for k in NO_PRIMARY_FOUND)
        ]
        assert primary or not unexplained, (
            f"{name}.csv line {i}: only copies in source_url and none is a documented "
            f"no-primary case: {urls}"
        )


@pytest.mark.parametrize("name", TABLES_WITH_SOURCES)
def test_copies_are_named_in_read_via(name):
    for i, row in enumerate(_rows(name), start=2):
        read_via = _urls(row.get("read_via", ""))
        for url in _urls(row["source_url"]):
            if _is_copy(url):
                assert url in read_via, f"{name}.csv line {i}: copy {url!r} not named in read_via"


@pytest.mark.parametrize("name", TABLES_WITH_SOURCES)
def test_read_via_urls_are_well_formed(name):
    for i, row in enumerate(_rows(name), start=2):
        value = row.get("read_via", "")
        assert value == "" or URL_LIST.fullmatch(value), f"{name}.csv line {i}: bad read_via"


def test_no_primary_exceptions_are_documented_in_readme():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for key in NO_PRIMARY_FOUND:
        assert key in readme, f"{key} is exempted from the primary-source rule but not in README"


def test_every_read_via_row_is_listed_in_readme_provenance():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for name in TABLES_WITH_SOURCES:
        for row in _rows(name):
            for url in _urls(row.get("read_via", "")):
                assert url in readme, f"{name}: read_via {url!r} not listed in data/README.md"


# --- studies, reports and counting ------------------------------------------------------------


def test_every_study_has_one_main_report_with_its_source():
    reports = _rows("reports")
    for sid, study in STUDIES.items():
        mains = [r for r in reports if r["study_id"] == sid and r["report_type"] == "main"]
        assert len(mains) == 1, f"{sid}: {len(mains)} main reports"
        assert mains[0]["source_url"] == study["source_url"], f"{sid}: main report source differs"
        assert mains[0]["title"] == study["title"], f"{sid}: main report title differs"


def test_reports_point_at_known_studies_and_dolor_has_a_second_report():
    reports = _rows("reports")
    for r in reports:
        assert r["study_id"] in STUDIES, f"report {r['report_id']}: unknown study"
    dolor = [r for r in reports if r["study_id"] == "dolor2009"]
    assert {r["report_type"] for r in dolor} == {"main", "secondary_analysis"}


def test_new_studies_have_sources_and_coded_comparisons():
    for sid, row in STUDIES.items():
        assert URL_LIST.fullmatch(row["source_url"]), f"{sid}: no source_url"
        assert row["comparison"], f"{sid}: no comparison code"
        assert row["allocation"], f"{sid}: no allocation code"
        if row["design"] in REVIEW_DESIGNS:
            assert row["allocation"] == "not_applicable", f"{sid}: review with an allocation"


def test_derived_or_pooled_counts_only_on_reviews():
    # A review's participant count (derived, pooled subset or all treatments) must never be
    # added to the primary studies it includes: only reviews may carry such counts.
    for sid, row in STUDIES.items():
        if row["n_basis"] in {"derived", "pooled_subset", "all_treatments"}:
            assert row["design"] in REVIEW_DESIGNS, (
                f"{sid}: {row['n_basis']} count on a primary study"
            )


def test_primary_participant_total_excludes_reviews():
    primary = {sid: r for sid, r in STUDIES.items() if r["design"] not in REVIEW_DESIGNS}
    total = sum(_int(r["n_enrolled"]) or 0 for r in primary.values())
    everything = sum(_int(r["n_enrolled"]) or 0 for r in STUDIES.values())
    reviews = sum(
        _int(r["n_enrolled"]) or 0 for r in STUDIES.values() if r["design"] in REVIEW_DESIGNS
    )
    assert total == everything - reviews
    # the Pacific University review's 120 are the 60 + 60 of two included trials: counting
    # the review with them would exceed the trials' own total
    assert "pacificu2014" not in primary
    assert {"chiu2011", "mauro2000", "dolor2009", "ali2021"} <= set(primary)


def test_calderon_counts_are_explained_by_separate_columns():
    row = STUDIES["calderonospina2020"]
    assert (_int(row["n_studies"]), _int(row["n_studies_pooled"])) == (5, 4)
    assert row["n_basis"] == "pooled_subset"


def test_p_scope_is_set_on_comparisons_only():
    for i, row in enumerate(_rows("results"), start=2):
        if row["arm_role"] != "comparison":
            assert not row["p_scope"], f"results.csv line {i}: p_scope on an arm row"


def test_ali_2021_is_not_coded_as_a_between_group_benefit():
    for row in _rows("results"):
        if row["study_id"] == "ali2021" and row["arm_role"] == "comparison":
            assert row["p_scope"] in {"unclear", "within_group"}
            assert row["direction"] == ""
    assert STUDIES["ali2021"]["allocation"] == "not_described"


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("studies", "comparison"),
        ("studies", "allocation"),
        ("studies", "n_basis"),
        ("results", "comparison"),
        ("results", "p_scope"),
        ("reports", "report_type"),
    ],
)
def test_new_coded_fields_have_labels_for_every_code(name, field):
    spec = next(f for f in RESOURCES[name]["schema"]["fields"] if f["name"] == field)
    assert list(spec["enumLabels"]) == spec["constraints"]["enum"]


def test_comparison_codes_follow_the_contract_order():
    spec = next(f for f in RESOURCES["studies"]["schema"]["fields"] if f["name"] == "comparison")
    assert spec["constraints"]["enum"] == [
        "b12_vs_placebo",
        "b12_cotreatment_vs_cotreatment",
        "bvit_nsaid_vs_nsaid",
        "bvit_vs_placebo",
        "route_vs_route",
        "single_group",
        "several",
        "not_applicable",
    ]


# --- appraisal coverage (issue 11) --------------------------------------------------------------

APPRAISAL_TABLES = {"RoB 2": "rob2", "ROBINS-I": "robins_i", "AMSTAR 2": "amstar2"}
BASIS_WORDS = {
    "title_only": "title",
    "abstract_only": "abstract",
    "first_page": "first page",
    "full_text": "full text",
}


def _appraisal_rows(table: str) -> dict[str, list[dict[str, str]]]:
    id_col = "review_id" if table == "amstar2" else "study_id"
    out: dict[str, list[dict[str, str]]] = {}
    for row in _rows(table):
        out.setdefault(row[id_col], []).append(row)
    return out


def _study_urls() -> dict[str, set[str]]:
    urls: dict[str, set[str]] = {}
    for name in ("studies", "reports"):
        for row in _rows(name):
            for col in ("source_url", "read_via"):
                urls.setdefault(row["study_id"], set()).update(_urls(row.get(col, "")))
    return urls


def test_every_study_is_appraised_by_its_tool_or_has_a_stated_reason():
    from b12explore.appraisal import (
        AMSTAR2_ITEMS,
        ROB2_DOMAINS,
        ROBINS_I_DOMAINS,
        appraisal_tool,
    )

    expected = {"RoB 2": ROB2_DOMAINS, "ROBINS-I": ROBINS_I_DOMAINS, "AMSTAR 2": AMSTAR2_ITEMS}
    tables = {tool: _appraisal_rows(t) for tool, t in APPRAISAL_TABLES.items()}
    for sid, row in STUDIES.items():
        tool, reason = appraisal_tool(row["design"], row["comparison"])
        if tool is None:
            assert len(reason) > 20, f"{sid}: not appraised and no reason"
            assert all(sid not in t for t in tables.values()), f"{sid}: appraised without a tool"
            continue
        rows = tables[tool].get(sid, [])
        key = "item" if tool == "AMSTAR 2" else "domain"
        got = [r[key] for r in rows]
        assert sorted(got) == sorted([*expected[tool], "overall"]), (
            f"{sid}: {tool} rows {got} instead of every domain plus overall"
        )
        others = [t for name, t in tables.items() if name != tool and sid in t]
        assert not others, f"{sid}: appraised with a tool that does not fit its design"
    primary = [s for s, r in STUDIES.items() if r["design"] in PRIMARY_DESIGNS]
    assert {"levin2011", "maksimov2020", "filatova2024"} <= set(primary)


def test_every_judgement_has_a_support_text_that_names_its_basis():
    for table in APPRAISAL_TABLES.values():
        for i, row in enumerate(_rows(table), start=2):
            support = row["support"]
            assert len(support) > 40, f"{table}.csv line {i}: support text too short"
            word = BASIS_WORDS[row["basis"]]
            assert word in support.lower(), (
                f"{table}.csv line {i}: basis {row['basis']} but the support does not say "
                f"{word!r}: {support[:60]!r}"
            )


def test_appraisals_cite_the_studys_own_record_and_name_their_copies():
    urls = _study_urls()
    for table in [*APPRAISAL_TABLES.values(), "review_inclusions"]:
        id_col = "study_id" if table in ("rob2", "robins_i") else "review_id"
        for i, row in enumerate(_rows(table), start=2):
            own = urls[row[id_col]]
            assert set(_urls(row["source_url"])) & own, (
                f"{table}.csv line {i}: source_url is none of {row[id_col]}'s records"
            )
            stray = [u for u in _urls(row["read_via"]) if u not in own]
            assert not stray, f"{table}.csv line {i}: read_via {stray} is not a known copy"


def test_certainty_rows_cite_records_of_their_studies():
    urls = _study_urls()
    for i, row in enumerate(_rows("certainty"), start=2):
        ids = [s for s in row["study_ids"].split(";") if s]
        assert ids and all(s in STUDIES for s in ids), f"certainty.csv line {i}: unknown study"
        own = set().union(*(urls[s] for s in ids))
        assert set(_urls(row["source_url"])) <= own, (
            f"certainty.csv line {i}: a source_url is not a record of {ids}"
        )
