"""How deeply JSON nests, found without parsing it.

Python's JSON parser recurses once per array or object level and raises RecursionError
for a hostile document a few hundred levels deep (fewer when called from deep inside a
request). Callers ask here first, before any parser or recursive walk runs: the scan is
linear and never recurses.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping

# What does not count: a JSON string, or a run of characters that are neither brackets nor
# quotes. The string form is unrolled so that its parts never overlap (no backtracking),
# and an unterminated string, or one ending in a lone backslash, runs to the end of the
# text rather than failing: a failed attempt would be retried from every later quote,
# which is quadratic.
_SKIP = rb'"[^"\\]*(?:\\.[^"\\]*)*\\?(?:"|\Z)|[^"\[\]{}]+'
_SKIP_BYTES = re.compile(_SKIP, re.DOTALL)
_SKIP_TEXT = re.compile(_SKIP.decode(), re.DOTALL)
# Iterating text gives characters, iterating bytes gives ints.
_STEPS: dict[str | int, int] = {
    **dict.fromkeys(("[", "{", ord("["), ord("{")), 1),
    **dict.fromkeys(("]", "}", ord("]"), ord("}")), -1),
}


def _openers_at_most(text: bytes, limit: int) -> bool:
    """Whether ``text`` holds at most ``limit`` opening brackets, of both kinds."""
    if len(text) < 1024:
        return text.count(b"[") + text.count(b"{") <= limit
    # A long body (a 4 KiB plaintext's base64) has few brackets, if any: find() skips to
    # each at memchr's speed, where count() reads every byte, twice.
    found = 0
    for opener in (b"[", b"{"):
        at = text.find(opener)
        while at != -1:
            found += 1
            if found > limit:
                return False
            at = text.find(opener, at + 1)
    return True


def nesting_exceeds(text: str | bytes, limit: int) -> bool:
    """Whether JSON ``text`` opens more than ``limit`` arrays or objects inside each other.

    Brackets inside strings do not count; escaped quotes do not end a string. Text that
    is not JSON gets an answer too (a conservative one: it never reports less nesting than
    a parser could reach before failing). Bytes are read in the encoding ``json.loads``
    would detect.
    """
    brackets: str | bytes
    if isinstance(text, bytes):
        # Cheap, and enough for nearly every real document to skip the scan.
        if _openers_at_most(text, limit):
            return False
        encoding = json.detect_encoding(text)
        if encoding not in ("utf-8", "utf-8-sig"):
            # In UTF-16 or UTF-32 a quote byte can be half of another character.
            return nesting_exceeds(text.decode(encoding, "replace"), limit)
        brackets = _SKIP_BYTES.sub(b"", text)
    else:
        if text.count("[") + text.count("{") <= limit:
            return False
        brackets = _SKIP_TEXT.sub("", text)
    # The depth after each bracket. Where it falls below zero the parser has already
    # failed, and nothing after that point is parsed, so it need not be clamped there.
    depths = itertools.accumulate(map(_STEPS.__getitem__, brackets))
    return max(depths, default=0) > limit


def value_nesting_exceeds(value: object, limit: int) -> bool:
    """Whether a Python value (mappings, lists, tuples) nests deeper than ``limit``.

    For documents given as objects rather than text: ``json.dumps`` recurses as the
    parser does. Iterative, and a value that contains itself reports True.
    """
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, Mapping):
            children: list[object] = list(item.values())
        elif isinstance(item, (list, tuple)):
            children = list(item)
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False
