"""The saved state format: its name and version, the members of each record, and the
key specs it knows (docs/state.md describes the format)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kmsmock.backend._fields import StateError

if TYPE_CHECKING:
    from kmsmock.backend._backend import Alias
    from kmsmock.backend._grants import Grant
    from kmsmock.backend._key import Key
    from kmsmock.backend._key_stores import KeyStore

FORMAT = "kmsmock-state"
VERSION = 1

TOP_MEMBERS = (
    "format",
    "version",
    "clock",
    "master_secret",
    "keys",
    "deleted_keys",
    "aliases",
    "custom_key_stores",
    "grant_tokens",
    "principals",
)
KEY_MEMBERS = (
    "id",
    "account",
    "region",
    "seq",
    "creation_date",
    "description",
    "key_spec",
    "key_usage",
    "origin",
    "key_manager",
    "policy",
    "state",
    "deletion_date",
    "pending_window_days",
    "tags",
    "aliases",
    "custom_key_store",
    "xks_key_id",
    "last_used",
    "grants",
    "multi_region",
    "ready_at",
    "material",
)
RING_MEMBERS = ("versions", "current", "pending", "rotation", "shared_with")
VERSION_MEMBERS = (
    "id",
    "indexed",
    "imported",
    "material",
    "derivation_seed",
    "rotation_date",
    "rotation_type",
    "expiration_model",
    "valid_to",
    "description",
    "owner_region",
)
ROTATION_MEMBERS = (
    "period_days",
    "next_date",
    "on_demand_count",
    "on_demand_started",
    "completes_at",
)
GRANT_MEMBERS = (
    "id",
    "name",
    "grantee",
    "retiring",
    "operations",
    "equals",
    "subset",
    "creation_date",
    "issuing_account",
    "seq",
)
ALIAS_MEMBERS = ("name", "target", "account", "region", "creation_date", "last_updated_date", "seq")
STORE_MEMBERS = (
    "id",
    "account",
    "region",
    "name",
    "kind",
    "creation_date",
    "seq",
    "cluster_id",
    "trust_anchor",
    "password",
    "xks",
    "connection_state",
    "error_code",
    "held",
    "connect_seconds",
    "failure",
    "ready_at",
)
XKS_MEMBERS = (
    "connectivity",
    "uri_endpoint",
    "uri_path",
    "access_key_id",
    "secret_access_key",
    "vpc_endpoint_service_name",
    "vpc_endpoint_service_owner",
)
DELETED_MEMBERS = (
    "id",
    "account",
    "region",
    "key_spec",
    "key_usage",
    "origin",
    "multi_region",
    "versions",
)
PRINCIPAL_MEMBERS = (
    "name",
    "account",
    "path",
    "policies",
    "access_key_id",
    "secret_access_key",
    "via",
)
SESSION_MEMBERS = ("name", "access_key_id", "secret_access_key", "session_token", "via")
ACCESS_MEMBERS = ("access_key_id", "secret_access_key")

SPECS: dict[str, tuple[str, ...]] = {
    "SYMMETRIC_DEFAULT": ("ENCRYPT_DECRYPT",),
    **{f"RSA_{n}": ("ENCRYPT_DECRYPT", "SIGN_VERIFY") for n in (2048, 3072, 4096)},
    **{f"ECC_NIST_P{n}": ("SIGN_VERIFY", "KEY_AGREEMENT") for n in (256, 384, 521)},
    "ECC_SECG_P256K1": ("SIGN_VERIFY",),
    "ECC_NIST_EDWARDS25519": ("SIGN_VERIFY",),
    **{f"HMAC_{n}": ("GENERATE_VERIFY_MAC",) for n in (224, 256, 384, 512)},
    "SM2": ("ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"),
    **{f"ML_DSA_{n}": ("SIGN_VERIFY",) for n in (44, 65, 87)},
    **{f"ML_KEM_{n}": ("ENCAPSULATE_DECAPSULATE",) for n in (768, 1024)},
}
ORIGINS = ("AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE")
NO_EXPIRY = "KEY_MATERIAL_DOES_NOT_EXPIRE"
ASYMMETRIC = frozenset(
    spec for spec in SPECS if spec != "SYMMETRIC_DEFAULT" and not spec.startswith("HMAC_")
)


def seq_of(item: Key | Grant | Alias | KeyStore) -> int:
    """An item's place in creation order."""
    return item.seq


def check_format(document: object) -> None:
    """Refuse what is not a kmsmock state, or is one from a newer kmsmock."""
    if not isinstance(document, dict):
        raise StateError("a kmsmock state is a JSON object")
    if document.get("format") != FORMAT:
        raise StateError(f'not a kmsmock state: "format" must be "{FORMAT}"')
    version = document.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise StateError('"version" must be a positive integer')
    if version > VERSION:
        raise StateError(
            f"this state has format version {version}, newer than this kmsmock reads "
            f"(version {VERSION}): upgrade kmsmock to load it"
        )
