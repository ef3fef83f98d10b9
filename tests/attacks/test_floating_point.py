"""Tests of ppml_lab.attacks.floating_point: the attack works on the textbook Laplace
mechanism and falls to chance against LaplaceMechanism(..., secure=True).

Tolerances are binomial, from the number of trials. All randomness is seeded.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ppml_lab.attacks import (FloatingPointResult, could_release, float_bits,
                              floating_point_attack, floating_point_experiment,
                              naive_laplace_noise)
from ppml_lab.dp import LaplaceMechanism

N_TRIALS = 20_000


def binomial_margin(p: float, n: int, k: float = 5.0) -> float:
    return k * math.sqrt(p * (1 - p) / n)


# --------------------------------------------------------------------------------------------
# the replay of numpy's sampler
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scale", [1.0, 2.0, 0.3, 10.0, 1e-5])
def test_replay_equals_numpy_laplace_bit_for_bit(scale):
    n = 100_000
    released = np.random.default_rng(7).laplace(0.0, scale, size=n)
    words = np.random.default_rng(7).bit_generator.random_raw(n + 10)
    k = (words >> np.uint64(11)).astype(np.int64)
    k = k[k > 0][:n]  # numpy redraws k = 0
    np.testing.assert_array_equal(naive_laplace_noise(k, scale), released)


@pytest.mark.parametrize("epsilon, value", [(1.0, 0.0), (1.0, 1.0), (0.1, 37.5), (3.0, -2.0)])
def test_the_true_input_is_always_possible(epsilon, value):
    # no false alarm: what the mechanism released from value is always judged possible
    mech = LaplaceMechanism(epsilon)
    released = mech.release(np.full(5000, value), rng=1)
    assert np.all(could_release(mech, value, released))


def test_most_releases_are_impossible_from_the_neighbour():
    mech = LaplaceMechanism(1.0)
    released = mech.release(np.zeros(5000), rng=2)
    impossible = ~could_release(mech, 1.0, released)
    assert impossible.mean() > 0.7


def test_an_off_by_one_ulp_release_is_found_impossible():
    # the release next to a possible one is usually not possible: the set is sparse
    mech = LaplaceMechanism(1.0)
    released = mech.release(np.zeros(2000), rng=3)
    neighbours = np.nextafter(released, np.inf)
    assert np.mean(could_release(mech, 0.0, neighbours)) < 0.5


def test_could_release_scalar_and_secure():
    mech = LaplaceMechanism(1.0)
    y = mech.release(0.0, rng=3)
    assert could_release(mech, 0.0, y) is True
    secure = LaplaceMechanism(1.0, secure=True)
    y = secure.release(np.zeros(1000), rng=3)
    assert np.all(could_release(secure, 0.0, y)) and np.all(could_release(secure, 1.0, y))
    assert not could_release(secure, 0.0, secure.grid / 3)


# --------------------------------------------------------------------------------------------
# success before and after
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("epsilon", [0.1, 1.0, 2.0])
def test_attack_beats_what_epsilon_allows_on_the_textbook_mechanism(epsilon):
    result = floating_point_experiment(epsilon=epsilon, n_trials=N_TRIALS, rng=0)
    # no epsilon-DP mechanism lets any attacker exceed e^eps / (1 + e^eps)
    assert result.success_rate > result.dp_bound + binomial_margin(result.dp_bound, N_TRIALS)
    assert result.success_rate > 0.85 and result.certain_rate > 0.75
    assert not result.at_chance


@pytest.mark.parametrize("epsilon", [0.1, 1.0, 2.0])
def test_attack_falls_to_chance_against_the_secure_mechanism(epsilon):
    result = floating_point_experiment(epsilon=epsilon, n_trials=N_TRIALS, secure=True, rng=1)
    assert result.certain_rate == 0.0
    assert abs(result.success_rate - 0.5) <= binomial_margin(0.5, N_TRIALS)
    assert result.at_chance and result.chance_tolerance == pytest.approx(2.5 / math.sqrt(N_TRIALS))


def test_certain_guesses_are_always_right():
    mech = LaplaceMechanism(1.0)
    secret = np.random.default_rng(4).integers(0, 2, 4000)
    released = mech.release(secret.astype(float), rng=5)
    certain = could_release(mech, 0.0, released) != could_release(mech, 1.0, released)
    guess = floating_point_attack(mech, released, (0.0, 1.0), rng=6)
    assert np.all(guess[certain] == secret[certain])
    # and the coin flips on the rest are right about half the time
    rest = guess[~certain] == secret[~certain]
    assert abs(rest.mean() - 0.5) <= binomial_margin(0.5, rest.size)


def test_other_neighbours_and_sensitivity():
    result = floating_point_experiment(epsilon=0.5, sensitivity=10.0, candidates=(0.0, 7.0),
                                       n_trials=5000, rng=2)
    assert result.success_rate > 0.8
    assert result.candidates == (0.0, 7.0) and result.sensitivity == 10.0


def test_far_from_zero_fewer_releases_give_the_input_away():
    # |x| >> scale: the output's ulp is coarser than the noise's steps, so most doubles near
    # x are possible from both inputs; some releases still prove the input (infinite loss)
    near = floating_point_experiment(candidates=(0.0, 1.0), n_trials=5000, rng=3)
    far = floating_point_experiment(candidates=(10.0, 11.0), n_trials=5000, rng=3)
    assert far.certain_rate < near.certain_rate / 3
    assert far.certain_rate > 0.05
    assert far.success_rate > 0.5 + binomial_margin(0.5, 5000)


def test_experiment_is_reproducible_and_a_frozen_record():
    a = floating_point_experiment(n_trials=1000, rng=3)
    assert a == floating_point_experiment(n_trials=1000, rng=3)
    assert isinstance(a, FloatingPointResult)
    with pytest.raises(AttributeError):
        a.success_rate = 1.0  # type: ignore[misc]


def test_float_bits():
    assert float_bits(1.0) == "0 01111111111 " + "0" * 52
    assert float_bits(-2.0).startswith("1 10000000000")
    assert len(float_bits(0.1).replace(" ", "")) == 64


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, kind, match", [
    ({"candidates": (0.0, 2.0)}, ValueError, "`candidates` must be two different values"),
    ({"candidates": (1.0, 1.0)}, ValueError, "`candidates`"),
    ({"candidates": (0.0,)}, ValueError, "`candidates` must be a pair"),
    ({"candidates": (0.0, float("nan"))}, ValueError, "`candidates`"),
    ({"n_trials": 0}, ValueError, "`n_trials`"),
    ({"n_trials": 10**9}, ValueError, "`n_trials`"),
    ({"secure": "no"}, TypeError, "`secure`"),
    ({"epsilon": -1.0}, ValueError, "`epsilon`"),
])
def test_experiment_bad_input(kwargs, kind, match):
    with pytest.raises(kind, match=match):
        floating_point_experiment(**kwargs)


def test_attack_bad_input():
    mech = LaplaceMechanism(1.0)
    with pytest.raises(TypeError, match="`mechanism` must be a LaplaceMechanism"):
        could_release("laplace", 0.0, [1.0])
    with pytest.raises(ValueError, match="`candidates` must be a pair"):
        floating_point_attack(mech, [1.0], (0.0, 1.0, 2.0))
    with pytest.raises(ValueError, match="`released`"):
        floating_point_attack(mech, [[1.0]], (0.0, 1.0))
