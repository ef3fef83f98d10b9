r"""The privacy of DP-SGD: epsilon of a training run, and the noise for a target epsilon.

DP-SGD [ACGMMTZ16]_ clips each example's gradient to norm ``clip_norm``, adds
Gaussian noise of standard deviation ``noise_multiplier * clip_norm`` to the sum
over a batch, and takes a step. When each example joins each batch
independently with probability ``sample_rate`` (*Poisson sampling*), one step is
the Poisson-subsampled Gaussian mechanism, and a run of ``steps`` steps is its
``steps``-fold composition. Two accountants measure it:

* ``accountant="rdp"``: Rényi DP (:class:`~ppml_lab.dp.rdp.RDPAccountant`),
  fast, a little loose;
* ``accountant="pld"``: privacy loss distributions
  (:class:`~ppml_lab.dp.pld.PLDAccountant`), tight up to the discretisation.

The accounting assumes Poisson sampling. Many training loops shuffle the data
and cut it into fixed-size batches instead; the epsilon computed here is then
not a proven guarantee for that loop (notebook 04 shows the pitfall).

Introduced in notebook 04 (used in notebook 05).

References
----------
.. [ACGMMTZ16] M. Abadi, A. Chu, I. Goodfellow, H. B. McMahan, I. Mironov,
   K. Talwar, L. Zhang. Deep learning with differential privacy. CCS 2016.
"""

from __future__ import annotations

import math
from typing import Any, Callable


from .._validation import (check_choice, check_delta, check_epsilon, check_noise_multiplier,
                           check_sample_rate, check_steps, fail)
from .rdp import RDPAccountant

__all__ = ["dpsgd_epsilon", "calibrate_noise_multiplier"]

#: The accountants :func:`dpsgd_epsilon` and :func:`calibrate_noise_multiplier` accept (the
#: composition curves of notebook 04 compare more:
#: :data:`ppml_lab.dp.composition_experiments.COMPOSITION_ACCOUNTANTS`).
DPSGD_ACCOUNTANTS: tuple[str, ...] = ("rdp", "pld")

#: The noise multipliers :func:`calibrate_noise_multiplier` searches between.
NOISE_MULTIPLIER_RANGE = (1e-3, 1e6)

#: Relative precision of the calibrated noise multiplier.
CALIBRATION_RTOL = 1e-6


def _make_accountant(accountant: str) -> Any:
    if accountant == "rdp":
        return RDPAccountant()
    from .pld import PLDAccountant  # imported when asked for: the PLD module is larger

    return PLDAccountant()


def _epsilon(noise_multiplier: float, sample_rate: float, steps: int, delta: float,
             accountant: str) -> float:
    """:func:`dpsgd_epsilon` without the checks."""
    acc = _make_accountant(accountant)
    return acc.compose_gaussian(noise_multiplier, sample_rate=sample_rate,
                                steps=steps).get_epsilon(delta)


def dpsgd_epsilon(noise_multiplier: float, sample_rate: float, steps: int, delta: float,
                  accountant: str = "rdp") -> float:
    r"""Epsilon of ``steps`` steps of DP-SGD with Poisson sampling, at ``delta``.

    Parameters
    ----------
    noise_multiplier : float
        Noise standard deviation / clipping norm, > 0.
    sample_rate : float
        Probability that an example is in a batch (batch size / dataset
        size), in (0, 1].
    steps : int
        Number of noisy steps (epochs / sample_rate), >= 1.
    delta : float
        Target delta, in (0, 1); well below 1 / (number of examples).
    accountant : {"rdp", "pld"}, default "rdp"
        Rényi DP (fast, a little loose) or privacy loss distributions (tight).

    Returns
    -------
    float

    Examples
    --------
    MNIST with batches of 256 for 60 epochs:

    >>> round(dpsgd_epsilon(1.1, 256 / 60000, 14063, 1e-5), 3)
    2.597
    """
    sigma = check_noise_multiplier(noise_multiplier)
    q = check_sample_rate(sample_rate)
    steps = check_steps(steps)
    delta = check_delta(delta)
    accountant = check_choice(accountant, "accountant", DPSGD_ACCOUNTANTS)
    try:
        return _epsilon(sigma, q, steps, delta, accountant)
    except ValueError as exc:
        if not str(exc).startswith("`value_discretization_interval`"):
            raise
        # the PLD accountant's grid would not fit in memory: say which of *our* parameters to change
        raise fail("noise_multiplier", f"large enough for the PLD accountant's loss grid to fit "
                   f"in memory (with sample_rate={q:g}, steps={steps})", sigma,
                   "Pass more noise or fewer steps, or use accountant='rdp' (which has no grid)."
                   ) from None


def _refine(epsilon_of: Callable[[float], float], target: float, lo: float, hi: float) -> float:
    """Narrow ``[lo, hi]`` (eps(lo) > target >= eps(hi)) to CALIBRATION_RTOL; return ``hi``.

    log(epsilon) is nearly linear in log(sigma), so each round evaluates where
    the line through the two ends crosses the target (regula falsi, with the
    Illinois rule against one-sided convergence). Once the estimates settle, a
    round also probes just across the estimate, which then closes the bracket.
    After 50 rounds it falls back to bisection, so the search always ends.
    """
    def g(sigma: float) -> float:  # > 0 misses the target, <= 0 meets it
        return math.log(max(epsilon_of(sigma), 1e-300) / target)

    g_lo, g_hi = g(lo), g(hi)
    kept, previous, rounds = 0, math.inf, 0
    while hi > lo * (1 + CALIBRATION_RTOL):
        a, b = math.log(lo), math.log(hi)
        if rounds < 50 and math.isfinite(g_lo):
            x = b - g_hi * (b - a) / (g_hi - g_lo)  # g_lo > 0 >= g_hi: a < x <= b
        else:
            x = (a + b) / 2
        margin = math.log1p(CALIBRATION_RTOL) / 4
        x = min(max(x, a + margin), b - margin)
        probe, previous, rounds = abs(x - previous) < 1e-2, x, rounds + 1
        sigma = math.exp(x)
        if (g_sigma := g(sigma)) <= 0:
            hi, g_hi = sigma, g_sigma
            g_lo, kept = (g_lo / 2 if kept == 1 else g_lo), 1  # lo kept twice: halve its weight
            across = sigma / (1 + CALIBRATION_RTOL / 2)
        else:
            lo, g_lo = sigma, g_sigma
            g_hi, kept = (g_hi / 2 if kept == -1 else g_hi), -1
            across = sigma * (1 + CALIBRATION_RTOL / 2)
        if probe and lo < across < hi:
            if (g_across := g(across)) <= 0:
                hi, g_hi = across, g_across
            else:
                lo, g_lo = across, g_across
    return hi


def _pld_start(epsilon_of: Callable[[float], float], target: float, delta: float,
               q: float, steps: int) -> tuple[float, float]:
    """A first bracket for the PLD search, from the RDP answer (PLD evaluations are slow).

    The RDP calibration meets the target under PLD too (PLD is tighter), and
    RDP's slope of log(epsilon) against log(sigma) there predicts where PLD
    crosses the target; the point just below the prediction is tried as ``lo``
    (and if it meets the target, it becomes ``hi`` and 2 % below it ``lo``).
    """
    hi = calibrate_noise_multiplier(target, delta, q, steps, "rdp")
    if epsilon_of(hi) > target:  # not expected; let the generic bracketing handle it
        return hi, hi
    rdp_hi, rdp_below = (_epsilon(s, q, steps, delta, "rdp") for s in (hi, hi * 0.99))
    if not 0 < rdp_hi < rdp_below < math.inf or epsilon_of(hi) <= 0:
        return hi * 0.9, hi
    slope = math.log(rdp_below / rdp_hi) / math.log(0.99)  # < 0
    guess = hi * math.exp(math.log(target / epsilon_of(hi)) / slope) * (1 - 1e-3)
    guess = min(guess, hi * (1 - CALIBRATION_RTOL))
    if epsilon_of(guess) <= target:  # the prediction was low: step below it
        return guess * 0.98, guess
    return guess, hi


def calibrate_noise_multiplier(target_epsilon: float, delta: float, sample_rate: float,
                               steps: int, accountant: str = "rdp") -> float:
    r"""Smallest noise multiplier whose DP-SGD run meets ``target_epsilon`` at ``delta``.

    Epsilon falls as the noise grows, so the answer is found by bracketing on
    a log scale (factors of 4 from ``noise_multiplier=1``), then narrowed by
    interpolating log(epsilon) linearly in log(sigma) (nearly exact, so a few
    evaluations suffice) with bisection as a safeguard, to a relative precision
    of ``1e-6``. The value returned always meets the target:
    ``dpsgd_epsilon(returned, ...) <= target_epsilon``, and 0.999999 times it
    does not. With ``accountant="pld"`` the RDP answer (which meets the target
    under the tighter PLD accounting too) and RDP's slope start the search, so
    that only about four PLD evaluations are needed.

    Parameters
    ----------
    target_epsilon : float
        The epsilon to meet, > 0.
    delta : float
        Target delta, in (0, 1).
    sample_rate : float
        Probability that an example is in a batch, in (0, 1].
    steps : int
        Number of noisy steps, >= 1.
    accountant : {"rdp", "pld"}, default "rdp"

    Returns
    -------
    float

    Raises
    ------
    ValueError
        For bad input, or when no noise multiplier in ``NOISE_MULTIPLIER_RANGE``
        meets the target (the message says which limit was hit and what to change).

    Examples
    --------
    >>> sigma = calibrate_noise_multiplier(2.0, 1e-5, 256 / 60000, 14063)
    >>> round(sigma, 4)
    1.2953
    >>> dpsgd_epsilon(sigma, 256 / 60000, 14063, 1e-5) <= 2.0
    True
    """
    target = check_epsilon(target_epsilon, "target_epsilon")
    delta = check_delta(delta)
    q = check_sample_rate(sample_rate)
    steps = check_steps(steps)
    accountant = check_choice(accountant, "accountant", DPSGD_ACCOUNTANTS)
    low, high = NOISE_MULTIPLIER_RANGE

    cache: dict[float, float] = {}

    def epsilon_of(sigma: float) -> float:
        if sigma not in cache:
            cache[sigma] = _epsilon(sigma, q, steps, delta, accountant)
        return cache[sigma]

    setting = f"delta={delta:g}, sample_rate={q:g}, steps={steps}, accountant={accountant!r}"
    if accountant == "pld":
        lo, hi = _pld_start(epsilon_of, target, delta, q, steps)
    else:
        lo = hi = 1.0
    while epsilon_of(hi) > target:
        lo, hi = hi, hi * 4
        if hi > high:
            if epsilon_of(high) > target:
                raise fail("target_epsilon", f"reachable with noise_multiplier <= {high:g} "
                           f"({setting} gives epsilon={epsilon_of(high):.3g} there)", target,
                           "Raise target_epsilon or delta, or take fewer steps.")
            hi = high
    while lo == hi or epsilon_of(lo) <= target:
        hi, lo = lo, lo / 4
        if lo < low:
            if epsilon_of(low) <= target:
                raise fail("target_epsilon", f"small enough that some noise is needed "
                           f"({setting}: even noise_multiplier={low:g} gives "
                           f"epsilon={epsilon_of(low):.3g})", target,
                           "Lower target_epsilon or delta (delta well below 1/n for n examples).")
            lo = low
    return _refine(epsilon_of, target, lo, hi)
