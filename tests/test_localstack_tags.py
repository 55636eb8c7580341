"""mock_kms(localstack_tags=True): LocalStack's _custom_id_ and _custom_key_material_ tags."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kmsmock import mock_kms
from kmsmock.server import ThreadedKMSServer
from tests._helpers import serving

KEY_ID = "fe960654-cdc9-4580-9368-8c58c3865a46"
MATERIAL = bytes(range(32))


def _tags(key_id: str | None = KEY_ID, material: bytes | None = MATERIAL) -> list[Any]:
    tags = [{"TagKey": "team", "TagValue": "a"}]
    if key_id is not None:
        tags.append({"TagKey": "_custom_id_", "TagValue": key_id})
    if material is not None:
        tags.append(
            {"TagKey": "_custom_key_material_", "TagValue": base64.b64encode(material).decode()}
        )
    return tags


def _client(endpoint_url: str | None = None) -> Any:
    return boto3.client(
        "kms",
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = info.value.response["Error"]
    return error["Code"], error["Message"]


def test_localstack_tags_are_ordinary_tags_by_default() -> None:
    with mock_kms():
        client = _client()
        key_id = client.create_key(Tags=_tags())["KeyMetadata"]["KeyId"]
        tags = client.list_resource_tags(KeyId=key_id)["Tags"]
    assert key_id != KEY_ID
    assert sorted(t["TagKey"] for t in tags) == ["_custom_id_", "_custom_key_material_", "team"]


def test_localstack_tags_set_the_id_and_material_and_drop_the_material_tag() -> None:
    with mock_kms(localstack_tags=True):
        client = _client()
        key_id = client.create_key(Tags=_tags())["KeyMetadata"]["KeyId"]
        tags = client.list_resource_tags(KeyId=key_id)["Tags"]
        blob = client.encrypt(KeyId=key_id, Plaintext=b"from localstack")["CiphertextBlob"]
    assert key_id == KEY_ID
    # As LocalStack: the id tag stays, the material tag is taken off.
    assert sorted(tags, key=lambda tag: tag["TagKey"]) == [
        {"TagKey": "_custom_id_", "TagValue": KEY_ID},
        {"TagKey": "team", "TagValue": "a"},
    ]
    # The same key as one declared with the same id and material.
    with mock_kms() as kms:
        kms.add_key(KEY_ID, material=MATERIAL)
        assert _client().decrypt(CiphertextBlob=blob)["Plaintext"] == b"from localstack"


def test_localstack_tags_hmac_and_ec_material() -> None:
    # 24 bytes: LocalStack takes HMAC material of any length (AWS's imports: 32 to 64).
    secret = b"custom test key material"
    private = ec.generate_private_key(ec.SECP256R1())
    sec1 = private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    with mock_kms(localstack_tags=True):
        client = _client()
        hmac_id = client.create_key(
            KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC", Tags=_tags(None, secret)
        )["KeyMetadata"]["KeyId"]
        mac = client.generate_mac(KeyId=hmac_id, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
        ec_id = client.create_key(
            KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", Tags=_tags(None, sec1)
        )["KeyMetadata"]["KeyId"]
        public = client.get_public_key(KeyId=ec_id)["PublicKey"]
    assert mac == hmac.new(secret, b"m", hashlib.sha256).digest()
    assert public == private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_localstack_tags_id_alone_generates_material() -> None:
    with mock_kms(localstack_tags=True):
        client = _client()
        metadata = client.create_key(MultiRegion=True, Tags=_tags("mrk-" + "0" * 32, None))
    assert metadata["KeyMetadata"]["KeyId"] == "mrk-" + "0" * 32
    assert metadata["KeyMetadata"]["MultiRegion"] is True


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (_tags("nope", None), "_custom_id_: a key id is a lowercase UUID"),
        (_tags("mrk-" + "0" * 32, None), "(pass multi_region=True for an mrk- id)"),
        (
            [{"TagKey": "_custom_key_material_", "TagValue": "%%%"}],
            "_custom_key_material_ must be base64",
        ),
        (
            _tags(None, b"short"),
            "_custom_key_material_: the material of a SYMMETRIC_DEFAULT key is 32 bytes, not 5",
        ),
    ],
)
def test_localstack_tags_refusals(tags: list[Any], message: str) -> None:
    with mock_kms(localstack_tags=True) as kms:
        with pytest.raises(ClientError) as info:
            _client().create_key(Tags=tags)
        assert kms.keys() == []
    code, text = _error(info)
    assert code == "ValidationException"
    assert message in text
    assert text.startswith("_custom_")


def test_localstack_tags_refuse_an_id_that_exists() -> None:
    with mock_kms(localstack_tags=True):
        _client().create_key(Tags=_tags(KEY_ID, None))
        with pytest.raises(ClientError) as info:
            _client().create_key(Tags=_tags(KEY_ID, None))
    assert _error(info) == (
        "ValidationException",
        f"_custom_id_: a key with the id {KEY_ID} already exists",
    )


def test_localstack_tags_option_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="localstack_tags must be a bool, not 'yes'"):
        mock_kms(localstack_tags="yes")  # type: ignore[call-overload]


def test_localstack_tags_over_http() -> None:
    with ThreadedKMSServer(localstack_tags=True) as server:
        client = _client(server.endpoint_url)
        key_id = client.create_key(Tags=_tags())["KeyMetadata"]["KeyId"]
        blob = client.encrypt(KeyId=key_id, Plaintext=b"over http")["CiphertextBlob"]
        client.close()
    assert key_id == KEY_ID
    with mock_kms() as kms:
        kms.add_key(KEY_ID, material=MATERIAL)
        assert _client().decrypt(CiphertextBlob=blob)["Plaintext"] == b"over http"


@pytest.mark.slow
def test_kmsmock_serve_takes_seed_and_localstack_tags() -> None:
    with serving("--seed", "served", "--localstack-tags") as (_, url):
        client = _client(url)
        custom = client.create_key(Tags=_tags())["KeyMetadata"]["KeyId"]
        seeded = client.create_key()["KeyMetadata"]["KeyId"]
        client.close()
    with mock_kms(seed="served"):
        # Declared material draws nothing: the seed's first key id goes to the second key.
        assert (custom, seeded) == (KEY_ID, _client().create_key()["KeyMetadata"]["KeyId"])
