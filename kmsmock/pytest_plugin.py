"""The pytest plugin: the ``kms_mock`` and ``kms_server`` fixtures and their markers.

Registered through the ``pytest11`` entry point, so kmsmock is imported when pytest
starts and every botocore session created afterwards carries the hook.

The fixture is ``kms_mock``, after ``requests_mock``, ``httpx_mock`` and ``respx_mock``:
``kms`` is the name projects give their own KMS-client fixture, and a project's fixture
silently wins over a plugin's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

import kmsmock
from kmsmock._mock import MockKMS, decorator_template

if TYPE_CHECKING:
    from kmsmock.server import ThreadedKMSServer


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "kms(**options): a mock_kms active for the test, with mock_kms's keyword options "
        "(account=, region=, seed=, state=, fast=, journal=, keep_credentials=, ...); "
        "the kms_mock fixture is that mock",
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


def _mock_for(request: pytest.FixtureRequest) -> MockKMS:
    options = _options(request, "kms")
    template = decorator_template(getattr(request, "function", None))
    if template is None:
        return kmsmock.mock_kms(**options)
    if options:
        raise TypeError(
            "this test has both @mock_kms and @pytest.mark.kms options; give the "
            "options in one place"
        )
    # @mock_kms on the test too: the decorator finds this mock active and uses it, so the
    # fixture and the test's body see one mock, with the decorator's options.
    return template._shared()


@pytest.fixture
def kms_mock(request: pytest.FixtureRequest) -> Iterator[MockKMS]:
    """A simulated AWS KMS, active for the test; options from ``@pytest.mark.kms(...)``."""
    with _mock_for(request) as mock:
        yield mock


@pytest.fixture(autouse=True)
def _kmsmock_marker(request: pytest.FixtureRequest) -> None:
    # @pytest.mark.kms alone activates the mock, as the marker of a fixture nobody asked
    # for would otherwise leave the test's KMS calls unmocked.
    if "kms_mock" not in request.fixturenames and request.node.get_closest_marker("kms"):
        request.getfixturevalue("kms_mock")


@pytest.fixture
def kms_server(request: pytest.FixtureRequest) -> Iterator[ThreadedKMSServer]:
    """kmsmock served over HTTP on a free port of 127.0.0.1 for the test, and stopped
    after it: ``kms_server.endpoint_url`` for clients, ``kms_server.mock`` for setup and
    assertions; options from ``@pytest.mark.kms_server(...)``. No ``mock_kms`` may be
    active meanwhile: it would answer the test's boto3 calls in-process."""
    from kmsmock.server import ThreadedKMSServer

    with ThreadedKMSServer(**_options(request, "kms_server")) as server:
        yield server
