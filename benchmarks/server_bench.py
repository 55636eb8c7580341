"""kmsmock's server against its floor and moto's server, measured in one run.

    python benchmarks/server_bench.py [--quick] [--markdown]

Each implementation is a server in its own process on 127.0.0.1, called by one boto3
client with keep-alive (what a test suite pointing ``endpoint_url`` at it does):

* floor: kmsmock's own HTTP server (``kmsmock/server.py``) answering every call with a
  canned, valid body (``bench.Canned``): HTTP, botocore and loopback, without KMS.
* kmsmock: ``python -m kmsmock serve``.
* moto: ``python -m moto.server`` (moto's Flask server), if moto[server] is installed.

Per-call figures are medians of single calls timed one by one. Repetitions are
interleaved and their order rotates, so that machine noise hits all three alike. The
exit status is always 0: this is a measurement.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from _canned import Canned
from _common import progress
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

RATIO_TARGET = 1.3
# moto's server must be at least this many times slower on these measures.
MOTO_TARGET = 3.0
MOTO_TARGET_MEASURES = ("CreateKey", "Encrypt 32 B", "Decrypt 32 B", "GenerateDataKey")
PLAINTEXT = b"p" * 32


@dataclass(frozen=True)
class Settings:
    reps: int
    calls: int


FULL = Settings(reps=10, calls=100)
QUICK = Settings(reps=2, calls=5)


def serve_floor() -> None:
    """The floor server (run in its own process): canned answers, same HTTP server."""
    import threading

    from kmsmock.server import ThreadedKMSServer

    canned = Canned()

    class Floor:
        def handle(
            self,
            method: str,
            url: str,
            headers: Mapping[str, str | bytes],
            body: bytes,
            *,
            channel: str = "in-process",
        ) -> tuple[int, dict[str, str], bytes]:
            response_headers, payload = canned.answer(str(headers["X-Amz-Target"]), body)
            return 200, response_headers, payload

    server = ThreadedKMSServer()
    # The server only ever calls its mock's handle(): the floor answers in its place.
    server.mock = Floor()  # type: ignore[assignment]
    server.start()
    print(f"floor: serving at {server.endpoint_url}", flush=True)
    threading.Event().wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(url: str, process: subprocess.Popen[str]) -> None:
    host, port = url.rsplit("/", 1)[-1].rsplit(":", 1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


@contextmanager
def _process(command: list[str], url: str | None = None) -> Iterator[str]:
    """Start a server process; yield its URL (read from its first line, or given)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    ) as process:
        try:
            if url is None:
                assert process.stdout is not None
                url = process.stdout.readline().rsplit(" ", 1)[-1].strip()
            _wait_for(url, process)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


def _client(url: str) -> KMSClient:
    client: KMSClient = boto3.client(
        "kms",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )
    return client


Call = Callable[[], object]


def _calls(client: KMSClient) -> dict[str, Call]:
    key = client.create_key()["KeyMetadata"]["KeyId"]
    other = client.create_key()["KeyMetadata"]["KeyId"]
    blob = client.encrypt(KeyId=key, Plaintext=PLAINTEXT)["CiphertextBlob"]
    return {
        "CreateKey": lambda: client.create_key(),
        "DescribeKey": lambda: client.describe_key(KeyId=key),
        "Encrypt 32 B": lambda: client.encrypt(KeyId=key, Plaintext=PLAINTEXT),
        "Decrypt 32 B": lambda: client.decrypt(CiphertextBlob=blob),
        "GenerateDataKey": lambda: client.generate_data_key(KeyId=key, KeySpec="AES_256"),
        "ReEncrypt": lambda: client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=other),
    }


def _timed(call: Call, count: int) -> list[int]:
    samples = []
    for _ in range(count):
        start = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - start)
    return samples


def measure(settings: Settings) -> dict[str, dict[str, list[int]]]:
    here = os.path.dirname(os.path.abspath(__file__))
    servers: dict[str, tuple[list[str], str | None]] = {
        "floor": ([sys.executable, os.path.join(here, "server_bench.py"), "--serve-floor"], None),
        "kmsmock": ([sys.executable, "-m", "kmsmock", "serve", "--port", "0"], None),
    }
    try:
        import moto.server  # noqa: F401

        port = _free_port()
        servers["moto"] = (
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            f"http://127.0.0.1:{port}",
        )
    except ImportError:
        progress("moto[server] is not installed: no moto column")
    samples: dict[str, dict[str, list[int]]] = {}
    with ExitStack() as stack:
        calls = {}
        for name, (command, url) in servers.items():
            progress(f"starting {name}")
            calls[name] = _calls(_client(stack.enter_context(_process(command, url))))
        names = list(servers)
        for rep in range(settings.reps):
            progress(f"repetition {rep + 1}/{settings.reps}")
            order = names[rep % len(names) :] + names[: rep % len(names)]
            for measure_name in calls["floor"]:
                for name in order:
                    call = calls[name][measure_name]
                    _timed(call, 2)  # warm the connection and the path
                    batch = _timed(call, settings.calls)
                    samples.setdefault(measure_name, {}).setdefault(name, []).extend(batch)
    return samples


def render(samples: dict[str, dict[str, list[int]]], markdown: bool) -> str:
    def us(values: list[int] | None) -> float | None:
        return statistics.median(values) / 1000 if values else None

    header = ["measure", "floor µs", "kmsmock µs", "kmsmock/floor", "moto µs", "moto/kmsmock"]
    header += ["targets", "kmsmock"]
    rows = []
    for measure_name, by_impl in samples.items():
        floor, mine, moto = (us(by_impl.get(n)) for n in ("floor", "kmsmock", "moto"))
        assert floor is not None
        assert mine is not None
        ratio = mine / floor
        speedup = moto / mine if moto is not None else None
        moto_checked = measure_name in MOTO_TARGET_MEASURES and speedup is not None
        moto_passed = speedup is None or not moto_checked or speedup >= MOTO_TARGET
        passed = ratio <= RATIO_TARGET and moto_passed
        targets = f"≤ {RATIO_TARGET}x" + (f", moto ≥ {MOTO_TARGET}x" if moto_checked else "")
        rows.append(
            [
                measure_name,
                f"{floor:,.0f}",
                f"{mine:,.0f}",
                f"{ratio:.2f}x",
                "n/a" if moto is None else f"{moto:,.0f}",
                "n/a" if speedup is None else f"{speedup:.2f}x",
                targets,
                "PASS" if passed else "MISS",
            ]
        )
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    return "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True))
        for row in [header, *rows]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--serve-floor", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.serve_floor:
        serve_floor()
        return 0
    settings = QUICK if arguments.quick else FULL
    started = time.monotonic()
    samples = measure(settings)
    print(
        f"_Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; {settings.reps} interleaved repetitions of "
        f"{settings.calls} calls per cell; {time.monotonic() - started:.0f} s._\n"
    )
    print(render(samples, arguments.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
