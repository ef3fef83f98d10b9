r"""Secure aggregation inside the federated simulator.

``run_federated(..., secure_aggregation=SecureAggregation())`` aggregates every
round through the protocol of Bonawitz et al. (2017)
(:func:`ppml_lab.secret_sharing.secure_aggregate`): the server learns the sum of
the reporting clients' vectors and nothing about any one of them.

What each client puts into the sum is its strategy's
:meth:`~ppml_lab.federated.Strategy.secure_summands`: for FedAvg, FedProx and
SCAFFOLD the weighted update and its weight :math:`(n_c (w_c - w_t),\ n_c)`
(SCAFFOLD appends its control change :math:`\Delta c_i`); for
:class:`~ppml_lab.federated.DPFedAvg` its *clipped* update, clipped by the
client itself since the server never sees it, and the server adds the
Gaussian noise to the securely aggregated sum. The server then aggregates from
the sum (:meth:`~ppml_lab.federated.Strategy.aggregate_sum`). A run with secure
aggregation reaches the same weights as the plain run up to the fixed-point
resolution (20 fractional bits: about :math:`5\times 10^{-7}` per client and
coordinate of the sum).

Every client sampled in a round (and holding data) takes part in the key
agreement; the stragglers of ``dropout=`` fail after it, before sending their
masked input, which is the case the protocol's recovery exists for. If fewer
than ``threshold`` clients report, the server cannot unmask anything: the
round keeps the model (central DP noise still moves it) and the history says so. A round
needs at least two participants (one client's "sum" is its update).

Costs are counted in the history: the protocol's bytes (keys, encrypted
shares, masked inputs, unmasking) replace the plain upload in ``bytes_up`` and
add to ``bytes_down``. Update compression is not combined with secure
aggregation here (the protocol sums 64-bit ring elements).

Randomness: with ``run_federated(rng=None)`` the protocol's keys, seeds and
shares come from the operating system's CSPRNG; a seeded run is reproducible
and **not secure** (for lessons).

Introduced in notebook 10.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from .._validation import check_integer, check_probability, fail

__all__ = ["SecureAggregation"]


@dataclasses.dataclass(frozen=True)
class SecureAggregation:
    """How :func:`~ppml_lab.federated.run_federated` runs secure aggregation each round.

    Parameters
    ----------
    threshold : int or float, optional
        Shamir threshold of each round: an int ``t >= 2`` (clients), or a float in
        (0, 1], the fraction of the round's participants (rounded up, at least 2).
        By default a majority, ``k // 2 + 1`` of the ``k`` participants, as
        Bonawitz et al. recommend (two disjoint groups of survivors cannot both
        unmask).
    frac_bits : int, default 20
        Fractional bits of the fixed-point encoding (resolution ``2**-frac_bits``).

    Examples
    --------
    >>> SecureAggregation().round_threshold(10), SecureAggregation(0.3).round_threshold(10)
    (6, 3)
    >>> SecureAggregation(threshold=1)
    Traceback (most recent call last):
    ...
    ValueError: `threshold` must be an integer in [2, 1000000]; got 1. Shamir sharing needs at least 2 shares to hide anything: pass e.g. threshold=2, a fraction such as 0.5, or None for a majority.
    """

    threshold: int | float | None = None
    frac_bits: int = 20

    def __post_init__(self) -> None:
        fix = ("Shamir sharing needs at least 2 shares to hide anything: pass e.g. threshold=2, "
               "a fraction such as 0.5, or None for a majority.")
        t = self.threshold
        if isinstance(t, float):
            t = check_probability(t, "threshold", high_open=False, fix=fix)
        elif t is not None:
            t = check_integer(t, "threshold", minimum=2, maximum=10**6, fix=fix)
        object.__setattr__(self, "threshold", t)
        object.__setattr__(self, "frac_bits", check_integer(
            self.frac_bits, "frac_bits", minimum=1, maximum=40, fix="Pass e.g. frac_bits=20."))

    def round_threshold(self, participants: int) -> int:
        """The threshold for a round with ``participants`` clients (at least 2)."""
        if self.threshold is None:
            return max(2, participants // 2 + 1)
        if isinstance(self.threshold, float):
            return max(2, math.ceil(self.threshold * participants))
        return int(self.threshold)

    def run(self, vectors: np.ndarray, dropped: np.ndarray, *, rng: Any = None) -> Any:
        """One round of the protocol over the rows of ``vectors``; ``dropped`` rows fail.

        Returns the :class:`~ppml_lab.secret_sharing.SecureAggregationResult`;
        raises :class:`~ppml_lab.secret_sharing.TooFewSurvivorsError` when fewer
        than the round's threshold report (or the threshold exceeds the participants).
        """
        from ..secret_sharing import TooFewSurvivorsError, secure_aggregate

        n = vectors.shape[0]
        t = self.round_threshold(n)
        if t > n:
            raise TooFewSurvivorsError(
                f"the round has {n} participants, fewer than the threshold {t}: nothing can be "
                "unmasked", n_survivors=n - len(dropped), threshold=t)
        return secure_aggregate(vectors, threshold=t, dropped=[int(i) for i in dropped], rng=rng,
                                frac_bits=self.frac_bits)


def check_secure_aggregation(value: Any, compression: Any) -> SecureAggregation | None:
    """``None``, ``True`` (the defaults) or a :class:`SecureAggregation`; refuse compression."""
    if value is None or value is False:
        return None
    if value is True:
        value = SecureAggregation()
    if not isinstance(value, SecureAggregation):
        raise fail("secure_aggregation", "None, True or SecureAggregation(threshold=...)", value,
                   "Pass e.g. secure_aggregation=SecureAggregation(threshold=0.5).",
                   kind=TypeError)
    if compression is not None:
        raise fail("compression", "None when secure_aggregation is set", compression,
                   "Secure aggregation sums 64-bit ring elements, so compressing the update "
                   "saves nothing here: drop one of the two.")
    return value
