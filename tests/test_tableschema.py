"""The column-wise reader against the row-by-row reference (issue 16), the CSV splitter
against the ``csv`` module, and the spreadsheet-mistake messages (issue 14)."""

from __future__ import annotations

import csv
import io
import random
import sys
from pathlib import Path

import pytest
from broken_csv import (
    check_both_paths,
    columns,
    make_folder,
    studies_text,
    study,
    table_text,
)

from b12explore.csvtext import CsvBroken, split_fast, split_rows
from b12explore.errors import DataValidationError
from b12explore.io import load

REPO = Path(__file__).resolve().parent.parent
WIDTH = len(columns("studies"))


def _synthetic(folder: Path, n: int) -> Path:
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from interaction import synthetic_folder
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    folder.mkdir(parents=True, exist_ok=True)
    return synthetic_folder(folder, n, seed=3)


BAD_CELLS = [
    "",
    " ",
    "=1+1",
    "-1",
    "0",
    "1e999",
    "NaN",
    "TRUE",
    "2999",
    '"',
    "a\nb",
    ",",
    "\r\n",
    "\x01x",
    "ctl\x1b[31m",
    "rtc",
    "99999999999999999999",
    "  padded  ",
    "x,y",
    '"quoted"',
]


def _mutate(path: Path, rng: random.Random, n: int) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8"), newline="")))
    for _ in range(n):
        r = rng.randrange(1, len(rows))
        c = rng.randrange(len(rows[r]))
        rows[r][c] = rng.choice(BAD_CELLS)
    for r in rng.sample(range(1, len(rows)), 30):  # past the cap in one column
        rows[r][1] = ""
    rows.insert(rng.randrange(2, len(rows)), [])  # a blank line
    rows.insert(rng.randrange(2, len(rows)), [*rows[3], "extra"])  # one field too many
    rows.insert(rng.randrange(2, len(rows)), rows[4][:-2])  # two too few
    rows.insert(rng.randrange(2, len(rows)), rows[5])  # a duplicate key
    buf = io.StringIO()
    csv.writer(buf, lineterminator=rng.choice(["\n", "\r\n"])).writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")


def test_synthetic_1000_studies_same_problems_both_ways(tmp_path):
    folder = _synthetic(tmp_path / "data", 1000)
    assert (folder / "studies.csv").stat().st_size > 100_000  # the pandas splitter runs
    check_both_paths(folder)  # as generated


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_synthetic_1000_studies_with_broken_cells_same_problems_both_ways(tmp_path, seed):
    folder = _synthetic(tmp_path / "data", 1000)
    rng = random.Random(seed)
    _mutate(folder / "studies.csv", rng, 60)
    _mutate(folder / "results.csv", rng, 60)
    found = check_both_paths(folder)
    assert any("more problems in this column" in p for p in found)  # the cap is reached
    assert any("fields as in the header" in p for p in found)
    assert any("control characters" in p for p in found)


# --------------------------------------------------------------------------- splitter
def _norm(records):
    cols = [list(values) for values in records.columns]
    return records.header, records.header_line, records.lines.tolist(), cols, records.broken


def _cell(rng: random.Random) -> str:
    value = "".join(rng.choice(["a", " ", ",", '"', "\n", "\r\n", "\r", "é"]) for _ in range(3))
    if rng.random() < 0.5 or any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"' if rng.random() < 0.95 else value
    return value


def test_fast_splitter_agrees_with_the_csv_module_on_random_text():
    rng = random.Random(7)
    used = 0
    for _ in range(3000):
        rows = ["h1,h2,h3"]
        for _ in range(rng.randint(0, 5)):
            rows.append(",".join(_cell(rng) for _ in range(rng.choice([3, 3, 3, 2, 4, 1, 0]))))
        text = rng.choice(["\n", "\r\n", "\r"]).join(rows) + rng.choice(["", "\n", "\r\n"])
        try:
            expected = _norm(split_rows(text))
        except CsvBroken:
            expected = None
        fast = split_fast(text.encode())
        if fast is not None:
            used += 1
            assert _norm(fast) == expected, repr(text)
    assert used > 2000  # most texts take the fast path


@pytest.mark.parametrize(
    "text",
    ['a,b\n"x,1\n', 'a,b\nx"y,1\n', "a,b\n\x01,2\n", "\n\na,b\n1,2\n", 'a,b\n"x" ,1\n'],
)
def test_fast_splitter_declines_what_it_cannot_split_like_the_csv_module(text):
    assert split_fast(text.encode()) is None


# --------------------------------------------------------------------------- issue 14
def test_semicolon_separated_file_is_named_as_such(tmp_path):
    text = studies_text().replace(",", ";")
    with pytest.raises(DataValidationError) as info:
        load(make_folder(tmp_path, studies=text))
    assert [str(p) for p in info.value.problems] == [
        'studies.csv, line 1: this file uses ";" between values; save it as comma-separated, '
        'or declare the dialect in datapackage.json ("dialect": {"delimiter": ";"})'
    ]


def test_tab_separated_file_is_named_as_such(tmp_path):
    text = studies_text().replace(",", "\t")
    with pytest.raises(DataValidationError) as info:
        load(make_folder(tmp_path, studies=text))
    (msg,) = [str(p) for p in info.value.problems]
    assert msg.startswith('studies.csv, line 1: this file uses tabs ("\\t") between values')


def test_semicolon_file_is_read_when_the_dialect_says_so(tmp_path):
    import json

    text = studies_text(study(1, outcomes="vas"), study(2, outcomes="odi")).replace(",", ";")
    folder = make_folder(tmp_path, studies=text)
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    descriptor["resources"][0]["dialect"] = {"delimiter": ";", "header": True}
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    assert load(folder).studies["study_id"].tolist() == ["s1", "s2"]


def test_unquoted_comma_names_the_likely_cell(tmp_path):
    lines = studies_text(study(1), study(2, title="Pain, and B12")).splitlines(keepends=True)
    lines[2] = lines[2].replace('"Pain, and B12"', "Pain, and B12")
    folder = make_folder(tmp_path, studies="".join(lines))
    with pytest.raises(DataValidationError) as info:
        load(folder)
    assert [str(p) for p in info.value.problems] == [
        f"studies.csv, line 3: expected {WIDTH} fields as in the header, got {WIDTH + 1}; "
        'a value containing "," must be in double quotes: probably column "title" '
        '("Pain, and B12")'
    ]
    assert check_both_paths(folder)


def test_unreadable_row_does_not_cause_foreign_key_errors_elsewhere(tmp_path):
    lines = studies_text(study(1), study(2), study(3)).splitlines(keepends=True)
    lines[3] = lines[3].rstrip("\n") + ",oops\n"  # study s3, line 4, one field too many
    results = table_text(
        "results",
        [
            {"result_id": "a", "study_id": "s3"},
            {"result_id": "b", "study_id": "s3", "arm_role": "control"},
            {"result_id": "c", "study_id": "s9"},
        ],
    )
    folder = make_folder(tmp_path, studies="".join(lines), results=results)
    with pytest.raises(DataValidationError) as info:
        load(folder)
    found = [str(p) for p in info.value.problems]
    assert found[1:] == [
        'results.csv, line 2, column "study_id": studies.csv line 4 could not be read, so '
        "rows referring to it were not checked (lines 2, 3)",
        'results.csv, line 4, column "study_id": expected a study_id listed in studies.csv, '
        'got "s9"',
    ]
    assert found[0].startswith(f"studies.csv, line 4: expected {WIDTH} fields")
    assert check_both_paths(folder) == found
