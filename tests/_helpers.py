"""Small helpers shared by the black-box tests."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def error_of(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    """(code, message, HTTP status) of the error a client call raised."""
    response = info.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )
