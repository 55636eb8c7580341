"""Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases (reference section 1)."""

from __future__ import annotations

import re
from typing import Any

from kmsmock._dispatch import operation
from kmsmock.auth._authorize import authorize_iam
from kmsmock.backend._backend import Alias
from kmsmock.errors import (
    AlreadyExistsException,
    InvalidAliasNameException,
    LimitExceededException,
    NotFoundException,
    ValidationException,
)
from kmsmock.operations._pagination import Fetch, page_by_seq, seq_slice
from kmsmock.operations._request import Request

MAX_ALIASES_PER_KEY = 50


def _check_name(alias_name: str) -> None:
    if not alias_name.startswith("alias/"):
        raise ValidationException(
            'Alias must start with the prefix "alias/". Please see '
            "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
        )
    if alias_name.startswith("alias/aws/"):
        # The code is in the model; AWS's text is not recorded.
        raise InvalidAliasNameException(
            "Alias names that begin with alias/aws/ are reserved for AWS managed keys."
        )


def _alias(req: Request, alias_name: str) -> Alias:
    alias = req.region.aliases.get(alias_name)
    if alias is None:
        raise NotFoundException(f"Alias {req.region.alias_arn(alias_name)} is not found.")
    return alias


def _authorize_alias(req: Request, alias_name: str) -> None:
    # The alias is a resource of its own, which only IAM policies can name.
    authorize_iam(req, req.operation, req.region.alias_arn(alias_name))


# AWS's CreateAlias documentation: letters, digits, slashes, underscores and dashes. The
# model's pattern also admits ':' (it serves alias ARNs too); AWS refuses it in a name.
ALIAS_NAME = re.compile(r"alias/[a-zA-Z0-9/_-]+")


@operation("CreateAlias")
def create_alias(req: Request, *, alias_name: str, target_key_id: str) -> None:
    _check_name(alias_name)
    if ALIAS_NAME.fullmatch(alias_name) is None:
        # AWS's text, as quoted in hashicorp/terraform-provider-aws#12891.
        raise ValidationException(f"{alias_name} contains invalid characters for an alias")
    key = req.key(target_key_id)
    _authorize_alias(req, alias_name)
    if alias_name in req.region.aliases:
        raise AlreadyExistsException(
            f"An alias with the name {req.region.alias_arn(alias_name)} already exists"
        )
    if len(req.region.aliases_of(key.key_id)) >= MAX_ALIASES_PER_KEY:
        raise LimitExceededException(
            f"The number of aliases for the key {key.arn} exceeds the limit of "
            f"{MAX_ALIASES_PER_KEY}."
        )
    req.region.aliases[alias_name] = Alias(alias_name, key.key_id, req.now, req.backend.next_seq())


@operation("UpdateAlias")
def update_alias(req: Request, *, alias_name: str, target_key_id: str) -> None:
    _check_name(alias_name)
    alias = _alias(req, alias_name)
    key = req.key(target_key_id)
    current = req.region.keys.get(alias.target_key_id)
    if current is not None:
        # UpdateAlias needs permission on the alias, its current key and the new one.
        req.authorize(current)
    _authorize_alias(req, alias_name)
    if current is not None and (current.key_spec, current.key_usage) != (
        key.key_spec,
        key.key_usage,
    ):
        raise ValidationException(
            f"Alias {req.region.alias_arn(alias_name)} cannot be changed from a key of spec "
            f"{current.key_spec} and usage {current.key_usage} to a key of spec "
            f"{key.key_spec} and usage {key.key_usage}."
        )
    if len(req.region.aliases_of(key.key_id)) >= MAX_ALIASES_PER_KEY:
        raise LimitExceededException(
            f"The number of aliases for the key {key.arn} exceeds the limit of "
            f"{MAX_ALIASES_PER_KEY}."
        )
    req.region.retarget(alias, key.key_id)
    alias.last_updated_date = req.now


@operation("DeleteAlias")
def delete_alias(req: Request, *, alias_name: str) -> None:
    _check_name(alias_name)
    alias = _alias(req, alias_name)
    key = req.region.keys.get(alias.target_key_id)
    if key is not None:
        req.check(key)
    _authorize_alias(req, alias_name)
    del req.region.aliases[alias_name]


def _alias_seq(alias: Alias) -> int:
    return alias.seq


@operation("ListAliases")
def list_aliases(
    req: Request, *, key_id: str | None = None, limit: int | None = None, marker: str | None = None
) -> dict[str, Any]:
    region = req.region
    # ListAliases is for IAM policies alone, KeyId or not (reference 5.2).
    authorize_iam(req, "ListAliases")
    if key_id is not None:
        # A key's own aliases, at most a few dozen.
        fetch: Fetch[Alias] = seq_slice(region.aliases_of(req.resolve(key_id).key_id), _alias_seq)
    else:
        fetch = region.alias_listing().page
    chunk, next_marker = page_by_seq(
        "aliases", fetch, _alias_seq, limit, marker, default=50, maximum=100
    )
    return {
        "Aliases": [
            {
                "AliasName": alias.name,
                "AliasArn": region.alias_arn(alias.name),
                "TargetKeyId": alias.target_key_id,
                "CreationDate": alias.creation_date,
                "LastUpdatedDate": alias.last_updated_date,
            }
            for alias in chunk
        ],
        "NextMarker": next_marker,
        "Truncated": next_marker is not None,
    }
