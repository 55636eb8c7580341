"""The in-process measures: per call and per test, every implementation interleaved.

Per-call measures are the median of many single calls, timed one by one. Repetitions
are interleaved: every repetition runs each measure as one batch per implementation,
in an order that rotates from one repetition to the next, so that machine noise hits
all implementations alike. Each implementation's state (keys, blobs, clients) is built
once and carried over from one activation to the next.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from _canned import Canned
from _common import (
    LIST_KEYS,
    LIST_REGION,
    MESSAGE_32,
    PER_CALL_GOAL,
    PLAINTEXT_4K,
    PLAINTEXT_32,
    Settings,
    progress,
    rotated,
    time_calls,
)
from _impls import Floor, Implementation, Moto, StubberFloor
from botocore.validate import ParamValidator

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient


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
    # kmsmock/floor goal; None where the call pays a key generation the floor does not.
    goal: float | None = PER_CALL_GOAL
    # It makes an RSA_4096 key: about a second per call for moto (Settings.moto_slow).
    rsa_4096: bool = False


def _new_key(**options: Any) -> Callable[[Fixture], None]:
    def setup(fixture: Fixture) -> None:
        fixture.new_key_id = fixture.client.create_key(**options)["KeyMetadata"]["KeyId"]

    return setup


RSA_4096_ENCRYPTION: dict[str, Any] = {"KeySpec": "RSA_4096", "KeyUsage": "ENCRYPT_DECRYPT"}
RSA_4096_SIGNING: dict[str, Any] = {"KeySpec": "RSA_4096", "KeyUsage": "SIGN_VERIFY"}
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
        rsa_4096=True,
    ),
    Measure(
        "Sign ECC_NIST_P256, 32 B",
        "Sign",
        lambda f: f.client.sign(
            KeyId=f.sign_key_id, Message=MESSAGE_32, SigningAlgorithm="ECDSA_SHA_256"
        ),
    ),
    Measure(
        "Encrypt RSA_2048 RSAES_OAEP_SHA_256, 32 B",
        "Encrypt",
        lambda f: f.client.encrypt(
            KeyId=f.rsa_key_id, Plaintext=PLAINTEXT_32, EncryptionAlgorithm="RSAES_OAEP_SHA_256"
        ),
    ),
    Measure(
        "first use of a new RSA_4096 key (GetPublicKey right after CreateKey)",
        "GetPublicKey",
        lambda f: f.client.get_public_key(KeyId=f.new_key_id),
        setup=_new_key(**RSA_4096_ENCRYPTION),
        goal=None,
        rsa_4096=True,
    ),
    Measure(
        "first Sign with a new ECC_NIST_P256 key",
        "Sign",
        lambda f: f.client.sign(
            KeyId=f.new_key_id, Message=MESSAGE_32, SigningAlgorithm="ECDSA_SHA_256"
        ),
        setup=_new_key(**P256_SIGNING),
        goal=None,
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
    if isinstance(impl, (Floor, StubberFloor)):
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


def _expected(measure: Measure, count: int) -> list[str]:
    """The measures whose answers ``count`` runs of ``measure`` need, in order: a
    first use's setup is a CreateKey."""
    names = [measure.name] if measure.setup is None else ["CreateKey", measure.name]
    return names * count


def _batch(impl: Implementation, fixture: Fixture, measure: Measure, count: int) -> list[int]:
    """``count`` timed runs of ``measure``, the implementation active."""
    client = fixture.list_client if measure.operation == "ListKeys" else fixture.client
    impl.expect(client, _expected(measure, count))
    impl.activate()
    try:
        setup = None if measure.setup is None else functools.partial(measure.setup, fixture)
        samples = time_calls(functools.partial(measure.call, fixture), count, setup)
    finally:
        impl.deactivate()
    impl.done(client)
    return samples


def _skipped(impl: Implementation, measure: Measure, settings: Settings) -> bool:
    return isinstance(impl, Moto) and measure.rsa_4096 and not settings.moto_slow


def warm_up(impl: Implementation, fixture: Fixture, rounds: int, settings: Settings) -> set[str]:
    """Run every measure a few times and check its response; return the names of the
    measures the implementation does not implement (yet)."""
    missing = set()
    for measure in MEASURES:
        if _skipped(impl, measure, settings):
            continue
        client = fixture.list_client if measure.operation == "ListKeys" else fixture.client
        # A first use happens once per key: one round exercises it.
        count = 1 if measure.setup is not None else rounds
        impl.expect(client, _expected(measure, count))
        impl.activate()
        try:
            for _ in range(count):
                if measure.setup is not None:
                    measure.setup(fixture)
                response = measure.call(fixture)
        except NotImplementedError:
            # kmsmock.NotYetImplemented, and moto's own: the row says so.
            missing.add(measure.name)
            continue
        finally:
            impl.deactivate()
        impl.done(client)
        check_shape(client, measure.operation, response)
    return missing


def _learn_from_floor(stubber: StubberFloor, floor: Fixture) -> None:
    """The Stubber answers each measure with the floor's parsed response to it."""
    for measure in MEASURES:
        if measure.setup is not None:
            measure.setup(floor)
        stubber.learn(measure.name, measure.operation, measure.call(floor))


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
            fixtures[impl.name] = build_fixture(impl, canned)
        finally:
            impl.deactivate()
        if isinstance(impl, StubberFloor):
            _learn_from_floor(impl, fixtures["floor"])
        rounds = 3 if isinstance(impl, Moto) else 20
        for name in warm_up(impl, fixtures[impl.name], rounds, settings):
            missing[name].add(impl.name)
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
                skipped = _skipped(impl, measure, settings)
                if impl.name not in missing[measure.name] and not skipped:
                    batch = _batch(impl, fixtures[impl.name], measure, count)
                    samples[measure.name][impl.name] += batch
        gc.collect()
    return samples, missing


# -- per test ---------------------------------------------------------------------------


def _create(client: KMSClient) -> None:
    client.create_key()


def _symmetric(client: KMSClient) -> None:
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    client.encrypt(KeyId=key_id, Plaintext=PLAINTEXT_32)


def _rsa_4096(client: KMSClient) -> None:
    key_id = client.create_key(**RSA_4096_SIGNING)["KeyMetadata"]["KeyId"]
    client.sign(KeyId=key_id, Message=MESSAGE_32, SigningAlgorithm="RSASSA_PSS_SHA_256")


@dataclass(frozen=True)
class Test:
    name: str
    body: Callable[[KMSClient], None]
    # The per-call measures whose responses answer its calls, for the Stubber (any
    # response of the right operation does: the Stubber checks only the shape).
    answers: Sequence[str]


CREATE_TEST = Test("per test: start, client, CreateKey, stop", _create, ["CreateKey"])
SYMMETRIC_TEST = Test(
    "per test, symmetric key: start, client, CreateKey, Encrypt, stop",
    _symmetric,
    ["CreateKey", "Encrypt 32 B"],
)
RSA_TEST = Test(
    "per test, RSA_4096 key: start, client, CreateKey, Sign, stop (after the first)",
    _rsa_4096,
    ["CreateKey RSA_4096", "Sign ECC_NIST_P256, 32 B"],
)


def _one_test(impl: Implementation, test: Test) -> None:
    with impl.test_client(test.answers) as client:
        test.body(client)


def per_test(impls: list[Implementation], settings: Settings) -> dict[str, dict[str, list[int]]]:
    """Samples per test and implementation: the plain test every repetition, the
    symmetric and RSA_4096 tests in the first ``rsa_test_reps`` (moto generates an RSA
    key in each, and runs the RSA_4096 one only if ``moto_slow``), each after one
    untimed run (the first RSA_4096 key of a process may pay its generation)."""
    tests = [CREATE_TEST, SYMMETRIC_TEST, RSA_TEST]

    def runs(impl: Implementation, test: Test) -> bool:
        return test is not RSA_TEST or settings.moto_slow or not isinstance(impl, Moto)

    for impl in impls:
        for test in tests:
            if runs(impl, test):
                _one_test(impl, test)
    samples: dict[str, dict[str, list[int]]] = {t.name: {i.name: [] for i in impls} for t in tests}
    for rep in range(settings.reps):
        progress(f"per-test: repetition {rep + 1}/{settings.reps}")
        for test in tests if rep < settings.rsa_test_reps else [CREATE_TEST]:
            count = settings.per_test if test is CREATE_TEST else 1
            for impl in rotated(impls, rep):
                if runs(impl, test):
                    call = functools.partial(_one_test, impl, test)
                    samples[test.name][impl.name] += time_calls(call, count)
        gc.collect()
    return samples
