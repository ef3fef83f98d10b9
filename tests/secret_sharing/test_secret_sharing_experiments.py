"""Tests of notebook 09's compute layer (threshold_demo) and its plots and explorer (under Agg)."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ppml_lab.secret_sharing.experiments import ThresholdDemo, threshold_demo  # noqa: E402
from ppml_lab.viz.secret_sharing import (ThresholdExplorer, plot_coalition_view,  # noqa: E402
                                         plot_coalitions)


@pytest.mark.parametrize("n, t", [(2, 2), (4, 3), (5, 2), (6, 6)])
def test_exactly_the_coalitions_of_threshold_size_reconstruct(n, t):
    demo = threshold_demo(n, t, secret=123, n_trials=500, rng=0)
    assert demo.coalition_sizes == tuple(range(1, n + 1))
    assert demo.n_coalitions == tuple(math.comb(n, k) for k in range(1, n + 1))
    assert demo.n_reconstructed == tuple(math.comb(n, k) if k >= t else 0
                                         for k in range(1, n + 1))
    assert demo.counts.shape == demo.reference_counts.shape == (t - 1, 20)
    assert np.all(demo.counts.sum(axis=1) == 500)


def test_fewer_than_threshold_look_uniform_for_any_secret():
    for secret in (0, 1, 2**59):
        demo = threshold_demo(5, 3, secret=secret, reference_secret=-12345, n_trials=20_000,
                              rng=1)
        assert demo.p_uniform > 1e-4 and demo.p_same > 1e-4
        assert "say nothing about the secret" in demo.summary()


def test_seeded_and_reproducible():
    a, b = threshold_demo(rng=3), threshold_demo(rng=3)
    assert np.array_equal(a.counts, b.counts) and a.p_uniform == b.p_uniform
    assert repr(a).startswith("ThresholdDemo(n_shares=5, threshold=3")


@pytest.mark.parametrize("kwargs, kind, name", [
    ({"threshold": 1}, ValueError, "threshold"), ({"threshold": 6}, ValueError, "threshold"),
    ({"n_shares": 9}, ValueError, "n_shares"), ({"secret": 2**60}, ValueError, "secret"),
    ({"secret": 1.5}, TypeError, "secret"), ({"n_trials": 10}, ValueError, "n_trials"),
    ({"n_bins": 1}, ValueError, "n_bins")])
def test_bad_input(kwargs, kind, name):
    with pytest.raises(kind, match=f"`{name}`"):
        threshold_demo(**kwargs)


def test_plots_draw_on_given_axes():
    demo = threshold_demo(4, 3, rng=0)
    fig = Figure()
    ax1, ax2 = fig.subplots(1, 2)
    assert plot_coalitions(demo, ax=ax1) is ax1
    assert plot_coalition_view(demo, ax=ax2) is ax2
    assert "5 of 15 coalitions" in ax1.get_title()  # 4 of 3 parties, 1 of 4
    assert ax2.get_title().startswith("What 2 parties see")
    with pytest.raises(TypeError, match="`result`"):
        plot_coalitions("demo", ax=ax1)


def test_explorer_moves_like_a_slider():
    ex = ThresholdExplorer(rng=0)
    assert repr(ex) == "Explorer: Shamir threshold" and isinstance(ex.result, ThresholdDemo)
    first = ex.figure.value
    ex.set(threshold=5)
    assert ex.result.threshold == 5 and ex.result.n_reconstructed[-1] == 1
    assert ex.figure.value != first
    ex.set(secret=0)
    assert ex.result.secret == 0
    with pytest.raises(ValueError, match="`threshold`"):
        ex.set(threshold=6)
    with pytest.raises(ValueError, match="whole number"):
        ex.set(secret=12.5)
    fig = ex.static_figure()
    assert len(fig.axes) == 6
