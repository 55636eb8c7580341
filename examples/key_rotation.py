"""Manual key rotation with envelope encryption, run entirely against kmsmock.

The story:

1. An application encrypts records with envelope encryption: it asks KMS for a data
   key under ``alias/app-data`` (with an encryption context), encrypts each record
   locally with AES-GCM using the plaintext data key, and stores only the encrypted
   data key blob next to the record ciphertext.
2. An operator rotates the key by hand: creates a new KMS key, points the alias at it
   with UpdateAlias, re-encrypts every stored data key blob from the old key to the
   new one with ReEncrypt, and disables the old key.
3. A kept copy of an old blob no longer decrypts (``DisabledException``), while every
   re-encrypted blob decrypts and every record still decrypts to its original text.

Run it with ``python examples/key_rotation.py``; it exits 0 when every check holds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import kmsmock

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

ALIAS = "alias/app-data"
CONTEXT = {"app": "ledger", "purpose": "records"}
RECORDS = [
    "alice: opened account, balance 100.00",
    "bob: transferred 25.00 to alice",
    "carol: closed account",
]


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
    with kmsmock.mock_kms():
        client = boto3.client("kms", region_name="us-east-1")

        print("1. Envelope encryption under", ALIAS)
        old_key = client.create_key(Description="app-data key, generation 1")["KeyMetadata"]
        old_arn = old_key["Arn"]
        client.create_alias(AliasName=ALIAS, TargetKeyId=old_key["KeyId"])
        log(f"created {old_arn} and pointed {ALIAS} at it")
        stored = encrypt_records(client, RECORDS)
        log(f"encrypted {len(stored)} records, each with its own data key")
        for record in stored:
            check(record.encrypted_data_key != b"", "a data key blob is empty")
        kept_old_blob = stored[0].encrypted_data_key

        print("2. Manual rotation")
        new_key = client.create_key(Description="app-data key, generation 2")["KeyMetadata"]
        new_arn = new_key["Arn"]
        log(f"created {new_arn}")
        client.update_alias(AliasName=ALIAS, TargetKeyId=new_key["KeyId"])
        alias_target = client.describe_key(KeyId=ALIAS)["KeyMetadata"]["Arn"]
        check(alias_target == new_arn, f"{ALIAS} points at {alias_target}, not the new key")
        log(f"moved {ALIAS} to the new key")
        for record in stored:
            result = client.re_encrypt(
                CiphertextBlob=record.encrypted_data_key,
                SourceKeyId=old_arn,
                DestinationKeyId=ALIAS,
                SourceEncryptionContext=CONTEXT,
                DestinationEncryptionContext=CONTEXT,
            )
            check(result["SourceKeyId"] == old_arn, "ReEncrypt read from an unexpected key")
            check(result["KeyId"] == new_arn, "ReEncrypt wrote under an unexpected key")
            record.encrypted_data_key = result["CiphertextBlob"]
        log(f"re-encrypted {len(stored)} data key blobs from the old key to {ALIAS}")
        client.disable_key(KeyId=old_arn)
        state = client.describe_key(KeyId=old_arn)["KeyMetadata"]["KeyState"]
        check(state == "Disabled", f"the old key is {state}, not Disabled")
        log("disabled the old key")

        print("3. Verification")
        try:
            client.decrypt(CiphertextBlob=kept_old_blob, EncryptionContext=CONTEXT)
        except client.exceptions.DisabledException as error:
            log(f"old blob refused as expected: DisabledException ({error})")
        else:
            raise SystemExit("CHECK FAILED: an old blob decrypted under the disabled key")
        for record, original in zip(stored, RECORDS, strict=True):
            key_arn, text = decrypt_record(client, record)
            check(key_arn == new_arn, f"a re-encrypted blob decrypted under {key_arn}")
            check(text == original, f"record decrypted to {text!r}, expected {original!r}")
            log(f"decrypted: {text}")

    print("OK: rotation complete; every record readable under the new key")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
