"""Encoding of negatives and floats into Z_n (ppml_lab.he.encoding) and its pitfalls."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppml_lab.he import DEFAULT_FRAC_BITS, decode, decrypt, encode, encrypt, max_int, paillier_keygen

FIXED = settings(derandomize=True, deadline=None, max_examples=80)

PK, SK = paillier_keygen(256, rng=0)
N = PK.n
LIMIT = max_int(N)


@FIXED
@given(m=st.integers(min_value=-LIMIT, max_value=LIMIT))
def test_int_round_trip_and_sign_convention(m):
    r = encode(m, N)
    assert 0 <= r < N
    assert (r == m) if m >= 0 else (r == N + m)  # negatives live in the upper part of Z_n
    assert decode(r, N) == m


@FIXED
@given(x=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
       f=st.integers(min_value=1, max_value=64))
def test_float_round_trip_within_half_a_step(x, f):
    y = decode(encode(x, N, frac_bits=f), N, frac_bits=f)
    assert isinstance(y, float)
    assert abs(y - x) <= 2.0 ** -(f + 1) + 1e-16 * abs(x)  # rounding, then one float rounding


def test_the_range_is_phes_and_symmetric():
    assert LIMIT == N // 3 - 1
    assert decode(encode(LIMIT, N), N) == LIMIT and decode(encode(-LIMIT, N), N) == -LIMIT
    for bad in (LIMIT + 1, -LIMIT - 1, N, 10 * N):
        with pytest.raises(ValueError, match=r"`value` must be an integer with \|value\| <= "
                           r"max_int\(n\) = \d+ \(the key's plaintext range\); got .*Use a "
                           r"larger key"):
            encode(bad, N)


def test_float_overflow_names_the_scale():
    x = LIMIT / 2**32 * 2  # fits as an int-sized value but not at 32 fractional bits
    with pytest.raises(ValueError, match=r"`value` must be a number with \|value\| \* 2\*\*32 "
                       r"<= max_int\(n\).*or use fewer fractional bits"):
        encode(x, N, frac_bits=32)
    assert decode(encode(x, N, frac_bits=0 if x.is_integer() else 1), N,
                  frac_bits=0 if x.is_integer() else 1) == pytest.approx(x)


def test_guard_band_detects_overflow_after_addition():
    a = encrypt(PK, LIMIT, rng=0)
    with pytest.raises(ValueError, match="guard band"):
        decrypt(SK, a + a)
    b = encrypt(PK, -LIMIT, rng=1)
    with pytest.raises(ValueError, match="guard band"):
        decrypt(SK, b + b)


def test_overflow_that_wraps_all_the_way_is_silent():
    """The documented limit of the check: a result more than n away decrypts wrongly."""
    a = encrypt(PK, LIMIT, rng=0)
    k = 3
    wrapped = decrypt(SK, a * k)  # 3 * (n // 3 - 1) = n - r - 3: wraps to a small negative
    assert wrapped != k * LIMIT and abs(wrapped) < 10


def test_multiplying_two_encoded_floats_doubles_the_scale():
    c = encrypt(PK, 1.5, rng=0)
    assert c.frac_bits == DEFAULT_FRAC_BITS
    p = c * 2.5
    assert p.frac_bits == 2 * DEFAULT_FRAC_BITS and decrypt(SK, p) == 3.75
    assert (p * 2).frac_bits == 64  # an integer does not change the scale
    q = p * 0.5
    assert q.frac_bits == 96 and decrypt(SK, q) == 1.875
    # adding ciphertexts of different scales rescales the smaller one exactly
    assert (q + c).frac_bits == 96 and decrypt(SK, q + c) == 3.375
    # a 256-bit key holds about 252 bits of scale: four more float products fit, a fifth not
    r = q
    for _ in range(4):
        r = r * 0.5
    assert r.frac_bits == 224 and decrypt(SK, r) == 1.875 / 16
    with pytest.raises(ValueError, match=r"`k` must be a number whose product keeps the scale "
                       r"inside the key's range; got 0.5\. The result would carry "
                       r"frac_bits=256"):
        r * 0.5


def test_precision_pitfalls():
    # 0.1 is not a multiple of 2**-4: it is rounded to 2 / 16
    assert decrypt(SK, encrypt(PK, 0.1, rng=0, frac_bits=4)) == 0.125
    # with the default 32 fractional bits the error is at most 2**-33
    assert abs(decrypt(SK, encrypt(PK, 0.1, rng=0)) - 0.1) <= 2**-33
    # errors add up: 1000 additions of 0.1 are off by at most 1000 * 2**-33
    rng = np.random.default_rng(0)
    total = encrypt(PK, 0.1, rng=rng)
    for _ in range(999):
        total = total + encrypt(PK, 0.1, rng=rng)
    assert abs(decrypt(SK, total) - 100.0) <= 1000 * 2**-33
    # integers are exact far beyond float64's 2**53
    big = 2**200 + 1
    assert decrypt(SK, encrypt(PK, big, rng=0)) == big and float(big) != big


@pytest.mark.parametrize("value, kind, match", [
    (float("nan"), ValueError, r"`value` must be a finite number; got nan"),
    (float("inf"), ValueError, r"`value` must be a finite number"),
    (0.5, ValueError, r"`value` must be a whole number when frac_bits=0; got 0.5\. Pass "
     r"frac_bits"),
    ("1", TypeError, r"`value` must be an int or a float; got '1'"),
    (True, TypeError, r"`value` must be an int or a float; got True"),
    (None, TypeError, r"`value` must be an int or a float"),
])
def test_bad_values(value, kind, match):
    with pytest.raises(kind, match=match):
        encode(value, N)


def test_numpy_scalars_and_whole_floats():
    assert encode(np.int64(-3), N) == N - 3
    assert encode(np.float32(1.5), N, frac_bits=1) == 3
    assert encode(4.0, N) == 4
    assert math.isclose(decode(encode(np.float64(-2.25), N, frac_bits=8), N, frac_bits=8), -2.25)
    with pytest.raises(ValueError, match="`frac_bits` must be an integer in"):
        encode(1.0, N, frac_bits=-1)
