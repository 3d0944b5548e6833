"""The explorer's forest inputs: a thin call into :mod:`b12explore.summaries.forest`.

Which outcome and measure the forest plot shows, the effects and their weights and
the pooled result are all computed by ``summaries`` (no statistics here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..summaries.forest import POOL_CI, forest_view

if TYPE_CHECKING:  # pragma: no cover
    from ..filters import FilterState
    from ..io import Evidence

__all__ = ["POOL_CI"]


def _forest_inputs(ev: Evidence, state: FilterState, full: Callable | None = None):
    """Effects and pooled result for the selected (or best-covered) outcome.

    ``full(outcome, measure)``, when given, is the cached forest table of the whole
    evidence (see :func:`b12explore.summaries.forest.forest_view`).
    """
    return forest_view(ev, outcome=state.outcome, ci=POOL_CI, full=full)
