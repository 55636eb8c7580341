"""The pytest plugin: the ``kms`` and ``kms_server`` fixtures and their markers.

Registered through the ``pytest11`` entry point, so kmsmock is imported when pytest
starts and every botocore session created afterwards carries the hook.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

import kmsmock
from kmsmock._mock import MockKMS

if TYPE_CHECKING:
    from kmsmock.server import ThreadedKMSServer


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "kms(account=..., region=..., journal=..., unknown_credentials=..., check_principals=..., "
        "replica_creation_seconds=..., on_demand_rotation_seconds=..., "
        "on_demand_rotation_limit=...): "
        "options of the kms fixture",
    )
    config.addinivalue_line(
        "markers",
        "kms_server(idle_timeout=..., account=..., region=..., ...): options of the "
        "kms_server fixture's ThreadedKMSServer (idle_timeout, and mock_kms's)",
    )


def _options(request: pytest.FixtureRequest, name: str) -> dict[str, Any]:
    marker = request.node.get_closest_marker(name)
    if marker is None:
        return {}
    if marker.args:
        raise TypeError(f"pytest.mark.{name} takes keyword arguments only")
    return dict(marker.kwargs)


@pytest.fixture
def kms(request: pytest.FixtureRequest) -> Iterator[MockKMS]:
    """A simulated AWS KMS, active for the test; options from ``@pytest.mark.kms(...)``."""
    with kmsmock.mock_kms(**_options(request, "kms")) as mock:
        yield mock


@pytest.fixture
def kms_server(request: pytest.FixtureRequest) -> Iterator[ThreadedKMSServer]:
    """kmsmock served over HTTP on a free port of 127.0.0.1 for the test, and stopped
    after it: ``kms_server.endpoint_url`` for clients, ``kms_server.mock`` for setup and
    assertions; options from ``@pytest.mark.kms_server(...)``. No ``mock_kms`` may be
    active meanwhile: it would answer the test's boto3 calls in-process."""
    from kmsmock.server import ThreadedKMSServer

    with ThreadedKMSServer(**_options(request, "kms_server")) as server:
        yield server
