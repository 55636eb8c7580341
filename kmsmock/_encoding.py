"""Encoding a handler's result from the operation's output shape.

A member the shape does not have, or a value of the wrong type, is a kmsmock bug and
raises EncodingBug. On a model older than kmsmock's (``older``), members and enum values
it lacks were added since: they are left out, and enum values pass, as AWS sends them
to old clients.
"""

from __future__ import annotations

import datetime
import json
from binascii import b2a_base64
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from botocore.model import ListShape, MapShape, Shape, StructureShape

Encoder = Callable[[Any], Any]


class EncodingBug(Exception):
    """A handler returned data its output shape does not allow (a kmsmock bug)."""

    def __init__(self, problem: str, path: tuple[str, ...] = ()) -> None:
        self.problem = problem
        self.path = path
        super().__init__(f"{'.'.join(path)}: {problem}" if path else problem)

    def under(self, name: str) -> EncodingBug:
        return EncodingBug(self.problem, (name, *self.path))


_PLAIN = frozenset({"string", "integer", "long", "boolean"})


def _is_plain(shape: Shape) -> TypeGuard[StructureShape]:
    return isinstance(shape, StructureShape) and all(
        member.type_name in _PLAIN for member in shape.members.values()
    )


def _plain_structure_encoder(shape: StructureShape, older: bool) -> Encoder:
    """A structure of scalars goes out as it is, once its member names are checked.

    The types of its values are left to kmsmock's own tests, which check every
    response against the output shape.
    """
    allowed = frozenset(shape.members)

    def encode_plain(value: Any) -> Any:
        # type() first: an isinstance check against the Mapping ABC costs more than the rest.
        if type(value) is not dict and not isinstance(value, Mapping):
            raise EncodingBug(f"expected a mapping, got {type(value).__name__}")
        if not allowed.issuperset(value):
            if older:
                return {k: v for k, v in value.items() if k in allowed and v is not None}
            unknown = sorted(set(value) - allowed)
            raise EncodingBug(f"{shape.name} has no member {unknown[0]}")
        if None in value.values():
            return {name: item for name, item in value.items() if item is not None}
        return value

    return encode_plain


class RawJSON(str):
    """JSON text already encoded, spliced into the response as it is."""


# Entries of a flat top-level list (ListKeys' {KeyId, KeyArn}) are encoded once and the
# text reused: a thousand-key listing is then a join, not a JSON encoding of a thousand
# dicts, which cost more than botocore's parsing of the answer. The text depends only
# on the entry's values, so sharing it across mocks shares no state; the memo is bounded.
_MEMO_LIMIT = 50_000


def _raw_list_encoder(shape: StructureShape, older: bool) -> Encoder:
    encode_one = _plain_structure_encoder(shape, older)
    memo: dict[tuple[tuple[str, Any], ...], str] = {}

    def encode_raw_list(value: Any) -> Any:
        parts = []
        for entry in value:
            key = tuple(entry.items()) if type(entry) is dict else None
            text = memo.get(key) if key is not None else None
            if text is None:
                text = json.dumps(encode_one(entry))
                if key is not None and len(memo) < _MEMO_LIMIT:
                    memo[key] = text
            parts.append(text)
        return RawJSON("[" + ",".join(parts) + "]")

    return encode_raw_list


def _raw_blob(value: Any) -> Any:
    """A blob member of the response, as the JSON string it goes out as.

    Base64 needs no escaping in JSON: splicing the text in spares ``json.dumps`` a scan
    of every character, which for a 4 KiB ciphertext costs more than the encoding.
    """
    if not isinstance(value, bytes):
        raise EncodingBug("expected bytes")
    return RawJSON('"' + b2a_base64(value, newline=False).decode("ascii") + '"')


def encoder(shape: Shape, *, top: bool = False, older: bool = False) -> Encoder:
    """An encoder for ``shape``. Paths are built only on the way out of an error.

    ``top``: the response's own structure, whose members may be spliced in as raw JSON.
    ``older``: the model predates kmsmock's (see the module's docstring); the choice is
    made here, once, so the strict encoders' hot path carries no test for it.
    """
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        if _is_plain(shape):
            return _plain_structure_encoder(shape, older)
        members: dict[str, Encoder | None] = {
            name: _raw_list_encoder(member.member, older)
            if top and isinstance(member, ListShape) and _is_plain(member.member)
            else _raw_blob
            if top and member.type_name == "blob"
            # Scalars go out as they are; their types are checked by kmsmock's tests,
            # which validate every response against the output shape.
            else None
            if member.type_name in _PLAIN
            else encoder(member, older=older)
            for name, member in shape.members.items()
        }

        def encode_structure(value: Any) -> Any:
            # type() first, as in encode_plain: every response passes here at least once.
            if type(value) is not dict and not isinstance(value, Mapping):
                raise EncodingBug(f"expected a mapping, got {type(value).__name__}")
            out = {}
            for name, item in value.items():
                if item is None:
                    continue
                if name not in members:
                    if older:
                        continue
                    raise EncodingBug(f"{shape.name} has no member {name}")
                encode = members[name]
                if encode is None:
                    out[name] = item
                    continue
                try:
                    out[name] = encode(item)
                except EncodingBug as error:
                    raise error.under(name) from None
            return out

        return encode_structure
    if kind == "list":
        assert isinstance(shape, ListShape)
        member = encoder(shape.member, older=older)
        return lambda value: [member(v) for v in value]
    if kind == "map":
        assert isinstance(shape, MapShape)
        map_value = encoder(shape.value, older=older)
        return lambda value: {str(k): map_value(v) for k, v in value.items()}
    if kind == "blob":

        def encode_blob(value: Any) -> Any:
            if not isinstance(value, bytes):
                raise EncodingBug("expected bytes")
            # binascii directly: b64encode is a Python wrapper around this very call.
            return b2a_base64(value, newline=False).decode("ascii")

        return encode_blob
    if kind == "timestamp":

        def encode_timestamp(value: Any) -> Any:
            if isinstance(value, datetime.datetime):
                return value.timestamp()
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise EncodingBug("expected a timestamp")
            return value

        return encode_timestamp
    expected: type = {"string": str, "integer": int, "long": int, "boolean": bool}[kind]
    enum = frozenset() if older else frozenset(getattr(shape, "enum", []) or [])

    def encode_scalar(value: Any) -> Any:
        if type(value) is not expected and (
            not isinstance(value, expected) or isinstance(value, bool)
        ):
            raise EncodingBug(f"expected {kind}, got {type(value).__name__}")
        if enum and value not in enum:
            raise EncodingBug(f"{value!r} is not in the {shape.name} enum")
        return value

    return encode_scalar
