"""Sign and Verify with asymmetric keys.

Check order: the key (identifier, authorization, state), its usage, the algorithm for
its key spec, the message type for the algorithm, the message length; then a dry run
stops. Texts: AWS_RECORDED_FACTS.md section 3.14 and KMS_BEHAVIOUR.md section 11;
the others are noted where they are set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kmsmock._dispatch import operation
from kmsmock.backend._key import Key
from kmsmock.crypto._keypairs import private_key
from kmsmock.crypto._signatures import RAW, SCHEMES, Scheme, sign, verify
from kmsmock.errors import (
    KMSInvalidSignatureException,
    ValidationException,
)
from kmsmock.operations._key_type import incompatible, require_usage
from kmsmock.operations._metadata import algorithms
from kmsmock.operations._request import Request
from kmsmock.operations.usage import record_use

_SIGN_VERIFY = "SIGN_VERIFY"


def _scheme(key: Key, algorithm: str, message_type: str, message: bytes, operation: str) -> Scheme:
    """The scheme of ``algorithm`` once the key and the message are fit for it."""
    # Recorded for Sign with an HMAC key and Verify with a symmetric key.
    require_usage(key, _SIGN_VERIFY, operation)
    if algorithm not in algorithms(key.key_spec, key.key_usage)[1]:
        # The code is the one recorded for the same mismatch in GenerateMac.
        raise incompatible(algorithm, key)
    scheme = SCHEMES[algorithm]
    if message_type not in scheme.message_types:
        # Ed25519 algorithms take one message type each and only ML-DSA takes EXTERNAL_MU
        # (MessageType documentation); the text is the one an emulator reports measuring
        # on AWS for Ed25519 (floci PR 2930), used here for every such refusal.
        raise ValidationException(
            f"Message type {message_type} is incompatible with algorithm {algorithm}."
        )
    if message_type != RAW and len(message) != scheme.digest_size:
        # Recorded for DIGEST; kmsmock uses the same text for a 64-byte EXTERNAL_MU.
        raise ValidationException(f"Digest is invalid length for algorithm {algorithm}.")
    return scheme


@operation("Sign")
def sign_message(
    req: Request,
    *,
    key_id: str,
    message: bytes,
    signing_algorithm: str,
    message_type: str | None = None,
    grant_tokens: Sequence[str] | None = None,
    dry_run: bool | None = None,
) -> dict[str, Any]:
    key = req.key(key_id)
    message_type = message_type or RAW
    scheme = _scheme(key, signing_algorithm, message_type, message, "Sign")
    req.dry_run(dry_run)
    signature = sign(private_key(key.current_material, req.backend), scheme, message_type, message)
    record_use(req, key)
    return {"KeyId": key.arn, "Signature": signature, "SigningAlgorithm": scheme.name}


@operation("Verify")
def verify_signature(
    req: Request,
    *,
    key_id: str,
    message: bytes,
    signature: bytes,
    signing_algorithm: str,
    message_type: str | None = None,
    grant_tokens: Sequence[str] | None = None,
    dry_run: bool | None = None,
) -> dict[str, Any]:
    key = req.key(key_id)
    message_type = message_type or RAW
    scheme = _scheme(key, signing_algorithm, message_type, message, "Verify")
    valid = verify(
        private_key(key.current_material, req.backend), scheme, message_type, message, signature
    )
    if not valid:
        # Always this error with an empty message, never SignatureValid false [obs]. A dry
        # run checks the signature too, as Decrypt's opens its ciphertext (kmsmock's
        # reading: Verify has no modifier to skip it).
        raise KMSInvalidSignatureException("")
    req.dry_run(dry_run)
    record_use(req, key)
    return {"KeyId": key.arn, "SignatureValid": True, "SigningAlgorithm": scheme.name}
