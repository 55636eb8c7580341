"""Authorization of a call on a key.

This is the single place every key-scoped call is authorized. Until key policies
are evaluated in full, it knows two policies: the default key policy (the key's
account, through IAM, may do everything; nobody else may), and a custom policy that
grants no more and no less than that. Any other policy is a gap: kmsmock raises
rather than guess what AWS would decide.
"""

from __future__ import annotations

import functools
import json

from kmsmock._gaps import NotYetImplemented
from kmsmock._identity import Principal
from kmsmock.backend._key import Key
from kmsmock.errors import AccessDeniedException


def _denied(principal: Principal, action: str, key: Key) -> AccessDeniedException:
    return AccessDeniedException(
        f"User: {principal.arn} is not authorized to perform: kms:{action} on resource: "
        f"{key.arn} because no resource-based policy allows the kms:{action} action"
    )


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]


@functools.lru_cache(maxsize=256)
def _account_only_policy(policy: str, account_id: str) -> bool:
    """Whether ``policy`` only delegates every KMS action to its own account, as the default."""
    try:
        document = json.loads(policy)
    except ValueError:
        return False
    statements = _as_list(document.get("Statement")) if isinstance(document, dict) else []
    root = {f"arn:aws:iam::{account_id}:root", account_id}
    delegates = False
    for statement in statements:
        if not isinstance(statement, dict):
            return False
        if statement.get("Effect") != "Allow" or "Condition" in statement:
            return False
        if "NotPrincipal" in statement or "NotAction" in statement or "NotResource" in statement:
            return False
        principal = statement.get("Principal")
        aws = principal.get("AWS") if isinstance(principal, dict) else None
        if aws is None or not set(map(str, _as_list(aws))) <= root:
            return False
        actions = {str(a).lower() for a in _as_list(statement.get("Action"))}
        if actions & {"kms:*", "*"} and _as_list(statement.get("Resource")) == ["*"]:
            delegates = True
    return delegates


def authorize(principal: Principal, key: Key, action: str) -> None:
    """Raise AccessDeniedException unless ``principal`` may perform kms:``action`` on ``key``."""
    policy = key.policy
    if policy is not None and not _account_only_policy(policy, key.account_id):
        raise NotYetImplemented(
            f"evaluation of this key policy (key {key.arn}); only the default key policy "
            "and policies equivalent to it are supported"
        )
    if principal.account_id != key.account_id:
        raise _denied(principal, action, key)
