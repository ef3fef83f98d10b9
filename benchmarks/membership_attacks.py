"""Membership attacks: speed and strength, and an audit of DPLogisticRegression (issue 4).

Part 1, attacks. Data: digits from ``ppml_lab.datasets.load_classification`` (train and test
parts pooled, 1797 rows of norm <= 1). For each of ``--targets`` target models: 400 random
candidate rows, a random half of them (200) are the members the target trains on; 100 other
rows are the attacker's population. Targets: a non-private scikit-learn
``LogisticRegression(C=1e4)`` (weak regularisation: it fits its 200 rows perfectly), and
``DPLogisticRegression(epsilon)`` with its defaults at epsilon 0.5, 1, 2, 8. Attacks: the
loss-threshold attack (Yeom et al. 2018) and online LiRA (Carlini et al. 2022,
``likelihood_ratio_attack``) with 16 and 64 shadow models, trained the same way as the target
on random halves of the 500-row pool (so on 250 rows). Scores of all targets are pooled:
AUC, TPR at 0.1 % FPR, membership advantage (max TPR - FPR; the DP bound is
``(e**eps - 1 + 2 delta) / (e**eps + 1)``), and seconds per attack on one target.

Part 2, audit (Jagielski et al. 2020). A canary with the largest possible influence: the unit
vector on pixel 0 of digits (a pixel that is 0 in every image, so nothing else moves that
weight), label 0. Train ``--trials`` models with the canary IN and as many OUT on 200 fixed
rows (add/remove: 200 rows + canary vs 200 rows; replace-one: row 0 replaced by the canary vs
not), score the canary by how much its direction raises its label's log-odds (two black-box
queries, the canary and the zero vector: see ``canary_score``), and turn the counts into a
lower bound on epsilon with 95 % confidence (``audit_epsilon_lower_bound``: half of the
trials choose the threshold, the other half count). The bound must never exceed the claimed
epsilon: if it does, the implementation is broken. The script then says so loudly; with
``--strict`` it also exits with status 1 (by default it goes on, so that ``make bench`` runs
every benchmark). "cap" is the largest bound these many trials can show (a perfect attack).
The non-private model is audited too, to show that the attack has power.

Part 3, worst-case audit (the construction of tests/dp/test_logistic.py, in the spirit of Nasr
et al. 2021): 50 rows that use only feature 2 (+-0.5, balanced labels), the canary (1, 0) with
label 1 alone on feature 1; gd with ``learning_rate=1e-3, max_iter=20`` keeps the weights near
0, so the canary's clipped gradient has the full norm at every step (what the accountant
assumes), and the score ``coef_[0, 0] + intercept_[0]`` collects its whole contribution. Ten
times ``--trials`` per side (the fits are tiny). This audit is close to tight at large epsilon:
it would catch a calibration error that the realistic audit of part 2 cannot see.

Run:  .venv/bin/python benchmarks/membership_attacks.py [--targets 4] [--trials 500]
                                                        [--epsilons 0.5 1 2 8] [--strict]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import sys
import time
import warnings
from importlib import metadata

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from ppml_lab.attacks import (audit_epsilon_lower_bound, auc, empirical_epsilon,
                              likelihood_ratio_attack, loss_threshold_attack,
                              membership_advantage, tpr_at_fpr)
from ppml_lab.datasets import load_classification
from ppml_lab.dp import DPLogisticRegression

DELTA = 1e-5
N_CANDIDATES, N_POPULATION, N_AUDIT = 400, 100, 200
SHADOWS = (16, 64)
CANARY_PIXEL, CANARY_LABEL = 0, 0


def nonprivate_factory():
    return LogisticRegression(C=1e4, max_iter=5000)


def dp_factory(epsilon, **params):
    def factory():
        return DPLogisticRegression(epsilon=epsilon, delta=DELTA, **params)
    factory.__name__ = f"DPLogisticRegression(epsilon={epsilon:g})"
    return factory


def digits_pool():
    d = load_classification("digits")
    return np.concatenate([d.X_train, d.X_test]), np.concatenate([d.y_train, d.y_test])


def attack_rows(X, y, factory, n_targets, seed):
    """[(attack, n_shadow, scores list, labels list, seconds list)] pooled over targets."""
    rng = np.random.default_rng(seed)
    out = {("loss threshold", 0): ([], [], [])}
    out.update({("LiRA online", k): ([], [], []) for k in SHADOWS})
    for t in range(n_targets):
        idx = rng.permutation(len(y))
        cand, pop = idx[:N_CANDIDATES], idx[N_CANDIDATES:N_CANDIDATES + N_POPULATION]
        member = np.zeros(N_CANDIDATES, dtype=int)
        member[rng.permutation(N_CANDIDATES)[:N_CANDIDATES // 2]] = 1
        model = factory()
        if "rng" in model.get_params():
            model.set_params(rng=int(rng.integers(2**31 - 1)))
        model.fit(X[cand][member == 1], y[cand][member == 1])
        t0 = time.perf_counter()
        scores = loss_threshold_attack(model, X[cand], y[cand])
        _add(out[("loss threshold", 0)], scores, member, time.perf_counter() - t0)
        for k in SHADOWS:
            t0 = time.perf_counter()
            scores = likelihood_ratio_attack(factory, X[cand], y[cand], X[pop], y[pop],
                                             model=model, n_shadow=k, online=True,
                                             rng=int(rng.integers(2**31 - 1)))
            _add(out[("LiRA online", k)], scores, member, time.perf_counter() - t0)
    return out


def _add(slot, scores, labels, seconds):
    slot[0].append(scores)
    slot[1].append(labels)
    slot[2].append(seconds)


def canary_scores(X_base, y_base, factory, trials, neighbouring, seed):
    """Loss-threshold score of the canary in ``trials`` models with it IN and ``trials`` OUT."""
    canary = np.zeros((1, X_base.shape[1]))
    canary[0, CANARY_PIXEL] = 1.0
    X_out, y_out = X_base, y_base
    if neighbouring == "add_remove":
        X_in = np.concatenate([X_base, canary])
        y_in = np.concatenate([y_base, [CANARY_LABEL]])
    else:  # replace_one: the first row replaced by the canary
        X_in, y_in = X_base.copy(), y_base.copy()
        X_in[0], y_in[0] = canary[0], CANARY_LABEL
    seeds = np.random.default_rng(seed).integers(2**31 - 1, size=2 * trials)
    s_in, s_out = np.empty(trials), np.empty(trials)
    for i in range(trials):
        for arr, (Xf, yf), s in ((s_in, (X_in, y_in), seeds[2 * i]),
                                 (s_out, (X_out, y_out), seeds[2 * i + 1])):
            model = factory()
            if "rng" in model.get_params():
                model.set_params(rng=int(s))
            model.fit(Xf, yf)
            arr[i] = canary_score(model, canary)
    return s_in, s_out


def canary_score(model, canary):
    """How much the canary's direction raises its label's log-odds against the other classes.

    Two black-box queries, the canary and the zero vector:
    ``[log p_c(canary) - log p_c(0)] - mean over k != c of [log p_k(canary) - log p_k(0)]``
    (the normaliser cancels; for a linear model this is the weights of the canary's pixel,
    ``W_c - mean_k W_k``, without the noise of the other weights and the intercepts). For two
    classes it is twice the change in the log-odds of the label.
    """
    logp = np.log(np.maximum(model.predict_proba(np.vstack([canary, np.zeros_like(canary)])),
                             np.finfo(float).tiny))
    diff = logp[0] - logp[1]
    c = int(np.searchsorted(model.classes_, CANARY_LABEL))
    return float(diff[c] - np.delete(diff, c).mean())


WORST_N, WORST_LR, WORST_STEPS = 50, 1e-3, 20


def worst_case_scores(factory, trials, neighbouring, seed):
    """Scores ``coef_[0, 0] + intercept_[0]`` of the worst-case audit (see part 3 of main)."""
    y = np.arange(WORST_N) % 2
    X = np.column_stack([np.zeros(WORST_N), np.where(y == 1, 0.5, -0.5)])
    canary = np.array([[1.0, 0.0]])
    if neighbouring == "add_remove":
        X_in, y_in = np.vstack([X, canary]), np.append(y, 1)
    else:  # replace_one: row 0 (label 0) replaced by the canary
        X_in, y_in = X.copy(), y.copy()
        X_in[0], y_in[0] = canary[0], 1
    seeds = np.random.default_rng(seed).integers(2**31 - 1, size=2 * trials)
    out = []
    for Xf, yf, part in ((X_in, y_in, seeds[:trials]), (X, y, seeds[trials:])):
        scores = np.empty(trials)
        for i, s in enumerate(part):
            model = factory().set_params(rng=int(s)).fit(Xf, yf)
            scores[i] = model.coef_[0, 0] + model.intercept_[0]
        out.append(scores)
    return out[0], out[1]


def run_audits(audits, scorer, n_eval):
    """Print one row per (label, factory, neighbouring, claimed eps, delta); return violations."""
    header = (f"{'model':<46}{'claimed eps':>12}{'delta':>8}{'emp. eps >=':>12}{'cap':>6}"
              f"{'TPR':>7}{'FPR':>7}{'seconds':>9}  verdict")
    print(header)
    print("-" * len(header))
    violations = []
    for label, factory, neigh, eps, delta in audits:
        t0 = time.perf_counter()
        with threadpool_limits(limits=1, user_api="blas"):
            s_in, s_out = scorer(factory, neigh)
        res = audit_epsilon_lower_bound(s_in, s_out, delta=delta, confidence=0.95)
        secs = time.perf_counter() - t0
        cap = empirical_epsilon(n_eval, 0, n_eval, 0, delta=delta)
        tpr, fpr = res.tp / (res.tp + res.fn), res.fp / (res.fp + res.tn)
        if eps is None:
            verdict = "no claim (shows the attack's power)"
        elif res.epsilon > eps:
            verdict = "!!! EXCEEDS THE CLAIMED EPSILON: BUG !!!"
            violations.append((label, eps, res))
        else:
            verdict = "ok (<= claimed)"
        claimed = "inf" if eps is None else f"{eps:g}"
        print(f"{label:<46}{claimed:>12}{delta:>8.0e}{res.epsilon:>12.3f}{cap:>6.2f}"
              f"{tpr:>7.3f}{fpr:>7.3f}{secs:>9.1f}  {verdict}", flush=True)
    print(f"\ncap = the bound of a perfect attack with {n_eval} + {n_eval} counted trials; "
          "emp. eps is a lower bound valid with 95 % confidence: above the claim means the "
          "implementation leaks more than it says.")
    return violations


def advantage_bound(eps, delta):
    return (np.expm1(eps) + 2 * delta) / (np.exp(eps) + 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=4,
                        help="target models per row, scores pooled (default 4: 800 non-members)")
    parser.add_argument("--trials", type=int, default=500,
                        help="audit trials with the canary IN, and as many OUT (default 500)")
    parser.add_argument("--epsilons", type=float, nargs="+", default=[0.5, 1.0, 2.0, 8.0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-attacks", action="store_true", help="run only the audit")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when an audit bound exceeds a claimed epsilon")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    t_start = time.perf_counter()
    X, y = digits_pool()
    print(f"membership attacks and audit on digits; ppml_lab {metadata.version('ppml-lab')}, "
          f"scikit-learn {metadata.version('scikit-learn')}, numpy {np.__version__}, "
          f"Python {platform.python_version()}, {os.cpu_count()} cores (shared), "
          f"{_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC")
    exit_code = 0

    if not args.skip_attacks:
        print(f"\n1. Attacks: {args.targets} target models x {N_CANDIDATES} candidates "
              f"({N_CANDIDATES // 2} members each, {args.targets * N_CANDIDATES // 2} "
              f"non-members pooled), population {N_POPULATION}; delta={DELTA:g}\n")
        header = (f"{'target':<24}{'attack':<16}{'shadows':>8}{'s/target':>10}{'AUC':>8}"
                  f"{'TPR@0.1%':>10}{'adv':>7}{'adv bound':>11}")
        print(header)
        print("-" * len(header))
        targets = [("non-private LR C=1e4", nonprivate_factory, None)]
        targets += [(f"DP-LR eps={e:g}", dp_factory(e), e) for e in args.epsilons]
        for label, factory, eps in targets:
            with threadpool_limits(limits=1, user_api="blas"):
                rows = attack_rows(X, y, factory, args.targets, args.seed)
            for (attack, k), (scores, labels, secs) in rows.items():
                s, lab = np.concatenate(scores), np.concatenate(labels)
                bound = "" if eps is None else f"{advantage_bound(eps, DELTA):.3f}"
                print(f"{label:<24}{attack:<16}{k if k else '-':>8}{np.median(secs):>10.3f}"
                      f"{auc(s, lab):>8.3f}{tpr_at_fpr(s, lab, 0.001):>10.3f}"
                      f"{membership_advantage(s, lab):>7.3f}{bound:>11}", flush=True)
        print("\ns/target = median seconds of one attack on one target model (LiRA: training "
              "its shadows, one BLAS thread); adv = max over thresholds of TPR - FPR.")

    # 2. audit on digits
    d = load_classification("digits")
    X_base, y_base = d.X_train[:N_AUDIT], d.y_train[:N_AUDIT]
    if np.any(X_base[:, CANARY_PIXEL] != 0):
        raise SystemExit("the canary pixel is not blank in the audit rows")
    n_eval = args.trials - int(0.5 * args.trials)
    print(f"\n2. Audit on digits: canary = unit vector on a blank pixel (label "
          f"{CANARY_LABEL}), {N_AUDIT} base rows, {args.trials} trials IN + {args.trials} OUT "
          f"per row (half choose the threshold, {n_eval} + {n_eval} count); 95 % confidence\n")
    audits = [("non-private LR C=1e4 (add/remove)", nonprivate_factory, "add_remove", None, 0.0)]
    for e in args.epsilons:
        audits.append(("DP-LR gd (add/remove)", dp_factory(e), "add_remove", e, DELTA))
        audits.append(("DP-LR gd neighbouring='replace_one'",
                       dp_factory(e, neighbouring="replace_one"), "replace_one", e, DELTA))
        audits.append(("DP-LR output_perturbation (pure, replace-one)",
                       dp_factory(e, method="output_perturbation"), "replace_one", e, 0.0))
    violations = run_audits(
        audits, lambda f, neigh: canary_scores(X_base, y_base, f, args.trials, neigh,
                                               args.seed + 1), n_eval)

    # 3. worst-case audit
    trials = 10 * args.trials  # tiny fits: ten times as many trials
    n_eval = trials - int(0.5 * trials)
    print(f"\n3. Worst-case audit: {WORST_N} rows on feature 2 only (+-0.5, balanced labels), "
          f"canary (1, 0) label 1; gd with learning_rate={WORST_LR:g}, max_iter={WORST_STEPS} "
          f"(weights stay near 0, so the canary's gradient has the full clip norm at every "
          f"step); score coef_[0, 0] + intercept_[0]; {trials} trials IN + {trials} OUT, "
          f"{n_eval} + {n_eval} count\n")
    audits = []
    for e in args.epsilons:
        audits.append(("DP-LR gd (add/remove)",
                       dp_factory(e, learning_rate=WORST_LR, max_iter=WORST_STEPS),
                       "add_remove", e, DELTA))
        audits.append(("DP-LR gd neighbouring='replace_one'",
                       dp_factory(e, learning_rate=WORST_LR, max_iter=WORST_STEPS,
                                  neighbouring="replace_one"), "replace_one", e, DELTA))
        audits.append(("DP-LR output_perturbation (pure, replace-one)",
                       dp_factory(e, method="output_perturbation"), "replace_one", e, 0.0))
    violations += run_audits(
        audits, lambda f, neigh: worst_case_scores(f, trials, neigh, args.seed + 2), n_eval)

    if violations:
        exit_code = 1 if args.strict else 0
        print("\n" + "!" * 78)
        for label, eps, res in violations:
            print(f"!!! {label} at epsilon {eps:g}: empirical lower bound {res.epsilon:.3f} > "
                  f"{eps:g} ({res})")
        print("!" * 78)
    else:
        print("\nno audit bound exceeds its claimed epsilon")
    print(f"\ntotal run time {time.perf_counter() - t_start:.0f} s")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
