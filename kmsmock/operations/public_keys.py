"""GetPublicKey."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kmsmock._dispatch import operation
from kmsmock._gaps import NotYetImplemented
from kmsmock.crypto._keypairs import public_key_der
from kmsmock.errors import UnsupportedOperationException
from kmsmock.operations._metadata import algorithms
from kmsmock.operations._request import Request

# Keys with no public half: symmetric encryption and HMAC keys (API reference).
_NO_PUBLIC_KEY = frozenset(["SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"])


@operation("GetPublicKey")
def get_public_key(
    req: Request, *, key_id: str, grant_tokens: Sequence[str] | None = None
) -> dict[str, Any]:
    # Resolve, authorize, key state; the key's type only after (reference section 4,
    # "check order"). Not a tracked use: GetKeyLastUsage counts cryptographic operations.
    key = req.key(key_id)
    spec = key.key_spec
    if spec in _NO_PUBLIC_KEY:
        # AWS's text is not recorded; this follows its recorded UnsupportedOperationException
        # template for a key that cannot do an operation ("<arn> origin is AWS_KMS which is
        # not valid for this operation.").
        raise UnsupportedOperationException(
            f"{key.arn} key spec is {spec} which is not valid for this operation."
        )
    if spec == "SM2":
        raise NotYetImplemented("GetPublicKey for SM2 keys (cryptography has no SM2)")
    try:
        field, names = algorithms(spec, key.key_usage)
    except KeyError as error:
        raise NotYetImplemented(f"GetPublicKey for {spec} {key.key_usage} keys") from error
    return {
        "KeyId": key.arn,
        # Generated on the key's first use, or the SPKI of the imported private key.
        "PublicKey": public_key_der(key.current_material, req.backend),
        "CustomerMasterKeySpec": spec,
        "KeySpec": spec,
        "KeyUsage": key.key_usage,
        field: list(names),
    }
