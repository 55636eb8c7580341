"""The README's quick start is what CI runs."""

from __future__ import annotations

import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_readme_test_command_is_the_one_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"```sh\n(.+?)\n```", readme)
    assert len(commands) == 2
    _example, tests = commands
    # The README installs into .venv and then runs the checks; CI runs the same checks.
    checks = tests.split("&& ", 2)[2]
    assert checks.startswith(".venv/bin/ruff check .")
    assert checks in ci


def test_readme_example_command_runs_the_example_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    example = re.findall(r"```sh\n(.+?)\n```", readme)[0]
    assert example.endswith(".venv/bin/python examples/key_rotation.py")
    assert ".venv/bin/python examples/key_rotation.py" in ci


def test_readme_authorization_examples_run_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Principals, key policies and grants", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.+?)```", section, re.S)
    assert len(blocks) == 3
    exec(compile("\n".join(blocks), "README.md", "exec"), {})
    # The first example prints the refusal it describes.
    assert "because no identity-based policy allows the kms:Decrypt action" in (
        capsys.readouterr().out
    )


def test_readme_lifecycle_example_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Key lifecycle", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.+?)```", section, re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], "README.md", "exec"), {})
    assert capsys.readouterr().out == "gone for good: AccessDeniedException\n"


def test_readme_asymmetric_example_runs_as_written() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Asymmetric, HMAC and key-agreement keys", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.+?)```", section, re.S)
    assert len(blocks) == 1
    # Its asserts and the local signature check are the test.
    exec(compile(blocks[0], "README.md", "exec"), {})


def test_ci_stops_when_any_readme_check_fails(tmp_path: pathlib.Path) -> None:
    # Under `set -e`, a failure before the end of an && chain would not stop the script;
    # CI keeps the chain in a function, whose non-zero status does. Run that structure
    # with the first check failing.
    ci = (ROOT / ".ci" / "run").read_text()
    body = ci.split("readme_tests() {", 1)[1].split("}", 1)[0]
    assert ".venv/bin/pytest -n 2" in body
    assert "\nreadme_tests\n" in ci
    script = tmp_path / "ci.sh"
    script.write_text(
        "set -euo pipefail\nreadme_tests() {\n  false && true\n}\nreadme_tests\necho reached\n"
    )
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "reached" not in result.stdout


def _section_blocks(heading: str) -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split(heading, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.+?)```", section, re.S)


def test_readme_server_and_raw_http_examples_run_as_written() -> None:
    blocks = _section_blocks("## Any client: a server, async clients, raw HTTP")
    assert len(blocks) == 4
    # The async example runs where aiobotocore is installed (tests/test_async.py).
    runnable = [block for block in blocks if "aiobotocore" not in block]
    assert len(runnable) == 3
    for block in runnable:
        exec(compile(block, "README.md", "exec"), {})
