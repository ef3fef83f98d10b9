"""Exercises of notebook 06 (membership inference and auditing).

* 06.1 :func:`check_loss_scores`: the loss-threshold attack's score from a
  model's predicted probabilities; compared with
  :func:`ppml_lab.attacks.loss_threshold_attack`.
* 06.2 :func:`check_advantage_bound`: the largest membership advantage an
  epsilon = 1 model allows.
* 06.3 :func:`check_empirical_epsilon`: the epsilon that an attack's TPR and
  FPR prove; compared with the formula behind
  :func:`ppml_lab.attacks.empirical_epsilon`.

Introduced in notebook 06.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from ..attacks import audit as audit_module
from ..attacks import empirical_epsilon, loss_threshold_attack, true_class_probability
from . import solutions
from ._core import (CheckResult, Exercise, Reporter, as_real_output, call_learner,
                    call_text, describe_output, function_label, grade_value,
                    run_function_check, run_value_check)

__all__ = ["check_loss_scores", "check_advantage_bound", "check_empirical_epsilon"]

_HINT_06_1 = ("The score of example i is the log of the probability the model gives its *true* "
              "class. Where in `proba` is that number for row i?")
_MORE_06_1 = ("Row i of `proba` holds the probabilities of every class for example i; its true "
              "class is `y[i]`, a column index. Pick one entry per row, all rows at once, with "
              "numpy's integer-array indexing.",
              "Index the rows with `np.arange(len(y))` and the columns with `y` in the same "
              "subscript, then take the natural logarithm of the result.")
_HINT_06_2 = ("Epsilon-DP means TPR <= e**epsilon * FPR and, for the other side, "
              "1 - FPR <= e**epsilon * (1 - TPR). The advantage TPR - FPR is largest where both "
              "hold with equality: solve the two for TPR and FPR at epsilon = 1.")
_HINT_06_3 = ("An attack's rates must satisfy the DP inequality for the true epsilon. Which "
              "epsilons are consistent with the measured TPR and FPR?")
_MORE_06_3 = ("Isolate `e**epsilon` in `TPR <= e**epsilon * FPR + delta`: every epsilon at or "
              "above the solution is consistent, so the smallest one is what the rates prove.",
              "Subtract delta from both sides, divide by FPR, and take the natural logarithm "
              "(`np.log`, not `np.log10`).")
_FORBIDDEN_06_1 = (loss_threshold_attack, true_class_probability)
_FORBIDDEN_06_3 = (empirical_epsilon, audit_module._epsilon_bound)

# --- 06.1 the loss-threshold score ------------------------------------------------------------

# Three classes; rows 1 and 4 are misclassified (the true class is not the most likely), row 3
# is unsure; then a binary model. The columns are the model's classes 0, 1, 2.
_PROBA_3 = np.array([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1], [0.05, 0.05, 0.9], [0.34, 0.33, 0.33],
                     [0.1, 0.8, 0.1]])
_Y_3 = np.array([0, 1, 2, 1, 2])
_PROBA_2 = np.array([[0.99, 0.01], [0.2, 0.8], [0.45, 0.55], [0.9, 0.1]])
_Y_2 = np.array([0, 1, 0, 1])
_SCORE_CASES = ((_PROBA_3, _Y_3), (_PROBA_2, _Y_2))
_WHAT_06_1 = "an array with one score per example"


class _FixedModel:
    """A 'model' whose predict_proba returns fixed probabilities (to call the library)."""

    def __init__(self, proba: np.ndarray) -> None:
        self._proba = proba
        self.classes_ = np.arange(proba.shape[1])

    def predict_proba(self, X: Any) -> np.ndarray:
        return self._proba


def _library_scores(proba: np.ndarray, y: np.ndarray) -> np.ndarray:
    return loss_threshold_attack(_FixedModel(proba), np.zeros((len(y), 1)), y)


def check_loss_scores(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 06.1: the loss-threshold attack's membership score.

    The learner writes ``fn(proba, y) -> scores`` with ``scores[i] = log
    proba[i, y[i]]``, minus the cross-entropy loss of example ``i``. It is
    compared with :func:`ppml_lab.attacks.loss_threshold_attack` on a
    three-class and a binary case (relative tolerance 1e-9). The loss itself
    (sign flipped), the probability without the log, the most likely class or a
    fixed column instead of the true class, ``log10`` and ``log(1 - p)`` get
    their own hints.

    Parameters
    ----------
    fn : callable
        The learner's function, called as ``fn(proba, y)`` with ``proba`` of
        shape (n, n_classes) and integer labels ``y`` of shape (n,).

    Returns
    -------
    CheckResult

    Notes
    -----
    Introduced in notebook 06.

    Examples
    --------
    >>> check_loss_scores(solutions.loss_scores).passed
    True
    >>> check_loss_scores(lambda proba, y: -np.log(proba[np.arange(len(y)), y])).hint[:32]
    'That is the loss, `-log p`: memb'
    """
    return run_function_check(fn, _check_scores, check_name="check_loss_scores",
                              exercise_id="06.1", hint=_HINT_06_1, call="loss_scores(proba, y)",
                              forbidden=_FORBIDDEN_06_1)


def _check_scores(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    got = []
    for i, (proba, y) in enumerate(_SCORE_CASES):
        args = (proba.copy(), y.copy())
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=_WHAT_06_1)
        shown = f"`{call_text(fn, args, {})}` returned {describe_output(out)}"
        try:
            arr = np.asarray(out, dtype=float)
        except (TypeError, ValueError):
            return reporter.failed(f"{shown}; it should return {_WHAT_06_1}.")
        if arr.shape != y.shape:
            return reporter.failed(f"{shown}; it should return {_WHAT_06_1}, shape {y.shape}.",
                                   hint="One score per row of `proba`: select one column per "
                                        "row with `proba[np.arange(len(y)), y]`.")
        got.append(arr)
    expected = [_library_scores(p, y) for p, y in _SCORE_CASES]

    def matches(values: list[np.ndarray]) -> bool:
        return all(np.allclose(g, v, rtol=1e-9, atol=1e-12) for g, v in zip(got, values))

    if matches(expected):
        return reporter.passed(
            f"{function_label(fn)} matches `loss_threshold_attack`. The confident, correct "
            f"example (p = 0.9) scores {expected[0][2]:.2f}; the misclassified one (p = 0.1 for "
            f"its true class) scores {expected[0][4]:.2f}. An overfit model gives its training "
            "examples scores near 0, so a threshold on the score separates members from "
            "non-members.")
    first = next(i for i in range(2) if not np.allclose(got[i], expected[i], rtol=1e-9))
    message = (f"for the {'three-class' if first == 0 else 'binary'} case your scores are "
               f"{np.round(got[first], 3).tolist()}; the library gives "
               f"{np.round(expected[first], 3).tolist()}.")

    def true_p(proba: np.ndarray, y: np.ndarray) -> np.ndarray:
        return proba[np.arange(len(y)), y]

    with np.errstate(divide="ignore"):
        mistakes: list[tuple[Callable[[np.ndarray, np.ndarray], np.ndarray], str]] = [
            (lambda p, y: -np.log(true_p(p, y)),
             "That is the loss, `-log p`: members have a *low* loss, and the score must be "
             "higher for members. Return `log p` (minus the loss)."),
            (lambda p, y: true_p(p, y),
             "These are the probabilities themselves. They rank examples the same way, but the "
             "score is their natural logarithm: `np.log(...)`."),
            (lambda p, y: np.log(p.max(axis=1)),
             "That is the probability of the *predicted* class (the row's largest). Use the "
             "true class: column `y[i]` of row `i`."),
            (lambda p, y: np.log(p[:, 0]),
             "That is column 0 for every row. Use each row's true class: column `y[i]`."),
            (lambda p, y: np.log(p[:, -1]),
             "That is the last column for every row. Use each row's true class: column `y[i]`."),
            (lambda p, y: np.log10(true_p(p, y)),
             "The cross-entropy uses the natural logarithm: `np.log`, not `np.log10`."),
            (lambda p, y: np.log(1 - true_p(p, y)),
             "`1 - p` is the probability of *not* the true class. Use `p` itself."),
        ]
        for formula, hint in mistakes:
            if matches([formula(p, y) for p, y in _SCORE_CASES]):
                return reporter.failed(message, hint=hint)
    return reporter.failed(message)


# --- 06.2 the most advantage epsilon = 1 allows -----------------------------------------------

def check_advantage_bound(answer: Any) -> CheckResult:
    """Check exercise 06.2: the largest membership advantage an epsilon = 1 (pure DP) model allows.

    The answer is ``(e - 1) / (e + 1)``, about 0.4621 (tolerance 0.002).
    ``e - 1``, ``e / (1 + e)`` (the attacker's best accuracy), ``1 - 1/e``,
    ``e``, 1 and 0 get their own hints.

    Parameters
    ----------
    answer : float

    Returns
    -------
    CheckResult

    Notes
    -----
    Introduced in notebook 06.

    Examples
    --------
    >>> check_advantage_bound(0.4621).passed
    True
    >>> check_advantage_bound(0.7311).hint[:40]
    'That is `e / (1 + e)`, the best accuracy'
    """
    return run_value_check(answer, _grade_advantage_bound, exercise_id="06.2", hint=_HINT_06_2,
                           fix="Type a number, e.g. answer = 0.3.")


def _grade_advantage_bound(value: float, reporter: Reporter) -> CheckResult:
    expected = float(solutions.max_advantage())
    e = math.e
    return grade_value(
        value, reporter, expected=expected, tolerance=0.002, percent=True,
        what="the largest advantage at epsilon = 1",
        domain=(lambda v: 0 <= v <= 1, "a difference of two rates, between 0 and 1"),
        passed=(f"(e - 1) / (e + 1) = {expected:.4f}: at epsilon = 1 no attack can find members "
                f"at a rate more than {expected:.0%} (of all members) above its false alarms. "
                "A real attack usually stays far below this ceiling; the ceiling is what the "
                "guarantee promises against every attack, including ones not invented yet."),
        mistakes=[
            (e - 1, "`e - 1` is how much the likelihood ratio may exceed 1, not an advantage "
                    "(an advantage is at most 1). Divide by `e + 1`."),
            (e / (1 + e), "That is `e / (1 + e)`, the best accuracy of guessing member or not "
                          "from a 50/50 start. The advantage is TPR - FPR = 2 * accuracy - 1."),
            (1 - 1 / e, "`1 - 1/e` comes from one inequality alone; use both, TPR <= e * FPR "
                        "and 1 - FPR <= e * (1 - TPR)."),
            (e, "`e` is the largest likelihood ratio; the advantage is a difference of rates, "
                "at most 1."),
            (1.0, "An advantage of 1 is a perfect attack: epsilon-DP with a finite epsilon never "
                  "allows it."),
            (0.0, "DP does not make attacks useless at epsilon = 1: it caps them. Find the "
                  "largest TPR - FPR the two inequalities allow."),
        ])


# --- 06.3 the epsilon an attack proves ---------------------------------------------------------

# (tpr, fpr, delta): a strong attack, a weak one, a large delta (so that forgetting it shows), and
# rates at a very low FPR.
_RATE_CASES = ((0.5, 0.01, 1e-5), (0.9, 0.1, 0.0), (0.3, 0.05, 0.02), (0.06, 0.002, 1e-5))


def _library_epsilon(tpr: float, fpr: float, delta: float) -> float:
    return math.log((tpr - delta) / fpr)  # the first bound of audit._epsilon_bound, exact rates


def check_empirical_epsilon(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 06.3: the epsilon that an attack's true- and false-positive rates prove.

    The learner writes ``fn(tpr, fpr, delta) -> log((tpr - delta) / fpr)``:
    since (epsilon, delta)-DP needs ``TPR <= e**epsilon * FPR + delta``, any
    smaller epsilon is ruled out. Compared on four fixed inputs (relative
    tolerance 1e-9) with the formula behind :func:`ppml_lab.attacks.empirical_epsilon`
    (which applies it to Clopper-Pearson ends of the rates). Forgetting delta,
    adding it, no logarithm, ``log10`` and the ratio upside down get their own hints.

    Parameters
    ----------
    fn : callable
        The learner's function, called as ``fn(tpr, fpr, delta)``.

    Returns
    -------
    CheckResult

    Notes
    -----
    Introduced in notebook 06.

    Examples
    --------
    >>> check_empirical_epsilon(solutions.epsilon_from_rates).passed
    True
    >>> check_empirical_epsilon(lambda tpr, fpr, delta: np.log(tpr / fpr)).hint[:36]
    'delta is missing: the inequality is '
    """
    return run_function_check(fn, _check_rates, check_name="check_empirical_epsilon",
                              exercise_id="06.3", hint=_HINT_06_3,
                              call="epsilon_from_rates(tpr, fpr, delta)",
                              forbidden=_FORBIDDEN_06_3)


def _check_rates(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    what = "an epsilon, one number"
    got = []
    for i, args in enumerate(_RATE_CASES):
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=what)
        got.append(as_real_output(out, fn, args, {}, reporter, what=what))
    expected = [_library_epsilon(*args) for args in _RATE_CASES]

    def matches(values: list[float], tol: float) -> bool:
        return all(abs(g - v) <= tol * max(abs(v), 1e-12) for g, v in zip(got, values))

    if matches(expected, 1e-9):
        counts = {"tp": 500, "fn": 500, "fp": 10, "tn": 990}
        audited = empirical_epsilon(**counts, delta=1e-5)
        return reporter.passed(
            f"{function_label(fn)} gives the epsilon the rates prove: TPR 50% at FPR 1% rules "
            f"out every epsilon below {expected[0]:.2f}. In an audit the rates are estimated "
            f"from counts, so `empirical_epsilon` uses the pessimistic ends of Clopper-Pearson "
            f"intervals: 500 of 1,000 members found and 10 of 1,000 non-members accused give "
            f"epsilon >= {audited:.2f} with 95% confidence. Either way it is a lower bound: it "
            "can show a model is *not* private, never that it is.")
    i = next(i for i in range(len(got)) if abs(got[i] - expected[i]) > 1e-9 * abs(expected[i]))
    message = (f"`{call_text(fn, _RATE_CASES[i], {})}` returned {got[i]:.6g}; the rates prove "
               f"epsilon >= {expected[i]:.6g}.")
    mistakes: list[tuple[Callable[[float, float, float], float], str]] = [
        (lambda t, f, d: math.log(t / f),
         "delta is missing: the inequality is TPR <= e**epsilon * FPR + delta, so subtract "
         "delta from TPR first."),
        (lambda t, f, d: math.log((t + d) / f),
         "Subtract delta, do not add it: TPR - delta <= e**epsilon * FPR."),
        (lambda t, f, d: (t - d) / f,
         "That is `e**epsilon`; epsilon is its natural logarithm, `np.log(...)`."),
        (lambda t, f, d: math.log10((t - d) / f),
         "Use the natural logarithm, `np.log`, not `np.log10`."),
        (lambda t, f, d: math.log(f / (t - d)),
         "The ratio is upside down: `(tpr - delta) / fpr`."),
        (lambda t, f, d: math.log(t - d) / f,
         "Take the logarithm of the whole ratio: `np.log((tpr - delta) / fpr)`."),
    ]
    for formula, hint in mistakes:
        try:
            wrong = [formula(*args) for args in _RATE_CASES]
        except ValueError:
            continue
        if matches(wrong, 1e-6):
            return reporter.failed(message, hint=hint)
    return reporter.failed(message)


EXERCISES = (
    Exercise("06.1", "The loss-threshold attack's score", check_loss_scores,
             solutions.loss_scores, _HINT_06_1, more_hints=_MORE_06_1),
    Exercise("06.2", "The most advantage epsilon = 1 allows", check_advantage_bound,
             solutions.max_advantage, _HINT_06_2, answer_name="advantage_at_1",
             question=("A model is trained with pure epsilon-DP at epsilon = 1. What is the "
                       "largest membership advantage (TPR - FPR, at the best threshold) that any "
                       "attack can reach against it? Give a number between 0 and 1.")),
    Exercise("06.3", "The epsilon an attack proves", check_empirical_epsilon,
             solutions.epsilon_from_rates, _HINT_06_3, more_hints=_MORE_06_3),
)
