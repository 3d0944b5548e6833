"""Wall time to export every slide chart (PNG, SVG, PDF, CSV) plus the deck and citations.

Run: ``.venv/bin/python benchmarks/export.py [--data DIR] [--repeat N] [--jobs N]``;
prints JSON. ``--studies N`` instead measures the whole export (load, charts, files,
deck, citations) of a synthetic folder of N studies (``interaction.synthetic_folder``)
in a child process: wall time per phase, peak memory, files and bytes written.
Targets at 100,000 studies: <= 30 s for charts + deck + files, <= 1.5 GB, <= 20 MB.
Target: the whole export of the shipped data (charts already built) in
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
    from b12explore.export.story import closing_slide, title_slide

    with tempfile.TemporaryDirectory() as out:
        folder = Path(out)
        wall, cpu = time.perf_counter(), _cpu()
        files = export_charts(
            slides,
            folder,
            deck=folder / "b12explore-slides",
            evidence=evidence,
            jobs=jobs,
            opening=[title_slide(evidence)],
            closing=[closing_slide(evidence)],
        )
        files += export_citations(evidence, folder / "citations")
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
        size = sum(os.path.getsize(f) for f in files)
    return {"wall_s": wall, "cpu_s": cpu, "files": len(files), "bytes": size}


SCALE_CHILD = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[4])
from b12explore import load
from b12explore.export.registry import slide_charts
from b12explore.export.view import export_view
t0 = time.perf_counter(); ev = load(sys.argv[1]); t1 = time.perf_counter()
charts = slide_charts(ev); t2 = time.perf_counter()
files = export_view(ev, sys.argv[2], charts=charts, jobs=int(sys.argv[3]))
t3 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "charts_s": t2 - t1, "export_s": t3 - t2,
                  "files": len(files), "bytes": sum(os.path.getsize(f) for f in files),
                  "largest": max((os.path.getsize(f), f.name) for f in files)}))
"""


def scale(n: int, jobs: int) -> dict:
    """The whole export of an ``n``-study synthetic folder, in a child process."""
    import subprocess

    from interaction import synthetic_folder

    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        data = synthetic_folder(Path(tmp), n, seed=1)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        wall = time.perf_counter()
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                SCALE_CHILD,
                str(data),
                str(Path(tmp) / "out"),
                str(jobs),
                str(root),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - wall
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    phases = json.loads(out.stdout.strip().splitlines()[-1])
    charts_and_export = phases["charts_s"] + phases["export_s"]
    return {
        "benchmark": "export-scale",
        "studies": n,
        "jobs": jobs,
        "cpus": os.cpu_count(),
        "load_avg_1min": round(os.getloadavg()[0], 2),
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in phases.items()},
        "charts_plus_export_s": round(charts_and_export, 3),
        "child_wall_s": round(wall, 3),
        "peak_rss_mb": round(max(peak_kb, before) / 1024, 1),
        "output_mb": round(phases["bytes"] / 1e6, 2),
        "targets": {"charts_plus_export_s": 30, "peak_rss_mb": 1536, "output_mb": 20},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="data folder (default: shipped data)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    parser.add_argument("--jobs", type=int, default=2, help="workers for the parallel run")
    parser.add_argument("--studies", type=int, default=0, help="synthetic folder of N studies")
    args = parser.parse_args(argv)
    if args.studies:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        print(json.dumps(scale(args.studies, args.jobs), indent=2))
        return 0

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
