"""``kmsmock import-local-kms``: local-kms's seed file as a kmsmock state file.

local-kms (github.com/nsmithuk/local-kms) seeds its keys from a YAML file (its README,
"Seeding file format"): ``Keys: {Symmetric: {Aes: [...], Hmac: [...]}, Asymmetric:
{Rsa: [...], Ecc: [...]}}`` and ``Aliases: [{AliasName, TargetKeyId}]``. An AES or HMAC
key lists its ``BackingKeys`` (hex), oldest first: the last is the one local-kms
encrypts with, earlier ones are what rotations left (src/cmk/aes_encryption.go). An
RSA or ECC key has a ``PrivateKeyPem``. Each backing key becomes one material version of
the kmsmock key, so data keys and signatures made from the same material agree; but
ciphertexts local-kms made do not decrypt in kmsmock (another ciphertext format).

PyYAML is needed for this command only (``pip install 'kmsmock[localkms]'``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kmsmock.backend._fields import StateError, b64, iso
from kmsmock.backend._state_format import FORMAT, VERSION

_CURVES = {
    "secp256r1": "ECC_NIST_P256",
    "secp384r1": "ECC_NIST_P384",
    "secp521r1": "ECC_NIST_P521",
    "secp256k1": "ECC_SECG_P256K1",
}
_HMAC_BYTES = {"HMAC_224": 28, "HMAC_256": 32, "HMAC_384": 48, "HMAC_512": 64}
# Metadata members local-kms writes that kmsmock works out itself (ARN, account, dates).
_IGNORED = frozenset(
    {
        "Arn",
        "AWSAccountId",
        "CreationDate",
        "KeyManager",
        "CustomerMasterKeySpec",
        "EncryptionAlgorithms",
        "SigningAlgorithms",
        "MacAlgorithms",
        "DeletionDate",
    }
)
_METADATA = frozenset(
    {"KeyId", "Description", "Origin", "KeyUsage", "KeySpec", "Enabled", "KeyState"}
)
_ENTRY = frozenset({"Metadata", "BackingKeys", "NextKeyRotation", "PrivateKeyPem"})


class _Where:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, message: str) -> StateError:
        return StateError(f"{self.path}: {message}")


def _mapping(value: object, where: _Where) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise where.fail("expected a mapping")
    return value


def _list(value: object, where: _Where) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise where.fail("expected a list")
    return value


def _text(value: object, where: _Where) -> str:
    if not isinstance(value, str) or not value:
        raise where.fail("expected a string")
    return value


def _moment(value: object, where: _Where) -> str:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise where.fail(f"not an ISO 8601 date: {value!r}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
    else:
        raise where.fail("expected an ISO 8601 date")
    return iso(moment.timestamp())


def _backing(value: object, where: _Where, size: int) -> bytes:
    text = _text(value, where)
    try:
        data = bytes.fromhex(text)
    except ValueError:
        raise where.fail("a backing key is hex") from None
    if len(data) != size:
        raise where.fail(f"a backing key here is {size} bytes ({2 * size} hex digits)")
    return data


def _key(entry: object, where: _Where, kind: str) -> dict[str, Any]:
    spec = _mapping(entry, where)
    unknown = set(spec) - _ENTRY
    if unknown:
        raise where.fail(f"unknown member(s): {', '.join(sorted(unknown))}")
    meta_where = _Where(f"{where.path}.Metadata")
    metadata = _mapping(spec.get("Metadata"), meta_where)
    unknown = set(metadata) - _METADATA - _IGNORED
    if unknown:
        raise meta_where.fail(f"not converted: {', '.join(sorted(unknown))}")
    key_id = _text(metadata.get("KeyId"), _Where(f"{meta_where.path}.KeyId"))
    record: dict[str, Any] = {"id": key_id}
    if metadata.get("Description"):
        record["description"] = _text(metadata["Description"], meta_where)
    origin = metadata.get("Origin", "AWS_KMS")
    if origin not in ("AWS_KMS", "EXTERNAL"):
        raise meta_where.fail(f"Origin {origin!r} is not AWS_KMS or EXTERNAL")
    if origin == "EXTERNAL":
        record["origin"] = "EXTERNAL"
    if metadata.get("Enabled") is False or metadata.get("KeyState") == "Disabled":
        record["state"] = "Disabled"
    if kind in ("Aes", "Hmac"):
        _symmetric(record, spec, metadata, where, kind)
    else:
        _asymmetric(record, spec, metadata, where, kind)
    return record


def _symmetric(
    record: dict[str, Any],
    spec: dict[str, Any],
    metadata: dict[str, Any],
    where: _Where,
    kind: str,
) -> None:
    if kind == "Hmac":
        key_spec = metadata.get("KeySpec", "HMAC_256")
        if key_spec not in _HMAC_BYTES:
            raise where.fail(f"KeySpec {key_spec!r} is not an HMAC key spec")
        record["key_spec"] = key_spec
        size = _HMAC_BYTES[key_spec]
    else:
        size = 32
    keys_where = _Where(f"{where.path}.BackingKeys")
    backing = [
        _backing(v, _Where(f"{keys_where.path}[{i}]"), size)
        for i, v in enumerate(_list(spec.get("BackingKeys"), keys_where))
    ]
    if not backing:
        if record.get("origin") != "EXTERNAL":
            raise keys_where.fail("at least one backing key, unless Origin is EXTERNAL")
        return
    if (record.get("origin") == "EXTERNAL" or kind == "Hmac") and len(backing) > 1:
        raise keys_where.fail("this key takes a single backing key")
    rotation = spec.get("NextKeyRotation")
    if len(backing) == 1 and rotation is None:
        record["material"] = b64(backing[0])
        return
    versions: list[dict[str, Any]] = []
    for index, material in enumerate(backing):
        # A stable id, so that converting the same file twice gives the same output.
        digest = hashlib.sha256(b"kmsmock-local-kms\x00" + record["id"].encode() + material)
        version: dict[str, Any] = {"id": digest.hexdigest(), "material": b64(material)}
        if index:
            # local-kms keeps no rotation dates.
            version["rotation_type"] = "AUTOMATIC"
        versions.append(version)
    ring: dict[str, Any] = {"versions": versions, "current": len(versions) - 1}
    if rotation is not None:
        when = _moment(rotation, _Where(f"{where.path}.NextKeyRotation"))
        ring["rotation"] = {"period_days": 365, "next_date": when}
    record["material"] = ring


def _asymmetric(
    record: dict[str, Any],
    spec: dict[str, Any],
    metadata: dict[str, Any],
    where: _Where,
    kind: str,
) -> None:
    pem_where = _Where(f"{where.path}.PrivateKeyPem")
    pem = _text(spec.get("PrivateKeyPem"), pem_where)
    try:
        private = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as error:
        raise pem_where.fail(f"not a PEM private key ({error})") from None
    if kind == "Rsa":
        if not isinstance(private, rsa.RSAPrivateKey) or private.key_size not in (2048, 3072, 4096):
            raise pem_where.fail("expected an RSA private key of 2048, 3072 or 4096 bits")
        record["key_spec"] = f"RSA_{private.key_size}"
        usage = metadata.get("KeyUsage", "ENCRYPT_DECRYPT")
    else:
        curve = private.curve.name if isinstance(private, ec.EllipticCurvePrivateKey) else None
        if curve not in _CURVES:
            raise pem_where.fail("expected an EC private key on P-256, P-384, P-521 or secp256k1")
        record["key_spec"] = _CURVES[curve]
        usage = metadata.get("KeyUsage", "SIGN_VERIFY")
    record["key_usage"] = _text(usage, _Where(f"{where.path}.Metadata.KeyUsage"))
    pkcs8 = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    record["material"] = pkcs8.decode("ascii")


def convert(
    seed: object, *, account: str | None = None, region: str | None = None
) -> dict[str, Any]:
    """A kmsmock state document from local-kms's parsed seed (StateError if malformed).

    Keys and aliases go to ``account`` and ``region`` if given, else to the loading
    mock's own.
    """
    top = _mapping(seed, _Where("seed"))
    unknown = set(top) - {"Keys", "Aliases"}
    if unknown:
        raise StateError(f"seed: unknown member(s): {', '.join(sorted(unknown))}")
    keys_value = top.get("Keys")
    place = {k: v for k, v in (("account", account), ("region", region)) if v is not None}
    keys: list[dict[str, Any]] = []
    if isinstance(keys_value, list):
        # local-kms's legacy format: a plain list of AES keys.
        groups: list[tuple[str, list[Any], str]] = [("Aes", keys_value, "seed.Keys")]
    else:
        kinds = _mapping(keys_value, _Where("seed.Keys"))
        symmetric = _mapping(kinds.get("Symmetric"), _Where("seed.Keys.Symmetric"))
        asymmetric = _mapping(kinds.get("Asymmetric"), _Where("seed.Keys.Asymmetric"))
        groups = []
        for family, members in (("Symmetric", symmetric), ("Asymmetric", asymmetric)):
            for kind, entries in members.items():
                path = f"seed.Keys.{family}.{kind}"
                if kind not in ("Aes", "Hmac", "Rsa", "Ecc"):
                    raise StateError(f"{path}: kmsmock converts Aes, Hmac, Rsa and Ecc keys")
                groups.append((kind, _list(entries, _Where(path)), path))
    for kind, entries, path in groups:
        for index, entry in enumerate(entries):
            keys.append(place | _key(entry, _Where(f"{path}[{index}]"), kind))
    aliases = []
    for index, entry in enumerate(_list(top.get("Aliases"), _Where("seed.Aliases"))):
        where = _Where(f"seed.Aliases[{index}]")
        alias = _mapping(entry, where)
        aliases.append(
            place
            | {
                "name": _text(alias.get("AliasName"), where),
                "target": _text(alias.get("TargetKeyId"), where),
            }
        )
    return {"format": FORMAT, "version": VERSION, "keys": keys, "aliases": aliases}


def convert_file(path: str, **place: str | None) -> dict[str, Any]:
    """Read and convert a local-kms seed file; ImportError names the extra to install."""
    try:
        # Imported by name: PyYAML is optional, and typed here as what it returns.
        yaml: Any = importlib.import_module("yaml")
    except ImportError:
        raise ImportError(
            "kmsmock import-local-kms reads YAML with PyYAML: pip install 'kmsmock[localkms]'"
        ) from None
    with open(path, encoding="utf-8") as stream:
        try:
            seed = yaml.safe_load(stream)
        except yaml.YAMLError as error:
            raise StateError(f"{path} is not YAML: {error}") from None
    return convert(seed, **place)
