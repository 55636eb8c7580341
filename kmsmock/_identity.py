"""Who is calling, in which region, from the signed request."""

from __future__ import annotations

import re
from collections.abc import Mapping

from kmsmock.auth._principals import IdentityRegistry, Principal
from kmsmock.backend._arn import is_region
from kmsmock.errors import InvalidSignatureException, MissingAuthenticationTokenException

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
            if not is_region(region):
                # AWS's text; checked before the access key, so a request scoped to no
                # region never touches kmsmock's state.
                raise InvalidSignatureException(
                    f"Credential should be scoped to a valid region, not '{region}'. "
                )
            return registry.lookup(access_key), region
    raise MissingAuthenticationTokenException("Missing Authentication Token")
