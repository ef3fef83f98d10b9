"""Speed and accuracy of PLDAccountant against dp-accounting's PLD accountant.

Run it as ``python benchmarks/pld_speed.py`` (options: ``--repeats``,
``--interval``, ``--strict``). For the five DP-SGD settings of issue 3, and two
with little noise and rare sampling, it times, in the same run and interleaved
so that a busy machine slows both alike, the whole computation a user asks for,
from a fresh accountant to the epsilon:

* ours: ``PLDAccountant(interval).compose_gaussian(sigma, q, steps).get_epsilon(delta)``;
* dp-accounting: ``pld_privacy_accountant.PLDAccountant(value_discretization_interval=interval)``,
  composing ``SelfComposedDpEvent(PoissonSampledDpEvent(q, GaussianDpEvent(sigma)), steps)``
  (``GaussianDpEvent`` alone when q = 1), then ``get_epsilon(delta)``.

It prints the median seconds of each, the speed ratio (dp-accounting's time /
ours, the median of the per-round ratios), both epsilons and their relative
difference. Goals (issue 3): a ratio of at least 1 in every setting; our epsilon
within 1 % of dp-accounting's and never more than 0.5 % below it. ``--strict``
exits with status 1 when a goal is missed. Results are in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from importlib import metadata

import numpy as np
from dp_accounting import dp_event
from dp_accounting.pld import pld_privacy_accountant

from ppml_lab.dp import PLDAccountant

# (sample_rate, noise_multiplier, steps, delta): the DP-SGD settings of issue 3, then two with
# little noise and rare sampling
SETTINGS = [
    (256 / 60000, 1.1, 14063, 1e-5),
    (0.01, 1.0, 1000, 1e-5),
    (0.1, 2.0, 100, 1e-6),
    (1.0, 5.0, 10, 1e-5),
    (0.05, 0.8, 500, 1e-5),
    (1e-4, 0.5, 1000, 1e-5),  # little noise, rare sampling: a long-tailed loss per step
    (5e-4, 0.7, 1000, 1e-5),
]
SPEED_GOAL = 1.0      # dp-accounting's time / ours
WITHIN = 0.01         # |ours - theirs| / theirs
NEVER_BELOW = 0.005   # (theirs - ours) / theirs


def ours(q: float, sigma: float, steps: int, delta: float, interval: float) -> float:
    accountant = PLDAccountant(value_discretization_interval=interval)
    return accountant.compose_gaussian(sigma, sample_rate=q, steps=steps).get_epsilon(delta)


def theirs(q: float, sigma: float, steps: int, delta: float, interval: float) -> float:
    accountant = pld_privacy_accountant.PLDAccountant(value_discretization_interval=interval)
    event = dp_event.GaussianDpEvent(sigma)
    if q < 1:
        event = dp_event.PoissonSampledDpEvent(q, event)
    accountant.compose(dp_event.SelfComposedDpEvent(event, steps))
    return accountant.get_epsilon(delta)


def _timed(fn, *args) -> tuple[float, float]:
    start = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - start, value


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--interval", type=float, default=1e-4,
                        help="value_discretization_interval of both (default 1e-4)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)

    ours(0.5, 1.0, 3, 1e-5, args.interval)  # warm-up: imports, FFT plans
    theirs(0.5, 1.0, 3, 1e-5, args.interval)
    rows = []
    for q, sigma, steps, delta in SETTINGS:
        ours_s, theirs_s = [], []
        for _ in range(args.repeats):  # interleaved
            seconds, eps_ours = _timed(ours, q, sigma, steps, delta, args.interval)
            ours_s.append(seconds)
            seconds, eps_theirs = _timed(theirs, q, sigma, steps, delta, args.interval)
            theirs_s.append(seconds)
        rows.append({
            "q": q, "sigma": sigma, "steps": steps, "delta": delta,
            "ours_s": statistics.median(ours_s), "theirs_s": statistics.median(theirs_s),
            "ratio": statistics.median(t / o for o, t in zip(ours_s, theirs_s)),
            "eps_ours": eps_ours, "eps_theirs": eps_theirs,
            "rel_diff": (eps_ours - eps_theirs) / eps_theirs,
        })

    print(f"PLD accountant, value_discretization_interval={args.interval:g}, median of "
          f"{args.repeats} interleaved runs")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}, dp-accounting "
          f"{metadata.version('dp-accounting')}")
    print()
    header = (f"{'q':>8} {'sigma':>5} {'steps':>6} {'delta':>6} {'ours s':>7} {'dp-acc s':>8} "
              f"{'ratio':>6} {'eps ours':>9} {'eps dp-acc':>10} {'rel diff':>9}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['q']:>8.5g} {r['sigma']:>5g} {r['steps']:>6d} {r['delta']:>6.0e} "
              f"{r['ours_s']:>7.3f} {r['theirs_s']:>8.3f} {r['ratio']:>6.1f} "
              f"{r['eps_ours']:>9.4f} {r['eps_theirs']:>10.4f} {r['rel_diff']:>+9.1e}")
    print()
    fast = all(r["ratio"] >= SPEED_GOAL for r in rows)
    close = all(abs(r["rel_diff"]) <= WITHIN and r["rel_diff"] >= -NEVER_BELOW for r in rows)
    print("ratio = dp-accounting's time / ours (median over rounds); rel diff = (ours - dp-acc) "
          "/ dp-acc")
    print(f"speed goal (ratio >= {SPEED_GOAL:g} in every setting): "
          f"{'met' if fast else 'MISSED'}; slowest ratio {min(r['ratio'] for r in rows):.1f}")
    print(f"accuracy goal (within {WITHIN:.0%}, never more than {NEVER_BELOW:.1%} below): "
          f"{'met' if close else 'MISSED'}; largest |rel diff| "
          f"{max(abs(r['rel_diff']) for r in rows):.1e}")
    if args.strict and not (fast and close):
        sys.exit(1)
    return rows


if __name__ == "__main__":
    main()
