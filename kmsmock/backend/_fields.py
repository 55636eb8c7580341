"""Reading a saved state document: typed field access that says where a bad value is.

Every refusal is a ``StateError`` naming the path of the offending member
(``keys[2].grants[0].operations``), so a hand-written file is easy to fix.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
from collections.abc import Iterable, Iterator
from typing import Any

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_MS = dt.timedelta(milliseconds=1)
_MISSING: Any = object()


class StateError(ValueError):
    """A saved state (or seed) file that kmsmock refuses to load: not JSON, from a newer
    kmsmock, or damaged (a wrong type, a missing member, a reference to nothing).
    Nothing of it is loaded."""


def iso(seconds: float) -> str:
    """A moment as ISO 8601 UTC to the millisecond (KMS's precision): exact both ways."""
    moment = EPOCH + round(seconds * 1000) * _MS
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


class Obj:
    """A JSON object of the document at ``where``, whose members are all ``known``."""

    def __init__(self, value: object, where: str, known: Iterable[str]) -> None:
        if not isinstance(value, dict):
            raise StateError(f"{where}: expected an object, found {_kind(value)}")
        unknown = sorted(set(value) - set(known))
        if unknown:
            raise StateError(f"{where}: unknown member(s) {', '.join(map(repr, unknown))}")
        self.value: dict[str, Any] = value
        self.where = where

    def at(self, name: str) -> str:
        return f"{self.where}.{name}"

    def has(self, name: str) -> bool:
        return self.value.get(name) is not None

    def get(self, name: str, default: Any = _MISSING) -> Any:
        value = self.value.get(name)
        if value is None:
            if default is _MISSING:
                raise StateError(f"{self.at(name)}: missing")
            return default
        return value

    def _typed(self, name: str, kinds: type | tuple[type, ...], what: str, default: Any) -> Any:
        value = self.get(name, default)
        if value is default and default is not _MISSING:
            return value
        if isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else ()):
            raise StateError(f"{self.at(name)}: expected {what}, found bool")
        if not isinstance(value, kinds):
            raise StateError(f"{self.at(name)}: expected {what}, found {_kind(value)}")
        return value

    def text(self, name: str, default: Any = _MISSING) -> Any:
        return self._typed(name, str, "a string", default)

    def flag(self, name: str, default: bool) -> bool:
        value: bool = self._typed(name, (bool,), "true or false", default)
        return value

    def integer(self, name: str, default: Any = _MISSING) -> Any:
        return self._typed(name, int, "an integer", default)

    def number(self, name: str, default: Any = _MISSING) -> Any:
        value = self._typed(name, (int, float), "a number", default)
        if value is not None and not math.isfinite(value):
            raise StateError(f"{self.at(name)}: expected a finite number")
        return None if value is None else float(value)

    def time(self, name: str, default: Any = _MISSING) -> Any:
        """A moment: ISO 8601 with a time zone (what kmsmock writes) or epoch seconds."""
        value = self.get(name, default)
        if value is default and default is not _MISSING:
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value) or value < 0:
                raise StateError(f"{self.at(name)}: not a time: {value!r}")
            return float(value)
        if not isinstance(value, str):
            raise StateError(f"{self.at(name)}: expected an ISO 8601 time, found {_kind(value)}")
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise StateError(f"{self.at(name)}: not an ISO 8601 time: {value!r}") from None
        if moment.tzinfo is None:
            raise StateError(f"{self.at(name)}: give a time zone (e.g. Z): {value!r}")
        if moment < EPOCH:
            raise StateError(f"{self.at(name)}: before 1970: {value!r}")
        return ((moment - EPOCH) // _MS) / 1000

    def data(self, name: str, default: Any = _MISSING) -> Any:
        """Bytes written as base64."""
        value = self.text(name, default)
        if value is default and default is not _MISSING:
            return value
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise StateError(f"{self.at(name)}: not base64") from None

    def hex(self, name: str, default: Any = _MISSING) -> Any:
        value = self.text(name, default)
        if value is default and default is not _MISSING:
            return value
        try:
            return bytes.fromhex(value)
        except ValueError:
            raise StateError(f"{self.at(name)}: not hexadecimal: {value!r}") from None

    def strings(self, name: str, default: Any = _MISSING) -> Any:
        value = self._typed(name, list, "a list of strings", default)
        if value is not None and not all(isinstance(v, str) for v in value):
            raise StateError(f"{self.at(name)}: expected a list of strings")
        return value

    def mapping(self, name: str, default: Any = _MISSING) -> Any:
        """An object of string values (tags, encryption context constraints)."""
        value = self._typed(name, dict, "an object of strings", default)
        if value is not None and not all(isinstance(v, str) for v in value.values()):
            raise StateError(f"{self.at(name)}: expected an object of strings")
        return value

    def items(self, name: str) -> Iterator[tuple[str, Any]]:
        """The elements of a list member (absent: none), each with its path."""
        value = self._typed(name, list, "a list", [])
        for index, item in enumerate(value):
            yield f"{self.at(name)}[{index}]", item

    def child(self, name: str, known: Iterable[str]) -> Obj | None:
        value = self.value.get(name)
        return None if value is None else Obj(value, self.at(name), known)

    def choice(self, name: str, allowed: Iterable[str], default: Any = _MISSING) -> Any:
        value = self.text(name, default)
        allowed = set(allowed)
        if value is not None and value not in allowed:
            options = ", ".join(sorted(allowed))
            raise StateError(f"{self.at(name)}: {value!r} is not one of {options}")
        return value
