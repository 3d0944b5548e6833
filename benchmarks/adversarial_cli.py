"""Adversarial pass, CLI part: ``validate`` on broken folders and ``export`` attacks.

Run through ``benchmarks/adversarial.py``; see its docstring for the outcomes.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

from adversarial_core import DATA, PY, REPO, classify_cli, cli, record, tree_digest

# --------------------------------------------------------------------------- validation


def _data_copy(tmp: Path, name: str) -> Path:
    folder = tmp / "validate" / name
    shutil.copytree(DATA, folder)
    return folder


def _edit_descriptor(folder: Path, edit) -> None:
    path = folder / "datapackage.json"
    desc = json.loads(path.read_text(encoding="utf-8"))
    edit(desc)
    path.write_text(json.dumps(desc).replace('"DEEP"', DEEP), encoding="utf-8")


def _res(desc, name):
    return next(r for r in desc["resources"] if r["name"] == name)


def _field(desc, res, name):
    return next(f for f in _res(desc, res)["schema"]["fields"] if f["name"] == name)


def _deep(desc):
    desc["x-deep"] = "DEEP"  # replaced by 100,000 nested objects in the written text


DEEP = '{"a":' * 100_000 + "{}" + "}" * 100_000

#: patterns that backtrack for ever in Python's ``re`` on a short cell: pattern -> label cell
PATTERNS = {
    "(a+)+b": "a" * 32,
    "a?" * 40 + "a" * 40: "a" * 40,
    "a*" * 12 + "b": "a" * 60,
    ".*a.*a.*a.*a.*b": "a" * 3000,
    r"\d+\d+\d+\d+\d+x": "1" * 600,
    "(?:a|b)?" * 40 + "c": "ab" * 20,
    "(aa?)+b": "a" * 60,
    r"((a)\2?)+b": "a" * 60,
    "(a?a)+b": "a" * 60,
    "(a|aa)+b": "a" * 60,
    r"(\w+\s?)*$": "word " * 20 + "!",
}


def _set_cell(csv_path: Path, column: str, text: str) -> None:
    """Put ``text`` into ``column`` of the first data row of ``csv_path`` (CSV-quoted)."""
    with csv_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[1][rows[0].index(column)] = text
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


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
    }
    cells: dict[str, str] = {}
    for pattern, cell in PATTERNS.items():
        name = f"pattern {pattern[:24]}"
        edits[name] = lambda d, p=pattern: (
            _field(d, "studies", "label").setdefault("constraints", {}).__setitem__("pattern", p)
        )
        cells[name] = cell
    for i, (name, edit) in enumerate(edits.items()):
        folder = _data_copy(tmp, f"{i:02d}_" + re.sub(r"[^A-Za-z0-9]+", "_", name)[:40])
        try:
            _edit_descriptor(folder, edit)
        except (KeyError, StopIteration, ValueError) as exc:
            record("validation", name, "traceback", f"attack set-up failed: {exc!r}")
            continue
        if name in cells:
            _set_cell(folder / "studies.csv", "label", cells[name])
        rc, out, err = cli(["validate", str(folder)], timeout=30)
        classify_cli("validation", f"validate: {name}", rc, out, err)

    # control characters in a text cell: refused with file, line and column
    for name, text in {
        "ESC in a title": "A \x1b[31m title",
        "NUL in a title": "A \x00 title",
    }.items():
        folder = _data_copy(tmp, re.sub(r"[^A-Za-z0-9]+", "_", name))
        _set_cell(folder / "studies.csv", "title", text)
        rc, out, err = cli(["validate", str(folder)], timeout=30)
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
        "datapackage.json is a FIFO": lambda f: (
            (f / "datapackage.json").unlink() or os.mkfifo(f / "datapackage.json")
        ),
        "studies.csv is a folder": lambda f: (
            (f / "studies.csv").unlink() or (f / "studies.csv").mkdir()
        ),
        "results.csv -> /dev/null": lambda f: (
            (f / "results.csv").unlink() or (f / "results.csv").symlink_to("/dev/null")
        ),
        "results.csv -> a good copy outside the folder": lambda f: (
            shutil.copy(f / "results.csv", f.parent / f"outside-{f.name}.csv")
            and (f / "results.csv").unlink()
            or (f / "results.csv").symlink_to(f.parent / f"outside-{f.name}.csv")
        ),
    }
    for i, (name, make) in enumerate(specials.items()):
        folder = _data_copy(tmp, f"special{i:02d}")
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
    work = box / "cwd"  # the commands run here: "--out ''" must not write into the repository
    work.mkdir()
    data_before = tree_digest(DATA)
    safety = {"files_outside_target": 0, "data_lost": 0}
    fast = ["--format", "png,svg", "--dpi", "30", "--jobs", "1"]

    def run(name, args, target, *, must_fail=True, timeout=300, area="export"):
        before = tree_digest(box, skip=target)
        rc, out, err = cli(["export", *args], timeout=timeout, cwd=work)
        classify_cli(area, f"export: {name}", rc, out, err, must_fail=must_fail)
        after = tree_digest(box, skip=target)
        changed = [p for p in set(before) | set(after) if before.get(p) != after.get(p)]
        if changed:
            safety["files_outside_target"] += len(changed)
            record(area, f"export: {name}: outside target", "wrong", ", ".join(changed[:5]))
        return rc

    run("--dpi 0", ["--out", str(box / "dpi0"), "--dpi", "0"], box / "dpi0")
    run("--dpi -5", ["--out", str(box / "dpim5"), "--dpi", "-5"], box / "dpim5")
    run(
        "--jobs -1",
        ["--out", str(box / "jobs"), *fast[:4], "--jobs", "-1"],
        box / "jobs",
        must_fail=False,
    )
    run("--dpi 100000", ["--out", str(box / "dpibig"), "--dpi", "100000"], box / "dpibig")
    run("--dpi 1e3", ["--out", str(box / "dpie"), "--dpi", "1e3"], box / "dpie")
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

    # only studies.csv: every optional table absent, every view must still export
    only = box / "only-studies"
    only.mkdir()
    for name in ("datapackage.json", "studies.csv"):
        shutil.copy(DATA / name, only / name)
    run(
        "optional tables absent",
        ["--out", str(box / "only-out"), "--data", str(only), *fast],
        box / "only-out",
        must_fail=False,
    )

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
        rc = run(
            "overwrite with one target blocked",
            ["--out", str(mixed), *fast, "--overwrite", "--route", "oral"],
            mixed,
            must_fail=False,
        )
        after = tree_digest(mixed)
        lost = [p for p in before if before[p] != after.get(p)]
        kept_dir = (mixed / blocker / "x").exists()
        if rc == 0:  # the overwrite succeeded: every old file must be replaced (no mix)
            stale = [p for p in before if before[p] == after.get(p) and p.endswith(".png")]
            outcome = "wrong" if stale else "ok"
            record(
                "export",
                "overwrite succeeded despite a blocker",
                outcome,
                f"{len(stale)} old files left; blocking folder kept: {kept_dir}",
            )
        elif lost:
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
        cwd=str(work),
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

    # Ctrl-C: exit 130, one line, no traceback. The child gets the default SIGINT action
    # even if this pass was started in the background (where SIGINT is ignored, which
    # Python would inherit and keep).
    proc = subprocess.Popen(
        [PY, "-m", "b12explore", "export", "--out", str(box / "int"), *fast],
        env=env,
        cwd=str(work),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
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
        cwd=str(work),
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
        "CSV with 2 x 2**62 participants (schema maximum)",
        ["--out", str(box / "big"), "--data", str(big_data), *fast],
        box / "big",
        area="validation",
    )

    if tree_digest(DATA) != data_before:
        safety["files_outside_target"] += 1
        record("export", "data folder changed", "wrong")
    return safety
