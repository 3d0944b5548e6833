"""Wall time to export every slide chart (PNG, SVG, PDF, CSV) plus the deck and citations.

Run: ``.venv/bin/python benchmarks/export.py [--data DIR] [--repeat N] [--jobs N]``;
prints JSON. Target: the whole export of the shipped data (charts already built) in
at most 5 s on a 2-core machine. Each repeat times the serial export (``jobs=1``) and
the parallel one (``--jobs``, default 2) in the same run, so their ratio is
meaningful even on a busy machine; CPU seconds (this process plus its workers) show
how much of the wall time was spent waiting for a shared CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_S = 5.0


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _export_once(slides, evidence, jobs: int) -> dict:
    from b12explore.export.files import export_charts, export_citations

    with tempfile.TemporaryDirectory() as out:
        folder = Path(out)
        wall, cpu = time.perf_counter(), _cpu()
        files = export_charts(
            slides, folder, deck=folder / "b12explore-slides", evidence=evidence, jobs=jobs
        )
        files += export_citations(evidence, folder / "citations")
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
        size = sum(os.path.getsize(f) for f in files)
    return {"wall_s": wall, "cpu_s": cpu, "files": len(files), "bytes": size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="data folder (default: shipped data)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    parser.add_argument("--jobs", type=int, default=2, help="workers for the parallel run")
    args = parser.parse_args(argv)

    from b12explore import charts, load
    from b12explore.export.render import render_figure

    evidence = load(args.data)
    t0 = time.perf_counter()
    slides = charts.slide_charts(evidence, filters_text="all studies")
    build_s = time.perf_counter() - t0
    render_figure(slides[0].figure, ["png", "svg", "pdf"], dpi=20)  # warm font caches

    serial, parallel = [], []
    for _ in range(max(1, args.repeat)):
        serial.append(_export_once(slides, evidence, 1))
        parallel.append(_export_once(slides, evidence, args.jobs))
    best_serial = min(serial, key=lambda r: r["wall_s"])
    best_parallel = min(parallel, key=lambda r: r["wall_s"])
    result = {
        "benchmark": "export",
        "what": "every slide chart as png+svg+pdf+csv, the pptx deck, bib+ris",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_avg_1min": round(os.getloadavg()[0], 2),
        "charts": len(slides),
        "files": best_parallel["files"],
        "bytes": best_parallel["bytes"],
        "build_charts_s": round(build_s, 3),
        "jobs": args.jobs,
        "export_s": round(best_parallel["wall_s"], 3),
        "export_cpu_s": round(best_parallel["cpu_s"], 3),
        "export_serial_s": round(best_serial["wall_s"], 3),
        "export_serial_cpu_s": round(best_serial["cpu_s"], 3),
        "speedup_parallel_vs_serial": round(best_serial["wall_s"] / best_parallel["wall_s"], 2),
        "export_s_all_runs": [round(r["wall_s"], 3) for r in parallel],
        "export_serial_s_all_runs": [round(r["wall_s"], 3) for r in serial],
        "target_s": TARGET_S,
        "within_target": best_parallel["wall_s"] <= TARGET_S,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
