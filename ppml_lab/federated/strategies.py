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

References
----------
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
from .._validation import check_array, check_choice, check_integer, check_nonnegative, fail

#: How :func:`sample_clients` draws a round's clients.
CLIENT_SAMPLINGS: tuple[str, ...] = ("fixed", "poisson")

__all__ = ["CLIENT_SAMPLINGS", "RoundPlan", "Strategy", "FedAvg", "FedProx", "sample_clients",
           "weighted_average"]


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
