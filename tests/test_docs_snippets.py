"""Every Python example in README.md and docs/ runs, passes ``mypy --strict`` and ruff.

An example that defines tests (``def test_...``, ``class Test...``) runs as a test file
through ``pytester``, where the plugin's fixture and marker exist; any other runs as a
script. Examples are self-contained: each has its own imports, as a reader copies it.
docs/authspec.md is the authorization contract the tests cite, not a page of the site,
and its fragments are not meant to run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import io
import json
import os
import pathlib
import re
import subprocess
import sys
import traceback
from collections.abc import Callable
from xml.etree import ElementTree

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOT_A_PAGE = {"authspec.md"}
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)
DEFINES_TESTS = re.compile(r"^\s*(?:async\s+)?def test|^class Test", re.M)
# Warnings are errors, as in this suite. pytest-asyncio is off: no example needs it, and
# without a configuration it warns about its loop scope.
INNER_PYTEST = ("-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:asyncio", "-W", "error")


@dataclasses.dataclass(frozen=True)
class Snippet:
    path: pathlib.Path
    line: int
    language: str
    code: str

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def module(self) -> str:
        return f"snippet_{self.path.stem.lower()}_{self.line}"

    @property
    def defines_tests(self) -> bool:
        return DEFINES_TESTS.search(self.code) is not None


def documents() -> list[pathlib.Path]:
    pages = sorted(p for p in (ROOT / "docs").glob("*.md") if p.name not in NOT_A_PAGE)
    return [ROOT / "README.md", *pages]


def snippets(language: str | None = None) -> list[Snippet]:
    found = []
    for path in documents():
        text = path.read_text()
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(Snippet(path, line, match.group(1), match.group(2)))
    return [s for s in found if language is None or s.language == language]


PYTHON = snippets("python")


def _checks_of_printed_output() -> dict[str, Callable[[str], bool]]:
    # Each example that prints, by a line of its own, and what it must print.
    return {
        'print(error.response["Error"]["Message"])\n        # User:': lambda out: (
            "User: arn:aws:sts::123456789012:assumed-role/app/kmsmock is not authorized to "
            "perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:123456789012:key/"
            in out
            and out.endswith("because no identity-based policy allows the kms:Decrypt action\n")
        ),
        'print("gone for good:"': lambda out: out == "gone for good: AccessDeniedException\n",
        "await client.encrypt(": lambda out: out.strip().endswith(" is disabled."),
        "print(kms.explain(kms.calls[-1]))": lambda out: (
            out.startswith("Decrypt by arn:aws:iam::123456789012:user/alice:\n")
            and out.endswith(
                " by an explicit Deny: statement 'NoDecryptForAlice' of the key policy. "
                "An explicit Deny always wins.\n"
            )
        ),
    }


def test_examples_are_found_and_all_fenced_at_the_margin() -> None:
    # An indented fence (inside a list or an admonition) would escape the extraction.
    for path in documents():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not re.match(r"\s+```", line), f"{path.name}:{number}: indented fence"
    pages = {s.path.name for s in PYTHON}
    assert {"README.md", "guide.md", "authorization.md", "lifecycle.md", "server.md"} <= pages
    assert {s.language for s in snippets()} <= {"python", "sh"}


def test_every_printing_example_has_its_output_checked() -> None:
    checks = _checks_of_printed_output()
    for snippet in PYTHON:
        if "print(" in snippet.code:
            assert sum(key in snippet.code for key in checks) == 1, snippet.name
    for key in checks:
        assert sum(key in s.code for s in PYTHON) == 1, key


def _subprocess_environment() -> dict[str, str]:
    # The examples run as a reader runs them: in a process of their own, without this
    # session's options or xdist's variables.
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST_", "AWS_")) and name != "KMSMOCK_FUZZ_EXAMPLES"
    }


def _run_scripts(listing: str, report: str) -> None:
    """Run the examples named in ``listing`` (JSON), one after the other, each in fresh
    globals, and write each one's printed output or traceback to ``report`` (JSON)."""
    results = {}
    for name, code in json.loads(pathlib.Path(listing).read_text()):
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(code, name, "exec"), {"__name__": "__main__"})
            results[name] = {"out": out.getvalue()}
        except BaseException:
            results[name] = {"out": out.getvalue(), "error": traceback.format_exc()}
    pathlib.Path(report).write_text(json.dumps(results))


# docs/lifecycle.md reads Decrypt's KeyMaterialId.
@pytest.mark.needs_model(member="DecryptResponse.KeyMaterialId")
def test_script_examples_run(tmp_path: pathlib.Path) -> None:
    # Run in one subprocess: an example run in this process could meet modules that
    # an in-process pytester run of another test unloaded and reloaded.
    scripts = [s for s in PYTHON if not s.defines_tests]
    if importlib.util.find_spec("aiobotocore") is None:
        # Run in .ci/async-tests' environments by tests/test_async.py.
        scripts = [s for s in scripts if "aiobotocore" not in s.code]
    listing, report = tmp_path / "listing.json", tmp_path / "report.json"
    listing.write_text(json.dumps([(s.name, s.code) for s in scripts]))
    command = (
        "from tests.test_docs_snippets import _run_scripts; "
        f"_run_scripts({str(listing)!r}, {str(report)!r})"
    )
    subprocess.run(
        [sys.executable, "-c", command],
        cwd=ROOT,
        env=_subprocess_environment(),
        check=True,
        timeout=600,
    )
    results = json.loads(report.read_text())
    assert sorted(results) == sorted(s.name for s in scripts)
    failures = [
        f"{name}:\n{result['error']}" for name, result in results.items() if "error" in result
    ]
    assert not failures, "\n".join(failures)
    for snippet in scripts:
        out = results[snippet.name]["out"]
        for key, check in _checks_of_printed_output().items():
            if key in snippet.code:
                assert check(out), f"{snippet.name} printed {out!r}"


def test_test_examples_pass(tmp_path: pathlib.Path) -> None:
    # Each example that defines tests is a test file; pytest runs them all at once, in a
    # process of its own, with the plugin loaded as any project loads it.
    examples = {f"test_{s.module}": s for s in PYTHON if s.defines_tests}
    for module, snippet in examples.items():
        (tmp_path / f"{module}.py").write_text(snippet.code)
    report = tmp_path / "report.xml"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *INNER_PYTEST, f"--junitxml={report}", "-q"],
        cwd=tmp_path,
        env=_subprocess_environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    cases = ElementTree.parse(report).getroot().iter("testcase")
    passed: dict[str, int] = dict.fromkeys(examples, 0)
    for case in cases:
        module = case.get("classname", "").split(".")[0]
        if len(case) == 0:  # no failure, error or skip element
            passed[module] += 1
    expected = {
        module: len(re.findall(r"^\s*(?:async\s+)?def test", snippet.code, re.M))
        for module, snippet in examples.items()
    }
    assert passed == expected, result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr


def _write(directory: pathlib.Path) -> list[str]:
    files = []
    for snippet in PYTHON:
        path = directory / f"{snippet.module}.py"
        path.write_text(snippet.code)
        files.append(str(path))
    return files


@pytest.mark.slow
def test_examples_pass_mypy_strict(tmp_path: pathlib.Path) -> None:
    from mypy import api

    files = _write(tmp_path)
    # The project's configuration, for its overrides (moto, aiobotocore), and its cache,
    # which the project's own mypy run has warmed with boto3's stubs.
    stdout, stderr, status = api.run(
        [
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            *files,
        ]
    )
    assert status == 0, stdout + stderr


def test_examples_pass_ruff(tmp_path: pathlib.Path) -> None:
    files = _write(tmp_path)
    config = ("--config", str(ROOT / "pyproject.toml"))
    # SIM118 as for tests/ and examples/: MockKMS.keys() is a method returning a list.
    # PT009 and PT027: a unittest.TestCase example asserts as unittest users do.
    check = ["check", *config, "--extend-ignore", "SIM118,PT009,PT027"]
    for command in (check, ["format", "--check", "--diff", *config]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, *files],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        assert result.returncode == 0, result.stdout + result.stderr
