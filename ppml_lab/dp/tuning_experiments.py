r"""The privacy cost of tuning hyperparameters on private data (notebook 05).

Trying ``k`` hyperparameter settings on the private data is ``k`` training
runs, and their epsilons add up. :func:`tuning_cost_experiment` compares the
library's defaults with two ways of tuning, and counts what each costs. The
compute layer of section 5 of notebook 05 (a record with a plain-words
``summary()``; nothing here draws).

The "defaults" here are :class:`~ppml_lab.dp.DPLogisticRegression`'s, which were
read off ``benchmarks/dp_logistic_accuracy.py``, on the same data sets: their
accuracy in this comparison is a little optimistic, a caveat notebook 05 states.
Tuning on *public* data costs no privacy at all; defaults should be chosen there.

Introduced in notebook 05.

References
----------
.. [LT19] J. Liu, K. Talwar. Private selection from private candidates. STOC 2019.
.. [PS22] N. Papernot, T. Steinke. Hyperparameter tuning with Renyi differential
   privacy. ICLR 2022.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._random import SeedLike
from .._validation import check_epsilon, check_integer, check_positive
from ..datasets import load_classification
from .composition_experiments import step_epsilon
from .experiments import _frozen, _Record
from .logistic import DPLogisticRegression
from .training_experiments import _check_data, _check_settings, _pct, _seeds

__all__ = ["TuningCost", "tuning_cost_experiment"]


# --- the privacy cost of hyperparameter tuning -------------------------------------------------

@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class TuningCost(_Record):
    r"""Defaults against tuning on private data (see :func:`tuning_cost_experiment`).

    Attributes
    ----------
    data_name : str
    epsilon, delta : float
        The budget: what one training run with the defaults spends.
    k : int
        Number of hyperparameter settings tried.
    default_accuracy : float
        Median test accuracy of the defaults at ``epsilon``.
    split_accuracy : float
        Median test accuracy of the best of ``k`` settings, each trained at
        ``epsilon / k`` (total ``epsilon`` by basic composition).
    full_accuracy : float
        Median test accuracy of the best of ``k`` settings, each trained at
        ``epsilon`` (total ``k * epsilon`` by basic composition).
    full_basic_epsilon : float
        ``k * epsilon``: basic composition of the ``k`` runs (delta ``k * delta``).
    full_tight_epsilon : float
        Epsilon of the same ``k`` runs at delta ``k * delta``, composed exactly:
        all are Gaussian mechanisms on the full batch (see the function).
    candidates : tuple of (clip_norm, epochs)
    best : tuple
        The candidate chosen most often when each run gets ``epsilon``.
    defaults, split, full : numpy.ndarray
        Test accuracy per seed of the three options.
    """

    data_name: str
    epsilon: float
    delta: float
    k: int
    default_accuracy: float
    split_accuracy: float
    full_accuracy: float
    full_basic_epsilon: float
    full_tight_epsilon: float
    candidates: tuple = dataclasses.field(repr=False)
    best: tuple = dataclasses.field(repr=False)
    defaults: np.ndarray = dataclasses.field(repr=False)
    split: np.ndarray = dataclasses.field(repr=False)
    full: np.ndarray = dataclasses.field(repr=False)

    def summary(self) -> str:
        """Plain-words sentences about this result."""
        return (f"The defaults at epsilon = {self.epsilon:g} get {_pct(self.default_accuracy)}. "
                f"Trying {self.k} settings within the same budget (each at epsilon = "
                f"{self.epsilon / self.k:.2g}) and keeping the best gets "
                f"{_pct(self.split_accuracy)}. Giving each setting epsilon = {self.epsilon:g} "
                f"gets {_pct(self.full_accuracy)}, but the real epsilon of that search is "
                f"{self.full_basic_epsilon:g} by basic composition ({self.full_tight_epsilon:.2f}"
                f" composed exactly), not {self.epsilon:g}.")


def tuning_cost_experiment(data_name: str = "breast_cancer", *, epsilon: float = 1.0,
                           clip_norms: Any = (0.1, 0.3, 1.0, 3.0), epochs: Any = (20, 60, 200),
                           n_seeds: int = 5, delta: float = 1e-5,
                           rng: SeedLike = None) -> TuningCost:
    r"""What tuning hyperparameters on the private data costs, against using the defaults.

    The ``k = len(clip_norms) * len(epochs)`` candidates (every pair) are each
    trained on the private training data, per seed; the one with the best
    accuracy on the *even* rows of the test set (a validation set, treated as
    public) is kept and scored on the *odd* rows, as are the defaults
    (``DPLogisticRegression(epsilon, delta)``). Three options:

    1. the defaults at ``epsilon``: one run, total ``epsilon``;
    2. every candidate at ``epsilon / k``: total ``epsilon`` by basic composition;
    3. every candidate at ``epsilon``: ``k`` runs, so the search is
       ``(k * epsilon, k * delta)``-DP by basic composition. Tighter: each run is
       ``T`` full-batch Gaussian steps with noise multiplier ``sigma`` (sensitivity
       ``clip_norm``), and Gaussian mechanisms compose exactly into one Gaussian of
       noise multiplier :math:`(\sum_c T_c / \sigma_c^2)^{-1/2}`, whose epsilon at
       delta ``k * delta`` is ``full_tight_epsilon``.

    Choosing on a validation set that is itself private would cost more still;
    private selection [LT19]_ [PS22]_ (a random number of candidates, only the
    best released) brings the cost of a search down to a small multiple of one
    run's epsilon.

    Parameters
    ----------
    data_name : {"breast_cancer", "digits", "synthetic"}, default "breast_cancer"
    epsilon : float, default 1.0
        The budget of one run.
    clip_norms, epochs : sequences
        The grid of candidates.
    n_seeds : int, default 5
    delta : float, default 1e-5
    rng : None, int or numpy.random.Generator

    Returns
    -------
    TuningCost

    Examples
    --------
    >>> r = tuning_cost_experiment(clip_norms=(0.3, 1.0), epochs=(20, 60), n_seeds=3, rng=0)
    >>> r.k, r.full_basic_epsilon, round(r.full_tight_epsilon, 2)
    (4, 4.0, 1.97)
    >>> r.split_accuracy <= r.full_accuracy
    True
    """
    data_name = _check_data(data_name)
    epsilon = check_epsilon(epsilon)
    _, _, n_seeds, delta = _check_settings(1.0, None, n_seeds, delta)
    clips = [check_positive(c, "clip_norms", fix="Pass e.g. clip_norms=(0.3, 1.0).")
             for c in np.atleast_1d(np.asarray(clip_norms, dtype=object))]
    steps = [check_integer(t, "epochs", minimum=1, maximum=10_000, fix="Pass e.g. epochs=(20, 60).")
             for t in np.atleast_1d(np.asarray(epochs, dtype=object))]
    candidates = tuple((c, t) for c in clips for t in steps)
    k = len(candidates)
    seeds = _seeds(rng, n_seeds)
    data = load_classification(data_name)
    X_val, y_val = data.X_test[0::2], data.y_test[0::2]
    X_rep, y_rep = data.X_test[1::2], data.y_test[1::2]

    def fit(eps: float, seed: int, clip: float = 1.0, t: int | None = None) -> DPLogisticRegression:
        return DPLogisticRegression(eps, delta, clip_norm=clip, max_iter=t, rng=seed).fit(
            data.X_train, data.y_train)

    defaults, split, full, chosen, inverse_var = [], [], [], [], 0.0
    for seed in seeds:
        defaults.append(fit(epsilon, seed).score(X_rep, y_rep))
        for budget, out in ((epsilon / k, split), (epsilon, full)):
            models = [fit(budget, seed, c, t) for c, t in candidates]
            i = int(np.argmax([m.score(X_val, y_val) for m in models]))  # first of the ties
            out.append(models[i].score(X_rep, y_rep))
            if budget == epsilon:
                chosen.append(i)
                inverse_var = sum(m.n_iter_ / m.noise_multiplier_ ** 2 for m in models)
    tight = step_epsilon(inverse_var ** -0.5, 1.0, min(k * delta, 0.5))
    best = candidates[int(np.bincount(chosen).argmax())]
    return TuningCost(data_name, epsilon, delta, k, float(np.median(defaults)),
                      float(np.median(split)), float(np.median(full)), k * epsilon, tight,
                      candidates, best, _frozen(defaults), _frozen(split), _frozen(full))
