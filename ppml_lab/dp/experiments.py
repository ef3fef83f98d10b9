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
                           check_probability, check_real, check_sensitivity, check_size, fail)
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
    that a report is the truth. For an ``(epsilon, delta)`` mechanism such as
    the Gaussian it holds only for outputs whose privacy loss is at most
    epsilon, and those beyond are *more* likely than ``delta`` (16 times at
    epsilon = 1, delta = 1e-5: see
    :func:`~ppml_lab.dp.gaussian_loss.gaussian_privacy_loss`).

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
    true_count = check_integer(true_count, "true_count", minimum=0, maximum=10**15,
                               fix="A count is a whole number, e.g. true_count=42.")
    n_samples = check_size(n_samples, "n_samples")
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
    n_people = check_integer(n_people, "n_people", minimum=1, maximum=10**12,
                             fix="Pass e.g. n_people=1000.")
    true_rate = check_probability(true_rate, "true_rate", low_open=False, high_open=False,
                                  fix="Pass a share of 'yes' answers, e.g. true_rate=0.3.")
    n_trials = check_size(n_trials, "n_trials")
    grid = _epsilon_grid(epsilons)

    u = 1.0 - as_generator(rng).random(n_trials)  # in (0, 1]: the common random numbers
    rr = RandomizedResponse(epsilon)
    p, q = rr.p_truth, rr.p_other  # e^eps / (1 + e^eps), without overflow
    f = true_rate * p + (1.0 - true_rate) * q
    yes_reports = stats.binom.ppf(u, n_people, f)
    estimates = (yes_reports / n_people - q) / rr.gap  # p - q, nonzero at tiny epsilon
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
def _unit_noise(epsilons: tuple[float, ...], delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Laplace scales and analytic Gaussian sigmas for sensitivity 1 along a grid.

    Both are proportional to the sensitivity. Cached: the Gaussian costs a
    root find per point.
    """
    return (_frozen([LaplaceMechanism(e, 1.0).scale for e in epsilons]),
            _frozen([GaussianMechanism(e, delta, 1.0).sigma for e in epsilons]))


_noise_scales = _unit_noise  # the name benchmarks/explorer_latency.py clears


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class QueryNoise(_Record):
    r"""Laplace and Gaussian noise on one query (a part of :class:`NoiseComparisonResult`).

    The typical error is the standard deviation of a release (for the mean, the
    large-``n`` approximation of the ratio of a noisy sum and a noisy count);
    relative errors divide it by ``|true_value|``.

    Attributes
    ----------
    query : str
        ``"count"`` or ``"mean"``.
    how : str
        How the query is released, in words.
    true_value : float
    laplace_std, gaussian_std : float
        Standard deviation of a release at the current epsilon.
    laplace_rel_error, gaussian_rel_error : float
        The same divided by ``|true_value|``.
    laplace_releases, gaussian_releases : numpy.ndarray
        Simulated releases.
    laplace_curve, gaussian_curve : numpy.ndarray
        Relative error along the epsilon grid.
    """

    query: str
    how: str
    true_value: float
    laplace_std: float
    gaussian_std: float
    laplace_rel_error: float
    gaussian_rel_error: float
    laplace_releases: np.ndarray = dataclasses.field(repr=False)
    gaussian_releases: np.ndarray = dataclasses.field(repr=False)
    laplace_curve: np.ndarray = dataclasses.field(repr=False)
    gaussian_curve: np.ndarray = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class NoiseComparisonResult(_Record):
    """Laplace versus Gaussian noise on a count and a mean of the same rows.

    See :func:`noise_experiment`.

    Attributes
    ----------
    epsilon, delta : float
        The privacy parameters (``delta`` is used by the Gaussian mechanism only).
    sensitivity : float
        Rows one person can add (1 for one row per person).
    n_rows : int
        Rows behind both queries: the count is ``n_rows``, the mean is over them.
    attacker_posterior_bound : float
        From a 50% prior, the most sure an attacker can become that one
        person is in the data after a pure epsilon-DP (Laplace) release:
        ``e^eps / (1 + e^eps)``.
    gaussian_loss_above : float
        For the Gaussian release of the count, the probability that the
        privacy loss exceeds epsilon (outputs that can push the attacker
        beyond that bound): larger than delta
        (:func:`~ppml_lab.dp.gaussian_loss.gaussian_privacy_loss`).
    count, mean : QueryNoise
        The two queries.
    epsilons : numpy.ndarray
        The grid of the error curves.
    """

    epsilon: float
    delta: float
    sensitivity: float
    n_rows: int
    attacker_posterior_bound: float
    gaussian_loss_above: float
    count: QueryNoise
    mean: QueryNoise
    epsilons: np.ndarray = dataclasses.field(repr=False)

    def summary(self) -> str:
        """Plain-words sentences about this result."""
        c, m = self.count, self.mean
        return (f"At epsilon = {self.epsilon:.2f} the Laplace release lets an attacker who starts "
                f"50/50 on whether Alice is in the data end at most "
                f"{self.attacker_posterior_bound:.0%} sure. The Gaussian release (delta = "
                f"{self.delta:.0e}) keeps that bound except for outputs whose privacy loss "
                f"exceeds epsilon, which occur with probability {self.gaussian_loss_above:.1e} "
                f"({self.gaussian_loss_above / self.delta:.0f} times delta, not delta). Standard "
                f"error of the count of {self.n_rows:,} rows: Laplace \u00b1{c.laplace_std:#.3g}, "
                f"Gaussian \u00b1{c.gaussian_std:#.3g} ({_pct_text(c.laplace_rel_error)} and "
                f"{_pct_text(c.gaussian_rel_error)}); of the mean of the same rows (a noisy sum "
                f"over a noisy count, epsilon/2 each): Laplace \u00b1{m.laplace_std:#.2g}, "
                f"Gaussian \u00b1{m.gaussian_std:#.2g} ({_pct_text(m.laplace_rel_error)} and "
                f"{_pct_text(m.gaussian_rel_error)}).")


def _pct_text(share: float) -> str:
    value = 100.0 * share
    return f"{value:.0f}%" if value >= 10 else f"{value:.2g}%"


def noise_experiment(epsilon: float, *, delta: float = 1e-5, sensitivity: float = 1.0,
                     n_rows: int = 1000, bounds: tuple[float, float] = (0.0, 1.0),
                     true_mean: float = 0.4, n_samples: int = 20000, epsilons: Any = None,
                     rng: SeedLike = None) -> NoiseComparisonResult:
    r"""Compare Laplace and (analytic) Gaussian noise on a count and a mean of the same rows.

    Both queries are about the same ``n_rows`` rows, with add/remove-one
    neighbours, and each is released with the whole ``epsilon``:

    * the **count** ``n`` has sensitivity ``sensitivity`` (how many rows one
      person can add): Laplace scale :math:`b = \Delta / arepsilon`, or the
      smallest Gaussian :math:`\sigma` that is ``(epsilon, delta)``-DP;
    * the **mean** of values in ``bounds = (L, U)`` is released as
      :func:`~ppml_lab.dp.dp_mean` does it: ``n`` is private, so it is the
      ratio of a noisy sum of the values centred at :math:`m = (L + U) / 2`
      (sensitivity :math:`\Delta (U - L) / 2`) and a noisy count (sensitivity
      :math:`\Delta`), each with ``epsilon / 2`` (and ``delta / 2`` for the
      Gaussian), clipped into the bounds. Its standard deviation is about
      :math:`\sqrt{s_S^2 + (ar x - m)^2 s_n^2} / n`, where :math:`s_S, s_n` are
      those of the two noises.

    Relative to its value, the mean is *not* cheaper than the count of the same
    rows: both errors shrink like ``1 / n``, and the mean pays for two releases.

    Parameters
    ----------
    epsilon : float
        Privacy parameter, > 0.
    delta : float, default 1e-5
        For the Gaussian mechanism, in (0, 1).
    sensitivity : float, default 1.0
        How many rows one person can add (1: one row per person).
    n_rows : int, default 1000
        Rows behind both queries, >= 1: the true count.
    bounds : (float, float), default (0, 1)
        Range of every value of the mean.
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
    >>> r.count
    QueryNoise(query='count', how='sensitivity 1, all of epsilon', true_value=1000,
               laplace_std=1.414, gaussian_std=3.731, laplace_rel_error=0.001414,
               gaussian_rel_error=0.003731)
    >>> round(r.mean.laplace_std, 5), round(r.mean.laplace_rel_error, 4)
    (0.00144, 0.0036)
    """
    epsilon = check_epsilon(epsilon)
    delta = check_delta(delta)
    sensitivity = check_sensitivity(sensitivity)
    n_rows = check_size(n_rows, "n_rows", fix="Pass the number of rows, e.g. n_rows=1000.")
    lower, upper = check_bounds(bounds)
    true_mean = check_real(true_mean, "true_mean")
    if not lower <= true_mean <= upper or true_mean == 0:
        raise fail("true_mean", f"a non-zero number within bounds [{lower:g}, {upper:g}]",
                   true_mean, "Relative errors divide by the mean; pass e.g. true_mean=0.4.")
    n_samples = check_size(n_samples, "n_samples")
    grid = _epsilon_grid(epsilons)

    gen = as_generator(rng)  # the common random numbers, always drawn in this order
    lap = gen.laplace(0.0, 1.0, (3, n_samples))    # count; the mean's sum and count
    nor = gen.standard_normal((3, n_samples))

    # the mechanisms themselves (their checks apply, e.g. a scale that overflows is refused)
    b = LaplaceMechanism(epsilon, sensitivity).scale
    sigma = GaussianMechanism(epsilon, delta, sensitivity).sigma
    n = float(n_rows)
    unit_b, unit_sigma = _unit_noise(tuple(grid.tolist()), delta)
    count = QueryNoise(
        query="count", how=f"sensitivity {sensitivity:g}, all of epsilon", true_value=n,
        laplace_std=math.sqrt(2.0) * b, gaussian_std=sigma,
        laplace_rel_error=math.sqrt(2.0) * b / n, gaussian_rel_error=sigma / n,
        laplace_releases=_frozen(n + b * lap[0]), gaussian_releases=_frozen(n + sigma * nor[0]),
        laplace_curve=_frozen(math.sqrt(2.0) * sensitivity * unit_b / n),
        gaussian_curve=_frozen(sensitivity * unit_sigma / n))

    midpoint, half_width = (lower + upper) / 2.0, (upper - lower) / 2.0
    centred_sum, offset = n * (true_mean - midpoint), abs(true_mean - midpoint)
    sum_sens, count_sens = sensitivity * half_width, sensitivity
    half_b, half_sigma = _unit_noise(tuple((grid / 2.0).tolist()), delta / 2.0)

    def ratio(noisy_sum: np.ndarray, noisy_n: np.ndarray) -> np.ndarray:
        return np.clip(midpoint + noisy_sum / np.maximum(noisy_n, 1.0), lower, upper)

    def mean_std(sum_noise: Any, count_noise: Any) -> Any:  # standard deviations of the halves
        return np.sqrt(sum_noise**2 + offset**2 * count_noise**2) / n

    b_sum = LaplaceMechanism(epsilon / 2.0, sum_sens).scale
    b_n = LaplaceMechanism(epsilon / 2.0, count_sens).scale
    s_sum = GaussianMechanism(epsilon / 2.0, delta / 2.0, sum_sens).sigma
    s_n = GaussianMechanism(epsilon / 2.0, delta / 2.0, count_sens).sigma
    lap_std = float(mean_std(math.sqrt(2.0) * b_sum, math.sqrt(2.0) * b_n))
    gau_std = float(mean_std(s_sum, s_n))
    size = abs(true_mean)
    mean = QueryNoise(
        query="mean", how="noisy sum / noisy count, epsilon/2 each", true_value=true_mean,
        laplace_std=lap_std, gaussian_std=gau_std,
        laplace_rel_error=lap_std / size, gaussian_rel_error=gau_std / size,
        laplace_releases=_frozen(ratio(centred_sum + b_sum * lap[1], n + b_n * lap[2])),
        gaussian_releases=_frozen(ratio(centred_sum + s_sum * nor[1], n + s_n * nor[2])),
        laplace_curve=_frozen(mean_std(math.sqrt(2.0) * sum_sens * half_b,
                                       math.sqrt(2.0) * count_sens * half_b) / size),
        gaussian_curve=_frozen(mean_std(sum_sens * half_sigma, count_sens * half_sigma) / size))

    mu = sensitivity**2 / (2.0 * sigma**2)  # the Gaussian's privacy loss is N(mu, 2 mu)
    loss_above = float(special.ndtr((mu - epsilon) / math.sqrt(2.0 * mu)))
    return NoiseComparisonResult(epsilon=epsilon, delta=delta, sensitivity=sensitivity,
                                 n_rows=n_rows,
                                 attacker_posterior_bound=attacker_posterior_bound(epsilon),
                                 gaussian_loss_above=loss_above, count=count, mean=mean,
                                 epsilons=grid)
