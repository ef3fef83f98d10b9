"""Paillier (ppml_lab.he.paillier): properties, cross-checks with phe both ways, bad input.

Small seeded keys (256 and 512 bits) keep the suite fast; they are not secure.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phe import paillier as phe
from scipy import stats

from ppml_lab.he import (EncryptedNumber, PrivateKey, PublicKey, add, decrypt, encrypt,
                         is_probable_prime, max_int, multiply, paillier_keygen, random_prime)
from ppml_lab.he.paillier import raw_decrypt, raw_encrypt

FIXED = settings(derandomize=True, deadline=None, max_examples=60)

PK, SK = paillier_keygen(256, rng=0)
PK2, SK2 = paillier_keygen(256, rng=1)
PK512, SK512 = paillier_keygen(512, rng=2)
LIMIT = max_int(PK.n)


def to_phe(pk: PublicKey, sk: PrivateKey):
    ppk = phe.PaillierPublicKey(pk.n)
    return ppk, phe.PaillierPrivateKey(ppk, sk.p, sk.q)


def from_phe(ppk, psk) -> tuple[PublicKey, PrivateKey]:
    pk = PublicKey(ppk.n)
    return pk, PrivateKey(pk, psk.p, psk.q)


# --- key generation ----------------------------------------------------------------------------

@pytest.mark.parametrize("bits", [128, 256, 512, 1024])
def test_keygen_shape(bits):
    pk, sk = paillier_keygen(bits, rng=bits)
    p, q = sk.p, sk.q
    assert pk.n.bit_length() == bits == pk.bits
    assert p.bit_length() == q.bit_length() == bits // 2 and p != q
    assert is_probable_prime(p, rng=0) and is_probable_prime(q, rng=0)
    assert math.gcd(pk.n, (p - 1) * (q - 1)) == 1
    assert pk.g == pk.n + 1
    assert sk.lam == math.lcm(p - 1, q - 1)
    assert sk.mu * sk.lam % pk.n == 1  # with g = n + 1, mu = lambda**-1 mod n


def test_keygen_seeded_is_reproducible_and_default_is_fresh():
    assert paillier_keygen(256, rng=5)[0] == paillier_keygen(256, rng=5)[0]
    assert paillier_keygen(256, rng=5)[0] != paillier_keygen(256, rng=6)[0]
    a, b = paillier_keygen(256)[0], paillier_keygen(256)[0]  # secrets: fresh keys
    assert a != b


def test_keygen_default_is_2048_bits_from_secrets():
    pk, sk = paillier_keygen()
    assert pk.bits == 2048 and "not secure" not in repr(pk)
    assert decrypt(sk, encrypt(pk, -12345)) == -12345


def test_primes_and_miller_rabin():
    carmichael = [561, 1105, 1729, 2465, 2821, 6601, 8911, 41041, 825265, 321197185]
    assert not any(is_probable_prime(c, rng=0) for c in carmichael)
    assert is_probable_prime(2**521 - 1, rng=0)  # a Mersenne prime
    assert not is_probable_prime(2**523 - 1, rng=0)
    small = [k for k in range(3000) if is_probable_prime(k, rng=0)]
    assert small[:10] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29] and len(small) == 430
    p = random_prime(100, rng=3)
    assert p.bit_length() == 100 and p >> 98 == 3


def test_key_reprs_hide_the_primes():
    text = repr(SK) + repr(PK)
    assert str(SK.p) not in text and str(SK.q) not in text
    assert "not secure below 2048 bits" in repr(PK) and PK.fingerprint in repr(PK)


@pytest.mark.parametrize("bits, kind, match", [
    (100, ValueError, r"`bits` must be an integer in \[128, 8192\]; got 100\. .*not secure"),
    (257, ValueError, r"`bits` must be an even number"),
    (2**14, ValueError, r"`bits` must be an integer in \[128, 8192\]"),
    ("2048", TypeError, r"`bits` must be an integer"),
    (True, TypeError, r"`bits` must be an integer"),
    (2048.0, TypeError, r"`bits` must be an integer"),
])
def test_bad_bits(bits, kind, match):
    with pytest.raises(kind, match=match):
        paillier_keygen(bits)


def test_bad_keys():
    with pytest.raises(ValueError, match=r"`p, q` must be two distinct primes with p \* q == "):
        PrivateKey(PK, SK.p, SK2.q)
    with pytest.raises(TypeError, match="`public_key` must be a ppml_lab.he.PublicKey"):
        PrivateKey(PK.n, SK.p, SK.q)
    with pytest.raises(ValueError, match="`n` must be an odd modulus"):
        PublicKey(2 * SK.p)
    with pytest.raises(TypeError, match="`n` must be an integer modulus"):
        PublicKey(float(PK.n))
    with pytest.raises(TypeError, match="`public_key` must be a ppml_lab.he.PublicKey"):
        encrypt(PK.n, 3)
    with pytest.raises(TypeError, match="`private_key` must be a ppml_lab.he.PrivateKey"):
        decrypt(PK, encrypt(PK, 3, rng=0))


# --- properties --------------------------------------------------------------------------------

signed = st.integers(min_value=-LIMIT, max_value=LIMIT)
small = st.integers(min_value=-(2**60), max_value=2**60)
seeds = st.integers(min_value=0, max_value=2**32)


@FIXED
@given(m=signed, seed=seeds)
def test_round_trip_ints(m, seed):
    c = encrypt(PK, m, rng=seed)
    assert decrypt(SK, c) == m
    assert decrypt(SK, c, crt=False) == m


@FIXED
@given(a=small, b=small, s1=seeds, s2=seeds)
def test_additive_homomorphism(a, b, s1, s2):
    ca, cb = encrypt(PK, a, rng=s1), encrypt(PK, b, rng=s2)
    assert decrypt(SK, ca + cb) == a + b == decrypt(SK, add(ca, cb))
    assert decrypt(SK, ca - cb) == a - b
    assert decrypt(SK, ca + b) == a + b == decrypt(SK, b + ca)
    assert (ca + cb).ciphertext == ca.ciphertext * cb.ciphertext % PK.n_squared  # the formula


@FIXED
@given(m=small, k=st.integers(min_value=-(2**60), max_value=2**60), seed=seeds)
def test_scalar_multiplication(m, k, seed):
    c = encrypt(PK, m, rng=seed)
    assert decrypt(SK, c * k) == m * k == decrypt(SK, multiply(c, k)) == decrypt(SK, k * c)
    assert decrypt(SK, -c) == -m


@FIXED
@given(m=st.integers(min_value=0, max_value=PK.n - 1), seed=seeds)
def test_raw_scheme_and_both_decryptions_agree(m, seed):
    r = 1 + seed % (PK.n - 1)
    c = raw_encrypt(PK, m, r)
    assert raw_decrypt(SK, c) == m == raw_decrypt(SK, c, crt=False)


def test_encryption_is_randomised():
    a, b = encrypt(PK, 1), encrypt(PK, 1)
    assert a.ciphertext != b.ciphertext and decrypt(SK, a) == decrypt(SK, b) == 1
    assert encrypt(PK, 1, rng=3).ciphertext == encrypt(PK, 1, rng=3).ciphertext  # seeded: lessons


def test_ciphertexts_of_zero_and_one_look_alike():
    """What a test can see of semantic security: low bits and residues mod small primes are
    uniform and do not depend on the message (chi-square, 3000 ciphertexts each)."""
    rng = np.random.default_rng(11)
    c0 = [encrypt(PK, 0, rng=rng).ciphertext for _ in range(3000)]
    c1 = [encrypt(PK, 1, rng=rng).ciphertext for _ in range(3000)]
    for reduce, k in [(lambda c: c & 0xF, 16), (lambda c: (c >> 100) & 0xF, 16),
                      (lambda c: c % 7, 7)]:
        h0 = np.bincount([reduce(c) for c in c0], minlength=k)
        h1 = np.bincount([reduce(c) for c in c1], minlength=k)
        if k == 7:  # ciphertexts are coprime to n, not to 7: still uniform mod 7
            pass
        assert stats.chisquare(h0).pvalue > 1e-3 and stats.chisquare(h1).pvalue > 1e-3
        assert stats.chi2_contingency(np.stack([h0, h1])).pvalue > 1e-3
    bits0 = np.array([c.bit_length() for c in c0])
    bits1 = np.array([c.bit_length() for c in c1])
    assert stats.ks_2samp(bits0, bits1).pvalue > 1e-3


# --- cross-checks with python-paillier (phe), both ways ---------------------------------------

@FIXED
@given(m=signed, seed=seeds)
def test_phe_decrypts_kit_ciphertexts(m, seed):
    ppk, psk = to_phe(PK, SK)
    c = encrypt(PK, m, rng=seed)
    assert psk.decrypt(phe.EncryptedNumber(ppk, c.ciphertext, 0)) == m


@FIXED
@given(m=signed)
def test_kit_decrypts_phe_ciphertexts(m):
    ppk, psk = to_phe(PK, SK)
    c = ppk.encrypt(m)
    assert c.exponent == 0
    assert decrypt(SK, EncryptedNumber(PK, c.ciphertext())) == m


def test_phe_keys_into_the_kit_and_raw_formulas_agree():
    ppk, psk = phe.generate_paillier_keypair(n_length=512)
    pk, sk = from_phe(ppk, psk)
    assert sk.p * sk.q == ppk.n and max_int(pk.n) == ppk.max_int
    for m, r in [(0, 1), (5, 12345), (pk.n - 1, 2**200 + 7)]:
        assert raw_encrypt(pk, m, r) == ppk.raw_encrypt(m, r_value=r)
    for m in (0, 1, -1, 10**30, -(10**30)):
        assert decrypt(sk, EncryptedNumber(pk, ppk.encrypt(m).ciphertext())) == m
        assert psk.decrypt(phe.EncryptedNumber(ppk, encrypt(pk, m).ciphertext)) == m


@FIXED
@given(values=st.lists(small, min_size=1, max_size=8), seed=seeds)
def test_homomorphic_sums_agree_both_ways(values, seed):
    ppk, psk = to_phe(PK, SK)
    rng = np.random.default_rng(seed)
    kit = [encrypt(PK, v, rng=rng) for v in values]
    ours = kit[0]
    for c in kit[1:]:
        ours = ours + c
    theirs = phe.EncryptedNumber(ppk, kit[0].ciphertext, 0)
    for c in kit[1:]:
        theirs = theirs + phe.EncryptedNumber(ppk, c.ciphertext, 0)
    assert ours.ciphertext == theirs.ciphertext(be_secure=False)  # same product mod n**2
    assert psk.decrypt(phe.EncryptedNumber(ppk, ours.ciphertext, 0)) == sum(values)
    assert decrypt(SK, EncryptedNumber(PK, theirs.ciphertext())) == sum(values)
    # the other way: phe encrypts, both sum, each decrypts the other's sum
    pc = [ppk.encrypt(v) for v in values]
    phe_sum = sum(pc[1:], pc[0])
    kit_sum = EncryptedNumber(PK, pc[0].ciphertext())
    for c in pc[1:]:
        kit_sum = kit_sum + EncryptedNumber(PK, c.ciphertext())
    assert decrypt(SK, EncryptedNumber(PK, phe_sum.ciphertext())) == sum(values)
    assert psk.decrypt(phe.EncryptedNumber(ppk, kit_sum.ciphertext, 0)) == sum(values)
    # scalar multiplication agrees too
    assert psk.decrypt(phe.EncryptedNumber(ppk, (kit[0] * -3).ciphertext, 0)) == -3 * values[0]


@pytest.mark.parametrize("x", [0.1, -2.5, 1234.5678, -1e-6, 3e9])
def test_floats_cross_check_with_phe(x):
    """frac_bits=32 is phe's exponent -8 in base 16."""
    ppk, psk = to_phe(PK512, SK512)
    c = encrypt(PK512, x, rng=0)
    assert c.frac_bits == 32
    assert psk.decrypt(phe.EncryptedNumber(ppk, c.ciphertext, -8)) == pytest.approx(
        x, abs=2**-32)
    theirs = ppk.encrypt(x, precision=2**-32).decrease_exponent_to(-8)
    assert decrypt(SK512, EncryptedNumber(PK512, theirs.ciphertext(), 32)) == pytest.approx(
        x, abs=2**-32)


# --- refusals ----------------------------------------------------------------------------------

def test_different_keys_are_refused():
    a, b = encrypt(PK, 1, rng=0), encrypt(PK2, 2, rng=0)
    msg = (rf"`other` must be encrypted under the same public key as the other operand "
           rf"\(key {PK.fingerprint}\); got a ciphertext under key {PK2.fingerprint}\. Encrypt "
           r"every value")
    with pytest.raises(ValueError, match=msg):
        a + b
    with pytest.raises(ValueError, match="same public key"):
        add(a, b)
    with pytest.raises(ValueError, match=rf"`ciphertext` must be encrypted under this private "
                       rf"key's public key \(key {PK.fingerprint}\); got a ciphertext under "
                       rf"key {PK2.fingerprint}"):
        decrypt(SK, b)


@pytest.mark.parametrize("c, kind, match", [
    (0, ValueError, r"`ciphertext` must be an integer in \[1, n\*\*2\); got a 0-bit integer "
     r"outside \[1, n\*\*2\) for a 256-bit key\. It is malformed or was tampered with"),
    (-5, ValueError, r"`ciphertext` must be an integer in \[1, n\*\*2\)"),
    (PK.n_squared, ValueError, r"`ciphertext` must be an integer in \[1, n\*\*2\)"),
    (SK.p * 12345, ValueError, r"`ciphertext` must be an integer in \[1, n\*\*2\) coprime to n; "
     r"got a \d+-bit integer sharing a factor with n"),
    ("123", TypeError, r"`ciphertext` must be an integer; got '123'"),
    (1.5, TypeError, r"`ciphertext` must be an integer"),
    (True, TypeError, r"`ciphertext` must be an integer"),
])
def test_malformed_ciphertexts_are_refused(c, kind, match):
    with pytest.raises(kind, match=match):
        EncryptedNumber(PK, c)


def test_wrong_types_are_refused():
    c = encrypt(PK, 3, rng=0)
    with pytest.raises(TypeError, match="`ciphertext` must be an EncryptedNumber; got 12345"):
        decrypt(SK, 12345)
    with pytest.raises(TypeError, match="Paillier multiplies a ciphertext only by a plaintext"):
        c * c
    with pytest.raises(TypeError, match="Paillier multiplies a ciphertext only by a plaintext"):
        multiply(c, c)
    with pytest.raises(TypeError, match="`m` must be an int or a float; got '3'"):
        encrypt(PK, "3")
    with pytest.raises(TypeError, match="`m` must be an int or a float; got True"):
        encrypt(PK, True)
    with pytest.raises(TypeError):
        c + "1"
    with pytest.raises(TypeError, match="`a` must be an EncryptedNumber"):
        add(3, c)
    with pytest.raises(TypeError, match="`b` must be an EncryptedNumber or a number"):
        add(c, None)
    with pytest.raises(ValueError, match="`frac_bits` must be an integer in"):
        encrypt(PK, 3, frac_bits=-1)


def test_tampering_is_malleable_or_detected():
    """Paillier has no integrity: multiplying by g**k shifts the plaintext (undetected);
    a shift into the guard band is caught by decoding."""
    c = encrypt(PK, 10, rng=0)
    shifted = EncryptedNumber(PK, c.ciphertext * (1 + 5 * PK.n) % PK.n_squared)
    assert decrypt(SK, shifted) == 15  # silently another number: malleability
    broken = EncryptedNumber(PK, c.ciphertext * (1 + (PK.n // 2) * PK.n) % PK.n_squared)
    with pytest.raises(ValueError, match="`plaintext` must be in the valid range .* tampered"):
        decrypt(SK, broken)


def test_overflow_is_detected():
    top = encrypt(PK, LIMIT, rng=0)
    assert decrypt(SK, top) == LIMIT
    with pytest.raises(ValueError, match=r"`m` must be an integer with \|value\| <= max_int\(n\)"):
        encrypt(PK, LIMIT + 1)
    with pytest.raises(ValueError, match=r"`m` must be an integer with \|value\| <= max_int\(n\)"):
        encrypt(PK, -LIMIT - 1)
    with pytest.raises(ValueError, match="guard band"):
        decrypt(SK, top + top)  # 2 n / 3: in the guard band
    with pytest.raises(ValueError, match="guard band"):
        decrypt(SK, top * 2)
