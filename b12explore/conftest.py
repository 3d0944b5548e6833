"""Names the docstring examples of :mod:`b12explore` use (pytest ``doctest_namespace``).

pytest reads this file when it collects the package's doctests
(``pytest --doctest-modules b12explore``), so the modules themselves import nothing
for their examples. The demo frames are small and typed like :func:`b12explore.load`'s
(through the shipped ``datapackage.json``); each call returns new frames.

- ``_demo_studies()``: three studies (two RCTs, one meta-analysis);
- ``_demo_results()``: their results (arm data for ``b2011``, directions and a p-value);
- ``_demo_evidence()``: the shipped evidence with those two tables in place of its own,
  for the functions that take an ``Evidence``.
"""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd
import pytest


@functools.cache
def _shipped() -> Any:
    from b12explore.io import load

    return load()


def _schema_fields(table: str) -> list[dict]:
    from b12explore.schema import resources

    return resources(_shipped().descriptor)[table]["schema"]["fields"]


def _demo(table: str, columns: dict[str, list[str]]) -> pd.DataFrame:
    from b12explore.validate import coerce

    fields = _schema_fields(table)
    rows = len(next(iter(columns.values())))
    raw = pd.DataFrame({f["name"]: columns.get(f["name"], [""] * rows) for f in fields})
    return coerce(raw, fields)


def _demo_studies() -> pd.DataFrame:
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


def _demo_results() -> pd.DataFrame:
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


def _demo_evidence() -> Any:
    return _shipped().replace(studies=_demo_studies(), results=_demo_results())


@pytest.fixture(autouse=True)
def _doctest_data(doctest_namespace: dict[str, Any]) -> None:
    doctest_namespace["_demo_studies"] = _demo_studies
    doctest_namespace["_demo_results"] = _demo_results
    doctest_namespace["_demo_evidence"] = _demo_evidence
