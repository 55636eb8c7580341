"""No call escapes (issue 12): while any mock is active, no KMS request from any botocore
client in the process reaches the network, and neither does the credential resolution of
a KMS client made meanwhile.

Every test here runs under a guard (``tests/_escape_guard.py``) that records and refuses
each connect and DNS lookup, so an escape both fails loudly and is counted. Routes that
need a process of their own (a session made before ``import kmsmock``) or a pytest run of
their own (``setUpClass``, decorated yield fixtures, the marker alone) install the same
guard there.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.credentials
import botocore.tokens
import pytest
from botocore.exceptions import EndpointConnectionError

from kmsmock import mock_kms
from kmsmock.server import ThreadedKMSServer
from tests._escape_guard import NetworkGuard
from tests._helpers import client_of

TESTS = Path(__file__).resolve().parent
REGION = "us-east-1"
# Real-looking values (AWS's documentation examples): what a developer's shell holds.
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN"
METADATA_HOST = "169.254.169.254"
CONTAINER_URI = "http://169.254.170.2/creds"
PYTEST_ARGS = ("-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:randomly")


@pytest.fixture(autouse=True)
def guard(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[NetworkGuard]:
    """The network off, and nothing of the developer's or CI's AWS setup in reach."""
    for name in [name for name in os.environ if name.startswith("AWS_")] + ["BOTO_CONFIG"]:
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "empty-aws-file"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    # One attempt per call: a refused connection is not retried after backoff sleeps.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("HOME", str(tmp_path))
    # boto3's default session caches what it resolved; each test starts without one.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    with NetworkGuard() as network:
        yield network


def _round_trip(client: Any) -> str:
    """Create a key and round-trip a secret through it; the key's id."""
    key_id: str = client.create_key()["KeyMetadata"]["KeyId"]
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
    return key_id


def _client_of(service: str) -> Any:
    """A client of another service, with keys of its own."""
    return boto3.Session().client(
        service,  # type: ignore[call-overload]
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


# -- the guard, and non-KMS traffic -------------------------------------------------------


def test_non_kms_calls_are_untouched_and_the_guard_stops_them(guard: NetworkGuard) -> None:
    # Proves the guard sees botocore's traffic: S3 and STS calls made while a mock is
    # active go to the network (kmsmock leaves them alone) and are refused there.
    with mock_kms() as kms:
        s3, sts = _client_of("s3"), _client_of("sts")
        with pytest.raises(EndpointConnectionError):
            s3.list_buckets()
        with pytest.raises(EndpointConnectionError):
            sts.get_caller_identity()
        key_id = _round_trip(boto3.client("kms", region_name=REGION))
        assert [key.key_id for key in kms.keys()] == [key_id]
    hosts = [attempt.split(" ")[1] for attempt in guard.attempts]
    assert any(host.startswith("s3.") for host in hosts), guard.attempts
    assert any(host.startswith("sts.") for host in hosts), guard.attempts
    assert [host for host in hosts if not host.startswith(("s3.", "sts."))] == []


# -- clients made before the mock, custom endpoints, in-process servers ----------------------


def test_clients_made_before_the_mock_are_answered_by_the_innermost(guard: NetworkGuard) -> None:
    with_keys = boto3.client(
        "kms", region_name=REGION, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY
    )
    # Nothing to find in the environment or the (empty) files: botocore went on to the
    # instance metadata service, which the guard refused, so this client has no
    # credentials at all. That attempt was made before any mock, which is allowed.
    without_credentials = boto3.client("kms", region_name=REGION)
    assert guard.attempts
    assert all(METADATA_HOST in attempt for attempt in guard.attempts), guard.attempts
    guard.attempts.clear()
    with mock_kms(account="111111111111") as outer, mock_kms(account="222222222222") as inner:
        made = [_round_trip(with_keys), _round_trip(without_credentials)]
        # Activation is process-wide: another thread's call is answered too.
        with ThreadPoolExecutor(1) as pool:
            made.append(pool.submit(_round_trip, without_credentials).result())
        assert [key.key_id for key in inner.keys()] == made
        assert outer.keys() == []
    assert guard.attempts == []


# LocalStack's (given in the code or, as its users often do, in the environment), a VPC
# endpoint's, a company proxy's.
ENDPOINTS = (
    "http://localhost:4566",
    "http://127.0.0.1:4566",
    "https://vpce-0a1b2c3d4e5f67890-abcdefgh.kms.us-east-1.vpce.amazonaws.com",
    "https://kms.internal.example",
)


def test_clients_with_a_custom_endpoint_are_answered_by_the_mock(
    guard: NetworkGuard, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = boto3.Session()
    with mock_kms() as kms:
        made = [
            _round_trip(session.client("kms", region_name=REGION, endpoint_url=endpoint))
            for endpoint in ENDPOINTS
        ]
        for variable in ("AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL"):
            with monkeypatch.context() as environment:
                environment.setenv(variable, "http://localhost:4566")
                client = session.client("kms", region_name=REGION)
                assert client.meta.endpoint_url == "http://localhost:4566"
                made.append(_round_trip(client))
        assert [key.key_id for key in kms.keys()] == made
    assert guard.attempts == []


def test_a_client_pointed_at_an_in_process_server_reaches_that_server(
    guard: NetworkGuard,
) -> None:
    # The one exception: the server's loopback address is let through, nothing else.
    with ThreadedKMSServer() as server, mock_kms() as local:
        port = urlsplit(server.endpoint_url).port
        assert port is not None
        guard.allow("127.0.0.1", port)
        remote = client_of(server.endpoint_url, REGION)
        key_id = _round_trip(remote)
        assert [key.key_id for key in server.mock.keys()] == [key_id]
        assert local.keys() == []
    assert guard.attempts == []


# -- sessions made before `import kmsmock` (a process of their own) ----------------------------

_CHILD = """
import json
import sys

sys.path.insert(0, sys.argv[1])
from _escape_guard import NetworkGuard

guard = NetworkGuard()
guard.install()

import boto3
import botocore.session

# Sessions, and clients, made before kmsmock is imported: they lack its event hooks.
old_boto3 = boto3.Session(region_name="us-east-1")
old_botocore = botocore.session.get_session()
made_before_import = old_boto3.client("kms")
default_before_import = boto3.client("kms", region_name="us-east-1")
imported = sorted(name for name in sys.modules if name.startswith("kmsmock"))

import kmsmock

made_before_mock = old_botocore.create_client("kms", region_name="us-east-1")
before_mock = list(guard.attempts)
guard.attempts.clear()


def round_trip(client):
    try:
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
        plaintext = client.decrypt(CiphertextBlob=blob)["Plaintext"]
        mine = [key.key_id for key in kmsmock.current().keys()]
        return "answered" if plaintext == b"secret" and key_id in mine else "wrong answer"
    except Exception as error:
        return f"{type(error).__name__}: {error}"


results = {}
with kmsmock.mock_kms():
    results["boto3 session, client made before import"] = round_trip(made_before_import)
    results["boto3 default session, client made before import"] = round_trip(
        default_before_import
    )
    results["botocore session, client made before the mock"] = round_trip(made_before_mock)
    results["boto3 session, client made in the mock"] = round_trip(old_boto3.client("kms"))
    results["botocore session, client made in the mock"] = round_trip(
        old_botocore.create_client("kms", region_name="us-east-1")
    )
    results["boto3 default session, client made in the mock"] = round_trip(
        boto3.client("kms", region_name="us-east-1")
    )
print(
    json.dumps(
        {
            "imported": imported,
            "before_mock": before_mock,
            "results": results,
            "attempts": guard.attempts,
        }
    )
)
"""


def test_sessions_made_before_import_kmsmock_are_answered(tmp_path: Path) -> None:
    # The guard fixture left this process's environment without AWS_* variables (and with
    # AWS_EC2_METADATA_DISABLED unset, so botocore tries the metadata service), with empty
    # config files and one attempt per call; the children inherit that. They run at once.
    variants = {
        "static in the environment": {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        },
        "none at all": {},
    }
    children = {
        name: subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(TESTS)],
            cwd=tmp_path,
            env={**os.environ, **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, extra in variants.items()
    }
    outputs = {}
    try:
        for name, child in children.items():
            outputs[name] = child.communicate(timeout=120)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.kill()
                child.communicate()
    reports = {}
    for name, (out, err) in outputs.items():
        assert children[name].returncode == 0, f"{name}: {err}"
        reports[name] = json.loads(out)
    for name, report in reports.items():
        assert report["imported"] == [], name  # the sessions really predate kmsmock
        assert len(report["results"]) == 6
        assert report["results"] == dict.fromkeys(report["results"], "answered"), name
        assert report["attempts"] == [], name
    # Proves the children's guard: without credentials botocore tried the metadata service
    # when the first clients were made, before any mock.
    assert reports["none at all"]["before_mock"]
    assert all(METADATA_HOST in attempt for attempt in reports["none at all"]["before_mock"])
    assert reports["static in the environment"]["before_mock"] == []


# -- credential resolution of clients made while a mock is active ------------------------------

ROLE = "arn:aws:iam::123456789012:role/escape"
SSO_START_URL = "https://escape.awsapps.com/start"
SSO_SESSION = "escape"


@pytest.fixture
def profiles(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An AWS config file whose profiles each get credentials some way that leaves the
    process; the path of the file the credential_process writes if it is ever run."""
    marker = tmp_path / "credential_process-ran"
    script = tmp_path / "credential_process.py"
    script.write_text(
        "import json, pathlib, sys\n"
        "pathlib.Path(sys.argv[1]).write_text('ran')\n"
        'print(json.dumps({"Version": 1, "AccessKeyId": "AKIAPROCESSEXAMPLE01",'
        ' "SecretAccessKey": "process-secret"}))\n'
    )
    token = tmp_path / "web-identity-token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl")
    config = tmp_path / "aws-config"
    config.write_text(
        textwrap.dedent(
            f"""\
            [profile base]
            aws_access_key_id = AKIABASEEXAMPLE00001
            aws_secret_access_key = base-secret

            [profile process]
            credential_process = "{sys.executable}" "{script}" "{marker}"

            [profile assume]
            role_arn = {ROLE}
            source_profile = base

            [profile metadata_role]
            role_arn = {ROLE}
            credential_source = Ec2InstanceMetadata

            [profile container_role]
            role_arn = {ROLE}
            credential_source = EcsContainer

            [profile web_identity]
            role_arn = {ROLE}
            web_identity_token_file = {token}

            [profile sso]
            sso_start_url = {SSO_START_URL}
            sso_region = us-east-1
            sso_account_id = 123456789012
            sso_role_name = Escape

            [profile sso_session]
            sso_session = {SSO_SESSION}
            sso_account_id = 123456789012
            sso_role_name = Escape

            [sso-session {SSO_SESSION}]
            sso_start_url = {SSO_START_URL}
            sso_region = us-east-1
            sso_registration_scopes = sso:account:access

            [profile nothing]
            region = us-east-1
            """
        )
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    # Cached SSO tokens, valid for decades, so the SSO providers would go straight to
    # the network (GetRoleCredentials) rather than fail for want of a login. botocore
    # fixes the cache directory at import, from the real home: pointed here instead.
    cache = tmp_path / "sso-cache"
    cache.mkdir()
    cached = {
        "startUrl": SSO_START_URL,
        "region": "us-east-1",
        "accessToken": "sso-access-token",
        "expiresAt": "2099-01-01T00:00:00Z",
    }
    for name in (SSO_START_URL, SSO_SESSION):
        key = hashlib.sha1(name.encode("utf-8")).hexdigest()
        (cache / f"{key}.json").write_text(json.dumps(cached))
    monkeypatch.setattr(botocore.credentials.SSOProvider, "_SSO_TOKEN_CACHE_DIR", str(cache))
    monkeypatch.setattr(botocore.tokens.SSOTokenProvider, "_SSO_TOKEN_CACHE_DIR", str(cache))
    return marker


_FULL_URI = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": CONTAINER_URI}
_RELATIVE_URI = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/escape"}


_BY_NAME = "profile_name"
# With AWS_PROFILE botocore keeps its environment provider first, which finds the mock's
# "testing" keys; a few cases pin that this stays so.
_BY_VARIABLE = "AWS_PROFILE"


@pytest.mark.parametrize(
    ("profile", "environment", "chosen_by"),
    [
        pytest.param("process", {}, _BY_NAME, id="credential_process"),
        pytest.param("assume", {}, _BY_NAME, id="assume-role"),
        pytest.param("metadata_role", {}, _BY_NAME, id="assume-role-from-instance-metadata"),
        pytest.param("container_role", _FULL_URI, _BY_NAME, id="assume-role-from-container"),
        pytest.param("web_identity", {}, _BY_NAME, id="web-identity"),
        pytest.param("sso", {}, _BY_NAME, id="sso"),
        pytest.param("sso_session", {}, _BY_NAME, id="sso-session"),
        pytest.param("nothing", _FULL_URI, _BY_NAME, id="container-full-uri"),
        pytest.param("nothing", _RELATIVE_URI, _BY_NAME, id="container-relative-uri"),
        pytest.param("nothing", {}, _BY_NAME, id="instance-metadata"),
        pytest.param("process", {}, _BY_VARIABLE, id="credential_process-AWS_PROFILE"),
        pytest.param("assume", {}, _BY_VARIABLE, id="assume-role-AWS_PROFILE"),
        pytest.param("sso", {}, _BY_VARIABLE, id="sso-AWS_PROFILE"),
    ],
)
def test_credential_resolution_in_a_mock_never_leaves_the_process(
    guard: NetworkGuard,
    profiles: Path,
    monkeypatch: pytest.MonkeyPatch,
    chosen_by: str,
    profile: str,
    environment: dict[str, str],
) -> None:
    # boto3.Session(profile_name=...) takes botocore's environment provider out of the
    # chain, so the "testing" keys a mock puts in the environment do not help there.
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    if chosen_by == _BY_VARIABLE:
        monkeypatch.setenv("AWS_PROFILE", profile)
        session = boto3.Session()
    else:
        session = boto3.Session(profile_name=profile)
    with mock_kms() as kms:
        key_id = _round_trip(session.client("kms", region_name=REGION))
        assert [key.key_id for key in kms.keys()] == [key_id]
    assert guard.attempts == []
    assert not profiles.exists(), "the credential_process ran"


def test_static_session_keys_then_the_environments_then_fake_ones(
    guard: NetworkGuard, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Which credentials a client made in a mock signs with, whatever the profile says.
    with mock_kms() as kms:
        alice, bob = kms.user("alice"), kms.user("bob")
        static = boto3.Session(
            profile_name="process",
            aws_access_key_id=alice.access_key_id,
            aws_secret_access_key=alice.secret_access_key,
        )
        static.client("kms", region_name=REGION).list_keys()
        with monkeypatch.context() as environment:
            environment.setenv("AWS_ACCESS_KEY_ID", bob.access_key_id)
            environment.setenv("AWS_SECRET_ACCESS_KEY", bob.secret_access_key)
            for name in ("process", "assume"):
                boto3.Session(profile_name=name).client("kms", region_name=REGION).list_keys()
        # The mock's "testing" keys again: unknown, so the account's root.
        boto3.Session(profile_name="sso").client("kms", region_name=REGION).list_keys()
        principals = [call.principal for call in kms.calls]
        assert principals == [alice.arn, bob.arn, bob.arn, kms.root().arn]
    assert guard.attempts == []
    assert not profiles.exists(), "the credential_process ran"


# -- the environment's credentials: fake while active, restored exactly after ----------------

_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
)
Environment = dict[str, "str | None"]


def _environment() -> Environment:
    return {name: os.environ.get(name) for name in _VARIABLES}


def _set_environment(monkeypatch: pytest.MonkeyPatch, values: Environment) -> Environment:
    for name in _VARIABLES:
        value = values.get(name)
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return _environment()


REAL: Environment = {
    "AWS_ACCESS_KEY_ID": ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    "AWS_SESSION_TOKEN": SESSION_TOKEN,
    "AWS_SECURITY_TOKEN": SESSION_TOKEN,
}


@pytest.mark.parametrize(
    "before",
    [
        pytest.param(REAL, id="real-looking"),
        pytest.param(
            {
                "AWS_ACCESS_KEY_ID": "",
                "AWS_SECRET_ACCESS_KEY": "",
                "AWS_SESSION_TOKEN": "",
                "AWS_REGION": "eu-central-1",
            },
            id="empty",
        ),
        pytest.param(
            {
                "AWS_SECRET_ACCESS_KEY": "secret-only",
                "AWS_SECURITY_TOKEN": "",
                "AWS_DEFAULT_REGION": "ap-south-1",
            },
            id="half-a-pair",
        ),
        pytest.param({}, id="nothing"),
    ],
)
def test_credentials_in_the_environment_are_fake_while_active_and_restored_exactly(
    monkeypatch: pytest.MonkeyPatch, before: Environment
) -> None:
    before = _set_environment(monkeypatch, before)
    expected = {
        **before,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": None,
        "AWS_SECURITY_TOKEN": None,
    }
    if not (before["AWS_DEFAULT_REGION"] or before["AWS_REGION"]):
        expected["AWS_DEFAULT_REGION"] = "eu-west-1"
    with mock_kms(region="eu-west-1"):
        assert _environment() == expected
    # An absent variable absent again, an empty one empty.
    assert _environment() == before


def test_keep_credentials_keeps_a_complete_pair_and_its_tokens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = _set_environment(monkeypatch, REAL)
    with mock_kms(region="eu-west-1", keep_credentials=True):
        assert _environment() == {**before, "AWS_DEFAULT_REGION": "eu-west-1"}
    assert _environment() == before


@pytest.mark.parametrize(
    ("access_key", "secret_key"),
    [(None, None), ("", ""), (ACCESS_KEY, None), ("", SECRET_KEY)],
)
def test_keep_credentials_still_replaces_an_incomplete_pair(
    monkeypatch: pytest.MonkeyPatch, access_key: str | None, secret_key: str | None
) -> None:
    # Half a pair is no pair: botocore would go on down its chain to the network.
    values = {"AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key}
    before = _set_environment(monkeypatch, values)
    with mock_kms(keep_credentials=True):
        assert os.environ["AWS_ACCESS_KEY_ID"] == os.environ["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert _environment() == before


def test_the_outermost_mock_decides_the_environment_and_restores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = _set_environment(monkeypatch, REAL)
    with mock_kms(region="eu-west-1"):
        faked = _environment()
        assert faked["AWS_ACCESS_KEY_ID"] == "testing"
        with mock_kms(region="sa-east-1", keep_credentials=True):
            assert _environment() == faked
        assert _environment() == faked
    assert _environment() == before
    with mock_kms(region="eu-west-1", keep_credentials=True):
        kept = _environment()
        assert kept == {**before, "AWS_DEFAULT_REGION": "eu-west-1"}
        with mock_kms(region="sa-east-1"):
            assert _environment() == kept
        assert _environment() == kept
    assert _environment() == before


# -- the pytest routes (a pytest run of their own, guarded by a generated conftest.py) --------

_GUARD_CONFTEST = """
import json
import sys

sys.path.insert(0, {tests!r})
from _escape_guard import NetworkGuard

_guard = NetworkGuard()
_guard.install()


def pytest_unconfigure(config):
    _guard.uninstall()
    with open({attempts!r}, "w") as file:
        json.dump(_guard.attempts, file)
"""

# Appended to each generated module: proves the run's guard was on and recording.
_GUARD_CHECK = """

def test_zz_the_guard_is_on():
    import boto3
    import pytest
    from botocore.exceptions import EndpointConnectionError

    s3 = boto3.client(
        "s3", region_name="us-east-1", aws_access_key_id="AKIA0", aws_secret_access_key="x"
    )
    with pytest.raises(EndpointConnectionError):
        s3.list_buckets()
"""


def _run_guarded(pytester: pytest.Pytester, module: str) -> pytest.RunResult:
    attempts = pytester.path / "attempts.json"
    pytester.makeconftest(_GUARD_CONFTEST.format(tests=str(TESTS), attempts=str(attempts)))
    pytester.makepyfile(textwrap.dedent(module) + _GUARD_CHECK)
    result = pytester.runpytest(*PYTEST_ARGS)
    recorded: list[str] = json.loads(attempts.read_text())
    hosts = [attempt.split(" ")[1] for attempt in recorded]
    assert hosts, "the run's guard recorded nothing: it was not on"
    # Only the guard check's S3 call tried the network.
    assert [host for host in hosts if not host.startswith("s3.")] == [], recorded
    return result


def test_mock_kms_on_a_test_case_with_set_up_class_spans_the_class(
    pytester: pytest.Pytester,
) -> None:
    # setUpClass's calls are answered, and the tests and the class's teardown see its key.
    result = _run_guarded(
        pytester,
        """
        import unittest

        import boto3
        import pytest

        import kmsmock
        from kmsmock import mock_kms

        events = []


        @mock_kms(region="eu-west-1")
        class TestKeys(unittest.TestCase):
            @classmethod
            def setUpClass(cls):
                cls.client = boto3.client("kms", region_name="eu-west-1")
                cls.key_id = cls.client.create_key()["KeyMetadata"]["KeyId"]
                cls.addClassCleanup(cls.clean_up)

            @classmethod
            def clean_up(cls):
                state = cls.client.describe_key(KeyId=cls.key_id)["KeyMetadata"]["KeyState"]
                events.append(("class cleanup", state))

            @classmethod
            def tearDownClass(cls):
                cls.client.schedule_key_deletion(KeyId=cls.key_id, PendingWindowInDays=7)
                events.append(("tearDownClass", len(kmsmock.current().keys())))

            def test_encrypts_with_the_class_key(self):
                blob = self.client.encrypt(KeyId=self.key_id, Plaintext=b"x")["CiphertextBlob"]
                self.assertEqual(self.client.decrypt(CiphertextBlob=blob)["Plaintext"], b"x")

            def test_sees_the_class_key(self):
                self.assertEqual([k.key_id for k in kmsmock.current().keys()], [self.key_id])
                boto3.client("kms", region_name="eu-west-1").describe_key(KeyId=self.key_id)


        class Base(unittest.TestCase):
            @classmethod
            def setUpClass(cls):
                client = boto3.client("kms", region_name="us-east-1")
                cls.key_id = client.create_key()["KeyMetadata"]["KeyId"]


        @mock_kms
        class TestInherited(Base):
            def test_sees_the_inherited_key(self):
                self.assertEqual([k.key_id for k in kmsmock.current().keys()], [self.key_id])


        def test_after_the_classes():
            assert events == [("tearDownClass", 1), ("class cleanup", "PendingDeletion")]
            with pytest.raises(RuntimeError, match="no mock_kms is active"):
                kmsmock.current()
        """,
    )
    result.assert_outcomes(passed=5)


def test_mock_kms_on_yield_fixtures_spans_their_life(pytester: pytest.Pytester) -> None:
    result = _run_guarded(
        pytester,
        """
        import boto3
        import pytest

        import kmsmock
        from kmsmock import mock_kms

        events = []


        @pytest.fixture
        @mock_kms
        def key_id():
            client = boto3.client("kms", region_name="us-east-1")
            key_id = client.create_key()["KeyMetadata"]["KeyId"]
            yield key_id
            events.append(client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"])


        def test_uses_the_fixture_key(key_id):
            boto3.client("kms", region_name="us-east-1").disable_key(KeyId=key_id)
            assert kmsmock.current().key(key_id).state.value == "Disabled"


        def test_the_fixture_teardown_ran_inside_the_mock():
            assert events == ["Disabled"]
            with pytest.raises(RuntimeError, match="no mock_kms is active"):
                kmsmock.current()


        @pytest.fixture(scope="module")
        @mock_kms(region="eu-west-1")
        def shared_key_id():
            client = boto3.client("kms", region_name="eu-west-1")
            yield client.create_key()["KeyMetadata"]["KeyId"]


        def test_module_fixture_first(shared_key_id):
            client = boto3.client("kms", region_name="eu-west-1")
            client.encrypt(KeyId=shared_key_id, Plaintext=b"x")


        def test_module_fixture_second_is_the_same_mock(shared_key_id):
            operations = [call.operation for call in kmsmock.current().calls]
            assert operations == ["CreateKey", "Encrypt"]
        """,
    )
    result.assert_outcomes(passed=5)


def test_the_kms_marker_alone_activates_a_mock(pytester: pytest.Pytester) -> None:
    result = _run_guarded(
        pytester,
        """
        import boto3
        import pytest

        import kmsmock


        @pytest.mark.kms(region="ap-southeast-2", account="111122223333")
        def test_marker_alone():
            client = boto3.client("kms", region_name="ap-southeast-2")
            arn = client.create_key()["KeyMetadata"]["Arn"]
            assert arn.startswith("arn:aws:kms:ap-southeast-2:111122223333:key/")
            assert len(kmsmock.current().keys()) == 1


        @pytest.mark.kms
        class TestMarkedClass:
            def test_in_a_marked_class(self):
                boto3.client("kms", region_name="us-east-1").create_key()
                assert len(kmsmock.current().keys()) == 1


        def test_unmarked_has_no_mock():
            with pytest.raises(RuntimeError, match="no mock_kms is active"):
                kmsmock.current()


        def test_the_fixture_is_kms_mock(kms_mock):
            assert kms_mock is kmsmock.current()


        def test_the_plugin_has_no_fixture_named_kms(kms):
            pass
        """,
    )
    result.assert_outcomes(passed=5, errors=1)
    result.stdout.fnmatch_lines(["*fixture 'kms' not found*"])
