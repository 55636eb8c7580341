"""IAM condition operators: how one Condition block is decided against a request.

Semantics from the IAM JSON policy reference (condition operators; single- versus
multi-valued keys): values of one key are ORed, keys and operators are ANDed; a key
absent from the request fails positive operators and satisfies negated ones; the
``IfExists`` forms pass when the key is absent; ``ForAnyValue`` needs one request value
to match and fails on none, ``ForAllValues`` needs every request value to match and
passes on none.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Callable, Sequence

from kmsmock.auth._wildcard import glob

Matcher = Callable[[str, str], bool]


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _date(value: str) -> float | None:
    number = _number(value)
    if number is not None:
        return number
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def _compare(parse: Callable[[str], float | None], test: Callable[[float, float], bool]) -> Matcher:
    def match(request: str, policy: str) -> bool:
        left, right = parse(request), parse(policy)
        return left is not None and right is not None and test(left, right)

    return match


def _ip(request: str, policy: str) -> bool:
    try:
        return ipaddress.ip_address(request) in ipaddress.ip_network(policy, strict=False)
    except ValueError:
        return False


def _like(request: str, policy: str) -> bool:
    # ArnLike too. IAM matches each of an ARN's six colon-separated parts on its own, so
    # there a wildcard cannot span a colon; kmsmock matches the ARN whole, as it always has.
    return glob(policy)(request)


# Base operator name -> (matcher, negated).
OPERATORS: dict[str, tuple[Matcher, bool]] = {
    "StringEquals": (lambda r, p: r == p, False),
    "StringNotEquals": (lambda r, p: r == p, True),
    "StringEqualsIgnoreCase": (lambda r, p: r.lower() == p.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda r, p: r.lower() == p.lower(), True),
    "StringLike": (_like, False),
    "StringNotLike": (_like, True),
    "NumericEquals": (_compare(_number, lambda a, b: a == b), False),
    "NumericNotEquals": (_compare(_number, lambda a, b: a == b), True),
    "NumericLessThan": (_compare(_number, lambda a, b: a < b), False),
    "NumericLessThanEquals": (_compare(_number, lambda a, b: a <= b), False),
    "NumericGreaterThan": (_compare(_number, lambda a, b: a > b), False),
    "NumericGreaterThanEquals": (_compare(_number, lambda a, b: a >= b), False),
    "DateEquals": (_compare(_date, lambda a, b: a == b), False),
    "DateNotEquals": (_compare(_date, lambda a, b: a == b), True),
    "DateLessThan": (_compare(_date, lambda a, b: a < b), False),
    "DateLessThanEquals": (_compare(_date, lambda a, b: a <= b), False),
    "DateGreaterThan": (_compare(_date, lambda a, b: a > b), False),
    "DateGreaterThanEquals": (_compare(_date, lambda a, b: a >= b), False),
    "Bool": (lambda r, p: r.lower() == p.lower(), False),
    "BinaryEquals": (lambda r, p: r == p, False),
    "IpAddress": (_ip, False),
    "NotIpAddress": (_ip, True),
    "ArnEquals": (lambda r, p: r == p, False),
    "ArnNotEquals": (lambda r, p: r == p, True),
    "ArnLike": (_like, False),
    "ArnNotLike": (_like, True),
}


class Condition:
    """One (operator, key, values) test of a statement's Condition block."""

    __slots__ = ("if_exists", "key", "matcher", "negated", "null", "qualifier", "values")

    def __init__(self, operator: str, key: str, values: Sequence[str]) -> None:
        """``operator`` as written; raises ValueError for an operator IAM does not know."""
        qualifier, _, base = operator.rpartition(":")
        if qualifier not in ("", "ForAnyValue", "ForAllValues"):
            raise ValueError(operator)
        self.qualifier = qualifier
        self.if_exists = base.endswith("IfExists") and base != "IfExists"
        if self.if_exists:
            base = base[: -len("IfExists")]
        self.null = base == "Null"
        if self.null:
            if self.if_exists:
                raise ValueError(operator)
            self.matcher: Matcher = lambda r, p: r == p
            self.negated = False
        elif base in OPERATORS:
            self.matcher, self.negated = OPERATORS[base]
        else:
            raise ValueError(operator)
        self.key = key.lower()
        self.values = tuple(values)

    def holds(self, present: Sequence[str] | None) -> bool:
        """Whether the condition holds, given the request's values for the key (None: absent)."""
        if self.null:
            absent = not present
            return any((v.lower() == "true") == absent for v in self.values)
        if not present:
            if self.qualifier == "ForAllValues":
                return True
            if self.qualifier == "ForAnyValue":
                return self.if_exists
            return self.if_exists or self.negated
        match = self.matcher
        values = self.values

        def hit(value: str) -> bool:
            return any(match(value, p) for p in values)

        if self.qualifier == "ForAllValues":
            if self.negated:
                return not any(hit(v) for v in present)
            return all(hit(v) for v in present)
        if self.negated:
            if self.qualifier == "ForAnyValue":
                return any(not hit(v) for v in present)
            return not any(hit(v) for v in present)
        return any(hit(v) for v in present)
