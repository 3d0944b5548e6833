"""What changed between two versions of the evidence: ``diff(old, new)``.

Each side is an ``Evidence``, a data folder, or a git revision of the repository's
``data/`` (``"HEAD~1"``, a tag, a branch), read with ``git archive`` into a temporary
folder. The result (:class:`Diff`) holds tables:

``schema``
    Descriptor changes: resources and fields added or removed, field properties
    (type, constraints, codes) changed. Two versions with different descriptors are
    compared on what they share; the schema change is reported, not an error.
``rows``
    Every table with a primary key, row by row: ``added``, ``removed``, or ``changed``
    with one line per field (``old`` -> ``new``, as text). ``studies`` is its studies part.
``counts``
    Studies by route, design and comparison (when the column exists), primary-study
    participants, reviews: before, after, change.
``pooled``
    Every pooled estimate the notebooks show (per outcome and measure, and per
    comparison when results carry one; :func:`b12explore.summaries.forest_table` and
    :func:`~b12explore.summaries.pooled_effect`): k, estimate, CI, tau², I² before and
    after, with the change in the estimate.
``verdicts``
    Rows of ``certainty`` and ``claims`` whose rating or verdict changed.

Examples
--------
>>> from b12explore import load
>>> d = diff(load(), load())
>>> d.changed, len(d.rows)
(False, 0)
"""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataValidationError
from .schema import key_fields, repo_data_dir, resources

__all__ = [
    "Diff",
    "DiffError",
    "copy_without",
    "diff",
    "load_side",
    "report_text",
    "write_report",
]

ROW_COLUMNS = ["table", "key", "change", "field", "old", "new"]
COUNT_BY = ("route", "design", "comparison")
#: Rating and verdict columns whose changes ``verdicts`` lists (tables that exist only).
VERDICT_FIELDS = {
    "claims": ("verdict",),
    "certainty": (
        "certainty",
        "risk_of_bias",
        "inconsistency",
        "indirectness",
        "imprecision",
        "publication_bias",
        "upgrade",
    ),
    "rob2": ("judgement",),
    "robins_i": ("judgement",),
    "amstar2": ("rating", "answer"),
}


class DiffError(ValueError):
    """A side is neither a data folder nor a git revision, or its data do not load."""


@dataclasses.dataclass
class Diff:
    """The changes between two versions (see the module docstring for the tables)."""

    old_name: str
    new_name: str
    schema: pd.DataFrame
    rows: pd.DataFrame
    counts: pd.DataFrame
    pooled: pd.DataFrame
    verdicts: pd.DataFrame

    @property
    def studies(self) -> pd.DataFrame:
        """Studies added, removed and changed (field by field)."""
        return self.rows[self.rows["table"] == "studies"].reset_index(drop=True)

    @property
    def changed(self) -> bool:
        """True when anything differs."""
        return not (self.schema.empty and self.rows.empty)

    def tables(self) -> dict[str, pd.DataFrame]:
        """All tables by name (``counts`` and ``pooled`` only with their changed rows
        marked in the ``changed`` column)."""
        return {
            "schema": self.schema,
            "rows": self.rows,
            "counts": self.counts,
            "pooled": self.pooled,
            "verdicts": self.verdicts,
        }


# --------------------------------------------------------------------------- sides
def _git(*args: str, repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, check=False, timeout=60
    )


def _from_git(rev: str, target: Path, repo: Path) -> Path:
    if rev.startswith("-"):
        raise DiffError(f"{rev!r}: not a data folder or a git revision")
    found = _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", repo=repo)
    if found.returncode != 0:
        raise DiffError(f"{rev!r}: neither a data folder nor a git revision of {repo}")
    commit = found.stdout.decode().strip()
    out = _git("archive", "--format=tar", commit, "data", repo=repo)
    if out.returncode != 0:
        raise DiffError(f"{rev}: no data/ folder in that revision")
    with tarfile.open(fileobj=io.BytesIO(out.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target / "data"


def load_side(side: Any, workdir: str | os.PathLike | None = None):
    """An ``Evidence`` for one side of a diff: an Evidence, a folder or a git revision.

    Raises
    ------
    DiffError
        Neither a folder nor a revision, or the data there do not load.

    Examples
    --------
    >>> load_side("HEAD").studies.empty  # the committed data/ of this repository
    False
    """
    from .io import Evidence, load

    if isinstance(side, Evidence):
        return side
    if side is None:
        return load()
    path = Path(side)
    try:
        if path.is_dir():
            return load(path)
        target = Path(workdir or tempfile.mkdtemp(prefix="b12-diff-"))
        return load(_from_git(str(side), target, repo_data_dir().parent))
    except DataValidationError as exc:
        raise DiffError(f"{side}: the data do not load ({exc})") from None


def _name(side: Any) -> str:
    if side is None:
        return "data/"
    if isinstance(side, str | os.PathLike):
        return str(side)
    folder = getattr(side, "data_dir", None)
    return f"{folder} (version {side.version})" if folder else f"version {side.version}"


def _tables(evidence) -> dict[str, pd.DataFrame]:
    tables = getattr(evidence, "tables", None)
    if isinstance(tables, dict):
        return tables
    from .io import TABLES

    return {t: getattr(evidence, t) for t in TABLES if hasattr(evidence, t)}


# --------------------------------------------------------------------------- schema
def _schema_changes(old: dict, new: dict) -> pd.DataFrame:
    rows = []
    ro, rn = resources(old), resources(new)
    for name in [*ro, *(n for n in rn if n not in ro)]:
        if name not in rn:
            rows.append([name, "", "resource removed", "", ""])
            continue
        if name not in ro:
            rows.append([name, "", "resource added", "", ""])
            continue
        fo = {f["name"]: f for f in ro[name]["schema"]["fields"]}
        fn = {f["name"]: f for f in rn[name]["schema"]["fields"]}
        for field in [*fo, *(f for f in fn if f not in fo)]:
            if field not in fn:
                rows.append([name, field, "field removed", "", ""])
            elif field not in fo:
                rows.append([name, field, "field added", "", str(fn[field].get("type", ""))])
            else:
                for prop in sorted(set(fo[field]) | set(fn[field])):
                    a, b = fo[field].get(prop), fn[field].get(prop)
                    if a != b:
                        rows.append([name, field, f"{prop} changed", _show(a), _show(b)])
        for prop in ("primaryKey", "foreignKeys"):
            a, b = ro[name]["schema"].get(prop), rn[name]["schema"].get(prop)
            if a != b:
                rows.append([name, "", f"{prop} changed", _show(a), _show(b)])
    return pd.DataFrame(rows, columns=["table", "field", "change", "old", "new"])


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(map(_show, value))
    return str(value)


# --------------------------------------------------------------------------- rows
def _text(series: pd.Series) -> pd.Series:
    def one(v: Any) -> str:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, bool | np.bool_):
            return "true" if v else "false"
        return str(v)

    return series.astype("object").map(one)


def _row_changes(old_ev, new_ev) -> pd.DataFrame:
    out = []
    to, tn = _tables(old_ev), _tables(new_ev)
    ro, rn = resources(old_ev.descriptor), resources(new_ev.descriptor)
    for name in [*to, *(t for t in tn if t not in to)]:
        res = rn.get(name) or ro.get(name)
        key = key_fields((res or {}).get("schema", {}).get("primaryKey"))
        a = to.get(name, pd.DataFrame(columns=key))
        b = tn.get(name, pd.DataFrame(columns=key))
        if not key or any(k not in a or k not in b for k in key):
            continue
        a = a.set_index(_text(a[key[0]]) if len(key) == 1 else _keys(a, key))
        b = b.set_index(_text(b[key[0]]) if len(key) == 1 else _keys(b, key))
        label = "label" if "label" in b else None
        for k in a.index.difference(b.index, sort=False):
            out.append([name, k, "removed", "", _cell(a, k, label), ""])
        for k in b.index.difference(a.index, sort=False):
            out.append([name, k, "added", "", "", _cell(b, k, label)])
        common = [c for c in a.columns if c in b.columns and c not in key]
        both = a.index.intersection(b.index, sort=False)
        for col in common:
            va, vb = _text(a.loc[both, col]), _text(b.loc[both, col])
            for k in both[(va != vb).to_numpy()]:
                out.append([name, k, "changed", col, va[k], vb[k]])
    frame = pd.DataFrame(out, columns=ROW_COLUMNS)
    order = {"removed": 0, "added": 1, "changed": 2}
    frame["_o"] = frame["change"].map(order)
    frame = frame.sort_values(["table", "_o", "key"], kind="stable").drop(columns="_o")
    return frame.reset_index(drop=True)


def _keys(frame: pd.DataFrame, key: list[str]) -> pd.Index:
    parts = [_text(frame[k]) for k in key]
    return pd.Index([", ".join(p) for p in zip(*parts, strict=True)])


def _cell(frame: pd.DataFrame, key: str, col: str | None) -> str:
    return _text(frame.loc[[key], col]).iloc[0] if col else ""


# --------------------------------------------------------------------------- counts
def _counts(evidence) -> pd.DataFrame:
    from . import summaries

    studies = evidence.studies
    rows = []
    for col in COUNT_BY:
        if col in studies:
            for code, n in _text(studies[col]).value_counts(sort=False).items():
                rows.append([f"studies by {col}", code or "not reported", int(n)])
    rows.append(["studies", "all", len(studies)])
    primary = summaries.primary_studies(studies)
    rows.append(["studies", "primary", len(primary)])
    rows.append(["studies", "reviews", len(summaries.review_studies(studies))])
    total = summaries.participants(primary).sum()
    rows.append(["participants", "primary studies", int(total) if pd.notna(total) else 0])
    return pd.DataFrame(rows, columns=["what", "group", "n"])


def _compare_counts(old_ev, new_ev) -> pd.DataFrame:
    a, b = _counts(old_ev), _counts(new_ev)
    merged = a.merge(b, on=["what", "group"], how="outer", suffixes=("_old", "_new"), sort=False)
    merged = merged.rename(columns={"n_old": "old", "n_new": "new"})
    merged[["old", "new"]] = merged[["old", "new"]].fillna(0).astype("int64")
    merged["change"] = merged["new"] - merged["old"]
    from .schema import Vocabulary

    vocab = Vocabulary.from_descriptor(new_ev.descriptor)
    labels = [
        vocab.label(what.removeprefix("studies by "), group)
        if what.startswith("studies by ") and group != "not reported"
        else group
        for what, group in zip(merged["what"], merged["group"], strict=True)
    ]
    merged.insert(2, "label", labels)
    return merged.reset_index(drop=True)


# --------------------------------------------------------------------------- pooling
POOLED_COLUMNS = ["outcome", "measure", "comparison", "k", "estimate", "ci_low", "ci_high"]
POOLED_COLUMNS += ["tau2", "i2"]


def _groups(evidence):
    """(comparison, outcome, measure, results, forest_table keywords) to pool.

    Follows :func:`b12explore.summaries.forest_outcomes`: when it names a comparison per
    row, one pool per comparison (as the notebooks draw them); otherwise one pool over
    all results, plus one per ``results.comparison`` code when that column exists.
    """
    from . import summaries

    results = evidence.results
    table = summaries.forest_outcomes(evidence)
    if "comparison" in table:
        for r in table.itertuples(index=False):
            kw = {"comparison": r.comparison} if r.comparison is not None else {}
            yield r.comparison or "all", r.outcome, r.measure, results, kw
        return
    groups = [("all", results)]
    if "comparison" in results:
        comp = _text(results["comparison"])
        groups += [(c, results[(comp == c).to_numpy()]) for c in comp.unique() if c]
    for comparison, res in groups:
        for r in summaries.forest_outcomes(evidence.replace(results=res)).itertuples(index=False):
            yield comparison, r.outcome, r.measure, res, {}


def _pooled(evidence) -> pd.DataFrame:
    from . import summaries

    if evidence.results.empty:
        return pd.DataFrame(columns=POOLED_COLUMNS)
    rows = []
    for comparison, outcome, measure, res, kw in _groups(evidence):
        effects = summaries.forest_table(
            evidence.replace(results=res), outcome=outcome, measure=measure, **kw
        )
        if "kind" in effects:  # a review's own estimate is never pooled with studies
            effects = effects[(effects["kind"] == "study").to_numpy()]
        if effects.empty:
            continue
        pooled = summaries.pooled_effect(effects)
        if pooled is not None:
            est, lo, hi = pooled.estimate, pooled.ci_low, pooled.ci_high
            if measure in summaries.RATIO_MEASURES:
                est, lo, hi = np.exp([est, lo, hi])
            tau2, i2 = pooled.tau2, pooled.i2
        else:  # one study: its own effect, no heterogeneity
            row = effects.iloc[0]
            est, lo, hi, tau2, i2 = row.estimate, row.ci_low, row.ci_high, np.nan, np.nan
        rows.append([outcome, measure, comparison, len(effects), est, lo, hi, tau2, i2])
    return pd.DataFrame(rows, columns=POOLED_COLUMNS)


def _compare_pooled(old_ev, new_ev, same_inputs: bool = False) -> pd.DataFrame:
    keys = ["outcome", "measure", "comparison"]
    a = _pooled(old_ev)
    b = a.copy() if same_inputs else _pooled(new_ev)
    merged = a.merge(b, on=keys, how="outer", suffixes=("_old", "_new"), sort=False)
    for col in ("k_old", "k_new"):
        merged[col] = merged[col].fillna(0).astype("int64")
    merged["estimate_change"] = merged["estimate_new"] - merged["estimate_old"]
    values = [c for c in merged.columns if c.endswith(("_old", "_new"))]
    old, new = merged[[c for c in values if c.endswith("_old")]], None
    new = merged[[c for c in values if c.endswith("_new")]]
    same = np.isclose(
        old.to_numpy(float), new.to_numpy(float), rtol=1e-9, atol=1e-12, equal_nan=True
    ).all(axis=1)
    merged["changed"] = ~same
    return merged.reset_index(drop=True)


# --------------------------------------------------------------------------- verdicts
def _verdicts(rows: pd.DataFrame) -> pd.DataFrame:
    mask = pd.Series(False, index=rows.index)
    for table, fields in VERDICT_FIELDS.items():
        mask |= (rows["table"] == table) & rows["field"].isin(fields)
        mask |= (rows["table"] == table) & rows["change"].isin(["added", "removed"])
    return rows[mask].reset_index(drop=True)


def diff(old: Any, new: Any, *, names: tuple[str, str] | None = None) -> Diff:
    """What changed from ``old`` to ``new``.

    Parameters
    ----------
    old, new : Evidence, data folder or git revision
        A revision (``"HEAD~1"``, a tag) is read from the repository's ``data/``;
        None is the default data folder (as for :func:`b12explore.load`).
    names : (str, str), optional
        What to call the two versions in reports (default: as given).

    Returns
    -------
    Diff
        ``schema``, ``rows`` (and ``studies``), ``counts``, ``pooled``, ``verdicts``;
        ``changed`` is False when the two are the same.

    Raises
    ------
    DiffError
        A side is neither a data folder nor a revision, or its data do not load.

    Examples
    --------
    >>> from b12explore import load
    >>> ev = load()
    >>> d = diff(ev, ev.replace(studies=ev.studies.iloc[1:]))
    >>> d.studies[["key", "change"]].values.tolist() == [[ev.studies.study_id[0], "removed"]]
    True
    """
    with tempfile.TemporaryDirectory(prefix="b12-diff-") as tmp:
        old_ev = load_side(old, Path(tmp) / "old")
        new_ev = load_side(new, Path(tmp) / "new")
        schema = _schema_changes(old_ev.descriptor, new_ev.descriptor)
        rows = _row_changes(old_ev, new_ev)
        # pooling reads studies and results only: unchanged inputs, same estimates
        same = schema.empty and not rows["table"].isin(["studies", "results"]).any()
        return Diff(
            old_name=names[0] if names else _name(old),
            new_name=names[1] if names else _name(new),
            schema=schema,
            rows=rows,
            counts=_compare_counts(old_ev, new_ev),
            pooled=_compare_pooled(old_ev, new_ev, same_inputs=same),
            verdicts=_verdicts(rows),
        )


# the report and the constructed-version helper live in their own module (size limit)
from .changes_report import copy_without, report_text, write_report  # noqa: E402
