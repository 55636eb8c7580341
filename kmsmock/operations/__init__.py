"""Operation handlers, by area. Importing this package registers them all."""

from kmsmock.operations import (
    aliases,
    crypto,
    grants,
    imports,
    key_stores,
    keys,
    multi_region,
    policies,
    rotation,
    tags,
    usage,
)

__all__ = [
    "aliases",
    "crypto",
    "grants",
    "imports",
    "key_stores",
    "keys",
    "multi_region",
    "policies",
    "rotation",
    "tags",
    "usage",
]
