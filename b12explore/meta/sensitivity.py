"""Sensitivity analyses: leave-one-out, cumulative and subgroup meta-analysis."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from ._common import SUMMARY_COLUMNS, check_options, first, labels_for, plain
from .pooling import CI, PI, Method, PoolResult, fit, pool, validate

__all__ = ["SubgroupResult", "cumulative", "leave_one_out", "subgroups"]


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
    y, v = validate(yi, vi, labels)
    labs = labels_for(yi, y.size, labels)
    if y.size < 2:
        raise ValueError("leave_one_out needs at least 2 studies")
    check_options(method, ci, pi, level)
    results = [
        fit(np.delete(y, i), np.delete(v, i), (), method, ci, pi, level, 1e-10, 100)
        for i in range(y.size)
    ]
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
    y, v = validate(yi, vi, labels)
    labs = labels_for(yi, y.size, labels)
    if order is None:
        idx = np.arange(y.size)
    else:
        keys = np.asarray(order)
        if keys.shape != (y.size,):
            raise ValueError(f"order has {keys.size} keys but there are {y.size} studies")
        idx = np.argsort(keys, kind="stable")
    check_options(method, ci, pi, level)
    y, v = y[idx], v[idx]
    results = [
        fit(y[:j], v[:j], (), method, ci, pi, level, 1e-10, 100) for j in range(1, y.size + 1)
    ]
    return _rows(results, pd.Index([labs[i] for i in idx], name="added"))


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
    y, v = validate(yi, vi, labels)
    labs = labels_for(yi, y.size, labels)
    g = pd.Series(groups)
    if len(g) != y.size:
        raise ValueError(f"groups has {len(g)} entries but there are {y.size} studies")
    if g.isna().any():
        i = first(g.isna().to_numpy())
        raise ValueError(f"study {plain(labs[i])!r}: group is missing")
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
