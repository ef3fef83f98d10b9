"""Tests of ppml_lab.dp.zcdp.

dp-accounting offers zCDP as an event of its RDP accountant (``ZCDpEvent``),
converted on a finite set of orders; our conversion optimises over every real
order, so it must be at most dp-accounting's and equal to it on a dense grid.
"""

from __future__ import annotations

import math

import dp_accounting
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppml_lab.dp import RDPAccountant, gaussian_delta, gaussian_zcdp, zcdp_to_dp

FIXED = settings(derandomize=True, deadline=None, max_examples=50)

DENSE_ORDERS = np.concatenate([np.linspace(1.011, 2.0, 2000), np.geomspace(2.0, 1e5, 20000)[1:]])


def test_gaussian_rho_is_one_over_two_sigma_squared():
    assert gaussian_zcdp(1.0) == 0.5
    assert gaussian_zcdp(0.5) == 2.0
    assert 100 * gaussian_zcdp(10.0) == pytest.approx(0.5)  # composition adds the rhos


@pytest.mark.parametrize("rho, delta", [(0.2, 1e-5), (5.0, 1e-6), (1e-4, 1e-5), (100.0, 1e-10),
                                        (0.01, 0.1)])
def test_bun_steinke_closed_form(rho, delta):
    expected = rho + 2 * math.sqrt(rho * math.log(1 / delta))
    assert zcdp_to_dp(rho, delta, method="bun-steinke") == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("rho, delta", [(0.2, 1e-5), (5.0, 1e-6), (1e-4, 1e-5), (100.0, 1e-10),
                                        (0.01, 0.1)])
def test_cks_matches_dp_accounting_zcdp_event(rho, delta):
    ours = zcdp_to_dp(rho, delta)
    default = dp_accounting.rdp.RdpAccountant()
    default.compose(dp_accounting.ZCDpEvent(rho))
    assert ours <= default.get_epsilon(delta) * (1 + 1e-12)  # finitely many orders are looser
    dense = dp_accounting.rdp.RdpAccountant(DENSE_ORDERS)
    dense.compose(dp_accounting.ZCDpEvent(rho))
    assert ours == pytest.approx(dense.get_epsilon(delta), rel=1e-7)


def test_cks_equals_the_rdp_accountant_of_the_gaussian():
    # rho-zCDP is the RDP line alpha * rho: the Gaussian with sample_rate=1
    sigma, steps = 5.0, 10
    acc = RDPAccountant(DENSE_ORDERS).compose_gaussian(sigma, steps=steps)
    assert zcdp_to_dp(steps * gaussian_zcdp(sigma), 1e-5) == pytest.approx(
        acc.get_epsilon(1e-5), rel=1e-7)


def test_cks_is_the_minimum_over_real_orders():
    rho, delta = 0.3, 1e-6
    alpha = np.linspace(1.0001, 60, 200_001)
    bound = alpha * rho + np.log1p(-1 / alpha) - (np.log(delta) + np.log(alpha)) / (alpha - 1)
    assert zcdp_to_dp(rho, delta) == pytest.approx(bound.min(), rel=1e-8)
    assert zcdp_to_dp(rho, delta) <= bound.min()


@FIXED
@given(log_rho=st.floats(-8, 4), log_delta=st.floats(-20, -1))
def test_cks_never_worse_than_bun_steinke(log_rho, log_delta):
    rho, delta = 10.0**log_rho, 10.0**log_delta
    assert zcdp_to_dp(rho, delta) <= zcdp_to_dp(rho, delta, method="bun-steinke")


@FIXED
@given(sigma=st.floats(0.3, 30.0), log_delta=st.floats(-12, -2))
def test_conversion_is_valid_for_the_gaussian(sigma, log_delta):
    # the exact (epsilon, delta) curve of the Gaussian lies below the zCDP conversion
    delta = 10.0**log_delta
    epsilon = zcdp_to_dp(gaussian_zcdp(sigma), delta)
    assert gaussian_delta(sigma, epsilon) <= delta * (1 + 1e-9)


def test_tiny_rho_needs_no_epsilon():
    assert zcdp_to_dp(1e-12, 1e-5) == 0.0


def test_epsilon_grows_with_rho_and_falls_with_delta():
    rhos = np.geomspace(1e-4, 100, 50)
    epsilons = [zcdp_to_dp(r, 1e-5) for r in rhos]
    assert np.all(np.diff(epsilons) > 0)
    assert zcdp_to_dp(1.0, 1e-8) > zcdp_to_dp(1.0, 1e-5)


@pytest.mark.parametrize("args, error, match", [
    ((0.0, 1e-5), ValueError, "`rho` must be a positive"),
    ((-1.0, 1e-5), ValueError, "`rho`"),
    ((math.nan, 1e-5), ValueError, "`rho`"),
    ((0.5, 0.0), ValueError, "`delta`"),
    ((0.5, 1.0), ValueError, "`delta`"),
    ((0.5, math.nan), ValueError, "`delta`"),
    ((0.5, 1e-5, "exact"), ValueError, "`method` must be one of 'cks', 'bun-steinke'"),
])
def test_zcdp_to_dp_checks_its_input(args, error, match):
    with pytest.raises(error, match=match):
        zcdp_to_dp(*args)


@pytest.mark.parametrize("noise_multiplier", [0.0, -1.0, math.inf, True])
def test_gaussian_zcdp_checks_the_noise(noise_multiplier):
    with pytest.raises((ValueError, TypeError), match="`noise_multiplier`"):
        gaussian_zcdp(noise_multiplier)
