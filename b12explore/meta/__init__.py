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
* Robustness: every iterative estimator has a bounded number of steps and ends in a value
  or :class:`ConvergenceError`; the REML traces are computed without cancellation when one
  variance dominates (see :mod:`.estimators`). Options are checked (``tol`` > 0, ``level``
  a number in (0, 1), 1-D numeric ``yi``/``vi``, no booleans) with clear ``ValueError``.

Modules: :mod:`.effects` (effect sizes), :mod:`.estimators` (tau2 estimators, each with a
bounded number of steps that ends in a value or :class:`ConvergenceError`), :mod:`.pooling`
(:func:`pool`), :mod:`.sensitivity` (leave-one-out, cumulative, subgroups).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._common import (
    BINARY_COLUMNS,
    CI_COLUMNS,
    CONTINUOUS_COLUMNS,
    MEASURES,
    METHODS,
    RATIO_MEASURES,
    SUMMARY_COLUMNS,
    ZERO_CELL_ADD,
    ConvergenceError,
)

# name -> submodule defining it (None: the submodule itself). Imported on first use, so
# that the constants above (``summaries`` uses RATIO_MEASURES) do not import scipy.
_LAZY: dict[str, str | None] = {
    "estimators": None,
    "effect_sizes": "effects",
    "from_ci": "effects",
    "CI": "pooling",
    "PI": "pooling",
    "Method": "pooling",
    "PoolResult": "pooling",
    "pool": "pooling",
    "SubgroupResult": "sensitivity",
    "cumulative": "sensitivity",
    "leave_one_out": "sensitivity",
    "subgroups": "sensitivity",
}

if TYPE_CHECKING:  # pragma: no cover
    from . import estimators
    from .effects import effect_sizes, from_ci
    from .pooling import CI, PI, Method, PoolResult, pool
    from .sensitivity import SubgroupResult, cumulative, leave_one_out, subgroups

__all__ = [
    "BINARY_COLUMNS",
    "CI",
    "CI_COLUMNS",
    "CONTINUOUS_COLUMNS",
    "MEASURES",
    "METHODS",
    "PI",
    "RATIO_MEASURES",
    "SUMMARY_COLUMNS",
    "ZERO_CELL_ADD",
    "ConvergenceError",
    "Method",
    "PoolResult",
    "SubgroupResult",
    "cumulative",
    "effect_sizes",
    "estimators",
    "from_ci",
    "leave_one_out",
    "pool",
    "subgroups",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f".{_LAZY[name] or name}", __name__)
    value = module if _LAZY[name] is None else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
