"""``kms.explain(call)``: the authorization decisions of a journal entry, in words."""

from __future__ import annotations

from kmsmock.auth._decision import (
    ALLOW,
    EXPLICIT_DENY,
    GRANT,
    IAM_POLICY,
    KEY_POLICY,
    KEY_POLICY_AND_IAM,
    Decision,
)
from kmsmock.backend._journal import Call


def _statement(label: str | None) -> str:
    if label is None:
        return "a statement"
    if label.startswith("#"):
        return f"statement {label} (no Sid)"
    return f"statement {label!r}"


def _iam(decision: Decision) -> str:
    if not decision.iam_restricted:
        return "the caller has no IAM policies, which kmsmock takes as IAM allowing"
    return (
        f"{_statement(decision.iam_statement)} of the caller's IAM policy "
        f"#{decision.iam_policy} allows"
    )


def _sentence(call: Call, decision: Decision) -> str:
    what = f"kms:{decision.action} on {decision.resource}"
    if decision.effect == ALLOW:
        by = decision.decided_by
        if by == GRANT:
            return f"Allowed {what} by grant {decision.grant_id}."
        if by == KEY_POLICY:
            return (
                f"Allowed {what} by {_statement(decision.key_statement)} of the key policy, "
                "which names the caller."
            )
        if by == KEY_POLICY_AND_IAM:
            return (
                f"Allowed {what}: {_statement(decision.key_statement)} of the key policy "
                f"allows the caller's account (or the caller), and {_iam(decision)}."
            )
        if by == IAM_POLICY:
            return f"Allowed {what}: {_iam(decision)}."
        return f"Allowed {what}."
    if decision.effect == EXPLICIT_DENY:
        if decision.decided_by == KEY_POLICY:
            where = f"{_statement(decision.key_statement)} of the key policy"
        else:
            where = (
                f"{_statement(decision.iam_statement)} of the caller's IAM policy "
                f"#{decision.iam_policy}"
            )
        return f"Denied {what} by an explicit Deny: {where}. An explicit Deny always wins."
    parts = []
    if ":key/" not in decision.resource:
        parts.append("no statement of the caller's IAM policies allows it")
    elif decision.key_statement is not None:
        parts.append(
            f"{_statement(decision.key_statement)} of the key policy names only the "
            "caller's account, which delegates to IAM, and no IAM policy statement allows"
        )
    else:
        parts.append("no key policy statement allows the caller")
    parts.append("no grant allows it")
    return f"Denied {what}: nothing allows it ({'; '.join(parts)})."


def explain(call: Call) -> str:
    """Why authorization allowed or refused ``call``, one line per decision."""
    if not isinstance(call, Call):
        raise TypeError(f"explain takes a call of kms.calls, not {call!r}")
    decisions = call.decisions
    head = f"{call.operation} by {call.principal}"
    if call.fault is not None and call.error is not None:
        return f"{head}: answered {call.error} by the injected fault {call.fault}."
    if call.fault is not None:
        head += f" (delayed by the injected fault {call.fault})"
    if not decisions:
        outcome = f"failed with {call.error}" if call.error else "succeeded"
        return f"{head}: {outcome} with no authorization decision taken."
    lines = [f"{head}:"] + [f"  {_sentence(call, d)}" for d in decisions]
    if call.error is not None and all(d.allowed for d in decisions):
        lines.append(f"  The call then failed with {call.error}: {call.message or ''}".rstrip())
    return "\n".join(lines)
