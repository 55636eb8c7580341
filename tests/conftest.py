from __future__ import annotations

import dataclasses
import os
import re
from typing import TYPE_CHECKING

import boto3
import botocore
import pytest
from botocore.config import Config
from botocore.model import NoShapeFoundError, ServiceModel, StringShape, StructureShape
from hypothesis import settings

from kmsmock._model import service_model

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

# Property tests run many boto3 calls per example: no per-example deadline, and in CI a
# fixed seed so a run is reproducible.
settings.register_profile("kmsmock", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "kmsmock")


# -- needs_model: a test of a KMS feature the installed botocore's model may lack --------
#
# pyproject admits every botocore from 1.36 on, and kmsmock simulates the KMS that the
# installed model describes: an operation, structure member or enum value added since is
# absent there (boto3 cannot send it, a raw request for an absent operation is answered
# UnknownOperationException, a response member is left out). A test that needs one says
# so, and skips on a model without it, as the loaded model shows (never a version number):
#
#   @pytest.mark.needs_model(operation="GetKeyLastUsage")
#   @pytest.mark.needs_model(member="KeyMetadata.CurrentKeyMaterialId")  # Shape.Member
#   @pytest.mark.needs_model(enum="KeySpec.ML_DSA_44")  # Shape.VALUE
#   @pytest.mark.needs_model(enum="KeySpec", param="spec")  # KeySpec.<the parameter spec>
#
# (param works with member="Shape" too.) One feature a mark: a test that needs several
# has several marks. A shape the model lacks lacks its members and values too. A test
# may need nothing that kmsmock's own model (the newest botocore's, the main CI's) lacks:
# tests/test_model_versions.py fails there on a mark naming what no model has (a
# misspelt name would otherwise skip its test everywhere).

NEEDS_MODEL = (
    "needs_model(operation=NAME | member='Shape.Member' | enum='Shape.VALUE'): skip the "
    "test where the installed botocore's KMS model lacks the operation, structure member "
    "or enum value; member='Shape' or enum='Shape' with param=ARGUMENT takes the member "
    "or value from the test's parameter ARGUMENT; see tests/conftest.py"
)
_KINDS = {"operation": "operation", "member": "member", "enum": "enum value"}
_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")
_ITEM = re.compile(r"[A-Z][A-Za-z0-9]*\.[A-Za-z0-9_]+")


@dataclasses.dataclass(frozen=True)
class ModelFeature:
    """An operation, structure member or enum value of botocore's KMS model."""

    kind: str  # "operation", "member" or "enum value"
    name: str  # "GetKeyLastUsage", "KeyMetadata.CurrentKeyMaterialId", "KeySpec.ML_DSA_44"

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"

    def in_model(self, model: ServiceModel) -> bool:
        if self.kind == "operation":
            return self.name in model.operation_names
        shape_name, _, item = self.name.partition(".")
        try:
            shape = model.shape_for(shape_name)
        except NoShapeFoundError:
            return False  # a shape added since, with all its members and values
        if self.kind == "member":
            if not isinstance(shape, StructureShape):
                raise ValueError(f"needs_model: {shape_name} is not a structure")
            return item in shape.members
        if not isinstance(shape, StringShape) or not shape.enum:
            raise ValueError(f"needs_model: {shape_name} is not an enum")
        return item in shape.enum


def needed_features(item: pytest.Item) -> list[ModelFeature]:
    """The model features that ``item``'s needs_model marks name (ValueError if misused)."""
    features = []
    for mark in item.iter_markers("needs_model"):
        kwargs = dict(mark.kwargs)
        param = kwargs.pop("param", None)
        if mark.args or len(kwargs) != 1 or not kwargs.keys() <= _KINDS.keys():
            raise ValueError(f"{item.nodeid}: {mark}: use {NEEDS_MODEL}")
        ((key, name),) = kwargs.items()
        if param is not None:
            callspec = getattr(item, "callspec", None)
            value = callspec.params.get(param) if callspec is not None else None
            if key == "operation" or not isinstance(value, str):
                raise ValueError(
                    f"{item.nodeid}: {mark}: param names a string parameter of the test, "
                    "with member= or enum="
                )
            name = f"{name}.{value}"
        pattern = _NAME if key == "operation" else _ITEM
        if not isinstance(name, str) or not pattern.fullmatch(name):
            raise ValueError(f"{item.nodeid}: {mark}: use {NEEDS_MODEL}")
        features.append(ModelFeature(_KINDS[key], name))
    return features


def skip_reason(missing: list[ModelFeature]) -> str:
    needed = ", ".join(sorted({str(feature) for feature in missing}))
    return f"needs the KMS model's {needed}, which botocore {botocore.__version__}'s lacks"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", NEEDS_MODEL)


# A misused mark (ValueError) fails its test with the reason: an error raised out of a
# collection hook would crash pytest-xdist's workers without saying why.
_MISUSED = pytest.StashKey[str]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        try:
            features = needed_features(item)
            missing = [feature for feature in features if not feature.in_model(service_model())]
        except ValueError as error:
            item.stash[_MISUSED] = str(error)
            continue
        if missing:
            item.add_marker(pytest.mark.skip(reason=skip_reason(missing)))


def pytest_runtest_setup(item: pytest.Item) -> None:
    misused = item.stash.get(_MISUSED, None)
    if misused is not None:
        pytest.fail(misused, pytrace=False)


@pytest.fixture
def kms(kms_mock: MockKMS) -> MockKMS:
    """The suite's short name for kmsmock's ``kms_mock`` fixture (a project's own fixture
    may take any name; the plugin's is ``kms_mock`` so that it never collides)."""
    return kms_mock


@pytest.fixture
def client(kms: MockKMS) -> KMSClient:
    """A boto3 KMS client in the mock's default account and region.

    It does not retry: botocore's standard mode counts LimitExceededException as
    throttling and would sleep through two backoffs in every test that expects one.
    """
    return boto3.client("kms", region_name=kms.region, config=_NO_RETRIES)


_NO_RETRIES = Config(retries={"total_max_attempts": 1})


@pytest.fixture
def key_id(client: KMSClient) -> str:
    """A fresh symmetric key's id."""
    return client.create_key()["KeyMetadata"]["KeyId"]
