"""Federated learning: plots and the explorer of notebook 07.

Layer 2 draws the records of :mod:`ppml_lab.federated.experiments`:

* :func:`plot_federated_curves` -- test accuracy per round of FedAvg (blue),
  FedProx (orange), SCAFFOLD (green) and the centralised model (black,
  dashed), with what the clients believe (vermillion, dotted);
* :func:`plot_client_views` -- one round seen by each client (its own model
  on its own data, and on the test set) against the averaged model;
* :func:`plot_stragglers` -- FedAvg per round when sampled clients drop out;
* :func:`plot_compression` -- megabytes uploaded against final accuracy.

Layer 3, :class:`FederatedExplorer`, wires four sliders (client count,
Dirichlet alpha, local steps, participation) to
:func:`~ppml_lab.federated.experiments.federated_curves` and draws the label
heat map (:func:`~ppml_lab.viz.federated.plot_label_distribution`) beside the
curves.

Introduced in notebook 07.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .._random import SeedLike
from .._validation import check_bounds, fail
from ..federated.cost_experiments import CompressionComparison, StragglerCurves
from ..federated.experiments import (ALPHA_CHOICES, FEDERATED_ROUNDS, LOCAL_STEPS_CHOICES,
                                     N_CLIENTS_CHOICES, PARTICIPATION_CHOICES, ClientViews,
                                     FederatedCurves, federated_curves)
from ._explorer import Explorer, StaticFigure
from .federated import plot_label_distribution
from .style import GREEN, LINESTYLES
from .plots import (_DRAWN, _TITLE_SIZE, BLACK, BLUE, GREY, ORANGE, VERMILLION, _get_ax, _legend,
                    _percent, _relabel, _reusable)

__all__ = ["plot_federated_curves", "plot_client_views", "plot_stragglers", "plot_compression",
           "FederatedExplorer", "STRATEGY_STYLES"]

#: How each curve is drawn, by name.
STRATEGY_STYLES: dict[str, dict[str, Any]] = {
    "FedAvg": {"color": BLUE, "linestyle": "-", "linewidth": 1.8},
    "FedProx": {"color": ORANGE, "linestyle": "-.", "linewidth": 1.5},
    "SCAFFOLD": {"color": GREEN, "linestyle": "-", "linewidth": 1.5, "marker": "^",
                 "markersize": 4, "markevery": 3},
    "centralised": {"color": BLACK, "linestyle": "--", "linewidth": 1.4},
    "clients believe": {"color": VERMILLION, "linestyle": ":", "linewidth": 1.6},
}
_WIDE = {"description_width": "initial"}


def _tidy(ax: Axes) -> None:
    ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _check_ylim(ylim: Any) -> tuple[float, float]:
    return check_bounds(ylim, "ylim", fix="Pass e.g. ylim=(0.0, 1.0).")


def plot_federated_curves(result: FederatedCurves, *, ax: Axes | None = None,
                          ylim: tuple[float, float] = (0.0, 1.0), beliefs: bool = True) -> Axes:
    """Draw a :class:`~ppml_lab.federated.experiments.FederatedCurves`: accuracy per round.

    One line per strategy (FedAvg solid blue, FedProx dash-dotted orange,
    SCAFFOLD green with triangles), the centralised model dashed black, and (with
    ``beliefs``) the clients' mean accuracy of their own models on their own
    data, dotted vermillion: what the clients believe against what the server
    gets. Called again on the same axes with a result of the same shape, the
    lines are updated in place (fast redraws in the explorer).

    Parameters
    ----------
    result : FederatedCurves
    ax : Axes, optional
        Where to draw; by default a new figure.
    ylim : (float, float), default (0, 1)
        Accuracy range; keep it fixed to compare settings.
    beliefs : bool, default True
        Draw what the clients believe (FedAvg's clients).

    Returns
    -------
    Axes

    Examples
    --------
    >>> from ppml_lab.federated.experiments import federated_curves
    >>> ax = plot_federated_curves(federated_curves(10, 0.1, strategies=["FedAvg"], rng=0))
    >>> [t.get_text().split(":")[0] for t in ax.get_legend().get_texts()]
    ['FedAvg', 'centralised', 'clients believe (FedAvg)']
    >>> ax.get_xlabel()
    'round'
    """
    if not isinstance(result, FederatedCurves):
        raise fail("result", "a FederatedCurves", result,
                   "Pass the result of federated_curves(...).", kind=TypeError)
    ax = _get_ax(ax)
    ylim = _check_ylim(ylim)
    rounds = np.arange(1, result.rounds + 1)
    names = list(result.strategies) + ["centralised"]
    lines = {name: result.curve(name) for name in names}
    labels = {name: f"{name}: {result.final(name):.2f}" for name in names}
    belief = result.client_accuracy[0]
    belief_label = f"clients believe (FedAvg): {result.belief('FedAvg'):.2f}"
    signature = ("federated-curves", tuple(names), result.rounds, ylim, bool(beliefs))
    drawn = _reusable(ax, signature)
    if drawn is None:
        ax.cla()
        drawn = {}
        for name in names:
            drawn[name], = ax.plot(rounds, lines[name], label=labels[name],
                                   **STRATEGY_STYLES[name])
        handles = [drawn[n] for n in names]
        if beliefs:
            drawn["belief"], = ax.plot(rounds, belief, label=belief_label,
                                       **STRATEGY_STYLES["clients believe"])
            handles.append(drawn["belief"])
        ax.set_xlim(0.5, result.rounds + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(*ylim)
        ax.yaxis.set_major_formatter(_percent_formatter())
        ax.set_xlabel("round")
        ax.set_ylabel("test accuracy")
        _tidy(ax)
        drawn["legend"] = _legend(ax, "lower right", handles)
        _DRAWN[ax] = (signature, drawn)
    else:
        for name in names:
            drawn[name].set_ydata(lines[name])
            drawn[name].set_label(labels[name])
        if beliefs:
            drawn["belief"].set_ydata(belief)
            drawn["belief"].set_label(belief_label)
        _relabel(drawn)
    per_round = (f"{result.clients_per_round:,} of {result.n_clients:,} clients per round"
                 if result.clients_per_round < result.n_clients else
                 f"all {result.n_clients:,} clients each round")
    skew = "IID" if math.isinf(result.alpha) else f"alpha {result.alpha:g}"
    ax.set_title(f"{per_round}, {skew}, {result.local_steps} local "
                 f"step{'s' if result.local_steps != 1 else ''}", fontsize=_TITLE_SIZE)
    return ax


def _percent_formatter() -> FuncFormatter:
    return FuncFormatter(_percent)


def plot_client_views(result: ClientViews, *, ax: Axes | None = None) -> Axes:
    """Draw a :class:`~ppml_lab.federated.experiments.ClientViews`: one round, client by client.

    For each client (up to 50 are drawn) a hatched vermillion bar: its own model's
    accuracy on its own data (what it reports); a plain blue bar: the same model on
    the balanced test set; the black line is the averaged (FedAvg) model on
    the test set.

    Parameters
    ----------
    result : ClientViews
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from ppml_lab.federated.experiments import client_views
    >>> ax = plot_client_views(client_views(10, 0.05, rng=0))
    >>> len(ax.patches), ax.get_ylabel()
    (20, 'accuracy')
    """
    if not isinstance(result, ClientViews):
        raise fail("result", "a ClientViews", result,
                   "Pass the result of client_views(...).", kind=TypeError)
    ax = _get_ax(ax, (7.5, 3.6))
    shown = min(result.n_clients, 50)
    x = np.arange(shown)
    own = np.nan_to_num(result.own_accuracy[:shown])
    test = np.nan_to_num(result.test_accuracy[:shown])
    ax.bar(x - 0.2, own, width=0.4, color=VERMILLION, edgecolor="white", linewidth=0,
           hatch="///",  # told from the blue bars by the hatch as well as the colour
           label=f"its own model, on its own data (mean {np.nanmean(result.own_accuracy):.2f})")
    ax.bar(x + 0.2, test, width=0.4, color=BLUE,
           label=f"its own model, on the test set (mean {np.nanmean(result.test_accuracy):.2f})")
    ax.axhline(result.global_accuracy, color=BLACK, linewidth=1.4, linestyle="--",
               label=f"averaged model (FedAvg), on the test set: {result.global_accuracy:.2f}")
    empty = np.flatnonzero(result.sizes[:shown] == 0)
    for k in empty:
        ax.text(k, 0.02, "no data", rotation=90, ha="center", va="bottom", fontsize=7,
                color=GREY)
    ax.set_xticks(x, [f"{k}\n{int(c)} cl." for k, c in zip(x, result.classes_held[:shown])],
                  fontsize=7 if shown <= 20 else 5)
    ax.set_xlim(-0.6, shown - 0.4)
    ax.set_ylim(0.0, 1.05)
    ax.yaxis.set_major_formatter(_percent_formatter())
    ax.set_xlabel("client (and how many classes it holds)")
    ax.set_ylabel("accuracy")
    _tidy(ax)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2, fontsize=8,
              frameon=False)
    skew = "IID" if math.isinf(result.alpha) else f"alpha = {result.alpha:g}"
    ax.set_title(f"One round of {result.local_steps} local steps, {result.n_clients} clients, "
                 f"{skew}: what each client sees", fontsize=_TITLE_SIZE)
    return ax


def plot_stragglers(result: StragglerCurves, *, ax: Axes | None = None) -> Axes:
    """Draw a :class:`~ppml_lab.federated.cost_experiments.StragglerCurves`.

    One line of FedAvg's test accuracy per round for each dropout probability
    (darker is more dropouts, and each has its own line style); a round in which
    nobody reported (the model was kept) is marked with an open circle.

    Examples
    --------
    >>> from ppml_lab.federated.cost_experiments import straggler_curves
    >>> ax = plot_stragglers(straggler_curves((0.0, 0.9), n_clients=50, rng=0))
    >>> [t.get_text()[:12] for t in ax.get_legend().get_texts()]
    ['dropout 0.0:', 'dropout 0.9:', 'nobody repor']
    """
    if not isinstance(result, StragglerCurves):
        raise fail("result", "a StragglerCurves", result,
                   "Pass the result of straggler_curves(...).", kind=TypeError)
    ax = _get_ax(ax, (7.5, 3.6))
    rounds = np.arange(1, result.rounds + 1)
    shades = np.linspace(0.35, 1.0, len(result.dropouts))
    handles = []
    for k, (shade, d, acc, rep) in enumerate(zip(shades, result.dropouts, result.accuracy,
                                                 result.reported)):
        line, = ax.plot(rounds, acc, color=BLUE, alpha=float(shade),
                        linestyle=LINESTYLES[k % len(LINESTYLES)],
                        linewidth=1.2 + float(shade),
                        label=f"dropout {d:.1f}: {rep.mean():.1f} of {result.clients_per_round} "
                              f"report, final {acc[-1]:.2f}")
        handles.append(line)
    silent = result.reported == 0
    if silent.any():
        rows, cols = np.nonzero(silent)
        marks, = ax.plot(cols + 1, result.accuracy[rows, cols], linestyle="none", marker="o",
                         color=VERMILLION, markerfacecolor="white", markeredgecolor=VERMILLION, markersize=6,
                         label="nobody reported: model kept")
        handles.append(marks)
    ax.set_xlim(0.5, result.rounds + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0.0, 1.0)
    ax.yaxis.set_major_formatter(_percent_formatter())
    ax.set_xlabel("round")
    ax.set_ylabel("test accuracy")
    _tidy(ax)
    _legend(ax, "lower right", handles)
    ax.set_title(f"Stragglers: FedAvg, {result.clients_per_round} of {result.n_clients} clients "
                 "sampled per round", fontsize=_TITLE_SIZE)
    return ax


def plot_compression(result: CompressionComparison, *, ax: Axes | None = None) -> Axes:
    """Draw a :class:`~ppml_lab.federated.cost_experiments.CompressionComparison`.

    One point per way of sending the updates: megabytes uploaded over the run
    (log scale) against the final test accuracy, each named in the legend;
    quantisation is blue, top-k with error feedback green, top-k without it
    vermillion, float64 black.

    Examples
    --------
    >>> from ppml_lab.federated.cost_experiments import compression_comparison
    >>> ax = plot_compression(compression_comparison(n_clients=50, rng=0))
    >>> ax.get_xscale(), len(ax.get_legend().get_texts())
    ('log', 7)
    """
    if not isinstance(result, CompressionComparison):
        raise fail("result", "a CompressionComparison", result,
                   "Pass the result of compression_comparison(...).", kind=TypeError)
    ax = _get_ax(ax, (7.5, 3.8))
    markers = "os^vDPX"
    handles = []
    for k, (name, mb, acc, save) in enumerate(zip(result.methods, result.megabytes_up,
                                                   result.final, result.savings)):
        colour = (BLACK if "float64" in name else BLUE if "quantisation" in name else
                  VERMILLION if "no error feedback" in name else GREEN)
        point, = ax.plot([mb], [acc], marker=markers[k % len(markers)], markersize=8,
                         color=colour, linestyle="none", alpha=0.9,
                         label=f"{name}: {mb:.3f} MB ({save:.0f}x fewer), {acc:.3f}")
        handles.append(point)
    _legend(ax, "lower right", handles)
    ax.set_xscale("log")
    low, high = float(result.megabytes_up.min()), float(result.megabytes_up.max())
    ax.set_xlim(low / 1.6, high * 1.6)
    floor = float(np.floor(min(result.final.min(), 0.8) * 10) / 10)
    ax.set_ylim(floor, 1.0)
    ax.yaxis.set_major_formatter(_percent_formatter())
    ax.set_xlabel("megabytes uploaded over the run (log scale)")
    ax.set_ylabel(f"test accuracy after {result.rounds} rounds")
    _tidy(ax)
    ax.set_title(f"Communication against accuracy: FedAvg, {result.clients_per_round} of "
                 f"{result.n_clients} clients per round", fontsize=_TITLE_SIZE)
    return ax


def _options(values: tuple[Any, ...], show: Any) -> list[tuple[str, Any]]:
    return [(show(v), v) for v in values]


def _alpha_label(alpha: float) -> str:
    return "IID" if math.isinf(alpha) else f"{alpha:g}"


class FederatedExplorer(Explorer):
    """Notebook 07: how many clients, how skewed, how much local work, how many per round?

    Controls (selection sliders): ``n_clients`` (2 to 1,000), ``alpha`` (the
    Dirichlet label skew, 0.05 to 100, and IID), ``local_steps`` (1 to 50
    full-batch steps per round) and ``participation`` (5% to 100% of the
    clients per round). Left: the clients' label shares
    (:func:`~ppml_lab.viz.federated.plot_label_distribution`); right: test
    accuracy per round of FedAvg, FedProx, SCAFFOLD (when the library has it)
    and the centralised model, with what FedAvg's clients believe
    (:func:`plot_federated_curves`). The partition and the clients sampled
    each round come from the explorer's seed, the same at every move.

    Every setting visited is cached. A new one costs one simulation per
    strategy (about 30 to 200 ms with 10% participation and up to 20 local
    steps; a few seconds with every one of 1,000 clients at 20 local steps).

    Parameters
    ----------
    n_clients : int, default 100
    alpha : float, default 0.1
        One of :data:`~ppml_lab.federated.experiments.ALPHA_CHOICES` (``math.inf`` is IID).
    local_steps : int, default 5
    participation : float, default 0.1
    rounds : int, default 20
    mu : float, default 0.1
        FedProx's proximal weight.
    rng : None, int or numpy.random.Generator
        Where the explorer's seed comes from.
    dpi : float, default 90

    Examples
    --------
    >>> ex = FederatedExplorer(rng=0)
    >>> ex
    Explorer: federated learning
    >>> before = ex.readout.value
    >>> ex.set(n_clients=10)
    >>> ex.result.n_clients, ex.readout.value != before
    (10, True)
    """

    title = "federated learning"
    panel_shape = (1, 2)
    figsize = (11.0, 3.9)
    static_row_size = (11.0, 3.4)
    static_values = (0.05, 1.0, math.inf)

    def __init__(self, *, n_clients: int = 100, alpha: float = 0.1, local_steps: int = 5,
                 participation: float = 0.1, rounds: int = FEDERATED_ROUNDS, mu: float = 0.1,
                 rng: SeedLike = None, dpi: float = 90.0) -> None:
        # checked once here, so that a bad value fails before any widget is made
        federated_curves(2, 1.0, 1, 1.0, rounds=rounds, mu=mu, strategies=["FedAvg"], rng=0)
        self._options = {"rounds": rounds, "mu": mu}
        self._heat: dict[str, Any] = {}  # live heat map: key, token, positions
        super().__init__(rng=rng, dpi=dpi, n_clients=n_clients, alpha=alpha,
                         local_steps=local_steps, participation=participation)

    def _make_controls(self) -> dict[str, widgets.Widget]:
        def slider(name: str, description: str, values: tuple[Any, ...], show: Any,
                   value: Any, width: str) -> widgets.SelectionSlider:
            return widgets.SelectionSlider(
                options=_options(values, show), value=value, description=description,
                continuous_update=True, style=_WIDE, layout=widgets.Layout(width=width),
                tooltip=name)

        return {
            "n_clients": slider("n_clients", "clients", N_CLIENTS_CHOICES, lambda n: f"{n:,}",
                                100, "300px"),
            "alpha": slider("alpha", "alpha (\u2190 more skewed)", ALPHA_CHOICES, _alpha_label,
                            0.1, "330px"),
            "local_steps": slider("local_steps", "local steps", LOCAL_STEPS_CHOICES, str, 5,
                                  "260px"),
            "participation": slider("participation", "per round", PARTICIPATION_CHOICES,
                                    lambda p: f"{100 * p:g}%", 0.1, "260px"),
        }

    def _compute(self, values: dict[str, Any], seed: int) -> FederatedCurves:
        return federated_curves(values["n_clients"], values["alpha"], values["local_steps"],
                                values["participation"], rng=seed, **self._options)

    def _plot(self, result: FederatedCurves, axes: np.ndarray) -> None:
        heat_ax, curve_ax = axes[0], axes[1]
        if heat_ax is self._axes[0]:
            self._live_heat_map(result, heat_ax)
        else:  # a static figure: fresh axes every time
            plot_label_distribution(result.label_counts, ax=heat_ax, max_clients=20)
        plot_federated_curves(result, ax=curve_ax)

    def _live_heat_map(self, result: FederatedCurves, ax: Axes) -> None:
        """Redraw the heat map only when the partition changed, in the same place.

        :func:`plot_label_distribution` adds a colour bar that takes its room
        from the axes; on the live figure (laid out once) the old bar is
        removed and both are put back where the first layout placed them.
        The heat map is registered for fast redraws (blitting) while unchanged.
        """
        key = (result.n_clients, result.alpha, result.seed)
        if self._heat.get("key") == key and _reusable(ax, ("label-heat", key)) is not None:
            return
        extra = [a for a in ax.figure.axes if a not in self._axes]
        if "positions" not in self._heat and extra:  # after the first (constrained) layout
            self._heat["positions"] = (ax.get_position(), extra[0].get_position())
        for a in extra:
            a.remove()
        ax.cla()
        # thin rows at every client count: the same tick labels, so the first layout fits
        plot_label_distribution(result.label_counts, ax=ax, max_clients=1)
        if "positions" in self._heat:
            own, bar = self._heat["positions"]
            ax.set_position(own)
            for a in ax.figure.axes:
                if a not in self._axes:
                    a.set_position(bar)
        self._heat["key"] = key
        _DRAWN[ax] = (("label-heat", key), {})  # nothing on it changes until the key does

    def _readout(self, result: FederatedCurves) -> str:
        return result.summary()

    @staticmethod
    def _show(value: Any) -> str:
        if isinstance(value, float) and math.isinf(value):
            return "IID"
        return Explorer._show(value)

    def static_figure(self, values: Any = None, *, parameter: str = "alpha") -> StaticFigure:
        """Small multiples: one row per alpha (by default 0.05, 1 and IID).

        Any other control can be varied instead, e.g.
        ``static_figure([2, 100, 1000], parameter="n_clients")``.
        """
        if values is None and parameter == "alpha":
            values = self.static_values
        return super().static_figure(values, parameter=parameter)
