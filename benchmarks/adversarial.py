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
import contextlib
import hashlib
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
PY = sys.executable
CLEAR_TYPES = (ValueError, LookupError, FileExistsError, FileNotFoundError, NotADirectoryError)
RESULTS: list[dict] = []


class _Hang(Exception):
    pass


@contextlib.contextmanager
def _limit(seconds: float):
    def alarm(signum, frame):
        raise _Hang

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def record(area: str, name: str, outcome: str, detail: str = "", **extra) -> None:
    RESULTS.append({"area": area, "name": name, "outcome": outcome, "detail": detail[:300]})
    RESULTS[-1].update(extra)


def attempt(area, name, fn, *, expect_error=False, check=None, limit=30.0, clear=CLEAR_TYPES):
    """Run ``fn()`` in-process; classify. ``expect_error``: returning at all is wrong."""
    try:
        with _limit(limit):
            value = fn()
    except _Hang:
        return record(area, name, "hang", f"> {limit} s")
    except Exception as exc:  # noqa: BLE001 - classifying is the point
        from b12explore import meta

        ok_types = (*clear, meta.ConvergenceError)
        msg = str(exc)
        if isinstance(exc, ok_types) and msg and "\n  File " not in msg:
            return record(area, name, "clear_error", f"{type(exc).__name__}: {msg}")
        return record(area, name, "traceback", f"{type(exc).__name__}: {msg}")
    if expect_error:
        return record(area, name, "wrong", f"accepted, returned {value!r}"[:300])
    if check is not None:
        verdict = check(value)
        if verdict is not True:
            return record(area, name, "wrong", str(verdict))
    return record(area, name, "ok")


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
            return True

        return check

    for method in meta.METHODS:
        attempt(
            "hardening",
            f"pool issue-15 input {method}",
            lambda m=method: meta.pool(hang_y, hang_v, method=m),
            check=sane(hang_y),
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
        "from_ci level=0": lambda: meta.from_ci(ci, level=0),
        "from_ci level=1": lambda: meta.from_ci(ci, level=1),
        "from_ci level=2": lambda: meta.from_ci(ci, level=2),
        "from_ci scale=logit": lambda: meta.from_ci(ci, scale="logit"),
        "from_ci ci_low=-inf": lambda: meta.from_ci(ci.assign(ci_low=-math.inf)),
    }
    for name, fn in es_bad.items():
        attempt("hardening", name, fn, expect_error=True)

    rng = np.random.default_rng(seed)
    counts = {"attempts": 0, "ok": 0, "clear_error": 0, "traceback": 0, "hang": 0, "wrong": 0}
    first_bad: list[str] = []
    for i in range(n_random):
        k = int(rng.integers(2, 6))
        yi = rng.uniform(-1, 1, k).tolist()
        vi = (10.0 ** rng.uniform(-12, 12, k)).tolist()
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
    from evidence_factory import study, write_evidence

    from b12explore import load, summaries

    big = 2**62
    rows = [study("a2001", 2001, n_enrolled=big), study("b2002", 2002, n_enrolled=big)]
    ev = load(write_evidence(tmp / "bigdata", rows))
    right = 2 * big
    attempt(
        "hardening",
        "totals_by with 2 x 2**62",
        lambda: summaries.totals_by(ev.studies, "route")["participants"].tolist(),
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


# --------------------------------------------------------------------------- CLI helpers


def cli(args, *, timeout=120.0, env=None):
    """Run ``python -m b12explore ARGS``: (rc or None on hang, stdout, stderr)."""
    full_env = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    try:
        proc = subprocess.run(
            [PY, "-m", "b12explore", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=full_env,
            cwd=str(REPO),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        return (
            None,
            (exc.stdout or b"").decode(errors="replace")
            if isinstance(exc.stdout, bytes)
            else (exc.stdout or ""),
            "",
        )
    return proc.returncode, proc.stdout, proc.stderr


def classify_cli(area, name, rc, out, err, *, must_fail=True, max_lines=200):
    text = out + err
    if rc is None:
        return record(area, name, "hang", "killed at the time limit")
    if "Traceback (most recent call last)" in text:
        last = [ln for ln in text.strip().splitlines() if ln.strip()][-1:]
        return record(area, name, "traceback", f"rc={rc} {last}")
    if len(text.splitlines()) > max_lines:
        return record(area, name, "wrong", f"{len(text.splitlines())} lines of output")
    if must_fail and rc == 0:
        return record(area, name, "wrong", f"accepted (rc=0): {text.strip()[-200:]}")
    if rc == 0:
        return record(area, name, "ok")
    return record(area, name, "clear_error", f"rc={rc}: {text.strip()[-200:]}")


def tree_digest(root: Path, skip: Path | None = None) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        if skip is not None and (path == skip or skip in path.parents):
            continue
        if path.is_symlink() or not path.is_file():
            out[str(path)] = "link" if path.is_symlink() else "dir"
            continue
        out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


# --------------------------------------------------------------------------- validation


def _data_copy(tmp: Path, name: str) -> Path:
    folder = tmp / "validate" / name
    shutil.copytree(DATA, folder)
    return folder


def _edit_descriptor(folder: Path, edit) -> None:
    path = folder / "datapackage.json"
    desc = json.loads(path.read_text(encoding="utf-8"))
    edit(desc)
    path.write_text(json.dumps(desc), encoding="utf-8")


def _res(desc, name):
    return next(r for r in desc["resources"] if r["name"] == name)


def _field(desc, res, name):
    return next(f for f in _res(desc, res)["schema"]["fields"] if f["name"] == name)


def _deep(desc):
    node: dict = {}
    desc["x-deep"] = node
    for _ in range(5000):
        node["a"] = {}
        node = node["a"]


def validation_attacks(tmp: Path) -> None:
    """``python -m b12explore validate`` on broken folders: each must be refused clearly."""
    edits = {
        "primaryKey: 5": lambda d: _res(d, "studies")["schema"].__setitem__("primaryKey", 5),
        "foreignKeys: 'x'": lambda d: _res(d, "results")["schema"].__setitem__("foreignKeys", "x"),
        "foreignKeys: ['x']": lambda d: _res(d, "results")["schema"].__setitem__(
            "foreignKeys", ["x"]
        ),
        "foreignKey reference 'x'": lambda d: _res(d, "results")["schema"].__setitem__(
            "foreignKeys", [{"fields": "study_id", "reference": "x"}]
        ),
        "foreignKey to unknown table": lambda d: _res(d, "results")["schema"].__setitem__(
            "foreignKeys",
            [{"fields": "study_id", "reference": {"resource": "nope", "fields": "study_id"}}],
        ),
        "missingValues: 3": lambda d: _res(d, "studies")["schema"].__setitem__("missingValues", 3),
        "trueValues: 3": lambda d: _field(d, "studies", "in_article").__setitem__("trueValues", 3),
        "dialect delimiter ''": lambda d: _res(d, "studies").__setitem__(
            "dialect", {"delimiter": ""}
        ),
        "dialect delimiter ';;'": lambda d: _res(d, "studies").__setitem__(
            "dialect", {"delimiter": ";;"}
        ),
        "dialect: 'x'": lambda d: _res(d, "studies").__setitem__("dialect", "x"),
        "duplicate enum values": lambda d: (
            _field(d, "studies", "route")
            .setdefault("constraints", {})
            .__setitem__("enum", ["oral", "oral"])
        ),
        "very deep nesting": _deep,
        "no results resource": lambda d: d["resources"].remove(_res(d, "results")),
        "n_enrolled typed string": lambda d: _field(d, "studies", "n_enrolled").update(
            type="string", constraints={}
        ),
        "duplicate field names": lambda d: _res(d, "studies")["schema"]["fields"].append(
            dict(_field(d, "studies", "year"))
        ),
        "resource path '..'": lambda d: _res(d, "claims").__setitem__("path", ".."),
        "resource path ''": lambda d: _res(d, "claims").__setitem__("path", ""),
        "pattern (a+)+b": lambda d: (
            _field(d, "studies", "label")
            .setdefault("constraints", {})
            .__setitem__("pattern", "(a+)+b")
        ),
    }
    for name, edit in edits.items():
        folder = _data_copy(tmp, name.replace("/", "_").replace("'", "").replace(" ", "_"))
        try:
            _edit_descriptor(folder, edit)
        except (KeyError, StopIteration, ValueError) as exc:
            record("validation", name, "traceback", f"attack set-up failed: {exc!r}")
            continue
        if name == "pattern (a+)+b":
            csv = folder / "studies.csv"
            lines = csv.read_text(encoding="utf-8").splitlines()
            head, first = lines[0].split(","), lines[1].split(",")
            first[head.index("label")] = "a" * 32
            lines[1] = ",".join(first)
            csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
        rc, out, err = cli(["validate", str(folder)], timeout=60)
        classify_cli("validation", f"validate: {name}", rc, out, err)

    # files that are not regular files
    specials = {
        "studies.csv -> /dev/zero": lambda f: (
            (f / "studies.csv").unlink() or (f / "studies.csv").symlink_to("/dev/zero")
        ),
        "datapackage.json -> /dev/zero": lambda f: (
            (f / "datapackage.json").unlink() or (f / "datapackage.json").symlink_to("/dev/zero")
        ),
        "studies.csv is a FIFO": lambda f: (
            (f / "studies.csv").unlink() or os.mkfifo(f / "studies.csv")
        ),
        "results.csv dangling symlink": lambda f: (
            (f / "results.csv").unlink() or (f / "results.csv").symlink_to(f / "missing.csv")
        ),
        "results.csv symlink loop": lambda f: (
            (f / "results.csv").unlink() or (f / "results.csv").symlink_to(f / "results.csv")
        ),
        "studies.csv -> /etc/passwd": lambda f: (
            (f / "studies.csv").unlink() or (f / "studies.csv").symlink_to("/etc/passwd")
        ),
    }
    for name, make in specials.items():
        folder = _data_copy(tmp, name.split()[0] + str(abs(hash(name)) % 1000))
        make(folder)
        rc, out, err = cli(["validate", str(folder)], timeout=30)
        classify_cli("validation", f"validate: {name}", rc, out, err)
        if "root:x:0:0" in out + err:
            record("validation", f"{name}: content echoed", "wrong", "file content in message")

    # 20,000 unknown columns: the warnings must be capped
    folder = _data_copy(tmp, "many_columns")
    csv = folder / "mechanisms.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    extra = [f"x{i}" for i in range(20_000)]
    lines = [lines[0] + "," + ",".join(extra)] + [ln + "," * len(extra) for ln in lines[1:]]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rc, out, err = cli(["validate", str(folder)], timeout=120)
    classify_cli(
        "validation",
        "validate: 20,000 unknown columns",
        rc,
        out,
        err,
        must_fail=False,
        max_lines=300,
    )


# --------------------------------------------------------------------------- export


def _parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".part" in p.name or ".tmp" in p.name)


def export_attacks(tmp: Path, big_data: Path) -> dict:
    """``python -m b12explore export`` attacks; returns the file-safety figures."""
    import psutil

    box = tmp / "box"  # everything an export may touch lives here
    box.mkdir()
    data_before = tree_digest(DATA)
    safety = {"files_outside_target": 0, "data_lost": 0}
    fast = ["--format", "png,svg", "--dpi", "30", "--jobs", "1"]

    def run(name, args, target, *, must_fail=True, timeout=300, area="export"):
        before = tree_digest(box, skip=target)
        rc, out, err = cli(["export", *args], timeout=timeout)
        classify_cli(area, f"export: {name}", rc, out, err, must_fail=must_fail)
        after = tree_digest(box, skip=target)
        changed = [p for p in set(before) | set(after) if before.get(p) != after.get(p)]
        if changed:
            safety["files_outside_target"] += len(changed)
            record(area, f"export: {name}: outside target", "wrong", ", ".join(changed[:5]))
        return rc

    run("--dpi 0", ["--out", str(box / "dpi0"), "--dpi", "0"], box / "dpi0")
    run("--dpi -5", ["--out", str(box / "dpim5"), "--dpi", "-5"], box / "dpim5")
    run("--jobs -1", ["--out", str(box / "jobs"), *fast[:4], "--jobs", "-1"], box / "jobs")
    run("--format exe", ["--out", str(box / "fmt"), "--format", "exe"], box / "fmt")
    run("--out ''", ["--out", "", *fast], box / "none")
    (box / "a-file").write_text("keep me", encoding="utf-8")
    run("--out names a file", ["--out", str(box / "a-file"), *fast], box / "none")
    run(
        "--out ../ traversal",
        ["--out", str(box / "t" / ".." / ".." / "escape"), *fast],
        box / "none",
        must_fail=False,
    )
    run("--data missing", ["--out", str(box / "m"), "--data", str(box / "nope"), *fast], box / "m")

    clean = box / "clean"
    run("clean export", ["--out", str(clean), *fast], clean, must_fail=False)
    names = sorted(p.name for p in clean.iterdir()) if clean.exists() else []
    run("existing target, no --overwrite", ["--out", str(clean), *fast], clean)
    if tree_digest(clean) != tree_digest(clean):  # pragma: no cover - sanity
        safety["data_lost"] += 1

    # a planted symlink at a target name must be refused, never followed
    planted = box / "planted"
    planted.mkdir()
    victim = box / "victim.txt"
    victim.write_text("victim", encoding="utf-8")
    if names:
        png = next((n for n in names if n.endswith(".png")), names[0])
        (planted / png).symlink_to(victim)
        run(
            "planted symlink, --overwrite",
            ["--out", str(planted), *fast, "--overwrite"],
            planted,
            must_fail=False,
        )
        if victim.read_text(encoding="utf-8") != "victim":
            record("export", "planted symlink followed", "wrong", "victim overwritten")

    # a failed --overwrite must leave the previous export intact (all or nothing)
    if names:
        mixed = box / "mixed"
        shutil.copytree(clean, mixed)
        blocker = sorted(n for n in names if n.endswith(".svg"))[-1]
        (mixed / blocker).unlink()
        (mixed / blocker).mkdir()
        (mixed / blocker / "x").write_text("x", encoding="utf-8")
        before = tree_digest(mixed)
        run(
            "overwrite with one target blocked",
            ["--out", str(mixed), *fast, "--overwrite", "--route", "oral"],
            mixed,
        )
        after = tree_digest(mixed)
        lost = [p for p in before if before[p] != after.get(p)]
        if lost:
            safety["data_lost"] += 1
            record(
                "export",
                "failed overwrite changed the old export",
                "wrong",
                f"{len(lost)} of {len(before)} files changed",
            )

    # kill -9 during the write phase, then recover with --overwrite
    killed = box / "killed"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [PY, "-m", "b12explore", "export", "--out", str(killed), *fast],
        env=env,
        cwd=str(REPO),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if killed.exists() and any(killed.iterdir()):
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    run(
        "re-run after kill -9 with --overwrite",
        ["--out", str(killed), *fast, "--overwrite"],
        killed,
        must_fail=False,
    )
    stale = _parts(killed) if killed.exists() else []
    got = sorted(p.name for p in killed.iterdir()) if killed.exists() else []
    if stale or (names and got != names):
        record(
            "export",
            "recovery after kill -9",
            "wrong",
            f"stale temp files {stale[:3]}; {len(got)} files vs {len(names)}",
        )
    else:
        record("export", "recovery after kill -9", "ok")

    # Ctrl-C: exit 130, one line, no traceback
    proc = subprocess.Popen(
        [PY, "-m", "b12explore", "export", "--out", str(box / "int"), *fast],
        env=env,
        cwd=str(REPO),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3.0)
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        rc = None
    classify_cli("export", "export: Ctrl-C", rc, out, err)
    if rc not in (None, 130, -2) and "Traceback" not in out + err:
        record("export", "export: Ctrl-C exit code", "wrong", f"rc={rc}, expected 130")

    # workers must die with their parent
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "b12explore",
            "export",
            "--out",
            str(box / "jobs2"),
            "--format",
            "png,svg",
            "--dpi",
            "60",
            "--jobs",
            "2",
        ],
        env=env,
        cwd=str(REPO),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    parent = psutil.Process(proc.pid)
    children: list = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None and not children:
        children = parent.children(recursive=True)
        time.sleep(0.1)
    proc.kill()
    proc.wait()
    time.sleep(5)
    alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    if not children:
        record("export", "workers die with the parent", "ok", "no worker seen (export ended)")
    elif alive:
        record("export", "workers die with the parent", "wrong", f"{len(alive)} orphans")
        for c in alive:
            with contextlib.suppress(psutil.Error):
                c.kill()
    else:
        record("export", "workers die with the parent", "ok", f"{len(children)} workers ended")

    # huge participant totals through the real CLI
    run(
        "export with 2 x 2**62 participants",
        ["--out", str(box / "big"), "--data", str(big_data), *fast],
        box / "big",
        must_fail=False,
        area="hardening",
    )

    if tree_digest(DATA) != data_before:
        safety["files_outside_target"] += 1
        record("export", "data folder changed", "wrong")
    return safety


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
        random_counts = meta_attacks(args.random)
        text_attacks()
        big = sum_attacks(tmp)
        validation_attacks(tmp)
        safety = {"files_outside_target": 0, "data_lost": 0}
        if not args.quick:
            safety = export_attacks(tmp, big)
    report = summary(random_counts, safety)
    report["seconds"] = round(time.perf_counter() - t0, 1)
    text = json.dumps(report, indent=1, default=str)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
