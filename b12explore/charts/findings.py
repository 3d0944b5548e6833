"""Findings: effect-direction plot, albatross plot and forest plot."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

from .. import summaries
from ..style import FINDING_COLORS, GREY, RISK_OF_BIAS_COLORS, color_for, pretty
from ._base import empty, largest_studies, more_note, new_axes, patches, wrap

#: Marker per direction (SWiM effect-direction plot): ▲ benefit, ◆ no difference
#: (mixed: hollow ◆), ▼ harm.
DIRECTION_MARKERS = {"benefit": "^", "no_difference": "D", "mixed": "D", "harm": "v"}
MEASURE_NAMES = {
    "MD": "Mean difference (B12 − control)",
    "SMD": "Standardised mean difference (Hedges g)",
    "RD": "Risk difference (B12 − control)",
    "RR": "Risk ratio (B12 / control)",
    "OR": "Odds ratio (B12 / control)",
    "HR": "Hazard ratio (B12 / control)",
}


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
    studies: pd.DataFrame,
    results: pd.DataFrame,
    *,
    max_studies: int = 30,
    ax: Axes | None = None,
) -> Axes:
    """SWiM effect-direction plot: one marker per study and outcome.

    ▲ benefit of B12, ◆ no difference (hollow ◆: mixed), ▼ harm; marker area is
    proportional to the study's participants and its colour is the study's risk
    of bias. Data: :func:`b12explore.summaries.direction_table`.

    Parameters
    ----------
    studies, results : DataFrame
        The studies and results tables (results of studies not in ``studies`` are
        ignored, so a filter on studies applies).
    max_studies : int
        Draw at most this many studies (those with most participants).
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load, charts
    >>> ev = load()
    >>> ax = charts.direction_plot(ev.studies, ev.results)
    """
    table = summaries.direction_table(studies, results)
    ax = new_axes(ax)
    title = "Direction of effect by study and outcome"
    if table.empty:
        return empty(ax, title)
    table, left_out = largest_studies(table, max_studies)
    more_note(ax, left_out)
    labels = list(dict.fromkeys(table["label"]))
    outcomes = _outcome_order(table, results)
    ypos = {lab: i for i, lab in enumerate(labels)}
    xpos = {o: i for i, o in enumerate(outcomes)}
    largest = float(table["n"].astype(float).max()) if table["n"].notna().any() else 1.0
    for direction, marker in DIRECTION_MARKERS.items():
        part = table[table["direction"] == direction]
        if part.empty:
            continue
        colors = [color_for("risk_of_bias", r) for r in part["risk_of_bias"]]
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
            label=pretty(direction),
            zorder=3,
        )
    ax.set_xticks(range(len(outcomes)), [wrap(pretty(o), 12) for o in outcomes])
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
    present = [r for r in RISK_OF_BIAS_COLORS if r in set(table["risk_of_bias"])]
    handles += patches([(f"RoB: {pretty(r)}", RISK_OF_BIAS_COLORS[r]) for r in present])
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


def albatross_plot(
    results: pd.DataFrame, studies: pd.DataFrame, *, ax: Axes | None = None
) -> Axes:
    """Albatross plot: reported two-sided p-values against sample size.

    As in Harrison et al. (2017), p runs from 1 in the centre to smaller values
    outwards on a log scale, to the right for a benefit of B12 and to the left for
    harm; the y axis is the sample size (log). A p-value reported as a bound
    ("p < 0.05") is drawn as an outward-pointing triangle (the true p lies further
    out); exact p-values are circles. Results with no difference or mixed
    direction have no known side and are drawn hollow on the right. Data:
    :func:`b12explore.summaries.pvalue_table`.

    Parameters
    ----------
    results, studies : DataFrame
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load, charts
    >>> ev = load()
    >>> ax = charts.albatross_plot(ev.results, ev.studies)
    """
    table = summaries.pvalue_table(results, studies)
    table = table[table["n"].notna()]
    ax = new_axes(ax)
    title = "Reported p-values against sample size"
    if table.empty:
        return empty(ax, title)
    for (bound, side, known), part in table.groupby(
        [table["p_operator"] == "<", "side", "side_known"], sort=True
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
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel("Participants (n)")
    ax.set_xlabel("Two-sided p-value\n← harm (B12 worse)          benefit (B12 better) →")
    ax.set_title(title, loc="left")
    benefit, unknown = FINDING_COLORS["benefit"], FINDING_COLORS["no_difference"]
    handles = [
        _point_key("o", benefit, "black", "p reported exactly"),
        _point_key(">", benefit, "black", "p reported as a bound (p <)"),
        _point_key("o", "white", unknown, "no difference / mixed (side unknown)", mew=2.5),
        Line2D([], [], color=GREY, ls="--", label="p = 0.05"),
    ]
    ax.legend(handles=handles, loc="upper left", frameon=False)
    return ax


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
            f"{lab} ({', '.join(pretty(o) for o in sub['outcome'])})"
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


# ----------------------------------------------------------------------------- forest
def forest_plot(
    effects: pd.DataFrame,
    *,
    pooled=None,
    measure: str | None = None,
    xlim: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Forest plot of per-study effects with an optional pooled diamond.

    Squares are scaled by weight, lines are 95% CIs (an arrow marks a CI that
    runs past the axis), the diamond is the pooled estimate and its CI, and the
    thick line through it the prediction interval. Ratio measures use a log axis
    labelled with real values. "Favours B12 / favours control" follow the
    outcome's ``lower_is_better``.

    Parameters
    ----------
    effects : DataFrame
        From :func:`b12explore.summaries.forest_table`: ``label, estimate,
        ci_low, ci_high`` (natural scale), ``weight`` (percent), ``measure``,
        ``lower_is_better``.
    pooled : PoolResult, optional
        From :func:`b12explore.summaries.pooled_effect` (``estimate, ci_low,
        ci_high, pi_low, pi_high`` on the analysis scale: log for ratios).
    measure : str, optional
        Overrides ``effects["measure"]``.
    xlim : (float, float), optional
        Axis limits on the natural scale; CIs beyond them get arrows.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from b12explore import charts
    >>> eff = pd.DataFrame({"label": ["A", "B"], "estimate": [0.8, 1.1],
    ...     "ci_low": [0.6, 0.7], "ci_high": [1.05, 1.7], "weight": [60.0, 40.0],
    ...     "measure": "RR", "lower_is_better": True})
    >>> ax = charts.forest_plot(eff)
    >>> ax.get_xscale()
    'log'
    """
    ax = new_axes(ax)
    if effects is None or len(effects) == 0:
        return empty(ax, "Forest plot")
    measure = measure or str(effects["measure"].iloc[0])
    ratio = measure in summaries.RATIO_MEASURES
    k = len(effects)
    y = np.arange(k, dtype=float)
    est = effects["estimate"].to_numpy(float)
    lo = effects["ci_low"].to_numpy(float)
    hi = effects["ci_high"].to_numpy(float)
    pool = _pooled_natural(pooled, ratio)
    left, right = xlim if xlim is not None else _limits(est, lo, hi, pool, ratio)
    null = 1.0 if ratio else 0.0
    ax.axvline(null, color="black", lw=1, zorder=1)
    ax.hlines(
        y,
        np.clip(lo, left, right),
        np.clip(hi, left, right),
        color="black",
        lw=2,
        zorder=2,
        gid="ci",
    )
    _arrows(ax, y, lo, hi, left, right)
    weight = effects["weight"].to_numpy(float) if "weight" in effects else np.full(k, 100 / k)
    weight = np.where(np.isnan(weight), 100 / k, weight)
    area = 40 + 560 * weight / max(weight.max(), 1e-9)
    ax.scatter(est, y, s=area, marker="s", color="black", zorder=3, gid="study-markers")
    labels = list(effects["label"])
    right_text = [
        f"{_fmt(e)} [{_fmt(a)}, {_fmt(b)}]  {w:.0f}%"
        for e, a, b, w in zip(est, lo, hi, weight, strict=True)
    ]
    if pool is not None:
        yp = k + 0.5
        _diamond(ax, pool, yp, left, right)
        y = np.append(y, yp)
        method = getattr(pooled, "method", None)
        pooled_k = getattr(pooled, "k", k)  # the studies pooled, which may be more than shown
        labels.append(f"Pooled{', ' + method if method else ''} (k = {pooled_k:,})")
        text = f"{_fmt(pool['estimate'])} [{_fmt(pool['ci_low'])}, {_fmt(pool['ci_high'])}]"
        if np.isfinite(pool["pi_low"]) and np.isfinite(pool["pi_high"]):
            text += f"\nprediction {_fmt(pool['pi_low'])} to {_fmt(pool['pi_high'])}"
        right_text.append(text)
    if ratio:
        _log_axis(ax, left, right)
    ax.set_xlim(left, right)
    top = -1.6
    ax.set_ylim((y.max() if len(y) else 0) + 0.8, top)
    ax.set_yticks(y, labels)
    ax.tick_params(axis="y", length=0)
    twin = ax.twinx()
    twin.set_ylim(ax.get_ylim())
    twin.set_yticks(y, right_text)
    twin.tick_params(axis="y", length=0)
    twin.spines[["top", "right", "left"]].set_visible(False)
    ax.spines[["top", "right", "left"]].set_visible(False)
    _favours(ax, effects)
    ax.set_xlabel(MEASURE_NAMES.get(measure, measure) + (" — log scale" if ratio else ""))
    outcome = effects["outcome"].iloc[0] if "outcome" in effects else None
    name = MEASURE_NAMES.get(measure, measure).split(" (")[0].lower()
    ax.set_title(f"{pretty(outcome)}: {name}" if outcome is not None else name, loc="left")
    twin.text(
        1.01,
        -1.0,
        "Estimate [95% CI]  Weight",
        transform=twin.get_yaxis_transform(),
        ha="left",
        va="center",
        fontweight="bold",
        gid="column-header",
    )
    return ax


def _fmt(v: float) -> str:
    return "–" if v is None or np.isnan(v) else f"{v:.2f}".replace("-", "−")


def _pooled_natural(pooled, ratio: bool) -> dict | None:
    if pooled is None:
        return None
    back = math.exp if ratio else float
    out = {}
    for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
        v = getattr(pooled, key, None)
        out[key] = back(v) if v is not None and np.isfinite(v) else float("nan")
    return out


def _limits(est, lo, hi, pool, ratio) -> tuple[float, float]:
    """Axis limits: all estimates, the null and the pooled CI, plus CIs up to a cap."""
    tr = np.log if ratio else (lambda v: np.asarray(v, float))
    core = list(tr(est)) + [0.0]
    if pool is not None:
        core += [tr(pool["ci_low"]), tr(pool["ci_high"])]
    core = np.asarray(core, float)
    core = core[np.isfinite(core)]
    c_lo, c_hi = core.min(), core.max()
    width = max(c_hi - c_lo, 0.2 if ratio else 0.1 * max(abs(c_lo), abs(c_hi), 1.0))
    ends = np.concatenate([tr(lo), tr(hi)])
    ends = ends[np.isfinite(ends)]
    a = max(min(ends.min(initial=c_lo), c_lo), c_lo - 1.5 * width)
    b = min(max(ends.max(initial=c_hi), c_hi), c_hi + 1.5 * width)
    pad = 0.06 * (b - a)
    a, b = a - pad, b + pad
    return (math.exp(a), math.exp(b)) if ratio else (a, b)


def _arrows(ax: Axes, y, lo, hi, left, right) -> None:
    """Arrow heads where a CI runs past the axis limits."""
    past_left = lo < left
    past_right = hi > right
    if past_left.any():
        ax.plot(
            np.full(past_left.sum(), left),
            y[past_left],
            ls="",
            marker="<",
            ms=12,
            color="black",
            clip_on=False,
            gid="ci-arrow-left",
            zorder=4,
        )
    if past_right.any():
        ax.plot(
            np.full(past_right.sum(), right),
            y[past_right],
            ls="",
            marker=">",
            ms=12,
            color="black",
            clip_on=False,
            gid="ci-arrow-right",
            zorder=4,
        )


def _diamond(ax: Axes, pool: dict, yp: float, left: float, right: float) -> None:
    pi_lo, pi_hi = pool["pi_low"], pool["pi_high"]
    if np.isfinite(pi_lo) and np.isfinite(pi_hi):
        ax.hlines(
            yp,
            max(pi_lo, left),
            min(pi_hi, right),
            color=GREY,
            lw=6,
            zorder=2,
            gid="prediction-interval",
        )
        _arrows(ax, np.array([yp]), np.array([pi_lo]), np.array([pi_hi]), left, right)
    e, a, b = pool["estimate"], pool["ci_low"], pool["ci_high"]
    ax.add_patch(
        Polygon(
            [(a, yp), (e, yp - 0.35), (b, yp), (e, yp + 0.35)],
            closed=True,
            facecolor="black",
            zorder=3,
            gid="pooled",
        )
    )


def _log_axis(ax: Axes, left: float, right: float) -> None:
    """Log x axis with real-value tick labels (0.5, 1, 2 ...), no minor labels."""
    ax.set_xscale("log")
    for nice in (
        [0.01, 0.1, 1, 10, 100],
        [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20],
        [0.25, 0.5, 1, 2, 4],
        [0.5, 0.67, 0.8, 1, 1.25, 1.5, 2],
        [0.8, 0.9, 1, 1.1, 1.25],
    ):
        ticks = [t for t in nice if left <= t <= right]
        if len(ticks) >= 4 or nice[-1] == 1.25:
            break
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:g}")
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())


def _favours(ax: Axes, effects: pd.DataFrame) -> None:
    """'favours B12' on the side where B12 is better, from ``lower_is_better``."""
    lib = effects["lower_is_better"].dropna() if "lower_is_better" in effects else []
    if len(lib):
        lower_better = bool(pd.Series(lib).astype(bool).mode().iloc[0])
        left_text, right_text = (
            ("← favours B12", "favours control →")
            if lower_better
            else ("← favours control", "favours B12 →")
        )
    else:
        left_text, right_text = ("← lower with B12", "higher with B12 →")
    kw = {
        "va": "center",
        "color": "0.2",
        "fontweight": "bold",
        "transform": ax.get_yaxis_transform(),
    }
    ax.text(0.01, -1.0, left_text, ha="left", gid="favours-left", **kw)
    ax.text(0.99, -1.0, right_text, ha="right", gid="favours-right", **kw)
