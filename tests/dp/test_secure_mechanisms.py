"""Tests of LaplaceMechanism(..., secure=True) and the queries' secure=True.

The same kinds of test as tests/dp/test_mechanisms.py: the distribution (chi-square against
the exact discrete Laplace, KS against the continuous Laplace it approximates, variance),
the DP inequality exactly from the pmf and empirically, each shown able to fail; plus what
is new: the set of possible outputs (the grid) does not depend on the input, the grid and
its limits, and the CSPRNG default. All randomness is seeded.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from ppml_lab import _random
from ppml_lab.dp import (BudgetAccountant, LaplaceMechanism, discrete_laplace_pmf, dp_count,
                         dp_histogram, dp_mean, dp_sum)
from ppml_lab.exceptions import BudgetExceededError
from ppml_lab.dp.mechanisms import _snap_to_grid
from stat_checks import assert_chisquare, assert_counts_ratio_bounded, assert_ks

N = 200_000
FIXED = settings(derandomize=True, deadline=None, max_examples=300)


def steps_of(mech: LaplaceMechanism, released) -> np.ndarray:
    steps = np.asarray(released) / mech.grid
    assert np.all(steps == np.round(steps)), "a release off the grid"
    return np.round(steps).astype(np.int64)


# --------------------------------------------------------------------------------------------
# construction: the grid, the scale in grid steps, the guarantee
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("epsilon, sensitivity, grid, tau", [
    (1.0, 1.0, 2**-10, Fraction(1024)),
    (0.5, 1.0, 2**-10, Fraction(2048)),
    (2.0, 1.0, 2**-11, Fraction(1024)),
    (1.0, 100.0, 2**-4, Fraction(1600)),
    (0.25, 3.0, 2**-9, Fraction(6144)),
])
def test_default_grid_and_scale(epsilon, sensitivity, grid, tau):
    mech = LaplaceMechanism(epsilon, sensitivity, secure=True)
    assert mech.grid == grid and mech.grid_scale == tau
    assert mech.grid_sensitivity == math.ceil(sensitivity / grid)
    # at least 1024 steps per sensitivity and per scale, fewer than 2048 for the smaller
    assert 1024 <= min(sensitivity, mech.scale) / grid < 2048
    assert mech.grid_epsilon == pytest.approx(epsilon, rel=1e-12) and mech.grid_epsilon <= epsilon


@given(epsilon=st.floats(1e-6, 1e6), sensitivity=st.floats(1e-6, 1e6))
@FIXED
def test_guarantee_is_epsilon_or_better_and_noise_barely_above_nominal(epsilon, sensitivity):
    mech = LaplaceMechanism(epsilon, sensitivity, secure=True)
    # exact: grid_sensitivity / grid_scale <= epsilon as rationals
    assert Fraction(mech.grid_sensitivity) / mech.grid_scale <= Fraction(epsilon)
    noise_scale = float(mech.grid_scale) * mech.grid
    assert mech.scale <= noise_scale * (1 + 1e-12)
    assert noise_scale <= mech.scale * (1 + 2**-10 + 1e-9)
    assert mech.grid_scale.numerator <= 2**48 and mech.grid_scale.denominator <= 2**48


def test_non_secure_mechanism_is_unchanged():
    mech = LaplaceMechanism(0.5, 2.0)
    assert not mech.secure and mech.grid is None and mech.grid_scale is None
    assert mech.grid_sensitivity is None and mech.grid_epsilon is None
    x = np.linspace(-3, 3, 11)
    np.testing.assert_array_equal(mech.release(x, rng=9),
                                  x + np.random.default_rng(9).laplace(0.0, 4.0, x.shape))
    assert LaplaceMechanism(0.5, 2.0) == LaplaceMechanism(0.5, 2.0, secure=False)


def test_given_grid_is_used():
    mech = LaplaceMechanism(1.0, 1.0, secure=True, grid=0.25)
    assert mech.grid == 0.25 and mech.grid_sensitivity == 4 and mech.grid_scale == 4
    steps_of(mech, mech.release(np.linspace(-5, 5, 101), rng=0))


def test_coarse_grid_costs_noise_not_privacy():
    # a grid coarser than the sensitivity: neighbours may round one step apart
    mech = LaplaceMechanism(1.0, 0.3, secure=True, grid=1.0)
    assert mech.grid_sensitivity == 1 and mech.grid_epsilon <= 1.0
    assert float(mech.grid_scale) * mech.grid > mech.scale  # more noise than 0.3 / 1


# --------------------------------------------------------------------------------------------
# outputs: on the grid whatever the input
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0.0, 1.0, 0.3, -7.123456789, 1e6 + 0.1])
def test_every_output_is_a_multiple_of_the_grid(value):
    mech = LaplaceMechanism(1.0, secure=True)
    steps_of(mech, mech.release(np.full(10_000, value), rng=1))


def test_output_support_does_not_depend_on_the_input():
    # both inputs reach exactly the same grid points in the centre of the distribution
    mech = LaplaceMechanism(1.0, 1.0, secure=True, grid=0.5)
    a = set(steps_of(mech, mech.release(np.zeros(N), rng=2)).tolist())
    b = set(steps_of(mech, mech.release(np.ones(N), rng=3)).tolist())
    centre = set(range(-12, 13))  # P(|Z| = 12) * N is about 120
    assert centre <= a and centre <= b


def test_input_is_rounded_half_up_to_the_grid():
    mech = LaplaceMechanism(1.0, secure=True, grid=1.0)
    for value, step in [(0.49, 0), (0.5, 1), (1.5, 2), (2.5, 3), (-0.5, 0), (-0.51, -1)]:
        noise = steps_of(mech, mech.release(np.full(N, value), rng=4)) - step
        assert abs(noise.mean()) < 5 * math.sqrt(mech.variance / N)


def test_release_types_and_shapes():
    mech = LaplaceMechanism(1.0, secure=True)
    assert isinstance(mech.release(3, rng=0), float)
    out = mech.release([[1, 2], [3, 4]], rng=0)
    assert out.shape == (2, 2) and out.dtype == np.float64
    assert mech.release([], rng=0).shape == (0,)
    x = np.arange(5.0)
    before = x.copy()
    mech.release(x, rng=0)
    np.testing.assert_array_equal(x, before)


# --------------------------------------------------------------------------------------------
# distribution
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("epsilon, sensitivity, value", [(1.0, 1.0, 0.0), (0.1, 1.0, 50.0),
                                                         (2.0, 3.0, -7.5)])
def test_secure_noise_is_exact_discrete_laplace(epsilon, sensitivity, value):
    mech = LaplaceMechanism(epsilon, sensitivity, secure=True)
    noise = steps_of(mech, mech.release(np.full(N, value), rng=5)) - round(value / mech.grid)
    tau = float(mech.grid_scale)
    dist = stats.dlaplace(1.0 / tau)
    inner = np.unique(np.round(dist.ppf(np.linspace(0, 1, 41)[1:-1])).astype(np.int64))
    counts, _ = np.histogram(noise, bins=np.concatenate([[-np.inf], inner + 0.5, [np.inf]]))
    assert_chisquare(counts, np.diff(np.concatenate([[0.0], dist.cdf(inner), [1.0]])))


@pytest.mark.parametrize("epsilon, sensitivity, value", [(1.0, 1.0, 0.0), (0.1, 1.0, 50.0),
                                                         (2.0, 3.0, -7.5)])
def test_secure_release_follows_the_continuous_laplace_up_to_the_grid(epsilon, sensitivity,
                                                                      value):
    # the same KS test as the textbook mechanism: the grid is far finer than the KS resolution
    mech = LaplaceMechanism(epsilon, sensitivity, secure=True)
    sample = mech.release(np.full(N, value), rng=6)
    assert_ks(sample, stats.laplace(loc=value, scale=mech.scale).cdf)


def test_secure_ks_rejects_a_wrong_scale():
    mech = LaplaceMechanism(1.0, secure=True)
    sample = mech.release(np.zeros(N), rng=6)
    with pytest.raises(AssertionError, match="KS test rejects"):
        assert_ks(sample, stats.laplace(scale=mech.scale * 1.05).cdf)


def test_secure_variance_matches_variance_property():
    mech = LaplaceMechanism(0.25, secure=True)
    noise = mech.release(np.zeros(N), rng=7)
    assert mech.variance == pytest.approx(2 * mech.scale**2, rel=2e-3)
    se = math.sqrt(20 * (mech.variance / 2) ** 2 / N)
    assert abs(noise.var(ddof=1) - mech.variance) < 5 * se
    assert abs(noise.mean()) < 5 * math.sqrt(mech.variance / N)


# --------------------------------------------------------------------------------------------
# the DP inequality
# --------------------------------------------------------------------------------------------

@given(x0=st.floats(-1e6, 1e6), shift=st.floats(-1.0, 1.0), epsilon=st.floats(0.05, 5.0),
       sensitivity=st.sampled_from([1.0, 0.3, 7.0, 100.0]))
@FIXED
def test_neighbours_round_at_most_grid_sensitivity_apart(x0, shift, epsilon, sensitivity):
    mech = LaplaceMechanism(epsilon, sensitivity, secure=True)
    x1 = x0 + shift * sensitivity
    k0, k1 = (int(_snap_to_grid(np.array([x]), mech.grid)[0]) for x in (x0, x1))
    assert abs(k0 - k1) <= mech.grid_sensitivity


def test_worst_case_rounding_is_covered():
    # sensitivity 0.3 on grid 0.25: 0.2 -> 1 step, 0.2 - 0.3 = -0.1 -> 0 ... and
    # 0.125 -> 1 (half up), 0.125 + 0.3 = 0.425 -> 2: never more than ceil(0.3/0.25) = 2
    mech = LaplaceMechanism(1.0, 0.3, secure=True, grid=0.25)
    assert mech.grid_sensitivity == 2
    x = np.linspace(-3, 3, 60_001)
    gap = _snap_to_grid(x + 0.3, 0.25) - _snap_to_grid(x, 0.25)
    assert gap.max() == 2


@pytest.mark.parametrize("epsilon, sensitivity", [(1.0, 1.0), (0.3, 2.5), (3.0, 0.7)])
def test_exact_output_probability_ratio_is_bounded_and_tight(epsilon, sensitivity):
    mech = LaplaceMechanism(epsilon, sensitivity, secure=True)
    tau = mech.grid_scale
    m = np.arange(-40 * int(tau), 40 * int(tau) + 1, max(1, int(tau) // 50))
    # neighbours f(D) = 0 and f(D') = sensitivity: as far apart on the grid as can be
    k0, k1 = 0, mech.grid_sensitivity
    log_ratio = (np.log(discrete_laplace_pmf(m - k0, tau)) - np.log(discrete_laplace_pmf(m - k1,
                                                                                        tau)))
    assert np.all(np.abs(log_ratio) <= epsilon * (1 + 1e-9))
    outside = (m < k0) | (m > k1)
    assert np.allclose(np.abs(log_ratio[outside]), mech.grid_epsilon, rtol=1e-9)


def test_secure_empirical_dp_inequality():
    epsilon = 1.0
    mech = LaplaceMechanism(epsilon, secure=True)
    a = mech.release(np.zeros(N), rng=8)
    b = mech.release(np.ones(N), rng=9)
    bins = np.linspace(-10, 11, 85)
    counts_a, _ = np.histogram(a, bins=bins)
    counts_b, _ = np.histogram(b, bins=bins)
    assert assert_counts_ratio_bounded(counts_a, counts_b, epsilon) >= 20


def test_secure_empirical_dp_check_rejects_too_little_noise():
    cheat = LaplaceMechanism(2.0, secure=True)
    bins = np.linspace(-10, 11, 85)
    counts_a, _ = np.histogram(cheat.release(np.zeros(N), rng=8), bins=bins)
    counts_b, _ = np.histogram(cheat.release(np.ones(N), rng=9), bins=bins)
    with pytest.raises(AssertionError, match="exceeds epsilon"):
        assert_counts_ratio_bounded(counts_a, counts_b, 1.0)


def test_secure_empirical_dp_on_single_grid_points():
    # a coarse grid, so single output values are frequent: the inequality point by point
    mech = LaplaceMechanism(1.0, 1.0, secure=True, grid=0.25)
    a = steps_of(mech, mech.release(np.zeros(N), rng=10))
    b = steps_of(mech, mech.release(np.ones(N), rng=11))
    k = np.arange(-30, 31)
    counts_a = np.array([np.sum(a == v) for v in k])
    counts_b = np.array([np.sum(b == v) for v in k])
    assert assert_counts_ratio_bounded(counts_a, counts_b, 1.0) >= 30


# --------------------------------------------------------------------------------------------
# randomness
# --------------------------------------------------------------------------------------------

def test_seeded_release_is_reproducible():
    mech = LaplaceMechanism(1.0, secure=True)
    np.testing.assert_array_equal(mech.release(np.zeros(50), rng=3),
                                  mech.release(np.zeros(50), rng=3))


def test_default_randomness_is_the_os_csprng(monkeypatch):
    calls = []
    real_urandom = os.urandom

    def spy(n):
        calls.append(n)
        return real_urandom(n)
    monkeypatch.setattr(_random.os, "urandom", spy)
    mech = LaplaceMechanism(1.0, secure=True)
    a, b = mech.release(np.zeros(1000)), mech.release(np.zeros(1000))
    assert calls and not np.array_equal(a, b)
    for query in (lambda: dp_count([1, 2], epsilon=1.0, secure=True),
                  lambda: dp_mean([1.0, 2.0], epsilon=1.0, bounds=(0, 5), secure=True)):
        calls.clear()
        query()
        assert calls, "the secure query did not read the OS CSPRNG"


def test_accountant_is_charged_and_refusal_releases_nothing():
    ledger = BudgetAccountant(1.0)
    mech = LaplaceMechanism(0.6, secure=True)
    mech.release(1.0, rng=0, accountant=ledger)
    assert ledger.spent.epsilon == pytest.approx(0.6)
    with pytest.raises(BudgetExceededError):
        mech.release(1.0, rng=0, accountant=ledger)


# --------------------------------------------------------------------------------------------
# the queries
# --------------------------------------------------------------------------------------------

X = np.array([-5.0, 3.0, 12.0, 40.0, 200.0, 7.5])
BOUNDS = (0.0, 100.0)


def test_secure_queries_use_the_secure_mechanism():
    for seed in range(3):
        assert dp_count(X, epsilon=0.7, rng=seed, secure=True) == LaplaceMechanism(
            0.7, 1.0, secure=True).release(6.0, rng=seed)
        total = float(np.sum(np.clip(X, *BOUNDS)))
        assert dp_sum(X, epsilon=0.7, bounds=BOUNDS, rng=seed, secure=True) == LaplaceMechanism(
            0.7, 100.0, secure=True).release(total, rng=seed)
        counts, _ = np.histogram(np.clip(X, *BOUNDS), bins=np.linspace(0, 100, 5))
        hist = dp_histogram(X, epsilon=0.7, bins=4, bounds=BOUNDS, rng=seed, secure=True)
        np.testing.assert_array_equal(hist.counts, LaplaceMechanism(0.7, secure=True).release(
            counts.astype(float), rng=seed))


def test_secure_mean_is_two_secure_releases():
    g = np.random.default_rng(0)
    centred = float(np.sum(np.clip(X, *BOUNDS) - 50.0))
    noisy_sum = LaplaceMechanism(0.5, 50.0, secure=True).release(centred, rng=g)
    noisy_n = LaplaceMechanism(0.5, 1.0, secure=True).release(6.0, rng=g)
    expected = min(max(50.0 + noisy_sum / max(noisy_n, 1.0), 0.0), 100.0)
    assert dp_mean(X, epsilon=1.0, bounds=BOUNDS, rng=0, secure=True) == expected


def test_secure_count_on_grid_and_distribution():
    mech = LaplaceMechanism(1.0, secure=True)
    releases = np.array([dp_count(X, epsilon=1.0, rng=g, secure=True)
                         for g in np.random.default_rng(12).spawn(3000)])
    steps = steps_of(mech, releases) - 6 * 1024
    assert_ks(steps * mech.grid, stats.laplace(scale=1.0).cdf)


def test_queries_default_to_the_textbook_mechanism():
    assert dp_count(X, epsilon=0.7, rng=1) == LaplaceMechanism(0.7).release(6.0, rng=1)
    assert dp_count(X, epsilon=0.7, rng=1, secure=False) == dp_count(X, epsilon=0.7, rng=1)


def test_secure_query_charges_the_ledger():
    ledger = BudgetAccountant(1.0)
    dp_sum(X, epsilon=0.4, bounds=BOUNDS, rng=0, accountant=ledger, secure=True)
    assert ledger.spent.epsilon == pytest.approx(0.4)


# --------------------------------------------------------------------------------------------
# bad input and limits
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, kind, match", [
    ({"grid": 0.001}, ValueError, "`grid` must be a power of two"),
    ({"grid": -0.5}, ValueError, "`grid` must be a power of two"),
    ({"grid": float("nan")}, ValueError, "`grid`"),
    ({"grid": "0.5"}, TypeError, "`grid`"),
    ({"grid": 2.0**-60}, ValueError, "`grid` must be coarse enough for the integer sampler"),
    ({"secure": 1}, TypeError, "`secure` must be True or False"),
    ({"secure": False, "grid": 0.5}, ValueError, "`grid` must be None unless secure=True"),
])
def test_bad_secure_parameters(kwargs, kind, match):
    args = {"secure": True} | kwargs
    with pytest.raises(kind, match=match):
        LaplaceMechanism(1.0, 1.0, **args)


def test_tiny_epsilon_names_epsilon():
    with pytest.raises(ValueError, match="`epsilon` must be coarse enough|`epsilon`"):
        LaplaceMechanism(1e-20, secure=True)


def test_value_beyond_the_grid_names_value():
    mech = LaplaceMechanism(1.0, secure=True)  # grid 2**-10: 2**52 steps = 2**42
    mech.release(2.0**41, rng=0)
    with pytest.raises(ValueError, match="`value` must be within 2\\*\\*52 grid steps"):
        mech.release([0.0, 2.0**43], rng=0)
    with pytest.raises(ValueError, match="`value`"):
        mech.release(1e308, rng=0)


def test_secure_queries_validate_secure():
    with pytest.raises(TypeError, match="`secure`"):
        dp_count(X, epsilon=1.0, secure="yes")


@pytest.mark.parametrize("epsilon", [1e308, 1e9, 5e-324, 1e-300, 1e-100, 1e-9, 1.0])
@pytest.mark.parametrize("sensitivity", [1e308, 1e100, 1e-100, 5e-324, 1.0])
def test_extremes_give_a_finite_answer_or_a_clear_error(epsilon, sensitivity):
    try:
        out = LaplaceMechanism(epsilon, sensitivity, secure=True).release(1.0, rng=0)
    except (ValueError, TypeError) as exc:
        assert "`epsilon`" in str(exc) or "`sensitivity`" in str(exc) or "`value`" in str(exc)
    else:
        assert math.isfinite(out)
