"""Tests of ppml_lab.attacks.audit: Clopper-Pearson against scipy, and the bound holds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from ppml_lab.attacks import audit_epsilon_lower_bound, clopper_pearson, empirical_epsilon


@pytest.mark.parametrize("k, n", [(0, 10), (10, 10), (3, 10), (1, 1000), (500, 1000),
                                  (999, 1000), (7, 13)])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.999])
def test_clopper_pearson_matches_scipy_binomtest(k, n, confidence):
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    lo, hi = clopper_pearson(k, n, confidence)
    assert lo == pytest.approx(ci.low, abs=1e-12)
    assert hi == pytest.approx(ci.high, abs=1e-12)


def test_clopper_pearson_broadcasts():
    lo, hi = clopper_pearson(np.array([0, 5, 10]), 10)
    assert lo.shape == hi.shape == (3,)
    assert lo[0] == 0.0 and hi[2] == 1.0


@pytest.mark.parametrize("k, n, kind", [(-1, 10, ValueError), (11, 10, ValueError),
                                         (2.5, 10, TypeError), ([1, 20], 10, ValueError)])
def test_clopper_pearson_bad_counts(k, n, kind):
    with pytest.raises(kind, match="^`k` must be whole counts"):
        clopper_pearson(k, n)


@pytest.mark.parametrize("n, kind", [(-1, ValueError), (10.0, TypeError), (True, TypeError),
                                     (None, TypeError), ("10", TypeError),
                                     ([10, 10, 10], ValueError)])
def test_clopper_pearson_blames_n_for_a_bad_n(n, kind):
    # a bad n used to be reported as a bad `k`
    with pytest.raises(kind, match="^`n` must be"):
        clopper_pearson([1, 2], n)


def test_empirical_epsilon_formula():
    # by hand: both Clopper-Pearson ends, the better of the two ratios
    tp, fp, tn, fn = 450, 40, 460, 50
    tpr_lo, _ = clopper_pearson(tp, tp + fn, 0.95)
    _, fpr_hi = clopper_pearson(fp, fp + tn, 0.95)
    expected = max(math.log(tpr_lo / fpr_hi), math.log((1 - fpr_hi) / (1 - tpr_lo)))
    assert empirical_epsilon(tp, fp, tn, fn) == pytest.approx(expected)
    # delta lowers the bound
    assert empirical_epsilon(tp, fp, tn, fn, delta=0.1) < expected
    # no signal: clamped at 0
    assert empirical_epsilon(10, 10, 10, 10) == 0.0
    assert empirical_epsilon(0, 0, 10, 10) == 0.0


def _randomized_response_trials(epsilon, n, trials, seed):
    """Bit b in {0, 1} reported truthfully with probability e^eps / (1 + e^eps)."""
    rng = np.random.default_rng(seed)
    keep = math.exp(epsilon) / (1 + math.exp(epsilon))
    out_in = (rng.random((trials, n)) < keep).astype(float)      # b = 1: says 1 w.p. keep
    out_out = (rng.random((trials, n)) >= keep).astype(float)    # b = 0: says 1 w.p. 1 - keep
    return out_in, out_out


@pytest.mark.parametrize("epsilon", [0.5, 1.0, 3.0])
def test_bound_rarely_exceeds_the_true_epsilon_of_randomized_response(epsilon):
    trials = 200
    s_in, s_out = _randomized_response_trials(epsilon, 500, trials, seed=int(epsilon * 10))
    bounds = np.array([audit_epsilon_lower_bound(a, b, confidence=0.95).epsilon
                       for a, b in zip(s_in, s_out)])
    # at confidence 0.95 at most 5 % of trials may exceed epsilon; allow binomial slack
    allowed = stats.binom.ppf(0.999, trials, 0.05)
    violations = int(np.sum(bounds > epsilon))
    assert violations <= allowed, (violations, bounds.max())
    # the counts themselves (no threshold choice) give a valid bound too
    tp, fn = s_in.sum(1).astype(int), (1 - s_in).sum(1).astype(int)
    fp, tn = s_out.sum(1).astype(int), (1 - s_out).sum(1).astype(int)
    direct = np.array([empirical_epsilon(*c) for c in zip(tp, fp, tn, fn)])
    assert np.sum(direct > epsilon) <= allowed, np.sum(direct > epsilon)
    if epsilon >= 1.0:
        assert np.median(bounds) > 0.5 * epsilon  # tight enough to be informative
        assert np.all(direct > 0)


def test_bound_is_zero_for_an_attack_without_signal():
    rng = np.random.default_rng(3)
    res = audit_epsilon_lower_bound(rng.normal(size=2000), rng.normal(size=2000))
    assert res.epsilon < 0.3
    assert res.tp + res.fn == 1000 and res.fp + res.tn == 1000


def test_selection_on_the_same_data_is_reported_and_at_least_as_large():
    rng = np.random.default_rng(4)
    a, b = rng.normal(1, 1, 1000), rng.normal(0, 1, 1000)
    split = audit_epsilon_lower_bound(a, b)
    same = audit_epsilon_lower_bound(a, b, selection_fraction=0.0)
    assert same.tp + same.fn == 1000
    assert same.epsilon >= 0 and split.epsilon >= 0


@pytest.mark.parametrize("kwargs, kind, name", [
    (dict(tp=-1, fp=0, tn=1, fn=1), ValueError, "tp"),
    (dict(tp=1.5, fp=0, tn=1, fn=1), TypeError, "tp"),
    (dict(tp=0, fp=0, tn=1, fn=0), ValueError, "tp"),
    (dict(tp=1, fp=0, tn=0, fn=1), ValueError, "fp"),
    (dict(tp=1, fp=1, tn=1, fn=1, delta=1.0), ValueError, "delta"),
    (dict(tp=1, fp=1, tn=1, fn=1, confidence=95), ValueError, "confidence"),
])
def test_empirical_epsilon_bad_input(kwargs, kind, name):
    with pytest.raises(kind, match=f"^`{name}` must be"):
        empirical_epsilon(**kwargs)


@pytest.mark.parametrize("args, kwargs, name", [
    (([], [0.1]), {}, "scores_in"),
    (([0.1, 0.2], [[0.1]]), {}, "scores_out"),
    (([0.1, 0.2], [0.1, 0.2]), dict(selection_fraction=1.0), "selection_fraction"),
    (([0.1], [0.1, 0.2]), dict(selection_fraction=0.5), "selection_fraction"),
    (([0.1, 0.2], [0.1, 0.2]), dict(confidence=0.0), "confidence"),
])
def test_audit_bad_input(args, kwargs, name):
    with pytest.raises(ValueError, match=f"^`{name}` must be"):
        audit_epsilon_lower_bound(*args, **kwargs)
