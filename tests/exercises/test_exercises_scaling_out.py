"""Exercises 13.1 and 13.2 (which rows a SuperNode holds; when the engine's overhead matters)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ppml_lab.exercises import (check_break_even_params, check_client_rows, get_exercise, hint,
                                show_solution, solutions)
from ppml_lab.federated.deployment_cost import DEFAULT_ROUND_OVERHEAD_SECONDS, deployment_cost
from ppml_lab.federated.flower import FlowerSetting, reference_partitions

NOTEBOOK = (Path(__file__).resolve().parents[2] / "notebooks"
            / "13_scaling_out_with_flower.ipynb")


# --- 13.1 --------------------------------------------------------------------------------------

@pytest.mark.parametrize("n_rows, n_clients", [(1257, 3), (10, 3), (5, 2), (1257, 7)])
def test_solution_is_the_reference_split(n_rows, n_clients):
    parts = [solutions.client_rows(n_rows, n_clients, i) for i in range(n_clients)]
    for mine, reference in zip(parts, reference_partitions(n_rows, n_clients)):
        np.testing.assert_array_equal(mine, reference)
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(n_rows))


def test_solution_gives_a_supernode_the_rows_the_simulator_stacks():
    setting = FlowerSetting(3, 1)
    X_train = setting.data()[0]
    X, _, mask = setting.client_data(2)
    rows = solutions.client_rows(X_train.shape[0], 3, 2)
    np.testing.assert_array_equal(X[0][mask[0].astype(bool)], X_train[rows])


def test_solution_passes_and_says_nothing_was_sent():
    result = check_client_rows(solutions.client_rows)
    assert result.passed, result
    assert "Nothing was sent" in result.message


def _unseeded(n, k, pid):
    return np.array_split(np.random.default_rng().permutation(n), k)[pid]


def _other_seed(n, k, pid):
    return np.array_split(np.random.default_rng(2026).permutation(n), k)[pid]


def _neighbour(n, k, pid):
    return np.array_split(np.random.default_rng(0).permutation(n), k)[(pid + 1) % k]


def _sorted(n, k, pid):
    return np.sort(np.array_split(np.random.default_rng(0).permutation(n), k)[pid])


def _floor_slices(n, k, pid):
    size = n // k
    return np.random.default_rng(0).permutation(n)[pid * size:(pid + 1) * size]


@pytest.mark.parametrize("fn, words", [
    (_unseeded, "draw three different shuffles"),
    (_other_seed, "A different shuffle"),
    (_neighbour, "Partition ids start at 0"),
    (_sorted, "in another order"),
    (_floor_slices, "drops rows or moves them"),
    (lambda n, k, pid: np.array_split(np.arange(n), k)[pid], "consecutive rows"),
])
def test_typical_slips_get_their_hints(fn, words):
    result = check_client_rows(fn)
    assert not result.passed and result.attempted
    assert words in result.hint, result.hint


def test_wrong_kinds_of_answer_are_told_what_came_back():
    result = check_client_rows(lambda n, k, pid: [0.5, 1.5])
    assert not result.passed and "an array of row numbers (integers)" in result.message
    calls_library = check_client_rows(lambda n, k, pid: reference_partitions(n, k)[pid])
    assert not calls_library.passed and "reference_partitions" in calls_library.message


def test_starter_is_not_attempted(starter_namespace):
    result = check_client_rows(starter_namespace("13.1")["client_rows"])
    assert result.status == "not attempted"
    with pytest.raises(TypeError, match="`fn`"):
        check_client_rows(solutions.client_rows(10, 2, 0))


# --- 13.2 --------------------------------------------------------------------------------------

def test_break_even_is_where_the_cost_models_network_equals_the_engine():
    millions = solutions.break_even_params()
    assert millions == pytest.approx(1.875)
    n = int(millions * 1e6)
    cost = deployment_cost(3, 1, n, bandwidth_mbps=20.0, latency_ms=0.0, bytes_per_parameter=4)
    assert cost.network_seconds == pytest.approx(DEFAULT_ROUND_OVERHEAD_SECONDS, rel=1e-6)
    assert cost.engine_seconds == DEFAULT_ROUND_OVERHEAD_SECONDS
    below = deployment_cost(3, 1, n // 2, bandwidth_mbps=20.0, latency_ms=0.0,
                            bytes_per_parameter=4)
    assert below.network_seconds < below.engine_seconds


@pytest.mark.parametrize("answer", [1.875, 1.88, 1.87])
def test_correct_answers_pass(answer):
    result = check_break_even_params(answer)
    assert result.passed, result
    assert "1.88 million parameters" in result.message


@pytest.mark.parametrize("answer, words", [
    (3.75, "travels twice"),
    (15.0, "divides bits by bytes"),
    (30.0, "Two slips"),
    (0.234375, "once too often"),
    (0.9375, "float64"),
    (1_875_000, "millions"),
    (1875.0, "not 1e3"),
])
def test_wrong_answers_get_their_hints(answer, words):
    result = check_break_even_params(answer)
    assert not result.passed and result.attempted
    assert words in result.hint, result.hint


def test_not_attempted_and_bad_type():
    assert not check_break_even_params(...).attempted
    assert not check_break_even_params(None).attempted
    with pytest.raises(TypeError, match="`answer`"):
        check_break_even_params("two million")
    assert "a positive number" in check_break_even_params(-1.875).message


# --- both --------------------------------------------------------------------------------------

def test_exercises_are_registered_with_hints_and_solutions():
    for exercise_id, kind in (("13.1", "function"), ("13.2", "value")):
        exercise = get_exercise(exercise_id)
        assert exercise.notebook == "13" and exercise.kind == kind
        assert len(exercise.hints) == 3 and hint(exercise_id, 3).text
        assert "def " in show_solution(exercise_id).source
    assert "break_even = ...  # your answer" in get_exercise("13.2").starter


def test_the_notebook_shows_the_starters_and_the_checks():
    sources = ["".join(c["source"]) for c in json.loads(NOTEBOOK.read_text())["cells"]]
    for exercise_id in ("13.1", "13.2"):
        exercise = get_exercise(exercise_id)
        assert exercise.starter.strip() in sources
        assert f"exercises.{exercise.check_call}" in sources
