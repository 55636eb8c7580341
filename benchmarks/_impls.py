"""The implementations the benchmark compares, each switched on and off between batches.

* floor: botocore answered at ``before-send`` by canned responses (``_canned``).
* Stubber: botocore's ``Stubber``, answering at ``before-call`` (no signing, no HTTP
  objects, no parsing): the floor for a mock that skips the wire, as the fast mode does.
* kmsmock, and kmsmock's fast mode (``mock_kms(fast=True)``) where it exists.
* moto (``mock_aws``), if it is importable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any, cast
from unittest import mock

import boto3
from _canned import Canned
from _common import REGION
from botocore import xform_name
from botocore.stub import Stubber

import kmsmock

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock.backend._backend import Backend

MOTO_VERSION: str | None
try:
    from moto import __version__ as _moto_version
    from moto import mock_aws

    MOTO_VERSION = _moto_version
except ImportError:  # pragma: no cover - moto is optional
    MOTO_VERSION = None

# mock_kms(fast=True) is being built beside this benchmark: until it exists, its column
# reads "n/a". The options go through a dict so that mypy accepts the call either way.
_FAST: dict[str, Any] = {"fast": True}


def fast_mode_available() -> bool:
    try:
        kmsmock.mock_kms(**_FAST)
    except TypeError:
        return False
    return True


class Implementation:
    """One way of answering KMS calls, switched on and off between batches."""

    name = ""

    def activate(self) -> None:
        """Answer calls from now on, with the state of the previous activation."""

    def deactivate(self) -> None:
        """Stop answering calls, keeping the state."""

    def fresh(self) -> AbstractContextManager[object]:
        """A new, empty activation, as one test starts it."""
        return nullcontext()

    def new_client(self, region: str = REGION) -> KMSClient:
        return boto3.client("kms", region_name=region)

    def populate(self, client: KMSClient, count: int) -> None:
        for _ in range(count):
            client.create_key()

    def expect(self, client: KMSClient, measures: Sequence[str]) -> None:
        """Calls to the measures named are coming, in this order (the Stubber queues its
        answers here, untimed)."""

    def done(self, client: KMSClient) -> None:
        """The calls announced by ``expect`` have been made."""

    @contextmanager
    def test_client(self, measures: Sequence[str]) -> Iterator[KMSClient]:
        """One test: a fresh activation and a new client, for calls to ``measures``."""
        with self.fresh():
            yield self.new_client()


class Floor(Implementation):
    name = "floor"

    def __init__(self, canned: Canned) -> None:
        self.canned = canned

    def new_client(self, region: str = REGION) -> KMSClient:
        client = boto3.client("kms", region_name=region)
        # A before-send handler may return a response (the stub says None).
        handler = cast("Callable[..., None]", self.canned.handler)
        client.meta.events.register_first("before-send.kms", handler)
        return client

    def populate(self, client: KMSClient, count: int) -> None:
        """The canned ListKeys response already lists ``LIST_KEYS`` keys."""


class StubberFloor(Implementation):
    """botocore's Stubber, answering each call with the floor's parsed response."""

    name = "Stubber"

    def __init__(self) -> None:
        self.stubbers: dict[int, Stubber] = {}
        # Per measure: its operation's client method and the response to answer with.
        self.responses: dict[str, tuple[str, dict[str, Any]]] = {}

    def learn(self, measure: str, operation: str, response: object) -> None:
        """Answer calls to ``measure`` with ``response`` (the floor's parsed one)."""
        document = dict(cast("dict[str, Any]", response))
        document.pop("ResponseMetadata", None)
        self.responses[measure] = (xform_name(operation), document)

    def new_client(self, region: str = REGION) -> KMSClient:
        client = boto3.client("kms", region_name=region)
        self.stubbers[id(client)] = Stubber(client)
        return client

    def activate(self) -> None:
        for stubber in self.stubbers.values():
            stubber.activate()

    def deactivate(self) -> None:
        for stubber in self.stubbers.values():
            stubber.deactivate()

    def populate(self, client: KMSClient, count: int) -> None:
        """The floor's ListKeys response, answered by the Stubber, lists the keys."""

    def expect(self, client: KMSClient, measures: Sequence[str]) -> None:
        stubber = self.stubbers[id(client)]
        for measure in measures:
            method, response = self.responses[measure]
            stubber.add_response(method, response)

    def done(self, client: KMSClient) -> None:
        self.stubbers[id(client)].assert_no_pending_responses()

    @contextmanager
    def test_client(self, measures: Sequence[str]) -> Iterator[KMSClient]:
        client = boto3.client("kms", region_name=REGION)
        stubber = Stubber(client)
        for measure in measures:
            method, response = self.responses[measure]
            stubber.add_response(method, response)
        with stubber:
            yield client


class Kmsmock(Implementation):
    name = "kmsmock"

    def __init__(self) -> None:
        self.mock = self.new_mock()
        self.saved: Backend | None = None

    def new_mock(self) -> kmsmock.MockKMS:
        return kmsmock.mock_kms()

    def activate(self) -> None:
        self.mock.start()
        # Every activation begins from an empty backend; the benchmark carries the
        # previous one over, as a long-running test would see it.
        if self.saved is not None:
            self.mock.backend = self.saved

    def deactivate(self) -> None:
        self.saved = self.mock.backend
        self.mock.stop()

    def fresh(self) -> AbstractContextManager[object]:
        return self.new_mock()


class KmsmockFast(Kmsmock):
    """kmsmock's fast mode: answers at ``before-call``, past the wire."""

    name = "fast"

    def new_mock(self) -> kmsmock.MockKMS:
        return kmsmock.mock_kms(**_FAST)


class Moto(Implementation):
    name = "moto"

    def __init__(self) -> None:
        self.mock = mock_aws()

    def activate(self) -> None:
        self.mock.start(reset=False)

    def deactivate(self) -> None:
        self.mock.stop(remove_data=False)

    def fresh(self) -> AbstractContextManager[object]:
        return cast("AbstractContextManager[object]", mock_aws())

    def populate(self, client: KMSClient, count: int) -> None:
        """Create the keys through CreateKey, sharing one RSA-2048 key among them.

        moto generates an RSA-2048 private key for every key, symmetric ones too
        (~0.1 s each). Only this setup shares one; the measured ListKeys call, and every
        other measure, runs moto unchanged.
        """
        from moto.kms.utils import generate_private_key

        shared = generate_private_key("RSA_2048")
        with mock.patch("moto.kms.models.generate_private_key", return_value=shared):
            super().populate(client, count)


def implementations(canned: Canned) -> list[Implementation]:
    """Every implementation this environment has, the floors first."""
    impls: list[Implementation] = [Floor(canned), StubberFloor(), Kmsmock()]
    if fast_mode_available():
        impls.append(KmsmockFast())
    if MOTO_VERSION is not None:
        impls.append(Moto())
    return impls
