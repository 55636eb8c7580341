"""Server mode: kmsmock over HTTP (kmsmock.server), its control API and the kms_server fixture.

Black-box: boto3 with ``endpoint_url`` (or ``AWS_ENDPOINT_URL_KMS``) for KMS calls,
``urllib.request`` for the control API, raw sockets and ``http.client`` for bad HTTP. Every
server a test starts listens on port 0 and is stopped by the test, which then finds no
server or connection thread left.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import json
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock.server import MAX_BODY, ThreadedKMSServer
from tests._helpers import control, error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

A = "123456789012"  # the server's default account
B = "210987654321"
C = "111122223333"
MiB = 1024 * 1024
# Errors are asserted as answered, not retried into a different outcome.
NO_RETRIES = Config(retries={"total_max_attempts": 1})
# Short enough that tests of the timeout finish fast, long enough for any honest client.
IDLE = 0.5
Clients = Callable[..., "KMSClient"]


def _server_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("kmsmock-")]


def _connection_threads() -> list[threading.Thread]:
    return [t for t in _server_threads() if t.name.startswith("kmsmock-connection")]


def _wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def server() -> Iterator[ThreadedKMSServer]:
    with ThreadedKMSServer() as running:
        yield running
    assert _server_threads() == []


@pytest.fixture
def impatient_server() -> Iterator[ThreadedKMSServer]:
    """A server with a short idle timeout, for the tests of that timeout only: a client
    pausing that long between calls would find its connection closed under it."""
    with ThreadedKMSServer(idle_timeout=IDLE) as running:
        yield running
    assert _server_threads() == []


@functools.cache
def _session() -> boto3.session.Session:
    # One session for the clients of every test: making a session loads botocore's data
    # anew, a tenth of a second each time.
    return boto3.session.Session()


@pytest.fixture
def clients() -> Iterator[Clients]:
    """Makes boto3 KMS clients for an endpoint; closes them (and their sockets) after."""
    made: list[KMSClient] = []

    def make(
        endpoint_url: str | None,
        region: str = "us-east-1",
        credentials: dict[str, str] | None = None,
        session: boto3.session.Session | None = None,
    ) -> KMSClient:
        supplied = credentials or {}
        client = (session or _session()).client(
            "kms",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=supplied.get("aws_access_key_id", "testing"),
            aws_secret_access_key=supplied.get("aws_secret_access_key", "testing"),
            aws_session_token=supplied.get("aws_session_token"),
            config=NO_RETRIES,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def _address(server: ThreadedKMSServer) -> tuple[str, int]:
    split = urlsplit(server.endpoint_url)
    assert split.hostname is not None
    assert split.port is not None
    return split.hostname, split.port


def _control(
    server: ThreadedKMSServer, method: str, route: str, document: Any = None, body: bytes = b""
) -> tuple[int, Any]:
    return control(server.endpoint_url, method, route, document, body)


def _exchange(server: ThreadedKMSServer, data: bytes, *, finish: bool = True) -> bytes:
    """Send raw bytes and read until the server closes. ``finish``: end the sending side
    at once; otherwise only once a whole response has come (which the server, having
    refused a request, waits for before it closes)."""
    with socket.create_connection(_address(server), timeout=10) as sock:
        sock.sendall(data)
        chunks = [] if finish else [_receive(sock)]
        sock.shutdown(socket.SHUT_WR)
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of the first response in ``raw``."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    version, status, _reason = status_line.split(" ", 2)
    assert version == "HTTP/1.1"
    headers = dict(line.split(": ", 1) for line in lines)
    return int(status), headers, rest[: int(headers["Content-Length"])]


def _receive(sock: socket.socket) -> bytes:
    """One whole response from ``sock`` (status line, headers, and the body they announce)."""
    data = b""
    while b"\r\n\r\n" not in data or len(data) < _response_length(data):
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"closed after {data!r}")
        data += chunk
    return data


def _response_length(data: bytes) -> int:
    head = data.partition(b"\r\n\r\n")[0]
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b": ")
        if name.lower() == b"content-length":
            return len(head) + 4 + int(value)
    return len(head) + 4


def _closed_by_peer(sock: socket.socket, seconds: float = 5.0) -> bool:
    """Whether the server closes ``sock`` within ``seconds`` (reading what it sends)."""
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([sock], [], [], remaining)
        if readable:
            try:
                if not sock.recv(65536):
                    return True
            except ConnectionResetError:
                return True
    return False


def _policy(*statements: dict[str, Any]) -> str:
    admin = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"}}
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{**admin, "Action": "kms:*", "Resource": "*"}, *statements],
        }
    )


def _denied(arn: str, action: str, key_arn: str, why: str) -> tuple[str, str, int]:
    return (
        "AccessDeniedException",
        f"User: {arn} is not authorized to perform: kms:{action} on resource: {key_arn} "
        f"because no {why}-based policy allows the kms:{action} action",
        400,
    )


# -- KMS through boto3 ---------------------------------------------------------------------------


def test_server_answers_boto3_through_endpoint_url(
    server: ThreadedKMSServer, clients: Clients
) -> None:
    client = clients(server.endpoint_url)
    key = client.create_key(Description="over http")["KeyMetadata"]
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"secret")["CiphertextBlob"]
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
    # The same MockKMS as in-process, for setup and assertions.
    assert [k.description for k in server.mock.keys()] == ["over http"]
    assert [c.operation for c in server.mock.calls] == ["CreateKey", "Encrypt", "Decrypt"]
    assert server.mock.calls[-1].principal == f"arn:aws:iam::{A}:root"


def test_server_answers_through_aws_endpoint_url_kms(
    server: ThreadedKMSServer, clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", server.endpoint_url)
    client = clients(None, session=boto3.session.Session())
    client.create_key()
    assert len(server.mock.keys()) == 1


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
@pytest.mark.parametrize("prefix", ["", "/kms", "/a/b/c/"])
def test_server_answers_any_host_name_and_path_prefix(
    server: ThreadedKMSServer, clients: Clients, host: str, prefix: str
) -> None:
    _, port = _address(server)
    client = clients(f"http://{host}:{port}{prefix}")
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["Enabled"] is True


def test_server_takes_the_region_from_the_sigv4_scope(
    server: ThreadedKMSServer, clients: Clients
) -> None:
    by_region = {
        region: clients(server.endpoint_url, region) for region in ("eu-west-1", "ap-south-1")
    }
    arns = {region: c.create_key()["KeyMetadata"]["Arn"] for region, c in by_region.items()}
    for region, client in by_region.items():
        assert arns[region].startswith(f"arn:aws:kms:{region}:{A}:key/")
        assert [k["KeyArn"] for k in client.list_keys()["Keys"]] == [arns[region]]
        assert [k.arn for k in server.mock.keys(region=region)] == [arns[region]]
    assert server.mock.keys() == []  # nothing in the default region
    assert {c.region for c in server.mock.calls} == {"eu-west-1", "ap-south-1"}


def test_server_disabled_key_refuses_to_encrypt(
    server: ThreadedKMSServer, clients: Clients
) -> None:
    client = clients(server.endpoint_url)
    key = client.create_key()["KeyMetadata"]
    client.disable_key(KeyId=key["KeyId"])
    with pytest.raises(ClientError) as info:
        client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    assert error_of(info) == ("DisabledException", f"{key['Arn']} is disabled.", 400)
    assert isinstance(info.value, client.exceptions.DisabledException)


def test_server_key_pending_deletion_then_gone_when_the_clock_moves(
    server: ThreadedKMSServer, clients: Clients
) -> None:
    client = clients(server.endpoint_url)
    key = client.create_key()["KeyMetadata"]
    blob = client.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    client.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    with pytest.raises(ClientError) as pending:
        client.decrypt(CiphertextBlob=blob)
    assert error_of(pending) == (
        "KMSInvalidStateException",
        f"{key['Arn']} is pending deletion.",
        400,
    )
    assert _control(server, "POST", "clock", {"advance_seconds": 7 * 86400 + 1})[0] == 200
    with pytest.raises(ClientError) as gone:
        client.describe_key(KeyId=key["KeyId"])
    assert error_of(gone) == ("NotFoundException", f"Key '{key['Arn']}' does not exist", 400)


def test_server_key_policy_shares_a_key_with_another_account(
    server: ThreadedKMSServer, clients: Clients
) -> None:
    owner = clients(server.endpoint_url)
    use = ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"]
    statement = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B}:root"}}
    key_arn = owner.create_key(Policy=_policy({**statement, "Action": use, "Resource": "*"}))[
        "KeyMetadata"
    ]["Arn"]
    # Principals declared through the control API and through the mock object.
    status, b_root = _control(server, "POST", "principals", {"kind": "root", "account": B})
    assert (status, b_root["arn"], b_root["account"]) == (200, f"arn:aws:iam::{B}:root", B)
    status, b_user = _control(
        server,
        "POST",
        "principals",
        {
            "kind": "user",
            "name": "reader",
            "account": B,
            "policy": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}],
            },
        },
    )
    assert status == 200
    c_root = server.mock.root(C)

    as_b = clients(server.endpoint_url, credentials=b_root)
    encrypted = as_b.encrypt(KeyId=key_arn, Plaintext=b"shared")
    assert encrypted["KeyId"] == key_arn
    assert server.mock.calls[-1].account == B
    reader = clients(server.endpoint_url, credentials=b_user)
    assert reader.decrypt(CiphertextBlob=encrypted["CiphertextBlob"])["Plaintext"] == b"shared"
    with pytest.raises(ClientError) as no_iam:
        reader.encrypt(KeyId=key_arn, Plaintext=b"x")
    assert error_of(no_iam) == _denied(b_user["arn"], "Encrypt", key_arn, "identity")
    as_c = clients(server.endpoint_url, credentials=c_root.credentials)
    with pytest.raises(ClientError) as no_key_policy:
        as_c.encrypt(KeyId=key_arn, Plaintext=b"x")
    assert error_of(no_key_policy) == _denied(c_root.arn, "Encrypt", key_arn, "resource")


def test_server_re_encrypts_between_two_keys(server: ThreadedKMSServer, clients: Clients) -> None:
    client = clients(server.endpoint_url)
    old, new = (client.create_key()["KeyMetadata"]["Arn"] for _ in range(2))
    blob = client.encrypt(KeyId=old, Plaintext=b"payload", EncryptionContext={"v": "1"})[
        "CiphertextBlob"
    ]
    moved = client.re_encrypt(
        CiphertextBlob=blob,
        SourceEncryptionContext={"v": "1"},
        DestinationKeyId=new,
        DestinationEncryptionContext={"v": "2"},
    )
    assert (moved["SourceKeyId"], moved["KeyId"]) == (old, new)
    decrypted = client.decrypt(CiphertextBlob=moved["CiphertextBlob"], EncryptionContext={"v": "2"})
    assert (decrypted["Plaintext"], decrypted["KeyId"]) == (b"payload", new)


def test_server_serves_concurrent_clients(server: ThreadedKMSServer, clients: Clients) -> None:
    key_id = clients(server.endpoint_url).create_key()["KeyMetadata"]["KeyId"]
    workers = [clients(server.endpoint_url) for _ in range(8)]
    start = threading.Barrier(len(workers))
    failures: list[BaseException] = []

    def work(client: KMSClient, number: int) -> None:
        try:
            start.wait(timeout=10)
            for round_ in range(5):
                plaintext = f"{number}-{round_}".encode()
                blob = client.encrypt(KeyId=key_id, Plaintext=plaintext)["CiphertextBlob"]
                assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == plaintext
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work, args=(c, n)) for n, c in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert len(server.mock.calls) == 1 + 8 * 5 * 2


def test_server_answers_a_kmsmock_gap_with_501(server: ThreadedKMSServer, clients: Clients) -> None:
    client = clients(server.endpoint_url)
    with pytest.raises(ClientError) as info:
        client.generate_random(
            NumberOfBytes=16,
            Recipient={"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": b"x"},
        )
    code, message, status = error_of(info)
    assert (code, status) == ("kmsmock.NotYetImplemented", 501)
    assert "Recipient of GenerateRandom" in message


def test_server_answers_a_kmsmock_bug_with_500_and_a_traceback(
    server: ThreadedKMSServer,
    clients: Clients,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(server.mock, "handle", broken)
    monkeypatch.setattr(server.mock, "reset", broken)
    with pytest.raises(ClientError) as info:
        clients(server.endpoint_url).list_keys()
    assert error_of(info) == ("kmsmock.InternalError", "RuntimeError: a bug", 500)
    assert _control(server, "POST", "reset") == (
        500,
        {"__type": "kmsmock.InternalError", "message": "RuntimeError: a bug"},
    )
    err = capsys.readouterr().err
    assert err.count("Traceback") == 2
    assert "RuntimeError: a bug" in err
    assert _control(server, "GET", "health") == (200, {"status": "ok"})


# -- Bad HTTP ------------------------------------------------------------------------------------


def test_server_refuses_a_body_over_the_limit_with_413(
    server: ThreadedKMSServer, clients: Clients
) -> None:
    with pytest.raises(ClientError) as info:
        clients(server.endpoint_url).encrypt(KeyId="alias/any", Plaintext=b"x" * (MAX_BODY + 1))
    assert error_of(info)[::2] == ("RequestEntityTooLarge", 413)
    connection = http.client.HTTPConnection(*_address(server), timeout=10)
    with contextlib.closing(connection):
        connection.request("POST", "/", body=b"{" * (2 * MiB))
        response = connection.getresponse()
        assert (response.status, response.headers["Connection"]) == (413, "close")
        assert json.loads(response.read())["__type"] == "RequestEntityTooLarge"
    assert server.mock.calls == []


@pytest.mark.parametrize(
    "declared",
    [str(MAX_BODY + 1), "9" * 5000],
    ids=["just-over", "5000-digits"],
)
def test_server_refuses_a_large_body_before_100_continue(
    server: ThreadedKMSServer, declared: str
) -> None:
    # The client waits for "100 Continue" before sending; it gets the refusal instead.
    request = f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {declared}\r\n"
    raw = _exchange(server, (request + "Expect: 100-continue\r\n\r\n").encode(), finish=False)
    status, headers, body = _parse(raw)
    assert (status, headers["Connection"]) == (413, "close")
    assert json.loads(body)["__type"] == "RequestEntityTooLarge"


def test_server_answers_100_continue_then_reads_the_body(server: ThreadedKMSServer) -> None:
    head = b"POST /_kmsmock/clock HTTP/1.1\r\nContent-Length: 23\r\nExpect: 100-continue\r\n\r\n"
    with socket.create_connection(_address(server), timeout=10) as sock:
        sock.sendall(head)
        assert _receive(sock) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(b'{"advance_seconds": 60}')
        status, _headers, body = _parse(_receive(sock))
    assert status == 200
    assert set(json.loads(body)) == {"now"}


def test_server_refuses_chunked_bodies_with_411(server: ThreadedKMSServer) -> None:
    connection = http.client.HTTPConnection(*_address(server), timeout=10)
    with contextlib.closing(connection):
        connection.request("POST", "/_kmsmock/reset", body=iter([b"{", b"}"]), encode_chunked=True)
        response = connection.getresponse()
        assert response.status == 411
        assert json.loads(response.read()) == {
            "__type": "LengthRequired",
            "message": "send Content-Length, not chunks",
        }


@pytest.mark.parametrize(
    "lengths",
    [["abc"], ["-1"], ["+2"], ["0x2"], ["2", "3"]],
    ids=["text", "negative", "plus", "hex", "two-values"],
)
def test_server_refuses_an_invalid_content_length(
    server: ThreadedKMSServer, lengths: list[str]
) -> None:
    fields = "".join(f"Content-Length: {value}\r\n" for value in lengths)
    raw = _exchange(server, f"POST / HTTP/1.1\r\nHost: x\r\n{fields}\r\n{{}}".encode())
    status, headers, body = _parse(raw)
    assert (status, headers["Connection"]) == (400, "close")
    assert json.loads(body) == {
        "__type": "SerializationException",
        "message": "Invalid Content-Length",
    }


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"\x00\x01\x02 garbage\r\n\r\n", 400, "BadRequest"),
        (b"\x00\x01 garbage HTTP/1.1\r\n\r\n", 501, "NotImplemented"),
        (b"ONEWORD\r\n\r\n", 400, "BadRequest"),
        (b"GET / HTTP/9.9\r\n\r\n", 505, "HTTPVersionNotSupported"),
        (b"GET / HTTP/one\r\n\r\n", 400, "BadRequest"),
        (b"GET /\r\n", 505, "HTTPVersionNotSupported"),
        (b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", 501, "NotImplemented"),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, "RequestURITooLong"),
        (
            b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000 + b"\r\n\r\n",
            431,
            "RequestHeaderFieldsTooLarge",
        ),
        (
            b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(200)) + b"\r\n",
            431,
            "RequestHeaderFieldsTooLarge",
        ),
        (b"POST / HTTP/1.1\r\nHost: [::1\r\nContent-Length: 0\r\n\r\n", 400, "BadRequest"),
        (b"POST / HTTP/1.1\r\nHost: a/b\r\nContent-Length: 0\r\n\r\n", 400, "BadRequest"),
    ],
    ids=[
        "binary",
        "binary-method",
        "one-word",
        "version-9.9",
        "version-text",
        "http-0.9",
        "unknown-method",
        "long-target",
        "long-header",
        "many-headers",
        "bad-host",
        "host-with-path",
    ],
)
def test_server_answers_malformed_http_with_a_json_error_and_closes(
    server: ThreadedKMSServer, request_bytes: bytes, status: int, code: str
) -> None:
    raw = _exchange(server, request_bytes, finish=False)
    answered, headers, body = _parse(raw)
    assert (answered, headers["Connection"], headers["Content-Type"]) == (
        status,
        "close",
        "application/json",
    )
    assert json.loads(body)["__type"] == code
    assert _control(server, "GET", "health")[0] == 200
    assert server.mock.calls == []


def test_server_answers_http_1_0_and_closes_unless_kept_alive(server: ThreadedKMSServer) -> None:
    raw = _exchange(server, b"GET /_kmsmock/health HTTP/1.0\r\n\r\n", finish=False)
    status, headers, body = _parse(raw)
    assert (status, headers["Connection"], json.loads(body)) == (200, "close", {"status": "ok"})
    request = b"GET /_kmsmock/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
    with socket.create_connection(_address(server), timeout=10) as sock:
        for _ in range(2):
            sock.sendall(request)
            status, headers, body = _parse(_receive(sock))
            assert (status, headers["Connection"]) == (200, "keep-alive")


def test_server_answers_head_and_get_on_the_kms_path(server: ThreadedKMSServer) -> None:
    connection = http.client.HTTPConnection(*_address(server), timeout=10)
    with contextlib.closing(connection):
        connection.request("GET", "/")
        response = connection.getresponse()
        body = response.read()
        assert (response.status, json.loads(body)) == (
            400,
            {"__type": "UnknownOperationException"},
        )
        connection.request("HEAD", "/")
        response = connection.getresponse()
        assert (response.status, response.headers["Content-Length"]) == (400, str(len(body)))
        assert response.read() == b""
        # Still the same connection: the HEAD answer carried no body to misread.
        connection.request("GET", "/_kmsmock/health")
        assert connection.getresponse().read() == b'{"status": "ok"}'


def test_server_keeps_a_connection_alive_across_requests(server: ThreadedKMSServer) -> None:
    connection = http.client.HTTPConnection(*_address(server), timeout=10)
    with contextlib.closing(connection):
        sockets = []
        for path in ("/_kmsmock/health", "/", "/_kmsmock/calls", "/_kmsmock/nothing"):
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert "Connection" not in response.headers
            sockets.append(connection.sock)
        assert sockets[0] is not None
        assert all(s is sockets[0] for s in sockets)


def test_server_accepts_an_absolute_form_target(server: ThreadedKMSServer) -> None:
    raw = _exchange(server, b"GET http://elsewhere:1/_kmsmock/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert _parse(raw)[::2] == (200, b'{"status": "ok"}')


def test_server_cuts_off_a_client_trickling_its_headers(
    impatient_server: ThreadedKMSServer, clients: Clients
) -> None:
    request = b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.ListKeys\r\n"
    started = time.monotonic()
    with socket.create_connection(_address(impatient_server), timeout=10) as sock:
        for index, byte in enumerate(request * 10):
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            if select.select([sock], [], [], 0.02)[0]:
                break  # the server closed the connection
            if index == 3:
                # Others are served meanwhile.
                assert clients(impatient_server.endpoint_url).list_keys()["Keys"] == []
        # Cut off long before the client would have finished (in over ten seconds).
        assert time.monotonic() - started < IDLE + 5
        assert _closed_by_peer(sock)
    assert _wait_for(lambda: not _connection_threads())


@pytest.mark.parametrize(
    "sent",
    [
        b"",
        b"POST / HTTP/1.1\r\nHost: x\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
        b"GET /_kmsmock/health HTTP/1.1\r\n\r\n",
    ],
    ids=["silent", "unfinished-headers", "unfinished-body", "idle-after-answer"],
)
def test_server_closes_a_stalled_connection_after_the_idle_timeout(
    impatient_server: ThreadedKMSServer, sent: bytes
) -> None:
    with socket.create_connection(_address(impatient_server), timeout=10) as sock:
        sock.sendall(sent)
        assert _closed_by_peer(sock, IDLE + 5)
    assert _wait_for(lambda: not _connection_threads())
    assert _control(impatient_server, "GET", "health")[0] == 200


@pytest.mark.parametrize(
    "sent",
    [
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
        b"POST /_kmsmock/reset HTTP/1.1\r\nHost: x\r\n",
        b"GET /_kmsmock/calls HTTP/1.1\r\nHost: x\r\n\r\n" * 50,
    ],
    ids=["mid-body", "mid-headers", "before-reading-answers"],
)
def test_server_survives_a_client_that_disconnects(
    server: ThreadedKMSServer, capsys: pytest.CaptureFixture[str], sent: bytes
) -> None:
    sock = socket.create_connection(_address(server), timeout=10)
    sock.sendall(sent)
    # Closed with unread answers in its buffer, the socket sends a reset.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    assert _wait_for(lambda: not _connection_threads())
    assert _control(server, "GET", "health")[0] == 200
    assert capsys.readouterr().err == ""


def test_server_stop_closes_connected_clients_promptly() -> None:
    server = ThreadedKMSServer(idle_timeout=3600).start()
    address = _address(server)
    with contextlib.ExitStack() as stack:
        idle, partial, waiting = (
            stack.enter_context(socket.create_connection(address, timeout=10)) for _ in range(3)
        )
        idle.sendall(b"GET /_kmsmock/health HTTP/1.1\r\n\r\n")
        assert _receive(idle).startswith(b"HTTP/1.1 200")
        partial.sendall(b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n{")
        assert _wait_for(lambda: len(_connection_threads()) == 3)
        stopper = threading.Thread(target=server.stop)
        stopper.start()
        stopper.join(timeout=10)
        assert not stopper.is_alive()
        assert _server_threads() == []
        for sock in (idle, partial, waiting):
            assert _closed_by_peer(sock, 1)
    assert not server.running


def test_server_stop_lets_a_request_being_handled_answer(
    clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = ThreadedKMSServer().start()
    client = clients(server.endpoint_url)
    handling, release = threading.Event(), threading.Event()
    handle = server.mock.handle

    def slow(*args: Any, **kwargs: Any) -> tuple[int, dict[str, str], bytes]:
        handling.set()
        release.wait(10)
        return handle(*args, **kwargs)

    monkeypatch.setattr(server.mock, "handle", slow)
    answers: list[object] = []
    caller = threading.Thread(target=lambda: answers.append(client.list_keys()["Keys"]))
    caller.start()
    assert handling.wait(10)
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    time.sleep(0.2)  # for stop() to have closed what it closes at once
    release.set()
    stopper.join(timeout=10)
    caller.join(timeout=10)
    assert (stopper.is_alive(), answers) == (False, [[]])
    assert _server_threads() == []


# -- The control API -----------------------------------------------------------------------------


def test_control_health(server: ThreadedKMSServer) -> None:
    assert _control(server, "GET", "health") == (200, {"status": "ok"})


def test_control_reset_empties_the_state(server: ThreadedKMSServer, clients: Clients) -> None:
    user = server.mock.user("alice")
    client = clients(server.endpoint_url, credentials=user.credentials)
    client.create_key()
    server.mock.clock.advance(days=400)
    assert _control(server, "POST", "reset") == (200, {"status": "reset"})
    assert (server.mock.keys(), list(server.mock.calls)) == ([], [])
    assert abs(server.mock.clock.now() - time.time()) < 60
    # alice is forgotten: her access key is an unknown one, the default principal's.
    assert client.list_keys()["Keys"] == []
    assert server.mock.calls[-1].principal == f"arn:aws:iam::{A}:root"


def test_control_clock_advances_and_sets(server: ThreadedKMSServer) -> None:
    before = server.mock.clock.now()
    status, answer = _control(server, "POST", "clock", {"advance_seconds": 3600})
    assert status == 200
    assert abs(server.mock.clock.now() - before - 3600) < 60
    assert answer["now"].startswith(server.mock.clock.datetime().isoformat()[:13])
    for moment in ("2030-01-02T03:04:05Z", "2030-01-02T03:04:05+00:00", "2030-01-02T03:04:05"):
        status, answer = _control(server, "POST", "clock", {"set": moment})
        assert status == 200
        assert answer["now"].startswith("2030-01-02T03:04:05")
        assert server.mock.clock.datetime().year == 2030


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"advance_seconds": -1},
        {"advance_seconds": "60"},
        {"advance_seconds": True},
        {"advance_seconds": 10**400},
        {"advance_seconds": 1e300},
        {"set": "tomorrow"},
        {"set": 1893456000},
        {"set": "9999-12-31T00:00:00Z"},
        {"set": "1969-12-31T23:59:59Z"},
        {"advance_seconds": 1, "set": "2030-01-01T00:00:00Z"},
    ],
)
def test_control_clock_refuses_without_moving(server: ThreadedKMSServer, document: Any) -> None:
    before = server.mock.clock.now()
    status, answer = _control(server, "POST", "clock", document)
    assert status == 400
    assert isinstance(answer["error"], str)
    assert answer["error"]
    assert abs(server.mock.clock.now() - before) < 60


def test_control_calls_returns_the_journal(server: ThreadedKMSServer, clients: Clients) -> None:
    client = clients(server.endpoint_url, "eu-west-1")
    client.create_key()
    with pytest.raises(ClientError):
        client.describe_key(KeyId="alias/missing")
    status, calls = _control(server, "GET", "calls")
    assert status == 200
    assert [(c["operation"], c["error"], c["region"], c["account"]) for c in calls] == [
        ("CreateKey", None, "eu-west-1", A),
        ("DescribeKey", "NotFoundException", "eu-west-1", A),
    ]
    assert calls[0]["principal"] == f"arn:aws:iam::{A}:root"
    assert calls[0]["time"].endswith("+00:00")


def test_control_principals_declares_users_roles_and_roots(
    server: ThreadedKMSServer, clients: Clients
) -> None:
    status, user = _control(
        server, "POST", "principals", {"kind": "user", "name": "u", "account": B, "path": "/t/"}
    )
    assert (status, user["arn"], user["account"]) == (200, f"arn:aws:iam::{B}:user/t/u", B)
    assert set(user) == {"arn", "account", "aws_access_key_id", "aws_secret_access_key"}
    status, role = _control(server, "POST", "principals", {"kind": "role", "name": "r"})
    assert (status, role["arn"], role["account"]) == (200, f"arn:aws:iam::{A}:role/r", A)
    assert role["aws_session_token"]
    status, root = _control(server, "POST", "principals", {"kind": "root"})
    assert (status, root["arn"]) == (200, f"arn:aws:iam::{A}:root")
    # Declaring again gives the same principal, with the same credentials.
    assert _control(server, "POST", "principals", {"kind": "role", "name": "r"}) == (200, role)
    clients(server.endpoint_url, credentials=role).list_keys()
    clients(server.endpoint_url, credentials=user).list_keys()
    assert [c.principal for c in server.mock.calls] == [
        f"arn:aws:sts::{A}:assumed-role/r/kmsmock",
        f"arn:aws:iam::{B}:user/t/u",
    ]


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"kind": "admin"},
        {"kind": ["user"]},
        {"kind": "user"},
        {"kind": "user", "name": ""},
        {"kind": "user", "name": 7},
        {"kind": "user", "name": "u", "account": "12"},
        {"kind": "user", "name": "u", "account": ["1"] * 12},
        {"kind": "user", "name": "u", "account": 123456789012},
        {"kind": "user", "name": "u", "path": "no-slashes"},
        {"kind": "user", "name": "u", "path": 5},
        {"kind": "user", "name": "u", "policy": 5},
        {"kind": "user", "name": "u", "policy": [[["a", "b"]]]},
        {"kind": "user", "name": "u", "colour": "blue"},
        {"kind": "root", "name": "u"},
        {"kind": "root", "account": 0},
    ],
)
def test_control_principals_refuses_bad_declarations(
    server: ThreadedKMSServer, document: Any
) -> None:
    status, answer = _control(server, "POST", "principals", document)
    assert status == 400
    assert isinstance(answer["error"], str)
    assert not server.mock.identities.exists(f"arn:aws:iam::{A}:user/u")


@pytest.mark.parametrize("policy", [{"Statement": 5}, "{not json", [{"Version": "2012-10-17"}]])
def test_control_principals_refuses_an_invalid_identity_policy(
    server: ThreadedKMSServer, policy: Any
) -> None:
    status, answer = _control(
        server, "POST", "principals", {"kind": "user", "name": "u", "policy": policy}
    )
    assert status == 400
    assert answer["error"]


def test_control_principals_refused_policy_declares_nobody(server: ThreadedKMSServer) -> None:
    document = {"kind": "user", "name": "u", "policy": {"Statement": 5}}
    assert _control(server, "POST", "principals", document)[0] == 400
    assert not server.mock.identities.exists(f"arn:aws:iam::{A}:user/u")


@pytest.mark.parametrize(
    ("method", "route"),
    [
        ("GET", "nothing"),
        ("POST", "health"),
        ("HEAD", "calls"),
        ("DELETE", "reset"),
        ("GET", ""),
        ("GET", "health/extra"),
    ],
)
def test_control_anything_else_is_a_json_404(
    server: ThreadedKMSServer, method: str, route: str
) -> None:
    if method == "HEAD":
        connection = http.client.HTTPConnection(*_address(server), timeout=10)
        with contextlib.closing(connection):
            connection.request(method, f"/_kmsmock/{route}")
            response = connection.getresponse()
            assert (response.status, response.read()) == (404, b"")
        return
    status, answer = _control(server, method, route)
    assert status == 404
    assert answer["error"].startswith("no control endpoint")


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'"text"', b"\xff\xfe", b"[" * 10_000, b"1" * 5000]
)
def test_control_refuses_a_body_that_is_no_json_object(
    server: ThreadedKMSServer, body: bytes
) -> None:
    status, answer = _control(server, "POST", "clock", body=body)
    assert status == 400
    assert answer["error"]


_ROUTES = [
    ("GET", "health"),
    ("POST", "reset"),
    ("POST", "clock"),
    ("GET", "calls"),
    ("POST", "principals"),
    ("GET", "other"),
]
_MEMBERS = ["kind", "name", "account", "policy", "path", "advance_seconds", "set"]
_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["user", "role", "root", B, "/", "2030-01-01T00:00:00Z"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
_BODIES = st.one_of(
    st.binary(max_size=200),
    _JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.dictionaries(st.sampled_from(_MEMBERS), _JSON_VALUES, max_size=4).map(
        lambda value: json.dumps(value).encode()
    ),
)


def test_control_answers_any_body_with_json(server: ThreadedKMSServer) -> None:
    connection = http.client.HTTPConnection(*_address(server), timeout=10)

    @settings(max_examples=200)
    @given(route=st.sampled_from(_ROUTES), body=_BODIES)
    def check(route: tuple[str, str], body: bytes) -> None:
        method, name = route
        connection.request(method, f"/_kmsmock/{name}", body=body)
        response = connection.getresponse()
        document = json.loads(response.read())
        assert response.status in (200, 400, 404), document
        assert response.headers["Content-Type"] == "application/json"
        assert response.status == 200 or set(document) == {"error"}

    with contextlib.closing(connection):
        check()
    assert _control(server, "GET", "health") == (200, {"status": "ok"})


_REQUEST_STARTS = st.tuples(
    st.sampled_from([b"GET", b"POST", b"HEAD", b"PUT", b"get", b""]),
    st.sampled_from([b" / ", b" /_kmsmock/health ", b" ", b"  /x  "]),
    st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2", b""]),
    st.binary(max_size=200),
).map(lambda parts: parts[0] + parts[1] + parts[2] + b"\r\n" + parts[3])


def test_server_answers_random_bytes_with_http_or_silence(server: ThreadedKMSServer) -> None:
    @settings(max_examples=150)
    @given(data=st.binary(max_size=300) | _REQUEST_STARTS)
    def check(data: bytes) -> None:
        raw = _exchange(server, data)
        if raw:
            status, _headers, body = _parse(raw)
            assert 200 <= status < 600
            assert isinstance(json.loads(body or b"{}"), dict | list)

    check()
    assert _control(server, "GET", "health") == (200, {"status": "ok"})
    assert server.mock.keys() == []


# -- ThreadedKMSServer and the kms_server fixture ------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"port": -1},
        {"port": 65536},
        {"port": "80"},
        {"port": True},
        {"port": 8.0},
        {"host": ""},
        {"host": None},
        {"idle_timeout": 0},
        {"idle_timeout": -1},
        {"idle_timeout": float("nan")},
        {"idle_timeout": float("inf")},
        {"idle_timeout": 10**400},
        {"idle_timeout": "5"},
        {"idle_timeout": True},
        {"account": "12"},
        {"region": "mars-1"},
    ],
)
def test_threaded_server_checks_its_options_before_starting(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(options))):
        ThreadedKMSServer(**options)
    assert _server_threads() == []


def test_threaded_server_refuses_unknown_options() -> None:
    with pytest.raises(TypeError):
        ThreadedKMSServer(colour="blue")


def test_threaded_server_lifecycle() -> None:
    server = ThreadedKMSServer()
    assert (server.running, repr(server)) == (False, "<ThreadedKMSServer stopped>")
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.endpoint_url
    with pytest.raises(RuntimeError, match="not running"):
        server.stop()
    with server:
        assert server.running
        assert server.endpoint_url.startswith("http://127.0.0.1:")
        assert repr(server) == f"<ThreadedKMSServer {server.endpoint_url}>"
        with pytest.raises(RuntimeError, match="already running"):
            server.start()
        server.mock.clock.advance(days=1)
    assert _server_threads() == []
    # It starts again, with the same mock and state.
    with server:
        assert _control(server, "GET", "health")[0] == 200
        assert server.mock.clock.now() > time.time() + 86000
    assert not server.running


def test_threaded_server_reports_a_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = ThreadedKMSServer(port=taken.getsockname()[1])
        with pytest.raises(OSError, match="in use"):
            server.start()
    assert not server.running
    assert _server_threads() == []


def test_threaded_server_serves_ipv6_loopback(clients: Clients) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    try:
        server = ThreadedKMSServer(host="::1").start()
    except OSError as error:
        pytest.skip(f"no IPv6 loopback here: {error}")
    with contextlib.ExitStack() as stack:
        stack.callback(server.stop)
        assert server.endpoint_url.startswith("http://[::1]:")
        clients(server.endpoint_url).create_key()
        assert len(server.mock.keys()) == 1


def test_kms_server_fixture_serves_the_mock_it_exposes(
    kms_server: ThreadedKMSServer, clients: Clients
) -> None:
    clients(kms_server.endpoint_url).create_key(Description="via fixture")
    assert [k.description for k in kms_server.mock.keys()] == ["via fixture"]
    assert (kms_server.mock.account_id, kms_server.mock.region) == (A, "us-east-1")


@pytest.mark.kms_server(account=C, region="eu-west-1", idle_timeout=5)
def test_kms_server_marker_gives_options(kms_server: ThreadedKMSServer, clients: Clients) -> None:
    arn = clients(kms_server.endpoint_url, "eu-west-1").create_key()["KeyMetadata"]["Arn"]
    assert arn.startswith(f"arn:aws:kms:eu-west-1:{C}:key/")
    assert (kms_server.mock.account_id, kms_server.mock.region) == (C, "eu-west-1")


def test_kms_server_fixture_stops_its_server_and_refuses_positional_marker_arguments(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        def test_served(kms_server):
            assert kms_server.running

        @pytest.mark.kms_server("x")
        def test_positional(kms_server):
            pass
        """
    )
    result = pytester.runpytest_inprocess(
        "-p", "no:xdist", "-p", "no:cacheprovider", "-p", "no:asyncio"
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*TypeError: pytest.mark.kms_server takes keyword arguments only*"]
    )
    assert _server_threads() == []


def test_server_is_reached_while_an_in_process_mock_is_active() -> None:
    from kmsmock import mock_kms

    with ThreadedKMSServer() as server, mock_kms() as local:
        for host in ("127.0.0.1", "localhost"):
            url = server.endpoint_url.replace("127.0.0.1", host)
            remote = boto3.client(
                "kms",
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            remote.create_key(Description=f"on the server via {host}")
        boto3.client("kms", region_name="us-east-1").create_key(Description="in process")
        assert sorted(k.description for k in server.mock.keys()) == [
            "on the server via 127.0.0.1",
            "on the server via localhost",
        ]
        assert [k.description for k in local.keys()] == ["in process"]
    # Once the server stops, its address is nothing special to the hook.
    with mock_kms() as local:
        boto3.client(
            "kms",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="y",
        ).create_key()
        assert len(local.keys()) == 1
