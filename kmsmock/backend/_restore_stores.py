"""Custom key stores from a saved state document (docs/state.md): each store with its
connection state (a connection under way completes when it falls due), and the check
that the key states a store holds are those of its own keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kmsmock.backend._backend import REPLICA, Region
from kmsmock.backend._fields import Obj, StateError
from kmsmock.backend._key_stores import CONNECTION_ERRORS, ConnectionState, KeyStore, XksProxy
from kmsmock.backend._keystate import KeyState
from kmsmock.backend._state_format import STORE_MEMBERS, XKS_MEMBERS

if TYPE_CHECKING:
    from kmsmock.backend._restore import _Loader


def load_store(loader: _Loader, where: str, value: object) -> tuple[Region, KeyStore]:
    obj = Obj(value, where, STORE_MEMBERS)
    account, region_name = loader.place(obj)
    kind = obj.choice("kind", CONNECTION_ERRORS)
    xks_spec = obj.child("xks", XKS_MEMBERS)
    xks = None
    if xks_spec is not None:
        xks = XksProxy(
            connectivity=xks_spec.text("connectivity"),
            uri_endpoint=xks_spec.text("uri_endpoint"),
            uri_path=xks_spec.text("uri_path"),
            access_key_id=xks_spec.text("access_key_id"),
            secret_access_key=xks_spec.text("secret_access_key"),
            vpc_endpoint_service_name=xks_spec.text("vpc_endpoint_service_name", None),
            vpc_endpoint_service_owner=xks_spec.text("vpc_endpoint_service_owner", None),
        )
    store = KeyStore(
        store_id=obj.text("id"),
        name=obj.text("name"),
        kind=kind,
        creation_date=obj.time("creation_date", loader.backend.clock.now()),
        seq=loader.seq(obj),
        cluster_id=obj.text("cluster_id", None),
        trust_anchor=obj.text("trust_anchor", None),
        password=obj.text("password", None),
        xks=xks,
    )
    state = obj.choice("connection_state", [s.value for s in ConnectionState], "DISCONNECTED")
    store.state = ConnectionState(state)
    store.error_code = obj.choice("error_code", CONNECTION_ERRORS[kind], None)
    held = obj.mapping("held", {})
    states = {s.value for s in KeyState}
    for key_id, held_state in held.items():
        if held_state not in states:
            raise StateError(f"{obj.at('held')}: {held_state!r} is not a key state")
        store.held[key_id] = KeyState(held_state)
    store.connect_seconds = float(obj.number("connect_seconds", 0.0))
    store.fail_connections(obj.choice("failure", CONNECTION_ERRORS[kind], None))
    region = loader.backend.region(account, region_name)
    if (account, region_name, store.store_id) in loader.stores:
        raise StateError(f"{where}: a second custom key store {store.store_id}")
    loader.stores[account, region_name, store.store_id] = store
    if store.state is ConnectionState.CONNECTING:
        attempt = store.begin_connecting()
        when = obj.time("ready_at", loader.backend.clock.now())

        def finish(_: float) -> None:
            if region.key_stores.get(store.store_id) is store:
                keys = [k for k in region.keys.values() if k.key_store is store]
                store.finish_connecting(attempt, keys)

        loader.events.append((when, REPLICA, finish))
    return region, store


def check_stores(loader: _Loader) -> None:
    for (account, region, store_id), store in loader.stores.items():
        for key_id in store.held:
            key = loader.keys.get((account, region, key_id))
            if key is None or key.key_store is not store:
                raise StateError(
                    f"custom key store {store_id}: holds the state of {key_id}, "
                    "which is not one of its keys"
                )
