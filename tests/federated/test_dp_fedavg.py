"""DP-FedAvg: its inner strategy without noise; clipping, noise level, accounting, ledger."""

import dp_accounting
import numpy as np
import pytest
from dp_accounting import pld as dpa_pld
from dp_accounting import rdp as dpa_rdp
from scipy import stats

from ppml_lab.dp import BudgetAccountant, PLDAccountant, RDPAccountant
from ppml_lab.exceptions import BudgetExceededError
from ppml_lab.federated import DPFedAvg, FedAvg, FedProx, run_federated
from ppml_lab.federated.dp_fedavg import clip_updates


@pytest.fixture
def equal_clients():
    """Six clients of 15 examples each (three classes in four features)."""
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((3, 4)) * 2
    y = rng.integers(0, 3, 90)
    X = centres[y] + rng.standard_normal((90, 4))
    partitions = np.split(rng.permutation(90), 6)
    return X, y, partitions


# --- without noise and with a huge clip, DPFedAvg is its inner strategy ---------------------

@pytest.mark.parametrize("inner", [FedAvg(), FedProx(0.3)])
@pytest.mark.parametrize("clients_per_round", [None, 3])
def test_no_noise_and_a_huge_clip_equals_the_inner_strategy(equal_clients, inner,
                                                            clients_per_round):
    X, y, partitions = equal_clients
    kwargs = dict(rounds=5, local_steps=3, learning_rate=0.4,
                  clients_per_round=clients_per_round, rng=7)
    plain = run_federated(X, y, partitions, X, y, strategy=inner, **kwargs)
    dp = run_federated(X, y, partitions, X, y,
                       strategy=DPFedAvg(inner, clip_norm=1e6, noise_multiplier=0.0), **kwargs)
    np.testing.assert_allclose(dp.weights, plain.weights, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dp.accuracy, plain.accuracy, rtol=0, atol=1e-12)
    assert np.all(np.isinf(dp.epsilon)) and plain.epsilon is None


def test_every_client_counts_once_whatever_its_size():
    """The documented estimator: uniform weights (FedAvg's example weights are not DP-safe)."""
    updates = np.array([[1.0, 0.0], [0.0, 3.0]])
    n_examples = np.array([90, 10])
    dp = DPFedAvg(FedAvg(), clip_norm=1e6, noise_multiplier=0.0)
    got = dp.aggregate(np.zeros(2), updates, n_examples)
    np.testing.assert_array_equal(got, FedAvg().aggregate(np.zeros(2), updates, np.ones(2)))
    assert got.tolist() != FedAvg().aggregate(np.zeros(2), updates, n_examples).tolist()


def test_the_denominator_is_the_expected_number_of_clients():
    updates = np.array([[2.0, 0.0], [0.0, 4.0]])
    got = DPFedAvg(FedAvg(), 1e6, 0.0).aggregate(np.ones(2), updates, np.ones(2),
                                                  expected_clients=4)
    np.testing.assert_allclose(got, np.ones(2) + (updates - 1).sum(axis=0) / 4, atol=1e-15)


# --- clipping ---------------------------------------------------------------------------------

def test_a_long_update_is_scaled_to_exactly_clip_norm_and_short_ones_are_untouched():
    rng = np.random.default_rng(0)
    w = rng.standard_normal(50)
    deltas = rng.standard_normal((4, 50)) * np.array([[10.0], [0.01], [3.0], [0.02]])
    out = clip_updates(w, w + deltas, 0.5)
    norms = np.linalg.norm(out - w, axis=1)
    np.testing.assert_allclose(norms[[0, 2]], 0.5, rtol=1e-12)
    for c in (0, 2):                                         # same direction
        cosine = (out[c] - w) @ deltas[c] / (norms[c] * np.linalg.norm(deltas[c]))
        assert cosine == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_array_equal(out[[1, 3]], (w + deltas)[[1, 3]])


def test_the_server_aggregates_clipped_updates():
    dp = DPFedAvg(FedAvg(), clip_norm=1.0, noise_multiplier=0.0)
    got = dp.aggregate(np.zeros(2), np.array([[30.0, 40.0], [0.0, 0.5]]), np.ones(2))
    np.testing.assert_allclose(got, [(0.6 + 0.0) / 2, (0.8 + 0.5) / 2], atol=1e-15)


# --- the noise ----------------------------------------------------------------------------------

def server_noise(dp, n_reporting, expected_clients, n_params, seed):
    """Aggregate zero updates: what comes back is the noise alone (in the average)."""
    zeros = np.zeros((n_reporting, n_params))
    return dp.aggregate(np.zeros(n_params), zeros, np.ones(n_reporting),
                        expected_clients=expected_clients, rng=seed)


@pytest.mark.parametrize("local", [False, True])
def test_noise_std_is_noise_multiplier_times_clip_norm_on_the_sum(local):
    sigma, clip, k, p = 1.5, 0.7, 10, 100_000
    dp = DPFedAvg(FedAvg(), clip_norm=clip, noise_multiplier=sigma, local=local)
    noise = server_noise(dp, k, k, p, seed=3) * k            # the noise in the sum
    expected_std = sigma * clip * (np.sqrt(k) if local else 1.0)   # local: sqrt(k) times more
    assert stats.kstest(noise, "norm", args=(0, expected_std)).pvalue > 1e-3
    # the test has the power to see a 5% error in the standard deviation
    for wrong in (0.95, 1.05):
        assert stats.kstest(noise, "norm", args=(0, wrong * expected_std)).pvalue < 1e-3
    # and the sample variance is within a few of its standard errors (chi-square, p - 1 dof)
    ratio = noise.var() / expected_std**2
    assert abs(ratio - 1) < 4 * np.sqrt(2 / p)


def test_noise_is_seeded_and_drawn_from_the_rng_passed():
    dp = DPFedAvg(FedAvg(), clip_norm=1.0, noise_multiplier=1.0)
    first = server_noise(dp, 2, 2, 5, seed=11)
    np.testing.assert_array_equal(first, server_noise(dp, 2, 2, 5, seed=11))
    assert not np.array_equal(first, server_noise(dp, 2, 2, 5, seed=12))


def test_a_round_without_reports_still_releases_noise():
    dp = DPFedAvg(FedAvg(), clip_norm=1.0, noise_multiplier=1.0)
    got = dp.aggregate_round(np.zeros(3), np.empty((0, 3)), np.empty(0), expected_clients=2,
                             rng=0)
    np.testing.assert_allclose(got, np.random.default_rng(0).normal(0, 1.0, 3) / 2, atol=1e-15)


def test_a_noisy_run_is_reproducible_and_differs_from_the_noiseless_one(equal_clients):
    X, y, partitions = equal_clients
    kwargs = dict(rounds=3, clients_per_round=3, rng=5)
    noisy = DPFedAvg(FedAvg(), clip_norm=0.5, noise_multiplier=1.0)
    a = run_federated(X, y, partitions, X, y, strategy=noisy, **kwargs)
    b = run_federated(X, y, partitions, X, y, strategy=noisy, **kwargs)
    c = run_federated(X, y, partitions, X, y, strategy=DPFedAvg(FedAvg(), 0.5, 0.0), **kwargs)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert not np.allclose(a.weights, c.weights)


# --- accounting -------------------------------------------------------------------------------

def test_history_epsilon_per_round_is_the_kits_rdp_accountant(equal_clients):
    X, y, partitions = equal_clients
    strategy = DPFedAvg(FedAvg(), clip_norm=1.0, noise_multiplier=0.9, delta=1e-4)
    history = run_federated(X, y, partitions, X, y, strategy=strategy, rounds=6,
                            clients_per_round=2, rng=0)
    assert history.epsilon.shape == (6,)
    assert np.all(np.diff(history.epsilon) > 0)
    for t in range(1, 7):
        expected = RDPAccountant().compose_gaussian(0.9, sample_rate=2 / 6,
                                                    steps=t).get_epsilon(1e-4)
        assert history.epsilon[t - 1] == expected
    assert f"epsilon={history.epsilon[-1]:.4g}" in repr(history)


def test_pld_accounting_is_the_kits_pld_accountant():
    eps = DPFedAvg(FedAvg(), 1.0, 1.0, accounting="pld").epsilons(20, 100, 10)
    assert np.all(np.diff(eps) > 0)
    for t in (1, 7, 20):
        expected = PLDAccountant().compose_gaussian(1.0, sample_rate=0.1,
                                                    steps=t).get_epsilon(1e-5)
        assert eps[t - 1] == pytest.approx(expected, rel=1e-3)


def reference_event(sigma, q, rounds):
    return dp_accounting.SelfComposedDpEvent(
        dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)), rounds)


@pytest.mark.parametrize("sigma, n_clients, per_round, rounds",
                         [(1.0, 100, 10, 30), (0.7, 1000, 20, 200), (2.0, 50, 50, 10)])
def test_epsilon_matches_dp_accounting_rdp_within_one_percent(sigma, n_clients, per_round,
                                                              rounds):
    """dp-accounting's RdpAccountant on the Poisson-subsampled Gaussian (what is reported)."""
    reference = dpa_rdp.RdpAccountant()
    reference.compose(reference_event(sigma, per_round / n_clients, rounds))
    ours = DPFedAvg(FedAvg(), 1.0, sigma).epsilons(rounds, n_clients, per_round)[-1]
    assert ours == pytest.approx(reference.get_epsilon(1e-5), rel=0.01)


@pytest.mark.parametrize("sigma, n_clients, per_round, rounds", [(1.0, 100, 10, 30),
                                                                 (2.0, 50, 50, 10)])
def test_epsilon_matches_dp_accounting_pld_within_one_percent(sigma, n_clients, per_round,
                                                              rounds):
    """dp-accounting's PLDAccountant (default discretisation) on the same events."""
    reference = dpa_pld.PLDAccountant()
    reference.compose(reference_event(sigma, per_round / n_clients, rounds))
    ours = DPFedAvg(FedAvg(), 1.0, sigma, accounting="pld").epsilons(rounds, n_clients,
                                                                      per_round)[-1]
    assert ours == pytest.approx(reference.get_epsilon(1e-5), rel=0.01)


def test_local_dp_epsilon_is_the_unsampled_gaussian_at_sensitivity_two_clip():
    eps = DPFedAvg(FedAvg(), 1.0, 4.0, local=True).epsilons(5, 100, 10)
    expected = RDPAccountant().compose_gaussian(2.0, steps=5).get_epsilon(1e-5)
    assert eps[-1] == expected
    assert eps[-1] > DPFedAvg(FedAvg(), 1.0, 4.0).epsilons(5, 100, 10)[-1]


# --- the ledger ---------------------------------------------------------------------------------

def test_the_ledger_is_charged_the_runs_epsilon(equal_clients):
    X, y, partitions = equal_clients
    ledger = BudgetAccountant(epsilon=50.0, delta=1e-3)
    strategy = DPFedAvg(FedAvg(), clip_norm=1.0, noise_multiplier=1.0)
    history = run_federated(X, y, partitions, X, y, strategy=strategy, rounds=4,
                            clients_per_round=3, accountant=ledger, rng=0)
    assert len(ledger.history) == 1
    assert ledger.spent.epsilon == pytest.approx(history.epsilon[-1], rel=1e-12)
    assert ledger.spent.delta == pytest.approx(1e-5)
    assert "run_federated" in ledger.history[0].label


def test_a_refused_run_leaves_the_ledger_unchanged_and_trains_nothing(equal_clients, monkeypatch):
    X, y, partitions = equal_clients
    ledger = BudgetAccountant(epsilon=1.0, delta=1e-3)
    ledger.spend(0.5, 1e-6, label="earlier query")
    before = (ledger.spent, ledger.history)
    from ppml_lab.federated import simulation

    def no_training(*args, **kwargs):
        raise AssertionError("trained after a refused spend")

    monkeypatch.setattr(simulation, "local_train", no_training)
    with pytest.raises(BudgetExceededError):
        run_federated(X, y, partitions, X, y, strategy=DPFedAvg(FedAvg(), 1.0, 1.0),
                      rounds=30, clients_per_round=3, accountant=ledger, rng=0)
    assert (ledger.spent, ledger.history) == before


def test_a_ledger_needs_a_private_strategy(equal_clients):
    X, y, partitions = equal_clients
    ledger = BudgetAccountant(epsilon=10.0, delta=1e-3)
    with pytest.raises(TypeError, match="`accountant`"):
        run_federated(X, y, partitions, X, y, strategy=FedAvg(), accountant=ledger)
    with pytest.raises(ValueError, match="`accountant`.*noise_multiplier=0"):
        run_federated(X, y, partitions, X, y, strategy=DPFedAvg(FedAvg(), 1.0, 0.0),
                      accountant=ledger)
    assert len(ledger.history) == 0


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, name", [
    (dict(clip_norm=0.0), "clip_norm"), (dict(clip_norm=-1.0), "clip_norm"),
    (dict(clip_norm=np.inf), "clip_norm"), (dict(clip_norm=np.nan), "clip_norm"),
    (dict(noise_multiplier=-0.1), "noise_multiplier"),
    (dict(noise_multiplier=np.nan), "noise_multiplier"),
    (dict(delta=0.0), "delta"), (dict(delta=1.0), "delta"),
    (dict(accounting="gdp"), "accounting"),
])
def test_bad_parameters_are_named(kwargs, name):
    params = dict(strategy=FedAvg(), clip_norm=1.0, noise_multiplier=1.0) | kwargs
    with pytest.raises(ValueError, match=f"`{name}`"):
        DPFedAvg(**params)


@pytest.mark.parametrize("strategy", ["fedavg", None, DPFedAvg(FedAvg(), 1.0, 1.0)])
def test_the_wrapped_strategy_must_be_a_plain_strategy(strategy):
    with pytest.raises(TypeError, match="`strategy`"):
        DPFedAvg(strategy, clip_norm=1.0, noise_multiplier=1.0)


def test_wrapping_delegates_configuration():
    dp = DPFedAvg(FedProx(0.2), clip_norm=1.0, noise_multiplier=1.0)
    assert dp.client_config() == {"proximal_mu": 0.2}
    assert dp.configure_round(1, 10, 4, rng=0).clients.tolist() == \
        FedProx(0.2).configure_round(1, 10, 4, rng=0).clients.tolist()


@pytest.mark.parametrize("updates", [np.zeros((2, 3)), np.zeros((3, 2, 1))])
def test_updates_of_the_wrong_shape_are_refused(updates):
    with pytest.raises(ValueError, match="`updates`"):
        DPFedAvg(FedAvg(), 1.0, 1.0).aggregate(np.zeros(2), updates, np.ones(len(updates)))


# --- Poisson client sampling (what the accountant analyses) -------------------------------------

def test_poisson_sampling_keeps_each_client_with_probability_q():
    from ppml_lab.federated.strategies import sample_clients

    rng = np.random.default_rng(0)
    draws = [sample_clients(100, 10, sampling="poisson", rng=rng) for _ in range(4000)]
    sizes = np.array([len(d) for d in draws])
    assert abs(sizes.mean() - 10) < 4 * np.sqrt(100 * 0.1 * 0.9 / 4000)
    assert sizes.var() == pytest.approx(9.0, rel=0.1)                # binomial, not fixed
    hits = np.bincount(np.concatenate(draws), minlength=100) / 4000
    assert np.all(np.abs(hits - 0.1) < 5 * np.sqrt(0.09 / 4000))
    assert all(np.all(np.diff(d) > 0) for d in draws)               # sorted, no repeats


def test_a_poisson_run_varies_its_clients_and_reports_the_poisson_epsilon(equal_clients):
    X, y, partitions = equal_clients
    dp = DPFedAvg(FedAvg(), clip_norm=0.5, noise_multiplier=1.0)
    history = run_federated(X, y, partitions, X, y, strategy=dp, rounds=20, clients_per_round=3,
                            client_sampling="poisson", rng=2)
    assert len(set(history.n_participants.tolist())) > 1
    np.testing.assert_array_equal(history.epsilon, dp.epsilons(20, 6, 3))
    fixed = run_federated(X, y, partitions, X, y, strategy=FedAvg(), rounds=3,
                          clients_per_round=3, rng=2)
    assert set(fixed.n_participants.tolist()) == {3}


def test_client_sampling_is_checked(equal_clients):
    X, y, partitions = equal_clients
    with pytest.raises(ValueError, match="`client_sampling`"):
        run_federated(X, y, partitions, X, y, client_sampling="bernoulli")
