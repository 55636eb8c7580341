"""GenerateMac and VerifyMac with HMAC keys.

The MAC is the plain RFC 2104 HMAC of the message under the key's material (model
docs: "the standard, raw HMAC"), so a tag made with an imported key equals what the
user computes locally with the bytes they imported.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

from kmsmock._dispatch import operation
from kmsmock.backend._key import Key
from kmsmock.crypto._keypairs import HMAC_SPECS, hmac_key
from kmsmock.errors import KMSInvalidMacException
from kmsmock.operations._key_type import incompatible, require_usage
from kmsmock.operations._request import Request
from kmsmock.operations.usage import record_use

# MacAlgorithm -> the one HMAC key spec that supports it (reference section 2).
_SPEC_OF = {f"HMAC_SHA_{spec[5:]}": spec for spec in HMAC_SPECS}


def _checked(req: Request, key_id: str, algorithm: str) -> tuple[Key, str]:
    """The key and hash name for ``algorithm``, or AWS's refusal (recorded texts)."""
    key = req.key(key_id)
    require_usage(key, "GENERATE_VERIFY_MAC", req.operation)
    if _SPEC_OF.get(algorithm) != key.key_spec:
        raise incompatible(algorithm, key)
    return key, HMAC_SPECS[key.key_spec][0]


def _mac(req: Request, key: Key, digest: str, message: bytes) -> bytes:
    secret = hmac_key(key.current_material, req.backend.master_secret)
    return hmac.new(secret, message, digest).digest()


@operation("GenerateMac")
def generate_mac(
    req: Request,
    *,
    message: bytes,
    key_id: str,
    mac_algorithm: str,
    grant_tokens: Sequence[str] | None = None,
    dry_run: bool | None = None,
) -> dict[str, Any]:
    key, digest = _checked(req, key_id, mac_algorithm)
    req.dry_run(dry_run)
    mac = _mac(req, key, digest, message)
    record_use(req, key)
    return {"Mac": mac, "MacAlgorithm": mac_algorithm, "KeyId": key.arn}


@operation("VerifyMac")
def verify_mac(
    req: Request,
    *,
    message: bytes,
    key_id: str,
    mac_algorithm: str,
    mac: bytes,
    grant_tokens: Sequence[str] | None = None,
    dry_run: bool | None = None,
) -> dict[str, Any]:
    key, digest = _checked(req, key_id, mac_algorithm)
    # A dry run performs every check of the real call, the comparison included (as a
    # Decrypt dry run opens its ciphertext): only a call that would succeed says so.
    if not hmac.compare_digest(_mac(req, key, digest, message), mac):
        # AWS sends no message text (AWS_RECORDED_FACTS 1.3).
        raise KMSInvalidMacException("")
    req.dry_run(dry_run)
    record_use(req, key)
    return {"KeyId": key.arn, "MacValid": True, "MacAlgorithm": mac_algorithm}
