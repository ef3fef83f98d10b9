"""Exercises of notebook 10 (secure aggregation).

* 10.1 :func:`check_mask_updates`: add pairwise masks to the clients' updates
  in the ring ``Z_{2^64}``, the smaller index of each pair adding the mask and
  the larger subtracting it; checked exactly against the formula, and that the
  masks cancel in the sum modulo ``2**64``.
* 10.2 :func:`check_round_bytes`: the bytes of one round of the protocol from
  its cost table; checked against what the library's ``secure_aggregate``
  counts on small runs, and on a round of 100 clients.

Introduced in notebook 10.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..secret_sharing import masking as masking_module
from ..secret_sharing import secure_aggregation as protocol_module
from . import solutions
from ._core import (CheckResult, Exercise, Reporter, Stop, call_learner, call_text,
                    describe_output, function_label, run_function_check)

__all__ = ["check_mask_updates", "check_round_bytes"]

_RING = 2**64

# --- 10.1 pairwise masks that cancel ---------------------------------------------------------

_HINT_10_1 = ("Client u adds the mask it shares with each client after it (v > u) and subtracts "
              "the mask it shares with each client before it (v < u); in uint64 arithmetic "
              "numpy wraps around modulo 2**64 by itself.")
_MORE_10_1 = (
    "Start from a copy of the updates (`masked = updates.copy()`), then loop over u and v: "
    "`masked[u] += pair_masks[u, v]` when v > u, `masked[u] -= pair_masks[u, v]` when v < u.",
    "Every pair (u, v) then contributes +m_uv at u and -m_uv at v, so the sum over clients "
    "of the masked inputs is the sum of the updates, exactly, modulo 2**64. Keep the dtype "
    "uint64 (no floats: a float64 keeps only 53 of the 64 bits).",
)
_FORBIDDEN_10_1 = (protocol_module.secure_aggregate, masking_module.add_mask,
                   masking_module.pair_sign)
_WHAT_10_1 = "a uint64 array of shape (n_clients, dimension), the masked inputs"
_CASES_10_1 = ((2, 1), (5, 8), (7, 4))


def _case(n: int, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Updates (small numbers and ring edges, as fixed point has) and symmetric pair masks."""
    updates = rng.integers(0, 2**20, size=(n, m), dtype=np.uint64)
    updates[::2] = np.uint64(_RING - 1) - updates[::2]  # negative numbers live near 2**64
    masks = rng.integers(0, _RING, size=(n, n, m), dtype=np.uint64)
    upper = np.triu(np.ones((n, n), dtype=bool), 1)[..., None]
    masks = np.where(upper, masks, np.uint64(0))
    masks = masks + masks.transpose(1, 0, 2)  # m_uv = m_vu; the diagonal is zero
    return updates, masks


def _signed(updates: np.ndarray, masks: np.ndarray, sign: int) -> np.ndarray:
    """The formula with the smaller index's sign ``sign`` (``-1``: the reversed convention)."""
    out = updates.copy()
    for u in range(updates.shape[0]):
        for v in range(updates.shape[0]):
            if v != u:
                if (v > u) == (sign > 0):
                    out[u] += masks[u, v]
                else:
                    out[u] -= masks[u, v]
    return out


def _as_ring_array(out: Any, shape: tuple[int, int], shown: str,
                   reporter: Reporter) -> np.ndarray:
    try:  # Python ints beyond 2**63 would become floats in np.asarray: keep them exact
        arr = out if isinstance(out, np.ndarray) else np.array(out, dtype=object)
    except (TypeError, ValueError):
        raise Stop(reporter.failed(f"{shown}; it should return {_WHAT_10_1}.")) from None
    if arr.dtype == object and arr.size and all(
            isinstance(v, (float, np.floating)) for v in arr.ravel().tolist()):
        arr = arr.astype(float)
    if arr.dtype.kind == "f":
        raise Stop(reporter.failed(
            f"{shown}: floats. A float64 keeps only 53 of the 64 bits, so the masks cannot "
            "cancel exactly.", hint="Keep the arrays uint64: copy the updates and add and "
                                    "subtract the masks with numpy's uint64 arithmetic."))
    if arr.shape != shape:
        raise Stop(reporter.failed(f"{shown}; it should return {_WHAT_10_1}, here {shape}."))
    if arr.dtype.kind not in "iuO":
        raise Stop(reporter.failed(f"{shown}; it should return {_WHAT_10_1}."))
    if arr.dtype == object and not all(isinstance(v, (int, np.integer))
                                       and not isinstance(v, (bool, np.bool_))
                                       for v in arr.ravel().tolist()):
        raise Stop(reporter.failed(f"{shown}; it should return {_WHAT_10_1}."))
    values = [int(v) for v in arr.ravel().tolist()]
    if any(not 0 <= v < _RING for v in values):
        raise Stop(reporter.failed(f"{shown} with values outside [0, 2**64).",
                                   hint="Reduce modulo 2**64, or stay in uint64 arithmetic, "
                                        "which wraps around by itself."))
    return np.array(values, dtype=np.uint64).reshape(shape)


def check_mask_updates(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 10.1: pairwise masks that cancel in the sum.

    The learner writes ``fn(updates, pair_masks)`` returning the masked inputs
    ``y_u = x_u + sum_{v > u} m_uv - sum_{v < u} m_uv`` modulo ``2**64``.
    Checked exactly on three cases (2, 5 and 7 clients; updates near 0 and
    near ``2**64``, as fixed-point numbers are), and that the masked inputs sum
    to the updates' sum modulo ``2**64``. Masks that do not cancel (both ends
    adding), the reversed sign convention, no masks at all, floats and changing
    the updates in place get their own hints.

    Notes
    -----
    Introduced in notebook 10.

    Examples
    --------
    >>> check_mask_updates(solutions.mask_updates).passed
    True
    """
    return run_function_check(fn, _check_masks, check_name="check_mask_updates",
                              exercise_id="10.1", hint=_HINT_10_1,
                              call="mask_updates(updates, pair_masks)", forbidden=_FORBIDDEN_10_1)


def _check_masks(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    rng = np.random.default_rng(20100)
    for i, (n, m) in enumerate(_CASES_10_1):
        updates, masks = _case(n, m, rng)
        given = updates.copy()
        (out,) = call_learner(fn, (given, masks.copy()), {}, reporter, first=(i == 0),
                              what=_WHAT_10_1)
        shown = f"with {n} clients, {function_label(fn)} returned {describe_output(out)}"
        if not np.array_equal(given, updates):
            return reporter.failed(
                f"with {n} clients, {function_label(fn)} changed `updates` in place.",
                hint="Work on a copy (`masked = updates.copy()`): the client keeps its update, "
                     "and the check compares with it.")
        y = _as_ring_array(out, (n, m), shown, reporter)
        expected = _signed(updates, masks, +1)
        if np.array_equal(y, expected):
            continue
        cancels = np.array_equal(np.sum(y, axis=0, dtype=np.uint64),
                                 np.sum(updates, axis=0, dtype=np.uint64))
        if np.array_equal(y, updates):
            return reporter.failed(
                f"{shown}: the updates themselves, unmasked. The server would see every "
                "client's update.",
                hint="Nothing was masked: start from `masked = updates.copy()`, then for each "
                     "pair add `pair_masks[u, v]` to row u when v > u and subtract it when "
                     "v < u.")
        if np.array_equal(y, _signed(updates, masks, -1)):
            return reporter.failed(
                f"{shown}: masks that cancel, but with the signs the other way round.",
                hint="The kit's convention (Bonawitz et al.): the smaller index of a pair adds "
                     "the mask, the larger subtracts it; the server relies on it to remove a "
                     "dropped client's masks.")
        if not cancels:
            all_added = updates.copy()
            for u in range(n):
                all_added[u] += np.sum(masks[u], axis=0, dtype=np.uint64)
            hint = ("Both ends of a pair add the mask, so nothing cancels. Give the pair's two "
                    "ends opposite signs, by client order (v > u: add; v < u: subtract)."
                    if np.array_equal(y, all_added) else None)
            return reporter.failed(
                f"{shown} whose sum over clients is not the updates' sum modulo 2**64: the "
                "masks do not cancel, and the server would learn a wrong sum.", hint=hint)
        return reporter.failed(f"{shown}: masks that cancel in the sum, but not the masked "
                               "inputs of the formula above the exercise.")
    return reporter.passed(
        f"{function_label(fn)} masks every update: each masked input is its update plus "
        "uniform masks (uniform itself), and in the sum every +m_uv meets its -m_uv, so the "
        "server gets the exact sum modulo 2**64 and nothing else. `secure_aggregate` does the "
        "same with masks expanded from agreed seeds, plus a self-mask per client.")


# --- 10.2 the bytes of a round -------------------------------------------------------------

_HINT_10_2 = ("Add the four phases of the cost table, up and down: advertise keys, share keys, "
              "masked input and unmasking. Only the k = n_clients - n_dropped survivors take "
              "part in the last two.")
_MORE_10_2 = (
    "Advertise: each client sends 2 keys of 32 bytes up, and the server sends the list of all "
    "n clients' keys down to each of the n clients. Share keys: n (n - 1) bundles of 104 "
    "bytes, each going up to the server and down to its receiver.",
    "Masked input: 8 bytes per number, from each of the k survivors. Unmasking: each survivor "
    "sends 8 * 5 bytes for each of the n clients (a share of the dropped clients' mask keys or "
    "of the survivors' self-mask seeds), and receives the list of survivors, 4 bytes each.",
)
_FORBIDDEN_10_2 = (protocol_module.secure_aggregate,)
_WHAT_10_2 = "a whole number of bytes"
_SMALL_10_2 = ((5, 1, 3), (12, 4, 20), (8, 0, 7))
_BIG_10_2 = (100, 10, 1000)


def _variants(n: int, d: int, m: int) -> dict[str, int]:
    """Totals that typical slips give, each with its hint."""
    k = n - d
    adv_up, adv_down = 64 * n, 64 * n**2
    share = 104 * n * (n - 1)
    masked, unmask_up, unmask_down = 8 * m * k, 40 * n * k, 4 * k**2
    return {
        "Count what the server sends down too: the key list, the relayed bundles and the "
        "survivor lists (every phase has bytes up and bytes down).":
            adv_up + share + masked + unmask_up,
        "Only the survivors send a masked input: 8 bytes per number from each of the k = "
        "n_clients - n_dropped clients, not from all of them.":
            adv_up + adv_down + 2 * share + 8 * m * n + unmask_up + unmask_down,
        "Each share bundle travels twice: up to the server, which relays it, and down to its "
        "receiver.": adv_up + adv_down + share + masked + unmask_up + unmask_down,
        "The server sends every client the list of all n clients' public keys: 2 * 32 * n "
        "bytes to each of the n clients, 2 * 32 * n**2 in all.":
            adv_up + adv_up + 2 * share + masked + unmask_up + unmask_down,
        "Only the k survivors answer in the unmasking phase (each with shares for all n "
        "clients), and each of them receives the list of the k survivors.":
            adv_up + adv_down + 2 * share + masked + 40 * n * n + 4 * n**2,
        "That counts only the masked inputs. Add the other three phases of the cost table: "
        "advertising keys, sharing keys and unmasking, each up and down.": masked,
        "That counts only the masked inputs, and from every client. Add the other three "
        "phases of the cost table, and count masked inputs from the k survivors only.":
            8 * m * n,
    }


def check_round_bytes(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 10.2: the bytes of one round of secure aggregation.

    The learner writes ``fn(n_clients, n_dropped, dimension)`` returning the
    bytes of all four phases, up and down, from the cost table. Checked
    against the bytes ``secure_aggregate`` counts on three small runs, then on
    100 clients, 10 dropped, 1,000 numbers each (3,818,000 bytes). Counting
    only uploads, masked inputs from every client, share bundles once, the key
    list once per client and unmasking by every client get their own hints.

    Notes
    -----
    Introduced in notebook 10.

    Examples
    --------
    >>> check_round_bytes(solutions.round_bytes).passed
    True
    """
    return run_function_check(fn, _check_bytes, check_name="check_round_bytes",
                              exercise_id="10.2", hint=_HINT_10_2,
                              call="round_bytes(n_clients, n_dropped, dimension)",
                              forbidden=_FORBIDDEN_10_2)


def _library_bytes(n: int, d: int, m: int) -> int:
    result = protocol_module.secure_aggregate(np.zeros((n, m)), threshold=n - d,
                                              dropped=list(range(d)), rng=n)
    return result.bytes


def _check_bytes(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    for i, (n, d, m) in enumerate(_SMALL_10_2 + (_BIG_10_2,)):
        args = (n, d, m)
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=_WHAT_10_2)
        shown = f"`{call_text(fn, args, {})}` returned {describe_output(out)}"
        if isinstance(out, (bool, np.bool_)) or not isinstance(out, (int, float, np.integer,
                                                                     np.floating)):
            return reporter.failed(f"{shown}; it should return {_WHAT_10_2}.")
        value = float(out)
        expected = _library_bytes(n, d, m) if (n, d, m) != _BIG_10_2 else solutions.round_bytes(
            *_BIG_10_2)
        if abs(value - expected) < 0.5:
            continue
        if 7.5 < value / expected < 8.5:
            return reporter.failed(f"{shown}; the protocol sends {expected:,} bytes.",
                                   hint="That looks like bits: the table counts bytes.")
        for hint, wrong in _variants(n, d, m).items():
            if abs(value - wrong) < 0.5:
                return reporter.failed(f"{shown}; the protocol sends {expected:,} bytes.",
                                       hint=hint)
        return reporter.failed(f"{shown}; the protocol sends {expected:,} bytes.")
    return reporter.passed(
        f"{function_label(fn)} matches what `secure_aggregate` counts, and gives 3,818,000 bytes "
        "for 100 clients (10 dropped) with 1,000 numbers each: the masked inputs are 720,000 of "
        "them, and the keys and shares, which grow as n**2, most of the rest. With a model of a "
        "million numbers the masked inputs dominate and the overhead is small; with many "
        "clients and small models the n**2 terms do.")


EXERCISES = (
    Exercise("10.1", "Pairwise masks that cancel", check_mask_updates, solutions.mask_updates,
             _HINT_10_1, more_hints=_MORE_10_1),
    Exercise("10.2", "The bytes of a round", check_round_bytes, solutions.round_bytes,
             _HINT_10_2, more_hints=_MORE_10_2),
)
