r"""What a membership attacker learns at each epsilon: notebook 06's explorer.

This is the *compute* layer of a visual (see DESIGN.md, "Every visual has three
layers"): :func:`membership_experiment` is pure and seeded and returns a frozen
record that :func:`ppml_lab.viz.attacks.plot_membership` draws. Nothing here
imports matplotlib or ipywidgets.

**The game.** ``n_models`` times, ``n_train`` examples (the *members*) are drawn
from a data set's training part (stratified by class) and two models are
trained on them: a non-private logistic regression with weak regularisation
(it overfits) and a :class:`~ppml_lab.dp.DPLogisticRegression` at ``epsilon``.
The loss-threshold attack (:func:`~ppml_lab.attacks.loss_threshold_attack`)
then scores the members and every other training example (the
*non-members*, never seen by the model). Scores of all models are pooled into
one ROC curve. Test accuracy is measured on the separate test part.

**What DP promises.** A member is swapped for a non-member from the same
distribution, so the game is about *replace-one* neighbours, and the DP model
is trained with ``neighbouring="replace_one"``: its (epsilon, delta) covers
exactly this game. Then every attack, at every threshold, obeys

.. math:: \mathrm{TPR} \le e^\varepsilon \mathrm{FPR} + \delta, \qquad
          1 - \mathrm{TPR} \ge e^{-\varepsilon} (1 - \delta - \mathrm{FPR}),

(:func:`roc_ceiling`), so its advantage TPR - FPR is at most
:math:`(e^\varepsilon - 1 + 2\delta) / (e^\varepsilon + 1)` (:func:`advantage_bound`).

**Empirical epsilon.** :func:`~ppml_lab.attacks.audit_epsilon_lower_bound`
turns the pooled scores into a lower bound on epsilon (Clopper-Pearson,
threshold chosen on half of the trials). Two honest caveats: it is a *lower*
bound, far below the true epsilon for a weak attack like this one, and never a
proof of privacy; and here the trials share models (all members of one model are
scored together), while Clopper-Pearson assumes independent trials, so its
confidence is nominal. A rigorous audit trains one model per trial (Jagielski
et al. 2020).

**Speed.** The scores for one (data, ``n_train``, ``n_models``, epsilon,
delta, seed) are cached, and the subsets and the models' noise come from the
seed alone (common random numbers): moving epsilon changes only the noise
scale. The curves over ``epsilons`` reuse the cache, so the explorer computes
them once; on digits with the defaults, one new epsilon costs about 20-200 ms
(the noise calibration dominates).

Introduced in notebook 06.

References
----------
.. [YGFJ18] S. Yeom, I. Giacomelli, M. Fredrikson, S. Jha. Privacy risk in machine
   learning: analyzing the connection to overfitting. CSF 2018.
.. [KOV15] P. Kairouz, S. Oh, P. Viswanath. The composition theorem for differential
   privacy. ICML 2015. (The (epsilon, delta) region of any test.)
.. [JUO20] M. Jagielski, J. Ullman, A. Oprea. Auditing differentially private machine
   learning: how private is private SGD? NeurIPS 2020.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from .._random import SeedLike, as_generator
from .._validation import (check_array, check_choice, check_confidence, check_delta,
                           check_epsilon, check_grid, check_integer, check_probability, fail)
from ..datasets import load_classification
from ..dp import DPLogisticRegression
from ..dp.experiments import _frozen, _Record
from .audit import audit_epsilon_lower_bound
from .membership import loss_threshold_attack
from .metrics import (RocCurve, advantage_noise_floor, auc, membership_advantage, roc_curve,
                      tpr_at_fpr)

__all__ = ["MEMBERSHIP_EPSILONS", "MembershipResult", "membership_experiment", "advantage_bound",
           "roc_ceiling"]

#: Epsilons of the curves and of the explorer's slider: 21 points from 0.1 to 10, log-spaced.
MEMBERSHIP_EPSILONS: np.ndarray = _frozen(np.round(10.0 ** np.linspace(-1.0, 1.0, 21), 10))

_DATA = ("digits", "breast_cancer", "synthetic")
_BASELINE_C = 100.0  # weak regularisation on unit-norm rows: the non-private model overfits


def advantage_bound(epsilon: float, delta: float = 0.0) -> float:
    r"""Largest membership advantage (TPR - FPR) an (epsilon, delta)-DP model allows.

    :math:`(e^\varepsilon - 1 + 2\delta) / (e^\varepsilon + 1)`, the largest gap
    between :func:`roc_ceiling` and the diagonal. For pure DP, ``tanh(epsilon / 2)``.

    Examples
    --------
    >>> round(advantage_bound(1.0), 4)
    0.4621
    >>> round(advantage_bound(0.1, 1e-5), 4)
    0.05
    """
    epsilon = check_epsilon(epsilon)
    delta = check_probability(delta, "delta", low_open=False, fix="Pass e.g. delta=1e-5.")
    # = (e^eps - 1 + 2 delta) / (e^eps + 1), divided through by e^eps: no overflow at any epsilon
    shrink = math.exp(-epsilon)
    return float((-math.expm1(-epsilon) + 2 * delta * shrink) / (1 + shrink))


def roc_ceiling(fpr: Any, epsilon: float, delta: float = 0.0) -> np.ndarray:
    r"""Highest TPR any attack can reach at false-positive rate ``fpr`` against (epsilon, delta)-DP.

    :math:`\min(1,\; e^\varepsilon \mathrm{FPR} + \delta,\;
    1 - e^{-\varepsilon}(1 - \delta - \mathrm{FPR}))`: the two hypothesis-testing
    inequalities of differential privacy (Kairouz et al. 2015).

    Parameters
    ----------
    fpr : float or array-like of float
        False-positive rates, each in [0, 1].
    epsilon : float
        Privacy parameter, > 0 (any finite value).
    delta : float, default 0
        In [0, 1).

    Returns
    -------
    numpy.ndarray
        The ceiling at each ``fpr``, of the same shape.

    Examples
    --------
    >>> roc_ceiling([0.0, 0.01, 0.5, 1.0], epsilon=1.0).round(4).tolist()
    [0.0, 0.0272, 0.8161, 1.0]
    """
    fix = "Pass false-positive rates between 0 and 1, e.g. fpr=np.linspace(0, 1, 101)."
    f = check_array(fpr, "fpr", allow_empty=True, fix=fix)
    if np.any((f < 0) | (f > 1)):
        raise fail("fpr", "false-positive rates in [0, 1]", f, fix)
    epsilon = check_epsilon(epsilon)
    delta = check_probability(delta, "delta", low_open=False, fix="Pass e.g. delta=1e-5.")
    with np.errstate(over="ignore", invalid="ignore"):  # e^eps may be inf: then fpr > 0 gives 1
        above = np.where(f > 0, np.exp(epsilon) * f, 0.0) + delta
    return np.minimum.reduce([np.ones_like(f), above,
                              1.0 - math.exp(-epsilon) * (1.0 - delta - f)])


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class MembershipResult(_Record):
    """The loss-threshold attack against a DP and a non-private model (see membership_experiment).

    Attributes
    ----------
    epsilon, delta : float
        The DP model's guarantee (replace-one neighbours).
    data_name : str
    n_train, n_models : int
        Members per model; models trained (scores pooled).
    low_fpr, confidence : float
        Where TPR is read; confidence of the empirical epsilon.
    auc, advantage, tpr_at_low_fpr, empirical_epsilon, accuracy : float
        The attack against the DP model, and that model's median test accuracy.
    baseline_auc, baseline_advantage, baseline_tpr_at_low_fpr : float
    baseline_empirical_epsilon, baseline_accuracy : float
        The same for the non-private model.
    advantage_bound : float
        The most advantage (epsilon, delta)-DP allows (:func:`advantage_bound`).
    advantage_floor : float
        The advantage an uninformed attack reaches by chance on these pooled
        scores, 95% quantile (:func:`~ppml_lab.attacks.advantage_noise_floor`):
        a measured advantage below it is indistinguishable from guessing.
    roc, baseline_roc : RocCurve
        The pooled ROC curves.
    epsilons, advantage_curve, empirical_epsilon_curve, accuracy_curve : numpy.ndarray
        The DP model's figures along the epsilon grid.
    """

    epsilon: float
    delta: float
    data_name: str
    n_train: int
    n_models: int
    low_fpr: float
    confidence: float
    auc: float
    advantage: float
    tpr_at_low_fpr: float
    empirical_epsilon: float
    accuracy: float
    baseline_auc: float
    baseline_advantage: float
    baseline_tpr_at_low_fpr: float
    baseline_empirical_epsilon: float
    baseline_accuracy: float
    advantage_bound: float
    advantage_floor: float
    roc: RocCurve = dataclasses.field(repr=False)
    baseline_roc: RocCurve = dataclasses.field(repr=False)
    epsilons: np.ndarray = dataclasses.field(repr=False)
    advantage_curve: np.ndarray = dataclasses.field(repr=False)
    empirical_epsilon_curve: np.ndarray = dataclasses.field(repr=False)
    accuracy_curve: np.ndarray = dataclasses.field(repr=False)

    def roc_ceiling(self, fpr: Any) -> np.ndarray:
        """The highest TPR the guarantee allows at each ``fpr`` (:func:`roc_ceiling`)."""
        return roc_ceiling(fpr, self.epsilon, self.delta)

    def summary(self) -> str:
        """A few plain-words sentences about this result."""
        return (f"Without privacy the attack reaches an AUC of {self.baseline_auc:.2f} and an "
                f"advantage of {self.baseline_advantage:.2f} (test accuracy "
                f"{self.baseline_accuracy:.2f}). Against the model trained at epsilon = "
                f"{self.epsilon:.2f} it reaches an AUC of {self.auc:.2f} and an advantage of "
                f"{self.advantage:.2f}, where the guarantee allows at most "
                f"{self.advantage_bound:.2f} (test accuracy {self.accuracy:.2f}). The audit "
                f"proves epsilon >= {self.empirical_epsilon:.2f} for the DP model (a lower bound: "
                f"the guarantee says epsilon <= {self.epsilon:.2f}) and >= "
                f"{self.baseline_empirical_epsilon:.2f} for the non-private one.")


@functools.lru_cache(maxsize=8)
def _splits(data_name: str, n_train: int, n_models: int, seed: int) -> tuple:
    """Member indices of each model and the seeds of the DP models' noise (the common numbers)."""
    data = load_classification(data_name)
    gens = np.random.default_rng(seed).spawn(n_models)
    members, noise_seeds = [], []
    for gen in gens:
        idx, _ = train_test_split(np.arange(len(data.y_train)), train_size=n_train,
                                  stratify=data.y_train,
                                  random_state=int(gen.integers(2**31 - 1)))
        members.append(np.sort(idx))
        noise_seeds.append(int(gen.integers(2**63 - 1)))
    return data, tuple(members), tuple(noise_seeds)


@functools.lru_cache(maxsize=512)
def _scores(data_name: str, n_train: int, n_models: int, epsilon: float | None, delta: float,
            seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Pooled member and non-member scores, median test accuracy (``epsilon=None``: no DP)."""
    data, members, noise_seeds = _splits(data_name, n_train, n_models, seed)
    s_in, s_out, acc = [], [], []
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for idx, noise_seed in zip(members, noise_seeds):
            out = np.ones(len(data.y_train), dtype=bool)
            out[idx] = False
            if epsilon is None:
                model = LogisticRegression(C=_BASELINE_C, max_iter=5000)
            else:
                model = DPLogisticRegression(epsilon, delta, neighbouring="replace_one",
                                             rng=noise_seed)
            model.fit(data.X_train[idx], data.y_train[idx])
            s_in.append(loss_threshold_attack(model, data.X_train[idx], data.y_train[idx]))
            s_out.append(loss_threshold_attack(model, data.X_train[out], data.y_train[out]))
            acc.append(model.score(data.X_test, data.y_test))
    return (_frozen(np.concatenate(s_in)), _frozen(np.concatenate(s_out)),
            float(np.median(acc)))


def _key(epsilon: float) -> float:
    return float(f"{epsilon:.10g}")  # slider values from a browser may differ in the last bits


@functools.lru_cache(maxsize=512)
def _point(data_name: str, n_train: int, n_models: int, epsilon: float | None, delta: float,
           seed: int, low_fpr: float, confidence: float) -> tuple:
    """ROC curve, AUC, advantage, TPR at ``low_fpr``, empirical epsilon and accuracy (cached)."""
    s_in, s_out, accuracy = _scores(data_name, n_train, n_models, epsilon, delta, seed)
    scores = np.concatenate([s_in, s_out])
    labels = np.concatenate([np.ones(s_in.size), np.zeros(s_out.size)])
    eps = audit_epsilon_lower_bound(s_in, s_out, delta=delta, confidence=confidence).epsilon
    return (roc_curve(scores, labels), auc(scores, labels), membership_advantage(scores, labels),
            tpr_at_fpr(scores, labels, low_fpr), eps, accuracy)


def membership_experiment(epsilon: float, *, data_name: str = "digits", n_train: int = 100,
                          n_models: int = 4, delta: float = 1e-5, low_fpr: float = 0.001,
                          confidence: float = 0.95, epsilons: Any = None,
                          rng: SeedLike = None) -> MembershipResult:
    r"""Attack a DP and a non-private model trained on the same members; compare with the guarantee.

    See the module docstring for the game, the guarantee and the caveats.

    Parameters
    ----------
    epsilon : float
        The DP model's epsilon, > 0.
    data_name : {"digits", "breast_cancer", "synthetic"}, default "digits"
        Data set of :func:`ppml_lab.datasets.load_classification`. Digits (64
        features, 10 classes) on 100 examples overfits the most: the attack works.
    n_train : int, default 100
        Members per model: few, so that the non-private model overfits.
    n_models : int, default 4
        Models trained (each on its own members); their scores are pooled.
    delta : float, default 1e-5
    low_fpr : float, default 0.001
        False-positive rate at which TPR is reported (Carlini et al.'s figure).
    confidence : float, default 0.95
        Of the empirical epsilon's Clopper-Pearson intervals.
    epsilons : array-like, optional
        Grid of the curves; default :data:`MEMBERSHIP_EPSILONS` (21 points).
    rng : None, int or numpy.random.Generator
        Seeds the member subsets and the DP noise (the same at every epsilon).

    Returns
    -------
    MembershipResult

    Examples
    --------
    >>> r = membership_experiment(1.0, epsilons=[0.1, 1.0, 10.0], rng=0)
    >>> r.baseline_advantage > 0.25, r.advantage < r.advantage_bound
    (True, True)
    >>> r.empirical_epsilon <= r.epsilon, round(r.advantage_bound, 4)
    (True, 0.4621)
    """
    epsilon = check_epsilon(epsilon)
    data_name = check_choice(data_name, "data_name", _DATA, fix="Pass e.g. data_name='digits'.")
    size = len(load_classification(data_name).y_train)
    n_train = check_integer(n_train, "n_train", minimum=20, maximum=size // 2,
                            fix="Pass e.g. n_train=100.")
    n_models = check_integer(n_models, "n_models", minimum=1, maximum=64,
                             fix="Pass e.g. n_models=4.")
    delta = check_delta(delta)
    low_fpr = check_probability(low_fpr, "low_fpr", fix="Pass e.g. low_fpr=0.001.")
    confidence = check_confidence(confidence)
    grid = MEMBERSHIP_EPSILONS if epsilons is None else _frozen(check_grid(epsilons, "epsilons"))
    seed = int(as_generator(rng).integers(2**63 - 1))

    def point(eps: float | None) -> tuple:
        return _point(data_name, n_train, n_models, None if eps is None else _key(eps), delta,
                      seed, low_fpr, confidence)

    b_roc, b_auc, b_adv, b_tpr, b_eps, b_acc = point(None)
    roc, d_auc, d_adv, d_tpr, d_eps, d_acc = point(epsilon)
    curves = [[point(float(eps))[i] for i in (2, 4, 5)] for eps in grid]  # adv, emp eps, acc
    adv_curve, emp_curve, acc_curve = (_frozen(c) for c in zip(*curves))
    return MembershipResult(
        epsilon=epsilon, delta=delta, data_name=data_name, n_train=n_train, n_models=n_models,
        low_fpr=low_fpr, confidence=confidence, auc=d_auc, advantage=d_adv,
        tpr_at_low_fpr=d_tpr, empirical_epsilon=d_eps, accuracy=d_acc, baseline_auc=b_auc,
        baseline_advantage=b_adv, baseline_tpr_at_low_fpr=b_tpr,
        baseline_empirical_epsilon=b_eps, baseline_accuracy=b_acc,
        advantage_bound=advantage_bound(epsilon, delta),
        advantage_floor=advantage_noise_floor(n_models * n_train, n_models * (size - n_train)),
        roc=roc, baseline_roc=b_roc,
        epsilons=grid, advantage_curve=adv_curve, empirical_epsilon_curve=emp_curve,
        accuracy_curve=acc_curve)
