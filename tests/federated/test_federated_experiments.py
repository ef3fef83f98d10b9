"""Notebook 07's compute layer: federated_curves, client_views, stragglers and compression."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ppml_lab.federated import FedAvg, dirichlet_partition, label_counts, run_federated
from ppml_lab.federated import experiments as fx
from ppml_lab.federated.cost_experiments import (COMPRESSORS, compression_comparison,
                                                 straggler_curves)
from ppml_lab.federated.experiments import (available_strategies, centralised_curve,
                                            client_views, clients_per_round, federated_curves,
                                            federated_digits, skewed_partition)


def test_digits_are_the_reference_setting():
    X, y, X_test, y_test = federated_digits()
    assert X.shape == (1257, 64) and X_test.shape == (540, 64)
    assert np.allclose(X.mean(axis=0), 0, atol=1e-12)  # StandardScaler fit on the training part
    assert np.bincount(y_test).min() >= 52  # stratified: 540 / 10, give or take two
    assert federated_digits()[0] is X and not X.flags.writeable


def test_clients_per_round_rounds_and_keeps_one():
    assert [clients_per_round(n, 0.1) for n in (2, 5, 10, 100, 1000)] == [1, 1, 1, 10, 100]
    assert clients_per_round(7, 1.0) == 7
    with pytest.raises(ValueError, match="`participation`"):
        clients_per_round(10, 0.0)


def test_skewed_partition_is_dirichlet_or_iid():
    y = federated_digits()[1]
    parts = skewed_partition(y, 10, 0.3, rng=4)
    for a, b in zip(parts, dirichlet_partition(y, 10, 0.3, rng=4)):
        np.testing.assert_array_equal(a, b)
    sizes = [len(p) for p in skewed_partition(y, 10, math.inf, rng=4)]
    assert max(sizes) - min(sizes) <= 1


# --- federated_curves --------------------------------------------------------------------------

def test_one_client_is_the_centralised_model():
    result = federated_curves(1, math.inf, 5, 1.0, strategies=["FedAvg", "FedProx"], rng=0)
    np.testing.assert_allclose(result.curve("FedAvg"), result.centralised, atol=1e-12)
    np.testing.assert_allclose(result.centralised, centralised_curve(5), atol=0)
    X, y, X_test, y_test = federated_digits()
    gd = run_federated(X, y, [np.arange(len(y))], X_test, y_test, rounds=1, local_steps=100)
    assert centralised_curve(5)[19] == pytest.approx(gd.accuracy[0], abs=1e-12)  # 20 x 5 steps


def test_smaller_alpha_lowers_fedavg_accuracy():
    means = {alpha: federated_curves(10, alpha, 5, 0.1, strategies=["FedAvg"], rng=7)
             .curve("FedAvg").mean() for alpha in (0.05, 1.0, math.inf)}
    assert means[0.05] < means[1.0] - 0.05
    assert means[0.05] < means[math.inf] - 0.05


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_centralised_beats_federated_under_skew(seed):
    result = federated_curves(20, 0.05, 10, 0.2, rng=seed)
    for name in result.strategies:
        assert result.curve(name).mean() < result.centralised.mean() - 0.02, name
        assert result.final(name) <= result.final("centralised") + 0.005, name


def test_clients_believe_more_than_the_server_gets_under_skew():
    result = federated_curves(10, 0.05, 20, 0.1, strategies=["FedAvg"], rng=0)
    assert result.belief("FedAvg") > 0.95
    assert result.curve("FedAvg")[0] < 0.5 < result.client_accuracy[0, 0]
    assert "The clients believe" in result.summary()


def test_common_random_numbers_and_cache():
    a = federated_curves(50, 0.1, 5, 0.2, rng=11)
    assert federated_curves(50, 0.1, 5, 0.2, rng=11) is a
    b = federated_curves(50, 0.1, 20, 0.5, rng=11)
    np.testing.assert_array_equal(a.label_counts, b.label_counts)  # same clients
    c = federated_curves(50, 0.1, 5, 0.2, rng=12)
    assert not np.array_equal(a.label_counts, c.label_counts)
    assert not a.label_counts.flags.writeable and not a.accuracy.flags.writeable


def test_label_counts_and_bytes():
    result = federated_curves(20, 0.5, 5, 0.5, strategies=["FedAvg"], rng=3)
    assert result.label_counts.shape == (20, 10)
    assert result.label_counts.sum() == 1257
    X, y, _, _ = federated_digits()
    _, sim = fx._streams(result.seed)
    part, _ = fx._streams(result.seed)
    np.testing.assert_array_equal(result.label_counts,
                                  label_counts(y, skewed_partition(y, 20, 0.5, rng=part)))
    # 10 clients per round, 650 float64 parameters down and up, 20 rounds (no empty client here)
    assert result.label_counts.sum(axis=1).min() > 0
    assert result.megabytes[0] == pytest.approx(20 * 10 * 2 * 650 * 8 / 1e6)


def test_scaffold_is_drawn_once_the_library_has_it():
    assert "SCAFFOLD" in available_strategies()
    result = federated_curves(10, 0.05, 20, 1.0, rng=0)
    assert result.strategies == ("FedAvg", "FedProx", "SCAFFOLD")
    assert result.megabytes[2] == pytest.approx(2 * result.megabytes[0])  # controls both ways


def test_summary_reads_in_plain_words():
    text = federated_curves(100, 0.1, 5, 0.1, rng=2026).summary()
    assert text.startswith("With 100 clients (10 per round), label skew alpha 0.1 and 5 local "
                           "steps per round: FedAvg reaches 0.")
    assert "below centralised (0.96)" in text and "SCAFFOLD" in text
    iid = federated_curves(10, math.inf, 1, 1.0, rng=0).summary()
    assert "an IID split and 1 local step per round" in iid


@pytest.mark.parametrize("kwargs, match", [
    ({"n_clients": 0}, "`n_clients` must be an integer in \\[1, 1257\\]"),
    ({"n_clients": 1258}, "`n_clients`"),
    ({"alpha": 0.0}, "`alpha` must be a positive number"),
    ({"alpha": float("nan")}, "`alpha`"),
    ({"participation": 0.0}, "`participation`"),
    ({"participation": 1.5}, "`participation`"),
    ({"local_steps": 0}, "`local_steps`"),
    ({"rounds": 0}, "`rounds`"),
    ({"mu": 0.0}, "`mu`"),
    ({"strategies": ["FedProx"]}, "starting with \"FedAvg\""),
    ({"strategies": ["FedAvg", "FedNova"]}, "`strategies` must be one of"),
])
def test_bad_input_names_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        federated_curves(**{"n_clients": 10, **kwargs}, rng=0)


def test_bad_types():
    with pytest.raises(TypeError, match="`strategies`"):
        federated_curves(10, strategies="FedAvg", rng=0)
    with pytest.raises(TypeError, match="`n_clients`"):
        federated_curves(10.0, rng=0)
    with pytest.raises(TypeError, match="`alpha`"):
        federated_curves(10, True, rng=0)


# --- client_views --------------------------------------------------------------------------------

def test_client_views_show_local_overfitting_under_skew():
    views = client_views(10, 0.05, 20, rng=0)
    held = views.sizes > 0
    assert np.all(views.own_accuracy[held] > views.test_accuracy[held] + 0.3)
    assert np.nanmean(views.test_accuracy) < 0.5 < views.global_accuracy
    assert np.all(np.isnan(views.own_accuracy[~held]))
    iid = client_views(10, math.inf, 20, rng=0)
    assert np.nanmean(iid.test_accuracy) > 0.85  # an IID client's model generalises
    assert "on the balanced test set" in views.summary()


def test_client_views_average_is_one_fedavg_round():
    views = client_views(10, 0.5, 5, rng=0)
    X, y, X_test, y_test = federated_digits()
    part, _ = fx._streams(fx._seed(0))
    h = run_federated(X, y, skewed_partition(y, 10, 0.5, rng=part), X_test, y_test,
                      strategy=FedAvg(), rounds=1, local_steps=5)
    assert views.global_accuracy == pytest.approx(h.accuracy[0], abs=1e-12)


# --- stragglers and compression --------------------------------------------------------------

def test_no_dropout_is_the_fedavg_curve_and_dropouts_report_fewer():
    s = straggler_curves((0.0, 0.5, 0.9), n_clients=100, alpha=0.5, rng=5)
    plain = federated_curves(100, 0.5, 5, 0.1, strategies=["FedAvg"], rng=5)
    np.testing.assert_allclose(s.accuracy[0], plain.curve("FedAvg"), atol=1e-12)
    means = s.reported.mean(axis=1)
    assert means[0] == 10 and abs(means[1] - 5) < 1.5 and abs(means[2] - 1) < 0.7
    assert s.silent_rounds[0] == 0 and s.silent_rounds[2] == np.sum(s.reported[2] == 0)
    assert s.accuracy[2].mean() < s.accuracy[0].mean()
    assert "dropout 0.9" in s.summary()
    with pytest.raises(ValueError, match="`dropouts`"):
        straggler_curves((0.0, 1.0), rng=0)


def test_compression_saves_bytes_and_error_feedback_helps():
    c = compression_comparison(n_clients=100, alpha=0.5, rng=2026)
    assert c.methods == COMPRESSORS
    plain = federated_curves(100, 0.5, 5, 0.1, strategies=["FedAvg"], rng=2026)
    np.testing.assert_allclose(c.accuracy[0], plain.curve("FedAvg"), atol=1e-12)
    savings = dict(zip(c.methods, c.savings))
    assert savings["float64 (no compression)"] == 1.0
    assert 7 < savings["8-bit quantisation"] < 8 and savings["top 1% + error feedback"] > 50
    final = dict(zip(c.methods, c.final))
    assert abs(final["8-bit quantisation"] - final["float64 (no compression)"]) < 0.01
    mean = dict(zip(c.methods, c.accuracy.mean(axis=1)))
    assert mean["top 1% + error feedback"] > mean["top 1%, no error feedback"] + 0.02
    assert "x fewer" in c.summary()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scaffold_corrects_drift_and_fedprox_does_not_here(seed):
    # 20 clients, alpha 0.05, half of them per round, 20 local steps: strong client drift
    result = federated_curves(20, 0.05, 20, 0.5, rng=seed)
    mean = {name: result.curve(name).mean() for name in result.strategies}
    assert mean["SCAFFOLD"] > mean["FedAvg"] + 0.01
    assert mean["FedProx"] < mean["FedAvg"]  # convex model: the proximal term only slows it
