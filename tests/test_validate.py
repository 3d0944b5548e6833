"""The bad-input catalogue (issue 2, item 9) and the checks behind it.

Every case builds its own folder in ``tmp_path`` (a copy of the shipped
``datapackage.json`` plus small CSVs) and pins the exact message.
"""

from __future__ import annotations

import pytest
from broken_csv import (
    RESULT,
    check_both_paths,
    columns,
    csv_line,
    make_folder,
    studies_text,
    study,
    table_text,
)

from b12explore import rules
from b12explore.errors import (
    MAX_PER_COLUMN,
    DataFolderError,
    DataValidationError,
    Problem,
    ProblemLog,
)
from b12explore.fields import describe_field, suggest
from b12explore.io import load

WIDTH = len(columns("studies"))

DESIGNS = (
    "rct, non_randomised, systematic_review, meta_analysis, narrative_review, observational, "
    "animal"
)


def problems(folder) -> list[str]:
    """The problems ``load`` reports; the column-wise and row-by-row paths must agree."""
    with pytest.raises(DataValidationError) as info:
        load(folder)
    found = [str(p) for p in info.value.problems]
    assert check_both_paths(folder) == found
    return found


def lines_of(text: str) -> list[str]:
    return text.splitlines(keepends=True)


# --------------------------------------------------------------------------- files
def test_missing_studies_file(tmp_path):
    assert problems(make_folder(tmp_path, studies=None)) == [
        "studies.csv: required file not found"
    ]


def test_missing_optional_tables_give_empty_typed_frames(tmp_path):
    ev = load(make_folder(tmp_path))
    assert len(ev.studies) == 2
    assert ev.results.empty and list(ev.results.columns) == columns("results")
    assert ev.results["outcome"].dtype == "category" and ev.results["n"].dtype == "Int64"


def test_empty_file(tmp_path):
    (msg,) = problems(make_folder(tmp_path, studies=""))
    assert msg == (
        "studies.csv: the file is empty; expected a header row naming the columns ("
        + ", ".join(columns("studies"))
        + ")"
    )


def test_empty_optional_file_is_an_error_too(tmp_path):
    (msg,) = problems(make_folder(tmp_path, claims="\n\n"))
    assert msg.startswith("claims.csv: the file is empty; expected a header row")


def test_header_only_studies_is_an_error(tmp_path):
    folder = make_folder(tmp_path, studies=csv_line(columns("studies")) + "\n")
    assert problems(folder) == ["studies.csv, line 1: no studies: expected at least one row"]


def test_header_only_optional_table_is_valid_and_empty(tmp_path):
    ev = load(make_folder(tmp_path, results=csv_line(columns("results")) + "\n"))
    assert ev.results.empty and list(ev.results.columns) == columns("results")


def test_random_bytes_name_each_line(tmp_path):
    folder = make_folder(tmp_path, studies=b"\x00\x01abc\n\xff\xfe\x80\n")
    assert problems(folder) == [
        'studies.csv, line 2: expected UTF-8 text, got "ÿþ€"; byte 0xff at position 1 of '
        "the line is not UTF-8; save the file as UTF-8 (this looks like Windows-1252 or "
        "Latin-1 text)"
    ]


def test_valid_utf8_garbage_is_not_a_header(tmp_path):
    (msg,) = problems(make_folder(tmp_path, studies="qwerty,uiop\n1,2\n"))
    assert msg == (
        "studies.csv, line 1: expected a header row naming the columns "
        + ", ".join(columns("studies"))
        + ', got "qwerty,uiop"'
    )


def test_a_folder_named_like_the_table(tmp_path):
    folder = make_folder(tmp_path, studies=None)
    (folder / "studies.csv").mkdir()
    assert problems(folder) == ["studies.csv: expected a CSV file, found a folder"]


def test_broken_datapackage_json(tmp_path):
    folder = make_folder(tmp_path, datapackage_json='{"resources": [\n  {"name": 1,}\n]}')
    with pytest.raises(DataFolderError) as info:
        load(folder)
    assert str(info.value) == (
        f"{folder / 'datapackage.json'}, line 2: broken JSON at column 14: "
        "Expecting property name enclosed in double quotes"
    )


# --------------------------------------------------------------------------- header
def test_missing_required_column(tmp_path):
    text = studies_text().replace("label,", "", 1)
    text = "".join(line.replace("S 1,", "").replace("S 2,", "") for line in lines_of(text))
    assert problems(make_folder(tmp_path, studies=text)) == [
        'studies.csv, line 1, column "label": required column is missing'
    ]


def test_misspelt_column_gets_a_hint(tmp_path):
    text = studies_text().replace("label,", "lable,", 1)
    assert problems(make_folder(tmp_path, studies=text)) == [
        'studies.csv, line 1, column "label": required column is missing '
        '(is "lable" meant to be "label"?)'
    ]


def test_unknown_extra_column_is_kept_with_a_warning(tmp_path):
    text = "".join(
        line.replace("study_id,", "study_id,my_notes,", 1)
        .replace("s1,", "s1,note one,")
        .replace("s2,", "s2,,")
        for line in lines_of(studies_text())
    )
    ev = load(make_folder(tmp_path, studies=text))
    assert ev.warnings == (
        'studies.csv: unknown column "my_notes" (not in datapackage.json); kept as text',
    )
    assert ev.studies["my_notes"].tolist()[0] == "note one"
    assert ev.studies["my_notes"].isna().tolist() == [False, True]


def test_absent_optional_column_is_filled_as_missing_with_a_warning(tmp_path):
    cols = [c for c in columns("studies") if c != "journal"]
    text = csv_line(cols) + "\n" + csv_line([study(1).get(c) or _default(c) for c in cols]) + "\n"
    ev = load(make_folder(tmp_path, studies=text))
    assert ev.warnings == ('studies.csv: column "journal" is absent; treated as not reported',)
    assert ev.studies["journal"].isna().all() and ev.studies["journal"].dtype == "str"


def _default(col):
    from broken_csv import STUDY

    return STUDY.get(col, "")


def test_odd_column_names_are_escaped_in_warnings(tmp_path):
    text = "".join(
        line.rstrip("\n") + (',"bad\x1b[31mname"\n' if i == 0 else ",v\n")
        for i, line in enumerate(lines_of(studies_text()))
    )
    ev = load(make_folder(tmp_path, studies=text))
    assert ev.warnings == (
        'studies.csv: unknown column "bad\\u001b[31mname" (not in datapackage.json); kept as text',
    )


def test_duplicate_column_name(tmp_path):
    text = "".join(
        line.rstrip("\n") + (",x\n" if i else ",label\n")
        for i, line in enumerate(lines_of(studies_text()))
    )
    assert problems(make_folder(tmp_path, studies=text)) == [
        f'studies.csv, line 1, column "label": appears twice (columns 2 and {WIDTH + 1})'
    ]


# --------------------------------------------------------------------------- cells
def test_wrong_type(tmp_path):
    folder = make_folder(tmp_path, studies=studies_text(study(1), study(2, n_enrolled="12a")))
    assert problems(folder) == [
        'studies.csv, line 3, column "n_enrolled": expected an integer between 1 and 10000000, '
        'got "12a"'
    ]


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        ("year", "2011.5", "expected an integer >= 1950"),
        ("dose_mcg", "1,5", "expected a number >= 0"),
        ("dose_mcg", "NaN", "expected a number >= 0"),
        ("dose_mcg", "1e999", "expected a number >= 0"),
        ("other_b_vitamins", "yes", "expected true or false"),
        ("study_id", "Bad-Id", "expected text matching the pattern [a-z][a-z0-9_]*"),
        ("label", "", "expected a value (required)"),
        ("design", "", f"expected one of: {DESIGNS} (required)"),
    ],
)
def test_cell_problems(tmp_path, cell, value, message):
    folder = make_folder(tmp_path, studies=studies_text(study(1, **{cell: value})))
    shown = f'"{value}"' if value else "an empty cell"
    assert problems(folder) == [f'studies.csv, line 2, column "{cell}": {message}, got {shown}']


def test_enum_typo_suggests(tmp_path):
    folder = make_folder(
        tmp_path,
        studies=studies_text(study(1, design="rtc"), study(2, design="Systematic Review")),
    )
    assert problems(folder) == [
        f'studies.csv, line 2, column "design": expected one of: {DESIGNS}, got "rtc"; '
        'did you mean "rct"?',
        f'studies.csv, line 3, column "design": expected one of: {DESIGNS}, got '
        '"Systematic Review"; did you mean "systematic_review"?',
    ]


def test_enum_without_close_match_has_no_suggestion(tmp_path):
    folder = make_folder(tmp_path, studies=studies_text(study(1, design="zzzz")))
    assert problems(folder) == [
        f'studies.csv, line 2, column "design": expected one of: {DESIGNS}, got "zzzz"'
    ]


@pytest.mark.parametrize("value", ["0", "-3"])
def test_zero_or_negative_counts(tmp_path, value):
    folder = make_folder(tmp_path, studies=studies_text(study(1, n_enrolled=value)))
    assert problems(folder) == [
        f'studies.csv, line 2, column "n_enrolled": expected an integer between 1 and 10000000, '
        f'got "{value}"'
    ]


def test_maximum(tmp_path):
    rows = [{"result_id": "a", "p_value": "1.5"}]
    folder = make_folder(tmp_path, results=table_text("results", rows))
    assert problems(folder) == [
        'results.csv, line 2, column "p_value": expected a number between 0 and 1, got "1.5"'
    ]


def test_boolean_spellings(tmp_path):
    spellings = ["true", "True", "TRUE", "1", "false", "False", "FALSE", "0"]
    rows = [study(i, in_article=v) for i, v in enumerate(spellings)]
    ev = load(make_folder(tmp_path, studies=studies_text(*rows)))
    assert ev.studies["in_article"].tolist() == [True] * 4 + [False] * 4


# --------------------------------------------------------------------------- keys
def test_duplicate_primary_key(tmp_path):
    folder = make_folder(tmp_path, studies=studies_text(study(1), study(2), study(1)))
    assert problems(folder) == [
        'studies.csv, line 4, column "study_id": expected a unique primary key, got "s1"; '
        "first on line 2"
    ]


def test_duplicate_composite_primary_key(tmp_path):
    rows = [
        {
            "route": "oral",
            "feature": "cost",
            "description": "a",
            "score": "1",
            "source_url": "https://x.org",
        },
        {
            "route": "oral",
            "feature": "absorption",
            "description": "b",
            "score": "2",
            "source_url": "https://x.org",
        },
        {
            "route": "oral",
            "feature": "cost",
            "description": "c",
            "score": "3",
            "source_url": "https://x.org",
        },
    ]
    folder = make_folder(tmp_path, delivery_routes=table_text("delivery_routes", rows))
    assert problems(folder) == [
        'delivery_routes.csv, line 4, column "route, feature": expected a unique primary '
        'key, got "oral, cost"; first on line 2'
    ]


def test_unique_food(tmp_path):
    row = {
        "food": "Clams",
        "serving": "3 oz",
        "mcg_per_serving": "17",
        "source_url": "https://x.org",
    }
    folder = make_folder(tmp_path, food_sources=table_text("food_sources", [row, row]))
    assert problems(folder) == [
        'food_sources.csv, line 3, column "food": expected a unique primary key, got '
        '"Clams"; first on line 2'
    ]


def test_foreign_key_to_a_missing_study(tmp_path):
    rows = [{"result_id": "a", "study_id": "s3"}, {"result_id": "b", "study_id": "s11"}]
    folder = make_folder(tmp_path, results=table_text("results", rows))
    assert problems(folder) == [
        'results.csv, line 2, column "study_id": expected a study_id listed in studies.csv, '
        'got "s3"',
        'results.csv, line 3, column "study_id": expected a study_id listed in studies.csv, '
        'got "s11"; did you mean "s1"?',
    ]


def test_empty_optional_foreign_key_is_fine(tmp_path):
    row = {
        "claim_id": "c1",
        "claim": "x",
        "detail": "year",
        "verdict": "supported",
        "note": "n",
        "source_url": "https://x.org",
    }
    ev = load(make_folder(tmp_path, claims=table_text("claims", [row])))
    assert ev.claims["study_id"].isna().all()


def test_no_foreign_key_flood_when_studies_is_unreadable(tmp_path):
    folder = make_folder(
        tmp_path, studies=b"\xff\n", results=table_text("results", [{"result_id": "a"}])
    )
    assert [p.split(",")[0] for p in problems(folder)] == ["studies.csv"]


# --------------------------------------------------------------------------- text layout
def test_utf8_bom_accepted(tmp_path):
    ev = load(make_folder(tmp_path, studies="\ufeff" + studies_text()))
    assert list(ev.studies.columns)[0] == "study_id"


def test_latin1_bytes_name_line_and_column(tmp_path):
    text = studies_text(study(1), study(2, title="Caf\u00e9 study"))
    data = text.encode("utf-8").replace("\u00e9".encode(), b"\xe9")
    assert problems(make_folder(tmp_path, studies=data)) == [
        'studies.csv, line 3, column "title": expected UTF-8 text, got '
        '",S 2,Smith,,2011,Café study,Journal,,,,1"; byte 0xe9 at position 23 of the line '
        "is not UTF-8; save the file as UTF-8 (this looks like Windows-1252 or Latin-1 text)"
    ]


def test_crlf_accepted_and_line_numbers_exact(tmp_path):
    text = studies_text(study(1), study(2), study(3, year="x"), newline="\r\n")
    assert problems(make_folder(tmp_path, studies=text)) == [
        'studies.csv, line 4, column "year": expected an integer >= 1950, got "x"'
    ]
    ok = load(make_folder(tmp_path / "ok", studies=studies_text(newline="\r\n")))
    assert ok.studies["in_article"].tolist() == [True, True]


def test_short_row(tmp_path):
    lines = lines_of(studies_text(study(1), study(2)))
    lines[2] = lines[2].rstrip("\n").rsplit(",", 1)[0] + "\n"
    assert problems(make_folder(tmp_path, studies="".join(lines))) == [
        f"studies.csv, line 3: expected {WIDTH} fields as in the header, got {WIDTH - 1}"
    ]


def test_unclosed_quote_names_the_span(tmp_path):
    lines = lines_of(studies_text(study(1), study(2)))
    lines[1] = lines[1].replace("A trial", '"A trial', 1)
    (msg,) = problems(make_folder(tmp_path, studies="".join(lines)))
    assert msg == (
        f"studies.csv, line 2: expected {WIDTH} fields as in the header, got 6 (this row runs "
        "from line 2 to line 3: a quote may be missing its closing quote)"
    )


def test_blank_lines_skipped_and_numbering_kept(tmp_path):
    lines = lines_of(studies_text(study(1), study(2, year="19x9")))
    text = lines[0] + "\n" + lines[1] + "\n   \n" + ",,,\n"[:0] + lines[2]
    assert problems(make_folder(tmp_path, studies=text)) == [
        'studies.csv, line 6, column "year": expected an integer >= 1950, got "19x9"'
    ]


def test_all_empty_row_is_a_blank_line(tmp_path):
    lines = lines_of(studies_text(study(1), study(2, year="x")))
    text = lines[0] + "," * (WIDTH - 1) + "\n" + lines[1] + lines[2]
    assert problems(make_folder(tmp_path, studies=text)) == [
        'studies.csv, line 4, column "year": expected an integer >= 1950, got "x"'
    ]


def test_quoted_newline_keeps_physical_line_numbers(tmp_path):
    text = studies_text(study(1, summary="two\nlines"), study(2, year="x"))
    assert problems(make_folder(tmp_path, studies=text)) == [
        'studies.csv, line 4, column "year": expected an integer >= 1950, got "x"'
    ]


def test_padding_spaces_trimmed(tmp_path):
    text = studies_text(study(1, label="  Padded  ", year=" 2011 ", design=" rct "))
    text = text.replace("study_id,label", " study_id , label ", 1)
    ev = load(make_folder(tmp_path, studies=text))
    row = ev.studies.iloc[0]
    assert (row["study_id"], row["label"], row["year"], row["design"]) == (
        "s1",
        "Padded",
        2011,
        "rct",
    )


def test_formula_like_cells_kept_and_flagged(tmp_path):
    text = studies_text(
        study(1, title="=HYPERLINK(1)", summary="@cmd", comparator="-x", schedule="+1"),
        study(2, dose_mcg="-0", duration_weeks="+2"),
    )
    ev = load(make_folder(tmp_path, studies=text))
    assert ev.studies.loc[0, "title"] == "=HYPERLINK(1)"
    assert ev.formula_cells.values.tolist() == [
        ["studies", 2, "title", "=HYPERLINK(1)"],
        ["studies", 2, "schedule", "+1"],
        ["studies", 2, "comparator", "-x"],
        ["studies", 2, "summary", "@cmd"],
    ]  # numbers such as -0 or +2 are numbers, not formulas


def test_enum_equals_sign_is_not_flagged(tmp_path):
    rows = [{"result_id": "a", "p_value": "0.01", "p_operator": "="}]
    ev = load(make_folder(tmp_path, results=table_text("results", rows)))
    assert ev.results.loc[0, "p_operator"] == "=" and ev.formula_cells.empty


# --------------------------------------------------------------------------- cross-field
def test_analysed_more_than_enrolled(tmp_path):
    folder = make_folder(tmp_path, studies=studies_text(study(1, n_analysed="70")))
    assert problems(folder) == [
        'studies.csv, line 2, column "n_analysed": expected at most n_enrolled (60), got "70"'
    ]


def test_year_in_the_future(tmp_path, monkeypatch):
    monkeypatch.setattr(rules, "_this_year", lambda: 2024)
    folder = make_folder(
        tmp_path, studies=studies_text(study(1, year="2025"), study(2, year="2024"))
    )
    assert problems(folder) == [
        'studies.csv, line 2, column "year": expected a year not in the future (<= 2024), '
        'got "2025"'
    ]


def _results(*rows: dict) -> str:
    return table_text("results", [{"result_id": f"r{i}", **r} for i, r in enumerate(rows)])


def test_arm_sizes_larger_than_the_study(tmp_path):
    text = _results(
        {"n": "30"},
        {"arm_role": "control", "n": "40"},
        {"arm_role": "control", "n": "40", "timepoint": "week 12"},
    )
    assert problems(make_folder(tmp_path, results=text)) == [
        'results.csv, line 2, column "n": expected arm sizes adding up to at most n_enrolled '
        'of study "s1" (60), got "30 + 40 = 70"; lines 2, 3'
    ]


def test_arm_sizes_use_total_when_n_missing(tmp_path):
    text = _results(
        {"n": "", "events": "5", "total": "35", "outcome": "responder", "value_type": ""},
        {
            "arm_role": "control",
            "n": "",
            "events": "2",
            "total": "30",
            "outcome": "responder",
            "value_type": "",
        },
    )
    (msg,) = problems(make_folder(tmp_path, results=text))
    assert msg.endswith('got "35 + 30 = 65"; lines 2, 3')


def test_events_more_than_total(tmp_path):
    text = _results({"n": "", "events": "12", "total": "10", "outcome": "responder"})
    assert problems(make_folder(tmp_path, results=text)) == [
        'results.csv, line 2, column "events": expected at most total (10), got "12"'
    ]


def test_sd_larger_than_the_scale(tmp_path):
    assert problems(make_folder(tmp_path, results=_results({"sd": "12"}))) == [
        'results.csv, line 2, column "sd": expected an SD at most the scale\'s range '
        '(0 to 10), got "12"'
    ]


def test_mean_outside_the_scale(tmp_path):
    text = _results(
        {"mean": "11"}, {"mean": "-4", "value_type": "change", "arm_role": "control", "n": "20"}
    )
    assert problems(make_folder(tmp_path, results=text)) == [
        'results.csv, line 2, column "mean": expected a mean within the scale (0 to 10), got "11"'
    ]


def test_change_beyond_the_scale_width(tmp_path):
    text = _results({"mean": "-12", "value_type": "change"})
    assert problems(make_folder(tmp_path, results=text)) == [
        'results.csv, line 2, column "mean": expected a change within the scale (0 to 10), '
        'got "-12"'
    ]


def test_scale_max_below_scale_min(tmp_path):
    text = _results({"scale_min": "10", "scale_max": "0", "mean": "", "sd": ""})
    assert problems(make_folder(tmp_path, results=text)) == [
        'results.csv, line 2, column "scale_max": expected at least scale_min (10), got "0"'
    ]


def test_all_problems_at_once_across_files(tmp_path):
    folder = make_folder(
        tmp_path,
        studies=studies_text(study(1, year="x"), study(2, design="rtc")),
        results=_results({"study_id": "zz"}),
    )
    found = problems(folder)
    assert [p.split(",")[0] for p in found] == ["studies.csv", "studies.csv", "results.csv"]


# --------------------------------------------------------------------------- large file
LARGE_ROWS = 200_000
LARGE_CHECK = """
import json, resource, sys
from b12explore.errors import DataValidationError
from b12explore.io import load
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    load(sys.argv[1])
    found = []
except DataValidationError as exc:
    found = [str(p) for p in exc.problems]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"problems": found, "rss_growth_kb": after - before}))
"""


def _large_studies(path, rows: int) -> int:
    """A generated studies.csv (required columns + n_enrolled); every 2nd count is bad."""
    from broken_csv import STUDY

    cols = [c for c in columns("studies") if c in {"n_enrolled"} or _is_required(c)]
    sid, n = cols.index("study_id"), cols.index("n_enrolled")
    cells = [STUDY[c] for c in cols]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(csv_line(cols) + "\n")
        for i in range(rows):
            cells[sid], cells[n] = f"s{i}", ("x" if i % 2 else "60")
            fh.write(csv_line(cells) + "\n")
    return path.stat().st_size


def _is_required(col: str) -> bool:
    from broken_csv import RESOURCES

    (field,) = [f for f in RESOURCES["studies"]["schema"]["fields"] if f["name"] == col]
    return bool(field.get("constraints", {}).get("required"))


def test_large_file_caps_problems_and_memory_stays_bounded(tmp_path):
    import json
    import subprocess
    import sys

    folder = make_folder(tmp_path)
    size = _large_studies(folder / "studies.csv", LARGE_ROWS)
    out = subprocess.run(
        [sys.executable, "-c", LARGE_CHECK, str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(out.stdout)
    found = report["problems"]
    assert len(found) == MAX_PER_COLUMN + 1
    assert (
        found[0] == 'studies.csv, line 3, column "n_enrolled": expected an integer between 1 '
        'and 10000000, got "x"'
    )
    assert found[-1] == (
        f'studies.csv, column "n_enrolled": ... and {LARGE_ROWS // 2 - 20} more problems in '
        "this column"
    )
    # Memory grows with the typed table (Python str cells), not with the problems:
    # well under 10 bytes of peak growth per byte of CSV (measured: about 6).
    assert report["rss_growth_kb"] * 1024 < 10 * size


# --------------------------------------------------------------------------- helpers
def test_problem_log_caps_per_file_and_column():
    log = ProblemLog(cap=2)
    for line in range(5):
        log.add(Problem("a.csv", line + 2, "x"))
    log.add(Problem("a.csv", message="no column"))
    assert len(log) == 6
    assert [str(p) for p in log.problems()] == [
        "a.csv: no column",
        'a.csv, line 2, column "x"',
        'a.csv, line 3, column "x"',
        'a.csv, column "x": ... and 3 more problems in this column',
    ]


def test_describe_field_and_suggest():
    assert describe_field({"type": "integer"}) == "an integer"
    assert describe_field({"type": "number", "constraints": {"maximum": 2.5}}) == "a number <= 2.5"
    assert describe_field({"type": "string"}) == "a value"
    assert suggest("Non-Randomised", ["rct", "non_randomised"]) == "non_randomised"
    assert suggest("", ["rct"]) is None


def test_result_defaults_are_valid(tmp_path):
    ev = load(make_folder(tmp_path, results=table_text("results", [RESULT])))
    assert ev.results.loc[0, "n"] == 30
