"""Exercises of notebook 11 (homomorphic encryption).

* 11.1 :func:`check_paillier_decrypt`: write Paillier's textbook decryption,
  ``L(c**lam mod n**2) * mu mod n`` with ``L(x) = (x - 1) // n``, with Python
  integers; checked exactly against the kit on ciphertexts of small, large
  and "negative" numbers and of a homomorphic sum.
* 11.2 :func:`check_upload_bytes`: how many bytes one client uploads to send an
  encrypted update of 1,000 weights under a 2048-bit key.

Introduced in notebook 11.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np

from ..he import paillier as paillier_module
from . import solutions
from ._core import (POSITIVE, CheckResult, Exercise, Reporter, Stop, call_learner,
                    describe_output, function_label, grade_value, run_function_check,
                    run_value_check)

__all__ = ["check_paillier_decrypt", "check_upload_bytes"]

# --- 11.1 textbook decryption --------------------------------------------------------------------

_HINT_11_1 = ("Three moves, all with Python integers: raise the ciphertext to the power `lam` "
              "modulo n squared, apply L, then multiply by `mu` and reduce modulo n.")
_MORE_11_1 = (
    "L(x) = (x - 1) // n: an exact integer division (`//`, never `/`, which makes a float and "
    "loses the digits of these 77-digit numbers). The power must be reduced modulo `n * n`, "
    "not `n`: a ciphertext lives in Z_{n^2}.",
    "`pow(c, lam, n * n)` computes c**lam mod n**2 fast; then `(x - 1) // n * mu % n`.",
)
_FORBIDDEN_11_1 = (paillier_module.decrypt, paillier_module.raw_decrypt)
_WHAT_11_1 = "the plaintext, a Python int in [0, n)"
_KEY_SEED, _BITS = 20110, 256


def _cases() -> tuple[paillier_module.PrivateKey, list[tuple[int, int, str]]]:
    """A seeded 256-bit key and (ciphertext, expected residue, description) cases."""
    pk, sk = paillier_module.paillier_keygen(_BITS, rng=_KEY_SEED)
    enc = paillier_module.encrypt
    n = pk.n
    big = 2**200 + 12345
    total = enc(pk, 1000, rng=3) + enc(pk, 234, rng=4)
    return sk, [(enc(pk, 42, rng=1).ciphertext, 42, "the encryption of 42"),
                (enc(pk, 0, rng=2).ciphertext, 0, "the encryption of 0"),
                (enc(pk, big, rng=5).ciphertext, big, "the encryption of 2**200 + 12345"),
                (enc(pk, -7, rng=6).ciphertext, n - 7, "the encryption of -7 (stored as n - 7)"),
                (total.ciphertext, 1234, "the product of E(1000) and E(234)")]


def _decrypt_mistake(c: int, n: int, lam: int, mu: int, got: Any) -> str | None:
    x = pow(c, lam, n * n)
    if got == c:
        return ("That is the ciphertext itself, unchanged. Decrypt it: raise it to the power "
                "`lam` modulo n squared, apply L, then multiply by `mu` modulo n.")
    if got == x:
        return ("That is `c**lam mod n**2`, the first move. Now apply L, `(x - 1) // n`, and "
                "multiply by `mu` modulo n.")
    if got == 0:  # both slips below give 0: c**lam = 1 mod n, and x - 1 is a multiple of n
        return ("0 for a message that is not 0: either the power was reduced modulo n (c**lam "
                "is always 1 mod n; use `pow(c, lam, n * n)`, a ciphertext lives in Z_{n^2}), "
                "or L's division by n is missing (`(x - 1) // n`, then `* mu % n`).")
    candidates = [
        ((x - 1) // n, "You applied L but forgot `mu`: multiply by `mu`, then reduce mod n."),
        ((x - 1) // n * mu, "Reduce the result modulo n at the end: `... * mu % n`."),
        (x * mu % n, "Apply L first: `(x - 1) // n`, then multiply by `mu` and reduce mod n."),
    ]
    for value, hint in candidates:
        if got == value:
            return hint
    if not 0 <= got < n:
        return ("A plaintext is a residue in [0, n): reduce modulo n at the end "
                "(`... * mu % n`).")
    return None


def check_paillier_decrypt(fn: Callable[..., Any]) -> CheckResult:
    """Check exercise 11.1: Paillier's textbook decryption with Python integers.

    The learner writes ``fn(c, n, lam, mu)`` returning ``L(c**lam mod n**2) *
    mu mod n`` with ``L(x) = (x - 1) // n``. It is compared exactly with the
    kit (:func:`ppml_lab.he.paillier.raw_decrypt`) under a seeded 256-bit key,
    on the encryptions of 42, 0, 2**200 + 12345, -7 (the residue ``n - 7``)
    and on the product of two ciphertexts (their sum, 1234). A float result,
    a missing ``mu`` or final ``% n``, the power reduced modulo ``n`` instead
    of ``n**2`` and a forgotten L get their own hints. The answer may not call
    the kit's ``decrypt`` or ``raw_decrypt``.

    Parameters
    ----------
    fn : callable
        Called as ``fn(c, n, lam, mu)`` with Python ints.

    Returns
    -------
    CheckResult

    Notes
    -----
    Introduced in notebook 11. Five decryptions of a 256-bit key: about 1 ms.

    Examples
    --------
    >>> check_paillier_decrypt(solutions.paillier_decrypt).passed
    True
    >>> check_paillier_decrypt(lambda c, n, lam, mu: pow(c, lam, n * n) * mu % n).hint[:13]
    'Apply L first'
    """
    return run_function_check(fn, _check_decrypt, check_name="check_paillier_decrypt",
                              exercise_id="11.1", hint=_HINT_11_1,
                              call="paillier_decrypt(c, n, lam, mu)", forbidden=_FORBIDDEN_11_1)


def _check_decrypt(fn: Callable[..., Any], reporter: Reporter) -> CheckResult:
    sk, cases = _cases()
    n, lam, mu = sk.public_key.n, sk.lam, sk.mu
    for i, (c, expected, what) in enumerate(cases):
        args = (c, n, lam, mu)
        (out,) = call_learner(fn, args, {}, reporter, first=(i == 0), what=_WHAT_11_1)
        shown = f"on {what}, {function_label(fn)} returned {describe_output(out)}"
        if isinstance(out, np.ndarray) and out.ndim > 0:
            return reporter.failed(
                f"{shown}; it should return {_WHAT_11_1}, one number.",
                hint="Work with Python ints (`pow(c, lam, n * n)`, `//`, `%`), not numpy arrays: "
                     "numpy's integers hold 64 bits, these numbers hundreds.")
        if isinstance(out, float) or (hasattr(out, "dtype") and getattr(out, "dtype").kind == "f"):
            return reporter.failed(
                f"{shown}, a float; Paillier needs exact integers (n has 77 digits, a float "
                "keeps 16).", hint="Use `//` (integer division) in L, never `/`.")
        if isinstance(out, bool) or not isinstance(out, numbers.Integral):
            raise Stop(reporter.failed(f"{shown}; it should return {_WHAT_11_1}."))
        if int(out) != expected:
            hint = _decrypt_mistake(c, n, lam, mu, int(out))
            if expected == n - 7 and int(out) == -7:
                hint = ("Return the residue in [0, n): -7 is stored as n - 7, and decoding it "
                        "back to -7 is a separate step (the encoding of section 3).")
            return reporter.failed(f"{shown}; the plaintext is {expected}.", hint=hint)
        if expected != paillier_module.raw_decrypt(sk, c):  # pragma: no cover - sanity
            raise AssertionError("the kit disagrees with the expected plaintext")
    return reporter.passed(
        f"{function_label(fn)} decrypts all five ciphertexts exactly, the homomorphic sum "
        "included (E(1000) * E(234) mod n^2 decrypts to 1234): the textbook formula, "
        "L(c^lam mod n^2) * mu mod n. The kit's `decrypt` computes the same by the Chinese "
        "remainder theorem, about 3 times faster.")


# --- 11.2 what an encrypted update weighs ----------------------------------------------------------

_HINT_11_2 = ("A ciphertext is a number modulo n squared, not modulo n: how many bits does it "
              "have for a 2048-bit n, and how many bytes is that? Then count one per weight.")
_MORE_11_2 = (
    "n has 2048 bits, so n**2 has 4096 bits: 512 bytes per ciphertext, one ciphertext per "
    "weight (the kit encrypts each number separately).",
    "1,000 weights x 512 bytes. Compare with 1,000 x 8 bytes of float64: that ratio is the "
    "ciphertext expansion of the explorer's right panel.",
)


def check_upload_bytes(answer: Any) -> CheckResult:
    """Check exercise 11.2: bytes uploaded for an encrypted update of 1,000 weights.

    One ciphertext per weight, each an element of Z_{n^2} for a 2048-bit ``n``:
    4096 bits = 512 bytes, so 512,000 bytes
    (:func:`ppml_lab.exercises.solutions.upload_bytes`), 64 times the 8,000
    bytes of float64. Counting ``n`` instead of ``n**2`` (256,000), bits as
    bytes (2,048,000 or 4,096,000), plaintext floats (8,000), one ciphertext
    (512) and the ratio (64) get their own hints.

    Parameters
    ----------
    answer : int or float
        A number of bytes; ``...`` or ``None`` means not attempted.

    Returns
    -------
    CheckResult

    Notes
    -----
    Introduced in notebook 11.

    Examples
    --------
    >>> check_upload_bytes(512_000).passed
    True
    >>> check_upload_bytes(256_000).hint[:30]
    'That counts n, 2048 bits = 256'
    """
    return run_value_check(answer, _grade_upload, exercise_id="11.2", hint=_HINT_11_2,
                           fix="Type a whole number of bytes, e.g. answer = 1000.")


def _grade_upload(value: float, reporter: Reporter) -> CheckResult:
    expected = float(solutions.upload_bytes())
    mistakes = [
        (256_000, "That counts n, 2048 bits = 256 bytes, per ciphertext. A ciphertext is a "
                  "number modulo n**2: 4096 bits."),
        (4_096_000, "That counts bits, not bytes: 4096 bits per ciphertext is 4096 / 8 bytes."),
        (2_048_000, "That counts the bits of n as bytes. A ciphertext has the bits of n**2, "
                    "4096, which is 512 bytes."),
        (8_000, "That is the plaintext update, 1,000 float64 of 8 bytes. Encrypted, each weight "
                "becomes a ciphertext modulo n**2."),
        (512, "That is one ciphertext. The update has 1,000 weights, one ciphertext each."),
        (64, "64 is the expansion ratio (512 bytes against 8). The question asks for the bytes "
             "of the whole update."),
    ]
    return grade_value(
        value, reporter, expected=expected, tolerance=0.5, mistakes=mistakes,
        what="the upload in bytes", domain=POSITIVE,
        passed=("1,000 ciphertexts of 4096 bits (n**2 for a 2048-bit n) weigh 512,000 bytes, "
                "64 times the 8,000 bytes of the float64 update. Packing several small numbers "
                "into one plaintext (as production systems do) cuts this, but the expansion is "
                "the price of computing on encrypted data."))


EXERCISES = (
    Exercise("11.1", "Paillier decryption, from the formula", check_paillier_decrypt,
             solutions.paillier_decrypt, _HINT_11_1, more_hints=_MORE_11_1),
    Exercise("11.2", "What an encrypted update weighs", check_upload_bytes,
             solutions.upload_bytes, _HINT_11_2, answer_name="n_bytes",
             question=("One client encrypts its model update of 1,000 weights under a "
                       "2048-bit Paillier key, one ciphertext per weight, and sends the "
                       "ciphertexts. Counting each ciphertext at its full size, how many bytes "
                       "does it upload?"),
             more_hints=_MORE_11_2),
)
