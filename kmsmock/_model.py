"""botocore's KMS service model, loaded once per process on first use."""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel


def _default_session_loader(own: Loader) -> Loader | None:
    """boto3's default session's loader, if it reads KMS's model from where ``own`` does.

    The first KMS client of a process has that loader parse the model (~20 ms, a large
    share of a fresh process's first test); asking it again returns the parsed document
    from its cache instead of parsing the file a second time. It qualifies only if its
    search path is ``own``'s plus folders without a ``kms`` model (boto3's own data):
    then both read the same file. A session given another data path (AWS_DATA_PATH)
    may read another model, and is not asked.
    """
    boto3 = sys.modules.get("boto3")
    session = getattr(getattr(boto3, "DEFAULT_SESSION", None), "_session", None)
    if session is None:
        return None
    try:
        loader = session.get_component("data_loader")
    except Exception:
        # Not a session botocore builds as kmsmock knows: read the file instead.
        return None
    if not isinstance(loader, Loader):
        return None
    paths = list(loader.search_paths)
    ours = list(own.search_paths)
    if paths[: len(ours)] != ours:
        return None
    if any(os.path.isdir(os.path.join(path, "kms")) for path in paths[len(ours) :]):
        return None
    return loader


@functools.lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    # A bare Loader is much cheaper than a botocore Session and reads the same file.
    own = Loader()
    loader = _default_session_loader(own) or own
    # The arguments exactly as botocore's client passes them: the loader's cache is
    # keyed on them. The document is only read, never changed, by either side.
    document: Any = loader.load_service_model("kms", "service-2", api_version=None)
    return ServiceModel(document, "kms")


@functools.cache
def operation_model(name: str) -> OperationModel:
    return service_model().operation_model(name)


def operation_names() -> list[str]:
    return list(service_model().operation_names)
