"""Albatross plot: reported p-values against sample size, and its slide layout.

Also importable from :mod:`b12explore.charts.findings` (with the effect-direction
plot) and from :mod:`b12explore.charts`.
"""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

from .. import summaries
from ..schema import vocab_of
from ..style import FINDING_COLORS, GREY, color_for
from ._base import empty, new_axes, rest_note, wrap
from ._slidefit import LINE_IN, MARGIN_IN, fit, on_slide, width_in

__all__ = ["albatross_plot"]


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


def _n_ticks(low: float, high: float) -> list[float]:
    """At least two readable tick values (1, 2, 5 x 10^k) inside [low, high] (log axis)."""
    nice = [m * 10.0**e for e in range(0, 8) for m in (1, 2, 5)]
    inside = [v for v in nice if low <= v <= high]
    if len(inside) >= 2:
        return inside if len(inside) <= 8 else inside[:: -(-len(inside) // 8)]
    mid = math.sqrt(low * high)
    return sorted({float(f"{low * 1.15:.2g}"), float(f"{mid:.2g}"), float(f"{high / 1.15:.2g}")})


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
