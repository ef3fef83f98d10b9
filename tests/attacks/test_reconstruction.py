"""Dinur-Nissim reconstruction: nearly every bit back while the noise is well below sqrt(n),
a coin flip once it is far above, and differentially private answers defeat it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ppml_lab.attacks import (noisy_answers, reconstruct, reconstruction_attack,
                              reconstruction_curve, subset_queries)
from ppml_lab.dp import GaussianMechanism, LaplaceMechanism

N, M = 100, 400  # sqrt(n) = 10


def _pooled(fractions, n_bits):
    """Mean share and the binomial standard error of a share of n_bits coin flips."""
    return float(np.mean(fractions)), 0.5 / math.sqrt(n_bits)


@pytest.mark.parametrize("noise", [0.0, 1.0, 2.0])
def test_small_noise_gives_back_more_than_95_percent_of_the_bits(noise):
    # noise << sqrt(n) = 10: least squares recovers nearly everything on every database
    for seed in range(5):
        assert reconstruction_attack(N, M, noise, rng=seed).fraction > 0.95


def test_exact_answers_give_back_every_bit_with_both_methods():
    for method in ("lstsq", "lp"):
        assert reconstruction_attack(40, 160, 0.0, method=method, rng=1).fraction == 1.0


def test_huge_noise_leaves_a_coin_flip():
    # noise = 100 sqrt(n): 20 databases of 100 bits; within 4 binomial SE (0.045) of 1/2
    fractions = [reconstruction_attack(N, M, 1000.0, rng=seed).fraction for seed in range(20)]
    mean, se = _pooled(fractions, 20 * N)
    assert abs(mean - 0.5) < 4 * se


def test_the_collapse_happens_around_sqrt_n():
    curve = reconstruction_curve(N, M, n_seeds=10)
    assert curve.at(0.2 * math.sqrt(N)).fraction > 0.95
    assert curve.at(math.sqrt(N)).fraction < 0.9      # already losing bits at sqrt(n)
    assert curve.at(5 * math.sqrt(N)).fraction < 0.65  # most of the way to chance
    assert curve.mean[0] == 1.0 and curve.mean[-1] < curve.mean[len(curve.mean) // 4]


def test_more_queries_push_the_collapse_out():
    at_sqrt_n = [reconstruction_curve(N, m, n_seeds=10).at(10.0).fraction for m in (200, 800, 3200)]
    assert at_sqrt_n == sorted(at_sqrt_n) and at_sqrt_n[-1] > 0.95


def test_the_curve_is_the_attack_with_common_random_numbers():
    curve = reconstruction_curve(N, M, n_seeds=3, rng=7)
    assert reconstruction_curve(N, M, n_seeds=3, rng=7) is curve  # cached
    # at any noise the point equals least squares on the same database (A, s, u)
    g = np.random.default_rng(np.random.SeedSequence(7).spawn(3)[0])
    s = g.integers(0, 2, size=N)
    A = subset_queries(N, M, rng=g)
    u = g.uniform(-1.0, 1.0, size=M)
    for noise in (3.0, 12.0, 40.0):
        point = curve.at(noise)
        assert np.array_equal(point.secret, s)
        assert np.array_equal(point.recovered, reconstruct(A, A @ s + noise * u))


@pytest.mark.parametrize("kind", ["laplace", "gaussian"])
def test_differentially_private_answers_defeat_the_attack(kind):
    # a total budget of epsilon = 1 over 400 queries (basic composition; each subset sum has
    # sensitivity 1): 20 databases, within 4 binomial SE of a coin flip
    fractions = []
    for seed in range(20):
        g = np.random.default_rng(seed)
        s = g.integers(0, 2, size=N)
        A = subset_queries(N, M, rng=g)
        exact = (A @ s).astype(float)
        if kind == "laplace":
            answers = LaplaceMechanism(1.0 / M).release(exact, rng=g)
        else:
            answers = GaussianMechanism(1.0 / M, 1e-5 / M).release(exact, rng=g)
        fractions.append(np.mean(reconstruct(A, answers) == s))
    mean, se = _pooled(fractions, 20 * N)
    assert abs(mean - 0.5) < 4 * se
    # the same answers without noise give everything back
    assert np.mean(reconstruct(A, exact) == s) == 1.0


def test_least_squares_is_at_least_as_good_as_the_linear_program_on_uniform_noise():
    # measured over 4 databases at noise 5: least squares 0.95, the L1 program 0.86
    lstsq = np.mean([reconstruction_attack(N, M, 5.0, rng=s).fraction for s in range(4)])
    lp = np.mean([reconstruction_attack(N, M, 5.0, method="lp", rng=s).fraction
                  for s in range(4)])
    assert lstsq >= lp


def test_answers_are_within_the_noise_bound():
    A = subset_queries(50, 200, rng=0)
    s = np.random.default_rng(1).integers(0, 2, 50)
    answers = noisy_answers(A, s, 3.0, rng=2)
    assert np.all(np.abs(answers - A @ s) <= 3.0)
    assert np.abs(answers - A @ s).max() > 2.5  # and use it


@pytest.mark.parametrize("kwargs, error, name", [
    ({"n": 0}, ValueError, "n"),
    ({"n": 10**5}, ValueError, "n"),
    ({"n_queries": 0}, ValueError, "n_queries"),
    ({"n_queries": 10**6}, ValueError, "n_queries"),
    ({"n_queries": 40.0}, TypeError, "n_queries"),
    ({"noise": -1.0}, ValueError, "noise"),
    ({"noise": float("nan")}, ValueError, "noise"),
    ({"noise": float("inf")}, ValueError, "noise"),
    ({"noise": True}, TypeError, "noise"),
    ({"method": "simplex"}, ValueError, "method"),
])
def test_bad_input_names_the_parameter(kwargs, error, name):
    with pytest.raises(error, match=f"`{name}`"):
        reconstruction_attack(**kwargs)


def test_bad_queries_and_answers():
    with pytest.raises(ValueError, match="`queries`"):
        reconstruct(np.array([[0, 2], [1, 1]]), [1.0, 2.0])
    with pytest.raises(ValueError, match="`answers`"):
        reconstruct(subset_queries(4, 8, rng=0), [1.0, 2.0])
    with pytest.raises(ValueError, match="`secret`"):
        noisy_answers(subset_queries(4, 8, rng=0), [0, 1, 2, 1], 1.0)
    with pytest.raises(ValueError, match="`noises`"):
        reconstruction_curve(noises=[5.0, 1.0])
