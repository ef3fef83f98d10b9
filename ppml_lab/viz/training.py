"""Accuracy against epsilon of DP training: the plot and the explorer of notebook 05.

Layer 2 (:func:`plot_accuracy_curve`) draws an
:class:`~ppml_lab.dp.training_experiments.AccuracyCurve`; layer 3
(:class:`DPTrainingExplorer`) wires an epsilon slider, a clipping-norm slider
and an epochs slider to :func:`~ppml_lab.dp.training_experiments.accuracy_curve`
and to the plot. Moving epsilon moves the current point along the cached curve
(``n_seeds`` fits at most); moving ``clip_norm`` or ``epochs`` recomputes the
curve.

Introduced in notebook 05.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, NullFormatter

from .._random import SeedLike
from .._validation import check_bounds, check_choice, check_delta, check_integer, fail
from ..datasets import DATASETS
from ..dp.training_experiments import AccuracyCurve, AccuracyPoint, accuracy_curve
from ._explorer import Explorer, StaticFigure, epsilon_slider
from .plots import (BLACK, BLUE, EPSILON_LABEL, GREY, VERMILLION, _DRAWN, _TITLE_SIZE, _get_ax,
                    _legend, _percent, _plain, _relabel, _reusable)

__all__ = ["plot_accuracy_curve", "DPTrainingExplorer"]

_WIDE = {"description_width": "initial"}
#: What each control means for privacy, shown under it (the slider's own row stays unchanged).
#: Epsilon is the only privacy knob: its left end is the more private one. The clipping norm
#: and the number of epochs change the model, not the guarantee: at a fixed epsilon the noise
#: is recalibrated for them.
_EPSILON_NOTE = "\u2190 more private \u00b7 less private \u2192"
_SAME_PRIVACY = "same privacy: epsilon fixes it"
_TOOLTIPS = {
    "epsilon": ("Left, a smaller epsilon, is more private: more noise. Right is less private "
                "and more accurate."),
    "clip_norm": "Changes the model, not the privacy: at a fixed epsilon the noise is recalibrated.",
    "epochs": "Changes the model, not the privacy: at a fixed epsilon the noise is recalibrated.",
}
_NOTE_STYLE = ("font-size: 11px; color: #555; line-height: 1.2; display: flex; "
               "justify-content: space-between; white-space: nowrap; "
               "padding: 0 {right}px 0 {left}px")


def plot_accuracy_curve(result: AccuracyCurve, *, ax: Axes | None = None,
                        current: AccuracyPoint | float | None = None,
                        ylim: tuple[float, float] | None = None) -> Axes:
    """Draw an :class:`~ppml_lab.dp.training_experiments.AccuracyCurve`: accuracy vs epsilon.

    The median test accuracy over seeds is a blue line on a log epsilon axis,
    the band around it spans the lowest to the highest seed, the non-private
    baseline is a dashed black line, and the current point (if given) is a
    vermillion dot with its own spread as a vertical bar.

    Parameters
    ----------
    result : AccuracyCurve
    ax : Axes, optional
        Where to draw; by default a new figure.
    current : AccuracyPoint or float, optional
        The point to mark, or an epsilon (then ``result.at(current)``).
    ylim : (float, float), optional
        Accuracy range; by default (0.5, 1) if every seed is right on at least
        half of the test cases, else (0, 1). Keep it fixed to compare results.

    Returns
    -------
    Axes

    Examples
    --------
    >>> from ppml_lab.dp.training_experiments import accuracy_curve
    >>> curve = accuracy_curve(epsilons=[0.1, 1.0, 10.0], n_seeds=3, rng=0)
    >>> ax = plot_accuracy_curve(curve, current=1.0)
    >>> ax.get_xscale(), tuple(float(y) for y in ax.get_ylim())
    ('log', (0.5, 1.0))
    >>> ax.get_legend().get_texts()[1].get_text()
    'non-private: 96%'
    """
    if not isinstance(result, AccuracyCurve):
        raise fail("result", "an AccuracyCurve", result,
                   "Pass the result of accuracy_curve(...).", kind=TypeError)
    ax = _get_ax(ax)
    if current is not None and not isinstance(current, AccuracyPoint):
        current = result.at(current)
    if ylim is None:
        ylim = (0.5, 1.0) if float(np.min(result.low, initial=1.0)) >= 0.5 else (0.0, 1.0)
    ylim = check_bounds(ylim, "ylim", fix="Pass e.g. ylim=(0.5, 1.0).")
    eps = np.asarray(result.epsilons, dtype=float)
    if current is None:
        now_x, now_y, bar = [np.nan], [np.nan], ([np.nan, np.nan], [np.nan, np.nan])
        title = f"Test accuracy on {result.data_name} against epsilon"
    else:
        now_x, now_y = [current.epsilon], [current.median]
        bar = ([current.epsilon] * 2, [current.low, current.high])
        title = (f"At epsilon = {current.epsilon:.2f}: {100 * current.median:.0f}% "
                 f"(non-private {100 * result.baseline:.0f}%)")
    labels = {"median": f"DP model: median of {result.n_seeds} seeds",
              "baseline": f"non-private: {100 * result.baseline:.0f}%"}
    signature = ("accuracy", ylim, eps.size, float(eps[0]), float(eps[-1]))
    drawn = _reusable(ax, signature)
    if drawn is None:
        ax.cla()
        drawn = {"now": ax.axvline(now_x[0], color=GREY, linewidth=1.0, linestyle=":"),
                 "band": ax.fill_between(eps, result.low, result.high, color=BLUE, alpha=0.2,
                                         linewidth=0, label="spread (lowest to highest seed)")}
        drawn["median"], = ax.plot(eps, result.median, color=BLUE, linewidth=1.8, marker="o",
                                   markersize=4, label=labels["median"])
        drawn["baseline"] = ax.axhline(result.baseline, color=BLACK, linewidth=1.4,
                                       linestyle="--", label=labels["baseline"])
        drawn["bar"], = ax.plot(*bar, color=VERMILLION, linewidth=2.0, marker="_",
                                markersize=8, markeredgewidth=2.0, zorder=3)  # an error bar
        drawn["point"], = ax.plot(now_x, now_y, linestyle="none", marker="o", markersize=8,
                                  color=VERMILLION, zorder=4)
        ax.set_xscale("log")
        ax.set_xlim(float(eps[0]) / 1.1, float(eps[-1]) * 1.1)
        ax.set_ylim(*ylim)
        ax.xaxis.set_major_formatter(FuncFormatter(_plain))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(FuncFormatter(_percent))
        ax.set_xlabel(EPSILON_LABEL)
        ax.set_ylabel("test accuracy")
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        drawn["legend"] = _legend(ax, "lower right",
                                  [drawn["median"], drawn["baseline"], drawn["band"]])
        _DRAWN[ax] = (signature, drawn)
    else:
        drawn["now"].set_xdata([now_x[0]] * 2)
        drawn["band"].set_data(eps, result.low, result.high)
        drawn["median"].set_data(eps, result.median)
        drawn["median"].set_label(labels["median"])
        drawn["baseline"].set_ydata([result.baseline] * 2)
        drawn["baseline"].set_label(labels["baseline"])
        drawn["bar"].set_data(*bar)
        drawn["point"].set_data(now_x, now_y)
        _relabel(drawn)
    ax.set_title(title, fontsize=_TITLE_SIZE)
    return ax


def _float_options(values: tuple[float, ...]) -> list[tuple[str, float]]:
    return [(f"{v:g}", v) for v in values]


def _note(text: str, *, left: int, split: bool = False) -> widgets.HTML:
    """A small line under a control; with ``split`` its two halves go to the two ends."""
    if split:
        low, high = text.split(" \u00b7 ")
        body = f"<span>{low}</span><span>{high}</span>"
    else:
        body = f"<span>{text}</span>"
    style = _NOTE_STYLE.format(left=left, right=52 if split else 0)  # 52: the readout
    note = widgets.HTML(f'<div style="{style}">{body}</div>')
    note.add_class("ppml-privacy-note")
    return note


class DPTrainingExplorer(Explorer):
    """Notebook 05: how accurate is a DP model, and what does each knob do?

    Controls: ``epsilon`` (log slider, 0.1 to 10), ``clip_norm`` (0.1 to 2)
    and ``epochs`` (10 to 200 full-batch steps). Under the epsilon slider a
    note marks its left end "more private"; under the other two, a note says
    they leave the privacy alone (at a fixed epsilon the noise is recalibrated
    for them; :attr:`privacy_notes`). The figure shows the test
    accuracy of :class:`~ppml_lab.dp.DPLogisticRegression` against epsilon
    (median line and lowest-to-highest band over ``n_seeds`` seeds) beside
    the non-private baseline, with the current epsilon marked
    (:func:`~ppml_lab.dp.training_experiments.accuracy_curve`). The seeds are
    the explorer's, the same at every move.

    Moving epsilon moves the point along the cached curve (at most
    ``n_seeds`` fits: 20 ms for a known point, a median of about 60 ms on a
    first sweep of the slider, up to about 0.2 s where a new epsilon must be
    calibrated); moving ``clip_norm`` or ``epochs`` recomputes the curve
    (median about 0.35 s, up to about 1.2 s for 200 epochs), and each setting
    visited is cached, so coming back is instant.

    Parameters
    ----------
    epsilon : float, default 1.0
    clip_norm : float, default 1.0
        One of 0.1, 0.2, 0.5, 1, 2.
    epochs : int, default 60
        One of 10, 20, 30, 60, 100, 200.
    data_name : {"breast_cancer", "digits", "synthetic"}, default "breast_cancer"
        Chosen at construction (digits and synthetic are 3 to 8 times slower).
    n_seeds : int, default 5
    delta : float, default 1e-5
    rng : None, int or numpy.random.Generator
        Where the explorer's seeds come from.
    dpi : float, default 90

    Examples
    --------
    >>> ex = DPTrainingExplorer(rng=0)
    >>> ex
    Explorer: DP training
    >>> curve = ex.result.curve
    >>> ex.set(epsilon=10.0)
    >>> ex.result.curve is curve  # epsilon moves along the same curve
    True
    >>> ex.set(clip_norm=0.5)
    >>> ex.result.curve is curve
    False
    """

    title = "DP training"
    panel_shape = (1, 1)
    figsize = (8.0, 4.4)
    static_row_size = (8.0, 3.6)
    static_values = (0.1, 1.0, 2.0)
    clip_norms = (0.1, 0.2, 0.5, 1.0, 2.0)
    epoch_choices = (10, 20, 30, 60, 100, 200)

    def __init__(self, *, epsilon: float = 1.0, clip_norm: float = 1.0, epochs: int = 60,
                 data_name: str = "breast_cancer", n_seeds: int = 5, delta: float = 1e-5,
                 rng: SeedLike = None, dpi: float = 90.0) -> None:
        self.data_name = check_choice(data_name, "data_name", DATASETS,
                                      fix='Pass e.g. data_name="breast_cancer".')
        self.n_seeds = check_integer(n_seeds, "n_seeds", minimum=1, maximum=50,
                                     fix="Pass e.g. n_seeds=5.")
        self.delta = check_delta(delta)
        self.ylim = (0.0, 1.0) if self.data_name == "digits" else (0.5, 1.0)
        super().__init__(rng=rng, dpi=dpi, epsilon=epsilon, clip_norm=clip_norm, epochs=epochs)
        self._mark_privacy_direction()

    #: The note under each control (see ``_EPSILON_NOTE``), by control name.
    privacy_notes = {"epsilon": _EPSILON_NOTE, "clip_norm": _SAME_PRIVACY,
                     "epochs": _SAME_PRIVACY}

    def _mark_privacy_direction(self) -> None:
        """Put a note under each slider: which end of epsilon is more private, and that the
        other two leave the guarantee alone. The slider widgets themselves (and their CSS
        classes ``ppml-control-<name>``) are unchanged; only the row that holds them is."""
        row = self.widget.children[0]
        boxes = []
        for name, control in self.controls.items():
            note = _note(self.privacy_notes[name], left=58 if name == "epsilon" else 70,
                         split=(name == "epsilon"))
            control.tooltip = _TOOLTIPS[name]
            boxes.append(widgets.VBox([control, note], layout=widgets.Layout(
                width=control.layout.width, margin="0 12px 0 0")))
        row.children = tuple(boxes)

    def _make_controls(self) -> dict[str, widgets.Widget]:
        return {
            "epsilon": epsilon_slider(),
            "clip_norm": widgets.SelectionSlider(
                options=_float_options(self.clip_norms), value=1.0, description="clip_norm",
                continuous_update=True, style=_WIDE, layout=widgets.Layout(width="280px")),
            "epochs": widgets.SelectionSlider(
                options=[(str(v), v) for v in self.epoch_choices], value=60,
                description="epochs", continuous_update=True, style=_WIDE,
                layout=widgets.Layout(width="300px")),
        }

    def _compute(self, values: dict[str, Any], seed: int) -> AccuracyPoint:
        curve = accuracy_curve(self.data_name, clip_norm=values["clip_norm"],
                               epochs=values["epochs"], n_seeds=self.n_seeds, delta=self.delta,
                               rng=seed)
        return curve.at(values["epsilon"])

    def _plot(self, result: Any, axes: np.ndarray) -> None:
        plot_accuracy_curve(result.curve, ax=axes[0], current=result, ylim=self.ylim)

    def _readout(self, result: Any) -> str:
        return (f"{result.summary()} (clip_norm = {result.clip_norm:g}, {result.steps} epochs, "
                f"delta = {result.delta:.0e}.)")

    def static_figure(self, values: Any = None, *, parameter: str = "clip_norm") -> StaticFigure:
        """Small multiples: one row per clipping norm (by default 0.1, 1 and 2).

        Any other control can be varied instead, e.g.
        ``static_figure([20, 60, 200], parameter="epochs")``.
        """
        if values is None and parameter == "clip_norm":
            values = self.static_values
        return super().static_figure(values, parameter=parameter)
