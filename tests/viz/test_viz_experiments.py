"""Layer 1 of the explorers: the seeded experiments in ppml_lab.dp.experiments.

Each formula is checked against the mechanism it describes (LaplaceMechanism,
GaussianMechanism, RandomizedResponse) and against its own simulation, with
tolerances of several standard errors from seeded draws.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from ppml_lab.dp import GaussianMechanism, LaplaceMechanism, RandomizedResponse
from ppml_lab.dp.experiments import (ERROR_CURVE_EPSILONS, NoiseComparisonResult,
                                     NoisyCountResult, RandomizedResponseResult, attacker_posterior_bound,
                                     noise_experiment, noisy_count_experiment,
                                     randomized_response_experiment)

K_SE = 5.0  # standard errors allowed between a sample statistic and its formula


# --- attacker_posterior_bound ---------------------------------------------------------------------

@pytest.mark.parametrize("epsilon", [0.01, 0.1, 0.5, 1.0, 2.0, 5.0])
def test_posterior_bound_is_logistic_of_epsilon(epsilon):
    expected = math.exp(epsilon) / (1 + math.exp(epsilon))
    assert attacker_posterior_bound(epsilon) == pytest.approx(expected, rel=1e-12)


def test_posterior_bound_from_bayes_rule_with_any_prior():
    # posterior odds = e^eps * prior odds
    for prior in (0.01, 0.3, 0.5, 0.9):
        odds = math.exp(1.5) * prior / (1 - prior)
        assert attacker_posterior_bound(1.5, prior) == pytest.approx(odds / (1 + odds))


def test_posterior_bound_matches_the_instructor_guide_table():
    table = {0.1: 0.525, 0.5: 0.622, 1: 0.731, 2: 0.881, 5: 0.993}
    for epsilon, sure in table.items():
        assert round(attacker_posterior_bound(epsilon), 3) == sure


def test_posterior_bound_does_not_overflow_and_increases():
    assert attacker_posterior_bound(1000.0) == 1.0
    values = [attacker_posterior_bound(e) for e in ERROR_CURVE_EPSILONS]
    assert all(a < b for a, b in zip(values, values[1:]))


def test_posterior_bound_is_randomized_response_truth_probability():
    # a "yes" report from a 50/50 prior: P(yes | report yes) = p / (p + q) = p_truth
    for epsilon in (0.2, 1.0, 3.0):
        rr = RandomizedResponse(epsilon)
        posterior = rr.p_truth / (rr.p_truth + rr.p_other)
        assert attacker_posterior_bound(epsilon) == pytest.approx(posterior)
        assert attacker_posterior_bound(epsilon) == pytest.approx(rr.p_truth)


# --- noisy_count_experiment -----------------------------------------------------------------------

def test_noisy_count_is_exactly_the_laplace_mechanism():
    r = noisy_count_experiment(0.7, true_count=42, n_samples=500, rng=3)
    direct = LaplaceMechanism(0.7).release(np.full(500, 42.0), rng=3)
    np.testing.assert_allclose(r.releases, direct, rtol=0, atol=1e-12)
    assert r.release == r.releases[0]


def test_noisy_count_error_formulas_against_the_sample():
    r = noisy_count_experiment(0.5, n_samples=20000, rng=1)
    assert r.scale == r.expected_abs_error == 2.0
    # |Lap(b)| is exponential with mean b and standard deviation b
    assert abs(r.mean_abs_error - r.scale) < K_SE * r.scale / math.sqrt(r.n_samples)
    inside = np.mean(np.abs(r.releases - r.true_count) <= r.interval_90)
    assert abs(inside - 0.9) < K_SE * math.sqrt(0.9 * 0.1 / r.n_samples)
    np.testing.assert_allclose(r.expected_abs_error_curve, 1.0 / ERROR_CURVE_EPSILONS)


def test_noisy_count_common_random_numbers():
    a = noisy_count_experiment(1.0, rng=5)
    b = noisy_count_experiment(1.0, rng=5)
    np.testing.assert_array_equal(a.releases, b.releases)
    half = noisy_count_experiment(0.5, rng=5)  # half the epsilon: the same noise, twice as big
    np.testing.assert_allclose(half.releases - 42, 2 * (a.releases - 42), rtol=0, atol=1e-12)
    other = noisy_count_experiment(1.0, rng=6)
    assert not np.array_equal(other.releases, a.releases)


# --- randomized_response_experiment ---------------------------------------------------------------

@pytest.mark.parametrize("epsilon,n_people", [(0.5, 200), (1.0, 1000), (3.0, 50)])
def test_rr_estimate_is_unbiased_and_its_error_matches_the_formula(epsilon, n_people):
    r = randomized_response_experiment(epsilon, n_people, n_trials=4000, rng=11)
    se_mean = r.rmse_theory / math.sqrt(r.n_trials)
    assert abs(r.mean_estimate - r.true_rate) < K_SE * se_mean
    # the sample standard deviation has a relative standard error of about 1/sqrt(2 n)
    assert r.rmse == pytest.approx(r.rmse_theory, rel=K_SE / math.sqrt(2 * r.n_trials))


@pytest.mark.parametrize("epsilon,n_people,rate", [(0.3, 10, 0.3), (1.0, 1000, 0.3),
                                                   (4.0, 100000, 0.9)])
def test_rr_error_formula_is_the_mechanisms_estimate_std(epsilon, n_people, rate):
    r = randomized_response_experiment(epsilon, n_people, true_rate=rate, n_trials=10, rng=0)
    std = RandomizedResponse(epsilon).estimate_std([1 - rate, rate], n_people)[1]
    assert r.rmse_theory == pytest.approx(std, rel=1e-12)
    grid = randomized_response_experiment(1.0, n_people, true_rate=rate, n_trials=1,
                                          epsilons=[epsilon, 2 * epsilon], rng=0)
    assert grid.rmse_curve[0] == pytest.approx(std, rel=1e-12)


def test_rr_estimates_are_the_mechanisms_estimates_of_binomial_reports():
    r = randomized_response_experiment(0.8, 60, n_trials=3000, rng=2)
    rr = RandomizedResponse(0.8)
    assert r.p_truth == pytest.approx(rr.p_truth)
    assert r.report_rate == pytest.approx(0.3 * rr.p_truth + 0.7 * rr.p_other)
    # back from each estimate to its number of "yes" reports: whole numbers ...
    yes = (r.estimates * (rr.p_truth - rr.p_other) + rr.p_other) * 60
    np.testing.assert_allclose(yes, np.round(yes), atol=1e-9)
    yes = np.round(yes).astype(int)
    # ... that RandomizedResponse.estimate turns into the same estimate ...
    for k in np.unique(yes)[:5]:
        reports = np.r_[np.ones(k, int), np.zeros(60 - k, int)]
        assert rr.estimate(reports)[1] == pytest.approx(r.estimates[yes == k][0])
    # ... and that are Binomial(60, report_rate), like the mechanism's own reports
    observed = np.bincount(yes, minlength=61)
    pmf = stats.binom.pmf(np.arange(61), 60, r.report_rate)
    keep = pmf * r.n_trials >= 5
    counts = np.r_[observed[keep], observed[~keep].sum()]
    expected = np.r_[pmf[keep], pmf[~keep].sum()] * r.n_trials
    assert stats.chisquare(counts, expected).pvalue > 1e-4
    reports = rr.release(np.r_[np.ones(18, int), np.zeros(42, int)] * np.ones((3000, 1), int),
                         rng=2)
    assert abs(reports.sum(axis=1).mean() - yes.mean()) < K_SE * yes.std() * math.sqrt(2 / 3000)


def test_rr_common_random_numbers_keep_the_order_of_the_surveys():
    a = randomized_response_experiment(1.0, 500, rng=4)
    np.testing.assert_array_equal(a.estimates,
                                  randomized_response_experiment(1.0, 500, rng=4).estimates)
    for other in (randomized_response_experiment(2.0, 500, rng=4),
                  randomized_response_experiment(1.0, 5000, rng=4)):
        # the same uniforms drive every survey: sorted by one, sorted by the other
        order = np.lexsort((other.estimates, a.estimates))
        assert np.all(np.diff(other.estimates[order]) >= 0)


def test_rr_deniability_numbers():
    r = randomized_response_experiment(math.log(3), 100, n_trials=10, rng=0)
    assert r.p_truth == pytest.approx(0.75)
    assert r.posterior_bound == pytest.approx(0.75)
    origin, step = r.estimate_lattice
    k = (r.estimates - origin) / step
    np.testing.assert_allclose(k, np.round(k), atol=1e-9)


# --- noise_experiment -----------------------------------------------------------------------------

def test_noise_count_is_the_mechanisms_and_the_mean_is_dp_means_split():
    r = noise_experiment(0.8, delta=1e-6, sensitivity=3.0, n_rows=500, bounds=(0, 2),
                         true_mean=0.5, n_samples=10, rng=0)
    assert r.count.true_value == 500 and r.n_rows == 500
    assert r.count.laplace_std == pytest.approx(math.sqrt(2) * LaplaceMechanism(0.8, 3.0).scale)
    assert r.count.gaussian_std == pytest.approx(GaussianMechanism(0.8, 1e-6, 3.0).sigma,
                                                 rel=1e-9)
    # the mean: a noisy sum of values centred at 1 (sensitivity 3 * 1) and a noisy count
    # (sensitivity 3), each with epsilon / 2 (and delta / 2 for the Gaussian)
    b_s, b_n = LaplaceMechanism(0.4, 3.0).scale, LaplaceMechanism(0.4, 3.0).scale
    assert r.mean.laplace_std == pytest.approx(
        math.sqrt(2 * b_s**2 + 0.5**2 * 2 * b_n**2) / 500)
    s_s, s_n = GaussianMechanism(0.4, 5e-7, 3.0).sigma, GaussianMechanism(0.4, 5e-7, 3.0).sigma
    assert r.mean.gaussian_std == pytest.approx(math.sqrt(s_s**2 + 0.25 * s_n**2) / 500,
                                                rel=1e-9)
    assert r.attacker_posterior_bound == pytest.approx(attacker_posterior_bound(0.8))


def test_noise_mean_std_is_dp_means_with_sensitivity_one():
    from ppml_lab.dp import dp_mean

    # dp_mean's docstring: std about 2 sqrt(2) / (eps n) * sqrt(((U-L)/2)^2 + (mean - m)^2)
    r = noise_experiment(1.0, n_rows=500, bounds=(0, 100), true_mean=45.0, n_samples=10, rng=0)
    assert r.mean.laplace_std == pytest.approx(
        2 * math.sqrt(2) / 500 * math.sqrt(50**2 + 5**2), rel=1e-12)
    x = np.full(500, 45.0)
    draws = np.array([dp_mean(x, epsilon=1.0, bounds=(0, 100), rng=seed) for seed in range(3000)])
    sd_se = r.mean.laplace_std * 2 / math.sqrt(3000)  # generous: Laplace noise has kurtosis 6
    assert abs(draws.std() - r.mean.laplace_std) < K_SE * sd_se


@pytest.mark.parametrize("seed", [0, 1])
def test_noise_standard_errors_against_the_sample(seed):
    r = noise_experiment(1.3, delta=1e-4, n_rows=300, n_samples=40000, rng=seed)
    for q in (r.count, r.mean):
        n = q.laplace_releases.size
        for releases, std in ((q.laplace_releases, q.laplace_std),
                              (q.gaussian_releases, q.gaussian_std)):
            assert abs(releases.mean() - q.true_value) < K_SE * std / math.sqrt(n)
            assert abs(releases.std() / std - 1) < 0.03  # the mean's is an approximation
    c = r.count
    assert stats.kstest(c.laplace_releases - c.true_value, "laplace",
                        args=(0, c.laplace_std / math.sqrt(2))).pvalue > 1e-4
    assert stats.kstest(c.gaussian_releases - c.true_value, "norm",
                        args=(0, c.gaussian_std)).pvalue > 1e-4


def test_noise_curves_are_the_formulas_along_the_grid():
    grid = [0.2, 1.0, 5.0]
    r = noise_experiment(1.0, delta=1e-5, sensitivity=2.0, n_rows=100, epsilons=grid,
                         n_samples=10, rng=0)
    for i, e in enumerate(grid):
        assert r.count.laplace_curve[i] == pytest.approx(math.sqrt(2) * 2.0 / e / 100)
        sigma = GaussianMechanism(e, 1e-5, 2.0).sigma
        assert r.count.gaussian_curve[i] == pytest.approx(sigma / 100, rel=1e-9)
        at_e = noise_experiment(e, delta=1e-5, sensitivity=2.0, n_rows=100, n_samples=1, rng=0)
        assert r.mean.laplace_curve[i] == pytest.approx(at_e.mean.laplace_rel_error, rel=1e-9)
        assert r.mean.gaussian_curve[i] == pytest.approx(at_e.mean.gaussian_rel_error, rel=1e-9)
    # the current point lies on the curve when epsilon is on the grid
    assert r.count.laplace_rel_error == pytest.approx(r.count.laplace_curve[1])
    assert r.count.gaussian_rel_error == pytest.approx(r.count.gaussian_curve[1], rel=1e-9)


def test_gaussian_sigma_is_proportional_to_sensitivity():
    for e in (0.1, 1.0, 10.0):
        assert GaussianMechanism(e, 1e-5, 7.0).sigma == pytest.approx(
            7.0 * GaussianMechanism(e, 1e-5, 1.0).sigma, rel=1e-9)


def test_noise_common_random_numbers():
    a = noise_experiment(1.0, n_samples=1000, rng=9)
    b = noise_experiment(1.0, n_samples=1000, rng=9)
    np.testing.assert_array_equal(a.count.laplace_releases, b.count.laplace_releases)
    np.testing.assert_array_equal(a.mean.gaussian_releases, b.mean.gaussian_releases)
    c = noise_experiment(2.0, delta=1e-3, sensitivity=3.0, n_samples=1000, rng=9)
    qa, qc = a.count, c.count
    np.testing.assert_allclose((qc.laplace_releases - qc.true_value) / qc.laplace_std,
                               (qa.laplace_releases - qa.true_value) / qa.laplace_std)
    np.testing.assert_allclose((qc.gaussian_releases - qc.true_value) / qc.gaussian_std,
                               (qa.gaussian_releases - qa.true_value) / qa.gaussian_std)


def test_relative_to_its_value_a_mean_is_not_cheaper_than_the_count_of_the_same_rows():
    # issue 14 item 3: the mean pays for a noisy sum and a noisy count; both errors shrink as 1/n
    for n_rows in (100, 1000, 10_000):
        r = noise_experiment(1.0, n_rows=n_rows, rng=0, n_samples=10)
        assert r.mean.laplace_rel_error > r.count.laplace_rel_error
        assert r.mean.gaussian_rel_error > r.count.gaussian_rel_error
    small, large = (noise_experiment(1.0, n_rows=n, rng=0, n_samples=10) for n in (100, 10_000))
    assert small.mean.laplace_std / large.mean.laplace_std == pytest.approx(100, rel=1e-9)
    assert np.all(small.count.gaussian_curve > small.count.laplace_curve)  # one scalar query


def test_gaussian_loss_above_epsilon_is_the_privacy_loss_tail_not_delta():
    from ppml_lab.dp.gaussian_loss import gaussian_privacy_loss

    for e in (0.1, 1.0):
        r = noise_experiment(e, delta=1e-5, n_samples=10, rng=0)
        assert r.gaussian_loss_above == pytest.approx(
            gaussian_privacy_loss(e, 1e-5).p_loss_above, rel=1e-9)
    assert round(r.gaussian_loss_above / 1e-5) == 16


# --- records --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def records():
    return [noisy_count_experiment(1.0, rng=0),
            randomized_response_experiment(1.0, 100, rng=0),
            noise_experiment(1.0, rng=0)]


def test_records_are_frozen_with_read_only_arrays(records):
    for record in records:
        with pytest.raises(dataclasses.FrozenInstanceError):
            record.epsilon = 2.0
    nc, rr, nz = records
    for array in (nc.releases, rr.estimates, rr.rmse_curve, nz.count.laplace_releases,
                  nz.epsilons):
        with pytest.raises(ValueError):
            array[0] = 0.0


def test_records_have_short_readable_reprs(records):
    for record in records:
        text = repr(record)
        assert text.startswith(type(record).__name__ + "(")
        assert "array" not in text and "\n" not in text
    assert "epsilon=1," in repr(records[0])
    assert len(repr(records[1])) < 300


def test_summaries_speak_plain_words(records):
    nc, rr, nz = records
    assert isinstance(nc, NoisyCountResult) and "epsilon = 1.00" in nc.summary()
    assert isinstance(rr, RandomizedResponseResult) and "73%" in rr.summary()
    assert isinstance(nz, NoiseComparisonResult)
    assert ("At epsilon = 1.00 the Laplace release lets an attacker who starts 50/50 on whether "
            "Alice is in the data end at most 73% sure") in nz.summary()
    assert "16 times delta, not delta" in nz.summary()


# --- bad input ------------------------------------------------------------------------------------

CALLS = {
    "noisy_count": lambda **kw: noisy_count_experiment(**{"epsilon": 1.0, "n_samples": 10, **kw}),
    "rr": lambda **kw: randomized_response_experiment(**{"epsilon": 1.0, "n_people": 10,
                                                         "n_trials": 10, **kw}),
    "noise": lambda **kw: noise_experiment(**{"epsilon": 1.0, "n_samples": 10, **kw}),
}


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("epsilon,kind", [(0, ValueError), (-0.5, ValueError),
                                          (float("nan"), ValueError), (float("inf"), ValueError),
                                          (True, TypeError), ("1", TypeError)])
def test_bad_epsilon_is_refused_by_name(name, epsilon, kind):
    with pytest.raises(kind, match="`epsilon` must be a positive finite number"):
        CALLS[name](epsilon=epsilon)


@pytest.mark.parametrize("name,kwargs,parameter", [
    ("noisy_count", {"true_count": -1}, "true_count"),
    ("noisy_count", {"n_samples": 0}, "n_samples"),
    ("noisy_count", {"sensitivity": 0}, "sensitivity"),
    ("noisy_count", {"epsilons": [1.0, 0.5]}, "epsilons"),
    ("rr", {"n_people": 0}, "n_people"),
    ("rr", {"true_rate": 1.5}, "true_rate"),
    ("rr", {"epsilons": [0.0, 1.0]}, "epsilons"),
    ("rr", {"rng": -1}, "rng"),
    ("noise", {"delta": 1.0}, "delta"),
    ("noise", {"n_rows": 0}, "n_rows"),
    ("noise", {"true_mean": 2.0}, "true_mean"),
    ("noise", {"true_mean": 0.0}, "true_mean"),
    ("noise", {"bounds": (1, 0)}, "bounds"),
])
def test_bad_parameters_are_named_in_the_message(name, kwargs, parameter):
    with pytest.raises((ValueError, TypeError), match=f"`{parameter}` must be"):
        CALLS[name](**kwargs)


# --- one home for each formula and each name (issue 13, part 6) -----------------------------------

def test_noise_experiment_applies_the_mechanisms_checks():
    # the Laplace scale 1e300 / 1e-10 overflows: LaplaceMechanism refuses it, and so must the
    # experiment (it used to re-derive the scale and return inf)
    with pytest.raises(ValueError, match=r"^`(sensitivity|epsilon)` must be"):
        noise_experiment(1e-10, sensitivity=1e300, n_samples=10, rng=0)


def test_noise_experiment_scales_are_the_mechanisms_own():
    r = noise_experiment(0.7, delta=1e-6, sensitivity=3.0, n_rows=100, n_samples=10,
                         epsilons=[0.5, 2.0], rng=0)
    assert r.count.laplace_std == math.sqrt(2) * LaplaceMechanism(0.7, 3.0).scale
    assert r.count.gaussian_std == GaussianMechanism(0.7, 1e-6, 3.0).sigma
    assert r.count.gaussian_curve[1] * 100 == pytest.approx(
        GaussianMechanism(2.0, 1e-6, 3.0).sigma, rel=1e-12)


def test_each_epsilon_grid_has_one_descriptive_name():
    from ppml_lab.dp import experiments, training_experiments

    assert experiments.ERROR_CURVE_EPSILONS.size == 41
    assert training_experiments.ACCURACY_CURVE_EPSILONS.size == 9
    assert not hasattr(experiments, "DEFAULT_EPSILONS")
    assert not hasattr(training_experiments, "DEFAULT_EPSILONS")
    assert noisy_count_experiment(1.0, n_samples=1, rng=0).epsilons is \
        experiments.ERROR_CURVE_EPSILONS


def test_each_accountant_list_has_one_descriptive_name():
    from ppml_lab.dp import composition_experiments, dpsgd

    assert composition_experiments.COMPOSITION_ACCOUNTANTS == ("basic", "advanced", "optimal",
                                                               "rdp", "pld")
    assert dpsgd.DPSGD_ACCOUNTANTS == ("rdp", "pld")
    assert not hasattr(composition_experiments, "ACCOUNTANTS")
    assert not hasattr(dpsgd, "ACCOUNTANTS")
