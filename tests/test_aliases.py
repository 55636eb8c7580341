"""Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases, and using an alias.

Expected values come from KMS_BEHAVIOUR.md sections 1, 4 and 12 and
AWS_RECORDED_FACTS.md sections 1, 3.2 and 3.6.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.exceptions import ClientError

from tests._helpers import error_of as _error

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

ARN_PREFIX = "arn:aws:kms:us-east-1:123456789012"
SECOND = timedelta(seconds=1)


def _names(client: KMSClient, key_id: str | None = None) -> list[str]:
    response = client.list_aliases() if key_id is None else client.list_aliases(KeyId=key_id)
    return [alias["AliasName"] for alias in response["Aliases"]]


def _target(client: KMSClient, alias_name: str) -> str:
    return client.describe_key(KeyId=alias_name)["KeyMetadata"]["KeyId"]


# -- CreateAlias and ListAliases --------------------------------------------------------


@pytest.mark.parametrize("form", ["id", "arn"])
def test_create_alias_list_entry(client: KMSClient, key_id: str, form: str) -> None:
    target = key_id if form == "id" else f"{ARN_PREFIX}:key/{key_id}"
    before = datetime.now(timezone.utc)
    response = client.create_alias(AliasName="alias/app", TargetKeyId=target)
    after = datetime.now(timezone.utc)
    assert set(response) == {"ResponseMetadata"}

    [entry] = client.list_aliases()["Aliases"]
    created = entry.pop("CreationDate")
    updated = entry.pop("LastUpdatedDate")
    assert before - SECOND <= created <= after + SECOND
    assert before - SECOND <= updated <= after + SECOND
    # TargetKeyId is the bare key id, however the target was named.
    assert entry == {
        "AliasName": "alias/app",
        "AliasArn": f"{ARN_PREFIX}:alias/app",
        "TargetKeyId": key_id,
    }


@pytest.mark.parametrize("form", ["id", "arn"])
def test_list_aliases_filtered_by_key(client: KMSClient, form: str) -> None:
    first = client.create_key()["KeyMetadata"]
    second = client.create_key()["KeyMetadata"]
    client.create_alias(AliasName="alias/one-a", TargetKeyId=first["KeyId"])
    client.create_alias(AliasName="alias/two", TargetKeyId=second["KeyId"])
    client.create_alias(AliasName="alias/one-b", TargetKeyId=first["KeyId"])
    key = first["KeyId"] if form == "id" else first["Arn"]
    assert _names(client, key) == ["alias/one-a", "alias/one-b"]
    assert _names(client, second["KeyId"]) == ["alias/two"]


def test_list_aliases_of_key_without_aliases(client: KMSClient, key_id: str) -> None:
    client.create_alias(
        AliasName="alias/other", TargetKeyId=client.create_key()["KeyMetadata"]["KeyId"]
    )
    response = client.list_aliases(KeyId=key_id)
    assert (response["Aliases"], response["Truncated"]) == ([], False)


@pytest.mark.parametrize("form", ["name", "arn"])
def test_describe_key_through_alias(client: KMSClient, key_id: str, form: str) -> None:
    client.create_alias(AliasName="alias/by-name", TargetKeyId=key_id)
    alias = "alias/by-name" if form == "name" else f"{ARN_PREFIX}:alias/by-name"
    described = client.describe_key(KeyId=alias)["KeyMetadata"]
    assert described == client.describe_key(KeyId=key_id)["KeyMetadata"]


@pytest.mark.parametrize("form", ["name", "arn"])
def test_describe_key_missing_alias(client: KMSClient, form: str) -> None:
    alias_arn = f"{ARN_PREFIX}:alias/nothing"
    with pytest.raises(client.exceptions.NotFoundException) as info:
        client.describe_key(KeyId="alias/nothing" if form == "name" else alias_arn)
    assert _error(info) == ("NotFoundException", f"Alias {alias_arn} is not found.", 400)


@pytest.mark.parametrize("form", ["name", "arn"])
def test_encrypt_through_alias(client: KMSClient, key_id: str, form: str) -> None:
    client.create_alias(AliasName="alias/crypt", TargetKeyId=key_id)
    alias = "alias/crypt" if form == "name" else f"{ARN_PREFIX}:alias/crypt"
    encrypted = client.encrypt(KeyId=alias, Plaintext=b"secret")
    assert encrypted["KeyId"] == f"{ARN_PREFIX}:key/{key_id}"
    decrypted = client.decrypt(CiphertextBlob=encrypted["CiphertextBlob"])
    assert (decrypted["Plaintext"], decrypted["KeyId"]) == (b"secret", encrypted["KeyId"])


KeyOp = Callable[["KMSClient", str], object]

# Management operations take a key id or key ARN only (KMS_BEHAVIOUR.md section 1).
MANAGEMENT_OPS: dict[str, KeyOp] = {
    "EnableKey": lambda c, k: c.enable_key(KeyId=k),
    "DisableKey": lambda c, k: c.disable_key(KeyId=k),
    "ScheduleKeyDeletion": lambda c, k: c.schedule_key_deletion(KeyId=k),
    "CancelKeyDeletion": lambda c, k: c.cancel_key_deletion(KeyId=k),
    "UpdateKeyDescription": lambda c, k: c.update_key_description(KeyId=k, Description="d"),
    "TagResource": lambda c, k: c.tag_resource(KeyId=k, Tags=[{"TagKey": "a", "TagValue": "b"}]),
    "UntagResource": lambda c, k: c.untag_resource(KeyId=k, TagKeys=["a"]),
    "ListResourceTags": lambda c, k: c.list_resource_tags(KeyId=k),
    "ListAliases": lambda c, k: c.list_aliases(KeyId=k),
    "CreateAlias": lambda c, k: c.create_alias(AliasName="alias/new", TargetKeyId=k),
    "UpdateAlias": lambda c, k: c.update_alias(AliasName="alias/x", TargetKeyId=k),
}


@pytest.mark.parametrize("operation", sorted(MANAGEMENT_OPS))
@pytest.mark.parametrize("form", ["name", "arn"])
def test_management_op_rejects_alias(
    client: KMSClient, key_id: str, operation: str, form: str
) -> None:
    client.create_alias(AliasName="alias/x", TargetKeyId=key_id)
    alias = "alias/x" if form == "name" else f"{ARN_PREFIX}:alias/x"
    with pytest.raises(client.exceptions.NotFoundException) as info:
        MANAGEMENT_OPS[operation](client, alias)
    assert _error(info) == ("NotFoundException", f"Invalid keyId '{alias}'", 400)
    metadata = client.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["KeyState"], metadata["Description"]) == ("Enabled", "")
    assert _names(client) == ["alias/x"]


# -- Alias name rules ------------------------------------------------------------------


def test_create_alias_without_prefix(client: KMSClient, key_id: str) -> None:
    with pytest.raises(ClientError) as info:
        client.create_alias(AliasName="my-alias", TargetKeyId=key_id)
    assert _error(info) == (
        "ValidationException",
        'Alias must start with the prefix "alias/". Please see '
        "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
        400,
    )
    assert "message" not in info.value.response


def test_create_alias_reserved_aws_prefix(client: KMSClient, key_id: str) -> None:
    with pytest.raises(client.exceptions.InvalidAliasNameException) as info:
        client.create_alias(AliasName="alias/aws/x", TargetKeyId=key_id)
    # text not recorded; kmsmock's choice
    assert _error(info) == (
        "InvalidAliasNameException",
        "Alias names that begin with alias/aws/ are reserved for AWS managed keys.",
        400,
    )
    assert _names(client) == []


def test_create_alias_invalid_characters(client: KMSClient, key_id: str) -> None:
    with pytest.raises(ClientError) as info:
        client.create_alias(AliasName="alias/a b", TargetKeyId=key_id)
    assert _error(info) == (
        "ValidationException",
        "1 validation error detected: Value 'alias/a b' at 'aliasName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
        400,
    )


def test_create_alias_name_too_long(client: KMSClient, key_id: str) -> None:
    name = "alias/" + "n" * 251
    client.create_alias(AliasName=name[:-1], TargetKeyId=key_id)
    with pytest.raises(ClientError) as info:
        client.create_alias(AliasName=name, TargetKeyId=key_id)
    assert _error(info) == (
        "ValidationException",
        f"1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy "
        "constraint: Member must have length less than or equal to 256",
        400,
    )


def test_create_alias_duplicate(client: KMSClient, key_id: str) -> None:
    client.create_alias(AliasName="alias/dup", TargetKeyId=key_id)
    other = client.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(client.exceptions.AlreadyExistsException) as info:
        client.create_alias(AliasName="alias/dup", TargetKeyId=other)
    assert _error(info) == (
        "AlreadyExistsException",
        f"An alias with the name {ARN_PREFIX}:alias/dup already exists",
        400,
    )
    assert _target(client, "alias/dup") == key_id


def test_alias_names_are_case_sensitive(client: KMSClient, key_id: str) -> None:
    other = client.create_key()["KeyMetadata"]["KeyId"]
    client.create_alias(AliasName="alias/Name", TargetKeyId=key_id)
    client.create_alias(AliasName="alias/name", TargetKeyId=other)
    assert (_target(client, "alias/Name"), _target(client, "alias/name")) == (key_id, other)


def test_aliases_are_per_region(client: KMSClient, key_id: str) -> None:
    europe = boto3.client("kms", region_name="eu-west-1")
    european_key = europe.create_key()["KeyMetadata"]["KeyId"]
    client.create_alias(AliasName="alias/shared", TargetKeyId=key_id)
    europe.create_alias(AliasName="alias/shared", TargetKeyId=european_key)
    assert _target(client, "alias/shared") == key_id
    assert _target(europe, "alias/shared") == european_key
    [entry] = europe.list_aliases()["Aliases"]
    assert entry["AliasArn"] == "arn:aws:kms:eu-west-1:123456789012:alias/shared"


def test_create_alias_target_in_other_region(client: KMSClient) -> None:
    foreign_arn = boto3.client("kms", region_name="eu-west-1").create_key()["KeyMetadata"]["Arn"]
    with pytest.raises(client.exceptions.NotFoundException) as info:
        client.create_alias(AliasName="alias/far", TargetKeyId=foreign_arn)
    assert _error(info) == ("NotFoundException", "Invalid arn eu-west-1", 400)


def test_create_alias_unknown_target(client: KMSClient) -> None:
    missing = str(uuid.uuid4())
    with pytest.raises(client.exceptions.NotFoundException) as info:
        client.create_alias(AliasName="alias/none", TargetKeyId=missing)
    assert _error(info) == (
        "NotFoundException",
        f"Key '{ARN_PREFIX}:key/{missing}' does not exist",
        400,
    )


def test_fiftieth_alias_ok_fifty_first_refused(client: KMSClient, key_id: str) -> None:
    for i in range(50):
        client.create_alias(AliasName=f"alias/a{i}", TargetKeyId=key_id)
    with pytest.raises(client.exceptions.LimitExceededException) as info:
        client.create_alias(AliasName="alias/a50", TargetKeyId=key_id)
    # text not recorded; kmsmock's choice
    assert _error(info) == (
        "LimitExceededException",
        f"The number of aliases for the key {ARN_PREFIX}:key/{key_id} exceeds the limit of 50.",
        400,
    )
    assert len(client.list_aliases(KeyId=key_id, Limit=100)["Aliases"]) == 50


def test_update_alias_onto_key_with_fifty_aliases(client: KMSClient, key_id: str) -> None:
    for i in range(50):
        client.create_alias(AliasName=f"alias/a{i}", TargetKeyId=key_id)
    other = client.create_key()["KeyMetadata"]["KeyId"]
    client.create_alias(AliasName="alias/mover", TargetKeyId=other)
    with pytest.raises(client.exceptions.LimitExceededException) as info:
        client.update_alias(AliasName="alias/mover", TargetKeyId=key_id)
    # text not recorded; kmsmock's choice
    assert _error(info) == (
        "LimitExceededException",
        f"The number of aliases for the key {ARN_PREFIX}:key/{key_id} exceeds the limit of 50.",
        400,
    )
    assert _target(client, "alias/mover") == other


# -- UpdateAlias --------------------------------------------------------------------------


def test_update_alias_repoints(
    client: KMSClient, key_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.create_alias(AliasName="alias/moving", TargetKeyId=key_id)
    [before] = client.list_aliases()["Aliases"]
    new_key = client.create_key()["KeyMetadata"]
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)

    assert set(client.update_alias(AliasName="alias/moving", TargetKeyId=new_key["Arn"])) == {
        "ResponseMetadata"
    }
    [after] = client.list_aliases()["Aliases"]
    assert after["TargetKeyId"] == new_key["KeyId"]
    assert after["CreationDate"] == before["CreationDate"]
    assert after["LastUpdatedDate"] >= before["CreationDate"] + timedelta(seconds=119)
    assert _names(client, key_id) == []
    assert _names(client, new_key["KeyId"]) == ["alias/moving"]


def test_update_alias_missing(client: KMSClient, key_id: str) -> None:
    with pytest.raises(client.exceptions.NotFoundException) as info:
        client.update_alias(AliasName="alias/ghost", TargetKeyId=key_id)
    assert _error(info) == (
        "NotFoundException",
        f"Alias {ARN_PREFIX}:alias/ghost is not found.",
        400,
    )


def test_update_alias_to_key_pending_deletion(client: KMSClient, key_id: str) -> None:
    client.create_alias(AliasName="alias/stay", TargetKeyId=key_id)
    doomed = client.create_key()["KeyMetadata"]["KeyId"]
    client.schedule_key_deletion(KeyId=doomed)
    with pytest.raises(client.exceptions.KMSInvalidStateException) as info:
        client.update_alias(AliasName="alias/stay", TargetKeyId=doomed)
    # Footnote 3's template; UpdateAlias's own text is not recorded.
    assert _error(info) == (
        "KMSInvalidStateException",
        f"{ARN_PREFIX}:key/{doomed} is pending deletion.",
        400,
    )
    assert _target(client, "alias/stay") == key_id


def test_update_alias_away_from_key_pending_deletion(client: KMSClient, key_id: str) -> None:
    client.create_alias(AliasName="alias/rescue", TargetKeyId=key_id)
    client.schedule_key_deletion(KeyId=key_id)
    other = client.create_key()["KeyMetadata"]["KeyId"]
    client.update_alias(AliasName="alias/rescue", TargetKeyId=other)
    assert _target(client, "alias/rescue") == other


# -- DeleteAlias ----------------------------------------------------------------------------


def test_delete_alias(client: KMSClient, key_id: str) -> None:
    client.create_alias(AliasName="alias/gone", TargetKeyId=key_id)
    client.create_alias(AliasName="alias/kept", TargetKeyId=key_id)
    assert set(client.delete_alias(AliasName="alias/gone")) == {"ResponseMetadata"}
    assert _names(client) == ["alias/kept"]
    with pytest.raises(client.exceptions.NotFoundException) as info:
        client.describe_key(KeyId="alias/gone")
    assert _error(info) == (
        "NotFoundException",
        f"Alias {ARN_PREFIX}:alias/gone is not found.",
        400,
    )
    # The key itself is untouched.
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"


def test_delete_alias_missing(client: KMSClient) -> None:
    with pytest.raises(client.exceptions.NotFoundException) as info:
        client.delete_alias(AliasName="alias/never")
    assert _error(info) == (
        "NotFoundException",
        f"Alias {ARN_PREFIX}:alias/never is not found.",
        400,
    )


def test_deleted_alias_name_can_be_reused(client: KMSClient, key_id: str) -> None:
    client.create_alias(AliasName="alias/again", TargetKeyId=key_id)
    client.delete_alias(AliasName="alias/again")
    other = client.create_key()["KeyMetadata"]["KeyId"]
    client.create_alias(AliasName="alias/again", TargetKeyId=other)
    assert _target(client, "alias/again") == other


@pytest.mark.parametrize("name", ["alias/my:alias", "alias/a:b/c"])
def test_create_alias_refuses_a_colon(
    kms: MockKMS, client: KMSClient, key_id: str, name: str
) -> None:
    # The model's pattern admits ':' (it serves alias ARNs too); AWS's CreateAlias does
    # not, with this text (as quoted in hashicorp/terraform-provider-aws#12891).
    with pytest.raises(ClientError) as info:
        client.create_alias(AliasName=name, TargetKeyId=key_id)
    assert _error(info) == (
        "ValidationException",
        f"{name} contains invalid characters for an alias",
        400,
    )
    assert kms.region_state().aliases == {}


def test_create_alias_takes_every_character_aws_allows(client: KMSClient, key_id: str) -> None:
    name = "alias/Team_1/app-DB/x"
    client.create_alias(AliasName=name, TargetKeyId=key_id)
    assert [a["AliasName"] for a in client.list_aliases(KeyId=key_id)["Aliases"]] == [name]
