"""mock_kms(seed=...): every generated value repeats with the same seed and the same calls."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from typing import Any

import boto3
import pytest
import time_machine
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kmsmock import MockKMS, mock_kms
from kmsmock.crypto._derive import derive_private_key

# What the subprocesses do: every kind of generated value, printed as JSON.
_SCRIPT = """
import json, sys
import boto3
from kmsmock import mock_kms

seed = sys.argv[1]
with mock_kms(seed=seed) as kms:
    client = boto3.client("kms", region_name="us-east-1")
    created = client.create_key()
    key_id = created["KeyMetadata"]["KeyId"]
    encrypted = client.encrypt(KeyId=key_id, Plaintext=b"replay me")
    grant = client.create_grant(
        KeyId=key_id, GranteePrincipal="arn:aws:iam::123456789012:root", Operations=["Decrypt"]
    )
    data_key = client.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    ec_key = client.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    ec_id = ec_key["KeyMetadata"]["KeyId"]
    mrk = client.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    hmac_id = client.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")[
        "KeyMetadata"
    ]["KeyId"]
    user = kms.user("alice")
    print(json.dumps({
        "key_id": key_id,
        "ciphertext": encrypted["CiphertextBlob"].hex(),
        "grant_id": grant["GrantId"],
        "grant_token": grant["GrantToken"],
        "data_key": data_key["Plaintext"].hex(),
        "data_key_blob": data_key["CiphertextBlob"].hex(),
        "request_ids": [
            r["ResponseMetadata"]["RequestId"] for r in (created, encrypted, grant, data_key)
        ],
        "ec_public_key": client.get_public_key(KeyId=ec_id)["PublicKey"].hex(),
        "mrk": mrk,
        "mac": client.generate_mac(
            KeyId=hmac_id, Message=b"m", MacAlgorithm="HMAC_SHA_256"
        )["Mac"].hex(),
        "access_key": user.access_key_id,
        "secret_key": user.secret_access_key,
        "random": client.generate_random(NumberOfBytes=16)["Plaintext"].hex(),
    }))
"""


@functools.cache
def _runs() -> tuple[dict[str, Any], ...]:
    """Three processes run side by side: two with one seed, one with another."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _SCRIPT, seed],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in ("replay-42", "replay-42", "replay-43")
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(json.loads(out))
    return tuple(results)


def test_seed_two_processes_with_the_same_seed_generate_the_same_values() -> None:
    first, second, _ = _runs()
    assert first == second
    assert len(bytes.fromhex(first["ciphertext"])) == len(b"replay me") + 152
    assert first["mrk"].startswith("mrk-")
    assert len(set(first["request_ids"])) == 4


def test_seed_a_different_seed_changes_every_value() -> None:
    first, _, other = _runs()
    # Each value, not just the whole: no part of a run ignores the seed.
    assert [name for name in first if first[name] == other[name]] == []


def _first_values(kms: MockKMS) -> tuple[str, bytes, str]:
    client = boto3.client("kms", region_name="us-east-1")
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    blob = client.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    return key_id, blob, kms.user("bob").access_key_id


@pytest.mark.parametrize(
    ("seed", "same", "other"), [(7, 7, "7"), ("7", "7", b"7"), (b"7", b"7", 8)]
)
def test_seed_int_str_and_bytes_seeds_repeat_and_differ_by_type(
    seed: int | str | bytes, same: int | str | bytes, other: int | str | bytes
) -> None:
    with mock_kms(seed=seed) as kms:
        first = _first_values(kms)
    with mock_kms(seed=same) as kms:
        again = _first_values(kms)
    with mock_kms(seed=other) as kms:
        different = _first_values(kms)
    assert first == again
    assert [a == b for a, b in zip(first, different, strict=True)] == [False, False, False]


def test_seed_unseeded_mocks_differ() -> None:
    with mock_kms() as kms:
        first = _first_values(kms)
    with mock_kms() as kms:
        second = _first_values(kms)
    assert [a == b for a, b in zip(first, second, strict=True)] == [False, False, False]


@pytest.mark.parametrize("seed", [1.5, True, None.__class__, ["a"]])
def test_seed_of_another_type_is_a_type_error(seed: Any) -> None:
    with pytest.raises(TypeError, match="seed must be an int, a str or bytes, not "):
        mock_kms(seed=seed)


def test_seed_reset_starts_the_same_sequence_again() -> None:
    with mock_kms(seed="reset") as kms:
        first = _first_values(kms)
        kms.reset()
        assert _first_values(kms) == first


def test_seed_a_decorated_function_gets_the_seed_each_call() -> None:
    seen: list[tuple[str, bytes, str]] = []

    @mock_kms(seed=99)
    def scenario() -> None:
        from kmsmock import current

        seen.append(_first_values(current()))

    scenario()
    scenario()
    assert seen[0] == seen[1]


@pytest.mark.kms(seed="marker")
def test_seed_marker_passes_the_seed_to_the_fixture_mock(kms_mock: MockKMS) -> None:
    values = _first_values(kms_mock)
    with mock_kms(seed="marker") as inner:
        assert _first_values(inner) == values


def test_seed_add_key_without_an_id_draws_it_from_the_seed() -> None:
    with mock_kms(seed=5) as kms:
        declared = kms.add_key().key_id
    with mock_kms(seed=5):
        created = boto3.client("kms", region_name="us-east-1").create_key()
    assert declared == created["KeyMetadata"]["KeyId"]


def _public_key(spec: str, usage: str) -> bytes:
    client: Any = boto3.client("kms", region_name="us-east-1")
    key_id = client.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]["KeyId"]
    der: bytes = client.get_public_key(KeyId=key_id)["PublicKey"]
    return der


@pytest.mark.parametrize(
    ("spec", "usage"),
    [
        ("ECC_NIST_P384", "KEY_AGREEMENT"),
        ("ECC_NIST_P521", "SIGN_VERIFY"),
        ("ECC_SECG_P256K1", "SIGN_VERIFY"),
        ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY"),
        ("ML_DSA_44", "SIGN_VERIFY"),
        ("ML_KEM_768", "ENCAPSULATE_DECAPSULATE"),
    ],
)
@pytest.mark.needs_model(enum="KeySpec", param="spec")
@pytest.mark.needs_model(enum="KeyUsageType", param="usage")
def test_seed_asymmetric_keys_are_derived_from_the_seed(spec: str, usage: str) -> None:
    with mock_kms(seed=spec):
        first = _public_key(spec, usage)
    with mock_kms(seed=spec):
        again = _public_key(spec, usage)
    with mock_kms(seed=spec + "!"):
        other = _public_key(spec, usage)
    assert first == again
    assert first != other


def test_seed_derived_rsa_keys_repeat_work_and_have_the_public_exponent_65537() -> None:
    with mock_kms(seed="rsa"):
        first = _public_key("RSA_2048", "ENCRYPT_DECRYPT")
    with mock_kms(seed="rsa"):
        client = boto3.client("kms", region_name="us-east-1")
        key_id = client.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"][
            "KeyId"
        ]
        der = client.get_public_key(KeyId=key_id)["PublicKey"]
        assert der == first
        public = serialization.load_der_public_key(der)
        assert isinstance(public, rsa.RSAPublicKey)
        assert (public.key_size, public.public_numbers().e) == (2048, 65537)
        blob = public.encrypt(
            b"secret",
            padding.OAEP(
                mgf=padding.MGF1(hashes.SHA256()),
                algorithm=hashes.SHA256(),
                label=None,
            ),
        )
        plaintext = client.decrypt(
            KeyId=key_id, CiphertextBlob=blob, EncryptionAlgorithm="RSAES_OAEP_SHA_256"
        )["Plaintext"]
    assert plaintext == b"secret"


@pytest.mark.slow
def test_seed_rsa_4096_is_derived_the_same_twice() -> None:
    with mock_kms(seed="big"):
        first = _public_key("RSA_4096", "SIGN_VERIFY")
    with mock_kms(seed="big"):
        again = _public_key("RSA_4096", "SIGN_VERIFY")
    public = serialization.load_der_public_key(first)
    assert isinstance(public, rsa.RSAPublicKey)
    assert (first == again, public.key_size) == (True, 4096)


def test_seed_data_key_pairs_repeat() -> None:
    def pair() -> tuple[bytes, bytes]:
        client = boto3.client("kms", region_name="us-east-1")
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        made = client.generate_data_key_pair(KeyId=key_id, KeyPairSpec="ECC_NIST_P256")
        return made["PublicKey"], made["PrivateKeyPlaintext"]

    with mock_kms(seed="pair"):
        first = pair()
    with mock_kms(seed="pair"):
        assert pair() == first


def test_seed_wrapping_keys_are_one_fixed_pair_per_spec_for_every_seed() -> None:
    def wrapping_public_key() -> bytes:
        client = boto3.client("kms", region_name="us-east-1")
        key_id = client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        return client.get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
        )["PublicKey"]

    with mock_kms(seed=1):
        first = wrapping_public_key()
    with mock_kms(seed=2):
        other_seed = wrapping_public_key()
    with mock_kms():
        unseeded = wrapping_public_key()
    # The seeded pair is derived from a fixed label: the same in every process.
    expected = derive_private_key("RSA_2048", b"kmsmock seeded wrapping key").public_key()
    assert (
        first
        == other_seed
        == expected.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    assert unseeded != first


def test_seed_import_tokens_repeat_at_the_same_time() -> None:
    def token() -> bytes:
        client = boto3.client("kms", region_name="us-east-1")
        key_id = client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        return client.get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
        )["ImportToken"]

    # A token carries its expiry, a date: the same only at the same time.
    with time_machine.travel(1_800_000_000, tick=False):
        with mock_kms(seed="token"):
            first = token()
        with mock_kms(seed="token"):
            again = token()
        with mock_kms(seed="other"):
            other = token()
    assert (first == again, first == other) == (True, False)


def test_seed_fault_probabilities_draw_from_their_own_stream() -> None:
    with mock_kms(seed="faults") as kms:
        plain = _first_values(kms)
    with mock_kms(seed="faults") as kms:
        # Drawn for every matching call, never firing: the values generated stay put.
        kms.faults.add("ThrottlingException", probability=0.0)
        assert _first_values(kms) == plain


def test_seed_a_refused_add_key_draws_nothing() -> None:
    with mock_kms(seed="refused") as kms:
        first = kms.add_key().key_id
    with mock_kms(seed="refused") as kms:
        with pytest.raises(ValueError, match="'Gone' is not a key state"):
            kms.add_key(state="Gone")
        assert kms.add_key().key_id == first
