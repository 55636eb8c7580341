"""``kms.calls.cloudtrail()``: journal entries as CloudTrail records them for KMS.

The shape is that of the KMS developer guide's CloudTrail examples (eventVersion 1.11,
2025): the fields detectors parse, with kmsmock's values where AWS has its own (a
principalId made from the ARN, the source address of a local caller). Request
parameters are the journal's with each redacted member left out, as CloudTrail leaves
out plaintexts, ciphertexts and other secrets, and with lowerCamelCase names;
responseElements are null, as CloudTrail has them for the cryptographic operations
(kmsmock does not keep responses).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Mapping
from typing import Any

from kmsmock._redaction import REDACTED
from kmsmock.backend._journal import Call
from kmsmock.operations.usage import cloudtrail_event_id

EVENT_VERSION = "1.11"
_SOURCE_IP = {"http": "127.0.0.1"}
# Operations that change nothing: CloudTrail's readOnly.
_READ_ONLY_PREFIXES = ("Describe", "Get", "List")
_READ_ONLY = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GenerateRandom",
        "GenerateMac",
        "VerifyMac",
        "Sign",
        "Verify",
        "DeriveSharedSecret",
    }
)


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _parameters(value: Any, names: frozenset[str]) -> Any:
    """CloudTrail's requestParameters: member names in lowerCamelCase (a map's keys, an
    encryption context's say, stay as they are), redacted members left out."""
    if isinstance(value, Mapping):
        return {
            _camel(k): v if k in names else _parameters(v, names)
            for k, v in value.items()
            if v is not REDACTED
        }
    if isinstance(value, list):
        return [_parameters(item, names) for item in value if item is not REDACTED]
    return value


@functools.cache
def _map_members() -> frozenset[str]:
    """The names of the request members whose values are maps (encryption contexts)."""
    from kmsmock._model import operation_model, operation_names

    found = set()
    for name in operation_names():
        shape = operation_model(name).input_shape
        for member, member_shape in shape.members.items() if shape is not None else ():
            if member_shape.type_name == "map":
                found.add(member)
    return frozenset(found)


def _principal_id(arn: str) -> str:
    """A stable stand-in for IAM's unique id of the principal (AIDA..., AROA...)."""
    digest = hashlib.sha256(arn.encode()).hexdigest()[:17].upper()
    if ":assumed-role/" in arn:
        return f"AROA{digest}:{arn.rsplit('/', 1)[1]}"
    return f"AIDA{digest}"


def _identity(call: Call) -> dict[str, Any]:
    arn = call.principal
    if arn.endswith(":root"):
        kind, principal_id = "Root", call.account
    elif ":assumed-role/" in arn:
        kind, principal_id = "AssumedRole", _principal_id(arn)
    else:
        kind, principal_id = "IAMUser", _principal_id(arn)
    identity: dict[str, Any] = {
        "type": kind,
        "principalId": principal_id,
        "arn": arn,
        "accountId": call.account,
        "accessKeyId": call.access_key,
    }
    if kind == "IAMUser":
        identity["userName"] = arn.rsplit("/", 1)[1]
    return identity


def event(call: Call) -> dict[str, Any]:
    """One call as a CloudTrail event record."""
    moment = dt.datetime.fromtimestamp(int(call.time), dt.timezone.utc)
    name = call.operation
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": _identity(call),
        "eventTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "kms.amazonaws.com",
        "eventName": name,
        "awsRegion": call.region,
        "sourceIPAddress": _SOURCE_IP.get(call.channel, "127.0.0.1"),
        "userAgent": call.user_agent,
        "requestParameters": (
            _parameters(call.parameters, _map_members()) if call.parameters else None
        ),
        "responseElements": None,
    }
    if call.error is not None:
        record["errorCode"] = call.error
        if call.message:
            record["errorMessage"] = call.message
    record.update(
        {
            "requestID": call.request_id,
            "eventID": cloudtrail_event_id(call.request_id, call.account),
            "readOnly": name in _READ_ONLY or name.startswith(_READ_ONLY_PREFIXES),
            "resources": [
                {"accountId": arn.split(":")[4], "type": "AWS::KMS::Key", "ARN": arn}
                for arn in call.keys
            ],
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": call.account,
            "eventCategory": "Management",
        }
    )
    return record
