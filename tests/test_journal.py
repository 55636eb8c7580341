"""The journal (kms.calls): parameters, keys, channel, decisions, explain, CloudTrail export."""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import os
import tracemalloc
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from kmsmock import Call, MockKMS, mock_kms
from kmsmock.server import ThreadedKMSServer
from tests._helpers import client_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

A = "123456789012"
NO_RETRIES = Config(retries={"total_max_attempts": 1})
ALLOW_ALL = {"Statement": {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}}


def _client(**credentials: str) -> KMSClient:
    return boto3.client("kms", region_name="us-east-1", config=NO_RETRIES, **credentials)  # type: ignore[call-overload, no-any-return]


@pytest.fixture
def kms() -> Iterator[MockKMS]:
    with mock_kms() as mock:
        yield mock


def _policy(*statements: Mapping[str, object]) -> str:
    root = {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [root, *statements]})


def test_journal_encrypt_record(kms: MockKMS) -> None:
    client = _client()
    arn = client.create_key()["KeyMetadata"]["Arn"]
    key_id = arn.rsplit("/", 1)[1]
    response = client.encrypt(
        KeyId=key_id, Plaintext=b"secret", EncryptionContext={"purpose": "test"}
    )
    call = kms.calls[-1]
    assert call.operation == "Encrypt"
    assert call.parameters == {
        "KeyId": key_id,
        "Plaintext": "<redacted>",
        "EncryptionContext": {"purpose": "test"},
    }
    assert call.keys == (arn,)
    assert call.channel == "in-process"
    assert call.request_id == response["ResponseMetadata"]["RequestId"]
    assert call.fault is None
    assert (call.error, call.message) == (None, None)
    assert call.time == pytest.approx(kms.clock.now(), abs=5)
    assert kms.calls[0].keys == (arn,)


def test_journal_error_code_and_message(kms: MockKMS) -> None:
    with pytest.raises(ClientError):
        _client().describe_key(KeyId="alias/missing")
    call = kms.calls[-1]
    assert (call.error, call.message) == (
        "NotFoundException",
        f"Alias arn:aws:kms:us-east-1:{A}:alias/missing is not found.",
    )
    assert call.keys == ()


def test_journal_secrets_redacted_in_nested_members(kms: MockKMS) -> None:
    client = _client()
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    blob = client.encrypt(KeyId=key_id, Plaintext=b"p")["CiphertextBlob"]
    client.decrypt(CiphertextBlob=blob)
    client.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    decrypt, generate = kms.calls[-2:]
    assert decrypt.parameters == {"CiphertextBlob": "<redacted>"}
    assert decrypt.keys == (kms.key(key_id).arn,)
    assert generate.parameters == {"KeyId": key_id, "KeySpec": "AES_256"}


def test_journal_long_policy_kept_as_its_length(kms: MockKMS) -> None:
    padding = {
        "Sid": "x" * 5000,
        "Effect": "Allow",
        "Principal": "*",
        "Action": "kms:Get*",
        "Resource": "*",
    }
    policy = _policy(padding)
    _client().create_key(Policy=policy)
    assert kms.calls[-1].parameters == {"Policy": f"<{len(policy)} characters>"}


def test_journal_filter(kms: MockKMS) -> None:
    client = _client()
    first = client.create_key()["KeyMetadata"]
    second = client.create_key()["KeyMetadata"]["KeyId"]
    client.create_alias(AliasName="alias/first", TargetKeyId=first["KeyId"])
    client.encrypt(KeyId="alias/first", Plaintext=b"1")
    client.encrypt(KeyId=second, Plaintext=b"2")
    with pytest.raises(ClientError):
        client.encrypt(KeyId="alias/nothing", Plaintext=b"3")
    assert len(kms.calls.filter(operation="Encrypt")) == 3
    by_first = kms.calls.filter(key=first["KeyId"])
    assert [c.operation for c in by_first] == ["CreateKey", "CreateAlias", "Encrypt"]
    assert kms.calls.filter(key=first["Arn"]) == by_first
    assert [c.operation for c in kms.calls.filter(key="alias/first")] == ["Encrypt"]
    failed = kms.calls.filter(error="NotFoundException")
    assert [c.parameters for c in failed] == [{"KeyId": "alias/nothing", "Plaintext": "<redacted>"}]
    assert kms.calls.filter(error=True) == failed
    assert len(kms.calls.filter(error=False)) == 5
    with pytest.raises(TypeError):
        kms.calls.filter(operation=1)  # type: ignore[arg-type]
    kms.calls.clear()
    assert kms.calls.filter() == []


def test_journal_explicit_deny_explained_by_sid(kms: MockKMS) -> None:
    alice = kms.user("alice", policy=ALLOW_ALL)
    deny = {
        "Sid": "NoEncryptForAlice",
        "Effect": "Deny",
        "Principal": {"AWS": alice.arn},
        "Action": "kms:Encrypt",
        "Resource": "*",
    }
    key_id = _client().create_key(Policy=_policy(deny))["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError):
        _client(**alice.credentials).encrypt(KeyId=key_id, Plaintext=b"x")
    call = kms.calls[-1]
    (decision,) = call.decisions
    assert (decision.effect, decision.decided_by, decision.key_statement) == (
        "ExplicitDeny",
        "key policy",
        "NoEncryptForAlice",
    )
    arn = kms.key(key_id).arn
    assert kms.explain(call) == (
        f"Encrypt by {alice.arn}:\n"
        f"  Denied kms:Encrypt on {arn} by an explicit Deny: statement 'NoEncryptForAlice' "
        "of the key policy. An explicit Deny always wins."
    )


def test_journal_iam_deny_names_policy_and_statement(kms: MockKMS) -> None:
    bob = kms.user(
        "bob",
        policy=[
            ALLOW_ALL,
            {"Statement": [{"Effect": "Deny", "Action": "kms:ListKeys", "Resource": "*"}]},
        ],
    )
    with pytest.raises(ClientError):
        _client(**bob.credentials).list_keys()
    (decision,) = kms.calls[-1].decisions
    assert (decision.effect, decision.iam_policy, decision.iam_statement) == (
        "ExplicitDeny",
        2,
        "#1",
    )
    assert "statement #1 (no Sid) of the caller's IAM policy #2" in kms.explain(kms.calls[-1])


def test_journal_default_allow_and_grant_explained(kms: MockKMS) -> None:
    # An IAM policy that allows nothing about keys: only the grant can.
    carol = kms.user(
        "carol",
        policy={"Statement": {"Effect": "Allow", "Action": "kms:ListKeys", "Resource": "*"}},
    )
    client = _client()
    key_id = client.create_key(Policy=_policy())["KeyMetadata"]["KeyId"]
    grant_id = client.create_grant(
        KeyId=key_id, GranteePrincipal=carol.arn, Operations=["Encrypt"]
    )["GrantId"]
    _client(**carol.credentials).encrypt(KeyId=key_id, Plaintext=b"x")
    arn = kms.key(key_id).arn
    assert kms.explain(kms.calls[-1]) == (
        f"Encrypt by {carol.arn}:\n  Allowed kms:Encrypt on {arn} by grant {grant_id}."
    )
    assert kms.explain(kms.calls[0]).startswith(
        f"CreateKey by arn:aws:iam::{A}:root:\n  Allowed kms:CreateKey on *: "
        "the caller has no IAM policies"
    )


def test_journal_implicit_deny_explained(kms: MockKMS) -> None:
    dave = kms.user("dave")
    key_id = _client().create_key()["KeyMetadata"]["KeyId"]
    # An IAM policy that allows nothing about this key.
    dave.set_policies({"Statement": {"Effect": "Allow", "Action": "kms:ListKeys", "Resource": "*"}})
    with pytest.raises(ClientError):
        _client(**dave.credentials).encrypt(KeyId=key_id, Plaintext=b"x")
    (decision,) = kms.calls[-1].decisions
    assert decision.effect == "ImplicitDeny"
    assert "nothing allows it" in kms.explain(kms.calls[-1])


def test_journal_explain_refuses_other_things(kms: MockKMS) -> None:
    with pytest.raises(TypeError):
        kms.explain("Encrypt")  # type: ignore[arg-type]


def test_journal_cloudtrail_records(kms: MockKMS) -> None:
    alice = kms.user("alice", policy=ALLOW_ALL)
    client = _client(**alice.credentials)
    arn = client.create_key()["KeyMetadata"]["Arn"]
    response = client.encrypt(KeyId=arn, Plaintext=b"x", EncryptionContext={"Department": "IT"})
    kms.faults.add("ThrottlingException", times=1)
    with pytest.raises(ClientError):
        client.list_keys()
    events = kms.calls.cloudtrail()
    json.dumps(events)
    create, encrypt, throttled = events
    assert encrypt == {
        "eventVersion": "1.11",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": encrypt["userIdentity"]["principalId"],
            "arn": alice.arn,
            "accountId": A,
            "accessKeyId": alice.access_key_id,
            "userName": "alice",
        },
        "eventTime": encrypt["eventTime"],
        "eventSource": "kms.amazonaws.com",
        "eventName": "Encrypt",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "127.0.0.1",
        "userAgent": encrypt["userAgent"],
        "requestParameters": {"keyId": arn, "encryptionContext": {"Department": "IT"}},
        "responseElements": None,
        "requestID": response["ResponseMetadata"]["RequestId"],
        "eventID": encrypt["eventID"],
        "readOnly": True,
        "resources": [{"accountId": A, "type": "AWS::KMS::Key", "ARN": arn}],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": A,
        "eventCategory": "Management",
    }
    assert encrypt["userIdentity"]["principalId"].startswith("AIDA")
    assert encrypt["userAgent"].startswith("Boto3/")
    assert uuid.UUID(encrypt["eventID"]).version == 4
    assert encrypt["eventTime"].endswith("Z")
    assert (create["readOnly"], create["resources"][0]["ARN"]) == (False, arn)
    assert (throttled["errorCode"], throttled["requestParameters"]) == (
        "ThrottlingException",
        None,
    )
    assert throttled["errorMessage"].startswith("You have exceeded the rate")


@pytest.mark.needs_model(operation="GetKeyLastUsage")
def test_journal_cloudtrail_event_id_matches_key_last_usage(kms: MockKMS) -> None:
    client = _client()
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    client.encrypt(KeyId=key_id, Plaintext=b"x")
    usage = client.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]
    encrypt = kms.calls.cloudtrail()[1]
    assert encrypt["eventID"] == usage["CloudTrailEventId"]


def test_journal_channels_http_and_requests() -> None:
    with ThreadedKMSServer() as server:
        client = client_of(server.endpoint_url)
        client.list_keys()
        assert server.mock.calls[-1].channel == "http"
    with mock_kms() as kms:
        response = requests.post(
            "https://kms.us-east-1.amazonaws.com/",
            data=b"{}",
            headers={
                "X-Amz-Target": "TrentService.ListKeys",
                "Content-Type": "application/x-amz-json-1.1",
            },
            timeout=5,
        )
        # Unsigned: refused, and recorded as it came.
        assert response.status_code == 400
        call = kms.calls[-1]
        assert (call.channel, call.error) == ("requests", "MissingAuthenticationTokenException")


def _library(module: str) -> Any:
    # As tests/test_async.py: required where .ci/async-tests says so, else skipped.
    required = os.environ.get("KMSMOCK_ASYNC_REQUIRED", "").split()
    if module.partition(".")[0] in required:
        return importlib.import_module(module)
    return pytest.importorskip(module)


def test_journal_channel_async() -> None:
    session = _library("aiobotocore.session").get_session()

    async def list_keys() -> None:
        async with session.create_client("kms", region_name="us-east-1") as client:
            await client.list_keys()

    with mock_kms() as kms:
        asyncio.run(list_keys())
        _client().list_keys()
        assert [c.channel for c in kms.calls] == ["async", "in-process"]


def test_journal_call_positional_construction_still_works() -> None:
    call = Call(1.0, A, "us-east-1", f"arn:aws:iam::{A}:root", "ListKeys", None)
    assert (call.parameters, call.channel, call.decisions, call.keys) == (
        None,
        "in-process",
        (),
        (),
    )


def _memory_per_encrypt(journal: bool, operation: str = "Encrypt") -> float:
    with mock_kms(journal=journal):
        client = _client()
        key_id = client.create_key()["KeyMetadata"]["KeyId"]

        def call() -> object:
            if operation == "CreateKey":
                return client.create_key()
            return client.encrypt(KeyId=key_id, Plaintext=b"x" * 64)

        for _ in range(20):
            call()
        count = 300
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        for _ in range(count):
            call()
        gc.collect()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
    # Only what kmsmock's own code allocated and kept: the record is made there, and
    # other threads (a server left by an earlier test, botocore's caches) stay out.
    mine = [tracemalloc.Filter(True, "*/kmsmock/*")]
    kept = after.filter_traces(mine).compare_to(before.filter_traces(mine), "filename")
    return sum(s.size_diff for s in kept) / count


def test_journal_encrypt_record_memory_is_small() -> None:
    # What a record costs: the memory Encrypts leave behind with the journal on, less
    # what they leave with it off (botocore's own caches).
    cost = _memory_per_encrypt(True) - _memory_per_encrypt(False)
    assert 100 < cost < 800


def test_journal_create_key_record_memory_is_small() -> None:
    # A CreateKey's record keeps the key's own id, not a new ARN (124 bytes), and its
    # request id as a number, not a new text (85 bytes): the record's tuple, its time
    # and that number are all that is left.
    cost = _memory_per_encrypt(True, "CreateKey") - _memory_per_encrypt(False, "CreateKey")
    assert 100 < cost < 300


@pytest.mark.parametrize("region", ["eu-west-1", "cn-north-1", "us-gov-west-1"])
def test_journal_create_key_records_the_key_made(kms: MockKMS, region: str) -> None:
    client = boto3.client("kms", region_name=region)
    made = client.create_key()["KeyMetadata"]
    response = client.describe_key(KeyId=made["KeyId"])
    create, describe = kms.calls[-2:]
    assert (create.created, create.keys) == (made["Arn"], (made["Arn"],))
    assert create.request_id != describe.request_id
    assert describe.request_id == response["ResponseMetadata"]["RequestId"]
    assert describe.created is None


def test_journal_request_ids_go_on_across_a_loaded_state(tmp_path: Path) -> None:
    # Seeded: a loaded state's backend starts from the seed again, but its request ids
    # go on from the mock's sequence rather than repeat the ids already answered.
    kms = mock_kms(seed=7)
    kms.start()
    client = _client()
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    before = [client.describe_key(KeyId=key_id)["ResponseMetadata"]["RequestId"]]
    kms.save(tmp_path / "state.json")
    kms.load(tmp_path / "state.json")
    after = client.describe_key(KeyId=key_id)["ResponseMetadata"]["RequestId"]
    ids = [call.request_id for call in kms.calls]
    kms.stop()
    assert ids[1:] == [*before, after]
    assert len(set(ids)) == 3


def test_journal_replicate_key_records_the_replica(kms: MockKMS) -> None:
    primary = _client().create_key(MultiRegion=True)["KeyMetadata"]
    replica = _client().replicate_key(KeyId=primary["KeyId"], ReplicaRegion="eu-west-1")
    call = kms.calls[-1]
    assert call.created == replica["ReplicaKeyMetadata"]["Arn"]
    assert call.keys == (primary["Arn"], replica["ReplicaKeyMetadata"]["Arn"])


def test_journal_explain_of_faulted_calls(kms: MockKMS) -> None:
    kms.faults.add("ThrottlingException", times=1)
    kms.faults.add(None, delay=0.01, times=1)
    with pytest.raises(ClientError):
        _client().list_keys()
    _client().list_keys()
    throttled, delayed = kms.calls
    root = f"arn:aws:iam::{A}:root"
    assert kms.explain(throttled) == (
        f"ListKeys by {root}: answered ThrottlingException by the injected fault fault-1."
    )
    assert kms.explain(delayed) == (
        f"ListKeys by {root} (delayed by the injected fault fault-2):\n"
        "  Allowed kms:ListKeys on *: the caller has no IAM policies, which kmsmock takes "
        "as IAM allowing."
    )
