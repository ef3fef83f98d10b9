"""Uniform 64-bit words written block by block into existing arrays (fast share drawing).

The same generators as :func:`ppml_lab._random.random_uint64`: with ``rng=None``
the ChaCha20 keystream under a fresh 256-bit key from ``os.urandom`` (a CSPRNG);
with a seed or Generator numpy's raw PCG64 words (reproducible, **not secure**).
Writing the keystream into the destination block by block avoids allocating
and page-faulting a second array of the whole size, which is most of the cost.
"""

from __future__ import annotations

import os

import numpy as np

from .._random import SeedLike, as_generator

CHUNK = 1 << 16  # elements per block: temporaries of 512 KiB stay in the CPU cache
_ZEROS = bytes(8 * CHUNK)


class UniformWords:
    """A stream of uniform uint64 words; ``fill(dest)`` overwrites ``dest`` with the next ones."""

    def __init__(self, rng: SeedLike = None) -> None:
        self._gen = None if rng is None else as_generator(rng)
        self._encryptor = None
        if self._gen is None:
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

            key = os.urandom(32)
            self._encryptor = Cipher(algorithms.ChaCha20(key, bytes(16)), mode=None).encryptor()

    @property
    def generator(self) -> np.random.Generator | None:
        """The seeded generator, or None for the CSPRNG."""
        return self._gen

    def fill(self, dest: np.ndarray) -> None:
        """Overwrite a C-contiguous uint64 array of at most CHUNK elements with uniform words."""
        if self._encryptor is not None:
            self._encryptor.update_into(memoryview(_ZEROS)[:dest.nbytes],
                                        memoryview(dest.reshape(-1)).cast("B"))
        else:
            dest[...] = self._gen.bit_generator.random_raw(dest.size).reshape(dest.shape)
