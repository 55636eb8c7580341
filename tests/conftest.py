from __future__ import annotations

import os
from typing import TYPE_CHECKING

import boto3
import pytest
from hypothesis import settings

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

# Property tests run many boto3 calls per example: no per-example deadline, and in CI a
# fixed seed so a run is reproducible.
settings.register_profile("kmsmock", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "kmsmock")


@pytest.fixture
def client(kms: MockKMS) -> KMSClient:
    """A boto3 KMS client in the mock's default account and region."""
    return boto3.client("kms", region_name=kms.region)


@pytest.fixture
def key_id(client: KMSClient) -> str:
    """A fresh symmetric key's id."""
    return client.create_key()["KeyMetadata"]["KeyId"]
