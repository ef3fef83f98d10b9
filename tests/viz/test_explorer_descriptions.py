"""Every explorer's figure says what it shows in words, and every control works by keyboard.

The figure is an ``<img>``; its accessible name (what a screen reader reads
for it) is the ``title`` that ipywidgets writes from the widget's ``tooltip``
(:class:`ppml_lab.viz._explorer.DescribedImage`). These tests check, for every
explorer class of :mod:`ppml_lab.viz` (found by name), that this text is the
readout's, and that it changes when any control moves. The browser test checks
that Chromium gives the ``<img>`` that name (``tests/browser``).
"""

from __future__ import annotations

import html
import re

import ipywidgets as widgets
import matplotlib

matplotlib.use("Agg")

import pytest
from viz_discovery import EXPLORERS, other_value

from ppml_lab.viz._explorer import DescribedImage

#: Control types whose ipywidgets 8 views are operable by keyboard alone: a slider's handle
#: takes focus (Tab) and moves with the arrow keys, PageUp/PageDown, Home and End; toggle
#: buttons and buttons are <button> elements (Tab, then Enter or Space).
KEYBOARD_OPERABLE = (widgets.IntSlider, widgets.FloatSlider, widgets.FloatLogSlider,
                     widgets.SelectionSlider, widgets.ToggleButtons, widgets.Button,
                     widgets.Dropdown, widgets.Checkbox, widgets.ToggleButton)


@pytest.fixture(scope="module")
def made():
    return {}


@pytest.fixture(params=sorted(EXPLORERS))
def explorer(request, made):
    if request.param not in made:
        made[request.param] = EXPLORERS[request.param](rng=0)
    return made[request.param]


def _readout_text(explorer) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", explorer.readout.value))


def test_the_figure_is_described_by_the_readout(explorer):
    assert isinstance(explorer.figure, DescribedImage)
    words = _readout_text(explorer)
    assert len(words) > 40
    assert explorer.description == f"Figure of the explorer '{explorer.title}'. {words}"
    state = explorer.figure.get_state()
    # what the front end gets: the tooltip (written into the <img>'s title) and an empty
    # description, without which ipywidgets 8 neither writes the title nor renders the view
    assert state["tooltip"] == explorer.description and state["description"] == ""
    assert state["_view_name"] == "ImageView"


def test_the_description_follows_every_control(explorer):
    for name in explorer._value_names:
        before = explorer.description
        explorer.set(**{name: other_value(explorer.controls[name])})
        after = explorer.description
        assert after != before, f"{type(explorer).__name__}: moving {name} left it unchanged"
        assert after.endswith(_readout_text(explorer)), name


def test_the_description_never_lags_the_picture(explorer):
    """The description is set before the image, so a screen reader never reads the old one."""
    order = []
    explorer.figure.observe(lambda change: order.append(change["name"]),
                            names=["tooltip", "value"])
    name = explorer._value_names[0]
    explorer.set(**{name: other_value(explorer.controls[name])})
    assert order == ["tooltip", "value"]


def test_text_plain_stays_the_short_stable_repr(explorer):
    """Strict nbval compares it in the committed notebooks."""
    assert explorer._repr_mimebundle_()["text/plain"] == f"Explorer: {explorer.title}"


def test_every_control_is_operable_by_keyboard_and_labelled_in_view(explorer):
    for name, control in explorer.controls.items():
        assert isinstance(control, KEYBOARD_OPERABLE), (
            f"{name}: {type(control).__name__} is not known to work by keyboard")
        assert control.tabbable is not False and not control.disabled, name
        # the label is on screen, not only in a tooltip that needs a mouse
        assert control.description.strip(), f"{name} has no visible label"
