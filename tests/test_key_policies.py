"""Key policies: GetKeyPolicy, PutKeyPolicy, ListKeyPolicies, CreateKey's Policy, and their checks.

The contract is authspec.md ("Key policies", "Evaluation"); the AWS facts are
KMS_BEHAVIOUR.md sections 4, 5.1, 5.5 and 12, AWS_RECORDED_FACTS.md section 3.21, and the guide
pages key-policy-default.md, key-policy-overview.md, key-policy-modifying.md,
policy-evaluation.md and resource-limits.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

import kmsmock
from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

ACCOUNT = "123456789012"
OTHER = "210987654321"
ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"
KEY_PREFIX = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/"

# authspec.md "Key policies", literally (KMS_BEHAVIOUR.md 5.1: the model's GetKeyPolicy example).
DEFAULT_POLICY = (
    '{\n  "Version" : "2012-10-17",\n  "Id" : "key-default-1",\n  "Statement" : [ {\n'
    '    "Sid" : "Enable IAM User Permissions",\n    "Effect" : "Allow",\n'
    '    "Principal" : {\n      "AWS" : "arn:aws:iam::123456789012:root"\n    },\n'
    '    "Action" : "kms:*",\n    "Resource" : "*"\n  } ]\n}'
)
LOCKOUT = "The new key policy will not allow you to update the key policy in the future."
INVALID_PRINCIPALS = "Policy contains a statement with one or more invalid principals."
POLICY_PATTERN = "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"


def _default_policy(account: str, partition: str = "aws") -> str:
    return DEFAULT_POLICY.replace(ROOT_ARN, f"arn:{partition}:iam::{account}:root")


ADMIN: dict[str, Any] = {
    "Sid": "Admin",
    "Effect": "Allow",
    "Principal": {"AWS": ROOT_ARN},
    "Action": "kms:*",
    "Resource": "*",
}


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps(_doc(*statements))


def _statement(principal: object, action: object, effect: str = "Allow") -> dict[str, Any]:
    return {"Effect": effect, "Principal": principal, "Action": action, "Resource": "*"}


def _iam(*actions: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }


def _error(call: Callable[[], object]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call()
    return error_of(info)


def _reason(arn: str, action: str, key_arn: str, ending: str) -> str:
    # KMS_BEHAVIOUR.md 5.4 message formats.
    return f"User: {arn} is not authorized to perform: kms:{action} on resource: {key_arn} {ending}"


def _no_identity(arn: str, action: str, key_arn: str) -> str:
    return _reason(
        arn, action, key_arn, f"because no identity-based policy allows the kms:{action} action"
    )


def _no_resource(arn: str, action: str, key_arn: str) -> str:
    return _reason(
        arn, action, key_arn, f"because no resource-based policy allows the kms:{action} action"
    )


def _policy_of(client: KMSClient, key_id: str) -> str:
    return client.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]


# -- The default key policy ---------------------------------------------------------------------


def test_default_key_policy_text(client: KMSClient, key_id: str) -> None:
    # key-policy-default.md, "Default key policy"; KMS_BEHAVIOUR.md 5.1 (exact layout).
    named = client.get_key_policy(KeyId=key_id, PolicyName="default")
    assert named["Policy"] == DEFAULT_POLICY
    assert named["PolicyName"] == "default"
    assert set(named) == {"Policy", "PolicyName", "ResponseMetadata"}
    # PolicyName is optional (API reference GetKeyPolicy: "default" when omitted).
    unnamed = client.get_key_policy(KeyId=KEY_PREFIX + key_id)
    assert (unnamed["Policy"], unnamed["PolicyName"]) == (DEFAULT_POLICY, "default")


def test_default_key_policy_names_the_keys_own_account(kms: MockKMS) -> None:
    # KMS_BEHAVIOUR.md 5.1: "Use the right partition and account".
    other = kms.root(OTHER).client()
    key_id = other.create_key()["KeyMetadata"]["KeyId"]
    assert _policy_of(other, key_id) == _default_policy(OTHER)
    assert f"arn:aws:iam::{OTHER}:root" in _default_policy(OTHER)
    # Created by a user of that account: still the account, not the user.
    bob = kms.user("bob", account=OTHER).client()
    created = bob.create_key()["KeyMetadata"]["KeyId"]
    assert _policy_of(bob, created) == _default_policy(OTHER)


@pytest.mark.kms(region="cn-north-1")
def test_default_key_policy_in_the_china_partition(client: KMSClient, key_id: str) -> None:
    # KMS_BEHAVIOUR.md 5.1 "Use the right partition": aws-cn in cn-* Regions (kmsmock's
    # backend/_arn.py partition table).
    assert _policy_of(client, key_id) == _default_policy(ACCOUNT, "aws-cn")
    # The account it names can use the key.
    client.encrypt(KeyId=key_id, Plaintext=b"x")


def test_list_key_policies(client: KMSClient, key_id: str) -> None:
    # AWS_RECORDED_FACTS.md 3.21: PolicyNames == ["default"], Truncated false.
    listed = client.list_key_policies(KeyId=key_id)
    assert set(listed) == {"PolicyNames", "Truncated", "ResponseMetadata"}
    assert listed["PolicyNames"] == ["default"]
    assert listed["Truncated"] is False
    assert client.list_key_policies(KeyId=KEY_PREFIX + key_id, Limit=1)["PolicyNames"] == [
        "default"
    ]


def test_get_key_policy_other_name_is_not_found(client: KMSClient, key_id: str) -> None:
    # API reference GetKeyPolicy: "The only valid name is default" (text not established:
    # KMS_BEHAVIOUR.md section 15.1, so only the code).
    with pytest.raises(client.exceptions.NotFoundException):
        client.get_key_policy(KeyId=key_id, PolicyName="other")
    client.get_key_policy(KeyId=key_id, PolicyName="default")


def test_unknown_key(client: KMSClient) -> None:
    # AWS_RECORDED_FACTS.md 1.6: well-formed unknown id -> "Key '<arn>' does not exist".
    missing = "11111111-2222-3333-4444-555555555555"
    for call in (
        lambda: client.get_key_policy(KeyId=missing),
        lambda: client.put_key_policy(KeyId=missing, Policy=_policy(ADMIN), PolicyName="default"),
        lambda: client.list_key_policies(KeyId=missing),
    ):
        assert _error(call) == (
            "NotFoundException",
            f"Key '{KEY_PREFIX}{missing}' does not exist",
            400,
        )


def test_alias_is_not_accepted(client: KMSClient, key_id: str) -> None:
    # KMS_BEHAVIOUR.md section 1 "Alias acceptance": management operations take a key ID or ARN
    # only; an alias there -> NotFoundException "Invalid keyId ..." (AWS_RECORDED_FACTS.md 1.6).
    client.create_alias(AliasName="alias/x", TargetKeyId=key_id)
    alias_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/x"
    for identifier in ("alias/x", alias_arn):
        for call in (
            lambda i=identifier: client.get_key_policy(KeyId=i, PolicyName="default"),
            lambda i=identifier: client.put_key_policy(KeyId=i, Policy=_policy(ADMIN)),
            lambda i=identifier: client.list_key_policies(KeyId=i),
        ):
            assert _error(call) == ("NotFoundException", f"Invalid keyId '{identifier}'", 400)
    assert _policy_of(client, key_id) == DEFAULT_POLICY


# -- Custom policies and their re-serialization ---------------------------------------------------

SMALL: dict[str, Any] = {
    "Version": "2012-10-17",
    "Id": "custom-1",
    "Statement": [
        ADMIN,
        {
            "Sid": "Use",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:Encrypt", "kms:Decrypt"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT}},
        },
    ],
}
# Jackson's default pretty printer, as authspec.md describes it (" : ", 2-space indents, arrays
# "[ a, b ]", objects in arrays "[ {" ... "}, {" ... "} ]").
SMALL_TEXT = "\n".join(
    [
        "{",
        '  "Version" : "2012-10-17",',
        '  "Id" : "custom-1",',
        '  "Statement" : [ {',
        '    "Sid" : "Admin",',
        '    "Effect" : "Allow",',
        '    "Principal" : {',
        f'      "AWS" : "{ROOT_ARN}"',
        "    },",
        '    "Action" : "kms:*",',
        '    "Resource" : "*"',
        "  }, {",
        '    "Sid" : "Use",',
        '    "Effect" : "Allow",',
        '    "Principal" : {',
        '      "AWS" : "*"',
        "    },",
        '    "Action" : [ "kms:Encrypt", "kms:Decrypt" ],',
        '    "Resource" : "*",',
        '    "Condition" : {',
        '      "StringEquals" : {',
        f'        "kms:CallerAccount" : "{ACCOUNT}"',
        "      }",
        "    }",
        "  } ]",
        "}",
    ]
)


@pytest.mark.parametrize(
    "text",
    [json.dumps(SMALL), json.dumps(SMALL, indent=4), json.dumps(SMALL, separators=(",", ":"))],
    ids=["spaced", "indented", "compact"],
)
def test_put_key_policy_replaces_and_is_reserialized(
    client: KMSClient, key_id: str, text: str
) -> None:
    # AWS_RECORDED_FACTS.md 3.21: PutKeyPolicy replaces the policy and AWS re-serializes it
    # ("newlines littered in the response"); authspec.md: Jackson style, key order kept.
    response = client.put_key_policy(KeyId=key_id, PolicyName="default", Policy=text)
    assert set(response) == {"ResponseMetadata"}
    assert _policy_of(client, key_id) == SMALL_TEXT
    assert json.loads(_policy_of(client, key_id)) == SMALL


def test_put_key_policy_without_policy_name(client: KMSClient, key_id: str) -> None:
    # API reference PutKeyPolicy: PolicyName is optional, "default" when omitted.
    client.put_key_policy(KeyId=KEY_PREFIX + key_id, Policy=json.dumps(SMALL))
    assert _policy_of(client, key_id) == SMALL_TEXT


def test_create_key_with_policy(client: KMSClient) -> None:
    # API reference CreateKey, Policy: the key policy to attach (instead of the default one).
    key_id = client.create_key(Policy=json.dumps(SMALL))["KeyMetadata"]["KeyId"]
    assert _policy_of(client, key_id) == SMALL_TEXT
    # The policy governs the key: the "Use" statement lets any caller of this account encrypt.
    client.encrypt(KeyId=key_id, Plaintext=b"x")


def test_a_bigger_policy_round_trips(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    # AWS_RECORDED_FACTS.md 3.21: "semantically equal" (compared as parsed JSON).
    alice = kms.user("alice")
    app = kms.role("app")
    document = {
        "Version": "2012-10-17",
        "Id": "big",
        "Statement": [
            ADMIN,
            {
                "Sid": "Users",
                "Effect": "Allow",
                "Principal": {"AWS": [alice.arn, app.arn, f"arn:aws:iam::{OTHER}:root", OTHER]},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:EncryptionContext:team": ["blue", "café"]},
                    "Bool": {"aws:SecureTransport": "true"},
                },
            },
            {
                "Sid": "Service",
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "NotAction": "kms:ScheduleKeyDeletion",
                "Resource": "*",
            },
            {
                "Sid": "Window",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "kms:ScheduleKeyDeletion",
                "Resource": "*",
                "Condition": {
                    "NumericLessThan": {"kms:ScheduleKeyDeletionPendingWindowInDays": 14},
                    "ForAnyValue:StringLike": {"kms:ResourceAliases": ["alias/prod-*"]},
                },
            },
        ],
    }
    client.put_key_policy(KeyId=key_id, Policy=json.dumps(document))
    stored = _policy_of(client, key_id)
    assert json.loads(stored) == document
    assert stored.startswith('{\n  "Version" : "2012-10-17",\n  "Id" : "big",\n')
    assert list(json.loads(stored)["Statement"][1]) == list(document["Statement"][1])


# -- Validation ---------------------------------------------------------------------------------

_NO_PRINCIPAL = {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}

MALFORMED: dict[str, str] = {
    # authspec.md / KMS_BEHAVIOUR.md 5.5 "Bad JSON, statement with no principal"; AWS sends no
    # message (authspec.md: empty).
    "not-json": "this is not JSON",
    "truncated": _policy(ADMIN)[:-3],
    "json-list": json.dumps([ADMIN]),
    "json-string": json.dumps("policy"),
    "no-statement": json.dumps({"Version": "2012-10-17"}),
    "statement-not-object": _policy(ADMIN)[:-2] + ', "x"]}',
    "no-effect": _policy(ADMIN, {k: v for k, v in {**ADMIN, "Sid": "N"}.items() if k != "Effect"}),
    "effect-maybe": _policy(ADMIN, {**ADMIN, "Sid": "M", "Effect": "Maybe"}),
    "no-principal": _policy(ADMIN, _NO_PRINCIPAL),
    "principal-list": _policy(ADMIN, {**_NO_PRINCIPAL, "Principal": [ROOT_ARN]}),
    "unknown-statement-element": _policy(ADMIN, {**ADMIN, "Sid": "U", "Colour": "blue"}),
    "unknown-top-level-element": json.dumps({**_doc(ADMIN), "Colour": "blue"}),
    "action-and-not-action": _policy(ADMIN, {**ADMIN, "Sid": "B", "NotAction": "kms:Decrypt"}),
    "unknown-condition-operator": _policy(
        ADMIN, {**ADMIN, "Sid": "C", "Condition": {"StringSortOf": {"kms:CallerAccount": OTHER}}}
    ),
}

INVALID_PRINCIPAL_VALUES: dict[str, object] = {
    # KMS_BEHAVIOUR.md 5.5 "An unknown or malformed principal" [obs]; 5.2 "not groups".
    "short-account": {"AWS": "12345"},
    "not-an-arn": {"AWS": "alice"},
    "group": {"AWS": f"arn:aws:iam::{ACCOUNT}:group/devs"},
    "s3-arn": {"AWS": "arn:aws:s3:::bucket"},
    "undeclared-user": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/nobody"},
    "undeclared-role": {"AWS": f"arn:aws:iam::{OTHER}:role/nobody"},
    "undeclared-session-role": {"AWS": f"arn:aws:sts::{ACCOUNT}:assumed-role/nobody/s"},
    "one-bad-in-a-list": {"AWS": [ROOT_ARN, f"arn:aws:iam::{ACCOUNT}:user/nobody"]},
}


def _set_policy(operation: str, client: KMSClient, key_id: str, policy: str) -> object:
    if operation == "CreateKey":
        return client.create_key(Policy=policy)
    return client.put_key_policy(KeyId=key_id, Policy=policy, PolicyName="default")


def _unchanged(operation: str, client: KMSClient, key_id: str) -> None:
    # A refused policy changes nothing: no new key, the old policy kept.
    assert [k["KeyId"] for k in client.list_keys()["Keys"]] == [key_id]
    assert _policy_of(client, key_id) == DEFAULT_POLICY


@pytest.mark.parametrize("operation", ["CreateKey", "PutKeyPolicy"])
@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_policy(client: KMSClient, key_id: str, operation: str, case: str) -> None:
    # authspec.md "Key policies": MalformedPolicyDocumentException with an empty message.
    assert _error(lambda: _set_policy(operation, client, key_id, MALFORMED[case])) == (
        "MalformedPolicyDocumentException",
        "",
        400,
    )
    _unchanged(operation, client, key_id)


@pytest.mark.parametrize("operation", ["CreateKey", "PutKeyPolicy"])
@pytest.mark.parametrize("case", INVALID_PRINCIPAL_VALUES)
def test_invalid_principals(client: KMSClient, key_id: str, operation: str, case: str) -> None:
    # KMS_BEHAVIOUR.md 5.5 [obs]: "Policy contains a statement with one or more invalid
    # principals."; undeclared users/roles stand for IAM identities that do not exist.
    statement = _statement(INVALID_PRINCIPAL_VALUES[case], "kms:Encrypt")
    policy = _policy(ADMIN, statement)
    assert _error(lambda: _set_policy(operation, client, key_id, policy)) == (
        "MalformedPolicyDocumentException",
        INVALID_PRINCIPALS,
        400,
    )
    _unchanged(operation, client, key_id)


def _session_arn(role: Any) -> str:
    # A session of a declared role, never started: its role exists, so it is valid.
    assert role.arn == f"arn:aws:iam::{OTHER}:role/app"
    return f"arn:aws:sts::{OTHER}:assumed-role/app/never-started"


VALID_PRINCIPALS: dict[str, Callable[[MockKMS], object]] = {
    # KMS_BEHAVIOUR.md 5.2 "Principals"; key-policy-overview.md / IAM principal element.
    "star": lambda kms: "*",
    "aws-star": lambda kms: {"AWS": "*"},
    "account-id": lambda kms: {"AWS": OTHER},
    "account-root": lambda kms: {"AWS": f"arn:aws:iam::{OTHER}:root"},
    "service": lambda kms: {"Service": "s3.amazonaws.com"},
    "declared-user": lambda kms: {"AWS": kms.user("alice", path="/team/").arn},
    "declared-user-other-account": lambda kms: {"AWS": kms.user("carol", account=OTHER).arn},
    "declared-role": lambda kms: {"AWS": kms.role("app").arn},
    "session-of-declared-role": lambda kms: {"AWS": _session_arn(kms.role("app", account=OTHER))},
    "several": lambda kms: {"AWS": [ROOT_ARN, OTHER], "Service": ["s3.amazonaws.com"]},
}


@pytest.mark.parametrize("operation", ["CreateKey", "PutKeyPolicy"])
@pytest.mark.parametrize("case", VALID_PRINCIPALS)
def test_valid_principals(
    kms: MockKMS, client: KMSClient, key_id: str, operation: str, case: str
) -> None:
    # authspec.md: `{"Service": "x.amazonaws.com"}` and `{"AWS": "*"}` are valid, as are
    # accounts, roots and declared users, roles and their sessions.
    document = _doc(ADMIN, _statement(VALID_PRINCIPALS[case](kms), "kms:Encrypt"))
    result = _set_policy(operation, client, key_id, json.dumps(document))
    if operation == "CreateKey":
        assert isinstance(result, dict)
        key_id = result["KeyMetadata"]["KeyId"]
    assert json.loads(_policy_of(client, key_id)) == document


@pytest.mark.kms(check_principals=False)
def test_check_principals_off_accepts_undeclared_identities(client: KMSClient, key_id: str) -> None:
    # authspec.md: mock_kms(check_principals=False) lets policies name principals nobody declared.
    document = _doc(
        ADMIN,
        _statement({"AWS": f"arn:aws:iam::{ACCOUNT}:user/nobody"}, "kms:Encrypt"),
        _statement({"AWS": f"arn:aws:sts::{OTHER}:assumed-role/ghost/s"}, "kms:Decrypt"),
    )
    client.put_key_policy(KeyId=key_id, Policy=json.dumps(document))
    assert json.loads(_policy_of(client, key_id)) == document
    created = client.create_key(Policy=json.dumps(document))["KeyMetadata"]["KeyId"]
    assert json.loads(_policy_of(client, created)) == document
    # Malformed principals stay refused: the option only skips the "declared?" check.
    bad = _policy(ADMIN, _statement({"AWS": "12345"}, "kms:Encrypt"))
    assert _error(lambda: client.put_key_policy(KeyId=key_id, Policy=bad)) == (
        "MalformedPolicyDocumentException",
        INVALID_PRINCIPALS,
        400,
    )


def test_check_principals_through_mock_kms() -> None:
    # authspec.md: the option on mock_kms(...); the default (True) refuses the same policy.
    policy = _policy(ADMIN, _statement({"AWS": f"arn:aws:iam::{ACCOUNT}:user/nobody"}, "kms:*"))
    with kmsmock.mock_kms(check_principals=False) as mock:
        mock.root(ACCOUNT).client().create_key(Policy=policy)
    with kmsmock.mock_kms() as mock:
        root = mock.root(ACCOUNT).client()
        assert _error(lambda: root.create_key(Policy=policy)) == (
            "MalformedPolicyDocumentException",
            INVALID_PRINCIPALS,
            400,
        )


# -- Lockout safety check -------------------------------------------------------------------------

_ENCRYPT_ONLY = _policy(_statement({"AWS": ROOT_ARN}, "kms:Encrypt"))


@pytest.mark.parametrize("operation", ["CreateKey", "PutKeyPolicy"])
@pytest.mark.parametrize(
    "policy",
    [
        _ENCRYPT_ONLY,
        _policy(ADMIN, _statement("*", "kms:PutKeyPolicy", "Deny")),
        _policy(ADMIN, _statement({"AWS": ROOT_ARN}, "kms:Put*", "Deny")),
    ],
    ids=["no-put", "deny-everyone", "deny-root-wildcard"],
)
def test_lockout_check_refuses(client: KMSClient, key_id: str, operation: str, policy: str) -> None:
    # KMS_BEHAVIOUR.md 5.5 [obs]; API reference PutKeyPolicy, BypassPolicyLockoutSafetyCheck:
    # the new policy must allow the caller to call PutKeyPolicy.
    assert _error(lambda: _set_policy(operation, client, key_id, policy)) == (
        "MalformedPolicyDocumentException",
        LOCKOUT,
        400,
    )
    _unchanged(operation, client, key_id)


def test_bypass_locks_the_root_out(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    # key-policy-default.md: the key policy must allow the account; without it even the root
    # cannot manage the key. BypassPolicyLockoutSafetyCheck skips the check.
    arn = KEY_PREFIX + key_id
    client.put_key_policy(KeyId=key_id, Policy=_ENCRYPT_ONLY, BypassPolicyLockoutSafetyCheck=True)
    client.encrypt(KeyId=key_id, Plaintext=b"x")
    for call, action in [
        (lambda: client.put_key_policy(KeyId=key_id, Policy=_policy(ADMIN)), "PutKeyPolicy"),
        (lambda: client.get_key_policy(KeyId=key_id), "GetKeyPolicy"),
        (lambda: client.describe_key(KeyId=key_id), "DescribeKey"),
        (lambda: client.disable_key(KeyId=key_id), "DisableKey"),
    ]:
        assert _error(call) == ("AccessDeniedException", _no_resource(ROOT_ARN, action, arn), 400)
    created = client.create_key(Policy=_ENCRYPT_ONLY, BypassPolicyLockoutSafetyCheck=True)
    other = created["KeyMetadata"]["Arn"]
    assert _error(lambda: client.describe_key(KeyId=other)) == (
        "AccessDeniedException",
        _no_resource(ROOT_ARN, "DescribeKey", other),
        400,
    )


def test_lockout_check_uses_the_callers_iam(kms: MockKMS, client: KMSClient) -> None:
    # authspec.md: the check is "evaluated like a real call: key policy + the caller's IAM".
    # The default-like policy only delegates to IAM (key-policy-default.md).
    delegating = _policy(ADMIN)
    alice = kms.user("alice", policy=_iam("kms:CreateKey"))
    assert _error(lambda: alice.client().create_key(Policy=delegating)) == (
        "MalformedPolicyDocumentException",
        LOCKOUT,
        400,
    )
    assert client.list_keys()["Keys"] == []
    alice.client().create_key()  # no Policy: no check
    bob = kms.user("bob", policy=_iam("kms:CreateKey", "kms:PutKeyPolicy"))
    bob.client().create_key(Policy=delegating)
    assert len(client.list_keys()["Keys"]) == 2


def test_lockout_check_is_about_the_caller(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    # API reference PutKeyPolicy: "the principal that is making the PutKeyPolicy request".
    alice = kms.user("alice")
    only_alice = _policy(_statement({"AWS": alice.arn}, "kms:*"))
    assert _error(lambda: client.put_key_policy(KeyId=key_id, Policy=only_alice)) == (
        "MalformedPolicyDocumentException",
        LOCKOUT,
        400,
    )
    alice.client().put_key_policy(KeyId=key_id, Policy=only_alice)
    assert json.loads(alice.client().get_key_policy(KeyId=key_id)["Policy"]) == json.loads(
        only_alice
    )


def test_lockout_check_matches_a_role_for_its_session(kms: MockKMS, key_id: str) -> None:
    # API reference PutKeyPolicy (lockout check on the calling principal) with the IAM principal
    # rule that a role ARN names the role's sessions (authspec.md "Evaluation" 3).
    app = kms.role("app")
    other = kms.role("other")
    session = app.session("admin")
    for_role = _policy(_statement({"AWS": app.arn}, "kms:*"))
    assert _error(
        lambda: other.session("admin").client().put_key_policy(KeyId=key_id, Policy=for_role)
    ) == ("MalformedPolicyDocumentException", LOCKOUT, 400)
    session.client().put_key_policy(KeyId=key_id, Policy=for_role)
    assert json.loads(session.client().get_key_policy(KeyId=key_id)["Policy"]) == json.loads(
        for_role
    )


# -- Size and characters ------------------------------------------------------------------------


def _padded(size: int) -> str:
    base = _policy(ADMIN)
    return base[:-1] + " " * (size - len(base.encode())) + "}"


@pytest.mark.parametrize("operation", ["CreateKey", "PutKeyPolicy"])
def test_policy_size_limit(client: KMSClient, key_id: str, operation: str) -> None:
    # KMS_BEHAVIOUR.md 5.5 / resource-limits.md "Key policy document size": 32 KB (32,768
    # bytes), not adjustable -> LimitExceededException.
    largest = _padded(32768)
    assert len(largest.encode()) == 32768
    _set_policy(operation, client, key_id, largest)
    with pytest.raises(client.exceptions.LimitExceededException):
        _set_policy(operation, client, key_id, _padded(32769))


def test_policy_size_counts_utf8_bytes(client: KMSClient, key_id: str) -> None:
    # authspec.md: "over 32768 bytes (UTF-8)"; "é" is one character but two bytes.
    def policy(value: str) -> str:
        condition = {"StringEquals": {"kms:EncryptionContext:note": value}}
        statement = {**_statement("*", "kms:Decrypt", "Deny"), "Condition": condition}
        return json.dumps(_doc(ADMIN, statement), ensure_ascii=False)

    ascii_policy = policy("e" * 16400)
    wide_policy = policy("é" * 16400)
    assert len(wide_policy) == len(ascii_policy) < 32768 < len(wide_policy.encode())
    client.put_key_policy(KeyId=key_id, Policy=ascii_policy)
    with pytest.raises(client.exceptions.LimitExceededException):
        client.put_key_policy(KeyId=key_id, Policy=wide_policy)
    assert json.loads(_policy_of(client, key_id)) == json.loads(ascii_policy)


@pytest.mark.parametrize("operation", ["CreateKey", "PutKeyPolicy"])
def test_policy_characters_outside_the_model_pattern(
    client: KMSClient, key_id: str, operation: str
) -> None:
    # KMS_BEHAVIOUR.md 5.5 "Characters: TAB, LF, CR, U+0020-U+00FF" (model pattern for Policy);
    # KMS_BEHAVIOUR.md 12: ValidationException template.
    condition = {"StringEquals": {"kms:EncryptionContext:team": "Ābc"}}
    policy = _policy(ADMIN, {**_statement("*", "kms:Decrypt", "Deny"), "Condition": condition})
    policy = policy.replace("\\u0100", "\u0100")
    assert "\u0100" in policy
    assert _error(lambda: _set_policy(operation, client, key_id, policy)) == (
        "ValidationException",
        f"1 validation error detected: Value '{policy}' at 'policy' failed to satisfy "
        f"constraint: Member must satisfy regular expression pattern: {POLICY_PATTERN}",
        400,
    )
    _unchanged(operation, client, key_id)
    # U+00FF and below are fine, and come back as characters.
    latin = policy.replace("\u0100", "\u00ff")
    _set_policy("PutKeyPolicy", client, key_id, latin)
    assert "\u00ffbc" in _policy_of(client, key_id)


# -- Key states ---------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["Disabled", "PendingDeletion"])
def test_key_policy_operations_in_every_state(client: KMSClient, key_id: str, state: str) -> None:
    # KMS_BEHAVIOUR.md 4 (key-state.md): Get/PutKeyPolicy and ListKeyPolicies work in every state.
    if state == "Disabled":
        client.disable_key(KeyId=key_id)
    else:
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == state
    assert _policy_of(client, key_id) == DEFAULT_POLICY
    client.put_key_policy(KeyId=key_id, Policy=json.dumps(SMALL))
    assert _policy_of(client, key_id) == SMALL_TEXT
    assert client.list_key_policies(KeyId=key_id)["PolicyNames"] == ["default"]


# -- Authorization of the policy operations themselves --------------------------------------------


def test_policy_operations_need_their_permissions(
    kms: MockKMS, client: KMSClient, key_id: str
) -> None:
    # API reference: GetKeyPolicy needs kms:GetKeyPolicy, PutKeyPolicy kms:PutKeyPolicy,
    # ListKeyPolicies kms:ListKeyPolicies (key policy); default policy delegates to IAM.
    arn = KEY_PREFIX + key_id
    alice = kms.user("alice", policy=_iam("kms:Encrypt"))
    mine = alice.client()
    for call, action in [
        (lambda: mine.get_key_policy(KeyId=key_id), "GetKeyPolicy"),
        (lambda: mine.put_key_policy(KeyId=key_id, Policy=_policy(ADMIN)), "PutKeyPolicy"),
        (lambda: mine.list_key_policies(KeyId=key_id), "ListKeyPolicies"),
    ]:
        assert _error(call) == ("AccessDeniedException", _no_identity(alice.arn, action, arn), 400)
    reader = kms.user("reader", policy=_iam("kms:GetKeyPolicy", "kms:ListKeyPolicies"))
    theirs = reader.client()
    assert theirs.get_key_policy(KeyId=key_id)["Policy"] == DEFAULT_POLICY
    assert theirs.list_key_policies(KeyId=key_id)["PolicyNames"] == ["default"]
    assert _error(lambda: theirs.put_key_policy(KeyId=key_id, Policy=_policy(ADMIN))) == (
        "AccessDeniedException",
        _no_identity(reader.arn, "PutKeyPolicy", arn),
        400,
    )
    assert _policy_of(client, key_id) == DEFAULT_POLICY


def test_explicit_deny_in_the_key_policy(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    # policy-evaluation.md: an explicit deny in the key policy beats any allow.
    arn = KEY_PREFIX + key_id
    alice = kms.user("alice")
    client.put_key_policy(
        KeyId=key_id,
        Policy=_policy(ADMIN, _statement({"AWS": alice.arn}, "kms:GetKeyPolicy", "Deny")),
    )
    assert _error(lambda: alice.client().get_key_policy(KeyId=key_id)) == (
        "AccessDeniedException",
        _reason(
            alice.arn,
            "GetKeyPolicy",
            arn,
            "with an explicit deny in a resource-based policy",
        ),
        400,
    )
    alice.client().list_key_policies(KeyId=key_id)
    assert client.get_key_policy(KeyId=key_id)["PolicyName"] == "default"


def test_key_policy_naming_a_same_account_user_needs_no_iam(
    kms: MockKMS, client: KMSClient, key_id: str
) -> None:
    # policy-evaluation.md / key-policy-overview.md: a key policy statement naming a principal
    # of the key's account is enough on its own; naming the account only delegates to IAM.
    arn = KEY_PREFIX + key_id
    alice = kms.user("alice", policy=_iam("kms:ListKeys"))
    bob = kms.user("bob", policy=_iam("kms:ListKeys"))
    client.put_key_policy(
        KeyId=key_id, Policy=_policy(ADMIN, _statement({"AWS": alice.arn}, "kms:Encrypt"))
    )
    blob = alice.client().encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    assert _error(lambda: alice.client().decrypt(CiphertextBlob=blob)) == (
        "AccessDeniedException",
        _no_identity(alice.arn, "Decrypt", arn),
        400,
    )
    assert _error(lambda: bob.client().encrypt(KeyId=key_id, Plaintext=b"x")) == (
        "AccessDeniedException",
        _no_identity(bob.arn, "Encrypt", arn),
        400,
    )


def test_key_policy_without_the_account(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    # key-policy-default.md: without the account statement, IAM policies cannot give access.
    arn = KEY_PREFIX + key_id
    alice = kms.user("alice")
    bob = kms.user("bob")  # no identity policy: IAM would allow everything
    client.put_key_policy(
        KeyId=key_id,
        Policy=_policy(_statement({"AWS": alice.arn}, "kms:*")),
        BypassPolicyLockoutSafetyCheck=True,
    )
    alice.client().encrypt(KeyId=key_id, Plaintext=b"x")
    assert _error(lambda: bob.client().encrypt(KeyId=key_id, Plaintext=b"x")) == (
        "AccessDeniedException",
        _no_resource(bob.arn, "Encrypt", arn),
        400,
    )


def test_role_in_key_policy_covers_its_sessions(
    kms: MockKMS, client: KMSClient, key_id: str
) -> None:
    # key-policy-overview.md / IAM principal element: a role ARN principal matches the role's
    # sessions (authspec.md "Evaluation" 3).
    arn = KEY_PREFIX + key_id
    app = kms.role("app", policy=_iam("kms:ListKeys"))
    other = kms.role("other", policy=_iam("kms:ListKeys"))
    client.put_key_policy(
        KeyId=key_id, Policy=_policy(ADMIN, _statement({"AWS": app.arn}, "kms:Encrypt"))
    )
    app.session("job-7").client().encrypt(KeyId=key_id, Plaintext=b"x")
    app.client().encrypt(KeyId=key_id, Plaintext=b"x")
    session = other.session("job-7")
    assert _error(lambda: session.client().encrypt(KeyId=key_id, Plaintext=b"x")) == (
        "AccessDeniedException",
        _no_identity(session.arn, "Encrypt", arn),
        400,
    )


def test_authorization_comes_before_key_state(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    # KMS_BEHAVIOUR.md 4 "Check order": resolve -> authorize -> key state.
    arn = KEY_PREFIX + key_id
    alice = kms.user("alice")
    client.put_key_policy(
        KeyId=key_id, Policy=_policy(ADMIN, _statement({"AWS": alice.arn}, "kms:Encrypt", "Deny"))
    )
    client.disable_key(KeyId=key_id)
    assert _error(lambda: alice.client().encrypt(KeyId=key_id, Plaintext=b"x")) == (
        "AccessDeniedException",
        _reason(alice.arn, "Encrypt", arn, "with an explicit deny in a resource-based policy"),
        400,
    )
    assert _error(lambda: client.encrypt(KeyId=key_id, Plaintext=b"x")) == (
        "DisabledException",
        f"{arn} is disabled.",
        400,
    )
