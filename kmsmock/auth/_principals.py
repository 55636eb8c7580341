"""IAM principals a test declares: roots, users, roles and their sessions.

Each principal has its own access key, which is how a request says who it comes
from: the SigV4 credential scope carries the access key id, and the registry maps it
back. A principal may carry IAM identity policies; one that declares none is not
restricted by IAM at all (what tests that declare nothing have always had).
"""

from __future__ import annotations

import base64
import json
import random
import secrets
import string
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict, TypeVar

from kmsmock._json_depth import nesting_exceeds, value_nesting_exceeds
from kmsmock.auth._policy import MAX_POLICY_DEPTH
from kmsmock.backend._arn import is_account_id, partition, root_arn
from kmsmock.backend._random import Seed, seed_bytes, stream
from kmsmock.errors import UnrecognizedClientException

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock.auth._policy import Policy

PolicyInput = str | Mapping[str, Any]
UnknownCredentials = Literal["default", "reject"]

_P = TypeVar("_P", bound="Principal")
_KEY_CHARS = string.ascii_uppercase + string.digits


def _access_key(prefix: str, rng: random.Random | None) -> str:
    if rng is None:
        return prefix + "".join(secrets.choice(_KEY_CHARS) for _ in range(16))
    # getrandbits, not choice: its output is the same in every Python release.
    return prefix + "".join(_KEY_CHARS[rng.getrandbits(32) % len(_KEY_CHARS)] for _ in range(16))


def _token(size: int, rng: random.Random | None) -> str:
    if rng is None:
        return secrets.token_urlsafe(size)
    return base64.urlsafe_b64encode(rng.randbytes(size)).rstrip(b"=").decode("ascii")


def _documents(policy: PolicyInput | Sequence[PolicyInput] | None) -> list[dict[str, Any]]:
    if policy is None:
        return []
    items = [policy] if isinstance(policy, (str, Mapping)) else list(policy)
    documents = []
    for item in items:
        # Checked before json.loads or json.dumps, which recurse once per level.
        deep = (
            nesting_exceeds(item, MAX_POLICY_DEPTH)
            if isinstance(item, str)
            else value_nesting_exceeds(item, MAX_POLICY_DEPTH)
        )
        if deep:
            raise ValueError(
                f"an identity policy nests arrays and objects at most {MAX_POLICY_DEPTH} deep"
            )
        document = json.loads(item) if isinstance(item, str) else dict(item)
        if not isinstance(document, dict):
            raise ValueError("an identity policy is a JSON object")
        documents.append(document)
    return documents


def _path(path: str) -> str:
    if not (path.startswith("/") and path.endswith("/")):
        raise ValueError(f"an IAM path starts and ends with '/', not {path!r}")
    return path


class _AccessKey(TypedDict):
    aws_access_key_id: str
    aws_secret_access_key: str


class Credentials(_AccessKey, total=False):
    """A principal's keys, as ``boto3.client("kms", **principal.credentials)`` takes them;
    a role session's also carry its token."""

    aws_session_token: str


class Principal:
    """Who a call comes from: an ARN in an account, with credentials to act as it."""

    kind: str = "principal"

    def __init__(self, registry: IdentityRegistry, arn: str, account_id: str) -> None:
        self._registry = registry
        self.arn = arn
        self.account_id = account_id
        self.access_key_id = _access_key(self._key_prefix, registry.random)
        self.secret_access_key = _token(30, registry.random)
        self.session_token: str | None = None
        # The identity policies compiled, kept in step with the documents.
        self._compiled: tuple[Policy, ...] | None = None
        self._documents: list[dict[str, Any]] = []
        self._via: dict[str, Principal] = {}
        # Set on a copy that acts through an AWS service (kms:ViaService).
        self.via_service: str | None = None

    _key_prefix = "AKIA"

    # -- identity ----------------------------------------------------------------------

    @property
    def principal_arn(self) -> str:
        """aws:PrincipalArn: the role's ARN for a session, the principal's own otherwise."""
        return self.arn

    @property
    def names(self) -> frozenset[str]:
        """ARNs that name this principal directly in a key policy or grant."""
        return frozenset({self.arn})

    @property
    def policies(self) -> list[dict[str, Any]]:
        """The identity (IAM) policies of this principal, as documents."""
        return list(self._documents)

    def attach_policy(self, policy: PolicyInput) -> None:
        self._install([*self._documents, *_documents(policy)])

    def set_policies(self, policy: PolicyInput | Sequence[PolicyInput]) -> None:
        self._install(_documents(policy))

    def _install(self, documents: list[dict[str, Any]]) -> None:
        from kmsmock.auth._policy import compile_identity_policy

        # Compiled now, so that a policy IAM would refuse fails where it is declared.
        compiled = tuple(compile_identity_policy(json.dumps(d)) for d in documents)
        self._documents = documents
        self._compiled = compiled

    def identity_policies(self) -> tuple[Policy, ...] | None:
        """Compiled identity policies, or None when IAM does not restrict this principal."""
        if not self._documents:
            return None
        compiled = self._compiled
        if compiled is None:
            from kmsmock.auth._policy import compile_identity_policy

            compiled = tuple(compile_identity_policy(json.dumps(d)) for d in self._documents)
            self._compiled = compiled
        return compiled

    # -- acting as it ------------------------------------------------------------------

    @property
    def credentials(self) -> Credentials:
        """Keyword arguments for ``boto3.client("kms", **credentials)``."""
        values: Credentials = {
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
        }
        if self.session_token is not None:
            values["aws_session_token"] = self.session_token
        return values

    def via(self, service: str) -> Principal:
        """This principal, calling through the AWS service ``service`` (kms:ViaService)."""
        copy = self._via.get(service)
        if copy is None:
            copy = _ViaService(self, service)
            self._via[service] = copy
            self._registry.register(copy)
        return copy

    def client(self, region: str | None = None, *, via_service: str | None = None) -> KMSClient:
        """A boto3 KMS client acting as this principal (in the mock's region by default)."""
        import boto3

        acting = self.via(via_service) if via_service is not None else self
        client: KMSClient = boto3.client(
            "kms",
            region_name=region or self._registry.default_region,
            aws_access_key_id=acting.access_key_id,
            aws_secret_access_key=acting.secret_access_key,
            aws_session_token=acting.session_token,
        )
        return client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.arn}>"


class Root(Principal):
    """The root user of an account: what unknown or fake credentials act as by default."""

    kind = "root"

    def set_policies(self, policy: PolicyInput | Sequence[PolicyInput]) -> None:
        raise ValueError("an account's root user cannot be restricted by IAM policies")

    def attach_policy(self, policy: PolicyInput) -> None:
        self.set_policies(policy)


class User(Principal):
    """An IAM user, with access keys of its own and its identity policies."""

    kind = "user"

    def __init__(self, registry: IdentityRegistry, account_id: str, name: str, path: str):
        part = partition(registry.default_region)
        super().__init__(registry, f"arn:{part}:iam::{account_id}:user{path}{name}", account_id)
        self.name = name


class Role(Principal):
    """An IAM role. Calls are made by its sessions; ``client()`` uses the session "kmsmock"."""

    kind = "role"

    def __init__(self, registry: IdentityRegistry, account_id: str, name: str, path: str):
        part = partition(registry.default_region)
        super().__init__(registry, f"arn:{part}:iam::{account_id}:role{path}{name}", account_id)
        self.name = name
        self._sessions: dict[str, AssumedRole] = {}

    def session(self, name: str) -> AssumedRole:
        session = self._sessions.get(name)
        if session is None:
            session = self._sessions[name] = AssumedRole(self._registry, self, name)
            self._registry.register(session)
        return session

    @property
    def credentials(self) -> Credentials:
        return self.session("kmsmock").credentials

    def via(self, service: str) -> Principal:
        return self.session("kmsmock").via(service)

    def client(self, region: str | None = None, *, via_service: str | None = None) -> KMSClient:
        # Roles do not sign requests; their sessions do.
        return self.session("kmsmock").client(region, via_service=via_service)


class AssumedRole(Principal):
    """A session of a role: its own ARN, the role's identity policies."""

    kind = "session"
    _key_prefix = "ASIA"

    def __init__(self, registry: IdentityRegistry, role: Role, session_name: str) -> None:
        part = partition(registry.default_region)
        arn = f"arn:{part}:sts::{role.account_id}:assumed-role/{role.name}/{session_name}"
        super().__init__(registry, arn, role.account_id)
        self.role = role
        self.session_name = session_name
        self.session_token = _token(48, registry.random)

    @property
    def principal_arn(self) -> str:
        return self.role.arn

    @property
    def names(self) -> frozenset[str]:
        # A role's ARN in a resource policy names every session of that role.
        return frozenset({self.arn, self.role.arn})

    @property
    def policies(self) -> list[dict[str, Any]]:
        return self.role.policies

    def identity_policies(self) -> tuple[Policy, ...] | None:
        return self.role.identity_policies()

    def set_policies(self, policy: PolicyInput | Sequence[PolicyInput]) -> None:
        raise ValueError("a session has its role's policies; give them to the role")

    def attach_policy(self, policy: PolicyInput) -> None:
        self.set_policies(policy)


class _ViaService(Principal):
    """A principal calling through an AWS service: same identity, own access key."""

    def __init__(self, base: Principal, service: str) -> None:
        super().__init__(base._registry, base.arn, base.account_id)
        self.base = base
        self.kind = base.kind
        self.via_service = service
        self.session_token = base.session_token

    @property
    def principal_arn(self) -> str:
        return self.base.principal_arn

    @property
    def names(self) -> frozenset[str]:
        return self.base.names

    @property
    def policies(self) -> list[dict[str, Any]]:
        return self.base.policies

    def identity_policies(self) -> tuple[Policy, ...] | None:
        return self.base.identity_policies()


class IdentityRegistry:
    """Principals of every simulated account, by access key and by ARN."""

    def __init__(
        self,
        default_account: str,
        default_region: str,
        *,
        unknown_credentials: UnknownCredentials = "default",
        check_principals: bool = True,
        seed: Seed | None = None,
    ) -> None:
        if unknown_credentials not in ("default", "reject"):
            raise ValueError("unknown_credentials is 'default' or 'reject'")
        self._lock = threading.RLock()
        # Seeded (mock_kms(seed=...)): the stream principals' keys are drawn from, so
        # that they repeat with the run; None: the system's randomness.
        self.random = None if seed is None else stream(seed_bytes(seed), "principals")
        self.default_account = default_account
        self.default_region = default_region
        self.unknown_credentials = unknown_credentials
        self.check_principals = check_principals
        self._by_access_key: dict[str, Principal] = {}
        self._by_arn: dict[str, Principal] = {}
        self._roots: dict[str, Root] = {}
        self.default = self.root(default_account)

    def register(self, principal: Principal) -> None:
        with self._lock:
            self._by_access_key[principal.access_key_id] = principal

    def lookup(self, access_key_id: str) -> Principal:
        """Who a request with ``access_key_id`` acts as.

        The principal kmsmock issued the key to (whose ``access_key_id`` it is, which is
        how a caller tells that the request can be verified), or else the default
        principal, or UnrecognizedClientException with ``unknown_credentials="reject"``.
        """
        principal = self._by_access_key.get(access_key_id)
        if principal is not None:
            return principal
        if self.unknown_credentials == "reject":
            raise UnrecognizedClientException(
                "The security token included in the request is invalid."
            )
        return self.default

    # -- declaring -----------------------------------------------------------------------

    def _account(self, account: str | None) -> str:
        account = account or self.default_account
        if not is_account_id(account):
            raise ValueError(f"an account id is 12 digits, not {account!r}")
        return account

    def root(self, account: str | None = None) -> Root:
        account = self._account(account)
        with self._lock:
            root = self._roots.get(account)
            if root is None:
                root = Root(self, root_arn(account, self.default_region), account)
                self._roots[account] = root
                self.register(root)
            return root

    def user(
        self,
        name: str,
        *,
        account: str | None = None,
        path: str = "/",
        policy: PolicyInput | Sequence[PolicyInput] | None = None,
    ) -> User:
        candidate = User(self, self._account(account), name, _path(path))
        return self._declare(candidate, policy)

    def role(
        self,
        name: str,
        *,
        account: str | None = None,
        path: str = "/",
        policy: PolicyInput | Sequence[PolicyInput] | None = None,
    ) -> Role:
        candidate = Role(self, self._account(account), name, _path(path))
        return self._declare(candidate, policy)

    def _declare(self, candidate: _P, policy: PolicyInput | Sequence[PolicyInput] | None) -> _P:
        with self._lock:
            existing = self._by_arn.get(candidate.arn)
            principal = existing if isinstance(existing, type(candidate)) else candidate
            # The policy first: a refused one declares nobody and changes nothing.
            if policy is not None:
                principal.set_policies(policy)
            if principal is candidate:
                self._by_arn[candidate.arn] = candidate
                if not isinstance(candidate, Role):
                    self.register(candidate)
            return principal

    # -- questions from policy validation ------------------------------------------------

    def exists(self, arn: str) -> bool:
        """Whether an IAM user/role ARN (paths included) names a declared principal."""
        return arn in self._by_arn

    def role_named(self, account: str, name: str) -> Role | None:
        for principal in self._by_arn.values():
            if (
                isinstance(principal, Role)
                and principal.account_id == account
                and principal.name == name
            ):
                return principal
        return None
