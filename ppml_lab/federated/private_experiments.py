r"""Seeded experiments behind notebook 08: DP-FedAvg's accuracy against epsilon, and inversion.

This is the *compute* layer of notebook 08's visuals (see DESIGN.md, "Every
visual has three layers"): pure, seeded functions returning small frozen
records that :mod:`ppml_lab.viz.private_federated` draws. Nothing here imports
matplotlib or ipywidgets; the training is :func:`~ppml_lab.federated.run_federated`
with :class:`~ppml_lab.federated.DPFedAvg`, the epsilon is
:meth:`DPFedAvg.epsilons <ppml_lab.federated.DPFedAvg.epsilons>`, and the
attacks are those of :mod:`ppml_lab.attacks.gradient_inversion`.

* :func:`dp_fedavg_curve`: DP-FedAvg on scikit-learn's digits split over
  ``n_clients`` clients (IID), ``clients_per_round`` of them sampled per round;
  final test accuracy (median, lowest and highest over ``n_seeds`` seeds) at
  each noise multiplier of a grid, beside the same run without noise, and the
  epsilon after every round from the accountant. :meth:`DPFedAvgCurve.at` is
  one point of it.
* :func:`noise_at_epsilon`: for one epsilon, the noise multiplier each number
  of clients per round needs, and the noise it puts on the *averaged* update,
  ``noise_multiplier * clip_norm / clients_per_round``: the reason production
  systems average thousands of clients per round.
* :func:`central_vs_local`: central DP-FedAvg (the server adds the noise) against
  local DP (each client noises its own update) at the same epsilons.
* :func:`inversion_gallery`: the digits a curious server reads off one update
  (one client's batch, a sum of clients, a noised update), for a picture.

Common random numbers: the seeds are drawn from ``rng`` once; every noise
multiplier and every number of clients per round reuses them (the same
partition, the same clients sampled in each round for a given number per round,
the same standard-normal noise, scaled), so a curve moves only by the setting's effect.

**Speed** (2 cores, default settings: 1,000 clients, 20 rounds, 3 seeds, 9 noise
multipliers and the noise-free run): one curve takes about 0.5 s with 10 clients
per round and about 3 s with 200; every run is cached, so a curve already
computed costs nothing. :func:`noise_at_epsilon` interpolates a table of the
accountant's epsilons (computed once per setting, about 1 s) in log-log, within
about 1% of :func:`~ppml_lab.dp.calibrate_noise_multiplier`.

Introduced in notebook 08.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np

from .._random import SeedLike, as_generator
from .._validation import (check_choice, check_delta, check_grid, check_integer,
                           check_nonnegative, check_positive, fail)
from ..datasets import DATASETS, load_classification
from ..dp.experiments import _frozen, _Record
from .dp_fedavg import DPFedAvg
from .partitions import iid_partition
from .simulation import run_federated
from .strategies import FedAvg

__all__ = ["FEDAVG_NOISE_MULTIPLIERS", "FEDAVG_CLIENTS_PER_ROUND", "DPFedAvgPoint",
           "DPFedAvgCurve", "dp_fedavg_curve", "NoiseAtEpsilon", "noise_at_epsilon",
           "CentralLocalResult", "central_vs_local", "InversionGallery", "inversion_gallery"]

#: The noise multipliers of notebook 08's curves and of its explorer's slider (factors of about
#: sqrt(2) from 0.5 to 8).
FEDAVG_NOISE_MULTIPLIERS: tuple[float, ...] = (0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0, 5.6, 8.0)
#: The clients per round of notebook 08's explorer (of 1,000 clients).
FEDAVG_CLIENTS_PER_ROUND: tuple[int, ...] = (10, 20, 50, 100, 200)
#: The clients per round of :func:`noise_at_epsilon` by default: the slider's, up to everyone.
_NOISE_PANEL_CLIENTS: tuple[int, ...] = (10, 20, 50, 100, 200, 500, 1000)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _delta(delta: float) -> str:
    """``1e-05`` written ``1e-5``."""
    return f"{delta:.0e}".replace("e-0", "e-")


# --- settings and cached runs ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Setting:
    """Everything a run depends on except the noise multiplier, clients per round and seed."""

    data_name: str
    n_clients: int
    rounds: int
    clip_norm: float
    local_steps: int
    learning_rate: float
    delta: float


def _check_setting(data_name: Any, n_clients: Any, rounds: Any, clip_norm: Any,
                   local_steps: Any, learning_rate: Any, delta: Any) -> _Setting:
    data_name = check_choice(data_name, "data_name", DATASETS, fix='Pass e.g. data_name="digits".')
    n_train = len(load_classification(data_name).y_train)
    return _Setting(
        data_name,
        check_integer(n_clients, "n_clients", minimum=1, maximum=n_train,
                      fix=f"Use between 1 and {n_train} clients (one training row each at most)."),
        check_integer(rounds, "rounds", minimum=1, maximum=1000, fix="Pass e.g. rounds=20."),
        check_positive(clip_norm, "clip_norm", fix="Pass e.g. clip_norm=1.0."),
        check_integer(local_steps, "local_steps", minimum=1, maximum=1000,
                      fix="Pass e.g. local_steps=5."),
        check_positive(learning_rate, "learning_rate", fix="Pass e.g. learning_rate=0.5."),
        check_delta(delta))


def _check_clients_per_round(value: Any, n_clients: int, name: str = "clients_per_round") -> int:
    return check_integer(value, name, minimum=1, maximum=n_clients,
                         fix=f"Pass a number of clients from 1 to n_clients = {n_clients}.")


def _seeds(rng: SeedLike, n_seeds: Any) -> tuple[int, ...]:
    n_seeds = check_integer(n_seeds, "n_seeds", minimum=1, maximum=100, fix="Pass e.g. n_seeds=3.")
    return tuple(int(s) for s in as_generator(rng).integers(0, 2**32, size=n_seeds))


@functools.lru_cache(maxsize=4096)
def _run(setting: _Setting, clients_per_round: int, noise_multiplier: float, local: bool,
         seed: int) -> float:
    """Final test accuracy of one seeded DP-FedAvg run (cached: explorers ask again and again).

    The seed gives the partition and the run's generator; the run spawns the client
    sampling and the noise from it (so every noise multiplier sees the same clients).
    """
    data = load_classification(setting.data_name)
    partition_rng, run_rng = np.random.default_rng(seed).spawn(2)
    parts = iid_partition(data.y_train, setting.n_clients, rng=partition_rng)
    strategy = DPFedAvg(FedAvg(), clip_norm=setting.clip_norm, noise_multiplier=noise_multiplier,
                        delta=setting.delta, local=local)
    history = run_federated(data.X_train, data.y_train, parts, data.X_test, data.y_test,
                            strategy=strategy, rounds=setting.rounds,
                            local_steps=setting.local_steps,
                            learning_rate=setting.learning_rate,
                            clients_per_round=clients_per_round, rng=run_rng)
    return float(history.accuracy[-1])


@functools.lru_cache(maxsize=4096)
def _epsilons(setting: _Setting, clients_per_round: int, noise_multiplier: float,
              local: bool = False) -> np.ndarray:
    """Epsilon after each round, from :meth:`DPFedAvg.epsilons` (read-only, cached)."""
    strategy = DPFedAvg(FedAvg(), clip_norm=setting.clip_norm, noise_multiplier=noise_multiplier,
                        delta=setting.delta, local=local)
    return _frozen(strategy.epsilons(setting.rounds, setting.n_clients, clients_per_round))


# --- accuracy against epsilon ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class DPFedAvgPoint(_Record):
    """DP-FedAvg at one noise multiplier (see :meth:`DPFedAvgCurve.at`).

    Attributes
    ----------
    clients_per_round, n_clients, rounds : int
    noise_multiplier, clip_norm, delta : float
    sample_rate : float
        ``clients_per_round / n_clients``.
    epsilon : float
        Epsilon after all rounds, at ``delta``.
    epsilon_per_round : numpy.ndarray
        Epsilon after each round, from the accountant.
    noise_std : float
        Standard deviation of the noise on each coordinate of the averaged update,
        ``noise_multiplier * clip_norm / clients_per_round``.
    median, low, high : float
        Median, lowest and highest final test accuracy over the seeds.
    baseline : float
        Median final test accuracy of the same runs without noise (same clipping).
    accuracies : numpy.ndarray
        One final test accuracy per seed.
    curve : DPFedAvgCurve
        The curve this point belongs to.
    """

    clients_per_round: int
    n_clients: int
    rounds: int
    noise_multiplier: float
    clip_norm: float
    delta: float
    sample_rate: float
    epsilon: float
    noise_std: float
    median: float
    low: float
    high: float
    baseline: float
    epsilon_per_round: np.ndarray = dataclasses.field(repr=False)
    accuracies: np.ndarray = dataclasses.field(repr=False)
    curve: "DPFedAvgCurve" = dataclasses.field(repr=False)

    @property
    def privacy_cost(self) -> float:
        """Accuracy lost to the noise: the noise-free median minus this median."""
        return self.baseline - self.median

    def summary(self) -> str:
        """Plain-words sentences about this point."""
        return (f"{self.clients_per_round:,} of {self.n_clients:,} clients per round (sampling "
                f"rate {self.sample_rate:.3g}) and noise multiplier {self.noise_multiplier:g}: "
                f"after {self.rounds} rounds epsilon = {self.epsilon:.2f} at delta = "
                f"{_delta(self.delta)} ({self.epsilon_per_round[0]:.2f} after the first round). The "
                f"model is right on {_pct(self.median)} of test digits (median of "
                f"{self.accuracies.size} seeds, {_pct(self.low)} to {_pct(self.high)}); without "
                f"noise, {_pct(self.baseline)}.")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class DPFedAvgCurve(_Record):
    """DP-FedAvg's final test accuracy against epsilon (see :func:`dp_fedavg_curve`).

    Attributes
    ----------
    data_name : str
    clients_per_round, n_clients, rounds, n_seeds : int
    clip_norm, delta : float
    baseline : float
        Median final test accuracy without noise (same clipping, same seeds).
    baseline_accuracies : numpy.ndarray
        One noise-free accuracy per seed.
    seeds : tuple of int
    noise_multipliers : numpy.ndarray
        The grid, increasing (so ``epsilons`` decreases).
    epsilons : numpy.ndarray
        Epsilon after all rounds, one per noise multiplier.
    epsilon_per_round : numpy.ndarray of shape (n_noise_multipliers, rounds)
    accuracies : numpy.ndarray of shape (n_noise_multipliers, n_seeds)
    median, low, high : numpy.ndarray
        Median, lowest and highest accuracy over the seeds, along ``noise_multipliers``.
    """

    data_name: str
    clients_per_round: int
    n_clients: int
    rounds: int
    n_seeds: int
    clip_norm: float
    delta: float
    baseline: float
    baseline_accuracies: np.ndarray = dataclasses.field(repr=False)
    seeds: tuple = dataclasses.field(repr=False)
    noise_multipliers: np.ndarray = dataclasses.field(repr=False)
    epsilons: np.ndarray = dataclasses.field(repr=False)
    epsilon_per_round: np.ndarray = dataclasses.field(repr=False)
    accuracies: np.ndarray = dataclasses.field(repr=False)
    median: np.ndarray = dataclasses.field(repr=False)
    low: np.ndarray = dataclasses.field(repr=False)
    high: np.ndarray = dataclasses.field(repr=False)

    @property
    def sample_rate(self) -> float:
        """``clients_per_round / n_clients``, the rate the accountant amplifies by."""
        return self.clients_per_round / self.n_clients

    def at(self, noise_multiplier: float) -> DPFedAvgPoint:
        """The point at ``noise_multiplier``, one of :attr:`noise_multipliers`.

        Examples
        --------
        >>> curve = dp_fedavg_curve(10, noise_multipliers=[1.0, 2.0], n_clients=100, rounds=2,
        ...                         n_seeds=2, rng=0)
        >>> curve.at(2.0).noise_std
        0.2
        >>> curve.at(3.0)
        Traceback (most recent call last):
        ...
        ValueError: `noise_multiplier` must be one of the curve's noise multipliers 1, 2; got 3.0. Compute a curve with it: dp_fedavg_curve(..., noise_multipliers=[...]).
        """
        sigma = check_positive(noise_multiplier, "noise_multiplier")
        hits = np.flatnonzero(np.isclose(self.noise_multipliers, sigma, rtol=1e-9, atol=0))
        if hits.size == 0:
            grid = ", ".join(f"{s:g}" for s in self.noise_multipliers)
            raise fail("noise_multiplier", f"one of the curve's noise multipliers {grid}", sigma,
                       "Compute a curve with it: dp_fedavg_curve(..., noise_multipliers=[...]).")
        i = int(hits[0])
        s = float(self.noise_multipliers[i])
        return DPFedAvgPoint(
            self.clients_per_round, self.n_clients, self.rounds, s, self.clip_norm, self.delta,
            self.sample_rate, float(self.epsilons[i]), s * self.clip_norm / self.clients_per_round,
            float(self.median[i]), float(self.low[i]), float(self.high[i]), self.baseline,
            _frozen(self.epsilon_per_round[i]), _frozen(self.accuracies[i]), self)

    def summary(self) -> str:
        """Plain-words sentences about this curve."""
        first, last = 0, len(self.noise_multipliers) - 1
        return (f"With {self.clients_per_round:,} of {self.n_clients:,} clients per round for "
                f"{self.rounds} rounds, the median test accuracy goes from {_pct(self.median[last])} "
                f"at epsilon = {self.epsilons[last]:.2g} (noise multiplier "
                f"{self.noise_multipliers[last]:g}) to {_pct(self.median[first])} at epsilon = "
                f"{self.epsilons[first]:.2g} (noise multiplier {self.noise_multipliers[first]:g}); "
                f"without noise it is {_pct(self.baseline)} ({self.n_seeds} seeds).")


@functools.lru_cache(maxsize=128)
def _curve(setting: _Setting, clients_per_round: int, sigmas: tuple[float, ...],
           seeds: tuple[int, ...]) -> DPFedAvgCurve:
    acc = np.array([[_run(setting, clients_per_round, s, False, seed) for seed in seeds]
                    for s in sigmas])
    base = np.array([_run(setting, clients_per_round, 0.0, False, seed) for seed in seeds])
    per_round = np.array([_epsilons(setting, clients_per_round, s) for s in sigmas])
    return DPFedAvgCurve(
        setting.data_name, clients_per_round, setting.n_clients, setting.rounds, len(seeds),
        setting.clip_norm, setting.delta, float(np.median(base)), _frozen(base), seeds,
        _frozen(sigmas), _frozen(per_round[:, -1]), _frozen(per_round), _frozen(acc),
        _frozen(np.median(acc, axis=1)), _frozen(acc.min(axis=1)), _frozen(acc.max(axis=1)))


def _sigma_grid(noise_multipliers: Any) -> tuple[float, ...]:
    if noise_multipliers is None:
        return FEDAVG_NOISE_MULTIPLIERS
    fix = "Pass e.g. noise_multipliers=[0.5, 1.0, 2.0, 4.0]."
    return tuple(float(s) for s in check_grid(noise_multipliers, "noise_multipliers", fix=fix))


def dp_fedavg_curve(clients_per_round: int = 50, *, noise_multipliers: Any = None,
                    n_clients: int = 1000, rounds: int = 20, clip_norm: float = 1.0,
                    local_steps: int = 5, learning_rate: float = 0.5, n_seeds: int = 3,
                    delta: float = 1e-5, data_name: str = "digits",
                    rng: SeedLike = None) -> DPFedAvgCurve:
    """DP-FedAvg's final test accuracy against epsilon, over a grid of noise multipliers.

    The training rows of ``data_name`` (default: scikit-learn's digits, as
    :func:`~ppml_lab.datasets.load_classification` splits and scales them) are
    split IID over ``n_clients`` clients (:func:`~ppml_lab.federated.iid_partition`);
    :func:`~ppml_lab.federated.run_federated` trains softmax regression with
    ``DPFedAvg(FedAvg(), clip_norm, noise_multiplier, delta=delta)`` for ``rounds``
    rounds, ``clients_per_round`` clients sampled per round, ``local_steps``
    full-batch steps each. For each noise multiplier, ``n_seeds`` runs; and the
    same runs without noise (``noise_multiplier=0``, same clipping) for the baseline.
    The epsilon after every round is :meth:`DPFedAvg.epsilons
    <ppml_lab.federated.DPFedAvg.epsilons>` at sampling rate ``clients_per_round /
    n_clients``. Every run is cached.

    Parameters
    ----------
    clients_per_round : int, default 50
        From 1 to ``n_clients``.
    noise_multipliers : sequence of float, optional
        Strictly increasing positive numbers; default :data:`FEDAVG_NOISE_MULTIPLIERS`.
    n_clients : int, default 1000
        At most the number of training rows (1,257 for digits).
    rounds, local_steps : int, default 20 and 5
    clip_norm, learning_rate : float, default 1.0 and 0.5
    n_seeds : int, default 3
    delta : float, default 1e-5
    data_name : {"digits", "breast_cancer", "synthetic"}, default "digits"
    rng : None, int or numpy.random.Generator
        Draws the seeds, the same for every noise multiplier and clients per round.

    Returns
    -------
    DPFedAvgCurve

    Introduced in notebook 08.

    Examples
    --------
    >>> curve = dp_fedavg_curve(10, noise_multipliers=[1.0, 4.0], n_clients=100, rounds=3,
    ...                         n_seeds=2, rng=0)
    >>> curve.epsilons.round(3).tolist(), curve.accuracies.shape
    ([2.607, 0.204], (2, 2))
    >>> from ppml_lab.federated import DPFedAvg, FedAvg
    >>> bool(curve.epsilons[0] == DPFedAvg(FedAvg(), 1.0, 1.0).epsilons(3, 100, 10)[-1])
    True
    """
    setting = _check_setting(data_name, n_clients, rounds, clip_norm, local_steps, learning_rate,
                             delta)
    m = _check_clients_per_round(clients_per_round, setting.n_clients)
    return _curve(setting, m, _sigma_grid(noise_multipliers), _seeds(rng, n_seeds))


# --- the noise on the average at one epsilon ---------------------------------------------------

_TABLE_SIGMAS = np.geomspace(0.05, 1e4, 80)  # factors of about 1.168


@functools.lru_cache(maxsize=256)
def _epsilon_table(n_clients: int, rounds: int, delta: float, clients_per_round: int
                   ) -> np.ndarray:
    """Final epsilon at each of :data:`_TABLE_SIGMAS` (decreasing), from DPFedAvg's accountant."""
    return _frozen([DPFedAvg(FedAvg(), 1.0, s, delta=delta).epsilons(
        rounds, n_clients, clients_per_round)[-1] for s in _TABLE_SIGMAS])


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class NoiseAtEpsilon(_Record):
    """The noise each number of clients per round needs for one epsilon (:func:`noise_at_epsilon`).

    Attributes
    ----------
    epsilon, delta, clip_norm : float
    n_clients, rounds : int
    clients_per_round : numpy.ndarray of int
    noise_multipliers : numpy.ndarray
        The noise multiplier that reaches ``epsilon`` after ``rounds`` rounds (NaN
        where it lies outside 0.05 to 10,000).
    noise_std : numpy.ndarray
        ``noise_multipliers * clip_norm / clients_per_round``: the standard deviation of
        the noise on each coordinate of the averaged update.
    """

    epsilon: float
    delta: float
    clip_norm: float
    n_clients: int
    rounds: int
    clients_per_round: np.ndarray = dataclasses.field(repr=False)
    noise_multipliers: np.ndarray = dataclasses.field(repr=False)
    noise_std: np.ndarray = dataclasses.field(repr=False)

    def std_at(self, clients_per_round: int) -> float:
        """:attr:`noise_std` at one of :attr:`clients_per_round`."""
        hits = np.flatnonzero(self.clients_per_round == clients_per_round)
        if hits.size == 0:
            raise fail("clients_per_round", "one of " + ", ".join(
                str(int(m)) for m in self.clients_per_round), clients_per_round)
        return float(self.noise_std[hits[0]])


def noise_at_epsilon(epsilon: float, *, clients_per_round: Any = None, n_clients: int = 1000,
                     rounds: int = 20, clip_norm: float = 1.0,
                     delta: float = 1e-5) -> NoiseAtEpsilon:
    r"""The noise on the averaged update that each number of clients per round needs for ``epsilon``.

    With ``m`` clients per round of ``n_clients``, DP-FedAvg adds noise of standard
    deviation :math:`\sigma C` to the sum of the clipped updates and divides by
    :math:`m`, so each coordinate of the averaged update carries noise
    :math:`\sigma C / m`. The noise multiplier :math:`\sigma` that reaches
    ``epsilon`` after ``rounds`` rounds grows with the sampling rate :math:`m / n`,
    but more slowly than :math:`m` while the rate is small: more clients per round,
    less noise per client for the same epsilon, until the whole population takes part.

    :math:`\sigma` is interpolated (log-log) in a table of
    :meth:`DPFedAvg.epsilons <ppml_lab.federated.DPFedAvg.epsilons>` at 61 noise
    multipliers from 0.05 to 10,000 (cached); within about 1% of
    :func:`~ppml_lab.dp.calibrate_noise_multiplier`. Very small epsilons lie on the RDP
    accountant's floor (its largest order limits how small epsilon gets: about 0.0035 for
    20 rounds at sampling rate 0.01), where the noise multiplier is not well determined.

    Parameters
    ----------
    epsilon : float
        The epsilon after ``rounds`` rounds, > 0.
    clients_per_round : sequence of int, optional
        Default 10, 20, 50, 100, 200, 500 and 1000 (those up to ``n_clients``).
    n_clients, rounds : int, default 1000 and 20
    clip_norm : float, default 1.0
    delta : float, default 1e-5

    Returns
    -------
    NoiseAtEpsilon

    Introduced in notebook 08.

    Examples
    --------
    >>> r = noise_at_epsilon(1.0)
    >>> r.clients_per_round.tolist()
    [10, 20, 50, 100, 200, 500, 1000]
    >>> r.noise_std.round(3).tolist()
    [0.103, 0.058, 0.03, 0.023, 0.02, 0.019, 0.018]
    """
    epsilon = check_positive(epsilon, "epsilon", fix="Pass e.g. epsilon=1.0.")
    n_clients = check_integer(n_clients, "n_clients", minimum=1, maximum=10**7,
                              fix="Pass e.g. n_clients=1000.")
    rounds = check_integer(rounds, "rounds", minimum=1, maximum=1000, fix="Pass e.g. rounds=20.")
    clip_norm = check_positive(clip_norm, "clip_norm", fix="Pass e.g. clip_norm=1.0.")
    delta = check_delta(delta)
    if clients_per_round is None:
        ms = np.array([m for m in _NOISE_PANEL_CLIENTS if m <= n_clients] or [n_clients])
    else:
        fix = "Pass e.g. clients_per_round=[10, 100, 1000], each from 1 to n_clients."
        ms = check_grid(clients_per_round, "clients_per_round", fix=fix)
        if np.any(ms != np.round(ms)) or ms[-1] > n_clients:
            raise fail("clients_per_round", f"strictly increasing integers from 1 to {n_clients}",
                       clients_per_round, fix)
        ms = ms.astype(int)
    log_sigma = np.log(_TABLE_SIGMAS)
    sigmas = []
    for m in ms:
        eps = _epsilon_table(n_clients, rounds, delta, int(m))
        keep = eps > 0        # at huge noise the KL bound gives (0, delta)-DP: no slope to follow
        # epsilon falls as sigma grows: interpolate log sigma in log epsilon (increasing order)
        x, y = np.log(eps[keep][::-1]), log_sigma[keep][::-1]
        le = np.log(epsilon)
        sigmas.append(float(np.exp(np.interp(le, x, y))) if x[0] <= le <= x[-1] else np.nan)
    sigmas_arr = np.array(sigmas)
    counts = np.array(ms, dtype=np.int64)
    counts.setflags(write=False)
    return NoiseAtEpsilon(epsilon, delta, clip_norm, n_clients, rounds, counts,
                          _frozen(sigmas_arr), _frozen(sigmas_arr * clip_norm / ms))


# --- central against local DP ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class CentralLocalResult(_Record):
    """Central and local DP-FedAvg at the same epsilons (see :func:`central_vs_local`).

    Attributes
    ----------
    clients_per_round, n_clients, rounds, n_seeds : int
    clip_norm, delta : float
    baseline : float
        Median final test accuracy without noise.
    epsilons : numpy.ndarray
        The target epsilons (after all rounds).
    central_noise_multipliers, local_noise_multipliers : numpy.ndarray
        The noise multiplier each needs: central DP is amplified by sampling and
        noises the sum once; local DP has sensitivity ``2 * clip_norm`` against the
        server and no amplification (the server knows whom it sampled).
    central_epsilons, local_epsilons : numpy.ndarray
        Their epsilons from :meth:`DPFedAvg.epsilons` (at most the targets).
    central_accuracy, local_accuracy : numpy.ndarray
        Median final test accuracy over the seeds.
    central_noise_std, local_noise_std : numpy.ndarray
        Noise standard deviation on each coordinate of the averaged update:
        ``sigma * C / m`` centrally, ``sigma * C / sqrt(m)`` locally (``m`` independent
        draws averaged).
    """

    clients_per_round: int
    n_clients: int
    rounds: int
    n_seeds: int
    clip_norm: float
    delta: float
    baseline: float
    epsilons: np.ndarray = dataclasses.field(repr=False)
    central_noise_multipliers: np.ndarray = dataclasses.field(repr=False)
    local_noise_multipliers: np.ndarray = dataclasses.field(repr=False)
    central_epsilons: np.ndarray = dataclasses.field(repr=False)
    local_epsilons: np.ndarray = dataclasses.field(repr=False)
    central_accuracy: np.ndarray = dataclasses.field(repr=False)
    local_accuracy: np.ndarray = dataclasses.field(repr=False)
    central_noise_std: np.ndarray = dataclasses.field(repr=False)
    local_noise_std: np.ndarray = dataclasses.field(repr=False)

    def table(self) -> str:
        """One line per epsilon: noise multipliers, noise on the average and accuracy."""
        lines = [f"{'epsilon':>8}  {'central sigma':>13}  {'local sigma':>11}  "
                 f"{'noise on average (central / local)':>35}  {'accuracy (central / local)':>27}"]
        for i, eps in enumerate(self.epsilons):
            lines.append(
                f"{eps:>8.2f}  {self.central_noise_multipliers[i]:>13.3f}  "
                f"{self.local_noise_multipliers[i]:>11.3f}  "
                f"{self.central_noise_std[i]:>16.4f} / {self.local_noise_std[i]:<16.4f}  "
                f"{self.central_accuracy[i]:>12.3f} / {self.local_accuracy[i]:<12.3f}")
        lines.append(f"without noise: {self.baseline:.3f} ({self.clients_per_round} of "
                     f"{self.n_clients} clients per round, {self.rounds} rounds, median of "
                     f"{self.n_seeds} seeds)")
        return "\n".join(lines)


def _calibrate(setting: _Setting, clients_per_round: int, epsilon: float, local: bool) -> float:
    """Smallest noise multiplier (to 0.1%) whose DPFedAvg epsilon after all rounds is <= epsilon."""
    def eps(sigma: float) -> float:
        return float(_epsilons(setting, clients_per_round, sigma, local)[-1])

    low, high = 1e-3, 1.0
    while eps(high) > epsilon:
        low, high = high, high * 4.0
        if high > 1e6:
            raise fail("epsilons", "reachable with a noise multiplier up to 1e6", epsilon)
    while high / low > 1.001:                                    # bisection on a log scale
        middle = float(np.sqrt(low * high))
        low, high = (low, middle) if eps(middle) <= epsilon else (middle, high)
    return round(high, 6)


def central_vs_local(epsilons: Any = (1.0, 4.0, 16.0), *, clients_per_round: int = 100,
                     n_clients: int = 1000, rounds: int = 20, clip_norm: float = 1.0,
                     local_steps: int = 5, learning_rate: float = 0.5, n_seeds: int = 3,
                     delta: float = 1e-5, data_name: str = "digits",
                     rng: SeedLike = None) -> CentralLocalResult:
    """Central DP-FedAvg against local DP (``DPFedAvg(local=True)``) at the same epsilons.

    For each target epsilon, the noise multiplier of each variant is calibrated
    (bisection on :meth:`DPFedAvg.epsilons <ppml_lab.federated.DPFedAvg.epsilons>`,
    to 0.1%) and ``n_seeds`` runs of :func:`dp_fedavg_curve`'s setting are trained.
    Central DP trusts the server to add the noise; local DP does not, so every
    client noises its own update and the noise in the average is
    ``sqrt(clients_per_round)`` times larger at the same noise multiplier, and the
    noise multiplier itself is larger (no amplification by sampling, sensitivity
    ``2 * clip_norm``).

    Parameters
    ----------
    epsilons : sequence of float, default (1, 4, 16)
        Strictly increasing target epsilons (after all rounds).
    clients_per_round : int, default 100
    n_clients, rounds, clip_norm, local_steps, learning_rate, n_seeds, delta, data_name, rng
        As in :func:`dp_fedavg_curve`.

    Returns
    -------
    CentralLocalResult

    Introduced in notebook 08.

    Examples
    --------
    >>> r = central_vs_local([2.0], clients_per_round=10, n_clients=100, rounds=3, n_seeds=1,
    ...                      rng=0)
    >>> r.central_noise_multipliers.tolist(), r.local_noise_multipliers.tolist()
    ([1.13956], [7.446097])
    """
    setting = _check_setting(data_name, n_clients, rounds, clip_norm, local_steps, learning_rate,
                             delta)
    m = _check_clients_per_round(clients_per_round, setting.n_clients)
    targets = check_grid(epsilons, "epsilons", fix="Pass e.g. epsilons=[1.0, 4.0, 16.0].")
    seeds = _seeds(rng, n_seeds)
    central = np.array([_calibrate(setting, m, float(e), False) for e in targets])
    local = np.array([_calibrate(setting, m, float(e), True) for e in targets])

    def median_accuracy(sigma: float, is_local: bool) -> float:
        return float(np.median([_run(setting, m, float(sigma), is_local, s) for s in seeds]))

    return CentralLocalResult(
        m, setting.n_clients, setting.rounds, len(seeds), setting.clip_norm, setting.delta,
        float(np.median([_run(setting, m, 0.0, False, s) for s in seeds])), _frozen(targets),
        _frozen(central), _frozen(local),
        _frozen([_epsilons(setting, m, float(s))[-1] for s in central]),
        _frozen([_epsilons(setting, m, float(s), True)[-1] for s in local]),
        _frozen([median_accuracy(s, False) for s in central]),
        _frozen([median_accuracy(s, True) for s in local]),
        _frozen(central * setting.clip_norm / m), _frozen(local * setting.clip_norm / np.sqrt(m)))


# --- the inversion demo ------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class InversionGallery(_Record):
    """What a curious server reads off one update (see :func:`inversion_gallery`).

    Attributes
    ----------
    batch_size, n_clients_summed : int
    noise_multiplier, clip_norm, learning_rate : float
    true_images : numpy.ndarray of shape (n, 64)
        The examples behind the update (pixel intensities in [0, 1]), sorted by label.
    true_labels : numpy.ndarray of shape (n,)
    recovered : numpy.ndarray of shape (n, 64)
        For each true example, the row the attack recovers for its label (NaN where
        the attack finds nothing for that label).
    quality : numpy.ndarray of shape (n,)
        Pearson correlation of each recovered row with its true example (NaN where
        nothing was recovered).
    inferred_labels : numpy.ndarray
        The labels the attack infers (classes with a negative bias gradient).
    """

    batch_size: int
    n_clients_summed: int
    noise_multiplier: float
    clip_norm: float
    learning_rate: float
    true_images: np.ndarray = dataclasses.field(repr=False)
    true_labels: np.ndarray = dataclasses.field(repr=False)
    recovered: np.ndarray = dataclasses.field(repr=False)
    quality: np.ndarray = dataclasses.field(repr=False)
    inferred_labels: np.ndarray = dataclasses.field(repr=False)

    @property
    def mean_quality(self) -> float:
        """Mean :attr:`quality`, counting an example with nothing recovered as 0."""
        return float(np.mean(np.nan_to_num(self.quality, nan=0.0)))

    def summary(self) -> str:
        """One plain-words sentence."""
        parts = [f"{self.n_clients_summed} client{'s' if self.n_clients_summed > 1 else ''} "
                 f"summed" if self.n_clients_summed > 1 else "one client",
                 f"batch of {self.batch_size}"]
        if self.noise_multiplier > 0:
            parts.append(f"clipped to {self.clip_norm:g} plus noise multiplier "
                         f"{self.noise_multiplier:g}")
        return (f"{', '.join(parts)}: the server recovers {np.sum(~np.isnan(self.quality))} of "
                f"{len(self.quality)} digits' labels, mean correlation with the true digits "
                f"{self.mean_quality:.3f} (1 = exact).")


def inversion_gallery(batch_size: int = 1, *, n_clients_summed: int = 1,
                      noise_multiplier: float = 0.0, clip_norm: float = 1.0,
                      learning_rate: float = 0.5, rng: SeedLike = None) -> InversionGallery:
    """Attack one update of softmax regression on digits, for a picture.

    Each of ``n_clients_summed`` clients holds ``batch_size`` digits of distinct
    labels (scikit-learn's 8x8 digits scaled to [0, 1], no download) and takes one
    full-batch gradient step of ``learning_rate`` from the zero weights of a first
    round; the server sees the update (or the sum of the clients' updates, as
    secure aggregation would show it). With ``noise_multiplier > 0`` each update is
    first clipped to ``clip_norm`` and Gaussian noise of standard deviation
    ``noise_multiplier * clip_norm`` is added (the update of local DP, or one
    client's share of DP-SGD's noise). The server turns the update into a gradient
    (:func:`~ppml_lab.attacks.gradient_from_update`) and divides rows by bias
    gradients (:func:`~ppml_lab.attacks.invert_softmax_batch`); each true digit is
    shown beside the row recovered for its label.

    Parameters
    ----------
    batch_size : int, default 1
        Digits per client, 1 to 10 (distinct labels within a client).
    n_clients_summed : int, default 1
        Clients whose updates are summed, 1 to 100.
    noise_multiplier : float, default 0
        >= 0; 0 means no clipping and no noise.
    clip_norm, learning_rate : float, default 1.0 and 0.5
    rng : None, int or numpy.random.Generator
        Picks the digits, then the noise (the same digits for every noise multiplier).

    Returns
    -------
    InversionGallery

    Introduced in notebook 08.

    Examples
    --------
    >>> g = inversion_gallery(1, rng=0)
    >>> g.quality.round(6).tolist(), bool(np.allclose(g.recovered, g.true_images))
    ([1.0], True)
    >>> g3 = inversion_gallery(3, rng=0)
    >>> g3.true_labels.tolist(), bool(g3.quality.min() > 0.8)
    ([2, 4, 6], True)
    """
    from ..attacks.gradient_inversion import (_digits, gradient_from_update,
                                              invert_softmax_batch, recovery_quality)
    from .models import LogisticModel

    batch_size = check_integer(batch_size, "batch_size", minimum=1, maximum=10,
                               fix="Pass e.g. batch_size=3 (distinct labels, at most 10).")
    n_clients_summed = check_integer(n_clients_summed, "n_clients_summed", minimum=1,
                                     maximum=100, fix="Pass e.g. n_clients_summed=4.")
    noise_multiplier = check_nonnegative(noise_multiplier, "noise_multiplier",
                                         fix="Pass e.g. noise_multiplier=0.1, or 0 for none.")
    clip_norm = check_positive(clip_norm, "clip_norm", fix="Pass e.g. clip_norm=1.0.")
    learning_rate = check_positive(learning_rate, "learning_rate",
                                   fix="Pass e.g. learning_rate=0.5.")
    X, y = _digits()
    gen = as_generator(rng)
    by_class = [np.flatnonzero(y == c) for c in range(10)]
    idx = np.array([[gen.choice(by_class[c]) for c in gen.permutation(10)[:batch_size]]
                    for _ in range(n_clients_summed)])                # (clients, batch)
    z = gen.standard_normal((n_clients_summed, 650))                  # common noise draws
    model = LogisticModel(n_features=64, n_classes=10)
    Y = np.eye(10)[y[idx]]
    _, grads = model.loss_and_grad(np.zeros((n_clients_summed, model.n_params)), X[idx], Y,
                                   np.ones(idx.shape))
    updates = -learning_rate * grads                                  # one step from zero weights
    if noise_multiplier > 0:
        norms = np.linalg.norm(updates, axis=1, keepdims=True)
        updates = updates * np.minimum(1.0, clip_norm / np.maximum(norms, 1e-300))
        updates = updates + noise_multiplier * clip_norm * z
    grad = gradient_from_update(updates.sum(axis=0), learning_rate)
    flat = idx.ravel()
    order = np.argsort(y[flat], kind="stable")
    flat = flat[order]
    true, labels = X[flat], y[flat]
    try:
        rows, classes = invert_softmax_batch(grad, model)
    except ValueError:                                                # no negative bias at all
        rows, classes = np.empty((0, 64)), np.empty(0, dtype=int)
    recovered = np.full(true.shape, np.nan)
    quality = np.full(len(flat), np.nan)
    for j, label in enumerate(labels):
        hit = np.flatnonzero(classes == label)
        if hit.size:
            recovered[j] = rows[hit[0]]
            quality[j] = recovery_quality(rows[hit[0]], true[j])[0]
    return InversionGallery(batch_size, n_clients_summed, noise_multiplier, clip_norm,
                            learning_rate, _frozen(true), np.asarray(labels).copy(),
                            _frozen(recovered), _frozen(quality), np.asarray(classes).copy())
