r"""Federated learning on digits: the compute layer of notebook 07's figures and explorer.

Pure, seeded functions that return small frozen records (layer 1 of a visual,
see DESIGN.md); :mod:`ppml_lab.viz.federated_explorer` draws them.

* :func:`federated_curves` -- test accuracy per round of FedAvg, FedProx and
  SCAFFOLD (when the strategy exists) on clients split by a Dirichlet label
  skew, beside the *centralised* baseline (all the data in one place, the same
  gradient steps), the clients' own view of their accuracy, and the label
  counts for the heat map;
* :func:`client_views` -- one round by hand: each client's locally trained
  model on its own data and on the test set, against the averaged model (why
  clients report 0.98 while the server gets 0.2).

Stragglers and compressed updates are in
:mod:`ppml_lab.federated.cost_experiments`, with the same data and seeds.

The data are scikit-learn's digits in the kit's reference setting (issue 8):
``train_test_split(test_size=0.3, random_state=0, stratify=y)`` and a
``StandardScaler`` fit on the training part (:func:`federated_digits`); the
model is zero-initialised softmax regression trained with full-batch local
steps at learning rate 0.5.

Common random numbers: one seed (from ``rng``) fixes the partition and the
clients sampled each round, the same for every strategy and every setting, so
what changes between two calls is the parameter's effect. Results are cached
on their (hashable) settings and seed, for the explorer.

Centralised baseline: FedAvg with one client holding every example is plain
full-batch gradient descent (``rounds * local_steps`` steps), which is what we
run (:func:`centralised_curve`); it does not depend on the clients.

Introduced in notebook 07.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any, Sequence

import numpy as np

from .._random import SeedLike, as_generator
from .._validation import check_choice, check_integer, check_positive, check_probability, fail
from ..dp.experiments import _frozen, _Record
from .models import LogisticModel
from .partitions import dirichlet_partition, iid_partition, label_counts
from .simulation import local_train, pad_clients, run_federated
from .strategies import FedAvg, FedProx, weighted_average

__all__ = [
    "FEDERATED_ROUNDS",
    "N_CLIENTS_CHOICES",
    "ALPHA_CHOICES",
    "LOCAL_STEPS_CHOICES",
    "PARTICIPATION_CHOICES",
    "federated_digits",
    "clients_per_round",
    "skewed_partition",
    "available_strategies",
    "FederatedCurves",
    "federated_curves",
    "centralised_curve",
    "ClientViews",
    "client_views",
]

#: Rounds of every curve of notebook 07 (the explorer's x axis).
FEDERATED_ROUNDS = 20
#: The explorer's client counts.
N_CLIENTS_CHOICES: tuple[int, ...] = (2, 5, 10, 20, 50, 100, 200, 500, 1000)
#: The explorer's Dirichlet concentrations, log-spaced; ``math.inf`` is an IID split.
ALPHA_CHOICES: tuple[float, ...] = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0, math.inf)
#: The explorer's local steps per round.
LOCAL_STEPS_CHOICES: tuple[int, ...] = (1, 2, 5, 10, 20)
#: The explorer's share of clients sampled per round.
PARTICIPATION_CHOICES: tuple[float, ...] = (0.05, 0.1, 0.2, 0.5, 1.0)
#: The strategies of the curves, in drawing order (SCAFFOLD only once the library has it).
STRATEGY_NAMES: tuple[str, ...] = ("FedAvg", "FedProx", "SCAFFOLD")

_ALPHA_FIX = ("Pass a positive concentration such as alpha=0.5 (small: skewed clients), or "
              "alpha=math.inf for an IID split.")


# --- data and settings -------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    arrays = (scaler.transform(X_tr), np.asarray(y_tr, dtype=np.int64), scaler.transform(X_te),
              np.asarray(y_te, dtype=np.int64))
    for a in arrays:
        a.setflags(write=False)
    return arrays


def federated_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Digits in issue 8's reference setting: ``(X_train, y_train, X_test, y_test)``.

    ``train_test_split(test_size=0.3, random_state=0, stratify=y)`` of
    scikit-learn's 8x8 digits and a ``StandardScaler`` fit on the training
    part (no download; read-only arrays, the same objects on every call).

    Examples
    --------
    >>> X_train, y_train, X_test, y_test = federated_digits()
    >>> X_train.shape, X_test.shape, int(y_train.max()) + 1
    ((1257, 64), (540, 64), 10)
    """
    return _digits()


def clients_per_round(n_clients: int, participation: float) -> int:
    """Clients sampled per round: ``participation * n_clients``, rounded, at least one.

    Examples
    --------
    >>> clients_per_round(100, 0.1), clients_per_round(5, 0.1), clients_per_round(10, 1.0)
    (10, 1, 10)
    """
    n_clients = check_integer(n_clients, "n_clients", minimum=1, fix="Pass e.g. n_clients=100.")
    participation = _check_participation(participation)
    return max(1, min(n_clients, int(round(participation * n_clients))))


def _check_participation(value: Any) -> float:
    return check_probability(value, "participation", high_open=False,
                             fix="Pass the share of clients sampled per round, e.g. 0.1.")


def _check_alpha(alpha: Any) -> float:
    return check_positive(alpha, "alpha", allow_inf=True, fix=_ALPHA_FIX)


def skewed_partition(y: Any, n_clients: int, alpha: float, *,
                     rng: SeedLike = None) -> list[np.ndarray]:
    """A Dirichlet label-skew split, or an IID one when ``alpha`` is ``math.inf``.

    :func:`~ppml_lab.federated.dirichlet_partition` (per class, the shares of
    the clients are drawn from Dirichlet(alpha); clients may be empty), and
    :func:`~ppml_lab.federated.iid_partition` for ``alpha = inf``, its limit.

    Examples
    --------
    >>> y = np.repeat(np.arange(4), 25)
    >>> [len(p) for p in skewed_partition(y, 4, math.inf, rng=0)]
    [25, 25, 25, 25]
    >>> sum(len(p) for p in skewed_partition(y, 4, 0.1, rng=0))
    100
    """
    alpha = _check_alpha(alpha)
    if math.isinf(alpha):
        return iid_partition(y, n_clients, rng=rng)
    return dirichlet_partition(y, n_clients, alpha, rng=rng)


def available_strategies() -> tuple[str, ...]:
    """The strategies of :data:`STRATEGY_NAMES` that ``ppml_lab.federated`` provides.

    Examples
    --------
    >>> available_strategies()[:2]
    ('FedAvg', 'FedProx')
    """
    names = ["FedAvg", "FedProx"]
    try:
        from . import SCAFFOLD  # noqa: F401
        names.append("SCAFFOLD")
    except ImportError:
        pass
    return tuple(names)


def _strategy(name: str, mu: float) -> Any:
    if name == "FedAvg":
        return FedAvg()
    if name == "FedProx":
        return FedProx(mu)
    from . import SCAFFOLD

    return SCAFFOLD()


def _seed(rng: SeedLike) -> int:
    """An int that stands for ``rng`` in the caches (an int seed is kept as it is)."""
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return int(rng)
    return int(as_generator(rng).integers(0, 2**63 - 1))


def _streams(seed: int) -> tuple[int, int]:
    """Seeds of the partition and of the simulation, derived from one seed."""
    part, sim = np.random.default_rng(seed).spawn(2)
    return int(part.integers(0, 2**63 - 1)), int(sim.integers(0, 2**63 - 1))


def _check_common(n_clients: Any, alpha: Any, local_steps: Any, participation: Any, rounds: Any,
                  learning_rate: Any) -> tuple[int, float, int, float, int, float]:
    n_train = len(_digits()[1])
    n_clients = check_integer(n_clients, "n_clients", minimum=1, maximum=n_train,
                              fix=f"Pass between 1 and {n_train} clients (one example each), "
                                  "e.g. n_clients=100.")
    local_steps = check_integer(local_steps, "local_steps", minimum=1, maximum=1000,
                                fix="Pass e.g. local_steps=5.")
    rounds = check_integer(rounds, "rounds", minimum=1, maximum=1000, fix="Pass e.g. rounds=20.")
    learning_rate = check_positive(learning_rate, "learning_rate", maximum=100.0,
                                   fix="Pass e.g. learning_rate=0.5.")
    return (n_clients, _check_alpha(alpha), local_steps, _check_participation(participation),
            rounds, learning_rate)


def _alpha_text(alpha: float) -> str:
    return "IID" if math.isinf(alpha) else f"alpha {alpha:g}"


# --- the centralised baseline ------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def _centralised(rounds: int, local_steps: int, learning_rate: float) -> np.ndarray:
    X, y, X_test, y_test = _digits()
    history = run_federated(X, y, [np.arange(len(y))], X_test, y_test, rounds=rounds,
                            local_steps=local_steps, learning_rate=learning_rate, rng=0)
    return _frozen(history.accuracy)


def centralised_curve(local_steps: int = 5, *, rounds: int = FEDERATED_ROUNDS,
                      learning_rate: float = 0.5) -> np.ndarray:
    """Test accuracy per round of the centralised model: one client holding every example.

    FedAvg with one client is full-batch gradient descent, so round ``t`` is
    ``t * local_steps`` gradient steps on all the training data. Deterministic
    (zero initial weights, full batches) and cached.

    Examples
    --------
    >>> curve = centralised_curve(5)
    >>> curve.shape, round(float(curve[-1]), 3)
    ((20,), 0.961)
    """
    _, _, local_steps, _, rounds, learning_rate = _check_common(
        1, 1.0, local_steps, 1.0, rounds, learning_rate)
    return _centralised(rounds, local_steps, learning_rate)


# --- accuracy per round: FedAvg, FedProx, SCAFFOLD, centralised ---------------------------------

@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class FederatedCurves(_Record):
    """Test accuracy per round of federated strategies beside the centralised model.

    Attributes
    ----------
    n_clients, local_steps, clients_per_round, rounds : int
    alpha : float
        Dirichlet concentration of the label skew; ``inf`` for an IID split.
    participation : float
        Share of clients sampled per round.
    learning_rate, mu : float
        Local learning rate; FedProx's proximal weight.
    strategies : tuple of str
        Names of the strategies, in the order of the rows below.
    accuracy : (n_strategies, rounds) array
        The global model's test accuracy after each round.
    client_accuracy : (n_strategies, rounds) array
        Mean, over the round's reporting clients, of each client's locally
        trained model's accuracy on its own data: what the clients believe.
    centralised : (rounds,) array
        Test accuracy of the centralised model after the same gradient steps.
    label_counts : (n_clients, 10) int array
        Examples per client and class (the heat map).
    megabytes : (n_strategies,) array
        Megabytes sent down and up over the whole run.
    notes : tuple of str
        What the simulator noted (e.g. how many sampled clients had no data).
    seed : int
        The seed of the partition and of the client sampling.
    """

    n_clients: int
    alpha: float
    local_steps: int
    participation: float
    clients_per_round: int
    rounds: int
    learning_rate: float
    mu: float
    strategies: tuple[str, ...]
    accuracy: np.ndarray = dataclasses.field(repr=False)
    client_accuracy: np.ndarray = dataclasses.field(repr=False)
    centralised: np.ndarray = dataclasses.field(repr=False)
    label_counts: np.ndarray = dataclasses.field(repr=False)
    megabytes: np.ndarray = dataclasses.field(repr=False)
    notes: tuple[str, ...] = dataclasses.field(repr=False)
    seed: int = dataclasses.field(repr=False)

    def curve(self, strategy: str = "FedAvg") -> np.ndarray:
        """Test accuracy per round of ``strategy`` (or ``"centralised"``)."""
        if strategy == "centralised":
            return self.centralised
        strategy = check_choice(strategy, "strategy", self.strategies + ("centralised",))
        return self.accuracy[self.strategies.index(strategy)]

    def final(self, strategy: str = "FedAvg") -> float:
        """Test accuracy after the last round."""
        return float(self.curve(strategy)[-1])

    def belief(self, strategy: str = "FedAvg") -> float:
        """What the clients believe in the last round: their own models on their own data."""
        strategy = check_choice(strategy, "strategy", self.strategies)
        row = self.client_accuracy[self.strategies.index(strategy)]
        finite = row[np.isfinite(row)]
        return float(finite[-1]) if finite.size else math.nan

    @property
    def empty_clients(self) -> int:
        """Clients without any example (allowed by the Dirichlet split)."""
        return int(np.sum(self.label_counts.sum(axis=1) == 0))

    def summary(self) -> str:
        """One plain-words paragraph: the explorer's readout."""
        fedavg, central = self.final("FedAvg"), self.final("centralised")
        gap = central - fedavg
        where = (f"{gap:.2f} below centralised ({central:.2f})" if gap > 0.005 else
                 f"level with centralised ({central:.2f})" if gap >= -0.005 else
                 f"{-gap:.2f} above centralised ({central:.2f})")
        others = ", ".join(f"{name} {self.final(name):.2f}" for name in self.strategies[1:])
        skew = ("an IID split" if math.isinf(self.alpha) else
                f"label skew alpha {self.alpha:g}")
        text = (f"With {self.n_clients:,} clients ({self.clients_per_round:,} per round), "
                f"{skew} and {self.local_steps} local step"
                f"{'s' if self.local_steps != 1 else ''} per round: FedAvg reaches "
                f"{fedavg:.2f} after {self.rounds} rounds, {where}")
        text += f"; {others}." if others else "."
        belief = self.belief("FedAvg")
        if np.isfinite(belief):
            text += (f" The clients believe {belief:.2f} (each one's own model on its own "
                     "data).")
        if self.empty_clients:
            n = self.empty_clients
            text += f" {n:,} client{'s hold' if n != 1 else ' holds'} no example."
        return text


@functools.lru_cache(maxsize=512)
def _curves(n_clients: int, alpha: float, local_steps: int, participation: float, rounds: int,
            learning_rate: float, mu: float, strategies: tuple[str, ...],
            seed: int) -> FederatedCurves:
    X, y, X_test, y_test = _digits()
    part_seed, sim_seed = _streams(seed)
    parts = skewed_partition(y, n_clients, alpha, rng=part_seed)
    k = clients_per_round(n_clients, participation)
    accuracy, client, megabytes, notes = [], [], [], []
    for name in strategies:
        history = run_federated(X, y, parts, X_test, y_test, strategy=_strategy(name, mu),
                                rounds=rounds, local_steps=local_steps,
                                learning_rate=learning_rate,
                                clients_per_round=None if k == n_clients else k, rng=sim_seed)
        accuracy.append(history.accuracy)
        client.append(history.client_accuracy_mean)
        megabytes.append((history.bytes_down.sum() + history.bytes_up.sum()) / 1e6)
        if not notes:
            notes = list(history.notes)
    counts = label_counts(y, parts, n_classes=10)
    counts.setflags(write=False)
    return FederatedCurves(n_clients, alpha, local_steps, participation, k, rounds, learning_rate,
                           mu, strategies, _frozen(accuracy), _frozen(client),
                           _centralised(rounds, local_steps, learning_rate), counts,
                           _frozen(megabytes), tuple(notes), seed)


def federated_curves(n_clients: int = 100, alpha: float = 0.1, local_steps: int = 5,
                     participation: float = 0.1, *, rounds: int = FEDERATED_ROUNDS,
                     learning_rate: float = 0.5, mu: float = 0.1,
                     strategies: Sequence[str] | None = None,
                     rng: SeedLike = None) -> FederatedCurves:
    """Accuracy per round of FedAvg, FedProx and SCAFFOLD on skewed clients, and centralised.

    The training part of :func:`federated_digits` is split over ``n_clients``
    clients by :func:`skewed_partition` (Dirichlet ``alpha``; ``math.inf`` is
    IID), each round ``clients_per_round(n_clients, participation)`` clients
    are sampled, and each takes ``local_steps`` full-batch gradient steps of
    softmax regression before the server aggregates
    (:func:`~ppml_lab.federated.run_federated`). Every strategy sees the same
    partition and the same sampled clients (one seed).

    Cached on the settings and seed: called again with the same integer
    ``rng`` it returns the same object. Cost: about 10 to 100 ms per strategy
    with 10% participation, up to a second or more with every one of 1,000
    clients and 50 local steps.

    Parameters
    ----------
    n_clients : int, default 100
        From 1 to the 1,257 training examples.
    alpha : float, default 0.1
        Dirichlet concentration of the label skew (``math.inf``: IID).
    local_steps : int, default 5
    participation : float, default 0.1
        Share of the clients sampled each round, in (0, 1].
    rounds : int, default 20
    learning_rate : float, default 0.5
    mu : float, default 0.1
        FedProx's proximal weight.
    strategies : sequence of str, optional
        Among ``"FedAvg"`` (always first), ``"FedProx"`` and ``"SCAFFOLD"``;
        default every one the library has (:func:`available_strategies`).
    rng : None, int or numpy.random.Generator
        Seeds the partition and the client sampling.

    Returns
    -------
    FederatedCurves

    Examples
    --------
    >>> skewed = federated_curves(10, 0.05, 5, 0.1, strategies=["FedAvg"], rng=0)
    >>> iid = federated_curves(10, math.inf, 5, 0.1, strategies=["FedAvg"], rng=0)
    >>> bool(skewed.curve("FedAvg").mean() < iid.curve("FedAvg").mean())
    True
    >>> skewed.label_counts.shape, round(skewed.final("centralised"), 3)
    ((10, 10), 0.961)
    """
    n_clients, alpha, local_steps, participation, rounds, learning_rate = _check_common(
        n_clients, alpha, local_steps, participation, rounds, learning_rate)
    mu = check_positive(mu, "mu", fix="Pass e.g. mu=0.1 (FedProx's proximal weight).")
    have = available_strategies()
    if strategies is None:
        names = have
    else:
        if isinstance(strategies, (str, bytes)) or not isinstance(strategies, Sequence):
            raise fail("strategies", "a sequence of strategy names", strategies,
                       'Pass e.g. strategies=["FedAvg", "FedProx"].', kind=TypeError)
        names = tuple(check_choice(s, "strategies", have) for s in strategies)
        if not names or names[0] != "FedAvg" or len(set(names)) != len(names):
            raise fail("strategies", 'distinct names starting with "FedAvg"', strategies,
                       'Pass e.g. strategies=["FedAvg", "FedProx"].')
    return _curves(n_clients, alpha, local_steps, participation, rounds, learning_rate, mu,
                   names, _seed(rng))


# --- one round by hand: what each client sees, what the server gets ----------------------------

@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ClientViews(_Record):
    """One FedAvg round from zero weights, seen by each client and by the server.

    Attributes
    ----------
    n_clients, local_steps : int
    alpha : float
    sizes : (n_clients,) int array
        Examples per client.
    classes_held : (n_clients,) int array
        Classes with at least one example at the client.
    own_accuracy : (n_clients,) array
        Each client's locally trained model on its own data (what it reports;
        NaN for a client without data).
    test_accuracy : (n_clients,) array
        The same local model on the server's balanced test set.
    global_accuracy : float
        The averaged (FedAvg) model on the test set.
    global_own_accuracy : (n_clients,) array
        The averaged model on each client's own data.
    label_counts : (n_clients, 10) int array
    """

    n_clients: int
    alpha: float
    local_steps: int
    global_accuracy: float
    sizes: np.ndarray = dataclasses.field(repr=False)
    classes_held: np.ndarray = dataclasses.field(repr=False)
    own_accuracy: np.ndarray = dataclasses.field(repr=False)
    test_accuracy: np.ndarray = dataclasses.field(repr=False)
    global_own_accuracy: np.ndarray = dataclasses.field(repr=False)
    label_counts: np.ndarray = dataclasses.field(repr=False)

    def summary(self) -> str:
        """Plain words: what the clients report against what the server gets."""
        own = float(np.nanmean(self.own_accuracy))
        test = float(np.nanmean(self.test_accuracy))
        return (f"After one round of {self.local_steps} local steps on {self.n_clients} clients "
                f"({_alpha_text(self.alpha)}), the clients' own models score {own:.2f} on their "
                f"own data on average, but only {test:.2f} on the balanced test set; the "
                f"average of their models (FedAvg) scores {self.global_accuracy:.2f}.")


@functools.lru_cache(maxsize=64)
def _views(n_clients: int, alpha: float, local_steps: int, learning_rate: float,
           seed: int) -> ClientViews:
    X, y, X_test, y_test = _digits()
    part_seed, _ = _streams(seed)
    parts = skewed_partition(y, n_clients, alpha, rng=part_seed)
    model = LogisticModel(n_features=X.shape[1], n_classes=10)
    X_pad, Y_pad, mask = pad_clients(X, np.eye(10)[y], parts)
    sizes = mask.sum(axis=1)
    W = local_train(model, model.init(), X_pad, Y_pad, mask, local_steps=local_steps,
                    learning_rate=learning_rate)
    correct = model.logits(W, X_pad).argmax(axis=2) == Y_pad.argmax(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        own = np.where(sizes > 0, (correct * mask).sum(axis=1) / sizes, np.nan)
    test = np.array([np.mean(model.predict_proba(w, X_test).argmax(axis=1) == y_test)
                     for w in W])
    test[sizes == 0] = np.nan
    w_global = weighted_average(W, sizes)
    global_acc = float(np.mean(model.predict_proba(w_global, X_test).argmax(axis=1) == y_test))
    global_correct = model.logits(w_global[None], X_pad.reshape(1, -1, X.shape[1]))
    global_correct = (global_correct.reshape(len(parts), -1, 10).argmax(axis=2)
                      == Y_pad.argmax(axis=2))
    with np.errstate(invalid="ignore", divide="ignore"):
        global_own = np.where(sizes > 0, (global_correct * mask).sum(axis=1) / sizes, np.nan)
    counts = label_counts(y, parts, n_classes=10)
    counts.setflags(write=False)
    return ClientViews(n_clients, alpha, local_steps, global_acc,
                       _frozen_int(sizes), _frozen_int((counts > 0).sum(axis=1)), _frozen(own),
                       _frozen(test), _frozen(global_own), counts)


def _frozen_int(values: Any) -> np.ndarray:
    out = np.array(values, dtype=np.int64)
    out.setflags(write=False)
    return out


def client_views(n_clients: int = 10, alpha: float = 0.05, local_steps: int = 20, *,
                 learning_rate: float = 0.5, rng: SeedLike = None) -> ClientViews:
    """One round from zero weights: each client's own view against the server's.

    Every client of a :func:`skewed_partition` of the digits takes
    ``local_steps`` full-batch steps from zero weights
    (:func:`~ppml_lab.federated.simulation.local_train`); its model is scored
    on its own data (what a client reports) and on the server's balanced test
    set; the example-weighted average of the models (one FedAvg round with
    every client) is scored on the test set and on each client's data.

    Parameters
    ----------
    n_clients : int, default 10
    alpha : float, default 0.05
        Dirichlet concentration (``math.inf``: IID).
    local_steps : int, default 20
    learning_rate : float, default 0.5
    rng : None, int or numpy.random.Generator
        Seeds the partition (the same stream as :func:`federated_curves`).

    Returns
    -------
    ClientViews

    Examples
    --------
    >>> views = client_views(10, 0.05, rng=0)
    >>> bool(np.nanmean(views.own_accuracy) > 0.9 > np.nanmean(views.test_accuracy))
    True
    """
    n_clients, alpha, local_steps, _, _, learning_rate = _check_common(
        n_clients, alpha, local_steps, 1.0, 1, learning_rate)
    return _views(n_clients, alpha, local_steps, learning_rate, _seed(rng))
