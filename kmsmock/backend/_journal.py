"""The record of the calls a backend answered: the most recent ones, within a bound."""

from __future__ import annotations

import collections
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple, overload

from kmsmock.auth._decision import Decision
from kmsmock.backend._arn import key_arn

# How many calls a journal keeps unless told otherwise: enough for any assertion a
# test makes, while a session-scoped mock answering millions of calls stays at a few
# megabytes.
DEFAULT_LIMIT = 10_000

# What ``mock_kms(journal=...)`` takes: True (the default bound), False (off), a
# positive number of calls, or None (keep every call).
JournalOption = bool | int | None


def journal_limit(option: JournalOption) -> int | None:
    """The bound ``option`` asks for: 0 keeps nothing, None keeps everything."""
    if option is None:
        return None
    if isinstance(option, bool):
        return DEFAULT_LIMIT if option else 0
    if not isinstance(option, int):
        raise TypeError(f"journal must be True, False, None or a number of calls, not {option!r}")
    if option < 0:
        raise ValueError(f"journal must keep zero or more calls, not {option}")
    return option


# The identifier members of a request, which ``filter(key=...)`` also reads.
_KEY_MEMBERS = ("KeyId", "SourceKeyId", "DestinationKeyId", "TargetKeyId")


class Call(NamedTuple):
    """One answered call.

    ``time`` is on the mock's clock (seconds since the epoch); ``error`` the KMS error
    code, or None on success, and ``message`` its message. ``parameters`` are the
    request's members by their API names, each secret or binary one (Plaintext,
    CiphertextBlob, ...) replaced by ``"<redacted>"``. ``channel`` says how the call
    came: "in-process" (botocore), "fast" (botocore, in a fast mock), "async"
    (aiobotocore), "http" (the server) or "requests". ``fault`` is the id of the
    injected fault that answered it, if one did.
    ``decisions`` are what authorization decided, one per key or resource checked
    (``kms.explain(call)`` puts them in words); ``keys`` the key ARNs they were about.
    ``access_key`` is the caller's access key id, ``user_agent`` the client's.
    """

    time: float
    account: str
    region: str
    principal: str
    operation: str
    error: str | None
    message: str | None = None
    parameters: Mapping[str, Any] | None = None
    channel: str = "in-process"
    request_id: str = ""
    fault: str | None = None
    decisions: tuple[Decision, ...] = ()
    access_key: str = ""
    user_agent: str = ""
    created: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        """The ARNs of the keys the call was about: those it was authorized against (or
        refused on), and the key a CreateKey or ReplicateKey made (``created``)."""
        found = [d.resource for d in self.decisions if ":key/" in d.resource]
        if self.created is not None:
            found.append(self.created)
        return tuple(dict.fromkeys(found))

    def names_key(self, key: str) -> bool:
        """Whether the call was about ``key``: a key ARN or id it resolved to, or an
        identifier (alias name, alias ARN) it was given."""
        for arn in self.keys:
            if arn == key or arn.endswith("/" + key):
                return True
        parameters = self.parameters
        return parameters is not None and any(parameters.get(m) == key for m in _KEY_MEMBERS)


def request_id_text(prefix: str, number: int) -> str:
    """A request id as AWS writes one (a UUID): a backend's random prefix of 24
    characters and its ``number``-th call in 12 hex digits, without a uuid4 per call."""
    return f"{prefix}{number & 0xFFFFFFFFFFFF:012x}"


# What the journal keeps of a call: a plain tuple of Call's fields, in Call's order,
# made into a Call only when read. Two fields are kept smaller than Call shows them,
# since a session's journal holds thousands of records: the request id as its number
# (``request_id_text``; the text is 85 bytes), and the key a CreateKey made as its key
# id, the very string the key holds, where its ARN (124 bytes) is the call's account
# and region's (a ReplicateKey's replica, in another region, is kept as its ARN).
Record = tuple[
    float,
    str,
    str,
    str,
    str,
    "str | None",
    "str | None",
    "Mapping[str, Any] | None",
    str,
    int,
    "str | None",
    tuple[Decision, ...],
    str,
    str,
    "str | None",
]


class Journal(Sequence[Call]):
    """The calls answered, oldest first; past its limit the oldest are dropped.

    ``kms.calls`` is this object itself, not a copy, so ``kms.calls.clear()`` empties
    it. It compares equal to a list of the same calls.
    """

    __slots__ = ("_calls", "limit", "request_prefix")

    def __init__(self, limit: int | None = DEFAULT_LIMIT, request_prefix: str = "") -> None:
        self.limit = limit
        # The prefix of the request ids of the backend's calls (``request_id_text``).
        self.request_prefix = request_prefix
        # A deque with a maxlen drops from the left as it appends: O(1) either way,
        # and append is atomic, so threads answering concurrently need no lock here.
        self._calls: collections.deque[Record] = collections.deque(maxlen=limit)

    def record(self, record: Record) -> None:
        """Keep one call, as a ``Record``."""
        if self.limit != 0:
            self._calls.append(record)

    def _call(self, record: Record) -> Call:
        (when, account, region, principal, operation, error, message, parameters) = record[:8]
        (channel, number, fault, decisions, access_key, agent, created) = record[8:]
        if created is not None and not created.startswith("arn:"):
            created = key_arn(region, account, created)
        return Call(
            when,
            account,
            region,
            principal,
            operation,
            error,
            message,
            parameters,
            channel,
            request_id_text(self.request_prefix, number),
            fault,
            decisions,
            access_key,
            agent,
            created,
        )

    def clear(self) -> None:
        """Forget every call recorded so far."""
        self._calls.clear()

    def filter(
        self,
        *,
        operation: str | None = None,
        key: str | None = None,
        error: str | bool | None = None,
        principal: str | None = None,
        channel: str | None = None,
    ) -> list[Call]:
        """The calls that match every filter given, oldest first.

        ``key``: a key ARN or key id the call resolved to, or an identifier it was
        given (alias name or ARN); ``error``: an error code, True for every failed
        call, False for every successful one; ``principal``: the caller's ARN.
        """
        for name, value in (("operation", operation), ("key", key), ("principal", principal)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a str, not {value!r}")
        if error is not None and not isinstance(error, str | bool):
            raise TypeError(f"error must be an error code, True or False, not {error!r}")
        found = []
        for call in self:
            if operation is not None and call.operation != operation:
                continue
            if principal is not None and call.principal != principal:
                continue
            if channel is not None and call.channel != channel:
                continue
            if (error is True and call.error is None) or (error is False and call.error):
                continue
            if isinstance(error, str) and call.error != error:
                continue
            if key is not None and not call.names_key(key):
                continue
            found.append(call)
        return found

    def cloudtrail(self) -> list[dict[str, Any]]:
        """The calls as CloudTrail event records of KMS (JSON-serialisable dicts)."""
        from kmsmock._cloudtrail import event

        return [event(call) for call in self]

    @overload
    def __getitem__(self, index: int) -> Call: ...

    @overload
    def __getitem__(self, index: slice) -> list[Call]: ...

    def __getitem__(self, index: int | slice) -> Call | list[Call]:
        if isinstance(index, slice):
            return [self._call(record) for record in list(self._calls)[index]]
        return self._call(self._calls[index])

    def __len__(self) -> int:
        return len(self._calls)

    def __iter__(self) -> Iterator[Call]:
        # A snapshot: iterating while other threads record must not fail.
        return iter([self._call(record) for record in list(self._calls)])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Journal | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Journal of {len(self._calls)} calls, limit {self.limit}>"
