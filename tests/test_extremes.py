"""Huge and tiny values: every public call gives a finite answer or a clear error, never a crash.

Issue 13 found paths where a "valid" number (1e308, 5e-324, 10**12 samples) ended in an
OverflowError, a MemoryError, a ZeroDivisionError, a numpy warning or an infinite result.
Each parameter below is called with those values; the call must either return finite numbers
(without a numpy warning) or raise a ValueError/TypeError that names the parameter. Ranges
are documented in each function's docstring.
"""

from __future__ import annotations

import math
import signal
import warnings
from contextlib import contextmanager
from typing import Any, Callable

import numpy as np
import pytest

from ppml_lab import attacks, datasets, dp

X = [[0.1, 0.2], [0.3, -0.1]]
FLOATS = [1e308, 1e9, 5e-324, 1e-300, 1e-100]
INTS = [10**12, 10**18]

# name -> (call taking one keyword, the parameters to try, their kind)
CALLS: dict[str, tuple[Callable[..., Any], list[str], str]] = {
    "LaplaceMechanism": (lambda epsilon=1.0, sensitivity=1.0: dp.LaplaceMechanism(
        epsilon, sensitivity).release(1.0, rng=0), ["epsilon", "sensitivity"], "float"),
    "GaussianMechanism": (lambda epsilon=1.0, delta=1e-5, sensitivity=1.0: dp.GaussianMechanism(
        epsilon, delta, sensitivity).release(1.0, rng=0), ["epsilon", "delta", "sensitivity"],
        "float"),
    "GaussianMechanism classic": (lambda epsilon=0.5, delta=1e-5, sensitivity=1.0:
                                  dp.GaussianMechanism(epsilon, delta, sensitivity,
                                                       analytic=False).release(1.0, rng=0),
                                  ["epsilon", "delta", "sensitivity"], "float"),
    "RandomizedResponse": (lambda epsilon=1.0: dp.RandomizedResponse(epsilon).estimate(
        dp.RandomizedResponse(epsilon).release([0, 1, 1, 0], rng=0)), ["epsilon"], "float"),
    "RandomizedResponse k": (lambda n_categories=3: dp.RandomizedResponse(
        1.0, n_categories).release([0, 1], rng=0), ["n_categories"], "int"),
    "estimate_std": (lambda n=10: dp.RandomizedResponse(1.0).estimate_std([0.5, 0.5], n),
                     ["n"], "int"),
    "ExponentialMechanism": (lambda epsilon=1.0, sensitivity=1.0: dp.ExponentialMechanism(
        epsilon, sensitivity).select([0.0, 1.0], rng=0), ["epsilon", "sensitivity"], "float"),
    "report_noisy_max": (lambda epsilon=1.0, sensitivity=1.0: dp.report_noisy_max(
        [0.0, 1.0], epsilon=epsilon, sensitivity=sensitivity, rng=0),
        ["epsilon", "sensitivity"], "float"),
    "gaussian_delta": (lambda sigma=1.0, epsilon=1.0, sensitivity=1.0: dp.gaussian_delta(
        sigma, epsilon, sensitivity), ["sigma", "epsilon", "sensitivity"], "float"),
    "dp_count": (lambda epsilon=1.0: dp.dp_count([1, 2, 3], epsilon=epsilon, rng=0),
                 ["epsilon"], "float"),
    "dp_mean": (lambda epsilon=1.0: dp.dp_mean([1, 2, 3], epsilon=epsilon, bounds=(0, 5), rng=0),
                ["epsilon"], "float"),
    "dp_histogram eps": (lambda epsilon=1.0: dp.dp_histogram(
        [1, 2, 3], epsilon=epsilon, bins=3, bounds=(0, 5), rng=0).counts, ["epsilon"], "float"),
    "dp_histogram bins": (lambda bins=3: dp.dp_histogram(
        [1, 2, 3], epsilon=1.0, bins=bins, bounds=(0, 5), rng=0).counts, ["bins"], "int"),
    "attacker_posterior_bound": (lambda epsilon=1.0: dp.attacker_posterior_bound(epsilon),
                                 ["epsilon"], "float"),
    "noisy_count_experiment": (lambda epsilon=1.0, sensitivity=1.0: dp.noisy_count_experiment(
        epsilon, sensitivity=sensitivity, n_samples=10, rng=0).scale,
        ["epsilon", "sensitivity"], "float"),
    "noisy_count_experiment n": (lambda n_samples=10, true_count=42: dp.noisy_count_experiment(
        1.0, n_samples=n_samples, true_count=true_count, rng=0).scale,
        ["n_samples", "true_count"], "int"),
    "rr_experiment": (lambda epsilon=1.0: dp.randomized_response_experiment(
        epsilon, 100, n_trials=10, rng=0).rmse_theory, ["epsilon"], "float"),
    "rr_experiment n": (lambda n_people=10, n_trials=10: dp.randomized_response_experiment(
        1.0, n_people, n_trials=n_trials, rng=0).rmse_theory, ["n_people", "n_trials"], "int"),
    "noise_experiment": (lambda epsilon=1.0, sensitivity=1.0: dp.noise_experiment(
        epsilon, sensitivity=sensitivity, n_samples=10, rng=0).count.laplace_std,
        ["epsilon", "sensitivity"], "float"),
    "noise_experiment n": (lambda n_rows=1000, n_samples=10: dp.noise_experiment(
        1.0, n_rows=n_rows, n_samples=n_samples, rng=0).count.laplace_std,
        ["n_rows", "n_samples"], "int"),
    "advanced_composition": (lambda epsilon=1.0: dp.advanced_composition(
        epsilon, 1e-6, 10, 1e-5).epsilon, ["epsilon"], "float"),
    "advanced_composition k": (lambda k=10: dp.advanced_composition(
        0.1, 1e-9, k, 1e-5).epsilon, ["k"], "int"),
    "optimal_composition": (lambda k=10: dp.optimal_composition(0.1, 0.0, k, 1e-5).epsilon,
                            ["k"], "int"),
    "gaussian_rdp": (lambda noise_multiplier=1.0: dp.gaussian_rdp(noise_multiplier, [2.0, 8.0]),
                     ["noise_multiplier"], "float"),
    "RDPAccountant": (lambda noise_multiplier=1.0, sample_rate=0.1: dp.RDPAccountant()
                      .compose_gaussian(noise_multiplier, sample_rate, 10).get_epsilon(1e-5),
                      ["noise_multiplier", "sample_rate"], "float"),
    "RDPAccountant steps": (lambda steps=10: dp.RDPAccountant().compose_gaussian(
        1.0, 0.1, steps).get_epsilon(1e-5), ["steps"], "int"),
    "PLDAccountant": (lambda noise_multiplier=1.0: dp.PLDAccountant(1e-3).compose_gaussian(
        noise_multiplier, 0.1, 10).get_epsilon(1e-5), ["noise_multiplier"], "float"),
    "PLDAccountant steps": (lambda steps=10: dp.PLDAccountant(1e-3).compose_gaussian(
        1.0, 0.1, steps).get_epsilon(1e-5), ["steps"], "int"),
    "gaussian_zcdp": (lambda noise_multiplier=1.0: dp.zcdp_to_dp(
        dp.gaussian_zcdp(noise_multiplier), 1e-5), ["noise_multiplier"], "float"),
    "dpsgd_epsilon": (lambda noise_multiplier=1.0: dp.dpsgd_epsilon(
        noise_multiplier, 0.1, 10, 1e-5), ["noise_multiplier"], "float"),
    "dpsgd_epsilon steps": (lambda steps=10: dp.dpsgd_epsilon(1.0, 0.1, steps, 1e-5),
                            ["steps"], "int"),
    "calibrate_noise_multiplier": (lambda target_epsilon=1.0: dp.calibrate_noise_multiplier(
        target_epsilon, 1e-5, 0.1, 10), ["target_epsilon"], "float"),
    "gaussian_privacy_loss": (lambda epsilon=1.0, sensitivity=1.0: dp.gaussian_privacy_loss(
        epsilon, 1e-5, sensitivity).p_loss_above, ["epsilon", "sensitivity"], "float"),
    "BudgetAccountant": (lambda epsilon=1.0: dp.BudgetAccountant(epsilon).spend(
        epsilon, label="x").epsilon, ["epsilon"], "float"),
    "advantage_bound": (lambda epsilon=1.0: attacks.advantage_bound(epsilon), ["epsilon"],
                        "float"),
    "roc_ceiling": (lambda epsilon=1.0: attacks.roc_ceiling([0.0, 0.5], epsilon), ["epsilon"],
                    "float"),
    "empirical_epsilon": (lambda tp=5: attacks.empirical_epsilon(tp, 1, 5, 1), ["tp"], "int"),
    "clopper_pearson": (lambda n=10: attacks.clopper_pearson(5, n), ["n"], "int"),
    "advantage_noise_floor": (lambda n_members=10: attacks.advantage_noise_floor(n_members, 10),
                              ["n_members"], "int"),
    "unit_rows": (lambda max_norm=1.0: datasets.unit_rows(X, max_norm), ["max_norm"], "float"),
}
CASES = [(name, param, value) for name, (_, params, kind) in CALLS.items() for param in params
         for value in (FLOATS if kind == "float" else INTS)]


@contextmanager
def _deadline(seconds: int):
    """Fail (not hang) when a call takes longer than ``seconds``: a hang is a defect too."""
    def expire(*_: Any) -> None:
        raise TimeoutError(f"no answer within {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _finite(out: Any) -> bool:
    if isinstance(out, tuple):
        return all(_finite(o) for o in out)
    try:
        return bool(np.all(np.isfinite(np.asarray(out, dtype=float))))
    except (TypeError, ValueError):
        return True  # not numeric


@pytest.mark.parametrize("name, param, value", CASES,
                         ids=[f"{n}-{p}={v:g}" for n, p, v in CASES])
def test_an_extreme_value_gives_a_finite_answer_or_a_clear_error(name, param, value):
    fn = CALLS[name][0]
    with warnings.catch_warnings(), _deadline(20):
        warnings.simplefilter("error")  # a numpy overflow or divide warning is a failure here
        try:
            out = fn(**{param: value})
        except (ValueError, TypeError) as exc:
            assert f"`{param}`" in str(exc) or str(exc).startswith("`"), str(exc)
            return
    assert _finite(out), f"{name}({param}={value!r}) returned {out!r}"


def test_the_cases_cover_the_reported_crashes():
    assert ("GaussianMechanism", "sensitivity", 1e308) in CASES
    assert ("dp_histogram bins", "bins", 10**12) in CASES
    assert ("noisy_count_experiment n", "n_samples", 10**12) in CASES
    assert math.isinf(float("inf"))  # keep math imported for readers of the module
