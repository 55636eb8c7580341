"""Hostile and careless input (issue 10, D1-D11): an AWS answer or a clear Python error
from the mock's own API, never a traceback from inside a request, never state left
behind by a refusal or a lookup."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from kmsmock import KeyState, mock_kms
from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

ACCOUNT = "123456789012"
OTHER = "210987654321"
URL = "https://kms.us-east-1.amazonaws.com/"


def _auth(region: str = "us-east-1") -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261204/{region}/kms/aws4_request, "
        "SignedHeaders=host, Signature=0"
    )


def _raw(
    kms: MockKMS, operation: str, body: bytes, region: str = "us-east-1"
) -> tuple[int, dict[str, Any]]:
    headers = {
        "X-Amz-Target": f"TrentService.{operation}",
        "Content-Type": "application/x-amz-json-1.1",
        "Authorization": _auth(region),
    }
    status, _, response = kms.handle("POST", URL, headers, body)
    return status, json.loads(response)


def _unvalidated(kms: MockKMS) -> KMSClient:
    return boto3.client("kms", region_name=kms.region, config=Config(parameter_validation=False))


# -- D1, D4: lone surrogates ----------------------------------------------------------

SURROGATE_CONTEXT = {"\ud800": "v"}


def _context_calls(client: KMSClient, key_id: str, blob: bytes) -> list[Callable[[], object]]:
    ctx = SURROGATE_CONTEXT
    return [
        lambda: client.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext=ctx),
        lambda: client.decrypt(CiphertextBlob=blob, EncryptionContext=ctx),
        lambda: client.re_encrypt(
            CiphertextBlob=blob, DestinationKeyId=key_id, SourceEncryptionContext=ctx
        ),
        lambda: client.re_encrypt(
            CiphertextBlob=blob, DestinationKeyId=key_id, DestinationEncryptionContext=ctx
        ),
        lambda: client.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext=ctx),
        lambda: client.generate_data_key_without_plaintext(
            KeyId=key_id, NumberOfBytes=16, EncryptionContext=ctx
        ),
        lambda: client.generate_data_key_pair(
            KeyId=key_id, KeyPairSpec="ECC_NIST_P256", EncryptionContext=ctx
        ),
        lambda: client.generate_data_key_pair_without_plaintext(
            KeyId=key_id, KeyPairSpec="ECC_NIST_P256", EncryptionContext=ctx
        ),
    ]


def test_lone_surrogate_in_encryption_context_is_a_serialization_error(
    client: KMSClient, key_id: str
) -> None:
    blob = client.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    calls = _context_calls(client, key_id, blob)
    members = [
        "encryptionContext",
        "encryptionContext",
        "sourceEncryptionContext",
        "destinationEncryptionContext",
        "encryptionContext",
        "encryptionContext",
        "encryptionContext",
        "encryptionContext",
    ]
    for call, member in zip(calls, members, strict=True):
        with pytest.raises(ClientError) as info:
            call()
        assert error_of(info) == (
            "SerializationException",
            f"Invalid string at '{member}.key': lone UTF-16 surrogate \\ud800",
            400,
        )


def test_lone_surrogate_message_names_where_it_was(client: KMSClient, key_id: str) -> None:
    with pytest.raises(ClientError) as info:
        client.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext={"k": "a\udfffb"})
    assert error_of(info) == (
        "SerializationException",
        "Invalid string at 'encryptionContext.k': lone UTF-16 surrogate \\udfff",
        400,
    )


def test_surrogate_pairs_spelled_as_escapes_are_ordinary_text(
    client: KMSClient, key_id: str
) -> None:
    # json.dumps writes U+1F511 as the escape pair \ud83d\udd11: one valid character.
    context = {"emoji": "\U0001f511"}
    blob = client.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext=context)
    assert client.decrypt(CiphertextBlob=blob["CiphertextBlob"], EncryptionContext=context)[
        "Plaintext"
    ] == (b"x")


def test_lone_surrogate_tags_are_refused_and_listing_still_works(
    kms: MockKMS, client: KMSClient, key_id: str
) -> None:
    with pytest.raises(ClientError) as info:
        client.tag_resource(
            KeyId=key_id,
            Tags=[
                {"TagKey": "\ud800a", "TagValue": "v"},
                {"TagKey": "\ud800b", "TagValue": "v"},
            ],
        )
    assert error_of(info) == (
        "SerializationException",
        "Invalid string at 'tags.1.member.tagKey': lone UTF-16 surrogate \\ud800",
        400,
    )
    assert kms.key(key_id).tags == {}
    client.tag_resource(
        KeyId=key_id, Tags=[{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}]
    )
    first = client.list_resource_tags(KeyId=key_id, Limit=1)
    rest = client.list_resource_tags(KeyId=key_id, Limit=1, Marker=first["NextMarker"])
    assert [t["TagKey"] for t in first["Tags"] + rest["Tags"]] == ["a", "b"]


# -- D2: nesting ----------------------------------------------------------------------


def test_deeply_nested_body_is_a_serialization_error(kms: MockKMS) -> None:
    status, body = _raw(kms, "ListKeys", b"[" * 1000 + b"]" * 1000)
    assert (status, body) == (
        400,
        {
            "__type": "SerializationException",
            "message": "Invalid JSON in request body: nested deeper than 100 levels",
        },
    )


def test_nesting_inside_a_member_is_refused_before_parsing(kms: MockKMS) -> None:
    deep = b'{"Limit": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    status, body = _raw(kms, "ListKeys", deep)
    assert (status, body["__type"]) == (400, "SerializationException")
    assert "nested deeper than 100 levels" in body["message"]


def test_nesting_at_the_limit_is_parsed_and_fails_its_shape(kms: MockKMS) -> None:
    # 100 levels in all: the body's object and 99 lists.
    status, body = _raw(kms, "ListKeys", b'{"Limit": ' + b"[" * 99 + b"]" * 99 + b"}")
    assert (status, body) == (
        400,
        {"__type": "SerializationException", "message": "Expected integer but found list"},
    )


def test_brackets_inside_strings_do_not_count_as_nesting(kms: MockKMS) -> None:
    text = json.dumps({"Marker": "[" * 500 + '"\\' + "{" * 500}).encode()
    status, body = _raw(kms, "ListKeys", text)
    # Parsed, then refused as a marker kmsmock never issued.
    assert (status, body["__type"]) == (400, "InvalidMarkerException")


# -- D5 and other numbers ---------------------------------------------------------------


def test_import_valid_to_too_large_for_a_float(kms: MockKMS, client: KMSClient) -> None:
    key_id = client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    body = json.dumps(
        {
            "KeyId": key_id,
            "ImportToken": "AAAA",
            "EncryptedKeyMaterial": "AAAA",
            "ExpirationModel": "KEY_MATERIAL_EXPIRES",
            "ValidTo": 0,
        }
    ).encode()
    body = body.replace(b'"ValidTo": 0', b'"ValidTo": 1' + b"0" * 400)
    status, answer = _raw(kms, "ImportKeyMaterial", body)
    assert (status, answer) == (
        400,
        {"__type": "SerializationException", "message": "Timestamp at 'validTo' is out of range"},
    )
    assert kms.key(key_id).state is KeyState.PENDING_IMPORT


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_json_number_literals_are_refused(kms: MockKMS, literal: bytes) -> None:
    status, body = _raw(kms, "ListKeys", b'{"Limit": ' + literal + b"}")
    assert (status, body) == (
        400,
        {"__type": "SerializationException", "message": "Invalid JSON in request body"},
    )


def test_float_overflowing_to_infinity_is_not_a_timestamp(kms: MockKMS) -> None:
    status, body = _raw(kms, "ImportKeyMaterial", b'{"ValidTo": 1e400}')
    assert (status, body["__type"]) == (400, "SerializationException")


def test_integer_outside_java_int_is_a_serialization_error(kms: MockKMS) -> None:
    status, body = _raw(kms, "ListKeys", b'{"Limit": 2147483648}')
    assert (status, body) == (
        400,
        {
            "__type": "SerializationException",
            "message": "Numeric value (2147483648) out of range of int "
            "(-2147483648 - 2147483647) at 'limit'",
        },
    )
    status, body = _raw(kms, "ListKeys", b'{"Limit": 2147483647}')
    assert body["__type"] == "ValidationException"


def test_huge_integer_is_shown_shortened(kms: MockKMS) -> None:
    status, body = _raw(kms, "ListKeys", b'{"Limit": 1' + b"0" * 1000 + b"}")
    assert status == 400
    assert body["message"].startswith("Numeric value (1" + "0" * 39 + "...) out of range of int")


# -- D6: an operation the installed model lacks ------------------------------------------


def test_operation_missing_from_the_model_is_unknown(
    kms: MockKMS, client: KMSClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kmsmock import _dispatch
    from kmsmock._model import service_model

    model = service_model()

    class OlderModel:
        operation_names = [n for n in model.operation_names if n != "Encapsulate"]

    from kmsmock import _transport

    # An older botocore: both places that consult the model see it.
    monkeypatch.setattr(_dispatch, "service_model", lambda: OlderModel)
    monkeypatch.setattr(_transport, "service_model", lambda: OlderModel)
    monkeypatch.delitem(_dispatch._READY, "Encapsulate", raising=False)
    status, body = _raw(kms, "Encapsulate", b'{"KeyId": "x", "EncapsulationAlgorithm": "y"}')
    assert (status, body) == (400, {"__type": "UnknownOperationException"})


# -- D8: the clock ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("move", "error"),
    [
        (lambda c: c.advance(days=math.nan), "days must be a number, not NaN"),
        (lambda c: c.advance(hours=math.inf), "cannot advance by an infinite amount"),
        (lambda c: c.advance(days=math.inf, seconds=-math.inf), "infinite amount"),
        (lambda c: c.set(math.nan), "when must be a number, not NaN"),
        (lambda c: c.set(math.inf), "stays between 1970-01-01 and 9990-01-01"),
        (lambda c: c.set(1e12), "stays between 1970-01-01 and 9990-01-01"),
        (lambda c: c.set(-1), "stays between 1970-01-01 and 9990-01-01"),
        (
            lambda c: c.set(dt.datetime(9995, 1, 1, tzinfo=dt.timezone.utc)),
            "stays between 1970-01-01 and 9990-01-01",
        ),
        (lambda c: c.advance(days=10_000_000), "stays between 1970-01-01 and 9990-01-01"),
        (lambda c: c.advance(seconds=10**400), "cannot advance by an infinite amount"),
        (lambda c: c.set(10**400), "stays between 1970-01-01 and 9990-01-01"),
    ],
)
def test_clock_refuses_impossible_times_and_stays_put(
    kms: MockKMS, client: KMSClient, key_id: str, move: Callable[[Any], object], error: str
) -> None:
    before = kms.clock.now()
    with pytest.raises(ValueError, match=error):
        move(kms.clock)
    assert abs(kms.clock.now() - before) < 60
    # Every later call still works and reports dates botocore can parse.
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"


@pytest.mark.parametrize(
    "move",
    [
        lambda c: c.advance(days="1"),
        lambda c: c.advance(seconds=None),
        lambda c: c.advance(days=True),
        lambda c: c.set("2030-01-01"),
    ],
)
def test_clock_refuses_what_is_not_a_number(kms: MockKMS, move: Callable[[Any], object]) -> None:
    before = kms.clock.now()
    with pytest.raises(TypeError, match="must be a number"):
        move(kms.clock)
    assert abs(kms.clock.now() - before) < 60


def test_clock_at_its_latest_still_reports_every_date(kms: MockKMS, client: KMSClient) -> None:
    kms.clock.set(dt.datetime(9990, 1, 1, tzinfo=dt.timezone.utc) - dt.timedelta(minutes=1))
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    client.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=2560)
    status = client.get_key_rotation_status(KeyId=key_id)
    assert status["NextRotationDate"].year == 9997
    deletion = client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=30)
    assert deletion["DeletionDate"].year == 9990


# -- D9: empty credentials in the environment ---------------------------------------------


def test_empty_credentials_never_reach_for_instance_metadata(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("the network is off in this test")

    for variable in (
        "AWS_PROFILE",
        "AWS_EC2_METADATA_DISABLED",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for secret_only in (False, True):
        if secret_only:
            monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        else:
            monkeypatch.setenv("AWS_ACCESS_KEY_ID", "")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "" if not secret_only else "s3cr3t")
        with mock_kms() as kms:
            boto3.Session().client("kms", region_name="us-east-1").create_key()
            assert len(kms.keys()) == 1
        assert attempts == []
        # Restored exactly: an empty variable stays empty, an absent one absent.
        if secret_only:
            assert "AWS_ACCESS_KEY_ID" not in os.environ
        else:
            assert os.environ["AWS_ACCESS_KEY_ID"] == ""
        assert os.environ["AWS_SECRET_ACCESS_KEY"] == ("s3cr3t" if secret_only else "")


# -- D10, D10b: the inspection objects -----------------------------------------------------


def test_key_state_set_as_a_string_disables_the_key(
    kms: MockKMS, client: KMSClient, key_id: str
) -> None:
    kms.key(key_id).state = "Disabled"
    assert kms.key(key_id).state is KeyState.DISABLED
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled"
    with pytest.raises(client.exceptions.DisabledException):
        client.encrypt(KeyId=key_id, Plaintext=b"x")
    kms.key(key_id).state = KeyState.ENABLED
    assert client.encrypt(KeyId=key_id, Plaintext=b"x")["KeyId"].endswith(key_id)


@pytest.mark.parametrize(
    ("value", "error", "text"),
    [
        ("Disabledd", ValueError, "'Disabledd' is not a key state; one of: Enabled, Disabled"),
        (3, TypeError, "a key state is a KeyState, not int"),
        (None, TypeError, "a key state is a KeyState, not NoneType"),
        (KeyState.PENDING_DELETION, ValueError, "between Enabled and Disabled only"),
        ("Unavailable", ValueError, "between Enabled and Disabled only"),
    ],
)
def test_key_state_refuses_what_it_cannot_set(
    kms: MockKMS, client: KMSClient, key_id: str, value: Any, error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text):
        kms.key(key_id).state = value
    assert kms.key(key_id).state is KeyState.ENABLED
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"


def test_key_state_of_a_key_pending_deletion_is_left_to_kms_calls(
    kms: MockKMS, client: KMSClient, key_id: str
) -> None:
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    with pytest.raises(ValueError, match="this key is PendingDeletion"):
        kms.key(key_id).state = KeyState.ENABLED
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"


@pytest.mark.parametrize(
    "identifier",
    [
        "arn:aws:kms",
        "arn:",
        "arn:aws:kms:us-east-1:123456789012:alias/mine",
        "arn:aws:kms:us-east-1:123456789012:key/",
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "",
    ],
)
def test_key_lookup_of_anything_missing_is_a_key_error(kms: MockKMS, identifier: str) -> None:
    with pytest.raises(KeyError):
        kms.key(identifier)
    assert kms.accounts == {}


def test_key_lookup_by_arn_finds_the_key(kms: MockKMS, client: KMSClient) -> None:
    arn = client.create_key()["KeyMetadata"]["Arn"]
    assert kms.key(arn).arn == arn


def test_key_lookup_of_a_non_string_is_a_type_error(kms: MockKMS) -> None:
    with pytest.raises(TypeError, match="key_id must be a str, not int"):
        kms.key(7)  # type: ignore[arg-type]


# -- D11: lookups never create state ---------------------------------------------------


def test_failed_cross_account_lookups_leave_no_state(kms: MockKMS, client: KMSClient) -> None:
    client.create_key()
    for n in range(50):
        account = f"{n:012d}"
        for identifier in (
            f"arn:aws:kms:us-east-1:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            f"arn:aws:kms:us-east-1:{account}:alias/theirs",
        ):
            with pytest.raises(ClientError) as info:
                client.encrypt(KeyId=identifier, Plaintext=b"x")
            assert error_of(info)[0] == "NotFoundException"
        with pytest.raises(client.exceptions.NotFoundException):
            client.describe_key(
                KeyId=f"arn:aws:kms:us-east-1:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            )
    assert list(kms.accounts) == [ACCOUNT]
    assert list(kms.account().regions) == ["us-east-1"]


def test_inspecting_an_empty_account_or_region_leaves_no_state(kms: MockKMS) -> None:
    assert kms.keys(region="eu-west-1", account=OTHER) == []
    assert kms.account(OTHER).regions == {}
    assert kms.region_state("ap-south-1").keys == {}
    assert kms.accounts == {}


def test_blob_decrypted_in_a_region_its_owner_never_used_leaves_no_state(
    kms: MockKMS, client: KMSClient, key_id: str
) -> None:
    blob = client.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    alice = kms.user(
        "alice",
        account=OTHER,
        policy={"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]},
    )
    # Credentials is a TypedDict: boto3's typed client takes it as it is.
    elsewhere = boto3.client("kms", region_name="eu-west-1", **alice.credentials)
    with pytest.raises(ClientError):
        elsewhere.decrypt(CiphertextBlob=blob)
    # The caller's own account and region exist; the blob owner's eu-west-1 does not.
    assert list(kms.account().regions) == ["us-east-1"]
    assert sorted(kms.accounts) == sorted([ACCOUNT, OTHER])


# -- a region no partition has ----------------------------------------------------------


@pytest.mark.parametrize("region", ["mars-north-1", "x" * 10_000, "us-east-1\u0661"])
def test_credential_scoped_to_no_region_is_refused(kms: MockKMS, region: str) -> None:
    status, body = _raw(kms, "ListKeys", b"{}", region=region)
    assert (status, body) == (
        400,
        {
            "__type": "InvalidSignatureException",
            "message": f"Credential should be scoped to a valid region, not '{region}'. ",
        },
    )
    assert kms.accounts == {}


# -- mock options are checked before anything changes ------------------------------------


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"account": "12345678901\u0662"}, ValueError),
        ({"account": 123456789012}, ValueError),
        ({"region": "not a region"}, ValueError),
        ({"region": None}, ValueError),
        ({"replica_creation_seconds": math.nan}, ValueError),
        ({"on_demand_rotation_seconds": math.inf}, ValueError),
        ({"replica_creation_seconds": "60"}, TypeError),
        ({"on_demand_rotation_limit": 2.5}, TypeError),
        ({"journal": -1}, ValueError),
        ({"journal": "all"}, TypeError),
    ],
)
def test_mock_options_are_validated(options: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        mock_kms(**options)


# -- the journal ------------------------------------------------------------------------


def test_journal_keeps_the_most_recent_calls() -> None:
    with mock_kms(journal=3) as kms:
        client = boto3.client("kms", region_name="us-east-1")
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        client.describe_key(KeyId=key_id)
        client.encrypt(KeyId=key_id, Plaintext=b"x")
        client.list_keys()
        assert [c.operation for c in kms.calls] == ["DescribeKey", "Encrypt", "ListKeys"]
        assert kms.calls.limit == 3


def test_journal_default_bound() -> None:
    with mock_kms() as kms:
        assert kms.calls.limit == 10_000
    with mock_kms(journal=True) as kms:
        assert kms.calls.limit == 10_000


def test_journal_clear_empties_it(kms: MockKMS, client: KMSClient) -> None:
    client.list_keys()
    client.list_keys()
    assert len(kms.calls) == 2
    kms.calls.clear()
    assert kms.calls == []
    client.list_aliases()
    assert [c.operation for c in kms.calls] == ["ListAliases"]


def test_journal_off_and_unbounded() -> None:
    with mock_kms(journal=False) as kms:
        boto3.client("kms", region_name="us-east-1").list_keys()
        assert len(kms.calls) == 0
        assert kms.calls.limit == 0
    with mock_kms(journal=None) as kms:
        client = boto3.client("kms", region_name="us-east-1")
        for _ in range(3):
            client.list_keys()
        assert len(kms.calls) == 3
        assert kms.calls.limit is None


def test_journal_records_unknown_targets_in_bounded_size(kms: MockKMS) -> None:
    status, _ = _raw(kms, "X" * 100_000, b"{}")
    assert status == 400
    assert len(kms.calls[-1].operation) <= 128


def test_journal_is_a_sequence(kms: MockKMS, client: KMSClient) -> None:
    client.list_keys()
    client.list_aliases()
    calls = kms.calls
    assert [c.operation for c in calls[-2:]] == ["ListKeys", "ListAliases"]
    assert calls[0].operation == "ListKeys"
    assert next(reversed(calls)).operation == "ListAliases"
    assert calls == list(calls)


# -- members AWS requires that the model leaves optional ---------------------------------


def test_list_retirable_grants_without_retiring_principal_fails_validation(kms: MockKMS) -> None:
    # botocore's model leaves RetiringPrincipal optional; AWS's API reference requires it.
    with pytest.raises(ClientError) as info:
        _unvalidated(kms).list_retirable_grants()
    assert error_of(info) == (
        "ValidationException",
        "1 validation error detected: Value null at 'retiringPrincipal' failed to satisfy "
        "constraint: Member must not be null",
        400,
    )


def test_refused_identity_policy_declares_nobody(kms: MockKMS) -> None:
    with pytest.raises(ValueError, match="not a valid IAM identity policy"):
        kms.user("u", policy={"Statement": 5})
    assert not kms.identities.exists(f"arn:aws:iam::{ACCOUNT}:user/u")
    alice = kms.user("alice")
    with pytest.raises(ValueError, match="not a valid IAM identity policy"):
        kms.user("alice", policy={"Statement": 5})
    assert alice.policies == []
