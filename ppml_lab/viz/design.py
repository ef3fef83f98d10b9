"""Notebook 12's capstone: the designs side by side (plot) and the design explorer.

Layer 2 (:func:`plot_design_comparison`) draws a list of
:class:`~ppml_lab.design.DesignResult` as four panels of bars, one bar per
design: test accuracy, the epsilon the ledger was charged, what training cost
(bytes over the network, with the measured seconds written on the bars), and
what the attacks got (gradient inversion of what the server sees, against a
lookalike patient; membership advantage, against its chance floor). Layer 3
(:class:`DesignExplorer`) wires an epsilon slider, a hospitals slider and
toggles for federated training, secure aggregation, DP and HE inference to
:func:`~ppml_lab.design.evaluate_design` and to the plot.

Introduced in notebook 12.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from .._random import SeedLike
from .._validation import check_positive, fail
from ..design import (DESIGN_EPSILONS, DESIGNS, HOSPITAL_COUNTS, Design, DesignResult,
                      _evaluate, _seed)
from ._explorer import Explorer, StaticFigure
from .plots import (BLUE, GREY, ORANGE, VERMILLION, _DRAWN, _TITLE_SIZE, _get_axes, _percent,
                    _reusable)

__all__ = ["plot_design_comparison", "DesignExplorer"]

#: Short names of the designs, for the bars.
SHORT = {"centralised": "central", "centralised + DP": "central + DP",
         "federated": "federated", "federated + secure aggregation": "fed + SecAgg",
         "federated + DP": "fed + DP", "federated + secure aggregation + DP": "fed + SecAgg + DP"}
_WIDE = {"description_width": "initial"}
_ON_OFF = ["off", "on"]


def _style(ax: Axes, title: str) -> None:
    ax.set_title(title, fontsize=_TITLE_SIZE)
    ax.set_axisbelow(True)  # grid under the bars, as when they are blitted over it
    ax.grid(True, axis="x", color="#dddddd", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def plot_design_comparison(results: Sequence[DesignResult], *, ax: Any = None,
                           highlight: str | None = None,
                           traffic_limit: float | None = None) -> np.ndarray:
    """Draw designs side by side: accuracy, epsilon, cost and attacks, one bar per design.

    Parameters
    ----------
    results : sequence of DesignResult
        From :func:`~ppml_lab.design.evaluate_design`, e.g. one per design of
        :data:`~ppml_lab.design.DESIGNS` at the same hospitals and seed.
    ax : sequence of 4 Axes, optional
        One per panel; by default a new figure of four panels.
    highlight : str, optional
        The name of a design (a key of ``DESIGNS``) whose bars are drawn darker.
    traffic_limit : float, optional
        Right end of the traffic axis in kB (keep it fixed to compare figures);
        by default a power of ten above the largest bar.

    Returns
    -------
    numpy.ndarray of 4 Axes

    Examples
    --------
    >>> from ppml_lab.design import design, evaluate_design
    >>> rs = [evaluate_design(design(n), rng=0) for n in ("federated", "federated + DP")]
    >>> axes = plot_design_comparison(rs, highlight="federated")
    >>> [a.get_title() for a in axes]
    ['test accuracy', 'epsilon (ledger)', 'training traffic (kB); seconds', 'attacks']
    """
    if (isinstance(results, (str, bytes)) or not isinstance(results, Sequence) or not results
            or not all(isinstance(r, DesignResult) for r in results)):
        raise fail("results", "a non-empty list of DesignResult", results,
                   "Pass e.g. [evaluate_design(design(name), rng=0) for name in DESIGNS].",
                   kind=TypeError)
    if highlight is not None and highlight not in DESIGNS:
        raise fail("highlight", "a design name: " + ", ".join(map(repr, DESIGNS)), highlight)
    axes = _get_axes(ax, 4, (13.0, 3.4), "ax")
    names = [r.design.name for r in results]
    labels = tuple(SHORT[n] for n in names)
    private = tuple(not math.isinf(r.epsilon) for r in results)
    kb = np.array([r.bytes / 1e3 for r in results])
    if traffic_limit is None:
        kb_max = _nice(float(kb.max()) * 1.6)
    else:
        kb_max = check_positive(traffic_limit, "traffic_limit", fix="Pass e.g. 1000 (kB).")
    signature = ("design comparison", labels, private, kb_max)
    drawn = [_reusable(a, signature) for a in axes]
    if any(d is None for d in drawn):
        drawn = _build(axes, signature, labels, private, kb_max, results[0].advantage_floor)
    alpha = [1.0 if highlight in (None, n) else 0.35 for n in names]
    acc, eps, cost, attack = drawn
    for i, (r, al) in enumerate(zip(results, alpha)):
        acc[f"bar{i}"].set_width(r.accuracy)
        acc[f"text{i}"].set_text(f"{100 * r.accuracy:.0f}%")
        acc[f"text{i}"].set_x(r.accuracy - 0.005)
        if private[i]:
            eps[f"bar{i}"].set_width(r.epsilon)
            eps[f"text{i}"].set_text(f"{r.epsilon:.2g} per {r.unit_of_privacy[4:]}")
        cost[f"bar{i}"].set_width(kb[i])
        he = f" + HE {r.he_seconds:.2g} s/query" if r.design.he_inference else ""
        cost[f"text{i}"].set_color(VERMILLION if he else "black")
        cost[f"text{i}"].set_text(f"{r.seconds:.2g} s{he}")
        cost[f"text{i}"].set_x(kb[i] + kb_max * 0.02)
        attack[f"inversion{i}"].set_width(r.inversion_quality)
        attack[f"membership{i}"].set_width(r.membership_advantage)
        for key in (f"bar{i}", f"inversion{i}", f"membership{i}"):
            for panel in drawn:
                if key in panel:
                    panel[key].set_alpha(al)
    baseline = float(np.mean([r.inversion_baseline for r in results]))
    attack["lookalike"].set_xdata([baseline, baseline])
    return axes


def _build(axes: np.ndarray, signature: Any, labels: tuple[str, ...], private: tuple[bool, ...],
           kb_max: float, floor: float) -> list[dict[str, Any]]:
    """Lay out the four panels and their (empty) bars; register them for redrawing."""
    y = np.arange(len(labels))[::-1]
    panels: list[dict[str, Any]] = [{}, {}, {}, {}]
    for a in axes:
        a.cla()
    acc_ax, eps_ax, cost_ax, attack_ax = axes
    acc, eps, cost, attack = panels
    for i, yi in enumerate(y):
        acc[f"bar{i}"] = acc_ax.barh(yi, 0.5, color=BLUE, zorder=3)[0]
        acc[f"text{i}"] = acc_ax.text(0.5, yi, "", va="center", ha="right", color="white",
                                      fontsize=8, zorder=4)
        if private[i]:
            eps[f"bar{i}"] = eps_ax.barh(yi, 1.0, color=ORANGE, zorder=3)[0]
            eps[f"text{i}"] = eps_ax.text(0.12, yi, "", va="center", fontsize=8, zorder=4)
        else:
            eps[f"bar{i}"] = eps_ax.barh(yi, 20.0, color="white", edgecolor=VERMILLION,
                                         hatch="//", zorder=3)[0]
            eps[f"text{i}"] = eps_ax.text(0.12, yi, "no guarantee", va="center", fontsize=8,
                                          color=VERMILLION, zorder=4)
        cost[f"bar{i}"] = cost_ax.barh(yi, 0.0, color=GREY, zorder=3)[0]
        cost[f"text{i}"] = cost_ax.text(0.0, yi, "", va="center", fontsize=8, zorder=4)
        h = 0.38
        attack[f"inversion{i}"] = attack_ax.barh(yi + h / 2, 0.0, height=h, color=VERMILLION,
                                                 edgecolor="white", linewidth=0, hatch="///",
                                                 zorder=3)[0]
        attack[f"membership{i}"] = attack_ax.barh(yi - h / 2, 0.0, height=h, color=BLUE, zorder=3)[0]
    attack["inversion0"].set_label("gradient inversion (server)")
    attack["membership0"].set_label("membership advantage (model)")
    attack["lookalike"] = attack_ax.axvline(0.8, color=VERMILLION, linestyle=":",
                                            linewidth=1.2, label="a lookalike patient")
    chance = attack_ax.axvline(floor, color=BLUE, linestyle="-.", linewidth=1.2,
                               label="membership: chance")
    attack["legend"] = attack_ax.legend(
        handles=[attack["inversion0"], attack["membership0"], attack["lookalike"], chance],
        loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=7, frameon=False)
    acc_ax.set_xlim(0.5, 1.0)
    acc_ax.xaxis.set_major_formatter(FuncFormatter(_percent))
    acc_ax.set_yticks(y, labels, fontsize=8)
    eps_ax.set_xscale("log")
    eps_ax.set_xlim(0.1, 20.0)
    cost_ax.set_xlim(0.0, kb_max)
    attack_ax.set_xlim(0.0, 1.0)
    titles = ("test accuracy", "epsilon (ledger)", "training traffic (kB); seconds", "attacks")
    for a, title, panel in zip(axes, titles, panels):
        if a is not acc_ax:
            a.set_yticks(y, [""] * len(y))
        _style(a, title)
        _DRAWN[a] = (signature, panel)
    return panels


def _readout(result: DesignResult, he_note: str) -> str:
    d = result.design
    parts = [f"With {d.n_hospitals} hospitals, {result.summary()}"]
    parts.append(f"The server sees {result.server_sees}.")
    if d.federated and d.dp and not d.secure_aggregation:
        parts.append("Central DP protects against the model's users, not against a curious "
                     "server: add secure aggregation.")
    if not d.dp:
        parts.append("Nothing bounds what the released model reveals: add DP.")
    return " ".join(parts) + he_note


class DesignExplorer(Explorer):
    """Notebook 12: choose and combine techniques; see accuracy, epsilon, cost and attacks.

    Controls: ``epsilon`` (one of 0.5, 1, 2, 4, 8), ``hospitals`` (3, 5 or 10)
    and four toggles, ``federated`` ("centralised" or "federated"), and
    ``secure_aggregation``, ``dp`` and ``he_inference`` ("off" or "on"), which
    pick the highlighted design. The figure shows
    every training design at the current epsilon and hospital count (the
    chosen one darker, with HE inference if chosen); the readout says in
    plain words what the chosen design gets and what the server sees.
    Secure aggregation needs federated training: with ``federated`` off it is
    ignored (and the readout says so).

    Every setting of the sliders is computed when the explorer is made (about
    55 trainings and 3 encrypted inferences, a few seconds on 2 cores; cached by
    :func:`~ppml_lab.design.evaluate_design`), so every move only redraws.

    Parameters
    ----------
    rng : None, int or numpy.random.Generator
        Where the explorer's seed comes from (the hospitals, training and noise):
        ``DesignExplorer(rng=12)`` shows the results of
        ``evaluate_design(..., rng=12)``.
    dpi : float, default 90

    Examples
    --------
    >>> ex = DesignExplorer(rng=0)
    >>> ex
    Explorer: privacy by design
    >>> ex.result.chosen.design.name
    'federated + secure aggregation + DP'
    >>> ex.set(epsilon=8.0)
    >>> ex.result.chosen.epsilon <= 8.0, len(ex.result.results)
    (True, 6)
    """

    title = "privacy by design"
    panel_shape = (1, 4)
    figsize = (13.0, 3.4)
    static_row_size = (13.0, 3.2)
    static_values = (0.5, 2.0, 8.0)

    def __init__(self, *, rng: SeedLike = None, dpi: float = 90.0, **initial: Any) -> None:
        from .._random import as_generator

        self._seed_gen = as_generator(rng)
        self._design_seed = _seed(self._seed_gen)  # as evaluate_design(rng=rng) draws it
        for hospitals in HOSPITAL_COUNTS:       # precompute the whole grid: moves only redraw
            self._he(hospitals)
            for name in DESIGNS:
                for epsilon in (DESIGN_EPSILONS if "DP" in name else (1.0,)):
                    self._evaluate(name, epsilon, hospitals, False)
        most = max(self._evaluate(n, 1.0, h, False).bytes for n in DESIGNS
                   for h in HOSPITAL_COUNTS) / 1e3
        self._traffic_limit = _nice(most * 1.3)
        values = {"epsilon": 1.0, "hospitals": 5, "federated": "federated",
                  "secure_aggregation": "on", "dp": "on", "he_inference": "off", **initial}
        super().__init__(rng=self._seed_gen, dpi=dpi, **values)

    def _evaluate(self, name: str, epsilon: float, hospitals: int,
                  he_inference: bool) -> DesignResult:
        federated, secure, dp = DESIGNS[name]
        # the cached computation behind evaluate_design, with the seed evaluate_design(rng=rng)
        # draws: DesignExplorer(rng=12) shows exactly evaluate_design(..., rng=12)
        return _evaluate(Design(federated=federated, secure_aggregation=secure, dp=dp,
                                he_inference=he_inference, epsilon=epsilon if dp else 1.0,
                                n_hospitals=hospitals), self._design_seed)

    def _he(self, hospitals: int) -> DesignResult:
        """The encrypted-inference cost, measured once per hospital count on the federated model."""
        return self._evaluate("federated", 1.0, hospitals, True)

    def _make_controls(self) -> dict[str, widgets.Widget]:
        def toggle(name: str, options: list) -> widgets.ToggleButtons:
            return widgets.ToggleButtons(options=options, description=name, style=_WIDE,
                                         layout=widgets.Layout(width="auto"))
        return {
            "epsilon": widgets.SelectionSlider(
                options=[(f"{e:g}", e) for e in DESIGN_EPSILONS], value=1.0,
                description="epsilon (\u2190 more private)", continuous_update=True,
                style=_WIDE, layout=widgets.Layout(width="330px")),
            "hospitals": widgets.SelectionSlider(
                options=[(str(h), h) for h in HOSPITAL_COUNTS], value=5, description="hospitals",
                continuous_update=True, style=_WIDE, layout=widgets.Layout(width="260px")),
            "federated": toggle("training", ["centralised", "federated"]),
            "secure_aggregation": toggle("secure aggregation", _ON_OFF),
            "dp": toggle("DP", _ON_OFF),
            "he_inference": toggle("HE inference", _ON_OFF),
        }

    def _compute(self, values: dict[str, Any], seed: int) -> DesignView:
        federated = values["federated"] == "federated"
        asked = values["secure_aggregation"] == "on"
        secure = asked and federated
        name = next(n for n, flags in DESIGNS.items() if flags == (federated, secure,
                                                                    values["dp"] == "on"))
        epsilon, hospitals = values["epsilon"], values["hospitals"]
        results = [self._evaluate(n, epsilon, hospitals, False) for n in DESIGNS]
        chosen = results[list(DESIGNS).index(name)]
        if values["he_inference"] == "on":
            chosen = _with_he(chosen, self._he(hospitals))
            results = [chosen if r.design.name == name else r for r in results]
        return DesignView(chosen=chosen, results=tuple(results), epsilon=epsilon,
                          hospitals=hospitals,
                          ignored_secure_aggregation=asked and not federated)

    def _plot(self, result: DesignView, axes: np.ndarray) -> None:
        plot_design_comparison(result.results, ax=axes, highlight=result.chosen.design.name,
                               traffic_limit=self._traffic_limit)

    def _readout(self, result: DesignView) -> str:
        chosen = result.chosen
        note = ""
        if chosen.design.he_inference:
            note = (f" HE inference: each encrypted query costs about "
                    f"{chosen.he_bytes / 1e3:.0f} kB (1024-bit Paillier) and gives the same "
                    f"scores as in the clear (error below 1e-6).")
        if result.ignored_secure_aggregation:
            note += " (Secure aggregation needs federated training: ignored.)"
        return f"At epsilon = {result.epsilon:g}: " + _readout(chosen, note)

    def static_figure(self, values: Any = None, *, parameter: str = "epsilon") -> StaticFigure:
        """Small multiples: one row per epsilon (by default 0.5, 2 and 8), or per
        ``parameter``, e.g. ``static_figure([3, 10], parameter="hospitals")``."""
        return super().static_figure(values, parameter=parameter)


def _nice(x: float) -> float:
    """The smallest of 1, 2 or 5 times a power of ten that is at least ``x``."""
    power = 10.0 ** math.floor(math.log10(x))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= x)


@dataclasses.dataclass(frozen=True)
class DesignView:
    """What :class:`DesignExplorer` shows: the chosen design's result among all designs'."""

    chosen: DesignResult
    results: tuple[DesignResult, ...] = dataclasses.field(repr=False)
    epsilon: float
    hospitals: int
    ignored_secure_aggregation: bool = False


def _with_he(result: DesignResult, he: DesignResult) -> DesignResult:
    """``result`` with the encrypted-inference cost measured on ``he``'s (same-shaped) model."""
    design = dataclasses.replace(result.design, he_inference=True)
    return dataclasses.replace(result, design=design, name=design.label,
                               he_seconds=he.he_seconds, he_bytes=he.he_bytes,
                               he_max_abs_error=he.he_max_abs_error)
