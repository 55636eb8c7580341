"""Backend -> Account -> Region: the simulated state of one mock activation."""

from __future__ import annotations

import bisect
import hashlib
import heapq
import hmac
import itertools
import os
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from kmsmock._faults import Faults
from kmsmock.backend._arn import alias_arn
from kmsmock.backend._clock import Clock
from kmsmock.backend._grants import Grant
from kmsmock.backend._journal import DEFAULT_LIMIT, Journal
from kmsmock.backend._key import Key, KeyMaterial, Ring
from kmsmock.backend._keystate import KeyState
from kmsmock.backend._ordered import Ordered
from kmsmock.backend._random import seed_bytes, stream
from kmsmock.backend._settings import Settings

if TYPE_CHECKING:
    from kmsmock.backend._key_stores import KeyStore

# What falls due when time moves happens in this order among events due at the same
# moment (issue 4): deletions, automatic rotations, material expiry, replicas ready.
DELETION, ROTATION, EXPIRY, REPLICA = range(4)
# An event's action, given the time it was scheduled for. It checks that it still
# applies (a cancelled deletion, a rotation disabled since) and does nothing if not.
Action = Callable[[float], None]


class Alias:
    __slots__ = ("creation_date", "last_updated_date", "name", "seq", "target_key_id")

    def __init__(self, name: str, target_key_id: str, now: float, seq: int) -> None:
        self.name = name
        # Changed only through Region.retarget, which keeps the index by target right.
        self.target_key_id = target_key_id
        self.creation_date = now
        self.last_updated_date = now
        # Listing position: creation order.
        self.seq = seq


def _seq(item: Key | Alias | Grant) -> int:
    return item.seq


def _grant_live(grant: Grant) -> bool:
    return grant.live


class Region:
    """Keys and aliases of one account in one region, with what lists them by page.

    ``keys`` and ``aliases`` are the state; the indexes beside them (backend/_ordered.py)
    catch up with what was added when a listing reads them, and skip what went.
    """

    __slots__ = (
        "_alias_order",
        "_by_target",
        "_grant_orders",
        "_key_order",
        "_retirable",
        "account_id",
        "aliases",
        "key_stores",
        "keys",
        "name",
    )

    def __init__(self, account_id: str, name: str) -> None:
        self.account_id = account_id
        self.name = name
        # Dicts keep insertion order, which is creation order: every key and alias is
        # made with a new sequence number just before it is inserted.
        self.keys: dict[str, Key] = {}
        self.aliases: dict[str, Alias] = {}
        self.key_stores: dict[str, KeyStore] = {}
        self._key_order = Ordered[Key](_seq, self._has_key)
        self._alias_order = Ordered[Alias](_seq, self._has_alias)
        # Key id -> the aliases filed under it, in creation order: those created
        # for it or retargeted to it, some of which may since have gone or moved on.
        self._by_target: dict[str, list[Alias]] = {}
        # Key id -> its grants in creation order, made when the key's grants are first
        # listed (only keys with grants pay for one).
        self._grant_orders: dict[str, Ordered[Grant]] = {}
        # Retiring principal -> grants on this region's keys that name it.
        self._retirable: dict[str, Ordered[Grant]] = {}

    def alias_arn(self, alias_name: str) -> str:
        return alias_arn(self.name, self.account_id, alias_name)

    def _has_key(self, key: Key) -> bool:
        return self.keys.get(key.key_id) is key

    def _has_alias(self, alias: Alias) -> bool:
        return self.aliases.get(alias.name) is alias

    def key_listing(self) -> Ordered[Key]:
        order = self._key_order
        order.catch_up(self.keys.values())
        return order

    def alias_listing(self) -> Ordered[Alias]:
        order = self._alias_order
        by_target = self._by_target
        for alias in order.catch_up(self.aliases.values()):
            # Newer than anything filed, so appending keeps each list in order.
            by_target.setdefault(alias.target_key_id, []).append(alias)
        return order

    def aliases_of(self, key_id: str) -> list[Alias]:
        """The aliases of a key, in creation order: a look at its own few, not at all."""
        self.alias_listing()
        filed = self._by_target.get(key_id)
        if not filed:
            return []
        aliases = self.aliases
        live = [a for a in filed if aliases.get(a.name) is a and a.target_key_id == key_id]
        if len(live) < len(filed):
            if live:
                filed[:] = live
            else:
                del self._by_target[key_id]
        return live[:]

    def retarget(self, alias: Alias, key_id: str) -> None:
        """Point an alias at another key (UpdateAlias)."""
        # Catch up first: an alias not yet filed would otherwise be filed under its new
        # target twice, here and when the index next catches up.
        self.alias_listing()
        alias.target_key_id = key_id
        filed = self._by_target.setdefault(key_id, [])
        if not any(a is alias for a in filed):
            bisect.insort(filed, alias, key=_seq)

    def grant_listing(self, key: Key) -> Ordered[Grant]:
        """A key's grants in creation order (the key is in this region)."""
        order = self._grant_orders.get(key.key_id)
        if order is None:
            order = self._grant_orders[key.key_id] = Ordered[Grant](_seq, _grant_live)
        if key.grants is not None:
            order.catch_up(key.grants.values())
        return order

    def file_retirable(self, grant: Grant) -> None:
        """Index a new grant on one of this region's keys by its retiring principal."""
        assert grant.retiring is not None
        order = self._retirable.get(grant.retiring)
        if order is None:
            order = self._retirable[grant.retiring] = Ordered[Grant](_seq, _grant_live)
        order.extend((grant,))

    def retirable(self, principal: str) -> Ordered[Grant] | None:
        return self._retirable.get(principal)

    def forget_key(self, key: Key) -> None:
        """Drop what indexes a deleted key's own items (its aliases are deleted first)."""
        self._by_target.pop(key.key_id, None)
        self._grant_orders.pop(key.key_id, None)

    def __repr__(self) -> str:
        return f"<Region {self.account_id}/{self.name}: {len(self.keys)} keys>"


class Account:
    __slots__ = ("id", "regions")

    def __init__(self, account_id: str) -> None:
        self.id = account_id
        self.regions: dict[str, Region] = {}

    def region(self, name: str) -> Region:
        region = self.regions.get(name)
        if region is None:
            region = self.regions[name] = Region(self.id, name)
        return region

    def __repr__(self) -> str:
        return f"<Account {self.id}: regions {sorted(self.regions)}>"


class Backend:
    """All simulated accounts of one activation, with its clock and journal."""

    def __init__(
        self, *, journal: int | None = DEFAULT_LIMIT, settings: Settings | None = None
    ) -> None:
        self.settings = settings if settings is not None else Settings()
        self.accounts: dict[str, Account] = {}
        self.clock = Clock(on_change=self._time_moved)
        self.journal = Journal(journal)
        # One lock for the whole backend: a call is answered atomically, so concurrent
        # threads never see half an operation.
        self.lock = threading.RLock()
        # Every generated value comes from ``random_bytes``: the system's randomness, or
        # with a seed (mock_kms(seed=...)) a stream drawn from it, so a run repeats.
        # ``random`` is for what draws numbers (fault probabilities): a stream of its
        # own, so that a probability drawn does not shift the values generated after.
        seed = self.settings.seed
        self.seeded = seed is not None
        if seed is not None:
            root = seed_bytes(seed)
            self.random = stream(root, "numbers")
            self.random_bytes: Callable[[int], bytes] = stream(root, "values").randbytes
            # Request ids have theirs too: they are made before the backend's lock.
            prefix = uuid.UUID(bytes=stream(root, "requests").randbytes(16))
            self.request_prefix = str(prefix)[:24]
        else:
            self.random = stream(os.urandom(32), "numbers")
            self.random_bytes = os.urandom
            self.request_prefix = str(uuid.uuid4())[:24]
        self.request_numbers = itertools.count()
        self.journal.request_prefix = self.request_prefix
        # Secret of this backend only, from which key material is derived: a blob from
        # one activation is meaningless in another, as between two AWS partitions.
        self.master_secret = self.random_bytes(32)
        # Blob header id (the 32 bytes at offset 5) -> the key material it names.
        self.materials: dict[bytes, KeyMaterial] = {}
        self._seq = itertools.count(1)
        # Every grant token issued -> its grant (which may since have been retired).
        self.grant_tokens: dict[str, Grant] = {}
        # (when, order, seq, action) of everything scheduled, earliest first.
        self._events: list[tuple[float, int, int, Action]] = []
        # Errors and delays a test injects (kms.faults); a new backend starts with none.
        self.faults = Faults()

    def account(self, account_id: str) -> Account:
        account = self.accounts.get(account_id)
        if account is None:
            account = self.accounts[account_id] = Account(account_id)
        return account

    def region(self, account_id: str, region: str) -> Region:
        return self.account(account_id).region(region)

    def find_region(self, account_id: str, region: str) -> Region | None:
        """The region's state if it has any; a lookup never creates state."""
        account = self.accounts.get(account_id)
        return None if account is None else account.regions.get(region)

    def create_key(
        self,
        region: Region,
        *,
        description: str = "",
        key_usage: str = "ENCRYPT_DECRYPT",
        key_spec: str = "SYMMETRIC_DEFAULT",
        origin: str = "AWS_KMS",
        policy: str | None = None,
        key_id: str | None = None,
        ring: Ring | None = None,
        key_manager: str = "CUSTOMER",
    ) -> Key:
        key = Key(
            key_id=key_id or self.new_key_id(),
            account_id=region.account_id,
            region=region.name,
            seq=next(self._seq),
            creation_date=self.clock.now(),
            description=description,
            key_usage=key_usage,
            key_spec=key_spec,
            origin=origin,
            policy=policy,
            ring=ring,
            key_manager=key_manager,
        )
        if origin == "EXTERNAL":
            key.enter(KeyState.PENDING_IMPORT)
        elif ring is None and key_spec == "SYMMETRIC_DEFAULT":
            # A symmetric version costs only its id until it is used.
            self.add_material(key)
        elif ring is None:
            # Asymmetric and HMAC keys have one version for life, whose private key or
            # HMAC key is made on first use (crypto/_keypairs.py). Their ciphertexts
            # carry no header, so the version is not indexed for blob lookup.
            material = KeyMaterial(key, self.random_bytes(32))
            if self.seeded and not key_spec.startswith("HMAC"):
                # Derived, not generated, from the seed's stream (crypto/_derive.py).
                material.seed = self.material_seed(material.material_id)
            key.ring.add(material)
            key.ring.current = material
        region.keys[key.key_id] = key
        return key

    def next_seq(self) -> int:
        return next(self._seq)

    def new_key_id(self, multi_region: bool = False) -> str:
        """A new key id: a UUID, or ``mrk-`` and 32 hex digits for a multi-Region key."""
        value = uuid.UUID(bytes=self.random_bytes(16), version=4) if self.seeded else uuid.uuid4()
        return f"mrk-{value.hex}" if multi_region else str(value)

    def material_seed(self, material_id: bytes) -> bytes:
        """What a seeded backend derives a version's private key from."""
        return hmac.new(self.master_secret, b"keypair" + material_id, hashlib.sha256).digest()

    def add_material(
        self,
        key: Key,
        *,
        rotation_type: str | None = None,
        rotation_date: float | None = None,
    ) -> KeyMaterial:
        """A new generated version, made current (a key's first, or a rotation)."""
        material = KeyMaterial(
            key, self.random_bytes(32), rotation_type=rotation_type, rotation_date=rotation_date
        )
        self.index_material(material)
        key.ring.current = material
        return material

    def index_material(self, material: KeyMaterial) -> None:
        """Record a version in its key's ring and make its blobs recognisable."""
        material.key.ring.add(material)
        self.materials[material.material_id] = material

    # -- time ------------------------------------------------------------------------

    def schedule(self, when: float, order: int, action: Action) -> None:
        heapq.heappush(self._events, (when, order, next(self._seq), action))

    def _time_moved(self, now: float) -> None:
        with self.lock:
            self.expire(now)

    def schedule_deletion(self, key: Key) -> None:
        when = key.deletion_date
        assert when is not None

        def delete(scheduled: float) -> None:
            # A cancelled or rescheduled deletion leaves this entry stale.
            if key.state is KeyState.PENDING_DELETION and key.deletion_date == scheduled:
                self.delete_key(key)

        self.schedule(when, DELETION, delete)

    def catch_up(self) -> None:
        """Run everything that has fallen due by the clock's time (before each request)."""
        # Most backends have nothing scheduled: the clock is read only when one has.
        if self._events:
            self.expire(self.clock.now())

    def expire(self, now: float) -> None:
        """Run everything that has fallen due by ``now``, in time order.

        Called before each request and whenever the test moves the clock, so a key is
        gone exactly when its DeletionDate passes, whatever moves the clock
        (time-machine, freezegun). An action may schedule more (the next rotation);
        those run too if they are due.
        """
        events = self._events
        while events and events[0][0] <= now:
            when, _, _, action = heapq.heappop(events)
            action(when)

    def delete_key(self, key: Key) -> None:
        """Remove a key with its aliases. Its material stays indexed so that its
        ciphertexts are recognised, and refused as referring to a missing key."""
        region = self.region(key.account_id, key.region)
        region.keys.pop(key.key_id, None)
        for alias in region.aliases_of(key.key_id):
            del region.aliases[alias.name]
        region.forget_key(key)
        key.grants = None
        mr = key.mr
        if mr is not None:
            mr.members.pop(key.region, None)
            primary = mr.members.get(mr.primary_region)
            if (
                primary is not None
                and primary.state is KeyState.PENDING_REPLICA_DELETION
                and len(mr.members) == 1
            ):
                # The last replica is gone: the primary's own window starts now, at
                # the moment this replica's deletion fell due.
                days = primary.pending_window_days
                assert days is not None
                start = key.deletion_date if key.deletion_date is not None else self.clock.now()
                primary.enter(KeyState.PENDING_DELETION)
                primary.deletion_date = start + days * 86400.0
                self.schedule_deletion(primary)
