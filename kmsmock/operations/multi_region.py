"""Multi-Region keys: replication and the primary Region (reference section 10).

A replica is a key of its own in its region (description, policy, grants, aliases,
tags and key state are its own) that shares the primary's id, spec, usage, origin and,
for generated material, the primary's ``Ring``: material versions and rotation.
Both operations take a moment on AWS; the mock finishes them at
``settings.replica_creation_seconds`` after the call (the next moment by default).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kmsmock._dispatch import operation
from kmsmock.auth._authorize import authorize_iam
from kmsmock.backend._arn import key_arn, partition
from kmsmock.backend._backend import REPLICA
from kmsmock.backend._key import Key, Ring
from kmsmock.backend._keystate import KeyState
from kmsmock.backend._rotation import resume as resume_rotation
from kmsmock.errors import (
    AlreadyExistsException,
    NotFoundException,
    UnsupportedOperationException,
    ValidationException,
)
from kmsmock.operations._metadata import key_metadata
from kmsmock.operations._request import Request
from kmsmock.operations._tags import merged_tags
from kmsmock.operations.policies import checked_policy, policy_text

# AWS's text, as CloudFormation users quoted it (pulumi/pulumi-aws-native#184,
# aws/aws-cdk#21203).
ONE_REPLICA_PER_REGION = "You can create only one replica of each primary key in each AWS Region."


def _not_primary(key: Key) -> UnsupportedOperationException:
    # Recorded for a replica (AWS_RECORDED_FACTS 3.20); kmsmock uses it for a
    # single-Region key too, whose text is not recorded.
    return UnsupportedOperationException(f"{key.arn} is not a multi-region primary key.")


def _primary(req: Request, key_id: str) -> Key:
    """The multi-Region primary ``key_id`` names: resolved, authorized, state-checked."""
    key = req.key(key_id)
    if key.mr is None or key.mr.primary is not key:
        raise _not_primary(key)
    return key


def _replica_request(req: Request, region: str) -> Request:
    """The caller's request as seen in ``region``: the IAM half of ReplicateKey
    (kms:CreateKey, kms:TagResource) is decided there, so aws:RequestedRegion names it."""
    return Request(
        req.backend,
        req.principal,
        region,
        req.operation,
        req.args,
        req.identities,
        request_id=req.request_id,
    )


@operation("ReplicateKey")
def replicate_key(
    req: Request,
    *,
    key_id: str,
    replica_region: str,
    policy: str | None = None,
    bypass_policy_lockout_safety_check: bool | None = None,
    description: str | None = None,
    tags: Sequence[Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    primary = _primary(req, key_id)
    mr = primary.mr
    assert mr is not None
    if partition(replica_region) != partition(primary.region):
        # AWS's text is not recorded; the model says "the same partition".
        raise ValidationException(
            f"Replica region {replica_region} is not in the partition of {primary.region}."
        )
    remote = _replica_request(req, replica_region)
    authorize_iam(remote, "CreateKey")
    if tags:
        # As for CreateKey: AWS names no resource in that refusal.
        authorize_iam(remote, "TagResource", name_resource=False)
    if replica_region in mr.members:
        # The primary's own region counts: it already holds a member of this key.
        raise AlreadyExistsException(ONE_REPLICA_PER_REGION)
    replica_tags = merged_tags(None, tags) if tags else None
    stored = None
    if policy is not None:
        # Checked against the replica about to exist, as CreateKey checks its key.
        provisional = Key(
            key_id=primary.key_id,
            account_id=primary.account_id,
            region=replica_region,
            seq=0,
            creation_date=req.now,
            key_usage=primary.key_usage,
            key_spec=primary.key_spec,
            origin=primary.origin,
        )
        provisional.mr = mr
        provisional.tags = replica_tags
        stored = checked_policy(req, policy, provisional, bypass_policy_lockout_safety_check)
    external = primary.origin == "EXTERNAL"
    backend = req.backend
    replica = backend.create_key(
        remote.region,
        description=description or "",
        key_usage=primary.key_usage,
        key_spec=primary.key_spec,
        origin=primary.origin,
        policy=stored,
        key_id=primary.key_id,
        # Imported material is not replicated: the replica gets the same material by
        # its own import (model: "the replica key is created with no key material").
        ring=Ring() if external else primary.ring,
    )
    replica.enter(KeyState.CREATING)
    replica.mr = mr
    mr.members[replica_region] = replica
    replica.tags = replica_tags
    ready = KeyState.PENDING_IMPORT if external else KeyState.ENABLED

    def created(_: float) -> None:
        # A replica scheduled for deletion meanwhile keeps that state.
        if replica.state is KeyState.CREATING:
            replica.enter(ready)

    backend.schedule(req.now + backend.settings.replica_creation_seconds, REPLICA, created)
    result: dict[str, Any] = {
        "ReplicaKeyMetadata": key_metadata(replica),
        "ReplicaPolicy": policy_text(replica),
    }
    if replica_tags is not None:
        result["ReplicaTags"] = [{"TagKey": k, "TagValue": v} for k, v in replica_tags.items()]
    return result


@operation("UpdatePrimaryRegion")
def update_primary_region(req: Request, *, key_id: str, primary_region: str) -> None:
    primary = _primary(req, key_id)
    mr = primary.mr
    assert mr is not None
    if primary_region == primary.region:
        # AWS's answer is not recorded; kmsmock takes it as already done.
        return
    replica = mr.members.get(primary_region)
    if replica is None:
        # The NotFound text of a key missing in that region (reference section 1).
        arn = key_arn(primary_region, primary.account_id, primary.key_id)
        raise NotFoundException(f"Key '{arn}' does not exist")
    # kms:UpdatePrimaryRegion on both keys, each under its own policy and state.
    req.check(replica)
    mr.primary_region = primary_region
    # Both keys are Updating until the change completes, then back to their state.
    # A key already Updating (a second change under way) is restored by the first.
    restore = {k: k.state for k in (primary, replica) if k.state is not KeyState.UPDATING}
    for key in restore:
        key.enter(KeyState.UPDATING)

    def updated(when: float) -> None:
        for key, state in restore.items():
            if key.state is KeyState.UPDATING:
                key.enter(state)
                # Automatic rotation waits while the primary is not Enabled; one that
                # fell due meanwhile happens now (resume ignores a replica).
                resume_rotation(backend, key, when)

    backend = req.backend
    backend.schedule(req.now + backend.settings.replica_creation_seconds, REPLICA, updated)
