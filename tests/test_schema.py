"""Locating the data folder and reading datapackage.json."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from b12explore import schema
from b12explore.errors import DataFolderError
from b12explore.schema import (
    ENV_VAR,
    key_fields,
    read_descriptor,
    repo_data_dir,
    resolve_data_dir,
    resources,
)

SHIPPED = Path(__file__).resolve().parent.parent / "data"


def test_argument_beats_environment_beats_repository(tmp_path, monkeypatch):
    (tmp_path / "mine").mkdir()
    (tmp_path / "env").mkdir()
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert resolve_data_dir(tmp_path / "mine") == tmp_path / "mine"
    assert resolve_data_dir() == tmp_path / "env"
    monkeypatch.delenv(ENV_VAR)
    assert resolve_data_dir() == repo_data_dir() == SHIPPED


def test_missing_folder_from_environment_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nope"))
    with pytest.raises(DataFolderError) as info:
        resolve_data_dir()
    assert str(info.value) == f"{tmp_path / 'nope'}: data folder not found (from ${ENV_VAR})"


def test_a_file_is_not_a_folder(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(DataFolderError, match="not a folder"):
        resolve_data_dir(tmp_path / "f")


def test_shipped_descriptor_reads_and_has_the_seven_tables():
    d = read_descriptor(SHIPPED)
    assert set(resources(d)) >= {
        "studies",
        "results",
        "delivery_routes",
        "mechanisms",
        "food_sources",
        "risk_groups",
        "claims",
    }


def test_missing_descriptor(tmp_path):
    with pytest.raises(DataFolderError) as info:
        read_descriptor(tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'datapackage.json'}: not found; a data folder needs a datapackage.json"
    )


def test_broken_json_names_line_and_column(tmp_path):
    (tmp_path / "datapackage.json").write_text('{\n  "resources": [\n    {"name": "x",}\n  ]\n}')
    with pytest.raises(DataFolderError) as info:
        read_descriptor(tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'datapackage.json'}, line 3: broken JSON at column 18: "
        "Expecting property name enclosed in double quotes"
    )


def _descriptor_with(tmp_path, **field_changes) -> Path:
    d = json.loads((SHIPPED / "datapackage.json").read_text("utf-8"))
    d["resources"][0]["schema"]["fields"][0].update(field_changes)
    (tmp_path / "datapackage.json").write_text(json.dumps(d))
    return tmp_path


def test_unsupported_field_type_is_refused(tmp_path):
    with pytest.raises(DataFolderError) as info:
        read_descriptor(_descriptor_with(tmp_path, type="date"))
    assert 'resource "studies", field "study_id": type \'date\' is not supported' in str(
        info.value
    )


def test_unknown_constraint_and_bad_pattern_are_refused(tmp_path):
    with pytest.raises(DataFolderError, match=r"unsupported constraints \['maxLength'\]"):
        read_descriptor(_descriptor_with(tmp_path, constraints={"maxLength": 3}))
    with pytest.raises(DataFolderError, match="pattern is not a valid regex"):
        read_descriptor(_descriptor_with(tmp_path, constraints={"pattern": "(["}))


def test_minimum_must_be_a_number(tmp_path):
    with pytest.raises(DataFolderError, match="minimum and maximum must be numbers"):
        read_descriptor(_descriptor_with(tmp_path, constraints={"minimum": "1"}))


@pytest.mark.parametrize("text", ["[]", '{"resources": {}}', '{"resources": []}'])
def test_descriptor_without_usable_resources(tmp_path, text):
    (tmp_path / "datapackage.json").write_text(text)
    with pytest.raises(DataFolderError):
        read_descriptor(tmp_path)


def test_resource_path_must_be_a_plain_file_name(tmp_path):
    d = json.loads((SHIPPED / "datapackage.json").read_text("utf-8"))
    d["resources"][0]["path"] = "../secret.csv"
    (tmp_path / "datapackage.json").write_text(json.dumps(d))
    with pytest.raises(DataFolderError, match="plain file name"):
        read_descriptor(tmp_path)


def test_key_fields():
    assert key_fields("a") == ["a"]
    assert key_fields(["a", "b"]) == ["a", "b"]
    assert key_fields(None) == []


def test_installed_copy_without_data_says_what_to_pass(tmp_path):
    # a non-editable install: the package in site-packages, no data/ beside it
    site = tmp_path / "site-packages"
    shutil.copytree(
        SHIPPED.parent / "b12explore", site / "b12explore", ignore=shutil.ignore_patterns("*.pyc")
    )
    env = {k: v for k, v in os.environ.items() if k not in (ENV_VAR, "PYTHONPATH")}
    code = "import b12explore; b12explore.load()"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("b12explore.errors.DataFolderError: ")
    assert str(site / "data") in last
    assert 'load("path/to/data")' in last and f"{ENV_VAR}=path/to/data" in last


def test_default_folder_missing_names_the_remedy(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(schema, "repo_data_dir", lambda: tmp_path / "data")
    with pytest.raises(DataFolderError, match="no data folder given") as info:
        resolve_data_dir()
    assert ENV_VAR in str(info.value)
