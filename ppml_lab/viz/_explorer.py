"""The base class of the explorers (layer 3 of a visual).

An explorer wires ipywidgets controls to a compute function (layer 1,
:mod:`ppml_lab.dp.experiments`) and a plot function (layer 2,
:mod:`ppml_lab.viz.plots`), and does nothing else:

    control moved -> compute(values, seed) -> plot(result, axes) -> PNG -> Image widget

Design choices, each for a reason:

* **Nothing is captured through an Output widget.** The figure is drawn with
  matplotlib's object-oriented API on one reused :class:`~matplotlib.figure.Figure`
  (Agg canvas, no pyplot) and set as the bytes of an :class:`ipywidgets.Image`.
  A notebook cell that shows an explorer therefore has one output, the widget
  view, and strict nbval can compare it.
* **Common random numbers.** One seed is drawn from ``rng`` when the explorer
  is made and reused on every move, so the picture changes only by the
  parameter's effect. The *resample* button (where fresh noise is the lesson)
  draws a new seed.
* **Controls are exposed.** ``explorer.controls[name]`` is the widget;
  :meth:`Explorer.set` assigns ``widget.value`` exactly as a moved slider
  does, so tests and benchmarks exercise the same path as a user.
* **A static figure.** :meth:`Explorer.static_figure` draws small multiples
  across a few values, for notebooks read on GitHub or on paper.
* **The figure says what it shows, in words.** The readout's text, which
  states the lesson of the current setting, is also the figure's accessible
  name (:attr:`Explorer.description`): a screen reader reads it for the image
  and it changes with every move (see :class:`DescribedImage`).
"""

from __future__ import annotations

import html
import io
import math
import time
from typing import Any, ClassVar, Sequence

import ipywidgets as widgets
import numpy as np
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

from .._random import SeedLike, as_generator
from .._validation import check_real, fail
from .plots import dynamic_artists

__all__ = ["Explorer", "StaticFigure", "DescribedImage", "epsilon_slider"]


class StaticFigure(Figure):
    """A matplotlib Figure that Jupyter shows as a PNG, made without pyplot.

    Not being a pyplot figure, it is shown once (as the cell's value, not a
    second time when the cell ends), and it does not depend on the inline
    backend having been set up: ``_repr_png_`` draws it.
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


class DescribedImage(widgets.Image):
    """An :class:`ipywidgets.Image` whose ``tooltip`` is the ``<img>``'s text alternative.

    ipywidgets 8 cannot set ``alt`` or ``aria-label`` on the ``<img>`` it
    renders, but its views write a widget's ``tooltip`` into the element's
    ``title`` attribute, and for an ``<img>`` without ``alt`` the title is what
    browsers give screen readers as the image's accessible name (HTML-AAM).
    The view writes the title only when the widget's ``description`` is empty,
    and reads ``description`` without checking that the widget has one: on a
    plain ``Image``, which has none, a tooltip breaks the view
    (jupyter-widgets/ipywidgets#3860). This subclass syncs an empty
    ``description``, so the title is set, and follows every change of the
    tooltip.
    """

    description = traitlets.Unicode("", help="Kept empty: see the class docstring.").tag(
        sync=True)


#: How a privacy slider marks its more private end, in its description.
MORE_PRIVATE = "\u2190 more private"
MORE_PRIVATE_RIGHT = "more private \u2192"


def privacy_slider(slider: widgets.Widget, name: str, *, more_private: str = "left",
                   why: str = "more noise") -> widgets.Widget:
    """Mark which end of a privacy parameter's slider is more private, in its description.

    ``more_private`` is ``"left"`` (smaller epsilon, delta, sampling rate, fewer
    steps) or ``"right"`` (a larger noise multiplier); ``why`` goes in the tooltip.
    """
    left = more_private == "left"
    slider.description = f"{name} ({MORE_PRIVATE if left else MORE_PRIVATE_RIGHT})"
    slider.tooltip = (f"{'Left' if left else 'Right'}, a {'smaller' if left else 'larger'} "
                      f"{name}, is more private: {why}. The other end is less private and more "
                      "accurate.")
    return slider


def epsilon_slider(value: float = 1.0) -> widgets.FloatLogSlider:
    """The epsilon slider of every explorer: 0.1 to 10 on a log scale.

    One step (an arrow key) multiplies epsilon by 10**0.05, about 1.12, so 40
    steps cover the range and every step visibly changes the picture.
    """
    return widgets.FloatLogSlider(
        value=value, base=10.0, min=-1.0, max=1.0, step=0.05, description="epsilon",
        readout_format=".2f", continuous_update=True, style={"description_width": "initial"},
        layout=widgets.Layout(width="340px"))


def _choices(control: Any) -> list[Any] | None:
    """The allowed values of a selection slider (options may be (label, value) pairs)."""
    options = getattr(control, "options", None)
    if options is None:
        return None
    return [o[1] if isinstance(o, tuple) else o for o in options]


class Explorer:
    """Base class: controls, a figure (``ipywidgets.Image``) and a plain-words readout.

    Subclasses define :meth:`_make_controls`, :meth:`_compute`, :meth:`_plot`
    and :meth:`_readout`, and the class attributes below.

    Attributes
    ----------
    controls : dict of str to ipywidgets.Widget
        The controls by name; each has the CSS class ``ppml-control-<name>``.
    figure : DescribedImage
        The current figure as PNG bytes (CSS class ``ppml-figure``); its
        ``tooltip`` is :attr:`description`, the image's accessible name.
    readout : ipywidgets.HTML
        What the figure says, in plain words (CSS class ``ppml-readout``).
    widget : ipywidgets.VBox
        Controls, figure and readout together (CSS class ``ppml-explorer``).
    result : object
        The record returned by the last computation.
    last_update_seconds : float
        Wall time of the last update, from reading the controls to setting the
        image.
    """

    title: ClassVar[str] = "explorer"
    #: rows and columns of the live figure, and its size in inches
    panel_shape: ClassVar[tuple[int, int]] = (1, 2)
    figsize: ClassVar[tuple[float, float]] = (9.0, 3.2)
    #: size in inches of one row of the static figure, and the default values shown
    static_row_size: ClassVar[tuple[float, float]] = (9.0, 2.9)
    static_values: ClassVar[tuple[float, ...]] = (0.25, 1.0, 4.0)
    resample_button: ClassVar[bool] = False

    def __init__(self, *, rng: SeedLike = None, dpi: float = 90.0, **initial: Any) -> None:
        """Build the controls, set them to ``initial`` values, draw the first figure."""
        self._seeds = as_generator(rng)
        self._seed = self._new_seed()
        dpi = check_real(dpi, "dpi", fix="Pass e.g. dpi=90.")
        if not 20 <= dpi <= 400:
            raise fail("dpi", "a number between 20 and 400", dpi, "Pass e.g. dpi=90.")

        self.controls: dict[str, widgets.Widget] = dict(self._make_controls())
        self._value_names = [n for n, c in self.controls.items() if hasattr(c, "value")]
        for name, value in self._check_values(initial).items():  # no observer yet: no redraw
            self.controls[name].value = value
        if self.resample_button:
            button = widgets.Button(description="resample", icon="refresh",
                                    tooltip="draw fresh noise (a new seed)")
            button.on_click(lambda _button: self.resample())
            self.controls["resample"] = button
        for name, control in self.controls.items():
            control.add_class(f"ppml-control-{name}")
            if name in self._value_names:
                control.observe(self._on_change, names="value")

        self.figure = DescribedImage(format="png",
                                     layout=widgets.Layout(max_width="100%", height="auto"))
        self.figure.add_class("ppml-figure")
        self.readout = widgets.HTML()
        self.readout.add_class("ppml-readout")
        row = widgets.HBox(list(self.controls.values()),
                           layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        self.widget = widgets.VBox([row, self.figure, self.readout])
        self.widget.add_class("ppml-explorer")

        # one Figure for the life of the explorer: laid out once, then only redrawn
        self._fig = Figure(figsize=self.figsize, dpi=dpi, layout="constrained")
        FigureCanvasAgg(self._fig)
        self._axes = np.asarray(self._fig.subplots(*self.panel_shape, squeeze=False)).ravel()
        self.result: Any = None
        self.last_update_seconds = math.nan
        self._background: Any = None  # see _render
        self._tokens: list[Any] = []
        self.update()
        self._fig.set_layout_engine("none")  # keep the first layout: later draws are faster

    # --- what subclasses define -----------------------------------------------------------------
    def _make_controls(self) -> dict[str, widgets.Widget]:
        raise NotImplementedError

    def _compute(self, values: dict[str, Any], seed: int) -> Any:
        raise NotImplementedError

    def _plot(self, result: Any, axes: np.ndarray) -> None:
        raise NotImplementedError

    def _readout(self, result: Any) -> str:
        raise NotImplementedError

    # --- the public surface ---------------------------------------------------------------------
    @property
    def values(self) -> dict[str, Any]:
        """The current value of every control, by name."""
        return {name: self.controls[name].value for name in self._value_names}

    def set(self, **values: Any) -> None:
        """Set controls by name, exactly as moving their sliders would.

        Each value is assigned to the widget's ``value``, so its observers fire
        and the figure and readout are redrawn (once per control that
        changes). Values outside a slider's range are refused, not clipped.

        Examples
        --------
        >>> from ppml_lab.viz import NoisyCountExplorer
        >>> ex = NoisyCountExplorer(rng=0)
        >>> ex.set(epsilon=0.5)
        >>> ex.result.scale
        2.0
        """
        checked = self._check_values(values)  # all of them before moving any slider
        for name, value in checked.items():
            self.controls[name].value = value

    def update(self) -> Any:
        """Recompute, redraw the figure and the readout; return the new result."""
        start = time.perf_counter()
        result = self._compute(self.values, self._seed)
        self._plot(result, self._axes)
        png = self._render()
        self.result = result
        words = self._readout(result)
        self.readout.value = ('<div style="font-size: 14px; line-height: 1.45; max-width: 760px">'
                              + html.escape(words) + "</div>")
        self.figure.tooltip = self._describe(words)  # before the image: it is never stale
        self.figure.value = png
        self.last_update_seconds = time.perf_counter() - start
        return result

    @property
    def description(self) -> str:
        """The figure's text alternative: what it shows, in the readout's words.

        It is the image's accessible name (a screen reader reads it for the
        figure) and changes with every move of a control.

        Examples
        --------
        >>> from ppml_lab.viz import NoisyCountExplorer
        >>> ex = NoisyCountExplorer(rng=0)
        >>> ex.description.startswith("Figure of the explorer 'a noisy count'")
        True
        """
        return self.figure.tooltip or ""

    def _describe(self, words: str) -> str:
        return f"Figure of the explorer '{self.title}'. {words}"

    def resample(self) -> Any:
        """Draw fresh noise (a new seed from ``rng``) and redraw."""
        self._seed = self._new_seed()
        return self.update()

    def static_figure(self, values: Sequence[Any] | None = None, *,
                      parameter: str = "epsilon") -> Figure:
        """Small multiples: one row of the explorer's panels per value of ``parameter``.

        The other controls keep their current values and the seed is the
        explorer's, so the rows differ only by ``parameter``. For notebooks
        read on GitHub, nbviewer or paper.

        Parameters
        ----------
        values : sequence, optional
            Values of ``parameter``; by default a few epsilons
            (:attr:`static_values`).
        parameter : str, default "epsilon"
            Name of a control.

        Returns
        -------
        StaticFigure
            A :class:`matplotlib.figure.Figure` made without pyplot, so it is
            displayed once, as the cell's value (a PNG).
        """
        if parameter not in self._value_names:
            raise fail("parameter", "the name of a control: " +
                       ", ".join(map(repr, self._value_names)), parameter)
        if values is None:
            if parameter != "epsilon":
                raise fail("values", f"a sequence of values of {parameter!r}", values,
                           f"Pass e.g. values=[...] of the {parameter} slider.", kind=TypeError)
            values = self.static_values
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise fail("values", "a non-empty sequence of values", values,
                       "Pass e.g. values=[0.25, 1.0, 4.0].", kind=TypeError)
        checked = [self._check_value(parameter, v) for v in values]
        width, height = self.static_row_size
        n_panels = int(np.prod(self.panel_shape))
        fig = StaticFigure(figsize=(width, height * len(checked) + 0.3), dpi=100,
                           layout="constrained")
        FigureCanvasAgg(fig)
        settings = {k: v for k, v in self.values.items() if k != parameter}
        others = ", ".join(f"{k} = {self._show(v)}" for k, v in settings.items())
        fig.suptitle(f"{self.title[:1].upper()}{self.title[1:]}: one row per {parameter}"
                     + (f" ({others})" if others else ""), fontsize=12, fontweight="bold")
        for row, value in zip(np.atleast_1d(fig.subfigures(len(checked), 1)), checked):
            row.suptitle(f"{parameter} = {self._show(value)}", fontsize=11, x=0.01, ha="left")
            axes = np.asarray(row.subplots(1, n_panels, squeeze=False)).ravel()
            self._plot(self._compute({**self.values, parameter: value}, self._seed), axes)
        return fig

    # --- plumbing -------------------------------------------------------------------------------
    def _new_seed(self) -> int:
        return int(self._seeds.integers(0, 2**63 - 1))

    def _on_change(self, _change: Any) -> None:
        self.update()

    def _render(self) -> bytes:
        """PNG bytes of the figure.

        Fast path (blitting): the parts of the figure that a plot update does
        not touch (axes, ticks, labels) are drawn once and kept as a bitmap;
        each update restores it and draws only what the plot function changed
        (data, notes, legends, titles). Whenever the plot function rebuilt
        an axes, everything is drawn again.
        """
        canvas = self._fig.canvas
        dynamic = dynamic_artists(self._axes)
        if dynamic is None:
            canvas.draw()
        else:
            tokens, artists = dynamic
            same = (self._background is not None and len(tokens) == len(self._tokens)
                    and all(a is b for a, b in zip(tokens, self._tokens)))
            if not same:
                for artist in artists:
                    artist.set_animated(True)  # left out of canvas.draw()
                canvas.draw()
                self._background = canvas.copy_from_bbox(self._fig.bbox)
                self._tokens = tokens
            else:
                canvas.restore_region(self._background)
            for artist in artists:
                self._fig.draw_artist(artist)
        width, height = canvas.get_width_height()
        image = PILImage.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA",
                                    0, 1)
        buffer = io.BytesIO()
        # a 256-colour palette loses nothing visible on these flat-coloured plots and makes
        # the PNG about 3 times smaller (and no slower to encode) than full colour; the
        # quantiser's near-white is snapped back to the page's white
        indexed = image.convert("RGB").quantize(colors=256, method=PILImage.Quantize.FASTOCTREE)
        palette = np.array(indexed.getpalette(), dtype=np.uint8).reshape(-1, 3)
        palette[palette.min(axis=1) >= 252] = 255
        indexed.putpalette(palette.ravel().tolist())
        indexed.save(buffer, format="png", compress_level=6)
        return buffer.getvalue()

    @staticmethod
    def _show(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.3g}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    def _check_values(self, values: dict[str, Any]) -> dict[str, Any]:
        """Check names and values of controls (see :meth:`_check_value`)."""
        for name in values:
            if name not in self._value_names:
                raise fail("name", "one of the controls " + ", ".join(map(repr, self._value_names)),
                           name, f"For example: .set({self._value_names[0]}=...).",
                           kind=TypeError)
        return {name: self._check_value(name, value) for name, value in values.items()}

    def _check_value(self, name: str, value: Any) -> Any:
        """``value`` if the control ``name`` can take it, else a ValueError or TypeError."""
        control = self.controls[name]
        choices = _choices(control)
        if choices is not None:
            if isinstance(value, bool) or value not in choices:
                raise fail(name, "one of the slider's values " + ", ".join(map(str, choices)),
                           value, "Use the compute function directly for other values.")
            return value
        if isinstance(control, widgets.FloatLogSlider):
            low, high = control.base ** control.min, control.base ** control.max
        else:
            low, high = control.min, control.max
        rule = f"a number from {low:g} to {high:g} (the slider's range)"
        number = check_real(value, name, rule=rule)
        if not low * (1 - 1e-12) <= number <= high * (1 + 1e-12):
            raise fail(name, rule, value, "Use the compute function directly for other values.")
        return number

    def __repr__(self) -> str:
        return f"Explorer: {self.title}"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget view, with a short stable ``text/plain`` (what strict nbval compares)."""
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/plain"] = repr(self)
        return bundle
