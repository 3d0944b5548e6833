"""Per-study effect sizes (metafor's ``escalc`` conventions) and effects from reported CIs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from ._common import (
    BINARY_COLUMNS,
    CI_COLUMNS,
    CONTINUOUS_COLUMNS,
    MEASURES,
    RATIO_MEASURES,
    ZERO_CELL_ADD,
    check_level,
    first,
    is_real,
    row_error,
)

__all__ = ["effect_sizes", "from_ci"]

SCALES = ("identity", "log")


def _numeric(frame: pd.DataFrame, columns: Sequence[str]) -> dict[str, np.ndarray]:
    out = {}
    for col in columns:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna()
        if bad.any():
            idx = bad.idxmax()
            raise row_error(idx, col, frame.at[idx, col], "a number")
        out[col] = values.to_numpy(dtype=float, na_value=np.nan)
    return out


def _check(
    frame: pd.DataFrame, cols: dict[str, np.ndarray], rows: np.ndarray, name: str, ok, expect
) -> None:
    values = cols[name]
    with np.errstate(invalid="ignore"):
        bad = rows & ~ok(values)
    if bad.any():
        i = first(bad)
        raise row_error(frame.index[i], name, values[i], expect)


def _whole(v: np.ndarray) -> np.ndarray:
    return v == np.floor(v)


def _continuous(frame: pd.DataFrame, cols: dict, rows: np.ndarray, measure: str):
    for name in ("n1", "n2"):
        _check(frame, cols, rows, name, lambda v: v >= 1, "a sample size >= 1")
        _check(frame, cols, rows, name, _whole, "a whole number (a sample size)")
    for name in ("sd1", "sd2"):
        _check(frame, cols, rows, name, lambda v: v >= 0, "a standard deviation >= 0")
    n1, n2, sd1, sd2 = cols["n1"], cols["n2"], cols["sd1"], cols["sd2"]
    diff = cols["mean1"] - cols["mean2"]
    if measure == "MD":
        return diff, sd1**2 / n1 + sd2**2 / n2
    m = n1 + n2 - 2
    # m = 1 (n1 + n2 = 3) makes the exact correction c(m) = 0, so g would always be 0
    small = rows & ~(m >= 2)
    if small.any():
        i = first(small)
        raise row_error(
            frame.index[i],
            "n1 + n2",
            n1[i] + n2[i],
            "at least 4 for SMD (with 3 the small-sample correction makes g = 0)",
        )
    sdp = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / m)
    zero = rows & ~(sdp > 0)
    if zero.any():
        i = first(zero)
        raise row_error(frame.index[i], "sd1, sd2", (sd1[i], sd2[i]), "a pooled SD > 0")
    with np.errstate(invalid="ignore"):
        cm = np.exp(special.gammaln(m / 2) - 0.5 * np.log(m / 2) - special.gammaln((m - 1) / 2))
    g = cm * diff / sdp
    return g, 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))


def _binary(frame: pd.DataFrame, cols: dict, rows: np.ndarray, measure: str, add: float):
    for name in ("n1", "n2"):
        _check(frame, cols, rows, name, lambda v: v >= 1, "a sample size >= 1")
        _check(frame, cols, rows, name, _whole, "a whole number (a sample size)")
    for name, n in (("events1", "n1"), ("events2", "n2")):
        _check(frame, cols, rows, name, lambda v: v >= 0, "an event count >= 0")
        _check(frame, cols, rows, name, _whole, "a whole number (an event count)")
        over = rows & (cols[name] > cols[n])
        if over.any():
            i = first(over)
            raise row_error(frame.index[i], name, cols[name][i], f"at most {n} = {cols[n][i]:g}")
    a, c = cols["events1"], cols["events2"]
    b, d = cols["n1"] - a, cols["n2"] - c
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    a, b, c, d = (x + np.where(zero, add, 0.0) for x in (a, b, c, d))
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            return np.log(p1) - np.log(p2), 1 / a - 1 / n1 + 1 / c - 1 / n2
        if measure == "OR":
            return np.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d
    return p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2


def _ci_rows(frame: pd.DataFrame, rows: np.ndarray, log: bool, level: float):
    cols = _numeric(frame, CI_COLUMNS)
    est, lo, hi = cols["estimate"], cols["ci_low"], cols["ci_high"]
    for name in CI_COLUMNS:
        _check(frame, cols, rows, name, np.isfinite, "a finite number")
    if log:
        for name in CI_COLUMNS:
            _check(frame, cols, rows, name, lambda v: v > 0, "a ratio > 0 (RR/OR scale)")
    bad = rows & ~((lo <= est) & (est <= hi) & (lo < hi))
    if bad.any():
        i = first(bad)
        raise row_error(
            frame.index[i],
            "ci_low, estimate, ci_high",
            (lo[i], est[i], hi[i]),
            "ci_low <= estimate <= ci_high",
        )
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if log:
            est, lo, hi = np.log(est), np.log(lo), np.log(hi)
        se = (hi - lo) / (2 * special.ndtri(0.5 + level / 2))
    return est, se**2


def _finite_output(frame: pd.DataFrame, rows: np.ndarray, yi: np.ndarray, vi: np.ndarray) -> None:
    """Refuse a result that overflowed (e.g. means of 1e308 with opposite signs)."""
    with np.errstate(invalid="ignore"):
        bad = rows & ~(np.isfinite(yi) & np.isfinite(vi) & (vi >= 0))
    if bad.any():
        i = first(bad)
        raise row_error(
            frame.index[i],
            "yi, vi",
            (yi[i], vi[i]),
            "finite values: the inputs are too extreme to compute this effect size",
        )


def from_ci(
    frame: pd.DataFrame, *, scale: Literal["identity", "log"] = "identity", level: float = 0.95
) -> pd.DataFrame:
    """Effect sizes from a reported estimate and its confidence interval.

    Parameters
    ----------
    frame : DataFrame
        Columns ``estimate``, ``ci_low``, ``ci_high``; the index is kept.
    scale : {"identity", "log"}
        ``"log"`` for ratio measures (RR, OR, HR): values are reported as ratios and
        analysed as logs.
    level : float
        Confidence level of the reported interval (0.95 by default), strictly between 0
        and 1.

    Returns
    -------
    DataFrame
        ``yi`` (on the analysis scale) and ``vi = ((hi - lo) / (2 z))^2`` with
        ``z = 1.959964`` for 95% intervals.

    Raises
    ------
    ValueError
        Naming the row and column of a missing column, a non-number, an infinite value, a
        ratio <= 0 or an interval that does not contain its estimate; or for an unknown
        ``scale`` or a ``level`` outside (0, 1).

    Examples
    --------
    >>> rows = pd.DataFrame({"estimate": [0.5], "ci_low": [0.25], "ci_high": [1.0]})
    >>> from_ci(rows, scale="log").round(4)
           yi      vi
    0 -0.6931  0.1251
    """
    if not isinstance(scale, str) or scale not in SCALES:
        raise ValueError(f"scale must be 'identity' or 'log', got {scale!r}")
    level = check_level(level)
    _require(frame, CI_COLUMNS, "from_ci")
    rows = np.ones(len(frame), dtype=bool)
    yi, vi = _ci_rows(frame, rows, scale == "log", level)
    _finite_output(frame, rows, yi, vi)
    return pd.DataFrame({"yi": yi, "vi": vi}, index=frame.index)


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what}: missing column(s) {missing}; the frame has {list(frame.columns)}"
        )


def _check_add(add: Any) -> float:
    if not is_real(add) or not np.isfinite(float(add)) or not float(add) > 0:
        raise ValueError(
            f"add must be a finite number > 0 (added to the cells of a 2x2 table with a zero"
            f" cell; metafor uses 0.5), got {add!r}"
        )
    return float(add)


def effect_sizes(frame: pd.DataFrame, measure: str, *, add: float = ZERO_CELL_ADD) -> pd.DataFrame:
    """Per-study effect sizes ``yi`` and sampling variances ``vi``.

    Parameters
    ----------
    frame : DataFrame
        One row per study. Continuous measures (MD, SMD) use ``n1, mean1, sd1, n2, mean2,
        sd2``; binary measures (RR, OR, RD) use ``events1, n1, events2, n2``. Rows whose
        raw columns are missing (or frames without them) may instead give ``estimate,
        ci_low, ci_high`` (ratios for RR/OR, converted to the log scale; see
        :func:`from_ci`). Group 1 is the intervention, group 2 the comparator.
    measure : {"MD", "SMD", "RR", "OR", "RD"}
        MD mean difference; SMD Hedges' g; RR and OR log risk and odds ratios; RD risk
        difference. Conventions are metafor's ``escalc`` defaults (see the module notes).
    add : float
        Added to all four cells of a 2x2 table that has a zero cell (0.5, as metafor);
        must be a finite number > 0.

    Returns
    -------
    DataFrame
        Columns ``yi`` and ``vi``, same index as ``frame``; every value is finite. The
        input is not modified.

    Raises
    ------
    ValueError
        For an unknown measure, a bad ``add``, missing columns, or a bad value (infinite
        number, negative SD, sample size below 1, events above n, SMD with fewer than 4
        participants, ...), naming the row (index label), column and value.

    Examples
    --------
    >>> trials = pd.DataFrame(
    ...     {"events1": [4, 6], "n1": [123, 306], "events2": [11, 29], "n2": [139, 303]},
    ...     index=["Aronson 1948", "Ferguson & Simes 1949"],
    ... )
    >>> effect_sizes(trials, "RR").round(4)
                               yi      vi
    Aronson 1948          -0.8893  0.3256
    Ferguson & Simes 1949 -1.5854  0.1946
    """
    measure = str(measure).upper()
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}")
    add = _check_add(add)
    raw = CONTINUOUS_COLUMNS if measure in ("MD", "SMD") else BINARY_COLUMNS
    has_raw = all(c in frame.columns for c in raw)
    has_ci = all(c in frame.columns for c in CI_COLUMNS)
    if not has_raw and not has_ci:
        _require(frame, raw, f"effect_sizes(measure={measure!r})")
    k = len(frame)
    yi, vi = np.full(k, np.nan), np.full(k, np.nan)
    raw_rows = np.zeros(k, dtype=bool)
    if has_raw:
        cols = _numeric(frame, raw)
        raw_rows = np.logical_and.reduce([~np.isnan(cols[c]) for c in raw])
        if not has_ci and not raw_rows.all():
            i = first(~raw_rows)
            col = next(c for c in raw if np.isnan(cols[c][i]))
            raise row_error(frame.index[i], col, frame[col].iloc[i], "a number (not missing)")
        for name in raw:
            _check(frame, cols, raw_rows, name, np.isfinite, "a finite number")
        if raw_rows.any():
            with np.errstate(over="ignore", invalid="ignore"):
                if measure in ("MD", "SMD"):
                    y, v = _continuous(frame, cols, raw_rows, measure)
                else:
                    y, v = _binary(frame, cols, raw_rows, measure, add)
            yi[raw_rows], vi[raw_rows] = y[raw_rows], v[raw_rows]
    ci_rows = ~raw_rows
    if ci_rows.any():
        y, v = _ci_rows(frame, ci_rows, measure in RATIO_MEASURES, 0.95)
        yi[ci_rows], vi[ci_rows] = y[ci_rows], v[ci_rows]
    _finite_output(frame, np.ones(k, dtype=bool), yi, vi)
    return pd.DataFrame({"yi": yi, "vi": vi}, index=frame.index)
