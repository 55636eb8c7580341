"""kmsmock's cost against botocore's own floor and against moto, measured in one run.

    python benchmarks/bench.py [--quick] [--markdown]

Implementations:

* floor: a plain boto3 client with a ``before-send.kms`` handler that returns canned,
  valid responses built once up front. What is left is botocore's own cost
  (validation, serialization, signing, parsing): no mock can go below it.
* kmsmock.
* moto (``mock_aws``), if it is importable.

Per-call measures are the median of many single calls, timed one by one. Repetitions
are interleaved: every repetition runs each measure as one batch per implementation,
in an order that rotates from one repetition to the next, so that machine noise hits
all implementations alike. Each implementation's state (keys, blobs, clients) is built
once and carried over from one activation to the next. A first-use measure times one
call on a key created, untimed, just before it: what a key's first use costs.

The per-test measure is what a test pays around its first KMS call: start a mock,
create a boto3 client, CreateKey, stop. Memory is the Python heap that CreateKey calls
leave behind, per key (tracemalloc snapshot difference).

Listing at scale (kmsmock alone) checks that a page costs the same however many keys
exist: the mean page of a full ListKeys over 10,000 keys against its first page, and a
full listing of 100,000 keys through boto3's paginator at the default page size.

The verdict (exit status) is always 0: this is a measurement, and CI runs ``--quick``
as a smoke test only.
"""

from __future__ import annotations

import argparse
import base64
import functools
import gc
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from unittest import mock

import boto3
import botocore
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.validate import ParamValidator

import kmsmock

if TYPE_CHECKING:
    from botocore.compat import HTTPHeaders
    from mypy_boto3_kms import KMSClient

    from kmsmock.backend._backend import Backend

MOTO_VERSION: str | None
try:
    from moto import __version__ as _moto_version
    from moto import mock_aws

    MOTO_VERSION = _moto_version
except ImportError:  # pragma: no cover - moto is optional
    MOTO_VERSION = None

REGION = "us-east-1"
# ListKeys is measured in a region of its own, holding exactly LIST_KEYS keys.
LIST_REGION = "us-west-2"
LIST_KEYS = 1000
ACCOUNT = "123456789012"
PLAINTEXT_32 = os.urandom(32)
PLAINTEXT_4K = os.urandom(4096)
MESSAGE_32 = os.urandom(32)
# A symmetric KMS ciphertext blob is the plaintext plus 152 bytes of header and tag.
BLOB_OVERHEAD = 152

PER_CALL_TARGET = 1.25
PER_TEST_TARGET = 1.5
MEMORY_TARGET = 1024


@dataclass(frozen=True)
class Settings:
    reps: int
    calls: int  # per batch, for most per-call measures
    create_calls: int  # per batch, for CreateKey (moto's takes ~0.1 s, ~1 s for RSA_4096)
    first_use_calls: int  # per batch, for a new key's first use (RSA_4096: key generation)
    list_calls: int  # per batch, for ListKeys over 1,000 keys
    per_test: int  # samples per repetition
    memory_keys: int
    moto_memory_keys: int  # moto generates an RSA-2048 key per symmetric key
    scale_keys: int  # ListKeys over this many keys: mean page against first page
    scale_first_calls: int  # per repetition, for the first page at that scale
    full_listing_keys: int  # listed whole, page by page, at the default page size
    scale_reps: int


FULL = Settings(
    reps=15,
    calls=30,
    create_calls=4,
    first_use_calls=2,
    list_calls=6,
    per_test=2,
    memory_keys=10_000,
    moto_memory_keys=200,
    scale_keys=10_000,
    scale_first_calls=20,
    full_listing_keys=100_000,
    scale_reps=3,
)
QUICK = Settings(
    reps=3,
    calls=6,
    create_calls=1,
    first_use_calls=1,
    list_calls=2,
    per_test=1,
    memory_keys=1_000,
    moto_memory_keys=10,
    scale_keys=1_000,
    scale_first_calls=3,
    full_listing_keys=2_000,
    scale_reps=1,
)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the floor: canned responses ------------------------------------------------------


class _Raw:
    """The raw-response object AWSResponse reads its body from."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._body


def _arn(key_id: str, region: str = REGION) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


RSA_ALGORITHMS = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]


def _key_metadata(key_id: str, key_spec: str = "SYMMETRIC_DEFAULT") -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "AWSAccountId": ACCOUNT,
        "KeyId": key_id,
        "Arn": _arn(key_id),
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
        arn, dest_arn = _arn(self.key_id), _arn(self.dest_key_id)
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
                    {"KeyId": key_id, "KeyArn": _arn(key_id, LIST_REGION)}
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


# -- implementations --------------------------------------------------------------------


class Implementation:
    """One way of answering KMS calls, switched on and off between batches."""

    name = ""

    def activate(self) -> None:
        """Answer calls from now on, with the state of the previous activation."""

    def deactivate(self) -> None:
        """Stop answering calls, keeping the state."""

    def fresh(self) -> AbstractContextManager[object]:
        """A new, empty activation, as one test starts it."""
        return nullcontext()

    def new_client(self, region: str = REGION) -> KMSClient:
        return boto3.client("kms", region_name=region)

    def populate(self, client: KMSClient, count: int) -> None:
        for _ in range(count):
            client.create_key()


class Floor(Implementation):
    name = "floor"

    def __init__(self, canned: Canned) -> None:
        self.canned = canned

    def new_client(self, region: str = REGION) -> KMSClient:
        client = boto3.client("kms", region_name=region)
        # A before-send handler may return a response (the stub says None).
        handler = cast("Callable[..., None]", self.canned.handler)
        client.meta.events.register_first("before-send.kms", handler)
        return client

    def populate(self, client: KMSClient, count: int) -> None:
        """The canned ListKeys response already lists ``LIST_KEYS`` keys."""


class Kmsmock(Implementation):
    name = "kmsmock"

    def __init__(self) -> None:
        self.mock = kmsmock.mock_kms()
        self.saved: Backend | None = None

    def activate(self) -> None:
        self.mock.start()
        # Every activation begins from an empty backend; the benchmark carries the
        # previous one over, as a long-running test would see it.
        if self.saved is not None:
            self.mock.backend = self.saved

    def deactivate(self) -> None:
        self.saved = self.mock.backend
        self.mock.stop()

    def fresh(self) -> AbstractContextManager[object]:
        return kmsmock.mock_kms()


class Moto(Implementation):
    name = "moto"

    def __init__(self) -> None:
        self.mock = mock_aws()

    def activate(self) -> None:
        self.mock.start(reset=False)

    def deactivate(self) -> None:
        self.mock.stop(remove_data=False)

    def fresh(self) -> AbstractContextManager[object]:
        return mock_aws()

    def populate(self, client: KMSClient, count: int) -> None:
        """Create the keys through CreateKey, sharing one RSA-2048 key among them.

        moto generates an RSA-2048 private key for every key, symmetric ones too
        (~0.1 s each). Only this setup shares one; the measured ListKeys call, and every
        other measure, runs moto unchanged.
        """
        from moto.kms.utils import generate_private_key

        shared = generate_private_key("RSA_2048")
        with mock.patch("moto.kms.models.generate_private_key", return_value=shared):
            super().populate(client, count)


# -- per-call measures ------------------------------------------------------------------


@dataclass
class Fixture:
    """An implementation's state for the per-call measures."""

    client: KMSClient
    list_client: KMSClient
    key_id: str
    dest_key_id: str
    blob_32: bytes
    sign_key_id: str  # ECC_NIST_P256, SIGN_VERIFY, used already
    rsa_key_id: str  # RSA_2048, ENCRYPT_DECRYPT, used already
    # The key a first-use measure's setup has just created.
    new_key_id: str = ""


@dataclass(frozen=True)
class Measure:
    name: str
    operation: str
    call: Callable[[Fixture], object]
    # Run before each timed call, untimed: first-use measures create their new key here.
    setup: Callable[[Fixture], None] | None = None
    # kmsmock/floor target; None where the call does real cryptography the floor does not.
    target: float | None = PER_CALL_TARGET


def _new_key(**options: Any) -> Callable[[Fixture], None]:
    def setup(fixture: Fixture) -> None:
        fixture.new_key_id = fixture.client.create_key(**options)["KeyMetadata"]["KeyId"]

    return setup


RSA_4096_ENCRYPTION: dict[str, Any] = {"KeySpec": "RSA_4096", "KeyUsage": "ENCRYPT_DECRYPT"}
P256_SIGNING: dict[str, Any] = {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}
RSA_2048_ENCRYPTION: dict[str, Any] = {"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"}


MEASURES = [
    Measure("CreateKey", "CreateKey", lambda f: f.client.create_key()),
    Measure(
        "Encrypt 32 B",
        "Encrypt",
        lambda f: f.client.encrypt(KeyId=f.key_id, Plaintext=PLAINTEXT_32),
    ),
    Measure(
        "Encrypt 4 KiB",
        "Encrypt",
        lambda f: f.client.encrypt(KeyId=f.key_id, Plaintext=PLAINTEXT_4K),
    ),
    Measure("Decrypt 32 B", "Decrypt", lambda f: f.client.decrypt(CiphertextBlob=f.blob_32)),
    Measure(
        "GenerateDataKey AES_256",
        "GenerateDataKey",
        lambda f: f.client.generate_data_key(KeyId=f.key_id, KeySpec="AES_256"),
    ),
    Measure(
        "ReEncrypt",
        "ReEncrypt",
        lambda f: f.client.re_encrypt(CiphertextBlob=f.blob_32, DestinationKeyId=f.dest_key_id),
    ),
    Measure("DescribeKey", "DescribeKey", lambda f: f.client.describe_key(KeyId=f.key_id)),
    Measure(
        "ListKeys, 1,000 keys",
        "ListKeys",
        lambda f: f.list_client.list_keys(Limit=LIST_KEYS),
    ),
    # Issue 5: key material is made on first use, never at CreateKey.
    Measure(
        "CreateKey RSA_4096",
        "CreateKey",
        lambda f: f.client.create_key(**RSA_4096_ENCRYPTION),
    ),
    Measure(
        "Sign ECC_NIST_P256, 32 B",
        "Sign",
        lambda f: f.client.sign(
            KeyId=f.sign_key_id, Message=MESSAGE_32, SigningAlgorithm="ECDSA_SHA_256"
        ),
        target=None,
    ),
    Measure(
        "Encrypt RSA_2048 RSAES_OAEP_SHA_256, 32 B",
        "Encrypt",
        lambda f: f.client.encrypt(
            KeyId=f.rsa_key_id, Plaintext=PLAINTEXT_32, EncryptionAlgorithm="RSAES_OAEP_SHA_256"
        ),
        target=None,
    ),
    Measure(
        "first use of a new RSA_4096 key (GetPublicKey right after CreateKey)",
        "GetPublicKey",
        lambda f: f.client.get_public_key(KeyId=f.new_key_id),
        setup=_new_key(**RSA_4096_ENCRYPTION),
        target=None,
    ),
    Measure(
        "first Sign with a new ECC_NIST_P256 key",
        "Sign",
        lambda f: f.client.sign(
            KeyId=f.new_key_id, Message=MESSAGE_32, SigningAlgorithm="ECDSA_SHA_256"
        ),
        setup=_new_key(**P256_SIGNING),
        target=None,
    ),
]


def check_shape(client: KMSClient, operation: str, response: object) -> None:
    """Fail unless ``response`` is a valid, complete parse of ``operation``'s output."""
    if not isinstance(response, dict):
        raise SystemExit(f"{operation}: unexpected response {response!r}")
    shape = client.meta.service_model.operation_model(operation).output_shape
    if shape is None:
        raise SystemExit(f"{operation} has no output shape")
    document = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    report = ParamValidator().validate(document, shape)
    if report.has_errors():
        raise SystemExit(f"{operation} response is invalid:\n{report.generate_report()}")


def build_fixture(impl: Implementation, floor: Canned) -> Fixture:
    client = impl.new_client()
    list_client = impl.new_client(LIST_REGION)
    impl.populate(list_client, LIST_KEYS)
    if isinstance(impl, Floor):
        key_id = floor.key_id
        return Fixture(
            client, list_client, key_id, floor.dest_key_id, floor.blob_32, key_id, key_id
        )
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    dest_key_id = client.create_key()["KeyMetadata"]["KeyId"]
    blob = client.encrypt(KeyId=key_id, Plaintext=PLAINTEXT_32)["CiphertextBlob"]
    sign_key_id = client.create_key(**P256_SIGNING)["KeyMetadata"]["KeyId"]
    rsa_key_id = client.create_key(**RSA_2048_ENCRYPTION)["KeyMetadata"]["KeyId"]
    if len(list_client.list_keys(Limit=LIST_KEYS)["Keys"]) != LIST_KEYS:
        raise SystemExit(f"{impl.name}: ListKeys does not list {LIST_KEYS} keys")
    return Fixture(client, list_client, key_id, dest_key_id, blob, sign_key_id, rsa_key_id)


def warm_up(fixture: Fixture, rounds: int) -> set[str]:
    """Run every measure a few times and check its response; return the names of the
    measures the implementation does not implement (yet)."""
    missing = set()
    for measure in MEASURES:
        # A first use happens once per key: one round exercises it.
        for _ in range(1 if measure.setup is not None else rounds):
            if measure.setup is not None:
                measure.setup(fixture)
            try:
                response = measure.call(fixture)
            except NotImplementedError:
                # kmsmock.NotYetImplemented, and moto's own: the row says so.
                missing.add(measure.name)
                break
        if measure.name not in missing:
            client = fixture.list_client if measure.operation == "ListKeys" else fixture.client
            check_shape(client, measure.operation, response)
    return missing


def time_calls(
    call: Callable[[], object], count: int, setup: Callable[[], object] | None = None
) -> list[int]:
    samples = []
    for _ in range(count):
        if setup is not None:
            setup()
        start = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - start)
    return samples


def rotated(impls: list[Implementation], rep: int) -> list[Implementation]:
    shift = rep % len(impls)
    return impls[shift:] + impls[:shift]


def per_call(
    impls: list[Implementation], canned: Canned, settings: Settings
) -> tuple[dict[str, dict[str, list[int]]], dict[str, set[str]]]:
    """Samples per measure and implementation, and per measure the implementations
    that do not implement it."""
    fixtures: dict[str, Fixture] = {}
    missing: dict[str, set[str]] = {m.name: set() for m in MEASURES}
    for impl in impls:
        progress(f"per-call: setting up {impl.name} ({LIST_KEYS:,} keys for ListKeys)")
        impl.activate()
        try:
            fixtures[impl.name] = fixture = build_fixture(impl, canned)
            for name in warm_up(fixture, rounds=3 if isinstance(impl, Moto) else 20):
                missing[name].add(impl.name)
        finally:
            impl.deactivate()
    gc.collect()
    samples: dict[str, dict[str, list[int]]] = {
        m.name: {i.name: [] for i in impls} for m in MEASURES
    }
    for rep in range(settings.reps):
        progress(f"per-call: repetition {rep + 1}/{settings.reps}")
        for measure in MEASURES:
            count = settings.calls
            if measure.setup is not None:
                count = settings.first_use_calls
            elif measure.operation == "CreateKey":
                count = settings.create_calls
            elif measure.operation == "ListKeys":
                count = settings.list_calls
            for impl in rotated(impls, rep):
                if impl.name in missing[measure.name]:
                    continue
                fixture = fixtures[impl.name]
                impl.activate()
                try:
                    call = functools.partial(measure.call, fixture)
                    setup = None
                    if measure.setup is not None:
                        setup = functools.partial(measure.setup, fixture)
                    samples[measure.name][impl.name] += time_calls(call, count, setup)
                finally:
                    impl.deactivate()
        gc.collect()
    return samples, missing


# -- per-test and memory --------------------------------------------------------------


def one_test(impl: Implementation) -> None:
    with impl.fresh():
        impl.new_client().create_key()


def per_test(impls: list[Implementation], settings: Settings) -> dict[str, list[int]]:
    for impl in impls:
        one_test(impl)  # warm-up
    samples: dict[str, list[int]] = {impl.name: [] for impl in impls}
    for rep in range(settings.reps):
        for impl in rotated(impls, rep):
            call = functools.partial(one_test, impl)
            samples[impl.name] += time_calls(call, settings.per_test)
    return samples


def bytes_per_key(impl: Implementation, count: int) -> float:
    """Python-heap growth per key over ``count`` CreateKey calls."""
    with impl.fresh():
        client = impl.new_client()
        client.create_key()
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.take_snapshot()
            for _ in range(count):
                client.create_key()
            gc.collect()
            after = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
    own = [tracemalloc.Filter(False, tracemalloc.__file__)]
    stats = after.filter_traces(own).compare_to(before.filter_traces(own), "filename")
    return sum(stat.size_diff for stat in stats) / count


# -- authorization ----------------------------------------------------------------------

AUTHORIZATION_TARGET = 1.10

# A realistic non-default setup: a role session whose identity policy allows Encrypt on
# the key, under a key policy that delegates to the account and also names the role with
# conditions on the encryption context and the caller account.
_CONDITIONAL_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "App encrypts for its tenant",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"},
            "Action": ["kms:Encrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:EncryptionContext:tenant": "acme"},
                "StringEqualsIfExists": {"kms:CallerAccount": ACCOUNT},
            },
        },
        {
            "Sid": "Nobody re-encrypts away",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:ReEncryptFrom",
            "Resource": "*",
        },
    ],
}


def authorization_cost(settings: Settings) -> dict[str, list[int]]:
    """Encrypt 32 B: default policy, authorization switched off, conditional policy."""
    samples: dict[str, list[int]] = {"default": [], "off": [], "conditional": []}
    with kmsmock.mock_kms() as kms:
        client = boto3.client("kms", region_name=REGION)
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        arn = _arn(key_id)
        app = kms.role(
            "app",
            policy={
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "kms:Encrypt", "Resource": arn}],
            },
        )
        guarded = client.create_key(Policy=json.dumps(_CONDITIONAL_POLICY))["KeyMetadata"]
        app_client = app.client(REGION)
        context = {"tenant": "acme"}

        def default() -> object:
            return client.encrypt(KeyId=key_id, Plaintext=PLAINTEXT_32)

        def conditional() -> object:
            return app_client.encrypt(
                KeyId=guarded["KeyId"], Plaintext=PLAINTEXT_32, EncryptionContext=context
            )

        for call in (default, conditional):
            for _ in range(20):
                call()
        for rep in range(settings.reps):
            progress(f"authorization: repetition {rep + 1}/{settings.reps}")
            order = ["default", "off", "conditional"]
            for name in order[rep % 3 :] + order[: rep % 3]:
                if name == "off":
                    # The same call with the authorizer replaced by a no-op.
                    with mock.patch("kmsmock.operations._request.authorize", return_value=None):
                        samples[name] += time_calls(default, settings.calls)
                else:
                    samples[name] += time_calls(
                        default if name == "default" else conditional, settings.calls
                    )
    return samples


# -- listing at scale (issue 10) ----------------------------------------------------------

SCALE_RATIO_TARGET = 2.0
FULL_LISTING_TARGET = 2.0  # seconds, on the machine the targets were set on


@dataclass
class Scale:
    """ListKeys over many keys, kmsmock only: a page's cost must not grow with the keys."""

    keys: int
    first_page: list[int]  # ns, each a single call of the first page
    mean_page: list[float]  # ns, each the mean page of one full listing
    full_keys: int
    full_listing: list[float]  # seconds, each a full listing through the paginator


def _populate_backend(kms: kmsmock.MockKMS, count: int) -> None:
    """``count`` symmetric keys in REGION, made through the backend: CreateKey through
    boto3 would take most of the run at 100,000 keys, and only listing is measured."""
    backend = kms.backend
    region = backend.region(ACCOUNT, REGION)
    for _ in range(count):
        backend.create_key(region)


def _page_times(client: KMSClient) -> list[int]:
    """A full ListKeys at the default page size, each page's call timed on its own (ns)."""
    times: list[int] = []
    marker: str | None = None
    while True:
        started = time.perf_counter_ns()
        page = client.list_keys(Marker=marker) if marker else client.list_keys()
        times.append(time.perf_counter_ns() - started)
        if not page["Truncated"]:
            return times
        marker = page["NextMarker"]


def listing_at_scale(settings: Settings) -> Scale:
    scale = Scale(settings.scale_keys, [], [], settings.full_listing_keys, [])
    with kmsmock.mock_kms() as kms:
        _populate_backend(kms, settings.scale_keys)
        client = boto3.client("kms", region_name=REGION)
        _page_times(client)  # warm-up: the first listing indexes the keys
        for rep in range(settings.scale_reps):
            progress(f"listing at scale: repetition {rep + 1}/{settings.scale_reps}")
            # Alternated, so that machine noise hits both alike.
            scale.first_page += time_calls(client.list_keys, settings.scale_first_calls)
            scale.mean_page.append(statistics.mean(_page_times(client)))
    gc.collect()
    with kmsmock.mock_kms() as kms:
        progress(f"listing at scale: {settings.full_listing_keys:,} keys")
        _populate_backend(kms, settings.full_listing_keys)
        paginator = boto3.client("kms", region_name=REGION).get_paginator("list_keys")
        for _ in range(settings.scale_reps):
            started = time.perf_counter()
            listed = sum(len(page["Keys"]) for page in paginator.paginate())
            scale.full_listing.append(time.perf_counter() - started)
            if listed != settings.full_listing_keys:
                raise SystemExit(f"ListKeys listed {listed:,} of {settings.full_listing_keys:,}")
    gc.collect()
    return scale


def render_scale(scale: Scale, markdown: bool) -> str:
    first_us = statistics.median(scale.first_page) / 1000
    mean_us = statistics.median(scale.mean_page) / 1000
    ratio = mean_us / first_us
    seconds = statistics.median(scale.full_listing)

    def verdict(passed: bool) -> str:
        return "PASS" if passed else "MISS"

    header = ["ListKeys at scale, kmsmock", "value", "target", ""]
    table = [
        header,
        [f"first page over {scale.keys:,} keys (µs)", f"{first_us:,.0f}", "", ""],
        [f"mean page of a full listing over {scale.keys:,} keys (µs)", f"{mean_us:,.0f}", "", ""],
        [
            f"ListKeys over {scale.keys:,} keys: mean page / first page",
            f"{ratio:.2f}x",
            f"≤ {SCALE_RATIO_TARGET:.2f}x",
            verdict(ratio <= SCALE_RATIO_TARGET),
        ],
        [
            f"full listing of {scale.full_keys:,} keys at the default page size (seconds)",
            f"{seconds:.2f}",
            f"< {FULL_LISTING_TARGET:.1f} s",
            verdict(seconds < FULL_LISTING_TARGET),
        ],
    ]
    if markdown:
        lines = ["| " + " | ".join(row) + " |" for row in table]
        lines.insert(1, "| --- | ---: | ---: | :---: |")
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row))
        for row in table
    )


# -- report -----------------------------------------------------------------------------


@dataclass
class Row:
    measure: str
    floor: float | None
    kmsmock: float | None
    moto: float | None
    target: float | None  # None: the row is reported without a target
    unit: str  # "µs" rows compare to the floor; "B" rows compare to an absolute target
    # Implementations that do not implement the measured call: "not implemented", not "n/a".
    missing: frozenset[str] = frozenset()

    def ratio(self, value: float | None) -> float | None:
        if value is None or self.floor is None:
            return None
        return value / self.floor

    def passed(self) -> bool:
        if self.target is None:
            return True
        if self.unit == "B":
            return self.kmsmock is not None and self.kmsmock <= self.target
        ratio = self.ratio(self.kmsmock)
        return ratio is not None and ratio <= self.target

    def cells(self) -> list[str]:
        def number(value: float | None, name: str) -> str:
            if name in self.missing:
                return "not implemented"
            if value is None:
                return "n/a"
            return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"

        def ratio(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.2f}x"

        if self.target is None:
            target, verdict = "none", "-"
        else:
            target = f"≤ {self.target:,.0f} B/key" if self.unit == "B" else f"≤ {self.target:.2f}x"
            verdict = "PASS" if self.passed() else "MISS"
        if "kmsmock" in self.missing:
            verdict = "-"
        return [
            self.measure,
            number(self.floor, "floor"),
            number(self.kmsmock, "kmsmock"),
            ratio(self.ratio(self.kmsmock)),
            number(self.moto, "moto"),
            ratio(self.ratio(self.moto)),
            target,
            verdict,
        ]


HEADER = [
    "measure",
    "floor µs",
    "kmsmock µs",
    "kmsmock/floor",
    "moto µs",
    "moto/floor",
    "target",
    "kmsmock",
]


def median_us(samples: list[int] | None) -> float | None:
    if not samples:
        return None
    return statistics.median(samples) / 1000


def render(rows: list[Row], markdown: bool) -> str:
    table = [HEADER] + [row.cells() for row in rows]
    if markdown:
        lines = ["| " + " | ".join(cells) + " |" for cells in table]
        align = ["---"] + ["---:"] * (len(HEADER) - 2) + [":---:"]
        lines.insert(1, "| " + " | ".join(align) + " |")
        return "\n".join(lines)
    widths = [max(len(cells[i]) for cells in table) for i in range(len(HEADER))]
    lines = [
        "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
            for i, cell in enumerate(cells)
        )
        for cells in table
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few repetitions (smoke run)")
    parser.add_argument("--markdown", action="store_true", help="print a GitHub markdown table")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL

    # Fake credentials for every implementation alike: no credential-provider chain,
    # no way to reach a real account.
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
    )
    os.environ.pop("AWS_SESSION_TOKEN", None)

    started = time.perf_counter()
    canned = Canned()
    impls: list[Implementation] = [Floor(canned), Kmsmock()]
    if MOTO_VERSION is not None:
        impls.append(Moto())

    calls, missing = per_call(impls, canned, settings)
    gc.collect()
    progress("per-test")
    tests = per_test(impls, settings)
    gc.collect()
    progress(f"memory: kmsmock, {settings.memory_keys:,} keys")
    memory_kmsmock = bytes_per_key(impls[1], settings.memory_keys)
    memory_moto: float | None = None
    if MOTO_VERSION is not None:
        gc.collect()
        progress(f"memory: moto, {settings.moto_memory_keys:,} keys")
        memory_moto = bytes_per_key(impls[2], settings.moto_memory_keys)

    rows = [
        Row(
            measure.name,
            median_us(calls[measure.name]["floor"]),
            median_us(calls[measure.name]["kmsmock"]),
            median_us(calls[measure.name].get("moto")),
            measure.target,
            "µs",
            frozenset(missing[measure.name]),
        )
        for measure in MEASURES
    ]
    rows.append(
        Row(
            "per test: start, client, CreateKey, stop",
            median_us(tests["floor"]),
            median_us(tests["kmsmock"]),
            median_us(tests.get("moto")),
            PER_TEST_TARGET,
            "µs",
        )
    )
    rows.append(Row("memory, bytes/key", None, memory_kmsmock, memory_moto, MEMORY_TARGET, "B"))
    gc.collect()
    authorization = authorization_cost(settings)
    off = median_us(authorization["off"])
    default_us = median_us(authorization["default"])
    conditional_us = median_us(authorization["conditional"])
    scale = listing_at_scale(settings)

    samples = settings.reps * settings.calls
    context = (
        f"Python {platform.python_version()}, botocore {botocore.__version__}, "
        f"moto {MOTO_VERSION or 'not installed'}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; {'quick' if args.quick else 'full'} run, "
        f"{settings.reps} interleaved repetitions, medians of {samples} calls per cell "
        f"({settings.reps * settings.create_calls} for CreateKey, "
        f"{settings.reps * settings.first_use_calls} for first uses, "
        f"{settings.reps * settings.list_calls} for ListKeys, "
        f"{settings.reps * settings.per_test} tests for the per-test row); "
        f"{time.perf_counter() - started:.0f} s."
    )
    notes = [
        "floor: botocore alone, answered by a canned before-send.kms handler.",
        "per-call targets: kmsmock/floor ≤ 1.25; per-test ≤ 1.5; memory ≤ 1024 B/key.",
        "CreateKey RSA_4096 keeps the per-call target: key material is generated on first "
        "use, never at CreateKey (issue 5). Sign, RSA Encrypt and the first-use rows have "
        "no target: they do real cryptography (ECDSA signing, RSA-OAEP, key generation) "
        "that the floor's canned answer does not, so their ratio is that work's cost.",
        "first use: each sample times one call on a key created just before it, untimed; "
        "for RSA_4096 that call pays the key generation, whose duration varies widely from "
        "key to key (prime search). moto generates every key pair at CreateKey instead.",
        "moto's RSA Encrypt answers with its symmetric stand-in (no RSA-OAEP, no "
        "EncryptionAlgorithm in the response): its time is not that of RSA encryption.",
        f"memory: tracemalloc heap growth over {settings.memory_keys:,} CreateKey calls "
        f"(moto: {settings.moto_memory_keys:,}, as its CreateKey generates an RSA-2048 key, "
        "whose OpenSSL memory tracemalloc does not see).",
    ]
    print(context if not args.markdown else f"_{context}_")
    print()
    print(render(rows, args.markdown))
    print()
    for note in notes:
        print(f"- {note}" if args.markdown else note)
    print()
    print(render_authorization(off, default_us, conditional_us, args.markdown))
    print()
    print(render_scale(scale, args.markdown))
    scale_note = (
        "listing at scale: kmsmock only (moto's CreateKey makes an RSA key per key, too "
        "slow for 100,000). Keys are made through kmsmock's backend, not CreateKey; the "
        f"ratio is the median over {settings.scale_reps} full listings of the mean page, "
        f"against the median of {settings.scale_reps * settings.scale_first_calls} first "
        "pages, alternated; the full listing runs boto3's paginator "
        f"({settings.scale_reps} runs, median)."
    )
    print()
    print(f"- {scale_note}" if args.markdown else scale_note)
    return 0


def render_authorization(
    off: float | None, default: float | None, conditional: float | None, markdown: bool
) -> str:
    """Encrypt 32 B through kmsmock with and without its authorizer."""

    def cells(name: str, value: float | None, target: bool) -> list[str]:
        ratio = None if value is None or not off else value / off
        verdict = ""
        if target and ratio is not None:
            verdict = "PASS" if ratio <= AUTHORIZATION_TARGET else "MISS"
        return [
            name,
            "n/a" if value is None else f"{value:,.0f}",
            "n/a" if ratio is None else f"{ratio:.3f}x",
            f"≤ {AUTHORIZATION_TARGET:.2f}x" if target else "",
            verdict,
        ]

    header = ["Encrypt 32 B, kmsmock", "µs", "/ no authorization", "target", ""]
    table = [
        header,
        cells("authorization off (no-op authorizer)", off, False),
        cells("default key policy", default, True),
        cells("role + identity policy + conditional key policy", conditional, False),
    ]
    if markdown:
        lines = ["| " + " | ".join(row) + " |" for row in table]
        lines.insert(1, "| --- | ---: | ---: | ---: | :---: |")
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row))
        for row in table
    )


if __name__ == "__main__":
    raise SystemExit(main())
