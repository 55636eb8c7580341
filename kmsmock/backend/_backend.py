"""Backend -> Account -> Region: the simulated state of one mock activation."""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from kmsmock.backend._arn import alias_arn
from kmsmock.backend._clock import Clock
from kmsmock.backend._grants import Grant
from kmsmock.backend._journal import Journal
from kmsmock.backend._key import Key, KeyMaterial, Ring
from kmsmock.backend._keystate import KeyState
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
    __slots__ = ("creation_date", "last_updated_date", "name", "position", "target_key_id")

    def __init__(self, name: str, target_key_id: str, now: float, seq: int) -> None:
        self.name = name
        self.target_key_id = target_key_id
        self.creation_date = now
        self.last_updated_date = now
        # Listing position: zero-padded creation order, so string order is list order.
        self.position = f"{seq:020d}"


class Region:
    """Keys and aliases of one account in one region."""

    __slots__ = ("account_id", "aliases", "key_stores", "keys", "name")

    def __init__(self, account_id: str, name: str) -> None:
        self.account_id = account_id
        self.name = name
        # Dicts keep insertion order, which is the listing order.
        self.keys: dict[str, Key] = {}
        self.aliases: dict[str, Alias] = {}
        self.key_stores: dict[str, KeyStore] = {}

    def alias_arn(self, alias_name: str) -> str:
        return alias_arn(self.name, self.account_id, alias_name)

    def aliases_of(self, key_id: str) -> list[Alias]:
        return [a for a in self.aliases.values() if a.target_key_id == key_id]

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

    def __init__(self, *, journal: bool = True, settings: Settings | None = None) -> None:
        self.settings = settings if settings is not None else Settings()
        self.accounts: dict[str, Account] = {}
        self.clock = Clock(on_change=self._time_moved)
        self.journal = Journal(journal)
        # One lock for the whole backend: a call is answered atomically, so concurrent
        # threads never see half an operation.
        self.lock = threading.RLock()
        # Secret of this backend only, from which key material is derived: a blob from
        # one activation is meaningless in another, as between two AWS partitions.
        self.master_secret = os.urandom(32)
        # Blob header id (the 32 bytes at offset 5) -> the key material it names.
        self.materials: dict[bytes, KeyMaterial] = {}
        self._seq = itertools.count(1)
        # Every grant token issued -> its grant (which may since have been retired).
        self.grant_tokens: dict[str, Grant] = {}
        # (when, order, seq, action) of everything scheduled, earliest first.
        self._events: list[tuple[float, int, int, Action]] = []

    def account(self, account_id: str) -> Account:
        account = self.accounts.get(account_id)
        if account is None:
            account = self.accounts[account_id] = Account(account_id)
        return account

    def region(self, account_id: str, region: str) -> Region:
        return self.account(account_id).region(region)

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
            key_id=key_id or str(uuid.uuid4()),
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
            key.state = KeyState.PENDING_IMPORT
        elif ring is None and key_spec == "SYMMETRIC_DEFAULT":
            # A symmetric version costs only its id until it is used.
            self.add_material(key)
        elif ring is None:
            # Asymmetric and HMAC keys have one version for life, whose private key or
            # HMAC key is made on first use (crypto/_keypairs.py). Their ciphertexts
            # carry no header, so the version is not indexed for blob lookup.
            material = KeyMaterial(key, os.urandom(32))
            key.ring.versions.append(material)
            key.ring.current = material
        region.keys[key.key_id] = key
        return key

    def next_seq(self) -> int:
        return next(self._seq)

    def add_material(
        self,
        key: Key,
        *,
        rotation_type: str | None = None,
        rotation_date: float | None = None,
    ) -> KeyMaterial:
        """A new generated version, made current (a key's first, or a rotation)."""
        material = KeyMaterial(
            key, os.urandom(32), rotation_type=rotation_type, rotation_date=rotation_date
        )
        self.index_material(material)
        key.ring.current = material
        return material

    def index_material(self, material: KeyMaterial) -> None:
        """Record a version in its key's ring and make its blobs recognisable."""
        material.key.ring.versions.append(material)
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
                primary.state = KeyState.PENDING_DELETION
                primary.deletion_date = start + days * 86400.0
                self.schedule_deletion(primary)
