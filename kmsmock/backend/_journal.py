"""The record of every call a backend answered."""

from __future__ import annotations

from typing import NamedTuple


class Call(NamedTuple):
    """One answered call. ``error`` is the KMS error code, or None on success."""

    time: float
    account: str
    region: str
    principal: str
    operation: str
    error: str | None


class Journal:
    __slots__ = ("_calls", "enabled")

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._calls: list[Call] = []

    def record(self, call: Call) -> None:
        if self.enabled:
            self._calls.append(call)

    @property
    def calls(self) -> list[Call]:
        return list(self._calls)

    def operations(self) -> list[str]:
        return [call.operation for call in self._calls]

    def __len__(self) -> int:
        return len(self._calls)
