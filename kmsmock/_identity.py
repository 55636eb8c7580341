"""Who is calling, in which account and region, from the signed request."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping

from kmsmock.backend._arn import root_arn
from kmsmock.errors import MissingAuthenticationTokenException

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/aws4_request")


class Principal:
    """An IAM identity: its ARN and the account it belongs to."""

    __slots__ = ("account_id", "arn")

    def __init__(self, arn: str, account_id: str) -> None:
        self.arn = arn
        self.account_id = account_id

    def __repr__(self) -> str:
        return f"<Principal {self.arn}>"


class IdentityRegistry:
    """Access key id -> principal.

    An access key nobody registered belongs to the default principal (the default
    account's root, allowed everything in its account by IAM), so tests need no setup.
    """

    def __init__(self, default_account: str, default_region: str) -> None:
        self._lock = threading.Lock()
        self._by_access_key: dict[str, Principal] = {}
        self.default = Principal(root_arn(default_account, default_region), default_account)

    def register(self, access_key_id: str, principal: Principal) -> None:
        with self._lock:
            self._by_access_key[access_key_id] = principal

    def lookup(self, access_key_id: str) -> Principal:
        return self._by_access_key.get(access_key_id, self.default)


def _header(headers: Mapping[str, str | bytes], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        for key, item in headers.items():
            if key.lower() == lowered:
                value = item
                break
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


def caller(registry: IdentityRegistry, headers: Mapping[str, str | bytes]) -> tuple[Principal, str]:
    """(principal, region) of a request, from its SigV4 credential scope."""
    authorization = _header(headers, "Authorization")
    if authorization:
        match = _CREDENTIAL.search(authorization)
        if match:
            access_key, region, _service = match.groups()
            return registry.lookup(access_key), region
    raise MissingAuthenticationTokenException("Missing Authentication Token")
