"""Federated runs through secure aggregation: the same model up to the encoding's resolution."""

import numpy as np
import pytest

from ppml_lab.federated import (SCAFFOLD, DPFedAvg, FedAvg, FedProx, SecureAggregation,
                                StochasticQuantizer, run_federated)
from ppml_lab.secret_sharing import TooFewSurvivorsError


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((3, 5)) * 2
    y = rng.integers(0, 3, 240)
    X = centres[y] + rng.standard_normal((240, 5))
    return X, y, np.array_split(rng.permutation(240), 12)


@pytest.mark.parametrize("strategy", [FedAvg(), FedProx(0.1), SCAFFOLD(),
                                      DPFedAvg(FedAvg(), clip_norm=0.5, noise_multiplier=0.8)])
@pytest.mark.parametrize("dropout", [0.0, 0.25])
def test_secure_run_equals_plain_run_to_the_encoding_resolution(data, strategy, dropout):
    X, y, parts = data
    kwargs = dict(strategy=strategy, rounds=4, clients_per_round=8, dropout=dropout, rng=3)
    plain = run_federated(X, y, parts, X, y, **kwargs)
    secure = run_federated(X, y, parts, X, y, secure_aggregation=SecureAggregation(0.25),
                           **kwargs)
    np.testing.assert_array_equal(secure.n_participants, plain.n_participants)
    # error per round <= k * 2^-21 on the weighted sum, divided by its total weight >= k
    np.testing.assert_allclose(secure.weights, plain.weights, rtol=0, atol=4 * 1e-5)
    assert np.abs(secure.weights - plain.weights).max() > 0     # fixed point, not float64
    np.testing.assert_array_equal(secure.accuracy, plain.accuracy)
    assert np.all(secure.bytes_up > plain.bytes_up)              # keys, shares, unmasking
    assert np.all(secure.bytes_down > plain.bytes_down)


def test_too_few_survivors_keep_the_model_and_say_so(data):
    X, y, parts = data
    h = run_federated(X, y, parts, X, y, rounds=12, clients_per_round=6, dropout=0.6,
                      secure_aggregation=SecureAggregation(threshold=4), rng=1)
    failed = [r for r in range(12) if 0 < h.n_participants[r] < 4]
    assert failed, "the seed should give rounds with 1-3 reports"
    for r in failed:
        assert any(note.startswith(f"round {r + 1}: {h.n_participants[r]} of 6 clients reported,"
                                   " fewer than the secure-aggregation threshold 4")
                   for note in h.notes)
        if r:
            assert h.accuracy[r] == h.accuracy[r - 1]


def test_true_means_the_default_majority_threshold(data):
    X, y, parts = data
    a = run_federated(X, y, parts, X, y, rounds=2, secure_aggregation=True, rng=0)
    b = run_federated(X, y, parts, X, y, rounds=2, secure_aggregation=SecureAggregation(),
                      rng=0)
    np.testing.assert_array_equal(a.weights, b.weights)


def test_a_round_with_one_participant_is_not_aggregated(data):
    X, y, parts = data
    h = run_federated(X, y, parts, X, y, rounds=2, clients_per_round=1,
                      secure_aggregation=SecureAggregation(threshold=2), rng=0)
    assert np.all(h.weights == 0) and len(h.notes) == 2


def test_secure_aggregation_bad_input(data):
    X, y, parts = data
    with pytest.raises(TypeError, match="`secure_aggregation`"):
        run_federated(X, y, parts, X, y, rounds=1, secure_aggregation="yes")
    with pytest.raises(ValueError, match="`compression`"):
        run_federated(X, y, parts, X, y, rounds=1, secure_aggregation=True,
                      compression=StochasticQuantizer(8))
    with pytest.raises(ValueError, match="`threshold`"):
        SecureAggregation(threshold=1)
    with pytest.raises(ValueError, match="`threshold`"):
        SecureAggregation(threshold=1.5)
    with pytest.raises(TooFewSurvivorsError):
        SecureAggregation(threshold=5).run(np.zeros((3, 2)), np.array([], dtype=int), rng=0)
