"""Secure aggregation in the manner of Bonawitz et al. (2017), as a glass box.

The server learns the *sum* of the clients' updates and nothing else, even when
some clients drop out mid-protocol. Each client ``u`` sends

    y_u = x_u + PRG(b_u) + sum_{v > u} PRG(s_uv) - sum_{v < u} PRG(s_uv)   (mod 2**64)

where ``x_u`` is its update in fixed point, ``s_uv`` a seed it agreed with client
``v`` by X25519 key exchange (so ``+PRG(s_uv)`` from ``u`` and ``-PRG(s_uv)``
from ``v`` cancel in the sum), and ``b_u`` a private self-mask seed. Every
``y_u`` on its own is uniform in the ring. The four phases (the paper's rounds
0, 1, 2 and 4; its round 3, a consistency check against an actively malicious
server, is left out):

1. ``advertise_keys``: each client makes two X25519 key pairs, ``s`` for masks
   and ``c`` for encrypting shares, and sends both public keys; the server
   broadcasts the list.
2. ``share_keys``: each client Shamir-splits (``threshold`` of ``n``) its mask
   private key ``s_u^SK`` and its self-mask seed ``b_u``, and sends share ``v``
   to client ``v`` through the server, encrypted (ChaCha20-Poly1305) under a
   key it agreed with ``v`` from the ``c`` key pairs.
3. ``masked_input``: each surviving client sends ``y_u``; the ``dropped``
   clients fail here, after sharing their keys (the case the protocol exists for).
4. ``unmasking``: the server tells the survivors who survived; each survivor
   returns its shares of the *dropped* clients' mask keys (so the server can
   recompute and remove their pairwise masks) and of the *survivors'*
   self-mask seeds (to remove ``b_u``). **Never both for the same client**: a
   client's mask key and self-mask seed together would unmask its ``y_u``
   alone, so an honest client refuses such a request (a late ``y_v`` of a
   client declared dropped stays hidden by ``b_v``). With ``threshold`` or more
   survivors the server interpolates ``threshold`` responses (and checks them
   against one more, when there is one); with fewer it cannot unmask anything
   and :class:`TooFewSurvivorsError` is raised before any share is revealed.

What this simulation simplifies: all parties run in one process, one after the
other (the seconds per phase are the sum of everybody's work, not a network's
latency); each pair's agreed seed is computed once and used by both ends (the
two ends' computations agree, which the tests check); clients drop out only in
phase 3; the server and the clients follow the protocol (honest but curious);
messages carry no signatures (the paper's version against an active adversary
signs keys and runs a consistency check). Share bundles are authenticated
(ChaCha20-Poly1305), so one altered in transit raises instead of unmasking wrongly.

Randomness: keys, seeds and share polynomials come from the operating
system's CSPRNG when ``rng is None``; a seeded ``rng`` makes a lesson
reproducible and is then **not secure**.

Introduced in notebook 10.

References
----------
Bonawitz, K., Ivanov, V., Kreuter, B., Marcedone, A., McMahan, H. B., Patel, S.,
Ramage, D., Segal, A. and Seth, K. (2017). Practical Secure Aggregation for
Privacy-Preserving Machine Learning. ACM CCS 2017, pp. 1175-1191.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from .._random import SeedLike, as_generator
from .._validation import check_array, check_indices, check_integer, fail
from .encoding import (DEFAULT_FRAC_BITS, EncodingOverflowError, decode, decode_bytes, encode,
                       encode_bytes, fixed_point_range)
from .field import field_add, field_mul
from .masking import (KEY_BYTES, MaskBuffer, add_mask, agree_seed, keypair, mask_into,
                      open_bundle, pair_sign, private_bytes, public_bytes, seal_bundle)
from .shamir import lagrange_coefficients, shamir_split

__all__ = ["secure_aggregate", "SecureAggregationResult", "PhaseCost", "TooFewSurvivorsError",
           "PHASES"]

PHASES = ("advertise_keys", "share_keys", "masked_input", "unmasking")
ID_BYTES = 4  # a client index on the wire
SEED_ELEMENTS = len(encode_bytes(bytes(KEY_BYTES)))  # a 32-byte secret as field elements: 5


class TooFewSurvivorsError(ValueError):
    """Fewer clients survived than the threshold: the server cannot unmask.

    Raised before any share is revealed; carries the counts, never a partial sum.
    """

    def __init__(self, message: str, *, n_survivors: int, threshold: int) -> None:
        super().__init__(message)
        self.n_survivors = n_survivors
        self.threshold = threshold


@dataclass(frozen=True)
class PhaseCost:
    """Messages, bytes and seconds of one phase of the protocol.

    ``bytes_up`` is what clients send to the server, ``bytes_down`` what the
    server sends to clients (including the share bundles it relays).
    """

    name: str
    messages: int
    bytes_up: int
    bytes_down: int
    seconds: float

    @property
    def bytes(self) -> int:
        """All bytes of the phase, up and down."""
        return self.bytes_up + self.bytes_down


@dataclass(frozen=True, repr=False)
class SecureAggregationResult:
    """The record of one run of :func:`secure_aggregate`.

    Attributes
    ----------
    sum : numpy.ndarray of float
        What the server learned: the sum of the survivors' updates (decoded
        from fixed point; within ``error_bound`` of ``plaintext_sum``).
    plaintext_sum : numpy.ndarray of float
        The same sum computed in the clear in float64, for comparison only
        (no party of the protocol ever sees it).
    masked_inputs : numpy.ndarray of uint64, shape (n_survivors, dimension)
        What the server saw: the survivors' masked vectors ``y_u`` (uniform
        64-bit words, in the order of ``survivors``).
    survivors, dropped : tuple of int
        Row indices of ``updates`` that did and did not send ``y_u``.
    responders : tuple of int
        The survivors whose shares the server combined: ``threshold`` of them
        interpolate, one more (when there is one) checks the result.
    revealed : tuple of str
        Per client, the one secret the server reconstructed:
        ``"self_mask_seed"`` for a survivor, ``"mask_key"`` for a dropped client.
    threshold, frac_bits : int
        Shamir threshold; fractional bits of the fixed-point encoding.
    phases : tuple of PhaseCost
        Cost of each phase, in the order of :data:`PHASES`.
    plaintext_seconds : float
        Time of numpy's sum of the survivors' rows, the plaintext baseline.
    secure : bool
        False when a seeded ``rng`` was used (reproducible, not secure).
    """

    sum: np.ndarray
    plaintext_sum: np.ndarray
    masked_inputs: np.ndarray
    survivors: tuple[int, ...]
    dropped: tuple[int, ...]
    responders: tuple[int, ...]
    revealed: tuple[str, ...]
    threshold: int
    frac_bits: int
    phases: tuple[PhaseCost, ...]
    plaintext_seconds: float
    secure: bool

    @property
    def n_clients(self) -> int:
        """Number of clients that started the protocol."""
        return len(self.survivors) + len(self.dropped)

    @property
    def dimension(self) -> int:
        """Length of each update."""
        return int(self.sum.shape[0])

    @property
    def resolution(self) -> float:
        """The fixed-point step ``2**-frac_bits``."""
        return 2.0 ** -self.frac_bits

    @property
    def max_abs(self) -> float:
        """The encoding's range: every partial sum of the updates must stay below it."""
        return fixed_point_range(self.frac_bits)

    @property
    def error_bound(self) -> float:
        """Largest ``|sum - plaintext_sum|`` from encoding: half a step per survivor.

        (The float64 plaintext sum has its own rounding, about ``k * 2**-53``
        times the sum of ``|update|``: negligible unless the sums exceed ~1e9.)
        """
        return len(self.survivors) * self.resolution / 2

    @property
    def max_abs_error(self) -> float:
        """Largest observed ``|sum - plaintext_sum|``."""
        return float(np.max(np.abs(self.sum - self.plaintext_sum)))

    @property
    def messages(self) -> int:
        """Messages of all phases."""
        return sum(p.messages for p in self.phases)

    @property
    def bytes(self) -> int:
        """Bytes of all phases, up and down."""
        return sum(p.bytes for p in self.phases)

    @property
    def seconds(self) -> float:
        """Wall time of all phases."""
        return sum(p.seconds for p in self.phases)

    @property
    def overhead(self) -> float:
        """``seconds / plaintext_seconds``: the cost of secure aggregation over a plain sum."""
        return self.seconds / max(self.plaintext_seconds, 1e-9)

    def phase(self, name: str) -> PhaseCost:
        """The cost record of one phase, by name (see :data:`PHASES`)."""
        for p in self.phases:
            if p.name == name:
                return p
        raise fail("name", f"one of {PHASES}", name, kind=KeyError)

    def cost_table(self) -> str:
        """The per-phase costs as a small text table."""
        lines = [f"{'phase':<15}{'messages':>9}{'bytes up':>14}{'bytes down':>14}{'seconds':>10}"]
        for p in self.phases + (PhaseCost("total", self.messages,
                                          sum(q.bytes_up for q in self.phases),
                                          sum(q.bytes_down for q in self.phases), self.seconds),):
            lines.append(f"{p.name:<15}{p.messages:>9,}{p.bytes_up:>14,}{p.bytes_down:>14,}"
                         f"{p.seconds:>10.4f}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"SecureAggregationResult(n_clients={self.n_clients}, dropped={len(self.dropped)}, "
                f"threshold={self.threshold}, dimension={self.dimension}, "
                f"max_abs_error={self.max_abs_error:.2g} (bound {self.error_bound:.2g}), "
                f"messages={self.messages}, bytes={self.bytes}, secure={self.secure})")


# --------------------------------------------------------------------------- checks


def _check_updates(updates: Any, frac_bits: int) -> np.ndarray:
    fix = ("Pass one row per client: a (n_clients, dimension) float array, "
           "e.g. updates[:, None] for one number per client.")
    x = check_array(updates, "updates", ndim=None, allow_empty=False)
    if x.ndim != 2:
        raise fail("updates", "a 2-dimensional (n_clients, dimension) array", x, fix,
                   show=f"an array of shape {x.shape}")
    if x.shape[0] < 2:
        raise fail("updates", "an array with at least 2 clients (rows)", x,
                   "Secure aggregation hides each client among the others; with one client "
                   "the sum is its update.", show=f"an array of shape {x.shape}")
    # every partial sum of the updates must fit the ring's signed range
    limit = fixed_point_range(frac_bits)
    column = np.zeros(x.shape[1])
    for row in x:  # row by row: no temporary the size of `updates`
        column += np.abs(row)
    worst = float(column.max())
    if not worst < limit * (1 - 2.0**-40):
        raise fail("updates", f"small enough that the sum of |update| over clients stays below "
                   f"the encoding's range {limit:.6g} (64-bit ring, {frac_bits} fractional bits)",
                   x, "Clip the updates to a public bound B with n_clients * B below the range, "
                   "or use fewer frac_bits.", kind=EncodingOverflowError,
                   show=f"a coordinate whose |values| sum to {worst:.6g}")
    return x


# --------------------------------------------------------------------------- Shamir on seeds


_SPLIT_ELEMENTS = 2**16  # share values per shamir_split call: small arrays stay in cache


def _split(secrets: np.ndarray, n_shares: int, threshold: int, gen) -> np.ndarray:
    """Shamir-split every client's secrets (one independent polynomial per field element).

    Returns the share values, shape ``(n_shares, *secrets.shape)``: row ``v`` is
    what client ``v`` receives, the polynomials evaluated at ``x = v + 1``.
    Clients are split in groups, one :func:`shamir_split` call per group, so that
    each call's arrays stay small (with 1,000 clients one call on everything is
    several times slower).
    """
    group = max(1, _SPLIT_ELEMENTS // (n_shares * secrets.shape[1]))
    values = np.empty((n_shares,) + secrets.shape, dtype=np.uint64)
    for start in range(0, secrets.shape[0], group):
        stop = min(start + group, secrets.shape[0])
        shares = shamir_split(secrets[start:stop], n_shares, threshold, rng=gen)
        values[:, start:stop] = np.stack([s.value for s in shares])
    return values


def _combine(responses: dict[int, np.ndarray], threshold: int) -> np.ndarray:
    """Interpolate at zero: ``secret = sum_i L_i(0) share_i`` over ``threshold`` responders.

    ``responses[r]`` holds client ``r``'s shares (the point ``x = r + 1``) of
    many clients' secrets. This is the interpolation of
    :func:`~ppml_lab.secret_sharing.shamir_combine` with the Lagrange
    coefficients computed once for all the secrets (they depend only on who
    responded; one combine per group of clients was 100 times slower with
    1,000 clients).
    Responders beyond ``threshold`` are checked: their shares must lie on the
    same polynomials, or a share was altered.
    """
    xs = [r + 1 for r in responses]
    values = list(responses.values())

    def interpolate(at: int) -> np.ndarray:
        total = np.zeros_like(values[0])
        for value, c in zip(values, lagrange_coefficients(xs[:threshold], at)):
            total = field_add(total, field_mul(value, np.uint64(c)))
        return total

    for x, value in zip(xs[threshold:], values[threshold:]):
        if not np.array_equal(interpolate(x), value):
            raise ValueError(f"`shares` must be points of one polynomial; got client {x - 1}'s "
                             f"shares off the polynomials through clients "
                             f"{[v - 1 for v in xs[:threshold]]}. A share was altered in "
                             "transit; the server stops rather than return a wrong sum.")
    return interpolate(0)


def _unmask_response(held: np.ndarray, survivors: tuple[int, ...],
                     dropped: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """What an honest survivor returns in phase 4: its shares of the dropped clients'
    mask keys and of the survivors' self-mask seeds.

    ``held[u]`` is this client's share of client ``u``'s secrets: the mask key
    (first ``SEED_ELEMENTS``) and the self-mask seed (the rest). A request that
    names a client both as survivor and as dropped would reveal both of that
    client's secrets, which unmasks its ``y_u`` alone: it is refused.
    """
    both = sorted(set(survivors) & set(dropped))
    if both:
        raise ValueError(f"refused: the server asked for both the mask key and the self-mask seed "
                         f"of client(s) {both}; together they would unmask that client's input "
                         "alone, so an honest client never reveals both.")
    return held[list(dropped), :SEED_ELEMENTS], held[list(survivors), SEED_ELEMENTS:]


# --------------------------------------------------------------------------- the protocol


def secure_aggregate(updates: Any, *, threshold: int, dropped: Iterable[int] = (),
                     rng: SeedLike = None,
                     frac_bits: int = DEFAULT_FRAC_BITS) -> SecureAggregationResult:
    """Sum the clients' updates so that the server learns the sum and nothing else.

    Runs the four phases of Bonawitz et al. (2017) among ``n_clients`` simulated
    clients and one server (see the module docstring): key advertisement,
    Shamir sharing of the mask keys and self-mask seeds, masked inputs, and
    unmasking with recovery of the ``dropped`` clients' pairwise masks.

    Parameters
    ----------
    updates : array-like of float, shape (n_clients, dimension)
        One row per client (for example flattened model updates). At least 2
        clients; finite; the sum of ``|update|`` over clients must stay below the
        encoding's range ``2**(63 - frac_bits)`` (about 8.8e12 at 20 bits).
    threshold : int
        Shamir threshold ``t`` in ``[2, n_clients]``: any ``t`` survivors can
        unmask the sum, fewer learn nothing (one share hides nothing, so ``t``
        starts at 2). Bonawitz et al. take ``t > n_clients / 2``, so that two
        disjoint groups of survivors cannot both unmask.
    dropped : sequence of int, default ()
        Row indices of the clients that fail to send their masked input (they
        shared their keys first). At most ``n_clients - threshold`` of them.
    rng : None, int or numpy.random.Generator
        ``None`` (default): keys, seeds and share polynomials from the operating
        system's CSPRNG. A seed makes the run reproducible and **not secure**.
    frac_bits : int, default 20
        Fractional bits of the fixed-point encoding in the 64-bit ring
        (resolution ``2**-frac_bits``).

    Returns
    -------
    SecureAggregationResult
        ``.sum`` (what the server learned), ``.masked_inputs`` (what it saw),
        ``.plaintext_sum`` for comparison, and per-phase ``.phases``.

    Raises
    ------
    TooFewSurvivorsError
        If fewer than ``threshold`` clients survive (nothing is revealed).
    EncodingOverflowError
        If the sum of the updates could leave the encoding's range.
    ValueError, TypeError
        For a bad ``updates``, ``threshold``, ``dropped`` or ``rng``.

    Notes
    -----
    Costs, with ``n`` clients, ``d`` of them dropped, ``k = n - d`` survivors,
    ``m`` the dimension, ``K = 32`` bytes per key and ``E = 8 + 8 * 10 + 16``
    bytes per encrypted share bundle (two ids, 2 x 5 field elements, the tag):

    ==============  ==========  ====================  ==========================
    phase           messages    bytes up              bytes down
    ==============  ==========  ====================  ==========================
    advertise_keys  2 n         2 K n                 2 K n**2
    share_keys      2 n         E n (n - 1)           E n (n - 1)
    masked_input    k           8 m k                 0
    unmasking       2 k         8 * 5 n k             4 k**2
    ==============  ==========  ====================  ==========================

    In a federated round, pass the ``(k, p)`` array of the ``k`` sampled clients'
    flattened updates (already weighted, e.g. ``n_k * delta_k``, if the strategy
    weights them) and the row indices of those that failed to report as
    ``dropped``; ``result.sum`` is the survivors' sum and ``result.survivors``
    says whose, so the server divides by their public total weight. Catch
    :class:`TooFewSurvivorsError` to skip a round that cannot be unmasked. The
    error of the sum is at most ``k * 2**-(frac_bits + 1)`` per coordinate
    (4.8e-7 per client at 20 bits), and the range ``2**(63 - frac_bits)``
    (8.8e12) bounds the sum of ``|update|`` over clients.

    Work (each pair's agreement is computed once in this simulation; in a
    deployment both ends compute it): ``n (n - 1) / 2`` key agreements for the
    share-encryption keys and ``n (n - 1)`` sealed and opened bundles;
    ``n (n - 1) / 2`` key agreements and PRG expansions of length ``m`` for the
    pairwise masks (pairs of two dropped clients skipped: nobody needs them)
    and ``k`` for the self-masks; at the server, ``k`` agreements and
    expansions per dropped client and ``k`` expansions to remove the
    self-masks. Shamir sharing costs ``O(n**2 * threshold)`` field operations.

    Examples
    --------
    >>> updates = np.array([[1.0, -2.0], [0.5, 0.25], [3.0, 1.0], [-1.0, 4.0]])
    >>> result = secure_aggregate(updates, threshold=3, dropped=[2], rng=0)
    >>> result.sum.tolist()                  # clients 0, 1 and 3
    [0.5, 2.25]
    >>> result.masked_inputs.shape, result.revealed
    ((3, 2), ('self_mask_seed', 'self_mask_seed', 'mask_key', 'self_mask_seed'))
    >>> secure_aggregate(updates, threshold=3, dropped=[1, 2], rng=0)
    Traceback (most recent call last):
    ...
    ppml_lab.secret_sharing.secure_aggregation.TooFewSurvivorsError: only 2 of 4 clients survived, fewer than `threshold`=3: the server cannot reconstruct any mask, so the protocol aborts and reveals nothing (not even a partial sum). Drop at most 1 client(s) or lower the threshold.
    """
    x = _check_updates(updates, check_integer(frac_bits, "frac_bits", minimum=0, maximum=62))
    n, m = x.shape
    threshold = check_integer(threshold, "threshold", minimum=2, maximum=n,
                              fix="Shamir sharing needs at least 2 shares to hide anything and "
                              f"there is one share per client ({n}); e.g. threshold={n // 2 + 1}.")
    dropped = check_indices(dropped, "dropped", n, fix="Pass a list of row indices of `updates` "
                            f"(0 to {n - 1}), e.g. dropped=[3].")
    survivors = tuple(sorted(set(range(n)) - set(dropped)))
    k = len(survivors)
    if k < threshold:
        raise TooFewSurvivorsError(
            f"only {k} of {n} clients survived, fewer than `threshold`={threshold}: the server "
            "cannot reconstruct any mask, so the protocol aborts and reveals nothing (not even a "
            f"partial sum). Drop at most {n - threshold} client(s) or lower the threshold.",
            n_survivors=k, threshold=threshold)
    gen = None if rng is None else as_generator(rng)

    def fresh() -> bytes:  # 32 secret bytes: a private key or a seed
        return os.urandom(KEY_BYTES) if gen is None else gen.bytes(KEY_BYTES)

    phases = []
    # ---- phase 1: advertise keys -------------------------------------------------------
    t0 = time.perf_counter()
    mask_keys = [keypair(fresh()) for _ in range(n)]       # s_u: pairwise masks
    box_keys = [keypair(fresh()) for _ in range(n)]        # c_u: encrypting shares
    adverts = [(public_bytes(mask_keys[u]), public_bytes(box_keys[u])) for u in range(n)]
    up = sum(len(s) + len(c) for s, c in adverts)
    mask_pub = [X25519PublicKey.from_public_bytes(s) for s, _ in adverts]  # parsed once
    box_pub = [X25519PublicKey.from_public_bytes(c) for _, c in adverts]
    phases.append(PhaseCost("advertise_keys", 2 * n, up, n * up, time.perf_counter() - t0))

    # ---- phase 2: share keys -----------------------------------------------------------
    t0 = time.perf_counter()
    self_seeds = [fresh() for _ in range(n)]  # b_u
    secrets = np.stack([np.concatenate([encode_bytes(private_bytes(mask_keys[u])),
                                        encode_bytes(self_seeds[u])]) for u in range(n)])
    shares = _split(secrets, n, threshold, gen)  # shares[v, u]: client v's share of u's
    boxes = {}
    for u in range(n):
        for v in range(u + 1, n):
            key = agree_seed(box_keys[u], box_pub[v], purpose="bundle")
            boxes[u, v] = (key, seal_bundle(key, u, v, shares[v, u]))
            boxes[v, u] = (key, seal_bundle(key, v, u, shares[u, v]))
    up = sum(len(box) for _, box in boxes.values())  # every box goes up once and down once
    held = np.empty((n, n, 2 * SEED_ELEMENTS), dtype=np.uint64)  # held[v, u]: v's share of u's
    for (u, v), (key, box) in boxes.items():
        held[v, u] = open_bundle(key, u, v, box)
    held[np.arange(n), np.arange(n)] = shares[np.arange(n), np.arange(n)]
    phases.append(PhaseCost("share_keys", 2 * n, up, up, time.perf_counter() - t0))

    # ---- phase 3: masked input (the dropped clients fail here) ------------------------------
    t0 = time.perf_counter()
    y = np.empty((k, m), dtype=np.uint64)  # y_u = x_u + PRG(b_u) + sum_v sign(u, v) PRG(s_uv)
    row = {u: i for i, u in enumerate(survivors)}
    buffer = MaskBuffer(m)  # one PRG output buffer, reused (the hot loop allocates nothing)
    for u in survivors:  # each client encodes its update (in range: checked above) ...
        y[row[u]], encoding = encode(x[u], frac_bits=frac_bits, name="updates")
        add_mask(y[row[u]], mask_into(self_seeds[u], buffer), +1)  # ... adds PRG(b_u)
    for u in range(n):
        for v in range(u + 1, n):
            if u in row or v in row:  # (two dropped clients: nobody sends their mask)
                mask = mask_into(agree_seed(mask_keys[u], mask_pub[v]), buffer)  # PRG(s_uv)
                if u in row:
                    add_mask(y[row[u]], mask, pair_sign(u, v))  # +PRG(s_uv) at u
                if v in row:
                    add_mask(y[row[v]], mask, pair_sign(v, u))  # -PRG(s_uv) at v
    phases.append(PhaseCost("masked_input", k, y.nbytes, 0, time.perf_counter() - t0))

    # ---- phase 4: unmasking -------------------------------------------------------------
    t0 = time.perf_counter()
    down = k * ID_BYTES * k  # the list of survivors, to each survivor
    responses = {r: _unmask_response(held[r], survivors, dropped) for r in survivors}
    up = sum(a.nbytes + b.nbytes for a, b in responses.values())
    # threshold responses reconstruct; one more (when there is one) is checked against
    # their polynomial, so a corrupted share raises instead of giving a wrong sum
    responders = survivors[:threshold + 1]
    total = np.sum(y, axis=0, dtype=np.uint64)  # sum_u y_u
    seeds = _combine({r: responses[r][1] for r in responders}, threshold)
    keys = _combine({r: responses[r][0] for r in responders}, threshold)
    for i, u in enumerate(survivors):  # remove every survivor's self-mask
        add_mask(total, mask_into(decode_bytes(seeds[i], KEY_BYTES), buffer), -1)
    for j, d in enumerate(dropped):  # remove the masks survivors shared with dropped d
        key = keypair(decode_bytes(keys[j], KEY_BYTES))
        if public_bytes(key) != adverts[d][0]:
            raise ValueError(f"the mask key reconstructed for dropped client {d} does not "
                             "match its advertised public key: a share was corrupted.")
        for u in survivors:  # y_u holds pair_sign(u, d) * PRG(s_ud): subtract it
            add_mask(total, mask_into(agree_seed(key, mask_pub[u]), buffer), -pair_sign(u, d))
    learned = decode(total, encoding)
    phases.append(PhaseCost("unmasking", 2 * k, up, down, time.perf_counter() - t0))

    t0 = time.perf_counter()
    alive = np.zeros((n, 1), dtype=bool)
    alive[list(survivors)] = True
    plain = np.sum(x, axis=0, where=alive)  # the survivors' rows, without copying them
    plain_seconds = time.perf_counter() - t0
    revealed = tuple("mask_key" if u in dropped else "self_mask_seed" for u in range(n))
    return SecureAggregationResult(
        sum=learned, plaintext_sum=plain, masked_inputs=y, survivors=survivors,
        dropped=dropped, responders=responders, revealed=revealed, threshold=threshold,
        frac_bits=frac_bits, phases=tuple(phases), plaintext_seconds=plain_seconds,
        secure=rng is None)
