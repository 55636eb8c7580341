"""What kmsmock does not simulate yet.

A gap raises this Python error from the client call, never a KMS answer, so that a
missing feature can never pass for AWS behaviour.
"""

from __future__ import annotations


class NotYetImplemented(NotImplementedError):
    """kmsmock does not simulate this operation, parameter or case yet."""

    def __init__(self, what: str) -> None:
        super().__init__(f"kmsmock does not simulate {what} yet")
        self.what = what
