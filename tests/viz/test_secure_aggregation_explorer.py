"""Notebook 10's visuals: the secure-aggregation plots and SecureAggregationExplorer."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from frame_checks import frames  # noqa: E402
from ppml_lab.secret_sharing.aggregation_experiments import (  # noqa: E402
    secure_aggregation_demo, secure_federated_comparison)
from ppml_lab.viz import (Explorer, SecureAggregationExplorer, plot_learned_sum,  # noqa: E402
                          plot_phase_costs, plot_recovery, plot_secure_federated,
                          plot_server_view)


@pytest.fixture
def explorer():
    return SecureAggregationExplorer(rng=0, dpi=50)


def test_plots_draw_success_and_abort():
    ok = secure_aggregation_demo(10, 3, 6, dimension=20, rng=0)
    aborted = secure_aggregation_demo(10, 5, 6, dimension=20, rng=0)
    fig, axes = plt.subplots(2, 4)
    for row, demo in zip(axes, (ok, aborted)):
        for ax, plot in zip(row, (plot_recovery, plot_server_view, plot_learned_sum,
                                  plot_phase_costs)):
            assert plot(demo, ax=ax) is ax
    assert axes[0, 0].get_title().endswith("sum unmasked")
    assert axes[1, 0].get_title().endswith(": aborted")
    assert len(axes[0, 2].get_lines()[0].get_xdata()) == 16  # dots of the learned sum
    assert len(axes[1, 2].get_lines()[0].get_xdata()) == 0   # none after an abort
    assert "never happens" in " ".join(t.get_text() for t in axes[1, 3].texts)
    plt.close(fig)
    with pytest.raises(TypeError, match="`result`"):
        plot_recovery("not a demo")


def test_plots_reuse_their_artists_on_the_same_axes():
    fig, ax = plt.subplots()
    plot_learned_sum(secure_aggregation_demo(10, 3, 6, dimension=20, rng=0), ax=ax)
    artists = list(ax.patches)
    plot_learned_sum(secure_aggregation_demo(10, 5, 6, dimension=20, rng=0), ax=ax)
    assert list(ax.patches) == artists  # updated in place, not redrawn
    plt.close(fig)


def test_federated_plot_has_four_runs():
    result = secure_federated_comparison(n_clients=10, clients_per_round=5, rounds=2, rng=0)
    ax = plot_secure_federated(result)
    assert [line.get_label().split(":")[0] for line in ax.get_lines()] == list(result.names)
    plt.close(ax.figure)


def test_explorer_defaults_and_readout(explorer):
    assert isinstance(explorer, Explorer) and repr(explorer) == "Explorer: secure aggregation"
    assert explorer.values == {"n_clients": 20, "dropouts": 8, "threshold": 11}
    assert explorer.result.recovered and explorer.result.n_survivors == 12
    assert explorer.readout.value.count("12 of 20 clients survived, threshold 11: the server "
                                        "unmasked the sum") == 1
    assert explorer.figure.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert explorer._repr_mimebundle_()["text/plain"] == "Explorer: secure aggregation"


def test_moving_dropouts_past_the_tolerance_aborts(explorer):
    seen = []
    for d in range(8, 13):
        before = (explorer.figure.value, explorer.readout.value)
        explorer.set(dropouts=d)
        if d > 8:
            assert explorer.figure.value != before[0] and explorer.readout.value != before[1]
        seen.append(explorer.result.recovered)
    assert seen == [True, True, False, False, False]  # 9 = 20 - 11 dropouts are tolerated
    assert "learns nothing" in explorer.readout.value


def test_n_clients_moves_the_other_sliders_ends(explorer):
    explorer.set(n_clients=10)
    assert explorer.controls["dropouts"].max == 8 and explorer.controls["threshold"].max == 10
    assert explorer.values == {"n_clients": 10, "dropouts": 8, "threshold": 10}
    assert explorer.result.n_clients == 10
    explorer.set(n_clients=30, threshold=25, dropouts=5)
    assert explorer.values == {"n_clients": 30, "dropouts": 5, "threshold": 25}
    assert explorer.result.recovered


def test_one_move_draws_once(explorer, monkeypatch):
    calls = []
    original = explorer.update
    monkeypatch.setattr(explorer, "update", lambda: calls.append(1) or original())
    explorer.controls["n_clients"].value = 5  # clips dropouts and threshold: still one redraw
    assert len(calls) == 1 and explorer.values == {"n_clients": 5, "dropouts": 3,
                                                   "threshold": 5}


def test_bad_values_are_refused(explorer):
    with pytest.raises(ValueError, match="`dropouts`"):
        explorer.set(dropouts=19)
    with pytest.raises(ValueError, match="`n_clients`"):
        explorer.set(n_clients=31)
    with pytest.raises(ValueError, match="whole number"):
        explorer.set(threshold=5.5)
    with pytest.raises(ValueError, match="`dropouts`"):
        SecureAggregationExplorer(n_clients=10, dropouts=9, rng=0)


def test_common_random_numbers_across_moves(explorer):
    first = explorer.result
    explorer.set(dropouts=3)
    explorer.set(dropouts=8)
    assert explorer.result is first  # the same seed: the cached setting comes back


def test_static_figure_rows(explorer):
    before = plt.get_fignums()
    fig = explorer.static_figure()
    assert isinstance(fig, Figure) and plt.get_fignums() == before
    assert [sub.get_suptitle() for sub in fig.subfigs] == ["dropouts = 0", "dropouts = 9",
                                                           "dropouts = 10"]
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_blitted_frame_matches_a_full_drawing(explorer):
    explorer.set(dropouts=9)
    explorer.set(dropouts=10)  # the same axes: only the changing artists are redrawn
    png, blit, full = frames(explorer)
    assert np.abs(png - blit).mean() < 2.0
    assert np.any(blit != full, axis=2).mean() < 2e-3
