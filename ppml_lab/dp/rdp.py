r"""Rényi differential privacy (RDP): the accountant behind most DP-SGD epsilons.

A mechanism is :math:`(\alpha, \varepsilon_R)`-RDP when the Rényi divergence of
order :math:`\alpha > 1` between its output distributions on neighbouring
datasets is at most :math:`\varepsilon_R` [Mir17]_. Two facts make it the
workhorse of private training:

1. composition is a sum, order by order: ``rdp_total(alpha) = sum of rdp_i(alpha)``;
2. any RDP curve converts to (epsilon, delta)-DP, taking the best order
   [CKS20]_ [BBGHS20]_:

   .. math:: \varepsilon = \min_\alpha\; \varepsilon_R(\alpha) + \log\frac{\alpha-1}{\alpha}
             - \frac{\log\delta + \log\alpha}{\alpha - 1}

The curves of the mechanisms, for ``noise_multiplier`` :math:`\sigma` (noise
scale / sensitivity):

* Gaussian: :math:`\varepsilon_R(\alpha) = \alpha / (2\sigma^2)`;
* Laplace (scale :math:`b = \sigma`), for :math:`\alpha > 1` [Mir17]_ (Proposition 6):
  :math:`\frac{1}{\alpha-1}\log\left(\frac{\alpha}{2\alpha-1}e^{(\alpha-1)/b}
  + \frac{\alpha-1}{2\alpha-1}e^{-\alpha/b}\right)`;
* Poisson-subsampled Gaussian (each example joins a batch with probability
  :math:`q`, as DP-SGD assumes) [MTZ19]_: :math:`\varepsilon_R(\alpha) = \log A_\alpha / (\alpha-1)` with

  .. math:: A_\alpha = \sum_{i=0}^{\alpha} \binom{\alpha}{i} (1-q)^{\alpha-i} q^i
            \exp\!\left(\frac{i^2 - i}{2\sigma^2}\right)

  for integer orders, and a series of the same kind for fractional orders
  (Section 3.3 of [MTZ19]_), with numerical integration where it converges too slowly.

Everything is computed in log space, so thousands of steps and orders up to
1024 neither overflow nor lose precision. The formulas and the default orders
are those of dp-accounting's ``RdpAccountant``, and the tests check that both
give the same epsilons. The unit of privacy is one example, with add/remove-one
neighbouring datasets.

Introduced in notebook 04.

References
----------
.. [Mir17] I. Mironov. Rényi differential privacy. CSF 2017.
.. [MTZ19] I. Mironov, K. Talwar, L. Zhang. Rényi differential privacy of the
   sampled Gaussian mechanism. arXiv:1908.10530, 2019.
.. [CKS20] C. Canonne, G. Kamath, T. Steinke. The discrete Gaussian for
   differential privacy. NeurIPS 2020. (Proposition 12.)
.. [BBGHS20] B. Balle, G. Barthe, M. Gaboardi, J. Hsu, T. Sato. Hypothesis
   testing interpretations and Rényi differential privacy. AISTATS 2020.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from .._validation import (EPSILON_FIX, check_array, check_delta, check_noise_multiplier,
                           check_nonnegative, check_sample_rate, check_steps, fail)

__all__ = [
    "DEFAULT_ORDERS",
    "RDPAccountant",
    "gaussian_rdp",
    "laplace_rdp",
    "subsampled_gaussian_rdp",
    "rdp_to_epsilon",
    "rdp_to_delta",
]

#: The orders of dp-accounting's ``RdpAccountant``: 1.1, 1.2, ..., 10.9, then 11, ..., 63,
#: 128, 256, 512 and 1024. Small orders matter for large epsilons, large ones for small.
DEFAULT_ORDERS: tuple[float, ...] = tuple(
    [1 + x / 10.0 for x in range(1, 100)] + [float(a) for a in range(11, 64)]
    + [128.0, 256.0, 512.0, 1024.0])

#: The fractional-order series stops after this many terms, as dp-accounting's does. Where it
#: has not converged by then, dp-accounting leaves the order out; we integrate numerically.
MAX_SERIES_TERMS = 1000
_CHUNK = 64  # terms of the series computed at once

ORDERS_FIX = "Pass Rényi orders greater than 1, e.g. orders=[1.5, 2, 4, 8, 16, 32, 64]."


def _check_orders(orders: Any) -> np.ndarray:
    arr = check_array(orders, "orders", ndim=1, fix=ORDERS_FIX)
    if np.any(arr <= 1):
        raise fail("orders", "numbers greater than 1", arr, ORDERS_FIX)
    return arr


# --------------------------------------------------------------------------------------------
# RDP curves of the mechanisms (per use, sensitivity 1)
# --------------------------------------------------------------------------------------------

def gaussian_rdp(noise_multiplier: float, orders: Any = DEFAULT_ORDERS) -> np.ndarray:
    r"""RDP of the Gaussian mechanism: :math:`\varepsilon_R(\alpha) = \alpha / (2\sigma^2)`.

    Parameters
    ----------
    noise_multiplier : float
        Noise standard deviation / L2 sensitivity, > 0.
    orders : array-like of float, default DEFAULT_ORDERS
        Rényi orders, each > 1.

    Returns
    -------
    numpy.ndarray
        One RDP value per order.

    Examples
    --------
    >>> gaussian_rdp(2.0, orders=[2, 8, 32])
    array([0.25, 1.  , 4.  ])
    """
    sigma = check_noise_multiplier(noise_multiplier)
    return _check_orders(orders) / (2.0 * sigma**2)


def laplace_rdp(noise_multiplier: float, orders: Any = DEFAULT_ORDERS) -> np.ndarray:
    r"""RDP of the Laplace mechanism with scale ``noise_multiplier`` [Mir17]_ (Proposition 6).

    With :math:`b` the scale / L1 sensitivity (the mechanism is ``1/b``-DP):

    .. math:: \varepsilon_R(\alpha) = \frac{1}{\alpha-1}\log\left(
              \frac{\alpha}{2\alpha-1}e^{(\alpha-1)/b} + \frac{\alpha-1}{2\alpha-1}e^{-\alpha/b}\right)

    It tends to ``1/b`` as the order grows. Computed in the equivalent stable
    form :math:`1/b + \log\!\big(1 + \frac{\alpha-1}{2\alpha-1}(e^{(1-2\alpha)/b}-1)\big)/(\alpha-1)`.

    Examples
    --------
    >>> laplace_rdp(1.0, orders=[2, 1024]).round(4)
    array([0.6191, 0.9993])
    """
    b = check_noise_multiplier(noise_multiplier)
    alpha = _check_orders(orders)
    eps = 1.0 / b
    inner = (alpha - 1) * np.expm1(eps * (1 - 2 * alpha)) / (2 * alpha - 1)
    return eps + np.log1p(inner) / (alpha - 1)


def _log_a_integer(q: float, sigma: float, alphas: np.ndarray) -> np.ndarray:
    r"""log A_alpha for integer orders: the binomial expansion, summed in log space.

    The terms of all orders sit in one flat array, one segment per order, so
    that the sums are a few numpy calls.
    """
    alphas = alphas.astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(alphas + 1)[:-1]))
    alpha = np.repeat(alphas, alphas + 1)  # each order, once per term
    i = np.arange(alpha.size) - np.repeat(starts, alphas + 1)  # 0 .. alpha within a segment
    log_binom = special.gammaln(alpha + 1) - special.gammaln(i + 1) - special.gammaln(alpha - i + 1)
    log_terms = (log_binom + i * math.log(q) + (alpha - i) * math.log1p(-q)
                 + (i * i - i) / (2 * sigma**2))
    top = np.maximum.reduceat(log_terms, starts)  # log-sum-exp of each segment
    return top + np.log(np.add.reduceat(np.exp(log_terms - np.repeat(top, alphas + 1)), starts))


def _log_a_fractional(q: float, sigma: float, alphas: np.ndarray) -> np.ndarray:
    r"""log A_alpha for fractional orders (Section 3.3 of [MTZ19]_), one row per order.

    A_alpha splits at :math:`z_0 = \sigma^2\log(1/q - 1) + 1/2` into two series,
    :math:`A_0 = \sum_i \binom{\alpha}{i} q^i (1-q)^{\alpha-i} e^{(i^2-i)/(2\sigma^2)}
    \Phi((z_0 - i)/\sigma)` and :math:`A_1`, the same with :math:`j = \alpha - i`
    in place of :math:`i` and :math:`\Phi((j - z_0)/\sigma)`. As in
    dp-accounting, the binomials enter by their absolute value (so the result is
    an upper bound on :math:`A_\alpha`: safe, and a little loose between integer
    orders; the tests compare it with numerical integration) and the sum stops
    at the first term ``i`` where both series decrease and the larger new term is
    below ``e**-30`` times the total; rows that do not converge within
    ``MAX_SERIES_TERMS`` terms give ``inf`` (and are then integrated numerically
    by :func:`_log_a_integral`).
    """
    z0 = sigma**2 * math.log(1 / q - 1) + 0.5
    log_q, log_1mq = math.log(q), math.log1p(-q)
    out = np.full(alphas.shape, np.inf)
    rows = np.arange(alphas.size)  # orders still summing
    sum0 = np.full(alphas.shape, -np.inf)  # log of the partial sums of A_0 and A_1
    sum1 = np.full(alphas.shape, -np.inf)
    last0 = np.full(alphas.shape, -np.inf)  # log of the last terms
    last1 = np.full(alphas.shape, -np.inf)
    for start in range(0, MAX_SERIES_TERMS, _CHUNK):  # most orders stop in the first chunk
        i = np.arange(start, min(start + _CHUNK, MAX_SERIES_TERMS))[None, :]
        alpha = alphas[rows, None]
        j = alpha - i
        log_binom = special.gammaln(alpha + 1) - special.gammaln(i + 1) - special.gammaln(j + 1)
        log_s0 = (log_binom + i * log_q + j * log_1mq + (i * i - i) / (2 * sigma**2)
                  + special.log_ndtr((z0 - i) / sigma))
        log_s1 = (log_binom + j * log_q + i * log_1mq + (j * j - j) / (2 * sigma**2)
                  + special.log_ndtr((j - z0) / sigma))
        cum0 = np.logaddexp(sum0[rows, None], np.logaddexp.accumulate(log_s0, axis=1))
        cum1 = np.logaddexp(sum1[rows, None], np.logaddexp.accumulate(log_s1, axis=1))
        total = np.logaddexp(cum0, cum1)
        prev0 = np.concatenate((last0[rows, None], log_s0[:, :-1]), axis=1)
        prev1 = np.concatenate((last1[rows, None], log_s1[:, :-1]), axis=1)
        done = ((log_s0 < prev0) & (log_s1 < prev1)
                & (np.maximum(log_s0, log_s1) < total - 30))
        stopped = done.any(axis=1)
        out[rows[stopped]] = total[stopped, np.argmax(done[stopped], axis=1)]
        sum0[rows], sum1[rows] = cum0[:, -1], cum1[:, -1]
        last0[rows], last1[rows] = log_s0[:, -1], log_s1[:, -1]
        rows = rows[~stopped]
        if rows.size == 0:
            break
    return out


def _log_a_integral(q: float, sigma: float, alphas: np.ndarray) -> np.ndarray:
    r"""log A_alpha from its definition, by numerical integration (any order > 1).

    .. math:: A_\alpha = \mathbb{E}_{z \sim N(0, \sigma^2)}\left[\left(1 - q + q\,
              e^{(2z - 1)/(2\sigma^2)}\right)^\alpha\right]

    The integrand is smooth and decays like a Gaussian, so the trapezoidal rule
    on a grid of step sigma/8 over [-15 sigma, alpha + 15 sigma], summed in log
    space, is accurate to about 1e-11 (a test compares it with scipy's quad).
    Used for the fractional orders whose series does not converge.
    """
    out = np.empty(alphas.shape)
    for k, alpha in enumerate(alphas):
        z, step = np.linspace(-15 * sigma, alpha + 15 * sigma,
                              int(math.ceil((alpha + 30 * sigma) / sigma * 8)) + 1, retstep=True)
        log_ratio = np.logaddexp(math.log1p(-q), math.log(q) + (2 * z - 1) / (2 * sigma**2))
        log_density = -z * z / (2 * sigma**2) - math.log(sigma * math.sqrt(2 * math.pi))
        out[k] = special.logsumexp(log_density + alpha * log_ratio) + math.log(step)
    return out


def _subsampled_gaussian_rdp(q: float, sigma: float, orders: np.ndarray) -> np.ndarray:
    """:func:`subsampled_gaussian_rdp` without the checks."""
    if q == 1.0:
        return orders / (2.0 * sigma**2)
    is_int = orders == np.round(orders)
    log_a = np.empty_like(orders)
    if is_int.any():
        log_a[is_int] = _log_a_integer(q, sigma, orders[is_int])
    if not is_int.all():
        log_a[~is_int] = _log_a_fractional(q, sigma, orders[~is_int])
        stuck = ~is_int & np.isinf(log_a)  # series not converged: dp-accounting drops these
        if stuck.any():
            log_a[stuck] = _log_a_integral(q, sigma, orders[stuck])
    return np.maximum(log_a / (orders - 1), 0.0)  # >= 0; clears rounding below zero


def subsampled_gaussian_rdp(noise_multiplier: float, sample_rate: float,
                            orders: Any = DEFAULT_ORDERS) -> np.ndarray:
    r"""RDP of one step of the Poisson-subsampled Gaussian mechanism [MTZ19]_.

    Each example is in the batch independently with probability ``sample_rate``
    :math:`q`; the batch's clipped sum gets Gaussian noise of standard deviation
    ``noise_multiplier * clip_norm``. For integer orders

    .. math:: \varepsilon_R(\alpha) = \frac{1}{\alpha-1}\log \sum_{i=0}^{\alpha}
              \binom{\alpha}{i} (1-q)^{\alpha-i} q^i \exp\!\left(\frac{i^2-i}{2\sigma^2}\right),

    and fractional orders use the two-sided series of Section 3.3 of [MTZ19]_,
    as dp-accounting does. Where that series has not converged after
    ``MAX_SERIES_TERMS`` terms (little noise, a large ``sample_rate``, orders
    near 1), dp-accounting leaves the order out; here :math:`A_\alpha` is then
    integrated numerically from its definition instead. Leaving orders out made
    epsilon *drop* when the noise was lowered (e.g. from 0.5 to 0.485 at
    ``sample_rate=0.5``, 40 steps); integrating keeps it monotone.
    With ``sample_rate=1`` this is :func:`gaussian_rdp`.

    Examples
    --------
    >>> subsampled_gaussian_rdp(1.0, 0.01, orders=[2, 8, 32]).round(6)
    array([1.7200000e-04, 8.9400000e-04, 1.1246276e+01])
    """
    sigma = check_noise_multiplier(noise_multiplier)
    q = check_sample_rate(sample_rate)
    return _subsampled_gaussian_rdp(q, sigma, _check_orders(orders))


# --------------------------------------------------------------------------------------------
# Conversion to (epsilon, delta)
# --------------------------------------------------------------------------------------------

def _check_curve(orders: Any, rdp: Any) -> tuple[np.ndarray, np.ndarray]:
    alpha = _check_orders(orders)
    values = check_array(rdp, "rdp", ndim=1, finite=False,
                         fix="Pass one RDP value per order, e.g. from gaussian_rdp.")
    if values.shape != alpha.shape or np.any(np.isnan(values)) or np.any(values < 0):
        raise fail("rdp", f"{alpha.size} non-negative numbers (one per order)", values,
                   "Pass one RDP value per order, e.g. from gaussian_rdp.")
    return alpha, values


def _epsilons(alpha: np.ndarray, rdp: np.ndarray, delta: float) -> np.ndarray:
    r"""Per-order epsilon of the improved conversion (Proposition 12 of [CKS20]_)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        eps = rdp + np.log1p(-1 / alpha) - (math.log(delta) + np.log(alpha)) / (alpha - 1)
    eps = np.where(alpha > 1.01, eps, np.inf)  # unstable and useless as alpha -> 1
    # the order-alpha RDP bounds the KL divergence, and delta >= sqrt(1 - exp(-KL)) gives 0
    return np.where(delta**2 + np.expm1(-rdp) > 0, 0.0, eps)


def _log_deltas(alpha: np.ndarray, rdp: np.ndarray, epsilon: float) -> np.ndarray:
    """Per-order log delta of the same conversion, solved for delta."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_kl = 0.5 * np.log1p(-np.exp(-rdp))
        log_rdp = (alpha - 1) * (rdp - epsilon + np.log1p(-1 / alpha)) - np.log(alpha)
    return np.where(alpha > 1.01, np.minimum(log_kl, log_rdp), log_kl)


def rdp_to_epsilon(orders: Any, rdp: Any, delta: float) -> tuple[float, float]:
    r"""Smallest epsilon of an RDP curve at ``delta``, and the order that gives it.

    .. math:: \varepsilon(\alpha) = \varepsilon_R(\alpha) + \log\frac{\alpha-1}{\alpha}
              - \frac{\log\delta + \log\alpha}{\alpha-1}

    is the improved conversion of [CKS20]_ (Proposition 12) and [BBGHS20]_;
    it is smaller than Mironov's original :math:`\varepsilon_R(\alpha) + \log(1/\delta)/(\alpha-1)`
    by exactly :math:`\log(\alpha/(\alpha-1)) + \log(\alpha)/(\alpha-1)`. As in dp-accounting,
    orders <= 1.01 are skipped (the bound is unstable there), and epsilon is 0
    when ``delta >= sqrt(1 - exp(-rdp))`` (a bound through the KL divergence).

    Examples
    --------
    Ten uses of the Gaussian mechanism with noise multiplier 5:

    >>> orders = [2.0, 4.0, 8.0, 16.0, 32.0]
    >>> eps, order = rdp_to_epsilon(orders, gaussian_rdp(5.0, orders) * 10, delta=1e-5)
    >>> round(eps, 4), order
    (2.8141, 8.0)
    """
    alpha, values = _check_curve(orders, rdp)
    delta = check_delta(delta)
    eps = _epsilons(alpha, values, delta)
    best = int(np.argmin(eps))
    return max(float(eps[best]), 0.0), float(alpha[best])


def rdp_to_delta(orders: Any, rdp: Any, epsilon: float) -> tuple[float, float]:
    r"""Smallest delta of an RDP curve at ``epsilon``, and the order that gives it.

    The same bound as :func:`rdp_to_epsilon`, solved for delta:
    :math:`\delta(\alpha) = \exp\big((\alpha-1)(\varepsilon_R(\alpha) - \varepsilon
    + \log(1 - 1/\alpha)) - \log\alpha\big)`, together with the KL bound
    :math:`\sqrt{1 - e^{-\varepsilon_R(\alpha)}}`, capped at 1.

    Examples
    --------
    >>> orders = [2.0, 4.0, 8.0, 16.0, 32.0]
    >>> delta, order = rdp_to_delta(orders, gaussian_rdp(5.0, orders) * 10, epsilon=2.8141)
    >>> f"{delta:.3g}", order
    ('1e-05', 8.0)
    """
    alpha, values = _check_curve(orders, rdp)
    epsilon = check_nonnegative(epsilon, "epsilon", fix=EPSILON_FIX)
    log_deltas = _log_deltas(alpha, values, epsilon)
    best = int(np.argmin(log_deltas))
    return min(math.exp(log_deltas[best]), 1.0), float(alpha[best])


# --------------------------------------------------------------------------------------------
# The accountant
# --------------------------------------------------------------------------------------------

class RDPAccountant:
    r"""Rényi DP accountant: add up the RDP curves of the mechanisms, then convert.

    Composition in RDP is a sum at each order, so ``steps`` uses of a mechanism
    cost ``steps`` times its curve. :meth:`get_epsilon` converts the total with
    the improved bound of [CKS20]_, minimised over the orders.

    Parameters
    ----------
    orders : array-like of float, optional
        Rényi orders, each > 1; :data:`DEFAULT_ORDERS` (dp-accounting's) by default.

    Attributes
    ----------
    orders : numpy.ndarray
        The orders (a copy).
    rdp : numpy.ndarray
        The composed RDP at each order (a copy).
    events : tuple of str
        What was composed, in order.

    Examples
    --------
    DP-SGD on MNIST: batches of 256 out of 60,000 for 60 epochs.

    >>> acc = RDPAccountant().compose_gaussian(1.1, sample_rate=256 / 60000, steps=14063)
    >>> round(acc.get_epsilon(delta=1e-5), 3)
    2.597
    >>> f"{acc.get_delta(epsilon=2.597):.2g}"
    '1e-05'
    """

    def __init__(self, orders: Any = None) -> None:
        self._orders = _check_orders(DEFAULT_ORDERS if orders is None else orders).copy()
        self._rdp = np.zeros_like(self._orders)
        self._events: list[str] = []

    @property
    def orders(self) -> np.ndarray:
        """The Rényi orders (a copy)."""
        return self._orders.copy()

    @property
    def rdp(self) -> np.ndarray:
        """The composed RDP at each order (a copy)."""
        return self._rdp.copy()

    @property
    def events(self) -> tuple[str, ...]:
        """What was composed, in order."""
        return tuple(self._events)

    def __repr__(self) -> str:
        orders = f"{self._orders.size} orders from {self._orders.min():g} to {self._orders.max():g}"
        return f"RDPAccountant(orders=<{orders}>, events={self._events!r})"

    def compose_gaussian(self, noise_multiplier: float, sample_rate: float = 1.0,
                         steps: int = 1) -> "RDPAccountant":
        """Add ``steps`` uses of the (Poisson-subsampled) Gaussian mechanism; returns ``self``.

        Parameters
        ----------
        noise_multiplier : float
            Noise standard deviation / L2 sensitivity (clipping norm), > 0.
        sample_rate : float, default 1.0
            Probability that each example is in a batch, in (0, 1]; 1 is no sampling.
        steps : int, default 1
            Number of uses, >= 1.
        """
        sigma = check_noise_multiplier(noise_multiplier)
        q = check_sample_rate(sample_rate)
        steps = check_steps(steps)
        self._rdp = self._rdp + steps * _subsampled_gaussian_rdp(q, sigma, self._orders)
        self._events.append(f"gaussian(noise_multiplier={sigma:g}, sample_rate={q:g}, "
                            f"steps={steps})")
        return self

    def compose_laplace(self, noise_multiplier: float, steps: int = 1) -> "RDPAccountant":
        """Add ``steps`` uses of the Laplace mechanism; returns ``self``.

        Parameters
        ----------
        noise_multiplier : float
            Laplace scale / L1 sensitivity (= 1 / epsilon of one use), > 0.
        steps : int, default 1
            Number of uses, >= 1.

        Examples
        --------
        >>> acc = RDPAccountant().compose_laplace(10.0, steps=100)  # 100 queries at epsilon 0.1
        >>> round(acc.get_epsilon(delta=1e-5), 3)  # basic composition says 10
        4.533
        """
        b = check_noise_multiplier(noise_multiplier)
        steps = check_steps(steps)
        self._rdp = self._rdp + steps * laplace_rdp(b, self._orders)
        self._events.append(f"laplace(noise_multiplier={b:g}, steps={steps})")
        return self

    def get_epsilon_and_order(self, delta: float) -> tuple[float, float]:
        """Smallest epsilon at ``delta`` in (0, 1) and the order that achieves it."""
        delta = check_delta(delta)
        return rdp_to_epsilon(self._orders, self._rdp, delta)

    def get_epsilon(self, delta: float) -> float:
        """Smallest epsilon of everything composed so far, at ``delta`` in (0, 1)."""
        return self.get_epsilon_and_order(delta)[0]

    def get_delta(self, epsilon: float) -> float:
        """Smallest delta of everything composed so far, at ``epsilon`` >= 0."""
        epsilon = check_nonnegative(epsilon, "epsilon", fix=EPSILON_FIX)
        return rdp_to_delta(self._orders, self._rdp, epsilon)[0]
