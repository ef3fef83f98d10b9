"""The reconstruction attack of Dinur and Nissim (2003): too many accurate answers rebuild the data.

A database holds one secret bit per person (``s`` of length ``n``: has the
diagnosis or not). It answers *subset sums*: "how many of these people have
it?", for random subsets (each person in with probability 1/2), each answer
off by at most ``noise`` (``answer = A @ s + e`` with ``|e| <= noise``, here
uniform in ``[-noise, noise]``). No single answer names anyone. Yet with about
``4 n`` answers, least squares followed by rounding gives back almost every
bit while ``noise`` is well below ``sqrt(n)``, and falls to a coin's 50% once
the noise is several times ``sqrt(n)``: the *fundamental law of information
recovery* (Dwork and Roth 2014, section 8.1). Dinur and Nissim proved that
noise of order ``o(sqrt(n))`` lets a polynomial-time attacker reconstruct
almost everything from ``O(n log^2 n)`` queries; answering with
differential privacy, whose noise grows with the number of queries, is what
stops it.

* :func:`subset_queries`, :func:`noisy_answers`, :func:`reconstruct` -- the
  three steps, for any answers (also DP ones);
* :func:`reconstruction_attack` -- one run, as a record;
* :func:`reconstruction_curve` -- the fraction recovered against the noise for
  a number of queries (cached; the explorer's curve).

Why ``4 n`` queries put the collapse near ``sqrt(n)``: with ``m`` random 0/1
queries, least squares estimates each bit with a standard deviation of about
``2 sigma / sqrt(m)`` for answer noise of standard deviation ``sigma``
(``noise / sqrt(3)`` for the uniform noise here); rounding fails once that is
near 1/2, at ``noise`` about ``sqrt(3 m) / 4``, which is ``0.87 sqrt(n)`` for
``m = 4 n``. More queries push the collapse out (as ``sqrt(m)``): independent
noise averages away, which is why DP must charge every query.

References
----------
I. Dinur and K. Nissim, "Revealing information while preserving privacy",
PODS 2003.
C. Dwork and A. Roth, "The algorithmic foundations of differential privacy",
2014, section 8.1.

Introduced in notebook 01.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import numpy as np

from .._random import SeedLike, as_generator
from .._validation import check_array, check_choice, check_integer, check_noise_level, fail

__all__ = ["subset_queries", "noisy_answers", "reconstruct", "ReconstructionResult",
           "reconstruction_attack", "ReconstructionCurve", "ReconstructionPoint",
           "reconstruction_curve", "METHODS"]

METHODS = ("lstsq", "lp")
#: Largest number of secret bits, and of matrix entries (queries times bits).
MAX_BITS, MAX_ENTRIES = 10_000, 10**7
_QUERIES_FIX = "Pass e.g. n_queries=4 * n (a few queries per secret bit)."


def _check_sizes(n: Any, n_queries: Any) -> tuple[int, int]:
    n = check_integer(n, "n", minimum=1, maximum=MAX_BITS, fix="Pass e.g. n=100 secret bits.")
    n_queries = check_integer(n_queries, "n_queries", minimum=1,
                              maximum=max(1, MAX_ENTRIES // n),
                              fix=_QUERIES_FIX + f" At most {MAX_ENTRIES // n:,} for n = {n}.")
    return n, n_queries


def subset_queries(n: int, n_queries: int, *, rng: SeedLike = None) -> np.ndarray:
    """Random subsets as a 0/1 matrix: row ``j`` holds query ``j``, each person in with chance 1/2.

    Examples
    --------
    >>> subset_queries(5, 3, rng=0)
    array([[0, 1, 1, 1, 0],
           [0, 0, 0, 0, 0],
           [0, 1, 0, 1, 0]], dtype=int8)
    """
    n, n_queries = _check_sizes(n, n_queries)
    return (as_generator(rng).random((n_queries, n)) < 0.5).astype(np.int8)


def _secret(secret: Any, n: int | None = None) -> np.ndarray:
    bits = check_array(secret, "secret", ndim=1, dtype=None,
                       fix="Pass one 0/1 value per person, e.g. secret=[0, 1, 1, 0].")
    if not np.all((bits == 0) | (bits == 1)):
        raise fail("secret", "bits (0 or 1)", bits, "Pass one 0/1 value per person.")
    if n is not None and bits.size != n:
        raise fail("secret", f"one bit per column of `queries` ({n})", bits,
                   "Pass as many bits as the queries have columns.", show=f"{bits.size} bits")
    return bits.astype(np.int64)


def _queries(queries: Any) -> np.ndarray:
    A = check_array(queries, "queries", ndim=2, dtype=None,
                    fix="Pass a 0/1 matrix, one row per query, e.g. subset_queries(n, 4 * n).")
    if not np.all((A == 0) | (A == 1)):
        raise fail("queries", "a 0/1 matrix (each row a subset of the people)", A,
                   "Pass e.g. subset_queries(n, 4 * n).")
    return A


def noisy_answers(queries: Any, secret: Any, noise: float, *, rng: SeedLike = None) -> np.ndarray:
    """Each subset sum ``queries @ secret`` plus noise uniform in ``[-noise, noise]``.

    Parameters
    ----------
    queries : array of 0/1, shape (m, n)
    secret : array of 0/1, shape (n,)
    noise : float
        Largest error of an answer, >= 0 (0: exact answers).
    rng : None, int or numpy.random.Generator

    Examples
    --------
    >>> A = subset_queries(5, 3, rng=0)
    >>> noisy_answers(A, [1, 0, 1, 1, 0], 0.0)
    array([2., 0., 1.])
    """
    A = _queries(queries)
    s = _secret(secret, A.shape[1])
    noise = check_noise_level(noise)
    exact = (A @ s).astype(float)
    if noise == 0:
        return exact
    return exact + noise * as_generator(rng).uniform(-1.0, 1.0, size=exact.shape)


def reconstruct(queries: Any, answers: Any, *, method: str = "lstsq") -> np.ndarray:
    """Guess the secret bits from subset queries and their (noisy) answers.

    ``"lstsq"``: the least-squares solution of ``queries @ x = answers``,
    rounded to 0 or 1 (at 1/2). ``"lp"``: Dinur and Nissim's linear program,
    here its L1 form: minimise ``sum |queries @ x - answers|`` over
    ``0 <= x <= 1`` (:func:`scipy.optimize.linprog`, HiGHS), rounded. On
    uniform noise least squares is as good or better and about 100 times
    faster (see the tests), so it is the default.

    Parameters
    ----------
    queries : array of 0/1, shape (m, n)
    answers : array of float, shape (m,)
    method : {"lstsq", "lp"}, default "lstsq"

    Returns
    -------
    ndarray of int64 (0 or 1), shape (n,)

    Examples
    --------
    >>> A = subset_queries(8, 32, rng=1)
    >>> secret = np.array([1, 0, 0, 1, 1, 0, 1, 0])
    >>> reconstruct(A, noisy_answers(A, secret, 1.0, rng=2))
    array([1, 0, 0, 1, 1, 0, 1, 0])
    """
    A = _queries(queries).astype(float)
    b = check_array(answers, "answers", ndim=1, fix="Pass one answer per query.")
    if b.size != A.shape[0]:
        raise fail("answers", f"one answer per row of `queries` ({A.shape[0]})", b,
                   "Pass as many answers as queries.", show=f"{b.size} answers")
    method = check_choice(method, "method", METHODS, fix='Pass method="lstsq" or method="lp".')
    if method == "lstsq":
        x = _least_squares(A, b[:, None])[:, 0]
    else:
        from scipy.optimize import linprog

        m, n = A.shape
        # variables x (n) and t (m): minimise sum t with -t <= A x - b <= t, 0 <= x <= 1
        cost = np.concatenate([np.zeros(n), np.ones(m)])
        upper = np.block([[A, -np.eye(m)], [-A, -np.eye(m)]])
        bounds = [(0.0, 1.0)] * n + [(0.0, None)] * m
        solved = linprog(cost, A_ub=upper, b_ub=np.concatenate([b, -b]), bounds=bounds,
                         method="highs")
        x = solved.x[:n] if solved.success else np.full(n, 0.5)
    return (x >= 0.5).astype(np.int64)


@dataclasses.dataclass(frozen=True, eq=False)
class ReconstructionResult:
    """One reconstruction attack.

    Attributes
    ----------
    n, n_queries : int
    noise : float
        Largest error of an answer.
    method : str
    secret, recovered : ndarray of int64
    fraction : float
        Share of bits recovered.
    """

    n: int
    n_queries: int
    noise: float
    method: str
    secret: np.ndarray
    recovered: np.ndarray
    fraction: float

    def summary(self) -> str:
        """The result in one sentence."""
        return (f"{self.n_queries:,} subset sums answered with noise up to +/-{self.noise:g} "
                f"(sqrt(n) = {math.sqrt(self.n):.1f}): {self.method} recovers "
                f"{int(round(self.fraction * self.n))} of {self.n} secret bits "
                f"({self.fraction:.0%}; guessing gets about 50%).")


def reconstruction_attack(n: int = 100, n_queries: int = 400, noise: float = 0.0, *,
                          method: str = "lstsq", rng: SeedLike = None) -> ReconstructionResult:
    """Draw ``n`` secret bits, answer ``n_queries`` random subset sums with bounded noise, reconstruct.

    Parameters
    ----------
    n : int, default 100
        Secret bits (people), 1 to 10,000.
    n_queries : int, default 400
        Subset-sum queries, 1 to ``10**7 // n``.
    noise : float, default 0.0
        Largest error of an answer (uniform in ``[-noise, noise]``), >= 0.
    method : {"lstsq", "lp"}, default "lstsq"
    rng : None, int or numpy.random.Generator
        One generator for the secret, the queries and the noise, in that order.

    Returns
    -------
    ReconstructionResult

    Notes
    -----
    Introduced in notebook 01.

    Examples
    --------
    >>> reconstruction_attack(noise=2.0, rng=0).fraction
    1.0
    >>> reconstruction_attack(noise=100.0, rng=0).fraction
    0.59
    """
    n, n_queries = _check_sizes(n, n_queries)
    noise = check_noise_level(noise)
    method = check_choice(method, "method", METHODS, fix='Pass method="lstsq" or method="lp".')
    g = as_generator(rng)
    secret = g.integers(0, 2, size=n)
    A = subset_queries(n, n_queries, rng=g)
    recovered = reconstruct(A, noisy_answers(A, secret, noise, rng=g), method=method)
    return ReconstructionResult(n, n_queries, noise, method, secret, recovered,
                                float(np.mean(recovered == secret)))


@dataclasses.dataclass(frozen=True, eq=False)
class ReconstructionPoint:
    """The curve at one noise level: fractions per seed and the first seed's bits."""

    curve: "ReconstructionCurve"
    noise: float
    fractions: np.ndarray
    secret: np.ndarray
    recovered: np.ndarray

    @property
    def fraction(self) -> float:
        """Mean share of bits recovered over the seeds."""
        return float(self.fractions.mean())

    @property
    def n_queries(self) -> int:
        return self.curve.n_queries

    def summary(self) -> str:
        """The point in one sentence."""
        n = self.curve.n
        ratio = self.noise / math.sqrt(n)
        return (f"{self.curve.n_queries:,} random subset sums, each off by up to "
                f"{self.noise:g} ({ratio:.1f} x sqrt(n)): least squares recovers "
                f"{self.fraction:.0%} of the {n} secret bits (mean of {self.fractions.size} "
                f"databases; a coin gets 50%).")


@dataclasses.dataclass(frozen=True, eq=False)
class ReconstructionCurve:
    """Share of bits recovered by least squares against the noise bound.

    Attributes
    ----------
    n, n_queries, n_seeds : int
    noises : ndarray
        The noise bounds of the curve.
    fractions : ndarray of shape (n_seeds, len(noises))
    """

    n: int
    n_queries: int
    n_seeds: int
    noises: np.ndarray
    fractions: np.ndarray
    _secrets: np.ndarray = dataclasses.field(repr=False)
    _exact: np.ndarray = dataclasses.field(repr=False)
    _directions: np.ndarray = dataclasses.field(repr=False)

    @property
    def mean(self) -> np.ndarray:
        """Mean over seeds, per noise bound."""
        return self.fractions.mean(axis=0)

    @property
    def sqrt_n(self) -> float:
        return math.sqrt(self.n)

    def at(self, noise: float) -> ReconstructionPoint:
        """The attack at any noise bound (exact, with the same secrets, queries and noise draws)."""
        noise = check_noise_level(noise)
        recovered = _round(self._exact + noise * self._directions)
        fractions = np.mean(recovered == self._secrets, axis=1)
        return ReconstructionPoint(self, noise, fractions, self._secrets[0], recovered[0])


def _least_squares(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Least-squares solutions of ``A x = B[:, j]``: normal equations when well posed, else SVD.

    With at least twice as many random 0/1 rows as columns, ``A.T @ A`` is well
    conditioned and a Cholesky solve costs ``m n**2``, 10 to 100 times less than
    the SVD (which is kept for square and wide systems).
    """
    import scipy.linalg
    from threadpoolctl import threadpool_limits

    m, n = A.shape
    # one BLAS thread: at these sizes threads only add waiting on a busy machine
    with threadpool_limits(limits=1, user_api="blas"):
        if m >= 2 * n:
            try:
                return scipy.linalg.solve(A.T @ A, A.T @ B, assume_a="pos")
            except (np.linalg.LinAlgError, ValueError):  # pragma: no cover - singular: SVD
                pass
        return np.linalg.lstsq(A, B, rcond=None)[0]


def _round(x: np.ndarray) -> np.ndarray:
    return (x >= 0.5).astype(np.int64)


@functools.lru_cache(maxsize=64)
def _curve(n: int, n_queries: int, n_seeds: int, noises: tuple[float, ...],
           seed: int) -> ReconstructionCurve:
    # least squares is linear: x_hat = L(A s) + noise * L(u) with u uniform in [-1, 1]^m, and
    # L(A s) = s when m >= n (full column rank), so one u per seed gives the whole curve with
    # common random numbers
    streams = np.random.SeedSequence(seed).spawn(n_seeds)
    secrets, directions, bases = [], [], []
    for stream in streams:
        g = np.random.default_rng(stream)
        s = g.integers(0, 2, size=n)
        A = subset_queries(n, n_queries, rng=g).astype(float)
        u = g.uniform(-1.0, 1.0, size=n_queries)
        exact, direction = _least_squares(A, np.column_stack([A @ s, u])).T
        secrets.append(exact)
        directions.append(direction)
        bases.append(s)
    base = np.array(bases)
    exact = np.array(secrets)
    direction = np.array(directions)
    grid = np.asarray(noises)
    recovered = _round(exact[:, None, :] + grid[None, :, None] * direction[:, None, :])
    fractions = np.mean(recovered == base[:, None, :], axis=2)
    for a in (grid, fractions, base, exact, direction):
        a.setflags(write=False)
    return ReconstructionCurve(n, n_queries, n_seeds, grid, fractions, base, exact, direction)


def reconstruction_curve(n: int = 100, n_queries: int = 400, noises: Any = None, *,
                         n_seeds: int = 5, rng: SeedLike = 0) -> ReconstructionCurve:
    """Share of secret bits that least squares recovers, against the noise bound.

    For each of ``n_seeds`` databases (a secret, random queries and one draw of
    uniform noise directions), the whole curve uses the same draws scaled by
    each noise bound (common random numbers), so it changes only with the
    noise. Cached: the same arguments return the same object.

    Parameters
    ----------
    n : int, default 100
    n_queries : int, default 400
    noises : array-like, optional
        Noise bounds, by default 0 to ``5 sqrt(n)`` in 61 steps.
    n_seeds : int, default 5
        1 to 100.
    rng : int or numpy.random.Generator, default 0
        Seed of the databases (a Generator gives one integer seed).

    Returns
    -------
    ReconstructionCurve

    Notes
    -----
    Introduced in notebook 01. About 5 ms for the defaults.

    Examples
    --------
    >>> curve = reconstruction_curve()
    >>> round(float(curve.at(2.0).fraction), 2), round(float(curve.at(50.0).fraction), 2)
    (1.0, 0.57)
    """
    n, n_queries = _check_sizes(n, n_queries)
    n_seeds = check_integer(n_seeds, "n_seeds", minimum=1, maximum=100, fix="Pass e.g. n_seeds=5.")
    if noises is None:
        noises = np.linspace(0.0, 5.0 * math.sqrt(n), 61)
    grid = check_array(noises, "noises", ndim=1, fix="Pass e.g. noises=np.linspace(0, 50, 51).")
    if np.any(grid < 0) or np.any(np.diff(grid) <= 0):
        raise fail("noises", "increasing noise bounds >= 0", grid,
                   "Pass e.g. noises=np.linspace(0, 50, 51).")
    for value in grid:
        check_noise_level(float(value), "noises")
    if isinstance(rng, np.random.Generator):
        seed = int(rng.integers(0, 2**63 - 1))
    else:
        seed = int(as_generator(rng).integers(0, 2**63 - 1)) if rng is None else check_integer(
            rng, "rng", minimum=0, fix="Pass an integer seed, e.g. rng=0.")
    return _curve(n, n_queries, n_seeds, tuple(float(v) for v in grid), seed)
