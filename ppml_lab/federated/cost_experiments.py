"""What coordination and communication cost: stragglers and compressed updates (notebook 07).

The compute layer of notebook 07's last two figures (the seed's "technical
hurdles"), beside :mod:`ppml_lab.federated.experiments`:

* :func:`straggler_curves` -- FedAvg's test accuracy per round when each
  sampled client fails to report with probability ``dropout``
  (``run_federated(..., dropout=)``); a round where nobody reports keeps the
  model;
* :func:`compression_comparison` -- megabytes uploaded against accuracy with
  updates sent as float64, stochastically quantised to a few bits, or
  sparsified to their largest coordinates (with and without error feedback).

The data, model, partition and seeds are those of
:func:`~ppml_lab.federated.experiments.federated_curves`: at the same seed
every run sees the same clients and the same sampled clients (common random
numbers), so the curves differ only by the dropouts or the compression.

Introduced in notebook 07.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Sequence

import numpy as np

from .._random import SeedLike
from .._validation import check_array, fail
from ..dp.experiments import _frozen, _Record
from .experiments import (FEDERATED_ROUNDS, _check_common, _digits, _seed, _streams,
                          clients_per_round, skewed_partition)
from .simulation import run_federated

__all__ = ["StragglerCurves", "straggler_curves", "CompressionComparison",
           "compression_comparison", "COMPRESSORS"]


def _int_array(values: Any) -> np.ndarray:
    out = np.array(values, dtype=np.int64)
    out.setflags(write=False)
    return out


def _setting(n_clients: int, alpha: float, local_steps: int, participation: float, rounds: int,
             learning_rate: float, seed: int) -> dict[str, Any]:
    X, y, X_test, y_test = _digits()
    part_seed, sim_seed = _streams(seed)
    k = clients_per_round(n_clients, participation)
    return {"X": X, "y": y, "partitions": skewed_partition(y, n_clients, alpha, rng=part_seed),
            "X_test": X_test, "y_test": y_test, "rounds": rounds, "local_steps": local_steps,
            "learning_rate": learning_rate,
            "clients_per_round": None if k == n_clients else k, "rng": sim_seed}


# --- stragglers ----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class StragglerCurves(_Record):
    """FedAvg's test accuracy per round at several dropout probabilities.

    Attributes
    ----------
    n_clients, local_steps, clients_per_round, rounds : int
    alpha, participation : float
    dropouts : (n,) array
        Probability that a sampled client does not report, one per row.
    accuracy : (n, rounds) array
    reported : (n, rounds) int array
        Clients that reported in each round.
    silent_rounds : (n,) int array
        Rounds in which no sampled client reported (the model was kept).
    """

    n_clients: int
    alpha: float
    local_steps: int
    participation: float
    clients_per_round: int
    rounds: int
    dropouts: np.ndarray = dataclasses.field(repr=False)
    accuracy: np.ndarray = dataclasses.field(repr=False)
    reported: np.ndarray = dataclasses.field(repr=False)
    silent_rounds: np.ndarray = dataclasses.field(repr=False)

    def summary(self) -> str:
        """One line per dropout probability."""
        lines = [f"FedAvg, {self.n_clients} clients, {self.clients_per_round} sampled per round, "
                 f"{self.rounds} rounds:"]
        for d, acc, rep, silent in zip(self.dropouts, self.accuracy, self.reported,
                                       self.silent_rounds):
            lines.append(f"  dropout {d:.1f}: {rep.mean():.1f} clients report per round on "
                         f"average, {int(silent)} round(s) with nobody; final accuracy "
                         f"{acc[-1]:.3f}, mean over rounds {acc.mean():.3f}")
        return "\n".join(lines)


@functools.lru_cache(maxsize=64)
def _stragglers(dropouts: tuple[float, ...], n_clients: int, alpha: float, local_steps: int,
                participation: float, rounds: int, learning_rate: float,
                seed: int) -> StragglerCurves:
    setting = _setting(n_clients, alpha, local_steps, participation, rounds, learning_rate, seed)
    accuracy, reported = [], []
    for dropout in dropouts:
        history = run_federated(**setting, dropout=dropout)
        accuracy.append(history.accuracy)
        reported.append(history.n_participants)
    reported_arr = _int_array(reported)
    return StragglerCurves(n_clients, alpha, local_steps, participation,
                           clients_per_round(n_clients, participation), rounds, _frozen(dropouts),
                           _frozen(accuracy), reported_arr, _int_array((reported_arr == 0).sum(1)))


def straggler_curves(dropouts: Sequence[float] = (0.0, 0.5, 0.9), *, n_clients: int = 100,
                     alpha: float = 0.5, local_steps: int = 5, participation: float = 0.1,
                     rounds: int = FEDERATED_ROUNDS, learning_rate: float = 0.5,
                     rng: SeedLike = None) -> StragglerCurves:
    """FedAvg when sampled clients fail to report, at each of ``dropouts``.

    Each sampled client independently does not report with probability
    ``dropout`` (``run_federated(..., dropout=dropout)``); the server averages
    the updates that arrive, and keeps its model in a round where none does.
    Same partition and same sampled clients at every dropout (one seed).

    Parameters
    ----------
    dropouts : sequence of float in [0, 1), default (0, 0.5, 0.9)
    n_clients, alpha, local_steps, participation, rounds, learning_rate
        As in :func:`~ppml_lab.federated.experiments.federated_curves`.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    StragglerCurves

    Examples
    --------
    >>> s = straggler_curves((0.0, 0.9), n_clients=50, rng=0)
    >>> s.reported.mean(axis=1).round(1).tolist()
    [5.0, 0.5]
    >>> bool(s.accuracy[1].mean() < s.accuracy[0].mean())
    True
    """
    n_clients, alpha, local_steps, participation, rounds, learning_rate = _check_common(
        n_clients, alpha, local_steps, participation, rounds, learning_rate)
    fix = "Pass probabilities in [0, 1), e.g. dropouts=(0.0, 0.5, 0.9)."
    values = check_array(dropouts, "dropouts", ndim=1, fix=fix)
    if values.size == 0 or np.any(values < 0) or np.any(values >= 1):
        raise fail("dropouts", "a non-empty sequence of probabilities in [0, 1)", values, fix)
    return _stragglers(tuple(float(d) for d in values), n_clients, alpha, local_steps,
                       participation, rounds, learning_rate, _seed(rng))


# --- compression ---------------------------------------------------------------------------------

def _compressors() -> dict[str, Any]:
    from .compression import StochasticQuantizer, TopK

    return {
        "float64 (no compression)": None,
        "8-bit quantisation": StochasticQuantizer(bits=8),
        "2-bit quantisation": StochasticQuantizer(bits=2),
        "1-bit quantisation": StochasticQuantizer(bits=1),
        "top 10% + error feedback": TopK(fraction=0.1),
        "top 1% + error feedback": TopK(fraction=0.01),
        "top 1%, no error feedback": TopK(fraction=0.01, error_feedback=False),
    }


#: The names of the compressors :func:`compression_comparison` runs, in order.
COMPRESSORS: tuple[str, ...] = ("float64 (no compression)", "8-bit quantisation",
                                "2-bit quantisation", "1-bit quantisation",
                                "top 10% + error feedback", "top 1% + error feedback",
                                "top 1%, no error feedback")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class CompressionComparison(_Record):
    """Bytes uploaded against accuracy, one row per way of sending the updates.

    Attributes
    ----------
    n_clients, local_steps, clients_per_round, rounds : int
    alpha, participation : float
    methods : tuple of str
        How the updates were sent (:data:`COMPRESSORS`).
    accuracy : (n, rounds) array
        FedAvg's test accuracy per round.
    megabytes_up : (n,) array
        Megabytes uploaded over the run (what was actually sent).
    megabytes_up_float64 : (n,) array
        What the same updates weigh as float64.
    """

    n_clients: int
    alpha: float
    local_steps: int
    participation: float
    clients_per_round: int
    rounds: int
    methods: tuple[str, ...]
    accuracy: np.ndarray = dataclasses.field(repr=False)
    megabytes_up: np.ndarray = dataclasses.field(repr=False)
    megabytes_up_float64: np.ndarray = dataclasses.field(repr=False)

    @property
    def final(self) -> np.ndarray:
        """Test accuracy after the last round, per method."""
        return self.accuracy[:, -1]

    @property
    def savings(self) -> np.ndarray:
        """How many times fewer bytes than float64, per method."""
        return self.megabytes_up_float64 / self.megabytes_up

    def summary(self) -> str:
        """One line per method: megabytes, savings, final accuracy."""
        lines = [f"FedAvg, {self.n_clients} clients, {self.clients_per_round} per round, "
                 f"{self.rounds} rounds; uploads:"]
        for name, mb, save, acc in zip(self.methods, self.megabytes_up, self.savings,
                                       self.final):
            lines.append(f"  {name:<27} {mb:7.3f} MB ({save:5.1f}x fewer)  final accuracy "
                         f"{acc:.3f}")
        return "\n".join(lines)


@functools.lru_cache(maxsize=16)
def _compression(n_clients: int, alpha: float, local_steps: int, participation: float,
                 rounds: int, learning_rate: float, seed: int) -> CompressionComparison:
    setting = _setting(n_clients, alpha, local_steps, participation, rounds, learning_rate, seed)
    compressors = _compressors()
    accuracy, up, raw = [], [], []
    for name in COMPRESSORS:
        history = run_federated(**setting, compression=compressors[name])
        accuracy.append(history.accuracy)
        up.append(history.bytes_up.sum() / 1e6)
        raw.append(history.bytes_up_uncompressed.sum() / 1e6)
    return CompressionComparison(n_clients, alpha, local_steps, participation,
                                 clients_per_round(n_clients, participation), rounds, COMPRESSORS,
                                 _frozen(accuracy), _frozen(up), _frozen(raw))


def compression_comparison(*, n_clients: int = 100, alpha: float = 0.5, local_steps: int = 5,
                           participation: float = 0.1, rounds: int = FEDERATED_ROUNDS,
                           learning_rate: float = 0.5,
                           rng: SeedLike = None) -> CompressionComparison:
    """FedAvg with its updates sent in :data:`COMPRESSORS` ways: megabytes against accuracy.

    Float64, unbiased stochastic quantisation to 8, 2 and 1 bits
    (:class:`~ppml_lab.federated.StochasticQuantizer`), and the top 10% or 1%
    of coordinates with error feedback, and 1% without
    (:class:`~ppml_lab.federated.TopK`). Only uploads are compressed. Same
    partition and sampled clients for every method (one seed).

    Parameters
    ----------
    n_clients, alpha, local_steps, participation, rounds, learning_rate
        As in :func:`~ppml_lab.federated.experiments.federated_curves`.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    CompressionComparison

    Examples
    --------
    >>> c = compression_comparison(n_clients=50, rng=0)
    >>> c.methods[1], round(float(c.savings[1]), 1)
    ('8-bit quantisation', 7.8)
    >>> bool(abs(c.final[1] - c.final[0]) < 0.02)
    True
    """
    n_clients, alpha, local_steps, participation, rounds, learning_rate = _check_common(
        n_clients, alpha, local_steps, participation, rounds, learning_rate)
    return _compression(n_clients, alpha, local_steps, participation, rounds, learning_rate,
                        _seed(rng))
