"""The kit on Flower: a real localhost deployment agrees with ``run_federated`` (issue 11).

The deployment test starts a SuperLink and two SuperNodes on 127.0.0.1 as
separate processes and runs three rounds of issue 8's reference setting; the
final accuracy (and the weights) must equal the simulator's, and no process it
started may survive. The in-process tests run the same ServerApp loop and
ClientApp handlers on a fake grid, to check DP-FedAvg (noise, epsilon), FedProx
and client sampling against the simulator in a fraction of a second.

Skipped when ``flwr`` is missing (``pip install "ppml-lab[flower]"``); with
``PPML_LAB_REQUIRE_FLOWER=1`` (CI) a missing ``flwr`` fails instead.
"""

from __future__ import annotations

import copy
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ppml_lab.federated.flower import FlowerSetting, flwr_available

REQUIRE = os.environ.get("PPML_LAB_REQUIRE_FLOWER") == "1"
needs_flwr = pytest.mark.skipif(
    not flwr_available() and not REQUIRE,
    reason='flwr is not installed; install the extra: pip install "ppml-lab[flower]" '
           "(set PPML_LAB_REQUIRE_FLOWER=1 to fail instead of skip)")


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie, already dead, counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# --- without flwr ------------------------------------------------------------------------------

def test_ppml_lab_imports_without_flwr_and_names_the_extra():
    code = ("import sys; sys.modules['flwr'] = None\n"
            "import ppml_lab, ppml_lab.federated, ppml_lab.federated.flower as f\n"
            "assert not f.flwr_available()\n"
            "for call in (f.require_flwr, lambda: __import__('ppml_lab.federated.flower.apps'),\n"
            "             lambda: f.run_deployment(f.FlowerSetting(2, 1))):\n"
            "    try:\n"
            "        call()\n"
            "    except ImportError as exc:\n"
            "        print(exc)\n"
            "    else:\n"
            "        raise SystemExit('no ImportError')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 3
    assert all('pip install "ppml-lab[flower]"' in line for line in lines)


def test_setting_validates_and_round_trips():
    s = FlowerSetting(3, 4, "fedprox", mu=0.1, clients_per_round=2, seed=5)
    assert FlowerSetting.from_config(s.to_config()) == s
    with pytest.raises(ValueError, match="`clients_per_round` must be an integer in \\[1, 3\\]"):
        FlowerSetting(3, 4, clients_per_round=4)
    with pytest.raises(ValueError, match="`strategy` must be one of"):
        FlowerSetting(3, 4, "fedadam")
    with pytest.raises(ValueError, match="`mu` must be 0 with strategy='scaffold'"):
        FlowerSetting(3, 4, "scaffold", mu=0.1)
    with pytest.raises(ValueError, match="`mu` must be 0 with strategy='fedavg'"):
        FlowerSetting(3, 4, "fedavg", mu=0.1)
    assert repr(FlowerSetting(3, 4, "dpfedavg", mu=0.1).strategy()).startswith(
        "DPFedAvg(strategy=FedProx(mu=0.1)")


def test_client_data_is_the_simulators_partition():
    s = FlowerSetting(3, 1)
    X_train = s.data()[0]
    parts = s.partitions()
    assert sorted(np.concatenate(parts).tolist()) == list(range(X_train.shape[0]))
    X, Y, mask = s.client_data(1)
    assert X.shape == (1, len(parts[1]), X_train.shape[1]) and mask.sum() == len(parts[1])
    np.testing.assert_array_equal(X[0], X_train[parts[1]])


# --- the ServerApp loop and ClientApp handlers, in process ---------------------------------------

class InProcessGrid:
    """A grid that hands each message to the ClientApp handler of its node (no processes)."""

    def __init__(self, setting: FlowerSetting, drop: tuple[int, ...] = (),
                 drop_after: int = 0, drop_stage: str | None = None) -> None:
        from flwr.app import Context, RecordDict

        self.contexts = {
            1000 + i: Context(run_id=1, node_id=1000 + i,
                              node_config={"partition-id": i, "num-partitions": setting.n_clients},
                              state=RecordDict(), run_config=setting.to_config())
            for i in range(setting.n_clients)}
        self.drop = {1000 + i for i in drop}
        self.drop_after = drop_after           # train rounds the dropped nodes still answer
        self.drop_stage = drop_stage           # the SecAgg+ stage the dropped nodes fail in

    def get_node_ids(self):
        return list(self.contexts)

    def send_and_receive(self, messages, *, timeout=None):
        return list(self.pull_messages(self.push_messages(messages)))[::-1]

    def push_messages(self, messages):
        from ppml_lab.federated.flower import apps

        handlers = {"query": apps.query, "train": apps.train}
        ids = []
        for msg in messages:
            node = msg.metadata.dst_node_id
            self.count = getattr(self, "count", 0) + 1
            ids.append(str(self.count))
            if (msg.metadata.message_type.startswith("train") and node in self.drop
                    and "config" in msg.content
                    and int(msg.content["config"]["server-round"]) > self.drop_after):
                continue                                       # a node that stopped answering
            secagg = msg.content.config_records.get("secaggplus_configs")
            if (node in self.drop and secagg is not None
                    and secagg.get("stage") == self.drop_stage):
                continue                                       # fails in this SecAgg+ stage
            # a real SuperNode gets its own deserialised copy (Flower's mods edit the content)
            reply = handlers[msg.metadata.message_type](copy.deepcopy(msg), self.contexts[node])
            reply.metadata.__dict__["_reply_to_message_id"] = str(self.count)
            self.outbox = {**getattr(self, "outbox", {}), str(self.count): reply}
        return ids

    def pull_messages(self, message_ids):
        outbox = getattr(self, "outbox", {})
        return [outbox.pop(i) for i in list(message_ids) if i in outbox][::-1]


@pytest.fixture
def task_identity(monkeypatch):
    """Messages read the sending task's identity, which Flower sets in its own processes."""
    from flwr.supercore.task_identity import TaskIdentity   # Flower internals: a test fake only

    for name, value in (("_task_id", 1), ("_run_id", 1), ("_node_id", 0)):
        monkeypatch.setattr(TaskIdentity, name, value)


@needs_flwr
@pytest.mark.parametrize("kwargs", [
    dict(strategy="dpfedavg", noise_multiplier=0.8, clip_norm=0.5, clients_per_round=3),
    dict(strategy="fedprox", mu=0.1, clients_per_round=2, seed=3),
    dict(strategy="dpfedavg", mu=0.05, noise_multiplier=0.0, clip_norm=100.0),
    dict(strategy="scaffold"),
    dict(strategy="scaffold", clients_per_round=2, seed=4),
])
def test_server_loop_matches_the_simulator(kwargs, task_identity):
    from ppml_lab.federated.flower.apps import run_rounds

    setting = FlowerSetting(4, 3, **kwargs)
    records = []
    w = run_rounds(InProcessGrid(setting), setting, records.append)
    history = setting.simulate()
    np.testing.assert_allclose(w, history.weights, rtol=0, atol=1e-9)
    np.testing.assert_allclose([r["accuracy"] for r in records], history.accuracy, atol=1e-6)
    if history.epsilon is None:
        assert records[0]["epsilon"] is None
    else:
        np.testing.assert_allclose([r["epsilon"] for r in records], history.epsilon)


@needs_flwr
def test_a_node_that_never_answers_is_reported_dropped(task_identity):
    from ppml_lab.federated.flower.apps import run_rounds

    setting = FlowerSetting(3, 2)
    records = []
    run_rounds(InProcessGrid(setting, drop=(1,)), setting, records.append, round_timeout=0.3)
    assert [r["clients"] for r in records] == [[0, 2], [0, 2]]
    assert [r["dropped"] for r in records] == [[1], [1]]


def _exact_round(setting: FlowerSetting, w_prev: np.ndarray, noise_rng) -> np.ndarray:
    """One round of ``setting`` from ``w_prev`` with every client, in this process, exactly."""
    from ppml_lab.federated.simulation import local_train

    model, strategy = setting.model(), setting.strategy()
    W, sizes = [], []
    for pid in range(setting.n_clients):
        X, Y, mask = setting.client_data(pid)
        W.append(local_train(model, w_prev, X, Y, mask, local_steps=setting.local_steps,
                             learning_rate=setting.learning_rate)[0])
        sizes.append(mask.sum())
    return strategy.aggregate_round(w_prev, np.array(W), np.array(sizes),
                                    expected_clients=setting.n_clients, rng=noise_rng)


def _secagg_round_bound(setting: FlowerSetting) -> float:
    """Per-coordinate bound on one round's SecAgg+ error in the global weights.

    FedAvg: :func:`quantisation_bound` of the weighted mean update. DP-FedAvg: the
    clients' weights are 1 (so d_c = 1), the mean of the k clipped updates is off
    by at most 2C/Q (one stochastic rounding step each, averaged), and the server
    multiplies it by k and divides by the sampled count m = k.
    """
    from ppml_lab.federated.flower.secaggplus import quantisation_bound

    sizes = [len(p) for p in setting.partitions()]
    if setting.strategy_name == "dpfedavg":
        return quantisation_bound(setting.secagg, [1] * len(sizes), max_weight=1)
    return quantisation_bound(setting.secagg, sizes, max_weight=max(sizes))


def _check_secagg_rounds(setting: FlowerSetting, records: list[dict]) -> None:
    """Each round's SecAgg+ weights are the exact round from the previous ones, up to the bound."""
    from ppml_lab._random import as_generator

    bound = _secagg_round_bound(setting)
    noise_rng = as_generator(setting.seed).spawn(7)[3]
    w_prev = setting.model().init(rng=as_generator(setting.seed).spawn(7)[2])
    for record in records:
        w = np.array(record["weights"])
        error = np.abs(w - _exact_round(setting, w_prev, noise_rng)).max()
        assert 0 < error <= bound, (record["round"], error, bound)   # quantised, within bound
        assert record["clear_arrays"] == 0          # no update reached the server in the clear
        w_prev = w


def _flippable(setting: FlowerSetting, weights: np.ndarray, radius: float) -> int:
    """Test examples whose prediction can change when every weight moves by at most ``radius``.

    A logit is w_k . (x, 1); two logits' difference moves by at most 2 radius ||(x, 1)||_1.
    """
    model = setting.model()
    X_test = setting.data()[2]
    logits = np.sort(model.logits(weights[None], X_test[None])[0], axis=1)
    margin = logits[:, -1] - logits[:, -2]
    reach = 2 * radius * (np.abs(X_test).sum(axis=1) + 1)
    return int((margin <= reach).sum())


@needs_flwr
@pytest.mark.parametrize("kwargs", [
    {"strategy": "fedavg"},
    {"strategy": "dpfedavg", "noise_multiplier": 0.5, "clip_norm": 1.0},
])
def test_secagg_rounds_are_the_exact_rounds_up_to_quantisation(kwargs, task_identity):
    from ppml_lab.federated.flower.apps import run_rounds

    setting = FlowerSetting(3, 2, secagg=True, **kwargs)
    records = []
    w = run_rounds(InProcessGrid(setting), setting, records.append)
    _check_secagg_rounds(setting, records)
    plain = FlowerSetting(3, 2, **kwargs).simulate()
    radius = np.abs(w - plain.weights).max()
    assert abs(records[-1]["accuracy"] - plain.accuracy[-1]) * len(setting.data()[3]) <= \
        _flippable(setting, plain.weights, radius)
    if setting.strategy_name == "dpfedavg":
        np.testing.assert_allclose([r["epsilon"] for r in records], plain.epsilon)


@needs_flwr
def test_secagg_recovers_a_client_that_drops_after_sharing_its_keys(task_identity):
    from ppml_lab._random import as_generator
    from ppml_lab.federated.flower.apps import run_rounds
    from ppml_lab.federated.flower.secaggplus import quantisation_bound
    from ppml_lab.federated.simulation import local_train

    setting = FlowerSetting(3, 1, secagg=True)      # 3 shares each, threshold 2
    records = []
    w = run_rounds(InProcessGrid(setting, drop=(2,), drop_stage="collect_masked_vectors"),
                   setting, records.append, round_timeout=0.3)
    assert records[0]["clients"] == [0, 1] and records[0]["dropped"] == [2]
    assert records[0]["clear_arrays"] == 0
    # the others' pairwise masks with client 2 were removed from its key shares: the result
    # is FedAvg over clients 0 and 1, up to quantisation
    w0 = setting.model().init(rng=as_generator(setting.seed).spawn(7)[2])
    W, sizes = [], []
    for pid in (0, 1):
        X, Y, mask = setting.client_data(pid)
        W.append(local_train(setting.model(), w0, X, Y, mask, local_steps=5,
                             learning_rate=0.5)[0])
        sizes.append(mask.sum())
    exact = setting.strategy().aggregate(w0, np.array(W), np.array(sizes))
    sizes_all = [len(p) for p in setting.partitions()]
    assert np.abs(w - exact).max() <= quantisation_bound(setting.secagg, sizes,
                                                        max_weight=max(sizes_all))
    # with two of three gone, nothing can be unmasked: the model stays, and the note says why
    records = []
    w = run_rounds(InProcessGrid(setting, drop=(1, 2), drop_stage="collect_masked_vectors"),
                   setting, records.append, round_timeout=0.3)
    np.testing.assert_array_equal(w, w0)
    assert records[0]["clients"] == [] and "SecAgg+ halted" in records[0]["note"]


@needs_flwr
def test_the_clear_array_counter_sees_plain_updates(task_identity):
    from flwr.app import ArrayRecord, ConfigRecord, Message, RecordDict

    from ppml_lab.federated.flower.apps import FastGrid

    setting = FlowerSetting(2, 1)
    grid = FastGrid(InProcessGrid(setting))
    config = ConfigRecord({"server-round": 1, "local-steps": 1, "learning-rate": 0.5,
                           "proximal-mu": 0.0})
    w = setting.model().init()
    grid.send_and_receive([Message(RecordDict({"arrays": ArrayRecord([w]), "config": config}),
                                   dst_node_id=node, message_type="train")
                           for node in grid.get_node_ids()], timeout=5)
    assert grid.clear_arrays == 2        # without SecAgg+, each update arrives in the clear


def test_secagg_settings_and_mapping():
    from ppml_lab.federated.flower.secaggplus import SecAggPlus, quantisation_bound, secagg_mapping

    s = FlowerSetting(3, 2, secagg=SecAggPlus(num_shares=3, reconstruction_threshold=2))
    assert FlowerSetting.from_config(s.to_config()) == s
    legacy = {k: v for k, v in FlowerSetting(3, 2).to_config().items() if k != "secagg"}
    assert FlowerSetting.from_config(legacy) == FlowerSetting(3, 2)   # an older run config
    with pytest.raises(ValueError, match="`secagg` must be None with strategy='scaffold'"):
        FlowerSetting(3, 2, "scaffold", secagg=True)
    with pytest.raises(ValueError, match="`reconstruction_threshold` must be below num_shares"):
        SecAggPlus(num_shares=3, reconstruction_threshold=3)
    with pytest.raises(ValueError, match="`secagg` must be a ring large enough for 5 clients"):
        FlowerSetting(5, 1, secagg=SecAggPlus(quantization_range=2**31))
    table = secagg_mapping(SecAggPlus(num_shares=5, reconstruction_threshold=3), sampled=10)
    assert (table["neighbours"]["flower"], table["threshold"]["flower"],
            table["dropouts"]["flower"]) == (4, 3, 2)
    assert (table["neighbours"]["kit"], table["threshold"]["kit"],
            table["dropouts"]["kit"]) == (9, 6, 4)
    # halving the range's resolution (twice Q) halves the bound
    assert quantisation_bound(SecAggPlus(quantization_range=2**23), [5, 5], 5) == \
        pytest.approx(quantisation_bound(SecAggPlus(), [5, 5], 5) / 2)


@needs_flwr
def test_a_node_that_stops_answering_mid_run_is_dropped_from_then_on(task_identity):
    from ppml_lab.federated.flower.apps import run_rounds

    setting = FlowerSetting(3, 3, "dpfedavg", noise_multiplier=0.5)
    records = []
    run_rounds(InProcessGrid(setting, drop=(2,), drop_after=1), setting, records.append,
               round_timeout=0.3)
    assert [r["clients"] for r in records] == [[0, 1, 2], [0, 1], [0, 1]]
    assert records[0]["note"] == ""
    assert "partition(s) [2] did not reply within 0 s" in records[1]["note"]
    assert "divided by the sampled count" in records[1]["note"]


# --- a real deployment on 127.0.0.1 -------------------------------------------------------------

@needs_flwr
def test_port_in_use_is_named_before_anything_starts():
    from ppml_lab.federated.flower import run_deployment

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(ValueError, match=f"`port` must be a free TCP port on 127.0.0.1; "
                                             f"got {port} \\(in use\\)"):
            run_deployment(FlowerSetting(2, 1), port=port)


@needs_flwr
@pytest.mark.flower
def test_localhost_deployment_matches_run_federated(tmp_path):
    from ppml_lab.federated.flower import run_deployment
    from ppml_lab.federated.flower.launcher import marked_processes

    setting = FlowerSetting(n_clients=2, rounds=3)
    seen = []
    result = run_deployment(setting, timeout=240, on_round=seen.append, workdir=tmp_path)
    history = setting.simulate()
    assert [r["round"] for r in result.rounds] == [1, 2, 3] and seen == list(result.rounds)
    assert all(r["clients"] == [0, 1] and r["dropped"] == [] for r in result.rounds)
    assert abs(result.accuracy[-1] - history.accuracy[-1]) <= 1e-6     # issue 11, deliverable 3
    np.testing.assert_allclose(result.accuracy, history.accuracy, atol=1e-6)
    np.testing.assert_allclose(result.weights, history.weights, rtol=0, atol=1e-9)
    # at least the SuperLink, two SuperNodes, `flwr run` and Flower's own helpers
    assert len(result.pids) >= 4
    assert marked_processes(result.token) == []
    assert [pid for pid in result.pids if _alive(pid)] == []


def test_launcher_cli_reports_bad_input_without_starting_anything(capsys):
    from ppml_lab.federated.flower.__main__ import main

    assert main(["run", "--clients", "1"]) == 1
    assert "`n_clients` must be an integer in [2, 100]; got 1." in capsys.readouterr().err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["run", "--clients", "2", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"got {port} (in use)" in err


@needs_flwr
@pytest.mark.flower
def test_a_supernode_killed_mid_run_is_dropped_and_nothing_survives(tmp_path, task_identity):
    import signal

    from ppml_lab.federated.flower import run_deployment
    from ppml_lab.federated.flower.apps import ROUND_TIMEOUT_SECONDS, run_rounds
    from ppml_lab.federated.flower.launcher import marked_processes

    # SCAFFOLD: the replay below also checks that each SuperNode's control variate
    # survives between rounds in Flower's Context.state (issue 11, SCAFFOLD over Flower)
    setting = FlowerSetting(n_clients=3, rounds=3, strategy="scaffold")
    pids: dict[str, int] = {}

    def kill_after_round_one(record):
        if record["round"] == 1:
            os.kill(pids["supernode-1"], signal.SIGKILL)      # a crash, not a shutdown

    result = run_deployment(setting, timeout=240, on_start=pids.update,
                            on_round=kill_after_round_one, workdir=tmp_path)
    assert [r["clients"] for r in result.rounds] == [[0, 1, 2], [0, 2], [0, 2]]
    assert [r["dropped"] for r in result.rounds] == [[], [1], [1]]
    assert "went offline during the round" in result.rounds[1]["note"]
    assert "were offline and got no message" in result.rounds[2]["note"]
    assert result.notes[0].startswith("supernode-1 exited with code -9")
    assert any(note.startswith("round 2: partition(s) [1]") for note in result.notes)
    # the dead node cost less than the timeout: it was not waited for
    assert result.rounds[1]["seconds"] < ROUND_TIMEOUT_SECONDS / 2
    # the same run in process, with partition 1 silent from round 2 on
    replay = run_rounds(InProcessGrid(setting, drop=(1,), drop_after=1), setting,
                        round_timeout=0.3)
    np.testing.assert_allclose(result.weights, replay, rtol=0, atol=1e-9)
    assert marked_processes(result.token) == []
    assert [pid for pid in result.pids if _alive(pid)] == []


@needs_flwr
@pytest.mark.flower
def test_secagg_deployment_matches_the_plain_one_up_to_quantisation(tmp_path):
    from ppml_lab.federated.flower import run_deployment
    from ppml_lab.federated.flower.launcher import marked_processes

    setting = FlowerSetting(n_clients=2, rounds=1, secagg=True)
    result = run_deployment(setting, timeout=240, workdir=tmp_path)
    _check_secagg_rounds(setting, list(result.rounds))     # bound per round, nothing in clear
    plain = FlowerSetting(n_clients=2, rounds=1).simulate()  # = the plain deployment (above)
    radius = np.abs(result.weights - plain.weights).max()
    assert radius <= _secagg_round_bound(setting)
    assert abs(result.accuracy[-1] - plain.accuracy[-1]) * len(setting.data()[3]) <= \
        _flippable(setting, plain.weights, radius)
    assert marked_processes(result.token) == []
    assert [pid for pid in result.pids if _alive(pid)] == []


def test_app_command_writes_a_flower_app_for_real_machines(tmp_path, capsys):
    import tomllib

    from ppml_lab.federated.flower.__main__ import main

    assert main(["app", str(tmp_path / "app"), "--clients", "4", "--rounds", "7",
                 "--strategy", "dpfedavg", "--noise-multiplier", "1.1", "--secagg"]) == 0
    assert "flwr run" in capsys.readouterr().out
    toml = tomllib.loads((tmp_path / "app" / "pyproject.toml").read_text())
    flwr = toml["tool"]["flwr"]["app"]
    assert flwr["components"] == {"serverapp": "ppml_lab.federated.flower.apps:server_app",
                                  "clientapp": "ppml_lab.federated.flower.apps:client_app"}
    assert FlowerSetting.from_config(flwr["config"]) == FlowerSetting(
        4, 7, "dpfedavg", noise_multiplier=1.1, secagg=True)
    assert flwr["config"]["round-timeout"] == 30.0     # listed, so --run-config may change it
