"""Pooling: fixed- and random-effects models (metafor's ``rma.uni``), :func:`pool`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from ._common import (
    SUMMARY_COLUMNS,
    ConvergenceError,
    check_iteration,
    check_options,
    first,
    labels_for,
    plain,
)
from .estimators import tau2_dl, tau2_pm, tau2_reml, trace_p

__all__ = ["CI", "PI", "Method", "PoolResult", "fit", "pool", "validate"]

Method = Literal["FE", "DL", "REML", "PM"]
CI = Literal["z", "hksj"]
PI = Literal["z", "t"]
#: largest 1 / vi that is still a finite double
_MAX_WEIGHT = np.finfo(float).max


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


def _as_vector(values: Any, name: str) -> np.ndarray:
    """``values`` as a 1-D float array, refusing booleans, text, complex numbers and 2-D input."""
    if isinstance(values, pd.Series | pd.Index):
        if pd.api.types.is_bool_dtype(values.dtype):
            raise ValueError(f"{name} must hold numbers, not booleans")
        try:
            arr = values.to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must hold numbers: {exc}") from None
        return arr
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be one-dimensional (one value per study), got shape {arr.shape}"
        )
    if arr.dtype.kind == "f":
        return arr.astype(float, copy=False)
    if arr.dtype.kind == "b" or (
        arr.dtype.kind == "O" and any(isinstance(x, bool | np.bool_) for x in arr)
    ):
        raise ValueError(f"{name} must hold numbers, not booleans")
    if arr.dtype.kind not in "iuf" and arr.dtype.kind != "O":
        raise ValueError(f"{name} must hold numbers, got {arr.dtype} values")
    try:
        out = arr.astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold numbers: {exc}") from None
    if arr.dtype.kind == "O" and any(isinstance(x, complex) for x in arr):
        raise ValueError(f"{name} must hold numbers, not complex numbers")
    return out


def validate(yi: Any, vi: Any, labels: Sequence | None):
    """``yi`` and ``vi`` as checked 1-D float arrays (finite ``yi``, finite ``vi > 0``).

    Examples
    --------
    >>> y, v = validate([0.1, 0.2], [0.01, 0.02], None)
    >>> y.dtype, v.shape
    (dtype('float64'), (2,))
    """
    y = _as_vector(yi, "yi")
    v = _as_vector(vi, "vi")
    if y.size != v.size:
        raise ValueError(f"yi has {y.size} values but vi has {v.size}")
    if y.size == 0:
        raise ValueError("no studies to pool (yi is empty)")
    # fast path: one reduction each (NaN propagates through sum/min/max)
    if not (math.isfinite(y.sum()) and v.min() > 0 and math.isfinite(v.max())):
        ok_y = np.isfinite(y)
        ok_v = np.isfinite(v) & (v > 0)
        if not (ok_y.all() and ok_v.all()):
            labs = labels_for(yi, y.size, labels)
            if not ok_y.all():
                i = first(~ok_y)
                raise ValueError(
                    f"study {plain(labs[i])!r}: effect size yi = {y[i].item()!r} is not a"
                    " finite number"
                )
            i = first(~ok_v)
            raise ValueError(
                f"study {plain(labs[i])!r}: sampling variance vi = {v[i].item()!r} must be a"
                " finite number > 0"
            )
    vmin = float(v.min())
    with np.errstate(over="ignore"):
        spread = float(np.ptp(y)) if y.size > 1 else 0.0
        big = max(1.0, spread * spread, float(np.abs(y).max()))
        too_big = not math.isfinite(big / vmin * y.size)  # sums of weights, w*y, w*r^2
    if 1.0 / vmin > _MAX_WEIGHT or too_big:
        raise ValueError(
            f"effect sizes spanning {spread:.3g} with sampling variances down to {vmin:.3g} are"
            " too extreme to pool in double precision (overflow); rescale the effect sizes"
        )
    return y, v


def _fe_parts(y: np.ndarray, w: np.ndarray):
    """Sum of weights, weighted mean and residuals, the mean taken relative to the study
    with the largest weight: its residual stays exact when the weights differ by more
    than 1 / eps (a rounding error in the mean would otherwise be multiplied by it)."""
    sw = w.sum()
    m = int(np.argmax(w))
    dy = y - y[m]
    d = float(np.dot(w / w[m], dy) / (sw / w[m]))
    return sw, y[m] + d, dy - d


def _quantile(level: float, df: float | None) -> float:
    p = 0.5 + level / 2
    if df is None:
        return float(special.ndtri(p))
    return float(special.stdtrit(df, p))


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
        Effect sizes and their sampling variances (e.g. from :func:`effect_sizes`), one
        value per study (one-dimensional, numbers, not booleans). A pandas Series ``yi``
        lends its index as study labels.
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
        Confidence level for the CI and prediction interval, strictly between 0 and 1.
    tol, maxiter : float, int
        REML convergence threshold on the change in tau2 (a finite number > 0), and the
        iteration limit (an integer from 1 to 100,000).

    Returns
    -------
    PoolResult

    Raises
    ------
    ValueError
        For empty input, unequal lengths, input that is not a 1-D sequence of numbers,
        a non-finite ``yi`` or a zero, negative or NaN ``vi`` (naming the study), values
        too extreme for double precision, or an unknown or out-of-range option.
    ConvergenceError
        If REML has not converged after ``maxiter`` iterations (or the data carry no
        information on tau2), or the Paule-Mandel root cannot be found.

    Examples
    --------
    >>> res = pool([-0.89, -1.59, -1.35, -1.44], [0.33, 0.19, 0.42, 0.02], method="DL")
    >>> round(res.estimate, 4), res.tau2
    (-1.422, 0.0)
    """
    check_options(method, ci, pi, level)
    check_iteration(tol, maxiter)
    y, v = validate(yi, vi, labels)
    labs = labels_for(yi, y.size, labels)
    return fit(y, v, labs, method, ci, pi, float(level), float(tol), int(maxiter))


def fit(y, v, labs, method, ci, pi, level, tol, maxiter) -> PoolResult:
    """Pool checked arrays (see :func:`pool`, which checks the arguments first).

    Examples
    --------
    >>> fit(np.array([0.1, 0.3]), np.array([0.01, 0.01]), (), "FE", "z", "z", 0.95,
    ...     1e-10, 100).estimate
    0.2
    """
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
        tau2 = tau2_dl(y, v, w_fe, q)
    elif method == "REML":
        tau2, iterations = tau2_reml(y, v, tol, maxiter, tau2_dl(y, v, w_fe, q))
    else:
        tau2 = float(tau2_pm(y, v))
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
    if not all(map(math.isfinite, (est, se, tau2, i2, h2))):
        raise ConvergenceError(
            f"{method} pooling gave a non-finite result (estimate = {est!r}, se = {se!r},"
            f" tau2 = {tau2!r}): the inputs are too extreme; try method='FE' or rescale"
        )
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
        weights=100.0 * (w / sw),
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
        return max(0.0, 100.0 * ((q - (k - 1)) / q)) if q > 0 else 0.0, q / (k - 1)
    s2 = (k - 1) / trace_p(w_fe)  # = (k-1) sum(w) / (sum(w)^2 - sum(w^2)), no cancellation
    return float(100.0 * (tau2 / (tau2 + s2))), float((tau2 + s2) / s2)


def _prediction(est, se, tau2, k, crit, pi, level, notes):
    if pi == "t":
        if k < 3:
            notes.append("t-based prediction interval needs k >= 3: not computed")
            return math.nan, math.nan
        crit = _quantile(level, k - 2)
    half = crit * math.sqrt(tau2 + se * se)
    return est - half, est + half
