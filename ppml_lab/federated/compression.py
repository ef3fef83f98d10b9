r"""Update compression: fewer bytes up, at a price in accuracy.

Uploading the update is the dominant cost of federated learning on phones and
slow links (the seed's "communication" hurdle). A client compresses its update
:math:`\Delta_c = w_c - w_t` before sending; the server decodes and aggregates.
Two classic compressors, written for all clients of a round at once (rows of a
``(C, p)`` array):

* :class:`StochasticQuantizer` (QSGD-style [AGLTV17]_ with one scale per update):
  each coordinate is mapped to one of :math:`L = 2^b - 1` evenly spaced levels
  between the update's minimum :math:`a` and maximum :math:`z`, rounding *up*
  with probability equal to the remainder, so the decoded value is **unbiased**:

  .. math:: s = (\Delta - a)\,\frac{L}{z - a},\qquad
            q = \lfloor s\rfloor + \mathbb 1[U < s - \lfloor s\rfloor],\qquad
            \hat\Delta = a + q\,\frac{z - a}{L}.

  Cost: :math:`\lceil p b / 8\rceil` bytes plus two float64 (:math:`a`, :math:`z`),
  about 8 times fewer than float64 at 8 bits.
* :class:`TopK` sparsification [SCJ18]_: send only the ``k`` coordinates of
  largest magnitude (value as float64 and index as int32, 12 bytes each). With
  **error feedback** the client keeps what it did not send in a residual and adds
  it to its next update, :math:`e \leftarrow (\Delta + e) - \mathrm{topk}(\Delta + e)`,
  so no part of an update is lost, only delayed; without it, top-k is biased and
  the small coordinates are never learned.

The float64 baseline is 8 bytes per parameter
(:data:`~ppml_lab.federated.simulation.BYTES_PER_PARAM`). Only the upload is
compressed (the global model goes down as float64), as in most deployments.
Pass a compressor to :func:`~ppml_lab.federated.run_federated` as
``compression=``; the history counts the bytes actually sent
(``bytes_up``) beside the float64 bytes (``bytes_up_uncompressed``).

References
----------
.. [AGLTV17] Alistarh, Grubic, Li, Tomioka, Vojnovic, "QSGD: communication-efficient
   SGD via gradient quantization and encoding", NeurIPS 2017.
.. [SCJ18] Stich, Cordonnier, Jaggi, "Sparsified SGD with memory", NeurIPS 2018.

Introduced in notebook 07.
"""

from __future__ import annotations

import abc
import dataclasses
import math

import numpy as np

from .._random import SeedLike, as_generator
from .._validation import check_bool, check_integer, check_probability, fail

__all__ = ["Compressor", "StochasticQuantizer", "TopK", "check_compression"]

INDEX_BYTES = 4   # int32 coordinate index of a sparse entry
VALUE_BYTES = 8   # float64


class Compressor(abc.ABC):
    """Compress the rows of a ``(C, p)`` array of updates; count the bytes of one row."""

    #: Whether each client keeps a residual of what it did not send (error feedback).
    error_feedback: bool = False

    @abc.abstractmethod
    def compress(self, updates: np.ndarray, *, rng: SeedLike = None) -> np.ndarray:
        """What the server decodes from each row of ``updates`` (same shape)."""

    @abc.abstractmethod
    def bytes_per_update(self, n_params: int) -> int:
        """Bytes one client sends for an update of ``n_params`` parameters."""


@dataclasses.dataclass(frozen=True)
class StochasticQuantizer(Compressor):
    """Unbiased stochastic quantisation to ``bits`` bits per coordinate (one scale per row).

    Examples
    --------
    >>> q = StochasticQuantizer(bits=8)
    >>> q.bytes_per_update(1000)
    1016
    >>> q.compress(np.array([[0.0, 0.5, 1.0]]), rng=0).tolist()   # 0 and 1 are levels; 0.5 not
    [[0.0, 0.5019607843137255, 1.0]]
    >>> StochasticQuantizer(bits=0)
    Traceback (most recent call last):
    ...
    ValueError: `bits` must be an integer in [1, 32]; got 0. Pass e.g. bits=8.
    """

    bits: int = 8

    def __post_init__(self) -> None:
        object.__setattr__(self, "bits", check_integer(self.bits, "bits", minimum=1, maximum=32,
                                                       fix="Pass e.g. bits=8."))

    @property
    def levels(self) -> int:
        """The number of steps between the minimum and the maximum, :math:`2^b - 1`."""
        return 2**self.bits - 1

    def compress(self, updates: np.ndarray, *, rng: SeedLike = None) -> np.ndarray:
        updates = np.asarray(updates, dtype=float)
        low = updates.min(axis=1, keepdims=True)
        span = updates.max(axis=1, keepdims=True) - low
        step = np.where(span > 0, span / self.levels, 1.0)        # a constant row is exact
        scaled = (updates - low) / step
        floor = np.floor(scaled)
        q = floor + (as_generator(rng).random(updates.shape) < scaled - floor)
        return low + np.minimum(q, self.levels) * step

    def bytes_per_update(self, n_params: int) -> int:
        return math.ceil(n_params * self.bits / 8) + 2 * VALUE_BYTES


@dataclasses.dataclass(frozen=True)
class TopK(Compressor):
    """Keep the ``fraction`` of coordinates of largest magnitude, with error feedback.

    ``k = ceil(fraction * p)`` coordinates, each sent as a float64 value and an
    int32 index.

    Examples
    --------
    >>> TopK(fraction=0.5).compress(np.array([[3.0, -4.0, 1.0, 0.5]])).tolist()
    [[3.0, -4.0, 0.0, 0.0]]
    >>> TopK(fraction=0.1).bytes_per_update(1000)
    1200
    >>> TopK(fraction=0)
    Traceback (most recent call last):
    ...
    ValueError: `fraction` must be a number in (0, 1]; got 0.0. Pass e.g. fraction=0.1 (10% of the coordinates).
    """

    fraction: float = 0.1
    error_feedback: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "fraction", check_probability(
            self.fraction, "fraction", high_open=False,
            fix="Pass e.g. fraction=0.1 (10% of the coordinates)."))
        object.__setattr__(self, "error_feedback", check_bool(self.error_feedback,
                                                              "error_feedback"))

    def k(self, n_params: int) -> int:
        """Coordinates kept out of ``n_params``."""
        return max(1, math.ceil(self.fraction * n_params))

    def compress(self, updates: np.ndarray, *, rng: SeedLike = None) -> np.ndarray:
        updates = np.asarray(updates, dtype=float)
        k = self.k(updates.shape[1])
        if k >= updates.shape[1]:
            return updates.copy()
        keep = np.argpartition(-np.abs(updates), k - 1, axis=1)[:, :k]
        out = np.zeros_like(updates)
        rows = np.arange(updates.shape[0])[:, None]
        out[rows, keep] = updates[rows, keep]
        return out

    def bytes_per_update(self, n_params: int) -> int:
        return self.k(n_params) * (VALUE_BYTES + INDEX_BYTES)


def check_compression(compression: object) -> Compressor | None:
    """``None`` or a :class:`Compressor`, else a TypeError naming ``compression``."""
    if compression is None or isinstance(compression, Compressor):
        return compression
    raise fail("compression", "None, StochasticQuantizer(bits=8) or TopK(fraction=0.1)",
               compression, "Build a compressor from ppml_lab.federated.", kind=TypeError)
