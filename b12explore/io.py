"""Loading the evidence tables: ``load()`` and the ``Evidence`` container.

``load`` reads the CSV files column-wise (problems still name physical lines), checks
them against ``datapackage.json`` and the project's rules (see ``validate``)
and returns typed frames: enumerations -> ``Categorical`` (schema order), integer ->
``Int64``, number -> ``float64``, boolean -> ``boolean``, string -> ``str`` (missing
as NaN). It never writes into the data folder.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path

import pandas as pd

from .errors import DataFolderError, DataValidationError, check_option
from .rules import descriptor_problems
from .schema import Vocabulary, field_names, read_descriptor, repo_data_dir, resolve_data_dir
from .schema import resources as descriptor_resources
from .validate import check_package

__all__ = ["Evidence", "TABLES", "default_data_dir", "load"]

TABLES = (
    "studies",
    "results",
    "delivery_routes",
    "mechanisms",
    "food_sources",
    "risk_groups",
    "claims",
)


def default_data_dir() -> Path:
    """The data folder: ``$B12EXPLORE_DATA`` if set, else the repository's ``data/``.

    Examples
    --------
    >>> (default_data_dir() / "datapackage.json").is_file()
    True
    """
    env = os.environ.get("B12EXPLORE_DATA")
    if env:
        return Path(env)
    return repo_data_dir()


def _no_formula_cells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "table": pd.Series(dtype="str"),
            "line": pd.Series(dtype="int64"),
            "column": pd.Series(dtype="str"),
            "value": pd.Series(dtype="str"),
        }
    )


@dataclasses.dataclass(frozen=True)
class Evidence:
    """The evidence tables, one typed DataFrame per table.

    Attributes
    ----------
    studies, results, delivery_routes, mechanisms, food_sources, risk_groups, claims
        One DataFrame each; optional tables that are absent are empty frames with
        the schema's columns.
    descriptor : dict
        The parsed ``datapackage.json``.
    data_dir : Path
        Folder the tables were read from.
    warnings : tuple of str
        Things accepted but worth knowing (unknown extra columns, absent optional
        columns), one sentence each.
    formula_cells : DataFrame
        Columns ``table``, ``line``, ``column``, ``value``: text cells starting with
        ``=``, ``+``, ``-`` or ``@``. They are kept as written; exports must neutralise
        them (spreadsheets would run them as formulas).
    others : dict
        Every other table the descriptor describes, by name; reach any table with
        :meth:`table` or :attr:`tables`.
    """

    studies: pd.DataFrame
    results: pd.DataFrame
    delivery_routes: pd.DataFrame
    mechanisms: pd.DataFrame
    food_sources: pd.DataFrame
    risk_groups: pd.DataFrame
    claims: pd.DataFrame
    descriptor: dict = dataclasses.field(default_factory=dict, repr=False)
    data_dir: Path | None = None
    warnings: tuple[str, ...] = ()
    formula_cells: pd.DataFrame = dataclasses.field(default_factory=_no_formula_cells, repr=False)
    others: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict, repr=False)

    @functools.cached_property
    def vocab(self) -> Vocabulary:
        """Codes, their order and labels, from the descriptor (see ``schema.Vocabulary``).

        Examples
        --------
        >>> load().vocab.label("design", "rct")
        'RCT'
        """
        return Vocabulary.from_descriptor(self.descriptor)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name: the descriptor's resources in order, then any others.

        Examples
        --------
        >>> list(load().tables)[:2]
        ['studies', 'results']
        """
        names = [*descriptor_resources(self.descriptor), *TABLES, *self.others]
        return {name: self.table(name) for name in dict.fromkeys(names)}

    def table(self, name: str) -> pd.DataFrame:
        """One table by name: any resource of the descriptor.

        An optional table that is absent (or not described) is an empty frame with
        the schema's columns.

        Raises
        ------
        ValueError
            For a name that is no table, with a "did you mean".

        Examples
        --------
        >>> load().table("studies").equals(load().studies)
        True
        """
        if name in TABLES:
            return getattr(self, name)
        if name in self.others:
            return self.others[name]
        described = descriptor_resources(self.descriptor)
        check_option("table", name, [*TABLES, *described, *self.others])
        return pd.DataFrame(columns=field_names(described[name]))

    @property
    def version(self) -> str:
        """Data version from the descriptor (``"unversioned"`` when absent)."""
        return str(self.descriptor.get("version", "unversioned"))

    def descriptions(self, table: str) -> dict[str, str]:
        """Field name -> description for ``table``, from the descriptor."""
        for res in self.descriptor.get("resources", []):
            if res.get("name") == table:
                return {f["name"]: f.get("description", "") for f in res["schema"]["fields"]}
        raise KeyError(table)

    def titles(self, table: str) -> dict[str, str]:
        """Field name -> human title for ``table`` (falls back to the name)."""
        for res in self.descriptor.get("resources", []):
            if res.get("name") == table:
                return {f["name"]: f.get("title", f["name"]) for f in res["schema"]["fields"]}
        raise KeyError(table)

    def replace(self, **tables: pd.DataFrame) -> Evidence:
        """A copy with some tables replaced (the frames are not copied).

        Any table name is accepted (fields and other tables alike).
        """
        fields = {k: v for k, v in tables.items() if k in TABLES}
        others = {k: v for k, v in tables.items() if k not in TABLES}
        if others:
            fields["others"] = {**self.others, **others}
        return dataclasses.replace(self, **fields)


def load(data_dir: str | os.PathLike | None = None) -> Evidence:
    """Read and validate the evidence tables.

    Parameters
    ----------
    data_dir : str or PathLike, optional
        Folder with ``datapackage.json`` and the CSV files. Default:
        ``$B12EXPLORE_DATA`` if set, else the repository's ``data/``. Only
        ``studies.csv`` and ``datapackage.json`` are required.

    Returns
    -------
    Evidence
        One typed DataFrame per table (fresh objects on every call; nothing is
        cached or shared), with ``warnings`` and ``formula_cells``.

    Raises
    ------
    DataValidationError
        Listing every problem found (file, physical line, column, value, expected).
    DataFolderError
        (a ``DataValidationError``) when the folder or its ``datapackage.json`` is
        missing, unreadable or broken, or the descriptor lacks a table or field the
        explorer relies on (``rules.APP_FIELDS``).

    Examples
    --------
    >>> ev = load()
    >>> ev.studies["design"].dtype.name
    'category'
    """
    folder = resolve_data_dir(data_dir)
    descriptor = read_descriptor(folder)
    needs = descriptor_problems(descriptor, str(Path(folder) / "datapackage.json"))
    if needs:
        raise DataFolderError(needs)
    checked = check_package(folder, descriptor)
    if checked.problems:
        raise DataValidationError(
            checked.problems, warnings=checked.warnings, data_dir=str(folder)
        )
    frames = {}
    warnings = list(checked.warnings)
    for name in TABLES:
        table = checked.tables.get(name)
        if table is None:
            warnings.append(f"datapackage.json does not describe the table {name!r}; left empty")
            frames[name] = pd.DataFrame()
        else:
            frames[name] = table.frame.reset_index(drop=True)
    others = {
        name: table.frame.reset_index(drop=True)
        for name, table in checked.tables.items()
        if name not in TABLES
    }
    evidence = Evidence(
        **frames,
        descriptor=descriptor,
        data_dir=folder,
        warnings=tuple(warnings),
        formula_cells=checked.formula_cells,
        others=others,
    )
    from .schema import tag_vocabulary  # tables carry their labels (DataFrame.attrs)

    return tag_vocabulary(evidence)
