"""Tests of ppml_lab.dp.mechanisms.

Distributions are compared with scipy.stats, the DP inequality is checked
exactly where it can be and empirically otherwise, and every validation
branch is exercised. All randomness is seeded.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from ppml_lab.dp import (ExponentialMechanism, GaussianMechanism, LaplaceMechanism,
                         RandomizedResponse, gaussian_delta, report_noisy_max)
from stat_checks import (assert_chisquare, assert_counts_ratio_bounded, assert_ks,
                         assert_log_ratio_bounded, chi2_interval)

N = 200_000  # sample size of the distribution tests

# hypothesis draws the same examples on every run (no flakiness) and has no
# deadline (the machine is shared and timings are noisy)
FIXED = settings(derandomize=True, deadline=None)


# --------------------------------------------------------------------------------------------
# Laplace
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("epsilon, sensitivity, value", [(1.0, 1.0, 0.0), (0.1, 1.0, 50.0),
                                                         (2.0, 3.0, -7.5)])
def test_laplace_release_follows_scipy_laplace(epsilon, sensitivity, value):
    mech = LaplaceMechanism(epsilon, sensitivity)
    sample = mech.release(np.full(N, value), rng=1)
    assert_ks(sample, stats.laplace(loc=value, scale=sensitivity / epsilon).cdf)


@pytest.mark.parametrize("factor", [0.95, 1.05, 2.0])
def test_ks_check_rejects_a_wrong_laplace_scale(factor):
    # proves the test above can fail: the same check on a 5 % wrong scale fails
    mech = LaplaceMechanism(1.0)
    sample = mech.release(np.zeros(N), rng=1)
    with pytest.raises(AssertionError, match="KS test rejects"):
        assert_ks(sample, stats.laplace(scale=mech.scale * factor).cdf)


def test_laplace_scale_variance_and_bias():
    mech = LaplaceMechanism(epsilon=0.5, sensitivity=2.0)
    assert mech.scale == 4.0
    assert mech.variance == 2 * 4.0**2
    assert mech.bias == 0.0


def test_laplace_scale_by_chi_square():
    # |X| / b ~ Exp(1), so 2 * sum|X| / b ~ chi-square with 2n degrees of freedom
    mech = LaplaceMechanism(epsilon=0.7, sensitivity=1.3)
    noise = mech.release(np.zeros(N), rng=2)
    lo, hi = chi2_interval(2 * N)
    assert lo < 2 * np.abs(noise).sum() / mech.scale < hi
    # and a 2 % wrong scale lies outside the same interval
    assert not lo < 2 * np.abs(noise).sum() / (1.02 * mech.scale) < hi


def test_laplace_sample_variance_matches_variance():
    mech = LaplaceMechanism(epsilon=0.25)
    noise = mech.release(np.zeros(N), rng=3)
    # Var(s^2) = (mu4 - sigma^4) / n with mu4 = 24 b^4, sigma^2 = 2 b^2
    se = math.sqrt((24 - 4) * mech.scale**4 / N)
    assert abs(noise.var(ddof=1) - mech.variance) < 5 * se
    assert abs(noise.mean() - mech.bias) < 5 * math.sqrt(mech.variance / N)


def test_laplace_exact_density_ratio_is_bounded_and_tight():
    epsilon, sensitivity = 0.8, 2.5
    mech = LaplaceMechanism(epsilon, sensitivity)
    x = np.linspace(-40, 40, 4001)
    # neighbouring true values f(D) = 0 and f(D') = sensitivity
    log_ratio = (stats.laplace.logpdf(x, 0.0, mech.scale)
                 - stats.laplace.logpdf(x, sensitivity, mech.scale))
    assert np.all(np.abs(log_ratio) <= epsilon * (1 + 1e-12))
    # outside [0, sensitivity] the bound is attained: epsilon is not loose
    outside = (x < 0) | (x > sensitivity)
    assert np.allclose(np.abs(log_ratio[outside]), epsilon)


def test_laplace_empirical_dp_inequality():
    epsilon = 1.0
    mech = LaplaceMechanism(epsilon)
    a = mech.release(np.zeros(N), rng=4)
    b = mech.release(np.ones(N), rng=5)
    checked = assert_log_ratio_bounded(a, b, epsilon, bins=np.linspace(-10, 11, 85))
    assert checked >= 20


def test_empirical_dp_check_rejects_too_little_noise():
    # a mechanism that claims epsilon=1 but adds the noise of epsilon=2
    cheat = LaplaceMechanism(2.0)
    a = cheat.release(np.zeros(N), rng=4)
    b = cheat.release(np.ones(N), rng=5)
    with pytest.raises(AssertionError, match="exceeds epsilon"):
        assert_log_ratio_bounded(a, b, 1.0, bins=np.linspace(-10, 11, 85))


def test_laplace_release_shapes_and_types():
    mech = LaplaceMechanism(1.0)
    assert isinstance(mech.release(3, rng=0), float)
    assert isinstance(mech.release(np.float32(3), rng=0), float)
    out = mech.release([[1, 2], [3, 4]], rng=0)
    assert isinstance(out, np.ndarray) and out.shape == (2, 2) and out.dtype == np.float64
    assert mech.release([], rng=0).shape == (0,)


def test_laplace_release_does_not_modify_input():
    x = np.arange(5, dtype=float)
    before = x.copy()
    LaplaceMechanism(1.0).release(x, rng=0)
    np.testing.assert_array_equal(x, before)


def test_laplace_release_equals_value_plus_numpy_noise():
    # common random numbers: the mechanism is exactly x + Generator.laplace(0, b)
    x = np.linspace(-3, 3, 11)
    ours = LaplaceMechanism(0.5, 2.0).release(x, rng=9)
    raw = x + np.random.default_rng(9).laplace(0.0, 4.0, size=x.shape)
    np.testing.assert_array_equal(ours, raw)


# --------------------------------------------------------------------------------------------
# Gaussian
# --------------------------------------------------------------------------------------------

# sigma for sensitivity 1, computed with dp-accounting 0.6.0,
# dp_accounting.gaussian_mechanism.get_sigma_gaussian(epsilon, delta, tol=1e-14)
REFERENCE_SIGMAS = [
    (0.1, 1e-5, 30.749566131977407),
    (0.5, 1e-5, 7.0318266755824865),
    (1.0, 1e-5, 3.730631634815945),
    (1.0, 1e-3, 2.5746570186372044),
    (2.0, 1e-6, 2.230476271186423),
    (5.0, 1e-8, 1.1390127816044398),
    (10.0, 1e-5, 0.4998886197090085),
    (0.01, 1e-2, 27.700882455611705),
]


@pytest.mark.parametrize("epsilon, delta, sigma", REFERENCE_SIGMAS)
def test_analytic_sigma_matches_reference_values(epsilon, delta, sigma):
    assert GaussianMechanism(epsilon, delta).sigma == pytest.approx(sigma, rel=1e-9)


@pytest.mark.parametrize("sensitivity", [0.01, 1.0, 7.0, 1e4])
def test_analytic_sigma_scales_with_sensitivity(sensitivity):
    base = GaussianMechanism(1.0, 1e-5).sigma
    assert GaussianMechanism(1.0, 1e-5, sensitivity).sigma == pytest.approx(base * sensitivity,
                                                                            rel=1e-9)


@pytest.mark.parametrize("epsilon, delta", [(e, d) for e, d, _ in REFERENCE_SIGMAS]
                         + [(0.3, 1e-10), (3.0, 0.2), (50.0, 1e-5)])
def test_analytic_sigma_is_private_and_tight(epsilon, delta):
    sigma = GaussianMechanism(epsilon, delta).sigma
    assert gaussian_delta(sigma, epsilon) <= delta
    # a slightly smaller sigma is no longer (epsilon, delta)-DP
    assert gaussian_delta(sigma * (1 - 1e-7), epsilon) > delta


@pytest.mark.parametrize("epsilon", [0.05, 0.2, 0.5, 0.9, 0.999])
@pytest.mark.parametrize("delta", [1e-3, 1e-5, 1e-9])
def test_classic_sigma_is_valid_but_larger(epsilon, delta):
    classic = GaussianMechanism(epsilon, delta, analytic=False)
    analytic = GaussianMechanism(epsilon, delta)
    assert classic.sigma == pytest.approx(math.sqrt(2 * math.log(1.25 / delta)) / epsilon)
    assert classic.sigma > analytic.sigma
    assert gaussian_delta(classic.sigma, epsilon) <= delta


def _delta_by_integration(sigma: float, epsilon: float, sensitivity: float) -> float:
    """delta(eps) = integral of max(0, p(x) - e^eps q(x)), p = N(0, s^2), q = N(D, s^2)."""
    def gap(x: float) -> float:
        return max(0.0, stats.norm.pdf(x, 0.0, sigma)
                   - math.exp(epsilon) * stats.norm.pdf(x, sensitivity, sigma))
    # the gap is positive left of x* = D/2 - eps s^2 / D; integrate a wide window in pieces
    x_star = sensitivity / 2 - epsilon * sigma**2 / sensitivity
    lo = x_star - 40 * sigma
    pieces = np.linspace(lo, x_star, 41)
    return sum(integrate.quad(gap, a, b, epsabs=0, epsrel=1e-11, limit=200)[0]
               for a, b in zip(pieces[:-1], pieces[1:]))


@pytest.mark.parametrize("sigma, epsilon, sensitivity", [(1.0, 1.0, 1.0), (3.73, 1.0, 1.0),
                                                         (0.5, 0.1, 1.0), (10.0, 0.05, 2.0),
                                                         (2.0, 3.0, 4.0), (1.0, 0.0, 1.0)])
def test_gaussian_delta_matches_numerical_privacy_profile(sigma, epsilon, sensitivity):
    numeric = _delta_by_integration(sigma, epsilon, sensitivity)
    assert gaussian_delta(sigma, epsilon, sensitivity) == pytest.approx(numeric, rel=1e-7,
                                                                        abs=1e-300)


def test_gaussian_delta_at_zero_epsilon_is_total_variation():
    sigma = 2.0
    tv = 2 * stats.norm.cdf(1 / (2 * sigma)) - 1
    assert gaussian_delta(sigma, 0.0) == pytest.approx(tv, rel=1e-12)


@settings(FIXED, max_examples=60)
@given(sigma=st.floats(0.05, 50), epsilon=st.floats(0.0, 10))
def test_gaussian_delta_decreases_in_sigma_and_epsilon(sigma, epsilon):
    d = gaussian_delta(sigma, epsilon)
    assert 0.0 <= d <= 1.0
    assert gaussian_delta(sigma * 1.1, epsilon) <= d
    assert gaussian_delta(sigma, epsilon + 0.1) <= d


@pytest.mark.parametrize("analytic", [True, False])
def test_gaussian_release_follows_scipy_norm(analytic):
    mech = GaussianMechanism(0.5, 1e-5, sensitivity=2.0, analytic=analytic)
    sample = mech.release(np.full(N, 10.0), rng=6)
    assert_ks(sample, stats.norm(loc=10.0, scale=mech.sigma).cdf)
    with pytest.raises(AssertionError):
        assert_ks(sample, stats.norm(loc=10.0, scale=1.05 * mech.sigma).cdf)


def test_gaussian_sample_variance_within_chi_square_interval():
    mech = GaussianMechanism(1.0, 1e-5)
    noise = mech.release(np.zeros(N), rng=7)
    lo, hi = chi2_interval(N - 1)
    assert lo < (N - 1) * noise.var(ddof=1) / mech.variance < hi
    assert mech.scale == mech.sigma and mech.variance == mech.sigma**2 and mech.bias == 0.0


def test_gaussian_release_shapes_and_types():
    mech = GaussianMechanism(1.0, 1e-5)
    assert isinstance(mech.release(1.0, rng=0), float)
    assert mech.release(np.zeros((3, 2)), rng=0).shape == (3, 2)


def test_gaussian_mechanism_is_immutable():
    mech = GaussianMechanism(1.0, 1e-5)
    with pytest.raises(AttributeError):
        mech.sigma = 0.1
    assert "sigma" not in repr(mech) and "epsilon=1.0" in repr(mech)


# --------------------------------------------------------------------------------------------
# Randomized response
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("epsilon", [0.1, math.log(3), 1.0, 4.0])
@pytest.mark.parametrize("k", [2, 3, 7])
def test_rr_probabilities_are_exact(epsilon, k):
    rr = RandomizedResponse(epsilon, k)
    assert rr.p_truth / rr.p_other == pytest.approx(math.exp(epsilon), rel=1e-12)
    assert rr.p_truth + (k - 1) * rr.p_other == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("k, truth", [(2, 0), (2, 1), (4, 0), (4, 3), (10, 6)])
def test_rr_release_matches_exact_probabilities(k, truth):
    rr = RandomizedResponse(epsilon=1.0, n_categories=k)
    reports = rr.release(np.full(N, truth), rng=10 + k + truth)
    probs = np.full(k, rr.p_other)
    probs[truth] = rr.p_truth
    assert_chisquare(np.bincount(reports, minlength=k), probs)


def test_chisquare_check_rejects_a_wrong_epsilon():
    rr = RandomizedResponse(epsilon=1.0, n_categories=3)
    reports = rr.release(np.zeros(N, dtype=int), rng=11)
    wrong = RandomizedResponse(epsilon=1.05, n_categories=3)
    probs = np.array([wrong.p_truth, wrong.p_other, wrong.p_other])
    with pytest.raises(AssertionError, match="chi-square test rejects"):
        assert_chisquare(np.bincount(reports, minlength=3), probs)


@pytest.mark.parametrize("k", [2, 5])
def test_rr_empirical_dp_inequality(k):
    epsilon = 0.9
    rr = RandomizedResponse(epsilon, k)
    a = np.bincount(rr.release(np.zeros(N, dtype=int), rng=12), minlength=k)
    b = np.bincount(rr.release(np.ones(N, dtype=int), rng=13), minlength=k)
    assert assert_counts_ratio_bounded(a, b, epsilon) == k
    # the ratio on the reports "0" and "1" is e^eps: the bound is attained
    assert abs(math.log(a[0] / b[0])) == pytest.approx(epsilon, abs=0.05)


def test_rr_lie_is_uniform_over_the_other_answers():
    rr = RandomizedResponse(epsilon=0.5, n_categories=5)
    reports = rr.release(np.full(N, 2), rng=14)
    lies = reports[reports != 2]
    assert_chisquare(np.bincount(lies, minlength=5)[[0, 1, 3, 4]], np.full(4, 0.25))


@pytest.mark.parametrize("k, pi", [(2, [0.3, 0.7]), (3, [0.5, 0.3, 0.2])])
def test_rr_estimate_is_unbiased_with_the_stated_std(k, pi):
    # estimate_std describes n answers drawn independently from pi, then randomised
    rr = RandomizedResponse(epsilon=1.0, n_categories=k)
    n, repetitions = 400, 1500
    pi = np.array(pi)
    gen = np.random.default_rng(15)
    estimates = np.array([rr.estimate(rr.release(gen.choice(k, size=n, p=pi), rng=gen))
                          for _ in range(repetitions)])
    std = rr.estimate_std(pi, n)
    # unbiased: the mean of the estimates is within 5 standard errors of pi
    assert np.all(np.abs(estimates.mean(axis=0) - pi) < 5 * std / math.sqrt(repetitions))
    # estimate_std matches the spread of the estimates (chi-square interval on the variance)
    lo, hi = chi2_interval(repetitions - 1)
    ratio = (repetitions - 1) * estimates.var(axis=0, ddof=1) / std**2
    assert np.all((lo < ratio) & (ratio < hi))


def test_rr_estimate_for_fixed_answers_is_unbiased_with_the_smaller_std():
    # the same n answers every time: only the randomisation varies
    rr = RandomizedResponse(epsilon=1.0)
    n, repetitions = 400, 1500
    truth = np.repeat([0, 1], [120, 280])
    pi = np.array([0.3, 0.7])
    gen = np.random.default_rng(16)
    estimates = np.array([rr.estimate(rr.release(truth, rng=gen)) for _ in range(repetitions)])
    p, q = rr.p_truth, rr.p_other
    std = np.sqrt(pi * p * (1 - p) + (1 - pi) * q * (1 - q)) / (math.sqrt(n) * (p - q))
    assert np.all(std < rr.estimate_std(pi, n))
    assert np.all(np.abs(estimates.mean(axis=0) - pi) < 5 * std / math.sqrt(repetitions))
    lo, hi = chi2_interval(repetitions - 1)
    ratio = (repetitions - 1) * estimates.var(axis=0, ddof=1) / std**2
    assert np.all((lo < ratio) & (ratio < hi))


def test_rr_estimate_sums_to_one_and_inverts_exactly():
    rr = RandomizedResponse(epsilon=1.0, n_categories=3)
    # reports exactly in expected proportions invert to the true frequencies
    pi = np.array([0.2, 0.5, 0.3])
    f = pi * rr.p_truth + (1 - pi) * rr.p_other
    counts = np.round(f * 1e6).astype(int)
    responses = np.repeat(np.arange(3), counts)
    est = rr.estimate(responses)
    assert est.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(est, pi, atol=1e-5)


def test_rr_estimate_std_doctest_value():
    rr = RandomizedResponse(epsilon=math.log(3))
    np.testing.assert_allclose(rr.estimate_std([0.5, 0.5], n=100), [0.1, 0.1])


def test_rr_accepts_booleans_and_whole_floats():
    rr = RandomizedResponse(epsilon=50.0)  # almost always the truth
    assert rr.release(np.array([True, False]), rng=0).tolist() == [1, 0]
    assert rr.release([1.0, 0.0], rng=0).tolist() == [1, 0]
    assert rr.release(True, rng=0) == 1 and isinstance(rr.release(1, rng=0), int)


def test_rr_large_epsilon_does_not_overflow():
    rr = RandomizedResponse(epsilon=1000.0, n_categories=3)
    assert rr.p_truth == 1.0 and rr.p_other == 0.0
    assert rr.release([0, 1, 2], rng=0).tolist() == [0, 1, 2]
    np.testing.assert_allclose(rr.estimate([0, 1, 2, 2]), [0.25, 0.25, 0.5])


# --------------------------------------------------------------------------------------------
# Exponential mechanism and report noisy max
# --------------------------------------------------------------------------------------------

SCORES = np.array([0.0, 1.0, 2.0, 3.5])
DRAWS = 40_000


def test_em_probabilities_formula():
    em = ExponentialMechanism(epsilon=0.8, sensitivity=2.0)
    weights = np.exp(0.8 * SCORES / (2 * 2.0))
    np.testing.assert_allclose(em.probabilities(SCORES), weights / weights.sum(), rtol=1e-12)


def test_em_select_matches_probabilities():
    em = ExponentialMechanism(epsilon=1.0)
    gen = np.random.default_rng(20)
    picks = [em.select(SCORES, rng=gen) for _ in range(DRAWS)]
    assert_chisquare(np.bincount(picks, minlength=4), em.probabilities(SCORES))
    with pytest.raises(AssertionError):  # the same check rejects a 10 % wrong epsilon
        assert_chisquare(np.bincount(picks, minlength=4),
                         ExponentialMechanism(epsilon=1.1).probabilities(SCORES))


def test_noisy_max_gumbel_matches_exponential_mechanism():
    gen = np.random.default_rng(21)
    picks = [report_noisy_max(SCORES, epsilon=1.0, sensitivity=1.0, noise="gumbel", rng=gen)
             for _ in range(DRAWS)]
    assert_chisquare(np.bincount(picks, minlength=4),
                     ExponentialMechanism(epsilon=1.0).probabilities(SCORES))


@settings(FIXED, max_examples=80)
@given(scores=st.lists(st.floats(-20, 20), min_size=2, max_size=8),
       shifts=st.lists(st.floats(-1, 1), min_size=8, max_size=8),
       epsilon=st.floats(0.01, 5), sensitivity=st.floats(0.1, 10))
def test_em_dp_inequality_on_neighbouring_scores(scores, shifts, epsilon, sensitivity):
    # neighbouring datasets move every score by at most `sensitivity`
    s = np.array(scores)
    s_prime = s + sensitivity * np.array(shifts[:len(scores)])
    em = ExponentialMechanism(epsilon, sensitivity)
    log_ratio = np.log(em.probabilities(s)) - np.log(em.probabilities(s_prime))
    assert np.all(np.abs(log_ratio) <= epsilon * (1 + 1e-9) + 1e-12)


@pytest.mark.parametrize("noise", ["laplace", "gumbel"])
def test_noisy_max_empirical_dp_inequality(noise):
    epsilon = 1.0
    s = np.array([3.0, 2.0, 1.0])
    s_prime = s + np.array([-1.0, 1.0, 0.0])  # each score moved by at most 1
    gen = np.random.default_rng(22)
    draws = 20_000
    a = np.bincount([report_noisy_max(s, epsilon=epsilon, noise=noise, rng=gen)
                     for _ in range(draws)], minlength=3)
    b = np.bincount([report_noisy_max(s_prime, epsilon=epsilon, noise=noise, rng=gen)
                     for _ in range(draws)], minlength=3)
    assert assert_counts_ratio_bounded(a, b, epsilon) == 3


def test_em_and_noisy_max_pick_the_clear_winner():
    assert ExponentialMechanism(1.0).select([0.0, 0.0, 100.0], rng=0) == 2
    assert report_noisy_max([0.0, 500.0, 0.0], epsilon=1.0, rng=0) == 1
    assert isinstance(report_noisy_max([1.0, 2.0], epsilon=1.0, rng=0), int)


# --------------------------------------------------------------------------------------------
# Validation: every branch, with the message naming the parameter and what was received
# --------------------------------------------------------------------------------------------

BAD_POSITIVE = [
    (0, ValueError), (0.0, ValueError), (-0.5, ValueError), (-1, ValueError),
    (float("nan"), ValueError), (float("inf"), ValueError), (-float("inf"), ValueError),
    (True, TypeError), (False, TypeError), (np.bool_(True), TypeError), ("1.0", TypeError),
    (None, TypeError), ([1.0], TypeError), (1 + 2j, TypeError),
]

MAKERS = {
    "laplace": lambda eps: LaplaceMechanism(eps),
    "gaussian": lambda eps: GaussianMechanism(eps, 1e-5),
    "rr": lambda eps: RandomizedResponse(eps),
    "em": lambda eps: ExponentialMechanism(eps),
    "noisy_max": lambda eps: report_noisy_max([1.0, 2.0], epsilon=eps),
}


@pytest.mark.parametrize("maker", MAKERS.values(), ids=MAKERS.keys())
@pytest.mark.parametrize("epsilon, kind", BAD_POSITIVE)
def test_bad_epsilon_is_rejected(maker, epsilon, kind):
    with pytest.raises(kind, match=r"`epsilon` must be .*; got ") as info:
        maker(epsilon)
    assert "epsilon=1.0" in str(info.value) or "Booleans" in str(info.value)


SENSITIVITY_MAKERS = {
    "laplace": lambda s: LaplaceMechanism(1.0, s),
    "gaussian": lambda s: GaussianMechanism(1.0, 1e-5, s),
    "em": lambda s: ExponentialMechanism(1.0, s),
    "noisy_max": lambda s: report_noisy_max([1.0, 2.0], epsilon=1.0, sensitivity=s),
}


@pytest.mark.parametrize("maker", SENSITIVITY_MAKERS.values(), ids=SENSITIVITY_MAKERS.keys())
@pytest.mark.parametrize("sensitivity, kind", BAD_POSITIVE)
def test_bad_sensitivity_is_rejected(maker, sensitivity, kind):
    with pytest.raises(kind, match=r"`sensitivity` must be .*; got "):
        maker(sensitivity)


@pytest.mark.parametrize("delta, kind", [(0, ValueError), (0.0, ValueError), (1, ValueError),
                                         (1.0, ValueError), (-1e-5, ValueError),
                                         (1.5, ValueError), (float("nan"), ValueError),
                                         (float("inf"), ValueError), (True, TypeError),
                                         ("1e-5", TypeError), (None, TypeError)])
def test_bad_delta_is_rejected(delta, kind):
    with pytest.raises(kind, match=r"`delta` must be .*; got "):
        GaussianMechanism(1.0, delta)


@pytest.mark.parametrize("epsilon", [1.0, 1.5, 10.0])
def test_classic_gaussian_refuses_epsilon_at_least_one(epsilon):
    with pytest.raises(ValueError, match=r"`epsilon` must be < 1 when analytic=False; got") as e:
        GaussianMechanism(epsilon, 1e-5, analytic=False)
    message = str(e.value)
    assert "only proven for epsilon < 1" in message and "analytic=True" in message


@pytest.mark.parametrize("analytic", [1, 0, "yes", None])
def test_analytic_must_be_a_bool(analytic):
    with pytest.raises(TypeError, match=r"`analytic` must be True or False; got"):
        GaussianMechanism(1.0, 1e-5, analytic=analytic)


@pytest.mark.parametrize("k, kind", [(1, ValueError), (0, ValueError), (-3, ValueError),
                                     (2.0, TypeError), (3.5, TypeError), (True, TypeError),
                                     ("3", TypeError), (None, TypeError)])
def test_bad_n_categories_is_rejected(k, kind):
    with pytest.raises(kind, match=r"`n_categories` must be an integer >= 2; got "):
        RandomizedResponse(1.0, n_categories=k)


@pytest.mark.parametrize("values, kind, match", [
    ([0, 2], ValueError, r"`values` must be answers coded as integers 0\.\.1; got"),
    ([-1, 0], ValueError, r"integers 0\.\.1; got"),
    ([0.5, 1.0], ValueError, r"integers 0\.\.1; got .*whole numbers"),
    ([1e300], ValueError, r"integers 0\.\.1; got .*1\.e\+300"),
    ([0, float("nan")], ValueError, r"`values` must be free of NaN"),
    (["yes", "no"], TypeError, r"`values` must be array-like of numbers; got"),
    ("1", TypeError, r"`values` must be array-like of numbers; got"),
])
def test_bad_rr_values_are_rejected(values, kind, match):
    with pytest.raises(kind, match=match):
        RandomizedResponse(1.0).release(values, rng=0)


def test_rr_booleans_need_two_categories():
    with pytest.raises(TypeError, match=r"`values` must be array-like of numbers \(not booleans"):
        RandomizedResponse(1.0, n_categories=3).release([True, False], rng=0)


def test_rr_out_of_range_message_names_n_categories():
    with pytest.raises(ValueError, match=r"integers 0\.\.2; got .*n_categories \(=3\)"):
        RandomizedResponse(1.0, n_categories=3).release([0, 1, 3], rng=0)


def test_rr_estimate_rejects_empty_and_out_of_range_responses():
    rr = RandomizedResponse(1.0)
    with pytest.raises(ValueError, match=r"`responses` must be non-empty; got an empty array"):
        rr.estimate([])
    with pytest.raises(ValueError, match=r"`responses` must be answers coded .*; got"):
        rr.estimate([0, 1, 5])


@pytest.mark.parametrize("pi, n, kind, match", [
    ([0.5, 0.6], 10, ValueError, r"`true_frequencies` must be 2 non-negative numbers summing"),
    ([1.2, -0.2], 10, ValueError, r"`true_frequencies` must be 2 non-negative"),
    ([0.2, 0.3, 0.5], 10, ValueError, r"`true_frequencies` must be 2 non-negative"),
    ([0.5, 0.5], 0, ValueError, r"`n` must be an integer >= 1; got 0"),
    ([0.5, 0.5], 10.0, TypeError, r"`n` must be an integer >= 1; got 10.0"),
    ([[0.5, 0.5]], 10, ValueError, r"`true_frequencies` must be a 1-dimensional array"),
])
def test_rr_estimate_std_validation(pi, n, kind, match):
    with pytest.raises(kind, match=match):
        RandomizedResponse(1.0).estimate_std(pi, n)


@pytest.mark.parametrize("scores, kind, match", [
    ([], ValueError, r"`scores` must be non-empty; got an empty array"),
    ([[1.0, 2.0]], ValueError, r"`scores` must be a 1-dimensional array; got an array of shape"),
    ([1.0, float("nan")], ValueError, r"`scores` must be free of NaN and infinite values; got 1"),
    ([True, False], TypeError, r"`scores` must be array-like of numbers \(not booleans\)"),
    (["a", "b"], TypeError, r"`scores` must be array-like of numbers; got"),
])
def test_bad_scores_are_rejected(scores, kind, match):
    with pytest.raises(kind, match=match):
        ExponentialMechanism(1.0).select(scores, rng=0)
    with pytest.raises(kind, match=match):
        ExponentialMechanism(1.0).probabilities(scores)
    with pytest.raises(kind, match=match):
        report_noisy_max(scores, epsilon=1.0, rng=0)


def test_em_refuses_scores_that_overflow():
    with pytest.raises(ValueError, match=r"`scores` must be small enough .* finite; got"):
        ExponentialMechanism(10.0, sensitivity=1e-100).probabilities([0.0, 1e300])


@pytest.mark.parametrize("noise, kind", [("normal", ValueError), ("Laplace", ValueError),
                                         (None, ValueError), (1, ValueError)])
def test_bad_noise_choice_is_rejected(noise, kind):
    with pytest.raises(kind, match=r"`noise` must be one of 'laplace', 'gumbel'; got"):
        report_noisy_max([1.0, 2.0], epsilon=1.0, noise=noise)


@pytest.mark.parametrize("value", [[1.0, float("nan")], [float("inf")], np.array([[0.0, np.nan]])])
@pytest.mark.parametrize("mech", [LaplaceMechanism(1.0), GaussianMechanism(1.0, 1e-5)],
                         ids=["laplace", "gaussian"])
def test_release_rejects_non_finite_values(mech, value):
    with pytest.raises(ValueError, match=r"`value` must be free of NaN and infinite values; got 1"):
        mech.release(value, rng=0)


@pytest.mark.parametrize("value, match", [("3", "array-like of numbers"),
                                          ([True], r"array-like of numbers \(not booleans\)"),
                                          ([[1, 2], [3]], "array-like of numbers"),
                                          ([1 + 1j], "array-like of numbers")])
def test_release_rejects_non_numbers(value, match):
    with pytest.raises(TypeError, match=r"`value` must be " + match):
        LaplaceMechanism(1.0).release(value, rng=0)


@pytest.mark.parametrize("maker", [lambda: LaplaceMechanism(1e-310),
                                   lambda: GaussianMechanism(1e-310, 1e-5, analytic=False),
                                   lambda: report_noisy_max([1.0, 2.0], epsilon=1e-310)])
def test_an_epsilon_that_would_overflow_the_noise_scale_is_out_of_range(maker):
    with pytest.raises(ValueError, match=r"`epsilon` must be a number in \[1e-100, 1e\+09\]; "
                                         r"got 1e-310"):
        maker()


@pytest.mark.parametrize("kwargs, kind, match", [
    ({"sigma": 0.0, "epsilon": 1.0}, ValueError, r"`sigma` must be a positive finite number"),
    ({"sigma": -1.0, "epsilon": 1.0}, ValueError, r"`sigma` must be a positive"),
    ({"sigma": float("nan"), "epsilon": 1.0}, ValueError, r"`sigma` must be a positive"),
    ({"sigma": True, "epsilon": 1.0}, TypeError, r"`sigma` must be a positive"),
    ({"sigma": 1.0, "epsilon": -0.1}, ValueError, r"`epsilon` must be a non-negative finite"),
    ({"sigma": 1.0, "epsilon": float("inf")}, ValueError, r"`epsilon` must be a non-negative"),
    ({"sigma": 1.0, "epsilon": "1"}, TypeError, r"`epsilon` must be a non-negative"),
    ({"sigma": 1.0, "epsilon": 1.0, "sensitivity": 0}, ValueError, r"`sensitivity` must be"),
])
def test_gaussian_delta_validation(kwargs, kind, match):
    with pytest.raises(kind, match=match + ".*; got "):
        gaussian_delta(**kwargs)


@pytest.mark.parametrize("cls", [LaplaceMechanism, ExponentialMechanism])
def test_mechanisms_are_immutable_and_store_floats(cls):
    mech = cls(epsilon=1, sensitivity=2)
    assert isinstance(mech.epsilon, float) and isinstance(mech.sensitivity, float)
    with pytest.raises(AttributeError):
        mech.epsilon = 2.0
    assert mech == cls(1.0, 2.0)


# --------------------------------------------------------------------------------------------
# rng: seeds reproduce, Generators are used as given, RandomState is refused
# --------------------------------------------------------------------------------------------

RELEASES = {
    "laplace": lambda rng: LaplaceMechanism(1.0).release(np.zeros(5), rng=rng),
    "gaussian": lambda rng: GaussianMechanism(1.0, 1e-5).release(np.zeros(5), rng=rng),
    "rr": lambda rng: RandomizedResponse(1.0, 3).release(np.arange(30) % 3, rng=rng),
    "em": lambda rng: np.array([ExponentialMechanism(0.1).select(SCORES, rng=rng)
                                for _ in range(20)]),
    "noisy_max": lambda rng: np.array([report_noisy_max(SCORES, epsilon=0.1, rng=rng)
                                       for _ in range(20)]),
}


@pytest.mark.parametrize("release", RELEASES.values(), ids=RELEASES.keys())
def test_same_seed_same_output(release):
    np.testing.assert_array_equal(release(123), release(123))
    np.testing.assert_array_equal(release(np.random.SeedSequence(5)),
                                  release(np.random.SeedSequence(5)))
    assert not np.array_equal(release(1), release(2))


@pytest.mark.parametrize("release", RELEASES.values(), ids=RELEASES.keys())
def test_generator_is_used_as_given(release):
    gen = np.random.default_rng(7)
    first, second = release(gen), release(gen)
    assert not np.array_equal(first, second)  # the generator's state advanced
    fresh = np.random.default_rng(7)
    np.testing.assert_array_equal(first, release(fresh))
    np.testing.assert_array_equal(second, release(fresh))


@pytest.mark.parametrize("release", RELEASES.values(), ids=RELEASES.keys())
@pytest.mark.parametrize("rng, match", [(np.random.RandomState(0), "RandomState is the legacy"),
                                        (1.5, "Pass e.g. rng=0"), ("0", "Pass e.g. rng=0"),
                                        (True, "Pass e.g. rng=0")])
def test_bad_rng_is_rejected(release, rng, match):
    with pytest.raises(TypeError, match=r"`rng` must be None, a non-negative integer seed or a "
                                        r"numpy Generator; got .*" + match):
        release(rng)


def test_negative_seed_is_rejected():
    with pytest.raises(ValueError, match=r"`rng` must be .*; got -1\."):
        LaplaceMechanism(1.0).release(0.0, rng=-1)


def test_rng_none_gives_fresh_noise():
    mech = LaplaceMechanism(1.0)
    assert mech.release(np.zeros(3)).tolist() != mech.release(np.zeros(3)).tolist()



# --- issue 13: a sensitivity that would overflow the noise scale is blamed, not epsilon ------------

@pytest.mark.parametrize("maker", [lambda: LaplaceMechanism(1e-10, sensitivity=1e300),
                                   lambda: GaussianMechanism(0.5, 1e-5, sensitivity=1e308,
                                                             analytic=False),
                                   lambda: report_noisy_max([1.0, 2.0], epsilon=1e-10,
                                                            sensitivity=1e300)])
def test_a_sensitivity_that_would_overflow_the_noise_scale_is_blamed(maker):
    # it used to say "`epsilon` must be large enough ..." for epsilon=1e-10 and sensitivity=1e300
    with pytest.raises(ValueError, match=r"^`sensitivity` must be a number in \[1e-100, "
                                         r"1e\+100\]; got 1e\+30"):
        maker()


def test_the_analytic_gaussian_scales_with_the_sensitivity_at_the_ends_of_its_range():
    unit = GaussianMechanism(1.0, 1e-5).sigma
    for sensitivity in (1e-100, 1e100):
        sigma = GaussianMechanism(1.0, 1e-5, sensitivity=sensitivity).sigma
        assert sigma == pytest.approx(unit * sensitivity, rel=1e-12)
        assert gaussian_delta(sigma, 1.0, sensitivity) <= 1e-5
