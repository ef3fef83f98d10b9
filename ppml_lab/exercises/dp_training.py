"""Exercises of notebook 05 (DP machine learning).

* 05.1 :func:`check_dpsgd_step`: write one DP-SGD step (clip each example's
  gradient, sum, add Gaussian noise, average); checked exactly without noise
  and statistically with it.
* 05.2 :func:`check_tuning_cost`: how many hyperparameter candidates a budget
  buys when the training runs are composed exactly (PLD), not by basic
  composition.

Introduced in notebook 05.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from scipy import stats

from . import solutions
from ._core import (CheckResult, Exercise, Reporter, as_vector_output, call_learner, call_text,
                    fmt_answer, fmt_number, function_label, grade_value, run_function_check,
                    run_value_check)
from ._stats import Z

__all__ = ["check_dpsgd_step", "check_tuning_cost"]

_HINT_05_1 = ("Follow the three moves of section 2, in order, on the rows of "
              "`per_example_grads` (one row per example): make each row no longer than "
              "`clip_norm`, add one draw of noise to the sum of the rows, then average. Only the "
              "noise is random, and it comes from `rng`.")
_MORE_HINTS_05_1 = (
    "Clipping scales a row by min(1, clip_norm / its L2 norm): a long row shrinks to length "
    "`clip_norm`, a short row stays as it is. The noise has one coordinate per feature, with "
    "standard deviation `noise_multiplier * clip_norm` (the clipping norm is the sensitivity), "
    "and it is added once, to the sum, before dividing by the number of rows.",
    "The numpy pieces: `np.linalg.norm` with `axis=1, keepdims=True` for the row norms, "
    "`np.minimum` for the scaling factors, `.sum(axis=0)` over the rows, `rng.normal` with "
    "`size=` the number of columns for the noise, and `len(per_example_grads)` to average.",
)
_HINT_05_2 = ("The search is one mechanism on the private data: its epsilon at delta = 1e-5 "
              "grows with the number of candidates k. Find that epsilon as a function of k, "
              "with the exact (PLD) accountant, and find the largest k that stays within 3.")
_MORE_HINTS_05_2 = (
    "Every candidate is 60 full-batch Gaussian steps with the same noise multiplier, on the "
    "same data. For the data, k such runs one after another are exactly one run of 60 * k "
    "steps. Basic composition would add the deltas too, which the budget of delta = 1e-5 "
    "cannot pay for; composing exactly keeps delta at 1e-5.",
    "`dpsgd_epsilon` with `sample_rate=1.0`, `steps=60 * k`, `delta=1e-5` and "
    "`accountant=\"pld\"` is the epsilon of a search over k candidates (k = 1 gives 1.0, one "
    "model with the defaults). Try k = 1, 2, 3, ... and keep the last k whose epsilon is at "
    "most 3.",
)

# --- 05.1 one DP-SGD step ----------------------------------------------------------------------

# Exact cases (no noise): rows of norm 5, 0.5, 13, 2 and 1 with clip_norm 2 (some clipped, some
# not, one exactly at the bound), and rows that are all shorter than the bound (untouched).
_G_MIXED = np.array([[3.0, 4.0, 0.0], [0.3, 0.0, -0.4], [-5.0, 0.0, 12.0], [0.0, 2.0, 0.0],
                     [0.6, -0.8, 0.0]])
_G_SHORT = np.array([[0.1, 0.2], [-0.3, 0.05], [0.0, -0.4], [0.25, 0.25]])
_EXACT_CASES = ((_G_MIXED, 2.0), (_G_SHORT, 1.0))
# Statistical case: 50 examples in 4 dimensions, clip 2, noise multiplier 1.5: the noise of the
# mean has standard deviation 1.5 * 2 / 50 = 0.06 per coordinate. The usual mistakes give 0.03
# (no clip_norm), 0.0012 (divided twice), 3 (not divided), 0.18 (variance for std), 0.42 (noise
# per example). 2000 draws: each coordinate's variance is tested with a chi-square test
# (rejected when p < 1e-6, two-sided), its mean with a z-test at Z = 5, and the correlation of
# coordinates 0 and 1 at Z = 5: a correct answer fails by bad luck with probability below 1e-5.
_N_STAT, _D_STAT, _CLIP_STAT, _NM_STAT = 50, 4, 2.0, 1.5
_N_DRAWS = 2000
_SEED = 20050  # any fixed seed
_ALPHA = 1e-6
_WHAT = "the noisy mean gradient, an array with one number per coordinate"


def _reference(grads: np.ndarray, clip_norm: float) -> np.ndarray:
    """Clipped mean, no noise."""
    norms = np.linalg.norm(grads, axis=1, keepdims=True)
    return (grads * np.minimum(1.0, clip_norm / np.maximum(norms, 1e-300))).sum(axis=0) / len(grads)


def _stat_grads() -> np.ndarray:
    g = np.random.default_rng(_SEED + 1).normal(size=(_N_STAT, _D_STAT))
    return g * np.linspace(0.2, 4.0, _N_STAT)[:, None] / np.linalg.norm(g, axis=1, keepdims=True)


def _as_gradient(out: Any, fn: Callable[..., Any], args: tuple, kwargs: dict, grads: np.ndarray,
                 reporter: Reporter) -> np.ndarray:
    return as_vector_output(
        out, fn, args, kwargs, reporter, rows=grads, what=_WHAT, per_row="one row per example",
        sum_hint="Sum the clipped rows over the examples, `clipped.sum(axis=0)`, before adding "
                 "the noise and dividing.")


def _exact_mistake(grads: np.ndarray, clip: float, got: np.ndarray) -> str | None:
    """The hint for a known slip that explains ``got`` (no noise), or None."""
    n = len(grads)
    norms = np.linalg.norm(grads, axis=1, keepdims=True)
    total = grads.sum(axis=0)
    ref = _reference(grads, clip)

    def scaled(v: np.ndarray) -> np.ndarray:
        return v * min(1.0, clip / max(float(np.linalg.norm(v)), 1e-300))

    with np.errstate(divide="ignore", invalid="ignore"):
        by_coordinate = (grads * np.minimum(1.0, clip / np.abs(grads))).sum(axis=0) / n
    candidates = [
        (grads.mean(axis=0), "The rows were not clipped: scale each row by "
                             "`np.minimum(1.0, clip_norm / norm)` before summing."),
        (scaled(total) / n, "You clipped the sum; clip each row (each example's gradient) "
                            "first, then sum. Clipping bounds what one example can change."),
        (scaled(total / n), "You clipped the mean; clip each row (each example's gradient) "
                            "first, then sum and divide."),
        ((grads * clip / norms).sum(axis=0) / n,
         "Rows shorter than `clip_norm` must stay as they are: multiply by "
         "`np.minimum(1.0, clip_norm / norm)`, not by `clip_norm / norm`."),
        (ref * n, "Divide the noisy sum by the number of examples, `len(per_example_grads)`."),
        (ref / n, "You divided by the number of examples twice."),
        (by_coordinate,
         "Clip by each row's L2 norm, `np.linalg.norm(row)`, not coordinate by coordinate."),
    ]
    for value, hint in candidates:
        if value.shape == got.shape and np.allclose(got, value, rtol=1e-9, atol=1e-12):
            return hint
    return None


def check_dpsgd_step(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 05.1: one DP-SGD step, the noisy mean gradient.

    The learner writes ``fn(per_example_grads, clip_norm, noise_multiplier,
    rng)`` returning the noisy mean gradient: each row clipped to L2 norm
    at most ``clip_norm``, summed, plus ``N(0, (noise_multiplier *
    clip_norm)**2)`` noise per coordinate, divided by the number of rows.

    1. **Exactly**, with ``noise_multiplier=0``: on 5 rows of norm 5, 0.5, 13,
       2 and 1 (``clip_norm=2``) and on 4 rows all shorter than
       ``clip_norm=1`` (which must stay untouched), against the clipped mean
       (tolerance 1e-9).
    2. **Statistically**, on 50 rows in 4 dimensions with ``clip_norm=2`` and
       ``noise_multiplier=1.5`` (noise standard deviation 0.06 on the mean),
       from 2000 calls with a fixed seed: a chi-square test of each
       coordinate's variance (p < 1e-6), a z-test of its mean and of the
       correlation of two coordinates (Z = 5). A correct answer fails by bad
       luck with probability below 1e-5.

    No clipping, clipping the sum or the mean, scaling short rows up, no
    averaging, noise without ``clip_norm``, noise divided twice or not at all,
    a variance passed as a standard deviation, noise per example, one noise
    number for every coordinate, and randomness not drawn from ``rng`` get
    their own hints.

    Parameters
    ----------
    fn : callable
        Called as ``fn(per_example_grads, clip_norm, noise_multiplier, rng)``.

    Returns
    -------
    CheckResult

    Raises
    ------
    TypeError
        If ``fn`` is not callable.

    Notes
    -----
    Introduced in notebook 05. About 2000 calls of ``fn``: 20 to 40 ms.

    Examples
    --------
    >>> from ppml_lab.exercises import solutions
    >>> check_dpsgd_step(solutions.dpsgd_step).passed
    True
    >>> def no_clip(per_example_grads, clip_norm, noise_multiplier, rng):
    ...     return per_example_grads.mean(axis=0)
    >>> check_dpsgd_step(no_clip).hint[:26]
    'The rows were not clipped:'
    """
    call = "dpsgd_step(per_example_grads, clip_norm, noise_multiplier, rng)"
    return run_function_check(fn, _check_step, check_name="check_dpsgd_step", exercise_id="05.1",
                              hint=_HINT_05_1, call=call)


def _check_step(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    # 1. exact, no noise
    for i, (grads, clip) in enumerate(_EXACT_CASES):
        args = (grads.copy(), clip, 0.0, np.random.default_rng(_SEED))
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=_WHAT)
        got = _as_gradient(out, fn, args, {}, grads, reporter)
        expected = _reference(grads, clip)
        if not np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            shown = np.array2string(got, precision=4, separator=", ")
            want = np.array2string(expected, precision=4, separator=", ")
            which = ("rows shorter than `clip_norm`" if i == 1
                     else "rows of norm 5, 0.5, 13, 2 and 1 with `clip_norm=2`")
            return reporter.failed(
                f"with `noise_multiplier=0` on {which}, {function_label(fn)} returned {shown}; "
                f"the clipped mean is {want}.", hint=_exact_mistake(grads, clip, got))

    # 2. statistical, with noise
    grads = _stat_grads()
    rng = np.random.default_rng(_SEED)
    args = (grads, _CLIP_STAT, _NM_STAT, rng)
    outputs = call_learner(fn, args, {}, reporter, n=_N_DRAWS, what=_WHAT)
    draws = np.array([_as_gradient(o, fn, args, {}, grads, reporter) for o in outputs])
    noise = draws - _reference(grads, _CLIP_STAT)
    sigma = _NM_STAT * _CLIP_STAT / _N_STAT
    call = f"`{call_text(fn, args, {})}`"
    if np.all(noise.std(axis=0) == 0):
        return reporter.failed(
            f"{call} gave the same output in {_N_DRAWS} calls: no noise was added.",
            hint="Add `rng.normal(0.0, noise_multiplier * clip_norm, size=d)` to the sum of the "
                 "clipped rows, then divide by the number of rows.")
    again = [call_learner(fn, (grads, _CLIP_STAT, _NM_STAT, np.random.default_rng(7)), {},
                          reporter, what=_WHAT)[0] for _ in range(2)]
    if not np.array_equal(np.asarray(again[0], dtype=float), np.asarray(again[1], dtype=float)):
        return reporter.failed(
            "two calls with generators seeded alike gave different outputs: the noise does not "
            "come (only) from `rng`.",
            hint="Draw the noise with `rng.normal(...)`, the generator passed in, never with "
                 "`np.random.normal`: then a seed makes the step reproducible.")
    n_draws = len(noise)
    if n_draws > 2:
        r = float(np.corrcoef(noise[:, 0], noise[:, 1])[0, 1])
        if abs(r) * math.sqrt(n_draws) > Z:
            return reporter.failed(
                f"the noise of coordinates 0 and 1 has correlation {r:.2f} over {n_draws} calls; "
                "it should be independent.",
                hint="Draw one noise number per coordinate, `size=per_example_grads.shape[1]`, "
                     "not one number added to every coordinate.")
    means = noise.mean(axis=0)
    z = np.abs(means) / (noise.std(axis=0, ddof=1) / math.sqrt(n_draws))
    if np.any(z > Z):
        j = int(np.argmax(z))
        return reporter.failed(
            f"over {n_draws} calls, the output's coordinate {j} averages {draws[:, j].mean():.4f}"
            f", but the clipped mean is {_reference(grads, _CLIP_STAT)[j]:.4f}: the noise should "
            "average zero.", hint="Draw the noise with mean 0: `rng.normal(0.0, std, size=d)`.")
    variances = noise.var(axis=0, ddof=1)
    chi = (n_draws - 1) * variances / sigma ** 2
    p = 2 * np.minimum(stats.chi2.cdf(chi, n_draws - 1), stats.chi2.sf(chi, n_draws - 1))
    std = float(np.sqrt(variances.mean()))
    if np.any(p < _ALPHA):
        ratio = std / sigma
        hints = [(_N_STAT, "The noise must be divided by the number of examples too: add it to "
                           "the sum, then divide the noisy sum."),
                 (1 / _N_STAT, "You divided the noise by the number of examples twice: add the "
                               "noise to the sum and divide once."),
                 (1 / _CLIP_STAT, "The noise standard deviation is `noise_multiplier * "
                                  "clip_norm`: the clipping norm is the sensitivity."),
                 (_NM_STAT * _CLIP_STAT, "`rng.normal` takes a standard deviation, "
                                         "`noise_multiplier * clip_norm`, not a variance."),
                 (math.sqrt(_N_STAT), "Add the noise once, to the sum, not to each example's "
                                      "gradient: per-example noise averages out."),
                 (1 / _NM_STAT, "Multiply by the noise multiplier: the standard deviation is "
                                "`noise_multiplier * clip_norm`.")]
        hint = next((h for r, h in hints if abs(math.log(ratio / r)) < 0.15), None)
        return reporter.failed(
            f"with `clip_norm={fmt_number(_CLIP_STAT)}`, `noise_multiplier="
            f"{fmt_number(_NM_STAT)}` and {_N_STAT} examples, the noise on the mean gradient "
            f"should have standard deviation {sigma:.4f} per coordinate; over {n_draws} calls "
            f"it has {std:.4g}.", hint=hint)
    return reporter.passed(
        f"{function_label(fn)} clips each example's gradient, sums, adds noise of standard "
        f"deviation `noise_multiplier * clip_norm` and averages: exact without noise, and over "
        f"{n_draws} calls the noise on the mean has standard deviation {std:.4f} (expected "
        f"{sigma:.4f} = {fmt_number(_NM_STAT)} x {fmt_number(_CLIP_STAT)} / {_N_STAT}). That "
        "is the step `DPLogisticRegression` takes, on the full batch, at every epoch.")


# --- 05.2 how many candidates a budget buys --------------------------------------------------

# The setting of the question: candidates like the defaults at epsilon 1 (60 full-batch steps at
# noise multiplier 28.9, section 2 of notebook 05), a budget of epsilon 3 at delta 1e-5.
_BUDGET, _DELTA, _SIGMA, _STEPS = 3.0, 1e-5, 28.9, 60


def _search_epsilon(k: int) -> float:
    """Epsilon at delta 1e-5 of ``k`` candidates, composed exactly: one run of ``60 * k`` steps."""
    from ..dp import dpsgd_epsilon

    return dpsgd_epsilon(_SIGMA, 1.0, _STEPS * k, _DELTA, accountant="pld")


def _rdp_count() -> int:
    """What the (looser) RDP accountant allows."""
    from ..dp import dpsgd_epsilon

    k = 0
    while dpsgd_epsilon(_SIGMA, 1.0, _STEPS * (k + 1), _DELTA) <= _BUDGET:
        k += 1
    return k


def check_tuning_cost(answer: Any) -> CheckResult:
    """Check exercise 05.2: how many tuning candidates a budget of epsilon 3 buys.

    Each candidate is trained like the defaults at epsilon 1 (60 full-batch
    steps at noise multiplier 28.9, delta 1e-5), on the same private data; the
    published model is the best candidate itself; the whole search may spend
    epsilon 3 at delta 1e-5. Composed exactly, ``k`` such runs are one run of
    ``60 * k`` Gaussian steps, so the answer is the largest ``k`` with
    ``dpsgd_epsilon(28.9, 1.0, 60 * k, 1e-5, accountant="pld") <= 3``: 7
    (:func:`ppml_lab.exercises.solutions.candidates_within_budget`).

    Basic composition (3 runs, or 1 once the deltas are added up), the looser
    RDP accountant or a run kept aside for the final model (6), the first
    ``k`` over the budget (8), a square-root rule ``(3 / 1) ** 2`` (9) and a
    fractional number of runs get their own hints.

    Parameters
    ----------
    answer : int or float
        A number of candidates; ``...`` or ``None`` means not attempted.

    Returns
    -------
    CheckResult

    Raises
    ------
    TypeError
        If ``answer`` is not a number.

    Notes
    -----
    Introduced in notebook 05. Eight PLD accountings: about 10 ms.

    Examples
    --------
    >>> check_tuning_cost(3).hint[:38]
    'That is basic composition of the epsil'
    >>> check_tuning_cost(7).passed
    True
    """
    return run_value_check(answer, _grade_tuning_cost, exercise_id="05.2", hint=_HINT_05_2,
                           fix="Type a whole number, e.g. answer = 4.")


def _grade_tuning_cost(value: float, reporter: Reporter) -> CheckResult:
    expected = int(solutions.candidates_within_budget())
    fits, over = _search_epsilon(expected), _search_epsilon(expected + 1)
    if value != math.floor(value):
        hint = ("A number of training runs is a whole number: the largest k whose search fits "
                "the budget, rounded down." if math.floor(value) == expected else
                "The answer is a whole number of training runs, k = 1, 2, 3, ...")
        return reporter.failed(f"you answered {fmt_answer(value)}, which is not a whole "
                               "number of runs.", hint=hint)
    basic = int(_BUDGET)  # basic composition: k runs at epsilon 1 cost k
    mistakes = [
        (basic, f"That is basic composition of the epsilons ({basic} runs at epsilon 1 each). It "
                f"also adds the deltas: {basic} runs at delta 1e-5 spend {basic}e-5, more than "
                "the budget's 1e-5. Composed exactly, Gaussian runs keep delta at 1e-5 and their "
                "epsilon grows more slowly than k."),
        (1, "Basic composition, deltas included, fits only one run (each spends delta 1e-5). "
            "Composed exactly, k Gaussian runs keep delta at 1e-5 and their epsilon grows more "
            "slowly than k: how many fit within epsilon 3?"),
        (_rdp_count(), f"{_rdp_count()} candidates fit, but so does one more. The RDP accountant "
                       "(a little loose) stops here, and so does keeping a run aside for the "
                       "final model; but the published model is the best candidate itself, and "
                       "the PLD accountant composes Gaussian runs exactly."),
        (expected + 1, f"At k = {expected + 1} the search costs epsilon {over:.2f}, over the "
                       f"budget of 3: the answer is the last k within the budget, not the first "
                       "one over it."),
        (round((_BUDGET / 1.0) ** 2), "(3 / 1)**2 = 9 assumes epsilon grows exactly as the "
                                      "square root of k. It does not (it grows faster for few "
                                      "runs): compute the search's epsilon for each k with the "
                                      "accountant."),
    ]
    return grade_value(
        value, reporter, expected=float(expected), tolerance=0.01,
        what="the number of candidates the budget buys",
        domain=(lambda v: v >= 1, "at least 1 (one run fits the budget)"),
        passed=(f"composed exactly, {expected} candidates at epsilon 1 each cost epsilon "
                f"{fits:.2f} at delta 1e-5 ({expected + 1} would cost {over:.2f}). Basic "
                f"composition would allow {basic}, and only with each run's delta cut to a "
                f"third (so more noise per run): exact accounting buys more than twice as many "
                "candidates, but every "
                "candidate still costs privacy. Tuning on public data costs nothing."),
        mistakes=mistakes)


EXERCISES = (
    Exercise("05.1", "One DP-SGD step", check_dpsgd_step, solutions.dpsgd_step, _HINT_05_1,
             more_hints=_MORE_HINTS_05_1),
    Exercise("05.2", "How many candidates a budget buys", check_tuning_cost,
             solutions.candidates_within_budget, _HINT_05_2, answer_name="n_candidates",
             question=("Each tuning candidate is trained like the defaults at epsilon = 1: 60 "
                       "full-batch steps at noise multiplier 28.9, delta = 1e-5, on the same "
                       "private data. The model you publish is the best candidate itself. The "
                       "whole search may spend epsilon = 3 at delta = 1e-5. Composing the runs "
                       "exactly (the PLD accountant), how many candidates can you train at "
                       "most?"),
             more_hints=_MORE_HINTS_05_2),
)
