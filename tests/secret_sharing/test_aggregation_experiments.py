"""Notebook 10's compute layer: secure_aggregation_demo and secure_federated_comparison."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ppml_lab.exercises import solutions
from ppml_lab.secret_sharing import secure_aggregate
from ppml_lab.secret_sharing.aggregation_experiments import (RUN_NAMES, SecureAggregationDemo,
                                                             secure_aggregation_demo,
                                                             secure_federated_comparison)


@pytest.mark.parametrize("dropouts", range(0, 7))
def test_recovery_at_every_dropout_count(dropouts):
    demo = secure_aggregation_demo(8, dropouts, 5, dimension=6, rng=3)
    assert demo.n_survivors == 8 - dropouts and len(demo.dropped) == dropouts
    assert demo.recovered == (8 - dropouts >= 5)
    if demo.recovered:
        assert demo.learned_sum is not None and demo.message == ""
        assert np.max(np.abs(demo.learned_sum - demo.plaintext_sum)) == demo.max_abs_error
        assert demo.max_abs_error <= demo.error_bound
        assert demo.phases[3].bytes > 0
    else:
        assert demo.learned_sum is None and math.isnan(demo.max_abs_error)
        assert "fewer than `threshold`=5" in demo.message
        assert demo.phases[3].bytes == 0 and demo.phases[3].messages == 0
        assert "learns nothing" in demo.summary()


def test_bytes_follow_the_cost_table():
    for n, d, t in [(10, 3, 6), (20, 8, 11), (6, 0, 4)]:
        demo = secure_aggregation_demo(n, d, t, dimension=32, rng=1)
        assert demo.bytes == solutions.round_bytes(n, d, 32)
        assert demo.plaintext_bytes == 8 * 32 * (n - d)
        assert demo.byte_overhead == pytest.approx(demo.bytes / demo.plaintext_bytes)


def test_an_abort_keeps_the_first_three_phases_of_the_same_round():
    ok = secure_aggregation_demo(12, 5, 7, dimension=16, rng=4)
    aborted = secure_aggregation_demo(12, 5, 8, dimension=16, rng=4)
    assert ok.recovered and not aborted.recovered
    assert [p.bytes for p in aborted.phases[:3]] == [p.bytes for p in ok.phases[:3]]
    assert aborted.dropped == ok.dropped
    assert np.array_equal(aborted.masked_counts, ok.masked_counts)  # the same masked inputs


def test_masked_inputs_do_not_depend_on_the_threshold():
    # the demo relies on it to show what the server saw before an abort
    updates = np.random.default_rng(0).normal(size=(9, 5))
    runs = [secure_aggregate(updates, threshold=t, dropped=[1, 4], rng=11) for t in (2, 5, 7)]
    for run in runs[1:]:
        assert np.array_equal(run.masked_inputs, runs[0].masked_inputs)


def test_what_the_server_saw_is_flat_and_the_updates_are_not():
    demo = secure_aggregation_demo(20, 4, 11, dimension=256, rng=5)
    assert demo.masked_counts.sum() == demo.update_counts.sum() == 16 * 256
    assert demo.p_uniform > 1e-4
    # fixed-point updates are small: near 0, or near 2**64 when negative
    assert demo.update_counts[0] + demo.update_counts[-1] == demo.update_counts.sum()
    assert demo.masked_counts.max() < 0.1 * demo.masked_counts.sum()
    assert len(demo.first_words) == 4 and all(0 <= w < 2**64 for w in demo.first_words)


def test_common_random_numbers_one_more_dropout_is_one_more_client_gone():
    previous = set()
    for d in range(0, 9):
        demo = secure_aggregation_demo(10, d, 5, dimension=4, rng=7)
        assert previous <= set(demo.dropped) and len(demo.dropped) == d
        previous = set(demo.dropped)
    a = secure_aggregation_demo(10, 0, 5, dimension=4, rng=7)
    b = secure_aggregation_demo(12, 0, 5, dimension=4, rng=7)
    # client u's update is the same for any number of clients: the plaintext sums differ
    # by the two added clients only
    assert not np.allclose(a.plaintext_sum, b.plaintext_sum)


def test_seeded_results_are_cached_and_unseeded_run():
    assert secure_aggregation_demo(6, 1, 3, dimension=4, rng=2) is secure_aggregation_demo(
        6, 1, 3, dimension=4, rng=2)
    fresh = secure_aggregation_demo(6, 1, 3, dimension=4)
    assert isinstance(fresh, SecureAggregationDemo) and fresh.recovered
    assert "SecureAggregationDemo(n_clients=6" in repr(fresh)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_clients=61, dropouts=0, threshold=2), "n_clients"),
    (dict(n_clients=10, dropouts=9, threshold=2), "dropouts"),
    (dict(n_clients=10, dropouts=0, threshold=1), "threshold"),
    (dict(n_clients=10, dropouts=0, threshold=11), "threshold"),
    (dict(n_clients=10, dropouts=0, threshold=5, dimension=0), "dimension"),
])
def test_bad_settings_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=f"`{match}`"):
        secure_aggregation_demo(**kwargs, rng=0)


def test_secure_federated_runs_match_their_plain_twins():
    result = secure_federated_comparison(n_clients=12, clients_per_round=6, rounds=3,
                                         dropout=0.0, rng=1)
    assert result.names == RUN_NAMES and result.accuracy.shape == (4, 3)
    assert np.array_equal(result.accuracy[0], result.accuracy[1])
    assert np.array_equal(result.accuracy[2], result.accuracy[3])
    assert max(result.max_weight_difference) < 1e-5
    assert result.bytes_up[1] > result.bytes_up[0] and result.bytes_down[1] > result.bytes_down[0]
    assert result.epsilon > 0 and "DP-FedAvg + secure aggregation" in result.summary()
    assert result is secure_federated_comparison(n_clients=12, clients_per_round=6, rounds=3,
                                                 dropout=0.0, rng=1)
    with pytest.raises(ValueError, match="`name`"):
        result.final("nope")


def test_rounds_below_the_threshold_keep_the_model_and_say_so():
    result = secure_federated_comparison(n_clients=12, clients_per_round=6, rounds=3,
                                         dropout=0.2, rng=1)
    assert result.notes[0] == () and result.notes[1]  # only the secure run skips rounds
    assert all("fewer than the secure-aggregation threshold" in note for note in result.notes[1])
    skipped = [int(note.split()[1].rstrip(":")) for note in result.notes[1]]
    for r in [r for r in skipped if r >= 2]:  # the model is unchanged: same accuracy as before
        assert result.accuracy[1, r - 1] == result.accuracy[1, r - 2]


def test_secure_federated_comparison_refuses_one_client_per_round():
    with pytest.raises(ValueError, match="`clients_per_round`"):
        secure_federated_comparison(clients_per_round=1, rng=0)
