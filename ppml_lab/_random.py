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
"""

from __future__ import annotations

import numbers
import secrets
from typing import Union

import numpy as np

from ._validation import check_integer, fail

__all__ = ["SeedLike", "as_generator", "spawn", "crypto_integers"]

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
