"""Exercises 11.1 (Paillier decryption) and 11.2 (bytes of an encrypted update)."""

from __future__ import annotations

import pytest

from ppml_lab.exercises import check_paillier_decrypt, check_upload_bytes, solutions
from ppml_lab.he import decrypt


def test_reference_solutions_pass():
    assert check_paillier_decrypt(solutions.paillier_decrypt).passed
    assert check_upload_bytes(solutions.upload_bytes()).passed
    assert solutions.upload_bytes() == 512_000


@pytest.mark.parametrize("wrong, start", [
    (lambda c, n, lam, mu: (pow(c, lam, n * n) - 1) // n, "You applied L but forgot `mu`"),
    (lambda c, n, lam, mu: (pow(c, lam, n * n) - 1) // n * mu, "Reduce the result modulo n"),
    (lambda c, n, lam, mu: (pow(c, lam, n) - 1) // n * mu % n, "0 for a message"),
    (lambda c, n, lam, mu: (pow(c, lam, n * n) - 1) * mu % n, "0 for a message"),
    (lambda c, n, lam, mu: pow(c, lam, n * n) * mu % n, "Apply L first"),
    (lambda c, n, lam, mu: (pow(c, lam, n * n) - 1) / n * mu % n, "Use `//`"),
])
def test_decryption_mistakes_get_their_hints(wrong, start):
    result = check_paillier_decrypt(wrong)
    assert not result.passed and result.hint.startswith(start), result.hint


def test_signed_answer_gets_the_residue_hint():
    def signed(c, n, lam, mu):
        m = (pow(c, lam, n * n) - 1) // n * mu % n
        return m - n if m > n // 2 else m
    result = check_paillier_decrypt(signed)
    assert not result.passed and "residue in [0, n)" in result.hint


def test_library_decrypt_is_refused():
    from ppml_lab.he import EncryptedNumber, PrivateKey, PublicKey

    def cheat(c, n, lam, mu):
        pk = PublicKey(n)
        # p and q are not passed in; a learner would have to rebuild the key: any call counts
        return decrypt(PrivateKey(pk, 3, n // 3), EncryptedNumber(pk, c))
    result = check_paillier_decrypt(cheat)
    assert not result.passed


@pytest.mark.parametrize("answer, start", [
    (256_000, "That counts n"), (4_096_000, "That counts bits"), (2_048_000, "That counts the bits"),
    (8_000, "That is the plaintext"), (512, "That is one ciphertext"), (64, "64 is the expansion"),
])
def test_upload_mistakes_get_their_hints(answer, start):
    result = check_upload_bytes(answer)
    assert not result.passed and result.hint.startswith(start)


def test_not_attempted_and_bad_types():
    assert not check_upload_bytes(...).attempted
    assert not check_paillier_decrypt(lambda c, n, lam, mu: ...).attempted
    with pytest.raises(TypeError, match="`answer`"):
        check_upload_bytes("512000")
