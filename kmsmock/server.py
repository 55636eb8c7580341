"""kmsmock over HTTP: any client, in any language or process, reaches the same KMS.

``ThreadedKMSServer`` runs the server (``_http.py``: the standard library's HTTP/1.1
handler, a thread per connection) around one ``MockKMS`` in a background thread;
``kmsmock serve`` runs it until interrupted. A KMS request takes the path every
in-process call takes; requests under ``/_kmsmock/`` go to the control API.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from kmsmock import _hook
from kmsmock._http import _MAX_IDLE, IDLE_SECONDS, MAX_BODY, _authority, _Server
from kmsmock._mock import MockKMS
from kmsmock._state_file import StatePath, check_path

__all__ = ["IDLE_SECONDS", "MAX_BODY", "ThreadedKMSServer"]


def _check_options(port: object, host: object, idle_timeout: object) -> None:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an integer from 0 to 65535, not {port!r}")
    if not isinstance(host, str) or not host:
        raise ValueError(f"host must be a host name or IP address, not {host!r}")
    if (
        isinstance(idle_timeout, bool)
        or not isinstance(idle_timeout, int | float)
        or not 0 < idle_timeout <= _MAX_IDLE
    ):
        raise ValueError(
            f"idle_timeout must be a number of seconds above 0, at most {_MAX_IDLE:.0f}, "
            f"not {idle_timeout!r}"
        )


class ThreadedKMSServer:
    """kmsmock served over HTTP from a background thread, for tests.

    ``with ThreadedKMSServer() as server:`` starts it on a free port of 127.0.0.1;
    ``server.endpoint_url`` is what a client's ``endpoint_url`` takes, and
    ``server.mock`` the ``MockKMS`` behind it, for setup and assertions. Keyword
    arguments other than ``port``, ``host``, ``idle_timeout`` (the seconds a client
    has to send a request, default 60) and ``state_file`` are ``mock_kms``'s options;
    all are checked before anything starts.

    ``state_file`` names a JSON state file (docs/state.md): loaded now if it exists, and
    written atomically by ``stop()``.

    The server needs no active mock, and a ``mock_kms`` active in the same process
    leaves clients pointed at the server to it.
    """

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        *,
        idle_timeout: float = IDLE_SECONDS,
        state_file: StatePath | None = None,
        **options: Any,
    ) -> None:
        _check_options(port, host, idle_timeout)
        if "state" in options:
            raise TypeError("a server takes state_file=, which it loads and saves, not state=")
        self.state_file = None if state_file is None else check_path(state_file, "state_file")
        self.mock = MockKMS(**options)
        if self.state_file is not None and self.state_file.exists():
            self.mock.load(self.state_file)
        self.host = host
        self.port = port
        self.idle_timeout = float(idle_timeout)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not running; call start() first")
        return "http://" + _authority(*self._server.server_address[:2])

    def start(self) -> ThreadedKMSServer:
        if self._server is not None:
            raise RuntimeError("the server is already running")
        server = _Server((self.host, self.port), self.mock, self.idle_timeout)
        thread = threading.Thread(
            target=server.serve,
            name=f"kmsmock-server-{server.server_address[1]}",
            daemon=True,
        )
        try:
            thread.start()
        except BaseException:
            server.server_close()
            raise
        self._server, self._thread = server, thread
        _hook.local_server_started(self.host, server.server_address[1])
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and wait for the threads that served them."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            raise RuntimeError("the server is not running")
        self._server = self._thread = None
        _hook.local_server_stopped(self.host, server.server_address[1])
        server.stop_serving()
        thread.join()
        server.close_connections()
        server.server_close()
        if self.state_file is not None:
            # At the end, once no request is in flight: see docs/state.md for why.
            self.mock.save(self.state_file)

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> ThreadedKMSServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.endpoint_url if self._server is not None else "stopped"
        return f"<ThreadedKMSServer {where}>"
