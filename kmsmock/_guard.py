"""The safety net under the hook: no KMS call leaves the process while a mock is active.

The ``before-send.kms`` hook serves every client whose botocore session was created after
``import kmsmock``. Three things it cannot see are covered here, at class level, installed
on the first activation (so a process that never activates a mock pays nothing):

- a client whose session predates ``import kmsmock`` carries no hook, so its KMS request
  reaches ``Endpoint._send``: it is answered there, by the same ``before_send``;
- such a client without credentials would be refused by botocore's signer: it is signed
  with fake ones, as the ``before-sign`` hook signs hooked clients;
- credential resolution for a KMS client created while a mock is active could reach the
  network (instance metadata, container credentials, SSO, assume-role) or run a
  ``credential_process``: such a client is given the session's credentials only when
  they are already static, else the environment's (fake, unless the mock keeps them),
  else fake ones.

aiobotocore's endpoint and session override the methods wrapped here; theirs are wrapped
the same way when aiobotocore is loaded at an activation.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from botocore.credentials import RefreshableCredentials
from botocore.endpoint import Endpoint
from botocore.session import Session
from botocore.signers import RequestSigner

from kmsmock import _environment, _hook, _mock

_lock = threading.Lock()
# Marks a wrapper, so that this module imported anew (pytester drops the modules a test
# imported first) never wraps a wrapper.
_MARK = "__kmsmock_guard__"
_CREATE_CLIENT = inspect.signature(Session.create_client)
_KEY_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
_TOKEN_VARIABLES = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def _is_kms(request: Any) -> bool:
    # KMS speaks AWS JSON 1.1: every request names its operation as TrentService.<Op>,
    # whatever endpoint the client was given.
    target = request.headers.get("X-Amz-Target", b"")
    if isinstance(target, bytes):
        return target.startswith(b"TrentService.")
    return isinstance(target, str) and target.startswith("TrentService.")


def _answer(request: Any) -> Any:
    """The active mock's answer to a KMS request, or None to let it go on."""
    if _mock.innermost() is None or not _is_kms(request):
        return None
    return _hook.before_send(request)


def _send(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def send(self: Any, request: Any) -> Any:
        answer = _answer(request)
        return original(self, request) if answer is None else answer

    return send


def _async_send(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def send(self: Any, request: Any) -> Any:
        answer = _answer(request)
        if answer is None:
            return await original(self, request)
        return await answer

    return send


def _sign(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def sign(self: Any, operation_name: str, request: Any, *args: Any, **kwargs: Any) -> Any:
        if (
            getattr(self, "_credentials", True) is None
            and getattr(self, "_signing_name", None) == "kms"
            and _mock.innermost() is not None
        ):
            _hook.before_sign(request, request_signer=self)
        return original(self, operation_name, request, *args, **kwargs)

    return sign


def _offline_credentials(session: Any) -> dict[str, str | None] | None:
    """Credentials for a KMS client made while a mock is active, found without the
    network or a subprocess; None to let botocore use the session's (static) ones."""
    current = getattr(session, "_credentials", None)
    if current is not None and not isinstance(current, RefreshableCredentials):
        return None
    key, secret = (os.environ.get(name) for name in _KEY_VARIABLES)
    token = next((os.environ[n] for n in _TOKEN_VARIABLES if os.environ.get(n)), None)
    if not (key and secret):
        key = secret = _environment.FAKE_KEY
        token = None
    return {"aws_access_key_id": key, "aws_secret_access_key": secret, "aws_session_token": token}


def _create_client(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _mock.innermost() is not None:
            try:
                bound = _CREATE_CLIENT.bind(self, *args, **kwargs)
            except TypeError:
                return original(self, *args, **kwargs)  # botocore will say what is wrong
            explicit = bound.arguments.get("aws_access_key_id") or bound.arguments.get(
                "aws_secret_access_key"
            )
            if bound.arguments.get("service_name") == "kms" and not explicit:
                credentials = _offline_credentials(self)
                if credentials is not None:
                    bound.arguments.update(credentials)
                    return original(*bound.args, **bound.kwargs)
        return original(self, *args, **kwargs)

    return create_client


_Wrapper = Callable[[Callable[..., Any]], Callable[..., Any]]


def _wrap(cls: type, name: str, wrapper: _Wrapper) -> None:
    original = getattr(cls, name)
    if not getattr(original, _MARK, False):
        wrapped = wrapper(original)
        setattr(wrapped, _MARK, True)
        setattr(cls, name, wrapped)


def install() -> None:
    """Wrap botocore's (and, when loaded, aiobotocore's) methods; idempotent."""
    with _lock:
        _wrap(Endpoint, "_send", _send)
        _wrap(RequestSigner, "sign", _sign)
        _wrap(Session, "create_client", _create_client)
        endpoint = sys.modules.get("aiobotocore.endpoint")
        if endpoint is not None:
            _wrap(endpoint.AioEndpoint, "_send", _async_send)
        session = sys.modules.get("aiobotocore.session")
        if session is not None:
            _wrap(session.AioSession, "create_client", _create_client)
