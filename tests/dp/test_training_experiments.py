"""Notebook 05's compute layer: accuracy against epsilon, and the privacy cost of tuning."""

from __future__ import annotations

import numpy as np
import pytest

from ppml_lab.dp import DPLogisticRegression
from ppml_lab.dp import training_experiments as te
from ppml_lab.dp.logistic import default_steps
from ppml_lab.dp.training_experiments import (ACCURACY_CURVE_EPSILONS, accuracy_at,
                                              accuracy_curve, baseline_accuracy)
from ppml_lab.dp.tuning_experiments import tuning_cost_experiment
from ppml_lab.datasets import load_classification


@pytest.fixture(scope="module")
def curve():
    return accuracy_curve(rng=0)


def test_curve_shape_and_spread(curve):
    assert curve.accuracies.shape == (ACCURACY_CURVE_EPSILONS.size, 5) == (9, 5)
    np.testing.assert_array_equal(curve.epsilons, ACCURACY_CURVE_EPSILONS)
    for name in ("median", "low", "high", "steps"):
        assert getattr(curve, name).shape == (9,)
    assert np.all(curve.low <= curve.median) and np.all(curve.median <= curve.high)
    np.testing.assert_array_equal(curve.median, np.median(curve.accuracies, axis=1))
    assert list(curve.steps) == [default_steps(e) for e in ACCURACY_CURVE_EPSILONS]
    assert np.all((curve.accuracies >= 0) & (curve.accuracies <= 1))
    assert not curve.accuracies.flags.writeable


def test_more_epsilon_is_not_worse(curve):
    # monotone up to a tolerance of 3 points between neighbours (5 seeds, 171 test rows) ...
    assert np.all(np.diff(curve.median) >= -0.03)
    # ... and clearly better at the top than at the bottom, close to the non-private model
    assert curve.median[-1] >= curve.median[0] + 0.03
    assert curve.median[-1] >= curve.baseline - 0.03
    assert curve.high[-1] - curve.low[-1] <= curve.high[0] - curve.low[0]  # less spread


def test_baseline_is_sklearn_logistic_regression(curve):
    from sklearn.linear_model import LogisticRegression

    data = load_classification("breast_cancer")
    expected = LogisticRegression(max_iter=5000).fit(data.X_train, data.y_train).score(
        data.X_test, data.y_test)
    assert curve.baseline == pytest.approx(expected) == baseline_accuracy()
    assert curve.baseline == pytest.approx(0.959, abs=0.001)


def test_each_point_is_the_library_model_with_the_curve_seeds(curve):
    data = load_classification("breast_cancer")
    i = 4  # epsilon = 1
    assert curve.epsilons[i] == pytest.approx(1.0)
    seed = curve.seeds[2]
    model = DPLogisticRegression(float(curve.epsilons[i]), 1e-5, clip_norm=1.0,
                                 rng=seed).fit(data.X_train, data.y_train)
    assert curve.accuracies[i, 2] == model.score(data.X_test, data.y_test)


def test_cache_and_common_random_numbers(curve):
    assert accuracy_curve(rng=0) is curve                       # cached: the same object
    other = accuracy_curve(rng=1)
    assert other.seeds != curve.seeds and other is not curve
    same = accuracy_curve(rng=np.random.default_rng(0))         # same seeds, same numbers
    np.testing.assert_array_equal(same.accuracies, curve.accuracies)
    # a point on the grid is the curve's own column; off the grid it uses the same seeds
    point = curve.at(float(ACCURACY_CURVE_EPSILONS[4]))
    np.testing.assert_array_equal(point.accuracies, curve.accuracies[4])
    assert point.curve is curve
    alone = accuracy_at(epsilon=float(ACCURACY_CURVE_EPSILONS[4]), rng=0)
    np.testing.assert_array_equal(alone.accuracies, point.accuracies)
    assert alone.curve is None and alone.median == point.median


def test_epsilon_moves_cost_only_the_new_point(curve):
    before = te._fit_scores.cache_info()
    curve.at(1.3)
    after = te._fit_scores.cache_info()
    assert after.misses - before.misses == 1     # one call: n_seeds fits at epsilon 1.3
    curve.at(1.3)
    assert te._fit_scores.cache_info().misses == after.misses


def test_clip_and_epochs_recompute_the_curve(curve):
    short = accuracy_curve(epochs=20, epsilons=[0.5, 5.0], n_seeds=3, rng=0)
    assert list(short.steps) == [20, 20] and short.epochs == 20
    clipped = accuracy_curve(clip_norm=0.2, epsilons=[0.5, 5.0], n_seeds=3, rng=0)
    assert clipped.clip_norm == 0.2
    assert not np.array_equal(clipped.accuracies, short.accuracies)


def test_summaries_are_plain_words(curve):
    text = curve.at(1.0).summary()
    assert text.startswith("At epsilon = 1.00 the private model is right on")
    assert "median of 5 seeds" in text and "the non-private one on 96%" in text
    assert "privacy costs" in text
    assert "breast_cancer" in curve.summary() and "non-private model gets 96%" in curve.summary()
    assert repr(curve).startswith("AccuracyCurve(data_name='breast_cancer'")
    assert "0x" not in repr(curve.at(1.0))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"data_name": "mnist"}, ValueError, "`data_name` must be"),
    ({"epsilons": [1.0, 0.5]}, ValueError, "`epsilons` must be strictly increasing"),
    ({"epsilons": [-1.0, 1.0]}, ValueError, "`epsilons`"),
    ({"clip_norm": 0.0}, ValueError, "`clip_norm` must be a positive"),
    ({"clip_norm": float("nan")}, ValueError, "`clip_norm`"),
    ({"epochs": 0}, ValueError, "`epochs` must be an integer"),
    ({"epochs": 2.5}, TypeError, "`epochs` must be an integer"),
    ({"n_seeds": 0}, ValueError, "`n_seeds`"),
    ({"delta": 1.0}, ValueError, "`delta`"),
    ({"rng": -1}, ValueError, "`rng`"),
])
def test_bad_input_is_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        accuracy_curve(**kwargs)


def test_bad_epsilon_is_refused(curve):
    with pytest.raises(ValueError, match="`epsilon`"):
        accuracy_at(epsilon=0.0)
    with pytest.raises(ValueError, match="`epsilon`"):
        curve.at(-1.0)


# --- tuning ---------------------------------------------------------------------------------

def test_one_candidate_costs_one_run():
    # k = 1: the exact composition of one run is the run's own epsilon (PLD-calibrated)
    r = tuning_cost_experiment(clip_norms=(1.0,), epochs=(60,), n_seeds=2, rng=0)
    assert r.k == 1 and r.full_basic_epsilon == 1.0
    assert 0.97 <= r.full_tight_epsilon <= 1.0 + 1e-3


def test_tuning_costs_more_than_one_run():
    r = tuning_cost_experiment(clip_norms=(0.3, 1.0), epochs=(20, 60), n_seeds=3, rng=0)
    assert r.k == 4 and r.candidates == ((0.3, 20), (0.3, 60), (1.0, 20), (1.0, 60))
    assert r.full_basic_epsilon == 4.0
    assert r.epsilon < r.full_tight_epsilon < r.full_basic_epsilon
    assert r.defaults.shape == r.split.shape == r.full.shape == (3,)
    assert r.best in r.candidates
    assert r.default_accuracy == np.median(r.defaults)
    text = r.summary()
    assert "by basic composition" in text and "not 1" in text
    again = tuning_cost_experiment(clip_norms=(0.3, 1.0), epochs=(20, 60), n_seeds=3, rng=0)
    np.testing.assert_array_equal(again.full, r.full)


def test_tuning_bad_input():
    with pytest.raises(ValueError, match="`clip_norms`"):
        tuning_cost_experiment(clip_norms=(0.0,), epochs=(20,), n_seeds=1, rng=0)
    with pytest.raises(TypeError, match="`epochs`"):
        tuning_cost_experiment(clip_norms=(1.0,), epochs=(2.5,), n_seeds=1, rng=0)
    with pytest.raises(ValueError, match="`epsilon`"):
        tuning_cost_experiment(epsilon=0, n_seeds=1, rng=0)


# --- what notebook 05 says about these curves (issue 14 item 5) -----------------------------------

@pytest.mark.parametrize("seed", [2026, 7])
def test_a_small_clipping_norm_wins_at_small_epsilon_and_loses_at_large(seed):
    # notebook 05, section 3: at small epsilon the noise (proportional to clip_norm) dominates,
    # so clip_norm = 0.1 beats the default 1; at large epsilon its clipping bias shows.
    # Medians of 15 seeds: the margins are 7 to 13 points at epsilon 0.1 (seeds 0, 1, 7, 2026)
    grid = [0.1, 0.18, 10.0]
    small = accuracy_curve(epsilons=grid, clip_norm=0.1, epochs=60, n_seeds=15, rng=seed)
    default = accuracy_curve(epsilons=grid, clip_norm=1.0, epochs=60, n_seeds=15, rng=seed)
    assert small.seeds == default.seeds
    assert small.median[0] > default.median[0] + 0.05
    assert small.median[1] > default.median[1] + 0.02
    assert default.median[2] > small.median[2] + 0.02


def test_minibatch_dpsgd_meets_its_epsilon_and_stays_near_the_full_batch():
    # notebook 05, section 2: Poisson minibatches (sample rate 40 / 398) for 300 steps,
    # calibrated by the PLD accountant, at the same epsilon as the full-batch fit
    from ppml_lab.dp import dpsgd_epsilon

    data = load_classification("breast_cancer")
    seeds = range(5)
    mini = [DPLogisticRegression(1.0, 1e-5, batch_size=40, max_iter=300, rng=s)
            .fit(data.X_train, data.y_train) for s in seeds]
    full = [DPLogisticRegression(1.0, 1e-5, rng=s).fit(data.X_train, data.y_train) for s in seeds]
    m = mini[0]
    assert m.sample_rate_ == pytest.approx(40 / 398) and m.n_iter_ == 300
    assert m.noise_multiplier_ < full[0].noise_multiplier_ / 4
    assert dpsgd_epsilon(m.noise_multiplier_, m.sample_rate_, m.n_iter_, 1e-5,
                         accountant="pld") == pytest.approx(1.0, abs=2e-3)
    accuracy = [np.median([model.score(data.X_test, data.y_test) for model in group])
                for group in (mini, full)]
    assert abs(accuracy[0] - accuracy[1]) < 0.04
