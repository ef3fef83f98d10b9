"""Exercises 04.1 and 04.2 (advanced composition, the noise for a target epsilon): hints."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ppml_lab.dp import advanced_composition, calibrate_noise_multiplier, dpsgd_epsilon
from ppml_lab.exercises import (check_advanced_composition, check_noise_for_target, get_exercise,
                                solutions)

# --- 04.1: correct answers written differently all pass -----------------------------------------


def adv_math(epsilon, k, delta_prime):
    first = math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon
    return first + k * epsilon * math.expm1(epsilon)


def adv_library(epsilon, k, delta_prime):
    return advanced_composition(epsilon, 0.0, k, delta_prime).epsilon


def adv_numpy_scalar(epsilon, k, delta_prime):
    return np.float64(np.sqrt(-2 * k * np.log(delta_prime)) * epsilon
                      + k * epsilon * np.expm1(epsilon))


@pytest.mark.parametrize("fn", [solutions.advanced_composition_epsilon, adv_math, adv_library,
                                adv_numpy_scalar])
def test_correct_advanced_composition_passes_however_written(fn):
    result = check_advanced_composition(fn)
    assert result.passed, result
    assert "For 100 queries at epsilon 0.1 (delta' = 1e-5) it gives 5.85, against 10" in \
        result.message
    assert "worse than basic composition's 5" in result.message


def test_the_cases_show_both_sides_of_advanced_composition():
    # many small steps: advanced beats basic; few large ones: it loses
    assert advanced_composition(0.1, 0.0, 100, 1e-5).epsilon < 100 * 0.1
    assert advanced_composition(0.5, 0.0, 10, 1e-6).epsilon > 10 * 0.5


# --- 04.1: common mistakes get their own hint ---------------------------------------------------

MISTAKES_04_1 = {
    "basic": (lambda epsilon, k, delta_prime: k * epsilon, "That is basic composition"),
    "first term only": (lambda epsilon, k, delta_prime:
                        math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon,
                        "The second term is missing"),
    "epsilon squared": (lambda epsilon, k, delta_prime:
                        math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon
                        + k * epsilon**2, "small-epsilon approximation"),
    "no minus one": (lambda epsilon, k, delta_prime:
                     math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon
                     + k * epsilon * math.exp(epsilon), "subtract 1"),
    "no factor 2": (lambda epsilon, k, delta_prime:
                    math.sqrt(k * math.log(1 / delta_prime)) * epsilon
                    + k * epsilon * math.expm1(epsilon), "The factor 2 is missing"),
    "log10": (lambda epsilon, k, delta_prime:
              math.sqrt(2 * k * math.log10(1 / delta_prime)) * epsilon
              + k * epsilon * math.expm1(epsilon), "not `np.log10`"),
    "no square root": (lambda epsilon, k, delta_prime:
                       2 * k * math.log(1 / delta_prime) * epsilon
                       + k * epsilon * math.expm1(epsilon), "The square root covers"),
}


@pytest.mark.parametrize("name", sorted(MISTAKES_04_1))
def test_advanced_composition_mistakes_get_their_hint(name):
    fn, hint = MISTAKES_04_1[name]
    result = check_advanced_composition(fn)
    assert result.status == "failed"
    assert hint in result.hint, result
    assert result.message.startswith("`<lambda>(") or result.message.startswith("`fn(")
    assert "advanced composition gives" in result.message


def test_advanced_composition_unknown_mistake_gets_the_general_hint():
    result = check_advanced_composition(lambda epsilon, k, delta_prime: 3.0)
    assert result.status == "failed"
    assert result.hint == get_exercise("04.1").hint


def test_advanced_composition_nan_from_a_negative_logarithm_is_reported():
    def log_of_delta(epsilon, k, delta_prime):  # ln(delta') < 0: the square root of a negative
        return np.sqrt(2 * k * np.log(delta_prime)) * epsilon

    with np.errstate(invalid="ignore"):
        result = check_advanced_composition(log_of_delta)
    assert result.status == "failed" and "returned nan" in result.message


# --- 04.2 ---------------------------------------------------------------------------------------

CASES = [(2.0, 1e-5, 256 / 60000, 14063), (1.0, 1e-6, 0.01, 1000)]


def by_library(target_epsilon, delta, sample_rate, steps):
    return calibrate_noise_multiplier(target_epsilon, delta, sample_rate, steps)


def by_pld(target_epsilon, delta, sample_rate, steps):
    return calibrate_noise_multiplier(target_epsilon, delta, sample_rate, steps, accountant="pld")


def linear_bisection(target_epsilon, delta, sample_rate, steps):
    low, high = 0.01, 50.0
    for _ in range(60):
        middle = (low + high) / 2
        if dpsgd_epsilon(middle, sample_rate, steps, delta) <= target_epsilon:
            high = middle
        else:
            low = middle
    return high


@pytest.mark.parametrize("fn", [solutions.noise_for_target, by_library, linear_bisection])
def test_correct_noise_for_target_passes(fn):
    result = check_noise_for_target(fn)
    assert result.passed, result
    assert "about 1.2953, 1.6595 for the two settings" in result.message
    assert "PLD" not in result.message


def test_pld_calibration_passes_with_a_note():
    result = check_noise_for_target(by_pld)
    assert result.passed, result
    assert "You calibrated with the PLD accountant" in result.message


def test_the_solution_meets_the_target_within_a_tenth_of_a_percent():
    for args in CASES:
        sigma = solutions.noise_for_target(*args)
        best = calibrate_noise_multiplier(*args)
        target, delta, q, steps = args
        assert dpsgd_epsilon(sigma, q, steps, delta) <= target
        assert best <= sigma <= best * 1.0011


def test_too_little_noise_is_refused():
    def returns_low(target_epsilon, delta, sample_rate, steps):  # the wrong end of the bracket
        return calibrate_noise_multiplier(target_epsilon, delta, sample_rate, steps) * 0.9

    result = check_noise_for_target(returns_low)
    assert result.status == "failed"
    assert "above the target 2" in result.message and "(RDP accountant)" in result.message
    assert result.hint.startswith("With too little noise the run is not private enough")


def test_too_much_noise_is_refused():
    def coarse(target_epsilon, delta, sample_rate, steps):
        return calibrate_noise_multiplier(target_epsilon, delta, sample_rate, steps) * 1.2

    result = check_noise_for_target(coarse)
    assert result.status == "failed"
    assert "adds 20% more noise than needed" in result.message
    assert result.hint.startswith("Narrow the search")


def test_returning_the_epsilon_or_a_negative_number_is_refused():
    result = check_noise_for_target(lambda target_epsilon, delta, sample_rate, steps:
                                    target_epsilon)
    assert result.status == "failed" and "the target epsilon itself" in result.message
    result = check_noise_for_target(lambda target_epsilon, delta, sample_rate, steps: -1.0)
    assert result.status == "failed" and "positive number" in result.message


def test_learner_errors_from_the_library_are_reported_not_raised():
    def bad_call(target_epsilon, delta, sample_rate, steps):
        return dpsgd_epsilon(0.0, sample_rate, steps, delta)  # noise 0 is refused

    result = check_noise_for_target(bad_call)
    assert result.status == "failed"
    assert "raised ValueError: `noise_multiplier` must be a positive finite number" in \
        result.message
