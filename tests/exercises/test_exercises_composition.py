"""Exercises 04.1 and 04.2 (when advanced composition pays off, the noise for a target): hints."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ppml_lab.dp import advanced_composition, calibrate_noise_multiplier, dpsgd_epsilon
from ppml_lab.exercises import (check_advanced_pays_off, check_noise_for_target, get_exercise,
                                solutions)
from ppml_lab.exercises.composition_budgets import _PAYOFF_CASES, _payoff

# --- 04.1: the closed form agrees with the library, and correct answers pass however written ---


@pytest.mark.parametrize("epsilon, delta_prime", _PAYOFF_CASES)
def test_the_answers_agree_with_the_library_bound(epsilon, delta_prime):
    k = _payoff(epsilon, delta_prime)
    if math.isinf(k):  # never: check far out too
        assert all(advanced_composition(epsilon, 0.0, n, delta_prime).epsilon >= n * epsilon
                   for n in (1, 10, 1000, 10**6, 10**9))
        return
    k = int(k)
    assert advanced_composition(epsilon, 0.0, k, delta_prime).epsilon < k * epsilon
    assert advanced_composition(epsilon, 0.0, k - 1, delta_prime).epsilon >= (k - 1) * epsilon


def test_the_cases_have_distinct_answers():
    assert [_payoff(*args) for args in _PAYOFF_CASES] == [29, 187, 23, math.inf]


def payoff_by_search(epsilon, delta_prime):  # with the library, and reasoning for "never"
    if math.exp(epsilon) >= 2:
        return math.inf
    k = 1
    while advanced_composition(epsilon, 0.0, k, delta_prime).epsilon >= k * epsilon:
        k += 1
    return k


def payoff_numpy(epsilon, delta_prime):
    gain = 2 - np.exp(epsilon)
    return np.inf if gain <= 0 else np.floor(-2 * np.log(delta_prime) / gain**2) + 1


@pytest.mark.parametrize("fn", [solutions.advanced_pays_off_from, payoff_by_search,
                                payoff_numpy])
def test_correct_payoff_passes_however_written(fn):
    result = check_advanced_pays_off(fn)
    assert result.passed, result
    assert "advanced composition wins from 29 releases on" in result.message
    assert "at epsilon 1 never" in result.message


# --- 04.1: common mistakes get their own hint ---------------------------------------------------

def bound(epsilon, delta_prime):
    gain = 2 - math.exp(epsilon)
    return math.inf if gain <= 0 else 2 * math.log(1 / delta_prime) / gain**2


MISTAKES_04_1 = {
    "not whole": (bound, "whole"),
    "not strict": (lambda e, d: bound(e, d) if math.isinf(bound(e, d)) else math.floor(bound(e, d)),
                   "the inequality is strict"),
    "second term dropped": (lambda e, d: math.floor(2 * math.log(1 / d)) + 1,
                            "drops the second term"),
    "log10": (lambda e, d: math.inf if math.exp(e) >= 2
              else math.floor(2 * math.log10(1 / d) / (2 - math.exp(e)) ** 2) + 1, "`np.log10`"),
    "one minus": (lambda e, d: math.floor(2 * math.log(1 / d) / (1 - math.exp(e)) ** 2) + 1,
                  "not `(1 - e**epsilon)`"),
    "finite for never": (lambda e, d: 10**6 if math.exp(e) >= 2 else _payoff(e, d),
                         "Return `math.inf` then"),
    "never where it pays": (lambda e, d: math.inf, "It does pay off"),
}


@pytest.mark.parametrize("name", sorted(MISTAKES_04_1))
def test_payoff_mistakes_get_their_hint(name):
    fn, hint = MISTAKES_04_1[name]
    result = check_advanced_pays_off(fn)
    assert result.status == "failed"
    assert hint in result.hint, result


def test_payoff_unknown_mistake_gets_the_general_hint():
    result = check_advanced_pays_off(lambda epsilon, delta_prime: 3)
    assert result.status == "failed" and result.message.endswith("is 29.")
    assert result.hint == get_exercise("04.1").hint


def test_payoff_text_and_strings_are_refused_clearly():
    result = check_advanced_pays_off(lambda epsilon, delta_prime: "never")
    assert result.status == "failed" and "the string 'never'" in result.message


# --- 04.2 ---------------------------------------------------------------------------------------

CASES = [(2.0, 1e-5, 256 / 60000, 14063), (1.0, 1e-6, 0.01, 1000)]
# the library's answers, computed here so that the test doubles below do not call it
BEST = {args: calibrate_noise_multiplier(*args) for args in CASES}


def by_library(target_epsilon, delta, sample_rate, steps):
    return calibrate_noise_multiplier(target_epsilon, delta, sample_rate, steps)


def by_pld(target_epsilon, delta, sample_rate, steps):  # a bisection with the PLD accountant
    low, high = 0.1, 100.0
    while high / low > 1.001:
        middle = np.sqrt(low * high)
        if dpsgd_epsilon(middle, sample_rate, steps, delta, accountant="pld") <= target_epsilon:
            high = middle
        else:
            low = middle
    return high


def linear_bisection(target_epsilon, delta, sample_rate, steps):
    low, high = 0.01, 50.0
    for _ in range(60):
        middle = (low + high) / 2
        if dpsgd_epsilon(middle, sample_rate, steps, delta) <= target_epsilon:
            high = middle
        else:
            low = middle
    return high


def test_calling_the_library_is_refused():
    result = check_noise_for_target(by_library)
    assert result.status == "failed"
    assert "calls `ppml_lab.dp.calibrate_noise_multiplier`, the library's own answer" in \
        result.message


@pytest.mark.parametrize("fn", [solutions.noise_for_target, linear_bisection])
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
        return BEST[(target_epsilon, delta, sample_rate, steps)] * 0.9

    result = check_noise_for_target(returns_low)
    assert result.status == "failed"
    assert "above the target 2" in result.message and "(RDP accountant)" in result.message
    assert result.hint.startswith("With too little noise the run is not private enough")


def test_too_much_noise_is_refused():
    def coarse(target_epsilon, delta, sample_rate, steps):
        return BEST[(target_epsilon, delta, sample_rate, steps)] * 1.2

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
