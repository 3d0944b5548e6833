"""Risk of bias by domain: robvis-style traffic lights and weighted summary bars.

Data: :func:`b12explore.summaries.risk_of_bias_domains` and
:func:`b12explore.summaries.risk_of_bias_summary`. Every light carries a symbol as
well as a colour, so colour is never the only cue.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from .. import summaries
from ..style import GREY, LIGHT_GREY, OKABE_ITO
from ._base import axes_size_in, empty, new_axes, patches, wrap

__all__ = [
    "JUDGEMENT_STYLE",
    "judgement_style",
    "risk_of_bias_summary_chart",
    "traffic_light_plot",
]

_GREEN, _YELLOW, _RED = OKABE_ITO["bluishgreen"], OKABE_ITO["yellow"], OKABE_ITO["vermillion"]
#: judgement -> (colour, symbol, readable name), for RoB 2, ROBINS-I and AMSTAR 2.
JUDGEMENT_STYLE: dict[str, tuple[str, str, str]] = {
    "low": (_GREEN, "+", "Low"),
    "some_concerns": (_YELLOW, "!", "Some concerns"),
    "moderate": (_YELLOW, "!", "Moderate"),
    "high": (_RED, "×", "High"),
    "serious": (_RED, "×", "Serious"),
    "critical": ("#7F0000", "‼", "Critical"),
    "no_information": (GREY, "?", "No information"),
    "yes": (_GREEN, "+", "Yes"),
    "partial_yes": (OKABE_ITO["skyblue"], "~", "Partial yes"),
    "no": (_RED, "×", "No"),
    "cannot_tell": (GREY, "?", "Cannot tell from what we read"),
    "no_meta_analysis": (LIGHT_GREY, "", "No meta-analysis"),
    "critically_low": ("#7F0000", "‼", "Critically low"),
}
_TOOL_TITLES = {
    "RoB 2": "Risk of bias of randomised trials (RoB 2)",
    "ROBINS-I": "Risk of bias of non-randomised studies (ROBINS-I)",
    "AMSTAR 2": "Confidence in systematic reviews (AMSTAR 2)",
}


def judgement_style(code: str) -> tuple[str, str, str]:
    """Colour, symbol and name of a judgement (unknown codes: grey "?").

    Examples
    --------
    >>> judgement_style("some_concerns")[1]
    '!'
    """
    return JUDGEMENT_STYLE.get(str(code), (GREY, "?", str(code).replace("_", " ")))


def _short(label: str) -> str:
    """'D1 Randomisation process' -> 'D1', '2. Protocol ...' -> '2', 'Overall' kept."""
    head = str(label).split(" ")[0].rstrip(".")
    if head.lower() == "overall":
        return "Overall"
    return head if head[:1].isdigit() or head[:1] == "D" and head[1:].isdigit() else label


def traffic_light_plot(
    evidence, *, tool: str = "RoB 2", max_studies: int = 40, ax: Axes | None = None
) -> Axes:
    """Traffic-light plot: one row per study, one column per domain, overall last.

    Parameters
    ----------
    evidence : Evidence
    tool : {"RoB 2", "ROBINS-I", "AMSTAR 2"}
    max_studies : int
        Draw at most this many studies (largest first); a note names the rest.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load, charts
    >>> ax = charts.traffic_light_plot(load(), tool="ROBINS-I")
    """
    table = summaries.risk_of_bias_domains(evidence, tool)
    title = _TOOL_TITLES.get(tool, tool)
    studies = list(dict.fromkeys(table["label"])) if len(table) else []
    height = 2.6 + 0.45 * min(max(len(studies), 1), max_studies)
    ax = new_axes(ax, figsize=(10.0, height))
    if table.empty:
        return empty(ax, title, f"no study is appraised with {tool}")
    left_out = 0
    if len(studies) > max_studies:
        n = table.drop_duplicates("label").set_index("label")["n"].astype(float).fillna(-1)
        keep = set(n.sort_values(ascending=False, kind="stable").index[:max_studies])
        left_out = len(studies) - max_studies
        studies = [s for s in studies if s in keep]
        table = table[table["label"].isin(keep)]
    domains = list(dict.fromkeys(table["domain"]))
    domains = [d for d in domains if d != "overall"] + (
        ["overall"] if "overall" in domains else []
    )
    names = dict(zip(table["domain"], table["domain_label"], strict=False))
    xpos = {d: i for i, d in enumerate(domains)}
    ypos = {s: i for i, s in enumerate(studies)}
    width, height = axes_size_in(ax, margins=(5.0, 2.4))
    cell = 72 * min(width / max(len(domains), 1), height / max(len(studies), 1))
    area = min(520.0, (0.8 * cell) ** 2)
    for row in table.itertuples():
        colour, symbol, _ = judgement_style(row.judgement)
        x, y = xpos[row.domain], ypos[row.label]
        ax.scatter(
            [x],
            [y],
            s=area,
            c=[colour],
            edgecolors="0.3",
            linewidths=1,
            zorder=3,
            gid=f"light-{row.study_id}-{row.domain}",
        )
        ax.text(
            x, y, symbol, ha="center", va="center", fontweight="bold", zorder=4, gid="light-symbol"
        )
    ax.set_xticks(range(len(domains)), [_short(names.get(d, d)) for d in domains])
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(studies)), studies)
    ax.set_xlim(-0.6, len(domains) - 0.4)
    ax.set_ylim(len(studies) - 0.5, -0.6)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, loc="left", pad=24)
    if tool == "AMSTAR 2":  # 16 items: name only the critical ones (labels in the descriptor)
        key = "critical items " + ", ".join(
            _short(names[d]) for d in domains if "(critical)" in names.get(d, "")
        )
    else:
        key = "; ".join(
            f"{_short(names[d])} {names[d].split(' ', 1)[-1]}"
            for d in domains
            if d != "overall" and _short(names[d]) != names[d]
        )
    present = [j for j in JUDGEMENT_STYLE if j in set(table["judgement"])]
    handles = patches(
        [
            (f"{judgement_style(j)[1]}  {judgement_style(j)[2]}".strip(), judgement_style(j)[0])
            for j in present
        ]
    )
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.02, 1),
        frameon=False,
        title="Judgement",
    )
    basis = sorted(set(table["basis"].dropna().astype(str)))
    note = "Judged from: " + ", ".join(b.replace("_", " ") for b in basis)
    if left_out:
        note += f"; and {left_out:,} more studies not shown"
    ax.text(
        0,
        -0.03,
        wrap(note + ". " + key, 72) if key else note,
        transform=ax.transAxes,
        ha="left",
        va="top",
        color="0.3",
        fontsize="small",
        gid="domain-key",
    )
    return ax


def risk_of_bias_summary_chart(
    evidence, *, tool: str = "RoB 2", weighted: bool = True, ax: Axes | None = None
) -> Axes:
    """Summary bars: share of each judgement per domain, weighted by participants.

    Parameters
    ----------
    evidence : Evidence
    tool : {"RoB 2", "ROBINS-I", "AMSTAR 2"}
    weighted : bool
        Weight by participants (robvis "weighted summary plot").
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load, charts
    >>> ax = charts.risk_of_bias_summary_chart(load())
    """
    table = summaries.risk_of_bias_summary(evidence, tool, weighted=weighted)
    ax = new_axes(ax, figsize=(10.0, 4.5))
    title = f"{_TOOL_TITLES.get(tool, tool)}: {'weighted ' if weighted else ''}summary"
    if table.empty:
        return empty(ax, title, f"no study is appraised with {tool}")
    domains = list(dict.fromkeys(table["domain"]))
    domains = [d for d in domains if d != "overall"] + (
        ["overall"] if "overall" in domains else []
    )
    names = dict(zip(table["domain"], table["domain_label"], strict=False))
    order = [j for j in JUDGEMENT_STYLE if j in set(table["judgement"])]
    y = np.arange(len(domains))
    left = np.zeros(len(domains))
    for j in order:
        part = table[table["judgement"] == j].set_index("domain")["share"]
        width = part.reindex(domains).fillna(0).to_numpy(float)
        colour, symbol, name = judgement_style(j)
        ax.barh(
            y,
            width,
            left=left,
            color=colour,
            edgecolor="white",
            label=f"{symbol} {name}",
            gid=f"bar-{j}",
        )
        for yi, (lo, w) in enumerate(zip(left, width, strict=True)):
            if w >= 8:
                ax.text(lo + w / 2, yi, symbol, ha="center", va="center", fontweight="bold")
        left += width
    ax.set_yticks(y, [wrap(names.get(d, d), 34) for d in domains])
    ax.set_ylim(len(domains) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of participants (%)" if weighted else "Share of studies (%)")
    ax.set_title(title, loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return ax
