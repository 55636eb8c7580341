"""Grants, black-box through boto3: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant,
RevokeGrant, grant tokens, constraints and the authorization a grant gives its grantee.

Expected behaviour is the contract in authspec.md ("Grants", "Evaluation" steps 5-7), the
reference KMS_BEHAVIOUR.md sections 4 and 6, AWS_RECORDED_FACTS.md section 3.22, the API
reference of CreateGrant / ListGrants / RetireGrant / RevokeGrant and the developer guide's
grants.md, unless a comment says otherwise.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

import kmsmock
from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_kms.literals import GrantOperationType
    from mypy_boto3_kms.type_defs import GrantConstraintsTypeDef, GrantListEntryTypeDef

    from kmsmock import MockKMS

ACCOUNT = "123456789012"
OTHER = "210987654321"
REGION = "us-east-1"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
OTHER_ROOT = f"arn:aws:iam::{OTHER}:root"
# An identity policy that allows nothing in KMS: with the default key policy (which only
# delegates to the account's IAM) such a user may do nothing with a key (authspec step 5).
NO_KMS: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
}
GRANT_ID = re.compile(r"[0-9a-f]{64}")
UNKNOWN_GRANT_ID = "0" * 64
UNKNOWN_KEY = "11111111-2222-3333-4444-555555555555"
CONTEXT = {"purpose": "test", "team": "blue"}
# Operations a grant on a symmetric ENCRYPT_DECRYPT key may carry (authspec "Grants";
# KMS_BEHAVIOUR.md section 6 "Per key type").
SYMMETRIC_OPERATIONS: list[GrantOperationType] = [
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
    "CreateGrant",
    "RetireGrant",
    "DescribeKey",
]
NOT_SYMMETRIC: list[GrantOperationType] = [
    "Sign",
    "Verify",
    "GetPublicKey",
    "GenerateMac",
    "VerifyMac",
    "DeriveSharedSecret",
]


class Actor(NamedTuple):
    """A declared principal: the ARN a grant or policy names, the ARN it calls as, a client."""

    arn: str
    caller: str
    client: KMSClient


def _actor(principal: Any, caller: str | None = None) -> Actor:
    return Actor(principal.arn, caller or principal.arn, principal.client())


def _key_arn(key_id: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:kms:{REGION}:{account}:key/{key_id}"


def _denied(caller: str, action: str, key_arn: str, based: str = "resource") -> str:
    """AccessDeniedException text (authspec "Evaluation", steps 5 and 7)."""
    return (
        f"User: {caller} is not authorized to perform: kms:{action} on resource: {key_arn} "
        f"because no {based}-based policy allows the kms:{action} action"
    )


def _refused(call: Callable[[], object]) -> tuple[str, str, int]:
    """(code, message, status) of the error ``call`` raises; fails if it succeeds."""
    with pytest.raises(ClientError) as info:
        call()
    return error_of(info)


def _grants(client: KMSClient, key: str) -> list[GrantListEntryTypeDef]:
    return client.list_grants(KeyId=key, Limit=100)["Grants"]


def _grant_ids(client: KMSClient, key: str) -> list[str]:
    return [grant["GrantId"] for grant in _grants(client, key)]


def _next_marker(page: Mapping[str, object]) -> str | None:
    """NextMarker, present exactly when Truncated is true (KMS_BEHAVIOUR.md section 12)."""
    marker = page.get("NextMarker")
    assert page["Truncated"] is (marker is not None)
    assert marker is None or (isinstance(marker, str) and marker)
    return marker if isinstance(marker, str) else None


def _new_key(client: KMSClient) -> str:
    return client.create_key()["KeyMetadata"]["KeyId"]


@pytest.fixture
def arn(key_id: str) -> str:
    return _key_arn(key_id)


@pytest.fixture
def alice(kms: MockKMS) -> Actor:
    """A user of the key's account whose IAM allows nothing in KMS."""
    return _actor(kms.user("alice", policy=NO_KMS))


@pytest.fixture
def bob(kms: MockKMS) -> Actor:
    """A user of the key's account with no identity policy: IAM does not restrict him."""
    return _actor(kms.user("bob"))


@pytest.fixture
def other(kms: MockKMS) -> Actor:
    """The root of another account, which the default key policy does not name."""
    return _actor(kms.root(OTHER))


# -- CreateGrant and ListGrants -----------------------------------------------------------------
def test_create_grant_returns_id_and_token(client: KMSClient, key_id: str, alice: Actor) -> None:
    # API reference CreateGrant: the response is GrantToken and GrantId; the id is 64 hex.
    response = client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
    assert set(response) == {"GrantId", "GrantToken", "ResponseMetadata"}
    assert GRANT_ID.fullmatch(response["GrantId"])
    assert isinstance(response["GrantToken"], str)
    assert response["GrantToken"]
    # Recorded fact 3.22: the ListGrants count grows by one per CreateGrant.
    assert _grant_ids(client, key_id) == [response["GrantId"]]
    second = client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
    assert second["GrantId"] != response["GrantId"]
    assert second["GrantToken"] != response["GrantToken"]
    assert sorted(_grant_ids(client, key_id)) == sorted([response["GrantId"], second["GrantId"]])


def test_list_grants_entry_without_optional_fields(
    client: KMSClient, key_id: str, arn: str, alice: Actor
) -> None:
    before = time.time()
    grant = client.create_grant(
        KeyId=key_id,
        GranteePrincipal=alice.arn,
        Operations=["GenerateDataKey", "Encrypt", "Decrypt"],
    )
    after = time.time()
    response = client.list_grants(KeyId=key_id)
    assert _next_marker(response) is None
    (entry,) = response["Grants"]
    created = entry.pop("CreationDate")
    assert before - 1 <= created.timestamp() <= after + 1
    # authspec "Grants" / ListGrants: KeyId is the key ARN, Operations as given, IssuingAccount
    # the creating account's root; Name, RetiringPrincipal and Constraints only when set (Name:
    # the model's GrantNameType has min length 1, so an unset name is omitted, not "").
    assert entry == {
        "KeyId": arn,
        "GrantId": grant["GrantId"],
        "GranteePrincipal": alice.arn,
        "IssuingAccount": ROOT,
        "Operations": ["GenerateDataKey", "Encrypt", "Decrypt"],
    }


def test_list_grants_entry_with_every_field(
    client: KMSClient, key_id: str, arn: str, alice: Actor, bob: Actor
) -> None:
    constraints: GrantConstraintsTypeDef = {
        "EncryptionContextSubset": {"purpose": "test"},
        "EncryptionContextEquals": {"purpose": "test", "team": "blue"},
    }
    grant = client.create_grant(
        KeyId=arn,
        GranteePrincipal=alice.arn,
        RetiringPrincipal=bob.arn,
        Operations=["Decrypt", "RetireGrant"],
        Constraints=constraints,
        Name="my-grant:1/a_b",
    )
    (entry,) = client.list_grants(KeyId=key_id)["Grants"]
    assert set(entry) == {
        "KeyId",
        "GrantId",
        "Name",
        "CreationDate",
        "GranteePrincipal",
        "RetiringPrincipal",
        "IssuingAccount",
        "Operations",
        "Constraints",
    }
    assert entry["KeyId"] == arn
    assert entry["GrantId"] == grant["GrantId"]
    assert entry["Name"] == "my-grant:1/a_b"
    assert entry["GranteePrincipal"] == alice.arn
    assert entry["RetiringPrincipal"] == bob.arn
    assert entry["IssuingAccount"] == ROOT
    assert entry["Operations"] == ["Decrypt", "RetireGrant"]
    assert entry["Constraints"] == {
        "EncryptionContextSubset": {"purpose": "test"},
        "EncryptionContextEquals": {"purpose": "test", "team": "blue"},
    }


def test_list_grants_only_the_keys_own(client: KMSClient, key_id: str, alice: Actor) -> None:
    mine = client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
    elsewhere = _new_key(client)
    theirs = client.create_grant(
        KeyId=elsewhere, GranteePrincipal=alice.arn, Operations=["Encrypt"]
    )
    assert _grant_ids(client, key_id) == [mine["GrantId"]]
    assert _grant_ids(client, elsewhere) == [theirs["GrantId"]]


def test_list_grants_filters(client: KMSClient, key_id: str, alice: Actor, bob: Actor) -> None:
    # API reference ListGrants: GrantId and GranteePrincipal filter the listing.
    to_alice = [
        client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
        for _ in range(2)
    ]
    to_bob = client.create_grant(KeyId=key_id, GranteePrincipal=bob.arn, Operations=["Decrypt"])
    by_grantee = client.list_grants(KeyId=key_id, GranteePrincipal=alice.arn)["Grants"]
    assert sorted(g["GrantId"] for g in by_grantee) == sorted(g["GrantId"] for g in to_alice)
    assert {g["GranteePrincipal"] for g in by_grantee} == {alice.arn}
    by_id = client.list_grants(KeyId=key_id, GrantId=to_bob["GrantId"])["Grants"]
    assert [(g["GrantId"], g["GranteePrincipal"]) for g in by_id] == [(to_bob["GrantId"], bob.arn)]
    # Both filters together: the grant must pass both.
    both = client.list_grants(KeyId=key_id, GrantId=to_bob["GrantId"], GranteePrincipal=alice.arn)[
        "Grants"
    ]
    assert both == []
    assert len(_grants(client, key_id)) == 3


def _make_grants(client: KMSClient, key_id: str, grantee: str, count: int) -> list[str]:
    return [
        client.create_grant(KeyId=key_id, GranteePrincipal=grantee, Operations=["Encrypt"])[
            "GrantId"
        ]
        for _ in range(count)
    ]


def test_list_grants_limit_and_marker(client: KMSClient, key_id: str, alice: Actor) -> None:
    # KMS_BEHAVIOUR.md section 12: Truncated always present, NextMarker only when true.
    made = _make_grants(client, key_id, alice.arn, 5)
    whole = _grants(client, key_id)
    assert sorted(g["GrantId"] for g in whole) == sorted(made)
    seen: list[str] = []
    page = client.list_grants(KeyId=key_id, Limit=2)
    pages = 1
    while True:
        assert len(page["Grants"]) <= 2
        seen += [g["GrantId"] for g in page["Grants"]]
        marker = _next_marker(page)
        if marker is None:
            break
        page = client.list_grants(KeyId=key_id, Limit=2, Marker=marker)
        pages += 1
    assert pages == 3
    assert seen == [g["GrantId"] for g in whole]


def test_list_grants_paginator(client: KMSClient, key_id: str, alice: Actor) -> None:
    made = _make_grants(client, key_id, alice.arn, 7)
    paginator = client.get_paginator("list_grants")
    pages = list(paginator.paginate(KeyId=key_id, PaginationConfig={"PageSize": 3}))
    assert [len(p["Grants"]) for p in pages] == [3, 3, 1]
    listed = [g["GrantId"] for p in pages for g in p["Grants"]]
    assert sorted(listed) == sorted(made)
    assert len(set(listed)) == 7


def test_list_grants_limit_bounds(client: KMSClient, key_id: str, alice: Actor) -> None:
    _make_grants(client, key_id, alice.arn, 101)
    # ListGrants Limit 1..100, default 50 (API reference ListGrants; authspec "Grants").
    default = client.list_grants(KeyId=key_id)
    assert len(default["Grants"]) == 50
    assert _next_marker(default) is not None
    most = client.list_grants(KeyId=key_id, Limit=100)
    assert len(most["Grants"]) == 100
    marker = _next_marker(most)
    assert marker is not None
    rest = client.list_grants(KeyId=key_id, Limit=100, Marker=marker)
    assert len(rest["Grants"]) == 1
    assert _next_marker(rest) is None
    # 101..1000 (inside the model's range) is not recorded for AWS; kmsmock serves at most
    # 100, as it does for ListAliases (tests/test_pagination.py).
    assert len(client.list_grants(KeyId=key_id, Limit=101)["Grants"]) == 100
    # Below the model's minimum 1: botocore refuses before sending.
    with pytest.raises(ParamValidationError):
        client.list_grants(KeyId=key_id, Limit=0)
    # Above the model's maximum 1000: ValidationException (KMS_BEHAVIOUR.md section 12).
    code, message, status = _refused(lambda: client.list_grants(KeyId=key_id, Limit=1001))
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith("1 validation error detected")


def test_list_grants_garbage_marker(client: KMSClient, key_id: str, alice: Actor) -> None:
    _make_grants(client, key_id, alice.arn, 2)
    # ListGrants declares InvalidMarkerException for a marker it did not issue (model).
    assert _refused(lambda: client.list_grants(KeyId=key_id, Marker="garbage"))[0] == (
        "InvalidMarkerException"
    )


def test_list_grants_needs_permission(
    client: KMSClient, key_id: str, arn: str, alice: Actor, bob: Actor
) -> None:
    client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
    # authspec "Grants": ListGrants needs kms:ListGrants (key policy, here through IAM).
    assert _refused(lambda: alice.client.list_grants(KeyId=key_id)) == (
        "AccessDeniedException",
        _denied(alice.caller, "ListGrants", arn, "identity"),
        400,
    )
    assert len(bob.client.list_grants(KeyId=key_id)["Grants"]) == 1


# -- A grant authorizes its grantee -------------------------------------------------------------
def test_grant_authorizes_its_grantee_for_its_operations_only(
    client: KMSClient, key_id: str, arn: str, alice: Actor
) -> None:
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    # Before any grant the default key policy delegates to IAM, which allows alice nothing.
    assert _refused(lambda: alice.client.encrypt(KeyId=key_id, Plaintext=b"x")) == (
        "AccessDeniedException",
        _denied(alice.caller, "Encrypt", arn, "identity"),
        400,
    )
    client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
    # grants.md: a grant allows its grantee the grant operations, at once (authspec step 6).
    response = alice.client.encrypt(KeyId=key_id, Plaintext=b"x")
    assert response["KeyId"] == arn
    assert client.decrypt(CiphertextBlob=response["CiphertextBlob"])["Plaintext"] == b"x"
    # ... and only those: Decrypt is not in the grant.
    assert _refused(lambda: alice.client.decrypt(CiphertextBlob=blob)) == (
        "AccessDeniedException",
        _denied(alice.caller, "Decrypt", arn, "identity"),
        400,
    )
    # ... and only on that key.
    elsewhere = _new_key(client)
    assert _refused(lambda: alice.client.encrypt(KeyId=elsewhere, Plaintext=b"x")) == (
        "AccessDeniedException",
        _denied(alice.caller, "Encrypt", _key_arn(elsewhere), "identity"),
        400,
    )


def test_grant_is_for_its_grantee_only(
    kms: MockKMS, client: KMSClient, key_id: str, arn: str, alice: Actor
) -> None:
    carol = _actor(kms.user("carol", policy=NO_KMS))
    client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
    alice.client.encrypt(KeyId=key_id, Plaintext=b"x")
    assert _refused(lambda: carol.client.encrypt(KeyId=key_id, Plaintext=b"x")) == (
        "AccessDeniedException",
        _denied(carol.caller, "Encrypt", arn, "identity"),
        400,
    )


def test_grant_to_a_role_covers_its_sessions(
    kms: MockKMS, client: KMSClient, key_id: str, arn: str
) -> None:
    worker = kms.role("worker", policy=NO_KMS)
    idle = kms.role("idle", policy=NO_KMS)
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/worker"
    assert worker.arn == role_arn
    job = Actor(
        role_arn,
        f"arn:aws:sts::{ACCOUNT}:assumed-role/worker/job-7",
        worker.session("job-7").client(),
    )
    # role.client() acts as the session "kmsmock" (authspec "Declaring principals").
    default_session = _actor(worker, f"arn:aws:sts::{ACCOUNT}:assumed-role/worker/kmsmock")
    bystander = _actor(idle, f"arn:aws:sts::{ACCOUNT}:assumed-role/idle/kmsmock")
    assert _refused(lambda: job.client.encrypt(KeyId=key_id, Plaintext=b"x")) == (
        "AccessDeniedException",
        _denied(job.caller, "Encrypt", arn, "identity"),
        400,
    )
    # authspec step 6: a grant to a role ARN matches that role's sessions.
    client.create_grant(KeyId=key_id, GranteePrincipal=job.arn, Operations=["Encrypt"])
    job.client.encrypt(KeyId=key_id, Plaintext=b"x")
    default_session.client.encrypt(KeyId=key_id, Plaintext=b"x")
    assert _refused(lambda: bystander.client.encrypt(KeyId=key_id, Plaintext=b"x")) == (
        "AccessDeniedException",
        _denied(bystander.caller, "Encrypt", arn, "identity"),
        400,
    )


def test_cross_account_grantee_uses_the_key_arn(
    client: KMSClient, key_id: str, arn: str, other: Actor
) -> None:
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    # The default key policy names only the key's account (authspec step 7 for others).
    assert _refused(lambda: other.client.encrypt(KeyId=arn, Plaintext=b"x")) == (
        "AccessDeniedException",
        _denied(OTHER_ROOT, "Encrypt", arn),
        400,
    )
    # grants.md: the grantee can be in any account; grants work cross-account.
    client.create_grant(
        KeyId=key_id, GranteePrincipal=OTHER_ROOT, Operations=["Encrypt", "Decrypt"]
    )
    assert other.client.encrypt(KeyId=arn, Plaintext=b"x")["KeyId"] == arn
    assert other.client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
    assert _refused(lambda: other.client.generate_data_key(KeyId=arn, KeySpec="AES_256")) == (
        "AccessDeniedException",
        _denied(OTHER_ROOT, "GenerateDataKey", arn),
        400,
    )
    # A bare key id resolves in the caller's own account (authspec "Cross-account").
    assert _refused(lambda: other.client.encrypt(KeyId=key_id, Plaintext=b"x")) == (
        "NotFoundException",
        f"Key '{_key_arn(key_id, OTHER)}' does not exist",
        400,
    )


@pytest.mark.parametrize(
    "principal",
    [
        "not-a-principal",
        # Undeclared with check_principals (the default), as in key policies.
        f"arn:aws:iam::{ACCOUNT}:user/nobody",
        f"arn:aws:iam::{ACCOUNT}:role/nothing",
    ],
)
@pytest.mark.parametrize("field", ["GranteePrincipal", "RetiringPrincipal"])
def test_grant_principals_must_be_valid(
    client: KMSClient, key_id: str, alice: Actor, principal: str, field: str
) -> None:
    # authspec "Grants": GranteePrincipal / RetiringPrincipal must be valid principals.
    arguments: dict[str, Any] = {"GranteePrincipal": alice.arn, field: principal}
    code, _, status = _refused(
        lambda: client.create_grant(KeyId=key_id, Operations=["Encrypt"], **arguments)
    )
    assert (code, status) == ("ValidationException", 400)
    assert _grants(client, key_id) == []


@pytest.mark.parametrize(
    "principal",
    [ACCOUNT, ROOT, OTHER, OTHER_ROOT, f"arn:aws:iam::{ACCOUNT}:user/alice"],
)
def test_grant_principals_that_are_valid(
    client: KMSClient, key_id: str, alice: Actor, principal: str
) -> None:
    # The same call as above with a valid principal succeeds (account id, root, user).
    grant = client.create_grant(
        KeyId=key_id,
        GranteePrincipal=principal,
        RetiringPrincipal=principal,
        Operations=["Encrypt"],
    )
    (entry,) = _grants(client, key_id)
    assert entry["GrantId"] == grant["GrantId"]
    assert entry["GranteePrincipal"] == principal
    assert entry["RetiringPrincipal"] == principal


# -- Constraints -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("context", "allowed"),
    [
        ({"purpose": "test", "team": "blue"}, True),
        ({"team": "blue", "purpose": "test"}, True),  # order-free
        ({"purpose": "test", "team": "blue", "extra": "x"}, False),  # an extra pair
        ({"purpose": "test"}, False),  # a missing pair
        ({"purpose": "test", "team": "Blue"}, False),  # values are case-sensitive
        ({"purpose": "test", "Team": "blue"}, False),  # so are keys (exact match)
        ({}, False),
    ],
)
def test_encryption_context_equals(
    client: KMSClient, key_id: str, arn: str, alice: Actor, context: dict[str, str], allowed: bool
) -> None:
    # API reference GrantConstraints: EncryptionContextEquals lets the grant operations run
    # only when the request's encryption context is exactly this one (case-sensitive).
    client.create_grant(
        KeyId=key_id,
        GranteePrincipal=alice.arn,
        Operations=["Encrypt"],
        Constraints={"EncryptionContextEquals": CONTEXT},
    )

    def call() -> object:
        return alice.client.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext=context)

    if allowed:
        call()
    else:
        assert _refused(call) == (
            "AccessDeniedException",
            _denied(alice.caller, "Encrypt", arn, "identity"),
            400,
        )


@pytest.mark.parametrize(
    ("context", "allowed"),
    [
        ({"purpose": "test", "team": "blue"}, True),
        ({"purpose": "test", "team": "blue", "extra": "x"}, True),  # a superset
        ({"purpose": "test"}, False),  # a missing pair
        ({"purpose": "test", "team": "red"}, False),  # a different value
        ({"purpose": "test", "team": "Blue"}, False),  # case-sensitive values
        ({}, False),
    ],
)
def test_encryption_context_subset(
    client: KMSClient, key_id: str, arn: str, alice: Actor, context: dict[str, str], allowed: bool
) -> None:
    # API reference GrantConstraints: EncryptionContextSubset needs every listed pair in the
    # request's encryption context; other pairs may be there too.
    client.create_grant(
        KeyId=key_id,
        GranteePrincipal=alice.arn,
        Operations=["Encrypt", "GenerateDataKey"],
        Constraints={"EncryptionContextSubset": CONTEXT},
    )

    def call() -> object:
        return alice.client.generate_data_key(
            KeyId=key_id, KeySpec="AES_256", EncryptionContext=context
        )

    if allowed:
        call()
    else:
        assert _refused(call) == (
            "AccessDeniedException",
            _denied(alice.caller, "GenerateDataKey", arn, "identity"),
            400,
        )


def test_decrypt_through_a_constrained_grant(
    client: KMSClient, key_id: str, arn: str, alice: Actor
) -> None:
    inside = client.encrypt(KeyId=key_id, Plaintext=b"in", EncryptionContext=CONTEXT)
    outside = client.encrypt(KeyId=key_id, Plaintext=b"out", EncryptionContext={"purpose": "x"})
    client.create_grant(
        KeyId=key_id,
        GranteePrincipal=alice.arn,
        Operations=["Decrypt"],
        Constraints={"EncryptionContextSubset": {"purpose": "test"}},
    )
    opened = alice.client.decrypt(
        CiphertextBlob=inside["CiphertextBlob"], EncryptionContext=CONTEXT
    )
    assert opened["Plaintext"] == b"in"
    assert _refused(
        lambda: alice.client.decrypt(
            CiphertextBlob=outside["CiphertextBlob"], EncryptionContext={"purpose": "x"}
        )
    ) == ("AccessDeniedException", _denied(alice.caller, "Decrypt", arn, "identity"), 400)


def test_describe_key_through_a_grant_ignores_constraints(
    client: KMSClient, key_id: str, arn: str, alice: Actor
) -> None:
    assert _refused(lambda: alice.client.describe_key(KeyId=key_id)) == (
        "AccessDeniedException",
        _denied(alice.caller, "DescribeKey", arn, "identity"),
        400,
    )
    client.create_grant(
        KeyId=key_id,
        GranteePrincipal=alice.arn,
        Operations=["DescribeKey", "Encrypt"],
        Constraints={"EncryptionContextEquals": CONTEXT},
    )
    # grants.md / API reference GrantConstraints: constraints apply only to operations that
    # take an encryption context; DescribeKey has none, so the grant allows it.
    assert alice.client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"] == arn
    # The same grant still constrains Encrypt.
    assert _refused(lambda: alice.client.encrypt(KeyId=key_id, Plaintext=b"x"))[0] == (
        "AccessDeniedException"
    )


def _constraints(kind: str, pairs: dict[str, str]) -> GrantConstraintsTypeDef:
    if kind == "EncryptionContextEquals":
        return {"EncryptionContextEquals": pairs}
    return {"EncryptionContextSubset": pairs}


@pytest.mark.parametrize("kind", ["EncryptionContextEquals", "EncryptionContextSubset"])
def test_constraints_at_most_eight_pairs(
    client: KMSClient, key_id: str, alice: Actor, kind: str
) -> None:
    # KMS_BEHAVIOUR.md section 6 / grants.md: at most 8 encryption context pairs.
    eight = {f"k{i}": f"v{i}" for i in range(8)}
    nine = {**eight, "k8": "v8"}
    client.create_grant(
        KeyId=key_id,
        GranteePrincipal=alice.arn,
        Operations=["Encrypt"],
        Constraints=_constraints(kind, eight),
    )
    code, _, status = _refused(
        lambda: client.create_grant(
            KeyId=key_id,
            GranteePrincipal=alice.arn,
            Operations=["Encrypt"],
            Constraints=_constraints(kind, nine),
        )
    )
    assert (code, status) == ("ValidationException", 400)
    assert len(_grants(client, key_id)) == 1


@pytest.mark.parametrize("operation", NOT_SYMMETRIC)
def test_operations_invalid_for_a_symmetric_key(
    client: KMSClient, key_id: str, alice: Actor, operation: GrantOperationType
) -> None:
    # KMS_BEHAVIOUR.md section 6 "Per key type": a grant may only carry operations the key
    # supports; others are a validation error.
    code, _, status = _refused(
        lambda: client.create_grant(
            KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt", operation]
        )
    )
    assert (code, status) == ("ValidationException", 400)
    assert _grants(client, key_id) == []


def test_every_symmetric_operation_is_accepted(
    client: KMSClient, key_id: str, alice: Actor
) -> None:
    client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=SYMMETRIC_OPERATIONS)
    (entry,) = _grants(client, key_id)
    assert entry["Operations"] == SYMMETRIC_OPERATIONS


# -- Name ------------------------------------------------------------------------------------
def test_name_with_the_same_parameters_is_the_same_grant(
    client: KMSClient, key_id: str, arn: str, alice: Actor
) -> None:
    # API reference CreateGrant, Name: a retried CreateGrant with the same name and
    # parameters returns the same GrantId and a new GrantToken; any token works.
    def make() -> tuple[str, str]:
        grant = client.create_grant(
            KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"], Name="once"
        )
        return grant["GrantId"], grant["GrantToken"]

    first_id, first_token = make()
    second_id, second_token = make()
    assert first_id == second_id
    assert first_token != second_token
    assert _grant_ids(client, key_id) == [first_id]
    for token in (first_token, second_token):
        alice.client.encrypt(KeyId=key_id, Plaintext=b"x", GrantTokens=[token])
    client.retire_grant(GrantToken=second_token)
    assert _grants(client, key_id) == []
    assert _refused(lambda: alice.client.encrypt(KeyId=key_id, Plaintext=b"x"))[0] == (
        "AccessDeniedException"
    )


@pytest.mark.parametrize(
    "changed",
    [
        {"Operations": ["Decrypt"]},
        {"Operations": ["Encrypt", "Decrypt"]},
        {"GranteePrincipal": ROOT},
        {"RetiringPrincipal": ROOT},
        {"Constraints": {"EncryptionContextSubset": {"a": "b"}}},
    ],
)
def test_name_with_other_parameters_is_a_new_grant(
    client: KMSClient, key_id: str, alice: Actor, changed: dict[str, Any]
) -> None:
    # authspec "Grants", Name: same Name with other parameters -> a new grant.
    base: dict[str, Any] = {"GranteePrincipal": alice.arn, "Operations": ["Encrypt"]}
    first = client.create_grant(KeyId=key_id, Name="same", **base)
    second = client.create_grant(KeyId=key_id, Name="same", **{**base, **changed})
    assert first["GrantId"] != second["GrantId"]
    assert sorted(_grant_ids(client, key_id)) == sorted([first["GrantId"], second["GrantId"]])


def test_no_name_is_always_a_new_grant(client: KMSClient, key_id: str, alice: Actor) -> None:
    made = _make_grants(client, key_id, alice.arn, 2)
    assert made[0] != made[1]
    assert sorted(_grant_ids(client, key_id)) == sorted(made)


def test_name_on_two_keys_is_two_grants(client: KMSClient, key_id: str, alice: Actor) -> None:
    # Recorded fact 3.22: the same Name on two keys creates two grants, one listed per key.
    other_key = _new_key(client)
    first = client.create_grant(
        KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"], Name="shared"
    )
    second = client.create_grant(
        KeyId=other_key, GranteePrincipal=alice.arn, Operations=["Encrypt"], Name="shared"
    )
    assert first["GrantId"] != second["GrantId"]
    assert _grant_ids(client, key_id) == [first["GrantId"]]
    assert _grant_ids(client, other_key) == [second["GrantId"]]


# -- Grant tokens -----------------------------------------------------------------------------
TOKEN_CALLS: dict[str, Callable[[KMSClient, str, bytes, list[str]], object]] = {
    "Encrypt": lambda c, k, b, t: c.encrypt(KeyId=k, Plaintext=b"x", GrantTokens=t),
    "Decrypt": lambda c, k, b, t: c.decrypt(CiphertextBlob=b, GrantTokens=t),
    "GenerateDataKey": lambda c, k, b, t: c.generate_data_key(
        KeyId=k, KeySpec="AES_256", GrantTokens=t
    ),
    "DescribeKey": lambda c, k, b, t: c.describe_key(KeyId=k, GrantTokens=t),
    "ReEncrypt": lambda c, k, b, t: c.re_encrypt(
        CiphertextBlob=b, DestinationKeyId=k, GrantTokens=t
    ),
    "CreateGrant": lambda c, k, b, t: c.create_grant(
        KeyId=k, GranteePrincipal=ROOT, Operations=["Encrypt"], GrantTokens=t
    ),
}
TOKEN_OPERATIONS: list[GrantOperationType] = [
    "Encrypt",
    "Decrypt",
    "GenerateDataKey",
    "DescribeKey",
    "ReEncryptFrom",
    "ReEncryptTo",
    "CreateGrant",
]


@pytest.mark.parametrize("operation", sorted(TOKEN_CALLS))
def test_grant_token_accepted(client: KMSClient, key_id: str, alice: Actor, operation: str) -> None:
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    token = client.create_grant(
        KeyId=key_id, GranteePrincipal=alice.arn, Operations=TOKEN_OPERATIONS
    )["GrantToken"]
    # grants.md "Using a grant token": the grantee passes the token with the operation.
    TOKEN_CALLS[operation](alice.client, key_id, blob, [token])


@pytest.mark.parametrize("operation", sorted(TOKEN_CALLS))
@pytest.mark.parametrize("made_up", ["not-a-grant-token", "tampered"])
def test_made_up_grant_token_refused(
    client: KMSClient, key_id: str, alice: Actor, operation: str, made_up: str
) -> None:
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    token = client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])[
        "GrantToken"
    ]
    if made_up == "tampered":
        made_up = token[:-1] + ("A" if token[-1] != "A" else "B")
    # KMS_BEHAVIOUR.md section 6: a token KMS did not issue -> InvalidGrantTokenException,
    # even for a caller the key policy allows (the root here).
    code, _, status = _refused(
        lambda: TOKEN_CALLS[operation](client, key_id, blob, [token, made_up])
    )
    assert (code, status) == ("InvalidGrantTokenException", 400)


def test_token_of_a_retired_grant_is_still_a_valid_token(
    client: KMSClient, key_id: str, alice: Actor
) -> None:
    token = client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])[
        "GrantToken"
    ]
    client.retire_grant(GrantToken=token)
    # authspec "Grants": any token kmsmock issued is accepted, even a retired grant's; it
    # authorizes nothing any more.
    client.encrypt(KeyId=key_id, Plaintext=b"x", GrantTokens=[token])
    assert (
        _refused(lambda: alice.client.encrypt(KeyId=key_id, Plaintext=b"x", GrantTokens=[token]))[0]
        == "AccessDeniedException"
    )


def test_at_most_ten_grant_tokens(client: KMSClient, key_id: str, alice: Actor) -> None:
    token = client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])[
        "GrantToken"
    ]
    # Model: GrantTokens 0..10 items; botocore checks no maximum, the service refuses.
    client.encrypt(KeyId=key_id, Plaintext=b"x", GrantTokens=[token] * 10)
    code, message, status = _refused(
        lambda: client.encrypt(KeyId=key_id, Plaintext=b"x", GrantTokens=[token] * 11)
    )
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith("1 validation error detected")
    code, message, status = _refused(
        lambda: client.create_grant(
            KeyId=key_id,
            GranteePrincipal=alice.arn,
            Operations=["Encrypt"],
            GrantTokens=[token] * 11,
        )
    )
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith("1 validation error detected")


# -- RetireGrant --------------------------------------------------------------------------------
def _retire_refused(caller: str, arn: str) -> tuple[str, str, int]:
    # authspec "Grants", RetireGrant: the one refusal text.
    return ("AccessDeniedException", _denied(caller, "RetireGrant", arn), 400)


def test_retire_by_token_as_the_retiring_principal(
    client: KMSClient, key_id: str, alice: Actor, kms: MockKMS
) -> None:
    retirer = _actor(kms.user("retirer", policy=NO_KMS))
    grant = client.create_grant(
        KeyId=key_id,
        GranteePrincipal=alice.arn,
        RetiringPrincipal=retirer.arn,
        Operations=["Encrypt"],
    )
    alice.client.encrypt(KeyId=key_id, Plaintext=b"x")
    # API reference RetireGrant: the retiring principal may retire the grant, whatever its
    # IAM says (recorded fact 3.22: RetireGrant(GrantToken) removes the grant).
    retirer.client.retire_grant(GrantToken=grant["GrantToken"])
    assert _grants(client, key_id) == []
    assert _refused(lambda: alice.client.encrypt(KeyId=key_id, Plaintext=b"x"))[0] == (
        "AccessDeniedException"
    )


@pytest.mark.parametrize("form", ["id", "arn"])
def test_retire_by_key_and_grant_id_as_the_account_root(
    client: KMSClient, key_id: str, arn: str, alice: Actor, form: str
) -> None:
    grant = client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
    keep = client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Decrypt"])
    # API reference RetireGrant: KeyId (id or ARN) + GrantId; the key's account may retire.
    client.retire_grant(KeyId=key_id if form == "id" else arn, GrantId=grant["GrantId"])
    assert _grant_ids(client, key_id) == [keep["GrantId"]]


def test_retire_by_the_grantee_needs_retire_grant_in_the_grant(
    client: KMSClient, key_id: str, arn: str, alice: Actor
) -> None:
    without = client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
    with_retire = client.create_grant(
        KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt", "RetireGrant"]
    )
    # grants.md: the grantee may retire the grant only when it includes RetireGrant.
    assert _refused(
        lambda: alice.client.retire_grant(GrantToken=without["GrantToken"])
    ) == _retire_refused(alice.caller, arn)
    assert _refused(
        lambda: alice.client.retire_grant(KeyId=key_id, GrantId=without["GrantId"])
    ) == _retire_refused(alice.caller, arn)
    alice.client.retire_grant(GrantToken=with_retire["GrantToken"])
    assert _grant_ids(client, key_id) == [without["GrantId"]]


def test_retire_refused_for_unrelated_principals(
    kms: MockKMS, client: KMSClient, key_id: str, arn: str, alice: Actor, other: Actor
) -> None:
    mallory = _actor(kms.user("mallory", policy=NO_KMS))
    grant = client.create_grant(
        KeyId=key_id, GranteePrincipal=alice.arn, RetiringPrincipal=ROOT, Operations=["Encrypt"]
    )
    assert _refused(
        lambda: mallory.client.retire_grant(GrantToken=grant["GrantToken"])
    ) == _retire_refused(mallory.caller, arn)
    assert _refused(
        lambda: mallory.client.retire_grant(KeyId=key_id, GrantId=grant["GrantId"])
    ) == _retire_refused(mallory.caller, arn)
    # Another account's root is neither grantee, retiring principal nor of the key's account.
    assert _refused(
        lambda: other.client.retire_grant(GrantToken=grant["GrantToken"])
    ) == _retire_refused(OTHER_ROOT, arn)
    assert _refused(
        lambda: other.client.retire_grant(KeyId=arn, GrantId=grant["GrantId"])
    ) == _retire_refused(OTHER_ROOT, arn)
    assert _grant_ids(client, key_id) == [grant["GrantId"]]


def test_retire_by_a_user_whose_iam_allows_it(
    client: KMSClient, key_id: str, alice: Actor, bob: Actor
) -> None:
    # authspec "Grants", RetireGrant: principals of the key's account whose IAM allows
    # kms:RetireGrant on the key may retire (bob has no identity policy: unrestricted).
    grant = client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
    bob.client.retire_grant(KeyId=key_id, GrantId=grant["GrantId"])
    assert _grants(client, key_id) == []


def test_retire_errors(client: KMSClient, key_id: str, alice: Actor) -> None:
    grant = client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
    # API reference RetireGrant errors; authspec "Grants".
    assert _refused(lambda: client.retire_grant(GrantToken="not-a-grant-token"))[0] == (
        "InvalidGrantTokenException"
    )
    assert _refused(lambda: client.retire_grant(KeyId=key_id, GrantId="not-hex"))[0] == (
        "InvalidGrantIdException"
    )
    assert _refused(lambda: client.retire_grant(KeyId=key_id, GrantId="ab" * 31))[0] == (
        "InvalidGrantIdException"
    )
    assert _refused(lambda: client.retire_grant(KeyId=key_id, GrantId=UNKNOWN_GRANT_ID))[0] == (
        "NotFoundException"
    )
    # Neither a token nor KeyId + GrantId.
    assert _refused(lambda: client.retire_grant())[0] == "ValidationException"
    assert _refused(lambda: client.retire_grant(KeyId=key_id))[0] == "ValidationException"
    assert _refused(lambda: client.retire_grant(GrantId=grant["GrantId"]))[0] == (
        "ValidationException"
    )
    assert _grant_ids(client, key_id) == [grant["GrantId"]]


def test_retire_twice(client: KMSClient, key_id: str, alice: Actor) -> None:
    grant = client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
    client.retire_grant(GrantToken=grant["GrantToken"])
    # authspec "Grants": the token of a grant already gone -> NotFoundException.
    assert _refused(lambda: client.retire_grant(GrantToken=grant["GrantToken"]))[0] == (
        "NotFoundException"
    )
    assert _refused(lambda: client.retire_grant(KeyId=key_id, GrantId=grant["GrantId"]))[0] == (
        "NotFoundException"
    )


# -- RevokeGrant --------------------------------------------------------------------------------
def test_revoke_removes_the_grant_and_the_access(
    client: KMSClient, key_id: str, arn: str, alice: Actor
) -> None:
    grant = client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
    keep = client.create_grant(KeyId=key_id, GranteePrincipal=ROOT, Operations=["Encrypt"])
    alice.client.encrypt(KeyId=key_id, Plaintext=b"x")
    # Recorded fact 3.22: RevokeGrant(KeyId, GrantId) removes the grant; grants.md: access
    # ends at once.
    client.revoke_grant(KeyId=arn, GrantId=grant["GrantId"])
    assert _grant_ids(client, key_id) == [keep["GrantId"]]
    assert _refused(lambda: alice.client.encrypt(KeyId=key_id, Plaintext=b"x")) == (
        "AccessDeniedException",
        _denied(alice.caller, "Encrypt", arn, "identity"),
        400,
    )
    # Revoking it again: it is gone.
    assert _refused(lambda: client.revoke_grant(KeyId=key_id, GrantId=grant["GrantId"]))[0] == (
        "NotFoundException"
    )


def test_revoke_unknown_grant(client: KMSClient, key_id: str) -> None:
    assert _refused(lambda: client.revoke_grant(KeyId=key_id, GrantId=UNKNOWN_GRANT_ID))[0] == (
        "NotFoundException"
    )


def test_revoke_needs_permission(
    client: KMSClient, key_id: str, arn: str, alice: Actor, bob: Actor
) -> None:
    # Even the grantee: RevokeGrant needs kms:RevokeGrant from the key policy (here via IAM).
    grant = client.create_grant(
        KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt", "RetireGrant"]
    )
    assert _refused(lambda: alice.client.revoke_grant(KeyId=key_id, GrantId=grant["GrantId"])) == (
        "AccessDeniedException",
        _denied(alice.caller, "RevokeGrant", arn, "identity"),
        400,
    )
    assert _grant_ids(client, key_id) == [grant["GrantId"]]
    bob.client.revoke_grant(KeyId=key_id, GrantId=grant["GrantId"])
    assert _grants(client, key_id) == []


def test_create_grant_needs_permission(
    client: KMSClient, key_id: str, arn: str, alice: Actor, bob: Actor
) -> None:
    assert _refused(
        lambda: alice.client.create_grant(
            KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"]
        )
    ) == ("AccessDeniedException", _denied(alice.caller, "CreateGrant", arn, "identity"), 400)
    bob.client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
    assert len(_grants(client, key_id)) == 1


# -- ListRetirableGrants -------------------------------------------------------------------------
def test_list_retirable_grants(
    client: KMSClient, key_id: str, alice: Actor, bob: Actor, other: Actor
) -> None:
    second_key = _new_key(client)
    their_key = other.client.create_key()["KeyMetadata"]["Arn"]
    first = client.create_grant(
        KeyId=key_id, GranteePrincipal=alice.arn, RetiringPrincipal=bob.arn, Operations=["Encrypt"]
    )["GrantId"]
    second = client.create_grant(
        KeyId=second_key,
        GranteePrincipal=alice.arn,
        RetiringPrincipal=bob.arn,
        Operations=["Decrypt"],
    )["GrantId"]
    # A key of another account, granted with bob as retiring principal.
    theirs = other.client.create_grant(
        KeyId=their_key,
        GranteePrincipal=alice.arn,
        RetiringPrincipal=bob.arn,
        Operations=["Encrypt"],
    )["GrantId"]
    expected = {first: _key_arn(key_id), second: _key_arn(second_key), theirs: their_key}
    # Not listed: another retiring principal, or none.
    client.create_grant(
        KeyId=key_id, GranteePrincipal=bob.arn, RetiringPrincipal=alice.arn, Operations=["Encrypt"]
    )
    client.create_grant(KeyId=key_id, GranteePrincipal=bob.arn, Operations=["Encrypt"])
    # API reference ListRetirableGrants: every grant whose RetiringPrincipal is the one given,
    # on keys of any account.
    for caller in (client, bob.client):
        response = caller.list_retirable_grants(RetiringPrincipal=bob.arn)
        assert _next_marker(response) is None
        listed = {g["GrantId"]: g for g in response["Grants"]}
        assert {gid: g["KeyId"] for gid, g in listed.items()} == expected
        assert {g["RetiringPrincipal"] for g in listed.values()} == {bob.arn}
        assert listed[first]["IssuingAccount"] == ROOT
        assert listed[theirs]["IssuingAccount"] == OTHER_ROOT
    assert client.list_retirable_grants(RetiringPrincipal=OTHER_ROOT)["Grants"] == []


def test_list_retirable_grants_needs_iam_permission(
    client: KMSClient, key_id: str, alice: Actor, bob: Actor
) -> None:
    client.create_grant(
        KeyId=key_id, GranteePrincipal=bob.arn, RetiringPrincipal=alice.arn, Operations=["Encrypt"]
    )
    # authspec "Evaluation": ListRetirableGrants is IAM-only, resource "*".
    assert _refused(lambda: alice.client.list_retirable_grants(RetiringPrincipal=alice.arn)) == (
        "AccessDeniedException",
        f"User: {alice.caller} is not authorized to perform: kms:ListRetirableGrants on "
        "resource: * because no identity-based policy allows the kms:ListRetirableGrants action",
        400,
    )
    assert len(bob.client.list_retirable_grants(RetiringPrincipal=alice.arn)["Grants"]) == 1


# -- Grants made through a grant -----------------------------------------------------------------
@pytest.fixture
def delegate(kms: MockKMS) -> Actor:
    """A role of another account (no identity policy) acting through its default session."""
    return _actor(
        kms.role("delegate", account=OTHER), f"arn:aws:sts::{OTHER}:assumed-role/delegate/kmsmock"
    )


def test_grant_with_create_grant_allows_narrower_grants(
    kms: MockKMS, client: KMSClient, key_id: str, arn: str, alice: Actor, delegate: Actor
) -> None:
    client.create_grant(
        KeyId=key_id,
        GranteePrincipal=delegate.arn,
        Operations=["Encrypt", "Decrypt", "CreateGrant"],
    )
    # grants.md: a grantee whose grant includes CreateGrant may create grants with a subset
    # of its operations.
    sub = delegate.client.create_grant(
        KeyId=arn, GranteePrincipal=alice.arn, Operations=["Encrypt"]
    )
    alice.client.encrypt(KeyId=key_id, Plaintext=b"x")
    entry = {g["GrantId"]: g for g in _grants(client, key_id)}[sub["GrantId"]]
    assert entry["IssuingAccount"] == OTHER_ROOT
    assert entry["Operations"] == ["Encrypt"]
    # ... but not with an operation its own grant lacks.
    assert _refused(
        lambda: delegate.client.create_grant(
            KeyId=arn, GranteePrincipal=alice.arn, Operations=["Encrypt", "GenerateDataKey"]
        )
    ) == ("AccessDeniedException", _denied(delegate.caller, "CreateGrant", arn), 400)
    assert len(_grants(client, key_id)) == 2


def test_grant_without_create_grant_allows_no_grants(
    client: KMSClient, key_id: str, arn: str, alice: Actor, delegate: Actor
) -> None:
    client.create_grant(KeyId=key_id, GranteePrincipal=delegate.arn, Operations=["Encrypt"])
    assert _refused(
        lambda: delegate.client.create_grant(
            KeyId=arn, GranteePrincipal=alice.arn, Operations=["Encrypt"]
        )
    ) == ("AccessDeniedException", _denied(delegate.caller, "CreateGrant", arn), 400)


def test_grant_made_through_a_grant_keeps_its_constraints(
    client: KMSClient, key_id: str, arn: str, alice: Actor, delegate: Actor
) -> None:
    client.create_grant(
        KeyId=key_id,
        GranteePrincipal=delegate.arn,
        Operations=["Encrypt", "CreateGrant"],
        Constraints={"EncryptionContextSubset": {"purpose": "test"}},
    )
    # grants.md: a grant created through a grant has equal or stricter constraints.
    delegate.client.create_grant(
        KeyId=arn,
        GranteePrincipal=alice.arn,
        Operations=["Encrypt"],
        Constraints={"EncryptionContextSubset": {"purpose": "test"}},
    )
    assert _refused(
        lambda: delegate.client.create_grant(
            KeyId=arn, GranteePrincipal=alice.arn, Operations=["Encrypt"]
        )
    ) == ("AccessDeniedException", _denied(delegate.caller, "CreateGrant", arn), 400)
    assert len(_grants(client, key_id)) == 2


# -- Key states and unknown keys ------------------------------------------------------------------
def test_create_grant_on_a_disabled_key(
    client: KMSClient, key_id: str, arn: str, alice: Actor
) -> None:
    client.disable_key(KeyId=key_id)
    # KMS_BEHAVIOUR.md section 4, footnote 1.
    with pytest.raises(client.exceptions.DisabledException) as info:
        client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
    assert error_of(info) == ("DisabledException", f"{arn} is disabled.", 400)
    assert _grants(client, key_id) == []
    client.enable_key(KeyId=key_id)
    client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])


def test_create_grant_on_a_key_pending_deletion(
    client: KMSClient, key_id: str, arn: str, alice: Actor
) -> None:
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    # KMS_BEHAVIOUR.md section 4, footnote 2/3 (AWS returns 3).
    with pytest.raises(client.exceptions.KMSInvalidStateException) as info:
        client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
    assert error_of(info) == ("KMSInvalidStateException", f"{arn} is pending deletion.", 400)
    assert _grants(client, key_id) == []


def test_list_retire_revoke_on_a_disabled_key(client: KMSClient, key_id: str, alice: Actor) -> None:
    grants = [
        client.create_grant(KeyId=key_id, GranteePrincipal=alice.arn, Operations=["Encrypt"])
        for _ in range(3)
    ]
    client.disable_key(KeyId=key_id)
    # KMS_BEHAVIOUR.md section 4: ListGrants, RetireGrant, RevokeGrant work in every state.
    assert sorted(_grant_ids(client, key_id)) == sorted(g["GrantId"] for g in grants)
    client.revoke_grant(KeyId=key_id, GrantId=grants[0]["GrantId"])
    client.retire_grant(GrantToken=grants[1]["GrantToken"])
    assert _grant_ids(client, key_id) == [grants[2]["GrantId"]]
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert _grant_ids(client, key_id) == [grants[2]["GrantId"]]
    client.retire_grant(KeyId=key_id, GrantId=grants[2]["GrantId"])
    assert _grants(client, key_id) == []


def test_grants_vanish_with_the_deleted_key(
    client: KMSClient,
    key_id: str,
    arn: str,
    alice: Actor,
    bob: Actor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    survivor = _new_key(client)
    kept = client.create_grant(
        KeyId=survivor,
        GranteePrincipal=alice.arn,
        RetiringPrincipal=bob.arn,
        Operations=["Encrypt"],
    )
    doomed = client.create_grant(
        KeyId=key_id, GranteePrincipal=alice.arn, RetiringPrincipal=bob.arn, Operations=["Encrypt"]
    )
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    deletion = client.describe_key(KeyId=key_id)["KeyMetadata"]["DeletionDate"].timestamp()
    monkeypatch.setattr(time, "time", lambda: deletion - 1)
    retirable = client.list_retirable_grants(RetiringPrincipal=bob.arn)["Grants"]
    assert sorted(g["GrantId"] for g in retirable) == sorted([kept["GrantId"], doomed["GrantId"]])
    # KMS_BEHAVIOUR.md section 4: at expiry the key's grants vanish with it.
    monkeypatch.setattr(time, "time", lambda: deletion + 0.001)
    retirable = client.list_retirable_grants(RetiringPrincipal=bob.arn)["Grants"]
    assert [g["GrantId"] for g in retirable] == [kept["GrantId"]]
    assert _refused(lambda: client.list_grants(KeyId=key_id)) == (
        "NotFoundException",
        f"Key '{arn}' does not exist",
        400,
    )
    assert _refused(lambda: client.retire_grant(GrantToken=doomed["GrantToken"]))[0] == (
        "NotFoundException"
    )


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        # Recorded fact 3.22 (code); text: AWS_RECORDED_FACTS.md section 1, item 6.
        ("invalid", "Invalid keyId 'invalid'"),
        (UNKNOWN_KEY, f"Key '{_key_arn(UNKNOWN_KEY)}' does not exist"),
    ],
)
def test_unknown_key(client: KMSClient, alice: Actor, identifier: str, message: str) -> None:
    assert _refused(
        lambda: client.create_grant(
            KeyId=identifier, GranteePrincipal=alice.arn, Operations=["Encrypt"]
        )
    ) == ("NotFoundException", message, 400)
    assert _refused(lambda: client.list_grants(KeyId=identifier)) == (
        "NotFoundException",
        message,
        400,
    )
    assert _refused(lambda: client.revoke_grant(KeyId=identifier, GrantId=UNKNOWN_GRANT_ID)) == (
        "NotFoundException",
        message,
        400,
    )


# -- Property: EncryptionContextSubset ----------------------------------------------------------
@functools.cache
def _root_client() -> KMSClient:
    # Clients hold no KMS state; each request goes to the innermost active mock.
    return boto3.client("kms", region_name=REGION)


small_contexts = st.dictionaries(
    st.sampled_from(["a", "b", "c"]), st.sampled_from(["x", "y"]), max_size=3
)


@settings(max_examples=30, deadline=None)
@given(subset=small_contexts.filter(bool), context=small_contexts)
def test_subset_constraint_property(subset: dict[str, str], context: dict[str, str]) -> None:
    # API reference GrantConstraints: EncryptionContextSubset=S allows a request with
    # context C exactly when every pair of S is in C.
    with kmsmock.mock_kms() as kms:
        client = _root_client()
        key_id = _new_key(client)
        user = kms.user("prop", policy=NO_KMS)
        client.create_grant(
            KeyId=key_id,
            GranteePrincipal=user.arn,
            Operations=["Encrypt"],
            Constraints={"EncryptionContextSubset": subset},
        )
        grantee: KMSClient = user.client()
        expected = subset.items() <= context.items()
        outcome = "allowed"
        try:
            grantee.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext=context)
        except ClientError as error:
            outcome = error.response["Error"]["Code"]
        assert outcome == ("allowed" if expected else "AccessDeniedException"), (subset, context)
