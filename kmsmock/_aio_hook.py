"""The async front: aiobotocore's (and so aioboto3's) clients answered in-process.

aiobotocore sessions load botocore's ``BUILTIN_HANDLERS`` too, so their clients carry
the same ``before-send.kms`` and ``before-sign.kms`` hooks as botocore's, and a KMS call
takes the same path through ``MockKMS.handle``. What differs is what aiobotocore does
with a handler's answer, and this module supplies only that difference:

- its emitter awaits whatever a handler returns that is awaitable, where botocore's
  takes the answer as it is; and its endpoint then awaits the response's ``content``.
  The hook's response (``AwaitableResponse``) is botocore's ``AWSResponse`` as it is,
  and awaited it becomes aiobotocore's ``AioAWSResponse`` over the same status, headers
  and body. A handler cannot tell which emitter called it (both pass the same
  arguments), so the one answer serves both, and the sync path pays nothing for it.
- its signer awaits the credentials' ``get_frozen_credentials()``; the fake credentials
  given to a client created without any must be aiobotocore's kind for it.

Nothing is decided here: this module translates, ``MockKMS.handle`` answers.
aiobotocore is imported only when one of its clients asks, so kmsmock does not
depend on it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Generator
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.credentials import Credentials

# The credentials a client without any is signed with (see ``_hook.before_sign``); no
# declared principal holds this access key, so it acts as the default principal.
_ACCESS_KEY = _SECRET_KEY = "testing"
_SYNC_FALLBACK = Credentials(_ACCESS_KEY, _SECRET_KEY)


class _AsyncBody:
    """The raw-response object AioAWSResponse awaits its body from."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes) -> None:
        self._body = body

    async def read(self) -> bytes:
        return self._body


async def _for_aiobotocore(response: AWSResponse) -> AWSResponse:
    from aiobotocore.awsrequest import AioAWSResponse

    answer: AWSResponse = AioAWSResponse(
        response.url, response.status_code, response.headers, _AsyncBody(response.content)
    )
    return answer


class AwaitableResponse(AWSResponse):
    """botocore's response to a KMS call, which aiobotocore's emitter awaits into its own."""

    def __await__(self) -> Generator[Any, None, AWSResponse]:
        return _for_aiobotocore(self).__await__()


@functools.cache
def _async_fallback() -> Credentials:
    from aiobotocore.credentials import AioCredentials

    credentials: Credentials = AioCredentials(_ACCESS_KEY, _SECRET_KEY)
    return credentials


def fallback_credentials(request_signer: Any) -> Credentials:
    """Fake credentials of the kind ``request_signer`` can use."""
    # aiobotocore's signer is botocore's with coroutine methods; looked at only for the
    # rare client that has no credentials of its own.
    if inspect.iscoroutinefunction(getattr(request_signer, "sign", None)):
        return _async_fallback()
    return _SYNC_FALLBACK
