"""Tests of Shamir sharing: any threshold subset reconstructs, fewer reveal nothing, bad input."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from ppml_lab.secret_sharing import (FIELD_PRIME, EncodingOverflowError, additive_share,
                                     lagrange_coefficients, shamir_combine, shamir_split)

FIXED = settings(derandomize=True, deadline=None, max_examples=150)
ALPHA = 1e-4
P = FIELD_PRIME


@st.composite
def split_and_subset(draw):
    n = draw(st.integers(2, 9))
    t = draw(st.integers(2, n))
    k = draw(st.integers(t, n))
    subset = draw(st.permutations(range(n)))[:k]
    return n, t, subset


@FIXED
@given(split_and_subset(), st.integers(-(2**60 - 1), 2**60 - 1), st.integers(0, 2**32))
def test_any_threshold_subset_reconstructs_ints(params, secret, seed):
    n, t, subset = params
    shares = shamir_split(secret, n, t, rng=seed)
    assert [s.index for s in shares] == list(range(1, n + 1))
    assert shamir_combine([shares[i] for i in subset]) == secret


@FIXED
@given(split_and_subset(), hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=6),
                                      elements=st.floats(-1e9, 1e9)))
def test_any_threshold_subset_reconstructs_arrays(params, x):
    n, t, subset = params
    shares = shamir_split(x, n, t, rng=0)
    back = shamir_combine([shares[i] for i in subset])
    assert back.shape == x.shape and np.all(np.abs(back - x) <= 2.0**-21)


def test_every_subset_of_a_small_split():
    x = np.array([3.25, -1e6, 0.0])
    shares = shamir_split(x, 6, 3)
    for k in range(1, 7):
        for subset in itertools.combinations(shares, k):
            if k >= 3:
                assert np.array_equal(shamir_combine(list(subset)), x)
            else:
                with pytest.raises(ValueError, match="at least threshold = 3"):
                    shamir_combine(list(subset))


def test_raw_field_elements_and_seeds():
    raw = np.array([0, 1, P - 1], dtype=np.uint64)
    back = shamir_combine(shamir_split(raw, 3, 2, rng=0)[1:])
    assert back.dtype == np.uint64 and np.array_equal(back, raw)
    with pytest.raises(ValueError, match="below 2\\*\\*61 - 1"):
        shamir_split(np.array([P], dtype=np.uint64), 3, 2)


def test_large_array_and_reproducibility():
    x = np.random.default_rng(0).normal(size=100_000)
    a, b = shamir_split(x, 5, 3, rng=4), shamir_split(x, 5, 3, rng=4)
    assert all(np.array_equal(s.value, t.value) for s, t in zip(a, b))
    assert np.all(np.abs(shamir_combine(a[2:]) - x) <= 2.0**-21)
    c = shamir_split(x, 5, 3)
    assert not np.array_equal(a[0].value, c[0].value)


@FIXED
@given(st.integers(-2**50, 2**50), st.integers(-2**50, 2**50), st.integers(-1000, 1000),
       st.integers(-2**40, 2**40))
def test_linear_operations_commute_with_reconstruction(a, b, k, c):
    sa, sb = shamir_split(a, 5, 3, rng=0), shamir_split(b, 5, 3, rng=1)
    assert shamir_combine([x + y for x, y in zip(sa, sb)][1:4]) == a + b
    assert shamir_combine([x - y for x, y in zip(sa, sb)][2:]) == a - b
    assert shamir_combine([k * x for x in sa][:3]) == k * a
    assert shamir_combine([x + c for x in sa][::2]) == a + c  # every party adds a constant
    assert shamir_combine([-x for x in sa][1:]) == -a


@FIXED
@given(st.integers(2, 12))
def test_lagrange_coefficients(t):
    xs = list(range(1, t + 1))
    coeffs = lagrange_coefficients(xs)
    assert sum(coeffs) % P == 1  # a constant polynomial: f(0) = f(x_i)
    # f(x) = x**(t-1) has f(0) = 0
    assert sum(c * pow(x, t - 1, P) for c, x in zip(coeffs, xs)) % P == 0
    with pytest.raises(ValueError, match="distinct"):
        lagrange_coefficients([1, 1])


# --- fewer than threshold shares: uniform whatever the secret -------------------------------------

@pytest.mark.parametrize("n, t", [(3, 2), (5, 3), (6, 4)])
def test_fewer_than_threshold_shares_are_uniform(n, t):
    trials = 40_000
    rng = np.random.default_rng(5)
    coalition = {}
    for secret in (0, 2**59):  # one independent sharing per array element
        shares = shamir_split(np.full(trials, secret), n, t, rng=rng)
        bins_each = 16 if t - 1 <= 2 else 6  # joint cells of the t - 1 coalition shares
        cells = np.zeros(trials, dtype=np.int64)
        for s in shares[n - t + 1:]:  # the last t - 1 parties
            u = s.value.astype(np.float64) / P
            assert stats.kstest(u, "uniform").pvalue > ALPHA
            cells = cells * bins_each + np.minimum((u * bins_each).astype(np.int64), bins_each - 1)
        counts = np.bincount(cells, minlength=bins_each ** (t - 1))
        assert stats.chisquare(counts).pvalue > ALPHA
        m = min(64, bins_each ** (t - 1))
        coalition[secret] = np.bincount(cells % m, minlength=m)
    table = np.array([coalition[s] for s in (0, 2**59)])
    assert stats.chi2_contingency(table).pvalue > ALPHA


def test_threshold_shares_do_determine_the_secret():
    """The contrast: t shares are not uniform given the secret, they pin it down."""
    shares = shamir_split(np.full(1000, 7), 4, 2, rng=0)
    assert np.all(shamir_combine(shares[:2]) == 7)


# --- bad input --------------------------------------------------------------------------------------

def test_threshold_one_refused_with_the_reason():
    with pytest.raises(ValueError, match="at least 2 to hide anything.*every share IS the secret"):
        shamir_split(5, 3, 1)


@pytest.mark.parametrize("t, kind, message", [(0, ValueError, "\\[2, 3\\]"),
                                              (-1, ValueError, "\\[2, 3\\]"),
                                              (4, ValueError, "\\[2, 3\\]"),
                                              (2.0, TypeError, "integer"),
                                              (True, TypeError, "integer")])
def test_bad_threshold(t, kind, message):
    with pytest.raises(kind, match="`threshold` must be .*" + message):
        shamir_split(5, 3, t)


@pytest.mark.parametrize("n, kind", [(1, ValueError), (0, ValueError), (10**6, ValueError),
                                     (2.5, TypeError), (None, TypeError)])
def test_bad_n_shares(n, kind):
    with pytest.raises(kind, match="`n_shares`"):
        shamir_split(5, n, 2)


def test_fewer_than_threshold_refused():
    shares = shamir_split(5, 5, 4, rng=0)
    with pytest.raises(ValueError, match="at least threshold = 4 .* got 3 shares \\(parties "
                                         "\\[1, 3, 5\\]\\).*collect 1 more"):
        shamir_combine(shares[::2])
    with pytest.raises(ValueError, match="One share of a threshold-4 split reveal"):
        shamir_combine(shares[:1])


def test_mixed_splits_moduli_and_schemes_refused():
    a, b = shamir_split(5, 3, 2, rng=0), shamir_split(5, 3, 2, rng=1)
    with pytest.raises(ValueError, match="2 different splits"):
        shamir_combine([a[0], b[1]])
    with pytest.raises(ValueError, match="shamir shares|one split"):
        shamir_combine(additive_share(5, 3, rng=0))
    with pytest.raises(ValueError, match="same modulus|one split"):
        shamir_combine([a[0], additive_share(5, 3, rng=0)[1]])


def test_tampered_share_detected_when_an_extra_share_is_given():
    shares = shamir_split(np.array([1.0, 2.0]), 5, 3, rng=0)
    bad_value = shares[4].value.copy()
    bad_value[1] ^= np.uint64(1)
    tampered = dataclasses.replace(shares[4], value=bad_value)
    with pytest.raises(ValueError, match="party 5's share off the polynomial"):
        shamir_combine(shares[:3] + [tampered])
    with pytest.raises(ValueError, match="below 2\\*\\*61 - 1"):
        dataclasses.replace(shares[0], value=np.full(2, P, dtype=np.uint64))
    wrong_shape = dataclasses.replace(shares[0], value=np.zeros(3, dtype=np.uint64))
    with pytest.raises(ValueError, match="shape"):
        shamir_combine([wrong_shape] + shares[1:3])
    with pytest.raises(ValueError, match="distinct parties"):
        shamir_combine([shares[0], shares[0], shares[1]])


def test_bad_secret_and_overflow():
    with pytest.raises(EncodingOverflowError, match="prime field"):
        shamir_split(2.0**40, 3, 2)
    with pytest.raises(EncodingOverflowError):
        shamir_split(2**60, 3, 2)
    with pytest.raises(TypeError, match="`secret`"):
        shamir_split("secret", 3, 2)
    with pytest.raises(TypeError, match="`shares`"):
        shamir_combine("shares")
