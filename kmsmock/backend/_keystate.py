"""Key states and the one table that says which operations each state allows.

Every operation that names a key goes through ``check_state``; no handler tests a
key state on its own. The table is the reference's section 4, transcribed as data.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Protocol

from kmsmock.errors import DisabledException, KMSError, KMSInvalidStateException


class KeyState(str, enum.Enum):
    """A key's state, as KeyMetadata.KeyState names it; compares equal to AWS's text."""

    ENABLED = "Enabled"
    DISABLED = "Disabled"
    PENDING_DELETION = "PendingDeletion"
    PENDING_IMPORT = "PendingImport"
    PENDING_REPLICA_DELETION = "PendingReplicaDeletion"
    UNAVAILABLE = "Unavailable"
    CREATING = "Creating"
    UPDATING = "Updating"


S = KeyState
_ALL = frozenset(KeyState)
_PENDING_DELETION = frozenset({S.PENDING_DELETION, S.PENDING_REPLICA_DELETION})


def _but(*states: KeyState) -> frozenset[KeyState]:
    return _ALL.difference(states)


def _only(*states: KeyState) -> frozenset[KeyState]:
    return frozenset(states)


_CRYPTO = _only(S.ENABLED, S.UPDATING)
_MANAGE = _ALL - _PENDING_DELETION

# Cells marked "?" in the reference (conditional on the key, not its state) are
# allowed here; the handler applies the condition.
ALLOWED: dict[str, frozenset[KeyState]] = {
    "CancelKeyDeletion": _PENDING_DELETION,
    "CreateAlias": _MANAGE,
    "CreateGrant": _only(S.ENABLED, S.UNAVAILABLE, S.UPDATING),
    "DeleteAlias": _ALL,
    "DeleteImportedKeyMaterial": _but(S.CREATING, S.UPDATING),
    "DescribeKey": _ALL,
    "DisableKey": _only(S.ENABLED, S.DISABLED, S.UNAVAILABLE),
    # PendingImport and Unavailable keys are refused by the key-type check that follows:
    # UnsupportedOperationException for EXTERNAL and custom-store keys (footnotes 6, 7).
    "DisableKeyRotation": _only(S.ENABLED, S.UPDATING, S.PENDING_IMPORT, S.UNAVAILABLE),
    "EnableKey": _only(S.ENABLED, S.DISABLED, S.UNAVAILABLE),
    "EnableKeyRotation": _only(S.ENABLED, S.UPDATING, S.PENDING_IMPORT, S.UNAVAILABLE),
    # Not in the reference table; every state, like DescribeKey (its model lists no
    # KMSInvalidStateException).
    "GetKeyLastUsage": _ALL,
    "GetKeyPolicy": _ALL,
    # Every state; the key-type check refuses PendingImport and Unavailable (footnotes 6, 7).
    "GetKeyRotationStatus": _ALL,
    "GetParametersForImport": _only(S.ENABLED, S.DISABLED, S.PENDING_IMPORT),
    "ImportKeyMaterial": _only(S.ENABLED, S.DISABLED, S.PENDING_IMPORT, S.UPDATING),
    "ListGrants": _ALL,
    "ListKeyPolicies": _ALL,
    # Not in the reference table; like GetKeyRotationStatus, and an imported key whose
    # material was deleted (PendingImport) still lists its versions.
    "ListKeyRotations": _ALL,
    "ListResourceTags": _ALL,
    "PutKeyPolicy": _ALL,
    "ReplicateKey": _only(S.ENABLED),
    "RetireGrant": _ALL,
    "RevokeGrant": _ALL,
    "ScheduleKeyDeletion": _ALL - _PENDING_DELETION - {S.UPDATING},
    "TagResource": _MANAGE,
    "UntagResource": _MANAGE,
    # Checked on the new target only; the old one may be pending deletion (footnote 10).
    "UpdateAlias": _MANAGE,
    "UpdateKeyDescription": _MANAGE,
    "UpdatePrimaryRegion": _CRYPTO,
    "ListAliases": _ALL,
}
for _op in [
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
    "GenerateMac",
    "VerifyMac",
    "DeriveSharedSecret",
    "Encapsulate",
    "Decapsulate",
    "RotateKeyOnDemand",
]:
    ALLOWED[_op] = _CRYPTO

_Template = Callable[[str], KMSError]

# What a state says when it is refused; AWS's text where recorded (footnotes 1-15).
_REFUSAL: dict[KeyState, _Template] = {
    S.DISABLED: lambda arn: DisabledException(f"{arn} is disabled."),
    S.PENDING_DELETION: lambda arn: KMSInvalidStateException(f"{arn} is pending deletion."),
    S.PENDING_REPLICA_DELETION: lambda arn: KMSInvalidStateException(f"{arn} is pending deletion."),
    S.PENDING_IMPORT: lambda arn: KMSInvalidStateException(f"{arn} is pending import."),
    S.UNAVAILABLE: lambda arn: KMSInvalidStateException(f"{arn} is unavailable."),
    S.CREATING: lambda arn: KMSInvalidStateException(f"{arn} is creating."),
    S.UPDATING: lambda arn: KMSInvalidStateException(f"{arn} is updating."),
    S.ENABLED: lambda arn: KMSInvalidStateException(f"{arn} is enabled."),
}

# Operations whose refusal names what the key is not, rather than what it is.
_SPECIAL: dict[str, _Template] = {
    "CancelKeyDeletion": lambda arn: KMSInvalidStateException(f"{arn} is not pending deletion."),
}


class _Stated(Protocol):
    @property
    def state(self) -> KeyState: ...

    @property
    def arn(self) -> str: ...


def check_state(operation: str, key: _Stated) -> None:
    """Refuse ``operation`` on ``key`` unless its state allows it, as AWS does."""
    allowed = ALLOWED.get(operation)
    if allowed is None:
        # A gap in the table is a kmsmock bug, never a KMS answer.
        raise LookupError(f"kmsmock: no key-state rule for operation {operation}")
    state = key.state
    if state in allowed:
        return
    special = _SPECIAL.get(operation)
    # The ARN only for the refusal: making it costs more than the rest of the check.
    raise (special or _REFUSAL[state])(key.arn)
