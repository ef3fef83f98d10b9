"""The worst-case canary audit: below the claim for an honest learner, above it for a broken one."""

from __future__ import annotations

import numpy as np
import pytest

from ppml_lab.attacks import (UnderNoisedDPLogisticRegression, canary_datasets,
                              worst_case_canary_audit)
from ppml_lab.dp import DPLogisticRegression


def honest(epsilon):
    return lambda g: DPLogisticRegression(epsilon, learning_rate=1e-3, max_iter=20, rng=g)


def broken(epsilon, divisor=4.0):
    return lambda g: UnderNoisedDPLogisticRegression(epsilon, noise_divisor=divisor,
                                                     learning_rate=1e-3, max_iter=20, rng=g)


@pytest.mark.parametrize("seed", [2026, 4])
def test_the_audit_catches_noise_four_times_too_small_and_clears_the_honest_learner(seed):
    good = worst_case_canary_audit(honest(2.0), n_trials=2000, rng=seed)
    bad = worst_case_canary_audit(broken(2.0), n_trials=2000, rng=seed)
    assert not good.caught and good.audit.epsilon <= 2.0
    assert bad.caught and bad.audit.epsilon > 2.0
    assert good.claimed_epsilon == bad.claimed_epsilon == 2.0  # the bug claims the same epsilon
    assert "the implementation is broken" in repr(bad) and "no bug found" in repr(good)


def test_the_canary_is_the_only_difference_and_alone_on_its_feature():
    (X_in, y_in), (X, y) = canary_datasets(50)
    assert np.array_equal(X_in[:-1], X) and np.array_equal(y_in[:-1], y)
    assert X_in[-1].tolist() == [1.0, 0.0] and y_in[-1] == 1
    assert not X[:, 0].any() and y.mean() == 0.5
    assert np.all(np.linalg.norm(X_in, axis=1) <= 1.0)


def test_the_broken_learner_adds_a_quarter_of_the_noise():
    # with a tiny learning rate the weights are (nearly) linear in the noise draws, and the
    # same seed draws the same noise: the deviation from a noiseless run is 4 times smaller
    (X_in, y_in), _ = canary_datasets(10)
    fit = dict(learning_rate=1e-3, rng=0)
    quiet = UnderNoisedDPLogisticRegression(1.0, noise_divisor=1e12, **fit).fit(X_in, y_in)
    noisy = UnderNoisedDPLogisticRegression(1.0, noise_divisor=4.0, **fit).fit(X_in, y_in)
    honest_fit = DPLogisticRegression(1.0, **fit).fit(X_in, y_in)
    dev_broken = noisy.weights_ - quiet.weights_
    dev_honest = honest_fit.weights_ - quiet.weights_
    np.testing.assert_allclose(dev_broken, dev_honest / 4, rtol=1e-2)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(TypeError, match=r"`make_learner` must be"):
        worst_case_canary_audit("model")
    with pytest.raises(ValueError, match=r"`n_trials` must be"):
        worst_case_canary_audit(honest(1.0), n_trials=1)
    with pytest.raises(ValueError, match=r"`noise_divisor` must be a positive"):
        UnderNoisedDPLogisticRegression(noise_divisor=0).fit(*canary_datasets(4)[0])
