"""Federated learning: clients, partitions, strategies and a batched simulator.

* :mod:`~ppml_lab.federated.partitions` -- IID, Dirichlet (label skew), shard
  (McMahan et al.) and quantity-skew splits of a data set over clients;
* :mod:`~ppml_lab.federated.models` -- softmax regression and a small MLP, with
  the loss and gradient of every client of a round computed together;
* :mod:`~ppml_lab.federated.strategies` -- FedAvg, FedProx and SCAFFOLD (a strategy
  configures a round and aggregates with a pure function);
* :mod:`~ppml_lab.federated.compression` -- 8-bit stochastic quantisation and top-k
  sparsification with error feedback, for the uploads;
* :mod:`~ppml_lab.federated.simulation` -- :func:`run_federated`, all clients of a
  round on padded, masked arrays, with stragglers (``dropout=``) and compression,
  returning a :class:`History`;
* :mod:`~ppml_lab.federated.secure` -- every round through secure aggregation
  (``run_federated(..., secure_aggregation=True)``, notebook 10);
* :mod:`~ppml_lab.federated.dp_fedavg` -- :class:`DPFedAvg`, user-level DP
  (clip each client's update, noise the sum) around any strategy, with its epsilon
  per round; ``local=True`` for local DP (notebook 08).

Gradient inversion, what a curious server reads off an update, is in
:mod:`ppml_lab.attacks`. The unit of privacy in DP-FedAvg is one client (all of its
examples).

Introduced in notebook 07.
"""

from __future__ import annotations

from .compression import Compressor, StochasticQuantizer, TopK
from .dp_fedavg import DPFedAvg
from .models import LogisticModel, MLPModel
from .secure import SecureAggregation
from .partitions import (dirichlet_partition, iid_partition, label_counts,
                         quantity_skew_partition, shard_partition)
from .simulation import History, run_federated
from .strategies import SCAFFOLD, FedAvg, FedProx, Strategy

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
    "SCAFFOLD",
    "DPFedAvg",
    "Compressor",
    "StochasticQuantizer",
    "TopK",
    "SecureAggregation",
    "History",
    "run_federated",
]
