"""The Gaussian mechanism's privacy-loss distribution, against scipy.stats and the calibration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ppml_lab.dp import GaussianMechanism, gaussian_delta
from ppml_lab.dp.gaussian_loss import GaussianPrivacyLoss, gaussian_privacy_loss


@pytest.mark.parametrize("epsilon, ratio", [(0.1, 111), (1.0, 16)])
def test_the_issue_figures_loss_above_epsilon_is_many_times_delta(epsilon, ratio):
    r = gaussian_privacy_loss(epsilon, delta=1e-5)
    assert round(r.ratio) == ratio
    assert r.p_loss_above == pytest.approx(ratio * 1e-5, rel=0.01)


@pytest.mark.parametrize("epsilon, delta, sensitivity",
                         [(0.1, 1e-5, 1.0), (0.5, 1e-6, 3.0), (1.0, 1e-5, 1.0), (4.0, 1e-3, 0.2)])
def test_tails_are_scipy_normal_tails(epsilon, delta, sensitivity):
    r = gaussian_privacy_loss(epsilon, delta, sensitivity)
    sigma = GaussianMechanism(epsilon, delta, sensitivity).sigma
    assert r.sigma == sigma
    mu = sensitivity**2 / (2 * sigma**2)
    loss = stats.norm(loc=mu, scale=math.sqrt(2 * mu))
    assert r.mu == pytest.approx(mu, rel=1e-12)
    assert r.loss_std == pytest.approx(sensitivity / sigma, rel=1e-12)
    assert r.p_loss_above == pytest.approx(loss.sf(epsilon), rel=1e-9)
    assert r.other_side == pytest.approx(math.exp(epsilon) * loss.cdf(-epsilon), rel=1e-9)
    np.testing.assert_allclose(r.density, loss.pdf(r.losses), rtol=1e-9)


@pytest.mark.parametrize("epsilon, delta, sensitivity",
                         [(0.1, 1e-5, 1.0), (0.5, 1e-6, 3.0), (2.0, 1e-8, 1.0), (4.0, 1e-3, 0.2)])
def test_exact_delta_is_the_kits_gaussian_delta_and_the_calibration_target(epsilon, delta,
                                                                          sensitivity):
    r = gaussian_privacy_loss(epsilon, delta, sensitivity)
    assert r.exact_delta == pytest.approx(gaussian_delta(r.sigma, epsilon, sensitivity),
                                          rel=1e-6, abs=1e-15)
    assert r.exact_delta == pytest.approx(delta, rel=1e-6)  # the analytic calibration is tight
    assert r.p_loss_above > delta  # which is why delta is not "the chance the bound fails"


def test_the_loss_of_sampled_outputs_is_normal_mu_2mu():
    # outputs with Alice ~ N(1, sigma^2), without her ~ N(0, sigma^2); L = log density ratio
    r = gaussian_privacy_loss(0.5, delta=1e-5)
    rng = np.random.default_rng(3)
    out = 1.0 + r.sigma * rng.standard_normal(20_000)
    losses = stats.norm.logpdf(out, 1.0, r.sigma) - stats.norm.logpdf(out, 0.0, r.sigma)
    assert stats.kstest(losses, stats.norm(r.mu, r.loss_std).cdf).pvalue > 1e-4


def test_grid_holds_epsilon_and_the_density_integrates_to_one():
    r = gaussian_privacy_loss(1.0)
    assert 1.0 in r.losses and np.all(np.diff(r.losses) > 0)
    assert np.trapezoid(r.density, r.losses) == pytest.approx(1.0, abs=1e-6)


def test_record_is_frozen_readable_and_checked():
    r = gaussian_privacy_loss(1.0)
    assert isinstance(r, GaussianPrivacyLoss)
    with pytest.raises(AttributeError):
        r.epsilon = 2.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        r.losses[0] = 0.0
    assert repr(r).startswith("GaussianPrivacyLoss(epsilon=1, delta=1e-05, sensitivity=1, "
                              "sigma=3.731")
    assert "16 times delta" in r.summary()
    with pytest.raises(ValueError, match="epsilon"):
        gaussian_privacy_loss(-1.0)
    with pytest.raises(ValueError, match="delta"):
        gaussian_privacy_loss(1.0, delta=2.0)
    with pytest.raises(ValueError, match="n_points"):
        gaussian_privacy_loss(1.0, n_points=1)
