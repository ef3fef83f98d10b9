"""Tests of ppml_lab.dp.logistic: DPLogisticRegression.

The scikit-learn contract, reproducibility under ``rng``, that the released
model's noise meets its accounting (PLD, tight), accuracy well above chance on
breast_cancer at epsilon = 1, bad input, and the budget ledger.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from ppml_lab.dp import BudgetAccountant, DPLogisticRegression, dpsgd_epsilon, gaussian_delta
from ppml_lab.attacks import worst_case_canary_audit
from ppml_lab.dp import logistic
from ppml_lab.dp.logistic import output_perturbation_l2
from ppml_lab.exceptions import BudgetExceededError, PrivacyLeakWarning


def unit_rows(X):
    return X / np.maximum(1.0, np.linalg.norm(X, axis=1, keepdims=True))


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    centres = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    y = rng.integers(0, 3, size=600)
    X = unit_rows(centres[y] * 0.6 + rng.normal(scale=0.15, size=(600, 2)))
    return X, y


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    return unit_rows(scaler.transform(X_tr)), unit_rows(scaler.transform(X_te)), y_tr, y_te


# --- the scikit-learn contract ----------------------------------------------------------------

def test_get_params_clone_and_fit_returns_self(blobs):
    X, y = blobs
    clf = DPLogisticRegression(epsilon=2.0, max_iter=30, rng=3)
    params = clf.get_params()
    assert params["epsilon"] == 2.0 and params["rng"] == 3 and params["max_iter"] == 30
    twin = clone(clf)
    assert twin.get_params() == params
    assert clf.fit(X, y) is clf
    assert not hasattr(twin, "coef_")
    assert np.array_equal(clone(clf).fit(X, y).coef_, clf.coef_)


def test_init_stores_without_validating():
    clf = DPLogisticRegression(epsilon=-1, rng="nonsense")
    assert clf.epsilon == -1 and clf.rng == "nonsense"


def test_predict_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError):
        DPLogisticRegression().predict(np.zeros((1, 2)))


def test_string_labels_and_shapes(blobs):
    X, y = blobs
    names = np.array(["cat", "dog", "emu"])[y]
    clf = DPLogisticRegression(epsilon=5.0, rng=0).fit(X, names)
    assert clf.classes_.tolist() == ["cat", "dog", "emu"]
    assert clf.coef_.shape == (3, 2) and clf.intercept_.shape == (3,)
    proba = clf.predict_proba(X)
    assert proba.shape == (600, 3) and np.allclose(proba.sum(axis=1), 1)
    assert set(clf.predict(X)) <= {"cat", "dog", "emu"}
    assert clf.score(X, names) > 0.9
    assert clf.n_features_in_ == 2 and clf.n_iter_ == 150


def test_binary_is_one_softmax_with_sklearn_shapes(cancer):
    X_tr, _, y_tr, _ = cancer
    clf = DPLogisticRegression(rng=0).fit(X_tr, y_tr)
    assert clf.coef_.shape == (1, X_tr.shape[1]) and clf.intercept_.shape == (1,)
    scores = clf.decision_function(X_tr)
    assert np.array_equal(clf.predict(X_tr), clf.classes_[(scores > 0).astype(int)])


# --- randomness and accounting ----------------------------------------------------------------

def test_same_rng_same_model_different_rng_different(blobs):
    X, y = blobs
    a = DPLogisticRegression(rng=7).fit(X, y).coef_
    b = DPLogisticRegression(rng=7).fit(X, y).coef_
    c = DPLogisticRegression(rng=8).fit(X, y).coef_
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)
    gen = np.random.default_rng(1)
    clf = DPLogisticRegression(rng=gen)
    clf.fit(X, y)
    assert clf.rng is gen  # stored unmodified


@pytest.mark.parametrize("epsilon, batch_size", [(0.5, None), (1.0, None), (3.0, 100)])
def test_noise_multiplier_meets_the_accounting_tightly(blobs, epsilon, batch_size):
    X, y = blobs
    clf = DPLogisticRegression(epsilon=epsilon, batch_size=batch_size, max_iter=40,
                               rng=0).fit(X, y)
    q = 1.0 if batch_size is None else batch_size / len(X)
    assert clf.sample_rate_ == q
    sigma = clf.noise_multiplier_
    if batch_size is None:
        # 40 full-batch Gaussian steps = one Gaussian release with sigma / sqrt(40): exact
        assert gaussian_delta(sigma / math.sqrt(40), epsilon) <= 1e-5
        assert gaussian_delta(sigma * 0.999 / math.sqrt(40), epsilon) > 1e-5
        # the PLD accountant (pessimistic by its discretisation) agrees to 0.1%
        assert dpsgd_epsilon(sigma, q, 40, 1e-5, accountant="pld") == pytest.approx(
            epsilon, rel=1e-3)
        return
    spent = dpsgd_epsilon(sigma, q, 40, 1e-5, accountant="pld")
    assert spent <= epsilon
    assert dpsgd_epsilon(sigma * 0.999, q, 40, 1e-5, accountant="pld") > epsilon
    assert clf.epsilon_spent_ == epsilon and clf.delta_spent_ == 1e-5


def test_replace_one_doubles_the_noise(blobs, monkeypatch):
    X, y = blobs
    seen = []
    original = DPLogisticRegression._gd

    def spy(*args, **kwargs):
        seen.append(kwargs["noise_std"])
        return original(*args, **kwargs)

    monkeypatch.setattr(DPLogisticRegression, "_gd", staticmethod(spy))
    DPLogisticRegression(rng=0).fit(X, y)
    DPLogisticRegression(neighbouring="replace_one", rng=0).fit(X, y)
    assert seen[1] == pytest.approx(2 * seen[0])


def test_output_perturbation_noise_norm_follows_gamma(blobs):
    X, y = blobs
    base = DPLogisticRegression(method="output_perturbation", epsilon=1e6, l2=1e-3,
                                rng=0).fit(X, y)
    norms = [np.linalg.norm(DPLogisticRegression(method="output_perturbation", epsilon=1.0,
                                                 l2=1e-3, rng=s).fit(X, y).weights_ - base.weights_)
             for s in range(40)]
    dim, n, l2 = 9, 600, 1e-3
    scale = 2 * math.sqrt(2) * math.sqrt(2) / (n * l2) / 1.0
    assert np.mean(norms) == pytest.approx(dim * scale, rel=0.15)
    assert base.noise_multiplier_ != base.noise_multiplier_  # NaN: no Gaussian noise
    assert base.delta_spent_ == 0.0


def test_binary_output_perturbation_is_one_logistic_vector_with_gamma_noise(cancer):
    X_tr, _, y_tr, _ = cancer
    base = DPLogisticRegression(method="output_perturbation", epsilon=1e9, l2=0.1,
                                rng=0).fit(X_tr, y_tr)
    assert np.all(base.weights_[0] == 0.0)  # class 0's softmax row is the zero vector
    # the minimiser is scikit-learn's L2 logistic regression (mean loss + l2/2 |w|^2, with the
    # intercept penalised too: append a constant column and switch the intercept off)
    n = len(X_tr)
    ref = LogisticRegression(C=1.0 / (n * 0.1), fit_intercept=False, tol=1e-12, max_iter=10_000)
    ref.fit(np.hstack([X_tr, np.ones((n, 1))]), y_tr)
    assert np.allclose(base.weights_[1], ref.coef_[0], atol=1e-5)
    norms = [np.linalg.norm(DPLogisticRegression(method="output_perturbation", epsilon=2.0,
                                                 l2=0.1, rng=s).fit(X_tr, y_tr).weights_[1]
                            - base.weights_[1]) for s in range(200)]
    dim, scale = X_tr.shape[1] + 1, 2 * math.sqrt(2) / (n * 0.1) / 2.0  # L = sqrt(1 + 1)
    # the norm is Gamma(dim, scale): its mean dim*scale, its std sqrt(dim)*scale; the mean of
    # 200 draws is within 4 standard errors
    assert abs(np.mean(norms) - dim * scale) < 4 * math.sqrt(dim) * scale / math.sqrt(200)
    assert np.std(norms) == pytest.approx(math.sqrt(dim) * scale, rel=0.25)


def test_output_perturbation_default_penalty_uses_public_quantities_only(cancer):
    X_tr, _, y_tr, _ = cancer
    n, d = X_tr.shape
    for eps in (0.5, 4.0):
        auto = DPLogisticRegression(method="output_perturbation", epsilon=eps, rng=3)
        manual = DPLogisticRegression(method="output_perturbation", epsilon=eps, rng=3,
                                      l2=output_perturbation_l2(eps, n, d + 1))
        assert np.array_equal(auto.fit(X_tr, y_tr).weights_, manual.fit(X_tr, y_tr).weights_)
    assert output_perturbation_l2(1.0, 100, 10) == pytest.approx(0.4)


# --- an audit of the release (Jagielski et al. 2020) -------------------------------------------

def _canary_audit(epsilon=2.0):
    """The worst-case canary audit of ppml_lab.attacks.canary (canary alone on a feature, tiny
    learning rate so its gradient has norm clip_norm at every step, white-box score)."""
    return worst_case_canary_audit(
        lambda g: DPLogisticRegression(epsilon, learning_rate=1e-3, max_iter=20, rng=g),
        n_trials=2000, rng=0)


def test_audit_lower_bound_stays_below_the_claimed_epsilon():
    result = _canary_audit()
    assert not result.caught  # a lower bound (95% confidence) above the claim = a bug


def test_audit_detects_noise_four_times_too_small(monkeypatch):
    # the same audit has the power to catch a broken calibration: with a quarter of the
    # noise the release is far from 2-DP, and the lower bound says so
    calibrated = logistic._noise_multiplier
    monkeypatch.setattr(logistic, "_noise_multiplier", lambda *args: calibrated(*args) / 4)
    assert _canary_audit().caught


# --- accuracy ----------------------------------------------------------------------------------

def test_accuracy_on_breast_cancer_at_epsilon_1(cancer):
    X_tr, X_te, y_tr, y_te = cancer
    acc = [DPLogisticRegression(epsilon=1.0, rng=s).fit(X_tr, y_tr).score(X_te, y_te)
           for s in range(5)]
    assert np.median(acc) >= 0.9  # chance is 0.63 (the majority class)
    op = [DPLogisticRegression(epsilon=5.0, method="output_perturbation", rng=s)
          .fit(X_tr, y_tr).score(X_te, y_te) for s in range(5)]
    assert np.median(op) >= 0.8


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("params, kind, match", [
    ({"epsilon": 0}, ValueError, "`epsilon`"),
    ({"epsilon": float("nan")}, ValueError, "`epsilon`"),
    ({"epsilon": True}, TypeError, "`epsilon`"),
    ({"delta": 1.0}, ValueError, "`delta`"),
    ({"delta": 0}, ValueError, "`delta`"),
    ({"method": "sgd"}, ValueError, "`method`"),
    ({"max_iter": 0}, ValueError, "`max_iter`"),
    ({"learning_rate": -1}, ValueError, "`learning_rate`"),
    ({"l2": -1}, ValueError, "`l2`"),
    ({"clip_norm": 0}, ValueError, "`clip_norm`"),
    ({"data_norm": 0}, ValueError, "`data_norm`"),
    ({"batch_size": 10_000}, ValueError, "`batch_size`"),
    ({"neighbouring": "swap"}, ValueError, "`neighbouring`"),
    ({"method": "output_perturbation", "neighbouring": "add_remove"}, ValueError,
     "`neighbouring`"),
    ({"rng": "seed"}, TypeError, "`rng`"),
    ({"accountant": object()}, TypeError, "`accountant`"),
])
def test_bad_parameters_raise_naming_them(blobs, params, kind, match):
    X, y = blobs
    clf = DPLogisticRegression(**params)
    with pytest.raises(kind, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "coef_")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_features_raise(blobs, bad):
    X, y = blobs
    X = X.copy()
    X[3, 1] = bad
    with pytest.raises(ValueError, match="`X` must be free of NaN"):
        DPLogisticRegression().fit(X, y)


def test_single_class_and_wrong_shapes_raise(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="`y` must be labels of at least two classes"):
        DPLogisticRegression().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="`y` must be one label per row"):
        DPLogisticRegression().fit(X, y[:-1])
    with pytest.raises(ValueError, match="`X` must be a 2-dimensional"):
        DPLogisticRegression().fit(X[:, 0], y)
    clf = DPLogisticRegression(rng=0).fit(X, y)
    with pytest.raises(ValueError, match="`X` must have 2 features"):
        clf.predict(np.zeros((1, 3)))


def test_unbounded_rows_raise_and_data_norm_none_leaks(blobs):
    X, y = blobs
    clf = DPLogisticRegression(rng=0)
    with pytest.raises(ValueError, match=r"`X` must have rows of L2 norm <= data_norm=1; got "
                                         r"\d+ of 600 rows longer .*unit_rows"):
        clf.fit(X * 10, y)
    assert not hasattr(clf, "coef_")
    # rows exactly on the bound (up to rounding) are accepted, and a larger bound is honoured
    DPLogisticRegression(rng=0).fit(X / np.linalg.norm(X, axis=1, keepdims=True), y)
    wide = DPLogisticRegression(data_norm=10.0, clip_norm=None, rng=0).fit(X * 10, y)
    assert wide.clip_norm_ == pytest.approx(math.sqrt(2) * math.sqrt(101))
    with pytest.warns(PrivacyLeakWarning, match="data_norm=None"):
        DPLogisticRegression(data_norm=None, rng=0).fit(X * 10, y)


# --- the budget ledger -------------------------------------------------------------------------

def test_accountant_is_charged_and_refuses(blobs):
    X, y = blobs
    ledger = BudgetAccountant(epsilon=1.5, delta=1e-4)
    DPLogisticRegression(epsilon=1.0, accountant=ledger, rng=0).fit(X, y)
    entry = ledger.history[-1]
    assert entry.label == "DPLogisticRegression.fit"
    assert ledger.spent.epsilon == 1.0 and ledger.spent.delta == 1e-5
    refused = DPLogisticRegression(epsilon=1.0, accountant=ledger, rng=0)
    with pytest.raises(BudgetExceededError):
        refused.fit(X, y)
    assert not hasattr(refused, "coef_")
    assert ledger.spent.epsilon == 1.0
    with pytest.raises(NotFittedError):
        refused.predict(X)
