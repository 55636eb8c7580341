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

Run it with ``python examples/key_rotation.py``; it exits 0 when every check holds.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
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


def decrypt_record(client: KMSClient, record: StoredRecord) -> tuple[str, str]:
    """The ARN of the KMS key that decrypted the data key, and the record's text."""
    data_key = client.decrypt(CiphertextBlob=record.encrypted_data_key, EncryptionContext=CONTEXT)
    aead = AESGCM(data_key["Plaintext"])
    return data_key["KeyId"], aead.decrypt(record.nonce, record.ciphertext, None).decode()


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
            key_arn, text = decrypt_record(app, record)
            check(key_arn == new_arn, f"a re-encrypted blob decrypted under {key_arn}")
            check(text == original, f"record decrypted to {text!r}, expected {original!r}")
            log(f"decrypted: {text}")

    print("OK: rotation complete; every record readable under the new key")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
