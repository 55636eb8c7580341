"""Real KMS clients against ``kmsmock serve``: the AWS CLI, the AWS Encryption SDK CLI
and the AWS SDK for JavaScript v3.

These clients are not Python libraries this suite controls: each parses, signs and
retries on its own, so they show that the server speaks KMS's wire protocol, not just
what botocore's in-process pipeline accepts. Each runs in a subprocess against a
``kmsmock serve`` subprocess on a free loopback port.

The tools live outside the project's virtualenv (the AWS CLI pins botocore exactly, the
Encryption SDK CLI pins an older aws-encryption-sdk); ``.ci/clients-setup`` installs
them. A missing tool skips its tests with the reason, except when ``CI`` is set: CI
installs them first, so a missing one there is a failure, never a silent skip.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

# Each test starts a client process (and the first a server): about half a minute in
# all, and the tools come from .ci/clients-setup. CI runs them (--run-slow).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = ROOT / ".venv-clients"
REGION = "us-east-1"
ACCOUNT = "123456789012"
# Generous: a cold start imports botocore's service model on a loaded 2-core machine.
START_SECONDS = 30.0
# Every client call is bounded, so a hung client fails its test instead of CI.
CALL_SECONDS = 60.0


def _missing(reason: str) -> None:
    """Skip, or fail under CI, where .ci/clients-setup has installed every tool."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so a missing tool fails)", pytrace=False)
    pytest.skip(f"{reason}; run .ci/clients-setup to install it")


def _tool(variable: str, default: Path, what: str) -> Path:
    """The executable named by ``variable``, else ``default``; skip or fail if absent."""
    configured = os.environ.get(variable)
    path = Path(configured) if configured else default
    if not (path.is_file() and os.access(path, os.X_OK)):
        _missing(f"{what} not found at {path} (set {variable} to use another)")
    return path


# -- the server ------------------------------------------------------------------------


@dataclass
class Served:
    """A running ``kmsmock serve`` subprocess."""

    url: str
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def control(self, method: str, route: str, document: Mapping[str, Any] | None = None) -> Any:
        """Call the control API; its JSON answer."""
        data = None if document is None else json.dumps(document).encode("utf-8")
        request = urllib.request.Request(f"{self.url}/_kmsmock/{route}", data=data, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def operations(self) -> list[tuple[str, str, str | None]]:
        """The journal as (principal, operation, error), oldest first."""
        return [
            (call["principal"], call["operation"], call["error"])
            for call in self.control("GET", "calls")
        ]

    def user(self, name: str, actions: list[str]) -> dict[str, str]:
        """Declare an IAM user allowed ``actions`` on every key; its credentials."""
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
        }
        answer: dict[str, str] = self.control(
            "POST", "principals", {"kind": "user", "name": name, "policy": policy}
        )
        return answer


def _serve_command() -> list[str]:
    # The console script the package installs, next to this interpreter; `python -m`
    # where the package was not installed with its scripts.
    script = Path(sys.executable).with_name("kmsmock")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "kmsmock"]


def _start(directory: Path) -> Served:
    # stdout and stderr go to files, not pipes: nothing has to drain them while the
    # clients run, and there is no pipe left open for the warnings filter to catch.
    stdout, stderr = directory / "serve.out", directory / "serve.err"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [*_serve_command(), "serve", "--host", "127.0.0.1", "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    deadline = time.monotonic() + START_SECONDS
    prefix = "kmsmock: serving KMS at "
    while time.monotonic() < deadline:
        first = stdout.read_text("utf-8").partition("\n")
        if first[1]:
            assert first[0].startswith(prefix), first[0]
            return Served(first[0][len(prefix) :], process, stdout, stderr)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise AssertionError(
        f"kmsmock serve did not start (exit {process.returncode}): "
        f"{stderr.read_text('utf-8', 'replace')}"
    )


def _stop(served: Served) -> None:
    served.process.send_signal(signal.SIGTERM)
    try:
        code = served.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait()
        raise AssertionError("kmsmock serve ignored SIGTERM for 15 s") from None
    errors = served.stderr.read_text("utf-8", "replace")
    assert code == 0, f"kmsmock serve exited {code}: {errors}"
    # The server writes a traceback for any request it failed to answer: a client that
    # "passed" over a 500 would otherwise go unnoticed.
    assert "Traceback" not in errors, errors
    assert served.stdout.read_text("utf-8").splitlines()[-1] == "kmsmock: stopped"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    # One server for the module (starting one costs about half a second); each test
    # starts from a reset one through the fixture below.
    server = _start(tmp_path_factory.mktemp("serve"))
    try:
        yield server
    finally:
        _stop(server)


@pytest.fixture
def server(served: Served) -> Served:
    served.control("POST", "reset", {})
    return served


@contextlib.contextmanager
def _boto3(server: Served) -> Iterator[KMSClient]:
    """A boto3 client of the server, for setup the test is not about."""
    client = boto3.client(
        "kms",
        endpoint_url=server.url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    try:
        yield client
    finally:
        # Its pooled connection would otherwise be closed by the garbage collector,
        # with a ResourceWarning that this suite turns into an error.
        client.close()


def _create_key(server: Served) -> str:
    """A new symmetric key's ARN."""
    with _boto3(server) as client:
        return client.create_key()["KeyMetadata"]["Arn"]


# -- running a client ------------------------------------------------------------------


def _client_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a client: no inherited AWS setting, no way out to AWS."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_") and name.lower() not in ("http_proxy", "https_proxy")
    }
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        # Nonexistent files: no profile of the machine's user can change a client.
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_DEFAULT_REGION=REGION,
        NO_PROXY="127.0.0.1,localhost",
    )
    env.update(extra)
    return env


def _run(
    command: list[str | Path], env: Mapping[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CALL_SECONDS,
        check=False,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (
        f"{result.args} exited {result.returncode}\nstdout: {result.stdout}\n"
        f"stderr: {result.stderr}"
    )
    return result.stdout


# -- AWS CLI v1 ------------------------------------------------------------------------


class AwsCli:
    def __init__(self, executable: Path, server: Served, env: Mapping[str, str]) -> None:
        self.executable = executable
        self.server = server
        self.env = dict(env)

    def run(self, *arguments: str | Path, env: Mapping[str, str] | None = None) -> Any:
        """The parsed JSON output of a command that must succeed."""
        return json.loads(_ok(self.attempt(*arguments, env=env)))

    def text(self, *arguments: str | Path, query: str, env: Mapping[str, str] | None = None) -> str:
        """One field of a command that must succeed, as ``--output text`` prints it."""
        result = self.attempt(*arguments, "--output", "text", "--query", query, env=env)
        return _ok(result).strip()

    def attempt(
        self, *arguments: str | Path, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        command: list[str | Path] = [self.executable, "kms", *arguments]
        command += ["--endpoint-url", self.server.url, "--region", REGION]
        return _run(command, {**self.env, **(env or {})})

    def credentials(self, user: Mapping[str, str]) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": user["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": user["aws_secret_access_key"],
        }


# The tools are found before the server starts (fixtures run in argument order), so a
# test skipped for a missing tool costs no server.
@pytest.fixture(scope="session")
def aws_cli() -> Path:
    return _tool("KMSMOCK_AWS_CLI", CLIENTS / "cli" / "bin" / "aws", "the AWS CLI")


@pytest.fixture
def aws(aws_cli: Path, server: Served, tmp_path: Path) -> AwsCli:
    return AwsCli(aws_cli, server, _client_env(tmp_path))


# AWS's answer to a request signed with the wrong secret key.
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
# Bytes no text encoding round-trips, so a client that decoded the plaintext would show.
PLAINTEXT = b"kmsmock over the wire \x00\xff\xfe\r\n"


def test_aws_cli_version(aws: AwsCli) -> None:
    # The CLI found is the v1 that .ci/clients-setup installs (v2 words some errors and
    # exit codes differently).
    result = _run([aws.executable, "--version"], aws.env)
    assert _ok(result).startswith("aws-cli/1."), result.stdout


def test_aws_cli_encrypts_and_decrypts_with_a_context(aws: AwsCli, tmp_path: Path) -> None:
    metadata = aws.run("create-key", "--description", "from the AWS CLI")["KeyMetadata"]
    assert metadata["KeyState"] == "Enabled"
    assert metadata["Description"] == "from the AWS CLI"
    arn = metadata["Arn"]
    assert arn == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{metadata['KeyId']}"

    plaintext = tmp_path / "plaintext.bin"
    plaintext.write_bytes(PLAINTEXT)
    context = "purpose=test,team=cli"
    encrypted = aws.run(
        "encrypt",
        "--key-id",
        metadata["KeyId"],
        "--plaintext",
        f"fileb://{plaintext}",
        "--encryption-context",
        context,
    )
    assert encrypted["KeyId"] == arn
    assert encrypted["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    ciphertext = tmp_path / "ciphertext.bin"
    ciphertext.write_bytes(base64.b64decode(encrypted["CiphertextBlob"]))

    decrypted = aws.text(
        "decrypt",
        "--ciphertext-blob",
        f"fileb://{ciphertext}",
        "--encryption-context",
        context,
        query="Plaintext",
    )
    assert base64.b64decode(decrypted) == PLAINTEXT

    # The context is bound to the ciphertext: without it, KMS refuses.
    refused = aws.attempt("decrypt", "--ciphertext-blob", f"fileb://{ciphertext}")
    assert refused.returncode != 0
    assert (
        "An error occurred (InvalidCiphertextException) when calling the Decrypt operation"
        in refused.stderr
    ), refused.stderr

    assert [operation for _, operation, _ in aws.server.operations()] == [
        "CreateKey",
        "Encrypt",
        "Decrypt",
        "Decrypt",
    ]


def test_aws_cli_disabled_key_refuses_to_encrypt(aws: AwsCli, tmp_path: Path) -> None:
    arn = aws.text("create-key", query="KeyMetadata.Arn")
    _ok(aws.attempt("disable-key", "--key-id", arn))
    state = aws.run("describe-key", "--key-id", arn)["KeyMetadata"]["KeyState"]
    assert state == "Disabled"

    plaintext = tmp_path / "plaintext.bin"
    plaintext.write_bytes(PLAINTEXT)
    refused = aws.attempt("encrypt", "--key-id", arn, "--plaintext", f"fileb://{plaintext}")
    assert refused.returncode != 0
    assert refused.stdout == ""
    assert (
        "An error occurred (DisabledException) when calling the Encrypt operation: "
        f"{arn} is disabled." in refused.stderr
    ), refused.stderr
    assert aws.server.operations()[-1] == (
        f"arn:aws:iam::{ACCOUNT}:root",
        "Encrypt",
        "DisabledException",
    )


def test_aws_cli_as_declared_principals(aws: AwsCli, tmp_path: Path) -> None:
    # Declared principals' requests are signed with their secret keys (the server checks
    # SigV4 for them), and their IAM policies decide.
    alice = aws.server.user("alice", ["kms:CreateKey", "kms:Encrypt"])
    carol = aws.server.user("carol", ["kms:DescribeKey"])
    plaintext = tmp_path / "plaintext.bin"
    plaintext.write_bytes(PLAINTEXT)

    arn = aws.text("create-key", query="KeyMetadata.Arn", env=aws.credentials(alice))
    aws.run(
        "encrypt",
        "--key-id",
        arn,
        "--plaintext",
        f"fileb://{plaintext}",
        env=aws.credentials(alice),
    )
    refused = aws.attempt(
        "encrypt",
        "--key-id",
        arn,
        "--plaintext",
        f"fileb://{plaintext}",
        env=aws.credentials(carol),
    )
    assert refused.returncode != 0
    assert (
        "An error occurred (AccessDeniedException) when calling the Encrypt operation: "
        f"User: {carol['arn']} is not authorized to perform: kms:Encrypt on resource: {arn} "
        "because no identity-based policy allows the kms:Encrypt action" in refused.stderr
    ), refused.stderr

    # Alice's access key with another secret: the signature gives the forger away.
    forged = aws.attempt(
        "encrypt",
        "--key-id",
        arn,
        "--plaintext",
        f"fileb://{plaintext}",
        env={**aws.credentials(alice), "AWS_SECRET_ACCESS_KEY": "not-alices-secret"},
    )
    assert forged.returncode != 0
    assert (
        "An error occurred (InvalidSignatureException) when calling the Encrypt operation: "
        f"{SIGNATURE_MISMATCH}" in forged.stderr
    ), forged.stderr

    calls = aws.server.operations()
    assert calls[:3] == [
        (alice["arn"], "CreateKey", None),
        (alice["arn"], "Encrypt", None),
        (carol["arn"], "Encrypt", "AccessDeniedException"),
    ]
    # Who a forged request is journaled as is the server's choice; that it was refused is not.
    assert [call[1:] for call in calls[3:]] == [("Encrypt", "InvalidSignatureException")]


# -- AWS Encryption SDK CLI --------------------------------------------------------------


@dataclass
class EncryptionCli:
    executable: Path
    env: dict[str, str]

    def run(self, *arguments: str | Path) -> subprocess.CompletedProcess[str]:
        # -S: the CLI insists on a metadata destination; the records are not needed here.
        # The commitment policy is the CLI's current default, named so that a later
        # release changing its default does not change what these tests check.
        command: list[str | Path] = [self.executable, *arguments, "-S"]
        command += ["--commitment-policy", "require-encrypt-require-decrypt"]
        return _run(command, self.env)


@pytest.fixture(scope="session")
def esdk_cli() -> Path:
    return _tool(
        "KMSMOCK_ESDK_CLI",
        CLIENTS / "esdk" / "bin" / "aws-encryption-cli",
        "the AWS Encryption SDK CLI (aws-encryption-cli)",
    )


@pytest.fixture
def esdk(esdk_cli: Path, server: Served, tmp_path: Path) -> EncryptionCli:
    # The SDK makes its own botocore clients; AWS_ENDPOINT_URL_KMS is how a user points
    # them at another endpoint, with no option of the CLI's involved.
    return EncryptionCli(esdk_cli, _client_env(tmp_path, AWS_ENDPOINT_URL_KMS=server.url))


def test_encryption_sdk_cli_round_trip(esdk: EncryptionCli, server: Served, tmp_path: Path) -> None:
    arn = _create_key(server)
    source, sealed, opened = tmp_path / "source", tmp_path / "sealed", tmp_path / "opened"
    # Several frames of the default 4096 bytes, each sealed under the one data key.
    data = os.urandom(10_000) + PLAINTEXT
    source.write_bytes(data)

    _ok(
        esdk.run(
            "--encrypt",
            "--input",
            source,
            "--output",
            sealed,
            "--wrapping-keys",
            f"key={arn}",
            "--encryption-context",
            "purpose=test",
            "team=esdk",
        )
    )
    # The message header names the wrapping key: the data key was wrapped by this one.
    assert arn.encode("ascii") in sealed.read_bytes()
    assert data not in sealed.read_bytes()

    # On decryption, --encryption-context lists pairs the message must carry.
    _ok(
        esdk.run(
            "--decrypt",
            "--input",
            sealed,
            "--output",
            opened,
            "--wrapping-keys",
            f"key={arn}",
            "--encryption-context",
            "purpose=test",
        )
    )
    assert opened.read_bytes() == data

    # Discovery: the SDK takes the key from the message, limited to our account.
    opened.unlink()
    _ok(
        esdk.run(
            "--decrypt",
            "--input",
            sealed,
            "--output",
            opened,
            "--wrapping-keys",
            "discovery=true",
            f"discovery-account={ACCOUNT}",
            "discovery-partition=aws",
        )
    )
    assert opened.read_bytes() == data

    root = f"arn:aws:iam::{ACCOUNT}:root"
    assert server.operations() == [
        (root, "CreateKey", None),
        (root, "GenerateDataKey", None),
        (root, "Decrypt", None),
        (root, "Decrypt", None),
    ]


def test_encryption_sdk_cli_cannot_decrypt_under_a_disabled_key(
    esdk: EncryptionCli, server: Served, tmp_path: Path
) -> None:
    arn = _create_key(server)
    source, sealed, opened = tmp_path / "source", tmp_path / "sealed", tmp_path / "opened"
    source.write_bytes(PLAINTEXT)
    _ok(esdk.run("--encrypt", "-i", source, "-o", sealed, "--wrapping-keys", f"key={arn}"))
    with _boto3(server) as client:
        client.disable_key(KeyId=arn)

    refused = esdk.run("--decrypt", "-i", sealed, "-o", opened, "--wrapping-keys", f"key={arn}")
    assert refused.returncode != 0
    assert not opened.exists()
    assert server.operations()[-1][1:] == ("Decrypt", "DisabledException")


# -- AWS SDK for JavaScript v3 -------------------------------------------------------------

JS = ROOT / "tests" / "js"
JS_CHECKS = [
    "create-key",
    "encrypt-decrypt-with-context",
    "disabled-key",
    "rsa-public-key-sha256",
    "rsa-public-key-sha1",
]


@pytest.fixture(scope="session")
def node() -> Path:
    executable = _tool("KMSMOCK_NODE", Path(shutil.which("node") or "/usr/bin/node"), "node")
    if not (JS / "node_modules" / "@aws-sdk" / "client-kms" / "package.json").is_file():
        _missing(f"@aws-sdk/client-kms is not installed in {JS} (npm ci there)")
    return executable


def _js_check(
    node: Path, server: Served, tmp_path: Path, expected: list[str], **env: str
) -> dict[str, Any]:
    result = _run(
        [node, JS / "kms_check.mjs"],
        _client_env(tmp_path, KMS_ENDPOINT=server.url, **env),
        cwd=JS,
    )
    try:
        summary: dict[str, Any] = json.loads(result.stdout)
    except ValueError:
        raise AssertionError(
            f"node exited {result.returncode} without a summary\nstdout: {result.stdout}\n"
            f"stderr: {result.stderr}"
        ) from None
    failed = [check for check in summary["checks"] if not check["ok"]]
    assert not failed, json.dumps(failed, indent=2)
    assert summary["ok"], summary
    assert result.returncode == 0, result.stderr
    assert [check["name"] for check in summary["checks"]] == expected
    return summary


def test_javascript_sdk(node: Path, server: Served, tmp_path: Path) -> None:
    summary = _js_check(node, server, tmp_path, JS_CHECKS)
    checks = {check["name"]: check["detail"] for check in summary["checks"]}

    disabled = checks["disabled-key"]
    assert disabled["name"] == "DisabledException"
    assert disabled["message"] == f"{disabled['arn']} is disabled."
    assert (disabled["status"], disabled["fault"]) == (400, "client")
    assert checks["encrypt-decrypt-with-context"]["wrongContext"]["name"] == (
        "InvalidCiphertextException"
    )

    # The server saw what the script says it did, and refused only where it expected.
    calls = server.operations()
    assert {principal for principal, _, _ in calls} == {f"arn:aws:iam::{ACCOUNT}:root"}
    assert [(operation, error) for _, operation, error in calls if error] == [
        ("Decrypt", "InvalidCiphertextException"),
        ("Encrypt", "DisabledException"),
    ]
    assert [operation for _, operation, _ in calls].count("GetPublicKey") == 2


def test_javascript_sdk_as_a_declared_principal(node: Path, server: Served, tmp_path: Path) -> None:
    # The same script signing as a declared user: the server checks its signatures
    # and its IAM policy allows exactly what the script does.
    actions = ["CreateKey", "Encrypt", "Decrypt", "DisableKey", "GetPublicKey"]
    user = server.user("js-user", [f"kms:{action}" for action in actions])
    summary = _js_check(
        node,
        server,
        tmp_path,
        [*JS_CHECKS, "wrong-secret"],
        KMS_ACCESS_KEY_ID=user["aws_access_key_id"],
        KMS_SECRET_ACCESS_KEY=user["aws_secret_access_key"],
    )
    assert summary["checks"][-1]["detail"]["message"] == SIGNATURE_MISMATCH
    # Every call the server carried out was this user's; the forged one never ran.
    calls = [call for call in server.operations() if call[2] != "InvalidSignatureException"]
    assert {principal for principal, _, _ in calls} == {user["arn"]}
    assert {operation for _, operation, _ in calls} == set(actions)
