r"""Zero-concentrated differential privacy (zCDP) of the Gaussian mechanism.

A mechanism is :math:`\rho`-zCDP when its Rényi divergence of *every* order
:math:`\alpha > 1` is at most :math:`\rho\alpha` [BS16]_: its whole RDP curve is
one straight line, summarised by one number. The Gaussian mechanism with noise
multiplier :math:`\sigma` (standard deviation / L2 sensitivity) is exactly
:math:`\rho = 1/(2\sigma^2)`-zCDP, and composition adds the rhos.

Two conversions to (epsilon, delta)-DP are offered by :func:`zcdp_to_dp`:

* ``method="bun-steinke"`` [BS16]_ (Proposition 1.3), the classic closed form
  :math:`\varepsilon = \rho + 2\sqrt{\rho\ln(1/\delta)}`;
* ``method="cks"`` (the default) [CKS20]_ (Proposition 12 and Corollary 13),
  always smaller: the improved RDP conversion minimised over every real
  order, :math:`\varepsilon = \min_{\alpha>1} \alpha\rho + \log(1 - 1/\alpha)
  - (\log\delta + \log\alpha)/(\alpha-1)`. The best order solves
  :math:`\rho(\alpha-1)^2 + \log\alpha + \log\delta = 0`, found by a root finder.

For the Gaussian mechanism alone, the exact privacy curve
(:func:`ppml_lab.dp.gaussian_delta`) is tighter than both; zCDP pays off when
many Gaussian steps are composed and a one-number summary is wanted.

Introduced in notebook 04.

References
----------
.. [BS16] M. Bun, T. Steinke. Concentrated differential privacy:
   simplifications, extensions, and lower bounds. TCC 2016.
.. [CKS20] C. Canonne, G. Kamath, T. Steinke. The discrete Gaussian for
   differential privacy. NeurIPS 2020.
"""

from __future__ import annotations

import math

from scipy import optimize

from .._validation import check_choice, check_delta, check_noise_multiplier, check_positive

__all__ = ["gaussian_zcdp", "zcdp_to_dp"]

RHO_FIX = "Pass a positive rho, e.g. rho=gaussian_zcdp(noise_multiplier=1.0) (= 0.5)."


def gaussian_zcdp(noise_multiplier: float) -> float:
    r"""The rho of one use of the Gaussian mechanism: :math:`\rho = 1/(2\sigma^2)`.

    Parameters
    ----------
    noise_multiplier : float
        Noise standard deviation / L2 sensitivity, > 0.

    Returns
    -------
    float
        rho; ``k`` uses cost ``k * rho``.

    Examples
    --------
    >>> gaussian_zcdp(1.0)
    0.5
    >>> 100 * gaussian_zcdp(10.0)  # 100 uses at noise_multiplier 10
    0.5
    """
    sigma = check_noise_multiplier(noise_multiplier)
    return 1.0 / (2.0 * sigma**2)


def _cks_epsilon(rho: float, delta: float) -> float:
    """Epsilon of the Canonne-Kamath-Steinke conversion, at its best real order."""
    if delta**2 + math.expm1(-rho) > 0:  # delta >= sqrt(1 - exp(-KL)) with KL <= rho
        return 0.0
    log_delta = math.log(delta)

    def slope(alpha: float) -> float:  # the derivative of the bound below, times (alpha-1)^2
        return rho * (alpha - 1) ** 2 + math.log(alpha) + log_delta

    hi = 1.0 + math.sqrt(-log_delta / rho)  # slope(hi) = log(hi) > 0, slope(1) = log(delta) < 0
    alpha = optimize.brentq(slope, 1.0, hi, xtol=1e-14, rtol=1e-14)
    alpha = max(alpha, math.nextafter(1.0, 2.0))
    epsilon = alpha * rho + math.log1p(-1 / alpha) - (log_delta + math.log(alpha)) / (alpha - 1)
    return max(epsilon, 0.0)  # below 0 for a tiny rho: (0, delta)-DP already holds


def zcdp_to_dp(rho: float, delta: float, method: str = "cks") -> float:
    r"""Epsilon of a rho-zCDP mechanism at ``delta``.

    Parameters
    ----------
    rho : float
        zCDP parameter, > 0 (sum the rhos of composed mechanisms).
    delta : float
        Target delta, in (0, 1).
    method : {"cks", "bun-steinke"}, default "cks"
        ``"cks"``: the tighter conversion of Canonne, Kamath and Steinke
        (2020), optimised over every real order; ``"bun-steinke"``: the
        closed form :math:`\rho + 2\sqrt{\rho\ln(1/\delta)}` of Bun and Steinke (2016).

    Returns
    -------
    float

    Examples
    --------
    >>> rho = 10 * gaussian_zcdp(5.0)  # 10 Gaussian steps at noise_multiplier 5
    >>> rho
    0.2
    >>> round(zcdp_to_dp(rho, 1e-5, method="bun-steinke"), 4)
    3.2349
    >>> round(zcdp_to_dp(rho, 1e-5), 4)
    2.8136
    """
    rho = check_positive(rho, "rho", fix=RHO_FIX)
    delta = check_delta(delta)
    method = check_choice(method, "method", ("cks", "bun-steinke"))
    if method == "bun-steinke":
        return rho + 2.0 * math.sqrt(rho * math.log(1.0 / delta))
    return _cks_epsilon(rho, delta)
