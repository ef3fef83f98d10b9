"""Exercises of notebook 09 (secret sharing).

* 09.1 :func:`check_additive_shares`: split a ring element into ``n`` additive
  shares modulo ``2**64``; checked exactly (the shares add up to the secret) and
  statistically (every share is uniform over the whole ring, whatever the secret,
  and fresh at every call).
* 09.2 :func:`check_lagrange_at_zero`: reconstruct a Shamir secret from
  ``threshold`` points by Lagrange interpolation at zero modulo a prime; checked
  against the library's ``shamir_split`` and a small hand-made polynomial.

Introduced in notebook 09.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
from scipy import stats

from ..secret_sharing import additive as additive_module
from ..secret_sharing import shamir as shamir_module
from ..secret_sharing.encoding import FIELD_PRIME
from . import solutions
from ._core import (CheckResult, Exercise, Reporter, Stop, call_learner, call_text,
                    describe_output, function_label, run_function_check)

__all__ = ["check_additive_shares", "check_lagrange_at_zero"]

_RING = 2**64

# --- 09.1 additive shares ----------------------------------------------------------------------

_HINT_09_1 = ("Draw all shares but one uniformly from the whole ring (every 64-bit value equally "
              "likely), then choose the last one so that the sum, modulo 2**64, is the secret.")
_MORE_09_1 = (
    "`rng.integers(0, 2**64, size=n_shares, dtype=np.uint64)` draws uniform ring elements. The "
    "last share is `(secret - sum of the others) % 2**64`.",
    "Work with Python ints for the last share to avoid overflow warnings: "
    "`shares[-1] = (secret - sum(int(s) for s in shares[:-1])) % 2**64`; return the uint64 array.",
)
_FORBIDDEN_09_1 = (additive_module.additive_share,)
_WHAT_09_1 = "an array of n_shares integers in [0, 2**64) that add up to the secret modulo 2**64"
_EXACT_09_1 = ((42, 3), (0, 2), (_RING - 1, 5), (12_345_678_901_234_567_890, 4))
_CALLS_09_1 = 3000
_SECRET_09_1 = 2**63 + 5
_ALPHA = 1e-6  # a correct answer fails by bad luck with probability about 1e-5 in all


def _as_ring_values(out: Any, n: int, fn: Callable[..., Any], args: tuple,
                    reporter: Reporter) -> list[int]:
    shown = f"`{call_text(fn, args, {})}` returned {describe_output(out)}"
    values, floats = None, False
    try:
        items = list(out) if isinstance(out, (list, tuple)) else list(np.asarray(out).ravel())
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
               for v in items):
            values = [int(v) for v in items]
        floats = any(isinstance(v, (float, np.floating)) for v in items)
    except (TypeError, ValueError):
        values = None
    if values is None:
        hint = ("Shares are whole numbers (ring elements), not floats: draw them with "
                "`rng.integers(..., dtype=np.uint64)`.") if floats else None
        raise Stop(reporter.failed(f"{shown}; it should return {_WHAT_09_1}.", hint=hint))
    if len(values) != n:
        got = ("a single number" if np.ndim(out) == 0 else
               f"{len(values)} share{'s' if len(values) != 1 else ''}")
        raise Stop(reporter.failed(f"{shown}, {got}; it should return {n} shares, one per "
                                   "party, as an array of uint64."))
    if any(not 0 <= v < _RING for v in values):
        raise Stop(reporter.failed(
            f"{shown} with a value outside [0, 2**64); shares are ring elements.",
            hint="Reduce the last share modulo 2**64: `% 2**64`."))
    return values


def check_additive_shares(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 09.1: additive shares of a ring element.

    The learner writes ``fn(secret, n_shares, rng)`` returning ``n_shares``
    integers in ``[0, 2**64)`` whose sum modulo ``2**64`` is ``secret``. Checked
    on four secrets (including 0 and ``2**64 - 1``), then over 3,000 calls with
    the secret ``2**63 + 5``: each share's top three bits are tested for
    uniformity (chi-square, p above 1e-6), and two calls must not give the same
    shares. Shares drawn from half the ring, shares fixed in advance and the
    secret handed to one party get their own hints.

    Notes
    -----
    Introduced in notebook 09.

    Examples
    --------
    >>> check_additive_shares(solutions.additive_shares).passed
    True
    """
    return run_function_check(fn, _check_additive, check_name="check_additive_shares",
                              exercise_id="09.1", hint=_HINT_09_1,
                              call="additive_shares(secret, n_shares, rng)",
                              forbidden=_FORBIDDEN_09_1)


def _check_additive(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    rng = np.random.default_rng(20090)
    for i, (secret, n) in enumerate(_EXACT_09_1):
        args = (secret, n, rng)
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=_WHAT_09_1)
        values = _as_ring_values(out, n, fn, args, reporter)
        if sum(values) % _RING != secret:
            return reporter.failed(
                f"`{call_text(fn, args, {})}` returned shares that add up to "
                f"{sum(values) % _RING} modulo 2**64, not the secret {secret}.",
                hint="Choose the last share as the secret minus the sum of the others, modulo "
                     "2**64, so that all of them add up to the secret.")
    n = 3
    args = (_SECRET_09_1, n, rng)
    outs = call_learner(fn, args, {}, reporter, n=_CALLS_09_1, what=_WHAT_09_1)
    shares = np.array([_as_ring_values(o, n, fn, args, reporter) for o in outs], dtype=np.uint64)
    if len({tuple(row) for row in shares.tolist()}) < _CALLS_09_1:
        return reporter.failed(
            f"over {_CALLS_09_1:,} calls {function_label(fn)} gave the same shares more than once; "
            "shares must be fresh random numbers at every call.",
            hint="Draw the shares from `rng` inside the function (not once, outside it).")
    top = (shares >> np.uint64(61)).astype(np.int64)  # the top three bits: 8 cells
    for party in range(n):
        counts = np.bincount(top[:, party], minlength=8)
        if stats.chisquare(counts).pvalue < _ALPHA:
            if counts[4:].sum() == 0:
                hint = ("Your random shares never reach the upper half of the ring: draw from "
                        "[0, 2**64), e.g. `rng.integers(0, 2**64, size=..., dtype=np.uint64)`.")
            elif np.all(shares[:, party] == shares[0, party]) or counts.max() == _CALLS_09_1:
                hint = ("Every share must look random; a share that is always the same, or is "
                        "the secret itself, gives the secret away.")
            else:
                hint = None
            return reporter.failed(
                f"over {_CALLS_09_1:,} calls with the secret 2**63 + 5, party {party + 1}'s share "
                f"is not uniform over the ring (its top three bits fall {counts.tolist()} times "
                "in the 8 cells; a uniform share gives about 375 each).", hint=hint)
    return reporter.passed(
        f"{function_label(fn)} splits every secret exactly, and over {_CALLS_09_1:,} calls each "
        "of the three shares is uniform over the whole ring: any one share (indeed any two) is "
        "a random number that says nothing about the secret, and all three give it back.")


# --- 09.2 Lagrange interpolation at zero -------------------------------------------------------------

_HINT_09_2 = ("The secret is f(0). Write f(0) as a weighted sum of the known values f(x_i); the "
              "weight of point i is the Lagrange basis polynomial L_i evaluated at 0, computed "
              "modulo p (division is multiplication by an inverse).")
_MORE_09_2 = (
    "L_i(0) = product over j != i of (0 - x_j) / (x_i - x_j). Modulo p, divide by multiplying "
    "with `pow(denominator, -1, p)`, the modular inverse; never use `/`.",
    "Accumulate `secret = (secret + y_i * num * pow(den, -1, p)) % p` with `num` the product of "
    "`-x_j` and `den` the product of `x_i - x_j` over j != i, both reduced modulo p.",
)
_FORBIDDEN_09_2 = (shamir_module.shamir_combine, shamir_module.lagrange_coefficients)
_WHAT_09_2 = "the secret f(0), an integer in [0, p)"
# A hand-made case: f(x) = 5 + 3x + 2x**2 modulo 97, at x = 1, 2, 3 (10, 19, 32) and at 2, 5, 7.
_HAND = (([1, 2, 3], [10, 19, 32], 97, 5), ([2, 5, 7], [19, 70, 124 % 97], 97, 5))


def _library_cases() -> list[tuple[list[int], list[int], int, int]]:
    cases = []
    for secret, n, t, pick in ((123_456_789, 5, 3, (0, 2, 4)), (FIELD_PRIME - 2, 4, 2, (3, 1)),
                               (7, 6, 5, (5, 0, 1, 3, 2))):
        shares = shamir_module.shamir_split(np.array(secret, dtype=np.uint64), n, t, rng=secret)
        chosen = [shares[i] for i in pick]
        cases.append(([s.index for s in chosen], [int(s.value) for s in chosen], FIELD_PRIME,
                      secret))
    return cases


def check_lagrange_at_zero(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 09.2: a Shamir secret from ``threshold`` points, by Lagrange at zero.

    The learner writes ``fn(xs, ys, p)`` returning ``f(0) mod p`` for the
    polynomial of degree ``len(xs) - 1`` through the points ``(xs[i], ys[i])``.
    Checked on a polynomial modulo 97 (at x = 1, 2, 3 and at x = 2, 5, 7) and on
    three subsets of the library's ``shamir_split`` shares modulo ``2**61 - 1``.
    Float division and a missing final ``% p`` get their own hints.

    Notes
    -----
    Introduced in notebook 09.

    Examples
    --------
    >>> check_lagrange_at_zero(solutions.lagrange_at_zero).passed
    True
    """
    return run_function_check(fn, _check_lagrange, check_name="check_lagrange_at_zero",
                              exercise_id="09.2", hint=_HINT_09_2,
                              call="lagrange_at_zero(xs, ys, p)", forbidden=_FORBIDDEN_09_2)


def _lagrange_mistake(ys: Sequence[int], p: int, value: int) -> str | None:
    """The hint for a reconstruction that typical slips give, or None (the general hint)."""
    if value in (sum(ys) % p, sum(ys)):
        return ("That adds the shares, as additive sharing would. Shamir shares are points "
                "f(x_i) of a polynomial: weight each by its Lagrange coefficient at 0, the "
                "product of `x_j / (x_j - x_i)` over j != i, modulo p.")
    if value in ys:
        return ("That is one of the shares, f(x_i) at some x_i != 0. The secret is f(0): "
                "combine all the shares, each weighted by its Lagrange coefficient at 0.")
    return None


def _check_lagrange(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    for i, (xs, ys, p, secret) in enumerate(list(_HAND) + _library_cases()):
        args = (list(xs), list(ys), p)
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=_WHAT_09_2)
        shown = (f"with xs = {xs} and p = {p if p < 1000 else '2**61 - 1'}, "
                 f"{function_label(fn)} returned {describe_output(out)}")
        if isinstance(out, (float, np.floating)):
            return reporter.failed(f"{shown}; it should return {_WHAT_09_2}.",
                                   hint="`/` gives a float and loses the exact value; modulo p, "
                                        "divide by multiplying with `pow(den, -1, p)`.")
        if not isinstance(out, (int, np.integer)) or isinstance(out, (bool, np.bool_)):
            return reporter.failed(f"{shown}; it should return {_WHAT_09_2}.")
        value = int(out)
        if value % p == secret and not 0 <= value < p:
            return reporter.failed(f"{shown}: the right secret, but not reduced modulo p.",
                                   hint="Return the result `% p`, a number in [0, p).")
        if value != secret:
            return reporter.failed(f"{shown}; the secret is {secret}.",
                                   hint=_lagrange_mistake(ys, p, value))
    return reporter.passed(
        f"{function_label(fn)} interpolates at zero exactly, modulo 97 by hand and modulo "
        "2**61 - 1 on the library's shares, from any threshold-sized subset of them: that is all "
        "`shamir_combine` does (vectorised over arrays, and checking extra shares).")


EXERCISES = (
    Exercise("09.1", "Additive shares in the 64-bit ring", check_additive_shares,
             solutions.additive_shares, _HINT_09_1, more_hints=_MORE_09_1),
    Exercise("09.2", "Shamir reconstruction: Lagrange at zero", check_lagrange_at_zero,
             solutions.lagrange_at_zero, _HINT_09_2, more_hints=_MORE_09_2),
)
