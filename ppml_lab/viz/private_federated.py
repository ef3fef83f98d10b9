"""Plots and the explorer of notebook 08 (private federated learning).

Layer 2 draws the records of :mod:`ppml_lab.federated.private_experiments` and
:mod:`ppml_lab.attacks.gradient_inversion`:

* :func:`plot_recovered_digits`: the digits behind one update, above what a
  curious server reads off it (:class:`~ppml_lab.federated.private_experiments.InversionGallery`);
* :func:`plot_inversion_quality`: how the recovery degrades with the batch size,
  the number of clients summed, or the noise
  (:class:`~ppml_lab.attacks.gradient_inversion.InversionResult`);
* :func:`plot_dp_fedavg_curve`: DP-FedAvg's test accuracy against epsilon;
* :func:`plot_noise_at_epsilon`: the noise on the averaged update that each number
  of clients per round needs for one epsilon.

Layer 3, :class:`DPFedAvgExplorer`, wires a noise-multiplier slider and a
clients-per-round slider to the last two. Colours follow :mod:`ppml_lab.viz.plots`.

Introduced in notebook 08.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

from .._random import SeedLike
from .._validation import check_bounds, check_choice, check_delta, check_integer, fail
from ..attacks.gradient_inversion import InversionResult
from ..federated.private_experiments import (FEDAVG_CLIENTS_PER_ROUND, FEDAVG_NOISE_MULTIPLIERS,
                                             DPFedAvgCurve, DPFedAvgPoint, InversionGallery,
                                             NoiseAtEpsilon, dp_fedavg_curve, noise_at_epsilon)
from ._explorer import Explorer, StaticFigure, privacy_slider
from .plots import (_DRAWN, _TITLE_SIZE, BLACK, BLUE, EPSILON_LABEL, GREY, VERMILLION, _get_ax,
                    _legend, _percent, _plain, _relabel, _reusable)
from .style import direct_label

__all__ = ["plot_recovered_digits", "plot_inversion_quality", "plot_dp_fedavg_curve",
           "plot_noise_at_epsilon", "DPFedAvgView", "DPFedAvgExplorer"]

_DIGIT_CMAP = colormaps["gray_r"].with_extremes(bad="white")
_GAP = 2  # pixels between digits in the mosaic


def _tidy(ax: Axes, xlabel: str, ylabel: str) -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


# --- gradient inversion --------------------------------------------------------------------------

def _scaled(image: np.ndarray) -> np.ndarray:
    """An image on its own grey scale (min 0, max 1); NaN stays NaN, a flat image is 0."""
    if np.all(np.isnan(image)):
        return image
    low, high = np.nanmin(image), np.nanmax(image)
    return (image - low) / (high - low) if high > low else np.zeros_like(image)


def plot_recovered_digits(result: InversionGallery, *, ax: Axes | None = None,
                          max_digits: int = 10) -> Axes:
    """The digits behind an update (top row) and what the server recovers (bottom row).

    Each recovered digit is the row the attack reads for the true digit's label,
    shown on its own grey scale (its minimum white, its maximum black): the
    attack recovers a digit up to brightness and contrast, and so does the quality
    measure, the correlation printed under it. An empty square means the attack
    found nothing for that label.

    Parameters
    ----------
    result : InversionGallery
        From :func:`~ppml_lab.federated.private_experiments.inversion_gallery`.
    ax : Axes, optional
        Where to draw; by default a new figure.
    max_digits : int, default 10
        Show at most this many digits (the first ones, by label).

    Returns
    -------
    Axes

    Introduced in notebook 08.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot
    >>> from ppml_lab.federated.private_experiments import inversion_gallery
    >>> ax = plot_recovered_digits(inversion_gallery(3, rng=0))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['true', 'recovered']
    >>> ax.images[0].get_array().shape  # 2 rows and 3 columns of 8x8 digits, 2 pixels apart
    (18, 28)
    >>> matplotlib.pyplot.close("all")
    """
    if not isinstance(result, InversionGallery):
        raise fail("result", "an InversionGallery", result,
                   "Pass the result of inversion_gallery(...).", kind=TypeError)
    max_digits = check_integer(max_digits, "max_digits", minimum=1, maximum=100,
                               fix="Pass e.g. max_digits=10.")
    ax = _get_ax(ax, (min(1.0 + 0.9 * max_digits, 10.0), 2.6))
    n = min(len(result.true_labels), max_digits)
    cell = 8 + _GAP
    mosaic = np.full((2 * cell - _GAP, n * cell - _GAP), np.nan)
    for j in range(n):
        left = j * cell
        mosaic[:8, left:left + 8] = result.true_images[j].reshape(8, 8)
        mosaic[cell:cell + 8, left:left + 8] = _scaled(result.recovered[j]).reshape(8, 8)
    ax.cla()
    ax.imshow(np.ma.masked_invalid(mosaic), cmap=_DIGIT_CMAP, vmin=0.0, vmax=1.0,
              interpolation="nearest")
    for j in range(n):
        q = result.quality[j]
        ax.text(j * cell + 3.5, cell + 8.6, "none" if np.isnan(q) else f"r = {q:.2f}",
                ha="center", va="top", fontsize=7, color="#333333")
    ax.set_xticks([j * cell + 3.5 for j in range(n)],
                  [str(int(label)) for label in result.true_labels[:n]], fontsize=8)
    ax.xaxis.set_ticks_position("top")
    ax.tick_params(length=0)
    ax.set_yticks([3.5, cell + 3.5], ["true", "recovered"], fontsize=8)
    ax.set_ylim(2 * cell + 0.5, -0.5)
    for side in ax.spines.values():
        side.set_visible(False)
    setting = [f"batch of {result.batch_size}"]
    if result.n_clients_summed > 1:
        setting.append(f"{result.n_clients_summed} clients summed")
    if result.noise_multiplier > 0:
        setting.append(f"noise multiplier {result.noise_multiplier:g}")
    ax.set_title(f"{', '.join(setting)}: mean correlation {result.mean_quality:.2f}",
                 fontsize=_TITLE_SIZE)
    return ax


_QUALITY_KINDS = ("batch", "summed", "noise")


def plot_inversion_quality(result: InversionResult, *, kind: str = "batch",
                           ax: Axes | None = None) -> Axes:
    """How well gradient inversion recovers digits, against one knob of the setting.

    ``kind="batch"``: one client, a batch of distinct labels, against the batch
    size; ``"summed"``: the sum of one-example clients (what secure aggregation
    shows the server), against their number; ``"noise"``: one clipped one-example
    gradient plus Gaussian noise, against the noise multiplier (log axis). The
    mean correlation over the recovered digits is a blue line; for the first two
    the best recovered digit is a dashed line.

    Parameters
    ----------
    result : InversionResult
        From :func:`~ppml_lab.attacks.inversion_experiment`.
    kind : {"batch", "summed", "noise"}, default "batch"
    ax : Axes, optional

    Returns
    -------
    Axes

    Introduced in notebook 08.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot
    >>> from ppml_lab.attacks import inversion_experiment
    >>> r = inversion_experiment(n_trials=3, rng=0)
    >>> plot_inversion_quality(r, kind="noise").get_xscale()
    'log'
    >>> matplotlib.pyplot.close("all")
    """
    if not isinstance(result, InversionResult):
        raise fail("result", "an InversionResult", result,
                   "Pass the result of inversion_experiment(...).", kind=TypeError)
    kind = check_choice(kind, "kind", _QUALITY_KINDS)
    ax = _get_ax(ax, (4.5, 3.4))
    if kind == "batch":
        x, mean, best = result.batch_sizes, result.batch_mean_quality, result.batch_best_quality
        xlabel, title = "examples in the client's batch", "One client, a growing batch"
    elif kind == "summed":
        x, mean, best = (result.n_clients_summed, result.summed_mean_quality,
                         result.summed_best_quality)
        xlabel, title = "one-example clients summed", "Updates summed over clients"
    else:
        x, mean, best = result.noise_multipliers, result.noise_quality, None
        xlabel, title = "noise multiplier (clip 1, one example)", "A clipped, noised gradient"
    ax.cla()
    ax.axhline(1.0, color=GREY, linewidth=1.0, linestyle=":")
    handles = [ax.plot(x, mean, color=BLUE, marker="o", markersize=4, linewidth=1.8,
                       label="mean over recovered digits")[0]]
    if best is not None:
        handles.append(ax.plot(x, best, color=VERMILLION, linestyle="--", marker="s",
                               markersize=3, linewidth=1.4, label="best recovered digit")[0])
    if kind == "noise":
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(_plain))
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_locator(FixedLocator([float(v) for v in x]))
        ax.xaxis.set_major_formatter(FuncFormatter(_plain))
        ax.xaxis.set_minor_locator(NullLocator())
    ax.set_ylim(min(0.0, float(np.min(mean)) - 0.05), 1.05)
    _tidy(ax, xlabel, "correlation with the true digit")
    _legend(ax, "lower left", handles)
    ax.set_title(f"{title} ({result.n_trials} trials)", fontsize=_TITLE_SIZE)
    return ax


# --- DP-FedAvg -----------------------------------------------------------------------------------

def _fedavg_point(result: DPFedAvgCurve, current: Any) -> DPFedAvgPoint | None:
    if current is None or isinstance(current, DPFedAvgPoint):
        return current
    return result.at(current)


def plot_dp_fedavg_curve(result: DPFedAvgCurve, *, ax: Axes | None = None,
                         current: DPFedAvgPoint | float | None = None,
                         others: tuple[DPFedAvgCurve, ...] = (),
                         xlim: tuple[float, float] | None = None) -> Axes:
    """DP-FedAvg's test accuracy against epsilon (log axis), one curve per noise-multiplier grid.

    The median over seeds is a blue line (one point per noise multiplier; larger
    noise is further left), the band spans the lowest to the highest seed, the
    same runs without noise are a dashed black line, and the current point (if
    given) is a vermillion dot with its spread. ``others`` (curves for other
    numbers of clients per round) are thin grey lines labelled with their number.

    Parameters
    ----------
    result : DPFedAvgCurve
    ax : Axes, optional
    current : DPFedAvgPoint or float, optional
        The point to mark, or a noise multiplier of the curve.
    others : tuple of DPFedAvgCurve, optional
    xlim : (float, float), optional
        Epsilon range; by default the curves' own, with a margin. Keep it fixed to
        compare curves.

    Returns
    -------
    Axes

    Introduced in notebook 08.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot
    >>> from ppml_lab.federated.private_experiments import dp_fedavg_curve
    >>> curve = dp_fedavg_curve(10, noise_multipliers=[1.0, 4.0], n_clients=100, rounds=2,
    ...                         n_seeds=2, rng=0)
    >>> ax = plot_dp_fedavg_curve(curve, current=1.0)
    >>> ax.get_xscale(), tuple(float(y) for y in ax.get_ylim())
    ('log', (0.0, 1.0))
    >>> matplotlib.pyplot.close("all")
    """
    if not isinstance(result, DPFedAvgCurve):
        raise fail("result", "a DPFedAvgCurve", result,
                   "Pass the result of dp_fedavg_curve(...).", kind=TypeError)
    if isinstance(others, DPFedAvgCurve) or not all(isinstance(c, DPFedAvgCurve) for c in others):
        raise fail("others", "a tuple of DPFedAvgCurve", others,
                   "Pass e.g. others=(dp_fedavg_curve(10), dp_fedavg_curve(200)).",
                   kind=TypeError)
    ax = _get_ax(ax)
    point = _fedavg_point(result, current)
    eps = np.asarray(result.epsilons, dtype=float)
    if xlim is None:
        every = np.concatenate([eps] + [np.asarray(c.epsilons) for c in others])
        xlim = (float(every.min()) / 1.5, float(every.max()) * 1.5)
    xlim = check_bounds(xlim, "xlim", fix="Pass e.g. xlim=(0.01, 50).")
    if point is None:
        now_x, now_y, bar = np.nan, np.nan, ([np.nan] * 2, [np.nan] * 2)
        title = f"{result.clients_per_round:,} clients per round: accuracy against epsilon"
    else:
        now_x, now_y = point.epsilon, point.median
        bar = ([point.epsilon] * 2, [point.low, point.high])
        title = (f"{point.clients_per_round:,} clients per round, noise multiplier "
                 f"{point.noise_multiplier:g}: epsilon {point.epsilon:.2f}, "
                 f"accuracy {100 * point.median:.0f}%")
    labels = {"median": f"{result.clients_per_round:,} clients per round: median of "
                        f"{result.n_seeds} seeds",
              "baseline": f"same clients, no noise: {100 * result.baseline:.0f}%"}
    signature = ("dp-fedavg", xlim, eps.size, tuple(c.clients_per_round for c in others))
    drawn = _reusable(ax, signature)
    if drawn is None:
        ax.cla()
        drawn = {"now": ax.axvline(now_x, color=GREY, linewidth=1.0, linestyle=":")}
        for c in others:  # static: drawn once, under everything else
            other, = ax.plot(c.epsilons, c.median, color="#bbbbbb", linewidth=1.0, zorder=1)
            direct_label(other, ax.text(float(c.epsilons[0]) * 1.08, float(c.median[0]),
                                        f"{c.clients_per_round:,}", fontsize=7, color="#888888",
                                        va="center", zorder=1))
        drawn["band"] = ax.fill_between(eps, result.low, result.high, color=BLUE, alpha=0.2,
                                        linewidth=0, label="spread (lowest to highest seed)")
        drawn["median"], = ax.plot(eps, result.median, color=BLUE, linewidth=1.8, marker="o",
                                   markersize=4, label=labels["median"], zorder=2)
        drawn["baseline"] = ax.axhline(result.baseline, color=BLACK, linewidth=1.2,
                                       linestyle="--", label=labels["baseline"])
        drawn["bar"], = ax.plot(*bar, color=VERMILLION, linewidth=2.0, marker="_",
                                markersize=8, markeredgewidth=2.0, zorder=3)  # an error bar
        drawn["point"], = ax.plot([now_x], [now_y], linestyle="none", marker="o", markersize=8,
                                  color=VERMILLION, zorder=4)
        ax.set_xscale("log")
        ax.set_xlim(*xlim)
        ax.set_ylim(0.0, 1.0)
        ax.xaxis.set_major_formatter(FuncFormatter(_plain))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(FuncFormatter(_percent))
        _tidy(ax, EPSILON_LABEL, "test accuracy (10 digits)")
        handles = [drawn["median"], drawn["baseline"], drawn["band"]]
        if others:
            handles.append(ax.plot([], [], color="#bbbbbb", linewidth=1.0,
                                   label="other clients per round (grey)")[0])
        drawn["legend"] = _legend(ax, "lower right", handles)
        _DRAWN[ax] = (signature, drawn)
    else:
        drawn["now"].set_xdata([now_x] * 2)
        drawn["band"].set_data(eps, result.low, result.high)
        drawn["median"].set_data(eps, result.median)
        drawn["median"].set_label(labels["median"])
        drawn["baseline"].set_ydata([result.baseline] * 2)
        drawn["baseline"].set_label(labels["baseline"])
        drawn["bar"].set_data(*bar)
        drawn["point"].set_data([now_x], [now_y])
        _relabel(drawn)
    ax.set_title(title, fontsize=_TITLE_SIZE)
    return ax


def _decades(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values) & (values > 0)]
    if finite.size == 0:
        return (1e-3, 1.0)
    return (10.0 ** math.floor(math.log10(finite.min())),
            10.0 ** math.ceil(math.log10(finite.max()) + 1e-9))


def plot_noise_at_epsilon(result: NoiseAtEpsilon, *, ax: Axes | None = None,
                          current: int | None = None, signal: float | None = None,
                          ylim: tuple[float, float] | None = None) -> Axes:
    """The noise on the averaged update that each number of clients per round needs.

    Log-log: clients per round against ``noise_multiplier * clip_norm /
    clients_per_round``, all at ``result.epsilon``. It falls steeply while the
    sampling rate is small (the accountant's amplification lets the noise
    multiplier grow more slowly than the number of clients) and flattens as the
    whole population takes part. ``signal`` draws a dashed reference line (e.g.
    a clipped update of norm ``clip_norm`` spread evenly over the model's weights).

    Parameters
    ----------
    result : NoiseAtEpsilon
        From :func:`~ppml_lab.federated.private_experiments.noise_at_epsilon`.
    ax : Axes, optional
    current : int, optional
        A number of clients per round to mark.
    signal : float, optional
        Height of the reference line.
    ylim : (float, float), optional
        Default: whole decades around the values (fixed limits redraw faster).

    Returns
    -------
    Axes

    Introduced in notebook 08.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot
    >>> from ppml_lab.federated.private_experiments import noise_at_epsilon
    >>> ax = plot_noise_at_epsilon(noise_at_epsilon(1.0), current=50)
    >>> ax.get_xscale(), ax.get_yscale(), tuple(float(y) for y in ax.get_ylim())
    ('log', 'log', (0.01, 1.0))
    >>> matplotlib.pyplot.close("all")
    """
    if not isinstance(result, NoiseAtEpsilon):
        raise fail("result", "a NoiseAtEpsilon", result,
                   "Pass the result of noise_at_epsilon(...).", kind=TypeError)
    ax = _get_ax(ax, (5.0, 3.6))
    ms = np.asarray(result.clients_per_round, dtype=float)
    std = np.asarray(result.noise_std, dtype=float)
    if current is None:
        now = ([np.nan], [np.nan])
    else:
        now = ([float(current)], [result.std_at(current)])
    if ylim is None:
        ylim = _decades(np.append(std, signal if signal is not None else np.nan))
    ylim = check_bounds(ylim, "ylim", fix="Pass e.g. ylim=(0.001, 1.0).")
    label = f"noise std on the average, epsilon = {result.epsilon:.2f}"
    signature = ("noise-at-epsilon", ylim, ms.size, float(ms[0]), float(ms[-1]), signal)
    drawn = _reusable(ax, signature)
    if drawn is None:
        ax.cla()
        drawn = {}
        if signal is not None:
            ax.axhline(signal, color=BLACK, linewidth=1.0, linestyle="--",
                       label=f"an update of norm {result.clip_norm:g} spread over all weights")
        drawn["line"], = ax.plot(ms, std, color=BLUE, marker="o", markersize=4, linewidth=1.8,
                                 label=label)
        drawn["point"], = ax.plot(*now, linestyle="none", marker="o", markersize=8,
                                  color=VERMILLION, zorder=4)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(float(ms[0]) / 1.3, float(ms[-1]) * 1.3)
        ax.set_ylim(*ylim)
        ax.xaxis.set_major_locator(FixedLocator([float(m) for m in ms]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(FuncFormatter(_plain))
        ax.yaxis.set_minor_formatter(NullFormatter())
        _tidy(ax, f"clients per round (of {result.n_clients:,})",
              "noise std per coordinate (sigma C / m)")
        handles = [drawn["line"]] + ([ax.get_lines()[0]] if signal is not None else [])
        drawn["legend"] = _legend(ax, "upper right", handles)
        _DRAWN[ax] = (signature, drawn)
    else:
        drawn["line"].set_data(ms, std)
        drawn["line"].set_label(label)
        drawn["point"].set_data(*now)
        _relabel(drawn)
    ax.set_title(f"Same epsilon ({result.epsilon:.2f}), more clients per round: less noise",
                 fontsize=_TITLE_SIZE)
    return ax


# --- the explorer --------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, eq=False)
class DPFedAvgView:
    """What :class:`DPFedAvgExplorer` shows: the current point, the curves, the noise panel.

    Attributes
    ----------
    point : DPFedAvgPoint
        The current setting (its ``curve`` is the current clients per round's).
    curves : tuple of DPFedAvgCurve
        One curve per clients-per-round choice (only the current one when the
        explorer was made with ``warm=False``).
    noise : NoiseAtEpsilon
        At the current point's epsilon.
    """

    point: DPFedAvgPoint
    curves: tuple
    noise: NoiseAtEpsilon

    def summary(self) -> str:
        """The point's summary, then what other numbers of clients per round would need."""
        p, noise = self.point, self.noise
        text = p.summary()
        others = [int(m) for m in noise.clients_per_round
                  if m != p.clients_per_round and m in FEDAVG_CLIENTS_PER_ROUND]
        few, many = others[0], others[-1]
        std = noise.std_at(p.clients_per_round)
        parts = []
        for m in (few, many):
            other = noise.std_at(m)
            if np.isfinite(other):
                parts.append(f"{m:,} clients per round would need {other:.3f}")
        floor = float(np.nanmin(noise.noise_std))
        return (f"{text} At this epsilon the server's noise on each coordinate of the averaged "
                f"update has standard deviation {std:.3f}; " + " and ".join(parts)
                + f" (never less than {floor:.3f} with {noise.n_clients:,} clients in all). More "
                "clients per round, less noise per client for the same epsilon: the reason "
                "production systems average thousands of clients per round.")


class DPFedAvgExplorer(Explorer):
    """Notebook 08: DP-FedAvg's accuracy against epsilon, with the client-count slider.

    Controls: ``noise_multiplier`` (0.5 to 8; its right end is marked more
    private) and ``clients_per_round`` (10 to 200 of 1,000 clients; at a fixed
    noise multiplier its left end is more private: each client takes part in
    fewer rounds). Left panel: the final test accuracy of DP-FedAvg on the digits
    against epsilon (median and lowest-to-highest band over ``n_seeds`` seeds,
    one point per noise multiplier, :func:`~ppml_lab.federated.private_experiments.dp_fedavg_curve`),
    the same runs without noise dashed, the other clients-per-round curves in
    grey, the current point in vermillion. Right panel: at the current epsilon,
    the noise on the averaged update that each number of clients per round needs
    (:func:`~ppml_lab.federated.private_experiments.noise_at_epsilon`). The seeds
    are the explorer's, the same at every move.

    With ``warm=True`` (the default) every curve is computed when the explorer
    is made (about 7 s on 2 cores for the defaults; cached, so a second explorer
    with the same seed is instant), and then every move only redraws (tens of
    milliseconds). With ``warm=False`` only the current curve is computed and a
    new ``clients_per_round`` costs 0.5 to 3.5 s the first time.

    Parameters
    ----------
    noise_multiplier : float, default 1.4
        One of :data:`~ppml_lab.federated.private_experiments.FEDAVG_NOISE_MULTIPLIERS`.
    clients_per_round : int, default 50
        One of 10, 20, 50, 100, 200.
    n_clients : int, default 1000
        At least 200 (the slider's largest value).
    rounds : int, default 20
    n_seeds : int, default 3
    delta : float, default 1e-5
    warm : bool, default True
    rng : None, int or numpy.random.Generator
        Where the explorer's seeds come from.
    dpi : float, default 90

    Examples
    --------
    >>> ex = DPFedAvgExplorer(n_clients=300, rounds=2, n_seeds=2, warm=False, rng=0)
    >>> ex
    Explorer: DP-FedAvg
    >>> curve = ex.result.point.curve
    >>> ex.set(noise_multiplier=4.0)
    >>> ex.result.point.curve is curve  # the noise multiplier moves along the same curve
    True
    >>> ex.set(clients_per_round=100)
    >>> ex.result.point.sample_rate
    0.3333333333333333
    """

    title = "DP-FedAvg"
    panel_shape = (1, 2)
    figsize = (10.5, 4.2)
    static_row_size = (10.5, 3.6)
    static_values = (10, 50, 200)

    def __init__(self, *, noise_multiplier: float = 1.4, clients_per_round: int = 50,
                 n_clients: int = 1000, rounds: int = 20, n_seeds: int = 3,
                 delta: float = 1e-5, warm: bool = True, rng: SeedLike = None,
                 dpi: float = 90.0) -> None:
        self.n_clients = check_integer(n_clients, "n_clients", minimum=max(FEDAVG_CLIENTS_PER_ROUND),
                                       maximum=1257, fix="Pass e.g. n_clients=1000.")
        self.rounds = check_integer(rounds, "rounds", minimum=1, maximum=200,
                                    fix="Pass e.g. rounds=20.")
        self.n_seeds = check_integer(n_seeds, "n_seeds", minimum=1, maximum=20,
                                     fix="Pass e.g. n_seeds=3.")
        self.delta = check_delta(delta)
        self.warm = bool(warm)
        self._xlim: tuple[float, float] | None = None
        super().__init__(rng=rng, dpi=dpi, noise_multiplier=noise_multiplier,
                         clients_per_round=clients_per_round)

    def _make_controls(self) -> dict[str, widgets.Widget]:
        style, width = {"description_width": "initial"}, widgets.Layout(width="520px")
        sigma = widgets.SelectionSlider(
            options=[(f"{s:g}", s) for s in FEDAVG_NOISE_MULTIPLIERS], value=1.4,
            continuous_update=True, style=style, layout=width)
        clients = widgets.SelectionSlider(
            options=[(f"{m:,}", m) for m in FEDAVG_CLIENTS_PER_ROUND], value=50,
            continuous_update=True, style=style, layout=width)
        return {
            "noise_multiplier": privacy_slider(sigma, "noise_multiplier", more_private="right",
                                               why="more noise on the sum"),
            "clients_per_round": privacy_slider(
                clients, "clients_per_round", more_private="left",
                why="at a fixed noise multiplier, a smaller sampling rate (each client takes "
                    "part in fewer rounds); but more clients per round need less noise per "
                    "client for the same epsilon"),
        }

    def _curve(self, clients_per_round: int, seed: int) -> DPFedAvgCurve:
        return dp_fedavg_curve(clients_per_round, n_clients=self.n_clients, rounds=self.rounds,
                               n_seeds=self.n_seeds, delta=self.delta, rng=seed)

    def _compute(self, values: dict[str, Any], seed: int) -> DPFedAvgView:
        m = values["clients_per_round"]
        if self.warm:
            curves = tuple(self._curve(c, seed) for c in FEDAVG_CLIENTS_PER_ROUND)
            curve = curves[FEDAVG_CLIENTS_PER_ROUND.index(m)]
        else:
            curve = self._curve(m, seed)
            curves = (curve,)
        if self._xlim is None:  # the same epsilon axis for every curve: from the accountant
            every = [float(e) for c in FEDAVG_CLIENTS_PER_ROUND
                     for e in (self._epsilon(c, FEDAVG_NOISE_MULTIPLIERS[0]),
                               self._epsilon(c, FEDAVG_NOISE_MULTIPLIERS[-1]))]
            self._xlim = (min(every) / 1.5, max(every) * 1.5)
        point = curve.at(values["noise_multiplier"])
        noise = noise_at_epsilon(point.epsilon, n_clients=self.n_clients, rounds=self.rounds,
                                 delta=self.delta)
        return DPFedAvgView(point, curves, noise)

    def _epsilon(self, clients_per_round: int, noise_multiplier: float) -> float:
        from ..federated import DPFedAvg, FedAvg

        return float(DPFedAvg(FedAvg(), 1.0, noise_multiplier, delta=self.delta).epsilons(
            self.rounds, self.n_clients, clients_per_round)[-1])

    def _plot(self, result: DPFedAvgView, axes: np.ndarray) -> None:
        point = result.point
        # every curve in grey (the same set at every move, so only the data are redrawn)
        plot_dp_fedavg_curve(point.curve, ax=axes[0], current=point,
                             others=result.curves if len(result.curves) > 1 else (),
                             xlim=self._xlim)
        plot_noise_at_epsilon(result.noise, ax=axes[1], current=point.clients_per_round,
                              signal=1.0 / math.sqrt(650), ylim=(5e-4, 2.0))  # digits: 650 weights

    def _readout(self, result: DPFedAvgView) -> str:
        return result.summary()

    def static_figure(self, values: Any = None, *,
                      parameter: str = "clients_per_round") -> StaticFigure:
        """Small multiples: one row per clients per round (by default 10, 50 and 200).

        Any other control can be varied instead, e.g.
        ``static_figure([0.7, 2.0, 5.6], parameter="noise_multiplier")``.
        """
        if values is None and parameter == "clients_per_round":
            values = self.static_values
        return super().static_figure(values, parameter=parameter)
