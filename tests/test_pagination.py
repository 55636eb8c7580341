"""Limit / Marker / Truncated / NextMarker on ListKeys, ListAliases and ListResourceTags.

Expected values come from KMS_BEHAVIOUR.md sections 0 and 12 and AWS_RECORDED_FACTS.md
section 3.3.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError

from tests._helpers import error_of as _error

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient


DAY = 86400.0


def _make_keys(client: KMSClient, count: int) -> list[str]:
    return [client.create_key()["KeyMetadata"]["KeyId"] for _ in range(count)]


def _make_aliases(client: KMSClient, count: int) -> list[str]:
    # At most 50 aliases fit one key, so spread them over several.
    names = [f"alias/a{i:03d}" for i in range(count)]
    key_id = ""
    for i, name in enumerate(names):
        if i % 40 == 0:
            key_id = client.create_key()["KeyMetadata"]["KeyId"]
        client.create_alias(AliasName=name, TargetKeyId=key_id)
    return names


def _assert_last_page(page: Mapping[str, object]) -> None:
    assert page["Truncated"] is False
    assert "NextMarker" not in page


def _assert_more_pages(page: Mapping[str, object]) -> str:
    assert page["Truncated"] is True
    marker = page["NextMarker"]
    assert isinstance(marker, str)
    assert marker
    return marker


# -- ListKeys ------------------------------------------------------------------------------


def test_list_keys_entries_and_region(client: KMSClient) -> None:
    here = [client.create_key()["KeyMetadata"] for _ in range(3)]
    europe = boto3.client("kms", region_name="eu-west-1")
    there = europe.create_key()["KeyMetadata"]

    response = client.list_keys()
    # Each entry is exactly {KeyId, KeyArn}, and KeyArn is DescribeKey's Arn.
    assert response["Keys"] == [{"KeyId": m["KeyId"], "KeyArn": m["Arn"]} for m in here]
    _assert_last_page(response)
    assert europe.list_keys()["Keys"] == [{"KeyId": there["KeyId"], "KeyArn": there["Arn"]}]


def test_list_keys_limit_over_1000_keys(client: KMSClient) -> None:
    created = _make_keys(client, 1000)

    listed: list[str] = []
    sizes: list[int] = []
    page = client.list_keys(Limit=300)
    while True:
        listed += [key["KeyId"] for key in page["Keys"]]
        sizes.append(len(page["Keys"]))
        if not page["Truncated"]:
            break
        page = client.list_keys(Limit=300, Marker=_assert_more_pages(page))
    _assert_last_page(page)
    assert sizes == [300, 300, 300, 100]
    assert listed == created

    whole = client.list_keys(Limit=1000)
    assert [key["KeyId"] for key in whole["Keys"]] == created
    _assert_last_page(whole)

    one = client.list_keys(Limit=1)
    assert [key["KeyId"] for key in one["Keys"]] == created[:1]
    _assert_more_pages(one)


def test_list_keys_default_limit_is_100(client: KMSClient) -> None:
    created = _make_keys(client, 100)
    # Exactly one full page is not truncated.
    full = client.list_keys()
    assert [key["KeyId"] for key in full["Keys"]] == created
    _assert_last_page(full)

    created += _make_keys(client, 1)
    first = client.list_keys()
    assert [key["KeyId"] for key in first["Keys"]] == created[:100]
    second = client.list_keys(Marker=_assert_more_pages(first))
    assert [key["KeyId"] for key in second["Keys"]] == created[100:]
    _assert_last_page(second)


def test_list_keys_limit_above_model_range(client: KMSClient) -> None:
    with pytest.raises(ClientError) as info:
        client.list_keys(Limit=1001)
    assert _error(info) == (
        "ValidationException",
        "1 validation error detected: Value '1001' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000",
        400,
    )


def test_list_keys_limit_zero_caught_by_botocore(client: KMSClient) -> None:
    with pytest.raises(ParamValidationError):
        client.list_keys(Limit=0)


def test_list_keys_empty(client: KMSClient) -> None:
    response = client.list_keys()
    assert response["Keys"] == []
    _assert_last_page(response)


# -- ListAliases -----------------------------------------------------------------------------


def test_list_aliases_default_limit_is_50(client: KMSClient) -> None:
    names = _make_aliases(client, 51)
    first = client.list_aliases()
    assert [alias["AliasName"] for alias in first["Aliases"]] == names[:50]
    second = client.list_aliases(Marker=_assert_more_pages(first))
    assert [alias["AliasName"] for alias in second["Aliases"]] == names[50:]
    _assert_last_page(second)


@pytest.mark.parametrize("limit", [101, 1000])
def test_list_aliases_limit_above_100_served_as_100(client: KMSClient, limit: int) -> None:
    names = _make_aliases(client, 101)
    # Behaviour for Limit 101-1000 is not recorded; kmsmock's choice.
    page = client.list_aliases(Limit=limit)
    assert [alias["AliasName"] for alias in page["Aliases"]] == names[:100]
    _assert_more_pages(page)


def test_list_aliases_marker_survives_deletions(client: KMSClient) -> None:
    names = _make_aliases(client, 12)
    first = client.list_aliases(Limit=5)
    assert [alias["AliasName"] for alias in first["Aliases"]] == names[:5]
    marker = _assert_more_pages(first)
    # An already-listed alias, and the one the marker stands after, both go away.
    client.delete_alias(AliasName=names[1])
    client.delete_alias(AliasName=names[4])

    rest: list[str] = []
    page = client.list_aliases(Limit=5, Marker=marker)
    while True:
        rest += [alias["AliasName"] for alias in page["Aliases"]]
        if not page["Truncated"]:
            break
        page = client.list_aliases(Limit=5, Marker=_assert_more_pages(page))
    assert rest == names[5:]


# -- Markers -------------------------------------------------------------------------------


def test_list_keys_marker_survives_key_deletion(
    client: KMSClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = _make_keys(client, 10)
    first = client.list_keys(Limit=4)
    assert [key["KeyId"] for key in first["Keys"]] == created[:4]
    marker = _assert_more_pages(first)
    # A key leaves the listing only when its deletion window ends.
    for gone in (created[0], created[3]):
        client.schedule_key_deletion(KeyId=gone, PendingWindowInDays=7)
    later = time.time() + 8 * DAY
    monkeypatch.setattr(time, "time", lambda: later)

    second = client.list_keys(Limit=4, Marker=marker)
    assert [key["KeyId"] for key in second["Keys"]] == created[4:8]
    third = client.list_keys(Limit=4, Marker=_assert_more_pages(second))
    assert [key["KeyId"] for key in third["Keys"]] == created[8:]
    _assert_last_page(third)
    fresh = client.list_keys()["Keys"]
    assert [key["KeyId"] for key in fresh] == created[1:3] + created[4:]


def test_list_resource_tags_limit_and_marker(client: KMSClient, key_id: str) -> None:
    tag_keys = sorted(f"t{i:02d}" for i in range(50))
    client.tag_resource(KeyId=key_id, Tags=[{"TagKey": k, "TagValue": k} for k in tag_keys])
    whole = client.list_resource_tags(KeyId=key_id)
    assert [tag["TagKey"] for tag in whole["Tags"]] == tag_keys
    _assert_last_page(whole)

    first = client.list_resource_tags(KeyId=key_id, Limit=20)
    assert [tag["TagKey"] for tag in first["Tags"]] == tag_keys[:20]
    second = client.list_resource_tags(KeyId=key_id, Limit=20, Marker=_assert_more_pages(first))
    assert [tag["TagKey"] for tag in second["Tags"]] == tag_keys[20:40]


LISTINGS: dict[str, Callable[[KMSClient, str, str], object]] = {
    "ListKeys": lambda c, k, marker: c.list_keys(Marker=marker),
    "ListAliases": lambda c, k, marker: c.list_aliases(Marker=marker),
    "ListResourceTags": lambda c, k, marker: c.list_resource_tags(KeyId=k, Marker=marker),
}


@pytest.mark.parametrize("operation", sorted(LISTINGS))
def test_garbage_marker(client: KMSClient, key_id: str, operation: str) -> None:
    with pytest.raises(client.exceptions.InvalidMarkerException) as info:
        LISTINGS[operation](client, key_id, "garbage")
    # text not recorded; kmsmock's choice
    assert _error(info) == ("InvalidMarkerException", "Invalid marker", 400)


def test_marker_of_one_listing_refused_by_another(client: KMSClient) -> None:
    _make_keys(client, 3)
    _make_aliases(client, 3)
    keys_marker = _assert_more_pages(client.list_keys(Limit=1))
    aliases_marker = _assert_more_pages(client.list_aliases(Limit=1))
    with pytest.raises(client.exceptions.InvalidMarkerException) as info:
        client.list_aliases(Marker=keys_marker)
    assert _error(info) == ("InvalidMarkerException", "Invalid marker", 400)
    with pytest.raises(client.exceptions.InvalidMarkerException) as info:
        client.list_keys(Marker=aliases_marker)
    assert _error(info) == ("InvalidMarkerException", "Invalid marker", 400)


# -- boto3 paginators --------------------------------------------------------------------------


def test_list_keys_paginator(client: KMSClient) -> None:
    created = _make_keys(client, 50)
    pages = list(client.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 7}))
    assert [len(page["Keys"]) for page in pages] == [7] * 7 + [1]
    assert [key["KeyId"] for page in pages for key in page["Keys"]] == created


def test_list_aliases_paginator(client: KMSClient) -> None:
    names = _make_aliases(client, 45)
    pages = list(client.get_paginator("list_aliases").paginate(PaginationConfig={"PageSize": 10}))
    assert [len(page["Aliases"]) for page in pages] == [10] * 4 + [5]
    assert [alias["AliasName"] for page in pages for alias in page["Aliases"]] == names


def test_list_resource_tags_paginator(client: KMSClient, key_id: str) -> None:
    # Inserted in reverse: the listing, and so every page, is in TagKey order.
    tag_keys = [f"t{i:02d}" for i in range(50)]
    client.tag_resource(
        KeyId=key_id, Tags=[{"TagKey": k, "TagValue": k.upper()} for k in reversed(tag_keys)]
    )
    paginator = client.get_paginator("list_resource_tags")
    pages = list(paginator.paginate(KeyId=key_id, PaginationConfig={"PageSize": 7}))
    assert [len(page["Tags"]) for page in pages] == [7] * 7 + [1]
    tags = [tag for page in pages for tag in page["Tags"]]
    assert tags == [{"TagKey": k, "TagValue": k.upper()} for k in tag_keys]
