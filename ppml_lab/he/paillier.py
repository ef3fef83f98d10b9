"""The Paillier cryptosystem, written plainly with Python integers.

Key generation picks two random primes ``p`` and ``q`` of equal length and
sets ``n = p q``, ``g = n + 1``, ``lambda = lcm(p - 1, q - 1)`` and
``mu = L(g**lambda mod n**2)**-1 mod n`` with ``L(x) = (x - 1) / n``.
Then, for a message ``0 <= m < n`` and a random ``r`` coprime to ``n``::

    encrypt:  c = g**m * r**n            mod n**2
    decrypt:  m = L(c**lambda mod n**2) * mu  mod n
    add:      c1 * c2     mod n**2   decrypts to  m1 + m2  mod n
    scale:    c**k        mod n**2   decrypts to  k * m    mod n

Because ``g = n + 1``, ``g**m = 1 + m n (mod n**2)`` (binomial theorem) and
the only expensive step of encryption is ``r**n``. Decryption by the Chinese
remainder theorem (``crt=True``, the default) works modulo ``p**2`` and
``q**2`` separately, about four times faster than the formula above
(``crt=False``); both are here so the lesson can measure them.

``powmod`` below is Python's ``pow`` with three arguments. If ``gmpy2`` is
installed it is the same function computed by GMP, an optional speed-up
(never required; measured in benchmarks/README.md).

Signed integers and floats are mapped into Z_n by :mod:`ppml_lab.he.encoding`
(the convention of python-paillier, ``phe``, so the two libraries read each
other's ciphertexts given the same key). Ciphertexts remember their public key
and their fixed-point scale; mixing keys raises a clear error.

Security: educational code, **not hardened** (see :mod:`ppml_lab.he`). Keys
below 2048 bits are toys: a 512-bit modulus is factored in hours on a laptop.
Paillier is malleable (anyone with the public key can add to a ciphertext)
and gives no integrity: a tampered ciphertext decrypts to another number.

Introduced in notebook 11.

References
----------
.. [P99] P. Paillier. Public-key cryptosystems based on composite degree
   residuosity classes. EUROCRYPT 1999.
.. [DJ01] I. Damgard, M. Jurik. A generalisation, a simplification and some
   applications of Paillier's probabilistic public-key system. PKC 2001.
   (``g = n + 1``.)
"""

from __future__ import annotations

import hashlib
import math
import numbers
from dataclasses import dataclass, field
from typing import Any

from .._random import SeedLike
from .._validation import check_bool, check_integer, fail
from ._arith import mulmod, powmod
from .encoding import DEFAULT_FRAC_BITS, decode, encode, is_number, max_int
from .primes import _Source, random_prime

__all__ = [
    "PublicKey",
    "PrivateKey",
    "EncryptedNumber",
    "paillier_keygen",
    "encrypt",
    "decrypt",
    "add",
    "multiply",
    "MIN_BITS",
    "MAX_BITS",
    "SECURE_BITS",
]

MIN_BITS = 128
MAX_BITS = 8192
SECURE_BITS = 2048
BITS_FIX = ("Pass an even number of bits, e.g. bits=2048 for real use or bits=512 for a fast "
            "lesson (not secure below 2048).")


def _L(x: int, d: int) -> int:
    """Paillier's L function: (x - 1) / d, an exact division for x = 1 mod d."""
    return (x - 1) // d


@dataclass(frozen=True, repr=False)
class PublicKey:
    """A Paillier public key: the modulus ``n`` (``g = n + 1`` is implied).

    Examples
    --------
    >>> pk = PublicKey(1000003 * 1000033)
    >>> pk.g == pk.n + 1, pk.bits
    (True, 40)
    """

    n: int
    _n_squared: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.n, (bool,)) or not isinstance(self.n, numbers.Integral):
            raise fail("n", "an integer modulus", self.n, "Build keys with paillier_keygen(bits).",
                       kind=TypeError)
        if self.n < 15 or self.n % 2 == 0:
            raise fail("n", "an odd modulus >= 15 (a product of two odd primes)", self.n,
                       "Build keys with paillier_keygen(bits).")
        object.__setattr__(self, "n", int(self.n))
        object.__setattr__(self, "_n_squared", self.n * self.n)  # used by every operation

    @property
    def g(self) -> int:
        """The generator, ``n + 1``."""
        return self.n + 1

    @property
    def n_squared(self) -> int:
        """The ciphertext modulus ``n**2``."""
        return self._n_squared

    @property
    def bits(self) -> int:
        """Length of ``n`` in bits (the key size)."""
        return self.n.bit_length()

    @property
    def fingerprint(self) -> str:
        """First 8 hex digits of SHA-256 of ``n``: a short name for the key in messages."""
        raw = self.n.to_bytes((self.n.bit_length() + 7) // 8, "big")
        return hashlib.sha256(raw).hexdigest()[:8]

    def __repr__(self) -> str:
        note = "" if self.bits >= SECURE_BITS else ", not secure below 2048 bits"
        return f"PublicKey({self.bits}-bit n, fingerprint={self.fingerprint}{note})"


@dataclass(frozen=True, repr=False)
class PrivateKey:
    """A Paillier private key: the primes ``p`` and ``q`` with ``p * q == public_key.n``.

    ``lam`` (lambda) and ``mu`` of the textbook formula and the constants of
    CRT decryption are derived once. The repr never shows ``p`` or ``q``.
    """

    public_key: PublicKey
    p: int
    q: int
    lam: int = field(init=False)
    mu: int = field(init=False)
    _crt: tuple[int, int, int, int, int] = field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.public_key, PublicKey):
            raise fail("public_key", "a ppml_lab.he.PublicKey", self.public_key,
                       kind=TypeError)
        p = check_integer(self.p, "p", minimum=3)
        q = check_integer(self.q, "q", minimum=3)
        n = self.public_key.n
        if p * q != n or p == q:
            raise fail("p, q", "two distinct primes with p * q == public_key.n", (p, q),
                       "Pass the primes of this key (from paillier_keygen).",
                       show="primes whose product is not n" if p * q != n else "p == q")
        lam = math.lcm(p - 1, q - 1)
        n2 = n * n
        mu = pow(_L(pow(n + 1, lam, n2), n), -1, n)  # the textbook formula; = lam**-1 mod n
        hp = pow(_L(pow(n + 1, p - 1, p * p), p), -1, p)
        hq = pow(_L(pow(n + 1, q - 1, q * q), q), -1, q)
        object.__setattr__(self, "p", p)
        object.__setattr__(self, "q", q)
        object.__setattr__(self, "lam", lam)
        object.__setattr__(self, "mu", mu)
        object.__setattr__(self, "_crt", (p * p, q * q, hp, hq, pow(p, -1, q)))

    def __repr__(self) -> str:
        return f"PrivateKey(for {self.public_key!r})"


def paillier_keygen(bits: int = SECURE_BITS, *, rng: SeedLike = None) -> tuple[PublicKey,
                                                                             PrivateKey]:
    """Generate a Paillier key pair with an ``n`` of exactly ``bits`` bits.

    Parameters
    ----------
    bits : int
        Size of the modulus ``n``: even, in [128, 8192]. 2048 (the default)
        or more for real use; smaller keys (256 or 512) make lessons and
        tests fast and are **not secure**.
    rng : None, int or numpy Generator
        None (the default) draws the primes from the operating system's
        CSPRNG (:mod:`secrets`). A seed or a Generator makes the key
        reproducible for a lesson: then anyone who knows the seed knows the
        private key, so it is **not secure**.

    Returns
    -------
    (PublicKey, PrivateKey)

    Notes
    -----
    ``p`` and ``q`` have ``bits // 2`` bits each with their two top bits set,
    so ``n`` has exactly ``bits`` bits; equal lengths guarantee
    ``gcd(n, (p - 1)(q - 1)) = 1``, which is checked anyway.

    Examples
    --------
    >>> pk, sk = paillier_keygen(256, rng=0)
    >>> pk
    PublicKey(256-bit n, fingerprint=96d41b99, not secure below 2048 bits)
    >>> decrypt(sk, encrypt(pk, -42, rng=0))
    -42
    >>> paillier_keygen(100)
    Traceback (most recent call last):
    ...
    ValueError: `bits` must be an integer in [128, 8192]; got 100. Pass an even number of bits, e.g. bits=2048 for real use or bits=512 for a fast lesson (not secure below 2048).
    """
    bits = check_integer(bits, "bits", minimum=MIN_BITS, maximum=MAX_BITS, fix=BITS_FIX)
    if bits % 2:
        raise fail("bits", "an even number (p and q have bits // 2 bits each)", bits, BITS_FIX)
    source = _Source(rng)
    while True:
        p = random_prime(bits // 2, rng=source.gen)
        q = random_prime(bits // 2, rng=source.gen)
        n = p * q
        if p != q and math.gcd(n, (p - 1) * (q - 1)) == 1 and n.bit_length() == bits:
            public_key = PublicKey(n)
            return public_key, PrivateKey(public_key, p, q)


def _check_public_key(public_key: Any, name: str = "public_key") -> PublicKey:
    if not isinstance(public_key, PublicKey):
        raise fail(name, "a ppml_lab.he.PublicKey", public_key,
                   "Get one from paillier_keygen(bits).", kind=TypeError)
    return public_key


def _check_frac_bits(frac_bits: Any) -> int:
    return check_integer(frac_bits, "frac_bits", minimum=0, maximum=1024,
                         fix="Pass e.g. frac_bits=32 (resolution 2**-32).")


@dataclass(frozen=True, repr=False)
class EncryptedNumber:
    """A Paillier ciphertext that knows its public key and its fixed-point scale.

    Parameters
    ----------
    public_key : PublicKey
    ciphertext : int
        An integer in ``[1, n**2)`` coprime to ``n`` (checked: anything else
        cannot come from :func:`encrypt` and is refused as malformed).
    frac_bits : int
        The plaintext is ``m / 2**frac_bits`` (0 for integers).

    Operators: ``a + b`` and ``a - b`` (ciphertexts or plaintext numbers),
    ``a * k`` with a plaintext ``k`` (int or float), ``-a``. Two ciphertexts
    cannot be multiplied: Paillier is only *additively* homomorphic.
    """

    public_key: PublicKey
    ciphertext: int
    frac_bits: int = 0

    def __post_init__(self) -> None:
        pk = _check_public_key(self.public_key)
        c = self.ciphertext
        if isinstance(c, bool) or not isinstance(c, numbers.Integral):
            raise fail("ciphertext", "an integer", c, "Pass the .ciphertext of an "
                       "EncryptedNumber made by encrypt().", kind=TypeError)
        c = int(c)
        if not 0 < c < pk.n_squared or math.gcd(c, pk.n) != 1:
            rule = ("an integer in [1, n**2) coprime to n" if 0 < c < pk.n_squared else
                    "an integer in [1, n**2)")
            raise fail("ciphertext", rule, c, "It is malformed or was tampered with; "
                       "encrypt the value again.",
                       show=f"a {c.bit_length()}-bit integer" + (
                           " sharing a factor with n" if 0 < c < pk.n_squared else
                           f" outside [1, n**2) for a {pk.bits}-bit key"))
        object.__setattr__(self, "ciphertext", c)
        object.__setattr__(self, "frac_bits", _check_frac_bits(self.frac_bits))

    @classmethod
    def _of(cls, public_key: PublicKey, c: int, frac_bits: int) -> EncryptedNumber:
        """A result of the kit's own arithmetic on checked ciphertexts: a product of units
        mod n**2 is a unit, so the checks of ``__post_init__`` are skipped (speed)."""
        obj = object.__new__(cls)
        object.__setattr__(obj, "public_key", public_key)
        object.__setattr__(obj, "ciphertext", c)
        object.__setattr__(obj, "frac_bits", frac_bits)
        return obj

    def __repr__(self) -> str:
        scale = f", frac_bits={self.frac_bits}" if self.frac_bits else ""
        return (f"EncryptedNumber(key {self.public_key.fingerprint}, "
                f"{self.ciphertext.bit_length()}-bit ciphertext{scale})")

    # -- the homomorphic operations, each a line of modular arithmetic -------------------------

    def _same_key(self, other: EncryptedNumber, name: str) -> None:
        if other.public_key != self.public_key:
            raise fail(name, f"encrypted under the same public key as the other operand "
                       f"(key {self.public_key.fingerprint})", other,
                       "Encrypt every value of one computation with one public key.",
                       show=f"a ciphertext under key {other.public_key.fingerprint}")

    def _rescaled(self, frac_bits: int) -> EncryptedNumber:
        """The same value with more fractional bits: a multiplication by 2**extra."""
        extra = frac_bits - self.frac_bits
        if extra == 0:
            return self
        n2 = self.public_key.n_squared
        c = powmod(self.ciphertext, 1 << extra, n2)  # times 2**extra
        return EncryptedNumber._of(self.public_key, c, frac_bits)

    def __add__(self, other: Any) -> EncryptedNumber:
        if isinstance(other, EncryptedNumber):
            if other.public_key is not self.public_key:
                self._same_key(other, "other")
            if other.frac_bits == self.frac_bits:  # the common case, without rescaling
                c = mulmod(self.ciphertext, other.ciphertext, self.public_key.n_squared)  # m1+m2
                return EncryptedNumber._of(self.public_key, c, self.frac_bits)
            f = max(self.frac_bits, other.frac_bits)
            a, b = self._rescaled(f), other._rescaled(f)
            c = a.ciphertext * b.ciphertext % self.public_key.n_squared  # m1 + m2
            return EncryptedNumber._of(self.public_key, c, f)
        if is_number(other):
            n = self.public_key.n
            f = self.frac_bits if isinstance(other, numbers.Integral) else max(
                self.frac_bits, DEFAULT_FRAC_BITS)
            a = self._rescaled(f)
            m = encode(other, n, frac_bits=f, name="other")
            c = a.ciphertext * (1 + m * n) % self.public_key.n_squared  # g**m = 1 + m n
            return EncryptedNumber._of(self.public_key, c, f)
        return NotImplemented

    __radd__ = __add__

    def __mul__(self, k: Any) -> EncryptedNumber:
        if isinstance(k, EncryptedNumber):
            raise fail("k", "a plaintext number", k, "Paillier multiplies a ciphertext only by "
                       "a plaintext; multiplying two ciphertexts needs another scheme (e.g. "
                       "BFV/CKKS) or secret sharing.", kind=TypeError,
                       show="an EncryptedNumber")
        if not is_number(k):
            return NotImplemented
        n = self.public_key.n
        f = 0 if isinstance(k, numbers.Integral) else DEFAULT_FRAC_BITS
        if self.frac_bits + f > max_int(n).bit_length() - 1:
            raise fail("k", "a number whose product keeps the scale inside the key's range",
                       k, f"The result would carry frac_bits={self.frac_bits + f}, so even 1.0 "
                       f"would exceed max_int(n) of this {self.public_key.bits}-bit key: "
                       "multiply by integers, use fewer fractional bits or a larger key.")
        scalar = decode(encode(k, n, frac_bits=f, name="k"), n)  # k as a signed integer
        c = powmod(self.ciphertext, scalar, self.public_key.n_squared)  # k * m (k < 0: inverse)
        return EncryptedNumber._of(self.public_key, c, self.frac_bits + f)

    __rmul__ = __mul__

    def __neg__(self) -> EncryptedNumber:
        return self * -1

    def __sub__(self, other: Any) -> EncryptedNumber:
        if isinstance(other, EncryptedNumber):
            return self + (-other)
        if is_number(other):
            return self + (-other)
        return NotImplemented

    def __rsub__(self, other: Any) -> EncryptedNumber:
        if is_number(other):
            return (-self) + other
        return NotImplemented


def _random_unit(n: int, source: _Source) -> int:
    """A uniform r in [1, n) with gcd(r, n) = 1 (the obfuscator)."""
    while True:
        r = 1 + source.below(n - 1)
        if math.gcd(r, n) == 1:
            return r


def raw_encrypt(public_key: PublicKey, m: int, r: int) -> int:
    """``g**m * r**n mod n**2`` for a residue ``0 <= m < n``: the formula, nothing more."""
    n, n2 = public_key.n, public_key.n_squared
    return (1 + m * n) * powmod(r, n, n2) % n2


def encrypt(public_key: PublicKey, m: Any, *, rng: SeedLike = None,
            frac_bits: int | None = None) -> EncryptedNumber:
    """Encrypt a signed integer or a float under ``public_key``.

    Parameters
    ----------
    public_key : PublicKey
    m : int or float
        Integers are exact for ``|m| <= max_int(n) = n // 3 - 1``; floats
        are encoded in fixed point with ``frac_bits`` fractional bits (see
        :mod:`ppml_lab.he.encoding`).
    rng : None, int or numpy Generator
        Source of the random ``r``. None (the default) reads the OS CSPRNG;
        a seed makes the ciphertext reproducible, which is **not secure**
        (the same seed and message give the same ciphertext).
    frac_bits : int, optional
        Fractional bits; default 0 for an int and 32 for a float.

    Returns
    -------
    EncryptedNumber

    Examples
    --------
    >>> pk, sk = paillier_keygen(256, rng=0)
    >>> a, b = encrypt(pk, 20, rng=1), encrypt(pk, 22, rng=2)
    >>> decrypt(sk, a + b), decrypt(sk, a * 3), decrypt(sk, a - b)
    (42, 60, -2)
    >>> decrypt(sk, encrypt(pk, 1.25, rng=3) * 2)
    2.5
    """
    pk = _check_public_key(public_key)
    if frac_bits is None:
        frac_bits = DEFAULT_FRAC_BITS if is_number(m) and not isinstance(
            m, numbers.Integral) else 0
    frac_bits = _check_frac_bits(frac_bits)
    residue = encode(m, pk.n, frac_bits=frac_bits, name="m")
    c = raw_encrypt(pk, residue, _random_unit(pk.n, _Source(rng)))
    return EncryptedNumber._of(pk, c, frac_bits)


def _check_pair(private_key: Any, ciphertext: Any) -> tuple[PrivateKey, EncryptedNumber]:
    if not isinstance(private_key, PrivateKey):
        raise fail("private_key", "a ppml_lab.he.PrivateKey", private_key,
                   "Get one from paillier_keygen(bits).", kind=TypeError)
    if not isinstance(ciphertext, EncryptedNumber):
        raise fail("ciphertext", "an EncryptedNumber", ciphertext,
                   "Wrap a raw integer as EncryptedNumber(public_key, c) (it is checked), "
                   "or pass what encrypt() returned.", kind=TypeError)
    if ciphertext.public_key != private_key.public_key:
        raise fail("ciphertext", f"encrypted under this private key's public key "
                   f"(key {private_key.public_key.fingerprint})", ciphertext,
                   "Decrypt with the private key that matches the public key used to "
                   "encrypt.", show=f"a ciphertext under key {ciphertext.public_key.fingerprint}")
    return private_key, ciphertext


def raw_decrypt(private_key: PrivateKey, c: int, *, crt: bool = True) -> int:
    """The residue ``m`` in ``[0, n)`` of a raw ciphertext integer ``c``.

    ``crt=False`` is the textbook formula ``L(c**lambda mod n**2) * mu mod n``;
    ``crt=True`` computes ``m mod p`` and ``m mod q`` with exponents ``p - 1``
    and ``q - 1`` modulo ``p**2`` and ``q**2`` and recombines them (Garner).
    """
    n = private_key.public_key.n
    if not crt:
        return _L(powmod(c, private_key.lam, n * n), n) * private_key.mu % n
    p, q = private_key.p, private_key.q
    p2, q2, hp, hq, p_inv = private_key._crt
    mp = _L(powmod(c, p - 1, p2), p) * hp % p
    mq = _L(powmod(c, q - 1, q2), q) * hq % q
    return mp + ((mq - mp) * p_inv % q) * p


def decrypt(private_key: PrivateKey, ciphertext: EncryptedNumber, *,
            crt: bool = True) -> int | float:
    """Decrypt and decode: an ``int`` (``frac_bits == 0``) or a ``float``.

    Parameters
    ----------
    private_key : PrivateKey
    ciphertext : EncryptedNumber
        Must be under ``private_key``'s public key (else ``ValueError``).
    crt : bool
        Decrypt by the Chinese remainder theorem (faster, the default) or by
        the textbook formula; the results are identical.

    Raises
    ------
    ValueError
        If the ciphertext is under another key, or its plaintext lies in the
        overflow guard band (an overflow, or tampering).

    Examples
    --------
    >>> pk, sk = paillier_keygen(256, rng=0)
    >>> c = encrypt(pk, 7, rng=1)
    >>> decrypt(sk, c), decrypt(sk, c, crt=False)
    (7, 7)
    """
    private_key, ciphertext = _check_pair(private_key, ciphertext)
    crt = check_bool(crt, "crt")
    residue = raw_decrypt(private_key, ciphertext.ciphertext, crt=crt)
    return decode(residue, private_key.public_key.n, frac_bits=ciphertext.frac_bits)


def add(a: EncryptedNumber, b: EncryptedNumber | int | float) -> EncryptedNumber:
    """Homomorphic addition: ``a * b mod n**2`` decrypts to the sum of the plaintexts.

    ``b`` may be a ciphertext under the same key or a plaintext number.

    Examples
    --------
    >>> pk, sk = paillier_keygen(256, rng=0)
    >>> decrypt(sk, add(encrypt(pk, 2, rng=1), encrypt(pk, 3, rng=2)))
    5
    """
    if not isinstance(a, EncryptedNumber):
        raise fail("a", "an EncryptedNumber", a, "Encrypt it first with encrypt().",
                   kind=TypeError)
    if not isinstance(b, EncryptedNumber) and not is_number(b):
        raise fail("b", "an EncryptedNumber or a number", b, kind=TypeError)
    return a + b


def multiply(a: EncryptedNumber, k: int | float) -> EncryptedNumber:
    """Multiplication by a plaintext constant: ``a**k mod n**2`` decrypts to ``k * m``.

    A float ``k`` is encoded with 32 fractional bits, so the result carries
    ``a.frac_bits + 32`` (the scales add: see :mod:`ppml_lab.he.encoding`).

    Examples
    --------
    >>> pk, sk = paillier_keygen(256, rng=0)
    >>> decrypt(sk, multiply(encrypt(pk, 6, rng=1), -7))
    -42
    """
    if not isinstance(a, EncryptedNumber):
        raise fail("a", "an EncryptedNumber", a, "Encrypt it first with encrypt().",
                   kind=TypeError)
    if isinstance(k, EncryptedNumber) or not is_number(k):
        raise fail("k", "a plaintext int or float", k, "Paillier multiplies a ciphertext "
                   "only by a plaintext constant.", kind=TypeError,
                   show="an EncryptedNumber" if isinstance(k, EncryptedNumber) else None)
    return a * k
