"""One party's share of a secret, with the public metadata that keeps shares from mixing.

A :class:`Share` holds the share's value (uint64 ring or field elements, the
shape of the secret), the party's index (1 to ``n_shares``; for Shamir also the
point ``x`` where the polynomial was evaluated), the scheme, the encoding and a
``split_id`` naming the sharing it came from. Reconstruction refuses shares of
different splits, schemes, moduli or shapes with an error naming the problem,
because a sum of unrelated shares is a uniformly random, silently wrong number.

Each party computes on its own share locally: ``a + b`` (shares of two secrets
held by the same party) is a share of the sum, ``a + c`` and ``c * a`` add or
multiply by a public constant ``c`` (an integer; a public fixed-point constant needs a
truncation, see :func:`ppml_lab.secret_sharing.beaver.mul_public`). The result gets a
new ``split_id`` derived from its inputs, the same at every party, so the results
of all parties reconstruct together.

Introduced in notebook 09.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .._random import SeedLike, random_uint64
from .._validation import check_array, check_integer, fail
from .encoding import RING_MODULUS, Encoding, encode
from .field import field_add, field_mul, field_neg

__all__ = ["Share", "check_shares", "new_split_id"]


def new_split_id(rng: SeedLike = None) -> str:
    """A short random identifier for one sharing (8 hex digits)."""
    return format(int(random_uint64(1, rng=rng)[0]) >> 32, "08x")


def _derived_id(op: str, *parts: Any) -> str:
    return hashlib.sha256(repr((op,) + parts).encode()).hexdigest()[:8]


def ring_add(a: np.ndarray, b: np.ndarray, modulus: int) -> np.ndarray:
    """Element-wise ``a + b`` modulo 2**64 (numpy wraps) or modulo the prime."""
    if modulus == RING_MODULUS:
        with np.errstate(over="ignore"):
            return np.asarray(np.add(a, b, dtype=np.uint64))
    return np.asarray(field_add(a, b))


def ring_neg(a: np.ndarray, modulus: int) -> np.ndarray:
    if modulus == RING_MODULUS:
        with np.errstate(over="ignore"):
            return np.asarray(np.negative(a, dtype=np.uint64))
    return np.asarray(field_neg(a))


def ring_mul(a: np.ndarray, b: np.ndarray, modulus: int) -> np.ndarray:
    if modulus == RING_MODULUS:
        with np.errstate(over="ignore"):
            return np.asarray(np.multiply(a, b, dtype=np.uint64))
    return np.asarray(field_mul(a, b))


@dataclass(frozen=True, eq=False, repr=False)
class Share:
    """One party's share of a secret (see the module docstring).

    Attributes
    ----------
    index : int
        The party, 1 to ``n_shares`` (Shamir: the evaluation point ``x``).
    value : numpy.ndarray of uint64
        The share itself; uniformly random on its own.
    encoding : Encoding
        Modulus, fractional bits and kind of the secret.
    scheme : {"additive", "shamir"}
    n_shares, threshold : int
        How many shares were made and how many reconstruct (all, for additive).
    split_id : str
        Identifies the sharing; shares of different splits never combine.
    """

    index: int
    value: np.ndarray
    encoding: Encoding
    scheme: str
    n_shares: int
    threshold: int
    split_id: str

    __array_ufunc__ = None  # ``array * share`` calls Share.__rmul__, not numpy's broadcasting

    def __post_init__(self) -> None:
        if isinstance(self.value, np.uint64):  # a 0-d result of numpy arithmetic
            object.__setattr__(self, "value", np.asarray(self.value))
        v = self.value
        if not isinstance(v, np.ndarray) or v.dtype != np.uint64:
            raise fail("value", "a numpy uint64 array of ring or field elements", v,
                       "Build shares with additive_share or shamir_split.", kind=TypeError)
        if not isinstance(self.encoding, Encoding):
            raise fail("encoding", "an Encoding", self.encoding, kind=TypeError)
        if self.encoding.field and v.size and int(v.max()) >= self.encoding.modulus:
            raise fail("value", "field elements below 2**61 - 1", v,
                       "This share was altered; use the shares shamir_split returned.")
        if not isinstance(self.split_id, str):
            raise fail("split_id", "a string", self.split_id, kind=TypeError)
        check_integer(self.n_shares, "n_shares", minimum=1)
        check_integer(self.threshold, "threshold", minimum=1, maximum=self.n_shares)
        check_integer(self.index, "index", minimum=1)
        if self.scheme not in ("additive", "shamir"):
            raise fail("scheme", "'additive' or 'shamir'", self.scheme)
        if not 1 <= self.index <= (self.n_shares if self.scheme == "additive" else 2**32):
            raise fail("index", f"a party number in [1, {self.n_shares}]", self.index)

    def __repr__(self) -> str:
        v = np.array2string(self.value, threshold=4, max_line_width=60)
        return (f"Share({self.scheme}, party {self.index} of {self.n_shares}, threshold "
                f"{self.threshold}, split {self.split_id!r}, shape {self.value.shape}, "
                f"value={v})")

    @property
    def modulus(self) -> int:
        return self.encoding.modulus

    def _with(self, value: np.ndarray, split_id: str) -> "Share":
        return Share(self.index, np.asarray(value, dtype=np.uint64), self.encoding, self.scheme,
                     self.n_shares, self.threshold, split_id)

    def _public(self, c: Any, name: str) -> np.ndarray:
        """Encode a public constant like this share's secret, broadcast to its shape."""
        kind = self.encoding.kind
        arr = check_array(c, name, dtype=float if kind == "float" else None)
        if kind != "float" and arr.dtype.kind not in "iu":
            raise fail(name, f"an integer (the shares hold {kind} secrets)", c, kind=TypeError)
        if kind == "raw":
            arr = arr.astype(np.uint64)
        elif kind == "int":
            arr = arr.astype(np.int64)
        values, _ = encode(arr, frac_bits=self.encoding.frac_bits, modulus=self.modulus,
                           name=name)
        return np.broadcast_to(values, np.broadcast_shapes(values.shape, self.value.shape))

    def __add__(self, other: Any) -> "Share":
        if isinstance(other, Share):
            _check_compatible(self, other)
            return self._with(ring_add(self.value, other.value, self.modulus),
                              _derived_id("add", self.split_id, other.split_id))
        c = self._public(other, "constant")
        # additive: only party 1 adds a public constant (it must be added once); Shamir: all do
        value = self.value if (self.scheme == "additive" and self.index != 1) else \
            ring_add(self.value, c, self.modulus)
        return self._with(value, _derived_id("addc", self.split_id, c.tobytes(), c.shape))

    __radd__ = __add__

    def __neg__(self) -> "Share":
        return self._with(ring_neg(self.value, self.modulus), _derived_id("neg", self.split_id))

    def __sub__(self, other: Any) -> "Share":
        return self + (-other)

    def __rsub__(self, other: Any) -> "Share":
        return (-self) + other

    def __mul__(self, c: Any) -> "Share":
        if isinstance(c, Share):
            raise fail("other", "a public integer constant", c, "Multiplying two shared "
                       "secrets needs a protocol: use beaver_multiply(a_shares, b_shares, ...).",
                       kind=TypeError, show="a Share")
        arr = np.asarray(c)
        if arr.dtype.kind not in "iu" or isinstance(c, (bool, np.bool_)):
            raise fail("constant", "a public integer (or integer array)", c, "A fixed-point "
                       "constant needs a truncation: use beaver.mul_public(shares, c, ...).",
                       kind=TypeError)
        raw = np.asarray(arr.astype(np.int64), dtype=np.int64)
        if self.modulus == RING_MODULUS:
            k = raw.view(np.uint64)
        else:
            k = np.where(raw < 0, raw % np.int64(self.modulus), raw).astype(np.uint64)
        return self._with(ring_mul(self.value, k, self.modulus),
                          _derived_id("mul", self.split_id, k.tobytes(), k.shape))

    __rmul__ = __mul__


def _check_compatible(a: Share, b: Share) -> None:
    """Two shares that one party may add: same party, scheme, modulus, encoding, shape."""
    if a.scheme != b.scheme or a.modulus != b.modulus:
        raise fail("other", f"a share of the same scheme and modulus ({a.scheme}, modulus "
                   f"{a.modulus})", b, "Shares of different schemes or moduli do not combine.",
                   show=f"{b.scheme} share with modulus {b.modulus}")
    if a.index != b.index:
        raise fail("other", f"a share held by the same party ({a.index})", b,
                   "Each party adds its own shares: zip the two lists of shares in party order.",
                   show=f"party {b.index}'s share")
    if a.encoding.frac_bits != b.encoding.frac_bits or a.encoding.kind != b.encoding.kind:
        raise fail("other", f"a share with the same encoding ({a.encoding.kind}, "
                   f"{a.encoding.frac_bits} fractional bits)", b, "Share both secrets as floats "
                   "(or both as integers) with the same frac_bits.",
                   show=f"{b.encoding.kind} with {b.encoding.frac_bits} fractional bits")
    if (a.n_shares, a.threshold) != (b.n_shares, b.threshold):
        raise fail("other", f"a share of a split with {a.n_shares} shares, threshold "
                   f"{a.threshold}", b, "Share both secrets among the same parties.",
                   show=f"{b.n_shares} shares, threshold {b.threshold}")
    if a.value.shape != b.value.shape:
        raise fail("other", f"a share of shape {a.value.shape}", b,
                   "Share secrets of the same shape.", show=f"shape {b.value.shape}")


def check_shares(shares: Any, scheme: str, name: str = "shares") -> list[Share]:
    """Validate a collection of shares of one secret; returns them as a list.

    Checks the type, the scheme, that all come from one split (same
    ``split_id``, modulus, encoding and shape) and that no party appears twice.
    """
    if isinstance(shares, Share) or not isinstance(shares, (Sequence, np.ndarray, set, tuple)):
        raise fail(name, f"a list of {scheme} Share objects", shares,
                   "Pass the whole list that the sharing function returned.", kind=TypeError)
    shares = list(shares)
    if not shares:
        raise fail(name, f"a non-empty list of {scheme} shares", shares)
    for s in shares:
        if not isinstance(s, Share):
            raise fail(name, f"a list of {scheme} Share objects", s, kind=TypeError,
                       show=f"an element of type {type(s).__name__}")
    first = shares[0]
    for s in shares[1:]:
        if s.split_id != first.split_id:
            ids = sorted({t.split_id for t in shares})
            raise fail(name, "shares of one split (one secret)", shares, "Reconstruct each "
                       "secret from its own shares; shares of different splits do not combine.",
                       show=f"shares from {len(ids)} different splits {ids}")
        if (s.modulus, s.scheme, s.encoding, s.n_shares, s.threshold, s.value.shape) != (
                first.modulus, first.scheme, first.encoding, first.n_shares, first.threshold,
                first.value.shape):
            raise fail(name, "shares with the same modulus, encoding and shape", shares,
                       "These shares were altered or come from different sharings.",
                       show=f"party {s.index}: modulus {s.modulus}, shape {s.value.shape}, vs "
                       f"party {first.index}: modulus {first.modulus}, shape {first.value.shape}")
    if first.scheme != scheme:
        raise fail(name, f"{scheme} shares", shares, f"Use the {first.scheme} function to "
                   "reconstruct these shares.", show=f"{first.scheme} shares")
    indices = [s.index for s in shares]
    if len(set(indices)) != len(indices):
        raise fail(name, "shares of distinct parties", shares, "Pass each party's share once.",
                   show=f"party indices {sorted(indices)}")
    return shares
