"""Exercises 10.1 and 10.2 (secure aggregation): solutions pass, typical mistakes get their hint."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppml_lab.exercises import (check_mask_updates, check_round_bytes, get_exercise,
                                list_exercises, solutions)
from ppml_lab.secret_sharing import secure_aggregate
from ppml_lab.secret_sharing.masking import add_mask, pair_sign


def test_the_two_exercises_are_registered():
    assert [e.id for e in list_exercises(10)] == ["10.1", "10.2"]
    assert get_exercise("10.1").check_call == "check_mask_updates(mask_updates)"
    assert get_exercise("10.2").check_call == "check_round_bytes(round_bytes)"


def test_starters_are_not_attempted(starter_namespace):
    for exercise_id, check in (("10.1", check_mask_updates), ("10.2", check_round_bytes)):
        names = starter_namespace(exercise_id)
        fn = names[get_exercise(exercise_id).check_call.split("(")[1].rstrip(")")]
        result = check(fn)
        assert not result.passed and not result.attempted


# --- 10.1 ----------------------------------------------------------------------------------------

def masks_vectorised(updates, pair_masks):
    n = updates.shape[0]
    upper = np.triu(np.ones((n, n), dtype=bool), 1)[..., None]
    plus = np.sum(np.where(upper, pair_masks, np.uint64(0)), axis=1, dtype=np.uint64)
    minus = np.sum(np.where(upper.transpose(1, 0, 2), pair_masks, np.uint64(0)), axis=1,
                   dtype=np.uint64)
    return updates + plus - minus


def masks_python_ints(updates, pair_masks):
    n, m = updates.shape
    out = [[int(updates[u, j]) for j in range(m)] for u in range(n)]
    for u in range(n):
        for v in range(n):
            for j in range(m):
                if v > u:
                    out[u][j] = (out[u][j] + int(pair_masks[u, v, j])) % 2**64
                elif v < u:
                    out[u][j] = (out[u][j] - int(pair_masks[u, v, j])) % 2**64
    return out


@pytest.mark.parametrize("fn", [solutions.mask_updates, masks_vectorised, masks_python_ints])
def test_correct_masking_passes_however_written(fn):
    result = check_mask_updates(fn)
    assert result.passed, result
    assert "exact sum modulo 2**64" in result.message


def test_the_solution_cancels_like_the_protocol():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 2**64, size=(6, 5), dtype=np.uint64)
    m = rng.integers(0, 2**64, size=(6, 6, 5), dtype=np.uint64)
    m = np.triu(np.ones((6, 6), dtype=bool), 1)[..., None] * m
    m = m + m.transpose(1, 0, 2)
    y = solutions.mask_updates(x, m)
    assert np.array_equal(np.sum(y, axis=0, dtype=np.uint64), np.sum(x, axis=0, dtype=np.uint64))
    assert not np.any(y == x)
    # the same signs as the library's pair_sign
    expected = x.copy()
    for u in range(6):
        for v in range(6):
            if u != v:
                add_mask(expected[u], m[u, v], pair_sign(u, v))
    assert np.array_equal(y, expected)


def _same_sign(updates, pair_masks):
    out = updates.copy()
    for u in range(len(updates)):
        for v in range(len(updates)):
            if v != u:
                out[u] += pair_masks[u, v]
    return out


def _reversed(updates, pair_masks):
    return updates + (updates - solutions.mask_updates(updates, pair_masks))


def _in_place(updates, pair_masks):
    updates[:] = solutions.mask_updates(updates, pair_masks)
    return updates


def _library(updates, pair_masks):
    out = updates.copy()
    for u in range(len(updates)):
        for v in range(len(updates)):
            if v != u:
                add_mask(out[u], pair_masks[u, v], pair_sign(u, v))
    return out


MISTAKES_10_1 = {
    "same sign": (_same_sign, "Both ends of a pair add the mask"),
    "reversed": (_reversed, "signs the other way round"),
    "no masks": (lambda updates, pair_masks: updates.copy(), "unmasked"),
    "floats": (lambda updates, pair_masks: solutions.mask_updates(updates, pair_masks).astype(
        float), "53 of the 64 bits"),
    "in place": (_in_place, "updates.copy()"),
    "wrong shape": (lambda updates, pair_masks: updates[:1], "shape"),
    "library": (_library, "library's own answer"),
    "protocol": (lambda updates, pair_masks: secure_aggregate(
        updates.astype(float) * 0, threshold=2, rng=0).masked_inputs, "library's own answer"),
}


@pytest.mark.parametrize("name", MISTAKES_10_1)
def test_masking_mistakes_get_their_hint(name):
    fn, expected = MISTAKES_10_1[name]
    result = check_mask_updates(fn)
    assert not result.passed
    assert expected in str(result), str(result)


# --- 10.2 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("n, d, m", [(5, 1, 3), (12, 4, 20), (30, 10, 64), (3, 0, 1)])
def test_the_solution_matches_the_protocol(n, d, m):
    result = secure_aggregate(np.zeros((n, m)), threshold=n - d, dropped=list(range(d)), rng=0)
    assert solutions.round_bytes(n, d, m) == result.bytes


def test_correct_bytes_pass_however_written():
    def as_float(n_clients, n_dropped, dimension):
        k = n_clients - n_dropped
        return float(64 * n_clients * (1 + n_clients) + 208 * n_clients * (n_clients - 1)
                     + 8 * dimension * k + 40 * n_clients * k + 4 * k * k)
    for fn in (solutions.round_bytes, as_float):
        result = check_round_bytes(fn)
        assert result.passed, result
        assert "3,818,000 bytes" in result.message


def _parts(n, d, m):
    k = n - d
    return dict(adv_up=64 * n, adv_down=64 * n * n, share=104 * n * (n - 1), masked=8 * m * k,
                un_up=40 * n * k, un_down=4 * k * k, k=k)


def _total(p, **changes):
    p = {**p, **changes}
    return (p["adv_up"] + p["adv_down"] + 2 * p["share"] + p["masked"] + p["un_up"]
            + p["un_down"])


MISTAKES_10_2 = {
    "uploads only": (lambda n, d, m: (lambda p: p["adv_up"] + p["share"] + p["masked"]
                                      + p["un_up"])(_parts(n, d, m)), "sends down too"),
    "everyone masks": (lambda n, d, m: _total(_parts(n, d, m), masked=8 * m * n),
                       "Only the survivors send a masked input"),
    "bundles once": (lambda n, d, m: _total(_parts(n, d, m)) - 104 * n * (n - 1),
                     "Each share bundle travels twice"),
    "key list once": (lambda n, d, m: _total(_parts(n, d, m), adv_down=64 * n),
                      "the list of all n clients' public keys"),
    "all unmask": (lambda n, d, m: _total(_parts(n, d, m), un_up=40 * n * n, un_down=4 * n * n),
                   "Only the k survivors answer"),
    "bits": (lambda n, d, m: 8 * solutions.round_bytes(n, d, m), "looks like bits"),
    "text": (lambda n, d, m: "many", "a whole number of bytes"),
    "library": (lambda n, d, m: secure_aggregate(np.zeros((n, m)), threshold=n - d,
                                                 dropped=list(range(d)), rng=0).bytes,
                "library's own answer"),
}


@pytest.mark.parametrize("name", MISTAKES_10_2)
def test_bytes_mistakes_get_their_hint(name):
    fn, expected = MISTAKES_10_2[name]
    result = check_round_bytes(fn)
    assert not result.passed
    assert expected in str(result), str(result)


def test_checks_refuse_non_functions():
    with pytest.raises(TypeError, match="`fn`"):
        check_mask_updates(42)
    with pytest.raises(TypeError, match="`fn`"):
        check_round_bytes("round_bytes")


# --- properties of the reference solutions ---------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 7), m=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_solution_masks_cancel_exactly_for_any_clients(n, m, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2**64, size=(n, m), dtype=np.uint64)
    masks = rng.integers(0, 2**64, size=(n, n, m), dtype=np.uint64)
    masks = np.triu(np.ones((n, n), dtype=bool), 1)[..., None] * masks
    masks = masks + masks.transpose(1, 0, 2)
    y = solutions.mask_updates(x, masks)
    assert np.array_equal(np.sum(y, axis=0, dtype=np.uint64), np.sum(x, axis=0, dtype=np.uint64))


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 9), data=st.data())
def test_round_bytes_matches_the_protocol_at_every_dropout_count(n, data):
    d = data.draw(st.integers(0, n - 2))
    m = data.draw(st.integers(1, 6))
    result = secure_aggregate(np.zeros((n, m)), threshold=max(2, n - d), dropped=list(range(d)),
                              rng=0)
    assert solutions.round_bytes(n, d, m) == result.bytes
