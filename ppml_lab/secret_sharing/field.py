"""Arithmetic in the prime field ``Z_p``, ``p = 2**61 - 1``, on numpy uint64 arrays.

Sums of two elements fit in 62 bits. A product of two elements has up to 122
bits, more than a uint64 holds, so :func:`field_mul` splits each factor into
32-bit halves (four partial products that fit) and reduces with the Mersenne
identity ``2**61 = 1 (mod p)``: ``n mod p = (n & p) + (n >> 61)`` (then one
conditional subtraction). Every function is checked against Python's exact
integers in the tests.

Uniform field elements are drawn without modulo bias by rejection: the top 61
bits of a uniform 64-bit word are uniform in ``[0, 2**61)``; the one value
``2**61 - 1 = p`` is rejected and redrawn (probability ``2**-61`` per draw).

Introduced in notebook 09.
"""

from __future__ import annotations

import numpy as np

from .._random import SeedLike, as_generator, random_uint64
from .encoding import FIELD_PRIME

__all__ = ["field_add", "field_sub", "field_mul", "field_neg", "field_inverse",
           "random_field_elements"]

_P = np.uint64(FIELD_PRIME)
_MASK32 = np.uint64(0xFFFFFFFF)


def _reduce(n: np.ndarray) -> np.ndarray:
    """Reduce uint64 values (any, below 2**64) modulo p."""
    n = (n & _P) + (n >> np.uint64(61))  # below 2**61 + 8
    return n - np.where(n >= _P, _P, np.uint64(0))


def field_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(a + b) mod p`` for elements below p.

    Examples
    --------
    >>> int(field_add(np.uint64(2**61 - 2), np.uint64(5)))
    4
    """
    s = np.asarray(a, dtype=np.uint64) + np.asarray(b, dtype=np.uint64)
    return s - np.where(s >= _P, _P, np.uint64(0))


def field_neg(a: np.ndarray) -> np.ndarray:
    """``-a mod p``."""
    a = np.asarray(a, dtype=np.uint64)
    return np.where(a == 0, a, _P - a)


def field_sub(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(a - b) mod p`` for elements below p."""
    return field_add(a, field_neg(b))


def field_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(a * b) mod p`` for elements below p, exact, vectorised.

    With ``a = a1 * 2**32 + a0`` and ``b = b1 * 2**32 + b0`` (``a1, b1 < 2**29``):
    ``a * b = a1 b1 2**64 + (a1 b0 + a0 b1) 2**32 + a0 b0``, and ``2**64 = 8 (mod p)``.

    Examples
    --------
    >>> a, b = 2**61 - 2, 2**60 + 12345
    >>> int(field_mul(np.uint64(a), np.uint64(b))) == a * b % (2**61 - 1)
    True
    """
    a = np.asarray(a, dtype=np.uint64)
    b = np.asarray(b, dtype=np.uint64)
    a0, a1 = a & _MASK32, a >> np.uint64(32)
    b0, b1 = b & _MASK32, b >> np.uint64(32)
    high = (a1 * b1) << np.uint64(3)                    # a1 b1 2**64 = 8 a1 b1, below 2**61
    mid = a1 * b0 + a0 * b1                             # below 2**62
    # mid * 2**32 = mid_hi * 2**61 + mid_lo * 2**32 = mid_hi + mid_lo * 2**32 (mod p)
    mid = (mid >> np.uint64(29)) + ((mid & np.uint64(2**29 - 1)) << np.uint64(32))
    low = _reduce(a0 * b0)                              # a0 b0 < 2**64
    return _reduce(_reduce(high + mid) + low)


def field_inverse(a: int) -> int:
    """The inverse of a non-zero field element (Python int), ``a**(p-2) mod p``."""
    return pow(int(a) % FIELD_PRIME, -1, FIELD_PRIME)


def random_field_elements(size: int | tuple[int, ...], *, rng: SeedLike = None) -> np.ndarray:
    """Uniform elements of ``[0, p)``, drawn without modulo bias (rejection sampling).

    ``rng=None`` uses the operating system's CSPRNG (through
    :func:`ppml_lab._random.random_uint64`); a seed makes the draw reproducible
    and **not secure** (for lessons only).

    Examples
    --------
    >>> x = random_field_elements(5, rng=0)
    >>> x.dtype, bool(np.all(x < 2**61 - 1))
    (dtype('uint64'), True)
    """
    gen = None if rng is None else as_generator(rng)  # one stream, so redraws differ
    out = random_uint64(size, rng=gen) >> np.uint64(3)
    flat = out.reshape(-1)
    bad = np.flatnonzero(flat == _P)
    while bad.size:  # almost never runs: probability 2**-61 per element
        flat[bad] = random_uint64(bad.size, rng=gen) >> np.uint64(3)
        bad = bad[flat[bad] == _P]
    return out
