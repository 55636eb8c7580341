"""Key rotation in the backend: the automatic schedule and making a new version current.

Rotation state lives on the key's ring, so the members of a multi-Region key share it
(reference section 10): enabling it on the primary makes the replicas follow.
"""

from __future__ import annotations

from collections.abc import Callable

from kmsmock.backend._backend import ROTATION, Backend
from kmsmock.backend._key import Key, KeyMaterial, Rotation
from kmsmock.backend._keystate import KeyState

DAY = 86400.0
_ROTATING = frozenset({KeyState.ENABLED, KeyState.UPDATING})


def _owner(key: Key) -> Key | None:
    """The key whose state decides whether the ring rotates: the primary of a
    multi-Region key (it may have changed since the schedule was made), else the key."""
    if key.mr is None:
        return key
    return key.mr.members.get(key.mr.primary_region)


def _rotates_now(backend: Backend, key: Key) -> bool:
    """Whether automatic rotation may happen now; a disabled key or one pending
    deletion pauses it (AWS: "KMS does not rotate" such keys). Updating is the brief
    state of UpdatePrimaryRegion, in which the key is still in use: no pause."""
    if key.state not in _ROTATING:
        return False
    # A deleted key is gone from its region; its stale events do nothing.
    return backend.region(key.account_id, key.region).keys.get(key.key_id) is key


def enable_rotation(backend: Backend, key: Key, period_days: int, now: float) -> None:
    """Turn automatic rotation on (or change its period): the first rotation comes one
    period from ``now`` (reference section 8)."""
    rotation = key.ring.rotation
    if rotation is None:
        rotation = key.ring.rotation = Rotation()
    rotation.period_days = period_days
    rotation.next_date = now + period_days * DAY
    _schedule(backend, key, rotation.next_date)


def disable_rotation(key: Key) -> None:
    """Turn automatic rotation off; the scheduled event becomes stale."""
    rotation = key.ring.rotation
    if rotation is not None:
        rotation.period_days = None
        rotation.next_date = None


def _schedule(backend: Backend, key: Key, when: float) -> None:
    ring = key.ring

    def rotate_automatically(scheduled: float) -> None:
        rotation = ring.rotation
        if rotation is None or rotation.period_days is None or rotation.next_date != scheduled:
            return  # disabled or rescheduled since
        owner = _owner(key)
        if owner is None or not _rotates_now(backend, owner):
            return  # paused: ``resume`` catches up when the key is enabled again
        rotate(backend, owner, "AUTOMATIC", scheduled)
        rotation.next_date = scheduled + rotation.period_days * DAY
        # Scheduled from here, so a clock jump across several periods rotates once per
        # period, each with its own date (``Backend.expire`` runs what becomes due).
        _schedule(backend, owner, rotation.next_date)

    backend.schedule(when, ROTATION, rotate_automatically)


def resume(backend: Backend, key: Key, now: float) -> None:
    """Called when a key becomes Enabled again: a rotation missed while it was paused
    happens at once, and the next one a period later (AWS: "if the key material is
    more than 365 days old, AWS KMS rotates it immediately and every 365 days
    thereafter"). A rotation date still ahead needs nothing: its event is pending."""
    rotation = key.ring.rotation
    if rotation is None or rotation.period_days is None or rotation.next_date is None:
        return
    if rotation.next_date > now or _owner(key) is not key:
        return
    rotate(backend, key, "AUTOMATIC", now)
    rotation.next_date = now + rotation.period_days * DAY
    _schedule(backend, key, rotation.next_date)


def rotate(backend: Backend, key: Key, rotation_type: str, when: float) -> KeyMaterial:
    """Make a new material version current, rotated at ``when`` by ``rotation_type``
    (AUTOMATIC or ON_DEMAND).

    A key of imported material (origin EXTERNAL) cannot generate material: its new
    version is the one imported with ImportType NEW_KEY_MATERIAL, pending rotation;
    the caller checks that there is one.
    """
    if key.origin == "EXTERNAL":
        material = key.ring.pending
        if material is None:
            raise LookupError(f"kmsmock: {key.arn} has no key material pending rotation")
        # Each member of an imported multi-Region key has its own ring, holding its own
        # copy of the material: they rotate together (the caller checked they all can).
        members = key.mr.members.values() if key.mr is not None else [key]
        for member in members:
            copy = member.ring.pending
            if copy is not None and copy.material_id == material.material_id:
                member.ring.pending = None
                copy.rotation_date = when
                copy.rotation_type = rotation_type
                member.ring.current = copy
        return material
    return backend.add_material(key, rotation_type=rotation_type, rotation_date=when)


def pending_everywhere(key: Key) -> bool:
    """Whether the material pending rotation in an imported key is also pending in every
    replica (else it is PENDING_MULTI_REGION_IMPORT_AND_ROTATION, model doc)."""
    pending = key.ring.pending
    if pending is None or key.mr is None:
        return pending is not None
    for member in key.mr.members.values():
        copy = member.ring.pending
        if copy is None or copy.material_id != pending.material_id:
            return False
    return True


def start_on_demand(backend: Backend, key: Key, now: float, seconds: float) -> None:
    """Begin an on-demand rotation, which completes ``seconds`` later (AWS takes about a
    minute, AWS_RECORDED_FACTS section 4); its RotationDate is the completion time, as
    ListKeyRotations documents ("Date and time that the key material rotation
    completed"). With 0 seconds it completes before the next call is answered."""
    ring = key.ring
    rotation = ring.rotation
    if rotation is None:
        rotation = ring.rotation = Rotation()
    rotation.on_demand_count += 1
    rotation.on_demand_started = now
    backend.schedule(now + seconds, ROTATION, on_demand_completion(backend, key, rotation))


def on_demand_completion(backend: Backend, key: Key, rotation: Rotation) -> Callable[[float], None]:
    """What completes the on-demand rotation of ``key`` under way now (started at
    ``rotation.on_demand_started``), when its time comes; a reloaded state schedules it
    too."""
    started, ring = rotation.on_demand_started, key.ring
    # An imported key rotates to the material pending now; if that is deleted before
    # the rotation completes, the rotation has nothing to make current and lapses.
    pending = ring.pending

    def complete(scheduled: float) -> None:
        if rotation.on_demand_started != started:
            return
        rotation.on_demand_started = None
        if key.origin == "EXTERNAL" and (pending is None or ring.pending is not pending):
            return
        rotate(backend, key, "ON_DEMAND", scheduled)

    return complete
