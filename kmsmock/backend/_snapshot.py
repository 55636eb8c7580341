"""A mock's whole state as a JSON document (backend/_state_format.py; docs/state.md).

``dump`` writes what the backend and the principals hold. Pending events (deletions,
rotations, material expiry, replicas and connections completing) are not written: they
follow from the state (a key pending deletion is deleted at its DeletionDate), and
loading (backend/_restore.py) schedules them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives import serialization

from kmsmock.auth._principals import IdentityRegistry, Principal, Role
from kmsmock.backend._backend import Backend, Region
from kmsmock.backend._fields import b64, iso
from kmsmock.backend._grants import Grant
from kmsmock.backend._key import Key, KeyMaterial
from kmsmock.backend._key_stores import ConnectionState, KeyStore
from kmsmock.backend._keystate import KeyState
from kmsmock.backend._state_format import (
    ASYMMETRIC,
    FORMAT,
    VERSION,
    XKS_MEMBERS,
    seq_of,
)

# -- dump ------------------------------------------------------------------------------


def _live(backend: Backend, key: Key) -> bool:
    region = backend.find_region(key.account_id, key.region)
    return region is not None and region.keys.get(key.key_id) is key


def _private_der(private: Any) -> bytes:
    return bytes(
        private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _dump_version(backend: Backend, holder: Key, version: KeyMaterial) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": version.material_id_hex,
        "indexed": backend.materials.get(version.material_id) is version,
    }
    if version.external:
        record["imported"] = True
        record["expiration_model"] = version.expiration_model
        if version.valid_to is not None:
            record["valid_to"] = iso(version.valid_to)
        record["description"] = version.description
    if version.secret is not None:
        record["material"] = b64(version.secret)
    elif version.primitive is not None and version.key.key_spec in ASYMMETRIC:
        # A generated private key exists only in memory: written out, it is the same
        # key after a reload (the same public key, old signatures verify).
        record["material"] = b64(_private_der(version.primitive))
    elif version.seed is not None:
        record["derivation_seed"] = b64(version.seed)
    if version.rotation_date is not None:
        record["rotation_date"] = iso(version.rotation_date)
        record["rotation_type"] = version.rotation_type
    if version.key is not holder:
        record["owner_region"] = version.key.region
    return {k: v for k, v in record.items() if v is not None}


def _dump_ring(backend: Backend, key: Key) -> dict[str, Any]:
    ring = key.ring
    versions = ring.versions
    record: dict[str, Any] = {
        "versions": [_dump_version(backend, key, v) for v in versions],
        "current": _index(versions, ring.current),
        "pending": _index(versions, ring.pending),
    }
    rotation = ring.rotation
    if rotation is not None:
        record["rotation"] = {
            "period_days": rotation.period_days,
            "next_date": None if rotation.next_date is None else iso(rotation.next_date),
            "on_demand_count": rotation.on_demand_count,
            "on_demand_started": None
            if rotation.on_demand_started is None
            else iso(rotation.on_demand_started),
            # When the on-demand rotation under way completes, with this mock's timing.
            "completes_at": None
            if rotation.on_demand_started is None
            else iso(rotation.on_demand_started + backend.settings.on_demand_rotation_seconds),
        }
        record["rotation"] = {k: v for k, v in record["rotation"].items() if v is not None}
    return {k: v for k, v in record.items() if v is not None}


def _index(versions: Sequence[KeyMaterial], version: KeyMaterial | None) -> int | None:
    if version is None:
        return None
    for index, candidate in enumerate(versions):
        if candidate is version:
            return index
    return None


def _dump_grant(grant: Grant) -> dict[str, Any]:
    record = {
        "id": grant.grant_id,
        "name": grant.name,
        "grantee": grant.grantee,
        "retiring": grant.retiring,
        "operations": list(grant.operations),
        "equals": grant.equals,
        "subset": grant.subset,
        "creation_date": iso(grant.creation_date),
        "issuing_account": grant.issuing_account,
        "seq": grant.seq,
    }
    return {k: v for k, v in record.items() if v is not None}


def _dump_key(backend: Backend, key: Key, shared: dict[int, str], now: float) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": key.key_id,
        "account": key.account_id,
        "region": key.region,
        "seq": key.seq,
        "creation_date": iso(key.creation_date),
        "description": key.description,
        "key_spec": key.key_spec,
        "key_usage": key.key_usage,
        "origin": key.origin,
        "key_manager": key.key_manager,
        "policy": key.policy,
        "state": key.state.value,
        "deletion_date": None if key.deletion_date is None else iso(key.deletion_date),
        "pending_window_days": key.pending_window_days,
        "tags": dict(key._tags) if key._tags else None,
        "custom_key_store": key.custom_key_store_id,
        "xks_key_id": key.xks_key_id,
    }
    if key.last_used is not None:
        when, operation, request_id = key.last_used
        record["last_used"] = {"date": iso(when), "operation": operation, "request_id": request_id}
    if key.grants:
        record["grants"] = [_dump_grant(g) for g in sorted(key.grants.values(), key=seq_of)]
    mr = key.mr
    if mr is not None:
        record["multi_region"] = {"primary_region": mr.primary_region, "members": list(mr.members)}
    if key.state is KeyState.CREATING:
        # A new replica is ready this long after its creation, with this mock's timing.
        record["ready_at"] = iso(key.creation_date + backend.settings.replica_creation_seconds)
    elif key.state is KeyState.UPDATING:
        # When UpdatePrimaryRegion began is not kept; it completes at the next call.
        record["ready_at"] = iso(now)
    holder = shared.get(id(key.ring))
    if holder is not None:
        record["material"] = {"shared_with": holder}
    else:
        shared[id(key.ring)] = key.region
        record["material"] = _dump_ring(backend, key)
    return {k: v for k, v in record.items() if v is not None}


def _dump_store(store: KeyStore, region: Region, now: float) -> dict[str, Any]:
    xks = store.xks
    record: dict[str, Any] = {
        "id": store.store_id,
        "account": region.account_id,
        "region": region.name,
        "name": store.name,
        "kind": store.kind,
        "creation_date": iso(store.creation_date),
        "seq": store.seq,
        "cluster_id": store.cluster_id,
        "trust_anchor": store.trust_anchor,
        "password": store.password,
        "xks": None
        if xks is None
        else {name: getattr(xks, name) for name in XKS_MEMBERS if getattr(xks, name) is not None},
        "connection_state": store.state.value,
        "error_code": store.error_code,
        "held": {key_id: state.value for key_id, state in store.held.items()} or None,
        "connect_seconds": store.connect_seconds,
        "failure": store.failure,
        # A connection under way completes at the next call after a reload.
        "ready_at": iso(now) if store.state is ConnectionState.CONNECTING else None,
    }
    return {k: v for k, v in record.items() if v is not None}


def _access(principal: Principal) -> dict[str, Any]:
    record: dict[str, Any] = {
        "access_key_id": principal.access_key_id,
        "secret_access_key": principal.secret_access_key,
    }
    via = {
        service: {"access_key_id": p.access_key_id, "secret_access_key": p.secret_access_key}
        for service, p in principal._via.items()
    }
    if via:
        record["via"] = via
    return record


def _path_of(principal: Principal, name: str) -> str:
    # "arn:aws:iam::123456789012:user/team/alice" -> "/team/"
    resource = principal.arn.split(":", 5)[5]
    return resource[resource.index("/") : len(resource) - len(name)]


def _dump_principals(identities: IdentityRegistry) -> dict[str, Any]:
    roots = [{"account": r.account_id, **_access(r)} for r in identities._roots.values()]
    users: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    for principal in identities._by_arn.values():
        name: str = getattr(principal, "name", "")
        record: dict[str, Any] = {
            "name": name,
            "account": principal.account_id,
            "path": _path_of(principal, name),
            "policies": principal.policies,
        }
        if isinstance(principal, Role):
            record["sessions"] = [
                {"name": session.session_name, "session_token": session.session_token}
                | _access(session)
                for session in principal._sessions.values()
            ]
            roles.append(record)
        else:
            users.append(record | _access(principal))
    return {"roots": roots, "users": users, "roles": roles}


def dump(backend: Backend, identities: IdentityRegistry) -> dict[str, Any]:
    """The state as a JSON-ready document (the caller holds the backend's lock)."""
    now = backend.clock.now()
    backend.expire(now)
    keys: list[dict[str, Any]] = []
    aliases: list[dict[str, Any]] = []
    stores: list[dict[str, Any]] = []
    tokens: dict[str, Any] = {}
    referenced: dict[int, Key] = {}
    shared: dict[int, str] = {}
    for account in backend.accounts.values():
        for region in account.regions.values():
            for key in sorted(region.keys.values(), key=seq_of):
                keys.append(_dump_key(backend, key, shared, now))
                referenced.update((id(v.key), v.key) for v in key.ring.versions)
            aliases.extend(
                {
                    "name": alias.name,
                    "target": alias.target_key_id,
                    "account": region.account_id,
                    "region": region.name,
                    "creation_date": iso(alias.creation_date),
                    "last_updated_date": iso(alias.last_updated_date),
                    "seq": alias.seq,
                }
                for alias in sorted(region.aliases.values(), key=seq_of)
            )
            stores.extend(
                _dump_store(s, region, now) for s in sorted(region.key_stores.values(), key=seq_of)
            )
    # Deleted keys whose material still names them: a ciphertext of a deleted key is
    # recognised (and refused as such), and members of a multi-Region key may share it.
    deleted: dict[int, Key] = {id(k): k for k in referenced.values() if not _live(backend, k)}
    in_rings = {id(v) for k in referenced.values() if _live(backend, k) for v in k.ring.versions}
    orphans: dict[int, list[KeyMaterial]] = {}
    for material in backend.materials.values():
        owner = material.key
        if id(material) in in_rings or _live(backend, owner):
            continue
        deleted.setdefault(id(owner), owner)
        orphans.setdefault(id(owner), []).append(material)
    deleted_keys = []
    for key in sorted(deleted.values(), key=lambda k: (k.account_id, k.region, k.key_id)):
        record: dict[str, Any] = {
            "id": key.key_id,
            "account": key.account_id,
            "region": key.region,
            "key_spec": key.key_spec,
            "key_usage": key.key_usage,
            "origin": key.origin,
            "multi_region": key.mr is not None,
        }
        versions = [_dump_version(backend, key, m) for m in orphans.get(id(key), [])]
        if versions:
            record["versions"] = versions
        deleted_keys.append(record)
    for token, grant in backend.grant_tokens.items():
        tokens[token] = {"key": grant.key.arn, "grant_id": grant.grant_id}
    return {
        "format": FORMAT,
        "version": VERSION,
        "clock": {"offset_seconds": backend.clock._offset, "saved_at": iso(now)},
        "master_secret": b64(backend.master_secret),
        "keys": keys,
        "deleted_keys": deleted_keys,
        "aliases": aliases,
        "custom_key_stores": stores,
        "grant_tokens": tokens,
        "principals": _dump_principals(identities),
    }
