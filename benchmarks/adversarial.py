"""Repeat of the adversarial pass of issue 15 against the current code; prints JSON.

Every attack is one *attempt* with one outcome:

* ``ok`` - a correct result (the input was acceptable);
* ``clear_error`` - refused with a one-line message (a ``ValueError``-like exception, or a
  CLI exit code 1/2/130 without a Python traceback);
* ``traceback`` - an unexpected exception type, or a CLI that printed a traceback;
* ``hang`` - still running at its time limit (in-process: ``SIGALRM``; CLI: killed);
* ``wrong`` - returned, but the result is wrong (bad number, invalid SVG, a broken input
  accepted, an orphan process, stale temporary files, ...).

Two more figures: ``files_outside_target`` (files created or changed outside the export
folder, the data folder included) and ``data_lost`` (a failed overwrite that changed the
previous export). Each attack names the helper area it belongs to (``hardening``,
``validation``, ``export``), so a failure can be routed.

Usage: ``python benchmarks/adversarial.py [--random N] [--quick] [--out FILE]``
(``--quick`` skips the slow CLI export attacks). Run from the repository root with the
package importable (``PYTHONPATH=.``). Takes a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from adversarial_cli import export_attacks, validation_attacks
from adversarial_core import REPO, RESULTS, attempt, record

# --------------------------------------------------------------------------- meta


def meta_attacks(n_random: int, seed: int = 15) -> dict:
    import numpy as np
    import pandas as pd

    from b12explore import meta

    hang_y = [-0.04402276569396877, -0.26967540082607644]
    hang_v = [847.422980337516, 5.007427212836969e-08]

    def sane(yi):
        def check(res):
            lo, hi = min(yi), max(yi)
            span = 1e-9 * (1 + max(abs(lo), abs(hi)))
            if not (res.tau2 >= 0 and math.isfinite(res.tau2)):
                return f"tau2 = {res.tau2}"
            if not (lo - span <= res.estimate <= hi + span):
                return f"estimate {res.estimate} outside [{lo}, {hi}]"
            if not (math.isfinite(res.se) and res.se > 0 and 0 <= res.i2 <= 100):
                return f"se = {res.se}, i2 = {res.i2}"
            if not abs(math.fsum(res.weights) - 100) < 1e-6:
                return f"weights sum to {math.fsum(res.weights)}"
            return True

        return check

    for method in meta.METHODS:
        attempt(
            "hardening",
            f"pool issue-15 input {method}",
            lambda m=method: meta.pool(hang_y, hang_v, method=m),
            check=sane(hang_y),
        )
    # extreme variance ratios: every estimator ends in bounded steps (result or a clear
    # ConvergenceError), whatever maxiter allows
    extreme = {
        "ratio 1e600": ([0.1, -0.1], [1e-300, 1e300]),
        "ratio 1e616": ([0.3, -0.2], [1e-308, 1e308]),
        "4 tiny + 1 huge": ([0.1, 0.5, -0.3, 0.2, 0.9], [1e-12] * 4 + [1e12]),
        "50 alternating 1e-10/1e10": (
            [((-1) ** i) * 0.01 * i for i in range(50)],
            [1e-10 if i % 2 else 1e10 for i in range(50)],
        ),
    }
    for label, (ys, vs) in extreme.items():
        for method in meta.METHODS:
            for maxiter in (1, 100_000):
                attempt(
                    "hardening",
                    f"pool {label} {method} maxiter={maxiter}",
                    lambda y=ys, v=vs, m=method, n=maxiter: meta.pool(y, v, method=m, maxiter=n),
                    check=sane(ys),
                )
    bad_calls = {
        "pool tol=0": lambda: meta.pool([0.1, 0.2], [0.1, 0.1], tol=0),
        "pool tol=nan": lambda: meta.pool([0.1, 0.2], [0.1, 0.1], tol=float("nan")),
        "pool maxiter=0": lambda: meta.pool([0.1, 0.2], [0.1, 0.1], maxiter=0),
        "pool maxiter=10**12": lambda: meta.pool([0.1, 0.2], [0.1, 0.1], maxiter=10**12),
        "pool level='0.95'": lambda: meta.pool([0.1, 0.2], [0.1, 0.1], level="0.95"),
        "pool level=True": lambda: meta.pool([0.1, 0.2], [0.1, 0.1], level=True),
        "pool level=1.5": lambda: meta.pool([0.1, 0.2], [0.1, 0.1], level=1.5),
        "pool 2-D yi": lambda: meta.pool([[0.1, 0.2], [0.3, 0.4]], [0.1] * 4),
        "pool bool yi": lambda: meta.pool([True, False], [0.1, 0.1]),
        "pool bool vi": lambda: meta.pool([0.1, 0.2], np.array([True, True])),
        "pool text yi": lambda: meta.pool(["a", "b"], [0.1, 0.1]),
        "pool complex yi": lambda: meta.pool([1j, 0.1], [0.1, 0.1]),
        "pool None yi": lambda: meta.pool(None, [0.1]),
        "pool nan vi": lambda: meta.pool([0.1, 0.2], [0.1, float("nan")]),
        "pool inf yi": lambda: meta.pool([0.1, float("inf")], [0.1, 0.1]),
        "pool vi=0": lambda: meta.pool([0.1, 0.2], [0.1, 0.0]),
        "pool subnormal vi": lambda: meta.pool([0.1, 0.2], [5e-324, 0.1]),
        "pool yi 1e300": lambda: meta.pool([1e300, -1e300], [1.0, 1.0]),
        "pool empty": lambda: meta.pool([], []),
        "pool unequal": lambda: meta.pool([0.1], [0.1, 0.2]),
        "pool method=['REML']": lambda: meta.pool([0.1, 0.2], [0.1, 0.1], method=["REML"]),
        "leave_one_out level='x'": lambda: meta.leave_one_out([0.1, 0.2], [0.1, 0.1], level="x"),
        "subgroups level=2": lambda: meta.subgroups([0.1, 0.2], [0.1, 0.1], ["a", "b"], level=2),
    }
    for name, fn in bad_calls.items():
        attempt("hardening", name, fn, expect_error=True)

    def cont(**kw):
        row = {"n1": 10, "mean1": 5.0, "sd1": 2.0, "n2": 12, "mean2": 4.0, "sd2": 3.0}
        row.update(kw)
        return pd.DataFrame([row])

    def binary(**kw):
        row = {"events1": 0, "n1": 20, "events2": 3, "n2": 20}
        row.update(kw)
        return pd.DataFrame([row])

    ci = pd.DataFrame({"estimate": [0.8], "ci_low": [0.6], "ci_high": [1.1]})
    es_bad = {
        "effect_sizes mean1=inf": lambda: meta.effect_sizes(cont(mean1=math.inf), "MD"),
        "effect_sizes sd2=inf": lambda: meta.effect_sizes(cont(sd2=math.inf), "SMD"),
        "effect_sizes n1=inf": lambda: meta.effect_sizes(cont(n1=math.inf), "MD"),
        "effect_sizes means +-1e308": lambda: meta.effect_sizes(
            cont(mean1=1e308, mean2=-1e308), "MD"
        ),
        "effect_sizes events=inf": lambda: meta.effect_sizes(binary(n1=math.inf), "OR"),
        "effect_sizes add=0": lambda: meta.effect_sizes(binary(), "OR", add=0),
        "effect_sizes add=-1": lambda: meta.effect_sizes(binary(), "OR", add=-1),
        "effect_sizes add=nan": lambda: meta.effect_sizes(binary(), "RR", add=math.nan),
        "effect_sizes SMD n1+n2=3": lambda: meta.effect_sizes(cont(n1=1, n2=2, sd1=0.0), "SMD"),
        "effect_sizes measure=XX": lambda: meta.effect_sizes(cont(), "XX"),
        "effect_sizes n1=2.5": lambda: meta.effect_sizes(cont(n1=2.5), "MD"),
        "effect_sizes events1=0.5": lambda: meta.effect_sizes(binary(events1=0.5), "OR"),
        "from_ci level=0": lambda: meta.from_ci(ci, level=0),
        "from_ci level=1": lambda: meta.from_ci(ci, level=1),
        "from_ci level=2": lambda: meta.from_ci(ci, level=2),
        "from_ci scale=logit": lambda: meta.from_ci(ci, scale="logit"),
        "from_ci ci_low=-inf": lambda: meta.from_ci(ci.assign(ci_low=-math.inf)),
    }
    for name, fn in es_bad.items():
        attempt("hardening", name, fn, expect_error=True)

    counts = _random_pool(meta, sane, n_random, seed, 12)
    # the whole double range too (a ratio of 1e600 once divided by zero)
    counts["wide_range_1e-300_to_1e300"] = _random_pool(meta, sane, n_random // 3, seed, 300)
    return counts


def _random_pool(meta, sane, n_random: int, seed: int, decades: float) -> dict:
    """Pool ``n_random`` random inputs, variances from 1e-decades to 1e+decades."""
    import numpy as np

    rng = np.random.default_rng(seed)
    counts = {"attempts": 0, "ok": 0, "clear_error": 0, "traceback": 0, "hang": 0, "wrong": 0}
    first_bad: list[str] = []
    for i in range(n_random):
        k = int(rng.integers(2, 6))
        yi = rng.uniform(-1, 1, k).tolist()
        vi = (10.0 ** rng.uniform(-decades, decades, k)).tolist()
        method = meta.METHODS[i % 4]
        before = len(RESULTS)
        attempt(
            "hardening",
            "random",
            lambda y=yi, v=vi, m=method: meta.pool(y, v, method=m),
            check=sane(yi),
        )
        res = RESULTS.pop()
        assert len(RESULTS) == before
        counts["attempts"] += 1
        counts[res["outcome"]] += 1
        if res["outcome"] in ("traceback", "hang", "wrong") and len(first_bad) < 5:
            first_bad.append(f"{method} yi={yi} vi={vi}: {res['detail']}")
    counts["examples_of_failures"] = first_bad
    return counts


# --------------------------------------------------------------------------- text, sums

NASTY = [
    "Costs $5 and $10",
    r"$\foo$ trial",
    r"Root $\sqrt{$\sqrt{x}$}$ study",
    "Ctrl\x01\x0b\x1b[31m\x00 title",
    "a_b^c {x} #1 & <b>",
    "lone \ud800 surrogate",
]


def text_attacks() -> None:
    import importlib

    from b12explore import charts, load

    try:
        render_figure = importlib.import_module("b12explore.export.render").render_figure
    except ImportError:
        render_figure = importlib.import_module("b12explore.render").render_figure
    ev = load()
    s, r = ev.studies, ev.results
    for col, off in (("label", 0), ("first_author", 1), ("title", 2)):
        s[col] = [f"{NASTY[(i + off) % len(NASTY)]} {i}" for i in range(len(s))]
    r["outcome_label"] = [f"{NASTY[i % len(NASTY)]} {i}" for i in range(len(r))]

    built: list = []
    attempt(
        "hardening",
        "slide_charts with nasty labels",
        lambda: built.extend(charts.slide_charts(ev)) or len(built),
    )
    for chart in built:

        def render(c=chart):
            return render_figure(c.figure, ["svg", "png", "pdf"], dpi=30, caption=NASTY[0])

        def check(out, c=chart):
            try:
                root = ET.fromstring(out["svg"])
            except ET.ParseError as exc:
                return f"SVG is not XML: {exc}"
            texts = "".join("".join(e.itertext()) for e in root.iter() if e.tag.endswith("text"))
            if NASTY[0] not in texts:
                return "literal '$' caption missing from the SVG"
            return True

        attempt("hardening", f"render {chart.name} (nasty labels)", render, check=check)


def sum_attacks(tmp: Path) -> None:
    sys.path.insert(0, str(REPO / "tests"))
    import pandas as pd
    from evidence_factory import study, write_evidence

    from b12explore import load, summaries

    big = 2**62
    codes = {"allocation": "randomised", "comparison": "b12_vs_placebo"}
    rows = [study(s, y, n_enrolled=big, **codes) for s, y in (("a2001", 2001), ("b2002", 2002))]
    write_evidence(tmp / "bigdata", rows)  # for the CLI: validation should refuse it
    small = [study(s, y, n_enrolled=10, **codes) for s, y in (("a2001", 2001), ("b2002", 2002))]
    ev = load(write_evidence(tmp / "smalldata", small))
    ev.studies["n_enrolled"] = pd.array([big, big], dtype="Int64")  # past validation
    right = 2 * big
    attempt(
        "hardening",
        "totals_by with 2 x 2**62",
        lambda: summaries.totals_by(ev.studies, by="route")["participants"].tolist(),
        check=lambda v: v == [right] or f"got {v}",
    )
    attempt(
        "hardening",
        "route_form_counts with 2 x 2**62",
        lambda: summaries.route_form_counts(ev.studies)["participants"].tolist(),
        check=lambda v: v == [right] or f"got {v}",
    )

    def status():
        from b12explore.widgets import table

        return table._status_text(ev, 2)

    attempt(
        "hardening",
        "status line with 2 x 2**62",
        status,
        check=lambda t: f"{right:,}" in t or f"got {t!r}",
    )
    return tmp / "bigdata"


# --------------------------------------------------------------------------- main


def summary(random_counts: dict | None, safety: dict) -> dict:
    outcomes = ("ok", "clear_error", "traceback", "hang", "wrong")
    total = {o: sum(r["outcome"] == o for r in RESULTS) for o in outcomes}
    by_area = {}
    for area in sorted({r["area"] for r in RESULTS}):
        rows = [r for r in RESULTS if r["area"] == area]
        by_area[area] = {o: sum(r["outcome"] == o for r in rows) for o in outcomes}
        by_area[area]["attempts"] = len(rows)
    failing = [r for r in RESULTS if r["outcome"] in ("traceback", "hang", "wrong")]
    return {
        "attempts": len(RESULTS),
        **{f"{k}": v for k, v in total.items()},
        **safety,
        "by_area": by_area,
        "random_pool": random_counts,
        "still_failing": failing,
        "python": platform.python_version(),
    }


def _section(area, name, fn, *args):
    """Run one group of attacks; a crash of the group itself is recorded, not fatal."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001
        import traceback

        tail = traceback.format_exc().strip().splitlines()[-1]
        record(area, f"{name} (set-up)", "traceback", f"{type(exc).__name__}: {tail}")
        return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=3000, help="random pool inputs")
    parser.add_argument("--quick", action="store_true", help="skip the CLI export attacks")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="b12-adversarial-") as name:
        tmp = Path(name)
        random_counts = _section("hardening", "meta attacks", meta_attacks, args.random)
        _section("hardening", "text attacks", text_attacks)
        big = _section("hardening", "sum attacks", sum_attacks, tmp)
        _section("validation", "validation attacks", validation_attacks, tmp)
        safety = {"files_outside_target": 0, "data_lost": 0}
        if not args.quick:
            safety = _section("export", "export attacks", export_attacks, tmp, big) or safety
    report = summary(random_counts, safety)
    report["seconds"] = round(time.perf_counter() - t0, 1)
    text = json.dumps(report, indent=1, default=str)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
