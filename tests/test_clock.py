"""The simulated clock: tests move kmsmock's time, or move time itself (issue 4)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import freezegun
import pytest
import time_machine
from botocore.exceptions import ClientError

from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

UTC = datetime.timezone.utc
UNREACHABLE = (
    "The ciphertext refers to a customer master key that does not exist, does not exist in "
    "this region, or you are not allowed to access."
)


def test_clock_starts_at_real_time_and_advances(kms: MockKMS, client: KMSClient) -> None:
    before = datetime.datetime.now(UTC)
    assert abs((kms.clock.datetime() - before).total_seconds()) < 5
    kms.clock.advance(days=30, hours=1)
    created = client.create_key()["KeyMetadata"]["CreationDate"]
    # Every date kmsmock reports comes from its clock.
    assert (created - before).total_seconds() == pytest.approx(30 * 86400 + 3600, abs=5)


def test_clock_set_and_its_refusals(kms: MockKMS, client: KMSClient) -> None:
    moment = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    kms.clock.set(moment)
    created = client.create_key()["KeyMetadata"]["CreationDate"]
    assert abs((created - moment).total_seconds()) < 5
    with pytest.raises(ValueError, match="aware datetime"):
        kms.clock.set(datetime.datetime(2030, 1, 1))  # naive: refused on purpose
    with pytest.raises(ValueError, match="only moves forward"):
        kms.clock.advance(seconds=-1)


def test_a_deletion_window_elapses_and_the_data_is_gone(
    kms: MockKMS, client: KMSClient, key_id: str
) -> None:
    # KMS_BEHAVIOUR.md section 4: at expiry, key, material, aliases and grants vanish.
    client.create_alias(AliasName="alias/doomed", TargetKeyId=key_id)
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    arn = client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    kms.clock.advance(days=6, hours=23)
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    with pytest.raises(ClientError) as pending:
        client.decrypt(CiphertextBlob=blob)
    assert error_of(pending) == (
        "KMSInvalidStateException",
        f"{arn} is pending deletion.",
        400,
    )
    kms.clock.advance(hours=1, seconds=1)
    # Deleted as soon as the clock moved: the state shows it before any call.
    assert [key.key_id for key in kms.keys()] == []
    with pytest.raises(ClientError) as missing:
        client.describe_key(KeyId=key_id)
    assert error_of(missing) == ("NotFoundException", f"Key '{arn}' does not exist", 400)
    with pytest.raises(ClientError) as gone:
        client.decrypt(CiphertextBlob=blob)
    assert error_of(gone) == ("AccessDeniedException", UNREACHABLE, 400)
    assert client.list_aliases()["Aliases"] == []


def test_a_cancelled_deletion_does_not_fire_at_its_old_date(
    kms: MockKMS, client: KMSClient, key_id: str
) -> None:
    # Scheduled again with a longer window: only the new DeletionDate counts.
    arn = client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    client.cancel_key_deletion(KeyId=key_id)
    deletion = client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=30)["DeletionDate"]
    kms.clock.advance(days=8)
    metadata = client.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["KeyState"], metadata["DeletionDate"]) == ("PendingDeletion", deletion)
    kms.clock.advance(days=23)
    with pytest.raises(ClientError) as gone:
        client.describe_key(KeyId=key_id)
    assert error_of(gone) == ("NotFoundException", f"Key '{arn}' does not exist", 400)


def test_time_machine_moves_the_clock(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    later = datetime.datetime.now(UTC) + datetime.timedelta(days=8)
    with time_machine.travel(later), pytest.raises(client.exceptions.NotFoundException):
        client.describe_key(KeyId=key_id)


def test_freezegun_moves_the_clock(kms: MockKMS, client: KMSClient) -> None:
    moment = datetime.datetime(2031, 6, 1, 12, 0, tzinfo=UTC)
    with freezegun.freeze_time(moment):
        created = client.create_key()["KeyMetadata"]["CreationDate"]
    assert created == moment


def test_advance_adds_to_time_machine(kms: MockKMS, client: KMSClient) -> None:
    moment = datetime.datetime(2032, 1, 1, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        kms.clock.advance(days=1)
        created = client.create_key()["KeyMetadata"]["CreationDate"]
    assert created == moment + datetime.timedelta(days=1)
