"""Shamir's threshold, seen: the plots and the explorer of notebook 09.

Layer 2: :func:`plot_coalitions` (which coalitions of parties reconstruct the
secret) and :func:`plot_coalition_view` (what the largest coalition that does
not, ``threshold - 1`` parties, sees over many fresh sharings: a flat histogram
that does not move with the secret). Layer 3: :class:`ThresholdExplorer` wires a
``threshold`` slider and a ``secret`` slider to
:func:`~ppml_lab.secret_sharing.experiments.threshold_demo` and to both plots.

Introduced in notebook 09.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes

from .._random import SeedLike
from .._validation import check_integer, fail
from ..secret_sharing.experiments import ThresholdDemo, threshold_demo
from ._explorer import Explorer, StaticFigure
from .plots import _TITLE_SIZE, _get_ax
from .style import BLACK, BLUE, GREEN, GREY, ORANGE, PURPLE, SKY_BLUE, VERMILLION, YELLOW

__all__ = ["plot_coalitions", "plot_coalition_view", "ThresholdExplorer"]

_PARTY_COLOURS = (BLUE, ORANGE, VERMILLION, GREEN, PURPLE, SKY_BLUE, YELLOW)
#: each party's line style too (not "--" nor ":", the reference secret's and the uniform's)
_PARTY_LINESTYLES = ("-", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)),
                     (0, (3, 2, 1, 2, 1, 2)), (0, (12, 2, 2, 2)))


def _check(result: Any) -> ThresholdDemo:
    if not isinstance(result, ThresholdDemo):
        raise fail("result", "a ThresholdDemo", result, "Pass the result of threshold_demo(...).",
                   kind=TypeError)
    return result


def plot_coalitions(result: ThresholdDemo, *, ax: Axes | None = None) -> Axes:
    """Bars per coalition size: how many coalitions reconstruct (blue) or are refused (hatched).

    Examples
    --------
    >>> from ppml_lab.secret_sharing.experiments import threshold_demo
    >>> ax = plot_coalitions(threshold_demo(4, 3, rng=0))
    >>> ax.get_xlabel()
    'parties in the coalition'
    """
    result = _check(result)
    ax = _get_ax(ax)
    ax.cla()
    sizes = np.array(result.coalition_sizes)
    ok = np.array(result.n_reconstructed)
    refused = np.array(result.n_coalitions) - ok
    ax.bar(sizes, ok, color=BLUE, label="reconstruct the secret")
    ax.bar(sizes, refused, bottom=ok, facecolor="white", edgecolor=GREY, hatch="//",
           linewidth=0.8, label="refused: too few shares")
    ax.axvline(result.threshold - 0.5, color=VERMILLION, linestyle="--", linewidth=1.4,
               label=f"threshold = {result.threshold}")
    top = max(result.n_coalitions)
    ax.set_xticks(sizes)
    ax.set_ylim(0, top * 1.3)
    ax.set_xlabel("parties in the coalition")
    ax.set_ylabel("coalitions")
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncol=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    total = sum(result.n_coalitions)
    ax.set_title(f"{int(ok.sum())} of {total} coalitions of {result.n_shares} parties "
                 "reconstruct", fontsize=_TITLE_SIZE)
    return ax


def plot_coalition_view(result: ThresholdDemo, *, ax: Axes | None = None) -> Axes:
    """Histograms of the shares that ``threshold - 1`` parties see, for two secrets.

    One line per party (its own colour and line style): each party's share (divided by the prime ``p``) over the
    trials, for the secret; dashed grey: the same for the reference secret; the
    dotted line is the uniform density. All are flat and alike.

    Examples
    --------
    >>> from ppml_lab.secret_sharing.experiments import threshold_demo
    >>> ax = plot_coalition_view(threshold_demo(4, 3, rng=0))
    >>> ax.get_title()[:21]
    'What 2 parties see: f'
    """
    result = _check(result)
    ax = _get_ax(ax)
    ax.cla()
    edges = result.bin_edges
    width = edges[1] - edges[0]
    for i, (counts, ref) in enumerate(zip(result.counts, result.reference_counts)):
        density = counts / (counts.sum() * width)
        ref_density = ref / (ref.sum() * width)
        ax.stairs(ref_density, edges, color=GREY, linestyle="--", linewidth=1.0,
                  label=f"secret {result.reference_secret}" if i == 0 else None)
        ax.stairs(density, edges, color=_PARTY_COLOURS[i % len(_PARTY_COLOURS)], linewidth=1.6,
                  linestyle=_PARTY_LINESTYLES[i % len(_PARTY_LINESTYLES)],
                  label=f"party {i + 1}'s share, secret {result.secret}")
    ax.axhline(1.0, color=BLACK, linestyle=":", linewidth=1.0, label="uniform")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 2.0)
    ax.set_xlabel("share / p  (p = 2**61 - 1)")
    ax.set_ylabel("density over the trials")
    ax.legend(loc="upper right", fontsize=7, frameon=False, ncol=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    k = result.threshold - 1
    ax.set_title(f"What {k} part{'y' if k == 1 else 'ies'} see{'s' if k == 1 else ''}: flat "
                 f"(p = {result.p_uniform:.2f}), same for secret {result.reference_secret} "
                 f"(p = {result.p_same:.2f})", fontsize=_TITLE_SIZE)
    return ax


class ThresholdExplorer(Explorer):
    """Notebook 09: Shamir's threshold, which coalitions reconstruct and what others see.

    Controls: ``threshold`` (2 to ``n_shares``) and ``secret`` (0 to 1000).
    Left: every coalition of the ``n_shares`` parties is tried with
    ``shamir_combine``; those of at least ``threshold`` parties get the secret
    back. Right: over ``n_trials`` fresh sharings, the shares of parties 1 to
    ``threshold - 1`` (the largest coalition that is refused) are flat, and do
    not move when the secret moves. The seed is the explorer's, the same at every
    move.

    Examples
    --------
    >>> ex = ThresholdExplorer(rng=0)
    >>> ex
    Explorer: Shamir threshold
    >>> ex.set(threshold=4)
    >>> ex.result.n_reconstructed[3] == ex.result.n_coalitions[3]
    True
    """

    title = "Shamir threshold"
    panel_shape = (1, 2)
    figsize = (10.0, 3.8)
    static_row_size = (10.0, 3.3)
    static_values = (2, 3, 5)

    def __init__(self, *, n_shares: int = 5, threshold: int = 3, secret: int = 700,
                 n_trials: int = 4000, rng: SeedLike = None, dpi: float = 90.0) -> None:
        self.n_shares = check_integer(n_shares, "n_shares", minimum=2, maximum=8,
                                      fix="Pass e.g. n_shares=5.")
        self.n_trials = check_integer(n_trials, "n_trials", minimum=100, maximum=10**6)
        super().__init__(rng=rng, dpi=dpi, threshold=threshold, secret=secret)

    def _make_controls(self) -> dict[str, widgets.Widget]:
        style = {"description_width": "initial"}
        return {
            "threshold": widgets.IntSlider(value=min(3, self.n_shares), min=2,
                                           max=self.n_shares, step=1, description="threshold",
                                           continuous_update=True, style=style,
                                           layout=widgets.Layout(width="300px")),
            "secret": widgets.IntSlider(value=700, min=0, max=1000, step=50,
                                        description="secret", continuous_update=True,
                                        style=style, layout=widgets.Layout(width="300px")),
        }

    def _check_value(self, name: str, value: Any) -> Any:
        number = super()._check_value(name, value)
        if float(number) != int(number):
            raise fail(name, "a whole number", value)
        return int(number)

    def _compute(self, values: dict[str, Any], seed: int) -> ThresholdDemo:
        return threshold_demo(self.n_shares, int(values["threshold"]), int(values["secret"]),
                              n_trials=self.n_trials, rng=seed)

    def _plot(self, result: Any, axes: np.ndarray) -> None:
        plot_coalitions(result, ax=axes[0])
        plot_coalition_view(result, ax=axes[1])

    def _readout(self, result: Any) -> str:
        return result.summary()

    def static_figure(self, values: Any = None, *, parameter: str = "threshold") -> StaticFigure:
        """Small multiples: one row per threshold (by default 2, 3 and 5)."""
        if values is None and parameter == "threshold":
            values = [v for v in self.static_values if v <= self.n_shares]
        return super().static_figure(values, parameter=parameter)
