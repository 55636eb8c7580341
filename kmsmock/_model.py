"""botocore's KMS service model, loaded once per process on first use."""

from __future__ import annotations

import functools

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel


@functools.lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    # A bare Loader is much cheaper than a botocore Session and reads the same file.
    return ServiceModel(Loader().load_service_model("kms", "service-2"), "kms")


@functools.cache
def operation_model(name: str) -> OperationModel:
    return service_model().operation_model(name)


def operation_names() -> list[str]:
    return list(service_model().operation_names)
