"""Tests of Beaver multiplication, truncation, the secure dot product and the secure mean."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from ppml_lab.secret_sharing import (EncodingOverflowError, ProtocolCost, TrustedDealer,
                                     additive_reconstruct, additive_share, beaver_multiply,
                                     mul_public, secure_dot, secure_mean, shamir_split)

FIXED = settings(derandomize=True, deadline=None, max_examples=120)
ALPHA = 1e-4
n_parties = st.integers(2, 5)


def _signed(n):
    n %= 2**64
    return n - 2**64 if n >= 2**63 else n


@FIXED
@given(hnp.arrays(np.uint64, st.integers(1, 12)), st.data(), n_parties)
def test_products_exact_in_the_ring(x, data, n):
    y = data.draw(hnp.arrays(np.uint64, x.shape))
    result = beaver_multiply(additive_share(x, n, rng=0), additive_share(y, n, rng=1), rng=2)
    expected = [int(a) * int(b) % 2**64 for a, b in zip(x, y)]
    assert additive_reconstruct(result.shares).tolist() == expected
    assert "c" not in result.opened  # no truncation for ring elements


@FIXED
@given(st.integers(-2**31, 2**31), st.integers(-2**31, 2**31), n_parties)
def test_integer_products_exact(a, b, n):
    result = beaver_multiply(additive_share(a, n, rng=0), additive_share(b, n, rng=1), rng=2)
    assert additive_reconstruct(result.shares) == a * b


@FIXED
@given(st.floats(-2000, 2000), st.floats(-2000, 2000), n_parties, st.sampled_from([16, 20, 24]),
       st.integers(0, 2**32))
def test_fixed_point_products_within_the_truncation_bound(a, b, n, frac_bits, seed):
    if abs(a * b) >= 2.0 ** (62 - 2 * frac_bits) * 0.99:
        return
    xs = additive_share(a, n, rng=seed, frac_bits=frac_bits)
    ys = additive_share(b, n, rng=seed + 1, frac_bits=frac_bits)
    ea, eb = additive_reconstruct(xs), additive_reconstruct(ys)  # the encoded inputs
    z = additive_reconstruct(beaver_multiply(xs, ys, rng=seed + 2).shares)
    assert abs(z - ea * eb) < 2.0**-frac_bits  # the documented bound


def test_truncation_error_bound_on_many_values_and_at_the_range_limit():
    rng = np.random.default_rng(0)
    limit = np.sqrt(2.0**22)  # |x y| < 2**(62 - 2*20)
    x = rng.uniform(-limit, limit, size=50_000) * 0.999
    y = rng.uniform(-limit, limit, size=50_000) * 0.999
    x[:4] = [limit * 0.9999, -limit * 0.9999, limit * 0.9999, 0.0]
    y[:4] = [limit * 0.9999, limit * 0.9999, -limit * 0.9999, -5.0]
    xs, ys = additive_share(x, 3, rng=rng), additive_share(y, 3, rng=rng)
    err = additive_reconstruct(beaver_multiply(xs, ys, rng=1).shares) \
        - additive_reconstruct(xs) * additive_reconstruct(ys)
    assert np.max(np.abs(err)) < 2.0**-20
    assert np.max(err) > 0.5 * 2.0**-20 and np.min(err) < -0.5 * 2.0**-20  # the bound is tight


def test_mixed_integer_times_fixed_point_needs_no_truncation():
    result = beaver_multiply(additive_share(3, 3, rng=0), additive_share(-2.5, 3, rng=1), rng=2)
    assert additive_reconstruct(result.shares) == -7.5 and "c" not in result.opened
    assert result.shares[0].encoding.kind == "float"


def test_dealer_triples_are_correct():
    dealer = TrustedDealer(4, rng=0)
    a, b, c = dealer.triple((100,))
    ra, rb, rc = (additive_reconstruct(v) for v in (a, b, c))
    assert [int(v) for v in rc] == [int(p) * int(q) % 2**64 for p, q in zip(ra, rb)]
    r, high, msb = dealer.truncation_pair((100,), 20)
    rr = additive_reconstruct(r)
    assert np.array_equal(additive_reconstruct(high), rr >> np.uint64(20))
    assert np.array_equal(additive_reconstruct(msb), rr >> np.uint64(63))


@FIXED
@given(st.lists(st.floats(-100, 100), min_size=1, max_size=40), st.data(), n_parties)
def test_secure_dot_product(xv, data, n):
    yv = data.draw(st.lists(st.floats(-100, 100), min_size=len(xv), max_size=len(xv)))
    xs, ys = additive_share(np.array(xv), n, rng=0), additive_share(np.array(yv), n, rng=1)
    expected = float(np.dot(additive_reconstruct(xs), additive_reconstruct(ys)))
    result = secure_dot(xs, ys, rng=2)
    assert abs(additive_reconstruct(result.shares) - expected) < 2.0**-20
    assert result.cost.rounds == 2  # one Beaver round, one truncation for the whole sum


def test_secure_dot_integers_exact():
    x, y = np.arange(-5, 5), np.arange(10) ** 2
    result = secure_dot(additive_share(x, 3, rng=0), additive_share(y, 3, rng=1), rng=2)
    assert additive_reconstruct(result.shares) == int(np.dot(x, y))
    assert result.cost.rounds == 1


@FIXED
@given(st.floats(-1000, 1000), st.floats(-100, 100))
def test_mul_public(x, c):
    xs = additive_share(x, 3, rng=0)
    ex = additive_reconstruct(xs)
    ec = np.rint(c * 2**20) / 2**20  # the encoded constant
    z = additive_reconstruct(mul_public(xs, c, rng=1).shares)
    assert abs(z - ex * ec) < 2.0**-20


@FIXED
@given(st.lists(st.floats(0, 1e6), min_size=2, max_size=8))
def test_secure_mean(values):
    result = secure_mean(values, rng=0)
    assert abs(result.mean - np.mean(values)) <= 2.0**-21
    assert len(result.received_by_party_1) == len(values)


def test_secure_mean_arrays_and_cost():
    vals = [np.array([1.0, 2.0, 3.0]), np.array([3.0, 4.0, 5.0]), np.array([5.0, 0.0, 1.0])]
    result = secure_mean(vals, rng=0)
    assert result.mean.tolist() == [3.0, 2.0, 3.0]
    n, size = 3, 3
    assert result.cost == ProtocolCost(messages=2 * n * (n - 1), bytes=2 * n * (n - 1) * 8 * size,
                                       rounds=2)
    assert "mean=" in repr(result)


@pytest.mark.parametrize("n, shape", [(2, ()), (3, (10,)), (5, (2, 3))])
def test_cost_counts(n, shape):
    size = int(np.prod(shape))
    x = additive_share(np.ones(shape), n, rng=0)
    y = additive_share(np.ones(shape), n, rng=1)
    cost = beaver_multiply(x, y, rng=2).cost
    # round 1: each party sends (d_i, e_i) to each other; round 2: each sends its part of c
    assert cost.rounds == 2
    assert cost.messages == 2 * n * (n - 1)
    assert cost.bytes == n * (n - 1) * 8 * size * 2 + n * (n - 1) * 8 * size
    assert cost.dealer_messages == 2 * n and cost.dealer_bytes == 2 * n * 3 * 8 * size
    assert (cost + cost).rounds == 4


def test_opened_values_are_uniform_whatever_the_secrets():
    trials = 40_000
    for secret in (0.0, 1000.0):
        x = additive_share(np.full(trials, secret), 3, rng=1)
        y = additive_share(np.full(trials, -secret), 3, rng=2)
        opened = beaver_multiply(x, y, rng=3).opened
        for name in ("d", "e", "c"):
            counts = np.bincount((opened[name] >> np.uint64(59)).astype(np.int64), minlength=32)
            assert stats.chisquare(counts).pvalue > ALPHA, (secret, name)


# --- bad input ------------------------------------------------------------------------------------

def test_products_out_of_range_raise_instead_of_a_wrong_answer():
    with pytest.raises(EncodingOverflowError, match="limit 4.1943e\\+06"):
        beaver_multiply(additive_share(3000.0, 3), additive_share(3000.0, 3))
    with pytest.raises(EncodingOverflowError):
        secure_dot(additive_share(np.full(10, 1000.0), 3), additive_share(np.full(10, 1000.0), 3))
    with pytest.raises(EncodingOverflowError):
        beaver_multiply(additive_share(2**40, 3), additive_share(2**40, 3))
    with pytest.raises(EncodingOverflowError):
        mul_public(additive_share(1e6, 3), 100.0)
    with pytest.raises(EncodingOverflowError, match="`private_values`"):
        secure_mean([8e12, 8e12])


def test_mismatched_inputs_refused():
    x3 = additive_share(np.ones(3), 3, rng=0)
    with pytest.raises(ValueError, match="shape"):
        beaver_multiply(x3, additive_share(np.ones(4), 3, rng=1))
    with pytest.raises(ValueError, match="same 3 parties"):
        beaver_multiply(x3, additive_share(np.ones(3), 4, rng=1))
    with pytest.raises(ValueError, match="all 3 parties"):
        beaver_multiply(x3[:2], additive_share(np.ones(3), 3, rng=1))
    with pytest.raises(ValueError, match="raw ring elements"):
        beaver_multiply(x3, additive_share(np.ones(3, dtype=np.uint64), 3, rng=1))
    with pytest.raises(ValueError, match="16 fractional bits"):
        beaver_multiply(x3, additive_share(np.ones(3), 3, rng=1, frac_bits=16))
    with pytest.raises(ValueError, match="additive shares"):
        beaver_multiply(x3, shamir_split(np.ones(3), 3, 2, rng=1))
    with pytest.raises(ValueError, match="1-D"):
        secure_dot(additive_share(np.ones((2, 2)), 3), additive_share(np.ones((2, 2)), 3))


def test_bad_dealer_and_parameters():
    x, y = additive_share(1.0, 3, rng=0), additive_share(2.0, 3, rng=1)
    with pytest.raises(ValueError, match="`dealer` must be a TrustedDealer for the 3 parties"):
        beaver_multiply(x, y, dealer=TrustedDealer(4))
    with pytest.raises(TypeError, match="`dealer`"):
        beaver_multiply(x, y, dealer="dealer")
    with pytest.raises(ValueError, match="`n_shares`"):
        TrustedDealer(1)
    with pytest.raises(TypeError, match="integer"):
        mul_public(additive_share(3, 3), 2.0)
    with pytest.raises(ValueError, match="at least 2"):
        secure_mean([5.0])
    with pytest.raises(TypeError, match="`private_values`"):
        secure_mean("12")


def test_secure_mean_of_values_already_shared():
    values = [np.array([1.0, -2.0]), np.array([3.0, 4.0]), np.array([5.5, 0.0]),
              np.array([-1.5, 2.0])]
    shared = [additive_share(v, 3, rng=i) for i, v in enumerate(values)]
    result = secure_mean(shared)
    assert result.mean.tolist() == [2.0, 1.0]
    assert result.cost == ProtocolCost(messages=6, bytes=6 * 8 * 2, rounds=1)
    assert result.received_by_party_1 == []
    with pytest.raises(ValueError, match="same 3 parties"):
        secure_mean([shared[0], additive_share(values[1], 4, rng=0)])
    with pytest.raises(ValueError, match="all 3 parties|complete"):
        secure_mean([shared[0], shared[1][:2]])


def test_secure_mean_bad_values():
    with pytest.raises(ValueError, match="one shape"):
        secure_mean([np.ones(2), np.ones(3)])
    with pytest.raises(ValueError, match="`private_values\\[1\\]`"):
        secure_mean([1.0, np.nan])
    with pytest.raises(TypeError, match="`private_values\\[0\\]`"):
        secure_mean([True, 1.0])
