"""Shamir secret sharing over the prime field ``p = 2**61 - 1`` (Shamir, 1979).

To share ``s`` among ``n_shares`` parties so that any ``threshold`` of them can
reconstruct it and fewer learn nothing, draw a random polynomial of degree
``threshold - 1`` whose constant term is the secret::

    f(x) = s + a_1 x + a_2 x**2 + ... + a_{t-1} x**(t-1)   (mod p),  a_k uniform

and give party ``i`` the point ``(i, f(i))``. Any ``t`` points fix the
polynomial, and Lagrange interpolation at zero gives the secret back::

    s = f(0) = sum_i f(x_i) L_i(0),    L_i(0) = prod_{j != i} x_j / (x_j - x_i)   (mod p)

With ``t - 1`` points, every secret is equally likely: for each candidate ``s``
exactly one polynomial passes through the ``t - 1`` points and ``(0, s)``, so the
shares are uniform whatever the secret (shown empirically in notebook 09 and
tested). ``threshold=1`` would make every share equal to the secret, so it is
refused: Shamir needs a threshold of at least 2 to hide anything.

Secrets are encoded into the field by :func:`~ppml_lab.secret_sharing.encode`
(floats as fixed point, 20 fractional bits by default, ``|x| < 2**40``).
Randomness comes from the operating system's CSPRNG by default; an explicit
``rng`` makes a lesson reproducible and is then **not secure**.

Introduced in notebook 09.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._random import BLOCK_WORDS, SeedLike, WordStream
from .._validation import check_integer, fail
from .encoding import DEFAULT_FRAC_BITS, FIELD_PRIME, decode, encode
from .field import field_add, field_inverse, field_mul
from .shares import Share, check_shares, new_split_id

__all__ = ["shamir_split", "shamir_combine", "lagrange_coefficients", "MAX_SHAMIR_SHARES"]

MAX_SHAMIR_SHARES = 10_000


def _check_threshold(threshold: Any, n_shares: int) -> int:
    threshold = check_integer(threshold, "threshold", fix="Pass e.g. threshold=2.")
    if threshold < 1 or threshold > n_shares:
        raise fail("threshold", f"an integer in [2, n_shares] = [2, {n_shares}]", threshold,
                   "A threshold above n_shares could never be reached and below 1 means "
                   "nothing; pass e.g. threshold=n_shares // 2 + 1.")
    if threshold == 1:
        raise fail("threshold", "at least 2 (Shamir needs at least 2 to hide anything: with "
                   "threshold 1 the polynomial is the constant secret and every share IS the "
                   "secret)", threshold, "Pass threshold >= 2; to give every party the secret, "
                   "just send it.")
    return threshold


def shamir_split(secret: Any, n_shares: int, threshold: int, *, rng: SeedLike = None,
                 frac_bits: int = DEFAULT_FRAC_BITS) -> list[Share]:
    """Split ``secret`` into ``n_shares`` Shamir shares, any ``threshold`` of which reconstruct.

    Parameters
    ----------
    secret : int, float or array-like
        Integers are shared exactly (``|s| <= 2**60 - 1``), floats as fixed point with
        ``frac_bits`` fractional bits (``|x| < 2**(60 - frac_bits)``), numpy ``uint64``
        values below ``2**61 - 1`` as raw field elements. Arrays are shared element-wise
        (one independent polynomial per element).
    n_shares : int
        Number of parties, 2 to 10,000. Party ``i`` gets the point ``x = i``.
    threshold : int
        Shares needed to reconstruct, 2 to ``n_shares``.
    rng : None, int or numpy Generator, optional
        ``None`` (default): the operating system's CSPRNG. A seed or Generator makes
        the shares reproducible and **not secure** (for lessons only).
    frac_bits : int, default 20
        Fractional bits for float secrets.

    Returns
    -------
    list of Share
        Party ``i``'s share at position ``i - 1``.

    Examples
    --------
    >>> shares = shamir_split(42, n_shares=5, threshold=3, rng=0)
    >>> len(shares), shares[0].index, shares[0].threshold
    (5, 1, 3)
    >>> shamir_combine(shares[2:])
    42
    >>> shamir_combine([shares[0], shares[4], shares[1]])
    42
    >>> shamir_combine(shares[:2])
    Traceback (most recent call last):
    ...
    ValueError: `shares` must be at least threshold = 3 shares of one split; got 2 shares (parties [1, 2]). Two shares of a threshold-3 split reveal nothing about the secret; collect 1 more.
    >>> shamir_combine(shamir_split([1.5, -2.25], 3, 2, rng=1)[1:]).tolist()
    [1.5, -2.25]
    """
    n_shares = check_integer(n_shares, "n_shares", minimum=2, maximum=MAX_SHAMIR_SHARES,
                             fix="Pass e.g. n_shares=5.")
    threshold = _check_threshold(threshold, n_shares)
    values, encoding = encode(secret, frac_bits=frac_bits, modulus=FIELD_PRIME)
    stream = WordStream(rng)
    flat = values.reshape(-1)
    out = np.empty((n_shares, flat.size), dtype=np.uint64)
    xs = np.arange(1, n_shares + 1, dtype=np.uint64).reshape(n_shares, 1)
    block = max(1, BLOCK_WORDS // n_shares)
    for start in range(0, flat.size, block):  # cache-sized blocks
        stop = min(start + block, flat.size)
        coeffs = _uniform_field(stream, (threshold - 1, stop - start))  # a_1 .. a_{t-1}
        # Horner: f(x) = (((a_{t-1} x + a_{t-2}) x + ...) x + a_1) x + s, for every x at once
        y = np.broadcast_to(coeffs[-1], (n_shares, stop - start))
        for k in range(threshold - 2, 0, -1):
            y = field_add(field_mul(y, xs), coeffs[k - 1])
        out[:, start:stop] = field_add(field_mul(y, xs), flat[start:stop])
    split_id = new_split_id(stream.generator)
    return [Share(i + 1, out[i].reshape(values.shape), encoding, "shamir", n_shares, threshold,
                  split_id) for i in range(n_shares)]


def _uniform_field(stream: WordStream, shape: tuple[int, int]) -> np.ndarray:
    """Uniform elements of [0, p): the top 61 bits of uniform words, p itself redrawn."""
    words = np.empty(shape, dtype=np.uint64)
    stream.fill(words)
    words >>= np.uint64(3)
    flat = words.reshape(-1)
    bad = np.flatnonzero(flat == np.uint64(FIELD_PRIME))
    while bad.size:  # probability 2**-61 per element
        redraw = np.empty(bad.size, dtype=np.uint64)
        stream.fill(redraw)
        flat[bad] = redraw >> np.uint64(3)
        bad = bad[flat[bad] == np.uint64(FIELD_PRIME)]
    return words


def lagrange_coefficients(xs: Sequence[int], at: int = 0) -> list[int]:
    """The Lagrange basis values ``L_i(at) = prod_{j != i} (at - x_j) / (x_i - x_j)`` mod p.

    ``sum_i f(x_i) L_i(at) = f(at)`` for every polynomial of degree below ``len(xs)``.

    Examples
    --------
    >>> c = lagrange_coefficients([1, 2])
    >>> c == [2, 2**61 - 2]          # f(0) = 2 f(1) - f(2) for a line
    True
    """
    xs = [int(x) % FIELD_PRIME for x in xs]
    if len(set(xs)) != len(xs):
        raise fail("xs", "distinct points", xs)
    out = []
    for i, xi in enumerate(xs):
        num, den = 1, 1
        for j, xj in enumerate(xs):
            if j != i:
                num = num * (at - xj) % FIELD_PRIME
                den = den * (xi - xj) % FIELD_PRIME
        out.append(num * field_inverse(den) % FIELD_PRIME)
    return out


def _interpolate(shares: list[Share], at: int) -> np.ndarray:
    """``f(at)`` from the points of ``shares``, vectorised over the secret's elements."""
    coeffs = [np.uint64(c) for c in lagrange_coefficients([s.index for s in shares], at)]
    rows = [s.value.reshape(-1) for s in shares]
    total = np.empty(rows[0].size, dtype=np.uint64)
    for start in range(0, total.size, BLOCK_WORDS):  # cache-sized blocks
        stop = min(start + BLOCK_WORDS, total.size)
        acc = field_mul(rows[0][start:stop], coeffs[0])
        for row, c in zip(rows[1:], coeffs[1:]):
            acc = field_add(acc, field_mul(row[start:stop], c))
        total[start:stop] = acc
    return total.reshape(shares[0].value.shape)


def shamir_combine(shares: Sequence[Share]) -> Any:
    """Reconstruct the secret from at least ``threshold`` Shamir shares of one split.

    The first ``threshold`` shares (by party index) are interpolated at zero.
    Shares beyond the threshold are checked against the polynomial through the
    others, so an altered share is reported instead of giving a wrong secret.

    Raises
    ------
    ValueError
        Fewer than ``threshold`` shares, shares of different splits, moduli or
        shapes, a party twice, or shares that do not lie on one polynomial.
    TypeError
        Something that is not a list of :class:`Share`.

    Examples
    --------
    >>> shares = shamir_split(np.array([7, -8]), 4, 2, rng=0)
    >>> shamir_combine(shares[1:3]).tolist()
    [7, -8]
    """
    shares = sorted(check_shares(shares, "shamir"), key=lambda s: s.index)
    t = shares[0].threshold
    if len(shares) < t:
        have = [s.index for s in shares]
        words = {1: "One share", 2: "Two shares"}.get(len(shares), f"{len(shares)} shares")
        raise fail("shares", f"at least threshold = {t} shares of one split", shares,
                   f"{words} of a threshold-{t} split reveal nothing about the secret; collect "
                   f"{t - len(shares)} more.", show=f"{len(shares)} shares (parties {have})")
    base = shares[:t]
    for extra in shares[t:]:
        if not np.array_equal(_interpolate(base, extra.index), extra.value):
            raise fail("shares", "points of one polynomial", shares, "A share was altered or "
                       "comes from another sharing; drop it and combine the others.",
                       show=f"party {extra.index}'s share off the polynomial through parties "
                       f"{[s.index for s in base]}")
    return decode(_interpolate(base, 0), shares[0].encoding)
