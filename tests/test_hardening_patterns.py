"""Patterns that backtrack for ever are refused before any cell is matched (issue 15).

The first fix refused a repeated group that can start again inside itself (``(a+)+b``).
The repeat of the adversarial pass found patterns that slipped through and still hang
validation on a short cell: a run of optional items (``a?a?...a?aa...a``, exponential in
the pattern length), three or more neighbouring repeats that can trade characters
(``a*a*a*b``, ``.*a.*a.*a.*b``, polynomial of high degree), and a repeated group ending
in an optional part (``(aa?)+b``, ``((a)\\2?)+b``, like ``(a|aa)+b``). Each must be
refused with the usual one line naming the field; ordinary patterns must still pass.

A validation that hangs must *fail* here, not stall the suite: the command runs under a
``SIGALRM`` hang detector (generous, not a speed check).
"""

from __future__ import annotations

import copy
import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from broken_csv import DESCRIPTOR, make_folder, studies_text, study

from b12explore.cli import main
from b12explore.profile import unsafe_pattern

HANG_LIMIT = 60  # seconds; refusing a pattern takes milliseconds

#: (pattern, a cell on which Python's ``re`` takes minutes or more)
BYPASSES = {
    "optional run": ("a?" * 40 + "a" * 40, "a" * 40),
    "star run": ("a*" * 12 + "b", "a" * 60),
    "dot-star run": (".*a.*a.*a.*a.*b", "a" * 3000),
    "digit run": (r"\d+\d+\d+\d+\d+x", "1" * 600),
    "optional group run": ("(?:a|b)?" * 40 + "c", "ab" * 20),
    "group ending optional": ("(aa?)+b", "a" * 60),
    "backreference": (r"((a)\2?)+b", "a" * 60),
    "optional inside group": ("(a?a)+b", "a" * 60),
}

#: patterns a researcher may well write: none of them can backtrack badly
SAFE = [
    r"https?://\S+( \| https?://\S+)*",
    r"\d{4}(-\d{2}(-\d{2})?)?",
    r"[A-Z][a-z]*( [A-Z][a-z]*)*",
    r"10\.\d{4,9}/\S+",
    r"[a-z0-9_]+",
    r"[0-9]{1,9}",
    r".*",
    r".*foo.*",
    r"[^;]+(;[^;]+)*",
    r"[a-z][a-z0-9_]*(;[a-z][a-z0-9_]*)*",
    r"-?\d+(\.\d+)?",
    r"\w+@\w+\.\w+",
]


class Hang(AssertionError):
    """Raised inside a call that ran past its time limit."""


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Turn a call that runs past ``seconds`` into a test failure (hang detector).

    Parameters
    ----------
    seconds : int
        Time before ``Hang`` is raised in the main thread.

    Yields
    ------
    None
    """

    def alarm(signum, frame):
        raise Hang(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _folder(tmp_path: Path, pattern: str, cell: str) -> Path:
    """A data folder whose ``label`` field has ``pattern`` and whose first label is ``cell``."""
    desc = json.loads(DESCRIPTOR.read_text("utf-8"))
    res = next(r for r in desc["resources"] if r["name"] == "studies")
    label = next(f for f in res["schema"]["fields"] if f["name"] == "label")
    label["constraints"] = {**copy.deepcopy(label.get("constraints", {})), "pattern": pattern}
    rows = [study(1), study(2)]
    rows[0]["label"] = cell
    return make_folder(tmp_path, datapackage_json=json.dumps(desc), studies=studies_text(*rows))


@pytest.mark.parametrize("case", list(BYPASSES))
def test_backtracking_pattern_is_recognised(case):
    pattern, _ = BYPASSES[case]
    assert unsafe_pattern(pattern), pattern


@pytest.mark.parametrize("case", list(BYPASSES))
def test_validate_refuses_it_with_one_line_instead_of_hanging(tmp_path, capsys, case):
    pattern, cell = BYPASSES[case]
    folder = _folder(tmp_path, pattern, cell)
    with time_limit(HANG_LIMIT):
        code = main(["validate", str(folder)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("error: ")
    assert 'field "label"' in err[0] and "pattern" in err[0] and "rewrite it" in err[0]


@pytest.mark.parametrize("pattern", SAFE)
def test_ordinary_patterns_are_accepted(pattern):
    assert unsafe_pattern(pattern) is None


def test_time_limit_turns_a_hang_into_a_failure():
    with pytest.raises(Hang), time_limit(1):
        while True:
            pass
