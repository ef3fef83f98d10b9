"""Layer 2: the plot functions, under the Agg backend."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import StepPatch  # noqa: E402

from ppml_lab.dp.experiments import (noise_experiment, noisy_count_experiment,  # noqa: E402
                                     randomized_response_experiment)
from ppml_lab.viz import (plot_noise_comparison, plot_noisy_count,  # noqa: E402
                          plot_randomized_response)
from ppml_lab.viz.plots import BLUE, EPSILON_LABEL, VERMILLION, dynamic_artists  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def results():
    return {
        "count": noisy_count_experiment(1.0, rng=0),
        "rr": randomized_response_experiment(1.0, 1000, rng=0),
        "noise": noise_experiment(1.0, rng=0),
    }


def _lines(ax):
    return [a for a in ax.get_children() if isinstance(a, Line2D)]


def _steps(ax):
    return [a for a in ax.get_children() if isinstance(a, StepPatch)]


def _pixels(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def test_plot_noisy_count_artists(results):
    axes = plot_noisy_count(results["count"])
    assert len(axes) == 2 and all(isinstance(a, Axes) for a in axes)
    hist, curve = axes
    assert len(_steps(hist)) == 1 and len(_lines(hist)) == 2  # releases; truth and one release
    assert hist.get_legend() is not None
    assert curve.get_xscale() == "log" and curve.get_yscale() == "log"
    assert curve.get_xlabel() == EPSILON_LABEL and "more private" in curve.get_xlabel()
    # the curve, the current epsilon (grey line) and the current point
    point = [ln for ln in _lines(curve) if ln.get_marker() == "o"]
    assert len(point) == 1 and point[0].get_xdata()[0] == 1.0
    assert "epsilon = 1.00" in curve.get_title()


def test_plot_randomized_response_artists(results):
    r = results["rr"]
    hist, curve = plot_randomized_response(r)
    assert len(_steps(hist)) == 1
    truth = [ln for ln in _lines(hist) if ln.get_label() == "true rate"]
    assert truth and truth[0].get_xdata()[0] == pytest.approx(0.3)
    formula = [ln for ln in _lines(curve) if ln.get_label().startswith("formula")]
    np.testing.assert_allclose(formula[0].get_ydata(), 100 * r.rmse_curve)
    markers = [ln for ln in _lines(curve) if ln.get_marker() == "o"]
    ys = sorted(float(m.get_ydata()[0]) for m in markers)
    assert ys == pytest.approx(sorted([100 * r.rmse_theory, 100 * r.rmse]))


def test_plot_noise_comparison_artists(results):
    r = results["noise"]
    axes = plot_noise_comparison(r)
    assert len(axes) == 4
    count_hist, mean_hist, count_err, mean_err = axes
    for hist in (count_hist, mean_hist):
        steps = _steps(hist)
        assert [s.get_edgecolor()[:3] for s in steps] == [
            matplotlib.colors.to_rgb(BLUE), matplotlib.colors.to_rgb(VERMILLION)]
        assert steps[1].get_linestyle() == "--"  # Gaussian dashed: readable in black and white
    labels = [t.get_text() for t in count_hist.get_legend().get_texts()]
    assert labels == ["Laplace", "Gaussian, delta 1e-05", "true value"]
    for err, q in ((count_err, r.count), (mean_err, r.mean)):
        assert err.get_xlabel() == EPSILON_LABEL and err.get_xscale() == "log"
        curves = [ln for ln in _lines(err) if len(ln.get_xdata()) == r.epsilons.size]
        np.testing.assert_allclose(curves[0].get_ydata(), q.laplace_curve)
        np.testing.assert_allclose(curves[1].get_ydata(), q.gaussian_curve)
        points = {ln.get_marker(): float(ln.get_ydata()[0]) for ln in _lines(err)
                  if ln.get_marker() in ("o", "s")}
        assert points == pytest.approx({"o": q.laplace_rel_error, "s": q.gaussian_rel_error})


def test_plots_draw_on_given_axes_and_never_show(results, monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    fig, axes = plt.subplots(1, 4)
    assert list(plot_noise_comparison(results["noise"], axes=axes)) == list(axes)
    fig, axes = plt.subplots(2, 2)  # any shape holding 4 axes
    assert list(plot_noise_comparison(results["noise"], axes=axes)) == list(axes.ravel())
    fig, axes = plt.subplots(1, 2)
    assert list(plot_randomized_response(results["rr"], axes=axes)) == list(axes)


def test_a_second_call_updates_in_place_and_draws_the_same_picture(results):
    kw = dict(window=(17, 67), error_ylim=(0.05, 20))
    first, second = noisy_count_experiment(1.0, rng=0), noisy_count_experiment(0.3, rng=0)
    fig_a, axes_a = plt.subplots(1, 2, figsize=(6, 2.5))
    plot_noisy_count(first, axes=axes_a, **kw)
    children = [list(ax.get_children()) for ax in axes_a]
    plot_noisy_count(second, axes=axes_a, **kw)
    assert [list(ax.get_children()) for ax in axes_a] == children  # the same artists, updated
    fig_b, axes_b = plt.subplots(1, 2, figsize=(6, 2.5))
    plot_noisy_count(second, axes=axes_b, **kw)  # a fresh drawing of the second result
    np.testing.assert_array_equal(_pixels(fig_a), _pixels(fig_b))


def test_noise_update_in_place_matches_a_fresh_drawing():
    kw = dict(count_window=(970, 1030), mean_window=(0.37, 0.43), error_ylim=(1e-5, 10))
    fig_a, axes_a = plt.subplots(2, 2, figsize=(7, 4.5))
    plot_noise_comparison(noise_experiment(1.0, rng=0, n_samples=2000), axes=axes_a, **kw)
    second = noise_experiment(0.4, delta=1e-8, sensitivity=2.0, rng=0, n_samples=2000)
    plot_noise_comparison(second, axes=axes_a, **kw)
    fig_b, axes_b = plt.subplots(2, 2, figsize=(7, 4.5))
    plot_noise_comparison(second, axes=axes_b, **kw)
    np.testing.assert_array_equal(_pixels(fig_a), _pixels(fig_b))
    legend = axes_a[0, 0].get_legend()
    assert "Gaussian, delta 1e-08" in [t.get_text() for t in legend.get_texts()]


def test_cleared_axes_are_redrawn_from_scratch(results):
    fig, axes = plt.subplots(1, 2)
    plot_randomized_response(results["rr"], axes=axes)
    axes[0].cla()
    plot_randomized_response(results["rr"], axes=axes)
    assert len(_steps(axes[0])) == 1


def test_histogram_notes_what_falls_outside_the_window():
    r = noisy_count_experiment(0.1, rng=0)  # scale 10: much falls outside +-5
    hist, _ = plot_noisy_count(r, window=(37, 47))
    notes = [t.get_text() for t in hist.texts if t.get_text()]
    assert notes and notes[0].startswith("off-chart:")


def test_dynamic_artists_only_for_axes_drawn_here(results):
    fig, axes = plt.subplots(1, 2)
    assert dynamic_artists(axes) is None
    plot_noisy_count(results["count"], axes=axes)
    tokens, artists = dynamic_artists(axes)
    assert len(tokens) == 2 and axes[0].title in artists
    zorders = [a.get_zorder() for a in artists]
    assert zorders == sorted(zorders)


def test_bad_arguments(results):
    with pytest.raises(TypeError, match="`result` must be a NoisyCountResult"):
        plot_noisy_count(results["rr"])
    with pytest.raises(TypeError, match="`result` must be a NoiseComparisonResult"):
        plot_noise_comparison(results["count"])
    with pytest.raises(ValueError, match="`axes` must be a sequence of 2 matplotlib Axes"):
        plot_randomized_response(results["rr"], axes=plt.subplots(1, 3)[1])
    with pytest.raises(TypeError, match="`axes` must be"):
        plot_noisy_count(results["count"], axes=["a", "b"])
    with pytest.raises(ValueError, match="`window` must be a pair"):
        plot_noisy_count(results["count"], window=(5, 1))


def test_plot_privacy_loss_shades_the_tail_beyond_epsilon_and_compares_with_delta():
    from ppml_lab.dp.gaussian_loss import gaussian_privacy_loss
    from ppml_lab.viz.plots import plot_privacy_loss

    r = gaussian_privacy_loss(1.0, delta=1e-5)
    ax = plot_privacy_loss(r)
    assert isinstance(ax, Axes) and ax.get_yscale() == "log"
    density = [ln for ln in _lines(ax) if ln.get_label().startswith("density")]
    np.testing.assert_allclose(density[0].get_ydata(), r.density)
    eps_line = [ln for ln in _lines(ax) if ln.get_label() == "epsilon = 1"]
    assert eps_line and eps_line[0].get_xdata()[0] == 1.0
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("P[L > epsilon] = 1.61e-04" in t and "delta = 1e-05" in t for t in labels)
    assert "16 x delta" in ax.get_title()
    fig, given = plt.subplots()
    assert plot_privacy_loss(gaussian_privacy_loss(0.1), ax=given) is given
    assert "111 x delta" in given.get_title()
    with pytest.raises(TypeError, match="GaussianPrivacyLoss"):
        plot_privacy_loss(r.summary())
