"""Secret sharing: additive and Shamir sharing, Beaver multiplication, secure aggregation.

A secret is split into *shares* that are each uniformly random, so that one
share (additive) or fewer than ``threshold`` shares (Shamir) reveal nothing,
while all shares (or any ``threshold`` of them) give the secret back. Parties
then compute on shares: sums locally, products with one round of Beaver's
trick.

* :mod:`.encoding` -- fixed point into the 64-bit ring or the prime field
  ``2**61 - 1``, with the range stated and overflow raised;
* :mod:`.additive` -- ``additive_share`` / ``additive_reconstruct``;
* :mod:`.shamir` -- ``shamir_split`` / ``shamir_combine``;
* :mod:`.beaver` -- multiplication with a trusted dealer's triples, a secure dot
  product and a secure mean, each counting messages, bytes and rounds.

This is educational code, written to be read and tested for correctness. It is
**not hardened**: it makes no attempt at constant-time arithmetic, keeps shares
in ordinary Python memory, simulates all parties (and the trusted dealer) in one
process, and assumes honest-but-curious parties. Shares come from the operating
system's CSPRNG by default; passing a seed (``rng=0``) makes a lesson
reproducible and is then not secure. Use an audited MPC framework for real data.

Introduced in notebook 09.
"""

from __future__ import annotations

from .additive import additive_reconstruct, additive_share
from .beaver import (MultiplyResult, ProtocolCost, SecureMeanResult, TrustedDealer,
                     beaver_multiply, mul_public, secure_dot, secure_mean)
from .encoding import (DEFAULT_FRAC_BITS, FIELD_PRIME, RING_MODULUS, Encoding,
                       EncodingOverflowError, decode, decode_bytes, encode, encode_bytes,
                       fixed_point_range)
from .shamir import lagrange_coefficients, shamir_combine, shamir_split
from .secure_aggregation import (PhaseCost, SecureAggregationResult, TooFewSurvivorsError,
                                 secure_aggregate)
from .shares import Share

__all__ = [
    "DEFAULT_FRAC_BITS", "FIELD_PRIME", "RING_MODULUS", "Encoding", "EncodingOverflowError",
    "decode", "decode_bytes", "encode", "encode_bytes", "fixed_point_range",
    "Share", "shamir_split", "shamir_combine", "lagrange_coefficients",
    "additive_share", "additive_reconstruct",
    "ProtocolCost", "TrustedDealer", "MultiplyResult", "SecureMeanResult", "beaver_multiply",
    "secure_dot", "mul_public", "secure_mean",
    "secure_aggregate", "SecureAggregationResult", "PhaseCost", "TooFewSurvivorsError",
]
