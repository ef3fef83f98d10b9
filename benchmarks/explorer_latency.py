"""Explorer latency: how long from a moved control to a new figure in the widget.

For each explorer of ppml_lab.viz, each control is moved through 10 values as
a user would move it (by assigning the widget's ``value``, which fires the
same observer as a dragged slider or an arrow key; the resample button is
clicked), and the time until the new PNG is set on the ``ipywidgets.Image``
is measured. Prints the median and the 95th percentile per explorer and
control, and overall, against the goal (median <= 100 ms, p95 <= 250 ms).

This is the kernel's share of a slider move; the browser round trip (message
to the kernel and the image back) comes on top, see the browser benchmark.

Results are cached (the same setting is never computed twice), so the second and third
passes over a control find their settings computed; ``--cold`` empties the caches before
every move instead: the worst case, a setting never seen before.

Run:  .venv/bin/python benchmarks/explorer_latency.py [--repeats N] [--dpi D] [--cold] [--strict]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from ppml_lab import design as design_experiments  # noqa: E402
from ppml_lab.attacks import experiments as attack_experiments  # noqa: E402
from ppml_lab.attacks import reconstruction  # noqa: E402
from ppml_lab.dp import (composition_experiments, experiments, logistic,  # noqa: E402
                         training_experiments)
from ppml_lab.federated import experiments as federated_experiments  # noqa: E402
from ppml_lab.federated import private_experiments  # noqa: E402
from ppml_lab.secret_sharing import aggregation_experiments  # noqa: E402
from ppml_lab.viz import DeploymentCostExplorer  # noqa: E402
from ppml_lab.viz import (CompositionExplorer, DesignExplorer, DPFedAvgExplorer,  # noqa: E402
                          DPTrainingExplorer, FederatedExplorer, KeySizeExplorer,
                          LaplaceGaussianExplorer, LinkageExplorer, MembershipExplorer,
                          NoisyCountExplorer, RandomizedResponseExplorer, ReconstructionExplorer,
                          SecureAggregationExplorer, ThresholdExplorer, anonymisation)

GOAL_MEDIAN_MS, GOAL_P95_MS = 100.0, 250.0
# in the order of the notebooks: 00, 01, 02, 03, 04, 05, 06, 07, 08, 09, 10, 11, 12, 13
EXPLORERS = [NoisyCountExplorer, LinkageExplorer, ReconstructionExplorer,
             RandomizedResponseExplorer, LaplaceGaussianExplorer, CompositionExplorer,
             DPTrainingExplorer, MembershipExplorer, FederatedExplorer, DPFedAvgExplorer,
             ThresholdExplorer, SecureAggregationExplorer, KeySizeExplorer, DesignExplorer,
             DeploymentCostExplorer]
# every cache of the compute layer that a move may hit; KeySizeExplorer measures Paillier's
# costs once when it is built (timing is its content), so its cache is not emptied by --cold
CACHES = [experiments._noise_scales, composition_experiments._curves,
          composition_experiments._basic_steps, logistic._noise_multiplier,
          training_experiments._baseline, training_experiments._fit_scores,
          training_experiments._curve, attack_experiments._splits, attack_experiments._scores,
          attack_experiments._point, federated_experiments._curves,
          federated_experiments._centralised, private_experiments._run,
          private_experiments._epsilons, private_experiments._curve,
          private_experiments._epsilon_table, reconstruction._curve, anonymisation._linkage,
          anonymisation._linkage_tables, design_experiments._evaluate,
          design_experiments._scenario, aggregation_experiments._cached_demo]


def clear_caches() -> None:
    """Forget every cached computation of the compute layer."""
    for cached in CACHES:
        cached.cache_clear()


def slider_path(control, n: int = 10) -> list:
    """``n`` successive positions a user might visit, ending away from the start."""
    options = getattr(control, "options", None)
    if options is not None or isinstance(control.value, int):
        # selection or integer slider: walk through its values and back
        values = ([o[1] if isinstance(o, tuple) else o for o in options] if options is not None
                  else list(range(control.min, control.max + 1, control.step)))
        walk = values + values[-2:0:-1]
        start = values.index(control.value)
        return [walk[(start + 1 + i) % len(walk)] for i in range(n)]
    if hasattr(control, "base"):  # log slider: positions evenly spaced in the exponent
        exponents = np.linspace(control.min, control.max, n + 1)[1:]
        return [float(control.base ** e) for e in exponents[::-1]]
    return [float(v) for v in np.linspace(control.min, control.max, n + 1)[1:]]


def measure(explorer, name: str, n: int = 10, cold: bool = False) -> list[float]:
    """Seconds from moving control ``name`` to the new image, for ``n`` moves."""
    control = explorer.controls[name]
    times = []
    moves = [None] * n if name == "resample" else slider_path(control, n)
    for value in moves:
        if cold:
            clear_caches()
        before = explorer.figure.value
        start = time.perf_counter()
        if value is None:
            control.click()
        else:
            control.value = value
        elapsed = time.perf_counter() - start
        if explorer.figure.value is before:
            raise RuntimeError(f"{type(explorer).__name__}.{name}={value!r} did not redraw")
        times.append(elapsed)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3,
                        help="passes over every control (default 3)")
    parser.add_argument("--dpi", type=float, default=None,
                        help="figure resolution (default: the explorers' own)")
    parser.add_argument("--cold", action="store_true",
                        help="empty the computation caches before every move (worst case)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when the goal is not met")
    args = parser.parse_args(argv)
    kwargs = {} if args.dpi is None else {"dpi": args.dpi}

    print(f"Python {platform.python_version()}, matplotlib {matplotlib.__version__}, "
          f"{os.cpu_count()} CPU(s), {platform.machine()}"
          + (", caches emptied before every move" if args.cold else ""))
    print(f"{'explorer':<28}{'control':<18}{'moves':>6}{'median ms':>11}{'p95 ms':>9}"
          f"{'max ms':>9}{'build ms':>10}")
    everything: list[float] = []
    for cls in EXPLORERS:
        start = time.perf_counter()
        explorer = cls(rng=0, **kwargs)
        build: float | None = (time.perf_counter() - start) * 1e3
        per_explorer: list[float] = []
        for name in explorer.controls:
            times = []
            for _ in range(args.repeats):
                times += measure(explorer, name, cold=args.cold)
            ms = np.array(times) * 1e3
            per_explorer += list(ms)
            shown = f"{build:>10.0f}" if build is not None else ""
            print(f"{cls.__name__:<28}{name:<18}{ms.size:>6}{np.median(ms):>11.1f}"
                  f"{np.percentile(ms, 95):>9.1f}{ms.max():>9.1f}{shown}")
            build = None  # shown on the explorer's first line only
        ms = np.array(per_explorer)
        print(f"{cls.__name__:<28}{'(all)':<18}{ms.size:>6}{np.median(ms):>11.1f}"
              f"{np.percentile(ms, 95):>9.1f}{ms.max():>9.1f}")
        everything += per_explorer
    ms = np.array(everything)
    median, p95 = float(np.median(ms)), float(np.percentile(ms, 95))
    ok = median <= GOAL_MEDIAN_MS and p95 <= GOAL_P95_MS
    print(f"{'overall':<46}{ms.size:>6}{median:>11.1f}{p95:>9.1f}{ms.max():>9.1f}")
    print(f"goal: median <= {GOAL_MEDIAN_MS:.0f} ms and p95 <= {GOAL_P95_MS:.0f} ms: "
          f"{'met' if ok else 'NOT met'}")
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
