"""kms.add_key and kms.add_alias: keys declared with known ids, material and states."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kmsmock import KeyState, MockKMS, mock_kms

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
MATERIAL = bytes(range(32))
ARN = f"arn:aws:kms:us-east-1:123456789012:key/{KEY_ID}"

_ENCRYPT_IN_ANOTHER_PROCESS = """
import sys
import boto3
from kmsmock import mock_kms

with mock_kms() as kms:
    kms.add_key(sys.argv[1], material=bytes(range(32)), aliases=["alias/fixture"])
    client = boto3.client("kms", region_name="us-east-1")
    blob = client.encrypt(
        KeyId="alias/fixture", Plaintext=b"saved fixture", EncryptionContext={"app": "t"}
    )["CiphertextBlob"]
with open(sys.argv[2], "wb") as file:
    file.write(blob)
"""


def _client() -> Any:
    return boto3.client("kms", region_name="us-east-1")


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = info.value.response["Error"]
    return error["Code"], error["Message"]


def test_add_key_ciphertext_from_another_process_decrypts_under_the_same_declared_key(
    tmp_path: Path,
) -> None:
    saved = tmp_path / "blob.bin"
    subprocess.run(
        [sys.executable, "-c", _ENCRYPT_IN_ANOTHER_PROCESS, KEY_ID, str(saved)],
        check=True,
        timeout=120,
    )
    with mock_kms() as kms:
        kms.add_key(KEY_ID, material=MATERIAL)
        # No KeyId: the symmetric ciphertext names its key.
        answer = _client().decrypt(
            CiphertextBlob=saved.read_bytes(), EncryptionContext={"app": "t"}
        )
    assert (answer["KeyId"], answer["Plaintext"]) == (ARN, b"saved fixture")


def _encrypted(**declaration: Any) -> bytes:
    with mock_kms() as kms:
        kms.add_key(KEY_ID, **declaration)
        blob: bytes = _client().encrypt(KeyId=KEY_ID, Plaintext=b"p")["CiphertextBlob"]
    return blob


@pytest.mark.parametrize(
    "other",
    [
        {"material": bytes(32)},
        {"material": MATERIAL, "account": "210987654321"},
        {"material": MATERIAL, "region": "eu-west-1"},
    ],
    ids=["material", "account", "region"],
)
def test_add_key_another_material_account_or_region_is_another_key(other: dict[str, Any]) -> None:
    blob = _encrypted(material=MATERIAL)
    with mock_kms() as kms:
        kms.add_key(KEY_ID, **other)
        client = boto3.client("kms", region_name=other.get("region", "us-east-1"))
        with pytest.raises(ClientError) as info:
            client.decrypt(CiphertextBlob=blob)
    assert _error(info) == ("InvalidCiphertextException", "")


def test_add_key_without_material_is_the_same_key_in_every_mock() -> None:
    blob = _encrypted()
    with mock_kms() as kms:
        kms.add_key(KEY_ID)
        assert _client().decrypt(CiphertextBlob=blob)["Plaintext"] == b"p"


def test_add_key_generated_keys_never_open_a_declared_keys_blob() -> None:
    blob = _encrypted(material=MATERIAL)
    with mock_kms():
        _client().create_key()
        with pytest.raises(ClientError) as info:
            _client().decrypt(CiphertextBlob=blob)
    assert _error(info) == ("InvalidCiphertextException", "")


def test_add_key_describes_as_created_with_the_declared_attributes() -> None:
    with mock_kms() as kms:
        kms.clock.set(1_700_000_000)
        key = kms.add_key(KEY_ID, description="declared", tags={"team": "a"})
        metadata = _client().describe_key(KeyId=KEY_ID)["KeyMetadata"]
        tags = _client().list_resource_tags(KeyId=KEY_ID)["Tags"]
    assert key.key_id == KEY_ID
    assert {
        name: metadata[name]
        for name in ("KeyId", "Arn", "Description", "KeyState", "KeySpec", "KeyUsage", "Origin")
    } == {
        "KeyId": KEY_ID,
        "Arn": ARN,
        "Description": "declared",
        "KeyState": "Enabled",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "Origin": "AWS_KMS",
    }
    assert metadata["MultiRegion"] is False
    assert tags == [{"TagKey": "team", "TagValue": "a"}]


@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
def test_add_key_material_id_is_reported_and_stable() -> None:
    def material_id() -> str:
        with mock_kms() as kms:
            kms.add_key(KEY_ID, material=MATERIAL)
            found: str = _client().describe_key(KeyId=KEY_ID)["KeyMetadata"]["CurrentKeyMaterialId"]
            return found

    first = material_id()
    assert first == material_id()
    assert len(first) == 64


def test_add_key_hmac_material_is_the_mac_key() -> None:
    secret = b"k" * 40
    with mock_kms() as kms:
        kms.add_key(KEY_ID, key_spec="HMAC_256", material=secret)
        mac = _client().generate_mac(KeyId=KEY_ID, Message=b"msg", MacAlgorithm="HMAC_SHA_256")
    assert mac["Mac"] == hmac.new(secret, b"msg", hashlib.sha256).digest()


def _public(kms: MockKMS, **declaration: Any) -> bytes:
    kms.add_key(KEY_ID, **declaration)
    der: bytes = _client().get_public_key(KeyId=KEY_ID)["PublicKey"]
    return der


def _spki(private: Any) -> bytes:
    der: bytes = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


@pytest.mark.parametrize("encoding", ["pem-text", "pem", "der-pkcs8", "der-traditional"])
def test_add_key_takes_pem_or_der_private_keys(encoding: str) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    if encoding.startswith("pem"):
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        material: bytes | str = pem.decode() if encoding == "pem-text" else pem
    else:
        layout = (
            serialization.PrivateFormat.PKCS8
            if encoding == "der-pkcs8"
            else serialization.PrivateFormat.TraditionalOpenSSL
        )
        material = private.private_bytes(
            serialization.Encoding.DER, layout, serialization.NoEncryption()
        )
    with mock_kms() as kms:
        assert _public(
            kms, key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY", material=material
        ) == _spki(private)


def test_add_key_rsa_material_signs_with_that_key() -> None:
    private = rsa.generate_private_key(65537, 2048)
    der = private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with mock_kms() as kms:
        assert _public(kms, key_spec="RSA_2048", key_usage="SIGN_VERIFY", material=der) == _spki(
            private
        )


def test_add_key_asymmetric_without_material_is_the_same_pair_in_every_mock() -> None:
    with mock_kms() as kms:
        first = _public(kms, key_spec="ECC_NIST_EDWARDS25519")
    with mock_kms() as kms:
        again = _public(kms, key_spec="ECC_NIST_EDWARDS25519")
    public = serialization.load_der_public_key(first)
    assert (first == again, isinstance(public, ed25519.Ed25519PublicKey)) == (True, True)


def test_add_key_states() -> None:
    with mock_kms() as kms:
        kms.clock.set(1_700_000_000)
        kms.add_key(KEY_ID, state="Disabled")
        pending = kms.add_key(state=KeyState.PENDING_DELETION, aliases=["alias/going"])
        waiting = kms.add_key(origin="EXTERNAL")
        client = _client()
        with pytest.raises(ClientError) as info:
            client.encrypt(KeyId=KEY_ID, Plaintext=b"p")
        assert _error(info) == ("DisabledException", f"{ARN} is disabled.")
        metadata = client.describe_key(KeyId=pending.key_id)["KeyMetadata"]
        assert metadata["KeyState"] == "PendingDeletion"
        assert metadata["DeletionDate"].timestamp() == pytest.approx(
            1_700_000_000 + 30 * 86400, abs=5
        )
        # Cancelled like a scheduled deletion: back to Disabled.
        assert client.cancel_key_deletion(KeyId=pending.key_id)["KeyId"] == pending.arn
        client.schedule_key_deletion(KeyId=pending.key_id, PendingWindowInDays=30)
        assert client.describe_key(KeyId=waiting.key_id)["KeyMetadata"]["KeyState"] == (
            "PendingImport"
        )
        kms.clock.advance(days=30, seconds=10)
        assert [k.key_id for k in kms.keys()] == [KEY_ID, waiting.key_id]
        assert "alias/going" not in kms.region_state().aliases


def test_add_key_external_with_material_is_imported_material_that_does_not_expire() -> None:
    with mock_kms() as kms:
        kms.add_key(KEY_ID, origin="EXTERNAL", material=MATERIAL)
        metadata = _client().describe_key(KeyId=KEY_ID)["KeyMetadata"]
        blob = _client().encrypt(KeyId=KEY_ID, Plaintext=b"p")["CiphertextBlob"]
    assert (metadata["Origin"], metadata["KeyState"], metadata["ExpirationModel"]) == (
        "EXTERNAL",
        "Enabled",
        "KEY_MATERIAL_DOES_NOT_EXPIRE",
    )
    with mock_kms() as kms:
        kms.add_key(KEY_ID, origin="EXTERNAL", material=MATERIAL)
        assert _client().decrypt(CiphertextBlob=blob)["Plaintext"] == b"p"


def test_add_key_policy_aliases_and_multi_region() -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Root",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    mrk = "mrk-" + "ab" * 16
    with mock_kms() as kms:
        kms.add_key(mrk, multi_region=True, policy=policy, aliases=["alias/a", "alias/b"])
        kms.add_alias("alias/c", mrk)
        client = _client()
        text = client.get_key_policy(KeyId=mrk)["Policy"]
        aliases = [a["AliasName"] for a in client.list_aliases(KeyId=mrk)["Aliases"]]
        metadata = client.describe_key(KeyId="alias/c")["KeyMetadata"]
    assert json.loads(text) == policy
    assert aliases == ["alias/a", "alias/b", "alias/c"]
    assert (metadata["KeyId"], metadata["MultiRegion"]) == (mrk, True)
    assert metadata["MultiRegionConfiguration"]["MultiRegionKeyType"] == "PRIMARY"


def test_add_key_in_another_account_and_region() -> None:
    with mock_kms() as kms:
        key = kms.add_key(KEY_ID, account="210987654321", region="eu-west-1")
        kms.add_alias("alias/there", KEY_ID, account="210987654321", region="eu-west-1")
        assert key.arn == f"arn:aws:kms:eu-west-1:210987654321:key/{KEY_ID}"
        assert kms.keys() == []
        assert kms.region_state("eu-west-1", "210987654321").aliases[
            "alias/there"
        ].target_key_id == (KEY_ID)


@pytest.mark.parametrize(
    ("declaration", "error", "message"),
    [
        ({"key_id": "not-a-uuid"}, ValueError, "a key id is a lowercase UUID"),
        ({"key_id": KEY_ID.upper()}, ValueError, "a key id is a lowercase UUID"),
        ({"key_id": "mrk-" + "a" * 32}, ValueError, "pass multi_region=True"),
        ({"key_id": KEY_ID, "multi_region": True}, ValueError, "a multi-Region key id is"),
        ({"key_id": 5}, TypeError, "key_id must be a str, not int"),
        ({"key_spec": "AES_256"}, ValueError, "'AES_256' is not a key spec"),
        ({"key_spec": "RSA_2048"}, ValueError, "key_usage is needed for a RSA_2048 key"),
        (
            {"key_spec": "HMAC_256", "key_usage": "SIGN_VERIFY"},
            ValueError,
            "KeyUsage SIGN_VERIFY is not compatible with KeySpec HMAC_256",
        ),
        ({"key_spec": "SM2", "key_usage": "SIGN_VERIFY"}, ValueError, "SM2 keys exist only"),
        ({"material": b"short"}, ValueError, "SYMMETRIC_DEFAULT key is 32 bytes, not 5"),
        ({"material": "text"}, TypeError, "is bytes, not a str"),
        ({"key_spec": "HMAC_512", "material": b"k" * 20}, ValueError, "64 to 128 bytes, not 20"),
        (
            {"key_spec": "ECC_NIST_P384", "key_usage": "SIGN_VERIFY", "material": b"junk"},
            ValueError,
            "material is not a PEM or DER private key",
        ),
        ({"state": "Creating"}, ValueError, "Creating comes with a replica"),
        ({"state": "Gone"}, ValueError, "'Gone' is not a key state"),
        ({"state": "PendingImport"}, ValueError, "only a key of origin EXTERNAL"),
        ({"origin": "EXTERNAL", "state": "Enabled"}, ValueError, "is PendingImport, not Enabled"),
        ({"origin": "AWS_CLOUDHSM"}, ValueError, "origin is 'AWS_KMS' or 'EXTERNAL'"),
        ({"account": "12"}, ValueError, "account must be 12 digits"),
        ({"region": "moon"}, ValueError, "region must be a region name"),
        ({"description": "d" * 8193}, ValueError, "a description is at most 8192"),
        ({"policy": "{"}, ValueError, "policy: "),
        ({"policy": 5}, TypeError, "policy must be a JSON str or a dict"),
        ({"tags": {"aws:x": "v"}}, ValueError, "tags: Tags beginning with aws: are reserved"),
        ({"tags": {"k": 1}}, TypeError, "tags must be a dict of str to str"),
        ({"tags": {f"k{i}": "v" for i in range(51)}}, ValueError, "tags: Too many tags"),
        ({"aliases": "alias/x"}, TypeError, "aliases is a list of alias names"),
        ({"aliases": ["x"]}, ValueError, "an alias name starts with 'alias/'"),
        ({"aliases": ["alias/aws/s3"]}, ValueError, "reserved for AWS managed keys"),
        ({"aliases": ["alias/a:b"]}, ValueError, "an alias name is at most 256"),
        ({"aliases": ["alias/d", "alias/d"]}, ValueError, "alias named alias/d already exists"),
        ({"multi_region": 1}, TypeError, "multi_region must be a bool"),
    ],
)
def test_add_key_refuses_bad_declarations_before_changing_anything(
    declaration: dict[str, Any], error: type[Exception], message: str
) -> None:
    with mock_kms() as kms:
        with pytest.raises(error, match=message.replace("(", r"\(")):
            kms.add_key(**declaration)
        assert (kms.accounts, len(kms.calls)) == ({}, 0)


def test_add_key_refuses_a_key_id_the_region_has() -> None:
    with mock_kms() as kms:
        kms.add_key(KEY_ID)
        with pytest.raises(
            ValueError, match=f"a key {KEY_ID} already exists in 123456789012/us-east-1"
        ):
            kms.add_key(KEY_ID, aliases=["alias/new"])
        assert list(kms.region_state().aliases) == []
        # The same id in another region is another key.
        kms.add_key(KEY_ID, region="eu-west-1")


def test_add_alias_refusals() -> None:
    with mock_kms() as kms:
        kms.add_key(KEY_ID, aliases=["alias/taken"])
        going = kms.add_key(state="PendingDeletion")
        with pytest.raises(ValueError, match="alias named alias/taken already exists"):
            kms.add_alias("alias/taken", KEY_ID)
        with pytest.raises(ValueError, match="no key 00000000-0000-0000-0000-000000000000 in"):
            kms.add_alias("alias/free", "00000000-0000-0000-0000-000000000000")
        with pytest.raises(ValueError, match="is pending deletion"):
            kms.add_alias("alias/free", going.key_id)
        with pytest.raises(TypeError, match="alias name must be a str"):
            kms.add_alias(3, KEY_ID)  # type: ignore[arg-type]
        assert list(kms.region_state().aliases) == ["alias/taken"]
