"""KeyMetadata, as CreateKey, DescribeKey and ReplicateKey return it (reference section 3)."""

from __future__ import annotations

from typing import Any

from kmsmock.backend._key import Key
from kmsmock.backend._key_stores import metadata_fields
from kmsmock.backend._keystate import KeyState

_RSA_SIGNING = [
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
]
_RSA_ENCRYPTION = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]

# (KeySpec, KeyUsage) -> the one algorithm list DescribeKey shows (reference section 2).
_ALGORITHMS: dict[tuple[str, str], tuple[str, list[str]]] = {
    ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"): ("EncryptionAlgorithms", ["SYMMETRIC_DEFAULT"]),
    ("ECC_NIST_P256", "SIGN_VERIFY"): ("SigningAlgorithms", ["ECDSA_SHA_256"]),
    ("ECC_NIST_P384", "SIGN_VERIFY"): ("SigningAlgorithms", ["ECDSA_SHA_384"]),
    ("ECC_NIST_P521", "SIGN_VERIFY"): ("SigningAlgorithms", ["ECDSA_SHA_512"]),
    ("ECC_SECG_P256K1", "SIGN_VERIFY"): ("SigningAlgorithms", ["ECDSA_SHA_256"]),
    # The order of the two Ed25519 algorithms is not recorded (reference section 2).
    ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY"): (
        "SigningAlgorithms",
        ["ED25519_SHA_512", "ED25519_PH_SHA_512"],
    ),
    ("SM2", "ENCRYPT_DECRYPT"): ("EncryptionAlgorithms", ["SM2PKE"]),
    ("SM2", "SIGN_VERIFY"): ("SigningAlgorithms", ["SM2DSA"]),
}
for _bits in ("2048", "3072", "4096"):
    _ALGORITHMS[(f"RSA_{_bits}", "ENCRYPT_DECRYPT")] = ("EncryptionAlgorithms", _RSA_ENCRYPTION)
    _ALGORITHMS[(f"RSA_{_bits}", "SIGN_VERIFY")] = ("SigningAlgorithms", _RSA_SIGNING)
for _curve in ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "SM2"):
    _ALGORITHMS[(_curve, "KEY_AGREEMENT")] = ("KeyAgreementAlgorithms", ["ECDH"])
for _bits in ("224", "256", "384", "512"):
    _ALGORITHMS[(f"HMAC_{_bits}", "GENERATE_VERIFY_MAC")] = ("MacAlgorithms", [f"HMAC_SHA_{_bits}"])
for _level in ("44", "65", "87"):
    _ALGORITHMS[(f"ML_DSA_{_level}", "SIGN_VERIFY")] = ("SigningAlgorithms", ["ML_DSA_SHAKE_256"])
for _level in ("512", "768", "1024"):
    # The model: EncapsulationAlgorithms, ML_KEM only, for ENCAPSULATE_DECAPSULATE keys.
    _ALGORITHMS[(f"ML_KEM_{_level}", "ENCAPSULATE_DECAPSULATE")] = (
        "EncapsulationAlgorithms",
        ["ML_KEM"],
    )


def algorithms(key_spec: str, key_usage: str) -> tuple[str, list[str]]:
    """The KeyMetadata field and algorithm list of a key spec and usage."""
    return _ALGORITHMS[(key_spec, key_usage)]


def _member(key: Key) -> dict[str, str]:
    return {"Arn": key.arn, "Region": key.region}


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
        "MultiRegion": key.mr is not None,
    }
    if key.state is KeyState.PENDING_DELETION:
        metadata["DeletionDate"] = key.deletion_date
    elif key.state is KeyState.PENDING_REPLICA_DELETION:
        metadata["PendingDeletionWindowInDays"] = key.pending_window_days
    field, names = _ALGORITHMS[(key.key_spec, key.key_usage)]
    metadata[field] = list(names)
    ring = key.ring
    if key.origin == "EXTERNAL":
        current = ring.current
        if current is not None and current.secret is not None:
            metadata["ExpirationModel"] = current.expiration_model
            # Only with KEY_MATERIAL_EXPIRES (model docs): the earliest expiry of the
            # imported versions.
            expiries = [m.valid_to for m in ring.versions if m.secret and m.valid_to]
            if current.expiration_model == "KEY_MATERIAL_EXPIRES" and expiries:
                metadata["ValidTo"] = min(expiries)
    if key.custom_key_store_id is not None:
        metadata["CustomKeyStoreId"] = key.custom_key_store_id
        # CloudHsmClusterId or XksKeyConfiguration.
        metadata.update(metadata_fields(key))
    mr = key.mr
    if mr is not None:
        primary = mr.primary
        metadata["MultiRegionConfiguration"] = {
            "MultiRegionKeyType": "PRIMARY" if primary is key else "REPLICA",
            "PrimaryKey": _member(primary),
            "ReplicaKeys": [_member(replica) for replica in mr.replicas],
        }
    # Symmetric encryption keys only; a replica shows it once it has finished creating.
    # Not for custom-store keys: "present for symmetric encryption keys with AWS_KMS or
    # EXTERNAL origin" (the model's CurrentKeyMaterialId documentation).
    if (
        key.key_spec == "SYMMETRIC_DEFAULT"
        and ring.current is not None
        and key.state is not KeyState.CREATING
        and key.custom_key_store_id is None
    ):
        metadata["CurrentKeyMaterialId"] = ring.current.material_id_hex
    return metadata
