"""The rules for a custom key store's parameters, shared by CreateCustomKeyStore and
UpdateCustomKeyStore: which parameters each kind of store takes, and the checks of their
presence and uniqueness (the handlers are in ``key_stores.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kmsmock.backend._backend import Region
from kmsmock.backend._key_stores import (
    CLOUDHSM,
    EXTERNAL,
    PUBLIC_ENDPOINT,
    VPC_ENDPOINT_SERVICE,
    KeyStore,
    XksProxy,
)
from kmsmock.errors import (
    CloudHsmClusterInUseException,
    CustomKeyStoreNameInUseException,
    ValidationException,
    XksProxyUriEndpointInUseException,
    XksProxyUriInUseException,
    XksProxyVpcEndpointServiceInUseException,
)

CLOUDHSM_PARAMETERS = ("CloudHsmClusterId", "TrustAnchorCertificate", "KeyStorePassword")
XKS_REQUIRED = (
    "XksProxyConnectivity",
    "XksProxyUriEndpoint",
    "XksProxyUriPath",
    "XksProxyAuthenticationCredential",
)
_VPC_PARAMETERS = ("XksProxyVpcEndpointServiceName", "XksProxyVpcEndpointServiceOwner")
XKS_PARAMETERS = XKS_REQUIRED + _VPC_PARAMETERS

# UpdateCustomKeyStore: what each kind of store accepts, and what it accepts while
# CONNECTED (the operation's documentation); everything else needs DISCONNECTED.
UPDATABLE = {
    CLOUDHSM: frozenset({"NewCustomKeyStoreName", "KeyStorePassword", "CloudHsmClusterId"}),
    EXTERNAL: frozenset({"NewCustomKeyStoreName", *XKS_PARAMETERS}),
}
UPDATABLE_CONNECTED = {
    CLOUDHSM: frozenset({"NewCustomKeyStoreName"}),
    EXTERNAL: frozenset(
        {"NewCustomKeyStoreName", "XksProxyAuthenticationCredential", "XksProxyUriPath"}
    ),
}


def present(**parameters: Any) -> dict[str, Any]:
    """The parameters a request gave, by wire name (the keyword names are wire names)."""
    return {name: value for name, value in parameters.items() if value is not None}


def require(given: Mapping[str, Any], names: tuple[str, ...], condition: str) -> None:
    for name in names:
        if name not in given:
            raise ValidationException(f"{name} is required {condition}.")


def forbid(given: Mapping[str, Any], names: tuple[str, ...], condition: str) -> None:
    for name in names:
        if name in given:
            raise ValidationException(f"{name} is not valid {condition}.")


def for_kind(kind: str) -> str:
    return f"for a custom key store with CustomKeyStoreType {kind}"


def check_name(region: Region, name: str, store: KeyStore | None = None) -> None:
    for other in region.key_stores.values():
        if other is not store and other.name == name:
            raise CustomKeyStoreNameInUseException(
                f"The custom key store name '{name}' is already in use in this account and Region."
            )


def check_cluster(region: Region, cluster_id: str, store: KeyStore | None = None) -> None:
    for other in region.key_stores.values():
        if other is not store and other.cluster_id == cluster_id:
            raise CloudHsmClusterInUseException(
                f"CloudHSM cluster {cluster_id} is already associated with another custom "
                "key store in this account."
            )


def check_proxy(region: Region, proxy: XksProxy, store: KeyStore | None = None) -> None:
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


def check_connectivity(given: Mapping[str, Any], connectivity: str) -> None:
    if connectivity == VPC_ENDPOINT_SERVICE:
        require(
            given,
            ("XksProxyVpcEndpointServiceName",),
            f"when XksProxyConnectivity is {VPC_ENDPOINT_SERVICE}",
        )
    else:
        forbid(given, _VPC_PARAMETERS, f"when XksProxyConnectivity is {PUBLIC_ENDPOINT}")
