"""A saved state document back into a backend and its principals (docs/state.md).

``load`` fills a new, empty backend and registry from a document, checking every member
on the way, so that a damaged document fails before the caller swaps anything in; it
schedules again what the state has pending (a key pending deletion is deleted at its
DeletionDate, a rotation happens at its date).

Here: the loader (what is built so far, where an item goes, sequence numbers), ``load``
itself, aliases, and the scheduling of what is pending. Keys and their material are read
in _restore_keys.py, grants and principals in _restore_access.py, custom key stores in
_restore_stores.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from kmsmock.auth._principals import IdentityRegistry
from kmsmock.backend._arn import is_account_id, is_region
from kmsmock.backend._backend import REPLICA, Alias, Backend, Region
from kmsmock.backend._fields import Obj, StateError
from kmsmock.backend._key import Key, MultiRegion
from kmsmock.backend._key_stores import KeyStore
from kmsmock.backend._keystate import KeyState
from kmsmock.backend._restore_access import load_grant_tokens, load_grants, load_principals
from kmsmock.backend._restore_keys import (
    link_multi_region,
    link_store,
    load_key,
    load_ring,
    load_tombstone,
    load_version,
)
from kmsmock.backend._restore_stores import check_stores, load_store
from kmsmock.backend._rotation import _schedule as schedule_rotation
from kmsmock.backend._rotation import resume
from kmsmock.backend._state_format import ALIAS_MEMBERS, TOP_MEMBERS, check_format, seq_of


class _Loader:
    """Fills an empty backend and registry; the caller drops both if anything fails.

    What is built so far, read by the functions of _restore_keys.py, _restore_access.py
    and _restore_stores.py, which take the loader."""

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
    stores = sorted(
        (load_store(loader, w, v) for w, v in top.items("custom_key_stores")), key=_by_seq
    )
    for region_state, store in stores:
        region_state.key_stores[store.store_id] = store
    # Keys, then what refers to keys.
    parsed = [load_key(loader, w, v) for w, v in top.items("keys")]
    tombstones = [load_tombstone(loader, w, v) for w, v in top.items("deleted_keys")]
    sets: dict[tuple[str, str], MultiRegion] = {}
    for key, obj in parsed:
        link_store(loader, key, obj)
        link_multi_region(loader, key, obj, sets)
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
        load_ring(loader, key, obj)
    for key, obj in tombstones:
        for where, value in obj.items("versions"):
            key.ring.add(load_version(loader, key, where, value))
    for key, obj in sorted(parsed, key=lambda p: p[0].seq):
        target = backend.region(key.account_id, key.region)
        target.keys[key.key_id] = key
        grants = load_grants(loader, key, obj)
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
    load_grant_tokens(top, loader)
    _events(loader, parsed)
    load_principals(loader, top)
    check_stores(loader)
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
