"""Multi-Region keys: ReplicateKey, UpdatePrimaryRegion, deleting a primary with replicas,
and using any member's ciphertext in every Region.

Expected values come from KMS_BEHAVIOUR.md sections 3, 4 and 10, AWS_RECORDED_FACTS.md
sections 2.3 and 3.20, and the model's documentation; kmsmock's own choices, where AWS's
answer is not recorded, are marked as such.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kmsmock._dispatch import implemented
from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_kms.type_defs import TagTypeDef

    from kmsmock import MockKMS

ACCOUNT = "123456789012"
A, B, C = "us-east-1", "eu-west-1", "ap-southeast-1"
DAY = datetime.timedelta(days=1)
UNREACHABLE = (
    "The ciphertext refers to a customer master key that does not exist, does not exist in "
    "this region, or you are not allowed to access."
)
INCORRECT_KEY = "The key ID in the request does not identify a CMK that can perform this operation."
ONE_PER_REGION = "You can create only one replica of each primary key in each AWS Region."
DEFAULT_POLICY = {
    "Version": "2012-10-17",
    "Id": "key-default-1",
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}


def _arn(region: str, key_id: str) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"


def _member(region: str, key_id: str) -> dict[str, str]:
    return {"Arn": _arn(region, key_id), "Region": region}


def _error(call: Callable[[], object]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call()
    return error_of(info)


def _client(region: str) -> KMSClient:
    return boto3.client("kms", region_name=region)


@pytest.fixture
def east(kms: MockKMS) -> KMSClient:
    return _client(A)


@pytest.fixture
def west(kms: MockKMS) -> KMSClient:
    return _client(B)


@pytest.fixture
def south(kms: MockKMS) -> KMSClient:
    return _client(C)


@pytest.fixture
def mrk(east: KMSClient) -> str:
    """A fresh multi-Region primary key in us-east-1."""
    return east.create_key(MultiRegion=True, Description="primary")["KeyMetadata"]["KeyId"]


def _state(client: KMSClient, key_id: str) -> str:
    return client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]


def _config(client: KMSClient, key_id: str) -> Mapping[str, Any]:
    return client.describe_key(KeyId=key_id)["KeyMetadata"]["MultiRegionConfiguration"]


# -- ReplicateKey: the response and the replica ------------------------------------------


@pytest.mark.kms(replica_creation_seconds=60)
def test_replicate_key_response(east: KMSClient, west: KMSClient, mrk: str) -> None:
    primary = east.describe_key(KeyId=mrk)["KeyMetadata"]
    response = east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    assert set(response) == {"ReplicaKeyMetadata", "ReplicaPolicy", "ResponseMetadata"}
    metadata: dict[str, Any] = dict(response["ReplicaKeyMetadata"])
    created = metadata.pop("CreationDate")
    assert created >= primary["CreationDate"]
    # AWS_RECORDED_FACTS 2.3: same id, ARN in the replica Region, Creating and disabled,
    # the primary's description not copied, no CurrentKeyMaterialId while Creating.
    assert metadata == {
        "AWSAccountId": ACCOUNT,
        "KeyId": mrk,
        "Arn": _arn(B, mrk),
        "Enabled": False,
        "Description": "",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Creating",
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": True,
        "MultiRegionConfiguration": {
            "MultiRegionKeyType": "REPLICA",
            "PrimaryKey": _member(A, mrk),
            "ReplicaKeys": [_member(B, mrk)],
        },
    }
    # ReplicaPolicy is the default key policy, as the replica's GetKeyPolicy returns it.
    assert json.loads(response["ReplicaPolicy"]) == DEFAULT_POLICY
    assert west.get_key_policy(KeyId=mrk)["Policy"] == response["ReplicaPolicy"]


def test_primary_lists_the_replica_at_once(east: KMSClient, west: KMSClient, mrk: str) -> None:
    # Before replication the id is unknown in the other Region (AWS_RECORDED_FACTS 2.3).
    assert _error(lambda: west.describe_key(KeyId=mrk)) == (
        "NotFoundException",
        f"Key '{_arn(B, mrk)}' does not exist",
        400,
    )
    assert _config(east, mrk)["ReplicaKeys"] == []
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    assert _config(east, mrk) == {
        "MultiRegionKeyType": "PRIMARY",
        "PrimaryKey": _member(A, mrk),
        "ReplicaKeys": [_member(B, mrk)],
    }


def test_every_member_lists_every_replica_in_replication_order(
    east: KMSClient, west: KMSClient, south: KMSClient, mrk: str
) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=C)
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    replicas = [_member(C, mrk), _member(B, mrk)]
    assert _config(east, mrk)["ReplicaKeys"] == replicas
    for client in (west, south):
        config = _config(client, mrk)
        assert (config["MultiRegionKeyType"], config["PrimaryKey"]) == ("REPLICA", _member(A, mrk))
        assert config["ReplicaKeys"] == replicas


@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.kms(replica_creation_seconds=60)
def test_replica_is_creating_until_its_time_is_up(
    kms: MockKMS, east: KMSClient, west: KMSClient, mrk: str
) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    # Creating refuses cryptography (reference section 4, footnote 14) ...
    assert _error(lambda: west.encrypt(KeyId=mrk, Plaintext=b"x")) == (
        "KMSInvalidStateException",
        f"{_arn(B, mrk)} is creating.",
        400,
    )
    # ... but allows management ("you can manage key").
    west.update_key_description(KeyId=mrk, Description="replica")
    west.tag_resource(KeyId=mrk, Tags=[{"TagKey": "k", "TagValue": "v"}])
    west.create_alias(AliasName="alias/replica", TargetKeyId=mrk)
    kms.clock.advance(seconds=59)
    assert _state(west, mrk) == "Creating"
    kms.clock.advance(seconds=1)
    metadata = west.describe_key(KeyId=mrk)["KeyMetadata"]
    assert (metadata["KeyState"], metadata["Enabled"]) == ("Enabled", True)
    # Same material as the primary: the same CurrentKeyMaterialId (AWS_RECORDED_FACTS 2.3).
    primary = east.describe_key(KeyId=mrk)["KeyMetadata"]
    assert metadata["CurrentKeyMaterialId"] == primary["CurrentKeyMaterialId"]
    assert metadata["Description"] == "replica"
    assert west.encrypt(KeyId="alias/replica", Plaintext=b"x")["KeyId"] == _arn(B, mrk)


def test_by_default_the_replica_is_ready_at_the_next_call(
    east: KMSClient, west: KMSClient, mrk: str
) -> None:
    response = east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    assert response["ReplicaKeyMetadata"]["KeyState"] == "Creating"
    assert _state(west, mrk) == "Enabled"


def test_replicate_key_with_description_tags_and_policy(
    east: KMSClient, west: KMSClient, mrk: str
) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "admins",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    tags: list[TagTypeDef] = [
        {"TagKey": "team", "TagValue": "blue"},
        {"TagKey": "env", "TagValue": "prod"},
    ]
    response = east.replicate_key(
        KeyId=mrk,
        ReplicaRegion=B,
        Description="the copy",
        Tags=tags,
        Policy=json.dumps(policy),
    )
    assert response["ReplicaKeyMetadata"]["Description"] == "the copy"
    assert response["ReplicaTags"] == tags
    assert json.loads(response["ReplicaPolicy"]) == policy
    assert json.loads(west.get_key_policy(KeyId=mrk)["Policy"]) == policy
    listed = west.list_resource_tags(KeyId=mrk)["Tags"]
    assert sorted(listed, key=lambda t: t["TagKey"]) == sorted(tags, key=lambda t: t["TagKey"])
    # Per-member properties: the primary keeps its own.
    assert east.describe_key(KeyId=mrk)["KeyMetadata"]["Description"] == "primary"
    assert east.list_resource_tags(KeyId=mrk)["Tags"] == []
    assert json.loads(east.get_key_policy(KeyId=mrk)["Policy"]) == DEFAULT_POLICY


def test_replica_state_aliases_and_tags_are_its_own(
    east: KMSClient, west: KMSClient, mrk: str
) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    east.disable_key(KeyId=mrk)
    assert _state(west, mrk) == "Enabled"
    west.create_alias(AliasName="alias/shared-name", TargetKeyId=mrk)
    east.create_alias(AliasName="alias/shared-name", TargetKeyId=mrk)
    west.tag_resource(KeyId=mrk, Tags=[{"TagKey": "where", "TagValue": "west"}])
    assert east.list_resource_tags(KeyId=mrk)["Tags"] == []
    east.enable_key(KeyId=mrk)
    west.disable_key(KeyId=mrk)
    assert _state(east, mrk) == "Enabled"


def test_replica_of_an_asymmetric_key(east: KMSClient, west: KMSClient) -> None:
    key = east.create_key(MultiRegion=True, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    key_id = key["KeyMetadata"]["KeyId"]
    metadata = east.replicate_key(KeyId=key_id, ReplicaRegion=B)["ReplicaKeyMetadata"]
    assert (metadata["KeySpec"], metadata["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    assert metadata["SigningAlgorithms"] == ["ECDSA_SHA_256"]
    assert "CurrentKeyMaterialId" not in west.describe_key(KeyId=key_id)["KeyMetadata"]


def _import(client: KMSClient, key_id: str, material: bytes) -> str:
    """Import ``material`` into ``key_id`` as AWS's import procedure does; its KeyMaterialId."""
    parameters = client.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
    )
    public_key = serialization.load_der_public_key(parameters["PublicKey"])
    assert isinstance(public_key, rsa.RSAPublicKey)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    imported = client.import_key_material(
        KeyId=key_id,
        ImportToken=parameters["ImportToken"],
        EncryptedKeyMaterial=public_key.encrypt(material, oaep),
        ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
    )
    return imported["KeyMaterialId"]


@pytest.mark.needs_model(member="ImportKeyMaterialResponse.KeyMaterialId")
@pytest.mark.skipif(
    "ImportKeyMaterial" not in implemented(), reason="needs ImportKeyMaterial (imports.py)"
)
@pytest.mark.kms(replica_creation_seconds=60)
def test_replica_of_an_imported_key_waits_for_its_own_import(
    kms: MockKMS, east: KMSClient, west: KMSClient
) -> None:
    key_id = east.create_key(MultiRegion=True, Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    material = os.urandom(32)
    material_id = _import(east, key_id, material)
    metadata = east.replicate_key(KeyId=key_id, ReplicaRegion=B)["ReplicaKeyMetadata"]
    assert (metadata["KeyState"], metadata["Origin"]) == ("Creating", "EXTERNAL")
    kms.clock.advance(seconds=60)
    # The model: the replica "changes to Enabled (or PendingImport)", created without
    # material; the same material must be imported into it.
    metadata = west.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["KeyState"], metadata["Enabled"]) == ("PendingImport", False)
    assert "CurrentKeyMaterialId" not in metadata
    # Same key id, same material: the same KeyMaterialId (reference section 9).
    assert _import(west, key_id, material) == material_id
    assert _state(west, key_id) == "Enabled"
    blob = east.encrypt(KeyId=key_id, Plaintext=b"imported")["CiphertextBlob"]
    assert west.decrypt(CiphertextBlob=blob)["Plaintext"] == b"imported"


# -- ReplicateKey: refusals ---------------------------------------------------------------


def test_a_replica_cannot_be_replicated(east: KMSClient, west: KMSClient, mrk: str) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    # AWS_RECORDED_FACTS 3.20, called in the replica's Region.
    assert _error(lambda: west.replicate_key(KeyId=mrk, ReplicaRegion=C)) == (
        "UnsupportedOperationException",
        f"{_arn(B, mrk)} is not a multi-region primary key.",
        400,
    )


def test_a_single_region_key_cannot_be_replicated(east: KMSClient) -> None:
    key_id = east.create_key()["KeyMetadata"]["KeyId"]
    # kmsmock's choice: the recorded text for a replica (AWS's text here is not recorded).
    assert _error(lambda: east.replicate_key(KeyId=key_id, ReplicaRegion=B)) == (
        "UnsupportedOperationException",
        f"{_arn(A, key_id)} is not a multi-region primary key.",
        400,
    )


def test_one_replica_per_region(kms: MockKMS, east: KMSClient, west: KMSClient, mrk: str) -> None:
    already = ("AlreadyExistsException", ONE_PER_REGION, 400)
    # kmsmock's choice: the primary's own Region counts as holding a member.
    assert _error(lambda: east.replicate_key(KeyId=mrk, ReplicaRegion=A)) == already
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    assert _error(lambda: east.replicate_key(KeyId=mrk, ReplicaRegion=B)) == already
    # Model doc: a replica pending deletion still occupies its Region ...
    west.schedule_key_deletion(KeyId=mrk, PendingWindowInDays=7)
    assert _error(lambda: east.replicate_key(KeyId=mrk, ReplicaRegion=B)) == already
    # ... until it is deleted; then the Region can have a replica again.
    kms.clock.advance(days=7)
    assert _config(east, mrk)["ReplicaKeys"] == []
    assert east.replicate_key(KeyId=mrk, ReplicaRegion=B)["ReplicaKeyMetadata"]["Arn"] == _arn(
        B, mrk
    )


@pytest.mark.parametrize(
    "region", ["Europe", "eu-west", "EU-WEST-1", "eu-west-1-", "a-very-very-very-long-region-1"]
)
def test_malformed_replica_region(east: KMSClient, mrk: str, region: str) -> None:
    # The model's RegionType constraints, in AWS's validation wording (reference section 12).
    if len(region) > 32:
        constraint = "Member must have length less than or equal to 32"
    else:
        constraint = r"Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\d+$"
    assert _error(lambda: east.replicate_key(KeyId=mrk, ReplicaRegion=region)) == (
        "ValidationException",
        f"1 validation error detected: Value '{region}' at 'replicaRegion' failed to satisfy "
        f"constraint: {constraint}",
        400,
    )


def test_replica_region_in_another_partition(east: KMSClient, mrk: str) -> None:
    # The model: "the same Amazon Web Services partition". kmsmock's text.
    assert _error(lambda: east.replicate_key(KeyId=mrk, ReplicaRegion="cn-north-1")) == (
        "ValidationException",
        "Replica region cn-north-1 is not in the partition of us-east-1.",
        400,
    )


def test_replicate_key_refused_by_the_primarys_state(east: KMSClient, mrk: str) -> None:
    east.disable_key(KeyId=mrk)
    assert _error(lambda: east.replicate_key(KeyId=mrk, ReplicaRegion=B)) == (
        "DisabledException",
        f"{_arn(A, mrk)} is disabled.",
        400,
    )
    east.schedule_key_deletion(KeyId=mrk)
    assert _error(lambda: east.replicate_key(KeyId=mrk, ReplicaRegion=B)) == (
        "KMSInvalidStateException",
        f"{_arn(A, mrk)} is pending deletion.",
        400,
    )
    # A primary of imported material must have it before it is replicated (footnote 5).
    imported = east.create_key(MultiRegion=True, Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    assert _error(lambda: east.replicate_key(KeyId=imported, ReplicaRegion=B)) == (
        "KMSInvalidStateException",
        f"{_arn(A, imported)} is pending import.",
        400,
    )


def test_replicate_key_refuses_bad_tags_and_a_lockout_policy(
    east: KMSClient, west: KMSClient, mrk: str
) -> None:
    reserved: list[TagTypeDef] = [{"TagKey": "aws:owner", "TagValue": "me"}]
    assert _error(lambda: east.replicate_key(KeyId=mrk, ReplicaRegion=B, Tags=reserved)) == (
        "TagException",
        "Tags beginning with aws: are reserved",
        400,
    )
    nobody = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kms:Encrypt",
                    "Resource": "*",
                }
            ],
        }
    )
    assert _error(lambda: east.replicate_key(KeyId=mrk, ReplicaRegion=B, Policy=nobody)) == (
        "MalformedPolicyDocumentException",
        "The new key policy will not allow you to update the key policy in the future.",
        400,
    )
    # Nothing was created by the refused calls.
    assert _config(east, mrk)["ReplicaKeys"] == []
    assert west.list_keys()["Keys"] == []
    # The safety check can be bypassed, as for CreateKey.
    east.replicate_key(
        KeyId=mrk, ReplicaRegion=B, Policy=nobody, BypassPolicyLockoutSafetyCheck=True
    )
    assert west.list_keys()["Keys"] == [{"KeyId": mrk, "KeyArn": _arn(B, mrk)}]


def test_replicate_key_unknown_key(east: KMSClient) -> None:
    missing = "mrk-" + "0" * 32
    assert _error(lambda: east.replicate_key(KeyId=missing, ReplicaRegion=B)) == (
        "NotFoundException",
        f"Key '{_arn(A, missing)}' does not exist",
        400,
    )


# -- ReplicateKey: authorization ------------------------------------------------------


def _iam(*statements: Mapping[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(*actions: str, **condition: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": list(actions), "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return statement


def _denied(user: str, action: str, resource: str | None) -> tuple[str, str, int]:
    on = f" on resource: {resource}" if resource is not None else ""
    return (
        "AccessDeniedException",
        f"User: arn:aws:iam::{ACCOUNT}:user/{user} is not authorized to perform: "
        f"kms:{action}{on} because no identity-based policy allows the kms:{action} action",
        400,
    )


def test_replicate_key_needs_create_key_in_the_replica_region(kms: MockKMS, mrk: str) -> None:
    # Model: kms:ReplicateKey on the primary, kms:CreateKey in IAM in the replica Region,
    # kms:TagResource too with Tags.
    alice = kms.user("alice", policy=_iam(_allow("kms:ReplicateKey"))).client(A)
    assert _error(lambda: alice.replicate_key(KeyId=mrk, ReplicaRegion=B)) == _denied(
        "alice", "CreateKey", "*"
    )
    bob = kms.user("bob", policy=_iam(_allow("kms:CreateKey"))).client(A)
    assert _error(lambda: bob.replicate_key(KeyId=mrk, ReplicaRegion=B)) == _denied(
        "bob", "ReplicateKey", _arn(A, mrk)
    )
    carol = kms.user("carol", policy=_iam(_allow("kms:ReplicateKey", "kms:CreateKey"))).client(A)
    tags: list[TagTypeDef] = [{"TagKey": "team", "TagValue": "blue"}]
    assert _error(lambda: carol.replicate_key(KeyId=mrk, ReplicaRegion=B, Tags=tags)) == (
        _denied("carol", "TagResource", None)
    )
    carol.replicate_key(KeyId=mrk, ReplicaRegion=B)


def test_create_key_permission_is_asked_in_the_replica_region(kms: MockKMS, mrk: str) -> None:
    # kmsmock's choice: aws:RequestedRegion of the kms:CreateKey question is the replica's.
    in_west = {"StringEquals": {"aws:RequestedRegion": B}}
    dave = kms.user(
        "dave", policy=_iam(_allow("kms:ReplicateKey"), _allow("kms:CreateKey", **in_west))
    ).client(A)
    assert _error(lambda: dave.replicate_key(KeyId=mrk, ReplicaRegion=C)) == _denied(
        "dave", "CreateKey", "*"
    )
    dave.replicate_key(KeyId=mrk, ReplicaRegion=B)


def test_multi_region_key_type_condition(kms: MockKMS, east: KMSClient, mrk: str) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    single = east.create_key()["KeyMetadata"]["KeyId"]
    only_primaries = {"StringEquals": {"kms:MultiRegionKeyType": "PRIMARY"}}
    erin = kms.user("erin", policy=_iam(_allow("kms:Encrypt", **only_primaries)))
    erin.client(A).encrypt(KeyId=mrk, Plaintext=b"x")
    for region, key_id in ((B, mrk), (A, single)):
        with pytest.raises(ClientError) as info:
            erin.client(region).encrypt(KeyId=key_id, Plaintext=b"x")
        assert error_of(info) == _denied("erin", "Encrypt", _arn(region, key_id))
    # CreateKey: the request's value, PRIMARY for MultiRegion=True (reference 5.3).
    creator = kms.user("frank", policy=_iam(_allow("kms:CreateKey", **only_primaries))).client(A)
    assert _error(lambda: creator.create_key()) == _denied("frank", "CreateKey", "*")
    creator.create_key(MultiRegion=True)


# -- Cryptography across Regions ---------------------------------------------------------


@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
def test_primary_ciphertext_decrypts_in_the_replica_region(
    east: KMSClient, west: KMSClient, mrk: str
) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    context = {"purpose": "mrk"}
    encrypted = east.encrypt(KeyId=mrk, Plaintext=b"secret", EncryptionContext=context)
    assert encrypted["KeyId"] == _arn(A, mrk)
    blob = encrypted["CiphertextBlob"]
    material = east.describe_key(KeyId=mrk)["KeyMetadata"]["CurrentKeyMaterialId"]
    answers = [west.decrypt(CiphertextBlob=blob, EncryptionContext=context)] + [
        west.decrypt(CiphertextBlob=blob, EncryptionContext=context, KeyId=named)
        for named in (_arn(B, mrk), mrk)
    ]
    for decrypted in answers:
        # The local member answers (reference section 10 [inf]).
        assert decrypted["KeyId"] == _arn(B, mrk)
        assert decrypted["Plaintext"] == b"secret"
        assert decrypted["KeyMaterialId"] == material
    # The primary's ARN names a key in another Region (reference section 1).
    assert _error(
        lambda: west.decrypt(CiphertextBlob=blob, EncryptionContext=context, KeyId=_arn(A, mrk))
    ) == ("NotFoundException", f"Invalid arn {A}", 400)
    # The context still binds.
    assert _error(lambda: west.decrypt(CiphertextBlob=blob)) == (
        "InvalidCiphertextException",
        "",
        400,
    )


def test_replica_ciphertext_decrypts_everywhere(
    east: KMSClient, west: KMSClient, south: KMSClient, mrk: str
) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    east.replicate_key(KeyId=mrk, ReplicaRegion=C)
    blob = west.encrypt(KeyId=mrk, Plaintext=b"from west")["CiphertextBlob"]
    for region, client in ((A, east), (C, south), (B, west)):
        decrypted = client.decrypt(CiphertextBlob=blob)
        assert (decrypted["KeyId"], decrypted["Plaintext"]) == (_arn(region, mrk), b"from west")
    data_key = south.generate_data_key(KeyId=mrk, KeySpec="AES_256")
    assert (
        east.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"]
        == (data_key["Plaintext"])
    )


def test_re_encrypt_in_the_replica_region(east: KMSClient, west: KMSClient, mrk: str) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    local = west.create_key()["KeyMetadata"]["KeyId"]
    blob = east.encrypt(KeyId=mrk, Plaintext=b"move me")["CiphertextBlob"]
    moved = west.re_encrypt(CiphertextBlob=blob, DestinationKeyId=local)
    assert (moved["SourceKeyId"], moved["KeyId"]) == (_arn(B, mrk), _arn(B, local))
    assert west.decrypt(CiphertextBlob=moved["CiphertextBlob"])["Plaintext"] == b"move me"
    # And back under the multi-Region key, readable in the primary's Region.
    back = west.re_encrypt(CiphertextBlob=moved["CiphertextBlob"], DestinationKeyId=mrk)
    assert east.decrypt(CiphertextBlob=back["CiphertextBlob"])["Plaintext"] == b"move me"


def test_unrelated_multi_region_keys_do_not_decrypt(
    east: KMSClient, west: KMSClient, mrk: str
) -> None:
    other = east.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    blob = east.encrypt(KeyId=other, Plaintext=b"other")["CiphertextBlob"]
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    # No member of ``other`` in the west: its ciphertext is unreachable there.
    assert _error(lambda: west.decrypt(CiphertextBlob=blob)) == (
        "AccessDeniedException",
        UNREACHABLE,
        400,
    )
    east.replicate_key(KeyId=other, ReplicaRegion=B)
    assert _error(lambda: west.decrypt(CiphertextBlob=blob, KeyId=mrk)) == (
        "IncorrectKeyException",
        INCORRECT_KEY,
        400,
    )
    assert west.decrypt(CiphertextBlob=blob)["KeyId"] == _arn(B, other)


def test_ciphertext_of_a_deleted_replica_decrypts_with_the_primary(
    kms: MockKMS, east: KMSClient, west: KMSClient, mrk: str
) -> None:
    # multi-region-keys-delete: "you can decrypt that ciphertext with any related
    # multi-Region key".
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    blob = west.encrypt(KeyId=mrk, Plaintext=b"kept")["CiphertextBlob"]
    west.schedule_key_deletion(KeyId=mrk, PendingWindowInDays=7)
    kms.clock.advance(days=7)
    assert _error(lambda: west.decrypt(CiphertextBlob=blob)) == (
        "AccessDeniedException",
        UNREACHABLE,
        400,
    )
    assert east.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"


@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
def test_rotation_of_the_primary_reaches_the_replica(
    east: KMSClient, west: KMSClient, mrk: str
) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    old = west.encrypt(KeyId=mrk, Plaintext=b"old")["CiphertextBlob"]
    before = west.describe_key(KeyId=mrk)["KeyMetadata"]["CurrentKeyMaterialId"]
    east.rotate_key_on_demand(KeyId=mrk)
    east.describe_key(KeyId=mrk)  # the rotation completes when time next moves
    after = west.describe_key(KeyId=mrk)["KeyMetadata"]["CurrentKeyMaterialId"]
    assert after != before
    assert east.describe_key(KeyId=mrk)["KeyMetadata"]["CurrentKeyMaterialId"] == after
    new = west.encrypt(KeyId=mrk, Plaintext=b"new")["CiphertextBlob"]
    assert east.decrypt(CiphertextBlob=new)["KeyMaterialId"] == after
    assert east.decrypt(CiphertextBlob=old)["KeyMaterialId"] == before
    # Rotation is a shared property, set on the primary only.
    assert _error(lambda: west.rotate_key_on_demand(KeyId=mrk)) == (
        "UnsupportedOperationException",
        f"{_arn(B, mrk)} is not a multi-region primary key.",
        400,
    )


def test_aws_encryption_sdk_multi_region_providers(kms: MockKMS, east: KMSClient, mrk: str) -> None:
    """The AWS Encryption SDK's MRK-aware providers: encrypt in one Region, decrypt in
    another with the replica, as an application using multi-Region keys does."""
    sdk = pytest.importorskip("aws_encryption_sdk")
    providers = pytest.importorskip("aws_encryption_sdk.key_providers.kms")
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    client = sdk.EncryptionSDKClient(
        commitment_policy=sdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
    )
    session = botocore.session.get_session()
    encrypting = providers.MRKAwareStrictAwsKmsMasterKeyProvider(
        key_ids=[_arn(A, mrk)], botocore_session=session
    )
    message, _ = client.encrypt(
        source=b"across regions", key_provider=encrypting, encryption_context={"app": "t"}
    )
    strict = providers.MRKAwareStrictAwsKmsMasterKeyProvider(
        key_ids=[_arn(B, mrk)], botocore_session=session
    )
    discovery = providers.MRKAwareDiscoveryAwsKmsMasterKeyProvider(
        discovery_region=B,
        discovery_filter=providers.DiscoveryFilter(account_ids=[ACCOUNT], partition="aws"),
        botocore_session=session,
    )
    for provider in (strict, discovery):
        plaintext, header = client.decrypt(source=message, key_provider=provider)
        assert plaintext == b"across regions"
        assert header.encryption_context["app"] == "t"
    # The data key was made in the primary's Region and opened in the replica's.
    calls = [(call.operation, call.region) for call in kms.calls]
    assert ("GenerateDataKey", A) in calls
    assert calls.count(("Decrypt", B)) == 2
    assert ("Decrypt", A) not in calls


# -- UpdatePrimaryRegion -----------------------------------------------------------------


@pytest.mark.kms(replica_creation_seconds=60)
def test_update_primary_region(kms: MockKMS, east: KMSClient, west: KMSClient, mrk: str) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    kms.clock.advance(seconds=60)
    response = east.update_primary_region(KeyId=mrk, PrimaryRegion=B)
    assert set(response) == {"ResponseMetadata"}
    for client in (east, west):
        metadata = client.describe_key(KeyId=mrk)["KeyMetadata"]
        assert (metadata["KeyState"], metadata["Enabled"]) == ("Updating", False)
        assert metadata["MultiRegionConfiguration"]["PrimaryKey"] == _member(B, mrk)
        # Updating allows cryptography, refuses management (footnote 15).
        blob = client.encrypt(KeyId=mrk, Plaintext=b"during")["CiphertextBlob"]
        assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"during"
        updating = ("KMSInvalidStateException", f"{metadata['Arn']} is updating.", 400)
        with pytest.raises(ClientError) as disabling:
            client.disable_key(KeyId=mrk)
        with pytest.raises(ClientError) as deleting:
            client.schedule_key_deletion(KeyId=mrk)
        assert error_of(disabling) == error_of(deleting) == updating
    kms.clock.advance(seconds=60)
    assert _state(east, mrk) == _state(west, mrk) == "Enabled"
    assert _config(east, mrk) == {
        "MultiRegionKeyType": "REPLICA",
        "PrimaryKey": _member(B, mrk),
        "ReplicaKeys": [_member(A, mrk)],
    }
    assert _config(west, mrk)["MultiRegionKeyType"] == "PRIMARY"
    # Only the new primary replicates now.
    assert _error(lambda: east.replicate_key(KeyId=mrk, ReplicaRegion=C)) == (
        "UnsupportedOperationException",
        f"{_arn(A, mrk)} is not a multi-region primary key.",
        400,
    )
    west.replicate_key(KeyId=mrk, ReplicaRegion=C)
    assert _config(east, mrk)["ReplicaKeys"] == [_member(A, mrk), _member(C, mrk)]


@pytest.mark.kms(replica_creation_seconds=60)
def test_automatic_rotation_is_not_paused_while_updating(
    kms: MockKMS, east: KMSClient, west: KMSClient, mrk: str
) -> None:
    # Updating keys stay in use (footnote 15): a rotation falling due during
    # UpdatePrimaryRegion happens on its date, not when the update completes.
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    kms.clock.advance(seconds=60)
    east.enable_key_rotation(KeyId=mrk, RotationPeriodInDays=90)
    due = east.get_key_rotation_status(KeyId=mrk)["NextRotationDate"]
    kms.clock.set(due - datetime.timedelta(seconds=30))
    east.update_primary_region(KeyId=mrk, PrimaryRegion=B)
    assert _state(east, mrk) == _state(west, mrk) == "Updating"
    kms.clock.advance(seconds=60)
    assert _state(east, mrk) == _state(west, mrk) == "Enabled"
    for client in (east, west):
        rotations = client.list_key_rotations(KeyId=mrk)["Rotations"]
        assert [(r["RotationType"], r["RotationDate"]) for r in rotations] == [("AUTOMATIC", due)]
    assert west.get_key_rotation_status(KeyId=mrk)["NextRotationDate"] == due + 90 * DAY


def test_update_primary_region_by_default_completes_at_the_next_call(
    east: KMSClient, west: KMSClient, mrk: str
) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    east.update_primary_region(KeyId=_arn(A, mrk), PrimaryRegion=B)
    assert _state(east, mrk) == _state(west, mrk) == "Enabled"
    # Rotation follows the new primary.
    west.rotate_key_on_demand(KeyId=mrk)


def test_update_primary_region_refusals(east: KMSClient, west: KMSClient, mrk: str) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    # KeyId must be the current primary (kmsmock's text: the recorded ReplicateKey one).
    assert _error(lambda: west.update_primary_region(KeyId=mrk, PrimaryRegion=A)) == (
        "UnsupportedOperationException",
        f"{_arn(B, mrk)} is not a multi-region primary key.",
        400,
    )
    single = east.create_key()["KeyMetadata"]["KeyId"]
    assert _error(lambda: east.update_primary_region(KeyId=single, PrimaryRegion=B)) == (
        "UnsupportedOperationException",
        f"{_arn(A, single)} is not a multi-region primary key.",
        400,
    )
    # A Region without a replica: kmsmock answers as for a key missing in that Region.
    assert _error(lambda: east.update_primary_region(KeyId=mrk, PrimaryRegion=C)) == (
        "NotFoundException",
        f"Key '{_arn(C, mrk)}' does not exist",
        400,
    )
    # Both keys' states count (the guide: both must be Enabled when it starts).
    west.disable_key(KeyId=mrk)
    assert _error(lambda: east.update_primary_region(KeyId=mrk, PrimaryRegion=B)) == (
        "DisabledException",
        f"{_arn(B, mrk)} is disabled.",
        400,
    )
    west.enable_key(KeyId=mrk)
    east.disable_key(KeyId=mrk)
    assert _error(lambda: east.update_primary_region(KeyId=mrk, PrimaryRegion=B)) == (
        "DisabledException",
        f"{_arn(A, mrk)} is disabled.",
        400,
    )
    assert _config(east, mrk)["MultiRegionKeyType"] == "PRIMARY"


def test_update_primary_region_to_its_own_region_is_a_no_op(east: KMSClient, mrk: str) -> None:
    # kmsmock's choice: AWS's answer is not recorded.
    east.update_primary_region(KeyId=mrk, PrimaryRegion=A)
    assert _config(east, mrk)["MultiRegionKeyType"] == "PRIMARY"
    assert _state(east, mrk) == "Enabled"


def test_update_primary_region_needs_permission_on_both_keys(
    kms: MockKMS, east: KMSClient, mrk: str
) -> None:
    # Model: kms:UpdatePrimaryRegion on the current primary and on the replica.
    deny_west = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Effect": "Deny",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/gina"},
                "Action": "kms:UpdatePrimaryRegion",
                "Resource": "*",
            },
        ],
    }
    # Declared first: a key policy may name only principals that exist.
    gina = kms.user("gina", policy=_iam(_allow("kms:*"))).client(A)
    east.replicate_key(KeyId=mrk, ReplicaRegion=B, Policy=json.dumps(deny_west))
    assert _error(lambda: gina.update_primary_region(KeyId=mrk, PrimaryRegion=B)) == (
        "AccessDeniedException",
        f"User: arn:aws:iam::{ACCOUNT}:user/gina is not authorized to perform: "
        f"kms:UpdatePrimaryRegion on resource: {_arn(B, mrk)} with an explicit deny in a "
        "resource-based policy",
        400,
    )
    assert _config(east, mrk)["MultiRegionKeyType"] == "PRIMARY"


# -- Deleting a primary with replicas -----------------------------------------------------


def test_primary_with_replicas_waits_for_them(
    kms: MockKMS, east: KMSClient, west: KMSClient, south: KMSClient, mrk: str
) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    east.replicate_key(KeyId=mrk, ReplicaRegion=C)
    response = east.schedule_key_deletion(KeyId=mrk, PendingWindowInDays=10)
    # No DeletionDate: it is not known until the last replica is deleted (model doc).
    assert {k: v for k, v in response.items() if k != "ResponseMetadata"} == {
        "KeyId": _arn(A, mrk),
        "KeyState": "PendingReplicaDeletion",
        "PendingWindowInDays": 10,
    }
    metadata = east.describe_key(KeyId=mrk)["KeyMetadata"]
    assert (metadata["KeyState"], metadata["Enabled"]) == ("PendingReplicaDeletion", False)
    assert metadata["PendingDeletionWindowInDays"] == 10
    assert "DeletionDate" not in metadata
    assert _error(lambda: east.encrypt(KeyId=mrk, Plaintext=b"x")) == (
        "KMSInvalidStateException",
        f"{_arn(A, mrk)} is pending deletion.",
        400,
    )
    assert _error(lambda: east.schedule_key_deletion(KeyId=mrk)) == (
        "KMSInvalidStateException",
        f"{_arn(A, mrk)} is pending deletion.",
        400,
    )
    # The replicas go on working, and are deleted on their own schedules.
    assert west.encrypt(KeyId=mrk, Plaintext=b"x")["KeyId"] == _arn(B, mrk)
    west.schedule_key_deletion(KeyId=mrk, PendingWindowInDays=7)
    last = south.schedule_key_deletion(KeyId=mrk, PendingWindowInDays=8)["DeletionDate"]
    kms.clock.advance(days=7, hours=1)
    assert _state(east, mrk) == "PendingReplicaDeletion"
    assert _config(east, mrk)["ReplicaKeys"] == [_member(C, mrk)]
    kms.clock.advance(days=1)
    # The last replica is gone: the primary's window starts at that moment.
    metadata = east.describe_key(KeyId=mrk)["KeyMetadata"]
    assert (metadata["KeyState"], metadata["DeletionDate"]) == ("PendingDeletion", last + 10 * DAY)
    assert "PendingDeletionWindowInDays" not in metadata
    assert metadata["MultiRegionConfiguration"]["ReplicaKeys"] == []
    kms.clock.set(last + 10 * DAY - datetime.timedelta(seconds=1))
    assert _state(east, mrk) == "PendingDeletion"
    kms.clock.advance(seconds=1)
    assert _error(lambda: east.describe_key(KeyId=mrk)) == (
        "NotFoundException",
        f"Key '{_arn(A, mrk)}' does not exist",
        400,
    )


def test_a_clock_jump_deletes_the_replica_then_the_primary(
    kms: MockKMS, east: KMSClient, west: KMSClient, mrk: str
) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    east.schedule_key_deletion(KeyId=mrk, PendingWindowInDays=7)
    west.schedule_key_deletion(KeyId=mrk, PendingWindowInDays=7)
    kms.clock.advance(days=15)
    for client, region in ((east, A), (west, B)):
        with pytest.raises(ClientError) as info:
            client.describe_key(KeyId=mrk)
        assert error_of(info) == (
            "NotFoundException",
            f"Key '{_arn(region, mrk)}' does not exist",
            400,
        )


def test_cancel_deletion_of_a_primary_pending_replica_deletion(
    kms: MockKMS, east: KMSClient, west: KMSClient, mrk: str
) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    east.schedule_key_deletion(KeyId=mrk)
    assert east.cancel_key_deletion(KeyId=mrk)["KeyId"] == _arn(A, mrk)
    metadata = east.describe_key(KeyId=mrk)["KeyMetadata"]
    assert metadata["KeyState"] == "Disabled"
    assert "PendingDeletionWindowInDays" not in metadata
    # Cancelled: the replica's deletion no longer takes the primary with it.
    west.schedule_key_deletion(KeyId=mrk, PendingWindowInDays=7)
    kms.clock.advance(days=40)
    assert _state(east, mrk) == "Disabled"


def test_a_replica_is_deleted_like_any_key(
    kms: MockKMS, east: KMSClient, west: KMSClient, mrk: str
) -> None:
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    response = west.schedule_key_deletion(KeyId=mrk, PendingWindowInDays=7)
    assert (response["KeyState"], response["KeyId"]) == ("PendingDeletion", _arn(B, mrk))
    assert "DeletionDate" in response
    west.cancel_key_deletion(KeyId=mrk)
    assert _state(west, mrk) == "Disabled"
    # A primary whose replicas are all gone is deleted like a single-Region key.
    west.schedule_key_deletion(KeyId=mrk, PendingWindowInDays=7)
    kms.clock.advance(days=7)
    assert "DeletionDate" in east.schedule_key_deletion(KeyId=mrk, PendingWindowInDays=7)
    assert _state(east, mrk) == "PendingDeletion"


def test_update_primary_region_lets_the_old_primary_be_deleted(
    kms: MockKMS, east: KMSClient, west: KMSClient, mrk: str
) -> None:
    # multi-region-keys-delete: to delete a primary but keep its replicas, make another
    # member the primary first.
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    east.update_primary_region(KeyId=mrk, PrimaryRegion=B)
    assert east.schedule_key_deletion(KeyId=mrk, PendingWindowInDays=7)["KeyState"] == (
        "PendingDeletion"
    )
    assert west.schedule_key_deletion(KeyId=mrk)["KeyState"] == "PendingReplicaDeletion"
    kms.clock.advance(days=7)
    metadata = west.describe_key(KeyId=mrk)["KeyMetadata"]
    assert metadata["KeyState"] == "PendingDeletion"
    assert metadata["MultiRegionConfiguration"]["ReplicaKeys"] == []


def test_mock_state_of_members(kms: MockKMS, east: KMSClient, mrk: str) -> None:
    # The inspection helpers see each member in its own Region.
    east.replicate_key(KeyId=mrk, ReplicaRegion=B)
    primary, replica = kms.key(mrk, region=A), kms.key(mrk, region=B)
    assert primary is not replica
    assert replica.mr is primary.mr
    assert replica.ring is primary.ring
