"""Async clients (aiobotocore, aioboto3) answered in-process, and older botocore models.

The async libraries pin botocore versions of their own, so they are not in the main test
environment: the tests that need them skip there. ``.ci/async-tests`` runs this module
in two environments, aiobotocore 3.10 (botocore 1.43) and aioboto3 15.5 (aiobotocore
2.25, botocore 1.40.61), and sets ``KMSMOCK_ASYNC_REQUIRED`` so that a library missing
there fails instead of skipping. The older-model tests at the end run everywhere.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import os
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

import kmsmock
from kmsmock import _dispatch, mock_kms
from kmsmock._model import operation_names
from kmsmock._protocol import EncodingBug, OperationCodec

REGION = "us-east-1"
ACCOUNT = kmsmock.DEFAULT_ACCOUNT
ClientFactory = Callable[..., AbstractAsyncContextManager[Any]]


def _library(module: str) -> Any:
    required = os.environ.get("KMSMOCK_ASYNC_REQUIRED", "").split()
    if module.partition(".")[0] in required:
        return importlib.import_module(module)
    return pytest.importorskip(module)


@pytest.fixture(params=["aiobotocore", "aioboto3"])
def async_client(request: pytest.FixtureRequest) -> ClientFactory:
    """Makes async KMS clients (``async with async_client() as client``) of one library,
    from a session created, like a test's, after kmsmock was imported."""
    if request.param == "aiobotocore":
        session = _library("aiobotocore.session").get_session()

        def aiobotocore_client(region: str = REGION, **options: Any) -> Any:
            return session.create_client("kms", region_name=region, **options)

        return aiobotocore_client
    session = _library("aioboto3").Session()

    def aioboto3_client(region: str = REGION, **options: Any) -> Any:
        return session.client("kms", region_name=region, **options)

    return aioboto3_client


def _error(error: ClientError) -> tuple[str, str, int]:
    return (
        error.response["Error"]["Code"],
        error.response["Error"].get("Message", ""),
        error.response["ResponseMetadata"]["HTTPStatusCode"],
    )


# -- the async clients ------------------------------------------------------------------


@pytest.mark.asyncio
async def test_round_trip_with_an_encryption_context(async_client: ClientFactory) -> None:
    with mock_kms() as kms:
        async with async_client() as client:
            key = (await client.create_key(Description="async"))["KeyMetadata"]
            context = {"purpose": "test"}
            blob = (
                await client.encrypt(
                    KeyId=key["KeyId"], Plaintext=b"secret", EncryptionContext=context
                )
            )["CiphertextBlob"]
            decrypted = await client.decrypt(CiphertextBlob=blob, EncryptionContext=context)
            assert decrypted["Plaintext"] == b"secret"
            assert decrypted["KeyId"] == key["Arn"]
            with pytest.raises(ClientError) as info:
                await client.decrypt(CiphertextBlob=blob, EncryptionContext={"purpose": "other"})
            assert isinstance(info.value, client.exceptions.InvalidCiphertextException)
            assert _error(info.value) == ("InvalidCiphertextException", "", 400)
        assert [key.description for key in kms.keys()] == ["async"]
        assert [(c.operation, c.error) for c in kms.calls] == [
            ("CreateKey", None),
            ("Encrypt", None),
            ("Decrypt", None),
            ("Decrypt", "InvalidCiphertextException"),
        ]


@pytest.mark.asyncio
async def test_generate_data_key(async_client: ClientFactory) -> None:
    with mock_kms():
        async with async_client() as client:
            key_id = (await client.create_key())["KeyMetadata"]["KeyId"]
            data_key = await client.generate_data_key(KeyId=key_id, KeySpec="AES_256")
            assert len(data_key["Plaintext"]) == 32
            decrypted = await client.decrypt(CiphertextBlob=data_key["CiphertextBlob"])
            assert decrypted["Plaintext"] == data_key["Plaintext"]


@pytest.mark.asyncio
async def test_a_disabled_key_is_refused_with_aws_error(async_client: ClientFactory) -> None:
    async with mock_kms(), async_client() as client:
        key = (await client.create_key())["KeyMetadata"]
        await client.disable_key(KeyId=key["KeyId"])
        with pytest.raises(client.exceptions.DisabledException) as info:
            await client.encrypt(KeyId=key["KeyId"], Plaintext=b"secret")
    assert _error(info.value) == ("DisabledException", f"{key['Arn']} is disabled.", 400)


@pytest.mark.asyncio
async def test_a_declared_principal_is_denied_by_its_policy(async_client: ClientFactory) -> None:
    with mock_kms() as kms:
        async with async_client() as admin:
            key = (await admin.create_key())["KeyMetadata"]
        alice = kms.user(
            "alice",
            policy={
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "kms:Encrypt", "Resource": key["Arn"]}],
            },
        )
        async with async_client(**alice.credentials) as client:
            blob = (await client.encrypt(KeyId=key["KeyId"], Plaintext=b"ok"))["CiphertextBlob"]
            with pytest.raises(ClientError) as info:
                await client.decrypt(CiphertextBlob=blob)
        assert _error(info.value) == (
            "AccessDeniedException",
            f"User: {alice.arn} is not authorized to perform: kms:Decrypt on resource: "
            f"{key['Arn']} because no identity-based policy allows the kms:Decrypt action",
            400,
        )
        assert [c.principal for c in kms.calls] == [
            f"arn:aws:iam::{ACCOUNT}:root",
            alice.arn,
            alice.arn,
        ]


@pytest.mark.asyncio
async def test_concurrent_calls_keep_every_answer_apart(async_client: ClientFactory) -> None:
    with mock_kms() as kms:
        async with async_client() as client, async_client(region="eu-west-1") as other:
            keys = [(await client.create_key())["KeyMetadata"]["KeyId"] for _ in range(4)]
            other_key = (await other.create_key())["KeyMetadata"]["KeyId"]

            async def round_trip(i: int) -> bytes:
                caller, key_id = (other, other_key) if i % 5 == 0 else (client, keys[i % 4])
                context = {"i": str(i)}
                blob = (
                    await caller.encrypt(
                        KeyId=key_id, Plaintext=b"%d" % i, EncryptionContext=context
                    )
                )["CiphertextBlob"]
                plaintext: bytes = (
                    await caller.decrypt(CiphertextBlob=blob, EncryptionContext=context)
                )["Plaintext"]
                return plaintext

            results = await asyncio.gather(*(round_trip(i) for i in range(100)))
        assert results == [b"%d" % i for i in range(100)]
        assert len(kms.calls) == 5 + 200
        assert [k.key_id for k in kms.keys(region="eu-west-1")] == [other_key]


@pytest.mark.asyncio
async def test_async_and_sync_clients_share_the_mock(async_client: ClientFactory) -> None:
    with mock_kms():
        sync = boto3.client("kms", region_name=REGION)
        key_id = sync.create_key()["KeyMetadata"]["KeyId"]
        async with async_client() as client:
            blob = (await client.encrypt(KeyId=key_id, Plaintext=b"both"))["CiphertextBlob"]
        assert sync.decrypt(CiphertextBlob=blob)["Plaintext"] == b"both"


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment in which clients find no credentials (as at import time, say)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.asyncio
@pytest.mark.usefixtures("no_credentials")
async def test_a_client_created_before_the_mock_is_served(async_client: ClientFactory) -> None:
    async with async_client() as early:
        with mock_kms() as kms:
            await early.create_key()
            assert len(kms.keys()) == 1
            assert kms.calls[0].principal == f"arn:aws:iam::{ACCOUNT}:root"


@pytest.mark.asyncio
async def test_a_session_without_the_hook_is_answered_all_the_same() -> None:
    # As for a session created before kmsmock was imported: its KMS calls reach the
    # endpoint, where the guard answers them instead of the network.
    from kmsmock import _hook

    session = _library("aiobotocore.session").get_session()
    session.unregister(_hook.EVENT, _hook.before_send)
    with mock_kms() as kms:
        async with session.create_client(
            "kms", region_name=REGION, endpoint_url="http://localhost:4566"
        ) as client:
            key_id = (await client.create_key())["KeyMetadata"]["KeyId"]
            blob = (await client.encrypt(KeyId=key_id, Plaintext=b"x"))["CiphertextBlob"]
            assert (await client.decrypt(CiphertextBlob=blob))["Plaintext"] == b"x"
        assert len(kms.keys()) == 1


@pytest.mark.asyncio
@mock_kms(region="eu-central-1")
async def test_a_decorated_coroutine(async_client: ClientFactory) -> None:
    async with async_client(region="eu-central-1") as client:
        arn = (await client.create_key())["KeyMetadata"]["Arn"]
    assert arn.startswith(f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/")
    mock = kmsmock.current()
    assert mock is not None
    assert len(mock.keys()) == 1


# -- older botocore models (aioboto3 15.5 pins botocore 1.40.61) -----------------------


def test_a_model_lacking_an_implemented_operation_is_older(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    older = not set(_dispatch._MODULE_OF) <= set(operation_names())
    assert _dispatch.model_predates_kmsmock.__wrapped__() is older
    monkeypatch.setitem(_dispatch._MODULE_OF, "AnOperationOfTomorrow", "keys")
    assert _dispatch.model_predates_kmsmock.__wrapped__() is True


def test_every_handler_parameter_is_a_member_of_the_model() -> None:
    # Where the suite runs, on kmsmock's own model, a parameter the model lacks is a typo:
    # at run time it would only never be passed.
    if _dispatch.model_predates_kmsmock():
        pytest.skip("botocore's model predates kmsmock's: it lacks members added since")
    unknown = {}
    for name in _dispatch.implemented():
        operation = _dispatch.lookup(name)
        assert operation is not None
        declared = set(inspect.signature(operation.handler).parameters) - {"req"}
        if declared - operation.codec.parameters:
            unknown[name] = sorted(declared - operation.codec.parameters)
    assert unknown == {}


# Encrypt has no Colour member in any model.
def _optional_colour(req: object, key_id: str, colour: str | None = None) -> None: ...


def _required_colour(req: object, key_id: str, colour: str) -> None: ...


def test_a_parameter_the_model_lacks_is_never_passed() -> None:
    operation = _dispatch.Operation("Encrypt", _optional_colour)
    assert "colour" not in operation.accepts
    assert "key_id" in operation.accepts
    # Without a default the handler could not be called at all.
    with pytest.raises(TypeError, match=r"Encrypt handler takes unknown parameters \['colour'\]"):
        _dispatch.Operation("Encrypt", _required_colour)


KEY_METADATA = {"KeyId": "k", "AWSAccountId": ACCOUNT, "Enabled": True}


def test_a_response_member_the_model_lacks_is_a_kmsmock_bug() -> None:
    codec = OperationCodec("DescribeKey")
    with pytest.raises(EncodingBug, match="KeyMetadata has no member Colour"):
        codec.encode({"KeyMetadata": {**KEY_METADATA, "Colour": "blue"}})
    with pytest.raises(EncodingBug, match="DescribeKeyResponse has no member Colour"):
        codec.encode({"KeyMetadata": KEY_METADATA, "Colour": "blue"})
    with pytest.raises(EncodingBug, match="KeyListEntry has no member Colour"):
        OperationCodec("ListKeys").encode({"Keys": [{"KeyId": "k", "Colour": "blue"}]})
    with pytest.raises(EncodingBug, match="'NEW_ALGORITHM' is not in the"):
        codec.encode({"KeyMetadata": {**KEY_METADATA, "EncryptionAlgorithms": ["NEW_ALGORITHM"]}})


def test_an_older_model_leaves_out_members_it_lacks() -> None:
    codec = OperationCodec("DescribeKey", older_model=True)
    document = {
        "KeyMetadata": {**KEY_METADATA, "Colour": "blue", "EncryptionAlgorithms": ["NEW"]},
        "Colour": "blue",
    }
    # An enum value added since passes: AWS sends it to old clients too.
    assert codec.encode(document) == (
        b'{"KeyMetadata": {"KeyId": "k", "AWSAccountId": "123456789012", "Enabled": true, '
        b'"EncryptionAlgorithms": ["NEW"]}}'
    )
    listing = OperationCodec("ListKeys", older_model=True).encode(
        {"Keys": [{"KeyId": "k", "Colour": "blue"}, {"KeyId": "j"}], "Truncated": False}
    )
    assert listing == b'{"Keys":[{"KeyId": "k"},{"KeyId": "j"}],"Truncated":false}'


def test_docs_async_example_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    import pathlib
    import re

    _library("aiobotocore")
    page = (pathlib.Path(__file__).resolve().parent.parent / "docs" / "server.md").read_text()
    section = page.split("### Async clients", 1)[1].split("\n### ", 1)[0]
    (block,) = re.findall(r"```python\n(.+?)```", section, re.S)
    exec(compile(block, "docs/server.md", "exec"), {})
    assert capsys.readouterr().out.strip().endswith(" is disabled.")
