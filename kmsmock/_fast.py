"""The fast mode (``mock_kms(fast=True)``): KMS calls answered at ``before-call``.

botocore emits ``before-call`` once it has validated the parameters and serialized
the request, and before it signs, sends and parses. An answer there is taken as the
call's (HTTP response, parsed response), so signing, the HTTP objects and response
parsing are never paid for. Everything else takes the one request path: the body
botocore serialized goes to ``_transport.serve`` like a wire request's, with the
caller read from the client's credentials and region instead of a signature.

What comes back is what botocore's parser would have made of the default mode's
answer: the output shape's members in the model's order, blobs as bytes, timestamps
as botocore parses them, ResponseMetadata with the same headers; errors in the shape
botocore raises its modelled exceptions from. docs/fast.md lists what the mode gives up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from botocore import UNSIGNED
from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape
from botocore.utils import get_tzinfo_options, parse_timestamp

from kmsmock._aio_hook import fallback_credentials
from kmsmock._dispatch import Operation
from kmsmock._identity import caller_by_credentials
from kmsmock._model import service_model
from kmsmock._protocol import encode_error
from kmsmock._transport import serve
from kmsmock.auth._principals import IdentityRegistry, Principal
from kmsmock.backend._backend import Backend
from kmsmock.errors import KMSError, MissingAuthenticationTokenException

CHANNEL = "fast"
# What botocore's emitter takes from a before-call handler: (HTTP response, parsed).
Answer = tuple[AWSResponse, dict[str, Any]]
Convert = Callable[[Any], Any]

_SCALARS = frozenset({"string", "integer", "long", "boolean", "float", "double"})


# botocore's parser gives every timestamp a new ``tzlocal()``, whose making costs more
# than the rest of the call's conversion; one per local-zone setting gives the same
# datetimes. The key is what tzlocal reads when made, so a test that changes TZ (and
# calls time.tzset, as time-machine does) gets a zone made after the change.
_zones: dict[tuple[int, int, int, tuple[str, str]], tzinfo] = {}


def _local_zone() -> tzinfo:
    setting = (time.timezone, time.altzone, time.daylight, time.tzname)
    zone = _zones.get(setting)
    if zone is None:
        # The zone botocore's parser tries first (dateutil's tzlocal).
        zone = _zones[setting] = get_tzinfo_options()[0]()
    return zone


def _timestamp(value: Any) -> Any:
    # The default mode sends value.timestamp() (or the number) as JSON, which keeps a
    # float exactly; botocore's parser then makes its datetime of that number.
    number = value.timestamp() if isinstance(value, datetime) else value
    try:
        return datetime.fromtimestamp(number, _local_zone())
    except (OSError, OverflowError, ValueError):
        # Out of the platform's range: botocore's own parser, and its fallbacks.
        return parse_timestamp(number)  # type: ignore[arg-type]  # botocore-stubs: str


def converter(shape: Shape) -> Convert:
    """Turn a handler's value of ``shape`` into what botocore parses from its JSON.

    Every container is new: the response must not share lists or dicts with the
    mock's state, as a parsed response never does.
    """
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        members = [
            (name, None if member.type_name in _SCALARS else converter(member))
            for name, member in shape.members.items()
        ]

        def structure(value: Any) -> Any:
            out = {}
            get = value.get
            # The model's order, as botocore's parser builds it; members the installed
            # model lacks are left out, as the default mode's encoder leaves them out.
            for name, convert in members:
                item = get(name)
                if item is not None:
                    out[name] = item if convert is None else convert(item)
            return out

        return structure
    if kind == "list":
        assert isinstance(shape, ListShape)
        if shape.member.type_name in _SCALARS:
            return list
        item = converter(shape.member)
        return lambda value: [item(v) for v in value]
    if kind == "map":
        assert isinstance(shape, MapShape)
        entry = converter(shape.value)
        return lambda value: {str(k): entry(v) for k, v in value.items()}
    if kind == "blob":
        return bytes
    if kind == "timestamp":
        return _timestamp
    return lambda value: value


_converters: dict[str, Convert | None] = {}


def _convert_of(operation: Operation) -> Convert | None:
    convert = _converters.get(operation.name, _converters)
    if convert is _converters:
        output = service_model().operation_model(operation.name).output_shape
        convert = _converters[operation.name] = None if output is None else converter(output)
    return convert  # type: ignore[return-value]


def _metadata(status: int, payload: bytes, request_id: str) -> dict[str, Any]:
    return {
        "RequestId": request_id,
        "HTTPStatusCode": status,
        "HTTPHeaders": {
            "x-amzn-requestid": request_id,
            "content-type": "application/x-amz-json-1.1",
            "content-length": str(len(payload)),
        },
        "RetryAttempts": 0,
    }


class _Response(AWSResponse):
    """botocore's HTTP response, its headers made only if something reads them.

    botocore itself reads only ``status_code``; an ``after-call`` handler may read the
    rest, which is then what the default mode's response carries.
    """

    def __init__(self, url: str, status: int, payload: bytes, request_id: str) -> None:
        # Not AWSResponse.__init__: its HeadersDict costs more than the rest of it.
        self.url = url
        self.status_code = status
        self.raw = None
        self._content = payload
        self._request_id = request_id
        self._headers: HeadersDict | None = None

    # Read-only here: nothing sets a response's headers after botocore made it.
    @property
    def headers(self) -> HeadersDict:  # type: ignore[override]
        if self._headers is None:
            self._headers = HeadersDict(
                {
                    "x-amzn-RequestId": self._request_id,
                    "Content-Type": "application/x-amz-json-1.1",
                    "Content-Length": str(len(self._content)),
                }
            )
        return self._headers


def _answer(
    url: str, operation: Operation, result: Mapping[str, Any] | None, request_id: str
) -> Answer:
    # Encoded as the default mode encodes it: the same checks of the result against the
    # output shape, and the Content-Length the default mode's headers carry.
    payload = operation.codec.encode(result)
    convert = _convert_of(operation)
    parsed: dict[str, Any] = convert(result) if convert is not None and result else {}
    parsed["ResponseMetadata"] = _metadata(200, payload, request_id)
    return _Response(url, 200, payload, request_id), parsed


def _refuse(url: str, error: KMSError, request_id: str) -> Answer:
    payload = encode_error(error)
    parsed: dict[str, Any] = {
        "Error": {"Message": error.message, "Code": error.code},
        "ResponseMetadata": _metadata(error.status, payload, request_id),
    }
    if error.message and _modelled(error.code):
        # botocore adds a modelled error's members (KMS's have only ``message``).
        parsed["message"] = error.message
    return _Response(url, error.status, payload, request_id), parsed


def _modelled(code: str) -> bool:
    # botocore-stubs types the code as an int; botocore looks it up by name.
    return service_model().shape_for_error_code(code) is not None  # type: ignore[arg-type]


def _caller(
    identities: IdentityRegistry, request_signer: Any, context: Mapping[str, Any]
) -> tuple[Principal, str]:
    if request_signer.signature_version is UNSIGNED:
        # The default mode sends such a request without an Authorization header.
        raise MissingAuthenticationTokenException("Missing Authentication Token")
    # The signer keeps the client's credentials in a private attribute (as
    # ``_hook.before_sign`` reads it; ``_hook.before_call`` leaves a signer without it
    # to the default mode); a client without any is signed, in the default mode, with
    # the fake credentials that this supplies too.
    credentials = request_signer._credentials
    if credentials is None:
        credentials = fallback_credentials(request_signer)
    frozen = credentials.get_frozen_credentials()
    # The region the default mode's signature is scoped to.
    signing = context.get("signing") or {}
    region = signing.get("region") or request_signer.region_name or ""
    return caller_by_credentials(
        identities, frozen.access_key or "", frozen.secret_key or "", frozen.token, region
    )


def answer(
    backend: Backend,
    identities: IdentityRegistry,
    model: OperationModel,
    params: Mapping[str, Any],
    request_signer: Any,
    context: Mapping[str, Any],
) -> Answer:
    """Answer one validated, serialized KMS call (``before-call``'s arguments)."""
    body = params.get("body") or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    url = params.get("url") or ""
    agent = params.get("headers", {}).get("User-Agent") or ""
    if isinstance(agent, bytes):
        agent = agent.decode("latin-1")
    return serve(
        backend,
        identities,
        model.name,
        lambda: _caller(identities, request_signer, context),
        body,
        CHANNEL,
        agent,
        lambda operation, result, request_id: _answer(url, operation, result, request_id),
        lambda error, request_id: _refuse(url, error, request_id),
    )
