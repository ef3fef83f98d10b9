"""Exercises 08.1 and 08.2 (one DP-FedAvg round, the epsilon of a deployment): checks and hints."""

from __future__ import annotations

import numpy as np
import pytest

from ppml_lab.dp import dpsgd_epsilon
from ppml_lab.attacks import gradient_from_update, invert_softmax_batch
from ppml_lab.exercises import (check_dp_fedavg_round, check_fedavg_epsilon, check_read_batch,
                                get_exercise, hint, list_exercises, show_solution, solutions)
from ppml_lab.federated import DPFedAvg, FedAvg, LogisticModel

# --- 08.1: correct answers written differently pass -----------------------------------------------


def round_loop(global_weights, client_weights, clip_norm, noise_multiplier, rng):
    total = np.zeros_like(global_weights)
    for row in client_weights:
        update = row - global_weights
        total += update / max(1.0, np.linalg.norm(update) / clip_norm)
    total += noise_multiplier * clip_norm * rng.standard_normal(len(global_weights))
    return global_weights + total / len(client_weights)


def round_list(global_weights, client_weights, clip_norm, noise_multiplier, rng):  # a list
    out = solutions.dp_fedavg_round(global_weights, client_weights, clip_norm, noise_multiplier,
                                    rng)
    return [float(v) for v in out]


@pytest.mark.parametrize("fn", [solutions.dp_fedavg_round, round_loop, round_list])
def test_correct_dp_fedavg_round_passes(fn):
    result = check_dp_fedavg_round(fn)
    assert result.passed, result
    assert "expected 0.0750 = 1.5 x 2 / 40" in result.message


def test_the_solution_is_dpfedavg_without_noise():
    gen = np.random.default_rng(3)
    w = gen.normal(size=6)
    clients = w + gen.normal(size=(7, 6)) * np.linspace(0.1, 3.0, 7)[:, None]
    ours = solutions.dp_fedavg_round(w, clients, 1.0, 0.0, np.random.default_rng(0))
    library = DPFedAvg(FedAvg(), 1.0, 0.0).aggregate(w, clients, np.ones(7))
    np.testing.assert_allclose(ours, library, rtol=1e-12, atol=1e-14)


def test_the_solution_draws_the_same_noise_as_dpfedavg():
    """Same generator, same draw: DPFedAvg adds N(0, (sigma C)^2) to the sum, divided by m."""
    w = np.zeros(5)
    clients = np.eye(5) * 3.0
    ours = solutions.dp_fedavg_round(w, clients, 1.0, 2.0, np.random.default_rng(11))
    library = DPFedAvg(FedAvg(), 1.0, 2.0).aggregate(w, clients, np.ones(5),
                                                     rng=np.random.default_rng(11))
    np.testing.assert_allclose(ours, library, rtol=1e-12)


# --- 08.1: typical mistakes get their hint --------------------------------------------------------

def _clip_rows(u, c):
    return u * np.minimum(1.0, c / np.linalg.norm(u, axis=1, keepdims=True))


def _noise(rng, std, d):
    return rng.normal(0.0, std, size=d)


def _mean_clipped(w, W, c):
    return _clip_rows(W - w, c).mean(0)


MISTAKES_08_1 = {
    "no clipping": (lambda w, W, c, s, rng: W.mean(0) + _noise(rng, s * c, W.shape[1]) / len(W),
                    "The updates were not clipped"),
    "the update, not the weights": (
        lambda w, W, c, s, rng: _mean_clipped(w, W, c) + _noise(rng, s * c, W.shape[1]) / len(W),
        "That is the averaged update"),
    "clip the weights": (
        lambda w, W, c, s, rng: w + _clip_rows(W, c).mean(0) + _noise(rng, s * c, len(w)) / len(W),
        "You clipped the clients' weights"),
    "clip the sum": (
        lambda w, W, c, s, rng: w + (_clip_rows((W - w).sum(0)[None], c)[0]
                                     + _noise(rng, s * c, len(w))) / len(W),
        "You clipped the sum"),
    "normalise every update": (
        lambda w, W, c, s, rng: w + (((W - w) * c / np.linalg.norm(W - w, axis=1,
                                                                    keepdims=True)).sum(0)
                                     + _noise(rng, s * c, len(w))) / len(W),
        "Updates shorter than `clip_norm` must stay as they are"),
    "no averaging": (lambda w, W, c, s, rng: w + _clip_rows(W - w, c).sum(0)
                     + _noise(rng, s * c, len(w)),
                     "Divide the noisy sum by the number of clients"),
    "noise without clip_norm": (lambda w, W, c, s, rng: w + _mean_clipped(w, W, c)
                                + _noise(rng, s, len(w)) / len(W),
                                "the clipping norm is the sensitivity"),
    "noise divided twice": (lambda w, W, c, s, rng: w + _mean_clipped(w, W, c)
                            + _noise(rng, s * c, len(w)) / len(W) ** 2,
                            "divided the noise by the number of clients twice"),
    "noise not divided": (lambda w, W, c, s, rng: w + _mean_clipped(w, W, c)
                          + _noise(rng, s * c, len(w)),
                          "The noise must be divided by the number of clients too"),
    "variance for std": (lambda w, W, c, s, rng: w + _mean_clipped(w, W, c)
                         + _noise(rng, (s * c) ** 2, len(w)) / len(W),
                         "not a variance"),
    "noise per client (local DP)": (
        lambda w, W, c, s, rng: w + (_clip_rows(W - w, c)
                                     + rng.normal(0.0, s * c, size=W.shape)).mean(0),
        "that is local DP"),
    "one noise number": (lambda w, W, c, s, rng: w + _mean_clipped(w, W, c)
                         + rng.normal(0.0, s * c) / len(W),
                         "one noise number per coordinate"),
    "no noise": (lambda w, W, c, s, rng: w + _mean_clipped(w, W, c), "no noise was added"),
    "global numpy noise": (lambda w, W, c, s, rng: w + _mean_clipped(w, W, c)
                           + np.random.default_rng().normal(0.0, s * c, len(w)) / len(W),
                           "does not come (only) from `rng`"),
}


@pytest.mark.parametrize("name", list(MISTAKES_08_1))
def test_typical_dp_fedavg_round_mistakes_get_their_hint(name):
    fn, expected = MISTAKES_08_1[name]
    result = check_dp_fedavg_round(fn)
    assert not result.passed and result.attempted, result
    assert expected in result.message + result.hint, (name, result)


def test_an_answer_calling_dpfedavg_is_refused():
    def one_liner(global_weights, client_weights, clip_norm, noise_multiplier, rng):
        return DPFedAvg(FedAvg(), clip_norm, noise_multiplier).aggregate(
            global_weights, client_weights, np.ones(len(client_weights)), rng=rng)

    result = check_dp_fedavg_round(one_liner)
    assert not result.passed
    assert "the library's own answer" in result.message and "DPFedAvg.aggregate" in result.message


def test_the_starter_is_not_attempted_and_wrong_kinds_raise():
    def starter(global_weights, client_weights, clip_norm, noise_multiplier, rng):
        ...

    result = check_dp_fedavg_round(starter)
    assert result.status == "not attempted"
    with pytest.raises(TypeError, match="`fn` must be"):
        check_dp_fedavg_round(solutions.dp_fedavg_round(np.zeros(2), np.ones((2, 2)), 1.0, 0.0,
                                                        np.random.default_rng(0)))


def test_a_learner_crash_is_reported_not_raised():
    def crashes(global_weights, client_weights, clip_norm, noise_multiplier, rng):
        return client_weights @ np.ones(3)  # wrong shapes for the 2-column case

    result = check_dp_fedavg_round(crashes)
    assert not result.passed and result.attempted


# --- 08.2 -----------------------------------------------------------------------------------------

def test_the_deployment_epsilon_is_the_accountants():
    expected = dpsgd_epsilon(1.0, 0.01, 1000, 1e-6)
    assert solutions.fedavg_epsilon() == pytest.approx(expected, rel=1e-12)
    library = DPFedAvg(FedAvg(), 1.0, 1.0, delta=1e-6).epsilons(1000, 100_000, 1000)[-1]
    assert solutions.fedavg_epsilon() == pytest.approx(float(library), rel=1e-12)
    assert round(expected, 3) == 2.437


@pytest.mark.parametrize("answer", [2.437, 2.44, 2.43])
def test_the_epsilon_passes_within_tolerance(answer):
    result = check_fedavg_epsilon(answer)
    assert result.passed, result
    assert "epsilon 2.437" in result.message


MISTAKES_08_2 = {
    "pld": (dpsgd_epsilon(1.0, 0.01, 1000, 1e-6, accountant="pld"), "PLD accountant"),
    "no sampling": (dpsgd_epsilon(1.0, 1.0, 1000, 1e-6), "without amplification"),
    "one round": (dpsgd_epsilon(1.0, 0.01, 1, 1e-6), "the epsilon of one round"),
    "delta 1e-5": (dpsgd_epsilon(1.0, 0.01, 1000, 1e-5), "delta = 1e-5"),
    "rate squared": (dpsgd_epsilon(1.0, 1e-4, 1000, 1e-6), "not its square"),
}


@pytest.mark.parametrize("name", list(MISTAKES_08_2))
def test_typical_epsilon_mistakes_get_their_hint(name):
    value, expected = MISTAKES_08_2[name]
    result = check_fedavg_epsilon(round(value, 3))
    assert not result.passed and result.attempted, (name, result)
    assert expected in result.hint, (name, result)


def test_the_epsilon_check_handles_placeholders_and_bad_types():
    assert check_fedavg_epsilon(...).status == "not attempted"
    assert not check_fedavg_epsilon(5.0).passed
    with pytest.raises(TypeError, match="`answer`"):
        check_fedavg_epsilon("2.4")


# --- 08.3 -----------------------------------------------------------------------------------------

def _update(X, labels, k, weights, learning_rate):
    model = LogisticModel(X.shape[1], k)
    _, grad = model.loss_and_grad(weights[None], X[None], np.eye(k)[labels][None],
                                  np.ones((1, len(labels))))
    return -learning_rate * grad[0]


def test_the_solution_is_invert_softmax_batch_and_exact_for_one_example():
    gen = np.random.default_rng(4)
    X = gen.random((3, 5))
    update = _update(X, np.array([0, 2, 3]), 4, np.zeros(24), 0.7)
    digits, labels = solutions.read_batch(update, 4)
    want, classes = invert_softmax_batch(gradient_from_update(update, 0.7), LogisticModel(5, 4))
    np.testing.assert_allclose(digits, want, rtol=1e-12)
    assert labels.tolist() == classes.tolist() == [0, 2, 3]
    one = _update(X[:1], np.array([1]), 4, gen.normal(size=24), 0.3)
    digits, labels = solutions.read_batch(one, 4)
    np.testing.assert_allclose(digits, X[:1], rtol=1e-10)
    assert labels.tolist() == [1]


def read_batch_loop(update, n_classes):
    d = update.size // n_classes - 1
    digits, labels = [], []
    for c in range(n_classes):
        row = update[c * (d + 1):(c + 1) * (d + 1)]
        if row[-1] > 0:
            digits.append(row[:-1] / row[-1])
            labels.append(c)
    return np.array(digits), labels


@pytest.mark.parametrize("fn", [solutions.read_batch, read_batch_loop])
def test_correct_read_batch_passes(fn):
    result = check_read_batch(fn)
    assert result.passed, result
    assert "cancels in the division" in result.message


def _rows(u, k):
    return u.reshape(k, -1)


MISTAKES_08_3 = {
    "wrong sign": (lambda u, k: ((r := _rows(u, k))[np.flatnonzero(r[:, -1] < 0), :-1]
                                 / r[np.flatnonzero(r[:, -1] < 0), -1:],
                                 np.flatnonzero(r[:, -1] < 0)),
                   "its bias *update* is positive"),
    "every row": (lambda u, k: ((r := _rows(u, k))[:, :-1] / r[:, -1:], np.arange(k)),
                  "Only the rows whose bias went up"),
    "one row": (lambda u, k: ((r := _rows(u, k))[[np.argmax(np.abs(r[:, -1]))], :-1]
                              / r[np.argmax(np.abs(r[:, -1])), -1],
                              np.array([np.argmax(np.abs(r[:, -1]))])),
                "a batch has one rising row for every class"),
    "bias kept": (lambda u, k: ((r := _rows(u, k))[np.flatnonzero(r[:, -1] > 0)]
                                / r[np.flatnonzero(r[:, -1] > 0), -1:],
                                np.flatnonzero(r[:, -1] > 0)),
                  "Leave the bias out of the digit"),
    "by columns": (lambda u, k: ((r := u.reshape(-1, k).T)[np.flatnonzero(r[:, -1] > 0), :-1]
                                 / r[np.flatnonzero(r[:, -1] > 0), -1:],
                                 np.flatnonzero(r[:, -1] > 0)),
                   "not by columns"),
    "sign flipped": (lambda u, k: (-(r := _rows(u, k))[np.flatnonzero(r[:, -1] > 0), :-1]
                                   / r[np.flatnonzero(r[:, -1] > 0), -1:],
                                   np.flatnonzero(r[:, -1] > 0)),
                     "sign included"),
    "only the digits": (lambda u, k: solutions.read_batch(u, k)[0], "`return digits, labels`"),
}


@pytest.mark.parametrize("name", list(MISTAKES_08_3))
def test_typical_read_batch_mistakes_get_their_hint(name):
    fn, expected = MISTAKES_08_3[name]
    result = check_read_batch(fn)
    assert not result.passed and result.attempted, (name, result)
    assert expected in result.hint, (name, result)


def test_an_answer_calling_the_attack_is_refused():
    def one_liner(update, n_classes):
        model = LogisticModel(update.size // n_classes - 1, n_classes)
        return invert_softmax_batch(gradient_from_update(update, 1.0), model)

    result = check_read_batch(one_liner)
    assert not result.passed and "the library's own answer" in result.message


# --- registry ------------------------------------------------------------------------------------

def test_notebook_08_exercises_are_registered_with_tiered_hints_and_solutions():
    assert [e.id for e in list_exercises(8)] == ["08.1", "08.2", "08.3"]
    for exercise_id in ("08.1", "08.2", "08.3"):
        exercise = get_exercise(exercise_id)
        assert len(exercise.hints) == 3
        assert exercise.hints[0] in repr(hint(exercise_id))
        assert exercise.solution.__name__ in show_solution(exercise_id).code
    assert get_exercise("08.2").kind == "value"
    assert "deployment_epsilon = fedavg_epsilon()  # = 2.437" == show_solution("08.2").usage
