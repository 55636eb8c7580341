"""Raw HTTP through ``requests``: KMS endpoints answered in process, the rest untouched."""

from __future__ import annotations

import base64
import http.server
import io
import json
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import responses
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.loaders import Loader
from requests.adapters import HTTPAdapter
from requests_aws4auth import AWS4Auth  # type: ignore[import-untyped]

import kmsmock
from kmsmock import MockKMS, mock_kms

KMS_URL = "https://kms.us-east-1.amazonaws.com/"
USER_URL = "https://api.example.com/thing"
DEFAULT_CREDENTIALS = Credentials("testing", "testing")
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}],
}


def kms_post(
    url: str,
    operation: str,
    payload: dict[str, Any] | None = None,
    *,
    region: str = "us-east-1",
    credentials: Credentials = DEFAULT_CREDENTIALS,
) -> requests.Response:
    """A KMS call as raw HTTP: built and SigV4-signed by botocore, sent by requests."""
    request = AWSRequest(
        method="POST",
        url=url,
        data=json.dumps(payload or {}).encode(),
        headers={
            "X-Amz-Target": f"TrentService.{operation}",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    SigV4Auth(credentials, "kms", region).add_auth(request)
    return requests.post(url, data=request.body, headers=dict(request.headers.items()), timeout=5)


def principal_credentials(values: kmsmock.Credentials) -> Credentials:
    return Credentials(
        values["aws_access_key_id"],
        values["aws_secret_access_key"],
        values.get("aws_session_token"),
    )


def refused_by(mock_error: pytest.ExceptionInfo[requests.ConnectionError]) -> bool:
    # The text responses gives a request that none of a RequestsMock's URLs matches:
    # seeing it proves the request reached that mock and not the network.
    return "Connection refused by Responses" in str(mock_error.value)


class _Echo(http.server.BaseHTTPRequestHandler):
    """Answers every request with what it received, so a test sees it arrived as sent."""

    def _echo(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        payload = json.dumps(
            {
                "method": self.command,
                "path": self.path,
                "body": body.decode("latin-1"),
                "header": self.headers.get("X-Test"),
            }
        ).encode()
        self.send_response(203)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Echo", "yes")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = _echo

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[str]:
    """A plain HTTP server on a free port of 127.0.0.1 (never the internet)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- KMS through requests ---------------------------------------------------------------


def test_create_encrypt_decrypt_round_trip_signed_by_botocore() -> None:
    with mock_kms() as kms:
        created = kms_post(KMS_URL, "CreateKey", {"Description": "raw"})
        assert created.status_code == 200
        key_id = created.json()["KeyMetadata"]["KeyId"]
        plaintext = base64.b64encode(b"secret").decode()
        encrypted = kms_post(KMS_URL, "Encrypt", {"KeyId": key_id, "Plaintext": plaintext})
        assert encrypted.status_code == 200
        blob = encrypted.json()["CiphertextBlob"]
        decrypted = kms_post(KMS_URL, "Decrypt", {"CiphertextBlob": blob})
        assert decrypted.status_code == 200
        assert decrypted.json()["Plaintext"] == plaintext
        assert decrypted.json()["KeyId"] == created.json()["KeyMetadata"]["Arn"]

        assert kms.key(key_id).description == "raw"
        assert [call.operation for call in kms.calls] == ["CreateKey", "Encrypt", "Decrypt"]
        assert {call.principal for call in kms.calls} == {"arn:aws:iam::123456789012:root"}


def test_the_answer_is_a_requests_response_with_handles_status_headers_and_body() -> None:
    with mock_kms():
        response = kms_post(KMS_URL, "ListKeys")
    assert isinstance(response, requests.Response)
    assert (response.status_code, response.reason, response.url) == (200, "OK", KMS_URL)
    assert response.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert response.headers["Content-Length"] == str(len(response.content))
    assert len(response.headers["x-amzn-RequestId"]) == 36
    assert response.json() == {"Keys": [], "Truncated": False}
    assert response.request.url == KMS_URL


def test_a_declared_principal_signs_with_its_own_credentials() -> None:
    with mock_kms() as kms:
        alice = kms.user("alice", policy=ALLOW_ALL)
        key_id = kms_post(KMS_URL, "CreateKey").json()["KeyMetadata"]["KeyId"]
        response = kms_post(
            KMS_URL,
            "Encrypt",
            {"KeyId": key_id, "Plaintext": base64.b64encode(b"x").decode()},
            credentials=principal_credentials(alice.credentials),
        )
        assert response.status_code == 200
        assert kms.calls[-1].principal == alice.arn

        session = kms.role("app", policy=ALLOW_ALL).session("worker")
        response = kms_post(
            KMS_URL,
            "DescribeKey",
            {"KeyId": key_id},
            credentials=principal_credentials(session.credentials),
        )
        assert response.status_code == 200
        assert kms.calls[-1].principal == session.arn


def test_signed_by_requests_aws4auth() -> None:
    with mock_kms() as kms:
        auth = AWS4Auth("testing", "testing", "eu-west-1", "kms")
        response = requests.post(
            "https://kms.eu-west-1.amazonaws.com/",
            data=json.dumps({"Description": "aws4auth"}),
            headers={
                "X-Amz-Target": "TrentService.CreateKey",
                "Content-Type": "application/x-amz-json-1.1",
            },
            auth=auth,
            timeout=5,
        )
        assert response.status_code == 200, response.text
        assert response.json()["KeyMetadata"]["Arn"].startswith("arn:aws:kms:eu-west-1:")
        assert [key.description for key in kms.keys(region="eu-west-1")] == ["aws4auth"]


def test_a_kms_error_is_the_status_and_json_body_aws_sends() -> None:
    with mock_kms():
        arn = kms_post(KMS_URL, "CreateKey").json()["KeyMetadata"]["Arn"]
        assert kms_post(KMS_URL, "DisableKey", {"KeyId": arn}).status_code == 200
        response = kms_post(
            KMS_URL, "Encrypt", {"KeyId": arn, "Plaintext": base64.b64encode(b"x").decode()}
        )
    assert response.status_code == 400
    assert response.reason == "Bad Request"
    assert response.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert response.json() == {"__type": "DisabledException", "message": f"{arn} is disabled."}


def test_innermost_mock_answers_and_the_outer_keeps_its_state() -> None:
    with mock_kms() as outer:
        kms_post(KMS_URL, "CreateKey")
        with mock_kms() as inner:
            assert kms_post(KMS_URL, "ListKeys").json()["Keys"] == []
            kms_post(KMS_URL, "CreateKey")
        assert len(inner.keys()) == 1
        assert len(kms_post(KMS_URL, "ListKeys").json()["Keys"]) == 1
        assert len(outer.keys()) == 1


def test_requests_from_many_threads_are_all_answered() -> None:
    def create(_: int) -> int:
        return kms_post(KMS_URL, "CreateKey").status_code

    with mock_kms() as kms, ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(create, range(80))) == {200}
        assert len(kms.keys()) == 80


# -- which hosts are KMS ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "region"),
    [
        ("https://kms-fips.us-east-1.amazonaws.com/", "us-east-1"),
        ("https://kms-fips.us-gov-west-1.amazonaws.com/", "us-gov-west-1"),
        ("https://kms.us-east-2.api.aws/", "us-east-2"),
        ("https://kms-fips.us-west-2.api.aws/", "us-west-2"),
        ("http://kms.eu-west-1.amazonaws.com/", "eu-west-1"),
        ("https://KMS.EU-WEST-1.AMAZONAWS.COM:443/", "eu-west-1"),
    ],
)
def test_fips_and_dual_stack_endpoints(url: str, region: str) -> None:
    with mock_kms() as kms:
        response = kms_post(url, "CreateKey", region=region)
        assert response.status_code == 200, response.text
        assert len(kms.keys(region=region)) == 1


def test_china_region_endpoint() -> None:
    with mock_kms() as kms:
        for url in (
            "https://kms.cn-north-1.amazonaws.com.cn/",
            "https://kms-fips.cn-north-1.amazonaws.com.cn/",
            "https://kms.cn-north-1.api.amazonwebservices.com.cn/",
        ):
            response = kms_post(url, "CreateKey", region="cn-north-1")
            assert response.status_code == 200, (url, response.text)
            assert response.json()["KeyMetadata"]["Arn"].startswith(
                "arn:aws-cn:kms:cn-north-1:123456789012:key/"
            )
        assert len(kms.keys(region="cn-north-1")) == 3


def _legacy_kms_hosts() -> set[str]:
    # botocore's older endpoint data (endpoints.json), independent of the endpoint rules
    # kmsmock reads: each partition's KMS hostnames and the plain host of each region.
    hosts = set()
    for partition in Loader().load_data("endpoints")["partitions"]:
        service = partition["services"].get("kms", {})
        for region, endpoint in service.get("endpoints", {}).items():
            for entry in [endpoint, *endpoint.get("variants", [])]:
                if "hostname" in entry:
                    hosts.add(entry["hostname"])
            if region in partition["regions"]:
                hosts.add(f"kms.{region}.{partition['dnsSuffix']}")
    return hosts


def test_every_kms_host_in_botocores_endpoint_data_is_answered() -> None:
    hosts = _legacy_kms_hosts()
    assert len(hosts) > 50
    with mock_kms():
        for host in sorted(hosts):
            # No operation, unsigned: answered with a KMS error, which no network gives.
            response = requests.post(f"https://{host}/", data=b"{}", timeout=5)
            assert response.status_code == 400, host
            assert response.json()["__type"] == "UnknownOperationException", host


@pytest.mark.parametrize(
    "url",
    [
        "https://kms.us-east-1.amazonaws.com.example.com/",
        "https://notkms.us-east-1.amazonaws.com/",
        "https://s3.us-east-1.amazonaws.com/",
        "https://kms.us-east-1.amazonaws.co/",
        # A China region under the global suffix is no host any client produces.
        "https://kms.cn-north-1.amazonaws.com/",
        "https://kms.internal.example/",
    ],
)
def test_hosts_that_are_not_kms_pass_through(url: str) -> None:
    # The user's mock, outside, sees the request: kmsmock did not answer it.
    with responses.RequestsMock() as outside, mock_kms():
        with pytest.raises(requests.ConnectionError) as error:
            kms_post(url, "ListKeys")
        assert refused_by(error)
        assert [call.request.url for call in outside.calls] == [url]


# -- endpoints the user registers ---------------------------------------------------------


def test_a_registered_endpoint_is_answered() -> None:
    custom = "https://kms.internal.example/"
    with mock_kms(endpoints=[custom]) as kms:
        assert kms.endpoints == (custom,)
        response = kms_post(custom, "CreateKey", {"Description": "internal"})
        assert response.status_code == 200, response.text
        assert [key.description for key in kms.keys()] == ["internal"]


def test_a_registered_endpoint_with_a_port_and_path_covers_that_path_only(
    local_server: str,
) -> None:
    with mock_kms(endpoints=[f"{local_server}/kms"]) as kms:
        for path in ("/kms", "/kms/", "/kms/anything"):
            assert kms_post(local_server + path, "CreateKey").status_code == 200
        assert len(kms.keys()) == 3
        for path in ("/kmsx", "/other", "/"):
            response = requests.post(local_server + path, data=b"to the server", timeout=5)
            assert response.status_code == 203
            assert response.json()["path"] == path


def test_an_endpoint_of_an_outer_mock_is_answered_by_the_innermost() -> None:
    custom = "https://kms.internal.example"
    with mock_kms(endpoints=[custom]) as outer, mock_kms() as inner:
        assert kms_post(custom + "/", "CreateKey").status_code == 200
        assert (len(inner.keys()), len(outer.keys())) == (1, 0)


def test_a_decorated_function_gets_the_endpoints_of_its_decorator() -> None:
    @mock_kms(endpoints=["https://kms.internal.example"])
    def create() -> int:
        kms_post("https://kms.internal.example/", "CreateKey")
        return len(kmsmock.current().keys())

    assert create() == 1


@pytest.mark.kms(endpoints=["https://kms.internal.example"])
def test_the_kms_marker_takes_endpoints(kms: MockKMS) -> None:
    assert kms_post("https://kms.internal.example/", "CreateKey").status_code == 200
    assert len(kms.keys()) == 1


@pytest.mark.parametrize(
    ("endpoints", "error"),
    [
        ("https://kms.internal.example", TypeError),
        ([b"https://kms.internal.example"], TypeError),
        ([None], TypeError),
        (["kms.internal.example"], ValueError),
        (["ftp://kms.internal.example"], ValueError),
        (["https://"], ValueError),
        (["https://kms.internal.example:notaport"], ValueError),
        (["https://kms.internal.example/?q=1"], ValueError),
        (["https://user@kms.internal.example/"], ValueError),
    ],
)
def test_endpoints_option_is_checked_when_the_mock_is_made(endpoints: Any, error: type) -> None:
    with pytest.raises(error, match="endpoint"):
        mock_kms(endpoints=endpoints)


# -- everything else is untouched -----------------------------------------------------------


def test_other_requests_reach_the_network_as_sent(local_server: str) -> None:
    with mock_kms():
        got = requests.get(f"{local_server}/path?q=1", headers={"X-Test": "get"}, timeout=5)
        assert got.status_code == 203
        assert got.headers["X-Echo"] == "yes"
        assert got.json() == {"method": "GET", "path": "/path?q=1", "body": "", "header": "get"}
        # A file body arrives byte for byte.
        body = io.BytesIO(b"file \xff body")
        sent = requests.put(f"{local_server}/upload", data=body, timeout=5)
        assert sent.json()["body"] == "file \xff body"


# -- the user's own responses mocks -----------------------------------------------------------


def test_user_mock_started_before_the_activation() -> None:
    with responses.RequestsMock() as user:
        user.add(responses.GET, USER_URL, json={"from": "user"})
        with mock_kms() as kms:
            assert requests.get(USER_URL, timeout=5).json() == {"from": "user"}
            assert kms_post(KMS_URL, "CreateKey").status_code == 200
            # kmsmock hands what it does not answer to the user's mock, which refuses
            # what it has no registration for: no request reaches the network.
            with pytest.raises(requests.ConnectionError) as error:
                requests.get("https://unregistered.example/", timeout=5)
            assert refused_by(error)
            assert len(kms.keys()) == 1
        assert requests.get(USER_URL, timeout=5).json() == {"from": "user"}
        urls = [call.request.url for call in user.calls]
    assert urls == [USER_URL, "https://unregistered.example/", USER_URL]


def test_user_mock_started_during_the_activation() -> None:
    with mock_kms() as kms:
        with responses.RequestsMock() as user:
            user.add(responses.GET, USER_URL, json={"from": "user"})
            assert requests.get(USER_URL, timeout=5).json() == {"from": "user"}
            assert kms_post(KMS_URL, "CreateKey").status_code == 200
            # The user's mock keeps its own rule for what it does not know.
            with pytest.raises(requests.ConnectionError) as error:
                requests.get("https://unregistered.example/", timeout=5)
            assert refused_by(error)
            urls = [call.request.url for call in user.calls]
        assert urls == [USER_URL, "https://unregistered.example/"]
        # The user's mock has stopped; kmsmock still answers.
        assert kms_post(KMS_URL, "ListKeys").status_code == 200
        assert len(kms.keys()) == 1


def test_a_user_passthrough_for_kms_does_not_reach_aws() -> None:
    with mock_kms() as kms, responses.RequestsMock() as user:
        user.add_passthru("https://kms.")
        assert kms_post(KMS_URL, "CreateKey").status_code == 200
        assert len(kms.keys()) == 1


@responses.activate
def test_responses_activate_inside_the_kms_fixture(kms: MockKMS) -> None:
    responses.add(responses.GET, USER_URL, json={"from": "user"})
    assert requests.get(USER_URL, timeout=5).json() == {"from": "user"}
    assert kms_post(KMS_URL, "CreateKey").status_code == 200
    assert len(kms.keys()) == 1
    assert [call.request.url for call in responses.calls] == [USER_URL]


# -- after the mock stops -----------------------------------------------------------------------


def test_kms_hosts_are_not_intercepted_after_the_mock_stops() -> None:
    original = HTTPAdapter.send
    with responses.RequestsMock() as user:
        user.add(responses.POST, KMS_URL, json={"from": "user"})
        with mock_kms():
            assert "KeyMetadata" in kms_post(KMS_URL, "CreateKey").json()
        assert kms_post(KMS_URL, "CreateKey").json() == {"from": "user"}
    assert HTTPAdapter.send is original

    # A user's mock started after the activation ended sees KMS requests too.
    with mock_kms():
        pass
    with responses.RequestsMock() as user:
        user.add(responses.POST, KMS_URL, json={"from": "user"})
        assert kms_post(KMS_URL, "CreateKey").json() == {"from": "user"}
    assert HTTPAdapter.send is original


def test_user_mock_outliving_the_activation_gets_kms_requests_afterwards() -> None:
    original = HTTPAdapter.send
    kms = mock_kms().start()
    user = responses.RequestsMock()
    user.start()
    try:
        user.add(responses.POST, KMS_URL, json={"from": "user"})
        assert "KeyMetadata" in kms_post(KMS_URL, "CreateKey").json()
        kms.stop()
        assert kms_post(KMS_URL, "CreateKey").json() == {"from": "user"}
    finally:
        user.stop()
    # Stopped out of order, the user's mock put back kmsmock's patch, which passes every
    # request on; the next activation's end removes it.
    with mock_kms():
        pass
    assert HTTPAdapter.send is original


# -- requests or responses imported during an activation ------------------------------------


def _run(script: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


_SIGN = """
    import json
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    def signed(operation):
        request = AWSRequest(
            method="POST",
            url="https://kms.us-east-1.amazonaws.com/",
            data=b"{}",
            headers={"X-Amz-Target": "TrentService." + operation},
        )
        SigV4Auth(Credentials("testing", "testing"), "kms", "us-east-1").add_auth(request)
        return request.body, dict(request.headers.items())
"""


def test_requests_imported_during_an_activation_is_covered() -> None:
    output = _run(
        _SIGN
        + """
    import sys
    import kmsmock

    with kmsmock.mock_kms() as kms:
        # Starting a mock imports neither.
        assert "requests" not in sys.modules and "responses" not in sys.modules
        import requests

        body, headers = signed("CreateKey")
        response = requests.post("https://kms.us-east-1.amazonaws.com/", data=body,
                                 headers=headers, timeout=5)
        print(response.status_code, len(kms.keys()))
    from requests.adapters import HTTPAdapter
    # requests keeps its own loader, and its send once the mock stops.
    print(type(requests.__loader__).__name__, HTTPAdapter.send.__module__)
    """
    )
    assert output.split() == ["200", "1", "SourceFileLoader", "requests.adapters"]


def test_responses_imported_during_an_activation_leaves_kms_to_kmsmock() -> None:
    output = _run(
        _SIGN
        + """
    import sys
    import requests
    import kmsmock

    with kmsmock.mock_kms() as kms:
        assert "responses" not in sys.modules
        import responses

        with responses.RequestsMock() as user:
            user.add(responses.GET, "https://api.example.com/", body="user")
            body, headers = signed("CreateKey")
            answer = requests.post("https://kms.us-east-1.amazonaws.com/", data=body,
                                   headers=headers, timeout=5)
            print(answer.status_code, requests.get("https://api.example.com/").text)
        print(len(kms.keys()))
    """
    )
    assert output.split() == ["200", "user", "1"]
