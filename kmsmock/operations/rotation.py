"""Key rotation: automatic, on demand, and its listing (reference section 8).

Every handler takes its key through ``req.key`` (resolve, authorize, key state) and only
then checks what kind of key it is: AWS answers a disabled RSA key's RotateKeyOnDemand
with DisabledException, not UnsupportedOperationException (reference section 4).
"""

from __future__ import annotations

from typing import Any

from kmsmock._dispatch import operation
from kmsmock.backend._key import Key, KeyMaterial
from kmsmock.backend._keystate import KeyState
from kmsmock.backend._rotation import (
    disable_rotation,
    enable_rotation,
    pending_everywhere,
    start_on_demand,
)
from kmsmock.errors import (
    ConflictException,
    KMSInvalidStateException,
    LimitExceededException,
    UnsupportedOperationException,
)
from kmsmock.operations._key_type import origin_refused
from kmsmock.operations._pagination import page_by_seq, seq_slice
from kmsmock.operations._request import Request

_DEFAULT_PERIOD_DAYS = 365
# ConflictException's model doc: "an automatic rotation of this key is currently in
# progress or scheduled to begin within the next 20 minutes".
_CONFLICT_WINDOW = 20 * 60.0
_PENDING_DELETION = frozenset({KeyState.PENDING_DELETION, KeyState.PENDING_REPLICA_DELETION})


def _check_rotatable(key: Key, *, imported_ok: bool) -> None:
    """Refuse the keys that have no rotation: asymmetric and HMAC keys, keys in a custom
    key store, and (for automatic rotation) keys of imported material."""
    if key.key_spec != "SYMMETRIC_DEFAULT":
        # Recorded for RSA with an empty message; kmsmock sends it for every such key.
        raise UnsupportedOperationException("")
    if key.custom_key_store_id is not None:
        raise origin_refused(key)
    if key.origin == "EXTERNAL" and not imported_ok:
        raise origin_refused(key)


def _check_configurable(key: Key) -> None:
    """What only the primary of a rotation may do (the docs: "set the property on the
    primary key"). AWS managed keys never get here: their key policy refuses."""
    if key.mr is not None and key.mr.members.get(key.mr.primary_region) is not key:
        # AWS's text for ReplicateKey on a replica (AWS_RECORDED_FACTS 3.20), reused.
        raise UnsupportedOperationException(f"{key.arn} is not a multi-region primary key.")


@operation("EnableKeyRotation")
def enable_key_rotation(
    req: Request, *, key_id: str, rotation_period_in_days: int | None = None
) -> None:
    key = req.key(key_id)
    _check_rotatable(key, imported_ok=False)
    _check_configurable(key)
    # The model range (90-2560) is AWS's rule too, enforced by the codec already.
    days = _DEFAULT_PERIOD_DAYS if rotation_period_in_days is None else rotation_period_in_days
    rotation = key.ring.rotation
    if rotation is not None and rotation.period_days == days:
        # Repeating the call keeps the schedule: a retry must not postpone rotation.
        return
    # First enabling, or a new period: the next rotation is one period from now.
    enable_rotation(req.backend, key, days, req.now)


@operation("DisableKeyRotation")
def disable_key_rotation(req: Request, *, key_id: str) -> None:
    key = req.key(key_id)
    _check_rotatable(key, imported_ok=False)
    _check_configurable(key)
    disable_rotation(key)


@operation("GetKeyRotationStatus")
def get_key_rotation_status(req: Request, *, key_id: str) -> dict[str, Any]:
    key = req.key(key_id)
    # Imported keys rotate on demand since 2025, and a field test shows this call
    # reporting such a rotation in progress; a key waiting for its material is refused
    # as the key-state table says (footnote 6).
    _check_rotatable(key, imported_ok=key.state is not KeyState.PENDING_IMPORT)
    rotation = key.ring.rotation
    # The recording masks KeyId, but it matched RotateKeyOnDemand's KeyId, an ARN.
    result: dict[str, Any] = {"KeyId": key.arn, "KeyRotationEnabled": False}
    if rotation is None:
        return result
    # Pending deletion reports false and keeps the setting for CancelKeyDeletion (model doc).
    if rotation.period_days is not None and key.state not in _PENDING_DELETION:
        result["KeyRotationEnabled"] = True
        result["RotationPeriodInDays"] = rotation.period_days
        result["NextRotationDate"] = rotation.next_date
    if rotation.on_demand_started is not None:
        result["OnDemandRotationStartDate"] = rotation.on_demand_started
    return result


@operation("RotateKeyOnDemand")
def rotate_key_on_demand(req: Request, *, key_id: str) -> dict[str, Any]:
    key = req.key(key_id)
    _check_rotatable(key, imported_ok=True)
    _check_configurable(key)
    ring = key.ring
    if key.origin == "EXTERNAL" and not pending_everywhere(key):
        # Recorded (2025-11): imported keys rotate to material imported as NEW_KEY_MATERIAL.
        # kmsmock also answers so while a multi-Region key's replicas lack that material
        # (its state is then PENDING_MULTI_REGION_IMPORT_AND_ROTATION, not pending rotation).
        raise KMSInvalidStateException(
            f"No available key material pending rotation for the key: {key.arn}."
        )
    rotation = ring.rotation
    now = req.now
    limit = req.backend.settings.on_demand_rotation_limit
    if rotation is not None and rotation.on_demand_count >= limit:
        # Recorded text, without a final period.
        raise LimitExceededException(
            "The on-demand rotations limit has been reached for the given keyId. "
            f"No more on-demand rotations can be performed for this key: {key.arn}"
        )
    if rotation is not None and rotation.on_demand_started is not None:
        # kmsmock's text; AWS's is not recorded.
        raise ConflictException(
            f"An on-demand rotation is already in progress for the key: {key.arn}."
        )
    if (
        rotation is not None
        and rotation.period_days is not None
        and rotation.next_date is not None
        and rotation.next_date - now <= _CONFLICT_WINDOW
    ):
        # kmsmock's text for the model's documented case.
        raise ConflictException(
            "An automatic rotation is scheduled to begin within the next 20 minutes "
            f"for the key: {key.arn}."
        )
    start_on_demand(req.backend, key, now, req.backend.settings.on_demand_rotation_seconds)
    return {"KeyId": key.arn}


def _entry(key: Key, material: KeyMaterial) -> dict[str, Any]:
    ring = key.ring
    entry: dict[str, Any] = {
        # The guide's example lists the key id, not the ARN.
        "KeyId": key.key_id,
        "KeyMaterialId": material.material_id_hex,
        "KeyMaterialState": ring.state_of(material),
    }
    if material is ring.pending and not pending_everywhere(key):
        entry["KeyMaterialState"] = "PENDING_MULTI_REGION_IMPORT_AND_ROTATION"
    if material.rotation_date is not None:
        entry["RotationDate"] = material.rotation_date
        entry["RotationType"] = material.rotation_type
    if key.origin == "EXTERNAL":
        # "only present for symmetric encryption KMS keys with EXTERNAL origin".
        if material.description is not None:
            entry["KeyMaterialDescription"] = material.description
        imported = material.secret is not None
        entry["ImportState"] = "IMPORTED" if imported else "PENDING_IMPORT"
        if imported and material.expiration_model is not None:
            entry["ExpirationModel"] = material.expiration_model
            if material.expiration_model == "KEY_MATERIAL_EXPIRES" and material.valid_to:
                entry["ValidTo"] = material.valid_to
    return entry


def _index(item: tuple[int, KeyMaterial]) -> int:
    return item[0]


@operation("ListKeyRotations")
def list_key_rotations(
    req: Request,
    *,
    key_id: str,
    include_key_material: str | None = None,
    limit: int | None = None,
    marker: str | None = None,
) -> dict[str, Any]:
    key = req.key(key_id)
    _check_rotatable(key, imported_ok=True)
    ring = key.ring
    versions = list(ring.versions)
    if ring.pending is not None and ring.pending not in versions:
        versions.append(ring.pending)
    # Oldest first, as the guide's examples list them; a version's position in the ring
    # never changes, so it is a stable page boundary.
    numbered = list(enumerate(versions))
    if include_key_material != "ALL_KEY_MATERIAL":
        # ROTATIONS_ONLY: the versions a rotation made current.
        numbered = [(i, m) for i, m in numbered if m.rotation_date is not None]
    chunk, next_marker = page_by_seq(
        f"rotations:{key.key_id}",
        seq_slice(numbered, _index),
        _index,
        limit,
        marker,
        default=100,
        maximum=1000,
    )
    result: dict[str, Any] = {
        "Rotations": [_entry(key, material) for _, material in chunk],
        "Truncated": next_marker is not None,
    }
    if next_marker is not None:
        result["NextMarker"] = next_marker
    return result
