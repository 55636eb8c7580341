"""The network guard of the escape tests (issue 12): every connect and DNS lookup in the
process is recorded and refused with an OSError.

Standard library only, so that a child process can install it before it imports
botocore, boto3 or kmsmock, and a generated conftest.py can install it in a pytester run.
"""

from __future__ import annotations

import socket
from types import TracebackType
from typing import Any

REFUSAL = "kmsmock escape test: the network is off"

_MISSING = object()


def _text(value: object) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)


class NetworkGuard:
    """Records each attempt as "<call> <host>:<port>" in ``attempts`` and refuses it.

    ``allow(host, port)`` lets one address through (an in-process server on loopback).
    """

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self._allowed: set[tuple[str, str]] = set()
        self._saved: list[tuple[Any, str, Any]] = []

    def allow(self, host: str, port: int) -> None:
        self._allowed.add((host, str(port)))

    def _check(self, call: str, host: object, port: object) -> None:
        if (_text(host), _text(port)) in self._allowed:
            return
        attempt = f"{call} {_text(host)}:{_text(port)}"
        self.attempts.append(attempt)
        raise OSError(f"{REFUSAL}: {attempt}")

    def _address(self, call: str, address: object) -> None:
        if isinstance(address, tuple) and len(address) >= 2:
            self._check(call, address[0], address[1])
        else:  # AF_UNIX and the like: refused too, nothing here should connect at all
            self._check(call, address, None)

    def install(self) -> None:
        if self._saved:
            raise RuntimeError("this guard is already installed")
        guard = self
        connect = socket.socket.connect
        connect_ex = socket.socket.connect_ex
        create_connection = socket.create_connection
        getaddrinfo = socket.getaddrinfo
        gethostbyname = socket.gethostbyname
        gethostbyname_ex = socket.gethostbyname_ex

        def guarded_connect(sock: socket.socket, address: Any) -> None:
            guard._address("connect", address)
            connect(sock, address)

        def guarded_connect_ex(sock: socket.socket, address: Any) -> int:
            guard._address("connect_ex", address)
            return connect_ex(sock, address)

        def guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
            guard._address("create_connection", address)
            return create_connection(address, *args, **kwargs)

        def guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            guard._check("getaddrinfo", host, port)
            return getaddrinfo(host, port, *args, **kwargs)

        def guarded_gethostbyname(host: str) -> str:
            guard._check("gethostbyname", host, None)
            return gethostbyname(host)

        def guarded_gethostbyname_ex(host: str) -> Any:
            guard._check("gethostbyname_ex", host, None)
            return gethostbyname_ex(host)

        for owner, name, replacement in (
            (socket.socket, "connect", guarded_connect),
            (socket.socket, "connect_ex", guarded_connect_ex),
            (socket, "create_connection", guarded_create_connection),
            (socket, "getaddrinfo", guarded_getaddrinfo),
            (socket, "gethostbyname", guarded_gethostbyname),
            (socket, "gethostbyname_ex", guarded_gethostbyname_ex),
        ):
            self._saved.append((owner, name, vars(owner).get(name, _MISSING)))
            setattr(owner, name, replacement)

    def uninstall(self) -> None:
        """Put back exactly what was there (a guard installed over another restores it)."""
        while self._saved:
            owner, name, previous = self._saved.pop()
            if previous is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, previous)

    def __enter__(self) -> NetworkGuard:
        self.install()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.uninstall()
