"""The mock object: activation stack, decorator, context managers.

Activation is process-wide, like the network it replaces: every thread's KMS calls
go to the innermost active mock. Each activation owns a fresh Backend, so nothing at
module level ever needs resetting.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from kmsmock import _environment, _responses
from kmsmock._faults import Faults
from kmsmock.auth._principals import (
    IdentityRegistry,
    PolicyInput,
    Role,
    Root,
    UnknownCredentials,
    User,
)
from kmsmock.backend._arn import is_account_id, is_region, parse_arn
from kmsmock.backend._backend import Account, Backend, Region
from kmsmock.backend._clock import Clock
from kmsmock.backend._journal import Call, Journal, JournalOption, journal_limit
from kmsmock.backend._key import Key
from kmsmock.backend._key_stores import KeyStore
from kmsmock.backend._keystate import KeyState
from kmsmock.backend._random import Seed
from kmsmock.backend._settings import Settings

if TYPE_CHECKING:
    from kmsmock._state_file import StatePath

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


_lock = threading.Lock()
_stack: list[MockKMS] = []


_Handle = Callable[
    [Backend, IdentityRegistry, str, str, Mapping[str, "str | bytes"], bytes, str],
    tuple[int, dict[str, str], bytes],
]


@functools.cache
def _handle() -> _Handle:
    # Imported on first use: the request path imports every handler, which importing
    # kmsmock (as the pytest plugin does in every session) need not pay for.
    from kmsmock._transport import handle

    return handle


def _check_state_path(path: object) -> StatePath:
    # Imported on first use, like the request path: most mocks never save or load.
    from kmsmock._state_file import check_path

    return check_path(path, "state")


def innermost() -> MockKMS | None:
    # Read without the lock: list indexing is atomic, and this runs on every request.
    try:
        return _stack[-1]
    except IndexError:
        return None


class MockKMS:
    """A simulated AWS KMS, active between ``start()`` and ``stop()``.

    Use it as a context manager (``with mock_kms() as kms:``, also ``async with``), as a
    decorator of functions, coroutine functions, generator functions (yield fixtures),
    ``unittest.TestCase`` classes and pytest-style test classes, or through the pytest
    fixture ``kms_mock``.
    """

    def __init__(
        self,
        *,
        account: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        journal: JournalOption = True,
        unknown_credentials: UnknownCredentials = "default",
        check_principals: bool = True,
        keep_credentials: bool = False,
        replica_creation_seconds: float = 0.0,
        on_demand_rotation_seconds: float = 0.0,
        on_demand_rotation_limit: int = 10,
        endpoints: Iterable[str] = (),
        seed: Seed | None = None,
        localstack_tags: bool = False,
        state: StatePath | None = None,
        fast: bool = False,
    ) -> None:
        if not is_account_id(account):
            raise ValueError(f"account must be 12 digits, not {account!r}")
        if not isinstance(region, str) or not is_region(region):
            raise ValueError(f"region must be a region name such as 'eu-west-1', not {region!r}")
        self.account_id = account
        self.region = region
        # URLs besides AWS's whose raw HTTP (requests) is answered as KMS.
        self.endpoints = _responses.check_endpoints(endpoints)
        self._journal = journal_limit(journal)
        if not isinstance(keep_credentials, bool):
            raise TypeError(f"keep_credentials must be a bool, not {keep_credentials!r}")
        self.keep_credentials = keep_credentials
        if not isinstance(fast, bool):
            raise TypeError(f"fast must be a bool, not {fast!r}")
        # Answer botocore at before-call with the parsed response (docs/fast.md).
        self.fast = fast
        # A saved state (or seed) file that each activation starts from.
        self._state_path = None if state is None else _check_state_path(state)
        self._active = False
        # The decorator template this mock was started for by the pytest fixture: the
        # decorated test then runs in it instead of starting one of its own.
        self._shared_by: MockKMS | None = None
        self.settings = Settings(
            replica_creation_seconds=replica_creation_seconds,
            on_demand_rotation_seconds=on_demand_rotation_seconds,
            on_demand_rotation_limit=on_demand_rotation_limit,
            seed=seed,
            localstack_tags=localstack_tags,
        )
        # The backend and the principals, replaced together (reset) in one assignment, so
        # that a request in flight never pairs one's old with the other's new.
        self._state = (
            Backend(journal=self._journal, settings=self.settings),
            IdentityRegistry(
                account,
                region,
                unknown_credentials=unknown_credentials,
                check_principals=check_principals,
                seed=seed,
            ),
        )

    @property
    def backend(self) -> Backend:
        return self._state[0]

    @backend.setter
    def backend(self, backend: Backend) -> None:
        self._state = (backend, self._state[1])

    @property
    def identities(self) -> IdentityRegistry:
        return self._state[1]

    def _fresh(self) -> MockKMS:
        """A new, inactive mock with this one's options (what a decorator starts)."""
        return MockKMS(
            account=self.account_id,
            region=self.region,
            journal=self._journal,
            unknown_credentials=self.identities.unknown_credentials,
            check_principals=self.identities.check_principals,
            keep_credentials=self.keep_credentials,
            replica_creation_seconds=self.settings.replica_creation_seconds,
            on_demand_rotation_seconds=self.settings.on_demand_rotation_seconds,
            on_demand_rotation_limit=self.settings.on_demand_rotation_limit,
            endpoints=self.endpoints,
            seed=self.settings.seed,
            localstack_tags=self.settings.localstack_tags,
            state=self._state_path,
            fast=self.fast,
        )

    def _shared(self) -> MockKMS:
        """A fresh mock that this decorator template, finding it active, runs in."""
        mock = self._fresh()
        mock._shared_by = self
        return mock

    # -- principals --------------------------------------------------------------------

    def user(
        self,
        name: str,
        *,
        account: str | None = None,
        path: str = "/",
        policy: PolicyInput | Sequence[PolicyInput] | None = None,
    ) -> User:
        """Declare (or get) an IAM user; ``policy``: its identity policies."""
        return self.identities.user(name, account=account, path=path, policy=policy)

    def role(
        self,
        name: str,
        *,
        account: str | None = None,
        path: str = "/",
        policy: PolicyInput | Sequence[PolicyInput] | None = None,
    ) -> Role:
        """Declare (or get) an IAM role; its sessions act with ``policy``."""
        return self.identities.role(name, account=account, path=path, policy=policy)

    def root(self, account: str | None = None) -> Root:
        """The root user of ``account`` (default: the mock's account)."""
        return self.identities.root(account)

    def reset(self) -> None:
        """Forget every key, alias, grant, custom key store, principal, injected fault and
        call, and return the clock to real time: the state of a new mock with the same
        options. The mock stays active."""
        self._state = self._blank_state()

    # -- saved state -------------------------------------------------------------------

    def _blank_state(self) -> tuple[Backend, IdentityRegistry]:
        """An empty state with this mock's options (what ``reset`` installs)."""
        identities = self.identities
        return (
            Backend(journal=self._journal, settings=self.settings),
            IdentityRegistry(
                self.account_id,
                self.region,
                unknown_credentials=identities.unknown_credentials,
                check_principals=identities.check_principals,
                seed=self.settings.seed,
            ),
        )

    def save(self, path: StatePath) -> None:
        """Write the whole state to ``path`` as JSON (docs/state.md), atomically: keys
        with their material, aliases, grants, custom key stores, principals, the clock.

        ``mock_kms(state=path)`` starts from it; the journal and faults are not saved.
        """
        from kmsmock import _state_file

        _state_file.save(self, path)

    def load(self, path: StatePath) -> None:
        """Replace the state with the one saved in ``path`` (a file ``save`` wrote, or
        a hand-written seed file); the journal and injected faults stay.
        ``kmsmock.StateError`` if the file is damaged or from a newer kmsmock; the state
        is then unchanged."""
        from kmsmock import _state_file

        self._state = _state_file.build(self, _state_file.read(path))

    # -- activation ------------------------------------------------------------------

    def start(self) -> MockKMS:
        """Activate the mock (from an empty state): KMS calls go to it until ``stop()``."""
        with _lock:
            if self._active:
                raise RuntimeError("this mock_kms is already active; create a new one to nest")
            if self.backend.accounts or len(self.backend.journal):
                # A restart begins from an empty backend, like every activation.
                self.backend = Backend(journal=self._journal, settings=self.settings)
            if self._state_path is not None:
                # Or from the saved state: read and built before anything is activated.
                self.load(self._state_path)
            if not _stack:
                _environment.provide(self.region, keep_credentials=self.keep_credentials)
                from kmsmock import _guard
                from kmsmock._hook import patch_default_session

                _guard.install()
                patch_default_session()
                _responses.activate()
            _stack.append(self)
            self._active = True
        return self

    def stop(self) -> None:
        """Deactivate the mock; its state stays readable until it is started again."""
        with _lock:
            if not self._active:
                raise RuntimeError("this mock_kms is not active")
            _stack.remove(self)
            self._active = False
            if not _stack:
                _environment.restore()
                _responses.deactivate()

    @property
    def active(self) -> bool:
        """Whether the mock is between ``start()`` and ``stop()``."""
        return self._active

    def __enter__(self) -> MockKMS:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> MockKMS:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- decorator ------------------------------------------------------------------

    @overload
    def __call__(self, target: type[T]) -> type[T]: ...

    @overload
    def __call__(self, target: F) -> F: ...

    def __call__(self, target: Any) -> Any:
        from kmsmock._decorate import decorate

        return decorate(self, target)

    # -- the request path --------------------------------------------------------------

    def handle(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str | bytes],
        body: bytes,
        *,
        channel: str = "in-process",
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer one KMS HTTP request; ``channel`` (how it came) goes in the journal."""
        backend, identities = self._state
        return _handle()(backend, identities, method, url, headers, body, channel)

    # -- state, for setup and assertions -------------------------------------------------

    @property
    def clock(self) -> Clock:
        """kmsmock's time: ``kms.clock.advance(days=30)``, ``kms.clock.set(datetime)``."""
        return self.backend.clock

    @property
    def accounts(self) -> dict[str, Account]:
        """The accounts something has happened in, by account id."""
        return self.backend.accounts

    def account(self, account_id: str | None = None) -> Account:
        """An account's state (default: the mock's own); empty, and not added to the
        mock's state, if nothing has happened in it."""
        account_id = account_id or self.account_id
        found = self.backend.accounts.get(account_id)
        return found if found is not None else Account(account_id)

    def region_state(self, region: str | None = None, account: str | None = None) -> Region:
        """The state of one account and region (default: the mock's own).

        A region nothing has happened in yet is returned empty, and is not added to
        the mock's state by being looked at.
        """
        account_id = account or self.account_id
        name = region or self.region
        with self.backend.lock:
            self.backend.expire(self.backend.clock.now())
            found = self.backend.find_region(account_id, name)
        return found if found is not None else Region(account_id, name)

    def keys(self, region: str | None = None, account: str | None = None) -> list[Key]:
        """Keys of one account and region (default: the mock's own), in creation order."""
        return list(self.region_state(region, account).keys.values())

    def key(self, key_id: str, region: str | None = None, account: str | None = None) -> Key:
        """The key with this id or key ARN; KeyError if there is none."""
        if not isinstance(key_id, str):
            raise TypeError(f"key_id must be a str, not {type(key_id).__name__}")
        if key_id.startswith("arn:"):
            arn = parse_arn(key_id)
            if arn is None or arn.kind != "key":
                raise KeyError(key_id)
            region, account, key_id = arn.region, arn.account, arn.resource
        return self.region_state(region, account).keys[key_id]

    # -- declared keys -----------------------------------------------------------------

    def add_key(
        self,
        key_id: str | None = None,
        *,
        key_spec: str = "SYMMETRIC_DEFAULT",
        key_usage: str | None = None,
        material: bytes | str | None = None,
        origin: str = "AWS_KMS",
        account: str | None = None,
        region: str | None = None,
        description: str = "",
        policy: str | Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
        aliases: Iterable[str] = (),
        state: KeyState | str | None = None,
        multi_region: bool = False,
    ) -> Key:
        """Declare a key, without a KMS call, with the id, material and state you choose.

        ``key_id``: a lowercase UUID (``mrk-`` and 32 hex digits with
        ``multi_region=True``); default, a new one. ``key_spec`` and ``key_usage`` as
        CreateKey takes them (``key_usage`` may be left out when the spec allows one).
        ``material``: 32 bytes for SYMMETRIC_DEFAULT, the HMAC key's bytes, or a PEM or
        DER private key of the spec; left out, it is derived from the key's account,
        region and id, so it is still the same in every mock. ``origin="EXTERNAL"``
        declares the material as imported (never expiring); without material such a
        key is PendingImport. ``state``: Enabled (default), Disabled, PendingDeletion
        (deleted 30 days later on the mock's clock) or PendingImport. ``policy`` (JSON
        text or a dict), ``tags`` and ``aliases`` are checked as PutKeyPolicy,
        TagResource and CreateAlias check them.

        The same key (account, region, key id and material) declared in two mocks,
        or two processes, is the same key: each decrypts what the other encrypted.
        TypeError or ValueError, before anything changes, for bad input or a key id
        the account and region already have. Declare keys in an active mock (or a
        server's): ``start()`` begins from an empty state.
        """
        from kmsmock.backend._declare import declare_key

        return declare_key(
            self.backend,
            self.identities,
            (self.account_id, self.region),
            key_id,
            key_spec=key_spec,
            key_usage=key_usage,
            material=material,
            origin=origin,
            account=account,
            region=region,
            description=description,
            policy=policy,
            tags=tags,
            aliases=aliases,
            state=state,
            multi_region=multi_region,
        )

    def add_alias(
        self,
        alias_name: str,
        key_id: str,
        *,
        account: str | None = None,
        region: str | None = None,
    ) -> None:
        """Declare the alias ``alias_name`` (``"alias/..."``) of the key ``key_id`` in an
        account and region (default: the mock's own), as CreateAlias would make it.

        ValueError for a name CreateAlias refuses or that exists, or a key id that the
        account and region have no key with (or whose key is pending deletion).
        """
        from kmsmock.backend._declare import declare_alias

        declare_alias(
            self.backend,
            (self.account_id, self.region),
            alias_name,
            key_id,
            account=account,
            region=region,
        )

    def custom_key_store(
        self, store_id: str, region: str | None = None, account: str | None = None
    ) -> KeyStore:
        """The custom key store with this id; KeyError if there is none.

        Its ``connect_seconds`` (how long ConnectCustomKeyStore stays CONNECTING, default
        0) and ``fail_connections(code)`` (connections end FAILED with that
        ConnectionErrorCode) simulate the cluster or proxy behind it.
        """
        return self.region_state(region, account).key_stores[store_id]

    @property
    def faults(self) -> Faults:
        """Errors and delays injected into calls: ``kms.faults.add("ThrottlingException",
        operation="Encrypt", times=2)``. ``kms.reset()`` removes them all."""
        faults = self.backend.faults
        # Retries do not run in fast mode: Faults refuses the faults botocore retries.
        faults.retries_run = not self.fast
        return faults

    def explain(self, call: Call) -> str:
        """Why authorization allowed or refused ``call`` (one of ``kms.calls``), in words:
        which statement of which key policy or IAM policy, or which grant, decided."""
        from kmsmock._explain import explain

        return explain(call)

    @property
    def calls(self) -> Journal:
        """The calls this mock answered, oldest first: the last 10,000 by default
        (``mock_kms(journal=N)`` keeps N, ``None`` all, ``False`` none).
        ``kms.calls.clear()`` forgets them."""
        return self.backend.journal

    def __repr__(self) -> str:
        state = "active" if self._active else "inactive"
        return f"<MockKMS {self.account_id} {self.region} {state}>"


@overload
def mock_kms(target: F, /) -> F: ...


@overload
def mock_kms(
    *,
    account: str = DEFAULT_ACCOUNT,
    region: str = DEFAULT_REGION,
    journal: JournalOption = True,
    unknown_credentials: UnknownCredentials = "default",
    check_principals: bool = True,
    keep_credentials: bool = False,
    replica_creation_seconds: float = 0.0,
    on_demand_rotation_seconds: float = 0.0,
    on_demand_rotation_limit: int = 10,
    endpoints: Iterable[str] = (),
    seed: Seed | None = None,
    localstack_tags: bool = False,
    state: StatePath | None = None,
    fast: bool = False,
) -> MockKMS: ...


def mock_kms(
    target: Any = None,
    /,
    *,
    account: str = DEFAULT_ACCOUNT,
    region: str = DEFAULT_REGION,
    journal: JournalOption = True,
    unknown_credentials: UnknownCredentials = "default",
    check_principals: bool = True,
    keep_credentials: bool = False,
    replica_creation_seconds: float = 0.0,
    on_demand_rotation_seconds: float = 0.0,
    on_demand_rotation_limit: int = 10,
    endpoints: Iterable[str] = (),
    seed: Seed | None = None,
    localstack_tags: bool = False,
    state: StatePath | None = None,
    fast: bool = False,
) -> Any:
    """Simulate AWS KMS: ``@mock_kms``, ``@mock_kms(region=...)`` or ``with mock_kms() as kms:``.

    ``unknown_credentials="reject"`` answers access keys no declared principal holds with
    UnrecognizedClientException, as AWS does; by default they act as the account's root.
    ``check_principals=False`` lets policies name users and roles nobody declared.
    While a mock is active the environment's AWS credentials are fake (``testing``) and
    restored after; ``keep_credentials=True`` leaves a complete pair as it is.
    ``replica_creation_seconds`` and ``on_demand_rotation_seconds`` say how long a new
    replica stays Creating and an on-demand rotation stays in progress (AWS: about 60;
    default 0, done at the next call); ``on_demand_rotation_limit`` is the per-key quota.
    ``endpoints`` lists URLs besides AWS's KMS endpoints (``"https://kms.internal.example"``)
    whose requests sent with ``requests`` are answered as KMS.
    ``seed`` (an int, str or bytes) makes every generated value (key ids, key material,
    nonces and so ciphertexts, grant ids and tokens, request ids, data keys, access
    keys) the same in every run that makes the same calls in the same order.
    ``localstack_tags=True`` honours LocalStack's ``_custom_id_`` and
    ``_custom_key_material_`` CreateKey tags (see the Keys page).
    ``state`` names a file that ``kms.save(path)`` wrote, or a hand-written seed file:
    each activation starts from its state (docs/state.md); a damaged file, or one from a
    newer kmsmock, is refused with ``kmsmock.StateError``.
    ``fast=True`` answers boto3 clients before signing, with the parsed response: the
    same KMS, about three times faster, without retries (docs/fast.md).
    """
    mock = MockKMS(
        account=account,
        region=region,
        journal=journal,
        unknown_credentials=unknown_credentials,
        check_principals=check_principals,
        keep_credentials=keep_credentials,
        replica_creation_seconds=replica_creation_seconds,
        on_demand_rotation_seconds=on_demand_rotation_seconds,
        on_demand_rotation_limit=on_demand_rotation_limit,
        endpoints=endpoints,
        seed=seed,
        localstack_tags=localstack_tags,
        state=state,
        fast=fast,
    )
    if target is None:
        return mock
    return mock(target)


def current() -> MockKMS:
    """The innermost active mock (for decorated tests that want to inspect state)."""
    mock = innermost()
    if mock is None:
        raise RuntimeError("no mock_kms is active")
    return mock


def decorator_template(function: Any) -> MockKMS | None:
    """The mock that ``@mock_kms`` decorated ``function`` with, if it did."""
    from kmsmock._decorate import template_of

    return template_of(function)
