"""Forest plot: per-study effects, the pooled estimate and reviews' own results.

What is compared is named on the axis ("Risk ratio (diclofenac + B vitamins /
diclofenac)"); "favours" labels follow the outcome's ``lower_is_better`` and are left
out, with a note, when it is not coded. A review's own reported result is drawn as
its own hollow row under the studies ("Reported by ..."), never pooled with them.
Large k: at most ``max_rows`` study rows are drawn (those with most weight) and a row
says how many more there are and their participants; the pooled estimate and the
table behind the chart keep every study.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Polygon
from matplotlib.ticker import FixedLocator, MaxNLocator, NullFormatter, NullLocator
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from .. import summaries
from ..schema import vocab_of
from ..style import GREY
from ._base import axes_size_in, empty, fontsize, new_axes, wrap
from ._slidefit import LINE_IN, MARGIN_IN, fit, on_slide, slide_chars, width_in

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


class _SlideRows:
    """The rows of a forest plot drawn at 18 pt on a slide, and how they are drawn.

    Rows never shrink below 18 pt: the plot draws the heaviest studies that fit the
    slide's height (the row "… and N more studies" names the others), labels wrap or
    end in a visible "…", and the plot keeps a width where its "favours" labels and
    x tick labels stand apart.
    """

    #: Height of one row (a line of 18 pt text and a gap), inches.
    PITCH = 0.34
    #: Above the rows: the "favours" labels (two lines) and the column header.
    HEADER_IN = 1.1
    #: Slide height taken by the title, x tick labels, a two-line x label, a caption
    #: of up to three lines and the safe margins (inches).
    FRAME_IN = 2.9

    def __init__(self, study_rows: int, unit: float, more: float, height: float):
        self.study_rows = study_rows
        self.unit = unit
        self.more = more
        self.height = height

    @classmethod
    def of(cls, ax, n_studies: int, n_reviews: int, max_rows: int, pooled: bool):
        if not on_slide(ax):
            return None
        height = ax.figure.get_size_inches()[1] - cls.FRAME_IN - cls.HEADER_IN
        unit = 2.0  # a review's own result takes two lines
        more = 2.5  # "… and N more studies": three lines on the right
        fixed = (2 if pooled else 0) + (unit * n_reviews + 0.5 if n_reviews else 0) + 0.5
        rows = min(n_studies, max_rows)
        while rows > 1:
            if (rows + (more if rows < n_studies else 0) + fixed) * cls.PITCH <= height:
                break
            rows -= 1
        return cls(max(rows, min(n_studies, 1)), unit, more, height)

    def draw(self, ax, ys, bands, labels, right_text, header, xlabel, ratio, lib, arms, pad):
        fig_w = ax.figure.get_size_inches()[0]
        safe_w = fig_w - 2 * MARGIN_IN
        bottom = (ys.max() + bands[-1] / 2 if len(ys) else 0.5) + 0.3
        units = bottom + 0.5
        pitch = max(min(self.height / units, 0.9), 0.3)  # inches per row
        lines = [max(1, int((b * pitch + 0.02) // LINE_IN)) for b in bands]
        chars = slide_chars(ax)
        left_w = 0.27 * safe_w
        rows = [
            fit(
                lab.replace("k = ", "k\u00a0=\u00a0"),
                left_w,
                min(n, 2),
                chars=chars,
                tail=_tail(lab),
            )
            for lab, n in zip(map(str, labels), lines, strict=True)
        ]
        ax.set_yticks(ys, rows)
        left_used = max((width_in(r) for r in rows), default=0.0)
        # the right column: a study's estimate is never cut; longer notes wrap to its width
        study = [t for t, b in zip(right_text, bands, strict=True) if b == 1.0]
        right_w = max([0.3 * safe_w, *(width_in(t) for t in study)])
        right = [
            t if b == 1.0 else _right_lines(t, right_w, n)
            for t, b, n in zip(right_text, bands, lines, strict=True)
        ]
        right_used = max([width_in(header, weight="bold"), *(width_in(t) for t in right)])
        shift = ScaledTranslation(pad / 72, 0, ax.figure.dpi_scale_trans)
        at_right = ax.get_yaxis_transform() + shift
        for y, text in zip(ys, right, strict=True):
            ax.text(1.0, y, text, transform=at_right, ha="left", va="center", gid="estimate")
        plot_w = max(safe_w - left_used - right_used - pad / 72 - 0.4, 1.0)
        # above the rows: "favours" labels just over the first row, the header above them
        top = -0.5 - self.HEADER_IN / pitch
        labels_ = summaries.favours_labels(lib, arms)
        kw = {"va": "center", "transform": ax.get_yaxis_transform(), "color": "0.2"}
        if labels_ is None:
            note = "No 'favours' labels: which direction is better is not coded for this outcome"
            note = fit(note, plot_w + right_used, 2)
            kw.update(color="0.35", ha="left", gid="favours-note")
            fav = [(0.0, note, kw)]
        else:
            # each side of the null line, free to run over the label columns beside it
            frac = _null_fraction(ax, ratio)
            gap = 6 / 72
            room = (left_used + frac * plot_w - gap, (1 - frac) * plot_w + right_used - gap)
            texts = [fit(t, w, 2, weight="bold") for t, w in zip(labels_, room, strict=True)]
            fav = []
            for text, ha, gid, dx in (
                (texts[0], "right", "favours-left", -gap),
                (texts[1], "left", "favours-right", gap),
            ):
                shifted = kw["transform"] + ScaledTranslation(dx, 0, ax.figure.dpi_scale_trans)
                style = {**kw, "ha": ha, "gid": gid, "fontweight": "bold", "transform": shifted}
                fav.append((frac, text, style))
        n_lines = max(t.count("\n") + 1 for _, t, _ in fav)
        fav_y = -0.5 - (0.1 + n_lines * LINE_IN / 2) / pitch
        for x, text, style in fav:
            ax.text(x, fav_y, text, **style)
        head_y = -0.5 - (0.1 + n_lines * LINE_IN + 0.08 + LINE_IN / 2) / pitch
        ax.text(
            1.0,
            head_y,
            header,
            transform=ax.get_yaxis_transform()
            + ScaledTranslation(min(pad, 6) / 72, 0, ax.figure.dpi_scale_trans),
            ha="left",
            va="center",
            fontweight="bold",
            gid="column-header",
        )
        ax.set_ylim(bottom, max(head_y - (LINE_IN / 2 + 0.05) / pitch, top))
        low, high = ax.get_ylim()
        for line in ax.lines:  # the line of no effect runs through the rows only
            if line.get_gid() == "null-line":
                line.set_ydata([0.0, (low + 0.5) / (low - high)])
        room = 2 * min(left_used + 0.15 + plot_w / 2, plot_w / 2 + right_used + 0.3)
        room = min(room, safe_w) - 0.1
        parts = xlabel.split(" — ")
        if width_in(xlabel) > room and all(width_in(p) <= room for p in parts):
            ax.set_xlabel("\n— ".join(parts))
        else:
            ax.set_xlabel(fit(xlabel, room, 2))
        _thin_x(ax, plot_w, ratio)


def _tail(label: str) -> int:
    """Words at the end of a study label kept when it is cut: its year (and "(3)")."""
    words = label.split()
    year = r"(1[89]|20)\d\d[a-z]?"
    if (
        len(words) > 2
        and re.fullmatch(year, words[-2])
        and re.fullmatch(r"\(\w{1,4}\)", words[-1])
    ):
        return 2
    return 1 if len(words) > 1 and re.fullmatch(year, words[-1]) else 0


def _right_lines(text: str, width: float, lines: int) -> str:
    """A note of the right column: broken after "; " or a double space when that fits."""
    parts = text.replace("; ", ";\n").replace("  ", "\n").split("\n")
    if len(parts) <= lines and all(width_in(p) <= width for p in parts):
        return "\n".join(parts)
    return fit(text, width, lines)


def _null_fraction(ax: Axes, ratio: bool) -> float:
    """Where the line of no effect is across the axis (0 left, 1 right)."""
    a, b = ax.get_xlim()
    if ratio:
        a, b = math.log(a), math.log(b)
    return min(max(-a / (b - a), 0.0), 1.0) if b != a else 0.5


def _thin_x(ax: Axes, plot_w: float, ratio: bool) -> None:
    """x ticks whose labels stand apart on an axis ``plot_w`` inches wide (18 pt)."""
    if not ratio:
        ax.xaxis.set_major_locator(
            MaxNLocator(nbins=max(2, int(plot_w / 0.6)), steps=[1, 2, 5, 10])
        )
        return
    left, right = (math.log(v) for v in ax.get_xlim())
    ticks = list(ax.xaxis.get_major_locator().tick_values(*ax.get_xlim()))

    def at(v: float) -> float:
        return (math.log(v) - left) / (right - left) * plot_w

    def half(v: float) -> float:
        return width_in(f"{v:g}") / 2 + 0.1

    keep = [1.0] if 1.0 in ticks else ticks[:1]
    for side in (
        sorted(t for t in ticks if t > keep[0]),
        sorted((t for t in ticks if t < keep[0]), reverse=True),
    ):
        last = keep[0]
        for t in side:
            if abs(at(t) - at(last)) >= half(t) + half(last):
                keep.append(t)
                last = t
    ax.xaxis.set_major_locator(FixedLocator(sorted(keep)))


def _fit_text(ax: Axes, twin: Axes, rows: float) -> None:
    """Shrink tick labels so that each row's text fits its height (no overlaps)."""
    _, height = axes_size_in(ax)
    per_row = 72.0 * height / max(rows, 1.0)
    size = min(fontsize(ax), 0.62 * per_row)
    for a in (ax, twin):
        a.tick_params(axis="y", labelsize=max(size, 3.0))


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


def _favours(ax: Axes, lower_is_better, arms: tuple[str, str]) -> None:
    """'favours X' on the side where X is better; a note when direction is not coded."""
    kw = {
        "va": "center",
        "color": "0.2",
        "fontweight": "bold",
        "transform": ax.get_yaxis_transform(),
    }
    labels = summaries.favours_labels(lower_is_better, arms)
    if labels is None:
        ax.text(
            0.01,
            -1.0,
            "No 'favours' labels: which direction is better is not coded for this outcome",
            ha="left",
            gid="favours-note",
            **{**kw, "fontweight": "normal", "color": "0.35", "fontsize": "small"},
        )
        return
    ax.text(0.01, -1.0, labels[0], ha="left", gid="favours-left", **kw)
    ax.text(0.99, -1.0, labels[1], ha="right", gid="favours-right", **kw)


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
