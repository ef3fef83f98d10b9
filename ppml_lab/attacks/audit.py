"""Auditing: a lower bound on epsilon from an attack's successes and failures.

An (epsilon, delta)-DP algorithm limits every membership test: for any
attack, ``TPR <= e**epsilon * FPR + delta`` and ``TNR <= e**epsilon * FNR + delta``.
Run the audit game many times (train with or without a canary, let the
attack guess), count the outcomes, and turn the counts into rates that hold
with high probability (Clopper-Pearson intervals). Then

    epsilon >= log((TPR_lo - delta) / FPR_hi)   and   epsilon >= log((TNR_lo - delta) / FNR_hi)

with the stated confidence (Jagielski et al. 2020). If the bound exceeds the
epsilon an implementation claims, the implementation is broken; if it is far
below, the attack is weak or the analysis loose: a lower bound is never a proof
of privacy.

Introduced in notebook 06.

References
----------
.. [JUO20] M. Jagielski, J. Ullman, A. Oprea. Auditing differentially private
   machine learning: how private is private SGD? NeurIPS 2020.
.. [CP34] C. J. Clopper, E. S. Pearson. The use of confidence or fiducial
   limits illustrated in the case of the binomial. Biometrika 1934.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from .._validation import (check_array, check_confidence, check_delta_or_zero, check_integer,
                           check_probability, fail)

__all__ = ["clopper_pearson", "empirical_epsilon", "AuditResult", "audit_epsilon_lower_bound"]


def _check_counts(value: Any, name: str, fix: str) -> np.ndarray:
    """Whole, non-negative counts (an int or an array of ints; never bools or floats)."""
    rule = "whole counts >= 0"
    try:
        arr = np.asarray(value)
    except Exception:  # ragged input
        raise fail(name, rule, value, fix, kind=TypeError) from None
    if arr.dtype.kind not in "iu":
        raise fail(name, rule, value, fix, kind=TypeError)
    if np.any(arr < 0):
        raise fail(name, rule, value if arr.ndim == 0 else arr, fix)
    return arr


def clopper_pearson(k: Any, n: Any, confidence: float = 0.95) -> tuple[Any, Any]:
    """Exact two-sided Clopper-Pearson interval for a binomial proportion ``k / n``.

    ``lo = Beta(alpha/2; k, n - k + 1)`` and ``hi = Beta(1 - alpha/2; k + 1, n - k)``
    quantiles, with ``alpha = 1 - confidence`` (``lo = 0`` when ``k = 0`` and
    ``hi = 1`` when ``k = n``). Each end alone holds with probability at least
    ``1 - alpha/2``. ``k`` and ``n`` may be arrays (broadcast).

    Examples
    --------
    >>> lo, hi = clopper_pearson(7, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.3475, 0.9333)
    """
    confidence = check_confidence(confidence)
    k = _check_counts(k, "k", "Pass numbers of successes out of n trials, e.g. k=7.")
    n = _check_counts(n, "n", "Pass numbers of trials, e.g. n=10.")
    try:
        np.broadcast_shapes(k.shape, n.shape)
    except ValueError:
        raise fail("n", f"broadcastable with `k` (shape {k.shape})", n,
                   "Pass one n, or one per k.", show=f"an array of shape {n.shape}") from None
    if np.any(k > n):
        raise fail("k", "whole counts with 0 <= k <= n", k.item() if k.ndim == 0 else k,
                   "Pass numbers of successes out of n trials (at most n"
                   + (f" = {n.item()})." if n.ndim == 0 else ")."))
    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(k == 0, 0.0, special.betaincinv(k, n - k + 1, alpha / 2))
        hi = np.where(k == n, 1.0, special.betaincinv(k + 1, n - k, 1 - alpha / 2))
    return (float(lo), float(hi)) if lo.ndim == 0 else (lo, hi)


def _epsilon_bound(tp, fp, tn, fn, delta: float, confidence: float) -> np.ndarray:
    """The formula, for arrays of counts (no checks)."""
    tpr_lo, tpr_hi = clopper_pearson(tp, tp + fn, confidence)
    fpr_lo, fpr_hi = clopper_pearson(fp, fp + tn, confidence)
    # on the same event: TNR_lo = 1 - FPR_hi, FNR_hi = 1 - TPR_lo
    with np.errstate(divide="ignore", invalid="ignore"):
        eps_1 = np.log(np.maximum(tpr_lo - delta, 0.0) / fpr_hi)
        eps_2 = np.log(np.maximum((1 - fpr_hi) - delta, 0.0) / (1 - tpr_lo))
    eps = np.fmax(eps_1, eps_2)
    return np.maximum(np.nan_to_num(eps, nan=0.0, neginf=0.0), 0.0)


def empirical_epsilon(tp: int, fp: int, tn: int, fn: int, *, delta: float = 0.0,
                      confidence: float = 0.95) -> float:
    """Lower bound on epsilon from the counts of one audit game (Jagielski et al. 2020).

    Parameters
    ----------
    tp, fn : int
        Trials where the canary was IN and the attack said IN (tp) or OUT (fn).
    fp, tn : int
        Trials where the canary was OUT and the attack said IN (fp) or OUT (tn).
    delta : float, default 0
        The delta of the guarantee being audited.
    confidence : float, default 0.95
        The bound holds with at least this probability (both Clopper-Pearson
        intervals at this level; their failures are at most ``1 - confidence``
        together).

    Returns
    -------
    float
        ``max(log((TPR_lo - delta) / FPR_hi), log((TNR_lo - delta) / FNR_hi), 0)``.

    Examples
    --------
    >>> round(empirical_epsilon(tp=900, fp=100, tn=900, fn=100), 3)
    1.99
    >>> empirical_epsilon(tp=50, fp=50, tn=50, fn=50)
    0.0
    """
    counts = [check_integer(v, name, minimum=0, fix="Pass a number of audit trials.")
              for v, name in ((tp, "tp"), (fp, "fp"), (tn, "tn"), (fn, "fn"))]
    if counts[0] + counts[3] == 0:
        raise fail("tp", "part of at least one IN trial (tp + fn >= 1)", tp,
                   "Run the game with the canary IN at least once.")
    if counts[1] + counts[2] == 0:
        raise fail("fp", "part of at least one OUT trial (fp + tn >= 1)", fp,
                   "Run the game with the canary OUT at least once.")
    delta = check_delta_or_zero(delta)
    confidence = check_confidence(confidence)
    return float(_epsilon_bound(*counts, delta, confidence))


@dataclass(frozen=True)
class AuditResult:
    """Outcome of :func:`audit_epsilon_lower_bound`.

    Attributes
    ----------
    epsilon : float
        Lower bound on epsilon, valid with probability ``confidence``.
    threshold : float
        "IN" means ``score >= threshold``; chosen on the selection part.
    tp, fp, tn, fn : int
        Counts on the evaluation part at that threshold.
    delta, confidence : float
        As passed.
    """

    epsilon: float
    threshold: float
    tp: int
    fp: int
    tn: int
    fn: int
    delta: float
    confidence: float


def audit_epsilon_lower_bound(scores_in: Any, scores_out: Any, *, delta: float = 0.0,
                              confidence: float = 0.95,
                              selection_fraction: float = 0.5) -> AuditResult:
    """Epsilon lower bound from attack scores of IN and OUT audit trials, at the best threshold.

    Choosing the threshold that maximises the bound *on the same data* makes
    the bound optimistic (many looks at the data, one reported). So the
    first ``selection_fraction`` of each array chooses the threshold, and the
    rest, unseen, gives the counts for :func:`empirical_epsilon`. Pass the
    scores in the order the trials were run (not sorted). With
    ``selection_fraction=0`` the same data do both (biased; for a quick look).

    Parameters
    ----------
    scores_in, scores_out : array-like of shape (n_in,), (n_out,)
        The attack's score in each trial with the canary IN, and OUT.
    delta : float, default 0
    confidence : float, default 0.95
    selection_fraction : float in [0, 1), default 0.5

    Returns
    -------
    AuditResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> res = audit_epsilon_lower_bound(rng.normal(2, 1, 2000), rng.normal(0, 1, 2000))
    >>> 0 < res.epsilon < 4, res.tp + res.fn, res.fp + res.tn
    (True, 1000, 1000)
    """
    s_in = check_array(scores_in, "scores_in", ndim=1)
    s_out = check_array(scores_out, "scores_out", ndim=1)
    delta = check_delta_or_zero(delta)
    confidence = check_confidence(confidence)
    frac = check_probability(selection_fraction, "selection_fraction", low_open=False,
                             fix="Pass e.g. selection_fraction=0.5.")
    k_in, k_out = int(frac * s_in.size), int(frac * s_out.size)
    if frac > 0 and (k_in == 0 or k_out == 0 or k_in == s_in.size or k_out == s_out.size):
        raise fail("selection_fraction", "a split leaving trials on both sides", frac,
                   "Run more trials or pass e.g. selection_fraction=0.5.")
    sel_in, sel_out = (s_in[:k_in], s_out[:k_out]) if frac > 0 else (s_in, s_out)
    ev_in, ev_out = (s_in[k_in:], s_out[k_out:]) if frac > 0 else (s_in, s_out)

    thresholds = np.unique(np.concatenate([sel_in, sel_out]))
    tp, fp, tn, fn = _counts(sel_in, sel_out, thresholds)
    best = thresholds[int(np.argmax(_epsilon_bound(tp, fp, tn, fn, delta, confidence)))]
    tp, fp, tn, fn = (int(c[0]) for c in _counts(ev_in, ev_out, np.array([best])))
    eps = float(_epsilon_bound(tp, fp, tn, fn, delta, confidence))
    return AuditResult(epsilon=eps, threshold=float(best), tp=tp, fp=fp, tn=tn, fn=fn,
                       delta=delta, confidence=confidence)


def _counts(s_in: np.ndarray, s_out: np.ndarray, thresholds: np.ndarray):
    """Confusion counts when "IN" means ``score >= threshold``, for each threshold."""
    tp = s_in.size - np.searchsorted(np.sort(s_in), thresholds, side="left")
    fp = s_out.size - np.searchsorted(np.sort(s_out), thresholds, side="left")
    return tp, fp, s_out.size - fp, s_in.size - tp
