"""Limit / Marker / Truncated / NextMarker, as every KMS list operation pages.

A marker names the position after the last item returned, so a page boundary stays
put while items before it come and go. It is opaque to callers and checked on the
way back: anything kmsmock did not issue for this listing is InvalidMarkerException.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import TypeVar

from kmsmock.errors import InvalidMarkerException

T = TypeVar("T")


def _encode(listing: str, position: str) -> str:
    return base64.urlsafe_b64encode(f"{listing}\x00{position}".encode()).decode("ascii")


def _decode(listing: str, marker: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(marker.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError) as error:
        raise InvalidMarkerException("Invalid marker") from error
    name, separator, position = raw.partition("\x00")
    if name != listing or not separator:
        raise InvalidMarkerException("Invalid marker")
    return position


def page(
    listing: str,
    items: Sequence[T],
    position: Callable[[T], str],
    limit: int | None,
    marker: str | None,
    *,
    default: int,
    maximum: int,
) -> tuple[list[T], str | None]:
    """One page of ``items`` (ordered by ``position``) and the marker of the next, if any.

    A Limit above the operation's documented maximum is served as the maximum, not
    refused (AWS's behaviour there is not established).
    """
    size = min(limit or default, maximum)
    start = 0
    if marker is not None:
        after = _decode(listing, marker)
        while start < len(items) and position(items[start]) <= after:
            start += 1
    chunk = list(items[start : start + size])
    if start + size < len(items):
        return chunk, _encode(listing, position(chunk[-1]))
    return chunk, None


def seq_position(seq: int) -> str:
    # Zero-padded so that string order is numeric order.
    return f"{seq:020d}"
