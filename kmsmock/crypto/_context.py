"""The encryption context as authenticated data."""

from __future__ import annotations

from collections.abc import Mapping


def context_aad(context: Mapping[str, str] | None) -> bytes:
    """A canonical, unambiguous encoding of an encryption context.

    Pairs are sorted (order never matters to KMS) and every string is length-prefixed,
    so {"ab": "c"} and {"a": "bc"} can never encode alike. An empty context encodes
    as no context at all; whether AWS treats them alike is not established, and
    equality is what the AWS Encryption SDK assumes.
    """
    if not context:
        return b""
    parts = []
    for name in sorted(context):
        name_bytes = name.encode("utf-8")
        value_bytes = context[name].encode("utf-8")
        parts.append(len(name_bytes).to_bytes(4, "big"))
        parts.append(name_bytes)
        parts.append(len(value_bytes).to_bytes(4, "big"))
        parts.append(value_bytes)
    return b"".join(parts)
