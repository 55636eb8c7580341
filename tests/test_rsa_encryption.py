"""RSA ENCRYPT_DECRYPT keys, black-box through boto3: Encrypt, Decrypt and ReEncrypt with
RSAES_OAEP_SHA_1 and RSAES_OAEP_SHA_256.

Written the way a user works with them: encrypt outside KMS with ``cryptography`` and the
public key GetPublicKey returns, decrypt or re-encrypt inside. Expected values come from
KMS_BEHAVIOUR.md sections 2, 11 and 13, AWS_RECORDED_FACTS.md sections 3.8-3.10 and the
model's API reference; texts marked "kmsmock's" are choices where AWS's is unknown.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from tests._helpers import error_of
from tests.test_import import external_key, import_material, pkcs8

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_kms.literals import EncryptionAlgorithmSpecType

    from kmsmock import MockKMS

SHA_1: EncryptionAlgorithmSpecType = "RSAES_OAEP_SHA_1"
SHA_256: EncryptionAlgorithmSpecType = "RSAES_OAEP_SHA_256"
ALGORITHMS: list[EncryptionAlgorithmSpecType] = [SHA_1, SHA_256]
# AWS_RECORDED_FACTS 3.8: the largest plaintext per key spec and algorithm (k - 2*hLen - 2).
LIMITS = {
    ("RSA_2048", SHA_1): 214,
    ("RSA_2048", SHA_256): 190,
    ("RSA_3072", SHA_1): 342,
    ("RSA_3072", SHA_256): 318,
    ("RSA_4096", SHA_1): 470,
    ("RSA_4096", SHA_256): 446,
}
MODULUS_BYTES = {"RSA_2048": 256, "RSA_3072": 384, "RSA_4096": 512}
INCORRECT_KEY = "The key ID in the request does not identify a CMK that can perform this operation."
DRY_RUN = "The request would have succeeded, but the DryRun option is set."
META = {"ResponseMetadata"}
ENCRYPT_KEYS = {"CiphertextBlob", "KeyId", "EncryptionAlgorithm", *META}
# No KeyMaterialId: "present only when the operation uses a symmetric encryption KMS key"
# (the model's Decrypt and ReEncrypt documentation).
DECRYPT_KEYS = {"KeyId", "Plaintext", "EncryptionAlgorithm", *META}
RE_ENCRYPT_KEYS = {
    "CiphertextBlob",
    "SourceKeyId",
    "KeyId",
    "SourceEncryptionAlgorithm",
    "DestinationEncryptionAlgorithm",
    *META,
}


# -- what a user writes ----------------------------------------------------------------


def rsa_key(client: KMSClient, spec: str = "RSA_2048", usage: str = "ENCRYPT_DECRYPT") -> str:
    created = client.create_key(KeySpec=spec, KeyUsage=usage)  # type: ignore[arg-type]
    key_id: str = created["KeyMetadata"]["KeyId"]
    return key_id


def oaep(
    algorithm: EncryptionAlgorithmSpecType, mgf_hash: hashes.HashAlgorithm | None = None
) -> padding.OAEP:
    digest: hashes.HashAlgorithm = hashes.SHA1() if algorithm == SHA_1 else hashes.SHA256()
    return padding.OAEP(mgf=padding.MGF1(mgf_hash or digest), algorithm=digest, label=None)


def public_key(client: KMSClient, key_id: str) -> rsa.RSAPublicKey:
    public = serialization.load_der_public_key(client.get_public_key(KeyId=key_id)["PublicKey"])
    assert isinstance(public, rsa.RSAPublicKey)
    return public


def encrypt_outside(
    client: KMSClient, key_id: str, algorithm: EncryptionAlgorithmSpecType, plaintext: bytes
) -> bytes:
    """Encrypt with the key's public half, outside KMS (API reference, GetPublicKey)."""
    return public_key(client, key_id).encrypt(plaintext, oaep(algorithm))


def decrypt(
    client: KMSClient,
    key_id: str,
    blob: bytes,
    algorithm: EncryptionAlgorithmSpecType,
    **extra: Any,
) -> bytes:
    response = client.decrypt(
        CiphertextBlob=blob,
        KeyId=key_id,
        EncryptionAlgorithm=algorithm,
        **extra,
    )
    plaintext: bytes = response["Plaintext"]
    return plaintext


def encrypt(
    client: KMSClient,
    key_id: str,
    plaintext: bytes,
    algorithm: EncryptionAlgorithmSpecType,
    **extra: Any,
) -> bytes:
    blob: bytes = client.encrypt(
        KeyId=key_id,
        Plaintext=plaintext,
        EncryptionAlgorithm=algorithm,
        **extra,
    )["CiphertextBlob"]
    return blob


def arn(client: KMSClient, key_id: str) -> str:
    key_arn: str = client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    return key_arn


def incompatible(algorithm: str, spec: str) -> tuple[str, str, int]:
    return (
        "InvalidKeyUsageException",
        f"Algorithm {algorithm} is incompatible with key spec {spec}.",
        400,
    )


def corrupt() -> tuple[str, str, int]:
    # AWS_RECORDED_FACTS 1.3: InvalidCiphertextException carries no message.
    return ("InvalidCiphertextException", "", 400)


@pytest.fixture
def key(client: KMSClient) -> str:
    """A fresh RSA_2048 ENCRYPT_DECRYPT key."""
    return rsa_key(client)


# -- Encrypt and Decrypt inside KMS ---------------------------------------------------


# Making an RSA-4096 key pair is OpenSSL's prime search, seconds under load: that case
# runs with --run-slow (as CI does); RSA-2048 and RSA-3072 take the same paths in every run.
@pytest.mark.parametrize(
    "spec", ["RSA_2048", "RSA_3072", pytest.param("RSA_4096", marks=pytest.mark.slow)]
)
def test_round_trip_and_limits_per_key_spec(client: KMSClient, spec: str) -> None:
    key_id = rsa_key(client, spec)
    key_arn = arn(client, key_id)
    for algorithm in ALGORITHMS:
        limit = LIMITS[(spec, algorithm)]
        plaintext = os.urandom(limit)
        response = client.encrypt(
            KeyId=key_id,
            Plaintext=plaintext,
            EncryptionAlgorithm=algorithm,
        )
        assert set(response) == ENCRYPT_KEYS
        assert response["KeyId"] == key_arn
        assert response["EncryptionAlgorithm"] == algorithm
        # Raw OAEP: exactly the modulus size, no header (reference sections 2 and 13).
        assert len(response["CiphertextBlob"]) == MODULUS_BYTES[spec]
        decrypted = client.decrypt(
            CiphertextBlob=response["CiphertextBlob"],
            KeyId=key_id,
            EncryptionAlgorithm=algorithm,
        )
        assert set(decrypted) == DECRYPT_KEYS
        assert decrypted["Plaintext"] == plaintext
        assert decrypted["KeyId"] == key_arn
        assert decrypted["EncryptionAlgorithm"] == algorithm
        # One byte more: AWS's recorded text (AWS_RECORDED_FACTS 3.8).
        with pytest.raises(ClientError) as info:
            encrypt(client, key_id, plaintext + b"x", algorithm)
        assert error_of(info) == (
            "ValidationException",
            f"Algorithm {algorithm} and key spec {spec} cannot encrypt data larger than "
            f"{limit} bytes.",
            400,
        )


def test_recorded_oversized_plaintext(client: KMSClient, key: str) -> None:
    # The recorded case: an 880-byte message, base64-encoded to 1176 bytes.
    with pytest.raises(ClientError) as info:
        encrypt(client, key, b"A" * 1176, SHA_1)
    assert error_of(info) == (
        "ValidationException",
        "Algorithm RSAES_OAEP_SHA_1 and key spec RSA_2048 cannot encrypt data larger than "
        "214 bytes.",
        400,
    )


def test_oaep_is_randomized(client: KMSClient, key: str) -> None:
    first = encrypt(client, key, b"same", SHA_256)
    second = encrypt(client, key, b"same", SHA_256)
    assert first != second
    assert decrypt(client, key, first, SHA_256) == decrypt(client, key, second, SHA_256)


def test_each_identifier_form(client: KMSClient, key: str) -> None:
    key_arn = arn(client, key)
    client.create_alias(AliasName="alias/rsa", TargetKeyId=key)
    alias_arn = key_arn.split(":key/")[0] + ":alias/rsa"
    blob = encrypt(client, "alias/rsa", b"via alias", SHA_256)
    for name in (key, key_arn, "alias/rsa", alias_arn):
        response = client.decrypt(CiphertextBlob=blob, KeyId=name, EncryptionAlgorithm=SHA_256)
        assert response["Plaintext"] == b"via alias"
        assert response["KeyId"] == key_arn


# -- interoperability with cryptography -----------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_encrypted_outside_decrypts_inside(
    client: KMSClient, key: str, algorithm: EncryptionAlgorithmSpecType
) -> None:
    plaintext = b"made outside KMS"
    blob = encrypt_outside(client, key, algorithm, plaintext)
    assert decrypt(client, key, blob, algorithm) == plaintext


def test_mgf1_uses_the_oaep_hash(client: KMSClient, key: str) -> None:
    # RSAES_OAEP_SHA_256 is OAEP with SHA-256 and MGF1 with SHA-256: a ciphertext whose
    # mask used SHA-1 is another algorithm, and does not decrypt.
    mixed = public_key(client, key).encrypt(b"m", oaep(SHA_256, mgf_hash=hashes.SHA1()))
    with pytest.raises(ClientError) as info:
        decrypt(client, key, mixed, SHA_256)
    assert error_of(info) == corrupt()


def test_ciphertext_is_oaep_under_the_public_key(client: KMSClient) -> None:
    # KMS's private key never leaves it, so check KMS's ciphertext with the one key pair a
    # user does hold: imported material (AWS_RECORDED_FACTS 3.16: the same key pair).
    private = rsa.generate_private_key(65537, 2048)
    key_id = external_key(client, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    import_material(client, key_id, pkcs8(private), "RSA_AES_KEY_WRAP_SHA_256", "RSA_4096")
    for algorithm in ALGORITHMS:
        blob = encrypt(client, key_id, b"decrypt me locally", algorithm)
        assert private.decrypt(blob, oaep(algorithm)) == b"decrypt me locally"
        local = private.public_key().encrypt(b"and me in KMS", oaep(algorithm))
        assert decrypt(client, key_id, local, algorithm) == b"and me in KMS"


def test_round_trip_property(client: KMSClient, key: str) -> None:
    # One key for every example: generating an RSA key per example would cost more than the
    # whole property. Plaintexts up to each algorithm's limit, encrypted inside or outside.
    @settings(max_examples=40, deadline=None)
    @given(data=st.data(), algorithm=st.sampled_from(ALGORITHMS), outside=st.booleans())
    def check(data: st.DataObject, algorithm: EncryptionAlgorithmSpecType, outside: bool) -> None:
        limit = LIMITS[("RSA_2048", algorithm)]
        plaintext = data.draw(st.binary(min_size=1, max_size=limit))
        if outside:
            blob = encrypt_outside(client, key, algorithm, plaintext)
        else:
            blob = encrypt(client, key, plaintext, algorithm)
        assert len(blob) == 256
        assert decrypt(client, key, blob, algorithm) == plaintext

    check()


# -- the algorithm ----------------------------------------------------------------------


def test_encrypt_needs_the_algorithm(client: KMSClient, key: str) -> None:
    # The default, SYMMETRIC_DEFAULT, is not an RSA algorithm. AWS's text, observed for an
    # RSA_4096 key: github.com/zalando/spring-cloud-config-aws-kms/issues/82.
    for extra in ({}, {"EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}):
        with pytest.raises(ClientError) as info:
            client.encrypt(KeyId=key, Plaintext=b"p", **extra)  # type: ignore[arg-type]
        assert error_of(info) == incompatible("SYMMETRIC_DEFAULT", "RSA_2048")


def test_decrypt_needs_the_algorithm(client: KMSClient, key: str) -> None:
    blob = encrypt(client, key, b"p", SHA_256)
    with pytest.raises(ClientError) as info:
        client.decrypt(CiphertextBlob=blob, KeyId=key)
    # kmsmock's choice: Encrypt's answer to the same missing algorithm.
    assert error_of(info) == incompatible("SYMMETRIC_DEFAULT", "RSA_2048")


def test_symmetric_key_refuses_rsa_algorithms(client: KMSClient, key_id: str) -> None:
    with pytest.raises(ClientError) as info:
        encrypt(client, key_id, b"p", SHA_256)
    assert error_of(info) == incompatible(SHA_256, "SYMMETRIC_DEFAULT")


@pytest.mark.parametrize(("encrypted", "decrypted"), [(SHA_1, SHA_256), (SHA_256, SHA_1)])
def test_decrypt_with_the_other_algorithm(
    client: KMSClient,
    key: str,
    encrypted: EncryptionAlgorithmSpecType,
    decrypted: EncryptionAlgorithmSpecType,
) -> None:
    # "If you specify a different algorithm, the Decrypt operation fails" (API reference);
    # raw OAEP cannot tell it from a corrupt ciphertext.
    blob = encrypt(client, key, b"p", encrypted)
    with pytest.raises(ClientError) as info:
        decrypt(client, key, blob, decrypted)
    assert error_of(info) == corrupt()


# -- which key --------------------------------------------------------------------------


def test_decrypt_without_key_id(client: KMSClient, key: str) -> None:
    # An RSA ciphertext holds no metadata: without KeyId there is no key to try. kmsmock's
    # choice of answer: the one for a blob that is not KMS ciphertext.
    blob = encrypt(client, key, b"p", SHA_256)
    with pytest.raises(ClientError) as info:
        client.decrypt(CiphertextBlob=blob, EncryptionAlgorithm=SHA_256)
    assert error_of(info) == corrupt()


def test_decrypt_with_another_rsa_key(client: KMSClient, key: str) -> None:
    blob = encrypt(client, key, b"p", SHA_256)
    other = rsa_key(client)
    with pytest.raises(ClientError) as info:
        decrypt(client, other, blob, SHA_256)
    assert error_of(info) == corrupt()


def test_symmetric_blob_with_an_rsa_key_id(client: KMSClient, key: str, key_id: str) -> None:
    # The blob names its symmetric key, which is not the one named: AWS's recorded answer
    # to a KeyId that did not encrypt the blob (AWS_RECORDED_FACTS 3.9).
    blob = client.encrypt(KeyId=key_id, Plaintext=b"p")["CiphertextBlob"]
    with pytest.raises(ClientError) as info:
        decrypt(client, key, blob, SHA_256)
    assert error_of(info) == ("IncorrectKeyException", INCORRECT_KEY, 400)


def test_rsa_ciphertext_with_a_symmetric_key_id(client: KMSClient, key: str, key_id: str) -> None:
    blob = encrypt(client, key, b"p", SHA_256)
    with pytest.raises(ClientError) as info:
        client.decrypt(CiphertextBlob=blob, KeyId=key_id)
    assert error_of(info) == corrupt()


def test_decrypt_with_an_unknown_key_id(client: KMSClient, key: str) -> None:
    blob = encrypt(client, key, b"p", SHA_256)
    missing = "11111111-2222-3333-4444-555555555555"
    with pytest.raises(ClientError) as info:
        decrypt(client, missing, blob, SHA_256)
    assert error_of(info) == (
        "NotFoundException",
        f"Key 'arn:aws:kms:us-east-1:123456789012:key/{missing}' does not exist",
        400,
    )


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-1],
        lambda b: b + b"\x00",
        lambda b: bytes([b[0] ^ 1]) + b[1:],
        lambda b: b[:100] + bytes([b[100] ^ 0x80]) + b[101:],
        lambda b: os.urandom(len(b)),
    ],
    ids=["truncated", "appended", "first-byte", "middle-byte", "random"],
)
def test_corrupted_ciphertext(client: KMSClient, key: str, damage: Any) -> None:
    blob = encrypt(client, key, b"p", SHA_1)
    with pytest.raises(ClientError) as info:
        decrypt(client, key, damage(blob), SHA_1)
    assert error_of(info) == corrupt()


# -- key usage, context, key states, DryRun ------------------------------------------


def test_sign_verify_key_refuses_encryption(client: KMSClient) -> None:
    signing = rsa_key(client, usage="SIGN_VERIFY")
    signing_arn = arn(client, signing)
    symmetric = client.create_key()["KeyMetadata"]["KeyId"]
    blob = client.encrypt(KeyId=symmetric, Plaintext=b"p")["CiphertextBlob"]

    def usage(operation: str) -> tuple[str, str, int]:
        # AWS_RECORDED_FACTS 1.4 and 3.8 (recorded for Encrypt with exactly this key).
        return (
            "InvalidKeyUsageException",
            f"{signing_arn} key usage is SIGN_VERIFY which is not valid for {operation}.",
            400,
        )

    with pytest.raises(ClientError) as info:
        encrypt(client, signing, b"p", SHA_256)
    assert error_of(info) == usage("Encrypt")
    with pytest.raises(ClientError) as info:
        decrypt(client, signing, os.urandom(256), SHA_256)
    assert error_of(info) == usage("Decrypt")
    with pytest.raises(ClientError) as info:
        client.re_encrypt(
            CiphertextBlob=blob, DestinationKeyId=signing, DestinationEncryptionAlgorithm=SHA_256
        )
    assert error_of(info) == usage("ReEncrypt")


def test_data_keys_need_a_symmetric_key(client: KMSClient, key: str) -> None:
    # Data keys are sealed with SYMMETRIC_DEFAULT, which an RSA key cannot do (API reference,
    # GenerateDataKey); kmsmock answers with Encrypt's text for that algorithm.
    with pytest.raises(ClientError) as info:
        client.generate_data_key(KeyId=key, KeySpec="AES_256")
    assert error_of(info) == incompatible("SYMMETRIC_DEFAULT", "RSA_2048")
    with pytest.raises(ClientError) as info:
        client.generate_data_key_without_plaintext(KeyId=key, NumberOfBytes=16)
    assert error_of(info) == incompatible("SYMMETRIC_DEFAULT", "RSA_2048")


def test_encryption_context_is_refused(client: KMSClient, key: str) -> None:
    # "An encryption context is supported only on operations with symmetric encryption KMS
    # keys" (API reference); AWS's error is not established: kmsmock's text.
    context = {"purpose": "test"}
    with pytest.raises(ClientError) as info:
        encrypt(client, key, b"p", SHA_256, EncryptionContext=context)
    assert error_of(info) == (
        "ValidationException",
        "EncryptionContext is not supported with asymmetric KMS keys.",
        400,
    )
    blob = encrypt(client, key, b"p", SHA_256)
    with pytest.raises(ClientError) as info:
        decrypt(client, key, blob, SHA_256, EncryptionContext=context)
    assert error_of(info) == (
        "ValidationException",
        "EncryptionContext is not supported with asymmetric KMS keys.",
        400,
    )
    # An empty context is no context, as for symmetric keys (kmsmock's choice).
    assert (
        decrypt(
            client,
            key,
            encrypt(client, key, b"q", SHA_256, EncryptionContext={}),
            SHA_256,
            EncryptionContext={},
        )
        == b"q"
    )


def test_key_states(client: KMSClient, key: str) -> None:
    blob = encrypt(client, key, b"p", SHA_256)
    key_arn = arn(client, key)
    client.disable_key(KeyId=key)
    # The key state comes before the algorithm (reference section 4, check order).
    for call in (
        lambda: client.encrypt(KeyId=key, Plaintext=b"p"),
        lambda: client.decrypt(CiphertextBlob=blob, KeyId=key),
    ):
        with pytest.raises(ClientError) as info:
            call()
        assert error_of(info) == ("DisabledException", f"{key_arn} is disabled.", 400)
    client.enable_key(KeyId=key)
    client.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    with pytest.raises(ClientError) as info:
        decrypt(client, key, blob, SHA_256)
    assert error_of(info) == ("KMSInvalidStateException", f"{key_arn} is pending deletion.", 400)


def test_imported_key_pending_import(client: KMSClient) -> None:
    key_id = external_key(client, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    key_arn = arn(client, key_id)
    with pytest.raises(ClientError) as info:
        encrypt(client, key_id, b"p", SHA_256)
    # AWS_RECORDED_FACTS 3.8 (recorded for a symmetric EXTERNAL key).
    assert error_of(info) == ("KMSInvalidStateException", f"{key_arn} is pending import.", 400)
    import_material(
        client, key_id, pkcs8(rsa.generate_private_key(65537, 2048)), "RSA_AES_KEY_WRAP_SHA_1"
    )
    blob = encrypt(client, key_id, b"p", SHA_256)
    client.delete_imported_key_material(KeyId=key_id)
    with pytest.raises(ClientError) as info:
        decrypt(client, key_id, blob, SHA_256)
    assert error_of(info) == ("KMSInvalidStateException", f"{key_arn} is pending import.", 400)


@pytest.mark.needs_model(member="DecryptRequest.DryRunModifiers")
def test_dry_run(client: KMSClient, key: str) -> None:
    blob = encrypt(client, key, b"p", SHA_256)
    calls: list[Callable[[], object]] = [
        lambda: encrypt(client, key, b"p", SHA_256, DryRun=True),
        lambda: decrypt(client, key, blob, SHA_256, DryRun=True),
        lambda: client.decrypt(
            KeyId=key,
            EncryptionAlgorithm=SHA_256,
            DryRun=True,
            DryRunModifiers=["IGNORE_CIPHERTEXT"],
        ),
    ]
    for call in calls:
        with pytest.raises(ClientError) as info:
            call()
        assert error_of(info) == ("DryRunOperationException", DRY_RUN, 400)
    # A dry run that would fail reports the real error (reference section 11).
    with pytest.raises(ClientError) as info:
        encrypt(client, key, b"x" * 191, SHA_256, DryRun=True)
    assert error_of(info)[0] == "ValidationException"
    with pytest.raises(ClientError) as info:
        decrypt(client, key, blob, SHA_1, DryRun=True)
    assert error_of(info) == corrupt()
    with pytest.raises(ClientError) as info:
        client.decrypt(KeyId=key, DryRun=True, DryRunModifiers=["IGNORE_CIPHERTEXT"])
    assert error_of(info) == incompatible("SYMMETRIC_DEFAULT", "RSA_2048")


@pytest.mark.needs_model(operation="GetKeyLastUsage")
def test_key_last_usage(client: KMSClient, key: str) -> None:
    blob = encrypt(client, key, b"p", SHA_256)
    assert client.get_key_last_usage(KeyId=key)["KeyLastUsage"]["Operation"] == "Encrypt"
    decrypt(client, key, blob, SHA_256)
    assert client.get_key_last_usage(KeyId=key)["KeyLastUsage"]["Operation"] == "Decrypt"
    # A failed decryption is no use.
    with pytest.raises(ClientError) as info:
        decrypt(client, key, blob, SHA_1)
    assert error_of(info) == ("InvalidCiphertextException", "", 400)
    client.get_public_key(KeyId=key)
    assert client.get_key_last_usage(KeyId=key)["KeyLastUsage"]["Operation"] == "Decrypt"


def test_cross_account_decrypt(kms: MockKMS, client: KMSClient) -> None:
    owner = "arn:aws:iam::123456789012:root"
    other = "210987654321"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": owner}, "Action": "kms:*", "Resource": "*"},
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{other}:root"},
                "Action": ["kms:Decrypt", "kms:GetPublicKey"],
                "Resource": "*",
            },
        ],
    }
    key_arn = client.create_key(
        KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT", Policy=json.dumps(policy)
    )["KeyMetadata"]["Arn"]
    bob = kms.user(
        "bob",
        account=other,
        policy={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}],
        },
    ).client()
    blob = encrypt_outside(bob, key_arn, SHA_1, b"from another account")
    assert decrypt(bob, key_arn, blob, SHA_1) == b"from another account"


# -- ReEncrypt -------------------------------------------------------------------------


@pytest.mark.needs_model(member="ReEncryptResponse.DestinationKeyMaterialId")
@pytest.mark.needs_model(operation="GetKeyLastUsage")
def test_re_encrypt_from_rsa_to_symmetric(client: KMSClient, key: str, key_id: str) -> None:
    # The ReEncrypt API reference: ciphertext made outside KMS with the public key moves to
    # a symmetric key, given SourceKeyId and SourceEncryptionAlgorithm.
    blob = encrypt_outside(client, key, SHA_1, b"move me")
    response = client.re_encrypt(
        CiphertextBlob=blob,
        SourceKeyId=key,
        SourceEncryptionAlgorithm=SHA_1,
        DestinationKeyId=key_id,
        DestinationEncryptionContext={"to": "symmetric"},
    )
    # SourceKeyMaterialId only for a symmetric source (model documentation).
    assert set(response) == RE_ENCRYPT_KEYS | {"DestinationKeyMaterialId"}
    assert response["SourceKeyId"] == arn(client, key)
    assert response["KeyId"] == arn(client, key_id)
    assert response["SourceEncryptionAlgorithm"] == SHA_1
    assert response["DestinationEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    current = client.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]
    assert response["DestinationKeyMaterialId"] == current
    # Both keys did cryptographic work.
    for used in (key, key_id):
        assert client.get_key_last_usage(KeyId=used)["KeyLastUsage"]["Operation"] == "ReEncrypt"
    moved = client.decrypt(
        CiphertextBlob=response["CiphertextBlob"], EncryptionContext={"to": "symmetric"}
    )
    assert moved["Plaintext"] == b"move me"


@pytest.mark.needs_model(member="ReEncryptResponse.SourceKeyMaterialId")
def test_re_encrypt_from_symmetric_to_rsa(client: KMSClient, key: str, key_id: str) -> None:
    blob = client.encrypt(KeyId=key_id, Plaintext=b"to rsa", EncryptionContext={"a": "b"})[
        "CiphertextBlob"
    ]
    response = client.re_encrypt(
        CiphertextBlob=blob,
        SourceEncryptionContext={"a": "b"},
        DestinationKeyId=key,
        DestinationEncryptionAlgorithm=SHA_256,
    )
    assert set(response) == RE_ENCRYPT_KEYS | {"SourceKeyMaterialId"}
    assert response["SourceEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert response["DestinationEncryptionAlgorithm"] == SHA_256
    assert len(response["CiphertextBlob"]) == 256
    assert decrypt(client, key, response["CiphertextBlob"], SHA_256) == b"to rsa"


def test_re_encrypt_from_rsa_to_rsa(client: KMSClient, key: str) -> None:
    # Recorded to work (AWS_RECORDED_FACTS 3.10); here to another key and algorithm.
    other = rsa_key(client, "RSA_3072")
    blob = encrypt(client, key, b"rsa to rsa", SHA_256)
    response = client.re_encrypt(
        CiphertextBlob=blob,
        SourceKeyId=key,
        SourceEncryptionAlgorithm=SHA_256,
        DestinationKeyId=other,
        DestinationEncryptionAlgorithm=SHA_1,
    )
    assert set(response) == RE_ENCRYPT_KEYS
    assert len(response["CiphertextBlob"]) == 384
    assert decrypt(client, other, response["CiphertextBlob"], SHA_1) == b"rsa to rsa"


def test_re_encrypt_rsa_source_needs_its_key_and_algorithm(
    client: KMSClient, key: str, key_id: str
) -> None:
    blob = encrypt(client, key, b"p", SHA_256)
    # Without SourceKeyId nothing names the key (the ReEncrypt API reference says it is
    # required); kmsmock answers as for Decrypt without KeyId.
    with pytest.raises(ClientError) as info:
        client.re_encrypt(
            CiphertextBlob=blob, SourceEncryptionAlgorithm=SHA_256, DestinationKeyId=key_id
        )
    assert error_of(info) == corrupt()
    with pytest.raises(ClientError) as info:
        client.re_encrypt(CiphertextBlob=blob, SourceKeyId=key, DestinationKeyId=key_id)
    assert error_of(info) == incompatible("SYMMETRIC_DEFAULT", "RSA_2048")
    with pytest.raises(ClientError) as info:
        client.re_encrypt(
            CiphertextBlob=blob,
            SourceKeyId=key,
            SourceEncryptionAlgorithm=SHA_1,
            DestinationKeyId=key_id,
        )
    assert error_of(info) == corrupt()
    with pytest.raises(ClientError) as info:
        client.re_encrypt(
            CiphertextBlob=blob,
            SourceKeyId=key,
            SourceEncryptionAlgorithm=SHA_256,
            SourceEncryptionContext={"a": "b"},
            DestinationKeyId=key_id,
        )
    assert error_of(info) == (
        "ValidationException",
        "SourceEncryptionContext is not supported with asymmetric KMS keys.",
        400,
    )


def test_re_encrypt_rsa_destination_rules(client: KMSClient, key: str, key_id: str) -> None:
    blob = client.encrypt(KeyId=key_id, Plaintext=b"p")["CiphertextBlob"]
    with pytest.raises(ClientError) as info:
        client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key)
    assert error_of(info) == incompatible("SYMMETRIC_DEFAULT", "RSA_2048")
    with pytest.raises(ClientError) as info:
        client.re_encrypt(
            CiphertextBlob=blob,
            DestinationKeyId=key,
            DestinationEncryptionAlgorithm=SHA_256,
            DestinationEncryptionContext={"a": "b"},
        )
    assert error_of(info) == (
        "ValidationException",
        "DestinationEncryptionContext is not supported with asymmetric KMS keys.",
        400,
    )
    # Symmetric data larger than OAEP fits: Encrypt's text (kmsmock's choice for ReEncrypt).
    big = client.encrypt(KeyId=key_id, Plaintext=b"x" * 191)["CiphertextBlob"]
    with pytest.raises(ClientError) as info:
        client.re_encrypt(
            CiphertextBlob=big, DestinationKeyId=key, DestinationEncryptionAlgorithm=SHA_256
        )
    assert error_of(info) == (
        "ValidationException",
        "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than "
        "190 bytes.",
        400,
    )
    with pytest.raises(ClientError) as info:
        client.re_encrypt(
            CiphertextBlob=blob,
            DestinationKeyId=key,
            DestinationEncryptionAlgorithm=SHA_256,
            DryRun=True,
        )
    assert error_of(info) == ("DryRunOperationException", DRY_RUN, 400)


def test_multi_region_rsa_key(kms: MockKMS, client: KMSClient) -> None:
    # Replicas share the key pair (reference section 10): a ciphertext made with the
    # primary's public key decrypts in the replica's Region.
    primary = client.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT", MultiRegion=True)[
        "KeyMetadata"
    ]["KeyId"]
    blob = encrypt_outside(client, primary, SHA_256, b"anywhere")
    client.replicate_key(KeyId=primary, ReplicaRegion="eu-west-1")
    west = boto3.client("kms", region_name="eu-west-1")
    assert (
        west.get_public_key(KeyId=primary)["PublicKey"]
        == client.get_public_key(KeyId=primary)["PublicKey"]
    )
    assert decrypt(west, primary, blob, SHA_256) == b"anywhere"
