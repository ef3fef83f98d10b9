r"""The privacy loss of the Gaussian mechanism: what delta does and does not mean.

For the outputs :math:`o` of a mechanism on two neighbouring datasets, with
densities :math:`P` (with Alice) and :math:`Q` (without her), the *privacy loss*
of an outcome is :math:`L(o) = \ln P(o) / Q(o)`: how much more likely the outcome
is with her. For the Gaussian mechanism with L2 sensitivity :math:`\Delta` and
noise standard deviation :math:`\sigma` it is exactly normal [BW18]_:

.. math:: L \sim \mathcal N(\mu,\ 2\mu), \qquad \mu = \frac{\Delta^2}{2\sigma^2},

and so is the loss :math:`L'` seen from the other neighbour. The mechanism's exact
delta at epsilon is

.. math:: \delta(\varepsilon) = P[L > \varepsilon] - e^{\varepsilon}\, P[L' < -\varepsilon],

which is why :math:`P[L > \varepsilon]`, the probability that the output is more
than :math:`e^\varepsilon` times likelier with Alice than without her, is *larger*
than delta: ``(epsilon, delta)``-DP does **not** say "the epsilon bound fails
with probability delta". For the kit's analytic Gaussian at ``delta = 1e-5`` that
probability is 111 times delta at ``epsilon = 0.1`` and 16 times at ``epsilon = 1``.

Introduced in notebook 03.

References
----------
.. [BW18] B. Balle, Y.-X. Wang. Improving the Gaussian mechanism for differential
   privacy: analytical calibration and optimal denoising. ICML 2018 (Lemma 3 and
   Theorem 8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from .._validation import check_delta, check_epsilon, check_integer, check_sensitivity
from .mechanisms import GaussianMechanism

__all__ = ["GaussianPrivacyLoss", "gaussian_privacy_loss"]


def _frozen(array: np.ndarray) -> np.ndarray:
    out = np.array(array, dtype=float)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False, repr=False)
class GaussianPrivacyLoss:
    r"""The privacy-loss distribution of a Gaussian mechanism (see :func:`gaussian_privacy_loss`).

    Attributes
    ----------
    epsilon, delta, sensitivity : float
        The mechanism's parameters.
    sigma : float
        Its noise standard deviation (analytic calibration).
    mu : float
        Mean of the privacy loss, :math:`\Delta^2 / (2\sigma^2)`; its variance is ``2 * mu``.
    p_loss_above : float
        :math:`P[L > \varepsilon]`: the chance that the output is more than
        :math:`e^\varepsilon` times likelier with the person than without.
    other_side : float
        :math:`e^\varepsilon P[L' < -\varepsilon]`, the term that the exact delta subtracts.
    losses, density : numpy.ndarray
        A grid of losses (mean plus or minus 6 standard deviations, and
        ``epsilon``) and the normal density on it, for plotting.
    """

    epsilon: float
    delta: float
    sensitivity: float
    sigma: float
    mu: float
    p_loss_above: float
    other_side: float
    losses: np.ndarray = field(repr=False)
    density: np.ndarray = field(repr=False)

    def __repr__(self) -> str:
        return (f"GaussianPrivacyLoss(epsilon={self.epsilon:.4g}, delta={self.delta:.4g}, "
                f"sensitivity={self.sensitivity:.4g}, sigma={self.sigma:.4g}, mu={self.mu:.4g}, "
                f"p_loss_above={self.p_loss_above:.4g}, other_side={self.other_side:.4g})")

    @property
    def loss_std(self) -> float:
        r"""Standard deviation of the privacy loss, :math:`\sqrt{2\mu} = \Delta / \sigma`."""
        return math.sqrt(2.0 * self.mu)

    @property
    def exact_delta(self) -> float:
        r""":math:`P[L > \varepsilon] - e^\varepsilon P[L' < -\varepsilon]` (equals ``delta``
        up to the calibration's precision)."""
        return self.p_loss_above - self.other_side

    @property
    def ratio(self) -> float:
        r""":math:`P[L > \varepsilon] / \delta`: how many times delta the loss exceeds epsilon."""
        return self.p_loss_above / self.delta

    def summary(self) -> str:
        """One plain-words sentence about this result."""
        return (f"At epsilon = {self.epsilon:g} and delta = {self.delta:.0e} (sigma = "
                f"{self.sigma:.3g}), the privacy loss exceeds epsilon with probability "
                f"{self.p_loss_above:.2e}: {self.ratio:.0f} times delta.")


def gaussian_privacy_loss(epsilon: float, delta: float = 1e-5, sensitivity: float = 1.0, *,
                          n_points: int = 401) -> GaussianPrivacyLoss:
    r"""The privacy-loss distribution of :class:`~ppml_lab.dp.GaussianMechanism`, exactly.

    The mechanism is calibrated with the kit's defaults (analytic, the
    smallest sigma that is ``(epsilon, delta)``-DP); the loss is
    :math:`\mathcal N(\mu, 2\mu)` with :math:`\mu = \Delta^2 / (2\sigma^2)`, so

    .. math:: P[L > \varepsilon] = \Phi\!\left(\frac{\mu - \varepsilon}{\sqrt{2\mu}}\right),
              \qquad e^{\varepsilon} P[L' < -\varepsilon]
              = e^{\varepsilon}\,\Phi\!\left(\frac{-\varepsilon - \mu}{\sqrt{2\mu}}\right),

    and their difference is the mechanism's delta (:func:`~ppml_lab.dp.gaussian_delta`).
    Pure and deterministic: nothing is random.

    Parameters
    ----------
    epsilon : float
        Privacy parameter, > 0.
    delta : float, default 1e-5
        In (0, 1).
    sensitivity : float, default 1.0
        L2 sensitivity (the loss distribution does not depend on it: sigma
        scales with it).
    n_points : int, default 401
        Size of the grid of losses kept for plotting.

    Returns
    -------
    GaussianPrivacyLoss

    Notes
    -----
    Introduced in notebook 03.

    Examples
    --------
    >>> r = gaussian_privacy_loss(1.0, delta=1e-5)
    >>> round(r.sigma, 3), round(r.mu, 4), f"{r.p_loss_above:.2e}", round(r.ratio)
    (3.731, 0.0359, '1.61e-04', 16)
    >>> round(gaussian_privacy_loss(0.1, delta=1e-5).ratio)
    111
    """
    epsilon = check_epsilon(epsilon)
    delta = check_delta(delta)
    sensitivity = check_sensitivity(sensitivity)
    n_points = check_integer(n_points, "n_points", minimum=3, fix="Pass e.g. n_points=401.")
    sigma = GaussianMechanism(epsilon, delta, sensitivity).sigma
    mu = sensitivity**2 / (2.0 * sigma**2)
    sd = sensitivity / sigma  # sqrt(2 mu)
    p_above = float(special.ndtr((mu - epsilon) / sd))
    other = float(math.exp(epsilon + special.log_ndtr((-epsilon - mu) / sd)))
    grid = np.linspace(mu - 6.0 * sd, max(mu + 6.0 * sd, epsilon * 1.1), n_points)
    grid = np.union1d(grid, [epsilon])
    density = np.exp(-0.5 * ((grid - mu) / sd) ** 2) / (sd * math.sqrt(2.0 * math.pi))
    return GaussianPrivacyLoss(epsilon=epsilon, delta=delta, sensitivity=sensitivity, sigma=sigma,
                               mu=mu, p_loss_above=p_above, other_side=other,
                               losses=_frozen(grid), density=_frozen(density))
