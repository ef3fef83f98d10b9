"""Layer 3: the explorers, headless (no kernel, no browser).

Controls are moved through ``.set`` or by assigning ``widget.value``, which is
what a browser slider does; the figure is an ``ipywidgets.Image`` whose PNG
bytes must change, and the readout an ``ipywidgets.HTML`` whose text must.
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from frame_checks import frames  # noqa: E402
from ppml_lab.viz import (Explorer, LaplaceGaussianExplorer, NoisyCountExplorer,  # noqa: E402
                          RandomizedResponseExplorer)

CLASSES = {
    NoisyCountExplorer: ("a noisy count", ["epsilon", "resample"], 2),
    RandomizedResponseExplorer: ("randomized response", ["epsilon", "n_people"], 2),
    LaplaceGaussianExplorer: ("Laplace vs Gaussian",
                              ["epsilon", "delta", "sensitivity", "n_rows", "resample"], 4),
}
ONE_ARROW_KEY = 10 ** 0.05  # one step of the epsilon slider from 1.0


@pytest.fixture(scope="module")
def shared():
    """One explorer of each kind for the whole module (building one takes a few 100 ms)."""
    return {cls: cls(rng=0) for cls in CLASSES}


@pytest.fixture(params=list(CLASSES), ids=lambda c: c.__name__)
def explorer(request, shared):
    return shared[request.param]


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_structure_and_css_classes(explorer):
    title, names, _ = CLASSES[type(explorer)]
    assert isinstance(explorer, Explorer)
    assert list(explorer.controls) == names
    for name, control in explorer.controls.items():
        assert f"ppml-control-{name}" in control._dom_classes
    assert isinstance(explorer.figure, widgets.Image)
    assert "ppml-figure" in explorer.figure._dom_classes
    assert isinstance(explorer.readout, widgets.HTML)
    assert "ppml-readout" in explorer.readout._dom_classes
    assert isinstance(explorer.widget, widgets.VBox)
    assert "ppml-explorer" in explorer.widget._dom_classes
    tree = list(_walk(explorer.widget))
    assert explorer.figure in tree and explorer.readout in tree
    assert all(c in tree for c in explorer.controls.values())
    assert not any(isinstance(w, widgets.Output) for w in tree)  # nothing is captured
    assert explorer.figure.format == "png" and explorer.figure.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert explorer.readout.value and explorer.result is not None


def test_epsilon_slider_is_log_with_a_sensible_keyboard_step(explorer):
    slider = explorer.controls["epsilon"]
    assert isinstance(slider, widgets.FloatLogSlider) and slider.description.startswith("epsilon")
    assert (slider.base ** slider.min, slider.base ** slider.max) == pytest.approx((0.1, 10))
    assert slider.step == pytest.approx(0.05)  # one arrow key: epsilon x 1.12; 40 steps in all
    assert slider.continuous_update


def test_mimebundle_has_stable_text_and_a_widget_view(explorer):
    title = CLASSES[type(explorer)][0]
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"] == f"Explorer: {title}" == repr(explorer)
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == explorer.widget.model_id
    assert explorer._repr_mimebundle_(include=None, exclude=None)["text/plain"] == repr(explorer)


def test_one_arrow_key_on_epsilon_changes_figure_and_readout(explorer):
    explorer.set(epsilon=1.0)
    before_png, before_text = explorer.figure.value, explorer.readout.value
    explorer.controls["epsilon"].value = ONE_ARROW_KEY  # what the browser sends
    assert explorer.figure.value != before_png
    assert explorer.readout.value != before_text
    assert explorer.result.epsilon == pytest.approx(ONE_ARROW_KEY)
    assert "1.12" in explorer.readout.value
    assert 0 < explorer.last_update_seconds < 5
    explorer.set(epsilon=1.0)
    assert explorer.figure.value == before_png  # common random numbers: back to the same picture


def test_every_control_redraws(explorer):
    for name, control in explorer.controls.items():
        before = explorer.figure.value
        if name == "resample":
            control.click()
        else:
            options = getattr(control, "options", None)
            if options is not None:
                value = [v for _, v in options if v != control.value][0]
            elif isinstance(control, widgets.FloatLogSlider):
                value = control.base ** ((control.min + control.max) / 2 + 0.5 * control.step)
            else:
                value = control.max
            explorer.set(**{name: value})
            assert explorer.values[name] == pytest.approx(value)
        assert explorer.figure.value != before, name


def test_same_seed_same_picture_and_other_seed_other_noise():
    a, b = NoisyCountExplorer(rng=0), NoisyCountExplorer(rng=0)
    assert a.figure.value == b.figure.value and a.readout.value == b.readout.value
    c = NoisyCountExplorer(rng=1)
    assert not np.array_equal(c.result.releases, a.result.releases)
    generator = np.random.default_rng(0)  # a notebook's rng is accepted too
    assert NoisyCountExplorer(rng=generator).result.epsilon == 1.0


def test_epsilon_rescales_the_same_noise():
    ex = NoisyCountExplorer(rng=3)
    noise = ex.result.releases - 42
    ex.set(epsilon=0.5)
    np.testing.assert_allclose(ex.result.releases - 42, 2 * noise, atol=1e-12)


def test_resample_draws_fresh_noise_and_keeps_the_controls():
    ex = NoisyCountExplorer(rng=0, epsilon=0.5)
    before = ex.result.releases.copy()
    ex.resample()
    assert not np.array_equal(ex.result.releases, before)
    assert ex.values["epsilon"] == 0.5
    again = NoisyCountExplorer(rng=0, epsilon=0.5)
    again.controls["resample"].click()  # the button does the same, reproducibly
    np.testing.assert_array_equal(again.result.releases, ex.result.releases)


def test_readouts_in_plain_words(shared):
    ex = shared[LaplaceGaussianExplorer]
    ex.set(epsilon=1.0, delta=1e-5, sensitivity=1.0, n_rows=1000)
    assert ("At epsilon = 1.00 the Laplace release lets an attacker who starts 50/50 on whether "
            "Alice is in the data end at most 73% sure") in ex.readout.value
    # delta is not "the probability that the bound fails": the loss exceeds epsilon 16x as often
    assert "probability 1.6e-04 (16 times delta, not delta)" in ex.readout.value
    assert "of the mean of the same rows" in ex.readout.value
    ex.set(epsilon=2.0)
    assert "at most 88% sure" in ex.readout.value
    rr = shared[RandomizedResponseExplorer]
    rr.set(epsilon=1.0, n_people=10000)
    assert "With 10,000 people" in rr.readout.value and "at most 73% sure" in rr.readout.value


def test_initial_values_and_their_checks():
    ex = RandomizedResponseExplorer(epsilon=2.0, n_people=100, true_rate=0.5, rng=0)
    assert ex.values == {"epsilon": 2.0, "n_people": 100}
    assert ex.result.true_rate == 0.5
    with pytest.raises(ValueError, match="`epsilon` must be a positive finite number"):
        NoisyCountExplorer(epsilon=-1)
    with pytest.raises(ValueError, match="`n_people` must be one of the slider's values"):
        RandomizedResponseExplorer(n_people=1234)
    with pytest.raises(ValueError, match="`true_rate` must be"):
        RandomizedResponseExplorer(true_rate=2.0)
    with pytest.raises(ValueError, match=r"`delta` must be a number from 1e-10 to 0.01"):
        LaplaceGaussianExplorer(delta=0.5)
    with pytest.raises(ValueError, match="`dpi` must be"):
        NoisyCountExplorer(dpi=5)


def test_set_refuses_what_a_slider_cannot_do(shared):
    ex = NoisyCountExplorer(rng=0)
    before = ex.figure.value
    with pytest.raises(ValueError, match=r"`epsilon` must be a number from 0.1 to 10 \(the "
                                         r"slider's range\); got 50"):
        ex.set(epsilon=50)
    with pytest.raises(TypeError, match="`epsilon` must be"):
        ex.set(epsilon=True)
    with pytest.raises(TypeError, match="`name` must be one of the controls 'epsilon'; got 'eps'"):
        ex.set(eps=0.5)
    with pytest.raises(TypeError, match="`name` must be one of the controls"):
        ex.set(resample=True)
    assert ex.figure.value == before and ex.values["epsilon"] == 1.0
    lg = shared[LaplaceGaussianExplorer]
    lg.set(epsilon=1.0)
    with pytest.raises(ValueError, match="`sensitivity`"):
        lg.set(epsilon=0.5, sensitivity=100)  # checked before any slider moves
    assert lg.values["epsilon"] == 1.0


def test_static_figure_small_multiples(explorer):
    before = plt.get_fignums()
    fig = explorer.static_figure()
    assert isinstance(fig, Figure)
    assert len(fig.axes) == len(explorer.static_values) * CLASSES[type(explorer)][2]
    assert "one row per epsilon" in fig.get_suptitle()
    assert plt.get_fignums() == before  # made without pyplot: shown once, as the cell's value


def test_static_figure_shows_as_png_without_the_inline_backend(shared):
    from IPython.core.formatters import DisplayFormatter
    fig = shared[NoisyCountExplorer].static_figure([0.5, 2.0])
    data, _ = DisplayFormatter().format(fig)
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert data["text/plain"] == "<StaticFigure size 900x610 with 4 Axes>"  # stable: strict nbval


def test_static_figure_of_another_control(shared):
    ex = shared[RandomizedResponseExplorer]
    fig = ex.static_figure([100, 10000], parameter="n_people")
    assert len(fig.axes) == 4
    with pytest.raises(ValueError, match="`parameter` must be the name of a control"):
        ex.static_figure(parameter="colour")
    with pytest.raises(TypeError, match="`values` must be"):
        ex.static_figure(parameter="n_people")
    with pytest.raises(ValueError, match="`epsilon` must be a number from 0.1 to 10"):
        ex.static_figure([0.01])


def test_blitted_frame_matches_a_full_drawing(shared):
    ex = shared[LaplaceGaussianExplorer]
    ex.set(epsilon=0.3, delta=1e-8, sensitivity=3.0, n_rows=100)
    png, blit, full = frames(ex)  # the PNG sent, the canvas it came from, a full drawing
    assert png.shape == blit.shape
    assert np.abs(png - blit).mean() < 1.0  # the 256-colour palette changes nothing visible
    differ = np.any(blit != full, axis=2)
    # only drawing order differs (a data line over an axis spine): a handful of pixels
    assert differ.mean() < 1e-3


def test_updates_are_fast_enough_for_a_slider(shared):
    ex = shared[LaplaceGaussianExplorer]
    times = []
    for value in np.geomspace(0.2, 5, 6):
        ex.set(epsilon=float(value))
        times.append(ex.last_update_seconds)
    assert math.isfinite(np.median(times)) and np.median(times) < 1.0  # benchmark: ~40 ms


def test_every_privacy_slider_marks_its_more_private_end(explorer):
    from ppml_lab.viz.explorers import MORE_PRIVATE

    privacy = {"epsilon", "delta"}
    marked = {name for name, c in explorer.controls.items()
              if MORE_PRIVATE in getattr(c, "description", "")}
    assert marked == privacy & set(explorer.controls)
    for name in marked:
        control = explorer.controls[name]
        assert control.description == f"{name} (\u2190 more private)"
        assert "more private" in control.tooltip
        # the left end is the more private one: the slider's minimum is the smaller value
        assert control.min < control.max


def test_count_and_mean_are_over_the_same_rows(shared):
    ex = shared[LaplaceGaussianExplorer]
    ex.set(n_rows=3000)
    assert ex.result.count.true_value == 3000 and ex.result.n_rows == 3000
    assert "count of 3,000 rows" in ex.readout.value
    ex.set(n_rows=1000)
