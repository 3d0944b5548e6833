"""Benchmark: the synthesis layer (certainty table, RoB tables, forest plot at large k).

Prints one JSON document with, for the shipped data, the time of
``summaries.certainty_table``, ``summaries.risk_of_bias_overall`` and
``summaries.summary_of_findings``; and for synthetic forest tables of k = 40, 1,000 and
10,000 studies, the time of ``charts.forest_plot`` (drawn to an Agg canvas, default
``max_rows=30``: the chart caps rows, so its cost should not grow with k) and how many
rows it drew. Each timing is the best of ``REPEATS`` single runs.

Run: ``python benchmarks/synthesis.py``.
"""

from __future__ import annotations

import json
import platform
import time

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg

from b12explore import charts, load, summaries

REPEATS = 3
SIZES = (40, 1_000, 10_000)


def best(fn) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def synthetic(k: int) -> pd.DataFrame:
    rng = np.random.default_rng(k)
    est = rng.normal(-1, 1, k)
    return pd.DataFrame(
        {
            "study_id": [f"s{i}" for i in range(k)],
            "label": [f"Study {i}" for i in range(k)],
            "estimate": est,
            "ci_low": est - 1,
            "ci_high": est + 1,
            "yi": est,
            "vi": 0.26,
            "weight": rng.uniform(1, 5, k),
            "measure": "MD",
            "lower_is_better": True,
            "comparison": "b12_vs_placebo",
            "kind": "study",
        }
    )


def draw_forest(eff: pd.DataFrame, pooled) -> int:
    ax = charts.forest_plot(eff, pooled=pooled)
    FigureCanvasAgg(ax.figure).draw()
    return len(ax.get_yticklabels())


def main() -> None:
    ev = load()
    out = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "repeats": REPEATS,
        "shipped_data_seconds": {
            "certainty_table": best(lambda: summaries.certainty_table(ev)),
            "risk_of_bias_overall": best(lambda: summaries.risk_of_bias_overall(ev)),
            "summary_of_findings": best(lambda: summaries.summary_of_findings(ev)),
        },
        "forest_plot": [],
    }
    for k in SIZES:
        eff = synthetic(k)
        pooled = summaries.pooled_effect(eff)
        rows = draw_forest(eff, pooled)
        out["forest_plot"].append(
            {
                "k": k,
                "rows_drawn": rows,
                "seconds": best(lambda e=eff, p=pooled: draw_forest(e, p)),
            }
        )
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
