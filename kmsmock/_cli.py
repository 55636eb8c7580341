"""The ``kmsmock`` command: ``kmsmock serve`` runs the server until SIGINT or SIGTERM;
``kmsmock import-local-kms seed.yaml`` converts local-kms's seed file.

Exit status: 0 once stopped by a signal (or converted), 1 when the address cannot be
served (in use, not this machine's, not permitted) or a file cannot be written, 2 for
invalid arguments (a damaged or newer state file, a malformed seed file included).
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
    serve.add_argument(
        "--state",
        metavar="FILE",
        help="a JSON state file: loaded at start if it exists, written at shutdown",
    )
    serve.add_argument(
        "--seed", help="make every generated value repeat from run to run (docs/keys.md)"
    )
    serve.add_argument(
        "--localstack-tags",
        action="store_true",
        help="honour LocalStack's _custom_id_ and _custom_key_material_ CreateKey tags",
    )
    convert = commands.add_parser(
        "import-local-kms",
        help="convert local-kms's seed.yaml into a kmsmock state file",
        description="Convert a local-kms seed file (YAML) into a kmsmock state file "
        "(needs PyYAML: pip install 'kmsmock[localkms]').",
    )
    convert.add_argument("seed", help="local-kms's seed file (seed.yaml)")
    convert.add_argument("-o", "--output", help="the state file to write (default: stdout)")
    convert.add_argument("--account", help="the keys' account (default: the loading mock's)")
    convert.add_argument("--region", help="the keys' region (default: the loading mock's)")
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


def serve(
    host: str,
    port: int,
    account: str,
    region: str,
    state: str | None = None,
    seed: str | None = None,
    localstack_tags: bool = False,
) -> int:
    from kmsmock.server import ThreadedKMSServer

    try:
        server = ThreadedKMSServer(
            port=port,
            host=host,
            account=account,
            region=region,
            state_file=state,
            seed=seed,
            localstack_tags=localstack_tags,
        )
    except ValueError as error:
        # StateError included: a damaged or newer state file.
        _say(f"kmsmock: {error}", sys.stderr)
        return 2
    except OSError as error:
        _say(f"kmsmock: cannot read {state}: {error.strerror or error}", sys.stderr)
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
            try:
                server.stop()
            except OSError as error:
                _say(f"kmsmock: cannot write {state}: {error.strerror or error}", sys.stderr)
                return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _say("kmsmock: stopped", sys.stdout)
    return 0


def import_local_kms(seed: str, output: str | None, account: str | None, region: str | None) -> int:
    from kmsmock import StateError
    from kmsmock._localkms import convert_file
    from kmsmock._mock import MockKMS
    from kmsmock._state_file import build, check_path, to_json, write_atomically

    try:
        document = convert_file(seed, account=account, region=region)
        # Loaded once here, so that a file the loader would refuse is never written.
        build(MockKMS(), document)
    except ImportError as error:
        _say(f"kmsmock: {error}", sys.stderr)
        return 2
    except StateError as error:
        _say(f"kmsmock: {seed}: {error}", sys.stderr)
        return 2
    except OSError as error:
        _say(f"kmsmock: cannot read {seed}: {error.strerror or error}", sys.stderr)
        return 2
    text = to_json(document)
    if output is None:
        _say(text.rstrip("\n"), sys.stdout)
        return 0
    try:
        write_atomically(check_path(output, "output"), text)
    except OSError as error:
        _say(f"kmsmock: cannot write {output}: {error.strerror or error}", sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    if arguments.command == "import-local-kms":
        return import_local_kms(
            arguments.seed, arguments.output, arguments.account, arguments.region
        )
    if arguments.command == "serve":
        return serve(
            arguments.host,
            arguments.port,
            arguments.account,
            arguments.region,
            arguments.state,
            arguments.seed,
            arguments.localstack_tags,
        )
    raise AssertionError(arguments.command)  # argparse allows no other command
