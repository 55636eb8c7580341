"""Activation: decorator, context managers, fixture, nesting, environment, hooks."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import io
import os
import sys
import unittest
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber

import kmsmock
from kmsmock import MockKMS, mock_kms

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient


def _client(region: str = "us-east-1") -> KMSClient:
    return boto3.client("kms", region_name=region)


def _key_count(region: str = "us-east-1") -> int:
    return len(_client(region).list_keys()["Keys"])


def test_mock_kms_bare_decorator_activates_for_the_call() -> None:
    @mock_kms
    def create() -> str:
        return _client().create_key()["KeyMetadata"]["KeyId"]

    key_id = create()
    assert len(key_id) == 36
    with pytest.raises(RuntimeError, match="no mock_kms is active"):
        kmsmock.current()


def test_mock_kms_decorator_with_options() -> None:
    @mock_kms(account="111122223333", region="eu-west-1")
    def create() -> str:
        assert kmsmock.current().region == "eu-west-1"
        return _client("eu-west-1").create_key()["KeyMetadata"]["Arn"]

    assert create().startswith("arn:aws:kms:eu-west-1:111122223333:key/")


def test_mock_kms_decorator_gives_each_call_a_fresh_backend() -> None:
    @mock_kms
    def create_and_count() -> int:
        _client().create_key()
        return _key_count()

    assert create_and_count() == 1
    assert create_and_count() == 1


def test_mock_kms_decorator_keeps_the_signature_for_pytest() -> None:
    def target(a: int, b: str = "x") -> None: ...

    assert inspect.signature(mock_kms(target)) == inspect.signature(target)


def test_mock_kms_decorates_coroutine_functions() -> None:
    @mock_kms
    async def create() -> str:
        await asyncio.sleep(0)
        return _client().create_key()["KeyMetadata"]["KeyId"]

    assert asyncio.iscoroutinefunction(create)
    assert len(asyncio.run(create())) == 36


def test_mock_kms_async_context_manager() -> None:
    async def scenario() -> int:
        async with mock_kms() as kms:
            _client().create_key()
            return len(kms.keys())

    assert asyncio.run(scenario()) == 1


def test_mock_kms_decorates_test_case_classes_with_a_fresh_mock_per_test() -> None:
    counts: list[int] = []

    @mock_kms
    class Case(unittest.TestCase):
        def setUp(self) -> None:
            _client().create_key()

        def test_one(self) -> None:
            counts.append(_key_count())

        def test_two(self) -> None:
            counts.append(_key_count())

    result = unittest.TextTestRunner(stream=io.StringIO()).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(Case)
    )
    assert result.wasSuccessful()
    assert counts == [1, 1]
    assert kmsmock._mock.innermost() is None


def test_mock_kms_refuses_other_targets() -> None:
    with pytest.raises(TypeError, match=r"functions, unittest\.TestCase classes and pytest-style"):
        mock_kms(type("NotATestCase", (), {}))
    with pytest.raises(TypeError, match="cannot decorate"):
        MockKMS()(42)  # type: ignore[call-overload]


def test_mock_kms_rejects_a_malformed_account() -> None:
    with pytest.raises(ValueError, match="12 digits"):
        mock_kms(account="1234")


def test_mock_kms_context_manager_yields_the_mock_with_state() -> None:
    with mock_kms() as kms:
        key_id = _client().create_key(Description="d")["KeyMetadata"]["KeyId"]
        assert kms.account_id == kmsmock.DEFAULT_ACCOUNT == "123456789012"
        assert kms.region == kmsmock.DEFAULT_REGION == "us-east-1"
        assert [key.key_id for key in kms.keys()] == [key_id]
        assert kms.key(key_id).description == "d"
        assert kms.key(kms.key(key_id).arn) is kms.key(key_id)
        assert kms.key(key_id).state is kmsmock.KeyState.ENABLED
        assert list(kms.accounts) == ["123456789012"]
        assert [call.operation for call in kms.calls] == ["CreateKey"]
    # State stays readable after the mock stops, for assertions.
    assert len(kms.keys()) == 1


def test_mock_kms_nesting_innermost_answers_and_outer_resumes() -> None:
    with mock_kms() as outer:
        _client().create_key()
        with mock_kms() as inner:
            assert _key_count() == 0
            _client().create_key()
            _client().create_key()
            assert kmsmock.current() is inner
        assert _key_count() == 1
        assert kmsmock.current() is outer
    assert len(inner.keys()) == 2


def test_mock_kms_reentering_an_active_mock_is_an_error() -> None:
    with mock_kms() as kms, pytest.raises(RuntimeError, match="already active"):
        kms.start()


def test_mock_kms_stopping_an_inactive_mock_is_an_error() -> None:
    kms = mock_kms()
    with pytest.raises(RuntimeError, match="not active"):
        kms.stop()
    kms.start()
    kms.stop()
    with pytest.raises(RuntimeError, match="not active"):
        kms.stop()


def test_mock_kms_restart_begins_with_an_empty_backend() -> None:
    kms = mock_kms()
    with kms:
        _client().create_key()
    with kms:
        assert _key_count() == 0
        assert kms.calls[-1].operation == "ListKeys"
        assert len(kms.calls) == 1


def test_mock_kms_stopping_the_outer_mock_first_keeps_the_inner_one() -> None:
    outer = mock_kms().start()
    inner = mock_kms().start()
    outer.stop()
    assert kmsmock.current() is inner
    _client().create_key()
    assert len(inner.keys()) == 1
    inner.stop()
    assert kmsmock._mock.innermost() is None


def test_mock_kms_provides_credentials_and_region_only_where_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    with mock_kms(region="ap-south-1"):
        assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
        assert os.environ["AWS_DEFAULT_REGION"] == "ap-south-1"
        # The default region reaches clients created without one.
        assert boto3.client("kms").meta.region_name == "ap-south-1"
        with mock_kms(region="eu-west-1"):
            assert os.environ["AWS_DEFAULT_REGION"] == "ap-south-1"
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        assert name not in os.environ


def test_mock_kms_fakes_real_credentials_and_leaves_the_region_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A developer's real keys are out of reach while the mock is active, as under moto.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREAL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    with mock_kms():
        assert os.environ["AWS_ACCESS_KEY_ID"] == os.environ["AWS_SECRET_ACCESS_KEY"] == "testing"
        assert "AWS_SESSION_TOKEN" not in os.environ
        assert "AWS_DEFAULT_REGION" not in os.environ
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAREAL"
    assert os.environ["AWS_SESSION_TOKEN"] == "token"
    assert os.environ["AWS_REGION"] == "eu-central-1"


def test_keep_credentials_leaves_a_complete_pair_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREAL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token")
    with mock_kms(keep_credentials=True):
        assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAREAL"
        assert os.environ["AWS_SESSION_TOKEN"] == "token"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "")
    with mock_kms(keep_credentials=True):
        # Half a pair is no pair: botocore would go on to the metadata service.
        assert os.environ["AWS_ACCESS_KEY_ID"] == os.environ["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert os.environ["AWS_SECRET_ACCESS_KEY"] == ""


def test_keep_credentials_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="keep_credentials must be a bool"):
        mock_kms(keep_credentials="yes")  # type: ignore[call-overload]


def test_mock_kms_serves_clients_created_before_activation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Such a client (made at import time, say) found no credentials when it was created.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    early = boto3.Session().client("kms", region_name="us-east-1")
    with mock_kms() as kms:
        early.create_key()
        assert len(kms.keys()) == 1
        assert kms.calls[0].principal == "arn:aws:iam::123456789012:root"


def test_patch_client_serves_a_client_whose_session_lacks_the_hook() -> None:
    session = botocore.session.get_session()
    session.unregister("before-send.kms", kmsmock._hook.before_send)  # type: ignore[arg-type]
    late: KMSClient = session.create_client(  # type: ignore[assignment]
        "kms", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    kmsmock.patch_client(late)
    kmsmock.patch_client(late)  # idempotent
    with mock_kms() as kms:
        late.create_key()
        assert len(kms.keys()) == 1


def test_patch_client_on_a_served_client_answers_each_call_once() -> None:
    client = _client()
    kmsmock.patch_client(client)
    with mock_kms() as kms:
        client.create_key()
        assert len(kms.keys()) == 1
        assert len(kms.calls) == 1


def test_mock_kms_leaves_other_services_alone() -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    with mock_kms() as kms, Stubber(s3) as stub:
        stub.add_response("list_buckets", {"Buckets": []})
        assert s3.list_buckets()["Buckets"] == []
        assert kms.calls == []


def test_mock_kms_answers_kms_while_moto_is_active() -> None:
    moto = pytest.importorskip("moto")
    with moto.mock_aws(), mock_kms() as kms:
        key_id = _client().create_key()["KeyMetadata"]["KeyId"]
        assert [key.key_id for key in kms.keys()] == [key_id]
        # moto never saw the call, and still answers the services it mocks.
        from moto.kms.models import kms_backends

        assert kms_backends["123456789012"]["us-east-1"].keys == {}
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="still-moto")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["still-moto"]


def test_mock_kms_is_seen_by_worker_threads_and_keeps_state_consistent() -> None:
    with mock_kms() as kms:

        def work(i: int) -> bytes:
            client = _client()
            key_id = client.create_key(Description=str(i))["KeyMetadata"]["KeyId"]
            blob = client.encrypt(KeyId=key_id, Plaintext=b"%d" % i)["CiphertextBlob"]
            return client.decrypt(CiphertextBlob=blob)["Plaintext"]

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(work, range(40)))
        assert results == [b"%d" % i for i in range(40)]
        assert sorted(int(key.description) for key in kms.keys()) == list(range(40))
        assert len(kms.calls) == 120


def test_mock_kms_raises_a_python_error_for_an_unimplemented_operation(
    client: KMSClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A botocore newer than kmsmock brings operations kmsmock has no handler for; every
    # operation of the installed model is implemented, so one is hidden to stand in.
    import kmsmock.operations.signing  # registers Sign, which is then taken away
    from kmsmock import _dispatch

    assert "Sign" in _dispatch.implemented()
    monkeypatch.delitem(_dispatch._REGISTERED, "Sign")
    monkeypatch.delitem(_dispatch._READY, "Sign", raising=False)
    with pytest.raises(kmsmock.NotYetImplemented, match="the KMS operation Sign"):
        client.sign(
            KeyId="1234abcd-12ab-34cd-56ef-1234567890ab",
            Message=b"m",
            SigningAlgorithm="ECDSA_SHA_256",
        )


def test_mock_kms_raises_a_python_error_for_an_unimplemented_parameter(
    client: KMSClient, key_id: str, kms: MockKMS
) -> None:
    with pytest.raises(kmsmock.NotYetImplemented, match="Recipient of GenerateRandom"):
        client.generate_random(
            NumberOfBytes=8,
            Recipient={"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": b"x"},
        )
    assert kms.calls[-1].error == "python:NotYetImplemented"


def test_fixture_and_marker_through_pytester(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import boto3
        import pytest

        def test_default(kms_mock):
            assert (kms_mock.account_id, kms_mock.region) == ("123456789012", "us-east-1")
            boto3.client("kms", region_name="us-east-1").create_key()
            assert len(kms_mock.keys()) == 1

        @pytest.mark.kms(region="eu-west-1", account="111122223333")
        def test_marker(kms_mock):
            arn = boto3.client("kms", region_name="eu-west-1").create_key()["KeyMetadata"]["Arn"]
            assert arn.startswith("arn:aws:kms:eu-west-1:111122223333:key/")

        def test_isolated(kms_mock):
            assert kms_mock.keys() == []

        @pytest.mark.kms("positional")
        def test_bad_marker(kms_mock):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:asyncio")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*keyword arguments only*"])


def test_an_empty_grant_token_list_is_no_token(client: KMSClient, key_id: str) -> None:
    # An empty list names no grant, so there is nothing to check.
    assert client.describe_key(KeyId=key_id, GrantTokens=[])["KeyMetadata"]["KeyId"] == key_id


def test_decorating_a_pytest_style_class_through_pytester(pytester: pytest.Pytester) -> None:
    # moto's habit: @mock_aws on a plain test class. Each test gets a fresh mock, active
    # from setup_method through teardown_method.
    pytester.makepyfile(
        """
        import boto3
        import pytest
        import kmsmock
        from kmsmock import mock_kms

        @mock_kms(region="eu-west-1")
        class TestKeys:
            def setup_method(self, method):
                self.client = boto3.client("kms", region_name="eu-west-1")
                self.key_id = self.client.create_key()["KeyMetadata"]["KeyId"]

            def teardown_method(self):
                # Still inside the mock: the key is there to clean up.
                self.client.schedule_key_deletion(KeyId=self.key_id, PendingWindowInDays=7)

            def test_one(self):
                assert [k.key_id for k in kmsmock.current().keys()] == [self.key_id]

            def test_two_is_fresh(self):
                assert len(kmsmock.current().keys()) == 1

        @mock_kms
        class TestBrokenSetup:
            def setup_method(self, method):
                raise RuntimeError("setup fails")

            def test_never_runs(self):
                pass

        @mock_kms
        class TestWithoutHooks:
            def test_plain(self):
                boto3.client("kms", region_name="us-east-1").create_key()
                assert len(kmsmock.current().keys()) == 1

        def test_no_mock_is_left_active():
            with pytest.raises(RuntimeError, match="no mock_kms is active"):
                kmsmock.current()
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:randomly")
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*setup fails*"])


def test_decorating_a_class_without_tests_is_a_type_error() -> None:
    class Helper:
        def run(self) -> None: ...

    with pytest.raises(TypeError, match="Helper has no test methods"):
        mock_kms(Helper)


def test_decorating_a_generator_stops_the_mock_when_it_is_closed() -> None:
    @mock_kms
    def keys() -> Generator[int, None, None]:
        yield len(kmsmock.current().keys())
        yield 2

    generator = keys()
    assert next(generator) == 0
    assert kmsmock._mock.innermost() is not None
    generator.close()
    assert kmsmock._mock.innermost() is None


def test_handler_and_guard_modules_imported_anew_take_over(client: KMSClient) -> None:
    # pytester drops from sys.modules what a test imported first; later tests import
    # those modules anew. Their handlers replace the old ones, and the guard does not
    # wrap its own wrappers.
    from botocore.endpoint import Endpoint

    names = ("kmsmock.operations.tags", "kmsmock._guard")
    saved = {name: importlib.import_module(name) for name in names}
    for name in names:
        del sys.modules[name]
    try:
        importlib.import_module("kmsmock.operations.tags")
        send = Endpoint._send  # type: ignore[attr-defined]  # wrapped by the mock's start
        importlib.import_module("kmsmock._guard").install()
        assert Endpoint._send is send  # type: ignore[attr-defined]
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        client.tag_resource(KeyId=key_id, Tags=[{"TagKey": "a", "TagValue": "b"}])
        assert client.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "a", "TagValue": "b"}]
    finally:
        sys.modules.update(saved)


def test_two_handlers_for_one_operation_are_refused() -> None:
    def other(req: object) -> None: ...

    from kmsmock import _dispatch

    with pytest.raises(ValueError, match="TagResource registered twice"):
        _dispatch.operation("TagResource")(other)
