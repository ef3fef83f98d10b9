"""Exercises 07.1 to 07.3 (federated learning): solutions pass, typical mistakes get their hint."""

from __future__ import annotations

import numpy as np
import pytest

from ppml_lab.exercises import (check_dirichlet_split, check_fedavg_aggregate, check_worst_alpha,
                                get_exercise, list_exercises, solutions)
from ppml_lab.federated import dirichlet_partition
from ppml_lab.federated.experiments import federated_curves
from ppml_lab.federated.strategies import weighted_average


def test_the_three_exercises_are_registered():
    assert [e.id for e in list_exercises(7)] == ["07.1", "07.2", "07.3"]
    assert get_exercise("07.3").kind == "value"
    assert get_exercise("07.1").check_call == "check_fedavg_aggregate(fedavg_aggregate)"
    assert get_exercise("07.2").check_call == "check_dirichlet_split(dirichlet_split)"


# --- 07.1 ----------------------------------------------------------------------------------------

def aggregate_loop(client_weights, n_examples):
    total = np.zeros(client_weights.shape[1])
    for w, n in zip(client_weights, n_examples):
        total += n * w
    return total / sum(n_examples)


def aggregate_einsum(client_weights, n_examples):
    share = n_examples / n_examples.sum()
    return np.einsum("c,cp->p", share, client_weights)


@pytest.mark.parametrize("fn", [solutions.fedavg_aggregate, aggregate_loop, aggregate_einsum])
def test_correct_aggregation_passes_however_written(fn):
    result = check_fedavg_aggregate(fn)
    assert result.passed, result
    assert "0.40" in result.message and "plain mean 1.00" in result.message


def test_the_solution_is_the_library_weighted_average():
    rng = np.random.default_rng(0)
    W, n = rng.normal(size=(7, 5)), rng.integers(1, 50, size=7)
    assert np.allclose(solutions.fedavg_aggregate(W, n), weighted_average(W, n), rtol=1e-12)


MISTAKES_07_1 = {
    "plain mean": (lambda client_weights, n_examples: client_weights.mean(axis=0),
                   "plain mean"),
    "not divided": (lambda client_weights, n_examples: n_examples @ client_weights,
                    "did not divide"),
    "by clients": (lambda client_weights, n_examples: n_examples @ client_weights
                   / len(n_examples), "not by the number of clients"),
    "upside down": (lambda client_weights, n_examples: (1 / n_examples) @ client_weights
                    / (1 / n_examples).sum(), "upside down"),
    "sum": (lambda client_weights, n_examples: client_weights.sum(axis=0), "sum of the"),
    "wrong axis": (lambda client_weights, n_examples: (client_weights * n_examples[:, None])
                   .sum(axis=1) / n_examples.sum(), "each client's row"),
}


@pytest.mark.parametrize("name", list(MISTAKES_07_1))
def test_aggregation_mistakes_get_their_hint(name):
    fn, fragment = MISTAKES_07_1[name]
    result = check_fedavg_aggregate(fn)
    assert not result.passed
    assert fragment in result.hint, result.hint


@pytest.mark.parametrize("fn", [
    lambda client_weights, n_examples: np.average(client_weights, axis=0, weights=n_examples),
    lambda client_weights, n_examples: weighted_average(client_weights, n_examples),
])
def test_aggregation_refuses_library_one_liners(fn):
    result = check_fedavg_aggregate(fn)
    assert not result.passed and "the library's own answer" in result.message


def test_aggregation_in_place_and_errors(starter_namespace):
    def in_place(client_weights, n_examples):
        client_weights *= n_examples[:, None] / n_examples.sum()
        return client_weights.sum(axis=0)

    result = check_fedavg_aggregate(in_place)
    assert not result.passed and "in place" in result.message
    result = check_fedavg_aggregate(lambda client_weights, n_examples: 1 / 0)
    assert not result.passed and "ZeroDivisionError" in result.message
    with pytest.raises(TypeError):
        check_fedavg_aggregate("fedavg_aggregate")
    assert check_fedavg_aggregate(starter_namespace("07.1")["fedavg_aggregate"]).status == \
        "not attempted"


# --- 07.2 ----------------------------------------------------------------------------------------

def split_with_lists(y, n_clients, alpha, rng):
    """The same convention written differently: cumulative counts, plain lists."""
    parts = [[] for _ in range(n_clients)]
    for label in sorted(set(y.tolist())):
        idx = list(rng.permutation(np.flatnonzero(y == label)))
        shares = rng.dirichlet([alpha] * n_clients)
        ends = np.round(np.cumsum(shares) * len(idx)).astype(int)
        start = 0
        for client, end in enumerate(ends):
            parts[client] += idx[start:end]
            start = end
    return parts


@pytest.mark.parametrize("fn", [solutions.dirichlet_split, split_with_lists])
def test_correct_split_passes(fn):
    result = check_dirichlet_split(fn)
    assert result.passed, result
    assert "expected 0.0457" in result.message


def test_the_solution_agrees_with_the_library_in_distribution():
    y = np.repeat(np.arange(10), 200)
    mine = [np.var([np.mean(y[p] == 0) * len(p) / 200 for p in
                    solutions.dirichlet_split(y, 5, 0.5, np.random.default_rng(s))])
            for s in range(300)]
    lib = [np.var([np.mean(y[p] == 0) * len(p) / 200 for p in
                   dirichlet_partition(y, 5, 0.5, rng=s)]) for s in range(300)]
    assert abs(np.mean(mine) - np.mean(lib)) < 0.15 * np.mean(lib)


def _per_client(y, n_clients, alpha, rng):
    """Each client's label mix from Dirichlet over the classes, then normalised per class."""
    q = rng.dirichlet(alpha * np.ones(10), size=n_clients)
    parts = [[] for _ in range(n_clients)]
    for k in range(10):
        idx = rng.permutation(np.flatnonzero(y == k))
        cuts = np.round(np.cumsum(q[:, k] / q[:, k].sum())[:-1] * len(idx)).astype(int)
        for c, piece in enumerate(np.split(idx, cuts)):
            parts[c] += piece.tolist()
    return parts


def _one_draw(y, n_clients, alpha, rng):
    shares = rng.dirichlet(alpha * np.ones(n_clients))
    parts = [[] for _ in range(n_clients)]
    for k in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == k))
        for c, piece in enumerate(np.split(idx, np.round(np.cumsum(shares)[:-1]
                                                         * len(idx)).astype(int))):
            parts[c] += piece.tolist()
    return parts


def _floor_sizes(y, n_clients, alpha, rng):
    parts = [[] for _ in range(n_clients)]
    for k in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == k))
        sizes = (rng.dirichlet(alpha * np.ones(n_clients)) * len(idx)).astype(int)
        start = 0
        for c in range(n_clients):
            parts[c] += idx[start:start + sizes[c]].tolist()
            start += sizes[c]
    return parts


MISTAKES_07_2 = {
    "per-client convention": (_per_client, "per-client convention"),
    "IID": (lambda y, n_clients, alpha, rng: np.array_split(rng.permutation(len(y)), n_clients),
            "looks IID"),
    "alpha inverted": (lambda y, n_clients, alpha, rng:
                       solutions.dirichlet_split(y, n_clients, 1 / alpha, rng), "shrink"),
    "alpha ignored": (lambda y, n_clients, alpha, rng:
                      solutions.dirichlet_split(y, n_clients, 1.0, rng), "is `alpha` used"),
    "one draw for all classes": (_one_draw, "fresh Dirichlet vector for every class"),
    "examples lost": (_floor_sizes, "every index once"),
    "labels not indices": (lambda y, n_clients, alpha, rng:
                           [y[p] for p in solutions.dirichlet_split(y, n_clients, alpha, rng)],
                           "positions of one class"),
    "global random state": (lambda y, n_clients, alpha, rng:
                            solutions.dirichlet_split(y, n_clients, alpha,
                                                      np.random.default_rng()), "never `np.random.*`"),
    "one array": (lambda y, n_clients, alpha, rng: rng.permutation(len(y)), "client by client"),
}


@pytest.mark.parametrize("name", list(MISTAKES_07_2))
def test_split_mistakes_get_their_hint(name):
    fn, fragment = MISTAKES_07_2[name]
    result = check_dirichlet_split(fn)
    assert not result.passed
    assert fragment in result.hint, (result.message, result.hint)


def test_split_refuses_the_library_and_handles_starters(starter_namespace):
    result = check_dirichlet_split(lambda y, n_clients, alpha, rng:
                                   dirichlet_partition(y, n_clients, alpha, rng=rng))
    assert not result.passed and "dirichlet_partition" in result.message
    assert check_dirichlet_split(starter_namespace("07.2")["dirichlet_split"]).status == \
        "not attempted"
    result = check_dirichlet_split(lambda y, n_clients, alpha, rng: [[0]] * (n_clients - 1))
    assert not result.passed and "5 index arrays" in result.message


# --- 07.3 ----------------------------------------------------------------------------------------

def test_worst_alpha_is_the_most_skewed_by_a_clear_margin():
    means = {a: federated_curves(100, a, 5, 0.1, strategies=["FedAvg"], rng=2026)
             .curve("FedAvg").mean() for a in (0.05, 0.5, 5.0, 100.0)}
    assert solutions.worst_alpha() == 0.05
    assert means[0.05] < min(means[0.5], means[5.0], means[100.0]) - 0.03
    result = check_worst_alpha(0.05)
    assert result.passed and "alpha 0.05 0.854" in result.message


@pytest.mark.parametrize("answer, fragment", [(100, "practically IID"), (5, "nearly IID"),
                                              (0.5, "smaller alpha is more so"),
                                              (1.0, "which end of it")])
def test_worst_alpha_mistakes_get_their_hint(answer, fragment):
    result = check_worst_alpha(answer)
    assert not result.passed and fragment in result.hint


def test_worst_alpha_placeholder_and_bad_type(starter_namespace):
    assert check_worst_alpha(starter_namespace("07.3")["worst"]).status == "not attempted"
    with pytest.raises(TypeError):
        check_worst_alpha("0.05")
