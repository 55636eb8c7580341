"""The wire: validation against the service model, error envelope, coverage table."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import kmsmock
from kmsmock._model import operation_names
from kmsmock._protocol import EncodingBug, OperationCodec

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

URL = "https://kms.us-east-1.amazonaws.com/"
AUTH = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/kms/aws4_request, "
    "SignedHeaders=host, Signature=0"
)


@pytest.fixture
def raw(kms: MockKMS) -> KMSClient:
    """A client whose own parameter validation is off, so the server's is what answers."""
    return boto3.client("kms", region_name=kms.region, config=Config(parameter_validation=False))


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = info.value.response["Error"]
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return error["Code"], error["Message"]


def _call(kms: MockKMS, target: str, body: Any, **headers: str) -> tuple[int, dict[str, Any]]:
    all_headers = {"X-Amz-Target": target, "Authorization": AUTH, **headers}
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, _, response = kms.handle("POST", URL, all_headers, payload)
    return status, json.loads(response)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            {"Limit": 0},
            "Value '0' at 'limit' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1",
        ),
        (
            {"Limit": 1001},
            "Value '1001' at 'limit' failed to satisfy constraint: "
            "Member must have value less than or equal to 1000",
        ),
        (
            {"Marker": "\u0100"},
            "Value '\u0100' at 'marker' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\u0020-\\u00FF]*",
        ),
        (
            {"Marker": ""},
            "Value '' at 'marker' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1",
        ),
    ],
)
def test_validation_list_keys_constraints(raw: KMSClient, call: Any, message: str) -> None:
    with pytest.raises(ClientError) as info:
        raw.list_keys(**call)
    assert _error(info) == ("ValidationException", f"1 validation error detected: {message}")
    # ValidationException is not modelled by KMS, so botocore adds no top-level message.
    assert "message" not in info.value.response


def test_validation_empty_key_id(raw: KMSClient) -> None:
    with pytest.raises(ClientError) as info:
        raw.describe_key(KeyId="")
    assert _error(info) == (
        "ValidationException",
        "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    )


def test_validation_missing_required_member(raw: KMSClient) -> None:
    with pytest.raises(ClientError) as info:
        raw.describe_key()  # type: ignore[call-arg]
    assert _error(info) == (
        "ValidationException",
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: "
        "Member must not be null",
    )


def test_validation_reports_every_violation(raw: KMSClient) -> None:
    with pytest.raises(ClientError) as info:
        raw.list_keys(Limit=0, Marker="")
    assert _error(info) == (
        "ValidationException",
        "2 validation errors detected: "
        "Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1; "
        "Value '' at 'marker' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1",
    )


def test_validation_enum_lists_values_in_aws_order(raw: KMSClient, key_id: str) -> None:
    with pytest.raises(ClientError) as info:
        raw.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm="AES")  # type: ignore[arg-type]
    # The order is the one java_set_order derives from recorded AWS messages.
    assert _error(info)[1] == (
        "1 validation error detected: Value 'AES' at 'encryptionAlgorithm' failed to satisfy "
        "constraint: Member must satisfy enum value set: "
        "[RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE, SYMMETRIC_DEFAULT]"
    )


def test_validation_nested_list_member_path(client: KMSClient, key_id: str) -> None:
    with pytest.raises(ClientError) as info:
        client.tag_resource(
            KeyId=key_id,
            Tags=[{"TagKey": "ok", "TagValue": ""}, {"TagKey": "k" * 129, "TagValue": ""}],
        )
    assert _error(info)[1] == (
        "1 validation error detected: Value '"
        + "k" * 129
        + "' at 'tags.2.member.tagKey' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    )


def test_serialization_wrong_json_type(kms: MockKMS) -> None:
    status, body = _call(kms, "TrentService.ListKeys", {"Limit": "ten"})
    assert status == 400
    assert body["__type"] == "SerializationException"


def test_serialization_invalid_json(kms: MockKMS) -> None:
    status, body = _call(kms, "TrentService.ListKeys", b"{not json")
    assert (status, body["__type"]) == (400, "SerializationException")


def test_serialization_invalid_base64_blob(kms: MockKMS) -> None:
    status, body = _call(kms, "TrentService.Decrypt", {"CiphertextBlob": "***"})
    assert (status, body["__type"]) == (400, "SerializationException")


def test_unknown_operation(kms: MockKMS) -> None:
    status, body = _call(kms, "TrentService.MakeCoffee", {})
    assert (status, body) == (400, {"__type": "UnknownOperationException"})


def test_missing_authentication(kms: MockKMS) -> None:
    status, _, response = kms.handle("POST", URL, {"X-Amz-Target": "TrentService.ListKeys"}, b"{}")
    assert status == 400
    assert json.loads(response) == {
        "__type": "MissingAuthenticationTokenException",
        "message": "Missing Authentication Token",
    }


def test_region_comes_from_the_credential_scope(kms: MockKMS) -> None:
    auth = AUTH.replace("/us-east-1/", "/eu-north-1/")
    status, body = _call(kms, "TrentService.CreateKey", {}, Authorization=auth)
    assert status == 200
    assert body["KeyMetadata"]["Arn"].startswith("arn:aws:kms:eu-north-1:123456789012:key/")
    assert kms.keys("eu-north-1")[0].key_id == body["KeyMetadata"]["KeyId"]


def test_partition_follows_the_region(kms: MockKMS) -> None:
    for region, partition in [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")]:
        auth = AUTH.replace("/us-east-1/", f"/{region}/")
        _, body = _call(kms, "TrentService.CreateKey", {}, Authorization=auth)
        assert body["KeyMetadata"]["Arn"].startswith(f"arn:{partition}:kms:{region}:")


def test_error_envelope_and_headers(kms: MockKMS) -> None:
    status, headers, response = kms.handle(
        "POST",
        URL,
        {"X-Amz-Target": "TrentService.DescribeKey", "Authorization": AUTH},
        b'{"KeyId": "nope"}',
    )
    assert status == 400
    assert json.loads(response) == {
        "__type": "NotFoundException",
        "message": "Invalid keyId 'nope'",
    }
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert len(headers["x-amzn-RequestId"]) == 36


def test_client_errors_are_not_retried(client: KMSClient, kms: MockKMS) -> None:
    with pytest.raises(client.exceptions.NotFoundException):
        client.describe_key(KeyId="nope")
    assert [call.error for call in kms.calls] == ["NotFoundException"]


def test_encoder_refuses_what_the_output_shape_does_not_allow() -> None:
    with pytest.raises(EncodingBug, match="no member Bogus"):
        OperationCodec("CancelKeyDeletion").encode({"KeyId": "arn", "Bogus": 1})
    nested = r"DescribeKey response\.KeyMetadata: KeyMetadata has no member Bogus"
    with pytest.raises(EncodingBug, match=nested):
        OperationCodec("DescribeKey").encode({"KeyMetadata": {"KeyId": "k", "Bogus": 1}})
    with pytest.raises(EncodingBug, match=r"Encrypt response\.CiphertextBlob: expected bytes"):
        OperationCodec("Encrypt").encode({"CiphertextBlob": "not bytes"})
    with pytest.raises(EncodingBug, match="has no output shape"):
        OperationCodec("DisableKey").encode({"KeyId": "arn"})


@pytest.mark.needs_model(operation="GetKeyLastUsage")
def test_coverage_lists_every_model_operation() -> None:
    coverage = kmsmock.coverage()
    assert sorted(coverage) == sorted(operation_names())
    # botocore 1.43.11's model, which the reference describes, has 54; later ones add more.
    assert len(coverage) >= 54
    assert sorted(name for name, done in coverage.items() if done) == kmsmock.implemented()
