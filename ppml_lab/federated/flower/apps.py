r"""The kit's client and strategies as a Flower ``ClientApp`` and ``ServerApp`` (Message API).

:data:`client_app` answers two messages. ``query``: its partition id (from the
SuperNode's node config) and example count. ``train``: starting from the global
weights it receives, it runs exactly the simulator's
:func:`~ppml_lab.federated.simulation.local_train` on its partition, with the
round's ``local-steps``, ``learning-rate`` and ``proximal-mu`` (FedProx), and
replies with its weights and example count.

:data:`server_app` runs the rounds itself, delegating every decision to the kit
strategy of the run config (:class:`~ppml_lab.federated.flower.setting.FlowerSetting`):
``strategy.configure_round`` picks the clients (by partition id) and their
configuration, ``strategy.aggregate_round`` makes the new global weights (FedAvg's
weighted mean, FedProx, or DP-FedAvg's clipping and noise), and
``strategy.epsilons`` gives the privacy spent after each round, which Flower's own
DP wrappers do not report. The client samples and the DP noise come from the same
generators as in :func:`~ppml_lab.federated.run_federated` with ``rng=seed``, so
the deployment and the simulator compute the same model. After each round the
ServerApp evaluates on the central test set and, when the run config names a
``result-file``, appends one JSON line to it (what the launcher prints).

Importing this module needs ``flwr`` (``pip install "ppml-lab[flower]"``).
Introduced in notebook 13.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import require_flwr

require_flwr()

from flwr.app import (ArrayRecord, ConfigRecord, Context, Message,  # noqa: E402
                      MetricRecord, RecordDict)
from flwr.clientapp import ClientApp  # noqa: E402
from flwr.serverapp import Grid, ServerApp  # noqa: E402

from ..._random import as_generator  # noqa: E402
from ..simulation import _accuracy_and_loss, local_train  # noqa: E402
from .setting import FlowerSetting  # noqa: E402

__all__ = ["client_app", "server_app", "run_rounds"]

#: Seconds the ServerApp waits for the SuperNodes to connect.
NODE_WAIT_SECONDS = 60.0
#: Seconds a round waits for its replies before aggregating those that came (run config
#: ``round-timeout``); a SuperNode that has not answered by then counts as dropped.
ROUND_TIMEOUT_SECONDS = 30.0


def _node_setting(context: Context) -> tuple[FlowerSetting, int]:
    """The setting and partition id of this SuperNode, from the run and node configs."""
    setting = FlowerSetting.from_config(context.run_config)
    try:
        pid = int(context.node_config["partition-id"])
    except (KeyError, ValueError, TypeError):
        raise ValueError("`partition-id` must be set in the SuperNode's node config; got "
                         f"{dict(context.node_config)!r}. Start it with --node-config "
                         "'partition-id=0 num-partitions=3'.") from None
    return setting, pid


client_app = ClientApp()


@client_app.query()
def query(msg: Message, context: Context) -> Message:
    """Reply with this node's partition id and example count."""
    setting, pid = _node_setting(context)
    n = int(setting.client_data(pid)[2].sum())
    content = RecordDict({"metrics": MetricRecord({"partition-id": pid, "num-examples": n})})
    return Message(content=content, reply_to=msg)


@client_app.train()
def train(msg: Message, context: Context) -> Message:
    """The simulator's ``local_train`` on this node's partition, from the received weights."""
    setting, pid = _node_setting(context)
    X, Y, mask = setting.client_data(pid)
    model = setting.model()
    (w,) = msg.content["arrays"].to_numpy_ndarrays()
    config = msg.content["config"]
    W = local_train(model, w, X, Y, mask, local_steps=int(config["local-steps"]),
                    learning_rate=float(config["learning-rate"]),
                    proximal_mu=float(config["proximal-mu"]))
    own = float(np.mean(model.logits(W, X)[0].argmax(axis=1) == Y[0].argmax(axis=1)))
    content = RecordDict({"arrays": ArrayRecord([W[0]]),
                          "metrics": MetricRecord({"partition-id": pid,
                                                   "num-examples": int(mask.sum()),
                                                   "train-accuracy": own})})
    return Message(content=content, reply_to=msg)


def _partition_map(grid: Grid, n_clients: int, timeout: float) -> dict[int, int]:
    """Wait for ``n_clients`` SuperNodes and ask each its partition id: ``{partition: node}``."""
    deadline = time.monotonic() + NODE_WAIT_SECONDS
    nodes = list(grid.get_node_ids())
    while len(nodes) < n_clients:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(nodes)} of {n_clients} SuperNodes connected within "
                               f"{NODE_WAIT_SECONDS:.0f} s.")
        time.sleep(0.2)
        nodes = list(grid.get_node_ids())
    messages = [Message(RecordDict(), dst_node_id=node, message_type="query") for node in nodes]
    replies = list(grid.send_and_receive(messages, timeout=timeout))
    found: dict[int, int] = {}
    for reply in replies:
        if reply.has_error():
            continue
        pid = int(reply.content["metrics"]["partition-id"])
        if pid in found:
            raise RuntimeError(f"two SuperNodes say partition-id={pid}; give each its own.")
        found[pid] = reply.metadata.src_node_id
    missing = sorted(set(range(n_clients)) - set(found))
    if missing:
        raise RuntimeError(f"no SuperNode answered for partition(s) {missing}.")
    return found


def run_rounds(grid: Grid, setting: FlowerSetting, report: Any = None, *,
               round_timeout: float = ROUND_TIMEOUT_SECONDS) -> np.ndarray:
    """Run ``setting`` on the SuperNodes behind ``grid``; return the final global weights.

    ``report(record)`` is called after each round with a dict: ``round``,
    ``accuracy``, ``loss``, ``epsilon`` (None without DP), ``clients``
    (partition ids that reported), ``dropped`` (sampled but no reply within
    ``round_timeout`` seconds) and ``seconds``.
    """
    strategy = setting.strategy()
    model = setting.model()
    _, _, X_test, y_test = setting.data()
    n, cpr = setting.n_clients, setting.clients_per_round
    # the simulator's streams: spawn(7) -> sample, batch, init, noise, ... (run_federated)
    sample_rng, _, init_rng, noise_rng, *_ = as_generator(setting.seed).spawn(7)
    w = model.init(rng=init_rng)
    epsilon = strategy.epsilons(setting.rounds, n, cpr)
    expected = n if cpr is None else cpr
    nodes = _partition_map(grid, n, round_timeout)
    for server_round in range(1, setting.rounds + 1):
        start = time.perf_counter()
        plan = strategy.configure_round(server_round, n, cpr, rng=sample_rng)
        config = ConfigRecord({"server-round": server_round, "local-steps": setting.local_steps,
                               "learning-rate": setting.learning_rate,
                               "proximal-mu": float(plan.config.get("proximal_mu", 0.0))})
        online = set(grid.get_node_ids())        # a node the SuperLink dropped gets no message
        messages = [Message(RecordDict({"arrays": ArrayRecord([w]), "config": config}),
                            dst_node_id=nodes[int(c)], message_type="train")
                    for c in plan.clients if nodes[int(c)] in online]
        replies = grid.send_and_receive(messages, timeout=round_timeout)
        got: dict[int, tuple[np.ndarray, int]] = {}
        for reply in replies:
            if not reply.has_error():
                metrics = reply.content["metrics"]
                got[int(metrics["partition-id"])] = (
                    reply.content["arrays"].to_numpy_ndarrays()[0],
                    int(metrics["num-examples"]))
        order = sorted(got)                      # the simulator's order: by client index
        W = np.array([got[c][0] for c in order]).reshape(len(order), w.shape[0])
        sizes = np.array([got[c][1] for c in order], dtype=float)
        w = strategy.aggregate_round(w, W, sizes, expected_clients=expected, rng=noise_rng)
        accuracy, loss = _accuracy_and_loss(model, w, X_test, np.asarray(y_test))
        if report is not None:
            report({"round": server_round, "accuracy": accuracy, "loss": loss,
                    "epsilon": None if epsilon is None else float(epsilon[server_round - 1]),
                    "clients": order,
                    "dropped": sorted(set(int(c) for c in plan.clients) - set(order)),
                    "seconds": time.perf_counter() - start})
    return w


server_app = ServerApp()


@server_app.main()
def main(grid: Grid, context: Context) -> None:
    """Run the rounds; write one JSON line per round (and the final weights) to ``result-file``."""
    setting = FlowerSetting.from_config(context.run_config)
    path = context.run_config.get("result-file")
    out = Path(str(path)) if path else None

    def report(record: dict[str, Any]) -> None:
        if out is not None:
            with out.open("a") as f:
                f.write(json.dumps(record) + "\n")

    try:
        w = run_rounds(grid, setting, report, round_timeout=float(
            context.run_config.get("round-timeout", ROUND_TIMEOUT_SECONDS)))
    except Exception as exc:
        report({"error": f"{type(exc).__name__}: {exc}"})
        raise
    report({"done": True, "weights": w.tolist()})
