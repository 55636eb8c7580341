"""Key management: CreateKey, DescribeKey, ListKeys, Enable/Disable, deletion, descriptions.

Expected values come from the reference (KMS_BEHAVIOUR.md sections 0-4 and 12) and
AWS_RECORDED_FACTS.md sections 1-3.5.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from botocore.model import StringShape

from kmsmock import NotYetImplemented
from tests._helpers import error_of as _error

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_kms.type_defs import TagTypeDef

ARN_PREFIX = "arn:aws:kms:us-east-1:123456789012"
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SECOND = timedelta(seconds=1)
DAY = 86400.0

# The 2023 recording's KeySpec list, in the order AWS printed it.
RECORDED_KEY_SPEC_ORDER = [
    "RSA_2048",
    "ECC_NIST_P384",
    "ECC_NIST_P256",
    "ECC_NIST_P521",
    "HMAC_384",
    "RSA_3072",
    "ECC_SECG_P256K1",
    "RSA_4096",
    "SYMMETRIC_DEFAULT",
    "HMAC_256",
    "HMAC_224",
    "HMAC_512",
]
# KMS_BEHAVIOUR.md section 2 (botocore 1.43.11): the recorded 12 and five added since.
REFERENCE_KEY_SPECS = {*RECORDED_KEY_SPEC_ORDER, "ECC_NIST_EDWARDS25519", "SM2"} | {
    f"ML_DSA_{n}" for n in (44, 65, 87)
}


def _body(response: Mapping[str, object]) -> dict[str, object]:
    return {name: value for name, value in response.items() if name != "ResponseMetadata"}


def _now() -> datetime:
    return datetime.now(timezone.utc)


# -- CreateKey -----------------------------------------------------------------------


@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
def test_create_key_bare_metadata(client: KMSClient) -> None:
    before = _now()
    metadata = client.create_key()["KeyMetadata"]
    after = _now()

    key_id = metadata["KeyId"]
    assert UUID_RE.fullmatch(key_id)
    created = metadata.pop("CreationDate")
    assert before - SECOND <= created <= after + SECOND
    material = metadata.pop("CurrentKeyMaterialId")
    assert re.fullmatch(r"[a-f0-9]{64}", material)
    # Exact equality also proves DeletionDate, MultiRegionConfiguration and the
    # signing/MAC/key-agreement algorithm lists are absent.
    assert metadata == {
        "AWSAccountId": "123456789012",
        "KeyId": key_id,
        "Arn": f"{ARN_PREFIX}:key/{key_id}",
        "Enabled": True,
        "Description": "",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }


def test_create_key_response_equals_describe_key(client: KMSClient) -> None:
    created = client.create_key(Description="same")["KeyMetadata"]
    described = client.describe_key(KeyId=created["KeyId"])["KeyMetadata"]
    assert described == created


def test_create_key_stores_description_and_tags(client: KMSClient) -> None:
    tags: list[TagTypeDef] = [
        {"TagKey": "team", "TagValue": "core"},
        {"TagKey": "env", "TagValue": ""},
    ]
    key_id = client.create_key(Description="my key", Tags=tags)["KeyMetadata"]["KeyId"]
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "my key"
    assert client.list_resource_tags(KeyId=key_id)["Tags"] == sorted(
        tags, key=lambda tag: tag["TagKey"]
    )


def test_create_key_accepts_deprecated_customer_master_key_spec(client: KMSClient) -> None:
    metadata = client.create_key(CustomerMasterKeySpec="SYMMETRIC_DEFAULT")["KeyMetadata"]
    assert metadata["KeySpec"] == metadata["CustomerMasterKeySpec"] == "SYMMETRIC_DEFAULT"


@pytest.mark.parametrize(
    ("key_spec", "key_usage", "message"),
    [
        (
            "HMAC_256",
            None,
            "You must specify a KeyUsage value for all KMS keys except for symmetric "
            "encryption keys.",
        ),
        (
            "RSA_2048",
            "KEY_AGREEMENT",
            "KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048",
        ),
    ],
)
def test_create_key_spec_usage_mismatch(
    client: KMSClient, key_spec: str, key_usage: str | None, message: str
) -> None:
    usage = {} if key_usage is None else {"KeyUsage": key_usage}
    with pytest.raises(ClientError) as info:
        client.create_key(KeySpec=key_spec, **usage)  # type: ignore[arg-type]
    assert _error(info) == ("ValidationException", message, 400)
    # ValidationException is not a modelled KMS error, so botocore adds no top-level message.
    assert "message" not in info.value.response


@pytest.mark.needs_model(enum="KeySpec.ECC_NIST_EDWARDS25519")
@pytest.mark.needs_model(enum="KeySpec.ML_DSA_44")
@pytest.mark.needs_model(enum="KeySpec.ML_DSA_65")
@pytest.mark.needs_model(enum="KeySpec.ML_DSA_87")
def test_create_key_bad_key_spec_enum(client: KMSClient) -> None:
    with pytest.raises(ClientError) as info:
        client.create_key(KeySpec="HMAC_random")  # type: ignore[arg-type]
    code, message, status = _error(info)
    assert (code, status) == ("ValidationException", 400)
    prefix = (
        "1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy "
        "constraint: Member must satisfy enum value set: ["
    )
    assert message.startswith(prefix)
    assert message.endswith("]")
    listed = message[len(prefix) : -1].split(", ")
    assert len(listed) == len(set(listed))
    # The server lists the enum of the model in use, which holds at least the reference's 17.
    model_specs = client.meta.service_model.shape_for("KeySpec")
    assert isinstance(model_specs, StringShape)
    assert set(listed) == set(model_specs.enum)
    assert set(listed) >= REFERENCE_KEY_SPECS
    # AWS prints a Java HashSet; its order for the recorded values holds while the set
    # still fits 32 buckets (at most 24 values).
    assert [spec for spec in listed if spec in RECORDED_KEY_SPEC_ORDER] == RECORDED_KEY_SPEC_ORDER


# (KeySpec, KeyUsage) -> DescribeKey's algorithm field and list (reference section 2,
# AWS_RECORDED_FACTS section 2.1).
_RSA_SIGNING = [
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
]
_ASYMMETRIC_AND_HMAC = [
    (
        "RSA_2048",
        "ENCRYPT_DECRYPT",
        "EncryptionAlgorithms",
        ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"],
    ),
    ("RSA_3072", "SIGN_VERIFY", "SigningAlgorithms", _RSA_SIGNING),
    (
        "RSA_4096",
        "ENCRYPT_DECRYPT",
        "EncryptionAlgorithms",
        ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"],
    ),
    ("ECC_NIST_P256", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_256"]),
    ("ECC_NIST_P384", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_384"]),
    ("ECC_NIST_P521", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_512"]),
    ("ECC_NIST_P384", "KEY_AGREEMENT", "KeyAgreementAlgorithms", ["ECDH"]),
    ("ECC_SECG_P256K1", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_256"]),
    ("HMAC_224", "GENERATE_VERIFY_MAC", "MacAlgorithms", ["HMAC_SHA_224"]),
    ("HMAC_256", "GENERATE_VERIFY_MAC", "MacAlgorithms", ["HMAC_SHA_256"]),
    ("HMAC_384", "GENERATE_VERIFY_MAC", "MacAlgorithms", ["HMAC_SHA_384"]),
    ("HMAC_512", "GENERATE_VERIFY_MAC", "MacAlgorithms", ["HMAC_SHA_512"]),
    ("ML_DSA_65", "SIGN_VERIFY", "SigningAlgorithms", ["ML_DSA_SHAKE_256"]),
]
_ALGORITHM_FIELDS = {
    "EncryptionAlgorithms",
    "SigningAlgorithms",
    "MacAlgorithms",
    "KeyAgreementAlgorithms",
}


@pytest.mark.needs_model(enum="KeySpec", param="key_spec")
@pytest.mark.parametrize(("key_spec", "key_usage", "field", "expected"), _ASYMMETRIC_AND_HMAC)
def test_create_key_asymmetric_and_hmac_metadata(
    client: KMSClient, key_spec: str, key_usage: str, field: str, expected: list[str]
) -> None:
    metadata = client.create_key(KeySpec=key_spec, KeyUsage=key_usage)["KeyMetadata"]  # type: ignore[arg-type]
    assert metadata["KeySpec"] == metadata["CustomerMasterKeySpec"] == key_spec
    assert metadata["KeyUsage"] == key_usage
    assert metadata[field] == expected  # type: ignore[literal-required]
    # Exactly one algorithm list, and no CurrentKeyMaterialId (recorded 2.1).
    assert _ALGORITHM_FIELDS & metadata.keys() == {field}
    assert "CurrentKeyMaterialId" not in metadata
    assert client.describe_key(KeyId=metadata["KeyId"])["KeyMetadata"] == metadata


@pytest.mark.needs_model(enum="KeySpec.ML_KEM_512")
@pytest.mark.needs_model(enum="KeyUsageType.ENCAPSULATE_DECAPSULATE")
def test_create_key_unsimulated_spec_is_a_python_error(client: KMSClient) -> None:
    # cryptography has no ML-KEM-512 (other ML-KEM keys: tests/test_kem.py; SM2:
    # tests/test_public_keys.py). A gap must never look like an AWS answer.
    with pytest.raises(NotYetImplemented, match="ML_KEM_512"):
        client.create_key(KeySpec="ML_KEM_512", KeyUsage="ENCAPSULATE_DECAPSULATE")
    assert client.list_keys()["Keys"] == []


# -- DescribeKey ---------------------------------------------------------------------


@pytest.mark.parametrize("form", ["id", "arn"])
def test_describe_key_by_id_and_arn(client: KMSClient, key_id: str, form: str) -> None:
    identifier = key_id if form == "id" else f"{ARN_PREFIX}:key/{key_id}"
    assert client.describe_key(KeyId=identifier)["KeyMetadata"]["KeyId"] == key_id


@pytest.mark.parametrize(
    "identifier", ["fake-key-id", "134f2428cec14b25a1ae9048164dba47", "mrk-fake-key-id"]
)
def test_describe_key_malformed_id(client: KMSClient, identifier: str) -> None:
    with pytest.raises(client.exceptions.NotFoundException) as info:
        client.describe_key(KeyId=identifier)
    assert _error(info) == ("NotFoundException", f"Invalid keyId '{identifier}'", 400)


@pytest.mark.parametrize(
    "identifier",
    [str(uuid.uuid4()), "mrk-" + uuid.uuid4().hex, f"{ARN_PREFIX}:key/{uuid.uuid4()}"],
    ids=["uuid", "mrk", "arn"],
)
def test_describe_key_unknown_key(client: KMSClient, identifier: str) -> None:
    with pytest.raises(client.exceptions.NotFoundException) as info:
        client.describe_key(KeyId=identifier)
    arn = identifier if identifier.startswith("arn:") else f"{ARN_PREFIX}:key/{identifier}"
    assert _error(info) == ("NotFoundException", f"Key '{arn}' does not exist", 400)


def test_describe_key_bare_id_from_other_region(client: KMSClient) -> None:
    other = boto3.client("kms", region_name="eu-west-1")
    foreign_id = other.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(client.exceptions.NotFoundException) as info:
        client.describe_key(KeyId=foreign_id)
    assert _error(info) == (
        "NotFoundException",
        f"Key '{ARN_PREFIX}:key/{foreign_id}' does not exist",
        400,
    )


def test_describe_key_arn_naming_other_region(client: KMSClient) -> None:
    other = boto3.client("kms", region_name="eu-west-1")
    foreign_arn = other.create_key()["KeyMetadata"]["Arn"]
    with pytest.raises(client.exceptions.NotFoundException) as info:
        client.describe_key(KeyId=foreign_arn)
    assert _error(info) == ("NotFoundException", "Invalid arn eu-west-1", 400)


# -- EnableKey / DisableKey ------------------------------------------------------------


def test_disable_then_enable_key(client: KMSClient, key_id: str) -> None:
    client.disable_key(KeyId=key_id)
    metadata = client.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["Enabled"], metadata["KeyState"]) == (False, "Disabled")
    client.enable_key(KeyId=f"{ARN_PREFIX}:key/{key_id}")
    metadata = client.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["Enabled"], metadata["KeyState"]) == (True, "Enabled")


def test_enable_key_twice_and_disable_key_twice(client: KMSClient, key_id: str) -> None:
    client.enable_key(KeyId=key_id)
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    client.disable_key(KeyId=key_id)
    client.disable_key(KeyId=key_id)
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"


# -- ScheduleKeyDeletion / CancelKeyDeletion --------------------------------------------


def test_schedule_key_deletion_default_window(client: KMSClient, key_id: str) -> None:
    before = _now()
    response = client.schedule_key_deletion(KeyId=key_id)
    after = _now()
    body = _body(response)
    deletion = body.pop("DeletionDate")
    assert isinstance(deletion, datetime)
    assert before + timedelta(days=30) - SECOND <= deletion <= after + timedelta(days=30) + SECOND
    assert body == {
        "KeyId": f"{ARN_PREFIX}:key/{key_id}",
        "KeyState": "PendingDeletion",
        "PendingWindowInDays": 30,
    }
    metadata = client.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["KeyState"], metadata["Enabled"]) == ("PendingDeletion", False)
    assert metadata["DeletionDate"] == deletion


# Both ends of the window; a Disabled key may be scheduled too.
@pytest.mark.parametrize(("days", "disable"), [(7, False), (30, True)])
def test_schedule_key_deletion_window(
    client: KMSClient, key_id: str, days: int, disable: bool
) -> None:
    if disable:
        client.disable_key(KeyId=key_id)
    before = _now()
    response = client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=days)
    after = _now()
    assert (response["PendingWindowInDays"], response["KeyState"]) == (days, "PendingDeletion")
    window = timedelta(days=days)
    assert before + window - SECOND <= response["DeletionDate"] <= after + window + SECOND


@pytest.mark.parametrize("days", [6, 31])
def test_schedule_key_deletion_window_outside_7_to_30(
    client: KMSClient, key_id: str, days: int
) -> None:
    with pytest.raises(ClientError) as info:
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=days)
    # text not recorded; kmsmock's choice (LocalStack's)
    assert _error(info) == (
        "ValidationException",
        f"PendingWindowInDays should be between 7 and 30, but it is {days}",
        400,
    )
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"


def test_schedule_key_deletion_zero_days_caught_by_botocore(client: KMSClient, key_id: str) -> None:
    with pytest.raises(ParamValidationError):
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=0)


def test_schedule_key_deletion_above_model_range(client: KMSClient, key_id: str) -> None:
    with pytest.raises(ClientError) as info:
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=366)
    assert _error(info) == (
        "ValidationException",
        "1 validation error detected: Value '366' at 'pendingWindowInDays' failed to satisfy "
        "constraint: Member must have value less than or equal to 365",
        400,
    )


def test_schedule_key_deletion_twice(client: KMSClient, key_id: str) -> None:
    client.schedule_key_deletion(KeyId=key_id)
    with pytest.raises(client.exceptions.KMSInvalidStateException) as info:
        client.schedule_key_deletion(KeyId=key_id)
    assert _error(info) == (
        "KMSInvalidStateException",
        f"{ARN_PREFIX}:key/{key_id} is pending deletion.",
        400,
    )


def test_cancel_key_deletion(client: KMSClient, key_id: str) -> None:
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    response = client.cancel_key_deletion(KeyId=key_id)
    assert _body(response) == {"KeyId": f"{ARN_PREFIX}:key/{key_id}"}
    metadata = client.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["KeyState"], metadata["Enabled"]) == ("Disabled", False)
    assert "DeletionDate" not in metadata


@pytest.mark.parametrize("disable", [False, True])
def test_cancel_key_deletion_not_pending(client: KMSClient, key_id: str, disable: bool) -> None:
    if disable:
        client.disable_key(KeyId=key_id)
    with pytest.raises(client.exceptions.KMSInvalidStateException) as info:
        client.cancel_key_deletion(KeyId=key_id)
    assert _error(info) == (
        "KMSInvalidStateException",
        f"{ARN_PREFIX}:key/{key_id} is not pending deletion.",
        400,
    )


def test_key_vanishes_when_deletion_window_ends(
    client: KMSClient, key_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.create_alias(AliasName="alias/doomed", TargetKeyId=key_id)
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert [k["KeyId"] for k in client.list_keys()["Keys"]] == [key_id]
    later = time.time() + 7 * DAY + 60
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(client.exceptions.NotFoundException) as info:
        client.describe_key(KeyId=key_id)
    assert _error(info) == (
        "NotFoundException",
        f"Key '{ARN_PREFIX}:key/{key_id}' does not exist",
        400,
    )
    assert client.list_keys()["Keys"] == []
    assert client.list_aliases()["Aliases"] == []


# -- Key states --------------------------------------------------------------------------

KeyOp = Callable[["KMSClient", str], object]

REFUSED_WHILE_PENDING_DELETION: dict[str, KeyOp] = {
    "EnableKey": lambda c, k: c.enable_key(KeyId=k),
    "DisableKey": lambda c, k: c.disable_key(KeyId=k),
    "UpdateKeyDescription": lambda c, k: c.update_key_description(KeyId=k, Description="d"),
    "TagResource": lambda c, k: c.tag_resource(KeyId=k, Tags=[{"TagKey": "a", "TagValue": "b"}]),
    "UntagResource": lambda c, k: c.untag_resource(KeyId=k, TagKeys=["a"]),
    "CreateAlias": lambda c, k: c.create_alias(AliasName="alias/late", TargetKeyId=k),
}


@pytest.mark.parametrize("operation", sorted(REFUSED_WHILE_PENDING_DELETION))
def test_pending_deletion_refuses(client: KMSClient, key_id: str, operation: str) -> None:
    client.schedule_key_deletion(KeyId=key_id)
    with pytest.raises(client.exceptions.KMSInvalidStateException) as info:
        REFUSED_WHILE_PENDING_DELETION[operation](client, key_id)
    assert _error(info) == (
        "KMSInvalidStateException",
        f"{ARN_PREFIX}:key/{key_id} is pending deletion.",
        400,
    )
    # A refused call changes nothing.
    metadata = client.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["KeyState"], metadata["Description"]) == ("PendingDeletion", "")
    assert client.list_resource_tags(KeyId=key_id)["Tags"] == []
    assert client.list_aliases()["Aliases"] == []


def test_pending_deletion_allows_read_and_delete_alias(client: KMSClient, key_id: str) -> None:
    client.tag_resource(KeyId=key_id, Tags=[{"TagKey": "k", "TagValue": "v"}])
    client.create_alias(AliasName="alias/going", TargetKeyId=key_id)
    client.schedule_key_deletion(KeyId=key_id)
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert client.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "k", "TagValue": "v"}]
    client.delete_alias(AliasName="alias/going")
    assert client.list_aliases()["Aliases"] == []


# -- UpdateKeyDescription ------------------------------------------------------------------


@pytest.mark.parametrize("description", ["new text", "", "d" * 8192], ids=["text", "empty", "max"])
def test_update_key_description(client: KMSClient, description: str) -> None:
    key_id = client.create_key(Description="old")["KeyMetadata"]["KeyId"]
    response = client.update_key_description(KeyId=key_id, Description=description)
    assert set(response) == {"ResponseMetadata"}
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == description


def test_update_key_description_too_long(client: KMSClient, key_id: str) -> None:
    description = "d" * 8193
    with pytest.raises(ClientError) as info:
        client.update_key_description(KeyId=key_id, Description=description)
    assert _error(info) == (
        "ValidationException",
        f"1 validation error detected: Value '{description}' at 'description' failed to "
        "satisfy constraint: Member must have length less than or equal to 8192",
        400,
    )


@pytest.mark.needs_model(member="ListKeysRequest.ResourceOwners")
def test_list_keys_resource_owners(client: KMSClient, key_id: str) -> None:
    shape = client.meta.service_model.operation_model("ListKeys").input_shape
    if shape is None or "ResourceOwners" not in shape.members:
        pytest.skip("the installed botocore's model predates ListKeys' ResourceOwners")
    # kmsmock simulates no Resource Access Manager: no key is shared with the caller.
    # (The type stubs predate ResourceOwners.)
    untyped: Any = client
    mine = [k["KeyId"] for k in untyped.list_keys(ResourceOwners=["SELF"])["Keys"]]
    assert mine == [key_id]
    both = untyped.list_keys(ResourceOwners=["SELF", "OTHER_ACCOUNTS_VIA_RAM"])["Keys"]
    assert [k["KeyId"] for k in both] == [key_id]
    shared = untyped.list_keys(ResourceOwners=["OTHER_ACCOUNTS_VIA_RAM"])
    assert (shared["Keys"], shared["Truncated"]) == ([], False)
