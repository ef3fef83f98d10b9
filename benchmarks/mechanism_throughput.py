"""Throughput of LaplaceMechanism.release against numpy's raw Laplace sampler.

Run it as ``python benchmarks/mechanism_throughput.py`` (options: ``--n``,
``--repeats``). It times, in the same run and interleaved so that a busy
machine slows all of them alike:

* ``numpy laplace``: ``Generator.laplace(0, b, size=n)`` alone, the floor;
* ``numpy x + laplace``: the same noise added to ``x``, what a careful user
  would write by hand;
* ``LaplaceMechanism.release``: ``LaplaceMechanism(...).release(x, rng=g)``,
  which also validates ``x`` (numbers, no NaN or infinity).

It reports the median seconds, values per second and the throughput ratio of
each to ``numpy x + laplace`` (the median of the per-round ratios, since the
cases of one round run back to back). The goal is a ratio of at least 0.5 for
``LaplaceMechanism.release``. Results are in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from typing import Callable

import numpy as np

from ppml_lab.dp import LaplaceMechanism

GOAL = 0.5


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**7, help="values per release (default 1e7)")
    parser.add_argument("--repeats", type=int, default=7, help="timed repetitions (default 7)")
    args = parser.parse_args(argv)

    n = args.n
    x = np.random.default_rng(0).normal(50.0, 10.0, size=n)
    mech = LaplaceMechanism(epsilon=1.0, sensitivity=1.0)
    gen = np.random.default_rng(1)
    cases: dict[str, Callable[[], object]] = {
        "numpy laplace": lambda: gen.laplace(0.0, mech.scale, size=n),
        "numpy x + laplace": lambda: x + gen.laplace(0.0, mech.scale, size=n),
        "LaplaceMechanism.release": lambda: mech.release(x, rng=gen),
    }

    # same seed, same numbers: the mechanism is exactly x + numpy's noise
    same = np.array_equal(mech.release(x, rng=2),
                          x + np.random.default_rng(2).laplace(0.0, mech.scale, size=n))

    for fn in cases.values():  # warm-up (page faults, caches)
        fn()
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, fn in cases.items():  # interleaved
            times[name].append(_time(fn))

    medians = {name: statistics.median(ts) for name, ts in times.items()}
    # ratio of throughputs, paired by round (the cases of one round ran back to back,
    # so a burst of load from elsewhere hits both sides of a ratio alike)
    reference = times["numpy x + laplace"]
    ratios = {name: statistics.median(r / t for r, t in zip(reference, ts))
              for name, ts in times.items()}
    print(f"Laplace noise on n = {n:,} float64 values, median of {args.repeats} runs")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}")
    print()
    header = f"{'method':<26} {'median s':>9} {'values/s':>10} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for name, seconds in medians.items():
        print(f"{name:<26} {seconds:>9.4f} {n / seconds:>10.3g} {ratios[name]:>6.2f}")
    print()
    ratio = ratios["LaplaceMechanism.release"]
    verdict = "meets" if ratio >= GOAL else "MISSES"
    print(f"ratio = throughput relative to 'numpy x + laplace' (median over rounds);")
    print(f"LaplaceMechanism.release {verdict} the goal >= {GOAL} ({ratio:.2f}).")
    print(f"identical output to x + Generator.laplace with the same seed: {same}")
    return {"ratio": ratio, **medians}


if __name__ == "__main__":
    main()
