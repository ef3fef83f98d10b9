"""The experiment a Flower deployment runs, shared by the ServerApp, the ClientApp and the tests.

Nothing here imports ``flwr``: the same :class:`FlowerSetting` builds the data of
one SuperNode (:meth:`FlowerSetting.client_data`), the kit strategy of the
ServerApp (:meth:`FlowerSetting.strategy`) and the simulator run it must agree
with (:meth:`FlowerSetting.simulate`).

The data are issue 8's reference setting: scikit-learn's digits split by
:func:`~ppml_lab.federated.experiments.federated_digits` (no download), the
training rows ordered by ``numpy.random.default_rng(0).permutation`` and cut into
``n_clients`` IID clients with ``numpy.array_split``; client ``i`` is the SuperNode
whose node config says ``partition-id=i``.

Introduced in notebook 13.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Mapping

import numpy as np

from ..._validation import (check_choice, check_integer, check_nonnegative, check_positive,
                            check_delta, fail)
from ..dp_fedavg import DPFedAvg
from ..models import LogisticModel
from ..simulation import History, pad_clients, run_federated
from ..strategies import SCAFFOLD, FedAvg, FedProx, Strategy
from .secaggplus import SecAggPlus, check_secagg

__all__ = ["STRATEGY_NAMES", "FlowerSetting", "reference_partitions"]

#: The kit strategies a deployment can run (``--strategy`` of the launcher).
STRATEGY_NAMES: tuple[str, ...] = ("fedavg", "fedprox", "dpfedavg", "scaffold")


def reference_partitions(n_rows: int, n_clients: int) -> list[np.ndarray]:
    """Issue 8's IID split: ``array_split(default_rng(0).permutation(n_rows), n_clients)``.

    Examples
    --------
    >>> [p.tolist() for p in reference_partitions(5, 2)]
    [[2, 4, 3], [0, 1]]
    """
    n_rows = check_integer(n_rows, "n_rows", minimum=1)
    n_clients = check_integer(n_clients, "n_clients", minimum=1, maximum=n_rows,
                              fix="Use at most one client per training row.")
    return [np.asarray(p, dtype=np.intp)
            for p in np.array_split(np.random.default_rng(0).permutation(n_rows), n_clients)]


@dataclasses.dataclass(frozen=True)
class FlowerSetting:
    """One federated experiment on the reference digits, checked at construction.

    Parameters
    ----------
    n_clients : int
        SuperNodes, one IID partition each (2 to 100).
    rounds : int
    strategy : {"fedavg", "fedprox", "dpfedavg", "scaffold"}
        ``"dpfedavg"`` wraps FedAvg (or FedProx when ``mu > 0``) in
        :class:`~ppml_lab.federated.DPFedAvg`. ``"scaffold"`` is
        :class:`~ppml_lab.federated.SCAFFOLD` (global learning rate 1): the server
        sends its control variate with the weights, and each SuperNode keeps its own
        in Flower's per-node ``Context.state`` between rounds.
    local_steps : int, default 5
    learning_rate : float, default 0.5
    mu : float, default 0.0
        FedProx's proximal weight (``"fedprox"``, or ``"dpfedavg"`` around FedProx).
    clip_norm, noise_multiplier, delta : float
        DP-FedAvg's clip, noise multiplier and the delta at which epsilon is reported.
    clients_per_round : int, optional
        Clients sampled per round (every client when None).
    seed : int, default 0
        The ``rng`` of :func:`~ppml_lab.federated.run_federated`: the ServerApp draws
        the same client samples and the same DP noise from it.
    secagg : None, True or SecAggPlus, optional
        Aggregate every round with Flower's SecAgg+ (``True``: :class:`SecAggPlus`
        defaults): the ServerApp learns only the weighted mean of the updates,
        quantised (:func:`~ppml_lab.federated.flower.secaggplus.quantisation_bound`).
        Not with ``"scaffold"``.

    Examples
    --------
    >>> s = FlowerSetting(n_clients=3, rounds=2, strategy="dpfedavg", noise_multiplier=1.0)
    >>> s.strategy()
    DPFedAvg(strategy=FedAvg(), clip_norm=1.0, noise_multiplier=1.0, delta=1e-05, local=False, accounting='rdp')
    >>> FlowerSetting.from_config(s.to_config()) == s
    True
    >>> FlowerSetting(n_clients=1, rounds=2)
    Traceback (most recent call last):
    ...
    ValueError: `n_clients` must be an integer in [2, 100]; got 1. Pass e.g. n_clients=3 (one SuperNode each).
    """

    n_clients: int
    rounds: int
    strategy_name: str = "fedavg"
    local_steps: int = 5
    learning_rate: float = 0.5
    mu: float = 0.0
    clip_norm: float = 1.0
    noise_multiplier: float = 0.0
    delta: float = 1e-5
    clients_per_round: int | None = None
    seed: int = 0
    secagg: SecAggPlus | None = None

    def __init__(self, n_clients: int, rounds: int, strategy: str = "fedavg", *,
                 local_steps: int = 5, learning_rate: float = 0.5, mu: float = 0.0,
                 clip_norm: float = 1.0, noise_multiplier: float = 0.0, delta: float = 1e-5,
                 clients_per_round: int | None = None, seed: int = 0,
                 secagg: SecAggPlus | bool | None = None) -> None:
        set_ = object.__setattr__
        n = check_integer(n_clients, "n_clients", minimum=2, maximum=100,
                          fix="Pass e.g. n_clients=3 (one SuperNode each).")
        set_(self, "n_clients", n)
        set_(self, "rounds", check_integer(rounds, "rounds", minimum=1, maximum=1000,
                                           fix="Pass e.g. rounds=5."))
        set_(self, "strategy_name", check_choice(strategy, "strategy", STRATEGY_NAMES))
        set_(self, "local_steps", check_integer(local_steps, "local_steps", minimum=1,
                                                maximum=10**4))
        set_(self, "learning_rate", check_positive(learning_rate, "learning_rate",
                                                   fix="Pass e.g. 0.5."))
        set_(self, "mu", check_nonnegative(mu, "mu", fix="Pass e.g. mu=0.01 (0 is FedAvg)."))
        if self.strategy_name in ("fedavg", "scaffold") and self.mu > 0:
            raise fail("mu", f"0 with strategy={self.strategy_name!r} (the proximal term is "
                       "FedProx's)", mu,
                       "Pass strategy='fedprox' (or 'dpfedavg', which wraps FedProx when mu > 0).")
        set_(self, "clip_norm", check_positive(clip_norm, "clip_norm",
                                               fix="Pass e.g. clip_norm=1.0."))
        set_(self, "noise_multiplier", check_nonnegative(
            noise_multiplier, "noise_multiplier", fix="Pass e.g. 1.0 (0: no noise)."))
        set_(self, "delta", check_delta(delta))
        if clients_per_round is not None:
            clients_per_round = check_integer(
                clients_per_round, "clients_per_round", minimum=1, maximum=n,
                fix="Pass None for every client, or at most n_clients.")
        set_(self, "clients_per_round", clients_per_round)
        set_(self, "seed", check_integer(seed, "seed", minimum=0, maximum=2**63 - 1))
        secagg = check_secagg(secagg, n)
        if secagg is not None and self.strategy_name == "scaffold":
            raise fail("secagg", "None with strategy='scaffold'", secagg,
                       "Flower's SecAgg+ returns one weighted mean per round, and SCAFFOLD "
                       "also needs the unweighted sum of the control changes; run SCAFFOLD "
                       "without secagg, or FedAvg/FedProx/DP-FedAvg with it.")
        set_(self, "secagg", secagg)

    # --- what the ServerApp and the ClientApp build from it --------------------------------

    def strategy(self) -> Strategy:
        """The kit strategy the ServerApp delegates configuration and aggregation to."""
        if self.strategy_name == "fedavg":
            return FedAvg()
        if self.strategy_name == "fedprox":
            return FedProx(self.mu)
        if self.strategy_name == "scaffold":
            return SCAFFOLD()
        inner: Strategy = FedProx(self.mu) if self.mu > 0 else FedAvg()
        return DPFedAvg(inner, clip_norm=self.clip_norm,
                        noise_multiplier=self.noise_multiplier, delta=self.delta)

    def data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(X_train, y_train, X_test, y_test)`` of the reference digits."""
        # imported here: a ClientApp process starts for every message, and
        # ppml_lab.federated.experiments pulls in the DP package (0.7 s of imports)
        from ..experiments import federated_digits

        return federated_digits()

    def partitions(self) -> list[np.ndarray]:
        """The training rows of every client (:func:`reference_partitions`)."""
        return reference_partitions(self.data()[0].shape[0], self.n_clients)

    def model(self) -> LogisticModel:
        """Zero-initialised softmax regression on the digits (64 features, 10 classes)."""
        X_train, y_train = self.data()[:2]
        return LogisticModel(n_features=X_train.shape[1], n_classes=int(y_train.max()) + 1)

    def client_data(self, partition_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One client's ``(X, Y, mask)`` shaped ``(1, n_c, d)``, ``(1, n_c, k)``, ``(1, n_c)``.

        Exactly the rows, in the order, the simulator stacks for that client.
        """
        pid = check_integer(partition_id, "partition_id", minimum=0, maximum=self.n_clients - 1,
                            fix="Set the SuperNode's node config partition-id to 0..n_clients-1.")
        X_train, y_train = self.data()[:2]
        k = self.model().n_classes
        return pad_clients(X_train, np.eye(k)[y_train], [self.partitions()[pid]])

    def simulate(self) -> History:
        """The same experiment in the kit's simulator (:func:`~ppml_lab.federated.run_federated`)."""
        X_train, y_train, X_test, y_test = self.data()
        return run_federated(X_train, y_train, self.partitions(), X_test, y_test,
                             strategy=self.strategy(), rounds=self.rounds,
                             local_steps=self.local_steps, learning_rate=self.learning_rate,
                             clients_per_round=self.clients_per_round, rng=self.seed)

    # --- Flower's run config (flat, hyphenated keys; no None) --------------------------------

    def to_config(self) -> dict[str, Any]:
        """The Flower run config (``[tool.flwr.app.config]``) that carries this setting."""
        return {"num-clients": self.n_clients, "num-server-rounds": self.rounds,
                "strategy": self.strategy_name, "local-steps": self.local_steps,
                "learning-rate": self.learning_rate, "proximal-mu": self.mu,
                "clip-norm": self.clip_norm, "noise-multiplier": self.noise_multiplier,
                "delta": self.delta, "clients-per-round": self.clients_per_round or 0,
                "seed": self.seed,
                "secagg": "" if self.secagg is None else json.dumps(
                    dataclasses.asdict(self.secagg))}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "FlowerSetting":
        """The setting back from a run config written by :meth:`to_config`."""
        optional = ("secagg",)                    # keys added later: absent means the default
        missing = [key for key in cls(2, 1).to_config()
                   if key not in config and key not in optional]
        if missing:
            raise fail("run_config", "a run config written by FlowerSetting.to_config()",
                       dict(config), f"Missing keys: {', '.join(missing)}.")
        return cls(int(config["num-clients"]), int(config["num-server-rounds"]),
                   str(config["strategy"]), local_steps=int(config["local-steps"]),
                   learning_rate=float(config["learning-rate"]),
                   mu=float(config["proximal-mu"]), clip_norm=float(config["clip-norm"]),
                   noise_multiplier=float(config["noise-multiplier"]),
                   delta=float(config["delta"]),
                   clients_per_round=int(config["clients-per-round"]) or None,
                   seed=int(config["seed"]),
                   secagg=(SecAggPlus(**json.loads(str(config["secagg"])))
                           if config.get("secagg") else None))
