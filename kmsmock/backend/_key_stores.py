"""Custom key stores: an AWS CloudHSM cluster or an external key store proxy, simulated.

Nothing is contacted. Every cluster and proxy a request names exists and works, so a
connection succeeds, unless a test makes it fail with ``KeyStore.fail_connections``.
A connection takes ``KeyStore.connect_seconds`` (default 0: CONNECTING until the clock
next moves, which every call does); disconnection is immediate.

While a store is not CONNECTED its keys are Unavailable, except those pending deletion,
and they return to the state they had (Enabled or Disabled) when it connects again.
EnableKey and DisableKey on an Unavailable key change that remembered state only
(developer guide, "Troubleshooting a custom key store"; reference section 4, footnote 12).
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from kmsmock.backend._keystate import KeyState

if TYPE_CHECKING:
    from kmsmock.backend._key import Key

CLOUDHSM = "AWS_CLOUDHSM"
EXTERNAL = "EXTERNAL_KEY_STORE"
PUBLIC_ENDPOINT = "PUBLIC_ENDPOINT"
VPC_ENDPOINT_SERVICE = "VPC_ENDPOINT_SERVICE"

# AWS's quota of custom key stores per account and Region (reference section 12).
QUOTA = 10

# ConnectionErrorCode values that apply to each kind of store (the model's documentation
# of CustomKeyStoresListEntry.ConnectionErrorCode).
_ANY_STORE = frozenset({"INTERNAL_ERROR", "NETWORK_ERRORS"})
CONNECTION_ERRORS: dict[str, frozenset[str]] = {
    CLOUDHSM: _ANY_STORE
    | {
        "CLUSTER_NOT_FOUND",
        "INSUFFICIENT_CLOUDHSM_HSMS",
        "INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET",
        "INVALID_CREDENTIALS",
        "SUBNET_NOT_FOUND",
        "USER_LOCKED_OUT",
        "USER_LOGGED_IN",
        "USER_NOT_FOUND",
    },
    EXTERNAL: _ANY_STORE
    | {
        "INVALID_CREDENTIALS",
        "XKS_PROXY_ACCESS_DENIED",
        "XKS_PROXY_INVALID_CONFIGURATION",
        "XKS_PROXY_INVALID_RESPONSE",
        "XKS_PROXY_INVALID_TLS_CONFIGURATION",
        "XKS_PROXY_NOT_REACHABLE",
        "XKS_PROXY_TIMED_OUT",
        "XKS_VPC_ENDPOINT_SERVICE_INVALID_CONFIGURATION",
        "XKS_VPC_ENDPOINT_SERVICE_NOT_FOUND",
    },
}

# The key states a disconnection hides behind Unavailable; any other (pending deletion)
# stays visible.
_HIDDEN = frozenset({KeyState.ENABLED, KeyState.DISABLED})


class ConnectionState(str, enum.Enum):
    CONNECTED = "CONNECTED"
    CONNECTING = "CONNECTING"
    FAILED = "FAILED"
    DISCONNECTED = "DISCONNECTED"
    DISCONNECTING = "DISCONNECTING"


def new_store_id(random_bytes: Callable[[int], bytes] = os.urandom) -> str:
    # The model's examples: cks-1234567890abcdef0 (17 hex digits).
    return "cks-" + random_bytes(9).hex()[:17]


class XksProxy:
    """How KMS reaches an external key store's proxy (XksProxyConfiguration)."""

    __slots__ = (
        "access_key_id",
        "connectivity",
        "secret_access_key",
        "uri_endpoint",
        "uri_path",
        "vpc_endpoint_service_name",
        "vpc_endpoint_service_owner",
    )

    def __init__(
        self,
        *,
        connectivity: str,
        uri_endpoint: str,
        uri_path: str,
        access_key_id: str,
        secret_access_key: str,
        vpc_endpoint_service_name: str | None = None,
        vpc_endpoint_service_owner: str | None = None,
    ) -> None:
        self.connectivity = connectivity
        self.uri_endpoint = uri_endpoint
        self.uri_path = uri_path
        self.access_key_id = access_key_id
        # Kept as AWS keeps it, and never shown (DescribeCustomKeyStores omits it).
        self.secret_access_key = secret_access_key
        self.vpc_endpoint_service_name = vpc_endpoint_service_name
        self.vpc_endpoint_service_owner = vpc_endpoint_service_owner


class KeyStore:
    """One custom key store of an account and Region.

    Tests reach it through ``MockKMS.custom_key_store(id)`` to set ``connect_seconds``
    or call ``fail_connections``.
    """

    __slots__ = (
        "_attempt",
        "cluster_id",
        "connect_seconds",
        "creation_date",
        "error_code",
        "failure",
        "held",
        "kind",
        "name",
        "password",
        "seq",
        "state",
        "store_id",
        "trust_anchor",
        "xks",
    )

    def __init__(
        self,
        *,
        store_id: str,
        name: str,
        kind: str,
        creation_date: float,
        seq: int,
        cluster_id: str | None = None,
        trust_anchor: str | None = None,
        password: str | None = None,
        xks: XksProxy | None = None,
    ) -> None:
        self.store_id = store_id
        self.name = name
        self.kind = kind
        self.creation_date = creation_date
        # Listing position (creation order).
        self.seq = seq
        self.cluster_id = cluster_id
        self.trust_anchor = trust_anchor
        self.password = password
        self.xks = xks
        self.state = ConnectionState.DISCONNECTED
        # ConnectionErrorCode, while the state is FAILED.
        self.error_code: str | None = None
        # Key id -> the state an Unavailable key returns to when the store connects.
        self.held: dict[str, KeyState] = {}
        # Simulation knobs: how long a connection takes, and the ConnectionErrorCode
        # every connection attempt ends with (None: attempts succeed).
        self.connect_seconds = 0.0
        self.failure: str | None = None
        # Numbers connection attempts, so a disconnection cancels one still under way.
        self._attempt = 0

    @property
    def connected(self) -> bool:
        return self.state is ConnectionState.CONNECTED

    def fail_connections(self, code: str | None) -> None:
        """Make every later connection attempt end FAILED with ConnectionErrorCode ``code``.

        ``None`` lets attempts succeed again. The code must be one AWS documents for
        this kind of store (ValueError otherwise).
        """
        if code is not None and code not in CONNECTION_ERRORS[self.kind]:
            allowed = ", ".join(sorted(CONNECTION_ERRORS[self.kind]))
            raise ValueError(f"{code!r} is not a ConnectionErrorCode of {self.kind}: {allowed}")
        self.failure = code

    # -- connection ------------------------------------------------------------------

    def begin_connecting(self) -> int:
        """Enter CONNECTING; returns the attempt number ``finish_connecting`` expects."""
        self.state = ConnectionState.CONNECTING
        self.error_code = None
        self._attempt += 1
        return self._attempt

    def finish_connecting(self, attempt: int, keys: Iterable[Key]) -> None:
        """End attempt ``attempt`` (unless cancelled since); ``keys``: the store's keys."""
        if attempt != self._attempt or self.state is not ConnectionState.CONNECTING:
            return
        if self.failure is not None:
            self.state = ConnectionState.FAILED
            self.error_code = self.failure
            return
        self.state = ConnectionState.CONNECTED
        held = self.held
        for key in keys:
            if key.state is KeyState.UNAVAILABLE:
                key.enter(held.get(key.key_id, KeyState.ENABLED))
        held.clear()

    def disconnect(self, keys: Iterable[Key]) -> None:
        """DISCONNECTED at once; a connection under way is abandoned."""
        was_connected = self.connected
        self.state = ConnectionState.DISCONNECTED
        self.error_code = None
        self._attempt += 1
        if was_connected:
            # In every other state the keys are Unavailable already.
            for key in keys:
                self.hide(key)

    def hide(self, key: Key) -> None:
        """Make ``key`` Unavailable, remembering the state it returns to."""
        if key.state in _HIDDEN:
            self.held[key.key_id] = key.state
            key.enter(KeyState.UNAVAILABLE)

    def __repr__(self) -> str:
        return f"<KeyStore {self.store_id} {self.kind} {self.state.value}>"


def hold(key: Key, state: KeyState) -> None:
    """EnableKey/DisableKey on an Unavailable key: ``state`` applies when its store
    connects (reference section 4, footnote 12)."""
    store = key.key_store
    if store is not None:
        store.held[key.key_id] = state


def hide_if_disconnected(key: Key) -> None:
    """A key whose state was just set (CancelKeyDeletion) is Unavailable if its store is
    not connected: a disconnected store's keys are Unavailable or pending deletion."""
    store = key.key_store
    if store is not None and not store.connected:
        store.hide(key)


def metadata_fields(key: Key) -> dict[str, object]:
    """KeyMetadata's CloudHsmClusterId or XksKeyConfiguration of a custom-store key."""
    store = key.key_store
    if store is None:
        return {}
    if store.kind == CLOUDHSM:
        return {"CloudHsmClusterId": store.cluster_id}
    return {"XksKeyConfiguration": {"Id": key.xks_key_id}}
