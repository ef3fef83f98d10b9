"""Federated learning: clients, partitions, strategies and a batched simulator.

* :mod:`~ppml_lab.federated.partitions` -- IID, Dirichlet (label skew), shard
  (McMahan et al.) and quantity-skew splits of a data set over clients;
* :mod:`~ppml_lab.federated.models` -- softmax regression and a small MLP, with
  the loss and gradient of every client of a round computed together;
* :mod:`~ppml_lab.federated.strategies` -- FedAvg and FedProx (a strategy configures
  a round and aggregates with a pure function);
* :mod:`~ppml_lab.federated.simulation` -- :func:`run_federated`, all clients of a
  round on padded, masked arrays, returning a :class:`History`;
* :mod:`~ppml_lab.federated.dp_fedavg` -- :class:`DPFedAvg`, user-level DP
  (clip each client's update, noise the sum) around any strategy, with its epsilon
  per round; ``local=True`` for local DP (notebook 08).

This is the first part of the federated track (notebook 07, planned): SCAFFOLD,
stragglers and compression are still to come (gradient inversion is in ppml_lab.attacks). The
unit of privacy here is one client (all of its examples).

Introduced in notebook 07.
"""

from __future__ import annotations

from .dp_fedavg import DPFedAvg
from .models import LogisticModel, MLPModel
from .partitions import (dirichlet_partition, iid_partition, label_counts,
                         quantity_skew_partition, shard_partition)
from .simulation import History, run_federated
from .strategies import FedAvg, FedProx, Strategy

__all__ = [
    "iid_partition",
    "dirichlet_partition",
    "shard_partition",
    "quantity_skew_partition",
    "label_counts",
    "LogisticModel",
    "MLPModel",
    "Strategy",
    "FedAvg",
    "FedProx",
    "DPFedAvg",
    "History",
    "run_federated",
]
