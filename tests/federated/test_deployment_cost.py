"""The deployment cost model and notebook 13's guard (ppml_lab.federated.deployment_cost).

The cost model is arithmetic, so it is checked against the formulas by hand; the
guard is checked with ``flwr`` hidden (the notebook must say how to install it,
not fail), both as a function and by running notebook 13 in a kernel that cannot
import ``flwr``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import pytest

from ppml_lab.federated import flower
from ppml_lab.federated.deployment_cost import (DEFAULT_ROUND_OVERHEAD_SECONDS,
                                                DEFAULT_STARTUP_SECONDS, DeploymentCost,
                                                DeploymentOverheads, deployment_cost,
                                                format_round, overheads_from_run,
                                                ratio_in_words, time_simulator,
                                                try_deployment)
from ppml_lab.federated.flower import FLOWER_INSTALL_HINT, FlowerSetting

NOTEBOOK = (Path(__file__).resolve().parents[2] / "notebooks"
            / "13_scaling_out_with_flower.ipynb")
OVERHEADS = DeploymentOverheads(10.0, 5.0, 1e-6, source="test")


# --- the cost model ---------------------------------------------------------------------------

def test_a_round_is_engine_plus_network_plus_one_clients_training():
    cost = deployment_cost(4, 10, 1000, bandwidth_mbps=8.0, latency_ms=50.0,
                           bytes_per_parameter=4, overheads=OVERHEADS)
    assert isinstance(cost, DeploymentCost)
    # two round trips of 50 ms, and 1000 * 4 bytes = 32,000 bits each way at 8e6 bit/s
    assert math.isclose(cost.network_seconds, 0.1 + 2 * 32_000 / 8e6)
    assert math.isclose(cost.train_seconds, 1000 * 1e-6)
    assert cost.engine_seconds == 5.0
    assert math.isclose(cost.deployment_round_seconds, 5.0 + cost.network_seconds + 1e-3)
    assert math.isclose(cost.simulator_round_seconds, 4 * 1000 * 1e-6)  # every client, serially
    assert cost.bytes_per_round == 2 * 4 * 1000 * 4 and cost.total_bytes == 10 * 32_000


def test_wall_time_curves_start_at_zero_and_at_start_up():
    cost = deployment_cost(3, 5, 650, overheads=OVERHEADS)
    assert cost.simulator_seconds.shape == cost.deployment_seconds.shape == (6,)
    assert cost.simulator_seconds[0] == 0.0 and cost.deployment_seconds[0] == 10.0
    np.testing.assert_allclose(np.diff(cost.deployment_seconds), cost.deployment_round_seconds)
    np.testing.assert_allclose(np.diff(cost.simulator_seconds), cost.simulator_round_seconds)


def test_the_dominant_part_moves_from_engine_to_network_to_training():
    assert deployment_cost(3, 5, 650).dominant == "engine"
    assert deployment_cost(3, 5, 10**8, bandwidth_mbps=10.0).dominant == "network"
    slow_training = DeploymentOverheads(1.0, 1.0, 1e-3)
    assert deployment_cost(3, 5, 10**5, bandwidth_mbps=1e5, overheads=slow_training
                           ).dominant == "training"


def test_summary_says_when_the_engine_matters_and_when_not():
    small = deployment_cost(3, 5, 650).summary()
    assert small.startswith("3 clients, 5 rounds, 650 parameters, 100 Mbit/s, 20 ms")
    assert "it matters here" in small and "99% of each round" in small
    big = deployment_cost(3, 5, 10**8, bandwidth_mbps=10.0).summary()
    assert "negligible next to the network" in big and "Compress the updates" in big
    many = deployment_cost(1000, 5, 10**7).summary()
    assert "The simulator is the slower one here" in many
    short = deployment_cost(3, 1, 650).summary()
    assert "Start-up is most of this short run" in short
    assert "1 round," in short


def test_defaults_are_the_documented_measurements():
    d = DeploymentOverheads.defaults()
    assert (d.startup_seconds, d.round_overhead_seconds) == (DEFAULT_STARTUP_SECONDS,
                                                             DEFAULT_ROUND_OVERHEAD_SECONDS)
    assert "2-core" in d.source
    assert deployment_cost(3, 5, 650).overheads == d


@pytest.mark.parametrize("kwargs, name, kind", [
    ({"n_clients": 0}, "n_clients", ValueError),
    ({"rounds": 2.5}, "rounds", TypeError),
    ({"n_params": 0}, "n_params", ValueError),
    ({"bandwidth_mbps": -1.0}, "bandwidth_mbps", ValueError),
    ({"latency_ms": -5.0}, "latency_ms", ValueError),
    ({"latency_ms": float("nan")}, "latency_ms", ValueError),
    ({"bytes_per_parameter": 0}, "bytes_per_parameter", ValueError),
    ({"overheads": (14.0, 6.0)}, "overheads", TypeError),
])
def test_bad_settings_name_the_parameter(kwargs, name, kind):
    args = {"n_clients": 3, "rounds": 5, "n_params": 650, **kwargs}
    with pytest.raises(kind, match=f"`{name}`"):
        deployment_cost(args.pop("n_clients"), args.pop("rounds"), args.pop("n_params"), **args)


def test_overheads_are_checked():
    with pytest.raises(ValueError, match="`startup_seconds` must be a number of seconds >= 0"):
        DeploymentOverheads(-1.0, 6.0, 1e-6)
    with pytest.raises(ValueError, match="`train_seconds_per_parameter`"):
        DeploymentOverheads(1.0, 6.0, 0.0)
    with pytest.raises(TypeError, match="`round_overhead_seconds`"):
        DeploymentOverheads(1.0, True, 1e-6)


# --- measuring ----------------------------------------------------------------------------------

def _fake_run(seconds=(6.0, 6.4, 6.2), total=30.0, n_clients=3, n_params=650):
    return SimpleNamespace(setting=FlowerSetting(n_clients, max(len(seconds), 1)), seconds=total,
                           weights=np.zeros(n_params),
                           rounds=tuple({"seconds": s} for s in seconds))


def test_overheads_from_run_split_start_up_and_rounds():
    o = overheads_from_run(_fake_run(), 0.002)
    assert math.isclose(o.startup_seconds, 30.0 - 18.6)
    assert math.isclose(o.round_overhead_seconds, 6.2 - 0.002)  # the median round
    assert math.isclose(o.train_seconds_per_parameter, 0.002 / (3 * 650))
    assert o.source == "measured on this machine"
    fast = overheads_from_run(_fake_run(seconds=(0.001,), total=0.0005), 0.002)
    assert fast.startup_seconds == 0.0 and fast.round_overhead_seconds == 0.0  # never negative


def test_overheads_from_run_refuses_what_is_not_a_deployment():
    with pytest.raises(TypeError, match="`result` must be a DeploymentResult"):
        overheads_from_run(None, 0.002)
    with pytest.raises(TypeError, match="at least one round"):
        overheads_from_run(_fake_run(seconds=()), 0.002)
    with pytest.raises(ValueError, match="`simulator_round_seconds`"):
        overheads_from_run(_fake_run(), 0.0)


def test_time_simulator_times_the_setting():
    calls = []
    fake = SimpleNamespace(rounds=4, simulate=lambda: calls.append(1))
    assert 0 <= time_simulator(fake, repeats=3) < 0.01 and len(calls) == 3
    assert 0 < time_simulator(FlowerSetting(3, 2), repeats=1) < 5.0
    with pytest.raises(TypeError, match="`setting` must be a FlowerSetting"):
        time_simulator("3 clients")
    with pytest.raises(ValueError, match="`repeats`"):
        time_simulator(fake, repeats=0)


def test_ratio_in_words_changes_only_at_10_and_100():
    assert ratio_in_words(6.0, 0.0015) == "more than a hundred times"
    assert ratio_in_words(1.0, 0.01) == "more than a hundred times"
    assert ratio_in_words(0.99, 0.01) == "ten to a hundred times"
    assert ratio_in_words(0.1, 0.01) == "ten to a hundred times"
    assert ratio_in_words(0.09, 0.01) == "less than ten times"
    with pytest.raises(ValueError, match="`simulator_seconds`"):
        ratio_in_words(1.0, 0.0)


def test_format_round_prints_no_timing():
    record = {"round": 3, "accuracy": 0.81111, "loss": 0.7, "epsilon": 42.8512,
              "clients": [0, 2], "dropped": [1], "seconds": 6.1234}
    line = format_round(record)
    assert line == "round 3: accuracy 0.8111, epsilon 42.85, clients [0, 2], dropped [1]"
    assert "6.1" not in line


# --- the guard ----------------------------------------------------------------------------------

def test_without_flwr_the_guard_says_how_to_install_and_runs_nothing(monkeypatch):
    monkeypatch.setattr(flower, "flwr_available", lambda: False)
    monkeypatch.setattr(flower, "run_deployment",
                        lambda *a, **k: pytest.fail("run_deployment was called"), raising=False)
    said = []
    assert try_deployment(FlowerSetting(3, 2), say=said.append) is None
    assert len(said) == 1 and FLOWER_INSTALL_HINT in said[0] and "restart the kernel" in said[0]


def test_with_flwr_the_guard_runs_the_deployment(monkeypatch):
    seen = {}

    def fake_run(setting, **kwargs):
        seen.update(kwargs, setting=setting)
        return "the result"

    monkeypatch.setattr(flower, "flwr_available", lambda: True)
    monkeypatch.setattr(flower, "run_deployment", fake_run, raising=False)
    setting = FlowerSetting(3, 2)
    show = print
    assert try_deployment(setting, on_round=show, timeout=60.0,
                          say=lambda s: pytest.fail(s)) == "the result"
    assert seen == {"setting": setting, "on_round": show, "timeout": 60.0}


def test_notebook_13_runs_every_cell_without_flwr(tmp_path, monkeypatch):
    """A kernel where ``import flwr`` fails: every cell runs, and says how to install it."""
    from nbclient import NotebookClient

    blocker = tmp_path / "block" / "flwr"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("flwr hidden for this test")\n')
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(blocker.parent), os.environ.get("PYTHONPATH", "")]))
    for var in ("JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = ["".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
               for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs
                if o.output_type == "error"]
    text = "\n".join(outputs)
    assert "Flower installed in this kernel: False" in text
    assert text.count(FLOWER_INSTALL_HINT) >= 3  # the setup, the deployment, the comparison
    assert "No deployment ran" in text and "Explorer: deployment cost" in text
    assert "kit's figures, measured on the kit's 2-core test machine" in text
    assert "round 1: accuracy" in text  # the simulator still ran
