"""Injected faults (kms.faults, POST /_kmsmock/faults): errors and delays before a handler."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from kmsmock import MockKMS, mock_kms
from kmsmock.server import ThreadedKMSServer
from tests._helpers import client_of, control, error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

NO_RETRIES = Config(retries={"total_max_attempts": 1})
THROTTLED = (
    "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls."
)


def _client(config: Config = NO_RETRIES) -> KMSClient:
    return boto3.client("kms", region_name="us-east-1", config=config)


@pytest.fixture
def kms() -> Iterator[MockKMS]:
    with mock_kms() as mock:
        yield mock


@pytest.mark.slow
def test_fault_two_throttles_then_success_with_standard_retries(kms: MockKMS) -> None:
    client = _client(Config(retries={"mode": "standard", "max_attempts": 3}))
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    kms.faults.add("ThrottlingException", operation="Encrypt", times=2)
    response = client.encrypt(KeyId=key_id, Plaintext=b"data")
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    encrypts = kms.calls.filter(operation="Encrypt")
    assert [(c.error, c.fault) for c in encrypts] == [
        ("ThrottlingException", "fault-1"),
        ("ThrottlingException", "fault-1"),
        (None, None),
    ]
    assert len({c.request_id for c in encrypts}) == 3
    assert encrypts[-1].request_id == response["ResponseMetadata"]["RequestId"]
    assert list(kms.faults) == []


def test_fault_server_error_is_retried(kms: MockKMS) -> None:
    # botocore backs off 50 ms at most before retrying a 500: quick enough here.
    client = _client(Config(retries={"mode": "standard", "max_attempts": 2}))
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    fault = kms.faults.add("KMSInternalException", key=key_id, times=1)
    response = client.describe_key(KeyId=key_id)
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    # Spent after one firing, it is gone: the retry met no fault.
    assert (fault.matched, fault.fired, list(kms.faults)) == (1, 1, [])


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("ThrottlingException", 400, THROTTLED),
        ("KMSInternalException", 500, "KMS had an internal error. Retry the request."),
        (
            "DependencyTimeoutException",
            503,
            "KMS timed out waiting for a service it depends on. Retry the request.",
        ),
        ("KeyUnavailableException", 500, "The KMS key is unavailable now. Retry the request."),
        ("ServiceUnavailable", 503, "Service Unavailable"),
    ],
)
def test_fault_service_errors_have_aws_status_and_message(
    kms: MockKMS, code: str, status: int, message: str
) -> None:
    kms.faults.add(code)
    with pytest.raises(ClientError) as info:
        _client().list_keys()
    assert error_of(info) == (code, message, status)


def test_fault_model_error_code_with_message(kms: MockKMS) -> None:
    kms.faults.add("DisabledException", operation="ListKeys", message="off")
    with pytest.raises(ClientError) as info:
        _client().list_keys()
    assert error_of(info) == ("DisabledException", "off", 400)
    assert type(info.value).__name__ == "DisabledException"


def test_fault_changes_no_state(kms: MockKMS) -> None:
    kms.faults.add("KMSInternalException", operation="CreateKey", times=1)
    client = _client()
    with pytest.raises(ClientError):
        client.create_key()
    assert kms.keys() == []
    client.create_key()
    assert len(kms.keys()) == 1


def test_fault_after_lets_calls_through_and_times_bounds_it(kms: MockKMS) -> None:
    kms.faults.add("ThrottlingException", operation="ListKeys", after=2, times=1)
    client = _client()
    client.list_keys()
    client.list_keys()
    with pytest.raises(ClientError):
        client.list_keys()
    client.list_keys()
    assert [c.error for c in kms.calls] == [None, None, "ThrottlingException", None]


def test_fault_matches_key_by_alias_and_arn(kms: MockKMS) -> None:
    client = _client()
    metadata = client.create_key()["KeyMetadata"]
    other = client.create_key()["KeyMetadata"]["KeyId"]
    client.create_alias(AliasName="alias/target", TargetKeyId=metadata["KeyId"])
    kms.faults.add("KeyUnavailableException", key="alias/target")
    client.encrypt(KeyId=other, Plaintext=b"x")
    for identifier in (metadata["KeyId"], metadata["Arn"], "alias/target"):
        with pytest.raises(ClientError) as info:
            client.encrypt(KeyId=identifier, Plaintext=b"x")
        assert error_of(info)[0] == "KeyUnavailableException"


def test_fault_matches_principal(kms: MockKMS) -> None:
    alice = kms.user(
        "alice", policy={"Statement": {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}}
    )
    kms.faults.add("ThrottlingException", principal=alice)
    _client().list_keys()
    alices = boto3.client("kms", region_name="us-east-1", config=NO_RETRIES, **alice.credentials)
    with pytest.raises(ClientError):
        alices.list_keys()
    assert [c.fault for c in kms.calls] == [None, "fault-1"]


def test_fault_probability_zero_never_fires_and_one_always(kms: MockKMS) -> None:
    never = kms.faults.add("ThrottlingException", probability=0)
    client = _client()
    for _ in range(5):
        client.list_keys()
    assert (never.matched, never.fired) == (5, 0)
    never.remove()
    kms.faults.add("ThrottlingException", probability=1.0)
    with pytest.raises(ClientError):
        client.list_keys()


def test_fault_probability_repeats_with_the_seed() -> None:
    def outcomes() -> list[bool]:
        with mock_kms(seed=7) as kms:
            kms.faults.add("ThrottlingException", probability=0.5)
            return [c.error is None for c in _calls(kms, 20)]

    first = outcomes()
    assert first == outcomes()
    assert True in first
    assert False in first


def _calls(kms: MockKMS, n: int) -> list[Any]:
    client = _client()
    for _ in range(n):
        with contextlib.suppress(ClientError):
            client.list_keys()
    return list(kms.calls)


def test_fault_delay_without_error_slows_the_call(kms: MockKMS) -> None:
    kms.faults.add(None, operation="ListKeys", delay=0.3, times=1)
    started = time.monotonic()
    assert _client().list_keys()["Keys"] == []
    assert time.monotonic() - started >= 0.3
    assert kms.calls[-1].fault == "fault-1"
    assert kms.calls[-1].error is None


def test_fault_delay_reaches_a_client_read_timeout(kms: MockKMS) -> None:
    # In process, botocore's read timeout is not enforced: the delay is the answer's time.
    kms.faults.add("ThrottlingException", delay=0.2, times=1)
    started = time.monotonic()
    with pytest.raises(ClientError):
        _client().list_keys()
    assert time.monotonic() - started >= 0.2


def test_fault_remove_and_clear_and_reset(kms: MockKMS) -> None:
    first = kms.faults.add("ThrottlingException")
    kms.faults.add("KMSInternalException")
    first.remove()
    assert [f.error for f in kms.faults] == ["KMSInternalException"]
    kms.faults.clear()
    assert len(kms.faults) == 0
    kms.faults.add("KMSInternalException")
    kms.reset()
    assert list(kms.faults) == []
    _client().list_keys()


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"error": "NoSuchError"}, ValueError),
        ({"error": 42}, TypeError),
        ({"error": "ThrottlingException", "probability": 1.5}, ValueError),
        ({"error": "ThrottlingException", "probability": True}, TypeError),
        ({"error": "ThrottlingException", "times": 0}, ValueError),
        ({"error": "ThrottlingException", "after": -1}, ValueError),
        ({"error": "ThrottlingException", "delay": -1}, ValueError),
        ({"error": "ThrottlingException", "delay": float("inf")}, ValueError),
        ({"error": "ThrottlingException", "operation": "Encrypto"}, ValueError),
        ({"error": "ThrottlingException", "key": "not-a-key"}, ValueError),
        ({"error": "ThrottlingException", "key": 5}, TypeError),
        ({"error": "ThrottlingException", "principal": "alice"}, ValueError),
        ({"error": None}, ValueError),
    ],
)
def test_fault_bad_arguments_refused_before_adding(
    kms: MockKMS, arguments: dict[str, Any], problem: type[Exception]
) -> None:
    error = arguments.pop("error")
    with pytest.raises(problem):
        kms.faults.add(error, **arguments)
    assert list(kms.faults) == []


def test_fault_unknown_code_message_is_short(kms: MockKMS) -> None:
    with pytest.raises(ValueError, match="is not a KMS error code") as info:
        kms.faults.add("NoSuchError")
    assert len(str(info.value)) < 300
    assert "ThrottlingException" in str(info.value)


# -- over HTTP ------------------------------------------------------------------------


def _control(
    server: ThreadedKMSServer, method: str, route: str, document: Any = None
) -> tuple[int, Any]:
    return control(server.endpoint_url, method, route, document)


def test_fault_over_http() -> None:
    with ThreadedKMSServer() as server:
        client = client_of(server.endpoint_url, config=NO_RETRIES)
        status, answer = _control(
            server, "POST", "faults", {"error": "ThrottlingException", "operation": "ListKeys"}
        )
        assert (status, answer) == (200, {"id": "fault-1"})
        with pytest.raises(ClientError) as info:
            client.list_keys()
        assert error_of(info) == ("ThrottlingException", THROTTLED, 400)
        status, listed = _control(server, "GET", "faults")
        assert (status, [(f["id"], f["fired"]) for f in listed]) == (200, [("fault-1", 1)])
        assert _control(server, "DELETE", "faults/fault-1") == (
            200,
            {"status": "removed", "id": "fault-1"},
        )
        assert _control(server, "DELETE", "faults/fault-1") == (404, {"error": "no fault fault-1"})
        client.list_keys()
        _control(server, "POST", "faults", {"error": "KMSInternalException"})
        assert _control(server, "DELETE", "faults") == (200, {"status": "cleared"})
        client.list_keys()
        assert [c.channel for c in server.mock.calls] == ["http"] * 3
        status, calls = _control(server, "GET", "calls")
        assert [(c["operation"], c["error"], c["fault"], c["channel"]) for c in calls] == [
            ("ListKeys", "ThrottlingException", "fault-1", "http"),
            ("ListKeys", None, None, "http"),
            ("ListKeys", None, None, "http"),
        ]
        assert calls[0]["request_id"] == server.mock.calls[0].request_id


def test_fault_over_http_bad_body_is_400() -> None:
    with ThreadedKMSServer() as server:
        assert _control(server, "POST", "faults", {"error": "Nope"})[0] == 400
        assert _control(server, "POST", "faults", {"error": "ThrottlingException", "x": 1}) == (
            400,
            {"error": "unknown member(s): x"},
        )
        assert _control(server, "POST", "faults", {"operation": "Encrypt"})[0] == 400
        assert _control(server, "GET", "faults") == (200, [])
