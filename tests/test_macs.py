"""GenerateMac and VerifyMac, black-box through boto3.

Expected values come from KMS_BEHAVIOUR.md sections 2 and 11 and AWS_RECORDED_FACTS.md
sections 1 and 3.15 (recorded texts); the MAC is checked against ``hmac`` computed
locally with imported key bytes, as a user would.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._helpers import error_of
from tests.test_import import external_key, import_material

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

SPECS = [
    ("HMAC_224", "HMAC_SHA_224", 28),
    ("HMAC_256", "HMAC_SHA_256", 32),
    ("HMAC_384", "HMAC_SHA_384", 48),
    ("HMAC_512", "HMAC_SHA_512", 64),
]
DRY_RUN = "The request would have succeeded, but the DryRun option is set."


def hmac_key(client: KMSClient, spec: str = "HMAC_256") -> tuple[str, str]:
    """A new HMAC key's (id, ARN)."""
    meta = client.create_key(KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]  # type: ignore[arg-type]
    return meta["KeyId"], meta["Arn"]


@pytest.mark.parametrize(("spec", "algorithm", "size"), SPECS)
def test_generate_and_verify(client: KMSClient, spec: str, algorithm: str, size: int) -> None:
    key, arn = hmac_key(client, spec)
    generated = client.generate_mac(Message=b"hello", KeyId=key, MacAlgorithm=algorithm)  # type: ignore[arg-type]
    assert generated["KeyId"] == arn
    assert generated["MacAlgorithm"] == algorithm
    assert len(generated["Mac"]) == size
    verified = client.verify_mac(
        Message=b"hello",
        KeyId=key,
        MacAlgorithm=algorithm,
        Mac=generated["Mac"],
    )
    assert verified["KeyId"] == arn
    assert verified["MacValid"] is True
    assert verified["MacAlgorithm"] == algorithm


def test_mac_is_deterministic_and_per_key(client: KMSClient) -> None:
    key, _ = hmac_key(client)
    other, _ = hmac_key(client)

    def mac(key_id: str, message: bytes) -> bytes:
        return client.generate_mac(Message=message, KeyId=key_id, MacAlgorithm="HMAC_SHA_256")[
            "Mac"
        ]

    assert mac(key, b"m") == mac(key, b"m")
    assert mac(key, b"m") != mac(key, b"n")
    assert mac(key, b"m") != mac(other, b"m")


@pytest.mark.parametrize(("spec", "algorithm", "size"), SPECS)
def test_imported_key_mac_equals_local_hmac(
    client: KMSClient, spec: str, algorithm: str, size: int
) -> None:
    key = external_key(client, KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")
    material = os.urandom(size)
    import_material(client, key, material)
    message = os.urandom(100)
    mac = client.generate_mac(Message=message, KeyId=key, MacAlgorithm=algorithm)["Mac"]  # type: ignore[arg-type]
    digest = getattr(hashlib, f"sha{spec[5:]}")
    assert mac == hmac.new(material, message, digest).digest()
    # A MAC made locally verifies in KMS.
    local = hmac.new(material, b"local", digest).digest()
    assert client.verify_mac(Message=b"local", KeyId=key, MacAlgorithm=algorithm, Mac=local)[  # type: ignore[arg-type]
        "MacValid"
    ]


def test_alias_and_arn_identify_the_key(client: KMSClient) -> None:
    key, arn = hmac_key(client)
    client.create_alias(AliasName="alias/mac", TargetKeyId=key)
    mac = client.generate_mac(Message=b"x", KeyId="alias/mac", MacAlgorithm="HMAC_SHA_256")["Mac"]
    result = client.verify_mac(Message=b"x", KeyId=arn, MacAlgorithm="HMAC_SHA_256", Mac=mac)
    assert result["KeyId"] == arn


@pytest.mark.parametrize("change", ["message", "mac", "truncated", "key"])
def test_wrong_mac_is_refused_with_an_empty_message(client: KMSClient, change: str) -> None:
    key, _ = hmac_key(client)
    mac = client.generate_mac(Message=b"original", KeyId=key, MacAlgorithm="HMAC_SHA_256")["Mac"]
    message = b"original"
    if change == "message":
        message = b"changed"
    elif change == "mac":
        mac = bytes([mac[0] ^ 1]) + mac[1:]
    elif change == "truncated":
        mac = mac[:-1]
    else:
        key, _ = hmac_key(client)
    with pytest.raises(client.exceptions.KMSInvalidMacException) as info:
        client.verify_mac(Message=message, KeyId=key, MacAlgorithm="HMAC_SHA_256", Mac=mac)
    # AWS_RECORDED_FACTS 1.3 and 3.15: no message text, no top-level message key.
    assert error_of(info) == ("KMSInvalidMacException", "", 400)
    assert "message" not in info.value.response


@pytest.mark.parametrize(
    ("operation", "spec", "algorithm"),
    [
        ("generate_mac", "HMAC_224", "HMAC_SHA_256"),  # recorded
        ("verify_mac", "HMAC_256", "HMAC_SHA_512"),  # recorded
        ("generate_mac", "HMAC_512", "HMAC_SHA_384"),
    ],
)
def test_algorithm_must_match_the_key_spec(
    client: KMSClient, operation: str, spec: str, algorithm: str
) -> None:
    key, _ = hmac_key(client, spec)
    arguments = {"Message": b"m", "KeyId": key, "MacAlgorithm": algorithm}
    if operation == "verify_mac":
        arguments["Mac"] = b"\x00" * 32
    with pytest.raises(client.exceptions.InvalidKeyUsageException) as info:
        getattr(client, operation)(**arguments)
    assert error_of(info) == (
        "InvalidKeyUsageException",
        f"Algorithm {algorithm} is incompatible with key spec {spec}.",
        400,
    )


@pytest.mark.parametrize("operation", ["generate_mac", "verify_mac"])
def test_invalid_algorithm_is_a_validation_error(client: KMSClient, operation: str) -> None:
    key, _ = hmac_key(client)
    arguments = {"Message": b"m", "KeyId": key, "MacAlgorithm": "INVALID"}
    if operation == "verify_mac":
        arguments["Mac"] = b"\x00" * 32
    with pytest.raises(ClientError) as info:
        getattr(client, operation)(**arguments)
    assert error_of(info) == (
        "ValidationException",
        "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy "
        "constraint: Member must satisfy enum value set: "
        "[HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]",
        400,
    )


@pytest.mark.parametrize(
    ("spec", "usage"),
    [
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"),  # recorded for GenerateMac
        ("ECC_NIST_P256", "SIGN_VERIFY"),
        ("ECC_NIST_P384", "KEY_AGREEMENT"),
        ("RSA_2048", "ENCRYPT_DECRYPT"),
    ],
)
@pytest.mark.parametrize("operation", ["GenerateMac", "VerifyMac"])
def test_non_hmac_keys_are_refused(
    client: KMSClient, spec: str, usage: str, operation: str
) -> None:
    meta = client.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]  # type: ignore[arg-type]
    arguments: dict[str, Any] = {
        "Message": b"m",
        "KeyId": meta["KeyId"],
        "MacAlgorithm": "HMAC_SHA_256",
    }
    if operation == "VerifyMac":
        arguments["Mac"] = b"\x00" * 32
    call = getattr(client, "generate_mac" if operation == "GenerateMac" else "verify_mac")
    with pytest.raises(client.exceptions.InvalidKeyUsageException) as info:
        call(**arguments)
    assert error_of(info) == (
        "InvalidKeyUsageException",
        f"{meta['Arn']} key usage is {usage} which is not valid for {operation}.",
        400,
    )


@pytest.mark.parametrize("operation", ["generate_mac", "verify_mac"])
def test_malformed_key_id(client: KMSClient, operation: str) -> None:
    arguments = {"Message": b"m", "KeyId": "key_id", "MacAlgorithm": "HMAC_SHA_256"}
    if operation == "verify_mac":
        arguments["Mac"] = b"\x00" * 32
    with pytest.raises(client.exceptions.NotFoundException) as info:
        getattr(client, operation)(**arguments)
    assert error_of(info) == ("NotFoundException", "Invalid keyId 'key_id'", 400)


def test_message_length_limits(client: KMSClient) -> None:
    key, _ = hmac_key(client)
    client.generate_mac(Message=b"x" * 4096, KeyId=key, MacAlgorithm="HMAC_SHA_256")
    with pytest.raises(ClientError) as info:
        client.generate_mac(Message=b"x" * 4097, KeyId=key, MacAlgorithm="HMAC_SHA_256")
    # Message is sensitive: AWS omits its value from the text (reference section 12).
    assert error_of(info) == (
        "ValidationException",
        "1 validation error detected: Value at 'message' failed to satisfy constraint: "
        "Member must have length less than or equal to 4096",
        400,
    )


def test_disabled_key(client: KMSClient) -> None:
    key, arn = hmac_key(client)
    mac = client.generate_mac(Message=b"m", KeyId=key, MacAlgorithm="HMAC_SHA_256")["Mac"]
    client.disable_key(KeyId=key)
    with pytest.raises(client.exceptions.DisabledException) as info:
        client.verify_mac(Message=b"m", KeyId=key, MacAlgorithm="HMAC_SHA_256", Mac=mac)
    assert error_of(info) == ("DisabledException", f"{arn} is disabled.", 400)
    client.enable_key(KeyId=key)
    assert client.verify_mac(Message=b"m", KeyId=key, MacAlgorithm="HMAC_SHA_256", Mac=mac)[
        "MacValid"
    ]


def test_pending_import_key(client: KMSClient) -> None:
    key = external_key(client, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    arn = client.describe_key(KeyId=key)["KeyMetadata"]["Arn"]
    with pytest.raises(client.exceptions.KMSInvalidStateException) as info:
        client.generate_mac(Message=b"m", KeyId=key, MacAlgorithm="HMAC_SHA_256")
    assert error_of(info) == ("KMSInvalidStateException", f"{arn} is pending import.", 400)


def test_dry_run(client: KMSClient) -> None:
    key, _ = hmac_key(client)
    with pytest.raises(client.exceptions.DryRunOperationException) as info:
        client.generate_mac(Message=b"m", KeyId=key, MacAlgorithm="HMAC_SHA_256", DryRun=True)
    assert error_of(info) == ("DryRunOperationException", DRY_RUN, 400)
    mac = client.generate_mac(Message=b"m", KeyId=key, MacAlgorithm="HMAC_SHA_256")["Mac"]
    with pytest.raises(client.exceptions.DryRunOperationException) as info:
        client.verify_mac(
            Message=b"m", KeyId=key, MacAlgorithm="HMAC_SHA_256", Mac=mac, DryRun=True
        )
    assert error_of(info) == ("DryRunOperationException", DRY_RUN, 400)
    # A dry run gives the error the real call would: kmsmock checks the MAC too.
    with pytest.raises(client.exceptions.KMSInvalidMacException) as info:
        client.verify_mac(
            Message=b"other", KeyId=key, MacAlgorithm="HMAC_SHA_256", Mac=mac, DryRun=True
        )
    assert error_of(info) == ("KMSInvalidMacException", "", 400)
    with pytest.raises(client.exceptions.InvalidKeyUsageException) as info:
        client.generate_mac(Message=b"m", KeyId=key, MacAlgorithm="HMAC_SHA_512", DryRun=True)
    assert error_of(info) == (
        "InvalidKeyUsageException",
        "Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.",
        400,
    )


@pytest.mark.needs_model(operation="GetKeyLastUsage")
def test_key_last_usage(client: KMSClient) -> None:
    key, _ = hmac_key(client)
    client.generate_mac(Message=b"m", KeyId=key, MacAlgorithm="HMAC_SHA_256", DryRun=False)
    assert client.get_key_last_usage(KeyId=key)["KeyLastUsage"]["Operation"] == "GenerateMac"
    mac = client.generate_mac(Message=b"m", KeyId=key, MacAlgorithm="HMAC_SHA_256")["Mac"]
    client.verify_mac(Message=b"m", KeyId=key, MacAlgorithm="HMAC_SHA_256", Mac=mac)
    assert client.get_key_last_usage(KeyId=key)["KeyLastUsage"]["Operation"] == "VerifyMac"
    # A failed verification and a dry run are not successful uses.
    with pytest.raises(client.exceptions.KMSInvalidMacException) as info:
        client.verify_mac(Message=b"n", KeyId=key, MacAlgorithm="HMAC_SHA_256", Mac=mac)
    assert error_of(info) == ("KMSInvalidMacException", "", 400)
    with pytest.raises(client.exceptions.DryRunOperationException) as info:
        client.generate_mac(Message=b"m", KeyId=key, MacAlgorithm="HMAC_SHA_256", DryRun=True)
    assert error_of(info) == ("DryRunOperationException", DRY_RUN, 400)
    assert client.get_key_last_usage(KeyId=key)["KeyLastUsage"]["Operation"] == "VerifyMac"


_messages = st.binary(min_size=1, max_size=256)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=_messages, other=_messages, flip=st.integers(min_value=0, max_value=31 * 8))
def test_property_verify_accepts_exactly_the_generated_mac(
    client: KMSClient, message: bytes, other: bytes, flip: int
) -> None:
    key = _property_key(client)
    mac = client.generate_mac(Message=message, KeyId=key, MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert client.verify_mac(Message=message, KeyId=key, MacAlgorithm="HMAC_SHA_256", Mac=mac)[
        "MacValid"
    ]
    altered = bytearray(mac)
    altered[flip // 8] ^= 1 << (flip % 8)
    with pytest.raises(client.exceptions.KMSInvalidMacException) as info:
        client.verify_mac(
            Message=message, KeyId=key, MacAlgorithm="HMAC_SHA_256", Mac=bytes(altered)
        )
    assert error_of(info) == ("KMSInvalidMacException", "", 400)
    if other != message:
        with pytest.raises(client.exceptions.KMSInvalidMacException) as info:
            client.verify_mac(Message=other, KeyId=key, MacAlgorithm="HMAC_SHA_256", Mac=mac)
        assert error_of(info) == ("KMSInvalidMacException", "", 400)


def _property_key(client: KMSClient) -> str:
    # One key per test function run, found again by its alias on later examples.
    try:
        return client.describe_key(KeyId="alias/property")["KeyMetadata"]["KeyId"]
    except client.exceptions.NotFoundException:
        key, _ = hmac_key(client)
        client.create_alias(AliasName="alias/property", TargetKeyId=key)
        return key
