"""GetPublicKey, and SM2 keys (China Regions only), black-box through boto3.

Expected values come from KMS_BEHAVIOUR.md section 2 (key specs, algorithm lists, measured
DER sizes), AWS_RECORDED_FACTS.md sections 2.1 and 3.16, and the model's API reference;
texts marked "kmsmock's" are choices where AWS's is unknown.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kmsmock import NotYetImplemented
from kmsmock.crypto import _pool
from tests._helpers import error_of
from tests.test_import import external_key, import_material, pkcs8

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

ACCOUNT = "123456789012"
OTHER = "210987654321"
RSA_ENCRYPTION = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
RSA_SIGNING = [
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
]
COMMON_KEYS = {"KeyId", "PublicKey", "CustomerMasterKeySpec", "KeySpec", "KeyUsage"}
# (KeySpec, KeyUsage, algorithm field, algorithms, DER size, what the DER holds). Sizes
# are the reference's measured ones (section 2); ML-KEM's are FIPS 203's encapsulation
# key sizes (1184, 1568) plus the 22-byte SubjectPublicKeyInfo header ML-DSA's also have.
CASES: list[tuple[str, str, str, list[str], int, Any]] = [
    ("RSA_2048", "ENCRYPT_DECRYPT", "EncryptionAlgorithms", RSA_ENCRYPTION, 294, 2048),
    ("RSA_3072", "SIGN_VERIFY", "SigningAlgorithms", RSA_SIGNING, 422, 3072),
    ("RSA_4096", "ENCRYPT_DECRYPT", "EncryptionAlgorithms", RSA_ENCRYPTION, 550, 4096),
    ("ECC_NIST_P256", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_256"], 91, "secp256r1"),
    ("ECC_NIST_P256", "KEY_AGREEMENT", "KeyAgreementAlgorithms", ["ECDH"], 91, "secp256r1"),
    ("ECC_NIST_P384", "KEY_AGREEMENT", "KeyAgreementAlgorithms", ["ECDH"], 120, "secp384r1"),
    ("ECC_NIST_P521", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_512"], 158, "secp521r1"),
    ("ECC_SECG_P256K1", "SIGN_VERIFY", "SigningAlgorithms", ["ECDSA_SHA_256"], 88, "secp256k1"),
    (
        "ECC_NIST_EDWARDS25519",
        "SIGN_VERIFY",
        "SigningAlgorithms",
        ["ED25519_SHA_512", "ED25519_PH_SHA_512"],
        44,
        "Ed25519",
    ),
    ("ML_DSA_44", "SIGN_VERIFY", "SigningAlgorithms", ["ML_DSA_SHAKE_256"], 1334, "MLDSA44"),
    ("ML_DSA_65", "SIGN_VERIFY", "SigningAlgorithms", ["ML_DSA_SHAKE_256"], 1974, "MLDSA65"),
    ("ML_DSA_87", "SIGN_VERIFY", "SigningAlgorithms", ["ML_DSA_SHAKE_256"], 2614, "MLDSA87"),
    (
        "ML_KEM_768",
        "ENCAPSULATE_DECAPSULATE",
        "EncapsulationAlgorithms",
        ["ML_KEM"],
        1206,
        "MLKEM768",
    ),
    (
        "ML_KEM_1024",
        "ENCAPSULATE_DECAPSULATE",
        "EncapsulationAlgorithms",
        ["ML_KEM"],
        1590,
        "MLKEM1024",
    ),
]
SM2_NOT_HERE = ("UnsupportedOperationException", "KeySpec SM2 is not supported in this Region", 400)
SM2_USAGES = [
    ("ENCRYPT_DECRYPT", "EncryptionAlgorithms", ["SM2PKE"]),
    ("SIGN_VERIFY", "SigningAlgorithms", ["SM2DSA"]),
    ("KEY_AGREEMENT", "KeyAgreementAlgorithms", ["ECDH"]),
]


def create(client: KMSClient, spec: str, usage: str, **extra: Any) -> dict[str, Any]:
    created = client.create_key(
        KeySpec=spec,  # type: ignore[arg-type]
        KeyUsage=usage,  # type: ignore[arg-type]
        **extra,
    )
    return dict(created["KeyMetadata"])


def spki(private: Any) -> bytes:
    der: bytes = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


def no_public_key(key_arn: str, spec: str) -> tuple[str, str, int]:
    # kmsmock's text: AWS's is not recorded. It follows AWS's recorded template for a key
    # that cannot do an operation ("<arn> origin is AWS_KMS which is not valid for this
    # operation.", AWS_RECORDED_FACTS 3.18).
    return (
        "UnsupportedOperationException",
        f"{key_arn} key spec is {spec} which is not valid for this operation.",
        400,
    )


def _holds(public: Any, expected: Any) -> bool:
    """Whether the parsed public key is of the expected size, curve or kind."""
    if isinstance(expected, int):
        return isinstance(public, rsa.RSAPublicKey) and public.key_size == expected
    if expected == "Ed25519":
        return isinstance(public, ed25519.Ed25519PublicKey)
    if expected.startswith(("MLDSA", "MLKEM")):
        # Named, not imported: these classes exist only in recent cryptography releases.
        return type(public).__name__ == f"{expected}PublicKey"
    return isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == expected


# -- the response ------------------------------------------------------------------------


# Making an RSA-4096 key pair is OpenSSL's prime search, seconds under load: that case
# runs with --run-slow (as CI does); RSA-2048 and RSA-3072 take the same paths in every run.
@pytest.mark.needs_model(enum="KeySpec", param="spec")
@pytest.mark.needs_model(enum="KeyUsageType", param="usage")
@pytest.mark.parametrize(
    ("spec", "usage", "field", "algorithms", "size", "holds"),
    [
        pytest.param(*case, marks=pytest.mark.slow) if case[0] == "RSA_4096" else case
        for case in CASES
    ],
    ids=[f"{case[0]}-{case[1]}" for case in CASES],
)
def test_public_key_of_each_key_spec(
    client: KMSClient,
    spec: str,
    usage: str,
    field: str,
    algorithms: list[str],
    size: int,
    holds: Any,
) -> None:
    metadata = create(client, spec, usage)
    response = client.get_public_key(KeyId=metadata["KeyId"])
    # Exactly one algorithm list, the one DescribeKey shows (the model's output docs).
    assert set(response) == COMMON_KEYS | {field, "ResponseMetadata"}
    assert response["KeyId"] == metadata["Arn"]
    assert response["KeySpec"] == spec
    assert response["CustomerMasterKeySpec"] == spec
    assert response["KeyUsage"] == usage
    assert response[field] == algorithms  # type: ignore[literal-required]
    assert metadata[field] == algorithms
    der = response["PublicKey"]
    assert len(der) == size
    # DER SubjectPublicKeyInfo (RFC 5280), as the model documents.
    assert _holds(serialization.load_der_public_key(der), holds)
    # One key pair per key: the same public key every time.
    assert client.get_public_key(KeyId=metadata["KeyId"])["PublicKey"] == der


@pytest.mark.parametrize(
    "spec", ["SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"]
)
def test_symmetric_and_hmac_keys_have_no_public_key(client: KMSClient, spec: str) -> None:
    usage = "ENCRYPT_DECRYPT" if spec == "SYMMETRIC_DEFAULT" else "GENERATE_VERIFY_MAC"
    metadata = create(client, spec, usage)
    with pytest.raises(ClientError) as info:
        client.get_public_key(KeyId=metadata["KeyId"])
    assert error_of(info) == no_public_key(metadata["Arn"], spec)


def test_each_identifier_form(client: KMSClient) -> None:
    metadata = create(client, "ECC_NIST_P256", "SIGN_VERIFY")
    client.create_alias(AliasName="alias/signer", TargetKeyId=metadata["KeyId"])
    alias_arn = metadata["Arn"].split(":key/")[0] + ":alias/signer"
    der = client.get_public_key(KeyId=metadata["KeyId"])["PublicKey"]
    for name in (metadata["Arn"], "alias/signer", alias_arn):
        response = client.get_public_key(KeyId=name)
        assert response["PublicKey"] == der
        assert response["KeyId"] == metadata["Arn"]


def test_cross_account(kms: MockKMS, client: KMSClient) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                "Action": "kms:GetPublicKey",
                "Resource": "*",
            },
        ],
    }
    metadata = create(client, "ECC_NIST_P384", "SIGN_VERIFY", Policy=json.dumps(policy))
    allow_all = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}],
    }
    bob = kms.user("bob", account=OTHER, policy=allow_all).client()
    # Another account's key by its ARN (the API reference's "Cross-account use: Yes").
    response = bob.get_public_key(KeyId=metadata["Arn"])
    assert response["PublicKey"] == client.get_public_key(KeyId=metadata["KeyId"])["PublicKey"]
    # A bare id resolves in the caller's own account (reference section 1).
    with pytest.raises(ClientError) as info:
        bob.get_public_key(KeyId=metadata["KeyId"])
    assert error_of(info) == (
        "NotFoundException",
        f"Key 'arn:aws:kms:us-east-1:{OTHER}:key/{metadata['KeyId']}' does not exist",
        400,
    )
    # Its own account's IAM policy must allow the call too (KMS_BEHAVIOUR.md 5.4 format).
    carol = kms.user(
        "carol",
        account=OTHER,
        policy={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "kms:ListKeys", "Resource": "*"}],
        },
    )
    with pytest.raises(ClientError) as info:
        carol.client().get_public_key(KeyId=metadata["Arn"])
    assert error_of(info) == (
        "AccessDeniedException",
        f"User: {carol.arn} is not authorized to perform: kms:GetPublicKey on resource: "
        f"{metadata['Arn']} because no identity-based policy allows the kms:GetPublicKey action",
        400,
    )


def test_key_states(client: KMSClient) -> None:
    metadata = create(client, "ECC_NIST_P256", "SIGN_VERIFY")
    symmetric = client.create_key()["KeyMetadata"]
    for key in (metadata, symmetric):
        client.disable_key(KeyId=key["KeyId"])
        # The key state comes before the key's type (reference section 4, check order).
        with pytest.raises(ClientError) as info:
            client.get_public_key(KeyId=key["KeyId"])
        assert error_of(info) == ("DisabledException", f"{key['Arn']} is disabled.", 400)
    client.schedule_key_deletion(KeyId=metadata["KeyId"], PendingWindowInDays=7)
    with pytest.raises(ClientError) as info:
        client.get_public_key(KeyId=metadata["KeyId"])
    assert error_of(info) == (
        "KMSInvalidStateException",
        f"{metadata['Arn']} is pending deletion.",
        400,
    )


@pytest.mark.needs_model(operation="GetKeyLastUsage")
def test_not_a_tracked_use(client: KMSClient) -> None:
    # GetKeyLastUsage tracks cryptographic operations only (its API reference).
    key_id = create(client, "ECC_NIST_P256", "SIGN_VERIFY")["KeyId"]
    client.get_public_key(KeyId=key_id)
    assert client.get_key_last_usage(KeyId=key_id)["KeyLastUsage"] == {}


def test_key_pair_is_made_on_first_use_and_kept(
    client: KMSClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # README (performance): key material is generated on first use, never at CreateKey,
    # and then kept, so every GetPublicKey gives the same key.
    made: list[int] = []
    real = rsa.generate_private_key

    def counting(public_exponent: int, key_size: int, backend: Any = None) -> rsa.RSAPrivateKey:
        made.append(key_size)
        return real(public_exponent, key_size)

    monkeypatch.setattr(rsa, "generate_private_key", counting)
    # An empty pool, as in a new process: otherwise an earlier test's pair is reused.
    monkeypatch.setattr(_pool, "_pairs", {spec: [] for spec in _pool.POOLED})
    key_id = create(client, "RSA_2048", "SIGN_VERIFY")["KeyId"]
    client.describe_key(KeyId=key_id)
    assert made == []
    first = client.get_public_key(KeyId=key_id)["PublicKey"]
    assert made == [2048]
    assert client.get_public_key(KeyId=key_id)["PublicKey"] == first
    assert made == [2048]


# -- imported key material ---------------------------------------------------------------


@pytest.mark.needs_model(enum="KeySpec", param="spec")
@pytest.mark.parametrize(
    ("spec", "usage", "private", "wrapping"),
    [
        ("RSA_2048", "ENCRYPT_DECRYPT", lambda: rsa.generate_private_key(65537, 2048), "RSA_4096"),
        ("ECC_NIST_P256", "SIGN_VERIFY", lambda: ec.generate_private_key(ec.SECP256R1()), None),
        ("ECC_NIST_P521", "KEY_AGREEMENT", lambda: ec.generate_private_key(ec.SECP521R1()), None),
        ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY", ed25519.Ed25519PrivateKey.generate, None),
    ],
    ids=["RSA_2048", "ECC_NIST_P256", "ECC_NIST_P521", "ECC_NIST_EDWARDS25519"],
)
def test_imported_key_pair(
    client: KMSClient, spec: str, usage: str, private: Any, wrapping: str | None
) -> None:
    # AWS_RECORDED_FACTS 3.16: the public key is the imported private key's own.
    key_id = external_key(client, KeySpec=spec, KeyUsage=usage)
    key_arn = client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    with pytest.raises(ClientError) as info:
        client.get_public_key(KeyId=key_id)
    assert error_of(info) == ("KMSInvalidStateException", f"{key_arn} is pending import.", 400)
    pair = private()
    import_material(client, key_id, pkcs8(pair), "RSA_AES_KEY_WRAP_SHA_256", wrapping or "RSA_2048")
    response = client.get_public_key(KeyId=key_id)
    assert response["PublicKey"] == spki(pair)
    assert response["KeySpec"] == spec
    assert response["KeyUsage"] == usage
    client.delete_imported_key_material(KeyId=key_id)
    with pytest.raises(ClientError) as info:
        client.get_public_key(KeyId=key_id)
    assert error_of(info) == ("KMSInvalidStateException", f"{key_arn} is pending import.", 400)


# -- SM2: the China Regions only ---------------------------------------------------------


@pytest.mark.parametrize("usage", [usage for usage, _, _ in SM2_USAGES])
def test_sm2_outside_china(client: KMSClient, usage: str) -> None:
    # AWS's answer in us-east-1, measured 2026 (github.com/floci-io/floci/issues/3026).
    with pytest.raises(ClientError) as info:
        create(client, "SM2", usage)
    assert error_of(info) == SM2_NOT_HERE
    # The deprecated parameter names the same key spec (kmsmock's choice: the same text).
    with pytest.raises(ClientError) as info:
        client.create_key(CustomerMasterKeySpec="SM2", KeyUsage=usage)  # type: ignore[arg-type]
    assert error_of(info) == SM2_NOT_HERE
    assert client.list_keys()["Keys"] == []


def test_sm2_in_other_partitions(kms: MockKMS) -> None:
    for region in ("us-gov-west-1", "eu-west-1", "ap-southeast-1"):
        regional = boto3.client("kms", region_name=region)
        with pytest.raises(ClientError) as info:
            create(regional, "SM2", "SIGN_VERIFY")
        assert error_of(info) == SM2_NOT_HERE


@pytest.mark.parametrize("region", ["cn-north-1", "cn-northwest-1"])
@pytest.mark.parametrize(("usage", "field", "algorithms"), SM2_USAGES)
def test_sm2_in_china(
    kms: MockKMS, region: str, usage: str, field: str, algorithms: list[str]
) -> None:
    china = boto3.client("kms", region_name=region)
    metadata = create(china, "SM2", usage)
    # The key lives in the aws-cn partition; its metadata as reference section 2 lists.
    assert metadata["Arn"] == f"arn:aws-cn:kms:{region}:{ACCOUNT}:key/{metadata['KeyId']}"
    assert metadata["KeySpec"] == "SM2"
    assert metadata["CustomerMasterKeySpec"] == "SM2"
    assert metadata["KeyUsage"] == usage
    assert metadata[field] == algorithms
    others = {"EncryptionAlgorithms", "SigningAlgorithms", "KeyAgreementAlgorithms"} - {field}
    assert not others & set(metadata)
    described = china.describe_key(KeyId=metadata["KeyId"])["KeyMetadata"]
    assert described[field] == algorithms  # type: ignore[literal-required]
    # cryptography has no SM2: every use of the key pair is a named kmsmock gap.
    with pytest.raises(NotYetImplemented, match="SM2"):
        china.get_public_key(KeyId=metadata["KeyId"])


def test_sm2_operations_are_gaps(kms: MockKMS) -> None:
    china = boto3.client("kms", region_name="cn-north-1")
    encryption = create(china, "SM2", "ENCRYPT_DECRYPT")["KeyId"]
    with pytest.raises(NotYetImplemented, match="SM2"):
        china.encrypt(KeyId=encryption, Plaintext=b"p", EncryptionAlgorithm="SM2PKE")
    with pytest.raises(NotYetImplemented, match="SM2"):
        china.decrypt(CiphertextBlob=b"\x30" * 120, KeyId=encryption, EncryptionAlgorithm="SM2PKE")
    # Algorithms are checked first, and those answers are KMS's own.
    for algorithm in (None, "RSAES_OAEP_SHA_256"):
        extra = {"EncryptionAlgorithm": algorithm} if algorithm else {}
        with pytest.raises(ClientError) as info:
            china.encrypt(KeyId=encryption, Plaintext=b"p", **extra)  # type: ignore[arg-type]
        assert error_of(info) == (
            "InvalidKeyUsageException",
            f"Algorithm {algorithm or 'SYMMETRIC_DEFAULT'} is incompatible with key spec SM2.",
            400,
        )
    signing = create(china, "SM2", "SIGN_VERIFY")["KeyId"]
    with pytest.raises(NotYetImplemented, match="SM2"):
        china.sign(KeyId=signing, Message=b"m", SigningAlgorithm="SM2DSA")
    agreement = create(china, "SM2", "KEY_AGREEMENT")["KeyId"]
    peer = spki(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(NotYetImplemented, match="SM2"):
        china.derive_shared_secret(KeyId=agreement, KeyAgreementAlgorithm="ECDH", PublicKey=peer)
