"""Cold start: ``import b12explore; b12explore.load()`` against a bare ``import pandas``.

Each sample is a fresh interpreter (``python -c ...``), timed from outside as wall time;
the two commands are interleaved in the same run so machine load hits both alike.
Prints JSON: median seconds of each, their ratio (target <= 1.5) and which heavy
modules the cold load imported (must be none of matplotlib, ipywidgets, scipy).

Usage: ``python benchmarks/load.py [--runs N] [--data DIR]``
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
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


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--data", default=None, help="data folder (default: shipped data)")
    args = parser.parse_args(argv)
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
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
