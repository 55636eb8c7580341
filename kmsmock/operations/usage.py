"""GetKeyLastUsage: when a key last did cryptographic work.

Every cryptographic operation calls ``record_use`` once it has succeeded (a dry run
never gets that far): Encrypt, Decrypt, ReEncrypt (source and destination key),
GenerateDataKey(WithoutPlaintext), GenerateDataKeyPair(WithoutPlaintext), Sign,
Verify, GenerateMac, VerifyMac, DeriveSharedSecret (KMS developer guide, "Tracked
cryptographic operations"). It costs one tuple per call; the CloudTrail event id is
derived only when someone asks.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from kmsmock._dispatch import operation
from kmsmock.backend._key import Key
from kmsmock.operations._request import Request


def record_use(req: Request, *keys: Key) -> None:
    """Note a successful cryptographic use of ``keys`` (ReEncrypt: both) by this request.

    Each key keeps its own record, so the members of a multi-Region key, and the two
    keys of a ReEncrypt, are tracked independently (GetKeyLastUsage API reference).
    """
    used = (req.now, req.operation, req.request_id)
    for key in keys:
        key.last_used = used


def cloudtrail_event_id(request_id: str, account_id: str) -> str:
    """The eventID of the CloudTrail event a request left in ``account_id``.

    A call is one event per account it touches, so a ReEncrypt between two keys of
    one account reports the same event for both, and keys of two accounts different
    ones ("each with the CloudTrail event ID from the respective key owner's
    account"). Derived, so it is stable and costs nothing until asked for.
    """
    digest = hashlib.sha256(f"{request_id}/{account_id}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


@operation("GetKeyLastUsage")
def get_key_last_usage(req: Request, *, key_id: str) -> dict[str, Any]:
    key = req.key(key_id)
    usage: dict[str, Any] = {}
    last = key.last_used
    if last is not None:
        when, used_by, request_id = last
        usage = {
            "Operation": used_by,
            # Whole seconds, as CloudTrail's eventTime and AWS's published example
            # ("Timestamp": 1773253497.0) have it.
            "Timestamp": float(int(when)),
            "CloudTrailEventId": cloudtrail_event_id(request_id, key.account_id),
            "KmsRequestId": request_id,
        }
    return {
        # The bare key id, as in AWS's example (the KeyMetadata.KeyId wording).
        "KeyId": key.key_id,
        # Empty, not absent, for a key never used (model: "an empty object").
        "KeyLastUsage": usage,
        # Tracking starts when a kmsmock key is created: the later of the two dates.
        "TrackingStartDate": key.creation_date,
        "KeyCreationDate": key.creation_date,
    }
