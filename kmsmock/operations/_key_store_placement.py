"""Finding the custom key store a request names, and what CreateKey and GenerateRandom
require of a store they use (the store handlers are in ``key_stores.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

from kmsmock.backend._backend import Region
from kmsmock.backend._key import Key
from kmsmock.backend._key_stores import CLOUDHSM, EXTERNAL, KeyStore
from kmsmock.errors import (
    CustomKeyStoreInvalidStateException,
    CustomKeyStoreNotFoundException,
    UnsupportedOperationException,
    ValidationException,
    XksKeyAlreadyInUseException,
)
from kmsmock.operations._request import Request

# -- a store and its keys --------------------------------------------------------------


def _not_found(store_id: str) -> CustomKeyStoreNotFoundException:
    return CustomKeyStoreNotFoundException(f"Custom key store '{store_id}' does not exist")


def find_store(req: Request, store_id: str) -> KeyStore:
    # Stores are never shared across accounts or Regions ("Cross-account use: No").
    store = req.region.key_stores.get(store_id)
    if store is None:
        raise _not_found(store_id)
    return store


def not_connected(store: KeyStore) -> CustomKeyStoreInvalidStateException:
    return CustomKeyStoreInvalidStateException(
        f"Custom key store {store.store_id} is not connected."
    )


def keys_of(region: Region, store: KeyStore) -> Iterator[Key]:
    return (key for key in region.keys.values() if key.key_store is store)


# -- CreateKey and GenerateRandom in a custom key store ----------------------------------

_ORIGIN_OF = {CLOUDHSM: "AWS_CLOUDHSM", EXTERNAL: "EXTERNAL_KEY_STORE"}
_STORE_ORIGINS = frozenset(_ORIGIN_OF.values())


def store_for_new_key(
    req: Request,
    *,
    origin: str,
    custom_key_store_id: str | None,
    xks_key_id: str | None,
    key_spec: str,
    multi_region: bool | None,
) -> KeyStore | None:
    """The store CreateKey puts its key in (None: not a custom-store key), after
    CreateKey's custom key store rules (its Origin, CustomKeyStoreId and XksKeyId docs)."""
    if origin in _STORE_ORIGINS and custom_key_store_id is None:
        raise ValidationException(f"You must specify a CustomKeyStoreId when Origin is {origin}.")
    if custom_key_store_id is not None and origin not in _STORE_ORIGINS:
        raise ValidationException(f"You cannot specify a CustomKeyStoreId when Origin is {origin}.")
    if xks_key_id is not None and origin != "EXTERNAL_KEY_STORE":
        raise ValidationException(f"You cannot specify an XksKeyId when Origin is {origin}.")
    if origin == "EXTERNAL_KEY_STORE" and xks_key_id is None:
        raise ValidationException("You must specify an XksKeyId when Origin is EXTERNAL_KEY_STORE.")
    if custom_key_store_id is None:
        return None
    store = find_store(req, custom_key_store_id)
    if _ORIGIN_OF[store.kind] != origin:
        raise UnsupportedOperationException(
            f"Custom key store {store.store_id} has CustomKeyStoreType {store.kind}, "
            f"which cannot hold a KMS key with Origin {origin}."
        )
    if key_spec != "SYMMETRIC_DEFAULT":
        raise UnsupportedOperationException(
            f"KeySpec {key_spec} is not supported in a custom key store."
        )
    if multi_region:
        raise UnsupportedOperationException(
            "Multi-Region keys cannot be created in a custom key store."
        )
    if not store.connected:
        raise not_connected(store)
    if xks_key_id is not None:
        for key in keys_of(req.region, store):
            if key.xks_key_id == xks_key_id:
                raise XksKeyAlreadyInUseException(
                    f"External key {xks_key_id} is already associated with KMS key "
                    f"{key.arn} in custom key store {store.store_id}."
                )
    return store


def place_key(key: Key, store: KeyStore, xks_key_id: str | None) -> None:
    """Make a newly created key a key of ``store``."""
    key.key_store = store
    key.xks_key_id = xks_key_id


def check_random_source(req: Request, custom_key_store_id: str) -> None:
    """GenerateRandom's CustomKeyStoreId: a connected CloudHSM key store."""
    store = find_store(req, custom_key_store_id)
    if store.kind != CLOUDHSM:
        # "If you specify the ID of an external key store, GenerateRandom throws an
        # UnsupportedOperationException" (the parameter's documentation).
        raise UnsupportedOperationException(
            f"GenerateRandom does not support external key store {store.store_id}."
        )
    if not store.connected:
        raise not_connected(store)
