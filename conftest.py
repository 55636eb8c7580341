"""Test-suite wide checks and options.

Every KMS response a test receives is validated against botocore's output shape, so
a response kmsmock encodes wrongly fails the test that saw it, whatever it asserts.

Tests marked ``slow`` (the fuzzing, the benchmarks' smoke runs, the real clients,
RSA-4096 key generation) are skipped unless pytest runs with ``--run-slow``, as CI does:
the default run is the quick contributor loop, CI's is the whole suite.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore import handlers
from botocore.model import OperationModel
from botocore.validate import ParamValidator

RUN_SLOW = "--run-slow"
SLOW_REASON = f"slow: run with {RUN_SLOW} (as CI does: .venv/bin/pytest -n 2 {RUN_SLOW})"


def _validate_response(
    http_response: Any, parsed: dict[str, Any], model: OperationModel, **kwargs: Any
) -> None:
    if http_response.status_code != 200 or model.output_shape is None:
        return
    document = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
    report = ParamValidator().validate(document, model.output_shape)
    if report.has_errors():
        raise AssertionError(
            f"{model.name} response breaks its output shape:\n{report.generate_report()}"
        )


_SPEC = ("after-call.kms", _validate_response)
if _SPEC not in handlers.BUILTIN_HANDLERS:
    handlers.BUILTIN_HANDLERS.append(_SPEC)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        RUN_SLOW,
        action="store_true",
        default=False,
        help="also run the tests marked slow (fuzzing, benchmark smoke runs, real "
        "clients, RSA-4096); CI does",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"slow: an expensive test, skipped unless pytest runs with {RUN_SLOW} (CI does)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption(RUN_SLOW):
        return
    skip = pytest.mark.skip(reason=SLOW_REASON)
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)
