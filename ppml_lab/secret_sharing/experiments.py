"""What a Shamir threshold does, measured: the compute layer of notebook 09's explorer.

:func:`threshold_demo` splits one secret among ``n_shares`` parties and tries
*every* coalition of parties with :func:`~ppml_lab.secret_sharing.shamir_combine`:
those of at least ``threshold`` parties get the secret back, smaller ones are
refused. Then it shows empirically why a refused coalition learns nothing: it
shares the secret ``n_trials`` times (each time with fresh randomness) and
histograms what the ``threshold - 1`` largest coalition, parties ``1`` to
``threshold - 1``, sees, once for the chosen secret and once for a reference
secret. Both histograms are flat and alike (chi-square tests against the uniform
distribution and of homogeneity), whatever the secrets: fewer than ``threshold``
shares are uniform and independent of the secret.

Introduced in notebook 09.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .._random import SeedLike, as_generator
from .._validation import check_integer, fail
from .encoding import FIELD_PRIME
from .shamir import shamir_combine, shamir_split

__all__ = ["ThresholdDemo", "threshold_demo"]


@dataclass(frozen=True, repr=False)
class ThresholdDemo:
    """Result of :func:`threshold_demo`.

    Attributes
    ----------
    n_shares, threshold, secret, reference_secret, n_trials : int
    coalition_sizes : tuple of int
        1 to ``n_shares``.
    n_coalitions : tuple of int
        How many coalitions of each size there are (``C(n_shares, k)``).
    n_reconstructed : tuple of int
        How many of them ``shamir_combine`` accepted and got the secret right.
    bin_edges : numpy.ndarray
        Edges of the histogram bins, shares divided by the prime ``p``, in [0, 1].
    counts, reference_counts : numpy.ndarray
        ``(threshold - 1, n_bins)``: for each party of the coalition 1 to
        ``threshold - 1``, how its share fell into the bins over the trials, for the
        secret and for the reference secret.
    p_uniform : float
        Chi-square test of the coalition's joint view (cells of the product of its
        parties' bins) against the uniform distribution, for the secret.
    p_same : float
        Chi-square test of homogeneity: the coalition's view is distributed alike
        for the secret and for the reference secret.
    """

    n_shares: int
    threshold: int
    secret: int
    reference_secret: int
    n_trials: int
    coalition_sizes: tuple
    n_coalitions: tuple
    n_reconstructed: tuple
    bin_edges: np.ndarray
    counts: np.ndarray
    reference_counts: np.ndarray
    p_uniform: float
    p_same: float

    def __repr__(self) -> str:
        return (f"ThresholdDemo(n_shares={self.n_shares}, threshold={self.threshold}, "
                f"secret={self.secret}, n_trials={self.n_trials}, p_uniform={self.p_uniform:.3f}, "
                f"p_same={self.p_same:.3f})")

    def summary(self) -> str:
        """The result in plain words."""
        ok = sum(n for n, k in zip(self.n_reconstructed, self.coalition_sizes)
                 if k >= self.threshold)
        total = sum(self.n_coalitions)
        small = self.threshold - 1
        return (f"{ok} of the {total} coalitions of the {self.n_shares} parties hold at least "
                f"threshold = {self.threshold} shares and reconstruct the secret {self.secret}; "
                f"the other {total - ok} are refused. Over {self.n_trials:,} fresh sharings, "
                f"what {small} part{'y' if small == 1 else 'ies'} see{'s' if small == 1 else ''} "
                f"is flat (chi-square p = {self.p_uniform:.2f}) and the same for the secret "
                f"{self.reference_secret} (p = {self.p_same:.2f}): fewer than {self.threshold} "
                "shares say nothing about the secret.")


def _joint_cells(shares: list, n_cells: int) -> tuple[np.ndarray, int]:
    """Index of the product cell of the coalition's shares, ``bins`` per party."""
    k = len(shares)
    bins = max(2, int(n_cells ** (1.0 / k)))
    cells = np.zeros(shares[0].value.size, dtype=np.int64)
    for s in shares:
        u = s.value.astype(np.float64) / FIELD_PRIME
        cells = cells * bins + np.minimum((u * bins).astype(np.int64), bins - 1)
    return cells, bins**k


def threshold_demo(n_shares: int = 5, threshold: int = 3, secret: int = 42, *,
                   reference_secret: int = 0, n_trials: int = 4000, n_bins: int = 20,
                   rng: SeedLike = None) -> ThresholdDemo:
    """Which coalitions reconstruct a Shamir secret, and what smaller ones see.

    Parameters
    ----------
    n_shares : int, default 5
        Parties, 2 to 8 (every coalition is tried: at most 255).
    threshold : int, default 3
        Shares needed, 2 to ``n_shares``.
    secret, reference_secret : int
        The secret shared, and another one to compare the coalition's view with
        (integers with ``|s| < 2**60``).
    n_trials : int, default 4000
        Fresh sharings for the histograms, 100 to 10**6.
    n_bins : int, default 20
        Histogram bins per party, 2 to 100.
    rng : None, int or numpy Generator
        Seeded for a lesson (reproducible, **not secure**).

    Returns
    -------
    ThresholdDemo

    Examples
    --------
    >>> demo = threshold_demo(4, 3, secret=7, rng=0)
    >>> demo.n_coalitions, demo.n_reconstructed
    ((4, 6, 4, 1), (0, 0, 4, 1))
    >>> demo.counts.shape, bool(demo.p_uniform > 0.001), bool(demo.p_same > 0.001)
    ((2, 20), True, True)
    """
    n_shares = check_integer(n_shares, "n_shares", minimum=2, maximum=8,
                             fix="Pass e.g. n_shares=5 (every coalition is tried).")
    threshold = check_integer(threshold, "threshold", fix="Pass e.g. threshold=3.")
    if not 2 <= threshold <= n_shares:
        raise fail("threshold", f"an integer in [2, n_shares] = [2, {n_shares}]", threshold,
                   "Shamir needs at least 2 to hide anything; pass e.g. threshold=3.")
    secret = check_integer(secret, "secret", minimum=-(2**60 - 1), maximum=2**60 - 1)
    reference_secret = check_integer(reference_secret, "reference_secret",
                                     minimum=-(2**60 - 1), maximum=2**60 - 1)
    n_trials = check_integer(n_trials, "n_trials", minimum=100, maximum=10**6)
    n_bins = check_integer(n_bins, "n_bins", minimum=2, maximum=100)
    gen = as_generator(rng)

    shares = shamir_split(secret, n_shares, threshold, rng=gen)
    sizes, totals, oks = [], [], []
    for k in range(1, n_shares + 1):
        ok = 0
        for coalition in itertools.combinations(shares, k):
            try:
                ok += shamir_combine(list(coalition)) == secret
            except ValueError:
                pass
        sizes.append(k)
        totals.append(math.comb(n_shares, k))
        oks.append(ok)

    edges = np.linspace(0.0, 1.0, n_bins + 1)
    views = {}
    for s in (secret, reference_secret):  # one independent sharing per array element
        coalition = shamir_split(np.full(n_trials, s, dtype=np.int64), n_shares, threshold,
                                 rng=gen)[:threshold - 1]
        counts = np.array([np.histogram(c.value.astype(np.float64) / FIELD_PRIME, edges)[0]
                           for c in coalition])
        views[s] = (counts, *_joint_cells(coalition, max(2, n_trials // 20)))
    counts, cells, n_cells = views[secret]
    reference_counts, ref_cells, _ = views[reference_secret]
    joint = np.bincount(cells, minlength=n_cells)
    p_uniform = float(stats.chisquare(joint).pvalue)
    table = np.array([joint, np.bincount(ref_cells, minlength=n_cells)])
    table = table[:, table.sum(axis=0) > 0]
    p_same = float(stats.chi2_contingency(table).pvalue) if secret != reference_secret else 1.0
    return ThresholdDemo(n_shares, threshold, secret, reference_secret, n_trials, tuple(sizes),
                         tuple(totals), tuple(oks), edges, counts, reference_counts, p_uniform,
                         p_same)
