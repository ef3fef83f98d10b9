r"""The PLD accountant: tight epsilons for the Gaussian, subsampled Gaussian and Laplace mechanisms.

Where the RDP accountant bounds each mechanism by a few numbers and loses some
tightness in the conversion to (epsilon, delta), the privacy loss distribution
(PLD) keeps the whole distribution of the privacy loss and composes it exactly,
up to a discretisation error that is always on the safe side (see
:mod:`ppml_lab.dp.pld_distribution`) [SMM19]_ [KJH20]_ [DGKKM22]_.

Each mechanism enters through its *hockey-stick curve* :math:`\delta(\varepsilon)`
(any real :math:`\varepsilon`), for ``noise_multiplier`` :math:`\sigma` and
sensitivity 1:

* Gaussian, :math:`P = N(1, \sigma^2)` against :math:`Q = N(0, \sigma^2)` [BW18]_:
  :math:`\delta_G(\varepsilon) = \Phi(\tfrac{1}{2\sigma} - \varepsilon\sigma)
  - e^\varepsilon\,\Phi(-\tfrac{1}{2\sigma} - \varepsilon\sigma)`;
* Poisson-subsampled Gaussian with sample rate :math:`q`: one example joins the
  batch with probability :math:`q`, so with it the output is the mixture
  :math:`M = (1-q)\,N(0,\sigma^2) + q\,N(1,\sigma^2)`. The two neighbouring
  directions give different PLDs [ZDW22]_:

  - remove (:math:`P = M`, :math:`Q = N(0,\sigma^2)`):
    :math:`\delta(\varepsilon) = q\,\delta_G\big(\log(1 + (e^\varepsilon - 1)/q)\big)`,
    and :math:`1 - e^\varepsilon` when :math:`\varepsilon \le \log(1-q)`;
  - add (:math:`P = N(0,\sigma^2)`, :math:`Q = M`):
    :math:`\delta(\varepsilon) = (1 - (1-q)e^\varepsilon)\,
    \delta_G\big(-\log(1 + (e^{-\varepsilon} - 1)/q)\big)`,
    and 0 when :math:`\varepsilon \ge -\log(1-q)`;

  the accountant composes each direction on its own and reports the worse, as
  dp-accounting does;
* Laplace with scale :math:`b` (``noise_multiplier``), both directions alike:
  :math:`\delta(\varepsilon) = 1 - e^{(\varepsilon - 1/b)/2}` for
  :math:`|\varepsilon| \le 1/b` (0 above, :math:`1 - e^\varepsilon` below).

``steps`` uses of the plain Gaussian are one Gaussian with noise
:math:`\sigma/\sqrt{steps}`, exactly; everything else is composed by FFT.
The unit of privacy is one example, with add/remove-one neighbouring datasets.

Introduced in notebook 04.

References
----------
.. [BW18] B. Balle, Y.-X. Wang. Improving the Gaussian mechanism for differential
   privacy: analytical calibration and optimal denoising. ICML 2018.
.. [ZDW22] Y. Zhu, J. Dong, Y.-X. Wang. Optimal accounting of differential
   privacy via characteristic function. AISTATS 2022.
.. [MM18] S. Meiser, E. Mohammadi. Tight on budget? Tight bounds for r-fold
   approximate differential privacy. CCS 2018.
.. [SMM19] D. Sommer, S. Meiser, E. Mohammadi. Privacy loss classes: the central
   limit theorem in differential privacy. PoPETs 2019.
.. [KJH20] A. Koskela, J. Jälkö, A. Honkela. Computing tight differential privacy
   guarantees using FFT. AISTATS 2020.
.. [DGKKM22] V. Doroshenko, B. Ghazi, P. Kamath, R. Kumar, P. Manurangsi. Connect
   the dots: tighter discrete approximations of privacy loss distributions.
   PoPETs 2022.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from .._validation import (EPSILON_FIX, check_array, check_choice, check_delta_or_zero,
                           check_noise_multiplier, check_nonnegative, check_positive,
                           check_sample_rate, check_steps)
from .pld_distribution import TAIL_MASS, PrivacyLossDistribution

__all__ = ["PLDAccountant", "PrivacyLossDistribution", "gaussian_hockey_stick",
           "subsampled_gaussian_hockey_stick", "laplace_hockey_stick"]

DISCRETIZATIONS = ("connect_dots", "round_up")
DIRECTIONS = ("remove", "add")


# --- the mechanisms' curves -----------------------------------------------------------------------

def gaussian_hockey_stick(epsilon: Any, noise_multiplier: float) -> np.ndarray:
    r"""Delta of the Gaussian mechanism at each (real) epsilon [BW18]_, vectorised.

    Parameters
    ----------
    epsilon : float or array-like
        Epsilons, any real numbers (negative ones too: the PLD needs them).
    noise_multiplier : float
        Noise standard deviation / L2 sensitivity, > 0.

    Returns
    -------
    numpy.ndarray
        Delta at each epsilon.

    Examples
    --------
    >>> gaussian_hockey_stick([0.0, 1.0], noise_multiplier=1.0).round(4)
    array([0.3829, 0.1269])
    """
    sigma = check_noise_multiplier(noise_multiplier)
    eps = check_array(epsilon, "epsilon", ndim=(0, 1), finite=False, allow_empty=True)
    return _gaussian_hockey_stick(eps, sigma)


def _gaussian_hockey_stick(eps: np.ndarray, sigma: float) -> np.ndarray:
    """:func:`gaussian_hockey_stick` without the checks."""
    with np.errstate(over="ignore", invalid="ignore"):
        delta = (np.exp(special.log_ndtr(0.5 / sigma - eps * sigma))
                 - np.exp(eps + special.log_ndtr(-0.5 / sigma - eps * sigma)))
    delta = np.where(eps == -np.inf, 1.0, np.where(eps == np.inf, 0.0, delta))
    return np.clip(delta, 0.0, 1.0)


def subsampled_gaussian_hockey_stick(epsilon: Any, noise_multiplier: float, sample_rate: float,
                                     direction: str = "remove") -> np.ndarray:
    r"""Delta of the Poisson-subsampled Gaussian at each epsilon, in one direction [ZDW22]_.

    Parameters
    ----------
    epsilon : float or array-like
        Epsilons, any real numbers.
    noise_multiplier : float
        Noise standard deviation / L2 sensitivity, > 0.
    sample_rate : float
        Probability that the example is in the batch, in (0, 1].
    direction : {"remove", "add"}, default "remove"
        "remove": the dataset with the example against the one without;
        "add": the other way round.

    Returns
    -------
    numpy.ndarray
        Delta at each epsilon.

    Examples
    --------
    >>> eps = np.array([0.0, 0.5])
    >>> subsampled_gaussian_hockey_stick(eps, 1.0, 0.1, "remove").round(5)
    array([0.03829, 0.00203])
    >>> subsampled_gaussian_hockey_stick(eps, 1.0, 0.1, "add").round(5)
    array([0.03829, 0.     ])
    """
    sigma = check_noise_multiplier(noise_multiplier)
    q = check_sample_rate(sample_rate)
    direction = check_choice(direction, "direction", DIRECTIONS)
    eps = check_array(epsilon, "epsilon", ndim=(0, 1), finite=False, allow_empty=True)
    return _subsampled_gaussian_hockey_stick(eps, sigma, q, direction)


def _subsampled_gaussian_hockey_stick(eps: np.ndarray, sigma: float, q: float,
                                      direction: str) -> np.ndarray:
    """:func:`subsampled_gaussian_hockey_stick` without the checks (same shape as ``eps``)."""
    shape, eps = np.shape(eps), np.atleast_1d(eps)
    log_keep = math.log1p(-q) if q < 1 else -math.inf  # log(1 - q)
    delta = np.zeros_like(eps)
    if direction == "remove":
        inside = eps > log_keep
        e = eps[inside]
        delta[~inside] = -np.expm1(eps[~inside])
        delta[inside] = q * _gaussian_hockey_stick(_amplified(e, q), sigma)
    else:
        inside = eps < -log_keep
        e = eps[inside]
        factor = -np.expm1(log_keep + e) if q < 1 else 1.0  # 1 - (1 - q) e^eps
        delta[inside] = factor * _gaussian_hockey_stick(-_amplified(-e, q), sigma)
    return np.clip(delta, 0.0, 1.0).reshape(shape)


def _amplified(eps: np.ndarray, q: float) -> np.ndarray:
    """``log(1 + (e^eps - 1) / q)``: the epsilon of the unsampled mechanism (any eps > log(1-q))."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        small = np.log1p(np.expm1(eps) / q)
        large = eps + np.log1p(-(1 - q) * np.exp(-eps)) - math.log(q)  # no overflow for big eps
    return np.where(eps > 1.0, large, small)


def laplace_hockey_stick(epsilon: Any, noise_multiplier: float) -> np.ndarray:
    """Delta of the Laplace mechanism (scale ``noise_multiplier``) at each epsilon.

    Parameters
    ----------
    epsilon : float or array-like
        Epsilons, any real numbers.
    noise_multiplier : float
        Laplace scale / L1 sensitivity, > 0.

    Returns
    -------
    numpy.ndarray
        Delta at each epsilon.

    Examples
    --------
    >>> laplace_hockey_stick([0.0, 0.5, 1.0], noise_multiplier=1.0).round(4)
    array([0.3935, 0.2212, 0.    ])
    """
    b = check_noise_multiplier(noise_multiplier)
    eps = check_array(epsilon, "epsilon", ndim=(0, 1), finite=False, allow_empty=True)
    return _laplace_hockey_stick(eps, b)


def _laplace_hockey_stick(eps: np.ndarray, b: float) -> np.ndarray:
    """:func:`laplace_hockey_stick` without the checks."""
    top = 1.0 / b
    with np.errstate(over="ignore"):
        delta = np.where(eps < -top, -np.expm1(eps), -np.expm1((eps - top) / 2))
    return np.clip(delta, 0.0, 1.0) + 0.0  # + 0.0 turns -0.0 into 0.0


def _gaussian_tail(eps: np.ndarray, sigma: float, q: float, direction: str) -> np.ndarray:
    """P[L > eps] of the subsampled Gaussian's loss (for rounding up)."""
    log_keep = math.log1p(-q) if q < 1 else -math.inf
    tail = np.zeros_like(eps)
    if direction == "remove":  # L > eps  <=>  x > x_eps, with x ~ M
        inside = eps > log_keep
        tail[~inside] = 1.0
        x = sigma**2 * _amplified(eps[inside], q) + 0.5
        tail[inside] = (1 - q) * special.ndtr(-x / sigma) + q * special.ndtr((1 - x) / sigma)
    else:  # L > eps  <=>  x < x_eps, with x ~ N(0, sigma^2)
        inside = eps < -log_keep
        x = sigma**2 * _amplified(-eps[inside], q) + 0.5
        tail[inside] = special.ndtr(x / sigma)
    return tail


def _laplace_tail(eps: np.ndarray, b: float) -> np.ndarray:
    """P[L > eps] of the Laplace mechanism's loss: an atom of 1/2 at 1/b, one at -1/b."""
    top = 1.0 / b
    return np.where(eps < -top, 1.0, np.where(eps >= top, 0.0, 1 - 0.5 * np.exp((eps - top) / 2)))


def _gaussian_loss_range(sigma: float, q: float, direction: str,
                         tail: float) -> tuple[float, float]:
    """Losses of the outcomes x in [x_low, x_high], outside which P has at most ``2 * tail``."""
    z = -special.ndtri(tail)  # N(0, 1) has mass `tail` above z

    def loss(x: float) -> float:  # remove-direction loss log(1 - q + q exp((x - 1/2) / sigma^2))
        unsampled = (x - 0.5) / sigma**2
        return unsampled if q == 1 else float(np.logaddexp(math.log1p(-q), math.log(q) + unsampled))

    if direction == "remove":  # P = M: its components are N(0, .) and N(1, .)
        return loss(-z * sigma), loss(1 + z * sigma)
    return -loss(z * sigma), -loss(-z * sigma)  # P = N(0, .); the loss is decreasing in x


# --- the accountant -------------------------------------------------------------------------------

class PLDAccountant:
    r"""Privacy accounting with privacy loss distributions: tight, and never optimistic.

    Each ``compose_*`` call discretises the mechanism's privacy loss on a grid of
    spacing ``value_discretization_interval``, composes ``steps`` copies by FFT and
    convolves the result into the running total; :meth:`get_epsilon` reads the
    total off [KJH20]_. Subsampled mechanisms are tracked in both directions
    (add and remove) and the worse is reported.

    Parameters
    ----------
    value_discretization_interval : float, default 1e-4
        Spacing of the loss grid, > 0. Smaller is tighter and slower.
    discretization : {"connect_dots", "round_up"}, default "connect_dots"
        How losses are put on the grid, both pessimistic: "connect_dots"
        [DGKKM22]_ is exact at the grid points; "round_up" (privacy buckets
        [MM18]_) rounds each loss up, which drifts upwards over many steps.

    Attributes
    ----------
    events : tuple of str
        What was composed, in order.
    remove_pld, add_pld : PrivacyLossDistribution
        The composed PLD in each direction (the same object for symmetric mechanisms).

    Examples
    --------
    DP-SGD on MNIST: batches of 256 out of 60,000 for 60 epochs (the RDP
    accountant says 2.597).

    >>> acc = PLDAccountant().compose_gaussian(1.1, sample_rate=256 / 60000, steps=14063)
    >>> round(acc.get_epsilon(delta=1e-5), 3)
    2.382
    >>> f"{acc.get_delta(epsilon=2.382):.2g}"
    '1e-05'

    Different mechanisms compose too:

    >>> acc = PLDAccountant().compose_gaussian(5.0, steps=10).compose_laplace(20.0, steps=5)
    >>> round(acc.get_epsilon(delta=1e-6), 3)
    2.97
    """

    def __init__(self, value_discretization_interval: float = 1e-4,
                 discretization: str = "connect_dots") -> None:
        self.value_discretization_interval = check_positive(
            value_discretization_interval, "value_discretization_interval",
            fix="Pass e.g. value_discretization_interval=1e-4 (smaller is tighter and slower).")
        self.discretization = check_choice(discretization, "discretization", DISCRETIZATIONS)
        self._remove = self._add = PrivacyLossDistribution.identity(
            self.value_discretization_interval)
        self._events: list[str] = []

    @property
    def events(self) -> tuple[str, ...]:
        """What was composed, in order."""
        return tuple(self._events)

    @property
    def remove_pld(self) -> PrivacyLossDistribution:
        """The composed PLD for removing an example (dataset with it against without)."""
        return self._remove

    @property
    def add_pld(self) -> PrivacyLossDistribution:
        """The composed PLD for adding an example (dataset without it against with)."""
        return self._add

    def __repr__(self) -> str:
        interval = self.value_discretization_interval
        return (f"PLDAccountant(value_discretization_interval={interval:g}"
                f", discretization={self.discretization!r}, events={self._events!r})")

    def _discretise(self, delta_of: Any, tail_of: Any,
                    loss_range: tuple[float, float]) -> PrivacyLossDistribution:
        h = self.value_discretization_interval
        if self.discretization == "connect_dots":
            return PrivacyLossDistribution.from_hockey_stick(delta_of, loss_range, h)
        return PrivacyLossDistribution.from_loss_tail(tail_of, loss_range, h)

    def _compose(self, remove: PrivacyLossDistribution,
                 add: PrivacyLossDistribution | None = None) -> None:
        """Fold one mechanism's PLDs into the totals (``add=None``: the same in both directions)."""
        add = remove if add is None else add
        if not self._events:  # nothing composed yet
            self._remove, self._add = remove, add
        elif self._remove is self._add and remove is add:  # symmetric so far: compose once
            self._remove = self._add = self._remove.compose(remove)
        else:
            self._remove, self._add = self._remove.compose(remove), self._add.compose(add)

    def compose_gaussian(self, noise_multiplier: float, sample_rate: float = 1.0,
                         steps: int = 1) -> "PLDAccountant":
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
        if q == 1.0:  # `steps` Gaussians are one Gaussian with sigma / sqrt(steps)
            total = sigma / math.sqrt(steps)
            pld = self._discretise(
                lambda e: _gaussian_hockey_stick(e, total),
                lambda e: _gaussian_tail(e, total, 1.0, "remove"),
                _gaussian_loss_range(total, 1.0, "remove", TAIL_MASS / 4))
            self._compose(pld)
        else:  # each step's mass cut off in building costs at most TAIL_MASS / 2 over all steps
            plds = [self._discretise(
                lambda e, d=direction: _subsampled_gaussian_hockey_stick(e, sigma, q, d),
                lambda e, d=direction: _gaussian_tail(e, sigma, q, d),
                _gaussian_loss_range(sigma, q, direction, TAIL_MASS / (4 * steps))
            ).self_compose(steps) for direction in ("remove", "add")]
            self._compose(*plds)
        self._events.append(f"gaussian(noise_multiplier={sigma:g}, sample_rate={q:g}, "
                            f"steps={steps})")
        return self

    def compose_laplace(self, noise_multiplier: float, steps: int = 1) -> "PLDAccountant":
        """Add ``steps`` uses of the Laplace mechanism; returns ``self``.

        Parameters
        ----------
        noise_multiplier : float
            Laplace scale / L1 sensitivity (= 1 / epsilon of one use), > 0.
        steps : int, default 1
            Number of uses, >= 1.

        Examples
        --------
        >>> acc = PLDAccountant().compose_laplace(10.0, steps=100)  # 100 queries at epsilon 0.1
        >>> round(acc.get_epsilon(delta=1e-5), 3)  # basic composition says 10, RDP 5.152
        4.22
        """
        b = check_noise_multiplier(noise_multiplier)
        steps = check_steps(steps)
        top = 1.0 / b
        pld = self._discretise(lambda e: _laplace_hockey_stick(e, b),
                               lambda e: _laplace_tail(e, b), (-top, top))
        self._compose(pld.self_compose(steps))
        self._events.append(f"laplace(noise_multiplier={b:g}, steps={steps})")
        return self

    def get_epsilon(self, delta: float) -> float:
        """Smallest epsilon of everything composed so far, at ``delta`` in [0, 1).

        ``delta=0`` is allowed (pure DP: finite for Laplace, infinite for Gaussian).
        """
        delta = check_delta_or_zero(delta)
        if self._remove is self._add:
            return self._remove.get_epsilon(delta)
        return max(self._remove.get_epsilon(delta), self._add.get_epsilon(delta))

    def get_delta(self, epsilon: float) -> float:
        """Smallest delta of everything composed so far, at ``epsilon`` >= 0."""
        epsilon = check_nonnegative(epsilon, "epsilon", fix=EPSILON_FIX)
        if self._remove is self._add:
            return self._remove.get_delta(epsilon)
        return max(self._remove.get_delta(epsilon), self._add.get_delta(epsilon))
