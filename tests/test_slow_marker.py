"""The ``slow`` marker: skipped, with the way to run it, unless pytest has ``--run-slow``.

The option and the marker live in the root conftest.py; these tests run a copy of it
in a pytester directory, so that what is checked is the file the suite runs with.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore import handlers

ROOT_CONFTEST = Path(__file__).resolve().parent.parent / "conftest.py"

TESTS = """
import pytest

@pytest.mark.slow
def test_slow():
    pass

@pytest.mark.slow
class TestSlowClass:
    def test_in_a_slow_class(self):
        pass

@pytest.mark.parametrize("size", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_sizes(size):
    pass

def test_quick():
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    # The copy's import registers its response validator in botocore's handler list once
    # more: into a throwaway list, so that the suite's own sessions do not collect copies.
    monkeypatch.setattr(handlers, "BUILTIN_HANDLERS", list(handlers.BUILTIN_HANDLERS))
    pytester.makeconftest(ROOT_CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(TESTS)
    return pytester


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # --strict-markers as the project's configuration has it: an unregistered marker fails.
    return pytester.runpytest(
        "--strict-markers", "-p", "no:cacheprovider", "-p", "no:asyncio", "-rs", *args
    )


def test_slow_tests_are_skipped_by_default_with_how_to_run_them(suite: pytest.Pytester) -> None:
    result = _run(suite, "-v")
    result.assert_outcomes(passed=2, skipped=3)
    result.stdout.fnmatch_lines_random(
        [
            "*::test_slow SKIPPED*",
            "*::TestSlowClass::test_in_a_slow_class SKIPPED*",
            "*::test_sizes?2? SKIPPED*",
            "*::test_sizes?1? PASSED*",
            "*::test_quick PASSED*",
        ]
    )
    reasons = [line for line in result.stdout.lines if line.startswith("SKIPPED [1] ")]
    assert len(reasons) == 3, reasons
    for line in reasons:
        assert line.endswith(
            ": slow: run with --run-slow (as CI does: .venv/bin/pytest -n 2 --run-slow)"
        ), line


def test_run_slow_runs_every_test(suite: pytest.Pytester) -> None:
    result = _run(suite, "--run-slow")
    result.assert_outcomes(passed=5)


def test_the_marker_is_registered_with_its_meaning(suite: pytest.Pytester) -> None:
    result = _run(suite, "--markers")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["@pytest.mark.slow: *skipped unless pytest runs with --run-slow*"])


def test_the_option_is_in_the_help(suite: pytest.Pytester) -> None:
    result = _run(suite, "--help")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*--run-slow*also run the tests marked slow*"])
