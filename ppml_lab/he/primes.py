"""Random primes for Paillier keys: trial division, then Miller-Rabin, written plainly.

A candidate is a random odd number with its two top bits set (so that the
product of two such primes has exactly twice as many bits). Most candidates
fail a division by one of the small primes below 2000; the survivors face the
Miller-Rabin test with ``rounds`` random witnesses. A composite passes one
round with probability at most 1/4, so 40 rounds leave at most 4**-40 = 2**-80
even for a number chosen by an adversary; for random candidates the real
error is far smaller (FIPS 186-5, appendix B.3).

Randomness comes from the operating system's CSPRNG (:mod:`secrets`) when
``rng is None``; a seed or a numpy Generator makes the primes reproducible for
a lesson, and then **anyone who knows the seed knows the key**.

Introduced in notebook 11.
"""

from __future__ import annotations

import secrets

import numpy as np

from .._random import SeedLike, as_generator
from .._validation import check_integer
from ._arith import powmod

__all__ = ["is_probable_prime", "random_prime", "SMALL_PRIMES"]


def _small_primes(limit: int) -> tuple[int, ...]:
    sieve = np.ones(limit, dtype=bool)
    sieve[:2] = False
    for i in range(2, int(limit**0.5) + 1):
        if sieve[i]:
            sieve[i * i::i] = False
    return tuple(int(p) for p in np.flatnonzero(sieve))


SMALL_PRIMES = _small_primes(2000)


class _Source:
    """Uniform integers below ``high`` from ``secrets`` (rng=None) or a numpy Generator."""

    def __init__(self, rng: SeedLike):
        self.gen = None if rng is None else as_generator(rng)

    def below(self, high: int) -> int:
        if self.gen is None:
            return secrets.randbelow(high)
        n_bytes = (high.bit_length() + 7) // 8 + 8  # 64 extra bits: negligible modulo bias
        return int.from_bytes(self.gen.bytes(n_bytes), "little") % high

    def bits(self, k: int) -> int:
        return self.below(1 << k)


def _miller_rabin_round(n: int, a: int, d: int, s: int) -> bool:
    """One round with witness ``a`` for odd n, n - 1 = d * 2**s: False means composite."""
    x = powmod(a, d, n)
    if x == 1 or x == n - 1:
        return True
    for _ in range(s - 1):
        x = x * x % n
        if x == n - 1:
            return True
    return False


def is_probable_prime(n: int, *, rounds: int = 40, rng: SeedLike = None) -> bool:
    """Miller-Rabin primality test after trial division by the primes below 2000.

    Parameters
    ----------
    n : int
        Number to test.
    rounds : int
        Number of random witnesses; a composite survives with probability at
        most ``4**-rounds``.
    rng : None, int or numpy Generator
        Source of the witnesses (the OS CSPRNG when None).

    Examples
    --------
    >>> is_probable_prime(2**127 - 1, rng=0), is_probable_prime(2**128 + 1, rng=0)
    (True, False)
    >>> is_probable_prime(561, rng=0)   # a Carmichael number fools Fermat, not Miller-Rabin
    False
    """
    n = check_integer(n, "n")
    rounds = check_integer(rounds, "rounds", minimum=1, maximum=1000)
    return _is_probable_prime(n, rounds, _Source(rng))


def _is_probable_prime(n: int, rounds: int, source: _Source) -> bool:
    if n < 2:
        return False
    for p in SMALL_PRIMES:
        if n % p == 0:
            return n == p
    if n < SMALL_PRIMES[-1] ** 2:
        return True
    d, s = n - 1, 0
    while d % 2 == 0:  # n - 1 = d * 2**s with d odd
        d //= 2
        s += 1
    for _ in range(rounds):
        a = 2 + source.below(n - 3)  # a witness in [2, n - 2]
        if not _miller_rabin_round(n, a, d, s):
            return False
    return True


def random_prime(bits: int, *, rng: SeedLike = None, rounds: int = 40) -> int:
    """A random prime of exactly ``bits`` bits whose two top bits are set.

    Parameters
    ----------
    bits : int
        Length of the prime, at least 16.
    rng : None, int or numpy Generator
        None (the default) reads the operating system's CSPRNG; a seed or a
        Generator gives a reproducible prime, **not secure** (lessons only).
    rounds : int
        Miller-Rabin rounds for the final candidate.

    Examples
    --------
    >>> p = random_prime(64, rng=0)
    >>> p.bit_length(), p >> 62, is_probable_prime(p, rng=1)
    (64, 3, True)
    """
    bits = check_integer(bits, "bits", minimum=16, fix="Pass e.g. bits=1024.")
    source = _Source(rng)
    top = 0b11 << (bits - 2)
    while True:
        candidate = source.bits(bits) | top | 1
        if _is_probable_prime(candidate, rounds, source):
            return candidate
