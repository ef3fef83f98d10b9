"""Notebook 04's visual, in three layers: composition_curves, plot_composition, the explorer.

Layer 1 is checked against the accountants it summarises (ppml_lab's own and
dp-accounting, the reference library), and for the orderings that must hold:
optimal composition is never above basic or advanced composition of the same
per-step guarantee, PLD is never above RDP or optimal composition (beyond its
small, pessimistic discretisation error), and no curve falls as steps grow.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from frame_checks import frames  # noqa: E402
from ppml_lab.dp import (GaussianMechanism, PLDAccountant, RDPAccountant,  # noqa: E402
                         advanced_composition, basic_composition, gaussian_delta,
                         optimal_composition)
from ppml_lab.dp.composition_experiments import (COMPOSITION_ACCOUNTANTS,  # noqa: E402
                                                 DEFAULT_STEPS, PLD_LIMIT, CompositionCurves,
                                                 composition_curves, pld_interval, step_delta,
                                                 step_epsilon)
from ppml_lab.viz import CompositionExplorer, Explorer, plot_composition  # noqa: E402
from ppml_lab.viz.plots import COMPOSITION_STYLES  # noqa: E402

logging.getLogger("absl").setLevel(logging.ERROR)  # dp-accounting's RDP warns about some orders

SETTINGS = [(1.1, 0.01, 1e-5), (2.0, 0.001, 1e-6), (0.8, 0.1, 1e-5), (3.0, 1.0, 1e-8),
            (1.0, 256 / 60000, 1e-5)]


@pytest.fixture(scope="module")
def mnist():
    return composition_curves(1.1, 0.01, 1e-5, steps=1000)


# --- layer 1: one step ----------------------------------------------------------------------

@pytest.mark.parametrize("sigma,q", [(1.1, 0.01), (0.8, 0.05), (2.0, 1.0), (0.5, 1.0),
                                     (1.0, 0.1)])
def test_step_delta_is_dp_accountings_exact_profile(sigma, q):
    from dp_accounting.pld import privacy_loss_distribution as pldlib
    reference = pldlib.from_gaussian_mechanism(sigma, value_discretization_interval=1e-4,
                                               sampling_prob=q)
    for epsilon in (0.0, 0.1, 0.5, 1.0, 2.0):  # grid points: connect-the-dots is exact there
        ours, theirs = step_delta(sigma, q, epsilon), reference.get_delta_for_epsilon(epsilon)
        assert ours == pytest.approx(theirs, rel=1e-4, abs=1e-14), epsilon


def test_step_profile_without_sampling_is_the_analytic_gaussian():
    for sigma in (0.7, 2.0, 5.0):
        for epsilon in (0.1, 1.0, 3.0):
            assert step_delta(sigma, 1.0, epsilon) == pytest.approx(
                gaussian_delta(sigma, epsilon), rel=1e-9, abs=1e-300)
        eps = step_epsilon(sigma, 1.0, 1e-5)
        assert GaussianMechanism(eps, 1e-5).sigma == pytest.approx(sigma, rel=1e-8)


def test_step_epsilon_is_the_smallest_epsilon_meeting_delta():
    for sigma, q, delta in SETTINGS:
        eps = step_epsilon(sigma, q, delta)
        assert step_delta(sigma, q, eps) <= delta
        assert step_delta(sigma, q, eps * (1 - 1e-9)) > delta * (1 - 1e-6)
        assert eps < step_epsilon(sigma, q, delta / 10)  # smaller delta, larger epsilon


def test_step_functions_check_their_input():
    with pytest.raises(ValueError, match="`epsilon` must be a non-negative finite number"):
        step_delta(1.1, 0.01, -0.5)
    with pytest.raises(ValueError, match="`delta` must be a number in"):
        step_epsilon(1.1, 0.01, 0.0)
    with pytest.raises(ValueError, match="`sample_rate` must be a number in"):
        step_epsilon(1.1, 0.0, 1e-5)


def test_step_epsilon_is_zero_when_delta_covers_everything():
    # one step with a tiny sampling rate: delta(0) is already below delta
    assert step_delta(5.0, 1e-4, 0.0) < 1e-4
    assert step_epsilon(5.0, 1e-4, 1e-4) == 0.0


# --- layer 1: the five curves --------------------------------------------------------------

def test_curves_are_the_accountants_they_summarise(mnist):
    r = mnist
    for i, n in enumerate(DEFAULT_STEPS):
        n = int(n)
        eps0 = step_epsilon(1.1, 0.01, 1e-5 / (2 * n))
        assert r.basic_curve[i] == pytest.approx(n * eps0, rel=1e-9)
        assert r.advanced_curve[i] == pytest.approx(
            advanced_composition(eps0, 1e-5 / (2 * n), n, 1e-5 / 2).epsilon, rel=1e-9)
        assert r.optimal_curve[i] == pytest.approx(
            optimal_composition(eps0, 1e-5 / (2 * n), n, 1e-5 / 2).epsilon, rel=1e-8)
        assert r.rdp_curve[i] == pytest.approx(
            RDPAccountant().compose_gaussian(1.1, 0.01, n).get_epsilon(1e-5), rel=1e-9)
    small = [0.3] * 10
    assert 10 * 0.3 == pytest.approx(basic_composition(small).epsilon)


def test_total_delta_of_the_black_box_theorems_is_delta():
    for n in (1, 100, 100_000):
        delta0 = 1e-5 / (2 * n)
        eps0 = step_epsilon(1.1, 0.01, delta0)
        assert basic_composition([eps0] * min(n, 100), [delta0] * min(n, 100)).delta <= 1e-5
        assert advanced_composition(eps0, delta0, n, 1e-5 / 2).delta == pytest.approx(1e-5)
        assert optimal_composition(eps0, delta0, n, 1e-5 / 2).delta <= 1e-5


@pytest.mark.parametrize("sigma,q,delta", SETTINGS)
def test_orderings_that_must_hold(sigma, q, delta):
    r = composition_curves(sigma, q, delta)
    finite = np.isfinite(r.pld_curve)
    # optimal composition is the best bound from the same per-step guarantee
    assert np.all(r.optimal_curve <= r.basic_curve * (1 + 1e-9))
    assert np.all(r.optimal_curve <= r.advanced_curve * (1 + 1e-9))
    # PLD knows the mechanism: never above RDP or optimal composition, up to its grid error
    assert np.all(r.pld_curve[finite] <= r.rdp_curve[finite] * 1.01)
    assert np.all(r.pld_curve[finite] <= r.optimal_curve[finite] * 1.01 + 1e-3)
    # more steps never lower epsilon
    for name in COMPOSITION_ACCOUNTANTS:
        curve = r.curve(name)
        shown = curve[np.isfinite(curve)]
        assert np.all(np.diff(shown) >= -1e-9 * shown[1:]), name
    # far enough out, the accountants that know the mechanism win by a wide margin
    assert r.pld_curve[finite][-1] < r.basic_curve[finite][-1]


def test_advanced_composition_loses_to_basic_for_few_large_steps(mnist):
    # the lesson of the dotted curve: sqrt(k) growth pays off only for many small steps
    assert mnist.advanced_curve[0] > mnist.basic_curve[0]


@pytest.mark.parametrize("sigma,q,delta", SETTINGS)
def test_more_noise_never_raises_epsilon(sigma, q, delta):
    low, high = composition_curves(sigma, q, delta), composition_curves(sigma * 1.5, q, delta)
    for name in COMPOSITION_ACCOUNTANTS:
        a, b = low.curve(name), high.curve(name)
        both = np.isfinite(a) & np.isfinite(b)
        assert np.all(b[both] <= a[both] * (1 + 1e-6) + 1e-9), name


@pytest.mark.parametrize("sigma,q,delta,n", [(1.1, 256 / 60000, 1e-5, 10_000),
                                             (1.0, 0.01, 1e-5, 1000), (2.0, 0.1, 1e-6, 100),
                                             (5.0, 1.0, 1e-5, 10), (0.8, 0.05, 1e-5, 300),
                                             (2.0, 0.001, 1e-6, 100_000)])
def test_coarse_pld_is_close_to_dp_accounting_and_never_below_it(sigma, q, delta, n):
    from dp_accounting.pld import privacy_loss_distribution as pldlib
    r = composition_curves(sigma, q, delta, steps=n, steps_grid=[n])
    reference = pldlib.from_gaussian_mechanism(
        sigma, value_discretization_interval=min(1e-4, r.pld_interval / 5),
        sampling_prob=q).self_compose(n).get_epsilon_for_delta(delta)
    assert r.pld >= reference * (1 - 0.005)
    assert r.pld == pytest.approx(reference, rel=0.03)


def test_rdp_matches_dp_accounting():
    from dp_accounting import dp_event, rdp
    r = composition_curves(1.1, 256 / 60000, 1e-5, steps=10_000, steps_grid=[10, 10_000])
    accountant = rdp.RdpAccountant()
    accountant.compose(dp_event.SelfComposedDpEvent(
        dp_event.PoissonSampledDpEvent(256 / 60000, dp_event.GaussianDpEvent(1.1)), 10_000))
    assert r.rdp == pytest.approx(accountant.get_epsilon(1e-5), rel=0.01)


def test_a_fixed_pld_grid_can_be_asked_for():
    coarse = composition_curves(1.1, 0.01, 1e-5, steps=100, steps_grid=[100])
    fine = composition_curves(1.1, 0.01, 1e-5, steps=100, steps_grid=[100], pld_interval=1e-4)
    assert fine.pld_interval == 1e-4 and coarse.pld_interval > 1e-4
    assert fine.pld == pytest.approx(
        PLDAccountant(1e-4).compose_gaussian(1.1, 0.01, 100).get_epsilon(1e-5))
    assert fine.pld <= coarse.pld <= fine.pld * 1.01


def test_one_step_pld_is_the_exact_profile(mnist):
    assert mnist.pld_curve[0] == pytest.approx(step_epsilon(1.1, 0.01, 1e-5))
    assert mnist.pld_intervals[0] == 0.0


def test_pld_is_left_out_where_nothing_private_is_left():
    r = composition_curves(0.5, 1.0, 1e-5, steps=100_000)
    assert math.isnan(r.pld) and r.rdp > PLD_LIMIT and r.basic_steps == 0
    assert np.isnan(r.pld_curve[-1]) and np.isfinite(r.pld_curve[0])
    assert "no meaningful privacy" in r.summary()


def test_pld_interval_rules():
    size = 0.01 * math.sqrt(math.expm1(1 / 1.1**2))  # one step's loss, chi-square bound
    assert pld_interval(1.7, 1000, 1.1, 0.01) == pytest.approx(
        min(0.01 * 1.7, size / 4, (0.1 * 1.7) ** 2 / (1000 * size)))
    assert pld_interval(1000.0, 10, 0.5, 1.0) == 0.05           # capped
    assert pld_interval(1e-6, 100_000, 5.0, 0.001) == 1e-4      # floored
    # many steps of tiny losses: the spread rule is the finest
    assert pld_interval(0.6, 100_000, 2.0, 0.001) < 0.01 * 0.6


def test_steps_off_the_grid_are_computed_on_their_own():
    on = composition_curves(1.1, 0.01, 1e-5, steps=500, steps_grid=[100, 500, 1000])
    off = composition_curves(1.1, 0.01, 1e-5, steps=500)
    assert 500 not in off.steps_grid
    for name in COMPOSITION_ACCOUNTANTS:
        assert getattr(off, name) == pytest.approx(getattr(on, name), rel=1e-12)


def test_results_are_cached_and_deterministic():
    a = composition_curves(1.3, 0.02, 1e-6, steps=30)
    start = time.perf_counter()
    b = composition_curves(1.3, 0.02, 1e-6, steps=30)
    assert time.perf_counter() - start < 0.05
    assert a.pld_curve is b.pld_curve  # the same read-only arrays
    assert repr(a) == repr(b) and a.summary() == b.summary()


# --- layer 1: the record ------------------------------------------------------------------------

def test_record_is_frozen_with_read_only_arrays_and_a_short_repr(mnist):
    with pytest.raises(dataclasses.FrozenInstanceError):
        mnist.steps = 10
    for name in COMPOSITION_ACCOUNTANTS:
        with pytest.raises(ValueError):
            mnist.curve(name)[0] = 0.0
    text = repr(mnist)
    assert text.startswith("CompositionCurves(noise_multiplier=1.1, sample_rate=0.01, "
                           "delta=1e-05, steps=1000,")
    assert "array" not in text and "\n" not in text
    assert list(mnist.epsilons) == list(COMPOSITION_ACCOUNTANTS)
    with pytest.raises(ValueError, match="`accountant` must be one of 'basic'"):
        mnist.curve("zcdp")


def test_summary_in_plain_words(mnist):
    text = mnist.summary()
    assert text.startswith("After 1,000 steps at noise 1.1 and sampling rate 0.01 "
                           "(delta = 1e-05), basic composition says epsilon = 645, advanced "
                           "684, optimal 284, RDP 1.71 and PLD 1.52.")
    assert ("For the same epsilon of 1.52, basic composition would stop you after 5 steps: "
            "the tight accountant (PLD) lets you train 200 times longer") in text
    assert mnist.basic_steps == 5 and mnist.longer == 200
    one = composition_curves(1.1, 0.01, 1e-5, steps=1)
    assert "would not allow even one step" in one.summary() and "After 1 step at" in one.summary()


def test_basic_steps_is_the_largest_count_within_the_pld_epsilon(mnist):
    def basic(n):
        return n * step_epsilon(1.1, 0.01, 1e-5 / (2 * n))
    assert basic(mnist.basic_steps) <= mnist.pld < basic(mnist.basic_steps + 1)
    r = composition_curves(2.0, 0.1, 1e-6, steps=10_000)
    assert basic_within(r) and r.basic_steps > 5


def basic_within(r: CompositionCurves) -> bool:
    def basic(n):
        return n * step_epsilon(r.noise_multiplier, r.sample_rate, r.delta / (2 * n))
    return basic(r.basic_steps) <= r.pld < basic(r.basic_steps + 1)


@pytest.mark.parametrize("kwargs,parameter", [
    ({"noise_multiplier": 0}, "noise_multiplier"),
    ({"noise_multiplier": float("nan")}, "noise_multiplier"),
    ({"sample_rate": 0.0}, "sample_rate"),
    ({"sample_rate": 1.5}, "sample_rate"),
    ({"delta": 1.0}, "delta"),
    ({"delta": -1e-5}, "delta"),
    ({"steps": 0}, "steps"),
    ({"steps": 10.0}, "steps"),
    ({"steps_grid": [10, 5]}, "steps_grid"),
    ({"steps_grid": [1.5, 10]}, "steps_grid"),
    ({"pld_interval": 0.0}, "pld_interval"),
])
def test_bad_input_is_refused_by_name(kwargs, parameter):
    args = {"noise_multiplier": 1.1, "sample_rate": 0.01, "delta": 1e-5, **kwargs}
    with pytest.raises((ValueError, TypeError), match=f"`{parameter}` must be"):
        composition_curves(args.pop("noise_multiplier"), args.pop("sample_rate"),
                           args.pop("delta"), **args)


# --- layer 2: the plot -------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _pixels(fig) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def test_plot_composition_draws_five_curves_and_the_current_point(mnist):
    ax = plot_composition(mnist)
    assert isinstance(ax, Axes)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["PLD (tight, \u2248 exact): 1.52", "RDP (close): 1.71",
                      "optimal (KOV): 284", "advanced (DRV): 684", "basic (loose): 645"]
    lines = [ln for ln in ax.get_lines() if isinstance(ln, Line2D)]
    curves = {ln.get_label(): ln for ln in lines if len(ln.get_xdata()) == DEFAULT_STEPS.size}
    assert len(curves) == 5
    np.testing.assert_allclose(curves[labels[0]].get_ydata(), mnist.pld_curve)
    points = [ln for ln in lines if len(ln.get_xdata()) == 1 and ln.get_marker() != "None"]
    assert sorted(float(p.get_ydata()[0]) for p in points) == pytest.approx(
        sorted(mnist.epsilons.values()))
    assert all(float(p.get_xdata()[0]) == 1000 for p in points)
    assert "1,000 steps" in ax.get_title()
    assert any("coarse loss grid" in t.get_text() for t in ax.texts)
    assert set(COMPOSITION_STYLES) == set(COMPOSITION_ACCOUNTANTS)


def test_plot_composition_updates_in_place_like_a_fresh_drawing():
    first = composition_curves(1.1, 0.01, 1e-5, steps=1000)
    second = composition_curves(2.0, 0.1, 1e-6, steps=30)
    fig_a, ax_a = plt.subplots(figsize=(6, 3.5))
    plot_composition(first, ax=ax_a, ylim=(1e-2, 1e5))
    children = list(ax_a.get_children())
    plot_composition(second, ax=ax_a, ylim=(1e-2, 1e5))
    assert list(ax_a.get_children()) == children
    fig_b, ax_b = plt.subplots(figsize=(6, 3.5))
    plot_composition(second, ax=ax_b, ylim=(1e-2, 1e5))
    np.testing.assert_array_equal(_pixels(fig_a), _pixels(fig_b))


def test_plot_composition_checks_its_input_and_never_shows(monkeypatch, mnist):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() was called"))
    fig, ax = plt.subplots()
    assert plot_composition(mnist, ax=ax) is ax
    with pytest.raises(TypeError, match="`result` must be a CompositionCurves"):
        plot_composition(mnist.epsilons)
    with pytest.raises(TypeError, match="`ax` must be a matplotlib Axes"):
        plot_composition(mnist, ax=[ax])


def test_plot_composition_leaves_out_what_a_log_axis_cannot_show():
    r = composition_curves(0.5, 1.0, 1e-5, steps=100_000)  # PLD not computed at the end
    ax = plot_composition(r)
    assert ax.get_legend().get_texts()[0].get_text().endswith("not computed")
    assert any("not computed" in t.get_text() for t in ax.texts)


# --- layer 3: the explorer ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def explorer():
    return CompositionExplorer()


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_explorer_structure(explorer):
    assert isinstance(explorer, Explorer)
    assert list(explorer.controls) == ["steps", "noise_multiplier", "sample_rate", "delta"]
    for name, control in explorer.controls.items():
        assert f"ppml-control-{name}" in control._dom_classes
    assert isinstance(explorer.controls["sample_rate"], widgets.FloatLogSlider)
    assert isinstance(explorer.controls["delta"], widgets.FloatLogSlider)
    steps = [v for _, v in explorer.controls["steps"].options]
    assert steps == [int(n) for n in DEFAULT_STEPS]  # 1, 3, 10, ... 100,000: a log scale
    tree = list(_walk(explorer.widget))
    assert not any(isinstance(w, widgets.Output) for w in tree)  # nothing is captured
    assert explorer.figure.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert explorer.values == {"steps": 1000, "noise_multiplier": 1.1, "sample_rate": 0.01,
                               "delta": 1e-5}


def test_explorer_has_a_stable_text_repr(explorer):
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == "Explorer: composition" == repr(explorer)
    assert "application/vnd.jupyter.widget-view+json" in bundle


@pytest.mark.parametrize("name,value", [("steps", 10_000), ("noise_multiplier", 2.0),
                                        ("sample_rate", 0.1), ("delta", 1e-8)])
def test_every_control_changes_figure_and_readout(explorer, name, value):
    explorer.set(steps=1000, noise_multiplier=1.1, sample_rate=0.01, delta=1e-5)
    before_png, before_text = explorer.figure.value, explorer.readout.value
    explorer.set(**{name: value})
    assert explorer.figure.value != before_png
    assert explorer.readout.value != before_text
    assert explorer.values[name] == pytest.approx(value)
    assert getattr(explorer.result, name) == pytest.approx(value)
    explorer.set(**{name: {"steps": 1000, "noise_multiplier": 1.1, "sample_rate": 0.01,
                           "delta": 1e-5}[name]})
    assert explorer.figure.value == before_png  # deterministic: back to the same picture


def test_readout_says_which_accountant_lets_you_train_longer(explorer):
    explorer.set(steps=1000, noise_multiplier=1.1, sample_rate=0.01, delta=1e-5)
    text = explorer.readout.value
    assert "After 1,000 steps at noise 1.1 and sampling rate 0.01" in text
    assert "PLD 1.52" in text and "train 200 times longer" in text


def test_explorer_refuses_what_a_slider_cannot_do(explorer):
    with pytest.raises(ValueError, match="`steps` must be one of the slider's values"):
        explorer.set(steps=1234)
    with pytest.raises(ValueError, match=r"`sample_rate` must be a number from 0.0001 to 1"):
        explorer.set(sample_rate=1e-5)
    with pytest.raises(ValueError, match="`noise_multiplier` must be a number from 0.5 to 5"):
        CompositionExplorer(noise_multiplier=10.0)


def test_static_figure_small_multiples(explorer):
    before = plt.get_fignums()
    fig = explorer.static_figure()
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert "one row per noise_multiplier" in fig.get_suptitle()
    assert plt.get_fignums() == before
    fig = explorer.static_figure([0.001, 0.1], parameter="sample_rate")
    assert len(fig.axes) == 2


def test_blitted_frame_matches_a_full_drawing(explorer):
    explorer.set(steps=30, noise_multiplier=0.8, sample_rate=0.1, delta=1e-6)
    png, blit, full = frames(explorer)
    assert np.abs(png - blit).mean() < 1.0
    assert np.any(blit != full, axis=2).mean() < 2e-3


def test_moving_the_steps_slider_reuses_the_curves(explorer):
    explorer.set(steps=1000, noise_multiplier=1.3, sample_rate=0.02, delta=1e-5)
    curves = explorer.result.pld_curve
    explorer.set(steps=100)
    assert explorer.result.pld_curve is curves  # cached: only the marker moves
    times = []
    for n in (10, 100, 1000, 10_000):
        explorer.set(steps=n)
        times.append(explorer.last_update_seconds)
    assert np.median(times) < 1.0  # benchmark: tens of milliseconds


def test_tiny_sampling_rate_makes_the_run_zero_epsilon_and_says_so():
    # sigma = 5, q = 1e-4: one step's delta at epsilon 0 is already below delta / (2 k), so
    # each step is (0, delta0)-DP; optimal composition, RDP and PLD then agree on 0
    result = composition_curves(5.0, 1e-4, 1e-3, steps=1000)
    assert result.optimal == 0.0 and result.pld == 0.0 and result.rdp == 0.0
    assert result.basic > 0.0  # it needs a smaller per-step delta, so it pays epsilon
    assert "the whole run is (0, delta)-DP" in result.summary()
    explorer = CompositionExplorer(noise_multiplier=5.0, sample_rate=1e-4, delta=1e-3)
    assert explorer.result.pld == 0.0


def test_every_privacy_slider_marks_its_more_private_end():
    from ppml_lab.viz import CompositionExplorer

    controls = CompositionExplorer().controls
    left = {"steps": "steps", "sample_rate": "sampling rate", "delta": "delta"}
    for key, name in left.items():  # fewer steps, a lower rate, a smaller delta: more private
        assert controls[key].description == f"{name} (\u2190 more private)"
        assert controls[key].tooltip.startswith(f"Left, a smaller {name}, is more private")
    noise = controls["noise_multiplier"]  # more noise is more private: the right end
    assert noise.description == "noise multiplier (more private \u2192)"
    assert noise.tooltip.startswith("Right, a larger noise multiplier, is more private")
