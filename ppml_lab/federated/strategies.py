r"""Federated strategies: who trains each round, with what configuration, and how to aggregate.

A strategy is a small immutable object with two roles (as in Flower):

* :meth:`Strategy.configure_round` chooses the round's clients (all of them,
  or ``clients_per_round`` drawn uniformly without replacement) and the
  configuration sent to them with the global model;
* :meth:`Strategy.aggregate` turns the clients' returned weights into the
  new global weights. It is a pure function of its inputs, and the maths lives
  in module-level functions such as :func:`weighted_average`, tested alone.

:class:`FedAvg` [MMRHA17]_ averages the clients' weights, each counted by its
number of examples,

.. math:: w_{t+1} = \sum_c \frac{n_c}{\sum_{c'} n_{c'}}\, w_c .

:class:`FedProx` [LSZSTS20]_ aggregates like FedAvg; on the server it is only
one configuration key, ``"proximal_mu"``. The proximal term
:math:`\frac{\mu}{2}\lVert w - w_t\rVert^2` lives in the client's local
objective (:func:`ppml_lab.federated.simulation.local_train`).

With data that differ between clients, many local steps pull each client
towards its own optimum ("client drift"). :class:`SCAFFOLD` [KKMRSS20]_
corrects every local step with control variates, estimates of the gradient of
the whole federation :math:`c` and of the client's own :math:`c_i`:

.. math:: y \leftarrow y - \eta\,\big(\nabla L_i(y) - c_i + c\big),

and after ``K`` local steps from :math:`w_t` (option II of the paper)
:math:`c_i^+ = c_i - c + (w_t - y)/(K\eta)`. The server averages the
updates like FedAvg (scaled by a global learning rate :math:`\eta_g`) and moves
:math:`c` by :math:`|S|/N` times the mean change of the reporting clients' :math:`c_i`
(:func:`scaffold_control_update`). Sending :math:`c` down and :math:`\Delta c_i` up
doubles the bytes per round.

References
----------
.. [KKMRSS20] Karimireddy, Kale, Mohri, Reddi, Stich, Suresh, "SCAFFOLD: stochastic
   controlled averaging for federated learning", ICML 2020.
.. [MMRHA17] McMahan, Moore, Ramage, Hampson, Agüera y Arcas, "Communication-efficient
   learning of deep networks from decentralized data", AISTATS 2017.
.. [LSZSTS20] Li, Sahu, Zaheer, Sanjabi, Talwalkar, Smith, "Federated optimization in
   heterogeneous networks", MLSys 2020.

Introduced in notebook 07.
"""

from __future__ import annotations

import abc
import dataclasses
import types
from typing import Any, Mapping

import numpy as np

from .._random import SeedLike, as_generator
from .._validation import (check_array, check_choice, check_integer, check_nonnegative,
                           check_positive, fail)

#: How :func:`sample_clients` draws a round's clients.
CLIENT_SAMPLINGS: tuple[str, ...] = ("fixed", "poisson")

__all__ = ["CLIENT_SAMPLINGS", "RoundPlan", "Strategy", "FedAvg", "FedProx", "SCAFFOLD",
           "sample_clients", "scaffold_control_update", "weighted_average"]


def sample_clients(n_clients: int, clients_per_round: int | None = None, *,
                   sampling: str = "fixed", rng: SeedLike = None) -> np.ndarray:
    """Indices of one round's clients, sorted: all of them, or a uniform sample.

    ``sampling="fixed"`` draws exactly ``clients_per_round`` clients without
    replacement; ``"poisson"`` keeps each client independently with probability
    ``clients_per_round / n_clients`` (so a round may have more, fewer or no
    clients), the sampling that DP accountants analyse.

    Examples
    --------
    >>> sample_clients(4).tolist()
    [0, 1, 2, 3]
    >>> len(sample_clients(10, 3, rng=0))
    3
    >>> sample_clients(10, 3, sampling="poisson", rng=0).tolist()
    [1, 2, 3]
    >>> sample_clients(10, 11)
    Traceback (most recent call last):
    ...
    ValueError: `clients_per_round` must be an integer in [1, 10]; got 11. Pass None for every client, or at most n_clients.
    """
    n_clients = check_integer(n_clients, "n_clients", minimum=1)
    sampling = check_choice(sampling, "sampling", CLIENT_SAMPLINGS)
    if clients_per_round is None:
        return np.arange(n_clients)
    k = check_integer(clients_per_round, "clients_per_round", minimum=1, maximum=n_clients,
                      fix="Pass None for every client, or at most n_clients.")
    if sampling == "poisson":
        return np.flatnonzero(as_generator(rng).random(n_clients) < k / n_clients)
    return np.sort(as_generator(rng).choice(n_clients, size=k, replace=False))


def weighted_average(updates: Any, weights: Any, *, n_params: int | None = None) -> np.ndarray:
    r"""The weighted mean :math:`\sum_c a_c u_c / \sum_c a_c` of the rows of ``updates``.

    Parameters
    ----------
    updates : (n_updates, n_params) array
        One flat parameter vector per client.
    weights : (n_updates,) array
        Non-negative weights (example counts for FedAvg) with a positive sum.
    n_params : int, optional
        The expected length of each update (the global model's).

    Examples
    --------
    >>> weighted_average([[0.0, 1.0], [3.0, 5.0]], [3, 1]).tolist()
    [0.75, 2.0]
    >>> weighted_average([[0.0, 1.0]], [1], n_params=3)
    Traceback (most recent call last):
    ...
    ValueError: `updates` must be of shape (n_updates, 3), one row per client; got an array of shape (1, 2).
    """
    updates = check_array(updates, "updates", ndim=2,
                          fix="Pass one flat parameter vector per client.")
    if n_params is not None and updates.shape[1] != n_params:
        raise fail("updates", f"of shape (n_updates, {n_params}), one row per client", updates,
                   show=f"an array of shape {updates.shape}")
    weights = check_array(weights, "weights", ndim=1, fix="Pass one weight per update.")
    if weights.shape[0] != updates.shape[0]:
        raise fail("weights", f"one weight per update ({updates.shape[0]})", weights,
                   show=f"{weights.shape[0]} weights")
    if np.any(weights < 0) or not weights.sum() > 0:
        raise fail("weights", "non-negative with a positive sum", weights,
                   "Pass e.g. the clients' example counts.")
    return weights @ updates / weights.sum()


@dataclasses.dataclass(frozen=True)
class RoundPlan:
    """One round's sampled clients and the configuration every one of them receives."""

    clients: np.ndarray
    config: Mapping[str, Any]


class Strategy(abc.ABC):
    """A federated strategy: configure a round, aggregate its updates.

    Subclasses implement :meth:`aggregate` and may override :meth:`client_config`.
    Introduced in notebook 07.
    """

    #: Whether the simulator keeps control variates for this strategy (SCAFFOLD).
    uses_control_variates: bool = False

    def client_config(self) -> dict[str, Any]:
        """The configuration sent to every client with the global model (empty by default)."""
        return {}

    def configure_round(self, server_round: int, n_clients: int,
                        clients_per_round: int | None = None, *,
                        sampling: str = "fixed", rng: SeedLike = None) -> RoundPlan:
        """Sample the round's clients (:func:`sample_clients`) and attach the configuration."""
        check_integer(server_round, "server_round", minimum=1)
        clients = sample_clients(n_clients, clients_per_round, sampling=sampling, rng=rng)
        return RoundPlan(clients, types.MappingProxyType(self.client_config()))

    @abc.abstractmethod
    def aggregate(self, global_weights: np.ndarray, updates: np.ndarray,
                  n_examples: np.ndarray) -> np.ndarray:
        """New global weights from the clients' returned weights (a pure function)."""

    def aggregate_round(self, global_weights: np.ndarray, updates: np.ndarray,
                        n_examples: np.ndarray, *, expected_clients: int,
                        rng: SeedLike = None) -> np.ndarray:
        """What the simulator calls each round: :meth:`aggregate`, or no change without updates.

        ``expected_clients`` (clients sampled per round) and ``rng`` are for
        randomised strategies such as :class:`~ppml_lab.federated.dp_fedavg.DPFedAvg`,
        which override this; a deterministic strategy ignores them.
        """
        if len(updates) == 0:
            return np.array(global_weights, dtype=float)
        return self.aggregate(global_weights, updates, n_examples)

    def epsilons(self, rounds: int, n_clients: int,
                 clients_per_round: int | None = None) -> np.ndarray | None:
        """Privacy spent after each round, or None for a strategy without differential privacy."""
        return None

    # --- under secure aggregation the server sees only a sum ----------------------------------

    def secure_summands(self, global_weights: np.ndarray, updates: np.ndarray,
                        n_examples: np.ndarray, *, rng: SeedLike = None) -> np.ndarray:
        r"""What each reporting client adds to a secure sum: one row per client, ``(k, p + 1)``.

        Secure aggregation reveals only :math:`\sum_c v_c`, so the aggregation must be
        a function of that sum (:meth:`aggregate_sum`). The default, right for every
        strategy that averages updates weighted by example counts (FedAvg, FedProx,
        SCAFFOLD's weights), is :math:`v_c = (n_c (w_c - w_t),\ n_c)`: the sum holds
        the weighted sum of the updates and the total count. A strategy that
        aggregates otherwise overrides both methods.

        Examples
        --------
        >>> FedAvg().secure_summands(np.zeros(2), np.array([[1.0, 1.0], [4.0, 0.0]]),
        ...                          np.array([3, 1])).tolist()
        [[3.0, 3.0, 3.0], [4.0, 0.0, 1.0]]
        """
        counts = np.asarray(n_examples, dtype=float)[:, None]
        return np.hstack([counts * (np.asarray(updates, dtype=float) - global_weights), counts])

    def aggregate_sum(self, global_weights: np.ndarray, total: np.ndarray, *, n_reports: int,
                      expected_clients: int, rng: SeedLike = None) -> np.ndarray:
        r"""New global weights from the sum of the reporting clients' :meth:`secure_summands`.

        The default divides the weighted sum by the total count and hands the
        resulting mean update to :meth:`aggregate` as one client of weight 1, so a
        strategy's own server step (SCAFFOLD's global learning rate) still applies;
        for FedAvg this is exactly :meth:`aggregate` on the individual updates.

        Examples
        --------
        >>> total = FedAvg().secure_summands(np.zeros(2), np.array([[1.0, 1.0], [4.0, 0.0]]),
        ...                                  np.array([3, 1])).sum(axis=0)
        >>> FedAvg().aggregate_sum(np.zeros(2), total, n_reports=2, expected_clients=2).tolist()
        [1.75, 0.75]
        """
        global_weights = np.asarray(global_weights, dtype=float)
        if n_reports == 0 or not total[-1] > 0:
            return global_weights.copy()
        mean = global_weights + total[:-1] / total[-1]
        return np.asarray(self.aggregate(global_weights, mean[None], np.ones(1)), dtype=float)


@dataclasses.dataclass(frozen=True)
class FedAvg(Strategy):
    """Federated averaging: the example-count weighted mean of the clients' weights.

    Examples
    --------
    >>> FedAvg().aggregate(np.zeros(2), np.array([[1.0, 1.0], [4.0, 0.0]]), np.array([3, 1]))
    array([1.75, 0.75])
    """

    def aggregate(self, global_weights: np.ndarray, updates: np.ndarray,
                  n_examples: np.ndarray) -> np.ndarray:
        global_weights = check_array(global_weights, "global_weights", ndim=1)
        return weighted_average(updates, n_examples, n_params=global_weights.shape[0])


@dataclasses.dataclass(frozen=True)
class FedProx(FedAvg):
    r"""FedAvg whose clients minimise :math:`L_c(w) + \frac{\mu}{2}\lVert w - w_t\rVert^2`.

    ``mu = 0`` is FedAvg exactly. The server only sends ``mu`` to the clients.

    Examples
    --------
    >>> FedProx(0.1).client_config()
    {'proximal_mu': 0.1}
    >>> FedProx(-1)
    Traceback (most recent call last):
    ...
    ValueError: `mu` must be a non-negative finite number; got -1.0. Pass e.g. mu=0.01 (0 is FedAvg).
    """

    mu: float = 0.01

    def __post_init__(self) -> None:
        object.__setattr__(self, "mu", check_nonnegative(self.mu, "mu",
                                                         fix="Pass e.g. mu=0.01 (0 is FedAvg)."))

    def client_config(self) -> dict[str, Any]:
        return {"proximal_mu": self.mu}


def scaffold_control_update(server_control: np.ndarray, control_deltas: np.ndarray,
                            n_clients: int) -> np.ndarray:
    r"""SCAFFOLD's new server control :math:`c + \frac{|S|}{N}\,\overline{\Delta c_i}`.

    Parameters
    ----------
    server_control : (n_params,) array
        :math:`c`.
    control_deltas : (k, n_params) array
        The reporting clients' :math:`c_i^+ - c_i` (``k`` may be 0: no change).
    n_clients : int
        :math:`N`, every client of the federation.

    Examples
    --------
    >>> scaffold_control_update(np.zeros(2), np.array([[1.0, 0.0], [3.0, 2.0]]), 4).tolist()
    [1.0, 0.5]
    """
    server_control = check_array(server_control, "server_control", ndim=1)
    control_deltas = check_array(control_deltas, "control_deltas", ndim=2, allow_empty=True)
    n_clients = check_integer(n_clients, "n_clients", minimum=1)
    if control_deltas.shape[0] == 0:
        return server_control.copy()
    if control_deltas.shape[1] != server_control.shape[0]:
        raise fail("control_deltas", f"of shape (k, {server_control.shape[0]})", control_deltas,
                   show=f"an array of shape {control_deltas.shape}")
    if control_deltas.shape[0] > n_clients:
        raise fail("n_clients", f"at least the number of reports ({control_deltas.shape[0]})",
                   n_clients)
    return server_control + control_deltas.sum(axis=0) / n_clients


@dataclasses.dataclass(frozen=True)
class SCAFFOLD(FedAvg):
    r"""Stochastic controlled averaging: FedAvg with control variates against client drift.

    Clients correct each local step by :math:`c - c_i` (the simulator keeps the
    server's :math:`c` and every client's :math:`c_i`, zero at the start, and
    updates :math:`c_i` by option II of [KKMRSS20]_). The server's new weights are
    :math:`w_t + \eta_g (\bar w - w_t)` with :math:`\bar w` FedAvg's
    example-count weighted mean (the paper's plain mean when the clients are
    equally large); :math:`c` moves by :func:`scaffold_control_update`. With one
    client, :math:`c_i = c` after every round, the corrections cancel, and SCAFFOLD
    is centralised gradient descent, like FedAvg. Its first round (all controls
    zero) is FedAvg's.

    Parameters
    ----------
    global_learning_rate : float, default 1.0
        :math:`\eta_g`; 1 takes the averaged model as it is.

    Examples
    --------
    >>> SCAFFOLD().aggregate(np.zeros(2), np.array([[2.0, 0.0], [0.0, 2.0]]), np.array([1, 1]))
    array([1., 1.])
    >>> SCAFFOLD(global_learning_rate=0.5).aggregate(np.zeros(1), np.array([[2.0]]), np.array([1]))
    array([1.])
    >>> SCAFFOLD(global_learning_rate=0)
    Traceback (most recent call last):
    ...
    ValueError: `global_learning_rate` must be a positive finite number; got 0.0. Pass e.g. global_learning_rate=1.0.
    """

    global_learning_rate: float = 1.0
    uses_control_variates = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "global_learning_rate", check_positive(
            self.global_learning_rate, "global_learning_rate",
            fix="Pass e.g. global_learning_rate=1.0."))

    def aggregate(self, global_weights: np.ndarray, updates: np.ndarray,
                  n_examples: np.ndarray) -> np.ndarray:
        mean = super().aggregate(global_weights, updates, n_examples)
        if self.global_learning_rate == 1.0:
            return mean
        return global_weights + self.global_learning_rate * (mean - global_weights)
