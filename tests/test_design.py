"""Tests of ppml_lab.design: the capstone's designs measured side by side (notebook 12)."""

import math

import numpy as np
import pytest

from ppml_lab.datasets import load_classification
from ppml_lab.design import (DESIGNS, Design, design, evaluate_design, hospital_scenario)


def run(name, **kw):
    return evaluate_design(design(name, **kw), rng=0)


@pytest.mark.parametrize("n_hospitals", [3, 5, 10])
def test_dp_designs_report_the_ledgers_epsilon(n_hospitals):
    for name in ("centralised + DP", "federated + DP", "federated + secure aggregation + DP"):
        for epsilon in (0.5, 2.0):
            r = run(name, epsilon=epsilon, n_hospitals=n_hospitals)
            spent = r.ledger.spent
            assert r.epsilon == spent.epsilon and r.delta == spent.delta == 1e-5
            assert epsilon * 0.99 <= r.epsilon <= epsilon  # calibrated to the budget, never over
    assert run("centralised + DP", epsilon=0.5).epsilon == 0.5     # DPLogisticRegression: exact


def test_non_private_designs_have_no_guarantee_and_an_empty_ledger():
    for name in ("centralised", "federated", "federated + secure aggregation"):
        r = run(name)
        assert math.isinf(r.epsilon) and r.delta == 0 and r.advantage_bound == 1.0
        assert r.unit_of_privacy == "none" and r.ledger.spent.epsilon == 0
    assert run("centralised + DP").unit_of_privacy == "one patient"
    assert run("federated + DP").unit_of_privacy == "one hospital"


@pytest.mark.parametrize("n_hospitals", [3, 5, 10])
def test_secure_aggregation_changes_what_the_server_sees_not_the_model(n_hospitals):
    plain, secure = run("federated", n_hospitals=n_hospitals), run(
        "federated + secure aggregation", n_hospitals=n_hospitals)
    assert abs(plain.accuracy - secure.accuracy) < 1e-3
    dp, secure_dp = (run("federated + DP", n_hospitals=n_hospitals, epsilon=2.0),
                     run("federated + secure aggregation + DP", n_hospitals=n_hospitals,
                         epsilon=2.0))
    assert abs(dp.accuracy - secure_dp.accuracy) < 1e-3
    # one plain update from one patient inverts exactly; central DP-FedAvg's server clips and
    # noises after seeing the updates, so it inverts them exactly too
    assert plain.inversion_quality == pytest.approx(1.0, abs=1e-9)
    assert dp.inversion_quality == pytest.approx(1.0, abs=1e-9)
    # the sum is a mix; the noisy sum reveals no more than a lookalike patient
    assert secure.inversion_quality < 1 - 1e-3
    assert secure_dp.inversion_quality < secure_dp.inversion_baseline
    # secure aggregation costs bytes
    assert secure.bytes > plain.bytes


def test_more_hospitals_in_the_sum_recover_less():
    qualities = [run("federated + secure aggregation", n_hospitals=h).inversion_quality
                 for h in (3, 10)]
    assert qualities[1] < qualities[0] - 0.1


def test_centralised_designs_hold_the_records():
    data = load_classification("breast_cancer")
    for name in ("centralised", "centralised + DP"):
        r = run(name)
        assert r.inversion_quality == 1.0 and r.server_sees == "every hospital's records"
        assert r.bytes == data.X_train.nbytes + data.y_train.nbytes


def test_accuracy_grows_with_epsilon_and_dp_costs_accuracy():
    for name in ("centralised + DP", "federated + DP"):
        acc = [run(name, epsilon=e).accuracy for e in (0.5, 8.0)]
        assert acc[0] < acc[1]
    assert run("centralised + DP", epsilon=0.5).accuracy < run("centralised").accuracy
    # one hospital is a far larger unit than one patient: at the same epsilon, DP-FedAvg over
    # five hospitals is much less accurate than DP training of one patient at a time
    assert run("federated + DP", epsilon=1.0).accuracy < run("centralised + DP",
                                                              epsilon=1.0).accuracy - 0.1


def test_membership_attack_is_at_chance_and_within_the_dp_bound():
    for name in DESIGNS:
        r = run(name, epsilon=1.0)
        assert 0 <= r.membership_advantage < r.advantage_floor   # this model barely overfits
        assert r.membership_advantage <= r.advantage_bound
        assert 0.4 < r.membership_auc < 0.6
    assert run("centralised + DP", epsilon=0.5).advantage_bound < run(
        "centralised + DP", epsilon=2.0).advantage_bound < 1


def test_measured_costs_are_positive():
    for name in DESIGNS:
        r = run(name)
        assert r.seconds > 0 and r.bytes > 0 and r.he_seconds == 0 and r.he_bytes == 0


def test_he_inference_matches_the_plaintext_model():
    plain = run("federated")
    he = run("federated", he_inference=True)
    assert he.accuracy == plain.accuracy
    assert he.he_max_abs_error < 1e-6 and he.he_seconds > 0 and he.he_bytes > 1000
    assert "HE inference" in he.name
    central = run("centralised + DP", he_inference=True)
    assert central.he_max_abs_error < 1e-6


def test_seeded_and_cached():
    a = evaluate_design(design("federated"), rng=0)
    assert evaluate_design(design("federated"), rng=0) is a
    assert evaluate_design(design("federated"), rng=np.random.default_rng(0)) is a
    s0, s1 = hospital_scenario(5, rng=0), hospital_scenario(5, rng=1)
    assert not all(np.array_equal(p, q) for p, q in zip(s0.partitions, s1.partitions))
    assert sorted(np.concatenate(s0.partitions).tolist()) == list(range(s0.n_train))


def test_ledger_is_a_copy():
    r = run("centralised + DP", epsilon=1.0)
    ledger = r.ledger
    with pytest.raises(ValueError):
        ledger.spend(0.5, label="over")
    assert r.ledger.spent.epsilon == 1.0 and ledger is not r.ledger


def test_summary_has_no_timings():
    text = run("federated + DP", epsilon=1.0).summary()
    assert "epsilon 1.00 per hospital" in text and "second" not in text


@pytest.mark.parametrize("kwargs, name, kind", [
    ({"n_hospitals": 1}, "n_hospitals", ValueError),
    ({"n_hospitals": 2.5}, "n_hospitals", TypeError),
    ({"epsilon": 0}, "epsilon", ValueError),
    ({"epsilon": float("nan")}, "epsilon", ValueError),
    ({"dp": "yes"}, "dp", TypeError),
    ({"federated": False, "secure_aggregation": True}, "secure_aggregation", ValueError),
])
def test_bad_design_names_the_parameter(kwargs, name, kind):
    with pytest.raises(kind, match=f"`{name}`"):
        Design(**kwargs)


def test_bad_names_and_types():
    with pytest.raises(ValueError, match="`name`"):
        design("federated + HE")
    with pytest.raises(TypeError, match="`design`"):
        evaluate_design("federated", rng=0)
    with pytest.raises(ValueError, match="`n_hospitals`"):
        hospital_scenario(21)
