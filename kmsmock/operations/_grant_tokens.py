"""GrantTokens, which many operations accept: each must be a token KMS issued."""

from __future__ import annotations

from collections.abc import Sequence

from kmsmock.backend._backend import Backend
from kmsmock.errors import InvalidGrantTokenException

# AWS's text for a token it did not issue is not recorded.
INVALID_TOKEN = "Grant token is not valid"


def check_grant_tokens(backend: Backend, tokens: Sequence[str]) -> None:
    """Grants take effect at once here, so a valid token adds nothing; a bad one fails."""
    for token in tokens:
        if token not in backend.grant_tokens:
            raise InvalidGrantTokenException(INVALID_TOKEN)
