"""Partitions of a data set among simulated clients (ppml_lab.federated.partitions)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppml_lab.federated.partitions import (dirichlet_partition, iid_partition, label_counts,
                                           quantity_skew_partition, shard_partition)

SEEDED = settings(derandomize=True, deadline=None, max_examples=60)


def _assert_exact_cover(parts, n, n_clients):
    """Every index 0 .. n-1 appears in exactly one part; parts are sorted int64 arrays."""
    assert isinstance(parts, list) and len(parts) == n_clients
    for p in parts:
        assert isinstance(p, np.ndarray) and p.dtype == np.int64 and p.ndim == 1
        assert np.all(np.diff(p) > 0)  # sorted, no repeats within a client
    allidx = np.concatenate(parts)
    assert allidx.size == n
    np.testing.assert_array_equal(np.sort(allidx), np.arange(n))


def _labels(n, n_classes, seed):
    return np.random.default_rng(seed).integers(0, n_classes, size=n)


def _mean_tv(y, parts):
    """Mean over clients with data of the total-variation distance to the global label shares."""
    counts = label_counts(y, parts)
    sizes = counts.sum(axis=1)
    keep = sizes > 0
    shares = counts[keep] / sizes[keep, None]
    glob = counts.sum(axis=0) / counts.sum()
    return float(np.mean(0.5 * np.abs(shares - glob).sum(axis=1)))


# --- every example exactly once (property tests) ---------------------------------------------

sizes_and_clients = st.integers(1, 300).flatmap(
    lambda n: st.tuples(st.just(n), st.integers(1, n), st.integers(1, 6), st.integers(0, 2**32 - 1)))
alphas = st.floats(1e-3, 1e4, allow_nan=False, allow_infinity=False)


@SEEDED
@given(sizes_and_clients)
def test_iid_covers_once_and_sizes_differ_by_at_most_one(args):
    n, n_clients, n_classes, seed = args
    parts = iid_partition(_labels(n, n_classes, seed), n_clients, rng=seed)
    _assert_exact_cover(parts, n, n_clients)
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= 1


@SEEDED
@given(sizes_and_clients, alphas)
def test_dirichlet_covers_once(args, alpha):
    n, n_clients, n_classes, seed = args
    parts = dirichlet_partition(_labels(n, n_classes, seed), n_clients, alpha, rng=seed)
    _assert_exact_cover(parts, n, n_clients)


@SEEDED
@given(sizes_and_clients, alphas)
def test_quantity_skew_covers_once_with_min_size(args, alpha):
    n, n_clients, n_classes, seed = args
    min_size = min(2, n // n_clients)
    parts = quantity_skew_partition(_labels(n, n_classes, seed), n_clients, alpha,
                                    min_size=min_size, rng=seed)
    _assert_exact_cover(parts, n, n_clients)
    assert min(len(p) for p in parts) >= min_size


@SEEDED
@given(sizes_and_clients, st.integers(1, 5))
def test_shard_covers_once(args, shards_per_client):
    n, n_clients, n_classes, seed = args
    shards_per_client = min(shards_per_client, n // n_clients)
    parts = shard_partition(_labels(n, n_classes, seed), n_clients, shards_per_client, rng=seed)
    _assert_exact_cover(parts, n, n_clients)
    # equal shards: client sizes differ by at most shards_per_client
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= shards_per_client


def test_string_labels_are_partitioned():
    y = np.array(["cat", "dog", "bird"] * 10)
    for parts in (dirichlet_partition(y, 3, 0.5, rng=1), shard_partition(y, 3, 2, rng=1)):
        _assert_exact_cover(parts, 30, 3)


# --- IID -------------------------------------------------------------------------------------


def test_iid_is_shuffled_not_contiguous():
    parts = iid_partition(np.zeros(100), 4, rng=0)
    assert not all(np.array_equal(p, np.arange(25 * k, 25 * (k + 1))) for k, p in enumerate(parts))


def test_iid_label_shares_are_close_to_global():
    y = np.repeat(np.arange(10), 1000)  # 1,000 per client: sampling noise about 0.04
    assert _mean_tv(y, iid_partition(y, 10, rng=0)) < 0.08


# --- Dirichlet: alpha controls skew ----------------------------------------------------------


def test_dirichlet_skew_decreases_as_alpha_grows():
    y = np.repeat(np.arange(10), 200)
    tvs = [_mean_tv(y, dirichlet_partition(y, 20, alpha, rng=0)) for alpha in (0.05, 0.5, 5, 500)]
    # measured on this seed: about 0.80, 0.51, 0.17, 0.02
    for high_skew, low_skew in zip(tvs, tvs[1:]):
        assert low_skew < high_skew - 0.1
    assert tvs[0] > 0.6 and tvs[-1] < 0.06


def test_dirichlet_huge_alpha_gives_equal_shares_of_every_class():
    y = np.repeat(np.arange(5), 40)
    counts = label_counts(y, dirichlet_partition(y, 4, 1e9, rng=3))
    np.testing.assert_array_equal(counts, np.full((4, 5), 10))


def test_dirichlet_tiny_alpha_gives_each_class_to_one_client():
    y = np.repeat(np.arange(5), 40)
    counts = label_counts(y, dirichlet_partition(y, 5, 1e-6, rng=0))
    assert np.all((counts > 0).sum(axis=0) == 1)  # every class whole on one client


def test_dirichlet_allows_empty_clients_by_default():
    y = np.repeat(np.arange(2), 50)
    parts = dirichlet_partition(y, 10, 0.01, rng=0)
    _assert_exact_cover(parts, 100, 10)
    assert min(len(p) for p in parts) == 0


def test_dirichlet_min_size_is_met():
    y = np.repeat(np.arange(10), 100)
    parts = dirichlet_partition(y, 10, 0.3, min_size=20, rng=0)
    _assert_exact_cover(parts, 1000, 10)
    assert min(len(p) for p in parts) >= 20


def test_dirichlet_unreachable_min_size_names_min_size():
    y = np.repeat(np.arange(2), 50)
    with pytest.raises(ValueError, match=r"`min_size` must be reachable .*alpha=0.001"):
        dirichlet_partition(y, 10, 0.001, min_size=10, rng=0)


# --- shards ----------------------------------------------------------------------------------


@pytest.mark.parametrize("shards_per_client", [1, 2, 3])
def test_class_pure_shards_give_at_most_shards_per_client_classes(shards_per_client):
    n_clients, shard_size = 10, 30
    n_shards = n_clients * shards_per_client
    y = np.repeat(np.arange(n_shards), shard_size) % 5  # 5 classes, each a multiple of 30
    y = np.sort(y)[np.random.default_rng(0).permutation(y.size)]  # input order irrelevant
    parts = shard_partition(y, n_clients, shards_per_client, rng=0)
    _assert_exact_cover(parts, y.size, n_clients)
    counts = label_counts(y, parts)
    assert np.all((counts > 0).sum(axis=1) <= shards_per_client)
    assert np.all(counts % shard_size == 0)  # whole shards, each of one class


def test_mcmahan_setting_is_pathological():
    y = np.repeat(np.arange(10), 600)  # 6,000 examples: 200 shards of 30 for 100 clients
    counts = label_counts(y, shard_partition(y, 100, 2, rng=0))
    assert np.all((counts > 0).sum(axis=1) <= 2)
    assert _mean_tv(y, shard_partition(y, 100, 2, rng=0)) > 0.7


# --- quantity skew ---------------------------------------------------------------------------


def test_quantity_skew_sizes_follow_alpha():
    y = np.repeat(np.arange(10), 100)
    equal = [len(p) for p in quantity_skew_partition(y, 10, 1e6, rng=0)]
    assert equal == [100] * 10
    skewed = [len(p) for p in quantity_skew_partition(y, 10, 0.1, rng=0)]
    assert max(skewed) > 300 and min(skewed) >= 1  # a few clients hold most data


def test_quantity_skew_keeps_labels_iid():
    y = np.repeat(np.arange(4), 1000)
    parts = quantity_skew_partition(y, 5, 1.0, min_size=200, rng=0)
    assert _mean_tv(y, parts) < 0.1


def test_quantity_skew_min_size_zero_allows_empty_clients():
    parts = quantity_skew_partition(np.zeros(50), 20, 0.01, min_size=0, rng=0)
    _assert_exact_cover(parts, 50, 20)
    assert min(len(p) for p in parts) == 0


# --- reproducibility -------------------------------------------------------------------------

CALLS = [
    lambda y, rng: iid_partition(y, 7, rng=rng),
    lambda y, rng: dirichlet_partition(y, 7, 0.5, rng=rng),
    lambda y, rng: shard_partition(y, 7, 2, rng=rng),
    lambda y, rng: quantity_skew_partition(y, 7, 0.5, rng=rng),
]


@pytest.mark.parametrize("call", CALLS)
def test_same_seed_same_partition_other_seed_other_partition(call):
    y = np.repeat(np.arange(5), 40)
    a, b, c = call(y, 11), call(y, 11), call(y, 12)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not all(np.array_equal(p, q) for p, q in zip(a, c))
    d = call(y, np.random.default_rng(11))  # a Generator seeded alike gives the same split
    assert all(np.array_equal(p, q) for p, q in zip(a, d))


@pytest.mark.parametrize("call", CALLS)
def test_global_numpy_random_is_untouched(call):
    before = np.random.get_state()  # read, never seeded: the test changes no global state
    call(np.repeat(np.arange(5), 40), 1)
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1])
    assert before[2:] == after[2:]


# --- label_counts ----------------------------------------------------------------------------


def test_label_counts_matches_a_plain_count():
    y = _labels(500, 7, 0)
    parts = dirichlet_partition(y, 9, 0.3, rng=0)
    counts = label_counts(y, parts)
    expected = np.array([[np.sum(y[p] == c) for c in range(7)] for p in parts])
    np.testing.assert_array_equal(counts, expected)
    assert counts.dtype == np.int64 and counts.sum() == 500


def test_label_counts_string_labels_in_sorted_order():
    counts = label_counts(["b", "a", "b", "c"], [[0, 1], [2, 3]])
    np.testing.assert_array_equal(counts, [[1, 1, 0], [0, 1, 1]])


@pytest.mark.parametrize("kwargs, kind, pattern", [
    ({"partitions": "01"}, TypeError, "`partitions` must be a list"),
    ({"partitions": []}, ValueError, "`partitions` must be a non-empty list"),
    ({"partitions": [[0, 9]]}, ValueError, r"`partitions\[0\]` must be integer indices in \[0, 3\]"),
    ({"partitions": [[0.5]]}, ValueError, r"`partitions\[0\]` must be integer indices"),
    ({"partitions": [[0]], "n_classes": 2}, ValueError, "`n_classes` must be an integer >= 3"),
])
def test_label_counts_bad_input(kwargs, kind, pattern):
    with pytest.raises(kind, match=pattern):
        label_counts([0, 1, 2, 2], **kwargs)


# --- bad input -------------------------------------------------------------------------------

Y = np.repeat(np.arange(3), 4)  # 12 examples


@pytest.mark.parametrize("func, args", [
    (iid_partition, ()),
    (dirichlet_partition, (1.0,)),
    (shard_partition, (1,)),
    (quantity_skew_partition, (1.0,)),
])
@pytest.mark.parametrize("n_clients, kind, pattern", [
    (0, ValueError, r"`n_clients` must be an integer in \[1, 12\]; got 0"),
    (13, ValueError, r"`n_clients` must be an integer in \[1, 12\]; got 13"),
    (2.0, TypeError, "`n_clients` must be an integer"),
    (True, TypeError, "`n_clients` must be an integer"),
])
def test_bad_n_clients(func, args, n_clients, kind, pattern):
    with pytest.raises(kind, match=pattern):
        func(Y, n_clients, *args)


@pytest.mark.parametrize("func", [dirichlet_partition, quantity_skew_partition])
@pytest.mark.parametrize("alpha, kind", [
    (0, ValueError), (-1.0, ValueError), (float("inf"), ValueError), (float("nan"), ValueError),
    (1e300, ValueError), (True, TypeError), ("1", TypeError),
])
def test_bad_alpha(func, alpha, kind):
    with pytest.raises(kind, match="`alpha` must be a positive number"):
        func(Y, 3, alpha)


@pytest.mark.parametrize("func", [dirichlet_partition, quantity_skew_partition])
@pytest.mark.parametrize("min_size, kind, pattern", [
    (-1, ValueError, r"`min_size` must be an integer in \[0, 4\]; got -1"),
    (5, ValueError, r"`min_size` must be an integer in \[0, 4\]; got 5"),
    (1.5, TypeError, "`min_size` must be an integer"),
])
def test_bad_min_size(func, min_size, kind, pattern):
    with pytest.raises(kind, match=pattern):
        func(Y, 3, 1.0, min_size=min_size)


@pytest.mark.parametrize("shards, kind, pattern", [
    (0, ValueError, r"`shards_per_client` must be an integer in \[1, 4\]; got 0"),
    (5, ValueError, r"`shards_per_client` must be an integer in \[1, 4\]; got 5"),
    (2.0, TypeError, "`shards_per_client` must be an integer"),
])
def test_bad_shards_per_client(shards, kind, pattern):
    with pytest.raises(kind, match=pattern):
        shard_partition(Y, 3, shards)


@pytest.mark.parametrize("func, args", [
    (iid_partition, (2,)),
    (dirichlet_partition, (2, 1.0)),
    (shard_partition, (2, 1)),
    (quantity_skew_partition, (2, 1.0)),
])
@pytest.mark.parametrize("y, kind, pattern", [
    ([], ValueError, "`y` must be non-empty"),
    ([[0, 1], [1, 0]], ValueError, "`y` must be a 1-dimensional array"),
    ([0.0, float("nan"), 1.0], ValueError, "`y` must be free of NaN"),
    ("0101", TypeError, "`y` must be a 1-D array of labels"),
])
def test_bad_y(func, args, y, kind, pattern):
    with pytest.raises(kind, match=pattern):
        func(y, *args)


@pytest.mark.parametrize("func, args", [(dirichlet_partition, (2, 1.0)), (shard_partition, (2, 1))])
def test_continuous_labels_are_refused_where_labels_matter(func, args):
    with pytest.raises(ValueError, match="`y` must be class labels, not continuous values"):
        func([0.1, 0.7, 1.3, 2.2], *args)


def test_bad_rng():
    with pytest.raises(TypeError, match="`rng` must be None"):
        iid_partition(Y, 2, rng="seed")
