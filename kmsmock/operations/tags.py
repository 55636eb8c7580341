"""Tags: TagResource, UntagResource, ListResourceTags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kmsmock._dispatch import operation
from kmsmock.operations._pagination import page
from kmsmock.operations._request import Request
from kmsmock.operations._tags import merged_tags


@operation("TagResource")
def tag_resource(req: Request, *, key_id: str, tags: Sequence[Mapping[str, str]]) -> None:
    key = req.key(key_id)
    key.tags = merged_tags(key.tags, tags)


@operation("UntagResource")
def untag_resource(req: Request, *, key_id: str, tag_keys: Sequence[str]) -> None:
    key = req.key(key_id)
    if key.tags:
        for name in tag_keys:
            # Unknown tag keys are ignored, as AWS does.
            key.tags.pop(name, None)


@operation("ListResourceTags")
def list_resource_tags(
    req: Request, *, key_id: str, limit: int | None = None, marker: str | None = None
) -> dict[str, Any]:
    key = req.key(key_id)
    # AWS lists tags in ascending TagKey order (reference: recorded tag listings).
    names = sorted(key.tags or ())
    chunk, next_marker = page(
        "tags", names, lambda name: name, limit, marker, default=50, maximum=50
    )
    tags = key.tags or {}
    return {
        "Tags": [{"TagKey": name, "TagValue": tags[name]} for name in chunk],
        "NextMarker": next_marker,
        "Truncated": next_marker is not None,
    }
