"""The article's claims, checked: verdicts per claim as stacked horizontal bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .. import claims as claim_tables
from ..schema import vocab_of
from ..style import color_for
from ._base import empty, new_axes, patches, wrap

__all__ = ["claim_verdict_chart"]


def _color(verdict: str) -> str:
    """A verdict's colour; a researcher's own verdict gets a stable one."""
    return color_for("verdict", verdict)


def claim_verdict_chart(
    claims: pd.DataFrame,
    *,
    width: int = 60,
    vocab=None,
    ax: Axes | None = None,
) -> Axes:
    """How many checked details of each claim got each verdict (one bar per claim).

    Numbers come from :func:`b12explore.claims.claim_verdicts`; each bar is labelled
    with the claim's overall verdict (its weakest detail).

    Parameters
    ----------
    claims : DataFrame
        The ``claims`` table (``claim`` and ``verdict`` columns).
    width : int
        Characters per line of the wrapped claim text on the y axis (cut after
        two lines; the notebook's table has the full text).
    vocab : Vocabulary, optional
        Verdict labels from ``datapackage.json`` (default: the one ``claims`` was
        loaded with, see :func:`b12explore.schema.vocab_of`).
    ax : Axes, optional
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load, charts
    >>> ev = load()
    >>> ax = charts.claim_verdict_chart(ev.claims, vocab=ev.vocab)
    >>> len(ax.get_yticklabels()) == ev.claims["claim"].nunique()
    True
    """
    ax = new_axes(ax, figsize=(11.0, 7.0))
    title = "The article's claims: verdict of each checked detail"
    if claims is None or len(claims) == 0:
        return empty(ax, title, note="no claims in this data folder")
    table = claim_tables.claim_verdicts(claims)
    label = (vocab or vocab_of(claims)).label
    order = list(claim_tables.verdict_codes(claims))
    y = np.arange(len(table))
    left = np.zeros(len(table))
    for verdict in order:
        counts = table[verdict].to_numpy(float)
        ax.barh(
            y,
            counts,
            left=left,
            color=_color(verdict),
            edgecolor="white",
            height=0.7,
            gid=f"verdict-{verdict}",
        )
        left += counts
    for yi, total, overall in zip(y, left, table["overall"], strict=True):
        ax.text(total + 0.1, yi, label("verdict", str(overall)), va="center", fontsize=9)

    def short(text: str) -> str:
        lines = wrap(text, width).split("\n")
        return "\n".join(lines[:2]) + (" ..." if len(lines) > 2 else "")

    ax.set_yticks(y, [short(c) for c in table["claim"]], fontsize=8)
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlim(0, max(left.max(), 1) * 1.25)
    ax.set_xlabel("checked details (overall verdict, the weakest detail, at the bar's end)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title, loc="left")
    ax.legend(
        handles=patches([(label("verdict", v), _color(v)) for v in order]),
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        frameon=False,
    )
    return ax
