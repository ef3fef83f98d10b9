"""Homomorphic encryption: the Paillier cryptosystem, as a glass box.

Paillier is *additively* homomorphic: anyone holding the public key can add
ciphertexts and multiply them by plaintext constants, and only the holder of
the private key can read the result. That is enough for encrypted
aggregation (a server sums encrypted client updates) and for private
inference of a linear model (a server applies plaintext weights to encrypted
features).

**Educational code, not hardened.** It is written to be read and is tested
against python-paillier (``phe``), but it lacks what a production library
needs:

* constant-time arithmetic: Python's ``pow`` and big-integer operations take
  time and memory that depend on the secret values (timing and cache side
  channels leak key bits);
* protection against other side channels (power, faults) and zeroisation of
  secrets: Python cannot erase ``p`` and ``q`` from memory;
* key management: no key storage, rotation, serialisation format or access
  control; a seeded ``rng`` makes keys reproducible and therefore public;
* integrity: Paillier ciphertexts are malleable and carry no authentication;
* review: no audit, no defence against chosen-ciphertext attacks.

Keys below 2048 bits (used here to keep lessons fast) are not secure. For
real use, reach for an audited library and a protocol designed by
cryptographers.

Introduced in notebook 11.
"""

from __future__ import annotations

from .encoding import DEFAULT_FRAC_BITS, decode, encode, max_int
from .paillier import (EncryptedNumber, PrivateKey, PublicKey, add, decrypt, encrypt, multiply,
                       paillier_keygen)
from .primes import is_probable_prime, random_prime
from .vectors import (EncryptedAggregation, EncryptedVector, PrivateInference, decrypt_vector,
                      encrypt_vector, encrypted_aggregate, encrypted_linear_score,
                      private_linear_inference, sum_encrypted)

__all__ = [
    "paillier_keygen",
    "PublicKey",
    "PrivateKey",
    "EncryptedNumber",
    "encrypt",
    "decrypt",
    "add",
    "multiply",
    "encode",
    "decode",
    "max_int",
    "DEFAULT_FRAC_BITS",
    "is_probable_prime",
    "random_prime",
    "EncryptedVector",
    "encrypt_vector",
    "decrypt_vector",
    "sum_encrypted",
    "EncryptedAggregation",
    "encrypted_aggregate",
    "encrypted_linear_score",
    "PrivateInference",
    "private_linear_inference",
]
