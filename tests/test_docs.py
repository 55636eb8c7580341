"""The README's commands are what CI runs, and every shell command in the docs is covered.

The Python examples are tests/test_docs_snippets.py's; the operations table is
tests/test_docs_operations.py's. The site itself is built by .ci/docs.
"""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from tests.test_docs_snippets import snippets

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

# Every shell block of README.md and docs/, and what checks it: a block not listed here
# (or listed but gone) fails test_every_shell_command_is_accounted_for.
WHEEL = (
    "pip wheel --no-deps -w dist /path/to/kmsmock && "
    "pip install dist/kmsmock-0.1.0-py3-none-any.whl"
)
SHELL = {
    ("README.md", "pip install /path/to/kmsmock"): "the Quick start commands install the same way",
    ("README.md", WHEEL): "test_readme_wheel_is_the_one_the_clone_builds",
    (
        "README.md",
        "python3 -m venv .venv && .venv/bin/pip install -q -e . boto3 && "
        ".venv/bin/python examples/key_rotation.py",
    ): "test_readme_example_command_runs_the_example_ci_runs",
    (
        "README.md",
        "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test,lint]' && "
        ".venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy && "
        ".venv/bin/pytest -n 2 --run-slow",
    ): "test_readme_test_command_is_the_one_ci_runs",
    (
        "server.md",
        "kmsmock serve --port 4599 &\n"
        "aws kms create-key --endpoint-url http://127.0.0.1:4599 --region eu-west-1",
    ): "tests/test_cli.py (serve) and tests/test_real_clients.py (the AWS CLI)",
    (
        "asymmetric.md",
        "mkdir -p .kmsmock-keys\nKMSMOCK_KEY_CACHE=.kmsmock-keys pytest -n 2",
    ): "tests/test_key_pool.py (the variable, read by a new process)",
}


# As the README says, with pip's build isolation (which fetches the build backend).
PIP_WHEEL = (sys.executable, "-m", "pip", "wheel", "--no-deps", "-q")


def _quick_start() -> list[str]:
    section = README.read_text().split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_quick_start_has_the_two_commands() -> None:
    assert len(_quick_start()) == 2


def test_readme_test_command_is_the_one_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    _example, tests = _quick_start()
    venv, install, checks = tests.split(" && ", 2)
    assert venv == "python3 -m venv .venv"
    assert install == ".venv/bin/pip install -q -e '.[test,lint]'"
    assert "-e '.[test,lint]'" in ci
    # CI runs the same checks, in the same order, with the slow tests.
    assert checks.startswith(".venv/bin/ruff check .")
    assert checks.endswith("--run-slow")
    assert checks in ci


def test_readme_example_command_runs_the_example_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    example, _tests = _quick_start()
    assert example.endswith(".venv/bin/python examples/key_rotation.py")
    assert ".venv/bin/python examples/key_rotation.py" in ci


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


def test_readme_is_a_front_page() -> None:
    text = README.read_text()
    assert len(text.splitlines()) <= 250
    # No release is published: the README claims no install from a package index.
    assert not re.search(r"pip install (-U )?kmsmock\b", text)
    # Its links to the docs point at pages that exist.
    for target in re.findall(r"\]\((docs/[^)#]+)", text):
        assert (ROOT / target).is_file(), target


def test_every_shell_command_is_accounted_for() -> None:
    found = {(s.path.name, s.code.rstrip("\n")) for s in snippets("sh")}
    assert found == set(SHELL)


@pytest.mark.slow
def test_readme_wheel_is_the_one_the_clone_builds(tmp_path: pathlib.Path) -> None:
    # Built from a copy, so the build leaves nothing in the work tree.
    source = tmp_path / "kmsmock"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source)
    shutil.copytree(ROOT / "kmsmock", source / "kmsmock", ignore=shutil.ignore_patterns("*.pyc"))
    dist = tmp_path / "dist"
    result = subprocess.run(
        [*PIP_WHEEL, "-w", str(dist), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    wheel = WHEEL.rsplit("dist/", 1)[1]
    assert [p.name for p in dist.iterdir()] == [wheel]


def test_site_navigation_lists_every_page() -> None:
    config = (ROOT / "mkdocs.yml").read_text()
    listed = re.findall(r"^  - [^:\n]+: (\S+\.md)$", config, re.M)
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md") if p.name != "authspec.md")
    assert sorted(listed) == pages
    assert "authspec.md" in config.split("exclude_docs:", 1)[1].split("\n\n", 1)[0]


def test_license_is_apache_2() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text()
