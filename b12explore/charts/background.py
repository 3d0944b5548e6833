"""Charts of the seed article's background and of the search: foods, risk groups, mechanisms.

Also the PRISMA-style flow of the search log. Each chart takes the evidence (or the one
table it draws) first, options as keywords, draws on ``ax`` (a new ``Figure`` when
omitted, never pyplot) and returns the ``Axes``; an empty table gives an ``Axes`` with a
note saying why. Numbers come from :mod:`b12explore.summaries.background`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

from ..schema import vocab_of
from ..style import GREY, LIGHT_GREY, OKABE_ITO, color_for
from ..summaries.background import (
    evidence_types,
    food_table,
    mechanism_table,
    prisma_flow,
    risk_group_table,
)
from ._base import empty, fontsize, new_axes
from ._slidefit import (
    dark,
    fit,
    hide_axes,
    line_in,
    room,
    small,
    title_size,
    widen_lone_axes,
    width_in,
)

__all__ = [
    "food_sources_chart",
    "mechanisms_chart",
    "prisma_chart",
    "risk_groups_chart",
]

_MEASURES = {
    "mcg_per_serving": (
        "B12 per serving (µg, symmetric log scale)",
        "µg",
        ("B12 per serving (µg, symmetric log)",),
    ),
    "percent_dv": (
        "% of the Daily Value (2.4 µg) per serving (dashed: 100%), symmetric log scale",
        "% DV",
        (
            "% Daily Value (2.4 µg) per serving (dashed: 100%), symmetric log",
            "% Daily Value per serving (dashed: 100%), symmetric log",
            "% Daily Value per serving (symmetric log)",
        ),
    ),
}


def food_sources_chart(
    evidence, *, measure: str = "mcg_per_serving", ax: Axes | None = None
) -> Axes:
    """Foods ranked by B12 per serving, with serving sizes and % Daily Value.

    Bars show ``measure`` on a symmetric log axis (so 70 µg and 0.1 µg are both visible
    and zero stays at zero); each bar is labelled with both µg and % DV, and the y labels
    carry the fact sheet's serving size.

    Parameters
    ----------
    evidence : Evidence or DataFrame
        Evidence, or the ``food_sources`` table.
    measure : {"mcg_per_serving", "percent_dv"}
        What the bar length shows.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load
    >>> ax = food_sources_chart(load(), measure="percent_dv")
    >>> len(ax.patches) > 10
    True
    """
    if measure not in _MEASURES:
        raise ValueError(f"measure must be one of {sorted(_MEASURES)}, got {measure!r}")
    table = food_table(evidence)
    ax = new_axes(ax, figsize=(11.0, 7.5))
    title = "Food sources of vitamin B12 (NIH ODS)"
    if table.empty:
        return empty(ax, title, note="no food-source rows")
    values = table[measure].astype(float).fillna(0).to_numpy()
    y = np.arange(len(table))[::-1]
    colors = [OKABE_ITO["blue"] if v > 0 else LIGHT_GREY for v in values]
    ax.barh(y, values, color=colors, height=0.7)
    ax.set_xscale("symlog", linthresh=1 if measure == "mcg_per_serving" else 10)
    for yi, row in zip(y, table.itertuples(), strict=True):
        text = f"{row.mcg_per_serving:g} µg"
        if not pd.isna(row.percent_dv):
            text += f" · {int(row.percent_dv):,}% DV"
        ax.text(
            max(float(0 if pd.isna(getattr(row, measure)) else getattr(row, measure)), 0) * 1.08
            + (0.02 if measure == "mcg_per_serving" else 0.2),
            yi,
            text,
            va="center",
            ha="left",
            fontsize=small(ax),
            gid="value",
        )
    # one line per bar (a wrapped label would meet its neighbours); long ones end in "…"
    short = [lab if len(lab) <= 60 else lab[:59].rstrip() + "…" for lab in table["label"]]
    ax.set_yticks(y, short, fontsize=small(ax))
    top = float(np.nanmax(values)) if len(values) else 1.0
    ax.set_xlim(0, top * 80 if top > 0 else 10)
    # the axis label and the title fit beside the food names (which the slide layout
    # shortens to a third of its width): wrapped between words, never past the edge
    width, _ = room(ax)
    names = min(max(width_in(t, small(ax)) for t in short), 0.3 * (width + 0.6))
    space = max(2.0, width - names - 0.3)
    # one line each where the slide allows (a 4:3 slide has no height to spare for the
    # 17 foods at 18 pt): the axis label then drops its aside, the title its source,
    # which the caption names
    labels = [_MEASURES[measure][0], *_MEASURES[measure][2]]
    label = next((t for t in labels if width_in(t, fontsize(ax)) <= space), labels[-1])
    ax.set_xlabel(fit(label, space, 2, size=fontsize(ax)))
    if width_in(title, title_size()) > space:
        title = title.removesuffix(" (NIH ODS)")
    ax.set_title(fit(title, space, 2, size=title_size()), loc="left")
    if measure == "percent_dv":
        # named in the axis label: a text by the line met the tick labels
        ax.axvline(100, color=GREY, linestyle="--", linewidth=1, gid="dv-100")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def risk_groups_chart(evidence, *, ax: Axes | None = None) -> Axes:
    """Groups at risk of low B12, each with what puts it at risk.

    One row per group: the group's name and, under it, the number of sources cited on
    the left, the reason (wrapped) on the right. Texts are measured: each row is as tall
    as its text, and when the slide is too short for every reason in full, the longest
    lose lines and end in a visible "…" (the table and the CSV keep them whole).

    Parameters
    ----------
    evidence : Evidence or DataFrame
        Evidence, or the ``risk_groups`` table.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load
    >>> ax = risk_groups_chart(load())
    >>> sum(t.get_gid() == "group" for t in ax.texts)
    5
    """
    table = risk_group_table(evidence)
    ax = new_axes(ax, figsize=(13.333, 7.5))
    title = "Who is at risk of low B12, and why"
    if table.empty:
        return empty(ax, title, note="no risk-group rows")
    width, height = room(ax)
    size = small(ax)
    line, pad, gap = line_in(size), 0.06, 0.3
    group_w = min(0.3 * width, 3.4)
    why_w = width - group_w - gap - 0.2
    groups = [str(g) for g in table["group"]]
    whys = [str(w) for w in table["why"]]
    sources = [f"{r.sources} source{'s' if r.sources != 1 else ''}" for r in table.itertuples()]

    def cell(i: int, lines: int) -> tuple[str, str]:
        # the group's name and, under it, its number of sources; the reason beside
        return (
            fit(groups[i], group_w, max(1, lines - 1), size=size, weight="bold"),
            fit(whys[i], why_w, lines, size=size),
        )

    def n_lines(c: tuple[str, str]) -> int:
        return max(c[0].count("\n") + 2, c[1].count("\n") + 1)

    # every row as tall as its text; while the slide is too short, the longest row loses
    # a line (its text ends in "…"; the CSV and the notes keep it whole)
    caps = [8] * len(table)
    rows = [cell(i, c) for i, c in enumerate(caps)]
    while sum(n_lines(c) * line + 2 * pad for c in rows) > height:
        longest = max(range(len(rows)), key=lambda i: (n_lines(rows[i]), -i))
        if n_lines(rows[longest]) <= 2:
            break
        caps[longest] = n_lines(rows[longest]) - 1
        rows[longest] = cell(longest, caps[longest])
    heights = [n_lines(c) * line + 2 * pad for c in rows]
    tops = np.concatenate([[0.0], np.cumsum(heights)])
    ax.set_xlim(0, width)
    ax.set_ylim(max(tops[-1], 1e-6), 0)
    for i, ((group, why), src) in enumerate(zip(rows, sources, strict=True)):
        y0, y1 = tops[i], tops[i + 1]
        ax.add_patch(
            FancyBboxPatch(
                (0.0, y0 + 0.025),
                width,
                y1 - y0 - 0.05,
                boxstyle="round,pad=0,rounding_size=0.05",
                facecolor="#F2F7FB" if i % 2 == 0 else "white",
                edgecolor=LIGHT_GREY,
            )
        )
        mid = (y0 + y1) / 2
        block = (group.count("\n") + 2) * line  # name and sources, centred together
        top = mid - block / 2
        ax.text(
            0.1, top, group, va="top", ha="left", fontsize=size, fontweight="bold", gid="group"
        )
        ax.text(
            0.1,
            top + block - line,
            src,
            va="top",
            ha="left",
            fontsize=size,
            color="0.35",
            gid="sources",
        )
        ax.text(0.1 + group_w + gap, mid, why, va="center", ha="left", fontsize=size, gid="why")
    hide_axes(ax)
    ax.set_title(title, loc="left")
    return ax


def mechanisms_chart(evidence, *, ax: Axes | None = None) -> Axes:
    """Proposed mechanisms against the kind of evidence behind each.

    Rows are mechanisms, columns the kinds of evidence (human trial, human
    observational, animal, review); a filled marker shows the strongest kind recorded
    for the mechanism, with the number of linked studies in the tables written in it.
    Column headers wrap between words only; a mechanism's name takes one line (two
    where the slide has room) and ends in a visible "…" when cut (the CSV has it whole).

    Parameters
    ----------
    evidence : Evidence or DataFrame
        Evidence, or the ``mechanisms`` table.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load
    >>> ax = mechanisms_chart(load())
    >>> [t.get_text().replace("\\n", " ") for t in ax.get_xticklabels()][:2]
    ['Human trial', 'Human observational']
    """
    table = mechanism_table(evidence)
    ax = new_axes(ax, figsize=(12.0, 7.5))
    title = "Proposed mechanisms and their evidence"
    if table.empty:
        return empty(ax, title, note="no mechanism rows")
    widen_lone_axes(ax)
    kinds = list(evidence_types(evidence))
    col = {k: i for i, k in enumerate(kinds)}
    vocab = vocab_of(evidence)
    width, height = room(ax)
    size = small(ax)
    line, gap = line_in(size), 0.2
    # column headers wrap at word boundaries (two lines where a word allows it); each
    # column is as wide as its header
    labels = [vocab.label("evidence_type", k) for k in kinds]

    def columns(heads: list[str]) -> tuple[list[float], float]:
        widths = [width_in(h, size) for h in heads]
        centres = [widths[0] / 2]
        for a, b in zip(widths, widths[1:], strict=False):
            centres.append(centres[-1] + (a + b) / 2 + gap)
        return centres, centres[-1] + widths[-1] / 2 + 0.05

    heads = labels
    centres, span = columns(heads)
    if span > 0.5 * width:  # two lines a header, broken between words only
        heads = [
            fit(
                lab,
                max(
                    max(width_in(w, size) for w in lab.split() or [""]),
                    width_in(lab, size) / 2,
                ),
                99,
                size=size,
            )
            for lab in labels
        ]
        centres, span = columns(heads)
    name_w = max(1.5, width - span - gap)
    xs = [width - span + c for c in centres]  # the evidence columns fill the right
    head_lines = max(h.count("\n") + 1 for h in heads)
    # one line per mechanism; a second line for the longest while the slide has room
    mechanisms = [str(m) for m in table["mechanism"]]
    names = [fit(m, name_w, 1, size=size) for m in mechanisms]
    spare = (height - (head_lines + 0.5) * line) / line - 1.35 * len(names)
    for i in sorted(range(len(names)), key=lambda i: -len(mechanisms[i])):
        if spare < 1 or not names[i].endswith("…"):
            continue
        names[i] = fit(mechanisms[i], name_w, 2, size=size)
        spare -= 1
    row_h = [(n.count("\n") + 1.35) * line for n in names]
    tops = np.concatenate([[0.0], np.cumsum(row_h)])
    y = (tops[:-1] + tops[1:]) / 2
    for xi in xs:
        ax.scatter(np.full(len(y), xi), y, s=90, facecolor="white", edgecolor=LIGHT_GREY, zorder=1)
    for yi, name, row in zip(y, names, table.itertuples(), strict=True):
        xi = xs[col[row.evidence_type]]
        color = color_for("evidence_type", row.evidence_type)
        # the number of linked studies in the circle (dark on light colours)
        ax.scatter([xi], [yi], s=(size * 1.45) ** 2, color=color, zorder=2, gid="evidence")
        ax.text(
            xi,
            yi,
            f"{row.studies:,}",
            va="center_baseline",
            ha="center",
            fontsize=size,
            fontweight="bold",
            color="white" if dark(color) else "black",
            zorder=3,
            gid="studies",
        )
        ax.text(0, yi, name, va="center", ha="left", fontsize=size, gid="mechanism")
    ax.set_xticks(xs, heads)
    ax.annotate(
        fit("In the circle: linked studies", name_w, head_lines, size=size),
        xy=(0, 1),
        xycoords="axes fraction",
        xytext=(0, 6),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=size,
        color="0.3",
        gid="mechanism-head",
    )
    ax.set_yticks([])
    ax.set_xlim(0, width)
    ax.set_ylim(max(tops[-1], 1e-6), 0)
    ax.tick_params(
        axis="x", labeltop=True, labelbottom=False, top=False, bottom=False, pad=6, labelsize=size
    )
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(title, loc="left", pad=12)
    return ax


def prisma_chart(evidence, *, ax: Axes | None = None) -> Axes:
    """PRISMA-style flow of this pass's searches: found, screened, read, included.

    Parameters
    ----------
    evidence : Evidence or DataFrame
        Evidence, or the ``search_log`` table.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"hits": [8], "new_records": [8], "screened_out": [3],
    ...     "excluded_after_reading": [2], "used_for_existing_rows": [2], "included_new": [1]})
    >>> ax = prisma_chart(log)
    >>> sorted(t.get_text().split("\\n")[-1] for t in ax.texts if t.get_gid() == "count")
    ['n = 0', 'n = 1', 'n = 2', 'n = 2', 'n = 3', 'n = 5', 'n = 8', 'n = 8']
    """
    flow = prisma_flow(evidence)
    ax = new_axes(ax, figsize=(13.333, 7.5))
    title = "Search flow (PRISMA-style)"
    if flow.empty:
        return empty(ax, title, note="no search log")
    c = flow.set_index("stage")["count"].to_dict()
    lab = flow.set_index("stage")["label"].to_dict()
    width, _ = room(ax)
    size = small(ax)
    ux = width / 10  # inches per x unit; y is in inches, downwards
    main, side = ["identified", "screened", "read"], ["duplicates", "screened_out", "excluded"]
    bottom = [("used_existing", 0.1, 4.5), ("included_new", 5.5, 4.4)]
    stem = 2.35  # x of the main column's centre line
    # each label wraps (between words) to its box, and each box is as tall as its text
    texts, half = {}, {}
    for stage in lab:
        w = 4.4 if stage in side or stage == "included_new" else 4.5
        texts[stage] = f"{fit(lab[stage], w * ux - 0.25, 3, size=size)}\nn = {c[stage]}"
        half[stage] = ((texts[stage].count("\n") + 1) * line_in(size) + 0.15) / 2
    # top to bottom: each side box between the main boxes it leaves from and goes to
    y = {main[0]: half[main[0]]}
    side_bottom = 0.0
    for i, stage in enumerate(side):
        above = y[main[i]] + half[main[i]]
        y[stage] = max(above + 0.15, side_bottom + 0.12 + half[stage])
        side_bottom = y[stage] + half[stage]
        nxt = main[i + 1] if i + 1 < len(main) else None
        if nxt:
            y[nxt] = max(y[stage] + 0.15, above + 0.3) + half[nxt]
    fork = max(y["excluded"] + 0.15, y["read"] + half["read"] + 0.3)
    low = fork + 0.35 + max(half[s_] for s_, _, _ in bottom)
    for stage, _, _ in bottom:
        y[stage] = low
    ax.set_xlim(0, 10)
    ax.set_ylim(low + max(half[s_] for s_, _, _ in bottom) + 0.05, -0.12)

    def box(x, w, stage, color):
        ax.add_patch(
            FancyBboxPatch(
                (x, y[stage] - half[stage]),
                w,
                2 * half[stage],
                boxstyle="round,pad=0.02,rounding_size=0.06",
                facecolor=color,
                edgecolor="0.4",
            )
        )
        ax.text(
            x + w / 2, y[stage], texts[stage], ha="center", va="center", fontsize=size, gid="count"
        )

    arrow = {"arrowstyle": "->", "color": "0.4"}
    for stage in main:
        box(0.1, 4.5, stage, "#E8F1F8")
    for stage in side:
        box(5.5, 4.4, stage, "#F6F6F6")
        ax.annotate("", xy=(5.5, y[stage]), xytext=(stem, y[stage]), arrowprops=arrow)
    for a, b in zip(main, main[1:], strict=False):
        ax.annotate(
            "",
            xy=(stem, y[b] - half[b] - 0.02),
            xytext=(stem, y[a] + half[a] + 0.02),
            arrowprops=arrow,
        )
    for stage, x, w in bottom:
        box(x, w, stage, "#E3F4EC" if stage == "included_new" else "#FFF6E0")
    top = low - max(half[s_] for s_, _, _ in bottom) - 0.02
    ax.annotate("", xy=(stem, top), xytext=(stem, fork), arrowprops=arrow)
    # to the near end of the box: the arrow passes under "Excluded after reading"
    ax.annotate("", xy=(6.2, top), xytext=(stem, fork), arrowprops=arrow)
    # stem below "Records read"
    ax.plot([stem, stem], [y["read"] + half["read"] + 0.02, fork], color="0.4", linewidth=1)
    hide_axes(ax)
    ax.set_title(title, loc="left")
    return ax
