"""Cross-account use: account A's key used by account B's principals.

The contract is authspec.md ("Cross-account", "Evaluation"); the AWS rules are KMS_BEHAVIOUR.md
sections 1 ("Cross-account") and 5.2, and the guide pages key-policy-modifying-external-accounts.md
("Allowing users in other accounts to use a KMS key"), cross-account-console.md and
policy-evaluation.md, plus each operation's "Cross-account use" line in the API reference.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

A = "123456789012"  # the mock's default account: owns the keys
B = "210987654321"
C = "111122223333"
A_ROOT = f"arn:aws:iam::{A}:root"
B_ROOT = f"arn:aws:iam::{B}:root"
C_ROOT = f"arn:aws:iam::{C}:root"
USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
ADMIN: dict[str, Any] = {
    "Sid": "Admin",
    "Effect": "Allow",
    "Principal": {"AWS": A_ROOT},
    "Action": "kms:*",
    "Resource": "*",
}


def _statement(
    principal: object, action: object, effect: str = "Allow", **extra: Any
) -> dict[str, Any]:
    return {
        "Effect": effect,
        "Principal": principal,
        "Action": action,
        "Resource": "*",
        **extra,
    }


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [ADMIN, *statements]})


def _iam(action: object, resource: object = "*") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}],
    }


def _shared_key(client: KMSClient, *statements: dict[str, Any]) -> str:
    """A key of account A with the given statements added to an admin one; its ARN."""
    return client.create_key(Policy=_policy(*statements))["KeyMetadata"]["Arn"]


def _error(call: Callable[[], object]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call()
    return error_of(info)


def _denied(arn: str, action: str, key_arn: str, why: str) -> tuple[str, str, int]:
    # KMS_BEHAVIOUR.md 5.4 formats (AccessDeniedException, HTTP 400).
    return (
        "AccessDeniedException",
        f"User: {arn} is not authorized to perform: kms:{action} on resource: {key_arn} "
        f"because no {why}-based policy allows the kms:{action} action",
        400,
    )


def _explicit(arn: str, action: str, key_arn: str, where: str) -> tuple[str, str, int]:
    return (
        "AccessDeniedException",
        f"User: {arn} is not authorized to perform: kms:{action} on resource: {key_arn} "
        f"with an explicit deny in {where} policy",
        400,
    )


# -- The external account's root, named by the key policy ---------------------------------------


@pytest.mark.parametrize("principal", [B_ROOT, B], ids=["root-arn", "account-id"])
def test_named_account_uses_the_key_by_arn(kms: MockKMS, client: KMSClient, principal: str) -> None:
    # key-policy-modifying-external-accounts.md: the key policy names the external account
    # ("arn:aws:iam::ACCT:root" or the bare account id, key-policy-overview.md); its root needs
    # no IAM policy. KMS_BEHAVIOUR.md section 1: by key ARN only.
    arn = _shared_key(client, _statement({"AWS": principal}, USE))
    b = kms.root(B).client()
    encrypted = b.encrypt(KeyId=arn, Plaintext=b"secret", EncryptionContext={"k": "v"})
    assert encrypted["KeyId"] == arn
    blob = encrypted["CiphertextBlob"]
    decrypted = b.decrypt(CiphertextBlob=blob, EncryptionContext={"k": "v"})
    assert (decrypted["Plaintext"], decrypted["KeyId"]) == (b"secret", arn)
    assert b.decrypt(CiphertextBlob=blob, KeyId=arn, EncryptionContext={"k": "v"})["KeyId"] == arn
    data_key = b.generate_data_key(KeyId=arn, KeySpec="AES_256")
    assert data_key["KeyId"] == arn
    assert (
        b.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"] == (data_key["Plaintext"])
    )
    assert b.generate_data_key_without_plaintext(KeyId=arn, NumberOfBytes=16)["KeyId"] == arn
    metadata = b.describe_key(KeyId=arn)["KeyMetadata"]
    assert (metadata["Arn"], metadata["AWSAccountId"]) == (arn, A)
    moved = b.re_encrypt(
        CiphertextBlob=blob,
        SourceEncryptionContext={"k": "v"},
        DestinationKeyId=arn,
        DestinationEncryptionContext={"k": "w"},
    )
    assert (moved["SourceKeyId"], moved["KeyId"]) == (arn, arn)
    decrypted = b.decrypt(CiphertextBlob=moved["CiphertextBlob"], EncryptionContext={"k": "w"})
    assert decrypted["Plaintext"] == b"secret"
    call = kms.calls[-1]
    assert (call.principal, call.account, call.error) == (B_ROOT, B, None)


def test_default_key_policy_refuses_another_account(kms: MockKMS, client: KMSClient) -> None:
    # key-policy-default.md: the default key policy names only the key's own account.
    arn = client.create_key()["KeyMetadata"]["Arn"]
    b = kms.root(B).client()
    assert _error(lambda: b.encrypt(KeyId=arn, Plaintext=b"x")) == _denied(
        B_ROOT, "Encrypt", arn, "resource"
    )
    assert _error(lambda: b.describe_key(KeyId=arn)) == _denied(
        B_ROOT, "DescribeKey", arn, "resource"
    )


def test_sharing_one_account_does_not_share_with_another(kms: MockKMS, client: KMSClient) -> None:
    # key-policy-modifying-external-accounts.md: only the accounts the key policy names.
    arn = _shared_key(client, _statement({"AWS": B}, USE))
    kms.root(B).client().encrypt(KeyId=arn, Plaintext=b"x")
    c = kms.root(C).client()
    assert _error(lambda: c.encrypt(KeyId=arn, Plaintext=b"x")) == _denied(
        C_ROOT, "Encrypt", arn, "resource"
    )


def test_only_the_named_actions_are_shared(kms: MockKMS, client: KMSClient) -> None:
    # KMS_BEHAVIOUR.md 5.2: ReEncrypt needs kms:ReEncryptFrom on the source key (there is no plain
    # kms:ReEncrypt); a key policy allowing Encrypt/Decrypt only does not allow it.
    arn = _shared_key(client, _statement({"AWS": B_ROOT}, ["kms:Encrypt", "kms:Decrypt"]))
    b = kms.root(B).client()
    blob = b.encrypt(KeyId=arn, Plaintext=b"x")["CiphertextBlob"]
    own = b.create_key()["KeyMetadata"]["Arn"]
    assert _error(lambda: b.re_encrypt(CiphertextBlob=blob, DestinationKeyId=own)) == _denied(
        B_ROOT, "ReEncryptFrom", arn, "resource"
    )
    assert _error(lambda: b.generate_data_key(KeyId=arn, KeySpec="AES_256")) == _denied(
        B_ROOT, "GenerateDataKey", arn, "resource"
    )
    # With ReEncryptFrom shared, B re-encrypts A's ciphertext under its own key.
    client.put_key_policy(
        KeyId=arn,
        Policy=_policy(
            _statement({"AWS": B_ROOT}, ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom"])
        ),
    )
    moved = b.re_encrypt(CiphertextBlob=blob, DestinationKeyId=own)
    assert (moved["SourceKeyId"], moved["KeyId"]) == (arn, own)


def test_alias_arn_reaches_across_accounts(kms: MockKMS, client: KMSClient) -> None:
    # KMS_BEHAVIOUR.md section 1: "Cross-account needs a key ARN or alias ARN"; API reference
    # Encrypt/DescribeKey KeyId: "To specify a KMS key in a different AWS account, you must use
    # the key ARN or alias ARN."
    arn = _shared_key(client, _statement({"AWS": B}, USE))
    client.create_alias(AliasName="alias/shared", TargetKeyId=arn)
    alias_arn = f"arn:aws:kms:us-east-1:{A}:alias/shared"
    b = kms.root(B).client()
    assert b.encrypt(KeyId=alias_arn, Plaintext=b"x")["KeyId"] == arn
    assert b.describe_key(KeyId=alias_arn)["KeyMetadata"]["Arn"] == arn
    assert b.generate_data_key(KeyId=alias_arn, NumberOfBytes=32)["KeyId"] == arn
    # The alias name alone resolves in B.
    assert _error(lambda: b.encrypt(KeyId="alias/shared", Plaintext=b"x")) == (
        "NotFoundException",
        f"Alias arn:aws:kms:us-east-1:{B}:alias/shared is not found.",
        400,
    )


def test_bare_key_id_resolves_in_the_callers_account(kms: MockKMS, client: KMSClient) -> None:
    # KMS_BEHAVIOUR.md section 1: "bare IDs and alias names resolve in the caller's
    # account+Region"; AWS_RECORDED_FACTS.md 1.6: the ARN in the message is the caller's.
    arn = _shared_key(client, _statement({"AWS": B}, "kms:*"))
    key_id = arn.rsplit("/", 1)[1]
    b = kms.root(B).client()
    missing = f"Key 'arn:aws:kms:us-east-1:{B}:key/{key_id}' does not exist"
    for call in (
        lambda: b.describe_key(KeyId=key_id),
        lambda: b.encrypt(KeyId=key_id, Plaintext=b"x"),
        lambda: b.generate_data_key(KeyId=key_id, KeySpec="AES_256"),
    ):
        assert _error(call) == ("NotFoundException", missing, 400)
    assert b.describe_key(KeyId=arn)["KeyMetadata"]["KeyId"] == key_id


MANAGEMENT: dict[str, Callable[[KMSClient, str], object]] = {
    # KMS_BEHAVIOUR.md section 1: cross-account only for CreateGrant, Decrypt, DescribeKey,
    # Encrypt, GenerateDataKey*, GetKeyRotationStatus, ListGrants, ReEncrypt, RetireGrant,
    # RevokeGrant (+ asymmetric). Each API reference page: "Cross-account use: No".
    "DisableKey": lambda c, arn: c.disable_key(KeyId=arn),
    "EnableKey": lambda c, arn: c.enable_key(KeyId=arn),
    "ScheduleKeyDeletion": lambda c, arn: c.schedule_key_deletion(KeyId=arn),
    "CancelKeyDeletion": lambda c, arn: c.cancel_key_deletion(KeyId=arn),
    "PutKeyPolicy": lambda c, arn: c.put_key_policy(KeyId=arn, Policy=_policy()),
    "GetKeyPolicy": lambda c, arn: c.get_key_policy(KeyId=arn),
    "ListKeyPolicies": lambda c, arn: c.list_key_policies(KeyId=arn),
    "TagResource": lambda c, arn: c.tag_resource(
        KeyId=arn, Tags=[{"TagKey": "k", "TagValue": "v"}]
    ),
    "UntagResource": lambda c, arn: c.untag_resource(KeyId=arn, TagKeys=["team"]),
    "ListResourceTags": lambda c, arn: c.list_resource_tags(KeyId=arn),
    "UpdateKeyDescription": lambda c, arn: c.update_key_description(
        KeyId=arn, Description="changed"
    ),
}


@pytest.mark.parametrize("operation", MANAGEMENT)
def test_management_across_accounts_is_not_found(
    kms: MockKMS, client: KMSClient, operation: str
) -> None:
    # key-policy-modifying-external-accounts.md: "If you give a user in a different account
    # permission for other operations, those permissions have no effect" (even kms:* here).
    # authspec.md "Cross-account": NotFoundException `Key '<arn>' does not exist`.
    arn = _shared_key(client, _statement({"AWS": B}, "kms:*"))
    client.tag_resource(KeyId=arn, Tags=[{"TagKey": "team", "TagValue": "blue"}])
    b = kms.root(B).client()
    assert b.describe_key(KeyId=arn)["KeyMetadata"]["Arn"] == arn  # the key is shared
    assert _error(lambda: MANAGEMENT[operation](b, arn)) == (
        "NotFoundException",
        f"Key '{arn}' does not exist",
        400,
    )
    metadata = client.describe_key(KeyId=arn)["KeyMetadata"]
    assert (metadata["KeyState"], metadata["Description"]) == ("Enabled", "")
    assert client.list_resource_tags(KeyId=arn)["Tags"] == [{"TagKey": "team", "TagValue": "blue"}]
    assert json.loads(client.get_key_policy(KeyId=arn)["Policy"]) == json.loads(
        _policy(_statement({"AWS": B}, "kms:*"))
    )


# -- External users: key policy and their own IAM ------------------------------------------------


def test_external_user_needs_its_own_iam_permission(kms: MockKMS, client: KMSClient) -> None:
    # key-policy-modifying-external-accounts.md: "Neither the key policy nor the IAM policy
    # alone is sufficient"; the key policy names the account, IAM in B delegates to the user.
    arn = _shared_key(client, _statement({"AWS": B_ROOT}, USE))
    bob = kms.user("bob", account=B, policy=_iam("kms:Encrypt", arn))
    theirs = bob.client()
    blob = theirs.encrypt(KeyId=arn, Plaintext=b"x")["CiphertextBlob"]
    assert _error(lambda: theirs.decrypt(CiphertextBlob=blob)) == _denied(
        bob.arn, "Decrypt", arn, "identity"
    )
    assert _error(lambda: theirs.describe_key(KeyId=arn)) == _denied(
        bob.arn, "DescribeKey", arn, "identity"
    )
    # A user of B without identity policies is unrestricted by IAM (authspec.md).
    carol = kms.user("carol", account=B).client()
    assert carol.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"
    # IAM resource patterns are matched against the key's ARN.
    dave = kms.user("dave", account=B, policy=_iam("kms:Decrypt", f"arn:aws:kms:*:{A}:key/*"))
    assert dave.client().decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


def test_iam_alone_is_not_enough(kms: MockKMS, client: KMSClient) -> None:
    # key-policy-modifying-external-accounts.md: the key policy must name the external account.
    arn = client.create_key()["KeyMetadata"]["Arn"]
    bob = kms.user("bob", account=B, policy=_iam("kms:*"))
    assert _error(lambda: bob.client().encrypt(KeyId=arn, Plaintext=b"x")) == _denied(
        bob.arn, "Encrypt", arn, "resource"
    )


def test_key_policy_naming_an_external_user(kms: MockKMS, client: KMSClient) -> None:
    # key-policy-modifying-external-accounts.md: the key policy may name users or roles of the
    # external account instead of the account; then only they are allowed, still with their IAM.
    bob = kms.user("bob", account=B)
    carol = kms.user("carol", account=B, policy=_iam("kms:ListKeys"))
    arn = _shared_key(client, _statement({"AWS": [bob.arn, carol.arn]}, USE))
    blob = bob.client().encrypt(KeyId=arn, Plaintext=b"x")["CiphertextBlob"]
    assert bob.client().decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"
    b = kms.root(B).client()
    assert _error(lambda: b.encrypt(KeyId=arn, Plaintext=b"x")) == _denied(
        B_ROOT, "Encrypt", arn, "resource"
    )
    dave = kms.user("dave", account=B)
    assert _error(lambda: dave.client().decrypt(CiphertextBlob=blob)) == _denied(
        dave.arn, "Decrypt", arn, "resource"
    )
    assert _error(lambda: carol.client().decrypt(CiphertextBlob=blob)) == _denied(
        carol.arn, "Decrypt", arn, "identity"
    )


def test_key_policy_naming_an_external_role(kms: MockKMS, client: KMSClient) -> None:
    # IAM principal element: a role ARN matches its sessions; another role of B is not named.
    app = kms.role("app", account=B)
    other = kms.role("other", account=B)
    arn = _shared_key(client, _statement({"AWS": app.arn}, USE))
    app.session("job-7").client().encrypt(KeyId=arn, Plaintext=b"x")
    session = other.session("job-7")
    assert _error(lambda: session.client().encrypt(KeyId=arn, Plaintext=b"x")) == _denied(
        session.arn, "Encrypt", arn, "resource"
    )


def test_explicit_denies_across_accounts(kms: MockKMS, client: KMSClient) -> None:
    # policy-evaluation.md: an explicit deny in the key policy or in IAM overrides any allow.
    bob = kms.user(
        "bob",
        account=B,
        policy={
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "kms:GenerateDataKey", "Resource": "*"},
            ],
        },
    )
    arn = _shared_key(
        client,
        _statement({"AWS": B}, USE),
        _statement({"AWS": bob.arn}, "kms:Decrypt", "Deny"),
    )
    b = kms.root(B).client()
    blob = bob.client().encrypt(KeyId=arn, Plaintext=b"x")["CiphertextBlob"]
    assert b.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"
    assert _error(lambda: bob.client().decrypt(CiphertextBlob=blob)) == _explicit(
        bob.arn, "Decrypt", arn, "a resource-based"
    )
    b.generate_data_key(KeyId=arn, KeySpec="AES_256")
    assert _error(
        lambda: bob.client().generate_data_key(KeyId=arn, KeySpec="AES_256")
    ) == _explicit(bob.arn, "GenerateDataKey", arn, "an identity-based")


# -- Ciphertexts, conditions, listings ----------------------------------------------------------


def test_ciphertext_of_account_a_decrypts_for_b_when_allowed(
    kms: MockKMS, client: KMSClient
) -> None:
    # API reference Decrypt: "Cross-account use: Yes"; the symmetric ciphertext names its key.
    arn = client.create_key()["KeyMetadata"]["Arn"]
    blob = client.encrypt(KeyId=arn, Plaintext=b"secret")["CiphertextBlob"]
    b = kms.root(B).client()
    assert _error(lambda: b.decrypt(CiphertextBlob=blob)) == _denied(
        B_ROOT, "Decrypt", arn, "resource"
    )
    client.put_key_policy(KeyId=arn, Policy=_policy(_statement({"AWS": B}, "kms:Decrypt")))
    decrypted = b.decrypt(CiphertextBlob=blob)
    assert (decrypted["Plaintext"], decrypted["KeyId"]) == (b"secret", arn)
    # Withdrawing the statement takes effect at once.
    client.put_key_policy(KeyId=arn, Policy=_policy())
    assert _error(lambda: b.decrypt(CiphertextBlob=blob)) == _denied(
        B_ROOT, "Decrypt", arn, "resource"
    )


def test_caller_account_condition(kms: MockKMS, client: KMSClient) -> None:
    # conditions-kms.md, kms:CallerAccount: "allow or deny access to all identities in an AWS
    # account"; with Principal "*" it restricts the statement to account B.
    arn = _shared_key(
        client,
        _statement({"AWS": "*"}, USE, Condition={"StringEquals": {"kms:CallerAccount": B}}),
    )
    kms.root(B).client().encrypt(KeyId=arn, Plaintext=b"x")
    kms.user("bob", account=B).client().encrypt(KeyId=arn, Plaintext=b"x")
    c = kms.root(C).client()
    assert _error(lambda: c.encrypt(KeyId=arn, Plaintext=b"x")) == _denied(
        C_ROOT, "Encrypt", arn, "resource"
    )
    # B's IAM still applies to B's users.
    carol = kms.user("carol", account=B, policy=_iam("kms:ListKeys"))
    assert _error(lambda: carol.client().encrypt(KeyId=arn, Plaintext=b"x")) == _denied(
        carol.arn, "Encrypt", arn, "identity"
    )


def test_other_account_lists_only_its_own_keys(kms: MockKMS, client: KMSClient) -> None:
    # key-policy-modifying-external-accounts.md: kms:ListKeys granted to another account has no
    # effect on your resources; ListKeys/ListAliases list the caller's account and Region.
    arn = _shared_key(client, _statement({"AWS": B}, "kms:*"))
    client.create_alias(AliasName="alias/shared", TargetKeyId=arn)
    b = kms.root(B).client()
    assert b.list_keys()["Keys"] == []
    assert b.list_aliases()["Aliases"] == []
    own = b.create_key()["KeyMetadata"]
    assert b.list_keys()["Keys"] == [{"KeyId": own["KeyId"], "KeyArn": own["Arn"]}]
    assert [k["KeyArn"] for k in client.list_keys()["Keys"]] == [arn]


def test_authorization_before_key_state_across_accounts(kms: MockKMS, client: KMSClient) -> None:
    # KMS_BEHAVIOUR.md 4 "Check order": resolve, authorize, then key state.
    shared = _shared_key(client, _statement({"AWS": B}, USE))
    private = client.create_key()["KeyMetadata"]["Arn"]
    for arn in (shared, private):
        client.disable_key(KeyId=arn)
    b = kms.root(B).client()
    assert _error(lambda: b.encrypt(KeyId=shared, Plaintext=b"x")) == (
        "DisabledException",
        f"{shared} is disabled.",
        400,
    )
    assert _error(lambda: b.encrypt(KeyId=private, Plaintext=b"x")) == _denied(
        B_ROOT, "Encrypt", private, "resource"
    )
    # DescribeKey works in every state.
    assert b.describe_key(KeyId=shared)["KeyMetadata"]["KeyState"] == "Disabled"
