"""Encrypted vectors, encrypted aggregation and private linear inference (ppml_lab.he.vectors)."""

from __future__ import annotations

import numpy as np
import pytest
from phe import paillier as phe
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from ppml_lab.he import (EncryptedVector, decrypt, decrypt_vector, encrypt_vector,
                         encrypted_aggregate, encrypted_linear_score, paillier_keygen,
                         private_linear_inference, sum_encrypted)

PK, SK = paillier_keygen(256, rng=0)
PK2, SK2 = paillier_keygen(256, rng=1)


def test_aggregation_matches_the_plain_sum():
    rng = np.random.default_rng(0)
    U = rng.normal(size=(12, 7))
    agg = encrypted_aggregate(U, PK, SK, rng=1)
    assert agg.max_abs_error <= 12 * 2**-33
    np.testing.assert_allclose(agg.total, U.sum(axis=0), atol=1e-8)
    np.testing.assert_allclose(agg.mean, U.mean(axis=0), atol=1e-9)
    assert agg.bytes_up == 12 * 7 * 64 and agg.bytes_plain == 12 * 7 * 8
    assert [name for name, _ in agg.seconds] == ["encrypt", "add", "decrypt"]
    again = encrypted_aggregate(U, PK, SK, rng=1)
    assert np.array_equal(again.total, agg.total)


def test_aggregate_is_what_phe_computes():
    ppk = phe.PaillierPublicKey(PK.n)
    psk = phe.PaillierPrivateKey(ppk, SK.p, SK.q)
    U = [[1.5, -2.0, 0.0], [0.25, 4.0, -1.0]]
    total = sum_encrypted([encrypt_vector(PK, u, rng=i) for i, u in enumerate(U)])
    got = [psk.decrypt(phe.EncryptedNumber(ppk, c, -8)) for c in total.ciphertexts]
    assert got == [1.75, 2.0, -1.0]
    theirs = [ppk.encrypt(a, precision=2**-32) + ppk.encrypt(b, precision=2**-32)
              for a, b in zip(*U)]
    ours = EncryptedVector(PK, [t.decrease_exponent_to(-8).ciphertext() for t in theirs], 32)
    assert decrypt_vector(SK, ours).tolist() == [1.75, 2.0, -1.0]


def test_integer_vectors_and_indexing():
    v = encrypt_vector(PK, [3, -4, 2**70], frac_bits=0, rng=0)
    assert decrypt_vector(SK, v).tolist() == [3, -4, 2**70]
    assert decrypt(SK, v[1]) == -4 and len(v) == 3
    assert "3 ciphertexts" in repr(v) and v.nbytes == 3 * 64


def test_private_inference_matches_the_plaintext_model():
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = LogisticRegression(max_iter=500).fit(X, y)
    res = private_linear_inference(X[:4], model.coef_[0], model.intercept_[0], PK, SK, rng=0)
    np.testing.assert_allclose(res.scores, model.decision_function(X[:4]), atol=1e-7)
    assert res.max_abs_error < 1e-7
    assert np.array_equal((res.scores > 0).astype(int), model.predict(X[:4]))
    assert res.n_features == 30 and res.bytes_to_server == 4 * 30 * 64
    assert res.bytes_to_client == 4 * 64


def test_server_score_is_rerandomised():
    ex = encrypt_vector(PK, [1.0, 2.0], rng=0)
    plain = ex.dot([0.5, -0.25], 1.0, rerandomize=False)
    fresh = encrypted_linear_score(ex, [0.5, -0.25], 1.0, rng=1)
    assert plain.ciphertext != fresh.ciphertext
    assert decrypt(SK, plain) == decrypt(SK, fresh) == 1.0
    assert fresh.frac_bits == 64


def test_bad_input():
    u = encrypt_vector(PK, [1.0, 2.0], rng=0)
    with pytest.raises(ValueError, match=rf"`other` must be encrypted under the same public key "
                       rf"\(key {PK.fingerprint}\); got a vector under key {PK2.fingerprint}"):
        u + encrypt_vector(PK2, [1.0, 2.0], rng=0)
    with pytest.raises(ValueError, match=r"`other` must be a vector of the same length \(2\); "
                       r"got 3 ciphertexts"):
        u + encrypt_vector(PK, [1.0, 2.0, 3.0], rng=0)
    with pytest.raises(ValueError, match=r"`v` must be encrypted under this private key's"):
        decrypt_vector(SK2, u)
    with pytest.raises(ValueError, match=r"`weights` must be one weight per encrypted feature "
                       r"\(2\); got 3 weights"):
        u.dot([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"`ciphertext` must be an integer in \[1, n\*\*2\)"):
        EncryptedVector(PK, [0, 5])
    with pytest.raises(ValueError, match="`ciphertexts` must be non-empty"):
        EncryptedVector(PK, [])
    with pytest.raises(TypeError, match="`ciphertexts` must be a sequence of integers"):
        EncryptedVector(PK, 12345)
    with pytest.raises(ValueError, match="`updates` must be free of NaN"):
        encrypted_aggregate([[1.0, np.nan]], PK, SK)
    with pytest.raises(ValueError, match="`updates` must be a 2-dimensional array"):
        encrypted_aggregate([1.0, 2.0], PK, SK)
    with pytest.raises(ValueError, match=r"`private_key` must be the PrivateKey of `public_key`"):
        encrypted_aggregate([[1.0]], PK, SK2)
    with pytest.raises(TypeError, match=r"`vectors\[1\]` must be an EncryptedVector"):
        sum_encrypted([u, [1, 2]])
    with pytest.raises(ValueError, match=r"`coef` must be one weight per column of `X` \(2\)"):
        private_linear_inference([[1.0, 2.0]], [1.0], 0.0, PK, SK)
    with pytest.raises(ValueError, match=r"`x` must be a number with \|value\| \* 2\*\*32"):
        encrypt_vector(PK, [1e80])
