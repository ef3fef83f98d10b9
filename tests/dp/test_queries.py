"""Tests of ppml_lab.dp.queries: count, sum, mean and histogram."""

from __future__ import annotations

import dataclasses
import inspect
import math
from datetime import datetime, timezone

import numpy as np
import pytest
from scipy import stats

from ppml_lab.dp import (BudgetAccountant, DPHistogram, LaplaceMechanism, dp_count,
                         dp_histogram, dp_mean, dp_sum)
from ppml_lab.exceptions import BudgetExceededError, PrivacyLeakWarning
from stat_checks import assert_counts_ratio_bounded, assert_ks

X = np.array([-5.0, 3.0, 12.0, 40.0, 200.0, 7.5])
BOUNDS = (0.0, 100.0)


# --------------------------------------------------------------------------------------------
# exact construction: each query is the Laplace mechanism at the stated sensitivity
# (common random numbers make the comparison exact)
# --------------------------------------------------------------------------------------------

def test_dp_count_is_laplace_with_sensitivity_one():
    for seed in range(5):
        expected = LaplaceMechanism(0.7, 1.0).release(float(len(X)), rng=seed)
        assert dp_count(X, epsilon=0.7, rng=seed) == expected


def test_dp_count_counts_rows_of_a_table():
    table = np.zeros((8, 3))
    assert dp_count(table, epsilon=1.0, rng=0) == LaplaceMechanism(1.0).release(8.0, rng=0)


def test_dp_count_ignores_the_values():
    # NaN in a row does not matter: only the number of examples is released
    assert dp_count([np.nan, 1.0, np.inf], epsilon=1.0, rng=0) == dp_count([0, 0, 0], epsilon=1.0,
                                                                           rng=0)


@pytest.mark.parametrize("bounds, sensitivity", [((0, 100), 100.0), ((-3, 2), 3.0),
                                                 ((1900, 2020), 2020.0), ((-50, -10), 50.0)])
def test_dp_sum_clips_and_uses_max_abs_bound_as_sensitivity(bounds, sensitivity):
    clipped_sum = float(np.clip(X, *bounds).sum())
    for seed in range(3):
        expected = LaplaceMechanism(0.5, sensitivity).release(clipped_sum, rng=seed)
        assert dp_sum(X, epsilon=0.5, bounds=bounds, rng=seed) == pytest.approx(expected,
                                                                                rel=1e-12)


def test_dp_sum_clipping_values():
    # with a huge epsilon the noise is negligible and the clipping shows
    total = dp_sum(X, epsilon=1e9, bounds=BOUNDS, rng=0)
    assert total == pytest.approx(0 + 3 + 12 + 40 + 100 + 7.5, abs=1e-5)


def test_dp_mean_is_midpoint_plus_noisy_centred_sum_over_noisy_count():
    epsilon, (lower, upper) = 2.0, (0.0, 50.0)
    mid, half = 25.0, 25.0
    x = np.random.default_rng(0).uniform(-10, 60, size=500)
    gen = np.random.default_rng(3)
    noisy_sum = LaplaceMechanism(epsilon / 2, half).release(np.sum(np.clip(x, lower, upper) - mid),
                                                            rng=gen)
    noisy_n = LaplaceMechanism(epsilon / 2, 1.0).release(float(x.size), rng=gen)
    expected = mid + noisy_sum / noisy_n
    assert dp_mean(x, epsilon=epsilon, bounds=(lower, upper), rng=3) == pytest.approx(expected,
                                                                                      rel=1e-12)


def test_dp_mean_clipping_values():
    assert dp_mean(X, epsilon=1e9, bounds=BOUNDS, rng=0) == pytest.approx(162.5 / 6, abs=1e-5)


def test_dp_mean_stays_within_bounds_when_n_is_tiny():
    for seed in range(200):
        m = dp_mean([5.0], epsilon=0.01, bounds=(0, 10), rng=seed)
        assert 0.0 <= m <= 10.0
    assert 0.0 <= dp_mean([], epsilon=0.1, bounds=(0, 10), rng=0) <= 10.0


def test_dp_histogram_counts_and_edges():
    hist = dp_histogram(X, epsilon=1e9, bins=4, bounds=BOUNDS, rng=0)
    np.testing.assert_allclose(hist.edges, [0, 25, 50, 75, 100])
    # -5 clipped into the first bin, 200 into the last
    np.testing.assert_allclose(hist.counts, [4, 1, 0, 1], atol=1e-6)


def test_dp_histogram_is_laplace_on_the_clipped_counts():
    true_counts, _ = np.histogram(np.clip(X, 0, 100), bins=np.linspace(0, 100, 6))
    expected = LaplaceMechanism(0.3).release(true_counts.astype(float), rng=8)
    hist = dp_histogram(X, epsilon=0.3, bins=5, bounds=BOUNDS, rng=8)
    np.testing.assert_array_equal(hist.counts, expected)
    assert hist.scale == pytest.approx(1 / 0.3) and hist.epsilon == 0.3
    assert hist.std == pytest.approx(math.sqrt(2) / 0.3)


def test_dp_histogram_with_edges():
    counts, edges = dp_histogram(X, epsilon=1e9, bins=[0, 10, 50, 1000], rng=0)
    np.testing.assert_array_equal(edges, [0, 10, 50, 1000])
    np.testing.assert_allclose(counts, [3, 2, 1], atol=1e-6)  # -5 -> 0, 200 stays


def test_dp_histogram_value_on_the_upper_bound_lands_in_the_last_bin():
    counts, _ = dp_histogram([100.0, 0.0], epsilon=1e9, bins=2, bounds=(0, 100), rng=0)
    np.testing.assert_allclose(counts, [1, 1], atol=1e-6)


def test_dp_histogram_result_is_a_frozen_record_that_unpacks():
    hist = dp_histogram(X, epsilon=1.0, bins=3, bounds=BOUNDS, rng=0)
    assert isinstance(hist, DPHistogram)
    counts, edges = hist
    assert counts is hist.counts and edges is hist.edges
    with pytest.raises(dataclasses.FrozenInstanceError):
        hist.epsilon = 2.0
    assert "DPHistogram(counts=" in repr(hist)


# --------------------------------------------------------------------------------------------
# statistics: noise scale and unbiasedness
# --------------------------------------------------------------------------------------------

def test_dp_histogram_noise_is_laplace_of_scale_one_over_epsilon():
    epsilon = 0.5
    x = np.random.default_rng(1).uniform(0, 1, size=20_000)
    hist = dp_histogram(x, epsilon=epsilon, bins=20_000, bounds=(0, 1), rng=2)
    true_counts, _ = np.histogram(x, bins=hist.edges)
    noise = hist.counts - true_counts
    assert_ks(noise, stats.laplace(scale=1 / epsilon).cdf)
    with pytest.raises(AssertionError):  # half the noise would be caught
        assert_ks(noise, stats.laplace(scale=0.5 / epsilon).cdf)


def test_dp_count_and_sum_are_unbiased():
    reps = 4000
    gen = np.random.default_rng(30)
    counts = np.array([dp_count(X, epsilon=0.5, rng=gen) for _ in range(reps)])
    sums = np.array([dp_sum(X, epsilon=0.5, bounds=BOUNDS, rng=gen) for _ in range(reps)])
    count_sd = math.sqrt(2) / 0.5
    sum_sd = math.sqrt(2) * 100 / 0.5
    assert abs(counts.mean() - len(X)) < 5 * count_sd / math.sqrt(reps)
    assert abs(sums.mean() - 162.5) < 5 * sum_sd / math.sqrt(reps)
    # the spread matches the Laplace variance: for Laplace data s^2 / sigma^2 has
    # standard deviation sqrt((mu4 / sigma^4 - 1) / n) = sqrt(5 / n)
    assert abs(counts.var(ddof=1) / count_sd**2 - 1) < 5 * math.sqrt(5 / reps)
    assert abs(sums.var(ddof=1) / sum_sd**2 - 1) < 5 * math.sqrt(5 / reps)


def test_dp_mean_is_nearly_unbiased_for_large_n():
    x = np.random.default_rng(31).uniform(20, 60, size=2000)
    reps = 3000
    gen = np.random.default_rng(32)
    means = np.array([dp_mean(x, epsilon=0.5, bounds=(0, 100), rng=gen) for _ in range(reps)])
    # the documented approximate standard deviation
    sd = 2 * math.sqrt(2) / (0.5 * x.size) * math.sqrt(50**2 + (x.mean() - 50) ** 2)
    assert abs(means.mean() - x.mean()) < 5 * sd / math.sqrt(reps)
    assert 0.9 < means.std(ddof=1) / sd < 1.1


def test_dp_sum_empirical_dp_inequality_on_neighbours():
    # D and D' = D + one example at the upper bound (the worst case)
    epsilon, reps = 1.0, 20_000
    gen = np.random.default_rng(33)
    d = [1.0, 2.0, 3.0]
    a = np.array([dp_sum(d, epsilon=epsilon, bounds=(0, 10), rng=gen) for _ in range(reps)])
    b = np.array([dp_sum(d + [10.0], epsilon=epsilon, bounds=(0, 10), rng=gen)
                  for _ in range(reps)])
    bins = np.linspace(-40, 60, 41)
    ca, _ = np.histogram(a, bins)
    cb, _ = np.histogram(b, bins)
    assert assert_counts_ratio_bounded(ca, cb, epsilon, min_cells=10) >= 10


# --------------------------------------------------------------------------------------------
# bounds=None: the leak is announced
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [dp_sum, dp_mean, dp_histogram])
def test_bounds_from_the_data_raise_a_privacy_leak_warning(query):
    with pytest.warns(PrivacyLeakWarning, match=r"`bounds` were not given.*minimum and maximum"
                                                r".*leaks.*Pass bounds .*without looking at"):
        query(X, epsilon=1.0, rng=0)


def test_bounds_from_the_data_are_its_min_and_max():
    with pytest.warns(PrivacyLeakWarning):
        implicit = dp_sum(X, epsilon=1.0, rng=4)
    assert implicit == dp_sum(X, epsilon=1.0, bounds=(X.min(), X.max()), rng=4)
    with pytest.warns(PrivacyLeakWarning):
        hist = dp_histogram(X, epsilon=1.0, bins=3, rng=4)
    np.testing.assert_allclose(hist.edges, np.linspace(-5, 200, 4))


def test_the_warning_points_at_the_callers_line():
    with pytest.warns(PrivacyLeakWarning) as record:
        dp_mean(X, epsilon=1.0, rng=0)
    assert record[0].filename == __file__


def test_the_warning_does_not_print_the_data():
    with pytest.warns(PrivacyLeakWarning) as record:
        dp_sum([123456.789, 1.0], epsilon=1.0, rng=0)
    assert "123456" not in str(record[0].message)


def test_no_warning_when_bounds_are_given():
    # filterwarnings in pyproject.toml turns a PrivacyLeakWarning into an error
    dp_sum(X, epsilon=1.0, bounds=BOUNDS, rng=0)
    dp_mean(X, epsilon=1.0, bounds=BOUNDS, rng=0)
    dp_histogram(X, epsilon=1.0, bounds=BOUNDS, rng=0)
    dp_histogram(X, epsilon=1.0, bins=[0, 50, 100], rng=0)


@pytest.mark.parametrize("query", [dp_sum, dp_mean, dp_histogram])
def test_bounds_from_constant_data_are_refused(query):
    with pytest.warns(PrivacyLeakWarning), \
            pytest.raises(ValueError, match=r"`x` must be at least two distinct values when "
                                            r"bounds=None .*; got values that are all equal"):
        query([3.0, 3.0], epsilon=1.0, rng=0)


# --------------------------------------------------------------------------------------------
# empty data
# --------------------------------------------------------------------------------------------

def test_empty_data_gets_a_noisy_answer():
    # an empty dataset is a neighbour of a one-example dataset: refusing it would leak
    assert dp_count([], epsilon=1.0, rng=0) == LaplaceMechanism(1.0).release(0.0, rng=0)
    assert dp_sum([], epsilon=1.0, bounds=BOUNDS, rng=0) == LaplaceMechanism(1.0, 100.0).release(
        0.0, rng=0)
    counts, _ = dp_histogram([], epsilon=1.0, bins=3, bounds=BOUNDS, rng=0)
    np.testing.assert_array_equal(counts, LaplaceMechanism(1.0).release(np.zeros(3), rng=0))


@pytest.mark.parametrize("query", [dp_sum, dp_mean, dp_histogram])
def test_empty_data_without_bounds_is_a_clear_error(query):
    with pytest.raises(ValueError, match=r"`bounds` must be given when `x` is empty .*; got None\. "
                                         r"Pass bounds"):
        query([], epsilon=1.0, rng=0)


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------

QUERIES = {
    "count": lambda **kw: dp_count(X, **kw),
    "sum": lambda **kw: dp_sum(X, bounds=BOUNDS, **kw),
    "mean": lambda **kw: dp_mean(X, bounds=BOUNDS, **kw),
    "histogram": lambda **kw: dp_histogram(X, bounds=BOUNDS, **kw),
}


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
@pytest.mark.parametrize("epsilon, kind", [(0, ValueError), (-1.0, ValueError),
                                           (float("nan"), ValueError), (float("inf"), ValueError),
                                           (True, TypeError), ("1", TypeError), (None, TypeError)])
def test_bad_epsilon_is_rejected(query, epsilon, kind):
    with pytest.raises(kind, match=r"`epsilon` must be a positive finite number; got "):
        query(epsilon=epsilon, rng=0)


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_epsilon_is_keyword_only(query):
    with pytest.raises(TypeError):
        dp_count(X, 1.0)
    with pytest.raises(TypeError):
        query()


@pytest.mark.parametrize("query", [dp_sum, dp_mean, dp_histogram])
@pytest.mark.parametrize("bounds, kind, match", [
    ((5, 5), ValueError, r"`bounds` must be a pair \(lower, upper\) .* lower < upper; "
                         r"got \(5, 5\)"),
    ((10, 0), ValueError, r"`bounds` must be a pair .*; got \(10, 0\)"),
    ((0, 1, 2), ValueError, r"`bounds` must be a pair .*; got \(0, 1, 2\)"),
    ((1,), ValueError, r"`bounds` must be a pair .*; got \(1,\)"),
    ((0, float("nan")), ValueError, r"`bounds\[1\]` must be a finite real number; got nan"),
    ((float("-inf"), 0), ValueError, r"`bounds\[0\]` must be a finite real number; got -inf"),
    ((0, True), TypeError, r"`bounds\[1\]` must be a finite real number; got True"),
    ("0,1", TypeError, r"`bounds` must be a pair .*; got '0,1'"),
    (10, TypeError, r"`bounds` must be a pair .*; got 10"),
])
def test_bad_bounds_are_rejected(query, bounds, kind, match):
    with pytest.raises(kind, match=match):
        query(X, epsilon=1.0, bounds=bounds, rng=0)


@pytest.mark.parametrize("query", [dp_sum, dp_mean, dp_histogram])
@pytest.mark.parametrize("x, kind, match", [
    ([1.0, float("nan")], ValueError, r"`x` must be free of NaN and infinite values; got 1 "),
    ([[1.0, 2.0]], ValueError, r"`x` must be a 1-dimensional array; got an array of shape"),
    (5.0, ValueError, r"`x` must be a 1-dimensional array; got an array of shape \(\)"),
    ([True, False], TypeError, r"`x` must be array-like of numbers \(not booleans\); got"),
    (["a"], TypeError, r"`x` must be array-like of numbers; got"),
])
def test_bad_data_is_rejected(query, x, kind, match):
    with pytest.raises(kind, match=match):
        query(x, epsilon=1.0, bounds=BOUNDS, rng=0)


def test_dp_count_explains_that_a_mask_is_not_a_selection():
    with pytest.raises(TypeError, match=r"`x` must be array-like of numbers \(not booleans\); "
                                        r"got .*pass x\[condition\], not the mask"):
        dp_count(X > 10, epsilon=1.0, rng=0)
    with pytest.raises(ValueError, match=r"`x` must be a 1 or 2-dimensional array; got"):
        dp_count(3.0, epsilon=1.0, rng=0)


@pytest.mark.parametrize("bins, kind, match", [
    (0, ValueError, r"`bins` must be an integer in \[1, 10000000\]; got 0"),
    (-2, ValueError, r"`bins` must be an integer in \[1, 10000000\]; got -2"),
    (2.5, TypeError, r"`bins` must be a number of bins or .*; got 2\.5"),
    (True, TypeError, r"`bins` must be a number of bins or .*; got True"),
    ([1.0], ValueError, r"`bins` must be a number of bins or at least two strictly increasing"),
    ([0, 5, 5], ValueError, r"`bins` must be .* strictly increasing bin edges; got"),
    ([0, np.nan], ValueError, r"`bins` must be free of NaN"),
    ("auto", TypeError, r"`bins` must be array-like of numbers; got 'auto'"),
])
def test_bad_bins_are_rejected(bins, kind, match):
    with pytest.raises(kind, match=match):
        dp_histogram(X, epsilon=1.0, bins=bins, bounds=BOUNDS, rng=0)


def test_bins_as_edges_and_bounds_together_are_refused():
    with pytest.raises(ValueError, match=r"`bounds` must be None when `bins` gives the bin edges"
                                         r".*; got \(0, 100\)"):
        dp_histogram(X, epsilon=1.0, bins=[0, 50, 100], bounds=(0, 100), rng=0)


# --------------------------------------------------------------------------------------------
# rng
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_same_seed_same_answer_and_generator_passthrough(query):
    # repr compares floats and DPHistogram records alike, digit for digit
    assert repr(query(epsilon=1.0, rng=5)) == repr(query(epsilon=1.0, rng=5))
    assert repr(query(epsilon=1.0, rng=np.random.SeedSequence(5))) == repr(
        query(epsilon=1.0, rng=np.random.SeedSequence(5)))
    gen = np.random.default_rng(5)
    a, b = query(epsilon=1.0, rng=gen), query(epsilon=1.0, rng=gen)
    assert repr(a) != repr(b)
    assert repr(query(epsilon=1.0, rng=np.random.default_rng(5))) == repr(a)


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_random_state_is_refused(query):
    with pytest.raises(TypeError, match=r"`rng` must be .*; got .*RandomState is the legacy API"):
        query(epsilon=1.0, rng=np.random.RandomState(0))


# --------------------------------------------------------------------------------------------
# accountant=: the query's epsilon is spent before any noise is drawn (notebook 04)
# --------------------------------------------------------------------------------------------

def _ledger(epsilon: float = 10.0) -> BudgetAccountant:
    return BudgetAccountant(epsilon, clock=lambda: datetime(2024, 5, 1, tzinfo=timezone.utc))


@pytest.mark.parametrize("name", QUERIES)
def test_a_query_spends_its_epsilon_once_and_releases_the_same_answer(name):
    query = QUERIES[name]
    ledger = _ledger()
    with_ledger = query(epsilon=0.7, rng=3, accountant=ledger)
    assert repr(with_ledger) == repr(query(epsilon=0.7, rng=3))  # the noise is unchanged
    (entry,) = ledger.history
    assert (entry.label, entry.epsilon, entry.delta) == (f"dp_{name}", 0.7, 0.0)


@pytest.mark.parametrize("name", QUERIES)
def test_a_refused_query_draws_no_noise_and_releases_nothing(name):
    query = QUERIES[name]
    ledger = _ledger(1.0)
    ledger.spend(0.5, label="earlier")
    before = ledger.to_json()
    gen = np.random.default_rng(7)
    state = gen.bit_generator.state
    with pytest.raises(BudgetExceededError, match=r"^spending epsilon=0\.6 would exceed the "
                                                  r"remaining budget \(0\.5 of 1\.0\); use a "
                                                  r"smaller epsilon or a new BudgetAccountant\.$"):
        query(epsilon=0.6, rng=gen, accountant=ledger)
    assert gen.bit_generator.state == state
    assert ledger.to_json() == before


@pytest.mark.parametrize("name", QUERIES)
def test_a_query_that_fails_validation_spends_nothing(name):
    query = QUERIES[name]
    ledger = _ledger()
    with pytest.raises(ValueError):
        query(epsilon=-1.0, rng=0, accountant=ledger)
    with pytest.raises(ValueError, match=r"`epsilon` must be a number in \[1e-100, "):
        query(epsilon=1e-320, rng=0, accountant=ledger)  # out of range: infinite noise
    assert ledger.history == ()


@pytest.mark.parametrize("query", [dp_sum, dp_mean, dp_histogram])
def test_bad_bounds_spend_nothing(query):
    ledger = _ledger()
    with pytest.raises(ValueError, match=r"`bounds`"):
        query(X, epsilon=1.0, bounds=(5, 5), rng=0, accountant=ledger)
    assert ledger.history == ()


def test_queries_fill_a_budget_exactly():
    ledger = _ledger(1.0)
    dp_count(X, epsilon=0.1, rng=0, accountant=ledger)
    dp_sum(X, epsilon=0.2, bounds=BOUNDS, rng=0, accountant=ledger)
    dp_mean(X, epsilon=0.7, bounds=BOUNDS, rng=0, accountant=ledger)
    assert ledger.remaining.epsilon == 0.0
    with pytest.raises(BudgetExceededError):
        dp_histogram(X, epsilon=1e-12, bounds=BOUNDS, rng=0, accountant=ledger)


def test_queries_on_disjoint_parts_in_a_parallel_block():
    ledger = _ledger(1.0)
    regions = {"north": X[:3], "south": X[3:]}
    with ledger.parallel(label="count per region") as block:
        counts = {name: dp_count(part, epsilon=1.0, rng=0, accountant=block.partition(name))
                  for name, part in regions.items()}
    assert counts["north"] == dp_count(X[:3], epsilon=1.0, rng=0)
    assert ledger.spent.epsilon == 1.0
    assert [p.label for p in ledger.history[0].parts] == ["dp_count", "dp_count"]


@pytest.mark.parametrize("name", QUERIES)
@pytest.mark.parametrize("accountant", [1.0, "ledger", object()])
def test_something_that_is_not_an_accountant_is_refused_before_any_noise(name, accountant):
    gen = np.random.default_rng(7)
    state = gen.bit_generator.state
    with pytest.raises(TypeError, match=r"`accountant` must be a BudgetAccountant, a parallel "
                                        r"block of one, or None; got .* Create a ledger"):
        QUERIES[name](epsilon=1.0, rng=gen, accountant=accountant)
    assert gen.bit_generator.state == state


@pytest.mark.parametrize("name", QUERIES)
def test_accountant_is_keyword_only_and_defaults_to_none(name):
    query = {"count": dp_count, "sum": dp_sum, "mean": dp_mean, "histogram": dp_histogram}[name]
    parameter = inspect.signature(query).parameters["accountant"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY and parameter.default is None
