"""Who may use the keys of a saved state document (docs/state.md): each key's grants,
the grant tokens, and the principals (roots, users, roles and their sessions) with
their identity policies and access keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kmsmock.auth._principals import Principal
from kmsmock.backend._arn import parse_arn
from kmsmock.backend._fields import Obj, StateError
from kmsmock.backend._grants import Grant
from kmsmock.backend._key import Key
from kmsmock.backend._state_format import (
    ACCESS_MEMBERS,
    GRANT_MEMBERS,
    PRINCIPAL_MEMBERS,
    SESSION_MEMBERS,
)

if TYPE_CHECKING:
    from kmsmock.backend._restore import _Loader


def load_grants(loader: _Loader, key: Key, obj: Obj) -> dict[str, Grant]:
    grants: dict[str, Grant] = {}
    for where, value in obj.items("grants"):
        spec = Obj(value, where, GRANT_MEMBERS)
        grant = Grant(
            key=key,
            grant_id=spec.text("id"),
            name=spec.text("name", None),
            grantee=spec.text("grantee"),
            retiring=spec.text("retiring", None),
            operations=tuple(spec.strings("operations")),
            equals=spec.mapping("equals", None),
            subset=spec.mapping("subset", None),
            creation_date=spec.time("creation_date", key.creation_date),
            issuing_account=spec.text("issuing_account", f"arn:aws:iam::{key.account_id}:root"),
            seq=loader.seq(spec),
        )
        if grant.grant_id in grants:
            raise StateError(f"{where}: a second grant {grant.grant_id}")
        grants[grant.grant_id] = grant
    return grants


def load_principals(loader: _Loader, obj: Obj) -> None:
    identities = loader.identities
    spec = obj.child("principals", ("roots", "users", "roles"))
    if spec is None:
        return
    try:
        for where, value in spec.items("roots"):
            item = Obj(value, where, ("account", *ACCESS_MEMBERS, "via"))
            _rekey(loader, identities.root(item.text("account", loader.account)), item)
        for where, value in spec.items("users"):
            item = Obj(value, where, PRINCIPAL_MEMBERS)
            user = identities.user(
                item.text("name"),
                account=item.text("account", loader.account),
                path=item.text("path", "/"),
                policy=_policies(item),
            )
            _rekey(loader, user, item)
        for where, value in spec.items("roles"):
            item = Obj(value, where, (*PRINCIPAL_MEMBERS, "sessions"))
            role = identities.role(
                item.text("name"),
                account=item.text("account", loader.account),
                path=item.text("path", "/"),
                policy=_policies(item),
            )
            for inner, session_value in item.items("sessions"):
                session_spec = Obj(session_value, inner, SESSION_MEMBERS)
                session = role.session(session_spec.text("name"))
                _rekey(loader, session, session_spec)
    except StateError:
        raise
    except (TypeError, ValueError) as error:
        raise StateError(f"{spec.where}: {error}") from None


def _policies(item: Obj) -> list[Any] | None:
    documents = item.get("policies", [])
    if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
        raise StateError(f"{item.at('policies')}: expected a list of policy documents")
    return documents or None


def _rekey(loader: _Loader, principal: Principal, item: Obj) -> None:
    """Give a principal its saved access key (a new one is made if none is given)."""
    registry = loader.identities
    access_key_id = item.text("access_key_id", None)
    if access_key_id is not None:
        taken = registry._by_access_key.get(access_key_id)
        if taken is not None and taken is not principal:
            raise StateError(f"{item.at('access_key_id')}: held by {taken.arn} too")
        if registry._by_access_key.get(principal.access_key_id) is principal:
            del registry._by_access_key[principal.access_key_id]
        principal.access_key_id = access_key_id
        registry.register(principal)
    principal.secret_access_key = item.text("secret_access_key", principal.secret_access_key)
    if principal.session_token is not None:
        principal.session_token = item.text("session_token", principal.session_token)
    via = item.get("via", {})
    if not isinstance(via, dict):
        raise StateError(f"{item.at('via')}: expected an object of services")
    for service, access in via.items():
        _rekey(
            loader,
            principal.via(service),
            Obj(access, f"{item.at('via')}.{service}", ACCESS_MEMBERS),
        )


def load_grant_tokens(top: Obj, loader: _Loader) -> None:
    tokens = top.get("grant_tokens", {})
    if not isinstance(tokens, dict):
        raise StateError("state.grant_tokens: expected an object of tokens")
    for token, value in tokens.items():
        spec = Obj(value, f"state.grant_tokens[{token!r}]", ("key", "grant_id"))
        arn = parse_arn(spec.text("key"))
        if arn is None or arn.kind != "key":
            raise StateError(f"{spec.at('key')}: not a key ARN")
        grant_id = spec.text("grant_id")
        place = (arn.account, arn.region, arn.resource)
        key = loader.keys.get(place)
        grant = None if key is None or key.grants is None else key.grants.get(grant_id)
        if grant is None:
            # A token of a grant retired, revoked or deleted with its key: KMS still
            # recognises it, and says the grant is gone.
            holder = key or loader.deleted.get(place) or _stub(arn.account, arn.region, place[2])
            grant = Grant(
                key=holder,
                grant_id=grant_id,
                name=None,
                grantee="",
                retiring=None,
                operations=(),
                equals=None,
                subset=None,
                creation_date=0.0,
                issuing_account="",
                seq=0,
            )
        loader.backend.grant_tokens[token] = grant


def _stub(account: str, region: str, key_id: str) -> Key:
    return Key(key_id=key_id, account_id=account, region=region, seq=0, creation_date=0.0)
