r"""Private queries on a column of data: count, sum, mean and histogram.

Each query computes its exact answer, then releases it with the
:class:`~ppml_lab.dp.mechanisms.LaplaceMechanism` at the query's sensitivity.
The unit of privacy is one example, and neighbouring datasets differ by
adding or removing one example, so even the number of examples ``n`` is
private: the count has sensitivity 1.

Bounds and clipping
-------------------
A sum, mean or histogram needs to know how far one example can move the
answer. ``bounds=(lower, upper)`` states it: every value is first *clipped*
into ``[lower, upper]``, and clipping is part of the mechanism (it is what
makes the sensitivity finite), not a repair of bad input. Values outside the
bounds are pulled to the nearest bound, which biases the answer, so choose
bounds that hold nearly every plausible value, and choose them **without
looking at the data**.

If ``bounds`` is left out, the data's own minimum and maximum are used and a
:class:`~ppml_lab.exceptions.PrivacyLeakWarning` is raised: bounds read off
the data depend on individual examples (the largest salary *is* somebody's
salary), which epsilon does not cover.

Empty data
----------
An empty ``x`` is a valid dataset (its neighbour is a dataset of one example)
and gets a noisy answer like any other; raising an error instead would tell
an attacker that a filter matched nobody. Only bounds cannot be taken from
empty data.

Budgets
-------
Every query takes ``accountant=``, a :class:`~ppml_lab.dp.BudgetAccountant`
(or a parallel block of one), which is charged the query's ``epsilon`` before
any noise is drawn; if it refuses, the query raises
:class:`~ppml_lab.exceptions.BudgetExceededError` and releases nothing. There
is no default ledger (introduced in notebook 04).

Floating point
--------------
``secure=True`` releases every Laplace answer with ``LaplaceMechanism(..., secure=True)``: on
a power-of-two grid, with exact discrete Laplace noise from the operating system's CSPRNG,
so that the bits of a release do not give the input away (the floating-point attack,
:mod:`ppml_lab.attacks.floating_point`). A seeded ``rng`` then is reproducible and not
secure (lessons only).

Introduced in notebook 03.

References
----------
.. [DMNS06] C. Dwork, F. McSherry, K. Nissim, A. Smith. Calibrating noise to
   sensitivity in private data analysis. TCC 2006.
.. [DR14] C. Dwork, A. Roth. The algorithmic foundations of differential
   privacy. 2014. (Section 3.3: counts and histograms.)
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
import numpy.typing as npt

from .._random import SeedLike, as_generator
from .._validation import check_array, check_bins, check_bounds, check_epsilon, fail
from ..exceptions import PrivacyLeakWarning
from .budget import SupportsSpend, _spend_on
from .mechanisms import LaplaceMechanism

__all__ = ["dp_count", "dp_sum", "dp_mean", "dp_histogram", "DPHistogram"]

_BOUNDS_FIX = ("Pass bounds that hold every plausible value, chosen without looking at the "
               "data, e.g. bounds=(0, 100).")


def _values(x: Any) -> np.ndarray:
    """A one-dimensional float array of finite values (possibly empty)."""
    return check_array(x, "x", ndim=1, allow_empty=True)


def _bounds(data: np.ndarray, bounds: Any, query: str, epsilon: float) -> tuple[float, float]:
    """Checked ``bounds``, or the data's min and max with a PrivacyLeakWarning."""
    if bounds is not None:
        return check_bounds(bounds)
    if data.size == 0:
        raise fail("bounds", "given when `x` is empty (there is no minimum or maximum to "
                   "take)", bounds, _BOUNDS_FIX)
    warnings.warn(
        f"{query}: `bounds` were not given, so they were taken from the data's minimum and "
        f"maximum. Those depend on individual examples, so the result leaks more than "
        f"epsilon={epsilon:g} promises. {_BOUNDS_FIX}",
        PrivacyLeakWarning, stacklevel=3)
    lower, upper = float(data.min()), float(data.max())
    if not lower < upper:
        raise fail("x", "at least two distinct values when bounds=None (the bounds are taken "
                   "from its minimum and maximum)", data, _BOUNDS_FIX,
                   show="values that are all equal")
    return lower, upper


def dp_count(x: Any, *, epsilon: float, rng: SeedLike = None,
             accountant: SupportsSpend | None = None, secure: bool = False) -> float:
    r"""Differentially private number of examples in ``x``.

    .. math:: \tilde n = n + \mathrm{Lap}(1/\varepsilon)

    Adding or removing one example changes the count by 1, so the
    sensitivity is 1 and the noise has scale ``1 / epsilon`` (standard
    deviation ``sqrt(2) / epsilon``), whatever ``n`` is. The result is an
    unbiased float; rounding it or clipping it at 0 is post-processing and
    costs no privacy.

    Introduced in notebook 03.

    Parameters
    ----------
    x : array-like of shape (n,) or (n, d)
        The examples (rows); their values are not used. To count the examples
        that meet a condition, pass ``x[condition]``, not the boolean mask.
    epsilon : float
        Privacy parameter, > 0.
    rng : None, int or numpy.random.Generator
        Source of randomness.
    accountant : BudgetAccountant or ParallelBlock, optional
        If given, ``epsilon`` is spent on it (label ``"dp_count"``) before any
        noise is drawn; if it refuses (``BudgetExceededError``), nothing is
        released. Introduced in notebook 04.
    secure : bool, default False
        Use ``LaplaceMechanism(..., secure=True)``: exact discrete Laplace noise on a grid,
        from the OS CSPRNG unless ``rng`` is given (see "Floating point" above).

    Returns
    -------
    float

    Examples
    --------
    >>> ages = np.array([23, 35, 47, 52, 61, 38])
    >>> round(dp_count(ages[ages > 40], epsilon=1.0, rng=0), 3)
    3.32
    """
    epsilon = check_epsilon(epsilon)
    data = check_array(x, "x", ndim=(1, 2), dtype=None, allow_empty=True, finite=False,
                       fix="dp_count counts the examples (rows) of x; to count those that meet "
                           "a condition pass x[condition], not the mask.")
    mechanism = LaplaceMechanism(epsilon, sensitivity=1.0, secure=secure)
    _spend_on(accountant, epsilon, label="dp_count")
    return mechanism.release(float(data.shape[0]), rng=rng)


def dp_sum(x: Any, *, epsilon: float, bounds: tuple[float, float] | None = None,
           rng: SeedLike = None, accountant: SupportsSpend | None = None,
           secure: bool = False) -> float:
    r"""Differentially private sum of ``x``, clipped into ``bounds``.

    .. math:: \tilde S = \sum_i \mathrm{clip}(x_i, L, U) + \mathrm{Lap}(\Delta/\varepsilon),
              \qquad \Delta = \max(|L|, |U|)

    Adding or removing one example changes the clipped sum by the clipped
    value itself, at most ``max(|lower|, |upper|)`` in absolute value: that
    is the sensitivity. (Under replace-one neighbours it would be
    ``upper - lower``.) The result is unbiased for the *clipped* sum.

    Introduced in notebook 03.

    Parameters
    ----------
    x : array-like of shape (n,)
        Finite values.
    epsilon : float
        Privacy parameter, > 0.
    bounds : (float, float), optional
        ``(lower, upper)``; values are clipped into it. Choose it without
        looking at the data. If None, the data's min and max are used and a
        :class:`~ppml_lab.exceptions.PrivacyLeakWarning` is raised.
    rng : None, int or numpy.random.Generator
        Source of randomness.
    accountant : BudgetAccountant or ParallelBlock, optional
        If given, ``epsilon`` is spent on it (label ``"dp_sum"``) before any
        noise is drawn; if it refuses (``BudgetExceededError``), nothing is
        released. Introduced in notebook 04.
    secure : bool, default False
        Use ``LaplaceMechanism(..., secure=True)``: exact discrete Laplace noise on a grid,
        from the OS CSPRNG unless ``rng`` is given (see "Floating point" above).

    Returns
    -------
    float

    Examples
    --------
    >>> ages = [23, 35, 47, 52, 61, 38, 120]
    >>> round(dp_sum(ages, epsilon=1.0, bounds=(0, 100), rng=0), 1)
    388.0

    The true clipped sum is 356 (the 120 counts as 100); the noise has scale
    100 / epsilon = 100.
    """
    epsilon = check_epsilon(epsilon)
    data = _values(x)
    lower, upper = _bounds(data, bounds, "dp_sum", epsilon)
    total = float(np.sum(np.clip(data, lower, upper)))
    mechanism = LaplaceMechanism(epsilon, sensitivity=max(abs(lower), abs(upper)), secure=secure)
    _spend_on(accountant, epsilon, label="dp_sum")
    return mechanism.release(total, rng=rng)


def dp_mean(x: Any, *, epsilon: float, bounds: tuple[float, float] | None = None,
            rng: SeedLike = None, accountant: SupportsSpend | None = None,
            secure: bool = False) -> float:
    r"""Differentially private mean of ``x``, clipped into ``bounds``.

    Under add/remove-one neighbours the number of examples ``n`` is itself
    private, so it cannot be used as a known denominator. The mean is the
    ratio of two Laplace releases, each with half of ``epsilon`` (basic
    composition adds them up to ``epsilon``):

    .. math::

        m = \tfrac{L + U}{2}, \qquad
        \tilde S = \sum_i (\mathrm{clip}(x_i, L, U) - m)
                   + \mathrm{Lap}\!\left(\tfrac{(U - L)/2}{\varepsilon/2}\right), \qquad
        \tilde n = n + \mathrm{Lap}\!\left(\tfrac{1}{\varepsilon/2}\right),

        \widetilde{\mathrm{mean}} = \mathrm{clip}\!\left(m + \frac{\tilde S}{\max(\tilde n, 1)},
                                   \ L,\ U\right).

    Summing the values *centred* at the midpoint ``m`` lowers the sum's
    sensitivity from ``max(|L|, |U|)`` to ``(U - L) / 2`` (think of years
    between 1900 and 2020). The final ``max`` and ``clip`` are
    post-processing: they cost no privacy and only remove impossible answers
    when ``n`` is tiny. For large ``n`` the estimate is nearly unbiased, with
    standard deviation about
    :math:`\tfrac{2\sqrt2}{\varepsilon n}\sqrt{((U-L)/2)^2 + (\mathrm{mean} - m)^2}`.

    Introduced in notebook 03.

    Parameters
    ----------
    x : array-like of shape (n,)
        Finite values.
    epsilon : float
        Total privacy parameter, > 0 (half for the sum, half for the count).
    bounds : (float, float), optional
        ``(lower, upper)``; values are clipped into it. Choose it without
        looking at the data. If None, the data's min and max are used and a
        :class:`~ppml_lab.exceptions.PrivacyLeakWarning` is raised.
    rng : None, int or numpy.random.Generator
        Source of randomness.
    accountant : BudgetAccountant or ParallelBlock, optional
        If given, ``epsilon`` is spent on it (label ``"dp_mean"``) before any
        noise is drawn; if it refuses (``BudgetExceededError``), nothing is
        released. Introduced in notebook 04.
    secure : bool, default False
        Use ``LaplaceMechanism(..., secure=True)``: exact discrete Laplace noise on a grid,
        from the OS CSPRNG unless ``rng`` is given (see "Floating point" above).

    Returns
    -------
    float

    Examples
    --------
    >>> x = np.full(1000, 40.0)
    >>> round(dp_mean(x, epsilon=1.0, bounds=(0, 100), rng=0), 2)
    40.02
    """
    epsilon = check_epsilon(epsilon)
    data = _values(x)
    lower, upper = _bounds(data, bounds, "dp_mean", epsilon)
    midpoint, half_width = (lower + upper) / 2.0, (upper - lower) / 2.0
    # secure with rng=None: each release reads the OS CSPRNG itself (not a numpy Generator)
    gen = None if secure and rng is None else as_generator(rng)
    centred_sum = float(np.sum(np.clip(data, lower, upper) - midpoint))
    sum_mechanism = LaplaceMechanism(epsilon / 2.0, sensitivity=half_width, secure=secure)
    count_mechanism = LaplaceMechanism(epsilon / 2.0, sensitivity=1.0, secure=secure)
    _spend_on(accountant, epsilon, label="dp_mean")  # both halves, before any noise
    noisy_sum = sum_mechanism.release(centred_sum, rng=gen)
    noisy_n = count_mechanism.release(float(data.size), rng=gen)
    mean = midpoint + noisy_sum / max(noisy_n, 1.0)
    return float(min(max(mean, lower), upper))


@dataclass(frozen=True)
class DPHistogram:
    """Result of :func:`dp_histogram`: noisy counts and the bin edges.

    Unpacks like :func:`numpy.histogram`: ``counts, edges = dp_histogram(...)``.

    Attributes
    ----------
    counts : numpy.ndarray of shape (n_bins,)
        Noisy counts (floats; they may be negative or non-integer: rounding
        or clipping them at 0 is free post-processing).
    edges : numpy.ndarray of shape (n_bins + 1,)
        Bin edges; the first and last are the bounds.
    epsilon : float
        Privacy parameter the histogram was released with.
    scale : float
        Scale ``1 / epsilon`` of the Laplace noise on every count.
    """

    counts: np.ndarray
    edges: np.ndarray
    epsilon: float
    scale: float

    @property
    def std(self) -> float:
        """Standard deviation ``sqrt(2) * scale`` of the noise on each count."""
        return math.sqrt(2.0) * self.scale

    def __iter__(self) -> Iterator[np.ndarray]:
        yield self.counts
        yield self.edges


def dp_histogram(x: Any, *, epsilon: float, bins: int | npt.ArrayLike = 10,
                 bounds: tuple[float, float] | None = None, rng: SeedLike = None,
                 accountant: SupportsSpend | None = None, secure: bool = False) -> DPHistogram:
    r"""Differentially private histogram of ``x``.

    Values are clipped into the bounds (so each example lands in exactly one
    bin, the outermost bins catching what lies beyond), counted, and every
    count gets independent :math:`\mathrm{Lap}(1/\varepsilon)` noise. Adding
    or removing one example changes a single count by 1, so the vector of
    counts has L1 sensitivity 1 and the whole histogram is ``epsilon``-DP,
    however many bins there are (parallel composition). (Under replace-one
    neighbours two counts change and the sensitivity is 2.)

    Introduced in notebook 03.

    Parameters
    ----------
    x : array-like of shape (n,)
        Finite values.
    epsilon : float
        Privacy parameter, > 0.
    bins : int or array-like of float, default 10
        Number of equal-width bins between the bounds, or strictly increasing
        bin edges (which then *are* the bounds: leave ``bounds`` out).
    bounds : (float, float), optional
        ``(lower, upper)`` when ``bins`` is a number. If None, the data's min
        and max are used and a
        :class:`~ppml_lab.exceptions.PrivacyLeakWarning` is raised.
    rng : None, int or numpy.random.Generator
        Source of randomness.
    accountant : BudgetAccountant or ParallelBlock, optional
        If given, ``epsilon`` is spent on it (label ``"dp_histogram"``) before any
        noise is drawn; if it refuses (``BudgetExceededError``), nothing is
        released. Introduced in notebook 04.
    secure : bool, default False
        Use ``LaplaceMechanism(..., secure=True)``: exact discrete Laplace noise on a grid,
        from the OS CSPRNG unless ``rng`` is given (see "Floating point" above).

    Returns
    -------
    DPHistogram
        ``counts``, ``edges``, ``epsilon`` and ``scale``; unpacks as
        ``counts, edges``.

    Examples
    --------
    >>> ages = [23, 35, 47, 52, 61, 38, 120]
    >>> counts, edges = dp_histogram(ages, epsilon=1.0, bins=4, bounds=(0, 100), rng=0)
    >>> edges.tolist()
    [0.0, 25.0, 50.0, 75.0, 100.0]
    >>> np.round(counts, 1).tolist()
    [1.3, 2.4, -0.5, -2.4]

    The true counts are 1, 3, 2, 1 (the 120 lands in the last bin): at
    epsilon=1 the noise (standard deviation 1.4) swamps counts this small.
    """
    epsilon = check_epsilon(epsilon)
    data = _values(x)
    bins = check_bins(bins)
    if isinstance(bins, np.ndarray):
        if bounds is not None:
            raise fail("bounds", "None when `bins` gives the bin edges (the edges are the "
                       "bounds)", bounds, "Pass either bins=<number> with bounds=(lower, upper) "
                       "or the bin edges alone.")
        edges = bins
        lower, upper = float(edges[0]), float(edges[-1])
    else:
        lower, upper = _bounds(data, bounds, "dp_histogram", epsilon)
        edges = np.linspace(lower, upper, bins + 1)
    counts, _ = np.histogram(np.clip(data, lower, upper), bins=edges)
    mechanism = LaplaceMechanism(epsilon, sensitivity=1.0, secure=secure)
    _spend_on(accountant, epsilon, label="dp_histogram")
    noisy = mechanism.release(counts.astype(float), rng=rng)
    return DPHistogram(counts=noisy, edges=edges, epsilon=epsilon, scale=mechanism.scale)
