"""Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant (reference 6)."""

from __future__ import annotations

import functools
import heapq
import re
from collections.abc import Mapping, Sequence
from typing import Any

from kmsmock._dispatch import operation
from kmsmock.auth._authorize import authorize_iam, denied, iam_allows, no_allow
from kmsmock.auth._policy import principal_is_valid
from kmsmock.backend._arn import root_arn
from kmsmock.backend._grants import Grant, new_token, operations_for
from kmsmock.backend._key import Key
from kmsmock.backend._keystate import check_state
from kmsmock.errors import (
    InvalidGrantIdException,
    InvalidGrantTokenException,
    LimitExceededException,
    NotFoundException,
    ValidationException,
)
from kmsmock.operations._grant_tokens import INVALID_TOKEN
from kmsmock.operations._pagination import Fetch, page_by_seq, seq_slice
from kmsmock.operations._request import Request

MAX_GRANTS_PER_KEY = 50_000
MAX_CONSTRAINT_PAIRS = 8
_GRANT_ID = re.compile(r"[0-9a-fA-F]{64}")
_CONSTRAINTS = ("EncryptionContextEquals", "EncryptionContextSubset")


def _no_grant_allows(req: Request, key: Key, action: str) -> Exception:
    return denied(req.principal, action, key.arn, no_allow("resource", action))


def _check_principal(req: Request, value: str, member: str) -> None:
    identities = req.identities
    if not principal_is_valid(
        value, identities if identities and identities.check_principals else None
    ):
        # AWS's text for an invalid grantee or retiring principal is not recorded.
        raise ValidationException(f"{member} {value} is not a valid principal.")


def _constraint_pairs(
    constraints: Mapping[str, Any] | None,
) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    constraints = constraints or {}
    pairs = [constraints.get(name) for name in _CONSTRAINTS]
    for part in pairs:
        if part is not None and len(part) > MAX_CONSTRAINT_PAIRS:
            raise ValidationException(
                f"A grant constraint can contain at most {MAX_CONSTRAINT_PAIRS} "
                "encryption context pairs."
            )
    return (
        dict(pairs[0]) if pairs[0] is not None else None,
        dict(pairs[1]) if pairs[1] is not None else None,
    )


def _within(
    parent: Grant,
    operations: Sequence[str],
    equals: dict[str, str] | None,
    subset: dict[str, str] | None,
) -> bool:
    """Whether a grant made under ``parent``'s CreateGrant stays within ``parent``."""
    if not set(operations) <= set(parent.operations):
        return False
    if parent.equals is not None and equals != parent.equals:
        return False
    if parent.subset is not None:
        tighter = equals if equals is not None else subset
        if tighter is None or any(tighter.get(k) != v for k, v in parent.subset.items()):
            return False
    return True


def _entry(grant: Grant) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "KeyId": grant.key.arn,
        "GrantId": grant.grant_id,
        "CreationDate": grant.creation_date,
        "GranteePrincipal": grant.grantee,
        "IssuingAccount": grant.issuing_account,
        "Operations": list(grant.operations),
    }
    if grant.name is not None:
        # The model gives Name a minimum length of 1: an unnamed grant has none.
        entry["Name"] = grant.name
    if grant.retiring is not None:
        entry["RetiringPrincipal"] = grant.retiring
    constraints = {
        name: part
        for name, part in zip(_CONSTRAINTS, (grant.equals, grant.subset), strict=True)
        if part is not None
    }
    if constraints:
        entry["Constraints"] = constraints
    return entry


@operation("CreateGrant")
def create_grant(
    req: Request,
    *,
    key_id: str,
    grantee_principal: str,
    operations: Sequence[str],
    retiring_principal: str | None = None,
    constraints: Mapping[str, Any] | None = None,
    grant_tokens: Sequence[str] | None = None,
    name: str | None = None,
    dry_run: bool | None = None,
) -> dict[str, Any]:
    key = req.resolve(key_id)
    parent = req.authorize(key, identifier=key_id)
    check_state(req.operation, key)
    invalid = sorted(set(operations) - operations_for(key))
    if invalid:
        # AWS's text for an operation the key cannot grant is not recorded.
        raise ValidationException(
            f"Grant operations [{', '.join(invalid)}] are not valid for a key with KeySpec "
            f"{key.key_spec} and KeyUsage {key.key_usage}."
        )
    _check_principal(req, grantee_principal, "GranteePrincipal")
    if retiring_principal is not None:
        _check_principal(req, retiring_principal, "RetiringPrincipal")
    equals, subset = _constraint_pairs(constraints)
    if parent is not None and not _within(parent, operations, equals, subset):
        raise _no_grant_allows(req, key, "CreateGrant")
    grants = key.grants if key.grants is not None else {}
    if len(grants) >= MAX_GRANTS_PER_KEY:
        raise LimitExceededException(
            f"The number of grants on {key.arn} has reached the limit of {MAX_GRANTS_PER_KEY}."
        )
    req.dry_run(dry_run)
    terms = (grantee_principal, retiring_principal, tuple(operations), equals, subset)
    grant = None
    if name is not None:
        grant = next((g for g in grants.values() if g.name == name and g.same_terms(*terms)), None)
    if grant is None:
        grant = Grant(
            key=key,
            grant_id=req.backend.random_bytes(32).hex(),
            name=name,
            grantee=grantee_principal,
            retiring=retiring_principal,
            operations=tuple(operations),
            equals=equals,
            subset=subset,
            creation_date=req.now,
            issuing_account=root_arn(req.account_id, req.region_name),
            seq=req.backend.next_seq(),
        )
        grants[grant.grant_id] = grant
        key.grants = grants
        if retiring_principal is not None:
            req.backend.region(key.account_id, key.region).file_retirable(grant)
    token = new_token(req.backend.random_bytes)
    req.backend.grant_tokens[token] = grant
    return {"GrantToken": token, "GrantId": grant.grant_id}


def _grant_seq(grant: Grant) -> int:
    return grant.seq


@operation("ListGrants")
def list_grants(
    req: Request,
    *,
    key_id: str,
    limit: int | None = None,
    marker: str | None = None,
    grant_id: str | None = None,
    grantee_principal: str | None = None,
) -> dict[str, Any]:
    key = req.key(key_id)
    if grant_id is not None and not _GRANT_ID.fullmatch(grant_id):
        raise InvalidGrantIdException(f"Invalid grant ID {grant_id}")
    fetch: Fetch[Grant]
    if grant_id is not None:
        named = (key.grants or {}).get(grant_id)
        if named is not None and grantee_principal not in (None, named.grantee):
            named = None
        fetch = seq_slice([] if named is None else [named], _grant_seq)
    else:
        # Cost bounded by the key's own grants, whichever match.
        listing = req.backend.region(key.account_id, key.region).grant_listing(key)
        if grantee_principal is None:
            fetch = listing.page
        else:
            fetch = functools.partial(listing.page, match=lambda g: g.grantee == grantee_principal)
    chunk, next_marker = page_by_seq(
        "grants", fetch, _grant_seq, limit, marker, default=50, maximum=100
    )
    return {
        "Grants": [_entry(g) for g in chunk],
        "NextMarker": next_marker,
        "Truncated": next_marker is not None,
    }


@operation("ListRetirableGrants")
def list_retirable_grants(
    req: Request, *, retiring_principal: str, limit: int | None = None, marker: str | None = None
) -> dict[str, Any]:
    authorize_iam(req, "ListRetirableGrants")
    listings = [
        listing
        for account in req.backend.accounts.values()
        if (region := account.regions.get(req.region_name)) is not None
        and (listing := region.retirable(retiring_principal)) is not None
    ]

    def fetch(after: int, size: int) -> tuple[list[Grant], bool]:
        # Each account's first ``size`` include its share of the first ``size`` of all.
        more = False
        parts = []
        for listing in listings:
            part, part_more = listing.page(after, size)
            parts.append(part)
            more = more or part_more
        merged = list(heapq.merge(*parts, key=_grant_seq))
        return merged[:size], more or len(merged) > size

    chunk, next_marker = page_by_seq(
        "retirable", fetch, _grant_seq, limit, marker, default=50, maximum=100
    )
    return {
        "Grants": [_entry(g) for g in chunk],
        "NextMarker": next_marker,
        "Truncated": next_marker is not None,
    }


def _grant(key: Key, grant_id: str) -> Grant:
    if not _GRANT_ID.fullmatch(grant_id):
        raise InvalidGrantIdException(f"Invalid grant ID {grant_id}")
    grant = (key.grants or {}).get(grant_id)
    if grant is None:
        # AWS's text for a grant that does not exist is not recorded.
        raise NotFoundException(f"Grant ID {grant_id} not found")
    return grant


def _remove(grant: Grant) -> None:
    if grant.key.grants is not None:
        grant.key.grants.pop(grant.grant_id, None)


@operation("RetireGrant")
def retire_grant(
    req: Request,
    *,
    grant_token: str | None = None,
    key_id: str | None = None,
    grant_id: str | None = None,
    dry_run: bool | None = None,
) -> None:
    if grant_token is not None:
        found = req.backend.grant_tokens.get(grant_token)
        if found is None:
            raise InvalidGrantTokenException(INVALID_TOKEN)
        if not found.live:
            raise NotFoundException(f"Grant ID {found.grant_id} not found")
        grant = found
        key = grant.key
    elif key_id is not None and grant_id is not None:
        key = req.resolve(key_id)
        grant = _grant(key, grant_id)
    else:
        # AWS's text is not recorded.
        raise ValidationException("Either GrantToken or both KeyId and GrantId are required.")
    # Who may retire (reference 6): the retiring principal, a grantee whose grant includes
    # RetireGrant, and the grant's account through IAM.
    principal = req.principal
    allowed = (
        grant.names(principal, grant.retiring)
        or ("RetireGrant" in grant.operations and grant.names(principal, grant.grantee))
        or (
            root_arn(principal.account_id, req.region_name) == grant.issuing_account
            and iam_allows(req, "RetireGrant", key.arn)
        )
    )
    if not allowed:
        raise _no_grant_allows(req, key, "RetireGrant")
    check_state(req.operation, key)
    req.dry_run(dry_run)
    _remove(grant)


@operation("RevokeGrant")
def revoke_grant(req: Request, *, key_id: str, grant_id: str, dry_run: bool | None = None) -> None:
    key = req.key(key_id)
    grant = _grant(key, grant_id)
    req.dry_run(dry_run)
    _remove(grant)
