"""Check a data folder: the generic Table Schema reading (``tableschema``), then the
project's own rules (``rules``).

``check_package(folder, descriptor)`` returns a ``Checked`` result (typed frames,
problems, warnings, formula-like cells); nothing raises for bad data here, and
``io.load`` turns problems into a ``DataValidationError``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

from . import rules
from .errors import MAX_PER_COLUMN, Problem, ProblemLog
from .fields import check_value, coerce, describe_field, suggest
from .schema import resources
from .tableschema import Table, read_tables

__all__ = [
    "MAX_PER_COLUMN",
    "Checked",
    "check_package",
    "check_value",
    "coerce",
    "describe_field",
    "suggest",
]


@dataclasses.dataclass
class Checked:
    """What ``check_package`` found."""

    tables: dict[str, Table]
    problems: list[Problem]
    warnings: list[str]
    formula_cells: pd.DataFrame


def check_package(folder: str | Path, descriptor: dict[str, Any], *, fast: bool = True) -> Checked:
    """Read every table of ``descriptor`` from ``folder`` and check it.

    Parameters
    ----------
    folder : str or Path
        The data folder.
    descriptor : dict
        Parsed ``datapackage.json`` (see ``schema.read_descriptor``).
    fast : bool, default True
        Column-wise checks; ``False`` runs the row-by-row reference (same result).

    Returns
    -------
    Checked
        Typed frames (index = physical line), problems, warnings, formula-like cells.

    Examples
    --------
    >>> from b12explore.schema import read_descriptor, repo_data_dir
    >>> checked = check_package(repo_data_dir(), read_descriptor(repo_data_dir()))
    >>> checked.problems
    []
    """
    log = ProblemLog()
    tables, cells = read_tables(
        folder,
        descriptor,
        log,
        required=rules.REQUIRED_TABLES,
        min_rows=rules.MIN_ROWS,
        fast=fast,
    )
    for rule in rules.RULES:
        for problem in rule(tables):
            log.add(problem)
    files = [res["path"] for res in resources(descriptor).values()]
    return Checked(tables, log.problems(files), log.warnings(), cells)
