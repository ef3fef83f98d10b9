"""Notebook 07's visuals: the federated plots and FederatedExplorer (layers 2 and 3)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from frame_checks import frames  # noqa: E402
from ppml_lab.federated.cost_experiments import (compression_comparison,  # noqa: E402
                                                 straggler_curves)
from ppml_lab.federated.experiments import client_views, federated_curves  # noqa: E402
from ppml_lab.viz import (Explorer, FederatedExplorer, plot_client_views,  # noqa: E402
                          plot_federated_curves)
from ppml_lab.viz.federated_explorer import plot_compression, plot_stragglers  # noqa: E402


def _pixels(fig):
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)


@pytest.fixture(scope="module")
def explorer():
    return FederatedExplorer(rng=0)


# --- layer 2 ----------------------------------------------------------------------------------

def test_curves_plot_draws_every_strategy_centralised_and_belief(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    result = federated_curves(10, 0.05, 5, 0.1, rng=0)
    fig, ax = plt.subplots()
    assert plot_federated_curves(result, ax=ax) is ax
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == [f"FedAvg: {result.final('FedAvg'):.2f}",
                     f"FedProx: {result.final('FedProx'):.2f}",
                     f"SCAFFOLD: {result.final('SCAFFOLD'):.2f}",
                     f"centralised: {result.final('centralised'):.2f}",
                     f"clients believe (FedAvg): {result.belief('FedAvg'):.2f}"]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), result.curve("FedAvg"))
    assert ax.get_title() == "1 of 10 clients per round, alpha 0.05, 5 local steps"
    plt.close(fig)


def test_curves_plot_updates_in_place_like_a_fresh_drawing():
    first = federated_curves(10, 0.05, 5, 0.1, rng=0)
    second = federated_curves(10, math.inf, 5, 0.1, rng=0)
    fig_a, ax_a = plt.subplots(figsize=(6, 3.5))
    plot_federated_curves(first, ax=ax_a)
    lines = list(ax_a.lines)
    plot_federated_curves(second, ax=ax_a)
    assert list(ax_a.lines) == lines  # updated, not redrawn
    fig_b, ax_b = plt.subplots(figsize=(6, 3.5))
    plot_federated_curves(second, ax=ax_b)
    assert np.abs(_pixels(fig_a) - _pixels(fig_b)).mean() < 0.5
    plt.close(fig_a)
    plt.close(fig_b)


def test_plots_check_their_input():
    result = federated_curves(10, 0.5, 5, 0.1, rng=0)
    with pytest.raises(TypeError, match="`result` must be a FederatedCurves"):
        plot_federated_curves(result.accuracy)
    with pytest.raises(ValueError, match="`ylim`"):
        plot_federated_curves(result, ylim=(1.0, 0.0))
    with pytest.raises(TypeError, match="`ax` must be a matplotlib Axes"):
        plot_federated_curves(result, ax="left")
    for plot in (plot_client_views, plot_stragglers, plot_compression):
        with pytest.raises(TypeError, match="`result` must be a"):
            plot(result)
    plt.close("all")


def test_client_views_stragglers_and_compression_plots():
    views = client_views(10, 0.05, rng=0)
    ax = plot_client_views(views)
    assert len(ax.patches) == 20 and any(t.get_text() == "no data" for t in ax.texts) == \
        bool(np.any(views.sizes == 0))
    ax = plot_stragglers(straggler_curves((0.0, 0.9), n_clients=100, rng=5))
    assert len(ax.get_legend().get_texts()) == 3  # two dropouts and the silent rounds
    ax = plot_compression(compression_comparison(rng=0))
    assert ax.get_xscale() == "log" and len(ax.lines) == 7
    plt.close("all")


# --- layer 3 ----------------------------------------------------------------------------------

def test_explorer_controls_and_repr(explorer):
    assert isinstance(explorer, Explorer)
    assert repr(explorer) == "Explorer: federated learning"
    assert explorer._repr_mimebundle_()["text/plain"] == "Explorer: federated learning"
    assert list(explorer.controls) == ["n_clients", "alpha", "local_steps", "participation"]
    assert all(isinstance(c, widgets.SelectionSlider) for c in explorer.controls.values())
    n_clients = explorer.controls["n_clients"]
    assert [o[1] for o in n_clients.options] == [2, 5, 10, 20, 50, 100, 200, 500, 1000]
    assert "ppml-control-n_clients" in n_clients._dom_classes
    assert explorer.controls["alpha"].options[-1] == ("IID", math.inf)
    assert explorer.values == {"n_clients": 100, "alpha": 0.1, "local_steps": 5,
                               "participation": 0.1}
    assert "With 100 clients (10 per round)" in explorer.readout.value


@pytest.mark.parametrize("name, value", [("n_clients", 10), ("alpha", math.inf),
                                         ("local_steps", 20), ("participation", 0.5)])
def test_every_control_redraws_figure_and_readout(explorer, name, value):
    explorer.set(n_clients=100, alpha=0.1, local_steps=5, participation=0.1)
    png, readout = explorer.figure.value, explorer.readout.value
    explorer.set(**{name: value})
    assert explorer.figure.value != png
    assert explorer.readout.value != readout
    assert getattr(explorer.result, name) == value


def test_the_heat_map_keeps_its_place_and_one_colour_bar(explorer):
    explorer.set(n_clients=100, alpha=0.1, local_steps=5, participation=0.1)
    heat = explorer._axes[0].get_position().bounds
    for n in (2, 1000, 20, 100):
        explorer.set(n_clients=n)
        assert len(explorer._fig.axes) == 3  # heat map, colour bar, curves
        assert explorer._axes[0].get_position().bounds == pytest.approx(heat)
    counts = explorer._axes[0].images[0].get_array()
    assert counts.shape == (100, 10)


def test_same_seed_same_pictures():
    a, b = FederatedExplorer(rng=3), FederatedExplorer(rng=3)
    assert a.figure.value == b.figure.value and a.result is b.result
    c = FederatedExplorer(rng=4)
    assert not np.array_equal(a.result.label_counts, c.result.label_counts)


def test_explorer_refuses_bad_values(explorer):
    with pytest.raises(ValueError, match="`n_clients` must be one of the slider's values"):
        explorer.set(n_clients=3)
    with pytest.raises(ValueError, match="`alpha`"):
        explorer.set(alpha=0.3)
    with pytest.raises(TypeError, match="`name` must be one of the controls"):
        explorer.set(epsilon=1.0)
    with pytest.raises(ValueError, match="`mu`"):
        FederatedExplorer(mu=-1.0)
    with pytest.raises(ValueError, match="`n_clients`"):
        FederatedExplorer(n_clients=3)


def test_static_figure_varies_alpha(explorer):
    before = plt.get_fignums()
    fig = explorer.static_figure()
    assert isinstance(fig, Figure)
    assert "one row per alpha" in fig.get_suptitle()
    assert [sub.get_suptitle() for sub in fig.subfigs] == ["alpha = 0.05", "alpha = 1",
                                                           "alpha = IID"]
    assert plt.get_fignums() == before
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    fig = explorer.static_figure([2, 1000], parameter="n_clients")
    assert len(fig.subfigs) == 2


def test_blitted_frame_matches_a_full_drawing(explorer):
    explorer.set(n_clients=50, alpha=0.5, local_steps=5, participation=0.2)
    explorer.set(local_steps=10)  # the heat map is unchanged: only the curves are redrawn
    png, blit, full = frames(explorer)
    assert np.abs(png - blit).mean() < 2.0  # the PNG's 256-colour palette (the heat map's blues)
    assert np.any(blit != full, axis=2).mean() < 2e-3
