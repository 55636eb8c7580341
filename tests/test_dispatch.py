"""Handler modules are imported on demand, from the table in ``kmsmock/_dispatch.py``.

A process pays only for the handlers it calls: the first CreateKey of a fresh process
imports ``keys`` and what it needs, never the asymmetric handlers and the parts of
``cryptography`` they bring.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from typing import Any

import pytest

import kmsmock.operations
from kmsmock import _dispatch

# Run in a fresh interpreter, since this process's tests import every handler. It prints
# one JSON document: what was imported after each step, and the answers of calls whose
# modules the steps before had not imported.
FRESH = """
import json, sys

import boto3

loaded_by_boto3 = set(sys.modules)
import kmsmock
import kmsmock.operations

def new_modules():
    return sorted(name for name in sys.modules if name not in loaded_by_boto3)

found = {"import": new_modules()}
with kmsmock.mock_kms():
    client = boto3.client("kms", region_name="eu-west-2")
    key_id = client.create_key()["KeyMetadata"]["KeyId"]
    found["create"] = new_modules()
    blob = client.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    found["plaintext"] = client.decrypt(CiphertextBlob=blob)["Plaintext"].decode()
    client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key_id)
    client.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    found["symmetric"] = new_modules()
    client.tag_resource(KeyId=key_id, Tags=[{"TagKey": "team", "TagValue": "blue"}])
    found["tags"] = client.list_resource_tags(KeyId=key_id)["Tags"]
    # An asymmetric handler module, imported by its operation's first call.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    agreement = client.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")
    theirs = ec.generate_private_key(ec.SECP256R1())
    public_der = client.get_public_key(KeyId=agreement["KeyMetadata"]["KeyId"])["PublicKey"]
    ours = serialization.load_der_public_key(public_der)
    secret = client.derive_shared_secret(
        KeyId=agreement["KeyMetadata"]["KeyId"],
        KeyAgreementAlgorithm="ECDH",
        PublicKey=theirs.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )["SharedSecret"]
    found["same_secret"] = secret == theirs.exchange(ec.ECDH(), ours)
    found["last"] = new_modules()
print(json.dumps(found))
"""

# Handler modules a symmetric test never needs: each imports parts of cryptography.
ASYMMETRIC = {
    "kmsmock.operations.agreement",
    "kmsmock.operations.data_key_pairs",
    "kmsmock.operations.kem",
    "kmsmock.operations.public_keys",
    "kmsmock.operations.signing",
}


@pytest.fixture(scope="module")
def fresh() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", FRESH], capture_output=True, text=True, check=True, timeout=60
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def _handler_modules() -> list[str]:
    return [
        f"kmsmock.operations.{info.name}"
        for info in pkgutil.iter_modules(kmsmock.operations.__path__)
        if not info.name.startswith("_")
    ]


def test_the_table_names_every_handler_and_its_module() -> None:
    # Importing every module of the package registers exactly the table's operations,
    # each from the module the table names: a handler missing from the table (it would
    # never be called) or listed under the wrong module fails here.
    for name in _handler_modules():
        importlib.import_module(name)
    registered = {name: handler.__module__ for name, handler in _dispatch._REGISTERED.items()}
    table = {name: f"kmsmock.operations.{module}" for name, module in _dispatch._MODULE_OF.items()}
    assert registered == table
    # Every module the table names is a handler module, and every handler module has
    # an operation in the table.
    assert sorted(set(table.values())) == sorted(_handler_modules())


def test_importing_kmsmock_imports_no_handler(fresh: dict[str, Any]) -> None:
    assert "kmsmock.operations" in fresh["import"]
    assert [name for name in fresh["import"] if name in _handler_modules()] == []


def test_the_first_create_key_imports_no_asymmetric_handler(fresh: dict[str, Any]) -> None:
    assert "kmsmock.operations.keys" in fresh["create"]
    assert ASYMMETRIC.isdisjoint(fresh["create"])
    # Only asymmetric handlers and declared key pairs need it (boto3 does not import it).
    assert "cryptography.hazmat.primitives.serialization" not in fresh["create"]
    assert "kmsmock.operations.tags" not in fresh["create"]
    # Nor what only options and aliases need: declared keys and LocalStack's tags, and
    # AWS managed keys (made when an alias/aws/ name is first used).
    optional = {
        "kmsmock.backend._declare",
        "kmsmock.backend._declare_material",
        "kmsmock.operations._localstack",
        "kmsmock.backend._managed",
        # The custom key store handlers: CreateKey needs only their placement rules.
        "kmsmock.operations.key_stores",
    }
    assert optional.isdisjoint(fresh["create"])


def test_symmetric_cryptography_imports_no_asymmetric_cryptography(
    fresh: dict[str, Any],
) -> None:
    # Encrypt, Decrypt, ReEncrypt and GenerateDataKey under a symmetric key load AES-GCM
    # and nothing of RSA (operations/crypto.py imports it in its RSA paths only).
    assert fresh["plaintext"] == "secret"
    assert "cryptography.hazmat.primitives.ciphers.aead" in fresh["symmetric"]
    # kmsmock's own modules only: what cryptography imports with AES-GCM is its own
    # choice (cryptography 42 loads its whole asymmetric package with it).
    assert {"kmsmock.crypto._rsa", "kmsmock.crypto._keypairs"}.isdisjoint(fresh["symmetric"])
    assert ASYMMETRIC.isdisjoint(fresh["symmetric"])


def test_an_operation_whose_module_is_not_imported_yet_is_answered(
    fresh: dict[str, Any],
) -> None:
    assert fresh["tags"] == [{"TagKey": "team", "TagValue": "blue"}]
    assert fresh["same_secret"] is True
    assert {"kmsmock.operations.tags", "kmsmock.operations.agreement"} <= set(fresh["last"])
