"""What a real federated engine costs on top of the simulator: measured, then projected.

Notebook 13 runs the same experiment twice: in the kit's simulator
(:func:`~ppml_lab.federated.run_federated`, every client in one process) and on
Flower's deployment engine on localhost (a SuperLink and one SuperNode per client,
each a separate process; :func:`ppml_lab.federated.flower.run_deployment`). This
module holds the measurement and a small cost model; it never imports ``flwr``:

* :func:`time_simulator` -- the simulator's seconds per round (median of repeats);
* :func:`overheads_from_run` -- a :class:`DeploymentOverheads` from one deployment:
  start-up and shutdown, and the engine's time per round beyond the simulator's;
* :func:`deployment_cost` -- a :class:`DeploymentCost`: wall time and bytes of the
  simulator against a deployment for ``n_clients``, ``rounds``, a model of
  ``n_params`` parameters and a network of ``bandwidth_mbps`` and ``latency_ms``;
* :func:`try_deployment` -- runs a deployment when ``flwr`` is installed, and says
  how to install it (returning None) when it is not, so a notebook never fails.

The cost model, per round (clients work in parallel on their own machines; the
server's own link is assumed not to be the bottleneck)::

    simulator   = n_clients * n_params * train_seconds_per_parameter        (one machine)
    deployment  = round_overhead                                             (the engine)
                + 2 * latency + 2 * n_params * bytes_per_parameter * 8 / bandwidth
                + n_params * train_seconds_per_parameter                     (one client)

plus ``startup_seconds`` once per deployment. Everything but the engine's
overhead is a rough linear projection: real training time is not linear in the
parameters, and real networks have congestion, retries and slow stragglers.

Introduced in notebook 13.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from typing import Any, Callable

import numpy as np

from .._validation import check_integer, check_positive, check_real, fail

__all__ = ["DEFAULT_STARTUP_SECONDS", "DEFAULT_ROUND_OVERHEAD_SECONDS",
           "DEFAULT_TRAIN_SECONDS_PER_PARAMETER", "DeploymentOverheads", "DeploymentCost",
           "deployment_cost", "time_simulator", "overheads_from_run", "try_deployment",
           "format_round", "ratio_in_words"]

#: Start-up and shutdown of a localhost deployment (a SuperLink, 3 SuperNodes, ``flwr run``),
#: measured on the kit's 2-core test machine with flwr 1.42: about 14 s.
DEFAULT_STARTUP_SECONDS = 14.0
#: The engine's time per round beyond the simulator's, same machine: about 6 s, most of it
#: waiting (an idle SuperNode asks the SuperLink for work every 3 s, and each message
#: starts a ClientApp process).
DEFAULT_ROUND_OVERHEAD_SECONDS = 6.0
#: One client's local training per round, per model parameter: the simulator's 1.4 ms per
#: round for 3 clients of the reference digits (650 parameters, about 419 images each,
#: 5 full-batch steps), same machine.
DEFAULT_TRAIN_SECONDS_PER_PARAMETER = 7e-7


@dataclasses.dataclass(frozen=True)
class DeploymentOverheads:
    """What a deployment costs on top of the computation, in seconds.

    Attributes
    ----------
    startup_seconds : float
        Starting and stopping the processes, once per deployment.
    round_overhead_seconds : float
        The engine's time per round beyond the simulator's round (messages,
        serialisation, polling, process start-up of the ClientApps).
    train_seconds_per_parameter : float
        One client's local training per round, per model parameter (from the
        simulator's round time).
    source : str
        Where the numbers come from.

    Examples
    --------
    >>> DeploymentOverheads.defaults().round_overhead_seconds
    6.0
    """

    startup_seconds: float
    round_overhead_seconds: float
    train_seconds_per_parameter: float
    source: str = "measured"

    def __post_init__(self) -> None:
        for name in ("startup_seconds", "round_overhead_seconds"):
            value = check_real(getattr(self, name), name, fix="Pass a number of seconds >= 0.")
            if value < 0:
                raise fail(name, "a number of seconds >= 0", value)
            object.__setattr__(self, name, value)
        object.__setattr__(self, "train_seconds_per_parameter", check_positive(
            self.train_seconds_per_parameter, "train_seconds_per_parameter",
            fix="Pass e.g. 7e-7 (seconds per parameter per client and round)."))

    @classmethod
    def defaults(cls) -> "DeploymentOverheads":
        """The kit's figures, measured on its 2-core test machine (see the module constants)."""
        return cls(DEFAULT_STARTUP_SECONDS, DEFAULT_ROUND_OVERHEAD_SECONDS,
                   DEFAULT_TRAIN_SECONDS_PER_PARAMETER,
                   source="measured on the kit's 2-core test machine")


def time_simulator(setting: Any, *, repeats: int = 5) -> float:
    """Median seconds per round of ``setting.simulate()`` over ``repeats`` runs.

    Parameters
    ----------
    setting : FlowerSetting
        The experiment (:class:`ppml_lab.federated.flower.FlowerSetting`).
    repeats : int, default 5

    Examples
    --------
    >>> from ppml_lab.federated.flower import FlowerSetting
    >>> time_simulator(FlowerSetting(3, 2), repeats=2) < 1.0
    True
    """
    repeats = check_integer(repeats, "repeats", minimum=1, maximum=1000)
    if not hasattr(setting, "simulate") or not hasattr(setting, "rounds"):
        raise fail("setting", "a FlowerSetting", setting, "Pass e.g. FlowerSetting(3, 5).",
                   kind=TypeError)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        setting.simulate()
        times.append((time.perf_counter() - start) / setting.rounds)
    return float(statistics.median(times))


def overheads_from_run(result: Any, simulator_round_seconds: float) -> DeploymentOverheads:
    """The overheads one deployment measured, against the simulator's round time.

    Start-up is the deployment's wall time minus its rounds; the round overhead
    is the median round minus the simulator's round (at least 0); the training
    cost per parameter is the simulator's round shared by its clients and
    parameters.

    Parameters
    ----------
    result : DeploymentResult
        What :func:`ppml_lab.federated.flower.run_deployment` returned.
    simulator_round_seconds : float
        :func:`time_simulator` of the same setting.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from ppml_lab.federated.flower import FlowerSetting
    >>> run = SimpleNamespace(setting=FlowerSetting(3, 2), seconds=26.0, weights=np.zeros(650),
    ...                       rounds=({"seconds": 6.0}, {"seconds": 6.2}))
    >>> o = overheads_from_run(run, 0.002)
    >>> round(o.startup_seconds, 3), round(o.round_overhead_seconds, 3)
    (13.8, 6.098)
    """
    simulator_round_seconds = check_positive(simulator_round_seconds, "simulator_round_seconds",
                                             fix="Pass time_simulator(setting).")
    rounds = getattr(result, "rounds", None)
    if not rounds or not hasattr(result, "seconds") or not hasattr(result, "setting"):
        raise fail("result", "a DeploymentResult with at least one round", result,
                   "Pass what run_deployment(setting) returned.", kind=TypeError)
    seconds = [float(r["seconds"]) for r in rounds]
    n_params = int(np.asarray(result.weights).size)
    return DeploymentOverheads(
        startup_seconds=max(float(result.seconds) - sum(seconds), 0.0),
        round_overhead_seconds=max(statistics.median(seconds) - simulator_round_seconds, 0.0),
        train_seconds_per_parameter=simulator_round_seconds / (result.setting.n_clients
                                                               * n_params),
        source="measured on this machine")


# --- the cost model ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class DeploymentCost:
    """Simulator against deployment for one setting: seconds and bytes (:func:`deployment_cost`).

    Attributes
    ----------
    n_clients, rounds, n_params : int
    bandwidth_mbps, latency_ms : float
        Each client's link (megabits per second, each way) and round-trip time.
    bytes_per_parameter : int
    overheads : DeploymentOverheads
    simulator_round_seconds : float
        Every client's training, one after the other, on one machine.
    engine_seconds, network_seconds, train_seconds : float
        A deployment round's parts: the engine's overhead, two round trips plus
        the model down and the update up, one client's training.
    bytes_per_round : int
        Model down and update up, every client.
    """

    n_clients: int
    rounds: int
    n_params: int
    bandwidth_mbps: float
    latency_ms: float
    bytes_per_parameter: int
    overheads: DeploymentOverheads
    simulator_round_seconds: float
    engine_seconds: float
    network_seconds: float
    train_seconds: float
    bytes_per_round: int

    @property
    def deployment_round_seconds(self) -> float:
        """One deployment round: engine, network and training."""
        return self.engine_seconds + self.network_seconds + self.train_seconds

    @property
    def simulator_seconds(self) -> np.ndarray:
        """Wall time after 0, 1, ..., ``rounds`` rounds in the simulator."""
        return self.simulator_round_seconds * np.arange(self.rounds + 1, dtype=float)

    @property
    def deployment_seconds(self) -> np.ndarray:
        """Wall time after 0, 1, ..., ``rounds`` rounds of a deployment (start-up first)."""
        return (self.overheads.startup_seconds
                + self.deployment_round_seconds * np.arange(self.rounds + 1, dtype=float))

    @property
    def total_bytes(self) -> int:
        """Bytes over the network for the whole run (the simulator sends none)."""
        return self.bytes_per_round * self.rounds

    @property
    def engine_share(self) -> float:
        """The engine's share of one deployment round."""
        return self.engine_seconds / self.deployment_round_seconds

    @property
    def dominant(self) -> str:
        """``"engine"``, ``"network"`` or ``"training"``: the largest part of a round."""
        parts = {"engine": self.engine_seconds, "network": self.network_seconds,
                 "training": self.train_seconds}
        return max(parts, key=parts.__getitem__)

    def summary(self) -> str:
        """The projection in words, with when the engine's overhead matters.

        Examples
        --------
        >>> print(deployment_cost(3, 5, 650).summary())  # doctest: +ELLIPSIS
        3 clients, 5 rounds, 650 parameters, 100 Mbit/s, 20 ms: the simulator needs 6.8 ms,
        a deployment 44 s ... it matters here: ...
        """
        from ..he.experiments import format_seconds as fs

        sim, dep = self.simulator_seconds[-1], self.deployment_seconds[-1]
        head = (f"{self.n_clients:,} clients, {self.rounds} round{'s' if self.rounds > 1 else ''}"
                f", {_count(self.n_params)} parameters, {_rate(self.bandwidth_mbps)}, "
                f"{self.latency_ms:.3g} ms: the simulator needs {fs(sim)}, a deployment "
                f"{fs(dep)} (start-up {fs(self.overheads.startup_seconds)}, then "
                f"{fs(self.deployment_round_seconds)} per round: engine "
                f"{fs(self.engine_seconds)}, network {fs(self.network_seconds)}, training "
                f"{fs(self.train_seconds)}), sending {_bytes(self.total_bytes)}.")
        share = self.engine_share
        if share >= 0.5:
            verdict = (f"The engine's fixed overhead is {100 * share:.0f}% of each round: it "
                       "matters here: the deployment mostly waits for the engine. A larger "
                       "model, a slower link or more local training would hide it.")
        elif share >= 0.1:
            verdict = (f"The engine's overhead is {100 * share:.0f}% of each round: noticeable, "
                       f"but the {self.dominant} is the larger part.")
        else:
            fix = (" Compress the updates (notebook 07) before worrying about the engine."
                   if self.dominant == "network" else "")
            verdict = (f"The engine's overhead is {100 * share:.1f}% of each round: negligible "
                       f"next to the {self.dominant}.{fix}")
        if sim > dep:
            verdict += (" The simulator is the slower one here: it trains all clients on one "
                        "machine, the deployment on each client's own.")
        elif self.overheads.startup_seconds > 0.5 * dep:
            verdict += " Start-up is most of this short run."
        return f"{head} {verdict}"


def deployment_cost(n_clients: int, rounds: int, n_params: int, *, bandwidth_mbps: float = 100.0,
                    latency_ms: float = 20.0, bytes_per_parameter: int = 8,
                    overheads: DeploymentOverheads | None = None) -> DeploymentCost:
    """Project the wall time and bytes of the simulator against a deployment.

    Parameters
    ----------
    n_clients : int
        Clients per round (1 to 10**6).
    rounds : int
        1 to 10**5.
    n_params : int
        Model parameters (the kit's digits model has 650).
    bandwidth_mbps : float, default 100
        Each client's link, megabits per second each way.
    latency_ms : float, default 20
        Round-trip time between a client and the server; a round costs two
        round trips (the model down, the update up).
    bytes_per_parameter : int, default 8
        8 for float64 (what the kit sends), 4 for float32.
    overheads : DeploymentOverheads, optional
        Measured overheads; :meth:`DeploymentOverheads.defaults` when None.

    Returns
    -------
    DeploymentCost

    Examples
    --------
    >>> cost = deployment_cost(3, 5, 650)
    >>> cost.bytes_per_round, cost.dominant
    (31200, 'engine')
    >>> big = deployment_cost(100, 20, 10**8, bandwidth_mbps=20.0)
    >>> big.dominant, round(big.network_seconds)
    ('network', 640)
    """
    n_clients = check_integer(n_clients, "n_clients", minimum=1, maximum=10**6,
                              fix="Pass e.g. n_clients=10.")
    rounds = check_integer(rounds, "rounds", minimum=1, maximum=10**5, fix="Pass e.g. rounds=20.")
    n_params = check_integer(n_params, "n_params", minimum=1, maximum=10**12,
                             fix="Pass e.g. n_params=650 (the digits model).")
    bandwidth_mbps = check_positive(bandwidth_mbps, "bandwidth_mbps", maximum=1e6,
                                    fix="Pass megabits per second, e.g. bandwidth_mbps=100.")
    latency_ms = check_real(latency_ms, "latency_ms", fix="Pass milliseconds, e.g. 20.")
    if not 0 <= latency_ms <= 1e5:
        raise fail("latency_ms", "a round-trip time in [0, 100000] milliseconds", latency_ms,
                   "Pass e.g. latency_ms=20.")
    bytes_per_parameter = check_integer(bytes_per_parameter, "bytes_per_parameter", minimum=1,
                                        maximum=16, fix="Pass 8 (float64) or 4 (float32).")
    if overheads is None:
        overheads = DeploymentOverheads.defaults()
    elif not isinstance(overheads, DeploymentOverheads):
        raise fail("overheads", "a DeploymentOverheads", overheads,
                   "Pass overheads_from_run(...) or DeploymentOverheads.defaults().",
                   kind=TypeError)
    message_bits = n_params * bytes_per_parameter * 8
    train = n_params * overheads.train_seconds_per_parameter
    return DeploymentCost(
        n_clients=n_clients, rounds=rounds, n_params=n_params, bandwidth_mbps=bandwidth_mbps,
        latency_ms=latency_ms, bytes_per_parameter=bytes_per_parameter, overheads=overheads,
        simulator_round_seconds=n_clients * train,
        engine_seconds=overheads.round_overhead_seconds,
        network_seconds=2 * latency_ms / 1e3 + 2 * message_bits / (bandwidth_mbps * 1e6),
        train_seconds=train,
        bytes_per_round=2 * n_clients * n_params * bytes_per_parameter)


# --- running a deployment from a notebook -----------------------------------------------------

def format_round(record: dict[str, Any]) -> str:
    """One round of a deployment as a line: accuracy, epsilon, clients (no timing).

    Examples
    --------
    >>> format_round({"round": 2, "accuracy": 0.92777, "epsilon": None, "clients": [0, 1, 2],
    ...               "dropped": []})
    'round 2: accuracy 0.9278, clients [0, 1, 2]'
    """
    eps = "" if record.get("epsilon") is None else f", epsilon {record['epsilon']:.2f}"
    dropped = f", dropped {record['dropped']}" if record.get("dropped") else ""
    return (f"round {record['round']}: accuracy {record['accuracy']:.4f}{eps}, "
            f"clients {list(record['clients'])}{dropped}")


def try_deployment(setting: Any, *, on_round: Callable[[dict[str, Any]], None] | None = None,
                   say: Callable[[str], None] = print, **kwargs: Any) -> Any:
    """Run ``setting`` on Flower when ``flwr`` is installed; else say how to install it.

    The guard notebook 13 calls: without Flower it returns None after ``say``-ing
    the install command (``FLOWER_INSTALL_HINT``), so every cell still runs.

    Parameters
    ----------
    setting : FlowerSetting
    on_round : callable, optional
        Called with each round's record (e.g. ``lambda r: print(format_round(r))``).
    say : callable, default print
        Where the install message goes.
    **kwargs
        Passed to :func:`ppml_lab.federated.flower.run_deployment` (``port``,
        ``timeout``, ...).

    Returns
    -------
    DeploymentResult or None

    Examples
    --------
    >>> from ppml_lab.federated import flower
    >>> said = []
    >>> if not flower.flwr_available():
    ...     assert try_deployment(flower.FlowerSetting(3, 1), say=said.append) is None
    """
    from . import flower

    if not flower.flwr_available():
        say(f"Flower (flwr) is not installed in this kernel's environment, so the deployment "
            f"cells are skipped. Install the extra with: {flower.FLOWER_INSTALL_HINT} (in a "
            f"clone of the kit: .venv/bin/pip install \".[flower]\"), then restart the kernel.")
        return None
    return flower.run_deployment(setting, on_round=on_round, **kwargs)


def ratio_in_words(deployment_seconds: float, simulator_seconds: float) -> str:
    """How many times ``deployment_seconds`` is ``simulator_seconds``, in coarse words.

    Robust to timing noise (printed outputs are compared strictly): the words
    change only at factors of 10 and 100.

    Examples
    --------
    >>> ratio_in_words(6.0, 0.0015), ratio_in_words(0.05, 0.002), ratio_in_words(1.0, 1.0)
    ('more than a hundred times', 'ten to a hundred times', 'less than ten times')
    """
    deployment_seconds = check_positive(deployment_seconds, "deployment_seconds")
    simulator_seconds = check_positive(simulator_seconds, "simulator_seconds")
    ratio = deployment_seconds / simulator_seconds
    if ratio >= 100:
        return "more than a hundred times"
    if ratio >= 10:
        return "ten to a hundred times"
    return "less than ten times"


# --- formatting -------------------------------------------------------------------------------

def _count(n: int) -> str:
    for unit, scale in (("billion", 1e9), ("million", 1e6)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:,}"


def _rate(mbps: float) -> str:
    return f"{mbps / 1e3:.3g} Gbit/s" if mbps >= 1e3 else f"{mbps:.3g} Mbit/s"


def _bytes(n: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} bytes"

