"""Tests of ppml_lab.dp.discrete: the exact discrete Laplace sampler and its building blocks.

The pmf is checked against scipy.stats.dlaplace; samples of the vectorised sampler, of the
line-by-line reference and of the Bernoulli(exp(-gamma)) coins by chi-square and binomial
tests with tolerances from the sample size (stat_checks), each shown able to fail. All
randomness is seeded; the CSPRNG path is made reproducible by fixing os.urandom's key.
"""

from __future__ import annotations

import math
import os
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from ppml_lab import _random
from ppml_lab.dp import (bernoulli_exp, discrete_laplace, discrete_laplace_pmf,
                         discrete_laplace_variance, reference_discrete_laplace)
from ppml_lab.dp.discrete import _vector_bernoulli_exp, _Words
from stat_checks import ALPHA, assert_chisquare

N = 400_000


def binned_chisquare(sample: np.ndarray, scale: float, *, n_bins: int = 40,
                     alpha: float = ALPHA) -> None:
    """Chi-square of integer samples against the exact discrete Laplace CDF on ~equal bins."""
    dist = stats.dlaplace(1.0 / scale)
    # bin edges at integer quantiles, unique; outer bins catch the tails
    inner = np.unique(np.round(dist.ppf(np.linspace(0, 1, n_bins + 1)[1:-1])).astype(np.int64))
    edges = np.concatenate([[-np.inf], inner + 0.5, [np.inf]])
    counts, _ = np.histogram(sample, bins=edges)
    cdf = np.concatenate([[0.0], dist.cdf(inner), [1.0]])
    assert_chisquare(counts, np.diff(cdf), alpha=alpha)


# --------------------------------------------------------------------------------------------
# the pmf
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scale", [0.3, 1.0, 3.5, 1000.0])
def test_pmf_matches_scipy_dlaplace_and_sums_to_one(scale):
    k = np.arange(-int(60 * scale) - 20, int(60 * scale) + 21)
    ours = discrete_laplace_pmf(k, scale)
    np.testing.assert_allclose(ours, stats.dlaplace(1.0 / scale).pmf(k), rtol=1e-12)
    assert math.isclose(ours.sum(), 1.0, rel_tol=1e-12)


@pytest.mark.parametrize("scale", [0.3, 1.0, 3.5, 1000.0, Fraction(7, 2)])
def test_variance_matches_scipy(scale):
    assert discrete_laplace_variance(scale) == pytest.approx(
        stats.dlaplace(1.0 / float(scale)).var(), rel=1e-10)


def test_pmf_ratio_of_neighbours_is_exactly_exp_one_over_scale():
    # the source of the DP guarantee: shifting by one changes any probability by e^(1/scale)
    k = np.arange(-50, 51)
    p = discrete_laplace_pmf(k, 2.5)
    ratio = np.abs(np.log(p[1:] / p[:-1]))
    np.testing.assert_allclose(ratio, 1 / 2.5, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# the vectorised sampler
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("t, s", [(1, 1), (3, 1), (7, 2), (1, 3), (1024, 1), (2048, 1),
                                  (10_485_761, 1024), (2**40 + 7, 3), (2**48, 2**48 - 1)])
def test_vectorised_sampler_has_the_exact_distribution(t, s):
    sample = discrete_laplace(t, s, size=N, rng=t % 1000 + s)
    assert sample.dtype == np.int64
    binned_chisquare(sample, t / s)


@pytest.mark.parametrize("t, s", [(1, 1), (3, 1), (7, 2)])
def test_small_scales_match_the_pmf_cell_by_cell(t, s):
    sample = discrete_laplace(t, s, size=N, rng=11)
    k = np.arange(-12, 13)
    counts = np.array([np.sum(sample == v) for v in k] + [np.sum(np.abs(sample) > 12)])
    p = discrete_laplace_pmf(k, Fraction(t, s))
    probabilities = np.append(p, 1.0 - p.sum())
    keep = probabilities * N >= 5
    # lump the sparse cells with the tail cell
    counts = np.append(counts[:-1][keep[:-1]], counts[:-1][~keep[:-1]].sum() + counts[-1])
    probabilities = np.append(probabilities[:-1][keep[:-1]],
                              probabilities[:-1][~keep[:-1]].sum() + probabilities[-1])
    assert_chisquare(counts, probabilities)


@pytest.mark.parametrize("factor", [0.98, 1.02])
def test_chisquare_rejects_a_two_percent_wrong_scale(factor):
    sample = discrete_laplace(1024, 1, size=N, rng=5)
    with pytest.raises(AssertionError, match="chi-square test rejects"):
        binned_chisquare(sample, 1024 * factor)


def test_sample_variance_and_mean():
    scale = 20.0
    sample = discrete_laplace(20, 1, size=N, rng=6).astype(float)
    var = discrete_laplace_variance(scale)
    # Var(s^2) ~ (mu4 - sigma^4) / n; mu4 of a Laplace is 6 sigma^4 (close here)
    assert abs(sample.var() - var) < 5 * math.sqrt(5 * var**2 / N)
    assert abs(sample.mean()) < 5 * math.sqrt(var / N)


def test_symmetric():
    sample = discrete_laplace(5, 1, size=N, rng=7)
    pos, neg = np.sum(sample > 0), np.sum(sample < 0)
    assert abs(pos - neg) < 5 * math.sqrt(pos + neg)


def test_csprng_path_has_the_exact_distribution(monkeypatch):
    # rng=None reads os.urandom for a ChaCha20 key; fix the key so the test is reproducible
    keys = iter(range(10**6))
    monkeypatch.setattr(_random.os, "urandom",
                        lambda n: next(keys).to_bytes(4, "little") * (n // 4))
    sample = discrete_laplace(1000, 3, size=N)
    binned_chisquare(sample, 1000 / 3)


def test_csprng_path_reads_the_os(monkeypatch):
    calls = []
    real_urandom = os.urandom

    def spy(n):
        calls.append(n)
        return real_urandom(n)
    monkeypatch.setattr(_random.os, "urandom", spy)
    a = discrete_laplace(100, 1, size=1000)
    b = discrete_laplace(100, 1, size=1000)
    assert calls and all(n == 32 for n in calls)
    assert not np.array_equal(a, b)


def test_seeded_is_reproducible_and_generator_advances():
    np.testing.assert_array_equal(discrete_laplace(9, 2, size=100, rng=3),
                                  discrete_laplace(9, 2, size=100, rng=3))
    g = np.random.default_rng(3)
    assert not np.array_equal(discrete_laplace(9, 2, size=100, rng=g),
                              discrete_laplace(9, 2, size=100, rng=g))


def test_shapes():
    assert isinstance(discrete_laplace(3, 1, rng=0), int)
    assert discrete_laplace(3, 1, size=(2, 3), rng=0).shape == (2, 3)
    assert discrete_laplace(3, 1, size=0, rng=0).shape == (0,)
    # the fraction need not be reduced
    np.testing.assert_array_equal(discrete_laplace(6, 2, size=50, rng=1),
                                  discrete_laplace(3, 1, size=50, rng=1))


@pytest.mark.parametrize("kwargs, kind, match", [
    ({"scale_numerator": 0}, ValueError, "`scale_numerator` must be an integer in"),
    ({"scale_numerator": 2**48 + 1}, ValueError, "`scale_numerator` must be an integer in"),
    ({"scale_numerator": 1.5}, TypeError, "`scale_numerator`"),
    ({"scale_numerator": True}, TypeError, "`scale_numerator`"),
    ({"scale_denominator": 0}, ValueError, "`scale_denominator`"),
    ({"scale_denominator": 2**60}, ValueError, "`scale_denominator`"),
    ({"size": -1}, ValueError, "`size`"),
    ({"size": 10**8}, ValueError, "`size` must be an integer in"),
    ({"rng": "x"}, TypeError, "`rng`"),
])
def test_bad_input(kwargs, kind, match):
    args = {"scale_numerator": 3, "scale_denominator": 1, "size": 5, "rng": 0} | kwargs
    with pytest.raises(kind, match=match):
        discrete_laplace(**args)


def test_pmf_bad_input():
    with pytest.raises(ValueError, match="`k` must be integers"):
        discrete_laplace_pmf([0.5], 1.0)
    with pytest.raises(ValueError, match="`scale`"):
        discrete_laplace_pmf([0], -1.0)
    with pytest.raises(ValueError, match="`scale`"):
        discrete_laplace_variance(Fraction(0))


# --------------------------------------------------------------------------------------------
# the line-by-line reference and the coins
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("t, s", [(3, 1), (7, 2), (1, 2)])
def test_reference_sampler_has_the_exact_distribution(t, s):
    g = np.random.default_rng(t * 10 + s)
    sample = np.array([reference_discrete_laplace(t, s, rng=g) for _ in range(20_000)])
    binned_chisquare(sample, t / s, n_bins=12)


def test_reference_sampler_with_the_os_csprng_gives_integers():
    values = [reference_discrete_laplace(5, 1) for _ in range(50)]
    assert all(isinstance(v, int) for v in values)
    assert len(set(values)) > 3


def test_reference_sampler_works_beyond_64_bits():
    # Python integers: no overflow at a scale of 2**70
    g = np.random.default_rng(1)
    values = [reference_discrete_laplace(2**70, 1, rng=g) for _ in range(200)]
    assert max(abs(v) for v in values) > 2**64


@pytest.mark.parametrize("n, d", [(0, 1), (1, 3), (1, 1), (5, 2), (3, 1)])
def test_bernoulli_exp_frequency(n, d):
    g = np.random.default_rng(n * 7 + d)
    trials = 20_000
    heads = sum(bernoulli_exp(n, d, rng=g) for _ in range(trials))
    p = math.exp(-n / d)
    assert abs(heads - trials * p) <= 5 * math.sqrt(trials * p * (1 - p)) + 1e-9


def test_vectorised_bernoulli_exp_frequency():
    # gamma_i = numerators[i] / d, many different gammas in one call
    d = 1000
    numerators = np.repeat(np.array([0, 1, 250, 500, 999], dtype=np.uint64), 100_000)
    heads = _vector_bernoulli_exp(numerators, d, _Words(3)).reshape(5, -1).sum(axis=1)
    p = np.exp(-np.array([0, 1, 250, 500, 999]) / d)
    se = np.sqrt(100_000 * p * (1 - p))
    assert np.all(np.abs(heads - 100_000 * p) <= 5 * se + 1e-9)


def test_uniform_below_is_uniform_for_an_awkward_modulus():
    m = 3 * 2**62  # a quarter of the words are rejected
    words = _Words(4)
    r = words.below(m, 200_000)
    assert np.all(r < np.uint64(m))
    counts, _ = np.histogram(r.astype(float), bins=np.linspace(0, m, 7))
    assert_chisquare(counts, np.full(6, 1 / 6))


def test_bernoulli_exp_bad_input():
    with pytest.raises(ValueError, match="`gamma_numerator`"):
        bernoulli_exp(-1, 2, rng=0)
    with pytest.raises(ValueError, match="`gamma_denominator`"):
        bernoulli_exp(1, 0, rng=0)
