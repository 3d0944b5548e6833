"""The "what changed since ..." chart of a :func:`b12explore.changes.diff`."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from ._base import empty, new_axes, wrap

__all__ = ["changes_chart"]

BEFORE, AFTER = "#999999", "#0072B2"  # grey, Okabe-Ito blue


def changes_chart(d, *, max_rows: int = 20, ax: Axes | None = None) -> Axes:
    """Counts that changed between two versions: before and after bars per group.

    Parameters
    ----------
    d : Diff
        From :func:`b12explore.changes.diff` (its ``counts`` table; nothing is computed).
    max_rows : int, default 20
        Show at most this many changed groups (the largest changes).
    ax : Axes, optional

    Returns
    -------
    Axes
        With a note when nothing changed.

    Examples
    --------
    >>> from b12explore import load
    >>> from b12explore.changes import diff
    >>> ax = changes_chart(diff(load(), load()))
    >>> [t.get_text() for t in ax.texts]
    ['no changes between the two versions']
    """
    ax = new_axes(ax)
    title = f"What changed since {d.old_name}"
    counts = d.counts[d.counts["change"] != 0]
    counts = counts[counts["what"] != "participants"]
    if counts.empty:
        note = "no changes between the two versions"
        if d.changed:
            note = "the rows changed, the counts did not (see the tables)"
        return empty(ax, title, note)
    order = counts["change"].abs().sort_values(ascending=False, kind="stable").index[:max_rows]
    counts = counts.loc[order][::-1]
    y = np.arange(len(counts))
    names = counts["label"] if "label" in counts else counts["group"]
    labels = [
        wrap(f"{w.removeprefix('studies by ')}: {g}", 32)
        for w, g in zip(counts["what"], names, strict=True)
    ]
    ax.barh(y + 0.2, counts["old"], height=0.4, color=BEFORE, label="before")
    ax.barh(y - 0.2, counts["new"], height=0.4, color=AFTER, label="after")
    for yi, (old, new) in zip(y, zip(counts["old"], counts["new"], strict=True), strict=True):
        ax.text(max(old, new), yi, f"  {old} \u2192 {new}", va="center", fontsize="small")
    ax.set_yticks(y, labels)
    ax.set_xlabel("studies")
    ax.set_xlim(0, max(counts[["old", "new"]].max()) * 1.25 + 1)
    ax.legend(loc="lower right", frameon=False)
    participants = d.counts[d.counts["what"] == "participants"]
    if not participants.empty:
        p = participants.iloc[0]
        title += f"\nparticipants in primary studies: {p['old']:,} \u2192 {p['new']:,}"
    ax.set_title(title, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax
