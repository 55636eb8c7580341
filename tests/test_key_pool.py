"""The process's RSA key pair pool and its on-disk cache (docs/asymmetric.md), black-box
through boto3: what a test can observe is that no two keys or data key pairs of one
mock share a pair, and that a later, independent mock reuses the earlier ones' pairs.

RSA_2048 stands for every pooled spec: it generates in a tenth of a second, where
RSA_4096 can take a second, and the pool treats the specs alike.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import boto3
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kmsmock import mock_kms
from kmsmock.crypto import _cache_dir, _pool

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

SPEC: Final = "RSA_2048"
MESSAGE = b"signed by a pooled key"


def _client() -> KMSClient:
    return boto3.client("kms", region_name="us-east-1")


def _rsa_public_key(
    kms: KMSClient, usage: Literal["SIGN_VERIFY", "ENCRYPT_DECRYPT"] = "SIGN_VERIFY"
) -> bytes:
    key_id = kms.create_key(KeySpec=SPEC, KeyUsage=usage)["KeyMetadata"]["KeyId"]
    return kms.get_public_key(KeyId=key_id)["PublicKey"]


def _first_public_key() -> bytes:
    with mock_kms():
        return _rsa_public_key(_client())


@pytest.fixture
def fresh_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool as a new process has it: empty, so every pair is read or generated."""
    monkeypatch.setattr(_pool, "_pairs", {spec: [] for spec in _pool.POOLED})


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_pool: None) -> Path:
    monkeypatch.setenv(_cache_dir.ENVIRONMENT_VARIABLE, str(tmp_path))
    return tmp_path


def test_key_pool_keys_of_one_mock_are_distinct() -> None:
    with mock_kms():
        kms = _client()
        public_keys = [_rsa_public_key(kms) for _ in range(3)]
        # Encryption keys draw from the same pool and the same count.
        public_keys.append(_rsa_public_key(kms, "ENCRYPT_DECRYPT"))
    assert len(set(public_keys)) == 4


def test_key_pool_later_mock_reuses_the_pairs() -> None:
    # Every unseeded mock's first RSA_2048 pair is the pool's first.
    assert _first_public_key() == _first_public_key()


def test_key_pool_reset_reuses_the_pairs() -> None:
    with mock_kms() as mock:
        kms = _client()
        before = _rsa_public_key(kms)
        mock.reset()
        after = _rsa_public_key(kms)
        # The reset mock holds only the new key, so it cannot compare the two.
        assert len(kms.list_keys()["Keys"]) == 1
    assert after == before


def test_key_pool_pairs_sign_and_verify() -> None:
    with mock_kms():
        kms = _client()
        key_id = kms.create_key(KeySpec=SPEC, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
        signature = kms.sign(KeyId=key_id, Message=MESSAGE, SigningAlgorithm="RSASSA_PSS_SHA_256")[
            "Signature"
        ]
        verified = kms.verify(
            KeyId=key_id,
            Message=MESSAGE,
            Signature=signature,
            SigningAlgorithm="RSASSA_PSS_SHA_256",
        )
    assert verified["SignatureValid"] is True
    assert len(signature) == 256


def test_key_pool_threads_of_one_mock_get_distinct_pairs(fresh_pool: None) -> None:
    # Threads of one mock creating keys at once, the pool empty: each generates or
    # waits for a new pair, and none gets another's.
    with mock_kms(), ThreadPoolExecutor(max_workers=4) as pool:
        clients = [_client() for _ in range(4)]
        public_keys = list(pool.map(_rsa_public_key, clients))
    assert len(set(public_keys)) == 4


@pytest.mark.slow
def test_key_pool_not_used_by_seeded_mocks() -> None:
    pooled = _first_public_key()
    with mock_kms(seed=7):
        seeded = _rsa_public_key(_client())
    with mock_kms(seed=7):
        again = _rsa_public_key(_client())
    assert seeded == again
    assert seeded != pooled


def test_key_pool_data_key_pairs_of_one_mock_are_distinct() -> None:
    with mock_kms():
        kms = _client()
        wrapping = kms.create_key()["KeyMetadata"]["KeyId"]
        public_keys = [
            kms.generate_data_key_pair(KeyId=wrapping, KeyPairSpec=SPEC)["PublicKey"],
            kms.generate_data_key_pair_without_plaintext(KeyId=wrapping, KeyPairSpec=SPEC)[
                "PublicKey"
            ],
            kms.generate_data_key_pair(KeyId=wrapping, KeyPairSpec=SPEC)["PublicKey"],
            _rsa_public_key(kms),
        ]
    assert len(set(public_keys)) == 4


def test_key_pool_skips_pairs_a_loaded_state_holds(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with mock_kms() as mock:
        kms = _client()
        saved = _rsa_public_key(kms)
        mock.save(path)
    # The saved key holds the pool's first pair; a new key beside it must not.
    with mock_kms(state=path):
        kms = _client()
        [loaded_key] = kms.list_keys()["Keys"]
        loaded = kms.get_public_key(KeyId=loaded_key["KeyId"])["PublicKey"]
        created = _rsa_public_key(kms)
    assert loaded == saved
    assert created != saved


def test_key_pool_cache_writes_private_keys(cache: Path) -> None:
    public_key = _first_public_key()
    path = cache / SPEC / "0.der"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = serialization.load_der_private_key(path.read_bytes(), password=None)
    assert isinstance(stored, rsa.RSAPrivateKey)
    assert _der(stored) == public_key
    assert sorted(entry.name for entry in cache.iterdir()) == [SPEC]
    assert sorted(entry.name for entry in (cache / SPEC).iterdir()) == ["0.der"]


def test_key_pool_cache_read_by_a_new_pool(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written = _first_public_key()
    monkeypatch.setattr(_pool, "_pairs", {spec: [] for spec in _pool.POOLED})
    assert _first_public_key() == written


def test_key_pool_cache_damaged_file_is_replaced(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = _first_public_key()
    path = cache / SPEC / "0.der"
    data = bytearray(path.read_bytes())
    # A flipped bit deep in the private numbers still parses as DER.
    data[-40] ^= 0x01
    path.write_bytes(bytes(data))
    monkeypatch.setattr(_pool, "_pairs", {spec: [] for spec in _pool.POOLED})
    replaced = _first_public_key()
    assert replaced != written
    stored = serialization.load_der_private_key(path.read_bytes(), password=None)
    assert isinstance(stored, rsa.RSAPrivateKey)
    assert _der(stored) == replaced


@pytest.mark.parametrize("content", [b"", b"not DER at all"])
def test_key_pool_cache_unreadable_file_is_replaced(
    cache: Path, content: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    (cache / SPEC).mkdir()
    (cache / SPEC / "0.der").write_bytes(content)
    public_key = _first_public_key()
    stored = serialization.load_der_private_key(
        (cache / SPEC / "0.der").read_bytes(), password=None
    )
    assert isinstance(stored, rsa.RSAPrivateKey)
    assert _der(stored) == public_key


def test_key_pool_cache_of_another_size_is_replaced(cache: Path) -> None:
    # A smaller key filed under RSA_2048 (a hand-copied cache) is not used as one.
    other = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    (cache / SPEC).mkdir()
    (cache / SPEC / "0.der").write_bytes(
        other.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public_key = _first_public_key()
    stored = serialization.load_der_private_key(
        (cache / SPEC / "0.der").read_bytes(), password=None
    )
    assert isinstance(stored, rsa.RSAPrivateKey)
    assert stored.key_size == 2048
    assert _der(stored) == public_key


def test_key_pool_cache_missing_directory_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "missing"
    monkeypatch.setenv(_cache_dir.ENVIRONMENT_VARIABLE, str(missing))
    with pytest.raises(ValueError, match="KMSMOCK_KEY_CACHE") as raised:
        mock_kms()
    assert str(raised.value) == (
        f"KMSMOCK_KEY_CACHE={str(missing)!r} is not an existing directory; create it, "
        "or unset the variable to keep generated key pairs in memory only"
    )
    assert not missing.exists()


def test_key_pool_cache_file_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "file"
    file.write_bytes(b"")
    monkeypatch.setenv(_cache_dir.ENVIRONMENT_VARIABLE, str(file))
    with pytest.raises(ValueError, match="is not an existing directory"):
        mock_kms()


@pytest.mark.slow
def test_key_pool_cache_serves_a_new_process(tmp_path: Path) -> None:
    script = (
        "import boto3\n"
        "from kmsmock import mock_kms\n"
        "with mock_kms():\n"
        "    kms = boto3.client('kms', region_name='us-east-1')\n"
        "    key = kms.create_key(KeySpec='RSA_4096', KeyUsage='SIGN_VERIFY')\n"
        "    print(kms.get_public_key(KeyId=key['KeyMetadata']['KeyId'])['PublicKey'].hex())\n"
    )
    environment = {**os.environ, _cache_dir.ENVIRONMENT_VARIABLE: str(tmp_path)}

    def run() -> str:
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    first = run()
    assert run() == first
    assert sorted(entry.name for entry in (tmp_path / "RSA_4096").iterdir()) == ["0.der"]


def _der(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
