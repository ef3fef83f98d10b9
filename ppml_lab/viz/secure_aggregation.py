"""Secure aggregation, seen: the plots and the explorer of notebook 10.

Layer 2, each drawing one
:class:`~ppml_lab.secret_sharing.aggregation_experiments.SecureAggregationDemo`:
:func:`plot_recovery` (who survived against the threshold: unmasked or
aborted), :func:`plot_server_view` (what the server saw: the masked words'
top bits, flat, beside the updates' own), :func:`plot_learned_sum` (what it
learned: the sum, beside the plaintext sum) and :func:`plot_phase_costs`
(bytes and time per phase against a plaintext upload). :func:`plot_secure_federated`
draws a :class:`~ppml_lab.secret_sharing.aggregation_experiments.SecureFederatedComparison`.
Layer 3: :class:`SecureAggregationExplorer` wires ``n_clients``, ``dropouts``
and ``threshold`` sliders to
:func:`~ppml_lab.secret_sharing.aggregation_experiments.secure_aggregation_demo`
and to the four plots.

Introduced in notebook 10.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from .._random import SeedLike
from .._validation import check_integer, fail
from ..he.experiments import format_seconds
from ..secret_sharing.aggregation_experiments import (TOP_BITS, SecureAggregationDemo,
                                                      SecureFederatedComparison,
                                                      secure_aggregation_demo)
from ._explorer import Explorer, StaticFigure
from .plots import (_DRAWN, _TITLE_SIZE, BLACK, BLUE, GREY, ORANGE, VERMILLION, _get_ax,
                    _reusable)
from .style import GREEN

__all__ = ["plot_recovery", "plot_server_view", "plot_learned_sum", "plot_phase_costs",
           "plot_secure_federated", "SecureAggregationExplorer"]

_SHOWN_COORDINATES = 16
_PHASE_LABELS = {"advertise_keys": "1 advertise keys", "share_keys": "2 share keys",
                 "masked_input": "3 masked input", "unmasking": "4 unmasking"}


def _check(result: Any) -> SecureAggregationDemo:
    if not isinstance(result, SecureAggregationDemo):
        raise fail("result", "a SecureAggregationDemo", result,
                   "Pass the result of secure_aggregation_demo(...).", kind=TypeError)
    return result


def _clean(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _slots(result: SecureAggregationDemo) -> int:
    """Client slots on the recovery panel: 30, or more for a larger run (a fixed x axis)."""
    return max(30, result.n_clients, result.threshold)


def plot_recovery(result: SecureAggregationDemo, *, ax: Axes | None = None) -> Axes:
    """Every client as a square, survivors filled blue and dropped hollow grey, threshold marked.

    The dashed line stands after the ``threshold``-th client: if the blue
    squares reach it, the server can rebuild the dropped clients' masks and
    unmask the sum (title in green); if not, it aborts (title in vermillion).

    Parameters
    ----------
    result : SecureAggregationDemo
        From :func:`~ppml_lab.secret_sharing.aggregation_experiments.secure_aggregation_demo`.
    ax : Axes, optional
        Where to draw; by default a new figure. Drawn again on the same axes, the
        artists are updated in place (the explorer redraws only them).

    Returns
    -------
    Axes

    Examples
    --------
    >>> from ppml_lab.secret_sharing.aggregation_experiments import secure_aggregation_demo
    >>> ax = plot_recovery(secure_aggregation_demo(10, 3, 6, dimension=8, rng=0))
    >>> ax.get_title()
    '7 of 10 survived, threshold 6: sum unmasked'
    """
    result = _check(result)
    ax = _get_ax(ax, figsize=(6.0, 2.4))
    n, k, slots = result.n_clients, result.n_survivors, _slots(result)
    signature = ("recovery", slots)
    drawn = _reusable(ax, signature)
    if drawn is None:
        ax.cla()
        drawn = {
            "survived": ax.plot([], [], linestyle="none", marker="s", markersize=9, color=BLUE,
                                label="survived")[0],
            "dropped": ax.plot([], [], linestyle="none", marker="s", markersize=9, color=GREY,
                               markerfacecolor="none", markeredgewidth=1.5,
                               label="dropped after sharing keys")[0],
            "threshold": ax.axvline(0, color=BLACK, linestyle="--", linewidth=1.4,
                                    label="threshold"),
        }
        ax.set_xlim(0.3, slots + 0.7)
        ax.set_ylim(0, 1.6)
        ax.set_yticks([])
        ax.set_xticks([1] + list(range(5, slots + 1, 5)))
        ax.set_xlabel("clients (survivors first)")
        # the legend and lines that data may cross are redrawn with the data (blitting keeps
        # the drawing order)
        drawn["legend"] = ax.legend(loc="upper left", fontsize=8, frameon=False, ncol=3)
        _clean(ax)
        ax.spines["left"].set_visible(False)
        _DRAWN[ax] = (signature, drawn)
    positions = np.arange(1, n + 1)
    drawn["survived"].set_data(positions[:k], np.full(k, 0.6))
    drawn["dropped"].set_data(positions[k:], np.full(n - k, 0.6))
    drawn["threshold"].set_xdata([result.threshold + 0.5] * 2)
    verdict = "sum unmasked" if result.recovered else "aborted"
    ax.set_title(f"{k} of {n} survived, threshold {result.threshold}: {verdict}",
                 fontsize=_TITLE_SIZE, color=GREEN if result.recovered else VERMILLION)
    return ax


def plot_server_view(result: SecureAggregationDemo, *, ax: Axes | None = None) -> Axes:
    """What the server saw: the masked words' top bits (flat) beside the updates' own.

    Each 64-bit word falls in one of 16 cells by its top four bits. The
    survivors' updates in fixed point (orange) are small numbers, at the two
    ends of the ring (negative numbers wrap around to the top); their masked
    versions (blue), the only thing the server receives, fill every cell
    alike, as uniform words do (dotted line).

    Parameters
    ----------
    result : SecureAggregationDemo
        From :func:`~ppml_lab.secret_sharing.aggregation_experiments.secure_aggregation_demo`.
    ax : Axes, optional
        Where to draw; by default a new figure. Drawn again on the same axes, the
        artists are updated in place (the explorer redraws only them).

    Returns
    -------
    Axes

    Examples
    --------
    >>> from ppml_lab.secret_sharing.aggregation_experiments import secure_aggregation_demo
    >>> ax = plot_server_view(secure_aggregation_demo(10, 3, 6, dimension=8, rng=0))
    >>> ax.get_xlabel()
    'word / 2**64 (top 4 bits)'
    """
    result = _check(result)
    ax = _get_ax(ax, figsize=(6.0, 3.2))
    cells = 2**TOP_BITS
    edges = np.linspace(0.0, 1.0, cells + 1)
    masked = result.masked_counts / result.masked_counts.sum()
    plain = result.update_counts / result.update_counts.sum()
    signature = ("server_view", cells)
    drawn = _reusable(ax, signature)
    if drawn is None:
        ax.cla()
        drawn = {"plain": ax.stairs(plain, edges, color=ORANGE, linewidth=1.4, fill=True,
                                    alpha=0.35, label="the updates in fixed point (never sent)"),
                 "masked": ax.stairs(masked, edges, color=BLUE, linewidth=2.0,
                                     label="masked inputs: what the server saw")}
        drawn["uniform"] = ax.axhline(1.0 / cells, color=BLACK, linestyle=":", linewidth=1.0,
                                      label="uniform")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 0.6)
        ax.set_xlabel(f"word / 2**64 (top {TOP_BITS} bits)")
        ax.set_ylabel("share of the words")
        drawn["legend"] = ax.legend(loc="upper center", fontsize=8, frameon=False)
        _clean(ax)
        _DRAWN[ax] = (signature, drawn)
    else:
        drawn["plain"].set_data(plain, edges)
        drawn["masked"].set_data(masked, edges)
    ax.set_title(f"What the server saw: {result.n_survivors} x {result.dimension} uniform words "
                 f"(p = {result.p_uniform:.2f})", fontsize=_TITLE_SIZE)
    return ax


def plot_learned_sum(result: SecureAggregationDemo, *, ax: Axes | None = None) -> Axes:
    """What the server learned: the unmasked sum (dots) on the plaintext sum (bars).

    The first 16 coordinates, on a fixed range (-2.5 to 2.5; larger sums
    are cut off). After an abort there are no dots: the server learned
    nothing, not even a partial sum.

    Parameters
    ----------
    result : SecureAggregationDemo
        From :func:`~ppml_lab.secret_sharing.aggregation_experiments.secure_aggregation_demo`.
    ax : Axes, optional
        Where to draw; by default a new figure. Drawn again on the same axes, the
        artists are updated in place (the explorer redraws only them).

    Returns
    -------
    Axes

    Examples
    --------
    >>> from ppml_lab.secret_sharing.aggregation_experiments import secure_aggregation_demo
    >>> ax = plot_learned_sum(secure_aggregation_demo(10, 5, 6, dimension=8, rng=0))
    >>> ax.get_title()
    'What the server learned: nothing (aborted)'
    """
    result = _check(result)
    ax = _get_ax(ax, figsize=(6.0, 3.2))
    m = min(_SHOWN_COORDINATES, result.dimension)
    index = np.arange(m)
    signature = ("learned_sum", m)
    drawn = _reusable(ax, signature)
    if drawn is None:
        ax.cla()
        bars = ax.bar(index, result.plaintext_sum[:m], color=GREY, alpha=0.5,
                      label="plaintext sum of the survivors (nobody computes it)")
        drawn = {f"bar{i}": bar for i, bar in enumerate(bars.patches)}
        drawn["dots"] = ax.plot([], [], linestyle="none", marker="o", markersize=5, color=BLUE,
                                label="the sum the server unmasked")[0]
        drawn["note"] = ax.text(0.5, 0.85, "", transform=ax.transAxes, ha="center",
                                va="center", fontsize=13, color=VERMILLION)
        ax.set_ylim(-2.5, 2.5)
        drawn["zero"] = ax.axhline(0, color=BLACK, linewidth=0.6)
        ax.set_xticks(range(0, m, max(1, m // 8)))
        ax.set_xlabel(f"coordinate (first {m} of {result.dimension})")
        ax.set_ylabel("sum of the updates")
        drawn["legend"] = ax.legend(loc="lower left", fontsize=8, frameon=False)
        _clean(ax)
        _DRAWN[ax] = (signature, drawn)
    for i in range(m):
        drawn[f"bar{i}"].set_height(result.plaintext_sum[i])
    if result.recovered:
        drawn["dots"].set_data(index, result.learned_sum[:m])
        drawn["note"].set_text("")
        title = (f"What the server learned: the sum (error {result.max_abs_error:.0e} "
                 f"<= {result.error_bound:.0e})")
    else:
        drawn["dots"].set_data([], [])
        drawn["note"].set_text("aborted: no sum, no partial sum")
        title = "What the server learned: nothing (aborted)"
    ax.set_title(title, fontsize=_TITLE_SIZE)
    return ax


def plot_phase_costs(result: SecureAggregationDemo, *, ax: Axes | None = None) -> Axes:
    """Bytes per phase (bars, up and down together) against a plaintext float64 upload.

    The grey bar is what the survivors would send without the protocol; each
    bar is labelled with its kilobytes and its measured time (which varies
    from run to run), the plaintext one with the time of numpy's sum.

    Parameters
    ----------
    result : SecureAggregationDemo
        From :func:`~ppml_lab.secret_sharing.aggregation_experiments.secure_aggregation_demo`.
    ax : Axes, optional
        Where to draw; by default a new figure. Drawn again on the same axes, the
        artists are updated in place (the explorer redraws only them).

    Returns
    -------
    Axes

    Examples
    --------
    >>> from ppml_lab.secret_sharing.aggregation_experiments import secure_aggregation_demo
    >>> ax = plot_phase_costs(secure_aggregation_demo(10, 3, 6, dimension=8, rng=0))
    >>> ax.get_xlabel()
    'kilobytes, up and down (bar lengths to scale)'
    """
    result = _check(result)
    ax = _get_ax(ax, figsize=(6.0, 3.2))
    labels = [_PHASE_LABELS.get(p.name, p.name) for p in result.phases] + ["plain float64 upload"]
    kilobytes = [p.bytes / 1e3 for p in result.phases] + [result.plaintext_bytes / 1e3]
    seconds = [p.seconds for p in result.phases] + [result.plaintext_seconds]
    colours = [BLUE] * len(result.phases) + [GREY]
    y = np.arange(len(labels))[::-1]
    signature = ("phase_costs", tuple(labels))
    drawn = _reusable(ax, signature)
    if drawn is None:
        ax.cla()
        bars = ax.barh(y, kilobytes, color=colours, height=0.65)
        drawn = {f"bar{i}": bar for i, bar in enumerate(bars.patches)}
        for i, yi in enumerate(y):
            drawn[f"text{i}"] = ax.text(0, yi, "", va="center", fontsize=8)
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_xticks([])  # the limits follow the bars; the labels give the numbers
        ax.set_xlabel("kilobytes, up and down (bar lengths to scale)")
        _clean(ax)
        _DRAWN[ax] = (signature, drawn)
    top = max(kilobytes) * 1.5
    ax.set_xlim(0, top)
    for i, (kb, s) in enumerate(zip(kilobytes, seconds)):
        drawn[f"bar{i}"].set_width(kb)
        drawn[f"text{i}"].set_position((kb + top * 0.01, y[i]))
        drawn[f"text{i}"].set_text(f"{kb:,.1f} kB, {format_seconds(s)}"
                                   if kb or i == len(kilobytes) - 1 else "aborted: never happens")
    ax.set_title(f"Cost: {result.bytes / 1e3:,.0f} kB ({result.byte_overhead:.0f}x a plain "
                 f"upload); {result.time_overhead:,.0f}x the time", fontsize=_TITLE_SIZE)
    return ax


def plot_secure_federated(result: SecureFederatedComparison, *, ax: Axes | None = None) -> Axes:
    """Test accuracy per round of the four runs: with secure aggregation (dashed) on top.

    The secure runs lie on their plain twins (the protocol changes the
    bytes, in the legend, not the model); DP-FedAvg (vermillion squares) lies
    below FedAvg (blue circles).

    Parameters
    ----------
    result : SecureFederatedComparison
        From :func:`~ppml_lab.secret_sharing.aggregation_experiments.secure_federated_comparison`.
    ax : Axes, optional
        Where to draw; by default a new figure.

    Returns
    -------
    Axes

    Examples
    --------
    >>> from ppml_lab.secret_sharing.aggregation_experiments import secure_federated_comparison
    >>> result = secure_federated_comparison(n_clients=10, clients_per_round=5, rounds=2, rng=0)
    >>> len(plot_secure_federated(result).get_lines())
    4
    """
    if not isinstance(result, SecureFederatedComparison):
        raise fail("result", "a SecureFederatedComparison", result,
                   "Pass the result of secure_federated_comparison(...).", kind=TypeError)
    ax = _get_ax(ax, figsize=(8.0, 3.8))
    rounds = np.arange(1, result.rounds + 1)
    styles = [dict(color=BLUE, linewidth=3.0, alpha=0.5, marker="o"),
              dict(color=BLUE, linestyle="--", marker="o", markersize=4),
              dict(color=VERMILLION, linewidth=3.0, alpha=0.5, marker="s"),
              dict(color=VERMILLION, linestyle="--", marker="s", markersize=4)]
    for name, accuracy, style in zip(result.names, result.accuracy, styles):
        ax.plot(rounds, accuracy, label=f"{name}: {result.megabytes(name):.2f} MB", **style)
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("round")
    ax.set_ylabel("test accuracy")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.grid(True, color="#dddddd", linewidth=0.6)
    _clean(ax)
    ax.set_title(f"{result.n_clients} clients, {result.clients_per_round} per round, dropout "
                 f"{result.dropout:g}: secure aggregation changes the bytes, not the model",
                 fontsize=_TITLE_SIZE)
    return ax


class SecureAggregationExplorer(Explorer):
    """Notebook 10: clients, dropouts and the threshold of secure aggregation.

    Controls: ``n_clients`` (4 to 30), ``dropouts`` (0 to ``n_clients - 2``:
    clients that fail after sharing their keys) and ``threshold`` (2 to
    ``n_clients``). Moving ``n_clients`` moves the other two sliders' ends
    with it (their values are clipped if needed, and the figure is drawn
    once). Four panels: who survived against the threshold (unmasked or
    aborted), what the server saw (masked words, flat), what it learned (the
    sum, or nothing) and the cost per phase against a plain upload
    (:func:`~ppml_lab.secret_sharing.aggregation_experiments.secure_aggregation_demo`).
    The seed is the explorer's, the same at every move: the same updates, and
    clients drop out in the same order, so one more dropout is one more client
    gone. Each setting is computed once (tens of milliseconds) and cached.

    Parameters
    ----------
    n_clients : int, default 20
    dropouts : int, default 8
    threshold : int, default 11
        A majority of 20, as Bonawitz et al. recommend.
    dimension : int, default 64
        Length of each update (fixed at construction).
    rng : None, int or numpy.random.Generator
        Where the explorer's seed comes from.
    dpi : float, default 90

    Examples
    --------
    >>> ex = SecureAggregationExplorer(rng=0)
    >>> ex
    Explorer: secure aggregation
    >>> ex.result.recovered, ex.result.n_survivors
    (True, 12)
    >>> ex.set(dropouts=10)
    >>> ex.result.recovered
    False
    >>> ex.set(n_clients=10)
    >>> ex.values
    {'n_clients': 10, 'dropouts': 8, 'threshold': 10}
    """

    title = "secure aggregation"
    panel_shape = (2, 2)
    figsize = (11.0, 6.4)
    static_row_size = (18.0, 3.3)
    static_values = (0, 9, 10)
    max_clients = 30

    def __init__(self, *, n_clients: int = 20, dropouts: int = 8, threshold: int = 11,
                 dimension: int = 64, rng: SeedLike = None, dpi: float = 90.0) -> None:
        self.dimension = check_integer(dimension, "dimension", minimum=1, maximum=1024,
                                       fix="Pass e.g. dimension=64.")
        n = check_integer(n_clients, "n_clients", minimum=4, maximum=self.max_clients,
                          fix="Pass e.g. n_clients=20.")
        check_integer(dropouts, "dropouts", minimum=0, maximum=n - 2,
                      fix="At least two clients must survive; pass e.g. dropouts=2.")
        check_integer(threshold, "threshold", minimum=2, maximum=n,
                      fix=f"Pass a threshold from 2 to n_clients, e.g. {n // 2 + 1}.")
        self._syncing = True  # no redraw while the slider ends are set
        super().__init__(rng=rng, dpi=dpi, n_clients=n, dropouts=dropouts, threshold=threshold)
        self._sync_ranges()

    def _make_controls(self) -> dict[str, widgets.Widget]:
        style = {"description_width": "initial"}
        layout = widgets.Layout(width="300px")
        top = self.max_clients
        return {
            "n_clients": widgets.IntSlider(value=20, min=4, max=top, step=1,
                                           description="n_clients", continuous_update=True,
                                           style=style, layout=layout),
            "dropouts": widgets.IntSlider(value=8, min=0, max=top - 2, step=1,
                                          description="dropouts", continuous_update=True,
                                          style=style, layout=layout),
            "threshold": widgets.IntSlider(value=11, min=2, max=top, step=1,
                                           description="threshold", continuous_update=True,
                                           style=style, layout=layout),
        }

    def _sync_ranges(self) -> None:
        """Set the ends of ``dropouts`` and ``threshold`` from ``n_clients`` (no redraw)."""
        n = int(self.controls["n_clients"].value)
        self._syncing = True
        try:
            self.controls["dropouts"].max = n - 2   # ipywidgets clips the value too
            self.controls["threshold"].max = n
        finally:
            self._syncing = False

    def _on_change(self, change: Any) -> None:
        if self._syncing:
            return
        if change.get("owner") is self.controls["n_clients"]:
            self._sync_ranges()
        self.update()

    def set(self, **values: Any) -> None:
        """Set controls by name, as moving their sliders would; ``n_clients`` first.

        Setting ``n_clients`` first moves the other sliders' ends, so
        ``set(n_clients=30, threshold=25)`` works from any state.
        """
        if "n_clients" in values:
            super().set(n_clients=values.pop("n_clients"))
        if values:
            super().set(**values)

    def _check_value(self, name: str, value: Any) -> Any:
        number = super()._check_value(name, value)
        if float(number) != int(number):
            raise fail(name, "a whole number", value)
        return int(number)

    def _compute(self, values: dict[str, Any], seed: int) -> SecureAggregationDemo:
        n = int(values["n_clients"])
        return secure_aggregation_demo(n, min(int(values["dropouts"]), n - 2),
                                       min(int(values["threshold"]), n), self.dimension, rng=seed)

    def _plot(self, result: Any, axes: np.ndarray) -> None:
        plot_recovery(result, ax=axes[0])
        plot_server_view(result, ax=axes[1])
        plot_learned_sum(result, ax=axes[2])
        plot_phase_costs(result, ax=axes[3])

    def _readout(self, result: Any) -> str:
        return result.summary()

    def static_figure(self, values: Any = None, *, parameter: str = "dropouts") -> StaticFigure:
        """Small multiples: one row per number of dropouts (by default 0, 9 and 10).

        With the default 20 clients and threshold 11, 9 dropouts is the most
        the protocol recovers from and 10 makes it abort.
        """
        if values is None and parameter == "dropouts":
            top = self.controls["dropouts"].max
            values = [v for v in self.static_values if v <= top]
        return super().static_figure(values, parameter=parameter)
