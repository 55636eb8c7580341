"""The awsJson1.1 codec, driven by botocore's KMS service model.

Requests are decoded and validated against the operation's input shape the way the
KMS front end does it: every constraint botocore leaves to the server (maximum
lengths, enums, patterns, ranges) fails with AWS's ValidationException text.
Responses are encoded from the output shape; a handler that returns a member the
shape does not have, or a value of the wrong type, is a kmsmock bug and raises. On a
model older than kmsmock's (``older_model``), members and enum values it lacks were
added since: they are left out, and enum values pass, as AWS sends them to old clients.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re
from base64 import b64encode
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeGuard

from botocore import xform_name
from botocore.model import ListShape, MapShape, Shape, StructureShape

from kmsmock._java_order import java_set_order
from kmsmock._json_depth import nesting_exceeds
from kmsmock._model import operation_model
from kmsmock.errors import KMSError, SerializationException, ValidationException

_Decoder = Callable[[Any, str, list[str]], Any]
_Encoder = Callable[[Any], Any]


class EncodingBug(Exception):
    """A handler returned data its output shape does not allow (a kmsmock bug)."""

    def __init__(self, problem: str, path: tuple[str, ...] = ()) -> None:
        self.problem = problem
        self.path = path
        super().__init__(f"{'.'.join(path)}: {problem}" if path else problem)

    def under(self, name: str) -> EncodingBug:
        return EncodingBug(self.problem, (name, *self.path))


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


def _string_decoder(shape: Shape) -> _Decoder:
    length = _length_checks(shape)
    enum = list(getattr(shape, "enum", []) or [])
    enum_set = frozenset(enum)
    enum_text = "[" + ", ".join(java_set_order(enum)) + "]" if enum else ""
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
                    value, path, sensitive, f"Member must satisfy enum value set: {enum_text}"
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


def _integer_decoder(shape: Shape) -> _Decoder:
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


def _boolean_decoder(shape: Shape) -> _Decoder:
    def decode(value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, bool):
            raise _serialization("boolean", value)
        return value

    return decode


def _blob_decoder(shape: Shape) -> _Decoder:
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


def _timestamp_decoder(shape: Shape) -> _Decoder:
    def decode(value: Any, path: str, errors: list[str]) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _serialization("timestamp", value)
        # Compared before float(): float() of a huge integer raises OverflowError.
        if not _EARLIEST <= value <= _LATEST:
            raise SerializationException(f"Timestamp at '{path}' is out of range")
        return float(value)

    return decode


def _list_decoder(shape: ListShape) -> _Decoder:
    member = _decoder(shape.member)
    length = _length_checks(shape)

    def decode(value: Any, path: str, errors: list[str]) -> Any:
        if not isinstance(value, list):
            raise _serialization("list", value)
        if length is not None:
            length(value, len(value), path, errors)
        return [member(item, f"{path}.{i}.member", errors) for i, item in enumerate(value, 1)]

    return decode


def _map_decoder(shape: MapShape) -> _Decoder:
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


def _structure_decoder(
    shape: StructureShape, snake: bool = False, also_required: frozenset[str] = frozenset()
) -> _Decoder:
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


def _decoder(shape: Shape) -> _Decoder:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        return _structure_decoder(shape)
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


_PLAIN = frozenset({"string", "integer", "long", "boolean"})


def _is_plain(shape: Shape) -> TypeGuard[StructureShape]:
    return isinstance(shape, StructureShape) and all(
        member.type_name in _PLAIN for member in shape.members.values()
    )


def _plain_structure_encoder(shape: StructureShape, older: bool) -> _Encoder:
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


class _RawJSON(str):
    """JSON text already encoded, spliced into the response as it is."""


# Entries of a flat top-level list (ListKeys' {KeyId, KeyArn}) are encoded once and the
# text reused: a thousand-key listing is then a join, not a JSON encoding of a thousand
# dicts, which cost more than botocore's parsing of the answer. The text depends only
# on the entry's values, so sharing it across mocks shares no state; the memo is bounded.
_MEMO_LIMIT = 50_000


def _raw_list_encoder(shape: StructureShape, older: bool) -> _Encoder:
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
        return _RawJSON("[" + ",".join(parts) + "]")

    return encode_raw_list


def _encoder(shape: Shape, *, top: bool = False, older: bool = False) -> _Encoder:
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
        members: dict[str, _Encoder | None] = {
            name: _raw_list_encoder(member.member, older)
            if top and isinstance(member, ListShape) and _is_plain(member.member)
            # Scalars go out as they are; their types are checked by kmsmock's tests,
            # which validate every response against the output shape.
            else None
            if member.type_name in _PLAIN
            else _encoder(member, older=older)
            for name, member in shape.members.items()
        }

        def encode_structure(value: Any) -> Any:
            if not isinstance(value, Mapping):
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
        member = _encoder(shape.member, older=older)
        return lambda value: [member(v) for v in value]
    if kind == "map":
        assert isinstance(shape, MapShape)
        map_value = _encoder(shape.value, older=older)
        return lambda value: {str(k): map_value(v) for k, v in value.items()}
    if kind == "blob":

        def encode_blob(value: Any) -> Any:
            if not isinstance(value, bytes):
                raise EncodingBug("expected bytes")
            return b64encode(value).decode("ascii")

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


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; Python's parser accepts them unless told not to.
    raise ValueError(f"{name} is not JSON")


# Deeper than any KMS input shape (three levels at most) by a wide margin, and far
# from the recursion limit the parser would otherwise hit: a deeper document can
# only fail to match its shape, so its refusal is a SerializationException either way.
MAX_NESTING = 100


def _load(body: bytes) -> Any:
    if not body:
        return {}
    if nesting_exceeds(body, MAX_NESTING):
        raise SerializationException(
            f"Invalid JSON in request body: nested deeper than {MAX_NESTING} levels"
        )
    try:
        return json.loads(body, parse_constant=_no_constant)
    except ValueError as error:
        raise SerializationException("Invalid JSON in request body") from error


class OperationCodec:
    """Decoder and encoder of one operation."""

    __slots__ = ("_decode", "_encode", "name", "parameters", "wire_names")

    def __init__(
        self, name: str, *, older_model: bool = False, required: Iterable[str] = ()
    ) -> None:
        """``required``: parameters the handler cannot do without, though the model
        leaves them optional (AWS's documentation requires them): missing, they fail
        validation like the model's required members."""
        model = operation_model(name)
        self.name = name
        input_shape = model.input_shape
        output_shape = model.output_shape
        self.wire_names: dict[str, str] = {
            xform_name(member): member for member in (input_shape.members if input_shape else ())
        }
        self.parameters: frozenset[str] = frozenset(self.wire_names)
        also = frozenset(self.wire_names[p] for p in required if p in self.wire_names)
        self._decode: _Decoder | None = (
            _structure_decoder(input_shape, snake=True, also_required=also)
            if input_shape is not None
            else None
        )
        self._encode: _Encoder | None = (
            _encoder(output_shape, top=True, older=older_model)
            if output_shape is not None
            else None
        )

    def decode(self, body: bytes) -> dict[str, Any]:
        """Snake-case keyword arguments for the handler, or a KMSError."""
        if self._decode is None:
            return {}
        document = _load(body)
        errors: list[str] = []
        arguments: dict[str, Any] = self._decode(document, "", errors)
        if errors:
            count = len(errors)
            noun = "error" if count == 1 else "errors"
            raise ValidationException(f"{count} validation {noun} detected: " + "; ".join(errors))
        return arguments

    def encode(self, result: Mapping[str, Any] | None) -> bytes:
        if self._encode is None:
            if result:
                raise EncodingBug(f"{self.name} has no output shape, but returned {result!r}")
            return b"{}"
        try:
            document = self._encode(result or {})
        except EncodingBug as error:
            raise error.under(f"{self.name} response") from None
        if not any(type(value) is _RawJSON for value in document.values()):
            return json.dumps(document).encode("utf-8")
        members = (
            f"{json.dumps(name)}:{value if type(value) is _RawJSON else json.dumps(value)}"
            for name, value in document.items()
        )
        return ("{" + ",".join(members) + "}").encode("utf-8")


def encode_error(error: KMSError) -> bytes:
    document = {"__type": error.code}
    if error.message:
        # AWS leaves the message out when it has none (InvalidCiphertextException, ...).
        document["message"] = error.message
    return json.dumps(document).encode("utf-8")
