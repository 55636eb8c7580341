"""Test-suite wide checks.

Every KMS response a test receives is validated against botocore's output shape, so
a response kmsmock encodes wrongly fails the test that saw it, whatever it asserts.
"""

from __future__ import annotations

from typing import Any

from botocore import handlers
from botocore.model import OperationModel
from botocore.validate import ParamValidator


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
