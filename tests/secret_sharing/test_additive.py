"""Tests of additive sharing: round trips, local linear operations, uniformity, bad input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from ppml_lab.secret_sharing import (EncodingOverflowError, Share, additive_reconstruct,
                                     additive_share, shamir_split)

FIXED = settings(derandomize=True, deadline=None, max_examples=150)
ALPHA = 1e-4  # significance of the uniformity tests (seeded, so the outcome is fixed)
n_parties = st.integers(2, 6)


def _signed(n):
    """Python int -> the signed 64-bit value with the same bits (wrap-around)."""
    n %= 2**64
    return n - 2**64 if n >= 2**63 else n


@FIXED
@given(st.integers(-2**63, 2**63 - 1), n_parties, st.integers(0, 2**32))
def test_int_round_trip(secret, n, seed):
    shares = additive_share(secret, n, rng=seed)
    assert len(shares) == n and [s.index for s in shares] == list(range(1, n + 1))
    assert additive_reconstruct(shares) == secret
    assert additive_reconstruct(shares[::-1]) == secret  # order does not matter


@FIXED
@given(st.floats(-8e12, 8e12), n_parties, st.integers(0, 2**32))
def test_float_round_trip(secret, n, seed):
    back = additive_reconstruct(additive_share(secret, n, rng=seed))
    assert isinstance(back, float)
    assert abs(back - secret) <= 2.0**-21 + abs(secret) * 2.0**-52


@FIXED
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=5),
                  elements=st.floats(-1e9, 1e9)), n_parties)
def test_array_round_trip(x, n):
    back = additive_reconstruct(additive_share(x, n, rng=0))
    assert back.shape == x.shape
    assert np.all(np.abs(back - x) <= 2.0**-21)


@FIXED
@given(hnp.arrays(np.uint64, st.integers(0, 20)), n_parties)
def test_raw_ring_elements_round_trip(x, n):
    back = additive_reconstruct(additive_share(x, n, rng=1))
    assert back.dtype == np.uint64 and np.array_equal(back, x)


@pytest.mark.parametrize("rng", [None, 0])
def test_large_arrays_blockwise(rng):
    x = np.random.default_rng(3).normal(scale=1e4, size=(3, 70_001))  # more than one block
    shares = additive_share(x, 3, rng=rng)
    assert np.all(np.abs(additive_reconstruct(shares) - x) <= 2.0**-21)
    u = np.random.default_rng(4).integers(0, 2**64 - 1, size=150_000, dtype=np.uint64)
    assert np.array_equal(additive_reconstruct(additive_share(u, 4, rng=rng)), u)
    i = np.random.default_rng(5).integers(-2**31, 2**31, size=(2, 70_000)).astype(np.int32)
    back = additive_reconstruct(additive_share(i, 3, rng=rng))
    assert back.dtype == np.int64 and np.array_equal(back, i)
    with pytest.raises(ValueError, match="NaN"):
        additive_share(np.where(np.arange(100_000) == 99_000, np.nan, 1.0), 3, rng=rng)
    with pytest.raises(TypeError, match="booleans"):
        additive_share(np.ones(100_000, dtype=bool), 3, rng=rng)


def test_seeded_is_reproducible_and_default_is_fresh():
    a, b = additive_share([1.0, 2.0], 3, rng=7), additive_share([1.0, 2.0], 3, rng=7)
    assert all(np.array_equal(s.value, t.value) for s, t in zip(a, b))
    assert a[0].split_id == b[0].split_id
    c, d = additive_share([1.0, 2.0], 3), additive_share([1.0, 2.0], 3)
    assert not np.array_equal(c[0].value, d[0].value) and c[0].split_id != d[0].split_id


@FIXED
@given(st.integers(-2**62, 2**62), st.integers(-2**62, 2**62), st.integers(-1000, 1000),
       st.integers(-2**40, 2**40))
def test_linear_operations_commute_with_reconstruction_int(a, b, k, c):
    sa, sb = additive_share(a, 3, rng=0), additive_share(b, 3, rng=1)
    assert additive_reconstruct([x + y for x, y in zip(sa, sb)]) == _signed(a + b)
    assert additive_reconstruct([x - y for x, y in zip(sa, sb)]) == _signed(a - b)
    assert additive_reconstruct([k * x for x in sa]) == _signed(k * a)
    assert additive_reconstruct([x + c for x in sa]) == _signed(a + c)
    assert additive_reconstruct([c - x for x in sa]) == _signed(c - a)
    assert additive_reconstruct([-x for x in sa]) == _signed(-a)


@FIXED
@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.integers(-100, 100), st.floats(-1e6, 1e6))
def test_linear_operations_commute_with_reconstruction_fixed_point(a, b, k, c):
    sa, sb = additive_share(a, 4, rng=0), additive_share(b, 4, rng=1)
    ea, eb = additive_reconstruct(sa), additive_reconstruct(sb)  # the encoded values
    assert additive_reconstruct([x + y for x, y in zip(sa, sb)]) == ea + eb
    assert additive_reconstruct([k * x for x in sa]) == pytest.approx(k * ea, abs=1e-9)
    assert abs(additive_reconstruct([x + c for x in sa]) - (ea + c)) <= 2.0**-21
    assert abs(additive_reconstruct([x - c for x in sa]) - (ea - c)) <= 2.0**-21


def test_public_constant_added_once_and_array_constants():
    shares = additive_share(np.array([1.0, 2.0]), 3, rng=0)
    plus = [s + np.array([10.0, 20.0]) for s in shares]
    assert additive_reconstruct(plus).tolist() == [11.0, 22.0]
    assert np.array_equal(plus[1].value, shares[1].value)  # only party 1 adds it
    scaled = [np.array([2, -3]) * s for s in shares]
    assert additive_reconstruct(scaled).tolist() == [2.0, -6.0]


# --- uniformity: one share (indeed any n - 1) says nothing about the secret ---------------------

def _top_bits(values, bits):
    return (values >> np.uint64(64 - bits)).astype(np.int64)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_any_n_minus_1_shares_are_uniform_whatever_the_secret(n):
    trials = 40_000
    rng = np.random.default_rng(11)
    samples = {}
    for secret in (0.0, 1e12):  # each element of the array is one independent sharing
        shares = additive_share(np.full(trials, secret), n, rng=rng)
        for k in range(n):
            counts = np.bincount(_top_bits(shares[k].value, 5), minlength=32)
            assert stats.chisquare(counts).pvalue > ALPHA, (secret, k)
            u = shares[k].value.astype(np.float64) / 2.0**64
            assert stats.kstest(u, "uniform").pvalue > ALPHA
        if n > 2:  # parties 1 and 2 together: the joint cells are uniform (independent shares)
            joint = _top_bits(shares[0].value, 4) * 16 + _top_bits(shares[1].value, 4)
            assert stats.chisquare(np.bincount(joint, minlength=256)).pvalue > ALPHA
        samples[secret] = _top_bits(shares[n - 1].value, 5)
    # the same distribution for both secrets (chi-square test of homogeneity)
    table = np.array([np.bincount(samples[s], minlength=32) for s in (0.0, 1e12)])
    assert stats.chi2_contingency(table).pvalue > ALPHA


def test_uniformity_test_has_power():
    """The same test rejects shares that leak: a 'share' that is the secret plus small noise."""
    rng = np.random.default_rng(0)
    leaky = (np.full(40_000, 2**62, dtype=np.uint64)
             + rng.integers(0, 2**60, size=40_000, dtype=np.uint64))
    counts = np.bincount(_top_bits(leaky, 5), minlength=32)
    assert stats.chisquare(counts).pvalue < ALPHA


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("n, kind", [(1, ValueError), (0, ValueError), (-2, ValueError),
                                     (10**6, ValueError), (True, TypeError), (3.0, TypeError),
                                     ("3", TypeError)])
def test_bad_n_shares(n, kind):
    with pytest.raises(kind, match="`n_shares`"):
        additive_share(1.0, n)


def test_overflowing_secret_raises():
    with pytest.raises(EncodingOverflowError, match="`secret` must be within"):
        additive_share(1e13, 3)
    big = np.zeros(100_000)
    big[99_999] = -1e14  # the last block of the fast path
    with pytest.raises(EncodingOverflowError, match="1 value\\(s\\) out of range"):
        additive_share(big, 3)
    with pytest.raises(ValueError, match="NaN"):
        additive_share(np.array([1.0, np.nan]), 3)


def test_missing_share_refused():
    shares = additive_share(5, 4, rng=0)
    with pytest.raises(ValueError, match="all 4 shares .*parties \\[1, 2, 4\\].*parties \\[3\\]"):
        additive_reconstruct([shares[0], shares[1], shares[3]])


def test_mixed_splits_refused():
    a, b = additive_share(5, 3, rng=0), additive_share(5, 3, rng=1)
    with pytest.raises(ValueError, match="one split.*2 different splits"):
        additive_reconstruct([a[0], a[1], b[2]])


def test_mixed_moduli_and_schemes_refused():
    a = additive_share(5, 3, rng=0)
    s = shamir_split(5, 3, 2, rng=0)
    with pytest.raises(ValueError, match="same modulus|one split"):
        additive_reconstruct([a[0], a[1], s[2]])
    with pytest.raises(ValueError, match="additive shares"):
        additive_reconstruct(s)
    with pytest.raises(ValueError, match="same scheme and modulus"):
        a[0] + s[0]


def test_duplicate_and_wrong_types_refused():
    a = additive_share(5, 3, rng=0)
    with pytest.raises(ValueError, match="distinct parties"):
        additive_reconstruct([a[0], a[0], a[1]])
    with pytest.raises(TypeError, match="`shares`"):
        additive_reconstruct(a[0])
    with pytest.raises(TypeError, match="`shares`"):
        additive_reconstruct([a[0], 3, a[2]])
    with pytest.raises(ValueError, match="non-empty"):
        additive_reconstruct([])


def test_tampered_shares_refused():
    a = additive_share(np.array([1.0, 2.0]), 3, rng=0)
    wrong_shape = dataclasses.replace(a[2], value=np.zeros(3, dtype=np.uint64))
    with pytest.raises(ValueError, match="same modulus, encoding and shape"):
        additive_reconstruct([a[0], a[1], wrong_shape])
    with pytest.raises(TypeError, match="uint64"):
        dataclasses.replace(a[2], value=np.zeros(2))
    with pytest.raises(ValueError, match="`index`"):
        dataclasses.replace(a[2], index=4)


def test_local_operations_refuse_mistakes():
    a, b = additive_share(1.5, 3, rng=0), additive_share(2.5, 3, rng=1)
    with pytest.raises(ValueError, match="same party"):
        a[0] + b[1]
    with pytest.raises(TypeError, match="beaver"):
        a[0] * b[0]
    with pytest.raises(TypeError, match="mul_public"):
        a[0] * 0.5
    with pytest.raises(ValueError, match="same encoding"):
        a[0] + additive_share(1, 3, rng=2)[0]
    with pytest.raises(ValueError, match="same encoding"):
        a[0] + additive_share(1.0, 3, rng=2, frac_bits=16)[0]
    with pytest.raises(ValueError, match="3 shares"):
        a[0] + additive_share(1.0, 4, rng=2)[0]
    with pytest.raises(ValueError, match="shape"):
        a[0] + additive_share([1.0, 2.0], 3, rng=2)[0]
    with pytest.raises(TypeError, match="integer"):
        additive_share(1, 3)[0] + 0.5


def test_repr_is_readable():
    text = repr(additive_share(1.0, 3, rng=0)[1])
    assert text.startswith("Share(additive, party 2 of 3, threshold 3, split ")
    assert isinstance(additive_share(1.0, 3)[0], Share)
