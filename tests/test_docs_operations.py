"""docs/operations.md: its table is generated from ``kmsmock.coverage()``.

The table sits between two markers in the page; this module renders it and checks that
the page holds the current rendering. After a botocore that adds operations, rewrite it:

    KMSMOCK_WRITE_DOCS=1 .venv/bin/pytest tests/test_docs_operations.py
"""

from __future__ import annotations

import os
import pathlib
import re
from collections.abc import Mapping

import kmsmock

PAGE = pathlib.Path(__file__).resolve().parent.parent / "docs" / "operations.md"
START = (
    "<!-- generated from kmsmock.coverage() by tests/test_docs_operations.py; rewrite with "
    "KMSMOCK_WRITE_DOCS=1 .venv/bin/pytest tests/test_docs_operations.py -->"
)
END = "<!-- end of the generated table -->"
ROW = re.compile(r"^\| (\w+) \| (yes|not yet) \|$", re.M)


def render(coverage: Mapping[str, bool]) -> str:
    done = sum(coverage.values())
    rows = "".join(
        f"| {name} | {'yes' if coverage[name] else 'not yet'} |\n" for name in sorted(coverage)
    )
    return (
        f"{START}\n"
        f"{done} of the {len(coverage)} operations are implemented.\n\n"
        "| Operation | Implemented |\n"
        "|---|---|\n"
        f"{rows}"
        f"{END}"
    )


def _generated(page: str) -> str:
    assert page.count(START) == 1
    assert page.count(END) == 1
    return page[page.index(START) : page.index(END) + len(END)]


def test_operations_page_is_current() -> None:
    page = PAGE.read_text()
    model = kmsmock.coverage()
    if os.environ.get("KMSMOCK_WRITE_DOCS"):
        PAGE.write_text(page.replace(_generated(page), render(model)))
        page = PAGE.read_text()
    listed = {name: state == "yes" for name, state in ROW.findall(_generated(page))}
    # The page describes the model it was generated from. A botocore that adds an
    # operation kmsmock does not implement yet leaves the page true (its new row is
    # missing, not wrong); one that lacks a listed operation cannot check that row.
    # Every row that can be checked is, and every implemented operation must be listed.
    expected = {name: listed[name] for name in listed if name not in model}
    expected.update({name: done for name, done in model.items() if name in listed or done})
    assert _generated(page) == render(expected)
    assert set(kmsmock.implemented()) <= set(listed)


def test_render_lists_every_operation_once_in_order() -> None:
    table = render({"Sign": True, "Decrypt": True, "Future": False})
    assert ROW.findall(table) == [("Decrypt", "yes"), ("Future", "not yet"), ("Sign", "yes")]
    assert "2 of the 3 operations are implemented." in table
