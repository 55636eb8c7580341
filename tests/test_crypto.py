"""Symmetric cryptography, black-box through boto3: Encrypt, Decrypt, ReEncrypt, data keys,
GenerateRandom, DryRun, key states and Regions.

Expected texts are AWS's as recorded in the shared reference (KMS_BEHAVIOUR.md sections 4,
7, 11-14; AWS_RECORDED_FACTS.md sections 1, 3.8-3.13) unless a comment says otherwise.
"""

from __future__ import annotations

import base64
import os
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import kmsmock

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ALIAS = "alias/crypto-test"
ALIAS_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:{ALIAS}"
FORMS = ["id", "arn", "alias", "alias-arn"]
INCORRECT_KEY = "The key ID in the request does not identify a CMK that can perform this operation."
DRY_RUN = "The request would have succeeded, but the DryRun option is set."
# Errors the KMS model does not declare: botocore never adds a top-level "message" to them.
UNMODELLED = {"ValidationException", "AccessDeniedException"}
CONTEXT = {"purpose": "test", "Team": "Blue"}
META = {"ResponseMetadata"}
ENCRYPT_KEYS = {"CiphertextBlob", "KeyId", "EncryptionAlgorithm", *META}
DECRYPT_KEYS = {"KeyId", "Plaintext", "EncryptionAlgorithm", "KeyMaterialId", *META}
DATA_KEY_KEYS = {"CiphertextBlob", "Plaintext", "KeyId", "KeyMaterialId", *META}
RE_ENCRYPT_KEYS = {"CiphertextBlob", "SourceKeyId", "KeyId", *META} | {
    f"{side}{field}"
    for side in ("Source", "Destination")
    for field in ("EncryptionAlgorithm", "KeyMaterialId")
}
TOO_MANY_BYTES = (
    "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy "
    "constraint: Member must have value less than or equal to 1024"
)


def _arn(key_id: str) -> str:
    return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"


def _check(error: ClientError, code: str, message: str) -> None:
    response: dict[str, Any] = dict(error.response)
    assert response["Error"]["Code"] == code
    assert response["Error"]["Message"] == message
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # A top-level "message" exists only for modelled errors that carry text (facts section 1).
    if code in UNMODELLED or not message:
        assert "message" not in response
    else:
        assert response["message"] == message


def _name(client: KMSClient, key_id: str, form: str) -> str:
    """The key named in one of the four forms crypto operations accept."""
    if form.startswith("alias"):
        client.create_alias(AliasName=ALIAS, TargetKeyId=key_id)
        return ALIAS if form == "alias" else ALIAS_ARN
    return key_id if form == "id" else _arn(key_id)


def _material(client: KMSClient, key_id: str) -> str:
    return client.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]


def _new_key(client: KMSClient) -> str:
    return client.create_key()["KeyMetadata"]["KeyId"]


def _blob(client: KMSClient, key_id: str, plaintext: bytes = b"secret", **extra: Any) -> bytes:
    return client.encrypt(KeyId=key_id, Plaintext=plaintext, **extra)["CiphertextBlob"]


def _flip(blob: bytes, index: int) -> bytes:
    return blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1 :]


# -- Encrypt and the blob layout -------------------------------------------------------------
@pytest.mark.parametrize("form", FORMS)
def test_encrypt_response_for_every_identifier_form(
    client: KMSClient, key_id: str, form: str
) -> None:
    response = client.encrypt(KeyId=_name(client, key_id, form), Plaintext=b"secret")
    assert set(response) == ENCRYPT_KEYS
    assert response["KeyId"] == _arn(key_id)
    assert response["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"


@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
def test_blob_layout_header(client: KMSClient, key_id: str) -> None:
    blob = _blob(client, key_id)
    assert blob[:5] == bytes.fromhex("0102020078")
    # AWS does not say whether the header id is the KeyMaterialId; kmsmock's choice.
    assert blob[5:37] == bytes.fromhex(_material(client, key_id))
    assert blob[37] == 1
    assert base64.b64encode(blob).startswith(b"AQICAH")


@pytest.mark.parametrize(
    ("size", "expected"), [(1, 153), (16, 168), (32, 184), (35, 187), (4096, 4258)]
)
def test_blob_layout_size(client: KMSClient, key_id: str, size: int, expected: int) -> None:
    assert len(_blob(client, key_id, b"p" * size)) == expected


def test_blob_layout_size_of_aes_256_data_key(client: KMSClient, key_id: str) -> None:
    assert len(client.generate_data_key(KeyId=key_id, KeySpec="AES_256")["CiphertextBlob"]) == 184


def test_blob_layout_random_per_call(client: KMSClient, key_id: str) -> None:
    first, second = _blob(client, key_id), _blob(client, key_id)
    assert first != second
    # The header up to the marker is fixed per key; the nonce after it is not.
    assert first[:38] == second[:38]
    assert first[38:54] != second[38:54]


# -- Decrypt ---------------------------------------------------------------------------------
@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
def test_decrypt_without_key_id(client: KMSClient, key_id: str) -> None:
    response = client.decrypt(CiphertextBlob=_blob(client, key_id))
    assert set(response) == DECRYPT_KEYS
    assert response["KeyId"] == _arn(key_id)
    assert response["Plaintext"] == b"secret"
    assert response["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert response["KeyMaterialId"] == _material(client, key_id)


@pytest.mark.parametrize("form", FORMS)
def test_decrypt_with_right_key_id(client: KMSClient, key_id: str, form: str) -> None:
    blob = _blob(client, key_id)
    response = client.decrypt(CiphertextBlob=blob, KeyId=_name(client, key_id, form))
    assert response["Plaintext"] == b"secret"
    assert response["KeyId"] == _arn(key_id)


@pytest.mark.parametrize(
    ("other", "code", "message"),
    [
        (None, "IncorrectKeyException", INCORRECT_KEY),
        ("fake-key-id", "NotFoundException", "Invalid keyId 'fake-key-id'"),
    ],
    ids=["other-key", "malformed"],
)
def test_decrypt_with_wrong_key_id(
    client: KMSClient, key_id: str, other: str | None, code: str, message: str
) -> None:
    blob = _blob(client, key_id)
    with pytest.raises(getattr(client.exceptions, code)) as info:
        client.decrypt(CiphertextBlob=blob, KeyId=other or _new_key(client))
    _check(info.value, code, message)


# -- Encryption context ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("made_with", "opened_with"),
    [
        (CONTEXT, None),
        (CONTEXT, {"purpose": "test"}),
        (CONTEXT, {**CONTEXT, "extra": "pair"}),
        (CONTEXT, {"purpose": "prod", "Team": "Blue"}),
        (CONTEXT, {"Purpose": "test", "Team": "Blue"}),
        (CONTEXT, {"purpose": "Test", "Team": "Blue"}),
        (None, CONTEXT),
        ({"ab": "c"}, {"a": "bc"}),
        ({"a": "bc"}, {"ab": "c"}),
    ],
    ids=["missing", "subset", "extra", "value", "key-case", "value-case", "unexpected", "ab", "a"],
)
def test_context_mismatch(
    client: KMSClient,
    key_id: str,
    made_with: dict[str, str] | None,
    opened_with: dict[str, str] | None,
) -> None:
    made: dict[str, Any] = {} if made_with is None else {"EncryptionContext": made_with}
    opened: dict[str, Any] = {} if opened_with is None else {"EncryptionContext": opened_with}
    blob = _blob(client, key_id, **made)
    with pytest.raises(client.exceptions.InvalidCiphertextException) as info:
        client.decrypt(CiphertextBlob=blob, **opened)
    _check(info.value, "InvalidCiphertextException", "")


def test_context_pair_order_irrelevant(client: KMSClient, key_id: str) -> None:
    blob = _blob(client, key_id, EncryptionContext={"a": "1", "b": "2"})
    response = client.decrypt(CiphertextBlob=blob, EncryptionContext={"b": "2", "a": "1"})
    assert response["Plaintext"] == b"secret"


# -- Tampering -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "index",
    [0, 2, 4, 5, 36, 37, 38, 53, 55, 58, 70, -20, -1],
    ids=lambda i: f"byte{i}",
)
def test_tamper_flipped_bit(client: KMSClient, key_id: str, index: int) -> None:
    # 0-4 version, 5-36 header id, 37 marker, 38-53 nonce, 54-57 DER length, 58+ DER,
    # then the ciphertext and GCM tag at the end.
    blob = _blob(client, key_id, b"k" * 32, EncryptionContext=CONTEXT)
    with pytest.raises(client.exceptions.InvalidCiphertextException) as info:
        client.decrypt(CiphertextBlob=_flip(blob, index), EncryptionContext=CONTEXT)
    _check(info.value, "InvalidCiphertextException", "")


@pytest.mark.parametrize(
    "cut",
    [
        lambda b: b[:-1],
        lambda b: b[:57],
        lambda b: b + b"bad_data",
        lambda b: b[68:],
        lambda b: b[:58] + os.urandom(len(b) - 58),
        lambda b: os.urandom(len(b)),
    ],
    ids=["truncated", "header-only", "appended", "first-68-removed", "random-body", "random"],
)
def test_tamper_reshaped(client: KMSClient, key_id: str, cut: Any) -> None:
    blob = _blob(client, key_id, EncryptionContext=CONTEXT)
    # As recorded for the 68-byte cut: KeyId and context supplied, still no hint given.
    with pytest.raises(client.exceptions.InvalidCiphertextException) as info:
        client.decrypt(CiphertextBlob=cut(blob), KeyId=key_id, EncryptionContext=CONTEXT)
    _check(info.value, "InvalidCiphertextException", "")


# -- Size limits -----------------------------------------------------------------------------
# Plaintext is sensitive, so AWS leaves its value out of the message. botocore does not
# check blob minimums, so b"" reaches the server (reference section 0).
@pytest.mark.parametrize(
    ("size", "constraint"),
    [
        (4097, "less than or equal to 4096"),
        (4268, "less than or equal to 4096"),
        (0, "greater than or equal to 1"),
    ],
)
def test_limit_plaintext(client: KMSClient, key_id: str, size: int, constraint: str) -> None:
    with pytest.raises(ClientError) as info:
        client.encrypt(KeyId=key_id, Plaintext=b"p" * size)
    _check(
        info.value,
        "ValidationException",
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
        f"Member must have length {constraint}",
    )


def test_limit_ciphertext_too_long(client: KMSClient) -> None:
    with pytest.raises(ClientError) as info:
        client.decrypt(CiphertextBlob=b"\x01" * 6145)
    # Inferred, not recorded: AWS's Java front end prints a blob as its ByteBuffer.
    _check(
        info.value,
        "ValidationException",
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=6145 cap=6145]' "
        "at 'ciphertextBlob' failed to satisfy constraint: "
        "Member must have length less than or equal to 6144",
    )


# -- Key states and DryRun -------------------------------------------------------------------

# ReEncryptFrom / ReEncryptTo: ReEncrypt with the key as its source / destination.
OPERATIONS = ["Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKey"]
OPERATIONS += ["GenerateDataKeyWithoutPlaintext"]


def _use(client: KMSClient, operation: str, key_id: str, blob: bytes, **extra: Any) -> object:
    """Call ``operation`` so that ``key_id`` is the key it uses; ``blob`` is under it."""
    if operation == "Encrypt":
        return client.encrypt(KeyId=key_id, Plaintext=b"x", **extra)
    if operation == "Decrypt":
        return client.decrypt(CiphertextBlob=blob, **extra)
    if operation == "ReEncryptFrom":
        return client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=_new_key(client), **extra)
    if operation == "ReEncryptTo":
        other = _blob(client, _new_key(client))
        return client.re_encrypt(CiphertextBlob=other, DestinationKeyId=key_id, **extra)
    if operation == "GenerateDataKey":
        return client.generate_data_key(KeyId=key_id, KeySpec="AES_256", **extra)
    return client.generate_data_key_without_plaintext(KeyId=key_id, KeySpec="AES_256", **extra)


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize("operation", OPERATIONS)
def test_state_disabled(client: KMSClient, key_id: str, operation: str, dry_run: bool) -> None:
    blob = _blob(client, key_id)
    client.disable_key(KeyId=key_id)
    # A dry run reports the real error when the call would fail (reference section 11).
    with pytest.raises(client.exceptions.DisabledException) as info:
        _use(client, operation, key_id, blob, DryRun=dry_run)
    _check(info.value, "DisabledException", f"{_arn(key_id)} is disabled.")
    # The refusal is the key's state only: after EnableKey the same call, with a blob made
    # before the key was disabled, succeeds.
    client.enable_key(KeyId=key_id)
    if not dry_run:
        _use(client, operation, key_id, blob)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_state_pending_deletion(client: KMSClient, key_id: str, operation: str) -> None:
    blob = _blob(client, key_id)
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    with pytest.raises(client.exceptions.KMSInvalidStateException) as info:
        _use(client, operation, key_id, blob)
    _check(info.value, "KMSInvalidStateException", f"{_arn(key_id)} is pending deletion.")


def test_state_cancel_deletion_then_enable(client: KMSClient, key_id: str) -> None:
    blob = _blob(client, key_id)
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    client.cancel_key_deletion(KeyId=key_id)
    # CancelKeyDeletion leaves the key Disabled, not Enabled.
    with pytest.raises(client.exceptions.DisabledException) as info:
        client.decrypt(CiphertextBlob=blob)
    _check(info.value, "DisabledException", f"{_arn(key_id)} is disabled.")
    client.enable_key(KeyId=key_id)
    for operation in OPERATIONS:
        _use(client, operation, key_id, blob)
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_dry_run_would_succeed(client: KMSClient, key_id: str, operation: str) -> None:
    blob = _blob(client, key_id)
    with pytest.raises(client.exceptions.DryRunOperationException) as info:
        _use(client, operation, key_id, blob, DryRun=True)
    _check(info.value, "DryRunOperationException", DRY_RUN)


@pytest.mark.needs_model(member="DecryptRequest.DryRunModifiers")
def test_dry_run_decrypt_ignore_ciphertext(client: KMSClient, key_id: str) -> None:
    with pytest.raises(client.exceptions.DryRunOperationException) as info:
        client.decrypt(KeyId=key_id, DryRun=True, DryRunModifiers=["IGNORE_CIPHERTEXT"])
    _check(info.value, "DryRunOperationException", DRY_RUN)


# -- ReEncrypt -------------------------------------------------------------------------------
@pytest.mark.needs_model(member="ReEncryptResponse.SourceKeyMaterialId")
@pytest.mark.needs_model(member="ReEncryptResponse.DestinationKeyMaterialId")
def test_re_encrypt_every_parameter(client: KMSClient, key_id: str) -> None:
    destination = _new_key(client)
    blob = _blob(client, key_id, EncryptionContext=CONTEXT)
    response = client.re_encrypt(
        CiphertextBlob=blob,
        SourceEncryptionContext=CONTEXT,
        SourceKeyId=key_id,
        DestinationKeyId=destination,
        DestinationEncryptionContext={"stage": "two"},
        SourceEncryptionAlgorithm="SYMMETRIC_DEFAULT",
        DestinationEncryptionAlgorithm="SYMMETRIC_DEFAULT",
        DryRun=False,
    )
    assert set(response) == RE_ENCRYPT_KEYS
    assert response["SourceKeyId"] == _arn(key_id)
    assert response["KeyId"] == _arn(destination)
    assert response["SourceEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert response["DestinationEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert response["SourceKeyMaterialId"] == _material(client, key_id)
    assert response["DestinationKeyMaterialId"] == _material(client, destination)
    new = response["CiphertextBlob"]
    opened = client.decrypt(CiphertextBlob=new, EncryptionContext={"stage": "two"})
    assert opened["Plaintext"] == b"secret"
    assert opened["KeyId"] == _arn(destination)
    # The new blob belongs to the destination key and its context only.
    # {} is no context at all (kmsmock's choice; AWS's is not established).
    wrong_contexts: list[dict[str, str]] = [CONTEXT, {}]
    for wrong in wrong_contexts:
        with pytest.raises(client.exceptions.InvalidCiphertextException) as corrupt:
            client.decrypt(CiphertextBlob=new, EncryptionContext=wrong)
        assert corrupt.value.response["Error"]["Message"] == ""
    with pytest.raises(client.exceptions.IncorrectKeyException) as incorrect:
        client.decrypt(CiphertextBlob=new, KeyId=key_id, EncryptionContext={"stage": "two"})
    assert incorrect.value.response["Error"]["Message"] == (
        "The key ID in the request does not identify a CMK that can perform this operation."
    )


@pytest.mark.parametrize("form", FORMS)
def test_re_encrypt_source_key_id_forms(client: KMSClient, key_id: str, form: str) -> None:
    blob = _blob(client, key_id)
    response = client.re_encrypt(
        CiphertextBlob=blob, SourceKeyId=_name(client, key_id, form), DestinationKeyId=key_id
    )
    assert response["SourceKeyId"] == _arn(key_id)


def test_re_encrypt_wrong_source_key_id(client: KMSClient, key_id: str) -> None:
    blob = _blob(client, key_id)
    with pytest.raises(client.exceptions.IncorrectKeyException) as info:
        client.re_encrypt(
            CiphertextBlob=blob, SourceKeyId=_new_key(client), DestinationKeyId=key_id
        )
    _check(info.value, "IncorrectKeyException", INCORRECT_KEY)


def test_re_encrypt_wrong_source_context(client: KMSClient, key_id: str) -> None:
    blob = _blob(client, key_id, EncryptionContext=CONTEXT)
    with pytest.raises(client.exceptions.InvalidCiphertextException) as info:
        client.re_encrypt(
            CiphertextBlob=blob,
            SourceEncryptionContext={"purpose": "other"},
            DestinationKeyId=key_id,
        )
    _check(info.value, "InvalidCiphertextException", "")


def test_re_encrypt_same_key(client: KMSClient, key_id: str) -> None:
    blob = _blob(client, key_id)
    response = client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key_id)
    assert response["SourceKeyId"] == response["KeyId"] == _arn(key_id)
    assert response["CiphertextBlob"] != blob
    assert client.decrypt(CiphertextBlob=response["CiphertextBlob"])["Plaintext"] == b"secret"


@pytest.mark.parametrize("form", ["alias", "alias-arn"])
def test_re_encrypt_destination_alias(client: KMSClient, key_id: str, form: str) -> None:
    destination = _new_key(client)
    blob = _blob(client, key_id)
    response = client.re_encrypt(
        CiphertextBlob=blob, DestinationKeyId=_name(client, destination, form)
    )
    assert response["KeyId"] == _arn(destination)
    opened = client.decrypt(CiphertextBlob=response["CiphertextBlob"], KeyId=destination)
    assert opened["Plaintext"] == b"secret"


# -- GenerateDataKey and GenerateDataKeyWithoutPlaintext -----------------------------------
@pytest.mark.needs_model(member="GenerateDataKeyResponse.KeyMaterialId")
@pytest.mark.parametrize(("spec", "size"), [("AES_256", 32), ("AES_128", 16)])
def test_data_key_key_spec(client: KMSClient, key_id: str, spec: Any, size: int) -> None:
    response = client.generate_data_key(KeyId=key_id, KeySpec=spec, EncryptionContext=CONTEXT)
    assert set(response) == DATA_KEY_KEYS
    assert len(response["Plaintext"]) == size
    assert response["KeyId"] == _arn(key_id)
    assert response["KeyMaterialId"] == _material(client, key_id)
    opened = client.decrypt(CiphertextBlob=response["CiphertextBlob"], EncryptionContext=CONTEXT)
    assert opened["Plaintext"] == response["Plaintext"]


@pytest.mark.parametrize("size", [1, 64, 1024])
def test_data_key_number_of_bytes(client: KMSClient, key_id: str, size: int) -> None:
    response = client.generate_data_key(KeyId=key_id, NumberOfBytes=size)
    assert len(response["Plaintext"]) == size
    opened = client.decrypt(CiphertextBlob=response["CiphertextBlob"])
    assert opened["Plaintext"] == response["Plaintext"]


@pytest.mark.parametrize("sizes", [{}, {"KeySpec": "AES_256", "NumberOfBytes": 32}])
@pytest.mark.parametrize("plain", [True, False])
def test_data_key_spec_xor_bytes(
    client: KMSClient, key_id: str, sizes: dict[str, Any], plain: bool
) -> None:
    generate = client.generate_data_key if plain else client.generate_data_key_without_plaintext
    with pytest.raises(ClientError) as info:
        generate(KeyId=key_id, **sizes)
    # text not recorded; kmsmock's choice
    _check(info.value, "ValidationException", "Please specify either number of bytes or key spec.")


@pytest.mark.parametrize("plain", [True, False])
def test_data_key_too_many_bytes(client: KMSClient, key_id: str, plain: bool) -> None:
    generate = client.generate_data_key if plain else client.generate_data_key_without_plaintext
    with pytest.raises(ClientError) as info:
        generate(KeyId=key_id, NumberOfBytes=1025)
    _check(info.value, "ValidationException", TOO_MANY_BYTES)


@pytest.mark.needs_model(member="GenerateDataKeyWithoutPlaintextResponse.KeyMaterialId")
def test_data_key_without_plaintext(client: KMSClient, key_id: str) -> None:
    response = client.generate_data_key_without_plaintext(
        KeyId=key_id, KeySpec="AES_256", EncryptionContext=CONTEXT
    )
    assert set(response) == DATA_KEY_KEYS - {"Plaintext"}
    assert response["KeyId"] == _arn(key_id)
    opened = client.decrypt(CiphertextBlob=response["CiphertextBlob"], EncryptionContext=CONTEXT)
    assert len(opened["Plaintext"]) == 32


# -- GenerateRandom --------------------------------------------------------------------------
@pytest.mark.parametrize("size", [1, 12, 44, 91, 1024])
def test_random_lengths(client: KMSClient, size: int) -> None:
    assert len(client.generate_random(NumberOfBytes=size)["Plaintext"]) == size


def test_random_differs_per_call(client: KMSClient) -> None:
    first = client.generate_random(NumberOfBytes=32)["Plaintext"]
    assert first != client.generate_random(NumberOfBytes=32)["Plaintext"]


def _unchecked_client() -> KMSClient:
    # botocore rejects 0 and None locally; switching its checks off lets them reach KMS.
    return boto3.client("kms", region_name=REGION, config=Config(parameter_validation=False))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "NumberOfBytes is required."),
        ({"NumberOfBytes": None}, "NumberOfBytes is required."),
        (
            {"NumberOfBytes": 0},
            "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1",
        ),
        ({"NumberOfBytes": 1025}, TOO_MANY_BYTES),
    ],
    ids=["omitted", "none", "zero", "1025"],
)
def test_random_invalid(kms: kmsmock.MockKMS, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ClientError) as info:
        _unchecked_client().generate_random(**params)
    _check(info.value, "ValidationException", message)


# -- Regions and unsupported parameters ------------------------------------------------------
def test_region_blob_from_other_region(client: KMSClient, key_id: str) -> None:
    blob = _blob(client, key_id)
    elsewhere = boto3.client("kms", region_name="eu-west-1")
    with pytest.raises(ClientError) as info:
        elsewhere.decrypt(CiphertextBlob=blob)
    _check(
        info.value,
        "AccessDeniedException",
        "The ciphertext refers to a customer master key that does not exist, does not exist "
        "in this region, or you are not allowed to access.",
    )


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_grant_token_kms_did_not_issue_is_refused(
    client: KMSClient, key_id: str, operation: str
) -> None:
    blob = _blob(client, key_id)
    # API reference, every operation with GrantTokens: InvalidGrantTokenException.
    with pytest.raises(client.exceptions.InvalidGrantTokenException):
        _use(client, operation, key_id, blob, GrantTokens=["token"])
    grant = client.create_grant(KeyId=key_id, GranteePrincipal=ROOT, Operations=["Decrypt"])
    _use(client, operation, key_id, blob, GrantTokens=[grant["GrantToken"]])
