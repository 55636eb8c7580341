"""What the benchmark runs in a fresh process: the first test, or the memory of keys.

    python benchmarks/_child.py first-test IMPLEMENTATION [settled]
    python benchmarks/_child.py memory IMPLEMENTATION JOURNAL COUNT

Prints one JSON object. Deliberately imports nothing from the benchmark: a fresh
process pays only for what a test suite's own process would.
"""

import time

# Taken before any other import: the first test's clock starts at the script's top.
STARTED = time.perf_counter()

import datetime  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

REGION = "us-east-1"
KEY_ID = "0b7f5e8e-9f6d-4a43-8a55-3d1d7b1d2c11"
METADATA: dict[str, Any] = {
    "AWSAccountId": "123456789012",
    "KeyId": KEY_ID,
    "Arn": f"arn:aws:kms:{REGION}:123456789012:key/{KEY_ID}",
    "Enabled": True,
    "Description": "",
    "KeyUsage": "ENCRYPT_DECRYPT",
    "KeyState": "Enabled",
    "Origin": "AWS_KMS",
    "KeyManager": "CUSTOMER",
    "KeySpec": "SYMMETRIC_DEFAULT",
    "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
    "MultiRegion": False,
}


def _importer(name: str) -> Callable[[], Callable[[], None] | None]:
    """What a test suite imports for ``name``, as a function that imports it and returns
    the test (start, client, CreateKey, stop), or None where ``name`` has no such mode."""
    import boto3

    def floor() -> Callable[[], None]:
        from botocore.awsrequest import AWSResponse

        def test() -> None:
            body = json.dumps({"KeyMetadata": {**METADATA, "CreationDate": 1735689600.0}})

            class Raw:
                def stream(self, **kwargs: object) -> Any:
                    yield body.encode()

            # A before-send handler may return a response (the stub says None): Any.
            def answer(request: Any, **kwargs: object) -> Any:
                headers: Any = {"Content-Type": "application/x-amz-json-1.1"}
                return AWSResponse(request.url, 200, headers, Raw())

            client = boto3.client("kms", region_name=REGION)
            client.meta.events.register_first("before-send.kms", answer)
            client.create_key()

        return test

    def stubber() -> Callable[[], None]:
        from botocore.stub import Stubber

        def test() -> None:
            client = boto3.client("kms", region_name=REGION)
            created = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
            stub = Stubber(client)
            metadata = {**METADATA, "CreationDate": created}
            stub.add_response("create_key", {"KeyMetadata": metadata})
            with stub:
                client.create_key()

        return test

    def kms(fast: bool) -> Callable[[], Callable[[], None] | None]:
        def importer() -> Callable[[], None] | None:
            import kmsmock

            options: dict[str, Any] = {"fast": True} if fast else {}

            def test() -> None:
                with kmsmock.mock_kms(**options):
                    boto3.client("kms", region_name=REGION).create_key()

            return test

        return importer

    def moto() -> Callable[[], None]:
        from moto import mock_aws

        def test() -> None:
            with mock_aws():
                boto3.client("kms", region_name=REGION).create_key()

        return test

    importers: dict[str, Callable[[], Callable[[], None] | None]] = {
        "floor": floor,
        "Stubber": stubber,
        "kmsmock": kms(False),
        "fast": kms(True),
        "moto": moto,
    }
    if name not in importers:
        raise SystemExit(f"unknown implementation {name!r}")
    return importers[name]


def first_test(name: str, settled: bool) -> dict[str, float | bool]:
    """Import boto3, then what ``name`` needs; start it, make a client, CreateKey, stop.

    Timed from after ``import boto3``, importing the mock included. ``settled``: as a
    pytest worker runs its first test, timed from after the mock's import (a test module
    imports it at collection, and kmsmock's pytest plugin at start-up) and a garbage
    collection (pytest's start-up and collection allocate enough for a full one). Not
    settled, the process's first full collection, due after a fixed number of
    allocations, falls in whichever first test allocates past that point.
    """
    import boto3  # noqa: F401  (what every test suite imports; not timed)

    importer = _importer(name)
    if settled:
        test = importer()
        gc.collect()
        imported = time.perf_counter()
    else:
        imported = time.perf_counter()
        test = importer()
    if test is None:
        return {"missing": True}
    test()
    ended = time.perf_counter()
    return {"boto3": imported - STARTED, "test": ended - imported}


def _rss() -> int:
    """Resident set size in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory(name: str, journal: str, count: int) -> dict[str, float | bool]:
    """RSS growth per key over ``count`` CreateKey calls, allocator overhead included."""
    import boto3

    if name == "kmsmock":
        import kmsmock

        options: dict[str, Any] = {} if journal == "default" else {"journal": False}
        mock: Any = kmsmock.mock_kms(**options)
    else:
        from moto import mock_aws

        mock = mock_aws()
    with mock:
        client = boto3.client("kms", region_name=REGION)
        # The first calls load what later ones reuse (modules, caches).
        for _ in range(10):
            client.create_key()
        gc.collect()
        before = _rss()
        for _ in range(count):
            client.create_key()
        gc.collect()
        after = _rss()
    return {"bytes_per_key": (after - before) / count}


def main() -> None:
    mode, name, *rest = sys.argv[1:]
    if mode == "first-test":
        result = first_test(name, settled=rest == ["settled"])
    elif mode == "memory":
        result = memory(name, rest[0], int(rest[1]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
