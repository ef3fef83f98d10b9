"""Encrypted vectors: encrypted aggregation of client updates and private linear inference.

Paillier works on one number at a time, so a vector is a tuple of
ciphertexts under one key with one fixed-point scale. Python integers leave
no room for numpy-style vectorisation: each element costs one ``pow`` to
encrypt (``r**n mod n**2``) and one product to add, which is what the
benchmarks and notebook 11 measure.

Two protocols:

* **Encrypted aggregation** (:func:`encrypted_aggregate`): each client
  encrypts its update under the key holder's public key; the server multiplies
  the ciphertexts element-wise (adds the plaintexts) without seeing any
  update; the key holder decrypts only the sum.
* **Private inference of a linear model** (:func:`private_linear_inference`):
  the client encrypts its features ``x``; the server, holding the plaintext
  weights ``w`` and intercept ``b``, computes ``E(x . w + b) = prod E(x_i)**w_i
  * g**b`` and returns it; only the client can decrypt its score. The server
  learns nothing about ``x``; the client learns the score (and, over many
  queries, could fit the weights: that is a model-stealing risk HE does not
  address).

Introduced in notebook 11.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .._random import SeedLike, as_generator
from .._validation import check_array, check_bool, check_real, fail
from ._arith import mulmod
from .encoding import DEFAULT_FRAC_BITS, decode, encode, is_number
from .paillier import (EncryptedNumber, PrivateKey, PublicKey, _check_frac_bits,
                       _check_public_key, _random_unit, powmod, raw_decrypt,
                       raw_encrypt)
from .primes import _Source

__all__ = [
    "EncryptedVector",
    "encrypt_vector",
    "decrypt_vector",
    "sum_encrypted",
    "EncryptedAggregation",
    "encrypted_aggregate",
    "encrypted_linear_score",
    "PrivateInference",
    "private_linear_inference",
]


@dataclass(frozen=True, repr=False)
class EncryptedVector:
    """A vector of Paillier ciphertexts under one public key, with one fixed-point scale.

    Built by :func:`encrypt_vector`; every element is checked like an
    :class:`~ppml_lab.he.EncryptedNumber` (an integer in ``[1, n**2)``
    coprime to ``n``). ``u + v`` adds element-wise, ``v.dot(w)`` applies
    plaintext weights, ``v[i]`` is one :class:`EncryptedNumber`.
    """

    public_key: PublicKey
    ciphertexts: tuple[int, ...]
    frac_bits: int = DEFAULT_FRAC_BITS

    def __post_init__(self) -> None:
        pk = _check_public_key(self.public_key)
        if isinstance(self.ciphertexts, (str, bytes)) or not isinstance(
                self.ciphertexts, (Sequence, np.ndarray)):
            raise fail("ciphertexts", "a sequence of integers", self.ciphertexts,
                       "Use encrypt_vector(public_key, x).", kind=TypeError)
        cs = tuple(EncryptedNumber(pk, c).ciphertext for c in self.ciphertexts)
        if not cs:
            raise fail("ciphertexts", "non-empty", cs, "Encrypt at least one value.",
                       show="an empty sequence")
        object.__setattr__(self, "ciphertexts", cs)
        object.__setattr__(self, "frac_bits", _check_frac_bits(self.frac_bits))

    def __len__(self) -> int:
        return len(self.ciphertexts)

    def __getitem__(self, i: int) -> EncryptedNumber:
        return EncryptedNumber(self.public_key, self.ciphertexts[i], self.frac_bits)

    def __repr__(self) -> str:
        return (f"EncryptedVector({len(self)} ciphertexts, key {self.public_key.fingerprint}, "
                f"frac_bits={self.frac_bits})")

    @property
    def nbytes(self) -> int:
        """Bytes on the wire: each ciphertext is an element of Z_{n**2} (2 * bits / 8 bytes)."""
        return len(self) * 2 * ((self.public_key.bits + 7) // 8)

    def _rescaled(self, frac_bits: int) -> EncryptedVector:
        extra = frac_bits - self.frac_bits
        if extra == 0:
            return self
        n2, k = self.public_key.n_squared, 1 << extra
        return EncryptedVector(self.public_key, tuple(powmod(c, k, n2) for c in self.ciphertexts),
                               frac_bits)

    def __add__(self, other: Any) -> EncryptedVector:
        if not isinstance(other, EncryptedVector):
            return NotImplemented
        if other.public_key != self.public_key:
            raise fail("other", f"encrypted under the same public key (key "
                       f"{self.public_key.fingerprint})", other, "Encrypt every update of one "
                       "aggregation under the key holder's public key.",
                       show=f"a vector under key {other.public_key.fingerprint}")
        if len(other) != len(self):
            raise fail("other", f"a vector of the same length ({len(self)})", other,
                       "Aggregate updates of one model (same dimension).",
                       show=f"{len(other)} ciphertexts")
        f = max(self.frac_bits, other.frac_bits)
        a, b, n2 = self._rescaled(f), other._rescaled(f), self.public_key.n_squared
        return EncryptedVector(self.public_key, tuple(
            mulmod(x, y, n2) for x, y in zip(a.ciphertexts, b.ciphertexts)), f)  # m1 + m2

    def dot(self, weights: Any, intercept: float = 0.0, *, frac_bits: int = DEFAULT_FRAC_BITS,
            rerandomize: bool = True, rng: SeedLike = None) -> EncryptedNumber:
        """``E(sum_i w_i x_i + intercept)`` from plaintext ``weights``: ``prod c_i**w_i * g**b``.

        The weights are encoded with ``frac_bits`` fractional bits, so the
        result carries ``self.frac_bits + frac_bits`` (the scales add). A
        negative weight uses ``pow`` with a negative exponent (a modular
        inverse), which is exact and cheaper than ``w mod n``.

        With ``rerandomize=True`` (the default) the result is multiplied by a
        fresh encryption of zero (randomness from ``rng``, the OS CSPRNG when
        None). Without it, the client, who knows the ``r`` of each of its
        ciphertexts, receives ``g**score * (prod r_i**w_i)**n``, a value
        computed from the weights alone: re-randomising hides that (the
        server's side of "circuit privacy").
        """
        w = check_array(weights, "weights", ndim=1, fix="Pass one weight per feature.")
        if w.size != len(self):
            raise fail("weights", f"one weight per encrypted feature ({len(self)})", w,
                       "Pass coef_ of a model fitted on the same features.",
                       show=f"{w.size} weights")
        intercept = check_real(intercept, "intercept")
        frac_bits = _check_frac_bits(frac_bits)
        rerandomize = check_bool(rerandomize, "rerandomize")
        pk = self.public_key
        n, n2 = pk.n, pk.n_squared
        acc = 1
        for c, wi in zip(self.ciphertexts, w.tolist()):
            k = decode(encode(wi, n, frac_bits=frac_bits, name="weights"), n)  # signed integer
            if k:
                acc = acc * powmod(c, k, n2) % n2  # E(x_i)**w_i: adds w_i x_i
        f = self.frac_bits + frac_bits
        b = encode(intercept, n, frac_bits=f, name="intercept")
        acc = acc * (1 + b * n) % n2  # g**b = 1 + b n: adds the intercept
        if rerandomize:  # times a fresh E(0) = r**n: hides how acc was made from the c_i
            acc = acc * powmod(_random_unit(n, _Source(rng)), n, n2) % n2
        return EncryptedNumber(pk, acc, f)


def encrypt_vector(public_key: PublicKey, x: Any, *, frac_bits: int = DEFAULT_FRAC_BITS,
                   rng: SeedLike = None) -> EncryptedVector:
    """Encrypt every element of a 1-D array (fixed point with ``frac_bits`` fractional bits).

    Parameters
    ----------
    public_key : PublicKey
    x : array-like of shape (d,)
        Finite numbers; each ``|x_i| * 2**frac_bits`` must be at most
        ``max_int(n) = n // 3 - 1``.
    frac_bits : int
        Fractional bits (32 by default; 0 for integer vectors).
    rng : None, int or numpy Generator
        None (the default) uses the OS CSPRNG; a seed is reproducible and
        **not secure**.

    Examples
    --------
    >>> from ppml_lab.he import paillier_keygen
    >>> pk, sk = paillier_keygen(256, rng=0)
    >>> u = encrypt_vector(pk, [0.5, -1.25], rng=1)
    >>> v = encrypt_vector(pk, [1.0, 2.0], rng=2)
    >>> decrypt_vector(sk, u + v)
    array([1.5 , 0.75])
    """
    pk = _check_public_key(public_key)
    frac_bits = _check_frac_bits(frac_bits)
    if isinstance(x, (list, tuple)) and x and all(is_number(v) for v in x):
        values = list(x)  # Python ints of any size (beyond int64) are welcome
    else:
        values = check_array(x, "x", ndim=1, dtype=None, fix="Pass a 1-D array of numbers.")
        values = values.tolist()
    source = _Source(rng)
    n = pk.n
    cs = tuple(raw_encrypt(pk, encode(v, n, frac_bits=frac_bits, name="x"),
                           _random_unit(n, source)) for v in values)
    return EncryptedVector(pk, cs, frac_bits)


def decrypt_vector(private_key: PrivateKey, v: EncryptedVector, *,
                   crt: bool = True) -> np.ndarray:
    """Decrypt an :class:`EncryptedVector`: floats (or Python ints in an object array if
    ``frac_bits == 0``). Raises on another key or an overflow, like
    :func:`~ppml_lab.he.decrypt`."""
    if not isinstance(private_key, PrivateKey):
        raise fail("private_key", "a ppml_lab.he.PrivateKey", private_key,
                   "Get one from paillier_keygen(bits).", kind=TypeError)
    if not isinstance(v, EncryptedVector):
        raise fail("v", "an EncryptedVector", v, "Pass what encrypt_vector returned.",
                   kind=TypeError)
    if v.public_key != private_key.public_key:
        raise fail("v", f"encrypted under this private key's public key (key "
                   f"{private_key.public_key.fingerprint})", v, "Decrypt with the matching "
                   "private key.", show=f"a vector under key {v.public_key.fingerprint}")
    crt = check_bool(crt, "crt")
    n = private_key.public_key.n
    out = [decode(raw_decrypt(private_key, c, crt=crt), n, frac_bits=v.frac_bits)
           for c in v.ciphertexts]
    return np.array(out, dtype=float if v.frac_bits else object)


def sum_encrypted(vectors: Sequence[EncryptedVector]) -> EncryptedVector:
    """Element-wise homomorphic sum of encrypted vectors (what the server computes).

    Examples
    --------
    >>> from ppml_lab.he import paillier_keygen
    >>> pk, sk = paillier_keygen(256, rng=0)
    >>> vs = [encrypt_vector(pk, [i, -i], frac_bits=0, rng=i) for i in range(1, 4)]
    >>> decrypt_vector(sk, sum_encrypted(vs)).tolist()
    [6, -6]
    """
    if isinstance(vectors, EncryptedVector) or not isinstance(vectors, Sequence) or not vectors:
        raise fail("vectors", "a non-empty list of EncryptedVector", vectors,
                   "Pass e.g. [encrypt_vector(pk, u) for u in updates].", kind=TypeError)
    for i, v in enumerate(vectors):
        if not isinstance(v, EncryptedVector):
            raise fail(f"vectors[{i}]", "an EncryptedVector", v,
                       "Encrypt each update with encrypt_vector.", kind=TypeError)
    total = vectors[0]
    for v in vectors[1:]:
        total = total + v
    return total


@dataclass(frozen=True)
class EncryptedAggregation:
    """Record of one encrypted aggregation.

    ``total`` is the decrypted sum, ``plaintext_total`` the sum computed in
    the clear (the check), ``max_abs_error`` their largest difference (the
    fixed-point rounding, at most ``n_clients * 2**-(frac_bits + 1)``).
    ``bytes_up`` counts ciphertext bytes sent by all clients against
    ``bytes_plain`` for float64 updates; ``seconds`` holds the time of each
    phase (``encrypt`` for all clients, ``add`` on the server, ``decrypt``).
    """

    total: np.ndarray
    plaintext_total: np.ndarray
    max_abs_error: float
    n_clients: int
    dimension: int
    bits: int
    frac_bits: int
    bytes_up: int
    bytes_plain: int
    seconds: tuple[tuple[str, float], ...]

    @property
    def mean(self) -> np.ndarray:
        """The average update (what FedAvg needs)."""
        return self.total / self.n_clients


def encrypted_aggregate(updates: Any, public_key: PublicKey, private_key: PrivateKey, *,
                        frac_bits: int = DEFAULT_FRAC_BITS,
                        rng: SeedLike = None) -> EncryptedAggregation:
    """Sum client updates under Paillier: clients encrypt, the server adds, the key holder decrypts.

    Parameters
    ----------
    updates : array-like of shape (n_clients, d)
        One update vector per client.
    public_key, private_key : the key holder's key pair
    frac_bits : int
        Fixed-point fractional bits of the encoding.
    rng : None, int or numpy Generator
        None: every client's randomness from the OS CSPRNG. A seed: each
        client gets its own reproducible stream (``rng.spawn``), **not secure**.

    Examples
    --------
    >>> from ppml_lab.he import paillier_keygen
    >>> pk, sk = paillier_keygen(256, rng=0)
    >>> agg = encrypted_aggregate([[0.1, 2.0], [0.2, -1.0], [0.3, 0.5]], pk, sk, rng=0)
    >>> agg.total.round(6).tolist(), agg.max_abs_error < 1e-9, agg.bytes_up, agg.bytes_plain
    ([0.6, 1.5], True, 384, 48)
    """
    U = check_array(updates, "updates", ndim=2, fix="Pass one row per client, e.g. "
                    "np.stack(client_updates).")
    pk = _check_public_key(public_key)
    if not isinstance(private_key, PrivateKey) or private_key.public_key != pk:
        raise fail("private_key", "the PrivateKey of `public_key`", private_key,
                   "Pass both halves of one paillier_keygen() pair.", kind=TypeError
                   if not isinstance(private_key, PrivateKey) else ValueError)
    frac_bits = _check_frac_bits(frac_bits)
    streams = [None] * len(U) if rng is None else list(as_generator(rng).spawn(len(U)))
    t0 = time.perf_counter()
    encrypted = [encrypt_vector(pk, u, frac_bits=frac_bits, rng=s) for u, s in zip(U, streams)]
    t1 = time.perf_counter()
    summed = sum_encrypted(encrypted)
    t2 = time.perf_counter()
    total = decrypt_vector(private_key, summed)
    t3 = time.perf_counter()
    plain = U.sum(axis=0)
    return EncryptedAggregation(
        total=total, plaintext_total=plain, max_abs_error=float(np.max(np.abs(total - plain))),
        n_clients=len(U), dimension=U.shape[1], bits=pk.bits, frac_bits=frac_bits,
        bytes_up=sum(v.nbytes for v in encrypted), bytes_plain=int(U.nbytes),
        seconds=(("encrypt", t1 - t0), ("add", t2 - t1), ("decrypt", t3 - t2)))


def encrypted_linear_score(encrypted_x: EncryptedVector, coef: Any, intercept: float = 0.0, *,
                           frac_bits: int = DEFAULT_FRAC_BITS,
                           rng: SeedLike = None) -> EncryptedNumber:
    """The server's step of private inference: ``E(x . coef + intercept)`` from ``E(x)``.

    Same as ``encrypted_x.dot(coef, intercept, rng=rng)`` (re-randomised with
    the server's randomness ``rng``); the server never decrypts.
    """
    if not isinstance(encrypted_x, EncryptedVector):
        raise fail("encrypted_x", "an EncryptedVector", encrypted_x,
                   "The client sends encrypt_vector(public_key, x).", kind=TypeError)
    return encrypted_x.dot(coef, intercept, frac_bits=frac_bits, rng=rng)


@dataclass(frozen=True)
class PrivateInference:
    """Record of private inference of a linear model on the rows of ``X``.

    ``scores`` were decrypted by the client, ``plaintext_scores`` are
    ``X @ coef + intercept`` in the clear, ``max_abs_error`` their largest
    difference. ``bytes_to_server`` / ``bytes_to_client`` count ciphertexts;
    ``seconds`` holds the client's encryption, the server's scoring and the
    client's decryption, summed over rows.
    """

    scores: np.ndarray
    plaintext_scores: np.ndarray
    max_abs_error: float
    n_rows: int
    n_features: int
    bits: int
    bytes_to_server: int
    bytes_to_client: int
    seconds: tuple[tuple[str, float], ...]


def private_linear_inference(X: Any, coef: Any, intercept: float, public_key: PublicKey,
                             private_key: PrivateKey, *, frac_bits: int = DEFAULT_FRAC_BITS,
                             rng: SeedLike = None) -> PrivateInference:
    """Score each row of ``X`` with a linear model the server holds, on encrypted features.

    For each row the client encrypts ``x`` (:func:`encrypt_vector`), the server
    computes ``E(x . coef + intercept)`` (:func:`encrypted_linear_score`) and
    the client decrypts. A logistic model's probability is
    ``1 / (1 + exp(-score))``, computed by the client in the clear.

    Parameters
    ----------
    X : array-like of shape (n_rows, n_features)
    coef : array-like of shape (n_features,)
        E.g. ``model.coef_[0]`` of a binary scikit-learn or ppml_lab model.
    intercept : float
        E.g. ``model.intercept_[0]``.
    public_key, private_key : the client's key pair
    frac_bits : int
        Fractional bits for the features and for the weights (the score has
        ``2 * frac_bits``).
    rng : None, int or numpy Generator
        The client's and the server's randomness (independent streams spawned
        from it; OS CSPRNG when None; a seed is **not secure**).

    Examples
    --------
    >>> from ppml_lab.he import paillier_keygen
    >>> pk, sk = paillier_keygen(256, rng=0)
    >>> res = private_linear_inference([[1.0, 2.0], [0.5, -1.0]], [0.25, -0.5], 0.1, pk, sk, rng=0)
    >>> res.scores.round(9).tolist(), res.plaintext_scores.tolist()
    ([-0.65, 0.725], [-0.65, 0.725])
    """
    X = check_array(X, "X", ndim=2, fix="Pass a 2-D array, one row per example.")
    coef = check_array(coef, "coef", ndim=1, fix="Pass one weight per feature, e.g. "
                       "model.coef_[0].")
    if coef.size != X.shape[1]:
        raise fail("coef", f"one weight per column of `X` ({X.shape[1]})", coef,
                   "Pass the weights of a model fitted on these features.",
                   show=f"{coef.size} weights")
    intercept = check_real(intercept, "intercept", fix="Pass e.g. model.intercept_[0].")
    pk = _check_public_key(public_key)
    if not isinstance(private_key, PrivateKey) or private_key.public_key != pk:
        raise fail("private_key", "the PrivateKey of `public_key`", private_key,
                   "Pass both halves of one paillier_keygen() pair.", kind=TypeError
                   if not isinstance(private_key, PrivateKey) else ValueError)
    frac_bits = _check_frac_bits(frac_bits)
    client, server = (None, None) if rng is None else as_generator(rng).spawn(2)
    t_enc = t_score = t_dec = 0.0
    scores, up, down = [], 0, 0
    n = pk.n
    for x in X:
        t0 = time.perf_counter()
        ex = encrypt_vector(pk, x, frac_bits=frac_bits, rng=client)
        t1 = time.perf_counter()
        score = encrypted_linear_score(ex, coef, intercept, frac_bits=frac_bits, rng=server)
        t2 = time.perf_counter()
        scores.append(decode(raw_decrypt(private_key, score.ciphertext), n,
                             frac_bits=score.frac_bits))
        t3 = time.perf_counter()
        t_enc, t_score, t_dec = t_enc + t1 - t0, t_score + t2 - t1, t_dec + t3 - t2
        up += ex.nbytes
        down += 2 * ((pk.bits + 7) // 8)
    scores_arr = np.array(scores, dtype=float)
    plain = X @ coef + intercept
    return PrivateInference(
        scores=scores_arr, plaintext_scores=plain,
        max_abs_error=float(np.max(np.abs(scores_arr - plain))), n_rows=X.shape[0],
        n_features=X.shape[1], bits=pk.bits, bytes_to_server=up, bytes_to_client=down,
        seconds=(("encrypt", t_enc), ("score", t_score), ("decrypt", t_dec)))
