"""Tests of ppml_lab.dp.composition.

The optimal composition is checked three ways: at the points of Kairouz, Oh
and Viswanath's Theorem 3.3 (their sum, written out directly), against
dp-accounting's privacy loss distribution of the same k-fold (epsilon, delta)
composition, and against the basic and advanced theorems it must beat.
"""

from __future__ import annotations

import dataclasses
import math
from math import comb

import numpy as np
import pytest
from dp_accounting.pld import common, privacy_loss_distribution
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from ppml_lab.dp import (PrivacyGuarantee, advanced_composition, basic_composition,
                         optimal_composition, parallel_composition)

FIXED = settings(derandomize=True, deadline=None, max_examples=40)


# --------------------------------------------------------------------------------------------
# PrivacyGuarantee, basic and parallel composition
# --------------------------------------------------------------------------------------------

def test_guarantee_is_a_frozen_unpackable_record():
    g = PrivacyGuarantee(1.5, 1e-5)
    assert repr(g) == "PrivacyGuarantee(epsilon=1.5, delta=1e-05)"
    epsilon, delta = g
    assert (epsilon, delta) == (1.5, 1e-5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.epsilon = 2.0  # type: ignore[misc]
    assert PrivacyGuarantee(0.0).delta == 0.0


@pytest.mark.parametrize("kwargs, match", [({"epsilon": -1.0}, "`epsilon`"),
                                           ({"epsilon": math.nan}, "`epsilon`"),
                                           ({"epsilon": 1.0, "delta": 1.5}, "`delta`"),
                                           ({"epsilon": 1.0, "delta": -1e-9}, "`delta`")])
def test_guarantee_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PrivacyGuarantee(**kwargs)


def test_basic_composition_sums_exactly():
    assert basic_composition([0.1, 0.2, 0.7]) == PrivacyGuarantee(1.0, 0.0)
    assert basic_composition([0.1] * 10, [1e-6] * 10).epsilon == 1.0
    assert basic_composition([0.1] * 10, [1e-6] * 10).delta == pytest.approx(1e-5, rel=1e-12)


def test_one_mechanism_is_the_identity():
    assert basic_composition([0.7], [1e-6]) == PrivacyGuarantee(0.7, 1e-6)
    assert parallel_composition([0.7], [1e-6]) == PrivacyGuarantee(0.7, 1e-6)
    assert optimal_composition(0.7, 1e-6, k=1, delta_prime=0.0) == PrivacyGuarantee(0.7, 1e-6)


def test_parallel_composition_takes_the_worst_part():
    assert parallel_composition([0.5, 1.0, 0.25], [0.0, 1e-6, 1e-5]) == PrivacyGuarantee(1.0, 1e-5)


@pytest.mark.parametrize("function", [basic_composition, parallel_composition])
@pytest.mark.parametrize("epsilons, deltas, error, match", [
    ([], None, ValueError, "`epsilons` must be non-empty"),
    ([0.5, -0.1], None, ValueError, "`epsilons` must be non-negative"),
    ([0.5, math.nan], None, ValueError, "`epsilons`"),
    ("0.5", None, TypeError, "`epsilons`"),
    ([0.5, 0.5], [1e-6], ValueError, "`deltas` must be as long as `epsilons`"),
    ([0.5], [1.0], ValueError, r"`deltas` must be numbers in \[0, 1\)"),
    ([0.5], [-1e-6], ValueError, "`deltas`"),
])
def test_lists_are_checked(function, epsilons, deltas, error, match):
    with pytest.raises(error, match=match):
        function(epsilons, deltas)


# --------------------------------------------------------------------------------------------
# Advanced composition
# --------------------------------------------------------------------------------------------

def test_advanced_composition_formula():
    epsilon, delta, k, delta_prime = 0.1, 1e-7, 100, 1e-5
    g = advanced_composition(epsilon, delta, k, delta_prime)
    expected = math.sqrt(2 * k * math.log(1 / delta_prime)) * epsilon + k * epsilon * (
        math.exp(epsilon) - 1)
    assert g.epsilon == pytest.approx(expected, rel=1e-14)
    assert g.delta == pytest.approx(k * delta + delta_prime, rel=1e-14)


def test_advanced_beats_basic_only_for_many_small_steps():
    assert advanced_composition(0.01, 0.0, 10_000, 1e-5).epsilon < 100 * 0.5
    assert advanced_composition(1.0, 0.0, 10, 1e-5).epsilon > 10.0


# --------------------------------------------------------------------------------------------
# Optimal composition (Kairouz, Oh, Viswanath 2015)
# --------------------------------------------------------------------------------------------

def kov_delta_i(epsilon: float, k: int, i: int) -> float:
    """delta_i of Theorem 3.3 of KOV15, written as in the paper (small k only)."""
    total = sum(comb(k, ell) * (math.exp((k - ell) * epsilon) - math.exp((k - 2 * i + ell) * epsilon))
                for ell in range(i))
    return total / (1 + math.exp(epsilon)) ** k


@pytest.mark.parametrize("epsilon, k", [(0.5, 6), (1.0, 9), (0.2, 20), (0.05, 30)])
def test_optimal_composition_hits_the_points_of_theorem_3_3(epsilon, k):
    for i in range(1, k // 2 + 1):
        delta_i = kov_delta_i(epsilon, k, i)
        g = optimal_composition(epsilon, 0.0, k, delta_prime=delta_i)
        assert g.epsilon == pytest.approx((k - 2 * i) * epsilon, rel=1e-9, abs=1e-12)
        assert g.delta == pytest.approx(delta_i, rel=1e-12)


def test_optimal_composition_with_delta_keeps_the_paper_total():
    epsilon, delta, k = 0.5, 1e-4, 8
    delta_2 = kov_delta_i(epsilon, k, 2)
    g = optimal_composition(epsilon, delta, k, delta_prime=delta_2)
    assert g.epsilon == pytest.approx((k - 4) * epsilon, rel=1e-9)
    assert g.delta == pytest.approx(1 - (1 - delta) ** k * (1 - delta_2), rel=1e-12)


def test_optimal_composition_of_one_mechanism_closed_form():
    # one randomized response: delta(eps') = (e^eps - e^eps') / (1 + e^eps)
    epsilon, delta_prime = 1.0, 1e-3
    expected = math.log(math.exp(epsilon) - delta_prime * (1 + math.exp(epsilon)))
    assert optimal_composition(epsilon, 0.0, 1, delta_prime).epsilon == pytest.approx(
        expected, rel=1e-12)


@pytest.mark.parametrize("epsilon, delta, k, delta_prime", [
    (0.1, 0.0, 100, 1e-5), (1.0, 0.0, 10, 1e-5), (0.5, 1e-6, 50, 1e-5),
    (0.05, 1e-7, 1000, 1e-6), (2.0, 0.0, 20, 1e-3), (0.25, 0.0, 400, 1e-6)])
def test_optimal_composition_matches_dp_accounting_pld(epsilon, delta, k, delta_prime):
    # dp-accounting's PLD of an (epsilon, delta)-DP mechanism is the same canonical
    # mechanism; its composition is exact when epsilon is a multiple of the interval
    g = optimal_composition(epsilon, delta, k, delta_prime)
    pld = privacy_loss_distribution.from_privacy_parameters(
        common.DifferentialPrivacyParameters(epsilon, delta), value_discretization_interval=1e-3)
    reference = pld.self_compose(k).get_epsilon_for_delta(g.delta)
    assert g.epsilon == pytest.approx(reference, rel=1e-7)


@FIXED
@given(epsilon=st.floats(0.01, 3.0), log_delta=st.floats(-12, -2) | st.just(-math.inf),
       k=st.integers(1, 3000), log_delta_prime=st.floats(-12, -1))
def test_optimal_never_worse_than_advanced_or_basic(epsilon, log_delta, k, log_delta_prime):
    delta, delta_prime = math.exp(log_delta), math.exp(log_delta_prime)
    optimal = optimal_composition(epsilon, delta, k, delta_prime)
    advanced = advanced_composition(epsilon, delta, k, delta_prime)
    basic = basic_composition([epsilon] * k, [delta] * k)
    assert optimal.epsilon <= advanced.epsilon * (1 + 1e-12)
    assert optimal.epsilon <= basic.epsilon * (1 + 1e-12)
    assert optimal.delta <= advanced.delta * (1 + 1e-12)


@FIXED
@given(epsilon=st.floats(0.01, 2.0), k=st.integers(1, 500), log_delta_prime=st.floats(-12, -1))
def test_optimal_composition_is_monotone(epsilon, k, log_delta_prime):
    delta_prime = math.exp(log_delta_prime)
    g = optimal_composition(epsilon, 0.0, k, delta_prime).epsilon
    assert optimal_composition(epsilon, 0.0, k + 1, delta_prime).epsilon >= g  # more mechanisms
    assert optimal_composition(epsilon * 1.1, 0.0, k, delta_prime).epsilon >= g  # each less private
    assert optimal_composition(epsilon, 0.0, k, delta_prime / 10).epsilon >= g  # smaller slack


def test_optimal_composition_scales_to_thousands():
    g = optimal_composition(0.01, 1e-8, 5000, 1e-6)
    assert g.epsilon < advanced_composition(0.01, 1e-8, 5000, 1e-6).epsilon < 50.0
    assert optimal_composition(3.0, 0.0, 5000, 1e-9).epsilon <= 15000.0


def test_a_large_slack_needs_no_epsilon():
    # the total variation distance of one randomized response is (e - 1) / (e + 1) ~ 0.46
    assert optimal_composition(1.0, 0.0, 1, delta_prime=0.5).epsilon == 0.0


@pytest.mark.parametrize("function", [advanced_composition, optimal_composition])
@pytest.mark.parametrize("args, error, match", [
    ((0.0, 0.0, 10, 1e-5), ValueError, "`epsilon` must be a positive"),
    ((math.nan, 0.0, 10, 1e-5), ValueError, "`epsilon`"),
    ((0.1, -1e-6, 10, 1e-5), ValueError, "`delta`"),
    ((0.1, 1.0, 10, 1e-5), ValueError, "`delta`"),
    ((0.1, 0.0, 0, 1e-5), ValueError, r"`k` must be an integer in \[1, "),
    ((0.1, 0.0, 2.5, 1e-5), TypeError, "`k`"),
    ((0.1, 0.0, True, 1e-5), TypeError, "`k`"),
    ((0.1, 0.0, 10, 1.0), ValueError, "`delta_prime`"),
    ((0.1, 0.0, 10, -1e-5), ValueError, "`delta_prime`"),
])
def test_homogeneous_compositions_check_their_input(function, args, error, match):
    with pytest.raises(error, match=match):
        function(*args)


def test_advanced_composition_needs_a_positive_slack():
    with pytest.raises(ValueError, match="`delta_prime` must be a number in \\(0, 1\\)"):
        advanced_composition(0.1, 0.0, 10, 0.0)
    assert np.isclose(optimal_composition(0.1, 0.0, 10, 0.0).epsilon, 1.0)


# --- optimal composition: the one-pass solve against a plain bisection --------------------------

def _bisection_reference(eps0: float, k: int, delta_prime: float) -> float:
    """Smallest eps_g with the exact k-fold randomized-response profile <= delta_prime (bisection)."""
    from ppml_lab.dp.composition import _log_rr_profile

    ell = np.arange(k + 1)
    log_terms = (special.gammaln(k + 1) - special.gammaln(ell + 1) - special.gammaln(k - ell + 1)
                 - k * np.logaddexp(0.0, eps0))
    target = math.log(delta_prime)
    lo, hi = 0.0, k * eps0
    if _log_rr_profile(lo, eps0, k, log_terms) <= target:
        return 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _log_rr_profile(mid, eps0, k, log_terms) <= target:
            hi = mid
        else:
            lo = mid
    return hi


@pytest.mark.parametrize("eps0", [1e-3, 0.05, 0.3, 1.0, 4.0])
@pytest.mark.parametrize("k", [1, 2, 3, 10, 11, 1000, 10_000])
def test_optimal_composition_equals_a_bisection_on_the_exact_profile(eps0, k):
    for delta_prime in (1e-12, 5e-6, 0.01, 0.5):
        ours = optimal_composition(eps0, 0.0, k, delta_prime).epsilon
        reference = _bisection_reference(eps0, k, delta_prime)
        assert ours == pytest.approx(reference, rel=1e-9, abs=1e-12)
        assert ours >= reference * (1 - 1e-12)  # never below the exact value beyond rounding
