"""Seeded experiments behind the explorers of notebooks 00, 02 and 03.

This is the *compute* layer of a visual (see DESIGN.md, "Every visual has
three layers"): each function is pure and seeded and returns a small frozen
record that :mod:`ppml_lab.viz` draws. Nothing here imports matplotlib or
ipywidgets.

Common random numbers: every experiment draws *standard* noise (standard
Laplace, standard normal or uniform numbers) from its ``rng`` first, in an
order that does not depend on the parameters, and only then scales it. Called
twice with the same seed and a different ``epsilon``, it shows the same noise
stretched or shrunk, so what changes on screen is the effect of ``epsilon``,
not a fresh draw.

Introduced in notebooks 00 (a noisy count), 02 (randomized response) and 03
(Laplace and Gaussian).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import numpy as np
from scipy import special, stats

from .._random import SeedLike, as_generator
from .._validation import (check_bounds, check_delta, check_epsilon, check_grid, check_integer,
                           check_probability, check_real, check_sensitivity, fail)
from .mechanisms import GaussianMechanism, LaplaceMechanism, RandomizedResponse

__all__ = [
    "ERROR_CURVE_EPSILONS",
    "attacker_posterior_bound",
    "NoisyCountResult",
    "noisy_count_experiment",
    "RandomizedResponseResult",
    "randomized_response_experiment",
    "QueryNoise",
    "NoiseComparisonResult",
    "noise_experiment",
]

#: The epsilon grid of the error-versus-epsilon curves of notebooks 00, 02 and 03: 41 points
#: from 0.1 to 10, evenly spaced on a log scale (the explorers' epsilon sliders cover the same
#: range). The accuracy curves of notebook 05 use a coarser grid,
#: :data:`ppml_lab.dp.training_experiments.ACCURACY_CURVE_EPSILONS`.
ERROR_CURVE_EPSILONS: np.ndarray = np.geomspace(0.1, 10.0, 41)
ERROR_CURVE_EPSILONS.setflags(write=False)

_MEAN_ABS_NORMAL = math.sqrt(2.0 / math.pi)  # E|Z| for a standard normal Z


# --- records -------------------------------------------------------------------------------------

def _frozen(array: Any) -> np.ndarray:
    """A read-only float copy, so that a frozen record is really immutable."""
    out = np.array(array, dtype=float)
    out.setflags(write=False)
    return out


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, np.ndarray):
        return f"<array of {value.size}>"
    return repr(value)


class _Record:
    """Readable repr for the frozen records: numbers to 4 significant digits.

    Fields declared with ``repr=False`` (the large arrays) are left out.
    """

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={_show(getattr(self, f.name))}"
                          for f in dataclasses.fields(self) if f.repr)  # type: ignore[arg-type]
        return f"{type(self).__name__}({shown})"


def _epsilon_grid(epsilons: Any) -> np.ndarray:
    if epsilons is None:
        return ERROR_CURVE_EPSILONS
    return _frozen(check_grid(epsilons, "epsilons"))


# --- what an attacker can conclude ---------------------------------------------------------------

def attacker_posterior_bound(epsilon: float, prior: float = 0.5) -> float:
    r"""Highest belief an attacker can reach after one ``epsilon``-DP release.

    Differential privacy bounds the likelihood ratio of any output by
    :math:`e^\varepsilon`, so posterior odds are at most :math:`e^\varepsilon`
    times the prior odds. From a prior ``p`` (for example 50% that Alice is in
    the data) the posterior is at most

    .. math:: \frac{p\,e^\varepsilon}{p\,e^\varepsilon + 1 - p},
              \qquad \text{which is } \frac{e^\varepsilon}{1 + e^\varepsilon}
              \text{ for } p = 1/2.

    For randomized response with two answers, this is also the probability
    that a report is the truth. For an ``(epsilon, delta)`` mechanism the bound
    can fail, with a probability of about ``delta``.

    Parameters
    ----------
    epsilon : float
        Privacy parameter, > 0.
    prior : float, default 0.5
        The attacker's belief before the release, in (0, 1).

    Examples
    --------
    >>> round(attacker_posterior_bound(1.0), 4)
    0.7311
    >>> round(attacker_posterior_bound(1.0, prior=0.01), 4)
    0.0267
    """
    epsilon = check_epsilon(epsilon)
    prior = check_probability(prior, "prior", fix="Pass the attacker's starting belief, "
                              "e.g. prior=0.5.")
    # p e^eps / (p e^eps + 1 - p) = expit(eps + logit(p)), which never overflows
    return float(special.expit(epsilon + special.logit(prior)))


# --- notebook 00: a noisy count ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class NoisyCountResult(_Record):
    """Many Laplace releases of one count (see :func:`noisy_count_experiment`).

    Attributes
    ----------
    epsilon, true_count, sensitivity : float
        The inputs.
    scale : float
        Laplace scale ``b = sensitivity / epsilon``.
    release : float
        The first release: "the number that would be published".
    expected_abs_error : float
        Typical size of the error, ``E|noise| = b``.
    interval_90 : float
        Half-width of the interval that holds 90% of releases, ``b ln 10``.
    mean_abs_error : float
        The average ``|release - true_count|`` over the simulated releases.
    n_samples : int
        Number of simulated releases.
    releases : numpy.ndarray
        All simulated releases.
    epsilons, expected_abs_error_curve : numpy.ndarray
        ``E|noise|`` along the epsilon grid.
    """

    epsilon: float
    true_count: float
    sensitivity: float
    scale: float
    release: float
    expected_abs_error: float
    interval_90: float
    mean_abs_error: float
    n_samples: int
    releases: np.ndarray = dataclasses.field(repr=False)
    epsilons: np.ndarray = dataclasses.field(repr=False)
    expected_abs_error_curve: np.ndarray = dataclasses.field(repr=False)

    def summary(self) -> str:
        """One plain-words sentence about this result."""
        return (f"At epsilon = {self.epsilon:.2f} the published count is {self.true_count:g} "
                f"plus Laplace noise of scale {self.scale:.2f}: this time it came out as "
                f"{self.release:.1f}, and 9 times in 10 it lands within "
                f"\u00b1{self.interval_90:.1f} of {self.true_count:g}.")


def noisy_count_experiment(epsilon: float, *, true_count: int = 42, sensitivity: float = 1.0,
                           n_samples: int = 2000, epsilons: Any = None,
                           rng: SeedLike = None) -> NoisyCountResult:
    r"""Release a count many times with the Laplace mechanism.

    Each release is ``true_count + b * L`` with ``L`` standard Laplace and
    :math:`b = \Delta / \varepsilon` (exactly what
    :class:`~ppml_lab.dp.LaplaceMechanism` adds). The typical error is
    :math:`E|b L| = b` and 90% of releases lie within :math:`b \ln 10`.

    Parameters
    ----------
    epsilon : float
        Privacy parameter, > 0.
    true_count : int, default 42
        The count being released, >= 0.
    sensitivity : float, default 1.0
        How much one person can change the count.
    n_samples : int, default 2000
        Number of simulated releases.
    epsilons : array-like, optional
        Grid for the error curve; default :data:`ERROR_CURVE_EPSILONS`.
    rng : None, int or numpy.random.Generator
        Source of randomness; reuse a seed to see the same noise rescaled.

    Returns
    -------
    NoisyCountResult

    Examples
    --------
    >>> r = noisy_count_experiment(1.0, rng=0)
    >>> r
    NoisyCountResult(epsilon=1, true_count=42, sensitivity=1, scale=1, release=42.32,
                     expected_abs_error=1, interval_90=2.303, mean_abs_error=1.021,
                     n_samples=2000)
    >>> round(noisy_count_experiment(0.5, rng=0).release - 42, 4) == round(2 * (r.release - 42), 4)
    True
    """
    mechanism = LaplaceMechanism(epsilon, sensitivity)  # checks epsilon and sensitivity
    true_count = check_integer(true_count, "true_count", minimum=0,
                               fix="A count is a whole number, e.g. true_count=42.")
    n_samples = check_integer(n_samples, "n_samples", minimum=1)
    grid = _epsilon_grid(epsilons)
    standard = as_generator(rng).laplace(0.0, 1.0, n_samples)  # the common random numbers
    b = mechanism.scale
    releases = true_count + b * standard
    return NoisyCountResult(
        epsilon=mechanism.epsilon, true_count=float(true_count),
        sensitivity=mechanism.sensitivity, scale=b, release=float(releases[0]),
        expected_abs_error=b, interval_90=b * math.log(10.0),
        mean_abs_error=float(np.mean(np.abs(releases - true_count))), n_samples=n_samples,
        releases=_frozen(releases), epsilons=grid,
        expected_abs_error_curve=_frozen([LaplaceMechanism(e, mechanism.sensitivity).scale
                                          for e in grid]))


# --- notebook 02: randomized response ------------------------------------------------------------

def _yes_rate_std(epsilon: float, n_people: int, true_rate: float) -> float:
    """Standard deviation of the yes-rate estimate of ``n_people`` binary reports.

    The formula lives in :meth:`RandomizedResponse.estimate_std` (answer 1 is "yes").
    """
    mechanism = RandomizedResponse(epsilon)
    return float(mechanism.estimate_std([1.0 - true_rate, true_rate], n_people)[1])


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class RandomizedResponseResult(_Record):
    """Simulated surveys with randomized response (see :func:`randomized_response_experiment`).

    Attributes
    ----------
    epsilon, n_people, true_rate, n_trials
        The inputs.
    p_truth : float
        Probability that one reported answer is the person's true answer.
    posterior_bound : float
        From a 50/50 prior, how sure a "yes" report can make anyone that the
        person's true answer is "yes": ``e^eps / (1 + e^eps)``.
    report_rate : float
        Expected share of "yes" *reports* (not the estimate).
    mean_estimate : float
        Average of the estimates over the simulated surveys (unbiased: close
        to ``true_rate``).
    rmse : float
        Root-mean-square error of the estimates over the simulated surveys.
    rmse_theory : float
        The same from the formula (the standard deviation of the estimate).
    estimates : numpy.ndarray
        The estimated yes-rate of each simulated survey.
    epsilons, rmse_curve : numpy.ndarray
        ``rmse_theory`` along the epsilon grid for ``n_people`` people.
    """

    epsilon: float
    n_people: int
    true_rate: float
    n_trials: int
    p_truth: float
    posterior_bound: float
    report_rate: float
    mean_estimate: float
    rmse: float
    rmse_theory: float
    estimates: np.ndarray = dataclasses.field(repr=False)
    epsilons: np.ndarray = dataclasses.field(repr=False)
    rmse_curve: np.ndarray = dataclasses.field(repr=False)

    @property
    def estimate_lattice(self) -> tuple[float, float]:
        """``(origin, step)``: every estimate is ``origin + k * step`` for a whole ``k``.

        With ``k`` "yes" reports out of ``n`` the estimate is ``(k/n - q)/(p - q)``,
        so ``origin = -q/(p - q)`` and ``step = 1/(n (p - q))`` (used to bin a histogram
        without aliasing).
        """
        spread = 2.0 * self.p_truth - 1.0  # p - q
        return -(1.0 - self.p_truth) / spread, 1.0 / (self.n_people * spread)

    def summary(self) -> str:
        """Two plain-words sentences about this result."""
        return (f"At epsilon = {self.epsilon:.2f} each person reports their true answer with "
                f"probability {self.p_truth:.0%}, so a recorded \u201cyes\u201d leaves someone "
                f"who started 50/50 at most {self.posterior_bound:.0%} sure it is true. "
                f"With {self.n_people:,} people the estimated yes-rate (true "
                f"{self.true_rate:.0%}) is typically off by {100 * self.rmse:.1f} "
                f"percentage points.")


def randomized_response_experiment(epsilon: float, n_people: int, *, true_rate: float = 0.3,
                                   n_trials: int = 2000, epsilons: Any = None,
                                   rng: SeedLike = None) -> RandomizedResponseResult:
    r"""Simulate many surveys of ``n_people`` who answer with randomized response.

    Each person says the truth with probability :math:`p = e^\varepsilon /
    (1 + e^\varepsilon)` and the other answer otherwise. Reports are
    independent, so the number of "yes" reports of one survey is
    :math:`K \sim \mathrm{Binomial}(n, f)`, :math:`f = \pi p + (1 - \pi)(1 - p)`,
    and the unbiased estimate of the yes-rate is
    :math:`\hat\pi = (K/n - q) / (p - q)` (as
    :meth:`~ppml_lab.dp.RandomizedResponse.estimate`). ``K`` is drawn by
    inverting the binomial CDF at uniform numbers drawn once from ``rng``, so
    the same seed gives the same surveys at every ``epsilon`` and ``n_people``.

    Parameters
    ----------
    epsilon : float
        Privacy parameter of each answer, > 0.
    n_people : int
        People per survey, >= 1.
    true_rate : float, default 0.3
        True share of "yes", in [0, 1].
    n_trials : int, default 2000
        Number of simulated surveys.
    epsilons : array-like, optional
        Grid for the error curve; default :data:`ERROR_CURVE_EPSILONS`.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    RandomizedResponseResult

    Examples
    --------
    >>> r = randomized_response_experiment(1.0, 1000, rng=0)
    >>> round(r.p_truth, 4), round(r.rmse_theory, 4)
    (0.7311, 0.0336)
    >>> abs(r.mean_estimate - 0.3) < 3 * r.rmse_theory / r.n_trials ** 0.5
    True
    """
    epsilon = check_epsilon(epsilon)
    n_people = check_integer(n_people, "n_people", minimum=1, fix="Pass e.g. n_people=1000.")
    true_rate = check_probability(true_rate, "true_rate", low_open=False, high_open=False,
                                  fix="Pass a share of 'yes' answers, e.g. true_rate=0.3.")
    n_trials = check_integer(n_trials, "n_trials", minimum=1)
    grid = _epsilon_grid(epsilons)

    u = 1.0 - as_generator(rng).random(n_trials)  # in (0, 1]: the common random numbers
    p = RandomizedResponse(epsilon).p_truth  # e^eps / (1 + e^eps), without overflow
    q = 1.0 - p
    f = true_rate * p + (1.0 - true_rate) * q
    yes_reports = stats.binom.ppf(u, n_people, f)
    estimates = (yes_reports / n_people - q) / (p - q)
    return RandomizedResponseResult(
        epsilon=epsilon, n_people=n_people, true_rate=true_rate, n_trials=n_trials,
        p_truth=p, posterior_bound=attacker_posterior_bound(epsilon), report_rate=f,
        mean_estimate=float(np.mean(estimates)),
        rmse=float(np.sqrt(np.mean((estimates - true_rate) ** 2))),
        rmse_theory=_yes_rate_std(epsilon, n_people, true_rate),
        estimates=_frozen(estimates), epsilons=grid,
        rmse_curve=_frozen([_yes_rate_std(e, n_people, true_rate) for e in grid]))


# --- notebook 03: Laplace versus Gaussian --------------------------------------------------------

@functools.lru_cache(maxsize=64)
def _noise_scales(epsilons: tuple[float, ...], delta: float,
                  sensitivity: float) -> tuple[np.ndarray, np.ndarray]:
    """Laplace scales and analytic Gaussian sigmas along a grid, from the mechanisms themselves.

    Cached: the Gaussian costs a root find per point. Building the mechanisms
    also applies their checks (a noise scale that overflows is refused).
    """
    return (_frozen([LaplaceMechanism(e, sensitivity).scale for e in epsilons]),
            _frozen([GaussianMechanism(e, delta, sensitivity).sigma for e in epsilons]))


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class QueryNoise(_Record):
    r"""Laplace and Gaussian noise on one query (a part of :class:`NoiseComparisonResult`).

    Relative errors are expected absolute errors divided by ``|true_value|``:
    :math:`E|\mathrm{Lap}(b)| = b` and :math:`E|N(0, \sigma^2)| = \sigma\sqrt{2/\pi}`.

    Attributes
    ----------
    query : str
        ``"count"`` or ``"mean"``.
    true_value, sensitivity, laplace_scale, gaussian_sigma : float
    laplace_rel_error, gaussian_rel_error : float
        Expected relative error at the current epsilon.
    laplace_releases, gaussian_releases : numpy.ndarray
        Simulated releases (true value plus noise).
    laplace_curve, gaussian_curve : numpy.ndarray
        Expected relative error along the epsilon grid.
    """

    query: str
    true_value: float
    sensitivity: float
    laplace_scale: float
    gaussian_sigma: float
    laplace_rel_error: float
    gaussian_rel_error: float
    laplace_releases: np.ndarray = dataclasses.field(repr=False)
    gaussian_releases: np.ndarray = dataclasses.field(repr=False)
    laplace_curve: np.ndarray = dataclasses.field(repr=False)
    gaussian_curve: np.ndarray = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class NoiseComparisonResult(_Record):
    """Laplace versus Gaussian noise on a count and a mean (see :func:`noise_experiment`).

    Attributes
    ----------
    epsilon, delta : float
        The privacy parameters (``delta`` is used by the Gaussian mechanism only).
    attacker_posterior_bound : float
        From a 50% prior, the most sure an attacker can become that one
        person is in the data: ``e^eps / (1 + e^eps)`` (for the Gaussian, except
        with a probability of about ``delta``).
    count, mean : QueryNoise
        The two queries.
    epsilons : numpy.ndarray
        The grid of the error curves.
    """

    epsilon: float
    delta: float
    attacker_posterior_bound: float
    count: QueryNoise
    mean: QueryNoise
    epsilons: np.ndarray = dataclasses.field(repr=False)

    def summary(self) -> str:
        """Plain-words sentences about this result."""
        c, m = self.count, self.mean
        return (f"At epsilon = {self.epsilon:.2f} an attacker who starts 50/50 on whether "
                f"Alice is in the data can end at most {self.attacker_posterior_bound:.0%} sure "
                f"(for the Gaussian, except with a probability of about delta = "
                f"{self.delta:.0e}). Typical error of the count: Laplace "
                f"\u00b1{c.laplace_scale:#.3g}, Gaussian "
                f"\u00b1{c.gaussian_sigma * _MEAN_ABS_NORMAL:#.3g}; of the mean: Laplace "
                f"\u00b1{m.laplace_scale:#.2g}, Gaussian "
                f"\u00b1{m.gaussian_sigma * _MEAN_ABS_NORMAL:#.2g}.")


def _query_noise(query: str, true_value: float, sensitivity: float, epsilon: float,
                 delta: float, grid: np.ndarray, standard_laplace: np.ndarray,
                 standard_normal: np.ndarray) -> QueryNoise:
    b = LaplaceMechanism(epsilon, sensitivity).scale             # sensitivity / epsilon
    sigma = GaussianMechanism(epsilon, delta, sensitivity).sigma  # analytic calibration
    scales, sigmas = _noise_scales(tuple(grid.tolist()), delta, sensitivity)
    size = abs(true_value)
    return QueryNoise(
        query=query, true_value=true_value, sensitivity=sensitivity, laplace_scale=b,
        gaussian_sigma=sigma, laplace_rel_error=b / size,
        gaussian_rel_error=sigma * _MEAN_ABS_NORMAL / size,
        laplace_releases=_frozen(true_value + b * standard_laplace),
        gaussian_releases=_frozen(true_value + sigma * standard_normal),
        laplace_curve=_frozen(scales / size),
        gaussian_curve=_frozen(sigmas * _MEAN_ABS_NORMAL / size))


def noise_experiment(epsilon: float, *, delta: float = 1e-5, sensitivity: float = 1.0,
                     true_count: int = 100, n_for_mean: int = 1000,
                     bounds: tuple[float, float] = (0.0, 1.0), true_mean: float = 0.4,
                     n_samples: int = 20000, epsilons: Any = None,
                     rng: SeedLike = None) -> NoiseComparisonResult:
    r"""Compare Laplace and (analytic) Gaussian noise on a count and on a mean.

    The count has sensitivity ``sensitivity`` (how many rows one person can
    add). The mean is over ``n_for_mean`` rows known to lie within ``bounds =
    (lower, upper)``, so one row moves it by at most
    :math:`(\mathrm{upper} - \mathrm{lower}) / n`. Laplace noise has scale
    :math:`b = \Delta / \varepsilon` and Gaussian noise the smallest
    :math:`\sigma` that is ``(epsilon, delta)``-DP
    (:class:`~ppml_lab.dp.GaussianMechanism`, analytic calibration).

    Parameters
    ----------
    epsilon : float
        Privacy parameter, > 0.
    delta : float, default 1e-5
        For the Gaussian mechanism, in (0, 1).
    sensitivity : float, default 1.0
        Sensitivity of the count.
    true_count : int, default 100
        The count, >= 1 (relative errors divide by it).
    n_for_mean : int, default 1000
        Number of rows behind the mean.
    bounds : (float, float), default (0, 1)
        Range of every row of the mean.
    true_mean : float, default 0.4
        The mean, inside ``bounds`` and not 0.
    n_samples : int, default 20000
        Simulated releases per mechanism and query.
    epsilons : array-like, optional
        Grid for the error curves; default :data:`ERROR_CURVE_EPSILONS`.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    NoiseComparisonResult

    Examples
    --------
    >>> r = noise_experiment(1.0, rng=0)
    >>> r
    NoiseComparisonResult(epsilon=1, delta=1e-05, attacker_posterior_bound=0.7311,
        count=QueryNoise(query='count', true_value=100, sensitivity=1, laplace_scale=1,
                         gaussian_sigma=3.731, laplace_rel_error=0.01, gaussian_rel_error=0.02977),
        mean=QueryNoise(query='mean', true_value=0.4, sensitivity=0.001, laplace_scale=0.001,
                        gaussian_sigma=0.003731, laplace_rel_error=0.0025,
                        gaussian_rel_error=0.007442))
    """
    epsilon = check_epsilon(epsilon)
    delta = check_delta(delta)
    sensitivity = check_sensitivity(sensitivity)
    true_count = check_integer(true_count, "true_count", minimum=1,
                               fix="Relative errors divide by the count; pass e.g. true_count=100.")
    n_for_mean = check_integer(n_for_mean, "n_for_mean", minimum=1,
                               fix="Pass the number of rows, e.g. n_for_mean=1000.")
    lower, upper = check_bounds(bounds)
    true_mean = check_real(true_mean, "true_mean")
    if not lower <= true_mean <= upper or true_mean == 0:
        raise fail("true_mean", f"a non-zero number within bounds [{lower:g}, {upper:g}]",
                   true_mean, "Relative errors divide by the mean; pass e.g. true_mean=0.4.")
    n_samples = check_integer(n_samples, "n_samples", minimum=1)
    grid = _epsilon_grid(epsilons)

    gen = as_generator(rng)  # the common random numbers, always drawn in this order
    standard_laplace = gen.laplace(0.0, 1.0, (2, n_samples))
    standard_normal = gen.standard_normal((2, n_samples))

    common = dict(epsilon=epsilon, delta=delta, grid=grid)
    count = _query_noise("count", float(true_count), sensitivity,
                         standard_laplace=standard_laplace[0], standard_normal=standard_normal[0],
                         **common)
    mean = _query_noise("mean", true_mean, (upper - lower) / n_for_mean,
                        standard_laplace=standard_laplace[1], standard_normal=standard_normal[1],
                        **common)
    return NoiseComparisonResult(epsilon=epsilon, delta=delta,
                                 attacker_posterior_bound=attacker_posterior_bound(epsilon),
                                 count=count, mean=mean, epsilons=grid)
