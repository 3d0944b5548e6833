"""Which outcome the forest plot shows, and its effects and pooled result (no drawing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import summaries

# Small-k confidence interval of the pooled diamond: Hartung-Knapp-Sidik-Jonkman, with
# t(k - 1) quantiles (a filtered selection rarely has more than a handful of studies).
POOL_CI = "hksj"

if TYPE_CHECKING:  # pragma: no cover
    from ..filters import FilterState
    from ..io import Evidence


def _forest_choice(results: pd.DataFrame, outcome: str | None) -> tuple[str, str] | None:
    """Outcome and measure for the forest plot: the selected outcome, or else the one
    with the most studies that report arm data or an effect estimate.

    Counting rows is cheap (``summaries.forest_outcomes`` computes every forest
    table, which is too slow for an interactive redraw on large tables).
    """
    usable = results["mean"].notna() | results["events"].notna() | results["estimate"].notna()
    rows = results.loc[usable.to_numpy()]
    if outcome is not None:
        rows = rows[rows["outcome"].astype(object) == outcome]
    if rows.empty:
        return None
    counts = rows.groupby(rows["outcome"].astype(object), sort=False)["study_id"].nunique()
    chosen = str(counts.idxmax()) if outcome is None else outcome
    rows = rows[rows["outcome"].astype(object) == chosen]
    if rows["mean"].notna().any():
        return chosen, "MD"
    if rows["events"].notna().any():
        return chosen, "RR"
    measures = rows["effect_measure"].dropna().astype(object)
    measures = measures[measures != "SMD"]
    return (chosen, str(measures.mode().iloc[0])) if len(measures) else None


def _forest_inputs(ev: Evidence, state: FilterState, full: Callable | None = None):
    """Effects and pooled result for the selected (or best-covered) outcome.

    Without ``full``, :func:`summaries.forest_table` runs on the filtered tables. With
    it, ``full(outcome, measure)`` gives the forest table of the whole evidence
    (computed once per outcome and measure): a study's effect depends only on its own
    results rows, so the rows of the kept studies are the same effects (a test checks
    this), and the pooled result and the weights come from
    :func:`summaries.pooled_effect` on those rows. This keeps a redraw cheap on large
    tables, where ``forest_table`` on every filter change would be a large share of it.
    """
    choice = _forest_choice(ev.results, state.outcome)
    if choice is None:
        effects = summaries.forest_table(ev, outcome=state.outcome or "vas")
        return effects, None
    outcome, measure = choice
    if full is None:
        effects = summaries.forest_table(ev, outcome=outcome, measure=measure)
        return effects, summaries.pooled_effect(effects, ci=POOL_CI)
    table = full(outcome, measure)
    effects = table[table["study_id"].isin(set(ev.studies["study_id"]))]
    pooled = summaries.pooled_effect(effects, ci=POOL_CI)
    if pooled is None:
        return effects.assign(weight=100.0 if len(effects) else np.nan), None
    weights = np.asarray(pooled.weights, dtype=float)
    return effects.assign(weight=100 * weights / weights.sum()), pooled
