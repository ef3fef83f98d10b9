"""Run issue 8's reference setting on Flower's simulation engine; print one JSON line.

Started by ``benchmarks/federated_speed.py`` with the python of the Flower venv
(``benchmarks/.peer-venvs/flower``), never imported by the kit. Usage::

    python _flower_worker.py DATA.npz N_CLIENTS

The .npz holds ``X_train, y_train, X_test, y_test`` and ``bounds`` (client i holds
training rows ``bounds[i]:bounds[i+1]``), exactly the arrays the kit trains on.
The model is softmax regression initialised to zero; every round each client
runs 5 full-batch gradient steps at learning rate 0.5 on the mean cross-entropy,
and Flower's FedAvg averages the weights by example counts; the central test
accuracy of the final model is reported. The wall time covers
``run_simulation`` (engine start, ten rounds, shutdown), which is what a learner
waits for.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np
from flwr.app import ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg
from flwr.simulation import run_simulation

ROUNDS, LOCAL_STEPS, LEARNING_RATE = 10, 5, 0.5

data = np.load(sys.argv[1])
N_CLIENTS = int(sys.argv[2])
X_TRAIN, Y_TRAIN = data["X_train"], data["y_train"]
X_TEST, Y_TEST = data["X_test"], data["y_test"]
BOUNDS = data["bounds"]
N_CLASSES = int(max(Y_TRAIN.max(), Y_TEST.max())) + 1
RESULT: dict = {}


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


client_app = ClientApp()


@client_app.train()
def train(msg: Message, context: Context) -> Message:
    pid = int(context.node_config["partition-id"])
    X = X_TRAIN[BOUNDS[pid]:BOUNDS[pid + 1]]
    y = Y_TRAIN[BOUNDS[pid]:BOUNDS[pid + 1]]
    W, b = msg.content["arrays"].to_numpy_ndarrays()
    onehot = np.eye(N_CLASSES)[y]
    for _ in range(LOCAL_STEPS):
        resid = (softmax(X @ W.T + b) - onehot) / len(y)
        W = W - LEARNING_RATE * resid.T @ X
        b = b - LEARNING_RATE * resid.sum(axis=0)
    content = RecordDict({"arrays": ArrayRecord([W, b]),
                          "metrics": MetricRecord({"num-examples": len(y)})})
    return Message(content=content, reply_to=msg)


server_app = ServerApp()


def central_evaluate(server_round: int, arrays: ArrayRecord) -> MetricRecord:
    W, b = arrays.to_numpy_ndarrays()
    accuracy = float(np.mean(np.argmax(X_TEST @ W.T + b, axis=1) == Y_TEST))
    RESULT["accuracy"] = accuracy
    return MetricRecord({"accuracy": accuracy})


@server_app.main()
def main(grid: Grid, context: Context) -> None:
    strategy = FedAvg(fraction_train=1.0, fraction_evaluate=0.0, min_train_nodes=N_CLIENTS,
                      min_available_nodes=N_CLIENTS)
    init = ArrayRecord([np.zeros((N_CLASSES, X_TRAIN.shape[1])), np.zeros(N_CLASSES)])
    strategy.start(grid=grid, initial_arrays=init, num_rounds=ROUNDS,
                   evaluate_fn=central_evaluate)


if __name__ == "__main__":
    start = time.perf_counter()
    run_simulation(server_app=server_app, client_app=client_app, num_supernodes=N_CLIENTS,
                   backend_config={"client_resources": {"num_cpus": 1, "num_gpus": 0.0}})
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"accuracy": RESULT.get("accuracy"), "seconds": seconds,
                      "driver_peak_mb": peak_mb}))
