"""A saved state document back into a backend and its principals (docs/state.md).

``load`` fills a new, empty backend and registry from a document, checking every member
on the way, so that a damaged document fails before the caller swaps anything in; it
schedules again what the state has pending (a key pending deletion is deleted at its
DeletionDate, a rotation happens at its date).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kmsmock.auth._principals import IdentityRegistry, Principal
from kmsmock.backend._arn import is_account_id, is_key_id, is_region, parse_arn
from kmsmock.backend._backend import EXPIRY, REPLICA, Alias, Backend, Region
from kmsmock.backend._fields import Obj, StateError
from kmsmock.backend._grants import Grant
from kmsmock.backend._key import ImportedMaterial, Key, KeyMaterial, MultiRegion, Ring, Rotation
from kmsmock.backend._key_stores import CONNECTION_ERRORS, ConnectionState, KeyStore, XksProxy
from kmsmock.backend._keystate import KeyState
from kmsmock.backend._rotation import _schedule as schedule_rotation
from kmsmock.backend._rotation import resume, rotate
from kmsmock.backend._state_format import (
    ACCESS_MEMBERS,
    ALIAS_MEMBERS,
    ASYMMETRIC,
    DELETED_MEMBERS,
    GRANT_MEMBERS,
    KEY_MEMBERS,
    NO_EXPIRY,
    ORIGINS,
    PRINCIPAL_MEMBERS,
    RING_MEMBERS,
    ROTATION_MEMBERS,
    SESSION_MEMBERS,
    SPECS,
    STORE_MEMBERS,
    TOP_MEMBERS,
    VERSION_MEMBERS,
    XKS_MEMBERS,
    check_format,
    seq_of,
)


class _Loader:
    """Fills an empty backend and registry; the caller drops both if anything fails."""

    def __init__(
        self, backend: Backend, identities: IdentityRegistry, account: str, region: str
    ) -> None:
        self.backend = backend
        self.identities = identities
        self.account = account
        self.region = region
        self.keys: dict[tuple[str, str, str], Key] = {}
        self.deleted: dict[tuple[str, str, str], Key] = {}
        self.stores: dict[tuple[str, str, str], KeyStore] = {}
        self.max_seq = 0
        # Actions to schedule once everything is built: (when, order, action).
        self.events: list[tuple[float, int, Callable[[float], None]]] = []

    # -- places ----------------------------------------------------------------------

    def place(self, obj: Obj) -> tuple[str, str]:
        account = obj.text("account", self.account)
        region = obj.text("region", self.region)
        if not is_account_id(account):
            raise StateError(f"{obj.at('account')}: an account id is 12 digits: {account!r}")
        if not is_region(region):
            raise StateError(f"{obj.at('region')}: not a region name: {region!r}")
        return account, region

    def seq(self, obj: Obj) -> int:
        value = obj.integer("seq", None)
        if value is None:
            return self.backend.next_seq()
        if value < 1:
            raise StateError(f"{obj.at('seq')}: must be positive")
        self.max_seq = max(self.max_seq, value)
        return int(value)

    # -- keys ------------------------------------------------------------------------

    def key(self, where: str, value: object) -> tuple[Key, Obj]:
        obj = Obj(value, where, KEY_MEMBERS)
        account, region = self.place(obj)
        key_id = obj.text("id")
        if not is_key_id(key_id):
            raise StateError(f"{obj.at('id')}: not a KMS key id: {key_id!r}")
        spec = obj.choice("key_spec", SPECS, "SYMMETRIC_DEFAULT")
        usage = obj.choice("key_usage", SPECS[spec], SPECS[spec][0])
        origin = obj.choice("origin", ORIGINS, "AWS_KMS")
        if (account, region, key_id) in self.keys:
            raise StateError(f"{where}: a second key {key_id} in {account} {region}")
        key = Key(
            key_id=key_id,
            account_id=account,
            region=region,
            seq=self.seq(obj),
            creation_date=obj.time("creation_date", self.backend.clock.now()),
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
        self.keys[account, region, key_id] = key
        return key, obj

    def store_of(self, key: Key, obj: Obj) -> None:
        store_id = obj.text("custom_key_store", None)
        if store_id is None:
            return
        store = self.stores.get((key.account_id, key.region, store_id))
        if store is None:
            raise StateError(f"{obj.at('custom_key_store')}: no custom key store {store_id}")
        key.key_store = store

    def multi_region(self, key: Key, obj: Obj, sets: dict[tuple[str, str], MultiRegion]) -> None:
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
                member = self.keys.get((key.account_id, region, key.key_id))
                if member is None:
                    raise StateError(
                        f"{obj.at('multi_region')}: no member {key.key_id} in {region}"
                    )
                found.members[region] = member
        elif list(found.members) != members or found.primary_region != primary:
            raise StateError(f"{obj.at('multi_region')}: members disagree with another member's")
        key.mr = found

    def ring(self, key: Key, obj: Obj) -> None:
        value = obj.get("material", None)
        ring = key.ring
        if value is None or isinstance(value, str):
            self.declared(key, obj, value)
        else:
            spec = Obj(value, obj.at("material"), RING_MEMBERS)
            holder = spec.text("shared_with", None)
            if holder is not None:
                other = self.keys.get((key.account_id, holder, key.key_id))
                if other is None or key.mr is None or other.mr is not key.mr:
                    raise StateError(
                        f"{spec.at('shared_with')}: no member of this key in {holder!r}"
                    )
                if not other.ring.versions and other.ring.rotation is None:
                    raise StateError(f"{spec.at('shared_with')}: names a key sharing in turn")
                key.ring = other.ring
                return
            for where, item in spec.items("versions"):
                ring.add(self.version(key, where, item))
            ring.current = self.pick(ring, spec, "current")
            ring.pending = self.pick(ring, spec, "pending")
            rotation = spec.child("rotation", ROTATION_MEMBERS)
            if rotation is not None:
                self.rotation(key, rotation)
        if key.key_manager == "AWS" and ring.rotation is None:
            # The yearly rotation of an AWS managed key, from its creation.
            ring.rotation = Rotation()
            ring.rotation.period_days = 365
            ring.rotation.next_date = key.creation_date + 365 * 86400.0

    def pick(self, ring: Ring, spec: Obj, name: str) -> KeyMaterial | None:
        index = spec.integer(name, None)
        if index is None:
            return None
        if not 0 <= index < len(ring.versions):
            raise StateError(f"{spec.at(name)}: no version {index}")
        version: KeyMaterial = ring.versions[index]
        return version

    def rotation(self, key: Key, spec: Obj) -> None:
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
            self.events.append((completes, 1, self.on_demand(key, rotation)))

    def on_demand(self, key: Key, rotation: Rotation) -> Callable[[float], None]:
        started, ring, pending = rotation.on_demand_started, key.ring, key.ring.pending
        backend = self.backend

        def complete(scheduled: float) -> None:
            # As backend/_rotation.start_on_demand's completion.
            if rotation.on_demand_started != started:
                return
            rotation.on_demand_started = None
            if key.origin == "EXTERNAL" and (pending is None or ring.pending is not pending):
                return
            rotate(backend, key, "ON_DEMAND", scheduled)

        return complete

    def version(self, key: Key, where: str, value: object) -> KeyMaterial:
        obj = Obj(value, where, VERSION_MEMBERS)
        mid = obj.hex("id")
        if len(mid) != 32:
            raise StateError(f"{obj.at('id')}: a material id is 32 bytes (64 hex digits)")
        owner = key
        owner_region = obj.text("owner_region", None)
        if owner_region is not None and owner_region != key.region:
            place = (key.account_id, owner_region, key.key_id)
            found = self.keys.get(place) or self.deleted.get(place)
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
                self.events.append((imported.valid_to, EXPIRY, self.expiry(key, imported)))
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
            if mid in self.backend.materials:
                raise StateError(f"{obj.at('id')}: material {mid.hex()} indexed twice")
            self.backend.materials[mid] = version
        return version

    def expiry(self, key: Key, version: ImportedMaterial) -> Callable[[float], None]:
        from kmsmock.operations.imports import _remove

        def expire(scheduled: float) -> None:
            # As operations/imports._schedule_expiry's.
            if (
                version.secret is not None
                and version.valid_to == scheduled
                and version in key.ring.versions
            ):
                _remove(self.backend, key, version)

        return expire

    def declared(self, key: Key, obj: Obj, text: str | None) -> None:
        """A seed's key: its material given (base64 of the raw key or of a DER PKCS#8
        private key, or PEM text), or none. Either way it is the material, and the
        KeyMaterialId, that ``kms.add_key`` gives the same key (backend/_declare.py), so
        the key is the same key in every mock that declares it."""
        from kmsmock.backend._declare import Declared, _material, install_material

        where = obj.at("material")
        material: bytes | str | None = text
        if text is not None and not text.lstrip().startswith("-----BEGIN"):
            material = obj.data("material")
        declared = Declared()
        declared.region = self.backend.region(key.account_id, key.region)
        declared.key_id = key.key_id
        declared.key_spec = key.key_spec
        declared.origin = key.origin
        try:
            _material(declared, material)
        except (TypeError, ValueError) as error:
            raise StateError(f"{where}: {error}") from None
        install_material(self.backend, key, declared)

    def grants(self, key: Key, obj: Obj) -> dict[str, Grant]:
        grants: dict[str, Grant] = {}
        for where, value in obj.items("grants"):
            spec = Obj(value, where, GRANT_MEMBERS)
            grant = Grant(
                key=key,
                grant_id=spec.text("id"),
                name=spec.text("name", None),
                grantee=spec.text("grantee"),
                retiring=spec.text("retiring", None),
                operations=tuple(spec.strings("operations")),
                equals=spec.mapping("equals", None),
                subset=spec.mapping("subset", None),
                creation_date=spec.time("creation_date", key.creation_date),
                issuing_account=spec.text("issuing_account", f"arn:aws:iam::{key.account_id}:root"),
                seq=self.seq(spec),
            )
            if grant.grant_id in grants:
                raise StateError(f"{where}: a second grant {grant.grant_id}")
            grants[grant.grant_id] = grant
        return grants

    # -- the rest --------------------------------------------------------------------

    def store(self, where: str, value: object) -> tuple[Region, KeyStore]:
        obj = Obj(value, where, STORE_MEMBERS)
        account, region_name = self.place(obj)
        kind = obj.choice("kind", CONNECTION_ERRORS)
        xks_spec = obj.child("xks", XKS_MEMBERS)
        xks = None
        if xks_spec is not None:
            xks = XksProxy(
                connectivity=xks_spec.text("connectivity"),
                uri_endpoint=xks_spec.text("uri_endpoint"),
                uri_path=xks_spec.text("uri_path"),
                access_key_id=xks_spec.text("access_key_id"),
                secret_access_key=xks_spec.text("secret_access_key"),
                vpc_endpoint_service_name=xks_spec.text("vpc_endpoint_service_name", None),
                vpc_endpoint_service_owner=xks_spec.text("vpc_endpoint_service_owner", None),
            )
        store = KeyStore(
            store_id=obj.text("id"),
            name=obj.text("name"),
            kind=kind,
            creation_date=obj.time("creation_date", self.backend.clock.now()),
            seq=self.seq(obj),
            cluster_id=obj.text("cluster_id", None),
            trust_anchor=obj.text("trust_anchor", None),
            password=obj.text("password", None),
            xks=xks,
        )
        state = obj.choice("connection_state", [s.value for s in ConnectionState], "DISCONNECTED")
        store.state = ConnectionState(state)
        store.error_code = obj.choice("error_code", CONNECTION_ERRORS[kind], None)
        held = obj.mapping("held", {})
        states = {s.value for s in KeyState}
        for key_id, held_state in held.items():
            if held_state not in states:
                raise StateError(f"{obj.at('held')}: {held_state!r} is not a key state")
            store.held[key_id] = KeyState(held_state)
        store.connect_seconds = float(obj.number("connect_seconds", 0.0))
        store.fail_connections(obj.choice("failure", CONNECTION_ERRORS[kind], None))
        region = self.backend.region(account, region_name)
        if (account, region_name, store.store_id) in self.stores:
            raise StateError(f"{where}: a second custom key store {store.store_id}")
        self.stores[account, region_name, store.store_id] = store
        if store.state is ConnectionState.CONNECTING:
            attempt = store.begin_connecting()
            when = obj.time("ready_at", self.backend.clock.now())

            def finish(_: float) -> None:
                if region.key_stores.get(store.store_id) is store:
                    keys = [k for k in region.keys.values() if k.key_store is store]
                    store.finish_connecting(attempt, keys)

            self.events.append((when, REPLICA, finish))
        return region, store

    def tombstone(self, where: str, value: object) -> tuple[Key, Obj]:
        obj = Obj(value, where, DELETED_MEMBERS)
        account, region = self.place(obj)
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
        if (account, region, key_id) in self.keys or (account, region, key_id) in self.deleted:
            raise StateError(f"{where}: key {key_id} in {account} {region} is listed twice")
        self.deleted[account, region, key_id] = key
        return key, obj

    def principals(self, obj: Obj) -> None:
        identities = self.identities
        spec = obj.child("principals", ("roots", "users", "roles"))
        if spec is None:
            return
        try:
            for where, value in spec.items("roots"):
                item = Obj(value, where, ("account", *ACCESS_MEMBERS, "via"))
                self.rekey(identities.root(item.text("account", self.account)), item)
            for where, value in spec.items("users"):
                item = Obj(value, where, PRINCIPAL_MEMBERS)
                user = identities.user(
                    item.text("name"),
                    account=item.text("account", self.account),
                    path=item.text("path", "/"),
                    policy=self.policies(item),
                )
                self.rekey(user, item)
            for where, value in spec.items("roles"):
                item = Obj(value, where, (*PRINCIPAL_MEMBERS, "sessions"))
                role = identities.role(
                    item.text("name"),
                    account=item.text("account", self.account),
                    path=item.text("path", "/"),
                    policy=self.policies(item),
                )
                for inner, session_value in item.items("sessions"):
                    session_spec = Obj(session_value, inner, SESSION_MEMBERS)
                    session = role.session(session_spec.text("name"))
                    self.rekey(session, session_spec)
        except StateError:
            raise
        except (TypeError, ValueError) as error:
            raise StateError(f"{spec.where}: {error}") from None

    def policies(self, item: Obj) -> list[Any] | None:
        documents = item.get("policies", [])
        if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
            raise StateError(f"{item.at('policies')}: expected a list of policy documents")
        return documents or None

    def rekey(self, principal: Principal, item: Obj) -> None:
        """Give a principal its saved access key (a new one is made if none is given)."""
        registry = self.identities
        access_key_id = item.text("access_key_id", None)
        if access_key_id is not None:
            taken = registry._by_access_key.get(access_key_id)
            if taken is not None and taken is not principal:
                raise StateError(f"{item.at('access_key_id')}: held by {taken.arn} too")
            if registry._by_access_key.get(principal.access_key_id) is principal:
                del registry._by_access_key[principal.access_key_id]
            principal.access_key_id = access_key_id
            registry.register(principal)
        principal.secret_access_key = item.text("secret_access_key", principal.secret_access_key)
        if principal.session_token is not None:
            principal.session_token = item.text("session_token", principal.session_token)
        via = item.get("via", {})
        if not isinstance(via, dict):
            raise StateError(f"{item.at('via')}: expected an object of services")
        for service, access in via.items():
            self.rekey(
                principal.via(service), Obj(access, f"{item.at('via')}.{service}", ACCESS_MEMBERS)
            )


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


def load(
    document: object,
    backend: Backend,
    identities: IdentityRegistry,
    *,
    account: str,
    region: str,
) -> None:
    """Fill the new, empty ``backend`` and ``identities`` from ``document``.

    ``account`` and ``region`` are where items that name none go (a seed file's keys).
    StateError for anything wrong; the caller then drops both.
    """
    check_format(document)
    top = Obj(document, "state", TOP_MEMBERS)
    loader = _Loader(backend, identities, account, region)
    secret = top.data("master_secret", None)
    if secret is not None:
        if len(secret) != 32:
            raise StateError("state.master_secret: must be 32 bytes")
        backend.master_secret = secret
    clock = top.child("clock", ("offset_seconds", "saved_at"))
    if clock is not None:
        offset = clock.number("offset_seconds", 0.0)
        backend.clock._offset = offset
    # Custom key stores first: keys name them.
    stores = sorted((loader.store(w, v) for w, v in top.items("custom_key_stores")), key=_by_seq)
    for region_state, store in stores:
        region_state.key_stores[store.store_id] = store
    # Keys, then what refers to keys.
    parsed = [loader.key(w, v) for w, v in top.items("keys")]
    tombstones = [loader.tombstone(w, v) for w, v in top.items("deleted_keys")]
    sets: dict[tuple[str, str], MultiRegion] = {}
    for key, obj in parsed:
        loader.store_of(key, obj)
        loader.multi_region(key, obj, sets)
    for key, obj in tombstones:
        if obj.flag("multi_region", False):
            found = sets.get((key.account_id, key.key_id))
            if found is None:
                # Every member is gone: a set of none, as deleting them left it.
                found = MultiRegion(key)
                found.members.clear()
            key.mr = found
    # Rings: those of their own first, then those shared with another member.
    for key, obj in sorted(parsed, key=lambda p: _shares(p[1])):
        loader.ring(key, obj)
    for key, obj in tombstones:
        for where, value in obj.items("versions"):
            key.ring.add(loader.version(key, where, value))
    for key, obj in sorted(parsed, key=lambda p: p[0].seq):
        target = backend.region(key.account_id, key.region)
        target.keys[key.key_id] = key
        grants = loader.grants(key, obj)
        if grants:
            key.grants = dict(sorted(grants.items(), key=lambda g: g[1].seq))
            for grant in key.grants.values():
                if grant.retiring is not None:
                    target.file_retirable(grant)
        for where, name in obj.items("aliases"):
            _alias_name(name, where)
            _add_alias(target, name, key.key_id, key.creation_date, backend.next_seq(), where)
    for where, value in top.items("aliases"):
        alias_spec = Obj(value, where, ALIAS_MEMBERS)
        alias_account, alias_region = loader.place(alias_spec)
        name = _alias_name(alias_spec.get("name"), alias_spec.at("name"))
        target_id = alias_spec.text("target")
        target = backend.region(alias_account, alias_region)
        if target_id not in target.keys:
            raise StateError(f"{alias_spec.at('target')}: no key {target_id} for {name}")
        created = alias_spec.time("creation_date", target.keys[target_id].creation_date)
        alias = _add_alias(target, name, target_id, created, loader.seq(alias_spec), where)
        alias.last_updated_date = alias_spec.time("last_updated_date", created)
    _sort_aliases(backend)
    _grant_tokens(top, loader)
    _events(loader, parsed)
    loader.principals(top)
    _check_stores(loader)
    after = max(loader.max_seq + 1, backend.next_seq())
    backend._seq = itertools.count(after)


def _by_seq(pair: tuple[Region, KeyStore]) -> int:
    return pair[1].seq


def _shares(obj: Obj) -> bool:
    material = obj.value.get("material")
    return isinstance(material, dict) and material.get("shared_with") is not None


def _alias_name(name: object, where: str) -> str:
    if not isinstance(name, str) or not name.startswith("alias/") or name == "alias/":
        raise StateError(f"{where}: an alias name starts with alias/: {name!r}")
    return name


def _add_alias(region: Region, name: str, key_id: str, now: float, seq: int, where: str) -> Alias:
    if name in region.aliases:
        raise StateError(f"{where}: a second alias {name} in {region.account_id} {region.name}")
    alias = region.aliases[name] = Alias(name, key_id, now, seq)
    return alias


def _sort_aliases(backend: Backend) -> None:
    # Listing indexes need each region's aliases in creation (sequence) order.
    for account in backend.accounts.values():
        for region in account.regions.values():
            ordered = sorted(region.aliases.values(), key=seq_of)
            region.aliases.clear()
            region.aliases.update((a.name, a) for a in ordered)


def _grant_tokens(top: Obj, loader: _Loader) -> None:
    tokens = top.get("grant_tokens", {})
    if not isinstance(tokens, dict):
        raise StateError("state.grant_tokens: expected an object of tokens")
    for token, value in tokens.items():
        spec = Obj(value, f"state.grant_tokens[{token!r}]", ("key", "grant_id"))
        arn = parse_arn(spec.text("key"))
        if arn is None or arn.kind != "key":
            raise StateError(f"{spec.at('key')}: not a key ARN")
        grant_id = spec.text("grant_id")
        place = (arn.account, arn.region, arn.resource)
        key = loader.keys.get(place)
        grant = None if key is None or key.grants is None else key.grants.get(grant_id)
        if grant is None:
            # A token of a grant retired, revoked or deleted with its key: KMS still
            # recognises it, and says the grant is gone.
            holder = key or loader.deleted.get(place) or _stub(arn.account, arn.region, place[2])
            grant = Grant(
                key=holder,
                grant_id=grant_id,
                name=None,
                grantee="",
                retiring=None,
                operations=(),
                equals=None,
                subset=None,
                creation_date=0.0,
                issuing_account="",
                seq=0,
            )
        loader.backend.grant_tokens[token] = grant


def _stub(account: str, region: str, key_id: str) -> Key:
    return Key(key_id=key_id, account_id=account, region=region, seq=0, creation_date=0.0)


def _events(loader: _Loader, parsed: Iterable[tuple[Key, Obj]]) -> None:
    """Schedule again what the saved state has pending."""
    backend = loader.backend
    rings: set[int] = set()
    for key, obj in parsed:
        if key.state is KeyState.PENDING_DELETION:
            backend.schedule_deletion(key)
        rotation = key.ring.rotation
        # Once per ring: members of a multi-Region key share theirs, and the scheduled
        # rotation finds the primary when it falls due.
        if rotation is not None and rotation.next_date is not None and id(key.ring) not in rings:
            rings.add(id(key.ring))
            schedule_rotation(backend, key, rotation.next_date)
        if key.state in (KeyState.CREATING, KeyState.UPDATING):
            when = obj.time("ready_at", backend.clock.now())
            backend.schedule(when, REPLICA, _ready(backend, key))
    for when, order, action in loader.events:
        backend.schedule(when, order, action)


def _ready(backend: Backend, key: Key) -> Callable[[float], None]:
    creating = key.state is KeyState.CREATING
    ready = KeyState.PENDING_IMPORT if key.origin == "EXTERNAL" else KeyState.ENABLED

    def done(when: float) -> None:
        # A new replica becomes usable; an UpdatePrimaryRegion completes (both keys
        # were Enabled, the only state it starts from).
        if creating and key.state is KeyState.CREATING:
            key.enter(ready)
        elif not creating and key.state is KeyState.UPDATING:
            key.enter(KeyState.ENABLED)
            resume(backend, key, when)

    return done


def _check_stores(loader: _Loader) -> None:
    for (account, region, store_id), store in loader.stores.items():
        for key_id in store.held:
            key = loader.keys.get((account, region, key_id))
            if key is None or key.key_store is not store:
                raise StateError(
                    f"custom key store {store_id}: holds the state of {key_id}, "
                    "which is not one of its keys"
                )
