"""Stragglers and dropouts: who reports, what the round does without them, what is counted."""

import numpy as np
import pytest
from scipy import stats

from ppml_lab.federated import DPFedAvg, FedAvg, SCAFFOLD, run_federated


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((3, 4)) * 2
    y = rng.integers(0, 3, 400)
    X = centres[y] + rng.standard_normal((400, 4))
    return X, y, np.array_split(rng.permutation(400), 40)


def test_reports_are_binomial_in_the_dropout_probability(data):
    X, y, parts = data
    h = run_federated(X, y, parts, X, y, rounds=200, clients_per_round=10, dropout=0.3, rng=0)
    np.testing.assert_array_equal(h.n_participants + h.n_dropped, 10)
    # 2,000 Bernoulli(0.3) trials: a two-sided binomial test at 1e-3
    assert stats.binomtest(int(h.n_dropped.sum()), 2000, 0.3).pvalue > 1e-3
    assert np.var(h.n_dropped) > 0


def test_dropped_clients_download_but_do_not_upload(data):
    X, y, parts = data
    h = run_federated(X, y, parts, X, y, rounds=20, clients_per_round=10, dropout=0.5, rng=1)
    per = h.model.n_params * 8
    np.testing.assert_array_equal(h.bytes_down, 10 * per)
    np.testing.assert_array_equal(h.bytes_up, h.n_participants * per)


def test_dropout_zero_changes_nothing(data):
    X, y, parts = data
    a = run_federated(X, y, parts, X, y, rounds=5, clients_per_round=7, rng=2)
    b = run_federated(X, y, parts, X, y, rounds=5, clients_per_round=7, dropout=0.0, rng=2)
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.n_dropped, 0)


def test_a_round_where_everybody_drops_keeps_the_model_and_says_so(data):
    X, y, parts = data
    h = run_federated(X, y, parts, X, y, rounds=30, clients_per_round=1, dropout=0.6, rng=3)
    empty = np.flatnonzero(h.n_participants == 0)
    assert empty.size > 0
    for r in empty:
        assert any(note.startswith(f"round {r + 1}: all 1 sampled clients dropped out")
                   for note in h.notes)
        assert np.isnan(h.client_accuracy_mean[r])
        if r > 0:
            assert h.accuracy[r] == h.accuracy[r - 1] and h.loss[r] == h.loss[r - 1]


def test_the_round_aggregates_exactly_the_clients_that_reported(data):
    """A run with dropouts equals a run without, fed the surviving clients by hand."""
    X, y, parts = data
    h = run_federated(X, y, parts, X, y, rounds=1, dropout=0.4, rng=4)
    survivors = h.n_participants[0]
    assert 0 < survivors < 40
    drop_rng = np.random.default_rng(4).spawn(6)[4]
    kept = [parts[c] for c in np.flatnonzero(drop_rng.random(40) >= 0.4)]
    assert len(kept) == survivors
    # the reference: FedAvg over the survivors (the test set is the same, so is the model)
    ref = run_federated(X, y, kept + [np.setdiff1d(np.arange(400), np.concatenate(kept))], X, y,
                        rounds=1, clients_per_round=None, strategy=_Only(len(kept)))
    np.testing.assert_allclose(h.weights, ref.weights, rtol=0, atol=1e-12)


class _Only(FedAvg):
    """FedAvg that trains the first ``k`` clients only (a test helper, not library code)."""

    def __init__(self, k):
        object.__setattr__(self, "k", k)

    def configure_round(self, server_round, n_clients, clients_per_round=None, *,
                        sampling="fixed", rng=None):
        plan = super().configure_round(server_round, n_clients, None, rng=rng)
        return type(plan)(plan.clients[:self.k], plan.config)


def test_dropouts_work_with_scaffold_and_dp(data):
    X, y, parts = data
    for strategy in (SCAFFOLD(), DPFedAvg(FedAvg(), clip_norm=1.0, noise_multiplier=1.0)):
        h = run_federated(X, y, parts, X, y, strategy=strategy, rounds=5, clients_per_round=10,
                          dropout=0.2, rng=5)
        assert np.all(np.isfinite(h.weights)) and h.n_dropped.sum() > 0


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, float("nan")])
def test_dropout_outside_zero_one_is_refused(data, bad):
    X, y, parts = data
    with pytest.raises(ValueError, match=r"`dropout` must be a number in \[0, 1\)"):
        run_federated(X, y, parts, X, y, rounds=1, dropout=bad)


def test_dropout_of_the_wrong_type_is_refused(data):
    X, y, parts = data
    with pytest.raises(TypeError, match="`dropout`"):
        run_federated(X, y, parts, X, y, rounds=1, dropout="0.1")
