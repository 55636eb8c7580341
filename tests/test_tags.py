"""Tags: TagResource, UntagResource, ListResourceTags, and tags given to CreateKey.

Expected values come from KMS_BEHAVIOUR.md section 12 and AWS_RECORDED_FACTS.md
sections 3.1 and 3.7.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError

from tests._helpers import error_of as _error

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_kms.type_defs import TagTypeDef

    from kmsmock import MockKMS

ARN_PREFIX = "arn:aws:kms:us-east-1:123456789012"


def _tags(pairs: dict[str, str]) -> list[TagTypeDef]:
    return [{"TagKey": key, "TagValue": value} for key, value in pairs.items()]


def _listed(client: KMSClient, key_id: str) -> list[TagTypeDef]:
    return client.list_resource_tags(KeyId=key_id)["Tags"]


# Where tags can be given: CreateKey's Tags, or TagResource on an existing key.
Tagger = Callable[["KMSClient", str, "list[TagTypeDef]"], object]
TAGGERS: dict[str, Tagger] = {
    "CreateKey": lambda c, k, tags: c.create_key(Tags=tags),
    "TagResource": lambda c, k, tags: c.tag_resource(KeyId=k, Tags=tags),
}


# -- Success -----------------------------------------------------------------------------


def test_tag_resource_round_trip(client: KMSClient, key_id: str) -> None:
    response = client.tag_resource(KeyId=key_id, Tags=_tags({"b": "2", "a": "1", "c": ""}))
    assert set(response) == {"ResponseMetadata"}
    listed = client.list_resource_tags(KeyId=f"{ARN_PREFIX}:key/{key_id}")
    assert listed["Tags"] == _tags({"a": "1", "b": "2", "c": ""})
    assert listed["Truncated"] is False
    assert set(listed) == {"Tags", "Truncated", "ResponseMetadata"}


def test_tag_resource_overwrites_in_place(client: KMSClient, key_id: str) -> None:
    client.tag_resource(KeyId=key_id, Tags=_tags({f"tag{i}": f"value{i}" for i in range(1, 6)}))
    client.tag_resource(KeyId=key_id, Tags=_tags({"tag2": "updated_value2"}))
    assert _listed(client, key_id) == _tags(
        {
            "tag1": "value1",
            "tag2": "updated_value2",
            "tag3": "value3",
            "tag4": "value4",
            "tag5": "value5",
        }
    )


def test_list_resource_tags_sorted_by_key(client: KMSClient, key_id: str) -> None:
    # Inserted out of order and across calls (how AWS orders mixed case is not recorded).
    client.tag_resource(KeyId=key_id, Tags=_tags({"zeta": "1", "beta": "2"}))
    client.tag_resource(KeyId=key_id, Tags=_tags({"mid": "3", "alpha": "4", "10": "5"}))
    keys = [tag["TagKey"] for tag in _listed(client, key_id)]
    assert keys == ["10", "alpha", "beta", "mid", "zeta"]


def test_create_key_tags_are_listed(client: KMSClient) -> None:
    key_id = client.create_key(Tags=_tags({"team": "core", "env": "prod"}))["KeyMetadata"]["KeyId"]
    assert _listed(client, key_id) == _tags({"env": "prod", "team": "core"})


def test_new_key_has_no_tags(client: KMSClient, key_id: str) -> None:
    response = client.list_resource_tags(KeyId=key_id)
    assert (response["Tags"], response["Truncated"]) == ([], False)


def test_untag_resource(client: KMSClient, key_id: str) -> None:
    client.tag_resource(KeyId=key_id, Tags=_tags({"a": "1", "b": "2", "c": "3"}))
    response = client.untag_resource(KeyId=key_id, TagKeys=["b"])
    assert set(response) == {"ResponseMetadata"}
    assert _listed(client, key_id) == _tags({"a": "1", "c": "3"})


def test_untag_resource_ignores_unknown_keys(client: KMSClient, key_id: str) -> None:
    client.tag_resource(KeyId=key_id, Tags=_tags({"a": "1"}))
    client.untag_resource(KeyId=key_id, TagKeys=["nope", "a", "also-nope"])
    assert _listed(client, key_id) == []
    client.untag_resource(KeyId=key_id, TagKeys=["never-there"])
    assert _listed(client, key_id) == []


def test_untag_everything_leaves_empty_list(client: KMSClient, key_id: str) -> None:
    client.tag_resource(KeyId=key_id, Tags=_tags({"a": "1", "b": "2"}))
    client.untag_resource(KeyId=key_id, TagKeys=["a", "b"])
    response = client.list_resource_tags(KeyId=key_id)
    assert response["Tags"] == []
    assert response["Truncated"] is False


def test_tags_belong_to_their_key(client: KMSClient, key_id: str) -> None:
    other = client.create_key()["KeyMetadata"]["KeyId"]
    client.tag_resource(KeyId=key_id, Tags=_tags({"mine": "1"}))
    client.tag_resource(KeyId=other, Tags=_tags({"yours": "2"}))
    assert _listed(client, key_id) == _tags({"mine": "1"})
    assert _listed(client, other) == _tags({"yours": "2"})


def test_fifty_tags_allowed(client: KMSClient, key_id: str) -> None:
    fifty = {f"k{i:02d}": str(i) for i in range(50)}
    client.tag_resource(KeyId=key_id, Tags=_tags(fifty))
    # Re-tagging keys a full key already has does not add to its count.
    client.tag_resource(KeyId=key_id, Tags=_tags({"k00": "new", "k49": "new"}))
    listed = _listed(client, key_id)
    assert len(listed) == 50
    assert listed[0] == {"TagKey": "k00", "TagValue": "new"}
    assert listed[-1] == {"TagKey": "k49", "TagValue": "new"}


# -- TagException --------------------------------------------------------------------------


def test_fifty_first_tag_across_two_calls(client: KMSClient, key_id: str) -> None:
    client.tag_resource(KeyId=key_id, Tags=_tags({f"k{i:02d}": "v" for i in range(49)}))
    with pytest.raises(client.exceptions.TagException) as info:
        client.tag_resource(KeyId=key_id, Tags=_tags({"k49": "v", "k50": "v"}))
    assert _error(info) == ("TagException", "Too many tags", 400)
    # The refused call adds none of its tags.
    assert len(_listed(client, key_id)) == 49


@pytest.mark.parametrize("where", sorted(TAGGERS))
def test_too_many_tags_in_one_request(client: KMSClient, key_id: str, where: str) -> None:
    with pytest.raises(client.exceptions.TagException) as info:
        TAGGERS[where](client, key_id, _tags({f"k{i}": "v" for i in range(51)}))
    assert _error(info) == ("TagException", "Too many tags", 400)
    assert info.value.response.get("message") == "Too many tags"
    assert _listed(client, key_id) == []
    assert [key["KeyId"] for key in client.list_keys()["Keys"]] == [key_id]


@pytest.mark.parametrize("where", sorted(TAGGERS))
def test_duplicate_tag_keys(client: KMSClient, key_id: str, where: str) -> None:
    tags: list[TagTypeDef] = [
        {"TagKey": "same", "TagValue": "1"},
        {"TagKey": "same", "TagValue": "2"},
    ]
    with pytest.raises(client.exceptions.TagException) as info:
        TAGGERS[where](client, key_id, tags)
    assert _error(info) == ("TagException", "Duplicate tag keys", 400)
    assert _listed(client, key_id) == []


@pytest.mark.parametrize("where", sorted(TAGGERS))
@pytest.mark.parametrize("tag_key", ["aws:key1", "AWS:key1", "Aws:x"])
def test_reserved_aws_prefix(client: KMSClient, key_id: str, where: str, tag_key: str) -> None:
    with pytest.raises(client.exceptions.TagException) as info:
        TAGGERS[where](client, key_id, _tags({"fine": "v", tag_key: "v"}))
    assert _error(info) == ("TagException", "Tags beginning with aws: are reserved", 400)
    assert _listed(client, key_id) == []


def test_aws_without_colon_is_not_reserved(client: KMSClient, key_id: str) -> None:
    client.tag_resource(KeyId=key_id, Tags=_tags({"aws-team": "v", "my:aws:x": "w"}))
    assert _listed(client, key_id) == _tags({"aws-team": "v", "my:aws:x": "w"})


# -- ValidationException ---------------------------------------------------------------------


@pytest.mark.parametrize("where", sorted(TAGGERS))
@pytest.mark.parametrize("position", [1, 2])
def test_tag_key_too_long(client: KMSClient, key_id: str, where: str, position: int) -> None:
    tag_key = "k" * 129
    tags = _tags({"ok": "v", tag_key: "v"})[2 - position :]
    with pytest.raises(ClientError) as info:
        TAGGERS[where](client, key_id, tags)
    # The index in tags.N.member is 1-based.
    assert _error(info) == (
        "ValidationException",
        f"1 validation error detected: Value '{tag_key}' at 'tags.{position}.member.tagKey' "
        "failed to satisfy constraint: Member must have length less than or equal to 128",
        400,
    )
    assert "message" not in info.value.response


@pytest.mark.parametrize("where", sorted(TAGGERS))
def test_tag_value_too_long(client: KMSClient, key_id: str, where: str) -> None:
    tag_value = "v" * 257
    with pytest.raises(ClientError) as info:
        TAGGERS[where](client, key_id, _tags({"k": tag_value}))
    assert _error(info) == (
        "ValidationException",
        f"1 validation error detected: Value '{tag_value}' at 'tags.1.member.tagValue' failed "
        "to satisfy constraint: Member must have length less than or equal to 256",
        400,
    )


def test_tag_limits_inclusive(client: KMSClient, key_id: str) -> None:
    client.tag_resource(KeyId=key_id, Tags=_tags({"k" * 128: "v" * 256}))
    assert _listed(client, key_id) == _tags({"k" * 128: "v" * 256})


# -- Which key -------------------------------------------------------------------------------

TAG_OPS: dict[str, Callable[[KMSClient, str], object]] = {
    "TagResource": lambda c, k: c.tag_resource(KeyId=k, Tags=_tags({"a": "b"})),
    "UntagResource": lambda c, k: c.untag_resource(KeyId=k, TagKeys=["a"]),
    "ListResourceTags": lambda c, k: c.list_resource_tags(KeyId=k),
}


@pytest.mark.parametrize("operation", sorted(TAG_OPS))
def test_tag_ops_unknown_key(client: KMSClient, operation: str) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(client.exceptions.NotFoundException) as info:
        TAG_OPS[operation](client, missing)
    assert _error(info) == (
        "NotFoundException",
        f"Key '{ARN_PREFIX}:key/{missing}' does not exist",
        400,
    )


def test_key_tags_is_always_a_dict(client: KMSClient, kms: MockKMS) -> None:
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    key = kms.key(key_id)
    assert key.tags == {}
    client.tag_resource(KeyId=key_id, Tags=[{"TagKey": "team", "TagValue": "payments"}])
    assert kms.key(key_id).tags == {"team": "payments"}
    # Set from a test, the tags are what the API lists.
    key.tags["owner"] = "ops"
    listed = client.list_resource_tags(KeyId=key_id)["Tags"]
    assert listed == [
        {"TagKey": "owner", "TagValue": "ops"},
        {"TagKey": "team", "TagValue": "payments"},
    ]
    with pytest.raises(TypeError, match="tags must be a dict of str to str"):
        key.tags = {"a": 1}  # type: ignore[dict-item]
    assert key.tags == {"owner": "ops", "team": "payments"}
