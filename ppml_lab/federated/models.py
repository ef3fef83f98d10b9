r"""The models trained by the federated simulator, written for many clients at once.

A model's parameters are one flat float64 vector of length ``n_params``, so a
strategy averages plain vectors whatever the model. Every computation takes
the parameters of ``C`` clients at once, ``W`` of shape ``(C, n_params)``, and
their data stacked and zero-padded to the largest client,
``X`` of shape ``(C, m, d)``, one-hot labels ``Y`` of shape ``(C, m, k)`` and a
0/1 ``mask`` of shape ``(C, m)`` that marks the real rows. The loss of client
``c`` is the *mean* softmax cross-entropy over its real rows,

.. math:: L_c(w) = \frac{1}{n_c} \sum_{i \le n_c} -\log \mathrm{softmax}(f_w(x_i))_{y_i},

and its gradient is computed for all clients in a few batched matrix products (``@`` on
``(C, m, d)`` stacks, which numpy hands to BLAS) (no
Python loop over clients): padded rows have a zero mask, so they add exact
zeros.

* :class:`LogisticModel`: multinomial logistic (softmax) regression, weights
  ``(k, d + 1)`` with the bias in the last column, initialised to zero.
  Its gradient is :math:`\frac{1}{n_c}\sum_i (p_i - y_i)\,\tilde x_i^\top`
  with :math:`\tilde x_i = (x_i, 1)`.
* :class:`MLPModel`: one hidden tanh layer, back-propagated by hand.

Introduced in notebook 07.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

import numpy as np

from .._random import SeedLike, as_generator
from .._validation import check_choice, check_integer, fail

__all__ = ["LogisticModel", "MLPModel", "make_model", "softmax_cross_entropy"]


def softmax_cross_entropy(logits: np.ndarray, Y: np.ndarray, mask: np.ndarray, *,
                          with_loss: bool = True) -> tuple[np.ndarray | None, np.ndarray,
                                                           np.ndarray]:
    """Mean cross-entropy per client, and ``dL/dlogits`` (already divided by ``n_c``).

    ``logits`` and ``Y`` are ``(C, m, k)``, ``mask`` is ``(C, m)``. A client
    without rows gets loss 0 and gradient 0 (never a division by zero).
    ``with_loss=False`` skips the loss (None), which training does not need.

    Returns
    -------
    loss : (C,) array or None
    dlogits : (C, m, k) array, ``mask * (p - y) / n_c``
    proba : (C, m, k) array of softmax probabilities

    Examples
    --------
    >>> loss, d, p = softmax_cross_entropy(np.zeros((1, 2, 2)), np.eye(2)[None], np.ones((1, 2)))
    >>> round(float(loss[0]), 4), d[0].tolist()
    (0.6931, [[-0.25, 0.25], [0.25, -0.25]])
    """
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=-1, keepdims=True)
    proba = exp / total
    n = mask.sum(axis=1)
    scale = mask / np.maximum(n, 1.0)[:, None]                    # 1/n_c on real rows, 0 on padding
    dlogits = (proba - Y) * scale[..., None]
    loss = None
    if with_loss:
        log_p = shifted - np.log(total)
        loss = -((Y * log_p).sum(axis=-1) * scale).sum(axis=1)
    return loss, dlogits, proba


@dataclasses.dataclass(frozen=True)
class LogisticModel:
    """Multinomial logistic regression on ``n_features`` inputs and ``n_classes`` classes.

    Introduced in notebook 07.

    Examples
    --------
    >>> model = LogisticModel(n_features=2, n_classes=3)
    >>> model.n_params, model.init().tolist()[:3]
    (9, [0.0, 0.0, 0.0])
    >>> X = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    >>> loss, grad = model.loss_and_grad(model.init()[None], X, np.eye(3)[None, :2], np.ones((1, 2)))
    >>> round(float(loss[0]), 4), grad.shape
    (1.0986, (1, 9))
    """

    n_features: int
    n_classes: int
    name = "logistic"

    def __post_init__(self) -> None:
        check_integer(self.n_features, "n_features", minimum=1)
        check_integer(self.n_classes, "n_classes", minimum=2)

    @property
    def n_params(self) -> int:
        return self.n_classes * (self.n_features + 1)

    def init(self, *, rng: SeedLike = None) -> np.ndarray:
        """Zero weights (``rng`` is accepted for a common interface and not used)."""
        return np.zeros(self.n_params)

    def _unpack(self, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        W3 = W.reshape(W.shape[0], self.n_classes, self.n_features + 1)
        return W3[..., :-1], W3[..., -1]                             # (C, k, d), (C, k)

    def logits(self, W: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Logits ``(C, m, k)`` of ``C`` weight vectors on their ``(C, m, d)`` inputs."""
        A, b = self._unpack(W)
        return X @ A.transpose(0, 2, 1) + b[:, None, :]              # batched matmul (BLAS)

    def loss_and_grad(self, W: np.ndarray, X: np.ndarray, Y: np.ndarray,
                      mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean cross-entropy ``(C,)`` and its gradient ``(C, n_params)``."""
        return self._loss_and_grad(W, X, Y, mask, with_loss=True)  # type: ignore[return-value]

    def gradient(self, W: np.ndarray, X: np.ndarray, Y: np.ndarray,
                 mask: np.ndarray) -> np.ndarray:
        """The gradient ``(C, n_params)`` of :meth:`loss_and_grad`, without the loss (faster)."""
        return self._loss_and_grad(W, X, Y, mask, with_loss=False)[1]

    def gradient_fn(self, X: np.ndarray, Y: np.ndarray,
                    mask: np.ndarray) -> Callable[..., np.ndarray]:
        """``grad(W, step_mask=None)``: :meth:`gradient` on fixed data, the same numbers faster.

        What does not depend on ``W`` is done once: the bias input (1 on real rows)
        is appended to ``X``, so one batched product gives the logits and one the
        whole gradient. The softmax is shifted by each client's largest logit
        instead of each row's (softmax does not change under a shift); if that
        would underflow a row, the row-wise computation is used. ``step_mask``
        (a subset of ``mask``'s rows) selects a minibatch.
        """
        C = X.shape[0]
        Xa = np.concatenate([X, mask[..., None]], axis=2)            # (C, m, d + 1)
        ones = np.ones(self.n_classes)
        shape = (C, self.n_classes, self.n_features + 1)

        def row_weights(rows: np.ndarray) -> np.ndarray:                # 1/n_c on the rows used
            return (rows / np.maximum(rows.sum(axis=1), 1.0)[:, None])[..., None]

        full_scale = row_weights(mask)

        def grad(W: np.ndarray, step_mask: np.ndarray | None = None) -> np.ndarray:
            rows = mask if step_mask is None else step_mask
            scale = full_scale if step_mask is None else row_weights(step_mask)
            L = Xa @ W.reshape(shape).transpose(0, 2, 1)             # logits (C, m, k)
            L -= L.reshape(C, -1).max(axis=1)[:, None, None]
            np.exp(L, out=L)
            total = L @ ones
            if not total.min() > 1e-250:                             # a row far below its client's max
                return self.gradient(W, X, Y, rows)
            L /= total[..., None]                                    # softmax probabilities
            L -= Y
            L *= scale                                               # (p - y) / n_c on the step's rows
            return (L.transpose(0, 2, 1) @ Xa).reshape(C, -1)

        return grad

    def _loss_and_grad(self, W: np.ndarray, X: np.ndarray, Y: np.ndarray, mask: np.ndarray, *,
                       with_loss: bool) -> tuple[np.ndarray | None, np.ndarray]:
        loss, G, _ = softmax_cross_entropy(self.logits(W, X), Y, mask, with_loss=with_loss)
        grad_A = G.transpose(0, 2, 1) @ X                            # sum_i (p_i - y_i) x_i^T / n
        grad_b = G.sum(axis=1)                                       # sum_i (p_i - y_i) / n
        return loss, np.concatenate([grad_A, grad_b[..., None]], axis=2).reshape(W.shape)

    def predict_proba(self, w: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Class probabilities ``(n, k)`` of one weight vector on ``X`` ``(n, d)``."""
        logits = self.logits(np.asarray(w)[None], np.asarray(X, dtype=float)[None])[0]
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        return e / e.sum(axis=1, keepdims=True)


@dataclasses.dataclass(frozen=True)
class MLPModel(LogisticModel):
    """A one-hidden-layer tanh network: ``softmax(tanh(x W1 + b1) W2 + b2)``.

    Weights are drawn ``N(0, 1 / fan_in)`` from ``rng`` and biases start at
    zero. Introduced in notebook 07.

    Examples
    --------
    >>> model = MLPModel(n_features=2, n_classes=3, hidden_units=4)
    >>> model.n_params
    27
    >>> bool(np.all(model.init(rng=0) == model.init(rng=0)))
    True
    """

    hidden_units: int = 32
    name = "mlp"

    def __post_init__(self) -> None:
        super().__post_init__()
        check_integer(self.hidden_units, "hidden_units", minimum=1)

    @property
    def n_params(self) -> int:
        d, h, k = self.n_features, self.hidden_units, self.n_classes
        return d * h + h + h * k + k

    def init(self, *, rng: SeedLike = None) -> np.ndarray:
        gen = as_generator(rng)
        d, h, k = self.n_features, self.hidden_units, self.n_classes
        W1 = gen.standard_normal((d, h)) / math.sqrt(d)
        W2 = gen.standard_normal((h, k)) / math.sqrt(h)
        return np.concatenate([W1.ravel(), np.zeros(h), W2.ravel(), np.zeros(k)])

    def _unpack(self, W: np.ndarray):  # type: ignore[override]
        d, h, k = self.n_features, self.hidden_units, self.n_classes
        C = W.shape[0]
        cuts = np.cumsum([d * h, h, h * k])
        W1, b1, W2, b2 = np.split(W, cuts, axis=1)
        return W1.reshape(C, d, h), b1, W2.reshape(C, h, k), b2

    def _forward(self, W: np.ndarray, X: np.ndarray):
        W1, b1, W2, b2 = self._unpack(W)
        H = np.tanh(X @ W1 + b1[:, None, :])
        return H, H @ W2 + b2[:, None, :]

    def logits(self, W: np.ndarray, X: np.ndarray) -> np.ndarray:
        return self._forward(W, X)[1]

    def gradient_fn(self, X: np.ndarray, Y: np.ndarray,
                    mask: np.ndarray) -> Callable[..., np.ndarray]:
        """``grad(W, step_mask=None)``: :meth:`gradient` on fixed data."""
        def grad(W: np.ndarray, step_mask: np.ndarray | None = None) -> np.ndarray:
            return self.gradient(W, X, Y, mask if step_mask is None else step_mask)

        return grad

    def _loss_and_grad(self, W: np.ndarray, X: np.ndarray, Y: np.ndarray, mask: np.ndarray, *,
                       with_loss: bool) -> tuple[np.ndarray | None, np.ndarray]:
        _, _, W2, _ = self._unpack(W)
        H, logits = self._forward(W, X)
        loss, G, _ = softmax_cross_entropy(logits, Y, mask, with_loss=with_loss)  # dL/dlogits
        grad_W2 = H.transpose(0, 2, 1) @ G
        grad_b2 = G.sum(axis=1)
        dZ = (G @ W2.transpose(0, 2, 1)) * (1.0 - H**2)             # back through tanh
        grad_W1 = X.transpose(0, 2, 1) @ dZ
        grad_b1 = dZ.sum(axis=1)
        C = W.shape[0]
        grad = np.concatenate([grad_W1.reshape(C, -1), grad_b1, grad_W2.reshape(C, -1), grad_b2],
                              axis=1)
        return loss, grad


def make_model(model: str | LogisticModel, n_features: int, n_classes: int) -> LogisticModel:
    """Build ``"logistic"`` or ``"mlp"`` for the data's shape, or check a model object.

    Examples
    --------
    >>> make_model("mlp", 4, 3).n_params
    259
    """
    if isinstance(model, LogisticModel):
        if (model.n_features, model.n_classes) != (n_features, n_classes):
            raise fail("model", f"built for {n_features} features and {n_classes} classes",
                       model, "Build it with the shape of X and the classes of y.")
        return model
    if not isinstance(model, str):
        raise fail("model", "'logistic', 'mlp' or a LogisticModel/MLPModel", model,
                   kind=TypeError)
    check_choice(model, "model", ("logistic", "mlp"))
    cls = LogisticModel if model == "logistic" else MLPModel
    return cls(n_features=n_features, n_classes=n_classes)
