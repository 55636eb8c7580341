"""KMS keys and their key material."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmsmock.backend._arn import key_arn
from kmsmock.backend._keystate import KeyState

if TYPE_CHECKING:
    from kmsmock.backend._grants import Grant


class KeyMaterial:
    """One version of a key's material.

    The secret is derived, not stored: HMAC of the backend's master secret and the
    material id. That keeps a key at a few hundred bytes until it is used, and makes
    the lazy derivation race-free (two threads derive the same bytes). The cipher
    built from it is kept once the material is first used.
    """

    __slots__ = ("_cipher", "key", "material_id")

    def __init__(self, key: Key, material_id: bytes) -> None:
        self.key = key
        self.material_id = material_id
        self._cipher: AESGCM | None = None

    @property
    def material_id_hex(self) -> str:
        return self.material_id.hex()

    def cipher(self, master: bytes) -> AESGCM:
        cipher = self._cipher
        if cipher is None:
            cipher = AESGCM(hmac.new(master, self.material_id, hashlib.sha256).digest())
            self._cipher = cipher
        return cipher


class Key:
    """A KMS key in one account and region. Attributes hold AWS's own values."""

    __slots__ = (
        "account_id",
        "creation_date",
        "deletion_date",
        "description",
        "grants",
        "key_id",
        "key_manager",
        "key_spec",
        "key_usage",
        "materials",
        "multi_region",
        "origin",
        "pending_window_days",
        "policy",
        "region",
        "seq",
        "state",
        "tags",
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
        self.state = KeyState.ENABLED
        self.deletion_date: float | None = None
        self.pending_window_days: int | None = None
        self.tags: dict[str, str] | None = None
        self.materials: list[KeyMaterial] = []
        self.multi_region = False
        # Grant id -> grant; None until the key's first grant.
        self.grants: dict[str, Grant] | None = None

    @property
    def arn(self) -> str:
        return key_arn(self.region, self.account_id, self.key_id)

    @property
    def enabled(self) -> bool:
        return self.state is KeyState.ENABLED

    @property
    def current_material(self) -> KeyMaterial:
        return self.materials[-1]

    def __repr__(self) -> str:
        return f"<Key {self.arn} {self.state.value}>"
