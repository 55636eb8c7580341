"""Limit / Marker / Truncated / NextMarker on the list operations (ListKeys, ListAliases,
ListResourceTags, ListGrants, ListRetirableGrants and the others).

Expected values come from KMS_BEHAVIOUR.md sections 0 and 12 and AWS_RECORDED_FACTS.md
section 3.3.
"""

from __future__ import annotations

import base64
import functools
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

import kmsmock
from tests._helpers import error_of as _error

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS


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


# -- Pages from the creation-order index (issue 10) -------------------------------------------
#
# Listings page from an index in creation order, and a marker names the creation sequence
# number of the last item returned. These tests change the items between pages.

OTHER_ACCOUNT = "210987654321"
Lister = Callable[[dict[str, str]], Mapping[str, Any]]


def _after(marker: str | None) -> dict[str, str]:
    return {} if marker is None else {"Marker": marker}


def _pages(call: Lister, field: str, name: str, marker: str | None = None) -> list[str]:
    """The ``name`` of every item ``call`` lists, page after page, from ``marker`` on."""
    listed: list[str] = []
    while True:
        page = call(_after(marker))
        listed += [item[name] for item in page[field]]
        if not page["Truncated"]:
            _assert_last_page(page)
            return listed
        marker = _assert_more_pages(page)


def _delete_keys(client: KMSClient, kms: MockKMS, key_ids: list[str]) -> None:
    for key_id in key_ids:
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    kms.clock.advance(days=8)


def test_list_keys_pages_across_deletions_and_creations(client: KMSClient, kms: MockKMS) -> None:
    created = _make_keys(client, 300)
    first = client.list_keys(Limit=100)
    assert [key["KeyId"] for key in first["Keys"]] == created[:100]
    marker = _assert_more_pages(first)
    # Gone: a listed key, the one the marker stands after, a run longer than a page right
    # after it, and the last key.
    _delete_keys(client, kms, [created[50], created[99], *created[100:250], created[299]])
    added = _make_keys(client, 5)

    expected = created[250:299] + added
    assert _pages(lambda m: client.list_keys(Limit=40, **m), "Keys", "KeyId", marker) == expected
    # The same marker again, now that the index has dropped the run: the same page.
    again = client.list_keys(Limit=40, Marker=marker)
    assert [key["KeyId"] for key in again["Keys"]] == expected[:40]
    everything = client.list_keys(Limit=1000)
    assert [key["KeyId"] for key in everything["Keys"]] == (
        created[:50] + created[51:99] + expected
    )
    _assert_last_page(everything)


def test_list_keys_marker_after_every_key_deleted(client: KMSClient, kms: MockKMS) -> None:
    created = _make_keys(client, 120)
    marker = _assert_more_pages(client.list_keys(Limit=10))
    _delete_keys(client, kms, created)
    # Nothing is left after the boundary: an empty last page, not an error.
    page = client.list_keys(Marker=marker)
    assert page["Keys"] == []
    _assert_last_page(page)
    assert client.list_keys()["Keys"] == []
    later = _make_keys(client, 2)
    assert [key["KeyId"] for key in client.list_keys(Marker=marker)["Keys"]] == later


def test_list_aliases_of_a_key_across_retargeting_and_deletions(
    client: KMSClient, kms: MockKMS
) -> None:
    first_key, second_key = _make_keys(client, 2)
    # Created alternately: each key's aliases are interleaved in creation order.
    for i in range(12):
        client.create_alias(AliasName=f"alias/r{i:02d}", TargetKeyId=(first_key, second_key)[i % 2])

    def names(*numbers: int) -> list[str]:
        return [f"alias/r{i:02d}" for i in numbers]

    def of(key_id: str, limit: int = 2, marker: str | None = None) -> list[str]:
        return _pages(
            lambda m: client.list_aliases(KeyId=key_id, Limit=limit, **m),
            "Aliases",
            "AliasName",
            marker,
        )

    def everything() -> list[str]:
        return _pages(lambda m: client.list_aliases(Limit=5, **m), "Aliases", "AliasName")

    assert of(first_key) == names(0, 2, 4, 6, 8, 10)
    # Moved to the second key: listed there, in creation order among its aliases.
    client.update_alias(AliasName="alias/r04", TargetKeyId=second_key)
    assert of(first_key) == names(0, 2, 6, 8, 10)
    assert of(second_key, 3) == names(1, 3, 4, 5, 7, 9, 11)
    # Back and forth: listed once, where it was.
    for target in (first_key, second_key, first_key):
        client.update_alias(AliasName="alias/r04", TargetKeyId=target)
    assert of(first_key, 1) == names(0, 2, 4, 6, 8, 10)
    assert of(second_key, 1) == names(1, 3, 5, 7, 9, 11)
    # Retargeting moves nothing in the listing of all aliases.
    assert everything() == names(*range(12))

    # The alias a marker stands after, and the next one, are deleted; one is added.
    page = client.list_aliases(KeyId=second_key, Limit=2)
    assert [alias["AliasName"] for alias in page["Aliases"]] == names(1, 3)
    marker = _assert_more_pages(page)
    client.delete_alias(AliasName="alias/r03")
    client.delete_alias(AliasName="alias/r05")
    client.create_alias(AliasName="alias/r12", TargetKeyId=second_key)
    assert of(second_key, 50, marker) == names(7, 9, 11, 12)
    # A marker of one key's aliases is one of the listing of aliases.
    assert _pages(
        lambda m: client.list_aliases(Limit=3, **m), "Aliases", "AliasName", marker
    ) == names(4, 6, 7, 8, 9, 10, 11, 12)

    # Deleting the first key deletes its aliases; the second key's stay.
    _delete_keys(client, kms, [first_key])
    assert of(second_key) == names(1, 7, 9, 11, 12)
    assert everything() == names(1, 7, 9, 11, 12)


@pytest.fixture
def principals(kms: MockKMS) -> tuple[str, str]:
    return kms.user("alice").arn, kms.user("bob").arn


def test_list_grants_of_a_grantee_across_revocations(
    client: KMSClient, key_id: str, principals: tuple[str, str]
) -> None:
    alice, bob = principals
    grants = [
        client.create_grant(KeyId=key_id, GranteePrincipal=grantee, Operations=["Encrypt"])[
            "GrantId"
        ]
        for grantee in [alice, bob, bob] * 10
    ]
    alices = grants[::3]

    def of(grantee: str, limit: int, marker: str | None = None) -> list[str]:
        return _pages(
            lambda m: client.list_grants(KeyId=key_id, GranteePrincipal=grantee, Limit=limit, **m),
            "Grants",
            "GrantId",
            marker,
        )

    assert of(alice, 3) == alices
    page = client.list_grants(KeyId=key_id, GranteePrincipal=alice, Limit=4)
    assert [grant["GrantId"] for grant in page["Grants"]] == alices[:4]
    marker = _assert_more_pages(page)
    # The grant the marker stands after, the next of alice's, and bob's in between go.
    for grant_id in (alices[3], grants[10], grants[11], alices[4]):
        client.revoke_grant(KeyId=key_id, GrantId=grant_id)
    assert of(alice, 2, marker) == alices[5:]
    assert of(alice, 100) == alices[:3] + alices[5:]
    bobs = [g for g in grants if g not in alices and g not in (grants[10], grants[11])]
    assert of(bob, 7) == bobs
    # GrantId narrows to one grant, which a marker may already be past.
    one = client.list_grants(KeyId=key_id, GrantId=alices[6], Limit=1)
    assert [grant["GrantId"] for grant in one["Grants"]] == [alices[6]]
    _assert_last_page(one)
    past = client.list_grants(KeyId=key_id, GrantId=alices[1], Marker=marker)
    assert past["Grants"] == []
    _assert_last_page(past)
    assert client.list_grants(KeyId=key_id, GrantId=alices[0], GranteePrincipal=bob)["Grants"] == []


def test_list_retirable_grants_pages_across_accounts_and_deletions(
    client: KMSClient, kms: MockKMS, principals: tuple[str, str]
) -> None:
    alice, bob = principals
    theirs = kms.root(OTHER_ACCOUNT).client()
    europe = boto3.client("kms", region_name="eu-west-1")
    our_keys = _make_keys(client, 2)
    their_keys = _make_keys(theirs, 2)
    owners = [
        (client, our_keys[0]),
        (theirs, their_keys[0]),
        (client, our_keys[1]),
        (theirs, their_keys[1]),
    ]
    retirable: list[str] = []
    for i in range(16):
        owner, key = owners[i % 4]
        retirable.append(
            owner.create_grant(
                KeyId=key, GranteePrincipal=alice, RetiringPrincipal=bob, Operations=["Encrypt"]
            )["GrantId"]
        )
        # Not listed: another retiring principal, none, or another region.
        owner.create_grant(
            KeyId=key, GranteePrincipal=bob, RetiringPrincipal=alice, Operations=["Encrypt"]
        )
        owner.create_grant(KeyId=key, GranteePrincipal=bob, Operations=["Encrypt"])
    europe_key = _make_keys(europe, 1)[0]
    europe.create_grant(
        KeyId=europe_key, GranteePrincipal=alice, RetiringPrincipal=bob, Operations=["Encrypt"]
    )

    def listed(limit: int, marker: str | None = None) -> list[str]:
        return _pages(
            lambda m: client.list_retirable_grants(RetiringPrincipal=bob, Limit=limit, **m),
            "Grants",
            "GrantId",
            marker,
        )

    for limit in (1, 3, 5, 16, 100):
        assert listed(limit) == retirable
    page = client.list_retirable_grants(RetiringPrincipal=bob, Limit=5)
    assert [grant["GrantId"] for grant in page["Grants"]] == retirable[:5]
    marker = _assert_more_pages(page)
    # The grant the marker stands after is retired, the next one revoked, and the other
    # account's second key (every fourth grant from the fourth) deleted.
    theirs.retire_grant(KeyId=their_keys[0], GrantId=retirable[5])
    client.revoke_grant(KeyId=our_keys[1], GrantId=retirable[6])
    _delete_keys(theirs, kms, [their_keys[1]])
    kept = [i for i in range(16) if i not in (5, 6) and i % 4 != 3]
    assert listed(2, marker) == [retirable[i] for i in kept if i > 4]
    assert listed(4) == [retirable[i] for i in kept]
    assert [
        grant["GrantId"] for grant in europe.list_retirable_grants(RetiringPrincipal=bob)["Grants"]
    ] == [europe.list_grants(KeyId=europe_key)["Grants"][0]["GrantId"]]


def _marker_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode("ascii")


MORE_LISTINGS: dict[str, Callable[[KMSClient, str, str], object]] = {
    "ListGrants": lambda c, k, m: c.list_grants(KeyId=k, Marker=m),
    "ListRetirableGrants": lambda c, k, m: c.list_retirable_grants(
        RetiringPrincipal=f"arn:aws:iam::{OTHER_ACCOUNT}:root", Marker=m
    ),
    "ListKeyRotations": lambda c, k, m: c.list_key_rotations(KeyId=k, Marker=m),
    "ListKeyPolicies": lambda c, k, m: c.list_key_policies(KeyId=k, Marker=m),
    "DescribeCustomKeyStores": lambda c, k, m: c.describe_custom_key_stores(Marker=m),
    "ListKeys": lambda c, k, m: c.list_keys(Marker=m),
}


@pytest.mark.parametrize("operation", sorted(MORE_LISTINGS))
@pytest.mark.parametrize(
    "marker",
    [
        "garbage",
        _marker_of("keys"),
        _marker_of("keys\x00"),
        _marker_of("keys\x00abc"),
        _marker_of("keys\x00+0000000000000000001"),
        _marker_of("keys\x00-1"),
        _marker_of("grants\x00" + "\u0661" * 20),
        _marker_of("retirable\x00" + "1" * 21),
    ],
)
def test_forged_marker(client: KMSClient, key_id: str, operation: str, marker: str) -> None:
    # Well-formed base64 is not enough: the listing's name and a number as kmsmock
    # writes it are checked.
    with pytest.raises(client.exceptions.InvalidMarkerException) as info:
        MORE_LISTINGS[operation](client, key_id, marker)
    # text not recorded; kmsmock's choice
    assert _error(info) == ("InvalidMarkerException", "Invalid marker", 400)


def test_list_resource_tags_marker_after_a_non_ascii_tag(client: KMSClient, key_id: str) -> None:
    tag_keys = sorted(["a", "é", "ключ", "键", "\U0001f511", "z"])
    client.tag_resource(KeyId=key_id, Tags=[{"TagKey": k, "TagValue": "v"} for k in tag_keys])
    assert (
        _pages(lambda m: client.list_resource_tags(KeyId=key_id, Limit=1, **m), "Tags", "TagKey")
        == tag_keys
    )


# -- property: listing page by page while items come and go -----------------------------------


@functools.cache
def _property_client() -> KMSClient:
    # One client for every example: each request goes to the innermost active mock.
    return boto3.client("kms", region_name="us-east-1")


class _Pager:
    """A page-by-page listing, advanced one page at a time."""

    def __init__(self, call: Lister, field: str, name: str) -> None:
        self.call, self.field, self.name = call, field, name
        self.marker: str | None = None
        self.done = False
        self.listed: list[str] = []

    def next_page(self) -> None:
        if self.done:
            return
        page = self.call(_after(self.marker))
        self.listed += [item[self.name] for item in page[self.field]]
        if page["Truncated"]:
            self.marker = _assert_more_pages(page)
        else:
            _assert_last_page(page)
            self.done = True

    def finish(self) -> list[str]:
        while not self.done:
            self.next_page()
        return self.listed


def _check_listing(listed: list[str], created: list[str], throughout: set[str]) -> None:
    # Nothing twice, in creation order, and nothing that existed throughout left out.
    assert len(set(listed)) == len(listed)
    positions = [created.index(item) for item in listed]
    assert positions == sorted(positions)
    assert throughout <= set(listed)


key_steps = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.integers(min_value=1, max_value=3)),
        st.tuples(st.just("delete"), st.integers(min_value=0, max_value=999)),
        st.tuples(st.just("page"), st.integers(min_value=1, max_value=4)),
    ),
    max_size=30,
)


@settings(max_examples=40)
@given(initial=st.integers(min_value=0, max_value=12), steps=key_steps)
def test_list_keys_while_keys_come_and_go(initial: int, steps: list[tuple[str, int]]) -> None:
    with kmsmock.mock_kms() as kms:
        client = _property_client()
        created = _make_keys(client, initial)
        live = list(created)
        throughout = set(created)
        # Created before the listing's last page: after every marker given so far.
        due = set(created)
        limit = 2
        pager = _Pager(lambda m: client.list_keys(Limit=limit, **m), "Keys", "KeyId")
        for action, value in steps:
            if action == "create":
                new = _make_keys(client, value)
                created += new
                live += new
                if not pager.done:
                    due.update(new)
            elif action == "delete" and live:
                gone = live.pop(value % len(live))
                throughout.discard(gone)
                _delete_keys(client, kms, [gone])
            elif action == "page":
                limit = value
                pager.next_page()
        limit = 3
        listed = pager.finish()
        _check_listing(listed, created, throughout)
        # Created after the listing began, before its end, and still there: listed too.
        assert due & set(live) <= set(listed)


alias_steps = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.integers(min_value=0, max_value=1)),
        st.tuples(st.just("delete"), st.integers(min_value=0, max_value=999)),
        st.tuples(st.just("retarget"), st.integers(min_value=0, max_value=999)),
        st.tuples(st.just("page"), st.integers(min_value=1, max_value=3)),
    ),
    max_size=30,
)


@settings(max_examples=40)
@given(initial=st.lists(st.integers(min_value=0, max_value=1), max_size=8), steps=alias_steps)
def test_list_aliases_of_a_key_while_aliases_come_and_go(
    initial: list[int], steps: list[tuple[str, int]]
) -> None:
    with kmsmock.mock_kms():
        client = _property_client()
        keys = _make_keys(client, 2)
        created: list[str] = []
        target: dict[str, int] = {}

        def create(which: int) -> None:
            name = f"alias/p{len(created):03d}"
            client.create_alias(AliasName=name, TargetKeyId=keys[which])
            created.append(name)
            target[name] = which

        for which in initial:
            create(which)
        # Aliases from before the listings to their end (of the first key, for its own).
        throughout = set(target)
        throughout_mine = {name for name, which in target.items() if which == 0}
        limit = 2
        mine = _Pager(
            lambda m: client.list_aliases(KeyId=keys[0], Limit=limit, **m), "Aliases", "AliasName"
        )
        every = _Pager(lambda m: client.list_aliases(Limit=limit, **m), "Aliases", "AliasName")
        for action, value in steps:
            names = sorted(target)
            if action == "create":
                create(value)
            elif action == "delete" and names:
                name = names[value % len(names)]
                client.delete_alias(AliasName=name)
                del target[name]
                throughout.discard(name)
                throughout_mine.discard(name)
            elif action == "retarget" and names:
                name = names[value % len(names)]
                target[name] = 1 - target[name]
                client.update_alias(AliasName=name, TargetKeyId=keys[target[name]])
                throughout_mine.discard(name)
            elif action == "page":
                limit = value
                mine.next_page()
                every.next_page()
        limit = 2
        _check_listing(mine.finish(), created, throughout_mine)
        _check_listing(every.finish(), created, throughout)
        # What the first key's listing gives at the end is exactly its aliases.
        assert _pages(
            lambda m: client.list_aliases(KeyId=keys[0], Limit=3, **m), "Aliases", "AliasName"
        ) == [name for name in created if target.get(name) == 0]
