"""Randomness: one way to turn an ``rng`` argument into a generator.

Every random function of ppml_lab takes a keyword-only ``rng`` that may be

* ``None``: fresh entropy from the operating system (not reproducible);
* an ``int`` or a :class:`numpy.random.SeedSequence`: a seed (reproducible);
* a :class:`numpy.random.Generator`: used as it is (its state advances).

The global ``np.random.*`` functions and ``RandomState`` are never used.
Simulated parties get independent streams from :func:`spawn`.

Secret shares, masks and keys need *cryptographic* randomness; numpy's PCG64
is a statistical generator and is not one. :func:`crypto_integers` reads the
operating system's CSPRNG (:mod:`secrets`) when ``rng is None``; a seeded
``rng`` is accepted for reproducible lessons and is then **not secure**.
:func:`random_uint64` draws many 64-bit words fast (the ChaCha20 keystream
under a fresh key from the OS, or the seeded generator's raw output), and
:func:`expand_seed` stretches a shared secret seed into a mask that every holder
of the seed recomputes identically (ChaCha20, from the well-kept
``cryptography`` package).
"""

from __future__ import annotations

import numbers
import os
import secrets
from typing import Union

import numpy as np

from ._validation import check_integer, fail

__all__ = ["SeedLike", "as_generator", "spawn", "crypto_integers", "random_uint64", "expand_seed"]

SeedLike = Union[None, int, np.integer, np.random.SeedSequence, np.random.Generator]


def as_generator(rng: SeedLike = None, *, name: str = "rng") -> np.random.Generator:
    """Normalise an ``rng`` argument to a :class:`numpy.random.Generator`.

    Parameters
    ----------
    rng : None, int, SeedSequence or Generator
        See the module docstring.
    name : str
        Parameter name used in error messages.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> g = as_generator(42)
    >>> float(g.random()) == float(as_generator(42).random())
    True
    >>> as_generator(g) is g
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise fail(name, "None, a non-negative integer seed or a numpy Generator", rng,
                       "Pass e.g. rng=0 for a reproducible run, or rng=None.")
        return np.random.default_rng(int(rng))
    if isinstance(rng, np.random.RandomState):
        raise fail(name, "None, a non-negative integer seed or a numpy Generator", rng,
                   "RandomState is the legacy API; use np.random.default_rng(seed).",
                   kind=TypeError)
    raise fail(name, "None, a non-negative integer seed or a numpy Generator", rng,
               "Pass e.g. rng=0 or rng=np.random.default_rng(0).", kind=TypeError)


def spawn(rng: SeedLike, n: int) -> list[np.random.Generator]:
    """Return ``n`` statistically independent child generators.

    Used to give each simulated client or trial its own stream, so that
    adding a client does not change the others' randomness.

    Examples
    --------
    >>> a, b = spawn(0, 2)
    >>> bool(a.random() != b.random())
    True
    >>> [float(g.random()) for g in spawn(0, 2)] == [float(g.random()) for g in spawn(0, 2)]
    True
    """
    n = check_integer(n, "n", minimum=1)
    return list(as_generator(rng).spawn(n))


def crypto_integers(high: int, size: int, *, rng: SeedLike = None) -> np.ndarray:
    """Draw ``size`` uniform integers in ``[0, high)`` for shares, masks or keys.

    With ``rng=None`` (the default) the draws come from the operating
    system's CSPRNG through :mod:`secrets`; with a seed or a Generator they
    are reproducible and therefore **not secure** (for lessons only).
    Returns an object array of Python ints so that any ``high`` (for example
    a 2048-bit modulus) is exact.

    Examples
    --------
    >>> x = crypto_integers(2**64, 3, rng=0)
    >>> len(x), all(0 <= int(v) < 2**64 for v in x)
    (3, True)
    >>> all(0 <= int(v) < 7 for v in crypto_integers(7, 100))
    True
    """
    high = check_integer(high, "high", minimum=1)
    size = check_integer(size, "size", minimum=0)
    out = np.empty(size, dtype=object)
    if rng is None:
        for i in range(size):
            out[i] = secrets.randbelow(high)
        return out
    gen = as_generator(rng)
    n_bytes = (high.bit_length() + 7) // 8 + 8  # 64 extra bits make the modulo bias negligible
    for i in range(size):
        out[i] = int.from_bytes(gen.bytes(n_bytes), "little") % high
    return out


def _chacha20_words(key: bytes, size: int) -> np.ndarray:
    """The first ``size`` 64-bit words of the ChaCha20 keystream under ``key`` (nonce zero)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

    encryptor = Cipher(algorithms.ChaCha20(key, bytes(16)), mode=None).encryptor()
    return np.frombuffer(encryptor.update(bytes(8 * size)), dtype="<u8").astype(np.uint64)


def random_uint64(size: int | tuple[int, ...], *, rng: SeedLike = None) -> np.ndarray:
    """Uniform 64-bit words for shares and masks, fast.

    With ``rng=None`` (the default) the words are the ChaCha20 keystream under
    a 256-bit key read from the operating system's CSPRNG (``os.urandom``), a
    cryptographically secure generator; with a seed or a Generator they come
    from numpy's PCG64 (``bit_generator.random_raw``): reproducible, fast, and
    **not secure** (for lessons only).

    Examples
    --------
    >>> random_uint64((2, 3), rng=0).dtype, random_uint64((2, 3), rng=0).shape
    (dtype('uint64'), (2, 3))
    >>> bool(np.all(random_uint64(4, rng=1) == random_uint64(4, rng=1)))
    True
    """
    shape = (size,) if isinstance(size, numbers.Integral) else tuple(size)
    for n in shape:
        check_integer(n, "size", minimum=0, fix="Pass a non-negative int or a shape tuple.")
    total = int(np.prod(shape, dtype=np.int64))
    if rng is None:
        return _chacha20_words(os.urandom(32), total).reshape(shape)
    words = as_generator(rng).bit_generator.random_raw(total)
    return np.asarray(words, dtype=np.uint64).reshape(shape)


def expand_seed(seed: bytes, size: int | tuple[int, ...]) -> np.ndarray:
    """Stretch a 32-byte secret ``seed`` into ``size`` uniform 64-bit words (a PRG).

    Deterministic: everyone who holds ``seed`` (the two ends of a key
    agreement) gets the same words, which is how pairwise masks cancel. The
    words are the ChaCha20 keystream with ``seed`` as the key.

    Examples
    --------
    >>> a = expand_seed(bytes(range(32)), 3)
    >>> bool(np.all(a == expand_seed(bytes(range(32)), 3))), a.dtype
    (True, dtype('uint64'))
    >>> expand_seed(b"short", 3)
    Traceback (most recent call last):
    ...
    ValueError: `seed` must be 32 bytes; got 5 bytes. Pass a 256-bit key, e.g. from a key agreement or os.urandom(32).
    """
    if not isinstance(seed, (bytes, bytearray)):
        raise fail("seed", "32 bytes", seed, "Pass a 256-bit key, e.g. os.urandom(32).",
                   kind=TypeError)
    if len(seed) != 32:
        raise fail("seed", "32 bytes", seed, "Pass a 256-bit key, e.g. from a key agreement or "
                   "os.urandom(32).", show=f"{len(seed)} bytes")
    shape = (size,) if isinstance(size, numbers.Integral) else tuple(size)
    for n in shape:
        check_integer(n, "size", minimum=0, fix="Pass a non-negative int or a shape tuple.")
    return _chacha20_words(bytes(seed), int(np.prod(shape, dtype=np.int64))).reshape(shape)
