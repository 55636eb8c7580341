"""ARNs and identifier formats, as KMS writes and parses them."""

from __future__ import annotations

import functools
import re

KEY_ID_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
MRK_ID_RE = re.compile(r"mrk-[0-9a-fA-F]{32}")
_ARN_RE = re.compile(r"arn:([^:]+):kms:([^:]*):([^:]*):(key|alias)/(.+)", re.DOTALL)


@functools.lru_cache(maxsize=64)
def partition(region: str) -> str:
    """The partition whose ARNs name ``region`` (``aws-cn`` for ``cn-north-1``), as
    botocore's data says; ``aws`` for a name no partition claims."""
    for name, regions, pattern in _partitions():
        if region in regions or pattern.match(region):
            return name
    return "aws"


@functools.cache
def _partitions() -> tuple[tuple[str, frozenset[str], re.Pattern[str]], ...]:
    # botocore's data says which names each partition's regions take. partitions.json
    # (7 KB, what botocore's endpoint rules read a region's partition from) holds the
    # same regionRegex per partition as endpoints.json (1.2 MB): reading the small one
    # takes the JSON parse of the large one (~20 ms) out of every process's first mock.
    # endpoints.json stays the fallback for a botocore without partitions.json.
    from botocore.exceptions import DataNotFoundError
    from botocore.loaders import Loader

    try:
        partitions = Loader().load_data("partitions")["partitions"]
        key = "id"
    except DataNotFoundError:
        partitions = Loader().load_data("endpoints")["partitions"]
        key = "partition"
    return tuple(
        (p[key], frozenset(p.get("regions", ())), re.compile(p["regionRegex"], re.ASCII))
        for p in partitions
    )


_ACCOUNT_ID = re.compile(r"[0-9]{12}")


def is_account_id(value: object) -> bool:
    """Whether ``value`` is an account id: 12 ASCII digits (``str.isdigit`` also takes
    other scripts' digits, "١٢٣...")."""
    return isinstance(value, str) and _ACCOUNT_ID.fullmatch(value) is not None


@functools.lru_cache(maxsize=256)
def is_region(name: str) -> bool:
    """Whether ``name`` is a region name of some AWS partition (``eu-west-1``)."""
    return len(name) <= 64 and any(p.match(name) for _, _, p in _partitions())


def key_arn(region: str, account: str, key_id: str) -> str:
    return f"arn:{partition(region)}:kms:{region}:{account}:key/{key_id}"


def alias_arn(region: str, account: str, alias_name: str) -> str:
    # alias_name already carries its "alias/" prefix, as AWS stores it.
    return f"arn:{partition(region)}:kms:{region}:{account}:{alias_name}"


def root_arn(account: str, region: str) -> str:
    return f"arn:{partition(region)}:iam::{account}:root"


def is_key_id(value: str) -> bool:
    # KMS accepts only the hyphenated UUID or "mrk-" + 32 hex; anything else is
    # "Invalid keyId" before any lookup (reference section 1).
    return KEY_ID_RE.fullmatch(value) is not None or MRK_ID_RE.fullmatch(value) is not None


class ParsedArn:
    __slots__ = ("account", "kind", "partition", "region", "resource")

    def __init__(self, partition: str, region: str, account: str, kind: str, resource: str):
        self.partition = partition
        self.region = region
        self.account = account
        self.kind = kind
        self.resource = resource


def parse_arn(value: str) -> ParsedArn | None:
    match = _ARN_RE.fullmatch(value)
    if match is None:
        return None
    part, region, account, kind, resource = match.groups()
    if kind == "alias":
        resource = "alias/" + resource
    return ParsedArn(part, region, account, kind, resource)
