"""Exercises 03.1 to 03.4 (Laplace, attacker certainty, Gaussian sigma): mistakes and hints."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ppml_lab.dp import GaussianMechanism, LaplaceMechanism
from ppml_lab.exercises import (check_epsilon_for_posterior, check_gaussian_sigma,
                                check_laplace_mechanism, check_posterior_bound, check_warmup,
                                get_exercise, solutions)

# --- 03.1: correct answers written differently all pass -----------------------------------------


def lap_loc(true_value, sensitivity, epsilon, rng):
    return rng.laplace(true_value, sensitivity / epsilon)


def lap_exponentials(true_value, sensitivity, epsilon, rng):
    # the difference of two exponentials is Laplace
    b = sensitivity / epsilon
    return true_value + rng.exponential(b) - rng.exponential(b)


def lap_inverse_cdf(true_value, sensitivity, epsilon, rng):
    u = rng.random() - 0.5
    return true_value - sensitivity / epsilon * math.copysign(1.0, u) * math.log(1 - 2 * abs(u))


def lap_scipy(true_value, sensitivity, epsilon, rng):
    return float(stats.laplace.rvs(loc=true_value, scale=sensitivity / epsilon, random_state=rng))


def lap_library(true_value, sensitivity, epsilon, rng):
    return LaplaceMechanism(epsilon, sensitivity).release(true_value, rng=rng)


def lap_float32(true_value, sensitivity, epsilon, rng):
    return np.float32(true_value + rng.laplace(0.0, sensitivity / epsilon))


@pytest.mark.parametrize("fn", [solutions.laplace_mechanism, lap_loc, lap_exponentials,
                                lap_inverse_cdf, lap_scipy, lap_library, lap_float32])
def test_correct_laplace_mechanism_passes_however_written(fn):
    # independent draws for each: the KS and ratio tolerances are not too tight
    result = check_laplace_mechanism(fn)
    assert result.passed, result
    assert "(4, 0.5 and 2 for (sensitivity, epsilon) = (2, 0.5), (1, 2) and (3, 1.5)" in \
        result.message


# --- 03.1: common mistakes get their own hint ---------------------------------------------------

def no_noise(true_value, sensitivity, epsilon, rng):
    return true_value


def scale_inverted(true_value, sensitivity, epsilon, rng):
    return true_value + rng.laplace(0.0, epsilon / sensitivity)


def forgot_sensitivity(true_value, sensitivity, epsilon, rng):
    return true_value + rng.laplace(0.0, 1 / epsilon)


def independent_of_epsilon(true_value, sensitivity, epsilon, rng):
    return true_value + rng.laplace(0.0, sensitivity)


def fixed_scale(true_value, sensitivity, epsilon, rng):
    return true_value + rng.laplace(0.0, 1.0)


def multiplied(true_value, sensitivity, epsilon, rng):
    return true_value + rng.laplace(0.0, sensitivity * epsilon)


def gaussian_same_scale(true_value, sensitivity, epsilon, rng):
    return true_value + rng.normal(0.0, sensitivity / epsilon)


def gaussian_same_variance(true_value, sensitivity, epsilon, rng):
    return true_value + rng.normal(0.0, math.sqrt(2) * sensitivity / epsilon)


def only_the_noise(true_value, sensitivity, epsilon, rng):
    return rng.laplace(0.0, sensitivity / epsilon)


def biased(true_value, sensitivity, epsilon, rng):
    return true_value + 1.0 + rng.laplace(0.0, sensitivity / epsilon)


def global_numpy(true_value, sensitivity, epsilon, rng):
    return true_value + np.random.laplace(0.0, sensitivity / epsilon)


def fresh_seeded_generator(true_value, sensitivity, epsilon, rng):
    return true_value + np.random.default_rng(1).laplace(0.0, sensitivity / epsilon)


@pytest.mark.parametrize("fn, message, hint", [
    (no_noise, "returned `true_value` unchanged in every call", "No noise, no privacy"),
    (scale_inverted, "This breaks epsilon-DP", "Your scale is upside down"),
    (forgot_sensitivity, "This breaks epsilon-DP", "Your scale is `1 / epsilon`"),
    (independent_of_epsilon, "This breaks epsilon-DP", "Your noise does not change with epsilon"),
    (fixed_scale, "This breaks epsilon-DP", "Your noise does not change with epsilon"),
    (multiplied, "This breaks epsilon-DP", "Your scale is `sensitivity * epsilon`"),
    (gaussian_same_scale, "the light tails of a Gaussian", "Gaussian noise belongs to the "
                                                           "Gaussian mechanism"),
    (gaussian_same_variance, "the light tails of a Gaussian", "`rng.laplace(0.0, scale)`"),
    (only_the_noise, "are centred on 0, not on `true_value`", "not the noise alone"),
    (biased, "are centred near 11, not on the true value", "The noise must have mean 0"),
    (global_numpy, "two runs with the same seed gave different outputs",
     "not from `np.random` or the `random` module"),
    (fresh_seeded_generator, "returned the same number in every call",
     "do not create a new seeded generator"),
])
def test_laplace_mistakes_get_specific_hints(fn, message, hint):
    result = check_laplace_mechanism(fn)
    assert result.status == "failed"
    assert message in result.message, result
    assert hint in result.hint, result


def test_wrong_scale_message_quotes_the_scales_and_the_violated_ratio():
    result = check_laplace_mechanism(scale_inverted)
    assert result.message.startswith(
        "the noise of `scale_inverted` has a scale of about 0.252, 2 and 0.516 for (sensitivity, "
        "epsilon) = (2, 0.5), (1, 2) and (3, 1.5); the Laplace mechanism uses `sensitivity / "
        "epsilon` = 4, 0.5 and 2. This breaks epsilon-DP: for the neighbouring true values 10 and "
        "12 (sensitivity 2, epsilon = 0.5), outputs in [")
    assert result.message.endswith("epsilon-DP allows at most `e**0.5` = 1.65.")


def test_too_much_noise_is_private_but_wasteful():
    def double(true_value, sensitivity, epsilon, rng):
        return true_value + rng.laplace(0.0, 2 * sensitivity / epsilon)

    result = check_laplace_mechanism(double)
    assert result.status == "failed"
    assert result.message.endswith("It is private enough, but adds more noise than needed, "
                                   "which costs accuracy.")
    assert result.hint == get_exercise("03.1").hint


def test_right_size_wrong_shape_is_told_to_use_laplace():
    def uniform(true_value, sensitivity, epsilon, rng):
        b = sensitivity / epsilon
        return true_value + rng.uniform(-2 * b, 2 * b)  # mean absolute value b, like Laplace

    result = check_laplace_mechanism(uniform)
    assert "has about the right size but not the shape of a Laplace distribution" in \
        result.message
    assert "`scipy.stats.laplace(loc=10, scale=4)`" in result.message


def test_laplace_array_output_fails_with_its_shape():
    result = check_laplace_mechanism(lambda v, s, e, rng: v + rng.laplace(0.0, s / e, size=1))
    assert result.message == ("`fn(10, 2, 0.5, rng=rng)` returned an array of shape (1,); it "
                              "should return the noisy value, one number.")


# --- 03.3 ---------------------------------------------------------------------------------------

def test_gaussian_sigma_solution_matches_the_library():
    for sensitivity, epsilon, delta in [(1.0, 0.5, 1e-5), (2.0, 0.9, 1e-7)]:
        assert solutions.gaussian_sigma(sensitivity, epsilon, delta) == pytest.approx(
            GaussianMechanism(epsilon, delta, sensitivity, analytic=False).sigma, rel=1e-12)


def test_gaussian_sigma_pass_message_compares_with_the_analytic_sigma():
    result = check_gaussian_sigma(solutions.gaussian_sigma)
    analytic = GaussianMechanism(0.5, 1e-5).sigma
    assert f"needs only sigma = {analytic:.2f} there" in result.message


@pytest.mark.parametrize("fn, hint", [
    (lambda s, e, d: s * math.sqrt(2 * math.log(1 / d)) / e, "`1.25 / delta`, not `1 / delta`"),
    (lambda s, e, d: s * 2 * math.log(1.25 / d) / e, "The square root covers"),
    (lambda s, e, d: s * math.sqrt(math.log(1.25 / d)) / e, "The factor 2 is missing"),
    (lambda s, e, d: math.sqrt(2 * math.log(1.25 / d)) / e, "Multiply by the sensitivity"),
    (lambda s, e, d: s * math.sqrt(2 * math.log10(1.25 / d)) / e, "not `np.log10`"),
    (lambda s, e, d: solutions.gaussian_sigma(s, e, d) ** 2, "That is the variance"),
    (lambda s, e, d: GaussianMechanism(e, d, s).sigma, "That is the analytic sigma"),
])
def test_gaussian_sigma_mistakes_get_specific_hints(fn, hint):
    result = check_gaussian_sigma(fn)
    assert result.status == "failed"
    assert hint in result.hint
    assert "the classic Gaussian mechanism needs sigma = " in result.message


def test_gaussian_sigma_unknown_mistake_gets_the_general_hint():
    result = check_gaussian_sigma(lambda s, e, d: 1.0)
    assert result.message == ("`fn(1, 0.5, 1e-5)` returned 1; the classic Gaussian mechanism "
                              "needs sigma = 9.68961.")
    assert result.hint == get_exercise("03.3").hint


# --- value exercises: 00.1, 03.2, 03.4 ----------------------------------------------------------

@pytest.mark.parametrize("check, answer", [
    (check_warmup, 2.0), (check_warmup, 2), (check_warmup, np.float64(2.0005)),
    (check_posterior_bound, 0.75), (check_posterior_bound, 3 / 4), (check_posterior_bound, 0.752),
    (check_epsilon_for_posterior, math.log(9)), (check_epsilon_for_posterior, 2.2),
    (check_epsilon_for_posterior, np.log(9)),
])
def test_value_exercises_accept_the_answer_within_tolerance(check, answer):
    assert check(answer).passed


@pytest.mark.parametrize("check, answer, hint", [
    (check_warmup, 0.5, "0.5 is epsilon itself"),
    (check_warmup, 8, "That is the variance"),
    (check_warmup, math.sqrt(2) * 2, "That is the standard deviation"),
    (check_warmup, 1, "1 is the scale at epsilon = 1"),
    (check_posterior_bound, 3, "`e**epsilon`, the largest likelihood ratio"),
    (check_posterior_bound, math.log(3), "That is epsilon itself"),
    (check_posterior_bound, 0.5, "0.5 is where the attacker starts"),
    (check_posterior_bound, 0.25, "The question asks for the highest"),
    (check_posterior_bound, 1, "never lets the attacker become certain"),
    (check_posterior_bound, 75, "That looks like a percentage"),
    (check_epsilon_for_posterior, 9, "epsilon is its natural logarithm"),
    (check_epsilon_for_posterior, 0.9, "0.9 is the certainty itself"),
    (check_epsilon_for_posterior, math.log(0.9), "Work with odds, not probabilities"),
    (check_epsilon_for_posterior, math.log10(9), "not `np.log10`"),
    (check_epsilon_for_posterior, math.log(10), "not `1 / 0.1` = 10"),
    (check_epsilon_for_posterior, math.log(1.8), "Compare odds, not probabilities"),
    (check_epsilon_for_posterior, 90, "the certainty in percent"),
])
def test_value_mistakes_get_specific_hints(check, answer, hint):
    result = check(answer)
    assert result.status == "failed"
    assert result.message == f"you answered {float(answer):.4g}, which is not it yet."
    assert hint in result.hint


@pytest.mark.parametrize("exercise_id, answer", [("00.1", 3.0), ("03.2", 0.6), ("03.4", 1.0)])
def test_value_unknown_mistake_gets_the_general_hint(exercise_id, answer):
    exercise = get_exercise(exercise_id)
    assert exercise.check(answer).hint == exercise.hint


def test_posterior_solutions_are_the_textbook_values():
    assert solutions.posterior_bound() == pytest.approx(0.75, abs=1e-15)
    assert solutions.epsilon_for_posterior() == pytest.approx(math.log(9), abs=1e-15)
    assert solutions.laplace_scale() == LaplaceMechanism(0.5).scale
