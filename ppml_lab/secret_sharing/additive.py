"""Additive secret sharing in the ring ``Z_{2^64}``.

To share ``s`` among ``n`` parties, draw ``n - 1`` uniform ring elements and let
the last share make the sum come out right::

    s_1, ..., s_{n-1} uniform,   s_n = s - (s_1 + ... + s_{n-1})   (mod 2**64)
    s = s_1 + s_2 + ... + s_n                                     (mod 2**64)

Any ``n - 1`` shares are independent and uniform whatever the secret (the missing
one could be anything), so only all ``n`` together reveal ``s``. The ring is
numpy's ``uint64``, whose arithmetic wraps around modulo ``2**64`` for free.
Floats are fixed point (20 fractional bits by default, ``|x| < 2**43``, see
:mod:`~ppml_lab.secret_sharing.encoding`).

Parties compute on their shares locally: ``[a + b] = [a] + [b]``,
``[k a] = k [a]`` for a public integer ``k``, and a public constant is added by
party 1 alone (see :class:`~ppml_lab.secret_sharing.Share`). Products of two
shared secrets need Beaver's triples (:mod:`~ppml_lab.secret_sharing.beaver`).

Randomness comes from the operating system's CSPRNG by default (ChaCha20 under
a key from ``os.urandom``); an explicit ``rng`` makes a lesson reproducible and
is then **not secure**.

Introduced in notebook 09.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._random import BLOCK_WORDS, SeedLike, WordStream
from .._validation import check_array, check_integer, fail
from .encoding import (DEFAULT_FRAC_BITS, RING_MODULUS, Encoding, _encode_block, decode,
                       encode)
from .shares import Share, check_shares, new_split_id

__all__ = ["additive_share", "additive_reconstruct", "MAX_ADDITIVE_SHARES"]

MAX_ADDITIVE_SHARES = 10_000


def additive_share(secret: Any, n_shares: int, *, rng: SeedLike = None,
                   frac_bits: int = DEFAULT_FRAC_BITS) -> list[Share]:
    """Split ``secret`` into ``n_shares`` additive shares in the ring ``Z_{2^64}``.

    Parameters
    ----------
    secret : int, float or array-like
        Floats are fixed point with ``frac_bits`` fractional bits (``|x| < 2**(63 -
        frac_bits)``), integers are exact (``[-2**63, 2**63)``), numpy ``uint64``
        values are shared as raw ring elements and come back as ``uint64``.
    n_shares : int
        Number of parties, 2 to 10,000. All of them are needed to reconstruct.
    rng : None, int or numpy Generator, optional
        ``None`` (default): the operating system's CSPRNG. A seed or Generator makes
        the shares reproducible and **not secure** (for lessons only).
    frac_bits : int, default 20
        Fractional bits for float secrets.

    Returns
    -------
    list of Share
        Party ``i``'s share at position ``i - 1``.

    Raises
    ------
    EncodingOverflowError
        A float or integer outside the encoding's range.

    Examples
    --------
    >>> shares = additive_share(3.25, 3, rng=0)
    >>> [s.index for s in shares], shares[0].encoding.frac_bits
    ([1, 2, 3], 20)
    >>> additive_reconstruct(shares)
    3.25
    >>> sum_shares = [a + b for a, b in zip(shares, additive_share(-1.0, 3, rng=1))]
    >>> additive_reconstruct(sum_shares)
    2.25
    >>> additive_reconstruct([2 * s + 1 for s in additive_share(10, 3, rng=2)])
    21
    >>> additive_reconstruct(shares[:2])
    Traceback (most recent call last):
    ...
    ValueError: `shares` must be all 3 shares of the split (additive sharing needs every share); got 2 shares (parties [1, 2]). Collect the shares of parties [3]; any fewer reveal nothing.
    """
    n_shares = check_integer(n_shares, "n_shares", minimum=2, maximum=MAX_ADDITIVE_SHARES,
                             fix="Pass e.g. n_shares=3 (one share alone would be the secret).")
    if isinstance(secret, np.ndarray) and secret.dtype.kind in "iuf" and secret.size > BLOCK_WORDS:
        # large arrays: encode block by block inside the loop (cache-resident, no copy)
        arr = check_array(secret, "secret", dtype=None)
        kind = "float" if arr.dtype.kind == "f" else ("raw" if arr.dtype == np.uint64 else "int")
        if kind == "float":
            frac_bits = check_integer(frac_bits, "frac_bits", minimum=0, maximum=62)
        encoding = Encoding(RING_MODULUS, frac_bits if kind == "float" else 0, kind, False)
        flat = np.ascontiguousarray(arr).reshape(-1)
        shape = arr.shape
    else:
        values, encoding = encode(secret, frac_bits=frac_bits, modulus=RING_MODULUS)
        kind, flat, shape = "elements", values.reshape(-1), values.shape
    stream = WordStream(rng)
    size = int(np.prod(shape, dtype=np.int64))
    out = np.empty((n_shares, size), dtype=np.uint64)
    scratch = np.empty(min(size, BLOCK_WORDS)) if kind == "float" else None
    with np.errstate(over="ignore"):
        for start in range(0, size, BLOCK_WORDS):  # block by block: temporaries stay in the cache
            stop = min(start + BLOCK_WORDS, size)
            last = out[-1, start:stop]  # s_n = the encoded secret minus the random shares
            if kind == "float":
                if not _encode_block(flat[start:stop], frac_bits, RING_MODULUS,
                                     scratch[:stop - start], last.view(np.int64)):
                    encode(arr, frac_bits=frac_bits)  # raises the overflow error
            elif kind == "int":
                last.view(np.int64)[...] = flat[start:stop]  # two's complement
            else:
                last[...] = flat[start:stop]
            for k in range(n_shares - 1):  # s_1 .. s_{n-1} uniform
                row = out[k, start:stop]
                stream.fill(row)
                np.subtract(last, row, out=last)
    split_id = new_split_id(stream.generator)
    return [Share(i + 1, out[i].reshape(shape), encoding, "additive", n_shares, n_shares,
                  split_id) for i in range(n_shares)]


def _ring_sum(shares: Sequence[Share]) -> np.ndarray:
    """The element-wise sum of the shares' values modulo 2**64."""
    total = np.array(shares[0].value, dtype=np.uint64, copy=True)
    with np.errstate(over="ignore"):
        for s in shares[1:]:
            np.add(total, s.value, out=total)
    return total


def additive_reconstruct(shares: Sequence[Share]) -> Any:
    """Add all shares of one split and decode the secret.

    Additive sharing has no redundancy: a share whose *value* was altered (same
    shape, same metadata) gives a wrong secret, and nothing can tell. Shamir
    sharing with more than ``threshold`` shares detects it
    (:func:`~ppml_lab.secret_sharing.shamir_combine`); against active cheaters real
    protocols add MACs (SPDZ), which this educational code does not.

    Raises
    ------
    ValueError
        A share missing, a party twice, or shares of different splits, moduli or
        shapes mixed (their sum would be a random, wrong number).
    TypeError
        Something that is not a list of :class:`~ppml_lab.secret_sharing.Share`.

    Examples
    --------
    >>> additive_reconstruct(additive_share(np.array([1.5, -2.0]), 4, rng=0)).tolist()
    [1.5, -2.0]
    """
    shares = check_shares(shares, "additive")
    n = shares[0].n_shares
    if len(shares) != n:
        missing = sorted(set(range(1, n + 1)) - {s.index for s in shares})
        raise fail("shares", f"all {n} shares of the split (additive sharing needs every "
                   "share)", shares, f"Collect the shares of parties {missing}; any fewer "
                   "reveal nothing.", show=f"{len(shares)} shares (parties "
                   f"{sorted(s.index for s in shares)})")
    encoding = shares[0].encoding
    if shares[0].value.size <= BLOCK_WORDS:
        return decode(_ring_sum(shares), encoding)
    rows = [np.ascontiguousarray(s.value).reshape(-1) for s in shares]
    out = np.empty(rows[0].size, dtype=np.float64 if encoding.kind == "float" else np.uint64)
    total = np.empty(min(rows[0].size, BLOCK_WORDS), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, rows[0].size, BLOCK_WORDS):  # sum and decode block by block
            stop = min(start + BLOCK_WORDS, rows[0].size)
            t = total[:stop - start] if encoding.kind == "float" else out[start:stop]
            np.add(rows[0][start:stop], rows[1][start:stop], out=t)
            for row in rows[2:]:
                np.add(t, row[start:stop], out=t)
            if encoding.kind == "float":
                np.multiply(t.view(np.int64), 2.0 ** -encoding.frac_bits, out=out[start:stop])
    out = out.reshape(shares[0].value.shape)
    return out.view(np.int64) if encoding.kind == "int" else out
