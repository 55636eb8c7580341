"""Grants: delegated permissions on one key, with their tokens."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kmsmock.auth._principals import Principal
    from kmsmock.backend._key import Key

# Grant operations each kind of key can take (reference section 6, "per key type").
_ALL_KEYS = ("CreateGrant", "RetireGrant", "DescribeKey")
GRANT_OPERATIONS: dict[str, frozenset[str]] = {
    "SYMMETRIC": frozenset(
        {
            "Decrypt",
            "Encrypt",
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
            "ReEncryptFrom",
            "ReEncryptTo",
            *_ALL_KEYS,
        }
    ),
    "ENCRYPT_DECRYPT": frozenset(
        {"Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GetPublicKey", *_ALL_KEYS}
    ),
    "SIGN_VERIFY": frozenset({"Sign", "Verify", "GetPublicKey", *_ALL_KEYS}),
    "GENERATE_VERIFY_MAC": frozenset({"GenerateMac", "VerifyMac", *_ALL_KEYS}),
    "KEY_AGREEMENT": frozenset({"DeriveSharedSecret", "GetPublicKey", *_ALL_KEYS}),
    "ENCAPSULATE_DECAPSULATE": frozenset(
        {"Encapsulate", "Decapsulate", "GetPublicKey", *_ALL_KEYS}
    ),
}
# Operations whose grant constraints are not checked (reference section 6, "Constraints").
UNCONSTRAINED = frozenset({"DescribeKey", "RetireGrant", "CreateGrant"})


def operations_for(key: Key) -> frozenset[str]:
    if key.key_spec == "SYMMETRIC_DEFAULT":
        return GRANT_OPERATIONS["SYMMETRIC"]
    return GRANT_OPERATIONS.get(key.key_usage, frozenset(_ALL_KEYS))


def new_token(random_bytes: Callable[[int], bytes] = os.urandom) -> str:
    # Shaped like AWS's: base64url of an old-layout ciphertext (reference section 13).
    raw = b"\x01\x01\x02\x00\x78" + random_bytes(156)
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


class Grant:
    __slots__ = (
        "creation_date",
        "equals",
        "grant_id",
        "grantee",
        "issuing_account",
        "key",
        "name",
        "operations",
        "retiring",
        "seq",
        "subset",
    )

    def __init__(
        self,
        *,
        key: Key,
        grant_id: str,
        name: str | None,
        grantee: str,
        retiring: str | None,
        operations: tuple[str, ...],
        equals: Mapping[str, str] | None,
        subset: Mapping[str, str] | None,
        creation_date: float,
        issuing_account: str,
        seq: int,
    ) -> None:
        self.key = key
        self.grant_id = grant_id
        self.name = name
        self.grantee = grantee
        self.retiring = retiring
        self.operations = operations
        self.equals = dict(equals) if equals is not None else None
        self.subset = dict(subset) if subset is not None else None
        self.creation_date = creation_date
        self.issuing_account = issuing_account
        # Listing position: creation order.
        self.seq = seq

    def same_terms(
        self,
        grantee: str,
        retiring: str | None,
        operations: tuple[str, ...],
        equals: Mapping[str, str] | None,
        subset: Mapping[str, str] | None,
    ) -> bool:
        return (
            self.grantee == grantee
            and self.retiring == retiring
            and sorted(self.operations) == sorted(operations)
            and self.equals == (dict(equals) if equals is not None else None)
            and self.subset == (dict(subset) if subset is not None else None)
        )

    @property
    def live(self) -> bool:
        """Whether the grant still exists: neither retired, revoked nor deleted with its key."""
        grants = self.key.grants
        return grants is not None and grants.get(self.grant_id) is self

    def names(self, principal: Principal, arn: str | None) -> bool:
        """Whether ``arn`` (the grantee or retiring principal) names ``principal``."""
        return arn is not None and arn in principal.names

    def constraints_hold(self, context: Mapping[str, str] | None) -> bool:
        pairs = context or {}
        if self.equals is not None and dict(pairs) != self.equals:
            return False
        if self.subset is not None:
            return all(pairs.get(k) == v for k, v in self.subset.items())
        return True

    def allows(
        self, principal: Principal, operation: str, context: Mapping[str, str] | None
    ) -> bool:
        if operation not in self.operations or not self.names(principal, self.grantee):
            return False
        return operation in UNCONSTRAINED or self.constraints_hold(context)
