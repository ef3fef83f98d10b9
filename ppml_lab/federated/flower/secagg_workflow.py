"""One round of the kit's strategy aggregated by Flower's ``SecAggPlusWorkflow`` (needs ``flwr``).

Flower 1.42's ``SecAggPlusWorkflow`` is written for Flower's legacy strategies: it
asks a ``LegacyContext``'s strategy for the round's clients
(``configure_fit``), runs the four SecAgg+ stages (setup, share keys, collect
masked vectors, unmask) as ``train`` messages, and hands the unmasked weighted
mean to ``aggregate_fit``. :func:`secagg_round` gives it a small adapter in that
role: ``configure_fit`` returns the kit strategy's sampled clients with the
global weights and round configuration, ``aggregate_fit`` only records the mean;
the kit strategy then makes the new global weights from that mean with
:meth:`~ppml_lab.federated.Strategy.aggregate_sum`, as it does under the kit's
own secure aggregation.

On the SuperNode, :func:`~ppml_lab.federated.flower.apps.train` sees the
``secaggplus_configs`` record and passes the message through Flower's
``secaggplus_mod``, which calls the kit's local training once (in the
collect-masked-vectors stage), quantises and masks its update, and keeps its
keys and shares between the stages in the node's ``Context.state``. Each client
sends its update :math:`w_c - w_t` with its example count as the weight (FedAvg,
FedProx), or its clipped update with weight 1 (DP-FedAvg, whose server divides
the sum by the sampled count and adds the noise).

Introduced in notebook 13.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from flwr.app import ArrayRecord, ConfigRecord, Context, RecordDict
from flwr.common import FitIns, ndarrays_to_parameters, parameters_to_ndarrays
from flwr.server.compat.legacy_context import LegacyContext
from flwr.server.workflow import SecAggPlusWorkflow
from flwr.server.workflow.constant import MAIN_CONFIGS_RECORD, MAIN_PARAMS_RECORD, Key

from ..dp_fedavg import DPFedAvg
from .setting import FlowerSetting

__all__ = ["secagg_round"]


class _Proxy:
    """What the workflow needs of a legacy ``ClientProxy``: the node id."""

    def __init__(self, node_id: int) -> None:
        self.node_id = node_id
        self.cid = str(node_id)


class _KitRound:
    """The legacy strategy the workflow calls: the kit's sample in, the unmasked mean out."""

    def __init__(self, node_ids: list[int], fitins: FitIns) -> None:
        self.node_ids, self.fitins = node_ids, fitins
        self.results: list[tuple[Any, Any]] = []

    def configure_fit(self, server_round: int, parameters: Any,
                      client_manager: Any) -> list[tuple[_Proxy, FitIns]]:
        return [(_Proxy(node), self.fitins) for node in self.node_ids]

    def aggregate_fit(self, server_round: int, results: list[tuple[Any, Any]],
                      failures: list[Any]) -> tuple[Any, dict[str, Any]]:
        self.results = list(results)
        return (results[0][1].parameters if results else None), {}


def secagg_round(grid: Any, setting: FlowerSetting, strategy: Any, w: np.ndarray,
                 targets: list[int], nodes: dict[int, int], config: ConfigRecord, *,
                 expected_clients: int, noise_rng: Any,
                 timeout: float) -> tuple[np.ndarray, list[int], set[int], dict[str, Any]]:
    """Aggregate one round of ``setting`` over SecAgg+; the new weights and what was seen.

    ``grid`` is a :class:`~ppml_lab.federated.flower.apps.FastGrid` (it counts the
    arrays the server receives in the clear). Returns ``(weights, reporting
    partition ids, node ids given up on early, extra record fields)``; the extra
    fields are ``halted`` (why nothing was aggregated, "" when the sum was
    unmasked), ``clear_arrays`` (0 when no individual update reached the server
    in the clear), ``secagg_weight_total`` and ``weights`` (the new global weights).
    """
    dp = isinstance(strategy, DPFedAvg)
    p = w.shape[0]
    sizes = [len(part) for part in setting.partitions()]
    max_weight = 1.0 if dp else float(max(sizes[c] for c in targets)) if targets else 1.0
    reported: list[int] = []
    total_weight = 0.0
    mean = np.zeros(p)
    if len(targets) >= 2:            # SecAgg+ needs two clients; fewer: nothing is aggregated
        fitins = FitIns(ndarrays_to_parameters([w]), {**dict(config), "unit-weight": dp})
        adapter = _KitRound([nodes[c] for c in targets], fitins)
        context = LegacyContext(Context(run_id=0, node_id=0, node_config={}, state=RecordDict(),
                                        run_config={}), strategy=adapter)  # type: ignore[arg-type]
        context.state[MAIN_CONFIGS_RECORD] = ConfigRecord({Key.CURRENT_ROUND: int(
            config["server-round"])})
        context.state[MAIN_PARAMS_RECORD] = ArrayRecord([w])
        workflow = SecAggPlusWorkflow(**setting.secagg.workflow_kwargs(max_weight),
                                      timeout=timeout)
        workflow(grid, context)
        if adapter.results:
            (mean,) = parameters_to_ndarrays(adapter.results[0][1].parameters)
            reported = sorted(int(res.metrics["partition-id"]) for _, res in adapter.results)
            total_weight = float(sum(res.num_examples for _, res in adapter.results))
    k = len(reported)
    if len(targets) < 2:
        halted = (f"SecAgg+ needs at least two clients and {len(targets)} could be asked; "
                  "nothing was aggregated")
    elif not reported:
        halted = ("SecAgg+ halted (too few clients or shares left to unmask the sum); "
                  "nothing was aggregated")
    else:
        halted = ""
    if dp:                           # the sum of the clipped updates: k times their mean
        total = mean * k
    else:                            # (sum of n_c (w_c - w_t), sum of n_c), as secure_summands
        total = np.append(mean * total_weight, total_weight)
    new = strategy.aggregate_sum(w, total, n_reports=k, expected_clients=expected_clients,
                                 rng=noise_rng)
    return new, reported, set(grid.lost), {"halted": halted,
                                           "clear_arrays": int(grid.clear_arrays),
                                           "secagg_weight_total": total_weight,
                                           "weights": np.asarray(new).tolist()}
