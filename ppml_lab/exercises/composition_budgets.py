"""Exercises of notebook 04 (composition and budgets).

* 04.1 :func:`check_advanced_composition`: write the advanced composition
  bound; compared with :func:`ppml_lab.dp.advanced_composition`.
* 04.2 :func:`check_noise_for_target`: find the smallest noise multiplier
  that keeps a DP-SGD run within a target epsilon; compared with
  :func:`ppml_lab.dp.calibrate_noise_multiplier`.

Introduced in notebook 04.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Sequence

from ..dp import advanced_composition, calibrate_noise_multiplier, dpsgd_epsilon
from ._core import (CheckResult, Exercise, Reporter, as_real_output, call_learner, call_text,
                    run_function_check, fmt_number, function_label)
from . import solutions

__all__ = ["check_advanced_composition", "check_noise_for_target"]

_HINT_04_1 = ("Translate the formula in the docstring: `np.sqrt` for the square root, `np.log` "
              "for the natural logarithm ln and `np.exp(epsilon) - 1` for `e**epsilon - 1`. Add "
              "both terms.")
_HINT_04_2 = ("More noise means a smaller epsilon. Keep two noise multipliers, one too small "
              "(its epsilon is above the target) and one large enough; try the one in the middle "
              "(`np.sqrt(low * high)` on a log scale), keep the half that still brackets the "
              "answer, and stop when they are 0.1% apart. Return the large-enough one.")


# --- 04.1 advanced composition ------------------------------------------------------------

# (epsilon, k, delta_prime): many small steps (where advanced composition wins), few large ones
# (where it loses to basic composition), and an epsilon large enough that e**epsilon - 1 and
# epsilon differ clearly.
_ADVANCED_CASES = ((0.1, 100, 1e-5), (0.5, 10, 1e-6), (0.01, 10_000, 1e-5), (1.0, 3, 1e-3))


def _library_advanced(epsilon: float, k: int, delta_prime: float) -> float:
    return advanced_composition(epsilon, 0.0, k, delta_prime).epsilon


def check_advanced_composition(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 04.1: the advanced composition bound of Dwork, Rothblum and Vadhan.

    The learner writes ``fn(epsilon, k, delta_prime) -> float`` returning
    ``sqrt(2 k ln(1 / delta_prime)) * epsilon + k * epsilon * (e**epsilon - 1)``.
    The check compares it with :func:`ppml_lab.dp.advanced_composition` on
    four fixed inputs (relative tolerance 1e-9). Basic composition
    (``k * epsilon``), a missing second term, ``k * epsilon**2`` for the second
    term, ``e**epsilon`` without the ``- 1``, a missing factor 2, ``log10`` and a
    missing square root get their own hints.

    Parameters
    ----------
    fn : callable
        The learner's function, called as ``fn(epsilon, k, delta_prime)``.

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
    >>> check_advanced_composition(solutions.advanced_composition_epsilon).passed
    True
    >>> check_advanced_composition(lambda epsilon, k, delta_prime: k * epsilon).hint
    'That is basic composition, `k * epsilon`. Advanced composition grows like `sqrt(k)`: use the formula in the docstring.'
    """
    return run_function_check(fn, _check_advanced, check_name="check_advanced_composition",
                              exercise_id="04.1", hint=_HINT_04_1,
                              call="advanced_composition_epsilon(epsilon, k, delta_prime)")


def _check_advanced(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    what = "epsilon_total, one positive number"
    got = []
    for i, args in enumerate(_ADVANCED_CASES):
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=what)
        got.append(as_real_output(out, fn, args, {}, reporter, what=what))
    expected = [_library_advanced(*args) for args in _ADVANCED_CASES]

    def matches(values: Sequence[float], tol: float) -> bool:
        return all(abs(g - v) <= tol * abs(v) for g, v in zip(got, values))

    if matches(expected, 1e-9):
        e0, k0, d0 = _ADVANCED_CASES[0]
        e1, k1, d1 = _ADVANCED_CASES[1]
        return reporter.passed(
            f"{function_label(fn)} matches `advanced_composition`. For {k0} queries at epsilon "
            f"{e0:g} (delta' = {fmt_number(d0)}) it gives {expected[0]:.2f}, against "
            f"{k0 * e0:g} by basic composition; but for {k1} queries at epsilon {e1:g} it gives "
            f"{expected[1]:.2f}, worse than basic composition's {k1 * e1:g}. Advanced "
            "composition pays off for many small steps.")

    i = next(i for i in range(len(got)) if abs(got[i] - expected[i]) > 1e-9 * abs(expected[i]))
    message = (f"`{call_text(fn, _ADVANCED_CASES[i], {})}` returned {got[i]:.6g}; advanced "
               f"composition gives {expected[i]:.6g}.")
    mistakes: list[tuple[Callable[[float, int, float], float], str]] = [
        (lambda e, k, d: k * e,
         "That is basic composition, `k * epsilon`. Advanced composition grows like `sqrt(k)`: "
         "use the formula in the docstring."),
        (lambda e, k, d: math.sqrt(2 * k * math.log(1 / d)) * e,
         "The second term is missing: add `k * epsilon * (np.exp(epsilon) - 1)`."),
        (lambda e, k, d: math.sqrt(2 * k * math.log(1 / d)) * e + k * e * e,
         "`k * epsilon**2` is the small-epsilon approximation of the second term; the theorem "
         "has `k * epsilon * (np.exp(epsilon) - 1)`."),
        (lambda e, k, d: math.sqrt(2 * k * math.log(1 / d)) * e + k * e * math.exp(e),
         "The second term is `k * epsilon * (e**epsilon - 1)`: subtract 1 from `np.exp(epsilon)`."),
        (lambda e, k, d: math.sqrt(k * math.log(1 / d)) * e + k * e * math.expm1(e),
         "The factor 2 is missing under the square root: `np.sqrt(2 * k * np.log(1 / "
         "delta_prime))`."),
        (lambda e, k, d: math.sqrt(2 * k * math.log10(1 / d)) * e + k * e * math.expm1(e),
         "ln is the natural logarithm: `np.log`, not `np.log10`."),
        (lambda e, k, d: 2 * k * math.log(1 / d) * e + k * e * math.expm1(e),
         "The square root covers `2 * k * ln(1 / delta_prime)`: use `np.sqrt(...)`."),
    ]
    for formula, hint in mistakes:
        if matches([formula(*args) for args in _ADVANCED_CASES], 1e-6):
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
    instead of a noise multiplier get their own hints.

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
                              call="noise_for_target(target_epsilon, delta, sample_rate, steps)")


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
    Exercise("04.1", "Advanced composition", check_advanced_composition,
             solutions.advanced_composition_epsilon, _HINT_04_1),
    Exercise("04.2", "The noise for a target epsilon", check_noise_for_target,
             solutions.noise_for_target, _HINT_04_2),
)
