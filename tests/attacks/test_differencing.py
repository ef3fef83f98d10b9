"""The differencing attack: exact counts give the target away; Laplace noise brings it to the
probability the closed form predicts, and towards a coin flip as epsilon shrinks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ppml_lab.attacks import differencing_attack, differencing_success_probability
from ppml_lab.datasets import synthetic_population


@pytest.fixture(scope="module")
def people():
    return synthetic_population(rng=0)


def _unique_target(people, has: bool) -> int:
    """A row unique on (ZIP, birth date, sex), with or without HIV."""
    from ppml_lab.attacks import quasi_identifier_key
    from ppml_lab.attacks.linkage import class_sizes

    unique = class_sizes(quasi_identifier_key(people)) == 1
    rows = np.flatnonzero(unique & ((people.diagnosis == "HIV") == has))
    return int(rows[0])


@pytest.mark.parametrize("has", [True, False])
def test_exact_counts_reveal_the_target_despite_a_minimum_query_size(people, has):
    target = _unique_target(people, has)
    result = differencing_attack(people, target, min_query_size=100, n_trials=5)
    assert result.answered and result.size_without_target >= 100
    assert result.true_all - result.true_without_target == int(has)
    assert result.target_has_it is has and result.success_rate == 1.0
    assert "NOT (birth_date" in result.query_without_target


def test_a_large_enough_minimum_query_size_refuses(people):
    target = _unique_target(people, True)
    result = differencing_attack(people, target, min_query_size=len(people))
    assert not result.answered and result.success_rate == 0.5


@pytest.mark.parametrize("epsilon", [0.1, 0.5, 1.0, 3.0])
@pytest.mark.parametrize("has", [True, False])
def test_laplace_answers_bring_success_to_the_closed_form(people, epsilon, has):
    # 20,000 trials: the binomial standard error is at most 0.0035; 5 SE is allowed
    trials = 20_000
    result = differencing_attack(people, _unique_target(people, has), epsilon=epsilon,
                                 n_trials=trials, rng=11)
    p = differencing_success_probability(epsilon)
    se = math.sqrt(p * (1 - p) / trials)
    assert abs(result.success_rate - p) < 5 * se


def test_success_falls_towards_a_coin_flip_as_epsilon_shrinks():
    probs = [differencing_success_probability(e) for e in (10.0, 1.0, 0.1, 0.01)]
    assert probs == sorted(probs, reverse=True)
    assert probs[-1] < 0.502 and probs[0] > 0.98


def test_closed_form_matches_a_direct_simulation():
    g = np.random.default_rng(5)
    b = 1 / 0.7
    d = g.laplace(0, b, 400_000) - g.laplace(0, b, 400_000)
    assert np.mean(1 + d > 0.5) == pytest.approx(differencing_success_probability(0.7), abs=0.004)


def test_same_seed_same_answers(people):
    a = differencing_attack(people, 3, epsilon=1.0, n_trials=10, rng=4)
    b = differencing_attack(people, 3, epsilon=1.0, n_trials=10, rng=4)
    assert np.array_equal(a.differences, b.differences)


@pytest.mark.parametrize("kwargs, error, name", [
    ({"target": -1}, ValueError, "target"),
    ({"target": 10**6}, ValueError, "target"),
    ({"target": 1.0}, TypeError, "target"),
    ({"target": 0, "diagnosis": "flu"}, ValueError, "diagnosis"),
    ({"target": 0, "epsilon": 0.0}, ValueError, "epsilon"),
    ({"target": 0, "n_trials": 0}, ValueError, "n_trials"),
    ({"target": 0, "min_query_size": 0}, ValueError, "min_query_size"),
])
def test_bad_input_names_the_parameter(people, kwargs, error, name):
    with pytest.raises(error, match=f"`{name}`"):
        differencing_attack(people, **kwargs)
