"""Exercises of notebook 04 (composition and budgets).

* 04.1 :func:`check_advanced_pays_off`: from how many releases on does
  advanced composition beat basic composition? A reasoning exercise: the
  learner turns the two bounds into an inequality in ``k`` (and sees that for
  ``e**epsilon >= 2`` it never holds); checked against
  :func:`ppml_lab.dp.advanced_composition`.
* 04.2 :func:`check_noise_for_target`: find the smallest noise multiplier
  that keeps a DP-SGD run within a target epsilon, written by the learner
  (a call of :func:`ppml_lab.dp.calibrate_noise_multiplier` is refused);
  compared with it.

Introduced in notebook 04.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

from ..dp import advanced_composition, calibrate_noise_multiplier, dpsgd_epsilon
from ._core import (CheckResult, Exercise, Reporter, call_learner, call_text, run_function_check, as_real_output, fmt_number, function_label)
from . import solutions

__all__ = ["check_advanced_pays_off", "check_noise_for_target"]

_HINT_04_1 = ("Write both totals for `k` releases: basic composition `k * epsilon`, and the "
              "advanced bound in the docstring. For which `k` is the second smaller?")
_MORE_04_1 = ("Divide both sides of `sqrt(2 k ln(1 / delta_prime)) * epsilon + k * epsilon * "
              "(e**epsilon - 1) < k * epsilon` by `epsilon`, and collect the terms in `k`.",
              "You should reach `sqrt(2 k ln(1 / delta_prime)) < k * (2 - e**epsilon)`. If the "
              "right side cannot be positive, advanced composition never wins (return "
              "`math.inf`); otherwise square both sides and solve for `k`, then take the "
              "smallest whole number that is strictly larger.")
_HINT_04_2 = ("More noise means a smaller epsilon: the run's epsilon falls as the noise "
              "multiplier grows. How do you find where a decreasing function crosses a level?")
_MORE_04_2 = ("Bisection: keep one noise multiplier that is too small (its epsilon is above the "
              "target) and one that is large enough, try one in between, and keep the half that "
              "still brackets the answer.",
              "Try the middle on a log scale, `np.sqrt(low * high)`, stop when the two ends are "
              "0.1% apart, and return the end that meets the target (`high`).")


# --- 04.1 when advanced composition pays off -------------------------------------------------

# (epsilon, delta_prime): small and middling epsilons with different crossovers (29, 187, 23),
# and epsilon = 1, where e**epsilon > 2 and advanced composition never beats basic composition.
_PAYOFF_CASES = ((0.1, 1e-5), (0.5, 1e-5), (0.2, 1e-3), (1.0, 1e-3))


def _payoff(epsilon: float, delta_prime: float) -> float:
    """Smallest k with advanced < basic composition, from the closed form (inf: never)."""
    gain = 2.0 - math.exp(epsilon)
    if gain <= 0:
        return math.inf
    return float(math.floor(2.0 * math.log(1.0 / delta_prime) / gain ** 2) + 1)


def _beats_basic(epsilon: float, delta_prime: float, k: int) -> bool:
    """Whether the library's advanced composition of ``k`` releases is below ``k * epsilon``."""
    return advanced_composition(epsilon, 0.0, k, delta_prime).epsilon < k * epsilon


def check_advanced_pays_off(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 04.1: from how many releases on advanced composition beats basic.

    The learner writes ``fn(epsilon, delta_prime)`` returning the smallest
    whole number of releases ``k`` for which advanced composition
    (:func:`ppml_lab.dp.advanced_composition` with ``delta_prime``) gives a
    strictly smaller total epsilon than basic composition (``k * epsilon``),
    or ``math.inf`` if it never does. Solving
    ``sqrt(2 k ln(1/delta')) < k (2 - e**epsilon)`` gives
    ``k > 2 ln(1/delta') / (2 - e**epsilon)**2`` when ``e**epsilon < 2``, and
    never otherwise. On four fixed settings the answer must be exact; the
    library's bound is checked at ``k`` and ``k - 1`` in the tests. An answer
    that is not a whole number, one less than the answer (not strict), a
    dropped second term, ``log10``, and a finite answer where there is none
    get their own hints.

    Parameters
    ----------
    fn : callable
        The learner's function, called as ``fn(epsilon, delta_prime)``.

    Returns
    -------
    CheckResult

    Raises
    ------
    TypeError
        If ``fn`` is not callable.

    Notes
    -----
    Introduced in notebook 04.

    Examples
    --------
    >>> from ppml_lab.exercises import solutions
    >>> check_advanced_pays_off(solutions.advanced_pays_off_from).passed
    True
    >>> check_advanced_pays_off(lambda epsilon, delta_prime: 30).hint[:38]
    'Write both totals for `k` releases: ba'
    """
    return run_function_check(fn, _check_payoff, check_name="check_advanced_pays_off",
                              exercise_id="04.1", hint=_HINT_04_1,
                              call="advanced_pays_off_from(epsilon, delta_prime)")


def _as_k(out: Any, fn: Callable[..., Any], args: tuple[Any, ...], reporter: Reporter,
          what: str) -> float:
    """A learner's answer as a float (``math.inf`` allowed)."""
    if isinstance(out, (float, np.floating)) and math.isinf(out) and out > 0:
        return math.inf
    return as_real_output(out, fn, args, {}, reporter, what=what)


def _check_payoff(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    what = "the smallest whole number of releases, or `math.inf`"
    got = []
    for i, args in enumerate(_PAYOFF_CASES):
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=what)
        got.append(_as_k(out, fn, args, reporter, what))
    expected = [_payoff(*args) for args in _PAYOFF_CASES]
    if got == expected:
        (e0, d0), (e1, d1), _, (e3, _) = _PAYOFF_CASES
        return reporter.passed(
            f"{function_label(fn)} is right. At epsilon {e0:g} per release (delta' = "
            f"{fmt_number(d0)}) advanced composition wins from {expected[0]:.0f} releases on, at "
            f"epsilon {e1:g} only from {expected[1]:.0f}, and at epsilon {e3:g} never: once "
            "`e**epsilon >= 2`, its second term alone is as large as basic composition. That is "
            "why it is a tool for many small steps.")
    i = next(i for i in range(len(got)) if got[i] != expected[i])
    args, value, want = _PAYOFF_CASES[i], got[i], expected[i]
    shown = f"`{call_text(fn, args, {})}` returned {value:g}"
    if math.isinf(want):
        return reporter.failed(
            f"{shown}; at epsilon {args[0]:g} advanced composition never beats basic "
            f"composition.",
            hint="Compare `2 - e**epsilon` with 0: when `e**epsilon >= 2`, the term "
                 "`k * epsilon * (e**epsilon - 1)` alone is at least `k * epsilon`, for every "
                 "k. Return `math.inf` then.")
    message = f"{shown}; the smallest number of releases is {want:.0f}."
    if math.isinf(value):
        return reporter.failed(message, hint="It does pay off at this epsilon (e**epsilon < 2): "
                                             "solve the inequality for k.")
    if value != math.floor(value):
        return reporter.failed(message, hint="k counts releases: return the smallest *whole* "
                                             "number strictly above your bound.")
    if value == want - 1 and not _beats_basic(args[0], args[1], int(value)):
        return reporter.failed(message, hint=f"At k = {value:.0f} advanced composition is still "
                                             "not smaller (at best equal): the inequality is "
                                             "strict, so take the next whole number.")
    slips = [
        (lambda e, d: math.floor(2 * math.log(1 / d)) + 1,
         "That drops the second term, `k * epsilon * (e**epsilon - 1)`: keep it on the left, and "
         "the factor on the right becomes `2 - e**epsilon`."),
        (lambda e, d: math.floor(2 * math.log10(1 / d) / (2 - math.exp(e)) ** 2) + 1,
         "ln is the natural logarithm: `np.log`, not `np.log10`."),
        (lambda e, d: math.floor(2 * math.log(1 / d) / (1 - math.exp(e)) ** 2) + 1,
         "Moving `k * epsilon * (e**epsilon - 1)` to the right leaves `k * epsilon * (2 - "
         "e**epsilon)`, not `(1 - e**epsilon)`."),
    ]
    for formula, hint in slips:
        if value == formula(*args):
            return reporter.failed(message, hint=hint)
    return reporter.failed(message)


# --- 04.2 the noise for a target epsilon ------------------------------------------------------

# (target_epsilon, delta, sample_rate, steps): DP-SGD on MNIST (batches of 256 out of 60,000 for
# 60 epochs) and a smaller run.
_TARGET_CASES = ((2.0, 1e-5, 256 / 60000, 14063), (1.0, 1e-6, 0.01, 1000))
_TOLERANCE = 0.01  # an answer may add up to 1% more noise than the smallest that meets the target


@functools.lru_cache(maxsize=None)
def _calibrated(target: float, delta: float, q: float, steps: int, accountant: str) -> float:
    return calibrate_noise_multiplier(target, delta, q, steps, accountant=accountant)


def _meets(sigma: float, target: float, delta: float, q: float, steps: int,
           accountant: str) -> bool:
    return dpsgd_epsilon(sigma, q, steps, delta, accountant=accountant) <= target * (1 + 1e-9)


def check_noise_for_target(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 04.2: the smallest noise multiplier for a target epsilon.

    The learner writes ``fn(target_epsilon, delta, sample_rate, steps) ->
    float``. On two DP-SGD settings (MNIST-like: target 2, delta 1e-5,
    sampling rate 256/60000, 14,063 steps; and target 1, delta 1e-6, rate
    0.01, 1,000 steps) the answer must meet the target under
    :func:`ppml_lab.dp.dpsgd_epsilon` (RDP accountant) and add at most 1% more
    noise than :func:`ppml_lab.dp.calibrate_noise_multiplier`. An answer
    calibrated with the PLD accountant (which needs less noise) passes too,
    with a note. Too little noise, far too much, and an epsilon returned
    instead of a noise multiplier get their own hints. An answer that calls
    ``calibrate_noise_multiplier`` is refused: the exercise is to write it.

    Parameters
    ----------
    fn : callable
        The learner's function, called as
        ``fn(target_epsilon, delta, sample_rate, steps)``.

    Returns
    -------
    CheckResult

    Raises
    ------
    TypeError
        If ``fn`` is not callable.

    Notes
    -----
    Introduced in notebook 04. A bisection makes a few dozen calls of
    ``dpsgd_epsilon``, about 0.05 s in all.

    Examples
    --------
    >>> from ppml_lab.exercises import solutions
    >>> check_noise_for_target(solutions.noise_for_target).passed
    True
    >>> check_noise_for_target(lambda target_epsilon, delta, sample_rate, steps: 1.0).hint[:40]
    'With too little noise the run is not pri'
    """
    return run_function_check(fn, _check_target, check_name="check_noise_for_target",
                              exercise_id="04.2", hint=_HINT_04_2,
                              call="noise_for_target(target_epsilon, delta, sample_rate, steps)",
                              forbidden=(calibrate_noise_multiplier,))


def _check_target(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    what = "the noise multiplier, one positive number"
    name = function_label(fn)
    notes = []
    for i, args in enumerate(_TARGET_CASES):
        target, delta, q, steps = args
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=what)
        sigma = as_real_output(out, fn, args, {}, reporter, what=what)
        shown = f"`{call_text(fn, args, {})}` returned {sigma:.6g}"
        if sigma <= 0:
            return reporter.failed(f"{shown}; a noise multiplier is a positive number.")
        if abs(sigma - target) <= 1e-9 * target:
            return reporter.failed(
                f"{shown}, the target epsilon itself.",
                hint="Return the noise multiplier (the `noise_multiplier` you would pass to "
                     "`dpsgd_epsilon`), not an epsilon.")
        best = _calibrated(target, delta, q, steps, "rdp")
        if _meets(sigma, target, delta, q, steps, "rdp"):
            if sigma > best * (1 + _TOLERANCE):
                return reporter.failed(
                    f"{shown}: it meets the target, but the smallest noise multiplier that does "
                    f"is {best:.4f}, so it adds {sigma / best - 1:.0%} more noise than needed, "
                    "which costs accuracy.",
                    hint="Narrow the search until the two ends are within 0.1% of each other, "
                         "and return the end that meets the target.")
            continue
        if (_meets(sigma, target, delta, q, steps, "pld")
                and sigma <= _calibrated(target, delta, q, steps, "pld") * (1 + _TOLERANCE)):
            notes.append(i)  # calibrated with the tighter PLD accountant
            continue
        epsilon = dpsgd_epsilon(sigma, q, steps, delta)
        return reporter.failed(
            f"{shown}, but with that noise the run has epsilon = {epsilon:.4g} (RDP "
            f"accountant), above the target {target:g}; the smallest noise multiplier that "
            f"meets it is {best:.4f}.",
            hint="With too little noise the run is not private enough: return the end of your "
                 "search that meets the target (epsilon <= target), not the other one.")
    sigmas = ", ".join(f"{_calibrated(*args, 'rdp'):.4f}" for args in _TARGET_CASES)
    text = (f"{name} finds the smallest noise multiplier that meets the target: about {sigmas} "
            f"for the two settings, as `calibrate_noise_multiplier` does (RDP accountant). "
            f"Target {_TARGET_CASES[0][0]:g} over 14,063 MNIST steps needs noise "
            f"{_calibrated(*_TARGET_CASES[0], 'rdp'):.2f}.")
    if notes:
        text += (" (You calibrated with the PLD accountant, which is tighter and needs a little "
                 "less noise: that is right too.)")
    return reporter.passed(text)


EXERCISES = (
    Exercise("04.1", "When advanced composition pays off", check_advanced_pays_off,
             solutions.advanced_pays_off_from, _HINT_04_1, more_hints=_MORE_04_1),
    Exercise("04.2", "The noise for a target epsilon", check_noise_for_target,
             solutions.noise_for_target, _HINT_04_2, more_hints=_MORE_04_2),
)
