"""Statistical tests shared by the checks, with tolerances derived from sample sizes.

Every test rejects a *correct* learner answer only with a tiny, stated
probability. The draws come from a fixed seed, so for a given learner function
the verdict is deterministic; the probabilities below say how likely a correct
function that uses ``rng`` differently from the reference solution is to be
turned down by bad luck.

* A z-test at ``Z = 5`` standard errors rejects a true hypothesis with
  probability 5.7e-7 (two-sided) or 2.9e-7 (one-sided), up to the normal
  approximation, which is excellent at the sample sizes used here (thousands).
* The Kolmogorov-Smirnov test rejects when its p-value is below ``KS_ALPHA``
  = 1e-6 (for 10 000 draws: a maximal CDF gap above about 0.027; a Gaussian
  with the Laplace's scale or variance is 0.047 to 0.062 away).

Each check combines at most about twenty such tests, so by the union bound a
correct answer fails with probability below 2e-5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Z = 5.0
KS_ALPHA = 1e-6


def binomial_z(k: int, n: int, p: float) -> float:
    """z-score of ``k`` successes in ``n`` trials against success probability ``p``."""
    if p <= 0.0 or p >= 1.0:
        return 0.0 if k == round(n * p) else math.inf
    return (k - n * p) / math.sqrt(n * p * (1.0 - p))


def same_proportion_z(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sample z-score for equal proportions (pooled standard error)."""
    pooled = (k1 + k2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 0.0
    se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    return (k1 / n1 - k2 / n2) / se


@dataclass(frozen=True)
class RatioTest:
    """Worst empirical violation of ``P(S | a) <= e**epsilon P(S | b)`` over tested events.

    ``excess`` is ``|log ratio| - epsilon`` in standard errors; the DP
    inequality is rejected when it exceeds :data:`Z`. ``ratio`` is the
    empirical ratio (larger over smaller frequency, ``inf`` if one is zero)
    of the worst event, ``event`` its index.
    """

    excess: float
    ratio: float
    event: int
    count_a: int
    count_b: int

    @property
    def violated(self) -> bool:
        return self.excess > Z


def dp_ratio_test(counts_a: np.ndarray, n_a: int, counts_b: np.ndarray, n_b: int,
                  epsilon: float, *, min_count: int = 50) -> RatioTest:
    r"""Test the DP inequality on events with counts from two neighbouring inputs.

    For each event (a report value, a histogram bin) with at least
    ``min_count`` observations under one of the inputs, the log of the ratio
    of frequencies is compared with ``epsilon``:

    .. math:: |\log(\hat P_a / \hat P_b)| \le \varepsilon + Z \cdot
              \sqrt{1/c_a + 1/c_b}

    (delta-method standard error of a log ratio of two frequencies; 0.5 is
    added to each count so that an empty cell gives a large finite value).
    """
    ca = np.asarray(counts_a, dtype=float)
    cb = np.asarray(counts_b, dtype=float)
    worst = RatioTest(-math.inf, 1.0, -1, 0, 0)
    for i in range(ca.size):
        if max(ca[i], cb[i]) < min_count:
            continue
        fa, fb = (ca[i] + 0.5) / n_a, (cb[i] + 0.5) / n_b
        log_ratio = abs(math.log(fa / fb))
        se = math.sqrt(1.0 / (ca[i] + 0.5) + 1.0 / (cb[i] + 0.5))
        excess = (log_ratio - epsilon) / se
        if excess > worst.excess:
            hi, lo = max(ca[i] / n_a, cb[i] / n_b), min(ca[i] / n_a, cb[i] / n_b)
            ratio = math.inf if lo == 0 else hi / lo
            worst = RatioTest(excess, ratio, i, int(ca[i]), int(cb[i]))
    return worst
