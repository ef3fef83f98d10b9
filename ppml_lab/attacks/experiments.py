r"""What a membership attacker learns at each epsilon: notebook 06's explorer.

This is the *compute* layer of a visual (see DESIGN.md, "Every visual has three
layers"): :func:`membership_experiment` is pure and seeded and returns a frozen
record that :func:`ppml_lab.viz.attacks.plot_membership` draws. Nothing here
imports matplotlib or ipywidgets.

**The game.** ``n_models`` times, ``n_train`` examples (the *members*) are drawn
from a data set's training part (stratified by class) and three models are
trained on them:

* the **DP model**, a :class:`~ppml_lab.dp.DPLogisticRegression` at ``epsilon``
  with its defaults;
* the **same model without DP**: a logistic regression with the same L2 penalty
  (``l2 = 1e-3`` on the mean loss, i.e. scikit-learn's ``C = 1 / (n_train * l2)``),
  trained exactly. The DP model's accuracy is judged against it;
* an **overfit model**: a random forest with scikit-learn's defaults (100 trees
  grown until their leaves are pure), which memorises its members. It shows
  what the attack finds when a model leaks.

The loss-threshold attack (:func:`~ppml_lab.attacks.loss_threshold_attack`)
then scores the members and every other training example (the *non-members*,
never seen by the model). Scores of all models of one kind are pooled into one
ROC curve. Test accuracy (the median over the models) is measured on the
separate test part.

**Useful and safe at once.** With the defaults (the synthetic data set, 1,750
members per model, about 80 per feature), the DP model at epsilon 1 to 4 is
within about a point of the same model without DP, while the attack's
advantage against it stays within what the guarantee allows (and near
chance). On 100 examples (``n_train=100``) DP models are nearly useless, and an
attack that fails against them proves little: the experiment is built so that
the DP model is worth attacking.

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

**Speed.** The scores for one (data, ``n_train``, ``n_models``, model, epsilon,
delta, seed) are cached, and the subsets, the models' noise and the forests'
seeds come from the seed alone (common random numbers): moving epsilon changes
only the DP model's noise scale, and the two non-private models are trained
once. The curves over ``epsilons`` reuse the cache, so the explorer computes
them once (about 3 s with the defaults on 2 cores); after that, a move is a look-up.

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
from sklearn.ensemble import RandomForestClassifier
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

_DATA = ("synthetic", "breast_cancer", "digits")
_L2 = 1e-3  # DPLogisticRegression's default penalty on the mean loss, for the model without DP
_MODELS = ("dp", "non_private", "overfit")


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
    """The loss-threshold attack against a DP, a non-private and an overfit model.

    See :func:`membership_experiment`. The three models are trained on the
    same members.

    Attributes
    ----------
    epsilon, delta : float
        The DP model's guarantee (replace-one neighbours).
    data_name : str
    n_train, n_models : int
        Members per model; models of each kind trained (scores pooled).
    low_fpr, confidence : float
        Where TPR is read; confidence of the empirical epsilon.
    auc, advantage, tpr_at_low_fpr, empirical_epsilon, accuracy : float
        The attack against the DP model, and that model's median test accuracy.
    non_private_auc, non_private_advantage, non_private_accuracy : float
        The same for the same logistic regression trained without DP: the
        accuracy the DP model is judged against.
    overfit_auc, overfit_advantage, overfit_tpr_at_low_fpr : float
    overfit_empirical_epsilon, overfit_accuracy : float
        The same for a random forest trained without DP, which memorises its
        members: what the attack finds when a model leaks.
    advantage_bound : float
        The most advantage (epsilon, delta)-DP allows (:func:`advantage_bound`).
    advantage_floor : float
        The advantage an uninformed attack reaches by chance on these pooled
        scores, 95% quantile (:func:`~ppml_lab.attacks.advantage_noise_floor`):
        a measured advantage below it is indistinguishable from guessing.
    roc, non_private_roc, overfit_roc : RocCurve
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
    non_private_auc: float
    non_private_advantage: float
    non_private_accuracy: float
    overfit_auc: float
    overfit_advantage: float
    overfit_tpr_at_low_fpr: float
    overfit_empirical_epsilon: float
    overfit_accuracy: float
    advantage_bound: float
    advantage_floor: float
    roc: RocCurve = dataclasses.field(repr=False)
    non_private_roc: RocCurve = dataclasses.field(repr=False)
    overfit_roc: RocCurve = dataclasses.field(repr=False)
    epsilons: np.ndarray = dataclasses.field(repr=False)
    advantage_curve: np.ndarray = dataclasses.field(repr=False)
    empirical_epsilon_curve: np.ndarray = dataclasses.field(repr=False)
    accuracy_curve: np.ndarray = dataclasses.field(repr=False)

    def roc_ceiling(self, fpr: Any) -> np.ndarray:
        """The highest TPR the guarantee allows at each ``fpr`` (:func:`roc_ceiling`)."""
        return roc_ceiling(fpr, self.epsilon, self.delta)

    def summary(self) -> str:
        """A few plain-words sentences about this result: is the DP model useful, and safe?"""
        return (f"At epsilon = {self.epsilon:.2f} the DP model's test accuracy is "
                f"{self.accuracy:.3f}, against {self.non_private_accuracy:.3f} for the same model "
                f"without DP, and the attack's advantage against it is {self.advantage:.3f}, "
                f"where the guarantee allows at most {self.advantage_bound:.3f} (chance alone "
                f"reaches {self.advantage_floor:.3f}). Without DP the same model gives the attack "
                f"{self.non_private_advantage:.3f}, and a random forest that memorises its "
                f"members (test accuracy {self.overfit_accuracy:.3f}) gives it "
                f"{self.overfit_advantage:.3f}. The audit proves epsilon >= "
                f"{self.empirical_epsilon:.2f} for the DP model (a lower bound: the guarantee "
                f"says epsilon <= {self.epsilon:.2f}) and >= {self.overfit_empirical_epsilon:.2f} "
                f"for the forest.")


@functools.lru_cache(maxsize=8)
def _splits(data_name: str, n_train: int, n_models: int, seed: int) -> tuple:
    """Member indices of each model and the seeds of its models (the common random numbers)."""
    data = load_classification(data_name)
    gens = np.random.default_rng(seed).spawn(n_models)
    members, model_seeds = [], []
    for gen in gens:
        idx, _ = train_test_split(np.arange(len(data.y_train)), train_size=n_train,
                                  stratify=data.y_train,
                                  random_state=int(gen.integers(2**31 - 1)))
        members.append(np.sort(idx))
        model_seeds.append(int(gen.integers(2**31 - 1)))  # the DP noise and the forest's trees
    return data, tuple(members), tuple(model_seeds)


def _model(kind: str, epsilon: float | None, delta: float, n_train: int, seed: int) -> Any:
    if kind == "dp":
        return DPLogisticRegression(epsilon, delta, neighbouring="replace_one", rng=seed)
    if kind == "non_private":  # the same loss and penalty, l2 / 2 ||w||^2 on the mean loss
        return LogisticRegression(C=1.0 / (n_train * _L2), max_iter=5000)
    return RandomForestClassifier(random_state=seed, n_jobs=1)  # defaults: pure leaves


@functools.lru_cache(maxsize=512)
def _scores(data_name: str, n_train: int, n_models: int, kind: str, epsilon: float | None,
            delta: float, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Pooled member and non-member scores, median test accuracy of the ``kind`` models."""
    data, members, model_seeds = _splits(data_name, n_train, n_models, seed)
    s_in, s_out, acc = [], [], []
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for idx, model_seed in zip(members, model_seeds):
            out = np.ones(len(data.y_train), dtype=bool)
            out[idx] = False
            model = _model(kind, epsilon, delta, n_train, model_seed)
            model.fit(data.X_train[idx], data.y_train[idx])
            s_in.append(loss_threshold_attack(model, data.X_train[idx], data.y_train[idx]))
            s_out.append(loss_threshold_attack(model, data.X_train[out], data.y_train[out]))
            acc.append(model.score(data.X_test, data.y_test))
    return (_frozen(np.concatenate(s_in)), _frozen(np.concatenate(s_out)),
            float(np.median(acc)))


def _key(epsilon: float) -> float:
    return float(f"{epsilon:.10g}")  # slider values from a browser may differ in the last bits


def _on_grid(epsilon: float, grid: np.ndarray) -> float:
    """The grid's own value when ``epsilon`` is one of its points up to rounding, else ``epsilon``.

    A log slider's 10 ** 0.4 and the grid's rounded 2.5118864315 can differ in the
    tenth digit, so ``_key`` alone would miss the cache and retrain the models.
    """
    near = np.flatnonzero(np.isclose(grid, epsilon, rtol=1e-9, atol=0.0))
    return float(grid[near[0]]) if near.size else epsilon


@functools.lru_cache(maxsize=512)
def _point(data_name: str, n_train: int, n_models: int, kind: str, epsilon: float | None,
           delta: float, seed: int, low_fpr: float, confidence: float) -> tuple:
    """ROC curve, AUC, advantage, TPR at ``low_fpr``, empirical epsilon and accuracy (cached)."""
    s_in, s_out, accuracy = _scores(data_name, n_train, n_models, kind, epsilon, delta, seed)
    scores = np.concatenate([s_in, s_out])
    labels = np.concatenate([np.ones(s_in.size), np.zeros(s_out.size)])
    eps = audit_epsilon_lower_bound(s_in, s_out, delta=delta, confidence=confidence).epsilon
    return (roc_curve(scores, labels), auc(scores, labels), membership_advantage(scores, labels),
            tpr_at_fpr(scores, labels, low_fpr), eps, accuracy)


def membership_experiment(epsilon: float, *, data_name: str = "synthetic",
                          n_train: int | None = None,
                          n_models: int = 4, delta: float = 1e-5, low_fpr: float = 0.001,
                          confidence: float = 0.95, epsilons: Any = None,
                          rng: SeedLike = None) -> MembershipResult:
    r"""Attack a DP, a non-private and an overfit model trained on the same members.

    See the module docstring for the game, the guarantee and the caveats.

    Parameters
    ----------
    epsilon : float
        The DP model's epsilon, > 0.
    data_name : {"synthetic", "breast_cancer", "digits"}, default "synthetic"
        Data set of :func:`ppml_lab.datasets.load_classification`. The
        synthetic set (3,500 training rows, 20 features, two classes) leaves
        enough examples per parameter for a useful DP model.
    n_train : int, optional
        Members per model, from 20 to half the training part; by default half
        of it (1,750 of the synthetic set's 3,500 rows), so that each record is
        a member with probability one half, and DP training costs about a point
        of accuracy at epsilon 1 to 4. At 100, the DP model learns little.
    n_models : int, default 4
        Models of each kind trained (each on its own members); scores pooled.
    delta : float, default 1e-5
    low_fpr : float, default 0.001
        False-positive rate at which TPR is reported (Carlini et al.'s figure).
    confidence : float, default 0.95
        Of the empirical epsilon's Clopper-Pearson intervals.
    epsilons : array-like, optional
        Grid of the curves; default :data:`MEMBERSHIP_EPSILONS` (21 points).
    rng : None, int or numpy.random.Generator
        Seeds the member subsets, the DP noise (the same at every epsilon) and
        the forests.

    Returns
    -------
    MembershipResult

    Examples
    --------
    >>> r = membership_experiment(1.0, epsilons=[0.1, 1.0, 10.0], rng=0)
    >>> r.non_private_accuracy - r.accuracy < 0.02, r.advantage < r.advantage_bound
    (True, True)
    >>> r.overfit_advantage > 0.25, round(r.advantage_bound, 4)
    (True, 0.4621)
    """
    epsilon = check_epsilon(epsilon)
    data_name = check_choice(data_name, "data_name", _DATA,
                             fix="Pass e.g. data_name='synthetic'.")
    size = len(load_classification(data_name).y_train)
    n_train = size // 2 if n_train is None else check_integer(
        n_train, "n_train", minimum=20, maximum=size // 2,
        fix=f"Pass e.g. n_train={size // 2} (half of the {size} training rows), or None.")
    n_models = check_integer(n_models, "n_models", minimum=1, maximum=64,
                             fix="Pass e.g. n_models=4.")
    delta = check_delta(delta)
    low_fpr = check_probability(low_fpr, "low_fpr", fix="Pass e.g. low_fpr=0.001.")
    confidence = check_confidence(confidence)
    grid = MEMBERSHIP_EPSILONS if epsilons is None else _frozen(check_grid(epsilons, "epsilons"))
    seed = int(as_generator(rng).integers(2**63 - 1))

    def point(kind: str, eps: float | None = None) -> tuple:
        return _point(data_name, n_train, n_models, kind, None if eps is None else _key(eps),
                      delta, seed, low_fpr, confidence)

    p_roc, p_auc, p_adv, _, _, p_acc = point("non_private")
    o_roc, o_auc, o_adv, o_tpr, o_eps, o_acc = point("overfit")
    roc, d_auc, d_adv, d_tpr, d_eps, d_acc = point("dp", _on_grid(epsilon, grid))
    curves = [[point("dp", float(eps))[i] for i in (2, 4, 5)] for eps in grid]  # adv, eps, acc
    adv_curve, emp_curve, acc_curve = (_frozen(c) for c in zip(*curves))
    return MembershipResult(
        epsilon=epsilon, delta=delta, data_name=data_name, n_train=n_train, n_models=n_models,
        low_fpr=low_fpr, confidence=confidence, auc=d_auc, advantage=d_adv,
        tpr_at_low_fpr=d_tpr, empirical_epsilon=d_eps, accuracy=d_acc,
        non_private_auc=p_auc, non_private_advantage=p_adv, non_private_accuracy=p_acc,
        overfit_auc=o_auc, overfit_advantage=o_adv, overfit_tpr_at_low_fpr=o_tpr,
        overfit_empirical_epsilon=o_eps, overfit_accuracy=o_acc,
        advantage_bound=advantage_bound(epsilon, delta),
        advantage_floor=advantage_noise_floor(n_models * n_train, n_models * (size - n_train)),
        roc=roc, non_private_roc=p_roc, overfit_roc=o_roc,
        epsilons=grid, advantage_curve=adv_curve, empirical_epsilon_curve=emp_curve,
        accuracy_curve=acc_curve)
