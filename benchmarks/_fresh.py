"""The measures that need a fresh process: the first test, and memory per key.

Each runs ``_child.py`` in a new interpreter (with the same environment: fake
credentials), which prints its result as JSON.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

from _common import Settings, progress, rotated

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_child.py")


def _child(*arguments: str) -> tuple[dict[str, float | bool], float]:
    """Run the child with ``arguments``: its JSON result and the process's wall time."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, CHILD, *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"_child.py {' '.join(arguments)} failed:\n{result.stderr}")
    document: dict[str, float | bool] = json.loads(result.stdout.splitlines()[-1])
    return document, wall


@dataclass
class FirstTests:
    """Per implementation, seconds: the first test after ``import boto3`` (import the
    mock, start, client, CreateKey, stop), in a process that collected its garbage after
    ``import boto3`` (``settled``, as a pytest worker's is) and in one that did not
    (``test``); ``import boto3`` itself, and the wall time of the whole process; and the
    wall time of an interpreter that does nothing."""

    settled: dict[str, list[float]] = field(default_factory=dict)
    test: dict[str, list[float]] = field(default_factory=dict)
    boto3: dict[str, list[float]] = field(default_factory=dict)
    wall: dict[str, list[float]] = field(default_factory=dict)
    interpreter: list[float] = field(default_factory=list)

    def median(self, name: str, which: str = "test") -> float | None:
        samples = getattr(self, which).get(name)
        return statistics.median(samples) if samples else None


def first_tests(names: list[str], settings: Settings) -> FirstTests:
    """Every implementation's first test in a fresh process, interleaved: each
    repetition starts one process per implementation, in a rotating order (moto's
    only if ``moto_slow``)."""
    if not settings.moto_slow:
        names = [name for name in names if name != "moto"]
    found = FirstTests()
    for rep in range(settings.fresh_reps):
        progress(f"first test in a fresh process: repetition {rep + 1}/{settings.fresh_reps}")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        found.interpreter.append(time.perf_counter() - started)
        for name in rotated(names, rep):
            document, wall = _child("first-test", name)
            if document.get("missing"):
                continue
            found.test.setdefault(name, []).append(float(document["test"]))
            found.boto3.setdefault(name, []).append(float(document["boto3"]))
            found.wall.setdefault(name, []).append(wall)
            settled, _ = _child("first-test", name, "settled")
            found.settled.setdefault(name, []).append(float(settled["test"]))
    return found


def bytes_per_key(name: str, journal: str, count: int) -> float | None:
    """RSS growth per key over ``count`` CreateKey calls in a fresh process."""
    if count <= 0:
        return None
    progress(f"memory: {name}, journal {journal}, {count:,} keys")
    document, _ = _child("memory", name, journal, str(count))
    return float(document["bytes_per_key"])
