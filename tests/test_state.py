"""Saved state: ``kms.save(path)``, ``mock_kms(state=path)``, ``kms.load(path)``, the
server's ``--state`` and ``/_kmsmock/state``, seed files and ``import-local-kms``.

Black-box: a state is built with boto3 calls, saved, loaded into a fresh mock, and
compared through boto3 calls again (describe, list, decrypt, verify, grants, principals).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

import kmsmock
from kmsmock import MockKMS, StateError, mock_kms
from kmsmock._cli import main
from kmsmock.server import ThreadedKMSServer
from tests._helpers import client_of, control, error_of, serving

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

A = "123456789012"
REGION = "us-east-1"
DAY = 86400.0
MATERIAL = bytes(range(32))
ALLOW_DESCRIBE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "kms:DescribeKey", "Resource": "*"}],
}


def _client(region: str = REGION) -> KMSClient:
    return boto3.client("kms", region_name=region)


def _wrap(public_der: bytes, material: bytes) -> bytes:
    public = serialization.load_der_public_key(public_der)
    assert isinstance(public, rsa.RSAPublicKey)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    return public.encrypt(material, oaep)


def _import(client: KMSClient, key_id: str, material: bytes, **options: Any) -> None:
    given = client.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
    )
    client.import_key_material(
        KeyId=key_id,
        ImportToken=given["ImportToken"],
        EncryptedKeyMaterial=_wrap(given["PublicKey"], material),
        **options,
    )


def _view(client: KMSClient, regions: tuple[str, ...] = (REGION, "eu-west-1")) -> dict[str, Any]:
    """What boto3 sees of the state: every list and description, without request ids."""
    seen: dict[str, Any] = {}
    for region in regions:
        kms = _client(region)
        keys = [k["KeyId"] for k in kms.list_keys()["Keys"]]
        for key_id in keys:
            meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
            entry: dict[str, Any] = {
                "metadata": meta,
                "policy": kms.get_key_policy(KeyId=key_id)["Policy"],
                "tags": kms.list_resource_tags(KeyId=key_id)["Tags"],
                "grants": kms.list_grants(KeyId=key_id)["Grants"],
            }
            if meta["KeySpec"] == "SYMMETRIC_DEFAULT" and meta["Origin"] == "AWS_KMS":
                status = dict(kms.get_key_rotation_status(KeyId=key_id))
                status.pop("ResponseMetadata")
                entry["rotation"] = status
                entry["rotations"] = kms.list_key_rotations(KeyId=key_id)["Rotations"]
            if meta["KeySpec"].startswith(("RSA", "ECC")) and meta["KeyState"] == "Enabled":
                entry["public"] = kms.get_public_key(KeyId=key_id)["PublicKey"]
            seen[f"{region}/{key_id}"] = entry
        seen[f"{region}/aliases"] = kms.list_aliases()["Aliases"]
        seen[f"{region}/stores"] = kms.describe_custom_key_stores()["CustomKeyStores"]
    return seen


class Rich:
    """A state with one of everything the issue lists, and what to check it by."""

    def __init__(self, kms: MockKMS) -> None:
        client = _client()
        self.symmetric = client.create_key(
            Description="sym", Tags=[{"TagKey": "t", "TagValue": "v"}]
        )["KeyMetadata"]["KeyId"]
        self.old_blob = client.encrypt(KeyId=self.symmetric, Plaintext=b"old")["CiphertextBlob"]
        client.rotate_key_on_demand(KeyId=self.symmetric)
        client.enable_key_rotation(KeyId=self.symmetric, RotationPeriodInDays=90)
        self.new_blob = client.encrypt(KeyId=self.symmetric, Plaintext=b"new")["CiphertextBlob"]
        client.create_alias(AliasName="alias/sym", TargetKeyId=self.symmetric)
        self.alice = kms.user("alice", policy=ALLOW_DESCRIBE)
        self.reader = kms.role("reader", policy=ALLOW_DESCRIBE).session("s1")
        policy = json.loads(client.get_key_policy(KeyId=self.symmetric)["Policy"])
        policy["Statement"].append(
            {
                "Sid": "alice",
                "Effect": "Allow",
                "Principal": {"AWS": self.alice.arn},
                "Action": "kms:DescribeKey",
                "Resource": "*",
            }
        )
        client.put_key_policy(KeyId=self.symmetric, Policy=json.dumps(policy))
        grant = client.create_grant(
            KeyId=self.symmetric,
            GranteePrincipal=self.alice.arn,
            RetiringPrincipal=f"arn:aws:iam::{A}:root",
            Operations=["Decrypt", "Encrypt"],
            Constraints={"EncryptionContextSubset": {"app": "x"}},
            Name="g",
        )
        self.grant_token, self.grant_id = grant["GrantToken"], grant["GrantId"]
        self.disabled = client.create_key()["KeyMetadata"]["KeyId"]
        client.disable_key(KeyId=self.disabled)
        self.rsa = client.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"][
            "KeyId"
        ]
        self.signature = client.sign(
            KeyId=self.rsa, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256"
        )["Signature"]
        self.ecc = client.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")[
            "KeyMetadata"
        ]["KeyId"]
        client.get_public_key(KeyId=self.ecc)
        self.hmac = client.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")[
            "KeyMetadata"
        ]["KeyId"]
        self.mac = client.generate_mac(KeyId=self.hmac, Message=b"m", MacAlgorithm="HMAC_SHA_256")[
            "Mac"
        ]
        self.external = client.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        self.valid_to = kms.clock.now() + 20 * DAY
        _import(
            client,
            self.external,
            MATERIAL,
            ExpirationModel="KEY_MATERIAL_EXPIRES",
            ValidTo=datetime.datetime.fromtimestamp(self.valid_to, datetime.timezone.utc),
        )
        self.external_blob = client.encrypt(KeyId=self.external, Plaintext=b"ext")["CiphertextBlob"]
        self.mrk = client.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
        self.mrk_blob = client.encrypt(KeyId=self.mrk, Plaintext=b"mr")["CiphertextBlob"]
        client.replicate_key(KeyId=self.mrk, ReplicaRegion="eu-west-1")
        self.store = client.create_custom_key_store(
            CustomKeyStoreName="hsm",
            CloudHsmClusterId="cluster-234abcdefgh",
            TrustAnchorCertificate="<certificate>",
            KeyStorePassword="kmsPswd",
        )["CustomKeyStoreId"]
        client.connect_custom_key_store(CustomKeyStoreId=self.store)
        self.hsm_key = client.create_key(Origin="AWS_CLOUDHSM", CustomKeyStoreId=self.store)[
            "KeyMetadata"
        ]["KeyId"]
        client.disconnect_custom_key_store(CustomKeyStoreId=self.store)
        kms.clock.advance(days=3)
        self.deleted = client.create_key()["KeyMetadata"]["KeyId"]
        self.deleted_blob = client.encrypt(KeyId=self.deleted, Plaintext=b"d")["CiphertextBlob"]
        client.schedule_key_deletion(KeyId=self.deleted, PendingWindowInDays=7)
        kms.clock.advance(days=8)

    def check(self, kms: MockKMS) -> None:
        """Everything still works as before the reload."""
        client = _client()
        assert client.decrypt(CiphertextBlob=self.old_blob)["Plaintext"] == b"old"
        assert client.decrypt(CiphertextBlob=self.new_blob)["Plaintext"] == b"new"
        assert client.decrypt(CiphertextBlob=self.external_blob)["Plaintext"] == b"ext"
        assert _client("eu-west-1").decrypt(CiphertextBlob=self.mrk_blob)["Plaintext"] == b"mr"
        assert client.verify(
            KeyId=self.rsa,
            Message=b"m",
            Signature=self.signature,
            SigningAlgorithm="RSASSA_PSS_SHA_256",
        )["SignatureValid"]
        assert client.verify_mac(
            KeyId=self.hmac, Message=b"m", MacAlgorithm="HMAC_SHA_256", Mac=self.mac
        )["MacValid"]
        with pytest.raises(ClientError) as gone:
            client.decrypt(CiphertextBlob=self.deleted_blob)
        assert error_of(gone)[0] == "AccessDeniedException"
        # The principals keep their credentials, and their policies.
        alice = kms.user("alice")
        as_alice = boto3.client("kms", region_name=REGION, **alice.credentials)
        assert as_alice.describe_key(KeyId=self.symmetric)["KeyMetadata"]["KeyId"] == self.symmetric
        blob = as_alice.encrypt(
            KeyId=self.symmetric,
            Plaintext=b"by grant",
            EncryptionContext={"app": "x"},
            GrantTokens=[self.grant_token],
        )["CiphertextBlob"]
        assert client.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "x"})["Plaintext"] == (
            b"by grant"
        )
        with pytest.raises(ClientError) as denied:
            as_alice.encrypt(KeyId=self.disabled, Plaintext=b"x")
        assert error_of(denied)[0] == "AccessDeniedException"
        session = boto3.client("kms", region_name=REGION, **self.reader.credentials)
        assert session.describe_key(KeyId=self.symmetric)["KeyMetadata"]["Enabled"] is True
        # The disconnected store's key is Unavailable until the store connects again.
        assert client.describe_key(KeyId=self.hsm_key)["KeyMetadata"]["KeyState"] == "Unavailable"
        client.connect_custom_key_store(CustomKeyStoreId=self.store)
        assert client.describe_key(KeyId=self.hsm_key)["KeyMetadata"]["KeyState"] == "Enabled"
        # A grant retired by its token after the reload.
        client.retire_grant(GrantToken=self.grant_token)
        assert client.list_grants(KeyId=self.symmetric)["Grants"] == []
        with pytest.raises(ClientError) as retired:
            client.retire_grant(GrantToken=self.grant_token)
        assert error_of(retired) == (
            "NotFoundException",
            f"Grant ID {self.grant_id} not found",
            400,
        )


def test_rich_state_round_trips_through_a_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with mock_kms() as kms:
        rich = Rich(kms)
        before = _view(_client())
        offset = kms.clock.now() - time.time()
        kms.save(path)
    with mock_kms(state=path) as kms:
        assert _view(_client()) == before
        assert abs(kms.clock.now() - time.time() - offset) < 5
        rich.check(kms)
        # The imported material still expires at its ValidTo.
        kms.clock.set(rich.valid_to + 1)
        state = _client().describe_key(KeyId=rich.external)["KeyMetadata"]["KeyState"]
        assert state == "PendingImport"


def test_a_reloaded_state_saves_to_the_same_document(tmp_path: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    with mock_kms() as kms:
        Rich(kms)
        kms.save(first)
    with mock_kms(state=first) as kms:
        kms.save(second)
    saved = [json.loads(p.read_text()) for p in (first, second)]
    for document in saved:
        document["clock"].pop("saved_at")
    assert saved[0] == saved[1]
    assert saved[0]["format"] == "kmsmock-state"
    assert saved[0]["version"] == 1
    # Readable and diffable: sorted members, indented, one member a line.
    text = first.read_text()
    assert (
        text
        == json.dumps(saved[0] | {"clock": json.loads(text)["clock"]}, indent=2, sort_keys=True)
        + "\n"
    )


def test_a_key_pending_deletion_is_deleted_on_time_after_a_reload(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with mock_kms() as kms:
        client = _client()
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        deletion = client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)["DeletionDate"]
        kms.save(path)
    with mock_kms(state=path) as kms:
        client = _client()
        kms.clock.set(deletion - datetime.timedelta(seconds=1))
        meta = client.describe_key(KeyId=key_id)["KeyMetadata"]
        assert (meta["KeyState"], meta["DeletionDate"]) == ("PendingDeletion", deletion)
        kms.clock.set(deletion)
        with pytest.raises(ClientError) as gone:
            client.describe_key(KeyId=key_id)
        arn = f"arn:aws:kms:{REGION}:{A}:key/{key_id}"
        assert error_of(gone) == ("NotFoundException", f"Key '{arn}' does not exist", 400)


def test_an_on_demand_rotation_under_way_completes_after_a_reload(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with mock_kms(on_demand_rotation_seconds=60) as kms:
        client = _client()
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        client.rotate_key_on_demand(KeyId=key_id)
        kms.save(path)
    with mock_kms(state=path, on_demand_rotation_seconds=60) as kms:
        client = _client()
        status = client.get_key_rotation_status(KeyId=key_id)
        assert "OnDemandRotationStartDate" in status
        assert client.list_key_rotations(KeyId=key_id)["Rotations"] == []
        kms.clock.advance(seconds=61)
        rotations = client.list_key_rotations(KeyId=key_id)["Rotations"]
        assert [r["RotationType"] for r in rotations] == ["ON_DEMAND"]


def test_a_replica_being_created_is_ready_on_time_after_a_reload(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with mock_kms(replica_creation_seconds=60) as kms:
        client = _client()
        key_id = client.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
        client.replicate_key(KeyId=key_id, ReplicaRegion="eu-west-1")
        kms.save(path)
    with mock_kms(state=path) as kms:
        replica = _client("eu-west-1")
        assert replica.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Creating"
        kms.clock.advance(seconds=59)
        assert replica.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Creating"
        kms.clock.advance(seconds=1)
        assert replica.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"


def test_the_saved_clock_offset_and_the_master_secret_come_back(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with mock_kms() as kms:
        kms.clock.advance(days=100)
        key_id = _client().create_key()["KeyMetadata"]["KeyId"]
        blob = _client().encrypt(KeyId=key_id, Plaintext=b"p")["CiphertextBlob"]
        kms.save(path)
    # Two mocks load the same file: each decrypts what the other encrypts.
    with mock_kms(state=path) as kms:
        assert 99 * DAY < kms.clock.now() - time.time() < 101 * DAY
        assert _client().decrypt(CiphertextBlob=blob)["Plaintext"] == b"p"
        other = _client().encrypt(KeyId=key_id, Plaintext=b"q")["CiphertextBlob"]
    with mock_kms(state=path):
        assert _client().decrypt(CiphertextBlob=other)["Plaintext"] == b"q"


# -- refused files ---------------------------------------------------------------------


def _saved(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / "good.json"
    with mock_kms() as kms:
        client = _client()
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        client.create_alias(AliasName="alias/a", TargetKeyId=key_id)
        client.create_grant(
            KeyId=key_id, GranteePrincipal=f"arn:aws:iam::{A}:root", Operations=["Decrypt"]
        )
        kms.user("bob")
        kms.save(path)
    return path, json.loads(path.read_text())


def _damage(document: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> str:
    change(document)
    return json.dumps(document)


DAMAGE: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "newer",
        lambda d: d.update(version=2),
        "this state has format version 2, newer than this kmsmock reads (version 1): "
        "upgrade kmsmock to load it",
    ),
    (
        "format",
        lambda d: d.update(format="other"),
        'not a kmsmock state: "format" must be "kmsmock-state"',
    ),
    ("type", lambda d: d["keys"][0].update(id=5), "state.keys[0].id: expected a string, found int"),
    ("missing", lambda d: d["keys"][0].pop("id"), "state.keys[0].id: missing"),
    (
        "unknown",
        lambda d: d["keys"][0].update(colour="red"),
        "state.keys[0]: unknown member(s) 'colour'",
    ),
    (
        "alias",
        lambda d: d["aliases"][0].update(target="9d0c4b40-5e2f-4d6e-9a41-0e1c2f3a4b5c"),
        "state.aliases[0].target: no key 9d0c4b40-5e2f-4d6e-9a41-0e1c2f3a4b5c for alias/a",
    ),
    (
        "state",
        lambda d: d["keys"][0].update(state="Sleeping"),
        "state.keys[0].state: 'Sleeping' is not one of Creating, Disabled, Enabled, "
        "PendingDeletion, PendingImport, PendingReplicaDeletion, Unavailable, Updating",
    ),
    (
        "secret",
        lambda d: d.update(master_secret="c2hvcnQ="),
        "state.master_secret: must be 32 bytes",
    ),
    (
        "base64",
        lambda d: d["keys"][0]["material"]["versions"][0].update(material="%%%"),
        "state.keys[0].material.versions[0].material: not base64",
    ),
    (
        "token",
        lambda d: d["grant_tokens"].update(t={"key": "nope", "grant_id": "g"}),
        "state.grant_tokens['t'].key: not a key ARN",
    ),
    (
        "principal",
        lambda d: d["principals"]["users"][0].update(path="no-slashes"),
        "state.principals: an IAM path starts and ends with '/', not 'no-slashes'",
    ),
    (
        "version index",
        lambda d: d["keys"][0]["material"].update(current=3),
        "state.keys[0].material.current: no version 3",
    ),
]


@pytest.mark.parametrize(
    ("change", "message"), [(c, m) for _, c, m in DAMAGE], ids=[n for n, _, _ in DAMAGE]
)
def test_a_damaged_or_newer_file_is_refused_and_nothing_changes(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    good, document = _saved(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text(_damage(document, change))
    with mock_kms(state=good) as kms:
        before = _view(_client(), (REGION,))
        saved_before = json.loads(good.read_text())
        with pytest.raises(StateError) as refused:
            kms.load(bad)
        assert str(refused.value) == message
        assert _view(_client(), (REGION,)) == before
        kms.save(tmp_path / "after.json")
    after = json.loads((tmp_path / "after.json").read_text())
    for saved in (saved_before, after):
        saved["clock"].pop("saved_at")
    assert after == saved_before


def test_a_file_that_is_not_json_is_refused_at_activation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "kmsmock-state",')
    mock = mock_kms(state=bad)
    with pytest.raises(StateError) as refused:
        mock.start()
    assert str(refused.value).startswith(f"{bad} is not JSON: ")
    assert not mock.active
    assert kmsmock._mock.innermost() is None
    assert isinstance(refused.value, ValueError)


def test_bad_state_options_are_refused_before_anything_starts(tmp_path: Path) -> None:
    with pytest.raises(
        TypeError, match=r"^state must be a file path \(str or os.PathLike\), not 5$"
    ):
        mock_kms(state=5)  # type: ignore[call-overload]
    with pytest.raises(
        TypeError, match=r"^a server takes state_file=, which it loads and saves, not state=$"
    ):
        ThreadedKMSServer(state=tmp_path / "s.json")
    with pytest.raises(FileNotFoundError):
        mock_kms(state=tmp_path / "missing.json").start()


# -- over HTTP -------------------------------------------------------------------------


def _remote(server: ThreadedKMSServer) -> KMSClient:
    return client_of(server.endpoint_url, REGION)


def test_state_over_http_get_and_put() -> None:
    with ThreadedKMSServer() as source, ThreadedKMSServer() as target:
        key_id = _remote(source).create_key(Description="moved")["KeyMetadata"]["KeyId"]
        blob = _remote(source).encrypt(KeyId=key_id, Plaintext=b"p")["CiphertextBlob"]
        status, document = control(source.endpoint_url, "GET", "state")
        assert (status, document["format"], document["version"]) == (200, "kmsmock-state", 1)
        assert [k["id"] for k in document["keys"]] == [key_id]
        status, answer = control(target.endpoint_url, "PUT", "state", document)
        assert (status, answer) == (200, {"status": "loaded"})
        client = _remote(target)
        assert client.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "moved"
        assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"p"
        # A refused document leaves the state as it was.
        document["aliases"] = [{"name": "alias/x", "target": "mrk-" + "0" * 32}]
        status, answer = control(target.endpoint_url, "PUT", "state", document)
        assert (status, answer) == (
            400,
            {"error": f"state.aliases[0].target: no key mrk-{'0' * 32} for alias/x"},
        )
        assert [k["KeyId"] for k in client.list_keys()["Keys"]] == [key_id]
        assert client.list_aliases()["Aliases"] == []


def test_a_server_state_file_is_loaded_at_start_and_written_at_stop(tmp_path: Path) -> None:
    path = tmp_path / "server.json"
    with ThreadedKMSServer(state_file=path) as server:
        key_id = _remote(server).create_key()["KeyMetadata"]["KeyId"]
        assert not path.exists()
    assert [k["id"] for k in json.loads(path.read_text())["keys"]] == [key_id]
    with ThreadedKMSServer(state_file=path) as server:
        assert _remote(server).describe_key(KeyId=key_id)["KeyMetadata"]["Enabled"] is True


def _http_client(url: str) -> KMSClient:
    return boto3.session.Session().client(
        "kms",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.mark.slow
def test_kmsmock_serve_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "serve.json"
    with serving("--state", str(path)) as (process, url):
        client = _http_client(url)
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        blob = client.encrypt(KeyId=key_id, Plaintext=b"kept")["CiphertextBlob"]
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
        assert (process.returncode, out, err) == (0, "kmsmock: stopped\n", "")
    with serving("--state", str(path)) as (process, url):
        client = _http_client(url)
        assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"
        assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


def test_kmsmock_serve_refuses_a_damaged_state_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "damaged.json"
    path.write_text('{"format": "kmsmock-state", "version": 9}')
    assert main(["serve", "--port", "0", "--state", str(path)]) == 2
    assert capsys.readouterr().err == (
        "kmsmock: this state has format version 9, newer than this kmsmock reads "
        "(version 1): upgrade kmsmock to load it\n"
    )


# -- seed files ------------------------------------------------------------------------

SYMMETRIC_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
RSA_ID = "0987dcba-09fe-87dc-65ba-ab0987654321"


def _seed(rsa_pem: str) -> dict[str, Any]:
    return {
        "format": "kmsmock-state",
        "version": 1,
        "keys": [
            {
                "id": SYMMETRIC_ID,
                "description": "orders",
                "material": base64.b64encode(MATERIAL).decode(),
                "aliases": ["alias/orders"],
                "tags": {"team": "payments"},
            },
            {
                "id": RSA_ID,
                "key_spec": "RSA_2048",
                "key_usage": "SIGN_VERIFY",
                "material": rsa_pem,
                "state": "Disabled",
            },
        ],
    }


def test_a_hand_written_seed_file_loads_with_defaults(tmp_path: Path) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(_seed(pem)))
    with mock_kms(state=path):
        client = _client()
        meta = client.describe_key(KeyId="alias/orders")["KeyMetadata"]
        assert (meta["KeyId"], meta["Description"], meta["KeyState"]) == (
            SYMMETRIC_ID,
            "orders",
            "Enabled",
        )
        assert meta["Arn"] == f"arn:aws:kms:{REGION}:{A}:key/{SYMMETRIC_ID}"
        assert client.list_resource_tags(KeyId=SYMMETRIC_ID)["Tags"] == [
            {"TagKey": "team", "TagValue": "payments"}
        ]
        blob = client.encrypt(KeyId=SYMMETRIC_ID, Plaintext=b"seeded")["CiphertextBlob"]
        rsa_meta = client.describe_key(KeyId=RSA_ID)["KeyMetadata"]
        assert (rsa_meta["KeySpec"], rsa_meta["KeyState"]) == ("RSA_2048", "Disabled")
        client.enable_key(KeyId=RSA_ID)
        public = client.get_public_key(KeyId=RSA_ID)["PublicKey"]
    assert public == private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # The same declared material in another mock (another master secret) decrypts.
    with mock_kms(state=path):
        assert _client().decrypt(CiphertextBlob=blob)["Plaintext"] == b"seeded"


def test_a_seed_file_with_material_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    document = _seed("")
    document["keys"] = [{"id": SYMMETRIC_ID, "material": base64.b64encode(b"short").decode()}]
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(document))
    with pytest.raises(
        StateError,
        match=(
            r"^state.keys\[0\].material: the material of a SYMMETRIC_DEFAULT key is 32 bytes, "
            r"not 5$"
        ),
    ):
        mock_kms(state=path).start()


# -- import-local-kms -------------------------------------------------------------------

# The ECC key of local-kms's README ("Seeding file format").
LOCAL_KMS_SEED = """\
Keys:
  Symmetric:
    Aes:
      - Metadata:
          KeyId: bc436485-5092-42b8-92a3-0aa8b93536dc
          Description: Your key description
        NextKeyRotation: "2031-09-12T15:19:21+00:00"
        BackingKeys:
          - 34743777217A25432A46294A404E635266556A586E3272357538782F413F4428
          - 614E645267556B58703273357638792F423F4528472B4B6250655368566D5971
      - Metadata:
          KeyId: 5d05267f-bb87-4d0b-8594-295a4371d414
          Origin: EXTERNAL
  Asymmetric:
    Ecc:
      - Metadata:
          KeyId: 800d5768-3fd7-4edd-a4b8-4c81c3e4c147
          KeyUsage: SIGN_VERIFY
          Description: ECC key with curve secp256r1
        PrivateKeyPem: |
          -----BEGIN EC PRIVATE KEY-----
          MHcCAQEEIMnOrUrXr8rwne7d8f01cfwmpS/w+K7jcyWmmeLDgWKaoAoGCCqGSM49
          AwEHoUQDQgAEYNMBBZ3h1ipuph1iO5k+yLvTs94UN71quXN3f0P/tprs2Fp2FEas
          M7m7XZ2xlDK3wcEAs1QEIoQjjwnhcptQ6A==
          -----END EC PRIVATE KEY-----

Aliases:
  - AliasName: alias/testing
    TargetKeyId: bc436485-5092-42b8-92a3-0aa8b93536dc
"""


def test_import_local_kms_converts_its_seed_file(tmp_path: Path) -> None:
    seed, out = tmp_path / "seed.yaml", tmp_path / "state.json"
    seed.write_text(LOCAL_KMS_SEED)
    assert main(["import-local-kms", str(seed), "-o", str(out)]) == 0
    with mock_kms(state=out):
        client = _client()
        aes = client.describe_key(KeyId="alias/testing")["KeyMetadata"]
        assert (aes["KeyId"], aes["Description"]) == (
            "bc436485-5092-42b8-92a3-0aa8b93536dc",
            "Your key description",
        )
        status = client.get_key_rotation_status(KeyId=aes["KeyId"])
        assert (status["KeyRotationEnabled"], status["NextRotationDate"]) == (
            True,
            datetime.datetime(2031, 9, 12, 15, 19, 21, tzinfo=datetime.timezone.utc),
        )
        # Two backing keys: the first a version rotated away from.
        assert len(client.list_key_rotations(KeyId=aes["KeyId"])["Rotations"]) == 1
        waiting = client.describe_key(KeyId="5d05267f-bb87-4d0b-8594-295a4371d414")
        assert waiting["KeyMetadata"]["KeyState"] == "PendingImport"
        ecc_id = "800d5768-3fd7-4edd-a4b8-4c81c3e4c147"
        ecc = client.describe_key(KeyId=ecc_id)["KeyMetadata"]
        assert (ecc["KeySpec"], ecc["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
        signature = client.sign(KeyId=ecc_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")[
            "Signature"
        ]
    pem = LOCAL_KMS_SEED.split("PrivateKeyPem: |\n")[1].split("\n\nAliases")[0]
    private = serialization.load_pem_private_key(
        "\n".join(line.strip() for line in pem.splitlines()).encode(), password=None
    )
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    # Signed with local-kms's own key: its public key verifies it.
    private.public_key().verify(signature, b"m", ec.ECDSA(hashes.SHA256()))


def test_import_local_kms_refuses_a_bad_backing_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "Keys:\n  Symmetric:\n    Aes:\n      - Metadata: {KeyId: k}\n        BackingKeys: [abcd]\n"
    )
    assert main(["import-local-kms", str(seed)]) == 2
    assert capsys.readouterr().err == (
        f"kmsmock: {seed}: seed.Keys.Symmetric.Aes[0].BackingKeys[0]: a backing key here is "
        "32 bytes (64 hex digits)\n"
    )


def test_import_local_kms_without_pyyaml_says_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(LOCAL_KMS_SEED)
    monkeypatch.setitem(sys.modules, "yaml", None)
    assert main(["import-local-kms", str(seed)]) == 2
    assert capsys.readouterr().err == (
        "kmsmock: kmsmock import-local-kms reads YAML with PyYAML: "
        "pip install 'kmsmock[localkms]'\n"
    )


def test_state_error_is_exported() -> None:
    assert kmsmock.StateError is StateError
    assert issubclass(StateError, ValueError)
    assert "StateError" in kmsmock.__all__
    assert os.path.basename(kmsmock.__file__ or "") == "__init__.py"


def test_import_local_kms_keeps_hmac_and_rsa_material(tmp_path: Path) -> None:
    backing = bytes(range(100, 132))
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    indented = "".join(f"          {line}\n" for line in pem.splitlines())
    seed, out = tmp_path / "seed.yaml", tmp_path / "state.json"
    seed.write_text(
        "Keys:\n"
        "  Symmetric:\n"
        "    Hmac:\n"
        "      - Metadata: {KeyId: 11111111-2222-3333-4444-555555555555, KeySpec: HMAC_256}\n"
        f"        BackingKeys: [{backing.hex()}]\n"
        "  Asymmetric:\n"
        "    Rsa:\n"
        "      - Metadata: {KeyId: 66666666-7777-8888-9999-000000000000, KeyUsage: SIGN_VERIFY}\n"
        "        PrivateKeyPem: |\n" + indented
    )
    assert main(["import-local-kms", str(seed), "-o", str(out), "--region", "eu-west-2"]) == 0
    with mock_kms(state=out, region="eu-west-2"):
        client = _client("eu-west-2")
        mac = client.generate_mac(
            KeyId="11111111-2222-3333-4444-555555555555",
            Message=b"m",
            MacAlgorithm="HMAC_SHA_256",
        )["Mac"]
        public = client.get_public_key(KeyId="66666666-7777-8888-9999-000000000000")
    assert mac == hmac.new(backing, b"m", hashlib.sha256).digest()
    assert (public["KeySpec"], public["KeyUsage"]) == ("RSA_2048", "SIGN_VERIFY")
    assert public["PublicKey"] == private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
