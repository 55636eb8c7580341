"""The floor's canned answers: a valid KMS response per operation, encoded once.

The floor is a plain boto3 client whose ``before-send.kms`` handler returns these: what
is left is botocore's own cost, which no wire-level mock can go below. The server
benchmark's floor server answers with them too.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from _common import ACCOUNT, LIST_KEYS, LIST_REGION, PLAINTEXT_32, REGION
from botocore.awsrequest import AWSPreparedRequest, AWSResponse

if TYPE_CHECKING:
    from botocore.compat import HTTPHeaders

# A symmetric KMS ciphertext blob is the plaintext plus 152 bytes of header and tag.
BLOB_OVERHEAD = 152


class _Raw:
    """The raw-response object AWSResponse reads its body from."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._body


def key_arn(key_id: str, region: str = REGION) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


RSA_ALGORITHMS = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]


def _key_metadata(key_id: str, key_spec: str = "SYMMETRIC_DEFAULT") -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "AWSAccountId": ACCOUNT,
        "KeyId": key_id,
        "Arn": key_arn(key_id),
        "CreationDate": 1735689600.123,
        "Enabled": True,
        "Description": "",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": key_spec,
        "KeySpec": key_spec,
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }
    if key_spec == "SYMMETRIC_DEFAULT":
        metadata["CurrentKeyMaterialId"] = os.urandom(32).hex()
    else:
        # An RSA encryption key: its two algorithms, no CurrentKeyMaterialId.
        metadata["EncryptionAlgorithms"] = RSA_ALGORITHMS
    return metadata


class Canned:
    """Valid KMS responses, one per operation (and per key type where the response
    differs), encoded once."""

    def __init__(self) -> None:
        self.key_id = str(uuid.uuid4())
        self.dest_key_id = str(uuid.uuid4())
        self.blob_32 = os.urandom(32 + BLOB_OVERHEAD)
        arn, dest_arn = key_arn(self.key_id), key_arn(self.dest_key_id)
        material, dest_material = os.urandom(32).hex(), os.urandom(32).hex()
        documents: dict[str, dict[str, Any]] = {
            "CreateKey": {"KeyMetadata": _key_metadata(self.key_id)},
            "DescribeKey": {"KeyMetadata": _key_metadata(self.key_id)},
            "Encrypt": {
                "CiphertextBlob": _b64(self.blob_32),
                "KeyId": arn,
                "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
            },
            "Decrypt": {
                "KeyId": arn,
                "Plaintext": _b64(PLAINTEXT_32),
                "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
                "KeyMaterialId": material,
            },
            "GenerateDataKey": {
                "CiphertextBlob": _b64(os.urandom(32 + BLOB_OVERHEAD)),
                "Plaintext": _b64(os.urandom(32)),
                "KeyId": arn,
                "KeyMaterialId": material,
            },
            "ReEncrypt": {
                "CiphertextBlob": _b64(os.urandom(32 + BLOB_OVERHEAD)),
                "SourceKeyId": arn,
                "KeyId": dest_arn,
                "SourceEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
                "DestinationEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
                "SourceKeyMaterialId": material,
                "DestinationKeyMaterialId": dest_material,
            },
            "ListKeys": {
                "Keys": [
                    {"KeyId": key_id, "KeyArn": key_arn(key_id, LIST_REGION)}
                    for key_id in (str(uuid.uuid4()) for _ in range(LIST_KEYS))
                ],
                "Truncated": False,
            },
            "Sign": {
                "KeyId": arn,
                # A DER ECDSA P-256 signature is 70-72 bytes.
                "Signature": _b64(os.urandom(71)),
                "SigningAlgorithm": "ECDSA_SHA_256",
            },
            "GetPublicKey": {
                "KeyId": arn,
                # DER SubjectPublicKeyInfo of an RSA_4096 key: 550 bytes.
                "PublicKey": _b64(os.urandom(550)),
                "CustomerMasterKeySpec": "RSA_4096",
                "KeySpec": "RSA_4096",
                "KeyUsage": "ENCRYPT_DECRYPT",
                "EncryptionAlgorithms": RSA_ALGORITHMS,
            },
        }
        encrypt_4k = dict(documents["Encrypt"])
        encrypt_4k["CiphertextBlob"] = _b64(os.urandom(4096 + BLOB_OVERHEAD))
        self._responses: dict[str | bytes, tuple[dict[str, str], bytes]] = {}
        for name, document in documents.items():
            self._add(name, document)
        self._encrypt_4k = self._encode(encrypt_4k)
        # Responses that depend on the key type the request names, found by a marker
        # in the request body.
        self._variants: dict[str | bytes, list[tuple[bytes, tuple[dict[str, str], bytes]]]] = {}
        self._add_variant(
            "CreateKey", b'"RSA_4096"', {"KeyMetadata": _key_metadata(self.key_id, "RSA_4096")}
        )
        self._add_variant(
            "Encrypt",
            b'"RSAES_OAEP_SHA_256"',
            {
                # RSA ciphertext is the modulus size: 256 bytes for RSA_2048.
                "CiphertextBlob": _b64(os.urandom(256)),
                "KeyId": arn,
                "EncryptionAlgorithm": "RSAES_OAEP_SHA_256",
            },
        )

    @staticmethod
    def _encode(document: dict[str, Any]) -> tuple[dict[str, str], bytes]:
        body = json.dumps(document).encode("utf-8")
        headers = {
            "x-amzn-RequestId": str(uuid.uuid4()),
            "Content-Type": "application/x-amz-json-1.1",
            "Content-Length": str(len(body)),
        }
        return headers, body

    def _add(self, name: str, document: dict[str, Any]) -> None:
        target = f"TrentService.{name}"
        self._responses[target] = self._responses[target.encode()] = self._encode(document)

    def _add_variant(self, name: str, marker: bytes, document: dict[str, Any]) -> None:
        target = f"TrentService.{name}"
        variants = self._variants.setdefault(target, [])
        variants.append((marker, self._encode(document)))
        self._variants[target.encode()] = variants

    def handler(self, request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse:
        headers, body = self.answer(request.headers["X-Amz-Target"], request.body)
        # AWSResponse copies any mapping of headers (its stub asks for HTTPHeaders).
        return AWSResponse(request.url, 200, cast("HTTPHeaders", headers), _Raw(body))

    def answer(self, target: str | bytes, request_body: object) -> tuple[dict[str, str], bytes]:
        """The canned (headers, body) for a request to ``target`` with this body."""
        headers, body = self._responses[target]
        variants = self._variants.get(target)
        if variants is not None:
            raw = request_body.encode() if isinstance(request_body, str) else request_body
            if isinstance(raw, bytes):
                for marker, response in variants:
                    if marker in raw:
                        headers, body = response
        if (
            target in (b"TrentService.Encrypt", "TrentService.Encrypt")
            and isinstance(request_body, (bytes, str))
            and len(request_body) > 2048
        ):
            # The blob's size follows the plaintext's, as it does in KMS.
            headers, body = self._encrypt_4k
        return headers, body
