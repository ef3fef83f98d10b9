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
import sys
from typing import Any, Union

import numpy as np

from ._validation import check_integer, fail

__all__ = ["SeedLike", "as_generator", "spawn", "crypto_integers", "random_uint64", "expand_seed",
           "WordStream", "BLOCK_WORDS"]

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


#: Words per block when a stream writes into an array: temporaries of 512 KiB stay in the cache.
BLOCK_WORDS = 1 << 16
_ZEROS = bytes(8 * BLOCK_WORDS)


class WordStream:
    """Uniform 64-bit words written into existing arrays, block by block.

    ``WordStream(rng=None)`` is the ChaCha20 keystream under a fresh 256-bit key
    from ``os.urandom`` (a CSPRNG); with a seed or a Generator it is numpy's raw
    PCG64 output (reproducible, **not secure**). ``WordStream.from_key(key)`` is
    the ChaCha20 keystream under ``key`` (nonce zero): the PRG that stretches an
    agreed seed. Successive :meth:`fill` calls continue the stream, so filling
    in blocks gives the same words as filling at once; writing into the
    destination avoids allocating a second array of the whole size.

    Examples
    --------
    >>> a = WordStream(rng=0).fill(np.empty(4, dtype=np.uint64))
    >>> b = WordStream(rng=0)
    >>> bool(np.all(np.concatenate([b.fill(np.empty(1, np.uint64)),
    ...                             b.fill(np.empty(3, np.uint64))]) == a))
    True
    """

    def __init__(self, rng: SeedLike = None) -> None:
        self._gen = None if rng is None else as_generator(rng)
        self._cipher = self._encryptor(os.urandom(32)) if rng is None else None

    @classmethod
    def from_key(cls, key: bytes) -> "WordStream":
        """The ChaCha20 keystream under the 32-byte ``key``."""
        stream = cls.__new__(cls)
        stream._gen, stream._cipher = None, cls._encryptor(bytes(key))
        return stream

    @staticmethod
    def _encryptor(key: bytes) -> Any:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

        return Cipher(algorithms.ChaCha20(key, bytes(16)), mode=None).encryptor()

    @property
    def generator(self) -> np.random.Generator | None:
        """The seeded generator, or None for a ChaCha20 stream."""
        return self._gen

    def fill(self, dest: np.ndarray) -> np.ndarray:
        """Overwrite the C-contiguous uint64 array ``dest`` with the next words; return it."""
        if dest.dtype != np.uint64 or not dest.flags.c_contiguous:
            raise fail("dest", "a C-contiguous uint64 array", dest,
                       show=f"an array of dtype {dest.dtype}")
        flat = dest.reshape(-1)                                   # a view (contiguous)
        if self._cipher is None:
            flat[...] = self._gen.bit_generator.random_raw(flat.size)  # type: ignore[union-attr]
            return dest
        raw = memoryview(flat).cast("B")
        step = len(_ZEROS)
        for start in range(0, len(raw), step):
            stop = min(start + step, len(raw))
            self._cipher.update_into(memoryview(_ZEROS)[:stop - start], raw[start:stop])
        if sys.byteorder != "little":                             # the keystream is little-endian
            flat.byteswap(inplace=True)
        return dest


def _shape(size: int | tuple[int, ...]) -> tuple[int, ...]:
    shape = (size,) if isinstance(size, numbers.Integral) else tuple(size)
    for n in shape:
        check_integer(n, "size", minimum=0, fix="Pass a non-negative int or a shape tuple.")
    return shape


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
    return WordStream(rng).fill(np.empty(_shape(size), dtype=np.uint64))


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
    return WordStream.from_key(bytes(seed)).fill(np.empty(_shape(size), dtype=np.uint64))
