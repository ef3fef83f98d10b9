"""Exercises of notebook 12 (privacy by design).

* 12.1 :func:`check_hospitals_needed`: a threat model and an accuracy floor pick
  a design, and the kit's measured table says how few hospitals it needs.
* 12.2 :func:`check_record_epsilon`: the epsilon a record of processing must
  state, read from one ledger that a training run, a parallel block and a query
  were charged to.

Both answers are computed by the kit (:mod:`ppml_lab.design`, seed 12, as in
the notebook), not typed in.

Introduced in notebook 12.
"""

from __future__ import annotations

from typing import Any

from . import solutions
from ._core import POSITIVE, CheckResult, Exercise, Reporter, grade_value, run_value_check

__all__ = ["check_hospitals_needed", "check_record_epsilon"]

#: The notebook's seed: the table of notebook 12 is ``evaluate_design(..., rng=12)``.
SEED = 12
_SAFE = "federated + secure aggregation + DP"

_QUESTION_12_1 = (
    "Threat model: the server is curious, so it must see neither the records nor any single "
    "hospital's update; what the released model reveals must be bounded by differential "
    "privacy with epsilon at most 2. The model must reach at least 80% test accuracy. With "
    "how few hospitals (3, 5 or 10) does a design meet all three, by the kit's table "
    "(evaluate_design(..., rng=12))? Answer 0 if none does.")
_HINT_12_1 = ("First the threat model: which designs keep each hospital's update from the "
              "server, and which bound the released model with DP? Then read that design's "
              "accuracy at epsilon 2 in the kit's table for 3, 5 and 10 hospitals.")
_MORE_HINTS_12_1 = (
    "Only one design hides the individual updates *and* releases a DP model: federated "
    "learning with secure aggregation and DP-FedAvg. Its unit of privacy is one hospital, so "
    "its noise shrinks, relative to the signal, as more hospitals join.",
    "evaluate_design(design(\"federated + secure aggregation + DP\", epsilon=2.0, "
    "n_hospitals=n), rng=12).accuracy for n = 3, 5, 10; the answer is the first n whose "
    "accuracy is at least 0.80.",
)
_QUESTION_12_2 = (
    "One ledger, BudgetAccountant(epsilon=4.0, delta=1e-5), is charged for: the training run "
    "of evaluate_design(design(\"federated + secure aggregation + DP\", epsilon=2.0, "
    "n_hospitals=5), rng=12) (what its own ledger was charged); then, in one parallel block, "
    "a DP count of patients at each of the 5 hospitals (disjoint) at epsilon 0.5 each; then a "
    "DP mean over every patient at epsilon 0.25. What epsilon must the record of processing "
    "state?")
_HINT_12_2 = ("Build the ledger and spend on it what the question lists; "
              "processing_record(ledger, ...) reads the total from it. Composition decides "
              "how the three parts add up.")
_MORE_HINTS_12_2 = (
    "The run's charge is result.ledger.spent.epsilon: the noise was calibrated to stay just "
    "under the target of 2. The five counts read disjoint hospitals, so a parallel block "
    "charges the largest, once. The mean reads every patient: it adds on top.",
    "ledger.spend(run.epsilon, run.delta, label=...); with ledger.parallel(label=...) as "
    "block: block.spend(0.5, label=..., partition=f\"hospital {h}\") for each h; "
    "ledger.spend(0.25, label=...); then processing_record(ledger, ...).epsilon_spent.",
)


def _accuracy(name: str, n_hospitals: int) -> float:
    from ..design import design, evaluate_design

    return evaluate_design(design(name, epsilon=2.0, n_hospitals=n_hospitals),
                           rng=SEED).accuracy


# --- 12.1 ----------------------------------------------------------------------------------------

def check_hospitals_needed(answer: Any) -> CheckResult:
    """Check exercise 12.1: how few hospitals the threat model and the accuracy floor need.

    The design is federated learning with secure aggregation and DP-FedAvg (the
    only one that hides each update and bounds the released model); the answer
    is the fewest hospitals among 3, 5 and 10 whose measured accuracy at
    epsilon 2 is at least 80% (:func:`ppml_lab.exercises.solutions.hospitals_needed`:
    5 with seed 12). Answers that pick another design, or more hospitals than
    needed, get their own hints.

    Parameters
    ----------
    answer : int
        3, 5, 10 or 0 (none); ``...`` or ``None`` means not attempted.

    Returns
    -------
    CheckResult

    Notes
    -----
    Introduced in notebook 12. Six cached trainings (about 0.4 s the first time).

    Examples
    --------
    >>> check_hospitals_needed(5).passed
    True
    >>> check_hospitals_needed(3).passed
    False
    """
    return run_value_check(answer, _grade_hospitals, exercise_id="12.1", hint=_HINT_12_1,
                           fix="Type a whole number: 3, 5, 10, or 0 for none.")


def _grade_hospitals(value: float, reporter: Reporter) -> CheckResult:
    expected = int(solutions.hospitals_needed())
    safe = {n: _accuracy(_SAFE, n) for n in (3, 5, 10)}
    central = _accuracy("centralised + DP", 3)
    shown = ", ".join(f"{n} hospitals: {100 * a:.1f}%" for n, a in safe.items())
    mistakes = []
    if central >= 0.80 and expected != 3:
        mistakes.append((3, f"Centralised DP reaches {100 * central:.1f}% with any number of "
                            "hospitals, but its server holds every record: the threat model "
                            "rules it out. Federated DP without secure aggregation is ruled out "
                            "too: its server sees each update before adding the noise."))
    others = [n for n in (3, 5, 10) if n != expected and safe[n] >= 0.80]
    for n in others:
        mistakes.append((n, f"{n} hospitals also work, but the question asks for the fewest: "
                            f"{shown}."))
    for n in (3, 5, 10):
        if safe[n] < 0.80 and n != expected:
            mistakes.append((n, f"With {n} hospitals the design reaches only "
                                f"{100 * safe[n]:.1f}% at epsilon 2, below the 80% floor. "
                                "Its unit of privacy is a whole hospital: with few of them "
                                "the noise is large next to the signal."))
    mistakes.append((0, f"A design does meet the threat model and the floor: {shown}."))
    return grade_value(
        value, reporter, expected=float(expected), tolerance=0.01, choices=(3, 5, 10, 0),
        what="the fewest hospitals with which a design meets the threat model and the floor",
        passed=(f"federated learning with secure aggregation and DP-FedAvg is the only design "
                f"that hides each update and bounds the model; at epsilon 2 it measured "
                f"{shown}. It protects whole hospitals, so it needs enough of them."),
        mistakes=mistakes)


# --- 12.2 ----------------------------------------------------------------------------------------

def check_record_epsilon(answer: Any) -> CheckResult:
    """Check exercise 12.2: the epsilon a record of processing states, from one ledger.

    The training run's charge (read from its own ledger, just under 2), plus
    the parallel block of five disjoint counts (charged 0.5, the largest, once),
    plus the mean over every patient (0.25):
    :func:`ppml_lab.exercises.solutions.record_epsilon` builds the ledger and the
    record and returns ``record.epsilon_spent``.

    Parameters
    ----------
    answer : float
        An epsilon; ``...`` or ``None`` means not attempted.

    Returns
    -------
    CheckResult

    Notes
    -----
    Introduced in notebook 12.

    Examples
    --------
    >>> check_record_epsilon(2.75).hint[:30]
    'That uses the target, 2, for t'
    >>> from ppml_lab.exercises import solutions
    >>> check_record_epsilon(solutions.record_epsilon()).passed
    True
    """
    return run_value_check(answer, _grade_record, exercise_id="12.2", hint=_HINT_12_2,
                           fix="Type a number, e.g. answer = 2.5.")


def _grade_record(value: float, reporter: Reporter) -> CheckResult:
    from ..design import design, evaluate_design

    expected = float(solutions.record_epsilon())
    run = evaluate_design(design(_SAFE, epsilon=2.0, n_hospitals=5), rng=SEED).epsilon
    mistakes = [
        (2.0 + 0.5 + 0.25, "That uses the target, 2, for the training run. The record states "
                           "what the ledger was charged: the calibration stays just under the "
                           f"target ({run:.4f}); read it from result.ledger.spent.epsilon."),
        (run + 5 * 0.5 + 0.25, "That adds the five counts. They read disjoint hospitals, so a "
                               "parallel block charges only the largest, once (and a ledger of "
                               "epsilon 4 would have refused this total)."),
        (run + 0.5, "The mean over every patient reads every hospital: it is charged on top "
                    "of the parallel block."),
        (run, "The record covers every release on this data, not only the training run."),
        (run + 0.25, "The counts per hospital cost something too: the parallel block is "
                     "charged its largest partition, 0.5."),
    ]
    return grade_value(
        value, reporter, expected=expected, tolerance=5e-4,
        what="the epsilon the record states", domain=POSITIVE,
        passed=(f"the record states epsilon {expected:.4f}: the run's charge ({run:.4f}), the "
                "parallel block's largest count (0.5) and the mean (0.25). Built from the "
                "ledger, the record cannot disagree with what was spent."),
        mistakes=mistakes)


EXERCISES = (
    Exercise("12.1", "The design a threat model needs", check_hospitals_needed,
             solutions.hospitals_needed, _HINT_12_1, answer_name="n_hospitals",
             question=_QUESTION_12_1, more_hints=_MORE_HINTS_12_1),
    Exercise("12.2", "The epsilon of a record of processing", check_record_epsilon,
             solutions.record_epsilon, _HINT_12_2, answer_name="record_epsilon",
             question=_QUESTION_12_2, more_hints=_MORE_HINTS_12_2),
)
