"""Policy documents: validated once, compiled to statements that answer quickly.

Compilation is cached by the document's text, so a key policy shared by a thousand
keys, or checked on every call, is parsed once. Validation follows what KMS is known
to reject (reference 5.5): unparsable or mis-shaped documents are
MalformedPolicyDocumentException with no message (aws/aws-sdk-ruby#1784), principals
that are not principals get AWS's recorded text.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from kmsmock._json_depth import nesting_exceeds
from kmsmock.auth._conditions import Condition
from kmsmock.auth._wildcard import Wildcard, glob
from kmsmock.errors import MalformedPolicyDocumentException

if TYPE_CHECKING:
    from kmsmock.auth._principals import IdentityRegistry, Principal

INVALID_PRINCIPALS = "Policy contains a statement with one or more invalid principals."

_ACCOUNT = re.compile(r"\d{12}", re.ASCII)
_IAM = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):(root|user/.+|role/.+)", re.ASCII)
_SESSION = re.compile(r"arn:aws[a-z-]*:sts::(\d{12}):assumed-role/([^/]+)/([^/]+)", re.ASCII)
_ROOT = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}):root", re.ASCII)
_TOP = frozenset({"Version", "Id", "Statement"})
_ELEMENTS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
_PRINCIPAL_TYPES = frozenset({"AWS", "Service", "Federated", "CanonicalUser"})

# How deeply a policy's arrays and objects may nest; deeper text is refused unparsed.
# A policy IAM can read nests six levels at most (document, Statement, statement,
# Condition, operator, values). AWS's parser, Jackson, stops at 1000 levels, but here
# the JSON parser, the pretty printer and the request path share Python's recursion
# limit of 1000 frames, so 1000 would still crash. 100 is far above any real policy and
# far below that limit, whatever the depth of the caller. A refused document gets the
# answer any other malformed one gets.
MAX_POLICY_DEPTH = 100

# What a principal is to a statement: not named, named through its account, named itself.
NOT_NAMED, ACCOUNT, DIRECT = 0, 1, 2


def _malformed(message: str = "") -> MalformedPolicyDocumentException:
    return MalformedPolicyDocumentException(message)


def _strings(value: Any) -> list[str]:
    """A policy value that may be one string or a list of them."""
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) for item in items):
        raise _malformed()
    return items


def _scalar_strings(value: Any) -> list[str]:
    """Condition values: strings, numbers or booleans, one or a list, compared as text."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, (str, int, float)):
            out.append(str(item))
        else:
            raise _malformed()
    return out


class Principals:
    """The principals a Principal or NotPrincipal element names."""

    __slots__ = ("accounts", "anyone", "arns")

    def __init__(self, anyone: bool, arns: frozenset[str], accounts: frozenset[str]) -> None:
        self.anyone = anyone
        self.arns = arns
        self.accounts = accounts

    def exempts(self, principal: Principal) -> bool:
        """Whether NotPrincipal leaves ``principal`` out.

        Only an exact ARN does (IAM guide, NotPrincipal): a role's ARN does not spare its
        sessions, nor an account its users.
        """
        if self.anyone or principal.arn in self.arns:
            return True
        return principal.kind == "root" and principal.account_id in self.accounts

    def match(self, principal: Principal) -> int:
        if self.anyone or not self.arns.isdisjoint(principal.names):
            return DIRECT
        if principal.account_id in self.accounts:
            return ACCOUNT
        return NOT_NAMED


def _principals(value: Any, named: list[str]) -> Principals:
    if value == "*":
        return Principals(True, frozenset(), frozenset())
    if not isinstance(value, dict) or not value or not set(value) <= _PRINCIPAL_TYPES:
        raise _malformed(INVALID_PRINCIPALS if isinstance(value, (str, dict)) else "")
    anyone = False
    arns: set[str] = set()
    accounts: set[str] = set()
    for kind, items in value.items():
        for item in _strings(items):
            if kind != "AWS":
                # Service and federated principals never sign KMS requests here.
                if not item:
                    raise _malformed(INVALID_PRINCIPALS)
                continue
            if item == "*":
                anyone = True
            elif _ACCOUNT.fullmatch(item):
                accounts.add(item)
            elif (root := _ROOT.fullmatch(item)) is not None:
                accounts.add(root.group(1))
            elif _IAM.fullmatch(item) or _SESSION.fullmatch(item):
                arns.add(item)
                named.append(item)
            else:
                raise _malformed(INVALID_PRINCIPALS)
    return Principals(anyone, frozenset(arns), frozenset(accounts))


class Actions:
    """Action patterns, matched without regard to case."""

    __slots__ = ("exact", "patterns")

    def __init__(self, values: Iterable[str]) -> None:
        exact: set[str] = set()
        patterns: list[Wildcard] = []
        for value in values:
            if value != "*" and ":" not in value:
                raise _malformed()
            if "*" in value or "?" in value:
                patterns.append(glob(value, True))
            else:
                exact.add(value.lower())
        self.exact = frozenset(exact)
        self.patterns = tuple(patterns)

    def match(self, action: str) -> bool:
        """``action`` is lower case, e.g. ``kms:encrypt``."""
        return action in self.exact or any(p(action) for p in self.patterns)


class Resources:
    __slots__ = ("anything", "patterns")

    def __init__(self, values: Iterable[str]) -> None:
        values = list(values)
        self.anything = "*" in values
        self.patterns = tuple(glob(v) for v in values if v != "*")

    def match(self, resource: str) -> bool:
        return self.anything or any(p(resource) for p in self.patterns)


class Statement:
    __slots__ = (
        "actions",
        "allow",
        "conditions",
        "label",
        "not_actions",
        "not_principals",
        "not_resources",
        "principals",
        "resources",
    )

    def __init__(self) -> None:
        self.allow = True
        self.principals: Principals | None = None
        self.not_principals: Principals | None = None
        self.actions: Actions | None = None
        self.not_actions: Actions | None = None
        self.resources: Resources | None = None
        self.not_resources: Resources | None = None
        self.conditions: tuple[Condition, ...] = ()
        # How the journal names it: its Sid, else its position ("#1" is the first).
        self.label = ""

    def principal_match(self, principal: Principal) -> int:
        """How this statement names ``principal`` (identity policies name their owner)."""
        if self.principals is not None:
            return self.principals.match(principal)
        if self.not_principals is not None:
            return NOT_NAMED if self.not_principals.exempts(principal) else DIRECT
        return DIRECT

    def covers(self, action: str, resource: str) -> bool:
        if self.actions is not None:
            if not self.actions.match(action):
                return False
        elif self.not_actions is not None and self.not_actions.match(action):
            return False
        if self.resources is not None:
            return self.resources.match(resource)
        return self.not_resources is None or not self.not_resources.match(resource)

    def holds(self, lookup: Callable[[str], Sequence[str] | None]) -> bool:
        return all(c.holds(lookup(c.key)) for c in self.conditions)


class Policy:
    """A compiled policy: its statements and the IAM principals it names."""

    __slots__ = ("document", "named", "statements")

    def __init__(
        self, document: dict[str, Any], statements: tuple[Statement, ...], named: tuple[str, ...]
    ) -> None:
        self.document = document
        self.statements = statements
        self.named = named


def _conditions(value: Any) -> tuple[Condition, ...]:
    if not isinstance(value, dict):
        raise _malformed()
    out = []
    for operator, tests in value.items():
        if not isinstance(tests, dict) or not tests:
            raise _malformed()
        for key, values in tests.items():
            try:
                condition = Condition(operator, key, _scalar_strings(values))
            except ValueError as error:
                raise _malformed() from error
            if condition.qualifier == "ForAllValues" and condition.key.startswith(
                ("kms:encryptioncontext:", "aws:requesttag/")
            ):
                raise _malformed(
                    f"OverlyPermissiveCondition: the ForAllValues set operator with the "
                    f"single-valued condition key {key} allows requests without it."
                )
            out.append(condition)
    return tuple(out)


def _statement(raw: Any, identity: bool, named: list[str]) -> Statement | None:
    if not isinstance(raw, dict) or not set(raw) <= _ELEMENTS:
        raise _malformed()
    statement = Statement()
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise _malformed()
    statement.allow = effect == "Allow"
    has_principal = "Principal" in raw or "NotPrincipal" in raw
    if identity == has_principal or ("Principal" in raw and "NotPrincipal" in raw):
        raise _malformed()
    if "Principal" in raw:
        statement.principals = _principals(raw["Principal"], named)
    elif "NotPrincipal" in raw:
        statement.not_principals = _principals(raw["NotPrincipal"], named)
    if ("Action" in raw and "NotAction" in raw) or ("Resource" in raw and "NotResource" in raw):
        raise _malformed()
    if "Action" in raw:
        statement.actions = Actions(_strings(raw["Action"]))
    if "NotAction" in raw:
        statement.not_actions = Actions(_strings(raw["NotAction"]))
    if "Resource" in raw:
        statement.resources = Resources(_strings(raw["Resource"]))
    if "NotResource" in raw:
        statement.not_resources = Resources(_strings(raw["NotResource"]))
    if "Condition" in raw:
        statement.conditions = _conditions(raw["Condition"])
    if "Sid" in raw and not isinstance(raw["Sid"], str):
        raise _malformed()
    statement.label = raw.get("Sid") or ""
    no_action = statement.actions is None and statement.not_actions is None
    no_resource = statement.resources is None and statement.not_resources is None
    if no_action or no_resource:
        # Accepted, but a statement without Action or Resource applies to nothing.
        return None
    return statement


def _lone_surrogates(text: str, document: Any) -> bool:
    """Whether a string in the document is half a UTF-16 pair, e.g. from ``"\\ud800"``.

    Such a string is not Unicode text: AWS could not store it, nor kmsmock print it back.
    """
    if text.isascii() and "\\u" not in text:
        return False
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _compile(text: str, identity: bool) -> Policy:
    if nesting_exceeds(text, MAX_POLICY_DEPTH):
        raise _malformed()
    try:
        document = json.loads(text)
    except ValueError as error:
        raise _malformed() from error
    if _lone_surrogates(text, document):
        raise _malformed()
    if not isinstance(document, dict) or not set(document) <= _TOP:
        raise _malformed()
    if document.get("Version", "2012-10-17") not in ("2012-10-17", "2008-10-17"):
        raise _malformed()
    raw = document.get("Statement")
    raws = raw if isinstance(raw, list) else [raw]
    if raw is None or not raws:
        raise _malformed()
    named: list[str] = []
    statements = []
    for position, item in enumerate(raws, 1):
        statement = _statement(item, identity, named)
        if statement is not None:
            statement.label = statement.label or f"#{position}"
            statements.append(statement)
    return Policy(document, tuple(statements), tuple(named))


@functools.lru_cache(maxsize=512)
def compile_key_policy(text: str) -> Policy:
    """A key policy; MalformedPolicyDocumentException when KMS would refuse it."""
    return _compile(text, identity=False)


@functools.lru_cache(maxsize=512)
def compile_identity_policy(text: str) -> Policy:
    """An IAM identity policy (no Principal element)."""
    try:
        return _compile(text, identity=True)
    except MalformedPolicyDocumentException as error:
        raise ValueError(f"not a valid IAM identity policy: {text}") from error


def undeclared(policy: Policy, registry: IdentityRegistry) -> bool:
    """Whether the policy names a user, role or role session nobody declared."""
    return not all(principal_is_valid(arn, registry) for arn in policy.named)


def principal_is_valid(value: str, registry: IdentityRegistry | None) -> bool:
    """Whether ``value`` names an AWS principal (declared, when ``registry`` is given)."""
    if _ACCOUNT.fullmatch(value) or _ROOT.fullmatch(value):
        return True
    session = _SESSION.fullmatch(value)
    if session is not None:
        return (
            registry is None or registry.role_named(session.group(1), session.group(2)) is not None
        )
    if _IAM.fullmatch(value) is None:
        return False
    return registry is None or registry.exists(value)


def default_policy(root: str) -> dict[str, Any]:
    """AWS's default key policy for a key whose account root is ``root`` (reference 5.1)."""
    return {
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": root},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
