"""IAM wildcards (``*`` any run of characters, ``?`` exactly one, the rest literal).

Matched without a backtracking regex: translating ``*`` to ``.*`` makes a pattern such
as ``*a*a*a*a*b`` exponential in the value's length, and authorization runs under the
backend's lock. Split on ``*``, a pattern is a head anchored at the start, a tail
anchored at the end and middle pieces in order between them. Placing each middle piece
at its leftmost possible position is always right, because every piece has a fixed
length, so an earlier placement leaves more room for the rest. That makes the worst
case O(len(value) * len(pattern)), and the usual patterns (exact, ``prefix*``, ``*``)
one string method call.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

Wildcard = Callable[[str], bool]


def _anything(value: str) -> bool:
    return True


def _plain(head: str, middle: list[str], tail: str) -> Wildcard:
    """A pattern with stars and no "?": string methods only."""
    if not middle:
        # The common shapes, one or two string methods each.
        if not tail:
            return (lambda value: value.startswith(head)) if head else _anything
        if not head:
            return lambda value: value.endswith(tail)
    shortest = len(head) + sum(map(len, middle)) + len(tail)
    head_size, tail_size = len(head), len(tail)
    if not middle:
        return lambda value: (
            len(value) >= shortest and value.startswith(head) and value.endswith(tail)
        )
    if len(middle) == 1:
        # Such as arn:aws:iam::*:user/*, worth a single expression.
        (piece,) = middle
        return lambda value: (
            len(value) >= shortest
            and value.startswith(head)
            and value.endswith(tail)
            and value.find(piece, head_size, len(value) - tail_size) >= 0
        )

    def match(value: str) -> bool:
        if len(value) < shortest or not (value.startswith(head) and value.endswith(tail)):
            return False
        start, end = head_size, len(value) - tail_size
        for piece in middle:
            start = value.find(piece, start, end)
            if start < 0:
                return False
            start += len(piece)
        return True

    return match


def _regex(piece: str) -> re.Pattern[str]:
    # Literals and "." only: with no quantifier, this regex cannot backtrack.
    return re.compile("".join("." if c == "?" else re.escape(c) for c in piece), re.DOTALL)


def _single(head: str, middle: list[str], tail: str) -> Wildcard:
    """A pattern with stars and "?": each piece a fixed-length regex."""
    first, last = _regex(head), _regex(tail)
    pieces = tuple(_regex(piece) for piece in middle)
    shortest = len(head) + sum(map(len, middle)) + len(tail)
    head_size, tail_size = len(head), len(tail)

    def match(value: str) -> bool:
        end = len(value) - tail_size
        if len(value) < shortest or first.match(value) is None or last.match(value, end) is None:
            return False
        start = head_size
        for piece in pieces:
            found = piece.search(value, start, end)
            if found is None:
                return False
            start = found.end()
        return True

    return match


def _compile(pattern: str) -> Wildcard:
    if "*" not in pattern:
        if "?" not in pattern:
            return pattern.__eq__
        whole = _regex(pattern)
        return lambda value: whole.fullmatch(value) is not None
    head, *pieces, tail = pattern.split("*")
    middle = [piece for piece in pieces if piece]
    return (_single if "?" in pattern else _plain)(head, middle, tail)


@functools.lru_cache(maxsize=1024)
def glob(pattern: str, ignore_case: bool = False) -> Wildcard:
    """A test of whether a whole value matches the IAM wildcard ``pattern``.

    With ``ignore_case``, pattern and value are compared in lower case (``str.lower``;
    where that lengthens a character, "?" matches one character of the result).
    """
    if not ignore_case:
        return _compile(pattern)
    lowered = pattern.lower()
    # Action patterns: the shapes nearly all take (kms:Encrypt, kms:*, *) kept to one call.
    if "?" not in lowered:
        if "*" not in lowered:
            return lambda value: value.lower() == lowered
        head = lowered[:-1]
        if lowered.endswith("*") and "*" not in head:
            return (lambda value: value.lower().startswith(head)) if head else _anything
    inner = _compile(lowered)
    return lambda value: inner(value.lower())
