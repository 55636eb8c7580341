"""Decoding a request against the operation's input shape, as the KMS front end does.

Every constraint botocore leaves to the server (maximum lengths, enums, patterns,
ranges) fails with AWS's ValidationException text; a value of the wrong JSON type, a
number no Java type holds, a string no UTF-8 text holds, fails deserialization.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Callable
from typing import Any

from botocore import xform_name
from botocore.model import ListShape, MapShape, Shape, StructureShape

from kmsmock._java_order import java_set_order
from kmsmock.errors import SerializationException

Decoder = Callable[[Any, str, list[str]], Any]


def _camel(name: str) -> str:
    # AWS writes paths in lowerCamelCase: KeySpec -> keySpec, AWSAccountId -> aWSAccountId.
    return name[:1].lower() + name[1:]


def _java_value(value: Any) -> str:
    """How AWS's Java front end prints a rejected value inside a message."""
    if isinstance(value, bytes):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_java_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_java_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _violation(value: Any, path: str, sensitive: bool, constraint: str) -> str:
    shown = "" if sensitive else f" '{_java_value(value)}'"
    return f"Value{shown} at '{path}' failed to satisfy constraint: {constraint}"


def _length_checks(shape: Shape) -> Callable[[Any, int, str, list[str]], None] | None:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    if low is None and high is None:
        return None
    sensitive = bool(shape.metadata.get("sensitive"))

    def check(value: Any, size: int, path: str, errors: list[str]) -> None:
        if low is not None and size < low:
            errors.append(
                _violation(
                    value,
                    path,
                    sensitive,
                    f"Member must have length greater than or equal to {low}",
                )
            )
        elif high is not None and size > high:
            errors.append(
                _violation(
                    value, path, sensitive, f"Member must have length less than or equal to {high}"
                )
            )

    return check


def _serialization(expected: str, value: Any) -> SerializationException:
    found = type(value).__name__
    return SerializationException(f"Expected {expected} but found {found}")


def _unicode_checked(value: str, path: str) -> str:
    """``value``, if it is a sequence of Unicode scalar values.

    JSON's ``\\uD800`` escapes can spell a lone surrogate, which no UTF-8 text holds:
    AWS stores, logs and hashes strings as UTF-8, so kmsmock refuses such a string where
    it is decoded rather than fail later wherever it is first encoded.
    """
    # isascii() reads a flag of the str object: the common case costs nothing.
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            where = f" at '{path}'" if path else ""
            raise SerializationException(
                f"Invalid string{where}: lone UTF-16 surrogate \\u{ord(value[error.start]):04x}"
            ) from None
    return value


@functools.cache
def _enum_text(values: tuple[str, ...]) -> str:
    # Made on the first violation: ordering every enum of an operation when its codec
    # is built would cost its first call for messages most runs never show.
    return "[" + ", ".join(java_set_order(values)) + "]"


def _string_decoder(shape: Shape) -> Decoder:
    length = _length_checks(shape)
    enum = tuple(getattr(shape, "enum", []) or [])
    enum_set = frozenset(enum)
    pattern_text = shape.metadata.get("pattern")
    pattern = re.compile(pattern_text) if pattern_text else None
    sensitive = bool(shape.metadata.get("sensitive"))

    def decode(value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, str):
            raise _serialization("string", value)
        _unicode_checked(value, path)
        if length is not None:
            length(value, len(value), path, errors)
        if enum_set and value not in enum_set:
            errors.append(
                _violation(
                    value,
                    path,
                    sensitive,
                    f"Member must satisfy enum value set: {_enum_text(enum)}",
                )
            )
        if pattern is not None and pattern.fullmatch(value) is None:
            errors.append(
                _violation(
                    value,
                    path,
                    sensitive,
                    f"Member must satisfy regular expression pattern: {pattern_text}",
                )
            )
        return value

    return decode


# The Java types AWS's front end reads integer and long members into: a number
# outside them fails deserialization before any constraint is checked.
_JAVA_RANGES = {"integer": ("int", 31), "long": ("long", 63)}


def _integer_decoder(shape: Shape) -> Decoder:
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    java_type, bits = _JAVA_RANGES[shape.type_name]
    smallest, largest = -(2**bits), 2**bits - 1

    def decode(value: Any, path: str, errors: list[str]) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _serialization("integer", value)
        if not smallest <= value <= largest:
            shown = str(value) if len(str(value)) <= 40 else f"{str(value)[:40]}..."
            raise SerializationException(
                f"Numeric value ({shown}) out of range of {java_type} "
                f"({smallest} - {largest}) at '{path}'"
            )
        if low is not None and value < low:
            errors.append(
                _violation(
                    value, path, False, f"Member must have value greater than or equal to {low}"
                )
            )
        elif high is not None and value > high:
            errors.append(
                _violation(
                    value, path, False, f"Member must have value less than or equal to {high}"
                )
            )
        return value

    return decode


def _boolean_decoder(shape: Shape) -> Decoder:
    def decode(value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, bool):
            raise _serialization("boolean", value)
        return value

    return decode


def _blob_decoder(shape: Shape) -> Decoder:
    length = _length_checks(shape)

    def decode(value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, str):
            raise _serialization("base64 string", value)
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as error:
            raise SerializationException(
                f"Base64 encoded value at '{path}' is not valid base64"
            ) from error
        if length is not None:
            length(raw, len(raw), path, errors)
        return raw

    return decode


# Epoch seconds of 0001-01-01 and 9999-12-31T23:59:59Z: the dates a timestamp can
# name. Beyond them no date exists to compare or print (an integer of 400 digits
# is not even a float).
_EARLIEST = -62135596800
_LATEST = 253402300799


def _timestamp_decoder(shape: Shape) -> Decoder:
    def decode(value: Any, path: str, errors: list[str]) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _serialization("timestamp", value)
        # Compared before float(): float() of a huge integer raises OverflowError.
        if not _EARLIEST <= value <= _LATEST:
            raise SerializationException(f"Timestamp at '{path}' is out of range")
        return float(value)

    return decode


def _list_decoder(shape: ListShape) -> Decoder:
    member = _decoder(shape.member)
    length = _length_checks(shape)

    def decode(value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, list):
            raise _serialization("list", value)
        if length is not None:
            length(value, len(value), path, errors)
        return [member(item, f"{path}.{i}.member", errors) for i, item in enumerate(value, 1)]

    return decode


def _map_decoder(shape: MapShape) -> Decoder:
    key = _decoder(shape.key)
    value_decoder = _decoder(shape.value)

    def decode(value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, dict):
            raise _serialization("map", value)
        return {
            key(k, f"{path}.key", errors): value_decoder(v, f"{path}.{k}", errors)
            for k, v in value.items()
        }

    return decode


def structure_decoder(
    shape: StructureShape, snake: bool = False, also_required: frozenset[str] = frozenset()
) -> Decoder:
    members = [
        (name, xform_name(name) if snake else name, _camel(name), _decoder(member))
        for name, member in shape.members.items()
    ]
    required = [
        (name, _camel(name))
        for name in shape.members
        if name in shape.required_members or name in also_required
    ]

    def decode(value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, dict):
            raise _serialization("structure", value)
        prefix = f"{path}." if path else ""
        out: dict[str, Any] = {}
        for wire, python, camel, member in members:
            item = value.get(wire)
            if item is None:
                continue
            out[python] = member(item, prefix + camel, errors)
        for wire, camel in required:
            if value.get(wire) is None:
                errors.append(
                    f"Value null at '{prefix}{camel}' failed to satisfy constraint: "
                    "Member must not be null"
                )
        return out

    return decode


def _decoder(shape: Shape) -> Decoder:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        return structure_decoder(shape)
    if kind == "list":
        assert isinstance(shape, ListShape)
        return _list_decoder(shape)
    if kind == "map":
        assert isinstance(shape, MapShape)
        return _map_decoder(shape)
    if kind == "string":
        return _string_decoder(shape)
    if kind in ("integer", "long"):
        return _integer_decoder(shape)
    if kind == "boolean":
        return _boolean_decoder(shape)
    if kind == "blob":
        return _blob_decoder(shape)
    if kind == "timestamp":
        return _timestamp_decoder(shape)
    raise TypeError(f"kmsmock: no decoder for shape type {kind}")
