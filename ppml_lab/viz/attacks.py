"""Membership inference against a DP model: plot and explorer of notebook 06.

Layer 2 (:func:`plot_membership`) draws a
:class:`~ppml_lab.attacks.experiments.MembershipResult`; layer 3
(:class:`MembershipExplorer`) wires an epsilon slider to
:func:`~ppml_lab.attacks.experiments.membership_experiment` and to it. Colours
follow :mod:`ppml_lab.viz.plots`: the DP model is blue, the overfit random
forest (no DP) vermillion and dashed, the DP model's accuracy blue and
dash-dotted with dots, the accuracy of the same model without DP orange and
dotted, what the guarantee allows is black.

Introduced in notebook 06.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Polygon
from matplotlib.ticker import FuncFormatter, NullFormatter

from .._random import SeedLike
from .._validation import fail
from ..attacks.experiments import (MEMBERSHIP_EPSILONS, MembershipResult, advantage_bound,
                                   membership_experiment)
from ._explorer import Explorer, epsilon_slider, privacy_slider
from .plots import (_DRAWN, _TITLE_SIZE, BLACK, BLUE, EPSILON_LABEL, GREY, ORANGE, VERMILLION,
                    _get_axes, _legend, _plain, _relabel, _reusable)
from .style import direct_label

__all__ = ["plot_membership", "MembershipExplorer"]

_LOW = 1e-3  # the ROC panel is log-log from 0.1% (Carlini et al. 2022): the low-FPR region
_FPR_GRID = np.geomspace(_LOW / 10, 1.0, 300)  # fine near 0, where the ceiling is steep
_NO_DP = {"color": VERMILLION, "linestyle": "--"}
_SAME_NO_DP = {"color": ORANGE, "linestyle": ":"}
_ACCURACY = {"color": BLUE, "linestyle": "-.", "marker": ".", "markersize": 4}
_DP = {"color": BLUE, "linestyle": "-"}
_BOUND = {"color": BLACK, "linestyle": ":"}


def _tidy(ax: Axes, xlabel: str, ylabel: str) -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _roc_xy(curve: Any) -> tuple[np.ndarray, np.ndarray]:
    return curve.fpr, curve.tpr


def _forbidden(result: MembershipResult) -> np.ndarray:
    """Vertices of the region above the (epsilon, delta) ceiling, where no attack can be."""
    top = result.roc_ceiling(_FPR_GRID)
    return np.column_stack([np.r_[_FPR_GRID, _FPR_GRID[0]], np.r_[top, 1.0]])


def _roc_panel(ax: Axes, result: MembershipResult) -> None:
    signature = ("membership-roc",)
    drawn = _reusable(ax, signature)
    dp_label = f"epsilon = {result.epsilon:.2f}: AUC {result.auc:.2f}"
    no_dp_label = f"forest, no DP: AUC {result.overfit_auc:.2f}"
    if drawn is None:
        ax.cla()
        ax.plot([_LOW / 10, 1.0], [_LOW / 10, 1.0], color=GREY, linewidth=1.0, linestyle="-.",
                label="chance (guessing)")
        drawn = {"region": ax.add_patch(Polygon(_forbidden(result), closed=True,
                                                facecolor="#bbbbbb", alpha=0.35,
                                                edgecolor="none",
                                                label="impossible at this epsilon"))}
        drawn["ceiling"], = ax.plot(_FPR_GRID, result.roc_ceiling(_FPR_GRID), linewidth=1.4,
                                    label="most DP allows", **_BOUND)
        drawn["baseline"], = ax.plot(*_roc_xy(result.overfit_roc), linewidth=1.6,
                                     label=no_dp_label, **_NO_DP)
        drawn["dp"], = ax.plot(*_roc_xy(result.roc), linewidth=1.8, label=dp_label, **_DP)
        ax.set_xscale("log", nonpositive="mask")
        ax.set_yscale("log", nonpositive="mask")
        ax.set_xlim(_LOW, 1.0)
        ax.set_ylim(_LOW, 1.0)
        ax.set_aspect("equal", adjustable="box")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{100 * x:g}%"))
            axis.set_minor_formatter(NullFormatter())
        _tidy(ax, "false-positive rate (non-members called members)",
              "true-positive rate (members found)")
        drawn["legend"] = _legend(ax, "upper left", [drawn["dp"], drawn["baseline"],
                                                      drawn["ceiling"], drawn["region"]])
        _DRAWN[ax] = (signature, drawn)
    else:
        drawn["region"].set_xy(_forbidden(result))
        drawn["ceiling"].set_data(_FPR_GRID, result.roc_ceiling(_FPR_GRID))
        drawn["baseline"].set_data(*_roc_xy(result.overfit_roc))
        drawn["baseline"].set_label(no_dp_label)
        drawn["dp"].set_data(*_roc_xy(result.roc))
        drawn["dp"].set_label(dp_label)
        _relabel(drawn)
    ax.set_title(f"Loss-threshold attack, {result.n_models} x {result.n_train} members",
                 fontsize=_TITLE_SIZE)


def _curve_panel(ax: Axes, result: MembershipResult, kind: str) -> None:
    """Advantage (``kind="advantage"``) or empirical epsilon against epsilon."""
    grid = np.asarray(result.epsilons)
    if kind == "advantage":
        bound = np.array([advantage_bound(e, result.delta) for e in grid])
        dp, now, no_dp = result.advantage_curve, result.advantage, result.overfit_advantage
        labels = ("most DP allows", "attack on the DP model", f"attack on the forest: {no_dp:.2f}")
        ylim, ylabel = (0.0, 1.02), "advantage (TPR - FPR); accuracy"
        title = (f"Advantage {now:.2f} (allows {result.advantage_bound:.2f}); "
                 f"accuracy {result.accuracy:.2f}")
    else:
        bound = grid
        dp, now, no_dp = (result.empirical_epsilon_curve, result.empirical_epsilon,
                          result.overfit_empirical_epsilon)
        labels = ("guarantee: epsilon", "audit of the DP model",
                  f"audit of the forest: {no_dp:.2f}")
        ylim, ylabel = (0.0, 10.5), "epsilon"
        title = f"Audit: epsilon >= {now:.2f} (guarantee: <= {result.epsilon:.2f})"
    signature = ("membership-" + kind, grid.size, float(grid[0]), float(grid[-1]))
    drawn = _reusable(ax, signature)
    if drawn is None:
        ax.cla()
        drawn = {"now": ax.axvline(result.epsilon, color=GREY, linewidth=1.0, linestyle=":")}
        drawn["bound"], = ax.plot(grid, bound, linewidth=1.6, label=labels[0], **_BOUND)
        drawn["dp"], = ax.plot(grid, dp, linewidth=1.8, label=labels[1], **_DP)
        drawn["no_dp"] = ax.axhline(no_dp, linewidth=1.6, label=labels[2], **_NO_DP)
        drawn["point"], = ax.plot([result.epsilon], [now], linestyle="none", marker="o",
                                  markersize=7, color=BLUE, zorder=3)
        shown = [drawn["bound"], drawn["dp"], drawn["no_dp"]]
        if kind == "advantage":  # the same pooled sizes at every epsilon: drawn once
            drawn["floor"] = ax.axhspan(0.0, result.advantage_floor, color=GREY, alpha=0.25,
                                        linewidth=0, label="chance alone (95%)")
            drawn["accuracy"], = ax.plot(grid, result.accuracy_curve, linewidth=1.4,
                                         label="DP model's test accuracy", **_ACCURACY)
            drawn["same"] = ax.axhline(result.non_private_accuracy, linewidth=1.6,
                                       **_SAME_NO_DP)
            # direct labels: the legend stays small enough for the empty lower right
            drawn["same_text"] = direct_label(drawn["same"], ax.text(
                float(grid[0]) * 1.08, 0.0, "", fontsize=8, color="#444444", va="bottom"))
            drawn["floor_text"] = ax.text(float(grid[0]) * 1.08, result.advantage_floor + 0.01,
                                          "chance alone (95%)", fontsize=8, color="#444444",
                                          va="bottom")
            shown.append(drawn["accuracy"])
        ax.set_xscale("log")
        ax.set_xlim(float(grid[0]), float(grid[-1]))
        ax.set_ylim(*ylim)
        ax.xaxis.set_major_formatter(FuncFormatter(_plain))
        ax.xaxis.set_minor_formatter(NullFormatter())
        _tidy(ax, EPSILON_LABEL, ylabel)
        drawn["legend"] = _legend(ax, "upper left" if kind == "audit" else "lower right", shown)
        if kind == "advantage":
            drawn["legend"].set_bbox_to_anchor((0.0, 0.05, 1.0, 0.95), transform=ax.transAxes)
        _DRAWN[ax] = (signature, drawn)
    else:
        drawn["now"].set_xdata([result.epsilon, result.epsilon])
        drawn["bound"].set_data(grid, bound)
        drawn["dp"].set_data(grid, dp)
        drawn["no_dp"].set_ydata([no_dp, no_dp])
        drawn["no_dp"].set_label(labels[2])
        drawn["point"].set_data([result.epsilon], [now])
        if kind == "advantage":
            drawn["accuracy"].set_data(grid, result.accuracy_curve)
            drawn["same"].set_ydata([result.non_private_accuracy] * 2)
        _relabel(drawn)
    if kind == "advantage":
        drawn["same_text"].set_y(result.non_private_accuracy + 0.015)
        drawn["same_text"].set_text(f"accuracy without DP: {result.non_private_accuracy:.2f}")
    ax.set_title(title, fontsize=_TITLE_SIZE)


def plot_membership(result: MembershipResult, *, axes: Any = None) -> np.ndarray:
    """Draw a :class:`~ppml_lab.attacks.experiments.MembershipResult` on three panels.

    1. The attack's ROC curve against the DP model and the overfit random
       forest (no DP), with the diagonal (guessing) and, shaded, the region
       that (epsilon, delta)-DP rules out for *any* attack. Both axes are
       logarithmic from 0.1%, so the low false-positive rates that matter for
       privacy (Carlini et al. 2022) fill the panel.
    2. The attack's advantage against epsilon, beside the most the guarantee
       allows and the forest's, over a grey band: what an uninformed attack
       reaches by chance on these many scores (95%); and on the same axis the
       DP model's test accuracy beside that of the same model without DP, so
       that "useful" and "safe" are read off one panel.
    3. The audit's empirical epsilon (a lower bound) against the guaranteed epsilon.

    Parameters
    ----------
    result : MembershipResult
    axes : sequence of 3 Axes, optional
        Where to draw; by default a new figure.

    Returns
    -------
    numpy.ndarray of 3 Axes

    Examples
    --------
    >>> from ppml_lab.attacks.experiments import membership_experiment
    >>> r = membership_experiment(1.0, epsilons=[0.1, 1.0, 10.0], rng=0)
    >>> axes = plot_membership(r)
    >>> axes[0].get_xscale(), axes[0].get_yscale(), axes[2].get_title()
    ('log', 'log', 'Audit: epsilon >= 0.00 (guarantee: <= 1.00)')
    """
    if not isinstance(result, MembershipResult):
        raise fail("result", "a MembershipResult", result,
                   "Pass the result of membership_experiment(...).", kind=TypeError)
    axes = _get_axes(axes, 3, (12.0, 3.8), "axes")
    _roc_panel(axes[0], result)
    _curve_panel(axes[1], result, "advantage")
    _curve_panel(axes[2], result, "audit")
    return axes


class MembershipExplorer(Explorer):
    """Notebook 06: move epsilon and watch a membership attack lose its grip on a DP model.

    Control: ``epsilon`` (log slider, 0.1 to 10, 21 positions: the grid of
    :data:`~ppml_lab.attacks.experiments.MEMBERSHIP_EPSILONS`). Left: the
    loss-threshold attack's ROC against the DP model and an overfit random
    forest (no DP), with the region DP rules out; middle: advantage and the
    DP model's test accuracy against epsilon; right: the audit's empirical
    epsilon beside the guaranteed one. The first drawing trains the models for
    every position of the slider (about 3 s); each move then only redraws.

    Parameters
    ----------
    epsilon : float, default 1.0
        Starting value of the slider.
    data_name, n_train, n_models, delta
        Passed to :func:`~ppml_lab.attacks.experiments.membership_experiment`.
    rng : None, int or numpy.random.Generator
        Seeds the member subsets and the DP noise (the same at every epsilon).
    dpi : float, default 90

    Examples
    --------
    >>> ex = MembershipExplorer(rng=0)
    >>> ex
    Explorer: membership inference
    >>> ex.set(epsilon=10.0)
    >>> ex.result.epsilon, ex.result.advantage < ex.result.overfit_advantage
    (10.0, True)
    """

    title = "membership inference"
    panel_shape = (1, 3)
    figsize = (12.5, 3.9)
    static_row_size = (12.5, 3.6)
    static_values = (0.1, 1.0, 10.0)

    def __init__(self, *, epsilon: float = 1.0, data_name: str = "synthetic",
                 n_train: int | None = None, n_models: int = 4, delta: float = 1e-5,
                 rng: SeedLike = None, dpi: float = 90.0) -> None:
        self._options = {"data_name": data_name, "n_train": n_train, "n_models": n_models,
                         "delta": delta}
        super().__init__(rng=rng, dpi=dpi, epsilon=epsilon)

    def _make_controls(self) -> dict[str, widgets.Widget]:
        slider = privacy_slider(epsilon_slider(), "epsilon", why="more noise in training")
        slider.layout.width = "430px"
        slider.step = 0.1  # the 21 epsilons of the grid, all precomputed
        return {"epsilon": slider}

    def _compute(self, values: dict[str, Any], seed: int) -> MembershipResult:
        return membership_experiment(values["epsilon"], epsilons=MEMBERSHIP_EPSILONS, rng=seed,
                                     **self._options)

    def _plot(self, result: MembershipResult, axes: np.ndarray) -> None:
        plot_membership(result, axes=axes)

    def _readout(self, result: MembershipResult) -> str:
        return result.summary()
