"""The ledger where it meets estimators and searches: nothing under-recorded, nothing copied.

Regression tests for issue 13's reproducers (a parallel block without partitions,
``cross_val_score`` on a deep-copied ledger, a diverging step size) and a property test
that a ledger's ``spent`` is the sum of what its queries and fits report.
"""

from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score

from ppml_lab.dp import (BudgetAccountant, DPLogisticRegression, LaplaceMechanism, dp_count,
                         dp_mean)
from ppml_lab.dp import logistic as logistic_module
from ppml_lab.exceptions import BudgetExceededError

FIXED = settings(derandomize=True, deadline=None, max_examples=25)


def data(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) / 2
    X /= np.maximum(1.0, np.linalg.norm(X, axis=1, keepdims=True))
    return X, (X[:, 0] + 0.2 * rng.normal(size=n) > 0).astype(int)


# --- a ledger is never copied ----------------------------------------------------------------

def test_copies_of_a_ledger_are_the_ledger():
    led = BudgetAccountant(1.0)
    with led.parallel(label="b") as block:
        part = block.partition("p")
        for thing in (block, part):
            assert copy.copy(thing) is thing and copy.deepcopy(thing) is thing
    assert copy.copy(led) is led and copy.deepcopy(led) is led
    assert copy.deepcopy({"ledger": led})["ledger"] is led


def test_clone_shares_the_ledger():
    led = BudgetAccountant(10.0, delta=1e-3)
    model = DPLogisticRegression(accountant=led, rng=0)
    assert clone(model).accountant is led


def test_cross_val_score_charges_every_fit():
    """Issue 13: five fits at epsilon 1 used to leave the ledger at 0.0."""
    X, y = data()
    led = BudgetAccountant(10.0, delta=1e-3)
    scores = cross_val_score(DPLogisticRegression(accountant=led, rng=0), X, y, cv=5)
    assert len(scores) == 5
    assert led.spent.epsilon == 5.0 and math.isclose(led.spent.delta, 5e-5)
    assert [e.label for e in led.history] == ["DPLogisticRegression.fit"] * 5


def test_grid_search_charges_every_fit_and_the_refit():
    X, y = data()
    led = BudgetAccountant(100.0, delta=1e-3)
    search = GridSearchCV(DPLogisticRegression(epsilon=0.5, accountant=led, rng=0),
                          {"clip_norm": [0.1, 1.0]}, cv=3).fit(X, y)
    assert len(led.history) == 2 * 3 + 1 and led.spent.epsilon == 3.5
    assert search.best_estimator_.accountant is led


def test_a_search_that_would_overspend_is_stopped_by_the_ledger():
    X, y = data()
    led = BudgetAccountant(2.5, delta=1e-3)
    with pytest.raises(BudgetExceededError, match=r"spending epsilon=1\.0 would exceed the "
                                                  r"remaining budget \(0\.5 of 2\.5\)"):
        cross_val_score(DPLogisticRegression(accountant=led, rng=0), X, y, cv=5,
                        error_score="raise")
    assert led.spent.epsilon == 2.0


@pytest.mark.parametrize("make", [lambda led: led, lambda led: led.parallel(label="b")])
def test_a_ledger_refuses_to_be_pickled(make):
    with pytest.raises(TypeError, match=r"cannot be pickled or sent to another process .* "
                                        r"spends made there would never reach this ledger"):
        pickle.dumps(make(BudgetAccountant(1.0)))


def test_parallel_workers_are_refused_not_silently_uncharged():
    X, y = data()
    led = BudgetAccountant(10.0, delta=1e-3)
    with pytest.raises(Exception) as info:  # joblib wraps the refusal; ours is the cause
        cross_val_score(DPLogisticRegression(accountant=led, rng=0), X, y, cv=2, n_jobs=2,
                        error_score="raise")
    causes, exc = [], info.value
    while exc is not None:
        causes.append(str(exc))
        exc = exc.__cause__ or exc.__context__
    assert any("BudgetAccountant cannot be pickled" in text for text in causes), causes
    assert led.spent.epsilon == 0.0


# --- units of privacy --------------------------------------------------------------------

def test_output_perturbation_is_refused_by_an_add_remove_ledger():
    X, y = data()
    led = BudgetAccountant(5.0)
    with pytest.raises(ValueError, match=r"`neighbouring` of a spend must be the ledger's unit "
                                         r"'add_remove'.*got 'replace_one'.*neighbouring="
                                         r"'replace_one'"):
        DPLogisticRegression(method="output_perturbation", accountant=led, rng=0).fit(X, y)
    assert led.history == ()


def test_a_replace_one_ledger_takes_output_perturbation_and_converts_gd():
    X, y = data()
    led = BudgetAccountant(5.0, delta=1e-3, neighbouring="replace_one")
    op = DPLogisticRegression(method="output_perturbation", accountant=led, rng=0).fit(X, y)
    assert op.neighbouring_ == "replace_one" and led.spent.epsilon == 1.0
    gd = DPLogisticRegression(epsilon=0.5, accountant=led, rng=0).fit(X, y)
    assert gd.neighbouring_ == "add_remove"
    entry = led.history[-1]
    assert entry.epsilon == 1.0 and entry.delta == (1 + math.exp(0.5)) * 1e-5
    assert entry.label.endswith("[add/remove epsilon=0.5, delta=1e-05, charged as replace-one]")
    # gd calibrated for replace-one holds for both units and is charged as it is
    both = DPLogisticRegression(epsilon=0.5, neighbouring="replace_one", accountant=led, rng=0)
    both.fit(X, y)
    assert led.history[-1].epsilon == 0.5 and both.neighbouring_ == "replace_one"
    add_remove = BudgetAccountant(1.0, delta=1e-3)
    both.set_params(accountant=add_remove).fit(X, y)
    assert add_remove.spent.epsilon == 0.5 and both.neighbouring_ == "add_remove"
    assert "replacing one example" in led.report() and "neighbouring='replace_one'" in repr(led)
    assert BudgetAccountant.from_json(led.to_json()).neighbouring == "replace_one"


def test_a_bad_unit_is_a_clear_error():
    with pytest.raises(ValueError, match=r"`neighbouring` must be one of 'add_remove', "
                                         r"'replace_one'; got 'swap'"):
        BudgetAccountant(1.0, neighbouring="swap")
    with pytest.raises(ValueError, match=r"`neighbouring` must be one of"):
        BudgetAccountant(1.0).spend(0.1, label="x", neighbouring="swap")


# --- DP gradient descent never releases a diverged model ---------------------------------

def test_a_step_size_that_cannot_converge_is_refused_before_any_spend():
    """Issue 13: l2=0.5 with the default learning rate 5 gave weights of 1e9, silently."""
    X, y = data()
    led = BudgetAccountant(5.0, delta=1e-3)
    with pytest.raises(ValueError, match=r"`learning_rate` must be such that learning_rate \* "
                                         r"l2 < 2 .*got learning_rate=5\.0 and l2=0\.5 "
                                         r"\(product 2\.5\)\. With l2=0\.5, pass "
                                         r"learning_rate < 4"):
        DPLogisticRegression(l2=0.5, accountant=led, rng=0).fit(X, y)
    assert led.history == ()
    model = DPLogisticRegression(l2=0.5, learning_rate=2.0, rng=0).fit(X, y)
    assert np.all(np.isfinite(model.coef_)) and model.score(X, y) > 0.7


def test_overflowing_weights_are_never_released():
    X, y = data()
    model = DPLogisticRegression(learning_rate=1e307, rng=0)
    with pytest.raises(FloatingPointError, match=r"diverged: the weights overflowed with "
                                                 r"learning_rate=1e\+307"):
        model.fit(X, y)
    assert not hasattr(model, "coef_")


def test_output_perturbation_certifies_the_minimiser_before_spending(monkeypatch):
    X, y = data()
    real = logistic_module._minimise

    def sloppy(objective, size):
        w, _ = real(objective, size)
        w = w + 1e-3
        return w, float(np.linalg.norm(objective(w)[1]))

    monkeypatch.setattr(logistic_module, "_minimise", sloppy)
    led = BudgetAccountant(5.0, neighbouring="replace_one")
    with pytest.raises(RuntimeError, match=r"needs the exact minimiser.*nothing was spent"):
        DPLogisticRegression(method="output_perturbation", accountant=led, rng=0).fit(X, y)
    assert led.history == ()


# --- the property: spent = what was reported -----------------------------------------------

operations = st.lists(st.tuples(st.sampled_from(["count", "mean", "laplace", "fit", "cv",
                                                 "block"]),
                                st.sampled_from([0.125, 0.25, 0.5, 1.0])),
                      min_size=1, max_size=6)


@FIXED
@given(operations)
def test_spent_is_the_sum_of_what_queries_and_fits_report(ops):
    X, y = data(60)
    led = BudgetAccountant(100.0, delta=1e-2)
    reported = []  # (epsilon, delta) of every release, as each query or fit reports it
    for kind, epsilon in ops:
        if kind == "count":
            dp_count(X[:, 0], epsilon=epsilon, rng=0, accountant=led)
            reported.append((epsilon, 0.0))
        elif kind == "mean":
            dp_mean(X[:, 0], epsilon=epsilon, bounds=(-1, 1), rng=0, accountant=led)
            reported.append((epsilon, 0.0))
        elif kind == "laplace":
            LaplaceMechanism(epsilon).release(0.0, rng=0, accountant=led)
            reported.append((epsilon, 0.0))
        elif kind == "fit":
            m = DPLogisticRegression(epsilon=epsilon, max_iter=5, accountant=led, rng=0)
            m.fit(X, y)
            reported.append((m.epsilon_spent_, m.delta_spent_))
        elif kind == "cv":
            m = DPLogisticRegression(epsilon=epsilon, max_iter=5, accountant=led, rng=0)
            cross_val_score(m, X, y, cv=2)
            reported += [(epsilon, 1e-5)] * 2
        else:  # a block: two partitions, the second with two spends on the same rows
            with led.parallel(label="block") as block:
                dp_count(X[:30, 0], epsilon=epsilon, rng=0, accountant=block.partition("a"))
                dp_count(X[30:, 0], epsilon=epsilon, rng=0, accountant=block.partition("b"))
                dp_mean(X[30:, 0], epsilon=epsilon, bounds=(-1, 1), rng=0,
                        accountant=block.partition("b"))
            reported.append((2 * epsilon, 0.0))
    assert led.spent.epsilon == pytest.approx(sum(e for e, _ in reported), rel=1e-12)
    assert led.spent.delta == pytest.approx(sum(d for _, d in reported), rel=1e-12)
