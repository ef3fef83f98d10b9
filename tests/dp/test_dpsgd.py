"""Tests of ppml_lab.dp.dpsgd: epsilon of a DP-SGD run and noise calibration.

The RDP answers are compared with dp-accounting's RDP accountant, the PLD
answers with dp-accounting's PLD accountant (same discretisation, 1e-4).
Calibration is checked to return a noise multiplier that meets the target and
is the smallest that does, to its stated precision.
"""

from __future__ import annotations

import math

import dp_accounting
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppml_lab.dp import calibrate_noise_multiplier, dpsgd_epsilon
from ppml_lab.dp import dpsgd as dpsgd_module

FIXED = settings(derandomize=True, deadline=None, max_examples=15)

#: (sample_rate, noise_multiplier, steps, delta): the DP-SGD settings of issue 3
ISSUE_SETTINGS = [(256 / 60000, 1.1, 14063, 1e-5), (0.01, 1.0, 1000, 1e-5),
                  (0.1, 2.0, 100, 1e-6), (1.0, 5.0, 10, 1e-5), (0.05, 0.8, 500, 1e-5)]

def dp_accounting_epsilon(q, sigma, steps, delta, accountant="rdp"):
    event = dp_accounting.GaussianDpEvent(sigma)
    if q < 1:
        event = dp_accounting.PoissonSampledDpEvent(q, event)
    if accountant == "rdp":
        acc = dp_accounting.rdp.RdpAccountant()
    else:
        acc = dp_accounting.pld.PLDAccountant(value_discretization_interval=1e-4)
    acc.compose(event, steps)
    return acc.get_epsilon(delta)


# --------------------------------------------------------------------------------------------
# dpsgd_epsilon
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("q, sigma, steps, delta", ISSUE_SETTINGS)
def test_rdp_epsilon_matches_dp_accounting(q, sigma, steps, delta):
    ours = dpsgd_epsilon(sigma, q, steps, delta)
    assert ours == pytest.approx(dp_accounting_epsilon(q, sigma, steps, delta), rel=1e-9)


@pytest.mark.parametrize("q, sigma, steps, delta", ISSUE_SETTINGS)
def test_pld_epsilon_is_close_to_dp_accounting_and_below_rdp(q, sigma, steps, delta):
    ours = dpsgd_epsilon(sigma, q, steps, delta, accountant="pld")
    reference = dp_accounting_epsilon(q, sigma, steps, delta, accountant="pld")
    assert reference * (1 - 0.005) <= ours <= reference * 1.01
    assert ours < dpsgd_epsilon(sigma, q, steps, delta)


@FIXED
@given(q=st.floats(1e-3, 1.0), sigma=st.floats(0.6, 8.0), steps=st.integers(1, 3000))
def test_epsilon_is_monotone(q, sigma, steps):
    base = dpsgd_epsilon(sigma, q, steps, 1e-5)
    assert dpsgd_epsilon(sigma, q, steps * 2, 1e-5) >= base  # more steps
    assert dpsgd_epsilon(sigma * 0.9, q, steps, 1e-5) >= base  # less noise
    assert dpsgd_epsilon(sigma, q, steps, 1e-6) >= base  # smaller delta


# --------------------------------------------------------------------------------------------
# calibrate_noise_multiplier
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("q, sigma, steps, delta", ISSUE_SETTINGS)
def test_calibration_inverts_dpsgd_epsilon(q, sigma, steps, delta):
    target = dpsgd_epsilon(sigma, q, steps, delta)
    found = calibrate_noise_multiplier(target, delta, q, steps)
    assert found == pytest.approx(sigma, rel=2e-6)
    assert dpsgd_epsilon(found, q, steps, delta) <= target  # meets the target ...
    assert dpsgd_epsilon(found * (1 - 2e-6), q, steps, delta) > target  # ... and is the smallest


@pytest.mark.parametrize("target", [0.1, 0.5, 1.0, 3.0, 8.0, 50.0])
def test_calibration_meets_round_targets(target):
    q, steps, delta = 0.01, 2000, 1e-5
    sigma = calibrate_noise_multiplier(target, delta, q, steps)
    assert dpsgd_epsilon(sigma, q, steps, delta) <= target
    assert dpsgd_epsilon(sigma * (1 - 2e-6), q, steps, delta) > target


def test_calibration_needs_more_noise_for_a_smaller_target():
    sigmas = [calibrate_noise_multiplier(t, 1e-5, 0.004, 5000) for t in (0.5, 1.0, 2.0, 4.0, 8.0)]
    assert np.all(np.diff(sigmas) < 0)


def test_pld_calibration_meets_its_target_with_less_noise():
    q, steps, delta, target = 0.01, 1000, 1e-5, 2.0
    sigma = calibrate_noise_multiplier(target, delta, q, steps, accountant="pld")
    assert dpsgd_epsilon(sigma, q, steps, delta, accountant="pld") <= target
    assert dpsgd_epsilon(sigma * (1 - 1e-5), q, steps, delta, accountant="pld") > target
    assert sigma < calibrate_noise_multiplier(target, delta, q, steps)


def test_an_unreachable_target_is_refused():
    # a million full-batch steps: even noise_multiplier=1e6 leaves epsilon ~ 0.004
    with pytest.raises(ValueError, match="`target_epsilon` must be reachable with "
                                         "noise_multiplier <= 1e\\+06"):
        calibrate_noise_multiplier(1e-4, 1e-5, 1.0, 10**6)


def test_a_target_met_without_noise_is_refused(monkeypatch):
    monkeypatch.setattr(dpsgd_module, "NOISE_MULTIPLIER_RANGE", (5.0, 1e6))
    with pytest.raises(ValueError, match="`target_epsilon` must be small enough that some "
                                         "noise is needed"):
        calibrate_noise_multiplier(50.0, 1e-5, 0.01, 10)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"target_epsilon": 0.0}, ValueError, "`target_epsilon` must be a positive"),
    ({"target_epsilon": -1.0}, ValueError, "`target_epsilon`"),
    ({"target_epsilon": math.nan}, ValueError, "`target_epsilon`"),
    ({"target_epsilon": math.inf}, ValueError, "`target_epsilon`"),
    ({"delta": 0.0}, ValueError, "`delta`"),
    ({"delta": 1.0}, ValueError, "`delta`"),
    ({"delta": -1e-5}, ValueError, "`delta`"),
    ({"delta": math.nan}, ValueError, "`delta`"),
    ({"sample_rate": 0.0}, ValueError, r"`sample_rate` must be a number in \(0, 1\]"),
    ({"sample_rate": 1.01}, ValueError, "`sample_rate`"),
    ({"steps": 0}, ValueError, r"`steps` must be an integer in \[1, 1000000000\]"),
    ({"steps": 100.0}, TypeError, "`steps`"),
    ({"accountant": "moments"}, ValueError, "`accountant` must be one of 'rdp', 'pld'"),
])
def test_calibration_checks_its_input(kwargs, error, match):
    args = {"target_epsilon": 1.0, "delta": 1e-5, "sample_rate": 0.01, "steps": 100} | kwargs
    with pytest.raises(error, match=match):
        calibrate_noise_multiplier(**args)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"noise_multiplier": 0.0}, ValueError, "`noise_multiplier` must be a positive"),
    ({"noise_multiplier": -1.1}, ValueError, "`noise_multiplier`"),
    ({"noise_multiplier": math.nan}, ValueError, "`noise_multiplier`"),
    ({"sample_rate": -0.1}, ValueError, "`sample_rate`"),
    ({"sample_rate": math.nan}, ValueError, "`sample_rate`"),
    ({"steps": -1}, ValueError, "`steps`"),
    ({"steps": 1.5}, TypeError, "`steps`"),
    ({"delta": 1.5}, ValueError, "`delta`"),
    ({"delta": -0.1}, ValueError, "`delta`"),
    ({"accountant": "RDP"}, ValueError, "`accountant`"),
])
def test_dpsgd_epsilon_checks_its_input(kwargs, error, match):
    args = {"noise_multiplier": 1.0, "sample_rate": 0.01, "steps": 100, "delta": 1e-5} | kwargs
    with pytest.raises(error, match=match):
        dpsgd_epsilon(**args)


@pytest.mark.parametrize("sigma, q, steps", [(0.01, 1.0, 1), (1.0, 1.0, 10**6)])
def test_pld_grid_too_large_is_blamed_on_noise_multiplier_not_an_internal_name(sigma, q, steps):
    # the PLD accountant's grid would not fit in memory; the message used to name
    # `value_discretization_interval`, which dpsgd_epsilon has no parameter for
    with pytest.raises(ValueError, match="^`noise_multiplier` must be large enough for the PLD") \
            as info:
        dpsgd_epsilon(sigma, q, steps, 1e-5, accountant="pld")
    assert "value_discretization_interval" not in str(info.value)
    assert "accountant='rdp'" in str(info.value)
