"""Gradient inversion: exact for one example, measured (not assumed) for batches, sums and noise.

Gradients come from the federated models' own ``loss_and_grad`` on a one-client
stack, so the attack is tested against the layout the simulator really sends.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.datasets import load_digits

from ppml_lab.attacks import (InversionResult, gradient_from_update, inversion_experiment,
                              invert_gradient, invert_softmax_batch, recovery_quality)
from ppml_lab.federated.models import LogisticModel, MLPModel

X_DIGITS, Y_DIGITS = load_digits(return_X_y=True)
X_DIGITS = X_DIGITS / 16.0


def client_grad(model, w, X, y):
    """One client's mean cross-entropy gradient at weights ``w`` on rows ``X`` with labels ``y``."""
    X = np.atleast_2d(X)
    Y = np.eye(model.n_classes)[np.atleast_1d(y)]
    return model.loss_and_grad(w[None], X[None], Y[None], np.ones((1, len(X))))[1][0]


@pytest.fixture(scope="module")
def result():
    return inversion_experiment(rng=0)


# --- exact recovery of one example --------------------------------------------------------------

@pytest.mark.parametrize("i", [0, 7, 1000])
def test_softmax_regression_gives_the_example_back_exactly(i):
    model = LogisticModel(n_features=64, n_classes=10)
    w = np.random.default_rng(i).normal(0, 0.1, model.n_params)     # not only the zero init
    x = invert_gradient(client_grad(model, w, X_DIGITS[i], Y_DIGITS[i]), model)
    assert np.max(np.abs(x - X_DIGITS[i])) < 1e-8


@pytest.mark.parametrize("i", [0, 7, 1000])
def test_mlp_first_layer_gives_the_example_back_exactly(i):
    model = MLPModel(n_features=64, n_classes=10, hidden_units=16)
    w = model.init(rng=i)
    w[64 * 16:64 * 16 + 16] = np.random.default_rng(i).normal(0, 0.5, 16)  # nonzero b1 too
    x = invert_gradient(client_grad(model, w, X_DIGITS[i], Y_DIGITS[i]), model)
    assert np.max(np.abs(x - X_DIGITS[i])) < 1e-8


def test_every_row_with_a_nonzero_bias_gives_the_same_example():
    model = LogisticModel(n_features=64, n_classes=10)
    G = client_grad(model, np.zeros(model.n_params), X_DIGITS[3], Y_DIGITS[3]).reshape(10, 65)
    assert np.allclose(G[:, :-1] / G[:, -1:], X_DIGITS[3], atol=1e-12, rtol=0)


@pytest.mark.parametrize("model", [LogisticModel(n_features=64, n_classes=10),
                                   MLPModel(n_features=64, n_classes=10, hidden_units=8)])
def test_a_one_step_update_with_known_learning_rate_gives_the_example_back(model):
    w = model.init(rng=1)
    lr = 0.37
    update = (w - lr * client_grad(model, w, X_DIGITS[5], Y_DIGITS[5])) - w
    x = invert_gradient(gradient_from_update(update, learning_rate=lr), model)
    assert np.max(np.abs(x - X_DIGITS[5])) < 1e-8


def test_several_local_steps_are_no_longer_exact():
    model = LogisticModel(n_features=64, n_classes=10)
    w0 = w = model.init()
    lr = 1.0
    for _ in range(5):
        w = w - lr * client_grad(model, w, X_DIGITS[[5, 6]], Y_DIGITS[[5, 6]])
    x = invert_gradient(gradient_from_update(w - w0, lr), model)
    assert np.max(np.abs(x - X_DIGITS[5])) > 1e-3 and np.max(np.abs(x - X_DIGITS[6])) > 1e-3


# --- several examples ----------------------------------------------------------------------------

def test_batch_rows_match_the_zero_weight_formula():
    # at zero weights p = 1/k: row y_j / bias = ((k - 1) x_j - sum_{i != j} x_i) / (k - n)
    model = LogisticModel(n_features=64, n_classes=10)
    idx = [np.flatnonzero(Y_DIGITS == c)[0] for c in (2, 5, 8)]
    X, k, n = X_DIGITS[idx], 10, 3
    recovered, classes = invert_softmax_batch(client_grad(model, np.zeros(model.n_params), X,
                                                          Y_DIGITS[idx]), model)
    assert classes.tolist() == [2, 5, 8]
    expected = ((k - 1) * X - (X.sum(axis=0) - X)) / (k - n)
    assert np.allclose(recovered, expected, atol=1e-12, rtol=0)


def test_a_batch_of_distinct_labels_is_recovered_well_and_worse_as_it_grows(result):
    sizes = result.batch_sizes.tolist()
    q = dict(zip(sizes, result.batch_mean_quality))
    assert q[1] == pytest.approx(1.0, abs=1e-12)
    assert q[2] > 0.98 and q[3] > 0.95
    assert q[8] < q[2] - 0.1
    assert np.all(np.diff(result.batch_mean_quality) < 0)


def test_summing_clients_lowers_the_quality(result):
    q = dict(zip(result.n_clients_summed.tolist(), result.summed_mean_quality))
    assert q[1] == pytest.approx(1.0, abs=1e-12)
    assert q[8] < 0.9 and q[32] < q[2] - 0.1


def test_dp_noise_lowers_the_quality_to_nothing(result):
    q = dict(zip(result.noise_multipliers.tolist(), result.noise_quality))
    assert q[0.001] > 0.99
    assert q[0.1] < 0.7
    assert abs(q[1.0]) < 0.2                         # no better than a random image
    assert np.all(np.diff(result.noise_quality) < 0)


def test_the_experiment_is_seeded_fast_and_frozen(result):
    again = inversion_experiment(rng=0)
    assert np.array_equal(again.noise_quality, result.noise_quality)
    assert isinstance(result, InversionResult)
    assert np.max(np.abs(result.example_recovered - result.example_true)) < 1e-8
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.n_trials = 3
    with pytest.raises(ValueError):
        result.noise_quality[0] = 0.0
    assert "InversionResult(n_trials=20" in repr(result)


def test_the_experiment_takes_other_data():
    rng = np.random.default_rng(0)
    X, y = rng.random((60, 5)), np.repeat([0, 1, 2], 20)
    r = inversion_experiment(X, y, batch_sizes=[1, 2, 3], n_clients_summed=[1, 4],
                             noise_multipliers=[0.01], n_trials=3, rng=1)
    assert r.batch_mean_quality[0] == pytest.approx(1.0, abs=1e-12)


def test_recovery_quality_is_pearson_correlation():
    rng = np.random.default_rng(0)
    a, b = rng.random(64), rng.random(64)
    q = recovery_quality(np.stack([a, 3 * b + 1, np.ones(64)]), np.stack([a, b]))
    assert q == pytest.approx([1.0, 1.0, 0.0])
    assert recovery_quality(a, b)[0] == pytest.approx(np.corrcoef(a, b)[0, 1], abs=1e-12)


# --- bad input -----------------------------------------------------------------------------------

def test_bad_input_names_the_parameter():
    model = LogisticModel(n_features=3, n_classes=2)
    with pytest.raises(ValueError, match=r"`grad` must be of length model.n_params = 8"):
        invert_gradient(np.ones(7), model)
    with pytest.raises(ValueError, match=r"`grad` must be one client's gradient"):
        invert_gradient(np.ones((2, 8)), model)
    with pytest.raises(ValueError, match=r"`grad` must be a gradient with a nonzero bias.*"
                       "Nothing to recover"):
        invert_gradient(np.zeros(8), model)
    with pytest.raises(ValueError, match=r"`grad` must be free of NaN"):
        invert_gradient(np.full(8, np.nan), model)
    with pytest.raises(TypeError, match=r"`model` must be a LogisticModel or MLPModel"):
        invert_gradient(np.ones(8), "logistic")
    with pytest.raises(TypeError, match=r"`model` must be a LogisticModel \(softmax"):
        invert_softmax_batch(np.ones(27), MLPModel(n_features=2, n_classes=3, hidden_units=4))
    with pytest.raises(ValueError, match=r"at least one negative bias gradient.*Nothing"):
        invert_softmax_batch(np.ones(8), model)
    with pytest.raises(ValueError, match=r"`learning_rate` must be a positive"):
        gradient_from_update(np.ones(8), learning_rate=0.0)
    with pytest.raises(TypeError, match=r"`update`"):
        gradient_from_update("update", learning_rate=0.1)
    with pytest.raises(ValueError, match=r"`X_true` must be examples of 3 features"):
        recovery_quality(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"`batch_sizes` must be strictly increasing integers "
                       r"from 1 to 10"):
        inversion_experiment(batch_sizes=[1, 11], rng=0)
    with pytest.raises(ValueError, match=r"`noise_multipliers` must be strictly increasing"):
        inversion_experiment(noise_multipliers=[0.1, 0.01], rng=0)
    with pytest.raises(ValueError, match=r"`y` must be given together"):
        inversion_experiment(np.ones((4, 2)), rng=0)
    with pytest.raises(TypeError, match=r"`n_trials`"):
        inversion_experiment(n_trials=2.5, rng=0)
