"""AWS managed keys: the ``alias/aws/<service>`` keys AWS creates for a service on first use.

AWS creates the managed key of a service in an account and Region the first time it is
needed (reference section 1: "DescribeKey on one creates the AWS managed key"); kmsmock
does the same when an operation that accepts aliases names ``alias/aws/<service>`` and
the alias does not exist yet. The key is AWS's in every respect a caller can see:
KeyManager ``AWS``, AWS's description, AWS's key policy (which is what keeps customers
from using it directly or managing it), yearly automatic rotation (reference section 8).

The services, descriptions and policies below are the ones AWS shows for keys it has
created since its 2022 wording change ("Default key that protects my ..."), as found in
GetKeyPolicy/DescribeKey output published for s3, ebs, rds, lambda, secretsmanager,
ssm, dynamodb, sqs, sns, elasticfilesystem, kafka and es. Any other ``alias/aws/...``
name is treated as the missing alias it is.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from kmsmock.auth._jackson import pretty
from kmsmock.backend._arn import partition, root_arn
from kmsmock.backend._backend import Alias, Backend, Region
from kmsmock.backend._key import Key
from kmsmock.backend._rotation import enable_rotation

PREFIX = "alias/aws/"
# AWS managed keys rotate every year, not configurably (reference section 8; AWS moved
# from three years to one in May 2022: EnableKeyRotation API reference).
ROTATION_DAYS = 365

_CRYPTO = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*")
_METADATA = ("kms:Describe*", "kms:Get*", "kms:List*")
_METADATA_REVOKE = (*_METADATA, "kms:RevokeGrant")


@dataclasses.dataclass(frozen=True)
class _Service:
    # What the description says the key protects.
    protects: str
    # The service's name in the first statement's Sid.
    name: str
    # The service's endpoint prefix, as kms:ViaService names it.
    endpoint: str
    policy_id: str
    actions: tuple[str, ...]
    metadata: tuple[str, ...] = _METADATA_REVOKE
    # A Sid that does not follow the usual "Allow access through <name> ..." wording.
    sid: str | None = None

    def statement_sid(self) -> str:
        if self.sid is not None:
            return self.sid
        return (
            f"Allow access through {self.name} for all principals in the account that are "
            f"authorized to use {self.name}"
        )


_GRANT = (*_CRYPTO, "kms:CreateGrant", "kms:DescribeKey")
_GRANT_LIST = (*_CRYPTO, "kms:CreateGrant", "kms:ListGrants", "kms:DescribeKey")

SERVICES: dict[str, _Service] = {
    "s3": _Service("S3 objects", "S3", "s3", "auto-s3-2", (*_CRYPTO, "kms:DescribeKey"), _METADATA),
    "ebs": _Service("EBS volumes", "EBS", "ec2", "auto-ebs-2", _GRANT),
    "rds": _Service("RDS database volumes", "RDS", "rds", "auto-rds-2", _GRANT_LIST),
    "lambda": _Service("Lambda functions", "AWS Lambda", "lambda", "auto-awslambda", _GRANT),
    "secretsmanager": _Service(
        "Secrets Manager data",
        "AWS Secrets Manager",
        "secretsmanager",
        "auto-secretsmanager-2",
        ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:CreateGrant", "kms:DescribeKey"),
    ),
    "ssm": _Service(
        "SSM parameters", "SSM", "ssm", "auto-ssm-1", (*_CRYPTO, "kms:DescribeKey"), _METADATA
    ),
    "dynamodb": _Service("DynamoDB data", "Amazon DynamoDB", "dynamodb", "auto-dynamodb-1", _GRANT),
    "sqs": _Service(
        "SQS messages",
        "SQS",
        "sqs",
        "auto-sqs-1",
        _GRANT,
        sid=(
            "Allow access through Simple Queue Service (SQS) for all principals in the "
            "account that are authorized to use SQS"
        ),
    ),
    "sns": _Service(
        "SNS data",
        "SNS",
        "sns",
        "auto-sns-1",
        # SNS only decrypts and makes data keys: its policy has no kms:Encrypt.
        (
            "kms:Decrypt",
            "kms:GenerateDataKey*",
            "kms:CreateGrant",
            "kms:ListGrants",
            "kms:DescribeKey",
        ),
    ),
    "elasticfilesystem": _Service(
        "EFS filesystems",
        "EFS",
        "elasticfilesystem",
        "auto-elasticfilesystem-1",
        _GRANT,
        sid="Allow access to EFS for all principals in the account that are authorized to use EFS",
    ),
    "kafka": _Service("Kafka data", "Kafka", "kafka", "auto-kafka-1", _GRANT_LIST),
    "es": _Service(
        "Amazon OpenSearch Service (successor to Amazon Elasticsearch Service) data",
        "OpenSearch Service",
        "es",
        "auto-es-2",
        _GRANT,
    ),
}


def description(service: str) -> str:
    return f"Default key that protects my {SERVICES[service].protects} when no other key is defined"


def _domain(region: str) -> str:
    return "amazonaws.com.cn" if partition(region) == "aws-cn" else "amazonaws.com"


def policy_document(service: str, account_id: str, region: str) -> dict[str, Any]:
    """The key policy AWS gives the managed key of ``service``.

    Everyone in the account may use the key, but only through the service
    (kms:ViaService, kms:CallerAccount); the account may read the key's metadata (and
    for most services revoke grants) through IAM. Nothing allows managing it.
    """
    spec = SERVICES[service]
    domain = _domain(region)
    statements: list[dict[str, Any]] = [
        {
            "Sid": spec.statement_sid(),
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": list(spec.actions),
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:CallerAccount": account_id,
                    "kms:ViaService": f"{spec.endpoint}.{region}.{domain}",
                }
            },
        }
    ]
    if service == "secretsmanager":
        # Secrets Manager's newer policy adds data keys through any of its Regions.
        statements.append(
            {
                "Sid": spec.statement_sid(),
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "kms:GenerateDataKey*",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"kms:CallerAccount": account_id},
                    "StringLike": {"kms:ViaService": f"secretsmanager.*.{domain}"},
                },
            }
        )
    statements.append(
        {
            "Sid": "Allow direct access to key metadata to the account",
            "Effect": "Allow",
            "Principal": {"AWS": root_arn(account_id, region)},
            "Action": list(spec.metadata),
            "Resource": "*",
        }
    )
    if service == "es":
        statements.append(
            {
                "Sid": "Allow OpenSearch service principals to describe the key directly",
                "Effect": "Allow",
                "Principal": {"Service": "es.amazonaws.com"},
                "Action": list(_METADATA),
                "Resource": "*",
            }
        )
    return {"Version": "2012-10-17", "Id": spec.policy_id, "Statement": statements}


def aws_managed_key(backend: Backend, region: Region, alias_name: str) -> Key | None:
    """The AWS managed key ``alias_name`` names in ``region``, created now if needed.

    None when ``alias_name`` names no AWS managed key (not ``alias/aws/<known service>``).
    Called only once the alias is known to be missing, so the normal path pays nothing.
    """
    if not alias_name.startswith(PREFIX):
        return None
    service = alias_name[len(PREFIX) :]
    if service not in SERVICES:
        return None
    existing = region.aliases.get(alias_name)
    if existing is not None:
        return region.keys.get(existing.target_key_id)
    key = backend.create_key(
        region,
        description=description(service),
        policy=pretty(policy_document(service, region.account_id, region.name)),
        key_manager="AWS",
    )
    now = key.creation_date
    region.aliases[alias_name] = Alias(alias_name, key.key_id, now, backend.next_seq())
    # New AWS managed keys rotate one year after creation, then every year.
    enable_rotation(backend, key, ROTATION_DAYS, now)
    return key
