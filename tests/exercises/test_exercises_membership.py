"""Exercises 06.1 to 06.3 (membership inference and auditing): solutions, mistakes, starters."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ppml_lab.attacks import advantage_bound, empirical_epsilon
from ppml_lab.exercises import (check_advantage_bound, check_empirical_epsilon, check_loss_scores,
                                get_exercise, list_exercises, solutions)


def test_the_three_exercises_are_registered():
    assert [e.id for e in list_exercises(6)] == ["06.1", "06.2", "06.3"]
    assert get_exercise("06.2").kind == "value"
    assert get_exercise("06.1").check_call == "check_loss_scores(loss_scores)"


# --- 06.1 ----------------------------------------------------------------------------------------

def scores_loop(proba, y):
    return [math.log(proba[i][y[i]]) for i in range(len(y))]


def scores_take(proba, y):
    return np.log(np.take_along_axis(proba, y[:, None], axis=1)[:, 0])


@pytest.mark.parametrize("fn", [solutions.loss_scores, scores_loop, scores_take])
def test_correct_scores_pass_however_written(fn):
    result = check_loss_scores(fn)
    assert result.passed, result
    assert "matches `loss_threshold_attack`" in result.message
    assert "scores -0.11" in result.message  # log 0.9


def _true(proba, y):
    return proba[np.arange(len(y)), y]


MISTAKES_06_1 = {
    "sign": (lambda proba, y: -np.log(_true(proba, y)), "That is the loss"),
    "no log": (lambda proba, y: _true(proba, y), "probabilities themselves"),
    "predicted class": (lambda proba, y: np.log(proba.max(axis=1)), "*predicted* class"),
    "column 0": (lambda proba, y: np.log(proba[:, 0]), "column 0 for every row"),
    "last column": (lambda proba, y: np.log(proba[:, -1]), "last column"),
    "log10": (lambda proba, y: np.log10(_true(proba, y)), "np.log10"),
    "1 - p": (lambda proba, y: np.log(1 - _true(proba, y)), "`1 - p`"),
}


@pytest.mark.parametrize("name", list(MISTAKES_06_1))
def test_scores_mistakes_get_their_hint(name):
    fn, fragment = MISTAKES_06_1[name]
    result = check_loss_scores(fn)
    assert not result.passed
    assert fragment in result.hint, result.hint
    assert "the library gives" in result.message


def test_scores_shape_and_errors():
    result = check_loss_scores(lambda proba, y: np.log(proba))
    assert not result.passed and "shape (5,)" in result.message
    result = check_loss_scores(lambda proba, y: 1 / 0)
    assert not result.passed and "ZeroDivisionError" in result.message
    with pytest.raises(TypeError):
        check_loss_scores("not a function")


def test_scores_starter_says_not_attempted(starter_namespace):
    result = check_loss_scores(starter_namespace("06.1")["loss_scores"])
    assert result.status == "not attempted"


# --- 06.2 ----------------------------------------------------------------------------------------

def test_advantage_answer_passes():
    assert solutions.max_advantage() == pytest.approx(advantage_bound(1.0))
    for answer in (0.4621, (math.e - 1) / (math.e + 1), np.tanh(0.5)):
        assert check_advantage_bound(answer).passed
    assert "0.4621" in check_advantage_bound(0.4621).message


@pytest.mark.parametrize("answer, fragment", [
    (math.e - 1, "`e - 1`"),
    (math.e / (1 + math.e), "best accuracy"),
    (1 - 1 / math.e, "one inequality alone"),
    (math.e, "largest likelihood ratio"),
    (1.0, "perfect attack"),
    (0.0, "caps them"),
    (46.21, "percentage"),
])
def test_advantage_mistakes_get_their_hint(answer, fragment):
    result = check_advantage_bound(answer)
    assert not result.passed
    assert fragment in result.hint, result.hint


def test_advantage_unknown_answer_gets_general_hint_and_placeholder_is_not_attempted(
        starter_namespace):
    result = check_advantage_bound(0.3)
    assert not result.passed and "both hold with equality" in result.hint
    assert check_advantage_bound(starter_namespace("06.2")["advantage_at_1"]).status == \
        "not attempted"
    with pytest.raises(TypeError):
        check_advantage_bound("0.46")


# --- 06.3 ----------------------------------------------------------------------------------------

def eps_math(tpr, fpr, delta):
    return math.log(tpr - delta) - math.log(fpr)


@pytest.mark.parametrize("fn", [solutions.epsilon_from_rates, eps_math])
def test_correct_epsilon_passes(fn):
    result = check_empirical_epsilon(fn)
    assert result.passed, result
    audited = empirical_epsilon(tp=500, fn=500, fp=10, tn=990, delta=1e-5)
    assert f"epsilon >= {audited:.2f} with 95% confidence" in result.message
    assert audited < math.log((0.5 - 1e-5) / 0.01)  # the confident bound is lower


@pytest.mark.parametrize("fn, fragment", [
    (lambda tpr, fpr, delta: np.log(tpr / fpr), "delta is missing"),
    (lambda tpr, fpr, delta: np.log((tpr + delta) / fpr), "Subtract delta"),
    (lambda tpr, fpr, delta: (tpr - delta) / fpr, "That is `e**epsilon`"),
    (lambda tpr, fpr, delta: np.log10((tpr - delta) / fpr), "np.log10"),
    (lambda tpr, fpr, delta: np.log(fpr / (tpr - delta)), "upside down"),
    (lambda tpr, fpr, delta: np.log(tpr - delta) / fpr, "whole ratio"),
])
def test_epsilon_mistakes_get_their_hint(fn, fragment):
    result = check_empirical_epsilon(fn)
    assert not result.passed
    assert fragment in result.hint, result.hint


def test_epsilon_starter_says_not_attempted(starter_namespace):
    result = check_empirical_epsilon(starter_namespace("06.3")["epsilon_from_rates"])
    assert result.status == "not attempted"
    assert not check_empirical_epsilon(lambda tpr, fpr, delta: "2.0").passed
