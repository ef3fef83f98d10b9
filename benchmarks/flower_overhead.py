"""Flower deployment against the kit's simulator: start-up time and per-round overhead (issue 11).

Runs issue 8's reference setting (``FlowerSetting``: IID digits, softmax
regression, 5 local steps at learning rate 0.5, FedAvg) on a localhost deployment
(``run_deployment``: 1 SuperLink, N SuperNodes, ``flwr run``) and in
``run_federated``, and prints one table:

* start-up: from ``run_deployment`` being called (first process started) to the
  first round starting (SuperLink listening, SuperNodes connected, the app
  shipped, the ServerApp started, every node's partition id queried);
* median seconds per round in the deployment and in the simulator, and their ratio;
* shutdown: from the last round's report to every process stopped.

Rows: 2 and 3 clients with the launcher's settings; 2 clients with Flower's
default SuperExec poll interval (1 s, ``FLWR_SUPEREXEC_TASK_POLL_INTERVAL``
unset), to show what the launcher's 0.1 s buys; 2 clients with SecAgg+ (four
message exchanges per round). Then the start-up of one ClientApp process alone
(``python`` importing the app and loading its partition), which Flower 1.42 pays
for every message. Usage::

    python benchmarks/flower_overhead.py            # about 2-3 minutes on 2 cores

Needs the ``flower`` extra. Wall times on a shared machine are noisy: compare
ratios within one run.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time

from ppml_lab.federated.flower import FlowerSetting, flwr_available, run_deployment
from ppml_lab.federated.flower import launcher

ROUNDS = 4


def deployment_row(label: str, setting: FlowerSetting, *, superexec_poll: float | None = None
                   ) -> dict[str, float | str]:
    """Time one localhost deployment of ``setting`` and the same run in the simulator."""
    default = launcher.SUPEREXEC_POLL_SECONDS
    if superexec_poll is not None:
        launcher.SUPEREXEC_POLL_SECONDS = superexec_poll
    arrivals: list[float] = []
    try:
        with tempfile.TemporaryDirectory(prefix="ppml-flower-bench-") as workdir:
            start = time.perf_counter()
            result = run_deployment(setting, timeout=600, workdir=workdir,
                                    on_round=lambda record: arrivals.append(time.perf_counter()))
            end = time.perf_counter()
    finally:
        launcher.SUPEREXEC_POLL_SECONDS = default
    rounds = [r["seconds"] for r in result.rounds]
    history = setting.simulate()
    per_round = statistics.median(rounds)
    simulated = float(statistics.median(history.wall_time))
    return {"label": label, "clients": setting.n_clients,
            "startup": arrivals[0] - rounds[0] - start,
            "round": per_round, "simulator": simulated, "ratio": per_round / simulated,
            "shutdown": end - arrivals[-1], "total": end - start,
            "accuracy_gap": float(abs(result.accuracy[-1] - history.accuracy[-1]))}


def clientapp_start_seconds(repeats: int = 3) -> float:
    """Median wall time of a fresh Python that imports the ClientApp and loads its partition."""
    code = ("import ppml_lab.federated.flower.apps\n"
            "from ppml_lab.federated.flower import FlowerSetting\n"
            "FlowerSetting(2, 1).client_data(0)\n")
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    if not flwr_available():
        print('flwr is not installed; install the extra: pip install "ppml-lab[flower]"')
        return 1
    rows = [
        deployment_row("launcher", FlowerSetting(2, ROUNDS)),
        deployment_row("launcher", FlowerSetting(3, ROUNDS)),
        deployment_row("Flower's SuperExec poll (1 s)", FlowerSetting(2, ROUNDS),
                       superexec_poll=1.0),
        deployment_row("launcher, SecAgg+", FlowerSetting(2, 2, secagg=True)),
    ]
    print(f"Issue 8's reference setting, {ROUNDS} rounds (SecAgg+: 2), FedAvg; seconds")
    print(f"{'deployment':<31} {'clients':>7} {'start-up':>8} {'s/round':>8} "
          f"{'simulator':>10} {'ratio':>7} {'shutdown':>8} {'total':>6} {'acc gap':>8}")
    for r in rows:
        print(f"{r['label']:<31} {r['clients']:>7} {r['startup']:>8.1f} {r['round']:>8.2f} "
              f"{r['simulator']:>10.5f} {r['ratio']:>7.0f} {r['shutdown']:>8.1f} "
              f"{r['total']:>6.1f} {r['accuracy_gap']:>8.1e}")
    print(f"one ClientApp process (python, imports, partition): "
          f"{clientapp_start_seconds():.2f} s, paid for every message")
    return 0


if __name__ == "__main__":
    sys.exit(main())
