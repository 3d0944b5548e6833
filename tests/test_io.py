"""load() and Evidence: the typed-output contract, purity, and robustness properties."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from broken_csv import DATA, RESOURCES, columns, make_folder, studies_text, study, table_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b12explore.errors import DataValidationError
from b12explore.io import TABLES, Evidence, load
from b12explore.schema import ENV_VAR
from b12explore.validate import coerce

FIELDS = {name: res["schema"]["fields"] for name, res in RESOURCES.items()}


def _expected_dtype(field: dict) -> str:
    if "enum" in field.get("constraints", {}):
        return "category"
    return {"integer": "Int64", "number": "float64", "boolean": "boolean"}.get(
        field["type"], "str"
    )


# --------------------------------------------------------------------------- shipped data
def test_shipped_data_loads():
    ev = load()
    assert isinstance(ev, Evidence)
    assert len(ev.studies) >= 1
    assert ev.version == json.loads((DATA / "datapackage.json").read_text("utf-8"))["version"]


@pytest.mark.parametrize("table", TABLES)
def test_dtypes_follow_the_schema(tmp_path, table):
    ev = load(make_folder(tmp_path))  # empty optional tables must be typed too
    frame = getattr(ev, table)
    assert list(frame.columns) == columns(table)
    for field in FIELDS[table]:
        col = frame[field["name"]]
        assert str(col.dtype) == _expected_dtype(field), field["name"]
        if "enum" in field.get("constraints", {}):
            assert list(col.cat.categories) == field["constraints"]["enum"]


def test_typed_values(tmp_path):
    ev = load(make_folder(tmp_path, studies=studies_text(study(1, dose_mcg="", pmid=""))))
    row = ev.studies.iloc[0]
    assert row["year"] == 2011 and row["n_enrolled"] == 60 and row["duration_weeks"] == 2.0
    assert pd.isna(row["dose_mcg"]) and pd.isna(row["pmid"])
    assert not row["other_b_vitamins"] and row["in_article"]
    assert row["design"] == "rct" and row["label"] == "S 1"
    assert ev.studies.index.equals(pd.RangeIndex(1))


def test_descriptions_and_titles_come_from_the_descriptor():
    ev = load()
    assert ev.titles("studies")["n_enrolled"] == "Enrolled"
    assert ev.descriptions("studies")["n_analysed"].startswith("Participants analysed")
    with pytest.raises(KeyError):
        ev.titles("nope")


# --------------------------------------------------------------------------- folder choice
def test_environment_variable_points_at_a_folder(tmp_path, monkeypatch):
    folder = make_folder(tmp_path, studies=studies_text(study(7)))
    monkeypatch.setenv(ENV_VAR, str(folder))
    assert load().studies["study_id"].tolist() == ["s7"]
    assert load(DATA).data_dir == DATA  # the argument wins


def test_only_studies_and_descriptor_are_required(tmp_path):
    folder = make_folder(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["datapackage.json", "studies.csv"]
    ev = load(folder)
    assert all(getattr(ev, t).empty for t in TABLES if t != "studies")


# --------------------------------------------------------------------------- nothing is lost
def _snapshot(folder: Path) -> dict:
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
    }


def test_loader_never_writes_into_the_folder(tmp_path):
    folder = make_folder(
        tmp_path,
        results=table_text("results", [{"result_id": "a"}]),
        claims="broken",
    )
    before = _snapshot(folder)
    with pytest.raises(DataValidationError):
        load(folder)
    (folder / "claims.csv").unlink()
    before.pop("claims.csv")
    load(folder)
    assert _snapshot(folder) == before


def test_loading_twice_gives_equal_frames_that_share_nothing():
    a, b = load(), load()
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))
    a.studies.loc[0, "label"] = "changed"
    a.descriptor["version"] = "changed"
    assert b.studies.loc[0, "label"] != "changed"
    assert load().studies.loc[0, "label"] != "changed"
    assert b.version != "changed"


def test_warnings_and_formula_cells_default_empty():
    ev = Evidence(*[pd.DataFrame() for _ in TABLES])
    assert ev.warnings == () and list(ev.formula_cells.columns) == [
        "table",
        "line",
        "column",
        "value",
    ]


def test_lenient_typing_helper_used_by_docs():
    raw = pd.DataFrame({"study_id": ["a"], "design": ["rct"], "year": ["x"]})
    out = coerce(raw, FIELDS["studies"])
    assert out["design"].dtype == "category" and pd.isna(out["year"].iloc[0])
    assert list(out.columns) == columns("studies")


# --------------------------------------------------------------------------- import hygiene
def test_import_and_load_do_not_import_heavy_modules():
    code = (
        "import sys, b12explore; b12explore.load(); "
        "print(sorted(m for m in ('matplotlib', 'ipywidgets', 'scipy', 'frictionless') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- properties
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _load_outcome(folder: Path) -> str:
    try:
        load(folder)
    except DataValidationError as exc:
        assert exc.problems, "a DataValidationError must carry problems"
        assert all(str(p) for p in exc.problems)
        return "invalid"
    return "ok"


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=2000))
def test_random_bytes_give_evidence_or_validation_error(data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_folder(Path(tmp), studies=data)
        assert _load_outcome(folder) in {"ok", "invalid"}


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=500), table=st.sampled_from(TABLES[1:]))
def test_random_bytes_in_optional_tables(data, table):
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_folder(Path(tmp), **{table: data})
        assert _load_outcome(folder) in {"ok", "invalid"}


CELL_VALUES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "=1+1",
            "-1",
            "0",
            "1e999",
            "NaN",
            "true",
            "TRUE",
            "2999",
            '"',
            "\n",
            ",",
            "\r\n",
            "\ufeff",
            "\x00",
            "rtc",
            "-0.5",
            "99999999999999999999",
        ]
    ),
)


def _read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


@PROPERTY_SETTINGS
@given(
    table=st.sampled_from([t for t in TABLES if (DATA / f"{t}.csv").exists()] or ["studies"]),
    pick=st.tuples(st.integers(0, 10_000), st.integers(0, 100)),
    value=CELL_VALUES,
)
def test_random_cell_mutation_of_shipped_tables(table, pick, value):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        shutil.copytree(DATA, folder)
        path = folder / f"{table}.csv"
        if path.exists():
            rows = _read_rows(path)
            if len(rows) > 1:
                r = pick[0] % len(rows)  # the header too
                c = pick[1] % len(rows[r])
                rows[r][c] = value
                buf = io.StringIO()
                csv.writer(buf, lineterminator="\n").writerows(rows)
                path.write_text(buf.getvalue(), encoding="utf-8")
        assert _load_outcome(folder) in {"ok", "invalid"}
