"""Strategies: client sampling, configuration and the pure aggregation functions."""

import numpy as np
import pytest

from ppml_lab.federated.strategies import (FedAvg, FedProx, Strategy, sample_clients,
                                           weighted_average)


def test_weighted_average_matches_a_plain_loop():
    rng = np.random.default_rng(0)
    updates = rng.standard_normal((5, 7))
    counts = np.array([3, 1, 10, 2, 4])
    expected = sum(n * u for n, u in zip(counts, updates)) / counts.sum()
    np.testing.assert_allclose(weighted_average(updates, counts), expected, rtol=0, atol=1e-14)


def test_fedavg_weights_by_example_counts_not_uniformly():
    updates = np.array([[0.0], [10.0]])
    new = FedAvg().aggregate(np.zeros(1), updates, np.array([9, 1]))
    assert new.tolist() == [1.0]


def test_aggregate_is_pure():
    updates = np.arange(6.0).reshape(3, 2)
    counts = np.array([1, 2, 3])
    global_weights = np.ones(2)
    copies = updates.copy(), counts.copy(), global_weights.copy()
    first = FedAvg().aggregate(global_weights, updates, counts)
    second = FedAvg().aggregate(global_weights, updates, counts)
    np.testing.assert_array_equal(first, second)
    for before, after in zip(copies, (updates, counts, global_weights)):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("updates", [np.zeros((2, 3)), np.zeros(4), np.zeros((2, 4, 1))])
def test_updates_of_the_wrong_shape_are_refused(updates):
    with pytest.raises(ValueError, match="`updates`"):
        FedAvg().aggregate(np.zeros(4), updates, np.ones(2))


@pytest.mark.parametrize("counts", [np.ones(3), np.zeros(2), np.array([1.0, -1.0])])
def test_bad_aggregation_weights_are_refused(counts):
    with pytest.raises(ValueError, match="`weights`"):
        FedAvg().aggregate(np.zeros(2), np.zeros((2, 2)), counts)


def test_fedprox_is_fedavg_plus_one_configuration_key():
    assert FedAvg().client_config() == {}
    assert FedProx(0.3).client_config() == {"proximal_mu": 0.3}
    updates, counts = np.random.default_rng(1).standard_normal((4, 3)), np.array([1, 2, 3, 4])
    np.testing.assert_array_equal(FedProx(0.3).aggregate(np.zeros(3), updates, counts),
                                  FedAvg().aggregate(np.zeros(3), updates, counts))
    assert isinstance(FedProx(0.0), Strategy)


@pytest.mark.parametrize("mu, error", [(-0.1, ValueError), (float("nan"), ValueError),
                                       (True, TypeError), ("0.1", TypeError)])
def test_bad_mu_is_refused_at_construction(mu, error):
    with pytest.raises(error, match="`mu`"):
        FedProx(mu)


def test_strategies_are_immutable():
    with pytest.raises(AttributeError):
        FedProx(0.1).mu = 0.2  # type: ignore[misc]
    plan = FedProx(0.1).configure_round(1, 3)
    with pytest.raises(TypeError):
        plan.config["proximal_mu"] = 5.0  # type: ignore[index]


def test_configure_round_takes_every_client_by_default():
    plan = FedAvg().configure_round(1, 5)
    assert plan.clients.tolist() == [0, 1, 2, 3, 4]
    assert dict(plan.config) == {}


def test_sampling_is_without_replacement_seeded_and_uniform():
    picks = sample_clients(10, 4, rng=3)
    assert len(set(picks.tolist())) == 4 and picks.tolist() == sorted(picks.tolist())
    np.testing.assert_array_equal(picks, sample_clients(10, 4, rng=3))
    rng = np.random.default_rng(0)
    counts = np.bincount(np.concatenate([sample_clients(10, 3, rng=rng) for _ in range(4000)]),
                         minlength=10)
    # each client is picked with probability 3/10: 1200 expected, sd about 29
    assert np.all(np.abs(counts - 1200) < 150)


@pytest.mark.parametrize("k", [0, 6, -1])
def test_clients_per_round_outside_one_to_n_clients_is_refused(k):
    with pytest.raises(ValueError, match="`clients_per_round`"):
        FedAvg().configure_round(1, 5, k, rng=0)


def test_n_clients_below_one_is_refused():
    with pytest.raises(ValueError, match="`n_clients`"):
        sample_clients(0)
