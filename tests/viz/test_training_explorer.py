"""Notebook 05's visual: plot_accuracy_curve and DPTrainingExplorer (layers 2 and 3)."""

from __future__ import annotations


import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from frame_checks import frames  # noqa: E402
from ppml_lab.dp import training_experiments as te  # noqa: E402
from ppml_lab.dp.training_experiments import accuracy_curve  # noqa: E402
from ppml_lab.viz import DPTrainingExplorer, Explorer, plot_accuracy_curve  # noqa: E402


def _pixels(fig):
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


@pytest.fixture(scope="module")
def small():
    return accuracy_curve(epsilons=[0.1, 1.0, 10.0], n_seeds=3, rng=0)


@pytest.fixture(scope="module")
def explorer():
    return DPTrainingExplorer(rng=0)


# --- layer 2 ----------------------------------------------------------------------------------

def test_plot_draws_median_band_baseline_and_point(small):
    ax = plot_accuracy_curve(small, current=1.0)
    assert ax.get_xscale() == "log"
    assert tuple(ax.get_ylim()) == (0.5, 1.0)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["DP model: median of 3 seeds", "non-private: 96%",
                     "spread (lowest to highest seed)"]
    lines = {tuple(np.round(line.get_ydata(), 6)) for line in ax.get_lines()}
    assert tuple(np.round(small.median, 6)) in lines                      # the median line
    assert (round(small.baseline, 6),) * 2 in lines                        # the baseline
    point = small.at(1.0)
    assert (round(point.median, 6),) in lines                              # the current point
    assert "At epsilon = 1.00: 95% (non-private 96%)" == ax.get_title()
    plt.close(ax.figure)


def test_plot_updates_in_place_like_a_fresh_drawing(small):
    other = accuracy_curve(epsilons=[0.1, 1.0, 10.0], n_seeds=3, clip_norm=0.2, rng=0)
    fig_a, ax_a = plt.subplots(figsize=(6, 3.5))
    plot_accuracy_curve(small, ax=ax_a, current=0.1, ylim=(0.5, 1.0))
    children = list(ax_a.get_children())
    plot_accuracy_curve(other, ax=ax_a, current=10.0, ylim=(0.5, 1.0))
    assert list(ax_a.get_children()) == children
    fig_b, ax_b = plt.subplots(figsize=(6, 3.5))
    plot_accuracy_curve(other, ax=ax_b, current=10.0, ylim=(0.5, 1.0))
    assert np.abs(_pixels(fig_a).astype(int) - _pixels(fig_b).astype(int)).mean() < 0.5
    plt.close(fig_a)
    plt.close(fig_b)


def test_plot_checks_its_input_and_never_shows(monkeypatch, small):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    fig, ax = plt.subplots()
    assert plot_accuracy_curve(small, ax=ax) is ax
    assert ax.get_title() == "Test accuracy on breast_cancer against epsilon"
    with pytest.raises(TypeError, match="`result` must be an AccuracyCurve"):
        plot_accuracy_curve(small.median)
    with pytest.raises(TypeError, match="`ax` must be a matplotlib Axes"):
        plot_accuracy_curve(small, ax=[ax])
    with pytest.raises(ValueError, match="`ylim`"):
        plot_accuracy_curve(small, ax=ax, ylim=(1.0, 0.5))
    plt.close(fig)


# --- layer 3 ----------------------------------------------------------------------------------

def test_explorer_controls_and_repr(explorer):
    assert isinstance(explorer, Explorer)
    assert repr(explorer) == "Explorer: DP training"
    assert explorer._repr_mimebundle_()["text/plain"] == "Explorer: DP training"
    assert sorted(explorer.controls) == ["clip_norm", "epochs", "epsilon"]
    assert explorer.values == {"epsilon": 1.0, "clip_norm": 1.0, "epochs": 60}
    assert explorer.result.epsilon == 1.0 and explorer.result.steps == 60
    assert "the private model is right on" in explorer.readout.value
    assert "clip_norm = 1, 60 epochs" in explorer.readout.value


def test_epsilon_moves_the_point_along_the_cached_curve(explorer):
    explorer.set(epsilon=1.0, clip_norm=1.0, epochs=60)
    curve, png = explorer.result.curve, explorer.figure.value
    misses = te._curve.cache_info().misses
    fits = te._fit_scores.cache_info().misses
    explorer.set(epsilon=10 ** 0.35)  # off the curve's grid: one new point
    assert explorer.result.curve is curve
    assert te._curve.cache_info().misses == misses          # the curve was not recomputed
    assert te._fit_scores.cache_info().misses == fits + 1   # only the current point
    assert explorer.result.epsilon == pytest.approx(10 ** 0.35)
    assert explorer.figure.value != png
    explorer.set(epsilon=10 ** 0.25)  # on the grid: the curve's own column, nothing fitted
    assert te._fit_scores.cache_info().misses == fits + 1
    np.testing.assert_array_equal(explorer.result.accuracies, curve.accuracies[5])


def test_clip_and_epochs_recompute_the_curve(explorer):
    explorer.set(epsilon=1.0, clip_norm=1.0, epochs=60)
    curve, readout = explorer.result.curve, explorer.readout.value
    explorer.set(epochs=20)
    assert explorer.result.curve is not curve and explorer.result.curve.epochs == 20
    assert explorer.result.steps == 20 and explorer.readout.value != readout
    explorer.set(clip_norm=0.2)
    assert explorer.result.curve.clip_norm == 0.2
    explorer.set(clip_norm=1.0, epochs=60)
    assert explorer.result.curve is curve  # cached: coming back is instant


def test_same_seed_same_pictures():
    a, b = DPTrainingExplorer(rng=3), DPTrainingExplorer(rng=3)
    assert a.figure.value == b.figure.value
    assert a.result.curve is b.result.curve


def test_explorer_refuses_bad_values(explorer):
    with pytest.raises(ValueError, match="`clip_norm` must be one of the slider's values"):
        explorer.set(clip_norm=0.7)
    with pytest.raises(ValueError, match="`epochs`"):
        explorer.set(epochs=7)
    with pytest.raises(ValueError, match="`epsilon`"):
        explorer.set(epsilon=50.0)
    with pytest.raises(ValueError, match="`data_name`"):
        DPTrainingExplorer(data_name="mnist")
    with pytest.raises(ValueError, match="`n_seeds`"):
        DPTrainingExplorer(n_seeds=0)


def test_static_figure_varies_clip_norm(explorer):
    before = plt.get_fignums()
    fig = explorer.static_figure()
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert "one row per clip_norm" in fig.get_suptitle()
    assert plt.get_fignums() == before
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    fig = explorer.static_figure([20, 200], parameter="epochs")
    assert len(fig.axes) == 2


def test_blitted_frame_matches_a_full_drawing(explorer):
    explorer.set(epsilon=10 ** 0.5, clip_norm=0.5, epochs=30)
    png, blit, full = frames(explorer)
    assert np.abs(png - blit).mean() < 1.0
    assert np.any(blit != full, axis=2).mean() < 2e-3


def test_epsilon_moves_are_fast(explorer):
    explorer.set(epsilon=1.0, clip_norm=1.0, epochs=60)
    for k in range(-20, 21, 5):  # warm the points once (calibration is cached per epsilon)
        explorer.set(epsilon=10 ** (0.05 * k))
    times = []
    for k in range(-20, 21, 5):
        explorer.set(epsilon=10 ** (0.05 * k))
        times.append(explorer.last_update_seconds)
    assert np.median(times) < 0.5  # benchmark: about 20 ms once computed


def test_each_slider_says_what_it_means_for_privacy(explorer):
    # issue 14 item 8: the epsilon slider's left end (its minimum) is marked "more private";
    # clip_norm and epochs say they leave the guarantee alone (the noise is recalibrated)
    row = explorer.widget.children[0]
    assert len(row.children) == 3
    for box, (name, control) in zip(row.children, explorer.controls.items()):
        assert box.children[0] is control                      # the slider itself, unchanged
        assert f"ppml-control-{name}" in control._dom_classes   # what the browser test finds
        note = box.children[1]
        assert "ppml-privacy-note" in note._dom_classes
        if name == "epsilon":
            assert control.tooltip.startswith("Left, a smaller epsilon, is more private")
            left, right = note.value.index("more private"), note.value.index("less private")
            assert left < right                                 # more private on the left ...
            assert control.min < control.max                    # ... where epsilon is smallest
        else:
            assert "same privacy" in note.value and "more private" not in note.value
            assert "not the privacy" in control.tooltip


def test_moving_a_slider_still_redraws_after_the_notes_were_added():
    ex = DPTrainingExplorer(rng=0)
    before = ex.figure.value
    ex.controls["epsilon"].value = 0.5                          # as a dragged slider
    assert ex.figure.value != before and ex.result.epsilon == 0.5
