"""Who is calling, in which region, from the signed request."""

from __future__ import annotations

from collections.abc import Mapping

from kmsmock._gaps import NotYetImplemented
from kmsmock._sigv4 import (
    INVALID_TOKEN,
    SIGNATURE_MISMATCH,
    TERMINATOR,
    WELL_FORMED,
    header_value,
    parse,
    verify,
)
from kmsmock.auth._principals import IdentityRegistry, Principal
from kmsmock.backend._arn import is_region
from kmsmock.errors import (
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    UnrecognizedClientException,
)

# The query parameters of SigV4's other form, a presigned URL.
_QUERY_AUTH = ("X-Amz-Algorithm=", "X-Amz-Credential=", "X-Amz-Signature=")


def caller(
    registry: IdentityRegistry,
    method: str,
    url: str,
    headers: Mapping[str, str | bytes],
    body: bytes,
) -> tuple[Principal, str]:
    """(principal, region) of a request, from its SigV4 Authorization header.

    The request of a declared principal's access key is verified with the secret
    kmsmock issued it; any other access key is the default principal (or refused, with
    ``unknown_credentials="reject"``) without looking at its signature.
    """
    authorization = header_value(headers, "Authorization")
    if not authorization:
        _, _, query = url.partition("?")
        if any(name in query for name in _QUERY_AUTH):
            raise NotYetImplemented("SigV4 query-string (presigned URL) authentication")
        raise MissingAuthenticationTokenException("Missing Authentication Token")
    match = WELL_FORMED.fullmatch(authorization)
    if match is not None:
        # What every SDK sends, read without building anything: this runs on every call.
        access_key, region, terminator = match.group(1, 3, 5)
    else:
        parts = parse(authorization, headers)
        access_key, region, terminator = parts.access_key, parts.region, parts.terminator
    _check_region(region)
    if terminator != TERMINATOR:
        raise InvalidSignatureException(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
            f"not '{terminator}'. "
        )
    principal = registry.lookup(access_key)
    if principal.access_key_id != access_key:
        # A key kmsmock did not issue: the default principal, whose made-up credentials
        # nothing can check.
        return principal, region
    verify(principal, authorization, method, url, headers, body)
    return principal, region


def _check_region(region: str) -> None:
    if not is_region(region):
        # AWS's text; checked before the access key, so a request scoped to no region
        # never touches kmsmock's state.
        raise InvalidSignatureException(
            f"Credential should be scoped to a valid region, not '{region}'. "
        )


def caller_by_credentials(
    registry: IdentityRegistry,
    access_key: str,
    secret_key: str,
    token: str | None,
    region: str,
) -> tuple[Principal, str]:
    """(principal, region) of a call a client would sign with these credentials for
    ``region``, without a request to read them from (the fast mode's caller).

    The outcome is ``caller``'s for the request botocore signs with them: the region
    is checked first; a declared principal's key with another token, or another
    secret, is refused as its signature would be; any other key is the default
    principal (or refused, with ``unknown_credentials="reject"``).
    """
    _check_region(region)
    principal = registry.lookup(access_key)
    if principal.access_key_id != access_key:
        return principal, region
    # In verify's order: the token (botocore sends none when it is empty), then the
    # signature, which only the principal's secret makes.
    if (token or None) != principal.session_token:
        raise UnrecognizedClientException(INVALID_TOKEN)
    if secret_key != principal.secret_access_key:
        raise InvalidSignatureException(SIGNATURE_MISMATCH)
    return principal, region
