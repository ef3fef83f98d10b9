r"""Differentially private logistic regression: one softmax model, DP gradient descent.

:class:`DPLogisticRegression` is a scikit-learn classifier. Binary and
multiclass problems are one softmax (multinomial) model, so the whole budget
pays for one training run and epsilon is never split across classes.

Training (``method="gd"``, the default) is DP gradient descent [ACGMMTZ16]_:
each step computes every example's gradient of the softmax cross-entropy,

.. math:: g_i = (p_i - y_i)\,\tilde x_i^\top, \qquad \tilde x_i = (x_i, 1),

clips it to norm ``clip_norm`` (default 1), adds Gaussian noise of standard deviation
``noise_multiplier * clip_norm`` to the sum, divides by ``n`` and adds the
(data-independent) gradient of the L2 penalty. Because ``g_i`` is an outer
product, its norm is ``||p_i - y_i|| * ||x~_i||`` and no per-example matrix is
ever formed. ``||p - y|| <= sqrt(2)``, so rows with ``||x|| <= data_norm``
have ``||g_i|| <= sqrt(2) * sqrt(data_norm**2 + 1)`` (``clip_norm=None``
uses that bound, so clipping never biases; the default 1.0 biases a little
and halves the noise). The noise
multiplier is calibrated to meet ``(epsilon, delta)`` exactly for the number
of steps: in closed form for the full batch (``steps`` Gaussian steps are one
Gaussian mechanism with ``sqrt(steps)`` times less noise), with the PLD
accountant for Poisson ``sample_rate = batch_size / n`` when minibatches are
asked for; it is cached, so a refit is fast. The model
returned is the average of the iterates of the second half of training
(post-processing, free of privacy cost), which removes much of the noise.

``method="output_perturbation"`` is pure epsilon-DP [CMS11]_: the exact
minimiser of the L2-regularised loss, plus noise whose density is
proportional to ``exp(-epsilon * ||b|| / Delta)`` (norm ~ Gamma(dimension,
Delta / epsilon), uniform direction), with ``Delta = 2 L / (n * l2)`` and
``L`` the Lipschitz constant of the loss: ``sqrt(data_norm**2 + 1)`` for two
classes, trained as one logistic vector (half the parameters of a softmax,
so half the noise), and ``sqrt(2)`` times that for the softmax of more
classes. The default penalty ``l2 = 4 * n_params / (n * epsilon)`` shrinks as
epsilon grows.

Neighbouring datasets
---------------------
``method="gd"`` protects one example with add/remove-one neighbours (as
Opacus and dp-accounting); ``neighbouring="replace_one"`` doubles the
sensitivity (``2 * clip_norm``) for like-for-like comparison with libraries
that use replace-one (diffprivlib). ``method="output_perturbation"`` is
epsilon-DP under replace-one neighbours only (its noise scale depends on
``n``). In both methods the dataset size ``n`` is treated as public, as in
Opacus and diffprivlib.

With ``accountant=``, a fit spends its ``(epsilon, delta)`` in the unit of
its guarantee: an add/remove ledger (the default) accepts ``"gd"`` fits
(with ``neighbouring="replace_one"`` too, whose doubled noise covers both
relations) and refuses output perturbation, which needs a ledger made with
``BudgetAccountant(..., neighbouring="replace_one")``. Every clone of the
estimator shares the ledger (a ledger is never copied), so
``cross_val_score`` and ``GridSearchCV`` charge every fit they make.

Convergence
-----------
Each step multiplies the weights by ``1 - learning_rate * l2`` before the
gradient step, so ``learning_rate * l2 >= 2`` can only diverge: ``fit``
refuses it before spending anything. Released weights are always finite: a
fit whose weights overflow raises instead of releasing them. Output
perturbation needs the exact minimiser: ``fit`` certifies the optimiser's
answer by strong convexity (``||w - w*|| <= ||grad J(w)|| / l2``), refuses
to release (and spends nothing) if that distance exceeds ``1e-4 * Delta``,
and calibrates the noise to ``Delta * (1 + 2e-4)``, which covers the residual
for both neighbours.

Rows must have L2 norm at most ``data_norm`` (default 1, e.g. standardise
with public constants, then divide each row longer than 1 by its norm with
:func:`ppml_lab.datasets.unit_rows`). Longer rows raise a ``ValueError``
that says how many and how to scale them: the noise is calibrated to the
bound, and a silent projection would hide a preprocessing mistake. With
``data_norm=None`` the bound is read off the data: that leaks, and a
:class:`~ppml_lab.exceptions.PrivacyLeakWarning` says so.

Tuning hyperparameters on the private data costs privacy too (notebook 05).
The defaults were read off ``benchmarks/dp_logistic_accuracy.py`` on the
breast_cancer and digits data sets, the very data the notebooks treat as
private: a fair warning that they are tuned, and that on other data they are
a starting point, not an answer (chosen on public data, they would cost no
privacy).

Introduced in notebook 05.

References
----------
.. [ACGMMTZ16] M. Abadi, A. Chu, I. Goodfellow, H. B. McMahan, I. Mironov,
   K. Talwar, L. Zhang. Deep learning with differential privacy. CCS 2016.
.. [CMS11] K. Chaudhuri, C. Monteleoni, A. D. Sarwate. Differentially private
   empirical risk minimization. JMLR 12, 2011.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any

import numpy as np
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from .._random import as_generator
from .._validation import (check_array, check_choice, check_delta, check_epsilon,
                           check_integer, check_nonnegative, check_positive, check_targets, fail)
from ..exceptions import PrivacyLeakWarning
from .budget import _spend_on
from .dpsgd import calibrate_noise_multiplier
from .mechanisms import _analytic_sigma

__all__ = ["DPLogisticRegression"]

METHODS = ("gd", "output_perturbation")
NEIGHBOURING = ("add_remove", "replace_one")


@functools.lru_cache(maxsize=256)
def _noise_multiplier(epsilon: float, delta: float, sample_rate: float, steps: int) -> float:
    """Noise multiplier meeting (epsilon, delta), cached on (epsilon, delta, sample_rate, steps).

    Full batch (``sample_rate == 1``): ``steps`` Gaussian steps with noise
    multiplier ``sigma`` compose exactly to one Gaussian mechanism with
    ``sigma / sqrt(steps)`` (their privacy-loss distributions are Gaussian), so
    ``sigma = sqrt(steps) * sigma_1`` with ``sigma_1`` the analytic calibration of
    one Gaussian release (Balle and Wang 2018): exact, and about a millisecond.
    Minibatches (Poisson subsampling): the PLD accountant.
    """
    if sample_rate == 1.0:
        return math.sqrt(steps) * _analytic_sigma(epsilon, delta, 1.0)
    return calibrate_noise_multiplier(epsilon, delta, sample_rate, steps, accountant="pld")


def default_steps(epsilon: float) -> int:
    """Default number of full-batch steps: 60 up to epsilon 2, then 30 * epsilon, at most 200.

    Epsilon is public, so a default that depends on it costs no privacy.

    >>> default_steps(1.0), default_steps(5.0), default_steps(10.0)
    (60, 150, 200)
    """
    return int(min(200, max(60, round(30 * epsilon))))


def _expit(z: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -z))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class DPLogisticRegression(ClassifierMixin, BaseEstimator):
    r"""Logistic regression (softmax) trained with differential privacy.

    Parameters
    ----------
    epsilon : float, default 1.0
        Privacy budget of the whole fit, > 0.
    delta : float, default 1e-5
        Delta of the fit, in (0, 1); ignored (0) for output perturbation.
    method : {"gd", "output_perturbation"}, default "gd"
        DP gradient descent (Gaussian noise, (epsilon, delta)-DP) or output
        perturbation (pure epsilon-DP, Chaudhuri et al. 2011).
    max_iter : int or None, default None
        Number of noisy steps (``"gd"``). None chooses from the (public)
        epsilon: ``min(200, max(60, round(30 * epsilon)))``, i.e. 60 steps up
        to epsilon 2, more where the noise allows more progress.
    learning_rate : float, default 5.0
        Step size (``"gd"``) on the clipped, averaged gradient.
    l2 : float or None, default None
        L2 penalty ``l2 / 2 * ||W||**2`` (intercept included) on the mean
        loss. None means 1e-3 for ``"gd"``, and for output perturbation
        (whose noise grows as 1 / l2) ``4 * n_params / (n * epsilon)``
        (:func:`output_perturbation_l2`; public quantities only).
    clip_norm : float or None, default 1.0
        Per-example gradient norm bound. None means the largest possible
        gradient norm, ``sqrt(2) * sqrt(data_norm**2 + 1)`` (2 for unit rows),
        so clipping never biases; the default 1.0 clips the largest gradients
        (misclassified examples) a little and halves the noise, which beats
        None at every epsilon of the benchmark
        (``benchmarks/dp_logistic_accuracy.py``). At small epsilon a smaller
        clip (0.1: biased gradients, far less noise) does better still; at
        large epsilon 1.0 wins (notebook 05 shows both).
    data_norm : float or None, default 1.0
        Bound on the rows' L2 norm, chosen without looking at the data; a
        longer row raises ``ValueError`` (scale rows with
        :func:`ppml_lab.datasets.unit_rows`). None reads the bound off the
        data (leaks; PrivacyLeakWarning).
    batch_size : int or None, default None
        None trains on the full batch; an int trains with Poisson
        subsampling at ``sample_rate = batch_size / n`` (DP-SGD).
    neighbouring : {"add_remove", "replace_one"} or None, default None
        None means "add_remove" for ``"gd"`` and "replace_one" for output
        perturbation (the only relation it supports).
    accountant : BudgetAccountant, BlockPartition or None, default None
        If given, ``fit`` spends ``(epsilon, delta)`` on it (label
        ``"DPLogisticRegression.fit"``) before any noise is drawn; a refused
        spend leaves the model unfitted. Shared by every clone, never
        copied. Output perturbation needs a replace-one ledger.
    rng : None, int or numpy.random.Generator, default None
        Stored unmodified; turned into a generator in ``fit``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        For two classes, the difference of the two softmax rows (as scikit-learn).
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_features_in_ : int
    n_iter_ : int
        Noisy steps taken (1 for output perturbation).
    noise_multiplier_ : float
        Noise standard deviation / sensitivity used (``"gd"``; NaN otherwise).
    sample_rate_ : float
        Poisson sampling rate (1.0 for the full batch).
    clip_norm_ : float
    epsilon_spent_, delta_spent_ : float
        The privacy cost of the fit, in the unit ``neighbouring_``.
    neighbouring_ : str
        The neighbouring relation of the guarantee (``"add_remove"`` or
        ``"replace_one"``).

    Examples
    --------
    >>> import numpy as np
    >>> from ppml_lab.dp import DPLogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 2)); y = (X[:, 0] > 0).astype(int)
    >>> X /= np.maximum(1.0, np.linalg.norm(X, axis=1, keepdims=True))
    >>> clf = DPLogisticRegression(epsilon=1.0, rng=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    >>> clf.epsilon_spent_, clf.n_iter_
    (1.0, 60)
    """

    def __init__(self, epsilon: float = 1.0, delta: float = 1e-5, *, method: str = "gd",
                 max_iter: int | None = None, learning_rate: float = 5.0, l2: float | None = None,
                 clip_norm: float | None = 1.0, data_norm: float | None = 1.0,
                 batch_size: int | None = None, neighbouring: str | None = None,
                 accountant: Any = None, rng: Any = None) -> None:
        self.epsilon = epsilon
        self.delta = delta
        self.method = method
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.l2 = l2
        self.clip_norm = clip_norm
        self.data_norm = data_norm
        self.batch_size = batch_size
        self.neighbouring = neighbouring
        self.accountant = accountant
        self.rng = rng

    # --- fitting -----------------------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> "DPLogisticRegression":
        """Train on ``X`` (rows of norm <= ``data_norm``) and labels ``y``; return self."""
        epsilon = check_epsilon(self.epsilon)
        method = check_choice(self.method, "method", METHODS)
        delta = check_delta(self.delta) if method == "gd" else 0.0
        steps = default_steps(epsilon) if self.max_iter is None else check_integer(
            self.max_iter, "max_iter", minimum=1, fix="Pass e.g. max_iter=100, or None.")
        lr = check_positive(self.learning_rate, "learning_rate", fix="Pass e.g. learning_rate=2.0.")
        l2 = None if self.l2 is None else check_nonnegative(
            self.l2, "l2", fix="Pass e.g. l2=1e-3, or None for the method's default.")
        if method == "gd" and l2 is not None and lr * l2 >= 2.0:
            raise fail("learning_rate", "such that learning_rate * l2 < 2 (each step multiplies "
                       "the weights by 1 - learning_rate * l2, so a product of 2 or more "
                       "diverges)", lr, f"With l2={l2!r}, pass learning_rate < {2.0 / l2:.4g} "
                       f"(e.g. {1.0 / l2:.4g}), or a smaller l2.",
                       show=f"learning_rate={lr!r} and l2={l2!r} (product {lr * l2:.4g})")
        if method == "output_perturbation" and l2 is not None and l2 == 0:
            raise ValueError("`l2` must be positive for method='output_perturbation' (the "
                             "sensitivity is 2 L / (n l2)); got 0.0. Pass e.g. l2=1e-2.")
        neighbouring = self.neighbouring
        if neighbouring is None:
            neighbouring = "add_remove" if method == "gd" else "replace_one"
        neighbouring = check_choice(neighbouring, "neighbouring", NEIGHBOURING)
        if method == "output_perturbation" and neighbouring != "replace_one":
            raise ValueError("`neighbouring` must be 'replace_one' (or None) for "
                             f"method='output_perturbation'; got {neighbouring!r}. Its noise "
                             "scale depends on n, so it is epsilon-DP for replace-one only.")
        X = check_array(X, "X", ndim=2, fix="Pass a 2-D array of numbers, one row per example.")
        classes, y_index = check_targets(y, len(X))
        n, d = X.shape
        if l2 is None:
            l2 = 1e-3 if method == "gd" else output_perturbation_l2(
                epsilon, n, _n_params(len(classes), d))
        data_norm = self._check_rows(X)
        lipschitz = math.sqrt(2.0) * math.sqrt(data_norm ** 2 + 1.0)  # softmax loss, ||x~||
        clip = lipschitz if self.clip_norm is None else check_positive(
            self.clip_norm, "clip_norm", fix="Pass e.g. clip_norm=1.0, or None for the bound.")
        if self.batch_size is None:
            q = 1.0
        else:
            batch = check_integer(self.batch_size, "batch_size", minimum=1, maximum=n,
                                  fix="Pass e.g. batch_size=256, or None for the full batch.")
            q = batch / n
        gen = as_generator(self.rng)
        sigma = _noise_multiplier(epsilon, delta, q, steps) if method == "gd" else math.nan
        # the unit of the guarantee: gd with replace-one noise (2 * clip) covers add/remove too
        unit = neighbouring
        if method == "gd" and neighbouring == "replace_one":
            unit = getattr(self.accountant, "neighbouring", "add_remove")

        Xt = np.hstack([X, np.ones((n, 1))])
        onehot = np.zeros((n, len(classes)))
        onehot[np.arange(n), y_index] = 1.0
        if method == "gd":
            _spend_on(self.accountant, epsilon, delta, label="DPLogisticRegression.fit",
                      neighbouring=unit)
            sensitivity = clip * (2.0 if neighbouring == "replace_one" else 1.0)
            with np.errstate(over="ignore", invalid="ignore"):  # checked just below
                W = self._gd(Xt, onehot, gen, steps=steps, lr=lr, l2=l2, clip=clip,
                             noise_std=sigma * sensitivity, q=q)
            if not np.all(np.isfinite(W)):
                raise FloatingPointError(
                    f"DP gradient descent diverged: the weights overflowed with "
                    f"learning_rate={lr!r}, l2={l2!r}, max_iter={steps}. Nothing was released "
                    f"(the fit's budget is spent). Pass a smaller learning_rate, e.g. "
                    f"learning_rate=5.0 (the default).")
            n_iter = steps
        else:
            W = _output_perturbation(Xt, onehot, gen, epsilon=epsilon, l2=l2,
                                     row_norm=math.sqrt(data_norm ** 2 + 1.0),
                                     spend=lambda: _spend_on(
                                         self.accountant, epsilon, 0.0,
                                         label="DPLogisticRegression.fit",
                                         neighbouring="replace_one"))
            n_iter = 1
        self.classes_ = classes
        self.n_features_in_ = d
        if len(classes) == 2:
            diff = W[1] - W[0]
            self.coef_, self.intercept_ = diff[None, :-1].copy(), diff[-1:].copy()
        else:
            self.coef_, self.intercept_ = W[:, :-1].copy(), W[:, -1].copy()
        self.weights_ = W
        self.n_iter_ = n_iter
        self.noise_multiplier_ = sigma
        self.sample_rate_ = q
        self.clip_norm_ = clip
        self.epsilon_spent_ = epsilon
        self.delta_spent_ = delta
        self.neighbouring_ = unit
        return self

    def _check_rows(self, X: np.ndarray) -> float:
        """The row-norm bound: ``data_norm``, checked against ``X`` (or read off it, leaking)."""
        norms = np.linalg.norm(X, axis=1)
        if self.data_norm is None:
            warnings.warn("data_norm=None: the row-norm bound is read off the data, which "
                          "leaks privacy beyond epsilon. Pass a bound chosen without looking "
                          "at the data, e.g. data_norm=1.0.", PrivacyLeakWarning, stacklevel=3)
            return float(norms.max())
        bound = check_positive(self.data_norm, "data_norm",
                               fix="Pass a bound chosen without looking at the data, e.g. "
                                   "data_norm=1.0, after scaling rows to norm <= 1.")
        long = norms > bound * (1 + 1e-9)  # rows projected to the bound may round above it
        if long.any():
            raise ValueError(
                f"`X` must have rows of L2 norm <= data_norm={bound:g}; got {int(long.sum())} of "
                f"{len(X)} rows longer (the longest {norms.max():.4g}). The noise is calibrated "
                "to that bound, so longer rows would break the guarantee. Scale each row first, "
                "e.g. X = ppml_lab.datasets.unit_rows(X, max_norm=data_norm) (a per-row map "
                "that keeps the guarantee), or pass a larger data_norm chosen without looking "
                "at the data.")
        return bound

    @staticmethod
    def _gd(Xt: np.ndarray, onehot: np.ndarray, gen: np.random.Generator, *, steps: int,
            lr: float, l2: float, clip: float, noise_std: float, q: float) -> np.ndarray:
        """Noisy (sub)gradient descent; returns the tail average of the iterates."""
        n, k, p = Xt.shape[0], onehot.shape[1], Xt.shape[1]
        x_norm = np.linalg.norm(Xt, axis=1)
        W = np.zeros((k, p))
        avg = np.zeros_like(W)
        start = steps // 2
        noise = gen.normal(0.0, noise_std, size=(steps, k, p))
        expected = q * n  # the noisy sum is divided by the expected batch size
        for t in range(steps):
            if q < 1.0:
                rows = np.flatnonzero(gen.random(n) < q)
                Xb, Yb, nb = Xt[rows], onehot[rows], x_norm[rows]
            else:
                Xb, Yb, nb = Xt, onehot, x_norm
            resid = _softmax(Xb @ W.T) - Yb                       # p_i - y_i
            norms = np.linalg.norm(resid, axis=1) * nb            # ||g_i|| = ||p-y|| ||x~||
            scale = np.minimum(1.0, clip / np.maximum(norms, 1e-300))
            grad_sum = (resid * scale[:, None]).T @ Xb            # sum of clipped g_i
            grad = (grad_sum + noise[t]) / expected + l2 * W
            W = W - lr * grad
            if t >= start:
                avg += W
        return avg / (steps - start)

    # --- prediction --------------------------------------------------------------------------

    def _scores(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "weights_")
        X = check_array(X, "X", ndim=2, fix="Pass a 2-D array of numbers, one row per example.")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"`X` must have {self.n_features_in_} features, as in fit; got "
                             f"{X.shape[1]}. Pass rows with the training columns.")
        W = self.weights_
        return X @ W[:, :-1].T + W[:, -1]

    def decision_function(self, X: Any) -> np.ndarray:
        """Scores: shape (n,) for two classes (positive favours ``classes_[1]``), else (n, k)."""
        z = self._scores(X)
        return z[:, 1] - z[:, 0] if z.shape[1] == 2 else z

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (softmax), shape (n, n_classes)."""
        return _softmax(self._scores(X))

    def predict(self, X: Any) -> np.ndarray:
        """Most probable class of each row."""
        scores = self._scores(X)
        return self.classes_[np.argmax(scores, axis=1)]


def _n_params(n_classes: int, n_features: int) -> int:
    """Parameters of the released model: one vector for two classes, else one per class."""
    return (n_features + 1) * (1 if n_classes == 2 else n_classes)


def output_perturbation_l2(epsilon: float, n: int, n_params: int) -> float:
    """Default L2 penalty of output perturbation: ``4 * n_params / (n * epsilon)``.

    The noise norm is about ``n_params * 2 L / (n * l2 * epsilon)``, so this
    penalty keeps it near ``L / 2`` at every epsilon, while the penalty's bias
    fades as ``n * epsilon`` grows. It uses only public quantities (epsilon,
    the number of rows, the model's size); the constant 4 was read off
    ``benchmarks/dp_logistic_accuracy.py`` (2 and 8 are within a point).

    >>> round(output_perturbation_l2(1.0, 398, 31), 4)
    0.3116
    """
    return 4.0 * n_params / (n * epsilon)


#: Output perturbation releases only minimisers certified within this fraction of the
#: sensitivity, and widens its noise by twice that fraction (both neighbours' residuals).
OPTIMISER_SLACK = 1e-4


def _minimise(objective: Any, size: int) -> tuple[np.ndarray, float]:
    """L-BFGS minimiser of a smooth objective and its gradient norm there."""
    res = minimize(objective, np.zeros(size), jac=True, method="L-BFGS-B",
                   options={"gtol": 1e-10, "ftol": 1e-15, "maxiter": 5000})
    return res.x, float(np.linalg.norm(objective(res.x)[1]))


def _output_perturbation(Xt: np.ndarray, onehot: np.ndarray, gen: np.random.Generator, *,
                         epsilon: float, l2: float, row_norm: float,
                         spend: Any = None) -> np.ndarray:
    """Chaudhuri et al. 2011: exact regularised minimiser + Gamma-norm noise; weights (k, p).

    Two classes: one logistic vector ``w`` (loss ``log(1 + exp(-s w.x~))``,
    Lipschitz ``L = ||x~||``), returned as the softmax rows ``(0, w)``. More
    classes: the softmax loss, ``L = sqrt(2) ||x~||``. The minimiser is
    certified (``||w - w*|| <= ||grad|| / l2``, strong convexity) before
    ``spend()`` is called and any noise is drawn.
    """
    n, k, p = Xt.shape[0], onehot.shape[1], Xt.shape[1]
    if k == 2:
        sign = 2.0 * onehot[:, 1] - 1.0
        lipschitz = row_norm

        def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
            margin = sign * (Xt @ w)
            loss = np.mean(np.logaddexp(0.0, -margin)) + 0.5 * l2 * w @ w
            grad = -(Xt.T @ (sign * _expit(-margin))) / n + l2 * w
            return loss, grad
        size = p
    else:
        lipschitz = math.sqrt(2.0) * row_norm

        def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
            W = w.reshape(k, p)
            z = Xt @ W.T
            zmax = z.max(axis=1, keepdims=True)
            logsum = np.log(np.exp(z - zmax).sum(axis=1)) + zmax[:, 0]
            loss = np.mean(logsum - (z * onehot).sum(axis=1)) + 0.5 * l2 * w @ w
            grad = (_softmax(z) - onehot).T @ Xt / n + l2 * W
            return loss, grad.ravel()
        size = k * p
    w, grad_norm = _minimise(objective, size)
    sensitivity = 2.0 * lipschitz / (n * l2)       # replace-one change of the minimiser
    distance = grad_norm / l2                      # certified ||w - w*||
    if not distance <= OPTIMISER_SLACK * sensitivity:
        raise RuntimeError(
            f"output perturbation needs the exact minimiser, and the optimiser stopped "
            f"{distance:.3g} from it (at most {OPTIMISER_SLACK * sensitivity:.3g} allowed); "
            f"nothing was spent or released. Pass a larger l2 (it makes the problem better "
            f"conditioned), e.g. l2=None for the default.")
    if spend is not None:
        spend()
    sensitivity *= 1.0 + 2.0 * OPTIMISER_SLACK    # covers both neighbours' residuals
    direction = gen.normal(size=size)
    direction /= np.linalg.norm(direction)
    radius = gen.gamma(shape=size, scale=sensitivity / epsilon)   # density ~ exp(-eps |b| / D)
    w = w + radius * direction
    return np.vstack([np.zeros(p), w]) if k == 2 else w.reshape(k, p)
