"""The vocabulary read from datapackage.json, Evidence.table/tables and check_option."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from b12explore import load
from b12explore.errors import DataFolderError, check_option
from b12explore.schema import Vocabulary, read_descriptor, readable, shipped_vocabulary

DATA = Path(__file__).resolve().parent.parent / "data"


def _descriptor() -> dict:
    return json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))


def _coded_fields():
    for res in _descriptor()["resources"]:
        for field in res["schema"]["fields"]:
            if "enum" in field.get("constraints", {}):
                yield res["name"], field


def test_every_coded_field_has_a_label_for_every_code():
    fields = list(_coded_fields())
    assert len(fields) >= 15
    for table, field in fields:
        labels = field.get("enumLabels")
        assert labels is not None, (table, field["name"])
        assert list(labels) == field["constraints"]["enum"], (table, field["name"])
        assert all(isinstance(v, str) and v for v in labels.values())


def test_vocabulary_follows_the_descriptor_order_and_labels():
    vocab = load().vocab
    for table, field in _coded_fields():
        assert vocab.codes(field["name"], table) == tuple(field["constraints"]["enum"])
        for code, label in field["enumLabels"].items():
            assert vocab.label(field["name"], code) == label
    assert vocab.label("design", "rct") == "RCT"
    assert vocab.label("outcome", "vas") == "Pain VAS"
    assert vocab.label("route", "not_reported") == "not reported"
    assert vocab.label("route", None) == "not reported"
    assert vocab.label("route", float("nan")) == "not reported"
    assert vocab.label("route", "nasal_spray") == "Nasal spray"
    # a field name shared by two tables: the union, in descriptor order
    assert vocab.codes("route")[-1] == "nasal"
    assert "nasal" not in vocab.codes("route", "studies")
    assert vocab.fields()[0] == "design" and "blinding" in vocab.fields()
    assert vocab.title("n_enrolled") == "Enrolled"
    assert vocab.title("b12_form") == "B12 form"


def test_unknown_field_or_table_says_did_you_mean():
    vocab = load().vocab
    with pytest.raises(ValueError, match="did you mean 'design'"):
        vocab.codes("desing")
    with pytest.raises(ValueError, match="did you mean 'studies'"):
        vocab.codes("route", "studys")


def test_check_option_message():
    check_option("by", "route", ("route", "design"))
    with pytest.raises(ValueError) as err:
        check_option("by", "Route ", ("route", "design"))
    assert str(err.value) == "by: 'Route ' is not one of route, design; did you mean 'route'?"
    with pytest.raises(ValueError, match=r"^measure: 'xx' is not one of MD, RR$"):
        check_option("measure", "xx", ("MD", "RR"))
    with pytest.raises(ValueError, match="is not one of"):
        check_option("by", ["route"], ("route",))


def test_readable_and_shipped_vocabulary():
    assert readable("human_trial") == "Human trial"
    assert shipped_vocabulary().codes("design", "studies")[0] == "rct"
    assert Vocabulary().label("x", "a_b") == "A b"


def test_descriptor_with_bad_enum_labels_is_refused(tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    descriptor = _descriptor()
    design = next(
        f for f in descriptor["resources"][0]["schema"]["fields"] if f["name"] == "design"
    )
    design["enumLabels"] = {"no_such_code": "Nope"}
    (tmp_path / "data" / "datapackage.json").write_text(json.dumps(descriptor), "utf-8")
    with pytest.raises(DataFolderError, match='field "design": enumLabels must map codes'):
        read_descriptor(tmp_path / "data")


def test_table_reaches_every_resource_and_absent_ones_are_empty(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    descriptor = _descriptor()
    # the shipped package has its own reports table: replace it by this minimal one
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "reports"]
    (folder / "reports.csv").unlink(missing_ok=True)
    descriptor["resources"].append(
        {
            "name": "reports",
            "path": "reports.csv",
            "schema": {
                "fields": [
                    {"name": "report_id", "type": "string"},
                    {"name": "study_id", "type": "string"},
                ]
            },
        }
    )
    (folder / "datapackage.json").write_text(json.dumps(descriptor), "utf-8")
    (folder / "mechanisms.csv").unlink()
    evidence = load(folder)
    assert list(evidence.tables)[: len(descriptor["resources"])] == [
        r["name"] for r in descriptor["resources"]
    ]
    assert evidence.table("studies") is evidence.studies
    reports = evidence.table("reports")
    assert reports.empty and list(reports.columns) == ["report_id", "study_id"]
    assert evidence.table("mechanisms").empty
    with pytest.raises(ValueError, match="did you mean 'reports'"):
        evidence.table("report")
    # a table with rows is kept and survives replace()
    (folder / "reports.csv").write_text("report_id,study_id\nr1,chiu2011\n", "utf-8")
    evidence = load(folder)
    assert evidence.table("reports")["report_id"].tolist() == ["r1"]
    smaller = evidence.replace(reports=evidence.table("reports").iloc[:0])
    assert smaller.table("reports").empty
    assert not evidence.table("reports").empty
    assert smaller.vocab.codes("design", "studies") == evidence.vocab.codes("design", "studies")
