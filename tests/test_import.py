"""Imported key material: GetParametersForImport, ImportKeyMaterial,
DeleteImportedKeyMaterial and material expiry.

Written the way a user imports key material: ask for the wrapping parameters, wrap
with ``cryptography`` under the returned public key, import, then use the key.
Expected values come from KMS_BEHAVIOUR.md sections 3, 4 and 9 and AWS_RECORDED_FACTS.md
sections 2.2 and 3.18; texts marked "kmsmock's" are choices where AWS's is unknown.
"""

from __future__ import annotations

import datetime
import os
from typing import TYPE_CHECKING, Any

import boto3
import pytest
import time_machine
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

from kmsmock import NotYetImplemented
from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

UTC = datetime.timezone.utc
DAY = datetime.timedelta(days=1)
T0 = datetime.datetime(2030, 1, 1, tzinfo=UTC)
ALGORITHMS = [
    "RSAES_OAEP_SHA_1",
    "RSAES_OAEP_SHA_256",
    "RSA_AES_KEY_WRAP_SHA_1",
    "RSA_AES_KEY_WRAP_SHA_256",
]
NO_EXPIRY: dict[str, Any] = {"ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}
HEX64 = "0123456789abcdef"


# -- what a user writes ----------------------------------------------------------------


def wrap(public_der: bytes, algorithm: str, material: bytes) -> bytes:
    """Wrap ``material`` as AWS's guide does with OpenSSL, here with ``cryptography``."""
    public = serialization.load_der_public_key(public_der)
    assert isinstance(public, rsa.RSAPublicKey)
    digest: hashes.HashAlgorithm = hashes.SHA1() if algorithm.endswith("SHA_1") else hashes.SHA256()
    oaep = padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)
    if algorithm.startswith("RSAES_OAEP"):
        return public.encrypt(material, oaep)
    aes_key = os.urandom(32)
    return public.encrypt(aes_key, oaep) + aes_key_wrap_with_padding(aes_key, material)


def parameters(
    client: KMSClient, key_id: str, algorithm: str = "RSAES_OAEP_SHA_256", spec: str = "RSA_2048"
) -> dict[str, Any]:
    return dict(
        client.get_parameters_for_import(
            KeyId=key_id,
            WrappingAlgorithm=algorithm,  # type: ignore[arg-type]
            WrappingKeySpec=spec,  # type: ignore[arg-type]
        )
    )


def import_material(
    client: KMSClient,
    key_id: str,
    material: bytes,
    algorithm: str = "RSAES_OAEP_SHA_256",
    spec: str = "RSA_2048",
    **options: Any,
) -> dict[str, Any]:
    given = parameters(client, key_id, algorithm, spec)
    if "ExpirationModel" not in options and "ValidTo" not in options:
        options.update(NO_EXPIRY)
    return dict(
        client.import_key_material(
            KeyId=key_id,
            ImportToken=given["ImportToken"],
            EncryptedKeyMaterial=wrap(given["PublicKey"], algorithm, material),
            **options,
        )
    )


def external_key(client: KMSClient, **options: Any) -> str:
    key_id: str = client.create_key(Origin="EXTERNAL", **options)["KeyMetadata"]["KeyId"]
    return key_id


def metadata(client: KMSClient, key_id: str) -> dict[str, Any]:
    return dict(client.describe_key(KeyId=key_id)["KeyMetadata"])


def pkcs8(private: Any) -> bytes:
    data: bytes = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return data


@pytest.fixture
def external(client: KMSClient) -> str:
    """A fresh symmetric key for imported material, waiting for its import."""
    return external_key(client)


# -- GetParametersForImport ------------------------------------------------------------


def test_parameters_for_import(kms: MockKMS, client: KMSClient, external: str) -> None:
    arn = metadata(client, external)["Arn"]
    first = parameters(client, external)
    assert first["KeyId"] == arn
    public = serialization.load_der_public_key(first["PublicKey"])
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.key_size == 2048
    assert 1 <= len(first["ImportToken"]) <= 6144
    # Valid for 24 hours (reference section 9), on kmsmock's clock.
    expected = kms.clock.datetime() + DAY
    assert abs((first["ParametersValidTo"] - expected).total_seconds()) < 2
    # Every call gets its own token. kmsmock reuses the wrapping key pair of a spec
    # (a documented choice: AWS makes a new pair per call).
    second = parameters(client, external)
    assert second["ImportToken"] != first["ImportToken"]
    assert second["PublicKey"] == first["PublicKey"]


# Making an RSA-4096 key pair is OpenSSL's prime search, seconds under load: that case
# runs with --run-slow (as CI does); RSA-2048 and RSA-3072 take the same paths in every run.
@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.parametrize(
    ("spec", "bits"),
    [
        ("RSA_2048", 2048),
        ("RSA_3072", 3072),
        pytest.param("RSA_4096", 4096, marks=pytest.mark.slow),
    ],
)
def test_each_wrapping_key_spec(client: KMSClient, external: str, spec: str, bits: int) -> None:
    given = parameters(client, external, "RSA_AES_KEY_WRAP_SHA_256", spec)
    public = serialization.load_der_public_key(given["PublicKey"])
    assert isinstance(public, rsa.RSAPublicKey)
    assert public.key_size == bits
    material = os.urandom(32)
    result = client.import_key_material(
        KeyId=external,
        ImportToken=given["ImportToken"],
        EncryptedKeyMaterial=wrap(given["PublicKey"], "RSA_AES_KEY_WRAP_SHA_256", material),
        **NO_EXPIRY,
    )
    assert metadata(client, external)["CurrentKeyMaterialId"] == result["KeyMaterialId"]


def test_origin_aws_kms_is_refused_by_all_three(client: KMSClient, key_id: str) -> None:
    arn = metadata(client, key_id)["Arn"]
    # Recorded text (AWS_RECORDED_FACTS 3.18); the same for the other two [kmsmock's].
    expected = (
        "UnsupportedOperationException",
        f"{arn} origin is AWS_KMS which is not valid for this operation.",
        400,
    )
    with pytest.raises(ClientError) as info:
        parameters(client, key_id)
    assert error_of(info) == expected
    token = parameters(client, external_key(client))["ImportToken"]
    with pytest.raises(ClientError) as info:
        client.import_key_material(
            KeyId=key_id, ImportToken=token, EncryptedKeyMaterial=b"x" * 256, **NO_EXPIRY
        )
    assert error_of(info) == expected
    with pytest.raises(ClientError) as info:
        client.delete_imported_key_material(KeyId=key_id)
    assert error_of(info) == expected


def test_a_disabled_aws_kms_key_answers_with_its_origin(client: KMSClient, key_id: str) -> None:
    # Footnote 9: the origin decides for Enabled, Disabled and PendingDeletion alike.
    client.disable_key(KeyId=key_id)
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    with pytest.raises(ClientError) as info:
        parameters(client, key_id)
    assert error_of(info)[0] == "UnsupportedOperationException"


def test_rsaes_pkcs1_v1_5_is_withdrawn(client: KMSClient, external: str) -> None:
    with pytest.raises(ClientError) as info:
        parameters(client, external, "RSAES_PKCS1_V1_5")
    # Withdrawn 2023-10-10 (model docs); the text is kmsmock's.
    assert error_of(info) == (
        "ValidationException",
        "The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported. Use "
        "RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1, RSA_AES_KEY_WRAP_SHA_256 or "
        "RSA_AES_KEY_WRAP_SHA_1.",
        400,
    )


@pytest.mark.parametrize(
    ("algorithm", "spec"),
    [("SM2PKE", "SM2"), ("SM2PKE", "RSA_2048"), ("RSAES_OAEP_SHA_256", "SM2")],
)
def test_sm2_wrapping_outside_china(
    client: KMSClient, external: str, algorithm: str, spec: str
) -> None:
    with pytest.raises(ClientError) as info:
        parameters(client, external, algorithm, spec)
    # kmsmock's text: SM2 is a China-Regions feature (model docs).
    assert error_of(info) == (
        "ValidationException",
        "The SM2 wrapping key spec and the SM2PKE wrapping algorithm are supported only in "
        "the China Regions.",
        400,
    )


def test_sm2_wrapping_in_china(kms: MockKMS) -> None:
    china = boto3.client("kms", region_name="cn-north-1")
    key = external_key(china)
    with pytest.raises(NotYetImplemented):
        parameters(china, key, "SM2PKE", "SM2")
    with pytest.raises(ClientError) as info:
        parameters(china, key, "RSAES_OAEP_SHA_256", "SM2")
    assert error_of(info) == (
        "ValidationException",
        "Wrapping algorithm RSAES_OAEP_SHA_256 is not compatible with wrapping key spec SM2.",
        400,
    )
    # RSA wrapping works there as anywhere; the ARN is in the aws-cn partition.
    assert parameters(china, key)["KeyId"].startswith("arn:aws-cn:kms:cn-north-1:")


# -- importing symmetric material ------------------------------------------------------


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyId")
@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_import_with_each_wrapping_algorithm(
    client: KMSClient, external: str, algorithm: str
) -> None:
    before = metadata(client, external)
    assert before["KeyState"] == "PendingImport"
    assert "CurrentKeyMaterialId" not in before
    result = import_material(client, external, os.urandom(32), algorithm)
    after = metadata(client, external)
    assert result["KeyId"] == after["Arn"]
    assert len(result["KeyMaterialId"]) == 64
    assert set(result["KeyMaterialId"]) <= set(HEX64)
    # AWS_RECORDED_FACTS 2.2 item 2.
    assert after["KeyState"] == "Enabled"
    assert after["Enabled"] is True
    assert after["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    assert "ValidTo" not in after
    assert after["CurrentKeyMaterialId"] == result["KeyMaterialId"]
    blob = client.encrypt(KeyId=external, Plaintext=b"imported")["CiphertextBlob"]
    decrypted = client.decrypt(CiphertextBlob=blob)
    assert decrypted["Plaintext"] == b"imported"
    assert decrypted["KeyMaterialId"] == result["KeyMaterialId"]


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
def test_the_imported_bytes_are_the_key(client: KMSClient) -> None:
    # The same material in two keys: each blob opens only with its own key, but the
    # key material id differs because it is derived from the key id too.
    material = os.urandom(32)
    one, two = external_key(client), external_key(client)
    first = import_material(client, one, material)["KeyMaterialId"]
    second = import_material(client, two, material)["KeyMaterialId"]
    assert first != second
    blob = client.encrypt(KeyId=one, Plaintext=b"x")["CiphertextBlob"]
    with pytest.raises(ClientError) as info:
        client.decrypt(CiphertextBlob=blob, KeyId=two)
    assert error_of(info)[0] == "IncorrectKeyException"


def test_expiration_model_defaults_to_expires(client: KMSClient, external: str) -> None:
    given = parameters(client, external)
    wrapped = wrap(given["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32))
    with pytest.raises(ClientError) as info:
        client.import_key_material(
            KeyId=external, ImportToken=given["ImportToken"], EncryptedKeyMaterial=wrapped
        )
    # Recorded (AWS_RECORDED_FACTS 3.18).
    assert error_of(info) == (
        "ValidationException",
        "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES",
        400,
    )
    with pytest.raises(ClientError) as info:
        client.import_key_material(
            KeyId=external,
            ImportToken=given["ImportToken"],
            EncryptedKeyMaterial=wrapped,
            ExpirationModel="KEY_MATERIAL_EXPIRES",
        )
    assert error_of(info)[1].startswith("A validTo date must be set")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        # All three texts are kmsmock's.
        (
            {"ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE", "ValidTo": "future"},
            "A validTo date cannot be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE",
        ),
        ({"ValidTo": "past"}, "The validTo date must be in the future"),
        ({"ValidTo": "366 days"}, "The validTo date cannot be more than 365 days in the future"),
    ],
)
def test_valid_to_rules(
    kms: MockKMS, client: KMSClient, external: str, options: dict[str, Any], message: str
) -> None:
    now = kms.clock.datetime()
    dates = {
        "future": now + DAY,
        "past": now - datetime.timedelta(seconds=5),
        "366 days": now + 366 * DAY,
    }
    options = {**options, "ValidTo": dates[options["ValidTo"]]}
    with pytest.raises(ClientError) as info:
        import_material(client, external, os.urandom(32), **options)
    assert error_of(info) == ("ValidationException", message, 400)
    # Exactly 365 days ahead is allowed (model: "The maximum value is 365 days").
    import_material(
        client, external, os.urandom(32), ValidTo=now + 365 * DAY - datetime.timedelta(seconds=5)
    )


def test_valid_to_may_be_exactly_365_days_ahead(
    kms: MockKMS, client: KMSClient, external: str
) -> None:
    # Model: "The maximum value is 365 days from the request date": the bound itself is
    # allowed, a second beyond it is not. Frozen time makes the bound exact.
    with time_machine.travel(T0, tick=False):
        with pytest.raises(ClientError) as info:
            import_material(
                client,
                external,
                os.urandom(32),
                ValidTo=T0 + 365 * DAY + datetime.timedelta(seconds=1),
            )
        assert error_of(info) == (
            "ValidationException",
            "The validTo date cannot be more than 365 days in the future",
            400,
        )
        import_material(client, external, os.urandom(32), ValidTo=T0 + 365 * DAY)
        described = metadata(client, external)
        assert (described["KeyState"], described["ValidTo"]) == ("Enabled", T0 + 365 * DAY)


# -- tokens and wrapping ---------------------------------------------------------------

INVALID_TOKEN = (
    "InvalidImportTokenException",
    # kmsmock's text.
    "The import token is invalid or is associated with a different KMS key.",
    400,
)


def test_import_token_expires_after_24_hours(
    kms: MockKMS, client: KMSClient, external: str
) -> None:
    given = parameters(client, external)
    wrapped = wrap(given["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32))
    kms.clock.advance(hours=24, seconds=1)
    with pytest.raises(ClientError) as info:
        client.import_key_material(
            KeyId=external,
            ImportToken=given["ImportToken"],
            EncryptedKeyMaterial=wrapped,
            **NO_EXPIRY,
        )
    assert error_of(info) == (
        "ExpiredImportTokenException",
        # kmsmock's text.
        "The import token has expired. Use GetParametersForImport to get a new import "
        "token and public key.",
        400,
    )


def test_import_token_just_before_expiry_works(
    kms: MockKMS, client: KMSClient, external: str
) -> None:
    given = parameters(client, external)
    wrapped = wrap(given["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32))
    kms.clock.advance(hours=23, minutes=59, seconds=58)
    client.import_key_material(
        KeyId=external, ImportToken=given["ImportToken"], EncryptedKeyMaterial=wrapped, **NO_EXPIRY
    )
    assert metadata(client, external)["KeyState"] == "Enabled"


def test_import_token_is_valid_until_parameters_valid_to(
    kms: MockKMS, client: KMSClient, external: str
) -> None:
    # Model: "After this time, you cannot use them": at ParametersValidTo itself the
    # token still works (the second after it is refused, test above).
    with time_machine.travel(T0, tick=False):
        given = parameters(client, external)
        assert given["ParametersValidTo"] == T0 + DAY
        wrapped = wrap(given["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32))
        kms.clock.set(given["ParametersValidTo"])
        client.import_key_material(
            KeyId=external,
            ImportToken=given["ImportToken"],
            EncryptedKeyMaterial=wrapped,
            **NO_EXPIRY,
        )
        assert metadata(client, external)["KeyState"] == "Enabled"


def test_token_of_another_key(client: KMSClient, external: str) -> None:
    other = external_key(client)
    given = parameters(client, other)
    with pytest.raises(ClientError) as info:
        client.import_key_material(
            KeyId=external,
            ImportToken=given["ImportToken"],
            EncryptedKeyMaterial=wrap(given["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32)),
            **NO_EXPIRY,
        )
    assert error_of(info) == INVALID_TOKEN
    assert metadata(client, external)["KeyState"] == "PendingImport"


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage"])
def test_tampered_or_garbage_token(client: KMSClient, external: str, damage: str) -> None:
    given = parameters(client, external)
    token: bytes = given["ImportToken"]
    broken = {
        "flip": token[:-1] + bytes([token[-1] ^ 1]),
        "truncate": token[:10],
        "garbage": os.urandom(700),
    }[damage]
    with pytest.raises(ClientError) as info:
        client.import_key_material(
            KeyId=external,
            ImportToken=broken,
            EncryptedKeyMaterial=wrap(given["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32)),
            **NO_EXPIRY,
        )
    assert error_of(info) == INVALID_TOKEN


def test_token_of_another_mock(client: KMSClient, external: str) -> None:
    given = parameters(client, external)
    arn = metadata(client, external)["Arn"]
    import kmsmock

    with kmsmock.mock_kms() as other:
        inner = boto3.client("kms", region_name=other.region)
        key = external_key(inner)
        assert metadata(inner, key)["Arn"] != arn
        with pytest.raises(ClientError) as info:
            inner.import_key_material(
                KeyId=key,
                ImportToken=given["ImportToken"],
                EncryptedKeyMaterial=wrap(given["PublicKey"], "RSAES_OAEP_SHA_256", os.urandom(32)),
                **NO_EXPIRY,
            )
        assert error_of(info) == INVALID_TOKEN


@pytest.mark.parametrize("wrapped_as", ["RSAES_OAEP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256", "garbage"])
def test_material_that_does_not_unwrap(client: KMSClient, external: str, wrapped_as: str) -> None:
    # The token says RSAES_OAEP_SHA_256: material wrapped any other way does not open.
    given = parameters(client, external, "RSAES_OAEP_SHA_256")
    if wrapped_as == "garbage":
        wrapped = os.urandom(256)
    else:
        wrapped = wrap(given["PublicKey"], wrapped_as, os.urandom(32))
    with pytest.raises(ClientError) as info:
        client.import_key_material(
            KeyId=external,
            ImportToken=given["ImportToken"],
            EncryptedKeyMaterial=wrapped,
            **NO_EXPIRY,
        )
    # Empty, as AWS's InvalidCiphertextException from Decrypt [kmsmock's choice].
    assert error_of(info) == ("InvalidCiphertextException", "", 400)


def test_aes_key_wrap_with_a_short_aes_key(client: KMSClient, external: str) -> None:
    given = parameters(client, external, "RSA_AES_KEY_WRAP_SHA_256")
    public = serialization.load_der_public_key(given["PublicKey"])
    assert isinstance(public, rsa.RSAPublicKey)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    aes_key = os.urandom(16)  # AWS's guide asks for a 256-bit AES key
    wrapped = public.encrypt(aes_key, oaep) + aes_key_wrap_with_padding(aes_key, os.urandom(32))
    with pytest.raises(ClientError) as info:
        client.import_key_material(
            KeyId=external,
            ImportToken=given["ImportToken"],
            EncryptedKeyMaterial=wrapped,
            **NO_EXPIRY,
        )
    assert error_of(info) == ("InvalidCiphertextException", "", 400)


@pytest.mark.parametrize("size", [16, 31, 33, 64])
def test_symmetric_material_is_exactly_32_bytes(
    client: KMSClient, external: str, size: int
) -> None:
    with pytest.raises(ClientError) as info:
        import_material(client, external, os.urandom(size))
    assert error_of(info) == (
        "IncorrectKeyMaterialException",
        # kmsmock's text.
        "The key material is not valid for a KMS key with key spec SYMMETRIC_DEFAULT.",
        400,
    )


# -- deleting and re-importing ---------------------------------------------------------


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="DeleteImportedKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
def test_delete_and_reimport_the_same_material(client: KMSClient, external: str) -> None:
    material = os.urandom(32)
    material_id = import_material(client, external, material)["KeyMaterialId"]
    blob = client.encrypt(KeyId=external, Plaintext=b"kept")["CiphertextBlob"]
    arn = metadata(client, external)["Arn"]
    deleted = client.delete_imported_key_material(KeyId=external)
    assert deleted["KeyId"] == arn
    assert deleted["KeyMaterialId"] == material_id
    after = metadata(client, external)
    # AWS_RECORDED_FACTS 2.2 item 3.
    assert after["KeyState"] == "PendingImport"
    assert after["Enabled"] is False
    assert "ExpirationModel" not in after
    assert after["CurrentKeyMaterialId"] == material_id
    with pytest.raises(ClientError) as info:
        client.decrypt(CiphertextBlob=blob)
    assert error_of(info) == ("KMSInvalidStateException", f"{arn} is pending import.", 400)
    # Deleting again has no effect.
    again = client.delete_imported_key_material(KeyId=external)
    assert again["KeyMaterialId"] == material_id
    assert metadata(client, external)["KeyState"] == "PendingImport"
    # Re-importing the same material restores the key and its old ciphertexts.
    reimported = import_material(client, external, material, "RSA_AES_KEY_WRAP_SHA_1")
    assert reimported["KeyMaterialId"] == material_id
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"
    assert metadata(client, external)["KeyState"] == "Enabled"


@pytest.mark.needs_model(member="ImportKeyMaterialRequest.ImportType")
def test_reimport_of_different_material(client: KMSClient, external: str) -> None:
    import_material(client, external, os.urandom(32))
    client.delete_imported_key_material(KeyId=external)
    for options in ({}, {"ImportType": "EXISTING_KEY_MATERIAL"}):
        with pytest.raises(ClientError) as info:
            import_material(client, external, os.urandom(32), **options)
        assert error_of(info) == (
            "IncorrectKeyMaterialException",
            # kmsmock's text.
            "The key material does not match the key material previously imported into "
            "this KMS key.",
            400,
        )
    assert metadata(client, external)["KeyState"] == "PendingImport"


def test_reimport_while_imported_changes_the_expiry(
    kms: MockKMS, client: KMSClient, external: str
) -> None:
    material = os.urandom(32)
    # Whole seconds: older botocores (1.40's) send a timestamp without its fraction.
    valid_to = (kms.clock.datetime() + DAY).replace(microsecond=0)
    import_material(client, external, material, ValidTo=valid_to)
    described = metadata(client, external)
    assert described["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    assert abs((described["ValidTo"] - valid_to).total_seconds()) < 0.002
    import_material(client, external, material)  # now KEY_MATERIAL_DOES_NOT_EXPIRE
    described = metadata(client, external)
    assert described["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    assert "ValidTo" not in described
    kms.clock.advance(days=2)
    assert metadata(client, external)["KeyState"] == "Enabled"


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="ImportKeyMaterialRequest.ImportType")
@pytest.mark.needs_model(member="ImportKeyMaterialRequest.KeyMaterialId")
@pytest.mark.needs_model(member="ImportKeyMaterialRequest.KeyMaterialDescription")
def test_existing_import_with_key_material_id(client: KMSClient, external: str) -> None:
    material = os.urandom(32)
    material_id = import_material(client, external, material)["KeyMaterialId"]
    client.delete_imported_key_material(KeyId=external)
    wrong = "0" * 64
    with pytest.raises(ClientError) as info:
        import_material(client, external, material, KeyMaterialId=wrong)
    assert error_of(info) == (
        "IncorrectKeyMaterialException",
        f"The key material does not match the key material ID {wrong}.",  # kmsmock's
        400,
    )
    result = import_material(
        client,
        external,
        material,
        ImportType="EXISTING_KEY_MATERIAL",
        KeyMaterialId=material_id,
        KeyMaterialDescription="restored after deletion",
    )
    assert result["KeyMaterialId"] == material_id
    assert metadata(client, external)["KeyState"] == "Enabled"


@pytest.mark.needs_model(member="ImportKeyMaterialRequest.ImportType")
def test_existing_import_into_a_key_without_material(client: KMSClient, external: str) -> None:
    with pytest.raises(ClientError) as info:
        import_material(client, external, os.urandom(32), ImportType="EXISTING_KEY_MATERIAL")
    assert error_of(info)[0] == "IncorrectKeyMaterialException"


@pytest.mark.needs_model(member="DeleteImportedKeyMaterialRequest.KeyMaterialId")
def test_delete_unknown_key_material_id(client: KMSClient, external: str) -> None:
    import_material(client, external, os.urandom(32))
    arn = metadata(client, external)["Arn"]
    unknown = "a" * 64
    with pytest.raises(ClientError) as info:
        client.delete_imported_key_material(KeyId=external, KeyMaterialId=unknown)
    assert error_of(info) == (
        "NotFoundException",
        f"Key material with ID {unknown} does not exist for {arn}.",  # kmsmock's
        400,
    )


@pytest.mark.needs_model(member="DeleteImportedKeyMaterialResponse.KeyId")
def test_delete_before_any_import_has_no_effect(client: KMSClient, external: str) -> None:
    result: dict[str, Any] = dict(client.delete_imported_key_material(KeyId=external))
    assert result["KeyId"] == metadata(client, external)["Arn"]
    assert "KeyMaterialId" not in result
    assert metadata(client, external)["KeyState"] == "PendingImport"


def test_a_disabled_key_stays_disabled_after_import(client: KMSClient, external: str) -> None:
    material = os.urandom(32)
    import_material(client, external, material)
    client.disable_key(KeyId=external)
    # Re-import into a Disabled key: the key stays Disabled [kmsmock's choice].
    import_material(client, external, material)
    assert metadata(client, external)["KeyState"] == "Disabled"
    # Deleting the material of a Disabled key: PendingImport (model docs).
    client.delete_imported_key_material(KeyId=external)
    assert metadata(client, external)["KeyState"] == "PendingImport"
    import_material(client, external, material)
    assert metadata(client, external)["KeyState"] == "Enabled"


def test_pending_deletion(client: KMSClient, external: str) -> None:
    material = os.urandom(32)
    import_material(client, external, material)
    arn = metadata(client, external)["Arn"]
    given = parameters(client, external)
    client.schedule_key_deletion(KeyId=external, PendingWindowInDays=7)
    pending = ("KMSInvalidStateException", f"{arn} is pending deletion.", 400)
    # Footnote 8: a key with imported material, pending deletion.
    with pytest.raises(ClientError) as info:
        parameters(client, external)
    assert error_of(info) == pending
    with pytest.raises(ClientError) as info:
        client.import_key_material(
            KeyId=external,
            ImportToken=given["ImportToken"],
            EncryptedKeyMaterial=wrap(given["PublicKey"], "RSAES_OAEP_SHA_256", material),
            **NO_EXPIRY,
        )
    assert error_of(info) == pending
    # DeleteImportedKeyMaterial works and keeps the state (reference section 4, 9).
    client.delete_imported_key_material(KeyId=external)
    described = metadata(client, external)
    assert described["KeyState"] == "PendingDeletion"
    assert "ExpirationModel" not in described


@pytest.mark.parametrize("imported", [True, False])
def test_cancel_key_deletion_of_an_external_key(
    client: KMSClient, external: str, imported: bool
) -> None:
    # CancelKeyDeletion gives Disabled (reference section 4); a key whose material is
    # gone waits for it again instead (kmsmock's choice: AWS does not say).
    import_material(client, external, os.urandom(32))
    if not imported:
        client.delete_imported_key_material(KeyId=external)
    client.schedule_key_deletion(KeyId=external, PendingWindowInDays=7)
    client.cancel_key_deletion(KeyId=external)
    assert metadata(client, external)["KeyState"] == ("Disabled" if imported else "PendingImport")


# -- expiry ----------------------------------------------------------------------------


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
def test_material_expires_at_valid_to(kms: MockKMS, client: KMSClient, external: str) -> None:
    material = os.urandom(32)
    valid_to = kms.clock.datetime() + DAY
    material_id = import_material(client, external, material, ValidTo=valid_to)["KeyMaterialId"]
    blob = client.encrypt(KeyId=external, Plaintext=b"until tomorrow")["CiphertextBlob"]
    kms.clock.set(valid_to - datetime.timedelta(seconds=1))
    assert metadata(client, external)["KeyState"] == "Enabled"
    kms.clock.set(valid_to + datetime.timedelta(seconds=1))
    described = metadata(client, external)
    assert described["KeyState"] == "PendingImport"
    assert "ExpirationModel" not in described
    assert "ValidTo" not in described
    assert described["CurrentKeyMaterialId"] == material_id
    with pytest.raises(ClientError) as info:
        client.encrypt(KeyId=external, Plaintext=b"x")
    assert error_of(info) == (
        "KMSInvalidStateException",
        f"{described['Arn']} is pending import.",
        400,
    )
    # Only the same material may return; then the old blobs open again.
    import_material(client, external, material, ValidTo=kms.clock.datetime() + DAY)
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"until tomorrow"


def test_expiry_keeps_pending_deletion(kms: MockKMS, client: KMSClient, external: str) -> None:
    import_material(client, external, os.urandom(32), ValidTo=kms.clock.datetime() + DAY)
    client.schedule_key_deletion(KeyId=external, PendingWindowInDays=7)
    kms.clock.advance(days=2)
    described = metadata(client, external)
    assert described["KeyState"] == "PendingDeletion"
    assert "ExpirationModel" not in described
    client.cancel_key_deletion(KeyId=external)


def test_deleted_then_reimported_material_does_not_expire_at_the_old_date(
    kms: MockKMS, client: KMSClient, external: str
) -> None:
    material = os.urandom(32)
    import_material(client, external, material, ValidTo=kms.clock.datetime() + DAY)
    client.delete_imported_key_material(KeyId=external)
    later = (kms.clock.datetime() + 3 * DAY).replace(microsecond=0)  # whole seconds: old botocores
    import_material(client, external, material, ValidTo=later)
    kms.clock.advance(days=2)
    described = metadata(client, external)
    assert described["KeyState"] == "Enabled"
    assert abs((described["ValidTo"] - later).total_seconds()) < 0.002
    kms.clock.advance(days=1, seconds=1)
    assert metadata(client, external)["KeyState"] == "PendingImport"


# -- new material and rotation ---------------------------------------------------------


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="ImportKeyMaterialRequest.ImportType")
@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
@pytest.mark.needs_model(member="DeleteImportedKeyMaterialRequest.KeyMaterialId")
def test_new_material_waits_for_rotation(client: KMSClient, external: str) -> None:
    first = import_material(client, external, os.urandom(32))["KeyMaterialId"]
    old_blob = client.encrypt(KeyId=external, Plaintext=b"old")["CiphertextBlob"]
    second = import_material(client, external, os.urandom(32), ImportType="NEW_KEY_MATERIAL")[
        "KeyMaterialId"
    ]
    assert second != first
    # AWS_RECORDED_FACTS 2.2 item 4: current until RotateKeyOnDemand.
    assert metadata(client, external)["CurrentKeyMaterialId"] == first
    third = os.urandom(32)
    with pytest.raises(ClientError) as info:
        import_material(client, external, third, ImportType="NEW_KEY_MATERIAL")
    code, message, status = error_of(info)
    arn = metadata(client, external)["Arn"]
    # Recorded (AWS_RECORDED_FACTS 3.18); the new id is the one the material would get.
    assert (code, status) == ("KMSInvalidStateException", 400)
    prefix, rest = message.split("(id: ", 1)
    new_id, rest = rest.split(")", 1)
    assert prefix == "New key material "
    assert len(new_id) == 64
    assert new_id not in (first, second)
    assert rest == (
        f" cannot be imported into KMS key {arn}, because another key material "
        f"(id: {second}) is pending rotation."
    )
    client.rotate_key_on_demand(KeyId=external)
    client.describe_key(KeyId=external)  # the rotation completes at the next call
    assert metadata(client, external)["CurrentKeyMaterialId"] == second
    new_blob = client.encrypt(KeyId=external, Plaintext=b"new")["CiphertextBlob"]
    assert client.decrypt(CiphertextBlob=new_blob)["KeyMaterialId"] == second
    # Old ciphertexts still decrypt while their material is imported.
    opened = client.decrypt(CiphertextBlob=old_blob)
    assert (opened["Plaintext"], opened["KeyMaterialId"]) == (b"old", first)
    # Deleting the old, non-current material makes the whole key wait for it.
    client.delete_imported_key_material(KeyId=external, KeyMaterialId=first)
    assert metadata(client, external)["KeyState"] == "PendingImport"


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="ImportKeyMaterialRequest.ImportType")
@pytest.mark.needs_model(member="ImportKeyMaterialRequest.KeyMaterialId")
def test_new_import_type_rules(client: KMSClient, external: str) -> None:
    material = os.urandom(32)
    material_id = import_material(client, external, material)["KeyMaterialId"]
    with pytest.raises(ClientError) as info:
        import_material(
            client,
            external,
            os.urandom(32),
            ImportType="NEW_KEY_MATERIAL",
            KeyMaterialId=material_id,
        )
    assert error_of(info) == (
        "ValidationException",
        "KeyMaterialId cannot be specified when ImportType is NEW_KEY_MATERIAL",  # kmsmock's
        400,
    )
    arn = metadata(client, external)["Arn"]
    with pytest.raises(ClientError) as info:
        import_material(client, external, material, ImportType="NEW_KEY_MATERIAL")
    assert error_of(info) == (
        "IncorrectKeyMaterialException",
        f"The key material (id: {material_id}) is already associated with KMS key {arn}.",
        400,
    )


@pytest.mark.needs_model(member="ImportKeyMaterialRequest.ImportType")
@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="DeleteImportedKeyMaterialRequest.KeyMaterialId")
@pytest.mark.needs_model(member="DeleteImportedKeyMaterialResponse.KeyMaterialId")
def test_deleting_pending_material_lets_other_new_material_in(
    client: KMSClient, external: str
) -> None:
    import_material(client, external, os.urandom(32))
    pending = import_material(client, external, os.urandom(32), ImportType="NEW_KEY_MATERIAL")
    deleted = client.delete_imported_key_material(
        KeyId=external, KeyMaterialId=pending["KeyMaterialId"]
    )
    assert deleted["KeyMaterialId"] == pending["KeyMaterialId"]
    # Pending material is not permanently associated: the key stays usable.
    assert metadata(client, external)["KeyState"] == "Enabled"
    other = import_material(client, external, os.urandom(32), ImportType="NEW_KEY_MATERIAL")
    assert other["KeyMaterialId"] != pending["KeyMaterialId"]


@pytest.mark.needs_model(member="ImportKeyMaterialRequest.ImportType")
def test_valid_to_is_the_earliest_expiry(kms: MockKMS, client: KMSClient, external: str) -> None:
    now = kms.clock.datetime().replace(microsecond=0)  # whole seconds: old botocores
    import_material(client, external, os.urandom(32), ValidTo=now + 10 * DAY)
    import_material(
        client, external, os.urandom(32), ImportType="NEW_KEY_MATERIAL", ValidTo=now + 5 * DAY
    )
    described = metadata(client, external)
    assert described["ExpirationModel"] == "KEY_MATERIAL_EXPIRES"
    assert abs((described["ValidTo"] - (now + 5 * DAY)).total_seconds()) < 0.002
    # Pending material expiring leaves the key usable: it was never part of it.
    kms.clock.advance(days=6)
    described = metadata(client, external)
    assert described["KeyState"] == "Enabled"
    assert abs((described["ValidTo"] - (now + 10 * DAY)).total_seconds()) < 0.002


# -- HMAC and asymmetric keys ----------------------------------------------------------


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyId")
@pytest.mark.parametrize(
    ("spec", "size"), [("HMAC_224", 28), ("HMAC_256", 32), ("HMAC_384", 48), ("HMAC_512", 64)]
)
def test_hmac_import(client: KMSClient, spec: str, size: int) -> None:
    key = external_key(client, KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")
    material = os.urandom(size)
    result = import_material(client, key, material)
    described = metadata(client, key)
    assert result["KeyId"] == described["Arn"]
    # AWS_RECORDED_FACTS 2.2: no CurrentKeyMaterialId for HMAC keys.
    assert described["KeyState"] == "Enabled"
    assert described["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    assert "CurrentKeyMaterialId" not in described
    # The same material again is fine; other material is not.
    import_material(client, key, material)
    with pytest.raises(ClientError) as info:
        import_material(client, key, os.urandom(size))
    assert error_of(info)[0] == "IncorrectKeyMaterialException"
    client.delete_imported_key_material(KeyId=key)
    described = metadata(client, key)
    assert described["KeyState"] == "PendingImport"
    assert "ExpirationModel" not in described


@pytest.mark.parametrize(("spec", "size"), [("HMAC_224", 27), ("HMAC_256", 65), ("HMAC_512", 129)])
def test_hmac_material_length(client: KMSClient, spec: str, size: int) -> None:
    # kmsmock accepts from the digest length up to the hash's block size.
    key = external_key(client, KeySpec=spec, KeyUsage="GENERATE_VERIFY_MAC")
    with pytest.raises(ClientError) as info:
        import_material(client, key, os.urandom(size))
    assert error_of(info) == (
        "IncorrectKeyMaterialException",
        f"The key material is not valid for a KMS key with key spec {spec}.",
        400,
    )
    import_material(client, key, os.urandom(size - 1 if size > 64 else size + 1))


@pytest.mark.needs_model(member="ImportKeyMaterialRequest", param="parameter")
@pytest.mark.parametrize("parameter", ["ImportType", "KeyMaterialId", "KeyMaterialDescription"])
def test_symmetric_only_parameters(client: KMSClient, parameter: str) -> None:
    key = external_key(client, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    value = {"ImportType": "NEW_KEY_MATERIAL", "KeyMaterialId": "0" * 64}.get(parameter, "d")
    with pytest.raises(ClientError) as info:
        import_material(client, key, os.urandom(32), **{parameter: value})
    assert error_of(info) == (
        "ValidationException",
        f"{parameter} is valid only for symmetric encryption KMS keys.",  # kmsmock's
        400,
    )


@pytest.mark.parametrize(
    ("spec", "curve", "algorithm", "wrapping"),
    [
        ("ECC_NIST_P256", ec.SECP256R1(), "RSAES_OAEP_SHA_1", "RSA_2048"),
        ("ECC_NIST_P384", ec.SECP384R1(), "RSAES_OAEP_SHA_256", "RSA_2048"),
        ("ECC_NIST_P521", ec.SECP521R1(), "RSA_AES_KEY_WRAP_SHA_256", "RSA_2048"),
        ("ECC_SECG_P256K1", ec.SECP256K1(), "RSAES_OAEP_SHA_1", "RSA_2048"),
    ],
)
def test_ecc_import(
    client: KMSClient, spec: str, curve: ec.EllipticCurve, algorithm: str, wrapping: str
) -> None:
    key = external_key(client, KeySpec=spec, KeyUsage="SIGN_VERIFY")
    private = ec.generate_private_key(curve)
    import_material(client, key, pkcs8(private), algorithm, wrapping)
    described = metadata(client, key)
    assert described["KeyState"] == "Enabled"
    assert described["ExpirationModel"] == "KEY_MATERIAL_DOES_NOT_EXPIRE"
    assert "CurrentKeyMaterialId" not in described
    # Another key pair is other material.
    with pytest.raises(ClientError) as info:
        import_material(
            client, key, pkcs8(ec.generate_private_key(curve)), "RSA_AES_KEY_WRAP_SHA_1"
        )
    assert error_of(info)[0] == "IncorrectKeyMaterialException"


def test_p521_does_not_fit_oaep_with_rsa_2048(client: KMSClient) -> None:
    # Reference section 9: the material is too large for RSA_2048 OAEP; a user's own
    # library refuses to wrap it, so it never reaches KMS.
    key = external_key(client, KeySpec="ECC_NIST_P521", KeyUsage="SIGN_VERIFY")
    given = parameters(client, key, "RSAES_OAEP_SHA_256", "RSA_2048")
    with pytest.raises(ValueError, match="Encryption failed"):
        wrap(
            given["PublicKey"], "RSAES_OAEP_SHA_256", pkcs8(ec.generate_private_key(ec.SECP521R1()))
        )


def test_asymmetric_material_must_match_the_key_spec(client: KMSClient) -> None:
    key = external_key(client, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    expected = (
        "IncorrectKeyMaterialException",
        "The key material is not valid for a KMS key with key spec ECC_NIST_P256.",
        400,
    )
    wrong_curve = pkcs8(ec.generate_private_key(ec.SECP384R1()))
    sec1 = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    for material in (wrong_curve, sec1, os.urandom(32)):
        with pytest.raises(ClientError) as info:
            import_material(client, key, material, "RSA_AES_KEY_WRAP_SHA_256")
        assert error_of(info) == expected
    assert metadata(client, key)["KeyState"] == "PendingImport"


@pytest.mark.needs_model(enum="KeySpec.ECC_NIST_EDWARDS25519")
def test_ed25519_import(client: KMSClient) -> None:
    key = external_key(client, KeySpec="ECC_NIST_EDWARDS25519", KeyUsage="SIGN_VERIFY")
    import_material(client, key, pkcs8(ed25519.Ed25519PrivateKey.generate()))
    assert metadata(client, key)["KeyState"] == "Enabled"


def test_rsa_private_key_import(client: KMSClient) -> None:
    # AWS_RECORDED_FACTS 3.18: RSA private keys need an RSA_AES wrapping algorithm.
    key = external_key(client, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    private = rsa.generate_private_key(65537, 2048)
    given = parameters(client, key, "RSAES_OAEP_SHA_256", "RSA_4096")
    with pytest.raises(ValueError, match="Encryption failed"):
        # Far too large for RSA-OAEP: the user's library refuses to wrap it.
        wrap(given["PublicKey"], "RSAES_OAEP_SHA_256", pkcs8(private))
    import_material(client, key, pkcs8(private), "RSA_AES_KEY_WRAP_SHA_256", "RSA_4096")
    described = metadata(client, key)
    assert described["KeyState"] == "Enabled"
    assert described["EncryptionAlgorithms"] == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    assert "CurrentKeyMaterialId" not in described
    # A key of another size does not fit this key spec.
    other = external_key(client, KeySpec="RSA_3072", KeyUsage="SIGN_VERIFY")
    with pytest.raises(ClientError) as info:
        import_material(client, other, pkcs8(private), "RSA_AES_KEY_WRAP_SHA_256")
    assert error_of(info)[0] == "IncorrectKeyMaterialException"


# -- multi-Region keys -----------------------------------------------------------------


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="ImportKeyMaterialRequest.ImportType")
@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
def test_replica_needs_the_primarys_material(kms: MockKMS, client: KMSClient) -> None:
    west = boto3.client("kms", region_name="us-west-2")
    primary = external_key(client, MultiRegion=True)
    material = os.urandom(32)
    material_id = import_material(client, primary, material)["KeyMaterialId"]
    blob = client.encrypt(KeyId=primary, Plaintext=b"everywhere")["CiphertextBlob"]
    client.replicate_key(KeyId=primary, ReplicaRegion="us-west-2")
    assert metadata(west, primary)["KeyState"] == "PendingImport"
    # Material the primary does not have is refused in the replica.
    with pytest.raises(ClientError) as info:
        import_material(west, primary, os.urandom(32))
    arn = metadata(client, primary)["Arn"]
    assert error_of(info) == (
        "IncorrectKeyMaterialException",
        f"The key material is not associated with the primary Region key {arn}. Import new "
        "key material into the primary Region key first.",  # kmsmock's
        400,
    )
    # The same material gets the same id and opens the primary's blobs.
    result = import_material(west, primary, material, ImportType="EXISTING_KEY_MATERIAL")
    assert result["KeyMaterialId"] == material_id
    replica = metadata(west, primary)
    assert replica["KeyState"] == "Enabled"
    assert replica["CurrentKeyMaterialId"] == material_id
    assert west.decrypt(CiphertextBlob=blob)["Plaintext"] == b"everywhere"
    # Each member's import is its own: deleting the primary's leaves the replica usable,
    client.delete_imported_key_material(KeyId=primary)
    assert metadata(client, primary)["KeyState"] == "PendingImport"
    assert metadata(west, primary)["KeyState"] == "Enabled"
    assert west.decrypt(CiphertextBlob=blob)["Plaintext"] == b"everywhere"
    # and the other way round.
    import_material(client, primary, material)
    west.delete_imported_key_material(KeyId=primary)
    assert metadata(west, primary)["KeyState"] == "PendingImport"
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"everywhere"


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="ImportKeyMaterialRequest.ImportType")
@pytest.mark.needs_model(member="ListKeyRotationsRequest.IncludeKeyMaterial")
@pytest.mark.needs_model(member="DeleteImportedKeyMaterialRequest.KeyMaterialId")
def test_deleting_the_primarys_pending_material_deletes_the_replicas_copy(
    kms: MockKMS, client: KMSClient
) -> None:
    # DeleteImportedKeyMaterial's model doc: deleting a primary's material in
    # PENDING_ROTATION deletes it from the replicas too; deleting a replica's leaves the
    # primary unchanged.
    west = boto3.client("kms", region_name="us-west-2")
    primary = external_key(client, MultiRegion=True)
    current, new = os.urandom(32), os.urandom(32)
    current_id = import_material(client, primary, current)["KeyMaterialId"]
    new_id = import_material(client, primary, new, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    client.replicate_key(KeyId=primary, ReplicaRegion="us-west-2")
    kms.clock.advance(seconds=1)
    import_material(west, primary, current, ImportType="EXISTING_KEY_MATERIAL")
    import_material(west, primary, new, ImportType="EXISTING_KEY_MATERIAL")

    def listed(regional: KMSClient) -> list[tuple[str, str]]:
        rotations = regional.list_key_rotations(
            KeyId=primary, IncludeKeyMaterial="ALL_KEY_MATERIAL"
        )
        return [(e["KeyMaterialId"], e["KeyMaterialState"]) for e in rotations["Rotations"]]

    assert listed(client) == listed(west) == [(current_id, "CURRENT"), (new_id, "PENDING_ROTATION")]
    client.delete_imported_key_material(KeyId=primary, KeyMaterialId=new_id)
    assert listed(client) == listed(west) == [(current_id, "CURRENT")]
    assert metadata(client, primary)["KeyState"] == metadata(west, primary)["KeyState"] == "Enabled"
    # The other way round: the replica's copy goes, the primary's stays (and now waits
    # for the replica's import).
    import_material(client, primary, new, ImportType="NEW_KEY_MATERIAL")
    import_material(west, primary, new, ImportType="EXISTING_KEY_MATERIAL")
    west.delete_imported_key_material(KeyId=primary, KeyMaterialId=new_id)
    assert listed(west) == [(current_id, "CURRENT")]
    assert listed(client) == [
        (current_id, "CURRENT"),
        (new_id, "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"),
    ]


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.needs_model(member="ImportKeyMaterialRequest.ImportType")
@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
def test_a_replica_waits_for_the_primarys_current_material(kms: MockKMS, client: KMSClient) -> None:
    # A replica encrypts with its primary's current material (reference section 10:
    # material is shared): importing only an earlier version leaves it PendingImport.
    west = boto3.client("kms", region_name="us-west-2")
    key = external_key(client, MultiRegion=True)
    first, second = os.urandom(32), os.urandom(32)
    first_id = import_material(client, key, first)["KeyMaterialId"]
    old_blob = client.encrypt(KeyId=key, Plaintext=b"old")["CiphertextBlob"]
    second_id = import_material(client, key, second, ImportType="NEW_KEY_MATERIAL")["KeyMaterialId"]
    client.rotate_key_on_demand(KeyId=key)
    kms.clock.advance(seconds=1)
    client.replicate_key(KeyId=key, ReplicaRegion="us-west-2")
    kms.clock.advance(seconds=1)
    import_material(west, key, first, ImportType="EXISTING_KEY_MATERIAL")
    assert metadata(west, key)["KeyState"] == "PendingImport"
    import_material(west, key, second, ImportType="EXISTING_KEY_MATERIAL")
    described = metadata(west, key)
    assert (described["KeyState"], described["CurrentKeyMaterialId"]) == ("Enabled", second_id)
    blob = west.encrypt(KeyId=key, Plaintext=b"new")["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=blob)["KeyMaterialId"] == second_id
    assert west.decrypt(CiphertextBlob=old_blob)["KeyMaterialId"] == first_id
