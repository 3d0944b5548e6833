"""Loading the evidence tables: ``load()`` and the ``Evidence`` container.

PROVISIONAL minimal loader (no validation yet); the foundation work replaces the
body of ``load`` but keeps these names and signatures.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pandas as pd

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
    """The data folder: ``$B12EXPLORE_DATA`` if set, else the repository's ``data/``."""
    env = os.environ.get("B12EXPLORE_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data"


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
        """A copy with some tables replaced (the frames are not copied)."""
        return dataclasses.replace(self, **tables)


def load(data_dir: str | os.PathLike | None = None) -> Evidence:
    """Read and validate the evidence tables (provisional: no validation)."""
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    frames = {}
    for res in descriptor["resources"]:
        path = folder / res["path"]
        cols = [f["name"] for f in res["schema"]["fields"]]
        if path.exists():
            raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        else:
            raw = pd.DataFrame(columns=cols, dtype=str)
        frames[res["name"]] = _typed(raw, res["schema"]["fields"])
    return Evidence(**frames, descriptor=descriptor, data_dir=folder)


def _typed(raw: pd.DataFrame, fields: list[dict]) -> pd.DataFrame:
    """Provisional coercion: enums -> categorical, integer -> Int64, number -> float64,
    boolean -> boolean, string -> str (missing as NaN)."""
    out = {}
    for f in fields:
        col = raw[f["name"]].str.strip().replace("", None) if f["name"] in raw else None
        if col is None:
            col = pd.Series([None] * len(raw), dtype=object)
        enum = f.get("constraints", {}).get("enum")
        if enum:
            out[f["name"]] = pd.Categorical(col, categories=enum)
        elif f["type"] == "integer":
            out[f["name"]] = pd.to_numeric(col).astype("Int64")
        elif f["type"] == "number":
            out[f["name"]] = pd.to_numeric(col).astype("float64")
        elif f["type"] == "boolean":
            out[f["name"]] = col.map({"true": True, "false": False}).astype("boolean")
        else:
            out[f["name"]] = col.astype("str")
    return pd.DataFrame(out, index=raw.index)
