"""The column-wise and the row-by-row validation paths agree at scale (issue 16).

A 1,000-study synthetic folder (``benchmarks/interaction.py``'s ``synthetic_folder``;
``studies.csv`` and ``results.csv`` are larger than ``tableschema.SMALL_FILE``, so the
column-wise path splits them with ``csvtext.split_fast`` without forcing anything) is
checked with ``check_package(..., fast=True)`` and with the row-by-row reference
``check_package(..., fast=False)`` (the ``csv`` module's records, every cell checked one at
a time). Both must give the same problems in the same order and words, the same
warnings, typed frames and formula-like cells.

Each case of the bad-input catalogue (``tests/test_validate.py``) is planted in the
middle of the large files, and each test also checks that the case was seen (its message,
warning or effect) and which splitter read the large files, so that a test fails when
either path goes wrong or the fast path silently stops being used. The broken
``datapackage.json`` case is not here: it stops ``load`` before any table is read, so no
table path is involved.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from broken_csv import table_text

from b12explore import tableschema
from b12explore.schema import read_descriptor
from b12explore.validate import Checked, check_package

REPO = Path(__file__).resolve().parent.parent
N_STUDIES = 1000
LINE = 500  # the physical line where a case is planted (a record of one line)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The valid 1,000-study folder (generated once; each test works on a copy)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from interaction import synthetic_folder
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    folder = tmp_path_factory.mktemp("scale") / "data"
    folder.mkdir()
    return synthetic_folder(folder, N_STUDIES, seed=5)


@pytest.fixture
def folder(base, tmp_path) -> Path:
    return Path(shutil.copytree(base, tmp_path / "data"))


# --------------------------------------------------------------------------- helpers
def read_rows(folder: Path, table: str) -> list[list[str]]:
    text = (folder / f"{table}.csv").read_text("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def write_rows(folder: Path, table: str, rows: list[list[str]], newline: str = "\n") -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline).writerows(rows)
    (folder / f"{table}.csv").write_text(buf.getvalue(), encoding="utf-8", newline="")


def set_cells(folder: Path, table: str, line: int, **cells: str) -> None:
    """Change cells of the record on physical ``line`` (records are one line each)."""
    rows = read_rows(folder, table)
    for name, value in cells.items():
        rows[line - 1][rows[0].index(name)] = value
    write_rows(folder, table, rows)


def edit_lines(folder: Path, table: str, edit: Callable[[list[bytes]], list[bytes]]) -> None:
    path = folder / f"{table}.csv"
    path.write_bytes(b"".join(edit(path.read_bytes().splitlines(keepends=True))))


def width(folder: Path) -> int:
    return len(read_rows(folder, "studies")[0])


class Paths:
    """Both checks of a folder, and which splitter read each file on the fast path."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        split = tableschema.split_fast
        self.splitter: list[str] = []  # "fast" or "declined", per call of split_fast

        def recording(data: bytes, *args, **kwargs):
            records = split(data, *args, **kwargs)
            self.splitter.append("declined" if records is None else "fast")
            return records

        monkeypatch.setattr(tableschema, "split_fast", recording)
        descriptor = read_descriptor(folder)
        self.fast: Checked = check_package(folder, descriptor)
        fast_calls = len(self.splitter)
        self.slow: Checked = check_package(folder, descriptor, fast=False)
        assert len(self.splitter) == fast_calls, "the row-by-row path used split_fast"
        self.problems = [str(p) for p in self.fast.problems]

    def assert_same(self) -> None:
        assert self.problems == [str(p) for p in self.slow.problems]
        assert self.fast.warnings == self.slow.warnings
        pd.testing.assert_frame_equal(self.fast.formula_cells, self.slow.formula_cells)
        assert list(self.fast.tables) == list(self.slow.tables)
        for name, table in self.fast.tables.items():
            other = self.slow.tables[name]
            pd.testing.assert_frame_equal(table.frame, other.frame)
            assert (table.readable, table.present, table.header_line, table.broken) == (
                other.readable,
                other.present,
                other.header_line,
                other.broken,
            )

    def found(self, text: str) -> bool:
        return any(text in p for p in self.problems)


def check(folder: Path, monkeypatch, splitter: list[str] | None = None) -> Paths:
    """Both paths agree; ``splitter``: what split_fast did, file by file (large files)."""
    paths = Paths(folder, monkeypatch)
    paths.assert_same()
    if splitter is not None:
        assert paths.splitter == splitter
    return paths


FAST = ["fast", "fast"]  # studies.csv and results.csv read column-wise


# --------------------------------------------------------------------------- the paths
def test_the_large_files_take_the_column_wise_splitter(folder, monkeypatch):
    for name in ("studies", "results"):
        assert (folder / f"{name}.csv").stat().st_size > tableschema.SMALL_FILE
    paths = check(folder, monkeypatch, FAST)
    assert paths.problems == [] and paths.fast.warnings == paths.slow.warnings
    assert len(paths.fast.tables["studies"].frame) == N_STUDIES
    assert len(paths.fast.tables["results"].frame) > N_STUDIES


def test_the_row_by_row_path_checks_every_cell_one_at_a_time(folder, monkeypatch):
    calls = {"_check_rows": 0, "_check_column": 0}
    for name in calls:
        method = getattr(tableschema.TableReader, name)

        def counting(self, *args, _name=name, _method=method):
            calls[_name] += 1
            return _method(self, *args)

        monkeypatch.setattr(tableschema.TableReader, name, counting)
    descriptor = read_descriptor(folder)
    check_package(folder, descriptor, fast=False)
    assert calls["_check_column"] == 0 and calls["_check_rows"] > 0
    calls.update(_check_rows=0, _check_column=0)
    check_package(folder, descriptor)
    assert calls["_check_rows"] == 0 and calls["_check_column"] > 0


# --------------------------------------------------------------------------- files
def _write(name: str, content: str | bytes | None) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / name
        path.unlink(missing_ok=True)
        if content is not None:
            path.write_bytes(content.encode() if isinstance(content, str) else content)

    return edit


def _header_only(folder: Path) -> None:
    edit_lines(folder, "studies", lambda lines: lines[:1])


def _folder_named_like_the_table(folder: Path) -> None:
    (folder / "studies.csv").unlink()
    (folder / "studies.csv").mkdir()


def _garbage_header(folder: Path) -> None:
    edit_lines(folder, "studies", lambda lines: [b"qwerty,uiop\n", *lines[1:]])


def _random_bytes(folder: Path) -> None:
    edit_lines(folder, "studies", lambda ls: [*ls[: LINE - 1], b"\xff\xfe\x80\n", *ls[LINE - 1 :]])


FILE_CASES = {
    "missing studies file": (_write("studies.csv", None), "studies.csv: required file not found"),
    "empty file": (_write("studies.csv", ""), "studies.csv: the file is empty"),
    "empty optional file": (_write("claims.csv", "\n\n"), "claims.csv: the file is empty"),
    "header only": (_header_only, "no studies: expected at least one row"),
    "random bytes": (_random_bytes, f'line {LINE}, column "study_id": expected UTF-8 text'),
    "garbage header": (_garbage_header, "line 1: expected a header row naming the columns"),
    "folder named like the table": (_folder_named_like_the_table, "found a folder"),
    "studies unreadable, no foreign-key flood": (_write("studies.csv", b"\xff\n"), "studies.csv"),
}


@pytest.mark.parametrize("case", list(FILE_CASES))
def test_file_cases(folder, monkeypatch, case):
    edit, expected = FILE_CASES[case]
    edit(folder)
    paths = check(folder, monkeypatch)
    assert paths.found(expected), paths.problems
    if case == "studies unreadable, no foreign-key flood":
        assert {p.split(",")[0] for p in paths.problems} == {"studies.csv"}
    if case != "empty optional file":
        assert paths.splitter[-1:] == ["fast"]  # results.csv still read column-wise


# --------------------------------------------------------------------------- header
def _columns(edit: Callable[[list[list[str]]], list[list[str]]], table: str = "studies"):
    def apply(folder: Path) -> None:
        write_rows(folder, table, edit(read_rows(folder, table)))

    return apply


def _drop(name: str):
    def edit(rows):
        i = rows[0].index(name)
        return [r[:i] + r[i + 1 :] for r in rows]

    return _columns(edit)


def _rename(old: str, new: str):
    return _columns(lambda rows: [[new if c == old else c for c in rows[0]], *rows[1:]])


def _add(name: str, value: str):
    return _columns(lambda rows: [[*rows[0], name], *([*r, value] for r in rows[1:])])


HEADER_CASES = {
    "missing required column": (
        _drop("label"),
        ['studies.csv, line 1, column "label": required column is missing'],
    ),
    "misspelt column": (
        _rename("label", "lable"),
        [
            'studies.csv, line 1, column "label": required column is missing '
            '(is "lable" meant to be "label"?)'
        ],
    ),
    "duplicate column name": (
        _add("label", "x"),
        ['column "label": appears twice (columns 2 and'],
    ),
}


@pytest.mark.parametrize("case", list(HEADER_CASES))
def test_header_cases(folder, monkeypatch, case):
    edit, expected = HEADER_CASES[case]
    edit(folder)
    paths = check(folder, monkeypatch, FAST)
    assert len(paths.problems) == len(expected)
    assert all(p.startswith(e) or e in p for p, e in zip(paths.problems, expected, strict=True))


@pytest.mark.parametrize(
    ("edit", "warning", "splitter"),
    [
        (_add("my_notes", "a note"), 'unknown column "my_notes" (not in datapackage.json)', FAST),
        (_drop("journal"), 'column "journal" is absent; treated as not reported', FAST),
        (
            _add("bad\x1b[31mname", "v"),
            'unknown column "bad\\u001b[31mname"',
            ["declined", "fast"],
        ),
    ],
    ids=["unknown extra column", "absent optional column", "odd column name"],
)
def test_header_warnings(folder, monkeypatch, edit, warning, splitter):
    edit(folder)
    paths = check(folder, monkeypatch, splitter)
    assert paths.problems == []
    assert [w for w in paths.fast.warnings if warning in w]


# --------------------------------------------------------------------------- cells
DESIGNS = (
    "rct, non_randomised, systematic_review, meta_analysis, narrative_review, observational, "
    "animal"
)
CELL_CASES = [
    ("n_enrolled", "12a", "expected an integer between 1 and 10000000", FAST),
    ("year", "2011.5", "expected an integer >= 1950", FAST),
    ("dose_mcg", "1,5", "expected a number >= 0", FAST),
    ("dose_mcg", "NaN", "expected a number >= 0", FAST),
    ("dose_mcg", "1e999", "expected a number >= 0", FAST),
    ("other_b_vitamins", "yes", "expected true or false", FAST),
    ("study_id", "Bad-Id", "expected text matching the pattern [a-z][a-z0-9_]*", FAST),
    ("label", "", "expected a value (required)", FAST),
    ("design", "", f"expected one of: {DESIGNS} (required)", FAST),
    ("design", "zzzz", f"expected one of: {DESIGNS}", FAST),
    ("n_enrolled", "0", "expected an integer between 1 and 10000000", FAST),
    ("n_enrolled", "-3", "expected an integer between 1 and 10000000", FAST),
    ("title", "\x01x", "expected text without control characters", ["declined", "fast"]),
    ("year", "x", "expected an integer >= 1950", FAST),
]


@pytest.mark.parametrize(("column", "value", "expected", "splitter"), CELL_CASES)
def test_cell_cases(folder, monkeypatch, column, value, expected, splitter):
    set_cells(folder, "studies", LINE, **{column: value})
    paths = check(folder, monkeypatch, splitter)
    shown = json.dumps(value, ensure_ascii=False) if value else "an empty cell"
    assert f'studies.csv, line {LINE}, column "{column}": {expected}, got {shown}' in (
        paths.problems
    )


def test_enum_typos_suggest(folder, monkeypatch):
    set_cells(folder, "studies", LINE, design="rtc")
    set_cells(folder, "studies", LINE + 1, design="Systematic Review")
    paths = check(folder, monkeypatch, FAST)
    assert paths.problems == [
        f'studies.csv, line {LINE}, column "design": expected one of: {DESIGNS}, got "rtc"; '
        'did you mean "rct"?',
        f'studies.csv, line {LINE + 1}, column "design": expected one of: {DESIGNS}, got '
        '"Systematic Review"; did you mean "systematic_review"?',
    ]


def test_boolean_spellings(folder, monkeypatch):
    spellings = ["true", "True", "TRUE", "1", "false", "False", "FALSE", "0"]
    for i, value in enumerate(spellings):
        set_cells(folder, "studies", LINE + i, in_article=value)
    paths = check(folder, monkeypatch, FAST)
    typed = paths.fast.tables["studies"].frame.loc[LINE : LINE + 7, "in_article"]
    assert paths.problems == [] and typed.tolist() == [True] * 4 + [False] * 4


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"p_value": "1.5"}, 'column "p_value": expected a number between 0 and 1, got "1.5"'),
        ({"study_id": "s3"}, 'column "study_id": expected a study_id listed in studies.csv'),
        ({"n": "100000"}, 'column "n"'),
        ({"sd": "1e6", "scale_min": "0", "scale_max": "10"}, 'column "sd"'),
        ({"scale_min": "10", "scale_max": "0"}, 'column "scale_max"'),
        ({"events": "12", "total": "10", "n": ""}, 'column "events"'),
    ],
    ids=["maximum", "foreign key", "arm size", "sd beyond scale", "scale order", "events"],
)
def test_results_cases(folder, monkeypatch, cells, expected):
    set_cells(folder, "results", LINE, **cells)
    paths = check(folder, monkeypatch, FAST)
    assert paths.found(f"results.csv, line {LINE}, {expected}"), paths.problems


def test_small_tables_keys_and_uniqueness(folder, monkeypatch):
    route = {"route": "oral", "feature": "cost", "description": "a", "score": "1"}
    food = {"food": "Clams", "serving": "3 oz", "mcg_per_serving": "17"}
    claim = {"claim_id": "c1", "claim": "x", "detail": "year", "verdict": "supported"}
    url = {"source_url": "https://x.org", "note": "n"}
    (folder / "delivery_routes.csv").write_text(
        table_text("delivery_routes", [{**route, **url}, {**route, "description": "c", **url}])
    )
    (folder / "food_sources.csv").write_text(table_text("food_sources", [{**food, **url}] * 2))
    (folder / "claims.csv").write_text(table_text("claims", [{**claim, **url}]))
    paths = check(folder, monkeypatch, FAST)
    assert paths.problems == [
        'delivery_routes.csv, line 3, column "route, feature": expected a unique primary '
        'key, got "oral, cost"; first on line 2',
        'food_sources.csv, line 3, column "food": expected a unique primary key, got '
        '"Clams"; first on line 2',
    ]
    assert paths.fast.tables["claims"].frame["study_id"].isna().all()


def test_duplicate_primary_key(folder, monkeypatch):
    first = read_rows(folder, "studies")[2][0]
    set_cells(folder, "studies", LINE, study_id=first)
    paths = check(folder, monkeypatch, FAST)
    assert paths.problems[0] == (
        f'studies.csv, line {LINE}, column "study_id": expected a unique primary key, '
        f'got "{first}"; first on line 3'
    )


def test_cross_field_rules(folder, monkeypatch):
    set_cells(folder, "studies", LINE, n_enrolled="60", n_analysed="70")
    set_cells(folder, "studies", LINE + 1, year="2999")
    paths = check(folder, monkeypatch, FAST)
    assert paths.problems[:2] == [
        f'studies.csv, line {LINE}, column "n_analysed": expected at most n_enrolled (60), '
        'got "70"',
        f'studies.csv, line {LINE + 1}, column "year": expected a year not in the future '
        f'(<= {paths.problems[1].split("<= ")[1].split(")")[0]}), got "2999"',
    ]


# --------------------------------------------------------------------------- text layout
def _insert(line: int, *new: bytes):
    return lambda ls: [*ls[: line - 1], *new, *ls[line - 1 :]]


def test_utf8_bom_and_crlf(folder, monkeypatch):
    rows = read_rows(folder, "studies")
    rows[LINE - 1][rows[0].index("year")] = "x"
    write_rows(folder, "studies", rows, newline="\r\n")
    edit_lines(folder, "studies", lambda ls: [b"\xef\xbb\xbf" + ls[0], *ls[1:]])
    paths = check(folder, monkeypatch, FAST)
    assert paths.problems == [
        f'studies.csv, line {LINE}, column "year": expected an integer >= 1950, got "x"'
    ]


def test_latin1_bytes_name_line_and_column(folder, monkeypatch):
    set_cells(folder, "studies", LINE, title="Caf\u00e9 study")
    edit_lines(folder, "studies", lambda ls: [line.replace(b"\xc3\xa9", b"\xe9") for line in ls])
    paths = check(folder, monkeypatch, ["fast"])  # studies.csv is not UTF-8: no split
    (problem,) = paths.problems
    assert problem.startswith(f'studies.csv, line {LINE}, column "title": expected UTF-8 text')
    assert "byte 0xe9" in problem


def test_short_row_and_unquoted_comma(folder, monkeypatch):
    n = width(folder)
    rows = read_rows(folder, "studies")
    title = rows[LINE][rows[0].index("title")]
    rows[LINE - 1] = rows[LINE - 1][:-1]
    write_rows(folder, "studies", rows)
    old = ("," + title + ",").encode()
    new = ("," + title + ", and more,").encode()
    edit_lines(
        folder, "studies", lambda ls: [*ls[:LINE], ls[LINE].replace(old, new), *ls[LINE + 1 :]]
    )
    paths = check(folder, monkeypatch, FAST)
    assert paths.problems[:2] == [
        f"studies.csv, line {LINE}: expected {n} fields as in the header, got {n - 1}",
        f"studies.csv, line {LINE + 1}: expected {n} fields as in the header, got {n + 1}; "
        'a value containing "," must be in double quotes: probably column "title" '
        f'("{title}, and more")',
    ]


def test_unclosed_quote_names_the_span(folder, monkeypatch):
    def edit(lines: list[bytes]) -> list[bytes]:
        lines[LINE - 1] = lines[LINE - 1].replace(b",Vit", b',"Vit', 1)  # opened, not closed
        lines[LINE + 1] = lines[LINE + 1].replace(
            b",Synthetic row", b',"Synthetic row', 1
        )  # ... until here
        return lines

    edit_lines(folder, "studies", edit)
    paths = check(folder, monkeypatch, ["declined", "fast"])
    problem, *rest = paths.problems
    assert rest and all(p.startswith("results.csv") for p in rest)  # its lines' studies
    assert problem.startswith(f"studies.csv, line {LINE}: expected {width(folder)} fields")
    assert problem.endswith(
        f"(this row runs from line {LINE} to line {LINE + 2}: a quote may be missing its "
        "closing quote)"
    )


def test_blank_and_empty_lines_keep_the_numbering(folder, monkeypatch):
    n = width(folder)
    set_cells(folder, "studies", LINE, year="19x9")
    edit_lines(folder, "studies", _insert(LINE - 10, b"\n", b"   \n", b"," * (n - 1) + b"\n"))
    paths = check(folder, monkeypatch, FAST)
    assert paths.problems == [
        f'studies.csv, line {LINE + 3}, column "year": expected an integer >= 1950, got "19x9"'
    ]


def test_quoted_newline_keeps_physical_line_numbers(folder, monkeypatch):
    set_cells(folder, "studies", LINE, summary="two\nlines")
    set_cells(folder, "studies", LINE + 1, year="x")
    paths = check(folder, monkeypatch, FAST)
    assert paths.problems == [
        f'studies.csv, line {LINE + 2}, column "year": expected an integer >= 1950, got "x"'
    ]


def test_padding_spaces_trimmed(folder, monkeypatch):
    set_cells(folder, "studies", LINE, label="  Padded  ", year=" 2011 ", design=" rct ")
    edit_lines(folder, "studies", lambda ls: [b" study_id , label " + ls[0][14:], *ls[1:]])
    paths = check(folder, monkeypatch, FAST)
    row = paths.fast.tables["studies"].frame.loc[LINE]
    assert paths.problems == [] and (row["label"], row["year"], row["design"]) == (
        "Padded",
        2011,
        "rct",
    )


def test_formula_like_cells_kept_and_flagged(folder, monkeypatch):
    cells = {"title": "=HYPERLINK(1)", "summary": "@cmd", "comparator": "-x", "schedule": "+1"}
    set_cells(folder, "studies", LINE, **cells)
    set_cells(folder, "studies", LINE + 1, dose_mcg="-0", duration_weeks="+2")
    paths = check(folder, monkeypatch, FAST)
    assert paths.problems == []
    assert paths.fast.formula_cells.values.tolist() == [
        ["studies", LINE, "title", "=HYPERLINK(1)"],
        ["studies", LINE, "schedule", "+1"],
        ["studies", LINE, "comparator", "-x"],
        ["studies", LINE, "summary", "@cmd"],
    ]  # numbers (-0, +2) and the enum p_operator "=" of every result are not formulas


# --------------------------------------------------------------------------- everything
def test_many_problems_at_once_past_the_cap(folder, monkeypatch):
    rows = read_rows(folder, "studies")
    col = {name: i for i, name in enumerate(rows[0])}
    bad = ["", "x", "0", "1e999", "NaN", "rtc", "=1", "\x1b[31m", "  "]
    for i, row in enumerate(rows[1:], 1):
        if i % 7 == 0:
            name = list(col)[i % len(col)]
            row[col[name]] = bad[i % len(bad)]
    for row in rows[1:40]:  # past the cap in one column
        row[col["label"]] = ""
    rows.insert(300, [])
    rows.insert(400, [*rows[3], "extra"])
    rows.insert(600, rows[4][:-2])
    write_rows(folder, "studies", rows, newline="\r\n")
    set_cells(folder, "results", LINE, study_id="nowhere", n="-1")
    paths = check(folder, monkeypatch, ["declined", "fast"])
    assert len(paths.problems) > 100
    assert paths.found("more problems in this column")
    assert paths.found("fields as in the header")
    assert paths.found("control characters")
    assert paths.found("results.csv, line")


def test_descriptor_dialect_is_honoured_on_both_paths(folder, monkeypatch):
    rows = read_rows(folder, "studies")
    rows[LINE - 1][rows[0].index("design")] = "rtc"
    buf = io.StringIO()
    csv.writer(buf, delimiter="|", lineterminator="\n").writerows(rows)
    (folder / "studies.csv").write_text(buf.getvalue(), encoding="utf-8")
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    descriptor["resources"][0]["dialect"] = {"delimiter": "|"}
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    paths = check(folder, monkeypatch, FAST)
    assert paths.problems == [
        f'studies.csv, line {LINE}, column "design": expected one of: {DESIGNS}, got "rtc"; '
        'did you mean "rct"?'
    ]
