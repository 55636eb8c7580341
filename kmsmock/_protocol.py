"""The awsJson1.1 codec, driven by botocore's KMS service model.

Requests are parsed (``_load``) and decoded against the operation's input shape
(``_decoding.py``); responses are encoded from its output shape (``_encoding.py``);
errors go out in the protocol's envelope.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from json.scanner import make_scanner
from typing import Any

from botocore import xform_name

from kmsmock._decoding import Decoder, structure_decoder
from kmsmock._encoding import Encoder, EncodingBug, RawJSON, encoder
from kmsmock._json_depth import nesting_exceeds
from kmsmock._model import operation_model
from kmsmock.errors import KMSError, SerializationException, ValidationException

__all__ = ["MAX_NESTING", "EncodingBug", "OperationCodec", "encode_error"]


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; Python's parser accepts them unless told not to.
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)
# The decoder's own parser (decode() calls it between two whitespace matches).
_SCAN = make_scanner(_DECODER)  # type: ignore[arg-type]  # typeshed: a decoder is what it takes

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
        # json.loads(body, parse_constant=...) builds a new JSONDecoder on every call
        # (a few microseconds, on every request): one decoder is made once instead, and
        # the body is decoded from the encoding json.loads itself would detect, which
        # for a "{" not followed by a NUL byte (what every SDK sends) is UTF-8.
        if body[:1] == b"{" and body[1:2] != b"\x00":
            text = body.decode("utf-8", "surrogatepass")
            # The parser itself, without decode()'s whitespace matching around it; a
            # body with anything after its object, or a value missing inside it (which
            # the parser reports as StopIteration), takes decode(), which says what.
            try:
                document, end = _SCAN(text, 0)
            except StopIteration:
                end = -1
            if end == len(text):
                return document
        else:
            text = body.decode(json.detect_encoding(body), "surrogatepass")
        return _DECODER.decode(text)
    except ValueError as error:
        raise SerializationException("Invalid JSON in request body") from error


class OperationCodec:
    """Decoder and encoder of one operation."""

    __slots__ = ("_decode", "_encode", "_older", "name", "parameters", "wire_names")

    def __init__(
        self, name: str, *, older_model: bool = False, required: Iterable[str] = ()
    ) -> None:
        """``required``: parameters the handler cannot do without, though the model
        leaves them optional (AWS's documentation requires them): missing, they fail
        validation like the model's required members."""
        model = operation_model(name)
        self.name = name
        self._older = older_model
        input_shape = model.input_shape
        output_shape = model.output_shape
        self.wire_names: dict[str, str] = {
            xform_name(member): member for member in (input_shape.members if input_shape else ())
        }
        self.parameters: frozenset[str] = frozenset(self.wire_names)
        also = frozenset(self.wire_names[p] for p in required if p in self.wire_names)
        self._decode: Decoder | None = (
            structure_decoder(input_shape, snake=True, also_required=also)
            if input_shape is not None
            else None
        )
        self._encode: Encoder | None = (
            encoder(output_shape, top=True, older=older_model) if output_shape is not None else None
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
            # An older model may give an operation no output shape where kmsmock's gives
            # one (botocore 1.36's DeleteImportedKeyMaterial): what the handler
            # returns was added since, and is left out as other members added since are.
            if result and not self._older:
                raise EncodingBug(f"{self.name} has no output shape, but returned {result!r}")
            return b"{}"
        try:
            document = self._encode(result or {})
        except EncodingBug as error:
            raise error.under(f"{self.name} response") from None
        if not any(type(value) is RawJSON for value in document.values()):
            return json.dumps(document).encode("utf-8")
        members = (
            f"{json.dumps(name)}:{value if type(value) is RawJSON else json.dumps(value)}"
            for name, value in document.items()
        )
        return ("{" + ",".join(members) + "}").encode("utf-8")


def encode_error(error: KMSError) -> bytes:
    document = {"__type": error.code}
    if error.message:
        # AWS leaves the message out when it has none (InvalidCiphertextException, ...).
        document["message"] = error.message
    return json.dumps(document).encode("utf-8")
