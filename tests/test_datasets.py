"""Tests of ppml_lab.datasets.unit_rows: the per-row norm cap and its input checks."""

from __future__ import annotations

import numpy as np
import pytest

from ppml_lab.datasets import unit_rows


def test_unit_rows_caps_long_rows_and_keeps_short_ones():
    out = unit_rows([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]], max_norm=2.0)
    np.testing.assert_allclose(out, [[1.2, 1.6], [0.3, 0.4], [0.0, 0.0]])


def test_unit_rows_does_not_overflow_on_huge_rows():
    # squaring 3e200 overflows: the norm used to be inf and the row came back as zeros
    out = unit_rows([[3e200, 4e200]])
    np.testing.assert_allclose(out, [[0.6, 0.8]])


@pytest.mark.parametrize("max_norm, kind", [(-1.0, ValueError), (0.0, ValueError),
                                            (float("nan"), ValueError),
                                            (float("inf"), ValueError),
                                            (True, TypeError), ("1", TypeError)])
def test_unit_rows_refuses_a_bad_max_norm(max_norm, kind):
    with pytest.raises(kind, match="^`max_norm` must be a positive finite number"):
        unit_rows([[3.0, 4.0]], max_norm=max_norm)


@pytest.mark.parametrize("X, kind", [([3.0, 4.0], ValueError),               # 1-D
                                     (np.ones((2, 2, 2)), ValueError),       # 3-D
                                     ([[1j, 2.0]], TypeError),               # complex
                                     ([[np.inf, 1.0]], ValueError),          # inf row
                                     ([[np.nan, 1.0]], ValueError),
                                     ("ab", TypeError)])
def test_unit_rows_refuses_bad_features(X, kind):
    with pytest.raises(kind, match="^`X` must be"):
        unit_rows(X)


# --- the synthetic population of notebook 01 ------------------------------------------------------

from ppml_lab.datasets import (DIAGNOSES, POPULATION_ZIPS, REFERENCE_DATE,  # noqa: E402
                               Population, VoterList, age_on, hospital_records,
                               synthetic_population, voter_list)


def test_synthetic_population_is_deterministic_and_read_only():
    a, b = synthetic_population(rng=0), synthetic_population(rng=0)
    assert isinstance(a, Population) and len(a) == 100_000
    for column in ("person_id", "zip", "birth_date", "sex", "diagnosis"):
        assert np.array_equal(getattr(a, column), getattr(b, column))
        assert not getattr(a, column).flags.writeable
    assert not np.array_equal(a.birth_date, synthetic_population(rng=1).birth_date)


def test_synthetic_population_has_realistic_skew():
    people = synthetic_population()
    counts = np.array([np.sum(people.zip == z) for z in POPULATION_ZIPS])
    assert counts.max() / counts.min() > 8  # heavy-tailed ZIP populations (Zipf 0.8: about 11)
    ages = age_on(people.birth_date)
    assert ages.min() >= 0 and ages.max() <= 99
    # about a fifth under 18 and the old tail thin: flat to 60 years, then falling off
    assert 0.15 < np.mean(ages < 18) < 0.25 and np.mean(ages >= 80) < 0.05
    assert abs(np.mean(people.sex == "F") - 0.5) < 5 * 0.5 / np.sqrt(len(people))
    assert set(np.unique(people.diagnosis)) == set(DIAGNOSES)
    # chronic diagnoses grow with age
    old, young = ages >= 65, (ages >= 18) & (ages < 40)
    assert np.mean(people.diagnosis[old] == "hypertension") > 5 * np.mean(
        people.diagnosis[young] == "hypertension")
    assert np.all(people.birth_date < REFERENCE_DATE)


def test_age_on_counts_birthdays():
    dates = np.array(["2000-01-01", "2000-01-02", "2004-02-29"], dtype="datetime64[D]")
    assert age_on(dates, np.datetime64("2026-01-01")).tolist() == [26, 25, 21]
    assert age_on(dates[2:], np.datetime64("2005-03-01")).tolist() == [1]


def test_synthetic_population_is_fast_enough_for_a_notebook():
    import time

    start = time.perf_counter()
    synthetic_population(rng=5)
    assert time.perf_counter() - start < 5.0  # about 0.1 s; a generous bound, not a benchmark


def test_voter_list_holds_adults_with_the_same_quasi_identifiers():
    people = synthetic_population()
    voters = voter_list(people, fraction=0.6)
    assert isinstance(voters, VoterList)
    adults = int(np.sum(age_on(people.birth_date) >= 18))
    assert len(voters) == round(0.6 * adults)
    rows = voters.person_id  # ids are row numbers of the population
    assert np.array_equal(people.zip[rows], voters.zip)
    assert np.array_equal(people.birth_date[rows], voters.birth_date)
    assert np.array_equal(people.sex[rows], voters.sex)
    assert np.all(age_on(voters.birth_date) >= 18)
    assert len(np.unique(rows)) == len(rows)
    assert all(" " in name for name in voters.name[:20])
    assert voters["name"] is voters.name
    # sorted by ZIP code like a roll, so the order says nothing about the population's
    assert np.all(np.diff(voters.zip) >= 0)


def test_hospital_records_is_a_random_subset_without_names():
    people = synthetic_population()
    records = hospital_records(people, 0.3, rng=2)
    assert len(records) == 30_000 and "name" not in records.columns
    assert len(np.unique(records.person_id)) == 30_000
    assert np.array_equal(people.diagnosis[records.person_id], records.diagnosis)


@pytest.mark.parametrize("call, error, name", [
    (lambda: synthetic_population(0), ValueError, "n"),
    (lambda: synthetic_population(10**8), ValueError, "n"),
    (lambda: synthetic_population(100.0), TypeError, "n"),
    (lambda: voter_list(synthetic_population(100), fraction=0.0), ValueError, "fraction"),
    (lambda: voter_list(synthetic_population(100), fraction=1.5), ValueError, "fraction"),
    (lambda: voter_list([1, 2]), TypeError, "population"),
    (lambda: hospital_records(synthetic_population(100), fraction=-0.1), ValueError, "fraction"),
    (lambda: synthetic_population(100)["zipcode"], ValueError, "column"),
])
def test_bad_input_names_the_parameter(call, error, name):
    with pytest.raises(error, match=f"`{name}`"):
        call()
