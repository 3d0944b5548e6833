"""Wall time to export every slide chart (PNG, SVG, PDF, CSV) plus the deck and citations.

Run: ``.venv/bin/python benchmarks/export.py [--data DIR] [--repeat N]``; prints JSON.
Target: the whole export (charts already built) in at most 5 s on a 2-core machine.
Building the charts is timed separately (``build_s``); ``per_format_s`` splits the
export time by format so a slow format is visible as a ratio within the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_S = 5.0


def _one_run(data_dir: str | None) -> dict:
    import matplotlib.pyplot as plt

    from b12explore import charts, load
    from b12explore.export import export_chart, export_citations, export_deck, render_figure

    evidence = load(data_dir)
    t0 = time.perf_counter()
    slides = charts.slide_charts(evidence, filters_text="all studies")
    build_s = time.perf_counter() - t0

    per_format: dict[str, float] = defaultdict(float)
    for chart in slides[:1]:  # warm-up outside the timing (font cache, backends)
        render_figure(chart.figure, ["png"], dpi=20)
    for chart in slides:  # per-format split, outside the timed export
        for fmt in ("png", "svg", "pdf"):
            t = time.perf_counter()
            render_figure(chart.figure, [fmt], caption=chart.caption)
            per_format[fmt] += time.perf_counter() - t

    with tempfile.TemporaryDirectory() as out:
        folder = Path(out)
        t1 = time.perf_counter()
        files = []
        for chart in slides:
            files += export_chart(
                chart.figure, folder / chart.name, caption=chart.caption, data=chart.data
            )
        t2 = time.perf_counter()
        files.append(export_deck(slides, folder / "b12explore-slides", evidence=evidence))
        t3 = time.perf_counter()
        files += export_citations(evidence, folder / "citations")
        t4 = time.perf_counter()
        total_bytes = sum(os.path.getsize(f) for f in files)
    for chart in slides:
        plt.close(chart.figure)
    return {
        "charts": len(slides),
        "files": len(files),
        "bytes": total_bytes,
        "build_s": build_s,
        "charts_s": t2 - t1,
        "deck_s": t3 - t2,
        "citations_s": t4 - t3,
        "export_s": t4 - t1,
        "per_format_s": dict(per_format),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="data folder (default: shipped data)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    args = parser.parse_args(argv)
    runs = [_one_run(args.data) for _ in range(max(1, args.repeat))]
    best = min(runs, key=lambda r: r["export_s"])
    fmt = best["per_format_s"]
    result = {
        "benchmark": "export",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "repeat": len(runs),
        **{k: (round(v, 3) if isinstance(v, float) else v) for k, v in best.items()},
        "per_format_s": {k: round(v, 3) for k, v in fmt.items()},
        "per_format_ratio_to_svg": {k: round(v / fmt["svg"], 2) for k, v in fmt.items()},
        "export_s_all_runs": [round(r["export_s"], 3) for r in runs],
        "target_s": TARGET_S,
        "within_target": best["export_s"] <= TARGET_S,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
