"""Exercises of notebook 13 (scaling out with Flower). Neither needs ``flwr``.

* 13.1 :func:`check_client_rows`: which training rows a SuperNode loads. Each
  process computes its own part of the reference split from the same seed, so
  no row is ever sent; compared with
  :func:`ppml_lab.federated.flower.reference_partitions` (which the answer may
  not call).
* 13.2 :func:`check_break_even_params`: from what model size moving the model
  over a client's link takes longer than the engine's fixed overhead per round
  (the cost model of :mod:`ppml_lab.federated.deployment_cost`).

Introduced in notebook 13.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..federated.flower import setting as setting_module
from . import solutions
from ._core import (POSITIVE, CheckResult, Exercise, Reporter, call_learner, call_text,
                    describe_output, function_label, grade_value, run_function_check,
                    run_value_check)

__all__ = ["check_client_rows", "check_break_even_params"]

# --- 13.1 which rows a SuperNode holds -----------------------------------------------------------

_HINT_13_1 = ("No row travels over the network: each SuperNode computes the same split as the "
              "simulator, from the same seed, and keeps its own part. Shuffle the row numbers, "
              "then cut them into n_clients parts.")
_MORE_13_1 = (
    "The shuffle must be the same in every process: a generator seeded with 0, "
    "`np.random.default_rng(0)`, and its `permutation(n_rows)`.",
    "`np.array_split(order, n_clients)` cuts the shuffled rows into nearly equal consecutive "
    "parts (the first ones one row longer when n_rows is not a multiple); return part "
    "`partition_id` (partition ids start at 0).",
)
_FORBIDDEN_13_1 = (setting_module.reference_partitions, setting_module.FlowerSetting.partitions,
                   setting_module.FlowerSetting.client_data)
_WHAT_13_1 = "an array of row numbers (integers)"
#: (n_rows, n_clients, partition_id): the notebook's 3 SuperNodes on the 1,257 digits, an uneven
#: split, a tiny one and many clients
_ROWS_CASES = ((1257, 3, 0), (1257, 3, 2), (10, 3, 1), (1257, 7, 6), (5, 2, 0))


def check_client_rows(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 13.1: the training rows SuperNode ``partition_id`` loads.

    The learner writes ``fn(n_rows, n_clients, partition_id)`` returning the row
    numbers of that SuperNode's part of the reference split,
    ``np.array_split(np.random.default_rng(0).permutation(n_rows), n_clients)[partition_id]``
    (:func:`ppml_lab.exercises.solutions.client_rows`), checked on five cases. An
    unseeded shuffle (two calls differ), no shuffle, another seed, the neighbour's
    part, the right rows in another order and a split that drops rows get their
    own hints.

    Notes
    -----
    Introduced in notebook 13.

    Examples
    --------
    >>> check_client_rows(solutions.client_rows).passed
    True
    """
    return run_function_check(fn, _check_rows, check_name="check_client_rows",
                              exercise_id="13.1", hint=_HINT_13_1,
                              call="client_rows(n_rows, n_clients, partition_id)",
                              forbidden=_FORBIDDEN_13_1)


def _rows_mistake(n: int, k: int, pid: int, got: np.ndarray, expected: np.ndarray) -> str | None:
    parts = np.array_split(np.random.default_rng(0).permutation(n), k)
    if np.array_equal(got, np.array_split(np.arange(n), k)[pid]):
        return ("Those are consecutive rows, not shuffled: the simulator deals the rows out "
                "after a shuffle, `np.random.default_rng(0).permutation(n_rows)`, so each client "
                "is a random sample of the digits.")
    for other in (pid - 1, pid + 1):
        if 0 <= other < k and np.array_equal(got, parts[other]):
            return (f"That is SuperNode {other}'s part. Partition ids start at 0: SuperNode "
                    f"`partition_id` keeps `parts[partition_id]`.")
    if got.size == expected.size and np.array_equal(np.sort(got), np.sort(expected)):
        return ("The right rows in another order. The simulator stacks them in the shuffle's "
                "order; keep it, so that the sums run in the same order and the weights agree "
                "bit for bit.")
    size = n // k
    floor_slice = np.random.default_rng(0).permutation(n)[pid * size:(pid + 1) * size]
    if got.size != expected.size or np.array_equal(got, floor_slice):
        return (f"SuperNode {pid} of {k} holds {expected.size} of the {n} rows. "
                "`np.array_split` gives every row to some part (the first parts one row "
                "longer when the division is not exact); slicing by `n_rows // n_clients` "
                "drops rows or moves them.")
    if np.unique(got).size == got.size and got.min() >= 0 and got.max() < n:
        return ("A different shuffle. Every process must draw the same one, so the seed is "
                "fixed: `np.random.default_rng(0)` (not the notebook's SEED, and not a fresh "
                "generator).")
    return None


def _check_rows(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    for i, (n, k, pid) in enumerate(_ROWS_CASES):
        args = (n, k, pid)
        first, again = call_learner(fn, args, {}, reporter, n=2, first=(i == 0),
                                    what=_WHAT_13_1)[:2]
        shown = f"`{call_text(fn, args, {})}` returned {describe_output(first)}"
        try:
            got = np.asarray(first)
        except (TypeError, ValueError):
            got = None
        if got is None or isinstance(first, str) or got.ndim != 1 or not (
                got.size == 0 or np.issubdtype(got.dtype, np.integer)):
            return reporter.failed(f"{shown}; it should return {_WHAT_13_1}, one per row "
                                   "this SuperNode trains on.")
        if not np.array_equal(got, np.asarray(again)):
            return reporter.failed(
                f"`{call_text(fn, args, {})}` returned different rows on two calls.",
                hint="Each SuperNode computes its rows in its own process: with an unseeded "
                     "shuffle, the three SuperNodes would draw three different shuffles, so "
                     "their rows would overlap and some digits would never be trained on. Seed "
                     "it: `np.random.default_rng(0)`.")
        expected = solutions.client_rows(n, k, pid)
        if np.array_equal(got, expected):
            continue
        return reporter.failed(
            f"{shown}; SuperNode {pid} of {k} (of {n} rows) holds {expected.size} rows, "
            f"starting {expected[:3].tolist()}.",
            hint=_rows_mistake(n, k, pid, got, expected))
    return reporter.passed(
        f"{function_label(fn)} gives every SuperNode the simulator's rows. Nothing was sent: "
        "each process derived its part from its partition-id and the shared seed, and the "
        "digits never left it. On real devices the data are simply there, and the node "
        "config says which data to load.")


# --- 13.2 when the engine's overhead stops mattering --------------------------------------------

_QUESTION_13_2 = (
    "The engine's fixed overhead is 6.0 s per round (DEFAULT_ROUND_OVERHEAD_SECONDS, measured on "
    "the kit's 2-core machine). Each round, every client downloads the model and uploads its "
    "update, float32 (4 bytes per parameter), over its own link of 20 Mbit/s each way; ignore "
    "latency and training. From how many parameters on does moving the model (down and up) "
    "take longer than the engine's overhead? Answer in millions of parameters.")
_HINT_13_2 = ("Time to move the model = bytes down and up / bytes per second of the link. Set "
              "it equal to 6 s and solve for the number of parameters.")
_MORE_13_2 = (
    "20 Mbit/s is 20e6 bits per second, 2.5e6 bytes per second. Each parameter travels twice "
    "(down and up), 4 bytes each way: 8 bytes per parameter and round.",
    "parameters = 6.0 * 2.5e6 / 8; divide by 1e6 for millions.",
)


def check_break_even_params(answer: Any) -> CheckResult:
    """Check exercise 13.2: the model size at which moving it costs the engine's overhead.

    ``6.0 s * 2.5e6 bytes/s / (2 * 4 bytes)`` = 1.875 million parameters
    (:func:`ppml_lab.exercises.solutions.break_even_params`). Bits for bytes, one
    direction only, float64 and an answer in parameters get their own hints.

    Parameters
    ----------
    answer : float
        Millions of parameters; ``...`` or ``None`` means not attempted.

    Returns
    -------
    CheckResult

    Notes
    -----
    Introduced in notebook 13.

    Examples
    --------
    >>> check_break_even_params(1.875).passed
    True
    >>> check_break_even_params(3.75).hint[:28]
    'The model travels twice each'
    """
    return run_value_check(answer, _grade_break_even, exercise_id="13.2", hint=_HINT_13_2,
                           fix="Type a number of millions of parameters, e.g. answer = 2.5.")


def _grade_break_even(value: float, reporter: Reporter) -> CheckResult:
    expected = float(solutions.break_even_params())
    both = ("The model travels twice each round: down to the client and the update back up. "
            "Count 2 * 4 bytes per parameter.")
    mistakes = [
        (2 * expected, both),
        (8 * expected, "That divides bits by bytes: 20 Mbit/s is 20e6 bits, so 2.5e6 bytes, "
                       "per second."),
        (16 * expected, "Two slips: the link's 20e6 are bits (2.5e6 bytes per second), and the "
                        "model travels twice, down and up."),
        (expected / 8, "That multiplies the bytes by 8 once too often: 20 Mbit/s is already "
                       "2.5e6 bytes per second."),
        (expected / 2, "That counts 8 bytes per parameter each way (float64): the question "
                       "sends float32, 4 bytes each way, 8 in all."),
        (expected * 1e6, "That is the number of parameters itself: the question asks for "
                         "millions (divide by 1e6)."),
        (expected * 1e3, "Millions of parameters: divide the number of parameters by "
                               "1e6, not 1e3."),
    ]
    return grade_value(
        value, reporter, expected=expected, tolerance=0.01, domain=POSITIVE,
        what="the break-even model size (millions of parameters)",
        passed=(f"about {expected:.3g} million parameters: below that, a deployment round "
                "over a 20 Mbit/s link mostly waits for the engine; above it, the network "
                "dominates and the engine's overhead fades. The kit's digits model (650 "
                "parameters) is thousands of times below; a ResNet-18 (11 million) is above. "
                "The explorer draws the whole picture."),
        mistakes=mistakes)


EXERCISES = (
    Exercise("13.1", "Which rows a SuperNode holds", check_client_rows, solutions.client_rows,
             _HINT_13_1, more_hints=_MORE_13_1),
    Exercise("13.2", "When the engine's overhead stops mattering", check_break_even_params,
             solutions.break_even_params, _HINT_13_2, answer_name="break_even",
             question=_QUESTION_13_2, more_hints=_MORE_13_2),
)
