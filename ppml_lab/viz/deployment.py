"""Simulator against a real deployment: the plots and the explorer of notebook 13.

Layer 2: :func:`plot_deployment_time` draws a
:class:`~ppml_lab.federated.deployment_cost.DeploymentCost` as wall time against
rounds (simulator and deployment, log scale), and :func:`plot_round_parts` one
round's parts (the engine's overhead, the network, training) beside the
simulator's round. Layer 3: :class:`DeploymentCostExplorer` wires sliders for
clients, rounds, model size, bandwidth and latency to
:func:`~ppml_lab.federated.deployment_cost.deployment_cost` and to both plots; the
overheads are the ones the notebook measured (or the kit's defaults).

Introduced in notebook 13.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

from .._random import SeedLike
from .._validation import check_integer, fail
from ..federated.deployment_cost import DeploymentCost, DeploymentOverheads, deployment_cost
from ..he.experiments import format_seconds
from ._explorer import Explorer, StaticFigure
from .plots import _DRAWN, _TITLE_SIZE, BLUE, GREY, ORANGE, VERMILLION, _get_ax, _reusable

__all__ = ["plot_deployment_time", "plot_round_parts", "DeploymentCostExplorer",
           "CLIENT_CHOICES", "PARAM_CHOICES", "BANDWIDTH_CHOICES", "LATENCY_CHOICES"]

GREEN = "#009E73"  # Okabe-Ito bluish green
#: The explorer's client counts and model sizes (650: the kit's digits model).
CLIENT_CHOICES = (2, 3, 5, 10, 20, 50, 100, 200, 500, 1000)
PARAM_CHOICES = (650, 10**4, 10**5, 10**6, 10**7, 10**8, 10**9)
#: Each client's link: megabits per second each way, and round-trip milliseconds (selection
#: sliders, so that the initial values are exactly on the slider).
BANDWIDTH_CHOICES = (1.0, 5.0, 10.0, 20.0, 50.0, 100.0, 1000.0, 10000.0)
LATENCY_CHOICES = (0.1, 1.0, 5.0, 20.0, 50.0, 100.0, 300.0, 1000.0)
#: Fixed time axes (seconds), so that a slider move only moves the data.
_TIME_RANGE = (1e-4, 1e8)
_TIME_TICKS = (1e-3, 1.0, 60.0, 3600.0, 86400.0, 365.25 * 86400.0)
_TICK_NAMES = {1e-3: "1 ms", 1.0: "1 s", 60.0: "1 min", 3600.0: "1 h", 86400.0: "1 day",
               365.25 * 86400.0: "1 year"}


def _check_cost(result: Any) -> DeploymentCost:
    if not isinstance(result, DeploymentCost):
        raise fail("result", "a DeploymentCost", result, "Pass the result of deployment_cost().",
                   kind=TypeError)
    return result


def _time_axis(ax: Axes, axis: str) -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(FixedLocator(_TIME_TICKS))
    target.set_minor_locator(NullLocator())
    target.set_major_formatter(FuncFormatter(lambda v, _pos: _TICK_NAMES.get(v, "")))
    target.set_minor_formatter(NullFormatter())


def plot_deployment_time(result: DeploymentCost, *, ax: Axes | None = None) -> Axes:
    """Wall time against rounds: the simulator (blue, solid) and a deployment (vermillion, dashed).

    Log time axis. The deployment's line starts at its start-up time (round 0);
    its slope is one deployment round. A second call on the same axes with the same number
    of rounds only moves the lines.

    Examples
    --------
    >>> from ppml_lab.federated.deployment_cost import deployment_cost
    >>> ax = plot_deployment_time(deployment_cost(3, 5, 650))
    >>> ax.get_yscale(), [line.get_label() for line in ax.get_lines()]
    ('log', ['simulator (one process)', 'deployment (SuperLink + SuperNodes)'])
    """
    result = _check_cost(result)
    ax = _get_ax(ax)
    r = np.arange(result.rounds + 1)
    signature = ("deployment_time", result.rounds)
    drawn = _reusable(ax, signature)
    if drawn is None:
        ax.cla()
        sim, = ax.plot(r[1:], result.simulator_seconds[1:], color=BLUE, marker="o",
                       markersize=3 if result.rounds <= 30 else 0, linewidth=1.8,
                       label="simulator (one process)")
        dep, = ax.plot(r, result.deployment_seconds, color=VERMILLION, marker="s",
                       markersize=3 if result.rounds <= 30 else 0, linewidth=1.8,
                       linestyle="--",                   # told apart without colour too
                       label="deployment (SuperLink + SuperNodes)")
        ax.set_yscale("log")
        ax.set_ylim(*_TIME_RANGE)
        ax.set_xlim(0, result.rounds * 1.02 + 0.1)
        _time_axis(ax, "y")
        ax.set_xlabel("rounds")
        ax.set_ylabel("wall time (log scale)")
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        drawn = {"sim": sim, "dep": dep}
        _DRAWN[ax] = (signature, drawn)
    else:
        drawn["sim"].set_ydata(result.simulator_seconds[1:])
        drawn["dep"].set_ydata(result.deployment_seconds)
    ax.set_title(f"{result.rounds} rounds: simulator "
                 f"{format_seconds(result.simulator_seconds[-1])}, deployment "
                 f"{format_seconds(result.deployment_seconds[-1])}", fontsize=_TITLE_SIZE)
    return ax


_PARTS = ("engine overhead", "network: 2 round trips,\nmodel down, update up",
          "training (one client)", "deployment round", "simulator round\n(all clients)")


def plot_round_parts(result: DeploymentCost, *, ax: Axes | None = None) -> Axes:
    """One round's parts on a log time axis: engine, network, training, beside the simulator.

    Horizontal bars, each labelled with its time; the title gives the bytes per
    round and which part dominates.

    Examples
    --------
    >>> from ppml_lab.federated.deployment_cost import deployment_cost
    >>> ax = plot_round_parts(deployment_cost(3, 5, 650))
    >>> [t.get_text() for t in ax.get_yticklabels()][0]
    'engine overhead'
    """
    result = _check_cost(result)
    ax = _get_ax(ax)
    values = [result.engine_seconds, result.network_seconds, result.train_seconds,
              result.deployment_round_seconds, result.simulator_round_seconds]
    shown = [max(v, _TIME_RANGE[0]) for v in values]    # an engine overhead of 0 still shows
    y = np.arange(len(values))[::-1]
    drawn = _reusable(ax, ("round_parts",))
    if drawn is None:
        ax.cla()
        left = _TIME_RANGE[0] / 10
        bars = ax.barh(y, [s - left for s in shown], left=left, height=0.6,
                       color=[ORANGE, GREEN, GREY, VERMILLION, BLUE])
        ax.set_xscale("log")
        ax.set_xlim(_TIME_RANGE[0] / 10, 1e7)
        ax.set_yticks(y, _PARTS, fontsize=8)
        _time_axis(ax, "x")
        ax.set_xlabel("seconds per round (log scale)")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        drawn = {}
        for i, (bar, yi, v, s) in enumerate(zip(bars.patches, y, values, shown)):
            drawn[f"bar{i}"] = bar
            drawn[f"text{i}"] = ax.text(s * 1.5, yi, format_seconds(v), va="center", fontsize=8)
        _DRAWN[ax] = (("round_parts",), drawn)
    else:
        for i, (yi, v, s) in enumerate(zip(y, values, shown)):
            drawn[f"bar{i}"].set_width(s - _TIME_RANGE[0] / 10)
            drawn[f"text{i}"].set_position((s * 1.5, yi))
            drawn[f"text{i}"].set_text(format_seconds(v))
    ax.set_title(f"One round: {_short_bytes(result.bytes_per_round)} over the network; "
                 f"the {result.dominant} dominates\n(engine {100 * result.engine_share:.0f}% "
                 f"of a deployment round)", fontsize=_TITLE_SIZE)
    return ax


def _short_bytes(n: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} bytes"


def _selection(name: str, options: tuple[Any, ...], value: Any, label: Any) -> widgets.Widget:
    return widgets.SelectionSlider(
        options=[(label(o), o) for o in options], value=value, description=name,
        continuous_update=True, style={"description_width": "initial"},
        layout=widgets.Layout(width="300px"))


class DeploymentCostExplorer(Explorer):
    """Notebook 13: when does a real engine's overhead matter?

    Controls: ``n_clients``, ``n_params``, ``bandwidth_mbps`` and ``latency_ms``
    (each client's link; selection sliders over the module's ``*_CHOICES``) and
    ``rounds`` (1 to 100). Left: wall time
    against rounds of the simulator and of a deployment (start-up, then a fixed
    time per round). Right: one round's parts. The readout says which part
    dominates and whether the engine's overhead matters. Nothing is random: the
    projection is arithmetic on the overheads, measured once.

    Parameters
    ----------
    overheads : DeploymentOverheads, optional
        What the notebook measured (:func:`~ppml_lab.federated.deployment_cost.overheads_from_run`);
        the kit's defaults when None.
    n_clients, rounds, n_params : int
        Initial values (3 clients, 5 rounds, 650 parameters: the notebook's run).
    bandwidth_mbps, latency_ms : float
        Initial link: 100 Mbit/s, 20 ms round trip.
    bytes_per_parameter : int, default 8
    rng : None, int or numpy Generator
        Unused by the computation (kept for the explorers' common signature).
    dpi : float, default 90

    Examples
    --------
    >>> ex = DeploymentCostExplorer(rng=0, dpi=40)
    >>> ex
    Explorer: deployment cost
    >>> ex.result.dominant
    'engine'
    >>> ex.set(n_params=10**8, bandwidth_mbps=10.0)
    >>> ex.result.dominant
    'network'
    """

    title = "deployment cost"
    panel_shape = (1, 2)
    figsize = (11.0, 3.8)
    static_row_size = (11.0, 3.4)

    def __init__(self, *, overheads: DeploymentOverheads | None = None, n_clients: int = 3,
                 rounds: int = 5, n_params: int = 650, bandwidth_mbps: float = 100.0,
                 latency_ms: float = 20.0, bytes_per_parameter: int = 8, rng: SeedLike = None,
                 dpi: float = 90.0) -> None:
        if overheads is None:
            overheads = DeploymentOverheads.defaults()
        elif not isinstance(overheads, DeploymentOverheads):
            raise fail("overheads", "a DeploymentOverheads", overheads,
                       "Pass overheads_from_run(...) or leave it out for the defaults.",
                       kind=TypeError)
        self.overheads = overheads
        self.bytes_per_parameter = check_integer(bytes_per_parameter, "bytes_per_parameter",
                                                 minimum=1, maximum=16)
        super().__init__(rng=rng, dpi=dpi, n_clients=n_clients, rounds=rounds,
                         n_params=n_params, bandwidth_mbps=bandwidth_mbps,
                         latency_ms=latency_ms)

    def _make_controls(self) -> dict[str, widgets.Widget]:
        return {
            "n_clients": _selection("clients", CLIENT_CHOICES, 3, lambda n: f"{n:,}"),
            "rounds": widgets.IntSlider(value=5, min=1, max=100, step=1, description="rounds",
                                        continuous_update=True,
                                        style={"description_width": "initial"},
                                        layout=widgets.Layout(width="300px")),
            "n_params": _selection("parameters", PARAM_CHOICES, 650, _param_label),
            "bandwidth_mbps": _selection("bandwidth (Mbit/s)", BANDWIDTH_CHOICES, 100.0,
                                         lambda b: f"{b:g}"),
            "latency_ms": _selection("latency (ms)", LATENCY_CHOICES, 20.0, lambda m: f"{m:g}"),
        }

    def _compute(self, values: dict[str, Any], seed: int) -> DeploymentCost:
        return deployment_cost(int(values["n_clients"]), int(values["rounds"]),
                               int(values["n_params"]),
                               bandwidth_mbps=float(values["bandwidth_mbps"]),
                               latency_ms=float(values["latency_ms"]),
                               bytes_per_parameter=self.bytes_per_parameter,
                               overheads=self.overheads)

    def _plot(self, result: DeploymentCost, axes: np.ndarray) -> None:
        plot_deployment_time(result, ax=axes[0])
        plot_round_parts(result, ax=axes[1])

    def _readout(self, result: DeploymentCost) -> str:
        return f"{result.summary()} (Overheads {result.overheads.source}.)"

    def static_figure(self, values: Any = None, *, parameter: str = "n_params") -> StaticFigure:
        """Small multiples: one row per model size (by default 650, a million, 100 million)."""
        if values is None and parameter == "n_params":
            values = [650, 10**6, 10**8]
        return super().static_figure(values, parameter=parameter)


def _param_label(n: int) -> str:
    if n >= 10**9:
        return f"{n // 10**9}G"
    if n >= 10**6:
        return f"{n // 10**6}M"
    if n >= 10**3 and n % 1000 == 0:
        return f"{n // 10**3}k"
    return str(n)
