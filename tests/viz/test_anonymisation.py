"""Notebook 01's visuals: the plots of the attacks (layer 2) and the linkage and reconstruction
explorers (layer 3): every control redraws the figure and changes the readout."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from frame_checks import frames  # noqa: E402
from ppml_lab.attacks import (AttributeDisclosure, differencing_attack, linkage_attack,  # noqa: E402
                              reconstruction_curve, uniqueness_table)
from ppml_lab.datasets import hospital_records, synthetic_population, voter_list  # noqa: E402
from ppml_lab.viz import (LinkageExplorer, ReconstructionExplorer, plot_differencing,  # noqa: E402
                          plot_disclosure, plot_linkage, plot_reconstruction, plot_uniqueness)
from ppml_lab.viz._explorer import StaticFigure  # noqa: E402


@pytest.fixture(scope="module")
def people():
    return synthetic_population(20_000, rng=0)


@pytest.fixture(scope="module")
def linkage(people):
    return linkage_attack(hospital_records(people), voter_list(people))


@pytest.fixture(scope="module")
def linkage_explorer():
    return LinkageExplorer(n=20_000, rng=0)


@pytest.fixture(scope="module")
def reconstruction_explorer():
    return ReconstructionExplorer(rng=0)


# --- layer 2 ----------------------------------------------------------------------------------

def test_plot_uniqueness_draws_one_bar_per_combination(people):
    table = uniqueness_table(people)
    ax = plot_uniqueness(table)
    assert len(ax.patches) == len(table.rows)
    assert sorted(p.get_width() for p in ax.patches) == sorted(r.unique for r in table.rows)
    plt.close("all")


def test_plot_linkage_draws_class_sizes_and_voter_outcomes(linkage):
    axes = plot_linkage(linkage)
    heights = [p.get_height() for p in axes[0].patches]
    assert heights == pytest.approx(list(linkage.class_size_shares))
    voters = [p.get_height() * linkage.n_voters for p in axes[1].patches]
    assert voters[0] == pytest.approx(linkage.n_correct)
    assert sum(voters) == pytest.approx(linkage.n_voters)
    plt.close("all")


def test_plot_linkage_updates_in_place_like_a_fresh_drawing(people, linkage):
    fig, axes = plt.subplots(1, 2)
    plot_linkage(linkage, axes=axes)
    coarse = linkage_attack(hospital_records(people), voter_list(people), birth="year")
    plot_linkage(coarse, axes=axes)
    fresh = plot_linkage(coarse)
    for a, b in zip(axes, fresh):
        assert [p.get_height() for p in a.patches] == [p.get_height() for p in b.patches]
        assert a.get_title() == b.get_title()
        assert [t.get_text() for t in a.texts] == [t.get_text() for t in b.texts]
    plt.close("all")


def test_plot_disclosure_and_differencing():
    ax = plot_disclosure([AttributeDisclosure("a", 10, 1), AttributeDisclosure("b", 10, 5)],
                         labels=["homogeneity", "background"])
    assert [t.get_text() for t in ax.texts] == ["10%", "50%"]
    people = synthetic_population(5000)
    ax = plot_differencing(differencing_attack(people, 0, epsilon=1.0, n_trials=500, rng=0))
    assert "epsilon = 1 per answer" in ax.get_title()
    ax = plot_differencing(differencing_attack(people, 0))
    assert "exact answers" in ax.get_title()
    plt.close("all")


def test_plot_reconstruction_marks_the_point_and_the_wrong_bits():
    point = reconstruction_curve().at(20.0)
    axes = plot_reconstruction(point)
    dot = axes[0].lines[-1]
    assert dot.get_xdata()[0] == 20.0 and dot.get_ydata()[0] == pytest.approx(point.fraction)
    wrong = int(np.sum(point.recovered != point.secret))
    assert axes[1].get_title().startswith(f"One database: {wrong} of 100")
    image = axes[1].images[0].get_array()
    assert int(np.sum(image == 2)) == wrong
    plt.close("all")


@pytest.mark.parametrize("plot, bad", [(plot_linkage, 3), (plot_reconstruction, "x"),
                                       (plot_uniqueness, None), (plot_differencing, 1.0)])
def test_plots_refuse_the_wrong_record(plot, bad):
    with pytest.raises(TypeError, match="must be"):
        plot(bad)


# --- layer 3 ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, values", [("zip_digits", [3, 0, 5]),
                                          ("birth", ["year", "decade", "day"]),
                                          ("sex", ["withheld", "released"])])
def test_every_linkage_control_redraws_figure_and_readout(linkage_explorer, name, values):
    ex = linkage_explorer
    for value in values:
        before = (ex.figure.value, ex.readout.value)
        ex.set(**{name: value})
        assert ex.figure.value != before[0]
        assert ex.readout.value != before[1]


def test_linkage_explorer_shows_the_defence(linkage_explorer):
    ex = linkage_explorer
    ex.set(zip_digits=5, birth="day", sex="released")
    named = ex.result.n_correct
    assert named > 0.8 * ex.result.n_voters_in_release
    ex.set(birth="decade", zip_digits=3)
    assert ex.result.n_correct < named / 100
    ex.set(birth="day", zip_digits=5)
    assert ex.result.n_correct == named  # same data at every move: common random numbers


@pytest.mark.parametrize("name, values", [("noise", [20.0, 60.0, 1.0]),
                                          ("queries", [1600, 100, 400])])
def test_every_reconstruction_control_redraws_figure_and_readout(reconstruction_explorer, name,
                                                                  values):
    ex = reconstruction_explorer
    for value in values:
        before = (ex.figure.value, ex.readout.value)
        ex.set(**{name: value})
        assert ex.figure.value != before[0]
        assert ex.readout.value != before[1]


def test_reconstruction_explorer_shows_the_collapse(reconstruction_explorer):
    ex = reconstruction_explorer
    ex.set(queries=400, noise=2.0)
    assert ex.result.fraction > 0.95
    ex.set(noise=100.0)
    assert ex.result.fraction < 0.65
    ex.set(queries=1600, noise=10.0)
    more = ex.result.fraction
    ex.set(queries=100)
    assert ex.result.fraction < more  # more queries: more of the secret at the same noise
    ex.set(noise=5.0, queries=400)


def test_blitted_frames_equal_a_full_drawing(reconstruction_explorer, linkage_explorer):
    for ex in (reconstruction_explorer, linkage_explorer):
        png, blit, full = frames(ex)
        # the PNG is the canvas up to its 256-colour palette (a mean error of 1.6 levels of 255
        # on these flat colours), and the blitted canvas differs from a full drawing in a few
        # pixels at most (where a spine crosses a redrawn line)
        assert np.abs(png - blit).mean() < 3.0
        assert np.any(blit != full, axis=2).mean() < 2e-3


def test_static_figures(reconstruction_explorer, linkage_explorer):
    fig = reconstruction_explorer.static_figure()
    assert isinstance(fig, StaticFigure) and len(fig.subfigs) == 3
    fig = linkage_explorer.static_figure()
    assert isinstance(fig, StaticFigure) and len(fig.subfigs) == 3
    assert linkage_explorer.static_figure([5, 3], parameter="zip_digits").subfigs


def test_explorers_refuse_values_outside_their_sliders(reconstruction_explorer, linkage_explorer):
    with pytest.raises(ValueError, match="`noise`"):
        reconstruction_explorer.set(noise=-1.0)
    with pytest.raises(ValueError, match="`queries`"):
        reconstruction_explorer.set(queries=333)
    with pytest.raises(ValueError, match="`birth`"):
        linkage_explorer.set(birth="week")
    with pytest.raises(ValueError, match="`queries`"):
        ReconstructionExplorer(queries=333, rng=0)
    with pytest.raises(ValueError, match="`n`"):
        LinkageExplorer(n=10)


def test_linkage_explorer_on_given_tables_matches_the_attack(people):
    release, voters = hospital_records(people, rng=5), voter_list(people, rng=5)
    ex = LinkageExplorer(release=release, voters=voters, rng=0)
    assert ex.result == linkage_attack(release, voters)
    ex.set(zip_digits=3)
    assert ex.result == linkage_attack(release, voters, zip_digits=3)
    with pytest.raises(TypeError, match="release"):
        LinkageExplorer(voters=voters)
    with pytest.raises(TypeError, match="`release`"):
        LinkageExplorer(release=voters, voters=voters)
