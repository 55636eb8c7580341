"""GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext, black-box through boto3.

Written the way a user works with data key pairs: ask KMS for one, use the key pair with
``cryptography`` outside KMS, keep the encrypted private key, and get it back with Decrypt.
Expected values come from the API reference (botocore's model docs), KMS_BEHAVIOUR.md
sections 2, 4 and 11 and AWS_RECORDED_FACTS.md sections 1 and 3.12; texts marked
"kmsmock's" are choices where AWS's is unknown.
"""

from __future__ import annotations

import importlib.util
import os
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from kmsmock import NotYetImplemented
from kmsmock._model import service_model
from tests._helpers import error_of
from tests.test_custom_key_stores import _cloudhsm, _connected, _hsm_key
from tests.test_import import external_key, import_material

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

ACCOUNT = "123456789012"
REGION = "us-east-1"
CONTEXT = {"purpose": "signing", "team": "blue"}
DRY_RUN = "The request would have succeeded, but the DryRun option is set."
OPERATIONS = ["GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"]
_MODEL_SPECS: list[str] = getattr(service_model().shape_for("DataKeyPairSpec"), "enum", [])

# KeyPairSpec -> DER SubjectPublicKeyInfo size (KMS_BEHAVIOUR.md section 2, measured;
# ML-KEM: FIPS 203 encapsulation key + 22 bytes of SPKI header).
PUBLIC_KEY_SIZES = {
    "RSA_2048": 294,
    "RSA_3072": 422,
    "RSA_4096": 550,
    "ECC_NIST_P256": 91,
    "ECC_NIST_P384": 120,
    "ECC_NIST_P521": 158,
    "ECC_SECG_P256K1": 88,
    "ECC_NIST_EDWARDS25519": 44,
    "ML_KEM_768": 1206,
    "ML_KEM_1024": 1590,
}
# ML-KEM needs a cryptography release with it (kmsmock raises NotYetImplemented without).
HAS_ML_KEM = importlib.util.find_spec("cryptography.hazmat.primitives.asymmetric.mlkem") is not None
NEEDS_ML_KEM = pytest.mark.skipif(not HAS_ML_KEM, reason="cryptography without ML-KEM")
# Making an RSA-4096 key pair is OpenSSL's prime search, seconds under load: those cases
# run with --run-slow (as CI does); RSA-2048 and RSA-3072 take the same paths in every run.
SPECS = [
    pytest.param(spec, marks=NEEDS_ML_KEM)
    if spec.startswith("ML_KEM")
    else pytest.param(spec, marks=pytest.mark.slow)
    if spec == "RSA_4096"
    else spec
    for spec in PUBLIC_KEY_SIZES
]
RSA_BITS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
CURVES = {
    "ECC_NIST_P256": "secp256r1",
    "ECC_NIST_P384": "secp384r1",
    "ECC_NIST_P521": "secp521r1",
    "ECC_SECG_P256K1": "secp256k1",
}


def _arn(key_id: str, region: str = REGION) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"


def _error(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return error_of(info)


def _generate(client: KMSClient, operation: str, **kwargs: Any) -> dict[str, Any]:
    response = dict(_call(client, operation)(**kwargs))
    del response["ResponseMetadata"]
    return response


def _call(client: KMSClient, operation: str) -> Any:
    if operation == "GenerateDataKeyPair":
        return client.generate_data_key_pair
    return client.generate_data_key_pair_without_plaintext


def _current_material(client: KMSClient, key_id: str) -> str:
    return client.describe_key(KeyId=key_id)["KeyMetadata"]["CurrentKeyMaterialId"]


def _pkcs8(private: Any) -> bytes:
    data: bytes = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return data


def _spki(public: Any) -> bytes:
    data: bytes = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return data


def _check_kind(spec: str, private: Any) -> None:
    """The private key is of the spec's algorithm and size."""
    if spec in RSA_BITS:
        assert isinstance(private, rsa.RSAPrivateKey)
        assert private.key_size == RSA_BITS[spec]
        assert private.private_numbers().public_numbers.e == 65537
    elif spec in CURVES:
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        assert private.curve.name == CURVES[spec]
    elif spec == "ECC_NIST_EDWARDS25519":
        assert isinstance(private, ed25519.Ed25519PrivateKey)
    else:
        # ML_KEM_768 -> MLKEM768PrivateKey (cryptography's mlkem module).
        assert type(private).__name__ == "MLKEM" + spec.removeprefix("ML_KEM_") + "PrivateKey"


def _works_as_a_pair(spec: str, private: Any, public_der: bytes) -> None:
    """What a user does with the pair outside KMS works, with the public key KMS returned."""
    public: Any = serialization.load_der_public_key(public_der)
    message = b"data key pair in use"
    if spec in RSA_BITS:
        oaep = padding.OAEP(
            mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None
        )
        assert private.decrypt(public.encrypt(message, oaep), oaep) == message
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        public.verify(private.sign(message, pss, hashes.SHA256()), message, pss, hashes.SHA256())
    elif spec in CURVES:
        ecdsa = ec.ECDSA(hashes.SHA256())
        public.verify(private.sign(message, ecdsa), message, ecdsa)
    elif spec == "ECC_NIST_EDWARDS25519":
        public.verify(private.sign(message), message)
    else:
        shared, ciphertext = public.encapsulate()
        assert private.decapsulate(ciphertext) == shared


# -- the key pair ----------------------------------------------------------------------


@pytest.mark.needs_model(enum="DataKeyPairSpec.ECC_NIST_EDWARDS25519")
@pytest.mark.needs_model(enum="DataKeyPairSpec.ML_KEM_512")
@pytest.mark.needs_model(enum="DataKeyPairSpec.ML_KEM_768")
@pytest.mark.needs_model(enum="DataKeyPairSpec.ML_KEM_1024")
def test_the_model_lists_the_specs_covered_here() -> None:
    # Every value of the model's enum is either generated (SPECS) or refused below.
    assert set(_MODEL_SPECS) == {*PUBLIC_KEY_SIZES, "SM2", "ML_KEM_512"}


@pytest.mark.needs_model(enum="DataKeyPairSpec", param="spec")
@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(member="GenerateDataKeyPairResponse.KeyMaterialId")
@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
@pytest.mark.parametrize("spec", SPECS)
def test_generate_data_key_pair(client: KMSClient, key_id: str, spec: str) -> None:
    response = _generate(
        client, "GenerateDataKeyPair", KeyId=key_id, KeyPairSpec=spec, EncryptionContext=CONTEXT
    )
    blob = response.pop("PrivateKeyCiphertextBlob")
    private_der = response.pop("PrivateKeyPlaintext")
    public_der = response.pop("PublicKey")
    # The model's fields without Recipient: KeyId is the key ARN (recorded, section 3.12),
    # KeyMaterialId the key's current material (model: "used to encrypt the private key").
    assert response == {
        "KeyId": _arn(key_id),
        "KeyPairSpec": spec,
        "KeyMaterialId": _current_material(client, key_id),
    }
    # DER PKCS#8 (RFC 5958) and DER SubjectPublicKeyInfo, canonical encodings.
    private: Any = serialization.load_der_private_key(private_der, password=None)
    _check_kind(spec, private)
    assert _pkcs8(private) == private_der
    assert _spki(private.public_key()) == public_der
    assert len(public_der) == PUBLIC_KEY_SIZES[spec]
    _works_as_a_pair(spec, private, public_der)
    # The encrypted copy is a symmetric ciphertext of the key, as Encrypt makes them.
    encrypted = client.encrypt(KeyId=key_id, Plaintext=private_der, EncryptionContext=CONTEXT)
    assert len(blob) == len(encrypted["CiphertextBlob"])
    decrypted = client.decrypt(CiphertextBlob=blob, EncryptionContext=CONTEXT)
    assert decrypted["Plaintext"] == private_der
    assert decrypted["KeyId"] == _arn(key_id)
    assert decrypted["KeyMaterialId"] == _current_material(client, key_id)


@pytest.mark.needs_model(enum="DataKeyPairSpec", param="spec")
@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(member="GenerateDataKeyPairWithoutPlaintextResponse.KeyMaterialId")
@pytest.mark.parametrize("spec", SPECS)
def test_generate_data_key_pair_without_plaintext(
    client: KMSClient, key_id: str, spec: str
) -> None:
    response = _generate(
        client, "GenerateDataKeyPairWithoutPlaintext", KeyId=key_id, KeyPairSpec=spec
    )
    blob = response.pop("PrivateKeyCiphertextBlob")
    public_der = response.pop("PublicKey")
    # No PrivateKeyPlaintext (recorded keys, section 3.12, plus KeyMaterialId).
    assert response == {
        "KeyId": _arn(key_id),
        "KeyPairSpec": spec,
        "KeyMaterialId": _current_material(client, key_id),
    }
    private_der = client.decrypt(CiphertextBlob=blob)["Plaintext"]
    private: Any = serialization.load_der_private_key(private_der, password=None)
    _check_kind(spec, private)
    assert _spki(private.public_key()) == public_der
    _works_as_a_pair(spec, private, public_der)


def test_ecc_p256_private_key_size(client: KMSClient, key_id: str) -> None:
    # KMS_BEHAVIOUR.md section 11: the PKCS#8 of a P-256 key is 138 bytes (OpenSSL).
    response = client.generate_data_key_pair(KeyId=key_id, KeyPairSpec="ECC_NIST_P256")
    assert len(response["PrivateKeyPlaintext"]) == 138


@pytest.mark.needs_model(enum="DataKeyPairSpec.ML_KEM_768")
@pytest.mark.needs_model(enum="DataKeyPairSpec.ML_KEM_1024")
@NEEDS_ML_KEM
def test_ml_kem_private_keys_are_seeds(client: KMSClient, key_id: str) -> None:
    # Model note: ML-KEM PKCS#8 holds the seed, so every ML-KEM spec has the same length.
    sizes = {
        len(client.generate_data_key_pair(KeyId=key_id, KeyPairSpec=spec)["PrivateKeyPlaintext"])
        for spec in ("ML_KEM_768", "ML_KEM_1024")
    }
    assert sizes == {86}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_call_makes_a_new_pair(client: KMSClient, key_id: str, operation: str) -> None:
    # "returns a unique data key pair for each request" (API reference).
    first = _generate(client, operation, KeyId=key_id, KeyPairSpec="ECC_NIST_P256")
    second = _generate(client, operation, KeyId=key_id, KeyPairSpec="ECC_NIST_P256")
    assert first["PublicKey"] != second["PublicKey"]
    assert first["PrivateKeyCiphertextBlob"] != second["PrivateKeyCiphertextBlob"]


@pytest.mark.needs_model(enum="DataKeyPairSpec.ECC_NIST_EDWARDS25519")
def test_the_keys_are_not_related_to_the_kms_key(client: KMSClient, key_id: str) -> None:
    # Two KMS keys, same spec: nothing ties a pair to the key that seals it.
    other = client.create_key()["KeyMetadata"]["KeyId"]
    keys = {
        client.generate_data_key_pair(KeyId=k, KeyPairSpec="ECC_NIST_EDWARDS25519")["PublicKey"]
        for k in (key_id, other, key_id)
    }
    assert len(keys) == 3


# -- the encrypted private key ----------------------------------------------------------


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_encryption_context_is_required_to_decrypt(
    client: KMSClient, key_id: str, operation: str
) -> None:
    blob = _generate(
        client, operation, KeyId=key_id, KeyPairSpec="ECC_NIST_P384", EncryptionContext=CONTEXT
    )["PrivateKeyCiphertextBlob"]
    # Recorded (section 3.9): a blob made with a context, decrypted without it.
    assert _error(client.decrypt, CiphertextBlob=blob) == ("InvalidCiphertextException", "", 400)
    wrong = {**CONTEXT, "team": "red"}
    assert _error(client.decrypt, CiphertextBlob=blob, EncryptionContext=wrong) == (
        "InvalidCiphertextException",
        "",
        400,
    )
    assert client.decrypt(CiphertextBlob=blob, EncryptionContext=CONTEXT)["Plaintext"]


def test_decrypt_names_the_sealing_key(client: KMSClient, key_id: str) -> None:
    blob = client.generate_data_key_pair_without_plaintext(
        KeyId=key_id, KeyPairSpec="ECC_NIST_P256"
    )["PrivateKeyCiphertextBlob"]
    other = client.create_key()["KeyMetadata"]["KeyId"]
    assert client.decrypt(CiphertextBlob=blob, KeyId=key_id)["Plaintext"]
    assert _error(client.decrypt, CiphertextBlob=blob, KeyId=other) == (
        "IncorrectKeyException",
        "The key ID in the request does not identify a CMK that can perform this operation.",
        400,
    )


def test_re_encrypt_moves_the_private_key(client: KMSClient, key_id: str) -> None:
    response = client.generate_data_key_pair(
        KeyId=key_id, KeyPairSpec="ECC_SECG_P256K1", EncryptionContext=CONTEXT
    )
    other = client.create_key()["KeyMetadata"]["KeyId"]
    moved = client.re_encrypt(
        CiphertextBlob=response["PrivateKeyCiphertextBlob"],
        SourceEncryptionContext=CONTEXT,
        DestinationKeyId=other,
    )["CiphertextBlob"]
    assert client.decrypt(CiphertextBlob=moved)["Plaintext"] == response["PrivateKeyPlaintext"]


@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(member="GenerateDataKeyPairResponse.KeyMaterialId")
@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
def test_after_rotation_the_new_material_seals(
    kms: MockKMS, client: KMSClient, key_id: str
) -> None:
    before = client.generate_data_key_pair(KeyId=key_id, KeyPairSpec="ECC_NIST_P256")
    client.rotate_key_on_demand(KeyId=key_id)
    kms.clock.advance(seconds=60)
    current = _current_material(client, key_id)
    assert current != before["KeyMaterialId"]
    after = client.generate_data_key_pair(KeyId=key_id, KeyPairSpec="ECC_NIST_P256")
    assert after["KeyMaterialId"] == current
    for pair in (before, after):
        decrypted = client.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"])
        assert decrypted["Plaintext"] == pair["PrivateKeyPlaintext"]
        assert decrypted["KeyMaterialId"] == pair["KeyMaterialId"]


# -- identifiers -----------------------------------------------------------------------


@pytest.mark.parametrize("operation", OPERATIONS)
def test_key_identifiers(client: KMSClient, key_id: str, operation: str) -> None:
    client.create_alias(AliasName="alias/pairs", TargetKeyId=key_id)
    for identifier in (
        key_id,
        _arn(key_id),
        "alias/pairs",
        f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/pairs",
    ):
        response = _generate(client, operation, KeyId=identifier, KeyPairSpec="ECC_NIST_P256")
        assert response["KeyId"] == _arn(key_id)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_unknown_key(client: KMSClient, operation: str) -> None:
    missing = "11111111-2222-3333-4444-555555555555"
    assert _error(_call(client, operation), KeyId=missing, KeyPairSpec="RSA_2048") == (
        "NotFoundException",
        f"Key '{_arn(missing)}' does not exist",
        400,
    )
    assert _error(_call(client, operation), KeyId="alias/none", KeyPairSpec="RSA_2048") == (
        "NotFoundException",
        f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/none is not found.",
        400,
    )


def test_unknown_key_pair_spec(client: KMSClient, key_id: str) -> None:
    code, message, status = _error(
        client.generate_data_key_pair,
        KeyId=key_id,
        KeyPairSpec="RSA_1024",
    )
    assert (code, status) == ("ValidationException", 400)
    prefix = (
        "1 validation error detected: Value 'RSA_1024' at 'keyPairSpec' failed to satisfy "
        "constraint: Member must satisfy enum value set: ["
    )
    assert message.startswith(prefix)
    assert message.endswith("]")
    assert set(message[len(prefix) : -1].split(", ")) == set(_MODEL_SPECS)


# -- which KMS key may seal ------------------------------------------------------------


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize(
    ("key_spec", "usage"),
    [
        ("RSA_2048", "SIGN_VERIFY"),
        ("ECC_NIST_P256", "SIGN_VERIFY"),
        ("ECC_NIST_P256", "KEY_AGREEMENT"),
        ("HMAC_256", "GENERATE_VERIFY_MAC"),
    ],
)
def test_keys_of_other_usages_are_refused(
    client: KMSClient, operation: str, key_spec: str, usage: str
) -> None:
    created = client.create_key(KeySpec=key_spec, KeyUsage=usage)  # type: ignore[arg-type]
    arn = created["KeyMetadata"]["Arn"]
    # The usage template AWS uses for every operation (recorded facts section 1.4).
    assert _error(_call(client, operation), KeyId=arn, KeyPairSpec="ECC_NIST_P256") == (
        "InvalidKeyUsageException",
        f"{arn} key usage is {usage} which is not valid for {operation}.",
        400,
    )


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("key_spec", ["RSA_2048", "RSA_4096"])
def test_asymmetric_encryption_keys_are_refused(
    client: KMSClient, operation: str, key_spec: str
) -> None:
    created = client.create_key(KeySpec=key_spec, KeyUsage="ENCRYPT_DECRYPT")  # type: ignore[arg-type]
    arn = created["KeyMetadata"]["Arn"]
    # "You cannot specify an asymmetric KMS key" (model docs). kmsmock's choice: the
    # InvalidKeyUsageException AWS gives Encrypt on an RSA key without an algorithm, as
    # the private key would be sealed with SYMMETRIC_DEFAULT.
    assert _error(_call(client, operation), KeyId=arn, KeyPairSpec="ECC_NIST_P256") == (
        "InvalidKeyUsageException",
        f"Algorithm SYMMETRIC_DEFAULT is incompatible with key spec {key_spec}.",
        400,
    )


@pytest.mark.parametrize("operation", OPERATIONS)
def test_keys_in_a_custom_key_store_are_refused(client: KMSClient, operation: str) -> None:
    store = _connected(client, _cloudhsm(client))
    key = _hsm_key(client, store)
    # "You cannot use ... a KMS key in a custom key store" (model docs); kmsmock's text,
    # AWS's template for other origins a call cannot use.
    assert _error(_call(client, operation), KeyId=key, KeyPairSpec="RSA_2048") == (
        "UnsupportedOperationException",
        f"{_arn(key)} origin is AWS_CLOUDHSM which is not valid for this operation.",
        400,
    )
    # Encrypt with the same key works: the refusal is this operation's own.
    assert client.encrypt(KeyId=key, Plaintext=b"x")["KeyId"] == _arn(key)


# -- key states ------------------------------------------------------------------------


@pytest.mark.parametrize("operation", OPERATIONS)
def test_disabled_key(client: KMSClient, key_id: str, operation: str) -> None:
    client.disable_key(KeyId=key_id)
    expected = ("DisabledException", f"{_arn(key_id)} is disabled.", 400)
    assert _error(_call(client, operation), KeyId=key_id, KeyPairSpec="RSA_2048") == expected
    # State comes before the dry run (the real call's error).
    assert (
        _error(_call(client, operation), KeyId=key_id, KeyPairSpec="RSA_2048", DryRun=True)
        == expected
    )
    client.enable_key(KeyId=key_id)
    assert _generate(client, operation, KeyId=key_id, KeyPairSpec="ECC_NIST_P256")


@pytest.mark.parametrize("operation", OPERATIONS)
def test_pending_deletion(client: KMSClient, key_id: str, operation: str) -> None:
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert _error(_call(client, operation), KeyId=key_id, KeyPairSpec="RSA_2048") == (
        "KMSInvalidStateException",
        f"{_arn(key_id)} is pending deletion.",
        400,
    )


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.parametrize("operation", OPERATIONS)
def test_imported_key_material(client: KMSClient, operation: str) -> None:
    key = external_key(client)
    pending = ("KMSInvalidStateException", f"{_arn(key)} is pending import.", 400)
    assert _error(_call(client, operation), KeyId=key, KeyPairSpec="ECC_NIST_P256") == pending
    material_id = import_material(client, key, os.urandom(32))["KeyMaterialId"]
    response = _generate(client, operation, KeyId=key, KeyPairSpec="ECC_NIST_P256")
    assert response["KeyMaterialId"] == material_id
    private_der = client.decrypt(CiphertextBlob=response["PrivateKeyCiphertextBlob"])["Plaintext"]
    private: Any = serialization.load_der_private_key(private_der, password=None)
    assert _spki(private.public_key()) == response["PublicKey"]
    client.delete_imported_key_material(KeyId=key)
    assert _error(_call(client, operation), KeyId=key, KeyPairSpec="ECC_NIST_P256") == pending


# -- specs by Region -------------------------------------------------------------------


@pytest.mark.parametrize("operation", OPERATIONS)
def test_sm2_outside_china(client: KMSClient, key_id: str, operation: str) -> None:
    # SM2 is a China-Regions spec (model docs). kmsmock's text: AWS's CreateKey answer
    # for KeySpec SM2 in us-east-1 (floci-io/floci#3026), with this parameter's name.
    assert _error(_call(client, operation), KeyId=key_id, KeyPairSpec="SM2") == (
        "UnsupportedOperationException",
        "KeyPairSpec SM2 is not supported in this Region",
        400,
    )


@pytest.mark.needs_model(enum="DataKeyPairSpec.ML_KEM_768")
@pytest.mark.parametrize("operation", OPERATIONS)
def test_china_regions(kms: MockKMS, operation: str) -> None:
    china = boto3.client("kms", region_name="cn-north-1")
    key = china.create_key()["KeyMetadata"]["Arn"]
    assert key.startswith("arn:aws-cn:kms:cn-north-1:")
    # SM2 key pairs need an SM2 implementation, which cryptography lacks.
    with pytest.raises(NotYetImplemented):
        _call(china, operation)(KeyId=key, KeyPairSpec="SM2")
    # "The ML-KEM key specs are not available in China Regions" (model docs).
    assert _error(_call(china, operation), KeyId=key, KeyPairSpec="ML_KEM_768") == (
        "UnsupportedOperationException",
        "KeyPairSpec ML_KEM_768 is not supported in this Region",
        400,
    )
    assert _generate(china, operation, KeyId=key, KeyPairSpec="RSA_2048")["KeyId"] == key


@pytest.mark.needs_model(enum="DataKeyPairSpec.ML_KEM_512")
def test_ml_kem_512_is_not_simulated(client: KMSClient, key_id: str) -> None:
    # cryptography has ML-KEM-768 and ML-KEM-1024 only.
    with pytest.raises(NotYetImplemented):
        client.generate_data_key_pair(KeyId=key_id, KeyPairSpec="ML_KEM_512")


def test_recipient_is_not_simulated(client: KMSClient, key_id: str) -> None:
    with pytest.raises(NotYetImplemented):
        client.generate_data_key_pair(
            KeyId=key_id,
            KeyPairSpec="RSA_2048",
            Recipient={
                "KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
                "AttestationDocument": b"attestation",
            },
        )


# -- DryRun, usage tracking, authorization ---------------------------------------------


@pytest.mark.needs_model(operation="GetKeyLastUsage")
@pytest.mark.parametrize("operation", OPERATIONS)
def test_dry_run(client: KMSClient, key_id: str, operation: str) -> None:
    with pytest.raises(ClientError) as info:
        _call(client, operation)(KeyId=key_id, KeyPairSpec="RSA_4096", DryRun=True)
    # Recorded (section 3.12), with the top-level message of a modelled error.
    assert error_of(info) == ("DryRunOperationException", DRY_RUN, 400)
    assert info.value.response.get("message") == DRY_RUN
    # A dry run is not a use of the key.
    assert client.get_key_last_usage(KeyId=key_id)["KeyLastUsage"] == {}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_dry_run_gives_the_real_error(client: KMSClient, key_id: str, operation: str) -> None:
    assert _error(_call(client, operation), KeyId=key_id, KeyPairSpec="SM2", DryRun=True) == (
        "UnsupportedOperationException",
        "KeyPairSpec SM2 is not supported in this Region",
        400,
    )
    hmac_key = client.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    arn = hmac_key["KeyMetadata"]["Arn"]
    assert _error(_call(client, operation), KeyId=arn, KeyPairSpec="RSA_2048", DryRun=True) == (
        "InvalidKeyUsageException",
        f"{arn} key usage is GENERATE_VERIFY_MAC which is not valid for {operation}.",
        400,
    )


@pytest.mark.needs_model(operation="GetKeyLastUsage")
@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_use_of_the_key(kms: MockKMS, client: KMSClient, key_id: str, operation: str) -> None:
    kms.clock.advance(seconds=10)
    _generate(client, operation, KeyId=key_id, KeyPairSpec="ECC_NIST_P256")
    usage = client.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]
    assert usage["Operation"] == operation


@pytest.mark.parametrize("operation", OPERATIONS)
def test_permission_is_per_operation(kms: MockKMS, key_id: str, operation: str) -> None:
    # Required permissions: kms:<operation> (API reference), no wildcard sharing.
    other = OPERATIONS[1 - OPERATIONS.index(operation)]
    alice = kms.user(
        "alice",
        policy={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": f"kms:{operation}", "Resource": "*"}],
        },
    )
    alice_client = alice.client()
    assert _generate(alice_client, operation, KeyId=key_id, KeyPairSpec="ECC_NIST_P256")
    assert _error(_call(alice_client, other), KeyId=key_id, KeyPairSpec="ECC_NIST_P256") == (
        "AccessDeniedException",
        f"User: {alice.arn} is not authorized to perform: kms:{other} on resource: "
        f"{_arn(key_id)} because no identity-based policy allows the kms:{other} action",
        400,
    )


def test_a_grant_allows_the_operation(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    bob = kms.user(
        "bob",
        policy={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
        },
    )
    grant = client.create_grant(
        KeyId=key_id, GranteePrincipal=bob.arn, Operations=["GenerateDataKeyPairWithoutPlaintext"]
    )
    response = bob.client().generate_data_key_pair_without_plaintext(
        KeyId=_arn(key_id), KeyPairSpec="ECC_NIST_P256", GrantTokens=[grant["GrantToken"]]
    )
    assert response["KeyId"] == _arn(key_id)
    code, _, _ = _error(
        bob.client().generate_data_key_pair, KeyId=_arn(key_id), KeyPairSpec="ECC_NIST_P256"
    )
    assert code == "AccessDeniedException"
