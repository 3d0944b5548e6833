"""Scale (issue 16): load, explorer, filtering and export at 1k, 10k and 100k studies.

For each size a synthetic folder (``interaction.synthetic_folder``: studies and results
rows, in a temporary folder, never under ``data/``) is measured in one run:

* **load**: ``load()`` of the folder against bare ``pd.read_csv`` of the same CSV files,
  interleaved, each in a fresh child process (``load.py``'s child code, run through the
  wrapper below for its peak memory); medians of ``--runs`` and their ratio (target at
  100,000 studies: <= 3x).
* **explorer build**: ``Explorer(evidence)`` in this process, the first view drawn.
* **set_filters**: per tab, the same random filter changes (``interaction.random_changes``)
  through ``Explorer.set_filters`` with the chart cache off (``cache_size=0``); the
  samples where the visible view was really redrawn are reported separately (median,
  p95), as the cost that matters (targets: p95 <= 250 ms at 10,000, <= 400 ms at 100,000).
* **export**: ``python -m b12explore export --data FOLDER --out OUT`` in a child of a small
  wrapper process, so that the wrapper's ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is the
  export's own peak memory (the largest of its processes); wall time and bytes written
  (targets at 100,000 studies: <= 30 s, <= 1.5 GB, <= 20 MB).

Prints JSON on stdout (progress on stderr). Usage::

    python benchmarks/scale.py [--sizes 1000 10000 100000] [--runs 3] [--changes 40]
                               [--tab-budget-s 60] [--jobs 2] [--no-explorer]
                               [--no-export] [--out F]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO))

from interaction import (  # noqa: E402
    TAB_INDEX,
    TABS,
    random_changes,
    stats,
    synthetic_folder,
)
from load import CHILD  # noqa: E402

TARGETS = {
    "load_ratio_at_100000": 3.0,
    "set_filters_drawn_p95_ms": {"10000": 250.0, "100000": 400.0},
    "export_at_100000": {"seconds": 30.0, "peak_rss_mb": 1536.0, "output_mb": 20.0},
}

# Runs a command as its own child, so RUSAGE_CHILDREN holds only that command's processes
# (a child forked from this benchmark would start its peak at this process's size).
WRAPPER = r"""
import json, os, resource, subprocess, sys, time
cmd, env = json.loads(sys.argv[1]), dict(os.environ)
env["PYTHONPATH"] = sys.argv[2] + os.pathsep + env.get("PYTHONPATH", "")
start = time.perf_counter()
done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=sys.argv[2])
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_kb": peak, "rc": done.returncode,
                  "stdout": done.stdout[-2000:], "stderr": done.stderr[-2000:]}))
"""


def wrapped(cmd: list[str]) -> dict:
    """Run ``cmd`` in a small wrapper process: wall time, peak memory, output."""
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, json.dumps(cmd), str(REPO)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    result = json.loads(done.stdout)
    if result["rc"] != 0:
        raise RuntimeError(f"{cmd[:4]} failed ({result['rc']}): {result['stderr']}")
    return result


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure_load(folder: Path, runs: int) -> dict:
    """``load()`` against bare ``pd.read_csv`` of the same files, interleaved children."""
    samples: dict[str, list[dict]] = {"read_csv": [], "load": []}
    for _ in range(runs):
        for what in samples:
            run = wrapped([sys.executable, "-c", CHILD, what, str(folder)])
            sample = json.loads(run["stdout"])
            sample["peak_mb"] = round(run["peak_kb"] / 1024, 1)
            samples[what].append(sample)
    med = {k: statistics.median(s["seconds"] for s in v) for k, v in samples.items()}
    return {
        "median_s": {k: round(v, 3) for k, v in med.items()},
        "all_s": {k: [round(s["seconds"], 3) for s in v] for k, v in samples.items()},
        "ratio_load_to_read_csv": round(med["load"] / med["read_csv"], 2),
        "peak_mb": {k: max(s["peak_mb"] for s in v) for k, v in samples.items()},
    }


def measure_tab(explorer, tab: str, changes: list[dict], budget_s: float) -> dict:
    """``set_filters`` times on one tab (from all filters reset, not timed); ``drawn``
    are the calls that redrew the visible view."""
    explorer.set_filters(**{name: None for change in changes for name in change})
    explorer.tabs.selected_index = TAB_INDEX.get(tab, TABS.index(tab))
    explorer.findings_view.value = "forest" if tab == "findings_forest" else "direction"
    times, drawn = [], []
    started = time.perf_counter()
    for change in changes:
        if time.perf_counter() - started > budget_s:
            break
        before = dict(explorer.redraws)
        t0 = time.perf_counter()
        explorer.set_filters(**change)
        ms = (time.perf_counter() - t0) * 1000
        if explorer.message.value:
            raise RuntimeError(f"{tab}: {explorer.message.value}")
        times.append(ms)
        if explorer.redraws != before:
            drawn.append(ms)
    out = {"all": stats(times), "drawn": stats(drawn)}
    if len(times) < len(changes):
        out["truncated"] = f"stopped after {len(times)} of {len(changes)} changes ({budget_s} s)"
    return out


def measure_explorer(folder: Path, n_changes: int, seed: int, budget_s: float) -> dict:
    """Explorer build time, then ``set_filters`` per tab (chart cache off)."""
    from b12explore import load
    from b12explore.widgets import Explorer

    evidence = load(folder)
    t0 = time.perf_counter()
    explorer = Explorer(evidence, cache_size=0)
    build_s = time.perf_counter() - t0
    changes = random_changes(evidence, n_changes, seed)
    tabs = {}
    for tab in TABS:
        tabs[tab] = measure_tab(explorer, tab, changes, budget_s)
        log(f"    {tab}: drawn {tabs[tab]['drawn']}")
    drawn_p95 = [t["drawn"]["p95_ms"] for t in tabs.values() if t["drawn"]["n"]]
    return {
        "explorer_build_s": round(build_s, 3),
        "set_filters": tabs,
        "worst_drawn_p95_ms": max(drawn_p95) if drawn_p95 else None,
    }


def measure_export(folder: Path, out: Path, jobs: int) -> dict:
    """Wall time, peak memory and output size of the CLI export, in a wrapper child."""
    cmd = [sys.executable, "-m", "b12explore", "export", "--data", str(folder)]
    cmd += ["--out", str(out), "--jobs", str(jobs)]
    result = wrapped(cmd)
    files = [p for p in out.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    largest = max(files, key=lambda p: p.stat().st_size)
    return {
        "seconds": round(result["seconds"], 2),
        "peak_rss_mb": round(result["peak_kb"] / 1024, 1),
        "files": len(files),
        "output_mb": round(size / 1e6, 2),
        "largest": [largest.name, round(largest.stat().st_size / 1e6, 2)],
    }


def measure_size(n: int, args: argparse.Namespace, tmp: Path) -> dict:
    folder = tmp / f"s{n}"
    folder.mkdir()
    synthetic_folder(folder, n, seed=args.seed)
    csvs = list(folder.glob("*.csv"))
    out: dict = {
        "csv_mb": round(sum(p.stat().st_size for p in csvs) / 1e6, 1),
        "rows": {p.stem: sum(1 for _ in p.open("rb")) - 1 for p in csvs if p.stat().st_size},
    }
    log(f"{n} studies: load")
    out["load"] = measure_load(folder, args.runs)
    log(f"    {json.dumps(out['load'])}")
    if not args.no_explorer:
        log(f"{n} studies: explorer")
        out.update(measure_explorer(folder, args.changes, args.seed, args.tab_budget_s))
        log(f"    explorer build {out['explorer_build_s']} s")
    if not args.no_export:
        log(f"{n} studies: export")
        out["export"] = measure_export(folder, tmp / f"out{n}", args.jobs)
        log(f"    {json.dumps(out['export'])}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3, help="load/read_csv runs per size")
    parser.add_argument("--changes", type=int, default=40, help="filter changes per tab")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tab-budget-s", type=float, default=60.0)
    parser.add_argument("--jobs", type=int, default=2, help="export worker processes")
    parser.add_argument("--no-explorer", action="store_true", help="skip build and filters")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args(argv)

    import matplotlib
    import pandas as pd

    report: dict = {
        "benchmark": "scale: load vs read_csv, explorer, set_filters, export",
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "matplotlib": matplotlib.__version__,
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "seed": args.seed,
        "changes_per_tab": args.changes,
        "targets": TARGETS,
        "sizes": {},
    }
    with tempfile.TemporaryDirectory(prefix="b12-scale-") as tmp:
        for n in args.sizes:
            report["sizes"][str(n)] = measure_size(n, args, Path(tmp))
    report["load_average_at_end"] = [round(v, 2) for v in os.getloadavg()]
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
