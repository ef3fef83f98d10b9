"""Encoding integers and floats into the plaintext space Z_n of Paillier.

Paillier encrypts residues ``0 <= x < n``. To carry signed numbers and
floats, the kit uses the convention of python-paillier (``phe``), so that the
two libraries read each other's plaintexts:

* a non-negative integer ``m`` is stored as ``m``; a negative one as
  ``n + m``, in the upper part of Z_n;
* only ``|m| <= n // 3 - 1`` (:func:`max_int`, as ``phe``) may be encoded.
  The middle third of Z_n is a guard band: a result that decrypts there cannot be a valid
  value, so :func:`decode` raises an overflow error instead of returning a
  wrong number;
* a float ``x`` is stored in fixed point, ``round(x * 2**frac_bits)``, and read
  back as ``m / 2**frac_bits``. The resolution is ``2**-frac_bits``
  (``DEFAULT_FRAC_BITS = 32``: about 2.3e-10).

Pitfalls (each one tested in ``tests/he/test_encoding.py``):

1. **Overflow.** Z_n wraps around. Encoding refuses ``|m| > max_int(n)``. After
   homomorphic additions and multiplications the true result may leave the
   range; if it lands in the guard band decryption raises, but a result that
   wraps all the way round (more than ``n`` away) decrypts to a wrong number
   that no check can see. Keep ``sum of |values| * 2**frac_bits`` well below
   ``n / 3``.
2. **Scales multiply.** The product of two fixed-point numbers with
   ``frac_bits`` fractional bits each has ``2 * frac_bits``: encrypted ``x``
   times an encoded weight ``w`` carries ``x * w * 2**(2 * frac_bits)``. The
   ciphertext records its scale, and every multiplication by a float adds
   ``frac_bits`` more: a few in a row eat the whole range of a small key.
   Paillier cannot divide a ciphertext to bring the scale back down.
3. **Precision.** A float is rounded to the nearest multiple of
   ``2**-frac_bits`` (error at most ``2**-(frac_bits + 1)``), and decoding
   rounds the exact quotient to the nearest double (53 significant bits).
   Integers are exact up to ``max_int(n)``.

Introduced in notebook 11.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from .._validation import check_integer, fail

__all__ = ["DEFAULT_FRAC_BITS", "max_int", "encode", "decode", "is_number"]

DEFAULT_FRAC_BITS = 32
MAX_FRAC_BITS = 1024


def max_int(n: int) -> int:
    """The largest ``|m|`` that can be encoded modulo ``n``: ``n // 3 - 1`` (as ``phe``).

    Examples
    --------
    >>> max_int(99)
    32
    """
    return n // 3 - 1


def is_number(value: Any) -> bool:
    """True for Python or numpy ints and floats, never for booleans."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def encode(value: Any, n: int, *, frac_bits: int = 0, name: str = "value") -> int:
    """Encode a signed integer or a float as a residue modulo ``n``.

    Parameters
    ----------
    value : int or float
        The number. With ``frac_bits=0`` a float must be a whole number.
    n : int
        The Paillier modulus (``public_key.n``).
    frac_bits : int
        Fractional bits of the fixed-point encoding: ``value`` is stored as
        ``round(value * 2**frac_bits)``.
    name : str
        Parameter name for error messages.

    Returns
    -------
    int
        A residue in ``[0, n)``.

    Raises
    ------
    ValueError
        If ``|value| * 2**frac_bits`` exceeds ``max_int(n)`` (overflow) or the
        value is NaN or infinite.

    Examples
    --------
    >>> n = 1000003 * 1000033
    >>> encode(5, n), encode(-5, n) == n - 5
    (5, True)
    >>> encode(1.5, n, frac_bits=4)      # 1.5 * 16
    24
    >>> encode(n, n)
    Traceback (most recent call last):
    ...
    ValueError: `value` must be an integer with |value| <= max_int(n) = 333345333365 (the key's plaintext range); got 1000036000099. Use a larger key, or scale the values down.
    """
    if not is_number(value):
        raise fail(name, "an int or a float", value, "Encrypt numbers one by one, or use "
                   "encrypt_vector for an array.", kind=TypeError)
    frac_bits = check_integer(frac_bits, "frac_bits", minimum=0, maximum=MAX_FRAC_BITS)
    if isinstance(value, numbers.Integral):
        scaled = int(value) << frac_bits
    else:
        value = float(value)
        if not math.isfinite(value):
            raise fail(name, "a finite number", value, "Remove NaN and infinite values first.")
        if frac_bits == 0 and not value.is_integer():
            raise fail(name, "a whole number when frac_bits=0", value,
                       "Pass frac_bits (e.g. 32) to encode a float in fixed point.")
        scaled = round(math.ldexp(value, frac_bits)) if frac_bits < 900 else (
            int(value * 2**53) << (frac_bits - 53))  # ldexp would overflow to inf
    limit = max_int(n)
    if abs(scaled) > limit:
        what = "an integer" if frac_bits == 0 else f"a number with |value| * 2**{frac_bits}"
        rule = (f"{what} with |value| <= max_int(n) = {limit}" if frac_bits == 0 else
                f"{what} <= max_int(n) = {limit}")
        raise fail(name, rule + " (the key's plaintext range)", value,
                   "Use a larger key, or scale the values down"
                   + (", or use fewer fractional bits." if frac_bits else "."))
    return scaled % n


def decode(residue: int, n: int, *, frac_bits: int = 0) -> int | float:
    """Read a residue modulo ``n`` back as a signed integer (or a float if ``frac_bits > 0``).

    Residues up to ``max_int(n) = n // 3 - 1`` are non-negative numbers,
    residues from ``n - max_int(n)`` are negative ones; anything in between is
    the guard band, reached only by an overflow (or a tampered ciphertext), and raises.

    Examples
    --------
    >>> n = 1000003 * 1000033
    >>> decode(5, n), decode(n - 5, n), decode(24, n, frac_bits=4)
    (5, -5, 1.5)
    >>> decode(n // 2, n)
    Traceback (most recent call last):
    ...
    ValueError: `plaintext` must be in the valid range [0, max_int(n)] or [n - max_int(n), n) (overflow detection); got a residue in the guard band (0.5 n). The computation overflowed the key's range (or the ciphertext was tampered with): use a larger key or smaller values.
    """
    limit = max_int(n)
    if residue <= limit:
        signed = residue
    elif residue >= n - limit:
        signed = residue - n
    else:
        raise fail("plaintext", "in the valid range [0, max_int(n)] or [n - max_int(n), n) "
                   "(overflow detection)", residue, "The computation overflowed the key's "
                   "range (or the ciphertext was tampered with): use a larger key or smaller "
                   "values.",
                   show=f"a residue in the guard band ({residue / n:.1f} n)")
    if frac_bits == 0:
        return signed
    return signed / (1 << frac_bits)  # int / int: the exact quotient rounded once
