r"""A worst-case canary audit of a DP learner, and a deliberately broken learner to catch.

An audit on real data with a real attack (notebook 06, section 5) usually proves
an epsilon near 0 for a DP model: the attack is weak and the model's other
training examples drown the canary. That proves nothing, and it would prove
nothing for a *broken* implementation either. To catch a bug, audit the worst
case the accountant assumes (Nasr et al. 2021; Jagielski et al. 2020):

* a **worst-case dataset**: the canary ``(1, 0)`` with label 1 is alone on the
  first feature; the other ``n_rows`` rows use only the second feature and have
  balanced labels, so nothing else moves the canary's weight;
* a **worst-case gradient**: a tiny learning rate keeps the weights near zero,
  so the canary's clipped gradient has norm ``clip_norm`` at every step;
* a **white-box score**: ``coef_[0, 0] + intercept_[0]``, the canary's whole
  contribution (its feature and the intercept) read off the released weights.

Trained ``n_trials`` times with the canary and ``n_trials`` times without, the
score is the canary's signal plus the training noise, and
:func:`~ppml_lab.attacks.audit_epsilon_lower_bound` turns the two samples into
an epsilon lower bound. For an honest ``DPLogisticRegression`` at epsilon 1 it
stays below 1; for :class:`UnderNoisedDPLogisticRegression`, whose noise is four
times too small while it still claims epsilon 1, it exceeds 1: the audit
catches the bug.

Introduced in notebook 06.

References
----------
.. [NSTPC21] M. Nasr, S. Song, A. Thakurta, N. Papernot, N. Carlini. Adversary
   instantiation: lower bounds for differentially private machine learning.
   IEEE S&P 2021.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .._random import SeedLike, as_generator
from .._validation import check_callable, check_delta_or_zero, check_integer, check_positive
from ..dp.logistic import DPLogisticRegression
from .audit import AuditResult, audit_epsilon_lower_bound

__all__ = ["CanaryAudit", "UnderNoisedDPLogisticRegression", "worst_case_canary_audit",
           "canary_datasets"]


class UnderNoisedDPLogisticRegression(DPLogisticRegression):
    """A :class:`~ppml_lab.dp.DPLogisticRegression` with a deliberate bug, to audit.

    Its DP gradient descent adds noise ``noise_divisor`` times smaller than the
    calibration asks for, while ``epsilon_spent_`` still reports ``epsilon``:
    the kind of bug (a wrong sensitivity, a forgotten factor) that no unit test
    of the API notices. **Never use it to protect data**; it exists so that an
    audit can be seen catching a bug (notebook 06).

    Parameters
    ----------
    epsilon, delta, **kwargs
        As :class:`~ppml_lab.dp.DPLogisticRegression` (method ``"gd"`` only).
    noise_divisor : float, default 4.0
        How many times too little noise is added.

    Examples
    --------
    >>> m = UnderNoisedDPLogisticRegression(epsilon=1.0, rng=0)
    >>> m.noise_divisor, m.get_params()["epsilon"]
    (4.0, 1.0)
    """

    def __init__(self, epsilon: float = 1.0, delta: float = 1e-5, *, noise_divisor: float = 4.0,
                 max_iter: int | None = None, learning_rate: float = 5.0,
                 l2: float | None = None, clip_norm: float | None = 1.0,
                 data_norm: float | None = 1.0, batch_size: int | None = None,
                 rng: Any = None) -> None:
        super().__init__(epsilon, delta, max_iter=max_iter, learning_rate=learning_rate, l2=l2,
                         clip_norm=clip_norm, data_norm=data_norm, batch_size=batch_size,
                         rng=rng)
        self.noise_divisor = noise_divisor

    def _gd(self, Xt: np.ndarray, onehot: np.ndarray, gen: np.random.Generator, *,
            noise_std: float, **kwargs: Any) -> np.ndarray:
        divisor = check_positive(self.noise_divisor, "noise_divisor",
                                 fix="Pass e.g. noise_divisor=4.0.")
        return DPLogisticRegression._gd(Xt, onehot, gen, noise_std=noise_std / divisor,
                                        **kwargs)


def canary_datasets(n_rows: int = 50) -> tuple[tuple[np.ndarray, np.ndarray],
                                               tuple[np.ndarray, np.ndarray]]:
    """The audit's two neighbouring datasets: ``(X_in, y_in)`` with the canary, ``(X, y)`` without.

    >>> (X_in, y_in), (X, y) = canary_datasets(4)
    >>> X_in.tolist(), y_in.tolist()
    ([[0.0, -0.5], [0.0, 0.5], [0.0, -0.5], [0.0, 0.5], [1.0, 0.0]], [0, 1, 0, 1, 1])
    """
    n_rows = check_integer(n_rows, "n_rows", minimum=2, maximum=100_000,
                           fix="Pass e.g. n_rows=50.")
    y = np.arange(n_rows) % 2
    X = np.column_stack([np.zeros(n_rows), np.where(y == 1, 0.5, -0.5)])
    return (np.vstack([X, [[1.0, 0.0]]]), np.append(y, 1)), (X, y)


@dataclass(frozen=True, repr=False)
class CanaryAudit:
    """The scores of a worst-case canary audit and the epsilon lower bound they prove.

    Attributes
    ----------
    scores_in, scores_out : ndarray
        The white-box score in each trial with the canary, and without.
    audit : AuditResult
        The lower bound (first half of the trials chooses the threshold).
    claimed_epsilon : float
        What the learner says its epsilon is (``epsilon_spent_``).
    """

    scores_in: np.ndarray
    scores_out: np.ndarray
    audit: AuditResult
    claimed_epsilon: float

    @property
    def caught(self) -> bool:
        """Whether the lower bound exceeds the claim: proof of a bug (at the audit's confidence)."""
        return self.audit.epsilon > self.claimed_epsilon

    def __repr__(self) -> str:
        verdict = ("above the claim: the implementation is broken" if self.caught else
                   "not above the claim: no bug found (which proves no privacy)")
        return (f"CanaryAudit: {self.scores_in.size} + {self.scores_out.size} trials prove "
                f"epsilon >= {self.audit.epsilon:.2f} with {self.audit.confidence:.0%} "
                f"confidence, {verdict} (claimed epsilon = {self.claimed_epsilon:g})")


def worst_case_canary_audit(make_learner: Callable[[np.random.Generator], Any], *,
                            n_trials: int = 2000, n_rows: int = 50, delta: float = 1e-5,
                            rng: SeedLike = None) -> CanaryAudit:
    """Audit a DP learner with a worst-case canary (white-box); see the module docstring.

    Parameters
    ----------
    make_learner : callable
        Called with a ``numpy.random.Generator`` (an independent stream for each
        trial), returns an unfitted binary classifier with ``fit``, ``coef_``,
        ``intercept_`` and ``epsilon_spent_``, e.g.
        ``lambda g: DPLogisticRegression(1.0, learning_rate=1e-3, max_iter=20, rng=g)``
        (a tiny learning rate keeps the canary's gradient at the clipping norm).
    n_trials : int, default 2000
        Fits with the canary, and as many without (2 to 10**6).
    n_rows : int, default 50
        Rows besides the canary.
    delta : float, default 1e-5
        The delta of the audit's bound (the learner's delta).
    rng : None, int or numpy.random.Generator

    Returns
    -------
    CanaryAudit

    Examples
    --------
    >>> make = lambda g: DPLogisticRegression(1.0, learning_rate=1e-3, max_iter=20, rng=g)
    >>> result = worst_case_canary_audit(make, n_trials=200, rng=0)
    >>> result.caught, result.claimed_epsilon
    (False, 1.0)
    """
    check_callable(make_learner, "make_learner",
                   fix="Pass e.g. lambda g: DPLogisticRegression(1.0, learning_rate=1e-3, "
                       "max_iter=20, rng=g).")
    n_trials = check_integer(n_trials, "n_trials", minimum=2, maximum=10**6,
                             fix="Pass e.g. n_trials=2000.")
    delta = check_delta_or_zero(delta)
    (X_in, y_in), (X, y) = canary_datasets(n_rows)
    streams = as_generator(rng).spawn(2 * n_trials)
    scores: list[list[float]] = [[], []]
    claimed = np.nan
    for trial, stream in enumerate(streams):
        with_canary = trial % 2 == 0  # interleaved, so the halves see the same conditions
        model = make_learner(stream).fit(*((X_in, y_in) if with_canary else (X, y)))
        claimed = float(model.epsilon_spent_)
        scores[0 if with_canary else 1].append(float(model.coef_[0, 0] + model.intercept_[0]))
    s_in, s_out = np.asarray(scores[0]), np.asarray(scores[1])
    return CanaryAudit(s_in, s_out, audit_epsilon_lower_bound(s_in, s_out, delta=delta),
                       claimed)
