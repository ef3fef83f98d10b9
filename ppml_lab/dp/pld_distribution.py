r"""Privacy loss distributions (PLDs) on a grid: build them, compose them, read off epsilon.

For the output distributions :math:`P` and :math:`Q` of a mechanism on two
neighbouring datasets, the *privacy loss* of an outcome :math:`o` is
:math:`L(o) = \log P(o) / Q(o)`, and its distribution when :math:`o \sim P` is
the privacy loss distribution [MM18]_ [SMM19]_. It holds everything about
(epsilon, delta)-DP: delta is the hockey-stick divergence

.. math:: \delta(\varepsilon) = P[L = \infty] + E_P\big[(1 - e^{\varepsilon - L})_+\big],

and composing two mechanisms *adds* their losses, so the PLD of a composition is
the convolution of their PLDs [SMM19]_. On a grid of losses ``interval`` apart a
PLD is an array of probabilities, a convolution is a product of Fourier
transforms, and k-fold composition is one FFT, a k-th power and one inverse FFT
[KJH20]_.

Every approximation here is *pessimistic*: it can only raise delta, so the
epsilon read off is never below the true one.

* Discretisation. :meth:`~PrivacyLossDistribution.from_loss_tail` rounds each
  loss *up* to the grid ("privacy buckets" [MM18]_). It is simple and safe, but
  each step overstates the loss by up to one interval, and over thousands of
  steps that adds up. :meth:`~PrivacyLossDistribution.from_hockey_stick`
  "connects the dots" [DGKKM22]_: it places mass on the grid so that delta is
  exact at every grid point and above the true curve in between, with no drift.
* Tails. Mass cut off at the top is moved to the infinite loss; mass cut off at
  the bottom is moved up to the lowest loss kept.
* FFT wrap-around. A cyclic convolution folds mass outside its window back in; a
  Chernoff bound [KJH20]_ chooses the window so that at most ``tail_mass`` lies
  outside, and that much is added to the infinite loss.

Introduced in notebook 04.

References
----------
.. [MM18] S. Meiser, E. Mohammadi. Tight on budget? Tight bounds for r-fold
   approximate differential privacy. CCS 2018. (Privacy buckets.)
.. [SMM19] D. Sommer, S. Meiser, E. Mohammadi. Privacy loss classes: the central
   limit theorem in differential privacy. PoPETs 2019.
.. [KJH20] A. Koskela, J. Jälkö, A. Honkela. Computing tight differential privacy
   guarantees using FFT. AISTATS 2020.
.. [DGKKM22] V. Doroshenko, B. Ghazi, P. Kamath, R. Kumar, P. Manurangsi. Connect
   the dots: tighter discrete approximations of privacy loss distributions.
   PoPETs 2022. (Algorithm 1.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import fft, optimize, signal

from .._validation import (check_array, check_integer, check_positive, check_probability,
                           fail)

__all__ = ["PrivacyLossDistribution", "TAIL_MASS", "MAX_POINTS"]

#: Probability mass that one truncation may move (to the infinite loss, or up). It adds at
#: most this much to delta, far below any delta worth reporting.
TAIL_MASS = 1e-15

#: Largest grid a distribution may have (about 130 MB of float64).
MAX_POINTS = 2**24

Curve = Callable[[np.ndarray], np.ndarray]


def _check_size(n_points: int, interval: float) -> None:
    if n_points > MAX_POINTS:
        raise fail("value_discretization_interval",
                   f"coarse enough for the privacy loss distribution to fit in {MAX_POINTS} "
                   f"grid points (it needs {n_points:.3g})", interval,
                   "Pass a larger interval, e.g. value_discretization_interval=1e-3, or use "
                   "more noise.")


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of ``a * b``, without BLAS (whose threaded dot can be 1000x slower on a busy machine)."""
    return float(np.sum(a * b))


def _grid(loss_range: tuple[float, float], interval: float) -> tuple[int, np.ndarray]:
    """The grid points covering ``loss_range``: (index of the first, losses)."""
    first = math.floor(loss_range[0] / interval)
    first -= first * interval > loss_range[0]  # float rounding must not cut into the range
    last = max(math.ceil(loss_range[1] / interval), first)
    last += last * interval < loss_range[1]
    _check_size(last - first + 1, interval)
    return first, np.arange(first, last + 1) * interval


@dataclass(frozen=True, repr=False, eq=False)
class PrivacyLossDistribution:
    r"""A privacy loss distribution on the grid ``(offset + i) * interval``.

    ``probs[i]`` is the probability of the loss ``(offset + i) * interval`` and
    ``infinity_mass`` that of an infinite loss (outcomes that only one dataset
    can produce). Instances are immutable; composing returns a new one.

    Parameters
    ----------
    interval : float
        Spacing of the loss grid (dp-accounting's ``value_discretization_interval``).
    offset : int
        Grid index of ``probs[0]``.
    probs : numpy.ndarray
        Probabilities of the finite losses, >= 0.
    infinity_mass : float, default 0.0
        Probability of an infinite loss.

    Examples
    --------
    Randomized response with epsilon = 1: the loss is +1 or -1.

    >>> p = 1 / (1 + math.exp(-1))  # probability of telling the truth
    >>> rr = PrivacyLossDistribution(1.0, -1, np.array([1 - p, 0.0, p]))
    >>> rr
    PrivacyLossDistribution(interval=1, losses=[-1, 1] (3 points), infinity_mass=0)
    >>> rr.get_epsilon(delta=0.0)
    1.0
    >>> two = rr.self_compose(2)  # two answers: loss 2, 0 or -2
    >>> round(two.get_delta(epsilon=1.0), 4), round(p**2 * (1 - math.exp(-1)), 4)
    (0.3378, 0.3378)
    """

    interval: float
    offset: int
    probs: np.ndarray
    infinity_mass: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "interval", check_positive(self.interval, "interval"))
        object.__setattr__(self, "offset", check_integer(self.offset, "offset"))
        probs = check_array(self.probs, "probs", ndim=1).copy()  # a private, read-only copy
        if np.any(probs < 0):
            raise fail("probs", "non-negative probabilities", probs)
        probs.setflags(write=False)
        object.__setattr__(self, "probs", probs)
        object.__setattr__(self, "infinity_mass", check_probability(
            self.infinity_mass, "infinity_mass", low_open=False, high_open=False))

    def __repr__(self) -> str:
        low, high = self.offset * self.interval, (self.offset + self.probs.size - 1) * self.interval
        return (f"PrivacyLossDistribution(interval={self.interval:g}, losses=[{low:.6g}, "
                f"{high:.6g}] ({self.probs.size} points), infinity_mass={self.infinity_mass:.3g})")

    @property
    def losses(self) -> np.ndarray:
        """The finite losses of the grid, one per entry of ``probs``."""
        return (self.offset + np.arange(self.probs.size)) * self.interval

    # --- building a PLD from a mechanism's curve --------------------------------------------------

    @classmethod
    def identity(cls, interval: float) -> "PrivacyLossDistribution":
        """The PLD of doing nothing: loss 0 with probability 1."""
        return cls(interval, 0, np.ones(1))

    @classmethod
    def from_hockey_stick(cls, delta_of: Curve, loss_range: tuple[float, float],
                          interval: float) -> "PrivacyLossDistribution":
        r"""Connect the dots [DGKKM22]_: a PLD whose delta is exact at every grid point.

        With grid points :math:`\varepsilon_0 < \dots < \varepsilon_{n-1}` spaced
        :math:`h` apart and :math:`\delta_i = \delta(\varepsilon_i)`, the masses are

        .. math:: p_0 = 1 - \delta_0 + \frac{\delta_1 - \delta_0}{e^h - 1}, \quad
                  p_i = \frac{(\delta_{i+1} - \delta_i) - e^h(\delta_i - \delta_{i-1})}{e^h - 1},
                  \quad p_{n-1} = \frac{\delta_{n-1} - \delta_{n-2}}{e^{-h} - 1},

        and :math:`\delta_{n-1}` goes to the infinite loss. Between two grid
        points its delta is the chord of the true (convex in :math:`e^\varepsilon`)
        curve, so it lies above it: pessimistic for every epsilon.

        Parameters
        ----------
        delta_of : callable
            The mechanism's delta as a function of an array of epsilons (any real).
        loss_range : (float, float)
            Losses to cover; mass below is moved up to the lowest grid point and
            ``delta_of(top)`` goes to the infinite loss.
        interval : float
            Grid spacing.
        """
        first, epsilons = _grid(loss_range, interval)
        deltas = np.minimum.accumulate(np.clip(delta_of(epsilons), 0.0, 1.0))  # non-increasing
        if deltas.size == 1:
            return cls(interval, first, 1.0 - deltas, float(deltas[-1]))
        steps = np.diff(deltas)
        grow = math.expm1(interval)
        probs = np.empty_like(deltas)
        probs[0] = 1.0 - deltas[0] + steps[0] / grow
        probs[1:-1] = (steps[1:] - math.exp(interval) * steps[:-1]) / grow
        probs[-1] = steps[-1] / math.expm1(-interval)
        return cls(interval, first, np.maximum(probs, 0.0), float(deltas[-1]))

    @classmethod
    def from_loss_tail(cls, tail_of: Curve, loss_range: tuple[float, float],
                       interval: float) -> "PrivacyLossDistribution":
        r"""Privacy buckets [MM18]_: round every loss up to the next grid point.

        The mass of the losses in :math:`(\varepsilon_{i-1}, \varepsilon_i]` is
        :math:`T(\varepsilon_{i-1}) - T(\varepsilon_i)` with :math:`T(\varepsilon) =
        P[L > \varepsilon]`, and all of it goes to :math:`\varepsilon_i`. Losses at
        or below the first grid point go to it; those above the last to infinity.

        Parameters
        ----------
        tail_of : callable
            :math:`P[L > \varepsilon]` as a function of an array of epsilons.
        loss_range : (float, float)
            Losses to cover.
        interval : float
            Grid spacing.
        """
        first, epsilons = _grid(loss_range, interval)
        tails = np.minimum.accumulate(np.clip(tail_of(epsilons), 0.0, 1.0))
        probs = np.concatenate([[1.0 - tails[0]], -np.diff(tails)])
        return cls(interval, first, probs, float(tails[-1]))

    # --- composition ------------------------------------------------------------------------------

    def compose(self, other: "PrivacyLossDistribution",
                tail_mass: float = TAIL_MASS) -> "PrivacyLossDistribution":
        """The PLD of running both mechanisms: the convolution of the two PLDs.

        A loss is infinite when either is: ``1 - (1 - a)(1 - b)``.
        """
        if not isinstance(other, PrivacyLossDistribution):
            raise fail("other", "a PrivacyLossDistribution", other, kind=TypeError)
        if other.interval != self.interval:
            raise fail("other", f"a PrivacyLossDistribution with interval={self.interval:g}",
                       other, "Build both with the same value_discretization_interval.")
        _check_size(self.probs.size + other.probs.size - 1, self.interval)
        probs = np.maximum(signal.convolve(self.probs, other.probs), 0.0)  # FFT may give -1e-18
        a, b = self.infinity_mass, other.infinity_mass
        infinity = a + b - a * b
        composed = PrivacyLossDistribution(self.interval, self.offset + other.offset, probs,
                                           infinity)
        return composed.truncated(tail_mass)

    def self_compose(self, count: int, tail_mass: float = TAIL_MASS) -> "PrivacyLossDistribution":
        """The PLD of ``count`` independent runs: FFT, power ``count``, inverse FFT [KJH20]_.

        Only a window of the ``count``-fold sum is computed, chosen by a Chernoff
        bound so that at most ``tail_mass`` lies outside it; that mass (folded
        into the window by the cyclic convolution) is also added to the infinite
        loss, which keeps the result pessimistic.
        """
        count = check_integer(count, "count", minimum=1, fix="Pass e.g. count=100.")
        if count == 1:
            return self
        size_in = self.probs.size
        low, high = _chernoff_window(self.probs, count, tail_mass)
        size = high - low + 1
        _check_size(size, self.interval)
        length = fft.next_fast_len(size, real=True)
        # a cyclic convolution of length `length` needs only the input folded to that length
        folded = np.zeros(-(-size_in // length) * length)
        folded[:size_in] = self.probs
        folded = folded.reshape(-1, length).sum(axis=0)
        cyclic = fft.irfft(fft.rfft(folded) ** count, length)
        probs = np.maximum(np.roll(cyclic, -(low % length))[:size], 0.0)
        outside = tail_mass / 2 * ((low > 0) + (high < count * (size_in - 1)))
        infinity = -math.expm1(count * math.log1p(-self.infinity_mass)) + outside
        composed = PrivacyLossDistribution(self.interval, count * self.offset + low, probs,
                                           min(infinity, 1.0))
        return composed.truncated(tail_mass)

    def truncated(self, tail_mass: float = TAIL_MASS) -> "PrivacyLossDistribution":
        """Drop negligible tails, pessimistically: the top to infinity, the bottom moved up.

        At most ``tail_mass / 2`` moves at each end.
        """
        probs = self.probs
        below = np.cumsum(probs)               # mass at or below each point
        above = np.cumsum(probs[::-1])         # mass at or above each point, from the top
        first = int(np.searchsorted(below, tail_mass / 2, side="right"))
        n_top = int(np.searchsorted(above, tail_mass / 2, side="right"))
        last = probs.size - 1 - n_top
        if first >= last:  # nothing (sensible) to cut
            return self
        kept = probs[first:last + 1].copy()
        if first:
            kept[0] += below[first - 1]
        infinity = self.infinity_mass + (above[n_top - 1] if n_top else 0.0)
        return PrivacyLossDistribution(self.interval, self.offset + first, kept,
                                       min(infinity, 1.0))

    # --- reading off delta and epsilon ------------------------------------------------------------

    def get_delta(self, epsilon: float) -> float:
        r"""Delta at ``epsilon`` (any real number).

        .. math:: \delta(\varepsilon) = P[L=\infty] + \sum_{l > \varepsilon} p_l
                  (1 - e^{\varepsilon - l})
        """
        losses = self.losses
        above = losses > epsilon
        delta = self.infinity_mass + _dot(self.probs[above], -np.expm1(epsilon - losses[above]))
        return min(max(delta, 0.0), 1.0)

    def get_epsilon(self, delta: float) -> float:
        r"""Smallest epsilon >= 0 with :math:`\delta(\varepsilon) \le` ``delta`` (inf if none).

        Between two grid points :math:`l_{j-1} < \varepsilon \le l_j` the losses
        above epsilon are the same, so :math:`\delta(\varepsilon) = U_j -
        e^\varepsilon W_j` with :math:`U_j = P[L=\infty] + \sum_{i \ge j} p_i` and
        :math:`W_j = \sum_{i \ge j} p_i e^{-l_i}`. Find the first grid point where
        delta is small enough and solve for epsilon on its left.
        """
        if self.infinity_mass > delta:
            return math.inf
        losses = self.losses
        positive = losses > 0
        losses, probs = losses[positive], self.probs[positive]
        if losses.size == 0:
            return 0.0
        upper = self.infinity_mass + np.cumsum(probs[::-1])[::-1]         # U_j
        weighted = np.cumsum((probs * np.exp(-losses))[::-1])[::-1]       # W_j
        if upper[0] - weighted[0] <= delta:  # delta(0) is small enough
            return 0.0
        with np.errstate(divide="ignore"):  # log 0 = -inf where e^-l underflows: pessimistic
            log_weighted = np.log(weighted)
        at_grid = np.append(upper[1:] - np.exp(losses[:-1] + log_weighted[1:]), self.infinity_mass)
        j = int(np.argmax(at_grid <= delta))  # first grid point with delta(l_j) <= target
        left = losses[j - 1] if j > 0 else 0.0
        if upper[j] <= delta:
            return float(left)
        scaled = _dot(probs[j:], np.exp(losses[j] - losses[j:]))  # e^{l_j} W_j, no overflow
        epsilon = losses[j] + math.log((upper[j] - delta) / scaled)
        return float(min(max(epsilon, left), losses[j]))


def _chernoff_window(probs: np.ndarray, count: int, tail_mass: float) -> tuple[int, int]:
    r"""Positions ``(low, high)`` of the ``count``-fold sum outside which is at most ``tail_mass``.

    For the sum :math:`S` of ``count`` draws :math:`X` from ``probs`` (positions
    0, 1, ...) and any :math:`t > 0`, Chernoff's bound :math:`P[S \ge a] \le
    E[e^{tX}]^k e^{-ta}` set to ``tail_mass / 2`` gives the top end :math:`a(t)`;
    :math:`t < 0` gives the bottom end. Every :math:`t` gives a valid bound; the
    best one is searched for on a log grid, from the order that is best for a
    normal sum down to where the bound becomes trivial: a privacy loss can have
    one heavy tail (a rarely sampled mechanism: a tiny std, but rare large
    losses), which wants a much smaller :math:`|t|`.
    """
    n = probs.size
    full = count * (n - 1)
    total = probs.sum()
    if n == 1 or tail_mass <= 0 or total <= 0:
        return 0, full
    positions = np.arange(n, dtype=float)
    mean = _dot(probs, positions) / total
    centred = positions - mean
    std = math.sqrt(_dot(probs, centred**2) / total)
    if std == 0.0:
        return 0, full
    log_tail = math.log(2.0 / tail_mass)
    normal_t = math.sqrt(2.0 * log_tail / count) / std

    def edge(log_scale: float, sign: int) -> float:
        """The end a(t) for t = sign * normal_t * e^log_scale, times sign (to be minimised)."""
        t = sign * normal_t * math.exp(log_scale)
        shift = t * (centred[-1] if t > 0 else centred[0])  # the largest exponent
        log_mgf = shift + math.log(_dot(probs, np.exp(t * centred - shift)))  # log E[e^{t(X-mean)}]
        end = count * mean + (count * log_mgf + log_tail) / t
        return sign * end if math.isfinite(end) else math.inf

    # Any t gives a valid bound, but the best one can lie far from the normal order: a
    # rarely-sampled mechanism has a tiny std and a long tail, which wants a much smaller t.
    # Scan t on a log grid, from where the bound is no better than the full range
    # (t * full ~ log_tail) up to 8 times the normal order, then refine around the best.
    lowest = math.log(max(log_tail / (full * normal_t), 1e-12))
    scales = np.arange(min(lowest, math.log(1 / 64)), math.log(8) + 1.0, 1.0)
    ends = []
    for sign in (1, -1):
        best_scale = min(scales, key=lambda s: edge(s, sign))
        best = optimize.minimize_scalar(edge, bounds=(best_scale - 1.0, best_scale + 1.0),
                                        args=(sign,), method="bounded", options={"xatol": 0.05})
        ends.append(sign * min(best.fun, edge(best_scale, sign)))
    low, high = max(math.floor(ends[1]), 0), min(math.ceil(ends[0]), full)
    return (low, high) if low <= high else (0, full)
