"""The descriptor's own shape and what the explorer needs from it (issue 15): a
malformed ``datapackage.json`` gives exit 2 and one line naming the key, never a
traceback."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from broken_csv import DESCRIPTOR, make_folder

from b12explore.cli import main
from b12explore.profile import unsafe_pattern

SHIPPED = json.loads(DESCRIPTOR.read_text("utf-8"))
REPO = Path(__file__).resolve().parent.parent


def _res(d: dict, name: str) -> dict:
    return next(r for r in d["resources"] if r["name"] == name)


def _field(d: dict, table: str, name: str) -> dict:
    return next(f for f in _res(d, table)["schema"]["fields"] if f["name"] == name)


def _set(path: str, value):
    """A change: ``table.key`` / ``table.schema.key`` / ``table.field.key`` set to ``value``."""

    def change(d):
        table, *rest = path.split(".")
        target = _res(d, table)
        if rest[0] == "schema":
            target = target["schema"]
        elif rest[0] == "field":
            target = _field(d, table, rest[1])
            rest = rest[1:]
        target[rest[-1]] = value

    return change


def _fk(value):
    return _set("results.schema.foreignKeys", value)


def _deep(d):
    node = d["resources"][0]
    for _ in range(40):
        node["x"] = {}
        node = node["x"]


def _dup_field(d):
    fields = _res(d, "studies")["schema"]["fields"]
    fields.append(copy.deepcopy(fields[1]))


def _drop_results(d):
    d["resources"] = [r for r in d["resources"] if r["name"] != "results"]


CASES = {
    "primaryKey: 5": (_set("studies.schema.primaryKey", 5), 'resource "studies": primaryKey'),
    'foreignKeys: "x"': (_fk("x"), 'resource "results": foreignKeys must be a list'),
    'foreignKeys: ["x"]': (_fk(["x"]), "each foreignKey needs fields and a reference"),
    'reference: "x"': (
        _fk([{"fields": "study_id", "reference": "x"}]),
        "each foreignKey needs fields and a reference object",
    ),
    "missingValues: 3": (_set("studies.schema.missingValues", 3), "missingValues must be a list"),
    "trueValues: 3": (_set("studies.field.in_article.trueValues", 3), "trueValues must be a list"),
    'delimiter ""': (_set("studies.dialect", {"delimiter": ""}), "dialect.delimiter must be one"),
    'delimiter ";;"': (
        _set("studies.dialect", {"delimiter": ";;"}),
        "dialect.delimiter must be one",
    ),
    'dialect: "x"': (_set("studies.dialect", "x"), "dialect must be an object"),
    "duplicate enum": (
        _set("studies.field.design.constraints", {"enum": ["rct", "rct"]}),
        "enum lists 'rct' more than once",
    ),
    "deep nesting": (_deep, "nested more than 32 levels deep"),
    "duplicate field": (_dup_field, 'field "label" is declared twice'),
    'path ".."': (_set("studies.path", ".."), "path must be a plain file name"),
    'path ""': (_set("studies.path", ""), "path must be a plain file name"),
    "fk unknown table": (
        _fk([{"fields": "study_id", "reference": {"resource": "nope", "fields": "study_id"}}]),
        "foreignKey refers to unknown resource 'nope'",
    ),
    "fk unknown field": (
        _fk([{"fields": "study_id", "reference": {"resource": "studies", "fields": "nope"}}]),
        "foreignKey refers to unknown field 'nope' of 'studies'",
    ),
    "catastrophic pattern": (
        _set("studies.field.label.constraints", {"pattern": "(a+)+b"}),
        "pattern '(a+)+b' can take exponential time",
    ),
    "no results resource": (_drop_results, 'the explorer needs a resource "results"'),
    "n_enrolled as string": (
        _set("studies.field.n_enrolled.type", "string"),
        'field "n_enrolled": the explorer needs type integer, got text',
    ),
}


def _folder(tmp_path, change) -> Path:
    d = copy.deepcopy(SHIPPED)
    change(d)
    return make_folder(tmp_path, datapackage_json=json.dumps(d))


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_descriptor_exits_2_with_one_line_naming_the_key(tmp_path, capsys, case):
    change, words = CASES[case]
    assert main(["validate", str(_folder(tmp_path, change))]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], out.err


def test_json_nested_past_the_recursion_limit(tmp_path, capsys):
    folder = make_folder(tmp_path, datapackage_json="[" * 100_000 + "]" * 100_000)
    assert main(["validate", str(folder)]) == 2
    assert "nested too deeply" in capsys.readouterr().err


def test_command_line_prints_no_traceback(tmp_path):
    folder = _folder(tmp_path, CASES['reference: "x"'][0])
    out = subprocess.run(
        [sys.executable, "-m", "b12explore", "validate", str(folder)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_shipped_descriptor_is_accepted(tmp_path, capsys):
    assert main(["validate", str(make_folder(tmp_path))]) == 0


@pytest.mark.parametrize(
    "pattern", ["(a+)+b", r"(\w+\s?)*$", "(a|a)*b", "(a|aa)*b", "(a*)*b", "(.*,)*x"]
)
def test_catastrophic_patterns_are_recognised(pattern):
    assert unsafe_pattern(pattern)


def test_shipped_patterns_are_safe():
    patterns = [
        f["constraints"]["pattern"]
        for r in SHIPPED["resources"]
        for f in r["schema"]["fields"]
        if "pattern" in f.get("constraints", {})
    ]
    assert patterns and [p for p in patterns if unsafe_pattern(p)] == []
    assert unsafe_pattern(r"[a-z][a-z0-9_]*(;[a-z][a-z0-9_]*)*") is None
