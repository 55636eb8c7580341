"""kmsmock: a faithful, in-process simulation of AWS KMS for boto3 test suites."""

from kmsmock import _hook
from kmsmock._dispatch import coverage, implemented
from kmsmock._faults import Fault, Faults
from kmsmock._gaps import NotYetImplemented
from kmsmock._hook import patch_client
from kmsmock._mock import DEFAULT_ACCOUNT, DEFAULT_REGION, MockKMS, current, mock_kms
from kmsmock.auth._decision import Decision
from kmsmock.auth._principals import AssumedRole, Credentials, Principal, Role, Root, User
from kmsmock.backend._clock import Clock
from kmsmock.backend._fields import StateError
from kmsmock.backend._journal import Call, Journal
from kmsmock.backend._key import Key
from kmsmock.backend._keystate import KeyState

_hook.install()

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_REGION",
    "AssumedRole",
    "Call",
    "Clock",
    "Credentials",
    "Decision",
    "Fault",
    "Faults",
    "Journal",
    "Key",
    "KeyState",
    "MockKMS",
    "NotYetImplemented",
    "Principal",
    "Role",
    "Root",
    "StateError",
    "User",
    "coverage",
    "current",
    "implemented",
    "mock_kms",
    "patch_client",
]
