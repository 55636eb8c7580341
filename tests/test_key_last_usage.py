"""GetKeyLastUsage: the last successful cryptographic use of a key.

Facts: botocore's model (GetKeyLastUsage and KeyLastUsageData documentation: tracked
operations, ReEncrypt recorded on both keys, multi-Region members tracked independently,
no cross-account use, "an empty object" when unused), KMS_BEHAVIOUR.md section 1 (key ID
or ARN only) and section 11, and the KMS developer guide's example response (bare KeyId,
Timestamp in whole seconds).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import boto3
import pytest
import time_machine
from botocore.exceptions import ClientError

from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

ACCOUNT = "123456789012"
OTHER = "210987654321"
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

pytestmark = pytest.mark.needs_model(operation="GetKeyLastUsage")


def _usage(client: KMSClient, key_id: str) -> dict[str, Any]:
    response = dict(client.get_key_last_usage(KeyId=key_id))
    del response["ResponseMetadata"]
    return response


def _last(client: KMSClient, key_id: str) -> dict[str, Any]:
    usage: dict[str, Any] = dict(_usage(client, key_id)["KeyLastUsage"])
    return usage


def _request_id(response: Any) -> str:
    request_id: str = response["ResponseMetadata"]["RequestId"]
    return request_id


def _error(call: Callable[[], object]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call()
    return error_of(info)


# -- the response --------------------------------------------------------------------


def test_a_key_never_used(client: KMSClient) -> None:
    metadata = client.create_key()["KeyMetadata"]
    # The model: KeyLastUsage is "an empty object" when unused; tracking starts at creation.
    assert _usage(client, metadata["Arn"]) == {
        "KeyId": metadata["KeyId"],
        "KeyLastUsage": {},
        "TrackingStartDate": metadata["CreationDate"],
        "KeyCreationDate": metadata["CreationDate"],
    }


def test_encrypt_is_recorded(client: KMSClient, key_id: str) -> None:
    moment = datetime(2030, 5, 6, 7, 8, 9, 750000, tzinfo=timezone.utc)
    with time_machine.travel(moment, tick=False):
        response = client.encrypt(KeyId=key_id, Plaintext=b"x")
        usage = _usage(client, key_id)
    last = usage["KeyLastUsage"]
    assert last.pop("CloudTrailEventId") is not None
    # Whole seconds, as in AWS's published example ("Timestamp": 1773253497.0).
    assert last == {
        "Operation": "Encrypt",
        "Timestamp": moment.replace(microsecond=0),
        "KmsRequestId": _request_id(response),
    }
    assert usage["KeyId"] == key_id


def test_the_cloudtrail_event_id_is_a_stable_uuid(client: KMSClient, key_id: str) -> None:
    client.encrypt(KeyId=key_id, Plaintext=b"x")
    first = _last(client, key_id)["CloudTrailEventId"]
    assert UUID_RE.fullmatch(first)
    assert _last(client, key_id)["CloudTrailEventId"] == first
    client.encrypt(KeyId=key_id, Plaintext=b"x")
    assert _last(client, key_id)["CloudTrailEventId"] != first


OPERATIONS: list[tuple[str, Callable[[KMSClient, str, bytes], Any]]] = [
    ("Encrypt", lambda c, k, blob: c.encrypt(KeyId=k, Plaintext=b"x")),
    ("Decrypt", lambda c, k, blob: c.decrypt(CiphertextBlob=blob)),
    ("GenerateDataKey", lambda c, k, blob: c.generate_data_key(KeyId=k, NumberOfBytes=16)),
    (
        "GenerateDataKeyWithoutPlaintext",
        lambda c, k, blob: c.generate_data_key_without_plaintext(KeyId=k, KeySpec="AES_128"),
    ),
    ("ReEncrypt", lambda c, k, blob: c.re_encrypt(CiphertextBlob=blob, DestinationKeyId=k)),
]


@pytest.mark.parametrize(("name", "call"), OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_each_cryptographic_operation(
    client: KMSClient, key_id: str, name: str, call: Callable[[KMSClient, str, bytes], Any]
) -> None:
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    response = call(client, key_id, blob)
    last = _last(client, key_id)
    assert (last["Operation"], last["KmsRequestId"]) == (name, _request_id(response))


def test_the_latest_use_wins(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    blob = client.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    kms.clock.advance(days=3)
    response = client.decrypt(CiphertextBlob=blob)
    last = _last(client, key_id)
    assert (last["Operation"], last["KmsRequestId"]) == ("Decrypt", _request_id(response))
    assert last["Timestamp"].timestamp() == int(kms.clock.now())


def test_reencrypt_records_both_keys(client: KMSClient, key_id: str) -> None:
    destination = client.create_key()["KeyMetadata"]["KeyId"]
    blob = client.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    response = client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=destination)
    source_use, destination_use = _last(client, key_id), _last(client, destination)
    assert source_use["Operation"] == destination_use["Operation"] == "ReEncrypt"
    assert source_use["KmsRequestId"] == destination_use["KmsRequestId"] == _request_id(response)
    # One call, one CloudTrail event in the one account both keys belong to.
    assert source_use["CloudTrailEventId"] == destination_use["CloudTrailEventId"]


def test_reencrypt_into_another_account(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    # Each key's record carries the event of its own owner's account (model doc).
    other = kms.root(OTHER).client()
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:ReEncrypt*",
                "Resource": "*",
            },
        ],
    }
    theirs = other.create_key(Policy=json.dumps(policy))["KeyMetadata"]
    blob = client.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    response = client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=theirs["Arn"])
    mine, their_use = _last(client, key_id), _last(other, theirs["KeyId"])
    assert mine["KmsRequestId"] == their_use["KmsRequestId"] == _request_id(response)
    assert mine["CloudTrailEventId"] != their_use["CloudTrailEventId"]
    assert UUID_RE.fullmatch(their_use["CloudTrailEventId"])


def test_multi_region_members_track_independently(kms: MockKMS) -> None:
    east = boto3.client("kms", region_name="us-east-1")
    west = boto3.client("kms", region_name="eu-west-1")
    key_id = east.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    east.replicate_key(KeyId=key_id, ReplicaRegion="eu-west-1")
    kms.clock.advance(seconds=1)
    blob = east.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    assert _last(west, key_id) == {}
    response = west.decrypt(CiphertextBlob=blob)
    assert (_last(west, key_id)["Operation"], _last(west, key_id)["KmsRequestId"]) == (
        "Decrypt",
        _request_id(response),
    )
    assert _last(east, key_id)["Operation"] == "Encrypt"


def test_managed_key_use_through_its_service(kms: MockKMS, client: KMSClient) -> None:
    key_id = client.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["KeyId"]
    through_s3 = kms.root().client(via_service="s3.us-east-1.amazonaws.com")
    response = through_s3.generate_data_key(KeyId="alias/aws/s3", KeySpec="AES_256")
    last = _last(client, key_id)
    assert (last["Operation"], last["KmsRequestId"]) == ("GenerateDataKey", _request_id(response))


# -- what is not a use ---------------------------------------------------------------


def test_failures_and_dry_runs_are_not_uses(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    blob = client.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext={"a": "b"})[
        "CiphertextBlob"
    ]
    before = _last(client, key_id)
    kms.clock.advance(seconds=5)
    with pytest.raises(client.exceptions.DryRunOperationException, match="DryRun option is set"):
        client.encrypt(KeyId=key_id, Plaintext=b"x", DryRun=True)
    with pytest.raises(client.exceptions.DryRunOperationException, match="DryRun option is set"):
        client.decrypt(CiphertextBlob=blob, EncryptionContext={"a": "b"}, DryRun=True)
    with pytest.raises(client.exceptions.InvalidCiphertextException) as info:
        client.decrypt(CiphertextBlob=blob)  # without its encryption context
    assert error_of(info) == ("InvalidCiphertextException", "", 400)
    with pytest.raises(client.exceptions.DryRunOperationException, match="DryRun option is set"):
        client.generate_data_key(KeyId=key_id, KeySpec="AES_256", DryRun=True)
    client.disable_key(KeyId=key_id)
    with pytest.raises(client.exceptions.DisabledException) as info:
        client.encrypt(KeyId=key_id, Plaintext=b"x")
    arn = client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    assert error_of(info) == ("DisabledException", f"{arn} is disabled.", 400)
    assert _last(client, key_id) == before


def test_denied_calls_are_not_uses(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    statement = {"Effect": "Allow", "Action": "kms:DescribeKey", "Resource": "*"}
    bob = kms.user("bob", policy={"Version": "2012-10-17", "Statement": [statement]})
    assert _error(lambda: bob.client().encrypt(KeyId=key_id, Plaintext=b"x"))[0] == (
        "AccessDeniedException"
    )
    assert _last(client, key_id) == {}


def test_management_calls_are_not_uses(client: KMSClient, key_id: str) -> None:
    client.describe_key(KeyId=key_id)
    client.get_key_policy(KeyId=key_id)
    client.tag_resource(KeyId=key_id, Tags=[{"TagKey": "k", "TagValue": "v"}])
    client.create_grant(
        KeyId=key_id, GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:root", Operations=["Encrypt"]
    )
    client.generate_random(NumberOfBytes=8)
    assert _last(client, key_id) == {}


# -- identifiers, states, permissions --------------------------------------------------


def test_aliases_are_not_accepted(client: KMSClient, key_id: str) -> None:
    client.create_alias(AliasName="alias/app", TargetKeyId=key_id)
    alias_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/app"
    # Reference section 1: management identifiers only; an alias is "Invalid keyId".
    for alias in ("alias/app", alias_arn):
        with pytest.raises(ClientError) as info:
            client.get_key_last_usage(KeyId=alias)
        assert error_of(info) == ("NotFoundException", f"Invalid keyId '{alias}'", 400)


def test_missing_and_malformed_keys(client: KMSClient) -> None:
    missing = str(uuid.uuid4())
    assert _error(lambda: client.get_key_last_usage(KeyId=missing)) == (
        "NotFoundException",
        f"Key 'arn:aws:kms:us-east-1:{ACCOUNT}:key/{missing}' does not exist",
        400,
    )
    assert _error(lambda: client.get_key_last_usage(KeyId="fake-key-id")) == (
        "NotFoundException",
        "Invalid keyId 'fake-key-id'",
        400,
    )


def test_no_cross_account_use(kms: MockKMS, client: KMSClient) -> None:
    # The model: "Cross-account use: No"; such a key is answered as missing.
    theirs = kms.root(OTHER).client().create_key()["KeyMetadata"]["Arn"]
    assert _error(lambda: client.get_key_last_usage(KeyId=theirs)) == (
        "NotFoundException",
        f"Key '{theirs}' does not exist",
        400,
    )


def test_every_key_state(client: KMSClient, key_id: str) -> None:
    response = client.encrypt(KeyId=key_id, Plaintext=b"x")
    client.disable_key(KeyId=key_id)
    assert _last(client, key_id)["KmsRequestId"] == _request_id(response)
    client.schedule_key_deletion(KeyId=key_id)
    assert _last(client, key_id)["KmsRequestId"] == _request_id(response)
    pending = client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    assert _last(client, pending) == {}


def test_needs_kms_get_key_last_usage(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    arn = client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    carol = kms.user(
        "carol",
        policy={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "kms:Describe*", "Resource": "*"}],
        },
    )
    assert _error(lambda: carol.client().get_key_last_usage(KeyId=key_id)) == (
        "AccessDeniedException",
        f"User: {carol.arn} is not authorized to perform: kms:GetKeyLastUsage on resource: "
        f"{arn} because no identity-based policy allows the kms:GetKeyLastUsage action",
        400,
    )
    carol.attach_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "kms:GetKeyLastUsage", "Resource": arn}],
        }
    )
    assert carol.client().get_key_last_usage(KeyId=arn)["KeyLastUsage"] == {}
