"""Keys from a saved state document (docs/state.md): live keys and deleted ones, their
custom key store and multi-Region set, and their rings of material versions (rotations,
imported material and its expiry, a seed's declared material), each checked on the way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kmsmock.backend._arn import is_key_id
from kmsmock.backend._backend import EXPIRY
from kmsmock.backend._fields import Obj, StateError
from kmsmock.backend._key import ImportedMaterial, Key, KeyMaterial, MultiRegion, Ring, Rotation
from kmsmock.backend._keystate import KeyState
from kmsmock.backend._rotation import on_demand_completion
from kmsmock.backend._state_format import (
    ASYMMETRIC,
    DELETED_MEMBERS,
    KEY_MEMBERS,
    NO_EXPIRY,
    ORIGINS,
    RING_MEMBERS,
    ROTATION_MEMBERS,
    SPECS,
    VERSION_MEMBERS,
)

if TYPE_CHECKING:
    from kmsmock.backend._restore import _Loader


def load_key(loader: _Loader, where: str, value: object) -> tuple[Key, Obj]:
    obj = Obj(value, where, KEY_MEMBERS)
    account, region = loader.place(obj)
    key_id = obj.text("id")
    if not is_key_id(key_id):
        raise StateError(f"{obj.at('id')}: not a KMS key id: {key_id!r}")
    spec = obj.choice("key_spec", SPECS, "SYMMETRIC_DEFAULT")
    usage = obj.choice("key_usage", SPECS[spec], SPECS[spec][0])
    origin = obj.choice("origin", ORIGINS, "AWS_KMS")
    if (account, region, key_id) in loader.keys:
        raise StateError(f"{where}: a second key {key_id} in {account} {region}")
    key = Key(
        key_id=key_id,
        account_id=account,
        region=region,
        seq=loader.seq(obj),
        creation_date=obj.time("creation_date", loader.backend.clock.now()),
        description=obj.text("description", ""),
        key_usage=usage,
        key_spec=spec,
        origin=origin,
        key_manager=obj.choice("key_manager", ("CUSTOMER", "AWS"), "CUSTOMER"),
        policy=_policy(obj),
    )
    # A key of imported material declared without it waits for it, as CreateKey's.
    waiting = origin == "EXTERNAL" and obj.get("material", None) is None
    default_state = "PendingImport" if waiting else "Enabled"
    key.enter(KeyState(obj.choice("state", [s.value for s in KeyState], default_state)))
    key.deletion_date = obj.time("deletion_date", None)
    if key.state is KeyState.PENDING_DELETION and key.deletion_date is None:
        raise StateError(f"{obj.at('deletion_date')}: missing for a key pending deletion")
    days = obj.integer("pending_window_days", None)
    key.pending_window_days = None if days is None else int(days)
    tags = obj.mapping("tags", None)
    key.tags = None if tags is None else dict(tags)
    key.xks_key_id = obj.text("xks_key_id", None)
    used = obj.child("last_used", ("date", "operation", "request_id"))
    if used is not None:
        key.last_used = (used.time("date"), used.text("operation"), used.text("request_id"))
    loader.keys[account, region, key_id] = key
    return key, obj


def link_store(loader: _Loader, key: Key, obj: Obj) -> None:
    store_id = obj.text("custom_key_store", None)
    if store_id is None:
        return
    store = loader.stores.get((key.account_id, key.region, store_id))
    if store is None:
        raise StateError(f"{obj.at('custom_key_store')}: no custom key store {store_id}")
    key.key_store = store


def link_multi_region(
    loader: _Loader, key: Key, obj: Obj, sets: dict[tuple[str, str], MultiRegion]
) -> None:
    spec = obj.child("multi_region", ("primary_region", "members"))
    if spec is None:
        if key.key_id.startswith("mrk-"):
            raise StateError(f"{obj.at('id')}: an mrk- id is a multi-Region key's")
        return
    if not key.key_id.startswith("mrk-"):
        raise StateError(f"{obj.at('multi_region')}: a multi-Region key's id starts mrk-")
    primary = spec.text("primary_region")
    members = spec.strings("members")
    if key.region not in members or primary not in members:
        raise StateError(f"{obj.at('multi_region')}: members must list the key's region")
    found = sets.get((key.account_id, key.key_id))
    if found is None:
        found = sets[key.account_id, key.key_id] = MultiRegion(key)
        found.members.clear()
        found.primary_region = primary
        for region in members:
            member = loader.keys.get((key.account_id, region, key.key_id))
            if member is None:
                raise StateError(f"{obj.at('multi_region')}: no member {key.key_id} in {region}")
            found.members[region] = member
    elif list(found.members) != members or found.primary_region != primary:
        raise StateError(f"{obj.at('multi_region')}: members disagree with another member's")
    key.mr = found


def load_ring(loader: _Loader, key: Key, obj: Obj) -> None:
    value = obj.get("material", None)
    ring = key.ring
    if value is None or isinstance(value, str):
        _declared(loader, key, obj, value)
    else:
        spec = Obj(value, obj.at("material"), RING_MEMBERS)
        holder = spec.text("shared_with", None)
        if holder is not None:
            other = loader.keys.get((key.account_id, holder, key.key_id))
            if other is None or key.mr is None or other.mr is not key.mr:
                raise StateError(f"{spec.at('shared_with')}: no member of this key in {holder!r}")
            if not other.ring.versions and other.ring.rotation is None:
                raise StateError(f"{spec.at('shared_with')}: names a key sharing in turn")
            key.ring = other.ring
            return
        for where, item in spec.items("versions"):
            ring.add(load_version(loader, key, where, item))
        ring.current = _pick(ring, spec, "current")
        ring.pending = _pick(ring, spec, "pending")
        rotation = spec.child("rotation", ROTATION_MEMBERS)
        if rotation is not None:
            _rotation(loader, key, rotation)
    if key.key_manager == "AWS" and ring.rotation is None:
        # The yearly rotation of an AWS managed key, from its creation.
        ring.rotation = Rotation()
        ring.rotation.period_days = 365
        ring.rotation.next_date = key.creation_date + 365 * 86400.0


def _pick(ring: Ring, spec: Obj, name: str) -> KeyMaterial | None:
    index = spec.integer(name, None)
    if index is None:
        return None
    if not 0 <= index < len(ring.versions):
        raise StateError(f"{spec.at(name)}: no version {index}")
    version: KeyMaterial = ring.versions[index]
    return version


def _rotation(loader: _Loader, key: Key, spec: Obj) -> None:
    rotation = key.ring.rotation = Rotation()
    period = spec.integer("period_days", None)
    rotation.period_days = None if period is None else int(period)
    rotation.next_date = spec.time("next_date", None)
    if (rotation.period_days is None) != (rotation.next_date is None):
        raise StateError(f"{spec.where}: give both period_days and next_date, or neither")
    rotation.on_demand_count = int(spec.integer("on_demand_count", 0))
    rotation.on_demand_started = spec.time("on_demand_started", None)
    if rotation.on_demand_started is not None:
        completes = spec.time("completes_at", rotation.on_demand_started)
        loader.events.append((completes, 1, on_demand_completion(loader.backend, key, rotation)))


def load_version(loader: _Loader, key: Key, where: str, value: object) -> KeyMaterial:
    obj = Obj(value, where, VERSION_MEMBERS)
    mid = obj.hex("id")
    if len(mid) != 32:
        raise StateError(f"{obj.at('id')}: a material id is 32 bytes (64 hex digits)")
    owner = key
    owner_region = obj.text("owner_region", None)
    if owner_region is not None and owner_region != key.region:
        place = (key.account_id, owner_region, key.key_id)
        found = loader.keys.get(place) or loader.deleted.get(place)
        if found is None:
            raise StateError(f"{obj.at('owner_region')}: no key {key.key_id} there")
        owner = found
    secret = obj.data("material", None)
    private = None
    if secret is not None:
        secret, private = _checked(key.key_spec, secret, obj.at("material"))
    version: KeyMaterial
    if obj.flag("imported", False):
        imported = ImportedMaterial(owner, mid, b"")
        imported.secret = secret
        imported.expiration_model = obj.choice(
            "expiration_model", ("KEY_MATERIAL_EXPIRES", NO_EXPIRY), NO_EXPIRY
        )
        imported.valid_to = obj.time("valid_to", None)
        imported.description = obj.text("description", None)
        if imported.valid_to is not None and secret is not None:
            loader.events.append((imported.valid_to, EXPIRY, _expiry(loader, key, imported)))
        version = imported
    else:
        version = KeyMaterial(owner, mid, secret=secret)
        seed = obj.data("derivation_seed", None)
        if seed is not None:
            version.seed = seed
    # Parsed already: kept, as the first use would keep it.
    version.primitive = private
    version.rotation_type = obj.choice("rotation_type", ("AUTOMATIC", "ON_DEMAND"), None)
    # A rotated version whose date is not known rotated when the key was made.
    rotated = key.creation_date if version.rotation_type is not None else None
    version.rotation_date = obj.time("rotation_date", rotated)
    indexed = key.key_spec == "SYMMETRIC_DEFAULT" or version.external
    if obj.flag("indexed", indexed):
        if mid in loader.backend.materials:
            raise StateError(f"{obj.at('id')}: material {mid.hex()} indexed twice")
        loader.backend.materials[mid] = version
    return version


def _expiry(loader: _Loader, key: Key, version: ImportedMaterial) -> Callable[[float], None]:
    from kmsmock.operations.imports import _remove

    def expire(scheduled: float) -> None:
        # As operations/imports._schedule_expiry's.
        if (
            version.secret is not None
            and version.valid_to == scheduled
            and version in key.ring.versions
        ):
            _remove(loader.backend, key, version)

    return expire


def _declared(loader: _Loader, key: Key, obj: Obj, text: str | None) -> None:
    """A seed's key: its material given (base64 of the raw key or of a DER PKCS#8
    private key, or PEM text), or none. Either way it is the material, and the
    KeyMaterialId, that ``kms.add_key`` gives the same key (backend/_declare_material.py),
    so the key is the same key in every mock that declares it."""
    from kmsmock.backend._declare_material import Declared, _material, install_material

    where = obj.at("material")
    material: bytes | str | None = text
    if text is not None and not text.lstrip().startswith("-----BEGIN"):
        material = obj.data("material")
    declared = Declared()
    declared.region = loader.backend.region(key.account_id, key.region)
    declared.key_id = key.key_id
    declared.key_spec = key.key_spec
    declared.origin = key.origin
    try:
        _material(declared, material)
    except (TypeError, ValueError) as error:
        raise StateError(f"{where}: {error}") from None
    install_material(loader.backend, key, declared)


def load_tombstone(loader: _Loader, where: str, value: object) -> tuple[Key, Obj]:
    obj = Obj(value, where, DELETED_MEMBERS)
    account, region = loader.place(obj)
    key_id = obj.text("id")
    spec = obj.choice("key_spec", SPECS, "SYMMETRIC_DEFAULT")
    key = Key(
        key_id=key_id,
        account_id=account,
        region=region,
        seq=0,
        creation_date=0.0,
        key_spec=spec,
        key_usage=obj.choice("key_usage", SPECS[spec], SPECS[spec][0]),
        origin=obj.choice("origin", ORIGINS, "AWS_KMS"),
    )
    if (account, region, key_id) in loader.keys or (account, region, key_id) in loader.deleted:
        raise StateError(f"{where}: key {key_id} in {account} {region} is listed twice")
    loader.deleted[account, region, key_id] = key
    return key, obj


def _policy(obj: Obj) -> str | None:
    """A key policy: its JSON text, or (in a seed) the document itself."""
    policy = obj.get("policy", None)
    if policy is None:
        return None
    if isinstance(policy, dict):
        return json.dumps(policy, indent=2)
    if not isinstance(policy, str):
        raise StateError(f"{obj.at('policy')}: expected a policy document or its JSON text")
    try:
        document = json.loads(policy)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise StateError(f"{obj.at('policy')}: not the JSON text of a policy document")
    return policy


def _checked(key_spec: str, material: bytes, where: str) -> tuple[bytes, Any]:
    """Material for ``key_spec`` and, for an asymmetric key, its private key object;
    StateError if the spec can't take it. Checked here, not at first use, so that a
    damaged file is refused whole."""
    from kmsmock.crypto._wrapping import HMAC_BYTES, SYMMETRIC_BYTES

    if key_spec not in ASYMMETRIC:
        low, high = HMAC_BYTES.get(key_spec, (SYMMETRIC_BYTES, SYMMETRIC_BYTES))
        if not low <= len(material) <= high:
            size = f"{low}" if low == high else f"{low} to {high}"
            raise StateError(f"{where}: {key_spec} material is {size} bytes, not {len(material)}")
        return material, None
    try:
        # The key was checked when it was made; RSA's own check costs ~0.5 s a key.
        private = serialization.load_der_private_key(
            material, password=None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise StateError(f"{where}: not a DER PKCS#8 private key ({error})") from None
    if _spec_of(private) not in (key_spec, None):
        raise StateError(f"{where}: a {_spec_of(private)} private key, not {key_spec}")
    return material, private


def _spec_of(private: Any) -> str | None:
    """The key spec of an RSA, EC or Ed25519 private key (None for other kinds)."""
    if isinstance(private, rsa.RSAPrivateKey):
        return f"RSA_{private.key_size}"
    if isinstance(private, ec.EllipticCurvePrivateKey):
        names = {"secp256r1": "P256", "secp384r1": "P384", "secp521r1": "P521"}
        if private.curve.name == "secp256k1":
            return "ECC_SECG_P256K1"
        return f"ECC_NIST_{names.get(private.curve.name, private.curve.name)}"
    if isinstance(private, ed25519.Ed25519PrivateKey):
        return "ECC_NIST_EDWARDS25519"
    return None
