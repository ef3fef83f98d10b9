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
from typing import Any, Callable

import numpy as np

from . import require_flwr

require_flwr()

from flwr.app import (ArrayRecord, ConfigRecord, Context, Message,  # noqa: E402
                      MetricRecord, RecordDict)
from flwr.client.mod import secaggplus_mod  # noqa: E402
from flwr.clientapp import ClientApp  # noqa: E402
from flwr.common import (Code, FitRes, Status, ndarrays_to_parameters,  # noqa: E402
                         parameters_to_ndarrays)
from flwr.common.secure_aggregation.secaggplus_constants import (  # noqa: E402
    RECORD_KEY_CONFIGS as SECAGG_CONFIGS)
from flwr.compat.common import recorddict_compat as compat  # noqa: E402
from flwr.serverapp import Grid, ServerApp  # noqa: E402

from ..._random import as_generator  # noqa: E402
from ..simulation import _accuracy_and_loss, local_train  # noqa: E402
from ..dp_fedavg import DPFedAvg  # noqa: E402
from ..strategies import scaffold_control_update  # noqa: E402
from .setting import FlowerSetting  # noqa: E402

__all__ = ["client_app", "server_app", "run_rounds", "exchange", "FastGrid"]

#: Seconds the ServerApp waits for the SuperNodes to connect.
NODE_WAIT_SECONDS = 60.0
#: Seconds a round waits for its replies before aggregating those that came (run config
#: ``round-timeout``); a SuperNode that has not answered by then counts as dropped.
ROUND_TIMEOUT_SECONDS = 30.0
#: Seconds between two pulls of replies (Flower's ``send_and_receive`` waits 3 s).
POLL_SECONDS = 0.05
#: Seconds between two checks of which nodes are gone.
GONE_CHECK_SECONDS = 0.5
#: The key of SCAFFOLD's client control variate in the SuperNode's ``Context.state``.
CLIENT_CONTROL = "scaffold-client-control"


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
    """The simulator's ``local_train`` on this node's partition, from the received weights.

    A message of Flower's SecAgg+ workflow (it carries a ``secaggplus_configs``
    record) goes through Flower's ``secaggplus_mod``, which calls
    :func:`_secagg_train` in its masked-vector stage.
    """
    if SECAGG_CONFIGS in msg.content.config_records:
        return secaggplus_mod(msg, context, _secagg_train)
    setting, pid = _node_setting(context)
    X, Y, mask = setting.client_data(pid)
    model = setting.model()
    (w,) = msg.content["arrays"].to_numpy_ndarrays()
    config = msg.content["config"]
    steps, rate = int(config["local-steps"]), float(config["learning-rate"])
    correction = None
    if "server-control" in msg.content:           # SCAFFOLD: c from the server, c_i kept here
        (c,) = msg.content["server-control"].to_numpy_ndarrays()
        c_i = (context.state[CLIENT_CONTROL].to_numpy_ndarrays()[0]
               if CLIENT_CONTROL in context.state else np.zeros_like(c))
        correction = (c - c_i)[None]
    W = local_train(model, w, X, Y, mask, local_steps=steps, learning_rate=rate,
                    proximal_mu=float(config["proximal-mu"]), correction=correction)
    own = float(np.mean(model.logits(W, X)[0].argmax(axis=1) == Y[0].argmax(axis=1)))
    content = RecordDict({"arrays": ArrayRecord([W[0]]),
                          "metrics": MetricRecord({"partition-id": pid,
                                                   "num-examples": int(mask.sum()),
                                                   "train-accuracy": own})})
    if correction is not None:
        # SCAFFOLD option II, as in run_federated: c_i+ = c_i - c + (w_t - y_i) / (K eta)
        new_control = -correction[0] + (w - W[0]) / (steps * rate)
        content["control-delta"] = ArrayRecord([new_control - c_i])
        context.state[CLIENT_CONTROL] = ArrayRecord([new_control])
    return Message(content=content, reply_to=msg)


def _secagg_train(msg: Message, context: Context) -> Message:
    """SecAgg+'s training step: reply with the update ``w_c - w_t`` and its weight (legacy FitRes).

    FedAvg and FedProx weigh the update by the client's example count; DP-FedAvg
    (``unit-weight``) sends its update clipped to ``clip-norm`` with weight 1.
    ``secaggplus_mod`` then quantises, masks and sends it; the server never sees it.
    """
    setting, pid = _node_setting(context)
    X, Y, mask = setting.client_data(pid)
    fitins = compat.recorddict_to_fitins(msg.content, keep_input=True)
    (w,) = parameters_to_ndarrays(fitins.parameters)
    config = fitins.config
    W = local_train(setting.model(), w, X, Y, mask, local_steps=int(config["local-steps"]),
                    learning_rate=float(config["learning-rate"]),
                    proximal_mu=float(config["proximal-mu"]))
    n = int(mask.sum())
    if config.get("unit-weight"):
        update, weight = setting.strategy().secure_summands(w, W, np.array([n]))[0], 1
    else:
        update, weight = W[0] - w, n
    fitres = FitRes(Status(Code.OK, ""), ndarrays_to_parameters([update]), weight,
                    {"partition-id": pid})
    return Message(content=compat.fitres_to_recorddict(fitres, keep_input=True), reply_to=msg)


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


def exchange(grid: Grid, messages: list[Message], *, timeout: float,
             gone: Callable[[], set[int]] | None = None) -> tuple[list[Message], set[int]]:
    """Push ``messages``, then pull replies until each has one, its node is gone, or ``timeout``.

    Flower's own ``Grid.send_and_receive`` sleeps 3 s between two pulls; this polls
    every :data:`POLL_SECONDS`. Every :data:`GONE_CHECK_SECONDS` it also asks which
    destination nodes are gone: no longer in ``grid.get_node_ids()`` (the SuperLink
    marks a node offline after two missed heartbeats, about a minute) or in
    ``gone()`` (node ids the caller knows are dead, e.g. the launcher saw the
    SuperNode's process exit). When every message still waiting is for a gone node,
    it stops waiting. Returns the replies (error replies included) and the node ids
    given up on before ``timeout`` (empty when none were).
    """
    destinations = [m.metadata.dst_node_id for m in messages]
    pending = dict(zip(grid.push_messages(messages), destinations))
    replies: list[Message] = []
    deadline = time.monotonic() + timeout
    next_check = time.monotonic() + GONE_CHECK_SECONDS
    while pending:
        for reply in grid.pull_messages(list(pending)):
            pending.pop(reply.metadata.reply_to_message_id, None)
            replies.append(reply)
        if not pending:
            break
        now = time.monotonic()
        if now >= deadline:
            break
        if now >= next_check:
            dead = set(gone()) if gone is not None else set()
            online = set(grid.get_node_ids())
            lost = {node for node in pending.values() if node in dead or node not in online}
            if lost and lost == set(pending.values()):
                return replies, lost
            next_check = now + GONE_CHECK_SECONDS
        time.sleep(POLL_SECONDS)
    return replies, set()


class FastGrid:
    """A grid whose ``send_and_receive`` is :func:`exchange` (for Flower's workflows).

    It delegates everything else to ``grid`` and counts, in :attr:`clear_arrays`,
    the non-empty ``ArrayRecord`` values in the replies it receives: what the
    ServerApp could read in the clear (zero under SecAgg+, whose mod empties them).
    """

    def __init__(self, grid: Grid, gone: Callable[[], set[int]] | None = None) -> None:
        self._grid, self._gone = grid, gone
        self.clear_arrays = 0
        self.lost: set[int] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._grid, name)

    def send_and_receive(self, messages: Any, *, timeout: float | None = None) -> list[Message]:
        replies, lost = exchange(self._grid, list(messages),
                                 timeout=ROUND_TIMEOUT_SECONDS if timeout is None else timeout,
                                 gone=self._gone)
        self.lost |= lost
        for reply in replies:
            if not reply.has_error():
                self.clear_arrays += sum(len(record) > 0 for record in
                                         reply.content.array_records.values())
        return replies


def run_rounds(grid: Grid, setting: FlowerSetting, report: Any = None, *,
               round_timeout: float = ROUND_TIMEOUT_SECONDS,
               gone: Callable[[], set[int]] | None = None) -> np.ndarray:
    """Run ``setting`` on the SuperNodes behind ``grid``; return the final global weights.

    ``report(record)`` is called after each round with a dict: ``round``,
    ``accuracy``, ``loss``, ``epsilon`` (None without DP), ``clients``
    (partition ids that reported), ``dropped`` (sampled but no reply),
    ``seconds``, ``note`` (why clients were dropped, "" when none were) and, with
    SecAgg+, ``clear_arrays`` (arrays the server received in the clear: 0).

    A sampled client that does not reply is dropped from the round, which
    aggregates the others as :func:`~ppml_lab.federated.run_federated` does with
    ``dropout``: FedAvg and FedProx average the reports, DP-FedAvg divides by the
    fixed number of sampled clients (so its accounting holds), SCAFFOLD moves its
    control variate by the reporting clients' changes. ``gone()`` returns the
    partition ids known to be dead (the launcher's view of the processes); the
    round stops waiting for those at once instead of after ``round_timeout``.
    """
    strategy = setting.strategy()
    model = setting.model()
    _, _, X_test, y_test = setting.data()
    n, cpr = setting.n_clients, setting.clients_per_round
    # the simulator's streams: spawn(7) -> sample, batch, init, noise, ... (run_federated)
    sample_rng, _, init_rng, noise_rng, *_ = as_generator(setting.seed).spawn(7)
    w = model.init(rng=init_rng)
    control = np.zeros_like(w) if strategy.uses_control_variates else None
    epsilon = strategy.epsilons(setting.rounds, n, cpr)
    expected = n if cpr is None else cpr
    nodes = _partition_map(grid, n, round_timeout)
    partition_of = {node: pid for pid, node in nodes.items()}
    dead_nodes = (None if gone is None
                  else (lambda: {nodes[p] for p in gone() if p in nodes}))
    for server_round in range(1, setting.rounds + 1):
        start = time.perf_counter()
        plan = strategy.configure_round(server_round, n, cpr, rng=sample_rng)
        config = ConfigRecord({"server-round": server_round, "local-steps": setting.local_steps,
                               "learning-rate": setting.learning_rate,
                               "proximal-mu": float(plan.config.get("proximal_mu", 0.0))})
        online = set(grid.get_node_ids()) - (dead_nodes() if dead_nodes else set())
        sampled = [int(c) for c in plan.clients]
        targets = [c for c in sampled if nodes[c] in online]   # a gone node gets no message
        extra: dict[str, Any] = {}
        if setting.secagg is not None:
            from .secagg_workflow import secagg_round

            w, reported, lost, extra = secagg_round(
                FastGrid(grid, dead_nodes), setting, strategy, w, targets, nodes, config,
                expected_clients=expected, noise_rng=noise_rng, timeout=round_timeout)
            order = sorted(reported)
        else:
            content = {"arrays": ArrayRecord([w]), "config": config}
            if control is not None:
                content["server-control"] = ArrayRecord([control])
            messages = [Message(RecordDict(content), dst_node_id=nodes[c], message_type="train")
                        for c in targets]
            replies, lost = exchange(grid, messages, timeout=round_timeout, gone=dead_nodes)
            got: dict[int, tuple[np.ndarray, int, np.ndarray | None]] = {}
            for reply in replies:
                if not reply.has_error():
                    metrics = reply.content["metrics"]
                    delta = (reply.content["control-delta"].to_numpy_ndarrays()[0]
                             if control is not None else None)
                    got[int(metrics["partition-id"])] = (
                        reply.content["arrays"].to_numpy_ndarrays()[0],
                        int(metrics["num-examples"]), delta)
            order = sorted(got)                  # the simulator's order: by client index
            W = np.array([got[c][0] for c in order]).reshape(len(order), w.shape[0])
            sizes = np.array([got[c][1] for c in order], dtype=float)
            w = strategy.aggregate_round(w, W, sizes, expected_clients=expected, rng=noise_rng)
            if control is not None and order:
                control = scaffold_control_update(
                    control, np.array([got[c][2] for c in order]), n)
        accuracy, loss = _accuracy_and_loss(model, w, X_test, np.asarray(y_test))
        dropped = sorted(set(sampled) - set(order))
        note = _drop_note(dropped, set(sampled) - set(targets),
                          {partition_of[node] for node in lost if node in partition_of},
                          round_timeout, strategy)
        halted = extra.pop("halted", "")
        if halted:
            note = f"{note} {halted}." if note else f"{halted}."
        if report is not None:
            report({"round": server_round, "accuracy": accuracy, "loss": loss,
                    "epsilon": None if epsilon is None else float(epsilon[server_round - 1]),
                    "clients": order, "dropped": dropped,
                    "seconds": time.perf_counter() - start,
                    "note": note, **extra})
    return w


def _drop_note(dropped: list[int], not_sent: set[int], lost: set[int], timeout: float,
               strategy: Any) -> str:
    """One sentence on the round's dropped clients ("" when none)."""
    if not dropped:
        return ""
    parts = []
    if not_sent:
        parts.append(f"partition(s) {sorted(not_sent)} were offline and got no message")
    early = sorted(lost - not_sent)
    if early:
        parts.append(f"partition(s) {early} went offline during the round (detected "
                     "before the timeout)")
    rest = sorted(set(dropped) - not_sent - set(early))
    if rest:
        parts.append(f"partition(s) {rest} did not reply within {timeout:.0f} s")
    how = ("the sum of the others' clipped updates divided by the sampled count"
           if isinstance(strategy, DPFedAvg) else "the others' updates aggregated")
    return "; ".join(parts) + f"; the round went on with {how}."


server_app = ServerApp()


@server_app.main()
def main(grid: Grid, context: Context) -> None:
    """Run the rounds; write one JSON line per round (and the final weights) to ``result-file``."""
    setting = FlowerSetting.from_config(context.run_config)
    path = context.run_config.get("result-file")
    out = Path(str(path)) if path else None

    def report(record: dict[str, Any]) -> None:
        if "round" in record:           # the ServerApp's own log (`flwr run --stream` shows it)
            eps = "" if record["epsilon"] is None else f" epsilon {record['epsilon']:.4f}"
            print(f"ppml-lab round {record['round']}: accuracy {record['accuracy']:.4f}{eps}, "
                  f"clients {record['clients']}, dropped {record['dropped']}", flush=True)
        if out is not None:
            with out.open("a") as f:
                f.write(json.dumps(record) + "\n")

    gone_path = context.run_config.get("gone-file")

    def gone() -> set[int]:
        """Partition ids whose SuperNode process the launcher saw exit."""
        path = Path(str(gone_path)) if gone_path else None
        if path is None or not path.exists():
            return set()
        return {int(line) for line in path.read_text().split() if line.isdigit()}

    try:
        w = run_rounds(grid, setting, report, round_timeout=float(
            context.run_config.get("round-timeout", ROUND_TIMEOUT_SECONDS)), gone=gone)
    except Exception as exc:
        report({"error": f"{type(exc).__name__}: {exc}"})
        raise
    report({"done": True, "weights": w.tolist()})
