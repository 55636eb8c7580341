"""Who is calling, in which region, from the signed request."""

from __future__ import annotations

import re
from collections.abc import Mapping

from kmsmock.auth._principals import IdentityRegistry, Principal
from kmsmock.errors import MissingAuthenticationTokenException

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/aws4_request")


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
