r"""An exact discrete Laplace sampler in integer arithmetic (Canonne, Kamath, Steinke 2020).

The discrete Laplace distribution with scale :math:`\tau > 0` lives on the integers,

.. math:: P(Z = z) = \frac{1 - e^{-1/\tau}}{1 + e^{-1/\tau}}\, e^{-|z|/\tau}
                   = \tanh\!\Big(\frac{1}{2\tau}\Big)\, e^{-|z|/\tau}, \qquad z \in \mathbb{Z}.

A sampler built from floating-point ``exp`` and ``log`` only approximates it, and the
approximation leaks (see :mod:`ppml_lab.attacks.floating_point`). The algorithms of [CKS20]_
need nothing but uniform random integers and integer comparisons, so every sample has
*exactly* this distribution when the scale is a rational number ``t / s``:

1. :func:`bernoulli_exp` -- a coin that shows 1 with probability :math:`e^{-\gamma}` for a
   rational :math:`\gamma = n / d`, from coins of probability :math:`\gamma / k` (each one a
   uniform integer below ``d * k`` compared with ``n``) [CKS20]_ (Algorithm 1);
2. a geometric variable: count the heads of :math:`\mathrm{Bernoulli}(e^{-1})` coins before
   the first tail;
3. :func:`reference_discrete_laplace` -- [CKS20]_ (Algorithm 2), line by line in Python
   integers: ``U`` uniform below ``t`` accepted with probability :math:`e^{-U/t}`, plus ``t``
   times the geometric ``V``, is geometric with parameter :math:`e^{-1/t}`; divided by ``s``
   (rounded down) it is geometric with parameter :math:`e^{-s/t}`; a random sign (rejecting
   "minus zero") makes it discrete Laplace with scale ``t / s``.

:func:`discrete_laplace` runs the same steps on whole numpy arrays of 64-bit words: every
loop of the paper becomes a loop over the still-undecided samples, so each of its passes is
one vectorised comparison. Its randomness is a :class:`ppml_lab._random.WordStream`: the
ChaCha20 keystream under a fresh key from the operating system's CSPRNG (``os.urandom``) when
``rng=None`` (the default), numpy's PCG64 when ``rng`` is a seed or a Generator -- reproducible
for lessons and tests and **not secure**.

Introduced in notebook 03 (the floating-point attack and its defence).

References
----------
.. [CKS20] C. L. Canonne, G. Kamath, T. Steinke. The discrete Gaussian for differential
   privacy. NeurIPS 2020 (arXiv:2004.00010), Section 5.
.. [M12] I. Mironov. On significance of the least significant bits for differential
   privacy. CCS 2012.
"""

from __future__ import annotations

import math
import secrets
from fractions import Fraction
from typing import Any

import numpy as np

from .._random import SeedLike, WordStream, as_generator
from .._validation import check_array, check_integer, check_positive, check_size, fail

__all__ = [
    "bernoulli_exp",
    "reference_discrete_laplace",
    "discrete_laplace",
    "discrete_laplace_pmf",
    "discrete_laplace_variance",
    "MAX_SCALE_BITS",
]

#: ``scale_numerator`` and ``scale_denominator`` of the vectorised sampler are at most
#: ``2**MAX_SCALE_BITS``, so that every product it forms (``t * k`` for the k-th coin of
#: Algorithm 1, ``U + t * V``) stays below ``2**64`` unless an event of probability below
#: ``e**-10000`` happens (it raises an error then, rather than return a wrong number).
MAX_SCALE_BITS = 48

_TWO64 = 1 << 64
_SCALE_FIX = ("Pass the scale t/s as two positive integers, e.g. scale_numerator=3, "
              "scale_denominator=2 for scale 1.5; both at most 2**48.")


# --------------------------------------------------------------------------------------------
# the paper, line by line, in Python integers
# --------------------------------------------------------------------------------------------

class _Integers:
    """Uniform random Python integers below ``m``: ``secrets`` by default, numpy when seeded."""

    def __init__(self, rng: SeedLike) -> None:
        self._gen = None if rng is None else as_generator(rng)

    def below(self, m: int) -> int:
        if self._gen is None:
            return secrets.randbelow(m)
        if m <= 1 << 62:
            return int(self._gen.integers(m))
        n_bytes = (m.bit_length() + 7) // 8
        while True:  # rejection: exact for any m
            r = int.from_bytes(self._gen.bytes(n_bytes), "little") >> (8 * n_bytes
                                                                        - m.bit_length())
            if r < m:
                return r


def _bernoulli(numerator: int, denominator: int, source: _Integers) -> int:
    """1 with probability ``numerator / denominator`` (a uniform integer below it)."""
    return int(source.below(denominator) < numerator)


def _bernoulli_exp(n: int, d: int, source: _Integers) -> int:
    r"""[CKS20]_ Algorithm 1: 1 with probability :math:`e^{-n/d}`."""
    while n > d:  # e^{-gamma} = e^{-1} ... e^{-1} e^{-(gamma - floor(gamma))}
        if not _bernoulli_exp(1, 1, source):
            return 0
        n -= d
    k = 1
    while _bernoulli(n, d * k, source):  # A_k ~ Bernoulli(gamma / k); stop at the first 0
        k += 1
    return k % 2  # P(k is odd) = sum_j (-gamma)^j / j! = e^{-gamma}


def _check_fraction(numerator: Any, denominator: Any, names: tuple[str, str], *,
                    maximum: int | None = None, positive: bool = True) -> tuple[int, int]:
    n = check_integer(numerator, names[0], minimum=1 if positive else 0, maximum=maximum,
                      fix=_SCALE_FIX if positive else "Pass e.g. gamma_numerator=1.")
    d = check_integer(denominator, names[1], minimum=1, maximum=maximum,
                      fix=_SCALE_FIX if positive else "Pass e.g. gamma_denominator=2.")
    return n, d


def bernoulli_exp(gamma_numerator: int, gamma_denominator: int, *, rng: SeedLike = None) -> int:
    r"""One exact :math:`\mathrm{Bernoulli}(e^{-\gamma})` coin, :math:`\gamma = n / d \ge 0`.

    [CKS20]_ (Algorithm 1): draw :math:`A_k \sim \mathrm{Bernoulli}(\gamma / k)` for
    ``k = 1, 2, ...`` until the first 0 and return 1 if that ``k`` is odd, since
    :math:`P(k \text{ odd}) = \sum_j (-\gamma)^j / j! = e^{-\gamma}`. Each :math:`A_k` is a
    uniform integer below ``d * k`` compared with ``n``: no floating point anywhere. For
    :math:`\gamma > 1`, :math:`e^{-\gamma}` is the product of ``floor(gamma)`` coins of
    :math:`e^{-1}` and one of :math:`e^{-(\gamma - \lfloor\gamma\rfloor)}`.

    Parameters
    ----------
    gamma_numerator, gamma_denominator : int
        :math:`\gamma` as a fraction, numerator >= 0, denominator >= 1.
    rng : None, int or numpy.random.Generator
        ``None`` (default): the operating system's CSPRNG (:mod:`secrets`). A seed or a
        Generator: reproducible and **not secure** (for lessons).

    Returns
    -------
    int
        0 or 1.

    Examples
    --------
    >>> bernoulli_exp(0, 1, rng=0)  # e^0 = 1
    1
    >>> g = np.random.default_rng(0)
    >>> sum(bernoulli_exp(1, 1, rng=g) for _ in range(10_000)) / 10_000  # e^-1 = 0.3679
    0.3626
    """
    n, d = _check_fraction(gamma_numerator, gamma_denominator,
                           ("gamma_numerator", "gamma_denominator"), positive=False)
    return _bernoulli_exp(n, d, _Integers(rng))


def reference_discrete_laplace(scale_numerator: int, scale_denominator: int = 1, *,
                               rng: SeedLike = None) -> int:
    r"""One exact discrete Laplace sample of scale ``t / s``, [CKS20]_ Algorithm 2 verbatim.

    The readable version, in Python integers (unbounded); :func:`discrete_laplace` is the
    same algorithm on numpy arrays, for speed.

    Parameters
    ----------
    scale_numerator, scale_denominator : int
        The scale :math:`\tau = t / s` as positive integers ``t`` and ``s``.
    rng : None, int or numpy.random.Generator
        ``None`` (default): the operating system's CSPRNG (:mod:`secrets`). A seed or a
        Generator: reproducible and **not secure** (for lessons).

    Returns
    -------
    int

    Examples
    --------
    >>> [reference_discrete_laplace(3, 1, rng=seed) for seed in range(6)]
    [-2, -1, -5, -5, -2, 8]
    """
    t, s = _check_fraction(scale_numerator, scale_denominator,
                           ("scale_numerator", "scale_denominator"))
    source = _Integers(rng)
    while True:
        u = source.below(t)                      # U uniform in {0, ..., t-1}
        if not _bernoulli_exp(u, t, source):     # keep U with probability e^{-U/t}
            continue
        v = 0                                    # V ~ Geometric(1 - e^{-1})
        while _bernoulli_exp(1, 1, source):
            v += 1
        x = u + t * v                            # X ~ Geometric(1 - e^{-1/t})
        y = x // s                               # Y ~ Geometric(1 - e^{-s/t})
        b = source.below(2)                      # a random sign ...
        if b == 1 and y == 0:                    # ... without counting 0 twice
            continue
        return (1 - 2 * b) * y


# --------------------------------------------------------------------------------------------
# the same algorithm, vectorised
# --------------------------------------------------------------------------------------------

class _Words:
    """Uniform 64-bit words from one :class:`~ppml_lab._random.WordStream`: ChaCha20 under
    one os.urandom key per sampler call, or PCG64 when seeded (reproducible streams). The
    cipher is set up once and continued, so small draws cost no new key."""

    def __init__(self, rng: SeedLike) -> None:
        self._stream = WordStream(rng)

    def words(self, n: int) -> np.ndarray:
        return self._stream.fill(np.empty(n, dtype=np.uint64))

    def below(self, m: int, n: int) -> np.ndarray:
        """``n`` uniform integers in ``[0, m)``, ``1 <= m < 2**64``, by rejection (exact)."""
        words = self.words(n)
        if m & (m - 1) == 0:  # a power of two: the low bits are uniform
            return words & np.uint64(m - 1)
        limit = np.uint64(_TWO64 - _TWO64 % m)  # the largest multiple of m below 2**64
        bad = np.flatnonzero(words >= limit)
        while bad.size:  # probability < m / 2**64 per word
            words[bad] = self.words(bad.size)
            bad = bad[words[bad] >= limit]
        return words % np.uint64(m)

    def bits(self, n: int) -> np.ndarray:
        """``n`` fair bits (64 from each word)."""
        return np.unpackbits(self.words((n + 63) // 64).view(np.uint8))[:n].astype(bool)


def _vector_bernoulli_exp(numerators: np.ndarray, d: int, source: _Words) -> np.ndarray:
    """Algorithm 1 for ``gamma_i = numerators[i] / d`` in [0, 1], all samples at once."""
    result = np.empty(numerators.size, dtype=bool)
    index = np.arange(numerators.size)
    n = numerators
    k = 1
    while index.size:
        if d * k >= _TWO64:  # probability below 1 / (2**16)!
            raise RuntimeError("bernoulli_exp: the coin count overflowed 64 bits")
        heads = source.below(d * k, index.size) < n  # A_k ~ Bernoulli(gamma / k)
        result[index[~heads]] = k % 2 == 1
        index, n = index[heads], n[heads]
        k += 1
    return result


def _vector_bernoulli_exp1(size: int, source: _Words) -> np.ndarray:
    """Algorithm 1 at gamma = 1: A_k ~ Bernoulli(1 / k), i.e. a uniform integer below k is 0."""
    result = np.empty(size, dtype=bool)
    index = np.arange(size)
    k = 1
    while index.size:
        heads = source.below(k, index.size) == 0 if k > 1 else np.ones(index.size, bool)
        result[index[~heads]] = k % 2 == 1
        index = index[heads]
        k += 1
    return result


def _vector_geometric(size: int, source: _Words) -> np.ndarray:
    """V = number of heads of Bernoulli(e^-1) coins before the first tail, ``size`` times."""
    v = np.zeros(size, dtype=np.uint64)
    index = np.arange(size)
    while index.size:
        heads = _vector_bernoulli_exp1(index.size, source)
        index = index[heads]
        v[index] += np.uint64(1)
    return v


def _vector_discrete_laplace(t: int, s: int, size: int, source: _Words) -> np.ndarray:
    out = np.empty(size, dtype=np.int64)
    filled = 0
    t64, s64 = np.uint64(t), np.uint64(s)
    v_max = (_TWO64 - t) // t  # U + t V < 2**64
    while filled < size:
        need = size - filled
        m = need + need // 2 + 64  # about 1/0.63 candidates per sample
        u = source.below(t, m)                               # U uniform below t
        u = u[_vector_bernoulli_exp(u, t, source)]           # kept with probability e^{-U/t}
        v = _vector_geometric(u.size, source)                # V ~ Geometric(1 - e^{-1})
        if v.size and int(v.max()) > v_max:  # probability below e^{-2**16}
            raise RuntimeError("discrete_laplace: U + t V overflowed 64 bits")
        y = (u + t64 * v) // s64                             # floor(X / s)
        negative = source.bits(y.size)                       # B ~ Bernoulli(1/2)
        keep = ~(negative & (y == 0))                        # reject B = 1, Y = 0
        if y.size and int(y.max()) >= 1 << 63:
            raise RuntimeError("discrete_laplace: a sample does not fit in int64")
        z = y[keep].astype(np.int64)
        z[negative[keep]] *= -1                              # Z = (1 - 2B) Y
        take = min(need, z.size)
        out[filled:filled + take] = z[:take]
        filled += take
    return out


def discrete_laplace(scale_numerator: int, scale_denominator: int = 1,
                     size: int | tuple[int, ...] | None = None, *,
                     rng: SeedLike = None) -> Any:
    r"""Exact discrete Laplace samples of scale ``t / s``, vectorised.

    The same algorithm as :func:`reference_discrete_laplace` ([CKS20]_ Algorithm 2, with
    Algorithm 1 for the coins), run on numpy arrays of 64-bit words: integer comparisons
    only, so each sample has *exactly* the probability :func:`discrete_laplace_pmf` gives
    (no rounding anywhere). Samples are independent: accepted candidates are taken in the
    order they were drawn, whatever their values.

    Introduced in notebook 03.

    Parameters
    ----------
    scale_numerator, scale_denominator : int
        The scale :math:`\tau = t / s` as integers in ``[1, 2**48]``.
    size : int or tuple of int, optional
        Output shape (up to 10**7 samples). ``None`` returns one Python int.
    rng : None, int or numpy.random.Generator
        ``None`` (default): 64-bit words from :func:`ppml_lab._random.random_uint64`, the
        ChaCha20 keystream under a fresh key from ``os.urandom`` (a CSPRNG). A seed or a
        Generator: numpy's PCG64, reproducible and **not secure** (for lessons and tests).

    Returns
    -------
    int or numpy.ndarray of int64

    Raises
    ------
    RuntimeError
        If a 64-bit product would overflow, which needs an event of probability below
        ``e**-10000``; never a wrong number.

    Examples
    --------
    >>> discrete_laplace(3, 1, size=8, rng=0).tolist()
    [-1, 2, -1, -6, 7, -9, -1, 2]
    >>> z = discrete_laplace(3, 1, size=100_000, rng=0)
    >>> round(float(z.var()), 1), round(discrete_laplace_variance(3), 1)
    (18.1, 17.8)
    """
    limit = 1 << MAX_SCALE_BITS
    t, s = _check_fraction(scale_numerator, scale_denominator,
                           ("scale_numerator", "scale_denominator"), maximum=limit)
    if size is None:
        shape: tuple[int, ...] = ()
    elif isinstance(size, (tuple, list)):
        shape = tuple(check_integer(n, "size", minimum=0, fix="Pass a non-negative int or a "
                                    "shape tuple.") for n in size)
    else:
        shape = (check_integer(size, "size", minimum=0,
                               fix="Pass a non-negative int or a shape tuple."),)
    total = math.prod(shape)
    if total:
        check_size(total, "size", fix="Draw at most 10**7 samples per call.")
    g = math.gcd(t, s)
    z = _vector_discrete_laplace(t // g, s // g, total, _Words(rng)).reshape(shape)
    return int(z) if size is None else z


def _scale(scale: Any) -> float:
    if isinstance(scale, Fraction):
        if scale <= 0:
            raise fail("scale", "a positive number", scale, "Pass e.g. scale=2.")
        return float(scale)
    return check_positive(scale, "scale", fix="Pass e.g. scale=2 (or Fraction(5, 2)).")


def discrete_laplace_pmf(k: Any, scale: Any) -> np.ndarray:
    r"""Probability :math:`\tanh(1/(2\tau))\,e^{-|k|/\tau}` of each integer ``k``.

    Parameters
    ----------
    k : array-like of int
        Integers (whole-valued floats are accepted).
    scale : float or fractions.Fraction
        :math:`\tau > 0`.

    Examples
    --------
    >>> np.round(discrete_laplace_pmf([0, 1, -1, 2], 1.0), 4).tolist()
    [0.4621, 0.17, 0.17, 0.0625]
    """
    tau = _scale(scale)
    arr = check_array(k, "k", allow_empty=True)
    if not np.all(arr == np.round(arr)):
        raise fail("k", "integers", arr, "The discrete Laplace lives on the integers.")
    return math.tanh(0.5 / tau) * np.exp(-np.abs(arr) / tau)


def discrete_laplace_variance(scale: Any) -> float:
    r"""Variance :math:`2q/(1-q)^2`, :math:`q = e^{-1/\tau}`, of the discrete Laplace.

    It is a little below the continuous Laplace's :math:`2\tau^2` (by about 1/6).

    Examples
    --------
    >>> round(discrete_laplace_variance(1000.0) / (2 * 1000.0**2), 6)
    1.0
    >>> round(discrete_laplace_variance(1.0), 4)
    1.8413
    """
    tau = _scale(scale)
    q = math.exp(-1.0 / tau)
    one_minus_q = -math.expm1(-1.0 / tau)
    return 2.0 * q / one_minus_q**2
