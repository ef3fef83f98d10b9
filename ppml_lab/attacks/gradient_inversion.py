r"""Gradient inversion: reading a client's training examples out of its update.

A federated client sends the server a gradient (or an update computed from
one), never its data. For a model whose first layer has a bias, that is not
much of a shield: the data can be read off by one division.

**One example, exactly.** For softmax regression with logits
:math:`z = A x + b` and one example :math:`(x, y)`,

.. math:: \frac{\partial L}{\partial A} = (p - y)\,x^\top, \qquad
          \frac{\partial L}{\partial b} = p - y,

so every row :math:`c` whose bias gradient is not zero gives the example back,
:math:`x = (\partial L / \partial A)_c \,/\, (\partial L / \partial b)_c`
(:func:`invert_gradient`). The same holds for the first layer of a network
:math:`\tanh(x W_1 + b_1)`: the gradient of column :math:`j` of :math:`W_1` is
:math:`x\,\delta_j` and that of :math:`b_{1j}` is :math:`\delta_j`, so any hidden
unit with :math:`\delta_j \ne 0` gives :math:`x` (Phong et al. 2017; Geiping et
al. 2020, Prop. D.1). The recovery is exact up to rounding (about 1e-15).

**Several examples, approximately.** With a batch of :math:`n` examples and the
mean loss, row :math:`c` is :math:`\frac1n\sum_i (p_{ic} - y_{ic})\,x_i`: a mix.
If the labels differ, the row of example :math:`j`'s class carries
:math:`(p_{jc} - 1)\,x_j` (a negative weight, large unless the model is already
sure) plus small positive weights :math:`p_{ic}` on the others, and its bias
gradient is negative when the first term wins. :func:`invert_softmax_batch`
divides every row with a *negative* bias gradient by that bias. This is not
exact: at the zero weights of a first round (:math:`p_{ic} = 1/k`) row
:math:`c = y_j` gives :math:`((k-1)\,x_j - \sum_{i \ne j} x_i) / (k - n)`,
close to :math:`x_j` for small batches and ever more mixed as :math:`n` nears
the number of classes :math:`k` (at :math:`n = k` its bias gradient is 0).
So the quality is *measured* (:func:`recovery_quality`, the best Pearson
correlation of each recovered row with any true example), never assumed.

**Updates, not gradients.** A client that takes *one* full-batch gradient step
with a known learning rate sends :math:`\Delta = -\eta\,\nabla L`, so
:func:`gradient_from_update` gives the gradient back exactly. With several
local steps (or minibatches) the update is a sum of gradients at different
weights and the division above is no longer exact (it still leaks a blurred
example; see Geiping et al. 2020 for attacks on multi-step updates).

**What protects.** :func:`inversion_experiment` measures how the recovery
degrades as the batch grows, as updates of several clients are summed (secure
aggregation: the sum of one-example clients leaks like one client with the
whole batch) and as Gaussian noise is added to the clipped gradient (DP-SGD,
or local DP-FedAvg).

Introduced in notebook 08.

References
----------
.. [PAHWM17] L. T. Phong, Y. Aono, T. Hayashi, L. Wang, S. Moriai. Privacy-preserving
   deep learning via additively homomorphic encryption. IEEE TIFS 2018 (ATIS 2017).
.. [ZLH19] L. Zhu, Z. Liu, S. Han. Deep leakage from gradients. NeurIPS 2019.
.. [GBDM20] J. Geiping, H. Bauermeister, H. Droege, M. Moeller. Inverting gradients --
   how easy is it to break privacy in federated learning? NeurIPS 2020.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import numpy as np

from .._random import SeedLike, as_generator
from .._validation import (check_array, check_features_targets, check_grid, check_integer,
                           check_positive, check_targets, fail)
from ..dp.experiments import _frozen, _Record
from ..federated.models import LogisticModel, MLPModel

__all__ = ["gradient_from_update", "invert_gradient", "invert_softmax_batch",
           "recovery_quality", "InversionResult", "inversion_experiment"]

GRAD_FIX = ("Pass one client's flat gradient, e.g. model.loss_and_grad(W, X, Y, mask)[1][0], "
            "of length model.n_params.")
MODEL_FIX = "Pass e.g. LogisticModel(n_features=64, n_classes=10) or an MLPModel."


# --- checks --------------------------------------------------------------------------------------

def _check_model(model: Any, *, logistic_only: bool = False) -> LogisticModel:
    if not isinstance(model, LogisticModel) or (logistic_only and isinstance(model, MLPModel)):
        rule = ("a LogisticModel (softmax regression)" if logistic_only
                else "a LogisticModel or MLPModel from ppml_lab.federated.models")
        fix = ("The batch attack reads the rows of a softmax regression; for an MLP use "
               "invert_gradient on a one-example gradient." if logistic_only and
               isinstance(model, MLPModel) else MODEL_FIX)
        raise fail("model", rule, model, fix, kind=TypeError)
    return model


def _check_grad(grad: Any, model: LogisticModel, name: str = "grad") -> np.ndarray:
    arr = check_array(grad, name, ndim=(1, 2), fix=GRAD_FIX)
    if arr.ndim == 2:
        if arr.shape[0] != 1:
            raise fail(name, "one client's gradient, of shape (n_params,) or (1, n_params)",
                       arr, GRAD_FIX, show=f"an array of shape {arr.shape}")
        arr = arr[0]
    if arr.size != model.n_params:
        raise fail(name, f"of length model.n_params = {model.n_params}", arr, GRAD_FIX,
                   show=f"an array of shape {np.shape(grad)}")
    return arr


def _first_layer(grad: np.ndarray, model: LogisticModel) -> tuple[np.ndarray, np.ndarray]:
    """First-layer weight-gradient rows ``(units, d)`` and bias gradient ``(units,)``."""
    d = model.n_features
    if isinstance(model, MLPModel):
        h = model.hidden_units
        grad_W1 = grad[:d * h].reshape(d, h)                 # W1 is (d, h), stored row-major
        return grad_W1.T, grad[d * h:d * h + h]
    G = grad.reshape(model.n_classes, d + 1)                  # (k, d + 1), bias in the last column
    return G[:, :-1], G[:, -1]


# --- the attacks ---------------------------------------------------------------------------------

def gradient_from_update(update: Any, learning_rate: float) -> np.ndarray:
    r"""The gradient behind a one-step update: :math:`\nabla L = -\Delta / \eta`.

    Exact when the client took **one** full-batch gradient step with learning
    rate ``learning_rate`` (:math:`\Delta = w_{after} - w_{before} = -\eta\,\nabla L`).
    With several local steps the update mixes gradients at different weights,
    and the inversions of this module are then only approximate.

    Parameters
    ----------
    update : array-like
        Weights after the local step minus weights before.
    learning_rate : float
        The client's (known) positive learning rate.

    Returns
    -------
    numpy.ndarray
        The gradient, same shape as ``update``.

    Introduced in notebook 08.

    Examples
    --------
    >>> gradient_from_update([-0.05, 0.1], learning_rate=0.1)
    array([ 0.5, -1. ])
    """
    update = check_array(update, "update", ndim=(1, 2),
                         fix="Pass the weights after local training minus the weights before.")
    learning_rate = check_positive(learning_rate, "learning_rate",
                                   fix="Pass the client's learning rate, e.g. learning_rate=0.1.")
    return -update / learning_rate


def invert_gradient(grad: Any, model: LogisticModel) -> np.ndarray:
    r"""Recover the example behind a one-example gradient: weight row / bias entry.

    For softmax regression the rows are the classes; for an
    :class:`~ppml_lab.federated.models.MLPModel` they are the hidden units of
    the first layer. The row with the largest absolute bias gradient is used
    (the best conditioned; with one example every such row gives the same
    :math:`x`). Exact up to rounding for a gradient of **one** example; for a
    batch it returns a weighted mix of the batch (see the module docstring).

    Parameters
    ----------
    grad : array-like of shape (n_params,) or (1, n_params)
        One client's gradient of the mean cross-entropy, laid out as the model's
        flat weights (e.g. ``model.loss_and_grad(W, X, Y, mask)[1][0]``).
    model : LogisticModel or MLPModel
        The model the gradient belongs to.

    Returns
    -------
    numpy.ndarray of shape (n_features,)
        The recovered example.

    Raises
    ------
    ValueError
        If ``grad`` has the wrong shape, or every bias gradient is zero (nothing
        to recover: the loss was already flat at this example).

    Introduced in notebook 08.

    Examples
    --------
    >>> from ppml_lab.federated.models import LogisticModel
    >>> model = LogisticModel(n_features=3, n_classes=2)
    >>> x = np.array([[[0.5, -1.0, 2.0]]])                     # one client, one example
    >>> _, grad = model.loss_and_grad(model.init()[None], x, np.array([[[0.0, 1.0]]]),
    ...                               np.ones((1, 1)))
    >>> invert_gradient(grad[0], model)
    array([ 0.5, -1. ,  2. ])
    """
    model = _check_model(model)
    grad = _check_grad(grad, model)
    rows, bias = _first_layer(grad, model)
    best = int(np.argmax(np.abs(bias)))
    if bias[best] == 0.0:
        raise fail("grad", "a gradient with a nonzero bias gradient", grad,
                   "Nothing to recover: every bias gradient is 0, so the weight gradient is 0 "
                   "too (the loss is flat at this client's data). Pass a nonzero gradient.",
                   show="all bias gradients 0")
    return rows[best] / bias[best]


def invert_softmax_batch(grad: Any, model: LogisticModel) -> tuple[np.ndarray, np.ndarray]:
    r"""Approximate recovery of several examples from a softmax-regression gradient.

    Every class row :math:`c` with a negative bias gradient is divided by it:
    :math:`\hat x_c = (\partial L / \partial A)_c / (\partial L / \partial b)_c`.
    With one example this is exact; with a batch whose labels differ, row
    :math:`c` is dominated by the example of class :math:`c`, mixed with the
    others (more so as the batch grows); measure it with
    :func:`recovery_quality`. A negative bias gradient also reveals that class
    :math:`c` is in the batch (Zhao et al. 2020, iDLG).

    Parameters
    ----------
    grad : array-like of shape (n_params,) or (1, n_params)
        The gradient (or a sum of gradients) of a
        :class:`~ppml_lab.federated.models.LogisticModel`.
    model : LogisticModel
        Softmax regression (not an MLP).

    Returns
    -------
    recovered : numpy.ndarray of shape (r, n_features)
        One row per class with a negative bias gradient.
    classes : numpy.ndarray of shape (r,)
        Those classes (column indices of the model), the labels the attack infers.

    Raises
    ------
    ValueError
        If no bias gradient is negative (nothing to recover).

    Introduced in notebook 08.

    Examples
    --------
    >>> from ppml_lab.federated.models import LogisticModel
    >>> model = LogisticModel(n_features=2, n_classes=3)
    >>> X = np.array([[[1.0, 0.0], [0.0, 1.0]]])               # labels 0 and 2
    >>> _, grad = model.loss_and_grad(model.init()[None], X, np.eye(3)[None, [0, 2]],
    ...                               np.ones((1, 2)))
    >>> recovered, classes = invert_softmax_batch(grad[0], model)
    >>> classes.tolist(), recovered.round(3).tolist()
    ([0, 2], [[2.0, -1.0], [-1.0, 2.0]])
    """
    model = _check_model(model, logistic_only=True)
    grad = _check_grad(grad, model)
    rows, bias = _first_layer(grad, model)
    classes = np.flatnonzero(bias < 0)
    if classes.size == 0:
        raise fail("grad", "a gradient with at least one negative bias gradient", grad,
                   "Nothing to recover: no class row points to an example (is it a gradient, "
                   "not an update? Convert with gradient_from_update).",
                   show=f"bias gradients {np.array2string(bias, threshold=6, precision=4)}")
    return rows[classes] / bias[classes, None], classes


def recovery_quality(recovered: Any, X_true: Any) -> np.ndarray:
    """Best Pearson correlation of each recovered row with any true example.

    1 means a perfect recovery up to brightness and contrast; about 0 means
    nothing was learned. A constant row (no pattern) scores 0.

    Parameters
    ----------
    recovered : array-like of shape (r, d) or (d,)
        Recovered examples.
    X_true : array-like of shape (n, d) or (d,)
        The true examples.

    Returns
    -------
    numpy.ndarray of shape (r,)

    Introduced in notebook 08.

    Examples
    --------
    >>> recovery_quality([[2.0, 4.0, 6.0], [3.0, 2.0, 1.0]], [[1.0, 2.0, 3.0]])
    array([ 1., -1.])
    """
    R = np.atleast_2d(check_array(recovered, "recovered", ndim=(1, 2),
                                  fix="Pass one recovered example per row."))
    T = np.atleast_2d(check_array(X_true, "X_true", ndim=(1, 2),
                                  fix="Pass one true example per row."))
    if R.shape[1] != T.shape[1]:
        raise fail("X_true", f"examples of {R.shape[1]} features like `recovered`", T,
                   "Pass the true examples with the same features.",
                   show=f"an array of shape {T.shape}")

    def unit(M: np.ndarray) -> np.ndarray:
        C = M - M.mean(axis=1, keepdims=True)
        norm = np.linalg.norm(C, axis=1, keepdims=True)
        return np.divide(C, norm, out=np.zeros_like(C), where=norm > 0)

    return np.clip(unit(R) @ unit(T).T, -1.0, 1.0).max(axis=1)


# --- notebook 08's compute layer ----------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0                                              # pixel intensities in [0, 1]
    for a in (X, y):
        a.setflags(write=False)
    return X, y


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class InversionResult(_Record):
    """How gradient inversion degrades (see :func:`inversion_experiment`).

    Every quality is a mean over ``n_trials`` of the per-trial mean (``mean_*``)
    or maximum (``best_*``) over recovered rows of :func:`recovery_quality`.

    Attributes
    ----------
    n_trials : int
    batch_sizes, batch_mean_quality, batch_best_quality : numpy.ndarray
        One client, a batch of distinct labels, :func:`invert_softmax_batch`.
    n_clients_summed, summed_mean_quality, summed_best_quality : numpy.ndarray
        The sum of the gradients of that many one-example clients (random labels),
        :func:`invert_softmax_batch`.
    noise_multipliers, noise_quality : numpy.ndarray
        One one-example client, gradient clipped to ``clip_norm`` plus Gaussian
        noise of standard deviation ``noise_multiplier * clip_norm``, :func:`invert_gradient`.
    clip_norm : float
    example_true, example_recovered : numpy.ndarray
        One example and its exact recovery (for a picture).

    Introduced in notebook 08.
    """

    n_trials: int
    batch_sizes: np.ndarray
    batch_mean_quality: np.ndarray
    batch_best_quality: np.ndarray
    n_clients_summed: np.ndarray
    summed_mean_quality: np.ndarray
    summed_best_quality: np.ndarray
    noise_multipliers: np.ndarray
    noise_quality: np.ndarray
    clip_norm: float
    example_true: np.ndarray = dataclasses.field(repr=False)
    example_recovered: np.ndarray = dataclasses.field(repr=False)


def _grads(model: LogisticModel, X: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Gradients ``(C, n_params)`` at the zero weights of ``C`` clients, ``X`` ``(C, m, d)``."""
    C, m = labels.shape
    Y = np.eye(model.n_classes)[labels]
    return model.loss_and_grad(np.zeros((C, model.n_params)), X, Y, np.ones((C, m)))[1]


def _batch_quality(model: LogisticModel, grad: np.ndarray, X_true: np.ndarray) -> tuple[float,
                                                                                         float]:
    try:
        recovered, _ = invert_softmax_batch(grad, model)
    except ValueError:                                       # nothing points to an example
        return 0.0, 0.0
    q = recovery_quality(recovered, X_true)
    return float(q.mean()), float(q.max())


def _check_sizes(values: Any, name: str, maximum: int) -> np.ndarray:
    fix = f"Pass e.g. {name}=(1, 2, 4, 8), each from 1 to {maximum}."
    arr = check_grid(values, name, fix=fix)
    if np.any(arr != np.round(arr)) or arr[-1] > maximum:
        raise fail(name, f"strictly increasing integers from 1 to {maximum}", values, fix)
    return arr.astype(int)


def inversion_experiment(X: Any = None, y: Any = None, *,
                         batch_sizes: Any = (1, 2, 3, 5, 8),
                         n_clients_summed: Any = (1, 2, 4, 8, 16, 32),
                         noise_multipliers: Any = (0.001, 0.01, 0.03, 0.1, 0.3, 1.0),
                         clip_norm: float = 1.0, n_trials: int = 20,
                         rng: SeedLike = None) -> InversionResult:
    """Measure how gradient inversion degrades with batch size, summing and DP noise.

    Softmax regression at the zero weights of a first federated round
    (:class:`~ppml_lab.federated.models.LogisticModel`), on ``X`` (default:
    scikit-learn's 8x8 digits scaled to [0, 1], no download). For each
    setting, ``n_trials`` random draws; the quality is :func:`recovery_quality`.

    * **batch**: one client with a batch of ``b`` examples of distinct labels
      (so ``b`` is at most the number of classes);
    * **summed**: the sum of ``m`` one-example clients' gradients (what secure
      aggregation reveals); labels are random and may repeat;
    * **noise**: one one-example client's gradient clipped to L2 norm
      ``clip_norm`` plus Gaussian noise ``N(0, (noise_multiplier * clip_norm)^2)``
      on every coordinate, as in DP-SGD.

    Parameters
    ----------
    X, y : array-like, optional
        Examples and labels (both or neither); default digits.
    batch_sizes, n_clients_summed : sequence of int
        Strictly increasing; batch sizes at most the number of classes.
    noise_multipliers : sequence of float
        Strictly increasing positive numbers.
    clip_norm : float, default 1.0
    n_trials : int, default 20
        Draws per setting, from 1 to 1000.
    rng : None, int or numpy.random.Generator
        The same seed gives the same examples in every setting (common random numbers).

    Returns
    -------
    InversionResult

    Introduced in notebook 08.

    Examples
    --------
    >>> r = inversion_experiment(batch_sizes=[1, 2], n_clients_summed=[1],
    ...                          noise_multipliers=[0.01], n_trials=5, rng=0)
    >>> r.batch_mean_quality.round(6).tolist()[0], bool(r.batch_mean_quality[1] > 0.9)
    (1.0, True)
    """
    if (X is None) != (y is None):
        raise fail("y" if y is None else "X", "given together with the other of `X`, `y`", None,
                   "Pass both X and y, or neither for the digits.")
    if X is None:
        X, labels = _digits()
        classes = np.unique(labels)
    else:
        X, y = check_features_targets(X, y)
        classes, labels = check_targets(y, X.shape[0])
    k, d = len(classes), X.shape[1]
    batch_sizes = _check_sizes(batch_sizes, "batch_sizes", k)
    n_clients_summed = _check_sizes(n_clients_summed, "n_clients_summed", 10_000)
    noise_multipliers = check_grid(noise_multipliers, "noise_multipliers")
    clip_norm = check_positive(clip_norm, "clip_norm", fix="Pass e.g. clip_norm=1.0.")
    n_trials = check_integer(n_trials, "n_trials", minimum=1, maximum=1000)
    gen = as_generator(rng)
    model = LogisticModel(n_features=d, n_classes=k)
    by_class = [np.flatnonzero(labels == c) for c in range(k)]
    if any(idx.size == 0 for idx in by_class):
        raise fail("y", "labels with at least one example per class", y,
                   "Pass data with every class present.")

    # batch: distinct labels; trial t uses a random order of the classes and one example of each
    batch_mean = np.zeros((n_trials, batch_sizes.size))
    batch_best = np.zeros_like(batch_mean)
    for t in range(n_trials):
        order = gen.permutation(k)[:batch_sizes[-1]]
        idx = np.array([gen.choice(by_class[c]) for c in order])
        for j, b in enumerate(batch_sizes):
            grad = _grads(model, X[idx[:b]][None], labels[idx[:b]][None])[0]
            batch_mean[t, j], batch_best[t, j] = _batch_quality(model, grad, X[idx[:b]])

    # summed: m one-example clients, their gradients added
    summed_mean = np.zeros((n_trials, n_clients_summed.size))
    summed_best = np.zeros_like(summed_mean)
    for t in range(n_trials):
        idx = gen.choice(len(labels), size=n_clients_summed[-1], replace=False)
        grads = _grads(model, X[idx][:, None, :], labels[idx][:, None])
        running = np.cumsum(grads, axis=0)
        for j, m in enumerate(n_clients_summed):
            summed_mean[t, j], summed_best[t, j] = _batch_quality(model, running[m - 1],
                                                                   X[idx[:m]])

    # noise: one example, clipped gradient plus Gaussian noise (common noise draws across sigmas)
    noise_q = np.zeros((n_trials, noise_multipliers.size))
    idx = gen.choice(len(labels), size=n_trials)
    grads = _grads(model, X[idx][:, None, :], labels[idx][:, None])
    norms = np.linalg.norm(grads, axis=1, keepdims=True)
    clipped = grads * np.minimum(1.0, clip_norm / np.maximum(norms, 1e-300))
    z = gen.standard_normal(grads.shape)
    for j, s in enumerate(noise_multipliers):
        noisy = clipped + s * clip_norm * z
        for t in range(n_trials):
            noise_q[t, j] = recovery_quality(invert_gradient(noisy[t], model), X[idx[t]])[0]

    return InversionResult(
        n_trials=n_trials,
        batch_sizes=_frozen(batch_sizes), batch_mean_quality=_frozen(batch_mean.mean(axis=0)),
        batch_best_quality=_frozen(batch_best.mean(axis=0)),
        n_clients_summed=_frozen(n_clients_summed),
        summed_mean_quality=_frozen(summed_mean.mean(axis=0)),
        summed_best_quality=_frozen(summed_best.mean(axis=0)),
        noise_multipliers=_frozen(noise_multipliers), noise_quality=_frozen(noise_q.mean(axis=0)),
        clip_norm=clip_norm, example_true=_frozen(X[idx[0]]),
        example_recovered=_frozen(invert_gradient(grads[0], model)))
