"""Notebook 06's compute layer: the membership attack against a DP and a non-private model.

The DP model is trained with replace-one neighbours, which is the game played
(a member is swapped for a non-member), so every ROC point must obey
TPR <= e^eps FPR + delta and 1 - TPR >= e^-eps (1 - delta - FPR) up to sampling
error. The sampling tolerance is a DKW band: with n iid scores, the empirical
CDF is within sqrt(ln(2 / alpha) / (2 n)) of the true one, uniformly over
thresholds, with probability >= 1 - alpha. The scores of one model's members
are not independent (they share the model), so the band is an approximation;
the seeds are fixed, and the same check fails clearly for the non-private model,
so the test has power.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from ppml_lab.attacks import (MembershipResult, RocCurve, advantage_bound, membership_experiment,
                              roc_ceiling)
from ppml_lab.attacks.experiments import MEMBERSHIP_EPSILONS

GRID = [0.1, 1.0, 10.0]
ALPHA = 1e-3


@pytest.fixture(scope="module")
def results():
    return {eps: membership_experiment(eps, epsilons=GRID, rng=0) for eps in GRID}


# --- the guarantee ------------------------------------------------------------------------------

@pytest.mark.parametrize("epsilon, delta", [(0.1, 0.0), (1.0, 0.0), (1.0, 1e-3), (5.0, 0.05)])
def test_advantage_bound_is_the_largest_gap_under_the_roc_ceiling(epsilon, delta):
    fpr = np.linspace(0.0, 1.0, 200_001)
    gap = np.max(roc_ceiling(fpr, epsilon, delta) - fpr)
    assert gap == pytest.approx(advantage_bound(epsilon, delta), abs=1e-4)


def test_advantage_bound_for_pure_dp_is_tanh_half_epsilon():
    for eps in (0.1, 1.0, 3.0):
        assert advantage_bound(eps) == pytest.approx(math.tanh(eps / 2), rel=1e-12)
    assert advantage_bound(1.0) == pytest.approx(0.46211715726)


def test_roc_ceiling_is_symmetric_under_swapping_the_two_kinds_of_error():
    # the region is symmetric about the anti-diagonal: (FPR, TPR) -> (1 - TPR, 1 - FPR)
    fpr = np.linspace(0, 1, 101)
    tpr = roc_ceiling(fpr, 1.0, 0.0)
    inside = tpr < 1  # where the ceiling is not the flat top
    assert np.allclose(roc_ceiling(1 - tpr[inside], 1.0, 0.0), 1 - fpr[inside], atol=1e-12)
    assert roc_ceiling([0.0], 2.0, 0.0)[0] == 0.0 and roc_ceiling([1.0], 2.0, 0.0)[0] == 1.0


# --- the experiment -----------------------------------------------------------------------------

def test_record_shape_and_repr(results):
    r = results[1.0]
    assert isinstance(r, MembershipResult) and isinstance(r.roc, RocCurve)
    assert r.epsilons.tolist() == GRID
    assert r.advantage_curve.shape == r.empirical_epsilon_curve.shape == (3,)
    text = repr(r)
    assert text.startswith("MembershipResult(epsilon=1, delta=1e-05, data_name='digits'")
    assert "<array" not in text and "0x" not in text
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.epsilon = 2.0
    with pytest.raises(ValueError):
        r.epsilons[0] = 5.0


def test_attack_works_without_privacy_and_is_near_chance_at_small_epsilon(results):
    r = results[0.1]
    assert r.baseline_auc > 0.6 and r.baseline_advantage > 0.3
    assert abs(r.auc - 0.5) < 0.03 and r.advantage < 0.06
    assert r.baseline_empirical_epsilon > 1.0  # the overfit model is provably not 1-DP
    assert r.baseline_accuracy > 0.8


def test_attack_grows_with_epsilon(results):
    adv = [results[e].advantage for e in GRID]
    assert adv[0] < adv[2] and results[10.0].auc > results[0.1].auc
    assert results[10.0].accuracy > results[0.1].accuracy
    assert all(results[e].advantage < results[e].baseline_advantage for e in GRID)


def _violation(roc: RocCurve, epsilon: float, delta: float, n_in: int, n_out: int) -> float:
    """How far the ROC goes above the ceiling, after moving it by the DKW band."""
    band = lambda n: math.sqrt(math.log(2 / ALPHA) / (2 * n))  # noqa: E731
    tpr_low = np.clip(roc.tpr - band(n_in), 0, 1)
    fpr_high = np.clip(roc.fpr + band(n_out), 0, 1)
    return float(np.max(tpr_low - roc_ceiling(fpr_high, epsilon, delta)))


@pytest.mark.parametrize("epsilon", GRID)
def test_dp_roc_respects_the_guarantee_within_sampling_error(results, epsilon):
    r = results[epsilon]
    n_in = r.n_models * r.n_train
    n_out = r.n_models * (1257 - r.n_train)
    assert _violation(r.roc, r.epsilon, r.delta, n_in, n_out) <= 0
    assert r.advantage <= r.advantage_bound + 2 * math.sqrt(math.log(2 / ALPHA) / (2 * n_in))


def test_the_roc_check_has_power_the_non_private_model_fails_it(results):
    r = results[0.1]
    n_in, n_out = r.n_models * r.n_train, r.n_models * (1257 - r.n_train)
    assert _violation(r.baseline_roc, 0.1, r.delta, n_in, n_out) > 0.1


def test_empirical_epsilon_never_exceeds_the_guarantee(results):
    r = results[1.0]
    assert np.all(r.empirical_epsilon_curve <= r.epsilons)
    assert np.all(r.empirical_epsilon_curve >= 0)
    assert r.empirical_epsilon == pytest.approx(r.empirical_epsilon_curve[1])


def test_same_rng_same_result_and_common_random_numbers(results):
    again = membership_experiment(1.0, epsilons=GRID, rng=0)
    assert repr(again) == repr(results[1.0])
    assert np.array_equal(again.roc.tpr, results[1.0].roc.tpr)
    # the members (and so the non-private model) do not depend on epsilon
    assert results[0.1].baseline_auc == results[10.0].baseline_auc
    other = membership_experiment(1.0, epsilons=GRID, rng=1)
    assert other.baseline_auc != results[1.0].baseline_auc


def test_point_on_the_grid_matches_the_curve(results):
    for i, eps in enumerate(GRID):
        assert results[eps].advantage == results[1.0].advantage_curve[i]


def test_default_grid_is_the_sliders():
    assert MEMBERSHIP_EPSILONS.size == 21
    assert MEMBERSHIP_EPSILONS[0] == pytest.approx(0.1) and MEMBERSHIP_EPSILONS[-1] == 10.0
    assert np.allclose(np.diff(np.log10(MEMBERSHIP_EPSILONS)), 0.1)


def test_summary_in_plain_words(results):
    text = results[1.0].summary()
    assert "epsilon = 1.00" in text and "lower bound" in text
    assert f"{results[1.0].baseline_auc:.2f}" in text


@pytest.mark.parametrize("kwargs, error, match", [
    ({"epsilon": -1.0}, ValueError, "`epsilon`"),
    ({"epsilon": 1.0, "data_name": "mnist"}, ValueError, "`data_name` must be one of"),
    ({"epsilon": 1.0, "n_train": 5}, ValueError, "`n_train`"),
    ({"epsilon": 1.0, "n_train": 2.5}, TypeError, "`n_train`"),
    ({"epsilon": 1.0, "n_models": 0}, ValueError, "`n_models`"),
    ({"epsilon": 1.0, "delta": 1.5}, ValueError, "`delta`"),
    ({"epsilon": 1.0, "low_fpr": 0.0}, ValueError, "`low_fpr`"),
    ({"epsilon": 1.0, "epsilons": [1.0, 0.5]}, ValueError, "`epsilons`"),
    ({"epsilon": 1.0, "rng": "seed"}, TypeError, "`rng`"),
])
def test_bad_input(kwargs, error, match):
    epsilon = kwargs.pop("epsilon")
    with pytest.raises(error, match=match):
        membership_experiment(epsilon, **kwargs)


def test_bad_input_of_the_bounds():
    with pytest.raises(ValueError, match="`epsilon`"):
        advantage_bound(0.0)
    with pytest.raises(ValueError, match="`delta`"):
        roc_ceiling([0.1], 1.0, delta=-0.1)


# --- issue 13: roc_ceiling's fpr is checked, and huge epsilons do not overflow -------------------

@pytest.mark.parametrize("fpr, kind", [("0.1", TypeError), (None, TypeError),
                                       ([0.1, float("nan")], ValueError),
                                       ([0.5, 1.2], ValueError), (-0.1, ValueError),
                                       ([True, False], TypeError)])
def test_roc_ceiling_refuses_bad_fpr(fpr, kind):
    # out-of-range rates used to be clipped silently, strings and None to crash in numpy
    with pytest.raises(kind, match="^`fpr` must be"):
        roc_ceiling(fpr, epsilon=1.0)


def test_roc_ceiling_and_advantage_bound_at_a_huge_epsilon():
    # math.exp(1000) used to raise OverflowError
    np.testing.assert_array_equal(roc_ceiling([0.0, 1e-300, 0.5], epsilon=1000.0),
                                  [0.0, 1.0, 1.0])
    assert advantage_bound(1000.0) == 1.0
    assert advantage_bound(1.0, 1e-5) == pytest.approx(
        (math.expm1(1.0) + 2e-5) / (math.exp(1.0) + 1), rel=1e-14)


def test_the_result_carries_the_advantage_noise_floor_of_its_pooled_scores():
    from ppml_lab.attacks import advantage_noise_floor
    from ppml_lab.datasets import load_classification

    r = membership_experiment(1.0, epsilons=[0.1, 1.0], n_models=2, rng=0)
    n_pool = len(load_classification("digits").y_train)
    assert r.advantage_floor == advantage_noise_floor(2 * 100, 2 * (n_pool - 100))
    # at epsilon 0.1 the guarantee allows less than chance alone shows on these many scores
    assert advantage_bound(0.1, r.delta) < r.advantage_floor
