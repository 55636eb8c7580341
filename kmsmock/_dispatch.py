"""The operation registry: one handler per KMS operation name."""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from kmsmock._model import operation_names, service_model
from kmsmock._protocol import OperationCodec

Handler = Callable[..., Mapping[str, Any] | None]
H = TypeVar("H", bound=Handler)


class Operation:
    """A registered handler with its codec and the parameters it implements."""

    __slots__ = ("accepts", "codec", "handler", "name")

    def __init__(self, name: str, handler: Handler) -> None:
        self.name = name
        self.handler = handler
        parameters = inspect.signature(handler).parameters
        declared = frozenset(parameters) - {"req"}
        needed = [p for p in declared if parameters[p].default is inspect.Parameter.empty]
        self.codec = OperationCodec(name, older_model=model_predates_kmsmock(), required=needed)
        # A parameter the installed model lacks is a member added since, which botocore
        # of that version cannot send: it is never passed, and the handler keeps its
        # default. A misspelt one is caught by kmsmock's tests, which check every handler
        # against the newest model (at run time, the member it meant would be answered
        # NotYetImplemented).
        unknown = declared - self.codec.parameters
        required = sorted(unknown.intersection(needed))
        if required:
            raise TypeError(f"kmsmock: {name} handler takes unknown parameters {required}")
        self.accepts = declared - unknown


# Where each operation's handler is: its module in kmsmock.operations is imported when
# the operation is first called, so a process pays only for the handlers it uses (the
# asymmetric ones import much of ``cryptography``). tests/test_dispatch.py checks that
# importing every handler module registers exactly these operations, each from its module.
_MODULE_OF: dict[str, str] = {
    name: module
    for module, names in {
        "agreement": ("DeriveSharedSecret",),
        "aliases": ("CreateAlias", "DeleteAlias", "ListAliases", "UpdateAlias"),
        "crypto": (
            "Decrypt",
            "Encrypt",
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "GenerateRandom",
            "ReEncrypt",
        ),
        "data_key_pairs": ("GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"),
        "grants": (
            "CreateGrant",
            "ListGrants",
            "ListRetirableGrants",
            "RetireGrant",
            "RevokeGrant",
        ),
        "imports": ("DeleteImportedKeyMaterial", "GetParametersForImport", "ImportKeyMaterial"),
        "kem": ("Decapsulate", "Encapsulate"),
        "key_stores": (
            "ConnectCustomKeyStore",
            "CreateCustomKeyStore",
            "DeleteCustomKeyStore",
            "DescribeCustomKeyStores",
            "DisconnectCustomKeyStore",
            "UpdateCustomKeyStore",
        ),
        "keys": (
            "CancelKeyDeletion",
            "CreateKey",
            "DescribeKey",
            "DisableKey",
            "EnableKey",
            "ListKeys",
            "ScheduleKeyDeletion",
            "UpdateKeyDescription",
        ),
        "macs": ("GenerateMac", "VerifyMac"),
        "multi_region": ("ReplicateKey", "UpdatePrimaryRegion"),
        "policies": ("GetKeyPolicy", "ListKeyPolicies", "PutKeyPolicy"),
        "public_keys": ("GetPublicKey",),
        "rotation": (
            "DisableKeyRotation",
            "EnableKeyRotation",
            "GetKeyRotationStatus",
            "ListKeyRotations",
            "RotateKeyOnDemand",
        ),
        "signing": ("Sign", "Verify"),
        "tags": ("ListResourceTags", "TagResource", "UntagResource"),
        "usage": ("GetKeyLastUsage",),
    }.items()
    for name in names
}

_REGISTERED: dict[str, Handler] = {}
_READY: dict[str, Operation] = {}


def operation(name: str) -> Callable[[H], H]:
    """Register the decorated function as the handler of KMS operation ``name``."""

    def register(handler: H) -> H:
        existing = _REGISTERED.get(name)
        if existing is not None:
            # The same function again is its module imported anew (pytester drops the
            # modules a test imported first): the new one replaces it. Anything else is
            # two handlers for one operation.
            same = (existing.__module__, existing.__qualname__) == (
                handler.__module__,
                handler.__qualname__,
            )
            if not same:
                raise ValueError(f"kmsmock: {name} registered twice")
            _READY.pop(name, None)
        _REGISTERED[name] = handler
        return handler

    return register


@functools.cache
def model_predates_kmsmock() -> bool:
    """Whether the installed botocore's KMS model is older than the one kmsmock is
    written against, as shown by its lacking an operation kmsmock implements.

    On such a model kmsmock simulates the KMS the model describes: a response member
    or enum value the model lacks is left out or let through, not reported as a kmsmock
    bug. On kmsmock's own model, where its test suite runs, the encoder stays strict.
    A model that has every operation but lacks a member added later counts as current.
    """
    return not _MODULE_OF.keys() <= set(service_model().operation_names)


def lookup(name: str) -> Operation | None:
    """The operation ``name``, ready to call, or None if kmsmock does not answer it.

    The handler's module is imported here, on the operation's first call, and its codec
    compiled: importing kmsmock loads neither handlers nor the model.
    """
    ready = _READY.get(name)
    if ready is None:
        if name not in service_model().operation_names:
            # An operation the installed botocore's model lacks has no shapes to decode
            # with: kmsmock then simulates the KMS that model describes, which has no
            # such operation.
            return None
        handler = _REGISTERED.get(name)
        module = _MODULE_OF.get(name)
        if handler is None and module is not None:
            importlib.import_module(f"kmsmock.operations.{module}")
            handler = _REGISTERED.get(name)
        if handler is None:
            return None
        ready = _READY[name] = Operation(name, handler)
    return ready


def implemented() -> list[str]:
    """The KMS operations kmsmock answers: those it has a handler for that the
    installed botocore's model has (an operation the model lacks is answered
    UnknownOperationException, as ``lookup`` says), the done ones of ``coverage()``."""
    names = set(service_model().operation_names)
    return sorted(name for name in _MODULE_OF if name in names)


def coverage() -> dict[str, bool]:
    """Every operation of botocore's KMS model, and whether kmsmock implements it."""
    return {name: name in _MODULE_OF for name in sorted(operation_names())}
