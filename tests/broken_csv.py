"""Builders of small (often broken) data folders for the loader tests.

Each folder gets a copy of the shipped ``datapackage.json`` and the CSV text or bytes
the test gives; ``studies_text(...)`` writes a valid studies table with every column,
so a test changes only the cell or line it is about.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
DESCRIPTOR = DATA / "datapackage.json"
RESOURCES = {r["name"]: r for r in json.loads(DESCRIPTOR.read_text("utf-8"))["resources"]}


def columns(table: str) -> list[str]:
    """Schema column names of ``table``, in order."""
    return [f["name"] for f in RESOURCES[table]["schema"]["fields"]]


STUDY = {
    "study_id": "smith2011",
    "label": "Smith 2011",
    "first_author": "Smith",
    "year": "2011",
    "title": "A trial",
    "journal": "Journal",
    "doi": "10.1234/abc",
    "pmid": "123",
    "source_url": "https://example.org/a",
    "country": "Nowhere",
    "design": "rct",
    "allocation": "randomised",
    "blinding": "double",
    "condition": "low back pain",
    "deficiency_required": "no",
    "n_enrolled": "60",
    "n_analysed": "58",
    "n_studies": "",
    "b12_form": "methylcobalamin",
    "route": "intramuscular",
    "dose_mcg": "500",
    "schedule": "three times a week",
    "duration_weeks": "2",
    "comparison": "b12_vs_placebo",
    "comparator": "placebo",
    "co_interventions": "none",
    "other_b_vitamins": "false",
    "outcomes": "vas;odi",
    "finding": "benefit",
    "summary": "A test row.",
    "risk_of_bias": "some_concerns",
    "in_article": "true",
}

RESULT = {
    "result_id": "s1_vas_b12",
    "study_id": "s1",
    "outcome": "vas",
    "outcome_label": "VAS 0-10",
    "scale_min": "0",
    "scale_max": "10",
    "lower_is_better": "true",
    "timepoint": "week 6",
    "timepoint_weeks": "6",
    "arm_role": "intervention",
    "arm_label": "B12",
    "value_type": "final",
    "n": "30",
    "mean": "3.1",
    "sd": "1.5",
    "events": "",
    "total": "",
    "effect_measure": "",
    "estimate": "",
    "ci_low": "",
    "ci_high": "",
    "p_value": "",
    "p_operator": "",
    "direction": "",
    "source_url": "https://example.org/a",
    "note": "",
}


def csv_line(values: list[str]) -> str:
    """One CSV line; cells with commas, quotes or newlines are quoted."""
    out = []
    for v in values:
        if any(ch in v for ch in ',"\n\r'):
            v = '"' + v.replace('"', '""') + '"'
        out.append(v)
    return ",".join(out)


def table_text(table: str, rows: list[dict], newline: str = "\n") -> str:
    """CSV text of ``table`` with every schema column, rows given as partial dicts."""
    cols = columns(table)
    base = {"studies": STUDY, "results": RESULT}.get(table, {})
    lines = [csv_line(cols)]
    for row in rows:
        full = {**base, **row}
        lines.append(csv_line([full.get(c, "") for c in cols]))
    return newline.join(lines) + newline


def study(n: int = 1, **cells: str) -> dict:
    """A valid study row with id ``s{n}`` and the given cells changed."""
    return {"study_id": f"s{n}", "label": f"S {n}", **cells}


def studies_text(*rows: dict, newline: str = "\n") -> str:
    """studies.csv text; default: two valid studies s1, s2."""
    return table_text("studies", list(rows) or [study(1), study(2)], newline)


def make_folder(root: Path, **files: str | bytes | None) -> Path:
    """A data folder under ``root`` with the shipped descriptor and the given files.

    Keyword names are table names (``studies=...``) or file names with dots replaced
    by underscores (``datapackage_json=...``); text is written as UTF-8 exactly as
    given (no newline translation); ``None`` means do not write the file. ``studies``
    defaults to two valid studies.
    """
    folder = root / "data"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(DESCRIPTOR, folder / "datapackage.json")
    files.setdefault("studies", studies_text())
    for name, content in files.items():
        fname = name.replace("_json", ".json") if name.endswith("_json") else name + ".csv"
        target = folder / fname
        if content is None:
            target.unlink(missing_ok=True)
            continue
        data = content.encode("utf-8") if isinstance(content, str) else content
        target.write_bytes(data)
    return folder


def check_both_paths(folder: Path) -> list[str]:
    """Check ``folder`` column-wise (pandas splitter forced) and row by row; assert that
    both give the same problems (same order and words), warnings, typed frames and
    formula-like cells; return the problems as text."""
    import pandas as pd

    from b12explore import tableschema
    from b12explore.schema import read_descriptor
    from b12explore.validate import check_package

    descriptor = read_descriptor(folder)
    small, tableschema.SMALL_FILE = tableschema.SMALL_FILE, 0
    try:
        fast = check_package(folder, descriptor)
    finally:
        tableschema.SMALL_FILE = small
    slow = check_package(folder, descriptor, fast=False)
    found = [str(p) for p in fast.problems]
    assert found == [str(p) for p in slow.problems]
    assert fast.warnings == slow.warnings
    pd.testing.assert_frame_equal(fast.formula_cells, slow.formula_cells)
    assert list(fast.tables) == list(slow.tables)
    for name, table in fast.tables.items():
        pd.testing.assert_frame_equal(table.frame, slow.tables[name].frame)
    return found
