"""Import cost of the validator options, measured in fresh interpreters, interleaved.

Compares ``import pandas`` alone with pandas plus each candidate validator
(frictionless, pandera when installed) and with this package's own reader
(``b12explore.io``, which holds the hand-written checks). Prints JSON (medians in
seconds and the extra cost over bare pandas). Numbers feed docs/design-validation.md.

Usage: ``python benchmarks/validators.py [--runs N]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _time(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    commands = {"pandas": "import pandas", "b12explore.io": "import pandas, b12explore.io"}
    for mod in ("frictionless", "pandera"):
        if importlib.util.find_spec(mod) is not None:
            commands[mod] = f"import pandas, {mod}"
    for code in commands.values():
        _time(code)  # warm the file cache
    samples: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(args.runs):
        for name, code in commands.items():
            samples[name].append(_time(code))
    med = {k: statistics.median(v) for k, v in samples.items()}
    result = {
        "runs": args.runs,
        "median_s": {k: round(v, 4) for k, v in med.items()},
        "extra_over_pandas_s": {k: round(v - med["pandas"], 4) for k, v in med.items()},
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
