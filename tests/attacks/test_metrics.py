"""Tests of ppml_lab.attacks.metrics against scikit-learn and hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from ppml_lab.attacks import auc, membership_advantage, roc_curve, tpr_at_fpr


@pytest.mark.parametrize("seed", range(5))
def test_auc_matches_sklearn_roc_auc_score(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 300)
    scores = rng.normal(size=300) + 0.5 * labels
    scores[:50] = np.round(scores[:50])  # some ties
    assert auc(scores, labels) == pytest.approx(skm.roc_auc_score(labels, scores), abs=1e-12)
    curve = roc_curve(scores, labels)
    assert curve.auc == pytest.approx(skm.roc_auc_score(labels, scores), abs=1e-12)
    fpr, tpr, _ = skm.roc_curve(labels, scores, drop_intermediate=False)
    np.testing.assert_array_equal(curve.fpr, fpr)
    np.testing.assert_array_equal(curve.tpr, tpr)


def test_boolean_labels_are_accepted():
    assert auc([0.1, 0.9], np.array([False, True])) == 1.0


def test_perfect_scores():
    labels = np.r_[np.zeros(50), np.ones(50)]
    scores = labels + 0.01 * np.arange(100)
    assert auc(scores, labels) == 1.0
    assert membership_advantage(scores, labels) == 1.0
    assert tpr_at_fpr(scores, labels, fpr=0.0) == 1.0


def test_random_scores_have_no_advantage():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 20_000)
    scores = rng.random(20_000)
    assert auc(scores, labels) == pytest.approx(0.5, abs=0.02)
    assert membership_advantage(scores, labels) < 0.03
    assert tpr_at_fpr(scores, labels, fpr=0.01) < 0.02
    # constant scores: the curve is the diagonal
    assert membership_advantage(np.zeros(10), [0, 1] * 5) == 0.0


def test_tpr_at_fpr_reads_the_curve():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 1000)
    scores = rng.normal(size=1000) + labels
    fpr, tpr, _ = skm.roc_curve(labels, scores)
    for target in (0.001, 0.01, 0.1, 0.5):
        assert tpr_at_fpr(scores, labels, fpr=target) == tpr[fpr <= target].max()
    assert tpr_at_fpr(scores, labels, fpr=1.0) == 1.0


@pytest.mark.parametrize("func", [auc, membership_advantage, tpr_at_fpr, roc_curve])
@pytest.mark.parametrize("scores, labels, kind, name", [
    ([0.1, 0.2], [1, 1], ValueError, "labels"),
    ([0.1, 0.2], [0, 2], ValueError, "labels"),
    ([0.1, 0.2, 0.3], [0, 1], ValueError, "labels"),
    ([0.1, np.nan], [0, 1], ValueError, "scores"),
    ([[0.1, 0.2]], [0, 1], ValueError, "scores"),
    ("ab", [0, 1], TypeError, "scores"),
])
def test_bad_input_names_the_parameter(func, scores, labels, kind, name):
    with pytest.raises(kind, match=f"^`{name}` must be"):
        func(scores, labels)


@pytest.mark.parametrize("fpr, kind", [(-0.1, ValueError), (2, ValueError), (True, TypeError)])
def test_bad_fpr(fpr, kind):
    with pytest.raises(kind, match="^`fpr` must be"):
        tpr_at_fpr([0.1, 0.9], [0, 1], fpr=fpr)


# --- the noise floor of the best-threshold advantage ----------------------------------------

@pytest.mark.parametrize("n, m", [(100, 100), (400, 400), (100, 1000)])
def test_useless_scores_exceed_the_noise_floor_at_most_as_often_as_its_level_says(n, m):
    from ppml_lab.attacks import advantage_noise_floor

    rng = np.random.default_rng(12)
    runs = 2000
    labels = np.r_[np.ones(n), np.zeros(m)]
    floor = advantage_noise_floor(n, m, level=0.95)
    hits = sum(membership_advantage(rng.random(n + m), labels) >= floor for _ in range(runs))
    # at most 5% (plus three binomial standard errors); the asymptotic floor is slightly
    # conservative, so not far below 5% either (it is a useful number, not a loose bound)
    se = np.sqrt(0.05 * 0.95 / runs)
    assert 0.02 <= hits / runs <= 0.05 + 3 * se


def test_the_noise_floor_shrinks_like_one_over_sqrt_n_and_checks_its_arguments():
    from ppml_lab.attacks import advantage_noise_floor

    assert advantage_noise_floor(400, 400) == pytest.approx(advantage_noise_floor(100, 100) / 2)
    with pytest.raises(ValueError, match=r"`n_members` must be"):
        advantage_noise_floor(0, 10)
    with pytest.raises(ValueError, match=r"`level` must be"):
        advantage_noise_floor(10, 10, level=1.0)
