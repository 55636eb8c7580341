"""Encapsulate and Decapsulate with ML-KEM keys (FIPS 203).

Real ML-KEM from ``cryptography``: a ciphertext made outside KMS with the key's public
key (GetPublicKey) decapsulates in KMS, and Encapsulate's ciphertext decapsulates with
the private key, so both parties hold the same 32-byte secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kmsmock._dispatch import operation
from kmsmock.backend._key import Key
from kmsmock.crypto._keypairs import private_key
from kmsmock.errors import InvalidCiphertextException
from kmsmock.operations._key_type import require_usage
from kmsmock.operations._request import Request
from kmsmock.operations.usage import record_use

# Encapsulated secret size per key spec (Encapsulate API reference).
CIPHERTEXT_BYTES = {"ML_KEM_512": 768, "ML_KEM_768": 1088, "ML_KEM_1024": 1568}


def _kem_key(req: Request, key_id: str) -> Key:
    key = req.key(key_id)
    require_usage(key, "ENCAPSULATE_DECAPSULATE", req.operation)
    return key


@operation("Encapsulate")
def encapsulate(
    req: Request,
    *,
    key_id: str,
    encapsulation_algorithm: str,
    grant_tokens: Sequence[str] | None = None,
    dry_run: bool | None = None,
) -> dict[str, Any]:
    key = _kem_key(req, key_id)
    req.dry_run(dry_run)
    secret, ciphertext = private_key(key.current_material).public_key().encapsulate()
    record_use(req, key)
    return {
        "KeyId": key.arn,
        "SharedSecret": secret,
        "SharedSecretCiphertextBlob": ciphertext,
        # The model's enum has ML_KEM only; the codec refuses anything else.
        "EncapsulationAlgorithm": encapsulation_algorithm,
    }


@operation("Decapsulate")
def decapsulate(
    req: Request,
    *,
    key_id: str,
    shared_secret_ciphertext_blob: bytes,
    encapsulation_algorithm: str,
    grant_tokens: Sequence[str] | None = None,
    dry_run: bool | None = None,
) -> dict[str, Any]:
    key = _kem_key(req, key_id)
    if len(shared_secret_ciphertext_blob) != CIPHERTEXT_BYTES[key.key_spec]:
        # The one case the API reference says Decapsulate refuses; its text is not
        # documented, so it is empty like Decrypt's InvalidCiphertextException.
        raise InvalidCiphertextException("")
    req.dry_run(dry_run)
    # Any other ciphertext, even one made for another key or altered, gives a 32-byte
    # pseudo-random secret: ML-KEM's implicit rejection, as the API reference says.
    secret = private_key(key.current_material).decapsulate(shared_secret_ciphertext_blob)
    record_use(req, key)
    return {
        "KeyId": key.arn,
        "SharedSecret": secret,
        "EncapsulationAlgorithm": encapsulation_algorithm,
    }
