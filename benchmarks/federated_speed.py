"""Issue 8's reference federated setting with the kit and with Flower, side by side in one run.

Setting (issue 8): scikit-learn's digits, ``train_test_split(test_size=0.3, random_state=0,
stratify=y)``, ``StandardScaler`` fit on the training part, training rows shuffled with
``numpy.random.default_rng(0)`` and split with ``numpy.array_split`` into N IID clients;
softmax regression initialised to zero; 5 local full-batch gradient steps at learning rate
0.5 per round; 10 rounds, all clients, FedAvg weighted by example counts; central test
accuracy. The kit runs ``ppml_lab.federated.run_federated`` (median of ``--repeats`` runs);
Flower 1.42 runs ``_flower_worker.py`` with ``run_simulation`` (Ray backend) in its own venv
(``benchmarks/peers.py`` builds it on first use), on the very same arrays. Also the kit alone
on 1,000 clients, 50 rounds, Dirichlet alpha 0.3, 10% participation, and the reference setting
through secure aggregation (issue 9) against the plain run.

    .venv/bin/python benchmarks/federated_speed.py [--clients 10 100] [--repeats 5] [--no-flower]

Goals (issue 8): the same final accuracy to 3 decimals; at least 300x faster than Flower with
10 clients and 1,000x with 100; the kit under 200 MB; the 1,000-client run under 1 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import peers  # noqa: E402
from ppml_lab.federated import dirichlet_partition, run_federated  # noqa: E402
from ppml_lab.federated.experiments import federated_digits  # noqa: E402


def reference_data() -> tuple[np.ndarray, ...]:
    """The split and scaled digits of the kit (``federated_digits``), training rows shuffled
    with ``default_rng(0)`` so that contiguous ``array_split`` blocks are the IID clients."""
    X_tr, y_tr, X_te, y_te = federated_digits()
    order = np.random.default_rng(0).permutation(len(y_tr))
    return X_tr[order], y_tr[order], X_te, y_te


def kit_run(data: tuple[np.ndarray, ...], n_clients: int, repeats: int) -> dict:
    X_tr, y_tr, X_te, y_te = data
    parts = np.array_split(np.arange(len(y_tr)), n_clients)
    times, history = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        history = run_federated(X_tr, y_tr, parts, X_te, y_te, rounds=10, local_steps=5,
                                learning_rate=0.5, rng=0)
        times.append(time.perf_counter() - t0)
    return {"accuracy": float(history.accuracy[-1]), "seconds": statistics.median(times)}


def flower_run(python: Path, data: tuple[np.ndarray, ...], n_clients: int) -> dict:
    X_tr, y_tr, X_te, y_te = data
    sizes = [len(a) for a in np.array_split(np.arange(len(y_tr)), n_clients)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.npz"
        np.savez(path, X_train=X_tr, y_train=y_tr, X_test=X_te, y_test=y_te,
                 bounds=np.r_[0, np.cumsum(sizes)])
        t0 = time.perf_counter()
        proc = subprocess.run([str(python), str(HERE / "_flower_worker.py"), str(path),
                               str(n_clients)], capture_output=True, text=True, timeout=1800,
                              cwd=tmp)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-8:])
        raise peers.PeerUnavailable(f"the Flower worker failed (exit {proc.returncode}):\n{tail}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_seconds"] = wall
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-flower", action="store_true", help="measure the kit only")
    args = parser.parse_args()
    data = reference_data()
    python = None
    if not args.no_flower:
        try:
            python = peers.ensure_flower_venv()
        except peers.PeerUnavailable as exc:
            print(f"Flower unavailable, measuring the kit only: {exc}")
    print(f"{'clients':>7} {'kit acc':>8} {'Flower acc':>10} {'kit s':>8} {'Flower s':>9} "
          f"{'ratio':>7}")
    for n in args.clients:
        kit = kit_run(data, n, args.repeats)
        if python is None:
            print(f"{n:>7} {kit['accuracy']:>8.4f} {'-':>10} {kit['seconds']:>8.3f} {'-':>9} "
                  f"{'-':>7}")
            continue
        flower = flower_run(python, data, n)
        print(f"{n:>7} {kit['accuracy']:>8.4f} {flower['accuracy']:>10.4f} "
              f"{kit['seconds']:>8.3f} {flower['seconds']:>9.2f} "
              f"{flower['seconds'] / kit['seconds']:>6.0f}x")
    X_tr, y_tr, X_te, y_te = data
    parts = dirichlet_partition(y_tr, 1000, 0.3, rng=0)
    t0 = time.perf_counter()
    big = run_federated(X_tr, y_tr, parts, X_te, y_te, rounds=50, clients_per_round=100, rng=0)
    seconds = time.perf_counter() - t0
    print(f"1,000 clients, Dirichlet alpha 0.3, 50 rounds, 10% participation: accuracy "
          f"{big.accuracy[-1]:.4f} in {seconds:.3f} s")
    for n in (10, 100):
        parts = np.array_split(np.arange(len(y_tr)), n)
        t0 = time.perf_counter()
        plain = run_federated(X_tr, y_tr, parts, X_te, y_te, rounds=10, rng=0)
        t_plain = time.perf_counter() - t0
        t0 = time.perf_counter()
        secure = run_federated(X_tr, y_tr, parts, X_te, y_te, rounds=10, rng=None,
                               secure_aggregation=True)
        t_secure = time.perf_counter() - t0
        print(f"{n} clients with secure aggregation (CSPRNG keys, majority threshold): accuracy "
              f"{secure.accuracy[-1]:.4f} (plain {plain.accuracy[-1]:.4f}), max weight difference "
              f"{np.abs(secure.weights - plain.weights).max():.1e}, {t_secure:.2f} s "
              f"({t_secure / t_plain:.0f}x the plain run), "
              f"{secure.bytes_up.sum() / plain.bytes_up.sum():.1f}x the upload bytes")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process (kit, data, sklearn; Flower runs in its own): {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
