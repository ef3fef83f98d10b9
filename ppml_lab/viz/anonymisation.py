"""Why anonymisation fails: the plots and explorers of notebook 01.

Layer 2 draws the records of :mod:`ppml_lab.attacks` (linkage, k-anonymity,
differencing, reconstruction); layer 3 wires sliders to them:

* :class:`LinkageExplorer` -- which quasi-identifiers a "de-identified"
  release keeps and how coarsely (``zip_digits``, ``birth``, ``sex``), and
  how many voters a join with the voter list names;
* :class:`ReconstructionExplorer` -- the noise on each answer (``noise``) and
  the number of subset-sum queries (``queries``), and the share of secret
  bits least squares recovers: the collapse past ``sqrt(n)`` that motivates DP.

Colours follow :mod:`ppml_lab.viz.plots` (Okabe-Ito): what the attacker gets
right is vermillion, what stays hidden is blue, the reference (chance,
``sqrt(n)``) is black or grey.

Introduced in notebook 01.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.ticker import FuncFormatter

from .._random import SeedLike
from .._validation import check_choice, check_integer, fail
from ..attacks.anonymity import AttributeDisclosure
from ..attacks.differencing import DifferencingResult
from ..attacks.linkage import (BIRTH_LEVELS, CLASS_SIZE_BINS, ZIP_LEVELS, LinkageResult,
                               UniquenessTable, linkage_attack)
from ..attacks.reconstruction import ReconstructionPoint, reconstruction_curve
from ..datasets import (Population, VoterList, hospital_records, synthetic_population,
                        voter_list)
from ._explorer import Explorer, StaticFigure
from .plots import (_DRAWN, _TITLE_SIZE, BLACK, BLUE, GREY, ORANGE, VERMILLION, _get_ax,
                    _get_axes, _percent, _reusable)

__all__ = ["plot_uniqueness", "plot_linkage", "plot_disclosure", "plot_differencing",
           "plot_reconstruction", "LinkageExplorer", "ReconstructionExplorer"]

_WIDE = {"description_width": "initial"}
_BIN_LABELS = tuple(f"{lo}" if hi == lo else (f"{lo}-{hi}" if hi else f"{lo}+")
                    for lo, hi in CLASS_SIZE_BINS)
_OUTCOMES = ("named,\nright", "named,\nwrong", "several\nmatches", "no\nmatch")


def _tidy(ax: Axes, xlabel: str, ylabel: str, *, grid_axis: str = "y") -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, axis=grid_axis, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _bars(ax: Axes, key: str, labels: Sequence[str], heights: Sequence[float],
          colours: Sequence[str], *, ylim: tuple[float, float], xlabel: str, ylabel: str,
          title: str, formatter: Any, texts: Sequence[str]) -> None:
    """Vertical bars whose heights and value labels are updated in place on the next call."""
    signature = (key, tuple(labels), ylim)
    drawn = _reusable(ax, signature)
    top = ylim[1]
    if drawn is None:
        ax.cla()
        drawn = {}
        rects = ax.bar(range(len(labels)), heights, color=colours, width=0.7)
        for i, rect in enumerate(rects.patches):
            drawn[f"bar{i}"] = rect
            drawn[f"text{i}"] = ax.text(i, heights[i] + 0.02 * top, texts[i], ha="center",
                                        va="bottom", fontsize=8)
        ax.set_xticks(range(len(labels)), labels, fontsize=8)
        ax.set_ylim(*ylim)
        ax.yaxis.set_major_formatter(formatter)
        _tidy(ax, xlabel, ylabel)
        _DRAWN[ax] = (signature, drawn)
    else:
        for i, height in enumerate(heights):
            drawn[f"bar{i}"].set_height(height)
            drawn[f"text{i}"].set_position((i, height + 0.02 * top))
            drawn[f"text{i}"].set_text(texts[i])
    ax.set_title(title, fontsize=_TITLE_SIZE)


# --- linkage -----------------------------------------------------------------------------------

def plot_uniqueness(result: UniquenessTable, *, ax: Axes | None = None) -> Axes:
    """Horizontal bars: the share of people unique on each combination of quasi-identifiers.

    Examples
    --------
    >>> from ppml_lab.attacks import uniqueness_table
    >>> from ppml_lab.datasets import synthetic_population
    >>> ax = plot_uniqueness(uniqueness_table(synthetic_population(10_000)))
    >>> len(ax.patches)
    7
    """
    if not isinstance(result, UniquenessTable):
        raise fail("result", "a UniquenessTable", result,
                   "Pass the result of uniqueness_table(...).", kind=TypeError)
    ax = _get_ax(ax, figsize=(7.5, 3.4))
    ax.cla()
    rows = result.rows[::-1]
    shares = [r.unique for r in rows]
    ax.barh(range(len(rows)), shares, color=VERMILLION, height=0.65)
    for i, share in enumerate(shares):
        ax.text(share + 0.01, i, f"{share:.0%}", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), [r.label for r in rows], fontsize=8)
    ax.set_xlim(0, 1.08)
    ax.xaxis.set_major_formatter(FuncFormatter(_percent))
    _tidy(ax, f"share of the {result.n:,} people who are unique", "", grid_axis="x")
    ax.set_title("Who is unique on what: removing names is not enough", fontsize=_TITLE_SIZE)
    return ax


def plot_linkage(result: LinkageResult, *, axes: Any = None) -> np.ndarray:
    """Two panels: the sizes of the release's equivalence classes, and what the join names.

    Left: the share of records in classes of size 1 (unique), 2-4, 5-9, 10-99
    and 100 or more. Right: the voters named correctly, named wrongly
    (matched to one record that is someone else's), matched to several
    records, and not matched, as shares of the voter list.

    Examples
    --------
    >>> from ppml_lab.attacks import linkage_attack
    >>> from ppml_lab.datasets import hospital_records, synthetic_population, voter_list
    >>> people = synthetic_population(10_000)
    >>> axes = plot_linkage(linkage_attack(hospital_records(people), voter_list(people)))
    >>> [ax.get_title()[:12] for ax in axes]
    ['Records: 100', 'Voters: 2,30']
    """
    if not isinstance(result, LinkageResult):
        raise fail("result", "a LinkageResult", result, "Pass the result of linkage_attack(...).",
                   kind=TypeError)
    axes = _get_axes(axes, 2, (9.0, 3.2), "axes")
    shares = result.class_size_shares
    _bars(axes[0], "linkage-classes", _BIN_LABELS, shares,
          [VERMILLION, ORANGE, GREY, BLUE, BLUE], ylim=(0.0, 1.12),
          xlabel="records sharing the released quasi-identifiers (class size)",
          ylabel="share of records", formatter=FuncFormatter(_percent),
          title=f"Records: {result.unique_share:.0%} unique ({result.released})",
          texts=[f"{s:.0%}" for s in shares])
    voters = max(1, result.n_voters)
    wrong = result.n_unique_matches - result.n_correct
    counts = (result.n_correct, wrong, result.n_ambiguous, result.n_unmatched)
    _bars(axes[1], "linkage-voters", _OUTCOMES, [c / voters for c in counts],
          [VERMILLION, ORANGE, GREY, BLUE], ylim=(0.0, 1.12), xlabel="", ylabel="share of voters",
          formatter=FuncFormatter(_percent),
          title=(f"Voters: {result.n_correct:,} named correctly, {result.n_diagnosis_learned:,} "
                 "diagnoses pinned down"),
          texts=[f"{c:,}" for c in counts])
    return axes


def plot_disclosure(results: Sequence[AttributeDisclosure], *, ax: Axes | None = None,
                    labels: Sequence[str] | None = None) -> Axes:
    """Bars: the share of targets whose diagnosis each attack learns.

    Examples
    --------
    >>> from ppml_lab.attacks import AttributeDisclosure
    >>> ax = plot_disclosure([AttributeDisclosure("homogeneity", 100, 12),
    ...                       AttributeDisclosure("background knowledge", 100, 30, 1)])
    >>> [t.get_text() for t in ax.texts]
    ['12%', '30%']
    """
    results = list(results)
    if not results or not all(isinstance(r, AttributeDisclosure) for r in results):
        raise fail("results", "a non-empty sequence of AttributeDisclosure", results,
                   "Pass e.g. [homogeneity_attack(...), background_knowledge_attack(...)].",
                   kind=TypeError)
    ax = _get_ax(ax, figsize=(7.5, 3.2))
    ax.cla()
    labels = list(labels) if labels is not None else [r.attack for r in results]
    shares = [r.share for r in results]
    ax.bar(range(len(results)), shares, color=VERMILLION, width=0.6)
    for i, share in enumerate(shares):
        ax.text(i, share + 0.01, f"{share:.0%}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(results)), labels, fontsize=8)
    ax.set_ylim(0, max(0.1, max(shares) * 1.25))
    ax.yaxis.set_major_formatter(FuncFormatter(_percent))
    _tidy(ax, "", "targets whose diagnosis is learned")
    ax.set_title("What a k-anonymous release still gives away", fontsize=_TITLE_SIZE)
    return ax


def plot_differencing(result: DifferencingResult, *, ax: Axes | None = None) -> Axes:
    """The difference of the two answers over the trials, with the attacker's threshold at 1/2.

    Examples
    --------
    >>> from ppml_lab.attacks import differencing_attack
    >>> from ppml_lab.datasets import synthetic_population
    >>> people = synthetic_population(10_000)
    >>> result = differencing_attack(people, 0, epsilon=1.0, n_trials=2000, rng=0)
    >>> plot_differencing(result).get_xlabel()
    'answer 1 - answer 2'
    """
    if not isinstance(result, DifferencingResult):
        raise fail("result", "a DifferencingResult", result,
                   "Pass the result of differencing_attack(...).", kind=TypeError)
    ax = _get_ax(ax, figsize=(7.5, 3.2))
    ax.cla()
    truth = result.true_all - result.true_without_target
    if result.epsilon is None:
        ax.axvline(truth, color=VERMILLION, linewidth=3, label="exact difference")
        lo, hi = -3.0, 4.0
    else:
        b = 1.0 / result.epsilon
        lo, hi = truth - 8 * b, truth + 8 * b
        ax.hist(result.differences, bins=60, range=(lo, hi), color=BLUE, alpha=0.6, density=True,
                label=f"noisy difference, {result.n_trials:,} trials")
    ax.axvline(0.5, color=BLACK, linestyle="--", linewidth=1.2, label="threshold 1/2")
    ax.set_xlim(lo, hi)
    _tidy(ax, "answer 1 - answer 2", "how often" if result.epsilon is not None else "")
    ax.legend(fontsize=8, loc="upper left", frameon=False)
    how = "exact answers" if result.epsilon is None else f"epsilon = {result.epsilon:g} per answer"
    ax.set_title(f"Differencing, {how}: guess right {result.success_rate:.0%} of the time",
                 fontsize=_TITLE_SIZE)
    return ax


# --- reconstruction ----------------------------------------------------------------------------

_BITS_CMAP = ListedColormap(["#f0f0f0", BLUE, VERMILLION])


def _bit_grid(point: ReconstructionPoint) -> np.ndarray:
    """0: a 0 recovered, 1: a 1 recovered, 2: a wrong bit; on a near-square grid."""
    n = point.secret.size
    width = int(math.ceil(math.sqrt(n)))
    codes = np.where(point.recovered == point.secret, point.secret, 2).astype(float)
    padded = np.full(width * int(math.ceil(n / width)), np.nan)
    padded[:n] = codes
    return padded.reshape(-1, width)


def plot_reconstruction(point: ReconstructionPoint, *, axes: Any = None) -> np.ndarray:
    """Two panels: share of bits recovered against the noise, and the bits of one database.

    Left: the mean share recovered by least squares over the curve's
    databases against the noise bound (the band spans the lowest to the
    highest), with ``sqrt(n)`` and chance (50%) marked and the current noise
    as a dot. Right: one database's secret bits, recovered ones in blue (1)
    or light grey (0) and wrong ones in vermillion with a white cross (so
    they stand out without colour too).

    Examples
    --------
    >>> from ppml_lab.attacks import reconstruction_curve
    >>> axes = plot_reconstruction(reconstruction_curve().at(5.0))
    >>> axes[0].get_xlabel()
    'noise bound on each answer'
    """
    if not isinstance(point, ReconstructionPoint):
        raise fail("point", "a ReconstructionPoint", point,
                   "Pass e.g. reconstruction_curve().at(5.0).", kind=TypeError)
    axes = _get_axes(axes, 2, (9.0, 3.2), "axes")
    curve = point.curve
    ax = axes[0]
    x = curve.noises
    low, high = curve.fractions.min(axis=0), curve.fractions.max(axis=0)
    signature = ("reconstruction-curve", x.size, float(x[0]), float(x[-1]), curve.n)
    drawn = _reusable(ax, signature)
    label = f"least squares, {curve.n_queries:,} queries"
    if drawn is None:
        ax.cla()
        drawn = {"band": ax.fill_between(x, low, high, color=BLUE, alpha=0.18, linewidth=0)}
        drawn["mean"], = ax.plot(x, curve.mean, color=BLUE, linewidth=1.8, label=label)
        # kept with the dynamic artists: the band is drawn over them, in zorder
        drawn["chance"] = ax.axhline(0.5, color=BLACK, linestyle=":", linewidth=1.2,
                                     label="chance (50%)")
        drawn["sqrt_n"] = ax.axvline(curve.sqrt_n, color=GREY, linestyle="--", linewidth=1.2,
                                     label=f"sqrt(n) = {curve.sqrt_n:g}")
        drawn["point"], = ax.plot([point.noise], [point.fraction], "o", color=VERMILLION,
                                  markersize=8, zorder=4)
        ax.set_xlim(float(x[0]), float(x[-1]))
        ax.set_ylim(0.4, 1.02)
        ax.yaxis.set_major_formatter(FuncFormatter(_percent))
        _tidy(ax, "noise bound on each answer", "secret bits recovered", grid_axis="both")
        drawn["legend"] = ax.legend(fontsize=8, loc="upper right", frameon=True,
                                    facecolor="white", edgecolor="none", framealpha=0.85)
        _DRAWN[ax] = (signature, drawn)
    else:
        drawn["band"].set_data(x, low, high)
        drawn["mean"].set_data(x, curve.mean)
        drawn["mean"].set_label(label)
        drawn["legend"].get_texts()[0].set_text(label)
        drawn["point"].set_data([point.noise], [point.fraction])
    ax.set_title(f"Noise up to {point.noise:g} on each of {curve.n_queries:,} answers: "
                 f"{point.fraction:.0%} recovered", fontsize=_TITLE_SIZE)

    ax = axes[1]
    grid = _bit_grid(point)
    drawn = _reusable(ax, ("reconstruction-bits", grid.shape))
    if drawn is None:
        ax.cla()
        image = ax.imshow(grid, cmap=_BITS_CMAP, vmin=0, vmax=2, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():  # no frame: the image (redrawn on top) would hide it
            spine.set_visible(False)
        drawn = {"image": image}
        drawn["wrong"], = ax.plot([], [], linestyle="none", marker="x", color="white",
                                  markersize=4, markeredgewidth=1.2, zorder=3)
        _DRAWN[ax] = (("reconstruction-bits", grid.shape), drawn)
    else:
        drawn["image"].set_data(grid)
    rows, cols = np.nonzero(grid == 2)
    drawn["wrong"].set_data(cols, rows)
    wrong = int(np.sum(point.recovered != point.secret))
    ax.set_title(f"One database: {wrong} of {point.secret.size} bits wrong\n"
                 "(crossed, vermillion; right ones blue for 1, grey for 0)",
                 fontsize=_TITLE_SIZE)
    return axes


# --- explorers ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4)
def _linkage_tables(n: int, voter_fraction: float, release_fraction: float, seed: int) -> tuple:
    people = synthetic_population(n, rng=seed)
    return (hospital_records(people, release_fraction, rng=seed + 1),
            voter_list(people, voter_fraction, rng=seed + 2))


#: Tables passed to a LinkageExplorer, by id (kept alive by the explorer that holds them).
_GIVEN: dict[int, Any] = {}


@functools.lru_cache(maxsize=256)
def _linkage(n: int, voter_fraction: float, release_fraction: float, seed: int,
             zip_digits: int, birth: str, sex: bool, given: tuple[int, int] | None = None
             ) -> LinkageResult:
    if given is None:
        release, voters = _linkage_tables(n, voter_fraction, release_fraction, seed)
    else:
        release, voters = _GIVEN[given[0]], _GIVEN[given[1]]
    qis = ("zip", "birth_date", "sex") if sex else ("zip", "birth_date")
    return linkage_attack(release, voters, qis, zip_digits=zip_digits, birth=birth)


class LinkageExplorer(Explorer):
    """Notebook 01: how coarse must a release be before the voter list stops naming people?

    Controls: ``zip_digits`` (digits of the ZIP code released, 5 to 0),
    ``birth`` (day, month, year, 5 years, decade, none) and ``sex``
    (released or withheld). The release is the hospital records of half of a
    synthetic population of ``n`` people (:func:`~ppml_lab.datasets.hospital_records`),
    the voter list 60% of its adults; both are fixed (the explorer's seed),
    so only the generalisation changes. Pass ``release`` and ``voters`` to
    explore tables of your own instead (e.g. the ones a notebook already made). Left panel: how many records share
    their quasi-identifiers with how many others; right: what the join names.
    Each setting is computed once (about 40 ms) and cached.

    Parameters
    ----------
    zip_digits : int, default 5
    birth : str, default "day"
    sex : {"released", "withheld"}, default "released"
    n : int, default 100_000
    release : Population, optional
        The "de-identified" records; with ``voters``, replaces the generated tables.
    voters : VoterList, optional
    rng : None, int or numpy.random.Generator
    dpi : float, default 90

    Examples
    --------
    >>> ex = LinkageExplorer(n=20_000, rng=0)
    >>> ex
    Explorer: linkage attack
    >>> before = ex.result.n_correct
    >>> ex.set(birth="year")
    >>> ex.result.n_correct < before
    True
    """

    title = "linkage attack"
    panel_shape = (1, 2)
    figsize = (10.0, 3.6)
    static_row_size = (10.0, 3.2)
    static_values = ("day", "year", "decade")

    def __init__(self, *, zip_digits: int = 5, birth: str = "day", sex: str = "released",
                 n: int = 100_000, release: Population | None = None,
                 voters: VoterList | None = None, rng: SeedLike = None,
                 dpi: float = 90.0) -> None:
        self.n = check_integer(n, "n", minimum=100, maximum=10**6, fix="Pass e.g. n=100_000.")
        if (release is None) != (voters is None):
            raise fail("voters" if voters is None else "release",
                       "given together with the other table", None,
                       "Pass both release= and voters=, or neither.", kind=TypeError,
                       show="only one of release and voters")
        self._given: tuple[int, int] | None = None
        if release is not None:
            if not isinstance(release, Population):
                raise fail("release", "a Population", release,
                           "Pass e.g. hospital_records(population).", kind=TypeError)
            if not isinstance(voters, VoterList):
                raise fail("voters", "a VoterList", voters, "Pass e.g. voter_list(population).",
                           kind=TypeError)
            self._tables = (release, voters)  # keeps them alive while their ids are cached
            _GIVEN[id(release)], _GIVEN[id(voters)] = release, voters
            self._given = (id(release), id(voters))
        super().__init__(rng=rng, dpi=dpi, zip_digits=zip_digits, birth=birth, sex=sex)

    def _make_controls(self) -> dict[str, widgets.Widget]:
        return {
            "zip_digits": widgets.SelectionSlider(
                options=[(str(v), v) for v in ZIP_LEVELS], value=5,
                description="ZIP digits released", continuous_update=True, style=_WIDE,
                layout=widgets.Layout(width="300px")),
            "birth": widgets.SelectionSlider(
                options=list(BIRTH_LEVELS), value="day", description="birth date to the",
                continuous_update=True, style=_WIDE, layout=widgets.Layout(width="320px")),
            "sex": widgets.SelectionSlider(
                options=["released", "withheld"], value="released", description="sex",
                continuous_update=True, style=_WIDE, layout=widgets.Layout(width="240px")),
        }

    def _compute(self, values: dict[str, Any], seed: int) -> LinkageResult:
        return _linkage(self.n, 0.6, 0.5, seed % 2**31, values["zip_digits"], values["birth"],
                        values["sex"] == "released", self._given)

    def _plot(self, result: Any, axes: np.ndarray) -> None:
        plot_linkage(result, axes=axes)

    def _readout(self, result: Any) -> str:
        return result.summary()

    def static_figure(self, values: Any = None, *, parameter: str = "birth") -> StaticFigure:
        """Small multiples: one row per birth-date coarseness (by default day, year, decade)."""
        if values is None and parameter == "birth":
            values = list(self.static_values)
        return super().static_figure(values, parameter=parameter)


class ReconstructionExplorer(Explorer):
    """Notebook 01: how much noise stops a reconstruction attack, and for how many queries?

    Controls: ``noise`` (the largest error of each answer, 0 to ``10 sqrt(n)``)
    and ``queries`` (the number of random subset-sum queries, 1 to 16 per
    secret bit). Left: the share of ``n`` secret bits that least squares
    recovers against the noise, mean and spread over ``n_seeds`` databases,
    with ``sqrt(n)`` and chance marked; right: one database's bits, wrong ones
    in vermillion. The databases, queries and noise draws are the explorer's
    (common random numbers): the noise slider scales the same draws.

    Every curve is computed when the explorer is made (about 0.2 s for the
    five query counts), so a move only reads it (a few ms) and redraws.

    Parameters
    ----------
    noise : float, default 5.0
    queries : int, default 400
        One of 100, 200, 400, 800, 1600 (``n`` times 1, 2, 4, 8, 16 for n = 100).
    n : int, default 100
        Secret bits, 16 to 1,000.
    n_seeds : int, default 5
    rng : None, int or numpy.random.Generator
    dpi : float, default 90

    Examples
    --------
    >>> ex = ReconstructionExplorer(rng=0)
    >>> ex.result.fraction > 0.9
    True
    >>> ex.set(noise=80.0)
    >>> ex.result.fraction < 0.7
    True
    """

    title = "reconstruction attack"
    panel_shape = (1, 2)
    figsize = (10.0, 3.6)
    static_row_size = (10.0, 3.2)
    query_factors = (1, 2, 4, 8, 16)

    def __init__(self, *, noise: float = 5.0, queries: int = 400, n: int = 100,
                 n_seeds: int = 5, rng: SeedLike = None, dpi: float = 90.0) -> None:
        self.n = check_integer(n, "n", minimum=16, maximum=1000, fix="Pass e.g. n=100.")
        self.n_seeds = check_integer(n_seeds, "n_seeds", minimum=1, maximum=20,
                                     fix="Pass e.g. n_seeds=5.")
        self.query_counts = tuple(f * self.n for f in self.query_factors)
        self.max_noise = 10.0 * math.sqrt(self.n)
        self.noises = np.linspace(0.0, self.max_noise, 101)
        if queries == 400 and self.n != 100:
            queries = 4 * self.n
        check_choice(queries, "queries", self.query_counts,
                     fix=f"Pass one of {', '.join(map(str, self.query_counts))}.")
        super().__init__(rng=rng, dpi=dpi, noise=noise, queries=queries)
        for count in self.query_counts:  # warm every curve: moves only read them
            reconstruction_curve(self.n, count, self.noises, n_seeds=self.n_seeds,
                                 rng=self._seed % 2**31)

    def _make_controls(self) -> dict[str, widgets.Widget]:
        step = round(self.max_noise / 100, 6)
        return {
            "noise": widgets.FloatSlider(
                value=5.0, min=0.0, max=self.max_noise, step=step,
                description="noise (more private \u2192)", readout_format=".0f",
                continuous_update=True, style=_WIDE, layout=widgets.Layout(width="380px")),
            "queries": widgets.SelectionSlider(
                options=[(f"{c:,}", c) for c in self.query_counts], value=4 * self.n,
                description="queries", continuous_update=True, style=_WIDE,
                layout=widgets.Layout(width="300px")),
        }

    def _compute(self, values: dict[str, Any], seed: int) -> ReconstructionPoint:
        curve = reconstruction_curve(self.n, values["queries"], self.noises,
                                     n_seeds=self.n_seeds, rng=seed % 2**31)
        return curve.at(values["noise"])

    def _plot(self, result: Any, axes: np.ndarray) -> None:
        plot_reconstruction(result, axes=axes)

    def _readout(self, result: Any) -> str:
        return result.summary()

    def static_figure(self, values: Any = None, *, parameter: str = "noise") -> StaticFigure:
        """Small multiples: one row per noise bound (by default 0.2, 1 and 5 times sqrt(n))."""
        if values is None and parameter == "noise":
            root = math.sqrt(self.n)
            values = [round(0.2 * root, 6), round(root, 6), round(5 * root, 6)]
        return super().static_figure(values, parameter=parameter)
