"""Exercises 12.1 and 12.2 (the design a threat model needs, a record's epsilon from a ledger)."""

from __future__ import annotations

import pytest

from ppml_lab.design import design, evaluate_design
from ppml_lab.dp import BudgetAccountant
from ppml_lab.exercises import (check_hospitals_needed, check_record_epsilon, get_exercise, hint,
                                show_solution, solutions)
from ppml_lab.governance import processing_record


def _accuracy(name, n):
    return evaluate_design(design(name, epsilon=2.0, n_hospitals=n), rng=12).accuracy


# --- 12.1 ------------------------------------------------------------------------------------------

def test_the_answer_comes_from_the_measured_table():
    safe = {n: _accuracy("federated + secure aggregation + DP", n) for n in (3, 5, 10)}
    fewest = next((n for n in (3, 5, 10) if safe[n] >= 0.80), 0)
    assert solutions.hospitals_needed() == fewest == 5
    # margins: a few test rows either side of the floor, so the answer is robust
    assert safe[3] < 0.80 - 3 / 171 and safe[5] > 0.80 + 3 / 171


@pytest.mark.parametrize("answer", [5, 5.0])
def test_correct_answer_passes(answer):
    result = check_hospitals_needed(answer)
    assert result.passed, result
    assert "5 hospitals: 85.4%" in result.message


@pytest.mark.parametrize("answer, words", [
    (3, "server holds every record"),
    (10, "the fewest"),
    (0, "A design does meet"),
    (7, "which design"),
])
def test_wrong_answers_get_their_hints(answer, words):
    result = check_hospitals_needed(answer)
    assert not result.passed and result.attempted
    assert words in result.hint


def test_not_attempted_and_bad_type():
    assert not check_hospitals_needed(...).attempted
    assert not check_hospitals_needed(None).attempted
    with pytest.raises(TypeError, match="`answer`"):
        check_hospitals_needed("five")


# --- 12.2 ------------------------------------------------------------------------------------------

def test_record_epsilon_is_the_ledgers_total():
    run = evaluate_design(design("federated + secure aggregation + DP", epsilon=2.0,
                                 n_hospitals=5), rng=12)
    assert run.epsilon < 2.0
    expected = solutions.record_epsilon()
    assert expected == pytest.approx(run.epsilon + 0.5 + 0.25, abs=1e-12)
    # the same number, from a ledger built differently: partitions by name
    ledger = BudgetAccountant(4.0, 1e-5)
    ledger.spend(run.epsilon, run.delta, label="run")
    with ledger.parallel(label="counts") as block:
        for h in range(5):
            block.partition(f"h{h}").spend(0.5, label="count")
    ledger.spend(0.25, label="mean")
    record = processing_record(ledger, purpose="p", data_categories=["d"], recipients=["r"],
                               retention="1 year", techniques={"DP": {}})
    assert record.epsilon_spent == pytest.approx(expected, abs=1e-12)


def test_correct_record_epsilon_passes():
    result = check_record_epsilon(solutions.record_epsilon())
    assert result.passed, result
    assert check_record_epsilon(round(solutions.record_epsilon(), 4)).passed


@pytest.mark.parametrize("offset, words", [
    ("target", "uses the target"),
    ("no_parallel", "parallel block charges only the largest"),
    ("no_mean", "charged on top"),
    ("run_only", "every release"),
])
def test_record_mistakes_get_their_hints(offset, words):
    run = evaluate_design(design("federated + secure aggregation + DP", epsilon=2.0,
                                 n_hospitals=5), rng=12).epsilon
    value = {"target": 2.75, "no_parallel": run + 2.75, "no_mean": run + 0.5,
             "run_only": run}[offset]
    result = check_record_epsilon(value)
    assert not result.passed and words in result.hint


def test_exercises_are_registered_with_hints_and_solutions():
    for exercise_id in ("12.1", "12.2"):
        exercise = get_exercise(exercise_id)
        assert exercise.notebook == "12" and exercise.kind == "value"
        assert len(exercise.hints) == 3
        assert hint(exercise_id, 3).text
        assert "def " in show_solution(exercise_id).source
    assert "n_hospitals = ...  # your answer" in get_exercise("12.1").starter
    assert "record_epsilon = ...  # your answer" in get_exercise("12.2").starter
