"""Every botocore that pyproject admits (issue 12): kmsmock simulates the KMS that the
installed botocore's model describes.

Operations and parameters the model lacks are absent: a raw request for such an
operation is answered UnknownOperationException, a response member the model lacks is
left out. These tests hold on every model; .ci/botocore-range runs the suite on the
oldest admitted botocore, where they meet the operations and members added since.
Tests that need a newer model's feature say so with ``needs_model`` (tests/conftest.py),
pinned here too.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import botocore
import pytest
from botocore.model import ListShape, MapShape, Shape, StructureShape

import kmsmock
from kmsmock import _dispatch
from kmsmock._model import service_model
from tests.conftest import ModelFeature, needed_features

if TYPE_CHECKING:
    from kmsmock import MockKMS

URL = "https://kms.us-east-1.amazonaws.com/"
AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261204/us-east-1/kms/aws4_request, "
    "SignedHeaders=host, Signature=0"
)
# No model has it: kmsmock with a handler for it is kmsmock ahead of the installed model.
TOMORROW = "AnOperationOfTomorrow"
RUN_OPTIONS = ("-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:randomly")
CONFTEST = (
    "from tests.conftest import "
    "pytest_collection_modifyitems, pytest_configure, pytest_runtest_setup"
)


def _raw(kms: MockKMS, operation: str, document: dict[str, Any]) -> tuple[int, Any]:
    headers = {
        "X-Amz-Target": f"TrentService.{operation}",
        "Content-Type": "application/x-amz-json-1.1",
        "Authorization": AUTHORIZATION,
    }
    status, _, body = kms.handle("POST", URL, headers, json.dumps(document).encode())
    return status, json.loads(body)


def _outside(document: Any, shape: Shape | None, path: str = "") -> list[str]:
    """What ``document`` holds that ``shape`` has no member for, as paths."""
    if shape is None:
        return [f"{path or 'the response'} (no output shape)"] if document else []
    if isinstance(shape, StructureShape):
        return [
            found
            for name, value in document.items()
            for found in (
                _outside(value, shape.members[name], f"{path}.{name}")
                if name in shape.members
                else [f"{path}.{name}"]
            )
        ]
    if isinstance(shape, ListShape):
        return [f for i, v in enumerate(document) for f in _outside(v, shape.member, f"{path}.{i}")]
    if isinstance(shape, MapShape):
        return [f for k, v in document.items() for f in _outside(v, shape.value, f"{path}.{k}")]
    return []


# -- operations: those the model lacks are unknown ---------------------------------------


def test_an_operation_the_model_lacks_is_unknown_over_a_raw_request(
    kms: MockKMS, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(_dispatch._REGISTERED, TOMORROW, lambda req: {"KeyId": "k"})
    model = set(service_model().operation_names)
    # Where botocore's model is older than kmsmock's, its real handlers for operations
    # added since (on botocore 1.36: Encapsulate, Decapsulate, GetKeyLastUsage) too.
    ahead = sorted(name for name in {*_dispatch._MODULE_OF, TOMORROW} if name not in model)
    assert TOMORROW in ahead
    for name in ahead:
        status, body = _raw(kms, name, {"KeyId": "alias/any"})
        assert (name, status, body) == (name, 400, {"__type": "UnknownOperationException"})
        # Neither answered nor listed as done: coverage() lists the model's operations.
        assert name not in kmsmock.implemented()
        assert name not in kmsmock.coverage()
    assert [call.error for call in kms.calls] == ["UnknownOperationException"] * len(ahead)


def test_implemented_is_the_done_part_of_the_models_coverage() -> None:
    coverage = kmsmock.coverage()
    assert sorted(coverage) == sorted(service_model().operation_names)
    assert kmsmock.implemented() == sorted(name for name, done in coverage.items() if done)


# -- members: those the model lacks are left out of responses ----------------------------


def test_responses_hold_only_members_of_the_installed_model(kms: MockKMS) -> None:
    model = service_model()
    calls: list[tuple[str, dict[str, Any]]] = [("CreateKey", {})]
    status, created = _raw(kms, *calls[0])
    assert status == 200
    key_id = created["KeyMetadata"]["KeyId"]
    status, external = _raw(kms, "CreateKey", {"Origin": "EXTERNAL"})
    assert status == 200
    blob = _raw(kms, "Encrypt", {"KeyId": key_id, "Plaintext": "cGxhaW4="})[1]["CiphertextBlob"]
    # Each answers members added since botocore 1.36 (KeyMaterialId and the like) where
    # the model has them; DeleteImportedKeyMaterial had no output shape at all in 1.36.
    calls += [
        ("DescribeKey", {"KeyId": key_id}),
        ("GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256"}),
        ("GenerateDataKeyWithoutPlaintext", {"KeyId": key_id, "NumberOfBytes": 16}),
        ("GenerateDataKeyPair", {"KeyId": key_id, "KeyPairSpec": "ECC_NIST_P256"}),
        ("Decrypt", {"CiphertextBlob": blob}),
        ("ReEncrypt", {"CiphertextBlob": blob, "DestinationKeyId": key_id}),
        ("RotateKeyOnDemand", {"KeyId": key_id}),
        ("ListKeyRotations", {"KeyId": key_id}),
        ("DeleteImportedKeyMaterial", {"KeyId": external["KeyMetadata"]["KeyId"]}),
    ]
    for operation, parameters in calls:
        status, document = _raw(kms, operation, parameters)
        assert (operation, status) == (operation, 200), document
        output = model.operation_model(operation).output_shape
        assert (operation, _outside(document, output)) == (operation, [])


def test_a_request_member_the_model_lacks_is_not_a_parameter(kms: MockKMS) -> None:
    # What the model does not have is absent: kmsmock does not read it (boto3 of that
    # model cannot send it; a raw request's member of a newer model is ignored).
    status, created = _raw(kms, "CreateKey", {"ColourOfTomorrow": "blue"})
    assert status == 200
    assert created["KeyMetadata"]["KeyState"] == "Enabled"


# -- the needs_model mark ----------------------------------------------------------------


def test_needs_model_skips_what_the_installed_model_lacks(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.needs_model(operation="CreateKey")
        @pytest.mark.needs_model(member="KeyMetadata.KeyState")
        @pytest.mark.needs_model(enum="KeySpec.SYMMETRIC_DEFAULT")
        def test_present():
            pass

        @pytest.mark.needs_model(operation="AnOperationOfTomorrow")
        def test_operation():
            pass

        @pytest.mark.needs_model(member="KeyMetadata.ColourOfTomorrow")
        @pytest.mark.needs_model(enum="KeySpec.RSA_8192")
        def test_member_and_value():
            pass

        @pytest.mark.needs_model(member="ShapeOfTomorrow.Colour")
        def test_shape():
            pass

        @pytest.mark.needs_model(enum="KeySpec", param="spec")
        @pytest.mark.parametrize("spec", ["RSA_2048", "RSA_8192"])
        def test_each_spec(spec):
            pass
        """
    )
    result = pytester.runpytest("-rs", *RUN_OPTIONS)
    result.assert_outcomes(passed=2, skipped=4)
    # The reason names what is missing and the botocore whose model lacks it.
    lacks = f"which botocore {botocore.__version__}'s lacks"
    result.stdout.fnmatch_lines_random(
        [
            f"SKIPPED * needs the KMS model's operation AnOperationOfTomorrow, {lacks}",
            "SKIPPED * needs the KMS model's enum value KeySpec.RSA_8192, "
            f"member KeyMetadata.ColourOfTomorrow, {lacks}",
            f"SKIPPED * needs the KMS model's member ShapeOfTomorrow.Colour, {lacks}",
            f"SKIPPED * needs the KMS model's enum value KeySpec.RSA_8192, {lacks}",
        ]
    )


@pytest.mark.parametrize(
    ("mark", "error"),
    [
        ('needs_model("GetKeyLastUsage")', "use needs_model(operation=NAME"),
        ('needs_model(operation="A", enum="B.C")', "use needs_model(operation=NAME"),
        ('needs_model(operation="get_key_last_usage")', "use needs_model(operation=NAME"),
        ('needs_model(member="KeyMetadata")', "use needs_model(operation=NAME"),
        ('needs_model(member="KeySpec.RSA_2048")', "KeySpec is not a structure"),
        ('needs_model(enum="KeyMetadata.KeyId")', "KeyMetadata is not an enum"),
        ('needs_model(enum="KeySpec", param="colour")', "param names a string parameter"),
    ],
)
def test_a_misused_needs_model_is_an_error(
    pytester: pytest.Pytester, mark: str, error: str
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(f"import pytest\n\n@pytest.mark.{mark}\ndef test_it():\n    pass\n")
    result = pytester.runpytest(*RUN_OPTIONS)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*{error}*"])


def test_kmsmocks_own_model_has_every_feature_a_test_needs(request: pytest.FixtureRequest) -> None:
    # A needs_model mark naming what no model has (a misspelling) would skip its test
    # everywhere, silently: on kmsmock's own model, where the main CI runs, nothing a
    # collected test needs may be missing.
    if _dispatch.model_predates_kmsmock():
        pytest.skip(f"botocore {botocore.__version__}'s model predates kmsmock's")
    model = service_model()
    missing: dict[str, list[ModelFeature]] = {}
    for item in request.session.items:
        lacking = [f for f in needed_features(item) if not f.in_model(model)]
        if lacking:
            missing[item.nodeid] = lacking
    assert missing == {}
