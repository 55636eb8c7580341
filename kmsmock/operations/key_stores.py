"""Custom key stores (AWS CloudHSM and external): their lifecycle and connections.

What is simulated, and how connections go, is described in ``backend/_key_stores.py``.
Nothing here was ever recorded from AWS: the rules come from the model's operation and
error-shape documentation, and every message text is kmsmock's, written after those
documents. IAM alone decides these operations (resource ``*``), as the model says.

The rules for store parameters are in ``_key_store_checks.py``; finding a store, and
what CreateKey and GenerateRandom require of one, in ``_key_store_placement.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kmsmock._dispatch import operation
from kmsmock.auth._authorize import authorize_iam
from kmsmock.backend._backend import REPLICA
from kmsmock.backend._key_stores import (
    CLOUDHSM,
    PUBLIC_ENDPOINT,
    QUOTA,
    VPC_ENDPOINT_SERVICE,
    ConnectionState,
    KeyStore,
    XksProxy,
    new_store_id,
)
from kmsmock.errors import (
    CustomKeyStoreHasCMKsException,
    CustomKeyStoreInvalidStateException,
    CustomKeyStoreNotFoundException,
    LimitExceededException,
    ValidationException,
)
from kmsmock.operations._key_store_checks import (
    CLOUDHSM_PARAMETERS,
    UPDATABLE,
    UPDATABLE_CONNECTED,
    XKS_PARAMETERS,
    XKS_REQUIRED,
    check_cluster,
    check_connectivity,
    check_name,
    check_proxy,
    for_kind,
    forbid,
    present,
    require,
)
from kmsmock.operations._key_store_placement import find_store, keys_of
from kmsmock.operations._pagination import page_by_seq, seq_slice
from kmsmock.operations._request import Request

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
    given = present(
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
        require(given, CLOUDHSM_PARAMETERS, for_kind(kind))
        forbid(given, XKS_PARAMETERS, for_kind(kind))
    else:
        require(given, XKS_REQUIRED, for_kind(kind))
        forbid(given, CLOUDHSM_PARAMETERS, for_kind(kind))
        check_connectivity(given, str(xks_proxy_connectivity))
    region = req.region
    if len(region.key_stores) >= QUOTA:
        raise LimitExceededException(
            f"You have reached the limit of {QUOTA} custom key stores in this account and Region."
        )
    check_name(region, custom_key_store_name)
    proxy = None
    if kind == CLOUDHSM:
        assert cloud_hsm_cluster_id is not None
        check_cluster(region, cloud_hsm_cluster_id)
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
        check_proxy(region, proxy)
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
        selected = [find_store(req, custom_key_store_id)]
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
    store = find_store(req, custom_key_store_id)
    given = present(
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
    forbid(given, tuple(sorted(given.keys() - UPDATABLE[store.kind])), for_kind(store.kind))
    if store.state is ConnectionState.CONNECTED:
        blocked = sorted(given.keys() - UPDATABLE_CONNECTED[store.kind])
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
        check_name(region, new_custom_key_store_name, store)
    if cloud_hsm_cluster_id is not None:
        # Every cluster is taken as related to the store's own (no CloudHSM is simulated).
        check_cluster(region, cloud_hsm_cluster_id, store)
    proxy = store.xks
    if proxy is not None:
        proxy = _updated_proxy(req, store, proxy, given)
        check_proxy(region, proxy, store)
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
        require(given, ("XksProxyUriEndpoint",), "when XksProxyConnectivity changes")
        check_connectivity(given, connectivity)
    elif connectivity == PUBLIC_ENDPOINT:
        check_connectivity(given, connectivity)
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
    store = find_store(req, custom_key_store_id)
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
            store.finish_connecting(attempt, keys_of(region, store))

    # Like a new replica, the connection completes when the clock next moves (or
    # after the store's connect_seconds).
    req.backend.schedule(req.now + store.connect_seconds, REPLICA, finish)


@operation("DisconnectCustomKeyStore")
def disconnect_custom_key_store(req: Request, *, custom_key_store_id: str) -> None:
    authorize_iam(req, "DisconnectCustomKeyStore")
    store = find_store(req, custom_key_store_id)
    if store.state in (ConnectionState.DISCONNECTED, ConnectionState.DISCONNECTING):
        raise CustomKeyStoreInvalidStateException(
            f"Custom key store {store.store_id} is already disconnected."
        )
    store.disconnect(keys_of(req.region, store))


@operation("DeleteCustomKeyStore")
def delete_custom_key_store(req: Request, *, custom_key_store_id: str) -> None:
    authorize_iam(req, "DeleteCustomKeyStore")
    store = find_store(req, custom_key_store_id)
    if store.state is not ConnectionState.DISCONNECTED:
        raise CustomKeyStoreInvalidStateException(
            f"Custom key store {store.store_id} is not disconnected."
        )
    # Keys pending deletion still count: they are deleted when their window ends.
    if next(keys_of(req.region, store), None) is not None:
        raise CustomKeyStoreHasCMKsException(
            f"Custom key store {store.store_id} contains KMS keys. Delete them "
            "(ScheduleKeyDeletion) before deleting the custom key store."
        )
    del req.region.key_stores[store.store_id]
