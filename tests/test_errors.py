"""Problem rendering and the DataValidationError family."""

from __future__ import annotations

import pickle

import pytest

from b12explore.errors import DataFolderError, DataValidationError, Problem, show_value


def test_problem_renders_the_issue_example():
    p = Problem("studies.csv", 14, "n_enrolled", "12a", "an integer >= 1")
    assert (
        str(p) == 'studies.csv, line 14, column "n_enrolled": expected an integer >= 1, got "12a"'
    )


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (Problem("studies.csv"), "studies.csv"),
        (Problem("a.csv", message="required file not found"), "a.csv: required file not found"),
        (Problem("a.csv", 3, message="ragged"), "a.csv, line 3: ragged"),
        (
            Problem("a.csv", 3, "design", "rtc", "one of: rct", 'did you mean "rct"?'),
            'a.csv, line 3, column "design": expected one of: rct, got "rtc"; did you mean "rct"?',
        ),
        (
            Problem("a.csv", 2, "x", "", "a value (required)"),
            'a.csv, line 2, column "x": expected a value (required), got an empty cell',
        ),
        (Problem("a.csv", 2, "x", "v"), 'a.csv, line 2, column "x": got "v"'),
    ],
)
def test_problem_parts_are_optional(problem, text):
    assert str(problem) == text


def test_show_value_escapes_control_characters_and_cuts_long_values():
    assert show_value('a"b\n\x1b[31m') == '"a\\"b\\n\\u001b[31m"'
    long = show_value("x" * 500)
    assert len(long) == 62 and long.endswith('…"')


def test_error_is_a_value_error_listing_every_problem():
    problems = [Problem("a.csv", 2, "x", "1", "text"), Problem("b.csv", message="missing")]
    err = DataValidationError(problems, warnings=["w"], data_dir="/d")
    assert isinstance(err, ValueError)
    assert err.problems == problems and err.warnings == ["w"]
    assert str(err).splitlines() == [
        "2 problems in /d:",
        'a.csv, line 2, column "x": expected text, got "1"',
        "b.csv: missing",
    ]


def test_folder_error_is_one_line_and_a_validation_error():
    err = DataFolderError([Problem("/x", message="data folder not found")])
    assert isinstance(err, DataValidationError)
    assert str(err) == "/x: data folder not found"


def test_errors_survive_pickling():
    err = DataValidationError([Problem("a.csv", 1)], warnings=["w"], data_dir="d")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is DataValidationError
    assert back.problems == err.problems and str(back) == str(err)
