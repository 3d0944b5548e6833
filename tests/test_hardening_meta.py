"""Hardening of b12explore.meta (issue 15): no hang, no silent nonsense, clear errors.

Every iterative estimator has a bounded number of steps and ends in a result or a
``ConvergenceError``. A hang must *fail* a test, not stall the suite: each pooling call here
runs under :func:`time_limit` (a ``SIGALRM`` that raises, plus a ``faulthandler`` backstop
that dumps the stack and ends the run if even the signal cannot get through). The limits are
hang detectors, generous for a shared 2-core machine, not speed checks (speed lives in
``benchmarks/pool.py``).
"""

from __future__ import annotations

import contextlib
import faulthandler
import math
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from b12explore import meta

REPO = Path(__file__).resolve().parents[1]
HANG_LIMIT = 20.0  # seconds; a correct call takes milliseconds
#: the input from issue 15 that made REML loop for ever (adj = -inf in the step halving)
HANG_YI = [-0.04402276569396877, -0.26967540082607644]
HANG_VI = [847.422980337516, 5.007427212836969e-08]


class Hang(AssertionError):
    """Raised inside a call that ran past its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float = HANG_LIMIT) -> Iterator[None]:
    """Fail (raise :class:`Hang`) if the body runs longer than ``seconds``."""

    def on_alarm(signum, frame):
        raise Hang(f"still running after {seconds} s: treated as a hang")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    faulthandler.dump_traceback_later(4 * seconds, exit=True)  # backstop: end the run
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, previous)


def test_time_limit_turns_a_hang_into_a_failure():
    with pytest.raises(Hang), time_limit(0.2):
        while True:
            pass


def test_issue_15_reml_input_returns_in_a_subprocess():
    """The exact reproduction, in a separate process with a hard timeout."""
    code = (
        "from b12explore import meta\n"
        f"r = meta.pool({HANG_YI!r}, {HANG_VI!r})\n"
        "print(r.tau2, r.estimate)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    tau2, est = map(float, proc.stdout.split())
    assert tau2 >= 0 and min(HANG_YI) <= est <= max(HANG_YI)


def _reml_score_bruteforce(y, v, tau2):
    """REML score pieces with the k x k projection matrix in long double (reference)."""
    y = np.asarray(y, dtype=np.longdouble)
    w = 1 / (np.asarray(v, dtype=np.longdouble) + tau2)
    W = np.diag(w)
    P = W - np.outer(w, w) / w.sum()
    ypy = y @ P @ P @ y
    return float((ypy - np.trace(P)) / np.trace(P @ P)), float(np.trace(P @ P))


@pytest.mark.parametrize("method", meta.METHODS)
def test_issue_15_input_every_method_ends(method):
    with time_limit():
        res = meta.pool(HANG_YI, HANG_VI, method=method)
    assert res.tau2 >= 0
    assert min(HANG_YI) <= res.estimate <= max(HANG_YI)
    assert math.isfinite(res.se) and res.se > 0


def test_issue_15_reml_value_is_a_root_or_zero():
    """The REML fit is the constrained maximum: score <= 0 at tau2 = 0, else score = 0."""
    with time_limit():
        res = meta.pool(HANG_YI, HANG_VI, method="REML")
    step, trpp = _reml_score_bruteforce(HANG_YI, HANG_VI, res.tau2)
    assert trpp > 0
    if res.tau2 == 0.0:
        assert step <= 0
    else:
        assert abs(step) <= 1e-6 * max(1.0, res.tau2)


def test_reml_step_is_stable_when_one_variance_dominates():
    """The information tr(PP) must not cancel to 0 (that is what produced adj = -inf)."""
    step = meta.estimators.RemlScore(np.array(HANG_YI), np.array(HANG_VI))
    for tau2 in (0.0, 1e-8, 0.01, 1.0, 100.0):
        ours = step(tau2)
        ref, _ = _reml_score_bruteforce(HANG_YI, HANG_VI, tau2)
        assert math.isfinite(ours)
        assert ours == pytest.approx(ref, rel=1e-6, abs=1e-12)


# random inputs with extreme variance ratios (the issue found ~1.3% of k = 2-5 inputs with a
# ratio above 3e8 hung)
log_v = st.floats(-12, 12, allow_nan=False)
effects = st.floats(-5, 5, allow_nan=False)
extreme = st.integers(2, 6).flatmap(
    lambda k: st.tuples(
        st.lists(effects, min_size=k, max_size=k),
        st.lists(log_v, min_size=k, max_size=k),
    )
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extreme, st.sampled_from(meta.METHODS))
@example((HANG_YI, list(np.log10(HANG_VI))), "REML")
@example(([0.0, 1.0, -1.0], [-12.0, 12.0, 0.0]), "PM")
def test_extreme_variance_ratios_end_in_result_or_convergence_error(data, method):
    yi, logv = data
    vi = [10.0**e for e in logv]
    with time_limit():
        try:
            res = meta.pool(yi, vi, method=method)
        except meta.ConvergenceError as exc:
            assert "did not converge" in str(exc) or "converge" in str(exc)
            return
    assert res.tau2 >= 0 and math.isfinite(res.tau2)
    lo, hi = min(yi), max(yi)
    assert lo - 1e-9 * (1 + abs(lo)) <= res.estimate <= hi + 1e-9 * (1 + abs(hi))
    assert math.isfinite(res.se) and res.se > 0
    assert 0 <= res.i2 <= 100
    assert abs(sum(res.weights) - 100) < 1e-6


# the whole double range: the repeat of the pass found a ZeroDivisionError (the trace of P
# underflowing to 0) at a variance ratio of 1e600 for DL, REML and PM
wide = st.integers(2, 6).flatmap(
    lambda k: st.tuples(
        st.lists(effects, min_size=k, max_size=k),
        st.lists(st.floats(-308, 308, allow_nan=False), min_size=k, max_size=k),
    )
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wide, st.sampled_from(meta.METHODS))
@example(([0.1, -0.1], [-300.0, 300.0]), "DL")
@example(([0.1, -0.1], [-300.0, 300.0]), "PM")
@example(([0.3, -0.2], [-308.0, 308.0]), "REML")
@example(([0.3, -0.2, 0.5], [-308.0, 308.0, 308.0]), "REML")
@example(([((-1) ** i) * 0.01 * i for i in range(6)], [-10.0, 10.0] * 3), "PM")
def test_variance_ratios_across_the_double_range_end_in_result_or_clear_error(data, method):
    yi, logv = data
    vi = [10.0**e for e in logv]
    with time_limit():
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                res = meta.pool(yi, vi, method=method, maxiter=100_000)
        except meta.ConvergenceError as exc:
            assert "converge" in str(exc) or "too extreme" in str(exc)
            return
        except ValueError as exc:
            assert "too extreme" in str(exc)
            return
    assert res.tau2 >= 0 and math.isfinite(res.tau2)
    lo, hi = min(yi), max(yi)
    assert lo - 1e-9 * (1 + abs(lo)) <= res.estimate <= hi + 1e-9 * (1 + abs(hi))
    assert math.isfinite(res.se) and res.se > 0
    assert 0 <= res.i2 <= 100
    assert np.isfinite(res.weights).all() and abs(sum(res.weights) - 100) < 1e-6


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e300, 1e300, allow_nan=False), min_size=2, max_size=5),
    st.sampled_from(meta.METHODS),
)
def test_huge_effects_end_in_result_or_clear_error(yi, method):
    vi = [1.0] * len(yi)
    with time_limit():
        try:
            res = meta.pool(yi, vi, method=method)
        except (meta.ConvergenceError, ValueError) as exc:
            assert str(exc)
            return
    assert math.isfinite(res.estimate) and math.isfinite(res.tau2)


def test_maxiter_still_bounds_reml():
    with time_limit(), pytest.raises(meta.ConvergenceError, match="did not converge"):
        meta.pool([0.1, 0.9, -0.5, 0.3], [0.01, 0.02, 0.03, 0.01], maxiter=1)


# --------------------------------------------------------------------------- pool arguments


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tol": 0}, "tol must be a finite number > 0"),
        ({"tol": -1e-5}, "tol must be"),
        ({"tol": float("nan")}, "tol must be"),
        ({"tol": "1e-5"}, "tol must be"),
        ({"maxiter": 0}, "maxiter must be an integer >= 1"),
        ({"maxiter": 2.5}, "maxiter must be"),
        ({"maxiter": True}, "maxiter must be"),
        ({"level": "0.95"}, "level must be a number between 0 and 1"),
        ({"level": True}, "level must be"),
        ({"level": float("nan")}, "level must be"),
        ({"level": 1.0}, "level must be"),
        ({"method": ["REML"]}, "method must be one of"),
    ],
)
def test_pool_bad_options_are_clear_value_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        meta.pool([0.1, 0.3], [0.01, 0.02], **kwargs)


@pytest.mark.parametrize(
    ("yi", "vi", "match"),
    [
        ([[0.1, 0.2], [0.3, 0.4]], [0.1, 0.1, 0.1, 0.1], "yi must be one-dimensional"),
        ([0.1, 0.2], [[0.1], [0.1]], "vi must be one-dimensional"),
        ([True, False], [0.1, 0.1], "yi must hold numbers, not booleans"),
        ([0.1, 0.2], [True, True], "vi must hold numbers, not booleans"),
        (np.array([True, False]), [0.1, 0.1], "yi must hold numbers, not booleans"),
        (pd.Series([True, False]), [0.1, 0.1], "yi must hold numbers, not booleans"),
        (["a", "b"], [0.1, 0.1], "yi must hold numbers"),
        ([1 + 2j, 0.1], [0.1, 0.1], "yi must hold numbers"),
        ([0.1, 0.2], [0.1, "x"], "vi must hold numbers"),
    ],
)
def test_pool_bad_shapes_and_types_are_clear_value_errors(yi, vi, match):
    with pytest.raises(ValueError, match=match):
        meta.pool(yi, vi)


def test_sensitivity_functions_check_options_too():
    with pytest.raises(ValueError, match="level must be"):
        meta.leave_one_out([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], level="x")
    with pytest.raises(ValueError, match="yi must be one-dimensional"):
        meta.cumulative([[0.1, 0.2]], [0.1, 0.1])
    with pytest.raises(ValueError, match="level must be"):
        meta.subgroups([0.1, 0.2], [0.1, 0.1], ["a", "b"], level=2)


# --------------------------------------------------------------------------- effect sizes


def cont(**over):
    row = {"n1": 10, "mean1": 5.0, "sd1": 2.0, "n2": 12, "mean2": 4.0, "sd2": 3.0}
    row.update(over)
    return pd.DataFrame([row], index=["Smith 2001"])


def binary(**over):
    row = {"events1": 0, "n1": 20, "events2": 3, "n2": 20}
    row.update(over)
    return pd.DataFrame([row], index=["Lee 2010"])


@pytest.mark.parametrize("measure", ["MD", "SMD"])
@pytest.mark.parametrize(
    "column", ["mean1", "mean2", "sd1", "sd2", "n1", "n2"], ids=lambda c: f"inf-{c}"
)
def test_infinite_continuous_inputs_name_row_and_column(measure, column):
    with pytest.raises(ValueError, match=rf"row 'Smith 2001': column '{column}' is inf.*finite"):
        meta.effect_sizes(cont(**{column: math.inf}), measure)


@pytest.mark.parametrize("column", ["events1", "n1", "events2", "n2"])
def test_infinite_binary_inputs_name_row_and_column(column):
    with pytest.raises(ValueError, match=rf"column '{column}' is inf.*finite"):
        meta.effect_sizes(binary(**{column: math.inf}), "OR")


@pytest.mark.parametrize("add", [0, -0.5, math.nan, math.inf, "0.5", True])
def test_bad_zero_cell_add_is_refused(add):
    with pytest.raises(ValueError, match="add must be a finite number > 0"):
        meta.effect_sizes(binary(), "OR", add=add)


def test_good_add_still_works():
    out = meta.effect_sizes(binary(), "OR", add=1)
    assert out.yi.iloc[0] == pytest.approx(math.log(1 * 18 / (21 * 4)))


def test_smd_needs_four_participants_because_the_correction_is_zero_at_three():
    with pytest.raises(ValueError, match=r"column 'n1 \+ n2' is 3.*at least 4 for SMD"):
        meta.effect_sizes(cont(n1=1, n2=2, sd1=0.0), "SMD")
    ok = meta.effect_sizes(cont(n1=2, n2=2), "SMD")
    assert ok.yi.iloc[0] != 0 and math.isfinite(ok.vi.iloc[0])


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1, math.nan, "0.95", True])
def test_from_ci_level_outside_0_1_is_refused(level):
    f = pd.DataFrame({"estimate": [0.8], "ci_low": [0.6], "ci_high": [1.1]})
    with pytest.raises(ValueError, match="level must be a number between 0 and 1"):
        meta.from_ci(f, level=level)


@pytest.mark.parametrize("scale", ["Log", "logit", "", None, 1])
def test_from_ci_unknown_scale_is_refused(scale):
    f = pd.DataFrame({"estimate": [0.8], "ci_low": [0.6], "ci_high": [1.1]})
    with pytest.raises(ValueError, match="scale must be 'identity' or 'log'"):
        meta.from_ci(f, scale=scale)


@pytest.mark.parametrize("bad", [math.inf, -math.inf])
def test_from_ci_infinite_bounds_are_refused(bad):
    f = pd.DataFrame({"estimate": [0.8], "ci_low": [bad], "ci_high": [1.1]}, index=["x"])
    with pytest.raises(ValueError, match=r"row 'x': column 'ci_low' is -?inf"):
        meta.from_ci(f)


def test_effect_sizes_output_is_always_finite():
    """Whatever passes the checks yields finite yi and positive finite vi."""
    frames = [
        (cont(), "MD"),
        (cont(), "SMD"),
        (binary(), "RR"),
        (binary(), "OR"),
        (binary(events1=20, events2=20), "RD"),
        (binary(events1=0, events2=0), "RR"),
    ]
    for frame, measure in frames:
        out = meta.effect_sizes(frame, measure)
        assert np.isfinite(out.yi).all(), (measure, out)
        assert (np.isfinite(out.vi) & (out.vi >= 0)).all(), (measure, out)


# the repeat of the pass: fractional counts were accepted (n1 = 2.5 gave an effect size),
# and "more events than participants" printed the limit as np.float64(20.0)
@pytest.mark.parametrize(
    ("frame", "measure", "column"),
    [
        (cont(n1=2.5), "MD", "n1"),
        (cont(n2=11.5), "SMD", "n2"),
        (binary(n1=20.5), "OR", "n1"),
        (binary(events1=0.5), "RR", "events1"),
        (binary(events2=2.25), "RD", "events2"),
    ],
)
def test_fractional_counts_are_refused(frame, measure, column):
    with pytest.raises(ValueError, match=rf"column '{column}' is .*; expected a whole number"):
        meta.effect_sizes(frame, measure)


def test_more_events_than_participants_names_the_limit_plainly():
    with pytest.raises(ValueError) as info:
        meta.effect_sizes(binary(events1=25), "OR")
    assert "expected at most n1 = 20" in str(info.value)
    assert "np." not in str(info.value) and "float64" not in str(info.value)
