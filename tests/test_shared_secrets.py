"""DeriveSharedSecret (ECDH), black-box through boto3.

Written as two parties use it: the peer computes the secret locally with
``cryptography`` from its private key and the KMS public key, and it must equal what
KMS returns. Expected values come from KMS_BEHAVIOUR.md sections 2 and 11 and
AWS_RECORDED_FACTS.md sections 1 and 3.17 (recorded texts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kmsmock import NotYetImplemented
from tests._helpers import error_of
from tests.test_import import external_key, import_material, pkcs8

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

CURVES = [
    ("ECC_NIST_P256", ec.SECP256R1(), 32),
    ("ECC_NIST_P384", ec.SECP384R1(), 48),
    ("ECC_NIST_P521", ec.SECP521R1(), 66),
]
DRY_RUN = "The request would have succeeded, but the DryRun option is set."


def spki(private: Any) -> bytes:
    """DER SubjectPublicKeyInfo of a private key's public key, as GetPublicKey gives it."""
    data: bytes = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return data


def agreement_key(client: KMSClient, spec: str = "ECC_NIST_P256") -> tuple[str, str]:
    """A new KEY_AGREEMENT key's (id, ARN)."""
    meta = client.create_key(KeySpec=spec, KeyUsage="KEY_AGREEMENT")["KeyMetadata"]  # type: ignore[arg-type]
    return meta["KeyId"], meta["Arn"]


def imported_agreement_key(
    client: KMSClient, spec: str, curve: ec.EllipticCurve
) -> tuple[str, Any]:
    """A KEY_AGREEMENT key with imported material, and its private key."""
    key = external_key(client, KeySpec=spec, KeyUsage="KEY_AGREEMENT")
    private = ec.generate_private_key(curve)
    # P-521's PKCS#8 is too large for RSA-OAEP: the RSA_AES wrapping carries any size.
    import_material(client, key, pkcs8(private), "RSA_AES_KEY_WRAP_SHA_256")
    return key, private


def derive(client: KMSClient, key_id: str, public_key: bytes, **options: Any) -> dict[str, Any]:
    return dict(
        client.derive_shared_secret(
            KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=public_key, **options
        )
    )


@pytest.mark.parametrize(("spec", "curve", "size"), CURVES)
def test_imported_key_secret_equals_the_peers(
    client: KMSClient, spec: str, curve: ec.EllipticCurve, size: int
) -> None:
    key, kms_private = imported_agreement_key(client, spec, curve)
    peer = ec.generate_private_key(curve)
    result = derive(client, key, spki(peer))
    # The peer's side: its private key and the KMS key's public key.
    expected = peer.exchange(ec.ECDH(), kms_private.public_key())
    assert result["SharedSecret"] == expected
    assert len(expected) == size
    arn = client.describe_key(KeyId=key)["KeyMetadata"]["Arn"]
    assert result["KeyId"] == arn
    assert result["KeyAgreementAlgorithm"] == "ECDH"
    assert result["KeyOrigin"] == "EXTERNAL"
    assert "CiphertextForRecipient" not in result


@pytest.mark.parametrize(("spec", "curve", "size"), CURVES)
def test_aws_kms_key(client: KMSClient, spec: str, curve: ec.EllipticCurve, size: int) -> None:
    key, arn = agreement_key(client, spec)
    peer = ec.generate_private_key(curve)
    first = derive(client, key, spki(peer))
    assert first["KeyId"] == arn
    assert first["KeyOrigin"] == "AWS_KMS"
    assert len(first["SharedSecret"]) == size
    # The same key pair every time; another peer gets another secret.
    assert derive(client, key, spki(peer))["SharedSecret"] == first["SharedSecret"]
    other = derive(client, key, spki(ec.generate_private_key(curve)))["SharedSecret"]
    assert other != first["SharedSecret"]


@pytest.mark.parametrize(("spec", "curve", "size"), CURVES)
def test_secret_equals_the_one_computed_with_get_public_key(
    client: KMSClient, spec: str, curve: ec.EllipticCurve, size: int
) -> None:
    key, _ = agreement_key(client, spec)
    peer = ec.generate_private_key(curve)
    kms_public = serialization.load_der_public_key(client.get_public_key(KeyId=key)["PublicKey"])
    assert isinstance(kms_public, ec.EllipticCurvePublicKey)
    assert derive(client, key, spki(peer))["SharedSecret"] == peer.exchange(ec.ECDH(), kms_public)


def test_two_kms_keys_agree(client: KMSClient) -> None:
    # AWS_RECORDED_FACTS 3.17: symmetric between two ECC_NIST_P256 KEY_AGREEMENT keys.
    alice, _ = agreement_key(client)
    bob, _ = agreement_key(client)
    alice_public = client.get_public_key(KeyId=alice)["PublicKey"]
    bob_public = client.get_public_key(KeyId=bob)["PublicKey"]
    assert (
        derive(client, alice, bob_public)["SharedSecret"]
        == (derive(client, bob, alice_public)["SharedSecret"])
    )


def test_alias_identifies_the_key(client: KMSClient) -> None:
    key, arn = agreement_key(client)
    client.create_alias(AliasName="alias/ecdh", TargetKeyId=key)
    peer = spki(ec.generate_private_key(ec.SECP256R1()))
    result = derive(client, "alias/ecdh", peer)
    assert result["KeyId"] == arn
    assert result["SharedSecret"] == derive(client, key, peer)["SharedSecret"]


@pytest.mark.parametrize(
    ("spec", "usage"),
    [
        ("ECC_NIST_P256", "SIGN_VERIFY"),  # recorded
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"),  # recorded
        ("HMAC_256", "GENERATE_VERIFY_MAC"),
        ("RSA_2048", "ENCRYPT_DECRYPT"),
    ],
)
def test_other_key_usages_are_refused(client: KMSClient, spec: str, usage: str) -> None:
    meta = client.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]  # type: ignore[arg-type]
    with pytest.raises(client.exceptions.InvalidKeyUsageException) as info:
        derive(client, meta["KeyId"], spki(ec.generate_private_key(ec.SECP256R1())))
    assert error_of(info) == (
        "InvalidKeyUsageException",
        f"{meta['Arn']} key usage is {usage} which is not valid for DeriveSharedSecret.",
        400,
    )
    assert info.value.response["message"] == error_of(info)[1]  # type: ignore[typeddict-item]


def test_invalid_algorithm(client: KMSClient) -> None:
    key, _ = agreement_key(client)
    with pytest.raises(ClientError) as info:
        client.derive_shared_secret(
            KeyId=key,
            KeyAgreementAlgorithm="INVALID",  # type: ignore[arg-type]
            PublicKey=spki(ec.generate_private_key(ec.SECP256R1())),
        )
    assert error_of(info) == (
        "ValidationException",
        "1 validation error detected: Value 'INVALID' at 'keyAgreementAlgorithm' failed to "
        "satisfy constraint: Member must satisfy enum value set: [ECDH]",
        400,
    )


def _unusable_public_keys() -> list[Any]:
    p384 = spki(ec.generate_private_key(ec.SECP384R1()))
    return [
        pytest.param(b"InvalidPublicKey", id="garbage"),  # recorded
        # kmsmock's choice: a well-formed key on another curve, or of another kind, gets
        # the same answer as an unparsable one (AWS's is not recorded).
        pytest.param(p384, id="other-curve"),
        pytest.param(spki(ec.generate_private_key(ec.SECP256K1())), id="secp256k1"),
        pytest.param(spki(rsa.generate_private_key(65537, 2048)), id="rsa"),
        pytest.param(spki(ed25519.Ed25519PrivateKey.generate()), id="ed25519"),
        pytest.param(p384[:-1], id="truncated"),
        pytest.param(
            ec.generate_private_key(ec.SECP256R1())
            .public_key()
            .public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            ),
            id="raw-point",
        ),
    ]


@pytest.mark.parametrize("public_key", _unusable_public_keys())
def test_unusable_public_key(client: KMSClient, public_key: bytes) -> None:
    key, _ = agreement_key(client)
    with pytest.raises(ClientError) as info:
        derive(client, key, public_key)
    # AWS_RECORDED_FACTS 1.3 and 3.17: no message text, no top-level message key.
    assert error_of(info) == ("ValidationException", "", 400)
    assert "message" not in info.value.response


def test_public_key_longer_than_8192_bytes(client: KMSClient) -> None:
    key, _ = agreement_key(client)
    with pytest.raises(ClientError) as info:
        derive(client, key, b"\x30" * 8193)
    assert error_of(info) == (
        "ValidationException",
        # A non-sensitive blob shows as the Java buffer AWS's validator prints.
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=8193 cap=8193]' "
        "at 'publicKey' failed to satisfy constraint: "
        "Member must have length less than or equal to 8192",
        400,
    )


@pytest.mark.needs_model(operation="GetKeyLastUsage")
def test_dry_run(client: KMSClient) -> None:
    key, _ = agreement_key(client)
    peer = spki(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(client.exceptions.DryRunOperationException) as info:
        derive(client, key, peer, DryRun=True)
    assert error_of(info) == ("DryRunOperationException", DRY_RUN, 400)
    # Not a successful use.
    assert client.get_key_last_usage(KeyId=key)["KeyLastUsage"] == {}
    # A dry run that would fail gives the real error.
    with pytest.raises(ClientError) as failed:
        derive(client, key, b"InvalidPublicKey", DryRun=True)
    assert error_of(failed) == ("ValidationException", "", 400)


@pytest.mark.needs_model(operation="GetKeyLastUsage")
def test_key_last_usage(client: KMSClient) -> None:
    key, _ = agreement_key(client)
    derive(client, key, spki(ec.generate_private_key(ec.SECP256R1())))
    usage = client.get_key_last_usage(KeyId=key)["KeyLastUsage"]
    assert usage["Operation"] == "DeriveSharedSecret"


def test_key_states(client: KMSClient) -> None:
    key, arn = agreement_key(client)
    peer = spki(ec.generate_private_key(ec.SECP256R1()))
    client.disable_key(KeyId=key)
    with pytest.raises(client.exceptions.DisabledException) as info:
        derive(client, key, peer)
    assert error_of(info) == ("DisabledException", f"{arn} is disabled.", 400)
    client.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    with pytest.raises(client.exceptions.KMSInvalidStateException) as pending:
        derive(client, key, peer)
    assert error_of(pending) == ("KMSInvalidStateException", f"{arn} is pending deletion.", 400)
    waiting = external_key(client, KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")
    waiting_arn = client.describe_key(KeyId=waiting)["KeyMetadata"]["Arn"]
    with pytest.raises(client.exceptions.KMSInvalidStateException) as not_imported:
        derive(client, waiting, peer)
    assert error_of(not_imported) == (
        "KMSInvalidStateException",
        f"{waiting_arn} is pending import.",
        400,
    )


def test_recipient_is_not_simulated(client: KMSClient) -> None:
    key, _ = agreement_key(client)
    # A gap is a Python error, never something that could pass for AWS's answer.
    with pytest.raises(NotYetImplemented):
        derive(
            client,
            key,
            spki(ec.generate_private_key(ec.SECP256R1())),
            Recipient={
                "KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
                "AttestationDocument": b"document",
            },
        )


def test_describe_key_shows_ecdh(client: KMSClient) -> None:
    key, _ = agreement_key(client, "ECC_NIST_P384")
    meta = client.describe_key(KeyId=key)["KeyMetadata"]
    assert meta["KeyUsage"] == "KEY_AGREEMENT"
    assert meta["KeyAgreementAlgorithms"] == ["ECDH"]
