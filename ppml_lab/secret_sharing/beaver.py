"""Multiplying secret-shared values: Beaver triples from a trusted dealer (Beaver, 1991).

Additive shares add locally, but a product ``x * y`` mixes every party's shares.
Beaver's trick moves the hard part offline: a trusted dealer hands out shares
of a random triple ``(a, b, c = a * b)``. Online, the parties open
``d = x - a`` and ``e = y - b`` (uniform, because ``a`` and ``b`` are), and each
computes locally::

    [z] = [c] + d [b] + e [a] + d e      (the public d e added by party 1 only)
        = ab + (x - a) b + (y - b) a + (x - a)(y - b) = x y

Costs are counted in a :class:`ProtocolCost` record: one round in which every
party sends ``d_i, e_i`` to every other (``n (n - 1)`` messages), plus the
dealer's offline messages.

Fixed point. With ``f`` fractional bits, ``x y`` carries ``2 f``; dividing by
``2**f`` on shares (truncation) cannot be done share by share without a risk
of a wildly wrong answer, so here the dealer also hands out a *truncation
pair*: shares of a uniform ring element ``r``, of ``r >> f`` and of its top bit
``msb(r)``. The parties open ``c = z + 2**62 + r`` (uniform: it hides ``z``), and
compute::

    [z / 2**f] = (c >> f) - 2**(62-f) - [r >> f] + 2**(64-f) (1 - msb(c)) [msb(r)]

The last term undoes the wrap-around of ``c`` (``z + 2**62`` lies in
``[0, 2**63)``, so ``c`` wrapped exactly when ``msb(r) = 1`` and ``msb(c) = 0``);
``floor`` and the carry from the discarded low bits (0 or 1) are the only error.
**Error bound**: the truncated product differs from ``z / 2**(2f)`` (the product of
the encoded inputs) by less than ``2**-f`` (about 9.5e-7 with 20 bits), whatever the
values. **Range**: it needs ``|z| < 2**62``, i.e. ``|x y| < 2**(62 - 2f)``
(about 4.2e6 with 20 bits); the simulation checks that by peeking at the
secrets (a referee that real parties do not have; a protocol designer ensures it
by bounding the inputs) and raises
:class:`~ppml_lab.secret_sharing.EncodingOverflowError` instead of a wrong answer.

Integers (``frac_bits`` 0) need no truncation: their products are exact in the
ring, and an integer times a fixed-point value is already fixed point.

Educational, semi-honest, all parties simulated in one process; the dealer's
randomness comes from the operating system's CSPRNG unless an ``rng`` is passed
(then reproducible and **not secure**).

Introduced in notebook 09.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .._random import SeedLike, as_generator, random_uint64
from .._validation import check_array, check_integer, fail
from .additive import MAX_ADDITIVE_SHARES, _ring_sum, additive_share
from .encoding import RING_MODULUS, Encoding, EncodingOverflowError, encode
from .shares import Share, _derived_id, check_shares

__all__ = ["ProtocolCost", "TrustedDealer", "MultiplyResult", "SecureMeanResult",
           "beaver_multiply", "secure_dot", "mul_public", "secure_mean"]

_U = np.uint64


@dataclass(frozen=True)
class ProtocolCost:
    """Communication of a protocol run (all parties together).

    ``messages``/``bytes``/``rounds`` are the online phase among the parties;
    ``dealer_messages``/``dealer_bytes`` the offline phase (triples and
    truncation pairs). Records add up: ``a + b`` is running ``a`` then ``b``.
    """

    messages: int = 0
    bytes: int = 0
    rounds: int = 0
    dealer_messages: int = 0
    dealer_bytes: int = 0

    def __add__(self, other: "ProtocolCost") -> "ProtocolCost":
        return ProtocolCost(self.messages + other.messages, self.bytes + other.bytes,
                            self.rounds + other.rounds, self.dealer_messages + other.dealer_messages,
                            self.dealer_bytes + other.dealer_bytes)


def _open_cost(n: int, size: int, values: int = 1) -> ProtocolCost:
    """Every party broadcasts ``values`` arrays of ``size`` ring elements: one round."""
    return ProtocolCost(messages=n * (n - 1), bytes=n * (n - 1) * 8 * size * values, rounds=1)


def _dealer_cost(n: int, size: int, values: int) -> ProtocolCost:
    return ProtocolCost(dealer_messages=n, dealer_bytes=n * 8 * size * values)


class TrustedDealer:
    """Hands out correlated randomness for ``n_shares`` parties (offline phase).

    Parameters
    ----------
    n_shares : int
        Number of parties.
    rng : None, int or numpy Generator, optional
        ``None`` (default): the operating system's CSPRNG. A seed makes the
        triples reproducible and **not secure**.

    Examples
    --------
    >>> dealer = TrustedDealer(3, rng=0)
    >>> a, b, c = dealer.triple(())
    >>> from ppml_lab.secret_sharing import additive_reconstruct
    >>> a_, b_ = int(additive_reconstruct(a)), int(additive_reconstruct(b))
    >>> int(additive_reconstruct(c)) == a_ * b_ % 2**64
    True
    """

    def __init__(self, n_shares: int, *, rng: SeedLike = None) -> None:
        self.n_shares = check_integer(n_shares, "n_shares", minimum=2, maximum=MAX_ADDITIVE_SHARES)
        self._gen = None if rng is None else as_generator(rng)

    def _uniform(self, shape: tuple[int, ...]) -> np.ndarray:
        return random_uint64(shape, rng=self._gen)

    def _share(self, values: np.ndarray) -> list[Share]:
        return additive_share(np.asarray(values, dtype=np.uint64), self.n_shares, rng=self._gen)

    def triple(self, shape: tuple[int, ...]) -> tuple[list[Share], list[Share], list[Share]]:
        """Shares of uniform ``a``, ``b`` and ``c = a * b mod 2**64`` (raw ring elements)."""
        a, b = self._uniform(tuple(shape)), self._uniform(tuple(shape))
        with np.errstate(over="ignore"):
            c = np.asarray(a * b, dtype=np.uint64)
        return self._share(a), self._share(b), self._share(c)

    def truncation_pair(self, shape: tuple[int, ...], frac_bits: int
                        ) -> tuple[list[Share], list[Share], list[Share]]:
        """Shares of a uniform ``r``, of ``r >> frac_bits`` and of ``msb(r) = r >> 63``."""
        r = self._uniform(tuple(shape))
        return (self._share(r), self._share(r >> _U(frac_bits)), self._share(r >> _U(63)))


@dataclass(frozen=True, repr=False)
class MultiplyResult:
    """Shares of a product, the values opened on the way, and the protocol's cost."""

    shares: list
    cost: ProtocolCost
    opened: dict

    def __repr__(self) -> str:
        return (f"MultiplyResult({len(self.shares)} shares, shape {self.shares[0].value.shape}, "
                f"opened {sorted(self.opened)}, {self.cost})")


def _check_pair(x_shares: Any, y_shares: Any) -> tuple[list[Share], list[Share]]:
    xs = sorted(check_shares(x_shares, "additive", "x_shares"), key=lambda s: s.index)
    ys = sorted(check_shares(y_shares, "additive", "y_shares"), key=lambda s: s.index)
    for name, sh in (("x_shares", xs), ("y_shares", ys)):
        if len(sh) != sh[0].n_shares:
            raise fail(name, f"all {sh[0].n_shares} parties' shares", sh, "Every party takes "
                       "part in a multiplication.", show=f"{len(sh)} shares")
    if len(xs) != len(ys):
        raise fail("y_shares", f"shares among the same {len(xs)} parties as x_shares", ys,
                   show=f"{len(ys)} shares")
    ex, ey = xs[0].encoding, ys[0].encoding
    if xs[0].value.shape != ys[0].value.shape:
        raise fail("y_shares", f"shares of a secret of shape {xs[0].value.shape}", ys,
                   show=f"shape {ys[0].value.shape}")
    if "raw" in (ex.kind, ey.kind) and ex.kind != ey.kind:
        raise fail("y_shares", "raw ring elements, like x_shares (or neither)", ys,
                   show=f"{ey.kind} shares")
    if ex.kind == ey.kind == "float" and ex.frac_bits != ey.frac_bits:
        raise fail("y_shares", f"fixed point with {ex.frac_bits} fractional bits like x_shares",
                   ys, show=f"{ey.frac_bits} fractional bits")
    return xs, ys


def _get_dealer(dealer: Any, n: int, rng: SeedLike) -> TrustedDealer:
    if dealer is None:
        return TrustedDealer(n, rng=rng)
    if not isinstance(dealer, TrustedDealer):
        raise fail("dealer", "a TrustedDealer or None", dealer, kind=TypeError)
    if dealer.n_shares != n:
        raise fail("dealer", f"a TrustedDealer for the {n} parties", dealer,
                   "Make one with TrustedDealer(n_shares).",
                   show=f"a dealer for {dealer.n_shares} parties")
    return dealer


def _referee(x: Any, y: Any, limit: float, what: str) -> None:
    """Simulation-only check that a product fits (real parties cannot do this)."""
    z = np.abs(np.asarray(x, dtype=float) * np.asarray(y, dtype=float))
    if z.size and float(z.max()) >= limit:
        raise EncodingOverflowError(
            f"`x_shares` * `y_shares` must stay within the {what}; got a product of magnitude "
            f"{float(z.max()):.6g} (limit {limit:.6g}). Bound the inputs (scale them down) or "
            "use fewer frac_bits; the protocol would otherwise return a wrong number.")


def _truncate(z: list[Share], frac_bits: int, dealer: TrustedDealer, encoding: Encoding,
              split_id: str) -> tuple[list[Share], np.ndarray, ProtocolCost]:
    """Dealer-assisted truncation of shares of ``z`` by ``frac_bits`` (see module docstring)."""
    n, shape = len(z), z[0].value.shape
    r, r_high, r_msb = dealer.truncation_pair(shape, frac_bits)
    offset = _U(1 << 62)  # shifts z into [0, 2**63), so msb(z + 2**62) = 0
    with np.errstate(over="ignore"):
        masked = [s.value + r_i.value + (offset if s.index == 1 else _U(0))
                  for s, r_i in zip(z, r)]
        c = np.asarray(np.sum(masked, axis=0, dtype=np.uint64))          # opened: uniform
        wrap = (_U(1) - (c >> _U(63))) << _U(64 - frac_bits)               # 2**(64-f)(1-msb(c))
        public = (c >> _U(frac_bits)) - _U(1 << (62 - frac_bits))
        out = []
        for s, hi, msb in zip(z, r_high, r_msb):
            v = wrap * msb.value - hi.value + (public if s.index == 1 else _U(0))
            out.append(Share(s.index, np.asarray(v, dtype=np.uint64), encoding, "additive", n, n,
                             split_id))
    size = int(np.prod(shape, dtype=np.int64))
    return out, c, _open_cost(n, size) + _dealer_cost(n, size, 3)


def beaver_multiply(x_shares: Sequence[Share], y_shares: Sequence[Share], *,
                    dealer: TrustedDealer | None = None, rng: SeedLike = None) -> MultiplyResult:
    """Shares of ``x * y`` (element-wise) from additive shares of ``x`` and ``y``.

    Parameters
    ----------
    x_shares, y_shares : list of Share
        All parties' additive shares of two secrets of the same shape.
    dealer : TrustedDealer, optional
        Source of triples and truncation pairs; by default a new one with ``rng``.
    rng : None, int or numpy Generator, optional
        Only used to make a dealer: ``None`` is the CSPRNG; a seed is reproducible
        and **not secure**.

    Returns
    -------
    MultiplyResult
        ``.shares`` of the product; ``.opened`` the public values ``d``, ``e``
        (and ``c`` of the truncation); ``.cost`` messages, bytes and rounds.

    Examples
    --------
    >>> from ppml_lab.secret_sharing import additive_reconstruct, additive_share
    >>> x, y = additive_share(1.5, 3, rng=0), additive_share(-2.25, 3, rng=1)
    >>> result = beaver_multiply(x, y, rng=2)
    >>> round(additive_reconstruct(result.shares), 5), result.cost.rounds, result.cost.messages
    (-3.375, 2, 12)
    >>> additive_reconstruct(beaver_multiply(additive_share(6, 3, rng=0),
    ...                                      additive_share(-7, 3, rng=1), rng=2).shares)
    -42
    """
    xs, ys = _check_pair(x_shares, y_shares)
    n = len(xs)
    dealer = _get_dealer(dealer, n, rng)
    ex, ey = xs[0].encoding, ys[0].encoding
    if ex.kind != "raw":  # the referee: fixed point needs |z| < 2**62, integers < 2**63
        _referee(_decoded(xs), _decoded(ys), _limit(ex, ey), "range of a product")
    z_vals, opened, cost = _beaver_core(xs, ys, dealer)
    enc, truncate = _product_encoding(ex, ey, ex.scalar and ey.scalar)
    split_id = _derived_id("mul", xs[0].split_id, ys[0].split_id)
    z = [Share(s.index, np.asarray(v, dtype=_U), enc, "additive", n, n, split_id)
         for s, v in zip(xs, z_vals)]
    if truncate:
        z, opened["c"], extra = _truncate(z, ex.frac_bits, dealer, enc, split_id)
        cost = cost + extra
    return MultiplyResult(z, cost, opened)


def _product_encoding(ex: Encoding, ey: Encoding, scalar: bool) -> tuple[Encoding, bool]:
    """The encoding of a product and whether it needs a truncation (float times float)."""
    truncate = ex.kind == ey.kind == "float"
    kind = "raw" if ex.kind == "raw" else ("int" if ex.kind == ey.kind == "int" else "float")
    frac = ex.frac_bits if truncate else ex.frac_bits + ey.frac_bits
    return Encoding(RING_MODULUS, frac, kind, scalar), truncate


def _beaver_core(xs: list[Share], ys: list[Share], dealer: TrustedDealer
                 ) -> tuple[list[np.ndarray], dict, ProtocolCost]:
    """Element-wise ring products of the shared values: z_i = c_i + d b_i + e a_i (+ d e)."""
    n, shape = len(xs), xs[0].value.shape
    a, b, c = dealer.triple(shape)
    size = int(np.prod(shape, dtype=np.int64))
    with np.errstate(over="ignore"):
        d = np.asarray(np.sum([s.value - t.value for s, t in zip(xs, a)], axis=0, dtype=_U))
        e = np.asarray(np.sum([s.value - t.value for s, t in zip(ys, b)], axis=0, dtype=_U))
        de = np.asarray(d * e, dtype=_U)
        z = [np.asarray(ci.value + d * bi.value + e * ai.value + (de if ci.index == 1 else _U(0)),
                        dtype=_U) for ai, bi, ci in zip(a, b, c)]
    return z, {"d": d, "e": e}, _dealer_cost(n, size, 3) + _open_cost(n, size, values=2)


def _limit(ex: Encoding, ey: Encoding) -> float:
    """Largest product magnitude that the protocol returns correctly."""
    if ex.kind == ey.kind == "float":
        return 2.0**62 / 2.0**(2 * ex.frac_bits)
    return 2.0**63 / 2.0**(ex.frac_bits + ey.frac_bits)


def _decoded(shares: list[Share]) -> np.ndarray:
    """The secret behind the shares, for the simulation's referee only."""
    from .encoding import decode

    return np.asarray(decode(_ring_sum(shares), shares[0].encoding), dtype=float)


def secure_dot(x_shares: Sequence[Share], y_shares: Sequence[Share], *,
               dealer: TrustedDealer | None = None, rng: SeedLike = None) -> MultiplyResult:
    """Shares of the dot product ``sum_k x_k y_k`` of two shared 1-D vectors.

    One Beaver round for all the element-wise products, a local sum, then (fixed
    point) a single truncation of the sum: error below ``2**-frac_bits``
    for the whole dot product, and the sum must satisfy the range of
    :func:`beaver_multiply`.

    Examples
    --------
    >>> from ppml_lab.secret_sharing import additive_reconstruct, additive_share
    >>> x = additive_share(np.array([1.0, 2.0, 3.0]), 3, rng=0)
    >>> y = additive_share(np.array([0.5, -1.0, 2.0]), 3, rng=1)
    >>> round(additive_reconstruct(secure_dot(x, y, rng=2).shares), 5)
    4.5
    """
    xs, ys = _check_pair(x_shares, y_shares)
    if xs[0].value.ndim != 1:
        raise fail("x_shares", "shares of a 1-D vector", xs, show=f"shape {xs[0].value.shape}")
    n = len(xs)
    dealer = _get_dealer(dealer, n, rng)
    ex, ey = xs[0].encoding, ys[0].encoding
    if ex.kind != "raw":  # referee on the sum, which is what gets truncated
        _referee(float(np.abs(np.dot(_decoded(xs), _decoded(ys)))), 1.0, _limit(ex, ey),
                 "range of a product")
    z_vals, opened, cost = _beaver_core(xs, ys, dealer)
    enc, truncate = _product_encoding(ex, ey, True)
    split_id = _derived_id("dot", xs[0].split_id, ys[0].split_id)
    with np.errstate(over="ignore"):  # each party sums its products locally
        z = [Share(s.index, np.asarray(np.sum(v, dtype=_U)), enc, "additive", n, n, split_id)
             for s, v in zip(xs, z_vals)]
    if truncate:
        z, opened["c"], extra = _truncate(z, ex.frac_bits, dealer, enc, split_id)
        cost = cost + extra
    return MultiplyResult(z, cost, opened)


def mul_public(shares: Sequence[Share], constant: Any, *, dealer: TrustedDealer | None = None,
               rng: SeedLike = None) -> MultiplyResult:
    """Multiply fixed-point shares by a public fixed-point constant (then truncate).

    Each party multiplies its share by the encoded constant locally; the result
    carries ``2 * frac_bits`` fractional bits and is truncated with a dealer's
    pair (error below ``2**-frac_bits``). Integer constants need none of
    this: write ``k * share``.

    Examples
    --------
    >>> from ppml_lab.secret_sharing import additive_reconstruct, additive_share
    >>> round(additive_reconstruct(mul_public(additive_share(10.0, 3, rng=0), 0.25,
    ...                                       rng=1).shares), 5)
    2.5
    """
    xs = sorted(check_shares(shares, "additive"), key=lambda s: s.index)
    enc = xs[0].encoding
    if enc.kind != "float":
        raise fail("shares", "fixed-point (float) shares", xs, "For integer shares multiply "
                   "by an integer constant directly: k * share.", kind=TypeError,
                   show=f"{enc.kind} shares")
    n = len(xs)
    dealer = _get_dealer(dealer, n, rng)
    k, _ = encode(np.asarray(constant, dtype=float), frac_bits=enc.frac_bits, name="constant")
    f = enc.frac_bits
    _referee(_decoded(xs), np.asarray(constant, dtype=float), _limit(enc, enc),
             "range of a product")
    split_id = _derived_id("mulc", xs[0].split_id, k.tobytes())
    with np.errstate(over="ignore"):
        z = [Share(s.index, np.asarray(s.value * k, dtype=_U), enc, "additive", n, n, split_id)
             for s in xs]
    out, c_open, cost = _truncate(z, f, dealer, enc, split_id)
    return MultiplyResult(out, cost, {"c": c_open})


@dataclass(frozen=True, repr=False)
class SecureMeanResult:
    """The mean of the parties' private values and what the protocol cost and showed."""

    mean: Any
    cost: ProtocolCost
    received_by_party_1: list
    sum_shares: list

    def __repr__(self) -> str:
        return f"SecureMeanResult(mean={self.mean!r}, {self.cost})"


def secure_mean(private_values: Sequence[Any], *, rng: SeedLike = None,
                frac_bits: int = 20) -> SecureMeanResult:
    """The mean of values held by ``n`` parties, each learning only the mean.

    Round 1: each party additively shares its value among all ``n`` parties (it
    sends ``n - 1`` shares, keeps one). Each party adds the shares it holds: a
    share of the total. Round 2: the parties open the total; the mean is
    ``total / n``, computed publicly. Nothing but the total is revealed (and the
    total is what the mean reveals anyway).

    If the values are already secret-shared among the parties (each item a list
    of :class:`~ppml_lab.secret_sharing.Share`, one per party), round 1 is
    skipped: the parties add their shares locally and open the total.

    Parameters
    ----------
    private_values : sequence of numbers, arrays, or lists of shares
        One value (or array of the same shape) per party, at least 2; or at least
        2 shared values (additive shares among the same parties).
    rng : None, int or numpy Generator, optional
        ``None``: shares from the CSPRNG; a seed is reproducible and **not secure**.
    frac_bits : int, default 20
        Fixed-point bits (the total must stay below ``2**(63 - frac_bits)``).

    Examples
    --------
    >>> r = secure_mean([52_000.0, 61_500.0, 48_250.0], rng=0)
    >>> round(r.mean, 4), r.cost.rounds, r.cost.messages
    (53916.6667, 2, 12)
    >>> from ppml_lab.secret_sharing import additive_share
    >>> shared = [additive_share(v, 3, rng=i) for i, v in enumerate([1.0, 2.0, 4.5, 0.5])]
    >>> r = secure_mean(shared)
    >>> r.mean, r.cost.rounds
    (2.0, 1)
    """
    if isinstance(private_values, (str, bytes)) or not isinstance(private_values,
                                                                  (Sequence, np.ndarray)):
        raise fail("private_values", "a sequence with one value per party", private_values,
                   kind=TypeError)
    k = check_integer(len(private_values), "len(private_values)", minimum=2,
                      maximum=MAX_ADDITIVE_SHARES, fix="A mean needs at least 2 values.")
    from .additive import additive_reconstruct

    items = list(private_values)
    if all(isinstance(v, (list, tuple)) and v and all(isinstance(s, Share) for s in v)
           for v in items):  # already shared: each party adds its shares, then they open
        split = [sorted(check_shares(v, "additive", f"private_values[{i}]"),
                        key=lambda s: s.index) for i, v in enumerate(items)]
        n = split[0][0].n_shares
        if any(len(v) != n or v[0].n_shares != n for v in split):
            raise fail("private_values", f"complete additive sharings among the same {n} "
                       "parties", items, "Pass every party's share of every value.",
                       show="sharings of different sizes")
        sum_shares = [_local_sum([v[j] for v in split]) for j in range(n)]
        size = int(split[0][0].value.size)
        total = additive_reconstruct(sum_shares)
        mean = total / k
        return SecureMeanResult(float(mean) if np.ndim(mean) == 0 else mean,
                                _open_cost(n, size), [], sum_shares)
    values = [check_array(v, f"private_values[{i}]", ndim=np.ndim(items[0]))
              for i, v in enumerate(items)]
    if any(v.shape != values[0].shape for v in values):
        raise fail("private_values", "values of one shape", items,
                   show=f"shapes {sorted({v.shape for v in values})}")
    n = k
    gen = None if rng is None else as_generator(rng)
    total_bound = 2.0**63 / 2.0**frac_bits
    if float(np.sum([np.max(np.abs(v)) for v in values])) >= total_bound:  # referee
        raise EncodingOverflowError(f"`private_values` must sum to less than {total_bound:.6g} "
                                    "in magnitude (the fixed-point range); scale them down.")
    split = [additive_share(float(v) if v.ndim == 0 else v, n, rng=gen, frac_bits=frac_bits)
             for v in values]
    sum_shares = [_local_sum([split[i][j] for i in range(n)]) for j in range(n)]  # party j adds
    size = int(values[0].size)
    cost = ProtocolCost(messages=n * (n - 1), bytes=n * (n - 1) * 8 * size, rounds=1) + \
        _open_cost(n, size)
    total = additive_reconstruct(sum_shares)
    mean = total / n
    return SecureMeanResult(float(mean) if np.ndim(mean) == 0 else mean, cost,
                            [split[i][0] for i in range(n)], sum_shares)


def _local_sum(shares: list[Share]) -> Share:
    """One party adds the shares it holds (of different values): a share of their sum."""
    total = shares[0]
    for s in shares[1:]:
        total = total + s
    return total
