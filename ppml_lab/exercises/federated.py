"""Exercises of notebook 07 (federated learning).

* 07.1 :func:`check_fedavg_aggregate`: FedAvg's aggregation, the example-weighted
  average of the clients' weights; compared with
  :func:`ppml_lab.federated.strategies.weighted_average` (which, like
  ``np.average``, the answer may not call).
* 07.2 :func:`check_dirichlet_split`: a Dirichlet label-skew partition, checked
  by coverage (every index exactly once), reproducibility from ``rng`` and
  statistics: the clients' shares of a class and the clients' sizes have the
  variances that Dirichlet(alpha) per class gives.
* 07.3 :func:`check_worst_alpha`: predict, then check, which label skew hurts
  FedAvg most.

Introduced in notebook 07.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from ..federated import partitions as partitions_module
from ..federated import strategies as strategies_module
from ..federated.experiments import federated_curves, skewed_partition
from . import solutions
from ._core import (CheckResult, Exercise, Reporter, Stop, call_learner, call_text,
                    describe_output, function_label, grade_value, run_function_check,
                    run_value_check)
from ._stats import Z

__all__ = ["check_fedavg_aggregate", "check_dirichlet_split", "check_worst_alpha"]

# --- 07.1 the weighted average -------------------------------------------------------------------

_HINT_07_1 = ("FedAvg counts each client in proportion to how many examples it trained on: a "
              "client with 60 examples should pull the average six times as hard as one with 10.")
_MORE_07_1 = (
    "Multiply each client's row of weights by its number of examples, add the rows up, and "
    "divide by the total number of examples (not by the number of clients).",
    "With `n = np.asarray(n_examples, dtype=float)`, the weighted sum of the rows is one "
    "matrix product, `n @ client_weights`; then divide by `n.sum()`.",
)
_FORBIDDEN_07_1 = (strategies_module.weighted_average, strategies_module.FedAvg.aggregate,
                   np.average)
_WHAT_07_1 = "the new global weight vector, one number per parameter"

# Three clients of 10, 30 and 60 examples with 4 parameters each; two clients of very different
# sizes; one client alone (its weights are the answer).
_W_A = np.array([[1.0, 0.0, -2.0, 4.0], [3.0, 1.0, 0.0, -4.0], [-1.0, 2.0, 1.0, 0.5]])
_N_A = np.array([10, 30, 60])
_W_B = np.array([[0.5, -1.5, 2.0], [2.5, 0.5, -1.0]])
_N_B = np.array([1, 7])
_W_C = np.array([[0.25, -0.75]])
_N_C = np.array([5])
_AGGREGATE_CASES = ((_W_A, _N_A), (_W_B, _N_B), (_W_C, _N_C))


def _aggregate_mistake(W: np.ndarray, n: np.ndarray, got: np.ndarray) -> str | None:
    n = n.astype(float)
    candidates = [
        (W.mean(axis=0), "That is the plain mean of the clients: every client counts the same. "
                         "FedAvg weights each client by its number of examples."),
        (n @ W, "You added up the weighted rows but did not divide: divide by the total number "
                "of examples, `n_examples.sum()`."),
        (n @ W / len(n), "Divide by the total number of examples, `n_examples.sum()`, not by "
                         "the number of clients."),
        ((1 / n) @ W / (1 / n).sum(), "The weights are upside down: a client with *more* "
                                      "examples must count *more*, so multiply by `n_c`."),
        (W.sum(axis=0), "That is the sum of the clients' weights: weight each row by its "
                        "examples and divide by the total number of examples."),
    ]
    for value, hint in candidates:
        if value.shape == got.shape and np.allclose(got, value, rtol=1e-9, atol=1e-12):
            return hint
    return None


def check_fedavg_aggregate(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 07.1: FedAvg's aggregation, the example-weighted mean of the clients.

    The learner writes ``fn(client_weights, n_examples)`` returning
    ``sum_c n_c * w_c / sum_c n_c`` (one vector), compared with
    :func:`~ppml_lab.federated.strategies.weighted_average` to 1e-9 on three
    clients of 10, 30 and 60 examples, on two clients of 1 and 7, and on one
    client alone. The plain mean, a sum not divided (or divided by the number
    of clients), weights upside down, the sum of the rows and an average over
    the wrong axis get their own hints. The answer may not call
    ``weighted_average``, ``FedAvg.aggregate`` or ``np.average``.

    Parameters
    ----------
    fn : callable
        Called as ``fn(client_weights, n_examples)`` with a (clients, params)
        float array and a (clients,) integer array.

    Returns
    -------
    CheckResult

    Notes
    -----
    Introduced in notebook 07.

    Examples
    --------
    >>> check_fedavg_aggregate(solutions.fedavg_aggregate).passed
    True
    >>> check_fedavg_aggregate(lambda client_weights, n_examples: client_weights.mean(axis=0)).hint[:31]
    'That is the plain mean of the c'
    """
    return run_function_check(fn, _check_aggregate, check_name="check_fedavg_aggregate",
                              exercise_id="07.1", hint=_HINT_07_1,
                              call="fedavg_aggregate(client_weights, n_examples)",
                              forbidden=_FORBIDDEN_07_1)


def _check_aggregate(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    for i, (W, n) in enumerate(_AGGREGATE_CASES):
        args = (W.copy(), n.copy())
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=_WHAT_07_1)
        shown = f"`{call_text(fn, args, {})}` returned {describe_output(out)}"
        try:
            got = np.asarray(out, dtype=float)
        except (TypeError, ValueError):
            got = None
        if got is None or got.shape != (W.shape[1],):
            hint = None
            if got is not None and got.shape == (W.shape[0],):
                hint = ("You averaged each client's row (one number per client). Average over "
                        "the clients instead, so that one number per parameter is left.")
            raise Stop(reporter.failed(f"{shown}; it should return an array of shape "
                                       f"({W.shape[1]},), {_WHAT_07_1}.", hint=hint))
        if not np.array_equal(args[0], W) or not np.array_equal(args[1], n):
            return reporter.failed(f"{shown}, but it changed its inputs in place.",
                                   hint="Compute a new array; leave `client_weights` and "
                                        "`n_examples` as they were (the server reuses them).")
        expected = strategies_module.weighted_average(W, n)
        if not np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            want = np.array2string(expected, precision=4, separator=", ")
            have = np.array2string(got, precision=4, separator=", ")
            sizes = ", ".join(str(int(k)) for k in n)
            return reporter.failed(
                f"with clients of {sizes} examples, {function_label(fn)} returned {have}; the "
                f"library gives {want}.", hint=_aggregate_mistake(W, n, got))
    result = strategies_module.weighted_average(_W_A, _N_A)
    return reporter.passed(
        f"{function_label(fn)} matches `weighted_average` on all three cases: with clients of "
        f"10, 30 and 60 examples the first parameter is {result[0]:.2f} (0.1 x 1 + 0.3 x 3 + "
        "0.6 x -1), not the plain mean 1.00. That is FedAvg's server step: the clients send "
        "weights, the server sends back their example-weighted mean.")


# --- 07.2 a Dirichlet label-skew partition ---------------------------------------------------------

_HINT_07_2 = ("Work one class at a time: draw how that class is shared among the clients, then "
              "deal its examples out accordingly. Which distribution gives n_clients shares that "
              "sum to 1, more uneven as alpha gets small?")
_MORE_07_2 = (
    "For each class: shuffle its indices with `rng.permutation`, draw the clients' shares with "
    "`rng.dirichlet(alpha * np.ones(n_clients))` (one share per *client*, not per class), and "
    "cut the shuffled indices at the cumulative shares times the class size.",
    "`np.round(np.cumsum(shares)[:-1] * len(idx)).astype(int)` gives the cut points and "
    "`np.split(idx, cuts)` the pieces, one per client; append piece c to client c's list, and "
    "return one integer array per client.",
)
_FORBIDDEN_07_2 = (partitions_module.dirichlet_partition, partitions_module.iid_partition,
                   partitions_module.shard_partition, partitions_module.quantity_skew_partition,
                   skewed_partition)
_WHAT_07_2 = "a list of n_clients integer index arrays"
_N_PER_CLASS, _N_CLASSES, _N_CLIENTS = 200, 10, 5
_Y = np.repeat(np.arange(_N_CLASSES), _N_PER_CLASS)
_ALPHAS = (0.5, 5.0)
_CALLS = 150
_SEED = 20070


def _share_variance(alpha: float) -> float:
    """Variance of one client's share of one class under Dirichlet(alpha) over the clients."""
    n = _N_CLIENTS
    return (1 / n) * (1 - 1 / n) / (n * alpha + 1)


def _as_partition(out: Any, fn: Callable[..., Any], args: tuple, reporter: Reporter,
                  n_clients: int) -> list[np.ndarray]:
    shown = f"`{call_text(fn, args, {})}` returned {describe_output(out)}"
    if isinstance(out, np.ndarray) and out.dtype != object and out.ndim == 1:
        raise Stop(reporter.failed(
            f"{shown}: one array for everyone; it should return {_WHAT_07_2}, one per client.",
            hint="Collect the pieces client by client: `parts = [[] for _ in range(n_clients)]`, "
                 "then return `[np.array(p, dtype=int) for p in parts]`."))
    if isinstance(out, (str, bytes, dict)) or not isinstance(out, (Sequence, np.ndarray)):
        raise Stop(reporter.failed(f"{shown}; it should return {_WHAT_07_2}."))
    if len(out) != n_clients:
        raise Stop(reporter.failed(f"{shown}; it should return {n_clients} index arrays, one "
                                   "per client (a client may get an empty one)."))
    parts = []
    for c, part in enumerate(out):
        arr = np.asarray(part)
        if arr.size == 0:
            arr = arr.astype(int)
        if arr.ndim != 1 or arr.dtype.kind not in "iu":
            raise Stop(reporter.failed(
                f"{shown}; client {c}'s entry is {describe_output(part)}, not a 1-D array of "
                "integer indices.",
                hint="Return indices into `y` (positions, `np.flatnonzero(y == label)`), as "
                     "integers, not the labels themselves."))
        parts.append(arr)
    return parts


def _coverage(parts: list[np.ndarray], n: int) -> str | None:
    flat = np.concatenate(parts) if parts else np.empty(0, int)
    if flat.size and (flat.min() < 0 or flat.max() >= n):
        return f"an index outside 0..{n - 1}"
    counts = np.bincount(flat, minlength=n)
    twice, missing = int(np.sum(counts > 1)), int(np.sum(counts == 0))
    if twice:
        return f"{twice} example(s) given to more than one client"
    if missing:
        return f"{missing} example(s) given to no client"
    return None


def _shares(parts: list[np.ndarray]) -> np.ndarray:
    """(classes, clients) shares of each class held by each client."""
    return np.array([np.bincount(_Y[p], minlength=_N_CLASSES) for p in parts]).T / _N_PER_CLASS


def check_dirichlet_split(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 07.2: a Dirichlet label-skew partition.

    The learner writes ``fn(y, n_clients, alpha, rng)`` returning ``n_clients``
    index arrays: for each class, the clients' shares are drawn from
    Dirichlet(alpha, ..., alpha) and the class's (shuffled) indices are cut
    at them. On 10 classes of 200 examples and 5 clients:

    1. **Coverage**: every index exactly once, ``n_clients`` integer arrays.
    2. **Randomness from rng**: equal seeds give equal splits, other seeds others.
    3. **Statistics**, from 150 calls at each of alpha = 0.5 and 5 (fixed
       seeds): the variance of a client's share of a class, against
       ``(1/n)(1 - 1/n) / (n alpha + 1)``, and the variance of the clients'
       sizes, against that divided by the number of classes (classes are
       shared independently). Each must lie within 5 standard errors (plus
       3% for rounding). A correct answer fails by bad luck with probability
       below 1e-5.

    Shares drawn per client over the classes (the convention some popular
    repositories use: clients then have nearly equal sizes), alpha ignored,
    alpha upside down, one draw for all classes, and randomness not from
    ``rng`` get their own hints. The answer may not call the library's
    partitions.

    Parameters
    ----------
    fn : callable
        Called as ``fn(y, n_clients, alpha, rng)``.

    Returns
    -------
    CheckResult

    Notes
    -----
    Introduced in notebook 07. 600 calls of ``fn``: about 0.2 s.

    Examples
    --------
    >>> check_dirichlet_split(solutions.dirichlet_split).passed
    True
    """
    return run_function_check(fn, _check_split, check_name="check_dirichlet_split",
                              exercise_id="07.2", hint=_HINT_07_2,
                              call="dirichlet_split(y, n_clients, alpha, rng)",
                              forbidden=_FORBIDDEN_07_2)


def _check_split(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    # 1. coverage
    args = (_Y.copy(), _N_CLIENTS, 0.5, np.random.default_rng(_SEED))
    (out,) = call_learner(fn, args, {}, reporter, first=True, what=_WHAT_07_2)
    parts = _as_partition(out, fn, args, reporter, _N_CLIENTS)
    problem = _coverage(parts, len(_Y))
    flat = np.concatenate(parts)
    if problem and flat.size == len(_Y) and flat.max() < _N_CLASSES:
        return reporter.failed(
            f"`{call_text(fn, args, {})}` returned arrays whose values are all between 0 and "
            f"{_N_CLASSES - 1}: those look like the labels, not the positions of the examples.",
            hint="Return indices into `y`: `np.flatnonzero(y == label)` gives the positions of "
                 "one class's examples.")
    if problem:
        return reporter.failed(
            f"`{call_text(fn, args, {})}` returned {problem}: a partition must give every "
            "example to exactly one client.",
            hint="Cut each class's shuffled indices with `np.split(idx, cuts)` at increasing "
                 "cut points: the pieces then hold every index once. Rounding each piece's "
                 "size on its own can lose or duplicate examples.")
    # 2. randomness from rng
    again = [_as_partition(call_learner(fn, (_Y.copy(), _N_CLIENTS, 0.5,
                                             np.random.default_rng(seed)), {}, reporter,
                                        what=_WHAT_07_2)[0], fn, args, reporter, _N_CLIENTS)
             for seed in (11, 11, 12)]
    same = all(np.array_equal(a, b) for a, b in zip(again[0], again[1]))
    if not same:
        return reporter.failed(
            "two calls with generators seeded alike gave different splits: the randomness does "
            "not come (only) from `rng`.",
            hint="Use the generator passed in, `rng.permutation(...)` and `rng.dirichlet(...)`, "
                 "never `np.random.*`: then a seed makes the split reproducible.")
    if all(np.array_equal(a, b) for a, b in zip(again[0], again[2])):
        return reporter.failed(
            "calls with different seeds gave the same split: nothing is random.",
            hint=_HINT_07_2)
    # 3. statistics
    measured = {}
    for k, alpha in enumerate(_ALPHAS):
        entry, size = [], []
        for i in range(_CALLS):
            a = (_Y.copy(), _N_CLIENTS, alpha, np.random.default_rng([_SEED, k, i]))
            (out,) = call_learner(fn, a, {}, reporter, what=_WHAT_07_2)
            p = _as_partition(out, fn, a, reporter, _N_CLIENTS)
            if _coverage(p, len(_Y)):
                return reporter.failed(f"`{call_text(fn, a, {})}` returned {_coverage(p, len(_Y))}"
                                       ": every example must go to exactly one client.")
            S = _shares(p)
            entry.append(np.mean((S - 1 / _N_CLIENTS) ** 2))
            size.append(np.mean((S.mean(axis=0) - 1 / _N_CLIENTS) ** 2))
        measured[alpha] = (np.array(entry), np.array(size))
    for alpha, (entry, size) in measured.items():
        v = _share_variance(alpha)
        for values, expected, what in ((entry, v, "a client's share of a class"),
                                       (size, v / _N_CLASSES, "a client's share of all data")):
            mean = float(values.mean())
            se = float(values.std(ddof=1)) / math.sqrt(len(values))
            if abs(mean - expected) > Z * se + 0.03 * expected:
                return reporter.failed(
                    f"at alpha = {alpha:g}, over {_CALLS} calls, the variance of {what} is "
                    f"{mean:.4g}; Dirichlet({alpha:g}) per class gives {expected:.4g}.",
                    hint=_split_mistake(measured))
    v = _share_variance(_ALPHAS[0])
    return reporter.passed(
        f"{function_label(fn)} gives every example to one client, draws from `rng`, and its "
        f"shares have the Dirichlet variances: at alpha = 0.5 a client's share of a class varies "
        f"by {float(measured[0.5][0].mean()):.4f} (expected {v:.4f}), and the clients' sizes "
        "vary as much as independent classes make them (they are not equal: label skew "
        "comes with quantity skew in this convention). That is `dirichlet_partition`.")


def _split_mistake(measured: dict[float, tuple[np.ndarray, np.ndarray]]) -> str:
    small, large = _ALPHAS
    entry = {a: float(m[0].mean()) for a, m in measured.items()}
    size = {a: float(m[1].mean()) for a, m in measured.items()}
    if entry[small] < 0.1 * _share_variance(small):
        return ("The clients' shares are nearly equal: the split looks IID. Draw each class's "
                "shares with `rng.dirichlet(alpha * np.ones(n_clients))`.")
    if abs(math.log(entry[small] / entry[large])) < 0.3:
        return ("The skew is the same at alpha = 0.5 and at alpha = 5: is `alpha` used? Small "
                "alpha must give uneven shares, large alpha nearly equal ones.")
    if entry[small] < entry[large]:
        return ("The skew grows with alpha: it should shrink. Pass `alpha * np.ones(n_clients)` "
                "to `rng.dirichlet`, not its inverse.")
    if size[small] < 0.5 * _share_variance(small) / _N_CLASSES:
        return ("The shares of each class vary, but the clients all end up about the same size: "
                "that is the per-client convention (each client's label mix drawn over the "
                "classes). Draw, for each *class*, one Dirichlet vector over the *clients*.")
    if size[small] > 3 * _share_variance(small) / _N_CLASSES:
        return ("The clients' sizes vary too much: the classes are not shared independently. "
                "Draw a fresh Dirichlet vector for every class, not one for all of them.")
    return _HINT_07_2


# --- 07.3 which alpha hurts ------------------------------------------------------------------------

_HINT_07_3 = ("Alpha is the Dirichlet concentration: which end of it gives clients that each "
              "hold only one or two digits? Then check with `federated_curves`.")
_MORE_07_3 = (
    "Run `federated_curves(100, alpha, 5, 0.1, strategies=['FedAvg'], rng=2026)` for each "
    "alpha and compare `.curve('FedAvg').mean()`, the mean test accuracy over the 20 rounds.",
)
_CHOICES_07_3 = (0.05, 0.5, 5.0, 100.0)


def _mean_accuracy(alpha: float) -> float:
    return float(federated_curves(100, alpha, 5, 0.1, strategies=["FedAvg"], rng=2026)
                 .curve("FedAvg").mean())


def check_worst_alpha(answer: Any) -> CheckResult:
    """Check exercise 07.3: which label skew gives FedAvg the lowest mean accuracy.

    With 100 clients, 10 sampled per round, 5 local steps and 20 rounds
    (``federated_curves(100, alpha, 5, 0.1, rng=2026)``), among alpha = 0.05,
    0.5, 5 and 100 (practically IID), the answer is the alpha with the lowest
    mean test accuracy over the rounds (:func:`ppml_lab.exercises.solutions.worst_alpha`):
    0.05, the most skewed. Each other choice gets its own hint, with the
    numbers.

    Parameters
    ----------
    answer : float
        One of 0.05, 0.5, 5 or 100; ``...`` or ``None`` means not attempted.

    Returns
    -------
    CheckResult

    Notes
    -----
    Introduced in notebook 07. Four cached simulations: about 0.1 s the first time.

    Examples
    --------
    >>> check_worst_alpha(0.05).passed
    True
    >>> check_worst_alpha(100).hint[:28]
    'Alpha = 100 is practically I'
    """
    return run_value_check(answer, _grade_alpha, exercise_id="07.3", hint=_HINT_07_3,
                           fix="Type one of 0.05, 0.5, 5 or 100, e.g. answer = 0.5.")


def _grade_alpha(value: float, reporter: Reporter) -> CheckResult:
    means = {alpha: _mean_accuracy(alpha) for alpha in _CHOICES_07_3}
    expected = float(solutions.worst_alpha())
    text = ", ".join(f"alpha {a:g} {m:.3f}" for a, m in means.items())
    mistakes = [
        (100.0, "Alpha = 100 is practically IID: every client holds every digit, like a small "
                "copy of the whole data. The skew hurts when each client sees few digits. Mean "
                f"accuracy over the rounds: {text}."),
        (5.0, "Alpha = 5 is nearly IID: with a large concentration the Dirichlet shares are "
              f"almost equal. Mean accuracy over the rounds: {text}."),
        (0.5, "Close: alpha = 0.5 is skewed, but a smaller alpha is more so. Mean accuracy over "
              f"the rounds: {text}."),
    ]
    return grade_value(
        value, reporter, expected=expected, tolerance=1e-9, mistakes=mistakes,
        choices=_CHOICES_07_3, what="the alpha with the lowest mean accuracy",
        passed=(f"the most skewed split, alpha = {expected:g}, hurts most: mean test accuracy "
                f"over the 20 rounds {text}. With few digits per client, each round's 10 "
                "sampled clients pull the model towards their own digits, and the average "
                "swings from round to round."))


EXERCISES = (
    Exercise("07.1", "FedAvg's weighted average", check_fedavg_aggregate,
             solutions.fedavg_aggregate, _HINT_07_1, more_hints=_MORE_07_1),
    Exercise("07.2", "A Dirichlet label-skew partition", check_dirichlet_split,
             solutions.dirichlet_split, _HINT_07_2, more_hints=_MORE_07_2),
    Exercise("07.3", "Predict, then check: which alpha hurts?", check_worst_alpha,
             solutions.worst_alpha, _HINT_07_3, answer_name="worst",
             question=("100 clients, 10 sampled per round, 5 local steps, 20 rounds of FedAvg "
                       "on digits. Among alpha = 0.05, 0.5, 5 and 100 (practically IID), which label "
                       "skew gives the lowest mean test accuracy over the rounds? Predict "
                       "first, then check by running federated_curves."),
             more_hints=_MORE_07_3),
)
