"""The forest plot of a selection: which outcome and measure, its effects and pooled result.

The explorer draws one forest plot for the filtered evidence. Every choice and
every number it shows comes from here (views only draw): the outcome (the selected
one, else the outcome with most studies reporting arm data or an estimate), the
measure (in the order :func:`~b12explore.summaries.forest_outcomes` lists them: MD
from means, RR from events, then reported measures other than SMD), the per-study
effects (:func:`~b12explore.summaries.forest_table`) and their weights as pooled
among the selected studies only (:func:`~b12explore.summaries.pooled_effect`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._common import _codes
from .findings import forest_table, pooled_effect

if TYPE_CHECKING:  # pragma: no cover
    from ..io import Evidence

__all__ = ["POOL_CI", "forest_choice", "forest_measures", "forest_selection", "forest_view"]

#: Small-k confidence interval of the pooled diamond: Hartung-Knapp-Sidik-Jonkman, with
#: t(k - 1) quantiles (a filtered selection rarely has more than a handful of studies).
POOL_CI = "hksj"


def forest_measures(rows: pd.DataFrame) -> list[str]:
    """The measures a forest plot of these results rows can use, preferred first.

    MD when arm means are reported, RR when arm events are, then each reported
    ``effect_measure`` other than SMD in order of appearance (the order of
    :func:`~b12explore.summaries.forest_outcomes`).

    Examples
    --------
    >>> rows = pd.DataFrame({"mean": [None, None], "events": [3, 5],
    ...                      "effect_measure": ["OR", "SMD"]})
    >>> forest_measures(rows)
    ['RR', 'OR']
    """
    measures = ["MD"] if rows["mean"].notna().any() else []
    measures += ["RR"] if rows["events"].notna().any() else []
    reported = _codes(rows["effect_measure"]).dropna().tolist()
    measures += [m for m in reported if m != "SMD"]
    return list(dict.fromkeys(measures))


def forest_choice(evidence: Evidence, *, outcome: str | None = None) -> tuple[str, str] | None:
    """The outcome and measure of the selection's forest plot, or ``None``.

    The given ``outcome``, else the outcome with most studies whose results rows
    report arm data or an estimate (first in table order on a tie); its measure is
    the first of :func:`forest_measures`. Counting rows keeps this cheap enough
    for every filter change (``forest_outcomes`` computes every forest table).

    Parameters
    ----------
    evidence : Evidence
        Usually the filtered evidence.
    outcome : str, optional
        The selected outcome code.

    Examples
    --------
    >>> from b12explore import load
    >>> forest_choice(load(), outcome="responder")
    ('responder', 'RR')
    >>> forest_choice(load(), outcome="vas") is None  # no computable effect in the data
    True
    """
    results = evidence.results
    usable = results["mean"].notna() | results["events"].notna() | results["estimate"].notna()
    rows = results.loc[usable.to_numpy()]
    codes = _codes(rows["outcome"])
    if outcome is not None:
        rows, codes = rows[(codes == outcome).to_numpy()], codes[(codes == outcome).to_numpy()]
    if rows.empty:
        return None
    counts = rows.groupby(codes.to_numpy(), sort=False)["study_id"].nunique()
    chosen = str(counts.idxmax()) if outcome is None else outcome
    measures = forest_measures(rows[(codes == chosen).to_numpy()])
    return (chosen, measures[0]) if measures else None


def forest_selection(
    table: pd.DataFrame, study_ids: Any, *, ci: str = POOL_CI
) -> tuple[pd.DataFrame, Any]:
    """The rows of a whole-evidence forest table for some studies, pooled among them.

    A study's effect depends only on its own results rows, so the rows of the
    kept studies are their effects; only the weights (percent, study rows) and the
    pooled result change with the selection. Review rows keep no weight.

    Parameters
    ----------
    table : DataFrame
        From :func:`~b12explore.summaries.forest_table` on the whole evidence.
    study_ids : iterable of str
        The selected studies.
    ci : str
        Interval of the pooled result (see :func:`~b12explore.summaries.pooled_effect`).

    Returns
    -------
    (DataFrame, PoolResult or None)

    Examples
    --------
    >>> table = pd.DataFrame({"study_id": ["a", "b", "r"], "label": ["A", "B", "R"],
    ...     "yi": [0.1, 0.3, 0.2], "vi": [0.01, 0.01, 0.02], "kind": ["study", "study", "review"]})
    >>> effects, pooled = forest_selection(table, ["a", "b", "r"])
    >>> effects["weight"].round(1).tolist(), pooled.k
    ([50.0, 50.0, nan], 2)
    >>> forest_selection(table, ["a"])[0]["weight"].tolist()
    [100.0]
    """
    effects = table[table["study_id"].isin(set(study_ids))]
    pooled = pooled_effect(effects, ci=ci)
    study = (
        (effects["kind"] == "study").to_numpy()
        if "kind" in effects
        else np.ones(len(effects), dtype=bool)
    )
    weight = np.full(len(effects), np.nan)
    if pooled is None:
        weight[study] = 100.0
    else:
        w = np.asarray(pooled.weights, dtype=float)
        weight[study] = 100 * w / w.sum()
    return effects.assign(weight=weight), pooled


def forest_view(
    evidence: Evidence,
    *,
    outcome: str | None = None,
    ci: str = POOL_CI,
    full: Callable[[str, str], pd.DataFrame] | None = None,
) -> tuple[pd.DataFrame, Any]:
    """Effects and pooled result of the forest plot of ``evidence`` (see the module).

    Parameters
    ----------
    evidence : Evidence
        Usually the filtered evidence.
    outcome : str, optional
        The selected outcome (else :func:`forest_choice` picks one).
    ci : str
        Interval of the pooled result.
    full : callable, optional
        ``full(outcome, measure)`` -> the forest table of the whole evidence (a
        cache: the kept studies' rows are taken from it, see :func:`forest_selection`);
        without it :func:`~b12explore.summaries.forest_table` runs on ``evidence``.

    Returns
    -------
    (DataFrame, PoolResult or None)
        An empty effects table and ``None`` when no effect can be computed.

    Examples
    --------
    >>> from b12explore import load
    >>> effects, pooled = forest_view(load(), outcome="responder")
    >>> effects["measure"].tolist(), pooled  # one study: nothing to pool
    (['RR'], None)
    """
    choice = forest_choice(evidence, outcome=outcome)
    if choice is None:
        return forest_table(evidence, outcome=outcome or "vas"), None
    chosen, measure = choice
    if full is None:
        effects = forest_table(evidence, outcome=chosen, measure=measure)
        return effects, pooled_effect(effects, ci=ci)
    return forest_selection(full(chosen, measure), evidence.studies["study_id"], ci=ci)
