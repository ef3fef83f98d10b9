"""Paillier's cost against key size: the plots and the explorer of notebook 11.

Layer 2: :func:`plot_key_size_costs` draws a
:class:`~ppml_lab.he.experiments.KeySizeCosts` (time per operation against key
size) and :func:`plot_aggregation_cost` one round of encrypted aggregation at
one key size. Layer 3: :class:`KeySizeExplorer` wires a ``bits`` slider to
:func:`~ppml_lab.he.experiments.key_size_costs` (measured once, cached) and to
both plots.

Introduced in notebook 11.
"""

from __future__ import annotations

from typing import Any, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

from .._random import SeedLike
from .._validation import check_integer, fail
from ..he.experiments import (DEFAULT_KEY_SIZES, KeySizeCosts, KeySizePoint, format_seconds,
                              key_size_costs)
from ._explorer import Explorer, StaticFigure
from .plots import (_DRAWN, _TITLE_SIZE, BLUE, GREY, ORANGE, VERMILLION, _get_ax,
                    _reusable)

__all__ = ["plot_key_size_costs", "plot_aggregation_cost", "KeySizeExplorer"]


def _seconds_axis(ax: Axes, axis: str = "y") -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda v, _pos: format_seconds(v)))
    target.set_minor_formatter(NullFormatter())


def plot_key_size_costs(result: KeySizeCosts, *, ax: Axes | None = None,
                        current: KeySizePoint | int | None = None) -> Axes:
    """Time per operation against key size, on log-log axes, with the current size marked.

    Encryption (vermillion), decryption (orange), adding two ciphertexts
    (blue) and, for scale, adding two float64 numbers in numpy (grey dashed).

    Parameters
    ----------
    result : KeySizeCosts
    ax : Axes, optional
    current : KeySizePoint or int, optional
        The key size to mark.

    Returns
    -------
    Axes

    Examples
    --------
    >>> from ppml_lab.he.experiments import key_size_costs
    >>> costs = key_size_costs((256, 512), n_repeats=2, rng=0)
    >>> ax = plot_key_size_costs(costs, current=512)
    >>> ax.get_xscale(), ax.get_yscale(), len(ax.get_legend().get_texts())
    ('log', 'log', 4)
    """
    if not isinstance(result, KeySizeCosts):
        raise fail("result", "a KeySizeCosts", result, "Pass the result of key_size_costs().",
                   kind=TypeError)
    if current is not None and not isinstance(current, KeySizePoint):
        current = result.at(current)
    ax = _get_ax(ax)
    bits = np.asarray(result.bits, dtype=float)
    colors = (VERMILLION, ORANGE, BLUE)
    if current is not None:
        now_x = [current.bits]
        now_y = (current.encrypt_seconds, current.decrypt_seconds, current.add_seconds)
        strength = (f"about {current.security_bits}-bit security" if current.security_bits
                    else "not secure")
        title = (f"{current.bits}-bit key ({strength}):\nencrypt "
                 f"{format_seconds(current.encrypt_seconds)}, add "
                 f"{format_seconds(current.add_seconds)}, decrypt "
                 f"{format_seconds(current.decrypt_seconds)}")
    else:
        now_x, now_y = [np.nan], (np.nan, np.nan, np.nan)
        title = "Paillier:\ntime per operation against key size"
    signature = ("key_size_costs", id(result), result.bits)
    drawn = _reusable(ax, signature)
    if drawn is None:  # first drawing on these axes: everything
        ax.cla()
        series = [("encrypt one number", result.encrypt_seconds, "o"),
                  ("decrypt one (CRT)", result.decrypt_seconds, "s"),
                  ("add two ciphertexts", result.add_seconds, "^")]
        for (label, values, marker), color in zip(series, colors):
            ax.plot(bits, values, color=color, marker=marker, markersize=5, linewidth=1.8,
                    label=label)
        ax.axhline(result.plain_add_seconds, color=GREY, linestyle="--", linewidth=1.2,
                   label="add two float64 (numpy)")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(FixedLocator(bits))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}"))
        ax.set_xlim(bits[0] / 1.3, bits[-1] * 1.3)
        ax.set_ylim(result.plain_add_seconds / 3, max(result.encrypt_seconds) * 300)
        _seconds_axis(ax)
        ax.set_xlabel("key size: bits of n")
        ax.set_ylabel("time per operation (log scale)")
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        drawn = {"now": ax.axvline(now_x[0], color=GREY, linestyle=":", linewidth=1.0)}
        for i, (y, color, (_, _, marker)) in enumerate(zip(now_y, colors, series)):
            drawn[f"mark{i}"], = ax.plot(now_x, [y], marker=marker, markersize=10, color=color,
                                         markerfacecolor="none", markeredgecolor=color,
                                         markeredgewidth=2.0, linestyle="none", zorder=4)
        _DRAWN[ax] = (signature, drawn)
    else:  # the same curves: move the marks only
        drawn["now"].set_xdata([now_x[0]] * 2)
        for i, y in enumerate(now_y):
            drawn[f"mark{i}"].set_data(now_x, [y])
    ax.set_title(title, fontsize=_TITLE_SIZE)
    return ax


def plot_aggregation_cost(point: KeySizePoint, *, ax: Axes | None = None, n_clients: int = 100,
                          dimension: int = 1000) -> Axes:
    """One round of encrypted aggregation at one key size, against the plaintext sum.

    Horizontal bars on a log time axis: numpy's plaintext sum; one client
    encrypting its update; the server adding every ciphertext; the key holder
    decrypting the sum. The upload in bytes is written under the title.

    Examples
    --------
    >>> from ppml_lab.he.experiments import key_size_costs
    >>> point = key_size_costs((256, 512), n_repeats=2, rng=0).at(256)
    >>> ax = plot_aggregation_cost(point, n_clients=10, dimension=100)
    >>> [t.get_text() for t in ax.get_yticklabels()][0]
    'plaintext sum (numpy)'
    """
    if not isinstance(point, KeySizePoint):
        raise fail("point", "a KeySizePoint", point, "Pass key_size_costs(...).at(bits).",
                   kind=TypeError)
    n_clients = check_integer(n_clients, "n_clients", minimum=1, maximum=10**6)
    dimension = check_integer(dimension, "dimension", minimum=1, maximum=10**9)
    cost = point.aggregation(n_clients, dimension)
    ax = _get_ax(ax)
    values = [cost.plain_seconds, cost.client_seconds, cost.server_seconds,
              cost.decrypt_seconds]
    y = np.arange(len(values))[::-1]
    signature = ("aggregation_cost", n_clients, dimension)
    drawn = _reusable(ax, signature)
    if drawn is None:  # first drawing on these axes: everything
        ax.cla()
        labels = ["plaintext sum (numpy)", "one client encrypts its update",
                  f"server adds {n_clients} encrypted updates", "key holder decrypts the sum"]
        bars = ax.barh(y, values, color=[GREY, VERMILLION, BLUE, ORANGE], height=0.6)
        ax.set_xscale("log")
        # a fixed range (1 us to 1 day) keeps the bars comparable as the key size changes
        ax.set_xlim(1e-6, 86400.0)
        ax.set_yticks(y, labels, fontsize=9)
        ax.xaxis.set_major_locator(FixedLocator([1e-6, 1e-3, 1.0, 60.0, 3600.0, 86400.0]))
        _seconds_axis(ax, "x")
        ax.set_xlabel("time (log scale)")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        drawn = {}
        for i, (bar, yi, v) in enumerate(zip(bars.patches, y, values)):
            drawn[f"bar{i}"] = bar
            drawn[f"text{i}"] = ax.text(v * 1.4, yi, format_seconds(v), va="center",
                                        fontsize=9)
        _DRAWN[ax] = (signature, drawn)
    else:  # the same rows: new lengths and labels
        for i, (yi, v) in enumerate(zip(y, values)):
            drawn[f"bar{i}"].set_width(v)
            drawn[f"text{i}"].set_position((v * 1.4, yi))
            drawn[f"text{i}"].set_text(format_seconds(v))
    up, plain = cost.bytes_up / 1e6, cost.bytes_plain / 1e6
    ax.set_title(f"One round: {n_clients} clients x {dimension:,} weights, {point.bits}-bit key"
                 f"\nupload {up:,.1f} MB of ciphertexts vs {plain:,.1f} MB of float64 "
                 f"({cost.bytes_up // cost.bytes_plain}x)", fontsize=_TITLE_SIZE)
    return ax


class KeySizeExplorer(Explorer):
    """Notebook 11: what Paillier costs as the key grows.

    One control, ``bits`` (a selection slider over the measured key sizes).
    Left: time per operation against key size, measured once on this machine
    (:func:`~ppml_lab.he.experiments.key_size_costs`, cached), with the
    current size marked. Right: one round of encrypted aggregation at that
    size (``n_clients`` updates of ``dimension`` weights) against numpy's
    plaintext sum. Moving the slider only redraws: nothing is re-measured.

    Parameters
    ----------
    bits : int, default 1024
        Initial key size, one of ``key_sizes``.
    key_sizes : sequence of int, default (256, 512, 1024, 2048)
    n_clients, dimension : int
        The federated round of the right panel (100 clients, 1,000 weights).
    n_repeats : int, default 5
        Timings per operation when measuring.
    rng : None, int or numpy Generator
        Seeds the measured keys (the same work timed at every size).
    dpi : float, default 90

    Examples
    --------
    >>> ex = KeySizeExplorer(key_sizes=(256, 512), bits=256, n_repeats=2, rng=0)
    >>> ex
    Explorer: Paillier key size
    >>> ex.set(bits=512)
    >>> ex.result.bits
    512
    """

    title = "Paillier key size"
    panel_shape = (1, 2)
    figsize = (11.0, 4.0)
    static_row_size = (11.0, 3.8)

    def __init__(self, *, bits: int = 1024, key_sizes: Sequence[int] = DEFAULT_KEY_SIZES,
                 n_clients: int = 100, dimension: int = 1000, n_repeats: int = 5,
                 rng: SeedLike = None, dpi: float = 90.0) -> None:
        self.key_sizes = tuple(key_sizes) if isinstance(key_sizes, Sequence) else key_sizes
        self.n_clients = check_integer(n_clients, "n_clients", minimum=1, maximum=10**6)
        self.dimension = check_integer(dimension, "dimension", minimum=1, maximum=10**9)
        self.n_repeats = check_integer(n_repeats, "n_repeats", minimum=1, maximum=1000)
        # measure before any control exists: a bad key_sizes fails here, with its own message.
        # An int rng seeds the keys (and caches the timings); otherwise seed 0: the keys only
        # set what is timed, and a fixed seed times the same work on every run.
        seed = rng if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) else 0
        self.costs = key_size_costs(self.key_sizes, n_repeats=self.n_repeats, rng=seed)
        super().__init__(rng=rng, dpi=dpi, bits=bits)

    def _make_controls(self) -> dict[str, widgets.Widget]:
        value = 1024 if 1024 in self.costs.bits else self.costs.bits[0]
        return {"bits": widgets.SelectionSlider(
            options=[(str(b), b) for b in self.costs.bits], value=value, description="bits",
            continuous_update=True, style={"description_width": "initial"},
            layout=widgets.Layout(width="340px"))}

    def _compute(self, values: dict[str, Any], seed: int) -> KeySizePoint:
        return self.costs.at(values["bits"])

    def _plot(self, result: KeySizePoint, axes: np.ndarray) -> None:
        plot_key_size_costs(result.costs, ax=axes[0], current=result)
        plot_aggregation_cost(result, ax=axes[1], n_clients=self.n_clients,
                              dimension=self.dimension)

    def _readout(self, result: KeySizePoint) -> str:
        return result.summary()

    def static_figure(self, values: Any = None, *, parameter: str = "bits") -> StaticFigure:
        """Small multiples: one row per key size (by default the smallest and the largest)."""
        if values is None and parameter == "bits":
            values = [self.costs.bits[0], self.costs.bits[-1]]
        return super().static_figure(values, parameter=parameter)
