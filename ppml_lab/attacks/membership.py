"""Membership inference: was this example in the model's training set?

Two attacks, from the simplest to the strongest in common use:

* the **loss-threshold attack** (Yeom et al. 2018): members tend to have a
  lower loss, so the score is the negative cross-entropy loss
  ``log p(y | x)``;
* the **likelihood-ratio attack**, LiRA (Carlini et al. 2022): train shadow
  models with and without each example, fit one Gaussian to the scaled
  confidence ``phi = log(p / (1 - p))`` of the true class when the example
  is IN and one when it is OUT, and score the target model's ``phi`` by the
  log-likelihood ratio. It calibrates per example: an example that every
  model fits well (an easy one) is no longer mistaken for a member.

Scores are arrays, one per example; higher means "more likely a member".
Feed them to :mod:`ppml_lab.attacks.metrics`.

Introduced in notebook 06.

References
----------
.. [YGFJ18] S. Yeom, I. Giacomelli, M. Fredrikson, S. Jha. Privacy risk in
   machine learning: analyzing the connection to overfitting. CSF 2018.
.. [CCN22] N. Carlini, S. Chien, M. Nasr, S. Song, A. Terzis, F. Tramer.
   Membership inference attacks from first principles. IEEE S&P 2022.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from scipy import special
from threadpoolctl import threadpool_limits

from .._random import SeedLike, spawn
from .._validation import (check_bool, check_callable, check_features_targets, check_integer,
                           fail)

__all__ = ["loss_threshold_attack", "likelihood_ratio_attack", "true_class_probability"]

_TINY = np.finfo(float).tiny

#: Most shadow models :func:`likelihood_ratio_attack` trains: four times the 256 of Carlini et
#: al., already hours of fitting for any model worth attacking (each shadow is one full fit).
MAX_SHADOW = 1024


def _check_classifier(model: Any, name: str = "model") -> Any:
    if not callable(getattr(model, "predict_proba", None)) or not hasattr(model, "classes_"):
        raise fail(name, "a fitted classifier with predict_proba and classes_", model,
                   "Fit it first, e.g. model = LogisticRegression().fit(X_train, y_train).",
                   kind=TypeError)
    return model


def _true_class_columns(model: Any, X: np.ndarray, y: np.ndarray, y_name: str, *,
                        unknown_is_zero: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Return ``predict_proba(X)`` and, for each row, the column of its label.

    A label the model never saw raises, unless ``unknown_is_zero``: then a zero
    column is appended and those rows point to it (a shadow model trained on a
    half that lacked the class gives it probability 0, which is its honest answer).
    """
    proba = np.asarray(model.predict_proba(X), dtype=float)
    classes = np.asarray(model.classes_)
    index = np.searchsorted(classes, y)
    index = np.clip(index, 0, classes.size - 1)
    unknown = classes[index] != y
    if np.any(unknown):
        if not unknown_is_zero:
            raise fail(y_name, f"labels the model knows ({classes.tolist()})", y[unknown][:5],
                       "Pass the true labels of the examples, from the model's classes.",
                       show=f"unknown label(s) {np.unique(y[unknown])[:5].tolist()}")
        proba = np.hstack([proba, np.zeros((len(proba), 1))])
        index = np.where(unknown, classes.size, index)
    return proba, index


def true_class_probability(model: Any, X: Any, y: Any) -> np.ndarray:
    """Probability the model gives each example's true class, ``p(y_i | x_i)``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = [[-2.0], [-1.0], [1.0], [2.0]], [0, 0, 1, 1]
    >>> p = true_class_probability(LogisticRegression().fit(X, y), X, y)
    >>> bool(np.all(p > 0.5))
    True
    """
    model = _check_classifier(model)
    X, y = check_features_targets(X, y)
    proba, index = _true_class_columns(model, X, y, "y")
    return proba[np.arange(len(y)), index]


def loss_threshold_attack(model: Any, X: Any, y: Any) -> np.ndarray:
    """Loss-threshold membership scores: ``log p(y_i | x_i)``, the negative cross-entropy loss.

    Members of an overfit model's training set have a lower loss, hence a
    higher score. Thresholding the score at the model's average training loss
    is Yeom et al.'s attack; the metrics sweep every threshold.

    Parameters
    ----------
    model : fitted classifier
        Anything with ``predict_proba`` and ``classes_`` (scikit-learn style).
    X : array-like of shape (n, d)
        Candidate examples.
    y : array-like of shape (n,)
        Their true labels.

    Returns
    -------
    numpy.ndarray of shape (n,)
        Scores; higher means more likely a member. Probabilities of exactly 0
        are floored at the smallest positive float (score about -708).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = np.array([[-2.0], [-1.0], [1.0], [2.0]]), np.array([0, 0, 1, 1])
    >>> scores = loss_threshold_attack(LogisticRegression().fit(X, y), X, y)
    >>> scores.shape, bool(np.all(scores <= 0))
    ((4,), True)
    """
    p = true_class_probability(model, X, y)
    return np.log(np.maximum(p, _TINY))


def _scaled_confidence(model: Any, X: np.ndarray, y: np.ndarray, *,
                       shadow: bool = False) -> np.ndarray:
    """``phi = log p_y - log(sum of the other classes' p)``, computed without ``1 - p``."""
    proba, index = _true_class_columns(model, X, y, "y_target", unknown_is_zero=shadow)
    rows = np.arange(len(y))
    p_true = proba[rows, index]
    others = proba.copy()
    others[rows, index] = 0.0
    p_rest = others.sum(axis=1)  # precise when p_true is close to 1, unlike 1 - p_true
    return np.log(np.maximum(p_true, _TINY)) - np.log(np.maximum(p_rest, _TINY))


def _seeded(factory: Callable[[], Any], gen: np.random.Generator) -> Any:
    """A fresh model from ``factory``; its ``rng`` or ``random_state`` (if any) seeded from ``gen``."""
    model = factory()
    params = model.get_params() if hasattr(model, "get_params") else {}
    seed = int(gen.integers(2**31 - 1))
    for key in ("rng", "random_state"):
        if key in params:
            model.set_params(**{key: seed})
    return model


def likelihood_ratio_attack(model_factory: Callable[[], Any], X_target: Any, y_target: Any,
                            X_population: Any, y_population: Any, *, model: Any,
                            n_shadow: int = 16, online: bool = True,
                            global_variance: bool = True, rng: SeedLike = None) -> np.ndarray:
    r"""Likelihood-ratio membership attack, LiRA (Carlini et al. 2022).

    ``n_shadow`` shadow models are trained with ``model_factory`` on random
    halves of a data pool. For each target example, the scaled confidences
    :math:`\phi = \log\frac{p_y}{1 - p_y}` of the shadows that trained on it
    (IN) and of those that did not (OUT) are summarised by Gaussians
    :math:`N(\mu_{in}, \sigma^2_{in})`, :math:`N(\mu_{out}, \sigma^2_{out})`,
    and the target model's :math:`\phi` is scored.

    * ``online=True`` (default, the paper's main attack): the pool is the
      targets plus the population, halves are balanced so that each example
      is IN for exactly ``n_shadow // 2`` shadows, and the score is the
      log-likelihood ratio
      :math:`\log N(\phi; \mu_{in}, \sigma^2_{in}) - \log N(\phi; \mu_{out}, \sigma^2_{out})`.
    * ``online=False`` (offline): shadows train on halves of the population
      only, so targets are always OUT; the score is the one-sided
      :math:`\log \Pr[Z \le \phi]`, :math:`Z \sim N(\mu_{out}, \sigma^2_{out})`.
      Cheaper to reuse (the shadows never see the targets), a little weaker.

    Parameters
    ----------
    model_factory : callable
        ``model_factory()`` returns a fresh unfitted classifier trained the same
        way as the target (any scikit-learn-style estimator with ``fit`` and
        ``predict_proba``). If it has an ``rng`` or ``random_state`` parameter,
        each shadow gets its own seed from ``rng``.
    X_target, y_target : array-like
        Examples whose membership is attacked, and their labels.
    X_population, y_population : array-like
        Other data from the same distribution, known to the attacker.
    model : fitted classifier
        The target model (``predict_proba`` and ``classes_``).
    n_shadow : int, default 16
        Number of shadow models, in [4, 1024] (at least two IN and two OUT per
        example, so that each Gaussian has a spread; Carlini et al. use up to 256).
    online : bool, default True
        The online or offline variant, see above.
    global_variance : bool, default True
        Use one variance for all examples (pooled over examples), which the paper
        recommends below about 64 shadows; else one variance per example.
    rng : None, int or numpy.random.Generator
        Which halves, and each shadow's own stream (:func:`ppml_lab._random.spawn`).

    Returns
    -------
    numpy.ndarray of shape (n_target,)
        Scores; higher means more likely a member.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(200, 5, random_state=0)
    >>> target = LogisticRegression().fit(X[:50], y[:50])
    >>> scores = likelihood_ratio_attack(LogisticRegression, X[:100], y[:100], X[100:],
    ...                                  y[100:], model=target, n_shadow=4, rng=0)
    >>> scores.shape
    (100,)
    """
    check_callable(model_factory, "model_factory",
                   fix="Pass e.g. model_factory=lambda: LogisticRegression(C=1.0).")
    X_t, y_t = check_features_targets(X_target, y_target, X_name="X_target", y_name="y_target")
    X_p, y_p = check_features_targets(X_population, y_population, X_name="X_population",
                                      y_name="y_population")
    if X_p.shape[1] != X_t.shape[1]:
        raise fail("X_population", f"{X_t.shape[1]} columns like `X_target`", X_p,
                   "Pass data with the same features.", show=f"{X_p.shape[1]} columns")
    model = _check_classifier(model)
    n_shadow = check_integer(n_shadow, "n_shadow", minimum=4, maximum=MAX_SHADOW,
                             fix="Pass e.g. n_shadow=16 (at least 2 IN and 2 OUT shadows per "
                             "example; Carlini et al. use up to 256).")
    online = check_bool(online, "online")
    global_variance = check_bool(global_variance, "global_variance")

    X_pool = np.concatenate([X_t, X_p]) if online else X_p
    y_pool = np.concatenate([y_t, y_p]) if online else y_p
    mask_gen, *shadow_gens = spawn(rng, n_shadow + 1)
    # balanced halves: column j is IN for exactly n_shadow // 2 shadows (Carlini et al.'s code)
    order = np.argsort(mask_gen.random((n_shadow, len(y_pool))), axis=0)
    keep = order < n_shadow // 2

    phi = np.empty((n_shadow, len(y_t)))
    # many small fits: one BLAS thread is faster (and far faster on a busy machine)
    with threadpool_limits(limits=1, user_api="blas"):
        for s, gen in enumerate(shadow_gens):
            shadow = _seeded(model_factory, gen).fit(X_pool[keep[s]], y_pool[keep[s]])
            phi[s] = _scaled_confidence(shadow, X_t, y_t, shadow=True)
    phi_target = _scaled_confidence(model, X_t, y_t)

    is_in = keep[:, :len(y_t)] if online else np.zeros_like(phi, dtype=bool)
    mu_out, var_out = _gaussian_fit(phi, ~is_in, global_variance)
    if not online:
        return special.log_ndtr((phi_target - mu_out) / np.sqrt(var_out))
    mu_in, var_in = _gaussian_fit(phi, is_in, global_variance)
    return _normal_logpdf(phi_target, mu_in, var_in) - _normal_logpdf(phi_target, mu_out, var_out)


def _gaussian_fit(phi: np.ndarray, where: np.ndarray,
                  global_variance: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-example mean and variance of ``phi`` over the shadows selected by ``where``."""
    count = where.sum(axis=0)
    mu = np.where(where, phi, 0.0).sum(axis=0) / count
    sq = np.where(where, (phi - mu) ** 2, 0.0).sum(axis=0)
    if global_variance:
        var = np.full_like(mu, sq.sum() / max(count.sum() - count.size, 1))
    else:
        var = sq / np.maximum(count - 1, 1)
    return mu, np.maximum(var, 1e-12)


def _normal_logpdf(x: np.ndarray, mu: np.ndarray, var: np.ndarray) -> np.ndarray:
    """``log N(x; mu, var) = -(x - mu)^2 / (2 var) - log(2 pi var) / 2``."""
    return -((x - mu) ** 2) / (2 * var) - 0.5 * np.log(2 * np.pi * var)
