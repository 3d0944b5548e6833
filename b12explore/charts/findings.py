"""Findings: the effect-direction plot.

The albatross plot is in ``albatross`` and the forest plot in ``forest``; both are
importable from here too.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from .. import summaries
from ..errors import check_option
from ..schema import vocab_of
from ..style import RISK_OF_BIAS_COLORS, color_for
from ._base import empty, new_axes, patches, rest_note, wrap
from ._slidefit import LINE_IN, MARGIN_IN, fit, on_slide, slide_chars, width_in, year_tail
from ._slidefit import title as slide_title
from .albatross import albatross_plot
from .forest import MEASURE_NAMES, forest_plot

__all__ = [
    "DIRECTION_MARKERS",
    "MEASURE_NAMES",
    "RISK_OF_BIAS_SOURCES",
    "albatross_plot",
    "direction_plot",
    "forest_plot",
]

#: Where ``direction_plot`` takes each study's risk of bias from (``risk_of_bias_from=``).
RISK_OF_BIAS_SOURCES = ("studies", "appraisal")

#: Marker per direction (SWiM effect-direction plot): ▲ benefit, ◆ no difference
#: (mixed: hollow ◆), ▼ harm.
DIRECTION_MARKERS = {"benefit": "^", "no_difference": "D", "mixed": "D", "harm": "v"}


def _outcome_order(table: pd.DataFrame, results: pd.DataFrame) -> list[str]:
    present = list(dict.fromkeys(table["outcome"]))
    col = results["outcome"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = [str(c) for c in col.cat.categories]
        return [c for c in cats if c in present] + [o for o in present if o not in cats]
    return present


def _marker_area(n: pd.Series, largest: float) -> np.ndarray:
    """Marker area in pt² proportional to n (missing n -> the smallest size)."""
    vals = n.astype(float).to_numpy()
    area = 80 + 820 * np.where(np.isnan(vals), 0, vals) / max(largest, 1.0)
    return area


def _size_examples(largest: float) -> list[float]:
    """Two round sample sizes for the marker-size key (largest first)."""
    if largest < 10:
        return [largest]
    top = float(f"{largest:.1g}")
    top = top if top <= largest else largest
    return [top, float(f"{top / 5:.1g}")]


def direction_plot(
    evidence,
    *,
    max_studies: int = 30,
    risk_of_bias_from: str = "studies",
    ax: Axes | None = None,
) -> Axes:
    """SWiM effect-direction plot: one marker per study and outcome.

    ▲ benefit of the intervention, ◆ no difference (hollow ◆: mixed), ▼ harm;
    marker area is proportional to the study's participants and its colour is the
    study's risk of bias (``risk_of_bias_from``).
    Primary studies only (reviews are never rows). A dagger (†) marks a direction
    that rests only on within-group or unclear tests
    (``p_scope``), not on a comparison between groups. Data:
    :func:`b12explore.summaries.direction_table`.

    Parameters
    ----------
    evidence : Evidence
        Its ``studies`` and ``results``; results of studies not in ``studies`` are
        ignored, so a filter applies.
    max_studies : int
        Draw at most this many studies (those with most participants); a note
        names how many studies and participants are left out
        (:func:`b12explore.summaries.largest_studies`). On axes at slide size and
        font (:func:`b12explore.style.slide_context`) fewer, when not all fit at 18 pt.
    risk_of_bias_from : {"studies", "appraisal"}
        ``"studies"``: the studies table's ``risk_of_bias`` code; ``"appraisal"``: the
        overall RoB 2 / ROBINS-I judgement computed from the domain tables
        (:func:`b12explore.summaries.risk_of_bias_overall`), the code where a study
        has none.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load, charts
    >>> ev = load()
    >>> ax = charts.direction_plot(ev)
    >>> ax = charts.direction_plot(ev, risk_of_bias_from="appraisal")
    """
    check_option("risk_of_bias_from", risk_of_bias_from, RISK_OF_BIAS_SOURCES)
    table = summaries.direction_table(evidence)
    results = evidence.results
    appraised = {}
    if risk_of_bias_from == "appraisal":
        overall = summaries.risk_of_bias_overall(evidence)
        appraised = dict(zip(overall["study_id"], overall["computed"], strict=True))
    if appraised and len(table):
        # per-domain appraisal (RoB 2 / ROBINS-I) replaces the studies table's single code
        table = table.assign(
            risk_of_bias=table["study_id"].map(appraised).fillna(table["risk_of_bias"])
        )
    ax = new_axes(ax)
    title = "Direction of effect by study and outcome"
    if table.empty:
        return empty(ax, title)
    outcomes = _outcome_order(table, results)
    slide = on_slide(ax)
    names = vocab_of(evidence.studies).labels_for("outcome", outcomes)
    if slide:  # at 18 pt: the rows that fit the slide's height, headers that fit a column
        heads, head_in, upright = _direction_heads(ax, names)
        rows = int((ax.figure.get_size_inches()[1] - 3.3 - head_in) / 0.36)
        max_studies = max(1, min(max_studies, rows))
    table, rest = summaries.largest_studies(table, max_studies)
    rest_note(ax, rest)
    if slide:
        _fit_notes(ax)
    labels = list(dict.fromkeys(table["label"]))
    ypos = {lab: i for i, lab in enumerate(labels)}
    xpos = {o: i for i, o in enumerate(outcomes)}
    largest = float(table["n"].astype(float).max()) if table["n"].notna().any() else 1.0
    for direction, marker in DIRECTION_MARKERS.items():
        part = table[table["direction"] == direction]
        if part.empty:
            continue
        colors = [_rob_colour(r) for r in part["risk_of_bias"]]
        hollow = direction == "mixed"
        ax.scatter(
            part["outcome"].map(xpos),
            part["label"].map(ypos),
            s=_marker_area(part["n"], largest),
            marker=marker,
            c="white" if hollow else colors,
            edgecolors=colors if hollow else "black",
            linewidths=2.5 if hollow else 0.8,
            gid=f"direction-{direction}",
            label=vocab_of(evidence.studies).label("direction", direction),
            zorder=3,
        )
    flagged = table[~table["between_group"].astype(bool)]
    for row in flagged.itertuples():
        ax.annotate(
            "†",
            (xpos[row.outcome], ypos[row.label]),
            xytext=(16, 0) if slide else (11, 7),
            textcoords="offset points",
            va="center" if slide else "baseline",
            fontweight="bold",
            gid="scope-flag",
        )
    if slide:
        ax.set_xticks(range(len(outcomes)), heads, rotation=90 if upright else 0)
        chars, width = slide_chars(ax), 0.27 * (ax.figure.get_size_inches()[0] - 2 * MARGIN_IN)
        ax.set_yticks(
            range(len(labels)),
            [fit(lab, width, chars=chars, tail=year_tail(lab)) for lab in labels],
        )
    else:
        ax.set_xticks(range(len(outcomes)), [wrap(t, 12) for t in names])
        ax.set_yticks(range(len(labels)), labels)
    ax.set_xlim(-0.6, len(outcomes) - 0.4)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.grid(True, color="0.9", zorder=0)
    ax.tick_params(length=0)
    slide_title(ax, title)
    handles = [
        Line2D([], [], marker="^", ls="", color="black", ms=12, label="benefit"),
        Line2D([], [], marker="D", ls="", color="black", ms=10, label="no difference"),
        Line2D([], [], marker="D", ls="", mfc="white", mec="black", mew=2, ms=10, label="mixed"),
        Line2D([], [], marker="v", ls="", color="black", ms=12, label="harm"),
    ]
    if len(flagged):
        handles.append(Line2D([], [], ls="", label="† within-group or unclear test only"))
    present = list(dict.fromkeys(table["risk_of_bias"]))
    handles += patches([(f"RoB: {_rob_name(r)}", _rob_colour(r)) for r in present])
    for value in _size_examples(largest):
        size = math.sqrt(_marker_area(pd.Series([value]), largest)[0])
        handles.append(
            Line2D(
                [],
                [],
                marker="^",
                ls="",
                mfc="white",
                mec="black",
                ms=size,
                label=f"n = {value:,.0f}",
            )
        )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return ax


def _direction_heads(ax: Axes, names: list[str]) -> tuple[list[str], float, bool]:
    """Outcome headers for a slide and the height they take (inches).

    Two lines each when they fit their column; else turned upright, one line each.
    """
    fig_w = ax.figure.get_size_inches()[0]
    safe_w = fig_w - 2 * MARGIN_IN
    plot_w = safe_w - 0.27 * safe_w - 0.25 * safe_w - 1.3  # labels, legend, gaps
    column = plot_w / max(len(names), 1) - 0.15
    heads = [fit(n, column, 2) for n in names]
    if not any(h.endswith("…") for h in heads):
        return heads, max(h.count("\n") + 1 for h in heads) * LINE_IN + 0.1, False
    heads = [fit(n, 2.0) for n in names]
    return heads, max(width_in(h) for h in heads) + 0.1, True


def _fit_notes(ax: Axes) -> None:
    """The note under a slide's axes, wrapped to the width of the plot and its labels.

    Wider, it would run past the row labels and squeeze the plot to make room.
    """
    safe_w = ax.figure.get_size_inches()[0] - 2 * MARGIN_IN
    for t in ax.texts:
        if t.get_gid() == "more-note":
            t.set_text(fit(t.get_text(), 0.27 * safe_w + (0.48 * safe_w - 1.2), 2))


def _rob_colour(code: str) -> str:
    """Colour of a risk-of-bias code: the studies table's codes, else RoB 2/ROBINS-I's."""
    if code in RISK_OF_BIAS_COLORS:
        return RISK_OF_BIAS_COLORS[code]
    from .bias import JUDGEMENT_STYLE

    return JUDGEMENT_STYLE[code][0] if code in JUDGEMENT_STYLE else color_for("risk_of_bias", code)


def _rob_name(code: str) -> str:
    from .bias import JUDGEMENT_STYLE

    if code in JUDGEMENT_STYLE:
        return JUDGEMENT_STYLE[code][2].lower()
    return vocab_of(None).label("risk_of_bias", code)
