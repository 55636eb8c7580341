"""IAM wildcards in policies: ``*`` any run, ``?`` one character, everything else literal.

The semantics are the IAM JSON policy reference's (condition operators StringLike and
ArnLike; Action and Resource elements, actions without regard to case). Issue 10, D7: a
pattern such as ``*a*a*a*a*a*a*a*a*b`` used to be matched by a backtracking regex, which
takes time exponential in the length of the value. The regression tests below use values
long enough that a backtracking matcher would never finish; completing at all is the test.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from kmsmock.auth._wildcard import glob

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

ROOT_ARN = "arn:aws:iam::123456789012:root"
KEY_PREFIX = "arn:aws:kms:us-east-1:123456789012:key/"
# Fails only in its middle: a value of a's ending in "b" passes the head and tail checks.
NO_C = "*a*a*a*a*a*a*a*a*c*b"

ADMIN: dict[str, Any] = {
    "Effect": "Allow",
    "Principal": {"AWS": ROOT_ARN},
    "Action": "kms:*",
    "Resource": "*",
}


def _key_denying(client: KMSClient, **deny: Any) -> str:
    """A key whose policy lets the root do anything but what ``deny`` refuses."""
    statement = {"Effect": "Deny", "Principal": "*", "Action": "kms:Encrypt", "Resource": "*"}
    if "NotResource" in deny:
        del statement["Resource"]
    policy = {"Version": "2012-10-17", "Statement": [ADMIN, {**statement, **deny}]}
    return client.create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]


def _context_denying(client: KMSClient, operator: str, pattern: str) -> str:
    condition = {operator: {"kms:EncryptionContext:app": pattern}}
    return _key_denying(client, Condition=condition)


def _encrypts(client: KMSClient, key_id: str, app: str = "x") -> bool:
    """Whether Encrypt is allowed; a refusal must be the key policy's explicit deny."""
    try:
        client.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext={"app": app})
    except ClientError as error:
        response = error.response
        assert (
            response["Error"]["Code"],
            response["Error"]["Message"],
            response["ResponseMetadata"]["HTTPStatusCode"],
        ) == (
            "AccessDeniedException",
            f"User: {ROOT_ARN} is not authorized to perform: kms:Encrypt on resource: "
            f"{KEY_PREFIX}{key_id} with an explicit deny in a resource-based policy",
            400,
        )
        return False
    return True


def test_string_like_pathological_pattern_short_value(client: KMSClient) -> None:
    # 45 characters took 3.5 s per call with the backtracking matcher.
    key_id = _context_denying(client, "StringLike", "*a*a*a*a*a*a*a*a*b")
    assert _encrypts(client, key_id, "a" * 45)
    assert not _encrypts(client, key_id, "a" * 44 + "b")


def test_string_like_pathological_pattern_5000_characters(client: KMSClient) -> None:
    key_id = _context_denying(client, "StringLike", "*a*a*a*a*a*a*a*a*b")
    assert _encrypts(client, key_id, "a" * 5000)
    assert not _encrypts(client, key_id, "a" * 4999 + "b")
    assert not _encrypts(client, key_id, "ab" * 2500)


def test_string_like_pathological_middle_100000_characters(client: KMSClient) -> None:
    key_id = _context_denying(client, "StringLike", NO_C)
    assert _encrypts(client, key_id, "a" * 100_000 + "b")
    assert not _encrypts(client, key_id, "a" * 100_000 + "cb")


def test_string_like_pathological_single_characters_100000(client: KMSClient) -> None:
    key_id = _context_denying(client, "StringLike", "*a?*a?*a?*a?*a?*a?*a?*a?*c?b")
    assert _encrypts(client, key_id, "a" * 100_000 + "b")
    assert not _encrypts(client, key_id, "a" * 100_000 + "cab")


def test_string_not_like_pathological_middle_100000_characters(client: KMSClient) -> None:
    key_id = _context_denying(client, "StringNotLike", NO_C)
    assert not _encrypts(client, key_id, "a" * 100_000 + "b")
    assert _encrypts(client, key_id, "a" * 100_000 + "cb")


@pytest.mark.parametrize(
    ("action", "denied"),
    [
        ("kms:Encrypt", True),
        ("KMS:eNcRyPt", True),
        ("kms:En*", True),
        ("kms:*crypt", True),
        ("kms:En?rypt", True),
        ("kms:*n*r*t", True),
        ("kms:??????t", True),
        ("kms:Encrypt?", False),
        ("kms:?Encrypt", False),
        ("kms:De*", False),
        ("kms:*n*r*x", False),
    ],
)
def test_action_pattern(client: KMSClient, action: str, denied: bool) -> None:
    key_id = _key_denying(client, Action=action)
    assert _encrypts(client, key_id) is not denied


@pytest.mark.parametrize(
    ("resource", "denied"),
    [
        ("arn:aws:kms:us-east-1:123456789012:key/*", True),
        ("arn:aws:kms:*:key/*", True),
        ("arn:aws:kms:us-east-?:123456789012:*", True),
        ("*:key/*-*-*-*-*", True),
        ("ARN:aws:kms:us-east-1:123456789012:key/*", False),
        ("arn:aws:kms:us-west-2:123456789012:key/*", False),
        ("arn:aws:kms:*:alias/*", False),
    ],
)
def test_resource_pattern(client: KMSClient, resource: str, denied: bool) -> None:
    key_id = _key_denying(client, Resource=resource)
    assert _encrypts(client, key_id) is not denied


@pytest.mark.parametrize(
    ("resource", "denied"),
    [("arn:aws:kms:*:*:key/*", False), ("arn:aws:kms:*:*:alias/*", True)],
)
def test_not_resource_pattern(client: KMSClient, resource: str, denied: bool) -> None:
    key_id = _key_denying(client, NotResource=resource)
    assert _encrypts(client, key_id) is not denied


# -- the matcher against a reference ----------------------------------------------------


def _reference(pattern: str, value: str) -> bool:
    """The textbook dynamic program: ``row[j]`` is whether the pattern so far matches value[:j]."""
    row = [True] + [False] * len(value)
    for symbol in pattern:
        if symbol == "*":
            # Any run: value[:j] matches when some shorter prefix already did.
            for j in range(1, len(value) + 1):
                row[j] = row[j] or row[j - 1]
        else:
            row = [False] + [row[j] and symbol in ("?", value[j]) for j in range(len(value))]
    return row[-1]


# Few symbols, so that random patterns and values often match; regex metacharacters and
# a newline show that nothing but * and ? is special.
patterns = st.text(alphabet="aAb*?.[\\\n", max_size=12)
values = st.text(alphabet="aAb.[\\\n", max_size=16)


@settings(max_examples=600)
@given(patterns, values)
def test_wildcard_matches_like_the_reference(pattern: str, value: str) -> None:
    assert glob(pattern)(value) is _reference(pattern, value)


@settings(max_examples=600)
@given(patterns, values)
def test_wildcard_ignoring_case_matches_like_the_reference(pattern: str, value: str) -> None:
    assert glob(pattern, True)(value) is _reference(pattern.lower(), value.lower())


@given(st.text(alphabet="ab*?", max_size=10), st.text(alphabet="ab", max_size=12))
def test_wildcard_small_alphabet(pattern: str, value: str) -> None:
    assert glob(pattern)(value) is _reference(pattern, value)


def test_wildcard_ignoring_case_lengthens_a_character() -> None:
    # "İ" lowers to two characters (i and a combining dot); both sides are lowered alike.
    assert glob("??", True)("İ")
    assert not glob("?", True)("İ")
    assert glob("i*", True)("İx")


def test_wildcard_pathological_values_complete() -> None:
    assert not glob(NO_C)("a" * 1_000_000 + "b")
    assert glob(NO_C)("a" * 1_000_000 + "cb")
    assert not glob("*a?*a?*a?*a?*c?b")("a" * 1_000_000 + "b")
