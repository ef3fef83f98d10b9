"""Encoding numbers as ring or field elements, so that they can be secret-shared.

Secret sharing works with integers modulo a number ``m``: the 64-bit ring
``Z_{2^64}`` (numpy's ``uint64`` arithmetic wraps around modulo ``2**64`` for
free) for additive sharing, and the prime field ``Z_p`` with the Mersenne prime
``p = 2**61 - 1`` for Shamir sharing (division needs a field).

Three kinds of secret are encoded:

* ``"float"``: fixed point. ``x`` becomes the integer ``round(x * 2**frac_bits)``
  (default ``frac_bits=20``: resolution ``2**-20``, about 9.5e-7; rounding error
  at most half of that);
* ``"int"``: whole numbers, as themselves (``frac_bits`` is 0);
* ``"raw"``: numpy ``uint64`` input is taken as ring or field elements as they are
  (what a mask, a seed or a benchmark shares) and comes back as ``uint64``.

Negative numbers are two's complement: ``-n`` is stored as ``m - n``, so the upper
half of the ring or field holds the negatives. The representable integers are
``[-2**63, 2**63)`` in the ring and ``[-(p - 1)/2, (p - 1)/2]`` in the field; in
fixed point divide by ``2**frac_bits``:

=====================  ===============================  =================================
modulus                frac_bits=20 (default)           frac_bits=0 (integers)
=====================  ===============================  =================================
ring ``2**64``         ``|x| < 2**43``, about 8.8e12    ``[-2**63, 2**63)``
field ``2**61 - 1``    ``|x| < 2**40``, about 1.1e12    ``|x| <= 2**60 - 1``
=====================  ===============================  =================================

A value outside the range raises :class:`EncodingOverflowError` (never a wrong
answer). Sums and products of encoded values wrap around silently in the ring,
so the *protocol* must keep its results in range: a sum of ``n`` values each
below ``max_abs / n`` is safe, and a fixed-point product carries ``2 * frac_bits``
fractional bits until it is truncated (see :mod:`ppml_lab.secret_sharing.beaver`).

Introduced in notebook 09.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_array, check_integer, fail

__all__ = [
    "RING_MODULUS",
    "FIELD_PRIME",
    "DEFAULT_FRAC_BITS",
    "Encoding",
    "EncodingOverflowError",
    "encode",
    "decode",
    "fixed_point_range",
    "encode_bytes",
    "decode_bytes",
]

RING_MODULUS = 2**64
FIELD_PRIME = 2**61 - 1
DEFAULT_FRAC_BITS = 20
_KINDS = ("float", "int", "raw")
_CHUNK = 1 << 16  # elements per block when encoding large arrays


class EncodingOverflowError(ValueError, OverflowError):
    """A value does not fit the fixed-point range of the ring or field."""


@dataclass(frozen=True)
class Encoding:
    """How a secret was turned into ring or field elements (public metadata).

    Attributes
    ----------
    modulus : int
        ``2**64`` (the ring) or ``2**61 - 1`` (the prime field).
    frac_bits : int
        Fractional bits of the fixed point (0 for ``"int"`` and ``"raw"``).
    kind : {"float", "int", "raw"}
        What :func:`decode` gives back.
    scalar : bool
        Whether the secret was a single number (decoded to a Python number).
    """

    modulus: int = RING_MODULUS
    frac_bits: int = DEFAULT_FRAC_BITS
    kind: str = "float"
    scalar: bool = False

    def __post_init__(self) -> None:
        if self.modulus not in (RING_MODULUS, FIELD_PRIME):
            raise fail("modulus", "2**64 (the ring) or 2**61 - 1 (the prime field)", self.modulus)
        check_integer(self.frac_bits, "frac_bits", minimum=0, maximum=_max_frac_bits(self.modulus))
        if self.kind not in _KINDS:
            raise fail("kind", "one of 'float', 'int', 'raw'", self.kind)

    @property
    def resolution(self) -> float:
        """The step between two representable values, ``2**-frac_bits``."""
        return 2.0 ** -self.frac_bits

    @property
    def max_abs(self) -> float:
        """Largest magnitude that encodes (exclusive bound), see :func:`fixed_point_range`."""
        return fixed_point_range(self.frac_bits, modulus=self.modulus)

    @property
    def field(self) -> bool:
        """True for the prime field, False for the 64-bit ring."""
        return self.modulus == FIELD_PRIME


def _max_frac_bits(modulus: int) -> int:
    return 62 if modulus == RING_MODULUS else 59


def _half(modulus: int) -> int:
    """Integers ``n`` with ``|n| < _half`` are representable (signed, two's complement)."""
    return 2**63 if modulus == RING_MODULUS else 2**60  # field: |n| <= (p - 1) / 2 = 2**60 - 1


def fixed_point_range(frac_bits: int = DEFAULT_FRAC_BITS, *, modulus: int = RING_MODULUS) -> float:
    """The bound ``B`` such that values with ``|x| < B`` encode: ``2**63 / 2**frac_bits`` (ring).

    In the field it is ``2**60 / 2**frac_bits``. (In the ring ``-B`` itself also
    fits; it is left out so that the range is symmetric.)

    Examples
    --------
    >>> fixed_point_range(20)
    8796093022208.0
    >>> fixed_point_range(20, modulus=FIELD_PRIME)
    1099511627776.0
    """
    frac_bits = check_integer(frac_bits, "frac_bits", minimum=0, maximum=_max_frac_bits(modulus))
    return float(_half(modulus)) / 2.0**frac_bits


def _overflow(name: str, x: np.ndarray, bad: np.ndarray, enc: Encoding) -> Exception:
    where = "the 64-bit ring" if not enc.field else "the prime field 2**61 - 1"
    worst = x.flat[int(np.argmax(np.where(bad, np.abs(x.astype(float)), -1.0)))]
    return fail(name, f"within the encoding's range |x| < {enc.max_abs:.6g} ({where}, "
                f"{enc.frac_bits} fractional bits)", x, "Scale the values down, use fewer "
                "frac_bits, or clip them to a public range first.", kind=EncodingOverflowError,
                show=f"{worst.item()!r} ({int(bad.sum())} value(s) out of range)")


def _signed_to_elements(n: np.ndarray, modulus: int) -> np.ndarray:
    """int64 array -> uint64 ring or field elements (two's complement)."""
    if modulus == RING_MODULUS:
        return n.astype(np.int64, copy=False).view(np.uint64)
    return np.where(n < 0, n + np.int64(FIELD_PRIME), n).astype(np.uint64)


def encode(secret: Any, *, frac_bits: int = DEFAULT_FRAC_BITS, modulus: int = RING_MODULUS,
           name: str = "secret") -> tuple[np.ndarray, Encoding]:
    """Encode a number or array as ring (default) or field elements.

    Parameters
    ----------
    secret : int, float or array-like
        Floats are fixed point with ``frac_bits`` fractional bits, integers are
        whole numbers, numpy ``uint64`` values are taken as elements as they are.
    frac_bits : int, default 20
        Fractional bits for floats (resolution ``2**-frac_bits``).
    modulus : int, default ``2**64``
        ``RING_MODULUS`` or ``FIELD_PRIME``.
    name : str
        Parameter name for error messages.

    Returns
    -------
    values : numpy.ndarray of uint64
        The elements, with the shape of ``secret`` (0-d for a number).
    encoding : Encoding
        What :func:`decode` needs to give the secret back.

    Raises
    ------
    EncodingOverflowError
        If a value is outside the range (see the module docstring).

    Examples
    --------
    >>> v, enc = encode(-1.5, frac_bits=20)
    >>> int(v), enc.kind
    (18446744073707978752, 'float')
    >>> int(v) == 2**64 - 1.5 * 2**20
    True
    >>> decode(v, enc)
    -1.5
    >>> v, enc = encode([-1, 2], modulus=FIELD_PRIME)
    >>> v.tolist(), decode(v, enc).tolist()
    ([2305843009213693950, 2], [-1, 2])
    >>> encode(1e13)
    Traceback (most recent call last):
    ...
    ppml_lab.secret_sharing.encoding.EncodingOverflowError: `secret` must be within the encoding's range |x| < 8.79609e+12 (the 64-bit ring, 20 fractional bits); got 10000000000000.0 (1 value(s) out of range). Scale the values down, use fewer frac_bits, or clip them to a public range first.
    """
    if modulus not in (RING_MODULUS, FIELD_PRIME):
        raise fail("modulus", "RING_MODULUS (2**64) or FIELD_PRIME (2**61 - 1)", modulus)
    frac_bits = check_integer(frac_bits, "frac_bits", minimum=0, maximum=_max_frac_bits(modulus))
    scalar = isinstance(secret, (numbers.Number, np.generic))
    if isinstance(secret, numbers.Integral) and not isinstance(secret, (bool, np.bool_, np.uint64)):
        enc = Encoding(modulus, 0, "int", scalar)
        secret = int(secret)
        if not -_half(modulus) <= secret < _half(modulus) or (
                enc.field and secret == -_half(modulus)):
            arr = np.array(float(secret))
            raise _overflow(name, arr, np.array(True), enc)
        return _signed_to_elements(np.array(secret, dtype=np.int64), modulus), enc
    arr = check_array(secret, name, dtype=None, allow_empty=True)
    if arr.dtype == np.uint64 and not isinstance(secret, (np.ndarray, np.generic)):
        # a list of Python ints that numpy could only hold as uint64: beyond the int range
        raise _overflow(name, arr, arr >= np.uint64(2**63), Encoding(modulus, 0, "int", scalar))
    if arr.dtype == np.uint64:
        enc = Encoding(modulus, 0, "raw", scalar)
        if enc.field and arr.size and int(arr.max()) >= FIELD_PRIME:
            raise fail(name, "field elements below 2**61 - 1 (uint64 input is taken as raw "
                       "elements)", arr, "Reduce modulo FIELD_PRIME, or pass signed integers.")
        return arr.copy(), enc
    if arr.dtype.kind in "iu":
        enc = Encoding(modulus, 0, "int", scalar)
        n = arr.astype(np.int64)
        if enc.field:
            bad = np.abs(n) >= _half(modulus)
            if bad.any():
                raise _overflow(name, arr, bad, enc)
        return _signed_to_elements(n, modulus), enc
    enc = Encoding(modulus, frac_bits, "float", scalar)
    flat = np.ascontiguousarray(arr, dtype=np.float64).reshape(-1)
    n = np.empty(flat.size, dtype=np.int64)
    scratch = np.empty(min(flat.size, _CHUNK))
    for start in range(0, flat.size, _CHUNK):  # cache-sized blocks: no big temporaries
        if not _encode_block(flat[start:start + _CHUNK], frac_bits, modulus,
                             scratch[:min(_CHUNK, flat.size - start)], n[start:start + _CHUNK]):
            y = np.rint(arr * 2.0**frac_bits)
            raise _overflow(name, arr, np.abs(y) >= float(_half(modulus)), enc)
    return _signed_to_elements(n.reshape(arr.shape), modulus), enc


def _encode_block(x: np.ndarray, frac_bits: int, modulus: int, scratch: np.ndarray,
                  out: np.ndarray) -> bool:
    """``out = round(x * 2**frac_bits)`` as int64; False (out unspecified) if out of range."""
    np.multiply(x, 2.0**frac_bits, out=scratch)
    np.rint(scratch, out=scratch)
    half = float(_half(modulus))
    if scratch.size and not (scratch.max() < half and scratch.min() > -half):
        return False  # (NaN was refused before; the comparisons are False for it anyway)
    np.copyto(out, scratch, casting="unsafe")
    return True


def decode(values: Any, encoding: Encoding) -> Any:
    """Turn ring or field elements back into numbers, as :func:`encode` received them.

    The upper half of the ring (field) is read as negative. Floats come back
    within half a resolution step of what was encoded.

    Examples
    --------
    >>> v, enc = encode([0.1, -2.0])
    >>> decode(v, enc).tolist()
    [0.10000038146972656, -2.0]
    """
    if not isinstance(encoding, Encoding):
        raise fail("encoding", "an Encoding (as returned by encode)", encoding, kind=TypeError)
    v = np.asarray(values)
    if v.dtype != np.uint64:
        raise fail("values", "a uint64 array of ring or field elements", v, kind=TypeError,
                   show=f"an array of dtype {v.dtype}")
    if encoding.kind == "raw":
        out: Any = v.copy()
        return out[()] if encoding.scalar else out
    if encoding.field:
        signed = np.where(v > np.uint64(FIELD_PRIME // 2), v.astype(np.int64) - FIELD_PRIME,
                          v.astype(np.int64))
    else:
        signed = v.view(np.int64)
    if encoding.kind == "int":
        return int(signed) if encoding.scalar else signed.copy()
    out = signed.astype(np.float64) * (2.0 ** -encoding.frac_bits)
    return float(out) if encoding.scalar else out


def encode_bytes(data: bytes) -> np.ndarray:
    """Pack bytes (a key or a seed) into field elements, 7 bytes per element.

    Seven bytes (56 bits) always fit below ``2**61 - 1``, so a 32-byte seed
    becomes 5 elements that :func:`~ppml_lab.secret_sharing.shamir_split` can share.

    Examples
    --------
    >>> encode_bytes(bytes(range(10))).tolist()
    [1694364648734976, 591879]
    >>> decode_bytes(encode_bytes(bytes(range(10))), 10) == bytes(range(10))
    True
    """
    if not isinstance(data, (bytes, bytearray)):
        raise fail("data", "bytes", data, "Pass e.g. os.urandom(32).", kind=TypeError)
    padded = bytes(data) + bytes(-len(data) % 7)
    return np.array([int.from_bytes(padded[i:i + 7], "little") for i in range(0, len(padded), 7)],
                    dtype=np.uint64)


def decode_bytes(elements: Any, n_bytes: int) -> bytes:
    """Inverse of :func:`encode_bytes`: the first ``n_bytes`` bytes of the packed elements."""
    v = np.asarray(elements)
    if v.dtype != np.uint64 or v.ndim != 1:
        raise fail("elements", "a 1-D uint64 array from encode_bytes", v, kind=TypeError)
    n_bytes = check_integer(n_bytes, "n_bytes", minimum=0, maximum=7 * v.size)
    if v.size and int(v.max()) >= 2**56:
        raise fail("elements", "values below 2**56 (7 bytes each)", v,
                   "Pass the elements encode_bytes returned (or their reconstruction).")
    return b"".join(int(e).to_bytes(7, "little") for e in v.tolist())[:n_bytes]
