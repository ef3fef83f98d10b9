"""Exercises 03.1 to 03.4 (Laplace, attacker certainty, a histogram's Gaussian noise): mistakes
and hints."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ppml_lab.dp import GaussianMechanism, LaplaceMechanism
from ppml_lab.exercises._core import fmt_answer
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
                                lap_inverse_cdf, lap_scipy, lap_float32])
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


# --- 03.1 must be written, not called ----------------------------------------------------------

def lap_dp_count(true_value, sensitivity, epsilon, rng):
    from ppml_lab.dp import dp_sum
    return dp_sum([true_value], epsilon=epsilon, bounds=(-1e9, 1e9), rng=rng)


@pytest.mark.parametrize("fn", [lap_library, lap_dp_count])
def test_laplace_answer_that_calls_the_library_is_refused(fn):
    result = check_laplace_mechanism(fn)
    assert result.status == "failed"
    assert "calls `ppml_lab.dp.LaplaceMechanism.release`" in result.message
    assert "write it yourself" in result.message


# --- hints come in tiers -------------------------------------------------------------------------

@pytest.mark.parametrize("exercise_id", ["03.1", "03.2", "03.3", "03.4"])
def test_every_exercise_has_two_or_three_tiers_and_the_first_is_only_a_nudge(exercise_id):
    exercise = get_exercise(exercise_id)
    assert 2 <= len(exercise.hints) <= 3
    first = exercise.hints[0]
    # the nudge names neither the formula nor the number
    for giveaway in ("sensitivity / epsilon", "rng.laplace", "odds / (1 + odds)", "np.log",
                     "sqrt(3)", "np.sqrt", "0.9 / 0.1", "3:1"):
        assert giveaway not in first
    assert all(len(h) > 40 for h in exercise.hints)


def test_not_attempted_starters_show_no_hint(starter_namespace):
    namespace = starter_namespace("03.1")
    result = check_laplace_mechanism(namespace["laplace_mechanism"])
    assert result.status == "not attempted" and result.hint == ""
    for exercise_id, check in (("03.2", check_posterior_bound), ("03.3", check_gaussian_sigma),
                               ("03.4", check_epsilon_for_posterior)):
        result = check(starter_namespace(exercise_id)[get_exercise(exercise_id).answer_name])
        assert result.status == "not attempted" and result.hint == ""
        assert f'exercises.hint("{exercise_id}")' in result.message


# --- 03.3 the Gaussian noise of a histogram, several bins per person -----------------------------

def test_gaussian_sigma_solution_is_the_l2_sensitivity_times_the_unit_sigma():
    unit = GaussianMechanism(1.0, 1e-5).sigma
    assert solutions.gaussian_sigma() == pytest.approx(math.sqrt(3) * unit, rel=1e-9)
    assert solutions.gaussian_sigma() == pytest.approx(6.4616, abs=1e-4)
    assert solutions.gaussian_sigma(max_symptoms=1) == pytest.approx(unit, rel=1e-12)


def test_gaussian_sigma_passes_within_tolerance_and_explains():
    for answer in (solutions.gaussian_sigma(), 6.46, 6.48, np.float64(6.45)):
        assert check_gaussian_sigma(answer).passed
    message = check_gaussian_sigma(6.46).message
    assert "`sqrt(3)` = 1.732" in message and "sigma = 6.46" in message
    assert "replace-one neighbours (6 counts move) sigma would be 9.14" in message


def _sigma(sensitivity):
    return GaussianMechanism(1.0, 1e-5, sensitivity).sigma


def _assert_says_value_and_direction(result, answer, expected):
    """The message quotes the answer and says which way the right one lies, or which rule the
    answer breaks (a probability above 1, a negative epsilon)."""
    assert result.message.startswith(f"you answered {fmt_answer(float(answer))}")
    direction = "larger" if float(answer) < expected else "smaller"
    assert (result.message.endswith(f" is {direction}.")
            or result.message.split(", but ", 1)[-1].endswith(("a positive number.",
                                                                "between 0 and 1."))), result


@pytest.mark.parametrize("answer, hint", [
    (_sigma(1.0), "a patient who reports 3 symptoms is in 3 counts"),
    (_sigma(3.0), "the L1 norm of the change"),
    (_sigma(math.sqrt(6)), "That is the replace-one sensitivity"),
    (_sigma(math.sqrt(10)), "not all 10"),
    (_sigma(10.0), "not all 10"),
    (_sigma(6.0), "add/remove-one neighbours"),
    (math.sqrt(3) * math.sqrt(2 * math.log(1.25e5)), "classic formula"),
    (_sigma(math.sqrt(3)) ** 2, "That is the variance"),
    (math.sqrt(3), "That is the sensitivity itself"),
])
def test_gaussian_sigma_mistakes_get_specific_hints(answer, hint):
    result = check_gaussian_sigma(answer)
    assert result.status == "failed"
    _assert_says_value_and_direction(result, answer, solutions.gaussian_sigma())
    assert hint in result.hint


def test_gaussian_sigma_unknown_mistake_gets_the_general_hint():
    result = check_gaussian_sigma(5.0)
    assert result.hint == get_exercise("03.3").hint
    with pytest.raises(TypeError, match="`answer`"):
        check_gaussian_sigma("6.46")


def test_gaussian_sigma_question_names_the_neighbours_and_the_setting():
    exercise = get_exercise("03.3")
    assert exercise.kind == "value" and exercise.answer_name == "sigma_symptoms"
    for words in ("at most 3 symptoms", "epsilon = 1, delta = 1e-5", "add/remove-one"):
        assert words in exercise.question.replace("\n", " ")


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
    expected = {check_warmup: solutions.laplace_scale, check_posterior_bound:
                solutions.posterior_bound, check_epsilon_for_posterior:
                solutions.epsilon_for_posterior}[check]()
    _assert_says_value_and_direction(result, answer, expected)
    assert hint in result.hint


@pytest.mark.parametrize("exercise_id, answer", [("00.1", 3.0), ("03.2", 0.6), ("03.4", 1.0)])
def test_value_unknown_mistake_gets_the_general_hint(exercise_id, answer):
    exercise = get_exercise(exercise_id)
    assert exercise.check(answer).hint == exercise.hint


def test_posterior_solutions_are_the_textbook_values():
    assert solutions.posterior_bound() == pytest.approx(0.75, abs=1e-15)
    assert solutions.epsilon_for_posterior() == pytest.approx(math.log(9), abs=1e-15)
    assert solutions.laplace_scale() == LaplaceMechanism(0.5).scale
