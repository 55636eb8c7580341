"""Key policies: GetKeyPolicy, PutKeyPolicy, ListKeyPolicies (reference 5.1, 5.5)."""

from __future__ import annotations

from typing import Any

from kmsmock._dispatch import operation
from kmsmock.auth._authorize import policy_allows
from kmsmock.auth._jackson import pretty
from kmsmock.auth._policy import (
    INVALID_PRINCIPALS,
    compile_key_policy,
    default_policy,
    undeclared,
)
from kmsmock.backend._arn import root_arn
from kmsmock.backend._key import Key
from kmsmock.errors import (
    LimitExceededException,
    MalformedPolicyDocumentException,
    NotFoundException,
)
from kmsmock.operations._pagination import page
from kmsmock.operations._request import Request

# The key policy quota (reference 5.5): 32 KB, not adjustable.
MAX_POLICY_BYTES = 32768
LOCKOUT = "The new key policy will not allow you to update the key policy in the future."


def policy_text(key: Key) -> str:
    """A key's policy as GetKeyPolicy returns it."""
    if key.policy is None:
        return pretty(default_policy(root_arn(key.account_id, key.region)))
    return key.policy


def checked_policy(req: Request, text: str, key: Key, bypass: bool | None) -> str:
    """Validate a policy for ``key`` as KMS does; return it as KMS will store it."""
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        # AWS's text for this quota is not recorded.
        raise LimitExceededException(
            f"The key policy exceeds the maximum size of {MAX_POLICY_BYTES} bytes."
        )
    policy = compile_key_policy(text)
    identities = req.identities
    if identities is not None and identities.check_principals and undeclared(policy, identities):
        raise MalformedPolicyDocumentException(INVALID_PRINCIPALS)
    if not bypass and not policy_allows(req, policy, key, "PutKeyPolicy"):
        raise MalformedPolicyDocumentException(LOCKOUT)
    return pretty(policy.document)


def _policy_name(name: str | None) -> None:
    if name is not None and name != "default":
        # "default" is the only policy name (reference 5.1); AWS's text here is not recorded.
        raise NotFoundException(f"Policy '{name}' does not exist")


@operation("GetKeyPolicy")
def get_key_policy(req: Request, *, key_id: str, policy_name: str | None = None) -> dict[str, Any]:
    key = req.key(key_id)
    _policy_name(policy_name)
    return {"Policy": policy_text(key), "PolicyName": "default"}


@operation("PutKeyPolicy")
def put_key_policy(
    req: Request,
    *,
    key_id: str,
    policy: str,
    policy_name: str | None = None,
    bypass_policy_lockout_safety_check: bool | None = None,
) -> None:
    key = req.key(key_id)
    _policy_name(policy_name)
    key.policy = checked_policy(req, policy, key, bypass_policy_lockout_safety_check)


@operation("ListKeyPolicies")
def list_key_policies(
    req: Request, *, key_id: str, limit: int | None = None, marker: str | None = None
) -> dict[str, Any]:
    req.key(key_id)
    names, next_marker = page(
        "policies", ["default"], lambda n: n, limit, marker, default=100, maximum=1000
    )
    return {
        "PolicyNames": names,
        "NextMarker": next_marker,
        "Truncated": next_marker is not None,
    }
