r"""The federated simulator: many clients trained together on batched arrays.

Each round, the strategy picks the clients and their configuration; every
picked client starts from the global weights :math:`w_t` and takes
``local_steps`` gradient steps on its own data,

.. math:: w \leftarrow w - \eta\,\big(\nabla L_c(w) + \mu\,(w - w_t)\big),

(``mu`` is FedProx's ``"proximal_mu"``, 0 otherwise; SCAFFOLD adds its
correction :math:`c - c_i` to the gradient), and the strategy
aggregates the returned weights. All clients of a round are one computation:
their data are stacked into zero-padded arrays ``(C, m, d)`` with a mask
(see :mod:`ppml_lab.federated.models`), never one Python call per client.

Reported per round (:class:`History`): the global model's accuracy and mean
cross-entropy on the test set, the mean and spread of each reporting client's
accuracy *of its own locally trained model on its own data* (what a client
believes, against what the server gets), the float64 bytes sent down (the
global model to each client that trains) and up (each returned update), and
the wall time. A client without data is skipped, with a note in the history.

The seed's two technical hurdles are simulated too. **Stragglers and
dropouts**: with ``dropout=p`` each sampled client independently fails to
report with probability ``p`` (it received the model, so its download is
counted, but its update never arrives); the round aggregates the others, and a
round where nobody reports keeps the model and says so in the notes.
**Communication**: ``compression=`` (:mod:`ppml_lab.federated.compression`)
compresses each uploaded update :math:`w_c - w_t` (8-bit stochastic
quantisation, or top-k with error feedback), and the history counts the bytes
actually sent beside the float64 bytes.

Introduced in notebook 07.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Sequence

import numpy as np

from .._random import SeedLike, as_generator
from .._validation import (check_array, check_choice, check_features_targets, check_integer,
                           check_positive, check_probability, check_targets, fail)
from .compression import Compressor, check_compression
from .secure import SecureAggregation, check_secure_aggregation
from .models import LogisticModel, make_model
from .strategies import CLIENT_SAMPLINGS, FedAvg, Strategy, scaffold_control_update

__all__ = ["History", "local_train", "pad_clients", "run_federated", "size_groups"]

BYTES_PER_PARAM = 8  # float64


def _frozen(array: Any, dtype: Any = float) -> np.ndarray:
    out = np.array(array, dtype=dtype)
    out.setflags(write=False)
    return out


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class History:
    """What a federated run measured, one entry per round (see :func:`run_federated`).

    Attributes
    ----------
    accuracy, loss : (rounds,) arrays
        The global model's test accuracy and mean test cross-entropy after each round.
    client_accuracy_mean, client_accuracy_std : (rounds,) arrays
        Mean and standard deviation, over the round's reporting clients, of each
        client's locally trained model's accuracy on its own data (NaN if none reported).
    bytes_down, bytes_up : (rounds,) int arrays
        Bytes sent to the sampled clients (float64 parameters, and SCAFFOLD's
        control variate) and back from the reporting ones (compressed when
        ``compression`` is set, plus SCAFFOLD's control change).
    bytes_up_uncompressed : (rounds,) int array
        What the uploads would have taken as float64 (equal to ``bytes_up``
        without compression).
    wall_time : (rounds,) array
        Seconds per round.
    n_participants : (rounds,) int array
        Clients that trained and reported in each round.
    n_dropped : (rounds,) int array
        Sampled clients that did not report (stragglers, ``dropout``).
    epsilon : (rounds,) array or None
        Privacy spent after each round, at the DP strategy's ``delta`` (see
        :class:`~ppml_lab.federated.DPFedAvg`); ``inf`` with ``noise_multiplier=0``;
        None without differential privacy.
    weights : (n_params,) array
        The final global weights.
    model : LogisticModel or MLPModel
        The model, to read ``weights`` (``model.predict_proba(weights, X)``).
    classes : array
        The class labels, in the order of the model's outputs.
    strategy : str
        The strategy's repr.
    notes : tuple of str
        What the simulator had to do differently (skipped clients).
    """

    accuracy: np.ndarray
    loss: np.ndarray
    client_accuracy_mean: np.ndarray
    client_accuracy_std: np.ndarray
    bytes_down: np.ndarray
    bytes_up: np.ndarray
    wall_time: np.ndarray
    n_participants: np.ndarray
    n_dropped: np.ndarray
    bytes_up_uncompressed: np.ndarray
    epsilon: np.ndarray | None
    weights: np.ndarray
    model: LogisticModel
    classes: np.ndarray
    strategy: str
    notes: tuple[str, ...] = ()

    @property
    def rounds(self) -> int:
        return int(self.accuracy.shape[0])

    def __repr__(self) -> str:
        return (f"History(rounds={self.rounds}, model={self.model.name!r}, "
                f"strategy={self.strategy}, final_accuracy={self.accuracy[-1]:.4g}, "
                f"final_loss={self.loss[-1]:.4g}, bytes={int(self.bytes_down.sum() + self.bytes_up.sum())}, "
                f"epsilon={None if self.epsilon is None else f'{self.epsilon[-1]:.4g}'}, "
                f"notes={len(self.notes)})")

    def summary(self) -> str:
        """A short table: one line per round, then the totals and the notes."""
        lines = [f"{self.strategy}, {self.model.name} model, {self.rounds} rounds",
                 "round  clients  dropped  test acc  test loss  client acc (mean +- sd)  "
                 "MB down  MB up  seconds"]
        for r in range(self.rounds):
            lines.append(f"{r + 1:>5}  {self.n_participants[r]:>7}  {self.n_dropped[r]:>7}  "
                         f"{self.accuracy[r]:>8.4f}  "
                         f"{self.loss[r]:>9.4f}  {self.client_accuracy_mean[r]:>11.4f} +- "
                         f"{self.client_accuracy_std[r]:<8.4f}  "
                         f"{self.bytes_down[r] / 1e6:>7.3f}  {self.bytes_up[r] / 1e6:>5.3f}  "
                         f"{self.wall_time[r]:>7.3f}")
        saved = int(self.bytes_up_uncompressed.sum() - self.bytes_up.sum())
        lines.append(f"final test accuracy {self.accuracy[-1]:.4f}; "
                     f"{(self.bytes_down.sum() + self.bytes_up.sum()) / 1e6:.3f} MB sent"
                     + (f" ({saved / 1e6:.3f} MB saved by compression)" if saved else "") + "; "
                     f"{self.wall_time.sum():.2f} s; epsilon "
                     + ("none (no differential privacy)" if self.epsilon is None
                        else f"{self.epsilon[-1]:.4g}"))
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)


def _check_partitions(partitions: Any, n: int) -> list[np.ndarray]:
    fix = ("Pass a list of index arrays that together hold every row of X exactly once, "
           "e.g. np.array_split(rng.permutation(len(X)), n_clients).")
    if isinstance(partitions, (str, bytes, np.ndarray)) or not isinstance(partitions, Sequence):
        raise fail("partitions", "a list of integer index arrays, one per client", partitions,
                   fix, kind=TypeError)
    check_integer(len(partitions), "n_clients", minimum=1, maximum=n,
                  fix=f"Use between 1 and len(X) = {n} clients.")
    parts = []
    for c, part in enumerate(partitions):
        arr = np.asarray(part)
        if arr.size == 0:
            arr = arr.astype(int)
        if arr.ndim != 1 or arr.dtype.kind not in "iu":
            raise fail("partitions", "a list of 1-D integer index arrays", arr, fix,
                       show=f"partitions[{c}] of shape {arr.shape} and dtype {arr.dtype}")
        if arr.size and (arr.min() < 0 or arr.max() >= n):
            raise fail("partitions", f"indices in [0, {n - 1}]", arr, fix,
                       show=f"partitions[{c}] with values from {arr.min()} to {arr.max()}")
        parts.append(arr.astype(np.intp))
    counts = np.bincount(np.concatenate(parts), minlength=n)
    if np.any(counts > 1):
        raise fail("partitions", "disjoint (no row in two clients)", partitions, fix,
                   show=f"{int(np.sum(counts > 1))} row(s) in more than one client")
    if np.any(counts == 0):
        raise fail("partitions", "a cover of every row of X", partitions, fix,
                   show=f"{int(np.sum(counts == 0))} row(s) left out")
    return parts


def pad_clients(X: np.ndarray, Y: np.ndarray,
                partitions: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stack the clients' rows into zero-padded arrays and a 0/1 mask of the real rows.

    Returns ``X_pad`` ``(C, m, d)``, ``Y_pad`` ``(C, m, k)`` and ``mask`` ``(C, m)``
    with ``m`` the largest client's size.

    Examples
    --------
    >>> Xp, Yp, mask = pad_clients(np.arange(6.0).reshape(3, 2), np.eye(2)[[0, 1, 1]],
    ...                            [np.array([2]), np.array([0, 1])])
    >>> Xp.shape, mask.tolist()
    ((2, 2, 2), [[1.0, 0.0], [1.0, 1.0]])
    """
    sizes = np.array([len(p) for p in partitions])
    m = max(int(sizes.max()), 1)
    rows = np.zeros((len(partitions), m), dtype=np.intp)
    mask = np.arange(m)[None, :] < sizes[:, None]
    rows[mask] = np.concatenate(partitions)   # row-major: client by client, in partition order
    return X[rows] * mask[..., None], Y[rows] * mask[..., None], mask.astype(float)


def local_train(model: LogisticModel, global_weights: np.ndarray, X: np.ndarray, Y: np.ndarray,
                mask: np.ndarray, *, local_steps: int, learning_rate: float,
                proximal_mu: float = 0.0, batch_size: int | None = None,
                correction: np.ndarray | None = None, gradient: Any = None,
                rng: SeedLike = None) -> np.ndarray:
    r"""Train all ``C`` clients from ``global_weights`` at once; return their weights ``(C, p)``.

    Each step is :math:`w \leftarrow w - \eta(\nabla L_c(w) + \mu (w - w_t) + g_c)` with
    :math:`L_c` the mean loss over the client's rows, or over ``batch_size`` of them
    drawn without replacement at each step (all of them if the client has fewer),
    and :math:`g_c` row ``c`` of ``correction`` (SCAFFOLD's :math:`c - c_i`; zero
    when None).

    Examples
    --------
    >>> model = LogisticModel(n_features=1, n_classes=2)
    >>> X = np.array([[[1.0], [-1.0]]]); Y = np.eye(2)[None]; mask = np.ones((1, 2))
    >>> local_train(model, model.init(), X, Y, mask, local_steps=1, learning_rate=1.0).tolist()
    [[0.5, 0.0, -0.5, 0.0]]
    """
    W = np.repeat(np.asarray(global_weights, dtype=float)[None], X.shape[0], axis=0)
    gen = as_generator(rng) if batch_size is not None else None
    sizes = mask.sum(axis=1)
    if gradient is None:            # the model's gradient on these data (a caller may reuse one)
        gradient = model.gradient_fn(X, Y, mask)
    for _ in range(local_steps):
        step_mask = mask
        if gen is not None:
            # a uniform random order of each client's real rows; keep the first batch_size
            keys = np.where(mask > 0, gen.random(mask.shape), np.inf)
            ranks = np.argsort(np.argsort(keys, axis=1), axis=1)
            step_mask = (ranks < np.minimum(sizes, batch_size)[:, None]).astype(float)
        grad = gradient(W, None if gen is None else step_mask)
        if proximal_mu:
            grad = grad + proximal_mu * (W - global_weights)
        if correction is not None:
            grad = grad + correction
        grad *= learning_rate                           # a fresh array: scale it in place
        W -= grad
    return W


def size_groups(sizes: np.ndarray) -> list[np.ndarray]:
    """Positions of ``sizes`` grouped so that a group's largest size is at most twice its smallest.

    Padding every client to the largest one wastes work when sizes differ a lot
    (a Dirichlet split with small alpha); training each group padded to its own
    largest client keeps the waste under a factor of two.

    Examples
    --------
    >>> [g.tolist() for g in size_groups(np.array([1, 300, 2, 40, 3]))]
    [[0], [2, 4], [3], [1]]
    """
    sizes = np.maximum(np.asarray(sizes), 1)
    band = np.floor(np.log2(sizes)).astype(int)
    order = np.argsort(band, kind="stable")
    cuts = np.flatnonzero(np.diff(band[order])) + 1
    return np.split(order, cuts)


def _accuracy_and_loss(model: LogisticModel, w: np.ndarray, X: np.ndarray,
                       y_index: np.ndarray) -> tuple[float, float]:
    proba = model.predict_proba(w, X)
    loss = -np.mean(np.log(np.maximum(proba[np.arange(len(y_index)), y_index], 1e-300)))
    return float(np.mean(proba.argmax(axis=1) == y_index)), float(loss)


def _unchanged(strategy: Strategy) -> str:
    """How a round without aggregated updates leaves the model, in words."""
    if getattr(strategy, "noise_multiplier", 0) > 0 and not getattr(strategy, "local", True):
        return "the global model moves by the server's DP noise alone"
    return "the global model is unchanged"


def _secure_round(secure: SecureAggregation, strategy: Strategy, w: np.ndarray,
                  summands: np.ndarray, reported: np.ndarray, width: int, *,
                  expected_clients: int,
                  server_round: int, noise_rng: Any,
                  secure_rng: Any) -> tuple[np.ndarray, np.ndarray | None, tuple[int, int], str]:
    """One round's aggregation through the secure-aggregation protocol.

    ``summands`` are the reporting clients' rows (the strategy's ``width``
    columns, then SCAFFOLD's control changes), ``reported`` marks them among
    the round's participants (who all took part in the key agreement). Returns
    the new weights, SCAFFOLD's summed control change (or None), the protocol's
    bytes (up, down) and a note ("" when the round went through).
    """
    from ..secret_sharing import TooFewSurvivorsError

    q = summands.shape[1]
    k, n = int(reported.sum()), reported.size
    if n < 2:
        return (strategy.aggregate_sum(w, np.zeros(width), n_reports=0,
                                       expected_clients=expected_clients, rng=noise_rng),
                None, (0, 0), f"round {server_round}: one participant; secure aggregation "
                f"needs at least two, so its update was not aggregated; {_unchanged(strategy)}.")
    vectors = np.zeros((n, q))
    vectors[reported] = summands
    try:
        result = secure.run(vectors, np.flatnonzero(~reported), rng=secure_rng)
    except TooFewSurvivorsError:
        t = secure.round_threshold(n)
        return (strategy.aggregate_sum(w, np.zeros(width), n_reports=0,
                                       expected_clients=expected_clients, rng=noise_rng),
                None, (0, 0), f"round {server_round}: {k} of {n} clients reported, fewer than "
                f"the secure-aggregation threshold {t}; nothing could be unmasked and "
                f"{_unchanged(strategy)}.")
    total = np.asarray(result.sum, dtype=float)
    cost = (sum(phase.bytes_up for phase in result.phases),
            sum(phase.bytes_down for phase in result.phases))
    new = strategy.aggregate_sum(w, total[:width], n_reports=k,
                                 expected_clients=expected_clients, rng=noise_rng)
    return new, (total[width:] if q > width else None), cost, ""


def run_federated(X: Any, y: Any, partitions: Sequence[Any], X_test: Any, y_test: Any, *,
                  strategy: Strategy = FedAvg(), rounds: int = 10, local_steps: int = 5,
                  learning_rate: float = 0.5, batch_size: int | None = None,
                  clients_per_round: int | None = None, client_sampling: str = "fixed",
                  model: str | LogisticModel = "logistic",
                  initial_weights: Any = None, accountant: Any = None,
                  dropout: float = 0.0, compression: Compressor | None = None,
                  secure_aggregation: SecureAggregation | bool | None = None,
                  rng: SeedLike = None) -> History:
    """Simulate federated training of ``model`` over the clients in ``partitions``.

    Parameters
    ----------
    X, y : arrays
        The training rows and their class labels (all clients' data).
    partitions : list of int arrays
        Client ``c`` holds rows ``partitions[c]``; together they hold every row once.
    X_test, y_test : arrays
        The server's test set.
    strategy : Strategy, default FedAvg()
    rounds, local_steps : int
        Rounds, and gradient steps per client per round.
    learning_rate : float
    batch_size : int, optional
        Rows per local step (full batch when None).
    clients_per_round : int, optional
        Clients sampled uniformly without replacement each round (all when None).
    client_sampling : {"fixed", "poisson"}, default "fixed"
        Exactly ``clients_per_round`` clients per round, or each client
        independently with probability ``clients_per_round / n_clients`` (what the
        DP accountants analyse; see :class:`~ppml_lab.federated.DPFedAvg`).
    model : "logistic", "mlp" or a model object
        Zero-initialised softmax regression, or a one-hidden-layer tanh MLP.
    initial_weights : array, optional
        Start from these global weights instead of ``model.init(rng=...)``.
    accountant : BudgetAccountant, optional
        With a differentially private strategy (:class:`~ppml_lab.federated.DPFedAvg`),
        charged the whole run's ``(epsilon, delta)`` *before* training; a refused
        spend raises and nothing is trained.
    dropout : float in [0, 1), default 0
        Probability that a sampled client does not report in a round (a straggler
        or a dropped connection), independently per client and round.
    compression : Compressor, optional
        :class:`~ppml_lab.federated.StochasticQuantizer` or
        :class:`~ppml_lab.federated.TopK`: how each client compresses its update
        before uploading it (error feedback, if the compressor keeps it, is kept
        per client across rounds).
    secure_aggregation : SecureAggregation or True, optional
        Aggregate every round through the secure-aggregation protocol
        (:mod:`ppml_lab.federated.secure`): the server learns only the sum of the
        reporting clients' :meth:`~Strategy.secure_summands`; the stragglers of
        ``dropout`` are the protocol's dropped clients. ``True`` uses the
        defaults (a majority threshold, 20 fractional bits).
    rng : None, int or Generator
        Seeds the sampling of clients, minibatches, the MLP's initial weights,
        the DP noise, the dropouts, the stochastic quantisation and the secure
        aggregation's keys (with ``rng=None`` those come from the OS CSPRNG).

    Returns
    -------
    History

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 2)); y = (X[:, 0] > 0).astype(int)
    >>> parts = np.array_split(rng.permutation(40), 4)
    >>> h = run_federated(X, y, parts, X, y, rounds=3, rng=0)
    >>> h.accuracy.shape, bool(h.accuracy[-1] > 0.9), int(h.bytes_up[0])
    ((3,), True, 192)
    """
    X, y = check_features_targets(X, y)
    classes, y_index = check_targets(y, X.shape[0])
    X_test, y_test = check_features_targets(X_test, y_test, X_name="X_test", y_name="y_test")
    if X_test.shape[1] != X.shape[1]:
        raise fail("X_test", f"{X.shape[1]} columns, as X", X_test,
                   show=f"an array of shape {X_test.shape}")
    test_index = np.searchsorted(classes, y_test).clip(0, len(classes) - 1)
    if np.any(classes[test_index] != y_test):
        raise fail("y_test", "labels that occur in y", y_test,
                   "The model can only predict the classes it was trained on.")
    parts = _check_partitions(partitions, X.shape[0])
    n_clients = len(parts)
    if not isinstance(strategy, Strategy):
        raise fail("strategy", "a Strategy such as FedAvg() or FedProx(mu=0.01)", strategy,
                   kind=TypeError)
    rounds = check_integer(rounds, "rounds", minimum=1, maximum=10**6)
    local_steps = check_integer(local_steps, "local_steps", minimum=1, maximum=10**6)
    learning_rate = check_positive(learning_rate, "learning_rate", fix="Pass e.g. 0.5.")
    if batch_size is not None:
        batch_size = check_integer(batch_size, "batch_size", minimum=1,
                                   fix="Pass None for full-batch steps.")
    if clients_per_round is not None:
        clients_per_round = check_integer(clients_per_round, "clients_per_round", minimum=1,
                                          maximum=n_clients,
                                          fix="Pass None for every client, or at most n_clients.")
    client_sampling = check_choice(client_sampling, "client_sampling", CLIENT_SAMPLINGS)
    dropout = check_probability(dropout, "dropout", low_open=False,
                                fix="Pass e.g. dropout=0.1 (each sampled client fails to report "
                                    "with probability 0.1); 0 for none.")
    compression = check_compression(compression)
    secure = check_secure_aggregation(secure_aggregation, compression)
    net = make_model(model, X.shape[1], len(classes))
    # spawn(n)'s first children are spawn(n-1)'s: adding a stream leaves the others unchanged
    (sample_rng, batch_rng, init_rng, noise_rng, drop_rng, compress_rng,
     secure_rng) = as_generator(rng).spawn(7)
    if rng is None:
        secure_rng = None          # the protocol's keys and shares from the OS CSPRNG
    if initial_weights is None:
        w = net.init(rng=init_rng)
    else:
        w = check_array(initial_weights, "initial_weights", ndim=1).copy()
        if w.shape[0] != net.n_params:
            raise fail("initial_weights", f"a vector of the model's {net.n_params} parameters",
                       w, show=f"{w.shape[0]} values")

    expected_clients = n_clients if clients_per_round is None else clients_per_round
    epsilon = strategy.epsilons(rounds, n_clients, clients_per_round)
    if accountant is not None:
        if epsilon is None:
            raise fail("accountant", "None unless the strategy is differentially private",
                       accountant, "Wrap the strategy: DPFedAvg(FedAvg(), clip_norm=1.0, "
                       "noise_multiplier=1.0).", kind=TypeError)
        if not np.isfinite(epsilon[-1]):
            raise fail("accountant", "None when noise_multiplier=0 (epsilon is inf: no "
                       "privacy to charge)", accountant, "Pass a positive noise_multiplier.")
        from ..dp.budget import _spend_on

        _spend_on(accountant, float(epsilon[-1]), strategy.delta,  # type: ignore[attr-defined]
                  label=f"run_federated: {strategy!r}, {rounds} rounds, "
                        f"{expected_clients} of {n_clients} clients per round")

    X_pad, Y_pad, mask = pad_clients(X, np.eye(len(classes))[y_index], parts)
    sizes = mask.sum(axis=1)
    p = net.n_params
    control_variates = bool(getattr(strategy, "uses_control_variates", False))
    server_control = np.zeros(p) if control_variates else None
    client_controls = np.zeros((n_clients, p)) if control_variates else None
    residuals = (np.zeros((n_clients, p))
                 if compression is not None and compression.error_feedback else None)
    float_bytes = p * BYTES_PER_PARAM
    extra = float_bytes if control_variates else 0           # SCAFFOLD's c down, delta c_i up
    down_each = float_bytes + extra
    up_each = (float_bytes if compression is None else compression.bytes_per_update(p)) + extra
    notes: list[str] = []
    noted: set[int] = set()
    record: dict[str, list[float]] = {key: [] for key in (
        "accuracy", "loss", "client_mean", "client_std", "down", "up", "up_raw", "time", "n",
        "dropped")}
    # with every client in every round the groups repeat: stack their data once
    same_clients = clients_per_round is None and dropout == 0
    group_data: dict[bytes, tuple[Any, ...]] = {}
    for server_round in range(1, rounds + 1):
        start = time.perf_counter()
        protocol_bytes = (0, 0)                   # secure aggregation's (up, down) this round
        plan = strategy.configure_round(server_round, n_clients, clients_per_round,
                                        sampling=client_sampling, rng=sample_rng)
        empty = [int(c) for c in plan.clients if sizes[c] == 0 and int(c) not in noted]
        for c in empty:
            noted.add(c)
            notes.append(f"client {c} has no data and was skipped whenever sampled "
                         f"(first in round {server_round}).")
        active = plan.clients[sizes[plan.clients] > 0]
        reporting = active
        if dropout > 0 and active.size:
            reporting = active[drop_rng.random(active.size) >= dropout]
        if reporting.size:
            correction = (None if server_control is None
                          else server_control - client_controls[reporting])  # type: ignore[index]
            W = np.empty((reporting.size, p))
            own_accuracy = np.empty(reporting.size)
            for group in size_groups(sizes[reporting]):   # pad each group to its own largest
                rows = reporting[group]
                key = rows.tobytes()
                if key in group_data:
                    Xa, Ya, ma, labels, gradient = group_data[key]
                else:
                    m = max(int(sizes[rows].max()), 1)
                    Xa, Ya, ma = X_pad[rows, :m], Y_pad[rows, :m], mask[rows, :m]
                    labels, gradient = Ya.argmax(axis=2), net.gradient_fn(Xa, Ya, ma)
                    if same_clients:                      # every round trains these same groups
                        group_data[key] = (Xa, Ya, ma, labels, gradient)
                W[group] = local_train(net, w, Xa, Ya, ma, local_steps=local_steps,
                                       learning_rate=learning_rate,
                                       proximal_mu=float(plan.config.get("proximal_mu", 0.0)),
                                       batch_size=batch_size, rng=batch_rng, gradient=gradient,
                                       correction=None if correction is None
                                       else correction[group])
                correct = net.logits(W[group], Xa).argmax(axis=2) == labels
                own_accuracy[group] = (correct * ma).sum(axis=1) / sizes[rows]
            if client_controls is not None:
                # SCAFFOLD option II: c_i+ = c_i - c + (w_t - y_i) / (K eta)
                new_controls = -correction + (w - W) / (local_steps * learning_rate)
                control_deltas = new_controls - client_controls[reporting]
                client_controls[reporting] = new_controls
            if compression is not None:
                update = W - w
                if residuals is not None:
                    update = update + residuals[reporting]
                sent = compression.compress(update, rng=compress_rng)
                if residuals is not None:
                    residuals[reporting] = update - sent
                W = w + sent
            if secure is None:
                w = strategy.aggregate_round(w, W, sizes[reporting],
                                             expected_clients=expected_clients, rng=noise_rng)
                if server_control is not None:
                    server_control = scaffold_control_update(server_control, control_deltas,
                                                             n_clients)
            else:
                summands = strategy.secure_summands(w, W, sizes[reporting], rng=noise_rng)
                width = summands.shape[1]
                if server_control is not None:
                    summands = np.hstack([summands, control_deltas])
                w, control_sum, protocol_bytes, note = _secure_round(
                    secure, strategy, w, summands, np.isin(active, reporting), width,
                    expected_clients=expected_clients, server_round=server_round,
                    noise_rng=noise_rng, secure_rng=secure_rng)
                if note:
                    notes.append(note)
                if server_control is not None and control_sum is not None:
                    server_control = scaffold_control_update(server_control, control_sum[None],
                                                             n_clients)
            record["client_mean"].append(float(own_accuracy.mean()))
            record["client_std"].append(float(own_accuracy.std()))
        else:
            if active.size:
                notes.append(f"round {server_round}: all {active.size} sampled clients dropped "
                             f"out; {_unchanged(strategy)}.")
            else:
                notes.append(f"round {server_round}: no sampled client had data; "
                             f"{_unchanged(strategy)}.")
            if secure is None:
                w = strategy.aggregate_round(w, np.empty((0, w.shape[0])), np.empty(0),
                                             expected_clients=expected_clients, rng=noise_rng)
            else:
                w = strategy.aggregate_sum(w, np.zeros(p + 1), n_reports=0,
                                           expected_clients=expected_clients, rng=noise_rng)
            record["client_mean"].append(np.nan)
            record["client_std"].append(np.nan)
        accuracy, loss = _accuracy_and_loss(net, w, X_test, test_index)
        record["accuracy"].append(accuracy)
        record["loss"].append(loss)
        record["down"].append(active.size * down_each + protocol_bytes[1])
        record["up"].append(reporting.size * up_each if secure is None else protocol_bytes[0])
        record["up_raw"].append(reporting.size * (float_bytes + extra))
        record["n"].append(reporting.size)
        record["dropped"].append(active.size - reporting.size)
        record["time"].append(time.perf_counter() - start)
    return History(
        accuracy=_frozen(record["accuracy"]), loss=_frozen(record["loss"]),
        client_accuracy_mean=_frozen(record["client_mean"]),
        client_accuracy_std=_frozen(record["client_std"]),
        bytes_down=_frozen(record["down"], np.int64), bytes_up=_frozen(record["up"], np.int64),
        wall_time=_frozen(record["time"]), n_participants=_frozen(record["n"], np.int64),
        n_dropped=_frozen(record["dropped"], np.int64),
        bytes_up_uncompressed=_frozen(record["up_raw"], np.int64),
        epsilon=None if epsilon is None else _frozen(epsilon), weights=_frozen(w), model=net,
        classes=classes, strategy=repr(strategy), notes=tuple(notes))
