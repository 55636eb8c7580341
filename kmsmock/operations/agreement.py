"""DeriveSharedSecret: ECDH with KEY_AGREEMENT keys.

The answer is the raw ECDH shared secret (the x-coordinate, no KDF), as OpenSSL and
``cryptography`` compute it from the peer's private key and the KMS public key
(AWS_RECORDED_FACTS 3.17), so both sides of an exchange get the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kmsmock._dispatch import operation
from kmsmock._gaps import NotYetImplemented
from kmsmock.crypto._keypairs import private_key
from kmsmock.errors import ValidationException
from kmsmock.operations._key_type import require_usage
from kmsmock.operations._request import Request
from kmsmock.operations.usage import record_use


def _peer(der: bytes, curve: ec.EllipticCurve) -> ec.EllipticCurvePublicKey:
    """The peer's public key, or AWS's ValidationException with no message text.

    The empty message is recorded for an unparsable key (AWS_RECORDED_FACTS 3.17). A
    well-formed key that is not an EC key on the KMS key's curve is unusable in the same
    way ("both key pairs must be on the same elliptic curve", API reference); AWS's
    answer to it is not recorded, so kmsmock gives the same one.
    """
    try:
        public = serialization.load_der_public_key(der)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise ValidationException("") from error
    if not isinstance(public, ec.EllipticCurvePublicKey) or public.curve.name != curve.name:
        raise ValidationException("")
    return public


@operation("DeriveSharedSecret")
def derive_shared_secret(
    req: Request,
    *,
    key_id: str,
    key_agreement_algorithm: str,
    public_key: bytes,
    grant_tokens: Sequence[str] | None = None,
    dry_run: bool | None = None,
) -> dict[str, Any]:
    # No ``recipient`` parameter: a Nitro attestation document is not simulated, and the
    # transport answers a call that gives one with NotYetImplemented.
    key = req.key(key_id)
    require_usage(key, "KEY_AGREEMENT", req.operation)
    if key.key_spec == "SM2":
        raise NotYetImplemented("DeriveSharedSecret with an SM2 key")
    private = private_key(key.current_material)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    peer = _peer(public_key, private.curve)
    req.dry_run(dry_run)
    secret = private.exchange(ec.ECDH(), peer)
    record_use(req, key)
    return {
        "KeyId": key.arn,
        "SharedSecret": secret,
        # The model's enum has ECDH only; the codec refuses anything else.
        "KeyAgreementAlgorithm": key_agreement_algorithm,
        "KeyOrigin": key.origin,
    }
