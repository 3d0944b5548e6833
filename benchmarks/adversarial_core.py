"""Shared parts of the adversarial pass: outcomes, the in-process runner, CLI runner."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
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


def cli(args, *, timeout=120.0, env=None, cwd=None):
    """Run ``python -m b12explore ARGS``: (rc or None on hang, stdout, stderr)."""
    full_env = dict(os.environ, PYTHONPATH=str(REPO), **(env or {}))
    try:
        proc = subprocess.run(
            [PY, "-m", "b12explore", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=full_env,
            cwd=str(cwd or REPO),
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
