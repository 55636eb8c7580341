"""Key management: create, describe, list, enable, disable, delete, describe."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kmsmock._dispatch import operation
from kmsmock._gaps import NotYetImplemented
from kmsmock.auth._authorize import authorize_iam
from kmsmock.backend._arn import key_arn
from kmsmock.backend._key import Key, MultiRegion, Ring
from kmsmock.backend._key_stores import hide_if_disconnected, hold
from kmsmock.backend._keystate import KeyState
from kmsmock.backend._rotation import resume as resume_rotation
from kmsmock.errors import ValidationException
from kmsmock.operations._key_store_placement import place_key, store_for_new_key
from kmsmock.operations._key_type import in_china, not_in_region
from kmsmock.operations._metadata import key_metadata
from kmsmock.operations._pagination import page_by_seq
from kmsmock.operations._request import Request
from kmsmock.operations._tags import merged_tags
from kmsmock.operations.policies import checked_policy

_DAY = 86400.0

# KeyUsage values each KeySpec allows (reference section 2).
USAGES: dict[str, frozenset[str]] = {
    "SYMMETRIC_DEFAULT": frozenset({"ENCRYPT_DECRYPT"}),
    "RSA_2048": frozenset({"ENCRYPT_DECRYPT", "SIGN_VERIFY"}),
    "RSA_3072": frozenset({"ENCRYPT_DECRYPT", "SIGN_VERIFY"}),
    "RSA_4096": frozenset({"ENCRYPT_DECRYPT", "SIGN_VERIFY"}),
    "ECC_NIST_P256": frozenset({"SIGN_VERIFY", "KEY_AGREEMENT"}),
    "ECC_NIST_P384": frozenset({"SIGN_VERIFY", "KEY_AGREEMENT"}),
    "ECC_NIST_P521": frozenset({"SIGN_VERIFY", "KEY_AGREEMENT"}),
    "ECC_SECG_P256K1": frozenset({"SIGN_VERIFY"}),
    "ECC_NIST_EDWARDS25519": frozenset({"SIGN_VERIFY"}),
    "HMAC_224": frozenset({"GENERATE_VERIFY_MAC"}),
    "HMAC_256": frozenset({"GENERATE_VERIFY_MAC"}),
    "HMAC_384": frozenset({"GENERATE_VERIFY_MAC"}),
    "HMAC_512": frozenset({"GENERATE_VERIFY_MAC"}),
    "SM2": frozenset({"ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"}),
    "ML_DSA_44": frozenset({"SIGN_VERIFY"}),
    "ML_DSA_65": frozenset({"SIGN_VERIFY"}),
    "ML_DSA_87": frozenset({"SIGN_VERIFY"}),
    # No ML_KEM_512: the installed cryptography has no ML-KEM-512, so CreateKey names
    # it as not yet simulated.
    "ML_KEM_768": frozenset({"ENCAPSULATE_DECAPSULATE"}),
    "ML_KEM_1024": frozenset({"ENCAPSULATE_DECAPSULATE"}),
}


@operation("CreateKey")
def create_key(
    req: Request,
    *,
    policy: str | None = None,
    description: str | None = None,
    key_usage: str | None = None,
    customer_master_key_spec: str | None = None,
    key_spec: str | None = None,
    origin: str | None = None,
    custom_key_store_id: str | None = None,
    bypass_policy_lockout_safety_check: bool | None = None,
    tags: Sequence[Mapping[str, str]] | None = None,
    multi_region: bool | None = None,
    xks_key_id: str | None = None,
) -> dict[str, Any]:
    authorize_iam(req, "CreateKey")
    if tags:
        # CreateKey's Tags need kms:TagResource too; AWS names no resource in that refusal.
        authorize_iam(req, "TagResource", name_resource=False)
    if key_spec is not None and customer_master_key_spec is not None:
        raise ValidationException(
            "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. "
            "CustomerMasterKeySpec is deprecated."
        )
    spec = key_spec or customer_master_key_spec or "SYMMETRIC_DEFAULT"
    if key_usage is None:
        if spec != "SYMMETRIC_DEFAULT":
            raise ValidationException(
                "You must specify a KeyUsage value for all KMS keys except for symmetric "
                "encryption keys."
            )
        key_usage = "ENCRYPT_DECRYPT"
    if spec not in USAGES:
        # A key spec newer than the reference kmsmock was built from.
        raise NotYetImplemented(f"CreateKey with KeySpec {spec}")
    if key_usage not in USAGES[spec]:
        raise ValidationException(f"KeyUsage {key_usage} is not compatible with KeySpec {spec}")
    if spec == "SM2" and not in_china(req.region_name):
        # SM2 exists only in the China Regions (model docs).
        raise not_in_region("KeySpec", spec)
    origin = origin or "AWS_KMS"
    store = store_for_new_key(
        req,
        origin=origin,
        custom_key_store_id=custom_key_store_id,
        xks_key_id=xks_key_id,
        key_spec=spec,
        multi_region=multi_region,
    )
    declared = None
    new_id = None
    if tags and req.backend.settings.localstack_tags:
        # Imported for the option only (with declared keys' code): a first CreateKey
        # need not load them.
        from kmsmock.operations._localstack import custom_id

        if store is not None:
            raise ValidationException(
                "kmsmock: LocalStack's key tags do not apply to keys in custom key stores."
            )
        new_id = custom_id(req, tags, bool(multi_region))
    # A multi-Region key's id names it in every region it is replicated to.
    new_id = new_id or req.backend.new_key_id(bool(multi_region))
    if tags and req.backend.settings.localstack_tags:
        from kmsmock.operations._localstack import custom_material

        tags, declared = custom_material(req, tags, key_id=new_id, key_spec=spec, origin=origin)
    key_tags = merged_tags(None, tags) if tags else None
    stored = None
    if policy is not None:
        # Checked against the key about to exist: its account, region and attributes.
        provisional = Key(
            key_id=new_id,
            account_id=req.account_id,
            region=req.region_name,
            seq=0,
            creation_date=req.now,
            key_usage=key_usage,
            key_spec=spec,
            origin=origin,
        )
        if multi_region:
            provisional.mr = MultiRegion(provisional)
        provisional.tags = key_tags
        stored = checked_policy(req, policy, provisional, bypass_policy_lockout_safety_check)
    key = req.backend.create_key(
        req.region,
        description=description or "",
        key_usage=key_usage,
        key_spec=spec,
        origin=origin,
        policy=stored,
        key_id=new_id,
        # Declared material replaces what the key would otherwise generate.
        ring=None if declared is None else Ring(),
    )
    if declared is not None:
        from kmsmock.backend._declare_material import install_material

        install_material(req.backend, key, declared)
        if origin == "EXTERNAL":
            key.enter(KeyState.ENABLED)
    if multi_region:
        key.mr = MultiRegion(key)
    key.tags = key_tags
    if store is not None:
        place_key(key, store, xks_key_id)
    return {"KeyMetadata": key_metadata(key)}


@operation("DescribeKey")
def describe_key(
    req: Request, *, key_id: str, grant_tokens: Sequence[str] | None = None
) -> dict[str, Any]:
    return {"KeyMetadata": key_metadata(req.key(key_id))}


def _key_seq(key: Key) -> int:
    return key.seq


@operation("ListKeys")
def list_keys(
    req: Request,
    *,
    limit: int | None = None,
    marker: str | None = None,
    resource_owners: Sequence[str] | None = None,
) -> dict[str, Any]:
    authorize_iam(req, "ListKeys")
    if resource_owners and "SELF" not in resource_owners:
        # OTHER_ACCOUNTS_VIA_RAM alone: kmsmock simulates no Resource Access Manager, so
        # no account has shared a key with the caller's.
        return {"Keys": [], "Truncated": False}
    # Every key listed shares the caller's account and region, so their ARNs share this.
    prefix = key_arn(req.region_name, req.account_id, "")
    chunk, next_marker = page_by_seq(
        "keys",
        req.region.key_listing().page,
        _key_seq,
        limit,
        marker,
        default=100,
        maximum=1000,
    )
    return {
        "Keys": [{"KeyId": key.key_id, "KeyArn": prefix + key.key_id} for key in chunk],
        "NextMarker": next_marker,
        "Truncated": next_marker is not None,
    }


@operation("UpdateKeyDescription")
def update_key_description(req: Request, *, key_id: str, description: str) -> None:
    req.key(key_id).description = description


@operation("EnableKey")
def enable_key(req: Request, *, key_id: str) -> None:
    key = req.key(key_id)
    if key.state is KeyState.DISABLED:
        key.enter(KeyState.ENABLED)
        # Automatic rotation paused while the key was disabled; catch up if it is due.
        resume_rotation(req.backend, key, req.now)
    elif key.state is KeyState.UNAVAILABLE:
        # Takes effect when its custom key store reconnects (reference 4, footnote 12).
        hold(key, KeyState.ENABLED)


@operation("DisableKey")
def disable_key(req: Request, *, key_id: str) -> None:
    key = req.key(key_id)
    if key.state is KeyState.ENABLED:
        key.enter(KeyState.DISABLED)
    elif key.state is KeyState.UNAVAILABLE:
        hold(key, KeyState.DISABLED)


@operation("ScheduleKeyDeletion")
def schedule_key_deletion(
    req: Request, *, key_id: str, pending_window_in_days: int | None = None
) -> dict[str, Any]:
    key = req.key(key_id)
    days = 30 if pending_window_in_days is None else pending_window_in_days
    if not 7 <= days <= 30:
        # AWS's text is not recorded; this is the one LocalStack reproduces.
        raise ValidationException(
            f"PendingWindowInDays should be between 7 and 30, but it is {days}"
        )
    key.pending_window_days = days
    if key.mr is not None and key.mr.primary is key and key.mr.replicas:
        # A primary outlives its replicas: its window starts when the last one is
        # deleted (Backend.delete_key), so there is no DeletionDate yet (reference 4).
        key.enter(KeyState.PENDING_REPLICA_DELETION)
        return {"KeyId": key.arn, "KeyState": key.state.value, "PendingWindowInDays": days}
    key.enter(KeyState.PENDING_DELETION)
    key.deletion_date = req.now + days * _DAY
    req.backend.schedule_deletion(key)
    return {
        "KeyId": key.arn,
        "DeletionDate": key.deletion_date,
        "KeyState": key.state.value,
        "PendingWindowInDays": days,
    }


@operation("CancelKeyDeletion")
def cancel_key_deletion(req: Request, *, key_id: str) -> dict[str, Any]:
    key = req.key(key_id)
    # A key whose imported material is gone waits for it again rather than being
    # Disabled (AWS does not say; Disabled would claim the key could be enabled).
    missing = key.origin == "EXTERNAL" and not key.ring.all_imported()
    key.enter(KeyState.PENDING_IMPORT if missing else KeyState.DISABLED)
    key.deletion_date = None
    key.pending_window_days = None
    if key.custom_key_store_id is not None:
        # In a disconnected custom key store it is Unavailable until the store connects.
        hide_if_disconnected(key)
    return {"KeyId": key.arn}
