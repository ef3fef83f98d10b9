r"""The floating-point attack on the textbook Laplace mechanism (Mironov 2012).

On paper the Laplace mechanism adds a real number drawn from :math:`\mathrm{Lap}(b)`, and
every real number is a possible output whatever the input. In a computer the noise is
computed from a 53-bit uniform number ``U`` (numpy's ``Generator.laplace``, the inverse CDF)

.. math:: n(U) = \begin{cases} b \log(2U) & U < 1/2 \\ -b \log(2 - 2U) & U \ge 1/2
          \end{cases}, \qquad U \in \{1, 2, \dots, 2^{53} - 1\} / 2^{53},

and the release is the double ``fl(x + n(U))``. There are fewer than :math:`2^{53}` values of
``U``, far fewer than doubles near ``x``, and the rounding of ``x + n`` depends on ``x``: the
set of doubles the mechanism can output from ``x = 0`` and the set it can output from
``x = 1`` overlap only in part. A release outside one set *proves* that the other input
produced it -- a privacy loss of infinity, which no ``epsilon`` allows [M12]_.

The attacker here knows the mechanism (as Kerckhoffs would have it) and the two
neighbouring candidates. :func:`could_release` decides, for each release, whether a given
input can produce it: ``fl(x + n(U))`` is non-decreasing in ``U``, so a binary search over
the :math:`2^{53}` values of ``U`` (54 steps, vectorised over releases) finds the ``U`` that
would have to have been drawn, and the release is possible exactly when that ``U`` maps to
it. :func:`floating_point_attack` guesses the only possible candidate, and flips a coin when
both are possible. Against ``LaplaceMechanism(..., secure=True)``, every multiple of the
grid step is possible from every input, so the attacker always flips a coin: success 1/2.

How much leaks depends on where the values lie. Near zero (a count of 0 or 1, a difference
of two queries) the doubles are fine-grained and the noise's :math:`2^{53}` values are
sparse among them: about 82% of releases prove the input at ``epsilon=1`` (candidates 0 and
1), and the attacker is right 91% of the time, far above the 73% that ``epsilon=1``
allows. Far from zero (``|x|`` much larger than the noise scale) the output's last bit is
coarser than the noise's steps and most doubles are possible from both inputs: at 10 vs 11
about 12% of releases prove the input, at 100 vs 101 about 2% -- still an infinite privacy
loss for those people.

``log`` is computed with :func:`math.log`, the C library's function that numpy's sampler
calls (numpy's vectorised ``np.log`` differs from it in the last bit for about 0.4% of
arguments on some CPUs, which would spoil the exact replay).

Introduced in notebook 03.

References
----------
.. [M12] I. Mironov. On significance of the least significant bits for differential
   privacy. CCS 2012.
.. [CKS20] C. L. Canonne, G. Kamath, T. Steinke. The discrete Gaussian for differential
   privacy. NeurIPS 2020.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._random import SeedLike, as_generator, spawn
from .._validation import check_array, check_bool, check_real, check_size, fail
from ..dp.mechanisms import LaplaceMechanism

__all__ = [
    "naive_laplace_noise",
    "could_release",
    "floating_point_attack",
    "FloatingPointResult",
    "floating_point_experiment",
    "float_bits",
]

_TWO53 = 1 << 53
_log = np.frompyfunc(math.log, 1, 1)  # the C library's log, element by element


def naive_laplace_noise(k: Any, scale: float) -> np.ndarray:
    """The noise numpy's ``Generator.laplace(0, scale)`` returns when its uniform is ``k / 2**53``.

    numpy draws ``U = k / 2**53`` with ``k`` uniform in ``1 .. 2**53 - 1`` (the top 53 bits
    of a 64-bit word; ``k = 0`` is redrawn) and returns ``0 - scale * log(2 - U - U)`` if
    ``U >= 0.5``, else ``0 + scale * log(U + U)``, in that floating-point order.

    Parameters
    ----------
    k : array-like of int
        Integers in ``[1, 2**53 - 1]``.
    scale : float
        The noise scale ``b``.

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> word = np.random.default_rng(0).bit_generator.random_raw()
    >>> bool(naive_laplace_noise(word >> 11, 2.0) == g.laplace(0.0, 2.0))
    True
    """
    scale = check_real(scale, "scale")
    u = np.asarray(k, dtype=np.int64).astype(np.float64) * (1.0 / _TWO53)
    upper = u >= 0.5
    arg = np.where(upper, 2.0 - u - u, u + u)
    log = np.asarray(_log(arg), dtype=np.float64)
    return np.where(upper, 0.0 - scale * log, 0.0 + scale * log)


def _possible_naive(released: np.ndarray, value: float, scale: float) -> np.ndarray:
    """Binary search: the least ``k`` with ``fl(value + n(k)) >= released``; possible if equal."""
    lo = np.ones(released.shape, dtype=np.int64)
    hi = np.full(released.shape, _TWO53 - 1, dtype=np.int64)
    while True:
        active = lo < hi
        if not active.any():
            break
        mid = lo + (hi - lo) // 2
        reached = (naive_laplace_noise(mid, scale) + value) >= released
        hi = np.where(active & reached, mid, hi)
        lo = np.where(active & ~reached, mid + 1, lo)
    return (naive_laplace_noise(lo, scale) + value) == released


def could_release(mechanism: LaplaceMechanism, value: float, released: Any) -> Any:
    """Whether ``mechanism.release(value)`` can output exactly ``released`` (element-wise).

    For the textbook mechanism (``secure=False``) this replays numpy's sampler: ``released``
    is possible exactly when some 53-bit uniform gives ``fl(value + n(U)) == released``
    (found by binary search, since that is non-decreasing in ``U``). For
    ``secure=True`` the possible outputs are the multiples of ``mechanism.grid`` (within
    ``2**53`` steps), whatever ``value`` is.

    Parameters
    ----------
    mechanism : LaplaceMechanism
        The mechanism the attacker knows.
    value : float
        A candidate true value.
    released : float or array-like
        Released value(s).

    Returns
    -------
    bool or numpy.ndarray of bool

    Examples
    --------
    >>> mech = LaplaceMechanism(epsilon=1.0)
    >>> y = mech.release(0.0, rng=0)
    >>> bool(could_release(mech, 0.0, y)), bool(could_release(mech, 1.0, y))
    (True, False)
    >>> secure = LaplaceMechanism(epsilon=1.0, secure=True)
    >>> y = secure.release(0.0, rng=0)
    >>> bool(could_release(secure, 0.0, y)), bool(could_release(secure, 1.0, y))
    (True, True)
    """
    if not isinstance(mechanism, LaplaceMechanism):
        raise fail("mechanism", "a LaplaceMechanism", mechanism,
                   "Pass e.g. LaplaceMechanism(epsilon=1.0).", kind=TypeError)
    value = check_real(value, "value")
    y = check_array(released, "released", allow_empty=True)
    if mechanism.secure:
        steps = y / mechanism.grid
        possible = (steps == np.round(steps)) & (np.abs(steps) <= _TWO53)
    else:
        possible = _possible_naive(y, value, mechanism.scale)
    return bool(possible) if np.ndim(released) == 0 else possible


def floating_point_attack(mechanism: LaplaceMechanism, released: Any,
                          candidates: tuple[float, float], *,
                          rng: SeedLike = None) -> np.ndarray:
    """Guess which of two neighbouring inputs produced each release, from its bits.

    For each release: if only one candidate could have produced it (:func:`could_release`),
    guess that one -- the guess is then certainly right; otherwise flip a fair coin.

    Parameters
    ----------
    mechanism : LaplaceMechanism
        The mechanism that made the releases.
    released : array-like of float
        The releases.
    candidates : (float, float)
        The two possible true values, e.g. ``(0.0, 1.0)`` for a count with or without
        one person.
    rng : None, int or numpy.random.Generator
        The attacker's coin.

    Returns
    -------
    numpy.ndarray of int
        0 or 1 per release: the index of the guessed candidate.

    Examples
    --------
    >>> mech = LaplaceMechanism(epsilon=1.0)
    >>> releases = mech.release(np.array([0.0, 1.0, 1.0, 0.0]), rng=1)
    >>> floating_point_attack(mech, releases, (0.0, 1.0), rng=0).tolist()
    [0, 1, 1, 0]
    """
    y = check_array(released, "released", ndim=1, allow_empty=True)
    if len(candidates) != 2:
        raise fail("candidates", "a pair of values (x0, x1)", candidates,
                   "Pass e.g. candidates=(0.0, 1.0).")
    x0, x1 = (check_real(c, "candidates") for c in candidates)
    return _attack(mechanism, y, x0, x1, rng)[0]


def _attack(mechanism: LaplaceMechanism, y: np.ndarray, x0: float, x1: float,
            rng: SeedLike) -> tuple[np.ndarray, np.ndarray]:
    """Guesses, and which releases only one candidate could produce."""
    possible0 = could_release(mechanism, x0, y)
    possible1 = could_release(mechanism, x1, y)
    coin = as_generator(rng).integers(0, 2, size=y.shape)
    guess = np.where(possible0 & ~possible1, 0, np.where(possible1 & ~possible0, 1, coin))
    return guess, possible0 != possible1


@dataclass(frozen=True)
class FloatingPointResult:
    """Result of :func:`floating_point_experiment`.

    Attributes
    ----------
    epsilon, sensitivity : float
        The mechanism's parameters.
    secure : bool
        Whether the secure (grid, exact discrete noise) mechanism was attacked.
    candidates : (float, float)
        The two neighbouring true values.
    n_trials : int
        Releases attacked (the secret input was a fair coin each time).
    success_rate : float
        Fraction of correct guesses.
    certain_rate : float
        Fraction of releases only one candidate could produce (each one an input revealed
        with certainty: a privacy loss of infinity).
    """

    epsilon: float
    sensitivity: float
    secure: bool
    candidates: tuple[float, float]
    n_trials: int
    success_rate: float
    certain_rate: float

    @property
    def chance_tolerance(self) -> float:
        """Five binomial standard errors of a coin-flip success rate, ``5 * 0.5 / sqrt(n)``."""
        return 5.0 * 0.5 / math.sqrt(self.n_trials)

    @property
    def at_chance(self) -> bool:
        """Whether ``success_rate`` is within :attr:`chance_tolerance` of 1/2."""
        return abs(self.success_rate - 0.5) <= self.chance_tolerance

    @property
    def dp_bound(self) -> float:
        """The most any attacker can reach against an ``epsilon``-DP release, ``e^eps / (1 + e^eps)``."""
        return 1.0 / (1.0 + math.exp(-self.epsilon))


def floating_point_experiment(*, epsilon: float = 1.0, sensitivity: float = 1.0,
                              candidates: tuple[float, float] = (0.0, 1.0),
                              n_trials: int = 10_000, secure: bool = False,
                              rng: SeedLike = 0) -> FloatingPointResult:
    """Run the floating-point attack on many releases and measure its success.

    Each trial flips a fair coin for the secret input (one of ``candidates``), releases it
    with ``LaplaceMechanism(epsilon, sensitivity, secure=secure)`` and lets
    :func:`floating_point_attack` guess. Takes about 0.1 s per 5,000 trials.

    Parameters
    ----------
    epsilon, sensitivity : float
        The mechanism's parameters.
    candidates : (float, float), default (0.0, 1.0)
        Two neighbouring true values, at most ``sensitivity`` apart.
    n_trials : int, default 10000
        Number of releases, up to 10**7.
    secure : bool, default False
        Attack the secure mechanism instead of the textbook one.
    rng : None, int or numpy.random.Generator, default 0
        Seeds the secret inputs, the mechanism's noise and the attacker's coins (the secure
        mechanism then draws from PCG64, which has the same distribution as the CSPRNG but
        is reproducible: fine for measuring, not for deployment).

    Returns
    -------
    FloatingPointResult

    Examples
    --------
    >>> naive = floating_point_experiment(n_trials=2000, rng=0)
    >>> round(naive.success_rate, 3), round(naive.certain_rate, 3)
    (0.913, 0.822)
    >>> secure = floating_point_experiment(n_trials=2000, secure=True, rng=0)
    >>> round(secure.success_rate, 3), secure.certain_rate, secure.at_chance
    (0.515, 0.0, True)
    """
    mechanism = LaplaceMechanism(epsilon, sensitivity, secure=check_bool(secure, "secure"))
    if isinstance(candidates, (str, bytes)) or len(candidates) != 2:
        raise fail("candidates", "a pair of values (x0, x1)", candidates,
                   "Pass e.g. candidates=(0.0, 1.0).")
    x0, x1 = (check_real(c, "candidates") for c in candidates)
    if not 0 < abs(x1 - x0) <= mechanism.sensitivity:
        raise fail("candidates", f"two different values at most sensitivity="
                   f"{mechanism.sensitivity:g} apart (neighbouring inputs)", candidates,
                   "Pass e.g. candidates=(0.0, 1.0) with sensitivity=1.0.")
    n_trials = check_size(n_trials, "n_trials", fix="Pass e.g. n_trials=10_000.")
    secret_rng, noise_rng, coin_rng = spawn(rng, 3)
    secret = secret_rng.integers(0, 2, size=n_trials)
    released = mechanism.release(np.where(secret == 1, x1, x0), rng=noise_rng)
    guess, certain = _attack(mechanism, np.atleast_1d(released), x0, x1, coin_rng)
    return FloatingPointResult(epsilon=mechanism.epsilon, sensitivity=mechanism.sensitivity,
                               secure=mechanism.secure, candidates=(x0, x1), n_trials=n_trials,
                               success_rate=float(np.mean(guess == secret)),
                               certain_rate=float(np.mean(certain)))


def float_bits(x: float) -> str:
    """The 64 bits of a double as ``sign exponent mantissa``.

    Examples
    --------
    >>> float_bits(1.0)
    '0 01111111111 0000000000000000000000000000000000000000000000000000'
    >>> float_bits(-0.75)
    '1 01111111110 1000000000000000000000000000000000000000000000000000'
    """
    bits = format(struct.unpack("<Q", struct.pack("<d", check_real(x, "x")))[0], "064b")
    return f"{bits[0]} {bits[1:12]} {bits[12:]}"
