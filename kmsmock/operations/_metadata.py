"""KeyMetadata, as CreateKey and DescribeKey return it (reference section 3)."""

from __future__ import annotations

from typing import Any

from kmsmock.backend._key import Key
from kmsmock.backend._keystate import KeyState

_ALGORITHMS = {
    "ENCRYPT_DECRYPT": ("EncryptionAlgorithms", ["SYMMETRIC_DEFAULT"]),
}


def key_metadata(key: Key) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "AWSAccountId": key.account_id,
        "KeyId": key.key_id,
        "Arn": key.arn,
        "CreationDate": key.creation_date,
        "Enabled": key.state is KeyState.ENABLED,
        "Description": key.description,
        "KeyUsage": key.key_usage,
        "KeyState": key.state.value,
        "Origin": key.origin,
        "KeyManager": key.key_manager,
        "CustomerMasterKeySpec": key.key_spec,
        "KeySpec": key.key_spec,
        "MultiRegion": key.multi_region,
    }
    if key.state is KeyState.PENDING_DELETION:
        metadata["DeletionDate"] = key.deletion_date
    field, algorithms = _ALGORITHMS[key.key_usage]
    metadata[field] = list(algorithms)
    if key.key_spec == "SYMMETRIC_DEFAULT" and key.materials:
        metadata["CurrentKeyMaterialId"] = key.current_material.material_id_hex
    return metadata
