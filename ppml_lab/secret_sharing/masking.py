"""Building blocks of secure aggregation: keys, agreed seeds, masks, share bundles.

Each function is one step of Bonawitz et al. (2017), written to be read:

* :func:`keypair` -- an X25519 key pair (from the OS CSPRNG, or from 32 seeded
  bytes for a reproducible lesson, which is then **not secure**);
* :func:`agree_seed` -- Diffie-Hellman on Curve25519, then HKDF-SHA256, gives
  two clients the same 32-byte seed without ever sending it;
* :func:`mask_into` -- the PRG: the seed stretched into 64-bit words (the
  ChaCha20 keystream, exactly :func:`ppml_lab._random.expand_seed`, written into
  a reused buffer because this is the protocol's hot loop);
* :func:`add_mask` -- ``row += sign * PRG(seed)`` in the ring ``Z_{2^64}``;
* :func:`pair_sign` -- +1 for the smaller index of a pair, -1 for the larger,
  so ``+PRG(s_uv)`` and ``-PRG(s_uv)`` cancel in the sum;
* :func:`seal_bundle` / :func:`open_bundle` -- a client's shares for one other
  client, encrypted with ChaCha20-Poly1305 under a key they agreed, so the
  server that relays them learns nothing.

Introduced in notebook 10.

References
----------
Bonawitz, K. et al. (2017). Practical Secure Aggregation for
Privacy-Preserving Machine Learning. ACM CCS 2017, pp. 1175-1191.
"""

from __future__ import annotations

import struct

import numpy as np
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .._random import WordStream
from .._validation import fail

__all__ = [
    "KEY_BYTES",
    "keypair",
    "private_bytes",
    "public_bytes",
    "agree_seed",
    "MaskBuffer",
    "mask_into",
    "add_mask",
    "pair_sign",
    "seal_bundle",
    "open_bundle",
]

KEY_BYTES = 32  # an X25519 public key, a private key, a seed: 256 bits each
TAG_BYTES = 16  # the Poly1305 authentication tag of a sealed bundle
_MASK_INFO = b"ppml-lab secure aggregation: pairwise mask seed"
_BUNDLE_INFO = b"ppml-lab secure aggregation: share encryption key"


def keypair(secret: bytes | None = None) -> X25519PrivateKey:
    """An X25519 private key (its public key is ``key.public_key()``).

    ``secret=None`` draws it from the operating system's CSPRNG; 32 bytes (for
    example ``rng.bytes(32)`` from a seeded generator) make it reproducible
    and therefore **not secure**.

    Examples
    --------
    >>> key = keypair(bytes(range(32)))
    >>> public_bytes(key).hex()[:16]
    '8f40c5adb68f2562'
    """
    if secret is None:
        return X25519PrivateKey.generate()
    return X25519PrivateKey.from_private_bytes(bytes(secret))


def private_bytes(key: X25519PrivateKey) -> bytes:
    """The 32 raw bytes of a private key (what a client Shamir-shares)."""
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def public_bytes(key: X25519PrivateKey | X25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key (what a client advertises)."""
    if isinstance(key, X25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _hkdf(shared: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(shared)


def agree_seed(own: X25519PrivateKey, other_public: bytes | X25519PublicKey, *,
               purpose: str = "mask") -> bytes:
    """The 32-byte seed two clients share: ``HKDF(X25519(own, other))``.

    Both ends compute the same value from their own private key and the
    other's public key (Diffie-Hellman), and nobody else can.
    ``purpose="mask"`` gives the pairwise-mask seed, ``"bundle"`` the key that
    encrypts shares; HKDF's ``info`` keeps the two independent.

    Examples
    --------
    >>> a, b = keypair(bytes(32 * [1])), keypair(bytes(32 * [2]))
    >>> agree_seed(a, public_bytes(b)) == agree_seed(b, public_bytes(a))
    True
    >>> agree_seed(a, public_bytes(b)) == agree_seed(a, public_bytes(b), purpose="bundle")
    False
    """
    info = {"mask": _MASK_INFO, "bundle": _BUNDLE_INFO}.get(purpose)
    if info is None:
        raise fail("purpose", "'mask' or 'bundle'", purpose)
    if not isinstance(other_public, X25519PublicKey):
        other_public = X25519PublicKey.from_public_bytes(other_public)
    shared = own.exchange(other_public)
    return _hkdf(shared, info)


class MaskBuffer:
    """A reused output buffer for :func:`mask_into` (``dimension`` 64-bit words).

    Stretching a seed is the hot loop of secure aggregation (one call per
    pair of clients); writing the keystream into the same memory each time is
    several times faster than allocating a new array.
    """

    def __init__(self, dimension: int) -> None:
        self.dimension = int(dimension)
        self.words = np.empty(self.dimension, dtype=np.uint64)


def mask_into(seed: bytes, buffer: MaskBuffer) -> np.ndarray:
    """Stretch ``seed`` into ``buffer.dimension`` uniform 64-bit words: the PRG.

    The words are the ChaCha20 keystream under ``seed`` (nonce zero), the same
    as :func:`ppml_lab._random.expand_seed`; the returned array is
    ``buffer.words``, overwritten by the next call.

    Examples
    --------
    >>> from ppml_lab._random import expand_seed
    >>> buf = MaskBuffer(5)
    >>> bool(np.all(mask_into(bytes(32), buf) == expand_seed(bytes(32), 5)))
    True
    """
    return WordStream.from_key(seed).fill(buffer.words)


def add_mask(row: np.ndarray, words: np.ndarray, sign: int) -> np.ndarray:
    """``row += sign * words`` in place, modulo ``2**64`` (numpy's uint64 wraps around).

    Examples
    --------
    >>> row = np.array([5, 0], dtype=np.uint64)
    >>> add_mask(row, np.array([7, 1], dtype=np.uint64), -1).tolist()
    [18446744073709551614, 18446744073709551615]
    """
    if sign > 0:
        return np.add(row, words, out=row)
    return np.subtract(row, words, out=row)


def pair_sign(u: int, v: int) -> int:
    """The sign client ``u`` gives the mask it shares with ``v``: +1 if u < v, else -1.

    Examples
    --------
    >>> pair_sign(0, 3), pair_sign(3, 0)
    (1, -1)
    """
    return 1 if u < v else -1


def _nonce(sender: int, receiver: int) -> bytes:
    # each bundle key is used once per direction, so the pair of indices is a unique nonce
    return struct.pack("<II", sender, receiver) + bytes(4)


def seal_bundle(key: bytes, sender: int, receiver: int, shares: np.ndarray) -> bytes:
    """Encrypt ``sender``'s shares for ``receiver`` (ChaCha20-Poly1305).

    The plaintext is ``sender || receiver || shares`` as in the paper; the
    ciphertext is ``8 + 8 * shares.size + 16`` bytes (16 for the tag).

    Examples
    --------
    >>> box = seal_bundle(bytes(32), 1, 2, np.arange(4, dtype=np.uint64))
    >>> len(box), open_bundle(bytes(32), 1, 2, box).tolist()
    (56, [0, 1, 2, 3])
    """
    plain = struct.pack("<II", sender, receiver) + np.ascontiguousarray(shares, "<u8").tobytes()
    return ChaCha20Poly1305(key).encrypt(_nonce(sender, receiver), plain, None)


def open_bundle(key: bytes, sender: int, receiver: int, box: bytes) -> np.ndarray:
    """Decrypt and check a bundle; raises ``cryptography.exceptions.InvalidTag`` if tampered."""
    plain = ChaCha20Poly1305(key).decrypt(_nonce(sender, receiver), box, None)
    got_sender, got_receiver = struct.unpack("<II", plain[:8])
    if (got_sender, got_receiver) != (sender, receiver):
        raise ValueError(f"a share bundle addressed {got_sender}->{got_receiver} arrived as "
                         f"{sender}->{receiver}; the server must not reroute bundles.")
    return np.frombuffer(plain[8:], dtype="<u8").astype(np.uint64)
