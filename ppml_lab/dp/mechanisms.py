"""Differential-privacy mechanisms: Laplace, Gaussian, randomized response, exponential.

Each mechanism is a small immutable object, checked when it is built, whose
formula is visible in a few lines. Neighbouring datasets differ by adding or
removing one example; ``sensitivity`` is how much one example can move the
value being released (the L1 sensitivity for Laplace, L2 for Gaussian).

Introduced in notebook 03 (Laplace, Gaussian) and notebook 02 (randomized
response).

References
----------
.. [DMNS06] C. Dwork, F. McSherry, K. Nissim, A. Smith. Calibrating noise to
   sensitivity in private data analysis. TCC 2006.
.. [DR14] C. Dwork, A. Roth. The algorithmic foundations of differential
   privacy. 2014. (Theorem A.1: the classic Gaussian mechanism.)
.. [BW18] B. Balle, Y.-X. Wang. Improving the Gaussian mechanism for
   differential privacy: analytical calibration and optimal denoising.
   ICML 2018.
.. [W65] S. L. Warner. Randomized response. JASA 1965.
.. [KBR16] P. Kairouz, K. Bonawitz, D. Ramage. Discrete distribution
   estimation under local privacy. ICML 2016. (k-ary randomized response.)
.. [MT07] F. McSherry, K. Talwar. Mechanism design via differential privacy.
   FOCS 2007.
.. [M12] I. Mironov. On significance of the least significant bits for differential
   privacy. CCS 2012. (The floating-point attack on the textbook Laplace mechanism.)
.. [CKS20] C. L. Canonne, G. Kamath, T. Steinke. The discrete Gaussian for differential
   privacy. NeurIPS 2020. (Exact discrete Laplace sampling, used by ``secure=True``.)
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from scipy import optimize, special

from .._random import SeedLike, as_generator
from .._validation import (check_array, check_bool, check_choice, check_delta, check_epsilon,
                           check_integer, check_positive, check_power_of_two, check_real,
                           check_sensitivity, fail)
from .budget import SupportsSpend, _spend_on
from .discrete import MAX_SCALE_BITS, discrete_laplace, discrete_laplace_variance

__all__ = [
    "LaplaceMechanism",
    "GaussianMechanism",
    "RandomizedResponse",
    "ExponentialMechanism",
    "report_noisy_max",
    "gaussian_delta",
]

# the checks live in _validation; these aliases keep the short private names
_check_epsilon = check_epsilon
_check_sensitivity = check_sensitivity


def _as_output(noisy: np.ndarray, like: Any) -> Any:
    """Return a Python float for scalar input and an array otherwise."""
    return float(noisy) if np.ndim(like) == 0 else noisy


@dataclass(frozen=True)
class LaplaceMechanism:
    r"""The Laplace mechanism: add Laplace noise of scale ``sensitivity / epsilon``.

    .. math:: M(x) = f(x) + \mathrm{Lap}(b), \qquad b = \Delta_1 f / \varepsilon

    It satisfies pure ``epsilon``-DP [DMNS06]_: for neighbouring inputs the
    output densities differ by a factor of at most :math:`e^\varepsilon`.

    That is a statement about real numbers. The default release computes the noise in
    floating point (numpy's inverse-CDF sampler, ``x + b * log(...)``), and which doubles
    it can produce depends on ``x``: some outputs are possible from one input and
    impossible from its neighbour, which the floating-point attack of Mironov [M12]_
    (:mod:`ppml_lab.attacks.floating_point`) reads off the bits of a single release.

    ``secure=True`` releases on a grid instead, with noise drawn exactly:

    .. math:: M(x) = g \cdot \big(\mathrm{round}(x / g) + Z\big), \qquad
              Z \sim \mathrm{Lap}_{\mathbb{Z}}(\tau), \quad
              \tau \ge \lceil \Delta / g \rceil / \varepsilon,

    where ``Z`` is discrete Laplace noise sampled in integer arithmetic (Canonne, Kamath
    and Steinke [CKS20]_; :func:`ppml_lab.dp.discrete_laplace`) from the operating system's
    CSPRNG. Every multiple of ``g`` is a possible output whatever ``x`` is, so the bits say
    nothing beyond what ``epsilon`` allows. Rounding ``x`` to the grid can move neighbouring
    inputs at most ``ceil(sensitivity / g)`` grid steps apart, which sets ``tau`` (in grid
    steps); ``tau`` is the smallest fraction with a 48-bit numerator not below that
    bound, so the guarantee is ``epsilon`` or slightly better (:attr:`grid_epsilon`).

    The grid step ``g`` is a power of two (so ``x / g`` and ``m * g`` are exact in
    floating point); by default the largest one at or below ``min(sensitivity, scale) /
    1024``: at least 1024 steps per sensitivity and per noise scale, so the rounding of
    ``x`` (at most ``g / 2``) and the ceiling above (noise scale at most ``1 + 1/1024``
    times ``sensitivity / epsilon``) are negligible.

    Parameters
    ----------
    epsilon : float
        Privacy parameter, > 0. Smaller is more private.
    sensitivity : float, default 1.0
        L1 sensitivity of the released value, > 0.
    secure : bool, default False
        Release on a grid with exact discrete Laplace noise (keyword only). Then
        ``release(..., rng=None)`` draws from the OS CSPRNG (ChaCha20 keyed from
        ``os.urandom``); a seeded ``rng`` is reproducible and **not secure** (lessons
        only). Introduced in notebook 03.
    grid : float, optional
        The grid step ``g`` when ``secure=True`` (keyword only): a power of two such as
        ``2**-10``, at most ``2**40`` steps per noise scale (the integer sampler's
        arithmetic, :data:`ppml_lab.dp.discrete.MAX_SCALE_BITS`). ``None`` derives it as
        above; after construction ``grid`` holds the step used.

    Examples
    --------
    >>> mech = LaplaceMechanism(epsilon=0.5)
    >>> mech.scale, mech.variance
    (2.0, 8.0)
    >>> round(mech.release(100, rng=0), 3)
    100.64
    >>> secure = LaplaceMechanism(epsilon=0.5, secure=True)
    >>> secure.grid == 2**-10, secure.grid_scale
    (True, Fraction(2048, 1))
    >>> y = secure.release(100, rng=0)
    >>> y, (y / secure.grid).is_integer()
    (101.7822265625, True)
    """

    epsilon: float
    sensitivity: float = 1.0
    _: KW_ONLY
    secure: bool = False
    grid: float | None = None
    _grid_sensitivity: int = field(init=False, repr=False, compare=False, default=0)
    _grid_scale: Fraction = field(init=False, repr=False, compare=False, default=Fraction(0))

    def __post_init__(self) -> None:
        object.__setattr__(self, "epsilon", _check_epsilon(self.epsilon))
        # epsilon >= 1e-100 and sensitivity <= 1e100 (their ranges): the scale is finite
        object.__setattr__(self, "sensitivity", _check_sensitivity(self.sensitivity))
        object.__setattr__(self, "secure", check_bool(self.secure, "secure"))
        if not self.secure:
            if self.grid is not None:
                raise fail("grid", "None unless secure=True (only the secure mechanism "
                           "releases on a grid)", self.grid, "Pass secure=True, or leave the "
                           "grid out.")
            return
        given = self.grid is not None
        grid = check_power_of_two(self.grid, "grid") if given else _default_grid(
            self.sensitivity, self.scale)
        grid_sensitivity, tau = _grid_terms(self.sensitivity, self.epsilon, grid)
        if tau > _MAX_GRID_SCALE:
            if given:
                coarser = grid
                while _grid_terms(self.sensitivity, self.epsilon, coarser)[1] > _MAX_GRID_SCALE:
                    coarser *= 2.0
                raise fail("grid", "coarse enough for the integer sampler (at most 2**40 grid "
                           "steps per noise scale when secure=True)", grid,
                           f"Pass a coarser power of two, at least grid=2**"
                           f"{int(math.log2(coarser))}, or leave grid out.")
            raise fail("epsilon", ">= 2e-9 when secure=True (a smaller epsilon puts more than "
                       "2**40 grid steps in the noise scale, beyond the integer sampler)",
                       self.epsilon, "Use a larger epsilon, or secure=False.")
        object.__setattr__(self, "grid", grid)
        object.__setattr__(self, "_grid_sensitivity", grid_sensitivity)
        object.__setattr__(self, "_grid_scale", _round_up_scale(tau))

    @property
    def scale(self) -> float:
        """Scale ``b = sensitivity / epsilon`` of the Laplace noise."""
        return self.sensitivity / self.epsilon

    @property
    def variance(self) -> float:
        """Variance ``2 b**2`` of the noise (and of the released value).

        With ``secure=True``, the variance of the discrete noise on the grid,
        ``grid**2 * 2q / (1 - q)**2`` with ``q = exp(-1 / grid_scale)`` (within 0.2% of
        ``2 b**2`` for the default grid).
        """
        if self.secure:
            return self.grid**2 * discrete_laplace_variance(self._grid_scale)
        return 2.0 * self.scale**2

    @property
    def bias(self) -> float:
        """The noise has mean 0: the released value is unbiased.

        (With ``secure=True`` the value itself is first rounded to the grid, which moves
        it by at most ``grid / 2``.)
        """
        return 0.0

    @property
    def grid_scale(self) -> Fraction | None:
        """Scale of the discrete noise in grid steps (exact), or None unless ``secure``."""
        return self._grid_scale if self.secure else None

    @property
    def grid_sensitivity(self) -> int | None:
        """``ceil(sensitivity / grid)``: the most neighbours differ in grid steps (secure)."""
        return self._grid_sensitivity if self.secure else None

    @property
    def grid_epsilon(self) -> float | None:
        """The guarantee the secure release meets exactly, ``grid_sensitivity / grid_scale``.

        At most ``epsilon`` (equal unless the scale had to be rounded up); None unless
        ``secure``.
        """
        if not self.secure:
            return None
        return float(Fraction(self._grid_sensitivity) / self._grid_scale)

    def release(self, value: Any, *, rng: SeedLike = None,
                accountant: SupportsSpend | None = None) -> Any:
        """Return ``value`` plus independent Laplace noise (element-wise).

        Parameters
        ----------
        value : float or array-like
            True value(s) of a query with the mechanism's sensitivity.
        rng : None, int or numpy.random.Generator
            Source of randomness. With ``secure=True``, None (the default) means the
            OS CSPRNG; a seed or a Generator is reproducible and **not secure**.
        accountant : BudgetAccountant or ParallelBlock, optional
            If given, ``epsilon`` is spent on it (label ``"LaplaceMechanism"``) before
            any noise is drawn; if it refuses, nothing is released.

        Returns
        -------
        float or numpy.ndarray
            A float for scalar input, otherwise an array of the same shape. With
            ``secure=True`` every number is a multiple of :attr:`grid`.
        """
        x = check_array(value, "value", allow_empty=True)
        if self.secure:
            steps = _snap_to_grid(x, self.grid)
            _spend_on(accountant, self.epsilon, label="LaplaceMechanism")
            scale = self._grid_scale
            noise = discrete_laplace(scale.numerator, scale.denominator, size=x.shape, rng=rng)
            noisy = (steps + noise).astype(np.float64)  # |steps + noise| < 2**53: exact
            noisy *= self.grid  # a power of two: exact
            return _as_output(noisy, value)
        _spend_on(accountant, self.epsilon, label="LaplaceMechanism")
        noisy = as_generator(rng).laplace(0.0, self.scale, size=x.shape)
        noisy += x  # same value as x + noise, without a second array of x's size
        return _as_output(noisy, value)


_MAX_GRID_SCALE = 2**40  # noise scale in grid steps; the sampler's terms stay below 2**48


def _grid_terms(sensitivity: float, epsilon: float, grid: float) -> tuple[int, Fraction]:
    """``ceil(sensitivity / grid)`` and ``tau = that / epsilon``, exactly.

    Neighbours' true values differ by at most ``sensitivity``; rounded to the grid (half up,
    i.e. ``floor(v + 1/2)``) they differ by at most ``ceil(sensitivity / grid)`` steps.
    """
    grid_sensitivity = math.ceil(Fraction(sensitivity) / Fraction(grid))
    return grid_sensitivity, Fraction(grid_sensitivity) / Fraction(epsilon)


def _default_grid(sensitivity: float, scale: float) -> float:
    """The largest power of two at or below ``min(sensitivity, scale) / 1024``."""
    mantissa, exponent = math.frexp(min(sensitivity, scale))  # = mantissa * 2**exponent
    return math.ldexp(1.0, exponent - 1 - 10)


def _round_up_scale(tau: Fraction) -> Fraction:
    """``tau`` itself if its terms fit the sampler, else the next fraction above it that does.

    Rounding the scale up adds noise, so the guarantee only gets better; the new numerator
    is about 2**46 or more, so for ``tau >= 1`` the scale grows by less than 2**-46.
    """
    limit = 1 << MAX_SCALE_BITS
    if tau.numerator <= limit and tau.denominator <= limit:
        return tau
    shift = (MAX_SCALE_BITS - 1) - math.floor(tau).bit_length()  # tau * 2**shift < 2**47
    denominator = 1 << max(shift, 0)
    return Fraction(math.ceil(tau * denominator), denominator)


_MAX_GRID_STEPS = 2**52  # |round(x / grid)| plus any plausible noise stays below 2**53


def _snap_to_grid(x: np.ndarray, grid: float) -> np.ndarray:
    """``round(x / grid)`` half up, as int64; exact, since ``grid`` is a power of two."""
    with np.errstate(over="ignore"):
        steps = x / grid
    if steps.size and not np.all(np.abs(steps) <= _MAX_GRID_STEPS):
        worst = float(np.max(np.abs(x)))
        raise fail("value", f"within 2**52 grid steps of 0, |value| <= {_MAX_GRID_STEPS * grid:g}"
                   f" for grid={grid:g} (beyond, the grid's points are not exact doubles)", x,
                   "Pass a coarser grid (grid=...) or rescale the value.",
                   show=f"a value of magnitude {worst:g}")
    floor = np.floor(steps)
    return (floor + (steps - floor >= 0.5)).astype(np.int64)


def gaussian_delta(sigma: float, epsilon: float, sensitivity: float = 1.0) -> float:
    r"""Exact delta of the Gaussian mechanism at ``epsilon`` [BW18]_ (Theorem 8).

    .. math:: \delta(\varepsilon) = \Phi\!\left(\frac{\Delta}{2\sigma} -
              \frac{\varepsilon\sigma}{\Delta}\right) - e^{\varepsilon}\,
              \Phi\!\left(-\frac{\Delta}{2\sigma} - \frac{\varepsilon\sigma}{\Delta}\right)

    Parameters
    ----------
    sigma : float
        Standard deviation of the noise, > 0.
    epsilon : float
        Privacy parameter, >= 0 (``epsilon=0`` gives the total variation
        distance between the two output distributions).
    sensitivity : float, default 1.0
        L2 sensitivity, > 0.

    Examples
    --------
    >>> round(gaussian_delta(sigma=1.0, epsilon=1.0), 4)
    0.1269
    """
    sigma = check_positive(sigma, "sigma", fix="Pass the noise's standard deviation, e.g. "
                                               "sigma=1.0.")
    epsilon = check_real(epsilon, "epsilon", rule="a non-negative finite number")
    if epsilon < 0:
        raise fail("epsilon", "a non-negative finite number", epsilon, "Pass e.g. epsilon=1.0.")
    return _gaussian_delta(sigma, epsilon, check_sensitivity(sensitivity))


def _gaussian_delta(sigma: float, epsilon: float, sensitivity: float) -> float:
    """:func:`gaussian_delta` without the checks (called many times by the root finder)."""
    a = sensitivity / (2.0 * sigma) - epsilon * sigma / sensitivity
    b = -sensitivity / (2.0 * sigma) - epsilon * sigma / sensitivity
    delta = math.exp(special.log_ndtr(a)) - math.exp(epsilon + special.log_ndtr(b))
    return max(delta, 0.0)


def _analytic_sigma(epsilon: float, delta: float, sensitivity: float) -> float:
    """Smallest sigma with ``gaussian_delta(sigma, epsilon) <= delta`` (Balle & Wang).

    The profile depends on ``sigma / sensitivity`` only, so the search runs at
    sensitivity 1 and the result is scaled (no overflow at huge or tiny
    sensitivities).
    """
    if sensitivity != 1.0:
        sigma = sensitivity * _analytic_sigma(epsilon, delta, 1.0)
        while _gaussian_delta(sigma, epsilon, sensitivity) > delta:  # rounding of the product
            sigma = math.nextafter(sigma, math.inf)
        return sigma

    def excess(log_sigma: float) -> float:
        return _gaussian_delta(math.exp(log_sigma), epsilon, sensitivity) - delta

    lo, hi = math.log(sensitivity) - 10.0, math.log(sensitivity) + 1.0
    while excess(hi) > 0:
        hi += 1.0
    while excess(lo) <= 0:
        lo -= 1.0
    log_sigma = optimize.brentq(excess, lo, hi, xtol=1e-14, rtol=1e-13)
    sigma = math.exp(log_sigma)
    while _gaussian_delta(sigma, epsilon, sensitivity) > delta:  # stay on the private side
        sigma *= 1.0 + 1e-12
    return sigma


@dataclass(frozen=True)
class GaussianMechanism:
    r"""The Gaussian mechanism: add normal noise of standard deviation ``sigma``.

    By default ``sigma`` is the smallest value for which the mechanism is
    ``(epsilon, delta)``-DP, found from the exact privacy profile of the
    Gaussian (the *analytic* Gaussian mechanism of Balle and Wang, 2018
    [BW18]_). It works for every ``epsilon > 0``.

    With ``analytic=False`` the classic formula of Dwork and Roth [DR14]_ is
    used,

    .. math:: \sigma = \Delta_2 f \, \sqrt{2 \ln(1.25/\delta)} / \varepsilon,

    which is only proven for ``epsilon < 1`` and always adds more noise than
    needed.

    Parameters
    ----------
    epsilon : float
        Privacy parameter, > 0.
    delta : float
        Probability of failure of the pure guarantee, in (0, 1).
    sensitivity : float, default 1.0
        L2 sensitivity of the released value, > 0.
    analytic : bool, default True
        Use the analytic calibration (tight) instead of the classic one.

    Examples
    --------
    >>> round(GaussianMechanism(epsilon=1.0, delta=1e-5).sigma, 4)
    3.7306
    >>> round(GaussianMechanism(epsilon=0.5, delta=1e-5, analytic=False).sigma, 4)
    9.6896
    """

    epsilon: float
    delta: float
    sensitivity: float = 1.0
    analytic: bool = True
    sigma: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        epsilon = _check_epsilon(self.epsilon)
        delta = check_delta(self.delta)
        sensitivity = _check_sensitivity(self.sensitivity)
        analytic = check_bool(self.analytic, "analytic")
        if analytic:
            sigma = _analytic_sigma(epsilon, delta, sensitivity)
        else:
            if epsilon >= 1.0:
                raise fail("epsilon", "< 1 when analytic=False", epsilon,
                           "The classic bound sigma = sensitivity*sqrt(2 ln(1.25/delta))/epsilon "
                           "is only proven for epsilon < 1 (Dwork & Roth, Theorem A.1); use "
                           "analytic=True, which is exact for every epsilon.")
            sigma = sensitivity * math.sqrt(2.0 * (math.log(1.25) - math.log(delta))) / epsilon
        for name, value in (("epsilon", epsilon), ("delta", delta), ("sensitivity", sensitivity),
                            ("analytic", analytic), ("sigma", sigma)):
            object.__setattr__(self, name, value)

    @property
    def scale(self) -> float:
        """Same as :attr:`sigma`, the standard deviation of the noise."""
        return self.sigma

    @property
    def variance(self) -> float:
        """Variance ``sigma**2`` of the noise."""
        return self.sigma**2

    @property
    def bias(self) -> float:
        """The noise has mean 0: the released value is unbiased."""
        return 0.0

    def release(self, value: Any, *, rng: SeedLike = None,
                accountant: SupportsSpend | None = None) -> Any:
        """Return ``value`` plus independent normal noise (element-wise).

        Parameters
        ----------
        value : float or array-like
            True value(s); for a vector, ``sensitivity`` bounds its L2 change.
        rng : None, int or numpy.random.Generator
            Source of randomness.
        accountant : BudgetAccountant or ParallelBlock, optional
            If given, ``(epsilon, delta)`` is spent on it (label ``"GaussianMechanism"``) before
            any noise is drawn; if it refuses, nothing is released.
        """
        x = check_array(value, "value", allow_empty=True)
        _spend_on(accountant, self.epsilon, self.delta, label="GaussianMechanism")
        noisy = x + as_generator(rng).normal(0.0, self.sigma, size=x.shape)
        return _as_output(noisy, value)


@dataclass(frozen=True)
class RandomizedResponse:
    r"""Randomized response: each person perturbs their own answer (local DP).

    With ``k = n_categories`` possible answers, a person reports the truth
    with probability :math:`p = e^\varepsilon / (e^\varepsilon + k - 1)` and
    each of the ``k - 1`` other answers with probability
    :math:`q = 1 / (e^\varepsilon + k - 1)` [W65]_, [KBR16]_. Since
    :math:`p/q = e^\varepsilon`, any report is at most :math:`e^\varepsilon`
    times likelier under one true answer than under another.

    The aggregator sees only reports and inverts the noise on average:
    :meth:`estimate` returns unbiased estimates of the true frequencies.

    Parameters
    ----------
    epsilon : float
        Privacy parameter, > 0.
    n_categories : int, default 2
        Number of possible answers ``k`` >= 2; answers are coded 0 .. k-1.

    Examples
    --------
    >>> rr = RandomizedResponse(epsilon=math.log(3))
    >>> round(rr.p_truth, 4)
    0.75
    >>> reports = rr.release([1, 0, 1, 1], rng=0)
    >>> reports.tolist()
    [1, 0, 1, 1]
    """

    epsilon: float
    n_categories: int = 2

    def __post_init__(self) -> None:
        object.__setattr__(self, "epsilon", _check_epsilon(self.epsilon))
        object.__setattr__(self, "n_categories", check_integer(
            self.n_categories, "n_categories", minimum=2,
            fix="Randomized response needs at least two possible answers, e.g. n_categories=2."))

    @property
    def p_truth(self) -> float:
        """Probability ``p`` of reporting the true answer."""
        # = e^eps / (e^eps + k - 1), written so that a large epsilon does not overflow
        return 1.0 / (1.0 + (self.n_categories - 1) * math.exp(-self.epsilon))

    @property
    def p_other(self) -> float:
        """Probability ``q`` of reporting one given wrong answer."""
        # = 1 / (e^eps + k - 1)
        return math.exp(-self.epsilon) / (1.0 + (self.n_categories - 1) * math.exp(-self.epsilon))

    @property
    def gap(self) -> float:
        """``p - q``, the factor the estimator divides by; accurate at tiny epsilon too."""
        # = (e^eps - 1) / (e^eps + k - 1); expm1 keeps it nonzero where p and q round alike
        return -math.expm1(-self.epsilon) / (1.0 + (self.n_categories - 1)
                                              * math.exp(-self.epsilon))

    def _check_values(self, values: Any, name: str) -> np.ndarray:
        raw = np.asarray(values)
        if raw.dtype == bool and self.n_categories == 2:
            raw = raw.astype(np.int64)
        arr = check_array(raw, name, dtype=None, allow_empty=True)
        k = self.n_categories
        if arr.dtype.kind == "f" and not np.all(arr == np.round(arr)):
            raise fail(name, f"answers coded as integers 0..{k - 1}", arr,
                       "Code categories as whole numbers, e.g. with np.unique(..., "
                       "return_inverse=True).")
        # range check before the cast, so that e.g. 1e300 is reported as it was given
        if arr.size and (arr.min() < 0 or arr.max() >= k):
            raise fail(name, f"answers coded as integers 0..{k - 1}", arr,
                       f"Check n_categories (={k}) or recode the answers.")
        return arr.astype(np.int64, copy=False)

    def release(self, values: Any, *, rng: SeedLike = None,
                accountant: SupportsSpend | None = None) -> Any:
        """Perturb each answer independently.

        Parameters
        ----------
        values : int or array-like of int
            True answers coded ``0 .. n_categories - 1`` (booleans are accepted
            when ``n_categories == 2``).
        rng : None, int or numpy.random.Generator
        accountant : BudgetAccountant or ParallelBlock, optional
            If given, ``epsilon`` is spent on it (label ``"RandomizedResponse"``) before
            any answer is perturbed (each person's answer is in one report, so
            the reports together are ``epsilon``-DP); if it refuses, nothing is released.

        Returns
        -------
        int or numpy.ndarray of int
        """
        x = self._check_values(values, "values")
        _spend_on(accountant, self.epsilon, label="RandomizedResponse")
        gen = as_generator(rng)
        keep = gen.random(x.shape) < self.p_truth
        # a lie is uniform over the k - 1 other answers
        shift = gen.integers(1, self.n_categories, size=x.shape)
        reports = np.where(keep, x, (x + shift) % self.n_categories)
        return int(reports) if np.ndim(values) == 0 else reports

    def estimate(self, responses: Any) -> np.ndarray:
        r"""Unbiased estimate of the true frequency of each answer.

        If :math:`\hat f_j` is the observed share of reports ``j``, then
        :math:`E[\hat f_j] = \pi_j p + (1 - \pi_j) q`, so

        .. math:: \hat\pi_j = (\hat f_j - q) / (p - q).

        Estimates may fall outside [0, 1] (that is the price of being
        unbiased); clip or project them yourself if you need a distribution.

        Returns
        -------
        numpy.ndarray of shape (n_categories,)
        """
        r = self._check_values(responses, "responses").ravel()
        if r.size == 0:
            raise fail("responses", "non-empty", r, "Collect at least one report.",
                       show="an empty array")
        observed = np.bincount(r, minlength=self.n_categories) / r.size
        return (observed - self.p_other) / self.gap

    def estimate_std(self, true_frequencies: Any, n: int) -> np.ndarray:
        r"""Standard deviation of :meth:`estimate` for ``n`` reports.

        .. math:: \mathrm{sd}(\hat\pi_j) = \sqrt{f_j(1-f_j)/n} \,/\, (p - q),
                  \qquad f_j = \pi_j p + (1-\pi_j) q

        This assumes the ``n`` true answers are drawn independently with
        frequencies ``true_frequencies`` (a random sample of a population), so
        it counts the sampling noise and the randomisation together. For a
        *fixed* set of answers (estimating the frequencies of exactly these
        ``n`` people) the randomisation alone gives a slightly smaller spread,
        :math:`\sqrt{\pi_j p(1-p) + (1-\pi_j) q(1-q)} / (\sqrt n\,(p - q))`.

        Examples
        --------
        >>> rr = RandomizedResponse(epsilon=math.log(3))
        >>> np.round(rr.estimate_std([0.5, 0.5], n=100), 4).tolist()
        [0.1, 0.1]
        """
        pi = check_array(true_frequencies, "true_frequencies", ndim=1)
        if pi.shape != (self.n_categories,) or np.any(pi < 0) or not np.isclose(pi.sum(), 1.0):
            raise fail("true_frequencies", f"{self.n_categories} non-negative numbers summing "
                       "to 1", pi)
        n = check_integer(n, "n", minimum=1)
        f = pi * self.p_truth + (1.0 - pi) * self.p_other
        return np.sqrt(f * (1.0 - f) / n) / self.gap


@dataclass(frozen=True)
class ExponentialMechanism:
    r"""The exponential mechanism: pick a candidate, favouring high scores.

    Candidate ``i`` with score :math:`s_i` is selected with probability
    proportional to :math:`\exp(\varepsilon s_i / (2\Delta))` [MT07]_, where
    ``sensitivity`` :math:`\Delta` bounds how much one example changes any
    score. Sampling uses the Gumbel-max trick, which gives exactly these
    probabilities.

    Examples
    --------
    >>> em = ExponentialMechanism(epsilon=1.0)
    >>> np.round(em.probabilities([0.0, 2.0]), 4).tolist()
    [0.2689, 0.7311]
    >>> em.select([0.0, 0.0, 100.0], rng=0)
    2
    """

    epsilon: float
    sensitivity: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "epsilon", _check_epsilon(self.epsilon))
        object.__setattr__(self, "sensitivity", _check_sensitivity(self.sensitivity))

    def _logits(self, scores: Any) -> np.ndarray:
        s = check_array(scores, "scores", ndim=1)
        with np.errstate(over="ignore"):  # an overflow is reported just below
            logits = self.epsilon * s / (2.0 * self.sensitivity)
        if not np.all(np.isfinite(logits)):
            raise fail("scores", "small enough that epsilon * score / (2 * sensitivity) is finite",
                       s, "Rescale the scores (and the sensitivity with them).")
        return logits

    def probabilities(self, scores: Any) -> np.ndarray:
        """Selection probability of each candidate."""
        return special.softmax(self._logits(scores))

    def select(self, scores: Any, *, rng: SeedLike = None) -> int:
        """Return the index of the selected candidate."""
        logits = self._logits(scores)
        return int(np.argmax(logits + as_generator(rng).gumbel(size=logits.shape)))


def report_noisy_max(scores: Any, *, epsilon: float, sensitivity: float = 1.0,
                     noise: str = "laplace", rng: SeedLike = None) -> int:
    r"""Report noisy max: add noise to every score and return the arg-max.

    Only the index is released, never the noisy scores. With
    ``noise="laplace"`` each score gets :math:`\mathrm{Lap}(2\Delta/\varepsilon)`
    noise, which is ``epsilon``-DP for any scores of sensitivity
    :math:`\Delta` [DR14]_ (Section 3.3). With ``noise="gumbel"``
    (:math:`\mathrm{Gumbel}(2\Delta/\varepsilon)`) the result has exactly the
    distribution of :class:`ExponentialMechanism`.

    Examples
    --------
    >>> report_noisy_max([10.0, 50.0, 20.0], epsilon=1.0, rng=0)
    1
    """
    epsilon = _check_epsilon(epsilon)
    sensitivity = _check_sensitivity(sensitivity)
    noise = check_choice(noise, "noise", ("laplace", "gumbel"))
    s = check_array(scores, "scores", ndim=1)
    gen = as_generator(rng)
    scale = 2.0 * sensitivity / epsilon  # finite: epsilon and sensitivity are in range
    draws = gen.laplace(0.0, scale, s.shape) if noise == "laplace" else gen.gumbel(0.0, scale,
                                                                                  s.shape)
    return int(np.argmax(s + draws))
