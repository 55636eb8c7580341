"""Custom key stores: the six store operations, keys in a store, GenerateRandom in a store.

Nothing about these operations was ever recorded from AWS (AWS_RECORDED_FACTS.md 4), so
every message text pinned here is kmsmock's choice, written after the model's error
documentation; the rules come from the model's operation and parameter documentation,
the developer guide ("Troubleshooting a custom key store": Unavailable keys) and
KMS_BEHAVIOUR.md sections 4 (Unavailable), 12 (quota of 10) and 14 (all HTTP 400).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

ACCOUNT = "123456789012"
CLUSTER = "cluster-234abcdefgh"
OTHER_CLUSTER = "cluster-567abcdefgh"
ACCESS_KEY_ID = "ABCDEFGHIJKLMNOPQRST"
SECRET = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ENDPOINT = "https://xks.example.com"
PATH = "/kms/xks/v1"
SERVICE = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
OTHER_SERVICE = "com.amazonaws.vpce.us-east-1.vpce-svc-0fedcba9876543210"
STORE_ID_RE = re.compile(r"cks-[0-9a-f]{17}")


def _error(call: Callable[[], object]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call()
    return error_of(info)


def _cloudhsm(client: KMSClient, name: str = "hsm", cluster: str = CLUSTER) -> str:
    return client.create_custom_key_store(
        CustomKeyStoreName=name,
        CloudHsmClusterId=cluster,
        TrustAnchorCertificate="<certificate>",
        KeyStorePassword="kmsPswd",
    )["CustomKeyStoreId"]


def _xks_args(
    name: str = "xks",
    endpoint: str = ENDPOINT,
    path: str = PATH,
    connectivity: str = "PUBLIC_ENDPOINT",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "CustomKeyStoreName": name,
        "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
        "XksProxyUriEndpoint": endpoint,
        "XksProxyUriPath": path,
        "XksProxyConnectivity": connectivity,
        "XksProxyAuthenticationCredential": {
            "AccessKeyId": ACCESS_KEY_ID,
            "RawSecretAccessKey": SECRET,
        },
        **extra,
    }


def _xks(client: KMSClient, **kwargs: Any) -> str:
    return client.create_custom_key_store(**_xks_args(**kwargs))["CustomKeyStoreId"]


def _vpc(client: KMSClient, **kwargs: Any) -> str:
    kwargs.setdefault("XksProxyVpcEndpointServiceName", SERVICE)
    return _xks(client, connectivity="VPC_ENDPOINT_SERVICE", **kwargs)


def _entry(client: KMSClient, store_id: str) -> dict[str, Any]:
    stores = client.describe_custom_key_stores(CustomKeyStoreId=store_id)["CustomKeyStores"]
    assert len(stores) == 1
    return dict(stores[0])


def _state(client: KMSClient, store_id: str) -> str:
    return str(_entry(client, store_id)["ConnectionState"])


def _connected(client: KMSClient, store_id: str) -> str:
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    # The connection completes at the next call (connect_seconds 0).
    assert _state(client, store_id) == "CONNECTED"
    return store_id


def _key_state(client: KMSClient, key_id: str) -> str:
    return client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]


def _hsm_key(client: KMSClient, store_id: str) -> str:
    metadata = client.create_key(Origin="AWS_CLOUDHSM", CustomKeyStoreId=store_id)
    return metadata["KeyMetadata"]["KeyId"]


def _assert_last_page(page: Mapping[str, object]) -> None:
    # Typed as a plain mapping: the stubs declare NextMarker always present.
    assert page["Truncated"] is False
    assert "NextMarker" not in page


def _not_found(store_id: str) -> tuple[str, str, int]:
    return ("CustomKeyStoreNotFoundException", f"Custom key store '{store_id}' does not exist", 400)


# -- CreateCustomKeyStore and DescribeCustomKeyStores -----------------------------------


def test_create_cloudhsm_store_is_disconnected_and_described(
    kms: MockKMS, client: KMSClient
) -> None:
    created = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
    kms.clock.set(created)
    store_id = _cloudhsm(client)
    assert STORE_ID_RE.fullmatch(store_id)
    entry = _entry(client, store_id)
    # CreationDate comes from the simulated clock.
    assert abs(entry.pop("CreationDate") - created) < timedelta(seconds=1)
    assert entry == {
        "CustomKeyStoreId": store_id,
        "CustomKeyStoreName": "hsm",
        "CloudHsmClusterId": CLUSTER,
        "TrustAnchorCertificate": "<certificate>",
        "ConnectionState": "DISCONNECTED",
        "CustomKeyStoreType": "AWS_CLOUDHSM",
    }


def test_create_cloudhsm_store_with_explicit_type(client: KMSClient) -> None:
    store_id = client.create_custom_key_store(
        CustomKeyStoreName="hsm",
        CustomKeyStoreType="AWS_CLOUDHSM",
        CloudHsmClusterId=CLUSTER,
        TrustAnchorCertificate="<certificate>",
        KeyStorePassword="kmsPswd",
    )["CustomKeyStoreId"]
    assert _entry(client, store_id)["CustomKeyStoreType"] == "AWS_CLOUDHSM"


def test_create_external_store_with_public_endpoint(client: KMSClient) -> None:
    response = client.create_custom_key_store(**_xks_args())
    store_id = response["CustomKeyStoreId"]
    entry = _entry(client, store_id)
    del entry["CreationDate"]
    # The proxy's secret access key is never returned.
    assert SECRET not in repr(response) + repr(entry)
    assert entry == {
        "CustomKeyStoreId": store_id,
        "CustomKeyStoreName": "xks",
        "ConnectionState": "DISCONNECTED",
        "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
        "XksProxyConfiguration": {
            "Connectivity": "PUBLIC_ENDPOINT",
            "AccessKeyId": ACCESS_KEY_ID,
            "UriEndpoint": ENDPOINT,
            "UriPath": PATH,
        },
    }


@pytest.mark.needs_model(member="CreateCustomKeyStoreRequest.XksProxyVpcEndpointServiceOwner")
@pytest.mark.needs_model(member="XksProxyConfigurationType.VpcEndpointServiceOwner")
def test_create_external_store_with_vpc_endpoint_service(client: KMSClient) -> None:
    store_id = _vpc(client)
    # Without XksProxyVpcEndpointServiceOwner, the caller's account owns the service.
    assert _entry(client, store_id)["XksProxyConfiguration"] == {
        "Connectivity": "VPC_ENDPOINT_SERVICE",
        "AccessKeyId": ACCESS_KEY_ID,
        "UriEndpoint": ENDPOINT,
        "UriPath": PATH,
        "VpcEndpointServiceName": SERVICE,
        "VpcEndpointServiceOwner": ACCOUNT,
    }
    owned = _vpc(
        client,
        name="owned",
        endpoint="https://other.example.com",
        XksProxyVpcEndpointServiceName=OTHER_SERVICE,
        XksProxyVpcEndpointServiceOwner="111122223333",
    )
    configuration = _entry(client, owned)["XksProxyConfiguration"]
    assert configuration["VpcEndpointServiceOwner"] == "111122223333"


_HSM_PARAMETERS: dict[str, Any] = {
    "CloudHsmClusterId": CLUSTER,
    "TrustAnchorCertificate": "<certificate>",
    "KeyStorePassword": "kmsPswd",
}


@pytest.mark.parametrize("missing", sorted(_HSM_PARAMETERS))
def test_create_cloudhsm_store_requires_its_parameters(client: KMSClient, missing: str) -> None:
    arguments: dict[str, Any] = {k: v for k, v in _HSM_PARAMETERS.items() if k != missing}
    # kmsmock's text: no AWS text is recorded for a missing type-specific parameter.
    assert _error(
        lambda: client.create_custom_key_store(CustomKeyStoreName="hsm", **arguments)
    ) == (
        "ValidationException",
        f"{missing} is required for a custom key store with CustomKeyStoreType AWS_CLOUDHSM.",
        400,
    )


@pytest.mark.parametrize(
    "missing",
    [
        "XksProxyConnectivity",
        "XksProxyUriEndpoint",
        "XksProxyUriPath",
        "XksProxyAuthenticationCredential",
    ],
)
def test_create_external_store_requires_its_parameters(client: KMSClient, missing: str) -> None:
    arguments = _xks_args()
    del arguments[missing]
    assert _error(lambda: client.create_custom_key_store(**arguments)) == (
        "ValidationException",
        f"{missing} is required for a custom key store with CustomKeyStoreType EXTERNAL_KEY_STORE.",
        400,
    )


def test_create_store_refuses_the_other_kinds_parameters(client: KMSClient) -> None:
    assert _error(
        lambda: client.create_custom_key_store(
            **_HSM_PARAMETERS, CustomKeyStoreName="hsm", XksProxyUriPath=PATH
        )
    ) == (
        "ValidationException",
        "XksProxyUriPath is not valid for a custom key store with CustomKeyStoreType AWS_CLOUDHSM.",
        400,
    )
    assert _error(
        lambda: client.create_custom_key_store(**_xks_args(KeyStorePassword="kmsPswd"))
    ) == (
        "ValidationException",
        "KeyStorePassword is not valid for a custom key store with CustomKeyStoreType "
        "EXTERNAL_KEY_STORE.",
        400,
    )
    assert client.describe_custom_key_stores()["CustomKeyStores"] == []


@pytest.mark.needs_model(member="CreateCustomKeyStoreRequest.XksProxyVpcEndpointServiceOwner")
def test_create_external_store_connectivity_rules(client: KMSClient) -> None:
    # The service name is required for VPC_ENDPOINT_SERVICE connectivity ...
    assert _error(
        lambda: client.create_custom_key_store(**_xks_args(connectivity="VPC_ENDPOINT_SERVICE"))
    ) == (
        "ValidationException",
        "XksProxyVpcEndpointServiceName is required when XksProxyConnectivity is "
        "VPC_ENDPOINT_SERVICE.",
        400,
    )
    # ... and neither it nor its owner goes with a public endpoint.
    for name, value in [
        ("XksProxyVpcEndpointServiceName", SERVICE),
        ("XksProxyVpcEndpointServiceOwner", ACCOUNT),
    ]:
        assert _error(partial(client.create_custom_key_store, **_xks_args(**{name: value}))) == (
            "ValidationException",
            f"{name} is not valid when XksProxyConnectivity is PUBLIC_ENDPOINT.",
            400,
        )


def test_create_store_model_constraints(client: KMSClient) -> None:
    # The codec applies the model's patterns; the password is sensitive, so not echoed.
    assert _error(
        lambda: client.create_custom_key_store(
            CustomKeyStoreName="hsm",
            CloudHsmClusterId=CLUSTER,
            TrustAnchorCertificate="<certificate>",
            KeyStorePassword="p" * 33,
        )
    ) == (
        "ValidationException",
        "1 validation error detected: Value at 'keyStorePassword' failed to satisfy "
        "constraint: Member must have length less than or equal to 32",
        400,
    )
    assert _error(lambda: client.create_custom_key_store(**_xks_args(path="/kms/xks/v1/x"))) == (
        "ValidationException",
        "1 validation error detected: Value '/kms/xks/v1/x' at 'xksProxyUriPath' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: "
        r"^(/[a-zA-Z0-9\/_-]+/kms/xks/v\d{1,2})$|^(/kms/xks/v\d{1,2})$",
        400,
    )


def test_store_names_are_unique_per_account_and_region(kms: MockKMS, client: KMSClient) -> None:
    _cloudhsm(client, name="shared")
    expected = (
        "CustomKeyStoreNameInUseException",
        "The custom key store name 'shared' is already in use in this account and Region.",
        400,
    )
    assert _error(lambda: _cloudhsm(client, name="shared", cluster=OTHER_CLUSTER)) == expected
    assert _error(lambda: _xks(client, name="shared")) == expected
    # Another Region has its own names.
    elsewhere = boto3.client("kms", region_name="eu-west-1")
    assert STORE_ID_RE.fullmatch(_cloudhsm(elsewhere, name="shared"))


def test_a_cluster_backs_one_store(client: KMSClient) -> None:
    _cloudhsm(client, name="first")
    assert _error(lambda: _cloudhsm(client, name="second")) == (
        "CloudHsmClusterInUseException",
        f"CloudHSM cluster {CLUSTER} is already associated with another custom key store in "
        "this account.",
        400,
    )


def test_external_proxy_uniqueness_rules(client: KMSClient) -> None:
    _xks(client, name="public")
    # The endpoint and path together are unique.
    assert _error(lambda: _xks(client, name="again")) == (
        "XksProxyUriInUseException",
        f"The external key store proxy URI {ENDPOINT}{PATH} is already associated with "
        "another external key store in this Region.",
        400,
    )
    assert _error(lambda: _vpc(client, name="again")) == (
        "XksProxyUriInUseException",
        f"The external key store proxy URI {ENDPOINT}{PATH} is already associated with "
        "another external key store in this Region.",
        400,
    )
    # Public endpoints may share a host with other paths ...
    _xks(client, name="public-2", path="/second/kms/xks/v1")
    # ... but not with a VPC endpoint service store, either way round.
    endpoint_in_use = (
        "XksProxyUriEndpointInUseException",
        f"The XksProxyUriEndpoint {ENDPOINT} is already associated with another external "
        "key store in this Region.",
        400,
    )
    assert _error(lambda: _vpc(client, name="vpc", path="/third/kms/xks/v1")) == endpoint_in_use
    vpc_host = "https://private.example.com"
    _vpc(client, name="vpc", endpoint=vpc_host)
    assert _error(
        lambda: _xks(client, name="public-3", endpoint=vpc_host, path="/other/kms/xks/v1")
    ) == (
        "XksProxyUriEndpointInUseException",
        f"The XksProxyUriEndpoint {vpc_host} is already associated with another external "
        "key store in this Region.",
        400,
    )
    # Each VPC store has its own endpoint service.
    assert _error(lambda: _vpc(client, name="vpc-2", endpoint="https://third.example.com")) == (
        "XksProxyVpcEndpointServiceInUseException",
        f"The VPC endpoint service {SERVICE} is already associated with another external key "
        "store in this Region.",
        400,
    )


def test_eleventh_store_exceeds_the_quota(client: KMSClient) -> None:
    # KMS_BEHAVIOUR.md 12: 10 custom key stores per account and Region.
    ids = [_xks(client, name=f"s{i}", path=f"/p{i}/kms/xks/v1") for i in range(10)]
    assert _error(lambda: _cloudhsm(client)) == (
        "LimitExceededException",
        "You have reached the limit of 10 custom key stores in this account and Region.",
        400,
    )
    client.delete_custom_key_store(CustomKeyStoreId=ids[0])
    assert STORE_ID_RE.fullmatch(_cloudhsm(client))


def test_describe_lists_in_creation_order_and_filters(client: KMSClient) -> None:
    assert client.describe_custom_key_stores()["CustomKeyStores"] == []
    first = _cloudhsm(client, name="b-first")
    second = _xks(client, name="a-second")
    listed = client.describe_custom_key_stores()
    assert [s["CustomKeyStoreId"] for s in listed["CustomKeyStores"]] == [first, second]
    _assert_last_page(listed)
    by_name = client.describe_custom_key_stores(CustomKeyStoreName="a-second")
    assert [s["CustomKeyStoreId"] for s in by_name["CustomKeyStores"]] == [second]
    by_id = client.describe_custom_key_stores(CustomKeyStoreId=first)
    assert [s["CustomKeyStoreName"] for s in by_id["CustomKeyStores"]] == ["b-first"]


def test_describe_unknown_store(client: KMSClient) -> None:
    assert _error(
        lambda: client.describe_custom_key_stores(CustomKeyStoreId="cks-1234567890abcdef0")
    ) == _not_found("cks-1234567890abcdef0")
    assert _error(lambda: client.describe_custom_key_stores(CustomKeyStoreName="nope")) == (
        "CustomKeyStoreNotFoundException",
        "Custom key store with name 'nope' does not exist",
        400,
    )
    # Stores belong to one Region.
    store_id = _cloudhsm(client)
    elsewhere = boto3.client("kms", region_name="eu-west-1")
    assert _error(
        lambda: elsewhere.describe_custom_key_stores(CustomKeyStoreId=store_id)
    ) == _not_found(store_id)


def test_describe_refuses_both_id_and_name(client: KMSClient) -> None:
    store_id = _cloudhsm(client)
    assert _error(
        lambda: client.describe_custom_key_stores(
            CustomKeyStoreId=store_id, CustomKeyStoreName="hsm"
        )
    ) == (
        "ValidationException",
        "You cannot specify both CustomKeyStoreId and CustomKeyStoreName.",
        400,
    )


def test_describe_pages(client: KMSClient) -> None:
    ids = [_xks(client, name=f"s{i}", path=f"/p{i}/kms/xks/v1") for i in range(5)]
    seen: list[str] = []
    marker: str | None = None
    while True:
        kwargs: dict[str, Any] = {"Limit": 2}
        if marker is not None:
            kwargs["Marker"] = marker
        response = client.describe_custom_key_stores(**kwargs)
        seen += [s["CustomKeyStoreId"] for s in response["CustomKeyStores"]]
        if not response["Truncated"]:
            _assert_last_page(response)
            break
        assert len(response["CustomKeyStores"]) == 2
        marker = response["NextMarker"]
    assert seen == ids
    paginated = client.get_paginator("describe_custom_key_stores").paginate(
        PaginationConfig={"PageSize": 3}
    )
    assert [s["CustomKeyStoreId"] for p in paginated for s in p["CustomKeyStores"]] == ids
    assert _error(lambda: client.describe_custom_key_stores(Marker="garbage")) == (
        "InvalidMarkerException",
        "Invalid marker",
        400,
    )


# -- connection states -----------------------------------------------------------------


def test_connect_completes_when_the_clock_next_moves(kms: MockKMS, client: KMSClient) -> None:
    store_id = _cloudhsm(client)
    assert client.connect_custom_key_store(CustomKeyStoreId=store_id)["ResponseMetadata"]
    assert _state(client, store_id) == "CONNECTED"
    # Connecting a connected store is accepted and changes nothing.
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert _state(client, store_id) == "CONNECTED"


def test_connect_takes_connect_seconds(kms: MockKMS, client: KMSClient) -> None:
    store_id = _cloudhsm(client)
    kms.custom_key_store(store_id).connect_seconds = 60
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert _state(client, store_id) == "CONNECTING"
    # Connecting again while connecting is accepted and does not restart the wait.
    kms.clock.advance(seconds=30)
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert _state(client, store_id) == "CONNECTING"
    kms.clock.advance(seconds=30)
    assert _state(client, store_id) == "CONNECTED"


def test_disconnect_abandons_a_connection_under_way(kms: MockKMS, client: KMSClient) -> None:
    store_id = _cloudhsm(client)
    kms.custom_key_store(store_id).connect_seconds = 60
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    kms.clock.advance(seconds=120)
    assert _state(client, store_id) == "DISCONNECTED"


def test_failed_connection_reports_its_error_code(kms: MockKMS, client: KMSClient) -> None:
    store_id = _xks(client)
    kms.custom_key_store(store_id).fail_connections("XKS_PROXY_NOT_REACHABLE")
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    entry = _entry(client, store_id)
    assert (entry["ConnectionState"], entry["ConnectionErrorCode"]) == (
        "FAILED",
        "XKS_PROXY_NOT_REACHABLE",
    )
    # A failed store must be disconnected before it is connected again.
    assert _error(lambda: client.connect_custom_key_store(CustomKeyStoreId=store_id)) == (
        "CustomKeyStoreInvalidStateException",
        f"Custom key store {store_id} cannot be connected from ConnectionState FAILED; "
        "disconnect it first.",
        400,
    )
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    entry = _entry(client, store_id)
    assert entry["ConnectionState"] == "DISCONNECTED"
    assert "ConnectionErrorCode" not in entry
    kms.custom_key_store(store_id).fail_connections(None)
    _connected(client, store_id)
    assert "ConnectionErrorCode" not in _entry(client, store_id)


def test_fail_connections_accepts_only_codes_of_the_stores_kind(
    kms: MockKMS, client: KMSClient
) -> None:
    hsm = kms.custom_key_store(_cloudhsm(client))
    xks = kms.custom_key_store(_xks(client))
    hsm.fail_connections("USER_LOGGED_IN")
    xks.fail_connections("INVALID_CREDENTIALS")
    with pytest.raises(ValueError, match="XKS_PROXY_TIMED_OUT"):
        hsm.fail_connections("XKS_PROXY_TIMED_OUT")
    with pytest.raises(ValueError, match="CLUSTER_NOT_FOUND"):
        xks.fail_connections("CLUSTER_NOT_FOUND")
    with pytest.raises(KeyError):
        kms.custom_key_store("cks-1234567890abcdef0")


def test_disconnect_a_disconnected_store(client: KMSClient) -> None:
    store_id = _cloudhsm(client)
    assert _error(lambda: client.disconnect_custom_key_store(CustomKeyStoreId=store_id)) == (
        "CustomKeyStoreInvalidStateException",
        f"Custom key store {store_id} is already disconnected.",
        400,
    )


@pytest.mark.parametrize(
    "call",
    [
        "connect_custom_key_store",
        "disconnect_custom_key_store",
        "delete_custom_key_store",
        "update_custom_key_store",
    ],
)
def test_operations_on_an_unknown_store(client: KMSClient, call: str) -> None:
    unknown = "cks-1234567890abcdef0"
    assert _error(lambda: getattr(client, call)(CustomKeyStoreId=unknown)) == _not_found(unknown)


# -- UpdateCustomKeyStore ----------------------------------------------------------------


def test_update_cloudhsm_store_while_disconnected(client: KMSClient) -> None:
    store_id = _cloudhsm(client)
    client.update_custom_key_store(
        CustomKeyStoreId=store_id,
        NewCustomKeyStoreName="renamed",
        KeyStorePassword="newPassword",
        CloudHsmClusterId=OTHER_CLUSTER,
    )
    entry = _entry(client, store_id)
    assert (entry["CustomKeyStoreName"], entry["CloudHsmClusterId"]) == ("renamed", OTHER_CLUSTER)
    # Its own name and cluster are not "in use" by another store.
    client.update_custom_key_store(
        CustomKeyStoreId=store_id, NewCustomKeyStoreName="renamed", CloudHsmClusterId=OTHER_CLUSTER
    )


def test_update_connected_cloudhsm_store_only_renames(client: KMSClient) -> None:
    store_id = _connected(client, _cloudhsm(client))
    client.update_custom_key_store(CustomKeyStoreId=store_id, NewCustomKeyStoreName="renamed")
    assert _entry(client, store_id)["CustomKeyStoreName"] == "renamed"
    updates: list[dict[str, Any]] = [
        {"KeyStorePassword": "newPassword"},
        {"CloudHsmClusterId": OTHER_CLUSTER},
    ]
    for update in updates:
        (name,) = update
        assert _error(
            partial(client.update_custom_key_store, CustomKeyStoreId=store_id, **update)
        ) == (
            "CustomKeyStoreInvalidStateException",
            f"Custom key store {store_id} must be disconnected to update {name}.",
            400,
        )
    assert _entry(client, store_id)["CloudHsmClusterId"] == CLUSTER


def test_update_failed_store_needs_a_disconnection(kms: MockKMS, client: KMSClient) -> None:
    store_id = _cloudhsm(client)
    kms.custom_key_store(store_id).fail_connections("USER_NOT_FOUND")
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert _error(
        lambda: client.update_custom_key_store(
            CustomKeyStoreId=store_id, NewCustomKeyStoreName="renamed"
        )
    ) == (
        "CustomKeyStoreInvalidStateException",
        f"Custom key store {store_id} is not disconnected.",
        400,
    )


def test_update_checks_names_and_clusters_of_other_stores(client: KMSClient) -> None:
    _cloudhsm(client, name="taken", cluster=OTHER_CLUSTER)
    store_id = _cloudhsm(client)
    assert _error(
        lambda: client.update_custom_key_store(
            CustomKeyStoreId=store_id, NewCustomKeyStoreName="taken"
        )
    ) == (
        "CustomKeyStoreNameInUseException",
        "The custom key store name 'taken' is already in use in this account and Region.",
        400,
    )
    assert _error(
        lambda: client.update_custom_key_store(
            CustomKeyStoreId=store_id, CloudHsmClusterId=OTHER_CLUSTER
        )
    ) == (
        "CloudHsmClusterInUseException",
        f"CloudHSM cluster {OTHER_CLUSTER} is already associated with another custom key "
        "store in this account.",
        400,
    )


def test_update_refuses_the_other_kinds_parameters(client: KMSClient) -> None:
    hsm = _cloudhsm(client)
    xks = _xks(client)
    assert _error(
        lambda: client.update_custom_key_store(CustomKeyStoreId=hsm, XksProxyUriPath=PATH)
    ) == (
        "ValidationException",
        "XksProxyUriPath is not valid for a custom key store with CustomKeyStoreType AWS_CLOUDHSM.",
        400,
    )
    assert _error(
        lambda: client.update_custom_key_store(CustomKeyStoreId=xks, CloudHsmClusterId=CLUSTER)
    ) == (
        "ValidationException",
        "CloudHsmClusterId is not valid for a custom key store with CustomKeyStoreType "
        "EXTERNAL_KEY_STORE.",
        400,
    )


def test_update_connected_external_store(client: KMSClient) -> None:
    store_id = _connected(client, _xks(client))
    new_key_id = "ZYXWVUTSRQPONMLKJIHG"
    # Name, credential and path may change while connected.
    client.update_custom_key_store(
        CustomKeyStoreId=store_id,
        NewCustomKeyStoreName="renamed",
        XksProxyUriPath="/new/kms/xks/v2",
        XksProxyAuthenticationCredential={"AccessKeyId": new_key_id, "RawSecretAccessKey": SECRET},
    )
    entry = _entry(client, store_id)
    assert entry["CustomKeyStoreName"] == "renamed"
    assert entry["XksProxyConfiguration"] == {
        "Connectivity": "PUBLIC_ENDPOINT",
        "AccessKeyId": new_key_id,
        "UriEndpoint": ENDPOINT,
        "UriPath": "/new/kms/xks/v2",
    }
    assert entry["ConnectionState"] == "CONNECTED"
    assert _error(
        lambda: client.update_custom_key_store(
            CustomKeyStoreId=store_id, XksProxyUriEndpoint="https://moved.example.com"
        )
    ) == (
        "CustomKeyStoreInvalidStateException",
        f"Custom key store {store_id} must be disconnected to update XksProxyUriEndpoint.",
        400,
    )


@pytest.mark.needs_model(member="XksProxyConfigurationType.VpcEndpointServiceOwner")
def test_update_external_store_connectivity(client: KMSClient) -> None:
    store_id = _xks(client)
    # Moving to a VPC endpoint service needs a new endpoint and the service name.
    assert _error(
        lambda: client.update_custom_key_store(
            CustomKeyStoreId=store_id,
            XksProxyConnectivity="VPC_ENDPOINT_SERVICE",
            XksProxyVpcEndpointServiceName=SERVICE,
        )
    ) == (
        "ValidationException",
        "XksProxyUriEndpoint is required when XksProxyConnectivity changes.",
        400,
    )
    assert _error(
        lambda: client.update_custom_key_store(
            CustomKeyStoreId=store_id,
            XksProxyConnectivity="VPC_ENDPOINT_SERVICE",
            XksProxyUriEndpoint="https://private.example.com",
        )
    ) == (
        "ValidationException",
        "XksProxyVpcEndpointServiceName is required when XksProxyConnectivity is "
        "VPC_ENDPOINT_SERVICE.",
        400,
    )
    client.update_custom_key_store(
        CustomKeyStoreId=store_id,
        XksProxyConnectivity="VPC_ENDPOINT_SERVICE",
        XksProxyUriEndpoint="https://private.example.com",
        XksProxyVpcEndpointServiceName=SERVICE,
    )
    assert _entry(client, store_id)["XksProxyConfiguration"] == {
        "Connectivity": "VPC_ENDPOINT_SERVICE",
        "AccessKeyId": ACCESS_KEY_ID,
        "UriEndpoint": "https://private.example.com",
        "UriPath": PATH,
        "VpcEndpointServiceName": SERVICE,
        "VpcEndpointServiceOwner": ACCOUNT,
    }
    # A VPC store may change its service name alone.
    client.update_custom_key_store(
        CustomKeyStoreId=store_id, XksProxyVpcEndpointServiceName=OTHER_SERVICE
    )
    configuration = _entry(client, store_id)["XksProxyConfiguration"]
    assert configuration["VpcEndpointServiceName"] == OTHER_SERVICE
    # Back to a public endpoint: the service name goes.
    client.update_custom_key_store(
        CustomKeyStoreId=store_id,
        XksProxyConnectivity="PUBLIC_ENDPOINT",
        XksProxyUriEndpoint=ENDPOINT,
    )
    assert _entry(client, store_id)["XksProxyConfiguration"] == {
        "Connectivity": "PUBLIC_ENDPOINT",
        "AccessKeyId": ACCESS_KEY_ID,
        "UriEndpoint": ENDPOINT,
        "UriPath": PATH,
    }
    assert _error(
        lambda: client.update_custom_key_store(
            CustomKeyStoreId=store_id, XksProxyVpcEndpointServiceName=SERVICE
        )
    ) == (
        "ValidationException",
        "XksProxyVpcEndpointServiceName is not valid when XksProxyConnectivity is PUBLIC_ENDPOINT.",
        400,
    )


def test_update_checks_proxy_uniqueness(client: KMSClient) -> None:
    _xks(client, name="first")
    store_id = _xks(client, name="second", path="/second/kms/xks/v1")
    assert _error(
        lambda: client.update_custom_key_store(CustomKeyStoreId=store_id, XksProxyUriPath=PATH)
    ) == (
        "XksProxyUriInUseException",
        f"The external key store proxy URI {ENDPOINT}{PATH} is already associated with "
        "another external key store in this Region.",
        400,
    )
    # A refused update changes nothing.
    assert _entry(client, store_id)["XksProxyConfiguration"]["UriPath"] == "/second/kms/xks/v1"


# -- DeleteCustomKeyStore ----------------------------------------------------------------


def test_delete_store(client: KMSClient) -> None:
    store_id = _cloudhsm(client)
    client.delete_custom_key_store(CustomKeyStoreId=store_id)
    assert client.describe_custom_key_stores()["CustomKeyStores"] == []
    assert _error(lambda: client.delete_custom_key_store(CustomKeyStoreId=store_id)) == _not_found(
        store_id
    )
    # Its name and cluster are free again.
    _cloudhsm(client)


def test_delete_needs_a_disconnected_store(kms: MockKMS, client: KMSClient) -> None:
    store_id = _connected(client, _cloudhsm(client))
    refusal = (
        "CustomKeyStoreInvalidStateException",
        f"Custom key store {store_id} is not disconnected.",
        400,
    )
    assert _error(lambda: client.delete_custom_key_store(CustomKeyStoreId=store_id)) == refusal
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    kms.custom_key_store(store_id).fail_connections("NETWORK_ERRORS")
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert _state(client, store_id) == "FAILED"
    assert _error(lambda: client.delete_custom_key_store(CustomKeyStoreId=store_id)) == refusal


def test_delete_store_with_keys(kms: MockKMS, client: KMSClient) -> None:
    store_id = _connected(client, _cloudhsm(client))
    key_id = _hsm_key(client, store_id)
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    has_keys = (
        "CustomKeyStoreHasCMKsException",
        f"Custom key store {store_id} contains KMS keys. Delete them (ScheduleKeyDeletion) "
        "before deleting the custom key store.",
        400,
    )
    assert _error(lambda: client.delete_custom_key_store(CustomKeyStoreId=store_id)) == has_keys
    # A key pending deletion is still in the store.
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert _error(lambda: client.delete_custom_key_store(CustomKeyStoreId=store_id)) == has_keys
    kms.clock.advance(days=7, seconds=1)
    client.delete_custom_key_store(CustomKeyStoreId=store_id)
    assert client.describe_custom_key_stores()["CustomKeyStores"] == []


# -- keys in a custom key store ----------------------------------------------------------


def test_create_key_in_cloudhsm_store(kms: MockKMS, client: KMSClient) -> None:
    store_id = _connected(client, _cloudhsm(client))
    metadata: dict[str, Any] = dict(
        client.create_key(Origin="AWS_CLOUDHSM", CustomKeyStoreId=store_id)["KeyMetadata"]
    )
    key_id = metadata["KeyId"]
    del metadata["CreationDate"]
    # No CurrentKeyMaterialId: the model shows it for AWS_KMS and EXTERNAL origins only.
    assert metadata == {
        "AWSAccountId": ACCOUNT,
        "KeyId": key_id,
        "Arn": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}",
        "Enabled": True,
        "Description": "",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_CLOUDHSM",
        "CustomKeyStoreId": store_id,
        "CloudHsmClusterId": CLUSTER,
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }
    described = dict(client.describe_key(KeyId=key_id)["KeyMetadata"])
    del described["CreationDate"]
    assert described == metadata
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
    assert client.generate_data_key(KeyId=key_id, KeySpec="AES_256")["KeyId"].endswith(key_id)


def test_create_key_in_external_store(client: KMSClient) -> None:
    store_id = _connected(client, _xks(client))
    metadata = client.create_key(
        Origin="EXTERNAL_KEY_STORE", CustomKeyStoreId=store_id, XksKeyId="external-key-1"
    )["KeyMetadata"]
    assert (metadata["Origin"], metadata["CustomKeyStoreId"]) == ("EXTERNAL_KEY_STORE", store_id)
    assert metadata["XksKeyConfiguration"] == {"Id": "external-key-1"}
    assert "CloudHsmClusterId" not in metadata
    described = client.describe_key(KeyId=metadata["KeyId"])["KeyMetadata"]
    assert described["XksKeyConfiguration"] == {"Id": "external-key-1"}
    # Each KMS key in an external key store uses a different external key.
    assert _error(
        lambda: client.create_key(
            Origin="EXTERNAL_KEY_STORE", CustomKeyStoreId=store_id, XksKeyId="external-key-1"
        )
    ) == (
        "XksKeyAlreadyInUseException",
        f"External key external-key-1 is already associated with KMS key {metadata['Arn']} "
        f"in custom key store {store_id}.",
        400,
    )
    client.create_key(
        Origin="EXTERNAL_KEY_STORE", CustomKeyStoreId=store_id, XksKeyId="external-key-2"
    )


def test_create_key_custom_store_parameter_rules(client: KMSClient) -> None:
    hsm = _connected(client, _cloudhsm(client))
    xks = _connected(client, _xks(client))
    cases: list[tuple[dict[str, Any], tuple[str, str]]] = [
        (
            {"Origin": "AWS_CLOUDHSM"},
            (
                "ValidationException",
                "You must specify a CustomKeyStoreId when Origin is AWS_CLOUDHSM.",
            ),
        ),
        (
            {"CustomKeyStoreId": hsm},
            (
                "ValidationException",
                "You cannot specify a CustomKeyStoreId when Origin is AWS_KMS.",
            ),
        ),
        (
            {"CustomKeyStoreId": hsm, "Origin": "EXTERNAL"},
            (
                "ValidationException",
                "You cannot specify a CustomKeyStoreId when Origin is EXTERNAL.",
            ),
        ),
        (
            {"CustomKeyStoreId": hsm, "Origin": "AWS_CLOUDHSM", "XksKeyId": "k"},
            ("ValidationException", "You cannot specify an XksKeyId when Origin is AWS_CLOUDHSM."),
        ),
        (
            {"CustomKeyStoreId": xks, "Origin": "EXTERNAL_KEY_STORE"},
            (
                "ValidationException",
                "You must specify an XksKeyId when Origin is EXTERNAL_KEY_STORE.",
            ),
        ),
        (
            {"CustomKeyStoreId": "cks-1234567890abcdef0", "Origin": "AWS_CLOUDHSM"},
            _not_found("cks-1234567890abcdef0")[:2],
        ),
        (
            {"CustomKeyStoreId": xks, "Origin": "AWS_CLOUDHSM"},
            (
                "UnsupportedOperationException",
                f"Custom key store {xks} has CustomKeyStoreType EXTERNAL_KEY_STORE, which "
                "cannot hold a KMS key with Origin AWS_CLOUDHSM.",
            ),
        ),
        (
            {"CustomKeyStoreId": hsm, "Origin": "EXTERNAL_KEY_STORE", "XksKeyId": "k"},
            (
                "UnsupportedOperationException",
                f"Custom key store {hsm} has CustomKeyStoreType AWS_CLOUDHSM, which "
                "cannot hold a KMS key with Origin EXTERNAL_KEY_STORE.",
            ),
        ),
        (
            {
                "CustomKeyStoreId": hsm,
                "Origin": "AWS_CLOUDHSM",
                "KeySpec": "HMAC_256",
                "KeyUsage": "GENERATE_VERIFY_MAC",
            },
            (
                "UnsupportedOperationException",
                "KeySpec HMAC_256 is not supported in a custom key store.",
            ),
        ),
        (
            {"CustomKeyStoreId": hsm, "Origin": "AWS_CLOUDHSM", "MultiRegion": True},
            (
                "UnsupportedOperationException",
                "Multi-Region keys cannot be created in a custom key store.",
            ),
        ),
    ]
    for arguments, expected in cases:
        assert _error(partial(client.create_key, **arguments)) == (*expected, 400), arguments
    assert client.list_keys()["Keys"] == []


def test_create_key_needs_a_connected_store(kms: MockKMS, client: KMSClient) -> None:
    store_id = _cloudhsm(client)
    kms.custom_key_store(store_id).connect_seconds = 60
    refusal = (
        "CustomKeyStoreInvalidStateException",
        f"Custom key store {store_id} is not connected.",
        400,
    )
    assert _error(lambda: _hsm_key(client, store_id)) == refusal
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert _error(lambda: _hsm_key(client, store_id)) == refusal
    kms.clock.advance(seconds=60)
    _hsm_key(client, store_id)


def test_keys_are_unavailable_while_their_store_is_disconnected(
    kms: MockKMS, client: KMSClient
) -> None:
    store_id = _connected(client, _cloudhsm(client))
    key_id = _hsm_key(client, store_id)
    arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}"
    blob = client.encrypt(KeyId=key_id, Plaintext=b"before")["CiphertextBlob"]
    other_key = client.create_key()["KeyMetadata"]["KeyId"]

    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    metadata = client.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["KeyState"], metadata["Enabled"]) == ("Unavailable", False)
    # Footnote 11: cryptographic operations refuse an Unavailable key.
    unavailable = ("KMSInvalidStateException", f"{arn} is unavailable.", 400)
    assert _error(lambda: client.encrypt(KeyId=key_id, Plaintext=b"x")) == unavailable
    assert _error(lambda: client.decrypt(CiphertextBlob=blob)) == unavailable
    assert _error(lambda: client.generate_data_key(KeyId=key_id, KeySpec="AES_256")) == unavailable
    # Management still works; keys of the standard key store are not affected.
    client.update_key_description(KeyId=key_id, Description="still managed")
    assert _key_state(client, other_key) == "Enabled"

    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert _key_state(client, key_id) == "Enabled"
    assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"before"
    again = client.encrypt(KeyId=key_id, Plaintext=b"after")["CiphertextBlob"]
    assert client.decrypt(CiphertextBlob=again)["Plaintext"] == b"after"


def test_keys_stay_unavailable_while_connecting_or_failed(kms: MockKMS, client: KMSClient) -> None:
    store_id = _connected(client, _cloudhsm(client))
    key_id = _hsm_key(client, store_id)
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    store = kms.custom_key_store(store_id)
    store.connect_seconds = 60
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    assert _key_state(client, key_id) == "Unavailable"
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    store.fail_connections("INSUFFICIENT_CLOUDHSM_HSMS")
    client.connect_custom_key_store(CustomKeyStoreId=store_id)
    kms.clock.advance(seconds=60)
    assert _state(client, store_id) == "FAILED"
    assert _key_state(client, key_id) == "Unavailable"


def test_enable_and_disable_an_unavailable_key_take_effect_on_reconnection(
    client: KMSClient,
) -> None:
    store_id = _connected(client, _cloudhsm(client))
    enabled = _hsm_key(client, store_id)
    disabled = _hsm_key(client, store_id)
    client.disable_key(KeyId=disabled)
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    assert _key_state(client, disabled) == "Unavailable"
    # Footnote 12: the calls succeed; the state changes when the key is available.
    client.disable_key(KeyId=enabled)
    client.enable_key(KeyId=disabled)
    assert (_key_state(client, enabled), _key_state(client, disabled)) == (
        "Unavailable",
        "Unavailable",
    )
    _connected(client, store_id)
    assert (_key_state(client, enabled), _key_state(client, disabled)) == ("Disabled", "Enabled")


def test_a_disabled_key_returns_disabled(client: KMSClient) -> None:
    store_id = _connected(client, _cloudhsm(client))
    key_id = _hsm_key(client, store_id)
    client.disable_key(KeyId=key_id)
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    _connected(client, store_id)
    assert _key_state(client, key_id) == "Disabled"


def test_pending_deletion_is_kept_while_disconnected(kms: MockKMS, client: KMSClient) -> None:
    # "KMS keys that are scheduled for deletion from a custom key store have a Pending
    # Deletion key state, even when the custom key store is disconnected."
    store_id = _connected(client, _cloudhsm(client))
    pending = _hsm_key(client, store_id)
    client.schedule_key_deletion(KeyId=pending, PendingWindowInDays=7)
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    assert _key_state(client, pending) == "PendingDeletion"
    # Cancelled while disconnected: Unavailable, then Disabled once connected.
    client.cancel_key_deletion(KeyId=pending)
    assert _key_state(client, pending) == "Unavailable"
    _connected(client, store_id)
    assert _key_state(client, pending) == "Disabled"


def test_schedule_deletion_of_an_unavailable_key(kms: MockKMS, client: KMSClient) -> None:
    store_id = _connected(client, _cloudhsm(client))
    key_id = _hsm_key(client, store_id)
    client.disconnect_custom_key_store(CustomKeyStoreId=store_id)
    client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert _key_state(client, key_id) == "PendingDeletion"
    _connected(client, store_id)
    assert _key_state(client, key_id) == "PendingDeletion"
    kms.clock.advance(days=7, seconds=1)
    assert client.list_keys()["Keys"] == []


# -- GenerateRandom ----------------------------------------------------------------------


def test_generate_random_in_a_cloudhsm_store(kms: MockKMS, client: KMSClient) -> None:
    store_id = _cloudhsm(client)
    assert _error(lambda: client.generate_random(NumberOfBytes=16, CustomKeyStoreId=store_id)) == (
        "CustomKeyStoreInvalidStateException",
        f"Custom key store {store_id} is not connected.",
        400,
    )
    _connected(client, store_id)
    random = client.generate_random(NumberOfBytes=16, CustomKeyStoreId=store_id)["Plaintext"]
    assert len(random) == 16


def test_generate_random_refuses_other_stores(client: KMSClient) -> None:
    xks = _connected(client, _xks(client))
    # The parameter's documentation: an external key store gives UnsupportedOperation.
    assert _error(lambda: client.generate_random(NumberOfBytes=16, CustomKeyStoreId=xks)) == (
        "UnsupportedOperationException",
        f"GenerateRandom does not support external key store {xks}.",
        400,
    )
    unknown = "cks-1234567890abcdef0"
    assert _error(
        lambda: client.generate_random(NumberOfBytes=16, CustomKeyStoreId=unknown)
    ) == _not_found(unknown)


# -- authorization -----------------------------------------------------------------------


def test_store_operations_are_decided_by_iam(kms: MockKMS, client: KMSClient) -> None:
    store_id = _cloudhsm(client)
    alice = kms.user(
        "alice",
        policy={
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "kms:Describe*", "Resource": "*"}],
        },
    )
    mine = alice.client()
    calls: list[tuple[Callable[[], object], str]] = [
        (lambda: _cloudhsm(mine, name="alice", cluster=OTHER_CLUSTER), "CreateCustomKeyStore"),
        (lambda: mine.connect_custom_key_store(CustomKeyStoreId=store_id), "ConnectCustomKeyStore"),
        (
            lambda: mine.disconnect_custom_key_store(CustomKeyStoreId=store_id),
            "DisconnectCustomKeyStore",
        ),
        (
            lambda: mine.update_custom_key_store(
                CustomKeyStoreId=store_id, NewCustomKeyStoreName="x"
            ),
            "UpdateCustomKeyStore",
        ),
        (lambda: mine.delete_custom_key_store(CustomKeyStoreId=store_id), "DeleteCustomKeyStore"),
    ]
    for call, action in calls:
        assert _error(call) == (
            "AccessDeniedException",
            f"User: {alice.arn} is not authorized to perform: kms:{action} on resource: * "
            f"because no identity-based policy allows the kms:{action} action",
            400,
        )
    # kms:DescribeCustomKeyStores is allowed; the store is unchanged.
    assert _state(mine, store_id) == "DISCONNECTED"
    assert mine.describe_custom_key_stores()["CustomKeyStores"][0]["CustomKeyStoreName"] == "hsm"
