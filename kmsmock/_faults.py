"""Injected faults: errors and delays a test asks for, answered before a call's handler.

``kms.faults.add("ThrottlingException", operation="Encrypt", times=2)`` makes the next
two Encrypt calls fail as AWS fails them when throttling, status and body included, so
that botocore's retry logic runs for real. A fault is decided once the call is known
(signed, decoded, its principal and key identifiers read) and before its handler runs:
a faulted call changes no state. Faults belong to the mock's state: ``kms.reset()``
and every new activation start without any.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from kmsmock.backend._arn import is_key_id, key_arn, parse_arn
from kmsmock.errors import BY_CODE, KMSError

if TYPE_CHECKING:
    from kmsmock.auth._principals import Principal
    from kmsmock.backend._backend import Backend

# The errors AWS sends that the KMS model leaves out or only names, with the status and
# message kmsmock answers them with. ThrottlingException's status and text are AWS's
# (reference section 12, recorded); the model gives DependencyTimeoutException 503,
# KMSInternalException and KeyUnavailableException 500 (httpError traits; kmsmock's
# errors.py sends them so); ServiceUnavailable is the generic 503 every AWS service
# may answer. The other messages are kmsmock's own: AWS's are not recorded.
SERVICE_ERRORS: dict[str, tuple[int, str]] = {
    "ThrottlingException": (
        400,
        "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.",
    ),
    "KMSInternalException": (500, "KMS had an internal error. Retry the request."),
    "DependencyTimeoutException": (
        503,
        "KMS timed out waiting for a service it depends on. Retry the request.",
    ),
    "KeyUnavailableException": (500, "The KMS key is unavailable now. Retry the request."),
    "ServiceUnavailable": (503, "Service Unavailable"),
}

# The request members that name a key, whose values a fault's ``key`` is matched with.
_KEY_MEMBERS = ("key_id", "source_key_id", "destination_key_id", "target_key_id")


def error_codes() -> frozenset[str]:
    """Every error code a fault may answer with."""
    from kmsmock._model import service_model

    modelled = {shape.name for shape in service_model().error_shapes}
    return frozenset(modelled | BY_CODE.keys() | SERVICE_ERRORS.keys())


def retried_by_botocore(code: str) -> bool:
    """Whether botocore's retry modes retry a call answered with error ``code``."""
    from botocore.retries import standard

    # botocore's own lists (standard mode; legacy retries a subset of the same), read
    # where they are kept, and the two of them KMS answers, should a release move them.
    codes = {
        "ThrottlingException",
        "LimitExceededException",
        *getattr(standard.ThrottledRetryableChecker, "_THROTTLED_ERROR_CODES", ()),
        *getattr(standard.TransientRetryableChecker, "_TRANSIENT_ERROR_CODES", ()),
    }
    return code in codes or _status(code) in (500, 502, 503, 504)


def _status(code: str) -> int:
    known = SERVICE_ERRORS.get(code)
    if known is not None:
        return known[0]
    cls = BY_CODE.get(code)
    # Every recorded KMS client error came back 400 (errors.py).
    return cls.status if cls is not None else 400


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, not {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, not {value!r}")
    return float(value)


def _count(name: str, value: object, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {value!r}")
    if value < least:
        raise ValueError(f"{name} must be {least} or more, not {value}")
    return value


def _key_spec(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(
            f"key must be a str (key id, key ARN, alias name or alias ARN), not {key!r}"
        )
    if key.startswith("arn:"):
        arn = parse_arn(key)
        if arn is None or arn.kind not in ("key", "alias"):
            raise ValueError(f"key is not a key ARN or alias ARN: {key!r}")
    elif not (is_key_id(key) or (key.startswith("alias/") and len(key) > 6)):
        raise ValueError(f"key is not a key id, key ARN, alias name or alias ARN: {key!r}")
    return key


def _principal_arn(principal: object) -> str:
    from kmsmock.auth._principals import Principal

    if isinstance(principal, Principal):
        return principal.arn
    if isinstance(principal, str):
        arn = principal
        if arn.startswith("arn:") and (":iam::" in arn or ":sts::" in arn):
            return arn
        raise ValueError(f"principal is not an IAM or STS ARN: {principal!r}")
    raise TypeError(f"principal must be an ARN or a kmsmock principal, not {principal!r}")


def _resolve(backend: Backend, identifier: str, account: str, region: str) -> str | None:
    """The key ARN ``identifier`` names as seen from ``account`` and ``region``, if any."""
    if identifier.startswith("arn:"):
        arn = parse_arn(identifier)
        if arn is None:
            return None
        if arn.kind == "key":
            return identifier
        account, region, identifier = arn.account, arn.region, arn.resource
    if identifier.startswith("alias/"):
        state = backend.find_region(account, region)
        alias = state.aliases.get(identifier) if state is not None else None
        return key_arn(region, account, alias.target_key_id) if alias is not None else None
    return key_arn(region, account, identifier)


class Fault:
    """One injected fault, as ``kms.faults.add`` returns it; ``remove()`` takes it away.

    ``matched`` counts the calls it matched, ``fired`` those it answered (or delayed).
    """

    def __init__(
        self,
        registry: Faults,
        fault_id: str,
        error: str | None,
        message: str,
        operation: str | None,
        key: str | None,
        principal: str | None,
        times: int | None,
        probability: float | None,
        after: int,
        delay: float | None,
    ) -> None:
        self._registry = registry
        self.id = fault_id
        self.error = error
        self.message = message
        self.status = _status(error) if error is not None else 200
        self.operation = operation
        self.key = key
        self.principal = principal
        self.times = times
        self.probability = probability
        self.after = after
        self.delay = delay
        self.matched = 0
        self.fired = 0

    def remove(self) -> None:
        """Stop injecting this fault (nothing happens if it is already gone)."""
        self._registry.remove(self.id)

    def describe(self) -> dict[str, Any]:
        """The fault as JSON: what the control API answers ``GET /_kmsmock/faults`` with."""
        return {
            "id": self.id,
            "error": self.error,
            "message": self.message,
            "status": self.status,
            "operation": self.operation,
            "key": self.key,
            "principal": self.principal,
            "times": self.times,
            "probability": self.probability,
            "after": self.after,
            "delay": self.delay,
            "matched": self.matched,
            "fired": self.fired,
        }

    def exception(self) -> KMSError:
        """The error this fault answers with."""
        assert self.error is not None
        error = KMSError(self.message)
        error.code = self.error
        error.status = self.status
        return error

    def _matches(
        self,
        backend: Backend,
        operation: str,
        arguments: Mapping[str, Any],
        principal: Principal,
        region: str,
    ) -> bool:
        if self.operation is not None and self.operation != operation:
            return False
        if self.principal is not None and not (
            principal.arn == self.principal or self.principal in principal.names
        ):
            return False
        if self.key is None:
            return True
        named = [arguments[m] for m in _KEY_MEMBERS if isinstance(arguments.get(m), str)]
        if self.key in named:
            return True
        wanted = _resolve(backend, self.key, principal.account_id, region)
        return wanted is not None and any(
            _resolve(backend, n, principal.account_id, region) == wanted for n in named
        )

    def __repr__(self) -> str:
        return f"<Fault {self.id} {self.error or 'delay'} fired {self.fired}>"


class Faults:
    """The faults of one mock: ``kms.faults``. Iterating gives those still in force."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self._ids = itertools.count(1)
        # False in a fast mock (``mock_kms(fast=True)``), whose calls botocore never
        # retries: a fault that botocore would retry cannot mean there what it says.
        self.retries_run = True

    def add(
        self,
        error: str | None,
        *,
        operation: str | None = None,
        key: str | None = None,
        principal: str | Principal | None = None,
        times: int | None = None,
        probability: float | None = None,
        after: int = 0,
        delay: float | None = None,
        message: str | None = None,
    ) -> Fault:
        """Answer matching calls with ``error`` (an error code), after ``delay`` seconds.

        A call matches when every filter given holds: ``operation`` (its name),
        ``key`` (a key id, key ARN, alias name or alias ARN, matched with the call's
        KeyId, SourceKeyId, DestinationKeyId or TargetKeyId as written, or with the key
        ARN both resolve to in the caller's account and Region), ``principal`` (the
        caller's ARN, a role's ARN for its sessions, or a principal object). The first
        ``after`` matching calls pass; then each matching call is faulted with
        ``probability`` (default 1), at most ``times`` times (default: until removed).
        ``error=None`` with a ``delay`` slows calls down without failing them.
        ``message`` replaces the error's default message. Bad arguments raise
        TypeError or ValueError and add nothing.
        """
        if error is not None:
            if not isinstance(error, str):
                raise TypeError(f"error must be an error code (str) or None, not {error!r}")
            if error not in error_codes():
                extra = ", ".join(SERVICE_ERRORS)
                raise ValueError(
                    f"{error!r} is not a KMS error code: give one of the KMS model's "
                    f"error shapes (kmsmock.errors) or one of {extra}"
                )
        if operation is not None:
            from kmsmock._model import service_model

            if not isinstance(operation, str):
                raise TypeError(f"operation must be a str, not {operation!r}")
            if operation not in service_model().operation_names:
                raise ValueError(f"{operation!r} is not an operation of the KMS model")
        key = _key_spec(key) if key is not None else None
        principal_arn = _principal_arn(principal) if principal is not None else None
        times = _count("times", times, 1) if times is not None else None
        after = _count("after", after, 0)
        if probability is not None:
            probability = _number("probability", probability)
            if not 0 <= probability <= 1:
                raise ValueError(f"probability must be between 0 and 1, not {probability}")
        if delay is not None:
            delay = _number("delay", delay)
            if delay < 0:
                raise ValueError(f"delay must be 0 seconds or more, not {delay}")
        if error is None and not delay:
            raise ValueError("a fault needs an error, a delay, or both")
        if error is not None and not self.retries_run and retried_by_botocore(error):
            raise ValueError(
                f"{error} is an error botocore retries, and a fast mock "
                "(mock_kms(fast=True)) answers before botocore's retries run: the fault "
                "would fail the call at once instead of being retried. Test retries "
                "with mock_kms() (the default mode)."
            )
        if message is not None and not isinstance(message, str):
            raise TypeError(f"message must be a str, not {message!r}")
        if message is None:
            message = SERVICE_ERRORS[error][1] if error in SERVICE_ERRORS else ""
        with self._lock:
            fault = Fault(
                self,
                f"fault-{next(self._ids)}",
                error,
                message,
                operation,
                key,
                principal_arn,
                times,
                probability,
                after,
                delay,
            )
            self._faults[fault.id] = fault
        return fault

    def remove(self, fault_id: str) -> bool:
        """Remove the fault with this id; whether there was one."""
        with self._lock:
            return self._faults.pop(fault_id, None) is not None

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def __iter__(self) -> Iterator[Fault]:
        with self._lock:
            return iter(list(self._faults.values()))

    def __len__(self) -> int:
        return len(self._faults)

    def __bool__(self) -> bool:
        return bool(self._faults)

    def __repr__(self) -> str:
        return f"<Faults {list(self._faults)}>"

    def draw(
        self,
        backend: Backend,
        operation: str,
        arguments: Mapping[str, Any],
        principal: Principal,
        region: str,
    ) -> Fault | None:
        """The fault that answers this call, if one does; counts it as matched and fired.

        Faults are tried in the order they were added; the first that fires wins, and
        the ones after it do not see the call.
        """
        # Draws for ``probability`` come from the backend's stream, seeded by
        # ``mock_kms(seed=...)``: a seeded run faults the same calls every time.
        rng = backend.random
        with self._lock:
            for fault in list(self._faults.values()):
                if not fault._matches(backend, operation, arguments, principal, region):
                    continue
                fault.matched += 1
                if fault.matched <= fault.after:
                    continue
                if fault.probability is not None and rng.random() >= fault.probability:
                    continue
                fault.fired += 1
                if fault.times is not None and fault.fired >= fault.times:
                    del self._faults[fault.id]
                return fault
        return None


def wait(fault: Fault) -> None:
    """Hold the call for the fault's delay (real time: the point is a slow answer)."""
    if fault.delay:
        time.sleep(fault.delay)
