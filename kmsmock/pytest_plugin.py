"""The pytest plugin: the ``kms`` fixture and the ``kms`` marker.

Registered through the ``pytest11`` entry point, so kmsmock is imported when pytest
starts and every botocore session created afterwards carries the hook.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import kmsmock
from kmsmock._mock import MockKMS


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "kms(account=..., region=..., journal=..., unknown_credentials=..., check_principals=..., "
        "replica_creation_seconds=..., on_demand_rotation_seconds=..., "
        "on_demand_rotation_limit=...): "
        "options of the kms fixture",
    )


@pytest.fixture
def kms(request: pytest.FixtureRequest) -> Iterator[MockKMS]:
    """A simulated AWS KMS, active for the test; options from ``@pytest.mark.kms(...)``."""
    marker = request.node.get_closest_marker("kms")
    options = dict(marker.kwargs) if marker is not None else {}
    if marker is not None and marker.args:
        raise TypeError("pytest.mark.kms takes keyword arguments only")
    with kmsmock.mock_kms(**options) as mock:
        yield mock
