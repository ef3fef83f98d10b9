"""Aggregation from a sum: what secure aggregation lets the server compute equals the plain path."""

import numpy as np
import pytest

from ppml_lab.federated import SCAFFOLD, DPFedAvg, FedAvg, FedProx


@pytest.fixture
def round_():
    rng = np.random.default_rng(0)
    w = rng.standard_normal(6)
    updates = w + rng.standard_normal((4, 6)) * np.array([[0.1], [2.0], [0.5], [5.0]])
    return w, updates, np.array([10, 3, 7, 1])


@pytest.mark.parametrize("strategy", [FedAvg(), FedProx(0.3), SCAFFOLD(), SCAFFOLD(0.6)])
def test_aggregating_the_sum_of_summands_equals_aggregating_the_updates(round_, strategy):
    w, updates, n = round_
    total = strategy.secure_summands(w, updates, n).sum(axis=0)
    np.testing.assert_allclose(strategy.aggregate_sum(w, total, n_reports=4, expected_clients=4),
                               strategy.aggregate(w, updates, n), rtol=0, atol=1e-12)


def test_an_empty_sum_keeps_the_model(round_):
    w, _, _ = round_
    out = FedAvg().aggregate_sum(w, np.zeros(7), n_reports=0, expected_clients=4)
    np.testing.assert_array_equal(out, w)


@pytest.mark.parametrize("reports", [4, 2])
def test_dp_fedavg_without_noise_from_the_sum_equals_the_plain_path(round_, reports):
    w, updates, n = round_
    dp = DPFedAvg(FedAvg(), clip_norm=1.0, noise_multiplier=0.0)
    total = dp.secure_summands(w, updates[:reports], n[:reports]).sum(axis=0)
    np.testing.assert_allclose(
        dp.aggregate_sum(w, total, n_reports=reports, expected_clients=4),
        dp.aggregate(w, updates[:reports], n[:reports], expected_clients=4), rtol=0, atol=1e-12)
    # each summand was clipped by its client: no row longer than clip_norm
    assert np.linalg.norm(dp.secure_summands(w, updates, n), axis=1).max() <= 1.0 + 1e-12


def test_dp_fedavg_noise_on_the_secure_sum_has_the_central_standard_deviation(round_):
    """Noise N(0, (sigma C)^2) on the sum, divided by m: per coordinate sd sigma C / m."""
    w, updates, n = round_
    dp = DPFedAvg(FedAvg(), clip_norm=1.0, noise_multiplier=2.0)
    total = dp.secure_summands(w, updates, n).sum(axis=0)
    rng = np.random.default_rng(1)
    draws = np.array([dp.aggregate_sum(w, total, n_reports=4, expected_clients=4, rng=rng)
                      for _ in range(4000)])
    centre = w + total / 4
    sd = 2.0 * 1.0 / 4
    z = (draws.mean(axis=0) - centre) / (sd / np.sqrt(4000))
    assert np.all(np.abs(z) < 4.5)
    ratio = draws.std(axis=0, ddof=1) / sd                 # chi-square: sd of s/sd ~ 1/sqrt(2n)
    assert np.all(np.abs(ratio - 1) < 4.5 / np.sqrt(2 * 4000))


def test_local_dp_summands_carry_each_clients_own_noise(round_):
    w, updates, n = round_
    dp = DPFedAvg(FedAvg(), clip_norm=1.0, noise_multiplier=1.0, local=True)
    a = dp.secure_summands(w, updates, n, rng=0)
    b = DPFedAvg(FedAvg(), clip_norm=1.0, noise_multiplier=0.0).secure_summands(w, updates, n)
    noise = a - b
    assert noise.std() > 0.5 and abs(noise.mean()) < 0.5
