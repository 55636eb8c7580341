"""What authorization decided for a call, kept for the journal and ``kms.explain``.

The authorizer notes each decision it takes (one per key or resource a call is checked
against) in the trail of the call being answered. The trail is per thread: a call is
answered synchronously, under the backend's lock, by the thread that received it.
Noting costs one attribute read and one append, and nothing at all outside a call.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

# What decided, in Decision.decided_by.
KEY_POLICY = "key policy"
IAM_POLICY = "IAM policy"
KEY_POLICY_AND_IAM = "key policy and IAM policy"
GRANT = "grant"
NOTHING = "no policy or grant"

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "Allow", "ExplicitDeny", "ImplicitDeny"


class Decision(NamedTuple):
    """One authorization decision: may the caller perform ``action`` on ``resource``.

    ``effect`` is "Allow", "ExplicitDeny" (a Deny statement matched) or "ImplicitDeny"
    (nothing allowed). ``key_statement`` and ``iam_statement`` name the statement that
    counted, by its Sid or, without one, by its position (``"#2"``, from 1);
    ``iam_policy`` is the position of the caller's identity policy that held it (from 1);
    ``grant_id`` the grant that allowed the call. ``iam_restricted`` is False when the
    caller has no identity policies, which kmsmock takes as IAM allowing everything.
    """

    action: str
    resource: str
    effect: str
    decided_by: str
    key_statement: str | None = None
    iam_policy: int | None = None
    iam_statement: str | None = None
    grant_id: str | None = None
    iam_restricted: bool = True

    @property
    def allowed(self) -> bool:
        """Whether the call was allowed."""
        return self.effect == ALLOW


class _Trail(threading.local):
    decisions: list[Decision] | None = None


_trail = _Trail()


def note(decision: Decision) -> None:
    """Record ``decision`` in the trail of the call being answered, if any."""
    decisions = _trail.decisions
    if decisions is not None:
        decisions.append(decision)


def begin() -> list[Decision]:
    """Start the trail of a call on this thread; ``end()`` stops it."""
    decisions: list[Decision] = []
    _trail.decisions = decisions
    return decisions


def end() -> None:
    _trail.decisions = None


# One-decision trails, by their decision: most calls take a decision shared by every
# call like it (authorize's common case), and the journal keeps thousands of their
# trails; sharing the tuple too saves 48 bytes a recorded call. Bounded, as the
# decisions' own cache is.
_SINGLES: dict[Decision, tuple[Decision]] = {}
_SINGLES_LIMIT = 4096


def frozen(decisions: list[Decision]) -> tuple[Decision, ...]:
    """The trail as the journal keeps it: a tuple, shared by equal one-decision trails."""
    if len(decisions) != 1:
        return tuple(decisions)
    (only,) = decisions
    single = _SINGLES.get(only)
    if single is None:
        single = (only,)
        if len(_SINGLES) < _SINGLES_LIMIT:
            _SINGLES[only] = single
    return single
