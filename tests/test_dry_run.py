"""DryRun on every operation kmsmock implements it for, black-box through boto3.

API reference (DryRun parameter; "Testing your permissions", testing-permissions.html): a
dry run performs every check of the real call; if the call would succeed the answer is
DryRunOperationException and nothing changes, otherwise it is the error the real call gives.
Contract: authspec.md "DryRun"; reference KMS_BEHAVIOUR.md section 11 (DryRun, Decrypt) and
AWS_RECORDED_FACTS.md sections 1 and 3.12 (the DryRunOperationException envelope).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest
from botocore.exceptions import ClientError

from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_kms.literals import DryRunModifierTypeType
    from mypy_boto3_kms.type_defs import GrantListEntryTypeDef

    from kmsmock import MockKMS

ACCOUNT = "123456789012"
REGION = "us-east-1"
DRY_RUN = "The request would have succeeded, but the DryRun option is set."
UNKNOWN_KEY = "11111111-2222-3333-4444-555555555555"
UNKNOWN_GRANT_ID = "0" * 64
CONTEXT = {"purpose": "test"}
# An identity policy that allows, in KMS, only kms:ReEncryptTo: with the default key policy
# such a user is refused everything else, and ReEncrypt only on its source side.
ONLY_RE_ENCRYPT_TO: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "kms:ReEncryptTo", "Resource": "*"}],
}
NO_KMS: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
}


class Scene(NamedTuple):
    """A key with a blob (under CONTEXT) and one grant to ``grantee``."""

    key: str  # the key id the calls name
    arn: str
    blob: bytes
    grantee: str
    grant_id: str
    token: str


def _arn(key_id: str) -> str:
    return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"


def _refused(call: Callable[[], object]) -> tuple[str, str, int]:
    """(code, message, status) of the error ``call`` raises; fails if it succeeds."""
    with pytest.raises(ClientError) as info:
        call()
    return error_of(info)


def _assert_dry_run(call: Callable[[], object]) -> None:
    with pytest.raises(ClientError) as info:
        call()
    assert error_of(info) == ("DryRunOperationException", DRY_RUN, 400)
    # A modelled error with text carries a top-level "message" (recorded facts section 1).
    assert info.value.response.get("message") == DRY_RUN


def _denied(caller: str, action: str, key_arn: str, based: str) -> tuple[str, str, int]:
    return (
        "AccessDeniedException",
        f"User: {caller} is not authorized to perform: kms:{action} on resource: {key_arn} "
        f"because no {based}-based policy allows the kms:{action} action",
        400,
    )


def _grants(client: KMSClient, key: str) -> list[GrantListEntryTypeDef]:
    return client.list_grants(KeyId=key, Limit=100)["Grants"]


@pytest.fixture
def scene(kms: MockKMS, client: KMSClient, key_id: str) -> Scene:
    grantee = kms.user("alice", policy=NO_KMS)
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret", EncryptionContext=CONTEXT)
    grant = client.create_grant(KeyId=key_id, GranteePrincipal=grantee.arn, Operations=["Encrypt"])
    return Scene(
        key_id,
        _arn(key_id),
        blob["CiphertextBlob"],
        grantee.arn,
        grant["GrantId"],
        grant["GrantToken"],
    )


# Each operation with DryRun=True, using the scene's key (ReEncrypt: as its destination,
# and as its source through the blob).
DRY: dict[str, Callable[[KMSClient, Scene], object]] = {
    "Encrypt": lambda c, s: c.encrypt(KeyId=s.key, Plaintext=b"x", DryRun=True),
    "Decrypt": lambda c, s: c.decrypt(
        CiphertextBlob=s.blob, KeyId=s.key, EncryptionContext=CONTEXT, DryRun=True
    ),
    "ReEncrypt": lambda c, s: c.re_encrypt(
        CiphertextBlob=s.blob,
        SourceEncryptionContext=CONTEXT,
        DestinationKeyId=s.key,
        DryRun=True,
    ),
    "GenerateDataKey": lambda c, s: c.generate_data_key(
        KeyId=s.key, KeySpec="AES_256", DryRun=True
    ),
    "GenerateDataKeyWithoutPlaintext": lambda c, s: c.generate_data_key_without_plaintext(
        KeyId=s.key, KeySpec="AES_256", DryRun=True
    ),
    "CreateGrant": lambda c, s: c.create_grant(
        KeyId=s.key, GranteePrincipal=s.grantee, Operations=["Decrypt"], DryRun=True
    ),
    "RetireGrant(token)": lambda c, s: c.retire_grant(GrantToken=s.token, DryRun=True),
    "RetireGrant(id)": lambda c, s: c.retire_grant(KeyId=s.key, GrantId=s.grant_id, DryRun=True),
    "RevokeGrant": lambda c, s: c.revoke_grant(KeyId=s.key, GrantId=s.grant_id, DryRun=True),
}
GRANT_CALLS = ["CreateGrant", "RetireGrant(token)", "RetireGrant(id)", "RevokeGrant"]
KEY_STATE_CHECKED = [name for name in DRY if not name.startswith(("RetireGrant", "RevokeGrant"))]


# -- Would succeed ---------------------------------------------------------------------------------
@pytest.mark.parametrize("operation", sorted(DRY))
def test_dry_run_would_succeed(client: KMSClient, scene: Scene, operation: str) -> None:
    # API reference, DryRun: "checks whether the request would succeed"; nothing changes.
    before = _grants(client, scene.key)
    _assert_dry_run(lambda: DRY[operation](client, scene))
    # No grant created, retired or revoked.
    assert _grants(client, scene.key) == before
    assert [g["GrantId"] for g in before] == [scene.grant_id]


@pytest.mark.parametrize("operation", GRANT_CALLS)
def test_without_dry_run_the_grant_call_happens(
    client: KMSClient, scene: Scene, operation: str
) -> None:
    # The pair of the test above: the same calls with DryRun=False do change the grants.
    calls: dict[str, Callable[[], object]] = {
        "CreateGrant": lambda: client.create_grant(
            KeyId=scene.key, GranteePrincipal=scene.grantee, Operations=["Decrypt"], DryRun=False
        ),
        "RetireGrant(token)": lambda: client.retire_grant(GrantToken=scene.token, DryRun=False),
        "RetireGrant(id)": lambda: client.retire_grant(
            KeyId=scene.key, GrantId=scene.grant_id, DryRun=False
        ),
        "RevokeGrant": lambda: client.revoke_grant(
            KeyId=scene.key, GrantId=scene.grant_id, DryRun=False
        ),
    }
    calls[operation]()
    expected = 2 if operation == "CreateGrant" else 0
    assert len(_grants(client, scene.key)) == expected


def test_dry_run_grant_keeps_the_grantee_without_access(
    kms: MockKMS, client: KMSClient, scene: Scene
) -> None:
    bob = kms.user("bob", policy=NO_KMS)
    _assert_dry_run(
        lambda: client.create_grant(
            KeyId=scene.key, GranteePrincipal=bob.arn, Operations=["Encrypt"], DryRun=True
        )
    )
    assert _refused(lambda: bob.client().encrypt(KeyId=scene.key, Plaintext=b"x")) == _denied(
        bob.arn, "Encrypt", scene.arn, "identity"
    )


def test_dry_run_revoke_keeps_the_grantee_access(
    kms: MockKMS, client: KMSClient, scene: Scene
) -> None:
    # Re-declaring alice (no policy=) gets the grantee the scene declared.
    alice = kms.user("alice").client()
    _assert_dry_run(
        lambda: client.revoke_grant(KeyId=scene.key, GrantId=scene.grant_id, DryRun=True)
    )
    _assert_dry_run(lambda: client.retire_grant(GrantToken=scene.token, DryRun=True))
    alice.encrypt(KeyId=scene.key, Plaintext=b"x")


def test_dry_run_through_a_grant(kms: MockKMS, scene: Scene) -> None:
    alice = kms.user("alice").client()
    # The grant allows Encrypt only (authspec "Evaluation", step 6): a dry run says so.
    _assert_dry_run(lambda: alice.encrypt(KeyId=scene.key, Plaintext=b"x", DryRun=True))
    assert _refused(
        lambda: alice.generate_data_key(KeyId=scene.key, KeySpec="AES_256", DryRun=True)
    ) == _denied(scene.grantee, "GenerateDataKey", scene.arn, "identity")
    _assert_dry_run(
        lambda: alice.encrypt(
            KeyId=scene.key, Plaintext=b"x", GrantTokens=[scene.token], DryRun=True
        )
    )


def test_dry_run_through_a_constrained_grant(kms: MockKMS, client: KMSClient, key_id: str) -> None:
    carol = kms.user("carol", policy=NO_KMS)
    client.create_grant(
        KeyId=key_id,
        GranteePrincipal=carol.arn,
        Operations=["Encrypt"],
        Constraints={"EncryptionContextEquals": CONTEXT},
    )
    c = carol.client()
    # Grant constraints are part of the authorization a dry run checks.
    _assert_dry_run(
        lambda: c.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext=CONTEXT, DryRun=True)
    )
    assert _refused(
        lambda: c.encrypt(
            KeyId=key_id, Plaintext=b"x", EncryptionContext={"purpose": "other"}, DryRun=True
        )
    ) == _denied(carol.arn, "Encrypt", _arn(key_id), "identity")


# -- A failing check gives the real error ----------------------------------------------------------
@pytest.mark.parametrize("operation", KEY_STATE_CHECKED)
def test_dry_run_on_a_disabled_key(client: KMSClient, scene: Scene, operation: str) -> None:
    client.disable_key(KeyId=scene.key)
    # KMS_BEHAVIOUR.md section 4, footnote 1; section 11: otherwise the real error.
    assert _refused(lambda: DRY[operation](client, scene)) == (
        "DisabledException",
        f"{scene.arn} is disabled.",
        400,
    )
    assert [g["GrantId"] for g in _grants(client, scene.key)] == [scene.grant_id]


@pytest.mark.parametrize("operation", [name for name in DRY if name not in KEY_STATE_CHECKED])
def test_dry_run_retire_and_revoke_on_a_disabled_key(
    client: KMSClient, scene: Scene, operation: str
) -> None:
    client.disable_key(KeyId=scene.key)
    # KMS_BEHAVIOUR.md section 4: RetireGrant / RevokeGrant work in every key state, so
    # their dry run would succeed.
    _assert_dry_run(lambda: DRY[operation](client, scene))
    assert [g["GrantId"] for g in _grants(client, scene.key)] == [scene.grant_id]


def test_dry_run_create_grant_on_a_key_pending_deletion(client: KMSClient, scene: Scene) -> None:
    client.schedule_key_deletion(KeyId=scene.key, PendingWindowInDays=7)
    assert _refused(lambda: DRY["CreateGrant"](client, scene)) == (
        "KMSInvalidStateException",
        f"{scene.arn} is pending deletion.",
        400,
    )


# The refusal each dry run gets from a same-account user whose IAM allows only
# kms:ReEncryptTo (authspec "Evaluation" step 5; RetireGrant: its own text).
DENIED_AS: dict[str, tuple[str, str]] = {
    "Encrypt": ("Encrypt", "identity"),
    "Decrypt": ("Decrypt", "identity"),
    "ReEncrypt": ("ReEncryptFrom", "identity"),
    "GenerateDataKey": ("GenerateDataKey", "identity"),
    "GenerateDataKeyWithoutPlaintext": ("GenerateDataKeyWithoutPlaintext", "identity"),
    "CreateGrant": ("CreateGrant", "identity"),
    "RetireGrant(token)": ("RetireGrant", "resource"),
    "RetireGrant(id)": ("RetireGrant", "resource"),
    "RevokeGrant": ("RevokeGrant", "identity"),
}


@pytest.mark.parametrize("operation", sorted(DRY))
def test_dry_run_denied_by_policy(
    kms: MockKMS, client: KMSClient, scene: Scene, operation: str
) -> None:
    mallory = kms.user("mallory", policy=ONLY_RE_ENCRYPT_TO)
    action, based = DENIED_AS[operation]
    assert _refused(lambda: DRY[operation](mallory.client(), scene)) == _denied(
        mallory.arn, action, scene.arn, based
    )
    assert [g["GrantId"] for g in _grants(client, scene.key)] == [scene.grant_id]


def test_dry_run_denied_on_a_disabled_key_is_access_denied(
    kms: MockKMS, client: KMSClient, scene: Scene
) -> None:
    # authspec "Evaluation": authorization is checked before the key state.
    mallory = kms.user("mallory", policy=NO_KMS)
    client.disable_key(KeyId=scene.key)
    assert _refused(lambda: DRY["Encrypt"](mallory.client(), scene)) == _denied(
        mallory.arn, "Encrypt", scene.arn, "identity"
    )


@pytest.mark.parametrize("operation", ["Decrypt", "ReEncrypt"])
def test_dry_run_wrong_encryption_context(client: KMSClient, scene: Scene, operation: str) -> None:
    # KMS_BEHAVIOUR.md section 7: a wrong context is InvalidCiphertextException, empty
    # message; a dry run still opens the ciphertext.
    wrong = {"purpose": "other"}
    calls: dict[str, Callable[[], object]] = {
        "Decrypt": lambda: client.decrypt(
            CiphertextBlob=scene.blob, EncryptionContext=wrong, DryRun=True
        ),
        "ReEncrypt": lambda: client.re_encrypt(
            CiphertextBlob=scene.blob,
            SourceEncryptionContext=wrong,
            DestinationKeyId=scene.key,
            DryRun=True,
        ),
    }
    assert _refused(calls[operation]) == ("InvalidCiphertextException", "", 400)


def test_dry_run_corrupt_ciphertext(client: KMSClient, scene: Scene) -> None:
    # Without IGNORE_CIPHERTEXT the blob is checked (KMS_BEHAVIOUR.md section 11, Decrypt).
    assert _refused(
        lambda: client.decrypt(CiphertextBlob=b"garbage" * 30, KeyId=scene.key, DryRun=True)
    ) == ("InvalidCiphertextException", "", 400)


@pytest.mark.parametrize("operation", [name for name in DRY if name != "RetireGrant(token)"])
def test_dry_run_unknown_key(client: KMSClient, scene: Scene, operation: str) -> None:
    # AWS_RECORDED_FACTS.md section 1, item 6: a well-formed unknown key id.
    missing = scene._replace(key=UNKNOWN_KEY)
    assert _refused(lambda: DRY[operation](client, missing)) == (
        "NotFoundException",
        f"Key '{_arn(UNKNOWN_KEY)}' does not exist",
        400,
    )


def test_dry_run_unknown_grant(client: KMSClient, scene: Scene) -> None:
    # authspec "Grants": unknown token / well-formed unknown id.
    missing = scene._replace(token="not-a-grant-token", grant_id=UNKNOWN_GRANT_ID)
    assert _refused(lambda: DRY["RetireGrant(token)"](client, missing))[0] == (
        "InvalidGrantTokenException"
    )
    assert _refused(lambda: DRY["RetireGrant(id)"](client, missing))[0] == "NotFoundException"
    assert _refused(lambda: DRY["RevokeGrant"](client, missing))[0] == "NotFoundException"


def test_dry_run_invalid_grant_token(client: KMSClient, scene: Scene) -> None:
    # KMS_BEHAVIOUR.md section 6: a token KMS did not issue is refused, dry run or not.
    assert (
        _refused(
            lambda: client.encrypt(
                KeyId=scene.key, Plaintext=b"x", GrantTokens=["not-a-grant-token"], DryRun=True
            )
        )[0]
        == "InvalidGrantTokenException"
    )


def test_dry_run_create_grant_invalid_operation(client: KMSClient, scene: Scene) -> None:
    # KMS_BEHAVIOUR.md section 6: Sign is not an operation of a symmetric key.
    code, _, status = _refused(
        lambda: client.create_grant(
            KeyId=scene.key, GranteePrincipal=scene.grantee, Operations=["Sign"], DryRun=True
        )
    )
    assert (code, status) == ("ValidationException", 400)


# -- DryRunModifiers=["IGNORE_CIPHERTEXT"] -------------------------------------------------------
IGNORE: list[DryRunModifierTypeType] = ["IGNORE_CIPHERTEXT"]


@pytest.mark.needs_model(member="DecryptRequest.DryRunModifiers")
@pytest.mark.parametrize("blob", [b"garbage", None])
def test_ignore_ciphertext_decrypt(client: KMSClient, scene: Scene, blob: bytes | None) -> None:
    # API reference Decrypt, DryRunModifiers: IGNORE_CIPHERTEXT skips the ciphertext checks;
    # the key then comes from KeyId.
    extra: dict[str, Any] = {} if blob is None else {"CiphertextBlob": blob}
    _assert_dry_run(
        lambda: client.decrypt(KeyId=scene.key, DryRun=True, DryRunModifiers=IGNORE, **extra)
    )
    _assert_dry_run(
        lambda: client.decrypt(KeyId=scene.arn, DryRun=True, DryRunModifiers=IGNORE, **extra)
    )


@pytest.mark.needs_model(member="DecryptRequest.DryRunModifiers")
def test_ignore_ciphertext_decrypt_needs_key_id(client: KMSClient, scene: Scene) -> None:
    # authspec "DryRun": without KeyId there is no key to check -> ValidationException.
    code, _, status = _refused(
        lambda: client.decrypt(CiphertextBlob=b"garbage", DryRun=True, DryRunModifiers=IGNORE)
    )
    assert (code, status) == ("ValidationException", 400)


@pytest.mark.needs_model(member="ReEncryptRequest.DryRunModifiers")
@pytest.mark.parametrize("blob", [b"garbage", None])
def test_ignore_ciphertext_re_encrypt(client: KMSClient, scene: Scene, blob: bytes | None) -> None:
    destination = client.create_key()["KeyMetadata"]["KeyId"]
    extra: dict[str, Any] = {} if blob is None else {"CiphertextBlob": blob}
    _assert_dry_run(
        lambda: client.re_encrypt(
            SourceKeyId=scene.key,
            DestinationKeyId=destination,
            DryRun=True,
            DryRunModifiers=IGNORE,
            **extra,
        )
    )


@pytest.mark.needs_model(member="ReEncryptRequest.DryRunModifiers")
def test_ignore_ciphertext_re_encrypt_needs_source_key_id(client: KMSClient, scene: Scene) -> None:
    code, _, status = _refused(
        lambda: client.re_encrypt(
            CiphertextBlob=b"garbage",
            DestinationKeyId=scene.key,
            DryRun=True,
            DryRunModifiers=IGNORE,
        )
    )
    assert (code, status) == ("ValidationException", 400)


@pytest.mark.needs_model(member="DecryptRequest.DryRunModifiers")
@pytest.mark.needs_model(member="ReEncryptRequest.DryRunModifiers")
def test_ignore_ciphertext_still_checks_authorization(
    kms: MockKMS, client: KMSClient, scene: Scene
) -> None:
    mallory = kms.user("mallory", policy=ONLY_RE_ENCRYPT_TO)
    c = mallory.client()
    # authspec "DryRun": only the ciphertext checks are skipped.
    assert _refused(
        lambda: c.decrypt(
            CiphertextBlob=b"garbage", KeyId=scene.key, DryRun=True, DryRunModifiers=IGNORE
        )
    ) == _denied(mallory.arn, "Decrypt", scene.arn, "identity")
    assert _refused(
        lambda: c.re_encrypt(
            CiphertextBlob=b"garbage",
            SourceKeyId=scene.key,
            DestinationKeyId=scene.key,
            DryRun=True,
            DryRunModifiers=IGNORE,
        )
    ) == _denied(mallory.arn, "ReEncryptFrom", scene.arn, "identity")
    # The pair: a user whose IAM is unrestricted passes the same dry runs.
    bob = kms.user("bob").client()
    _assert_dry_run(
        lambda: bob.decrypt(
            CiphertextBlob=b"garbage", KeyId=scene.key, DryRun=True, DryRunModifiers=IGNORE
        )
    )


@pytest.mark.needs_model(member="DecryptRequest.DryRunModifiers")
@pytest.mark.needs_model(member="ReEncryptRequest.DryRunModifiers")
def test_ignore_ciphertext_still_checks_key_state(client: KMSClient, scene: Scene) -> None:
    destination = client.create_key()["KeyMetadata"]["KeyId"]
    client.disable_key(KeyId=destination)
    assert _refused(
        lambda: client.re_encrypt(
            CiphertextBlob=b"garbage",
            SourceKeyId=scene.key,
            DestinationKeyId=destination,
            DryRun=True,
            DryRunModifiers=IGNORE,
        )
    ) == ("DisabledException", f"{_arn(destination)} is disabled.", 400)
    client.disable_key(KeyId=scene.key)
    assert _refused(
        lambda: client.decrypt(
            CiphertextBlob=b"garbage", KeyId=scene.key, DryRun=True, DryRunModifiers=IGNORE
        )
    ) == ("DisabledException", f"{scene.arn} is disabled.", 400)
