"""Limit / Marker / Truncated / NextMarker, as every KMS list operation pages.

A marker names the position after the last item returned, so a page boundary stays
put while items before it come and go. It is opaque to callers and checked on the
way back: anything kmsmock did not issue for this listing is InvalidMarkerException.

Most listings are positioned by creation sequence number and served from an index
(backend/_ordered.py) in time that depends on the page, not on what exists: their
markers carry the number. Small listings (tags, rotations, policy names) page a sorted
sequence they build whole.
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import TypeVar

from kmsmock.errors import InvalidMarkerException

T = TypeVar("T")
# (after, size) -> up to ``size`` items with a sequence number above ``after``, in
# order, and whether more follow.
Fetch = Callable[[int, int], tuple[list[T], bool]]

_INVALID = "Invalid marker"


def _encode(listing: str, position: str) -> str:
    # surrogatepass: a tag key is any str, so no position may fail to encode.
    raw = f"{listing}\x00{position}".encode("utf-8", errors="surrogatepass")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _decode(listing: str, marker: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(marker.encode("ascii"))
        text = raw.decode("utf-8", errors="surrogatepass")
    except (binascii.Error, UnicodeError, ValueError) as error:
        raise InvalidMarkerException(_INVALID) from error
    name, separator, position = text.partition("\x00")
    if name != listing or not separator:
        raise InvalidMarkerException(_INVALID)
    return position


def _seq_position(seq: int) -> str:
    # Zero-padded, as markers have always carried it.
    return f"{seq:020d}"


def _seq_of(listing: str, marker: str | None) -> int:
    if marker is None:
        # Before every position: sequence numbers start at 1, list indexes at 0.
        return -1
    position = _decode(listing, marker)
    # Only what _seq_position writes: int() alone would take "+1", " 1" or "1_0".
    if len(position) != 20 or not position.isascii() or not position.isdigit():
        raise InvalidMarkerException(_INVALID)
    return int(position)


def page_size(limit: int | None, *, default: int, maximum: int) -> int:
    """A Limit above the operation's documented maximum is served as the maximum, not
    refused (AWS's behaviour there is not established)."""
    return min(limit or default, maximum)


def page_by_seq(
    listing: str,
    fetch: Fetch[T],
    seq: Callable[[T], int],
    limit: int | None,
    marker: str | None,
    *,
    default: int,
    maximum: int,
) -> tuple[list[T], str | None]:
    """One page of a listing in sequence order, and the marker of the next, if any."""
    size = page_size(limit, default=default, maximum=maximum)
    chunk, more = fetch(_seq_of(listing, marker), size)
    if more:
        return chunk, _encode(listing, _seq_position(seq(chunk[-1])))
    return chunk, None


def seq_slice(items: Sequence[T], seq: Callable[[T], int]) -> Fetch[T]:
    """``fetch`` for ``page_by_seq`` over a short list already in sequence order."""

    def fetch(after: int, size: int) -> tuple[list[T], bool]:
        start = bisect_right(items, after, key=seq)
        return list(items[start : start + size]), start + size < len(items)

    return fetch


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
    """One page of ``items`` (sorted by ``position``) and the marker of the next, if any."""
    size = page_size(limit, default=default, maximum=maximum)
    start = 0
    if marker is not None:
        start = bisect_right(items, _decode(listing, marker), key=position)
    chunk = list(items[start : start + size])
    if start + size < len(items):
        return chunk, _encode(listing, position(chunk[-1]))
    return chunk, None
