"""Statistical checks shared by the DP tests.

Every test that uses them draws from a seeded generator, so its outcome is
fixed; the thresholds are still chosen like real tests (a significance level
``ALPHA`` and ``K_SE`` standard errors), so that a wrong noise scale or a
wrong probability *is* rejected: test_mechanisms.py checks that these helpers
fail on deliberately wrong samples.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

#: Significance level of the goodness-of-fit tests. Small, so that a correct
#: mechanism passes for (nearly) any seed, while the sample sizes below make a
#: 5 % error in a noise scale or a probability fail by orders of magnitude.
ALPHA = 1e-4

#: Standard errors allowed above epsilon in an empirical log-ratio.
K_SE = 5.0


def assert_ks(sample: np.ndarray, cdf, *, alpha: float = ALPHA) -> None:
    """Kolmogorov-Smirnov test of ``sample`` against a continuous ``cdf``."""
    result = stats.kstest(np.ravel(sample), cdf)
    assert result.pvalue > alpha, (
        f"KS test rejects the distribution: D={result.statistic:.4g}, "
        f"p={result.pvalue:.3g} <= alpha={alpha}")


def assert_chisquare(counts: np.ndarray, probabilities: np.ndarray, *,
                     alpha: float = ALPHA) -> None:
    """Pearson chi-square test of observed ``counts`` against exact ``probabilities``."""
    counts = np.asarray(counts, dtype=float)
    probabilities = np.asarray(probabilities, dtype=float)
    assert counts.shape == probabilities.shape
    assert np.isclose(probabilities.sum(), 1.0)
    expected = counts.sum() * probabilities
    assert expected.min() >= 5, "too few expected counts for the chi-square approximation"
    result = stats.chisquare(counts, expected)
    assert result.pvalue > alpha, (
        f"chi-square test rejects the probabilities: stat={result.statistic:.4g}, "
        f"p={result.pvalue:.3g} <= alpha={alpha}")


def assert_counts_ratio_bounded(counts_a: np.ndarray, counts_b: np.ndarray, epsilon: float, *,
                                k: float = K_SE, min_count: int = 100,
                                min_cells: int = 2) -> int:
    """Empirical DP inequality on counts of the same events under two neighbouring inputs.

    ``counts_a[i]`` and ``counts_b[i]`` count how often event ``i`` (an
    outcome, a bin) happened in two samples *of the same size*. For every
    event seen at least ``min_count`` times in both, require
    ``|log(c_a / c_b)| <= epsilon + k * se`` with the delta-method standard
    error ``se = sqrt(1/c_a + 1/c_b)`` of a log ratio of Poisson counts.
    Returns the number of events checked.
    """
    a = np.asarray(counts_a, dtype=float)
    b = np.asarray(counts_b, dtype=float)
    assert a.shape == b.shape
    mask = (a >= min_count) & (b >= min_count)
    assert mask.sum() >= min_cells, "too few well-populated cells to test"
    a, b = a[mask], b[mask]
    log_ratio = np.abs(np.log(a / b))
    bound = epsilon + k * np.sqrt(1.0 / a + 1.0 / b)
    worst = int(np.argmax(log_ratio - bound))
    assert np.all(log_ratio <= bound), (
        f"empirical privacy loss {log_ratio[worst]:.3f} exceeds epsilon={epsilon} + "
        f"{k} standard errors = {bound[worst]:.3f} (counts {a[worst]:.0f} vs {b[worst]:.0f})")
    return int(mask.sum())


def assert_log_ratio_bounded(sample_a: np.ndarray, sample_b: np.ndarray, epsilon: float, *,
                             bins: np.ndarray, k: float = K_SE, min_count: int = 100,
                             min_cells: int = 10) -> int:
    """:func:`assert_counts_ratio_bounded` on histograms of two continuous samples."""
    assert np.size(sample_a) == np.size(sample_b), "the samples must have the same size"
    counts_a, _ = np.histogram(sample_a, bins=bins)
    counts_b, _ = np.histogram(sample_b, bins=bins)
    return assert_counts_ratio_bounded(counts_a, counts_b, epsilon, k=k, min_count=min_count,
                                       min_cells=min_cells)


def chi2_interval(df: int, alpha: float = ALPHA) -> tuple[float, float]:
    """Central ``1 - alpha`` interval of a chi-square variable with ``df`` degrees of freedom."""
    return float(stats.chi2.ppf(alpha / 2, df)), float(stats.chi2.ppf(1 - alpha / 2, df))
