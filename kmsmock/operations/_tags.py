"""Tag rules shared by CreateKey and TagResource (reference section 12)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kmsmock.errors import TagException

MAX_TAGS = 50


def merged_tags(
    current: Mapping[str, str] | None, tags: Sequence[Mapping[str, str]]
) -> dict[str, str]:
    """The key's tags after applying ``tags``, or the TagException AWS gives."""
    names = [tag["TagKey"] for tag in tags]
    if len(set(names)) != len(names):
        raise TagException("Duplicate tag keys")
    if any(name.lower().startswith("aws:") for name in names):
        raise TagException("Tags beginning with aws: are reserved")
    result = dict(current or {})
    for tag in tags:
        result[tag["TagKey"]] = tag.get("TagValue", "")
    if len(result) > MAX_TAGS:
        raise TagException("Too many tags")
    return result
