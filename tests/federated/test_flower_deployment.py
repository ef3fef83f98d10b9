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

    def __init__(self, setting: FlowerSetting, drop: tuple[int, ...] = ()) -> None:
        from flwr.app import Context, RecordDict

        self.contexts = {
            1000 + i: Context(run_id=1, node_id=1000 + i,
                              node_config={"partition-id": i, "num-partitions": setting.n_clients},
                              state=RecordDict(), run_config=setting.to_config())
            for i in range(setting.n_clients)}
        self.drop = {1000 + i for i in drop}

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
            if msg.metadata.message_type.startswith("train") and node in self.drop:
                continue                                       # a node that never answers
            reply = handlers[msg.metadata.message_type](msg, self.contexts[node])
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
