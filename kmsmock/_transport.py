"""One request, one path: ``handle`` turns a KMS HTTP request into an HTTP response.

The botocore hook calls this, and so will any other front end (raw HTTP through
``responses``, a server mode): nothing here knows where the request came from.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from kmsmock._dispatch import Operation, lookup
from kmsmock._faults import Fault, wait
from kmsmock._gaps import NotYetImplemented
from kmsmock._identity import caller
from kmsmock._model import service_model
from kmsmock._protocol import encode_error
from kmsmock._redaction import journal_parameters
from kmsmock.auth._decision import begin, end, frozen
from kmsmock.auth._principals import IdentityRegistry, Principal
from kmsmock.backend._backend import Backend
from kmsmock.backend._journal import request_id_text
from kmsmock.errors import KMSError, UnknownOperationException
from kmsmock.operations._grant_tokens import check_grant_tokens
from kmsmock.operations._request import Request

_TARGET_PREFIX = "TrentService."
Response = tuple[int, dict[str, str], bytes]
R = TypeVar("R")
# The operations that make a key, which the journal records as a key of the call.
_CREATING = {"CreateKey": "KeyMetadata", "ReplicateKey": "ReplicaKeyMetadata"}


def _target(headers: Mapping[str, str | bytes]) -> str:
    value = headers.get("X-Amz-Target")
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == "x-amz-target"), "")
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _response(status: int, body: bytes, request_id: str) -> Response:
    headers = {
        "x-amzn-RequestId": request_id,
        "Content-Type": "application/x-amz-json-1.1",
        "Content-Length": str(len(body)),
    }
    return status, headers, body


def handle(
    backend: Backend,
    identities: IdentityRegistry,
    method: str,
    url: str,
    headers: Mapping[str, str | bytes],
    body: bytes,
    channel: str = "in-process",
) -> Response:
    """The wire front: a signed KMS HTTP request in, an HTTP response out."""
    target = _target(headers)
    name = target[len(_TARGET_PREFIX) :] if target.startswith(_TARGET_PREFIX) else ""
    # Every front's headers but the server's are case-insensitive, and SDKs send
    # this spelling: one lookup, on every call.
    agent = headers.get("User-Agent") or ""
    if isinstance(agent, bytes):
        agent = agent.decode("latin-1")
    return serve(
        backend,
        identities,
        name,
        lambda: caller(identities, method, url, headers, body),
        body,
        channel,
        agent,
        _answer,
        _refuse,
    )


def _answer(operation: Operation, result: Mapping[str, Any] | None, request_id: str) -> Response:
    return _response(200, operation.codec.encode(result), request_id)


def _refuse(error: KMSError, request_id: str) -> Response:
    return _response(error.status, encode_error(error), request_id)


def serve(
    backend: Backend,
    identities: IdentityRegistry,
    name: str,
    identify: Callable[[], tuple[Principal, str]],
    body: bytes,
    channel: str,
    agent: str,
    answer: Callable[[Operation, Mapping[str, Any] | None, str], R],
    refuse: Callable[[KMSError, str], R],
) -> R:
    """The one request path every front ends in: operation ``name``, called by whom
    ``identify`` says (principal, region), with the request's awsJson1.1 ``body``;
    faults, authorization, the handler and the journal. ``answer`` and ``refuse`` turn
    the result, or the KMS error, into the front's response (``_fast`` answers with
    botocore's parsed response)."""
    principal: Principal = identities.default
    region = ""
    # The journal keeps the registered name, one string for every call, not the slice;
    # of a name no operation has, no more than an operation name's length.
    recorded_name = name[:128]
    error_code: str | None = None
    error_message: str | None = None
    parameters: dict[str, Any] | None = None
    fault: Fault | None = None
    created: str | None = None
    decisions = begin()
    # Made before dispatch: GetKeyLastUsage reports the request id of a key's last use.
    # The backend's own sequence: a seeded one repeats with the run.
    request_number = next(backend.request_numbers)
    request_id = request_id_text(backend.request_prefix, request_number)
    try:
        operation = lookup(name)
        if operation is None:
            if name and name in service_model().operation_names:
                raise NotYetImplemented(f"the KMS operation {name}")
            raise UnknownOperationException("")
        recorded_name = operation.name
        principal, region = identify()
        arguments = operation.codec.decode(body)
        if backend.journal.limit != 0:
            parameters = journal_parameters(recorded_name, arguments)
        if backend.faults:
            with backend.lock:
                fault = backend.faults.draw(backend, recorded_name, arguments, principal, region)
            if fault is not None:
                # Outside the lock: a slow answer must not hold up other callers.
                wait(fault)
                if fault.error is not None:
                    raise fault.exception()
        if not operation.accepts.issuperset(arguments):
            unsupported = arguments.keys() - operation.accepts
            names = ", ".join(sorted(operation.codec.wire_names[p] for p in unsupported))
            raise NotYetImplemented(f"the parameter(s) {names} of {name}")
        with backend.lock:
            backend.catch_up()
            tokens = arguments.get("grant_tokens")
            if tokens:
                check_grant_tokens(backend, tokens)
            request = Request(backend, principal, region, name, arguments, identities, request_id)
            result = operation.handler(request, **arguments)
        made = _CREATING.get(recorded_name)
        if made is not None and result:
            # The journal keeps the key id the key holds, not a new ARN (_journal.Record).
            metadata = result[made]
            created = metadata["KeyId"] if made == "KeyMetadata" else metadata["Arn"]
        return answer(operation, result, request_id)
    except KMSError as error:
        error_code = error.code
        error_message = error.message
        return refuse(error, request_id)
    except Exception as error:
        # A gap or a bug: recorded under its Python name, never as a KMS answer.
        error_code = f"python:{type(error).__name__}"
        error_message = str(error)
        raise
    finally:
        end()
        if backend.journal.limit != 0:
            backend.journal.record(
                (
                    backend.clock.now(),
                    principal.account_id,
                    # One string per region, not one per call.
                    sys.intern(region),
                    principal.arn,
                    recorded_name,
                    error_code,
                    error_message,
                    parameters,
                    channel,
                    request_number,
                    fault.id if fault is not None else None,
                    # Equal one-decision trails share one tuple (auth/_decision.py).
                    frozen(decisions),
                    principal.access_key_id,
                    # One string per client, not per call: a client's agent repeats.
                    sys.intern(agent[:512]),
                    created,
                )
            )
