"""Speed of the living-evidence tools on the shipped data (a temporary copy), as JSON.

* ``keystroke``: the per-field checks the entry form runs on every change
  (``RowForm.field_problems`` over every studies field, all filled);
* ``check``: "Check" (whole-folder validation with the new row on a staged copy);
* ``add``: "Add" (check, then the atomic write with backup);
* ``diff_same``: ``diff(copy, copy)``; ``diff_git``: ``diff("HEAD", copy)`` (``git archive``);
* ``import_refs``: importing a generated RIS file of N made-up references into the copy.

Medians of ``--repeat`` runs (milliseconds). Usage::

    python benchmarks/living.py [--repeat 5] [--refs 300] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from b12explore import EntryForm, diff  # noqa: E402
from b12explore.refs import import_refs  # noqa: E402


def timed(fn, repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "runs": repeat}


def fill(form, i: int) -> None:
    for name, info in form.infos.items():
        if info.kind == "enum" and info.required:
            form.controls[name].value = info.choices[0][1]
        elif info.kind == "boolean" and info.required:
            form.controls[name].value = "false"
    values = {
        "study_id": f"bench{i}",
        "label": f"Bench {i}",
        "year": "2024",
        "title": f"Benchmark row {i}",
        "source_url": "https://example.org/bench",
        "condition": "low back pain",
        "summary": "Benchmark row.",
    }
    for name, value in values.items():
        form.controls[name].value = value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--refs", type=int, default=300)
    parser.add_argument("--out")
    args = parser.parse_args()
    out = {"python": platform.python_version(), "machine": platform.machine()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(shutil.copytree(REPO / "data", Path(tmp) / "data"))
        form = EntryForm(folder)
        fill(form.study, 0)
        out["keystroke"] = timed(form.study.field_problems, args.repeat * 4)
        out["check"] = timed(form.study.check, args.repeat)
        counter = iter(range(1, 10_000))

        def add() -> None:
            form.study.mode.value = ""
            fill(form.study, next(counter))
            assert form.study.submit(), form.study.problems

        out["add"] = timed(add, args.repeat)
        out["diff_same"] = timed(lambda: diff(folder, folder), args.repeat)
        out["diff_git"] = timed(lambda: diff("HEAD", folder), args.repeat)
        ris = "".join(
            f"TY  - JOUR\nAU  - Author{i}, A\nPY  - 2020\nTI  - Made-up reference {i}\n"
            f"DO  - 10.9999/bench.{i}\nER  - \n\n"
            for i in range(args.refs)
        ).encode()
        runs = []
        for r in range(args.repeat):
            target = Path(shutil.copytree(REPO / "data", Path(tmp) / f"refs{r}"))
            start = time.perf_counter()
            report = import_refs(ris, into=target, name="bench.ris")
            runs.append((time.perf_counter() - start) * 1000)
            assert len(report.added) == args.refs
        out["import_refs"] = {
            "references": args.refs,
            "median_ms": round(statistics.median(runs), 1),
            "runs": args.repeat,
        }
    text = json.dumps(out, indent=1)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
