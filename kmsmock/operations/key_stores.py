"""Custom key stores (AWS CloudHSM and external): their lifecycle and connections.

What is simulated, and how connections go, is described in ``backend/_key_stores.py``.
Nothing here was ever recorded from AWS: the rules come from the model's operation and
error-shape documentation, and every message text is kmsmock's, written after those
documents. IAM alone decides these operations (resource ``*``), as the model says.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kmsmock._dispatch import operation
from kmsmock.auth._authorize import authorize_iam
from kmsmock.backend._backend import REPLICA, Region
from kmsmock.backend._key import Key
from kmsmock.backend._key_stores import (
    CLOUDHSM,
    EXTERNAL,
    PUBLIC_ENDPOINT,
    QUOTA,
    VPC_ENDPOINT_SERVICE,
    ConnectionState,
    KeyStore,
    XksProxy,
    new_store_id,
)
from kmsmock.errors import (
    CloudHsmClusterInUseException,
    CustomKeyStoreHasCMKsException,
    CustomKeyStoreInvalidStateException,
    CustomKeyStoreNameInUseException,
    CustomKeyStoreNotFoundException,
    LimitExceededException,
    UnsupportedOperationException,
    ValidationException,
    XksKeyAlreadyInUseException,
    XksProxyUriEndpointInUseException,
    XksProxyUriInUseException,
    XksProxyVpcEndpointServiceInUseException,
)
from kmsmock.operations._pagination import page_by_seq, seq_slice
from kmsmock.operations._request import Request

_CLOUDHSM_PARAMETERS = ("CloudHsmClusterId", "TrustAnchorCertificate", "KeyStorePassword")
_XKS_REQUIRED = (
    "XksProxyConnectivity",
    "XksProxyUriEndpoint",
    "XksProxyUriPath",
    "XksProxyAuthenticationCredential",
)
_VPC_PARAMETERS = ("XksProxyVpcEndpointServiceName", "XksProxyVpcEndpointServiceOwner")
_XKS_PARAMETERS = _XKS_REQUIRED + _VPC_PARAMETERS

# UpdateCustomKeyStore: what each kind of store accepts, and what it accepts while
# CONNECTED (the operation's documentation); everything else needs DISCONNECTED.
_UPDATABLE = {
    CLOUDHSM: frozenset({"NewCustomKeyStoreName", "KeyStorePassword", "CloudHsmClusterId"}),
    EXTERNAL: frozenset({"NewCustomKeyStoreName", *_XKS_PARAMETERS}),
}
_UPDATABLE_CONNECTED = {
    CLOUDHSM: frozenset({"NewCustomKeyStoreName"}),
    EXTERNAL: frozenset(
        {"NewCustomKeyStoreName", "XksProxyAuthenticationCredential", "XksProxyUriPath"}
    ),
}


# -- shared rules ----------------------------------------------------------------------


def _present(**parameters: Any) -> dict[str, Any]:
    """The parameters a request gave, by wire name (the keyword names are wire names)."""
    return {name: value for name, value in parameters.items() if value is not None}


def _not_found(store_id: str) -> CustomKeyStoreNotFoundException:
    return CustomKeyStoreNotFoundException(f"Custom key store '{store_id}' does not exist")


def _store(req: Request, store_id: str) -> KeyStore:
    # Stores are never shared across accounts or Regions ("Cross-account use: No").
    store = req.region.key_stores.get(store_id)
    if store is None:
        raise _not_found(store_id)
    return store


def _not_connected(store: KeyStore) -> CustomKeyStoreInvalidStateException:
    return CustomKeyStoreInvalidStateException(
        f"Custom key store {store.store_id} is not connected."
    )


def _keys_of(region: Region, store: KeyStore) -> Iterator[Key]:
    return (key for key in region.keys.values() if key.key_store is store)


def _require(given: Mapping[str, Any], names: tuple[str, ...], condition: str) -> None:
    for name in names:
        if name not in given:
            raise ValidationException(f"{name} is required {condition}.")


def _forbid(given: Mapping[str, Any], names: tuple[str, ...], condition: str) -> None:
    for name in names:
        if name in given:
            raise ValidationException(f"{name} is not valid {condition}.")


def _for_kind(kind: str) -> str:
    return f"for a custom key store with CustomKeyStoreType {kind}"


def _check_name(region: Region, name: str, store: KeyStore | None = None) -> None:
    for other in region.key_stores.values():
        if other is not store and other.name == name:
            raise CustomKeyStoreNameInUseException(
                f"The custom key store name '{name}' is already in use in this account and Region."
            )


def _check_cluster(region: Region, cluster_id: str, store: KeyStore | None = None) -> None:
    for other in region.key_stores.values():
        if other is not store and other.cluster_id == cluster_id:
            raise CloudHsmClusterInUseException(
                f"CloudHSM cluster {cluster_id} is already associated with another custom "
                "key store in this account."
            )


def _check_proxy(region: Region, proxy: XksProxy, store: KeyStore | None = None) -> None:
    """The uniqueness rules of XksProxyUriEndpoint, XksProxyUriPath and the VPC endpoint
    service (CreateCustomKeyStore's parameter documentation)."""
    others = [
        other.xks
        for other in region.key_stores.values()
        if other is not store and other.xks is not None
    ]
    uri = proxy.uri_endpoint + proxy.uri_path
    for other in others:
        if other.uri_endpoint + other.uri_path == uri:
            raise XksProxyUriInUseException(
                f"The external key store proxy URI {uri} is already associated with another "
                "external key store in this Region."
            )
    vpc = proxy.connectivity == VPC_ENDPOINT_SERVICE
    for other in others:
        if other.uri_endpoint == proxy.uri_endpoint and (
            vpc or other.connectivity == VPC_ENDPOINT_SERVICE
        ):
            raise XksProxyUriEndpointInUseException(
                f"The XksProxyUriEndpoint {proxy.uri_endpoint} is already associated with "
                "another external key store in this Region."
            )
        if vpc and other.vpc_endpoint_service_name == proxy.vpc_endpoint_service_name:
            raise XksProxyVpcEndpointServiceInUseException(
                f"The VPC endpoint service {proxy.vpc_endpoint_service_name} is already "
                "associated with another external key store in this Region."
            )


def _check_connectivity(given: Mapping[str, Any], connectivity: str) -> None:
    if connectivity == VPC_ENDPOINT_SERVICE:
        _require(
            given,
            ("XksProxyVpcEndpointServiceName",),
            f"when XksProxyConnectivity is {VPC_ENDPOINT_SERVICE}",
        )
    else:
        _forbid(given, _VPC_PARAMETERS, f"when XksProxyConnectivity is {PUBLIC_ENDPOINT}")


# -- the operations ----------------------------------------------------------------------


@operation("CreateCustomKeyStore")
def create_custom_key_store(
    req: Request,
    *,
    custom_key_store_name: str,
    cloud_hsm_cluster_id: str | None = None,
    trust_anchor_certificate: str | None = None,
    key_store_password: str | None = None,
    custom_key_store_type: str | None = None,
    xks_proxy_uri_endpoint: str | None = None,
    xks_proxy_uri_path: str | None = None,
    xks_proxy_vpc_endpoint_service_name: str | None = None,
    xks_proxy_vpc_endpoint_service_owner: str | None = None,
    xks_proxy_authentication_credential: Mapping[str, str] | None = None,
    xks_proxy_connectivity: str | None = None,
) -> dict[str, Any]:
    authorize_iam(req, "CreateCustomKeyStore")
    kind = custom_key_store_type or CLOUDHSM
    given = _present(
        CloudHsmClusterId=cloud_hsm_cluster_id,
        TrustAnchorCertificate=trust_anchor_certificate,
        KeyStorePassword=key_store_password,
        XksProxyConnectivity=xks_proxy_connectivity,
        XksProxyUriEndpoint=xks_proxy_uri_endpoint,
        XksProxyUriPath=xks_proxy_uri_path,
        XksProxyAuthenticationCredential=xks_proxy_authentication_credential,
        XksProxyVpcEndpointServiceName=xks_proxy_vpc_endpoint_service_name,
        XksProxyVpcEndpointServiceOwner=xks_proxy_vpc_endpoint_service_owner,
    )
    if kind == CLOUDHSM:
        _require(given, _CLOUDHSM_PARAMETERS, _for_kind(kind))
        _forbid(given, _XKS_PARAMETERS, _for_kind(kind))
    else:
        _require(given, _XKS_REQUIRED, _for_kind(kind))
        _forbid(given, _CLOUDHSM_PARAMETERS, _for_kind(kind))
        _check_connectivity(given, str(xks_proxy_connectivity))
    region = req.region
    if len(region.key_stores) >= QUOTA:
        raise LimitExceededException(
            f"You have reached the limit of {QUOTA} custom key stores in this account and Region."
        )
    _check_name(region, custom_key_store_name)
    proxy = None
    if kind == CLOUDHSM:
        assert cloud_hsm_cluster_id is not None
        _check_cluster(region, cloud_hsm_cluster_id)
    else:
        assert xks_proxy_authentication_credential is not None
        vpc = xks_proxy_connectivity == VPC_ENDPOINT_SERVICE
        proxy = XksProxy(
            connectivity=str(xks_proxy_connectivity),
            uri_endpoint=str(xks_proxy_uri_endpoint),
            uri_path=str(xks_proxy_uri_path),
            access_key_id=xks_proxy_authentication_credential["AccessKeyId"],
            secret_access_key=xks_proxy_authentication_credential["RawSecretAccessKey"],
            vpc_endpoint_service_name=xks_proxy_vpc_endpoint_service_name,
            # "If not provided, the AWS account ID calling the action will be used."
            vpc_endpoint_service_owner=(xks_proxy_vpc_endpoint_service_owner or req.account_id)
            if vpc
            else None,
        )
        _check_proxy(region, proxy)
    store = KeyStore(
        store_id=new_store_id(req.backend.random_bytes),
        name=custom_key_store_name,
        kind=kind,
        creation_date=req.now,
        seq=req.backend.next_seq(),
        cluster_id=cloud_hsm_cluster_id,
        trust_anchor=trust_anchor_certificate,
        password=key_store_password,
        xks=proxy,
    )
    region.key_stores[store.store_id] = store
    return {"CustomKeyStoreId": store.store_id}


def _entry(store: KeyStore) -> dict[str, Any]:
    """A CustomKeyStoresListEntry; the proxy's secret access key is never shown."""
    entry: dict[str, Any] = {
        "CustomKeyStoreId": store.store_id,
        "CustomKeyStoreName": store.name,
        "ConnectionState": store.state.value,
        "CreationDate": store.creation_date,
        "CustomKeyStoreType": store.kind,
    }
    if store.state is ConnectionState.FAILED:
        entry["ConnectionErrorCode"] = store.error_code
    if store.kind == CLOUDHSM:
        entry["CloudHsmClusterId"] = store.cluster_id
        entry["TrustAnchorCertificate"] = store.trust_anchor
    proxy = store.xks
    if proxy is not None:
        entry["XksProxyConfiguration"] = {
            "Connectivity": proxy.connectivity,
            "AccessKeyId": proxy.access_key_id,
            "UriEndpoint": proxy.uri_endpoint,
            "UriPath": proxy.uri_path,
            "VpcEndpointServiceName": proxy.vpc_endpoint_service_name,
            "VpcEndpointServiceOwner": proxy.vpc_endpoint_service_owner,
        }
    return entry


def _store_seq(store: KeyStore) -> int:
    return store.seq


@operation("DescribeCustomKeyStores")
def describe_custom_key_stores(
    req: Request,
    *,
    custom_key_store_id: str | None = None,
    custom_key_store_name: str | None = None,
    limit: int | None = None,
    marker: str | None = None,
) -> dict[str, Any]:
    authorize_iam(req, "DescribeCustomKeyStores")
    stores = req.region.key_stores
    if custom_key_store_id is not None and custom_key_store_name is not None:
        # The documentation says "either ... but not both"; the refusal is kmsmock's choice.
        raise ValidationException(
            "You cannot specify both CustomKeyStoreId and CustomKeyStoreName."
        )
    if custom_key_store_id is not None:
        selected = [_store(req, custom_key_store_id)]
    elif custom_key_store_name is not None:
        selected = [s for s in stores.values() if s.name == custom_key_store_name]
        if not selected:
            raise CustomKeyStoreNotFoundException(
                f"Custom key store with name '{custom_key_store_name}' does not exist"
            )
    else:
        selected = list(stores.values())
    # The default page size is not documented (reference section 15.7); 100 as ListKeys.
    chunk, next_marker = page_by_seq(
        "custom-key-stores",
        seq_slice(selected, _store_seq),
        _store_seq,
        limit,
        marker,
        default=100,
        maximum=1000,
    )
    return {
        "CustomKeyStores": [_entry(store) for store in chunk],
        "NextMarker": next_marker,
        "Truncated": next_marker is not None,
    }


@operation("UpdateCustomKeyStore")
def update_custom_key_store(
    req: Request,
    *,
    custom_key_store_id: str,
    new_custom_key_store_name: str | None = None,
    key_store_password: str | None = None,
    cloud_hsm_cluster_id: str | None = None,
    xks_proxy_uri_endpoint: str | None = None,
    xks_proxy_uri_path: str | None = None,
    xks_proxy_vpc_endpoint_service_name: str | None = None,
    xks_proxy_vpc_endpoint_service_owner: str | None = None,
    xks_proxy_authentication_credential: Mapping[str, str] | None = None,
    xks_proxy_connectivity: str | None = None,
) -> None:
    authorize_iam(req, "UpdateCustomKeyStore")
    store = _store(req, custom_key_store_id)
    given = _present(
        NewCustomKeyStoreName=new_custom_key_store_name,
        KeyStorePassword=key_store_password,
        CloudHsmClusterId=cloud_hsm_cluster_id,
        XksProxyConnectivity=xks_proxy_connectivity,
        XksProxyUriEndpoint=xks_proxy_uri_endpoint,
        XksProxyUriPath=xks_proxy_uri_path,
        XksProxyAuthenticationCredential=xks_proxy_authentication_credential,
        XksProxyVpcEndpointServiceName=xks_proxy_vpc_endpoint_service_name,
        XksProxyVpcEndpointServiceOwner=xks_proxy_vpc_endpoint_service_owner,
    )
    _forbid(given, tuple(sorted(given.keys() - _UPDATABLE[store.kind])), _for_kind(store.kind))
    if store.state is ConnectionState.CONNECTED:
        blocked = sorted(given.keys() - _UPDATABLE_CONNECTED[store.kind])
        if blocked:
            raise CustomKeyStoreInvalidStateException(
                f"Custom key store {store.store_id} must be disconnected to update {blocked[0]}."
            )
    elif store.state is not ConnectionState.DISCONNECTED and given:
        raise CustomKeyStoreInvalidStateException(
            f"Custom key store {store.store_id} is not disconnected."
        )
    region = req.region
    if new_custom_key_store_name is not None:
        _check_name(region, new_custom_key_store_name, store)
    if cloud_hsm_cluster_id is not None:
        # Every cluster is taken as related to the store's own (no CloudHSM is simulated).
        _check_cluster(region, cloud_hsm_cluster_id, store)
    proxy = store.xks
    if proxy is not None:
        proxy = _updated_proxy(req, store, proxy, given)
        _check_proxy(region, proxy, store)
    # Every check has passed: apply the update as a whole.
    if new_custom_key_store_name is not None:
        store.name = new_custom_key_store_name
    if key_store_password is not None:
        store.password = key_store_password
    if cloud_hsm_cluster_id is not None:
        store.cluster_id = cloud_hsm_cluster_id
    store.xks = proxy


def _updated_proxy(
    req: Request, store: KeyStore, proxy: XksProxy, given: Mapping[str, Any]
) -> XksProxy:
    """The proxy configuration an update asks for (the store's own is left untouched)."""
    connectivity = given.get("XksProxyConnectivity", proxy.connectivity)
    if connectivity != proxy.connectivity:
        # "If you change the XksProxyConnectivity ..., you must also change the
        # XksProxyUriEndpoint" (UpdateCustomKeyStore's documentation).
        _require(given, ("XksProxyUriEndpoint",), "when XksProxyConnectivity changes")
        _check_connectivity(given, connectivity)
    elif connectivity == PUBLIC_ENDPOINT:
        _check_connectivity(given, connectivity)
    vpc = connectivity == VPC_ENDPOINT_SERVICE
    credential = given.get("XksProxyAuthenticationCredential")
    return XksProxy(
        connectivity=connectivity,
        uri_endpoint=given.get("XksProxyUriEndpoint", proxy.uri_endpoint),
        uri_path=given.get("XksProxyUriPath", proxy.uri_path),
        access_key_id=credential["AccessKeyId"] if credential else proxy.access_key_id,
        secret_access_key=credential["RawSecretAccessKey"]
        if credential
        else proxy.secret_access_key,
        vpc_endpoint_service_name=given.get(
            "XksProxyVpcEndpointServiceName", proxy.vpc_endpoint_service_name
        )
        if vpc
        else None,
        vpc_endpoint_service_owner=given.get(
            "XksProxyVpcEndpointServiceOwner",
            proxy.vpc_endpoint_service_owner or req.account_id,
        )
        if vpc
        else None,
    )


@operation("ConnectCustomKeyStore")
def connect_custom_key_store(req: Request, *, custom_key_store_id: str) -> None:
    authorize_iam(req, "ConnectCustomKeyStore")
    store = _store(req, custom_key_store_id)
    state = store.state
    if state in (ConnectionState.FAILED, ConnectionState.DISCONNECTING):
        raise CustomKeyStoreInvalidStateException(
            f"Custom key store {store.store_id} cannot be connected from ConnectionState "
            f"{state.value}; disconnect it first."
        )
    if state is not ConnectionState.DISCONNECTED:
        # Connected, or connecting: "valid for all other ConnectionState values".
        return
    attempt = store.begin_connecting()
    region = req.region

    def finish(_when: float) -> None:
        # A store deleted meanwhile has no keys left to restore.
        if region.key_stores.get(store.store_id) is store:
            store.finish_connecting(attempt, _keys_of(region, store))

    # Like a new replica, the connection completes when the clock next moves (or
    # after the store's connect_seconds).
    req.backend.schedule(req.now + store.connect_seconds, REPLICA, finish)


@operation("DisconnectCustomKeyStore")
def disconnect_custom_key_store(req: Request, *, custom_key_store_id: str) -> None:
    authorize_iam(req, "DisconnectCustomKeyStore")
    store = _store(req, custom_key_store_id)
    if store.state in (ConnectionState.DISCONNECTED, ConnectionState.DISCONNECTING):
        raise CustomKeyStoreInvalidStateException(
            f"Custom key store {store.store_id} is already disconnected."
        )
    store.disconnect(_keys_of(req.region, store))


@operation("DeleteCustomKeyStore")
def delete_custom_key_store(req: Request, *, custom_key_store_id: str) -> None:
    authorize_iam(req, "DeleteCustomKeyStore")
    store = _store(req, custom_key_store_id)
    if store.state is not ConnectionState.DISCONNECTED:
        raise CustomKeyStoreInvalidStateException(
            f"Custom key store {store.store_id} is not disconnected."
        )
    # Keys pending deletion still count: they are deleted when their window ends.
    if next(_keys_of(req.region, store), None) is not None:
        raise CustomKeyStoreHasCMKsException(
            f"Custom key store {store.store_id} contains KMS keys. Delete them "
            "(ScheduleKeyDeletion) before deleting the custom key store."
        )
    del req.region.key_stores[store.store_id]


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
    store = _store(req, custom_key_store_id)
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
        raise _not_connected(store)
    if xks_key_id is not None:
        for key in _keys_of(req.region, store):
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
    store = _store(req, custom_key_store_id)
    if store.kind != CLOUDHSM:
        # "If you specify the ID of an external key store, GenerateRandom throws an
        # UnsupportedOperationException" (the parameter's documentation).
        raise UnsupportedOperationException(
            f"GenerateRandom does not support external key store {store.store_id}."
        )
    if not store.connected:
        raise _not_connected(store)
