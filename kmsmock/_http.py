"""The HTTP layer of the server: the standard library's HTTP/1.1 request handler
(keep-alive, no parsing of kmsmock's own) on a TCP server with a thread per connection.

A KMS request goes to its mock's ``handle``, the path every in-process call takes;
requests under ``/_kmsmock/`` go to the control API (``_control.py``). Slow, broken and
oversized requests are answered with JSON errors and never hold a thread for long.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import math
import re
import selectors
import socket
import socketserver
import sys
import threading
import time
import traceback
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from kmsmock import _control
from kmsmock._gaps import NotYetImplemented
from kmsmock._mock import MockKMS

# Far above any KMS request (a 4 KiB plaintext, a 32 KB policy, wrapped key material),
# and small enough that a hostile client cannot make the server hold much.
MAX_BODY = 1024 * 1024
# How long a client has to send a whole request (headers and body), counted from the
# end of the previous answer, and to take an answer: a slow, stalled or vanished client
# never holds its thread longer, however it trickles its bytes.
IDLE_SECONDS = 60.0
# After refusing a request whose body was left unread, the server reads and discards
# what follows for a moment before closing: closing a socket with unread input sends a
# reset, which would make the client lose the answer it has not read yet.
_LINGER_SECONDS = 2.0
_LINGER_BYTES = 64 * MAX_BODY
# Enough for bursts of clients connecting at once; the default (5) makes the kernel
# drop connection attempts, which clients retry only a second later.
_BACKLOG = 128
# How long stopping waits for requests being handled to be answered, and in all.
_GRACE_SECONDS = 5.0
_STOP_SECONDS = 10.0
_MAX_IDLE = 24 * 3600.0

_DIGITS = re.compile(r"[0-9]+")
_NOT_A_NAME = re.compile(r"[^A-Za-z0-9]")
_JSON = {"Content-Type": "application/json"}


def _json_error(code: str, message: str) -> bytes:
    return json.dumps({"__type": code, "message": message}).encode("utf-8")


def _authority(host: str | bytes | bytearray, port: int) -> str:
    name = host if isinstance(host, str) else bytes(host).decode()
    return f"[{name}]:{port}" if ":" in name else f"{name}:{port}"


def _origin_form(target: str) -> str:
    """The path and query of a request target; an absolute-form target loses its
    scheme and authority (the Host header names the server)."""
    scheme, separator, rest = target.partition("://")
    if separator and scheme.lower() in ("http", "https"):
        slash = rest.find("/")
        return rest[slash:] if slash >= 0 else "/"
    return target


class _DeadlineIO(socket.SocketIO):
    """A connection's raw stream whose reads and writes stop at a deadline.

    A socket timeout bounds each read on its own, so a client sending a byte a minute
    would hold its thread for ever; a deadline bounds the whole request.
    """

    def __init__(self, connection: socket.socket) -> None:
        super().__init__(connection, "rwb")
        self._connection = connection
        self.deadline = math.inf

    def _arm(self) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the connection's time is up")
        self._connection.settimeout(None if remaining == math.inf else remaining)

    def readinto(self, buffer: Any) -> int | None:
        self._arm()
        return super().readinto(buffer)

    def write(self, data: Any) -> int | None:
        self._arm()
        return super().write(data)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    raw_requestline: bytes

    def version_string(self) -> str:
        return "kmsmock"

    def setup(self) -> None:
        self.connection = self.request
        # Headers and body leave in one write (buffered below), without Nagle's delay:
        # two small writes would wait on the client's delayed ACK, about 40 ms a call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
        self._io = _DeadlineIO(self.connection)
        self.rfile = io.BufferedReader(self._io)
        self.wfile = io.BufferedWriter(self._io)

    def _allow(self, seconds: float) -> None:
        self._io.deadline = time.monotonic() + seconds

    def log_message(self, format: str, *args: Any) -> None:
        # One line a request would flood a test's output; kmsmock's own errors are
        # written where they happen.
        pass

    def handle_one_request(self) -> None:
        self._allow(self.server.idle_timeout)
        super().handle_one_request()

    def parse_request(self) -> bool:
        words = self.raw_requestline.split()
        if len(words) == 2 and words[0] == b"GET":
            # An HTTP/0.9 request: the standard library would go on to wait for headers,
            # which HTTP/0.9 does not have, until the client gave up.
            self.command, self.request_version = "", "HTTP/1.0"
            self.requestline = self.raw_requestline.decode("latin-1").rstrip("\r\n")
            self.send_error(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP/0.9 is not supported")
            return False
        return super().parse_request()

    def handle_expect_100(self) -> bool:
        # A body that will be refused is refused before the client sends it.
        if self._declared_length() is None:
            return False
        self._allow(self.server.idle_timeout)
        super().handle_expect_100()
        # Written to the buffer only: the client waits for it before sending the body.
        self.wfile.flush()
        self._allow(self.server.idle_timeout)
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # The standard library answers malformed HTTP with an HTML page; AWS clients
        # expect a JSON error. What follows such a request cannot be trusted: the
        # connection closes.
        phrase = HTTPStatus(code).phrase
        if self.request_version == "HTTP/0.9":
            # The default before a request line is understood: the refusal still
            # carries a status line and headers.
            self.request_version = "HTTP/1.0"
        self._refuse(code, _NOT_A_NAME.sub("", phrase), message or phrase)

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self._allow(self.server.idle_timeout)
        self.send_response(status)
        for name, value in (headers or _JSON).items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        elif self.request_version == "HTTP/1.0":
            self.send_header("Connection", "keep-alive")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _refuse(self, status: int, code: str, message: str) -> None:
        """Answer an error and close, draining what the client still sends."""
        self.close_connection = True
        self._send(status, _json_error(code, message))
        self.wfile.flush()
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_WR)
            self._allow(min(_LINGER_SECONDS, self.server.idle_timeout))
            drained = 0
            while drained < _LINGER_BYTES:
                chunk = self.rfile.read1(65536)
                if not chunk:
                    break
                drained += len(chunk)

    def _declared_length(self) -> int | None:
        """The length of the request's body, or None once the request has been refused."""
        if self.headers.get_all("Transfer-Encoding"):
            self._refuse(411, "LengthRequired", "send Content-Length, not chunks")
            return None
        values = {value.strip() for value in self.headers.get_all("Content-Length") or ["0"]}
        text = values.pop() if len(values) == 1 else ""
        if not _DIGITS.fullmatch(text):
            self._refuse(400, "SerializationException", "Invalid Content-Length")
            return None
        # Compared as text first: int() refuses numbers of more than 4,300 digits.
        digits = text.lstrip("0")
        if len(digits) > len(str(MAX_BODY)) or int(digits or "0") > MAX_BODY:
            self._refuse(
                413,
                "RequestEntityTooLarge",
                f"the request body exceeds {MAX_BODY} bytes",
            )
            return None
        return int(digits or "0")

    def _url(self, target: str) -> str | None:
        """The URL the client asked for, as it signed it; None if its Host is no host."""
        host = self.headers.get("Host") or _authority(*self.server.server_address[:2])
        url = f"http://{host}{target}"
        try:
            # Parsed here so that nothing below meets a malformed authority.
            split = urlsplit(url)
            _ = split.port
        except ValueError:
            return None
        return url if split.netloc == host else None

    def _dispatch(self) -> None:
        length = self._declared_length()
        if length is None:
            return
        body = self.rfile.read(length)
        if len(body) < length:
            # The client went away mid-body.
            self.close_connection = True
            return
        target = _origin_form(self.path)
        path = target.partition("?")[0]
        control = path.startswith(_control.PREFIX) or path == _control.PREFIX.rstrip("/")
        url = self._url(target)
        if url is None and not control:
            self._refuse(400, "BadRequest", "Invalid Host header")
            return
        headers = None
        try:
            if control:
                status, payload = _control.answer(self.server.mock, self.command, path, body)
            else:
                status, headers, payload = self.server.mock.handle(
                    self.command, str(url), dict(self.headers.items()), body, channel="http"
                )
        except NotYetImplemented as gap:
            # In-process, a gap raises from the client call; over HTTP it is an answer
            # no KMS error could be mistaken for, with a status botocore does not retry.
            self._send(501, _json_error("kmsmock.NotYetImplemented", str(gap)))
            return
        except Exception as error:
            self._internal_error(error)
            return
        self._send(status, payload, headers)

    def _internal_error(self, error: Exception) -> None:
        traceback.print_exc(file=sys.stderr)
        problem = f"{type(error).__name__}: {error}"
        self._send(500, _json_error("kmsmock.InternalError", problem))

    do_POST = do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch


class _Server(socketserver.TCPServer):
    allow_reuse_address = True
    request_queue_size = _BACKLOG

    def __init__(
        self, address: tuple[str, int], mock: MockKMS, idle_timeout: float = IDLE_SECONDS
    ) -> None:
        self.mock = mock
        self.idle_timeout = idle_timeout
        # Connections not yet closed, and the threads serving them: stopping shuts the
        # first down (which wakes a thread waiting to read) and joins the second.
        self._open: set[socket.socket] = set()
        self._serving: set[threading.Thread] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        # A byte written to this pair wakes the accept loop when it is time to stop.
        self._wake_reader, self._wake_writer = socket.socketpair()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        try:
            super().__init__(address, _Handler)
        except BaseException:
            self._close_wake_pair()
            raise

    def serve(self) -> None:
        """Accept connections until ``stop_serving()``, which wakes it at once (the
        standard library's ``serve_forever`` notices a stop only at its next poll)."""
        self.socket.setblocking(False)
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self._stopping.is_set():
                ready = selector.select()
                if not self._stopping.is_set() and any(k.fileobj is self.socket for k, _ in ready):
                    self._accept()

    def _accept(self) -> None:
        try:
            request, client_address = self.socket.accept()
        except (BlockingIOError, ConnectionAbortedError, InterruptedError):
            return  # the client gave up before it was accepted
        except OSError:
            # Out of descriptors, say: the listening socket stays ready, and retrying at
            # once would spin.
            time.sleep(0.05)
            return
        try:
            self.process_request(request, client_address)
        except Exception:
            # No thread to serve it (the process is out of threads): dropped, not fatal.
            self.handle_error(request, client_address)
            self.shutdown_request(request)

    def stop_serving(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name=f"kmsmock-connection-{self.server_address[1]}",
            daemon=True,
        )
        with self._lock:
            self._open.add(request)
            self._serving.add(thread)
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._lock:
                self._serving.discard(threading.current_thread())

    def shutdown_request(self, request: Any) -> None:
        # Forgotten before it is closed, so that close_connections never shuts down a
        # closed socket (whose descriptor may already belong to another).
        with self._lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Close every connection and wait (boundedly) for the threads serving them.

        Reading ends first, which wakes a thread waiting for a request while one still
        handling a request sends its answer; what is left after a grace period (a
        client that does not read its answer) is cut off entirely.
        """
        deadline = time.monotonic() + _STOP_SECONDS
        for how, until in (
            (socket.SHUT_RD, time.monotonic() + _GRACE_SECONDS),
            (socket.SHUT_RDWR, deadline),
        ):
            with self._lock:
                for connection in self._open:
                    with contextlib.suppress(OSError):
                        connection.shutdown(how)
                threads = list(self._serving)
            for thread in threads:
                thread.join(max(0.0, until - time.monotonic()))

    def _close_wake_pair(self) -> None:
        self._wake_reader.close()
        self._wake_writer.close()

    def server_close(self) -> None:
        super().server_close()
        self._close_wake_pair()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that disconnects, or a connection closed at shutdown, is routine.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)
