"""Deep leakage from gradients on softmax regression: the analytic gradient, exact recoveries
where the batch is identifiable, what labels and noise do."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from ppml_lab.attacks import invert_softmax_batch, recovery_quality
from ppml_lab.attacks.dlg import deep_leakage, matching_loss
from ppml_lab.federated import run_federated
from ppml_lab.federated.models import LogisticModel, MLPModel

MODEL = LogisticModel(64, 10)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    trained = run_federated(X[:500], y[:500], [np.arange(500)], X, y, rounds=3, local_steps=5,
                            rng=0).weights
    return X, y, trained


def batch_of_distinct_labels(y, size, start=600):
    idx, seen = [], set()
    for i in range(start, len(y)):
        if y[i] not in seen:
            seen.add(y[i])
            idx.append(i)
        if len(idx) == size:
            return np.array(idx)


def gradient(weights, X, labels):
    return MODEL.loss_and_grad(weights[None], X[None], np.eye(10)[None, labels],
                               np.ones((1, len(X))))[1][0]


def test_matching_loss_gradient_agrees_with_finite_differences():
    rng = np.random.default_rng(0)
    w = rng.standard_normal(650) * 0.2
    labels = np.array([1, 4, 7])
    target = gradient(w, rng.random((3, 64)), labels)
    X = rng.standard_normal((3, 64))
    _, analytic = matching_loss(X, labels, target, MODEL, w)
    numeric = np.zeros_like(X)
    h = 1e-6
    for i in range(3):
        for j in range(0, 64, 7):
            step = np.zeros_like(X)
            step[i, j] = h
            numeric[i, j] = (matching_loss(X + step, labels, target, MODEL, w)[0]
                             - matching_loss(X - step, labels, target, MODEL, w)[0]) / (2 * h)
    cols = np.arange(0, 64, 7)
    np.testing.assert_allclose(analytic[:, cols], numeric[:, cols], rtol=1e-5, atol=1e-8)


def test_the_true_batch_has_zero_matching_loss(digits):
    X, y, trained = digits
    idx = batch_of_distinct_labels(y, 4)
    loss, grad = matching_loss(X[idx], y[idx], gradient(trained, X[idx], y[idx]), MODEL, trained)
    assert loss < 1e-25 and np.abs(grad).max() < 1e-12


@pytest.mark.parametrize("weights_name", ["zero", "trained"])
def test_one_example_is_recovered_to_1e_6(digits, weights_name):
    X, y, trained = digits
    w = MODEL.init() if weights_name == "zero" else trained
    result = deep_leakage(gradient(w, X[700:701], y[700:701]), MODEL, weights=w, rng=0)
    assert result.labels.tolist() == [y[700]]
    np.testing.assert_allclose(result.recovered[0], X[700], atol=1e-6)


def test_at_zero_weights_a_batch_with_distinct_labels_is_recovered_where_division_mixes(digits):
    X, y, _ = digits
    idx = batch_of_distinct_labels(y, 8)
    g = gradient(MODEL.init(), X[idx], y[idx])
    result = deep_leakage(g, MODEL, rng=0)
    assert sorted(result.labels.tolist()) == sorted(y[idx].tolist())
    assert recovery_quality(result.recovered, X[idx]).min() > 0.999
    division = recovery_quality(invert_softmax_batch(g, MODEL)[0], X[idx])
    assert division.mean() < 0.9                             # measured 0.807


def test_on_trained_weights_dlg_beats_division_on_a_batch_of_four(digits):
    X, y, trained = digits
    idx = batch_of_distinct_labels(y, 4)
    g = gradient(trained, X[idx], y[idx])
    dlg = recovery_quality(deep_leakage(g, MODEL, weights=trained, rng=0).recovered, X[idx])
    division = recovery_quality(invert_softmax_batch(g, MODEL)[0], X[idx])
    assert dlg.min() > 0.99 and division.mean() < dlg.mean() - 0.01   # measured 1.000 vs 0.968


def test_two_examples_of_one_class_are_not_separated_at_zero_weights(digits):
    X, y, _ = digits
    ones = np.flatnonzero(y == 1)[:2]
    g = gradient(MODEL.init(), X[ones], y[ones])
    result = deep_leakage(g, MODEL, labels=[1, 1], rng=0)
    assert result.loss < 1e-20                                # the gradients match...
    assert recovery_quality(result.recovered, X[ones]).min() < 0.95   # ...the examples do not


def test_noise_on_the_gradient_blurs_the_recovery(digits):
    X, y, trained = digits
    g = gradient(trained, X[700:701], y[700:701])
    quality = []
    for sigma in (0.0, 0.1, 1.0):
        noisy = g + np.random.default_rng(1).normal(0.0, sigma, g.shape)
        result = deep_leakage(noisy, MODEL, weights=trained, labels=[y[700]], rng=0)
        quality.append(recovery_quality(result.recovered, X[700:701])[0])
    assert quality[0] > 0.999 > quality[1] and quality[2] < 0.6   # measured 1.000, 0.949, ...


def test_seeded_start_is_reproducible(digits):
    X, y, trained = digits
    idx = batch_of_distinct_labels(y, 3)
    g = gradient(trained, X[idx], y[idx])
    a, b = (deep_leakage(g, MODEL, weights=trained, rng=5) for _ in range(2))
    np.testing.assert_array_equal(a.recovered, b.recovered)


def test_bad_input_is_named(digits):
    X, y, trained = digits
    g = gradient(trained, X[:2], y[:2])
    with pytest.raises(TypeError, match="`model`"):
        deep_leakage(g, MLPModel(64, 10))
    with pytest.raises(ValueError, match="`grad`"):
        deep_leakage(g[:10], MODEL)
    with pytest.raises(ValueError, match="`weights`"):
        deep_leakage(g, MODEL, weights=np.zeros(3))
    with pytest.raises(ValueError, match="`labels`"):
        deep_leakage(g, MODEL, labels=[10])
    with pytest.raises(ValueError, match="`n_examples`"):
        deep_leakage(g, MODEL, n_examples=11)
    with pytest.raises(ValueError, match="`grad`"):
        deep_leakage(np.zeros(650), MODEL)                   # nothing betrayed
