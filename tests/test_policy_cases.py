"""Authorization, table-driven: key policies, identity policies and grants (authspec, issue 3).

Each case builds a fresh world: the principals below, a key (KEY) carrying the case's key
policy and a second key (KEY2, default policy unless the case gives one). The default root
client prepares everything the call needs (ciphertext, aliases, tags, grants) while the keys
still have their default policy, then installs the case's policy with
BypassPolicyLockoutSafetyCheck so that policies need not keep the root in. The caller's
identity policies are attached last, and the caller makes one real boto3 call.

Policies may name the keys' ARNs with the placeholders ``<KEY>`` and ``<KEY2>``.
Every case has a sibling that differs in one element (rarely two) and expects the other outcome, so
no case passes whatever the policy under test says.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_kms.literals import GrantOperationType
    from mypy_boto3_kms.type_defs import TagTypeDef

    from kmsmock import MockKMS

Doc = dict[str, Any]

ACCOUNT = "123456789012"
OTHER = "210987654321"
REGION = "us-east-1"

ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/job-7"
OTHER_SESSION_OF_ROLE = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/other-job"
OTHER_ROOT = f"arn:aws:iam::{OTHER}:root"
EXT_ROLE = f"arn:aws:iam::{OTHER}:role/ext"
EXT_SESSION = f"arn:aws:sts::{OTHER}:assumed-role/ext/s1"

KEY = "<KEY>"
KEY2 = "<KEY2>"
ALIAS_ARN_PREFIX = f"arn:aws:kms:{REGION}:{ACCOUNT}:"
S3 = f"s3.{REGION}.amazonaws.com"
NEW_ALIAS = "alias/new-name"
NEW_ALIAS_ARN = f"{ALIAS_ARN_PREFIX}{NEW_ALIAS}"
EC2 = f"ec2.{REGION}.amazonaws.com"

# Who calls (the caller's ARN as it appears in AccessDeniedException messages).
USER = "user"  # alice, a user of the key's account
SESS = "session"  # session job-7 of role app, in the key's account
ACCT_ROOT = "root"  # the key account's root (the default client)
EXT = "ext"  # session s1 of role ext, in another account
EXT_ROOT = "ext-root"  # the other account's root
CALLER_ARN = {
    USER: ALICE,
    SESS: SESSION,
    ACCT_ROOT: ROOT,
    EXT: EXT_SESSION,
    EXT_ROOT: OTHER_ROOT,
}

# Reasons, in the words of authspec "Evaluation".
RB_DENY = "with an explicit deny in a resource-based policy"
ID_DENY = "with an explicit deny in an identity-based policy"
NO_ID = "because no identity-based policy allows the kms:{action} action"
NO_RB = "because no resource-based policy allows the kms:{action} action"


@dataclass(frozen=True)
class Allowed:
    """The call succeeds."""


@dataclass(frozen=True)
class Denied:
    """AccessDeniedException for kms:<action> on KEY ("key") or KEY2 ("key2")."""

    action: str
    reason: str
    on: str = "key"


@dataclass(frozen=True)
class Fails:
    """Another error; ``message`` may use ``{key}`` for KEY's ARN."""

    code: str
    message: str


ALLOW = Allowed()
Outcome = Allowed | Denied | Fails


@dataclass(frozen=True)
class GrantSpec:
    grantee: str
    operations: tuple[GrantOperationType, ...]
    subset: Mapping[str, str] | None = None
    equals: Mapping[str, str] | None = None
    retiring: str | None = None


@dataclass(frozen=True)
class Case:
    id: str
    rule: str
    key_policy: Doc
    op: str
    expect: Outcome
    caller: str = USER
    identity: tuple[Doc, ...] | None = None  # None: no identity policy (unrestricted)
    key2_policy: Doc | None = None
    context: Mapping[str, str] | None = None
    dest_context: Mapping[str, str] | None = None
    key_ref: str = "arn"  # arn | id | alias | alias-arn (alias = the case's first alias)
    same_key: bool = False  # ReEncrypt back to KEY
    via_service: str | None = None
    tags: Mapping[str, str] | None = None  # KEY's tags
    aliases: tuple[str, ...] = ()  # KEY's aliases
    grant: GrantSpec | None = None  # a grant on KEY made before the call
    request_grant: GrantSpec | None = None  # CreateGrant's parameters
    window: int | None = None  # ScheduleKeyDeletion PendingWindowInDays
    request_tags: Mapping[str, str] | None = None  # TagResource's tags
    disabled: bool = False


# ---------------------------------------------------------------- policy builders


def _statement(
    effect: str,
    principal: object = None,
    action: object = None,
    resource: object = "*",
    *,
    condition: Doc | None = None,
    not_principal: object = None,
    not_action: object = None,
    not_resource: object = None,
) -> Doc:
    statement: Doc = {"Effect": effect}
    if principal is not None:
        # "*" stays bare; a dict is used as given; ARNs and account ids go under "AWS".
        statement["Principal"] = (
            principal if principal == "*" or isinstance(principal, dict) else {"AWS": principal}
        )
    if not_principal is not None:
        statement["NotPrincipal"] = {"AWS": not_principal}
    if action is not None:
        statement["Action"] = action
    if not_action is not None:
        statement["NotAction"] = not_action
    if not_resource is not None:
        statement["NotResource"] = not_resource
    else:
        statement["Resource"] = resource
    if condition is not None:
        statement["Condition"] = condition
    return statement


def allow(principal: object, action: object = None, resource: object = "*", **kw: Any) -> Doc:
    """A key policy Allow statement."""
    return _statement("Allow", principal, action, resource, **kw)


def deny(principal: object, action: object = None, resource: object = "*", **kw: Any) -> Doc:
    """A key policy Deny statement."""
    return _statement("Deny", principal, action, resource, **kw)


def kp(*statements: Doc) -> Doc:
    """A key policy document."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def iam_allow(action: object = None, resource: object = "*", **kw: Any) -> Doc:
    """An identity policy Allow statement (no principal)."""
    return _statement("Allow", None, action, resource, **kw)


def iam_deny(action: object = None, resource: object = "*", **kw: Any) -> Doc:
    """An identity policy Deny statement (no principal)."""
    return _statement("Deny", None, action, resource, **kw)


def idp(*statements: Doc) -> tuple[Doc, ...]:
    """One identity policy, as the ``identity`` of a case."""
    return ({"Version": "2012-10-17", "Statement": list(statements)},)


def cond(operator: str, key: str, value: object) -> Doc:
    return {operator: {key: value}}


def alice_may(action: object, condition: Doc) -> Doc:
    """Key policy: alice may perform ``action`` under ``condition``; nothing else."""
    return kp(allow(ALICE, action, condition=condition))


def when(condition: Doc) -> Doc:
    return alice_may("kms:Encrypt", condition)


def anyone(action: object, condition: Doc) -> Doc:
    return kp(allow({"AWS": "*"}, action, condition=condition))


def denied(action: str, reason: str, on: str = "key") -> Denied:
    return Denied(action, reason, on)


DELEGATE = kp(allow(ROOT, "kms:*"))  # the default key policy's content
ALICE_ALL = allow(ALICE, "kms:*")
ONLY_BOB = kp(allow(BOB, "kms:*"))
EVAL = "authspec Evaluation"
GUIDE_EVAL = "KMS guide policy-evaluation.md"
COND_KMS = "KMS guide conditions-kms.md"
OPERATORS = "IAM reference_policies_elements_condition_operators"
MULTI = "IAM reference_policies_condition-single-vs-multi-valued"
FINANCE = {"dept": "finance"}

# ---------------------------------------------------------------- the table

EXPLICIT_DENY = [
    Case(
        "deny/key-policy-deny-beats-allow",
        f"{GUIDE_EVAL}: explicit deny wins; {EVAL} 1",
        kp(ALICE_ALL, deny(ALICE, "kms:Encrypt")),
        "Encrypt",
        denied("Encrypt", RB_DENY),
    ),
    Case(
        "deny/key-policy-deny-of-other-action",
        f"{EVAL} 1 (sibling: the deny names kms:Decrypt)",
        kp(ALICE_ALL, deny(ALICE, "kms:Decrypt")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "deny/key-policy-deny-star-principal",
        f'{EVAL} 1: a Deny for "*" applies to everyone',
        kp(ALICE_ALL, deny("*", "kms:Encrypt")),
        "Encrypt",
        denied("Encrypt", RB_DENY),
    ),
    Case(
        "deny/key-policy-deny-of-other-principal",
        f"{EVAL} 1 (sibling: the deny names bob)",
        kp(ALICE_ALL, deny(BOB, "kms:Encrypt")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "deny/identity-deny-beats-direct-allow",
        f"{GUIDE_EVAL}: explicit deny in an IAM policy wins; {EVAL} 2",
        kp(ALICE_ALL),
        "Encrypt",
        denied("Encrypt", ID_DENY),
        identity=idp(iam_allow("kms:*"), iam_deny("kms:Encrypt")),
    ),
    Case(
        "deny/identity-deny-on-other-key",
        f"{EVAL} 2 (sibling: the deny's Resource is KEY2)",
        kp(ALICE_ALL),
        "Encrypt",
        ALLOW,
        identity=idp(iam_allow("kms:*"), iam_deny("kms:Encrypt", KEY2)),
    ),
    Case(
        "deny/identity-deny-beats-account-delegation",
        f"{EVAL} 2 before 4",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", ID_DENY),
        identity=idp(iam_allow("kms:*"), iam_deny("kms:*", KEY)),
    ),
    Case(
        "deny/identity-deny-in-second-identity-policy",
        f"{EVAL} 2: every identity policy of the caller counts",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", ID_DENY),
        identity=idp(iam_allow("kms:*")) + idp(iam_deny("kms:Enc*")),
    ),
    Case(
        "deny/key-policy-deny-reported-before-identity-deny",
        f"{EVAL}: step 1 (resource-based deny) is checked before step 2",
        kp(ALICE_ALL, deny(ALICE, "kms:Encrypt")),
        "Encrypt",
        denied("Encrypt", RB_DENY),
        identity=idp(iam_allow("kms:*"), iam_deny("kms:Encrypt")),
    ),
    Case(
        "deny/key-policy-deny-beats-grant",
        f"KMS_BEHAVIOUR §5.2 (1): an explicit Deny anywhere wins; {EVAL} 1 before 6",
        kp(allow(BOB, "kms:*"), deny(ALICE, "kms:Encrypt")),
        "Encrypt",
        denied("Encrypt", RB_DENY),
        grant=GrantSpec(ALICE, ("Encrypt",)),
    ),
    Case(
        "deny/identity-deny-beats-grant",
        f"KMS_BEHAVIOUR §5.2 (1); {EVAL} 2 before 6",
        ONLY_BOB,
        "Encrypt",
        denied("Encrypt", ID_DENY),
        identity=idp(iam_deny("kms:Encrypt")),
        grant=GrantSpec(ALICE, ("Encrypt",)),
    ),
    Case(
        "deny/disabled-key-denied-before-state",
        f"{EVAL}: checked after the key is found and before key state",
        kp(deny(ALICE, "kms:Encrypt"), ALICE_ALL),
        "Encrypt",
        denied("Encrypt", RB_DENY),
        disabled=True,
    ),
    Case(
        "deny/disabled-key-allowed-gets-state-error",
        "KMS_BEHAVIOUR §4 footnote 1 (sibling: the policy allows)",
        kp(ALICE_ALL),
        "Encrypt",
        Fails("DisabledException", "{key} is disabled."),
        disabled=True,
    ),
]

GRANTS = [
    Case(
        "grant/allows-without-key-policy",
        f"{EVAL} 6; KMS_BEHAVIOUR §5.2 (2c)",
        ONLY_BOB,
        "Encrypt",
        ALLOW,
        grant=GrantSpec(ALICE, ("Encrypt",)),
    ),
    Case(
        "grant/other-operation",
        f"{EVAL} 6-7: a grant allows only its operations",
        ONLY_BOB,
        "Encrypt",
        denied("Encrypt", NO_RB),
        grant=GrantSpec(ALICE, ("Decrypt",)),
    ),
    Case(
        "grant/role-grantee-matches-session",
        f"{EVAL} 6: a role ARN grantee matches its sessions",
        ONLY_BOB,
        "Encrypt",
        ALLOW,
        caller=SESS,
        grant=GrantSpec(ROLE, ("Encrypt",)),
    ),
    Case(
        "grant/other-session-grantee",
        f"{EVAL} 6: a session ARN grantee matches that session only",
        ONLY_BOB,
        "Encrypt",
        denied("Encrypt", NO_RB),
        caller=SESS,
        grant=GrantSpec(OTHER_SESSION_OF_ROLE, ("Encrypt",)),
    ),
    Case(
        "grant/subset-constraint-holds",
        "authspec Grants: EncryptionContextSubset, extra pairs allowed",
        ONLY_BOB,
        "Encrypt",
        ALLOW,
        context={"dept": "finance", "x": "1"},
        grant=GrantSpec(ALICE, ("Encrypt",), subset=FINANCE),
    ),
    Case(
        "grant/subset-constraint-fails",
        f"{EVAL} 6: the grant's constraints must hold",
        ONLY_BOB,
        "Encrypt",
        denied("Encrypt", NO_RB),
        context={"dept": "hr", "x": "1"},
        grant=GrantSpec(ALICE, ("Encrypt",), subset=FINANCE),
    ),
    Case(
        "grant/equals-constraint-rejects-extra-pair",
        "authspec Grants: EncryptionContextEquals is exact",
        ONLY_BOB,
        "Encrypt",
        denied("Encrypt", NO_RB),
        context={"dept": "finance", "x": "1"},
        grant=GrantSpec(ALICE, ("Encrypt",), equals=FINANCE),
    ),
    Case(
        "grant/equals-constraint-holds",
        "authspec Grants: EncryptionContextEquals, order-free",
        ONLY_BOB,
        "Encrypt",
        ALLOW,
        context={"x": "1", "dept": "finance"},
        grant=GrantSpec(ALICE, ("Encrypt",), equals={"dept": "finance", "x": "1"}),
    ),
    Case(
        "grant/cross-account-needs-no-iam",
        f"{EVAL} 6: same or other account, no IAM needed",
        DELEGATE,
        "Encrypt",
        ALLOW,
        caller=EXT,
        identity=idp(iam_allow("kms:Decrypt")),
        grant=GrantSpec(EXT_ROLE, ("Encrypt",)),
    ),
    Case(
        "grant/cross-account-grant-for-other-operation",
        f"{EVAL} 7 (sibling: the grant is for Decrypt)",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", NO_RB),
        caller=EXT,
        identity=idp(iam_allow("kms:Decrypt")),
        grant=GrantSpec(EXT_ROLE, ("Decrypt",)),
    ),
    Case(
        "grant/helps-when-iam-does-not-allow",
        f"{EVAL} 5: 'and no grant helps'",
        DELEGATE,
        "Encrypt",
        ALLOW,
        identity=idp(iam_allow("kms:Decrypt")),
        grant=GrantSpec(ALICE, ("Encrypt",)),
    ),
    Case(
        "grant/describe-key-ignores-constraints",
        "authspec Grants: constraints not checked for DescribeKey",
        ONLY_BOB,
        "DescribeKey",
        ALLOW,
        grant=GrantSpec(ALICE, ("DescribeKey",), equals={"a": "b"}),
    ),
    Case(
        "grant/describe-key-not-in-grant",
        f"{EVAL} 7 (sibling: the grant lacks DescribeKey)",
        ONLY_BOB,
        "DescribeKey",
        denied("DescribeKey", NO_RB),
        grant=GrantSpec(ALICE, ("Encrypt",), equals={"a": "b"}),
    ),
]

PRINCIPALS = [
    Case(
        "principal/user-arn",
        f"{EVAL} 3: key policy names the caller",
        kp(allow(ALICE, "kms:Encrypt")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "principal/other-user-arn",
        f"{EVAL} 7: the key policy names someone else",
        kp(allow(BOB, "kms:Encrypt")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "principal/named-caller-needs-no-iam",
        f"{EVAL} 3: allowed for a same-account caller named directly",
        kp(allow(ALICE, "kms:Encrypt")),
        "Encrypt",
        ALLOW,
        identity=idp(iam_allow("kms:DescribeKey")),
    ),
    Case(
        "principal/account-named-needs-iam",
        f"{EVAL} 4-5 (sibling: the account, not alice, is named)",
        kp(allow(ROOT, "kms:Encrypt")),
        "Encrypt",
        denied("Encrypt", NO_ID),
        identity=idp(iam_allow("kms:DescribeKey")),
    ),
    Case(
        "principal/role-arn-matches-session",
        f"{EVAL} 3: a role ARN also matches that role's sessions",
        kp(allow(ROLE, "kms:Encrypt")),
        "Encrypt",
        ALLOW,
        caller=SESS,
    ),
    Case(
        "principal/session-arn",
        f"{EVAL} 3: the session's own ARN",
        kp(allow(SESSION, "kms:Encrypt")),
        "Encrypt",
        ALLOW,
        caller=SESS,
    ),
    Case(
        "principal/other-session-arn",
        f"{EVAL} 7: another session of the same role",
        kp(allow(OTHER_SESSION_OF_ROLE, "kms:Encrypt")),
        "Encrypt",
        denied("Encrypt", NO_RB),
        caller=SESS,
    ),
    Case(
        "principal/user-arn-does-not-match-session",
        f"{EVAL} 7: the caller is the session, not alice",
        kp(allow(ALICE, "kms:Encrypt")),
        "Encrypt",
        denied("Encrypt", NO_RB),
        caller=SESS,
    ),
    Case(
        "principal/bare-star",
        f'{EVAL} 3: "*" matches everyone',
        kp({"Effect": "Allow", "Principal": "*", "Action": "kms:Encrypt", "Resource": "*"}),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "principal/aws-star",
        f'{EVAL} 3: {{"AWS": "*"}} matches everyone',
        kp(allow({"AWS": "*"}, "kms:Encrypt")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "principal/aws-star-other-action",
        f"{EVAL} 7 (sibling: the * statement allows kms:Decrypt)",
        kp(allow({"AWS": "*"}, "kms:Decrypt")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "principal/list-with-caller",
        "authspec Policy language: values may be lists",
        kp(allow([BOB, ALICE], "kms:Encrypt")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "principal/list-without-caller",
        f"{EVAL} 7 (sibling: alice is not in the list)",
        kp(allow([BOB, ROLE], "kms:Encrypt")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "principal/root-is-not-implicit",
        "KMS guide key-policy-overview.md: nobody, not even the root, without the key policy",
        kp(ALICE_ALL),
        "DescribeKey",
        denied("DescribeKey", NO_RB),
        caller=ACCT_ROOT,
    ),
    Case(
        "principal/root-named",
        f"{EVAL} 3-4: the root named (a root is unrestricted by IAM)",
        kp(allow(ROOT, "kms:DescribeKey")),
        "DescribeKey",
        ALLOW,
        caller=ACCT_ROOT,
    ),
]

ACCOUNT_DELEGATION = [
    Case(
        "account/root-arn-no-identity-policy",
        f"{EVAL} 4: a principal without identity policies passes",
        DELEGATE,
        "Encrypt",
        ALLOW,
    ),
    Case(
        "account/bare-account-id",
        f'{EVAL} 4: the account as "ACCT"; KMS_BEHAVIOUR §5.2 (2b)',
        kp(allow(ACCOUNT, "kms:*")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "account/bare-account-id-iam-does-not-allow",
        f"{EVAL} 5",
        kp(allow(ACCOUNT, "kms:*")),
        "Encrypt",
        denied("Encrypt", NO_ID),
        identity=idp(iam_allow("kms:Decrypt")),
    ),
    Case(
        "account/iam-allows-action",
        f"{EVAL} 4: IAM allows the action",
        DELEGATE,
        "Encrypt",
        ALLOW,
        identity=idp(iam_allow("kms:Encrypt")),
    ),
    Case(
        "account/iam-allows-other-action",
        f"{EVAL} 5: IAM allows only another action",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", NO_ID),
        identity=idp(iam_allow("kms:Decrypt")),
    ),
    Case(
        "account/iam-resource-key-arn",
        f"{EVAL} 4: IAM Resource is the key ARN",
        DELEGATE,
        "Encrypt",
        ALLOW,
        identity=idp(iam_allow("kms:Encrypt", KEY)),
    ),
    Case(
        "account/iam-resource-other-key-arn",
        f"{EVAL} 5: IAM Resource is another key",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", NO_ID),
        identity=idp(iam_allow("kms:Encrypt", KEY2)),
    ),
    Case(
        "account/iam-resource-pattern",
        f"{EVAL} 4: Resource patterns matched against the key ARN",
        DELEGATE,
        "Encrypt",
        ALLOW,
        identity=idp(iam_allow("kms:Encrypt", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/*")),
    ),
    Case(
        "account/iam-resource-pattern-other-region",
        f"{EVAL} 5: pattern for another region",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", NO_ID),
        identity=idp(iam_allow("kms:Encrypt", f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*")),
    ),
    Case(
        "account/iam-resource-pattern-case-sensitive",
        "authspec Policy language: Resource ARN patterns are case-sensitive",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", NO_ID),
        identity=idp(iam_allow("kms:Encrypt", f"arn:aws:kms:{REGION}:{ACCOUNT}:KEY/*")),
    ),
    Case(
        "account/iam-resource-alias-arn-is-not-the-key",
        f"{EVAL} 4: IAM is matched against the key ARN even when called by alias",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", NO_ID),
        identity=idp(iam_allow("kms:Encrypt", f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/*")),
        key_ref="alias",
        aliases=("alias/finance",),
    ),
    Case(
        "account/iam-not-resource-other-key",
        "authspec Policy language: NotResource",
        DELEGATE,
        "Encrypt",
        ALLOW,
        identity=idp(iam_allow("kms:Encrypt", not_resource=KEY2)),
    ),
    Case(
        "account/iam-not-resource-this-key",
        "authspec Policy language: NotResource excludes the key",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", NO_ID),
        identity=idp(iam_allow("kms:Encrypt", not_resource=KEY)),
    ),
    Case(
        "account/iam-not-action-other",
        "authspec Policy language: NotAction",
        DELEGATE,
        "Encrypt",
        ALLOW,
        identity=idp(iam_allow(not_action="kms:Decrypt")),
    ),
    Case(
        "account/iam-not-action-this",
        "authspec Policy language: NotAction excludes the action",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", NO_ID),
        identity=idp(iam_allow(not_action="kms:Encrypt")),
    ),
    Case(
        "account/iam-other-service",
        f"{EVAL} 5: IAM allows only s3",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", NO_ID),
        identity=idp(iam_allow("s3:*")),
    ),
    Case(
        "account/session-uses-role-policy",
        "authspec Declaring principals: sessions use their role's identity policies",
        DELEGATE,
        "Encrypt",
        ALLOW,
        caller=SESS,
        identity=idp(iam_allow("kms:Encrypt")),
    ),
    Case(
        "account/session-role-policy-does-not-allow",
        f"{EVAL} 5 for a session (message names the session)",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", NO_ID),
        caller=SESS,
        identity=idp(iam_allow("kms:Decrypt")),
    ),
    Case(
        "account/other-account-root-delegates-only-there",
        f"{EVAL} 7: the key policy names another account",
        kp(allow(OTHER_ROOT, "kms:*")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "account/iam-condition-resource-tag",
        "IAM aws:ResourceTag (ABAC) in an identity policy",
        DELEGATE,
        "Encrypt",
        ALLOW,
        identity=idp(
            iam_allow("kms:Encrypt", condition=cond("StringEquals", "aws:ResourceTag/team", "blue"))
        ),
        tags={"team": "blue"},
    ),
    Case(
        "account/iam-condition-resource-tag-mismatch",
        "IAM aws:ResourceTag (sibling: the key's tag differs)",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", NO_ID),
        identity=idp(
            iam_allow("kms:Encrypt", condition=cond("StringEquals", "aws:ResourceTag/team", "blue"))
        ),
        tags={"team": "red"},
    ),
]

CROSS_ACCOUNT = [
    Case(
        "cross/key-policy-names-account-no-identity-policy",
        "authspec Cross-account; KMS_BEHAVIOUR §5.2 (3)",
        kp(allow(OTHER_ROOT, "kms:Encrypt")),
        "Encrypt",
        ALLOW,
        caller=EXT,
    ),
    Case(
        "cross/key-policy-names-bare-account-iam-allows-key",
        "authspec Cross-account: key policy and the caller's IAM both allow",
        kp(allow(OTHER, "kms:Encrypt")),
        "Encrypt",
        ALLOW,
        caller=EXT,
        identity=idp(iam_allow("kms:Encrypt", KEY)),
    ),
    Case(
        "cross/iam-does-not-allow",
        "authspec Cross-account: missing the IAM side",
        kp(allow(OTHER_ROOT, "kms:Encrypt")),
        "Encrypt",
        denied("Encrypt", NO_ID),
        caller=EXT,
        identity=idp(iam_allow("kms:Decrypt")),
    ),
    Case(
        "cross/key-policy-does-not-name-account",
        "authspec Cross-account: missing the key policy side",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", NO_RB),
        caller=EXT,
    ),
    Case(
        "cross/direct-role-still-needs-iam",
        f"{EVAL} 3: a caller from another account needs its IAM too (else reason 5)",
        kp(allow(EXT_ROLE, "kms:Encrypt")),
        "Encrypt",
        denied("Encrypt", NO_ID),
        caller=EXT,
        identity=idp(iam_allow("kms:DescribeKey")),
    ),
    Case(
        "cross/direct-role-with-iam",
        f"{EVAL} 3 (sibling: IAM allows kms:Encrypt)",
        kp(allow(EXT_ROLE, "kms:Encrypt")),
        "Encrypt",
        ALLOW,
        caller=EXT,
        identity=idp(iam_allow("kms:Encrypt")),
    ),
    Case(
        "cross/other-root-named",
        "authspec Cross-account: DescribeKey by ARN; a root is unrestricted by IAM",
        kp(allow(OTHER_ROOT, "kms:DescribeKey")),
        "DescribeKey",
        ALLOW,
        caller=EXT_ROOT,
    ),
    Case(
        "cross/other-root-not-named",
        f"{EVAL} 7 for another account's root",
        DELEGATE,
        "DescribeKey",
        denied("DescribeKey", NO_RB),
        caller=EXT_ROOT,
    ),
    Case(
        "cross/star-with-caller-account",
        f'KMS_BEHAVIOUR §5.2 principals: "*" with kms:CallerAccount; {COND_KMS}',
        kp(allow("*", "kms:Encrypt", condition=cond("StringEquals", "kms:CallerAccount", OTHER))),
        "Encrypt",
        ALLOW,
        caller=EXT,
    ),
    Case(
        "cross/star-with-other-caller-account",
        f"{COND_KMS}: kms:CallerAccount (sibling: names the key's account)",
        kp(allow("*", "kms:Encrypt", condition=cond("StringEquals", "kms:CallerAccount", ACCOUNT))),
        "Encrypt",
        denied("Encrypt", NO_RB),
        caller=EXT,
    ),
    Case(
        "cross/identity-deny",
        f"{EVAL} 2 for another account's caller",
        kp(allow(OTHER_ROOT, "kms:Encrypt")),
        "Encrypt",
        denied("Encrypt", ID_DENY),
        caller=EXT,
        identity=idp(iam_allow("kms:*"), iam_deny("kms:Encrypt", KEY)),
    ),
    Case(
        "cross/decrypt",
        "authspec Cross-account: Decrypt",
        kp(allow(OTHER_ROOT, "kms:Decrypt")),
        "Decrypt",
        ALLOW,
        caller=EXT,
    ),
    Case(
        "cross/decrypt-not-allowed",
        "authspec Cross-account (sibling: only kms:Encrypt allowed)",
        kp(allow(OTHER_ROOT, "kms:Encrypt")),
        "Decrypt",
        denied("Decrypt", NO_RB),
        caller=EXT,
    ),
    Case(
        "cross/principal-account-condition",
        "IAM aws:PrincipalAccount",
        anyone("kms:Encrypt", cond("StringEquals", "aws:PrincipalAccount", OTHER)),
        "Encrypt",
        ALLOW,
        caller=EXT,
    ),
]

ACTIONS = [
    Case(
        "action/star",
        "authspec Policy language: Action *",
        kp(allow(ALICE, "*")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "action/other-service-wildcard",
        "authspec Policy language (sibling: s3:*)",
        kp(allow(ALICE, "s3:*")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "action/encrypt-prefix",
        "authspec Policy language: * wildcard",
        kp(allow(ALICE, "kms:Encrypt*")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "action/encrypt-prefix-not-generate-data-key",
        "authspec Policy language: kms:Encrypt* does not cover GenerateDataKey",
        kp(allow(ALICE, "kms:Encrypt*")),
        "GenerateDataKey",
        denied("GenerateDataKey", NO_RB),
    ),
    Case(
        "action/generate-data-key-wildcard",
        "KMS_BEHAVIOUR §5.2: kms:GenerateDataKey* covers GenerateDataKey",
        kp(allow(ALICE, "kms:GenerateDataKey*")),
        "GenerateDataKey",
        ALLOW,
    ),
    Case(
        "action/generate-data-key-wildcard-not-encrypt",
        "KMS_BEHAVIOUR §5.2: kms:GenerateDataKey* (sibling: Encrypt)",
        kp(allow(ALICE, "kms:GenerateDataKey*")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "action/case-insensitive",
        "authspec Policy language: actions are case-insensitive",
        kp(allow(ALICE, "kMs:eNcRyPt")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "action/question-mark",
        "authspec Policy language: ? matches one character",
        kp(allow(ALICE, "kms:Encryp?")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "action/question-marks-need-characters",
        "authspec Policy language: ?? needs two characters",
        kp(allow(ALICE, "kms:Encryp??")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "action/prefix-without-wildcard",
        "authspec Policy language: no wildcard, whole name",
        kp(allow(ALICE, "kms:Encryp")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "action/describe-wildcard",
        "authspec Policy language: kms:Describe*",
        kp(allow(ALICE, "kms:Describe*")),
        "DescribeKey",
        ALLOW,
    ),
    Case(
        "action/create-wildcard-covers-create-grant",
        "KMS_BEHAVIOUR §5.2: kms:Create* = CreateAlias + CreateGrant",
        kp(allow(ALICE, "kms:Create*")),
        "CreateGrant",
        ALLOW,
        request_grant=GrantSpec(BOB, ("Decrypt",)),
    ),
    Case(
        "action/list-of-actions",
        "authspec Policy language: values may be lists",
        kp(allow(ALICE, ["kms:Decrypt", "kms:Encrypt"])),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "action/not-action-other",
        "authspec Policy language: NotAction in a key policy",
        kp(allow(ALICE, not_action="kms:Decrypt")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "action/not-action-list-with-action",
        "authspec Policy language: NotAction list excludes the action",
        kp(allow(ALICE, not_action=["kms:Decrypt", "kms:Encrypt"])),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
]

RESOURCES = [
    Case(
        "resource/key-arn",
        "authspec Policy language: Resource ARN",
        kp(allow(ALICE, "kms:Encrypt", KEY)),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "resource/other-key-arn",
        "authspec Policy language: another key's ARN does not match",
        kp(allow(ALICE, "kms:Encrypt", KEY2)),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "resource/key-pattern",
        "authspec Policy language: Resource wildcards",
        kp(allow(ALICE, "kms:Encrypt", f"arn:aws:kms:*:{ACCOUNT}:key/*")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "resource/alias-pattern",
        "authspec Policy language: the resource is the key ARN, even by alias",
        kp(allow(ALICE, "kms:Encrypt", f"arn:aws:kms:*:{ACCOUNT}:alias/*")),
        "Encrypt",
        denied("Encrypt", NO_RB),
        key_ref="alias",
        aliases=("alias/finance",),
    ),
    Case(
        "resource/list-with-key",
        "authspec Policy language: Resource list",
        kp(allow(ALICE, "kms:Encrypt", [KEY2, KEY])),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "resource/not-resource-other-key",
        "authspec Policy language: NotResource",
        kp(allow(ALICE, "kms:Encrypt", not_resource=KEY2)),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "resource/not-resource-this-key",
        "authspec Policy language: NotResource excludes the key",
        kp(allow(ALICE, "kms:Encrypt", not_resource=KEY)),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "resource/deny-not-resource-other-key",
        "authspec Policy language: Deny with NotResource applies to this key",
        kp(ALICE_ALL, deny(ALICE, "kms:Encrypt", not_resource=KEY2)),
        "Encrypt",
        denied("Encrypt", RB_DENY),
    ),
    Case(
        "resource/deny-not-resource-this-key",
        "authspec Policy language (sibling: NotResource is this key)",
        kp(ALICE_ALL, deny(ALICE, "kms:Encrypt", not_resource=KEY)),
        "Encrypt",
        ALLOW,
    ),
]

NOT_PRINCIPAL = [
    Case(
        "notprincipal/deny-all-but-bob",
        "authspec Policy language: NotPrincipal with Deny",
        kp(allow([ALICE, BOB], "kms:*"), deny(None, "kms:Encrypt", not_principal=BOB)),
        "Encrypt",
        denied("Encrypt", RB_DENY),
    ),
    Case(
        "notprincipal/deny-all-but-alice",
        "authspec Policy language: NotPrincipal exempts the caller",
        kp(allow([ALICE, BOB], "kms:*"), deny(None, "kms:Encrypt", not_principal=ALICE)),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "notprincipal/deny-all-but-list-with-alice",
        "authspec Policy language: NotPrincipal list",
        kp(allow([ALICE, BOB], "kms:*"), deny(None, "kms:Encrypt", not_principal=[BOB, ALICE])),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "notprincipal/role-arn-does-not-spare-its-session",
        "IAM guide, NotPrincipal: a role session is exempt only when its session ARN is listed",
        kp(allow(ROLE, "kms:*"), deny(None, "kms:Encrypt", not_principal=ROLE)),
        "Encrypt",
        denied("Encrypt", RB_DENY),
        caller=SESS,
    ),
    Case(
        "notprincipal/session-arn-spares-the-session",
        "IAM guide, NotPrincipal: the session ARN listed exempts that session",
        kp(allow(ROLE, "kms:*"), deny(None, "kms:Encrypt", not_principal=[ROLE, SESSION])),
        "Encrypt",
        ALLOW,
        caller=SESS,
    ),
]

_DEPT = "kms:EncryptionContext:dept"

STRING_CONDITIONS = [
    Case(
        "cond/string-equals-caller-account",
        f"{COND_KMS}: kms:CallerAccount",
        when(cond("StringEquals", "kms:CallerAccount", ACCOUNT)),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/string-equals-caller-account-other",
        f"{COND_KMS}: kms:CallerAccount mismatch",
        when(cond("StringEquals", "kms:CallerAccount", OTHER)),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "cond/key-name-case-insensitive",
        "authspec Policy language: condition key names are case-insensitive",
        when(cond("StringEquals", "KMS:CALLERACCOUNT", ACCOUNT)),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/string-not-equals",
        f"{OPERATORS}: StringNotEquals",
        when(cond("StringNotEquals", "kms:CallerAccount", OTHER)),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/string-not-equals-own-value",
        f"{OPERATORS}: StringNotEquals, equal value",
        when(cond("StringNotEquals", "kms:CallerAccount", ACCOUNT)),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "cond/context-value",
        f"{COND_KMS}: kms:EncryptionContext:context-key",
        when(cond("StringEquals", _DEPT, "finance")),
        "Encrypt",
        ALLOW,
        context=FINANCE,
    ),
    Case(
        "cond/context-value-case-sensitive",
        "authspec: kms:EncryptionContext values are case-sensitive",
        when(cond("StringEquals", _DEPT, "finance")),
        "Encrypt",
        denied("Encrypt", NO_RB),
        context={"dept": "Finance"},
    ),
    Case(
        "cond/context-key-case-insensitive-in-policy",
        "authspec: kms:EncryptionContext key part is case-insensitive",
        when(cond("StringEquals", "kms:EncryptionContext:DEPT", "finance")),
        "Encrypt",
        ALLOW,
        context=FINANCE,
    ),
    Case(
        "cond/context-key-case-insensitive-in-request",
        f"{COND_KMS}: the context-key part is not case sensitive",
        when(cond("StringEquals", _DEPT, "finance")),
        "Encrypt",
        ALLOW,
        context={"Dept": "finance"},
    ),
    Case(
        "cond/context-absent",
        "authspec: absent key, positive operator is false",
        when(cond("StringEquals", _DEPT, "finance")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "cond/context-absent-if-exists",
        "authspec: absent key, IfExists is true",
        when(cond("StringEqualsIfExists", _DEPT, "finance")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/context-present-if-exists-mismatch",
        f"{OPERATORS}: IfExists still compares a present key",
        when(cond("StringEqualsIfExists", _DEPT, "finance")),
        "Encrypt",
        denied("Encrypt", NO_RB),
        context={"dept": "hr"},
    ),
    Case(
        "cond/string-not-equals-absent",
        "authspec: absent key, negated operator is true",
        when(cond("StringNotEquals", _DEPT, "hr")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/string-not-equals-present",
        f"{OPERATORS}: StringNotEquals on a present equal value",
        when(cond("StringNotEquals", _DEPT, "hr")),
        "Encrypt",
        denied("Encrypt", NO_RB),
        context={"dept": "hr"},
    ),
    Case(
        "cond/string-equals-ignore-case",
        f"{OPERATORS}: StringEqualsIgnoreCase",
        when(cond("StringEqualsIgnoreCase", _DEPT, "FINANCE")),
        "Encrypt",
        ALLOW,
        context=FINANCE,
    ),
    Case(
        "cond/string-not-equals-ignore-case",
        f"{OPERATORS}: StringNotEqualsIgnoreCase",
        when(cond("StringNotEqualsIgnoreCase", _DEPT, "FINANCE")),
        "Encrypt",
        denied("Encrypt", NO_RB),
        context=FINANCE,
    ),
    Case(
        "cond/values-ored",
        "authspec Policy language: values ORed",
        when(cond("StringEquals", _DEPT, ["hr", "finance"])),
        "Encrypt",
        ALLOW,
        context=FINANCE,
    ),
    Case(
        "cond/keys-anded-one-missing",
        "authspec Policy language: keys ANDed",
        when({"StringEquals": {_DEPT: "finance", "kms:EncryptionContext:project": "apollo"}}),
        "Encrypt",
        denied("Encrypt", NO_RB),
        context=FINANCE,
    ),
    Case(
        "cond/keys-anded-both-present",
        "authspec Policy language: keys ANDed (sibling: both pairs sent)",
        when({"StringEquals": {_DEPT: "finance", "kms:EncryptionContext:project": "apollo"}}),
        "Encrypt",
        ALLOW,
        context={"dept": "finance", "project": "apollo"},
    ),
    Case(
        "cond/operators-anded",
        "authspec Policy language: several operators ANDed",
        when(
            {
                "StringEquals": {_DEPT: "finance"},
                "StringNotEquals": {"kms:CallerAccount": ACCOUNT},
            }
        ),
        "Encrypt",
        denied("Encrypt", NO_RB),
        context=FINANCE,
    ),
    Case(
        "cond/string-like-principal-arn",
        f"{OPERATORS}: StringLike on aws:PrincipalArn",
        when(cond("StringLike", "aws:PrincipalArn", "arn:aws:iam::*:user/al*")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/string-like-no-match",
        f"{OPERATORS}: StringLike mismatch",
        when(cond("StringLike", "aws:PrincipalArn", "arn:aws:iam::*:user/b*")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "cond/string-not-like",
        f"{OPERATORS}: StringNotLike",
        when(cond("StringNotLike", "aws:PrincipalArn", "*:user/b*")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/string-not-like-match",
        f"{OPERATORS}: StringNotLike on a matching value",
        when(cond("StringNotLike", "aws:PrincipalArn", "*:user/a*")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "cond/principal-account",
        "IAM aws:PrincipalAccount",
        when(cond("StringEquals", "aws:PrincipalAccount", ACCOUNT)),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/principal-account-other",
        "IAM aws:PrincipalAccount mismatch",
        when(cond("StringEquals", "aws:PrincipalAccount", OTHER)),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "cond/resource-tag",
        "IAM aws:ResourceTag/<k> in a key policy",
        when(cond("StringEquals", "aws:ResourceTag/team", "blue")),
        "Encrypt",
        ALLOW,
        tags={"team": "blue"},
    ),
    Case(
        "cond/resource-tag-mismatch",
        "IAM aws:ResourceTag/<k> mismatch",
        when(cond("StringEquals", "aws:ResourceTag/team", "blue")),
        "Encrypt",
        denied("Encrypt", NO_RB),
        tags={"team": "red"},
    ),
    Case(
        "cond/encryption-algorithm",
        f"{COND_KMS}: kms:EncryptionAlgorithm (default SYMMETRIC_DEFAULT)",
        when(cond("StringEquals", "kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/encryption-algorithm-other",
        f"{COND_KMS}: kms:EncryptionAlgorithm mismatch",
        when(cond("StringEquals", "kms:EncryptionAlgorithm", "RSAES_OAEP_SHA_256")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "cond/encryption-algorithm-decrypt",
        f"{COND_KMS}: kms:EncryptionAlgorithm on Decrypt",
        alice_may(
            "kms:Decrypt", cond("StringEquals", "kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT")
        ),
        "Decrypt",
        ALLOW,
    ),
    Case(
        "cond/encryption-algorithm-decrypt-other",
        f"{COND_KMS}: kms:EncryptionAlgorithm on Decrypt, mismatch",
        alice_may(
            "kms:Decrypt", cond("StringEquals", "kms:EncryptionAlgorithm", "RSAES_OAEP_SHA_1")
        ),
        "Decrypt",
        denied("Decrypt", NO_RB),
    ),
    Case(
        "cond/context-on-decrypt",
        f"{COND_KMS}: kms:EncryptionContext on Decrypt",
        alice_may("kms:Decrypt", cond("StringEquals", _DEPT, "finance")),
        "Decrypt",
        ALLOW,
        context=FINANCE,
    ),
    Case(
        "cond/context-on-decrypt-mismatch",
        f"{COND_KMS}: kms:EncryptionContext on Decrypt, mismatch",
        alice_may("kms:Decrypt", cond("StringEquals", _DEPT, "finance")),
        "Decrypt",
        denied("Decrypt", NO_RB),
        context={"dept": "hr"},
    ),
    Case(
        "cond/context-on-generate-data-key",
        f"{COND_KMS}: kms:EncryptionContext on GenerateDataKey",
        alice_may("kms:GenerateDataKey", cond("StringEquals", _DEPT, "finance")),
        "GenerateDataKey",
        ALLOW,
        context=FINANCE,
    ),
    Case(
        "cond/context-on-generate-data-key-absent",
        f"{COND_KMS}: kms:EncryptionContext on GenerateDataKey, no context",
        alice_may("kms:GenerateDataKey", cond("StringEquals", _DEPT, "finance")),
        "GenerateDataKey",
        denied("GenerateDataKey", NO_RB),
    ),
]

NUMERIC_DATE_BOOL_ARN_NULL = [
    Case(
        "cond/numeric-lte-window",
        f"{COND_KMS}: kms:ScheduleKeyDeletionPendingWindowInDays",
        alice_may(
            "kms:ScheduleKeyDeletion",
            cond("NumericLessThanEquals", "kms:ScheduleKeyDeletionPendingWindowInDays", "10"),
        ),
        "ScheduleKeyDeletion",
        ALLOW,
        window=7,
    ),
    Case(
        "cond/numeric-lte-window-exceeded",
        f"{OPERATORS}: NumericLessThanEquals false",
        alice_may(
            "kms:ScheduleKeyDeletion",
            cond("NumericLessThanEquals", "kms:ScheduleKeyDeletionPendingWindowInDays", "10"),
        ),
        "ScheduleKeyDeletion",
        denied("ScheduleKeyDeletion", NO_RB),
        window=30,
    ),
    Case(
        "cond/numeric-equals-default-window",
        "authspec: kms:ScheduleKeyDeletionPendingWindowInDays defaults to 30",
        alice_may(
            "kms:ScheduleKeyDeletion",
            cond("NumericEquals", "kms:ScheduleKeyDeletionPendingWindowInDays", "30"),
        ),
        "ScheduleKeyDeletion",
        ALLOW,
    ),
    Case(
        "cond/numeric-not-equals-default-window",
        f"{OPERATORS}: NumericNotEquals (sibling)",
        alice_may(
            "kms:ScheduleKeyDeletion",
            cond("NumericNotEquals", "kms:ScheduleKeyDeletionPendingWindowInDays", "30"),
        ),
        "ScheduleKeyDeletion",
        denied("ScheduleKeyDeletion", NO_RB),
    ),
    Case(
        "cond/numeric-greater-than-is-strict",
        f"{OPERATORS}: NumericGreaterThan",
        alice_may(
            "kms:ScheduleKeyDeletion",
            cond("NumericGreaterThan", "kms:ScheduleKeyDeletionPendingWindowInDays", "7"),
        ),
        "ScheduleKeyDeletion",
        denied("ScheduleKeyDeletion", NO_RB),
        window=7,
    ),
    Case(
        "cond/numeric-greater-than-equals",
        f"{OPERATORS}: NumericGreaterThanEquals",
        alice_may(
            "kms:ScheduleKeyDeletion",
            cond("NumericGreaterThanEquals", "kms:ScheduleKeyDeletionPendingWindowInDays", "7"),
        ),
        "ScheduleKeyDeletion",
        ALLOW,
        window=7,
    ),
    Case(
        "cond/numeric-less-than-is-strict",
        f"{OPERATORS}: NumericLessThan",
        alice_may(
            "kms:ScheduleKeyDeletion",
            cond("NumericLessThan", "kms:ScheduleKeyDeletionPendingWindowInDays", "7"),
        ),
        "ScheduleKeyDeletion",
        denied("ScheduleKeyDeletion", NO_RB),
        window=7,
    ),
    Case(
        "cond/numeric-less-than",
        f"{OPERATORS}: NumericLessThan true",
        alice_may(
            "kms:ScheduleKeyDeletion",
            cond("NumericLessThan", "kms:ScheduleKeyDeletionPendingWindowInDays", "8"),
        ),
        "ScheduleKeyDeletion",
        ALLOW,
        window=7,
    ),
    Case(
        "cond/date-greater-than-current-time",
        f"{OPERATORS}: DateGreaterThan aws:CurrentTime",
        when(cond("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/date-less-than-current-time",
        f"{OPERATORS}: DateLessThan aws:CurrentTime (past)",
        when(cond("DateLessThan", "aws:CurrentTime", "2020-01-01T00:00:00Z")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "cond/date-less-than-equals-future",
        f"{OPERATORS}: DateLessThanEquals aws:CurrentTime (future)",
        when(cond("DateLessThanEquals", "aws:CurrentTime", "2999-01-01T00:00:00Z")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/date-greater-than-equals-epoch",
        "authspec: Date operators take epoch seconds; aws:EpochTime",
        when(cond("DateGreaterThanEquals", "aws:EpochTime", "1577836800")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/date-less-than-equals-epoch",
        "authspec: Date operators take epoch seconds (past)",
        when(cond("DateLessThanEquals", "aws:EpochTime", "1577836800")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "cond/date-equals",
        f"{OPERATORS}: DateEquals",
        when(cond("DateEquals", "aws:CurrentTime", "2020-01-01T00:00:00Z")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "cond/date-not-equals",
        f"{OPERATORS}: DateNotEquals",
        when(cond("DateNotEquals", "aws:CurrentTime", "2020-01-01T00:00:00Z")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/bool-secure-transport",
        'authspec: aws:SecureTransport is "true"',
        when(cond("Bool", "aws:SecureTransport", "true")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/bool-secure-transport-false",
        f"{OPERATORS}: Bool false",
        when(cond("Bool", "aws:SecureTransport", "false")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "cond/arn-equals-principal-arn",
        f"{OPERATORS}: ArnEquals aws:PrincipalArn",
        when(cond("ArnEquals", "aws:PrincipalArn", ALICE)),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/arn-equals-other",
        f"{OPERATORS}: ArnEquals mismatch",
        when(cond("ArnEquals", "aws:PrincipalArn", BOB)),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "cond/arn-like-session-principal-arn-is-role",
        "authspec: aws:PrincipalArn is the role ARN for a session",
        anyone(
            "kms:Encrypt", cond("ArnLike", "aws:PrincipalArn", f"arn:aws:iam::{ACCOUNT}:role/*")
        ),
        "Encrypt",
        ALLOW,
        caller=SESS,
    ),
    Case(
        "cond/arn-like-session-principal-arn-not-session",
        "authspec: aws:PrincipalArn is not the assumed-role ARN",
        anyone(
            "kms:Encrypt",
            cond("ArnLike", "aws:PrincipalArn", f"arn:aws:sts::{ACCOUNT}:assumed-role/*"),
        ),
        "Encrypt",
        denied("Encrypt", NO_RB),
        caller=SESS,
    ),
    Case(
        "cond/arn-not-equals",
        f"{OPERATORS}: ArnNotEquals",
        when(cond("ArnNotEquals", "aws:PrincipalArn", BOB)),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/arn-not-like",
        f"{OPERATORS}: ArnNotLike on a matching ARN",
        when(cond("ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::*:user/*")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "cond/null-via-service-absent",
        "authspec: Null true on an absent key is true",
        when(cond("Null", "kms:ViaService", "true")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/null-via-service-present",
        f"{OPERATORS}: Null true on a present key",
        when(cond("Null", "kms:ViaService", "true")),
        "Encrypt",
        denied("Encrypt", NO_RB),
        via_service=S3,
    ),
    Case(
        "cond/null-false-context-present",
        f"{OPERATORS}: Null false on a present key",
        when(cond("Null", _DEPT, "false")),
        "Encrypt",
        ALLOW,
        context=FINANCE,
    ),
    Case(
        "cond/null-false-context-absent",
        f"{OPERATORS}: Null false on an absent key",
        when(cond("Null", _DEPT, "false")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "cond/source-ip-absent",
        "authspec: aws:SourceIp is always absent; positive operator false",
        when(cond("StringEquals", "aws:SourceIp", "10.0.0.1")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "cond/source-ip-absent-if-exists",
        "authspec: absent key, IfExists true",
        when(cond("StringEqualsIfExists", "aws:SourceIp", "10.0.0.1")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "cond/source-ip-absent-negated",
        "authspec: absent key, negated operator true",
        when(cond("StringNotEquals", "aws:SourceIp", "10.0.0.1")),
        "Encrypt",
        ALLOW,
    ),
]

MULTI_VALUED = [
    Case(
        "multi/for-all-values-context-keys",
        f"{MULTI}: ForAllValues, every request value in the set",
        when(cond("ForAllValues:StringEquals", "kms:EncryptionContextKeys", ["dept", "project"])),
        "Encrypt",
        ALLOW,
        context=FINANCE,
    ),
    Case(
        "multi/for-all-values-context-keys-extra",
        f"{MULTI}: ForAllValues, a value outside the set",
        when(cond("ForAllValues:StringEquals", "kms:EncryptionContextKeys", ["dept", "project"])),
        "Encrypt",
        denied("Encrypt", NO_RB),
        context={"dept": "finance", "extra": "1"},
    ),
    Case(
        "multi/for-all-values-no-context",
        f"{MULTI}: ForAllValues with no values is true",
        when(cond("ForAllValues:StringEquals", "kms:EncryptionContextKeys", ["dept", "project"])),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "multi/for-any-value-context-keys",
        f"{MULTI}: ForAnyValue, one value in the set",
        when(cond("ForAnyValue:StringEquals", "kms:EncryptionContextKeys", "dept")),
        "Encrypt",
        ALLOW,
        context={"dept": "finance", "extra": "1"},
    ),
    Case(
        "multi/for-any-value-no-context",
        f"{MULTI}: ForAnyValue with no values is false",
        when(cond("ForAnyValue:StringEquals", "kms:EncryptionContextKeys", "dept")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "multi/for-any-value-resource-aliases",
        f"{COND_KMS}: kms:ResourceAliases with ForAnyValue (IAM policy)",
        DELEGATE,
        "Encrypt",
        ALLOW,
        identity=idp(
            iam_allow(
                "kms:Encrypt",
                condition=cond("ForAnyValue:StringLike", "kms:ResourceAliases", "alias/finance-*"),
            )
        ),
        aliases=("alias/finance-key", "alias/other"),
    ),
    Case(
        "multi/for-any-value-resource-aliases-none-match",
        f"{COND_KMS}: kms:ResourceAliases, no alias matches",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", NO_ID),
        identity=idp(
            iam_allow(
                "kms:Encrypt",
                condition=cond("ForAnyValue:StringLike", "kms:ResourceAliases", "alias/finance-*"),
            )
        ),
        aliases=("alias/other",),
    ),
    Case(
        "multi/for-all-values-resource-aliases-one-outside",
        f"{MULTI}: ForAllValues with kms:ResourceAliases, one alias outside",
        DELEGATE,
        "Encrypt",
        denied("Encrypt", NO_ID),
        identity=idp(
            iam_allow(
                "kms:Encrypt",
                condition=cond("ForAllValues:StringLike", "kms:ResourceAliases", "alias/finance-*"),
            )
        ),
        aliases=("alias/finance-a", "alias/other"),
    ),
    Case(
        "multi/for-all-values-resource-aliases-none",
        f"{MULTI}: ForAllValues with no values (a key without aliases) is true",
        DELEGATE,
        "Encrypt",
        ALLOW,
        identity=idp(
            iam_allow(
                "kms:Encrypt",
                condition=cond("ForAllValues:StringLike", "kms:ResourceAliases", "alias/finance-*"),
            )
        ),
    ),
]

_DESCRIBE = "kms:DescribeKey"

KMS_KEYS = [
    Case(
        "kmskey/request-alias-by-name",
        f"{COND_KMS}: kms:RequestAlias",
        alice_may(_DESCRIBE, cond("StringEquals", "kms:RequestAlias", "alias/finance")),
        "DescribeKey",
        ALLOW,
        key_ref="alias",
        aliases=("alias/finance",),
    ),
    Case(
        "kmskey/request-alias-by-alias-arn",
        "authspec: kms:RequestAlias is the alias name when called by alias ARN",
        alice_may(_DESCRIBE, cond("StringEquals", "kms:RequestAlias", "alias/finance")),
        "DescribeKey",
        ALLOW,
        key_ref="alias-arn",
        aliases=("alias/finance",),
    ),
    Case(
        "kmskey/request-alias-absent-by-key-arn",
        f"{COND_KMS}: kms:RequestAlias absent when the key is named by ARN",
        alice_may(_DESCRIBE, cond("StringEquals", "kms:RequestAlias", "alias/finance")),
        "DescribeKey",
        denied("DescribeKey", NO_RB),
        aliases=("alias/finance",),
    ),
    Case(
        "kmskey/request-alias-other-alias-of-key",
        f"{COND_KMS}: kms:RequestAlias is the alias used, not any alias of the key",
        alice_may("kms:Encrypt", cond("StringLike", "kms:RequestAlias", "alias/fin*")),
        "Encrypt",
        denied("Encrypt", NO_RB),
        key_ref="alias",
        aliases=("alias/ops", "alias/finance"),
    ),
    Case(
        "kmskey/request-alias-pattern",
        f"{COND_KMS}: kms:RequestAlias with StringLike",
        alice_may("kms:Encrypt", cond("StringLike", "kms:RequestAlias", "alias/fin*")),
        "Encrypt",
        ALLOW,
        key_ref="alias",
        aliases=("alias/finance", "alias/ops"),
    ),
    Case(
        "kmskey/key-spec",
        f"{COND_KMS}: kms:KeySpec",
        alice_may(_DESCRIBE, cond("StringEquals", "kms:KeySpec", "SYMMETRIC_DEFAULT")),
        "DescribeKey",
        ALLOW,
    ),
    Case(
        "kmskey/key-spec-other",
        f"{COND_KMS}: kms:KeySpec mismatch",
        alice_may(_DESCRIBE, cond("StringEquals", "kms:KeySpec", "RSA_2048")),
        "DescribeKey",
        denied("DescribeKey", NO_RB),
    ),
    Case(
        "kmskey/key-usage",
        f"{COND_KMS}: kms:KeyUsage",
        alice_may(_DESCRIBE, cond("StringEquals", "kms:KeyUsage", "ENCRYPT_DECRYPT")),
        "DescribeKey",
        ALLOW,
    ),
    Case(
        "kmskey/key-usage-other",
        f"{COND_KMS}: kms:KeyUsage mismatch",
        alice_may(_DESCRIBE, cond("StringEquals", "kms:KeyUsage", "SIGN_VERIFY")),
        "DescribeKey",
        denied("DescribeKey", NO_RB),
    ),
    Case(
        "kmskey/key-origin",
        f"{COND_KMS}: kms:KeyOrigin",
        alice_may(_DESCRIBE, cond("StringEquals", "kms:KeyOrigin", "AWS_KMS")),
        "DescribeKey",
        ALLOW,
    ),
    Case(
        "kmskey/key-origin-other",
        f"{COND_KMS}: kms:KeyOrigin mismatch",
        alice_may(_DESCRIBE, cond("StringEquals", "kms:KeyOrigin", "EXTERNAL")),
        "DescribeKey",
        denied("DescribeKey", NO_RB),
    ),
    Case(
        "kmskey/via-service",
        f"{COND_KMS}: kms:ViaService",
        when(cond("StringEquals", "kms:ViaService", S3)),
        "Encrypt",
        ALLOW,
        via_service=S3,
    ),
    Case(
        "kmskey/via-service-direct-call",
        "authspec: kms:ViaService only for via_service clients",
        when(cond("StringEquals", "kms:ViaService", S3)),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "kmskey/via-service-if-exists-other-service",
        f"{OPERATORS}: IfExists compares a present kms:ViaService",
        when(cond("StringEqualsIfExists", "kms:ViaService", S3)),
        "Encrypt",
        denied("Encrypt", NO_RB),
        via_service=EC2,
    ),
    Case(
        "kmskey/via-service-if-exists-direct-call",
        "authspec: IfExists true on an absent kms:ViaService",
        when(cond("StringEqualsIfExists", "kms:ViaService", S3)),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "kmskey/grant-operations-all-within",
        f"{COND_KMS}: kms:GrantOperations with ForAllValues",
        alice_may(
            "kms:CreateGrant",
            cond("ForAllValues:StringEquals", "kms:GrantOperations", ["Encrypt", "Decrypt"]),
        ),
        "CreateGrant",
        ALLOW,
        request_grant=GrantSpec(BOB, ("Encrypt",)),
    ),
    Case(
        "kmskey/grant-operations-one-outside",
        f"{COND_KMS}: kms:GrantOperations, CreateGrant outside the set",
        alice_may(
            "kms:CreateGrant",
            cond("ForAllValues:StringEquals", "kms:GrantOperations", ["Encrypt", "Decrypt"]),
        ),
        "CreateGrant",
        denied("CreateGrant", NO_RB),
        request_grant=GrantSpec(BOB, ("Encrypt", "CreateGrant")),
    ),
    Case(
        "kmskey/grant-constraint-type",
        f"{COND_KMS}: kms:GrantConstraintType",
        alice_may(
            "kms:CreateGrant",
            cond("StringEquals", "kms:GrantConstraintType", "EncryptionContextSubset"),
        ),
        "CreateGrant",
        ALLOW,
        request_grant=GrantSpec(BOB, ("Decrypt",), subset=FINANCE),
    ),
    Case(
        "kmskey/grant-constraint-type-other",
        f"{COND_KMS}: kms:GrantConstraintType mismatch",
        alice_may(
            "kms:CreateGrant",
            cond("StringEquals", "kms:GrantConstraintType", "EncryptionContextSubset"),
        ),
        "CreateGrant",
        denied("CreateGrant", NO_RB),
        request_grant=GrantSpec(BOB, ("Decrypt",), equals=FINANCE),
    ),
    Case(
        "kmskey/grantee-principal",
        f"{COND_KMS}: kms:GranteePrincipal",
        alice_may("kms:CreateGrant", cond("StringEquals", "kms:GranteePrincipal", BOB)),
        "CreateGrant",
        ALLOW,
        request_grant=GrantSpec(BOB, ("Decrypt",)),
    ),
    Case(
        "kmskey/grantee-principal-other",
        f"{COND_KMS}: kms:GranteePrincipal mismatch",
        alice_may("kms:CreateGrant", cond("StringEquals", "kms:GranteePrincipal", BOB)),
        "CreateGrant",
        denied("CreateGrant", NO_RB),
        request_grant=GrantSpec(ROLE, ("Decrypt",)),
    ),
    Case(
        "kmskey/retiring-principal",
        f"{COND_KMS}: kms:RetiringPrincipal",
        alice_may("kms:CreateGrant", cond("StringEquals", "kms:RetiringPrincipal", ALICE)),
        "CreateGrant",
        ALLOW,
        request_grant=GrantSpec(BOB, ("Decrypt",), retiring=ALICE),
    ),
    Case(
        "kmskey/retiring-principal-absent",
        f"{COND_KMS}: kms:RetiringPrincipal absent without RetiringPrincipal",
        alice_may("kms:CreateGrant", cond("StringEquals", "kms:RetiringPrincipal", ALICE)),
        "CreateGrant",
        denied("CreateGrant", NO_RB),
        request_grant=GrantSpec(BOB, ("Decrypt",)),
    ),
    Case(
        "kmskey/grant-context-constraint",
        "authspec: kms:EncryptionContext:<k> on CreateGrant is the constraint pairs",
        alice_may("kms:CreateGrant", cond("StringEquals", _DEPT, "finance")),
        "CreateGrant",
        ALLOW,
        request_grant=GrantSpec(BOB, ("Decrypt",), subset=FINANCE),
    ),
    Case(
        "kmskey/grant-context-constraint-other",
        "authspec: kms:EncryptionContext:<k> on CreateGrant, other value",
        alice_may("kms:CreateGrant", cond("StringEquals", _DEPT, "finance")),
        "CreateGrant",
        denied("CreateGrant", NO_RB),
        request_grant=GrantSpec(BOB, ("Decrypt",), subset={"dept": "hr"}),
    ),
    Case(
        "kmskey/grant-is-for-aws-resource",
        'authspec: kms:GrantIsForAWSResource is "true" only via_service',
        alice_may("kms:CreateGrant", cond("Bool", "kms:GrantIsForAWSResource", "true")),
        "CreateGrant",
        ALLOW,
        request_grant=GrantSpec(BOB, ("Decrypt",)),
        via_service=S3,
    ),
    Case(
        "kmskey/grant-is-for-aws-resource-direct-call",
        f"{COND_KMS}: kms:GrantIsForAWSResource, direct call",
        alice_may("kms:CreateGrant", cond("Bool", "kms:GrantIsForAWSResource", "true")),
        "CreateGrant",
        denied("CreateGrant", NO_RB),
        request_grant=GrantSpec(BOB, ("Decrypt",)),
    ),
    Case(
        "kmskey/tag-keys",
        "IAM aws:TagKeys on TagResource",
        alice_may("kms:TagResource", cond("ForAllValues:StringEquals", "aws:TagKeys", "team")),
        "TagResource",
        ALLOW,
        request_tags={"team": "blue"},
    ),
    Case(
        "kmskey/tag-keys-other",
        "IAM aws:TagKeys on TagResource, another tag key",
        alice_may("kms:TagResource", cond("ForAllValues:StringEquals", "aws:TagKeys", "team")),
        "TagResource",
        denied("TagResource", NO_RB),
        request_tags={"owner": "blue"},
    ),
    Case(
        "kmskey/request-tag",
        "IAM aws:RequestTag/<k> on TagResource",
        alice_may("kms:TagResource", cond("StringEquals", "aws:RequestTag/team", "blue")),
        "TagResource",
        ALLOW,
        request_tags={"team": "blue"},
    ),
    Case(
        "kmskey/request-tag-other",
        "IAM aws:RequestTag/<k> on TagResource, other value",
        alice_may("kms:TagResource", cond("StringEquals", "aws:RequestTag/team", "blue")),
        "TagResource",
        denied("TagResource", NO_RB),
        request_tags={"team": "green"},
    ),
]

_SAME = cond("Bool", "kms:ReEncryptOnSameKey", "true")
_NOT_SAME = cond("Bool", "kms:ReEncryptOnSameKey", "false")
_STAGE = "kms:EncryptionContext:stage"

REENCRYPT = [
    Case(
        "reencrypt/source-denies-from",
        f"{EVAL}: kms:ReEncryptFrom on the source key",
        kp(ALICE_ALL, deny(ALICE, "kms:ReEncryptFrom")),
        "ReEncrypt",
        denied("ReEncryptFrom", RB_DENY, "key"),
    ),
    Case(
        "reencrypt/destination-denies-to",
        f"{EVAL}: kms:ReEncryptTo on the destination key",
        kp(ALICE_ALL),
        "ReEncrypt",
        denied("ReEncryptTo", RB_DENY, "key2"),
        key2_policy=kp(ALICE_ALL, deny(ALICE, "kms:ReEncryptTo")),
    ),
    Case(
        "reencrypt/wildcard-allows-both",
        "KMS_BEHAVIOUR §5.2: kms:ReEncrypt* = ReEncryptFrom + ReEncryptTo",
        kp(allow(ALICE, "kms:ReEncrypt*")),
        "ReEncrypt",
        ALLOW,
        key2_policy=kp(allow(ALICE, "kms:ReEncrypt*")),
    ),
    Case(
        "reencrypt/from-only-on-both-keys",
        f"{EVAL}: the destination needs kms:ReEncryptTo",
        kp(allow(ALICE, "kms:ReEncryptFrom")),
        "ReEncrypt",
        denied("ReEncryptTo", NO_RB, "key2"),
        key2_policy=kp(allow(ALICE, "kms:ReEncryptFrom")),
    ),
    Case(
        "reencrypt/to-only-on-source",
        f"{EVAL}: the source needs kms:ReEncryptFrom",
        kp(allow(ALICE, "kms:ReEncryptTo")),
        "ReEncrypt",
        denied("ReEncryptFrom", NO_RB, "key"),
        key2_policy=kp(allow(ALICE, "kms:ReEncrypt*")),
    ),
    Case(
        "reencrypt/same-key-wildcard",
        f"{EVAL}: same key needs both, kms:ReEncrypt* gives both",
        kp(allow(ALICE, "kms:ReEncrypt*")),
        "ReEncrypt",
        ALLOW,
        same_key=True,
    ),
    Case(
        "reencrypt/same-key-from-only",
        f"{EVAL}: kms:ReEncryptTo even when the same key",
        kp(allow(ALICE, "kms:ReEncryptFrom")),
        "ReEncrypt",
        denied("ReEncryptTo", NO_RB, "key"),
        same_key=True,
    ),
    Case(
        "reencrypt/same-key-to-only",
        f"{EVAL}: kms:ReEncryptFrom even when the same key",
        kp(allow(ALICE, "kms:ReEncryptTo")),
        "ReEncrypt",
        denied("ReEncryptFrom", NO_RB, "key"),
        same_key=True,
    ),
    Case(
        "reencrypt/on-same-key-true-same-key",
        f"{COND_KMS}: kms:ReEncryptOnSameKey true on the same key",
        kp(allow(ALICE, "kms:ReEncrypt*", condition=_SAME)),
        "ReEncrypt",
        ALLOW,
        same_key=True,
    ),
    Case(
        "reencrypt/on-same-key-true-other-key",
        f"{COND_KMS}: kms:ReEncryptOnSameKey false for another destination",
        kp(allow(ALICE, "kms:ReEncrypt*", condition=_SAME)),
        "ReEncrypt",
        denied("ReEncryptFrom", NO_RB, "key"),
        key2_policy=kp(allow(ALICE, "kms:ReEncrypt*")),
    ),
    Case(
        "reencrypt/on-same-key-false-same-key",
        f"{COND_KMS}: Bool kms:ReEncryptOnSameKey false, same key",
        kp(allow(ALICE, "kms:ReEncryptFrom"), allow(ALICE, "kms:ReEncryptTo", condition=_NOT_SAME)),
        "ReEncrypt",
        denied("ReEncryptTo", NO_RB, "key"),
        same_key=True,
    ),
    Case(
        "reencrypt/on-same-key-false-other-key",
        f"{COND_KMS}: Bool kms:ReEncryptOnSameKey false, other key",
        kp(allow(ALICE, "kms:ReEncryptFrom", condition=_NOT_SAME)),
        "ReEncrypt",
        ALLOW,
        key2_policy=kp(allow(ALICE, "kms:ReEncrypt*")),
    ),
    Case(
        "reencrypt/contexts-per-side",
        "authspec: ReEncryptFrom sees the source context, ReEncryptTo the destination's",
        kp(allow(ALICE, "kms:ReEncryptFrom", condition=cond("StringEquals", _STAGE, "src"))),
        "ReEncrypt",
        ALLOW,
        key2_policy=kp(
            allow(ALICE, "kms:ReEncryptTo", condition=cond("StringEquals", _STAGE, "dst"))
        ),
        context={"stage": "src"},
        dest_context={"stage": "dst"},
    ),
    Case(
        "reencrypt/destination-context-checked",
        "authspec: ReEncryptTo sees the destination context",
        kp(allow(ALICE, "kms:ReEncryptFrom", condition=cond("StringEquals", _STAGE, "src"))),
        "ReEncrypt",
        denied("ReEncryptTo", NO_RB, "key2"),
        key2_policy=kp(
            allow(ALICE, "kms:ReEncryptTo", condition=cond("StringEquals", _STAGE, "dst"))
        ),
        context={"stage": "src"},
        dest_context={"stage": "src"},
    ),
    Case(
        "reencrypt/iam-from-only",
        f"{EVAL} 5 on the destination key",
        DELEGATE,
        "ReEncrypt",
        denied("ReEncryptTo", NO_ID, "key2"),
        identity=idp(iam_allow("kms:ReEncryptFrom")),
    ),
    Case(
        "reencrypt/iam-wildcard",
        f"{EVAL} 4 with IAM kms:ReEncrypt*",
        DELEGATE,
        "ReEncrypt",
        ALLOW,
        identity=idp(iam_allow("kms:ReEncrypt*")),
    ),
]

OPERATIONS = [
    Case(
        "op/disable-key",
        "KMS_BEHAVIOUR §5.2 permissions: kms:DisableKey",
        kp(allow(ALICE, "kms:DisableKey")),
        "DisableKey",
        ALLOW,
    ),
    Case(
        "op/disable-key-enable-only",
        f"{EVAL} 7: kms:EnableKey is not kms:DisableKey",
        kp(allow(ALICE, "kms:EnableKey")),
        "DisableKey",
        denied("DisableKey", NO_RB),
    ),
    Case(
        "op/get-key-policy",
        "KMS_BEHAVIOUR §5.2 permissions: kms:GetKeyPolicy",
        kp(allow(ALICE, "kms:GetKeyPolicy", KEY)),
        "GetKeyPolicy",
        ALLOW,
    ),
    Case(
        "op/get-key-policy-put-only",
        f"{EVAL} 7: kms:PutKeyPolicy is not kms:GetKeyPolicy",
        kp(allow(ALICE, "kms:PutKeyPolicy", KEY)),
        "GetKeyPolicy",
        denied("GetKeyPolicy", NO_RB),
    ),
    Case(
        "op/tag-resource",
        "KMS_BEHAVIOUR §5.2 permissions: kms:TagResource",
        kp(allow(ALICE, "kms:TagResource")),
        "TagResource",
        ALLOW,
        request_tags={"team": "blue"},
    ),
    Case(
        "op/tag-resource-untag-only",
        f"{EVAL} 7: kms:UntagResource is not kms:TagResource",
        kp(allow(ALICE, "kms:UntagResource")),
        "TagResource",
        denied("TagResource", NO_RB),
        request_tags={"team": "blue"},
    ),
    Case(
        "op/describe-key-by-id",
        f"{EVAL} 3: DescribeKey by key id",
        kp(allow(ALICE, "kms:DescribeKey")),
        "DescribeKey",
        ALLOW,
        key_ref="id",
    ),
    Case(
        "op/describe-key-by-alias-denied",
        f"{EVAL} 7: by alias, the message names the key ARN",
        kp(allow(ALICE, "kms:Encrypt")),
        "DescribeKey",
        denied("DescribeKey", NO_RB),
        key_ref="alias",
        aliases=("alias/finance",),
    ),
    Case(
        "op/decrypt",
        "KMS_BEHAVIOUR §5.2 permissions: kms:Decrypt",
        kp(allow(ALICE, "kms:Decrypt")),
        "Decrypt",
        ALLOW,
    ),
    Case(
        "op/decrypt-encrypt-only",
        f"{EVAL} 7: kms:Encrypt is not kms:Decrypt",
        kp(allow(ALICE, "kms:Encrypt")),
        "Decrypt",
        denied("Decrypt", NO_RB),
    ),
    Case(
        "op/schedule-key-deletion-by-id",
        "KMS_BEHAVIOUR §5.2 permissions: kms:ScheduleKeyDeletion",
        kp(allow(ALICE, "kms:ScheduleKeyDeletion")),
        "ScheduleKeyDeletion",
        ALLOW,
        key_ref="id",
    ),
    Case(
        "op/schedule-key-deletion-by-id-denied",
        f"{EVAL} 7: by key id, the message names the key ARN",
        kp(allow(ALICE, "kms:CancelKeyDeletion")),
        "ScheduleKeyDeletion",
        denied("ScheduleKeyDeletion", NO_RB),
        key_ref="id",
    ),
]

_WINDOW = "kms:ScheduleKeyDeletionPendingWindowInDays"

IF_EXISTS = [
    Case(
        "ifexists/numeric-key-absent-for-encrypt",
        "authspec: keys absent when they do not apply; positive operator false",
        when(cond("NumericLessThanEquals", _WINDOW, "7")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "ifexists/numeric-if-exists-absent-for-encrypt",
        f"{OPERATORS}: NumericLessThanEqualsIfExists, absent key is true",
        when(cond("NumericLessThanEqualsIfExists", _WINDOW, "7")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "ifexists/bool-key-absent-for-encrypt",
        "authspec: kms:ReEncryptOnSameKey is absent for Encrypt",
        when(cond("Bool", "kms:ReEncryptOnSameKey", "false")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "ifexists/bool-if-exists-absent-for-encrypt",
        f"{OPERATORS}: BoolIfExists, absent key is true",
        when(cond("BoolIfExists", "kms:ReEncryptOnSameKey", "false")),
        "Encrypt",
        ALLOW,
    ),
    Case(
        "ifexists/arn-like-if-exists-present-mismatch",
        f"{OPERATORS}: ArnLikeIfExists compares a present key",
        when(cond("ArnLikeIfExists", "aws:PrincipalArn", f"arn:aws:iam::{OTHER}:*")),
        "Encrypt",
        denied("Encrypt", NO_RB),
    ),
    Case(
        "ifexists/arn-like-if-exists-present-match",
        f"{OPERATORS}: ArnLikeIfExists, matching present key",
        when(cond("ArnLikeIfExists", "aws:PrincipalArn", f"arn:aws:iam::{ACCOUNT}:*")),
        "Encrypt",
        ALLOW,
    ),
]

_ALIASES_ANYWHERE = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/*"


def _iam_only(action: str, resource: str | None = None) -> str:
    on = "" if resource is None else f" on resource: {resource}"
    return (
        f"User: {ALICE} is not authorized to perform: kms:{action}{on} because no "
        f"identity-based policy allows the kms:{action} action"
    )


IAM_ONLY_AND_ALIASES = [
    Case(
        "iamonly/create-key-allowed",
        "authspec Evaluation: CreateKey checks only the caller's IAM",
        ONLY_BOB,
        "CreateKey",
        ALLOW,
        identity=idp(iam_allow("kms:CreateKey")),
    ),
    Case(
        "iamonly/create-key-not-allowed",
        "authspec Evaluation: IAM-only operations, resource *",
        ONLY_BOB,
        "CreateKey",
        Fails("AccessDeniedException", _iam_only("CreateKey", "*")),
        identity=idp(iam_allow("kms:Encrypt")),
    ),
    Case(
        "iamonly/create-key-with-tags-needs-tag-resource",
        "authspec Evaluation: CreateKey with Tags also needs kms:TagResource",
        ONLY_BOB,
        "CreateKey",
        Fails("AccessDeniedException", _iam_only("TagResource")),
        identity=idp(iam_allow("kms:CreateKey")),
        request_tags={"team": "blue"},
    ),
    Case(
        "iamonly/create-key-with-tags-allowed",
        "authspec Evaluation: CreateKey with Tags (sibling: kms:TagResource allowed)",
        ONLY_BOB,
        "CreateKey",
        ALLOW,
        identity=idp(iam_allow(["kms:CreateKey", "kms:TagResource"])),
        request_tags={"team": "blue"},
    ),
    Case(
        "alias/create-alias-iam-on-key-only",
        "authspec Evaluation: CreateAlias needs IAM on the alias ARN",
        DELEGATE,
        "CreateAlias",
        Fails("AccessDeniedException", _iam_only("CreateAlias", NEW_ALIAS_ARN)),
        identity=idp(iam_allow("kms:CreateAlias", KEY)),
    ),
    Case(
        "alias/create-alias-iam-on-key-and-alias",
        "authspec Evaluation: CreateAlias, key and alias both allowed",
        DELEGATE,
        "CreateAlias",
        ALLOW,
        identity=idp(iam_allow("kms:CreateAlias", [KEY, _ALIASES_ANYWHERE])),
    ),
    Case(
        "alias/create-alias-iam-on-alias-only",
        "authspec Evaluation: CreateAlias also needs the key (delegated, IAM on the key)",
        DELEGATE,
        "CreateAlias",
        denied("CreateAlias", NO_ID),
        identity=idp(iam_allow("kms:CreateAlias", _ALIASES_ANYWHERE)),
    ),
    Case(
        "alias/create-alias-key-policy-names-caller",
        f"{EVAL} 3 for the key, IAM for the alias",
        kp(allow(ALICE, "kms:CreateAlias")),
        "CreateAlias",
        ALLOW,
        identity=idp(iam_allow("kms:CreateAlias", _ALIASES_ANYWHERE)),
    ),
]

CASES: list[Case] = (
    EXPLICIT_DENY
    + GRANTS
    + PRINCIPALS
    + ACCOUNT_DELEGATION
    + CROSS_ACCOUNT
    + ACTIONS
    + RESOURCES
    + NOT_PRINCIPAL
    + STRING_CONDITIONS
    + NUMERIC_DATE_BOOL_ARN_NULL
    + MULTI_VALUED
    + KMS_KEYS
    + REENCRYPT
    + OPERATIONS
    + IF_EXISTS
    + IAM_ONLY_AND_ALIASES
)

# ---------------------------------------------------------------- running a case

PLAINTEXT = b"policy case plaintext"


def _resolve(document: Doc, arns: Mapping[str, str]) -> Doc:
    """``document`` with the key placeholders replaced by the keys' ARNs."""
    text = json.dumps(document)
    for placeholder, arn in arns.items():
        text = text.replace(placeholder, arn)
    resolved: Doc = json.loads(text)
    return resolved


def _context(name: str, context: Mapping[str, str] | None) -> dict[str, Any]:
    return {} if context is None else {name: dict(context)}


def _constraints(spec: GrantSpec) -> dict[str, Any]:
    constraints: dict[str, Any] = {}
    if spec.subset is not None:
        constraints["EncryptionContextSubset"] = dict(spec.subset)
    if spec.equals is not None:
        constraints["EncryptionContextEquals"] = dict(spec.equals)
    extra: dict[str, Any] = {"Constraints": constraints} if constraints else {}
    if spec.retiring is not None:
        extra["RetiringPrincipal"] = spec.retiring
    return extra


def _tag_list(tags: Mapping[str, str] | None) -> list[TagTypeDef]:
    return [{"TagKey": k, "TagValue": v} for k, v in (tags or {}).items()]


@dataclass(frozen=True)
class World:
    key_id: str
    key_arn: str
    key2_arn: str
    policy: Doc  # KEY's policy as installed (placeholders resolved)
    blob: bytes | None  # a ciphertext under KEY (Decrypt, ReEncrypt)


def _build(client: KMSClient, case: Case) -> World:
    """Create the keys and what the call needs, as the default (root) client."""
    if case.key2_policy is None:
        key2 = client.create_key()["KeyMetadata"]
    else:
        key2 = client.create_key(
            Policy=json.dumps(case.key2_policy), BypassPolicyLockoutSafetyCheck=True
        )["KeyMetadata"]
    tags = _tag_list(case.tags)
    needs_setup = (
        KEY in json.dumps(case.key_policy)
        or case.op in ("Decrypt", "ReEncrypt")
        or bool(case.aliases)
        or case.grant is not None
        or case.disabled
    )
    if needs_setup:
        meta = (client.create_key(Tags=tags) if tags else client.create_key())["KeyMetadata"]
    else:
        meta = client.create_key(
            Policy=json.dumps(_resolve(case.key_policy, {KEY2: key2["Arn"]})),
            BypassPolicyLockoutSafetyCheck=True,
            Tags=tags,
        )["KeyMetadata"]
    key_id, key_arn = meta["KeyId"], meta["Arn"]
    policy = _resolve(case.key_policy, {KEY: key_arn, KEY2: key2["Arn"]})
    blob = None
    if needs_setup:
        for alias in case.aliases:
            client.create_alias(AliasName=alias, TargetKeyId=key_id)
        if case.op in ("Decrypt", "ReEncrypt"):
            blob = client.encrypt(
                KeyId=key_id, Plaintext=PLAINTEXT, **_context("EncryptionContext", case.context)
            )["CiphertextBlob"]
        if case.grant is not None:
            client.create_grant(
                KeyId=key_id,
                GranteePrincipal=case.grant.grantee,
                Operations=list(case.grant.operations),
                **_constraints(case.grant),
            )
        if case.disabled:
            client.disable_key(KeyId=key_id)
        client.put_key_policy(
            KeyId=key_id,
            PolicyName="default",
            Policy=json.dumps(policy),
            BypassPolicyLockoutSafetyCheck=True,
        )
    return World(key_id, key_arn, key2["Arn"], policy, blob)


def _key_ref(case: Case, world: World) -> str:
    if case.key_ref == "id":
        return world.key_id
    if case.key_ref == "alias":
        return case.aliases[0]
    if case.key_ref == "alias-arn":
        return f"{ALIAS_ARN_PREFIX}{case.aliases[0]}"
    return world.key_arn


def _call(caller: KMSClient, case: Case, world: World) -> None:
    """Make the case's call; on success, check the response is the operation's."""
    ref = _key_ref(case, world)
    if case.op == "Encrypt":
        out = caller.encrypt(
            KeyId=ref, Plaintext=PLAINTEXT, **_context("EncryptionContext", case.context)
        )
        assert out["KeyId"] == world.key_arn
        assert out["CiphertextBlob"]
    elif case.op == "Decrypt":
        assert world.blob is not None
        decrypted = caller.decrypt(
            CiphertextBlob=world.blob, **_context("EncryptionContext", case.context)
        )
        assert (decrypted["KeyId"], decrypted["Plaintext"]) == (world.key_arn, PLAINTEXT)
    elif case.op == "ReEncrypt":
        assert world.blob is not None
        destination = ref if case.same_key else world.key2_arn
        out_re = caller.re_encrypt(
            CiphertextBlob=world.blob,
            DestinationKeyId=destination,
            **_context("SourceEncryptionContext", case.context),
            **_context("DestinationEncryptionContext", case.dest_context),
        )
        expected_destination = world.key_arn if case.same_key else world.key2_arn
        assert (out_re["SourceKeyId"], out_re["KeyId"]) == (world.key_arn, expected_destination)
    elif case.op == "GenerateDataKey":
        data_key = caller.generate_data_key(
            KeyId=ref, KeySpec="AES_256", **_context("EncryptionContext", case.context)
        )
        assert (data_key["KeyId"], len(data_key["Plaintext"])) == (world.key_arn, 32)
    elif case.op == "DescribeKey":
        assert caller.describe_key(KeyId=ref)["KeyMetadata"]["Arn"] == world.key_arn
    elif case.op == "DisableKey":
        caller.disable_key(KeyId=ref)
    elif case.op == "ScheduleKeyDeletion":
        window: dict[str, Any] = {}
        if case.window is not None:
            window["PendingWindowInDays"] = case.window
        scheduled = caller.schedule_key_deletion(KeyId=ref, **window)
        assert scheduled["KeyState"] == "PendingDeletion"
        assert scheduled["PendingWindowInDays"] == (case.window or 30)
    elif case.op == "TagResource":
        caller.tag_resource(KeyId=ref, Tags=_tag_list(case.request_tags))
    elif case.op == "GetKeyPolicy":
        got = caller.get_key_policy(KeyId=ref, PolicyName="default")
        assert got["PolicyName"] == "default"
        assert json.loads(got["Policy"]) == world.policy
    elif case.op == "CreateKey":
        tags = _tag_list(case.request_tags)
        created = (caller.create_key(Tags=tags) if tags else caller.create_key())["KeyMetadata"]
        assert created["Arn"].startswith(f"arn:aws:kms:{REGION}:{ACCOUNT}:key/")
    elif case.op == "CreateAlias":
        caller.create_alias(AliasName=NEW_ALIAS, TargetKeyId=ref)
    elif case.op == "CreateGrant":
        spec = case.request_grant
        assert spec is not None
        grant = caller.create_grant(
            KeyId=ref,
            GranteePrincipal=spec.grantee,
            Operations=list(spec.operations),
            **_constraints(spec),
        )
        assert len(grant["GrantId"]) == 64
    else:  # pragma: no cover - a typo in the table
        raise AssertionError(f"no runner for {case.op}")


def _expected(case: Case, world: World) -> tuple[str, str, int]:
    outcome = case.expect
    if isinstance(outcome, Fails):
        return (outcome.code, outcome.message.format(key=world.key_arn), 400)
    assert isinstance(outcome, Denied)
    resource = world.key2_arn if outcome.on == "key2" else world.key_arn
    reason = outcome.reason.format(action=outcome.action)
    message = (
        f"User: {CALLER_ARN[case.caller]} is not authorized to perform: kms:{outcome.action} "
        f"on resource: {resource} {reason}"
    )
    return ("AccessDeniedException", message, 400)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_policy_case(kms: MockKMS, client: KMSClient, case: Case) -> None:
    alice = kms.user("alice")
    kms.user("bob")
    app = kms.role("app")
    ext = kms.role("ext", account=OTHER)
    world = _build(client, case)
    identity = [
        _resolve(document, {KEY: world.key_arn, KEY2: world.key2_arn})
        for document in case.identity or ()
    ]
    for document in identity:
        if case.caller == USER:
            alice.attach_policy(document)
        elif case.caller == SESS:
            app.attach_policy(document)
        else:
            assert case.caller == EXT, "a root takes no identity policy"
            ext.attach_policy(document)
    via: dict[str, Any] = {} if case.via_service is None else {"via_service": case.via_service}
    caller: KMSClient
    if case.caller == USER:
        caller = alice.client(**via)
    elif case.caller == SESS:
        caller = app.session("job-7").client(**via)
    elif case.caller == EXT:
        caller = ext.session("s1").client(**via)
    elif case.caller == EXT_ROOT:
        caller = kms.root(OTHER).client(**via)
    else:
        caller = client if case.via_service is None else kms.root(ACCOUNT).client(**via)

    if isinstance(case.expect, Allowed):
        _call(caller, case, world)
        return
    with pytest.raises(ClientError) as info:
        _call(caller, case, world)
    assert error_of(info) == _expected(case, world)


def test_the_table_is_large_and_ids_are_unique() -> None:
    assert len(CASES) >= 90
    assert len({case.id for case in CASES}) == len(CASES)
