"""Certainty of evidence (GRADE) as a slide: the summary of findings drawn as a table.

Data: :func:`b12explore.summaries.certainty_table`. Also :func:`synthesis_charts`,
the slide charts of the synthesis (risk of bias, forest plots per comparison,
certainty), ready for :func:`b12explore.export.export_deck`.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .. import summaries
from ..schema import vocab_of
from ..style import OKABE_ITO, SIZES
from ._base import empty, new_axes, wrap

__all__ = ["CERTAINTY_COLORS", "certainty_chart", "synthesis_charts"]

#: certainty level -> colour (darker = more certain).
CERTAINTY_COLORS = {
    "high": OKABE_ITO["bluishgreen"],
    "moderate": OKABE_ITO["skyblue"],
    "low": OKABE_ITO["yellow"],
    "very_low": OKABE_ITO["vermillion"],
}


def certainty_chart(evidence, *, ax: Axes | None = None) -> Axes:
    """Summary of findings for slides: one row per comparison x outcome.

    Columns: what was compared and measured, studies (participants), relative
    effect (95% CI), certainty (GRADE symbols on the level's colour) and the
    plain-language statement.

    Parameters
    ----------
    evidence : Evidence
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from b12explore import load, charts
    >>> ax = charts.certainty_chart(load())
    """
    table = summaries.certainty_table(evidence)
    rows = len(table)
    ax = new_axes(ax, figsize=(13.333, max(3.0, 1.4 + 0.85 * rows)))
    title = "How sure can we be? Certainty of the evidence (GRADE)"
    if table.empty:
        return empty(ax, title, "no rated comparison")
    ax.set_xlim(0, 1)
    ax.set_ylim(rows + 0.2, -0.9)
    ax.axis("off")
    cols = [
        (0.0, "Comparison / outcome", 30),
        (0.27, "Studies (n)", 16),
        (0.41, "Relative effect (95% CI)", 22),
        (0.60, "Certainty", 14),
        (0.72, "What it means", 42),
    ]
    for x, head, _ in cols:
        ax.text(x, -0.5, head, fontweight="bold", va="center", gid="sof-header")
    label = vocab_of(evidence).label
    for i, r in enumerate(table.to_dict("records")):
        y = i + 0.45
        if i % 2 == 0:
            ax.axhspan(i, i + 0.9, color="0.96", zorder=0)
        size = "n not reported" if r["participants"] is None else f"n = {r['participants']:,}"
        level = r["computed"]
        cells = [
            f"{label('comparison', r['comparison'])}: {label('outcome', r['outcome'])}",
            f"{r['studies']} ({size})\n{r['study_labels']}",
            r["relative_effect"],
            f"{summaries.CERTAINTY_SYMBOLS[level]}\n{label('certainty', level)}",
            r["statement"],
        ]
        for (x, _, width), text in zip(cols, cells, strict=True):
            shown = "\n".join(wrap(part, width) for part in str(text).split("\n"))
            ax.text(x, y, shown, va="center", fontsize="small", gid="sof-cell")
        ax.add_patch(
            Rectangle(
                (0.595, i + 0.08),
                0.11,
                0.74,
                facecolor=CERTAINTY_COLORS[level],
                alpha=0.35,
                edgecolor="none",
                zorder=1,
                gid=f"certainty-{level}",
            )
        )
    ax.set_title(title, loc="left")
    return ax


def synthesis_charts(evidence, *, caption: str = "") -> list:
    """Slide charts of the synthesis: RoB traffic lights and summaries, forest plots
    per comparison (with a risk-of-bias column) and the certainty table.

    Returns
    -------
    list of SlideChart

    Examples
    --------
    >>> from b12explore import load
    >>> [c.name for c in synthesis_charts(load())][:2]
    ['rob2-traffic-light', 'rob2-summary']
    """
    from ..export.registry import SlideChart, slug
    from .bias import risk_of_bias_summary_chart, traffic_light_plot
    from .forest import forest_plot

    def figure():
        fig = Figure(figsize=SIZES["16:9"], layout="constrained")
        return fig, fig.add_subplot()

    out = []
    label = vocab_of(evidence).label
    version = getattr(evidence, "version", "")
    cap = caption or f"Sources: see slide notes. Data version {version}."
    overall = summaries.risk_of_bias_overall(evidence)
    rob = dict(zip(overall["study_id"], overall["computed"], strict=True))
    for tool, stem in (("RoB 2", "rob2"), ("ROBINS-I", "robins-i"), ("AMSTAR 2", "amstar2")):
        data = summaries.risk_of_bias_domains(evidence, tool)
        if data.empty:
            continue
        studies = list(dict.fromkeys(data["label"]))
        summary = summaries.risk_of_bias_summary(evidence, tool)
        for suffix, title, draw, table in (
            ("traffic-light", f"{tool} by domain", traffic_light_plot, data),
            ("summary", f"{tool}: weighted summary", risk_of_bias_summary_chart, summary),
        ):
            fig, ax = figure()
            draw(evidence, tool=tool, ax=ax)
            out.append(SlideChart(f"{stem}-{suffix}", title, fig, table, studies, cap))
    for row in summaries.forest_outcomes(evidence).itertuples():
        eff = summaries.forest_table(
            evidence, outcome=row.outcome, measure=row.measure, comparison=row.comparison
        )
        fig, ax = figure()
        forest_plot(eff, pooled=summaries.pooled_effect(eff), risk_of_bias=rob, ax=ax)
        name = slug(f"forest-{row.comparison}-{row.outcome}-{row.measure}")
        out.append(
            SlideChart(
                name,
                f"{label('outcome', row.outcome)} ({label('comparison', row.comparison)})",
                fig,
                eff,
                list(eff["label"]),
                cap,
            )
        )
    table = summaries.certainty_table(evidence)
    if not table.empty:
        fig, ax = figure()
        certainty_chart(evidence, ax=ax)
        out.append(
            SlideChart(
                "certainty",
                "Certainty of evidence (GRADE)",
                fig,
                table,
                sorted(set("; ".join(table["study_labels"]).split("; "))),
                cap,
            )
        )
    return out
