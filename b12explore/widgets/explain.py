"""Plain words for what a view cannot show, and a folder name for the current selection.

A view that draws nothing says why, in the words a researcher would use: how many
studies the filters keep, and what those studies lack for this view ("4 studies match,
none reports a computable effect for Pain VAS"). Counts come from
:mod:`b12explore.summaries`; nothing here draws.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .. import summaries
from ..filters import FilterState, describe

if TYPE_CHECKING:  # pragma: no cover
    from ..io import Evidence
    from ..schema import Vocabulary

__all__ = ["empty_reason", "selection_folder"]

# what each view needs, in words (view name -> phrase after "none")
_NEEDS = {
    "sample_sizes": "is a primary study with a reported number of participants",
    "routes": "is a primary study (reviews are shown apart)",
    "direction": "reports a result with a direction of effect",
    "evidence_map": "reports a result",
    "table": "",
}


def _studies(n: int) -> str:
    return f"{n:,} study matches" if n == 1 else f"{n:,} studies match"


def empty_reason(evidence: Evidence, state: FilterState, view: str) -> str:
    """Why ``view`` has nothing to draw for the filtered ``evidence``, in plain words.

    Parameters
    ----------
    evidence : Evidence
        The filtered evidence the view was drawn from.
    state : FilterState
        The filters applied (named when nothing matches).
    view : str
        ``"sample_sizes"``, ``"routes"``, ``"direction"``, ``"forest"``,
        ``"evidence_map"`` or ``"table"``.

    Returns
    -------
    str

    Examples
    --------
    >>> from b12explore import load
    >>> from b12explore.filters import FilterState, apply_filters
    >>> state = FilterState(outcome="vas")
    >>> empty_reason(apply_filters(load(), state), state, "forest")
    '4 studies match, none reports a computable effect for Pain VAS'
    >>> state = FilterState(text="no such words anywhere")
    >>> empty_reason(apply_filters(load(), state), state, "table")
    'No studies match these filters (text: "no such words anywhere").'
    """
    n = len(evidence.studies)
    if n == 0:
        return f"No studies match these filters ({describe(state, evidence.vocab)})."
    if view == "forest":
        what = "a computable effect"
        if state.outcome is not None:
            what += f" for {evidence.vocab.label('outcome', state.outcome)}"
        return f"{_studies(n)}, none reports {what}"
    need = _NEEDS.get(view, "")
    if view in ("direction", "evidence_map") and state.outcome is not None:
        need += f" for {evidence.vocab.label('outcome', state.outcome)}"
    if view in ("sample_sizes", "routes"):
        primary = len(summaries.primary_studies(evidence.studies))
        if primary == 0:
            return f"{_studies(n)}, all of them reviews: see the Studies tab"
    return f"{_studies(n)}, none {need}" if need else _studies(n)


def selection_folder(
    state: FilterState, base: str = "exports", limit: int = 80, vocab: Vocabulary | None = None
) -> str:
    """An export folder named after the current selection, e.g. ``exports/route-oral``.

    Only ``[a-z0-9-]`` reach the name, so it is one folder inside ``base``. Codes
    read as their labels in ``vocab`` (``evidence.vocab``; see ``filters.describe``).

    Examples
    --------
    >>> selection_folder(FilterState())
    'exports/all-studies'
    >>> selection_folder(FilterState(routes=("oral",), min_n=50))
    'exports/route-oral-at-least-50-enrolled'
    """
    name = re.sub(r"[^a-z0-9]+", "-", describe(state, vocab).lower()).strip("-")
    name = name[:limit].rstrip("-") or "selection"
    return f"{base}/{name}"
