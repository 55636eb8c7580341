"""Authentication as AWS does it (issue 11): declared principals' requests are SigV4-verified.

kmsmock issued the declared principals' secrets, so it checks their signatures: a mismatch is
InvalidSignatureException with AWS's text, a malformed Authorization header
IncompleteSignatureException, no header MissingAuthenticationTokenException, a session's
missing or wrong token UnrecognizedClientException. Access keys no principal holds are not
verified. Every signature checked here was made by botocore itself: boto3 clients, or
``SigV4Auth`` on an ``AWSRequest`` built by hand.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import boto3
import freezegun
import pytest
import time_machine
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

import kmsmock
from kmsmock._sigv4 import parse
from kmsmock.errors import IncompleteSignatureException
from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS
    from kmsmock.auth._principals import Principal

ACCOUNT = "123456789012"
OTHER = "210987654321"
URL = "https://kms.us-east-1.amazonaws.com/"
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
INVALID_TOKEN = "The security token included in the request is invalid."
REQUIRES_DATE = (
    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
)
UNDECLARED = "AKIDEXAMPLE"
AUTH_ERRORS = {
    "IncompleteSignatureException",
    "InvalidSignatureException",
    "MissingAuthenticationTokenException",
    "UnrecognizedClientException",
}


def _credentials(principal: Principal) -> Credentials:
    values = principal.credentials
    return Credentials(
        values["aws_access_key_id"],
        values["aws_secret_access_key"],
        values.get("aws_session_token"),
    )


def _signed(
    credentials: Credentials,
    body: bytes = b"{}",
    *,
    operation: str = "ListKeys",
    url: str = URL,
    region: str = "us-east-1",
    headers: dict[str, str] | None = None,
) -> dict[str, str]:
    """The headers botocore's signer gives a KMS request."""
    request = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={
            "X-Amz-Target": f"TrentService.{operation}",
            "Content-Type": "application/x-amz-json-1.1",
            **(headers or {}),
        },
    )
    SigV4Auth(credentials, "kms", region).add_auth(request)
    return dict(request.headers.items())


def _answer(
    kms: MockKMS,
    headers: dict[str, str],
    body: bytes = b"{}",
    *,
    method: str = "POST",
    url: str = URL,
) -> tuple[int, str | None, str | None]:
    """(status, error code, message) of a raw request; (200, None, None) on success."""
    status, _, payload = kms.handle(method, url, headers, body)
    document = json.loads(payload)
    if status == 200:
        return status, None, None
    return status, document["__type"], document.get("message")


def _refused(call: Callable[[], object]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call()
    return error_of(info)


def _forged(principal: Principal, **changes: str | None) -> KMSClient:
    """A plain boto3 client with ``principal``'s credentials, some of them replaced."""
    values: dict[str, Any] = {**principal.credentials, **changes}
    return boto3.client("kms", region_name="us-east-1", **values)


def _fake_auth(access_key: str) -> str:
    """A header in SigV4's form with a made-up signature, as tests that declare nothing send."""
    return (
        f"AWS4-HMAC-SHA256 Credential={access_key}/20261122/us-east-1/kms/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-target, Signature=0"
    )


# -- Declared principals sign, and are verified --------------------------------------------------


def test_declared_principals_signatures_verify(kms: MockKMS, client: KMSClient) -> None:
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    alice = kms.user("alice")
    app = kms.role("app")
    session = app.session("job-7")
    other_root = kms.root(OTHER)
    callers = [
        (alice.client(), alice.arn),
        (app.client(), f"arn:aws:sts::{ACCOUNT}:assumed-role/app/kmsmock"),
        (session.client(), session.arn),
        (kms.root().client(), f"arn:aws:iam::{ACCOUNT}:root"),
        (alice.client(via_service="s3.us-east-1.amazonaws.com"), alice.arn),
        (_forged(alice), alice.arn),
        (_forged(session), session.arn),
    ]
    for caller, arn in callers:
        caller.encrypt(KeyId=key_id, Plaintext=b"signed")
        assert (kms.calls[-1].principal, kms.calls[-1].error) == (arn, None)
    other_root.client("eu-west-1").list_keys()
    assert (kms.calls[-1].principal, kms.calls[-1].region) == (other_root.arn, "eu-west-1")


@pytest.mark.parametrize("kind", ["user", "session", "root", "via-service"])
def test_a_wrong_secret_is_an_invalid_signature(kms: MockKMS, kind: str) -> None:
    declare: dict[str, Callable[[], Principal]] = {
        "user": lambda: kms.user("alice"),
        "session": lambda: kms.role("app").session("s"),
        "root": lambda: kms.root(),
        "via-service": lambda: kms.user("alice").via("s3.us-east-1.amazonaws.com"),
    }
    principal = declare[kind]()
    forger = _forged(principal, aws_secret_access_key="not-the-secret-kmsmock-issued")
    assert _refused(forger.create_key) == ("InvalidSignatureException", MISMATCH, 400)
    # Refused once (botocore does not retry it), before anything happened.
    assert [(c.operation, c.error) for c in kms.calls] == [
        ("CreateKey", "InvalidSignatureException")
    ]
    assert kms.keys() == []


def test_another_principals_secret_is_an_invalid_signature(kms: MockKMS) -> None:
    alice, bob = kms.user("alice"), kms.user("bob")
    forger = _forged(alice, aws_secret_access_key=bob.secret_access_key)
    assert _refused(forger.list_keys) == ("InvalidSignatureException", MISMATCH, 400)


def test_a_session_needs_its_own_token(kms: MockKMS) -> None:
    # A session's key without its token, or with another, is a token AWS does not recognise
    # (the answer AWS gives when AWS_SESSION_TOKEN is forgotten); so is a long-term key
    # presented with a token.
    session = kms.role("app").session("s")
    other = kms.role("other").session("s")
    alice = kms.user("alice")
    refused = [
        _forged(session, aws_session_token=None),
        _forged(session, aws_session_token=other.session_token),
        _forged(session, aws_session_token=(session.session_token or "") + "x"),
        _forged(alice, aws_session_token=session.session_token),
    ]
    for forger in refused:
        assert _refused(forger.list_keys) == ("UnrecognizedClientException", INVALID_TOKEN, 400)
    # The token is checked first: a right token with a wrong secret is a signature mismatch.
    forger = _forged(session, aws_secret_access_key="wrong")
    assert _refused(forger.list_keys) == ("InvalidSignatureException", MISMATCH, 400)


# -- Access keys no principal holds: not verified ------------------------------------------------


def test_undeclared_access_keys_are_not_verified(kms: MockKMS) -> None:
    kms.user("alice")
    stranger = boto3.client(
        "kms", region_name="us-east-1", aws_access_key_id="AKIASTRANGER", aws_secret_access_key="x"
    )
    stranger.list_keys()
    # A made-up signature, no X-Amz-Date: still the default principal, as before.
    headers = {"X-Amz-Target": "TrentService.ListKeys", "Authorization": _fake_auth(UNDECLARED)}
    assert _answer(kms, headers) == (200, None, None)
    assert [c.principal for c in kms.calls] == [f"arn:aws:iam::{ACCOUNT}:root"] * 2


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment in which clients find no credentials (as at import time, say)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.usefixtures("no_credentials")
def test_a_client_made_without_credentials_is_still_served() -> None:
    # The hook signs such a client with fake credentials: the default principal, unverified.
    session = boto3.session.Session()
    assert session.get_credentials() is None
    early = session.client("kms", region_name="us-east-1")
    with kmsmock.mock_kms() as kms:
        kms.user("alice")
        early.list_keys()
        assert (kms.calls[-1].principal, kms.calls[-1].error) == (
            f"arn:aws:iam::{ACCOUNT}:root",
            None,
        )


@pytest.mark.kms(unknown_credentials="reject")
def test_reject_mode_still_refuses_undeclared_keys_before_any_signature(kms: MockKMS) -> None:
    headers = {"X-Amz-Target": "TrentService.ListKeys", "Authorization": _fake_auth(UNDECLARED)}
    assert _answer(kms, headers) == (400, "UnrecognizedClientException", INVALID_TOKEN)


# -- What the signature covers -------------------------------------------------------------------


def test_hand_signed_requests_verify(kms: MockKMS) -> None:
    alice = kms.user("alice")
    body = b'{"Limit": 5}'
    headers = _signed(_credentials(alice), body)
    assert _answer(kms, headers, body) == (200, None, None)
    # What an HTTP server hands over: the Host the client sent, names in any case, and
    # headers the client did not sign (User-Agent, Content-Length).
    relayed = {name.lower(): value for name, value in headers.items()}
    relayed |= {"host": "kms.us-east-1.amazonaws.com", "user-agent": "x", "content-length": "12"}
    assert _answer(kms, relayed, body) == (200, None, None)
    # A session's token is one of the signed headers.
    session = kms.role("app").session("s")
    assert _answer(kms, _signed(_credentials(session), body), body) == (200, None, None)
    # Another region and another endpoint, as the client signed them.
    url = "http://127.0.0.1:4566/"
    headers = _signed(_credentials(alice), body, url=url, region="eu-west-1")
    assert _answer(kms, headers, body, url=url) == (200, None, None)
    assert kms.calls[-1].region == "eu-west-1"


class _SignsEverything(SigV4Auth):
    """A signer that, unlike botocore, also signs User-Agent (as some other SDKs may)."""

    def headers_to_sign(self, request: AWSRequest) -> Any:
        selected = super().headers_to_sign(request)
        selected["user-agent"] = request.headers["User-Agent"]
        return selected


def test_headers_botocore_never_signs_are_checked_when_signed(kms: MockKMS) -> None:
    alice = kms.user("alice")
    request = AWSRequest(
        method="POST",
        url=URL,
        data=b"{}",
        headers={"X-Amz-Target": "TrentService.ListKeys", "User-Agent": "other-sdk/1.0"},
    )
    _SignsEverything(_credentials(alice), "kms", "us-east-1").add_auth(request)
    headers = dict(request.headers.items())
    assert "user-agent" in headers["Authorization"]
    assert _answer(kms, headers) == (200, None, None)
    headers["User-Agent"] = "other-sdk/2.0"
    assert _answer(kms, headers) == (400, "InvalidSignatureException", MISMATCH)


@pytest.mark.parametrize(
    "change",
    [
        "body",
        "target",
        "method",
        "path",
        "query",
        "host",
        "x-amz-date",
        "signature",
        "scope-region",
        "signed-headers",
    ],
)
def test_any_change_to_what_was_signed_is_an_invalid_signature(kms: MockKMS, change: str) -> None:
    alice = kms.user("alice")
    body = b'{"Limit": 5}'
    headers = _signed(_credentials(alice), body)
    method, url = "POST", URL
    authorization = headers["Authorization"]
    if change == "body":
        body = b'{"Limit": 6}'
    elif change == "target":
        headers["X-Amz-Target"] = "TrentService.ListAliases"
    elif change == "method":
        method = "PUT"
    elif change == "path":
        url = URL + "keys"
    elif change == "query":
        url = URL + "?a=b"
    elif change == "host":
        headers["Host"] = "kms.us-east-2.amazonaws.com"
    elif change == "x-amz-date":
        # One second later, the same day: the string to sign changes, not the scope.
        date = headers["X-Amz-Date"]
        moment = datetime.strptime(date, "%Y%m%dT%H%M%SZ") + timedelta(seconds=1)
        if moment.day != int(date[6:8]):
            moment -= timedelta(seconds=2)
        headers["X-Amz-Date"] = moment.strftime("%Y%m%dT%H%M%SZ")
    elif change == "signature":
        last = authorization[-1]
        headers["Authorization"] = authorization[:-1] + ("0" if last != "0" else "1")
    elif change == "scope-region":
        headers["Authorization"] = authorization.replace("/us-east-1/", "/eu-west-1/")
    else:
        # Claiming fewer signed headers than were signed.
        headers["Authorization"] = authorization.replace("content-type;", "")
    assert _answer(kms, headers, body, method=method, url=url) == (
        400,
        "InvalidSignatureException",
        MISMATCH,
    )


def test_the_body_hash_header_must_be_the_bodys(kms: MockKMS) -> None:
    alice = kms.user("alice")
    body = b"{}"
    digest = hashlib.sha256(body).hexdigest()
    signed = _signed(_credentials(alice), body, headers={"X-Amz-Content-SHA256": digest})
    assert _answer(kms, signed, body) == (200, None, None)
    # KMS hashes what it received; an unsigned payload is S3's, not KMS's.
    for claimed in ("UNSIGNED-PAYLOAD", hashlib.sha256(b"other").hexdigest()):
        headers = _signed(_credentials(alice), body, headers={"X-Amz-Content-SHA256": claimed})
        assert _answer(kms, headers, body) == (400, "InvalidSignatureException", MISMATCH)


def test_a_date_header_may_stand_in_for_x_amz_date(kms: MockKMS) -> None:
    # botocore signs with the Date header when the request already has one.
    alice = kms.user("alice")
    headers = _signed(_credentials(alice), headers={"Date": "Thu, 01 Jan 1970 00:00:00 GMT"})
    assert "X-Amz-Date" not in headers
    assert _answer(kms, headers) == (200, None, None)


# -- Malformed Authorization headers -------------------------------------------------------------


def _pair_hash(pair: str) -> str:
    return base64.b64encode(hashlib.sha256(pair.encode()).digest()).decode()


MALFORMED = [
    (
        "Bearer",
        "IncompleteSignatureException",
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        f"{REQUIRES_DATE} Authorization=Bearer",
    ),
    (
        "Bearer abc.def",
        "IncompleteSignatureException",
        "Invalid key=value pair (missing equal-sign) in Authorization header "
        f"(hashed with SHA-256 and encoded with Base64): '{_pair_hash('abc.def')}'.",
    ),
    (
        "AWS4-HMAC-SHA256 Credential={key}/20261122/us-east-1/kms/aws4_request",
        "IncompleteSignatureException",
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        f"{REQUIRES_DATE} Authorization="
        "AWS4-HMAC-SHA256 Credential={key}/20261122/us-east-1/kms/aws4_request",
    ),
    (
        "AWS4-HMAC-SHA512 Credential={key}/20261122/us-east-1/kms/aws4_request, "
        "SignedHeaders=host, Signature=0",
        "IncompleteSignatureException",
        "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'.",
    ),
    (
        "AWS4-HMAC-SHA256 Credential={key}/20261122/us-east-1/kms, SignedHeaders=host, Signature=0",
        "IncompleteSignatureException",
        "Credential must have exactly 5 slash-delimited elements, "
        "e.g. keyid/date/region/service/term, got '{key}/20261122/us-east-1/kms'",
    ),
    (
        "AWS4-HMAC-SHA256 Credential={key}/20261122/us-east-1/kms/aws4_reqest, "
        "SignedHeaders=host, Signature=0",
        "InvalidSignatureException",
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reqest'. ",
    ),
    (
        "AWS4-HMAC-SHA256 Credential={key}/20261122/mars-north-1/kms/aws4_request, "
        "SignedHeaders=host, Signature=0",
        "InvalidSignatureException",
        "Credential should be scoped to a valid region, not 'mars-north-1'. ",
    ),
]


@pytest.mark.parametrize("declared", [False, True], ids=["undeclared", "declared"])
@pytest.mark.parametrize(("header", "code", "message"), MALFORMED)
def test_malformed_authorization_headers(
    kms: MockKMS, declared: bool, header: str, code: str, message: str
) -> None:
    key = kms.user("alice").access_key_id if declared else UNDECLARED
    headers = {"X-Amz-Target": "TrentService.ListKeys", "Authorization": header.format(key=key)}
    assert _answer(kms, headers) == (400, code, message.format(key=key))


def test_the_date_part_of_the_message_only_when_no_date_was_sent(kms: MockKMS) -> None:
    headers = {
        "X-Amz-Target": "TrentService.ListKeys",
        "Authorization": "Bearer",
        "X-Amz-Date": "20261122T000000Z",
    }
    assert _answer(kms, headers) == (
        400,
        "IncompleteSignatureException",
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. Authorization=Bearer",
    )


def test_no_authorization_is_a_missing_token(kms: MockKMS) -> None:
    for headers in ({}, {"Authorization": ""}):
        answer = _answer(kms, {"X-Amz-Target": "TrentService.ListKeys", **headers})
        assert answer == (
            400,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        )


def test_presigned_query_authentication_is_a_gap(kms: MockKMS) -> None:
    url = URL + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261122"
    with pytest.raises(kmsmock.NotYetImplemented, match="presigned URL"):
        kms.handle("POST", url, {"X-Amz-Target": "TrentService.ListKeys"}, b"{}")


def _declared_request(kms: MockKMS) -> tuple[dict[str, str], str]:
    alice = kms.user("alice")
    headers = _signed(_credentials(alice))
    return headers, headers["X-Amz-Date"]


def test_a_declared_principal_must_send_its_signing_time(kms: MockKMS) -> None:
    headers, _ = _declared_request(kms)
    del headers["X-Amz-Date"]
    assert _answer(kms, headers) == (
        400,
        "IncompleteSignatureException",
        f"{REQUIRES_DATE} Authorization={headers['Authorization']}",
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "X-Amz-Date",
            "2026-11-22T00:00:00Z",
            "Date must be in ISO-8601 'basic format'. Got '2026-11-22T00:00:00Z'. "
            "See http://en.wikipedia.org/wiki/ISO_8601",
        ),
        (
            "X-Amz-Date",
            "20261322T000000Z",
            "Date must be in ISO-8601 'basic format'. Got '20261322T000000Z'. "
            "See http://en.wikipedia.org/wiki/ISO_8601",
        ),
        ("Date", "yesterday", "Date must be in RFC 1123 form. Got 'yesterday'."),
    ],
)
def test_a_malformed_signing_time(kms: MockKMS, name: str, value: str, message: str) -> None:
    headers, _ = _declared_request(kms)
    del headers["X-Amz-Date"]
    headers[name] = value
    assert _answer(kms, headers) == (400, "IncompleteSignatureException", message)


def test_the_scope_date_must_be_the_signing_day(kms: MockKMS) -> None:
    headers, date = _declared_request(kms)
    headers["Authorization"] = headers["Authorization"].replace(f"/{date[:8]}/", "/20200101/")
    assert _answer(kms, headers) == (
        400,
        "InvalidSignatureException",
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        f"HTTP: '20200101' != '{date[:8]}', from '{date}'.",
    )


def test_the_scope_service_must_be_kms(kms: MockKMS) -> None:
    alice = kms.user("alice")
    request = AWSRequest(
        method="POST", url=URL, data=b"{}", headers={"X-Amz-Target": "TrentService.ListKeys"}
    )
    SigV4Auth(_credentials(alice), "s3", "us-east-1").add_auth(request)
    assert _answer(kms, dict(request.headers.items())) == (
        400,
        "InvalidSignatureException",
        "Credential should be scoped to correct service: 'kms'. ",
    )


def test_the_host_must_be_signed(kms: MockKMS) -> None:
    headers, _ = _declared_request(kms)
    headers["Authorization"] = headers["Authorization"].replace(";host;", ";")
    assert _answer(kms, headers) == (
        400,
        "IncompleteSignatureException",
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    )


# -- Time ----------------------------------------------------------------------------------------


def test_the_simulated_clock_never_makes_a_signature_stale(kms: MockKMS) -> None:
    alice = kms.user("alice").client()
    session = kms.role("app").client()
    kms.clock.advance(days=30)
    alice.list_keys()
    session.list_keys()
    kms.clock.set(datetime(2001, 1, 1, tzinfo=timezone.utc))
    alice.list_keys()
    assert [c.error for c in kms.calls] == [None, None, None]


def test_time_machine_and_freezegun_move_signer_and_checker_together(kms: MockKMS) -> None:
    alice = kms.user("alice").client()
    with time_machine.travel(datetime(2031, 5, 1, tzinfo=timezone.utc), tick=False):
        alice.list_keys()
    with freezegun.freeze_time("2019-02-03 04:05:06"):
        alice.list_keys()
    assert [c.error for c in kms.calls] == [None, None]


SIGNED_AT = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _signed_at(kms: MockKMS, moment: datetime) -> dict[str, str]:
    alice = kms.user("alice")
    with time_machine.travel(moment, tick=False):
        return _signed(_credentials(alice))


def _answer_at(kms: MockKMS, moment: datetime, headers: dict[str, str]) -> tuple[Any, ...]:
    with time_machine.travel(moment, tick=False):
        return _answer(kms, headers)


def test_a_signature_older_than_15_minutes_has_expired(kms: MockKMS) -> None:
    headers = _signed_at(kms, SIGNED_AT)
    assert _answer_at(kms, SIGNED_AT + timedelta(minutes=15), headers) == (200, None, None)
    assert _answer_at(kms, SIGNED_AT + timedelta(minutes=15, seconds=1), headers) == (
        400,
        "InvalidSignatureException",
        "Signature expired: 20300102T030405Z is now earlier than 20300102T030406Z "
        "(20300102T031906Z - 15 min.)",
    )


def test_a_signature_more_than_15_minutes_ahead_is_not_yet_current(kms: MockKMS) -> None:
    headers = _signed_at(kms, SIGNED_AT + timedelta(minutes=15, seconds=1))
    assert _answer_at(kms, SIGNED_AT + timedelta(seconds=1), headers) == (200, None, None)
    assert _answer_at(kms, SIGNED_AT, headers) == (
        400,
        "InvalidSignatureException",
        "Signature not yet current: 20300102T031906Z is still later than 20300102T031905Z "
        "(20300102T030405Z + 15 min.)",
    )


# -- Over HTTP -----------------------------------------------------------------------------------


@pytest.fixture
def served() -> Iterator[Any]:
    from kmsmock.server import ThreadedKMSServer

    with ThreadedKMSServer() as server:
        yield server


def test_over_http_declared_principals_are_verified_too(served: Any) -> None:
    alice = served.mock.user("alice")
    session = served.mock.role("app").session("s")
    config = Config(retries={"total_max_attempts": 1})

    def over_http(principal: Principal, **changes: str | None) -> KMSClient:
        values: dict[str, Any] = {**principal.credentials, **changes}
        return boto3.client(
            "kms",
            region_name="us-east-1",
            endpoint_url=served.endpoint_url,
            config=config,
            **values,
        )

    over_http(alice).create_key()
    over_http(session).list_keys()
    forger = over_http(alice, aws_secret_access_key="wrong")
    assert _refused(forger.list_keys) == ("InvalidSignatureException", MISMATCH, 400)
    tokenless = over_http(session, aws_session_token=None)
    assert _refused(tokenless.list_keys) == ("UnrecognizedClientException", INVALID_TOKEN, 400)
    stranger = boto3.client(
        "kms",
        region_name="us-east-1",
        endpoint_url=served.endpoint_url,
        aws_access_key_id="AKIASTRANGER",
        aws_secret_access_key="anything",
    )
    stranger.list_keys()
    calls = served.mock.calls
    assert [c.error for c in calls] == [
        None,
        None,
        "InvalidSignatureException",
        "UnrecognizedClientException",
        None,
    ]
    assert [calls[i].principal for i in (0, 1, 4)] == [
        alice.arn,
        session.arn,
        f"arn:aws:iam::{ACCOUNT}:root",
    ]


# -- Hostile input -------------------------------------------------------------------------------

_scope_part = st.text(st.sampled_from("aZ09-_/ ,=\t\u00e9\ud800"), max_size=8)
_headers_text = st.one_of(st.text(max_size=40), st.binary(max_size=20))


@st.composite
def _authorizations(draw: st.DrawFn, access_key: str, real: str) -> str:
    kind = draw(st.sampled_from(["text", "scope", "mutated", "real"]))
    if kind == "real":
        return real
    if kind == "text":
        return draw(st.text(max_size=120))
    if kind == "scope":
        parts = [
            access_key,
            draw(st.one_of(st.just(real.split("/")[1]), _scope_part)),
            draw(st.one_of(st.just("us-east-1"), _scope_part)),
            draw(st.one_of(st.just("kms"), _scope_part)),
            draw(st.one_of(st.just("aws4_request"), _scope_part)),
        ]
        signed = draw(st.one_of(st.just("host;x-amz-date"), st.text(max_size=20)))
        signature = draw(st.text(max_size=70))
        return (
            f"AWS4-HMAC-SHA256 Credential={'/'.join(parts)}, "
            f"SignedHeaders={signed}, Signature={signature}"
        )
    position = draw(st.integers(0, len(real) - 1))
    return real[:position] + draw(st.text(max_size=3)) + real[position + 1 :]


@settings(max_examples=300)
@given(data=st.data())
def test_hostile_authentication_never_raises(data: st.DataObject) -> None:
    with kmsmock.mock_kms() as kms:
        principal = kms.role("app").session("s") if data.draw(st.booleans()) else kms.user("a")
        signed = _signed(_credentials(principal))
        headers: dict[str, Any] = dict(signed)
        headers["Authorization"] = data.draw(
            _authorizations(principal.access_key_id, signed["Authorization"])
        )
        for name in ("X-Amz-Date", "Date", "X-Amz-Security-Token", "Host", "X-Amz-Content-SHA256"):
            choice = data.draw(st.sampled_from(["keep", "drop", "replace"]))
            if choice == "drop":
                headers.pop(name, None)
            elif choice == "replace":
                headers[name] = data.draw(_headers_text)
        url = data.draw(st.one_of(st.just(URL), st.text(max_size=30)))
        method = data.draw(st.sampled_from(["POST", "GET", "", "\ud800"]))
        status, _, payload = kms.handle(method, url, headers, b"{}")
        document = json.loads(payload)
        assert status == 200 or (status == 400 and document["__type"] in AUTH_ERRORS), document


@given(
    access_key=st.text("AKIDEXAMPLE0123456789", max_size=20),
    date=st.text("0123456789", max_size=8),
    region=st.sampled_from(["us-east-1", "eu-west-1", "", "x"]),
    service=st.sampled_from(["kms", "s3", ""]),
    terminator=st.sampled_from(["aws4_request", "aws4"]),
    signed=st.text(st.sampled_from("abz-;= \t"), max_size=20),
    signature=st.text(st.sampled_from("0af= \t/"), max_size=20),
)
def test_the_fast_and_general_parsers_agree(
    access_key: str,
    date: str,
    region: str,
    service: str,
    terminator: str,
    signed: str,
    signature: str,
) -> None:
    # A trailing comma adds an empty pair the general parser skips; without it, what SDKs
    # send takes the one-regex path. Both must read the same header the same way.
    header = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{date}/{region}/{service}/{terminator}, "
        f"SignedHeaders={signed}, Signature={signature}"
    )
    assert _read(header) == _read(header + ",")


def _read(header: str) -> object:
    """What parse makes of ``header``: its parts, or its refusal (the header echo left out)."""
    try:
        return parse(header, {})
    except IncompleteSignatureException as error:
        return error.message.split(" Authorization=")[0]


@given(header=st.one_of(st.text(), st.binary().map(lambda b: b.decode("latin-1"))))
def test_parsing_any_header_answers_incomplete_signature_at_worst(header: str) -> None:
    with contextlib.suppress(IncompleteSignatureException):
        parse(header, {})


# -- Account ids ---------------------------------------------------------------------------------


def _digits(zero: str) -> str:
    return "".join(chr(ord(zero) + int(digit)) for digit in ACCOUNT)


@pytest.mark.parametrize(
    "account",
    [_digits("\u0660"), _digits("\uff10"), ACCOUNT[:-1] + "\u00b2"],
    ids=["arabic-indic", "fullwidth", "superscript"],
)
def test_account_ids_are_ascii_digits(kms: MockKMS, account: str) -> None:
    # str.isdigit() takes all three; AWS account ids are ASCII.
    assert account.isdigit()
    assert len(account) == 12
    for declare in (
        lambda: kms.user("x", account=account),
        lambda: kms.role("x", account=account),
        lambda: kms.root(account),
    ):
        with pytest.raises(ValueError, match="an account id is 12 digits"):
            declare()
