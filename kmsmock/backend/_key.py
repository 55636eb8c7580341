"""KMS keys, their key-material versions, and what multi-Region keys share."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, ClassVar

from kmsmock.backend._arn import key_arn
from kmsmock.backend._keystate import KeyState

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from kmsmock.backend._grants import Grant
    from kmsmock.backend._key_stores import KeyStore


class KeyMaterial:
    """One version of a key's material.

    Generated material is derived, not stored: HMAC of the backend's master secret and
    the material id. That keeps a key at a few hundred bytes until it is used, and
    makes the lazy derivation race-free (two threads derive the same bytes).
    """

    __slots__ = (
        "key",
        "material_id",
        "primitive",
        "rotation_date",
        "rotation_type",
        "secret",
        "seed",
    )

    # Imported material only (ImportedMaterial); class-level here, so a generated
    # version pays no memory for them.
    external: ClassVar[bool] = False
    expiration_model: str | None = None
    valid_to: float | None = None
    description: str | None = None

    def __init__(
        self,
        key: Key,
        material_id: bytes,
        *,
        secret: bytes | None = None,
        rotation_date: float | None = None,
        rotation_type: str | None = None,
    ) -> None:
        self.key = key
        self.material_id = material_id
        # The object built from the secret on first use, then kept: the AES-GCM cipher
        # of a symmetric version, the private key of an asymmetric one.
        self.primitive: object | None = None
        self.secret = secret
        # Asymmetric versions of a seeded backend or of a key declared without
        # material: the private key is derived from these bytes (crypto/_derive.py)
        # instead of generated. None otherwise.
        self.seed: bytes | None = None
        # When and how this version became current; None for a key's first material.
        self.rotation_date = rotation_date
        self.rotation_type = rotation_type

    @property
    def material_id_hex(self) -> str:
        return self.material_id.hex()

    def cipher(self, master: bytes) -> AESGCM:
        cipher = self.primitive
        if cipher is None:
            secret = self.secret
            if secret is None:
                if self.external:
                    # Key states keep deleted imported material out of every crypto path.
                    raise LookupError(f"kmsmock: material {self.material_id_hex} is not imported")
                secret = hmac.new(master, self.material_id, hashlib.sha256).digest()
            cipher = self.primitive = _aesgcm()(secret)
        return cipher  # type: ignore[return-value]  # a symmetric version's primitive


def _aesgcm() -> type[AESGCM]:
    # Imported on first use: importing cryptography's ciphers costs a fresh process
    # 7-25 ms, which a test that never encrypts (and every xdist worker) need not pay.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM


class ImportedMaterial(KeyMaterial):
    """A version the user imported: ``secret`` holds its bytes. Deleting or expiring it
    sets ``secret`` to None; the version stays listed, unusable until re-imported."""

    __slots__ = ("description", "expiration_model", "valid_to")
    external = True

    def __init__(self, key: Key, material_id: bytes, secret: bytes) -> None:
        super().__init__(key, material_id, secret=secret)
        self.expiration_model: str | None = None
        self.valid_to: float | None = None
        self.description: str | None = None

    def forget(self) -> None:
        """Drop the imported bytes (DeleteImportedKeyMaterial, expiry)."""
        self.secret = None
        self.primitive = None


class Rotation:
    """Automatic and on-demand rotation state, created on first use."""

    __slots__ = ("next_date", "on_demand_count", "on_demand_started", "period_days")

    def __init__(self) -> None:
        # Automatic rotation: the period, or None while it is disabled.
        self.period_days: int | None = None
        self.next_date: float | None = None
        self.on_demand_count = 0
        # Set while an on-demand rotation is in progress.
        self.on_demand_started: float | None = None


class Ring:
    """Every material version of a key, which is current, and its rotation state.

    The members of a multi-Region key share one ring: material and rotation are shared
    properties that follow the primary (reference section 10).
    """

    __slots__ = ("current", "pending", "rotation", "versions")

    def __init__(self) -> None:
        # A tuple, not a list: most keys have one version for life, and a tuple of one
        # costs 40 bytes less than a list of one (its spare room included).
        self.versions: tuple[KeyMaterial, ...] = ()
        self.current: KeyMaterial | None = None
        # Imported with ImportType NEW_KEY_MATERIAL, waiting for RotateKeyOnDemand.
        self.pending: KeyMaterial | None = None
        self.rotation: Rotation | None = None

    def add(self, version: KeyMaterial) -> None:
        """Append ``version`` to the ring (not making it current)."""
        self.versions += (version,)

    def remove(self, version: KeyMaterial) -> None:
        """Take ``version`` out of the ring (material pending rotation, deleted)."""
        self.versions = tuple(v for v in self.versions if v is not version)

    def all_imported(self) -> bool:
        """Whether a key of imported material has all of it: a current version, and
        every version but one pending rotation imported (developer guide,
        importing-keys-delete-key-material)."""
        return self.current is not None and all(
            version.secret is not None for version in self.versions if version is not self.pending
        )

    def state_of(self, material: KeyMaterial) -> str:
        """KeyMaterialState as ListKeyRotations reports it."""
        if material is self.current:
            return "CURRENT"
        if material is self.pending:
            return "PENDING_ROTATION"
        return "NON_CURRENT"


class MultiRegion:
    """The set of related multi-Region keys: one per region, one of them primary."""

    __slots__ = ("members", "primary_region")

    def __init__(self, primary: Key) -> None:
        self.primary_region = primary.region
        # Region -> member, in replication order (the primary first).
        self.members: dict[str, Key] = {primary.region: primary}

    @property
    def primary(self) -> Key:
        return self.members[self.primary_region]

    @property
    def replicas(self) -> list[Key]:
        return [k for r, k in self.members.items() if r != self.primary_region]


class Key:
    """A KMS key in one account and region. Attributes hold AWS's own values."""

    __slots__ = (
        "_state",
        "_tags",
        "account_id",
        "creation_date",
        "deletion_date",
        "description",
        "grants",
        "key_id",
        "key_manager",
        "key_spec",
        "key_store",
        "key_usage",
        "last_used",
        "mr",
        "origin",
        "pending_window_days",
        "policy",
        "region",
        "ring",
        "seq",
        "xks_key_id",
    )

    def __init__(
        self,
        *,
        key_id: str,
        account_id: str,
        region: str,
        seq: int,
        creation_date: float,
        description: str = "",
        key_usage: str = "ENCRYPT_DECRYPT",
        key_spec: str = "SYMMETRIC_DEFAULT",
        origin: str = "AWS_KMS",
        key_manager: str = "CUSTOMER",
        policy: str | None = None,
        ring: Ring | None = None,
    ) -> None:
        self.key_id = key_id
        self.account_id = account_id
        self.region = region
        self.seq = seq
        self.creation_date = creation_date
        self.description = description
        self.key_usage = key_usage
        self.key_spec = key_spec
        self.origin = origin
        self.key_manager = key_manager
        # None means the default key policy; it is rendered only when asked for.
        self.policy = policy
        self._state = KeyState.ENABLED
        self.deletion_date: float | None = None
        self.pending_window_days: int | None = None
        # None until the key's tags are first looked at or set: most keys have none,
        # and an empty dict for each would cost 64 bytes a key.
        self._tags: dict[str, str] | None = None
        self.ring = ring if ring is not None else Ring()
        # The multi-Region set this key belongs to; None for single-Region keys.
        self.mr: MultiRegion | None = None
        # The custom key store holding the key; None for keys in KMS's own store.
        self.key_store: KeyStore | None = None
        self.xks_key_id: str | None = None
        # (time, operation, request id) of the last successful cryptographic use.
        self.last_used: tuple[float, str, str] | None = None
        # Grant id -> grant; None until the key's first grant.
        self.grants: dict[str, Grant] | None = None

    @property
    def tags(self) -> dict[str, str]:
        """The key's tags, name to value (a dict, empty when it has none)."""
        if self._tags is None:
            self._tags = {}
        return self._tags

    @tags.setter
    def tags(self, tags: dict[str, str] | None) -> None:
        if tags is not None and not (
            isinstance(tags, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items())
        ):
            raise TypeError(f"tags must be a dict of str to str, not {tags!r}")
        self._tags = tags

    @property
    def arn(self) -> str:
        return key_arn(self.region, self.account_id, self.key_id)

    @property
    def state(self) -> KeyState:
        return self._state

    @state.setter
    def state(self, value: KeyState | str) -> None:
        """Enable or disable the key, as EnableKey and DisableKey would.

        Other states come with dates, events and material that only the KMS calls that
        enter them set up (ScheduleKeyDeletion, ImportKeyMaterial, ...), so a test moves
        the key there through those calls.
        """
        if not isinstance(value, str):
            raise TypeError(f"a key state is a KeyState, not {type(value).__name__}")
        try:
            state = KeyState(value)
        except ValueError:
            names = ", ".join(s.value for s in KeyState)
            raise ValueError(f"{value!r} is not a key state; one of: {names}") from None
        settable = (KeyState.ENABLED, KeyState.DISABLED)
        if state not in settable or self._state not in settable:
            raise ValueError(
                f"kms.key(...).state moves a key between Enabled and Disabled only; "
                f"this key is {self._state.value}: use the KMS operations to go from "
                f"{self._state.value} to {state.value}"
            )
        self._state = state

    def enter(self, state: KeyState) -> None:
        """Move to ``state``: for kmsmock's own transitions, which bring what it needs."""
        self._state = state

    @property
    def enabled(self) -> bool:
        return self.state is KeyState.ENABLED

    @property
    def custom_key_store_id(self) -> str | None:
        store = self.key_store
        return None if store is None else store.store_id

    @property
    def multi_region(self) -> bool:
        return self.mr is not None

    @property
    def current_material(self) -> KeyMaterial:
        current = self.ring.current
        if current is None:
            # Key states keep a key without material out of every cryptographic path.
            raise LookupError(f"kmsmock: {self.arn} has no current key material")
        return current

    def __repr__(self) -> str:
        return f"<Key {self.arn} {self.state.value}>"
