"""Notebook 06's plot and explorer: plot_membership and MembershipExplorer (under Agg)."""

from __future__ import annotations

import io
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from ppml_lab.attacks import membership_experiment, roc_ceiling  # noqa: E402
from ppml_lab.attacks.experiments import MEMBERSHIP_EPSILONS  # noqa: E402
from ppml_lab.viz import Explorer, MembershipExplorer, plot_membership  # noqa: E402

GRID = [0.1, 1.0, 10.0]


@pytest.fixture(scope="module")
def explorer():
    return MembershipExplorer(rng=0)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_plot_draws_three_panels_with_the_ceiling():
    r = membership_experiment(1.0, epsilons=GRID, rng=0)
    axes = plot_membership(r)
    assert len(axes) == 3
    roc = axes[0]
    labels = [t.get_text() for t in roc.get_legend().get_texts()]
    assert labels[0] == f"epsilon = 1.00: AUC {r.auc:.2f}"
    assert labels[1] == f"forest, no DP: AUC {r.overfit_auc:.2f}"
    # the dotted ceiling line is the (epsilon, delta) bound
    ceiling = next(line for line in roc.get_lines() if line.get_label() == "most DP allows")
    x, y = ceiling.get_data()
    assert np.allclose(y, roc_ceiling(x, 1.0, 1e-5))
    # the DP ROC line is the result's
    dp = next(line for line in roc.get_lines() if line.get_label().startswith("epsilon ="))
    assert np.array_equal(dp.get_xdata(), r.roc.fpr)
    assert axes[1].get_xscale() == "log" and axes[2].get_ylim()[0] == 0.0
    assert axes[2].get_title() == (f"Audit: epsilon >= {r.empirical_epsilon:.2f} "
                                   "(guarantee: <= 1.00)")


def test_middle_panel_shows_useful_and_safe_together():
    r = membership_experiment(2.0, epsilons=GRID, rng=0)
    middle = plot_membership(r)[1]
    accuracy = next(line for line in middle.get_lines()
                    if line.get_label() == "DP model's test accuracy")
    assert np.array_equal(accuracy.get_ydata(), r.accuracy_curve)
    assert accuracy.get_linestyle() == "-." and accuracy.get_marker() == "."
    texts = [t.get_text() for t in middle.texts]
    assert f"accuracy without DP: {r.non_private_accuracy:.2f}" in texts
    assert "chance alone (95%)" in texts
    assert middle.get_title() == (f"Advantage {r.advantage:.2f} (allows "
                                  f"{r.advantage_bound:.2f}); accuracy {r.accuracy:.2f}")
    forest = next(line for line in middle.get_lines()
                  if line.get_label().startswith("attack on the forest"))
    assert forest.get_ydata()[0] == r.overfit_advantage


def test_plot_reuses_its_artists_and_updates_them():
    fig, axes = plt.subplots(1, 3)
    plot_membership(membership_experiment(1.0, epsilons=GRID, rng=0), axes=axes)
    lines_before = list(axes[0].get_lines())
    r = membership_experiment(10.0, epsilons=GRID, rng=0)
    plot_membership(r, axes=axes)
    assert list(axes[0].get_lines()) == lines_before  # updated in place, not redrawn
    dp = next(line for line in axes[0].get_lines() if line.get_label().startswith("epsilon ="))
    assert np.array_equal(dp.get_ydata(), r.roc.tpr)
    point = next(line for line in axes[1].get_lines() if line.get_marker() == "o")
    assert point.get_xdata()[0] == 10.0 and point.get_ydata()[0] == r.advantage


def test_plot_bad_input():
    with pytest.raises(TypeError, match="`result` must be a MembershipResult"):
        plot_membership("not a result")
    r = membership_experiment(1.0, epsilons=GRID, rng=0)
    with pytest.raises(ValueError, match="`axes` must be a sequence of 3"):
        plot_membership(r, axes=plt.subplots(1, 2)[1])


def test_explorer_repr_controls_and_readout(explorer):
    assert isinstance(explorer, Explorer)
    assert repr(explorer) == "Explorer: membership inference"
    assert list(explorer.controls) == ["epsilon"]
    assert explorer.controls["epsilon"].step == pytest.approx(0.1)
    assert explorer.result.epsilons.tolist() == MEMBERSHIP_EPSILONS.tolist()
    assert "lower bound" in explorer.readout.value
    assert explorer._repr_mimebundle_()["text/plain"] == "Explorer: membership inference"


def test_set_changes_result_and_figure(explorer):
    explorer.set(epsilon=1.0)
    before_png, before = explorer.figure.value, explorer.result
    explorer.set(epsilon=10.0)
    assert explorer.result.epsilon == 10.0
    assert explorer.result.accuracy > before.accuracy  # less noise, a better DP model
    assert explorer.figure.value != before_png
    assert Image.open(io.BytesIO(explorer.figure.value)).size[0] > 500
    # common random numbers: the non-private models did not change
    assert explorer.result.overfit_auc == before.overfit_auc
    assert explorer.result.non_private_accuracy == before.non_private_accuracy
    with pytest.raises(ValueError, match="`epsilon`"):
        explorer.set(epsilon=20.0)


def test_epsilon_moves_are_fast(explorer):
    times = []
    for value in [0.1, 0.5, 2.0, 8.0, 1.0, 0.2, 5.0, 0.3]:
        nearest = np.argmin(abs(MEMBERSHIP_EPSILONS - value))
        explorer.set(epsilon=float(MEMBERSHIP_EPSILONS[nearest]))
        times.append(explorer.last_update_seconds)
    assert np.median(times) < 0.25  # goal 0.1 s; loose for a busy test machine


def test_static_figure(explorer):
    start = time.perf_counter()
    fig = explorer.static_figure()
    assert isinstance(fig, Figure)
    assert len(fig.subfigs) == 3
    assert [sf._suptitle.get_text() for sf in fig.subfigs] == ["epsilon = 0.1", "epsilon = 1",
                                                                "epsilon = 10"]
    assert fig._repr_png_().startswith(b"\x89PNG")
    assert time.perf_counter() - start < 10


def test_explorer_bad_options():
    with pytest.raises(ValueError, match="`data_name`"):
        MembershipExplorer(data_name="mnist", rng=0)


def test_the_epsilon_slider_marks_its_more_private_end():
    from ppml_lab.viz import MembershipExplorer

    slider = MembershipExplorer(rng=0).controls["epsilon"]
    assert slider.description == "epsilon (\u2190 more private)"
    assert "more private" in slider.tooltip and slider.min < slider.max
