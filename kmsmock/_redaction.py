"""The request parameters a journal keeps: secrets and bytes redacted, as CloudTrail does.

CloudTrail's KMS events leave out every binary member (Plaintext, CiphertextBlob,
Message, Signature, Mac, key material, import tokens) and every member the model marks
sensitive (a custom key store's password, an XKS proxy's credential); its
requestParameters keep the key id, algorithms, encryption context, grant tokens,
policy and tags (KMS developer guide, "Logging AWS KMS API calls with AWS CloudTrail",
the per-operation examples). The journal keeps the member's name with ``REDACTED`` in
its place, so a test sees that it was sent; ``cloudtrail()`` then leaves it out.

Only references to values already decoded are kept, never copies, and no bytes: an
Encrypt's record holds a small dict. A text longer than ``LONG_TEXT`` (a policy can
be 128 KiB) is replaced by its length, so that the journal's bound on calls is a bound
on memory.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from kmsmock._model import operation_model

REDACTED = "<redacted>"
LONG_TEXT = 4096

Transform = Callable[[Any], Any]


def _redact(value: Any) -> Any:
    return REDACTED


def _text(value: Any) -> Any:
    if isinstance(value, str) and len(value) > LONG_TEXT:
        return f"<{len(value)} characters>"
    return value


def _transform(shape: Shape) -> Transform | None:
    """How a member is kept: None as it is, else through the function returned."""
    kind = shape.type_name
    if kind == "blob" or shape.metadata.get("sensitive"):
        return _redact
    if kind == "string":
        return _text if shape.metadata.get("max", LONG_TEXT + 1) > LONG_TEXT else None
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        members = {name: _transform(member) for name, member in shape.members.items()}
        if not any(members.values()):
            return None
        return functools.partial(_structure, members)
    if kind == "list":
        assert isinstance(shape, ListShape)
        inner = _transform(shape.member)
        return None if inner is None else functools.partial(_list, inner)
    if kind == "map":
        assert isinstance(shape, MapShape)
        inner = _transform(shape.value)
        return None if inner is None else functools.partial(_map, inner)
    return None


def _structure(members: Mapping[str, Transform | None], value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    out = {}
    for name, item in value.items():
        transform = members.get(name)
        out[name] = transform(item) if transform is not None else item
    return out


def _list(inner: Transform, value: Any) -> Any:
    return [inner(item) for item in value] if isinstance(value, list) else value


def _map(inner: Transform, value: Any) -> Any:
    return {k: inner(v) for k, v in value.items()} if isinstance(value, dict) else value


@functools.cache
def _plan(operation: str) -> dict[str, tuple[str, Transform | None]]:
    """Handler argument name -> (wire name, transform) for one operation."""
    from botocore import xform_name

    shape = operation_model(operation).input_shape
    if shape is None:
        return {}
    return {xform_name(name): (name, _transform(member)) for name, member in shape.members.items()}


def journal_parameters(operation: str, arguments: Mapping[str, Any]) -> dict[str, Any] | None:
    """The request's parameters by wire name, redacted; None when it had none."""
    if not arguments:
        return None
    plan = _plan(operation)
    out: dict[str, Any] = {}
    for name, value in arguments.items():
        wire, transform = plan[name]
        out[wire] = value if transform is None else transform(value)
    return out


def is_redacted(value: object) -> bool:
    """Whether a journal value stands for something left out (``REDACTED``)."""
    return value is REDACTED or value == REDACTED
