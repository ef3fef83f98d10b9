"""One palette and one set of line styles for every figure of the kit.

Colours are the Okabe-Ito palette (Okabe and Ito 2008, "Color Universal
Design"), chosen to stay apart for readers with any common colour-vision
deficiency and in black and white; greys (any colour with equal red, green and
blue) are used for context (guides, "refused", empty cells). Colour is never
the only cue: in one Axes, two labelled curves of different colours also
differ in line style or marker, or carry a text label next to them
(:func:`direct_label`); filled areas that need telling apart carry a hatch or
a label. ``tests/viz/test_accessibility.py`` checks every ``plot_*`` function
and every explorer for this.

Nothing here changes matplotlib's global state (no ``rcParams``): the plot
functions pass these styles explicitly.

:func:`simulate_colour_vision` and :func:`delta_e` let the palette's claim be
checked: how far apart two colours remain for a reader with protanopia,
deuteranopia or tritanopia (Machado, Oliveira and Fernandes 2009, severity 1)
in CIEDE2000 units (Sharma, Wu and Dalal 2005).

Introduced in notebook 00.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
from matplotlib.colors import to_rgb

from .._validation import check_choice, fail

__all__ = [
    "BLACK",
    "BLUE",
    "GREEN",
    "GREY",
    "HATCHES",
    "LINESTYLES",
    "MARKERS",
    "ORANGE",
    "PALETTE",
    "PURPLE",
    "SEQUENTIAL_CMAPS",
    "SERIES",
    "SKY_BLUE",
    "VERMILLION",
    "YELLOW",
    "delta_e",
    "direct_label",
    "direct_label_of",
    "in_palette",
    "is_neutral",
    "series_style",
    "simulate_colour_vision",
]

# --- the Okabe-Ito palette ----------------------------------------------------------------------
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"  # "bluish green"
YELLOW = "#F0E442"  # pale on white: for fills and bars, not for thin lines
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"  # "reddish purple"
GREY = "#999999"  # a neutral, for context

#: The eight Okabe-Ito colours by name.
PALETTE: dict[str, str] = {"black": BLACK, "orange": ORANGE, "sky blue": SKY_BLUE,
                           "bluish green": GREEN, "yellow": YELLOW, "blue": BLUE,
                           "vermillion": VERMILLION, "reddish purple": PURPLE}

#: The order in which a figure takes colours for its series (yellow last: thin yellow lines
#: are hard to see on white).
SERIES: tuple[str, ...] = (BLUE, VERMILLION, GREEN, ORANGE, PURPLE, SKY_BLUE, BLACK, YELLOW)
#: Line styles and markers that go with :data:`SERIES`, position by position.
LINESTYLES: tuple[Any, ...] = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)),
                               (0, (8, 2)), (0, (3, 2, 1, 2, 1, 2)))
MARKERS: tuple[str, ...] = ("o", "s", "^", "v", "D", "P", "X", "*")
#: Hatches for filled areas and bars that must be told apart without colour.
HATCHES: tuple[str, ...] = ("", "//", "..", "xx", "\\\\", "++", "oo", "--")
#: Colour maps allowed for heat maps and images: lightness changes monotonically, so they
#: read the same for colour-blind readers and in grey.
SEQUENTIAL_CMAPS: frozenset[str] = frozenset({"Blues", "Greys", "gray", "gray_r", "Greys_r",
                                              "viridis", "cividis"})


def series_style(index: int, *, marker: bool = False) -> dict[str, Any]:
    """Colour and line style (and, if asked, marker) of the ``index``-th series of a figure.

    Two series of one figure never share a line style, so they differ by more
    than colour; the cycle repeats after eight.

    Examples
    --------
    >>> series_style(0)
    {'color': '#0072B2', 'linestyle': '-'}
    >>> series_style(1, marker=True)
    {'color': '#D55E00', 'linestyle': '--', 'marker': 's'}
    """
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0:
        raise fail("index", "a non-negative whole number", index, "Pass e.g. index=0.",
                   kind=TypeError if not isinstance(index, (int, np.integer)) else ValueError)
    k = int(index) % len(SERIES)
    style: dict[str, Any] = {"color": SERIES[k], "linestyle": LINESTYLES[k]}
    if marker:
        style["marker"] = MARKERS[k]
    return style


# --- direct labels ---------------------------------------------------------------------------------
_DIRECT_LABELS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def direct_label(artist: Any, text: Any) -> Any:
    """Record that ``text`` (a matplotlib Text next to ``artist``) names it on the figure.

    A curve labelled where it is drawn needs no legend entry and no style of
    its own to be told apart; the accessibility test accepts a pair of curves
    that differ only by colour when each has a visible, non-empty direct label
    in the same Axes. Returns ``text``.
    """
    _DIRECT_LABELS[artist] = text
    return text


def direct_label_of(artist: Any) -> Any:
    """The Text recorded by :func:`direct_label` for ``artist``, or None."""
    return _DIRECT_LABELS.get(artist)


# --- palette membership ---------------------------------------------------------------------------
def is_neutral(colour: Any, *, tolerance: float = 2.5 / 255) -> bool:
    """True for a grey, black or white (red, green and blue equal within ``tolerance``).

    >>> is_neutral("#999999"), is_neutral("white"), is_neutral("#0072B2")
    (True, True, False)
    """
    rgb = np.asarray(to_rgb(colour))
    return bool(rgb.max() - rgb.min() <= tolerance)


def in_palette(colour: Any, *, tolerance: float = 2.5 / 255) -> bool:
    """True for an Okabe-Ito colour or a neutral (grey, black, white); alpha is ignored.

    >>> in_palette("#d55e00"), in_palette("#1f77b4")
    (True, False)
    """
    rgb = np.asarray(to_rgb(colour))
    return is_neutral(rgb, tolerance=tolerance) or any(
        np.abs(rgb - np.asarray(to_rgb(c))).max() <= tolerance for c in PALETTE.values())


# --- colour vision ------------------------------------------------------------------------------
#: Machado, Oliveira and Fernandes (2009), Table 1 at severity 1.0: linear-RGB matrices
#: that show what a dichromat sees. Each row sums to 1, so greys stay grey.
_MACHADO = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
_KINDS = ("normal", *_MACHADO)


def _linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _gamma(linear: np.ndarray) -> np.ndarray:
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def simulate_colour_vision(colours: Any, kind: str = "deuteranopia") -> np.ndarray:
    """The sRGB colours (0-1) that a reader with colour-vision deficiency ``kind`` sees.

    The colour is linearised, multiplied by Machado et al.'s matrix for
    ``kind`` at severity 1 (complete dichromacy), clipped to the gamut and
    gamma-encoded again.

    Parameters
    ----------
    colours : colour or sequence of colours
        Anything :func:`matplotlib.colors.to_rgb` reads ("#0072B2", "white", (r, g, b)).
    kind : {"deuteranopia", "protanopia", "tritanopia", "normal"}

    Returns
    -------
    numpy.ndarray, shape (n, 3)

    Examples
    --------
    >>> simulate_colour_vision(["white", "#000000"], "protanopia").round(3).tolist()
    [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    >>> simulate_colour_vision("#D55E00", "deuteranopia").round(2).tolist()
    [[0.62, 0.55, 0.0]]
    """
    kind = check_choice(kind, "kind", _KINDS)
    if isinstance(colours, str) or (np.ndim(colours) == 1 and len(colours) in (3, 4)
                                    and not isinstance(colours[0], str)):
        colours = [colours]
    rgb = np.array([to_rgb(c) for c in colours], dtype=float)
    if kind == "normal":
        return rgb
    seen = _linear(rgb) @ _MACHADO[kind].T
    return _gamma(np.clip(seen, 0.0, 1.0))


def _lab(srgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of sRGB colours in 0-1."""
    xyz = _linear(np.asarray(srgb, dtype=float)) @ np.array(
        [[0.4124564, 0.3575761, 0.1804375],
         [0.2126729, 0.7151522, 0.0721750],
         [0.0193339, 0.1191920, 0.9503041]]).T
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def delta_e(lab1: Any, lab2: Any) -> np.ndarray:
    """CIEDE2000 colour difference of CIELAB colours (Sharma, Wu and Dalal 2005).

    About 1 is the smallest difference a viewer notices between two large
    patches side by side; thin lines and small markers need several times more.

    Examples
    --------
    >>> float(delta_e([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485]).round(4))
    2.0425
    """
    lab1, lab2 = np.asarray(lab1, dtype=float), np.asarray(lab2, dtype=float)
    L1, a1, b1 = np.moveaxis(lab1, -1, 0)
    L2, a2, b2 = np.moveaxis(lab2, -1, 0)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar ** 7 / (c_bar ** 7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dLp, dCp = L2 - L1, c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    dHp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    Lbp, Cbp = (L1 + L2) / 2, (c1p + c2p) / 2
    hsum = h1p + h2p
    hbp = np.where(np.abs(h1p - h2p) > 180, np.where(hsum < 360, hsum + 360, hsum - 360), hsum) / 2
    hbp = np.where(c1p * c2p == 0, hsum, hbp)
    t = (1 - 0.17 * np.cos(np.radians(hbp - 30)) + 0.24 * np.cos(np.radians(2 * hbp))
         + 0.32 * np.cos(np.radians(3 * hbp + 6)) - 0.20 * np.cos(np.radians(4 * hbp - 63)))
    d_theta = 30 * np.exp(-(((hbp - 275) / 25) ** 2))
    rc = 2 * np.sqrt(Cbp ** 7 / (Cbp ** 7 + 25.0 ** 7))
    sl = 1 + 0.015 * (Lbp - 50) ** 2 / np.sqrt(20 + (Lbp - 50) ** 2)
    sc, sh = 1 + 0.045 * Cbp, 1 + 0.015 * Cbp * t
    rt = -np.sin(np.radians(2 * d_theta)) * rc
    return np.sqrt((dLp / sl) ** 2 + (dCp / sc) ** 2 + (dHp / sh) ** 2
                   + rt * (dCp / sc) * (dHp / sh))


def colour_distances(colours: Any, kind: str = "deuteranopia") -> np.ndarray:
    """Pairwise CIEDE2000 distances of ``colours`` as seen with ``kind`` (a square matrix).

    Examples
    --------
    >>> d = colour_distances(["#0072B2", "#D55E00"], "deuteranopia")
    >>> bool(d[0, 1] > 20), float(d[0, 0])
    (True, 0.0)
    """
    lab = _lab(simulate_colour_vision(colours, kind))
    return delta_e(lab[:, None, :], lab[None, :, :])
