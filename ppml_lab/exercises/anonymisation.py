"""Exercises of notebook 01 (why anonymisation fails).

* 01.1 :func:`check_unique_share`: the share of people that ZIP code, birth
  date and sex single out, written by hand (the number behind Sweeney's 87%);
  checked exactly on a small table and against the library on 2,000 people.
* 01.2 :func:`check_reconstruct_bits`: the reconstruction attack's last step,
  least squares and rounding; checked on exact answers (every bit back) and on
  answers with noise up to 1 (at least 95% of the bits back).

Introduced in notebook 01.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable

import numpy as np
from threadpoolctl import threadpool_limits

from ..attacks import linkage as linkage_module
from ..attacks import reconstruction as reconstruction_module
from ..datasets import synthetic_population
from . import solutions
from ._core import (CheckResult, Exercise, Reporter, Stop, as_real_output, call_learner,
                    call_text, describe_output, function_label, run_function_check)

__all__ = ["check_unique_share", "check_reconstruct_bits", "EXERCISES"]


# --- 01.1 uniqueness -----------------------------------------------------------------------------

_HINT_01_1 = ("Think of each person as the tuple (ZIP code, birth date, sex). Count how many "
              "people have each tuple; a person is unique when their tuple's count is 1. The "
              "answer is the share of people, not of tuples.")
_MORE_01_1 = (
    "`zip(zip_codes.tolist(), birth_dates.tolist(), sexes.tolist())` gives one tuple per person; "
    "a dictionary (or `collections.Counter`) counts them. Then go over the people again and "
    "count those whose tuple was seen once.",
    "With numpy: `np.unique(keys, return_inverse=True, return_counts=True)` on one key per "
    "person gives each person's count as `counts[inverse]`; the answer is "
    "`np.mean(counts[inverse] == 1)`.",
)
_FORBIDDEN_01_1 = (linkage_module.uniqueness, linkage_module.class_sizes,
                   linkage_module.quasi_identifier_key)
_WHAT_01_1 = "the share of people who are unique, a number between 0 and 1"
# seven people, five unique; leaving out sex gives 3/7, leaving out the birth date 1/7
_D = np.array(["1980-05-17", "1980-05-17", "1980-05-17", "1991-12-01", "1991-12-01",
               "1980-05-17", "1991-12-01"], dtype="datetime64[D]")
_SMALL = (np.array([2138, 2138, 2139, 2139, 2139, 2140, 2140]), _D,
          np.array(["F", "F", "F", "M", "F", "M", "M"]))


def _share(zip_codes: np.ndarray, birth_dates: np.ndarray, sexes: np.ndarray) -> float:
    people = list(zip(zip_codes.tolist(), birth_dates.tolist(), sexes.tolist()))
    counts = Counter(people)
    return sum(counts[p] == 1 for p in people) / len(people)


def _unique_mistakes(args: tuple, value: float) -> str | None:
    z, b, s = args
    n = len(z)
    distinct = len(set(zip(z.tolist(), b.tolist(), s.tolist()))) / n
    right = _share(z, b, s)
    candidates = [
        (distinct, "That is the number of distinct combinations divided by the number of "
                   "people. Two people who share a combination make one distinct combination but "
                   "neither of them is unique: count the people whose combination has count 1."),
        (1.0 - right, "That is the share of people who are *not* unique (they share their "
                      "combination with someone). Return the share whose count is exactly 1."),
        (right * n, "That is the number of unique people; divide by the number of people to get "
                    "a share."),
        (100.0 * right, "That looks like a percentage; return a share between 0 and 1."),
        (_share(z, b, np.zeros(n, dtype=int)), "Use all three columns: sex too (two people "
                                               "born the same day in the same ZIP code but of "
                                               "different sex are both unique)."),
        (_share(z, np.zeros(n, dtype=int), s), "Use all three columns: the birth date too."),
    ]
    for wrong, hint in candidates:
        if abs(value - wrong) < 1e-9 and abs(wrong - right) > 1e-9:
            return hint
    return None


def check_unique_share(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 01.1: the share of people unique on (ZIP code, birth date, sex).

    The learner writes ``fn(zip_codes, birth_dates, sexes)`` returning the
    share of people whose combination no one else has. Checked exactly (to
    1e-9) on seven people (five of them unique) and on 2,000 people of
    :func:`~ppml_lab.datasets.synthetic_population` (``rng=7``) against
    :func:`~ppml_lab.attacks.uniqueness`, which the answer must not call.
    Distinct combinations per person, the non-unique share, a count, a
    percentage, and a column left out get their own hints.

    Parameters
    ----------
    fn : callable
        Called as ``fn(zip_codes, birth_dates, sexes)`` with numpy arrays.

    Returns
    -------
    CheckResult

    Notes
    -----
    Introduced in notebook 01.

    Examples
    --------
    >>> check_unique_share(solutions.unique_share).passed
    True
    >>> check_unique_share(lambda z, b, s: len(set(zip(z, b, s))) / len(z)).hint[:45]
    'That is the number of distinct combinations d'
    """
    return run_function_check(fn, _check_unique, check_name="check_unique_share",
                              exercise_id="01.1", hint=_HINT_01_1,
                              call="unique_share(zip_codes, birth_dates, sexes)",
                              forbidden=_FORBIDDEN_01_1)


def _check_unique(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    people = synthetic_population(2000, rng=7)
    cases = [("seven people (five of them unique)", _SMALL),
             ("2,000 people of synthetic_population(2000, rng=7)",
              (people.zip, people.birth_date, people.sex))]
    for i, (label, args) in enumerate(cases):
        args = tuple(np.array(a) for a in args)
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=_WHAT_01_1)
        value = as_real_output(out, fn, args, {}, reporter, what=_WHAT_01_1)
        expected = _share(*args)
        if abs(value - expected) > 1e-9:
            return reporter.failed(
                f"on {label}, {function_label(fn)} returned {value:.4g}; the share of unique "
                f"people is {expected:.4g}.", hint=_unique_mistakes(args, value))
    return reporter.passed(
        f"{function_label(fn)} counts the people whose (ZIP code, birth date, sex) nobody else "
        f"has: 5 of 7 in the small table and {expected:.1%} of the 2,000 people. On the full "
        "synthetic population of 100,000 it is 86.7%, Sweeney's 87%.")


# --- 01.2 reconstruction ---------------------------------------------------------------------

_HINT_01_2 = ("Each answer is a noisy sum of some of the unknown bits: together the answers are "
              "a system of linear equations `queries @ x = answers`, with more equations than "
              "unknowns. Find the `x` that fits all of them best, then turn it into bits.")
_MORE_01_2 = (
    "The best fit in the least-squares sense is what `np.linalg.lstsq(queries, answers, "
    "rcond=None)[0]` returns: one real number per person, close to 0 or 1 when the noise is "
    "small.",
    "Round each entry at 1/2: `(x >= 0.5).astype(int)`. Return one bit per column of "
    "`queries` (per person), not one per query.",
)
_FORBIDDEN_01_2 = (reconstruction_module.reconstruct,)
_WHAT_01_2 = "one bit (0 or 1) per person, an array of shape (n,)"
_SEED_01_2 = 20260101


def _bits_output(out: Any, fn: Callable[..., Any], args: tuple, reporter: Reporter,
                 n: int) -> np.ndarray:
    shown = f"`{call_text(fn, args, {})}` returned {describe_output(out)}"
    try:
        bits = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise Stop(reporter.failed(f"{shown}; it should return {_WHAT_01_2}.")) from None
    m = args[0].shape[0]
    if bits.shape == (m,) and m != n:
        raise Stop(reporter.failed(
            f"{shown}, one value per query; it should return {_WHAT_01_2}.",
            hint="The unknowns are the people (the columns of `queries`): solve for `x` with "
                 "`queries @ x = answers`, which has one entry per column."))
    if bits.shape != (n,):
        raise Stop(reporter.failed(f"{shown}; it should return {_WHAT_01_2}."))
    if not np.all(np.isin(bits, (0.0, 1.0))):
        raise Stop(reporter.failed(
            f"{shown} with values other than 0 and 1 (e.g. {float(bits[~np.isin(bits, (0.0, 1.0))][0]):.3g}); "
            f"it should return {_WHAT_01_2}.",
            hint="The least-squares solution is real-valued: round each entry at 1/2, "
                 "`(x >= 0.5).astype(int)`."))
    return bits.astype(int)


def check_reconstruct_bits(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 01.2: recover secret bits from noisy subset sums.

    The learner writes ``fn(queries, answers)`` returning one 0/1 guess per
    person. Checked on 20 people and 80 exact answers (every bit must come
    back) and on 100 people and 400 answers with noise uniform in [-1, 1]
    (at least 95% must come back; least squares gets all of them). The
    answer must not call :func:`~ppml_lab.attacks.reconstruct`. Real values
    instead of bits, and one value per query instead of per person, get their
    own hints.

    Parameters
    ----------
    fn : callable
        Called as ``fn(queries, answers)``.

    Returns
    -------
    CheckResult

    Notes
    -----
    Introduced in notebook 01.

    Examples
    --------
    >>> check_reconstruct_bits(solutions.reconstruct_bits).passed
    True
    >>> check_reconstruct_bits(lambda q, a: np.linalg.lstsq(q, a, rcond=None)[0]).hint[:40]
    'The least-squares solution is real-value'
    """
    return run_function_check(fn, _check_reconstruct, check_name="check_reconstruct_bits",
                              exercise_id="01.2", hint=_HINT_01_2,
                              call="reconstruct_bits(queries, answers)",
                              forbidden=_FORBIDDEN_01_2)


def _check_reconstruct(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    # one BLAS thread: on these small systems threads only add waiting (up to 0.7 s for a 12 ms
    # check on a busy 2-core machine)
    with threadpool_limits(limits=1, user_api="blas"):
        return _check_reconstruct_body(fn, reporter)


def _check_reconstruct_body(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    g = np.random.default_rng(_SEED_01_2)
    results = []
    for i, (n, m, noise, needed) in enumerate(((20, 80, 0.0, 1.0), (100, 400, 1.0, 0.95))):
        secret = g.integers(0, 2, size=n)
        queries = reconstruction_module.subset_queries(n, m, rng=g)
        answers = reconstruction_module.noisy_answers(queries, secret, noise, rng=g)
        args = (queries.astype(float), answers)
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=_WHAT_01_2)
        bits = _bits_output(out, fn, args, reporter, n)
        share = float(np.mean(bits == secret))
        results.append(share)
        if share < needed:
            what = "exact answers" if noise == 0 else f"answers off by up to {noise:g}"
            return reporter.failed(
                f"from {m} {what} about {n} people, {function_label(fn)} recovered "
                f"{share:.0%} of the bits; least squares and rounding recover "
                f"{'all' if needed == 1 else 'at least 95%'} of them.",
                hint=("A share near 50% is a coin toss: are the bits in the same order as the "
                      "columns of `queries`? Solve `queries @ x = answers` for `x` by least "
                      "squares (all the queries, not a square subset of them)."
                      if share < 0.7 else None))
    return reporter.passed(
        f"{function_label(fn)} recovers every bit from exact answers and {results[1]:.0%} of 100 "
        "bits from 400 answers off by up to 1. No answer named anyone, yet together they "
        "rebuilt the secret column: this is why each answer must be noisier the more answers "
        "are given (differential privacy).")


EXERCISES = (
    Exercise("01.1", "Who is unique on ZIP code, birth date and sex", check_unique_share,
             solutions.unique_share, _HINT_01_1, more_hints=_MORE_01_1),
    Exercise("01.2", "Reconstruct secret bits from noisy counts", check_reconstruct_bits,
             solutions.reconstruct_bits, _HINT_01_2, more_hints=_MORE_01_2),
)
