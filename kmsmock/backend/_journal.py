"""The record of the calls a backend answered: the most recent ones, within a bound."""

from __future__ import annotations

import collections
from collections.abc import Iterator, Sequence
from typing import NamedTuple, overload

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


class Call(NamedTuple):
    """One answered call. ``error`` is the KMS error code, or None on success."""

    time: float
    account: str
    region: str
    principal: str
    operation: str
    error: str | None


class Journal(Sequence[Call]):
    """The calls answered, oldest first; past its limit the oldest are dropped.

    ``kms.calls`` is this object itself, not a copy, so ``kms.calls.clear()`` empties
    it. It compares equal to a list of the same calls.
    """

    __slots__ = ("_calls", "limit")

    def __init__(self, limit: int | None = DEFAULT_LIMIT) -> None:
        self.limit = limit
        # A deque with a maxlen drops from the left as it appends: O(1) either way,
        # and append is atomic, so threads answering concurrently need no lock here.
        self._calls: collections.deque[Call] = collections.deque(maxlen=limit)

    def record(self, call: Call) -> None:
        if self.limit != 0:
            self._calls.append(call)

    def clear(self) -> None:
        """Forget every call recorded so far."""
        self._calls.clear()

    @overload
    def __getitem__(self, index: int) -> Call: ...

    @overload
    def __getitem__(self, index: slice) -> list[Call]: ...

    def __getitem__(self, index: int | slice) -> Call | list[Call]:
        if isinstance(index, slice):
            return list(self._calls)[index]
        return self._calls[index]

    def __len__(self) -> int:
        return len(self._calls)

    def __iter__(self) -> Iterator[Call]:
        # A snapshot: iterating while other threads record must not fail.
        return iter(list(self._calls))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Journal | list | tuple):
            return list(self._calls) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Journal of {len(self._calls)} calls, limit {self.limit}>"
