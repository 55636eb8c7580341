"""Small helpers shared by the black-box tests."""

from __future__ import annotations

import contextlib
import json
import selectors
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

# `kmsmock serve` run as a module, and the line it prints once it is listening.
SERVE_MODULE = [sys.executable, "-m", "kmsmock"]
SERVING = "kmsmock: serving KMS at "
# Starting a Python process and importing botocore takes about a second here; far more
# means something is stuck.
PATIENCE = 30.0
# The control API is on loopback: a proxy in the environment must not see it.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def error_of(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    """(code, message, HTTP status) of the error a client call raised."""
    response = info.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def client_of(
    endpoint_url: str, region: str = "us-east-1", config: Config | None = None
) -> KMSClient:
    """A boto3 KMS client of the kmsmock server at ``endpoint_url``, with made-up keys
    (the server's default principal)."""
    return boto3.client(
        "kms",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=config,
    )


def first_line(stream: IO[str]) -> str:
    """The next line of a child's output, or an AssertionError after PATIENCE."""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(PATIENCE):
            raise AssertionError("the server printed nothing")
    return stream.readline()


@contextlib.contextmanager
def serving(
    *arguments: str, command: list[str] = SERVE_MODULE
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A running ``kmsmock serve`` and its endpoint URL; killed if the test leaves it running."""
    process = subprocess.Popen(
        [*command, "serve", "--port", "0", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with process:
        try:
            assert process.stdout is not None
            line = first_line(process.stdout)
            assert line.startswith(SERVING), line + (
                process.stderr.read() if process.stderr and process.poll() is not None else ""
            )
            yield process, line[len(SERVING) :].strip()
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()


def control(
    endpoint_url: str, method: str, route: str, document: Any = None, body: bytes = b""
) -> tuple[int, Any]:
    """(status, decoded JSON) of a request to a server's control API, ``/_kmsmock/<route>``:
    ``document`` sent as JSON, or ``body`` as it is."""
    data = json.dumps(document).encode() if document is not None else body
    request = urllib.request.Request(
        f"{endpoint_url}/_kmsmock/{route}", data=data or None, method=method
    )
    try:
        response = _NO_PROXY.open(request, timeout=10)
    except urllib.error.HTTPError as error:
        response = error  # an error answer reads like any other
    with response:
        content_type = response.headers["Content-Type"]
        status, raw = response.status, response.read()
    assert content_type == "application/json"
    return status, json.loads(raw)
