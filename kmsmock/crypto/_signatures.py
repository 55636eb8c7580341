"""The signing algorithms of Sign and Verify, made with real cryptography.

A KMS signature is the standard one, so users verify it with their own library and the
public key from GetPublicKey (API reference, Sign and Verify). What each algorithm is:

* RSASSA_PSS_SHA_*: PSS with MGF1 over the same hash and a salt as long as the digest
  (LocalStack's test_verify_salt_length, validated against AWS 2025-04-02).
* RSASSA_PKCS1_V1_5_SHA_*: PKCS #1 v1.5.
* ECDSA_SHA_*: ECDSA, the signature DER ``SEQUENCE {r, s}`` (same recording).
* ED25519_SHA_512: pure Ed25519 over the message (RFC 8032).
* ED25519_PH_SHA_512: Ed25519ph; KMS hashes the caller's SHA-512 digest once more, as
  Ed25519ph's own pre-hash (MessageType documentation).
* ML_DSA_SHAKE_256: pure ML-DSA with an empty context (FIPS 204 algorithm 2); with
  EXTERNAL_MU the message is the 64-byte representative mu of FIPS 204 section 6.2, and
  the signature is the one RAW would give (developer guide, "ML-DSA keys in AWS KMS").
* SM2DSA: SM2 with SM3 and the distinguishing ID 1234567812345678 (China Regions only).

MessageType DIGEST means the message is already the hash: ``Prehashed`` in
``cryptography``. The rules on which message types each algorithm takes are checked by
the caller (operations/signing.py) from ``Scheme``; this module only computes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, utils

from kmsmock._gaps import NotYetImplemented

RAW = "RAW"
DIGEST = "DIGEST"
EXTERNAL_MU = "EXTERNAL_MU"
# FIPS 204 section 6.2: mu is 64 bytes.
MU_BYTES = 64


class Scheme:
    """One SigningAlgorithm: how it signs, and which message types it takes."""

    __slots__ = ("digest_size", "family", "hash", "message_types", "name")

    def __init__(
        self,
        name: str,
        family: str,
        hash_: Callable[[], hashes.HashAlgorithm] | None,
        message_types: frozenset[str],
        digest_size: int,
    ) -> None:
        self.name = name
        # "pss", "pkcs1", "ecdsa", "ed25519", "ed25519ph", "mldsa" or "sm2".
        self.family = family
        self.hash = hash_
        self.message_types = message_types
        # The length a non-RAW message must have (DIGEST, or EXTERNAL_MU for ML-DSA).
        self.digest_size = digest_size


_HashFactory = Callable[[], hashes.HashAlgorithm]
# Hash and digest length of each SHA-2 suffix.
_SHA: dict[str, tuple[_HashFactory, int]] = {
    "256": (hashes.SHA256, 32),
    "384": (hashes.SHA384, 48),
    "512": (hashes.SHA512, 64),
}
_HASHED = frozenset({RAW, DIGEST})

SCHEMES: dict[str, Scheme] = {}
for _bits, (_hash, _size) in _SHA.items():
    for _prefix, _family in (
        ("RSASSA_PSS_SHA_", "pss"),
        ("RSASSA_PKCS1_V1_5_SHA_", "pkcs1"),
        ("ECDSA_SHA_", "ecdsa"),
    ):
        SCHEMES[_prefix + _bits] = Scheme(_prefix + _bits, _family, _hash, _HASHED, _size)
SCHEMES["ED25519_SHA_512"] = Scheme("ED25519_SHA_512", "ed25519", None, frozenset({RAW}), 64)
SCHEMES["ED25519_PH_SHA_512"] = Scheme(
    "ED25519_PH_SHA_512", "ed25519ph", None, frozenset({DIGEST}), 64
)
SCHEMES["ML_DSA_SHAKE_256"] = Scheme(
    "ML_DSA_SHAKE_256", "mldsa", None, frozenset({RAW, EXTERNAL_MU}), MU_BYTES
)
# SM3 digests are 32 bytes.
SCHEMES["SM2DSA"] = Scheme("SM2DSA", "sm2", None, _HASHED, 32)


def _hash_for(scheme: Scheme, message_type: str) -> Any:
    assert scheme.hash is not None
    algorithm = scheme.hash()
    return utils.Prehashed(algorithm) if message_type == DIGEST else algorithm


def _pss(scheme: Scheme) -> padding.PSS:
    assert scheme.hash is not None
    return padding.PSS(mgf=padding.MGF1(scheme.hash()), salt_length=scheme.digest_size)


def _gap(scheme: Scheme) -> NotYetImplemented:
    if scheme.family == "ed25519ph":
        return NotYetImplemented(
            "ED25519_PH_SHA_512 signatures (Ed25519ph of RFC 8032, which the installed "
            "cryptography does not provide)"
        )
    return NotYetImplemented("SM2DSA signatures (SM2 is not in cryptography)")


def _mu_method(key: Any, name: str) -> Callable[..., Any]:
    method = getattr(key, name, None)
    if method is None:
        # cryptography added signing a precomputed mu after ML-DSA itself.
        raise NotYetImplemented(
            f"ML-DSA with MessageType EXTERNAL_MU with the installed cryptography "
            f"(needs a release with {type(key).__name__}.{name})"
        )
    return method  # type: ignore[no-any-return]


def sign(private: Any, scheme: Scheme, message_type: str, message: bytes) -> bytes:
    """Sign ``message`` (already checked against ``scheme``'s message rules)."""
    family = scheme.family
    if family == "pss":
        return bytes(private.sign(message, _pss(scheme), _hash_for(scheme, message_type)))
    if family == "pkcs1":
        return bytes(private.sign(message, padding.PKCS1v15(), _hash_for(scheme, message_type)))
    if family == "ecdsa":
        return bytes(private.sign(message, ec.ECDSA(_hash_for(scheme, message_type))))
    if family == "ed25519":
        return bytes(private.sign(message))
    if family == "mldsa":
        if message_type == EXTERNAL_MU:
            return bytes(_mu_method(private, "sign_mu")(message))
        return bytes(private.sign(message))
    raise _gap(scheme)


def verify(
    private: Any, scheme: Scheme, message_type: str, message: bytes, signature: bytes
) -> bool:
    """Whether ``signature`` is ``scheme``'s signature of ``message`` under the key.

    Anything that is not a valid signature (wrong length, bad DER, other key) is simply
    not valid: KMS answers all of them with KMSInvalidSignatureException.
    """
    family = scheme.family
    if family in ("ed25519ph", "sm2"):
        raise _gap(scheme)
    public = private.public_key()
    try:
        if family == "pss":
            public.verify(signature, message, _pss(scheme), _hash_for(scheme, message_type))
        elif family == "pkcs1":
            public.verify(signature, message, padding.PKCS1v15(), _hash_for(scheme, message_type))
        elif family == "ecdsa":
            public.verify(signature, message, ec.ECDSA(_hash_for(scheme, message_type)))
        elif family == "mldsa" and message_type == EXTERNAL_MU:
            _mu_method(public, "verify_mu")(signature, message)
        else:
            # Ed25519 and pure ML-DSA take the message itself.
            public.verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
