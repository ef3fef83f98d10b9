"""Tests of ppml_lab.secret_sharing.encoding and .field: round trips, ranges, overflow, arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from ppml_lab.secret_sharing import (FIELD_PRIME, RING_MODULUS, Encoding, EncodingOverflowError,
                                     decode, decode_bytes, encode, encode_bytes, fixed_point_range)
from ppml_lab.secret_sharing.field import (field_add, field_inverse, field_mul, field_neg,
                                           field_sub, random_field_elements)

FIXED = settings(derandomize=True, deadline=None, max_examples=200)
P = FIELD_PRIME
MODULI = [RING_MODULUS, FIELD_PRIME]


def _tolerance(x, frac_bits):
    """Half a fixed-point step, plus double rounding when decoding values beyond 2**53 steps."""
    return 2.0 ** -(frac_bits + 1) + np.abs(x) * 2.0**-52


@FIXED
@given(st.floats(-8e12, 8e12), st.sampled_from([0, 8, 20, 30]))
def test_float_round_trip_ring(x, frac_bits):
    if abs(x) >= fixed_point_range(frac_bits):
        return
    v, enc = encode(x, frac_bits=frac_bits)
    assert v.dtype == np.uint64 and v.shape == () and enc.kind == "float" and enc.scalar
    back = decode(v, enc)
    assert isinstance(back, float)
    assert abs(back - x) <= _tolerance(x, frac_bits)


@FIXED
@given(st.floats(-1e12, 1e12), st.sampled_from([0, 20, 40]))
def test_float_round_trip_field(x, frac_bits):
    if abs(x) >= fixed_point_range(frac_bits, modulus=P):
        return
    v, enc = encode(x, frac_bits=frac_bits, modulus=P)
    assert int(v) < P and enc.field
    assert abs(decode(v, enc) - x) <= _tolerance(x, frac_bits)


@FIXED
@given(st.integers(-2**63, 2**63 - 1))
def test_int_round_trip_ring_exact(n):
    v, enc = encode(n)
    assert int(v) == n % 2**64  # two's complement: negatives in the upper half
    assert decode(v, enc) == n and isinstance(decode(v, enc), int)


@FIXED
@given(st.integers(-(2**60 - 1), 2**60 - 1))
def test_int_round_trip_field_exact(n):
    v, enc = encode(n, modulus=P)
    assert int(v) == n % P
    assert decode(v, enc) == n


@FIXED
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30), st.sampled_from(MODULI))
def test_array_round_trip(values, modulus):
    x = np.array(values).reshape(-1, 1)
    v, enc = encode(x, modulus=modulus)
    assert v.shape == x.shape and not enc.scalar
    assert np.all(np.abs(decode(v, enc) - x) <= 2.0**-21)


def test_integer_arrays_and_raw_uint64():
    v, enc = encode(np.array([[-3, 4]], dtype=np.int32))
    assert enc.kind == "int" and decode(v, enc).tolist() == [[-3, 4]]
    raw = np.array([0, 2**64 - 1], dtype=np.uint64)
    v, enc = encode(raw)
    assert enc.kind == "raw" and np.array_equal(decode(v, enc), raw)
    assert decode(v, enc).dtype == np.uint64
    with pytest.raises(ValueError, match="below 2\\*\\*61 - 1"):
        encode(raw, modulus=P)


def test_large_array_blocks_equal_direct_formula():
    x = np.random.default_rng(0).normal(scale=1e5, size=200_003)
    v, enc = encode(x)
    direct = np.rint(x * 2.0**20).astype(np.int64).view(np.uint64)
    assert np.array_equal(v, direct)
    x[150_000] = 1e13  # in a later block: the error reports the whole array
    x[7] = -2e13
    with pytest.raises(EncodingOverflowError, match="2 value\\(s\\) out of range"):
        encode(x)


def test_range_is_as_documented():
    assert fixed_point_range(20) == 2.0**43
    assert fixed_point_range(20, modulus=P) == 2.0**40
    assert Encoding(frac_bits=20).resolution == 2.0**-20
    assert Encoding(frac_bits=20).max_abs == 2.0**43
    assert Encoding().frac_bits >= 20  # DESIGN.md: at least 20 fractional bits by default
    below = np.nextafter(2.0**43, 0) - 2.0**-20
    encode(below)
    encode(-below)
    for bad in (2.0**43, -2.0**43, 1e300):
        with pytest.raises(EncodingOverflowError, match="encoding's range"):
            encode(bad)
    with pytest.raises(EncodingOverflowError):
        encode(2.0**40, modulus=P)


def test_overflow_is_a_value_error_and_overflow_error():
    with pytest.raises(ValueError):
        encode(1e20)
    with pytest.raises(OverflowError):
        encode(1e20)


def test_python_int_lists_beyond_the_range_are_not_taken_as_raw():
    with pytest.raises(EncodingOverflowError, match="1 value\\(s\\) out of range"):
        encode([2**63, 5])
    v, enc = encode(np.array([2**63, 5], dtype=np.uint64))  # an explicit uint64 array is raw
    assert enc.kind == "raw"


@pytest.mark.parametrize("n, modulus", [(2**63, RING_MODULUS), (-2**63 - 1, RING_MODULUS),
                                        (2**60, P), (-2**60, P), (10**30, RING_MODULUS)])
def test_integer_overflow(n, modulus):
    with pytest.raises(EncodingOverflowError, match="range"):
        encode(n, modulus=modulus)


@pytest.mark.parametrize("bad, kind", [(np.nan, ValueError), (np.inf, ValueError),
                                       ([1.0, np.nan], ValueError), (True, TypeError),
                                       ("3", TypeError), ([[1], [1, 2]], TypeError),
                                       (np.array([True]), TypeError)])
def test_bad_secrets(bad, kind):
    with pytest.raises(kind, match="`secret`"):
        encode(bad)


def test_bad_parameters():
    with pytest.raises(ValueError, match="`frac_bits` must be an integer in \\[0, 62\\]"):
        encode(1.0, frac_bits=63)
    with pytest.raises(TypeError, match="`frac_bits`"):
        encode(1.0, frac_bits=20.0)
    with pytest.raises(ValueError, match="`modulus`"):
        encode(1.0, modulus=2**32)
    with pytest.raises(TypeError, match="`encoding`"):
        decode(np.uint64(1), "float")
    with pytest.raises(TypeError, match="`values`"):
        decode(np.array([1.0]), Encoding())


@FIXED
@given(st.binary(max_size=64))
def test_bytes_round_trip(data):
    elements = encode_bytes(data)
    assert elements.dtype == np.uint64 and np.all(elements < P)
    assert decode_bytes(elements, len(data)) == data


def test_bytes_errors():
    assert len(encode_bytes(bytes(32))) == 5
    with pytest.raises(TypeError, match="`data`"):
        encode_bytes("text")
    with pytest.raises(ValueError, match="`n_bytes`"):
        decode_bytes(encode_bytes(b"abc"), 8)
    with pytest.raises(ValueError, match="below 2\\*\\*56"):
        decode_bytes(np.array([2**60], dtype=np.uint64), 1)


# --- the field ----------------------------------------------------------------------------------

field_elements = st.integers(0, P - 1)


@FIXED
@given(st.lists(st.tuples(field_elements, field_elements), min_size=1, max_size=20))
def test_field_arithmetic_matches_python_integers(pairs):
    a = np.array([p[0] for p in pairs], dtype=np.uint64)
    b = np.array([p[1] for p in pairs], dtype=np.uint64)
    assert field_mul(a, b).tolist() == [x * y % P for x, y in pairs]
    assert field_add(a, b).tolist() == [(x + y) % P for x, y in pairs]
    assert field_sub(a, b).tolist() == [(x - y) % P for x, y in pairs]
    assert field_neg(a).tolist() == [-x % P for x, _ in pairs]


def test_field_mul_extremes_and_inverse():
    edge = np.array([0, 1, 2, P - 1, P - 2, 2**32 - 1, 2**32, 2**60, 2**61 - 2], dtype=np.uint64)
    a, b = np.meshgrid(edge, edge)
    expected = [[int(x) * int(y) % P for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]
    assert field_mul(a, b).tolist() == expected
    for x in (1, 2, 12345, P - 1):
        assert x * field_inverse(x) % P == 1


def test_random_field_elements_uniform_and_reproducible():
    x = random_field_elements(80_000, rng=0)
    assert x.dtype == np.uint64 and np.all(x < P)
    assert np.array_equal(x, random_field_elements(80_000, rng=0))
    assert not np.array_equal(random_field_elements(8), random_field_elements(8))  # CSPRNG
    counts = np.bincount((x >> np.uint64(55)).astype(np.int64), minlength=64)  # top 6 of 61 bits
    assert stats.chisquare(counts).pvalue > 1e-4
    assert random_field_elements((2, 3), rng=1).shape == (2, 3)
