"""Exercises 09.1 and 09.2 (secret sharing): solutions pass, typical mistakes get their hint."""

from __future__ import annotations

import numpy as np
import pytest

from ppml_lab.exercises import (check_additive_shares, check_lagrange_at_zero, get_exercise,
                                list_exercises, solutions)
from ppml_lab.secret_sharing import additive_share, shamir_combine, shamir_split


def test_the_two_exercises_are_registered():
    assert [e.id for e in list_exercises(9)] == ["09.1", "09.2"]
    assert get_exercise("09.1").check_call == "check_additive_shares(additive_shares)"
    assert get_exercise("09.2").check_call == "check_lagrange_at_zero(lagrange_at_zero)"


def test_starters_are_not_attempted(starter_namespace):
    for exercise_id, check in (("09.1", check_additive_shares), ("09.2", check_lagrange_at_zero)):
        names = starter_namespace(exercise_id)
        fn = names[get_exercise(exercise_id).check_call.split("(")[1].rstrip(")")]
        result = check(fn)
        assert not result.passed and not result.attempted


# --- 09.1 ----------------------------------------------------------------------------------------

def shares_python_ints(secret, n_shares, rng):
    others = [int(v) for v in rng.integers(0, 2**64, size=n_shares - 1, dtype=np.uint64)]
    return others + [(secret - sum(others)) % 2**64]


def shares_first_is_last(secret, n_shares, rng):
    shares = rng.integers(0, 2**64, size=n_shares, dtype=np.uint64)
    shares[0] = (secret - sum(int(s) for s in shares[1:])) % 2**64
    return shares


@pytest.mark.parametrize("fn", [solutions.additive_shares, shares_python_ints,
                                shares_first_is_last])
def test_correct_sharing_passes_however_written(fn):
    result = check_additive_shares(fn)
    assert result.passed, result
    assert "uniform over the whole ring" in result.message


def test_the_solution_reconstructs_like_the_library():
    rng = np.random.default_rng(0)
    shares = solutions.additive_shares(2**63 + 17, 4, rng)
    assert sum(int(s) for s in shares) % 2**64 == 2**63 + 17
    library = additive_share(np.array(2**63 + 17, dtype=np.uint64), 4, rng=0)
    assert sum(int(s.value) for s in library) % 2**64 == 2**63 + 17


MISTAKES_09_1 = {
    "half the ring": (lambda secret, n_shares, rng: np.array(
        [*(o := [int(v) for v in rng.integers(0, 2**63, size=n_shares - 1)]),
         (secret - sum(o)) % 2**64], dtype=np.uint64), "upper half of the ring"),
    "secret to one party": (lambda secret, n_shares, rng: np.array([secret] + [0] * (n_shares - 1),
                                                                   dtype=np.uint64),
                            "same shares more than once"),
    "no modulo": (lambda secret, n_shares, rng: [*(o := [int(v) for v in rng.integers(
        0, 2**64, size=n_shares - 1, dtype=np.uint64)]), secret - sum(o)], "Reduce the last"),
    "floats": (lambda secret, n_shares, rng: rng.random(n_shares), "not floats"),
    "wrong sum": (lambda secret, n_shares, rng: rng.integers(0, 2**64, size=n_shares,
                                                            dtype=np.uint64), "add up to"),
    "too few": (lambda secret, n_shares, rng: np.array([secret], dtype=np.uint64), "one per party"),
    "library": (lambda secret, n_shares, rng: [s.value for s in additive_share(
        np.array(secret, dtype=np.uint64), n_shares, rng=rng)], "library's own answer"),
}


@pytest.mark.parametrize("name", MISTAKES_09_1)
def test_additive_mistakes_get_their_hint(name):
    fn, expected = MISTAKES_09_1[name]
    result = check_additive_shares(fn)
    assert not result.passed
    assert expected in str(result), str(result)


# --- 09.2 ----------------------------------------------------------------------------------------

def lagrange_coefficient_list(xs, ys, p):
    total = 0
    for i, xi in enumerate(xs):
        weight = 1
        for j, xj in enumerate(xs):
            if j != i:
                weight = weight * xj * pow(xj - xi, p - 2, p) % p  # Fermat's inverse
        total += ys[i] * weight
    return total % p


@pytest.mark.parametrize("fn", [solutions.lagrange_at_zero, lagrange_coefficient_list])
def test_correct_interpolation_passes_however_written(fn):
    result = check_lagrange_at_zero(fn)
    assert result.passed, result


def test_the_solution_agrees_with_shamir_combine():
    shares = shamir_split(np.array(987654321, dtype=np.uint64), 5, 3, rng=0)
    chosen = shares[1:4]
    value = solutions.lagrange_at_zero([s.index for s in chosen], [int(s.value) for s in chosen],
                                       2**61 - 1)
    assert value == int(shamir_combine(chosen)) == 987654321


def _float_division(xs, ys, p):
    total = 0.0
    for i, xi in enumerate(xs):
        w = 1.0
        for j, xj in enumerate(xs):
            if j != i:
                w *= -xj / (xi - xj)
        total += ys[i] * w
    return total % p


def _not_reduced(xs, ys, p):
    return solutions.lagrange_at_zero(xs, ys, p) + p


MISTAKES_09_2 = {
    "float division": (_float_division, "pow(den, -1, p)"),
    "not reduced": (_not_reduced, "`% p`"),
    "sum of ys": (lambda xs, ys, p: sum(ys) % p, "the secret is 5"),
    "library": (lambda xs, ys, p: int(shamir_combine(shamir_split(np.array(5, dtype=np.uint64), 3,
                                                                  2, rng=0))),
                "library's own answer"),
}


@pytest.mark.parametrize("name", MISTAKES_09_2)
def test_lagrange_mistakes_get_their_hint(name):
    fn, expected = MISTAKES_09_2[name]
    result = check_lagrange_at_zero(fn)
    assert not result.passed
    assert expected in str(result), str(result)


def test_check_refuses_non_functions():
    with pytest.raises(TypeError, match="`fn`"):
        check_additive_shares(42)
