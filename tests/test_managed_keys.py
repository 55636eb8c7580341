"""AWS managed keys: ``alias/aws/<service>`` keys, created on first use, used only through
their service, and closed to customer management.

Facts: KMS_BEHAVIOUR.md section 1 ("AWS alias/aws/* entries ... DescribeKey on one creates
the AWS managed key") and section 8 ("AWS managed keys rotate yearly, can't be configured,
and always report true"); EnableKeyRotation API reference ("New AWS managed keys are
automatically rotated one year after they are created"); the key policies and descriptions
AWS returns for its managed keys (GetKeyPolicy/DescribeKey output published for aws/s3,
aws/ebs, aws/secretsmanager, aws/sns, ...; see kmsmock/backend/_managed.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

ACCOUNT = "123456789012"
OTHER = "210987654321"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
S3 = "s3.us-east-1.amazonaws.com"
EBS = "ec2.us-east-1.amazonaws.com"
DAY = 86400.0

# GetKeyPolicy of aws/s3, as AWS prints it (Jackson layout of reference 5.1).
S3_POLICY = (
    "{\n"
    '  "Version" : "2012-10-17",\n'
    '  "Id" : "auto-s3-2",\n'
    '  "Statement" : [ {\n'
    '    "Sid" : "Allow access through S3 for all principals in the account that are '
    'authorized to use S3",\n'
    '    "Effect" : "Allow",\n'
    '    "Principal" : {\n'
    '      "AWS" : "*"\n'
    "    },\n"
    '    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", '
    '"kms:DescribeKey" ],\n'
    '    "Resource" : "*",\n'
    '    "Condition" : {\n'
    '      "StringEquals" : {\n'
    '        "kms:CallerAccount" : "123456789012",\n'
    '        "kms:ViaService" : "s3.us-east-1.amazonaws.com"\n'
    "      }\n"
    "    }\n"
    "  }, {\n"
    '    "Sid" : "Allow direct access to key metadata to the account",\n'
    '    "Effect" : "Allow",\n'
    '    "Principal" : {\n'
    '      "AWS" : "arn:aws:iam::123456789012:root"\n'
    "    },\n"
    '    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*" ],\n'
    '    "Resource" : "*"\n'
    "  } ]\n"
    "}"
)

# (alias service, what the description says it protects, policy Id, kms:ViaService prefix)
SERVICES = [
    ("s3", "S3 objects", "auto-s3-2", "s3"),
    ("ebs", "EBS volumes", "auto-ebs-2", "ec2"),
    ("rds", "RDS database volumes", "auto-rds-2", "rds"),
    ("lambda", "Lambda functions", "auto-awslambda", "lambda"),
    ("secretsmanager", "Secrets Manager data", "auto-secretsmanager-2", "secretsmanager"),
    ("ssm", "SSM parameters", "auto-ssm-1", "ssm"),
    ("dynamodb", "DynamoDB data", "auto-dynamodb-1", "dynamodb"),
    ("sqs", "SQS messages", "auto-sqs-1", "sqs"),
    ("sns", "SNS data", "auto-sns-1", "sns"),
    ("elasticfilesystem", "EFS filesystems", "auto-elasticfilesystem-1", "elasticfilesystem"),
    ("kafka", "Kafka data", "auto-kafka-1", "kafka"),
    (
        "es",
        "Amazon OpenSearch Service (successor to Amazon Elasticsearch Service) data",
        "auto-es-2",
        "es",
    ),
]


def _denied(user: str, action: str, key_arn: str) -> str:
    return (
        f"User: {user} is not authorized to perform: kms:{action} on resource: {key_arn} "
        f"because no resource-based policy allows the kms:{action} action"
    )


def _error(call: Callable[[], object]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call()
    return error_of(info)


def _s3_key(client: KMSClient) -> dict[str, Any]:
    metadata: dict[str, Any] = dict(client.describe_key(KeyId="alias/aws/s3")["KeyMetadata"])
    return metadata


# -- creation on first use -----------------------------------------------------------


@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
def test_describe_key_creates_the_managed_key(client: KMSClient) -> None:
    assert client.list_keys()["Keys"] == []
    metadata = _s3_key(client)
    key_id = metadata["KeyId"]
    assert metadata.pop("CreationDate") is not None
    assert len(metadata.pop("CurrentKeyMaterialId")) == 64
    assert metadata == {
        "AWSAccountId": ACCOUNT,
        "KeyId": key_id,
        "Arn": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}",
        "Enabled": True,
        "Description": "Default key that protects my S3 objects when no other key is defined",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": "AWS",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }


def test_the_managed_key_is_created_once(client: KMSClient) -> None:
    first = _s3_key(client)["KeyId"]
    alias_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/s3"
    assert client.describe_key(KeyId=alias_arn)["KeyMetadata"]["KeyId"] == first
    assert client.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["KeyId"] == first
    assert [k["KeyId"] for k in client.list_keys()["Keys"]] == [first]


def test_alias_arn_creates_it_too(client: KMSClient) -> None:
    alias_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/ebs"
    metadata = client.describe_key(KeyId=alias_arn)["KeyMetadata"]
    assert metadata["KeyManager"] == "AWS"
    assert metadata["Description"] == (
        "Default key that protects my EBS volumes when no other key is defined"
    )


def test_list_aliases_shows_created_managed_keys_only(client: KMSClient) -> None:
    assert client.list_aliases()["Aliases"] == []
    metadata = _s3_key(client)
    aliases = client.list_aliases()["Aliases"]
    assert [(a["AliasName"], a["AliasArn"], a["TargetKeyId"]) for a in aliases] == [
        ("alias/aws/s3", f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/s3", metadata["KeyId"])
    ]
    assert aliases[0]["CreationDate"] == metadata["CreationDate"]
    by_key = client.list_aliases(KeyId=metadata["KeyId"])["Aliases"]
    assert [a["AliasName"] for a in by_key] == ["alias/aws/s3"]


def test_an_unknown_service_is_a_missing_alias(client: KMSClient) -> None:
    # kmsmock's choice: only the services AWS documents have managed keys; any other
    # alias/aws/... name is the missing alias it is (reference section 1's text).
    assert _error(lambda: client.describe_key(KeyId="alias/aws/nonsense")) == (
        "NotFoundException",
        f"Alias arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/nonsense is not found.",
        400,
    )
    assert _error(lambda: client.encrypt(KeyId="alias/aws/", Plaintext=b"x"))[0] == (
        "NotFoundException"
    )
    assert client.list_keys()["Keys"] == []


def test_management_operations_take_no_alias_and_create_nothing(client: KMSClient) -> None:
    # Reference section 1: management operations take a key ID or ARN only.
    assert _error(lambda: client.get_key_policy(KeyId="alias/aws/s3")) == (
        "NotFoundException",
        "Invalid keyId 'alias/aws/s3'",
        400,
    )
    assert client.list_keys()["Keys"] == []


@pytest.mark.parametrize(("service", "protects", "policy_id", "endpoint"), SERVICES)
def test_each_documented_service(
    client: KMSClient, service: str, protects: str, policy_id: str, endpoint: str
) -> None:
    metadata = client.describe_key(KeyId=f"alias/aws/{service}")["KeyMetadata"]
    assert metadata["KeyManager"] == "AWS"
    assert metadata["Description"] == (
        f"Default key that protects my {protects} when no other key is defined"
    )
    policy = json.loads(client.get_key_policy(KeyId=metadata["KeyId"])["Policy"])
    assert policy["Id"] == policy_id
    first = policy["Statement"][0]
    assert first["Principal"] == {"AWS": "*"}
    assert first["Condition"] == {
        "StringEquals": {
            "kms:CallerAccount": ACCOUNT,
            "kms:ViaService": f"{endpoint}.us-east-1.amazonaws.com",
        }
    }
    metadata_statement = next(
        s for s in policy["Statement"] if s["Sid"].startswith("Allow direct access")
    )
    assert metadata_statement["Principal"] == {"AWS": ROOT}
    assert metadata_statement["Action"][:3] == ["kms:Describe*", "kms:Get*", "kms:List*"]


def test_managed_keys_are_per_account_and_region(kms: MockKMS, client: KMSClient) -> None:
    here = _s3_key(client)["KeyId"]
    europe = boto3.client("kms", region_name="eu-west-1")
    there = europe.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    assert there["KeyId"] != here
    assert there["Arn"].startswith(f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/")
    other = kms.root(OTHER).client()
    theirs = other.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    assert theirs["AWSAccountId"] == OTHER
    assert theirs["KeyId"] not in (here, there["KeyId"])
    policy = json.loads(europe.get_key_policy(KeyId=there["KeyId"])["Policy"])
    assert policy["Statement"][0]["Condition"]["StringEquals"]["kms:ViaService"] == (
        "s3.eu-west-1.amazonaws.com"
    )


def test_another_accounts_managed_key_is_not_reachable(kms: MockKMS, client: KMSClient) -> None:
    # Another account's AWS managed key serves that account only (kms:CallerAccount); its
    # alias ARN is answered as a missing alias, and nothing is created there.
    alias_arn = f"arn:aws:kms:us-east-1:{OTHER}:alias/aws/s3"
    assert _error(lambda: client.describe_key(KeyId=alias_arn)) == (
        "NotFoundException",
        f"Alias {alias_arn} is not found.",
        400,
    )
    assert kms.root(OTHER).client().list_keys()["Keys"] == []


def test_china_partition_endpoint(kms: MockKMS) -> None:
    china = boto3.client("kms", region_name="cn-north-1")
    key_id = china.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["KeyId"]
    policy = json.loads(china.get_key_policy(KeyId=key_id)["Policy"])
    first, second = policy["Statement"]
    assert first["Condition"]["StringEquals"]["kms:ViaService"] == (
        "s3.cn-north-1.amazonaws.com.cn"
    )
    assert second["Principal"] == {"AWS": f"arn:aws-cn:iam::{ACCOUNT}:root"}


# -- the key policy ------------------------------------------------------------------


def test_get_key_policy_is_awss_policy(client: KMSClient) -> None:
    key_id = _s3_key(client)["KeyId"]
    response = client.get_key_policy(KeyId=key_id)
    assert response["Policy"] == S3_POLICY
    assert response["PolicyName"] == "default"
    assert client.list_key_policies(KeyId=key_id)["PolicyNames"] == ["default"]


def test_direct_use_is_denied(client: KMSClient) -> None:
    arn = _s3_key(client)["Arn"]
    assert _error(lambda: client.encrypt(KeyId="alias/aws/s3", Plaintext=b"x")) == (
        "AccessDeniedException",
        _denied(ROOT, "Encrypt", arn),
        400,
    )
    assert _error(lambda: client.generate_data_key(KeyId=arn, KeySpec="AES_256")) == (
        "AccessDeniedException",
        _denied(ROOT, "GenerateDataKey", arn),
        400,
    )


def test_use_through_the_service_is_allowed(kms: MockKMS, client: KMSClient) -> None:
    arn = _s3_key(client)["Arn"]
    through_s3 = kms.root().client(via_service=S3)
    blob = through_s3.encrypt(KeyId="alias/aws/s3", Plaintext=b"object")["CiphertextBlob"]
    assert through_s3.decrypt(CiphertextBlob=blob)["Plaintext"] == b"object"
    assert _error(lambda: client.decrypt(CiphertextBlob=blob)) == (
        "AccessDeniedException",
        _denied(ROOT, "Decrypt", arn),
        400,
    )
    # Another service, or S3 in another Region, is not S3 here.
    for service in (EBS, "s3.eu-west-1.amazonaws.com"):
        other = kms.root().client(via_service=service)
        with pytest.raises(ClientError) as info:
            other.encrypt(KeyId=arn, Plaintext=b"x")
        assert error_of(info) == ("AccessDeniedException", _denied(ROOT, "Encrypt", arn), 400)


def test_iam_users_use_it_through_the_service(kms: MockKMS, client: KMSClient) -> None:
    # Statement 1 names "*": any principal of the account, without IAM; statement 2 names
    # the account, so reading metadata needs the user's IAM permission.
    arn = _s3_key(client)["Arn"]
    no_kms = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    alice = kms.user("alice", policy=no_kms)
    through_s3 = alice.client(via_service=S3)
    assert through_s3.encrypt(KeyId=arn, Plaintext=b"x")["KeyId"] == arn
    assert _error(lambda: alice.client().describe_key(KeyId=arn)) == (
        "AccessDeniedException",
        f"User: {alice.arn} is not authorized to perform: kms:DescribeKey on resource: {arn} "
        "because no identity-based policy allows the kms:DescribeKey action",
        400,
    )


def test_secrets_manager_makes_data_keys_through_any_region(kms: MockKMS) -> None:
    # Its newer policy adds GenerateDataKey* with kms:ViaService secretsmanager.*.
    client = boto3.client("kms", region_name="us-east-1")
    arn = client.describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]["Arn"]
    elsewhere = kms.root().client(via_service="secretsmanager.eu-west-1.amazonaws.com")
    assert elsewhere.generate_data_key(KeyId=arn, KeySpec="AES_256")["KeyId"] == arn
    assert _error(lambda: elsewhere.encrypt(KeyId=arn, Plaintext=b"x")) == (
        "AccessDeniedException",
        _denied(ROOT, "Encrypt", arn),
        400,
    )


def test_sns_cannot_encrypt(kms: MockKMS, client: KMSClient) -> None:
    # aws/sns's policy allows Decrypt and GenerateDataKey*, not Encrypt.
    arn = client.describe_key(KeyId="alias/aws/sns")["KeyMetadata"]["Arn"]
    through_sns = kms.root().client(via_service="sns.us-east-1.amazonaws.com")
    data_key = through_sns.generate_data_key(KeyId=arn, KeySpec="AES_256")
    assert (
        through_sns.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"]
        == (data_key["Plaintext"])
    )
    assert _error(lambda: through_sns.encrypt(KeyId=arn, Plaintext=b"x")) == (
        "AccessDeniedException",
        _denied(ROOT, "Encrypt", arn),
        400,
    )


def test_grants_through_the_service(kms: MockKMS, client: KMSClient) -> None:
    # aws/ebs allows CreateGrant through EC2 and lets the account revoke grants; aws/s3
    # allows neither.
    ebs = client.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["Arn"]
    grantee = kms.role("volume").arn
    through_ec2 = kms.root().client(via_service=EBS)
    grant_id = through_ec2.create_grant(
        KeyId=ebs, GranteePrincipal=grantee, Operations=["Decrypt"]
    )["GrantId"]
    assert [g["GrantId"] for g in client.list_grants(KeyId=ebs)["Grants"]] == [grant_id]
    client.revoke_grant(KeyId=ebs, GrantId=grant_id)
    assert client.list_grants(KeyId=ebs)["Grants"] == []
    assert _error(
        lambda: client.create_grant(KeyId=ebs, GranteePrincipal=grantee, Operations=["Decrypt"])
    ) == ("AccessDeniedException", _denied(ROOT, "CreateGrant", ebs), 400)
    s3 = _s3_key(client)["Arn"]
    through_s3 = kms.root().client(via_service=S3)
    assert _error(
        lambda: through_s3.create_grant(KeyId=s3, GranteePrincipal=grantee, Operations=["Decrypt"])
    ) == ("AccessDeniedException", _denied(ROOT, "CreateGrant", s3), 400)


# -- customers cannot manage it ------------------------------------------------------

# Operation, its kms: action, and the call on the key's ARN. AWS refuses these through the
# key policy, which allows nothing but use through the service and reading metadata.
MANAGEMENT: list[tuple[str, Callable[[KMSClient, str], object]]] = [
    ("PutKeyPolicy", lambda c, k: c.put_key_policy(KeyId=k, PolicyName="default", Policy="{}")),
    ("ScheduleKeyDeletion", lambda c, k: c.schedule_key_deletion(KeyId=k)),
    ("CancelKeyDeletion", lambda c, k: c.cancel_key_deletion(KeyId=k)),
    ("DisableKey", lambda c, k: c.disable_key(KeyId=k)),
    ("EnableKey", lambda c, k: c.enable_key(KeyId=k)),
    ("EnableKeyRotation", lambda c, k: c.enable_key_rotation(KeyId=k)),
    ("DisableKeyRotation", lambda c, k: c.disable_key_rotation(KeyId=k)),
    ("RotateKeyOnDemand", lambda c, k: c.rotate_key_on_demand(KeyId=k)),
    ("TagResource", lambda c, k: c.tag_resource(KeyId=k, Tags=[{"TagKey": "a", "TagValue": "b"}])),
    ("UntagResource", lambda c, k: c.untag_resource(KeyId=k, TagKeys=["a"])),
    ("UpdateKeyDescription", lambda c, k: c.update_key_description(KeyId=k, Description="x")),
    ("CreateAlias", lambda c, k: c.create_alias(AliasName="alias/mine", TargetKeyId=k)),
]


@pytest.mark.parametrize(("action", "call"), MANAGEMENT, ids=[m[0] for m in MANAGEMENT])
def test_management_is_denied(
    client: KMSClient, action: str, call: Callable[[KMSClient, str], object]
) -> None:
    metadata = _s3_key(client)
    arn = metadata["Arn"]
    assert _error(lambda: call(client, arn)) == (
        "AccessDeniedException",
        _denied(ROOT, action, arn),
        400,
    )
    after = _s3_key(client)
    assert (after["KeyState"], after["Description"]) == ("Enabled", metadata["Description"])
    assert client.get_key_policy(KeyId=arn)["Policy"] == S3_POLICY


def test_an_alias_cannot_be_moved_to_it(client: KMSClient, key_id: str) -> None:
    arn = _s3_key(client)["Arn"]
    client.create_alias(AliasName="alias/mine", TargetKeyId=key_id)
    assert _error(lambda: client.update_alias(AliasName="alias/mine", TargetKeyId=arn)) == (
        "AccessDeniedException",
        _denied(ROOT, "UpdateAlias", arn),
        400,
    )
    aliases = client.list_aliases(KeyId=key_id)["Aliases"]
    assert [a["AliasName"] for a in aliases] == ["alias/mine"]


def test_its_alias_is_reserved(client: KMSClient, key_id: str) -> None:
    _s3_key(client)
    # The code is the model's; the text is kmsmock's (reference section 15, item 1).
    reserved = (
        "InvalidAliasNameException",
        "Alias names that begin with alias/aws/ are reserved for AWS managed keys.",
        400,
    )
    assert _error(lambda: client.delete_alias(AliasName="alias/aws/s3")) == reserved
    assert (
        _error(lambda: client.update_alias(AliasName="alias/aws/s3", TargetKeyId=key_id))
        == reserved
    )
    assert _error(lambda: client.create_alias(AliasName="alias/aws/rds", TargetKeyId=key_id)) == (
        reserved
    )


def test_metadata_reads_are_allowed(client: KMSClient) -> None:
    arn = _s3_key(client)["Arn"]
    assert client.list_resource_tags(KeyId=arn)["Tags"] == []
    assert client.list_grants(KeyId=arn)["Grants"] == []


# -- rotation ------------------------------------------------------------------------


def test_rotation_is_on_yearly(client: KMSClient) -> None:
    metadata = _s3_key(client)
    status = client.get_key_rotation_status(KeyId=metadata["KeyId"])
    assert status["KeyRotationEnabled"] is True
    assert status["RotationPeriodInDays"] == 365
    assert status["NextRotationDate"] == metadata["CreationDate"] + timedelta(days=365)


@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
def test_it_rotates_after_a_year(kms: MockKMS, client: KMSClient) -> None:
    metadata = _s3_key(client)
    through_s3 = kms.root().client(via_service=S3)
    blob = through_s3.encrypt(KeyId=metadata["Arn"], Plaintext=b"old")["CiphertextBlob"]
    kms.clock.advance(days=365, seconds=1)
    rotated = _s3_key(client)
    assert rotated["CurrentKeyMaterialId"] != metadata["CurrentKeyMaterialId"]
    rotations = client.list_key_rotations(KeyId=metadata["KeyId"])["Rotations"]
    assert [(r["RotationType"], r["RotationDate"]) for r in rotations] == [
        ("AUTOMATIC", metadata["CreationDate"] + timedelta(days=365))
    ]
    assert through_s3.decrypt(CiphertextBlob=blob)["Plaintext"] == b"old"
    status = client.get_key_rotation_status(KeyId=metadata["KeyId"])
    assert status["NextRotationDate"] == metadata["CreationDate"] + timedelta(days=730)
