"""Notebook 08's visuals: inversion plots, DP-FedAvg plots and DPFedAvgExplorer (layers 2, 3)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from frame_checks import frames  # noqa: E402
from ppml_lab.attacks import inversion_experiment  # noqa: E402
from ppml_lab.federated import private_experiments as pe  # noqa: E402
from ppml_lab.federated.private_experiments import (FEDAVG_CLIENTS_PER_ROUND,  # noqa: E402
                                                    dp_fedavg_curve, inversion_gallery,
                                                    noise_at_epsilon)
from ppml_lab.viz import Explorer  # noqa: E402
from ppml_lab.viz.private_federated import (DPFedAvgExplorer, plot_dp_fedavg_curve,  # noqa: E402
                                            plot_inversion_quality, plot_noise_at_epsilon,
                                            plot_recovered_digits)

# small settings: every curve of the explorer takes a fraction of a second
FAST = dict(n_clients=300, rounds=3, n_seeds=2)


def _pixels(fig):
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


@pytest.fixture(scope="module")
def small():
    return dp_fedavg_curve(20, noise_multipliers=[0.5, 2.0, 8.0], n_clients=200, rounds=3,
                           n_seeds=3, rng=0)


@pytest.fixture(scope="module")
def explorer():
    return DPFedAvgExplorer(rng=0, **FAST)


@pytest.fixture(autouse=True)
def _no_show(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    yield
    plt.close("all")


# --- inversion plots ----------------------------------------------------------------------------

def test_recovered_digits_show_true_and_recovered_rows():
    g = inversion_gallery(4, rng=1)
    ax = plot_recovered_digits(g)
    mosaic = ax.images[0].get_array()
    assert mosaic.shape == (18, 4 * 10 - 2)
    np.testing.assert_allclose(mosaic[:8, :8], g.true_images[0].reshape(8, 8))
    recovered = mosaic[10:18, :8]                        # on its own grey scale, min 0, max 1
    assert recovered.min() == 0.0 and recovered.max() == pytest.approx(1.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(v) for v in g.true_labels]
    assert [t.get_text() for t in ax.texts] == [f"r = {q:.2f}" for q in g.quality]
    assert ax.get_title().startswith("batch of 4: mean correlation")


def test_recovered_digits_mark_what_was_not_recovered_and_check_input():
    g = inversion_gallery(1, noise_multiplier=3.0, rng=0)
    ax = plot_recovered_digits(g)
    assert np.isnan(g.quality[0])                          # seed 0: no row points to the digit
    assert ax.texts[0].get_text() == "none"
    assert np.ma.getmaskarray(ax.images[0].get_array())[10:18, :8].all()
    assert "noise multiplier 3" in ax.get_title()
    with pytest.raises(TypeError, match="`result` must be an InversionGallery"):
        plot_recovered_digits(g.true_images)
    with pytest.raises(ValueError, match="`max_digits`"):
        plot_recovered_digits(g, max_digits=0)
    many = plot_recovered_digits(inversion_gallery(8, rng=0), max_digits=3)
    assert len(many.get_xticklabels()) == 3


@pytest.mark.parametrize("kind, x_attr", [("batch", "batch_sizes"),
                                          ("summed", "n_clients_summed"),
                                          ("noise", "noise_multipliers")])
def test_inversion_quality_plots_each_knob(kind, x_attr):
    r = inversion_experiment(n_trials=3, rng=0)
    fig, ax = plt.subplots()
    assert plot_inversion_quality(r, kind=kind, ax=ax) is ax
    first = ax.get_lines()[1]                            # [0] is the reference line at 1
    np.testing.assert_array_equal(first.get_xdata(), getattr(r, x_attr))
    assert len(ax.get_lines()) == (2 if kind == "noise" else 3)
    with pytest.raises(ValueError, match="`kind`"):
        plot_inversion_quality(r, kind="rounds")
    with pytest.raises(TypeError, match="`result` must be an InversionResult"):
        plot_inversion_quality(inversion_gallery(1, rng=0))


# --- DP-FedAvg plots ----------------------------------------------------------------------------

def test_curve_plot_draws_median_band_baseline_point_and_others(small):
    other = dp_fedavg_curve(50, noise_multipliers=[0.5, 2.0, 8.0], n_clients=200, rounds=3,
                            n_seeds=3, rng=0)
    ax = plot_dp_fedavg_curve(small, current=2.0, others=(small, other))
    assert ax.get_xscale() == "log" and tuple(ax.get_ylim()) == (0.0, 1.0)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[0] == "20 clients per round: median of 3 seeds"
    assert texts[1] == f"same clients, no noise: {100 * small.baseline:.0f}%"
    lines = {tuple(np.round(line.get_ydata(), 6)) for line in ax.get_lines()}
    assert tuple(np.round(small.median, 6)) in lines and tuple(np.round(other.median, 6)) in lines
    assert (round(small.at(2.0).median, 6),) in lines
    assert {t.get_text() for t in ax.texts} == {"20", "50"}
    assert ax.get_title().startswith("20 clients per round, noise multiplier 2: epsilon")


def test_curve_plot_updates_in_place_like_a_fresh_drawing(small):
    other = dp_fedavg_curve(20, noise_multipliers=[0.5, 2.0, 8.0], n_clients=200, rounds=3,
                            n_seeds=3, rng=5)
    fig_a, ax_a = plt.subplots(figsize=(6, 3.5))
    plot_dp_fedavg_curve(small, ax=ax_a, current=0.5, xlim=(0.01, 100))
    children = list(ax_a.get_children())
    plot_dp_fedavg_curve(other, ax=ax_a, current=8.0, xlim=(0.01, 100))
    assert list(ax_a.get_children()) == children
    fig_b, ax_b = plt.subplots(figsize=(6, 3.5))
    plot_dp_fedavg_curve(other, ax=ax_b, current=8.0, xlim=(0.01, 100))
    assert np.abs(_pixels(fig_a).astype(int) - _pixels(fig_b).astype(int)).mean() < 0.5


def test_curve_plot_checks_its_input(small):
    with pytest.raises(TypeError, match="`result` must be a DPFedAvgCurve"):
        plot_dp_fedavg_curve(small.median)
    with pytest.raises(TypeError, match="`others` must be a tuple of DPFedAvgCurve"):
        plot_dp_fedavg_curve(small, others=small)
    with pytest.raises(ValueError, match="`noise_multiplier`"):
        plot_dp_fedavg_curve(small, current=3.0)
    with pytest.raises(ValueError, match="`xlim`"):
        plot_dp_fedavg_curve(small, xlim=(10.0, 1.0))


def test_noise_plot_marks_the_current_clients_per_round():
    r = noise_at_epsilon(1.0)
    ax = plot_noise_at_epsilon(r, current=50, signal=0.04)
    line, point = ax.get_lines()[1], ax.get_lines()[2]
    np.testing.assert_allclose(line.get_ydata(), r.noise_std)
    assert point.get_ydata()[0] == pytest.approx(r.std_at(50))
    assert ax.get_lines()[0].get_ydata()[0] == 0.04           # the reference line
    assert ax.get_yscale() == "log" and "Same epsilon (1.00)" in ax.get_title()
    with pytest.raises(ValueError, match="`clients_per_round` must be one of"):
        plot_noise_at_epsilon(r, current=30)
    with pytest.raises(TypeError, match="`result` must be a NoiseAtEpsilon"):
        plot_noise_at_epsilon(r.noise_std)


# --- the explorer -------------------------------------------------------------------------------

def test_explorer_controls_readout_and_repr(explorer):
    assert isinstance(explorer, Explorer)
    assert repr(explorer) == "Explorer: DP-FedAvg"
    assert explorer._repr_mimebundle_()["text/plain"] == "Explorer: DP-FedAvg"
    assert list(explorer.controls) == ["noise_multiplier", "clients_per_round"]
    assert explorer.values == {"noise_multiplier": 1.4, "clients_per_round": 50}
    point = explorer.result.point
    assert point.noise_multiplier == 1.4 and point.clients_per_round == 50
    text = explorer.readout.value
    assert "50 of 300 clients per round (sampling rate 0.167)" in text
    assert f"epsilon = {point.epsilon:.2f}" in text
    assert "less noise per client for the same epsilon" in text
    assert len(explorer.result.curves) == len(FEDAVG_CLIENTS_PER_ROUND)  # warm: every curve


def test_the_sliders_mark_their_more_private_end(explorer):
    noise, clients = explorer.controls["noise_multiplier"], explorer.controls["clients_per_round"]
    assert noise.description == "noise_multiplier (more private \u2192)"
    assert noise.tooltip.startswith("Right, a larger noise_multiplier, is more private")
    assert clients.description == "clients_per_round (\u2190 more private)"
    assert "fewer rounds" in clients.tooltip
    for name, control in explorer.controls.items():
        assert f"ppml-control-{name}" in control._dom_classes


def test_noise_moves_along_the_cached_curve_and_the_readout_changes(explorer):
    explorer.set(noise_multiplier=1.4, clients_per_round=50)
    curve, png, readout = explorer.result.point.curve, explorer.figure.value, explorer.readout.value
    runs = pe._run.cache_info().misses
    explorer.set(noise_multiplier=5.6)
    assert explorer.result.point.curve is curve
    assert pe._run.cache_info().misses == runs                 # nothing trained
    assert explorer.figure.value != png and explorer.readout.value != readout
    assert explorer.result.point.epsilon < curve.at(1.4).epsilon   # more noise, smaller epsilon


def test_clients_per_round_switches_curve_and_epsilon(explorer):
    explorer.set(noise_multiplier=1.4, clients_per_round=50)
    eps_50, png = explorer.result.point.epsilon, explorer.figure.value
    explorer.set(clients_per_round=200)
    point = explorer.result.point
    assert point.curve.clients_per_round == 200 and point.sample_rate == pytest.approx(2 / 3)
    assert point.epsilon > eps_50                              # same noise, larger rate
    assert explorer.figure.value != png
    assert explorer.result.noise.epsilon == point.epsilon       # the right panel follows
    explorer.controls["clients_per_round"].value = 10          # as a dragged slider
    assert explorer.result.point.clients_per_round == 10


def test_same_seed_same_pictures_and_cold_explorer():
    a = DPFedAvgExplorer(rng=3, **FAST)
    b = DPFedAvgExplorer(rng=3, **FAST)
    assert a.figure.value == b.figure.value and a.result.point.curve is b.result.point.curve
    cold = DPFedAvgExplorer(rng=3, warm=False, **FAST)
    assert len(cold.result.curves) == 1
    cold.set(clients_per_round=20)
    assert cold.result.point.curve.clients_per_round == 20


def test_explorer_refuses_bad_values(explorer):
    with pytest.raises(ValueError, match="`noise_multiplier` must be one of the slider's"):
        explorer.set(noise_multiplier=3.0)
    with pytest.raises(ValueError, match="`clients_per_round`"):
        explorer.set(clients_per_round=30)
    with pytest.raises(ValueError, match="`n_clients`"):
        DPFedAvgExplorer(n_clients=100)
    with pytest.raises(ValueError, match="`rounds`"):
        DPFedAvgExplorer(rounds=0)


def test_static_figure_varies_clients_per_round(explorer):
    before = plt.get_fignums()
    fig = explorer.static_figure()
    assert isinstance(fig, Figure) and len(fig.axes) == 6
    assert "one row per clients_per_round" in fig.get_suptitle()
    assert plt.get_fignums() == before
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    fig = explorer.static_figure([0.7, 5.6], parameter="noise_multiplier")
    assert len(fig.axes) == 4


def test_blitted_frame_matches_a_full_drawing(explorer):
    explorer.set(noise_multiplier=2.8, clients_per_round=100)
    explorer.set(noise_multiplier=0.7)
    png, blit, full = frames(explorer)
    assert np.abs(png - blit).mean() < 1.0
    assert np.any(blit != full, axis=2).mean() < 2e-3
