"""Manual key rotation with envelope encryption, run entirely against kmsmock.

The story:

1. An application encrypts records with envelope encryption: it asks KMS for a data
   key under ``alias/app-data`` (with an encryption context), encrypts each record
   locally with AES-GCM using the plaintext data key, and stores only the encrypted
   data key blob next to the record ciphertext.
   The keys have least-privilege key policies: the account's administrators manage
   them, the application role uses them, only under its encryption context.
2. An operator rotates the key by hand: creates a new KMS key, points the alias at it
   with UpdateAlias, and has a migration role re-encrypt every stored data key blob
   from the old key to the new one with ReEncrypt. The migration role is first refused
   (``AccessDeniedException``): the old key's policy does not give it
   ``kms:ReEncryptFrom``. The operator adds that statement, the migration runs, and the
   old key is disabled.
3. A kept copy of an old blob no longer decrypts (``DisabledException``), while every
   re-encrypted blob decrypts and every record still decrypts to its original text.
4. Time passes on kmsmock's simulated clock. The new key is rotated on demand: new
   data keys use the new key material, earlier ones still decrypt. GetKeyLastUsage
   shows the old key's last use was the migration, so the operator schedules its
   deletion with the shortest window (7 days). A week later the old key is gone, the
   kept old blob can never be decrypted again, and every record still decrypts: nothing
   depended on the old key.

Run it with ``python examples/key_rotation.py``; it exits 0 when every check holds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import kmsmock

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

ACCOUNT = kmsmock.DEFAULT_ACCOUNT
ALIAS = "alias/app-data"
CONTEXT = {"app": "ledger", "purpose": "records"}
RECORDS = [
    "alice: opened account, balance 100.00",
    "bob: transferred 25.00 to alice",
    "carol: closed account",
]


ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
]


def key_policy(*extra: dict[str, object]) -> str:
    """Administrators manage the key; the app role uses it under its own context only."""
    statements: list[dict[str, object]] = [
        {
            "Sid": "Allow access for key administrators",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": ADMIN_ACTIONS,
            "Resource": "*",
        },
        {
            "Sid": "Allow use of the key by the application",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:EncryptionContext:app": CONTEXT["app"]}},
        },
        *extra,
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def migration_statement(action: str) -> dict[str, object]:
    return {
        "Sid": f"Allow the migration role {action}",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/migration"},
        "Action": action,
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:EncryptionContext:app": CONTEXT["app"]}},
    }


@dataclass
class StoredRecord:
    """What the application persists: never a plaintext key."""

    encrypted_data_key: bytes
    nonce: bytes
    ciphertext: bytes


def check(condition: bool, message: str) -> None:
    """Fail the scenario with a readable message (unlike ``assert``, never stripped)."""
    if not condition:
        raise SystemExit(f"CHECK FAILED: {message}")


def log(message: str) -> None:
    print(f"  {message}")


def encrypt_records(client: KMSClient, records: list[str]) -> list[StoredRecord]:
    stored = []
    for text in records:
        data_key = client.generate_data_key(
            KeyId=ALIAS, KeySpec="AES_256", EncryptionContext=CONTEXT
        )
        nonce = os.urandom(12)
        ciphertext = AESGCM(data_key["Plaintext"]).encrypt(nonce, text.encode(), None)
        stored.append(StoredRecord(data_key["CiphertextBlob"], nonce, ciphertext))
    return stored


def decrypt_record(client: KMSClient, record: StoredRecord) -> tuple[str, str, str]:
    """The ARN of the KMS key that decrypted the data key, the key material it used, and
    the record's text."""
    data_key = client.decrypt(CiphertextBlob=record.encrypted_data_key, EncryptionContext=CONTEXT)
    aead = AESGCM(data_key["Plaintext"])
    text = aead.decrypt(record.nonce, record.ciphertext, None).decode()
    return data_key["KeyId"], data_key["KeyMaterialId"], text


def error_code(call: Callable[[], object]) -> str:
    """The KMS error code a call fails with (the scenario fails if it succeeds)."""
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    raise SystemExit("CHECK FAILED: a call that must fail succeeded")


def main() -> int:
    with kmsmock.mock_kms() as kms:
        # The operator acts as the account's root; the app and the migration job as roles.
        operator = boto3.client("kms", region_name="us-east-1")
        app = kms.role("app").client()
        migration = kms.role("migration").client()

        print("1. Envelope encryption under", ALIAS)
        old_key = operator.create_key(
            Description="app-data key, generation 1", Policy=key_policy()
        )["KeyMetadata"]
        old_arn = old_key["Arn"]
        operator.create_alias(AliasName=ALIAS, TargetKeyId=old_key["KeyId"])
        log(f"created {old_arn} and pointed {ALIAS} at it")
        stored = encrypt_records(app, RECORDS)
        log(f"the app role encrypted {len(stored)} records, each with its own data key")
        for record in stored:
            check(record.encrypted_data_key != b"", "a data key blob is empty")
        kept_old_blob = stored[0].encrypted_data_key

        print("2. Manual rotation")
        new_key = operator.create_key(
            Description="app-data key, generation 2",
            Policy=key_policy(migration_statement("kms:ReEncryptTo")),
        )["KeyMetadata"]
        new_arn = new_key["Arn"]
        log(f"created {new_arn}")
        operator.update_alias(AliasName=ALIAS, TargetKeyId=new_key["KeyId"])
        alias_target = operator.describe_key(KeyId=ALIAS)["KeyMetadata"]["Arn"]
        check(alias_target == new_arn, f"{ALIAS} points at {alias_target}, not the new key")
        log(f"moved {ALIAS} to the new key")

        def re_encrypt(record: StoredRecord) -> bytes:
            result = migration.re_encrypt(
                CiphertextBlob=record.encrypted_data_key,
                SourceKeyId=old_arn,
                DestinationKeyId=ALIAS,
                SourceEncryptionContext=CONTEXT,
                DestinationEncryptionContext=CONTEXT,
            )
            check(result["SourceKeyId"] == old_arn, "ReEncrypt read from an unexpected key")
            check(result["KeyId"] == new_arn, "ReEncrypt wrote under an unexpected key")
            return result["CiphertextBlob"]

        try:
            re_encrypt(stored[0])
        except migration.exceptions.ClientError as error:
            code = error.response["Error"]["Code"]
            check(code == "AccessDeniedException", f"the refusal was {code}")
            check("kms:ReEncryptFrom" in str(error), "the refusal names another action")
            log(f"migration refused as expected: {code} ({error.response['Error']['Message']})")
        else:
            raise SystemExit("CHECK FAILED: the migration role re-encrypted without permission")
        operator.put_key_policy(
            KeyId=old_arn,
            PolicyName="default",
            Policy=key_policy(migration_statement("kms:ReEncryptFrom")),
        )
        log("gave the migration role kms:ReEncryptFrom on the old key")
        for record in stored:
            record.encrypted_data_key = re_encrypt(record)
        log(f"re-encrypted {len(stored)} data key blobs from the old key to {ALIAS}")
        operator.disable_key(KeyId=old_arn)
        state = operator.describe_key(KeyId=old_arn)["KeyMetadata"]["KeyState"]
        check(state == "Disabled", f"the old key is {state}, not Disabled")
        log("disabled the old key")

        print("3. Verification")
        try:
            app.decrypt(CiphertextBlob=kept_old_blob, EncryptionContext=CONTEXT)
        except app.exceptions.DisabledException as error:
            log(f"old blob refused as expected: DisabledException ({error})")
        else:
            raise SystemExit("CHECK FAILED: an old blob decrypted under the disabled key")
        for record, original in zip(stored, RECORDS, strict=True):
            key_arn, _, text = decrypt_record(app, record)
            check(key_arn == new_arn, f"a re-encrypted blob decrypted under {key_arn}")
            check(text == original, f"record decrypted to {text!r}, expected {original!r}")
            log(f"decrypted: {text}")

        print("4. Time passes")
        first_material = operator.describe_key(KeyId=new_arn)["KeyMetadata"]["CurrentKeyMaterialId"]
        kms.clock.advance(days=30)
        operator.rotate_key_on_demand(KeyId=new_arn)
        kms.clock.advance(minutes=1)
        second_material = operator.describe_key(KeyId=new_arn)["KeyMetadata"][
            "CurrentKeyMaterialId"
        ]
        check(second_material != first_material, "on-demand rotation kept the key material")
        log(f"a month later, rotated the new key on demand: material {second_material[:12]}...")
        stored += encrypt_records(app, ["dave: opened account, balance 10.00"])
        materials = [decrypt_record(app, record)[1] for record in stored]
        check(materials[:-1] == [first_material] * 3, "an earlier data key changed material")
        check(materials[-1] == second_material, "a new data key used the old material")
        log("new data keys use the new material; the earlier ones still decrypt")

        usage = operator.get_key_last_usage(KeyId=old_arn).get("KeyLastUsage", {})
        check(usage.get("Operation") == "ReEncrypt", f"the old key's last use was {usage}")
        log(f"the old key was last used by {usage['Operation']} at {usage['Timestamp']}")
        deletion = operator.schedule_key_deletion(KeyId=old_arn, PendingWindowInDays=7)
        log(f"scheduled the old key's deletion for {deletion['DeletionDate']}")
        kms.clock.advance(days=7, seconds=1)
        code = error_code(lambda: operator.describe_key(KeyId=old_arn))
        check(code == "NotFoundException", f"DescribeKey of the deleted key gave {code}")
        code = error_code(
            lambda: app.decrypt(CiphertextBlob=kept_old_blob, EncryptionContext=CONTEXT)
        )
        check(code == "AccessDeniedException", f"the kept old blob gave {code}")
        log(f"a week later the old key is gone; the kept old blob is unrecoverable ({code})")
        texts = [decrypt_record(app, record)[2] for record in stored]
        check(texts[: len(RECORDS)] == RECORDS, "a record was lost with the old key")
        log(f"all {len(texts)} records still decrypt: nothing depended on the old key")

    print("OK: rotation complete; every record readable under the new key")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
