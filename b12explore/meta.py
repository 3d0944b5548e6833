"""Effect sizes and meta-analytic pooling, matched to R's metafor.

Public functions: :func:`effect_sizes`, :func:`from_ci`, :func:`pool`,
:func:`leave_one_out`, :func:`cumulative` and :func:`subgroups`.

Why our own estimators and not statsmodels
------------------------------------------
``statsmodels.stats.meta_analysis`` has DerSimonian-Laird ("chi2") and Paule-Mandel
("iterated") but no REML, no Knapp-Hartung (HKSJ) interval with a prediction interval in
the metafor convention, it does not truncate a negative tau2 at zero, and its SMD uses a
different variance. Correctness against metafor is the bar, so the estimators are written
here in a few lines of vectorised numpy, one pass over the k studies per iteration (no k x k
matrices). That is also what makes ``pool`` fast enough for interactive redraws and for
100,000-study benchmarks; see ``benchmarks/pool.py``. Only numpy, scipy.special/optimize
and pandas (for frames) are used.

Conventions (all as metafor's ``escalc`` and ``rma.uni`` defaults)
------------------------------------------------------------------
* SMD is Hedges' g with the exact bias correction
  ``c(m) = exp(lgamma(m/2) - log(m/2)/2 - lgamma((m-1)/2))``, ``m = n1 + n2 - 2``, and the
  large-sample variance ``1/n1 + 1/n2 + g^2 / (2 (n1 + n2))`` (``vtype="LS"``).
* MD variance is ``sd1^2/n1 + sd2^2/n2``.
* RR and OR are on the log scale; RD is on the raw scale with variance
  ``p1(1-p1)/n1 + p2(1-p2)/n2``.
* Zero cells: a study with a zero in any of its four 2x2 cells gets 0.5 added to all four
  cells (metafor's ``add=1/2, to="only0"``); studies without zeros are untouched. Studies
  with zero events in both arms are kept (metafor's ``drop00=FALSE``).
* From a reported estimate with a 95% CI: ``se = (hi - lo) / (2 * 1.959964)`` on the
  analysis scale (log scale for ratio measures), ``vi = se^2``.
* tau2 estimators: FE (tau2 = 0), DL (truncated at 0), REML (Fisher scoring as metafor,
  but started from the DL value where metafor starts from the Hedges estimator: the start
  does not change the converged value and DL is cheaper here; step halving keeps
  tau2 >= 0; we stop when the change is below ``tol=1e-10``, stricter than metafor's
  1e-5; once a step is below 1e-5 the root of the REML score is bracketed and finished
  with Brent's method to ``tol`` (also after 20 steps that have not reached 1e-5, since
  plain Fisher scoring can crawl or oscillate); at most
  ``maxiter=100`` iterations; if it has not converged by then ``pool`` raises
  :class:`ConvergenceError`
  rather than silently falling back: pass ``method="DL"`` or ``"PM"`` explicitly instead),
  PM (Paule-Mandel root of the generalised Q = k - 1, 0 when Q(0) <= k - 1).
  When a REML step would go below zero and the REML score at tau2 = 0 is not positive, the
  estimate is set to exactly 0 (the constrained maximum) instead of creeping towards it.
* Q and its p-value always use the fixed-effect weights. For random-effects methods
  ``I2 = 100 tau2 / (tau2 + s2)`` and ``H2 = (tau2 + s2) / s2`` with the "typical"
  within-study variance ``s2 = (k-1) sum(w) / (sum(w)^2 - sum(w^2))``, ``w = 1/vi``; for FE,
  ``I2 = max(0, 100 (Q - (k-1)) / Q)`` and ``H2 = Q / (k-1)``. tau2 and I2 are never
  negative.
* ``ci="z"``: Wald interval with the normal quantile. ``ci="hksj"``: Knapp-Hartung
  (metafor ``test="knha"``): ``se^2 = sum(w r^2) / ((k-1) sum(w))`` and t(k-1) quantiles
  (no truncation of the scale factor at 1, as in metafor).
* Prediction interval ``pi="z"`` (metafor's default, ``predict.rma``):
  ``estimate +/- crit * sqrt(tau2 + se^2)`` where ``crit`` is the normal quantile, or the
  t(k-1) quantile under ``ci="hksj"``. ``pi="t"``: the Higgins, Thompson & Spiegelhalter
  (2009) variant with t(k-2) quantiles (undefined for k < 3, then NaN with a note).
* k = 1: the pooled result is that study (tau2 = 0, I2 = 0, H2 = 1, Q = 0, p = 1) with a
  note; HKSJ needs k >= 2 and falls back to z with a note.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, special

__all__ = [
    "ConvergenceError",
    "PoolResult",
    "SubgroupResult",
    "cumulative",
    "effect_sizes",
    "from_ci",
    "leave_one_out",
    "pool",
    "subgroups",
]

Method = Literal["FE", "DL", "REML", "PM"]
CI = Literal["z", "hksj"]
PI = Literal["z", "t"]

METHODS = ("FE", "DL", "REML", "PM")
MEASURES = ("MD", "SMD", "RR", "OR", "RD")
CONTINUOUS_COLUMNS = ("n1", "mean1", "sd1", "n2", "mean2", "sd2")
BINARY_COLUMNS = ("events1", "n1", "events2", "n2")
CI_COLUMNS = ("estimate", "ci_low", "ci_high")
RATIO_MEASURES = ("RR", "OR")
ZERO_CELL_ADD = 0.5

SUMMARY_COLUMNS = (
    "k",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "tau2",
    "i2",
    "h2",
    "q",
    "q_p",
)


class ConvergenceError(RuntimeError):
    """Raised when the REML iterations do not converge within ``maxiter``."""


# --------------------------------------------------------------------------- effect sizes


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value.item() if isinstance(value, np.generic) else value


def _row_error(index: Any, column: str, value: Any, expectation: str) -> ValueError:
    index, value = _plain(index), _plain(value)
    return ValueError(f"row {index!r}: column {column!r} is {value!r}; expected {expectation}")


def _numeric(frame: pd.DataFrame, columns: Sequence[str]) -> dict[str, np.ndarray]:
    out = {}
    for col in columns:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna()
        if bad.any():
            idx = bad.idxmax()
            raise _row_error(idx, col, frame.at[idx, col], "a number")
        out[col] = values.to_numpy(dtype=float, na_value=np.nan)
    return out


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _check(
    frame: pd.DataFrame, cols: dict[str, np.ndarray], rows: np.ndarray, name: str, ok, expect
) -> None:
    values = cols[name]
    with np.errstate(invalid="ignore"):
        bad = rows & ~ok(values)
    if bad.any():
        i = _first(bad)
        raise _row_error(frame.index[i], name, values[i], expect)


def _continuous(frame: pd.DataFrame, cols: dict, rows: np.ndarray, measure: str):
    for name in ("n1", "n2"):
        _check(frame, cols, rows, name, lambda v: v >= 1, "a sample size >= 1")
    for name in ("sd1", "sd2"):
        _check(frame, cols, rows, name, lambda v: v >= 0, "a standard deviation >= 0")
    n1, n2, sd1, sd2 = cols["n1"], cols["n2"], cols["sd1"], cols["sd2"]
    diff = cols["mean1"] - cols["mean2"]
    if measure == "MD":
        return diff, sd1**2 / n1 + sd2**2 / n2
    m = n1 + n2 - 2
    small = rows & ~(m >= 1)
    if small.any():
        i = _first(small)
        raise _row_error(frame.index[i], "n1 + n2", n1[i] + n2[i], "at least 3 for SMD")
    sdp = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / m)
    zero = rows & ~(sdp > 0)
    if zero.any():
        i = _first(zero)
        raise _row_error(frame.index[i], "sd1, sd2", (sd1[i], sd2[i]), "a pooled SD > 0")
    with np.errstate(invalid="ignore"):
        cm = np.exp(special.gammaln(m / 2) - 0.5 * np.log(m / 2) - special.gammaln((m - 1) / 2))
    g = cm * diff / sdp
    return g, 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))


def _binary(frame: pd.DataFrame, cols: dict, rows: np.ndarray, measure: str, add: float):
    for name in ("n1", "n2"):
        _check(frame, cols, rows, name, lambda v: v >= 1, "a sample size >= 1")
    for name, n in (("events1", "n1"), ("events2", "n2")):
        _check(frame, cols, rows, name, lambda v: v >= 0, "an event count >= 0")
        over = rows & (cols[name] > cols[n])
        if over.any():
            i = _first(over)
            raise _row_error(frame.index[i], name, cols[name][i], f"at most {n} = {cols[n][i]!r}")
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
        i = _first(bad)
        raise _row_error(
            frame.index[i],
            "ci_low, estimate, ci_high",
            (lo[i], est[i], hi[i]),
            "ci_low <= estimate <= ci_high",
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        if log:
            est, lo, hi = np.log(est), np.log(lo), np.log(hi)
        se = (hi - lo) / (2 * special.ndtri(0.5 + level / 2))
    return est, se**2


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
        Confidence level of the reported interval (0.95 by default).

    Returns
    -------
    DataFrame
        ``yi`` (on the analysis scale) and ``vi = ((hi - lo) / (2 z))^2`` with
        ``z = 1.959964`` for 95% intervals.

    Raises
    ------
    ValueError
        Naming the row and column of a missing column, a non-number, a ratio <= 0 or an
        interval that does not contain its estimate.

    Examples
    --------
    >>> rows = pd.DataFrame({"estimate": [0.5], "ci_low": [0.25], "ci_high": [1.0]})
    >>> from_ci(rows, scale="log").round(4)
           yi      vi
    0 -0.6931  0.1251
    """
    _require(frame, CI_COLUMNS, "from_ci")
    rows = np.ones(len(frame), dtype=bool)
    yi, vi = _ci_rows(frame, rows, scale == "log", level)
    return pd.DataFrame({"yi": yi, "vi": vi}, index=frame.index)


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what}: missing column(s) {missing}; the frame has {list(frame.columns)}"
        )


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
        Added to all four cells of a 2x2 table that has a zero cell (0.5, as metafor).

    Returns
    -------
    DataFrame
        Columns ``yi`` and ``vi``, same index as ``frame``. The input is not modified.

    Raises
    ------
    ValueError
        For an unknown measure, missing columns, or a bad value (negative SD, sample size
        below 1, events above n, ...), naming the row (index label), column and value.

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
            i = _first(~raw_rows)
            col = next(c for c in raw if np.isnan(cols[c][i]))
            raise _row_error(frame.index[i], col, frame[col].iloc[i], "a number (not missing)")
        if raw_rows.any():
            if measure in ("MD", "SMD"):
                y, v = _continuous(frame, cols, raw_rows, measure)
            else:
                y, v = _binary(frame, cols, raw_rows, measure, add)
            yi[raw_rows], vi[raw_rows] = y[raw_rows], v[raw_rows]
    ci_rows = ~raw_rows
    if ci_rows.any():
        y, v = _ci_rows(frame, ci_rows, measure in RATIO_MEASURES, 0.95)
        yi[ci_rows], vi[ci_rows] = y[ci_rows], v[ci_rows]
    return pd.DataFrame({"yi": yi, "vi": vi}, index=frame.index)


# --------------------------------------------------------------------------- pooling


@dataclass(frozen=True)
class PoolResult:
    """Result of :func:`pool`.

    ``weights`` are percentages (summing to 100) in the order of the input; ``labels`` are
    the study labels in the same order. ``i2`` is a percentage. ``notes`` holds plain
    sentences about edge cases (k = 1, fall-backs, tau2 = 0).
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    tau2: float
    i2: float
    h2: float
    q: float
    q_p: float
    k: int
    pi_low: float
    pi_high: float
    weights: np.ndarray = field(repr=False)
    labels: Sequence = field(repr=False, default=())
    method: str = "REML"
    ci: str = "z"
    pi: str = "z"
    level: float = 0.95
    iterations: int = 0
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One-row summary frame.

        Examples
        --------
        >>> pool([0.1, 0.3, 0.2], [0.01, 0.02, 0.015], method="FE").to_frame()[["k", "method"]]
           k method
        0  3     FE
        """
        row = {name: getattr(self, name) for name in SUMMARY_COLUMNS}
        row.update(method=self.method, ci=self.ci, pi=self.pi, notes="; ".join(self.notes))
        return pd.DataFrame([row])

    def weights_frame(self) -> pd.DataFrame:
        """Per-study weights (percent) indexed by study label.

        Examples
        --------
        >>> pool([0.1, 0.3], [0.01, 0.01], method="FE", labels=["a", "b"]).weights_frame()
              weight
        study
        a       50.0
        b       50.0
        """
        index = pd.Index(list(self.labels), name="study")
        return pd.DataFrame({"weight": self.weights}, index=index)


def _labels(yi: Any, k: int, labels: Sequence | None) -> Sequence:
    """Study labels: given ones, a Series' index, or "study 1".."study k" (built lazily)."""
    if labels is not None:
        if len(labels) != k:
            raise ValueError(f"labels has {len(labels)} entries but there are {k} studies")
        return labels if isinstance(labels, pd.Index) else tuple(labels)
    if isinstance(yi, pd.Series):
        return yi.index
    return _DefaultLabels(k)


class _DefaultLabels(Sequence):
    """``"study 1", "study 2", ...`` without building k strings up front."""

    def __init__(self, k: int):
        self._k = k

    def __len__(self) -> int:
        return self._k

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._k))]
        if not -self._k <= i < self._k:
            raise IndexError(i)
        return f"study {i % self._k + 1}"


def _validate(yi: Any, vi: Any, labels: Sequence | None):
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    if y.size != v.size:
        raise ValueError(f"yi has {y.size} values but vi has {v.size}")
    if y.size == 0:
        raise ValueError("no studies to pool (yi is empty)")
    # fast path: one reduction each (NaN propagates through sum/min/max)
    if not (math.isfinite(y.sum()) and v.min() > 0 and math.isfinite(v.max())):
        ok_y = np.isfinite(y)
        ok_v = np.isfinite(v) & (v > 0)
        if ok_y.all() and ok_v.all():  # e.g. a sum that overflowed
            return y, v
        labs = _labels(yi, y.size, labels)
        if not ok_y.all():
            i = _first(~ok_y)
            raise ValueError(
                f"study {_plain(labs[i])!r}: effect size yi = {y[i].item()!r} is not a finite"
                " number"
            )
        i = _first(~ok_v)
        raise ValueError(
            f"study {_plain(labs[i])!r}: sampling variance vi = {v[i].item()!r} must be a"
            " finite number > 0"
        )
    return y, v


def _fe_parts(y: np.ndarray, w: np.ndarray):
    sw = w.sum()
    mu = np.dot(w, y) / sw
    r = y - mu
    return sw, mu, r


def _tau2_dl(y, v, w, q):
    k = y.size
    sw = w.sum()
    c = sw - np.dot(w, w) / sw
    return max(0.0, (q - (k - 1)) / c)


class _RemlScore:
    """Fisher-scoring step for REML with an intercept-only model, O(k) per call.

    With ``w = 1/(v + tau2)`` and ``P = W - w w' / sum(w)``: ``y'PPy = sum(w^2 r^2)``,
    ``tr(P) = sum(w) - sum(w^2)/sum(w)`` and ``tr(PP) = sum(w^2) - 2 sum(w^3)/sum(w) +
    (sum(w^2)/sum(w))^2``; the step is ``(y'PPy - tr(P)) / tr(PP)`` as in metafor. Work
    arrays are allocated once and reused (no k x k matrices, no per-step allocation).
    """

    def __init__(self, y: np.ndarray, v: np.ndarray):
        self.y, self.v = y, v
        self.w = np.empty_like(v)
        self.tmp = np.empty_like(v)

    def __call__(self, tau2: float) -> float:
        w, tmp = self.w, self.tmp
        np.add(self.v, tau2, out=w)
        np.divide(1.0, w, out=w)  # faster than np.reciprocal for float64
        sw = w.sum()
        mu = np.dot(w, self.y) / sw
        np.subtract(self.y, mu, out=tmp)
        np.multiply(tmp, w, out=tmp)
        ypy = np.dot(tmp, tmp)
        np.multiply(w, w, out=tmp)
        w2 = tmp.sum()
        w3 = np.dot(tmp, w)
        tr_p = sw - w2 / sw
        tr_pp = w2 - 2.0 * w3 / sw + (w2 / sw) ** 2
        return float((ypy - tr_p) / tr_pp)


COARSE_TOL = 1e-5  # metafor's default REML threshold
SCORING_STEPS = 20  # Fisher-scoring steps before switching to a bracketed root search


def _polish(step, tau2, width, tol):
    """Root of the REML score bracketed around ``tau2`` (Brent), or None if no bracket.

    Fisher scoring can crawl when its contraction rate is near 1; once it has met
    metafor's own 1e-5 threshold the root is bracketed and finished with ``brentq`` to
    ``tol`` (the step has the sign of the score, so it serves as the function).
    """
    d = max(10.0 * width, 1e-12)
    for _ in range(60):
        lo, hi = max(0.0, tau2 - d), tau2 + d
        f_lo = step(lo)
        if lo == 0.0 and f_lo <= 0:
            return 0.0
        if f_lo >= 0 and step(hi) <= 0:
            return float(optimize.brentq(step, lo, hi, xtol=tol, rtol=4 * np.finfo(float).eps))
        d *= 2.0
    return None


def _tau2_reml(y, v, tol, maxiter, start):
    step = _RemlScore(y, v)
    tau2 = start
    adj = math.inf
    for it in range(1, maxiter + 1):
        adj = step(tau2)
        if tau2 + adj < 0:
            if tau2 == 0.0 or step(0.0) <= 0:
                return 0.0, it
            while tau2 + adj < 0:
                adj /= 2.0
        tau2 += adj
        if abs(adj) < tol:
            return tau2, it
        if abs(adj) < COARSE_TOL or it >= SCORING_STEPS:  # crawling or oscillating
            polished = _polish(step, tau2, abs(adj), tol)
            if polished is not None:
                return polished, it
    raise ConvergenceError(
        f"REML did not converge in {maxiter} iterations (last tau2 = {tau2:.6g}, last change"
        f" = {abs(adj):.3g}); use method='PM' or method='DL', or raise maxiter"
    )


def _q_gen(tau2, y, v):
    w = 1.0 / (v + tau2)
    mu = np.dot(w, y) / w.sum()
    r = y - mu
    return np.dot(w, r * r)


def _tau2_pm(y, v):
    k = y.size
    target = k - 1
    if _q_gen(0.0, y, v) <= target:
        return 0.0
    mad = 1.4826 * np.median(np.abs(y - np.median(y)))
    upper = max(100.0, 10 * mad**2)
    while _q_gen(upper, y, v) > target:
        upper *= 10
    return optimize.brentq(
        lambda t: _q_gen(t, y, v) - target, 0.0, upper, xtol=1e-14, rtol=8.9e-16, maxiter=500
    )


def _quantile(level: float, df: float | None) -> float:
    p = 0.5 + level / 2
    if df is None:
        return float(special.ndtri(p))
    return float(special.stdtrit(df, p))


def _check_options(method, ci, pi, level) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if ci not in ("z", "hksj"):
        raise ValueError(f"ci must be 'z' or 'hksj', got {ci!r}")
    if pi not in ("z", "t"):
        raise ValueError(f"pi must be 'z' or 't', got {pi!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")


def pool(
    yi: Any,
    vi: Any,
    *,
    method: Method = "REML",
    ci: CI = "z",
    labels: Sequence | None = None,
    pi: PI = "z",
    level: float = 0.95,
    tol: float = 1e-10,
    maxiter: int = 100,
) -> PoolResult:
    """Pool effect sizes with a fixed- or random-effects model (as metafor's ``rma``).

    Parameters
    ----------
    yi, vi : array-like
        Effect sizes and their sampling variances (e.g. from :func:`effect_sizes`). A
        pandas Series ``yi`` lends its index as study labels.
    method : {"REML", "DL", "PM", "FE"}
        tau2 estimator: restricted maximum likelihood (Fisher scoring), DerSimonian-Laird,
        Paule-Mandel, or a fixed-effect (common-effect) model with tau2 = 0.
    ci : {"z", "hksj"}
        Wald-type normal interval, or the Hartung-Knapp-Sidik-Jonkman adjustment with
        t(k-1) quantiles (metafor ``test="knha"``; RevMan's default since 2025).
    labels : sequence, optional
        Study labels used in error messages and weights.
    pi : {"z", "t"}
        Prediction interval: metafor's default (normal quantile, or t(k-1) under HKSJ) or
        the Higgins et al. (2009) t(k-2) variant.
    level : float
        Confidence level for the CI and prediction interval.
    tol, maxiter : float, int
        REML convergence threshold on the change in tau2, and the iteration limit.

    Returns
    -------
    PoolResult

    Raises
    ------
    ValueError
        For empty input, unequal lengths, or a non-finite ``yi`` or a zero, negative or NaN
        ``vi`` (naming the study), or an unknown option.
    ConvergenceError
        If REML has not converged after ``maxiter`` iterations.

    Examples
    --------
    >>> res = pool([-0.89, -1.59, -1.35, -1.44], [0.33, 0.19, 0.42, 0.02], method="DL")
    >>> round(res.estimate, 4), res.tau2
    (-1.422, 0.0)
    """
    _check_options(method, ci, pi, level)
    y, v = _validate(yi, vi, labels)
    labs = _labels(yi, y.size, labels)
    return _fit(y, v, labs, method, ci, pi, level, tol, maxiter)


def _fit(y, v, labs, method, ci, pi, level, tol, maxiter) -> PoolResult:
    k = y.size
    notes: list[str] = []
    w_fe = np.divide(1.0, v)
    sw_fe, mu_fe, r_fe = _fe_parts(y, w_fe)
    q = float(np.dot(w_fe, r_fe * r_fe)) if k > 1 else 0.0
    q_p = float(special.chdtrc(k - 1, q)) if k > 1 else 1.0
    iterations = 0
    if k == 1:
        tau2 = 0.0
        notes.append("k = 1: the pooled result is the single study; heterogeneity not estimable")
    elif method == "FE":
        tau2 = 0.0
    elif method == "DL":
        tau2 = _tau2_dl(y, v, w_fe, q)
    elif method == "REML":
        tau2, iterations = _tau2_reml(y, v, tol, maxiter, _tau2_dl(y, v, w_fe, q))
    else:
        tau2 = float(_tau2_pm(y, v))
    if method != "FE" and k > 1 and tau2 == 0.0:
        notes.append("tau2 estimated as 0: the random-effects result equals the fixed-effect one")
    w = w_fe if tau2 == 0.0 else np.divide(1.0, v + tau2)
    sw = w.sum()
    est = float(np.dot(w, y) / sw)
    df = None
    if ci == "hksj" and k == 1:
        notes.append("HKSJ needs k >= 2: z-based interval used")
        se = math.sqrt(1.0 / sw)
    elif ci == "hksj":
        r = y - est
        se = math.sqrt(float(np.dot(w, r * r)) / ((k - 1) * sw))
        df = k - 1
    else:
        se = math.sqrt(1.0 / sw)
    crit = _quantile(level, df)
    i2, h2 = _heterogeneity(method, k, q, tau2, w_fe, sw_fe)
    pi_low, pi_high = _prediction(est, se, tau2, k, crit, pi, level, notes)
    return PoolResult(
        estimate=est,
        se=se,
        ci_low=est - crit * se,
        ci_high=est + crit * se,
        tau2=float(tau2),
        i2=i2,
        h2=h2,
        q=q,
        q_p=q_p,
        k=k,
        pi_low=pi_low,
        pi_high=pi_high,
        weights=100.0 * w / sw,
        labels=labs,
        method=method,
        ci="hksj" if df is not None else "z",
        pi=pi,
        level=level,
        iterations=iterations,
        notes=tuple(notes),
    )


def _heterogeneity(method, k, q, tau2, w_fe, sw_fe):
    if k == 1:
        return 0.0, 1.0
    if method == "FE":
        return max(0.0, 100.0 * (q - (k - 1)) / q) if q > 0 else 0.0, q / (k - 1)
    s2 = (k - 1) * sw_fe / (sw_fe**2 - np.dot(w_fe, w_fe))
    return float(100.0 * tau2 / (tau2 + s2)), float((tau2 + s2) / s2)


def _prediction(est, se, tau2, k, crit, pi, level, notes):
    if pi == "t":
        if k < 3:
            notes.append("t-based prediction interval needs k >= 3: not computed")
            return math.nan, math.nan
        crit = _quantile(level, k - 2)
    half = crit * math.sqrt(tau2 + se * se)
    return est - half, est + half


# --------------------------------------------------------------------------- sensitivity


def _rows(results: list[PoolResult], index: pd.Index) -> pd.DataFrame:
    data = {c: [getattr(r, c) for r in results] for c in SUMMARY_COLUMNS}
    return pd.DataFrame(data, index=index)


def leave_one_out(
    yi: Any,
    vi: Any,
    *,
    method: Method = "REML",
    ci: CI = "z",
    labels: Sequence | None = None,
    pi: PI = "z",
    level: float = 0.95,
) -> pd.DataFrame:
    """Pool again with each study left out in turn (metafor's ``leave1out``).

    Parameters
    ----------
    yi, vi, method, ci, labels, pi, level
        As for :func:`pool`.

    Returns
    -------
    DataFrame
        One row per omitted study (index ``omitted``) with ``k, estimate, se, ci_low,
        ci_high, pi_low, pi_high, tau2, i2, h2, q, q_p`` of the remaining studies.

    Raises
    ------
    ValueError
        If fewer than 2 studies are given, or as for :func:`pool`.

    Examples
    --------
    >>> loo = leave_one_out([0.1, 0.3, 0.2], [0.01, 0.02, 0.015], method="FE",
    ...                     labels=["a", "b", "c"])
    >>> loo["k"].tolist()
    [2, 2, 2]
    """
    y, v = _validate(yi, vi, labels)
    labs = _labels(yi, y.size, labels)
    if y.size < 2:
        raise ValueError("leave_one_out needs at least 2 studies")
    _check_options(method, ci, pi, level)
    keep = ~np.eye(y.size, dtype=bool)
    results = [_fit(y[m], v[m], (), method, ci, pi, level, 1e-10, 100) for m in keep]
    return _rows(results, pd.Index(list(labs), name="omitted"))


def cumulative(
    yi: Any,
    vi: Any,
    *,
    order: Sequence | None = None,
    method: Method = "REML",
    ci: CI = "z",
    labels: Sequence | None = None,
    pi: PI = "z",
    level: float = 0.95,
) -> pd.DataFrame:
    """Cumulative meta-analysis: add one study at a time (metafor's ``cumul``).

    Parameters
    ----------
    yi, vi, method, ci, labels, pi, level
        As for :func:`pool`.
    order : sequence, optional
        Sort keys, one per study (e.g. publication years); studies are added in
        ascending order of the key (ties keep their input order). Default: input order.

    Returns
    -------
    DataFrame
        One row per step, indexed by the label of the study ``added`` at that step, with
        ``k, estimate, se, ci_low, ci_high, pi_low, pi_high, tau2, i2, h2, q, q_p``.

    Examples
    --------
    >>> cum = cumulative([0.1, 0.3, 0.2], [0.01, 0.02, 0.015], order=[2001, 1999, 2005],
    ...                  method="FE", labels=["a", "b", "c"])
    >>> list(cum.index), cum["k"].tolist()
    (['b', 'a', 'c'], [1, 2, 3])
    """
    y, v = _validate(yi, vi, labels)
    labs = _labels(yi, y.size, labels)
    if order is None:
        idx = np.arange(y.size)
    else:
        keys = np.asarray(order)
        if keys.shape != (y.size,):
            raise ValueError(f"order has {keys.size} keys but there are {y.size} studies")
        idx = np.argsort(keys, kind="stable")
    _check_options(method, ci, pi, level)
    y, v = y[idx], v[idx]
    results = [
        _fit(y[:j], v[:j], (), method, ci, pi, level, 1e-10, 100) for j in range(1, y.size + 1)
    ]
    return _rows(results, pd.Index([labs[i] for i in idx], name="added"))


# --------------------------------------------------------------------------- subgroups


@dataclass(frozen=True)
class SubgroupResult:
    """Result of :func:`subgroups`.

    ``groups`` has one row per subgroup (index ``group``) with the columns of
    :meth:`PoolResult.to_frame`; ``results`` maps each group to its :class:`PoolResult`.
    ``q_between`` (df = number of groups - 1, p-value ``q_between_p``) tests whether the
    subgroup estimates differ.
    """

    groups: pd.DataFrame
    results: dict
    q_between: float
    df: int
    q_between_p: float
    method: str

    def to_frame(self) -> pd.DataFrame:
        """The per-group frame with the between-group test in its ``attrs``.

        Examples
        --------
        >>> res = subgroups([0.1, 0.3, 0.5, 0.6], [0.01] * 4, ["oral", "oral", "im", "im"],
        ...                 method="FE")
        >>> res.to_frame().index.tolist()
        ['oral', 'im']
        """
        frame = self.groups.copy()
        frame.attrs.update(q_between=self.q_between, df=self.df, q_between_p=self.q_between_p)
        return frame


def subgroups(
    yi: Any,
    vi: Any,
    groups: Any,
    *,
    method: Method = "REML",
    ci: CI = "z",
    labels: Sequence | None = None,
    pi: PI = "z",
    level: float = 0.95,
) -> SubgroupResult:
    """Pool within subgroups (e.g. by delivery route) and test between them.

    Each subgroup is pooled separately with its own tau2 (``method``). The between-group
    test is the Q statistic of a fixed-effect model on the subgroup estimates with weights
    ``1 / se_g^2`` (the approach of RevMan and of metafor's subgroup example with separate
    tau2 per subgroup), referred to chi-square with G - 1 degrees of freedom.

    Parameters
    ----------
    yi, vi, method, ci, labels, pi, level
        As for :func:`pool`.
    groups : array-like
        Group of each study. Order of the output follows categorical order for a pandas
        Categorical (observed categories only), else first appearance.

    Returns
    -------
    SubgroupResult

    Raises
    ------
    ValueError
        If a study has no group (naming it), lengths differ, or as for :func:`pool`.

    Examples
    --------
    >>> res = subgroups([0.1, 0.3, 0.5, 0.6], [0.01] * 4, ["oral", "oral", "im", "im"],
    ...                 method="FE")
    >>> round(res.q_between, 4), res.df
    (12.25, 1)
    """
    y, v = _validate(yi, vi, labels)
    labs = _labels(yi, y.size, labels)
    g = pd.Series(groups)
    if len(g) != y.size:
        raise ValueError(f"groups has {len(g)} entries but there are {y.size} studies")
    if g.isna().any():
        i = _first(g.isna().to_numpy())
        raise ValueError(f"study {_plain(labs[i])!r}: group is missing")
    if isinstance(g.dtype, pd.CategoricalDtype):
        names = [c for c in g.cat.categories if (g == c).any()]
    else:
        names = list(dict.fromkeys(g.tolist()))
    values = g.to_numpy()
    results = {}
    for name in names:
        m = values == name
        results[name] = pool(
            y[m],
            v[m],
            method=method,
            ci=ci,
            pi=pi,
            level=level,
            labels=[lab for lab, keep in zip(labs, m, strict=True) if keep],
        )
    frame = pd.concat([r.to_frame() for r in results.values()], ignore_index=True)
    frame.index = pd.Index(names, name="group")
    est = np.array([r.estimate for r in results.values()])
    w = 1.0 / np.array([r.se for r in results.values()]) ** 2
    dfb = len(names) - 1
    if dfb == 0:
        qb, pb = 0.0, 1.0
    else:
        mu = np.dot(w, est) / w.sum()
        qb = float(np.dot(w, (est - mu) ** 2))
        pb = float(special.chdtrc(dfb, qb))
    return SubgroupResult(frame, results, qb, dfb, pb, method)
