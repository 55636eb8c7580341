"""The refusals for a key of the wrong kind, with AWS's texts, in one place.

They come after resolution, authorization and the key-state table (reference section
4, "check order"): a Disabled RSA key is refused as disabled before it is refused as
RSA.
"""

from __future__ import annotations

from kmsmock.backend._arn import partition
from kmsmock.backend._key import Key
from kmsmock.errors import InvalidKeyUsageException, UnsupportedOperationException


def require_usage(key: Key, usage: str, operation: str) -> None:
    """``key`` must have KeyUsage ``usage`` (recorded template, AWS_RECORDED_FACTS 1.4)."""
    if key.key_usage != usage:
        raise InvalidKeyUsageException(
            f"{key.arn} key usage is {key.key_usage} which is not valid for {operation}."
        )


def incompatible(algorithm: str, key: Key) -> InvalidKeyUsageException:
    """An algorithm the key spec does not offer (AWS's text, as quoted in
    zalando/spring-cloud-config-aws-kms#82 and JackOfMostTrades/aws-kms-pkcs11#18)."""
    return InvalidKeyUsageException(
        f"Algorithm {algorithm} is incompatible with key spec {key.key_spec}."
    )


def origin_refused(key: Key) -> UnsupportedOperationException:
    """AWS's text for a key whose origin cannot do the operation (reference section 4,
    footnotes 6 and 9); kmsmock uses it for custom key store origins too."""
    return UnsupportedOperationException(
        f"{key.arn} origin is {key.origin} which is not valid for this operation."
    )


def in_china(region: str) -> bool:
    return partition(region) == "aws-cn"


def not_in_region(parameter: str, spec: str) -> UnsupportedOperationException:
    """A spec this partition does not offer: AWS's answer to CreateKey with KeySpec SM2
    outside China, as measured in us-east-1 (floci-io/floci#3026)."""
    return UnsupportedOperationException(f"{parameter} {spec} is not supported in this Region")
