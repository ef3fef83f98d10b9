"""plot_label_distribution (ppml_lab.viz.federated), under the Agg backend."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from ppml_lab.federated.partitions import dirichlet_partition, label_counts  # noqa: E402
from ppml_lab.viz.federated import plot_label_distribution  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _heat(ax):
    """The drawn shares: the mesh for few clients, the image for many."""
    return ax.images[0].get_array() if ax.images else ax.collections[0].get_array()


def test_few_clients_rows_are_label_shares_with_sizes_in_ticks():
    counts = np.array([[5, 0, 0], [1, 2, 3]])
    ax = plot_label_distribution(counts)
    assert isinstance(ax, Axes)
    np.testing.assert_allclose(np.asarray(_heat(ax)).reshape(2, 3),
                               [[1, 0, 0], [1 / 6, 2 / 6, 3 / 6]])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0 (n=5)", "1 (n=6)"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    assert ax.get_xlabel() == "class" and ax.get_ylabel() == "client"
    assert "2 clients, 3 classes" in ax.get_title()


def test_draws_on_the_given_axes_and_never_shows(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    fig, given = plt.subplots()
    assert plot_label_distribution([[1, 1], [2, 0]], ax=given) is given
    assert len(plt.get_fignums()) == 1


def test_thousand_clients_are_thin_rows_of_an_image():
    y = np.repeat(np.arange(10), 3000)
    counts = label_counts(y, dirichlet_partition(y, 1000, 0.5, rng=0))
    ax = plot_label_distribution(counts)
    assert len(ax.images) == 1
    shown = ax.images[0].get_array()
    assert shown.shape == (1000, 10)
    sizes = counts.sum(axis=1)
    np.testing.assert_allclose(shown[sizes > 0], (counts / np.maximum(sizes, 1)[:, None])[sizes > 0])
    assert len(ax.get_yticks()) <= 12  # a few ticks, not 1000 labels


def test_max_clients_switches_between_labelled_and_thin_rows():
    counts = np.ones((12, 3), dtype=int)
    assert len(plot_label_distribution(counts, max_clients=12).images) == 0
    assert len(plot_label_distribution(counts, max_clients=11).images) == 1


def test_empty_clients_are_masked_and_counted_in_the_title():
    ax = plot_label_distribution([[0, 0], [3, 1]])
    shares = _heat(ax)
    assert np.ma.is_masked(shares) and shares.mask.reshape(2, 2)[0].all()
    assert "1 with no data" in ax.get_title()


def test_class_names_label_the_columns():
    ax = plot_label_distribution([[1, 2]], class_names=["cat", "dog"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog"]


@pytest.mark.parametrize("kwargs, kind, pattern", [
    ({"counts": [1, 2, 3]}, ValueError, "`counts` must be a 2-dimensional array"),
    ({"counts": [[1, -1]]}, ValueError, "`counts` must be non-negative whole numbers"),
    ({"counts": [[1.5, 1]]}, ValueError, "`counts` must be non-negative whole numbers"),
    ({"counts": [[1, 1]], "max_clients": 0}, ValueError, "`max_clients` must be an integer >= 1"),
    ({"counts": [[1, 1]], "ax": "left"}, TypeError, "`ax` must be a matplotlib Axes"),
    ({"counts": [[1, 1]], "class_names": ["a"]}, ValueError, r"`class_names` must be one name"),
])
def test_bad_input(kwargs, kind, pattern):
    with pytest.raises(kind, match=pattern):
        plot_label_distribution(**kwargs)


def test_colorbar_false_adds_no_axes():
    import matplotlib.pyplot as plt
    from ppml_lab.viz import plot_label_distribution
    fig, ax = plt.subplots()
    plot_label_distribution([[5, 0], [1, 2]], ax=ax, colorbar=False)
    assert len(fig.axes) == 1
    plot_label_distribution([[5, 0], [1, 2]], ax=ax)
    assert len(fig.axes) == 2
    plt.close(fig)
