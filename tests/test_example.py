"""The runnable example, and the benchmark's smoke run, keep working."""

from __future__ import annotations

import runpy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "key_rotation.py"
BENCH = ROOT / "benchmarks" / "bench.py"


def load_main() -> Callable[[], int]:
    namespace = runpy.run_path(str(EXAMPLE), run_name="key_rotation")
    return cast(Callable[[], int], namespace["main"])


@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(operation="GetKeyLastUsage")
def test_example_main_returns_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert load_main()() == 0
    output = capsys.readouterr().out
    assert "DisabledException" in output
    # The migration role is refused before its key policy gives it kms:ReEncryptFrom.
    assert (
        "migration refused as expected: AccessDeniedException (User: "
        "arn:aws:sts::123456789012:assumed-role/migration/kmsmock is not authorized to "
        "perform: kms:ReEncryptFrom on resource: arn:aws:kms:us-east-1:123456789012:key/"
    ) in output
    assert "because no resource-based policy allows the kms:ReEncryptFrom action)" in output
    # The time steps: rotation on demand, the old key's last use, deletion a week later.
    assert "rotated the new key on demand" in output
    assert "the old key was last used by ReEncrypt" in output
    assert "the kept old blob is unrecoverable (AccessDeniedException)" in output
    assert "all 4 records still decrypt: nothing depended on the old key" in output
    assert "OK: rotation complete" in output


@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(operation="GetKeyLastUsage")
def test_example_main_runs_twice_from_a_clean_mock() -> None:
    # Each run starts its own mock: no key or alias leaks from one run into the next.
    main = load_main()
    assert main() == 0
    assert main() == 0


@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
@pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")
@pytest.mark.needs_model(operation="GetKeyLastUsage")
def test_example_runs_as_a_script() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DisabledException" in result.stdout


# The benchmarks' smoke runs take 5-20 s each: CI runs them (--run-slow).
@pytest.mark.slow
def test_benchmark_quick_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    header = result.stdout.splitlines()[2].split()
    assert header[:6] == ["measure", "floor", "Stubber", "kmsmock", "fast", "moto"]
    # Every kind of measure made its row, each with a goal and a verdict.
    for row in (
        "Sign ECC_NIST_P256, 32 B (µs)",
        "per test, RSA_4096 key: start, client, CreateKey, Sign, stop",
        "first test in a fresh process, as a pytest worker runs it",
        "RSS growth over 500 CreateKey, journal=False (bytes)",
        "RSS growth over 500 CreateKey, default journal (bytes)",
    ):
        line = next(line for line in result.stdout.splitlines() if row in line)
        assert " ≤ " in line
        assert "PASS" in line or "MISS" in line


@pytest.mark.slow
def test_server_benchmark_quick_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "server_bench.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kmsmock/floor" in result.stdout
