"""The fast mode (``mock_kms(fast=True)``): answered at before-call, as the default mode
answers over the wire.

The main test runs one call sequence in both modes, seeded so that every generated
value repeats, and compares what boto3 returned or raised, in full.
"""

from __future__ import annotations

import datetime
import time
import zoneinfo
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
import time_machine
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError
from botocore.stub import Stubber

import kmsmock
from kmsmock import MockKMS, mock_kms
from kmsmock.server import ThreadedKMSServer
from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

REGION = "us-east-1"


def _client(region: str = REGION, **options: Any) -> KMSClient:
    client: KMSClient = boto3.client("kms", region_name=region, **options)
    return client


@pytest.fixture
def fast() -> Iterator[MockKMS]:
    with mock_kms(fast=True) as mock:
        yield mock


def _plain(value: Any) -> Any:
    """``value`` with what differs from run to run made comparable: a public key or a
    signature (key pairs come from a pool) by its length."""
    if isinstance(value, dict):
        return {
            name: len(item) if name in ("PublicKey", "Signature") else _plain(item)
            for name, item in value.items()
        }
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


Outcome = tuple[str, Any]


def _outcome(call: Callable[[], Any]) -> Outcome:
    try:
        return "ok", _plain(call())
    except ClientError as error:
        # The class too: botocore raises its modelled exception class in both modes.
        return type(error).__name__, _plain(error.response)
    except ParamValidationError as error:
        return "ParamValidationError", str(error)


_READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "kms:DescribeKey", "Resource": "*"}],
}


def _sequence(kms: MockKMS) -> list[Outcome]:
    # Default retries: a client allowed one attempt gets MaxAttemptsReached on every
    # response in the default mode, from botocore's retry handler, which fast mode skips.
    client = _client()
    out: list[Outcome] = []

    def run(call: Callable[[], Any]) -> Any:
        outcome = _outcome(call)
        out.append(outcome)
        return outcome[1]

    key = client.create_key(Description="fast")["KeyMetadata"]
    key_id = key["KeyId"]
    out.append(("ok", _plain(key)))
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret", EncryptionContext={"a": "b"})[
        "CiphertextBlob"
    ]
    run(lambda: client.decrypt(CiphertextBlob=blob, EncryptionContext={"a": "b"}))
    run(lambda: client.decrypt(CiphertextBlob=blob))  # InvalidCiphertextException, no message
    run(
        lambda: client.re_encrypt(
            CiphertextBlob=blob, SourceEncryptionContext={"a": "b"}, DestinationKeyId=key_id
        )
    )
    run(lambda: client.generate_data_key(KeyId=key_id, KeySpec="AES_256"))
    run(lambda: client.generate_data_key_without_plaintext(KeyId=key_id, NumberOfBytes=16))
    run(lambda: client.generate_random(NumberOfBytes=12))
    run(lambda: client.create_alias(AliasName="alias/fast", TargetKeyId=key_id))
    run(lambda: client.create_alias(AliasName="alias/fast", TargetKeyId=key_id))
    run(lambda: client.list_aliases(KeyId=key_id))
    run(lambda: client.describe_key(KeyId="alias/fast"))
    run(lambda: client.describe_key(KeyId="alias/missing"))
    run(lambda: client.describe_key(KeyId="x" * 2049))
    run(lambda: client.tag_resource(KeyId=key_id, Tags=[{"TagKey": "k", "TagValue": "v"}]))
    run(lambda: client.list_resource_tags(KeyId=key_id))
    grant = run(
        lambda: client.create_grant(
            KeyId=key_id,
            GranteePrincipal=kms.role("worker").arn,
            Operations=["Encrypt", "Decrypt"],
        )
    )
    run(lambda: client.list_grants(KeyId=key_id))
    run(lambda: client.revoke_grant(KeyId=key_id, GrantId=grant["GrantId"]))
    run(lambda: client.get_key_policy(KeyId=key_id))
    run(lambda: client.list_keys(Limit=1))
    run(lambda: client.disable_key(KeyId=key_id))
    run(lambda: client.encrypt(KeyId=key_id, Plaintext=b"x"))
    run(lambda: client.enable_key(KeyId=key_id))
    # Asymmetric keys: signing with a deterministic algorithm, then verifying.
    rsa = client.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    signed = client.sign(KeyId=rsa, Message=b"m", SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")
    out.append(("ok", _plain(signed)))
    signature = signed["Signature"]
    for message in (b"m", b"other"):
        run(
            lambda message=message: client.verify(  # type: ignore[misc]
                KeyId=rsa,
                Message=message,
                Signature=signature,
                SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256",
            )
        )
    run(lambda: client.get_public_key(KeyId=rsa))
    hmac = client.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    mac = run(
        lambda: client.generate_mac(KeyId=hmac["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256")
    )
    run(
        lambda: client.verify_mac(
            KeyId=hmac["KeyId"], Message=b"m", Mac=mac["Mac"], MacAlgorithm="HMAC_SHA_256"
        )
    )
    # Parameter validation happens in botocore, before either mode sees the call.
    run(lambda: client.encrypt(KeyId=key_id))  # type: ignore[call-arg]
    run(lambda: client.encrypt(KeyId=key_id, Plaintext="text", Bogus=1))  # type: ignore[call-arg]
    # A declared principal: its identity policy refuses, and its secret is checked.
    reader = kms.user("reader", policy=_READ_ONLY)
    as_reader = reader.client()
    run(lambda: as_reader.describe_key(KeyId=key_id))
    run(lambda: as_reader.encrypt(KeyId=key_id, Plaintext=b"x"))
    wrong_secret = _client(
        aws_access_key_id=reader.access_key_id, aws_secret_access_key="not-its-secret"
    )
    run(lambda: wrong_secret.describe_key(KeyId=key_id))
    with_token = _client(
        aws_access_key_id=reader.access_key_id,
        aws_secret_access_key=reader.secret_access_key,
        aws_session_token="a-token-it-was-never-given",
    )
    run(lambda: with_token.describe_key(KeyId=key_id))
    role = kms.role("app").session("s1")
    run(lambda: role.client().describe_key(KeyId=key_id))
    # Another region, and one that is none.
    run(lambda: _client("eu-west-1").describe_key(KeyId=key_id))
    run(lambda: _client("eu-west-1").create_key())
    run(lambda: _client("moon-base-1").list_keys())
    run(lambda: _client(config=Config(signature_version=UNSIGNED)).list_keys())
    run(lambda: client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7))
    return out


_NOT_ANSWERED = ("ok", "ParamValidationError")


def test_fast_mode_answers_every_call_as_the_default_mode() -> None:
    # The same seed and a stopped clock: every id, ciphertext, date and so every
    # Content-Length repeats (a date goes out as a number of varying length).
    moment = datetime.datetime(2026, 3, 4, 5, 6, 7, 125000, tzinfo=datetime.timezone.utc)
    with time_machine.travel(moment, tick=False), mock_kms(seed=7) as default:
        expected = _sequence(default)
    with time_machine.travel(moment, tick=False), mock_kms(seed=7, fast=True) as fast:
        got = _sequence(fast)
    assert got == expected
    # What the sequence holds, so that the comparison above cannot pass on nothing.
    kinds = [kind for kind, _ in got]
    assert (kinds.count("ok"), kinds.count("ParamValidationError")) == (27, 2)
    assert [(kind, body["Error"]["Code"]) for kind, body in got if kind not in _NOT_ANSWERED] == [
        ("InvalidCiphertextException", "InvalidCiphertextException"),
        ("AlreadyExistsException", "AlreadyExistsException"),
        ("NotFoundException", "NotFoundException"),
        ("ClientError", "ValidationException"),
        ("DisabledException", "DisabledException"),
        ("KMSInvalidSignatureException", "KMSInvalidSignatureException"),
        ("ClientError", "AccessDeniedException"),
        ("ClientError", "InvalidSignatureException"),
        ("ClientError", "UnrecognizedClientException"),
        ("NotFoundException", "NotFoundException"),
        ("ClientError", "InvalidSignatureException"),
        ("ClientError", "MissingAuthenticationTokenException"),
    ]
    assert [call.channel for call in default.calls] == ["in-process"] * len(default.calls)
    assert [call.channel for call in fast.calls] == ["fast"] * len(fast.calls)
    # The journals agree on everything else: principal, region, parameters, errors,
    # request ids, authorization decisions, user agent.
    assert [call._replace(channel="") for call in fast.calls] == [
        call._replace(channel="") for call in default.calls
    ]
    # Every call but the two botocore refused, and the three made outside ``run``.
    assert len(fast.calls) == len(default.calls) == 42


def test_fast_mode_raises_the_modelled_exception_classes(fast: MockKMS) -> None:
    client = _client()
    with pytest.raises(client.exceptions.NotFoundException) as info:
        client.describe_key(KeyId="alias/none")
    assert error_of(info) == (
        "NotFoundException",
        "Alias arn:aws:kms:us-east-1:123456789012:alias/none is not found.",
        400,
    )
    response = info.value.response
    assert response["message"] == response["Error"]["Message"]  # type: ignore[typeddict-item]
    assert response["ResponseMetadata"]["RetryAttempts"] == 0
    assert response["ResponseMetadata"]["HTTPHeaders"] == {
        "x-amzn-requestid": response["ResponseMetadata"]["RequestId"],
        "content-type": "application/x-amz-json-1.1",
        "content-length": "111",
    }


def test_fast_mode_parsed_response_is_botocores(fast: MockKMS) -> None:
    client = _client()
    response = client.create_key()
    metadata = response["KeyMetadata"]
    assert isinstance(metadata["CreationDate"], datetime.datetime)
    assert repr(metadata["CreationDate"].tzinfo) == "tzlocal()"
    assert list(response) == ["KeyMetadata", "ResponseMetadata"]
    # The model's member order, as botocore's parser builds the dict.
    assert list(metadata)[:4] == ["AWSAccountId", "KeyId", "Arn", "CreationDate"]
    encrypted = client.encrypt(KeyId=metadata["KeyId"], Plaintext=b"p")
    assert type(encrypted["CiphertextBlob"]) is bytes
    meta = encrypted["ResponseMetadata"]
    assert (meta["HTTPStatusCode"], meta["RetryAttempts"]) == (200, 0)
    assert meta["HTTPHeaders"]["x-amzn-requestid"] == meta["RequestId"]
    assert fast.calls[-1].request_id == meta["RequestId"]


def test_fast_mode_responses_share_nothing_with_the_mock(fast: MockKMS) -> None:
    client = _client()
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    first = client.describe_key(KeyId=key_id)["KeyMetadata"]
    first["EncryptionAlgorithms"].clear()
    second = client.describe_key(KeyId=key_id)["KeyMetadata"]
    assert second["EncryptionAlgorithms"] == ["SYMMETRIC_DEFAULT"]


def test_fast_mode_journal_records_the_caller(fast: MockKMS) -> None:
    user = fast.user("alice")
    user.client().list_keys()
    call = fast.calls[-1]
    assert (call.operation, call.channel, call.principal, call.access_key) == (
        "ListKeys",
        "fast",
        "arn:aws:iam::123456789012:user/alice",
        user.access_key_id,
    )
    assert call.user_agent.startswith("Boto3/")


def test_fast_mode_rejects_unknown_credentials_when_asked() -> None:
    with mock_kms(fast=True, unknown_credentials="reject"), pytest.raises(ClientError) as info:
        _client(aws_access_key_id="AKIAUNKNOWN", aws_secret_access_key="s").list_keys()
    assert error_of(info) == (
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
        400,
    )


def test_fast_mode_refuses_faults_botocore_would_retry(fast: MockKMS) -> None:
    retried = (
        "ThrottlingException",
        "LimitExceededException",
        "KMSInternalException",
        "DependencyTimeoutException",
        "KeyUnavailableException",
        "ServiceUnavailable",
    )
    for code in retried:
        with pytest.raises(ValueError, match=f"^{code} is an error botocore retries"):
            fast.faults.add(code, operation="Encrypt")
    with pytest.raises(ValueError, match=r"^ThrottlingException ") as info:
        fast.faults.add("ThrottlingException", delay=0.1)
    assert str(info.value) == (
        "ThrottlingException is an error botocore retries, and a fast mock "
        "(mock_kms(fast=True)) answers before botocore's retries run: the fault would "
        "fail the call at once instead of being retried. Test retries with mock_kms() "
        "(the default mode)."
    )
    assert list(fast.faults) == []


def test_fast_mode_answers_other_faults_and_delays(fast: MockKMS) -> None:
    client = _client()
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    fault = fast.faults.add("DisabledException", operation="Encrypt", times=1, message="no")
    with pytest.raises(client.exceptions.DisabledException) as info:
        client.encrypt(KeyId=key_id, Plaintext=b"x")
    assert error_of(info) == ("DisabledException", "no", 400)
    assert fast.calls[-1].fault == fault.id
    fast.faults.add(None, operation="ListKeys", delay=0.05, times=1)
    began = time.monotonic()
    client.list_keys()
    assert time.monotonic() - began >= 0.05


def test_default_mode_still_takes_retryable_faults() -> None:
    with mock_kms() as kms:
        fault = kms.faults.add("ThrottlingException", operation="Encrypt", times=1)
        assert fault.error == "ThrottlingException"


def test_fast_option_is_checked_and_carried() -> None:
    with pytest.raises(TypeError, match=r"^fast must be a bool, not 'yes'$"):
        mock_kms(fast="yes")  # type: ignore[call-overload]
    assert mock_kms().fast is False

    @mock_kms(fast=True)
    def decorated() -> bool:
        return kmsmock.current().fast

    assert decorated() is True


@pytest.mark.kms(fast=True)
def test_fast_mode_through_the_marker(kms_mock: MockKMS) -> None:
    assert kms_mock.fast is True
    _client().list_keys()
    assert kms_mock.calls[-1].channel == "fast"


def test_fast_mode_leaves_a_stubbed_client_to_its_stubber(fast: MockKMS) -> None:
    client = _client()
    with Stubber(client) as stubber:
        stubber.add_response("list_keys", {"Keys": [{"KeyId": "stubbed"}]})
        assert client.list_keys()["Keys"] == [{"KeyId": "stubbed"}]
    assert len(fast.calls) == 0


def test_fast_mode_leaves_clients_of_a_local_server_to_it(fast: MockKMS) -> None:
    with ThreadedKMSServer() as server:
        client = _client(endpoint_url=server.endpoint_url)
        client.create_key()
        assert [call.channel for call in server.mock.calls] == ["http"]
    assert len(fast.calls) == 0


def test_an_inner_default_mock_answers_over_the_wire(fast: MockKMS) -> None:
    with mock_kms() as inner:
        _client().list_keys()
    assert [call.channel for call in inner.calls] == ["in-process"]
    _client().list_keys()
    assert [call.channel for call in fast.calls] == ["fast"]


@pytest.mark.asyncio
async def test_fast_mode_leaves_async_clients_on_the_default_path() -> None:
    session = pytest.importorskip("aiobotocore.session").get_session()
    with mock_kms(fast=True) as kms:
        async with session.create_client("kms", region_name=REGION) as client:
            await client.list_keys()
    assert [call.channel for call in kms.calls] == ["async"]


def test_fast_mode_dates_follow_a_change_of_local_zone(fast: MockKMS) -> None:
    # time-machine sets TZ (and calls tzset) for a destination with a ZoneInfo.
    client = _client()
    for zone, hours in (("Asia/Tokyo", 9), ("America/Argentina/Buenos_Aires", -3)):
        moment = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=zoneinfo.ZoneInfo(zone))
        with time_machine.travel(moment, tick=False):
            created = client.create_key()["KeyMetadata"]["CreationDate"]
        assert created == moment
        assert created.utcoffset() == datetime.timedelta(hours=hours)
