"""Plots of federated learning: how the labels are spread over the clients.

:func:`plot_label_distribution` draws the counts of
:func:`ppml_lab.federated.partitions.label_counts` as a heat map: one row per
client, one column per class, the colour is the share of that client's data in
that class (white 0%, dark blue 100%). An IID split is a flat, pale picture; a
skewed one (small Dirichlet alpha, shards) a few dark cells per row. Clients
with no data are grey. Up to ``max_clients`` clients every row is labelled with
its client number and size; more clients are drawn as thin rows (1,000 clients
still fit), with a few row ticks.

Introduced in notebook 07.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .._validation import check_array, check_bool, check_integer, fail
from .plots import _TITLE_SIZE, _get_ax, _percent

__all__ = ["plot_label_distribution"]

_EMPTY = "#bbbbbb"  # clients with no data
_CMAP = colormaps["Blues"].with_extremes(bad=_EMPTY)
_COUNTS_FIX = ("Pass the array of label_counts(y, partitions): one row per client, one column "
               "per class.")


def _check_counts(counts: Any) -> np.ndarray:
    arr = check_array(counts, "counts", ndim=2, dtype=None, fix=_COUNTS_FIX)
    if arr.dtype.kind not in "iuf":
        raise fail("counts", "an array of counts", arr, _COUNTS_FIX, kind=TypeError)
    if np.any(arr < 0) or np.any(arr != np.round(arr)):
        raise fail("counts", "non-negative whole numbers", arr, _COUNTS_FIX)
    return arr.astype(np.int64)


def plot_label_distribution(counts: Any, *, ax: Axes | None = None, max_clients: int = 30,
                            class_names: Any = None, colorbar: bool = True) -> Axes:
    """Heat map of each client's label shares (clients x classes).

    Parameters
    ----------
    counts : array-like of int, shape (n_clients, n_classes)
        Examples per client and class, e.g. from
        :func:`~ppml_lab.federated.partitions.label_counts`.
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure.
    max_clients : int, default 30
        Up to this many clients, every row is labelled ("3 (n=120)") and cells
        are separated by thin white lines; beyond it, the clients are thin rows
        with a few ticks, which stays readable up to thousands of clients.
    class_names : sequence of str, optional
        Column labels (default 0, 1, ...).
    colorbar : bool, default True
        Add a colour bar beside the axes. An explorer that redraws into the same
        axes passes False after the first drawing (each colour bar takes space).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (never calls ``plt.show()``). The heat map is
        ``ax.images[0]`` for many clients, ``ax.collections[0]`` for few.

    Introduced in notebook 07.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_label_distribution([[5, 0, 0], [1, 2, 3]])
    >>> ax.get_ylabel(), ax.get_xlabel()
    ('client', 'class')
    """
    counts = _check_counts(counts)
    max_clients = check_integer(max_clients, "max_clients", minimum=1,
                                fix="Pass e.g. max_clients=30.")
    n_clients, n_classes = counts.shape
    if class_names is None:
        names = [str(c) for c in range(n_classes)]
    else:
        if isinstance(class_names, (str, bytes)) or len(class_names) != n_classes:
            raise fail("class_names", f"one name per class ({n_classes})", class_names,
                       "Pass e.g. class_names=['cat', 'dog'], or leave it out.")
        names = [str(c) for c in class_names]
    sizes = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.ma.masked_invalid(counts / sizes[:, None])
    few = n_clients <= max_clients
    ax = _get_ax(ax, (7.5, 4.2) if few or n_clients <= 100 else (7.5, 6.0))
    style = {"cmap": _CMAP, "vmin": 0.0, "vmax": 1.0}
    if few:
        mesh = ax.pcolormesh(np.arange(n_classes + 1) - 0.5, np.arange(n_clients + 1) - 0.5,
                             shares, edgecolors="white", linewidth=0.5, **style)
        ax.set_ylim(n_clients - 0.5, -0.5)  # client 0 on top, as in the list
        ax.set_yticks(np.arange(n_clients),
                      [f"{k} (n={int(s)})" for k, s in enumerate(sizes)],
                      fontsize=8 if n_clients <= 15 else 6)
    else:
        mesh = ax.imshow(shares, aspect="auto", interpolation="nearest", **style)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=10, integer=True))
    ax.set_xlim(-0.5, n_classes - 0.5)
    if n_classes <= 20 or class_names is not None:
        ax.set_xticks(np.arange(n_classes), names, fontsize=8 if n_classes <= 12 else 6,
                      rotation=0 if max(len(s) for s in names) <= 3 else 45)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True))
    ax.set_xlabel("class")
    ax.set_ylabel("client")
    if check_bool(colorbar, "colorbar"):
        bar = ax.figure.colorbar(mesh, ax=ax, fraction=0.05, pad=0.02,
                                 format=FuncFormatter(_percent))
        bar.set_label("share of the client's examples", fontsize=8)
    empty = int(np.sum(sizes == 0))
    title = f"labels per client: {n_clients} clients, {n_classes} classes"
    if empty:
        title += f" ({empty} with no data, grey)"
    ax.set_title(title, fontsize=_TITLE_SIZE)
    return ax
