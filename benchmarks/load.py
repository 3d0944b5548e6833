"""Load speed: cold start against ``import pandas``, and ``load()`` at scale against
bare ``pd.read_csv`` of the same files.

Cold start: each sample is a fresh interpreter (``python -c ...``), timed from outside
as wall time; the commands are interleaved in the same run so machine load hits both
alike. Target: ``import b12explore; b12explore.load()`` <= 1.5x ``import pandas``; no
heavy module (matplotlib, ipywidgets, scipy, frictionless, pandera) imported.

Scale (``--scale 1000 10000 100000``): synthetic folders from
``benchmarks/interaction.py``'s ``synthetic_folder`` (temporary, never under ``data/``);
for each size, interleaved: every CSV through bare ``pd.read_csv`` and ``load()`` of the
folder, each in a fresh child process whose peak memory (``ru_maxrss``) is reported.
Target at 100,000 studies: ``load()`` <= 3x ``pd.read_csv`` (medians, same run).

Usage: ``python benchmarks/load.py [--runs N] [--data DIR] [--scale N ...] [--out F]``
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("matplotlib", "ipywidgets", "scipy", "frictionless", "pandera")


def _commands(data: str | None) -> dict[str, str]:
    arg = repr(data) if data else ""
    return {
        "python": "pass",
        "pandas": "import pandas",
        "b12explore": f"import b12explore; b12explore.load({arg})",
    }


def _time(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    return time.perf_counter() - start


def _heavy_modules(data: str | None) -> list[str]:
    arg = repr(data) if data else ""
    code = (
        f"import sys, b12explore; b12explore.load({arg}); "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=REPO, capture_output=True, text=True
    )
    return [m for m in out.stdout.strip().split(",") if m]


CHILD = """
import glob, json, resource, sys, time
what, folder = sys.argv[1], sys.argv[2]
import pandas as pd
from b12explore.io import load
start = time.perf_counter()
if what == "read_csv":
    rows = sum(len(pd.read_csv(p)) for p in sorted(glob.glob(folder + "/*.csv")))
else:
    ev = load(folder)
    rows = len(ev.studies) + len(ev.results)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": round(peak / 1024, 1)}))
"""


def _child(what: str, folder: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, what, str(folder)],
        check=True,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def scale(sizes: list[int], runs: int) -> dict:
    """load() against bare pd.read_csv at each size (medians of ``runs``, interleaved)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    sys.path.insert(0, str(REPO))
    from interaction import synthetic_folder

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            folder = Path(tmp) / f"s{n}"
            folder.mkdir()
            synthetic_folder(folder, n, seed=7)
            size_mb = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1e6
            samples: dict[str, list[dict]] = {"read_csv": [], "load": []}
            for _ in range(runs):
                for what in samples:
                    samples[what].append(_child(what, folder))
            med = {k: statistics.median(s["seconds"] for s in v) for k, v in samples.items()}
            out[str(n)] = {
                "csv_mb": round(size_mb, 1),
                "rows": samples["load"][0]["rows"],
                "median_s": {k: round(v, 3) for k, v in med.items()},
                "ratio_load_to_read_csv": round(med["load"] / med["read_csv"], 2),
                "peak_mb": {k: max(s["peak_mb"] for s in v) for k, v in samples.items()},
            }
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--data", default=None, help="data folder (default: shipped data)")
    parser.add_argument("--scale", type=int, nargs="*", default=None, help="synthetic sizes")
    parser.add_argument("--scale-runs", type=int, default=3)
    parser.add_argument("--out", default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    if args.scale:
        result = {
            "benchmark": "load() vs bare pd.read_csv of the same synthetic files",
            "python": platform.python_version(),
            "runs": args.scale_runs,
            "target_ratio_at_100000": 3.0,
            "sizes": scale(args.scale, args.scale_runs),
        }
        _emit(result, args.out)
        return result
    commands = _commands(args.data)
    for code in commands.values():  # warm the OS file cache once; not counted
        _time(code)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, code in commands.items():
            samples[name].append(_time(code))
    med = {name: statistics.median(v) for name, v in samples.items()}
    result = {
        "benchmark": "cold import + load vs bare pandas import",
        "runs": args.runs,
        "python": platform.python_version(),
        "median_s": {k: round(v, 4) for k, v in med.items()},
        "min_s": {k: round(min(v), 4) for k, v in samples.items()},
        "ratio_b12explore_to_pandas": round(med["b12explore"] / med["pandas"], 3),
        "ratio_above_interpreter": round(
            (med["b12explore"] - med["python"]) / (med["pandas"] - med["python"]), 3
        ),
        "target_ratio": 1.5,
        "heavy_modules_imported": _heavy_modules(args.data),
    }
    _emit(result, args.out)
    return result


def _emit(result: dict, out: str | None) -> None:
    text = json.dumps(result, indent=2)
    print(text)
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
