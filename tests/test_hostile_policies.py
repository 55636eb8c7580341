"""Policies built to break the parser: deep nesting and lone surrogates (issue 10, D3).

A key policy nested a thousand levels deep used to raise RecursionError inside kmsmock;
KMS answers MalformedPolicyDocumentException with an empty message, as for any document
it cannot read (KMS_BEHAVIOUR.md 5.5; authspec.md "Key policies"). kmsmock refuses JSON
nested deeper than 100 arrays and objects before parsing it (the limit is kmsmock's
choice: a readable policy nests six levels at most). A lone UTF-16 surrogate escape
("\\ud800") parses to a string that is not Unicode text and cannot be stored or returned
as UTF-8; kmsmock refuses it the same way. Identity policies given to ``kms.user`` or
``kms.role`` fail with ValueError.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from kmsmock._json_depth import nesting_exceeds, value_nesting_exceeds
from tests._helpers import error_of

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

LIMIT = 100
ROOT_ARN = "arn:aws:iam::123456789012:root"
MALFORMED = ("MalformedPolicyDocumentException", "", 400)
ADMIN = (
    '{"Sid": "%s", "Effect": "Allow", "Principal": {"AWS": "'
    + ROOT_ARN
    + '"}, "Action": "kms:*", "Resource": "*"}'
)
IDENTITY = '{"Sid": "%s", "Effect": "Allow", "Action": "kms:*", "Resource": "*"}'
# The example.
THOUSAND = '{"Statement":' + "[" * 1000 + "]" * 1000 + "}"


def _nested(depth: int, statement: str = ADMIN % "admin") -> str:
    """A policy whose arrays and objects nest ``depth`` deep, through its Id.

    kmsmock does not check the Id element's type (AWS's answer to a non-string Id is not
    recorded), so it is where a policy can nest deeply and still be accepted.
    """
    arrays = depth - 1  # the document itself is the first level
    return (
        '{"Version": "2012-10-17", "Id": '
        + "[" * arrays
        + "]" * arrays
        + f', "Statement": [{statement}]}}'
    )


def _set_policy(operation: str, client: KMSClient, key_id: str, policy: str) -> object:
    if operation == "CreateKey":
        return client.create_key(Policy=policy)
    return client.put_key_policy(KeyId=key_id, Policy=policy, PolicyName="default")


def _error(call: Callable[[], object]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        call()
    return error_of(info)


def _refused(client: KMSClient, key_id: str, operation: str, policy: str) -> None:
    before = client.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    assert _error(lambda: _set_policy(operation, client, key_id, policy)) == MALFORMED
    # Nothing changed: no new key, the old policy kept.
    assert [k["KeyId"] for k in client.list_keys()["Keys"]] == [key_id]
    assert client.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"] == before


OPERATIONS = pytest.mark.parametrize("operation", ["CreateKey", "PutKeyPolicy"])


@OPERATIONS
def test_policy_nested_a_thousand_deep(client: KMSClient, key_id: str, operation: str) -> None:
    _refused(client, key_id, operation, THOUSAND)


@OPERATIONS
def test_policy_nested_near_the_size_quota(client: KMSClient, key_id: str, operation: str) -> None:
    # 16,000 levels fit in the 32 KB quota.
    policy = '{"Statement":' + "[" * 16_000 + "]" * 16_000 + "}"
    assert len(policy) < 32768
    _refused(client, key_id, operation, policy)


@OPERATIONS
def test_policy_nested_just_over_the_limit(client: KMSClient, key_id: str, operation: str) -> None:
    _refused(client, key_id, operation, _nested(LIMIT + 1))


@OPERATIONS
def test_policy_nested_to_the_limit(client: KMSClient, key_id: str, operation: str) -> None:
    policy = _nested(LIMIT)
    created = _set_policy(operation, client, key_id, policy)
    if operation == "CreateKey":
        assert isinstance(created, dict)
        key_id = created["KeyMetadata"]["KeyId"]
    stored = client.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    assert json.loads(stored) == json.loads(policy)
    # The stored policy (pretty-printed, as deep) is read again to authorize a call.
    assert client.encrypt(KeyId=key_id, Plaintext=b"x")["KeyId"].endswith(key_id)


def test_policy_brackets_inside_strings_do_not_count(client: KMSClient, key_id: str) -> None:
    policy = '{"Version": "2012-10-17", "Statement": [%s]}' % (ADMIN % ("[{" * 5000))
    client.put_key_policy(KeyId=key_id, Policy=policy, PolicyName="default")
    stored = client.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    assert json.loads(stored)["Statement"][0]["Sid"] == "[{" * 5000


LONE_SURROGATES = {
    "high-in-sid": '{"Version": "2012-10-17", "Statement": [%s]}' % (ADMIN % "\\ud800"),
    "low-in-sid": '{"Version": "2012-10-17", "Statement": [%s]}' % (ADMIN % "x\\uDC00y"),
    "pair-reversed": '{"Version": "2012-10-17", "Statement": [%s]}' % (ADMIN % "\\ude00\\ud83d"),
    "condition-value": (
        '{"Version": "2012-10-17", "Statement": [%s, {"Effect": "Deny", "Principal": "*", '
        '"Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": '
        '{"kms:EncryptionContext:team": "\\udbff"}}}]}'
    )
    % (ADMIN % "admin"),
    "condition-key": (
        '{"Version": "2012-10-17", "Statement": [%s, {"Effect": "Deny", "Principal": "*", '
        '"Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEquals": '
        '{"kms:EncryptionContext:\\ud800": "x"}}}]}'
    )
    % (ADMIN % "admin"),
    "id": '{"Version": "2012-10-17", "Id": "\\ud800", "Statement": [%s]}' % (ADMIN % "admin"),
}


@OPERATIONS
@pytest.mark.parametrize("case", LONE_SURROGATES)
def test_policy_lone_surrogate(client: KMSClient, key_id: str, operation: str, case: str) -> None:
    _refused(client, key_id, operation, LONE_SURROGATES[case])


def test_policy_surrogate_pair_is_one_character(client: KMSClient, key_id: str) -> None:
    # An escaped pair is an ordinary character outside the BMP, printed back as itself.
    policy = '{"Version": "2012-10-17", "Statement": [%s]}' % (ADMIN % "\\ud83d\\ude00")
    client.put_key_policy(KeyId=key_id, Policy=policy, PolicyName="default")
    stored = client.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    assert '"Sid" : "\U0001f600"' in stored


def test_policy_escaped_backslash_before_u_is_text(client: KMSClient, key_id: str) -> None:
    policy = '{"Version": "2012-10-17", "Statement": [%s]}' % (ADMIN % "\\\\ud800")
    client.put_key_policy(KeyId=key_id, Policy=policy, PolicyName="default")
    stored = client.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    assert json.loads(stored)["Statement"][0]["Sid"] == "\\ud800"


# -- identity policies --------------------------------------------------------------------

DEEP_IDENTITY = '{"Version": "2012-10-17", "Statement": ' + "[" * 1000 + "]" * 1000 + "}"
TOO_DEEP = f"an identity policy nests arrays and objects at most {LIMIT} deep"


def _deep_mapping(depth: int) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for _ in range(depth):
        document = {"Statement": document}
    return document


def _cyclic() -> dict[str, Any]:
    document: dict[str, Any] = {"Version": "2012-10-17"}
    document["Statement"] = [document]
    return document


PRINCIPALS = pytest.mark.parametrize("kind", ["user", "role"])


@PRINCIPALS
@pytest.mark.parametrize(
    "policy",
    [
        pytest.param(DEEP_IDENTITY, id="text"),
        pytest.param(_nested(LIMIT + 1, IDENTITY % "x"), id="text-just-over"),
        pytest.param(_deep_mapping(5000), id="mapping"),
        pytest.param(_cyclic(), id="cyclic-mapping"),
        pytest.param([{"Version": "2012-10-17"}, DEEP_IDENTITY], id="in-a-list"),
    ],
)
def test_identity_policy_nested_too_deep(kms: MockKMS, kind: str, policy: Any) -> None:
    with pytest.raises(ValueError, match=f"^{TOO_DEEP}$"):
        getattr(kms, kind)("app", policy=policy)


@PRINCIPALS
def test_identity_policy_nested_to_the_limit(kms: MockKMS, kind: str) -> None:
    principal = getattr(kms, kind)("app", policy=_nested(LIMIT, IDENTITY % "x"))
    assert len(principal.policies) == 1


@PRINCIPALS
@pytest.mark.parametrize(
    "policy",
    [
        pytest.param(
            '{"Version": "2012-10-17", "Statement": [%s]}' % (IDENTITY % "\\ud800"), id="text"
        ),
        pytest.param(
            {"Version": "2012-10-17", "Statement": [json.loads(IDENTITY % "\\udfff")]},
            id="mapping",
        ),
    ],
)
def test_identity_policy_lone_surrogate(kms: MockKMS, kind: str, policy: Any) -> None:
    with pytest.raises(ValueError, match=r"^not a valid IAM identity policy: "):
        getattr(kms, kind)("app", policy=policy)


def test_identity_policy_refused_keeps_the_old_ones(kms: MockKMS) -> None:
    first = {"Version": "2012-10-17", "Statement": [json.loads(IDENTITY % "x")]}
    alice = kms.user("alice", policy=first)
    with pytest.raises(ValueError, match=f"^{TOO_DEEP}$"):
        alice.set_policies(DEEP_IDENTITY)
    with pytest.raises(ValueError, match=f"^{TOO_DEEP}$"):
        alice.attach_policy(_deep_mapping(LIMIT + 1))
    assert alice.policies == [first]


# -- the depth scanner --------------------------------------------------------------------


def _both(text: str, limit: int) -> bool:
    """The scanner's answer, the same for text and for its UTF-8 bytes."""
    answer = nesting_exceeds(text, limit)
    assert nesting_exceeds(text.encode("utf-8"), limit) is answer
    return answer


def test_json_depth_counts_arrays_and_objects() -> None:
    text = '{"a": [{"b": [[1]]}]}'  # five levels
    assert not _both(text, 5)
    assert _both(text, 4)
    assert _both(text, 0)
    assert not _both("1", 0)


def test_json_depth_siblings_do_not_add_up() -> None:
    text = "[" + ", ".join(["[[]]"] * 200) + "]"
    assert not _both(text, 3)
    assert _both(text, 2)


@pytest.mark.parametrize("padding", [0, 2000])
def test_json_depth_of_long_documents(padding: int) -> None:
    # Past 1 KiB the brackets are found one by one rather than counted: the answer is
    # the same, for brackets of both kinds, with as many as the limit or one more.
    filler = json.dumps("x" * padding)
    for opener, closer in (("[", "]"), ('{"a":', "}"), ("[", "}")):
        deep = opener * 50 + '[{"b": ' + filler + "}]" + closer * 50
        assert not _both(deep, 52)
        assert _both(deep, 51)
    assert not _both(filler, 0)
    assert _both("[" * 101 + filler, 100)


def test_json_depth_skips_brackets_inside_strings() -> None:
    assert not _both('["[[[[{{{{", "]]]]}}}}", "{[{["]', 1)
    assert not _both('{"[[[[": "{{{{"}', 1)


def test_json_depth_escaped_quote_does_not_end_a_string() -> None:
    # The string is  \" [[[[ \"  : no bracket in it counts.
    assert not _both('["\\" [[[[ \\""]', 1)
    # An escaped backslash does end before the quote: these brackets are outside.
    assert _both('["\\\\" ,[[[[]]]]]', 1)


def test_json_depth_unterminated_string() -> None:
    # Not JSON; the brackets after the open quote are never parsed as brackets.
    assert not _both('["' + "[" * 500, 1)
    assert not _both('["\\', 1)
    assert _both("[" * 500 + '"', 100)


def test_json_depth_after_an_unmatched_closer() -> None:
    # The parser fails at the first unmatched "]": what follows is never parsed.
    assert not _both("]" + "[" * 101, 100)
    assert not _both('["x"]]' + "[" * 101, 100)
    assert _both('["x"]]' + "[" * 102, 100)


def test_json_depth_quick_count_is_only_a_shortcut() -> None:
    # More brackets than the limit in all, few deep: the scan decides.
    text = json.dumps([[i] for i in range(500)])
    assert not _both(text, 2)
    assert _both(text, 1)


def test_json_depth_non_ascii_and_other_encodings() -> None:
    text = '["é€😀", ["\\u005b", "中[文"]]'
    assert not _both(text, 2)
    assert _both(text, 1)
    for encoding in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"):
        assert not nesting_exceeds(text.encode(encoding), 2)
        assert nesting_exceeds(text.encode(encoding), 1)


def test_json_depth_of_python_values() -> None:
    assert not value_nesting_exceeds({"a": [1, (2, {"b": "[[["})]}, 4)
    assert value_nesting_exceeds({"a": [1, (2, {"b": "[[["})]}, 3)
    assert not value_nesting_exceeds("[[[[", 0)
    assert value_nesting_exceeds(_deep_mapping(100_000), LIMIT)
    assert value_nesting_exceeds(_cyclic(), LIMIT)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\u00e9\U0001f600'),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet='[]{}"\\a', max_size=4), inner, max_size=3)
    ),
    max_leaves=20,
)


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


@given(json_values, st.booleans())
def test_json_depth_matches_the_parsed_depth(value: object, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    depth = _depth(value)
    assert not _both(text, depth)
    if depth:
        assert _both(text, depth - 1)
    assert not value_nesting_exceeds(value, depth)
    if depth:
        assert value_nesting_exceeds(value, depth - 1)
