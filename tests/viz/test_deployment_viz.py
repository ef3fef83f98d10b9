"""Notebook 13's visuals: the deployment cost plots and DeploymentCostExplorer (layers 2 and 3)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from frame_checks import frames  # noqa: E402
from ppml_lab.federated.deployment_cost import DeploymentOverheads, deployment_cost  # noqa: E402
from ppml_lab.viz import (DeploymentCostExplorer, Explorer, plot_deployment_time,  # noqa: E402
                          plot_round_parts)


@pytest.fixture
def explorer():
    return DeploymentCostExplorer(rng=0, dpi=50)


# --- layer 2 ----------------------------------------------------------------------------------

def test_time_plot_draws_both_runs_from_their_start(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    cost = deployment_cost(3, 5, 650)
    ax = plot_deployment_time(cost)
    simulator, deployment = ax.get_lines()
    np.testing.assert_allclose(simulator.get_ydata(), cost.simulator_seconds[1:])
    np.testing.assert_allclose(deployment.get_ydata(), cost.deployment_seconds)
    assert deployment.get_xdata()[0] == 0 and deployment.get_ydata()[0] == 14.0  # start-up
    assert ax.get_yscale() == "log" and ax.get_title().startswith("5 rounds: simulator 6.8 ms")
    plt.close(ax.figure)


def test_round_parts_plot_labels_every_part():
    cost = deployment_cost(3, 5, 10**8, bandwidth_mbps=10.0)
    fig, ax = plt.subplots()
    assert plot_round_parts(cost, ax=ax) is ax
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "engine overhead" and labels[-1].startswith("simulator round")
    widths = [p.get_width() + p.get_x() for p in ax.patches]
    np.testing.assert_allclose(widths, [cost.engine_seconds, cost.network_seconds,
                                        cost.train_seconds, cost.deployment_round_seconds,
                                        cost.simulator_round_seconds])
    title = ax.get_title()
    assert "the network dominates" in title and "4.8 GB" in title  # 3 x 1e8 x 8 x 2
    plt.close(fig)


def test_plots_reuse_their_artists_and_refuse_other_results():
    fig, axes = plt.subplots(1, 2)
    plot_deployment_time(deployment_cost(3, 5, 650), ax=axes[0])
    plot_round_parts(deployment_cost(3, 5, 650), ax=axes[1])
    lines, bars = list(axes[0].get_lines()), list(axes[1].patches)
    plot_deployment_time(deployment_cost(3, 5, 10**6), ax=axes[0])
    plot_round_parts(deployment_cost(3, 5, 10**6), ax=axes[1])
    assert list(axes[0].get_lines()) == lines and list(axes[1].patches) == bars
    plot_deployment_time(deployment_cost(3, 9, 650), ax=axes[0])  # other rounds: redrawn
    assert len(axes[0].get_lines()[0].get_xdata()) == 9
    plt.close(fig)
    with pytest.raises(TypeError, match="`result` must be a DeploymentCost"):
        plot_round_parts({"rounds": 5})


# --- layer 3 ----------------------------------------------------------------------------------

def test_explorer_defaults_and_readout(explorer):
    assert isinstance(explorer, Explorer) and repr(explorer) == "Explorer: deployment cost"
    assert explorer.values == {"n_clients": 3, "rounds": 5, "n_params": 650,
                               "bandwidth_mbps": 100.0, "latency_ms": 20.0}
    assert explorer.result == deployment_cost(3, 5, 650)
    assert "it matters here" in explorer.readout.value
    assert "measured on the kit&#x27;s 2-core test machine" in explorer.readout.value
    assert explorer.figure.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert explorer._repr_mimebundle_()["text/plain"] == "Explorer: deployment cost"


def test_moving_model_size_moves_the_verdict(explorer):
    seen = []
    for n_params in (10**4, 10**6, 10**8):
        before = (explorer.figure.value, explorer.readout.value)
        explorer.set(n_params=n_params)
        assert explorer.figure.value != before[0] and explorer.readout.value != before[1]
        seen.append(explorer.result.dominant)
    assert seen == ["engine", "engine", "network"]
    assert "negligible next to the network" in explorer.readout.value


def test_every_control_changes_the_result(explorer):
    explorer.set(n_params=10**6)
    for name, value in (("n_clients", 100), ("rounds", 40), ("bandwidth_mbps", 10.0),
                        ("latency_ms", 300.0)):
        before = explorer.result
        explorer.set(**{name: value})
        assert explorer.result != before, name
    assert explorer.result == deployment_cost(100, 40, 10**6, bandwidth_mbps=10.0,
                                              latency_ms=300.0)


def test_measured_overheads_are_used_and_named():
    measured = DeploymentOverheads(20.0, 3.0, 1e-6)
    ex = DeploymentCostExplorer(overheads=measured, rng=0, dpi=40)
    assert ex.result.overheads is measured and ex.result.engine_seconds == 3.0
    assert "(Overheads measured.)" in ex.readout.value
    with pytest.raises(TypeError, match="`overheads`"):
        DeploymentCostExplorer(overheads=(14.0, 6.0))


def test_bad_values_are_refused(explorer):
    with pytest.raises(ValueError, match="`n_params`"):
        explorer.set(n_params=12345)
    with pytest.raises(ValueError, match="`rounds`"):
        explorer.set(rounds=101)
    with pytest.raises(ValueError, match="`bandwidth_mbps`"):
        explorer.set(bandwidth_mbps=33.0)
    with pytest.raises(TypeError, match="one of the controls"):
        explorer.set(clients=3)


def test_static_figure_rows(explorer):
    before = plt.get_fignums()
    fig = explorer.static_figure()
    assert isinstance(fig, Figure) and plt.get_fignums() == before
    assert [sub.get_suptitle() for sub in fig.subfigs] == ["n_params = 650",
                                                           "n_params = 1,000,000",
                                                           "n_params = 100,000,000"]
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_blitted_frame_matches_a_full_drawing(explorer):
    explorer.set(n_params=10**5)
    explorer.set(n_params=10**7)  # the same axes: only the changing artists are redrawn
    png, blit, full = frames(explorer)
    assert np.abs(png - blit).mean() < 2.0
    assert np.any(blit != full, axis=2).mean() < 2e-3
