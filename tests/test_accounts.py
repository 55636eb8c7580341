"""Accounts and regions: what a ciphertext or a key means outside its own."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

OTHER = "210987654321"
UNREACHABLE = (
    "The ciphertext refers to a customer master key that does not exist, does not exist in "
    "this region, or you are not allowed to access."
)


def _other_account_client(kms: MockKMS, region: str = "us-east-1") -> KMSClient:
    return kms.root(OTHER).client(region)


def test_accounts_are_isolated(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    other = _other_account_client(kms)
    assert other.list_keys()["Keys"] == []
    arn = other.create_key()["KeyMetadata"]["Arn"]
    assert arn.startswith(f"arn:aws:kms:us-east-1:{OTHER}:key/")
    assert [k["KeyId"] for k in client.list_keys()["Keys"]] == [key_id]
    # A bare id resolves in the caller's own account only.
    with pytest.raises(other.exceptions.NotFoundException) as info:
        other.describe_key(KeyId=key_id)
    assert info.value.response["Error"]["Message"] == (
        f"Key 'arn:aws:kms:us-east-1:{OTHER}:key/{key_id}' does not exist"
    )


def test_another_account_is_denied_by_the_default_key_policy(
    kms: MockKMS, client: KMSClient, key_id: str
) -> None:
    arn = client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    other = _other_account_client(kms)
    calls: list[tuple[Callable[[], object], str]] = [
        (lambda: other.encrypt(KeyId=arn, Plaintext=b"x"), "Encrypt"),
        (lambda: other.decrypt(CiphertextBlob=blob), "Decrypt"),
        (lambda: other.describe_key(KeyId=arn), "DescribeKey"),
    ]
    for call, action in calls:
        with pytest.raises(ClientError) as info:
            call()
        assert info.value.response["Error"] == {
            "Code": "AccessDeniedException",
            "Message": f"User: arn:aws:iam::{OTHER}:root is not authorized to perform: "
            f"kms:{action} on resource: {arn} because no resource-based policy allows the "
            f"kms:{action} action",
        }
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_management_of_another_accounts_key_is_not_found(
    kms: MockKMS, client: KMSClient, key_id: str
) -> None:
    arn = client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    other = _other_account_client(kms)
    with pytest.raises(other.exceptions.NotFoundException) as info:
        other.disable_key(KeyId=arn)
    # Not established for AWS; kmsmock's choice (README, "Choices").
    assert info.value.response["Error"]["Message"] == f"Key '{arn}' does not exist"
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["Enabled"] is True


def test_ciphertext_is_refused_in_another_region(client: KMSClient, key_id: str) -> None:
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    elsewhere = boto3.client("kms", region_name="eu-west-1")
    with pytest.raises(ClientError) as info:
        elsewhere.decrypt(CiphertextBlob=blob)
    assert info.value.response["Error"] == {"Code": "AccessDeniedException", "Message": UNREACHABLE}


def test_ciphertext_of_a_deleted_key_is_refused(
    client: KMSClient, key_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    deletion = client.describe_key(KeyId=key_id)["KeyMetadata"]["DeletionDate"].timestamp()
    arn = client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    monkeypatch.setattr(time, "time", lambda: deletion - 1)
    with pytest.raises(client.exceptions.KMSInvalidStateException) as pending:
        client.decrypt(CiphertextBlob=blob)
    assert pending.value.response["Error"]["Message"] == f"{arn} is pending deletion."
    monkeypatch.setattr(time, "time", lambda: deletion + 0.001)
    with pytest.raises(ClientError) as info:
        client.decrypt(CiphertextBlob=blob)
    assert info.value.response["Error"] == {"Code": "AccessDeniedException", "Message": UNREACHABLE}


def test_cancelled_deletion_is_not_carried_out(
    kms: MockKMS, client: KMSClient, key_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    client.cancel_key_deletion(KeyId=key_id)
    later = time.time() + 31 * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"
    assert [key.key_id for key in kms.keys()] == [key_id]


def test_rescheduled_deletion_uses_the_new_date(
    client: KMSClient, key_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time()
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    client.cancel_key_deletion(KeyId=key_id)
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=30)
    monkeypatch.setattr(time, "time", lambda: now + 8 * 86400)
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    monkeypatch.setattr(time, "time", lambda: now + 31 * 86400)
    with pytest.raises(client.exceptions.NotFoundException) as info:
        client.describe_key(KeyId=key_id)
    assert info.value.response["Error"]["Message"] == (
        f"Key 'arn:aws:kms:us-east-1:123456789012:key/{key_id}' does not exist"
    )
