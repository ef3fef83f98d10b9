"""What Paillier costs at each key size: the compute layer of notebook 11's explorer.

:func:`key_size_costs` measures, for each key size, the time of key generation,
of encrypting one number, of adding two ciphertexts and of decrypting one (by
CRT), and the size of a ciphertext; :meth:`KeySizeCosts.at` picks one size and
:meth:`KeySizePoint.aggregation` scales it to a federated round (every client
encrypts its update, the server adds, the key holder decrypts the sum).

These are *measured* wall-clock times: they depend on the machine and its load
and differ from run to run (the keys themselves are seeded, so the same work is
timed). Results are cached per process, so a slider that moves between key
sizes redraws at once. Times belong in figures, not in printed outputs that a
test compares.

Introduced in notebook 11.
"""

from __future__ import annotations

import functools
import statistics
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from .._random import SeedLike, as_generator
from .._validation import check_integer, fail
from ._arith import USING_GMPY2
from .paillier import MAX_BITS, MIN_BITS, decrypt, encrypt, paillier_keygen

__all__ = ["KeySizeCosts", "KeySizePoint", "AggregationCost", "key_size_costs", "format_seconds",
           "security_bits", "DEFAULT_KEY_SIZES"]

DEFAULT_KEY_SIZES = (256, 512, 1024, 2048)


def security_bits(bits: int) -> int:
    """Approximate symmetric-equivalent strength of an RSA/Paillier modulus (NIST SP 800-57).

    Both rest on factoring ``n``. 0 means "broken in practice": 512-bit
    moduli were factored publicly in 1999, 768-bit ones in 2009.

    Examples
    --------
    >>> [security_bits(b) for b in (512, 1024, 2048, 3072)]
    [0, 80, 112, 128]
    """
    bits = check_integer(bits, "bits", minimum=1)
    for limit, strength in ((15360, 256), (7680, 192), (3072, 128), (2048, 112), (1024, 80)):
        if bits >= limit:
            return strength
    return 0


@dataclass(frozen=True)
class AggregationCost:
    """Estimated cost of one encrypted federated round at one key size.

    ``client_seconds`` is one client's encryption of its update,
    ``server_seconds`` the server's additions, ``decrypt_seconds`` the key
    holder's decryption of the sum, ``plain_seconds`` numpy's plaintext sum of
    the same updates; bytes are what all clients send (ciphertexts against
    float64).
    """

    n_clients: int
    dimension: int
    client_seconds: float
    server_seconds: float
    decrypt_seconds: float
    plain_seconds: float
    bytes_up: int
    bytes_plain: int


@dataclass(frozen=True)
class KeySizePoint:
    """The measured costs at one key size (seconds per operation, bytes per ciphertext)."""

    bits: int
    keygen_seconds: float
    encrypt_seconds: float
    add_seconds: float
    decrypt_seconds: float
    ciphertext_bytes: int
    plain_add_seconds: float
    costs: "KeySizeCosts"

    @property
    def security_bits(self) -> int:
        """Symmetric-equivalent strength (0: broken in practice); see :func:`security_bits`."""
        return security_bits(self.bits)

    def aggregation(self, n_clients: int = 100, dimension: int = 1000) -> AggregationCost:
        """Scale the per-operation costs to ``n_clients`` updates of ``dimension`` numbers."""
        n_clients = check_integer(n_clients, "n_clients", minimum=1, maximum=10**6)
        dimension = check_integer(dimension, "dimension", minimum=1, maximum=10**9)
        return AggregationCost(
            n_clients=n_clients, dimension=dimension,
            client_seconds=dimension * self.encrypt_seconds,
            server_seconds=(n_clients - 1) * dimension * self.add_seconds,
            decrypt_seconds=dimension * self.decrypt_seconds,
            plain_seconds=(n_clients - 1) * dimension * self.plain_add_seconds,
            bytes_up=n_clients * dimension * self.ciphertext_bytes,
            bytes_plain=n_clients * dimension * 8)

    def summary(self) -> str:
        """One sentence in plain words."""
        strength = (f"about {self.security_bits}-bit security" if self.security_bits else
                    "broken in practice: a toy size for lessons")
        t = format_seconds
        return (f"At {self.bits} bits ({strength}), encrypting one number takes "
                f"{t(self.encrypt_seconds)}, decrypting one {t(self.decrypt_seconds)}, adding "
                f"two ciphertexts {t(self.add_seconds)} (a plaintext addition: "
                f"{t(self.plain_add_seconds)}); a ciphertext is {self.ciphertext_bytes} bytes, "
                f"{self.ciphertext_bytes // 8} times a float64.")


@dataclass(frozen=True)
class KeySizeCosts:
    """Measured Paillier costs across key sizes (medians of ``n_repeats`` timings).

    ``plain_add_seconds`` is numpy's cost per element of adding float64
    vectors, the plaintext reference. ``gmpy2`` says whether the optional
    gmpy2 speed-up was used.
    """

    bits: tuple[int, ...]
    keygen_seconds: tuple[float, ...]
    encrypt_seconds: tuple[float, ...]
    add_seconds: tuple[float, ...]
    decrypt_seconds: tuple[float, ...]
    ciphertext_bytes: tuple[int, ...]
    plain_add_seconds: float
    n_repeats: int
    gmpy2: bool

    def at(self, bits: int) -> KeySizePoint:
        """The costs at one of the measured key sizes.

        Examples
        --------
        >>> costs = key_size_costs((256, 512), n_repeats=2, rng=0)
        >>> point = costs.at(512)
        >>> point.bits, point.ciphertext_bytes, point.encrypt_seconds > 0
        (512, 128, True)
        """
        if isinstance(bits, bool) or bits not in self.bits:
            raise fail("bits", "one of the measured key sizes " + ", ".join(map(str, self.bits)),
                       bits, "Measure it first: key_size_costs(bits=(..., your size)).")
        i = self.bits.index(bits)
        return KeySizePoint(bits=bits, keygen_seconds=self.keygen_seconds[i],
                            encrypt_seconds=self.encrypt_seconds[i],
                            add_seconds=self.add_seconds[i],
                            decrypt_seconds=self.decrypt_seconds[i],
                            ciphertext_bytes=self.ciphertext_bytes[i],
                            plain_add_seconds=self.plain_add_seconds, costs=self)


def format_seconds(seconds: float) -> str:
    """A duration with two significant digits and a readable unit.

    Examples
    --------
    >>> format_seconds(0.0017), format_seconds(135.9), format_seconds(3e-4)
    ('1.7 ms', '2.3 min', '300 µs')
    """
    for unit, scale in (("h", 3600.0), ("min", 60.0), ("s", 1.0), ("ms", 1e-3),
                        ("\u00b5s", 1e-6), ("ns", 1e-9)):
        if seconds >= scale or unit == "ns":
            value = seconds / scale
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.2g} {unit}"
    raise AssertionError  # pragma: no cover


def _median_time(fn: Callable[[], Any], repeats: int, inner: int = 1) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - start) / inner)
    return statistics.median(times)


def key_size_costs(bits: Sequence[int] = DEFAULT_KEY_SIZES, *, n_repeats: int = 5,
                   rng: SeedLike = None) -> KeySizeCosts:
    """Measure key generation, encryption, addition and decryption at each key size.

    Parameters
    ----------
    bits : sequence of int
        Increasing key sizes, each an even number in [128, 8192]. The default
        (256 to 2048) takes about 2 s in plain Python on a laptop; 4096 adds
        several seconds.
    n_repeats : int
        Timings per operation (the median is kept); additions are timed in
        batches of 200.
    rng : None, int or numpy Generator
        Seeds the keys and the encryption randomness, so every run times the
        same work (the keys are **not secure**). With an int seed the result
        is cached for the process.

    Returns
    -------
    KeySizeCosts

    Examples
    --------
    >>> costs = key_size_costs((256, 512), n_repeats=2, rng=0)
    >>> costs.bits, costs.ciphertext_bytes
    ((256, 512), (64, 128))
    >>> costs is key_size_costs((256, 512), n_repeats=2, rng=0)   # cached
    True
    """
    if isinstance(bits, (str, bytes)) or not isinstance(bits, Sequence) or not bits:
        raise fail("bits", "a non-empty sequence of key sizes", bits,
                   "Pass e.g. bits=(256, 512, 1024, 2048).", kind=TypeError)
    sizes = tuple(check_integer(b, "bits", minimum=MIN_BITS, maximum=MAX_BITS,
                                fix="Pass e.g. bits=(256, 512, 1024, 2048).") for b in bits)
    if any(b % 2 for b in sizes) or list(sizes) != sorted(set(sizes)):
        raise fail("bits", "increasing even key sizes without repeats", bits,
                   "Pass e.g. bits=(256, 512, 1024, 2048).")
    n_repeats = check_integer(n_repeats, "n_repeats", minimum=1, maximum=1000,
                              fix="Pass e.g. n_repeats=5.")
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return _cached_costs(sizes, n_repeats, int(rng))
    return _measure(sizes, n_repeats, rng)


@functools.lru_cache(maxsize=16)
def _cached_costs(sizes: tuple[int, ...], n_repeats: int, seed: int) -> KeySizeCosts:
    return _measure(sizes, n_repeats, seed)


def _measure(sizes: tuple[int, ...], n_repeats: int, rng: SeedLike) -> KeySizeCosts:
    gen = as_generator(rng)
    keygen, enc, add, dec, size = [], [], [], [], []
    for b in sizes:
        key_rng = gen.spawn(1)[0]
        start = time.perf_counter()
        pk, sk = paillier_keygen(b, rng=key_rng)
        keygen.append(time.perf_counter() - start)
        values = iter(range(10**6))
        enc.append(_median_time(lambda: encrypt(pk, next(values), rng=gen), n_repeats))
        x, y = encrypt(pk, 3, rng=gen), encrypt(pk, 4, rng=gen)
        add.append(_median_time(lambda: x + y, n_repeats, inner=200))
        dec.append(_median_time(lambda: decrypt(sk, x), n_repeats))
        size.append(2 * ((b + 7) // 8))
    u, v = np.ones(10**5), np.ones(10**5)
    plain = _median_time(lambda: np.add(u, v), max(n_repeats, 5), inner=10) / u.size
    return KeySizeCosts(bits=sizes, keygen_seconds=tuple(keygen), encrypt_seconds=tuple(enc),
                        add_seconds=tuple(add), decrypt_seconds=tuple(dec),
                        ciphertext_bytes=tuple(size), plain_add_seconds=plain,
                        n_repeats=n_repeats, gmpy2=USING_GMPY2)
