"""Output of :func:`b12explore.changes.diff`: the text report, the files, and
``copy_without`` (an earlier version of a folder, constructed for examples and tests).

All names are importable from :mod:`b12explore.changes`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .schema import key_fields, resources

if TYPE_CHECKING:  # pragma: no cover
    from .changes import Diff

__all__ = ["copy_without", "report_text", "write_report"]


def copy_without(
    folder: str | os.PathLike | None, study_ids: list[str], target: str | os.PathLike
) -> Path:
    """A copy of a data folder without some studies and every row that refers to them
    (through a foreign key to ``studies.study_id``): an earlier version, constructed.

    Examples
    --------
    >>> import tempfile
    >>> from b12explore import load
    >>> sid = load().studies["study_id"].iloc[0]
    >>> copy = copy_without(None, [sid], tempfile.mkdtemp() + "/old")
    >>> sid in set(load(copy).studies["study_id"])
    False
    """
    import shutil

    from .io import default_data_dir
    from .rows import read_table_text
    from .schema import read_descriptor

    source = Path(folder) if folder is not None else default_data_dir()
    target = Path(shutil.copytree(source, target))
    drop = set(study_ids)
    for name, res in resources(read_descriptor(target)).items():
        cols = ["study_id"] if name == "studies" else []
        for fk in res["schema"].get("foreignKeys", []):
            if fk.get("reference", {}).get("resource") == "studies":
                cols += key_fields(fk.get("fields"))
        if not cols or not (target / res["path"]).is_file():
            continue
        text = read_table_text(target, res)
        lines = text.lines()
        keep = set(range(len(lines)))
        for i, (first, last, _) in enumerate(text.records):
            if any(text.row_dict(i).get(c) in drop for c in cols):
                keep -= set(range(first - 1, last))
        body = "".join(line for j, line in enumerate(lines) if j in keep)
        (target / res["path"]).write_bytes(text.encode(body))
    return target


def report_text(d: Diff) -> str:
    """The changes in plain text (what ``python -m b12explore diff`` prints).

    Examples
    --------
    >>> from b12explore import diff, load
    >>> print(report_text(diff(load(), load())).splitlines()[-1])
    no changes
    """
    lines = [f"diff {d.old_name} -> {d.new_name}"]
    if not d.changed:
        return "\n".join([*lines, "no changes"])
    if not d.schema.empty:
        lines.append(f"\nschema: {len(d.schema)} changes")
        for r in d.schema.itertuples(index=False):
            where = f"{r.table}.{r.field}" if r.field else r.table
            if r.change == "field added":
                detail = f" ({r.new})" if r.new else ""
            else:
                detail = f": {r.old!r} -> {r.new!r}" if r.old or r.new else ""
            lines.append(f"  {where}: {r.change}{detail}")
    for table, part in d.rows.groupby("table", sort=False):
        lines.append(f"\n{table}:")
        for r in part.itertuples(index=False):
            if r.change == "changed":
                lines.append(f"  changed {r.key}: {r.field}: {r.old!r} -> {r.new!r}")
            else:
                label = r.old or r.new
                lines.append(f"  {r.change} {r.key}" + (f" ({label})" if label else ""))
    moved = d.counts[d.counts["change"] != 0]
    if not moved.empty:
        lines.append("\ncounts (before -> after):")
        for r in moved.itertuples(index=False):
            lines.append(f"  {r.what}: {r.group}: {r.old} -> {r.new} ({r.change:+d})")
    pooled = d.pooled[d.pooled["changed"]]
    if not pooled.empty:
        lines.append("\npooled estimates (before -> after):")
        for r in pooled.itertuples(index=False):
            lines.append(
                f"  {r.outcome} {r.measure} [{r.comparison}]: k {r.k_old} -> {r.k_new}; "
                f"{_ci(r.estimate_old, r.ci_low_old, r.ci_high_old)} -> "
                f"{_ci(r.estimate_new, r.ci_low_new, r.ci_high_new)}; "
                f"I2 {_num(r.i2_old)} -> {_num(r.i2_new)}"
            )
    return "\n".join(lines)


def _num(x: float) -> str:
    return "-" if pd.isna(x) else f"{x:.2f}"


def _ci(est: float, lo: float, hi: float) -> str:
    return "none" if pd.isna(est) else f"{est:.2f} [{lo:.2f}, {hi:.2f}]"


def write_report(d: Diff, folder: str | os.PathLike, *, overwrite: bool = True) -> list[Path]:
    """Write the tables as CSV and the "what changed" chart (PNG, SVG) into ``folder``.

    Examples
    --------
    >>> import tempfile
    >>> from b12explore import diff, load
    >>> files = write_report(diff(load(), load()), tempfile.mkdtemp())
    >>> sorted(p.suffix for p in files)
    ['.csv', '.csv', '.csv', '.csv', '.csv', '.png', '.svg']
    """
    from .charts.changes import changes_chart
    from .export import export_chart

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in d.tables().items():
        path = folder / f"changes-{name}.csv"
        table.to_csv(path, index=False, encoding="utf-8")
        written.append(path)
    ax = changes_chart(d)
    charts = export_chart(
        ax.figure,
        folder / "what-changed",
        formats=["png", "svg"],
        caption=f"What changed: {d.old_name} -> {d.new_name}",
        overwrite=overwrite,
    )
    return written + [folder / p.name for p in charts]
