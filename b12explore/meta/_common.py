"""Shared pieces of :mod:`b12explore.meta`: the error type, constants, argument checks."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "BINARY_COLUMNS",
    "CI_COLUMNS",
    "CONTINUOUS_COLUMNS",
    "ConvergenceError",
    "MAXITER_LIMIT",
    "MEASURES",
    "METHODS",
    "RATIO_MEASURES",
    "SUMMARY_COLUMNS",
    "ZERO_CELL_ADD",
    "check_level",
    "check_options",
    "first",
    "plain",
    "row_error",
]

METHODS = ("FE", "DL", "REML", "PM")
MEASURES = ("MD", "SMD", "RR", "OR", "RD")
CONTINUOUS_COLUMNS = ("n1", "mean1", "sd1", "n2", "mean2", "sd2")
BINARY_COLUMNS = ("events1", "n1", "events2", "n2")
CI_COLUMNS = ("estimate", "ci_low", "ci_high")
#: Measures analysed on the log scale: the one list for :mod:`meta` and :mod:`summaries`
#: (HR comes only from a reported estimate with its CI, never from arm data).
RATIO_MEASURES = ("RR", "OR", "HR")
ZERO_CELL_ADD = 0.5
#: an upper bound on ``maxiter`` so that no argument can turn REML into a practical hang
MAXITER_LIMIT = 100_000

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
    """Raised when an iterative tau2 estimator ends without a converged value.

    REML raises it after ``maxiter`` Fisher-scoring steps, or when its information is zero
    (the data cannot identify tau2); Paule-Mandel raises it when its root cannot be
    bracketed. The message suggests another ``method``.
    """


def plain(value: Any) -> Any:
    """``value`` with numpy scalars turned into Python ones (for readable messages)."""
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    return value.item() if isinstance(value, np.generic) else value


def row_error(index: Any, column: str, value: Any, expectation: str) -> ValueError:
    """``ValueError`` naming the row (index label), the column, the value and what was expected."""
    index, value = plain(index), plain(value)
    return ValueError(f"row {index!r}: column {column!r} is {value!r}; expected {expectation}")


def first(mask: np.ndarray) -> int:
    """Position of the first True in ``mask``."""
    return int(np.flatnonzero(mask)[0])


def is_real(value: Any) -> bool:
    """A real number that is not a boolean (``True`` is an ``int`` in Python)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def check_level(level: Any) -> float:
    """``level`` as a float in (0, 1), else a ``ValueError``."""
    if not is_real(level) or not 0 < float(level) < 1:
        raise ValueError(f"level must be a number between 0 and 1 (exclusive), got {level!r}")
    return float(level)


def check_options(method: Any, ci: Any, pi: Any, level: Any) -> None:
    """Check the shared pooling options, raising a ``ValueError`` naming the bad one."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not isinstance(ci, str) or ci not in ("z", "hksj"):
        raise ValueError(f"ci must be 'z' or 'hksj', got {ci!r}")
    if not isinstance(pi, str) or pi not in ("z", "t"):
        raise ValueError(f"pi must be 'z' or 't', got {pi!r}")
    check_level(level)


def check_iteration(tol: Any, maxiter: Any) -> None:
    """Check the REML convergence options ``tol`` and ``maxiter``."""
    if not is_real(tol) or not math.isfinite(float(tol)) or not float(tol) > 0:
        raise ValueError(f"tol must be a finite number > 0, got {tol!r}")
    if (
        not isinstance(maxiter, numbers.Integral)
        or isinstance(maxiter, bool | np.bool_)
        or not 1 <= maxiter <= MAXITER_LIMIT
    ):
        raise ValueError(
            f"maxiter must be an integer >= 1 and <= {MAXITER_LIMIT}, got {maxiter!r}"
        )


def labels_for(yi: Any, k: int, labels: Sequence | None) -> Sequence:
    """Study labels: given ones, a Series' index, or "study 1".."study k" (built lazily)."""
    if labels is not None:
        if len(labels) != k:
            raise ValueError(f"labels has {len(labels)} entries but there are {k} studies")
        return labels if isinstance(labels, pd.Index) else tuple(labels)
    if isinstance(yi, pd.Series):
        return yi.index
    return DefaultLabels(k)


class DefaultLabels(Sequence):
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
