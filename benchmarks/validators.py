"""The hand-written reader against ``frictionless`` and ``pandera`` on the same files.

Builds a synthetic folder (``benchmarks/interaction.py``'s ``synthetic_folder``, in a
temporary folder) and breaks it the same way for every tool: ``--bad`` cells set to
values of the wrong type, outside a range, not in an enum, not matching a pattern, or
empty where required, plus one row with an unquoted comma. Each tool then runs in a
fresh child process (wall time and peak memory from ``ru_maxrss``):

* ``b12explore``: ``load(folder)`` (reads, types and checks everything);
* ``frictionless``: ``validate("datapackage.json")`` (Table Schema checks only);
* ``pandera``: a ``DataFrameSchema`` built from the same descriptor (types, required,
  enum, minimum/maximum, pattern, unique), validated lazily on ``pd.read_csv(dtype=str)``.

For message quality each tool's first messages are printed as they come, with the count
of reported problems and whether they name the file's physical line. Also the import
cost of each (fresh interpreters, interleaved). Prints JSON.

Usage: ``python benchmarks/validators.py [--studies N] [--bad N] [--runs N] [--out F]``
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

OURS = """
from b12explore.errors import DataValidationError
from b12explore.io import load
try:
    load(FOLDER)
    found = []
except DataValidationError as exc:
    found = [str(p) for p in exc.problems]
"""

FRICTIONLESS = """
import frictionless
report = frictionless.validate(FOLDER + "/datapackage.json")
found = [e["message"] for t in report.to_dict()["tasks"] for e in t["errors"]]
"""

PANDERA = """
import json, pandas as pd
import pandera.pandas as pa
d = json.load(open(FOLDER + "/datapackage.json", encoding="utf-8"))
found = []
for res in d["resources"]:
    cols = {}
    for f in res["schema"]["fields"]:
        c, checks = f.get("constraints", {}), []
        dtype = {"integer": "Int64", "number": "float64", "boolean": "boolean"}.get(
            f.get("type", "string"), "str")
        if "enum" in c: checks.append(pa.Check.isin([str(v) for v in c["enum"]]))
        if "pattern" in c: checks.append(pa.Check.str_matches("(?:" + c["pattern"] + r")\\Z"))
        if "minimum" in c: checks.append(pa.Check.ge(c["minimum"]))
        if "maximum" in c: checks.append(pa.Check.le(c["maximum"]))
        cols[f["name"]] = pa.Column(dtype, checks, nullable=not c.get("required", False),
                                    unique=bool(c.get("unique")), coerce=True, required=False)
    schema = pa.DataFrameSchema(cols)
    try:
        frame = pd.read_csv(FOLDER + "/" + res["path"], dtype=str, keep_default_na=False,
                            na_values=[""])
    except Exception as exc:
        found.append(f"{res['path']}: {type(exc).__name__}: {exc}")
        continue
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        for _, row in exc.failure_cases.iterrows():
            found.append(f"{res['path']}: {row['column']} {row['check']} index={row['index']} "
                         f"value={row['failure_case']!r}")
"""

CHILD = """
import json, resource, sys, time
FOLDER = sys.argv[1]
start = time.perf_counter()
exec(sys.stdin.read())
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "n": len(found), "first": found[:4]}))
"""


def break_folder(folder: Path, bad: int, seed: int) -> list[tuple[str, int, str, str]]:
    """Put ``bad`` wrong cells (and one unquoted comma) into studies.csv; return them."""
    rng = random.Random(seed)
    path = folder / "studies.csv"
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8"), newline="")))
    header = rows[0]
    wrong = {
        "year": "19x9",
        "n_enrolled": "-3",
        "design": "rtc",
        "study_id": "Bad-Id",
        "label": "",
        "other_b_vitamins": "yes",
    }
    made = []
    for _ in range(bad):
        column = rng.choice(list(wrong))
        r = rng.randrange(1, len(rows))
        rows[r][header.index(column)] = wrong[column]
        made.append(("studies.csv", r + 1, column, wrong[column]))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    lines = buf.getvalue().splitlines(keepends=True)
    i = header.index("title")
    cells = next(csv.reader([lines[5]]))
    cells[i] = cells[i] + ", with a comma"
    lines[5] = ",".join(cells) + "\n"  # deliberately unquoted
    path.write_text("".join(lines), encoding="utf-8")
    return made


def _run(code: str, folder: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder)],
        input=code,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout)


def _import_time(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=10_000)
    parser.add_argument("--bad", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    tools = {"b12explore": OURS}
    for name, code in (("frictionless", FRICTIONLESS), ("pandera", PANDERA)):
        if importlib.util.find_spec(name) is not None:
            tools[name] = code
    sys.path.insert(0, str(REPO / "benchmarks"))
    sys.path.insert(0, str(REPO))
    from interaction import synthetic_folder

    result: dict = {"python": platform.python_version(), "studies": args.studies}
    with tempfile.TemporaryDirectory() as tmp:
        folder = synthetic_folder(Path(tmp), args.studies, seed=11)
        made = break_folder(folder, args.bad, seed=5)
        result["injected"] = {"cells": len(made), "unquoted_comma_rows": 1, "first": made[:3]}
        samples: dict[str, list[dict]] = {k: [] for k in tools}
        for _ in range(args.runs):
            for name, code in tools.items():
                samples[name].append(_run(code, folder))
    result["validate"] = {}
    for name, runs in samples.items():
        ok = [r for r in runs if "error" not in r]
        if not ok:
            result["validate"][name] = runs[0]
            continue
        result["validate"][name] = {
            "median_s": round(statistics.median(r["seconds"] for r in ok), 3),
            "peak_mb": round(max(r["peak_mb"] for r in ok), 1),
            "problems_reported": ok[0]["n"],
            "first_messages": ok[0]["first"],
        }
    imports = {"pandas": "import pandas", "b12explore.io": "import pandas, b12explore.io"}
    imports.update({k: f"import pandas, {k}" for k in tools if k != "b12explore"})
    times: dict[str, list[float]] = {k: [] for k in imports}
    for _ in range(args.runs + 2):
        for name, code in imports.items():
            times[name].append(_import_time(code))
    med = {k: statistics.median(v) for k, v in times.items()}
    result["import_extra_over_pandas_s"] = {k: round(v - med["pandas"], 3) for k, v in med.items()}
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
