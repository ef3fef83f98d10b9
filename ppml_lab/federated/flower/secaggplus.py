r"""Flower's SecAgg+ parameters, and how they map to the kit's secure aggregation (no ``flwr``).

:class:`SecAggPlus` is the ``secagg=`` keyword of
:class:`~ppml_lab.federated.flower.FlowerSetting`: with it, every round of a
deployment aggregates through Flower's ``SecAggPlusWorkflow`` (server) and
``secaggplus_mod`` (client), and the ServerApp learns only the weighted mean of
the reporting clients' updates. :func:`secagg_mapping` says, parameter by
parameter, what the same thing is called in the kit's own protocol
(:class:`~ppml_lab.federated.SecureAggregation`,
:func:`~ppml_lab.secret_sharing.secure_aggregate`, notebook 10), and
:func:`quantisation_bound` how far a SecAgg+ aggregate can be from the exact one.

What one client sends (Flower 1.42, ``secaggplus_mod``), for the kit's update
:math:`\Delta_c = w_c - w_t` and weight :math:`n_c` (example count; 1 for DP-FedAvg,
whose clipped updates are summed unweighted):

1. weight factor :math:`d_c = \mathrm{round}(Q\, n_c / n_{\max}) / Q` with
   :math:`Q` = ``quantization_range`` and :math:`n_{\max}` = ``max_weight`` (the
   ServerApp sets it to the largest client weight, so :math:`d_c \le 1`);
2. :math:`x_c = \mathrm{clip}(d_c \Delta_c, -C, C)` with :math:`C` = ``clipping_range``;
3. :math:`z_c = \mathrm{stochastic\_round}((x_c + C)\, Q / (2C))`, integers in
   :math:`[0, Q]`, prefixed by :math:`Q d_c`;
4. masked: :math:`z_c + \mathrm{PRG}(b_c) \pm \sum_v \mathrm{PRG}(s_{cv})
   \pmod M`, :math:`M` = ``modulus_range``, the pairwise masks only with its
   ``num_shares - 1`` neighbours.

The server sums the masked vectors mod :math:`M`, removes the masks with
``reconstruction_threshold`` shares per client, and computes
:math:`\big(\sum_c z_c \tfrac{2C}{Q} - kC\big) / \sum_c d_c`, the
:math:`d_c`-weighted mean of the :math:`\Delta_c` up to quantisation.

Introduced in notebook 13.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from ..._validation import check_integer, check_positive, check_probability, fail

__all__ = ["SecAggPlus", "check_secagg", "quantisation_bound", "secagg_mapping"]


def _share_count(value: Any, name: str, minimum: int, fix: str) -> int | float:
    if isinstance(value, float):
        return check_probability(value, name, high_open=False, fix=fix)
    return check_integer(value, name, minimum=minimum, maximum=10**6, fix=fix)


@dataclasses.dataclass(frozen=True)
class SecAggPlus:
    """Flower's SecAgg+ settings (the arguments of ``flwr``'s ``SecAggPlusWorkflow``).

    Parameters
    ----------
    num_shares : int or float, default 1.0
        Shares of each client's secrets, one per neighbour (itself included): an
        int ``>= 3``, or a float in (0, 1], a fraction of the round's sampled
        clients (Flower rounds it to an odd count, and uses every client when it
        comes out ``<= 2``). ``1.0``: everyone is everyone's neighbour, the
        original SecAgg (the kit's protocol).
    reconstruction_threshold : int or float, default 2/3
        Shares needed to reconstruct a secret: an int ``>= 2`` below
        ``num_shares``, or a float in (0, 1], a fraction of ``num_shares``
        (rounded, at least 2). 2/3 is a strict majority for every share count.
    clipping_range : float, default 8.0
        :math:`C`: each coordinate of a client's weighted update is clipped to
        :math:`[-C, C]` before quantisation.
    quantization_range : int, default 2**22
        :math:`Q`: ``[-C, C]`` maps onto the integers ``0 .. Q`` (resolution ``2C/Q``).
    modulus_range : int, default 2**32
        :math:`M`, a power of two above ``Q``: the masks' ring. The sum of the
        clients' integers must stay below it, so ``n_clients * Q < M``.

    Examples
    --------
    >>> SecAggPlus().resolution
    3.814697265625e-06
    >>> SecAggPlus(num_shares=2)
    Traceback (most recent call last):
    ...
    ValueError: `num_shares` must be an integer in [3, 1000000]; got 2. Pass an int >= 3 (neighbours, itself included) or a fraction such as 1.0 (every sampled client).
    """

    num_shares: int | float = 1.0
    reconstruction_threshold: int | float = 2 / 3
    clipping_range: float = 8.0
    quantization_range: int = 2**22
    modulus_range: int = 2**32

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "num_shares", _share_count(
            self.num_shares, "num_shares", 3,
            "Pass an int >= 3 (neighbours, itself included) or a fraction such as 1.0 "
            "(every sampled client)."))
        set_(self, "reconstruction_threshold", _share_count(
            self.reconstruction_threshold, "reconstruction_threshold", 2,
            "Pass an int >= 2 below num_shares, or a fraction of num_shares such as 2/3."))
        if (isinstance(self.num_shares, int) and isinstance(self.reconstruction_threshold, int)
                and self.reconstruction_threshold >= self.num_shares):
            raise fail("reconstruction_threshold", f"below num_shares={self.num_shares}",
                       self.reconstruction_threshold, "Pass e.g. a strict majority of num_shares.")
        set_(self, "clipping_range", check_positive(self.clipping_range, "clipping_range",
                                                    fix="Pass e.g. clipping_range=8.0."))
        set_(self, "quantization_range", check_integer(
            self.quantization_range, "quantization_range", minimum=2, maximum=2**40,
            fix="Pass e.g. quantization_range=2**22."))
        m = check_integer(self.modulus_range, "modulus_range", minimum=4, maximum=2**32,
                          fix="Pass a power of two up to 2**32, e.g. 2**32.")
        if m & (m - 1) or m <= self.quantization_range:
            raise fail("modulus_range", f"a power of two above quantization_range="
                       f"{self.quantization_range}", m, "Pass e.g. modulus_range=2**32.")
        set_(self, "modulus_range", m)

    @property
    def resolution(self) -> float:
        """One quantisation step, ``2 * clipping_range / quantization_range``."""
        return 2 * self.clipping_range / self.quantization_range

    def max_clients(self) -> int:
        """The most clients whose quantised sum fits in the ring: ``(M - 1) // Q``."""
        return (self.modulus_range - 1) // self.quantization_range

    def workflow_kwargs(self, max_weight: float) -> dict[str, Any]:
        """The keyword arguments of ``flwr``'s ``SecAggPlusWorkflow`` for one run."""
        return {"num_shares": self.num_shares,
                "reconstruction_threshold": self.reconstruction_threshold,
                "clipping_range": self.clipping_range,
                "quantization_range": self.quantization_range,
                "modulus_range": self.modulus_range, "max_weight": float(max_weight)}


def check_secagg(value: Any, n_clients: int) -> SecAggPlus | None:
    """``None``/``False``, ``True`` (the defaults) or a :class:`SecAggPlus` that fits ``n_clients``."""
    if value is None or value is False:
        return None
    if value is True:
        value = SecAggPlus()
    if not isinstance(value, SecAggPlus):
        raise fail("secagg", "None, True or SecAggPlus(...)", value,
                   "Pass e.g. secagg=True or secagg=SecAggPlus(clipping_range=4.0).",
                   kind=TypeError)
    if n_clients > value.max_clients():
        raise fail("secagg", f"a ring large enough for {n_clients} clients "
                   "(n_clients * quantization_range < modulus_range)", value,
                   "Lower quantization_range.", show=f"room for {value.max_clients()} clients")
    return value


def _round_share_params(secagg: SecAggPlus, sampled: int) -> tuple[int, int]:
    """Flower's runtime ``num_shares`` and threshold for ``sampled`` clients (its rules)."""
    if isinstance(secagg.num_shares, float):
        shares = round(secagg.num_shares * sampled)
        if shares < sampled and shares & 1 == 0:
            shares += 1
        if shares <= 2:
            shares = sampled
    else:
        shares = secagg.num_shares
    if isinstance(secagg.reconstruction_threshold, float):
        threshold = max(round(secagg.reconstruction_threshold * shares), 2)
    else:
        threshold = secagg.reconstruction_threshold
    return shares, threshold


def secagg_mapping(secagg: SecAggPlus | bool = True, sampled: int = 3) -> dict[str, dict[str, Any]]:
    r"""Flower's SecAgg+ parameters for a round of ``sampled`` clients, beside the kit's protocol.

    Returns one entry per concept, each a dict with ``"flower"`` (the SecAgg+
    value for this round, as Flower 1.42 computes it), ``"kit"`` (the same thing
    in :func:`~ppml_lab.secret_sharing.secure_aggregate` /
    :class:`~ppml_lab.federated.SecureAggregation`) and ``"meaning"``:

    * ``neighbours``: SecAgg+ masks each client with its ``num_shares - 1``
      nearest clients on a random ring (``num_shares`` rounded to an odd count);
      the kit, like the original SecAgg, masks every pair (``sampled - 1``
      neighbours). With ``num_shares=1.0`` they agree.
    * ``threshold``: shares needed to unmask. SecAgg+: ``reconstruction_threshold``
      of each client's ``num_shares`` neighbours; kit: ``threshold`` of all the
      round's participants (default a majority, ``k // 2 + 1``).
    * ``dropouts``: SecAgg+ finishes while every client keeps at least
      ``threshold`` live neighbours, so at most ``num_shares - threshold`` of any
      neighbourhood may drop; kit: at most ``sampled - threshold`` in total
      (:class:`~ppml_lab.secret_sharing.TooFewSurvivorsError` otherwise). In
      both, a client that drops after sharing its keys has its pairwise masks
      removed from the others' shares, and its update is lost.
    * ``encoding``: SecAgg+ clips each coordinate of the weighted update to
      ``[-C, C]`` and stochastically rounds it to one of ``Q + 1`` integers
      (resolution ``2C/Q``, random error, clipping bias outside the range); the
      kit encodes the exact value in signed fixed point with ``frac_bits``
      fractional bits (deterministic rounding, resolution ``2**-frac_bits``, no
      clipping: an :class:`~ppml_lab.secret_sharing.EncodingOverflowError`
      instead).
    * ``ring``: SecAgg+ masks mod ``modulus_range`` (``2**32`` at most), so
      ``sampled * Q`` must fit; the kit masks mod ``2**64``.
    * ``weights``: SecAgg+ puts the quantised weight ``round(Q n_c / max_weight)``
      in the masked vector and returns the weighted *mean*; the individual
      ``n_c`` also travel in the clear in the reply's metrics. The kit puts
      ``(n_c \Delta_c, n_c)`` in the sum (only the total count is learned).
    * ``dp``: with DP-FedAvg both sum each client's clipped update unweighted
      (SecAgg+ with weight 1) and the server adds the Gaussian noise to the sum.

    Examples
    --------
    >>> table = secagg_mapping(True, sampled=5)
    >>> table["threshold"]["flower"], table["threshold"]["kit"]
    (3, 3)
    >>> table["dropouts"]["flower"], table["neighbours"]["flower"]
    (2, 4)
    >>> table["encoding"]["flower"]
    'clip to [-8, 8], stochastic rounding to 4194304 steps of 3.81e-06'
    """
    secagg = check_secagg(secagg, 2) or SecAggPlus()
    sampled = check_integer(sampled, "sampled", minimum=2, maximum=10**6,
                            fix="Pass the clients sampled per round (at least 2).")
    shares, threshold = _round_share_params(secagg, sampled)
    kit_threshold = max(2, sampled // 2 + 1)
    c, q = secagg.clipping_range, secagg.quantization_range
    return {
        "neighbours": {"flower": min(shares, sampled) - 1, "kit": sampled - 1,
                       "meaning": "clients each client exchanges pairwise masks with"},
        "threshold": {"flower": threshold, "kit": kit_threshold,
                      "meaning": "shares needed to reconstruct a secret (SecAggPlus."
                                 "reconstruction_threshold / SecureAggregation.threshold)"},
        "dropouts": {"flower": min(shares, sampled) - threshold,
                     "kit": sampled - kit_threshold,
                     "meaning": "clients that may drop after sharing keys (per "
                                "neighbourhood in SecAgg+, in total in the kit)"},
        "encoding": {"flower": f"clip to [-{c:g}, {c:g}], stochastic rounding to {q} "
                               f"steps of {secagg.resolution:.3g}",
                     "kit": f"signed fixed point, 20 fractional bits (resolution "
                            f"{2.0 ** -20:.3g}), no clipping",
                     "meaning": "how a float coordinate becomes a ring element"},
        "ring": {"flower": f"mod 2**{int(math.log2(secagg.modulus_range))}",
                 "kit": "mod 2**64", "meaning": "where the masks live"},
        "weights": {"flower": "round(Q * n_c / max_weight) inside the sum; n_c also in the "
                              "clear in the reply's metrics",
                    "kit": "(n_c * update, n_c) inside the sum",
                    "meaning": "how FedAvg's example counts are aggregated"},
        "dp": {"flower": "clipped update with weight 1; server noise on the sum",
               "kit": "clipped update (secure_summands); server noise on the sum "
                      "(aggregate_sum)", "meaning": "DP-FedAvg under secure aggregation"},
    }


def quantisation_bound(secagg: SecAggPlus, weights: Any, max_weight: float) -> float:
    r"""Largest per-coordinate error of one SecAgg+ aggregate against the exact weighted mean.

    For ``k`` reporting clients with weights :math:`n_c`, factors
    :math:`d_c = \mathrm{round}(Q n_c / n_{\max})/Q`, and updates that were not
    clipped (:math:`|d_c \Delta_c| \le C`), the dequantised mean differs from
    :math:`\sum_c n_c \Delta_c / \sum_c n_c` by at most

    .. math:: \frac{k}{Q \sum_c d_c}\Big(2C + \frac{C}{\min_c d_c}\Big):

    each stochastic rounding moves :math:`z_c` by less than one step
    :math:`2C/Q`, and each weight factor :math:`d_c` is off by at most
    :math:`1/(2Q)`, which moves the mean by at most
    :math:`2 \max_c|\Delta_c| / (2Q \sum d)` with :math:`|\Delta_c| \le C/d_c`.

    Examples
    --------
    >>> f"{quantisation_bound(SecAggPlus(), [600, 598], max_weight=600):.2e}"
    '5.73e-06'
    """
    n = np.asarray(weights, dtype=float)
    q = secagg.quantization_range
    d = np.round(q * n / float(max_weight)) / q
    c = secagg.clipping_range
    return float(len(n) / (q * d.sum()) * (2 * c + c / d.min()))
