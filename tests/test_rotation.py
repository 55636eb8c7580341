"""Key rotation: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus,
RotateKeyOnDemand, ListKeyRotations, and automatic rotation on the simulated clock.

Expected values come from KMS_BEHAVIOUR.md sections 4 and 8, AWS_RECORDED_FACTS.md
section 3.19 and 4, and the model's documentation strings. Where AWS's text is not known,
the test says that kmsmock chose it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
import time_machine
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

import kmsmock
from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

UTC = dt.timezone.utc
T0 = dt.datetime(2030, 1, 1, tzinfo=UTC)
DAY = dt.timedelta(days=1)
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
LIMIT_TEXT = (
    "The on-demand rotations limit has been reached for the given keyId. "
    "No more on-demand rotations can be performed for this key: {arn}"
)


@pytest.fixture
def frozen(kms: MockKMS) -> Iterator[None]:
    """Time stands still at T0 unless the test moves kmsmock's clock: exact dates."""
    with time_machine.travel(T0, tick=False):
        yield


def _error(call: Any, *args: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    return error_of(info)


def _body(response: Any) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def _arn(client: KMSClient, key_id: str) -> str:
    return client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]


def _current(client: KMSClient, key_id: str) -> str:
    return client.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]


def _status(client: KMSClient, key_id: str) -> dict[str, Any]:
    return _body(client.get_key_rotation_status(KeyId=key_id))


def _rotations(client: KMSClient, key_id: str, **kwargs: Any) -> list[dict[str, Any]]:
    rotations: list[Any] = client.list_key_rotations(KeyId=key_id, **kwargs)["Rotations"]
    return rotations


# -- GetKeyRotationStatus / EnableKeyRotation / DisableKeyRotation ---------------------


def test_rotation_is_off_by_default(client: KMSClient, key_id: str) -> None:
    # AWS_RECORDED_FACTS 3.19: only KeyId and KeyRotationEnabled false. KeyId is the ARN:
    # the recording shows it equal to RotateKeyOnDemand's KeyId, an ARN.
    assert _status(client, key_id) == {
        "KeyId": _arn(client, key_id),
        "KeyRotationEnabled": False,
    }


@pytest.mark.parametrize("period", [90, 180, 2560, None])
def test_enable_reports_period_and_next_date(
    frozen: None, client: KMSClient, key_id: str, period: int | None
) -> None:
    args = {} if period is None else {"RotationPeriodInDays": period}
    assert _body(client.enable_key_rotation(KeyId=key_id, **args)) == {}
    days = 365 if period is None else period
    # Reference section 8: the first rotation comes one period after enabling.
    assert _status(client, key_id) == {
        "KeyId": _arn(client, key_id),
        "KeyRotationEnabled": True,
        "RotationPeriodInDays": days,
        "NextRotationDate": T0 + days * DAY,
    }


def test_enabling_again(kms: MockKMS, frozen: None, client: KMSClient, key_id: str) -> None:
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    kms.clock.advance(days=10)
    # kmsmock's choice: the same period again keeps the schedule (a retry does not
    # postpone rotation) ...
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    assert _status(client, key_id)["NextRotationDate"] == T0 + 90 * DAY
    # ... and a new period restarts it from now ("the number of days after you enable").
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=120)
    status = _status(client, key_id)
    assert status["RotationPeriodInDays"] == 120
    assert status["NextRotationDate"] == T0 + 130 * DAY
    # The stale day-90 event does nothing.
    kms.clock.advance(days=100)
    assert _rotations(client, key_id) == []
    kms.clock.advance(days=20)
    assert [r["RotationDate"] for r in _rotations(client, key_id)] == [T0 + 130 * DAY]


def test_disable_turns_rotation_off(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    assert _body(client.disable_key_rotation(KeyId=key_id)) == {}
    # AWS_RECORDED_FACTS 3.19: disabled rotation shows only KeyId and false.
    assert _status(client, key_id) == {
        "KeyId": _arn(client, key_id),
        "KeyRotationEnabled": False,
    }
    kms.clock.advance(days=400)
    assert _rotations(client, key_id) == []
    # Disabling twice is harmless; enabling again starts a new period from now.
    client.disable_key_rotation(KeyId=key_id)
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    next_date = _status(client, key_id)["NextRotationDate"]
    expected = kms.clock.datetime() + 90 * DAY
    assert abs((next_date - expected).total_seconds()) < 5


def test_period_outside_the_model_range(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    # The model's range 90..2560 is AWS's documented rule; the codec answers it.
    assert _error(client.enable_key_rotation, KeyId=key_id, RotationPeriodInDays=2561) == (
        "ValidationException",
        "1 validation error detected: Value '2561' at 'rotationPeriodInDays' failed to "
        "satisfy constraint: Member must have value less than or equal to 2560",
        400,
    )
    # botocore refuses values below its minimum itself; without that check KMS answers.
    raw = boto3.client("kms", region_name=kms.region, config=Config(parameter_validation=False))
    assert _error(raw.enable_key_rotation, KeyId=key_id, RotationPeriodInDays=89) == (
        "ValidationException",
        "1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to "
        "satisfy constraint: Member must have value greater than or equal to 90",
        400,
    )
    assert _status(client, key_id)["KeyRotationEnabled"] is False


NON_ROTATABLE = [
    ("RSA_2048", "ENCRYPT_DECRYPT"),
    ("RSA_4096", "SIGN_VERIFY"),
    ("ECC_NIST_P256", "SIGN_VERIFY"),
    ("ECC_NIST_P384", "KEY_AGREEMENT"),
    ("HMAC_256", "GENERATE_VERIFY_MAC"),
]


@pytest.mark.parametrize(("spec", "usage"), NON_ROTATABLE)
def test_asymmetric_and_hmac_keys_do_not_rotate(client: KMSClient, spec: str, usage: str) -> None:
    kind: dict[str, Any] = {"KeySpec": spec, "KeyUsage": usage}
    key_id = client.create_key(**kind)["KeyMetadata"]["KeyId"]
    # Recorded for RSA_4096 and RotateKeyOnDemand: an empty message (AWS_RECORDED_FACTS
    # 1.3, 3.19); kmsmock answers every operation and key type of this kind the same way.
    refused = ("UnsupportedOperationException", "", 400)
    assert _error(client.enable_key_rotation, KeyId=key_id) == refused
    assert _error(client.disable_key_rotation, KeyId=key_id) == refused
    assert _error(client.get_key_rotation_status, KeyId=key_id) == refused
    assert _error(client.rotate_key_on_demand, KeyId=key_id) == refused
    assert _error(client.list_key_rotations, KeyId=key_id) == refused


@pytest.mark.needs_model(member="ListKeyRotationsRequest.IncludeKeyMaterial")
def test_imported_material_keys_have_no_automatic_rotation(client: KMSClient) -> None:
    key_id = client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    arn = _arn(client, key_id)
    # Reference section 4, footnote 6 (the key is PendingImport).
    external = (
        "UnsupportedOperationException",
        f"{arn} origin is EXTERNAL which is not valid for this operation.",
        400,
    )
    assert _error(client.enable_key_rotation, KeyId=key_id) == external
    assert _error(client.disable_key_rotation, KeyId=key_id) == external
    assert _error(client.get_key_rotation_status, KeyId=key_id) == external
    # Recorded (2025-11): before any import the key state answers first.
    assert _error(client.rotate_key_on_demand, KeyId=key_id) == (
        "KMSInvalidStateException",
        f"{arn} is pending import.",
        400,
    )
    assert (
        client.list_key_rotations(KeyId=key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]
        == []
    )


def test_custom_key_store_keys_do_not_rotate(kms: MockKMS, client: KMSClient) -> None:
    store_id = client.create_custom_key_store(
        CustomKeyStoreName="hsm",
        CloudHsmClusterId="cluster-234abcdefgh",
        TrustAnchorCertificate="<certificate>",
        KeyStorePassword="kmsPswd",
    )["CustomKeyStoreId"]
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    key_id = client.create_key(Origin="AWS_CLOUDHSM", CustomKeyStoreId=store_id)["KeyMetadata"][
        "KeyId"
    ]
    arn = _arn(client, key_id)
    # kmsmock's text, on footnote 6's template (AWS's is not recorded).
    refused = (
        "UnsupportedOperationException",
        f"{arn} origin is AWS_CLOUDHSM which is not valid for this operation.",
        400,
    )
    for call in (
        client.enable_key_rotation,
        client.disable_key_rotation,
        client.get_key_rotation_status,
        client.rotate_key_on_demand,
        client.list_key_rotations,
    ):
        assert _error(call, KeyId=key_id) == refused
    # Unavailable (a disconnected store) passes the key-state table and is refused the same.
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Unavailable"
    assert _error(client.get_key_rotation_status, KeyId=key_id) == refused
    assert _error(client.enable_key_rotation, KeyId=key_id) == refused


def test_aws_managed_keys_rotate_yearly_and_cannot_be_configured(
    kms: MockKMS, frozen: None, client: KMSClient
) -> None:
    # Reference section 8: AWS managed keys rotate yearly and always report true.
    key_id = client.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["KeyId"]
    arn = _arn(client, key_id)
    assert _status(client, key_id) == {
        "KeyId": arn,
        "KeyRotationEnabled": True,
        "RotationPeriodInDays": 365,
        "NextRotationDate": T0 + 365 * DAY,
    }
    # Their key policy gives the account only Describe*, Get*, List* and RevokeGrant.
    for call, action in (
        (client.enable_key_rotation, "EnableKeyRotation"),
        (client.disable_key_rotation, "DisableKeyRotation"),
        (client.rotate_key_on_demand, "RotateKeyOnDemand"),
    ):
        code, message, _ = _error(call, KeyId=key_id)
        assert code == "AccessDeniedException"
        assert f"kms:{action} on resource: {arn}" in message
    kms.clock.advance(days=365)
    assert [(r["RotationType"], r["RotationDate"]) for r in _rotations(client, key_id)] == [
        ("AUTOMATIC", T0 + 365 * DAY)
    ]


def test_key_state_comes_before_key_type(client: KMSClient) -> None:
    key_id = client.create_key(KeySpec="RSA_4096", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"][
        "KeyId"
    ]
    arn = _arn(client, key_id)
    client.disable_key(KeyId=key_id)
    # Recorded (AWS_RECORDED_FACTS 3.19): a disabled RSA key gets DisabledException.
    disabled = ("DisabledException", f"{arn} is disabled.", 400)
    assert _error(client.rotate_key_on_demand, KeyId=key_id) == disabled
    assert _error(client.enable_key_rotation, KeyId=key_id) == disabled
    assert _error(client.disable_key_rotation, KeyId=key_id) == disabled


def test_unknown_keys(client: KMSClient) -> None:
    missing = "11111111-2222-3333-4444-555555555555"
    arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{missing}"
    # Recorded for RotateKeyOnDemand (AWS_RECORDED_FACTS 3.19).
    expected = ("NotFoundException", f"Key '{arn}' does not exist", 400)
    for call in (
        client.enable_key_rotation,
        client.disable_key_rotation,
        client.get_key_rotation_status,
        client.rotate_key_on_demand,
        client.list_key_rotations,
    ):
        assert _error(call, KeyId=missing) == expected
    # Rotation operations take no alias (reference section 1).
    assert _error(client.get_key_rotation_status, KeyId="alias/any") == (
        "NotFoundException",
        "Invalid keyId 'alias/any'",
        400,
    )


def test_disabled_key_keeps_its_setting_and_pauses(
    kms: MockKMS, frozen: None, client: KMSClient, key_id: str
) -> None:
    arn = _arn(client, key_id)
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    client.disable_key(KeyId=key_id)
    # Reference section 4 (footnote 1) for the setters; GetKeyRotationStatus still answers.
    disabled = ("DisabledException", f"{arn} is disabled.", 400)
    assert _error(client.enable_key_rotation, KeyId=key_id) == disabled
    assert _error(client.disable_key_rotation, KeyId=key_id) == disabled
    assert _status(client, key_id) == {
        "KeyId": arn,
        "KeyRotationEnabled": True,
        "RotationPeriodInDays": 90,
        "NextRotationDate": T0 + 90 * DAY,
    }
    # Paused: no rotation while disabled, though the date passes.
    kms.clock.advance(days=200)
    assert _rotations(client, key_id) == []
    # Model doc: on re-enabling, a key not rotated for a period rotates at once.
    client.enable_key(KeyId=key_id)
    assert [(r["RotationType"], r["RotationDate"]) for r in _rotations(client, key_id)] == [
        ("AUTOMATIC", T0 + 200 * DAY)
    ]
    assert _status(client, key_id)["NextRotationDate"] == T0 + 290 * DAY
    kms.clock.advance(days=90)
    assert len(_rotations(client, key_id)) == 2


def test_disabled_briefly_keeps_the_schedule(
    kms: MockKMS, frozen: None, client: KMSClient, key_id: str
) -> None:
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    client.disable_key(KeyId=key_id)
    kms.clock.advance(days=30)
    client.enable_key(KeyId=key_id)
    # Model doc: "the KMS key resumes its prior rotation schedule".
    assert _rotations(client, key_id) == []
    assert _status(client, key_id)["NextRotationDate"] == T0 + 90 * DAY
    kms.clock.advance(days=60)
    assert [r["RotationDate"] for r in _rotations(client, key_id)] == [T0 + 90 * DAY]


def test_pending_deletion_reports_false_and_pauses(
    kms: MockKMS, frozen: None, client: KMSClient, key_id: str
) -> None:
    arn = _arn(client, key_id)
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    kms.clock.advance(days=80)
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=30)
    # Model doc: "While a KMS key is pending deletion, its key rotation status is false".
    assert _status(client, key_id) == {"KeyId": arn, "KeyRotationEnabled": False}
    pending = ("KMSInvalidStateException", f"{arn} is pending deletion.", 400)
    assert _error(client.enable_key_rotation, KeyId=key_id) == pending
    assert _error(client.disable_key_rotation, KeyId=key_id) == pending
    assert _error(client.rotate_key_on_demand, KeyId=key_id) == pending
    kms.clock.advance(days=20)  # day 100: the day-90 rotation did not happen
    assert _rotations(client, key_id) == []
    # "If you cancel the deletion, the original key rotation status returns to true."
    client.cancel_key_deletion(KeyId=key_id)
    status = _status(client, key_id)
    assert status["KeyRotationEnabled"] is True
    assert status["NextRotationDate"] == T0 + 90 * DAY
    # CancelKeyDeletion leaves the key Disabled; enabling it catches up at once.
    client.enable_key(KeyId=key_id)
    assert [r["RotationDate"] for r in _rotations(client, key_id)] == [T0 + 100 * DAY]


def test_cross_account_status_by_arn_only(kms: MockKMS, client: KMSClient) -> None:
    admin = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    shared = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
        "Action": ["kms:GetKeyRotationStatus", "kms:EnableKeyRotation", "kms:ListKeyRotations"],
        "Resource": "*",
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [admin, shared]})
    arn = client.create_key(Policy=policy)["KeyMetadata"]["Arn"]
    client.enable_key_rotation(KeyId=arn)
    other = kms.root(OTHER_ACCOUNT).client()
    # GetKeyRotationStatus: "Cross-account use: Yes" (model doc), by key ARN.
    status = _body(other.get_key_rotation_status(KeyId=arn))
    assert (status["KeyId"], status["KeyRotationEnabled"]) == (arn, True)
    # The others: "Cross-account use: No"; kmsmock answers as for any management call.
    missing = ("NotFoundException", f"Key '{arn}' does not exist", 400)
    assert _error(other.enable_key_rotation, KeyId=arn) == missing
    assert _error(other.list_key_rotations, KeyId=arn) == missing


@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(member="RotationsListEntry.KeyMaterialId")
@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
def test_multi_region_rotation_is_set_on_the_primary(
    kms: MockKMS, frozen: None, client: KMSClient
) -> None:
    primary = client.create_key(MultiRegion=True)["KeyMetadata"]
    key_id = primary["KeyId"]
    replica_arn = client.replicate_key(KeyId=key_id, ReplicaRegion="eu-west-1")[
        "ReplicaKeyMetadata"
    ]["Arn"]
    kms.clock.advance(seconds=1)  # the replica finishes creating
    remote = boto3.client("kms", region_name="eu-west-1")
    # kmsmock's text: AWS's for ReplicateKey on a replica (AWS_RECORDED_FACTS 3.20).
    not_primary = (
        "UnsupportedOperationException",
        f"{replica_arn} is not a multi-region primary key.",
        400,
    )
    assert _error(remote.enable_key_rotation, KeyId=key_id) == not_primary
    assert _error(remote.disable_key_rotation, KeyId=key_id) == not_primary
    assert _error(remote.rotate_key_on_demand, KeyId=key_id) == not_primary
    # Set on the primary, the replica follows (reference section 10: rotation is shared).
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    status = _body(remote.get_key_rotation_status(KeyId=key_id))
    assert status == {
        "KeyId": replica_arn,
        "KeyRotationEnabled": True,
        "RotationPeriodInDays": 90,
        "NextRotationDate": T0 + dt.timedelta(seconds=1) + 90 * DAY,
    }
    blob = remote.encrypt(KeyId=key_id, Plaintext=b"before")["CiphertextBlob"]
    kms.clock.advance(days=90)
    rotated = _current(client, key_id)
    assert _current(remote, key_id) == rotated
    assert [r["KeyMaterialId"] for r in _rotations(remote, key_id)] == [rotated]
    # Old data decrypts in either region; new data uses the rotated material.
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"before"
    after = remote.encrypt(KeyId=key_id, Plaintext=b"after")["CiphertextBlob"]
    assert client.decrypt(CiphertextBlob=after)["KeyMaterialId"] == rotated


# -- RotateKeyOnDemand ---------------------------------------------------------------


@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(member="RotationsListEntry.KeyMaterialId")
@pytest.mark.needs_model(member="RotationsListEntry.KeyMaterialState")
@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
def test_rotate_on_demand(kms: MockKMS, frozen: None, client: KMSClient, key_id: str) -> None:
    arn = _arn(client, key_id)
    first = _current(client, key_id)
    blob = client.encrypt(KeyId=key_id, Plaintext=b"old")["CiphertextBlob"]
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    kms.clock.advance(days=3)
    # Recorded: the response is the key ARN.
    assert _body(client.rotate_key_on_demand(KeyId=key_id)) == {"KeyId": arn}
    # Default timing: done before the next call is answered, dated when it was asked.
    second = _current(client, key_id)
    assert second != first
    assert _rotations(client, key_id) == [
        {
            "KeyId": key_id,
            "KeyMaterialId": second,
            "KeyMaterialState": "CURRENT",
            "RotationDate": T0 + 3 * DAY,
            "RotationType": "ON_DEMAND",
        }
    ]
    # The automatic schedule is unchanged (model doc, AWS_RECORDED_FACTS 3.19).
    assert _status(client, key_id) == {
        "KeyId": arn,
        "KeyRotationEnabled": True,
        "RotationPeriodInDays": 90,
        "NextRotationDate": T0 + 90 * DAY,
    }
    decrypted = client.decrypt(CiphertextBlob=blob)
    assert (decrypted["Plaintext"], decrypted["KeyMaterialId"]) == (b"old", first)
    new = client.encrypt(KeyId=key_id, Plaintext=b"new")["CiphertextBlob"]
    assert client.decrypt(CiphertextBlob=new)["KeyMaterialId"] == second


def test_rotate_on_demand_without_automatic_rotation(client: KMSClient, key_id: str) -> None:
    client.rotate_key_on_demand(KeyId=key_id)
    # Recorded (rotation-status-response-after-rotation): still only KeyId and false.
    assert _status(client, key_id) == {
        "KeyId": _arn(client, key_id),
        "KeyRotationEnabled": False,
    }
    assert [r["RotationType"] for r in _rotations(client, key_id)] == ["ON_DEMAND"]


@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(member="RotationsListEntry.KeyMaterialId")
@pytest.mark.kms(on_demand_rotation_seconds=60)
def test_on_demand_rotation_in_progress(
    kms: MockKMS, frozen: None, client: KMSClient, key_id: str
) -> None:
    arn = _arn(client, key_id)
    first = _current(client, key_id)
    client.rotate_key_on_demand(KeyId=key_id)
    # AWS_RECORDED_FACTS 3.19 and 4: OnDemandRotationStartDate while in progress (~60 s).
    assert _status(client, key_id) == {
        "KeyId": arn,
        "KeyRotationEnabled": False,
        "OnDemandRotationStartDate": T0,
    }
    assert _current(client, key_id) == first
    assert _rotations(client, key_id) == []
    # kmsmock's text for a second request meanwhile (ConflictException is modelled).
    assert _error(client.rotate_key_on_demand, KeyId=key_id) == (
        "ConflictException",
        f"An on-demand rotation is already in progress for the key: {arn}.",
        400,
    )
    kms.clock.advance(seconds=59)
    assert "OnDemandRotationStartDate" in _status(client, key_id)
    kms.clock.advance(seconds=1)
    assert _status(client, key_id) == {"KeyId": arn, "KeyRotationEnabled": False}
    second = _current(client, key_id)
    assert second != first
    # "Date and time that the key material rotation completed."
    assert [(r["KeyMaterialId"], r["RotationDate"]) for r in _rotations(client, key_id)] == [
        (second, T0 + dt.timedelta(seconds=60))
    ]
    client.rotate_key_on_demand(KeyId=key_id)


def test_conflict_with_an_imminent_automatic_rotation(
    kms: MockKMS, frozen: None, client: KMSClient, key_id: str
) -> None:
    arn = _arn(client, key_id)
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    kms.clock.set(T0 + 90 * DAY - dt.timedelta(minutes=20))
    # ConflictException's model doc: automatic rotation "scheduled to begin within the
    # next 20 minutes". The text is kmsmock's.
    assert _error(client.rotate_key_on_demand, KeyId=key_id) == (
        "ConflictException",
        "An automatic rotation is scheduled to begin within the next 20 minutes "
        f"for the key: {arn}.",
        400,
    )
    kms.clock.set(T0 + 90 * DAY)
    client.rotate_key_on_demand(KeyId=key_id)
    assert [r["RotationType"] for r in _rotations(client, key_id)] == ["AUTOMATIC", "ON_DEMAND"]


def test_no_conflict_just_outside_the_window(
    kms: MockKMS, frozen: None, client: KMSClient, key_id: str
) -> None:
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    kms.clock.set(T0 + 90 * DAY - dt.timedelta(minutes=20, seconds=1))
    client.rotate_key_on_demand(KeyId=key_id)
    assert [r["RotationType"] for r in _rotations(client, key_id)] == ["ON_DEMAND"]


def test_on_demand_limit_is_ten(client: KMSClient, key_id: str) -> None:
    arn = _arn(client, key_id)
    for _ in range(10):
        client.rotate_key_on_demand(KeyId=key_id)
    # Recorded text, no final period (AWS_RECORDED_FACTS 3.19, 2025-04).
    assert _error(client.rotate_key_on_demand, KeyId=key_id) == (
        "LimitExceededException",
        LIMIT_TEXT.format(arn=arn),
        400,
    )
    assert len(_rotations(client, key_id)) == 10
    # Automatic rotation is not limited by it.
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)


@pytest.mark.kms(on_demand_rotation_limit=3)
def test_on_demand_limit_is_configurable(client: KMSClient, key_id: str) -> None:
    for _ in range(3):
        client.rotate_key_on_demand(KeyId=key_id)
    assert _error(client.rotate_key_on_demand, KeyId=key_id) == (
        "LimitExceededException",
        LIMIT_TEXT.format(arn=_arn(client, key_id)),
        400,
    )
    # Per key: another key has its own quota.
    other = client.create_key()["KeyMetadata"]["KeyId"]
    client.rotate_key_on_demand(KeyId=other)


def _import(client: KMSClient, key_id: str, material: bytes, **extra: Any) -> str:
    """ImportKeyMaterial of ``material`` (RSAES_OAEP_SHA_256 wrapping); its KeyMaterialId."""
    params = client.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
    )
    public = serialization.load_der_public_key(params["PublicKey"])
    assert isinstance(public, rsa.RSAPublicKey)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    response = client.import_key_material(
        KeyId=key_id,
        ImportToken=params["ImportToken"],
        EncryptedKeyMaterial=public.encrypt(material, oaep),
        **{"ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE", **extra},
    )
    return response["KeyMaterialId"]


def _imported_key(client: KMSClient, **extra: Any) -> tuple[str, str]:
    """An EXTERNAL key with imported material: (key id, ARN)."""
    metadata = client.create_key(Origin="EXTERNAL", **extra)["KeyMetadata"]
    return metadata["KeyId"], metadata["Arn"]


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="ImportKeyMaterialRequest.ImportType")
@pytest.mark.needs_model(member="ImportKeyMaterialRequest.KeyMaterialDescription")
@pytest.mark.needs_model(member="ListKeyRotationsRequest.IncludeKeyMaterial")
@pytest.mark.needs_model(member="RotationsListEntry.KeyMaterialState")
@pytest.mark.needs_model(member="RotationsListEntry.ImportState")
@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
def test_imported_key_rotates_to_pending_material(frozen: None, client: KMSClient) -> None:
    key_id, arn = _imported_key(client)
    first = _import(client, key_id, os.urandom(32))
    # A 2026 field test shows GetKeyRotationStatus answering for such a key; automatic
    # rotation stays unsupported (model doc; footnote 6's text).
    assert _status(client, key_id) == {"KeyId": arn, "KeyRotationEnabled": False}
    external = (
        "UnsupportedOperationException",
        f"{arn} origin is EXTERNAL which is not valid for this operation.",
        400,
    )
    assert _error(client.enable_key_rotation, KeyId=key_id) == external
    assert _error(client.disable_key_rotation, KeyId=key_id) == external
    # Recorded (2025-11-19): nothing imported as new material yet.
    assert _error(client.rotate_key_on_demand, KeyId=key_id) == (
        "KMSInvalidStateException",
        f"No available key material pending rotation for the key: {arn}.",
        400,
    )
    blob = client.encrypt(KeyId=key_id, Plaintext=b"first")["CiphertextBlob"]
    second = _import(
        client,
        key_id,
        os.urandom(32),
        ImportType="NEW_KEY_MATERIAL",
        KeyMaterialDescription="second",
    )
    # Model doc: ALL_KEY_MATERIAL adds the first and the pending material; EXTERNAL
    # keys' entries have ImportState, ExpirationModel, and the description if given.
    assert _rotations(client, key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL") == [
        {
            "KeyId": key_id,
            "KeyMaterialId": first,
            "KeyMaterialState": "CURRENT",
            "ImportState": "IMPORTED",
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
        },
        {
            "KeyId": key_id,
            "KeyMaterialId": second,
            "KeyMaterialState": "PENDING_ROTATION",
            "KeyMaterialDescription": "second",
            "ImportState": "IMPORTED",
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
        },
    ]
    assert _rotations(client, key_id) == []
    # Recorded: the response is the ARN.
    assert _body(client.rotate_key_on_demand(KeyId=key_id)) == {"KeyId": arn}
    assert _current(client, key_id) == second
    entries = _rotations(client, key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")
    assert [e["KeyMaterialState"] for e in entries] == ["NON_CURRENT", "CURRENT"]
    assert (entries[1]["RotationType"], entries[1]["RotationDate"]) == ("ON_DEMAND", T0)
    assert _rotations(client, key_id) == [entries[1]]
    decrypted = client.decrypt(CiphertextBlob=blob)
    assert (decrypted["Plaintext"], decrypted["KeyMaterialId"]) == (b"first", first)
    new = client.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    assert client.decrypt(CiphertextBlob=new)["KeyMaterialId"] == second
    # Nothing pending any more.
    assert _error(client.rotate_key_on_demand, KeyId=key_id)[0] == "KMSInvalidStateException"


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="ImportKeyMaterialRequest.ImportType")
@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(member="RotationsListEntry.KeyMaterialId")
@pytest.mark.kms(on_demand_rotation_seconds=60)
def test_imported_rotation_in_progress_and_lapsing(
    kms: MockKMS, frozen: None, client: KMSClient
) -> None:
    key_id, arn = _imported_key(client)
    first = _import(client, key_id, os.urandom(32))
    pending = _import(client, key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL")
    client.rotate_key_on_demand(KeyId=key_id)
    # The field test polls GetKeyRotationStatus for OnDemandRotationStartDate.
    assert _status(client, key_id) == {
        "KeyId": arn,
        "KeyRotationEnabled": False,
        "OnDemandRotationStartDate": T0,
    }
    # The pending material is deleted before the rotation completes: it lapses.
    client.delete_imported_key_material(KeyId=key_id, KeyMaterialId=pending)
    kms.clock.advance(seconds=60)
    assert _status(client, key_id) == {"KeyId": arn, "KeyRotationEnabled": False}
    assert _current(client, key_id) == first
    assert _rotations(client, key_id) == []
    # Over all the same: other new material rotates without a conflict.
    third = _import(client, key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL")
    client.rotate_key_on_demand(KeyId=key_id)
    kms.clock.advance(seconds=60)
    assert _current(client, key_id) == third
    assert [(e["KeyMaterialId"], e["RotationDate"]) for e in _rotations(client, key_id)] == [
        (third, T0 + dt.timedelta(seconds=120))
    ]


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="ImportKeyMaterialRequest.ImportType")
@pytest.mark.needs_model(member="RotationsListEntry.KeyMaterialId")
@pytest.mark.needs_model(member="RotationsListEntry.KeyMaterialState")
@pytest.mark.needs_model(member="RotationsListEntry.ImportState")
@pytest.mark.kms(on_demand_rotation_seconds=60)
def test_rotation_completes_before_material_expiring_at_the_same_moment(
    kms: MockKMS, frozen: None, client: KMSClient
) -> None:
    # What falls due at one moment happens in a fixed order (issue 4): deletions,
    # rotations, material expiry. The pending material becomes current, then expires.
    key_id, _ = _imported_key(client)
    _import(client, key_id, os.urandom(32))
    done = T0 + dt.timedelta(seconds=60)
    second = _import(
        client,
        key_id,
        os.urandom(32),
        ImportType="NEW_KEY_MATERIAL",
        ExpirationModel="KEY_MATERIAL_EXPIRES",
        ValidTo=done,
    )
    client.rotate_key_on_demand(KeyId=key_id)
    kms.clock.advance(seconds=60)
    metadata = client.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["KeyState"], metadata["CurrentKeyMaterialId"]) == ("PendingImport", second)
    assert _rotations(client, key_id) == [
        {
            "KeyId": key_id,
            "KeyMaterialId": second,
            "KeyMaterialState": "CURRENT",
            "RotationDate": done,
            "RotationType": "ON_DEMAND",
            "ImportState": "PENDING_IMPORT",
        }
    ]


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="ImportKeyMaterialRequest.ImportType")
@pytest.mark.needs_model(member="ListKeyRotationsRequest.IncludeKeyMaterial")
@pytest.mark.needs_model(member="RotationsListEntry.KeyMaterialState")
@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
def test_imported_multi_region_key_rotates_in_every_region(
    kms: MockKMS, frozen: None, client: KMSClient
) -> None:
    key_id, arn = _imported_key(client, MultiRegion=True)
    old, new = os.urandom(32), os.urandom(32)
    first = _import(client, key_id, old)
    second = _import(client, key_id, new, ImportType="NEW_KEY_MATERIAL")
    client.replicate_key(KeyId=key_id, ReplicaRegion="eu-west-1")
    kms.clock.advance(seconds=1)
    remote = boto3.client("kms", region_name="eu-west-1")
    _import(remote, key_id, old)
    # Model doc: imported into the primary but not every replica.
    states = [
        e["KeyMaterialState"]
        for e in _rotations(client, key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")
    ]
    assert states == ["CURRENT", "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"]
    # kmsmock's answer: such material is not yet available for rotation.
    assert _error(client.rotate_key_on_demand, KeyId=key_id) == (
        "KMSInvalidStateException",
        f"No available key material pending rotation for the key: {arn}.",
        400,
    )
    _import(remote, key_id, new, ImportType="NEW_KEY_MATERIAL")
    states = [
        e["KeyMaterialState"]
        for e in _rotations(remote, key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")
    ]
    assert states == ["CURRENT", "PENDING_ROTATION"]
    blob = remote.encrypt(KeyId=key_id, Plaintext=b"old")["CiphertextBlob"]
    # Model doc: "invoke the on-demand rotation on the primary Region key".
    client.rotate_key_on_demand(KeyId=key_id)
    assert _current(client, key_id) == _current(remote, key_id) == second
    for regional in (client, remote):
        entries = _rotations(regional, key_id)
        assert [(e["KeyMaterialId"], e["RotationType"]) for e in entries] == [(second, "ON_DEMAND")]
    decrypted = client.decrypt(CiphertextBlob=blob)
    assert (decrypted["Plaintext"], decrypted["KeyMaterialId"]) == (b"old", first)


# -- ListKeyRotations ----------------------------------------------------------------


@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(member="ListKeyRotationsRequest.IncludeKeyMaterial")
@pytest.mark.needs_model(member="RotationsListEntry.KeyMaterialId")
@pytest.mark.needs_model(member="RotationsListEntry.KeyMaterialState")
def test_list_rotations_only_and_all_material(
    kms: MockKMS, frozen: None, client: KMSClient, key_id: str
) -> None:
    first = _current(client, key_id)
    assert _body(client.list_key_rotations(KeyId=key_id)) == {"Rotations": [], "Truncated": False}
    # The first material is listed only with ALL_KEY_MATERIAL, without a rotation date.
    assert _rotations(client, key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL") == [
        {"KeyId": key_id, "KeyMaterialId": first, "KeyMaterialState": "CURRENT"}
    ]
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    kms.clock.advance(days=90)
    client.rotate_key_on_demand(KeyId=key_id)
    kms.clock.advance(days=1)
    entries = _rotations(client, key_id, IncludeKeyMaterial="ALL_KEY_MATERIAL")
    materials = [e["KeyMaterialId"] for e in entries]
    assert materials[0] == first
    assert len(set(materials)) == 3
    # Oldest first, as the guide's examples list them.
    assert entries[1:] == [
        {
            "KeyId": key_id,
            "KeyMaterialId": materials[1],
            "KeyMaterialState": "NON_CURRENT",
            "RotationDate": T0 + 90 * DAY,
            "RotationType": "AUTOMATIC",
        },
        {
            "KeyId": key_id,
            "KeyMaterialId": materials[2],
            "KeyMaterialState": "CURRENT",
            "RotationDate": T0 + 90 * DAY,
            "RotationType": "ON_DEMAND",
        },
    ]
    assert entries[0]["KeyMaterialState"] == "NON_CURRENT"
    assert _rotations(client, key_id, IncludeKeyMaterial="ROTATIONS_ONLY") == entries[1:]
    assert _rotations(client, key_id) == entries[1:]


def test_list_rotations_pages(client: KMSClient, key_id: str) -> None:
    for _ in range(5):
        client.rotate_key_on_demand(KeyId=key_id)
    everything = _rotations(client, key_id)
    assert len(everything) == 5
    seen: list[Any] = []
    marker: str | None = None
    pages = []
    while True:
        args: dict[str, Any] = {"KeyId": key_id, "Limit": 2}
        if marker is not None:
            args["Marker"] = marker
        response = client.list_key_rotations(**args)
        pages.append(len(response["Rotations"]))
        seen += response["Rotations"]
        assert response["Truncated"] is ("NextMarker" in response)
        if not response["Truncated"]:
            break
        marker = response["NextMarker"]
    assert pages == [2, 2, 1]
    assert seen == everything
    paginator = client.get_paginator("list_key_rotations")
    listed = [
        entry
        for page in paginator.paginate(KeyId=key_id, PaginationConfig={"PageSize": 3})
        for entry in page["Rotations"]
    ]
    assert listed == everything


def test_list_rotations_bad_marker(client: KMSClient, key_id: str) -> None:
    other = client.create_key()["KeyMetadata"]["KeyId"]
    for _ in range(2):
        client.rotate_key_on_demand(KeyId=other)
    foreign = client.list_key_rotations(KeyId=other, Limit=1)["NextMarker"]
    keys_marker = client.list_keys(Limit=1)["NextMarker"]
    # kmsmock's text (the shared pagination's): a marker of another listing is refused.
    for marker in ("garbage", foreign, keys_marker):
        assert _error(client.list_key_rotations, KeyId=key_id, Marker=marker) == (
            "InvalidMarkerException",
            "Invalid marker",
            400,
        )


# -- Done when: generations of data across automatic and on-demand rotations ---------


@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
@pytest.mark.needs_model(member="RotationsListEntry.KeyMaterialId")
@pytest.mark.needs_model(member="RotationsListEntry.KeyMaterialState")
def test_generations_of_data_survive_rotation(
    kms: MockKMS, frozen: None, client: KMSClient, key_id: str
) -> None:
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
    blobs: list[tuple[bytes, bytes, str]] = []

    def encrypt(plaintext: bytes) -> None:
        # Encrypt does not return the material it used: DescribeKey's current one.
        blob = client.encrypt(KeyId=key_id, Plaintext=plaintext)["CiphertextBlob"]
        blobs.append((blob, plaintext, _current(client, key_id)))

    encrypt(b"generation 0")
    kms.clock.advance(days=90)  # first automatic rotation, exactly on its date
    encrypt(b"generation 1")
    kms.clock.advance(days=100)  # day 190: second rotation happened at day 180
    encrypt(b"generation 2")
    client.rotate_key_on_demand(KeyId=key_id)  # day 190, on demand
    encrypt(b"generation 3")
    kms.clock.advance(days=181)  # day 371: rotations at 270 and 360, each on its own date
    encrypt(b"generation 4")

    assert len({material for _, _, material in blobs}) == 5
    for blob, plaintext, material in blobs:
        decrypted = client.decrypt(CiphertextBlob=blob)
        assert (decrypted["Plaintext"], decrypted["KeyMaterialId"]) == (plaintext, material)
    entries = _rotations(client, key_id)
    assert [(e["RotationType"], e["RotationDate"]) for e in entries] == [
        ("AUTOMATIC", T0 + 90 * DAY),
        ("AUTOMATIC", T0 + 180 * DAY),
        ("ON_DEMAND", T0 + 190 * DAY),
        ("AUTOMATIC", T0 + 270 * DAY),
        ("AUTOMATIC", T0 + 360 * DAY),
    ]
    # Generations 1, 2, 3 were encrypted under the first three rotations' materials; the
    # last blob under the rotation of day 360.
    rotated = [e["KeyMaterialId"] for e in entries]
    assert [material for _, _, material in blobs[1:]] == [*rotated[:3], rotated[4]]
    assert [e["KeyMaterialState"] for e in entries] == ["NON_CURRENT"] * 4 + ["CURRENT"]
    assert _status(client, key_id)["NextRotationDate"] == T0 + 450 * DAY


# -- property: whatever happens, every earlier blob still decrypts ---------------------

steps = st.lists(
    st.one_of(
        st.tuples(st.just("advance"), st.integers(min_value=0, max_value=400)),
        st.tuples(st.just("on_demand"), st.just(0)),
        st.tuples(st.just("disable_key"), st.just(0)),
        st.tuples(st.just("enable_key"), st.just(0)),
        st.tuples(st.just("period"), st.integers(min_value=90, max_value=400)),
    ),
    max_size=8,
)


@functools.cache
def _property_client() -> KMSClient:
    return boto3.client("kms", region_name="us-east-1")


@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
@pytest.mark.needs_model(member="RotationsListEntry.KeyMaterialId")
@settings(max_examples=30, deadline=None)
@given(steps=steps)
def test_every_generation_stays_decryptable(steps: list[tuple[str, int]]) -> None:
    with kmsmock.mock_kms(on_demand_rotation_limit=1000) as kms:
        client = _property_client()
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=90)
        blobs = []
        for number, (action, value) in enumerate(steps):
            if action == "advance":
                kms.clock.advance(days=value)
            elif action == "disable_key":
                client.disable_key(KeyId=key_id)
            elif action == "enable_key":
                client.enable_key(KeyId=key_id)
            elif client.describe_key(KeyId=key_id)["KeyMetadata"]["Enabled"]:
                if action == "on_demand":
                    client.rotate_key_on_demand(KeyId=key_id)
                else:
                    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=value)
            if client.describe_key(KeyId=key_id)["KeyMetadata"]["Enabled"]:
                plaintext = f"step {number}".encode()
                blob = client.encrypt(KeyId=key_id, Plaintext=plaintext)["CiphertextBlob"]
                blobs.append((blob, plaintext, _current(client, key_id)))
        client.enable_key(KeyId=key_id)
        for blob, plaintext, material in blobs:
            decrypted = client.decrypt(CiphertextBlob=blob)
            assert (decrypted["Plaintext"], decrypted["KeyMaterialId"]) == (plaintext, material)
        # Every rotation is listed, oldest first, with non-decreasing dates, and the last
        # one is the current material.
        entries = _rotations(client, key_id)
        dates = [e["RotationDate"] for e in entries]
        assert dates == sorted(dates)
        current = client.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
        if entries:
            assert entries[-1]["KeyMaterialId"] == current
        assert all(e["KeyMaterialState"] == "NON_CURRENT" for e in entries[:-1])
