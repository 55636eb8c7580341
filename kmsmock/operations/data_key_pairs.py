"""GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext.

A fresh key pair per call, made with ``cryptography``: the public key as DER
SubjectPublicKeyInfo, the private key as DER PKCS#8 (RFC 5958), and a copy of the
private key sealed under a symmetric encryption key exactly as Encrypt seals a
plaintext, so Decrypt opens it (API reference; reference section 11).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives import serialization

from kmsmock._dispatch import operation
from kmsmock.backend._key import Key
from kmsmock.crypto._keypairs import generate
from kmsmock.operations._key_type import (
    in_china,
    incompatible,
    not_in_region,
    origin_refused,
    require_usage,
)
from kmsmock.operations._request import Request
from kmsmock.operations.crypto import _seal
from kmsmock.operations.usage import record_use

# KeyPairSpec values limited by partition (the KeyPairSpec parameter's documentation):
# SM2 exists only in the China Regions, ML-KEM everywhere but there.
_CHINA_ONLY = frozenset({"SM2"})
_NOT_IN_CHINA = frozenset({"ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"})


def _wrapping_key(req: Request, key_id: str) -> Key:
    """The symmetric encryption key that seals the private key, or AWS's refusal.

    The API reference: "you must specify a symmetric encryption KMS key ... You cannot
    use an asymmetric KMS key or a KMS key in a custom key store."
    """
    key = req.key(key_id)
    require_usage(key, "ENCRYPT_DECRYPT", req.operation)
    if key.key_spec != "SYMMETRIC_DEFAULT":
        # The private key is sealed with SYMMETRIC_DEFAULT, which an RSA or SM2 key
        # cannot do: AWS's text for Encrypt without an algorithm on such a key.
        raise incompatible("SYMMETRIC_DEFAULT", key)
    if key.key_store is not None:
        raise origin_refused(key)
    return key


def _check_spec(req: Request, key_pair_spec: str) -> None:
    china = in_china(req.region_name)
    if (key_pair_spec in _CHINA_ONLY and not china) or (key_pair_spec in _NOT_IN_CHINA and china):
        raise not_in_region("KeyPairSpec", key_pair_spec)


def _key_pair(
    req: Request,
    key_id: str,
    key_pair_spec: str,
    encryption_context: Mapping[str, str] | None,
    dry_run: bool | None,
) -> tuple[dict[str, Any], bytes]:
    """The response without ``PrivateKeyPlaintext``, and that plaintext."""
    key = _wrapping_key(req, key_id)
    _check_spec(req, key_pair_spec)
    req.dry_run(dry_run)
    # Raises NotYetImplemented for the specs cryptography cannot make (SM2, ML_KEM_512).
    # Seeded, the pair is derived from the mock's stream, so it repeats with the run.
    # Unseeded, an RSA pair comes from the process's pool, as KMS keys' pairs do: never
    # one this mock gave out before, as key material or as another data key pair.
    seed = req.backend.random_bytes(32) if req.backend.seeded else None
    private = generate(key_pair_spec, seed, req.backend)
    private_der = bytes(
        private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public_der = bytes(
        private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    response = {
        "PrivateKeyCiphertextBlob": _seal(req, key, private_der, encryption_context),
        "PublicKey": public_der,
        "KeyId": key.arn,
        "KeyPairSpec": key_pair_spec,
        "KeyMaterialId": key.current_material.material_id_hex,
    }
    record_use(req, key)
    return response, private_der


@operation("GenerateDataKeyPair")
def generate_data_key_pair(
    req: Request,
    *,
    key_id: str,
    key_pair_spec: str,
    encryption_context: Mapping[str, str] | None = None,
    grant_tokens: Sequence[str] | None = None,
    dry_run: bool | None = None,
) -> dict[str, Any]:
    response, private_der = _key_pair(req, key_id, key_pair_spec, encryption_context, dry_run)
    response["PrivateKeyPlaintext"] = private_der
    return response


@operation("GenerateDataKeyPairWithoutPlaintext")
def generate_data_key_pair_without_plaintext(
    req: Request,
    *,
    key_id: str,
    key_pair_spec: str,
    encryption_context: Mapping[str, str] | None = None,
    grant_tokens: Sequence[str] | None = None,
    dry_run: bool | None = None,
) -> dict[str, Any]:
    response, _ = _key_pair(req, key_id, key_pair_spec, encryption_context, dry_run)
    return response
