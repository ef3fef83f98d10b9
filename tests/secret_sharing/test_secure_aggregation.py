"""Tests of secure aggregation (Bonawitz et al. 2017): ppml_lab.secret_sharing.secure_aggregation
and its building blocks in ppml_lab.secret_sharing.masking."""

from __future__ import annotations

import re

import numpy as np
import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from ppml_lab._random import expand_seed
from ppml_lab.secret_sharing import secure_aggregation as sa
from ppml_lab.secret_sharing.encoding import EncodingOverflowError, decode, encode
from ppml_lab.secret_sharing.masking import (MaskBuffer, add_mask, agree_seed, keypair,
                                             mask_into, open_bundle, pair_sign, public_bytes,
                                             seal_bundle)
from ppml_lab.secret_sharing.secure_aggregation import (PHASES, SecureAggregationResult,
                                                        TooFewSurvivorsError, secure_aggregate)

# hypothesis draws the same examples on every run (no flakiness) and has no
# deadline (the machine is shared and timings are noisy)
FIXED = settings(derandomize=True, deadline=None, max_examples=40)


def ring_sum(x: np.ndarray, frac_bits: int = 20) -> np.ndarray:
    """What the protocol must return exactly: the encoded rows summed in the ring, decoded."""
    values, enc = encode(x, frac_bits=frac_bits)
    return decode(np.sum(values, axis=0, dtype=np.uint64), enc)


# ---------------------------------------------------------------- building blocks


def test_agreed_seed_is_the_same_at_both_ends_and_differs_between_pairs():
    keys = [keypair(bytes([i]) * 32) for i in range(1, 5)]
    pubs = [public_bytes(k) for k in keys]
    for u in range(4):
        for v in range(4):
            if u != v:
                assert agree_seed(keys[u], pubs[v]) == agree_seed(keys[v], pubs[u])
    seeds = {agree_seed(keys[u], pubs[v]) for u in range(4) for v in range(u + 1, 4)}
    assert len(seeds) == 6
    # the mask seed and the share-encryption key of one pair are independent (HKDF info)
    assert agree_seed(keys[0], pubs[1]) != agree_seed(keys[0], pubs[1], purpose="bundle")


@pytest.mark.parametrize("size", [1, 7, 8, 1000, 4097])
def test_mask_into_is_expand_seed(size):
    seed = bytes(range(32))
    buffer = MaskBuffer(size)
    assert np.array_equal(mask_into(seed, buffer), expand_seed(seed, size))
    other = bytes(range(1, 33))
    assert np.array_equal(mask_into(other, buffer), expand_seed(other, size))  # buffer reused


@FIXED
@given(n=st.integers(2, 9), dim=st.integers(1, 20), seed=st.integers(0, 2**32))
def test_pairwise_masks_cancel_exactly_in_the_ring(n, dim, seed):
    gen = np.random.default_rng(seed)
    keys = [keypair(gen.bytes(32)) for _ in range(n)]
    pubs = [public_bytes(k) for k in keys]
    masks = np.zeros((n, dim), dtype=np.uint64)
    buffer = MaskBuffer(dim)
    for u in range(n):  # each client adds its own n - 1 masks (both ends compute)
        for v in range(n):
            if u != v:
                add_mask(masks[u], mask_into(agree_seed(keys[u], pubs[v]), buffer),
                         pair_sign(u, v))
    assert np.all(np.sum(masks, axis=0, dtype=np.uint64) == 0)
    assert np.all(masks != 0)  # no client's total mask is zero (chance 2**-64 per word)


def test_sealed_bundles_open_only_unchanged_and_to_the_right_receiver():
    key = bytes(range(32))
    shares = np.arange(10, dtype=np.uint64) * np.uint64(2**55)
    box = seal_bundle(key, 3, 7, shares)
    assert len(box) == 8 + 8 * 10 + 16
    assert np.array_equal(open_bundle(key, 3, 7, box), shares)
    tampered = bytearray(box)
    tampered[12] ^= 1
    with pytest.raises(InvalidTag):
        open_bundle(key, 3, 7, bytes(tampered))
    with pytest.raises(InvalidTag):  # rerouted to another client: the nonce differs
        open_bundle(key, 3, 8, box)
    with pytest.raises(InvalidTag):
        open_bundle(bytes(32), 3, 7, box)


# ---------------------------------------------------------------- the protocol


def test_small_example_and_record():
    x = np.array([[1.0, -2.0], [0.5, 0.25], [3.0, 1.0], [-1.0, 4.0]])
    r = secure_aggregate(x, threshold=3, dropped=[2], rng=0)
    assert isinstance(r, SecureAggregationResult)
    assert r.sum.tolist() == [0.5, 2.25]
    assert r.plaintext_sum.tolist() == [0.5, 2.25]
    assert r.survivors == (0, 1, 3) and r.dropped == (2,)
    assert r.n_clients == 4 and r.dimension == 2 and r.threshold == 3
    assert r.masked_inputs.dtype == np.uint64 and r.masked_inputs.shape == (3, 2)
    assert [p.name for p in r.phases] == list(PHASES)
    assert r.secure is False
    assert "SecureAggregationResult(n_clients=4" in repr(r)
    assert "masked_input" in r.cost_table() and "total" in r.cost_table()
    assert r.phase("unmasking") is r.phases[3]
    with pytest.raises(KeyError, match="`name`"):
        r.phase("nope")


@FIXED
@given(data=st.data())
def test_dropout_recovery_returns_the_survivors_sum(data):
    n = data.draw(st.integers(2, 8), label="n_clients")
    threshold = data.draw(st.integers(2, n), label="threshold")
    n_dropped = data.draw(st.integers(0, n - threshold), label="n_dropped")
    dropped = data.draw(st.permutations(range(n)), label="order")[:n_dropped]
    dim = data.draw(st.integers(1, 6), label="dimension")
    seed = data.draw(st.integers(0, 2**32), label="seed")
    x = np.random.default_rng(seed).uniform(-1e3, 1e3, size=(n, dim))
    r = secure_aggregate(x, threshold=threshold, dropped=dropped, rng=seed)
    survivors = sorted(set(range(n)) - set(dropped))
    assert r.survivors == tuple(survivors) and r.dropped == tuple(sorted(dropped))
    # every mask is removed exactly: the result is the ring sum of the encoded survivors ...
    assert np.array_equal(r.sum, ring_sum(x[survivors]))
    # ... which is within the encoding's resolution of the float sum
    assert np.all(np.abs(r.sum - x[survivors].sum(axis=0)) <= r.error_bound + 1e-9)
    assert r.max_abs_error <= r.error_bound + 1e-9


@pytest.mark.parametrize("n_dropped", range(0, 4))
def test_every_allowed_dropout_count(n_dropped):
    n, threshold = 7, 4
    x = np.random.default_rng(1).normal(scale=10.0, size=(n, 50))
    dropped = [6, 1, 3][:n_dropped]
    r = secure_aggregate(x, threshold=threshold, dropped=dropped, rng=n_dropped)
    keep = sorted(set(range(n)) - set(dropped))
    assert np.array_equal(r.sum, ring_sum(x[keep]))
    assert r.max_abs_error <= r.error_bound
    assert len(r.responders) == min(len(keep), threshold + 1)
    assert set(r.responders) <= set(keep)


def test_no_dropouts_masks_cancel_and_every_masked_row_differs_from_its_input():
    x = np.random.default_rng(2).normal(size=(10, 200))
    r = secure_aggregate(x, threshold=6, rng=3)
    assert np.array_equal(r.sum, ring_sum(x))
    encoded, _ = encode(x)
    assert np.mean(r.masked_inputs == encoded) < 0.01


def test_unmasking_never_reveals_both_secrets_of_one_client():
    x = np.random.default_rng(4).normal(size=(6, 3))
    r = secure_aggregate(x, threshold=3, dropped=[0, 4], rng=5)
    assert r.revealed == ("mask_key", "self_mask_seed", "self_mask_seed", "self_mask_seed",
                          "mask_key", "self_mask_seed")
    # an honest client refuses a request naming a client both as survivor and as dropped
    held = np.zeros((6, 2 * sa.SEED_ELEMENTS), dtype=np.uint64)
    keys, seeds = sa._unmask_response(held, (1, 2, 3, 5), (0, 4))
    assert keys.shape == (2, sa.SEED_ELEMENTS) and seeds.shape == (4, sa.SEED_ELEMENTS)
    with pytest.raises(ValueError, match=r"refused.*both the mask key and the self-mask seed"):
        sa._unmask_response(held, (1, 2, 3, 4), (0, 4))


def test_too_few_survivors_raises_before_anything_is_revealed():
    x = np.full((5, 4), 123.456)
    gen = np.random.default_rng(7)
    state = gen.bit_generator.state
    with pytest.raises(TooFewSurvivorsError) as info:
        secure_aggregate(x, threshold=4, dropped=[0, 2], rng=gen)
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.n_survivors, err.threshold) == (3, 4)
    message = str(err)
    assert "`threshold`=4" in message and "reveals nothing" in message
    # no partial sum anywhere: not in the message, not among the attributes
    for partial in (3 * 123.456, 123.456, 370.368):
        assert f"{partial:g}" not in message and "370" not in message
    assert all(not isinstance(v, np.ndarray) for v in vars(err).values())
    assert err.args == (message,)
    # the protocol aborted before any key, seed or share was drawn
    assert gen.bit_generator.state == state


def test_reproducible_with_a_seed_fresh_without():
    x = np.random.default_rng(8).normal(size=(5, 16))
    a = secure_aggregate(x, threshold=3, dropped=[1], rng=11)
    b = secure_aggregate(x, threshold=3, dropped=[1], rng=11)
    assert np.array_equal(a.masked_inputs, b.masked_inputs)
    c = secure_aggregate(x, threshold=3, dropped=[1])
    d = secure_aggregate(x, threshold=3, dropped=[1])
    assert c.secure and d.secure
    assert not np.array_equal(c.masked_inputs, d.masked_inputs)
    assert not np.array_equal(c.masked_inputs, a.masked_inputs)
    for r in (a, c, d):
        assert np.array_equal(r.sum, ring_sum(x[[0, 2, 3, 4]]))


def test_accepts_lists_numpy_indices_and_ranges():
    rows = [np.ones(3), 2 * np.ones(3), 3 * np.ones(3), 4 * np.ones(3)]
    for dropped in ([np.int64(2)], np.array([2]), (2,), {2}, range(2, 3), iter([2]),
                    (d for d in [2])):
        r = secure_aggregate(rows, threshold=2, dropped=dropped, rng=0)
        assert r.sum.tolist() == [7.0, 7.0, 7.0]
    assert secure_aggregate([[1, 2], [3, 4]], threshold=2, rng=0).sum.tolist() == [4.0, 6.0]


def test_frac_bits_sets_the_resolution():
    x = np.array([[0.1], [0.2], [0.3]])
    coarse = secure_aggregate(x, threshold=2, rng=0, frac_bits=4)
    assert coarse.resolution == 1 / 16
    assert coarse.sum[0] == pytest.approx(0.625)  # 0.125 + 0.1875 + 0.3125
    assert coarse.max_abs_error <= coarse.error_bound
    fine = secure_aggregate(x, threshold=2, rng=0, frac_bits=40)
    assert fine.max_abs_error < 1e-11


def test_large_values_near_the_range_and_negative_sums():
    limit = 2.0**43  # the ring's range at 20 fractional bits
    x = np.array([[limit / 4, -limit / 4], [limit / 4, -limit / 4], [limit / 4 - 1, -limit / 4]])
    r = secure_aggregate(x, threshold=2, dropped=[1], rng=0)
    assert r.sum.tolist() == [limit / 2 - 1, -limit / 2]


def test_a_corrupted_share_raises_instead_of_a_wrong_sum(monkeypatch):
    x = np.random.default_rng(9).normal(size=(5, 4))
    real_open = sa.open_bundle

    def corrupt(key, sender, receiver, box):  # client 2 receives a bad share from client 0
        value = real_open(key, sender, receiver, box)
        if (sender, receiver) == (0, 2):
            value = value.copy()
            value[sa.SEED_ELEMENTS] ^= np.uint64(1)  # its share of client 0's self-mask seed
        return value

    monkeypatch.setattr(sa, "open_bundle", corrupt)
    with pytest.raises(ValueError, match="points of one polynomial"):
        secure_aggregate(x, threshold=2, dropped=[4], rng=0)

    def corrupt_key(key, sender, receiver, box):  # a bad share of dropped client 3's mask key
        value = real_open(key, sender, receiver, box)
        if (sender, receiver) == (3, 0):
            value = value.copy()
            value[0] ^= np.uint64(1)
        return value

    monkeypatch.setattr(sa, "open_bundle", corrupt_key)
    with pytest.raises(ValueError, match="points of one polynomial|does not match its advertised"):
        secure_aggregate(x, threshold=2, dropped=[3], rng=0)


# ---------------------------------------------------------------- what the server sees


def top_byte_counts(words: np.ndarray) -> np.ndarray:
    return np.bincount((words >> np.uint64(56)).astype(np.int64), minlength=256)


def test_a_masked_vector_does_not_depend_on_the_input():
    """Client 0's masked vector for input 0 and for input -1e6 (encoded: top bits all 0 and
    all 1): two samples of the same uniform distribution. 40 runs x 1000 coordinates = 40,000
    words per input; alpha 1e-3 with fixed seeds (deterministic)."""
    others = np.random.default_rng(10).normal(size=(4, 1000))
    samples = {}
    inputs = ((0, "zeros", np.zeros(1000)), (100, "large", np.full(1000, -1e6)))
    for offset, name, first in inputs:
        x = np.vstack([first, others])  # independent runs: seeds 0-39 and 100-139
        words = [secure_aggregate(x, threshold=3, dropped=[4], rng=offset + run).masked_inputs[0]
                 for run in range(40)]
        samples[name] = np.concatenate(words)
    alpha = 1e-3
    a, b = (top_byte_counts(samples[k]) for k in ("zeros", "large"))
    # 1) same distribution of the top 8 bits (chi-square test of homogeneity, 255 df)
    assert stats.chi2_contingency(np.vstack([a, b]))[1] > alpha
    # 2) each uniform over the 256 values (expected 156 per cell, well above 5)
    for counts in (a, b):
        assert stats.chisquare(counts)[1] > alpha
    # 3) the whole word: two-sample Kolmogorov-Smirnov on the words scaled to [0, 1)
    u, v = (samples[k].astype(np.float64) / 2.0**64 for k in ("zeros", "large"))
    assert stats.ks_2samp(u, v).pvalue > alpha
    # without masks the encoded inputs would be constant: the test can see a difference
    plain = {k: encode(np.full(40_000, c))[0] for k, c in (("zeros", 0.0), ("large", -1e6))}
    assert stats.chi2_contingency(np.vstack([top_byte_counts(plain["zeros"]) + 1,
                                             top_byte_counts(plain["large"]) + 1]))[1] < alpha


# ---------------------------------------------------------------- cost record


@pytest.mark.parametrize("n,n_dropped,dim", [(2, 0, 1), (5, 2, 3), (12, 1, 100), (20, 8, 7)])
def test_costs_match_the_documented_formulas(n, n_dropped, dim):
    x = np.random.default_rng(n).normal(size=(n, dim))
    r = secure_aggregate(x, threshold=n - n_dropped, dropped=range(n_dropped), rng=0)
    k, key, bundle = n - n_dropped, 32, 8 + 8 * 10 + 16
    expected = {
        "advertise_keys": (2 * n, 2 * key * n, 2 * key * n * n),
        "share_keys": (2 * n, bundle * n * (n - 1), bundle * n * (n - 1)),
        "masked_input": (k, 8 * dim * k, 0),
        "unmasking": (2 * k, 8 * 5 * n * k, 4 * k * k),
    }
    for phase in r.phases:
        assert (phase.messages, phase.bytes_up, phase.bytes_down) == expected[phase.name]
        assert phase.bytes == phase.bytes_up + phase.bytes_down
        assert phase.seconds >= 0
    assert r.messages == sum(m for m, _, _ in expected.values())
    assert r.bytes == sum(u + d for _, u, d in expected.values())
    assert r.seconds == pytest.approx(sum(p.seconds for p in r.phases))
    assert r.plaintext_seconds >= 0 and r.overhead > 0


# ---------------------------------------------------------------- bad input


def raises(kind, name, **kwargs):
    call = dict(updates=np.ones((4, 3)), threshold=2, rng=0)
    call.update(kwargs)
    with pytest.raises(kind, match=re.escape(f"`{name}`")) as info:
        secure_aggregate(**call)
    return str(info.value)


@pytest.mark.parametrize("threshold,kind", [(1, ValueError), (0, ValueError), (5, ValueError),
                                            (-2, ValueError), (2.5, TypeError), (True, TypeError),
                                            ("3", TypeError), (None, TypeError)])
def test_bad_threshold(threshold, kind):
    message = raises(kind, "threshold", threshold=threshold)
    assert "[2, 4]" in message
    if threshold == 1:
        assert "at least 2 shares to hide anything" in message


@pytest.mark.parametrize("dropped,kind,text", [
    ([4], ValueError, "client 4"),
    ([-1], ValueError, "client -1"),
    ([1, 1], ValueError, "[1] more than once"),
    ([0, 2, 0, 2], ValueError, "[0, 2] more than once"),
    (3, TypeError, "a sequence of client indices"),
    ("1", TypeError, "a sequence of client indices"),
    ([True], TypeError, "True"),
    ([1.0], TypeError, "1.0"),
    ([None], TypeError, "None"),
    ([[1]], TypeError, "a sequence of client indices"),
    (np.array([1.0]), TypeError, "1.0"),
])
def test_bad_dropped(dropped, kind, text):
    assert text in raises(kind, "dropped", dropped=dropped)


@pytest.mark.parametrize("updates,kind,text", [
    (np.array([[1.0, np.nan], [0.0, 1.0]]), ValueError, "NaN"),
    (np.array([[1.0, np.inf], [0.0, 1.0]]), ValueError, "non-finite"),
    (np.ones(4), ValueError, "2-dimensional"),
    (np.ones((4, 2, 2)), ValueError, "2-dimensional"),
    (np.ones((1, 3)), ValueError, "at least 2 clients"),
    (np.ones((4, 0)), ValueError, "non-empty"),
    ([[1, 2], [3]], TypeError, "array-like"),
    (np.array([["a", "b"], ["c", "d"]]), TypeError, "array-like of numbers"),
    (np.ones((2, 2), dtype=bool), TypeError, "not booleans"),
    (np.array([[1e13], [0.0]]), EncodingOverflowError, "range"),
    (np.array([[5e12], [5e12]]), EncodingOverflowError, "sum to 1e+13"),
])
def test_bad_updates(updates, kind, text):
    threshold = 2
    assert text in raises(kind, "updates", updates=updates, threshold=threshold)


def test_overflow_is_an_overflow_and_a_value_error():
    with pytest.raises(OverflowError):
        secure_aggregate(np.full((3, 1), 4e12), threshold=2)
    with pytest.raises(ValueError, match="fewer frac_bits"):
        secure_aggregate(np.full((3, 1), 4e12), threshold=2)
    # the same updates fit with fewer fractional bits
    assert secure_aggregate(np.full((3, 1), 4e12), threshold=2, frac_bits=10,
                            rng=0).sum.tolist() == [1.2e13]


@pytest.mark.parametrize("frac_bits,kind", [(-1, ValueError), (63, ValueError),
                                            (20.0, TypeError), (True, TypeError)])
def test_bad_frac_bits(frac_bits, kind):
    raises(kind, "frac_bits", frac_bits=frac_bits)


@pytest.mark.parametrize("rng,kind", [(-1, ValueError), ("seed", TypeError),
                                      (np.random.RandomState(0), TypeError)])
def test_bad_rng(rng, kind):
    raises(kind, "rng", rng=rng)
