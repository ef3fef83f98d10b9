"""Secure aggregation, measured: the compute layer of notebook 10's explorer and figures.

:func:`secure_aggregation_demo` runs :func:`~ppml_lab.secret_sharing.secure_aggregate`
among ``n_clients`` simulated clients, ``dropouts`` of which fail after sharing
their keys, and records what a lesson needs: whether the server could unmask
the sum (at least ``threshold`` survivors) or had to abort; what it *saw* (the
survivors' masked vectors, summarised as a histogram of their top four bits
beside the same histogram of the unmasked, fixed-point updates, and a
chi-square test against the uniform distribution); what it *learned* (the sum,
beside the plaintext sum); and the cost of each phase against a plaintext
upload of float64 updates.

:func:`secure_federated_comparison` trains notebook 07's federated digits model
four ways on the same clients, rounds and stragglers: FedAvg and DP-FedAvg, each
with and without secure aggregation, so the notebook can show that the protocol
changes the bytes, not the accuracy.

Both are pure and seeded; with an integer ``rng`` they are cached for the
process (the explorer reuses one seed at every move: common random numbers),
so a slider that comes back to a setting redraws at once. Seconds are measured
wall time and vary from run to run: show them in figures, not in printed
outputs that a test compares.

Introduced in notebook 10.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from .._random import SeedLike, as_generator
from .._validation import check_integer, check_nonnegative, check_probability, fail
from .encoding import encode
from .secure_aggregation import PHASES, PhaseCost, TooFewSurvivorsError, secure_aggregate

__all__ = ["SecureAggregationDemo", "secure_aggregation_demo", "SecureFederatedComparison",
           "secure_federated_comparison", "TOP_BITS", "RUN_NAMES"]

#: bits of each 64-bit word that the server-view histogram looks at (16 cells)
TOP_BITS = 4
MAX_CLIENTS = 60
MAX_DIMENSION = 4096
UPDATE_SCALE = 0.1  # standard deviation of the simulated updates' coordinates


def _top_counts(words: np.ndarray) -> np.ndarray:
    """How many 64-bit words fall in each of the ``2**TOP_BITS`` cells of their top bits."""
    top = (np.asarray(words, dtype=np.uint64).ravel() >> np.uint64(64 - TOP_BITS)).astype(np.intp)
    return np.bincount(top, minlength=2**TOP_BITS)


@dataclass(frozen=True, repr=False)
class SecureAggregationDemo:
    """Result of :func:`secure_aggregation_demo`.

    Attributes
    ----------
    n_clients, dropouts, threshold, dimension : int
        The setting.
    survivors, dropped : tuple of int
        The clients that sent their masked input, and those that failed.
    recovered : bool
        True if the server unmasked the sum (at least ``threshold`` survivors).
    message : str
        Why the protocol aborted (the :class:`TooFewSurvivorsError`), or "".
    masked_counts : numpy.ndarray of int, shape (16,)
        What the server saw: the survivors' masked words counted by their top
        four bits (a uniform word falls in each cell equally often).
    update_counts : numpy.ndarray of int, shape (16,)
        The same count for the survivors' unmasked updates in fixed point
        (small numbers: near 0 or, when negative, near ``2**64``).
    p_uniform : float
        Chi-square test of ``masked_counts`` against the uniform distribution.
    first_words : tuple of int
        The first four masked words of the first survivor, to print.
    plaintext_sum : numpy.ndarray
        The survivors' sum in float64 (no party of the protocol sees it).
    learned_sum : numpy.ndarray or None
        What the server learned: the unmasked sum, or None if it aborted.
    max_abs_error, error_bound : float
        ``max |learned_sum - plaintext_sum|`` (NaN when nothing was learned),
        and the fixed-point bound, half a step per survivor.
    phases : tuple of PhaseCost
        Messages, bytes and seconds per phase (:data:`PHASES`); after an
        abort the unmasking phase never happens (zero).
    plaintext_seconds : float
        numpy's plain sum of the survivors' updates, the baseline.
    plaintext_bytes : int
        What the survivors would upload without the protocol: their updates
        as float64, ``8 * dimension`` bytes each.
    """

    n_clients: int
    dropouts: int
    threshold: int
    dimension: int
    survivors: tuple[int, ...]
    dropped: tuple[int, ...]
    recovered: bool
    message: str
    masked_counts: np.ndarray
    update_counts: np.ndarray
    p_uniform: float
    first_words: tuple[int, ...]
    plaintext_sum: np.ndarray
    learned_sum: np.ndarray | None
    max_abs_error: float
    error_bound: float
    phases: tuple[PhaseCost, ...]
    plaintext_seconds: float
    plaintext_bytes: int

    @property
    def n_survivors(self) -> int:
        """Clients that sent their masked input."""
        return len(self.survivors)

    @property
    def tolerated(self) -> int:
        """How many dropouts this threshold tolerates: ``n_clients - threshold``."""
        return self.n_clients - self.threshold

    @property
    def bytes(self) -> int:
        """Bytes of all phases, up and down."""
        return sum(p.bytes for p in self.phases)

    @property
    def seconds(self) -> float:
        """Seconds of all phases (measured; varies from run to run)."""
        return sum(p.seconds for p in self.phases)

    @property
    def byte_overhead(self) -> float:
        """``bytes / plaintext_bytes``: the protocol's traffic against a float64 upload."""
        return self.bytes / self.plaintext_bytes

    @property
    def time_overhead(self) -> float:
        """``seconds / plaintext_seconds`` (measured; varies from run to run)."""
        return self.seconds / max(self.plaintext_seconds, 1e-9)

    def __repr__(self) -> str:
        return (f"SecureAggregationDemo(n_clients={self.n_clients}, dropouts={self.dropouts}, "
                f"threshold={self.threshold}, dimension={self.dimension}, "
                f"recovered={self.recovered}, p_uniform={self.p_uniform:.3f}, "
                f"bytes={self.bytes})")

    def summary(self) -> str:
        """The result in plain words (no timings: they vary from run to run)."""
        head = (f"{self.n_survivors} of {self.n_clients} clients survived, "
                f"threshold {self.threshold}")
        seen = (f"it saw only uniform-looking words (top bits flat, chi-square p = "
                f"{self.p_uniform:.2f})")
        if self.recovered:
            return (f"{head}: the server unmasked the sum (largest error {self.max_abs_error:.1e}, "
                    f"bound {self.error_bound:.1e}); {seen}. The protocol sent "
                    f"{self.bytes / 1e3:,.1f} kB, {self.byte_overhead:.1f} times a plain float64 "
                    "upload.")
        return (f"{head}: too few to rebuild any mask, so the server aborts and learns nothing, "
                f"not even a partial sum; {seen}. Up to {self.tolerated} dropout"
                f"{'' if self.tolerated == 1 else 's'} can be recovered at this threshold.")


def secure_aggregation_demo(n_clients: int = 20, dropouts: int = 8, threshold: int = 11,
                            dimension: int = 64, *, rng: SeedLike = None) -> SecureAggregationDemo:
    """Run secure aggregation once and record what the server saw, learned and paid.

    Each client holds an update of ``dimension`` numbers (normal, standard
    deviation 0.1). ``dropouts`` clients, chosen at random, fail after the key
    sharing, before sending their masked input. With at least ``threshold``
    survivors the server unmasks their sum; with fewer, the protocol aborts
    (:class:`~ppml_lab.secret_sharing.TooFewSurvivorsError`) and the server keeps
    only the survivors' masked vectors, which it cannot unmask. Those vectors
    are the same whatever the threshold (masks and seeds are drawn before the
    Shamir sharing), so after an abort they come from a run with the threshold
    lowered to the number of survivors, and its first three phases give the cost.

    Parameters
    ----------
    n_clients : int, default 20
        3 to 60 (the protocol does ``n**2`` key agreements).
    dropouts : int, default 8
        0 to ``n_clients - 2`` (at least two survivors: one client's "sum" is its update).
    threshold : int, default 11
        Shamir threshold, 2 to ``n_clients`` (Bonawitz et al. take a majority).
    dimension : int, default 64
        Length of each update, 1 to 4096.
    rng : None, int or numpy.random.Generator
        Seeds the updates, who drops out and the protocol's keys (a seeded
        protocol is reproducible and **not secure**). The same seed gives the
        same updates and the same order of dropping out for every setting, so
        that moving one slider changes only that parameter. With an int the
        result is cached for the process.

    Returns
    -------
    SecureAggregationDemo

    Examples
    --------
    >>> demo = secure_aggregation_demo(10, 3, 6, dimension=16, rng=0)
    >>> demo.recovered, demo.n_survivors, bool(demo.max_abs_error <= demo.error_bound)
    (True, 7, True)
    >>> secure_aggregation_demo(10, 5, 6, dimension=16, rng=0).recovered
    False
    >>> demo is secure_aggregation_demo(10, 3, 6, dimension=16, rng=0)   # cached
    True
    """
    n_clients = check_integer(n_clients, "n_clients", minimum=3, maximum=MAX_CLIENTS,
                              fix="Pass e.g. n_clients=20.")
    dropouts = check_integer(dropouts, "dropouts", minimum=0, maximum=n_clients - 2,
                             fix="At least two clients must survive; pass e.g. dropouts=2.")
    threshold = check_integer(threshold, "threshold", minimum=2, maximum=n_clients,
                              fix="Shamir needs at least 2 shares to hide anything and there is "
                                  f"one per client; e.g. threshold={n_clients // 2 + 1}.")
    dimension = check_integer(dimension, "dimension", minimum=1, maximum=MAX_DIMENSION,
                              fix="Pass e.g. dimension=64.")
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return _cached_demo(n_clients, dropouts, threshold, dimension, int(rng))
    return _demo(n_clients, dropouts, threshold, dimension, rng)


@functools.lru_cache(maxsize=512)
def _cached_demo(n_clients: int, dropouts: int, threshold: int, dimension: int,
                 seed: int) -> SecureAggregationDemo:
    return _demo(n_clients, dropouts, threshold, dimension, seed)


def _demo(n_clients: int, dropouts: int, threshold: int, dimension: int,
          rng: SeedLike) -> SecureAggregationDemo:
    updates_rng, order_rng, protocol_rng = as_generator(rng).spawn(3)
    # row-major draws: client u's update is the same for every n_clients > u
    updates = updates_rng.normal(0.0, UPDATE_SCALE, size=(n_clients, dimension))
    dropped = np.sort(order_rng.permutation(n_clients)[:dropouts]).tolist()
    protocol_seed = int(protocol_rng.integers(0, 2**63 - 1))
    n_survivors = n_clients - dropouts
    message = ""
    try:
        result = secure_aggregate(updates, threshold=threshold, dropped=dropped,
                                  rng=protocol_seed)
        phases = result.phases
    except TooFewSurvivorsError as err:
        message = str(err)
        # what the server saw before it had to abort: the masked inputs do not depend on
        # the threshold, so run with the threshold lowered to the survivors and keep
        # the first three phases
        result = secure_aggregate(updates, threshold=n_survivors, dropped=dropped,
                                  rng=protocol_seed)
        phases = result.phases[:3] + (PhaseCost(PHASES[3], 0, 0, 0, 0.0),)
    survivors = result.survivors
    encoded = encode(updates[list(survivors)], frac_bits=result.frac_bits)[0]
    masked_counts = _top_counts(result.masked_inputs)
    recovered = not message
    return SecureAggregationDemo(
        n_clients=n_clients, dropouts=dropouts, threshold=threshold, dimension=dimension,
        survivors=survivors, dropped=result.dropped, recovered=recovered, message=message,
        masked_counts=masked_counts, update_counts=_top_counts(encoded),
        p_uniform=float(stats.chisquare(masked_counts).pvalue),
        first_words=tuple(int(w) for w in result.masked_inputs[0, :4]),
        plaintext_sum=result.plaintext_sum, learned_sum=result.sum if recovered else None,
        max_abs_error=result.max_abs_error if recovered else math.nan,
        error_bound=result.error_bound, phases=phases,
        plaintext_seconds=result.plaintext_seconds,
        plaintext_bytes=8 * dimension * n_survivors)


# --------------------------------------------------------------------------- federated runs

#: the four runs of :func:`secure_federated_comparison`, in order
RUN_NAMES = ("FedAvg", "FedAvg + secure aggregation", "DP-FedAvg",
             "DP-FedAvg + secure aggregation")


@dataclass(frozen=True, repr=False)
class SecureFederatedComparison:
    """Result of :func:`secure_federated_comparison`: four runs on the same clients.

    Attributes
    ----------
    names : tuple of str
        :data:`RUN_NAMES`.
    accuracy : numpy.ndarray, shape (4, rounds)
        Test accuracy after each round, one row per run.
    bytes_up, bytes_down : tuple of int
        Total bytes of each run (the protocol's bytes replace the plain upload).
    max_weight_difference : tuple of float
        Largest ``|w_secure - w_plain|`` of the final weights: FedAvg, then DP-FedAvg.
    epsilon : float
        DP-FedAvg's epsilon after the last round (at ``delta``).
    notes : tuple of tuple of str
        Each run's notes (rounds that could not be unmasked, for example).
    n_clients, clients_per_round, rounds : int
    alpha, dropout, clip_norm, noise_multiplier, delta : float
    """

    names: tuple[str, ...]
    accuracy: np.ndarray
    bytes_up: tuple[int, ...]
    bytes_down: tuple[int, ...]
    max_weight_difference: tuple[float, float]
    epsilon: float
    notes: tuple[tuple[str, ...], ...]
    n_clients: int
    clients_per_round: int
    rounds: int
    alpha: float
    dropout: float
    clip_norm: float
    noise_multiplier: float
    delta: float

    def final(self, name: str) -> float:
        """Test accuracy of run ``name`` after the last round."""
        return float(self.accuracy[self._index(name)][-1])

    def megabytes(self, name: str) -> float:
        """All bytes (up and down) of run ``name``, in MB."""
        i = self._index(name)
        return (self.bytes_up[i] + self.bytes_down[i]) / 1e6

    def _index(self, name: str) -> int:
        if name not in self.names:
            raise fail("name", "one of " + ", ".join(map(repr, self.names)), name)
        return self.names.index(name)

    def __repr__(self) -> str:
        return (f"SecureFederatedComparison(n_clients={self.n_clients}, "
                f"clients_per_round={self.clients_per_round}, rounds={self.rounds}, "
                f"dropout={self.dropout}, final=" +
                str([round(self.final(n), 3) for n in self.names]) + ")")

    def summary(self) -> str:
        """One line per run: final accuracy and megabytes; then the weight differences."""
        lines = [f"{self.n_clients} clients (alpha {self.alpha:g}), {self.clients_per_round} "
                 f"sampled per round, {self.rounds} rounds, dropout {self.dropout:g}:"]
        for name in self.names:
            lines.append(f"  {name:<31} final accuracy {self.final(name):.3f}   "
                         f"{self.megabytes(name):6.2f} MB")
        agree = [bool(d < 1e-5) for d in self.max_weight_difference]
        lines.append(f"final weights with and without secure aggregation agree within 1e-5: "
                     f"FedAvg {agree[0]}, DP-FedAvg {agree[1]}; DP-FedAvg's epsilon "
                     f"{self.epsilon:.2f} at delta {self.delta:g}")
        for name, notes in zip(self.names, self.notes):
            lines.extend(f"  note ({name}): {note}" for note in notes)
        return "\n".join(lines)


def secure_federated_comparison(*, n_clients: int = 100, clients_per_round: int = 10,
                                rounds: int = 20, alpha: float = 0.5, dropout: float = 0.2,
                                clip_norm: float = 1.0, noise_multiplier: float = 1.0,
                                delta: float = 1e-5, rng: SeedLike = None
                                ) -> SecureFederatedComparison:
    """Train notebook 07's digits model four ways on the same clients and stragglers.

    FedAvg and DP-FedAvg (``clip_norm``, ``noise_multiplier``), each without and
    with secure aggregation (:class:`~ppml_lab.federated.SecureAggregation`, a
    majority threshold per round), on a Dirichlet(``alpha``) split of the
    digits over ``n_clients`` clients, ``clients_per_round`` sampled per round,
    5 local steps at learning rate 0.5. Every run uses the same seed, so the
    same clients are sampled and the same stragglers (``dropout``) fail in
    every run; with secure aggregation the stragglers are the protocol's
    dropped clients.

    Parameters
    ----------
    n_clients, clients_per_round, rounds : int
        2 to 1,000 clients, 2 to 50 per round, 1 to 100 rounds.
    alpha : float, default 0.5
        Dirichlet label skew (``inf`` for IID).
    dropout : float, default 0.2
        Probability that a sampled client fails to report, in [0, 1).
    clip_norm, noise_multiplier, delta : float
        DP-FedAvg's clipping bound, noise and the delta of its epsilon.
    rng : None, int or numpy.random.Generator
        With an int the result is cached for the process.

    Returns
    -------
    SecureFederatedComparison

    Examples
    --------
    >>> result = secure_federated_comparison(n_clients=10, clients_per_round=5, rounds=2, rng=0)
    >>> result.final("FedAvg") == result.final("FedAvg + secure aggregation")
    True
    >>> bool(result.max_weight_difference[0] < 1e-5)
    True
    """
    n_clients = check_integer(n_clients, "n_clients", minimum=2, maximum=1000,
                              fix="Pass e.g. n_clients=100.")
    clients_per_round = check_integer(clients_per_round, "clients_per_round", minimum=2,
                                      maximum=min(50, n_clients),
                                      fix="Secure aggregation needs at least 2 per round; "
                                          "pass e.g. clients_per_round=10.")
    rounds = check_integer(rounds, "rounds", minimum=1, maximum=100, fix="Pass e.g. rounds=20.")
    alpha = float(alpha) if alpha == math.inf else check_nonnegative(alpha, "alpha")
    if alpha <= 0:
        raise fail("alpha", "a positive number or inf", alpha, "Pass e.g. alpha=0.5.")
    dropout = check_probability(dropout, "dropout", low_open=False, fix="Pass e.g. dropout=0.2.")
    clip_norm = check_nonnegative(clip_norm, "clip_norm")
    noise_multiplier = check_nonnegative(noise_multiplier, "noise_multiplier")
    delta = check_probability(delta, "delta")
    args = (n_clients, clients_per_round, rounds, alpha, dropout, clip_norm, noise_multiplier,
            delta)
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return _cached_comparison(*args, int(rng))
    return _comparison(*args, int(as_generator(rng).integers(0, 2**63 - 1)))


@functools.lru_cache(maxsize=16)
def _cached_comparison(*args: Any) -> SecureFederatedComparison:
    return _comparison(*args)


def _comparison(n_clients: int, clients_per_round: int, rounds: int, alpha: float,
                dropout: float, clip_norm: float, noise_multiplier: float, delta: float,
                seed: int) -> SecureFederatedComparison:
    from ..federated import (DPFedAvg, FedAvg, SecureAggregation, dirichlet_partition,
                             iid_partition, run_federated)
    from ..federated.experiments import federated_digits

    X, y, X_test, y_test = federated_digits()
    parts = (iid_partition(y, n_clients, rng=seed) if math.isinf(alpha)
             else dirichlet_partition(y, n_clients, alpha, rng=seed))
    dp = DPFedAvg(FedAvg(), clip_norm=clip_norm, noise_multiplier=noise_multiplier, delta=delta)
    histories = []
    for strategy in (FedAvg(), dp):
        for secure in (None, SecureAggregation()):
            histories.append(run_federated(
                X, y, parts, X_test, y_test, strategy=strategy, rounds=rounds, local_steps=5,
                learning_rate=0.5, clients_per_round=clients_per_round, dropout=dropout,
                secure_aggregation=secure, rng=seed))
    diff = tuple(float(np.max(np.abs(histories[i + 1].weights - histories[i].weights)))
                 for i in (0, 2))
    return SecureFederatedComparison(
        names=RUN_NAMES, accuracy=np.array([h.accuracy for h in histories]),
        bytes_up=tuple(int(h.bytes_up.sum()) for h in histories),
        bytes_down=tuple(int(h.bytes_down.sum()) for h in histories),
        max_weight_difference=diff, epsilon=float(histories[2].epsilon[-1]),
        notes=tuple(tuple(h.notes) for h in histories), n_clients=n_clients,
        clients_per_round=clients_per_round, rounds=rounds, alpha=alpha, dropout=dropout,
        clip_norm=clip_norm, noise_multiplier=noise_multiplier, delta=delta)
