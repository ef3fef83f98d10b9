r"""Deep leakage from gradients: recover a batch by matching its gradient.

The exact attacks of :mod:`~ppml_lab.attacks.gradient_inversion` divide one row
of the gradient by its bias; with a batch they recover a *mix* of the examples.
Zhu, Liu and Han (2019) turned the question around: find dummy examples whose
gradient, at the weights the server sent, equals the one the client returned,

.. math:: \min_{X'}\; \lVert \nabla_A L(X', Y) - g_A\rVert^2
                      + \lVert \nabla_b L(X', Y) - g_b\rVert^2 .

For softmax regression with weights :math:`(A, b)`, :math:`e_i = p_i - y_i`
and :math:`p_i = \mathrm{softmax}(A x_i + b)`, the gradient of the batch's mean
loss is :math:`G_A = \frac1n \sum_i e_i x_i^\top`, :math:`G_b = \frac1n\sum_i e_i`,
and the gradient of the matching loss with respect to one dummy example is
(with :math:`D_A = G_A - g_A`, :math:`D_b = G_b - g_b` and the softmax Jacobian
:math:`J_i = \mathrm{diag}(p_i) - p_i p_i^\top`)

.. math:: \frac{\partial}{\partial x_i} = \frac2n\Big(D_A^\top e_i
          + A^\top J_i\,(D_A x_i + D_b)\Big),

written out in :func:`deep_leakage` and minimised with L-BFGS
(:func:`scipy.optimize.minimize`). The labels are those the gradient betrays
(the classes with a negative bias gradient, as in iDLG, Zhao et al. 2020) unless
given. Softmax regression only; plain numpy, a fraction of a second for a
batch of digits.

When does it work? The labels must be known or betrayed, and distinct for the
examples to be told apart. At the zero weights of a first round the gradient is
*linear* in the batch, :math:`G_A = E^\top X / n` with :math:`E` known once the
labels are (:math:`p_i = 1/k`): with :math:`n \le k` distinct labels, :math:`E`
has rank :math:`n` and the batch is determined exactly. DLG finds it in a few
iterations, where the division of
:func:`~ppml_lab.attacks.invert_softmax_batch` returns a mix (measured on 8
digits: correlation 1.000 against 0.807). Two examples of the same class
enter only through their sum there, and are not separated. On trained weights
the problem is nonlinear; DLG still recovers most examples, and the label
inference fails when the model is already sure of an example (its bias
gradient is no longer negative): pass ``labels`` then. Noise on the gradient
(DP) blurs the recovery; measure it with
:func:`~ppml_lab.attacks.recovery_quality`, never assume it.

References
----------
.. [ZLH19b] L. Zhu, Z. Liu, S. Han. Deep leakage from gradients. NeurIPS 2019.
.. [ZMB20] B. Zhao, K. R. Mopuri, H. Bilen. iDLG: improved deep leakage from
   gradients. arXiv:2001.02610, 2020.

Introduced in notebook 08.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._random import SeedLike, as_generator
from .._validation import check_array, check_integer, fail
from ..federated.models import LogisticModel
from .gradient_inversion import _check_grad, _check_model

__all__ = ["DLGResult", "deep_leakage", "matching_loss"]


@dataclasses.dataclass(frozen=True, eq=False)
class DLGResult:
    """What :func:`deep_leakage` recovered.

    Attributes
    ----------
    recovered : (n, d) array
        The dummy examples after optimisation, one per label.
    labels : (n,) int array
        The class (model column) assumed for each row.
    loss : float
        The final gradient-matching loss (0 means the gradients agree exactly).
    iterations : int
        L-BFGS iterations used.
    """

    recovered: np.ndarray
    labels: np.ndarray
    loss: float
    iterations: int


def _unpack(model: LogisticModel, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    W = weights.reshape(model.n_classes, model.n_features + 1)
    return W[:, :-1], W[:, -1]


def matching_loss(X_dummy: np.ndarray, labels: np.ndarray, target: np.ndarray,
                  model: LogisticModel, weights: np.ndarray) -> tuple[float, np.ndarray]:
    """The gradient-matching loss and its gradient with respect to the dummies ``(n, d)``.

    Examples
    --------
    >>> model = LogisticModel(n_features=2, n_classes=2)
    >>> x, w = np.array([[1.0, -1.0]]), model.init()
    >>> _, g = model.loss_and_grad(w[None], x[None], np.eye(2)[None, [1]], np.ones((1, 1)))
    >>> matching_loss(x, np.array([1]), g[0], model, w)[0]
    0.0
    """
    A, b = _unpack(model, weights)
    n = X_dummy.shape[0]
    Z = X_dummy @ A.T + b
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    E = P.copy()
    E[np.arange(n), labels] -= 1.0                                 # e_i = p_i - y_i
    gA, gb = _unpack(model, target)
    D_A = E.T @ X_dummy / n - gA                                   # (k, d)
    D_b = E.mean(axis=0) - gb                                      # (k,)
    loss = float(np.sum(D_A**2) + np.sum(D_b**2))
    U = X_dummy @ D_A.T + D_b                                      # u_i = D_A x_i + D_b, (n, k)
    JU = P * U - P * np.sum(P * U, axis=1, keepdims=True)         # J_i u_i
    grad = (2.0 / n) * (E @ D_A + JU @ A)
    return loss, grad


def deep_leakage(grad: Any, model: LogisticModel, *, weights: Any = None, labels: Any = None,
                 n_examples: int | None = None, max_iterations: int = 500,
                 rng: SeedLike = None) -> DLGResult:
    """Recover a batch from its softmax-regression gradient by gradient matching (DLG).

    Parameters
    ----------
    grad : array-like of shape (n_params,)
        The batch's gradient (mean loss) at ``weights``, e.g. from
        :func:`~ppml_lab.attacks.gradient_from_update`.
    model : LogisticModel
        Softmax regression.
    weights : array-like of shape (n_params,), optional
        The global weights the client started from (zero, the model's
        initialisation, by default).
    labels : array-like of int, optional
        The batch's classes (model columns). By default those the gradient
        betrays: the ``n_examples`` most negative bias gradients (every negative
        one when ``n_examples`` is None), which assumes the labels differ.
    n_examples : int, optional
        How many examples to recover when ``labels`` is not given.
    max_iterations : int, default 500
        L-BFGS iterations.
    rng : None, int or Generator
        Draws the dummies' starting point.

    Returns
    -------
    DLGResult

    Examples
    --------
    >>> model = LogisticModel(n_features=3, n_classes=3)
    >>> x = np.array([[0.5, -1.0, 2.0]])
    >>> _, g = model.loss_and_grad(model.init()[None], x[None], np.eye(3)[None, [2]],
    ...                            np.ones((1, 1)))
    >>> result = deep_leakage(g[0], model, rng=0)
    >>> result.labels.tolist(), result.recovered.round(4).tolist()
    ([2], [[0.5, -1.0, 2.0]])
    """
    from scipy.optimize import minimize

    model = _check_model(model, logistic_only=True)
    target = _check_grad(grad, model)
    if weights is None:
        w = model.init()
    else:
        w = check_array(weights, "weights", ndim=1, fix="Pass the global weights the client "
                        "started from (model.n_params values), or None for zero.")
        if w.size != model.n_params:
            raise fail("weights", f"of length model.n_params = {model.n_params}", w,
                       show=f"{w.size} values")
    max_iterations = check_integer(max_iterations, "max_iterations", minimum=1,
                                   maximum=100_000, fix="Pass e.g. max_iterations=500.")
    if labels is None:
        bias = _unpack(model, target)[1]
        order = np.argsort(bias)
        negative = order[bias[order] < 0]
        if n_examples is None:
            labels_ = negative
        else:
            n_examples = check_integer(n_examples, "n_examples", minimum=1,
                                       maximum=model.n_classes,
                                       fix="Pass labels= for batches with repeated labels.")
            if n_examples > negative.size:
                raise fail("n_examples", f"at most the {negative.size} classes with a "
                           "negative bias gradient", n_examples,
                           "Pass the batch's labels= explicitly.")
            labels_ = negative[:n_examples]
        if labels_.size == 0:
            raise fail("grad", "a gradient with at least one negative bias gradient", grad,
                       "Pass labels= explicitly, or a gradient (not an update: see "
                       "gradient_from_update).", show="no negative bias gradient")
        labels_ = np.sort(labels_)
    else:
        labels_ = np.atleast_1d(check_array(labels, "labels", ndim=(0, 1), dtype=None))
        if (labels_.dtype.kind not in "iu" or np.any(labels_ < 0)
                or np.any(labels_ >= model.n_classes)):
            raise fail("labels", f"class indices in [0, {model.n_classes - 1}]", labels,
                       "Pass the column of the model for each example.")
        labels_ = labels_.astype(np.intp)
    n, d = labels_.size, model.n_features
    start = as_generator(rng).standard_normal((n, d))

    def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
        loss, g = matching_loss(flat.reshape(n, d), labels_, target, model, w)
        return loss, g.ravel()

    result = minimize(objective, start.ravel(), jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iterations, "ftol": 1e-30, "gtol": 1e-14})
    return DLGResult(recovered=result.x.reshape(n, d), labels=labels_, loss=float(result.fun),
                     iterations=int(result.nit))
