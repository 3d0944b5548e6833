"""Forest plot: per-study effects, the pooled estimate and reviews' own results.

What is compared is named on the axis ("Risk ratio (diclofenac + B vitamins /
diclofenac)"); "favours" labels follow the outcome's ``lower_is_better`` and are left
out, with a note, when it is not coded. A review's own reported result is drawn as
its own hollow row under the studies ("Reported by ..."), never pooled with them.
Large k: at most ``max_rows`` study rows are drawn (those with most weight) and a row
says how many more there are and their participants; the pooled estimate and the
table behind the chart keep every study. The layout at slide size (rows that fit,
labels, ticks) is in ``_forest_layout``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Polygon
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from .. import summaries
from ..schema import vocab_of
from ..style import GREY
from ._base import empty, new_axes, wrap
from ._forest_layout import _favours, _fit_text, _limits, _log_axis, _SlideRows

__all__ = ["MEASURE_NAMES", "forest_plot"]

#: measure -> (name, how the two arms are combined: "−" difference or "/" ratio)
MEASURE_NAMES = {
    "MD": ("Mean difference", "−"),
    "SMD": ("Standardised mean difference (Hedges g)", "−"),
    "RD": ("Risk difference", "−"),
    "RR": ("Risk ratio", "/"),
    "OR": ("Odds ratio", "/"),
    "HR": ("Hazard ratio", "/"),
}


def _arms(effects: pd.DataFrame) -> tuple[str, str]:
    """The compared arms: one pair named by every row, else the comparison's names."""
    if {"intervention", "control"} <= set(effects.columns):
        pairs = set(zip(effects["intervention"], effects["control"], strict=True))
        pairs = {p for p in pairs if isinstance(p[0], str) and isinstance(p[1], str)}
        if len(pairs) == 1:
            return next(iter(pairs))
    comps = set(effects["comparison"].dropna()) if "comparison" in effects else set()
    if len(comps) == 1:
        return summaries.arms_for(next(iter(comps)))
    return ("intervention", "control")


def axis_label(measure: str, arms: tuple[str, str]) -> str:
    """'Risk ratio (X / Y)' naming what is compared.

    Examples
    --------
    >>> axis_label("RR", ("B vitamins + diclofenac", "diclofenac"))
    'Risk ratio (B vitamins + diclofenac / diclofenac)'
    """
    name, op = MEASURE_NAMES.get(measure, (measure, "vs"))
    if measure == "SMD":
        return f"{name}, {arms[0]} vs {arms[1]}"
    return f"{name} ({arms[0]} {op} {arms[1]})"


def _rest_participants(rest) -> str:
    """'1,234 participants; ' for the rows left out (empty when no size is known)."""
    if rest is None or rest.size_not_reported >= rest.studies:
        return ""
    # the same words as summaries.rest_text: "and 5 more studies, 1,234 participants"
    words = summaries.rest_text(rest).split(", ", 1)[1]
    return f"{words}; "


def _lower_is_better(effects: pd.DataFrame):
    if "lower_is_better" not in effects:
        return None
    lib = effects["lower_is_better"].dropna()
    if not len(lib):
        return None
    return bool(pd.Series(lib).astype(bool).mode().iloc[0])


def forest_plot(
    effects: pd.DataFrame,
    *,
    pooled=None,
    measure: str | None = None,
    xlim: tuple[float, float] | None = None,
    max_rows: int = 30,
    risk_of_bias: dict | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Forest plot of per-study effects with an optional pooled diamond.

    Squares are scaled by weight, lines are 95% CIs (an arrow marks a CI that
    runs past the axis), the diamond is the pooled estimate and its CI, and the
    thick line through it the prediction interval. Rows with ``kind == "review"``
    are a review's own result: a hollow diamond under the studies, not pooled.
    Ratio measures use a log axis labelled with real values.

    Parameters
    ----------
    effects : DataFrame
        From :func:`b12explore.summaries.forest_table`: ``label, estimate,
        ci_low, ci_high`` (natural scale), ``weight`` (percent), ``measure``,
        ``lower_is_better`` and optionally ``kind``, ``comparison``,
        ``intervention``, ``control``, ``study_id``.
    pooled : PoolResult, optional
        From :func:`b12explore.summaries.pooled_effect` (analysis scale).
    measure : str, optional
        Overrides ``effects["measure"]``.
    xlim : (float, float), optional
        Axis limits on the natural scale; CIs beyond them get arrows.
    max_rows : int
        Most study rows drawn (heaviest first, order kept); a row says how many
        more studies there are and their participants
        (:func:`b12explore.summaries.rest_summary`). On axes at slide size and font
        (:func:`b12explore.style.slide_context`) text stays at 18 pt: fewer rows are
        drawn when not all fit the slide's height, labels wrap or end in "…", and
        the x ticks are those whose labels stand apart.
    risk_of_bias : dict, optional
        ``study_id`` -> overall judgement; adds a traffic-light column.
    ax : Axes, optional
        When omitted, the figure height follows the number of rows.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from b12explore import charts
    >>> eff = pd.DataFrame({"label": ["A", "B"], "estimate": [0.8, 1.1],
    ...     "ci_low": [0.6, 0.7], "ci_high": [1.05, 1.7], "weight": [60.0, 40.0],
    ...     "measure": "RR", "lower_is_better": True, "comparison": "b12_vs_placebo"})
    >>> ax = charts.forest_plot(eff)
    >>> ax.get_xlabel()
    'Risk ratio (B12 / placebo) — log scale'
    """
    if effects is None or len(effects) == 0:
        return empty(new_axes(ax), "Forest plot")
    effects = effects.reset_index(drop=True)
    kind = effects["kind"] if "kind" in effects else pd.Series("study", index=effects.index)
    studies = effects[(kind != "review").to_numpy()]
    reviews = effects[(kind == "review").to_numpy()]
    slide = _SlideRows.of(ax, len(studies), len(reviews), max_rows, pooled is not None)
    if slide is not None:  # at 18 pt only the rows that fit the slide's height are drawn
        max_rows = slide.study_rows
    unit = slide.unit if slide is not None else 1  # rows of a review's own result
    more = slide.more if slide is not None else 1  # rows of "… and N more studies"
    hidden, rest = 0, None
    if len(studies) > max_rows:
        w = studies["weight"].astype(float).fillna(-1) if "weight" in studies else None
        keep = w.nlargest(max_rows).index if w is not None else studies.index[:max_rows]
        hidden = len(studies) - max_rows
        rest = summaries.rest_summary(studies.drop(index=keep))
        studies = studies.loc[sorted(keep)]
    n_rows = len(studies) + (1 if hidden else 0) + (2 if pooled is not None else 0)
    n_rows += (len(reviews) + 1) if len(reviews) else 0
    ax = new_axes(ax, figsize=(10.0, max(3.2, 1.9 + 0.34 * (n_rows + 2))))
    measure = measure or str(effects["measure"].iloc[0])
    ratio = measure in summaries.RATIO_MEASURES
    shown = pd.concat([studies, reviews])
    est = shown["estimate"].to_numpy(float)
    lo = shown["ci_low"].to_numpy(float)
    hi = shown["ci_high"].to_numpy(float)
    pool = _pooled_natural(pooled, ratio)
    left, right = xlim if xlim is not None else _limits(est, lo, hi, pool, ratio)
    null = 1.0 if ratio else 0.0
    ax.axvline(null, color="black", lw=1, zorder=1, gid="null-line")
    ys, labels, right_text = [], [], []
    k = len(studies)
    y = np.arange(k, dtype=float)
    if k:
        s_est, s_lo, s_hi = est[:k], lo[:k], hi[:k]
        ax.hlines(
            y,
            np.clip(s_lo, left, right),
            np.clip(s_hi, left, right),
            color="black",
            lw=2,
            zorder=2,
            gid="ci",
        )
        _arrows(ax, y, s_lo, s_hi, left, right)
        weight = studies["weight"].to_numpy(float) if "weight" in studies else np.full(k, 100 / k)
        weight = np.where(np.isnan(weight), 100 / k, weight)
        area = 40 + 560 * weight / max(weight.max(), 1e-9)
        ax.scatter(s_est, y, s=area, marker="s", color="black", zorder=3, gid="study-markers")
        ys += list(y)
        labels += list(studies["label"])
        right_text += [
            f"{_fmt(e)} [{_fmt(a)}, {_fmt(b)}]  {w:.0f}%"
            for e, a, b, w in zip(s_est, s_lo, s_hi, weight, strict=True)
        ]
    nxt = float(k)
    if hidden:
        ys.append(nxt + (more - 1) / 2)
        n_out = rest.studies if rest is not None else hidden
        labels.append(f"… and {n_out:,} more {'study' if n_out == 1 else 'studies'}")
        right_text.append(_rest_participants(rest) + "in the pooled estimate and the CSV")
        nxt += more
    if pool is not None:
        yp = nxt + 0.5
        _diamond(ax, pool, yp, left, right)
        method = getattr(pooled, "method", None)
        pooled_k = getattr(pooled, "k", k)
        ys.append(yp)
        interval = ", HKSJ" if getattr(pooled, "ci", None) == "hksj" else ""
        labels.append(f"Pooled{', ' + method if method else ''}{interval} (k = {pooled_k:,})")
        text = f"{_fmt(pool['estimate'])} [{_fmt(pool['ci_low'])}, {_fmt(pool['ci_high'])}]"
        if np.isfinite(pool["pi_low"]) and np.isfinite(pool["pi_high"]):
            text += f"; prediction {_fmt(pool['pi_low'])} to {_fmt(pool['pi_high'])}"
        right_text.append(text)
        nxt += 2
    if len(reviews):
        yr = nxt + (0.5 if k or pool is not None else 0.0) + (unit - 1) / 2
        yr = yr + unit * np.arange(len(reviews))
        r_est, r_lo, r_hi = est[k:], lo[k:], hi[k:]
        if k or pool is not None:
            ax.axhline(yr[0] - 0.75, color=GREY, lw=0.8, ls=":", gid="review-separator")
        ax.hlines(
            yr,
            np.clip(r_lo, left, right),
            np.clip(r_hi, left, right),
            color="0.3",
            lw=2,
            zorder=2,
            gid="review-ci",
        )
        _arrows(ax, yr, r_lo, r_hi, left, right)
        ax.scatter(
            r_est,
            yr,
            s=160,
            marker="D",
            facecolor="white",
            edgecolor="black",
            linewidths=1.8,
            zorder=3,
            gid="review-markers",
        )
        ys += list(yr)
        labels += list(reviews["label"])
        right_text += [
            f"{_fmt(e)} [{_fmt(a)}, {_fmt(b)}]  not pooled again"
            for e, a, b in zip(r_est, r_lo, r_hi, strict=True)
        ]
    if ratio:
        _log_axis(ax, left, right)
    ax.set_xlim(left, right)
    ys = np.asarray(ys, float)
    arms = _arms(effects)
    xlabel = axis_label(measure, arms) + (" — log scale" if ratio else "")
    outcome = effects["outcome"].iloc[0] if "outcome" in effects else None
    name = MEASURE_NAMES.get(measure, (measure,))[0].lower()
    title = vocab_of(effects).label("outcome", outcome)
    ax.set_title(f"{title}: {name}" if outcome is not None else name, loc="left")
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    header = ("RoB   " if risk_of_bias else "") + "Estimate [95% CI]  Weight"
    if slide is not None:
        bands = [1.0] * k + ([more] if hidden else []) + ([2.0] if pool is not None else [])
        bands += [unit] * len(reviews)
        slide.draw(
            ax,
            ys,
            bands,
            labels,
            right_text,
            header,
            xlabel,
            ratio,
            _lower_is_better(effects),
            arms,
            pad=30 if risk_of_bias else 6,
        )
    else:
        ax.set_ylim((ys.max() if len(ys) else 0) + 0.8, -2.2)
        ax.set_yticks(ys, [wrap(lab, 34) for lab in labels])
        twin = ax.twinx()
        twin.set_ylim(ax.get_ylim())
        twin.set_yticks(ys, right_text)
        twin.tick_params(axis="y", length=0, pad=30 if risk_of_bias else 4)
        twin.spines[["top", "right", "left"]].set_visible(False)
        _fit_text(ax, twin, len(ys) + 2.4)
        _favours(ax, _lower_is_better(effects), arms)
        ax.set_xlabel(xlabel)
        twin.text(
            1.01,
            -1.6,
            header,
            transform=twin.get_yaxis_transform(),
            ha="left",
            va="center",
            fontweight="bold",
            gid="column-header",
        )
    if risk_of_bias:
        _rob_column(ax, shown, ys, risk_of_bias)
    return ax


def _rob_column(ax: Axes, shown: pd.DataFrame, ys: np.ndarray, rob: dict) -> None:
    """Traffic lights right of the plot for rows whose study has a judgement."""
    from .bias import judgement_style

    base = blended_transform_factory(ax.transAxes, ax.transData)
    shift = base + ScaledTranslation(14 / 72, 0, ax.figure.dpi_scale_trans)
    ids = shown["study_id"] if "study_id" in shown else pd.Series([None] * len(shown))
    for y, sid in zip(ys, ids, strict=False):
        if sid not in rob:
            continue
        colour, symbol, _ = judgement_style(rob[sid])
        ax.scatter(
            [1.0],
            [y],
            s=150,
            c=[colour],
            edgecolors="0.3",
            transform=shift,
            clip_on=False,
            zorder=5,
            gid=f"rob-{sid}",
        )
        ax.text(
            1.0,
            y,
            symbol,
            transform=shift,
            ha="center",
            va="center",
            fontsize="small",
            fontweight="bold",
            zorder=6,
            clip_on=False,
        )


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


def _arrows(ax: Axes, y, lo, hi, left, right) -> None:
    """Arrow heads where a CI runs past the axis limits."""
    for past, x, marker, side in (
        (lo < left, left, "<", "left"),
        (hi > right, right, ">", "right"),
    ):
        if past.any():
            ax.plot(
                np.full(past.sum(), x),
                y[past],
                ls="",
                marker=marker,
                ms=12,
                color="black",
                clip_on=False,
                gid=f"ci-arrow-{side}",
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
