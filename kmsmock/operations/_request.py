"""What a handler knows about the call it answers, and the shared per-call rules.

Every key a handler touches comes through ``Request.key``: identifier resolution,
authorization and the key-state table, always in that order (reference section 4,
"check order").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kmsmock.auth._authorize import authorize
from kmsmock.backend._arn import is_key_id, key_arn, parse_arn
from kmsmock.backend._backend import Backend, Region
from kmsmock.backend._key import Key
from kmsmock.backend._keystate import check_state
from kmsmock.errors import DryRunOperationException, NotFoundException

if TYPE_CHECKING:
    from kmsmock.auth._principals import IdentityRegistry, Principal
    from kmsmock.backend._grants import Grant

# Operations that accept an alias name or alias ARN for their key (reference section 1).
_ALIAS_OK = frozenset(
    [
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "Sign",
        "Verify",
        "GetPublicKey",
        "DescribeKey",
        "DeriveSharedSecret",
        "GenerateMac",
        "VerifyMac",
        "Encapsulate",
        "Decapsulate",
    ]
)
# Operations that may name a key of another account, by ARN (reference section 1).
_CROSS_ACCOUNT_OK = frozenset(
    [
        "CreateGrant",
        "Decapsulate",
        "Decrypt",
        "DeriveSharedSecret",
        "DescribeKey",
        "Encapsulate",
        "Encrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GenerateMac",
        "GetKeyRotationStatus",
        "GetPublicKey",
        "ListGrants",
        "ReEncrypt",
        "RetireGrant",
        "RevokeGrant",
        "Sign",
        "Verify",
        "VerifyMac",
    ]
)


class Request:
    __slots__ = (
        "args",
        "backend",
        "identities",
        "operation",
        "principal",
        "region",
        "region_name",
        "request_id",
    )
    principal: Principal
    region_name: str
    operation: str

    def __init__(
        self,
        backend: Backend,
        principal: Principal,
        region_name: str,
        operation: str,
        args: Mapping[str, Any] | None = None,
        identities: IdentityRegistry | None = None,
        request_id: str = "",
    ) -> None:
        self.backend = backend
        self.principal = principal
        self.region_name = region_name
        self.operation = operation
        # The decoded request parameters: condition keys read them.
        self.args: Mapping[str, Any] = args if args is not None else {}
        self.identities = identities
        # The x-amzn-RequestId of this call's response (GetKeyLastUsage's KmsRequestId).
        self.request_id = request_id
        self.region: Region = backend.region(principal.account_id, region_name)

    @property
    def account_id(self) -> str:
        return self.principal.account_id

    @property
    def now(self) -> float:
        return self.backend.clock.now()

    def _missing(self, key_id: str, arn: str | None = None) -> NotFoundException:
        arn = arn or key_arn(self.region_name, self.account_id, key_id)
        return NotFoundException(f"Key '{arn}' does not exist")

    def resolve(self, identifier: str) -> Key:
        """The key an identifier names, as seen from the caller's account and region."""
        aliases = self.operation in _ALIAS_OK
        if identifier.startswith("arn:"):
            arn = parse_arn(identifier)
            if arn is None:
                raise NotFoundException(f"Invalid arn {identifier}")
            if arn.kind == "alias" and not aliases:
                raise NotFoundException(f"Invalid keyId '{identifier}'")
            if arn.region != self.region_name:
                raise NotFoundException(f"Invalid arn {arn.region}")
            # Looking a key up in an account with no state must not give it state.
            region = self.backend.find_region(arn.account, arn.region) or Region(
                arn.account, arn.region
            )
            if arn.kind == "alias":
                return self._by_alias(region, arn.resource)
            key = region.keys.get(arn.resource)
            if key is None:
                raise self._missing(arn.resource, identifier)
            if arn.account != self.account_id and self.operation not in _CROSS_ACCOUNT_OK:
                # Management operations never reach across accounts; AWS does not say
                # whether such a key exists.
                raise self._missing(arn.resource, identifier)
            return key
        if identifier.startswith("alias/") and aliases:
            return self._by_alias(self.region, identifier)
        key = self.region.keys.get(identifier)
        if key is not None:
            # Only well-formed ids are ever stored, so a hit needs no format check.
            return key
        if not is_key_id(identifier):
            raise NotFoundException(f"Invalid keyId '{identifier}'")
        raise self._missing(identifier)

    def _by_alias(self, region: Region, alias_name: str) -> Key:
        alias = region.aliases.get(alias_name)
        key = region.keys.get(alias.target_key_id) if alias is not None else None
        if key is None and alias is None and region.account_id == self.account_id:
            # AWS creates a service's AWS managed key (alias/aws/<service>) on first use.
            # Imported here: its tables cost a first call about a millisecond, which no
            # call naming a key by id pays.
            from kmsmock.backend._managed import aws_managed_key

            key = aws_managed_key(self.backend, region, alias_name)
        if key is None:
            raise NotFoundException(f"Alias {region.alias_arn(alias_name)} is not found.")
        return key

    def check(
        self,
        key: Key,
        action: str | None = None,
        *,
        identifier: str | None = None,
        same_key: bool | None = None,
    ) -> Key:
        """Authorize kms:``action`` (default: the operation) on ``key``, then its state."""
        self.authorize(key, action, identifier=identifier, same_key=same_key)
        check_state(self.operation, key)
        return key

    def authorize(
        self,
        key: Key,
        action: str | None = None,
        *,
        identifier: str | None = None,
        same_key: bool | None = None,
    ) -> Grant | None:
        return authorize(
            self, key, action or self.operation, identifier=identifier, same_key=same_key
        )

    def key(self, identifier: str, action: str | None = None) -> Key:
        return self.check(self.resolve(identifier), action, identifier=identifier)

    def dry_run(self, dry_run: bool | None) -> None:
        """Called once every check has passed: a dry run stops here."""
        if dry_run:
            raise DryRunOperationException(
                "The request would have succeeded, but the DryRun option is set."
            )
