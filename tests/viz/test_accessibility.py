"""Accessibility of every figure: no two curves told apart by colour alone, palette colours only.

Every ``plot_*`` function of every module of :mod:`ppml_lab.viz` is found by
name (so a new one is covered without editing this file) and drawn from its
own docstring example, which builds a small input with the compute function it
plots. Every explorer class is found the same way and drawn at its defaults
and after a move of each control. Then every Axes is inspected:

* two visible lines of different colours must differ in line style (dash
  pattern) or marker, unless both are labelled directly on the figure
  (:func:`ppml_lab.viz.style.direct_label`);
* two legend entries must differ in more than colour (line style, marker,
  hatch, or kind of handle);
* every colour drawn is an Okabe-Ito colour or a grey, and every colour map
  is one whose lightness is monotone (:data:`~ppml_lab.viz.style.SEQUENTIAL_CMAPS`)
  or is made of palette colours.

And the palette itself: every pair of its colours stays apart for readers with
protanopia, deuteranopia and tritanopia (Machado et al. 2009, severity 1) by at
least :data:`MIN_DELTA_E` in CIEDE2000 units.
"""

from __future__ import annotations

import doctest
import inspect
import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import Collection
from matplotlib.colors import ListedColormap, to_rgba, to_rgba_array
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from viz_discovery import EXPLORERS, PLOTS, other_value

import ppml_lab.viz
from ppml_lab.viz import style

#: The smallest CIEDE2000 distance two palette colours may have under a simulated dichromacy.
#: About 1 is just noticeable between two large patches side by side; for thin lines and small
#: markers the noticeable difference grows several-fold as the mark shrinks (Stone, Szafir and
#: Setlur 2014; Szafir 2018), so 10 asks for a difference clearly visible on a 1.5-point line.
#: The eight Okabe-Ito colours meet it under all three dichromacies (the closest pair:
#: orange and reddish purple for tritanopia, 10.9).
MIN_DELTA_E = 10.0
DICHROMACIES = ("protanopia", "deuteranopia", "tritanopia")


def test_discovery_finds_every_exported_plot_and_explorer():
    exported = {n for n in ppml_lab.viz.__all__ if n.startswith("plot_")}
    assert exported <= set(PLOTS), exported - set(PLOTS)
    assert {n for n in ppml_lab.viz.__all__ if n.endswith("Explorer") and n != "Explorer"} \
        <= set(EXPLORERS)
    assert len(PLOTS) >= 20 and len(EXPLORERS) >= 10


# --- what a reader tells apart --------------------------------------------------------------------

def _dashes(line: Line2D):
    """The line's dash pattern (None for solid, "none" for no line)."""
    if line.get_linestyle() in ("None", " ", ""):
        return "none"
    _offset, dashes = line._unscaled_dash_pattern  # what set_linestyle made of the style
    return None if dashes is None else tuple(np.round(dashes, 3))


def _marker(line: Line2D):
    """The marker and whether it is hollow (a ring is not a dot)."""
    marker = line.get_marker()
    if marker in (None, "None", "none", "", " "):
        return None
    face = line.get_markerfacecolor()
    return (str(marker), isinstance(face, str) and face == "none")


def _is_guide(line: Line2D, ax) -> bool:
    """An unlabelled line across the whole axes (axvline/axhline): read by its position."""
    return (line.get_label().startswith("_")
            and any(line.get_transform() is t  # (== of transforms is too lenient here)
                    for t in (ax.get_xaxis_transform(), ax.get_yaxis_transform())))


def _has_data(line: Line2D) -> bool:
    x, y = (np.asarray(v, dtype=float) for v in line.get_data(orig=True))
    return bool(np.any(np.isfinite(x) & np.isfinite(y)))


def _shown(line: Line2D) -> bool:
    return (line.get_visible() and _has_data(line)
            and (_dashes(line) != "none" or _marker(line) is not None))


def _directly_labelled(line: Line2D, ax) -> bool:
    text = style.direct_label_of(line)
    return (text is not None and text.get_visible() and bool(text.get_text().strip())
            and text.axes is ax)


def _rgb(colour, alpha=None) -> tuple[float, ...]:
    """The colour with its alpha: shades of one colour are colours too."""
    return tuple(np.round(to_rgba(colour, alpha), 3))


def colour_only_pairs(ax) -> list[str]:
    """Pairs of lines in ``ax`` that differ in colour and in nothing else a reader sees."""
    lines = [line for line in ax.get_lines() if _shown(line) and not _is_guide(line, ax)]
    problems = []
    for a, b in itertools.combinations(lines, 2):
        if _rgb(a.get_color(), a.get_alpha()) == _rgb(b.get_color(), b.get_alpha()):
            continue
        if (_dashes(a), _marker(a)) != (_dashes(b), _marker(b)):
            continue
        if _directly_labelled(a, ax) and _directly_labelled(b, ax):
            continue
        problems.append(f"{a.get_label()!r} ({a.get_color()}) and {b.get_label()!r} "
                        f"({b.get_color()}): same line style {a.get_linestyle()!r} and marker "
                        f"{_marker(a)!r}")
    return problems


def _handle_key(handle):
    """What tells a legend entry apart, colour left out."""
    if isinstance(handle, Line2D):
        return ("line", _dashes(handle) if handle.get_linestyle() not in ("None", "") else "none",
                _marker(handle))
    if isinstance(handle, Patch):
        return ("patch", handle.get_hatch() or "", bool(handle.get_fill()),
                handle.get_linestyle())
    if isinstance(handle, Collection):
        return ("collection", handle.get_hatch() or "", str(handle.get_linestyle()))
    return (type(handle).__name__,)


def _handle_colour(handle):
    if isinstance(handle, Line2D):
        return _rgb(handle.get_color(), handle.get_alpha())
    if isinstance(handle, Patch):  # get_facecolor has the alpha in it
        return _rgb(handle.get_facecolor() if handle.get_fill() else handle.get_edgecolor())
    if isinstance(handle, Collection):
        face = to_rgba_array(handle.get_facecolor())
        return tuple(np.round(face[0], 3)) if len(face) else None
    return None


def legend_colour_only_pairs(fig) -> list[str]:
    legends = [ax.get_legend() for ax in fig.get_axes() if ax.get_legend() is not None]
    legends += list(fig.legends)
    for sub in fig.subfigs:
        legends += list(sub.legends)
    problems = []
    for legend in legends:
        entries = [(h, t.get_text()) for h, t in zip(legend.legend_handles, legend.get_texts())
                   if h is not None]
        for (ha, ta), (hb, tb) in itertools.combinations(entries, 2):
            ca, cb = _handle_colour(ha), _handle_colour(hb)
            if ca is None or cb is None or ca == cb:
                continue
            if _handle_key(ha) == _handle_key(hb):
                problems.append(f"legend entries {ta!r} and {tb!r} differ only by colour")
    return problems


def off_palette_colours(fig) -> list[str]:
    """Colours drawn in ``fig`` that are neither Okabe-Ito colours nor greys."""
    problems = []

    def check(colour, what):
        rgba = to_rgba_array(colour)
        for c in rgba:
            if c[3] > 0 and not style.in_palette(c[:3]):
                problems.append(f"{what}: {matplotlib.colors.to_hex(c)}")

    def check_cmap(cmap, what):
        if cmap.name in style.SEQUENTIAL_CMAPS:
            return
        if isinstance(cmap, ListedColormap):
            check(cmap.colors, f"{what} colour map {cmap.name!r}")
        else:
            problems.append(f"{what}: colour map {cmap.name!r} is not in SEQUENTIAL_CMAPS")

    for ax in fig.get_axes():
        for line in ax.get_lines():
            if not line.get_visible():
                continue
            check(line.get_color(), f"line {line.get_label()!r}")
            for colour in (line.get_markerfacecolor(), line.get_markeredgecolor()):
                if isinstance(colour, str) and colour in ("none", "auto"):
                    continue
                check(colour, f"marker of {line.get_label()!r}")
        for patch in ax.patches:
            if patch.get_visible():
                check(patch.get_facecolor(), f"patch {patch.get_label()!r}")
                check(patch.get_edgecolor(), f"edge of patch {patch.get_label()!r}")
        for coll in ax.collections:
            if not coll.get_visible():
                continue
            if coll.get_array() is not None:
                check_cmap(coll.get_cmap(), f"collection {coll.get_label()!r}")
            else:
                check(coll.get_facecolor(), f"collection {coll.get_label()!r}")
                check(coll.get_edgecolor(), f"edge of collection {coll.get_label()!r}")
        for image in ax.images:
            if isinstance(image, AxesImage) and image.get_visible():
                check_cmap(image.get_cmap(), "image")
        for text in ax.texts:
            if text.get_visible() and text.get_text().strip():
                check(text.get_color(), f"text {text.get_text()[:30]!r}")
    return problems


def categories_by_colour_only(ax) -> list[str]:
    """A categorical colour map (an image or mesh of a few listed colours) needs a second cue.

    Sequential maps show an amount by lightness; listed colours name categories,
    so the same Axes must also mark them some other way: markers or text on it.
    """
    mapped = [a for a in [*ax.images, *ax.collections] if a.get_visible()
              and getattr(a, "get_array", lambda: None)() is not None
              and a.get_cmap().name not in style.SEQUENTIAL_CMAPS
              and isinstance(a.get_cmap(), ListedColormap)]
    if not mapped:
        return []
    cues = ([line for line in ax.get_lines() if line.get_visible() and _marker(line)]
            + [t for t in ax.texts if t.get_visible() and t.get_text().strip()])
    return [] if cues else [f"colour map {a.get_cmap().name!r} names categories by colour "
                            "alone: mark them with markers or text too" for a in mapped]


def figure_problems(fig) -> list[str]:
    problems = []
    for ax in fig.get_axes():
        problems += [f"[{ax.get_title()[:40]!r}] {p}"
                     for p in colour_only_pairs(ax) + categories_by_colour_only(ax)]
    return problems + legend_colour_only_pairs(fig) + off_palette_colours(fig)


# --- the figures of every plot function, from its own example --------------------------------------

def _draw_example(name: str) -> list:
    """Run ``name``'s docstring example; return the figures it drew (all of them)."""
    function = PLOTS[name]
    module = inspect.getmodule(function)
    tests = doctest.DocTestFinder(exclude_empty=True).find(function, name,
                                                           globs=dict(vars(module)))
    calls = []

    def spy(*args, **kwargs):
        drawn = function(*args, **kwargs)
        calls.append(drawn)
        return drawn

    plt.close("all")
    # the examples' printed outputs are the doctests' business; here they only draw
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        test.globs[name] = spy
        runner.run(test, out=lambda _text: None)
    assert tests and calls, (f"{name} has no docstring example that draws it: add one (it is "
                             "also what this test draws)")
    figures = [plt.figure(n) for n in plt.get_fignums()]  # still open
    for drawn in calls:  # and those the example closed
        for ax in np.asarray(drawn, dtype=object).ravel():
            fig = ax.get_figure(root=True)
            if fig not in figures:
                figures.append(fig)
    return figures


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_plot_tells_curves_apart_without_colour(name):
    figures = _draw_example(name)
    assert figures, f"{name}'s example drew no figure"
    problems = [p for fig in figures for p in figure_problems(fig)]
    plt.close("all")
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


# --- the explorers -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def explorers():
    return {}


def _explorer(explorers, name):
    if name not in explorers:
        explorers[name] = EXPLORERS[name](rng=0)
    return explorers[name]


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_explorer_figure_tells_curves_apart_at_every_control(name, explorers):
    explorer = _explorer(explorers, name)
    problems = figure_problems(explorer._fig)
    for control_name in explorer._value_names:
        explorer.set(**{control_name: other_value(explorer.controls[control_name])})
        problems += [f"after moving {control_name}: {p}" for p in figure_problems(explorer._fig)]
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


# --- the palette ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", DICHROMACIES)
def test_palette_colours_stay_apart_for_colour_blind_readers(kind):
    colours = list(style.PALETTE.values())
    distance = style.colour_distances(colours, kind)
    pairs = {(a, b): distance[i, j] for (i, a), (j, b)
             in itertools.combinations(enumerate(style.PALETTE), 2)}
    closest = min(pairs, key=pairs.get)
    assert pairs[closest] >= MIN_DELTA_E, f"{kind}: {closest} only {pairs[closest]:.1f} apart"


def test_the_series_colours_stay_apart_from_the_context_grey():
    """Grey marks context (guides, refused, empty): the first four series colours keep clear."""
    for kind in ("normal", *DICHROMACIES):
        d = style.colour_distances([style.GREY, *style.SERIES[:4]], kind)
        assert d[0, 1:].min() >= MIN_DELTA_E, (kind, d[0, 1:].round(1))


def test_a_palette_that_is_not_colour_blind_safe_fails_the_check():
    """The check has teeth: matplotlib's default red and green merge for deuteranopes."""
    d = style.colour_distances(["#d62728", "#2ca02c"], "deuteranopia")  # tab:red, tab:green
    assert d[0, 1] < MIN_DELTA_E
    assert style.colour_distances(["#d62728", "#2ca02c"], "normal")[0, 1] > 3 * MIN_DELTA_E


def test_simulation_matches_published_values():
    """Greys stay grey (rows of Machado's matrices sum to 1); values as colorspacious 1.1.2 gives."""
    for kind in DICHROMACIES:
        grey = style.simulate_colour_vision(["#777777", "white", "black"], kind)
        np.testing.assert_allclose(grey, [[0x77 / 255] * 3, [1.0] * 3, [0.0] * 3], atol=2e-3)
    # colorspacious.cspace_convert(rgb, {"name": "sRGB1+CVD", "cvd_type": "...anomaly",
    # "severity": 100}, "sRGB1"), clipped to 0-1, for vermillion and blue
    np.testing.assert_allclose(style.simulate_colour_vision(["#D55E00", "#0072B2"], "deuteranopia"),
                               [[0.6186, 0.5484, 0.0], [0.2303, 0.4020, 0.6933]], atol=1e-4)
    np.testing.assert_allclose(style.simulate_colour_vision(["#D55E00", "#0072B2"], "tritanopia"),
                               [[0.9196, 0.2528, 0.3143], [0.0, 0.5089, 0.5387]], atol=1e-4)


def test_ciede2000_matches_sharma_2005():
    """Pairs 1, 7 and 17 of Sharma, Wu and Dalal's (2005) test data."""
    lab1 = [[50.0, 2.6772, -79.7751], [50.0, 0.0, 0.0], [50.0, 2.5, 0.0]]
    lab2 = [[50.0, 0.0, -82.7485], [50.0, -1.0, 2.0], [73.0, 25.0, -18.0]]
    np.testing.assert_allclose(style.delta_e(lab1, lab2), [2.0425, 2.3669, 27.1492], atol=1e-4)


# --- the checks themselves catch what they should ---------------------------------------------------

def test_two_solid_curves_in_two_colours_are_reported_and_a_dash_fixes_it():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], color=style.BLUE, label="a")
    b, = ax.plot([0, 1], [1, 0], color=style.VERMILLION, label="b")
    ax.legend()
    assert len(colour_only_pairs(ax)) == 1 and len(legend_colour_only_pairs(fig)) == 1
    b.set_linestyle("--")
    ax.legend()
    assert colour_only_pairs(ax) == [] and legend_colour_only_pairs(fig) == []
    plt.close(fig)


def test_direct_labels_excuse_same_style_curves_and_off_palette_colours_are_reported():
    fig, ax = plt.subplots()
    a, = ax.plot([0, 1], [0, 1], color=style.BLUE)
    b, = ax.plot([0, 1], [1, 0], color="#1f77b4")  # matplotlib's default blue: not ours
    assert len(colour_only_pairs(ax)) == 1
    style.direct_label(a, ax.text(1, 1, "a"))
    style.direct_label(b, ax.text(1, 0, "b"))
    assert colour_only_pairs(ax) == []
    assert off_palette_colours(fig) == ["line '_child1': #1f77b4",
                                        "marker of '_child1': #1f77b4",
                                        "marker of '_child1': #1f77b4"]
    plt.close(fig)


def test_bars_differing_only_by_colour_are_reported_and_a_hatch_fixes_it():
    fig, ax = plt.subplots()
    ax.bar([0], [1], color=style.BLUE, label="yes")
    bars = ax.bar([0], [1], bottom=[1], color=style.GREY, label="no")
    ax.legend()
    assert len(legend_colour_only_pairs(fig)) == 1
    for bar in bars:
        bar.set_hatch("//")
    ax.legend()
    assert legend_colour_only_pairs(fig) == []
    plt.close(fig)


def test_a_categorical_colour_map_needs_a_second_cue():
    fig, ax = plt.subplots()
    ax.imshow([[0, 1], [2, 1]], cmap=ListedColormap(["#f0f0f0", style.BLUE, style.VERMILLION]))
    assert len(categories_by_colour_only(ax)) == 1
    ax.plot([0], [1], linestyle="none", marker="x", color="white")
    assert categories_by_colour_only(ax) == []
    fig2, ax2 = plt.subplots()
    ax2.imshow([[0.1, 0.9]], cmap="Blues")  # an amount, by lightness: fine alone
    assert categories_by_colour_only(ax2) == []
    plt.close(fig)
    plt.close(fig2)


def test_drawing_leaves_matplotlib_global_style_alone():
    """Styles are passed to each call, never set in rcParams (no global state)."""
    before = {k: v for k, v in matplotlib.rcParams.items() if "backend" not in k}
    for name in ("plot_composition", "plot_secure_federated", "plot_coalitions"):
        _draw_example(name)
    explorer = EXPLORERS["NoisyCountExplorer"](rng=0)
    explorer.set(epsilon=2.0)
    plt.close("all")
    after = {k: v for k, v in matplotlib.rcParams.items() if "backend" not in k}
    assert after == before
