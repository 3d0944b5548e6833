"""Small typed demo frames for the docstring examples of :mod:`b12explore.summaries`."""

from __future__ import annotations

import pandas as pd


def _schema_fields(table: str) -> list[dict]:  # pragma: no cover - docstring examples
    import json

    from ..io import default_data_dir

    descriptor = json.loads((default_data_dir() / "datapackage.json").read_text("utf-8"))
    return next(r for r in descriptor["resources"] if r["name"] == table)["schema"]["fields"]


def _demo(table: str, columns: dict) -> pd.DataFrame:  # pragma: no cover
    from ..validate import coerce

    fields = _schema_fields(table)
    rows = len(next(iter(columns.values())))
    raw = pd.DataFrame({f["name"]: columns.get(f["name"], [""] * rows) for f in fields})
    return coerce(raw, fields)


def _demo_studies() -> pd.DataFrame:  # pragma: no cover - used by the docstring examples
    return _demo(
        "studies",
        {
            "study_id": ["a2000", "b2011", "r2020"],
            "label": ["A 2000", "B 2011", "R 2020"],
            "year": ["2000", "2011", "2020"],
            "design": ["rct", "rct", "meta_analysis"],
            "blinding": ["open", "double", "not_applicable"],
            "route": ["oral", "intramuscular", "mixed"],
            "b12_form": ["cyanocobalamin", "methylcobalamin", "mixed"],
            "n_enrolled": ["40", "60", "300"],
            "n_analysed": ["38", "", ""],
            "n_studies": ["", "", "5"],
            "finding": ["no_difference", "benefit", "benefit"],
            "risk_of_bias": ["high", "some_concerns", "low"],
            "outcomes": ["vas", "vas", ""],
        },
    )


def _demo_results() -> pd.DataFrame:  # pragma: no cover - used by the docstring examples
    return _demo(
        "results",
        {
            "result_id": ["a_cmp", "b_int", "b_ctl", "b_cmp"],
            "study_id": ["a2000", "b2011", "b2011", "b2011"],
            "outcome": ["vas", "vas", "vas", "vas"],
            "lower_is_better": ["true"] * 4,
            "timepoint_weeks": ["6", "6", "6", "6"],
            "timepoint": ["week 6"] * 4,
            "arm_role": ["comparison", "intervention", "control", "comparison"],
            "n": ["", "30", "30", ""],
            "mean": ["", "3", "5", ""],
            "sd": ["", "2", "2", ""],
            "p_value": ["", "", "", "0.01"],
            "p_operator": ["", "", "", "="],
            "direction": ["no_difference", "", "", "benefit"],
        },
    )
