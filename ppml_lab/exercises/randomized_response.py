"""Exercises of notebook 02 (randomized response): the mechanism and its estimator.

* 02.1 :func:`check_randomized_response`: write binary randomized response;
  checked statistically (report frequencies and the DP inequality).
* 02.2 :func:`check_rr_estimate`: write the unbiased estimator of the true
  yes-rate; checked exactly against :meth:`ppml_lab.dp.RandomizedResponse.estimate`.

Introduced in notebook 02.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from ..dp import RandomizedResponse
from . import solutions
from ._core import (CheckResult, Exercise, Reporter, Stop, as_real_output, call_learner, call_text,
                    run_function_check, describe_output, fmt_ratio, function_label)
from ._stats import Z, RatioTest, binomial_z, dp_ratio_test, same_proportion_z

__all__ = ["check_randomized_response", "check_rr_estimate"]

_HINT_02_1 = ("Each report must be the true answer with probability `e**epsilon / "
              "(1 + e**epsilon)`. How do you make something happen with a given probability, "
              "using only `rng`?")
_MORE_02_1 = ("`rng.random()` is uniform on [0, 1), so `rng.random() < p` is true with "
              "probability `p`.",
              "Compute the probability of the truth from epsilon, draw one uniform number, and "
              "return the true answer when it falls below that probability, the other answer "
              "(`1 - true_answer`) otherwise.")
_HINT_02_2 = ("The raw share of 1s among the reports is biased towards 1/2. Write its expected "
              "value in terms of the true rate, then undo that.")
_MORE_02_2 = ("A report is the truth with probability `p = e**epsilon / (1 + e**epsilon)` and "
              "the other answer with probability `1 - p`, so the expected share of 1s is "
              "`rate * p + (1 - rate) * (1 - p)`.",
              "That is linear in `rate`: solve it for `rate`. The denominator is `2 * p - 1`, "
              "which is why small epsilons blow the noise up.")
_FORBIDDEN_02_1 = (RandomizedResponse.release,)
_FORBIDDEN_02_2 = (RandomizedResponse.estimate,)

# 02.1: 4000 calls for each true answer (0, 1) and each epsilon; 24 000 calls take about 20 ms
# for a plain Python answer. With Z = 5, each of the 6 frequency tests and 6 ratio tests rejects
# a correct answer with probability below 6e-7: below 1e-5 in all (see _stats).
_EPSILONS = (0.5, 1.0, 2.0)
_N_CALLS = 4000
_SEED = 20021  # any fixed seed
_WHAT_REPORT = "the report, 0 or 1"


def _fmt_list(values: Sequence[float], fmt: str = ".3f") -> str:
    items = [format(v, fmt) for v in values]
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else items[0]


_EPS_TEXT = _fmt_list(_EPSILONS, "g")


def _as_reports(outputs: list[Any], fn: Callable[..., Any], args: tuple[Any, ...],
                kwargs: dict[str, Any], reporter: Reporter) -> np.ndarray:
    """Outputs as an int array of 0/1; booleans and 0.0/1.0 are fine, anything else stops."""
    def bad(out: Any) -> Stop:
        return Stop(reporter.failed(
            f"`{call_text(fn, args, kwargs)}` returned {describe_output(out)}; it should return "
            f"{_WHAT_REPORT}.",
            hint="Return a single number, 0 or 1 (`True`/`False` are fine too), not a list, an "
                 "array or a string. `rng.random()` without a size gives one number."))

    values = []
    for out in outputs:
        if isinstance(out, np.ndarray) and out.ndim == 0:
            out = out[()]
        if not isinstance(out, (bool, np.bool_, int, np.integer, float, np.floating)):
            raise bad(out)
        if out != 0 and out != 1:
            raise bad(out)
        values.append(int(out))
    return np.asarray(values, dtype=np.int64)


def _dp_sentence(test: RatioTest, epsilon: float) -> str:
    """One sentence on the worst report of a randomized-response answer."""
    report = test.event  # events are ordered as report values 0, 1
    x_hi, x_lo = (1, 0) if test.count_a > test.count_b else (0, 1)
    if not test.violated:
        return ("It is private enough: no report was more than `e**epsilon` times likelier "
                "under one true answer than under the other.")
    if math.isinf(test.ratio):
        return (f"This breaks epsilon-DP: at epsilon = {epsilon:g}, reports of {report} "
                f"appeared when the true answer was {x_hi} but never when it was {x_lo}, so such "
                "a report gives the answer away.")
    return (f"This breaks epsilon-DP: at epsilon = {epsilon:g}, reports of {report} were "
            f"{fmt_ratio(test.ratio)} times as frequent when the true answer was {x_hi} as when it "
            f"was {x_lo}; epsilon-DP allows at most `e**{epsilon:g}` = {math.exp(epsilon):.2f}.")


def check_randomized_response(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 02.1: binary randomized response.

    The learner writes ``fn(true_answer, epsilon, rng) -> int`` that reports
    ``true_answer`` (0 or 1) with probability ``e**epsilon / (1 + e**epsilon)``
    and the other answer otherwise. The check calls
    ``fn(true_answer, epsilon, rng=rng)`` 4000 times for each true answer and
    each epsilon in (0.5, 1, 2), with a generator from a fixed seed, and tests

    * the frequency of truthful reports against
      :attr:`ppml_lab.dp.RandomizedResponse.p_truth` (binomial z-test), and
    * the DP inequality: for each report, its frequency under
      ``true_answer=1`` over its frequency under ``true_answer=0`` (and the
      reverse) is at most ``e**epsilon`` up to sampling error.

    A correct answer fails by bad luck with probability below 1e-5; for a
    given function the verdict is deterministic. Common mistakes (always
    telling the truth, always lying, ignoring the true answer, probability
    ``e**-epsilon``, branches swapped, Warner's fixed two-coin scheme, not
    using ``rng``) get their own hints.

    Parameters
    ----------
    fn : callable
        The learner's function, called as ``fn(true_answer, epsilon, rng=rng)``.
        It may return an int, a bool or a numpy integer.

    Returns
    -------
    CheckResult
        Not attempted if ``fn`` returns ``None``/``...`` or raises
        :class:`NotImplementedError`; failed, with the error text, if it raises
        anything else.

    Raises
    ------
    TypeError
        If ``fn`` is not callable.

    Notes
    -----
    Introduced in notebook 02. About 25 000 calls of ``fn``: around 30 ms for
    a plain Python answer.

    Examples
    --------
    >>> from ppml_lab.exercises import solutions
    >>> check_randomized_response(solutions.randomized_response).passed
    True
    >>> check_randomized_response(lambda true_answer, epsilon, rng: true_answer).hint
    'Always telling the truth gives no privacy: the report is the answer. Tell the truth only with probability `e**epsilon / (1 + e**epsilon)` (e.g. `if rng.random() < p_truth:`) and otherwise report `1 - true_answer`.'
    """
    return run_function_check(fn, _check_rr, check_name="check_randomized_response",
                              exercise_id="02.1", hint=_HINT_02_1,
                              call="randomized_response(true_answer, epsilon, rng=rng)",
                              forbidden=_FORBIDDEN_02_1)


def _check_rr(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    name = function_label(fn)
    rng = np.random.default_rng(_SEED)
    call_learner(fn, (1, _EPSILONS[0]), {"rng": rng}, reporter, first=True, what=_WHAT_REPORT)
    n = _N_CALLS
    ones: dict[tuple[int, float], int] = {}
    for eps in _EPSILONS:
        for x in (0, 1):
            kwargs = {"rng": rng}
            outputs = call_learner(fn, (x, eps), kwargs, reporter, n=n, what=_WHAT_REPORT)
            ones[(x, eps)] = int(_as_reports(outputs, fn, (x, eps), kwargs, reporter).sum())

    def truthful(x: int, eps: float) -> int:
        return ones[(x, eps)] if x == 1 else n - ones[(x, eps)]

    cells = [(x, eps) for eps in _EPSILONS for x in (0, 1)]
    total = len(cells) * n
    n_truthful = sum(truthful(x, eps) for x, eps in cells)
    if n_truthful == total:
        return reporter.failed(
            f"{name} reported the true answer in all {total:,} calls.",
            hint="Always telling the truth gives no privacy: the report is the answer. Tell the "
                 "truth only with probability `e**epsilon / (1 + e**epsilon)` (e.g. `if "
                 "rng.random() < p_truth:`) and otherwise report `1 - true_answer`.")
    if n_truthful == 0:
        return reporter.failed(
            f"{name} reported the opposite of the true answer in all {total:,} calls.",
            hint="Always lying gives no privacy either: anyone can flip the report back. Report "
                 "the truth with probability `e**epsilon / (1 + e**epsilon)` and lie otherwise.")
    if all(truthful(x, eps) in (0, n) for x, eps in cells):
        return reporter.failed(
            f"{name} always gave the same report for the same true answer and epsilon.",
            hint="Randomized response needs randomness: draw a fresh random number from `rng` "
                 "on every call (e.g. `rng.random()`). Do not create a new seeded generator "
                 "inside your function.")

    # the DP inequality for each epsilon, on the two possible reports
    tests = {eps: dp_ratio_test(np.array([n - ones[(1, eps)], ones[(1, eps)]]), n,
                                np.array([n - ones[(0, eps)], ones[(0, eps)]]), n, eps)
             for eps in _EPSILONS}
    worst_eps = max(_EPSILONS, key=lambda e: tests[e].excess)
    dp_text = _dp_sentence(tests[worst_eps], worst_eps)

    expected = {eps: RandomizedResponse(eps).p_truth for eps in _EPSILONS}
    if all(abs(binomial_z(truthful(x, eps), n, expected[eps])) <= Z for x, eps in cells):
        if tests[worst_eps].violated:  # not expected when the frequencies are right
            return reporter.failed(f"{name} has the right frequencies on average. {dp_text}")
        return _check_reproducible(fn, reporter) or reporter.passed(
            f"{name} tells the truth with probability `e**epsilon / (1 + e**epsilon)` "
            f"({_fmt_list([expected[e] for e in _EPSILONS])} at epsilon = {_EPS_TEXT}; "
            f"checked on {total:,} reports), and no report was more than `e**epsilon` times "
            "likelier under one true answer than under the other.")

    rates = [(truthful(0, eps) + truthful(1, eps)) / (2 * n) for eps in _EPSILONS]
    observed = (f"{name} told the truth in {_fmt_list([100 * r for r in rates], '.1f')} % of "
                f"the calls at epsilon = {_EPS_TEXT} (randomized response: "
                f"{_fmt_list([100 * expected[e] for e in _EPSILONS], '.1f')} %).")

    if all(abs(same_proportion_z(ones[(1, eps)], n, ones[(0, eps)], n)) <= Z
           for eps in _EPSILONS):
        share_ones = sum(ones.values()) / total
        if abs(share_ones - 0.5) <= Z * math.sqrt(0.25 / total):
            hint = ("Your reports are fair coin flips that ignore `true_answer`: perfectly "
                    "private, but useless. Report the truth with probability "
                    "`e**epsilon / (1 + e**epsilon)`, which is more than 1/2.")
        else:
            hint = ("Your reports do not depend on `true_answer`: perfectly private, but "
                    "useless. Start from `true_answer` and flip it only with probability "
                    "`1 / (1 + e**epsilon)`.")
        return reporter.failed(
            f"{name} reported 1 equally often whatever the true answer was (a share of "
            f"{share_ones:.3f} of its reports).", hint=hint)

    candidates: list[tuple[Callable[[float], float], str]] = [
        (lambda e: math.exp(-e),
         "You tell the truth with probability `e**(-epsilon)`: that is a bound on a ratio, not "
         "the probability. Report the truth with probability `e**epsilon / (1 + e**epsilon)`; "
         "larger epsilon means more truth, less privacy."),
        (lambda e: 1.0 / (1.0 + math.exp(e)),
         "You tell the truth with probability `1 / (1 + e**epsilon)`, which is the probability "
         "of lying: swap your two branches."),
        (lambda e: 0.75,
         "Your reports are truthful 3/4 of the time whatever epsilon is: that is Warner's "
         "two-coin scheme, which is randomized response for epsilon = ln 3 only. Make the "
         "probability depend on epsilon: `e**epsilon / (1 + e**epsilon)`."),
        (lambda e: 1.0 - math.exp(-e),
         "You tell the truth with probability `1 - e**(-epsilon)`. Randomized response tells "
         "it with probability `e**epsilon / (1 + e**epsilon)`: then the ratio of the two "
         "answers' probabilities is exactly `e**epsilon`."),
    ]
    for p_of, hint in candidates:
        if all(abs(binomial_z(truthful(x, eps), n, p_of(eps))) <= Z for x, eps in cells):
            return reporter.failed(f"{observed} {dp_text}", hint=hint)

    x, eps = next((x, e) for x, e in cells if abs(binomial_z(truthful(x, e), n, expected[e])) > Z)
    return reporter.failed(
        f"for `true_answer={x}` at epsilon = {eps:g}, {name} reported the truth in "
        f"{100 * truthful(x, eps) / n:.1f} % of {n:,} calls; randomized response does so with "
        f"probability `e**epsilon / (1 + e**epsilon)` = {expected[eps]:.3f}. {dp_text}")


def _check_reproducible(fn: Callable[..., Any], reporter: Reporter) -> CheckResult | None:
    """Failed result if two runs from the same seed differ (randomness not from ``rng``)."""
    runs = []
    for _ in range(2):
        rng = np.random.default_rng(_SEED + 1)
        run = []
        for eps in _EPSILONS:
            for x in (0, 1):
                kwargs = {"rng": rng}
                outputs = call_learner(fn, (x, eps), kwargs, reporter, n=20, what=_WHAT_REPORT)
                run.extend(_as_reports(outputs, fn, (x, eps), kwargs, reporter).tolist())
        runs.append(run)
    if runs[0] == runs[1]:
        return None
    return reporter.failed(
        f"{function_label(fn)} has the right frequencies, but two runs with the same seed gave "
        "different reports.",
        hint="Draw every random number from the `rng` argument (e.g. `rng.random()`), not from "
             "`np.random` or the `random` module: then results are reproducible.")


# --- 02.2 -------------------------------------------------------------------------------------

def _estimate_cases() -> list[tuple[np.ndarray, float]]:
    """Deterministic report sets, two of them with estimates outside [0, 1]."""
    return [
        (np.array([1] * 30 + [0] * 70), 1.0),
        (np.resize(np.array([1, 1, 0, 1, 0]), 1000), 0.5),
        (np.zeros(50, dtype=np.int64), 2.0),
        (np.ones(20, dtype=np.int64), math.log(3)),
        (np.resize(np.array([0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0]), 400),
         0.25),
    ]


def check_rr_estimate(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 02.2: the unbiased estimate of the true yes-rate.

    The learner writes ``fn(reports, epsilon) -> float``: from 0/1 reports
    made with randomized response at ``epsilon``, the unbiased estimate
    ``(share - q) / (p - q)`` of the share of true 1s, where ``share`` is the
    share of 1s among the reports, ``p = e**epsilon / (1 + e**epsilon)`` and
    ``q = 1 - p``. The check compares ``fn`` with
    :meth:`ppml_lab.dp.RandomizedResponse.estimate` on five fixed report sets
    (tolerance 1e-9, relative for large values), two of which have estimates
    outside [0, 1]. Returning the raw share, clipping to [0, 1], estimating the
    share of 0s, or applying the noise again get their own hints.

    Parameters
    ----------
    fn : callable
        The learner's function, called as ``fn(reports, epsilon)`` with
        ``reports`` a 1-D numpy array of ints (a fresh copy on every call).

    Returns
    -------
    CheckResult

    Raises
    ------
    TypeError
        If ``fn`` is not callable.

    Notes
    -----
    Introduced in notebook 02.

    Examples
    --------
    >>> import numpy as np
    >>> from ppml_lab.exercises import solutions
    >>> check_rr_estimate(solutions.estimate_yes_rate)
    ✅ Exercise 02.2 passed: `estimate_yes_rate` matches the unbiased estimate `(share - q) / (p - q)` on 5 sets of reports, including two where it falls outside [0, 1].
    >>> check_rr_estimate(lambda reports, epsilon: np.mean(reports)).passed
    False
    """
    return run_function_check(fn, _check_estimate, check_name="check_rr_estimate",
                              exercise_id="02.2", hint=_HINT_02_2,
                              call="estimate_yes_rate(reports, epsilon)",
                              forbidden=_FORBIDDEN_02_2)


def _check_estimate(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    what = "one number, the estimated share of true 1s"
    name = function_label(fn)
    cases = _estimate_cases()
    got, expected, shares, ps = [], [], [], []
    for i, (reports, eps) in enumerate(cases):
        args = (reports.copy(), eps)
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=what)
        if isinstance(out, np.ndarray) and out.shape == (2,):
            raise Stop(reporter.failed(
                f"`{call_text(fn, args, {})}` returned an array of shape (2,); it should return "
                f"{what}.",
                hint="Return only the estimate for the answer 1 (yes), one number."))
        got.append(as_real_output(out, fn, args, {}, reporter, what=what))
        rr = RandomizedResponse(eps)
        expected.append(float(rr.estimate(reports)[1]))
        shares.append(float(np.mean(reports)))
        ps.append(rr.p_truth)

    def matches(values: Sequence[float], tol: float) -> bool:
        return all(abs(g - v) <= tol * max(1.0, abs(v)) for g, v in zip(got, values))

    if matches(expected, 1e-9):
        return reporter.passed(
            f"{name} matches the unbiased estimate `(share - q) / (p - q)` on {len(cases)} "
            "sets of reports, including two where it falls outside [0, 1].")

    i = next(i for i in range(len(cases))
             if abs(got[i] - expected[i]) > 1e-9 * max(1.0, abs(expected[i])))
    reports, eps = cases[i]
    message = (f"for {reports.size} reports with {int(reports.sum())} ones at epsilon = {eps:.4g}, "
               f"{name} returned {got[i]:.6g}; the unbiased estimate is {expected[i]:.6g}.")
    mistakes = [
        ([s for s in shares],
         "That is the share of 1s among the *reports*, but some reports are lies. Its expected "
         "value is `rate * p + (1 - rate) * q` with `p = e**epsilon / (1 + e**epsilon)` and "
         "`q = 1 - p`: solve that for `rate`."),
        ([min(max(v, 0.0), 1.0) for v in expected],
         "Your estimates are right except where the unbiased estimate falls outside [0, 1]: do "
         "not clip or round it. Clipping makes the estimate biased; an unbiased estimate must be "
         "allowed to go below 0 or above 1."),
        ([1.0 - v for v in expected],
         "That is the estimated share of true 0s (no). Estimate the share of true 1s (yes)."),
        ([s * p + (1 - s) * (1 - p) for s, p in zip(shares, ps)],
         "You applied the randomization again (`share * p + (1 - share) * q`) instead of undoing "
         "it: solve `share = rate * p + (1 - rate) * q` for `rate`."),
    ]
    for values, hint in mistakes:
        if matches(values, 1e-6):
            return reporter.failed(message, hint=hint)
    return reporter.failed(message)


EXERCISES = (
    Exercise("02.1", "Randomized response", check_randomized_response,
             solutions.randomized_response, _HINT_02_1, more_hints=_MORE_02_1),
    Exercise("02.2", "Estimating the true yes-rate from noisy reports", check_rr_estimate,
             solutions.estimate_yes_rate, _HINT_02_2, more_hints=_MORE_02_2),
)
