"""Findings: effect-direction plot and albatross plot (the forest plot is in ``forest``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

from .. import summaries
from ..errors import check_option
from ..schema import vocab_of
from ..style import FINDING_COLORS, GREY, RISK_OF_BIAS_COLORS, color_for
from ._base import empty, new_axes, patches, rest_note, wrap
from .forest import MEASURE_NAMES, forest_plot  # noqa: F401 - importable from here too

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
        (:func:`b12explore.summaries.largest_studies`).
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
    table, rest = summaries.largest_studies(table, max_studies)
    rest_note(ax, rest)
    labels = list(dict.fromkeys(table["label"]))
    outcomes = _outcome_order(table, results)
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
            xytext=(11, 7),
            textcoords="offset points",
            fontweight="bold",
            gid="scope-flag",
        )
    ax.set_xticks(
        range(len(outcomes)),
        [wrap(t, 12) for t in vocab_of(evidence.studies).labels_for("outcome", outcomes)],
    )
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlim(-0.6, len(outcomes) - 0.4)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.grid(True, color="0.9", zorder=0)
    ax.tick_params(length=0)
    ax.set_title(title, loc="left")
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


def albatross_plot(evidence, *, max_studies: int = 30, ax: Axes | None = None) -> Axes:
    """Albatross plot: reported two-sided p-values against sample size.

    As in Harrison et al. (2017), p runs from 1 in the centre to smaller values
    outwards on a log scale, to the right for a benefit of B12 and to the left for
    harm; the y axis is the sample size (log). A p-value reported as a bound
    ("p < 0.05") is drawn as an outward-pointing triangle (the true p lies further
    out); exact p-values are circles. Results with no difference or mixed
    direction have no known side and are drawn hollow on the right. A p-value
    whose test is within a group or unclear (``p_scope``) is not a comparison
    between groups: it is drawn as a hollow grey square, never like a
    between-group p-value. Primary studies only. Data:
    :func:`b12explore.summaries.pvalue_table`.

    Parameters
    ----------
    evidence : Evidence
        Its ``studies`` and ``results`` (results of other studies are ignored).
    max_studies : int
        Draw the results of at most this many studies (those with most
        participants); a note names how many studies and participants are left out
        (:func:`b12explore.summaries.largest_studies`).
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load, charts
    >>> ev = load()
    >>> ax = charts.albatross_plot(ev)
    """
    table = summaries.pvalue_table(evidence)
    table = table[table["n"].notna()]
    ax = new_axes(ax)
    title = "Reported p-values against sample size"
    if table.empty:
        return empty(ax, title)
    table, rest = summaries.largest_studies(table, max_studies)
    rest_note(ax, rest)
    between = (table["p_scope"] == "between_group").to_numpy()
    other = table[~between]
    if len(other):
        ax.scatter(
            other["position"],
            other["n"].astype(float),
            s=200,
            marker="s",
            c="white",
            edgecolors=GREY,
            linewidths=2.2,
            linestyle="--",
            zorder=3,
            gid="p-not-between-group",
        )
    for (bound, side, known), part in table[between].groupby(
        [table.loc[between, "p_operator"] == "<", "side", "side_known"], sort=True
    ):
        marker = (">" if side > 0 else "<") if bound else "o"
        colors = [color_for("direction", d) for d in part["direction"]]
        ax.scatter(
            part["position"],
            part["n"].astype(float),
            s=220,
            marker=marker,
            c=colors if known else "white",
            edgecolors="black" if known else colors,
            linewidths=1 if known else 2.5,
            zorder=3,
            gid=f"p-{'bound' if bound else 'exact'}-{'benefit' if side > 0 else 'harm'}"
            f"{'' if known else '-unknown'}",
        )
    _label_points(ax, table)
    reach = max(3.0, float(table["position"].abs().max()) + 0.6)
    ax.set_xlim(-reach, reach)
    ticks = [p for p in (1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.05) if -math.log10(p) < reach]
    pos = [-math.log10(p) for p in ticks]
    ax.xaxis.set_major_locator(FixedLocator([-x for x in pos] + [0] + pos[::-1]))
    names = [_p_text(p) for p in ticks]
    ax.set_xticklabels(names + ["1"] + names[::-1])
    ax.axvline(0, color="black", lw=1)
    for x in (-math.log10(0.05), math.log10(0.05)):
        ax.axvline(x, color=GREY, lw=1, ls="--")
    ax.set_yscale("log")
    ymin, ymax = table["n"].astype(float).min(), table["n"].astype(float).max()
    ax.set_ylim(ymin / 1.8, ymax * 1.8)
    ax.yaxis.set_major_locator(FixedLocator(_n_ticks(ymin / 1.8, ymax * 1.8)))
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel("Participants (n)")
    comps = set(table["comparison"].dropna())
    treat, _ = summaries.arms_for(next(iter(comps)) if len(comps) == 1 else None)
    ax.set_xlabel(f"Two-sided p-value\n← harm ({treat} worse)          benefit ({treat} better) →")
    ax.set_title(title, loc="left")
    benefit, unknown = FINDING_COLORS["benefit"], FINDING_COLORS["no_difference"]
    handles = [
        _point_key("o", benefit, "black", "p reported exactly"),
        _point_key(">", benefit, "black", "p reported as a bound (p <)"),
        _point_key("o", "white", unknown, "no difference / mixed (side unknown)", mew=2.5),
        Line2D([], [], color=GREY, ls="--", label="p = 0.05"),
    ]
    if len(other):
        handles.append(
            _point_key(
                "s", "white", GREY, "within-group or unclear test (not between groups)", mew=2.2
            )
        )
    ax.legend(handles=handles, loc="upper left", frameon=False)
    return ax


def _n_ticks(low: float, high: float) -> list[float]:
    """At least two readable tick values (1, 2, 5 x 10^k) inside [low, high] (log axis)."""
    nice = [m * 10.0**e for e in range(0, 8) for m in (1, 2, 5)]
    inside = [v for v in nice if low <= v <= high]
    if len(inside) >= 2:
        return inside if len(inside) <= 8 else inside[:: -(-len(inside) // 8)]
    mid = math.sqrt(low * high)
    return sorted({float(f"{low * 1.15:.2g}"), float(f"{mid:.2g}"), float(f"{high / 1.15:.2g}")})


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


def _point_key(marker: str, face: str, edge: str, label: str, **kw) -> Line2D:
    """A legend entry for a marker drawn without a line."""
    return Line2D([], [], marker=marker, ls="", mfc=face, mec=edge, ms=12, label=label, **kw)


def _p_text(p: float) -> str:
    """0.05 -> '0.05', 1e-5 -> '0.00001' (no scientific notation on slides)."""
    return f"{p:.10f}".rstrip("0").rstrip(".")


def _label_points(ax: Axes, table: pd.DataFrame, limit: int = 20) -> None:
    """Label each distinct point with its studies and outcomes (when few points)."""
    groups = table.groupby(["position", "n", "p_operator"], sort=False)
    if groups.ngroups > limit:
        return
    previous: list[tuple[float, float]] = []
    for (position, n, _), part in groups:
        text = "; ".join(
            f"{lab} ({', '.join(vocab_of(table).labels_for('outcome', sub['outcome']))})"
            for lab, sub in part.groupby("label", sort=False)
        )
        near = any(abs(position - x) < 2.5 and abs(math.log10(n / y)) < 0.15 for x, y in previous)
        previous.append((position, float(n)))
        ax.annotate(
            wrap(text, 28),
            (position, float(n)),
            xytext=(0, -16 if near else 14),
            textcoords="offset points",
            ha="center",
            va="top" if near else "bottom",
            gid="point-label",
        )
