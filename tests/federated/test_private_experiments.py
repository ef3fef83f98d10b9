"""Notebook 08's compute layer: DP-FedAvg against epsilon, the noise on the average, inversion."""

from __future__ import annotations

import numpy as np
import pytest

from ppml_lab.attacks import invert_gradient
from ppml_lab.datasets import load_classification
from ppml_lab.dp import calibrate_noise_multiplier
from ppml_lab.federated import DPFedAvg, FedAvg, iid_partition, run_federated
from ppml_lab.federated import private_experiments as pe
from ppml_lab.federated.private_experiments import (central_vs_local, dp_fedavg_curve,
                                                    inversion_gallery, noise_at_epsilon)

SMALL = dict(n_clients=200, rounds=8, n_seeds=3)


@pytest.fixture(scope="module")
def curve():
    return dp_fedavg_curve(50, noise_multipliers=[0.3, 3.0, 30.0], rng=1, **SMALL)


# --- dp_fedavg_curve ----------------------------------------------------------------------------

def test_epsilon_per_round_is_dpfedavgs_accountant(curve):
    for i, sigma in enumerate(curve.noise_multipliers):
        expected = DPFedAvg(FedAvg(), 1.0, float(sigma)).epsilons(8, 200, 50)
        np.testing.assert_array_equal(curve.epsilon_per_round[i], expected)
        assert curve.epsilons[i] == expected[-1]
    assert np.all(np.diff(curve.epsilons) < 0)                  # more noise, smaller epsilon
    assert np.all(np.diff(curve.epsilon_per_round, axis=1) > 0)  # every round costs privacy
    assert curve.sample_rate == 0.25


def test_accuracy_falls_as_noise_rises_beyond_the_seed_spread(curve):
    # every seed at the smaller noise beats every seed at the next larger noise
    for i in range(len(curve.noise_multipliers) - 1):
        assert curve.accuracies[i].min() > curve.accuracies[i + 1].max()
    assert curve.baseline >= curve.median[0] - 0.02             # the smallest noise costs little
    assert curve.median[-1] < 0.5 < curve.baseline              # huge noise: far below
    np.testing.assert_array_equal(curve.low, curve.accuracies.min(axis=1))
    np.testing.assert_array_equal(curve.median, np.median(curve.accuracies, axis=1))


def test_a_run_is_run_federated_with_dpfedavg_and_the_documented_seeding(curve):
    data = load_classification("digits")
    seed = curve.seeds[0]
    partition_rng, run_rng = np.random.default_rng(seed).spawn(2)
    parts = iid_partition(data.y_train, 200, rng=partition_rng)
    history = run_federated(data.X_train, data.y_train, parts, data.X_test, data.y_test,
                            strategy=DPFedAvg(FedAvg(), 1.0, 3.0), rounds=8, local_steps=5,
                            learning_rate=0.5, clients_per_round=50, rng=run_rng)
    assert curve.accuracies[1, 0] == history.accuracy[-1]
    np.testing.assert_array_equal(curve.epsilon_per_round[1], history.epsilon)


def test_common_random_numbers_and_caching(curve):
    again = dp_fedavg_curve(50, noise_multipliers=[0.3, 3.0, 30.0], rng=1, **SMALL)
    assert again is curve                                       # cached on the same seeds
    other_m = dp_fedavg_curve(20, noise_multipliers=[0.3, 3.0, 30.0], rng=1, **SMALL)
    assert other_m.seeds == curve.seeds                         # the same seeds for every m
    other_seed = dp_fedavg_curve(50, noise_multipliers=[0.3, 3.0, 30.0], rng=2, **SMALL)
    assert other_seed.seeds != curve.seeds


def test_a_point_of_the_curve(curve):
    point = curve.at(3.0)
    assert point.noise_std == pytest.approx(3.0 * 1.0 / 50)
    assert point.epsilon == curve.epsilons[1] and point.curve is curve
    np.testing.assert_array_equal(point.accuracies, curve.accuracies[1])
    assert point.privacy_cost == pytest.approx(curve.baseline - curve.median[1])
    text = point.summary()
    assert "50 of 200 clients per round (sampling rate 0.25)" in text
    assert f"epsilon = {curve.epsilons[1]:.2f}" in text and "without noise" in text
    with pytest.raises(ValueError, match="`noise_multiplier` must be one of the curve's"):
        curve.at(1.0)
    assert "the median test accuracy goes from" in curve.summary()


@pytest.mark.parametrize("kwargs, match", [
    (dict(clients_per_round=300), "`clients_per_round`"),
    (dict(clients_per_round=0), "`clients_per_round`"),
    (dict(n_clients=5000), "`n_clients`"),
    (dict(noise_multipliers=[2.0, 1.0]), "`noise_multipliers`"),
    (dict(noise_multipliers=[0.0, 1.0]), "`noise_multipliers`"),
    (dict(rounds=0), "`rounds`"),
    (dict(clip_norm=-1.0), "`clip_norm`"),
    (dict(n_seeds=0), "`n_seeds`"),
    (dict(delta=1.5), "`delta`"),
    (dict(data_name="mnist"), "`data_name`"),
])
def test_dp_fedavg_curve_rejects_bad_input(kwargs, match):
    args = dict(clients_per_round=10, n_clients=100, rounds=2, n_seeds=1, rng=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        dp_fedavg_curve(**args)


# --- noise_at_epsilon ---------------------------------------------------------------------------

@pytest.mark.parametrize("epsilon", [0.3, 1.0, 4.0])
def test_noise_at_epsilon_agrees_with_the_calibration(epsilon):
    r = noise_at_epsilon(epsilon, n_clients=1000, rounds=20)
    for m, sigma in zip(r.clients_per_round, r.noise_multipliers):
        exact = calibrate_noise_multiplier(epsilon, 1e-5, m / 1000, 20)
        assert sigma == pytest.approx(exact, rel=0.01)
    np.testing.assert_allclose(r.noise_std, r.noise_multipliers / r.clients_per_round)


def test_more_clients_per_round_less_noise_per_client_for_the_same_epsilon():
    r = noise_at_epsilon(1.0)
    assert np.all(np.diff(r.noise_std) < 0)
    assert r.std_at(10) > 5 * r.std_at(1000)                    # steep while the rate is small
    assert r.std_at(500) < 1.1 * r.std_at(1000)                 # flat once everyone takes part
    assert np.all(np.diff(r.noise_multipliers) > 0)             # ... though sigma itself grows


def test_noise_at_epsilon_outside_the_table_is_nan_and_bad_input_raises():
    r = noise_at_epsilon(1e-6, clients_per_round=[10, 1000])
    assert np.isnan(r.noise_multipliers).all()
    with pytest.raises(ValueError, match="`clients_per_round`"):
        noise_at_epsilon(1.0, clients_per_round=[10, 2000])
    with pytest.raises(ValueError, match="`clients_per_round`"):
        noise_at_epsilon(1.0, clients_per_round=[10.5, 20])
    with pytest.raises(ValueError, match="`epsilon`"):
        noise_at_epsilon(0.0)
    with pytest.raises(ValueError, match="`clients_per_round` must be one of"):
        r.std_at(20)


# --- central against local ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def comparison():
    return central_vs_local([2.0, 8.0], clients_per_round=50, rng=1, **SMALL)


def test_central_and_local_are_calibrated_to_the_targets(comparison):
    for target, c, l in zip(comparison.epsilons, comparison.central_noise_multipliers,
                            comparison.local_noise_multipliers):
        central = DPFedAvg(FedAvg(), 1.0, c).epsilons(8, 200, 50)[-1]
        local = DPFedAvg(FedAvg(), 1.0, l, local=True).epsilons(8, 200, 50)[-1]
        assert central <= target < DPFedAvg(FedAvg(), 1.0, c / 1.002).epsilons(8, 200, 50)[-1]
        assert local <= target < DPFedAvg(FedAvg(), 1.0, l / 1.002,
                                          local=True).epsilons(8, 200, 50)[-1]
    np.testing.assert_array_equal(comparison.central_epsilons,
                                  [DPFedAvg(FedAvg(), 1.0, c).epsilons(8, 200, 50)[-1]
                                   for c in comparison.central_noise_multipliers])


def test_local_dp_costs_more_noise_and_accuracy(comparison):
    assert np.all(comparison.local_noise_multipliers > comparison.central_noise_multipliers)
    np.testing.assert_allclose(comparison.local_noise_std,
                               comparison.local_noise_multipliers / np.sqrt(50))
    assert np.all(comparison.local_noise_std > 10 * comparison.central_noise_std)
    assert np.all(comparison.central_accuracy > comparison.local_accuracy + 0.3)
    assert "without noise" in comparison.table()


# --- the inversion gallery ----------------------------------------------------------------------

def test_one_example_is_recovered_exactly_from_its_update():
    g = inversion_gallery(1, rng=3)
    np.testing.assert_allclose(g.recovered, g.true_images, atol=1e-12)
    assert g.quality.tolist() == pytest.approx([1.0])
    assert g.inferred_labels.tolist() == g.true_labels.tolist()


def test_the_gallery_agrees_with_invert_gradient_on_a_one_example_update():
    from ppml_lab.attacks.gradient_inversion import _digits
    from ppml_lab.federated.models import LogisticModel

    g = inversion_gallery(1, rng=5)
    X, y = _digits()
    model = LogisticModel(64, 10)
    row = int(np.flatnonzero((X == g.true_images[0]).all(axis=1))[0])
    _, grad = model.loss_and_grad(np.zeros((1, 650)), X[row][None, None], np.eye(10)[[[y[row]]]],
                                  np.ones((1, 1)))
    np.testing.assert_allclose(invert_gradient(grad[0], model), g.recovered[0], atol=1e-12)


def test_recovery_degrades_with_batch_sums_and_noise():
    def mean_quality(**kwargs):
        return np.mean([inversion_gallery(rng=seed, **kwargs).mean_quality for seed in range(8)])

    assert mean_quality(batch_size=1) > mean_quality(batch_size=3) > mean_quality(batch_size=8)
    assert mean_quality(n_clients_summed=16) < 0.9
    assert mean_quality(noise_multiplier=0.03) > 0.9 > mean_quality(noise_multiplier=0.3)
    assert mean_quality(noise_multiplier=3.0) < 0.1


def test_gallery_labels_are_distinct_within_a_client_and_sorted():
    g = inversion_gallery(6, rng=0)
    assert len(set(g.true_labels.tolist())) == 6
    assert g.true_labels.tolist() == sorted(g.true_labels.tolist())
    summed = inversion_gallery(1, n_clients_summed=12, rng=0)
    assert summed.true_images.shape == (12, 64) and summed.recovered.shape == (12, 64)
    assert "12 clients summed" in summed.summary()


@pytest.mark.parametrize("kwargs, match", [
    (dict(batch_size=11), "`batch_size`"),
    (dict(batch_size=0), "`batch_size`"),
    (dict(n_clients_summed=0), "`n_clients_summed`"),
    (dict(noise_multiplier=-0.1), "`noise_multiplier`"),
    (dict(clip_norm=0.0), "`clip_norm`"),
    (dict(learning_rate=0.0), "`learning_rate`"),
])
def test_inversion_gallery_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        inversion_gallery(**kwargs)


def test_records_are_frozen_with_readable_reprs(curve):
    with pytest.raises(AttributeError):
        curve.baseline = 1.0  # type: ignore[misc]
    assert repr(curve).startswith("DPFedAvgCurve(data_name='digits', clients_per_round=50")
    assert not curve.accuracies.flags.writeable
    assert repr(pe.noise_at_epsilon(1.0)).startswith("NoiseAtEpsilon(epsilon=1, delta=1e-05")
