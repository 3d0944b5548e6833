"""Slide layout of the forest plot: rows that fit, labels, "favours" text and x ticks.

Private helpers of :func:`b12explore.charts.forest_plot`. On axes at slide size and
font (:func:`b12explore.style.slide_context`) :class:`_SlideRows` chooses the study
rows that fit the slide's height at 18 pt and draws the label columns, the "favours"
labels and the column header; the other helpers set the axis limits and ticks and,
off a slide, fit the row text and the "favours" labels.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, MaxNLocator, NullFormatter, NullLocator
from matplotlib.transforms import ScaledTranslation

from .. import summaries
from ._base import axes_size_in, fontsize
from ._slidefit import LINE_IN, MARGIN_IN, fit, on_slide, slide_chars, width_in, year_tail

__all__ = [
    "_SlideRows",
    "_favours",
    "_fit_text",
    "_limits",
    "_log_axis",
    "_null_fraction",
    "_right_lines",
    "_thin_x",
]


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
                tail=year_tail(lab),
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
