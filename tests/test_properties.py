"""Property tests of kmsmock's symmetric cryptography and of isolation between mocks.

Each example activates its own mock (function-scoped fixtures and @given don't mix), so
every example starts from an empty KMS. Expected behaviour: KMS_BEHAVIOUR.md sections 7,
11 and 13; AWS_RECORDED_FACTS.md section 3.9.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

import kmsmock

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

REGION = "us-east-1"
ACCOUNT = "123456789012"
# Blob sizes are plaintext + 152 for short plaintexts; the limit on CiphertextBlob is 6144.
CIPHERTEXT_MAX = 6144

plaintexts = st.binary(min_size=1, max_size=4096)
short_plaintexts = st.binary(min_size=1, max_size=64)
# The model sets no limits on context strings (reference section 7); empty strings are
# left out because AWS's answer to them is not recorded. st.text covers all of Unicode.
contexts = st.dictionaries(
    st.text(min_size=1, max_size=16), st.text(min_size=1, max_size=16), max_size=4
)
# deadline=None: the first example pays for loading botocore's model.
fast = settings(max_examples=40, deadline=None)
thorough = settings(max_examples=75, deadline=None)


@functools.cache
def _client() -> KMSClient:
    # One client for every example: a client holds no KMS state, each request goes to the
    # innermost active mock, and building a client costs more than a whole example.
    return boto3.client("kms", region_name=REGION)


def _new_key(client: KMSClient) -> str:
    return client.create_key()["KeyMetadata"]["KeyId"]


def _check(error: ClientError, code: str, message: str) -> None:
    assert error.response["Error"]["Code"] == code
    assert error.response["Error"]["Message"] == message
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def _assert_corrupt(client: KMSClient, blob: bytes, **extra: Any) -> None:
    """A blob KMS must refuse as corrupt: InvalidCiphertextException, empty message."""
    with pytest.raises(client.exceptions.InvalidCiphertextException) as info:
        client.decrypt(CiphertextBlob=blob, **extra)
    _check(info.value, "InvalidCiphertextException", "")
    assert "message" not in info.value.response


def _missing(key_id: str) -> str:
    return f"Key 'arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}' does not exist"


# -- Round trips ------------------------------------------------------------------------------
@thorough
@given(plaintext=plaintexts, context=contexts)
def test_round_trip_encrypt_decrypt(plaintext: bytes, context: dict[str, str]) -> None:
    with kmsmock.mock_kms():
        client = _client()
        key_id = _new_key(client)
        blob = client.encrypt(KeyId=key_id, Plaintext=plaintext, EncryptionContext=context)
        response = client.decrypt(CiphertextBlob=blob["CiphertextBlob"], EncryptionContext=context)
        assert response["Plaintext"] == plaintext
        assert response["KeyId"] == blob["KeyId"]


@fast
@given(size=st.integers(min_value=1, max_value=1024), context=contexts)
def test_round_trip_data_key(size: int, context: dict[str, str]) -> None:
    with kmsmock.mock_kms():
        client = _client()
        key_id = _new_key(client)
        data_key = client.generate_data_key(
            KeyId=key_id, NumberOfBytes=size, EncryptionContext=context
        )
        assert len(data_key["Plaintext"]) == size
        response = client.decrypt(
            CiphertextBlob=data_key["CiphertextBlob"], EncryptionContext=context
        )
        assert response["Plaintext"] == data_key["Plaintext"]


@fast
@given(plaintext=plaintexts, source=contexts, destination=contexts, same_key=st.booleans())
def test_round_trip_re_encrypt(
    plaintext: bytes, source: dict[str, str], destination: dict[str, str], same_key: bool
) -> None:
    with kmsmock.mock_kms():
        client = _client()
        source_key = _new_key(client)
        destination_key = source_key if same_key else _new_key(client)
        blob = client.encrypt(KeyId=source_key, Plaintext=plaintext, EncryptionContext=source)
        new = client.re_encrypt(
            CiphertextBlob=blob["CiphertextBlob"],
            SourceEncryptionContext=source,
            DestinationKeyId=destination_key,
            DestinationEncryptionContext=destination,
        )["CiphertextBlob"]
        response = client.decrypt(
            CiphertextBlob=new, KeyId=destination_key, EncryptionContext=destination
        )
        assert response["Plaintext"] == plaintext


# -- Context binding --------------------------------------------------------------------------
@thorough
@given(plaintext=short_plaintexts, first=contexts, second=contexts)
def test_context_binding(plaintext: bytes, first: dict[str, str], second: dict[str, str]) -> None:
    # Equal dicts are the same context whatever their pair order; only unequal ones count.
    if first == second:
        second = {**second, "bound": "elsewhere"}
    with kmsmock.mock_kms():
        client = _client()
        key_id = _new_key(client)
        for made, opened in ((first, second), (second, first)):
            blob = client.encrypt(KeyId=key_id, Plaintext=plaintext, EncryptionContext=made)
            _assert_corrupt(client, blob["CiphertextBlob"], EncryptionContext=opened)


# -- Tamper detection -------------------------------------------------------------------------
@thorough
@given(plaintext=short_plaintexts, context=contexts, data=st.data())
def test_tamper_any_flipped_bit(plaintext: bytes, context: dict[str, str], data: Any) -> None:
    with kmsmock.mock_kms():
        client = _client()
        key_id = _new_key(client)
        blob = client.encrypt(KeyId=key_id, Plaintext=plaintext, EncryptionContext=context)[
            "CiphertextBlob"
        ]
        bit = data.draw(st.integers(min_value=0, max_value=len(blob) * 8 - 1), label="bit")
        tampered = bytearray(blob)
        tampered[bit // 8] ^= 1 << (bit % 8)
        _assert_corrupt(client, bytes(tampered), EncryptionContext=context)


@fast
@given(plaintext=short_plaintexts, data=st.data(), from_front=st.booleans())
def test_tamper_truncated(plaintext: bytes, data: Any, from_front: bool) -> None:
    with kmsmock.mock_kms():
        client = _client()
        key_id = _new_key(client)
        blob = client.encrypt(KeyId=key_id, Plaintext=plaintext)["CiphertextBlob"]
        # At least one byte stays: an empty blob is a ValidationException, not corruption.
        cut = data.draw(st.integers(min_value=1, max_value=len(blob) - 1), label="cut")
        _assert_corrupt(client, blob[cut:] if from_front else blob[: len(blob) - cut])


@fast
@given(plaintext=short_plaintexts, data=st.data(), at_front=st.booleans())
def test_tamper_extended(plaintext: bytes, data: Any, at_front: bool) -> None:
    with kmsmock.mock_kms():
        client = _client()
        key_id = _new_key(client)
        blob = client.encrypt(KeyId=key_id, Plaintext=plaintext)["CiphertextBlob"]
        # Within the 6144-byte limit, so the blob is judged and not rejected by size.
        extra = data.draw(st.binary(min_size=1, max_size=CIPHERTEXT_MAX - len(blob)), label="extra")
        _assert_corrupt(client, extra + blob if at_front else blob + extra)


# -- Isolation between mocks ------------------------------------------------------------------
@fast
@given(plaintext=short_plaintexts, restart=st.booleans())
def test_isolation_blob_never_decrypts_in_another_activation(
    plaintext: bytes, restart: bool
) -> None:
    first = kmsmock.mock_kms()
    with first:
        blob = _client().encrypt(KeyId=_new_key(_client()), Plaintext=plaintext)
    # A restart of the same mock begins from an empty backend, like a new mock.
    with first if restart else kmsmock.mock_kms():
        _assert_corrupt(_client(), blob["CiphertextBlob"])


@settings(max_examples=20, deadline=None)
@given(count=st.integers(min_value=1, max_value=3))
def test_isolation_keys_invisible_in_another_mock(count: int) -> None:
    with kmsmock.mock_kms():
        client = _client()
        key_ids = [_new_key(client) for _ in range(count)]
    with kmsmock.mock_kms():
        client = _client()
        assert client.list_keys()["Keys"] == []
        for key_id in key_ids:
            with pytest.raises(client.exceptions.NotFoundException) as info:
                client.describe_key(KeyId=key_id)
            _check(info.value, "NotFoundException", _missing(key_id))
            with pytest.raises(client.exceptions.NotFoundException) as info:
                client.encrypt(KeyId=key_id, Plaintext=b"x")
            _check(info.value, "NotFoundException", _missing(key_id))


@settings(max_examples=20, deadline=None)
@given(plaintext=short_plaintexts)
def test_isolation_nested_mocks(plaintext: bytes) -> None:
    with kmsmock.mock_kms():
        client = _client()
        outer_key = _new_key(client)
        blob = client.encrypt(KeyId=outer_key, Plaintext=plaintext)["CiphertextBlob"]
        with kmsmock.mock_kms():
            # The innermost mock answers: it knows nothing of the outer one.
            assert client.list_keys()["Keys"] == []
            with pytest.raises(client.exceptions.NotFoundException) as info:
                client.describe_key(KeyId=outer_key)
            _check(info.value, "NotFoundException", _missing(outer_key))
            _assert_corrupt(client, blob)
            inner_key = _new_key(client)
        # Back in the outer mock: its own key again, and none of the inner one.
        assert [k["KeyId"] for k in client.list_keys()["Keys"]] == [outer_key]
        assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == plaintext
        with pytest.raises(client.exceptions.NotFoundException) as info:
            client.describe_key(KeyId=inner_key)
        _check(info.value, "NotFoundException", _missing(inner_key))
