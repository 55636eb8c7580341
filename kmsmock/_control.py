"""The control API of the server: JSON under ``/_kmsmock/``, acting on its ``MockKMS``.

It gives a test in another process (or language) what an in-process test reaches
through the mock object: reset, the clock, the journal, principals. Each route takes
the decoded JSON body and returns (status, document); a refused request is a 4xx with
``{"error": ...}`` and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kmsmock._json_depth import nesting_exceeds
from kmsmock._protocol import MAX_NESTING

if TYPE_CHECKING:
    from kmsmock._mock import MockKMS

PREFIX = "/_kmsmock/"
Answer = tuple[int, dict[str, Any] | list[Any]]


class ControlError(Exception):
    """A control request that is refused: its status and what to say."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).isoformat()


def _health(mock: MockKMS, body: Mapping[str, Any]) -> Answer:
    return 200, {"status": "ok"}


def _reset(mock: MockKMS, body: Mapping[str, Any]) -> Answer:
    mock.reset()
    return 200, {"status": "reset"}


def _moment(when: object) -> dt.datetime:
    if not isinstance(when, str):
        raise ControlError(400, "'set' is an ISO-8601 time, e.g. 2030-01-01T00:00:00Z")
    try:
        moment = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        raise ControlError(400, f"'set' is not an ISO-8601 time: {when!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)


def _clock(mock: MockKMS, body: Mapping[str, Any]) -> Answer:
    try:
        if set(body) == {"advance_seconds"}:
            now = mock.clock.advance(seconds=body["advance_seconds"])
        elif set(body) == {"set"}:
            now = mock.clock.set(_moment(body["set"]))
        else:
            raise ControlError(400, 'give {"advance_seconds": N} or {"set": "<ISO-8601>"}')
    except (TypeError, ValueError, ArithmeticError) as error:
        # The clock refuses before it moves; an integer too large for a float is an
        # OverflowError, not its ValueError.
        raise ControlError(400, str(error) or type(error).__name__) from None
    return 200, {"now": _iso(now)}


def _calls(mock: MockKMS, body: Mapping[str, Any]) -> Answer:
    return 200, [
        {
            "time": _iso(call.time),
            "account": call.account,
            "region": call.region,
            "principal": call.principal,
            "operation": call.operation,
            "error": call.error,
            "message": call.message,
            "parameters": call.parameters,
            "keys": list(call.keys),
            "channel": call.channel,
            "request_id": call.request_id,
            "fault": call.fault,
        }
        for call in mock.calls
    ]


_FAULT_MEMBERS = frozenset(
    {"error", "operation", "key", "principal", "times", "probability", "after", "delay", "message"}
)


def _add_fault(mock: MockKMS, body: Mapping[str, Any]) -> Answer:
    unknown = set(body) - _FAULT_MEMBERS
    if unknown:
        raise ControlError(400, f"unknown member(s): {', '.join(sorted(unknown))}")
    if "error" not in body:
        raise ControlError(400, "'error' is required: an error code, or null with 'delay'")
    options = {k: v for k, v in body.items() if k != "error" and v is not None}
    try:
        fault = mock.faults.add(body["error"], **options)
    except (TypeError, ValueError) as error:
        raise ControlError(400, str(error)) from None
    return 200, {"id": fault.id}


def _list_faults(mock: MockKMS, body: Mapping[str, Any]) -> Answer:
    return 200, [fault.describe() for fault in mock.faults]


def _clear_faults(mock: MockKMS, body: Mapping[str, Any]) -> Answer:
    mock.faults.clear()
    return 200, {"status": "cleared"}


def _remove_fault(mock: MockKMS, fault_id: str) -> Answer:
    if not mock.faults.remove(fault_id):
        raise ControlError(404, f"no fault {fault_id}")
    return 200, {"status": "removed", "id": fault_id}


def _get_state(mock: MockKMS, body: Mapping[str, Any]) -> Answer:
    from kmsmock._state_file import state_document

    return 200, state_document(mock)


def _put_state(mock: MockKMS, body: Mapping[str, Any]) -> Answer:
    from kmsmock._state_file import build
    from kmsmock.backend._fields import StateError

    try:
        # Built completely, then swapped in: a refused document changes nothing.
        mock._state = build(mock, dict(body))
    except StateError as error:
        raise ControlError(400, str(error)) from None
    return 200, {"status": "loaded"}


_KINDS = ("user", "role", "root")


def _optional_text(body: Mapping[str, Any], member: str) -> str | None:
    value = body.get(member)
    if value is not None and not (isinstance(value, str) and value):
        raise ControlError(400, f"'{member}' is a non-empty string")
    return value


def _policy(body: Mapping[str, Any]) -> Any:
    """The 'policy' member: a document (object or JSON text), or a list of them."""
    policy = body.get("policy")
    documents = policy if isinstance(policy, list) else [policy]
    if policy is not None and not all(isinstance(d, dict | str) for d in documents):
        raise ControlError(
            400, "'policy' is a policy document (object or string) or a list of them"
        )
    return policy


def _principals(mock: MockKMS, body: Mapping[str, Any]) -> Answer:
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in _KINDS:
        raise ControlError(400, f"'kind' is one of {', '.join(_KINDS)}")
    unknown = set(body) - {"kind", "name", "account", "policy", "path"}
    if unknown:
        raise ControlError(400, f"unknown member(s): {', '.join(sorted(unknown))}")
    account = _optional_text(body, "account")
    try:
        if kind == "root":
            if body.keys() & {"name", "policy", "path"}:
                raise ControlError(400, "a root user takes only 'account'")
            principal: Any = mock.root(account)
        else:
            name = body.get("name")
            if not isinstance(name, str) or not name:
                raise ControlError(400, "'name' is required for a user or role")
            declare = mock.user if kind == "user" else mock.role
            principal = declare(
                name,
                account=account,
                path=_optional_text(body, "path") or "/",
                policy=_policy(body),
            )
    except (TypeError, ValueError) as error:
        raise ControlError(400, str(error)) from None
    return 200, {"arn": principal.arn, "account": principal.account_id, **principal.credentials}


# (method, path after the prefix) -> route.
ROUTES: dict[tuple[str, str], Callable[[MockKMS, Mapping[str, Any]], Answer]] = {
    ("GET", "health"): _health,
    ("POST", "reset"): _reset,
    ("POST", "clock"): _clock,
    ("GET", "calls"): _calls,
    ("POST", "principals"): _principals,
    ("GET", "state"): _get_state,
    ("PUT", "state"): _put_state,
    ("POST", "faults"): _add_fault,
    ("GET", "faults"): _list_faults,
    ("DELETE", "faults"): _clear_faults,
}
_FAULT_PREFIX = "faults/"


def answer(mock: MockKMS, method: str, path: str, body: bytes) -> tuple[int, bytes]:
    """The JSON response to a control request for ``path`` (which starts with PREFIX)."""
    name = path[len(PREFIX) :].rstrip("/")
    route = ROUTES.get((method, name))
    if route is None and method == "DELETE" and name.startswith(_FAULT_PREFIX):
        fault_id = name[len(_FAULT_PREFIX) :]
        route = lambda mock, body: _remove_fault(mock, fault_id)  # noqa: E731
    try:
        if route is None:
            raise ControlError(404, f"no control endpoint {method} {path}")
        if nesting_exceeds(body, MAX_NESTING):
            raise ControlError(400, f"the body nests deeper than {MAX_NESTING} levels")
        try:
            document = json.loads(body) if body.strip() else {}
        except ValueError:
            raise ControlError(400, "the body is not JSON") from None
        if not isinstance(document, dict):
            raise ControlError(400, "the body is a JSON object")
        status, result = route(mock, document)
    except ControlError as error:
        status, result = error.status, {"error": error.message}
    return status, json.dumps(result).encode("utf-8")
