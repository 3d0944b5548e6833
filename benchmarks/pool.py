"""Benchmark: REML pooling, b12explore.meta.pool against PyMARE and statsmodels.

Prints one JSON document. For k = 10, 1,000 and 100,000 synthetic studies (fixed seed) it
times, in the same run and on the same data:

* ``ours``: ``b12explore.meta.pool(yi, vi, method="REML")`` - the full result (tau2 by
  Fisher scoring to 1e-10, estimate, CI, Q, I2, H2, prediction interval, weights).
* ``pymare``: ``pymare.estimators.VarianceBasedLikelihoodEstimator(method="REML").fit(...)``
  (PyMARE's REML estimator: tau2 and the coefficient).
* ``statsmodels``: ``statsmodels.stats.meta_analysis.combine_effects(yi, vi,
  method_re="iterated")``. statsmodels has no REML; its random-effects options are
  "chi2" (DerSimonian-Laird-like) and "iterated" (Paule-Mandel); "iterated" is the
  iterative one and therefore the closest peer. It also computes the DL and FE results.

Each timing is the best of ``REPEATS`` repeats of ``timeit`` loops (loop count chosen so a
repeat lasts >= 0.2 s, at least one call). Ratios are peer time / our time (> 1 means we are
faster). The tau2 each tool found is reported so agreement can be checked.

Run: ``python benchmarks/pool.py`` (needs the ``bench`` extra: pymare, statsmodels).
"""

from __future__ import annotations

import json
import platform
import sys
import timeit
import warnings

import numpy as np

from b12explore import meta

SIZES = (10, 1_000, 100_000)
REPEATS = 5
SEED = 20240501


def synthetic(k: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """k studies: true effects N(0.3, 0.4^2), sampling variances U(0.01, 0.2)."""
    rng = np.random.default_rng(seed + k)
    vi = rng.uniform(0.01, 0.2, k)
    yi = rng.normal(0.3, 0.4, k) + rng.normal(0.0, np.sqrt(vi))
    return yi, vi


def best_time(func) -> float:
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    number = max(1, number // 1)
    return min(timer.repeat(repeat=REPEATS, number=number)) / number


def run_size(k: int) -> dict:
    from pymare.estimators import VarianceBasedLikelihoodEstimator
    from statsmodels.stats.meta_analysis import combine_effects

    yi, vi = synthetic(k)
    y2, v2, x = yi[:, None], vi[:, None], np.ones((k, 1))

    def ours():
        return meta.pool(yi, vi, method="REML")

    def pymare():
        return VarianceBasedLikelihoodEstimator(method="REML").fit(y=y2, v=v2, X=x)

    def statsmodels():
        return combine_effects(yi, vi, method_re="iterated")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tau2 = {
            "ours": float(ours().tau2),
            "pymare": float(np.asarray(pymare().params_["tau2"]).ravel()[0]),
            "statsmodels_pm": float(statsmodels().tau2),
        }
        seconds = {"ours": best_time(ours), "pymare": best_time(pymare)}
        seconds["statsmodels"] = best_time(statsmodels)
    return {
        "k": k,
        "seconds": seconds,
        "ratio_pymare_over_ours": seconds["pymare"] / seconds["ours"],
        "ratio_statsmodels_over_ours": seconds["statsmodels"] / seconds["ours"],
        "faster_than_both": seconds["ours"] < min(seconds["pymare"], seconds["statsmodels"]),
        "tau2": tau2,
    }


def main() -> None:
    import pymare
    import statsmodels

    results = [run_size(k) for k in SIZES]
    report = {
        "benchmark": "REML random-effects pooling",
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "numpy": np.__version__,
        "pymare": pymare.__version__,
        "statsmodels": statsmodels.__version__,
        "statsmodels_method": "combine_effects(method_re='iterated') = Paule-Mandel (no REML)",
        "repeats": REPEATS,
        "seed": SEED,
        "results": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
