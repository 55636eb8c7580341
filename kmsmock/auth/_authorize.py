"""Authorization of a call: key policy, the caller's IAM policies and grants.

The order is KMS's (reference 5.2; KMS guide, "Troubleshooting key access"):
an explicit Deny in any policy wins; otherwise the key policy must allow the caller,
either naming it (enough on its own within the key's account) or naming its account,
which only delegates to IAM, so the caller's identity policies must allow too. A caller
from another account always needs both. A grant for the operation, whose constraints
hold, allows on its own. Every refusal is AccessDeniedException in AWS's words.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from kmsmock.auth._context import RequestContext
from kmsmock.auth._decision import (
    ALLOW,
    EXPLICIT_DENY,
    GRANT,
    IAM_POLICY,
    IMPLICIT_DENY,
    KEY_POLICY,
    KEY_POLICY_AND_IAM,
    NOTHING,
    Decision,
    note,
)
from kmsmock.auth._policy import (
    ACCOUNT,
    DIRECT,
    NOT_NAMED,
    Policy,
    Statement,
    compile_key_policy,
    default_policy,
)
from kmsmock.backend._arn import root_arn
from kmsmock.errors import AccessDeniedException

if TYPE_CHECKING:
    from kmsmock.auth._principals import Principal
    from kmsmock.backend._grants import Grant
    from kmsmock.backend._key import Key
    from kmsmock.operations._request import Request

RESOURCE_DENY = "with an explicit deny in a resource-based policy"
IDENTITY_DENY = "with an explicit deny in an identity-based policy"


def no_allow(kind: str, action: str) -> str:
    return f"because no {kind}-based policy allows the kms:{action} action"


def denied(
    principal: Principal, action: str, resource: str | None, why: str
) -> AccessDeniedException:
    on = f" on resource: {resource}" if resource is not None else ""
    return AccessDeniedException(
        f"User: {principal.arn} is not authorized to perform: kms:{action}{on} {why}"
    )


@functools.lru_cache(maxsize=256)
def default_policy_text(root: str) -> str:
    return json.dumps(default_policy(root))


def key_policy(key: Key) -> Policy:
    """The compiled policy of ``key`` (its default policy when it was given none)."""
    text = key.policy
    if text is None:
        text = default_policy_text(root_arn(key.account_id, key.region))
    return compile_key_policy(text)


def _key_policy_verdict(
    statements: tuple[Statement, ...],
    principal: Principal,
    action: str,
    resource: str,
    ctx: RequestContext,
) -> tuple[int, Statement | None]:
    """-1 for an explicit deny, else how the best Allow names the caller (NOT_NAMED...);
    with the statement that decided (the Deny, or the first best Allow)."""
    best = NOT_NAMED
    chosen = None
    for statement in statements:
        if not statement.covers(action, resource):
            continue
        named = statement.principal_match(principal)
        if named == NOT_NAMED or (statement.conditions and not statement.holds(ctx)):
            continue
        if not statement.allow:
            return -1, statement
        if named > best:
            best, chosen = named, statement
    return best, chosen


def _identity_verdict(
    policies: tuple[Policy, ...], action: str, resource: str, ctx: RequestContext
) -> tuple[int, int | None, Statement | None]:
    """-1 for an explicit deny, 1 when some statement allows, 0 otherwise; with the
    position of the policy (from 1) and the statement that decided."""
    allowed: tuple[int, int | None, Statement | None] = (0, None, None)
    for position, policy in enumerate(policies, 1):
        for statement in policy.statements:
            if not statement.covers(action, resource):
                continue
            if statement.conditions and not statement.holds(ctx):
                continue
            if not statement.allow:
                return -1, position, statement
            if not allowed[0]:
                allowed = (1, position, statement)
    return allowed


def _label(statement: Statement | None) -> str | None:
    return statement.label if statement is not None else None


# The statement of the default key policy that delegates to the key's account.
_DEFAULT_SID = "Enable IAM User Permissions"


@functools.lru_cache(maxsize=4096)
def _default_allow(action: str, arn: str) -> Decision:
    # The common case's decision, one object for all the calls that take it: the
    # journal keeps thousands of them, and making it anew costs more than finding it.
    return Decision(action, arn, ALLOW, KEY_POLICY_AND_IAM, _DEFAULT_SID, iam_restricted=False)


@functools.lru_cache(maxsize=4096)
def _unrestricted_allow(action: str, resource: str) -> Decision:
    # As _default_allow, for the actions IAM alone decides (CreateKey, ListKeys, ...):
    # every CreateKey of a caller without identity policies shares one decision, so
    # the journal's record of a CreateKey holds no Decision of its own (144 bytes).
    return Decision(action, resource, ALLOW, IAM_POLICY, iam_restricted=False)


def _grant(
    key: Key, principal: Principal, action: str, context: Mapping[str, str] | None
) -> Grant | None:
    grants = key.grants
    if not grants:
        return None
    for grant in grants.values():
        if grant.allows(principal, action, context):
            return grant
    return None


def authorize(
    req: Request,
    key: Key,
    action: str,
    *,
    identifier: str | None = None,
    same_key: bool | None = None,
) -> Grant | None:
    """Allow kms:``action`` on ``key`` or raise AccessDeniedException.

    Returns the grant that allowed the call, or None when policies did.
    """
    principal = req.principal
    identity = principal.identity_policies()
    if key.policy is None and identity is None and principal.account_id == key.account_id:
        # The default key policy delegates everything to the key's account, and IAM does
        # not restrict this caller: the common case, decided without building anything.
        note(_default_allow(action, key.arn))
        return None
    ctx = RequestContext(req, action, key, identifier=identifier, same_key=same_key)
    lowered = "kms:" + action.lower()
    statements = key_policy(key).statements
    verdict, statement = _key_policy_verdict(statements, principal, lowered, key.arn, ctx)
    key_label = _label(statement)
    if verdict < 0:
        note(Decision(action, key.arn, EXPLICIT_DENY, KEY_POLICY, key_label))
        raise denied(principal, action, key.arn, RESOURCE_DENY)
    iam_allows = True
    iam_at: int | None = None
    iam_label: str | None = None
    if identity is not None:
        iam, iam_at, iam_statement = _identity_verdict(identity, lowered, key.arn, ctx)
        iam_label = _label(iam_statement)
        if iam < 0:
            note(Decision(action, key.arn, EXPLICIT_DENY, IAM_POLICY, None, iam_at, iam_label))
            raise denied(principal, action, key.arn, IDENTITY_DENY)
        iam_allows = iam > 0
    same_account = principal.account_id == key.account_id
    restricted = identity is not None
    if verdict == DIRECT and (same_account or iam_allows):
        by = KEY_POLICY if same_account else KEY_POLICY_AND_IAM
        note(Decision(action, key.arn, ALLOW, by, key_label, iam_at, iam_label, None, restricted))
        return None
    if verdict == ACCOUNT and iam_allows:
        note(
            Decision(
                action,
                key.arn,
                ALLOW,
                KEY_POLICY_AND_IAM,
                key_label,
                iam_at,
                iam_label,
                None,
                restricted,
            )
        )
        return None
    grant = _grant(key, principal, action, ctx.encryption_context())
    if grant is not None:
        note(Decision(action, key.arn, ALLOW, GRANT, grant_id=grant.grant_id))
        return grant
    kind = "identity" if verdict != NOT_NAMED else "resource"
    note(
        Decision(
            action, key.arn, IMPLICIT_DENY, NOTHING, key_label, iam_at, iam_label, None, restricted
        )
    )
    raise denied(principal, action, key.arn, no_allow(kind, action))


def policy_allows(req: Request, policy: Policy, key: Key, action: str) -> bool:
    """Whether ``policy``, as ``key``'s policy, would let the caller perform ``action``.

    The lockout safety check asks this of a policy before it is installed.
    """
    principal = req.principal
    ctx = RequestContext(req, action, key)
    lowered = "kms:" + action.lower()
    verdict = _key_policy_verdict(policy.statements, principal, lowered, key.arn, ctx)[0]
    if verdict <= NOT_NAMED:
        return False
    identity = principal.identity_policies()
    iam = 1 if identity is None else _identity_verdict(identity, lowered, key.arn, ctx)[0]
    if iam < 0:
        return False
    return (verdict == DIRECT and principal.account_id == key.account_id) or iam > 0


def authorize_iam(
    req: Request, action: str, resource: str = "*", *, name_resource: bool = True
) -> None:
    """An action IAM alone decides (CreateKey, ListKeys, ...), or IAM's half of one."""
    principal = req.principal
    identity = principal.identity_policies()
    if identity is None:
        note(_unrestricted_allow(action, resource))
        return
    ctx = RequestContext(req, action, None)
    verdict, at, statement = _identity_verdict(identity, "kms:" + action.lower(), resource, ctx)
    shown = resource if name_resource else None
    label = _label(statement)
    if verdict < 0:
        note(Decision(action, resource, EXPLICIT_DENY, IAM_POLICY, None, at, label))
        raise denied(principal, action, shown, IDENTITY_DENY)
    if verdict == 0:
        note(Decision(action, resource, IMPLICIT_DENY, NOTHING))
        raise denied(principal, action, shown, no_allow("identity", action))
    note(Decision(action, resource, ALLOW, IAM_POLICY, None, at, label))


def iam_allows(req: Request, action: str, resource: str) -> bool:
    """Whether the caller's IAM policies allow ``action`` on ``resource`` (no key policy)."""
    identity = req.principal.identity_policies()
    if identity is None:
        return True
    ctx = RequestContext(req, action, None)
    return _identity_verdict(identity, "kms:" + action.lower(), resource, ctx)[0] > 0
