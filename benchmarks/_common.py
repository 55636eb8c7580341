"""What every part of the benchmark shares: settings, constants and the timing loop."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

REGION = "us-east-1"
# ListKeys is measured in a region of its own, holding exactly LIST_KEYS keys.
LIST_REGION = "us-west-2"
LIST_KEYS = 1000
ACCOUNT = "123456789012"
PLAINTEXT_32 = os.urandom(32)
PLAINTEXT_4K = os.urandom(4096)
MESSAGE_32 = os.urandom(32)

# The goals of issue 14.
PER_CALL_GOAL = 1.10  # kmsmock / floor, per call
PER_TEST_GOAL = 1.10  # kmsmock / floor, per test
FIRST_TEST_GOAL = 1.3  # kmsmock / floor, the first test of a fresh process
FAST_GOAL = 1.3  # kmsmock fast mode / Stubber floor
RSA_TEST_GOAL = 2.0  # a test with an RSA_4096 key / the same test with a symmetric key
MEMORY_GOAL = 1024  # bytes of RSS per symmetric key


@dataclass(frozen=True)
class Settings:
    reps: int
    calls: int  # per batch, for most per-call measures
    create_calls: int  # per batch, for CreateKey (moto's takes ~0.1 s, ~1 s for RSA_4096)
    first_use_calls: int  # per batch, for a new key's first use (RSA_4096: key generation)
    list_calls: int  # per batch, for ListKeys over 1,000 keys
    per_test: int  # samples per repetition
    rsa_test_reps: int  # repetitions of the RSA_4096 test (moto generates a key in each)
    fresh_reps: int  # fresh processes per implementation, for the first test
    memory_keys: int  # CreateKey calls in the RSS measure
    moto_memory_keys: int  # moto generates an RSA-2048 key per symmetric key; 0: skipped
    scale_keys: int  # ListKeys over this many keys: mean page against first page
    scale_first_calls: int  # per repetition, for the first page at that scale
    full_listing_keys: int  # listed whole, page by page, at the default page size
    scale_reps: int
    # moto's measures that take seconds each (an RSA_4096 key generated at CreateKey, a
    # fresh process importing moto): a quick run leaves them out.
    moto_slow: bool = True


FULL = Settings(
    reps=15,
    calls=30,
    create_calls=4,
    first_use_calls=2,
    list_calls=6,
    per_test=2,
    rsa_test_reps=8,
    fresh_reps=10,
    memory_keys=10_000,
    moto_memory_keys=200,
    scale_keys=10_000,
    scale_first_calls=20,
    full_listing_keys=100_000,
    scale_reps=3,
)
QUICK = Settings(
    reps=2,
    calls=6,
    create_calls=1,
    first_use_calls=1,
    list_calls=2,
    per_test=1,
    rsa_test_reps=1,
    fresh_reps=1,
    memory_keys=500,
    moto_memory_keys=0,
    scale_keys=1_000,
    scale_first_calls=3,
    full_listing_keys=2_000,
    scale_reps=1,
    moto_slow=False,
)


_STARTED = time.perf_counter()


def progress(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:5.1f} s] {message}", file=sys.stderr, flush=True)


def time_calls(
    call: Callable[[], object], count: int, setup: Callable[[], object] | None = None
) -> list[int]:
    """``count`` calls of ``call``, each timed on its own (ns); ``setup`` runs untimed."""
    samples = []
    for _ in range(count):
        if setup is not None:
            setup()
        start = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - start)
    return samples


T = TypeVar("T")


def rotated(items: Sequence[T], rep: int) -> list[T]:
    """``items`` in the order of repetition ``rep``: each one leads in turn."""
    shift = rep % len(items)
    return [*items[shift:], *items[:shift]]
