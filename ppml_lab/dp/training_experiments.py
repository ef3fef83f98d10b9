r"""Accuracy against epsilon of DP logistic regression: notebook 05's explorer.

This is the *compute* layer of notebook 05's explorer (see DESIGN.md, "Every
visual has three layers"): pure, seeded functions returning small frozen
records that :mod:`ppml_lab.viz.training` draws.

* :func:`accuracy_curve` trains :class:`~ppml_lab.dp.DPLogisticRegression`
  ``n_seeds`` times at each epsilon of a grid and records the test accuracy
  (median and spread over seeds) beside the non-private baseline
  (scikit-learn's ``LogisticRegression``). Full-batch DP gradient descent:
  one step is one epoch, so ``epochs`` is the model's ``max_iter``.
* :func:`accuracy_at` does the same at one epsilon.
* the privacy cost of tuning is in :mod:`ppml_lab.dp.tuning_experiments`.

Common random numbers: the seeds are drawn from ``rng`` once and reused at
every epsilon, so the curve moves only by the effect of epsilon.

**Speed** (2 cores). Every point (``n_seeds`` fits at one epsilon) is cached
on its hashable settings, so an epsilon already computed costs nothing; a new
one costs ``n_seeds`` fits (about 20 ms on breast_cancer at 60 steps, 65 ms at
200, plus about 35 ms the first time an (epsilon, steps) pair is calibrated).
The default grid :data:`ACCURACY_CURVE_EPSILONS` lies on the explorer's epsilon
slider, so there the current point comes from the curve. A new ``clip_norm``
or ``epochs`` recomputes the whole curve: about 0.2 to 0.6 s on breast_cancer,
up to about 1.2 s for 200 epochs with (epsilon, steps) pairs not calibrated yet.
Measured on the explorer: epsilon moves 20 ms once a point is known, median
about 60 ms on a first sweep of the slider.

Introduced in notebook 05.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np

from .._random import SeedLike, as_generator
from .._validation import (check_choice, check_delta, check_epsilon, check_grid, check_integer,
                           check_positive)
from ..datasets import DATASETS, load_classification
from .experiments import _frozen, _Record
from .logistic import DPLogisticRegression, default_steps

__all__ = ["ACCURACY_CURVE_EPSILONS", "AccuracyPoint", "AccuracyCurve", "accuracy_at", "accuracy_curve",
           "baseline_accuracy"]

#: The epsilon grid of notebook 05's accuracy curves: 9 epsilons from 0.1 to 10, evenly spaced
#: on a log scale (on the explorer's slider grid; each point costs model fits, so it is coarser
#: than :data:`ppml_lab.dp.experiments.ERROR_CURVE_EPSILONS`).
ACCURACY_CURVE_EPSILONS: np.ndarray = np.geomspace(0.1, 10.0, 9)
ACCURACY_CURVE_EPSILONS.setflags(write=False)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


# --- cached pieces ---------------------------------------------------------------------------

@functools.lru_cache(maxsize=8)
def _baseline(data_name: str) -> float:
    from sklearn.linear_model import LogisticRegression

    data = load_classification(data_name)
    model = LogisticRegression(max_iter=5000).fit(data.X_train, data.y_train)
    return float(model.score(data.X_test, data.y_test))


def baseline_accuracy(data_name: str = "breast_cancer") -> float:
    """Test accuracy of scikit-learn's non-private ``LogisticRegression`` (cached).

    Examples
    --------
    >>> round(baseline_accuracy("breast_cancer"), 3)
    0.959
    """
    return _baseline(_check_data(data_name))


@functools.lru_cache(maxsize=4096)
def _fit_scores(data_name: str, epsilon: float, delta: float, clip_norm: float,
                epochs: int | None, seeds: tuple[int, ...]) -> tuple[float, ...]:
    """Test accuracy of one DP model per seed (cached: the explorer asks again and again)."""
    data = load_classification(data_name)
    return tuple(float(DPLogisticRegression(epsilon, delta, max_iter=epochs, clip_norm=clip_norm,
                                            rng=seed).fit(data.X_train, data.y_train)
                       .score(data.X_test, data.y_test)) for seed in seeds)


# --- records ---------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class AccuracyPoint(_Record):
    """Test accuracy of ``n_seeds`` DP models at one epsilon (see :func:`accuracy_at`).

    Attributes
    ----------
    data_name : str
    epsilon, delta, clip_norm : float
    epochs : int or None
        None means the library's default number of steps for this epsilon.
    steps : int
        The number of steps (epochs) actually taken.
    median, low, high : float
        Median, lowest and highest test accuracy over the seeds.
    baseline : float
        Test accuracy of the non-private model.
    accuracies : numpy.ndarray
        One test accuracy per seed.
    curve : AccuracyCurve or None
        The curve this point belongs to, when it came from one (the explorer's result).
    """

    data_name: str
    epsilon: float
    delta: float
    clip_norm: float
    epochs: int | None
    steps: int
    median: float
    low: float
    high: float
    baseline: float
    accuracies: np.ndarray = dataclasses.field(repr=False)
    curve: "AccuracyCurve | None" = dataclasses.field(default=None, repr=False)

    @property
    def privacy_cost(self) -> float:
        """Accuracy lost to privacy: baseline minus the median (in [0, 1] units)."""
        return self.baseline - self.median

    def summary(self) -> str:
        """One plain-words sentence about this point."""
        cost = 100 * self.privacy_cost
        points = round(cost)
        if points > 0:
            tail = f"privacy costs {points} point{'s' if points != 1 else ''}."
        else:
            tail = "privacy costs (almost) nothing here."
        return (f"At epsilon = {self.epsilon:.2f} the private model is right on "
                f"{_pct(self.median)} of test cases (median of {self.accuracies.size} seeds; "
                f"spread {100 * self.low:.0f}-{100 * self.high:.0f}%), the non-private one on "
                f"{_pct(self.baseline)}: {tail}")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class AccuracyCurve(_Record):
    """Test accuracy against epsilon, over seeds (see :func:`accuracy_curve`).

    Attributes
    ----------
    data_name : str
    delta, clip_norm : float
    epochs : int or None
        None means the library's default number of steps at each epsilon.
    n_seeds : int
    baseline : float
        Test accuracy of the non-private model.
    seeds : tuple of int
        The seeds of the models, the same at every epsilon.
    epsilons : numpy.ndarray
    accuracies : numpy.ndarray of shape (n_epsilons, n_seeds)
    median, low, high : numpy.ndarray
        Median, lowest and highest accuracy over the seeds, along ``epsilons``.
    steps : numpy.ndarray
        Steps (epochs) taken at each epsilon.
    """

    data_name: str
    delta: float
    clip_norm: float
    epochs: int | None
    n_seeds: int
    baseline: float
    seeds: tuple = dataclasses.field(repr=False)
    epsilons: np.ndarray = dataclasses.field(repr=False)
    accuracies: np.ndarray = dataclasses.field(repr=False)
    median: np.ndarray = dataclasses.field(repr=False)
    low: np.ndarray = dataclasses.field(repr=False)
    high: np.ndarray = dataclasses.field(repr=False)
    steps: np.ndarray = dataclasses.field(repr=False)

    def at(self, epsilon: float) -> AccuracyPoint:
        """The point at ``epsilon``, with this curve's settings and seeds (cached).

        At an epsilon of the grid it is the curve's own column, exactly.
        """
        epsilon = check_epsilon(epsilon)
        scores = np.array(_fit_scores(self.data_name, epsilon, self.delta, self.clip_norm,
                                      self.epochs, self.seeds))
        steps = default_steps(epsilon) if self.epochs is None else self.epochs
        return AccuracyPoint(self.data_name, epsilon, self.delta, self.clip_norm, self.epochs,
                             steps, float(np.median(scores)), float(scores.min()),
                             float(scores.max()), self.baseline, _frozen(scores), self)

    def summary(self) -> str:
        """Plain-words sentences about this curve."""
        first, last = self.epsilons[0], self.epsilons[-1]
        close = np.flatnonzero(self.median >= self.baseline - 0.02)
        if close.size:
            within = (f"Its median comes within 2 points of the non-private model from epsilon "
                      f"= {self.epsilons[close[0]]:.2g} on.")
        else:
            within = "Its median stays more than 2 points below the non-private model."
        return (f"On {self.data_name}, the private model's median test accuracy goes from "
                f"{_pct(self.median[0])} at epsilon = {first:.2g} to {_pct(self.median[-1])} at "
                f"epsilon = {last:.2g} ({self.n_seeds} seeds, clip_norm = {self.clip_norm:g}, "
                f"{self._epochs_text()}); the non-private model gets {_pct(self.baseline)}. "
                + within)

    def _epochs_text(self) -> str:
        return "default epochs" if self.epochs is None else f"{self.epochs} epochs"


# --- the functions ---------------------------------------------------------------------------

def _check_data(data_name: Any) -> str:
    return check_choice(data_name, "data_name", DATASETS,
                        fix='Pass e.g. data_name="breast_cancer".')


def _check_settings(clip_norm: Any, epochs: Any, n_seeds: Any, delta: Any
                    ) -> tuple[float, int | None, int, float]:
    clip_norm = check_positive(clip_norm, "clip_norm", fix="Pass e.g. clip_norm=1.0.")
    if epochs is not None:
        epochs = check_integer(epochs, "epochs", minimum=1, maximum=10_000,
                               fix="Pass e.g. epochs=60, or None for the library's default.")
    n_seeds = check_integer(n_seeds, "n_seeds", minimum=1, maximum=1000, fix="Pass e.g. n_seeds=5.")
    return clip_norm, epochs, n_seeds, check_delta(delta)


def _seeds(rng: SeedLike, n_seeds: int) -> tuple[int, ...]:
    return tuple(int(s) for s in as_generator(rng).integers(0, 2**32, size=n_seeds))


@functools.lru_cache(maxsize=64)
def _curve(data_name: str, epsilons: tuple[float, ...], delta: float, clip_norm: float,
           epochs: int | None, seeds: tuple[int, ...]) -> AccuracyCurve:
    acc = np.array([_fit_scores(data_name, e, delta, clip_norm, epochs, seeds) for e in epsilons])
    steps = [default_steps(e) if epochs is None else epochs for e in epsilons]
    return AccuracyCurve(data_name, delta, clip_norm, epochs, len(seeds), _baseline(data_name),
                         seeds, _frozen(epsilons), _frozen(acc), _frozen(np.median(acc, axis=1)),
                         _frozen(acc.min(axis=1)), _frozen(acc.max(axis=1)), _frozen(steps))


def accuracy_curve(data_name: str = "breast_cancer", *, epsilons: Any = None,
                   clip_norm: float = 1.0, epochs: int | None = None, n_seeds: int = 5,
                   delta: float = 1e-5, rng: SeedLike = None) -> AccuracyCurve:
    """Test accuracy of DP logistic regression against epsilon, over ``n_seeds`` seeds.

    At each epsilon, ``n_seeds`` models ``DPLogisticRegression(epsilon, delta,
    max_iter=epochs, clip_norm=clip_norm, rng=seed)`` are trained on the
    training part of :func:`~ppml_lab.datasets.load_classification`
    ``(data_name)`` and scored on its test part. The seeds are drawn from
    ``rng`` once and are the same at every epsilon (common random numbers).

    Cached on the (hashable) settings and seeds: called again with the same
    integer ``rng`` it returns the same object. A new ``clip_norm`` or
    ``epochs`` costs a whole curve (about 0.2 to 1.2 s on breast_cancer with
    the default grid, the most for 200 epochs; more on digits and synthetic).

    Parameters
    ----------
    data_name : {"breast_cancer", "digits", "synthetic"}, default "breast_cancer"
    epsilons : array-like, optional
        Increasing positive epsilons; default :data:`ACCURACY_CURVE_EPSILONS` (9 from 0.1 to 10).
    clip_norm : float, default 1.0
        Per-example gradient norm bound.
    epochs : int or None, default None
        Steps of full-batch DP gradient descent (one step is one epoch); None
        uses the library's default, which depends on the (public) epsilon.
    n_seeds : int, default 5
    delta : float, default 1e-5
    rng : None, int or numpy.random.Generator
        Where the seeds come from.

    Returns
    -------
    AccuracyCurve

    Examples
    --------
    >>> curve = accuracy_curve(epsilons=[0.1, 1.0, 10.0], n_seeds=3, rng=0)
    >>> [round(float(m), 3) for m in curve.median], round(curve.baseline, 3)
    ([0.86, 0.953, 0.953], 0.959)
    >>> curve is accuracy_curve(epsilons=[0.1, 1.0, 10.0], n_seeds=3, rng=0)
    True
    >>> print(curve.at(1.0).summary())  # doctest: +NORMALIZE_WHITESPACE
    At epsilon = 1.00 the private model is right on 95% of test cases (median of 3 seeds;
    spread 95-96%), the non-private one on 96%: privacy costs 1 point.
    """
    data_name = _check_data(data_name)
    grid = ACCURACY_CURVE_EPSILONS if epsilons is None else check_grid(epsilons, "epsilons")
    clip_norm, epochs, n_seeds, delta = _check_settings(clip_norm, epochs, n_seeds, delta)
    return _curve(data_name, tuple(float(e) for e in grid), delta, clip_norm, epochs,
                  _seeds(rng, n_seeds))


def accuracy_at(data_name: str = "breast_cancer", *, epsilon: float = 1.0, clip_norm: float = 1.0,
                epochs: int | None = None, n_seeds: int = 5, delta: float = 1e-5,
                rng: SeedLike = None) -> AccuracyPoint:
    """Test accuracy of ``n_seeds`` DP models at one ``epsilon`` (see :func:`accuracy_curve`).

    With the same ``rng`` (an int) it is the point of :func:`accuracy_curve`
    at that epsilon: same seeds, same models. Cached like the curve.

    Examples
    --------
    >>> point = accuracy_at(epsilon=1.0, n_seeds=3, rng=0)
    >>> round(point.median, 3), point.steps
    (0.953, 60)
    """
    data_name = _check_data(data_name)
    epsilon = check_epsilon(epsilon)
    clip_norm, epochs, n_seeds, delta = _check_settings(clip_norm, epochs, n_seeds, delta)
    empty = AccuracyCurve(data_name, delta, clip_norm, epochs, n_seeds, _baseline(data_name),
                          _seeds(rng, n_seeds), *(_frozen([]),) * 6)
    return dataclasses.replace(empty.at(epsilon), curve=None)
