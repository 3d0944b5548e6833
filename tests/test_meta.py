"""Tests for b12explore.meta, pinned to metafor's published output for dat.bcg.

Sources (all read, not recalled):
- DATA_URL: the dat.bcg data and metafor's printed log risk ratios and REML fit,
  https://wviechtb.github.io/metafor/reference/dat.bcg.html
  (repository copy: https://github.com/wviechtb/metafor/blob/master/docs/reference/dat.bcg.html)
- RMA_URL: rma.uni help page examples (REML fit of the same data, identical numbers),
  https://wviechtb.github.io/metafor/reference/rma.uni.html
- README_URL: metafor README, REML with test="knha",
  https://github.com/wviechtb/metafor/blob/master/README.md
- METAN_URL: metafor's own test comparing rma.uni FE and DL fits of dat.bcg with Stata metan,
  https://github.com/wviechtb/metafor/blob/master/tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r
- ESCALC_URL: metafor's escalc source (zero-cell rule, RD and SMD variances),
  https://github.com/wviechtb/metafor/blob/master/R/escalc.r
- UNI_TEST_URL: metafor's rma() tests (DLIT/SJIT converge to the PM value 0.3181),
  https://github.com/wviechtb/metafor/blob/master/tests/testthat/test_misc_rma_uni.r
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b12explore import meta

DATA_URL = "https://wviechtb.github.io/metafor/reference/dat.bcg.html"
RMA_URL = "https://wviechtb.github.io/metafor/reference/rma.uni.html"
README_URL = "https://github.com/wviechtb/metafor/blob/master/README.md"
METAN_URL = (
    "https://github.com/wviechtb/metafor/blob/master/tests/testthat/"
    "test_misc_metan_vs_rma.uni_with_dat.bcg.r"
)
UNI_TEST_URL = "https://github.com/wviechtb/metafor/blob/master/tests/testthat/test_misc_rma_uni.r"

# dat.bcg (13 BCG vaccine trials), from DATA_URL
AUTHORS = [
    "Aronson 1948",
    "Ferguson & Simes 1949",
    "Rosenthal et al 1960",
    "Hart & Sutherland 1977",
    "Frimodt-Moller et al 1973",
    "Stein & Aronson 1953",
    "Vandiviere et al 1973",
    "TPT Madras 1980",
    "Coetzee & Berjak 1968",
    "Rosenthal et al 1961",
    "Comstock et al 1974",
    "Comstock & Webster 1969",
    "Comstock et al 1976",
]
TPOS = [4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27]
TNEG = [119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886]
CPOS = [11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29]
CNEG = [128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825]
ALLOC = ["random"] * 4 + ["alternate"] * 2 + ["random"] * 3 + ["systematic"] * 4

# escalc(measure="RR", ...) printed yi and vi, from DATA_URL
PRINTED_YI = [-0.8893, -1.5854, -1.3481, -1.4416, -0.2175, -0.7861, -1.6209, 0.0120,
              -0.4694, -1.3713, -0.3394, 0.4459, -0.0173]  # fmt: skip
PRINTED_VI = [0.3256, 0.1946, 0.4154, 0.0200, 0.0512, 0.0069, 0.2230, 0.0040, 0.0564,
              0.0730, 0.0124, 0.5325, 0.0714]  # fmt: skip

TOL = 1e-4  # on values printed with 4 decimals


def close(value: float, printed: float, decimals: int = 4) -> bool:
    """Our value agrees with metafor's printed value to the printed precision."""
    return abs(round(value, decimals) - printed) <= TOL


@pytest.fixture
def bcg() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "events1": TPOS,
            "n1": np.add(TPOS, TNEG),
            "events2": CPOS,
            "n2": np.add(CPOS, CNEG),
            "alloc": ALLOC,
        },
        index=pd.Index(AUTHORS, name="study"),
    )


@pytest.fixture
def es(bcg) -> pd.DataFrame:
    return meta.effect_sizes(bcg, "RR")


# --------------------------------------------------------------------------- effect sizes


def test_log_risk_ratios_match_escalc(es, bcg):
    # DATA_URL: escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg)
    assert list(es.columns) == ["yi", "vi"]
    assert es.index.equals(bcg.index)
    np.testing.assert_allclose(es["yi"].round(4), PRINTED_YI, atol=TOL)
    np.testing.assert_allclose(es["vi"].round(4), PRINTED_VI, atol=TOL)


def test_effect_sizes_does_not_mutate_input(bcg):
    before = bcg.copy()
    meta.effect_sizes(bcg, "OR")
    pd.testing.assert_frame_equal(bcg, before)


def test_odds_ratio_and_risk_difference_formulas():
    f = pd.DataFrame({"events1": [10], "n1": [50], "events2": [20], "n2": [60]})
    a, b, c, d = 10, 40, 20, 40
    out = meta.effect_sizes(f, "OR").iloc[0]
    assert out.yi == pytest.approx(math.log(a * d / (b * c)))
    assert out.vi == pytest.approx(1 / a + 1 / b + 1 / c + 1 / d)
    rd = meta.effect_sizes(f, "RD").iloc[0]
    p1, p2 = 10 / 50, 20 / 60
    assert rd.yi == pytest.approx(p1 - p2)
    assert rd.vi == pytest.approx(p1 * (1 - p1) / 50 + p2 * (1 - p2) / 60)


def test_zero_cell_gets_half_added_only_in_that_study():
    # ESCALC_URL: add=1/2 to all four cells of studies with a zero cell (to="only0")
    f = pd.DataFrame({"events1": [0, 5], "n1": [20, 20], "events2": [3, 6], "n2": [20, 20]})
    out = meta.effect_sizes(f, "OR")
    a, b, c, d = 0.5, 20.5, 3.5, 17.5
    assert out.yi.iloc[0] == pytest.approx(math.log(a * d / (b * c)))
    assert out.vi.iloc[0] == pytest.approx(1 / a + 1 / b + 1 / c + 1 / d)
    assert out.yi.iloc[1] == pytest.approx(math.log(5 * 14 / (15 * 6)))
    rr = meta.effect_sizes(f, "RR").iloc[0]
    assert rr.yi == pytest.approx(math.log((0.5 / 21) / (3.5 / 21)))
    assert rr.vi == pytest.approx(1 / 0.5 - 1 / 21 + 1 / 3.5 - 1 / 21)


def test_smd_is_hedges_g_with_exact_correction_and_ls_variance():
    f = pd.DataFrame(
        {"n1": [10], "mean1": [5.0], "sd1": [2.0], "n2": [12], "mean2": [4.0], "sd2": [3.0]}
    )
    out = meta.effect_sizes(f, "SMD").iloc[0]
    m = 20
    sdp = math.sqrt((9 * 4 + 11 * 9) / m)
    cm = math.exp(math.lgamma(m / 2) - 0.5 * math.log(m / 2) - math.lgamma((m - 1) / 2))
    g = cm * 1.0 / sdp
    assert cm == pytest.approx(1 - 3 / (4 * m - 1), abs=1e-3)  # close to Hedges' approximation
    assert out.yi == pytest.approx(g)
    assert out.vi == pytest.approx(1 / 10 + 1 / 12 + g**2 / (2 * 22))
    md = meta.effect_sizes(f, "MD").iloc[0]
    assert md.yi == pytest.approx(1.0)
    assert md.vi == pytest.approx(4 / 10 + 9 / 12)


def test_from_ci_ratio_on_log_scale():
    f = pd.DataFrame({"estimate": [0.8], "ci_low": [0.6], "ci_high": [1.1]}, index=["x"])
    out = meta.from_ci(f, scale="log")
    se = (math.log(1.1) - math.log(0.6)) / (2 * 1.959964)
    assert out.loc["x", "yi"] == pytest.approx(math.log(0.8))
    assert out.loc["x", "vi"] == pytest.approx(se**2, rel=1e-6)


def test_effect_sizes_falls_back_to_reported_ci_per_row():
    f = pd.DataFrame(
        {
            "events1": [4, np.nan],
            "n1": [123, np.nan],
            "events2": [11, np.nan],
            "n2": [139, np.nan],
            "estimate": [np.nan, 0.5],
            "ci_low": [np.nan, 0.25],
            "ci_high": [np.nan, 1.0],
        }
    )
    out = meta.effect_sizes(f, "RR")
    assert out.yi.iloc[0] == pytest.approx(PRINTED_YI[0], abs=1e-4)
    assert out.yi.iloc[1] == pytest.approx(math.log(0.5))


@pytest.mark.parametrize(
    ("frame", "measure", "match"),
    [
        (pd.DataFrame({"n1": [10]}), "MD", "missing column"),
        (
            pd.DataFrame(
                {"n1": [10], "mean1": [1], "sd1": [-1], "n2": [10], "mean2": [0], "sd2": [1]},
                index=["Smith 2001"],
            ),
            "MD",
            r"row 'Smith 2001': column 'sd1' is -1",
        ),
        (
            pd.DataFrame(
                {"n1": [0], "mean1": [1], "sd1": [1], "n2": [10], "mean2": [0], "sd2": [1]}
            ),
            "SMD",
            r"column 'n1'.*sample size >= 1",
        ),
        (
            pd.DataFrame({"events1": [12], "n1": [10], "events2": [1], "n2": [10]}),
            "RR",
            r"column 'events1' is 12.0; expected at most n1",
        ),
        (
            pd.DataFrame({"events1": ["x"], "n1": [10], "events2": [1], "n2": [10]}),
            "OR",
            r"column 'events1' is 'x'; expected a number",
        ),
        (pd.DataFrame({"estimate": [2.0], "ci_low": [2.5], "ci_high": [3.0]}), "OR", "ci_low <="),
        (pd.DataFrame({"estimate": [1.0]}), "XX", "measure must be one of"),
    ],
)
def test_effect_sizes_errors_name_row_and_column(frame, measure, match):
    with pytest.raises(ValueError, match=match):
        meta.effect_sizes(frame, measure)


# --------------------------------------------------------------------------- pool vs metafor


def test_reml_matches_metafor(es):
    res = meta.pool(es.yi, es.vi, method="REML")
    # DATA_URL and RMA_URL: rma(yi, vi, data=dat)  (REML)
    assert close(res.estimate, -0.7145)  # DATA_URL
    assert close(res.se, 0.1798)  # DATA_URL
    assert close(res.ci_low, -1.0669)  # DATA_URL
    assert close(res.ci_high, -0.3622)  # DATA_URL
    assert close(res.tau2, 0.3132)  # DATA_URL
    assert close(res.i2, 92.22, 2)  # DATA_URL, "I^2 ... 92.22%"
    assert close(res.h2, 12.86, 2)  # DATA_URL, "H^2 ... 12.86"
    assert close(res.q, 152.2330)  # DATA_URL, "Q(df = 12) = 152.2330"
    assert res.q_p < 1e-4  # DATA_URL, "p-val < .0001"
    # DATA_URL: predict(res, transf=exp) -> pred 0.4894, ci 0.3441-0.6962, pi 0.1546-1.5490
    assert close(math.exp(res.estimate), 0.4894)  # DATA_URL
    assert close(math.exp(res.ci_low), 0.3441)  # DATA_URL
    assert close(math.exp(res.ci_high), 0.6962)  # DATA_URL
    assert close(math.exp(res.pi_low), 0.1546)  # DATA_URL (cr.lb)
    assert close(math.exp(res.pi_high), 1.5490)  # DATA_URL (cr.ub)
    assert res.k == 13 and res.method == "REML"


def test_fe_matches_metafor(es):
    res = meta.pool(es.yi, es.vi, method="FE")
    # METAN_URL: rma(yi, vi, data=dat, method="FE")
    assert close(res.estimate, -0.4303)  # METAN_URL
    assert close(res.ci_low, -0.5097)  # METAN_URL
    assert close(res.ci_high, -0.3509)  # METAN_URL
    assert close(res.estimate / res.se, -10.6247)  # METAN_URL zval, pins se
    assert close(res.se, 0.0405)  # se = estimate / zval = -0.4303 / -10.6247 (METAN_URL)
    assert close(res.q, 152.2330)  # METAN_URL QE
    assert res.tau2 == 0.0
    # FE I^2 = 100 (Q - df) / Q from the printed Q (METAN_URL): 92.1173 (= the DL I^2 there)
    assert close(res.i2, 92.1173)
    # METAN_URL: predict(res, transf=exp) -> 0.6503 (0.6007, 0.7040)
    assert close(math.exp(res.estimate), 0.6503)
    assert close(math.exp(res.ci_low), 0.6007)
    assert close(math.exp(res.ci_high), 0.7040)
    assert (res.pi_low, res.pi_high) == (res.ci_low, res.ci_high)


def test_dl_matches_metafor(es):
    res = meta.pool(es.yi, es.vi, method="DL")
    # METAN_URL: rma(yi, vi, data=dat, method="DL")
    assert close(res.estimate, -0.7141)  # METAN_URL
    assert close(res.ci_low, -1.0644)  # METAN_URL
    assert close(res.ci_high, -0.3638)  # METAN_URL
    assert close(res.estimate / res.se, -3.9952)  # METAN_URL zval, pins se
    assert close(res.se, 0.1787)  # se = -0.7141 / -3.9952 (METAN_URL)
    assert close(res.tau2, 0.3088)  # METAN_URL
    assert close(res.i2, 92.1173)  # METAN_URL
    assert close(math.exp(res.estimate), 0.4896)  # METAN_URL predict(transf=exp)
    assert close(math.exp(res.ci_low), 0.3449)  # METAN_URL
    assert close(math.exp(res.ci_high), 0.6950)  # METAN_URL


def test_dl_or_matches_metafor(bcg):
    es = meta.effect_sizes(bcg, "OR")
    res = meta.pool(es.yi, es.vi, method="DL")
    # METAN_URL: measure="OR", method="DL"
    assert close(res.estimate, -0.7474)
    assert close(res.ci_low, -1.1242)
    assert close(res.ci_high, -0.3706)
    assert close(res.tau2, 0.3663)
    assert close(res.i2, 92.6455)
    assert close(res.q, 163.1649)  # METAN_URL, FE model with measure="OR": QE


def test_pm_matches_metafor_iterated_estimators(es):
    # UNI_TEST_URL: method="DLIT" and "SJIT" give tau2 0.3181; both converge to the PM root
    res = meta.pool(es.yi, es.vi, method="PM")
    assert close(res.tau2, 0.3181)
    w = 1 / (es.vi + res.tau2)
    q_gen = float(np.sum(w * (es.yi - res.estimate) ** 2))
    assert q_gen == pytest.approx(12, abs=1e-8)  # generalised Q = k - 1 at the PM root


def test_hksj_matches_metafor_knha(es):
    res = meta.pool(es.yi, es.vi, method="REML", ci="hksj")
    # README_URL: rma(yi, vi, data=dat, test="knha")
    assert close(res.estimate, -0.7145)  # README_URL
    assert close(res.se, 0.1808)  # README_URL
    assert close(res.ci_low, -1.1084)  # README_URL
    assert close(res.ci_high, -0.3206)  # README_URL
    # README_URL: predict(res, transf=exp, digits=2) -> pi.lb 0.14, pi.ub 1.76 (t(12) based)
    assert close(math.exp(res.pi_low), 0.14, 2)
    assert close(math.exp(res.pi_high), 1.76, 2)
    assert res.ci == "hksj"


def test_t_based_prediction_interval_is_wider_and_uses_k_minus_2(es):
    z = meta.pool(es.yi, es.vi)
    t = meta.pool(es.yi, es.vi, pi="t")
    from scipy import stats

    half = stats.t.ppf(0.975, 11) * math.sqrt(z.tau2 + z.se**2)
    assert t.pi_high - t.estimate == pytest.approx(half)
    assert t.pi_high > z.pi_high


def test_weights_are_percent_and_to_frame(es):
    res = meta.pool(es.yi, es.vi)
    assert res.weights.sum() == pytest.approx(100)
    w = 1 / (es.vi.to_numpy() + res.tau2)
    np.testing.assert_allclose(res.weights, 100 * w / w.sum())
    frame = res.to_frame()
    assert frame.shape[0] == 1
    assert frame.loc[0, "estimate"] == res.estimate and frame.loc[0, "method"] == "REML"
    wf = res.weights_frame()
    assert list(wf.index) == AUTHORS


# --------------------------------------------------------------------------- edge cases


def test_k1_returns_the_study_with_a_note():
    res = meta.pool([0.3], [0.04], method="REML", ci="hksj")
    assert res.estimate == 0.3 and res.se == pytest.approx(0.2)
    assert res.tau2 == 0 and res.i2 == 0 and res.k == 1
    assert any("k = 1" in n for n in res.notes)
    assert any("HKSJ" in n for n in res.notes) and res.ci == "z"


def test_k2_works_for_every_method():
    for method in meta.METHODS:
        res = meta.pool([0.1, 0.9], [0.02, 0.03], method=method, ci="hksj")
        assert math.isfinite(res.estimate) and res.tau2 >= 0 and res.k == 2
    res = meta.pool([0.1, 0.9], [0.02, 0.03], pi="t")
    assert math.isnan(res.pi_low) and any("k >= 3" in n for n in res.notes)


def test_homogeneous_data_give_tau2_zero_and_note():
    yi, vi = [0.20, 0.21, 0.19, 0.20], [0.1, 0.2, 0.15, 0.1]
    fe = meta.pool(yi, vi, method="FE")
    for method in ("DL", "REML", "PM"):
        res = meta.pool(yi, vi, method=method)
        assert res.tau2 == 0.0 and res.i2 == 0.0
        assert res.estimate == pytest.approx(fe.estimate)
        assert any("tau2 estimated as 0" in n for n in res.notes)


@pytest.mark.parametrize("bad", [0.0, -0.1, float("nan"), float("inf")])
def test_bad_variance_names_the_study(bad):
    with pytest.raises(ValueError, match=r"study 'Smith 2001': sampling variance"):
        meta.pool([0.1, 0.2], [0.1, bad], labels=["Jones 1999", "Smith 2001"])


def test_bad_effect_names_series_label():
    yi = pd.Series([0.1, np.nan], index=["a", "b"])
    with pytest.raises(ValueError, match=r"study 'b': effect size"):
        meta.pool(yi, [0.1, 0.1])


def test_bad_options_and_shapes():
    with pytest.raises(ValueError, match="method"):
        meta.pool([0.1], [0.1], method="ML")
    with pytest.raises(ValueError, match="ci"):
        meta.pool([0.1], [0.1], ci="t")
    with pytest.raises(ValueError, match="yi has 1 values but vi has 2"):
        meta.pool([0.1], [0.1, 0.2])
    with pytest.raises(ValueError, match="empty"):
        meta.pool([], [])


def test_reml_nonconvergence_raises(es):
    with pytest.raises(meta.ConvergenceError, match="did not converge"):
        meta.pool(es.yi, es.vi, method="REML", maxiter=2)


# --------------------------------------------------------------------------- sensitivity


def test_leave_one_out_rows_match_separate_fits(es):
    loo = meta.leave_one_out(es.yi, es.vi, method="REML")
    assert list(loo.index) == AUTHORS and loo.index.name == "omitted"
    assert (loo["k"] == 12).all()
    direct = meta.pool(es.yi.drop(AUTHORS[3]), es.vi.drop(AUTHORS[3]))
    assert loo.loc[AUTHORS[3], "estimate"] == pytest.approx(direct.estimate)
    assert loo.loc[AUTHORS[3], "tau2"] == pytest.approx(direct.tau2)
    for col in ("estimate", "se", "ci_low", "ci_high", "tau2", "i2"):
        assert col in loo.columns


def test_cumulative_order_and_last_row(es):
    years = [int(a[-4:]) for a in AUTHORS]
    cum = meta.cumulative(es.yi, es.vi, order=years, method="DL")
    assert cum.index[0] == "Aronson 1948" and cum.index[1] == "Ferguson & Simes 1949"
    assert cum["k"].tolist() == list(range(1, 14))
    full = meta.pool(es.yi, es.vi, method="DL")
    assert cum["estimate"].iloc[-1] == pytest.approx(full.estimate)
    assert cum["estimate"].iloc[0] == pytest.approx(PRINTED_YI[0], abs=1e-4)


def test_subgroups_by_allocation(es, bcg):
    res = meta.subgroups(es.yi, es.vi, bcg["alloc"], method="REML")
    assert list(res.groups.index) == ["random", "alternate", "systematic"]
    assert res.groups.loc["random", "k"] == 7 and res.df == 2
    est = res.groups["estimate"].to_numpy()
    w = 1 / res.groups["se"].to_numpy() ** 2
    mu = np.sum(w * est) / w.sum()
    assert res.q_between == pytest.approx(np.sum(w * (est - mu) ** 2))
    alone = meta.pool(es.yi[bcg["alloc"] == "systematic"], es.vi[bcg["alloc"] == "systematic"])
    assert res.results["systematic"].estimate == pytest.approx(alone.estimate)
    assert 0 <= res.q_between_p <= 1
    assert res.to_frame().attrs["df"] == 2


def test_subgroups_missing_group_names_study():
    with pytest.raises(ValueError, match=r"study 'b': group is missing"):
        meta.subgroups([0.1, 0.2], [0.1, 0.1], ["oral", None], labels=["a", "b"])


# --------------------------------------------------------------------------- properties

effects = st.floats(-3, 3, allow_nan=False)
variances = st.floats(0.001, 2.0, allow_nan=False)
studies = st.integers(2, 12).flatmap(
    lambda k: st.tuples(
        st.lists(effects, min_size=k, max_size=k), st.lists(variances, min_size=k, max_size=k)
    )  # fmt: skip
)


@settings(max_examples=60, deadline=None)
@given(studies, st.sampled_from(meta.METHODS), st.randoms(use_true_random=False))
def test_permutation_invariance(data, method, rnd):
    yi, vi = data
    perm = list(range(len(yi)))
    rnd.shuffle(perm)
    a = meta.pool(yi, vi, method=method)
    b = meta.pool([yi[i] for i in perm], [vi[i] for i in perm], method=method)
    assert b.estimate == pytest.approx(a.estimate, abs=1e-9)
    assert b.tau2 == pytest.approx(a.tau2, abs=1e-8)
    assert b.se == pytest.approx(a.se, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(effects, st.lists(variances, min_size=2, max_size=12))
def test_fe_equals_reml_when_all_effects_equal(y, vi):
    yi = [y] * len(vi)
    fe = meta.pool(yi, vi, method="FE")
    for method in ("REML", "DL", "PM"):
        re = meta.pool(yi, vi, method=method)
        assert re.tau2 == 0.0
        assert re.estimate == pytest.approx(fe.estimate)
        assert re.se == pytest.approx(fe.se)


@settings(max_examples=80, deadline=None)
@given(studies, st.sampled_from(meta.METHODS))
def test_estimate_within_range_and_heterogeneity_non_negative(data, method):
    yi, vi = data
    res = meta.pool(yi, vi, method=method)
    assert min(yi) - 1e-12 <= res.estimate <= max(yi) + 1e-12
    assert res.tau2 >= 0 and 0 <= res.i2 < 100
    # H2 >= 1 for random-effects fits; for FE metafor's H2 = Q / (k - 1) may be below 1
    assert res.h2 >= (0 if method == "FE" else 1)
    assert res.ci_low <= res.estimate <= res.ci_high
