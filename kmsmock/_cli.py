"""The ``kmsmock`` command: ``kmsmock serve`` runs the server until SIGINT or SIGTERM.

Exit status: 0 once stopped by a signal, 1 when the address cannot be served (in use,
not this machine's, not permitted), 2 for invalid arguments.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import TextIO

from kmsmock._mock import DEFAULT_ACCOUNT, DEFAULT_REGION

DEFAULT_PORT = 4599


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kmsmock", description="A faithful simulation of AWS KMS."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve KMS over HTTP until interrupted",
        description="Serve KMS over HTTP, with the control API under /_kmsmock/, "
        "until SIGINT or SIGTERM.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port, 0 for any free one ({DEFAULT_PORT})"
    )
    serve.add_argument(
        "--account", default=DEFAULT_ACCOUNT, help=f"the default account ({DEFAULT_ACCOUNT})"
    )
    serve.add_argument(
        "--region", default=DEFAULT_REGION, help=f"the default region ({DEFAULT_REGION})"
    )
    return parser


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _say(line: str, stream: TextIO) -> None:
    # A parent that stopped reading our output must not turn a clean stop into a crash.
    with contextlib.suppress(OSError, ValueError):
        print(line, file=stream, flush=True)


def serve(host: str, port: int, account: str, region: str) -> int:
    from kmsmock.server import ThreadedKMSServer

    try:
        server = ThreadedKMSServer(port=port, host=host, account=account, region=region)
    except ValueError as error:
        _say(f"kmsmock: {error}", sys.stderr)
        return 2
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    # Installed before the server starts, so that a signal at any moment from here on
    # stops it cleanly.
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            server.start()
        except (OSError, OverflowError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            _say(f"kmsmock: cannot serve on {host}:{port}: {reason}", sys.stderr)
            return 1
        try:
            if not _is_loopback(host):
                _say(
                    f"kmsmock: warning: serving on {host}: anyone who can reach this address "
                    "can use this KMS, and its control API, without credentials",
                    sys.stderr,
                )
            _say(f"kmsmock: serving KMS at {server.endpoint_url}", sys.stdout)
            # Waiting in short steps: a signal handler runs only between bytecodes of the
            # main thread, which a long wait would keep it from reaching on some platforms.
            while not stopping.wait(0.5):
                pass
        finally:
            server.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _say("kmsmock: stopped", sys.stdout)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    if arguments.command == "serve":
        return serve(arguments.host, arguments.port, arguments.account, arguments.region)
    raise AssertionError(arguments.command)  # argparse allows no other command
