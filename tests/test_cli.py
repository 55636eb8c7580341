"""The ``kmsmock`` command: ``kmsmock serve`` and ``python -m kmsmock serve``.

The server runs in a subprocess on port 0; the test learns its URL from the first line it
prints, talks to it with boto3, then stops it with a signal.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from kmsmock._cli import main
from tests._helpers import PATIENCE, SERVE_MODULE, serving

STOPPED = "kmsmock: stopped"
MODULE = SERVE_MODULE
SCRIPT = [str(Path(sys.executable).with_name("kmsmock"))]


def _stop(process: subprocess.Popen[str], signum: int) -> tuple[int, str, str]:
    """Send ``signum``; the exit status and the rest of stdout and stderr."""
    process.send_signal(signum)
    out, err = process.communicate(timeout=PATIENCE)
    return process.returncode, out, err


def _create_key(endpoint_url: str, region: str = "us-east-1") -> str:
    client = boto3.session.Session().client(
        "kms",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )
    with contextlib.closing(client):
        return client.create_key()["KeyMetadata"]["Arn"]


def test_cli_module_serves_boto3_and_stops_on_sigterm() -> None:
    options = ["--account", "111122223333", "--region", "eu-west-1"]
    with serving(*options) as (process, url):
        assert url.startswith("http://127.0.0.1:")
        arn = _create_key(url, "eu-west-1")
        assert arn.startswith("arn:aws:kms:eu-west-1:111122223333:key/")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{url}/_kmsmock/calls", timeout=10) as response:
            assert [call["operation"] for call in json.loads(response.read())] == ["CreateKey"]
        status, out, err = _stop(process, signal.SIGTERM)
    assert (status, out, err) == (0, STOPPED + "\n", "")


def test_cli_console_script_stops_on_sigint_with_a_client_connected() -> None:
    with serving(command=SCRIPT) as (process, url):
        _create_key(url)
        host, port = url.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=10) as idle:
            idle.sendall(b"GET /_kmsmock/health HTTP/1.1\r\n\r\n")
            assert idle.recv(65536).startswith(b"HTTP/1.1 200")
            # The connection stays open (keep-alive) while the server stops.
            status, out, err = _stop(process, signal.SIGINT)
    assert (status, out, err) == (0, STOPPED + "\n", "")


def test_cli_warns_when_serving_beyond_loopback() -> None:
    with serving("--host", "0.0.0.0") as (process, url):
        assert url.startswith("http://0.0.0.0:")
        status, out, err = _stop(process, signal.SIGTERM)
    assert (status, out) == (0, STOPPED + "\n")
    assert err == (
        "kmsmock: warning: serving on 0.0.0.0: anyone who can reach this address can use "
        "this KMS, and its control API, without credentials\n"
    )


def test_cli_port_in_use_exits_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*MODULE, "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=PATIENCE,
        )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(f"kmsmock: cannot serve on 127.0.0.1:{port}: ")
    assert "in use" in result.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["serve", "--account", "12"], "kmsmock: account must be 12 digits, not '12'\n"),
        (
            ["serve", "--region", "mars-1"],
            "kmsmock: region must be a region name such as 'eu-west-1', not 'mars-1'\n",
        ),
        (
            ["serve", "--port", "70000"],
            "kmsmock: port must be an integer from 0 to 65535, not 70000\n",
        ),
        (["serve", "--port", "-1"], "kmsmock: port must be an integer from 0 to 65535, not -1\n"),
        (["serve", "--host", ""], "kmsmock: host must be a host name or IP address, not ''\n"),
    ],
)
def test_cli_invalid_options_exit_2(
    capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    assert main(arguments) == 2
    assert capsys.readouterr() == ("", message)


@pytest.mark.parametrize(
    "arguments", [[], ["serve", "--port", "abc"], ["serve", "--colour", "blue"], ["stop"]]
)
def test_cli_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], arguments: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(arguments)
    assert exit_.value.code == 2
    assert capsys.readouterr().err.startswith("usage: kmsmock")
