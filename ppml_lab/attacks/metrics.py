"""How well does a membership attack work? ROC curve, AUC, TPR at low FPR, advantage.

An attack gives each example a score (higher = "more likely a member"); the
metrics compare those scores with the truth (1 = member, 0 = non-member).
Following Carlini et al. (2022), the number that matters for privacy is the
true-positive rate at a *low* false-positive rate: an attack that confidently
identifies a few members is a real leak even when its AUC is near 0.5.

Introduced in notebook 06.

References
----------
.. [YGFJ18] S. Yeom, I. Giacomelli, M. Fredrikson, S. Jha. Privacy risk in
   machine learning: analyzing the connection to overfitting. CSF 2018.
   (Membership advantage = TPR - FPR.)
.. [CCN22] N. Carlini, S. Chien, M. Nasr, S. Song, A. Terzis, F. Tramer.
   Membership inference attacks from first principles. IEEE S&P 2022.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn import metrics as _skm

from .._validation import check_integer, check_probability, check_scores_labels

__all__ = ["RocCurve", "roc_curve", "auc", "tpr_at_fpr", "membership_advantage",
           "advantage_noise_floor"]


@dataclass(frozen=True)
class RocCurve:
    """A ROC curve: ``fpr[i]``, ``tpr[i]`` when "member" means ``score >= thresholds[i]``.

    Attributes
    ----------
    fpr, tpr : numpy.ndarray
        Increasing false- and true-positive rates, from (0, 0) to (1, 1).
    thresholds : numpy.ndarray
        Decreasing score thresholds (the first is ``inf``).
    """

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray

    @property
    def auc(self) -> float:
        """Area under the curve (trapezoidal rule)."""
        return float(np.trapezoid(self.tpr, self.fpr))


def roc_curve(scores: Any, labels: Any) -> RocCurve:
    """ROC curve of membership scores (a checked wrapper of :func:`sklearn.metrics.roc_curve`).

    Parameters
    ----------
    scores : array-like of shape (n,)
        Attack scores; higher means more likely a member.
    labels : array-like of shape (n,)
        1 (or True) for members, 0 (or False) for non-members; both must occur.

    Returns
    -------
    RocCurve

    Examples
    --------
    >>> curve = roc_curve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    >>> curve.fpr.tolist(), curve.tpr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
    >>> curve.auc
    0.75
    """
    scores, member = check_scores_labels(scores, labels)
    fpr, tpr, thresholds = _skm.roc_curve(member, scores, drop_intermediate=False)
    return RocCurve(fpr=fpr, tpr=tpr, thresholds=thresholds)


def auc(scores: Any, labels: Any) -> float:
    """Area under the ROC curve: the probability that a random member outscores a non-member.

    Ties count one half. 0.5 is guessing, 1.0 a perfect attack.

    Examples
    --------
    >>> auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    0.75
    """
    scores, member = check_scores_labels(scores, labels)
    return float(_skm.roc_auc_score(member, scores))


def tpr_at_fpr(scores: Any, labels: Any, fpr: float = 0.001) -> float:
    """True-positive rate at a false-positive rate of at most ``fpr``.

    The largest TPR over thresholds whose FPR is <= ``fpr`` (no interpolation).
    With ``m`` non-members, an FPR below ``1/m`` can only be 0: use at least
    ``10 / fpr`` non-members for a meaningful figure.

    Examples
    --------
    >>> tpr_at_fpr([0.1, 0.4, 0.35, 0.8, 0.9], [0, 0, 1, 1, 1], fpr=0.0)
    0.6666666666666666
    >>> tpr_at_fpr([0.1, 0.9], [0, 1], fpr=1.5)
    Traceback (most recent call last):
    ...
    ValueError: `fpr` must be a number in [0, 1]; got 1.5. Pass e.g. fpr=0.001 (0.1 % false positives).
    """
    fpr = check_probability(fpr, "fpr", low_open=False, high_open=False,
                            fix="Pass e.g. fpr=0.001 (0.1 % false positives).")
    curve = roc_curve(scores, labels)
    return float(np.max(curve.tpr[curve.fpr <= fpr]))


def membership_advantage(scores: Any, labels: Any) -> float:
    """Membership advantage, max over thresholds of TPR - FPR (Yeom et al. 2018).

    0 means the attack is no better than guessing, 1 that it is perfect. An
    epsilon-DP training algorithm bounds it by ``(e**epsilon - 1) / (e**epsilon + 1)``.

    Examples
    --------
    >>> membership_advantage([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])
    1.0
    >>> membership_advantage([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])
    0.0
    """
    curve = roc_curve(scores, labels)
    return float(np.max(curve.tpr - curve.fpr))


def advantage_noise_floor(n_members: int, n_non_members: int, *, level: float = 0.95) -> float:
    """The best-threshold advantage that an attack with *no* information reaches by chance.

    :func:`membership_advantage` takes the best of many thresholds on finite
    samples, so even scores independent of membership give a positive
    advantage. That maximum is the one-sided two-sample Kolmogorov-Smirnov
    statistic, and ``P[advantage >= d] ~ exp(-2 d**2 N)`` with
    ``N = n_members * n_non_members / (n_members + n_non_members)`` (Smirnov
    1939, asymptotically; slightly conservative at a few hundred examples,
    as a simulation in the tests shows). The floor is the ``level`` quantile,
    ``sqrt(ln(1 / (1 - level)) / (2 N))``. A measured advantage below it is
    indistinguishable from guessing, which matters at small epsilon, where
    the most DP allows (``advantage_bound``) can be below this floor.

    Parameters
    ----------
    n_members, n_non_members : int
        How many scores of each kind the advantage is measured on (1 to 10**9).
    level : float in (0, 1), default 0.95

    Returns
    -------
    float

    Examples
    --------
    >>> round(advantage_noise_floor(400, 400), 3)
    0.087
    >>> round(advantage_noise_floor(400, 400, level=0.5), 3)
    0.042
    """
    fix = "Pass the number of scores of each kind, e.g. 400."
    n = check_integer(n_members, "n_members", minimum=1, maximum=10**9, fix=fix)
    m = check_integer(n_non_members, "n_non_members", minimum=1, maximum=10**9, fix=fix)
    level = check_probability(level, "level", fix="Pass e.g. level=0.95.")
    effective = n * m / (n + m)
    return float(np.sqrt(np.log(1.0 / (1.0 - level)) / (2.0 * effective)))
