"""Exercises 02.1 (randomized response) and 02.2 (the unbiased estimate): mistakes and hints."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from ppml_lab.dp import RandomizedResponse
from ppml_lab.exercises import (check_randomized_response, check_rr_estimate, get_exercise,
                                solutions)


def _p(epsilon):
    return math.exp(epsilon) / (1 + math.exp(epsilon))


# --- 02.1: correct answers written differently all pass -----------------------------------------

def rr_binomial(true_answer, epsilon, rng):
    return true_answer if rng.binomial(1, _p(epsilon)) else 1 - true_answer


def rr_choice(true_answer, epsilon, rng):
    return rng.choice([true_answer, 1 - true_answer], p=[_p(epsilon), 1 - _p(epsilon)])


def rr_flip_when_above(true_answer, epsilon, rng):
    return int(true_answer) ^ int(rng.random() > _p(epsilon))  # the lie is drawn from the top end


def rr_bool(true_answer, epsilon, rng):
    keep = rng.random() < _p(epsilon)
    return bool(true_answer) == keep


def rr_library(true_answer, epsilon, rng):
    return RandomizedResponse(epsilon).release(true_answer, rng=rng)


@pytest.mark.parametrize("fn", [solutions.randomized_response, rr_binomial, rr_choice,
                                rr_flip_when_above, rr_bool])
def test_correct_randomized_response_passes_however_written(fn):
    # each uses rng differently, so these are independent draws: the tolerance is not too tight
    result = check_randomized_response(fn)
    assert result.passed, result
    assert "0.622, 0.731 and 0.881 at epsilon = 0.5, 1 and 2" in result.message


# --- 02.1: common mistakes get their own hint ---------------------------------------------------

def always_truthful(true_answer, epsilon, rng):
    return true_answer


def always_lies(true_answer, epsilon, rng):
    return 1 - true_answer


def prob_exp_minus_eps(true_answer, epsilon, rng):
    return true_answer if rng.random() < math.exp(-epsilon) else 1 - true_answer


def branches_swapped(true_answer, epsilon, rng):
    return 1 - true_answer if rng.random() < _p(epsilon) else true_answer


def warner_two_coins(true_answer, epsilon, rng):
    if rng.random() < 0.5:
        return true_answer
    return int(rng.random() < 0.5)


def fair_coin(true_answer, epsilon, rng):
    return int(rng.random() < 0.5)


def mostly_yes(true_answer, epsilon, rng):
    return int(rng.random() < 0.8)


def fresh_seeded_generator(true_answer, epsilon, rng):
    own = np.random.default_rng(0)
    return true_answer if own.random() < _p(epsilon) else 1 - true_answer


def global_random(true_answer, epsilon, rng):
    return true_answer if random.random() < _p(epsilon) else 1 - true_answer


def half_epsilon(true_answer, epsilon, rng):
    return true_answer if rng.random() < _p(epsilon / 2) else 1 - true_answer


def one_minus_exp_minus_eps(true_answer, epsilon, rng):
    return true_answer if rng.random() < 1 - math.exp(-epsilon) else 1 - true_answer


@pytest.mark.parametrize("fn, message, hint", [
    (always_truthful, "reported the true answer in all 24,000 calls",
     "Always telling the truth gives no privacy"),
    (always_lies, "reported the opposite of the true answer in all 24,000 calls",
     "Always lying gives no privacy either"),
    (prob_exp_minus_eps, "% of the calls at epsilon = 0.5, 1 and 2", "probability `e**(-epsilon)`"),
    (branches_swapped, "% of the calls at epsilon = 0.5, 1 and 2", "swap your two branches"),
    (warner_two_coins, "This breaks epsilon-DP: at epsilon = 0.5, reports of 1 were",
     "Warner's two-coin scheme"),
    (fair_coin, "reported 1 equally often whatever the true answer was",
     "fair coin flips that ignore `true_answer`"),
    (mostly_yes, "reported 1 equally often whatever the true answer was",
     "do not depend on `true_answer`"),
    (fresh_seeded_generator, "always gave the same report",
     "Do not create a new seeded generator"),
    (global_random, "two runs with the same seed gave different reports",
     "not from `np.random` or the `random` module"),
    (one_minus_exp_minus_eps, "% of the calls at epsilon = 0.5, 1 and 2", "`1 - e**(-epsilon)`"),
])
def test_randomized_response_mistakes_get_specific_hints(fn, message, hint):
    result = check_randomized_response(fn)
    assert result.status == "failed"
    assert message in result.message, result
    assert hint in result.hint, result


def test_too_much_randomness_is_private_but_not_randomized_response():
    result = check_randomized_response(half_epsilon)
    assert not result.passed
    assert result.message.startswith("for `true_answer=0` at epsilon = 0.5, `half_epsilon` "
                                     "reported the truth in ")
    assert result.message.endswith("It is private enough: no report was more than `e**epsilon` "
                                   "times likelier under one true answer than under the other.")
    assert result.hint == get_exercise("02.1").hint  # no specific mistake recognised


def test_dp_violation_is_reported_with_the_ratio():
    result = check_randomized_response(warner_two_coins)
    # 3/4 truthful at epsilon = 0.5: the ratio 3 exceeds e**0.5 = 1.65
    assert "epsilon-DP allows at most `e**0.5` = 1.65." in result.message


@pytest.mark.parametrize("output, shown", [("yes", "the string 'yes'"), (2, "2"), (0.5, "0.5"),
                                           (np.array([1]), "an array of shape (1,)"),
                                           ([1], "a list of length 1")])
def test_reports_that_are_not_0_or_1_fail_with_what_was_returned(output, shown):
    result = check_randomized_response(lambda true_answer, epsilon, rng: output)
    assert result.status == "failed"
    assert result.message == (f"`fn(0, 0.5, rng=rng)` returned {shown}; it should return the "
                              "report, 0 or 1.")
    assert "Return a single number, 0 or 1" in result.hint


def test_missing_return_in_one_branch_is_not_mistaken_for_not_attempted():
    def forgot_return(true_answer, epsilon, rng):
        if rng.random() < _p(epsilon):
            return true_answer

    result = check_randomized_response(forgot_return)
    assert result.status == "failed"
    assert "returned `None`. Is a `return` missing in one branch" in result.message


# --- 02.2 ---------------------------------------------------------------------------------------

def test_estimate_matches_the_library_and_passes():
    result = check_rr_estimate(solutions.estimate_yes_rate)
    assert result.passed
    reports = np.array([1, 0, 1, 1, 0, 0, 0, 1])
    for eps in (0.3, 1.0, 3.0):
        assert solutions.estimate_yes_rate(reports, eps) == pytest.approx(
            RandomizedResponse(eps).estimate(reports)[1], abs=1e-12)


def test_answers_that_call_the_library_are_told_to_write_it_themselves():
    result = check_randomized_response(rr_library)
    assert not result.passed and result.attempted
    assert "calls `ppml_lab.dp.RandomizedResponse.release`, the library's own answer" in \
        result.message
    result = check_rr_estimate(lambda r, e: RandomizedResponse(e).estimate(r)[1])
    assert not result.passed
    assert "calls `ppml_lab.dp.RandomizedResponse.estimate`" in result.message


def raw_share(reports, epsilon):
    return float(np.mean(reports))


def clipped(reports, epsilon):
    return float(np.clip(solutions.estimate_yes_rate(reports, epsilon), 0.0, 1.0))


def share_of_no(reports, epsilon):
    return 1.0 - solutions.estimate_yes_rate(reports, epsilon)


def noise_applied_again(reports, epsilon):
    p, share = _p(epsilon), np.mean(reports)
    return share * p + (1 - share) * (1 - p)


@pytest.mark.parametrize("fn, hint", [
    (raw_share, "That is the share of 1s among the *reports*, but some reports are lies."),
    (clipped, "do not clip or round it"),
    (share_of_no, "That is the estimated share of true 0s (no)."),
    (noise_applied_again, "You applied the randomization again"),
])
def test_estimate_mistakes_get_specific_hints(fn, hint):
    result = check_rr_estimate(fn)
    assert result.status == "failed"
    assert hint in result.hint
    assert "the unbiased estimate is" in result.message


def test_raw_share_message_names_the_input():
    result = check_rr_estimate(raw_share)
    assert result.message == ("for 100 reports with 30 ones at epsilon = 1, `raw_share` returned "
                              "0.3; the unbiased estimate is 0.0672093.")


def test_estimate_returning_both_frequencies_is_told_to_return_one_number():
    def both(reports, epsilon):
        yes = solutions.estimate_yes_rate(reports, epsilon)
        return np.array([1 - yes, yes])

    result = check_rr_estimate(both)
    assert result.message.endswith("returned an array of shape (2,); it should return one "
                                   "number, the estimated share of true 1s.")
    assert result.hint == "Return only the estimate for the answer 1 (yes), one number."


def test_estimate_gets_a_copy_of_the_reports():
    def mutating(reports, epsilon):
        value = solutions.estimate_yes_rate(reports, epsilon)
        reports[:] = 1
        return value

    assert check_rr_estimate(mutating).passed


def test_estimate_returning_nan_fails():
    result = check_rr_estimate(lambda r, e: float("nan"))
    assert result.status == "failed" and "returned nan" in result.message


def test_missing_return_is_found_even_when_the_first_call_hits_it():
    def forgot_return_often(true_answer, epsilon, rng):
        if rng.random() < 0.3:
            return true_answer

    # whichever branch the first call takes, a missing return is not "not attempted"
    result = check_randomized_response(forgot_return_often)
    assert result.status == "failed"
    assert "Is a `return` missing in one branch" in result.message


def test_debugging_prints_do_not_flood_the_notebook(capsys):
    def chatty(true_answer, epsilon, rng):
        print("p =", _p(epsilon))
        return solutions.randomized_response(true_answer, epsilon, rng)

    assert check_randomized_response(chatty).passed
    assert capsys.readouterr().out.count("\n") <= 1
