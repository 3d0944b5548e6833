"""The project's own rules: which tables and fields the explorer relies on, and the
cross-field checks that Table Schema cannot express. Every rule names its tables.

* :data:`APP_FIELDS` — the one place listing the tables and fields the explorer, the
  summaries and the charts read, with the kind of value each must hold. A descriptor
  that lacks one (no ``results`` resource, ``n_enrolled`` typed as string) is refused
  by :func:`descriptor_problems` before any CSV is read.
* :data:`REQUIRED_TABLES` (their CSV must exist) and :data:`MIN_ROWS`.
* :data:`RULES` — checks across fields and tables, run on the typed tables.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from .errors import Problem
from .tableschema import Table

__all__ = ["APP_FIELDS", "MIN_ROWS", "REQUIRED_TABLES", "RULES", "descriptor_problems"]

REQUIRED_TABLES = ("studies",)
MIN_ROWS = {"studies": 1}

# kind: "text" (string), "code" (string with an enum), "integer", "number", "boolean"
APP_FIELDS: dict[str, dict[str, str]] = {
    "studies": {
        "study_id": "text",
        "label": "text",
        "year": "integer",
        "design": "code",
        "route": "code",
        "b12_form": "code",
        "n_enrolled": "integer",
        "n_analysed": "integer",
        "finding": "code",
        "risk_of_bias": "code",
    },
    "results": {
        "result_id": "text",
        "study_id": "text",
        "outcome": "code",
        "timepoint": "text",
        "arm_role": "code",
        "value_type": "code",
        "n": "integer",
        "mean": "number",
        "sd": "number",
        "events": "integer",
        "total": "integer",
        "effect_measure": "code",
        "estimate": "number",
        "ci_low": "number",
        "ci_high": "number",
        "p_value": "number",
        "direction": "code",
        "lower_is_better": "boolean",
        "scale_min": "number",
        "scale_max": "number",
    },
}
_KIND = {"text": "string", "code": "string", "integer": "integer", "number": "number"}


def _kind_of(field: dict[str, Any]) -> str:
    ftype = field.get("type", "string")
    if ftype == "string":
        return "code" if "enum" in (field.get("constraints") or {}) else "text"
    return ftype


def descriptor_problems(descriptor: dict[str, Any], name: str) -> list[Problem]:
    """What the explorer needs but the descriptor does not give (one problem each).

    Examples
    --------
    >>> [str(p) for p in descriptor_problems({"resources": []}, "datapackage.json")][:1]
    ['datapackage.json: the explorer needs a resource "studies"']
    """
    found = {r.get("name"): r for r in descriptor.get("resources", [])}
    out = []
    for table, wanted in APP_FIELDS.items():
        if table not in found:
            out.append(Problem(name, message=f'the explorer needs a resource "{table}"'))
            continue
        have = {f.get("name"): f for f in found[table]["schema"]["fields"]}
        for field, kind in wanted.items():
            where = f'resource "{table}", field "{field}"'
            if field not in have:
                out.append(Problem(name, message=f"{where}: the explorer needs this field"))
                continue
            got = _kind_of(have[field])
            if got != kind and not (kind == "text" and got == "code"):
                want = {"code": "string with an enum of codes"}.get(kind, _KIND.get(kind, kind))
                msg = f"{where}: the explorer needs type {want}, got {got}"
                out.append(Problem(name, message=msg))
    return out


# --------------------------------------------------------------------------- rules
def _this_year() -> int:
    return datetime.date.today().year


def _frame(tables: dict[str, Table], name: str, *cols: str) -> pd.DataFrame | None:
    table = tables.get(name)
    if table is None or table.frame.empty or any(c not in table.frame for c in cols):
        return None
    return table.frame


def _floats(frame: pd.DataFrame, col: str) -> pd.Series:
    return frame[col].astype("float64")


def _int(x: float) -> str:
    return str(int(x)) if isinstance(x, float | int) and float(x).is_integer() else str(x)


def rule_analysed_le_enrolled(tables: dict[str, Table]) -> Iterator[Problem]:
    """studies: ``n_analysed`` must not exceed ``n_enrolled``."""
    df = _frame(tables, "studies", "n_analysed", "n_enrolled")
    if df is None:
        return
    a, e = _floats(df, "n_analysed"), _floats(df, "n_enrolled")
    for line in df.index[(a > e).to_numpy()]:
        yield Problem(
            tables["studies"].file,
            int(line),
            "n_analysed",
            _int(a[line]),
            f"at most n_enrolled ({_int(e[line])})",
        )


def rule_year_not_future(tables: dict[str, Table]) -> Iterator[Problem]:
    """studies: ``year`` must not be after the current year."""
    df = _frame(tables, "studies", "year")
    if df is None:
        return
    year, now = _floats(df, "year"), _this_year()
    for line in df.index[(year > now).to_numpy()]:
        yield Problem(
            tables["studies"].file,
            int(line),
            "year",
            _int(year[line]),
            f"a year not in the future (<= {now})",
        )


def rule_arm_sizes(tables: dict[str, Table]) -> Iterator[Problem]:
    """results vs studies: arm sizes of one study/outcome/timepoint add up to at most the
    study's ``n_enrolled``."""
    res = _frame(tables, "results", "study_id", "outcome", "timepoint", "arm_role", "n")
    studies = _frame(tables, "studies", "study_id", "n_enrolled")
    if res is None or studies is None:
        return
    arms = res[res["arm_role"].isin(["intervention", "control"]).to_numpy()]
    size = _floats(arms, "n")
    if "total" in arms:
        size = size.fillna(_floats(arms, "total"))
    keys = [
        k for k in ("study_id", "outcome", "outcome_label", "timepoint", "value_type") if k in arms
    ]
    arms = arms[keys].assign(_size=size, _line=arms.index)
    arms = arms[arms["_size"].notna().to_numpy()]
    if arms.empty:
        return
    enrolled = pd.Series(_floats(studies, "n_enrolled").to_numpy(), index=studies["study_id"])
    enrolled = enrolled[~enrolled.index.duplicated(keep="last")]
    groups = arms.groupby(keys, sort=False, observed=True, dropna=False)
    total = groups["_size"].transform("sum")
    count = groups["_size"].transform("size")
    limit = arms["study_id"].map(enrolled).astype("float64")
    flagged = arms.assign(_group=groups.ngroup())[((count > 1) & (total > limit)).to_numpy()]
    for _, group in flagged.groupby("_group", sort=False):
        sid = group["study_id"].iloc[0]
        parts = " + ".join(_int(v) for v in group["_size"])
        yield Problem(
            tables["results"].file,
            int(group["_line"].iloc[0]),
            "n",
            f"{parts} = {_int(group['_size'].sum())}",
            f'arm sizes adding up to at most n_enrolled of study "{sid}" '
            f"({_int(enrolled.get(sid, np.nan))})",
            f"lines {', '.join(str(v) for v in group['_line'])}",
        )


def rule_sd_and_mean_in_scale(tables: dict[str, Table]) -> Iterator[Problem]:
    """results: SD <= scale range; final means inside the scale, changes within +/- range."""
    df = _frame(tables, "results", "scale_min", "scale_max")
    if df is None:
        return
    file = tables["results"].file
    lo, hi = _floats(df, "scale_min"), _floats(df, "scale_max")
    width = hi - lo
    for line in df.index[(hi < lo).to_numpy()]:
        yield Problem(
            file, int(line), "scale_max", _int(hi[line]), f"at least scale_min ({_int(lo[line])})"
        )
    if "sd" in df:
        sd = _floats(df, "sd")
        for line in df.index[(sd > width).to_numpy()]:
            yield Problem(
                file,
                int(line),
                "sd",
                _int(sd[line]),
                f"an SD at most the scale's range ({_int(lo[line])} to {_int(hi[line])})",
            )
    if "mean" in df:
        mean = _floats(df, "mean")
        change = (df["value_type"] == "change").to_numpy() if "value_type" in df else False
        outside = np.where(change, mean.abs() > width, (mean < lo) | (mean > hi))
        for line in df.index[outside]:
            what = (
                "a change within"
                if change is not False and df.at[line, "value_type"] == "change"
                else "a mean within"
            )
            yield Problem(
                file,
                int(line),
                "mean",
                _int(mean[line]),
                f"{what} the scale ({_int(lo[line])} to {_int(hi[line])})",
            )


def rule_events_le_total(tables: dict[str, Table]) -> Iterator[Problem]:
    """results: ``events`` must not exceed ``total``."""
    df = _frame(tables, "results", "events", "total")
    if df is None:
        return
    ev, tot = _floats(df, "events"), _floats(df, "total")
    for line in df.index[(ev > tot).to_numpy()]:
        yield Problem(
            tables["results"].file,
            int(line),
            "events",
            _int(ev[line]),
            f"at most total ({_int(tot[line])})",
        )


RULES: list[Callable[[dict[str, Table]], Iterable[Problem]]] = [
    rule_analysed_le_enrolled,
    rule_year_not_future,
    rule_arm_sizes,
    rule_sd_and_mean_in_scale,
    rule_events_le_total,
]
