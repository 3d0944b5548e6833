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
from ._slidefit import LINE_IN, MARGIN_IN, fit, on_slide, slide_chars, width_in
from ._slidefit import title as slide_title
from .forest import MEASURE_NAMES, _tail, forest_plot  # noqa: F401 - importable from here too

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
            [fit(lab, width, chars=chars, tail=_tail(lab)) for lab in labels],
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
    slide = on_slide(ax)
    if not slide:
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
    reach = max(3.0, float(table["position"].abs().max()) + 0.6)
    ax.set_xlim(-reach, reach)
    ticks = [p for p in (1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.05) if -math.log10(p) < reach]
    pos = [-math.log10(p) for p in ticks]
    ax.xaxis.set_major_locator(FixedLocator([-x for x in pos] + [0] + pos[::-1]))
    names = [_p_text(p) for p in ticks]
    ax.set_xticklabels(names + ["1"] + names[::-1])
    geometry = _AlbatrossSlide(ax, reach, table) if slide else None
    _label_points(ax, table, geometry=geometry)
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
    if geometry is None:
        ax.set_xlabel(
            f"Two-sided p-value\n← harm ({treat} worse)          benefit ({treat} better) →"
        )
    else:  # each side named under its half of the axis (notes below the axis on a slide)
        ax.set_xlabel("Two-sided p-value")
        gap = 6 / 72
        rooms = (geometry.plot_w / 2 + 1.1, geometry.plot_w / 2 + 0.2)
        sides = (f"← harm ({treat} worse)", f"benefit ({treat} better) →")
        for text, room, ha, dx in zip(sides, rooms, ("right", "left"), (-gap, gap), strict=True):
            ax.text(
                0.5 + dx / geometry.plot_w,
                -0.02,
                fit(text, room, 2),
                transform=ax.transAxes,
                ha=ha,
                va="top",
                gid="side-label",
            )
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
    if slide and rest.studies > 0:  # on a slide the legend names what is left out
        handles.append(Line2D([], [], ls="", label=f"… {summaries.rest_text(rest)} (not shown)"))
    ax.legend(handles=handles, loc="upper left", frameon=False)
    if geometry is not None:
        geometry.thin_ticks(ax)
    return ax


class _AlbatrossSlide:
    """Where things fall on a slide-size albatross plot, estimated before the layout."""

    #: Slide height taken by the title, x tick labels, x label, side labels, a caption
    #: and the safe margins (inches).
    FRAME_IN = 3.3

    def __init__(self, ax: Axes, reach: float, table: pd.DataFrame):
        import textwrap

        fig_w, fig_h = ax.figure.get_size_inches()
        safe_w = fig_w - 2 * MARGIN_IN
        # the legend beside the axes, its entries wrapped by the slide layout
        chars = max(12, int(0.25 * safe_w * 72 / (0.58 * 18)))
        entries = [
            "within-group or unclear test (not between groups)",
            "no difference / mixed (side unknown)",
            "p reported as a bound (p <)",
        ]
        legend_w = max(width_in(ln) for e in entries for ln in textwrap.wrap(e, chars)) + 1.0
        self.plot_w = max(safe_w - legend_w - 1.2, 2.0)
        self.plot_h = max(fig_h - self.FRAME_IN, 2.0)
        self.reach = reach
        n = table["n"].astype(float)
        self.ylog = (math.log10(n.min() / 1.8), math.log10(n.max() * 1.8))

    def at(self, position: float, n: float) -> tuple[float, float]:
        """A point's place in inches from the axes' lower left corner."""
        x = (position + self.reach) / (2 * self.reach) * self.plot_w
        lo, hi = self.ylog
        return x, (math.log10(n) - lo) / (hi - lo) * self.plot_h

    def thin_ticks(self, ax: Axes) -> None:
        """Keep the p tick labels that stand apart: 1 first, then outwards."""
        ticks = list(ax.get_xticks())
        names = [t.get_text() for t in ax.get_xticklabels()]
        per = self.plot_w / (2 * self.reach)
        width = dict(zip(ticks, (width_in(n) for n in names), strict=True))
        keep = [0.0]
        for side in (
            sorted(t for t in ticks if t > 0),
            sorted((t for t in ticks if t < 0), reverse=True),
        ):
            last = 0.0
            for t in side:
                if abs(t - last) * per >= (width[t] + width[last]) / 2 + 0.15:
                    keep.append(t)
                    last = t
        label = dict(zip(ticks, names, strict=True))
        keep.sort()
        ax.set_xticks(keep, [label[t] for t in keep])


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


#: Where a point's label may go: offset (points), alignment; tried in this order.
_LABEL_SPOTS = [
    ((0, 11), "center", "bottom"),
    ((0, -11), "center", "top"),
    ((13, 0), "left", "center"),
    ((-13, 0), "right", "center"),
    ((-8, 11), "left", "bottom"),
    ((8, 11), "right", "bottom"),
    ((-8, -11), "left", "top"),
    ((8, -11), "right", "top"),
]


def _place_label(ax, text, xy, geometry, points, placed) -> None:
    """Label a point where the label meets no other label, no point and no edge."""
    px, py = geometry.at(*xy)
    best = None
    wide, narrow = fit(text, min(3.2, geometry.plot_w * 0.6), 2), fit(text, 2.0, 3)
    tries = [(wide, s, 0) for s in _LABEL_SPOTS] + [(narrow, s, 0) for s in _LABEL_SPOTS]
    tries += [(lab, s, ring) for ring in (1, 2) for lab in (wide, narrow) for s in _LABEL_SPOTS]
    for label, ((dx, dy), ha, va), ring in tries:
        if ring and dy == 0:
            continue
        w, h = width_in(label), (label.count("\n") + 1) * LINE_IN
        dy = dy + (ring * 0.8 * 72 if dy > 0 else -ring * 0.8 * 72 if dy < 0 else 0)
        x0 = px + dx / 72 - {"left": 0, "center": w / 2, "right": w}[ha]
        y0 = py + dy / 72 - {"bottom": 0, "center": h / 2, "top": h}[va]
        box = (x0, y0, x0 + w, y0 + h)
        cost = sum(_overlap(box, b) for b in placed) * 10
        cost += sum(_overlap(box, (x - 0.1, y - 0.1, x + 0.1, y + 0.1), 0) for x, y in points) * 10
        out = max(0, -x0) + max(0, box[2] - geometry.plot_w) + max(0, -y0)
        cost += (out + max(0, box[3] - geometry.plot_h)) * 5 + ring * 0.01
        if best is None or cost < best[0] - 1e-9:
            best = (cost, label, (dx, dy), ha, va, box, ring)
        if cost <= ring * 0.01:
            break
    _, label, offset, ha, va, box, ring = best
    placed.append(box)
    # a label set apart from its point is tied to it by a thin line
    if ring:  # its own artist: the line is not part of the label's text box
        arrow = {"arrowstyle": "-", "color": "0.45", "lw": 1, "shrinkA": 0, "shrinkB": 8}
        ax.annotate(
            "", xy, xytext=offset, textcoords="offset points", arrowprops=arrow, gid="point-leader"
        )
    ax.annotate(
        label, xy, xytext=offset, textcoords="offset points", ha=ha, va=va, gid="point-label"
    )


def _overlap(a, b, gap: float = 0.06) -> float:
    """Overlapping area of two boxes (x0, y0, x1, y1), with a small gap counted."""
    w = min(a[2], b[2]) - max(a[0], b[0]) + gap
    h = min(a[3], b[3]) - max(a[1], b[1]) + gap
    return max(w, 0) * max(h, 0)


def _p_text(p: float) -> str:
    """0.05 -> '0.05', 1e-5 -> '0.00001' (no scientific notation on slides)."""
    return f"{p:.10f}".rstrip("0").rstrip(".")


def _label_points(ax: Axes, table: pd.DataFrame, limit: int = 20, geometry=None) -> None:
    """Label each distinct point with its studies and outcomes (when few points)."""
    groups = table.groupby(["position", "n", "p_operator"], sort=False)
    if groups.ngroups > limit:
        return
    previous: list[tuple[float, float]] = []
    placed: list[tuple[float, float, float, float]] = []
    points = [geometry.at(p, float(n)) for (p, n, _), _ in groups] if geometry else []
    for (position, n, _), part in groups:
        text = "; ".join(
            f"{lab} ({', '.join(vocab_of(table).labels_for('outcome', sub['outcome']))})"
            for lab, sub in part.groupby("label", sort=False)
        )
        if geometry is not None:
            _place_label(ax, text, (position, float(n)), geometry, points, placed)
            continue
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
