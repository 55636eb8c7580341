"""Hypothesis strategies for tests/test_fuzz.py, generated from botocore's KMS service model.

Every input shape of the model gets a strategy, recursively (structures, lists, maps,
strings, integers, booleans, blobs, timestamps). A member draws values that honour its
shape's constraints (enums, lengths, patterns, ranges), values just outside them, values of
the wrong type, huge and deeply nested values and unicode with lone surrogates. Members
that name KMS resources (KeyId, AliasName, GrantId, CiphertextBlob, ...) mostly draw
``Ref`` placeholders instead: things that only exist inside one example's KMS (a real
key's ARN, a grant's token, a blob Encrypt made). ``World`` creates them on first use and
puts them in, so that the fuzz reaches the handlers' deep code and not only validation.

A request is mostly valid, with a hostile value here and there, so that it usually gets
past validation to the code behind it; "clean" requests have valid values only. Besides
single random calls, an example may be a scenario: a drawn key policy (with IAM condition
operators and wildcards) put on a key and then used, or a key of any spec and usage created
and then used by the following calls.

The values are Python values, as a boto3 caller passes them (bytes for blobs, datetimes
for timestamps); ``json_text`` writes them as an awsJson1.1 body for the raw transport,
including what no Python value serialises to (NaN, 1e400, duplicate member names, arrays
nested 100,000 deep).
"""

from __future__ import annotations

import base64
import datetime
import functools
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import botocore.session
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

import kmsmock

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

    from kmsmock import MockKMS

SERVICE: ServiceModel = botocore.session.get_session().get_service_model("kms")
OPERATIONS: tuple[str, ...] = tuple(sorted(SERVICE.operation_names))
# What a raw request may name: the model's operations and any kmsmock registers besides
# (one the installed botocore lacks must still get a KMS answer).
ROUTED: tuple[str, ...] = tuple(sorted(set(OPERATIONS) | set(kmsmock.implemented())))
ACCOUNT = "123456789012"
REGION = "us-east-1"
OTHER_ACCOUNT = "111122223333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
USER = f"arn:aws:iam::{ACCOUNT}:user/fuzz"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/fuzz"
MESSAGE = b"fuzz"
MISSING_KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"

Strategy = SearchStrategy[Any]


def weighted(*options: tuple[int, Strategy]) -> Strategy:
    """One of ``options``, each drawn about ``weight`` times as often as a weight-1 one.

    Not st.one_of with repeated entries: it drops repeats. Shrinks towards the first.
    Build these once, not while drawing: a strategy's first use has a cost.
    """
    table = [strategy for weight, strategy in options for _ in range(weight)]
    return st.sampled_from(table).flatmap(lambda strategy: strategy)


# -- Leaves a Python value cannot say, for raw bodies ------------------------------------


@dataclass(frozen=True)
class RawJSON:
    """JSON text written into a raw body as it is; ``python`` is what boto3 is given."""

    text: str
    python: Any

    def __repr__(self) -> str:
        # Not the dataclass repr: str() of a 5000-digit int raises (Python's digit limit).
        shown = self.text if len(self.text) <= 20 else f"{self.text[:8]}...({len(self.text)})"
        return f"RawJSON({shown!r})"


@dataclass(frozen=True)
class Nested:
    """``depth`` arrays (or objects) around a 0, written without recursion.

    A raw body can nest deeper than json.dumps, json.loads or any recursive Python code
    manage, which is exactly what a server must survive.
    """

    depth: int
    objects: bool

    def python(self) -> Any:
        # botocore's json.dumps gives up near 1,000 levels, so deeper is only building time.
        value: Any = 0
        for _ in range(min(self.depth, 2000)):
            value = {"a": value} if self.objects else [value]
        return value


@dataclass(frozen=True)
class Duplicated:
    """A JSON object with repeated member names, which a dict cannot hold."""

    pairs: tuple[tuple[str, Any], ...]


# -- References to what exists only inside an example's KMS --------------------------------

# A key of each kind the handlers treat differently; created on first use.
KEY_SPECS: dict[str, dict[str, Any]] = {
    "symmetric": {},
    "rsa": {"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"},
    "ecc": {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"},
    "hmac": {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"},
    "ecdh": {"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT"},
    "kem": {"KeySpec": "ML_KEM_768", "KeyUsage": "ENCAPSULATE_DECAPSULATE"},
    "external": {"Origin": "EXTERNAL"},
    "multi": {"MultiRegion": True},
}
# What a grant on each kind may allow (CreateGrant refuses operations the key cannot do).
GRANT_OPERATIONS: dict[str, list[str]] = {
    "symmetric": ["Encrypt", "Decrypt", "GenerateDataKey", "DescribeKey", "RetireGrant"],
    "rsa": ["Encrypt", "Decrypt", "GetPublicKey", "DescribeKey"],
    "ecc": ["Sign", "Verify", "GetPublicKey", "DescribeKey"],
    "hmac": ["GenerateMac", "VerifyMac", "DescribeKey"],
}


@dataclass(frozen=True)
class Ref:
    """A value ``World`` makes: ``kind`` of thing, of the key (or variant) ``name``.

    ``damage`` alters the real value, so that near misses (a ciphertext with one bit
    flipped, a truncated token) reach the code that checks them.
    """

    kind: str
    name: str = ""
    damage: tuple[str, int] | None = None


def _damaged(value: Any, damage: tuple[str, int] | None) -> Any:
    if damage is None:
        return value
    how, amount = damage
    if isinstance(value, bytes):
        if how == "cut":
            return value[: max(0, len(value) - 1 - amount)]
        if how == "grow":
            return value + b"\x00" * (amount + 1)
        at = amount % max(1, len(value))
        return value[:at] + bytes([value[at] ^ 1]) + value[at + 1 :] if value else value
    if isinstance(value, str):
        if how == "cut":
            return value[: max(0, len(value) - 1 - amount)]
        if how == "grow":
            return value + "A" * (amount + 1)
        at = amount % max(1, len(value))
        return value[:at] + chr(ord(value[at]) ^ 1) + value[at + 1 :] if value else value
    return value


class World:
    """What one example's KMS holds, made through ``client`` the first time it is asked for.

    Every Ref of an example is resolved before its first fuzzed call, so what the calls
    do (delete a key, disable it) never breaks the making of the rest.
    """

    def __init__(self, client: Callable[[], KMSClient], mock: MockKMS) -> None:
        self._client = client
        self.mock = mock
        self._made: dict[tuple[str, str], Any] = {}
        # KeyId of the key the example's last successful CreateKey made.
        self.created: str | None = None

    @property
    def client(self) -> KMSClient:
        # Got on first use: a client of its own costs more than most examples.
        return self._client()

    def _once(self, kind: str, name: str, make: Callable[[], Any]) -> Any:
        if (kind, name) not in self._made:
            self._made[kind, name] = make()
        return self._made[kind, name]

    def key(self, name: str) -> dict[str, Any]:
        spec = KEY_SPECS[name]
        return dict(
            self._once(
                "key",
                name,
                lambda: self.client.create_key(**spec)["KeyMetadata"],
            )
        )

    def alias(self, name: str) -> str:
        alias = f"alias/fuzz-{name}"

        def make() -> str:
            self.client.create_alias(AliasName=alias, TargetKeyId=self.key(name)["KeyId"])
            return alias

        return str(self._once("alias", name, make))

    def grant(self, name: str) -> dict[str, Any]:
        def make() -> dict[str, Any]:
            self.mock.user("fuzz")
            return dict(
                self.client.create_grant(
                    KeyId=self.key(name)["KeyId"],
                    GranteePrincipal=USER,
                    RetiringPrincipal=ROOT,
                    Operations=GRANT_OPERATIONS[name],  # type: ignore[arg-type]
                )
            )

        return dict(self._once("grant", name, make))

    def ciphertext(self, name: str) -> bytes:
        def make() -> bytes:
            client = self.client
            if name == "rsa":
                return client.encrypt(
                    KeyId=self.key("rsa")["KeyId"],
                    Plaintext=MESSAGE,
                    EncryptionAlgorithm="RSAES_OAEP_SHA_256",
                )["CiphertextBlob"]
            if name == "data_key":
                return client.generate_data_key(
                    KeyId=self.key("symmetric")["KeyId"], KeySpec="AES_256"
                )["CiphertextBlob"]
            if name == "context":
                return client.encrypt(
                    KeyId=self.key("symmetric")["KeyId"],
                    Plaintext=MESSAGE,
                    EncryptionContext={"k": "a"},
                )["CiphertextBlob"]
            return client.encrypt(KeyId=self.key(name)["KeyId"], Plaintext=MESSAGE)[
                "CiphertextBlob"
            ]

        return bytes(self._once("ciphertext", name, make))

    def import_parameters(self) -> tuple[bytes, bytes]:
        """(import token, key material wrapped with its public key) for the EXTERNAL key."""

        def make() -> tuple[bytes, bytes]:
            answer = self.client.get_parameters_for_import(
                KeyId=self.key("external")["KeyId"],
                WrappingAlgorithm="RSAES_OAEP_SHA_256",
                WrappingKeySpec="RSA_2048",
            )
            public = serialization.load_der_public_key(answer["PublicKey"])
            assert isinstance(public, rsa.RSAPublicKey)
            oaep = padding.OAEP(
                mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None
            )
            return answer["ImportToken"], public.encrypt(os.urandom(32), oaep)

        token, material = self._once("import", "", make)
        return bytes(token), bytes(material)

    def make(self, ref: Ref) -> Any:
        kind, name = ref.kind, ref.name
        if kind == "key_id":
            return self.key(name)["KeyId"]
        if kind == "key_arn":
            return self.key(name)["Arn"]
        if kind == "alias_name":
            return self.alias(name)
        if kind == "alias_arn":
            return f"arn:aws:kms:{REGION}:{ACCOUNT}:{self.alias(name)}"
        if kind == "grant_id":
            return self.grant(name)["GrantId"]
        if kind == "grant_token":
            return self.grant(name)["GrantToken"]
        if kind == "ciphertext":
            return self.ciphertext(name)
        if kind == "signature":
            return self._once(
                kind,
                "",
                lambda: self.client.sign(
                    KeyId=self.key("ecc")["KeyId"],
                    Message=MESSAGE,
                    SigningAlgorithm="ECDSA_SHA_256",
                )["Signature"],
            )
        if kind == "mac":
            return self._once(
                kind,
                "",
                lambda: self.client.generate_mac(
                    KeyId=self.key("hmac")["KeyId"], Message=MESSAGE, MacAlgorithm="HMAC_SHA_256"
                )["Mac"],
            )
        if kind == "public_key":
            return self._once(
                kind,
                name,
                lambda: self.client.get_public_key(KeyId=self.key(name)["KeyId"])["PublicKey"],
            )
        if kind == "kem_ciphertext":
            return self._once(
                kind,
                "",
                lambda: self.client.encapsulate(
                    KeyId=self.key("kem")["KeyId"], EncapsulationAlgorithm="ML_KEM"
                )["SharedSecretCiphertextBlob"],
            )
        if kind == "import_token":
            return self.import_parameters()[0]
        if kind == "wrapped_material":
            return self.import_parameters()[1]
        if kind == "marker":

            def marker() -> str:
                self.key("symmetric")
                self.key("ecc")
                return self.client.list_keys(Limit=1)["NextMarker"]

            return self._once(kind, "", marker)
        if kind == "access_key":
            return self.mock.user("fuzz").access_key_id
        raise AssertionError(f"no Ref kind {kind}")

    def resolve(self, value: Any, now: bool = True) -> Any:
        """``value`` with every Ref in it replaced by the real thing.

        Not ``now``, a Ref to the created key stays: it names what an earlier call of the
        example made, known only once that call has run.
        """
        if isinstance(value, Ref):
            if value.kind == "created":
                if not now:
                    return value
                return _damaged(self.created or MISSING_KEY, value.damage)
            return _damaged(self.make(value), value.damage)
        if isinstance(value, dict):
            return {key: self.resolve(item, now) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item, now) for item in value]
        if isinstance(value, Duplicated):
            pairs = tuple((key, self.resolve(item, now)) for key, item in value.pairs)
            return Duplicated(pairs)
        return value


# -- Writing values out ---------------------------------------------------------------------


def for_boto3(value: Any) -> Any:
    """What a boto3 caller would pass for ``value`` (RawJSON and friends as Python)."""
    if isinstance(value, RawJSON):
        return value.python
    if isinstance(value, Nested):
        return value.python()
    if isinstance(value, Duplicated):
        return {key: for_boto3(item) for key, item in value.pairs}
    if isinstance(value, dict):
        return {key: for_boto3(item) for key, item in value.items()}
    if isinstance(value, list):
        return [for_boto3(item) for item in value]
    return value


def _json_parts(value: Any, ascii_only: bool) -> Iterator[str]:
    if isinstance(value, RawJSON):
        yield value.text
    elif isinstance(value, Nested):
        opening, closing = ('{"a":', "}") if value.objects else ("[", "]")
        yield opening * value.depth + "0" + closing * value.depth
    elif isinstance(value, bytes):
        yield '"' + base64.b64encode(value).decode("ascii") + '"'
    elif isinstance(value, datetime.datetime):
        yield repr(value.timestamp())
    elif isinstance(value, dict | Duplicated):
        pairs = value.pairs if isinstance(value, Duplicated) else value.items()
        yield "{"
        for index, (key, item) in enumerate(pairs):
            yield ("," if index else "") + json.dumps(str(key), ensure_ascii=ascii_only) + ":"
            yield from _json_parts(item, ascii_only)
        yield "}"
    elif isinstance(value, list):
        yield "["
        for index, item in enumerate(value):
            if index:
                yield ","
            yield from _json_parts(item, ascii_only)
        yield "]"
    else:
        # Scalars; a float's NaN and Infinity come out as the literals Python's json reads.
        yield json.dumps(value, ensure_ascii=ascii_only)


def json_string(value: Any, ascii_only: bool = True) -> str:
    return "".join(_json_parts(value, ascii_only))


def json_text(value: Any, ascii_only: bool = True) -> bytes:
    """``value`` as a request body. Not ASCII-only, lone surrogates become invalid UTF-8."""
    return json_string(value, ascii_only).encode("utf-8", "surrogatepass")


# -- Scalars and junk -----------------------------------------------------------------------

surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)
# All of Unicode, lone surrogates included (st.text leaves those out by default).
any_text = st.text(st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=24)
huge_text = st.sampled_from([10_000, 70_000, 140_000, 300_000]).map(lambda n: "a" * n)
# Glob-heavy text: IAM's * and ? patterns against long runs are where matching gets slow.
glob_text = weighted(
    (1, st.text("ab*?", max_size=24)),
    (2, st.integers(4, 12).map(lambda n: "*a" * n + "*b")),
    (1, st.integers(4, 12).map(lambda n: "a*" * n + "?b")),
    # Matches any long value (an ARN, an account id) nearly, failing only at the end.
    (1, st.integers(4, 12).map(lambda n: "*?" * n + "~")),
)
long_runs = st.sampled_from([200, 1000, 5000]).map(lambda n: "a" * n)

numbers_json = st.sampled_from(
    [
        RawJSON("1" + "0" * 400, 10**400),
        RawJSON("-1" + "0" * 400, -(10**400)),
        RawJSON("1" + "0" * 5000, 10**5000),
        RawJSON("1e400", float("inf")),
        RawJSON("-1e400", float("-inf")),
        RawJSON("1e-400", 0.0),
        RawJSON("NaN", float("nan")),
        RawJSON("Infinity", float("inf")),
        RawJSON("-Infinity", float("-inf")),
        RawJSON("-0", 0),
        RawJSON("1.5", 1.5),
        RawJSON("1E2", 100.0),
        RawJSON("9223372036854775808", 2**63),
    ]
)
deep = st.builds(Nested, st.sampled_from([10, 500, 990, 1000, 1100, 5000, 100_000]), st.booleans())
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=8),
    surrogates,
    numbers_json,
)
junk: Strategy = weighted(
    (
        4,
        st.recursive(
            _scalars,
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=6), inner, max_size=3)
            ),
            max_leaves=8,
        ),
    ),
    (1, deep),
    (
        1,
        st.builds(
            Duplicated,
            st.lists(st.tuples(st.sampled_from(["a", "KeyId"]), _scalars), max_size=3).map(tuple),
        ),
    ),
)


def _lengths(low: int, high: int | None) -> list[int]:
    """Lengths just past a shape's bounds."""
    sizes = {low - 1} | ({high + 1} if high is not None else set())
    return sorted(size for size in sizes if size >= 0)


# Every shape has values that honour its constraints and values that break them. A member
# draws mostly the first, so that a request usually gets past validation with one or two
# hostile values in it, which is where a handler's own code meets them.


def _string(shape: Shape, junk_too: bool = True) -> tuple[Strategy, Strategy]:
    low: int = shape.metadata.get("min", 0)
    high: int | None = shape.metadata.get("max")
    enum: list[str] = list(getattr(shape, "enum", []) or [])
    pattern: str | None = shape.metadata.get("pattern")
    top = low + 24 if high is None else min(high, low + 24)
    if enum:
        valid = st.sampled_from(enum)
    elif pattern:
        valid = st.from_regex(pattern, fullmatch=True)
    else:
        # No pattern: the model allows any string, lone surrogates included.
        valid = weighted((3, st.text(min_size=low, max_size=top)), (1, any_text))
    invalid: list[tuple[int, Strategy]] = [
        (2, any_text),
        (1, huge_text),
    ]
    if _lengths(low, high):
        invalid.append((2, st.sampled_from(_lengths(low, high)).map(lambda n: "a" * n)))
    if enum:
        invalid.append((2, st.sampled_from(enum).map(str.lower)))
    if junk_too:
        invalid.append((2, junk))
    return valid, weighted(*invalid)


def _integer(shape: Shape) -> tuple[Strategy, Strategy]:
    low: int | None = shape.metadata.get("min")
    high: int | None = shape.metadata.get("max")
    edges = {-1, 2**31, -(2**31) - 1, 2**63, 10**30}
    if low is not None:
        edges.add(low - 1)
    if high is not None:
        edges.add(high + 1)
    # Unbounded, the edges are still hostile: past Java's int and long.
    outside = [
        e for e in edges if (low is not None and e < low) or (high is not None and e > high)
    ] or list(edges)
    invalid = weighted((2, st.sampled_from(sorted(outside))), (2, numbers_json), (2, junk))
    return st.integers(low, high), invalid


def _blob(shape: Shape) -> tuple[Strategy, Strategy]:
    low: int = shape.metadata.get("min", 0)
    high: int | None = shape.metadata.get("max")
    top = low + 64 if high is None else min(high, low + 64)
    invalid = weighted(
        (1, st.sampled_from(_lengths(low, high)).map(lambda n: b"\x00" * n)),
        (1, any_text),
        (1, junk),
    )
    return st.binary(min_size=low, max_size=top), invalid


_timestamps = (
    st.datetimes(timezones=st.just(datetime.timezone.utc)),
    weighted(
        (1, st.floats() | st.integers(-(10**20), 10**20)),
        (3, numbers_json),
        (1, any_text),
        (1, junk),
    ),
)


# -- Values for members that name KMS resources ---------------------------------------------

_damage = st.one_of(
    st.none(),
    st.none(),
    st.tuples(st.sampled_from(["flip", "cut", "grow"]), st.integers(0, 400)),
)
# The symmetric key most often: the most operations accept it, so the most code runs.
key_names = weighted((4, st.just("symmetric")), (4, st.sampled_from(sorted(KEY_SPECS))))
key_refs = weighted(
    (8, st.builds(Ref, st.sampled_from(["key_id", "key_arn"]), key_names)),
    # The key the example's last successful CreateKey made, if any.
    (1, st.just(Ref("created"))),
    (3, st.builds(Ref, st.sampled_from(["alias_name", "alias_arn"]), key_names)),
    (
        3,
        st.sampled_from(
            [
                MISSING_KEY,
                f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{MISSING_KEY}",
                f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{MISSING_KEY}",
                f"arn:aws:kms:{REGION}:{OTHER_ACCOUNT}:key/{MISSING_KEY}",
                f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/missing",
                f"arn:aws:kms:{REGION}:{ACCOUNT}:key/",
                "arn:aws:kms:::key/x",
                "arn:aws:iam::123456789012:root",
                "alias/aws/s3",
                "alias/aws/ebs",
                "alias/missing",
                "alias/",
                "mrk-" + "0" * 32,
                "arn:",
            ]
        ),
    ),
)
alias_names = weighted(
    (3, st.builds(Ref, st.just("alias_name"), key_names)),
    (2, st.text("abc-/_:", max_size=12).map(lambda s: "alias/" + s)),
    (1, st.sampled_from(["alias/aws/s3", "alias/aws/fuzz", "alias/aws", "aws/s3", "alias/"])),
)
principals = st.sampled_from(
    [
        ROOT,
        USER,
        ROLE,
        f"arn:aws:iam::{ACCOUNT}:user/nobody",
        f"arn:aws:iam::{OTHER_ACCOUNT}:root",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/fuzz/session",
        "dynamodb.amazonaws.com",
        "*",
        ACCOUNT,
        "arn:aws:iam::*:root",
    ]
)
regions = weighted(
    (3, st.sampled_from(["us-west-2", "eu-west-1", REGION, "cn-north-1", "us-gov-west-1"])),
    (1, st.from_regex(r"([a-z]+-){2,3}[0-9]+", fullmatch=True)),
)
_any_contexts = st.dictionaries(
    weighted((3, st.just("k")), (1, st.text(max_size=8)), (1, surrogates)),
    weighted((1, st.text("ab", max_size=16)), (3, long_runs), (1, any_text), (1, glob_text)),
    max_size=3,
)
# Half the time the context has the key "k" with a long run, which the conditions of
# drawn policies (kms:EncryptionContext:k) match with wildcards.
contexts = weighted(
    (1, _any_contexts),
    (1, st.builds(lambda rest, value: {**rest, "k": value}, _any_contexts, long_runs)),
)
_condition_keys = weighted(
    (4, st.just("kms:EncryptionContext:k")),
    (
        2,
        st.sampled_from(
            [
                "kms:EncryptionContextKeys",
                "kms:CallerAccount",
                "kms:ViaService",
                "kms:GrantOperations",
                "kms:GranteePrincipal",
                "kms:RequestAlias",
                "kms:ResourceAliases",
                "kms:KeySpec",
                "kms:EncryptionAlgorithm",
                "aws:PrincipalArn",
                "aws:username",
                "aws:ResourceTag/k",
                "aws:RequestTag/k",
                "aws:CurrentTime",
                "aws:EpochTime",
                "aws:SourceIp",
                "aws:SecureTransport",
            ]
        ),
    ),
    (1, st.text(max_size=20)),
)
_operators = st.builds(
    lambda qualifier, base, if_exists: qualifier + base + if_exists,
    st.sampled_from(["", "", "", "ForAnyValue:", "ForAllValues:"]),
    weighted(
        (4, st.sampled_from(["StringLike", "StringNotLike", "ArnLike", "ArnNotLike"])),
        (
            2,
            st.sampled_from(
                [
                    "StringEquals",
                    "StringNotEquals",
                    "StringEqualsIgnoreCase",
                    "NumericLessThan",
                    "NumericGreaterThanEquals",
                    "DateLessThan",
                    "DateGreaterThan",
                    "Bool",
                    "BinaryEquals",
                    "IpAddress",
                    "NotIpAddress",
                    "ArnEquals",
                    "Null",
                ]
            ),
        ),
        (1, st.text(max_size=12)),
    ),
    st.sampled_from(["", "", "IfExists"]),
)
_condition_values = weighted(
    (4, glob_text),
    (1, st.sampled_from(["true", "false", "10.0.0.0/8", "::1", "2026-01-01T00:00:00Z", "1e400"])),
    (1, st.sampled_from([f"arn:aws:iam::{ACCOUNT}:*", "arn:*:*:*:*:*", "*:*:*:*:*:*:*:*:*x"])),
    (1, any_text),
    (1, st.integers() | st.booleans() | st.none()),
)
_conditions = st.dictionaries(
    _operators,
    st.dictionaries(
        _condition_keys,
        weighted((3, _condition_values), (1, st.lists(_condition_values, max_size=3))),
        min_size=1,
        max_size=2,
    ),
    min_size=1,
    max_size=2,
)


_statement_principals = weighted(
    (3, st.sampled_from(["*", {"AWS": ROOT}, {"AWS": [ROOT, USER]}, {"AWS": "*"}])),
    (1, st.builds(lambda p: {"AWS": p}, principals)),
)


@st.composite
def _statements(draw: st.DrawFn) -> dict[str, Any]:
    """A statement IAM accepts, with a condition most of the time; now and then one part
    of it is junk, so that the policy parser's refusals run too."""
    statement: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Deny"])),
        "Principal": draw(_statement_principals),
        "Action": draw(st.sampled_from(["kms:*", "*", ["kms:Encrypt", "kms:Decrypt"], "kms:Gen*"])),
        "Resource": draw(st.sampled_from(["*", ["*"], "arn:aws:kms:*"])),
    }
    if draw(st.integers(0, 3)) != 0:
        statement["Condition"] = draw(_conditions)
    if draw(st.integers(0, 5)) == 0:
        statement[draw(st.sampled_from([*statement, "Sid", "NotAction", "NotPrincipal"]))] = draw(
            junk
        )
    return statement


ALLOW_ROOT = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}
_statement_lists = st.lists(_statements(), min_size=1, max_size=3)
_versions = st.sampled_from(["2008-10-17", "", "2012-10-18"]) | junk


@st.composite
def policy_documents(draw: st.DrawFn) -> dict[str, Any]:
    statements = [ALLOW_ROOT] if draw(st.booleans()) else []
    statements += draw(_statement_lists)
    document: dict[str, Any] = {"Version": "2012-10-17", "Statement": statements}
    if draw(st.integers(0, 9)) == 0:
        document["Version"] = draw(_versions)
    if draw(st.integers(0, 9)) == 0:
        document["Statement"] = statements[-1]
    return document


policies = weighted(
    (5, policy_documents().map(json_string)),
    (1, policy_documents().map(lambda doc: json_string(doc, ascii_only=False))),
    (1, st.text(max_size=40)),
    (1, st.sampled_from(["{}", "[]", "null", '{"Statement": []}', "{" * 3000])),
)


def _refs(kind: str, *names: str) -> Strategy:
    return st.builds(Ref, st.just(kind), st.sampled_from(names or ("",)), _damage)


# Member name -> what names a resource of this example's KMS. The same names appear in
# many operations (KeyId in 40 of them), so this keys on the name, not the operation.
RESOURCE_MEMBERS: dict[str, Strategy] = {
    "KeyId": key_refs,
    "TargetKeyId": key_refs,
    "SourceKeyId": key_refs,
    "DestinationKeyId": key_refs,
    "AliasName": alias_names,
    "GrantId": _refs("grant_id", *GRANT_OPERATIONS),
    "GrantToken": _refs("grant_token", *GRANT_OPERATIONS),
    "GrantTokens": st.lists(_refs("grant_token", *GRANT_OPERATIONS), max_size=3),
    "CiphertextBlob": _refs("ciphertext", "symmetric", "rsa", "data_key", "context", "multi"),
    "SharedSecretCiphertextBlob": _refs("kem_ciphertext"),
    "Signature": _refs("signature"),
    "Mac": _refs("mac"),
    "Message": st.just(MESSAGE),
    "PublicKey": _refs("public_key", "ecc", "ecdh", "rsa", "kem"),
    "ImportToken": _refs("import_token"),
    "EncryptedKeyMaterial": _refs("wrapped_material"),
    "Marker": _refs("marker"),
    "Policy": policies,
    "GranteePrincipal": principals,
    "RetiringPrincipal": principals,
    "ReplicaRegion": regions,
    "PrimaryRegion": regions,
    "EncryptionContext": contexts,
    "SourceEncryptionContext": contexts,
    "DestinationEncryptionContext": contexts,
    "EncryptionContextSubset": contexts,
    "EncryptionContextEquals": contexts,
}


# -- Shapes ---------------------------------------------------------------------------------

_unknown_members = st.sampled_from(["Bogus", "keyId", "KEYID", "", "__type"]) | st.text(max_size=8)


def _member(name: str, shape: Shape, clean: bool) -> Strategy:
    resource = RESOURCE_MEMBERS.get(name)
    if resource is None:
        return shape_values(shape, clean)
    valid, invalid = _shape_strategies(shape.name, clean)
    if clean:
        return weighted((6, resource), (1, valid))
    return weighted((6, resource), (1, valid), (1, invalid))


def _structure(shape: StructureShape, broken: bool, clean: bool) -> Strategy:
    """Valid: every required member, optional ones half the time. Broken: a required
    member missing now and then, an unknown one half the time."""
    members = {name: _member(name, member, clean) for name, member in shape.members.items()}
    required = frozenset(shape.required_members)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, strategy in members.items():
            if name in required:
                wanted = not broken or draw(st.integers(0, 2)) != 0
            else:
                wanted = draw(st.booleans())
            if wanted:
                out[name] = draw(strategy)
        if broken and draw(st.booleans()):
            out[draw(_unknown_members)] = draw(junk)
        return out

    return build() if not broken else weighted((4, build()), (1, junk))


@functools.cache
def _shape_strategies(name: str, clean: bool) -> tuple[Strategy, Strategy]:
    """(valid, invalid) values of the shape ``name``; clean: its parts valid too.

    Keyed by name: botocore builds a new Shape object on every member access.
    """
    shape = SERVICE.shape_for(name)
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        return _structure(shape, False, clean), _structure(shape, True, clean)
    if kind == "list":
        assert isinstance(shape, ListShape)
        low: int = shape.metadata.get("min", 0)
        high: int | None = shape.metadata.get("max")
        member = shape_values(shape.member, clean)
        valid = st.lists(member, min_size=low, max_size=max(low, min(high or 4, 4)))
        too_long = st.lists(member, min_size=(high or 4) + 1, max_size=(high or 4) + 2)
        return valid, weighted((1, too_long), (2, junk))
    if kind == "map":
        assert isinstance(shape, MapShape)
        # JSON names a member with a string: other keys are the junk of the invalid side.
        keys = _string(shape.key, junk_too=False)[0]
        if not clean:
            keys = weighted((3, keys), (1, _string(shape.key, junk_too=False)[1]))
        return st.dictionaries(keys, shape_values(shape.value, clean), max_size=4), junk
    if kind == "string":
        return _string(shape)
    if kind in ("integer", "long"):
        return _integer(shape)
    if kind == "boolean":
        return st.booleans(), junk
    if kind == "blob":
        return _blob(shape)
    if kind == "timestamp":
        return _timestamps
    raise AssertionError(f"no strategy for shape type {kind}")


def shape_values(shape: Shape, clean: bool = False) -> Strategy:
    """Values of ``shape``: mostly valid, sometimes invalid; clean, valid only."""

    def values() -> Strategy:
        valid, invalid = _shape_strategies(shape.name, clean)
        return valid if clean else weighted((6, valid), (1, invalid))

    return st.deferred(values)


@functools.cache
def operation_inputs(operation: str, clean: bool = False) -> SearchStrategy[dict[str, Any]]:
    """Input of ``operation``. Clean, every value valid (resources may not exist, or be of
    the wrong kind), so that the handler's own code runs on it."""
    if operation not in OPERATIONS:
        return st.just({})
    shape = SERVICE.operation_model(operation).input_shape
    if shape is None:
        return st.just({})
    assert isinstance(shape, StructureShape)
    valid, broken = _shape_strategies(shape.name, clean)
    return valid if clean else weighted((5, valid), (1, broken))


Call = tuple[str, dict[str, Any]]


def _input_members(operation: str) -> list[str]:
    shape = SERVICE.operation_model(operation).input_shape
    return list(shape.members) if shape is not None else []


def calls(operations: tuple[str, ...] = OPERATIONS, clean: bool = False) -> SearchStrategy[Call]:
    return st.sampled_from(operations).flatmap(
        lambda name: st.tuples(st.just(name), operation_inputs(name, clean))
    )


# Operations whose key policy conditions see an encryption context.
CONTEXT_OPERATIONS = tuple(
    name
    for name in OPERATIONS
    if any("EncryptionContext" in member for member in _input_members(name))
)
# Often an example first gives the symmetric key a drawn key policy and then uses the key,
# so that policy evaluation (its condition operators against request values) runs.
policy_scenarios = st.builds(
    lambda policy, uses: [
        (
            "PutKeyPolicy",
            {
                "KeyId": Ref("key_id", "symmetric"),
                "Policy": policy,
                "BypassPolicyLockoutSafetyCheck": True,
            },
        ),
        *uses,
    ],
    policy_documents().map(json_string),
    st.lists(
        weighted((3, calls(CONTEXT_OPERATIONS, clean=True)), (1, calls(clean=True))),
        min_size=1,
        max_size=2,
    ),
)


# Key specs and the usages AWS allows each (KMS developer guide, key spec reference).
KEY_USAGES: dict[str, list[str]] = {
    "SYMMETRIC_DEFAULT": ["ENCRYPT_DECRYPT"],
    **{f"RSA_{bits}": ["ENCRYPT_DECRYPT", "SIGN_VERIFY"] for bits in (2048, 3072, 4096)},
    **{f"ECC_NIST_P{n}": ["SIGN_VERIFY", "KEY_AGREEMENT"] for n in (256, 384, 521)},
    "ECC_SECG_P256K1": ["SIGN_VERIFY"],
    "ECC_NIST_EDWARDS25519": ["SIGN_VERIFY"],
    **{f"HMAC_{bits}": ["GENERATE_VERIFY_MAC"] for bits in (224, 256, 384, 512)},
    "SM2": ["ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"],
    **{f"ML_DSA_{n}": ["SIGN_VERIFY"] for n in (44, 65, 87)},
    **{f"ML_KEM_{n}": ["ENCAPSULATE_DECAPSULATE"] for n in (512, 768, 1024)},
}
_new_keys = st.sampled_from(sorted(KEY_USAGES)).flatmap(
    lambda spec: st.tuples(st.just(spec), st.sampled_from(KEY_USAGES[spec]))
)


def _on_created(call: Call) -> Call:
    operation, parameters = call
    if not isinstance(parameters, dict) or "KeyId" not in parameters:
        return call
    return operation, {**parameters, "KeyId": Ref("created")}


# A key of any spec and usage made by the example itself, then used: the handlers' code
# for every kind of key, beyond the few kinds World makes.
created_key_scenarios = st.builds(
    lambda key, extra, uses: [
        ("CreateKey", {**extra, "KeySpec": key[0], "KeyUsage": key[1]}),
        *uses,
    ],
    _new_keys,
    st.fixed_dictionaries(
        {},
        optional={
            "Description": st.text(max_size=8),
            "MultiRegion": st.booleans(),
            "Origin": st.sampled_from(["AWS_KMS", "EXTERNAL"]),
        },
    ),
    st.lists(calls(clean=True).map(_on_created), min_size=1, max_size=3),
)


def call_sequences() -> SearchStrategy[list[Call]]:
    one = weighted((2, calls()), (1, calls(clean=True)))
    return weighted(
        (4, st.lists(one, min_size=1, max_size=3)),
        (1, policy_scenarios),
        (1, created_key_scenarios),
    )


# -- Raw requests -----------------------------------------------------------------------------

_TARGET_NAMES = st.sampled_from(["X-Amz-Target", "x-amz-target", "X-AMZ-TARGET"])


@dataclass(frozen=True)
class RawRequest:
    method: str
    url: str
    headers: Mapping[str, Any]
    body: Any
    ascii_only: bool
    unknown_credentials: Literal["default", "reject"]
    identity_policy: dict[str, Any] | None


def _authorization(access_key: Any, region: str) -> Any:
    if isinstance(access_key, Ref):
        # Resolved with the world, then spliced in; see resolve_headers.
        return (access_key, region)
    return (
        f"AWS4-HMAC-SHA256 Credential={access_key}/20260101/{region}/kms/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0"
    )


def resolve_headers(world: World, headers: Mapping[str, Any]) -> dict[str, str | bytes]:
    out: dict[str, str | bytes] = {}
    for name, value in headers.items():
        if isinstance(value, tuple):
            value = _authorization(world.make(value[0]), value[1])
        out[name] = value
    return out


_authorizations = weighted(
    (
        6,
        st.builds(
            _authorization,
            weighted(
                (3, st.just("AKIDEXAMPLE")),
                (2, st.just(Ref("access_key"))),
                (1, st.text(st.characters(exclude_characters="/,"), min_size=1, max_size=12)),
            ),
            weighted(
                (6, st.just(REGION)),
                (1, st.sampled_from(["eu-west-1", "cn-north-1", "us-gov-west-1", "xx"])),
                (1, st.text(st.characters(exclude_characters="/"), min_size=1, max_size=12)),
                (1, surrogates),
            ),
        ),
    ),
    (1, any_text),
    (1, st.just("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kms")),
    (1, st.binary(max_size=40)),
)
_pathological_bodies = st.sampled_from(
    [
        b"",
        b"null",
        b"[]",
        b'"x"',
        b"0",
        b"{",
        b"[" * 1000 + b"]" * 1000,
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 5000 + b"0" + b"}" * 5000,
        b"1" + b"0" * 400,
        b"1" + b"0" * 5000,
        b"NaN",
        b"-Infinity",
        b'{"KeyId": "\\ud800"}',
        b'{"KeyId": "\\udfff\\ud800", "Plaintext": "eA=="}',
        b'{"KeyId": "a", "KeyId": 1}',
        b'{"Limit": 1e400}',
        b'{"Limit": NaN}',
        b"\xef\xbb\xbf{}",
        b"\xff\xfe{\x00}\x00",
        b'{"KeyId": "\xed\xa0\x80"}',
        b"\x00" * 16,
    ]
)


@functools.cache
def _targets(operation: str) -> Strategy:
    return weighted(
        (8, st.just("TrentService." + operation)),
        (
            1,
            st.sampled_from(
                [
                    "",
                    "TrentService.",
                    "TrentService",
                    "trentservice." + operation,
                    "TrentService." + operation.lower(),
                    "TrentService." + operation + " ",
                    "TrentService." + operation + "\x00",
                    "DynamoDB_20120810.ListTables",
                    "TrentService.__init__",
                    "TrentService.MakeCoffee",
                ]
            ),
        ),
        (1, any_text.map(lambda s: "TrentService." + s)),
        (1, st.binary(max_size=24)),
        (1, st.none()),
    )


@functools.cache
def _bodies(operation: str) -> Strategy:
    return weighted(
        (5, operation_inputs(operation)),
        (3, operation_inputs(operation, clean=True)),
        (1, junk),
        (1, st.binary(max_size=64)),
        (2, _pathological_bodies),
    )


_maybe_authorizations = weighted((5, _authorizations), (1, st.none()))
_content_types = weighted(
    (4, st.just("application/x-amz-json-1.1")),
    (1, st.sampled_from(["application/json", ""])),
    (1, any_text),
    (1, st.none()),
)
_methods = weighted((6, st.just("POST")), (1, st.sampled_from(["GET", "PUT", ""])))
_urls = weighted((6, st.just(f"https://kms.{REGION}.amazonaws.com/")), (1, any_text))


@st.composite
def raw_requests(draw: st.DrawFn) -> RawRequest:
    operation = draw(st.sampled_from(ROUTED))
    headers: dict[str, Any] = {}
    target = draw(_targets(operation))
    if target is not None:
        headers[draw(_TARGET_NAMES)] = target
    authorization = draw(_maybe_authorizations)
    if authorization is not None:
        headers[draw(st.sampled_from(["Authorization", "authorization"]))] = authorization
    content_type = draw(_content_types)
    if content_type is not None:
        headers["Content-Type"] = content_type
    headers.update(draw(st.dictionaries(st.text(max_size=8), any_text, max_size=2)))
    body = draw(_bodies(operation))
    return RawRequest(
        method=draw(_methods),
        url=draw(_urls),
        headers=headers,
        body=body,
        ascii_only=draw(st.integers(0, 4)) != 0,
        unknown_credentials=draw(st.sampled_from(["default"] * 4 + ["reject"])),
        identity_policy=draw(st.none() | policy_documents()),
    )
