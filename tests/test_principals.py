"""Principals: the users, roles, sessions and roots a test declares, and what IAM lets them do.

The contract is authspec.md ("Declaring principals", "Evaluation"); the AWS rules behind it are
KMS_BEHAVIOUR.md section 5 (guide pages key-policy-default.md, iam-policies.md,
policy-evaluation.md) and the IAM User Guide's reference_identifiers.html for ARN formats.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError

import kmsmock
from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_kms.type_defs import TagTypeDef

    from kmsmock import MockKMS

ACCOUNT = "123456789012"
OTHER = "210987654321"
ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"
UNKNOWN_KEY = "AKIAKMSMOCKUNKNOWN01"
INVALID_TOKEN = "The security token included in the request is invalid."


def _iam(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: str | list[str], resource: str | list[str] = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def _deny(action: str | list[str], resource: str | list[str] = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def _no_identity_policy(arn: str, action: str, resource: str) -> str:
    # KMS_BEHAVIOUR.md 5.4, second ending; authspec.md "Evaluation" reason 5.
    return (
        f"User: {arn} is not authorized to perform: kms:{action} on resource: {resource} "
        f"because no identity-based policy allows the kms:{action} action"
    )


def _no_resource_policy(arn: str, action: str, resource: str) -> str:
    # KMS_BEHAVIOUR.md 5.4, first format; authspec.md "Evaluation" reason 7.
    return (
        f"User: {arn} is not authorized to perform: kms:{action} on resource: {resource} "
        f"because no resource-based policy allows the kms:{action} action"
    )


def _denied(call: Callable[[], object]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call()
    return error_of(info)


def _arn(client: KMSClient, key_id: str) -> str:
    return client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]


def _plain_client(credentials: dict[str, Any], region: str = "us-east-1") -> KMSClient:
    # authspec.md: `credentials` work with boto3.client("kms", **p.credentials, region_name=...).
    return boto3.client("kms", **credentials, region_name=region)


# -- ARNs and identities ------------------------------------------------------------------------


def test_user_arns(kms: MockKMS) -> None:
    # IAM User Guide reference_identifiers.html: arn:aws:iam::ACCT:user/<path><name>.
    alice = kms.user("alice")
    assert alice.arn == f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert alice.account_id == ACCOUNT
    assert alice.policies == []
    bob = kms.user("bob", path="/team/")
    assert bob.arn == f"arn:aws:iam::{ACCOUNT}:user/team/bob"
    carol = kms.user("carol", account=OTHER)
    assert carol.arn == f"arn:aws:iam::{OTHER}:user/carol"
    assert carol.account_id == OTHER


def test_role_and_session_arns(kms: MockKMS) -> None:
    # IAM User Guide reference_identifiers.html: roles are iam ARNs, sessions are
    # arn:aws:sts::ACCT:assumed-role/ROLE/SESSION (authspec.md "Declaring principals").
    app = kms.role("app", account=OTHER)
    assert app.arn == f"arn:aws:iam::{OTHER}:role/app"
    assert app.account_id == OTHER
    session = app.session("job-7")
    assert session.arn == f"arn:aws:sts::{OTHER}:assumed-role/app/job-7"
    assert session.account_id == OTHER
    local = kms.role("local")
    assert local.arn == f"arn:aws:iam::{ACCOUNT}:role/local"
    assert local.session("s1").arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/local/s1"


def test_role_path_is_in_the_role_arn_not_in_the_session_arn(kms: MockKMS) -> None:
    # IAM User Guide reference_identifiers.html: an assumed-role ARN carries the role's name
    # only, never its path.
    deployer = kms.role("deployer", path="/ci/")
    assert deployer.arn == f"arn:aws:iam::{ACCOUNT}:role/ci/deployer"
    assert deployer.session("s1").arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/s1"


def test_root_principals(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    # authspec.md: kms.root(ACCT) is arn:aws:iam::ACCT:root, always unrestricted by IAM.
    other = kms.root(OTHER)
    assert other.arn == f"arn:aws:iam::{OTHER}:root"
    assert other.account_id == OTHER
    assert other.policies == []
    assert other.client().list_keys()["Keys"] == []
    # The default account's root is the default principal: it sees the fixture's key.
    home = kms.root(ACCOUNT)
    assert home.arn == ROOT_ARN
    assert [k["KeyId"] for k in home.client().list_keys()["Keys"]] == [key_id]


def test_root_cannot_take_a_policy(kms: MockKMS) -> None:
    # authspec.md: "A root is always unrestricted and cannot take a policy (ValueError)".
    root = kms.root(OTHER)
    with pytest.raises(ValueError):  # noqa: PT011 (the contract names no message)
        root.attach_policy(_iam(_deny("kms:*")))
    assert root.policies == []
    # Still unrestricted afterwards.
    assert root.client().create_key()["KeyMetadata"]["AWSAccountId"] == OTHER


def test_redeclaring_returns_the_same_principal(kms: MockKMS) -> None:
    # authspec.md: re-declaring returns the same principal; a policy= given replaces its policies.
    first = _iam(_allow("kms:Encrypt"))
    second = _iam(_allow("kms:Decrypt"))
    alice = kms.user("alice", policy=first)
    credentials = dict(alice.credentials)
    again = kms.user("alice")
    assert again is alice
    assert again.policies == [first]
    replaced = kms.user("alice", policy=json.dumps(second))
    assert replaced is alice
    assert alice.policies == [second]
    assert alice.credentials == credentials
    app = kms.role("app", account=OTHER)
    assert kms.role("app", account=OTHER) is app
    # Same name, other account: another principal.
    assert kms.role("app").arn == f"arn:aws:iam::{ACCOUNT}:role/app"


def test_policy_forms(kms: MockKMS) -> None:
    # authspec.md: policy= takes a dict, a JSON string, or a list of them; `policies` are dicts.
    one = _iam(_allow("kms:Encrypt"))
    two = _iam(_allow("kms:Decrypt"))
    assert kms.user("a", policy=one).policies == [one]
    assert kms.user("b", policy=json.dumps(one)).policies == [one]
    assert kms.user("c", policy=[one, json.dumps(two)]).policies == [one, two]
    assert kms.role("r", policy=[one, two]).policies == [one, two]


# -- Clients, credentials, accounts and regions ---------------------------------------------------

PRINCIPALS: dict[str, Callable[[MockKMS], Any]] = {
    "user": lambda kms: kms.user("alice"),
    "user-other-account": lambda kms: kms.user("carol", account=OTHER),
    "role-other-account": lambda kms: kms.role("app", account=OTHER),
    "session": lambda kms: kms.role("app").session("job-7"),
    "root-other-account": lambda kms: kms.root(OTHER),
}


@pytest.mark.parametrize("kind", PRINCIPALS)
def test_keys_land_in_the_principals_account_and_region(kms: MockKMS, kind: str) -> None:
    # KMS_BEHAVIOUR.md section 1: a key ARN is arn:aws:kms:<region>:<account>:key/<id>; a key
    # belongs to the caller's account and the client's region (concepts.md).
    principal = PRINCIPALS[kind](kms)
    account = principal.account_id
    home = principal.client()
    assert home.meta.region_name == kms.region
    metadata = home.create_key()["KeyMetadata"]
    assert metadata["AWSAccountId"] == account
    assert metadata["Arn"] == f"arn:aws:kms:us-east-1:{account}:key/{metadata['KeyId']}"
    away = principal.client("eu-west-1")
    assert away.meta.region_name == "eu-west-1"
    elsewhere = away.create_key()["KeyMetadata"]
    assert elsewhere["AWSAccountId"] == account
    assert elsewhere["Arn"] == f"arn:aws:kms:eu-west-1:{account}:key/{elsewhere['KeyId']}"
    assert [k.key_id for k in kms.keys("eu-west-1", account=account)] == [elsewhere["KeyId"]]
    assert [k.key_id for k in kms.keys("us-east-1", account=account)] == [metadata["KeyId"]]


def test_credentials_work_with_a_plain_boto3_client(kms: MockKMS) -> None:
    # authspec.md: `credentials` is a dict for boto3.client; sessions carry a session token
    # (temporary credentials always do: IAM User Guide id_credentials_temp.html).
    alice = kms.user("alice", account=OTHER)
    assert {"aws_access_key_id", "aws_secret_access_key"} <= set(alice.credentials)
    created = _plain_client(dict(alice.credentials)).create_key()["KeyMetadata"]
    assert created["AWSAccountId"] == OTHER
    assert kms.calls[-1].principal == alice.arn

    app = kms.role("app")
    session = app.session("job-7")
    for principal in (app, session):
        assert principal.credentials.get("aws_session_token")
    _plain_client(dict(session.credentials), "eu-west-1").list_keys()
    call = kms.calls[-1]
    assert (call.principal, call.region) == (session.arn, "eu-west-1")
    # role.credentials act as the session "kmsmock".
    _plain_client(dict(app.credentials)).list_keys()
    assert kms.calls[-1].principal == f"arn:aws:sts::{ACCOUNT}:assumed-role/app/kmsmock"
    # Two principals never share an access key.
    keys = {p.credentials["aws_access_key_id"] for p in (alice, app, session, kms.user("bob"))}
    assert len(keys) == 4


def test_role_client_acts_as_the_kmsmock_session(kms: MockKMS) -> None:
    # authspec.md: role.client() acts as role.session("kmsmock").
    app = kms.role("app", account=OTHER)
    app.client().list_keys()
    call = kms.calls[-1]
    assert (call.principal, call.account) == (
        f"arn:aws:sts::{OTHER}:assumed-role/app/kmsmock",
        OTHER,
    )


def test_journal_records_each_callers_arn(kms: MockKMS, client: KMSClient) -> None:
    # authspec.md "Declaring principals"; kmsmock's journal (Call.principal, Call.account).
    alice = kms.user("alice")
    session = kms.role("app", account=OTHER).session("job-7")
    start = len(kms.calls)
    client.list_keys()
    alice.client().list_keys()
    session.client().list_keys()
    kms.root(OTHER).client().list_keys()
    recorded = [(c.principal, c.account, c.operation, c.error) for c in kms.calls[start:]]
    assert recorded == [
        (ROOT_ARN, ACCOUNT, "ListKeys", None),
        (alice.arn, ACCOUNT, "ListKeys", None),
        (session.arn, OTHER, "ListKeys", None),
        (f"arn:aws:iam::{OTHER}:root", OTHER, "ListKeys", None),
    ]


# -- Unknown credentials ------------------------------------------------------------------------


def test_unknown_access_keys_act_as_the_default_root(kms: MockKMS, client: KMSClient) -> None:
    # authspec.md: in the default mode, any undeclared access key is the default account's root.
    stranger = boto3.client(
        "kms",
        region_name="us-east-1",
        aws_access_key_id=UNKNOWN_KEY,
        aws_secret_access_key="secret",
    )
    key_id = stranger.create_key()["KeyMetadata"]["KeyId"]
    assert kms.calls[-1].principal == ROOT_ARN
    assert [k["KeyId"] for k in client.list_keys()["Keys"]] == [key_id]
    # A key policy naming only alice refuses the stranger as the root, by ARN.
    alice = kms.user("alice")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": alice.arn}, "Action": "kms:*", "Resource": "*"}
        ],
    }
    client.put_key_policy(
        KeyId=key_id, Policy=json.dumps(policy), BypassPolicyLockoutSafetyCheck=True
    )
    arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}"
    alice.client().encrypt(KeyId=key_id, Plaintext=b"x")
    assert _denied(lambda: stranger.encrypt(KeyId=key_id, Plaintext=b"x")) == (
        "AccessDeniedException",
        _no_resource_policy(ROOT_ARN, "Encrypt", arn),
        400,
    )


@pytest.mark.kms(unknown_credentials="reject")
def test_reject_mode_refuses_unknown_access_keys(kms: MockKMS, client: KMSClient) -> None:
    # authspec.md: unknown_credentials="reject" -> UnrecognizedClientException (HTTP 400), the
    # text AWS sends for an access key it does not know.
    stranger = boto3.client(
        "kms",
        region_name="us-east-1",
        aws_access_key_id=UNKNOWN_KEY,
        aws_secret_access_key="secret",
    )
    for unknown in (client, stranger):
        assert _denied(unknown.list_keys) == ("UnrecognizedClientException", INVALID_TOKEN, 400)
        assert _denied(unknown.create_key) == ("UnrecognizedClientException", INVALID_TOKEN, 400)
    assert kms.keys() == []
    # Declared principals, the default root included, still work.
    alice = kms.user("alice")
    key_id = alice.client().create_key()["KeyMetadata"]["KeyId"]
    assert [k["KeyId"] for k in kms.root(ACCOUNT).client().list_keys()["Keys"]] == [key_id]
    kms.role("app", account=OTHER).session("s").client().list_keys()
    _plain_client(dict(alice.credentials)).describe_key(KeyId=key_id)


def test_reject_mode_through_mock_kms_and_mock_kms_class() -> None:
    # authspec.md: the option exists on mock_kms(...) and MockKMS(...); "default" is the default.
    with kmsmock.mock_kms(unknown_credentials="reject") as mock:
        stranger = boto3.client(
            "kms",
            region_name="us-east-1",
            aws_access_key_id=UNKNOWN_KEY,
            aws_secret_access_key="secret",
        )
        assert _denied(stranger.list_keys) == ("UnrecognizedClientException", INVALID_TOKEN, 400)
        mock.user("alice").client().list_keys()
    mock2 = kmsmock.MockKMS(unknown_credentials="reject").start()
    try:
        assert _denied(stranger.list_keys) == ("UnrecognizedClientException", INVALID_TOKEN, 400)
    finally:
        mock2.stop()
    with kmsmock.mock_kms(unknown_credentials="default") as mock:
        stranger.list_keys()
        assert mock.calls[-1].principal == ROOT_ARN


# -- Identity policies --------------------------------------------------------------------------


def test_principal_without_identity_policy_is_unrestricted(kms: MockKMS, client: KMSClient) -> None:
    # authspec.md: no identity policy = IAM allows everything; the default key policy
    # (key-policy-default.md, "Allows access to the AWS account and enables IAM policies")
    # delegates the key to the account's IAM, so alice can manage and use the root's key.
    alice = kms.user("alice").client()
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    blob = alice.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    assert alice.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
    alice.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    alice.update_key_description(KeyId=key_id, Description="by alice")
    alice.tag_resource(KeyId=key_id, Tags=[{"TagKey": "owner", "TagValue": "alice"}])
    alice.create_alias(AliasName="alias/alice", TargetKeyId=key_id)
    alice.disable_key(KeyId=key_id)
    alice.enable_key(KeyId=key_id)
    alice.get_key_policy(KeyId=key_id, PolicyName="default")
    own = alice.create_key()["KeyMetadata"]["KeyId"]
    alice.schedule_key_deletion(KeyId=own, PendingWindowInDays=7)
    assert {k["KeyId"] for k in alice.list_keys()["Keys"]} == {key_id, own}
    # The same holds for a user of another account in its own account.
    carol = kms.user("carol", account=OTHER).client()
    theirs = carol.create_key()["KeyMetadata"]["KeyId"]
    carol.encrypt(KeyId=theirs, Plaintext=b"x")
    carol.disable_key(KeyId=theirs)


def test_identity_policy_restricts_through_the_default_key_policy(
    kms: MockKMS, client: KMSClient
) -> None:
    # policy-evaluation.md / key-policy-default.md: the default key policy only delegates to
    # IAM; an IAM policy allowing kms:Encrypt on one key ARN allows exactly that.
    first = client.create_key()["KeyMetadata"]["Arn"]
    second = client.create_key()["KeyMetadata"]["Arn"]
    alice = kms.user("alice", policy=_iam(_allow("kms:Encrypt", first)))
    mine = alice.client()
    first_id = first.rsplit("/", 1)[1]
    # Resource patterns match the key ARN, whatever identifier the request used.
    for identifier in (first, first_id):
        assert mine.encrypt(KeyId=identifier, Plaintext=b"x")["KeyId"] == first
    blob = client.encrypt(KeyId=first, Plaintext=b"x")["CiphertextBlob"]
    cases: list[tuple[Callable[[], object], str, str]] = [
        (lambda: mine.decrypt(CiphertextBlob=blob), "Decrypt", first),
        (lambda: mine.encrypt(KeyId=second, Plaintext=b"x"), "Encrypt", second),
        (lambda: mine.describe_key(KeyId=first), "DescribeKey", first),
        (lambda: mine.generate_data_key(KeyId=first, KeySpec="AES_256"), "GenerateDataKey", first),
        (lambda: mine.disable_key(KeyId=first), "DisableKey", first),
        (lambda: mine.get_key_policy(KeyId=first), "GetKeyPolicy", first),
    ]
    for call, action, arn in cases:
        assert _denied(call) == (
            "AccessDeniedException",
            _no_identity_policy(alice.arn, action, arn),
            400,
        )
        last = kms.calls[-1]
        assert (last.principal, last.error) == (alice.arn, "AccessDeniedException")
    # The root is not restricted by alice's policy.
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"
    assert client.describe_key(KeyId=first)["KeyMetadata"]["Enabled"] is True


def test_iam_only_operations_are_checked_on_resource_star(kms: MockKMS, client: KMSClient) -> None:
    # KMS_BEHAVIOUR.md 5.2 "IAM-only: CreateKey (+kms:TagResource with Tags), ListKeys, ...";
    # iam-policies.md: these permissions are only in IAM policies, on resource "*".
    alice = kms.user("alice", policy=_iam(_allow("kms:Encrypt")))
    mine = alice.client()
    calls: list[tuple[Callable[[], object], str]] = [
        (mine.create_key, "CreateKey"),
        (mine.list_keys, "ListKeys"),
        (mine.list_aliases, "ListAliases"),
        (lambda: mine.generate_random(NumberOfBytes=16), "GenerateRandom"),
    ]
    for call, action in calls:
        assert _denied(call) == (
            "AccessDeniedException",
            _no_identity_policy(alice.arn, action, "*"),
            400,
        )
    assert kms.keys() == []
    # With the permission, the same calls pass.
    bob = kms.user("bob", policy=_iam(_allow(["kms:CreateKey", "kms:List*", "kms:GenerateRandom"])))
    theirs = bob.client()
    key_id = theirs.create_key()["KeyMetadata"]["KeyId"]
    assert [k["KeyId"] for k in theirs.list_keys()["Keys"]] == [key_id]
    theirs.list_aliases()
    assert len(theirs.generate_random(NumberOfBytes=16)["Plaintext"]) == 16
    # A key made by bob still has the default policy: bob's IAM does not allow using it.
    arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}"
    assert _denied(lambda: theirs.encrypt(KeyId=key_id, Plaintext=b"x")) == (
        "AccessDeniedException",
        _no_identity_policy(bob.arn, "Encrypt", arn),
        400,
    )


def test_create_key_with_tags_needs_tag_resource(kms: MockKMS, client: KMSClient) -> None:
    # KMS API reference CreateKey, "Required permissions": kms:CreateKey and, with Tags,
    # kms:TagResource (IAM policy). authspec.md gives the message, which has no resource.
    alice = kms.user("alice", policy=_iam(_allow("kms:CreateKey")))
    tags: list[TagTypeDef] = [{"TagKey": "team", "TagValue": "blue"}]
    assert _denied(lambda: alice.client().create_key(Tags=tags)) == (
        "AccessDeniedException",
        f"User: {alice.arn} is not authorized to perform: kms:TagResource because no "
        "identity-based policy allows the kms:TagResource action",
        400,
    )
    assert client.list_keys()["Keys"] == []
    untagged = alice.client().create_key()["KeyMetadata"]["KeyId"]
    bob = kms.user("bob", policy=_iam(_allow(["kms:CreateKey", "kms:TagResource"])))
    tagged = bob.client().create_key(Tags=tags)["KeyMetadata"]["KeyId"]
    assert client.list_resource_tags(KeyId=tagged)["Tags"] == tags
    assert client.list_resource_tags(KeyId=untagged)["Tags"] == []


def test_explicit_deny_in_an_identity_policy(kms: MockKMS, client: KMSClient) -> None:
    # policy-evaluation.md: an explicit deny in any policy overrides every allow.
    first = client.create_key()["KeyMetadata"]["Arn"]
    second = client.create_key()["KeyMetadata"]["Arn"]
    alice = kms.user("alice", policy=_iam(_allow("kms:*"), _deny("kms:Decrypt", first)))
    mine = alice.client()
    blob = mine.encrypt(KeyId=first, Plaintext=b"x")["CiphertextBlob"]
    assert _denied(lambda: mine.decrypt(CiphertextBlob=blob)) == (
        "AccessDeniedException",
        f"User: {alice.arn} is not authorized to perform: kms:Decrypt on resource: {first} "
        "with an explicit deny in an identity-based policy",
        400,
    )
    other_blob = mine.encrypt(KeyId=second, Plaintext=b"y")["CiphertextBlob"]
    assert mine.decrypt(CiphertextBlob=other_blob)["Plaintext"] == b"y"


def test_several_identity_policies_add_up(kms: MockKMS, client: KMSClient) -> None:
    # iam-policies.md / policy-evaluation.md: a principal's identity policies are evaluated
    # together; any of them may allow.
    arn = client.create_key()["KeyMetadata"]["Arn"]
    alice = kms.user(
        "alice", policy=[_iam(_allow("kms:Encrypt", arn)), json.dumps(_iam(_allow("kms:Decrypt")))]
    )
    mine = alice.client()
    blob = mine.encrypt(KeyId=arn, Plaintext=b"x")["CiphertextBlob"]
    assert mine.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"
    assert _denied(lambda: mine.describe_key(KeyId=arn)) == (
        "AccessDeniedException",
        _no_identity_policy(alice.arn, "DescribeKey", arn),
        400,
    )


def test_attach_policy(kms: MockKMS, client: KMSClient) -> None:
    # authspec.md: attach_policy adds an identity policy, effective at once (IAM is consulted on
    # every request: policy-evaluation.md).
    first = client.create_key()["KeyMetadata"]["Arn"]
    second = client.create_key()["KeyMetadata"]["Arn"]
    bob = kms.user("bob")
    theirs = bob.client()
    theirs.encrypt(KeyId=second, Plaintext=b"x")  # no identity policy: unrestricted
    encrypt_first = _iam(_allow("kms:Encrypt", first))
    bob.attach_policy(encrypt_first)
    assert bob.policies == [encrypt_first]
    theirs.encrypt(KeyId=first, Plaintext=b"x")
    assert _denied(lambda: theirs.encrypt(KeyId=second, Plaintext=b"x")) == (
        "AccessDeniedException",
        _no_identity_policy(bob.arn, "Encrypt", second),
        400,
    )
    encrypt_second = _iam(_allow("kms:Encrypt", second))
    bob.attach_policy(json.dumps(encrypt_second))
    assert bob.policies == [encrypt_first, encrypt_second]
    theirs.encrypt(KeyId=second, Plaintext=b"x")


def test_sessions_use_their_roles_policies(kms: MockKMS, client: KMSClient) -> None:
    # IAM User Guide id_roles.html: a role session has the role's permissions; authspec.md.
    arn = client.create_key()["KeyMetadata"]["Arn"]
    app = kms.role("app", policy=_iam(_allow("kms:Encrypt", arn)))
    session = app.session("job-7")
    blob = session.client().encrypt(KeyId=arn, Plaintext=b"x")["CiphertextBlob"]
    app.client().encrypt(KeyId=arn, Plaintext=b"x")
    assert _denied(lambda: session.client().decrypt(CiphertextBlob=blob)) == (
        "AccessDeniedException",
        _no_identity_policy(session.arn, "Decrypt", arn),
        400,
    )
    assert _denied(lambda: app.client().decrypt(CiphertextBlob=blob)) == (
        "AccessDeniedException",
        _no_identity_policy(f"arn:aws:sts::{ACCOUNT}:assumed-role/app/kmsmock", "Decrypt", arn),
        400,
    )
    # A policy attached to the role reaches its existing sessions.
    app.attach_policy(_iam(_allow("kms:Decrypt", arn)))
    assert session.client().decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


def test_identity_policy_resource_and_action_patterns(kms: MockKMS, client: KMSClient) -> None:
    # iam-policies.md / authspec.md "Policy language": actions case-insensitive with wildcards,
    # resources are case-sensitive ARN patterns.
    arn = client.create_key()["KeyMetadata"]["Arn"]
    alice = kms.user(
        "alice",
        policy=_iam(
            _allow("KMS:generatedatakey*", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"),
            _allow("kms:Encrypt", "arn:aws:kms:eu-west-1:*"),
            _allow("kms:Decrypt", arn.upper()),
        ),
    )
    mine = alice.client()
    mine.generate_data_key(KeyId=arn, KeySpec="AES_256")
    mine.generate_data_key_without_plaintext(KeyId=arn, NumberOfBytes=32)
    assert _denied(lambda: mine.encrypt(KeyId=arn, Plaintext=b"x")) == (
        "AccessDeniedException",
        _no_identity_policy(alice.arn, "Encrypt", arn),
        400,
    )
    blob = client.encrypt(KeyId=arn, Plaintext=b"x")["CiphertextBlob"]
    assert _denied(lambda: mine.decrypt(CiphertextBlob=blob)) == (
        "AccessDeniedException",
        _no_identity_policy(alice.arn, "Decrypt", arn),
        400,
    )


def test_via_service_client(kms: MockKMS, client: KMSClient) -> None:
    # conditions-kms.md, kms:ViaService: present only for calls an AWS service makes for the
    # principal; authspec.md client(via_service=...).
    arn = client.create_key()["KeyMetadata"]["Arn"]
    condition = {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}
    alice = kms.user("alice", policy=_iam({**_allow("kms:Encrypt", arn), "Condition": condition}))
    through_s3 = alice.client(via_service="s3.us-east-1.amazonaws.com")
    through_s3.encrypt(KeyId=arn, Plaintext=b"x")
    assert kms.calls[-1].principal == alice.arn
    assert _denied(lambda: alice.client().encrypt(KeyId=arn, Plaintext=b"x")) == (
        "AccessDeniedException",
        _no_identity_policy(alice.arn, "Encrypt", arn),
        400,
    )
    through_ebs = alice.client(via_service="ec2.us-east-1.amazonaws.com")
    assert _denied(lambda: through_ebs.encrypt(KeyId=arn, Plaintext=b"x"))[0] == (
        "AccessDeniedException"
    )
