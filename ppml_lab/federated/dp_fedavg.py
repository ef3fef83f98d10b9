r"""DP-FedAvg: user-level differential privacy around any federated strategy.

:class:`DPFedAvg` wraps a strategy (FedAvg, FedProx, ...) the way Flower's
central-DP wrappers do [MRTZ18]_. **The unit of privacy is one client, all of
its examples together**: the guarantee covers adding or removing a whole
client, not one row of its data.

Each round, with global weights :math:`w_t` and the sampled clients' weights
:math:`w_c`:

1. the update :math:`\Delta_c = w_c - w_t` is clipped to L2 norm ``clip_norm``
   :math:`C`: :math:`\bar\Delta_c = \Delta_c \min(1, C / \lVert\Delta_c\rVert_2)`;
2. the wrapped strategy aggregates the clipped weights :math:`w_t + \bar\Delta_c`,
   *every client counted once* (it is handed weights of 1, not example counts);
3. the server adds Gaussian noise of standard deviation ``noise_multiplier * clip_norm``
   to the *sum* and divides by the expected number of clients per round
   :math:`m` (``clients_per_round``, or every client), a fixed denominator:

.. math:: w_{t+1} = w_t + \frac{1}{m}\Big(\sum_c \bar\Delta_c + \mathcal N(0, \sigma^2 C^2 I)\Big).

This is the uniform estimator of [MRTZ18]_: one client moves the sum by at most
:math:`C`, so the noise multiplier :math:`\sigma` is the Gaussian mechanism's.
Weighting by example counts (what FedAvg does) would let one large client move
the average by more than :math:`C/m` unless every weight is capped by a fixed,
public bound; that estimator is not implemented. So with ``noise_multiplier=0``
and a clip larger than every update, DPFedAvg equals its wrapped strategy
exactly when the clients hold equally many examples and every round has
``clients_per_round`` reports (fixed-size sampling, no client without data); with
unequal clients it equals the wrapped strategy with every client
counted once.

Accounting. :meth:`DPFedAvg.epsilons` composes the Poisson-subsampled Gaussian
mechanism once per round at ``sample_rate = clients_per_round / n_clients``
with the accountants of notebook 04 (``accounting="rdp"``, the default, or
``"pld"``) and converts at ``delta``, for add/remove-one-client neighbours.
That is the guarantee of ``run_federated(..., client_sampling="poisson")``,
where each client joins each round independently with probability
``clients_per_round / n_clients``. The simulator's default,
``client_sampling="fixed"``, draws exactly ``clients_per_round`` clients
*without replacement*; for it the reported epsilon is still the *Poisson*
analysis, as DP-SGD libraries commonly report for shuffled batches. Notebook
04's pitfall section explains why that is not the same guarantee; the gap is
small for small sampling rates but is not zero. Use Poisson sampling when the
number has to be the guarantee.
``noise_multiplier=0`` is allowed (it is the non-private baseline) and its
epsilon is ``inf``: no noise, no privacy.

Local DP (``local=True``): the server is not trusted, so each client clips
*and* noises its own update with standard deviation ``noise_multiplier *
clip_norm`` before sending it; the server only averages. The noise in the sum
is then :math:`\sqrt{k}` times larger for :math:`k` reporting clients, which is
the accuracy cost of not trusting the server. Its epsilon is the one each
client gets against the server, who sees every update it sends: the Gaussian
mechanism with L2 sensitivity :math:`2C` (any two clipped updates), composed
over every round (a client may be sampled every time; the server knows who it
sampled, so sampling gives no amplification).

References
----------
.. [MRTZ18] McMahan, Ramage, Talwar, Zhang, "Learning differentially private
   recurrent language models", ICLR 2018.

Introduced in notebook 08.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._random import SeedLike, as_generator
from .._validation import (NOISE_MULTIPLIER_FIX, check_array, check_bool, check_choice,
                           check_delta, check_integer, check_nonnegative, check_positive, fail)
from .strategies import RoundPlan, Strategy

__all__ = ["DPFedAvg", "clip_updates", "DP_FEDAVG_ACCOUNTING"]

#: The accountants of notebook 04 that :class:`DPFedAvg` can use.
DP_FEDAVG_ACCOUNTING: tuple[str, ...] = ("rdp", "pld")


def clip_updates(global_weights: np.ndarray, updates: np.ndarray, clip_norm: float) -> np.ndarray:
    r"""Clients' weights with each update :math:`w_c - w_t` clipped to L2 norm ``clip_norm``.

    Rows whose update is already short enough are returned unchanged (bit for bit).

    Examples
    --------
    >>> clip_updates(np.zeros(2), np.array([[3.0, 4.0], [0.3, 0.4]]), 1.0).tolist()
    [[0.6000000000000001, 0.8], [0.3, 0.4]]
    """
    delta = updates - global_weights
    norms = np.linalg.norm(delta, axis=1)
    long = norms > clip_norm
    out = updates.copy()
    out[long] = global_weights + delta[long] * (clip_norm / norms[long])[:, None]
    return out


@dataclasses.dataclass(frozen=True)
class DPFedAvg(Strategy):
    """User-level DP-FedAvg around ``strategy`` (see the module docstring for the maths).

    Parameters
    ----------
    strategy : Strategy
        The wrapped strategy: it samples the clients, configures them (e.g.
        FedProx's ``mu``) and aggregates the clipped updates, each client counted once.
    clip_norm : float
        L2 bound on each client's update ``w_c - w_t``, > 0.
    noise_multiplier : float
        Noise standard deviation / ``clip_norm``, >= 0 (0: no noise, epsilon inf).
    delta : float, default 1e-5
        The delta at which :meth:`epsilons` reports; well below 1 / n_clients.
    local : bool, default False
        Each client noises its own update (local DP; the server is not trusted).
    accounting : {"rdp", "pld"}, default "rdp"
        Rényi DP or privacy loss distributions (notebook 04).

    The unit of privacy is one client (all of its examples). Introduced in notebook 08.

    Examples
    --------
    >>> from ppml_lab.federated import FedAvg
    >>> dp = DPFedAvg(FedAvg(), clip_norm=1.0, noise_multiplier=1.0)
    >>> round(float(dp.epsilons(rounds=30, n_clients=100, clients_per_round=10)[-1]), 3)
    4.848
    >>> DPFedAvg(FedAvg(), clip_norm=0, noise_multiplier=1.0)
    Traceback (most recent call last):
    ...
    ValueError: `clip_norm` must be a positive finite number; got 0.0. Pass the L2 bound on each client's update, e.g. clip_norm=1.0.
    """

    strategy: Strategy
    clip_norm: float
    noise_multiplier: float
    delta: float = 1e-5
    local: bool = False
    accounting: str = "rdp"

    def __post_init__(self) -> None:
        if not isinstance(self.strategy, Strategy) or isinstance(self.strategy, DPFedAvg):
            raise fail("strategy", "a Strategy such as FedAvg() or FedProx(mu=0.01), "
                       "not already wrapped in DPFedAvg", self.strategy, kind=TypeError)
        if self.strategy.uses_control_variates:
            raise fail("strategy", "a strategy without control variates (FedAvg or FedProx)",
                       self.strategy, "SCAFFOLD's control variates would reach the server "
                       "unclipped and un-noised, so DPFedAvg cannot bound what a client "
                       "reveals; wrap FedAvg() or FedProx(mu) instead.", kind=TypeError)
        setattr_ = object.__setattr__
        setattr_(self, "clip_norm", check_positive(
            self.clip_norm, "clip_norm",
            fix="Pass the L2 bound on each client's update, e.g. clip_norm=1.0."))
        setattr_(self, "noise_multiplier", check_nonnegative(
            self.noise_multiplier, "noise_multiplier",
            fix=NOISE_MULTIPLIER_FIX + " 0 is the non-private baseline."))
        setattr_(self, "delta", check_delta(self.delta))
        setattr_(self, "local", check_bool(self.local, "local"))
        setattr_(self, "accounting", check_choice(self.accounting, "accounting",
                                                  DP_FEDAVG_ACCOUNTING))

    # --- the wrapped strategy's roles --------------------------------------------------------

    def client_config(self) -> dict[str, Any]:
        return self.strategy.client_config()

    def configure_round(self, server_round: int, n_clients: int,
                        clients_per_round: int | None = None, *,
                        sampling: str = "fixed", rng: SeedLike = None) -> RoundPlan:
        return self.strategy.configure_round(server_round, n_clients, clients_per_round,
                                             sampling=sampling, rng=rng)

    # --- aggregation -------------------------------------------------------------------------

    def aggregate(self, global_weights: np.ndarray, updates: np.ndarray,
                  n_examples: np.ndarray, *, expected_clients: int | None = None,
                  rng: SeedLike = None) -> np.ndarray:
        """Clip, aggregate with the wrapped strategy (uniform weights), add noise.

        Parameters
        ----------
        global_weights : (n_params,) array
        updates : (k, n_params) array
            The reporting clients' weights (``k`` may be 0).
        n_examples : (k,) array
            Not used for weighting (every client counts once); checked for its length.
        expected_clients : int, optional
            The fixed denominator ``m``: clients sampled per round (``k`` when None).
        rng : None, int or Generator
            Draws the noise.

        Examples
        --------
        >>> from ppml_lab.federated import FedAvg
        >>> dp = DPFedAvg(FedAvg(), clip_norm=1.0, noise_multiplier=0.0)
        >>> dp.aggregate(np.zeros(2), np.array([[3.0, 4.0], [0.0, 1.0]]), np.array([5, 1])).tolist()
        [0.30000000000000004, 0.9]
        """
        global_weights = check_array(global_weights, "global_weights", ndim=1)
        p = global_weights.shape[0]
        updates = np.asarray(updates, dtype=float)
        if updates.size == 0:
            updates = updates.reshape(0, p)
        updates = check_array(updates, "updates", ndim=2, allow_empty=True)
        if updates.shape[1] != p:
            raise fail("updates", f"of shape (n_updates, {p}), one row per client", updates,
                       show=f"an array of shape {updates.shape}")
        k = updates.shape[0]
        if np.shape(n_examples) != (k,):
            raise fail("n_examples", f"one count per update ({k})", n_examples,
                       show=f"an array of shape {np.shape(n_examples)}")
        m = k if expected_clients is None else check_integer(expected_clients,
                                                             "expected_clients", minimum=1)
        if m == 0:
            raise fail("updates", "at least one update when expected_clients is None", updates,
                       "Pass expected_clients, the number of clients sampled per round.")
        gen = as_generator(rng)
        std = self.noise_multiplier * self.clip_norm
        clipped = clip_updates(global_weights, updates, self.clip_norm)
        if self.local and std > 0 and k:
            clipped = clipped + gen.normal(0.0, std, size=clipped.shape)
        if k:
            new = np.asarray(self.strategy.aggregate(global_weights, clipped, np.ones(k)),
                             dtype=float)
            if k != m:  # the fixed denominator: sum / m, not the mean of the k reports
                new = global_weights + (k / m) * (new - global_weights)
        else:
            new = global_weights.copy()
        if not self.local and std > 0:
            new = new + gen.normal(0.0, std, size=p) / m
        return new

    def aggregate_round(self, global_weights: np.ndarray, updates: np.ndarray,
                        n_examples: np.ndarray, *, expected_clients: int,
                        rng: SeedLike = None) -> np.ndarray:
        return self.aggregate(global_weights, updates, n_examples,
                              expected_clients=expected_clients, rng=rng)

    # --- under secure aggregation ----------------------------------------------------------

    def secure_summands(self, global_weights: np.ndarray, updates: np.ndarray,
                        n_examples: np.ndarray, *, rng: SeedLike = None) -> np.ndarray:
        """Each client's clipped update (and, with ``local=True``, its own noise): ``(k, p)``.

        Under secure aggregation the server never sees one update, so each client
        clips its own before masking it; the sum is what :meth:`aggregate_sum` noises.
        """
        clipped = clip_updates(global_weights, np.asarray(updates, dtype=float),
                               self.clip_norm) - global_weights
        std = self.noise_multiplier * self.clip_norm
        if self.local and std > 0 and len(clipped):
            clipped = clipped + as_generator(rng).normal(0.0, std, size=clipped.shape)
        return clipped

    def aggregate_sum(self, global_weights: np.ndarray, total: np.ndarray, *, n_reports: int,
                      expected_clients: int, rng: SeedLike = None) -> np.ndarray:
        r""":math:`w_t + (\sum_c \bar\Delta_c + \mathcal N(0, \sigma^2 C^2 I)) / m` from the secure sum.

        The server adds the central noise to the securely aggregated sum, as
        distributed DP deployments do (there each client adds a share of it); the
        wrapped strategy's server step is applied to the noised mean update. With
        ``n_reports = 0`` the model moves by the noise alone.
        """
        global_weights = np.asarray(global_weights, dtype=float)
        m = check_integer(expected_clients, "expected_clients", minimum=1)
        total = np.asarray(total, dtype=float)
        if not self.local and self.noise_multiplier > 0:
            total = total + as_generator(rng).normal(0.0, self.noise_multiplier * self.clip_norm,
                                                     size=total.shape)
        if n_reports == 0 and (self.local or self.noise_multiplier == 0):
            return global_weights.copy()
        mean = global_weights + total / m
        return np.asarray(self.strategy.aggregate(global_weights, mean[None], np.ones(1)),
                          dtype=float)

    # --- accounting --------------------------------------------------------------------------

    def epsilons(self, rounds: int, n_clients: int,
                 clients_per_round: int | None = None) -> np.ndarray:
        """Epsilon at :attr:`delta` after each of ``rounds`` rounds (all ``inf`` without noise).

        Central DP: the Poisson-subsampled Gaussian at ``sample_rate =
        clients_per_round / n_clients`` (1 when every client trains), once per
        round. Local DP: the Gaussian with noise multiplier ``noise_multiplier / 2``
        (sensitivity ``2 * clip_norm``), once per round, no sampling.

        Examples
        --------
        >>> from ppml_lab.federated import FedAvg
        >>> DPFedAvg(FedAvg(), 1.0, 0.0).epsilons(2, 10).tolist()
        [inf, inf]
        """
        rounds = check_integer(rounds, "rounds", minimum=1, maximum=10**6)
        n_clients = check_integer(n_clients, "n_clients", minimum=1)
        if clients_per_round is None:
            q = 1.0
        else:
            q = check_integer(clients_per_round, "clients_per_round", minimum=1,
                              maximum=n_clients) / n_clients
        if self.noise_multiplier == 0:
            return np.full(rounds, np.inf)
        sigma = self.noise_multiplier
        if self.local:
            sigma, q = sigma / 2, 1.0
        if self.accounting == "rdp":
            from ..dp.rdp import RDPAccountant, rdp_to_epsilon

            acc = RDPAccountant().compose_gaussian(sigma, sample_rate=q, steps=1)
            orders, curve = acc.orders, acc.rdp
            return np.array([rdp_to_epsilon(orders, t * curve, self.delta)[0]
                             for t in range(1, rounds + 1)])
        from ..dp.pld import PLDAccountant

        pld = PLDAccountant()
        out = []
        for _ in range(rounds):
            out.append(pld.compose_gaussian(sigma, sample_rate=q, steps=1).get_epsilon(self.delta))
        return np.array(out)
