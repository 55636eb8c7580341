"""The botocore hook: KMS requests are answered at ``before-send`` (or, in a fast
mock, at ``before-call``: see ``kmsmock._fast``).

Everything botocore does before sending (parameter validation, serialization,
signing, retries) and after receiving (error parsing into modelled exceptions) runs
as it does against AWS; only the network is replaced.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import sys
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from botocore import handlers
from botocore.awsrequest import AWSPreparedRequest, AWSRequest, AWSResponse
from botocore.client import BaseClient

from kmsmock import _mock
from kmsmock._aio_hook import AwaitableResponse, fallback_credentials

EVENT = "before-send.kms"
UNIQUE_ID = "kmsmock-before-send"
# Set on a request once kmsmock has answered it. botocore's emitter calls every
# before-send handler; a second kmsmock registration, or moto's handler (registered
# on all of before-send), then sees a URL nothing answers and stays out.
ANSWERED_URL = "https://kmsmock.invalid/answered"


class _Body:
    """The raw-response object AWSResponse reads its body from."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._body


# (host, port) of every ThreadedKMSServer running in this process. A client pointed at
# one talks to that server over loopback, never to AWS: the hook leaves it alone.
_local_servers: set[tuple[str, int]] = set()
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _addresses(host: str, port: int) -> set[tuple[str, int]]:
    # A server on loopback or on every address is reached by each loopback name.
    names = _LOOPBACK if host in (*_LOOPBACK, "", "0.0.0.0", "::") else (host,)
    return {(name, port) for name in names}


def local_server_started(host: str, port: int) -> None:
    _local_servers.update(_addresses(host, port))


def local_server_stopped(host: str, port: int) -> None:
    _local_servers.difference_update(_addresses(host, port))


def _to_local_server(url: str) -> bool:
    parts = urlsplit(url)
    try:
        return (parts.hostname or "", parts.port or 80) in _local_servers
    except ValueError:
        return False


def before_send(request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
    active = _mock.innermost()
    if active is None or request.url == ANSWERED_URL:
        return None
    if _local_servers and _to_local_server(request.url):
        return None
    body: Any = request.body
    if body is None:
        raw = b""
    elif isinstance(body, bytes | bytearray):
        raw = bytes(body)
    elif isinstance(body, str):
        raw = body.encode("utf-8")
    else:
        content = body.read()
        raw = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    url = request.url
    headers: Mapping[str, str | bytes] = request.headers  # type: ignore[assignment]
    status, response_headers, payload = active.handle(
        request.method, url, headers, raw, channel=_channel.get()
    )
    request.url = ANSWERED_URL
    # AWSResponse wraps any mapping in its own case-insensitive HeadersDict. The answer
    # is also awaitable: aiobotocore's clients carry this hook too (see _aio_hook).
    return AwaitableResponse(url, status, response_headers, _Body(payload))  # type: ignore[arg-type]


CALL_EVENT = "before-call.kms"


def before_call(model: Any, params: Any, request_signer: Any, context: Any, **kwargs: Any) -> Any:
    """Answer at ``before-call`` when the innermost mock is fast (``kmsmock._fast``).

    Dormant otherwise: the call goes on to ``before-send`` as in the default mode. A
    client pointed at an in-process server, and aiobotocore's clients (whose
    credentials are read by awaiting), stay on the default path.
    """
    active = _mock.innermost()
    if active is None or not active.fast:
        return None
    if _local_servers and _to_local_server(params.get("url") or ""):
        return None
    if _is_async(request_signer) or not hasattr(request_signer, "_credentials"):
        # A botocore that renamed the signer's private attribute would leave fast mode
        # unable to tell who is calling: its calls are answered as in the default mode.
        return None
    # The backend and principals in one read: ``reset`` replaces them together.
    backend, identities = active._state
    return _fast_answer()(backend, identities, model, params, request_signer, context)


@functools.cache
def _fast_answer() -> Callable[..., Any]:
    # Imported on first use, as the request path is (see ``_mock._handle``).
    from kmsmock._fast import answer

    return answer


SIGN_EVENT = "before-sign.kms"

# How the request being signed came, for the journal: botocore's and aiobotocore's
# requests are the same class, but their signers differ. Set at signing, read at
# sending; a context variable, so that concurrent asyncio tasks each keep their own.
_channel: contextvars.ContextVar[str] = contextvars.ContextVar(
    "kmsmock_channel", default="in-process"
)
_async_signers: dict[type, bool] = {}


def _is_async(request_signer: Any) -> bool:
    kind = type(request_signer)
    is_async = _async_signers.get(kind)
    if is_async is None:
        is_async = _async_signers[kind] = inspect.iscoroutinefunction(
            getattr(request_signer, "sign", None)
        )
    return is_async


def _note_channel(request_signer: Any) -> None:
    _channel.set("async" if _is_async(request_signer) else "in-process")


def before_sign(request: AWSRequest, request_signer: Any = None, **kwargs: Any) -> None:
    """Sign as the default principal a client that was created without credentials.

    A client made before the mock started (at import, say) found no credentials then,
    and botocore would refuse to sign its calls. While a mock is active it is signed with
    fake credentials, which the identity registry maps to the default principal. The
    signer keeps its credentials in a private attribute; reading it is the only way to
    tell, and a botocore that renamed it simply leaves such clients unserved.
    """
    if _mock.innermost() is None:
        return
    _note_channel(request_signer)
    if getattr(request_signer, "_credentials", True) is not None:
        return
    signing = request.context.setdefault("signing", {})
    signing.setdefault("request_credentials", fallback_credentials(request_signer))


def install() -> None:
    """Register the hooks, dormant, for every botocore session created from now on."""
    for spec in (
        (EVENT, before_send, handlers.REGISTER_FIRST),
        (SIGN_EVENT, before_sign, handlers.REGISTER_FIRST),
        (CALL_EVENT, before_call, handlers.REGISTER_FIRST),
    ):
        if spec not in handlers.BUILTIN_HANDLERS:
            handlers.BUILTIN_HANDLERS.append(spec)


def _register(events: Any) -> None:
    events.register_first(EVENT, before_send, unique_id=UNIQUE_ID)
    events.register_first(SIGN_EVENT, before_sign, unique_id=UNIQUE_ID + "-sign")
    events.register_first(CALL_EVENT, before_call, unique_id=UNIQUE_ID + "-call")


def patch_client(client: BaseClient) -> None:
    """Serve ``client`` too, though its session was created before kmsmock was imported."""
    _register(client.meta.events)


# boto3 default sessions already given the hook; registering costs tens of
# microseconds (botocore inspects the handler), too much for every mock start.
_patched_sessions: weakref.WeakSet[Any] = weakref.WeakSet()


def patch_default_session() -> None:
    """Serve clients that boto3's default session creates from now on, if it already exists."""
    boto3 = sys.modules.get("boto3")
    session = getattr(boto3, "DEFAULT_SESSION", None) if boto3 is not None else None
    if session is not None and session not in _patched_sessions:
        _register(session.events)
        _patched_sessions.add(session)
