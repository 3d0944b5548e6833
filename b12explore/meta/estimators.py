"""tau2 estimators (DL, REML, PM), each with a bounded number of steps.

Every loop here has a fixed upper bound: REML at most ``maxiter`` Fisher-scoring steps (each
with at most :data:`MAX_HALVINGS` step halvings) and at most :data:`MAX_BRACKET` bracket
widenings of at most ``maxiter`` Brent steps; Paule-Mandel at most :data:`MAX_BRACKET`
bracket widenings and 500 Brent steps. Each ends in a value or a :class:`ConvergenceError`.

Numerics. With one dominant weight (a variance ratio of 1e8 or more), the textbook traces
``tr(P) = sum(w) - sum(w^2)/sum(w)`` and ``tr(PP) = sum(w^2) - 2 sum(w^3)/sum(w) +
(sum(w^2)/sum(w))^2`` cancel catastrophically (``tr(PP)`` came out as exactly 0 for the
input of issue 15, giving a step of -inf and an endless halving loop). :class:`RemlScore`
computes them instead as sums of non-negative terms, split into the largest weight ``w_m``
and the rest (``R = sum_{i != m} w_i``), after scaling by ``w_m`` (no overflow):
``tr(P) = (2 w_m R + (R^2 - sum_{i != m} w_i^2)) / sum(w)`` and
``tr(PP) = sum_i P_ii^2 + sum_{i != j} P_ij^2`` with ``P_mm = w_m R / sum(w)``; residuals are
taken relative to the dominant study's effect so its tiny residual is not lost.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize

from ._common import ConvergenceError

__all__ = [
    "COARSE_TOL",
    "MAX_BRACKET",
    "MAX_HALVINGS",
    "SCORING_STEPS",
    "RemlScore",
    "tau2_dl",
    "tau2_pm",
    "tau2_reml",
    "trace_p",
]

COARSE_TOL = 1e-5  # metafor's default REML threshold
SCORING_STEPS = 20  # Fisher-scoring steps before switching to a bracketed root search
MAX_HALVINGS = 2_200  # enough to shrink any finite double below the smallest subnormal
MAX_BRACKET = 400  # doublings / decades when widening a bracket (beyond the double range)


def _split(w: np.ndarray, tmp: np.ndarray) -> tuple[int, float, float, float]:
    """Largest weight's position ``m`` and value, and (in ``tmp``) ``u = w / w_m`` with u_m = 0.

    Returns ``(m, w_m, r_u, s_u)`` with ``r_u = sum_{i != m} u_i`` and ``s_u = 1 + r_u``.
    """
    m = int(np.argmax(w))
    wm = float(w[m])
    np.divide(w, wm, out=tmp)
    tmp[m] = 0.0
    r_u = float(tmp.sum())
    return m, wm, r_u, 1.0 + r_u


def trace_p(w: np.ndarray) -> float:
    """``tr(P) = sum(w) - sum(w^2)/sum(w)`` without cancellation (see the module notes).

    Examples
    --------
    >>> w = np.array([1.0, 2.0, 3.0])
    >>> round(trace_p(w), 12) == round(6 - 14 / 6, 12)
    True
    """
    u = np.empty_like(w)
    m, _, r_u, s_u = _split(w, u)
    rest = w.copy()
    rest[m] = 0.0
    # w_m (2 r_u + r_u^2 - sum u^2) with w_m r_u = sum(rest) summed unscaled: u may
    # underflow to 0 for a weight ratio past 1e308, the weights themselves do not
    r = float(rest.sum())
    return (r * (2.0 + r_u) - float(np.dot(rest, u))) / s_u


def tau2_dl(y: np.ndarray, v: np.ndarray, w: np.ndarray, q: float) -> float:
    """DerSimonian-Laird tau2 (truncated at 0) from fixed-effect weights ``w`` and ``q``.

    Examples
    --------
    >>> y, v = np.array([0.1, 0.5, 0.9]), np.array([0.01, 0.02, 0.01])
    >>> w = 1 / v
    >>> mu = (w * y).sum() / w.sum()
    >>> round(tau2_dl(y, v, w, float((w * (y - mu) ** 2).sum())), 4)
    0.1875
    """
    k = y.size
    c = trace_p(w)
    return max(0.0, (q - (k - 1)) / c)


class RemlScore:
    """Fisher-scoring step for REML with an intercept-only model, O(k) per call.

    With ``w = 1/(v + tau2)`` and ``P = W - w w' / sum(w)``: ``y'PPy = sum(w^2 r^2)``; the
    step is ``(y'PPy - tr(P)) / tr(PP)`` as in metafor, with the traces computed without
    cancellation (module notes). Its sign is the sign of the REML score. Work arrays are
    allocated once and reused (no k x k matrices).

    Examples
    --------
    >>> step = RemlScore(np.array([0.1, 0.5, 0.9]), np.array([0.01, 0.02, 0.01]))
    >>> step(0.0) > 0  # heterogeneous: the score at tau2 = 0 points up
    True
    """

    def __init__(self, y: np.ndarray, v: np.ndarray):
        self.y, self.v = y, v
        self.w = np.empty_like(v)
        self.u = np.empty_like(v)
        self.tmp = np.empty_like(v)

    def __call__(self, tau2: float) -> float:
        w, u, tmp = self.w, self.u, self.tmp
        np.add(self.v, tau2, out=w)
        np.divide(1.0, w, out=w)  # faster than np.reciprocal for float64
        m, wm, r_u, s_u = _split(w, u)  # u = w / w_m, u_m = 0
        ym = self.y[m]
        np.subtract(self.y, ym, out=tmp)  # y - y_m
        d = float(np.dot(u, tmp)) / s_u  # mu - y_m (u_m = 0, so the m term drops)
        tmp -= d  # r = y - mu, with r_m = -d exactly
        tmp *= u  # u_i r_i for i != m
        ypy_u = float(np.dot(tmp, tmp)) + d * d  # sum(u^2 r^2) incl. u_m = 1
        u2r = float(np.dot(u, u))
        trp_u = (2.0 * r_u + (r_u * r_u - u2r)) / s_u  # tr(P) / w_m
        np.subtract(s_u, u, out=tmp)
        tmp *= u  # u_i (s_u - u_i) = s_u * P_ii / w_m for i != m
        diag = float(np.dot(tmp, tmp)) + r_u * r_u  # incl. P_mm = w_m r_u / s_u
        np.multiply(u, u, out=tmp)
        u4r = float(np.dot(tmp, tmp))
        off = 2.0 * u2r + (u2r * u2r - u4r)  # sum_{i != j} u_i^2 u_j^2
        trpp_u = (diag + off) / (s_u * s_u)  # tr(PP) / w_m^2
        if trpp_u == 0.0:  # every other weight underflows next to w_m: no information
            return math.nan
        return float((ypy_u - trp_u / wm) / trpp_u)


def _polish(step, tau2, width, tol, maxiter):
    """Root of the REML score bracketed around ``tau2`` (Brent), or None if no bracket.

    Fisher scoring can crawl when its contraction rate is near 1; once it has met
    metafor's own 1e-5 threshold the root is bracketed and finished with ``brentq`` to
    ``tol`` (the step has the sign of the score, so it serves as the function).
    """
    d = max(10.0 * width, 1e-12)
    for _ in range(MAX_BRACKET):
        lo, hi = max(0.0, tau2 - d), tau2 + d
        if not math.isfinite(hi):
            return None
        f_lo = step(lo)
        if lo == 0.0 and f_lo <= 0:
            return 0.0
        f_hi = step(hi)
        if f_lo >= 0 and f_hi <= 0:
            root, info = optimize.brentq(
                step,
                lo,
                hi,
                xtol=tol,
                rtol=4 * np.finfo(float).eps,
                maxiter=maxiter,
                full_output=True,
                disp=False,
            )
            return float(root) if info.converged else None
        d *= 2.0
    return None


def _not_converged(why: str) -> ConvergenceError:
    return ConvergenceError(f"REML did not converge: {why}; use method='PM' or method='DL'")


def tau2_reml(y, v, tol, maxiter, start) -> tuple[float, int]:
    """REML tau2 by Fisher scoring from ``start``; returns ``(tau2, iterations)``.

    Raises
    ------
    ConvergenceError
        After ``maxiter`` steps, or when a step is not a finite number (no information).

    Examples
    --------
    >>> tau2, it = tau2_reml(np.array([0.1, 0.5, 0.9]), np.array([0.01, 0.02, 0.01]),
    ...                      1e-10, 100, 0.1)
    >>> round(tau2, 4), it < 100
    (0.1532, True)
    """
    step = RemlScore(y, v)
    tau2 = start
    adj = math.inf
    for it in range(1, maxiter + 1):
        adj = step(tau2)
        if not math.isfinite(adj):
            raise _not_converged(
                f"the Fisher-scoring step at tau2 = {tau2:.6g} is {adj!r} (the data carry no"
                " information on tau2)"
            )
        if tau2 + adj < 0:
            if tau2 == 0.0 or step(0.0) <= 0:
                return 0.0, it
            for _ in range(MAX_HALVINGS):
                adj /= 2.0
                if tau2 + adj >= 0:
                    break
            else:  # pragma: no cover - a finite adj always halves to >= -tau2
                raise _not_converged("step halving did not keep tau2 >= 0")
        tau2 += adj
        if abs(adj) < tol:
            return tau2, it
        if abs(adj) < COARSE_TOL or it >= SCORING_STEPS:  # crawling or oscillating
            polished = _polish(step, tau2, abs(adj), tol, maxiter)
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


def tau2_pm(y, v) -> float:
    """Paule-Mandel tau2: root of the generalised Q = k - 1 (0 when Q(0) <= k - 1).

    Raises
    ------
    ConvergenceError
        If the root cannot be bracketed or Brent's method does not converge.

    Examples
    --------
    >>> round(tau2_pm(np.array([0.1, 0.5, 0.9]), np.array([0.01, 0.02, 0.01])), 4)
    0.15
    """
    k = y.size
    target = k - 1
    if _q_gen(0.0, y, v) <= target:
        return 0.0
    mad = 1.4826 * np.median(np.abs(y - np.median(y)))
    upper = max(100.0, 10 * mad**2)
    for _ in range(MAX_BRACKET):
        q_up = _q_gen(upper, y, v)
        if not math.isfinite(upper) or not math.isfinite(q_up):
            break
        if q_up <= target:
            root, info = optimize.brentq(
                lambda t: _q_gen(t, y, v) - target,
                0.0,
                upper,
                xtol=1e-14,
                rtol=8.9e-16,
                maxiter=500,
                full_output=True,
                disp=False,
            )
            if info.converged:
                return float(root)
            break
        upper *= 10
    raise ConvergenceError(
        "Paule-Mandel did not converge: the root of the generalised Q could not be"
        " bracketed; use method='DL'"
    )
