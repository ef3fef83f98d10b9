"""Plots of the experiments in :mod:`ppml_lab.dp.experiments` (layer 2 of a visual).

Each ``plot_*`` function takes a result record and draws it, following the
scikit-learn *Display* pattern: it never calls ``plt.show()`` and returns the
axes it drew on. Without ``axes`` it makes a new figure with pyplot, so in a
notebook the figure appears under the cell.

Called again on the same axes with a result of the same shape, a function
updates the lines it drew before instead of clearing the axes (the ticks and
labels are kept, which is what makes the explorers fast); the picture is the
same as a fresh drawing.

Conventions, so that every figure reads the same way:

* Laplace is blue and solid, Gaussian is vermillion and dashed; the truth is
  a black dash-dotted line (Okabe-Ito colours from :mod:`ppml_lab.viz.style`;
  no two curves differ by colour alone, so the figures read the same for
  colour-blind readers and in black and white);
* epsilon is on a log axis labelled "(\u2190 more private | less private \u2192)";
* the current setting is a dot on the curve, with a grey line through it.

Introduced in notebooks 00, 02, 03 and 04.
"""

from __future__ import annotations

import weakref
from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, NullFormatter

from .._validation import check_bounds, fail
from ..dp.composition_experiments import CompositionCurves
from ..dp.experiments import NoiseComparisonResult, NoisyCountResult, RandomizedResponseResult
from ..dp.gaussian_loss import GaussianPrivacyLoss
# the Okabe-Ito palette is defined once, in .style; re-exported here for the other plot modules
from .style import BLACK, BLUE, GREEN, GREY, ORANGE, PURPLE, SKY_BLUE, VERMILLION  # noqa: F401

__all__ = [
    "EPSILON_LABEL",
    "plot_noisy_count",
    "plot_randomized_response",
    "plot_noise_comparison",
    "plot_privacy_loss",
    "plot_composition",
    "dynamic_artists",
]


EPSILON_LABEL = "epsilon  (\u2190 more private | less private \u2192)"
LAPLACE = {"color": BLUE, "linestyle": "-"}
GAUSSIAN = {"color": VERMILLION, "linestyle": "--"}
TRUTH = {"color": BLACK, "linestyle": "-."}
_N_BINS = 80
_TITLE_SIZE = 10

# artists that a plot function drew on an Axes, for updating them on the next call
_DRAWN: "weakref.WeakKeyDictionary[Axes, tuple[Any, dict[str, Any]]]" = weakref.WeakKeyDictionary()
_LEGEND_HANDLES: "weakref.WeakKeyDictionary[Any, list[Any]]" = weakref.WeakKeyDictionary()


def _reusable(ax: Axes, signature: Any) -> dict[str, Any] | None:
    """Artists drawn on ``ax`` by an earlier call with the same ``signature``, else None."""
    entry = _DRAWN.get(ax)
    if entry is None or entry[0] != signature:
        return None
    if any(artist.axes is not ax for artist in entry[1].values()):  # someone cleared the axes
        return None
    return entry[1]


def _percent(x: float, _pos: Any = None) -> str:
    return f"{100 * x:g}%"


def _plain(x: float, _pos: Any = None) -> str:
    return f"{x:g}"


def _pct(share: float) -> str:
    """A share as a percentage with about two significant digits: 11%, 3.0%, 0.25%."""
    value = 100.0 * share
    if value >= 10:
        return f"{value:.0f}%"
    if value >= 1:
        return f"{value:.1f}%"
    return f"{value:.2g}%"


def _legend(ax: Axes, loc: str, handles: list[Any]) -> Any:
    """A legend of ``handles``, remembered so that :func:`_relabel` can update its texts."""
    legend = ax.legend(handles=handles, labels=[h.get_label() for h in handles], loc=loc,
                       fontsize=8, frameon=True, facecolor="white", edgecolor="none",
                       framealpha=0.85)
    _LEGEND_HANDLES[legend] = handles
    return legend


def _relabel(drawn: dict[str, Any]) -> None:
    """Copy the artists' current labels into their legend."""
    legend = drawn.get("legend")
    if legend is not None:
        for text, handle in zip(legend.get_texts(), _LEGEND_HANDLES[legend]):
            text.set_text(handle.get_label())


def _get_axes(axes: Any, n: int, figsize: tuple[float, float], name: str) -> np.ndarray:
    """The ``n`` axes to draw on: given ones (checked) or a new pyplot figure."""
    if axes is None:
        _, created = plt.subplots(1, n, figsize=figsize, layout="constrained")
        return np.atleast_1d(created)
    flat = np.asarray(axes, dtype=object).ravel()
    if flat.size != n or not all(isinstance(a, Axes) for a in flat):
        raise fail(name, f"a sequence of {n} matplotlib Axes", axes,
                   f"Pass e.g. {name}=plt.subplots(1, {n})[1], or leave it out.",
                   kind=TypeError if not all(isinstance(a, Axes) for a in flat) else ValueError,
                   show=f"{flat.size} object(s)")
    return flat


def _get_ax(ax: Any, figsize: tuple[float, float] = (7.5, 4.2)) -> Axes:
    """The one axes to draw on: the given one (checked) or a new pyplot figure's."""
    if ax is None:
        return plt.subplots(figsize=figsize, layout="constrained")[1]
    if not isinstance(ax, Axes):
        raise fail("ax", "a matplotlib Axes", ax,
                   "Pass e.g. ax=plt.subplots()[1], or leave it out.", kind=TypeError)
    return ax


def _window(window: Any, default: tuple[float, float], name: str) -> tuple[float, float]:
    if window is None:
        return default
    return check_bounds(window, name, fix=f"Pass the x-range to show, e.g. {name}=(0, 100).")


# --- two kinds of panel ---------------------------------------------------------------------------

def _histogram_panel(ax: Axes, *, series: Sequence[tuple[np.ndarray, str, dict]],
                     window: tuple[float, float], markers: Sequence[tuple[float, str, dict]],
                     title: str, xlabel: str, fill: bool = False, legend: bool = True,
                     xformatter: Any = None,
                     lattice: tuple[float, float] | None = None) -> None:
    """Density histograms of ``series`` over a fixed ``window``, with vertical ``markers``.

    Heights are shares of *all* values per unit of x, so mass outside the
    window lowers them; a note in the corner says how much falls outside.
    Room is left above the bars for the legend and the note. Values that lie
    on a ``lattice = (origin, step)`` are binned in whole steps centred on the
    lattice, so the bars do not alias.
    """
    lo, hi = window
    width = (hi - lo) / _N_BINS
    if lattice is None:
        edges = np.linspace(lo, hi, _N_BINS + 1)
    else:
        origin, step = lattice
        width = step * max(1, round(width / step))
        start = origin - step / 2.0
        first = np.floor((lo - start) / width)
        edges = start + width * np.arange(first, np.ceil((hi - start) / width) + 1)
    heights, outside = [], []
    for values, _, _ in series:
        if lattice is None:  # equal bins over the window: the fast path
            counts, _ = np.histogram(values, bins=_N_BINS, range=(lo, hi))
        else:
            counts, _ = np.histogram(values, bins=edges)
        heights.append(counts / (values.size * width))
        outside.append(1.0 - np.count_nonzero((values >= lo) & (values <= hi)) / values.size)
    top = max(float(max(h.max() for h in heights)), 1e-12) * (1.6 if legend else 1.3)
    shown = [(label.split(",")[0], share) for (_, label, _), share in zip(series, outside)
             if share >= 0.005]
    note = ("off-chart: " + ", ".join((f"{label} " if len(series) > 1 else "") + f"{share:.0%}"
                                      for label, share in shown) if shown else "")

    signature = ("histogram", len(series), len(markers), window, fill, legend, xlabel)
    drawn = _reusable(ax, signature)
    if drawn is None:
        ax.cla()
        drawn = {}
        for i, ((_, label, style), h) in enumerate(zip(series, heights)):
            kwargs = dict(style, alpha=0.45) if fill else dict(style, linewidth=1.8)
            drawn[f"series{i}"] = ax.stairs(h, edges, fill=fill, label=label, **kwargs)
        for i, (x, label, style) in enumerate(markers):
            drawn[f"marker{i}"] = ax.axvline(x, label=label, linewidth=1.6, **style)
        drawn["note"] = ax.text(0.99, 0.98, note, transform=ax.transAxes, ha="right", va="top",
                                fontsize=8, color="#333333",
                                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 1.0,
                                      "pad": 1.5})
        ax.set_xlim(lo, hi)
        ax.set_yticks([])
        ax.set_ylabel("how often")
        ax.set_xlabel(xlabel)
        if xformatter is not None:
            ax.xaxis.set_major_formatter(xformatter)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if legend:
            drawn["legend"] = _legend(ax, "upper left", [drawn[k] for k in drawn if k != "note"])
        _DRAWN[ax] = (signature, drawn)
    else:
        for i, (h, (_, label, _)) in enumerate(zip(heights, series)):
            drawn[f"series{i}"].set_data(h, edges)
            drawn[f"series{i}"].set_label(label)
        for i, (x, label, _) in enumerate(markers):
            drawn[f"marker{i}"].set_xdata([x, x])
            drawn[f"marker{i}"].set_label(label)
        drawn["note"].set_text(note)
        _relabel(drawn)
    ax.set_ylim(0.0, top)
    ax.set_title(title, fontsize=_TITLE_SIZE)


def _epsilon_panel(ax: Axes, *, epsilons: np.ndarray, epsilon: float,
                   curves: Sequence[tuple[np.ndarray, str, dict]],
                   points: Sequence[tuple[tuple[float, float], dict]],
                   ylim: tuple[float, float] | None, title: str, ylabel: str, yformatter: Any,
                   legend: bool = True) -> None:
    """Curves against epsilon (log-log) with the current setting marked."""
    if ylim is None:  # fit the curves (an explorer passes fixed limits instead)
        low = min(float(np.min(y)) for y, _, _ in curves)
        high = max(float(np.max(y)) for y, _, _ in curves)
        ylim = (low / 2.0, high * 2.0)
    signature = ("epsilon", len(curves), len(points), ylim, legend, ylabel,
                 epsilons.size, float(epsilons[0]), float(epsilons[-1]))
    drawn = _reusable(ax, signature)
    if drawn is None:
        ax.cla()
        drawn = {"now": ax.axvline(epsilon, color=GREY, linewidth=1.0, linestyle=":")}
        for i, (y, label, style) in enumerate(curves):
            drawn[f"curve{i}"], = ax.plot(epsilons, y, label=label, linewidth=1.8, **style)
        for i, (xy, style) in enumerate(points):
            drawn[f"point{i}"], = ax.plot([xy[0]], [xy[1]], **{"linestyle": "none",
                                                               "markersize": 7, "zorder": 3,
                                                               **style})
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(float(epsilons[0]), float(epsilons[-1]))
        ax.set_ylim(*ylim)
        ax.xaxis.set_major_formatter(FuncFormatter(_plain))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(yformatter)
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(EPSILON_LABEL)
        ax.set_ylabel(ylabel)
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if legend:
            handles = [a for k, a in drawn.items() if k != "now" and
                       not a.get_label().startswith("_")]
            drawn["legend"] = _legend(ax, "upper right", handles)
        _DRAWN[ax] = (signature, drawn)
    else:
        drawn["now"].set_xdata([epsilon, epsilon])
        for i, (y, label, _) in enumerate(curves):
            drawn[f"curve{i}"].set_data(epsilons, y)
            drawn[f"curve{i}"].set_label(label)
        for i, (xy, _) in enumerate(points):
            drawn[f"point{i}"].set_data([xy[0]], [xy[1]])
        _relabel(drawn)
    ax.set_title(title, fontsize=_TITLE_SIZE)


def dynamic_artists(axes: Any) -> tuple[list[dict], list[Any]] | None:
    """What changes when a plot function redraws these axes, for fast redrawing (blitting).

    Returns ``(tokens, artists)``: the artists that a repeated call of a
    ``plot_*`` function updates (data, notes, legends, titles), sorted by
    drawing order, and tokens that change whenever anything else on the axes
    may have changed (the axes were rebuilt). Returns None if some axes were
    not drawn by a function of this module.
    """
    tokens, artists = [], []
    for ax in np.asarray(axes, dtype=object).ravel():
        entry = _DRAWN.get(ax)
        if entry is None:
            return None
        tokens.append(entry[1])
        artists += list(entry[1].values()) + [ax.title]
    return tokens, sorted(artists, key=lambda artist: artist.get_zorder())


# --- notebook 00 ---------------------------------------------------------------------------------

def plot_noisy_count(result: NoisyCountResult, *, axes: Any = None,
                     window: tuple[float, float] | None = None,
                     error_ylim: tuple[float, float] | None = None) -> np.ndarray:
    """Draw a :class:`~ppml_lab.dp.experiments.NoisyCountResult` on two panels.

    Left: how the noisy releases of the count spread around the true count,
    with the one release that would be published. Right: the typical error
    ``sensitivity / epsilon`` against epsilon, with the current epsilon marked.

    Parameters
    ----------
    result : NoisyCountResult
    axes : sequence of 2 Axes, optional
        Where to draw; by default a new figure.
    window : (float, float), optional
        x-range of the left panel; by default it fits this result. Fix it to
        compare results.
    error_ylim : (float, float), optional
        y-range of the right panel; by default it fits the curve.

    Returns
    -------
    numpy.ndarray of 2 Axes

    Examples
    --------
    >>> from ppml_lab.dp.experiments import noisy_count_experiment
    >>> axes = plot_noisy_count(noisy_count_experiment(1.0, rng=0))
    >>> [ax.get_title() for ax in axes]
    ['2,000 noisy releases of the count 42', 'Typical error at epsilon = 1.00: \u00b11.00']
    """
    if not isinstance(result, NoisyCountResult):
        raise fail("result", "a NoisyCountResult", result,
                   "Pass the result of noisy_count_experiment(...).", kind=TypeError)
    axes = _get_axes(axes, 2, (9.0, 3.2), "axes")
    half = max(1.0, 2.5 * result.interval_90)
    window = _window(window, (result.true_count - half, result.true_count + half), "window")
    _histogram_panel(
        axes[0], series=[(result.releases, "releases", {"color": BLUE})], window=window,
        markers=[(result.true_count, "true count", TRUTH),
                 (result.release, "one release", {"color": VERMILLION, "linestyle": "--"})],
        title=f"{result.n_samples:,} noisy releases of the count {result.true_count:g}",
        xlabel="published count", fill=True)
    _epsilon_panel(
        axes[1], epsilons=result.epsilons, epsilon=result.epsilon,
        curves=[(result.expected_abs_error_curve, "sensitivity / epsilon", LAPLACE)],
        points=[((result.epsilon, result.expected_abs_error), {"color": BLUE, "marker": "o"})],
        ylim=error_ylim, ylabel="typical error (\u00b1 count)", yformatter=FuncFormatter(_plain),
        title=f"Typical error at epsilon = {result.epsilon:.2f}: \u00b1{result.scale:.2f}")
    return axes


# --- notebook 02 ---------------------------------------------------------------------------------

def plot_randomized_response(result: RandomizedResponseResult, *, axes: Any = None,
                             window: tuple[float, float] | None = None,
                             error_ylim: tuple[float, float] | None = None) -> np.ndarray:
    """Draw a :class:`~ppml_lab.dp.experiments.RandomizedResponseResult` on two panels.

    Left: the estimated yes-rate over the simulated surveys, with the true
    rate and the raw share of "yes" *reports* (which is not the estimate).
    Right: the typical error (in percentage points) against epsilon for this
    population size, with the current epsilon marked by the formula (dot) and
    the simulation (ring).

    Parameters
    ----------
    result : RandomizedResponseResult
    axes : sequence of 2 Axes, optional
    window : (float, float), optional
        x-range of the left panel (yes-rates, e.g. ``(-0.2, 0.8)``).
    error_ylim : (float, float), optional
        y-range of the right panel, in percentage points.

    Returns
    -------
    numpy.ndarray of 2 Axes

    Examples
    --------
    >>> from ppml_lab.dp.experiments import randomized_response_experiment
    >>> axes = plot_randomized_response(randomized_response_experiment(1.0, 1000, rng=0))
    >>> axes[1].get_title()
    'Typical error at epsilon = 1.00: \u00b13.4 points'
    """
    if not isinstance(result, RandomizedResponseResult):
        raise fail("result", "a RandomizedResponseResult", result,
                   "Pass the result of randomized_response_experiment(...).", kind=TypeError)
    axes = _get_axes(axes, 2, (9.0, 3.2), "axes")
    half = max(0.05, 4.0 * result.rmse_theory)
    window = _window(window, (result.true_rate - half, result.true_rate + half), "window")
    _histogram_panel(
        axes[0], series=[(result.estimates, "estimates", {"color": BLUE})], window=window,
        markers=[(result.true_rate, "true rate", TRUTH),
                 (result.report_rate, "share of \u201cyes\u201d reports",
                  {"color": ORANGE, "linestyle": ":"})],
        title=(f"Estimated yes-rate in {result.n_trials:,} surveys of "
               f"{result.n_people:,} people"),
        xlabel="estimated share of \u201cyes\u201d", fill=True, xformatter=FuncFormatter(_percent),
        lattice=result.estimate_lattice)
    _epsilon_panel(
        axes[1], epsilons=result.epsilons, epsilon=result.epsilon,
        curves=[(100.0 * result.rmse_curve, f"formula, {result.n_people:,} people", LAPLACE)],
        points=[((result.epsilon, 100.0 * result.rmse_theory), {"color": BLUE, "marker": "o"}),
                ((result.epsilon, 100.0 * result.rmse),
                 {"color": BLACK, "marker": "o", "markerfacecolor": "none", "markersize": 11,
                  "label": "simulated surveys"})],
        ylim=error_ylim, ylabel="typical error (percentage points)",
        yformatter=FuncFormatter(_plain),
        title=(f"Typical error at epsilon = {result.epsilon:.2f}: "
               f"\u00b1{100 * result.rmse:.1f} points"))
    return axes


# --- notebook 03 ---------------------------------------------------------------------------------

def plot_noise_comparison(result: NoiseComparisonResult, *, axes: Any = None,
                          count_window: tuple[float, float] | None = None,
                          mean_window: tuple[float, float] | None = None,
                          error_ylim: tuple[float, float] | None = None) -> np.ndarray:
    """Draw a :class:`~ppml_lab.dp.experiments.NoiseComparisonResult`: Laplace beside Gaussian.

    Four panels, in this order: the released values of the count, of the
    mean of the same rows, then the relative error (the standard error as a
    share of the true value) against epsilon for the count and for the mean,
    with the current epsilon marked. Without ``axes`` they are laid out 2 by 2 (a column per
    query).

    Parameters
    ----------
    result : NoiseComparisonResult
    axes : 4 Axes, optional
        Any shape holding 4 Axes (e.g. a 2x2 or 1x4 array).
    count_window, mean_window : (float, float), optional
        x-ranges of the two histograms; by default they fit this result.
    error_ylim : (float, float), optional
        y-range of both error panels (relative errors, e.g. ``(1e-5, 10)``).

    Returns
    -------
    numpy.ndarray of 4 Axes, flat

    Examples
    --------
    >>> from ppml_lab.dp.experiments import noise_experiment
    >>> axes = plot_noise_comparison(noise_experiment(1.0, rng=0))
    >>> len(axes), axes[2].get_xscale()
    (4, 'log')
    """
    if not isinstance(result, NoiseComparisonResult):
        raise fail("result", "a NoiseComparisonResult", result,
                   "Pass the result of noise_experiment(...).", kind=TypeError)
    if axes is None:
        _, grid = plt.subplots(2, 2, figsize=(9.0, 5.6), layout="constrained")
        axes = grid.ravel()  # a column per query: histograms on top, errors below
    axes = _get_axes(axes, 4, (9.0, 5.6), "axes")
    gaussian = f"Gaussian, delta {result.delta:.0e}"
    for k, (query, window, name) in enumerate(((result.count, count_window, "count_window"),
                                              (result.mean, mean_window, "mean_window"))):
        spread = 3.0 * max(query.laplace_std, query.gaussian_std)
        default = (query.true_value - spread, query.true_value + spread)
        title = (f"Count (true {query.true_value:g})" if query.query == "count" else
                 f"Mean of the same rows (true {query.true_value:g})")
        _histogram_panel(
            axes[k], series=[(query.laplace_releases, "Laplace", LAPLACE),
                             (query.gaussian_releases, gaussian, GAUSSIAN)],
            window=_window(window, default, name),
            markers=[(query.true_value, "true value", TRUTH)],
            title=title, xlabel=f"released {query.query}", legend=k == 0)
        _epsilon_panel(
            axes[k + 2], epsilons=result.epsilons, epsilon=result.epsilon,
            curves=[(query.laplace_curve, "Laplace", LAPLACE),
                    (query.gaussian_curve, "Gaussian", GAUSSIAN)],
            points=[((result.epsilon, query.laplace_rel_error), {"color": BLUE, "marker": "o"}),
                    ((result.epsilon, query.gaussian_rel_error),
                     {"color": VERMILLION, "marker": "s"})],
            ylim=error_ylim, ylabel=f"standard error / true {query.query}",
            yformatter=FuncFormatter(_percent), legend=False,
            title=(f"Laplace {_pct(query.laplace_rel_error)} vs Gaussian "
                   f"{_pct(query.gaussian_rel_error)}"))
    return axes


def plot_privacy_loss(result: GaussianPrivacyLoss, *, ax: Axes | None = None) -> Axes:
    """Draw a :class:`~ppml_lab.dp.gaussian_loss.GaussianPrivacyLoss`: the loss beside delta.

    The density of the privacy loss ``L ~ N(mu, 2 mu)`` on a log axis (so the
    far tail shows), the region ``L > epsilon`` shaded, a line at epsilon, and a
    note comparing ``P[L > epsilon]`` with delta.

    Parameters
    ----------
    result : GaussianPrivacyLoss
    ax : matplotlib Axes, optional
        Drawn on a new figure when not given.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from ppml_lab.dp.gaussian_loss import gaussian_privacy_loss
    >>> ax = plot_privacy_loss(gaussian_privacy_loss(1.0))
    >>> ax.get_yscale(), ax.get_xlabel()
    ('log', 'privacy loss L = ln(P(output | with her) / P(output | without her))')
    """
    if not isinstance(result, GaussianPrivacyLoss):
        raise fail("result", "a GaussianPrivacyLoss", result,
                   "Pass the result of gaussian_privacy_loss(...).", kind=TypeError)
    ax = _get_ax(ax, figsize=(7.5, 3.6))
    x, y = result.losses, result.density
    above = x >= result.epsilon
    ax.plot(x, y, color=VERMILLION, linewidth=1.8,
            label=f"density of L ~ N(mu, 2 mu), mu = {result.mu:.3g}")
    ax.fill_between(x[above], y[above], 1e-300, color=VERMILLION, alpha=0.35,
                    label=f"P[L > epsilon] = {result.p_loss_above:.2e} (delta = {result.delta:.0e})")
    ax.axvline(result.epsilon, color=BLACK, linewidth=1.2, linestyle=":",
               label=f"epsilon = {result.epsilon:g}")
    ax.set_yscale("log")
    ax.set_ylim(float(y.max()) * 1e-7, float(y.max()) * 20)
    ax.set_xlim(float(x[0]), float(x[-1]))
    ax.set_xlabel("privacy loss L = ln(P(output | with her) / P(output | without her))")
    ax.set_ylabel("density (log scale)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_title(f"epsilon = {result.epsilon:g}, delta = {result.delta:.0e} (sigma = "
                 f"{result.sigma:.3g}): P[L > epsilon] = {result.ratio:.0f} x delta",
                 fontsize=_TITLE_SIZE)
    return ax


# --- notebook 04 ---------------------------------------------------------------------------------

#: How each accountant is drawn, and what its legend says, from the tightest to the loosest.
COMPOSITION_STYLES = {
    "pld": ("PLD (tight, \u2248 exact)", {"color": BLUE, "linestyle": "-", "linewidth": 2.4,
                                          "marker": "o"}),
    "rdp": ("RDP (close)", {"color": VERMILLION, "linestyle": "--", "marker": "s"}),
    "optimal": ("optimal (KOV)", {"color": "#009E73", "linestyle": "-.", "marker": "^"}),
    "advanced": ("advanced (DRV)", {"color": ORANGE, "linestyle": ":", "marker": "v"}),
    "basic": ("basic (loose)", {"color": GREY, "linestyle": (0, (6, 2, 1, 2, 1, 2)),
                                "marker": "D"}),
}


def _eps_label(value: float) -> str:
    """An epsilon for a label: 3 significant digits; thousands separated; huge ones as 1e+09."""
    if not np.isfinite(value):
        return "not computed"
    if value >= 1e6:
        return f"{value:.1e}"
    return f"{value:,.0f}" if value >= 1000 else f"{value:.3g}"


def _positive(values: np.ndarray) -> np.ndarray:
    """Values for a log axis: zero (epsilon 0) and nan are left out of the line."""
    out = np.array(values, dtype=float)
    out[~(out > 0)] = np.nan
    return out


def plot_composition(result: CompositionCurves, *, ax: Axes | None = None,
                     ylim: tuple[float, float] | None = None) -> Axes:
    """Draw a :class:`~ppml_lab.dp.composition_experiments.CompositionCurves`: epsilon vs steps.

    Five curves on log-log axes, one per accountant, tightest first in the
    legend (with each one's epsilon at the current number of steps): PLD
    (about exact for this mechanism), RDP (close), optimal composition (KOV:
    the best any theorem can do from each step's (eps0, delta0) alone),
    advanced (DRV) and basic composition (loose). The current number of steps is a grey line
    with a marker on every curve. A note says how coarse the PLD grid is.

    Parameters
    ----------
    result : CompositionCurves
    ax : Axes, optional
        Where to draw; by default a new figure.
    ylim : (float, float), optional
        Epsilon range; by default it fits the curves. Fix it to compare results.

    Returns
    -------
    Axes

    Examples
    --------
    >>> from ppml_lab.dp.composition_experiments import composition_curves
    >>> ax = plot_composition(composition_curves(1.1, 0.01, 1e-5, steps=1000))
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    >>> ax.get_legend().get_texts()[0].get_text()
    'PLD (tight, \u2248 exact): 1.52'
    """
    if not isinstance(result, CompositionCurves):
        raise fail("result", "a CompositionCurves", result,
                   "Pass the result of composition_curves(...).", kind=TypeError)
    ax = _get_ax(ax)
    grid = np.asarray(result.steps_grid, dtype=float)
    if ylim is None:
        shown = np.concatenate([_positive(result.curve(name)) for name in COMPOSITION_STYLES])
        shown = shown[np.isfinite(shown)]
        ylim = (float(shown.min()) / 2.0, float(shown.max()) * 2.0) if shown.size else (0.1, 10.0)
    steps = float(result.steps)
    if np.isnan(result.pld):
        note = "PLD: not computed where every accountant gives epsilon > 500"
    elif result.pld_interval > 0:
        note = (f"PLD on a coarse loss grid ({result.pld_interval:.1g}) for speed: "
                "never below the exact value")
    else:
        note = "PLD at one step: the exact curve"
    labels = {name: f"{label}: {_eps_label(getattr(result, name))}"
              for name, (label, _) in COMPOSITION_STYLES.items()}
    signature = ("composition", ylim, grid.size, float(grid[0]), float(grid[-1]))
    drawn = _reusable(ax, signature)
    if drawn is None:
        ax.cla()
        drawn = {"now": ax.axvline(steps, color=GREY, linewidth=1.0, linestyle=":")}
        for name, (_, style) in COMPOSITION_STYLES.items():
            line_style = {k: v for k, v in style.items() if k != "marker"}
            drawn[f"curve_{name}"], = ax.plot(grid, _positive(result.curve(name)),
                                              label=labels[name],
                                              **{"linewidth": 1.8, **line_style})
            drawn[f"point_{name}"], = ax.plot([steps], _positive([getattr(result, name)]),
                                              linestyle="none", marker=style["marker"],
                                              color=style["color"], markersize=6, zorder=3)
        drawn["note"] = ax.text(0.99, 0.02, note, transform=ax.transAxes, ha="right",
                                va="bottom", fontsize=7.5, color="#333333",
                                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 1.0,
                                      "pad": 1.5})
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(float(grid[0]), float(grid[-1]))
        ax.set_ylim(*ylim)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:,.0f}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(FuncFormatter(_plain))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("number of steps (or queries)")
        ax.set_ylabel("epsilon  (lower is more private)")
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        drawn["legend"] = _legend(ax, "upper left",
                                  [drawn[f"curve_{name}"] for name in COMPOSITION_STYLES])
        _DRAWN[ax] = (signature, drawn)
    else:
        drawn["now"].set_xdata([steps, steps])
        for name in COMPOSITION_STYLES:
            drawn[f"curve_{name}"].set_data(grid, _positive(result.curve(name)))
            drawn[f"curve_{name}"].set_label(labels[name])
            drawn[f"point_{name}"].set_data([steps], _positive([getattr(result, name)]))
        drawn["note"].set_text(note)
        _relabel(drawn)
    ax.set_title(f"Epsilon after {result.steps:,} step{'s' if result.steps != 1 else ''}: "
                 f"basic composition {_eps_label(result.basic)}, PLD {_eps_label(result.pld)}",
                 fontsize=_TITLE_SIZE)
    return ax
