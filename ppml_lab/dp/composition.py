r"""Composition theorems: what running several private mechanisms costs in total.

Four answers to "k mechanisms, each (epsilon, delta)-DP: how private is the whole?",
from the loosest to the tightest:

* :func:`basic_composition`: the epsilons and deltas add up [DR14]_ (Theorem 3.16);
* :func:`parallel_composition`: on *disjoint* parts of the data only the worst
  part counts [McS09]_;
* :func:`advanced_composition`: epsilon grows like ``sqrt(k)`` instead of ``k``,
  at the price of an extra ``delta_prime`` [DRV10]_;
* :func:`optimal_composition`: the exact answer for k (epsilon, delta)-DP
  mechanisms [KOV15]_; nothing better can be proven from the (epsilon, delta)
  guarantees alone.

When more is known about the mechanisms than their (epsilon, delta) (they add
Gaussian noise, they sample a batch), Rényi DP (:mod:`ppml_lab.dp.rdp`) and
privacy loss distributions (:mod:`ppml_lab.dp.pld`) do better still.

Introduced in notebook 04.

References
----------
.. [DR14] C. Dwork, A. Roth. The algorithmic foundations of differential
   privacy. 2014.
.. [McS09] F. McSherry. Privacy integrated queries. SIGMOD 2009.
.. [DRV10] C. Dwork, G. N. Rothblum, S. Vadhan. Boosting and differential
   privacy. FOCS 2010. (Theorem III.3; Theorem 3.20 of [DR14]_.)
.. [KOV15] P. Kairouz, S. Oh, P. Viswanath. The composition theorem for
   differential privacy. ICML 2015. (Theorem 3.3.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
from scipy import special

from .._validation import (DELTA_FIX, EPSILON_FIX, check_array, check_delta, check_epsilon,
                           check_integer, check_nonnegative, check_probability, check_steps,
                           fail)

__all__ = [
    "PrivacyGuarantee",
    "basic_composition",
    "parallel_composition",
    "advanced_composition",
    "optimal_composition",
]


@dataclass(frozen=True)
class PrivacyGuarantee:
    """An (epsilon, delta)-DP guarantee; unpacks as ``epsilon, delta = guarantee``.

    Examples
    --------
    >>> g = PrivacyGuarantee(epsilon=1.5, delta=1e-5)
    >>> g
    PrivacyGuarantee(epsilon=1.5, delta=1e-05)
    >>> epsilon, delta = g
    >>> epsilon
    1.5
    """

    epsilon: float
    delta: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "epsilon", check_nonnegative(self.epsilon, "epsilon",
                                                              fix=EPSILON_FIX))
        object.__setattr__(self, "delta", check_probability(self.delta, "delta", low_open=False,
                                                            high_open=False, fix=DELTA_FIX))

    def __iter__(self) -> Iterator[float]:
        return iter((self.epsilon, self.delta))


def _check_budgets(epsilons: Any, deltas: Any) -> tuple[np.ndarray, np.ndarray]:
    """Check a list of per-mechanism epsilons (>= 0) and deltas (in [0, 1), default 0)."""
    eps = check_array(epsilons, "epsilons", ndim=1, fix="Pass one epsilon per mechanism, e.g. "
                                                        "epsilons=[0.5, 0.5, 1.0].")
    if np.any(eps < 0):
        raise fail("epsilons", "non-negative numbers", eps, EPSILON_FIX)
    if deltas is None:
        return eps, np.zeros_like(eps)
    dels = check_array(deltas, "deltas", ndim=1, fix="Pass one delta per mechanism, e.g. "
                                                     "deltas=[1e-6, 1e-6, 0.0].")
    if dels.shape != eps.shape:
        raise fail("deltas", f"as long as `epsilons` ({eps.size})", dels,
                   "Pass one delta per epsilon, or none for pure DP.",
                   show=f"{dels.size} value(s)")
    if np.any(dels < 0) or np.any(dels >= 1):
        raise fail("deltas", "numbers in [0, 1)", dels, DELTA_FIX)
    return eps, dels


def basic_composition(epsilons: Any, deltas: Any = None) -> PrivacyGuarantee:
    r"""Sequential composition: running mechanisms one after another adds their budgets.

    .. math:: \varepsilon = \sum_i \varepsilon_i, \qquad \delta = \sum_i \delta_i

    Holds for any mechanisms, chosen adaptively, on the same data [DR14]_.
    The sums are exact (:func:`math.fsum`).

    Parameters
    ----------
    epsilons : array-like of float
        One epsilon (>= 0) per mechanism.
    deltas : array-like of float, optional
        One delta in [0, 1) per mechanism; zeros (pure DP) by default.

    Returns
    -------
    PrivacyGuarantee

    Examples
    --------
    >>> basic_composition([0.1, 0.2, 0.7])
    PrivacyGuarantee(epsilon=1.0, delta=0.0)
    >>> basic_composition([0.5] * 10, [1e-6] * 10)
    PrivacyGuarantee(epsilon=5.0, delta=1e-05)
    """
    eps, dels = _check_budgets(epsilons, deltas)
    return PrivacyGuarantee(math.fsum(eps), min(math.fsum(dels), 1.0))


def parallel_composition(epsilons: Any, deltas: Any = None) -> PrivacyGuarantee:
    r"""Parallel composition: mechanisms on *disjoint* parts of the data cost the worst one.

    .. math:: \varepsilon = \max_i \varepsilon_i, \qquad \delta = \max_i \delta_i

    Adding or removing one example changes only the part that holds it, so only
    that part's mechanism sees a difference [McS09]_. The parts must be fixed
    without looking at the data (e.g. by a public attribute).

    Parameters
    ----------
    epsilons : array-like of float
        One epsilon (>= 0) per disjoint part.
    deltas : array-like of float, optional
        One delta in [0, 1) per part; zeros by default.

    Returns
    -------
    PrivacyGuarantee

    Examples
    --------
    >>> parallel_composition([0.5, 1.0, 0.25])
    PrivacyGuarantee(epsilon=1.0, delta=0.0)
    """
    eps, dels = _check_budgets(epsilons, deltas)
    return PrivacyGuarantee(float(eps.max()), float(dels.max()))


def _check_homogeneous(epsilon: Any, delta: Any, k: Any) -> tuple[float, float, int]:
    epsilon = check_epsilon(epsilon)
    delta = check_probability(delta, "delta", low_open=False, fix=DELTA_FIX)
    k = check_steps(k, "k")
    return epsilon, delta, k


def advanced_composition(epsilon: float, delta: float, k: int,
                         delta_prime: float) -> PrivacyGuarantee:
    r"""Advanced composition of ``k`` (epsilon, delta)-DP mechanisms [DRV10]_.

    .. math::
        \varepsilon' = \sqrt{2k\ln(1/\delta')}\,\varepsilon + k\,\varepsilon\,(e^\varepsilon - 1),
        \qquad \delta_{\text{total}} = k\delta + \delta'

    For small epsilon the first term dominates, so the total grows like
    ``sqrt(k)`` rather than ``k``. For few mechanisms or a large epsilon the
    formula can be *worse* than :func:`basic_composition` (it is returned
    as it is: the lesson is to compare them).

    Parameters
    ----------
    epsilon : float
        Epsilon of each mechanism, in (0, 700] (``e**epsilon`` must be finite).
    delta : float
        Delta of each mechanism, in [0, 1).
    k : int
        Number of mechanisms, from 1 to 10**9.
    delta_prime : float
        The extra failure probability paid for the ``sqrt(k)`` growth, in (0, 1).

    Returns
    -------
    PrivacyGuarantee
        ``(epsilon', k * delta + delta_prime)``.

    Examples
    --------
    >>> g = advanced_composition(0.1, 0.0, k=100, delta_prime=1e-5)
    >>> round(g.epsilon, 4), g.delta
    (5.8502, 1e-05)
    >>> round(advanced_composition(1.0, 0.0, k=10, delta_prime=1e-5).epsilon, 2)  # > 10 = basic
    32.36
    """
    epsilon, delta, k = _check_homogeneous(epsilon, delta, k)
    if epsilon > 700:
        raise fail("epsilon", "at most 700 for advanced composition (its bound has a term "
                   "k * epsilon * (e**epsilon - 1), and e**epsilon overflows beyond)", epsilon,
                   "Such a large epsilon gives no guarantee; basic_composition gives k * epsilon.")
    delta_prime = check_delta(delta_prime, "delta_prime")
    eps_total = (math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon
                 + k * epsilon * math.expm1(epsilon))
    return PrivacyGuarantee(eps_total, min(k * delta + delta_prime, 1.0))


def _log_rr_profile(eps_total: float, epsilon: float, k: int, log_terms: np.ndarray) -> float:
    r"""log of the hockey-stick divergence of k-fold randomized response at ``eps_total``.

    ``log_terms[l] = log C(k, l) - k log(1 + e^eps)``; the sum runs over the
    outcomes ``l`` (mechanisms that "lied") whose privacy loss ``(k - 2l) eps``
    exceeds ``eps_total``:

    .. math:: \delta_0 = \sum_{l:\,(k-2l)\varepsilon > \varepsilon_g} \binom{k}{l}
              \frac{e^{(k-l)\varepsilon} - e^{\varepsilon_g}\, e^{l\varepsilon}}{(1+e^\varepsilon)^k}
    """
    n_pos = math.ceil((k * epsilon - eps_total) / (2 * epsilon))  # l = 0 .. n_pos - 1
    n_pos = min(max(n_pos, 0), k + 1)
    if n_pos == 0:
        return -math.inf
    ell = np.arange(n_pos)
    gap = eps_total + (2 * ell - k) * epsilon  # log of e^{eps_g} e^{l eps} / e^{(k-l) eps}, < 0
    gap = np.minimum(gap, 0.0)
    with np.errstate(divide="ignore"):
        logs = log_terms[:n_pos] + (k - ell) * epsilon + np.log(-np.expm1(gap))
    return float(special.logsumexp(logs))


def _kov_epsilon(eps0: float, k: int, delta_prime: float) -> float:
    r"""Epsilon of :func:`optimal_composition` (k mechanisms of eps0, slack delta_prime), in one pass.

    The same exact profile, :math:`\delta(\varepsilon_g) = A_i - e^{\varepsilon_g} B_i` on
    the piece :math:`(k-2i)\varepsilon_0 \le \varepsilon_g < (k-2i+2)\varepsilon_0`, with
    :math:`A_i = \sum_{l<i} \binom{k}{l} e^{(k-l)\varepsilon_0} / (1+e^{\varepsilon_0})^k`
    and :math:`B_i` the same with :math:`e^{l\varepsilon_0}`; all prefix sums are taken
    at once (log space), the piece where delta crosses ``delta_prime`` is found, and
    epsilon is solved there in closed form. One pass instead of a bisection: the
    composition explorer of notebook 04 computes it for up to 100,000 steps on
    every slider move. Tested against a bisection on :func:`_log_rr_profile`.
    """
    if eps0 == 0.0:
        return 0.0
    m = k // 2  # pieces i = 1 .. m have left ends (k - 2i) eps0 >= 0
    ell = np.arange(m + 1)
    log_w = (special.gammaln(k + 1) - special.gammaln(ell + 1) - special.gammaln(k - ell + 1)
             - k * np.logaddexp(0.0, eps0))
    # log_a[j], log_b[j]: log of the sums over l < j, for j = 0 .. m + 1
    log_a = np.concatenate(([-np.inf], np.logaddexp.accumulate(log_w + (k - ell) * eps0)))
    log_b = np.concatenate(([-np.inf], np.logaddexp.accumulate(log_w + ell * eps0)))
    log_target = math.log(delta_prime)
    i = np.arange(1, m + 1)
    with np.errstate(divide="ignore", invalid="ignore"):  # delta at each left end, in log
        log_gap = np.minimum((k - 2 * i) * eps0 + log_b[i] - log_a[i], 0.0)
        log_left = log_a[i] + np.log(-np.expm1(log_gap))
    too_big = np.nonzero(log_left > log_target)[0]
    if too_big.size:  # delta grows as epsilon falls: the first left end that misses the target
        piece = int(i[too_big[0]])
    elif k % 2 == 0:
        return 0.0  # the last left end is epsilon = 0, and it meets the target
    else:
        piece = m + 1  # the piece from -eps0 to eps0
    a, b = log_a[piece], log_b[piece]
    if a <= log_target:
        epsilon = -math.inf
    else:
        epsilon = a + math.log(-math.expm1(log_target - a)) - b  # log((A - delta') / B)
    low = max((k - 2 * piece) * eps0, 0.0)
    return float(min(max(epsilon, low), (k - 2 * piece + 2) * eps0))



def optimal_composition(epsilon: float, delta: float, k: int,
                        delta_prime: float) -> PrivacyGuarantee:
    r"""Exact (optimal) composition of ``k`` (epsilon, delta)-DP mechanisms [KOV15]_.

    Every (epsilon, delta)-DP mechanism is a post-processing of one that, with
    probability ``delta``, reveals the input, and otherwise answers a
    randomized-response question with ``epsilon``. Composing ``k`` of these
    is therefore the worst case, and its privacy region is exact
    (Theorem 3.3 of [KOV15]_): for :math:`i = 0, \ldots, \lfloor k/2 \rfloor`
    the composition is :math:`((k-2i)\varepsilon,\; 1-(1-\delta)^k(1-\delta_i))`-DP with

    .. math:: \delta_i = \frac{\sum_{l=0}^{i-1} \binom{k}{l}
              \left(e^{(k-l)\varepsilon} - e^{(k-2i+l)\varepsilon}\right)}{(1+e^\varepsilon)^k}

    and nothing better. Between these points the same sum with
    :math:`e^{\varepsilon_g}` in place of :math:`e^{(k-2i)\varepsilon}` is the exact
    profile. This function returns the smallest :math:`\varepsilon_g` whose
    :math:`\delta_0(\varepsilon_g) \le \delta'`: it finds the piece where the
    profile crosses :math:`\delta'` from prefix sums in log space and solves for
    :math:`\varepsilon_g` there in closed form, so 100,000 mechanisms take milliseconds.

    Parameters
    ----------
    epsilon : float
        Epsilon of each mechanism, > 0.
    delta : float
        Delta of each mechanism, in [0, 1).
    k : int
        Number of mechanisms, from 1 to 10**6 (the profile is a sum over
        ``k + 1`` terms, kept in memory).
    delta_prime : float
        Slack, in [0, 1): the total delta is ``1 - (1 - delta)**k * (1 - delta_prime)``
        (at most ``k * delta + delta_prime``, the total of :func:`advanced_composition`).
        ``delta_prime=0`` gives back basic composition, ``k * epsilon``.

    Returns
    -------
    PrivacyGuarantee
        The smallest epsilon (to floating-point precision, never below the
        exact one) and the total delta.

    Examples
    --------
    >>> g = optimal_composition(0.1, 0.0, k=100, delta_prime=1e-5)
    >>> round(g.epsilon, 4), g.delta
    (4.3068, 1e-05)
    >>> optimal_composition(0.5, 0.0, k=4, delta_prime=0.0).epsilon  # = basic composition
    2.0
    """
    epsilon, delta, k = _check_homogeneous(epsilon, delta, k)
    k = check_integer(k, "k", minimum=1, maximum=10**6,
                      fix="Pass at most a million mechanisms; advanced_composition or an "
                          "accountant (RDP, PLD) handles more.")
    delta_prime = check_probability(delta_prime, "delta_prime", low_open=False, fix=DELTA_FIX)
    # total delta = 1 - (1 - delta)^k (1 - delta_prime), computed without cancellation
    delta_total = -math.expm1(k * math.log1p(-delta) + math.log1p(-delta_prime))
    if delta_prime == 0.0:
        return PrivacyGuarantee(k * epsilon, delta_total)

    ell = np.arange(k + 1)
    log_terms = (special.gammaln(k + 1) - special.gammaln(ell + 1) - special.gammaln(k - ell + 1)
                 - k * np.logaddexp(0.0, epsilon))
    log_target = math.log(delta_prime)

    eps_total = _kov_epsilon(epsilon, k, delta_prime)
    # never report below the exact value: the closed form may miss by a rounding error
    while _log_rr_profile(eps_total, epsilon, k, log_terms) > log_target:
        eps_total = max(eps_total * (1.0 + 1e-12), eps_total + 1e-15)
    return PrivacyGuarantee(eps_total, delta_total)
