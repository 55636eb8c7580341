"""The request context: the values of condition keys for one authorization question.

Values are computed only when a policy asks for them, so a call under policies
without conditions (the default key policy) never builds any of this.
Keys that do not apply to the request (aws:SourceIp, aws:SourceVpc, ... ; kms:ViaService
when no service is involved) are absent, as in AWS for a direct SDK call.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kmsmock.backend._key import Key
    from kmsmock.operations._request import Request

Values = Sequence[str] | None

# Where each action finds its encryption context (reference 5.3; ReEncrypt splits its
# two halves between the source and destination keys).
_CONTEXT_ARGUMENT = {
    "Encrypt": "encryption_context",
    "Decrypt": "encryption_context",
    "GenerateDataKey": "encryption_context",
    "GenerateDataKeyWithoutPlaintext": "encryption_context",
    "GenerateDataKeyPair": "encryption_context",
    "GenerateDataKeyPairWithoutPlaintext": "encryption_context",
    "ReEncryptFrom": "source_encryption_context",
    "ReEncryptTo": "destination_encryption_context",
}
_ALGORITHM_ARGUMENT = {
    "Encrypt": "encryption_algorithm",
    "Decrypt": "encryption_algorithm",
    "ReEncryptFrom": "source_encryption_algorithm",
    "ReEncryptTo": "destination_encryption_algorithm",
    "GenerateDataKey": None,
    "GenerateDataKeyWithoutPlaintext": None,
    "GenerateDataKeyPair": None,
    "GenerateDataKeyPairWithoutPlaintext": None,
}
# Condition keys that are a request parameter, as the handler received it.
_ARGUMENT_KEYS = {
    "kms:datakeypairspec": "key_pair_spec",
    "kms:signingalgorithm": "signing_algorithm",
    "kms:macalgorithm": "mac_algorithm",
    "kms:messagetype": "message_type",
    "kms:keyagreementalgorithm": "key_agreement_algorithm",
    "kms:rotationperiodindays": "rotation_period_in_days",
    "kms:bypasspolicylockoutsafetycheck": "bypass_policy_lockout_safety_check",
    "kms:wrappingalgorithm": "wrapping_algorithm",
    "kms:wrappingkeyspec": "wrapping_key_spec",
    "kms:expirationmodel": "expiration_model",
    "kms:primaryregion": "primary_region",
    "kms:replicaregion": "replica_region",
    "kms:granteeprincipal": "grantee_principal",
    "kms:retiringprincipal": "retiring_principal",
    "kms:grantoperations": "operations",
}
_GRANT_RESOURCE_OPERATIONS = frozenset({"CreateGrant", "ListGrants", "RevokeGrant"})
_TAGGING = frozenset({"CreateKey", "TagResource", "UntagResource"})


def _text(value: Any) -> list[str]:
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _text(item)]
    return [str(value)]


class RequestContext:
    """Condition-key values for ``action`` on ``key`` (None for IAM-only questions)."""

    def __init__(
        self,
        req: Request,
        action: str,
        key: Key | None,
        *,
        identifier: str | None = None,
        same_key: bool | None = None,
        encryption_context: Mapping[str, str] | None = None,
    ) -> None:
        self.req = req
        self.action = action
        self.key = key
        self.identifier = identifier
        self.same_key = same_key
        self._encryption_context = encryption_context
        self._cache: dict[str, Values] = {}

    def __call__(self, name: str) -> Values:
        """Values of the condition key ``name`` (lower case), or None when absent."""
        try:
            return self._cache[name]
        except KeyError:
            value = self._cache[name] = self._compute(name)
            return value

    # -- computing ---------------------------------------------------------------------

    def encryption_context(self) -> Mapping[str, str] | None:
        if self._encryption_context is not None:
            return self._encryption_context
        argument = _CONTEXT_ARGUMENT.get(self.action)
        if argument is not None:
            context: Mapping[str, str] | None = self.req.args.get(argument)
            return context
        if self.action == "CreateGrant":
            constraints = self.req.args.get("constraints") or {}
            pairs: dict[str, str] = {}
            for part in ("EncryptionContextEquals", "EncryptionContextSubset"):
                pairs.update(constraints.get(part) or {})
            return pairs
        return None

    def _compute(self, name: str) -> Values:
        req = self.req
        args = req.args
        simple = _SIMPLE.get(name)
        if simple is not None:
            return simple(self)
        if name.startswith("kms:encryptioncontext:"):
            wanted = name[len("kms:encryptioncontext:") :]
            context = self.encryption_context() or {}
            # The key part of the condition key is case-insensitive (reference 5.3).
            found = [v for k, v in context.items() if k.lower() == wanted]
            return found or None
        if name.startswith("aws:resourcetag/"):
            wanted = name[len("aws:resourcetag/") :]
            tags = self.key.tags if self.key is not None else None
            found = [v for k, v in (tags or {}).items() if k.lower() == wanted]
            return found or None
        if name.startswith("aws:requesttag/") and req.operation in _TAGGING:
            wanted = name[len("aws:requesttag/") :]
            found = [t["TagValue"] for t in args.get("tags") or () if t["TagKey"].lower() == wanted]
            return found or None
        argument = _ARGUMENT_KEYS.get(name)
        if argument is not None and argument in args and args[argument] is not None:
            return _text(args[argument])
        return None


def _encryption_context_keys(ctx: RequestContext) -> Values:
    context = ctx.encryption_context()
    return list(context) if context else None


def _encryption_algorithm(ctx: RequestContext) -> Values:
    if ctx.action not in _ALGORITHM_ARGUMENT:
        return None
    argument = _ALGORITHM_ARGUMENT[ctx.action]
    value = ctx.req.args.get(argument) if argument is not None else None
    return [value or "SYMMETRIC_DEFAULT"]


def _grant_constraint_type(ctx: RequestContext) -> Values:
    if ctx.req.operation != "CreateGrant":
        return None
    constraints = ctx.req.args.get("constraints") or {}
    return [k for k in ("EncryptionContextEquals", "EncryptionContextSubset") if constraints.get(k)]


def _grant_for_aws_resource(ctx: RequestContext) -> Values:
    if ctx.req.operation not in _GRANT_RESOURCE_OPERATIONS:
        return None
    return ["true" if ctx.req.principal.via_service else "false"]


def _request_alias(ctx: RequestContext) -> Values:
    identifier = ctx.identifier
    if identifier is None:
        return None
    if identifier.startswith("alias/"):
        return [identifier]
    if identifier.startswith("arn:") and ":alias/" in identifier:
        return ["alias/" + identifier.split(":alias/", 1)[1]]
    return None


def _resource_aliases(ctx: RequestContext) -> Values:
    key = ctx.key
    if key is None:
        return None
    region = ctx.req.backend.region(key.account_id, key.region)
    return [alias.name for alias in region.aliases_of(key.key_id)] or None


def _key_attribute(
    attribute: str, argument: str, default: str
) -> Callable[[RequestContext], Values]:
    def value(ctx: RequestContext) -> Values:
        if ctx.key is not None:
            return _text(getattr(ctx.key, attribute))
        if ctx.req.operation == "CreateKey":
            given = ctx.req.args.get(argument)
            if argument == "key_spec" and given is None:
                given = ctx.req.args.get("customer_master_key_spec")
            return _text(given if given is not None else default)
        return None

    return value


def _multi_region_key_type(ctx: RequestContext) -> Values:
    """PRIMARY or REPLICA for a multi-Region key (CreateKey: its request); else absent."""
    key = ctx.key
    if key is not None:
        if key.mr is None:
            return None
        return ["PRIMARY" if key.mr.primary_region == key.region else "REPLICA"]
    if ctx.req.operation == "CreateKey" and ctx.req.args.get("multi_region"):
        return ["PRIMARY"]
    return None


def _pending_window(ctx: RequestContext) -> Values:
    if ctx.req.operation != "ScheduleKeyDeletion":
        return None
    days = ctx.req.args.get("pending_window_in_days")
    return [str(30 if days is None else days)]


def _tag_keys(ctx: RequestContext) -> Values:
    if ctx.req.operation == "UntagResource":
        return list(ctx.req.args.get("tag_keys") or ()) or None
    if ctx.req.operation in _TAGGING:
        return [t["TagKey"] for t in ctx.req.args.get("tags") or ()] or None
    return None


def _now(ctx: RequestContext) -> float:
    return ctx.req.now


_PRINCIPAL_TYPES = {"root": "Account", "user": "User", "session": "AssumedRole"}

_SIMPLE: dict[str, Callable[[RequestContext], Values]] = {
    "kms:calleraccount": lambda ctx: [ctx.req.principal.account_id],
    "kms:viaservice": lambda ctx: [s] if (s := ctx.req.principal.via_service) else None,
    "kms:encryptioncontextkeys": _encryption_context_keys,
    "kms:encryptionalgorithm": _encryption_algorithm,
    "kms:grantconstrainttype": _grant_constraint_type,
    "kms:grantisforawsresource": _grant_for_aws_resource,
    "kms:reencryptonsamekey": lambda ctx: (
        None if ctx.same_key is None else ["true" if ctx.same_key else "false"]
    ),
    "kms:requestalias": _request_alias,
    "kms:resourcealiases": _resource_aliases,
    "kms:keyspec": _key_attribute("key_spec", "key_spec", "SYMMETRIC_DEFAULT"),
    "kms:keyusage": _key_attribute("key_usage", "key_usage", "ENCRYPT_DECRYPT"),
    "kms:keyorigin": _key_attribute("origin", "origin", "AWS_KMS"),
    "kms:multiregion": _key_attribute("multi_region", "multi_region", "false"),
    "kms:multiregionkeytype": _multi_region_key_type,
    "kms:schedulekeydeletionpendingwindowindays": _pending_window,
    "aws:principalarn": lambda ctx: [ctx.req.principal.principal_arn],
    "aws:principalaccount": lambda ctx: [ctx.req.principal.account_id],
    "aws:principaltype": lambda ctx: (
        [t] if (t := _PRINCIPAL_TYPES.get(ctx.req.principal.kind)) else None
    ),
    "aws:username": lambda ctx: (
        [ctx.req.principal.arn.rsplit("/", 1)[1]] if ctx.req.principal.kind == "user" else None
    ),
    "aws:requestedregion": lambda ctx: [ctx.req.region_name],
    "aws:securetransport": lambda ctx: ["true"],
    "aws:currenttime": lambda ctx: [
        datetime.datetime.fromtimestamp(_now(ctx), datetime.timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
    ],
    "aws:epochtime": lambda ctx: [str(int(_now(ctx)))],
    "aws:tagkeys": _tag_keys,
}
