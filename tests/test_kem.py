"""ML-KEM keys: CreateKey, Encapsulate and Decapsulate, black-box through boto3.

Facts from botocore's model documentation (Encapsulate, Decapsulate, KeyMetadata
EncapsulationAlgorithms; FIPS 203 sizes) and KMS_BEHAVIOUR.md sections 2 and 11 for the
shared templates. Interoperability is checked with ``cryptography``'s ML-KEM: a secret
encapsulated locally under the key from GetPublicKey decapsulates in KMS.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization

from kmsmock import NotYetImplemented
from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

mlkem = pytest.importorskip(
    "cryptography.hazmat.primitives.asymmetric.mlkem", reason="cryptography has no ML-KEM"
)
pytestmark = [
    pytest.mark.needs_model(operation="Encapsulate"),
    pytest.mark.needs_model(operation="Decapsulate"),
    pytest.mark.needs_model(enum="KeyUsageType.ENCAPSULATE_DECAPSULATE"),
]

# KeySpec -> (SharedSecretCiphertextBlob size, cryptography public key class).
SPECS = {
    "ML_KEM_768": (1088, "MLKEM768PublicKey"),
    "ML_KEM_1024": (1568, "MLKEM1024PublicKey"),
}
USAGE = "ENCAPSULATE_DECAPSULATE"
DRY_RUN = "The request would have succeeded, but the DryRun option is set."
ACCOUNT = "123456789012"
NO_KMS: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
}


def kem_key(client: KMSClient, spec: str = "ML_KEM_768") -> tuple[str, str]:
    """A new ML-KEM key's (id, ARN)."""
    meta = client.create_key(KeySpec=spec, KeyUsage=USAGE)["KeyMetadata"]  # type: ignore[arg-type]
    return meta["KeyId"], meta["Arn"]


def encapsulate(client: KMSClient, key_id: str, **options: Any) -> dict[str, Any]:
    return dict(client.encapsulate(KeyId=key_id, EncapsulationAlgorithm="ML_KEM", **options))


def decapsulate(client: KMSClient, key_id: str, blob: bytes, **options: Any) -> dict[str, Any]:
    return dict(
        client.decapsulate(
            KeyId=key_id,
            SharedSecretCiphertextBlob=blob,
            EncapsulationAlgorithm="ML_KEM",
            **options,
        )
    )


# -- CreateKey and DescribeKey ---------------------------------------------------------


@pytest.mark.parametrize("spec", list(SPECS))
def test_create_key(client: KMSClient, spec: str) -> None:
    created = client.create_key(KeySpec=spec, KeyUsage=USAGE)["KeyMetadata"]  # type: ignore[arg-type]
    described = client.describe_key(KeyId=created["KeyId"])["KeyMetadata"]
    assert created == described
    assert described["KeySpec"] == spec
    assert described["CustomerMasterKeySpec"] == spec
    assert described["KeyUsage"] == USAGE
    # The model: EncapsulationAlgorithms only, for ENCAPSULATE_DECAPSULATE keys.
    assert described["EncapsulationAlgorithms"] == ["ML_KEM"]
    for field in ("EncryptionAlgorithms", "SigningAlgorithms", "KeyAgreementAlgorithms"):
        assert field not in described
    assert "MacAlgorithms" not in described
    assert "CurrentKeyMaterialId" not in described


@pytest.mark.parametrize(
    ("spec", "usage"),
    [
        ("ML_KEM_768", "SIGN_VERIFY"),
        ("ML_KEM_1024", "ENCRYPT_DECRYPT"),
        ("ML_KEM_768", "KEY_AGREEMENT"),
        ("RSA_2048", USAGE),
        ("ECC_NIST_P256", USAGE),
        ("ML_DSA_65", USAGE),
        ("SYMMETRIC_DEFAULT", USAGE),
    ],
)
def test_create_key_usage_must_fit_the_spec(client: KMSClient, spec: str, usage: str) -> None:
    with pytest.raises(ClientError) as info:
        client.create_key(KeySpec=spec, KeyUsage=usage)  # type: ignore[arg-type]
    # The recorded template (reference section 2), no period.
    assert error_of(info) == (
        "ValidationException",
        f"KeyUsage {usage} is not compatible with KeySpec {spec}",
        400,
    )


def test_create_key_needs_a_key_usage(client: KMSClient) -> None:
    with pytest.raises(ClientError) as info:
        client.create_key(KeySpec="ML_KEM_768")
    assert error_of(info) == (
        "ValidationException",
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
        400,
    )


def test_ml_kem_512_is_a_python_error(client: KMSClient) -> None:
    # cryptography has no ML-KEM-512: a gap is never an AWS answer.
    with pytest.raises(NotYetImplemented, match="ML_KEM_512"):
        client.create_key(KeySpec="ML_KEM_512", KeyUsage=USAGE)  # type: ignore[arg-type]
    assert client.list_keys()["Keys"] == []


# -- GetPublicKey ----------------------------------------------------------------------


@pytest.mark.parametrize("spec", list(SPECS))
def test_get_public_key(client: KMSClient, spec: str) -> None:
    key, arn = kem_key(client, spec)
    result = client.get_public_key(KeyId=key)
    assert result["KeyId"] == arn
    assert result["KeySpec"] == spec
    assert result["KeyUsage"] == USAGE
    assert result["EncapsulationAlgorithms"] == ["ML_KEM"]
    public = serialization.load_der_public_key(result["PublicKey"])
    assert isinstance(public, getattr(mlkem, SPECS[spec][1]))


# -- Encapsulate and Decapsulate -------------------------------------------------------


@pytest.mark.parametrize("spec", list(SPECS))
def test_encapsulate_then_decapsulate(client: KMSClient, spec: str) -> None:
    key, arn = kem_key(client, spec)
    sent = encapsulate(client, key)
    assert sent["KeyId"] == arn
    assert sent["EncapsulationAlgorithm"] == "ML_KEM"
    assert len(sent["SharedSecret"]) == 32
    assert len(sent["SharedSecretCiphertextBlob"]) == SPECS[spec][0]
    received = decapsulate(client, key, sent["SharedSecretCiphertextBlob"])
    assert received == {
        "KeyId": arn,
        "SharedSecret": sent["SharedSecret"],
        "EncapsulationAlgorithm": "ML_KEM",
        "ResponseMetadata": received["ResponseMetadata"],
    }
    # Each encapsulation is a fresh secret.
    assert encapsulate(client, key)["SharedSecret"] != sent["SharedSecret"]


@pytest.mark.parametrize("spec", list(SPECS))
def test_secret_encapsulated_outside_kms_decapsulates_inside(client: KMSClient, spec: str) -> None:
    key, _ = kem_key(client, spec)
    public = serialization.load_der_public_key(client.get_public_key(KeyId=key)["PublicKey"])
    secret, ciphertext = public.encapsulate()  # type: ignore[union-attr]
    assert decapsulate(client, key, ciphertext)["SharedSecret"] == secret


def test_alias_and_arn_identify_the_key(client: KMSClient) -> None:
    key, arn = kem_key(client)
    client.create_alias(AliasName="alias/kem", TargetKeyId=key)
    sent = encapsulate(client, "alias/kem")
    assert sent["KeyId"] == arn
    alias_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/kem"
    assert (
        decapsulate(client, alias_arn, sent["SharedSecretCiphertextBlob"])["SharedSecret"]
        == (sent["SharedSecret"])
    )
    assert decapsulate(client, arn, sent["SharedSecretCiphertextBlob"])["KeyId"] == arn


@pytest.mark.parametrize("damage", ["flipped", "other-key", "random"])
def test_implicit_rejection(client: KMSClient, damage: str) -> None:
    # Decapsulate API reference: any ciphertext of the right length gives a 32-byte
    # pseudo-random secret, even one altered or made for another ML-KEM key.
    key, _ = kem_key(client)
    sent = encapsulate(client, key)
    blob = sent["SharedSecretCiphertextBlob"]
    if damage == "flipped":
        blob = bytes([blob[0] ^ 1]) + blob[1:]
    elif damage == "other-key":
        blob = encapsulate(client, kem_key(client)[0])["SharedSecretCiphertextBlob"]
    else:
        blob = os.urandom(len(blob))
    secret = decapsulate(client, key, blob)["SharedSecret"]
    assert len(secret) == 32
    assert secret != sent["SharedSecret"]
    # Deterministic: the same ciphertext gives the same answer.
    assert decapsulate(client, key, blob)["SharedSecret"] == secret


@pytest.mark.parametrize(
    ("spec", "size"),
    [("ML_KEM_768", 1087), ("ML_KEM_768", 1089), ("ML_KEM_768", 1568), ("ML_KEM_1024", 1088)],
)
def test_ciphertext_of_the_wrong_length(client: KMSClient, spec: str, size: int) -> None:
    key, _ = kem_key(client, spec)
    with pytest.raises(client.exceptions.InvalidCiphertextException) as info:
        decapsulate(client, key, os.urandom(size))
    # kmsmock's text: empty, like Decrypt's InvalidCiphertextException (reference 11).
    assert error_of(info) == ("InvalidCiphertextException", "", 400)


def test_ciphertext_longer_than_the_model_allows(client: KMSClient) -> None:
    key, _ = kem_key(client)
    with pytest.raises(ClientError) as info:
        decapsulate(client, key, b"\x00" * 6145)
    assert error_of(info) == (
        "ValidationException",
        "1 validation error detected: Value "
        "'java.nio.HeapByteBuffer[pos=0 lim=6145 cap=6145]' at 'sharedSecretCiphertextBlob' "
        "failed to satisfy constraint: Member must have length less than or equal to 6144",
        400,
    )


@pytest.mark.parametrize("operation", ["encapsulate", "decapsulate"])
def test_invalid_algorithm(client: KMSClient, operation: str) -> None:
    key, _ = kem_key(client)
    arguments: dict[str, Any] = {"KeyId": key, "EncapsulationAlgorithm": "RSA"}
    if operation == "decapsulate":
        arguments["SharedSecretCiphertextBlob"] = b"\x00" * 1088
    with pytest.raises(ClientError) as info:
        getattr(client, operation)(**arguments)
    assert error_of(info) == (
        "ValidationException",
        "1 validation error detected: Value 'RSA' at 'encapsulationAlgorithm' failed to "
        "satisfy constraint: Member must satisfy enum value set: [ML_KEM]",
        400,
    )


@pytest.mark.parametrize(
    ("spec", "usage"),
    [
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"),
        ("ECC_NIST_P256", "KEY_AGREEMENT"),
        ("HMAC_256", "GENERATE_VERIFY_MAC"),
        ("RSA_2048", "SIGN_VERIFY"),
    ],
)
@pytest.mark.parametrize("operation", ["Encapsulate", "Decapsulate"])
def test_other_keys_are_refused(client: KMSClient, spec: str, usage: str, operation: str) -> None:
    meta = client.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]  # type: ignore[arg-type]
    call = encapsulate if operation == "Encapsulate" else decapsulate
    arguments = [] if operation == "Encapsulate" else [b"\x00" * 1088]
    with pytest.raises(client.exceptions.InvalidKeyUsageException) as info:
        call(client, meta["KeyId"], *arguments)
    # The usage template every operation shares (AWS_RECORDED_FACTS 1.4).
    assert error_of(info) == (
        "InvalidKeyUsageException",
        f"{meta['Arn']} key usage is {usage} which is not valid for {operation}.",
        400,
    )


def test_ml_kem_key_refused_by_other_operations(client: KMSClient) -> None:
    key, arn = kem_key(client)
    refused = "{} key usage is ENCAPSULATE_DECAPSULATE which is not valid for {}."
    with pytest.raises(client.exceptions.InvalidKeyUsageException) as info:
        client.encrypt(KeyId=key, Plaintext=b"x")
    assert error_of(info)[1] == refused.format(arn, "Encrypt")
    with pytest.raises(client.exceptions.InvalidKeyUsageException) as info:
        client.generate_mac(KeyId=key, Message=b"x", MacAlgorithm="HMAC_SHA_256")
    assert error_of(info)[1] == refused.format(arn, "GenerateMac")
    with pytest.raises(client.exceptions.InvalidKeyUsageException) as info:
        client.derive_shared_secret(
            KeyId=key, KeyAgreementAlgorithm="ECDH", PublicKey=b"InvalidPublicKey"
        )
    assert error_of(info)[1] == refused.format(arn, "DeriveSharedSecret")


def test_dry_run(client: KMSClient) -> None:
    key, _ = kem_key(client)
    with pytest.raises(client.exceptions.DryRunOperationException) as info:
        encapsulate(client, key, DryRun=True)
    assert error_of(info) == ("DryRunOperationException", DRY_RUN, 400)
    with pytest.raises(client.exceptions.DryRunOperationException) as info:
        decapsulate(client, key, b"\x00" * 1088, DryRun=True)
    assert error_of(info) == ("DryRunOperationException", DRY_RUN, 400)
    # Neither is a use of the key; a dry run that would fail gives the real error.
    assert client.get_key_last_usage(KeyId=key)["KeyLastUsage"] == {}
    with pytest.raises(client.exceptions.InvalidCiphertextException) as info:
        decapsulate(client, key, b"\x00" * 1087, DryRun=True)
    assert error_of(info) == ("InvalidCiphertextException", "", 400)


@pytest.mark.needs_model(operation="GetKeyLastUsage")
def test_key_last_usage(client: KMSClient) -> None:
    key, _ = kem_key(client)
    blob = encapsulate(client, key)["SharedSecretCiphertextBlob"]
    assert client.get_key_last_usage(KeyId=key)["KeyLastUsage"]["Operation"] == "Encapsulate"
    decapsulate(client, key, blob)
    assert client.get_key_last_usage(KeyId=key)["KeyLastUsage"]["Operation"] == "Decapsulate"


def test_disabled_key(client: KMSClient) -> None:
    key, arn = kem_key(client)
    blob = encapsulate(client, key)["SharedSecretCiphertextBlob"]
    client.disable_key(KeyId=key)
    with pytest.raises(client.exceptions.DisabledException) as info:
        encapsulate(client, key)
    assert error_of(info) == ("DisabledException", f"{arn} is disabled.", 400)
    with pytest.raises(client.exceptions.DisabledException) as info:
        decapsulate(client, key, blob)
    assert error_of(info) == ("DisabledException", f"{arn} is disabled.", 400)


def test_a_grant_lets_a_user_decapsulate(kms: MockKMS, client: KMSClient) -> None:
    key, arn = kem_key(client)
    # IAM allows this user nothing in KMS; only the grant does.
    receiver = kms.user("receiver", policy=NO_KMS)
    client.create_grant(KeyId=key, GranteePrincipal=receiver.arn, Operations=["Decapsulate"])
    sent = encapsulate(client, key)
    theirs = receiver.client()
    received = decapsulate(theirs, arn, sent["SharedSecretCiphertextBlob"])
    assert received["SharedSecret"] == sent["SharedSecret"]
    with pytest.raises(ClientError) as info:
        encapsulate(theirs, arn)
    assert error_of(info)[0] == "AccessDeniedException"
    # Operations an ML-KEM key cannot do are refused (reference section 6).
    with pytest.raises(ClientError) as refused:
        client.create_grant(KeyId=key, GranteePrincipal=receiver.arn, Operations=["Encrypt"])
    assert error_of(refused)[0] == "ValidationException"
