"""Tests of ppml_lab._random: as_generator, spawn and crypto_integers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppml_lab._random import as_generator, crypto_integers, spawn

# hypothesis draws the same examples on every run (no flakiness) and has no
# deadline (the machine is shared and timings are noisy)
FIXED = settings(derandomize=True, deadline=None)


@FIXED
@given(st.integers(0, 2**64))
def test_same_seed_same_stream(seed):
    assert as_generator(seed).random(3).tolist() == as_generator(seed).random(3).tolist()


def test_seed_matches_numpy_default_rng():
    assert as_generator(42).random() == np.random.default_rng(42).random()
    assert as_generator(np.int64(42)).random() == np.random.default_rng(42).random()
    seq = np.random.SeedSequence(7)
    assert as_generator(seq).random() == np.random.default_rng(np.random.SeedSequence(7)).random()


def test_generator_passes_through_unchanged():
    gen = np.random.default_rng(0)
    assert as_generator(gen) is gen
    other = np.random.Generator(np.random.Philox(1))
    assert as_generator(other) is other


def test_none_gives_fresh_entropy():
    assert as_generator(None).random(4).tolist() != as_generator(None).random(4).tolist()
    assert isinstance(as_generator(), np.random.Generator)


def test_random_state_is_refused_with_a_pointer_to_the_new_api():
    with pytest.raises(TypeError, match=r"^`rng` must be None, a non-negative integer seed or a "
                                        r"numpy Generator; got RandomState.*RandomState is the "
                                        r"legacy API; use np.random.default_rng\(seed\)\.$"):
        as_generator(np.random.RandomState(0))


@pytest.mark.parametrize("rng", [1.5, "0", True, np.bool_(False), [0], np.random.PCG64(0)])
def test_other_types_are_refused(rng):
    with pytest.raises(TypeError, match=r"`rng` must be .*; got .*Pass e.g. rng=0"):
        as_generator(rng)


@FIXED
@given(st.integers(max_value=-1))
def test_negative_seeds_are_refused(seed):
    with pytest.raises(ValueError, match=r"`rng` must be .*; got -\d+\. Pass e.g. rng=0"):
        as_generator(seed)


def test_custom_name_in_messages():
    with pytest.raises(TypeError, match=r"^`random_state` must be"):
        as_generator("x", name="random_state")


def test_spawn_gives_independent_reproducible_children():
    children = spawn(0, 3)
    assert len(children) == 3 and all(isinstance(c, np.random.Generator) for c in children)
    draws = [c.random(5).tolist() for c in children]
    assert len({tuple(d) for d in draws}) == 3
    assert [c.random(5).tolist() for c in spawn(0, 3)] == draws
    # adding a child does not change the streams of the others
    assert [c.random(5).tolist() for c in spawn(0, 4)][:3] == draws


def test_spawn_from_a_generator_advances_it():
    gen = np.random.default_rng(1)
    first = spawn(gen, 1)[0].random()
    second = spawn(gen, 1)[0].random()
    assert first != second


@pytest.mark.parametrize("n, kind", [(0, ValueError), (-1, ValueError), (2.0, TypeError),
                                     (True, TypeError)])
def test_spawn_validates_n(n, kind):
    with pytest.raises(kind, match=r"`n` must be an integer >= 1; got "):
        spawn(0, n)


@pytest.mark.parametrize("high", [1, 7, 2**64, 2**2048 + 12345])
def test_crypto_integers_range_and_type(high):
    for rng in (None, 0):
        values = crypto_integers(high, 50, rng=rng)
        assert values.dtype == object and values.shape == (50,)
        assert all(isinstance(int(x), int) and 0 <= x < high for x in values)


def test_crypto_integers_seeded_is_reproducible_and_os_is_not():
    assert crypto_integers(2**128, 5, rng=3).tolist() == crypto_integers(2**128, 5, rng=3).tolist()
    assert crypto_integers(2**128, 5).tolist() != crypto_integers(2**128, 5).tolist()
    assert crypto_integers(10, 0).shape == (0,)


def test_crypto_integers_are_uniform():
    from scipy import stats
    values = crypto_integers(6, 6000, rng=4).astype(int)
    assert stats.chisquare(np.bincount(values, minlength=6)).pvalue > 1e-4


@pytest.mark.parametrize("high, size, kind, name", [(0, 3, ValueError, "high"),
                                                    (2.0, 3, TypeError, "high"),
                                                    (5, -1, ValueError, "size"),
                                                    (5, 1.0, TypeError, "size")])
def test_crypto_integers_validation(high, size, kind, name):
    with pytest.raises(kind, match=f"`{name}` must be an integer >= "):
        crypto_integers(high, size)


# --- fast 64-bit words for shares and masks ---------------------------------------------------

def test_expand_seed_is_the_chacha20_keystream_of_rfc_7539():
    """RFC 7539, appendix A.1, test vector 1: key 0, nonce 0, block counter 0."""
    from ppml_lab._random import expand_seed
    words = expand_seed(bytes(32), 2)
    expected = bytes.fromhex("76b8e0ada0f13d90405d6ae55386bd28")
    assert words.astype("<u8").tobytes() == expected


@pytest.mark.parametrize("rng", [None, 0])
def test_random_uint64_bits_are_fair(rng):
    """Every one of the 64 bit positions is 1 about half the time (binomial, 6 sd)."""
    from ppml_lab._random import random_uint64
    n = 20_000
    words = random_uint64(n, rng=rng)
    assert words.dtype == np.uint64 and words.shape == (n,)
    bits = (words[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)
    ones = bits.sum(axis=0)
    assert np.all(np.abs(ones - n / 2) < 6 * np.sqrt(n / 4))


def test_random_uint64_without_rng_is_fresh_and_with_a_seed_reproducible():
    from ppml_lab._random import random_uint64
    assert not np.array_equal(random_uint64(8), random_uint64(8))
    np.testing.assert_array_equal(random_uint64((2, 4), rng=3), random_uint64((2, 4), rng=3))


def test_expand_seed_and_random_uint64_bad_input():
    from ppml_lab._random import expand_seed, random_uint64
    with pytest.raises(TypeError, match="`seed`"):
        expand_seed("0" * 32, 3)
    with pytest.raises(ValueError, match="`seed` must be 32 bytes"):
        expand_seed(bytes(16), 3)
    with pytest.raises(ValueError, match="`size`"):
        random_uint64(-1)
