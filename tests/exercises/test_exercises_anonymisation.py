"""Exercises 01.1 and 01.2 (who is unique; reconstruct secret bits): checks and hints."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from ppml_lab.attacks import reconstruct, uniqueness
from ppml_lab.exercises.anonymisation import EXERCISES, check_reconstruct_bits, check_unique_share
from ppml_lab.exercises.solutions import reconstruct_bits, unique_share


def unique_numpy(zip_codes, birth_dates, sexes):
    key = np.stack([zip_codes, birth_dates.astype(int), sexes == "M"], axis=1)
    _, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    return np.mean(counts[inverse.ravel()] == 1)


def unique_counter(zip_codes, birth_dates, sexes):
    people = list(zip(zip_codes, birth_dates, sexes))
    counts = Counter(people)
    return sum(1 for p in people if counts[p] == 1) / len(people)


@pytest.mark.parametrize("fn", [unique_share, unique_numpy, unique_counter])
def test_correct_unique_shares_pass(fn):
    result = check_unique_share(fn)
    assert result.passed, result


@pytest.mark.parametrize("fn, hint", [
    (lambda z, b, s: len(set(zip(z.tolist(), b.tolist(), s.tolist()))) / len(z),
     "distinct combinations"),
    (lambda z, b, s: 1 - unique_share(z, b, s), "*not* unique"),
    (lambda z, b, s: unique_share(z, b, s) * len(z), "divide by the number of people"),
    (lambda z, b, s: 100 * unique_share(z, b, s), "percentage"),
    (lambda z, b, s: unique_share(z, b, np.zeros(len(z))), "sex too"),
    (lambda z, b, s: unique_share(z, np.zeros(len(z)), s), "birth date too"),
])
def test_unique_share_mistakes_get_their_hint(fn, hint):
    result = check_unique_share(fn)
    assert not result.passed and hint in result.hint


def test_unique_share_refuses_the_library():
    from ppml_lab.datasets import Population

    def cheat(zip_codes, birth_dates, sexes):
        n = len(zip_codes)
        table = Population(np.arange(n), zip_codes, birth_dates, sexes, np.full(n, "none"))
        return uniqueness(table)

    result = check_unique_share(cheat)
    assert not result.passed and "calls `ppml_lab.attacks.uniqueness`" in result.message


def test_unique_share_starter_is_not_attempted():
    def starter(zip_codes, birth_dates, sexes):
        ...

    result = check_unique_share(starter)
    assert not result.attempted and result.hint is None or "not attempted" in str(result)


@pytest.mark.parametrize("fn", [
    reconstruct_bits,
    lambda q, a: np.round(np.clip(np.linalg.pinv(q) @ a, 0, 1)).astype(int),
    lambda q, a: list(reconstruct_bits(q, a)),
    lambda q, a: (np.linalg.solve(q.T @ q, q.T @ a) > 0.5).astype(bool),
])
def test_correct_reconstructions_pass(fn):
    result = check_reconstruct_bits(fn)
    assert result.passed, result


@pytest.mark.parametrize("fn, hint", [
    (lambda q, a: np.linalg.lstsq(q, a, rcond=None)[0], "round each entry at 1/2"),
    (lambda q, a: (a > np.median(a)).astype(int), "one entry per column"),
    (lambda q, a: np.zeros(q.shape[1], dtype=int), "coin toss"),
])
def test_reconstruction_mistakes_get_their_hint(fn, hint):
    result = check_reconstruct_bits(fn)
    assert not result.passed and hint in (result.hint or "")


def test_reconstruction_refuses_the_library():
    result = check_reconstruct_bits(lambda q, a: reconstruct(q, a))
    assert not result.passed and "ppml_lab.attacks.reconstruct" in result.message


def test_exercises_are_numbered_for_notebook_01():
    assert [e.id for e in EXERCISES] == ["01.1", "01.2"]
    assert all(e.notebook == "01" for e in EXERCISES)
    assert "def unique_share(zip_codes" in EXERCISES[0].starter
    assert "..." in EXERCISES[1].starter


def test_bad_answer_kind_is_a_type_error():
    with pytest.raises(TypeError, match="`fn`"):
        check_unique_share(0.87)
