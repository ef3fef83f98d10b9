"""The secure Laplace sampler's throughput beside numpy's, and the floating-point attack before/after.

Run it as ``.venv/bin/python benchmarks/secure_laplace_speed.py`` (options: ``--n``,
``--repeats``, ``--trials``, ``--opendp``). In one run, interleaved so that a busy machine
slows every case alike, it times

* ``numpy laplace``: ``Generator.laplace(0, 1, size=n)``, the textbook sampler (floor);
* ``LaplaceMechanism.release``: the kit's textbook release, ``x + Generator.laplace``;
* ``discrete_laplace (CSPRNG)``: :func:`ppml_lab.dp.discrete_laplace` at scale 1024 grid
  steps (the default grid of ``epsilon=1, sensitivity=1``) with ``rng=None``: ChaCha20 keyed
  from ``os.urandom``, the secure default;
* ``discrete_laplace (PCG64)``: the same with a seeded Generator (lessons, not secure);
* ``release(secure=True)``: ``LaplaceMechanism(1.0, secure=True).release(x)``, CSPRNG;

and reports median seconds, samples per second and the throughput ratio to numpy (median of
per-round ratios). Goal: at least 1e6 samples per second for the secure sampler (issue 10).
With ``--opendp`` it also times OpenDP 0.16's ``make_laplace`` on a float vector of up to
100,000 values (its exact sampler) in a separate virtual environment (``benchmarks/.peer-venvs/opendp``, built once
with pip through ``peers.py``'s helper; never a dependency of the kit).

Then it runs :func:`ppml_lab.attacks.floating_point_experiment` (candidates 0 and 1,
sensitivity 1) at three epsilons against the textbook and the secure mechanism and prints
the attack's success rate, the share of releases that give the input away with certainty,
what epsilon allows (``e^eps / (1 + e^eps)``) and the binomial tolerance of chance.
Results are in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

from ppml_lab.attacks import floating_point_experiment
from ppml_lab.dp import LaplaceMechanism, discrete_laplace

GOAL = 1e6
HERE = Path(__file__).resolve().parent
OPENDP_REQUIREMENTS = ("opendp==0.16.0",)

_OPENDP_WORKER = """
import json, statistics, sys, time
import opendp.prelude as dp
dp.enable_features("contrib")
n, repeats = int(sys.argv[1]), int(sys.argv[2])
space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l1_distance(T=float)
m = dp.m.make_laplace(*space, scale=1.0)
x = [0.0] * n
m(x[:1000])
times = []
for _ in range(repeats):
    t0 = time.perf_counter(); m(x); times.append(time.perf_counter() - t0)
print(json.dumps({"version": dp.__version__ if hasattr(dp, "__version__") else "0.16",
                  "seconds": statistics.median(times)}))
"""


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _opendp(n: int, repeats: int) -> dict | str:
    """Median seconds of OpenDP's make_laplace on n floats, or why it could not run."""
    sys.path.insert(0, str(HERE))
    try:
        import peers
        python = peers._ensure_venv(peers.PEER_VENVS / "opendp", OPENDP_REQUIREMENTS, "opendp",
                                    rebuild=False, verbose=True, timeout=600.0)
        proc = subprocess.run([str(python), "-c", _OPENDP_WORKER, str(n), str(repeats)],
                              capture_output=True, text=True, timeout=1800)
        if proc.returncode != 0:
            return "the OpenDP worker failed: " + proc.stderr.strip().splitlines()[-1]
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except Exception as exc:  # no network, no venv module, ...: report, do not fail
        return f"OpenDP unavailable: {exc}"


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**6, help="samples per call (default 1e6)")
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds (default 7)")
    parser.add_argument("--trials", type=int, default=20_000,
                        help="releases attacked per setting (default 20,000)")
    parser.add_argument("--opendp", action="store_true",
                        help="also time OpenDP 0.16 in its own venv (built once)")
    args = parser.parse_args(argv)

    n = args.n
    x = np.zeros(n)
    textbook = LaplaceMechanism(1.0)
    secure = LaplaceMechanism(1.0, secure=True)
    tau = secure.grid_scale
    gen = np.random.default_rng(1)
    cases: dict[str, Callable[[], object]] = {
        "numpy laplace": lambda: gen.laplace(0.0, 1.0, size=n),
        "LaplaceMechanism.release": lambda: textbook.release(x, rng=gen),
        "discrete_laplace (CSPRNG)": lambda: discrete_laplace(tau.numerator, tau.denominator,
                                                              size=n),
        "discrete_laplace (PCG64)": lambda: discrete_laplace(tau.numerator, tau.denominator,
                                                             size=n, rng=gen),
        "release(secure=True)": lambda: secure.release(x),
    }
    for fn in cases.values():  # warm-up
        fn()
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, fn in cases.items():
            times[name].append(_time(fn))
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    reference = times["numpy laplace"]
    ratios = {name: statistics.median(r / t for r, t in zip(reference, ts))
              for name, ts in times.items()}

    print(f"Laplace samples, n = {n:,} per call, median of {args.repeats} interleaved rounds")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"secure: epsilon=1, sensitivity=1, grid={secure.grid:g}, scale {tau} grid steps")
    print()
    header = f"{'sampler':<28} {'median s':>9} {'samples/s':>10} {'vs numpy':>9}"
    print(header)
    print("-" * len(header))
    for name, seconds in medians.items():
        print(f"{name:<28} {seconds:>9.4f} {n / seconds:>10.3g} {ratios[name]:>9.3f}")
    if args.opendp:
        n_peer = min(n, 100_000)  # OpenDP runs at tens of thousands per second
        peer = _opendp(n_peer, 3)
        if isinstance(peer, dict):
            print(f"{'OpenDP make_laplace (float)':<28} {peer['seconds']:>9.4f} "
                  f"{n_peer / peer['seconds']:>10.3g} {'own venv':>9}  (n = {n_peer:,}, "
                  f"median of 3, separate process)")
        else:
            print(peer)
    print()
    rate = n / medians["discrete_laplace (CSPRNG)"]
    verdict = "meets" if rate >= GOAL else "MISSES"
    print(f"the secure sampler (CSPRNG) {verdict} the goal of {GOAL:.0e} samples/s "
          f"({rate:.3g}).")
    print()

    print(f"floating-point attack, candidates 0 and 1, sensitivity 1, {args.trials:,} "
          f"releases each (rng=0, 1, 2 per epsilon)")
    header = (f"{'epsilon':>7} {'mechanism':<9} {'success':>8} {'certain':>8} "
              f"{'eps allows':>10} {'chance +-':>9}")
    print(header)
    print("-" * len(header))
    results = {}
    for seed, epsilon in enumerate((0.1, 1.0, 2.0)):
        for is_secure in (False, True):
            t0 = time.perf_counter()
            r = floating_point_experiment(epsilon=epsilon, n_trials=args.trials,
                                          secure=is_secure, rng=seed)
            seconds = time.perf_counter() - t0
            results[(epsilon, is_secure)] = r.success_rate
            print(f"{epsilon:>7g} {'secure' if is_secure else 'textbook':<9} "
                  f"{r.success_rate:>8.4f} {r.certain_rate:>8.4f} {r.dp_bound:>10.4f} "
                  f"{r.chance_tolerance:>9.4f}   ({seconds:.2f} s)")
    return {"secure_rate": rate, **medians}


if __name__ == "__main__":
    main()
