"""Exercises of notebook 08 (private federated learning).

* 08.1 :func:`check_dp_fedavg_round`: write the server's side of one DP-FedAvg
  round (clip each client's update, sum, add Gaussian noise, average, step);
  checked exactly without noise against :class:`ppml_lab.federated.DPFedAvg`
  and statistically with it.
* 08.2 :func:`check_fedavg_epsilon`: the sampling rate and the epsilon of a
  DP-FedAvg deployment, with the accountant.
* 08.3 :func:`check_read_batch`: read the digits of a batch off a client's
  softmax-regression update, as a curious server would; compared with
  :func:`ppml_lab.attacks.invert_softmax_batch`.

Introduced in notebook 08.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from scipy import stats

from ..attacks import gradient_from_update, invert_gradient, invert_softmax_batch
from ..federated import DPFedAvg, FedAvg, LogisticModel
from ..federated.dp_fedavg import clip_updates
from . import solutions
from ._core import (POSITIVE, CheckResult, Exercise, Reporter, Stop, as_vector_output,
                    call_learner, call_text, describe_output, fmt_number, function_label,
                    grade_value, run_function_check, run_value_check)
from ._stats import Z

__all__ = ["check_dp_fedavg_round", "check_fedavg_epsilon", "check_read_batch"]

_HINT_08_1 = ("Work on the updates, not the weights: each client's update is its row of "
              "`client_weights` minus `global_weights`. Clip each update, add one draw of noise "
              "to their sum, divide by the number of clients, and take that step from "
              "`global_weights`. Only the noise is random, and it comes from `rng`.")
_MORE_HINTS_08_1 = (
    "Clipping scales an update by min(1, clip_norm / its L2 norm): a long update shrinks to "
    "length `clip_norm`, a short one stays as it is. Then one client changes the sum by at most "
    "`clip_norm`, so the noise has standard deviation `noise_multiplier * clip_norm`, one number "
    "per coordinate, added once to the sum, before dividing by the number of clients.",
    "The numpy pieces: `client_weights - global_weights` for the updates, `np.linalg.norm` with "
    "`axis=1, keepdims=True`, `np.minimum`, `.sum(axis=0)`, `rng.normal` with `size=` the number "
    "of columns, `len(client_weights)`; return `global_weights + ...`.",
)
_FORBIDDEN_08_1 = (DPFedAvg.aggregate, DPFedAvg.aggregate_round, clip_updates)

_HINT_08_2 = ("Two numbers decide the privacy of a round: the noise multiplier and the chance "
              "that a given phone takes part, the sampling rate. The accountant of notebook 04 "
              "composes the rounds.")
_MORE_HINTS_08_2 = (
    "The sampling rate is clients per round divided by all clients: 1,000 / 100,000 = 0.01. "
    "Each round is one subsampled Gaussian mechanism; the whole training is 1,000 of them, "
    "composed, at delta = 1e-6.",
    "`dpsgd_epsilon(noise_multiplier, sample_rate, steps, delta)` from `ppml_lab.dp` (RDP, the "
    "default accountant) does it, with one step per round; so does "
    "`DPFedAvg(FedAvg(), clip_norm=1.0, noise_multiplier=1.0, delta=1e-6).epsilons(rounds, "
    "n_clients, clients_per_round)[-1]`.",
)

# --- 08.1 one DP-FedAvg round --------------------------------------------------------------------

# Exact cases (no noise). The global weights are not zero, so that clipping the weights instead of
# the updates shows; updates of norm 5, 0.5, 13, 2 and 1 with clip_norm 2 (some clipped, one at
# the bound), then updates all shorter than clip_norm 1 (untouched) from zero weights.
_GLOBAL = np.array([0.5, -1.0, 2.0])
_UPDATES_MIXED = np.array([[3.0, 4.0, 0.0], [0.3, 0.0, -0.4], [-5.0, 0.0, 12.0],
                           [0.0, 2.0, 0.0], [0.6, -0.8, 0.0]])
_UPDATES_SHORT = np.array([[0.1, 0.2], [-0.3, 0.05], [0.0, -0.4], [0.25, 0.25]])
_EXACT_CASES = ((_GLOBAL, _GLOBAL + _UPDATES_MIXED, 2.0),
                (np.zeros(2), _UPDATES_SHORT.copy(), 1.0))
# Statistical case: 40 clients in 4 dimensions, clip 2, noise multiplier 1.5: the noise on the
# new weights has standard deviation 1.5 * 2 / 40 = 0.075 per coordinate. The usual mistakes give
# 0.0375 (no clip_norm), 0.0019 (divided twice), 3 (not divided), 0.225 (variance for std),
# 0.47 (noise per client: local DP). 2000 calls, tested as in exercise 05.1: a chi-square test of
# each coordinate's variance (p < 1e-6), z-tests of the mean and of one correlation at Z = 5. A
# correct answer fails by bad luck with probability below 1e-5.
_N_STAT, _D_STAT, _CLIP_STAT, _NM_STAT = 40, 4, 2.0, 1.5
_N_DRAWS = 2000
_SEED = 20080  # any fixed seed
_ALPHA = 1e-6
_WHAT = "the new global weights, an array with one number per coordinate"


def _library(global_weights: np.ndarray, client_weights: np.ndarray,
             clip_norm: float) -> np.ndarray:
    """DPFedAvg's aggregation without noise (every client counted once)."""
    k = len(client_weights)
    return DPFedAvg(FedAvg(), clip_norm, 0.0).aggregate(global_weights, client_weights,
                                                        np.ones(k))


def _stat_case() -> tuple[np.ndarray, np.ndarray]:
    gen = np.random.default_rng(_SEED + 1)
    global_weights = gen.normal(size=_D_STAT)
    u = gen.normal(size=(_N_STAT, _D_STAT))
    u *= np.linspace(0.2, 4.0, _N_STAT)[:, None] / np.linalg.norm(u, axis=1, keepdims=True)
    return global_weights, global_weights + u


def _as_weights(out: Any, fn: Callable[..., Any], args: tuple, clients: np.ndarray,
                reporter: Reporter) -> np.ndarray:
    return as_vector_output(
        out, fn, args, {}, reporter, rows=clients, what=_WHAT, per_row="one row per client",
        sum_hint="Sum the clipped updates over the clients, `clipped.sum(axis=0)`, before "
                 "adding the noise and dividing.")


def _clip_rows(rows: np.ndarray, clip: float) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows * np.minimum(1.0, clip / np.maximum(norms, 1e-300))


def _exact_mistake(global_weights: np.ndarray, clients: np.ndarray, clip: float,
                   got: np.ndarray) -> str | None:
    """The hint for a known slip that explains ``got`` (no noise), or None."""
    n = len(clients)
    updates = clients - global_weights
    ref = _library(global_weights, clients, clip)
    mean_update = ref - global_weights

    def scaled(v: np.ndarray) -> np.ndarray:
        return v * min(1.0, clip / max(float(np.linalg.norm(v)), 1e-300))

    norms = np.linalg.norm(updates, axis=1, keepdims=True)
    candidates = [
        (clients.mean(axis=0), "The updates were not clipped: scale each client's update by "
                               "`np.minimum(1.0, clip_norm / norm)` before summing."),
        (mean_update, "That is the averaged update; the round returns the new weights, "
                      "`global_weights + average update`."),
        (_clip_rows(clients, clip).mean(axis=0),
         "You clipped the clients' weights; clip their *updates*, `client_weights - "
         "global_weights`: the update is what one client contributes."),
        (global_weights + _clip_rows(clients, clip).mean(axis=0),
         "You clipped the clients' weights; clip their *updates*, `client_weights - "
         "global_weights`."),
        (global_weights + scaled(updates.sum(axis=0)) / n,
         "You clipped the sum; clip each client's update first, then sum. Clipping bounds what "
         "one client can change."),
        (global_weights + scaled(updates.mean(axis=0)),
         "You clipped the average; clip each client's update first, then sum and divide."),
        (global_weights + (updates * clip / norms).sum(axis=0) / n,
         "Updates shorter than `clip_norm` must stay as they are: multiply by "
         "`np.minimum(1.0, clip_norm / norm)`, not by `clip_norm / norm`."),
        (global_weights + mean_update * n,
         "Divide the noisy sum by the number of clients, `len(client_weights)`."),
        (global_weights + mean_update / n, "You divided by the number of clients twice."),
    ]
    for value, hint in candidates:
        if value.shape == got.shape and np.allclose(got, value, rtol=1e-9, atol=1e-12):
            return hint
    return None


def check_dp_fedavg_round(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 08.1: the server's side of one DP-FedAvg round.

    The learner writes ``fn(global_weights, client_weights, clip_norm,
    noise_multiplier, rng)`` returning the new global weights: each client's
    update ``client_weights[i] - global_weights`` clipped to L2 norm at most
    ``clip_norm``, summed, plus ``N(0, (noise_multiplier * clip_norm)**2)`` noise
    per coordinate, divided by the number of clients, added to ``global_weights``.

    1. **Exactly**, with ``noise_multiplier=0``, against
       ``DPFedAvg(FedAvg(), clip_norm, 0).aggregate(...)`` (tolerance 1e-9): five
       clients whose updates have norm 5, 0.5, 13, 2 and 1 (``clip_norm=2``) from
       nonzero global weights, and four clients whose updates are all shorter
       than ``clip_norm=1`` (which must stay untouched).
    2. **Statistically**, 40 clients in 4 dimensions, ``clip_norm=2``,
       ``noise_multiplier=1.5`` (noise standard deviation 0.075 on the new
       weights), 2000 calls with a fixed seed: a chi-square test of each
       coordinate's variance (p < 1e-6), z-tests of its mean and of the
       correlation of two coordinates (Z = 5). A correct answer fails by bad luck
       with probability below 1e-5.

    No clipping, clipping the weights instead of the updates, clipping the sum
    or the average, scaling short updates up, returning the update instead of
    the weights, not averaging or averaging twice, noise without ``clip_norm``,
    a variance passed as a standard deviation, noise per client (local DP),
    one noise number for every coordinate, and randomness not drawn from ``rng``
    get their own hints. An answer that calls ``DPFedAvg.aggregate`` or
    ``clip_updates`` is refused: the exercise is to write it.

    Parameters
    ----------
    fn : callable
        Called as ``fn(global_weights, client_weights, clip_norm, noise_multiplier, rng)``.

    Returns
    -------
    CheckResult

    Raises
    ------
    TypeError
        If ``fn`` is not callable.

    Notes
    -----
    Introduced in notebook 08. About 2000 calls of ``fn``: 30 to 60 ms.

    Examples
    --------
    >>> check_dp_fedavg_round(solutions.dp_fedavg_round).passed
    True
    >>> def no_clip(global_weights, client_weights, clip_norm, noise_multiplier, rng):
    ...     return client_weights.mean(axis=0)
    >>> check_dp_fedavg_round(no_clip).hint[:28]
    'The updates were not clipped'
    """
    call = "dp_fedavg_round(global_weights, client_weights, clip_norm, noise_multiplier, rng)"
    return run_function_check(fn, _check_round, check_name="check_dp_fedavg_round",
                              exercise_id="08.1", hint=_HINT_08_1, call=call,
                              forbidden=_FORBIDDEN_08_1)


def _check_round(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    # 1. exact, no noise
    for i, (global_weights, clients, clip) in enumerate(_EXACT_CASES):
        args = (global_weights.copy(), clients.copy(), clip, 0.0, np.random.default_rng(_SEED))
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=_WHAT)
        got = _as_weights(out, fn, args, clients, reporter)
        expected = _library(global_weights, clients, clip)
        if not np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            shown = np.array2string(got, precision=4, separator=", ")
            want = np.array2string(expected, precision=4, separator=", ")
            which = ("four clients whose updates are all shorter than `clip_norm=1`" if i == 1
                     else "five clients whose updates have norm 5, 0.5, 13, 2 and 1, "
                          "`clip_norm=2`")
            return reporter.failed(
                f"with `noise_multiplier=0` and {which}, {function_label(fn)} returned {shown}; "
                f"`DPFedAvg` gives {want}.", hint=_exact_mistake(global_weights, clients, clip, got))

    # 2. statistical, with noise
    global_weights, clients = _stat_case()
    rng = np.random.default_rng(_SEED)
    args = (global_weights, clients, _CLIP_STAT, _NM_STAT, rng)
    outputs = call_learner(fn, args, {}, reporter, n=_N_DRAWS, what=_WHAT)
    draws = np.array([_as_weights(o, fn, args, clients, reporter) for o in outputs])
    expected = _library(global_weights, clients, _CLIP_STAT)
    noise = draws - expected
    sigma = _NM_STAT * _CLIP_STAT / _N_STAT
    call = f"`{call_text(fn, args, {})}`"
    if np.all(noise.std(axis=0) == 0):
        return reporter.failed(
            f"{call} gave the same output in {_N_DRAWS} calls: no noise was added.",
            hint="Add `rng.normal(0.0, noise_multiplier * clip_norm, size=d)` to the sum of the "
                 "clipped updates, then divide by the number of clients.")
    again = [call_learner(fn, (global_weights, clients, _CLIP_STAT, _NM_STAT,
                               np.random.default_rng(7)), {}, reporter, what=_WHAT)[0]
             for _ in range(2)]
    if not np.array_equal(np.asarray(again[0], dtype=float), np.asarray(again[1], dtype=float)):
        return reporter.failed(
            "two calls with generators seeded alike gave different outputs: the noise does not "
            "come (only) from `rng`.",
            hint="Draw the noise with `rng.normal(...)`, the generator passed in, never with "
                 "`np.random.normal`.")
    n_draws = len(noise)
    r = float(np.corrcoef(noise[:, 0], noise[:, 1])[0, 1])
    if abs(r) * math.sqrt(n_draws) > Z:
        return reporter.failed(
            f"the noise of coordinates 0 and 1 has correlation {r:.2f} over {n_draws} calls; it "
            "should be independent.",
            hint="Draw one noise number per coordinate, `size=client_weights.shape[1]`, not one "
                 "number added to every coordinate.")
    z = np.abs(noise.mean(axis=0)) / (noise.std(axis=0, ddof=1) / math.sqrt(n_draws))
    if np.any(z > Z):
        j = int(np.argmax(z))
        return reporter.failed(
            f"over {n_draws} calls, coordinate {j} of the new weights averages "
            f"{draws[:, j].mean():.4f}, but without noise it is {expected[j]:.4f}: the noise "
            "should average zero.", hint="Draw the noise with mean 0: `rng.normal(0.0, std, "
                                         "size=d)`.")
    variances = noise.var(axis=0, ddof=1)
    chi = (n_draws - 1) * variances / sigma ** 2
    p = 2 * np.minimum(stats.chi2.cdf(chi, n_draws - 1), stats.chi2.sf(chi, n_draws - 1))
    std = float(np.sqrt(variances.mean()))
    if np.any(p < _ALPHA):
        ratio = std / sigma
        hints = [(_N_STAT, "The noise must be divided by the number of clients too: add it to "
                           "the sum, then divide the noisy sum."),
                 (1 / _N_STAT, "You divided the noise by the number of clients twice: add the "
                               "noise to the sum and divide once."),
                 (1 / _CLIP_STAT, "The noise standard deviation is `noise_multiplier * "
                                  "clip_norm`: the clipping norm is the sensitivity."),
                 (_NM_STAT * _CLIP_STAT, "`rng.normal` takes a standard deviation, "
                                         "`noise_multiplier * clip_norm`, not a variance."),
                 (math.sqrt(_N_STAT), "You noised each client's update: that is local DP, and "
                                      "its noise in the average is sqrt(number of clients) times "
                                      "larger. Central DP adds the noise once, to the sum."),
                 (1 / _NM_STAT, "Multiply by the noise multiplier: the standard deviation is "
                                "`noise_multiplier * clip_norm`.")]
        hint = next((h for r, h in hints if abs(math.log(ratio / r)) < 0.15), None)
        return reporter.failed(
            f"with `clip_norm={fmt_number(_CLIP_STAT)}`, `noise_multiplier="
            f"{fmt_number(_NM_STAT)}` and {_N_STAT} clients, the noise on the new weights should "
            f"have standard deviation {sigma:.4f} per coordinate; over {n_draws} calls it has "
            f"{std:.4g}.", hint=hint)
    return reporter.passed(
        f"{function_label(fn)} clips each client's update, sums, adds noise of standard "
        f"deviation `noise_multiplier * clip_norm` and averages: exact without noise, and over "
        f"{n_draws} calls the noise on the new weights has standard deviation {std:.4f} (expected "
        f"{sigma:.4f} = {fmt_number(_NM_STAT)} x {fmt_number(_CLIP_STAT)} / {_N_STAT}). It is "
        "the round `DPFedAvg(FedAvg(), clip_norm, noise_multiplier)` runs: the noise shrinks "
        "with the number of clients per round, the privacy does not.")


# --- 08.2 the epsilon of a deployment -----------------------------------------------------------

# 100,000 phones, 1,000 sampled per round, noise multiplier 1.0, 1,000 rounds, delta 1e-6.
_N_PHONES, _PER_ROUND, _SIGMA, _ROUNDS, _DELTA = 100_000, 1_000, 1.0, 1_000, 1e-6


def _deployment_epsilon(sample_rate: float = _PER_ROUND / _N_PHONES, rounds: int = _ROUNDS,
                        delta: float = _DELTA, accountant: str = "rdp") -> float:
    from ..dp import dpsgd_epsilon

    return dpsgd_epsilon(_SIGMA, sample_rate, rounds, delta, accountant=accountant)


def check_fedavg_epsilon(answer: Any) -> CheckResult:
    """Check exercise 08.2: the epsilon of a DP-FedAvg deployment.

    100,000 phones, 1,000 of them sampled per round (sampling rate 0.01), noise
    multiplier 1.0, 1,000 rounds, delta = 1e-6: the RDP accountant (DPFedAvg's
    default) gives epsilon 2.437 (tolerance 0.01;
    :func:`ppml_lab.exercises.solutions.fedavg_epsilon`). The PLD accountant's
    tighter 2.125, no amplification by sampling (sampling rate 1), one round
    only, and delta = 1e-5 get their own hints.

    Parameters
    ----------
    answer : float
        An epsilon; ``...`` or ``None`` means not attempted.

    Returns
    -------
    CheckResult

    Raises
    ------
    TypeError
        If ``answer`` is not a number.

    Notes
    -----
    Introduced in notebook 08. A few accountings: about 20 ms.

    Examples
    --------
    >>> check_fedavg_epsilon(2.437).passed
    True
    >>> check_fedavg_epsilon(1.212).hint[:31]
    'That is the epsilon of one roun'
    """
    return run_value_check(answer, _grade_fedavg_epsilon, exercise_id="08.2", hint=_HINT_08_2,
                           fix="Type a number, e.g. answer = 3.5.")


def _grade_fedavg_epsilon(value: float, reporter: Reporter) -> CheckResult:
    expected = float(solutions.fedavg_epsilon())
    q = _PER_ROUND / _N_PHONES
    return grade_value(
        value, reporter, expected=expected, tolerance=0.01,
        what="the deployment's epsilon (RDP accountant, delta = 1e-6)",
        domain=POSITIVE,
        passed=(f"sampling rate {q:g} and 1,000 rounds at noise multiplier 1 give epsilon "
                f"{expected:.3f} at delta = 1e-6 (RDP; the tighter PLD accountant says "
                f"{_deployment_epsilon(accountant='pld'):.3f}). Without sampling, every phone "
                f"in every round, the same noise would cost epsilon "
                f"{_deployment_epsilon(sample_rate=1.0):.0f}: the server's noise is divided by "
                "the 1,000 clients of a round, and a phone is in only 1% of the rounds."),
        mistakes=[
            (_deployment_epsilon(accountant="pld"),
             "That is the PLD accountant's epsilon, tighter than RDP. The question asks for the "
             "RDP accountant, DPFedAvg's default (`accountant=\"rdp\"`)."),
            (_deployment_epsilon(sample_rate=1.0),
             "That is the epsilon without amplification: every phone in every round. Each phone "
             "takes part with probability clients per round / all clients = 0.01."),
            (_deployment_epsilon(rounds=1),
             "That is the epsilon of one round; the training is 1,000 rounds, composed "
             "(`steps=1000`)."),
            (_deployment_epsilon(delta=1e-5),
             "That is epsilon at delta = 1e-5; the question asks for delta = 1e-6 (below one "
             "over the number of phones)."),
            (_deployment_epsilon(sample_rate=q * q),
             "The sampling rate is clients per round over all clients, 1,000 / 100,000 = 0.01 "
             "(not its square)."),
        ])


# --- 08.3 read a batch off an update ------------------------------------------------------------

_HINT_08_3 = ("The update is a flat vector: one row per class, the row's weights followed by its "
              "bias. Which rows belong to a class that is in the batch, and what does dividing "
              "such a row by its bias give?")
_MORE_HINTS_08_3 = (
    "A class in the batch has a *negative* bias gradient (p - 1 outweighs the others' small "
    "p). The client sends the update, minus the learning rate times the gradient: so those "
    "rows have a *positive* bias update. The learning rate and the sign cancel in the division.",
    "`update.reshape(n_classes, -1)` gives the rows; `np.flatnonzero(rows[:, -1] > 0)` the "
    "classes; `rows[classes, :-1] / rows[classes, -1:]` the digits.",
)
_FORBIDDEN_08_3 = (invert_softmax_batch, invert_gradient, gradient_from_update)
_WHAT_08_3 = "a tuple (digits, labels): one recovered example per row, and their classes"


def _batch_update(X: np.ndarray, labels: np.ndarray, n_classes: int, weights: np.ndarray,
                  learning_rate: float) -> np.ndarray:
    """One full-batch gradient step of softmax regression: the update a client sends."""
    model = LogisticModel(n_features=X.shape[1], n_classes=n_classes)
    Y = np.eye(n_classes)[labels][None]
    _, grad = model.loss_and_grad(weights[None], X[None], Y, np.ones((1, len(labels))))
    return -learning_rate * grad[0]


def _read_cases() -> list[tuple[np.ndarray, int]]:
    """(update, n_classes): three digits from zero weights; one digit from random weights; a
    small model with 3 features and 4 classes, labels 0 and 2."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    gen = np.random.default_rng(_SEED + 3)
    three = np.array([int(gen.choice(np.flatnonzero(y == c))) for c in (1, 4, 7)])
    one = int(gen.choice(np.flatnonzero(y == 3)))
    small_X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]])
    return [
        (_batch_update(X[three], y[three], 10, np.zeros(650), 0.5), 10),
        (_batch_update(X[[one]], y[[one]], 10, gen.normal(0.0, 0.05, 650), 0.1), 10),
        (_batch_update(small_X, np.array([0, 2]), 4, np.zeros(16), 1.0), 4),
    ]


def _library_read(update: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    model = LogisticModel(n_features=update.size // n_classes - 1, n_classes=n_classes)
    return invert_softmax_batch(gradient_from_update(update, 1.0), model)


def check_read_batch(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 08.3: read the digits of a batch off one client's update.

    The learner writes ``fn(update, n_classes) -> (digits, labels)``: the
    update of softmax regression (``n_classes`` rows of weights, each followed
    by its bias, flattened) after one full-batch step on examples of distinct
    labels; the rows whose bias went *up* (a negative bias gradient) are
    divided by that bias, and ``labels`` are those rows' classes, in increasing
    order. Compared with :func:`ppml_lab.attacks.invert_softmax_batch` (after
    :func:`~ppml_lab.attacks.gradient_from_update`) on three digits from zero
    weights, one digit from random weights (exactly one row rises) and a small
    model of 3 features and 4 classes (relative tolerance 1e-9). The wrong sign
    (rows whose bias went down), every row, one row only, the bias column kept,
    the weights laid out by columns, and a sign flipped in the division get
    their own hints; an answer that calls the library's attacks is refused.

    Parameters
    ----------
    fn : callable
        Called as ``fn(update, n_classes)``.

    Returns
    -------
    CheckResult

    Raises
    ------
    TypeError
        If ``fn`` is not callable.

    Notes
    -----
    Introduced in notebook 08.

    Examples
    --------
    >>> check_read_batch(solutions.read_batch).passed
    True
    >>> def wrong_sign(update, n_classes):
    ...     rows = update.reshape(n_classes, -1)
    ...     c = np.flatnonzero(rows[:, -1] < 0)
    ...     return rows[c, :-1] / rows[c, -1:], c
    >>> check_read_batch(wrong_sign).hint[:29]
    'The client sends the *update*'
    """
    return run_function_check(fn, _check_read, check_name="check_read_batch",
                              exercise_id="08.3", hint=_HINT_08_3,
                              call="read_batch(update, n_classes)", forbidden=_FORBIDDEN_08_3)


def _as_pair(out: Any, fn: Callable[..., Any], args: tuple, reporter: Reporter
             ) -> tuple[np.ndarray, np.ndarray]:
    shown = f"`{call_text(fn, args, {})}` returned {describe_output(out)}"
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Stop(reporter.failed(f"{shown}; it should return {_WHAT_08_3}.",
                                   hint="End with `return digits, labels`."))
    try:
        digits = np.atleast_2d(np.asarray(out[0], dtype=float))
        labels = np.asarray(out[1]).ravel()
    except (TypeError, ValueError):
        raise Stop(reporter.failed(f"{shown}; it should return {_WHAT_08_3}.")) from None
    return digits, labels


def _check_read(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    cases = _read_cases()
    for i, (update, k) in enumerate(cases):
        args = (update.copy(), k)
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=_WHAT_08_3)
        digits, labels = _as_pair(out, fn, args, reporter)
        want, classes = _library_read(update, k)
        d = want.shape[1]
        which = ("three digits (labels 1, 4, 7) from zero weights", "one digit (label 3) from "
                 "random weights", "2 examples (labels 0, 2) of 3 features and 4 classes")[i]
        if (digits.shape == want.shape and labels.shape == classes.shape
                and np.array_equal(labels.astype(float), classes)
                and np.allclose(digits, want, rtol=1e-9, atol=1e-12)):
            continue
        message = (f"for the update of {which}, {function_label(fn)} returned digits of shape "
                   f"{digits.shape} with labels {labels.tolist()}; the server reads "
                   f"{want.shape[0]} digit(s) of {d} features, labels {classes.tolist()}.")
        rows = update.reshape(k, d + 1)
        down = np.flatnonzero(rows[:, -1] < 0)
        if labels.size and set(labels.tolist()) <= set(down.tolist()):
            hint = ("The client sends the *update*, minus the learning rate times the gradient: "
                    "a class in the batch has a negative bias *gradient*, so its bias *update* "
                    "is positive. Keep the rows whose bias went up.")
        elif digits.shape == (k, d):
            hint = ("Only the rows whose bias went up point to an example of the batch: keep "
                    "those rows (and their class numbers), not all of them.")
        elif digits.shape[0] == 1 < want.shape[0]:
            hint = ("One row (the largest bias change) is the whole story for a one-example "
                    "update; a batch has one rising row for every class in it. Keep all of them.")
        elif digits.shape == (want.shape[0], d + 1):
            hint = "Leave the bias out of the digit: the row's first values, `row[:-1]`."
        elif digits.shape == want.shape and np.allclose(digits, -want, rtol=1e-9):
            hint = ("Divide the row by its bias entry itself, sign included: the learning rate "
                    "and the minus sign of the update cancel in the division.")
        else:
            by_columns = update.reshape(d + 1, k).T              # the layout read the wrong way
            up = np.flatnonzero(by_columns[:, -1] > 0)
            wrong = by_columns[up, :-1] / by_columns[up, -1:]
            hint = None
            if digits.shape == wrong.shape and np.allclose(digits, wrong, rtol=1e-9):
                hint = ("Lay the update out as `update.reshape(n_classes, -1)`: one row per "
                        "class, its weights followed by its bias (not by columns).")
        return reporter.failed(message, hint=hint)
    return reporter.passed(
        f"{function_label(fn)} reads every digit of the batch and its label, as "
        "`invert_softmax_batch` does: exactly for one digit, and with a little of the others "
        "mixed in for a batch. No learning rate is needed: it cancels in the division.")


EXERCISES = (
    Exercise("08.1", "One round of DP-FedAvg at the server", check_dp_fedavg_round,
             solutions.dp_fedavg_round, _HINT_08_1, more_hints=_MORE_HINTS_08_1),
    Exercise("08.2", "The epsilon of a DP-FedAvg deployment", check_fedavg_epsilon,
             solutions.fedavg_epsilon, _HINT_08_2, answer_name="deployment_epsilon",
             question=("A keyboard app trains with DP-FedAvg on 100,000 phones: each round the "
                       "server samples 1,000 of them, clips their updates and adds noise with "
                       "noise multiplier 1.0; training runs for 1,000 rounds. What is epsilon "
                       "at delta = 1e-6, with the RDP accountant (DPFedAvg's default)?"),
             more_hints=_MORE_HINTS_08_2),
    Exercise("08.3", "Read a batch of digits off an update", check_read_batch,
             solutions.read_batch, _HINT_08_3, more_hints=_MORE_HINTS_08_3),
)
