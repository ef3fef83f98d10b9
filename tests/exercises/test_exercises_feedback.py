"""Every exercise tells a wrong answer what is wrong with it, not only "incorrect".

For each exercise of the catalogue, a typical wrong answer (the slip a learner is most likely to
make) must get a message that quotes what was submitted and what the answer should be (or the
rule it breaks), and a hint aimed at that slip rather than the exercise's general hint. Wrong
kinds of answer (text, an array of the wrong shape) must be told what came back and what should.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ppml_lab.exercises import get_exercise, list_exercises
from ppml_lab.exercises._core import fmt_answer


def _true(proba, y):
    return proba[np.arange(len(y)), y]


# id -> (typical wrong answer, fragments of the message, fragment of the hint aimed at the slip)
TYPICAL = {
    "00.1": (0.5, ["you answered 0.5", "the noise scale at epsilon = 0.5 is larger"],
             "0.5 is epsilon itself"),
    "01.1": (lambda z, b, s: len(set(zip(z.tolist(), b.tolist(), s.tolist()))) / len(z),
             ["returned 0.8571", "the share of unique people is 0.7143"],
             "number of distinct combinations"),
    "01.2": (lambda q, a: np.linalg.lstsq(q, a, rcond=None)[0],
             ["values other than 0 and 1", "one bit (0 or 1) per person"],
             "round each entry at 1/2"),
    "02.1": (lambda true_answer, epsilon, rng:
             true_answer if rng.random() < math.exp(-epsilon) else 1 - true_answer,
             ["told the truth in 59.5, 36.5 and 13.9 %", "randomized response: 62.2, 73.1 and "
              "88.1 %"], "`e**(-epsilon)`"),
    "02.2": (lambda reports, epsilon: float(np.mean(reports)),
             ["returned 0.3", "the unbiased estimate is 0.0672093"],
             "share of 1s among the *reports*"),
    "03.1": (lambda true_value, sensitivity, epsilon, rng:
             true_value + rng.laplace(0.0, epsilon / sensitivity),
             ["has a scale of about 0.252", "`sensitivity / epsilon` = 4, 0.5 and 2",
              "This breaks epsilon-DP"], "upside down"),
    "03.2": (3.0, ["you answered 3", "a probability between 0 and 1"], "Turn odds into a "
             "probability"),
    "03.3": (11.19, ["you answered 11.19", "the sigma of each count is smaller"], "L1 norm"),
    "03.4": (9.0, ["you answered 9", "is smaller"], "natural logarithm"),
    "04.1": (lambda epsilon, delta_prime: math.floor(2 * math.log(1 / delta_prime)) + 1,
             ["returned 24", "the smallest number of releases is 29"], "drops the second term"),
    "04.2": (lambda target_epsilon, delta, sample_rate, steps: target_epsilon,
             ["returned 2, the target epsilon itself"], "not an epsilon"),
    "05.1": (lambda g, c, s, rng: (g.sum(0) + rng.normal(0, s * c, g.shape[1])) / len(g),
             ["returned [-0.22,  1.04,  2.32]", "the clipped mean is [0.2662"],
             "The rows were not clipped"),
    "05.2": (3, ["you answered 3", "the number of candidates the budget buys is larger"],
             "basic composition"),
    "06.1": (lambda proba, y: -np.log(_true(proba, y)),
             ["your scores are [0.357", "the library gives [-0.357"], "That is the loss"),
    "06.2": (math.e / (1 + math.e), ["you answered 0.731059", "is smaller"],
             "best accuracy of guessing"),
    "06.3": (lambda tpr, fpr, delta: float(np.log(tpr / fpr)),
             ["returned 3.91202", "the rates prove epsilon >= 3.912"], "delta is missing"),
    "07.1": (lambda client_weights, n_examples: client_weights.mean(axis=0),
             ["returned [ 1.    ,  1.    , -0.3333,  0.1667]", "the library gives"],
             "plain mean"),
    "07.2": (lambda y, n_clients, alpha, rng:
             np.array_split(rng.permutation(len(y)), n_clients),
             ["the variance of a client's share of a class is 0.0007213",
              "Dirichlet(0.5) per class gives 0.04571"], "looks IID"),
    "07.3": (100, ["you answered 100", "not the alpha with the lowest mean accuracy"],
             "practically IID"),
    "08.1": (lambda w, W, c, s, rng: W.mean(0) + rng.normal(0, s * c, W.shape[1]) / len(W),
             ["returned [0.28, 0.04, 4.32]", "`DPFedAvg` gives"], "not clipped"),
    "08.2": (1.212, ["you answered 1.212", "(RDP accountant, delta = 1e-6) is larger"],
             "one round"),
    "08.3": (lambda update, n_classes: (update, np.arange(n_classes)),
             ["returned digits of shape (1, 650)", "the server reads 3 digit(s)"],
             "Keep all of them"),
    "09.1": (lambda secret, n_shares, rng:
             np.array([secret] + [0] * (n_shares - 1), dtype=np.uint64),
             ["gave the same shares more than once", "fresh random numbers"],
             "Draw the shares from `rng`"),
    "09.2": (lambda xs, ys, p: sum(ys) % p, ["returned 61", "the secret is 5"],
             "That adds the shares"),
    "10.1": (lambda updates, pair_masks: updates.copy(),
             ["the updates themselves, unmasked"], "Nothing was masked"),
    "10.2": (lambda n_clients, n_dropped, dimension: 8 * dimension * n_clients,
             ["returned 120", "the protocol sends 7,040 bytes"], "only the masked inputs"),
    "11.1": (lambda c, n, lam, mu: (pow(c, lam, n * n) - 1) // n,
             ["returned a 77-digit integer", "the plaintext is 42"], "forgot `mu`"),
    "11.2": (256_000, ["you answered 256,000", "the upload in bytes is larger"], "That counts n"),
    "12.1": (3, ["you answered 3", "which is not the fewest hospitals"],
             "server holds every record"),
    "12.2": (2.75, ["you answered 2.75", "the epsilon the record states is smaller"],
             "uses the target"),
    "13.1": (lambda n_rows, n_clients, partition_id:
             np.array_split(np.arange(n_rows), n_clients)[partition_id],
             ["returned an array of shape (419,)", "holds 419 rows"], "consecutive rows"),
    "13.2": (3.75, ["you answered 3.75", "the break-even model size (millions of parameters) "
                    "is smaller"], "travels twice"),
}

ALL = [e.id for e in list_exercises()]
FUNCTION_IDS = [i for i in ALL if get_exercise(i).kind == "function"]
VALUE_IDS = [i for i in ALL if get_exercise(i).kind == "value"]
_BARE = ("incorrect", "wrong", "not it yet", "try again")


def test_every_exercise_of_the_catalogue_has_a_typical_wrong_answer_here():
    assert sorted(TYPICAL) == sorted(ALL)


@pytest.mark.parametrize("exercise_id", sorted(TYPICAL))
def test_a_typical_wrong_answer_is_told_what_is_wrong(exercise_id):
    exercise = get_exercise(exercise_id)
    answer, fragments, hint = TYPICAL[exercise_id]
    result = exercise.check(answer)
    assert result.status == "failed", result
    for fragment in fragments:
        assert fragment in result.message, (fragment, result.message)
    assert not any(word in result.message.lower() for word in _BARE), result.message
    assert result.hint != exercise.hint, "the hint should be aimed at the slip"
    assert hint in result.hint, (hint, result.hint)


@pytest.mark.parametrize("exercise_id", VALUE_IDS)
@pytest.mark.parametrize("how", ["a third more", "ten more", "negative"])
def test_any_wrong_number_is_quoted_with_the_direction_or_the_rule_it_breaks(exercise_id, how):
    exercise = get_exercise(exercise_id)
    expected = float(exercise.solution())
    answer = {"a third more": expected * 4 / 3 + 1, "ten more": expected + 10.0,
              "negative": -1.0}[how]
    result = exercise.check(answer)
    assert result.status == "failed"
    message = result.message
    assert message.startswith(f"you answered {fmt_answer(answer)}"), message
    # the direction ("... is smaller"), the rule ("..., but an epsilon is a positive number"),
    # or, for a question with a few choices, the choices
    assert (message.endswith(" is smaller.") or ", but " in message
            or "; answer one of " in message or "not a whole number" in message), message
    assert not any(word in message.lower() for word in _BARE), message


# not 07.3 and 12.1 (a few choices) nor 05.2 (a whole number): "close" means nothing there
@pytest.mark.parametrize("exercise_id", [i for i in VALUE_IDS if i not in ("05.2", "07.3",
                                                                           "12.1")])
def test_an_answer_just_outside_the_tolerance_is_told_it_is_close(exercise_id):
    exercise = get_exercise(exercise_id)
    expected = float(exercise.solution())
    # three tolerances off: find the tolerance from where a pass turns into a fail
    tolerance = next(t for t in (1e-9, 1e-3, 2e-3, 5e-4, 5e-3, 0.01, 0.03, 0.5)
                     if exercise.check(expected + 0.9 * t).passed
                     and not exercise.check(expected + 1.1 * t).passed)
    result = exercise.check(expected - 3 * tolerance)
    assert "close: " in result.message and "is a little larger" in result.message
    assert "Keep more decimals." in result.message


@pytest.mark.parametrize("exercise_id", FUNCTION_IDS)
def test_a_string_is_told_what_came_back_and_what_should(exercise_id):
    def text(*args, **kwargs):
        return "42"

    result = get_exercise(exercise_id).check(text)
    assert result.status == "failed"
    assert "returned the string '42'" in result.message
    assert "; it should return " in result.message


@pytest.mark.parametrize("exercise_id", FUNCTION_IDS)
def test_an_array_of_the_wrong_shape_is_told_its_shape(exercise_id):
    def wrong_shape(*args, **kwargs):
        return np.zeros((3, 7))

    result = get_exercise(exercise_id).check(wrong_shape)
    assert result.status == "failed"
    assert "(3, 7)" in result.message
    assert "should return" in result.message or "floats" in result.message, result.message
