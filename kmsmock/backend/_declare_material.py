"""The material of a declared key (``kms.add_key``, a seed's key, LocalStack's CreateKey
tags): the ``Declared`` record every check fills, the material given or derived, its
KeyMaterialId, and how a new key is given it.

A declared key's material is known: given, or derived from the key's ARN parts when
none is given. Its KeyMaterialId, which symmetric ciphertexts carry in their header
to name the material, is derived from the key's account, region, id and material (for
an EXTERNAL key, from its id and material, as ImportKeyMaterial derives it), never
from the mock's own secret. So a ciphertext made under a declared key decrypts in any
mock that declares the same key with the same material, and in no other.
"""

from __future__ import annotations

import hashlib
from typing import Any

from kmsmock.backend._backend import Backend, Region
from kmsmock.backend._key import ImportedMaterial, Key, KeyMaterial
from kmsmock.backend._keystate import KeyState


class Declared:
    """A key declaration after every check: what ``apply`` writes into the backend."""

    __slots__ = (
        "aliases",
        "description",
        "key_id",
        "key_spec",
        "key_usage",
        "multi_region",
        "origin",
        "policy",
        "region",
        "secret",
        "seed",
        "state",
        "tags",
    )

    def __init__(self) -> None:
        self.region: Region
        self.key_id = ""
        self.key_spec = ""
        self.key_usage = ""
        self.origin = "AWS_KMS"
        self.description = ""
        self.policy: str | None = None
        self.tags: dict[str, str] | None = None
        self.aliases: list[str] = []
        self.state = KeyState.ENABLED
        self.multi_region = False
        # The material kept (raw symmetric or HMAC bytes, PKCS#8 DER for asymmetric),
        # or for an asymmetric key declared without material, the seed it derives from.
        self.secret: bytes | None = None
        self.seed: bytes | None = None


# -- material ----------------------------------------------------------------------------


def _private_der(spec: str, material: bytes | str) -> bytes:
    """A PEM or DER private key of ``spec``, as the PKCS#8 DER kmsmock keeps."""
    # Imported here: CreateKey imports this module, and a symmetric test should not pay
    # for cryptography's key serialization (about 10 ms) that only declared key pairs use.
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    from kmsmock.crypto._keypairs import _PQC, EC_CURVES, RSA_BITS, _pqc_class

    data = material.encode("ascii") if isinstance(material, str) else material
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            private: Any = serialization.load_pem_private_key(data, password=None)
        else:
            private = serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise ValueError(f"material is not a PEM or DER private key ({error})") from None
    if spec in RSA_BITS:
        fits = isinstance(private, rsa.RSAPrivateKey) and private.key_size == RSA_BITS[spec]
    elif spec in EC_CURVES:
        fits = isinstance(private, ec.EllipticCurvePrivateKey) and (
            private.curve.name == EC_CURVES[spec].name
        )
    elif spec == "ECC_NIST_EDWARDS25519":
        fits = isinstance(private, ed25519.Ed25519PrivateKey)
    elif spec in _PQC:
        fits = isinstance(private, _pqc_class(spec))
    else:
        raise ValueError(f"kmsmock does not take declared material for {spec} keys yet")
    if not fits:
        raise ValueError(f"material is a private key, but not one of key spec {spec}")
    return bytes(
        private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _identity(region: Region, key_id: str, spec: str) -> bytes:
    return f"{region.account_id}\x00{region.name}\x00{key_id}\x00{spec}".encode()


def _material(declared: Declared, material: bytes | str | None) -> None:
    from kmsmock.crypto._keypairs import HMAC_SPECS
    from kmsmock.crypto._wrapping import HMAC_BYTES, SYMMETRIC_BYTES

    spec = declared.key_spec
    if material is not None and not isinstance(material, bytes | str):
        raise TypeError(f"material must be bytes (or PEM text), not {type(material).__name__}")
    hmac_range = HMAC_BYTES.get(spec)
    if spec == "SYMMETRIC_DEFAULT" or hmac_range is not None:
        if isinstance(material, str):
            raise TypeError(f"the material of a {spec} key is bytes, not a str")
        if material is None:
            if declared.origin == "EXTERNAL":
                return
            length = SYMMETRIC_BYTES if hmac_range is None else HMAC_SPECS[spec][1]
            seed = b"kmsmock declared material\x00" + _identity(
                declared.region, declared.key_id, spec
            )
            declared.secret = hashlib.shake_256(seed).digest(length)
            return
        low, high = (SYMMETRIC_BYTES, SYMMETRIC_BYTES) if hmac_range is None else hmac_range
        if not low <= len(material) <= high:
            size = f"{low}" if low == high else f"{low} to {high}"
            raise ValueError(f"the material of a {spec} key is {size} bytes, not {len(material)}")
        declared.secret = bytes(material)
        return
    if material is None:
        if declared.origin == "AWS_KMS":
            declared.seed = hashlib.sha256(
                b"kmsmock declared key pair\x00" + _identity(declared.region, declared.key_id, spec)
            ).digest()
        return
    declared.secret = _private_der(spec, material)


def material_id_of(declared: Declared, secret: bytes) -> bytes:
    """The KeyMaterialId of declared material (see the module's docstring)."""
    if declared.origin == "EXTERNAL":
        from kmsmock.crypto._wrapping import material_id

        return material_id(declared.key_id, secret)
    return hashlib.sha256(
        b"kmsmock-declared\x00"
        + _identity(declared.region, declared.key_id, declared.key_spec)
        + b"\x00"
        + secret
    ).digest()


def install_material(backend: Backend, key: Key, declared: Declared) -> None:
    """Give a new key (with an empty ring) its declared material, if it has any."""
    secret = declared.secret
    if secret is None and declared.seed is None:
        return
    mid = material_id_of(declared, secret if secret is not None else declared.seed or b"")
    if declared.origin == "EXTERNAL":
        assert secret is not None
        imported = ImportedMaterial(key, mid, secret)
        imported.expiration_model = "KEY_MATERIAL_DOES_NOT_EXPIRE"
        version: KeyMaterial = imported
    else:
        version = KeyMaterial(key, mid, secret=secret)
        version.seed = declared.seed
    if declared.key_spec == "SYMMETRIC_DEFAULT":
        # Symmetric blobs name their material in the header: index it to open them.
        backend.index_material(version)
    else:
        key.ring.add(version)
    key.ring.current = version


def declared_material(
    region: Region, key_id: str, key_spec: str, origin: str, material: bytes
) -> Declared:
    """A declaration of material only (LocalStack's CreateKey tags); ValueError if the
    material does not fit the key spec.

    HMAC material of any length up to the spec's longest is taken, as LocalStack takes
    it (its own tests use 24 bytes for HMAC_256), so that its suites run unchanged.
    """
    from kmsmock.crypto._wrapping import HMAC_BYTES

    declared = Declared()
    declared.region = region
    declared.key_id = key_id
    declared.key_spec = key_spec
    declared.origin = origin
    hmac_range = HMAC_BYTES.get(key_spec)
    if hmac_range is not None and 1 <= len(material) <= hmac_range[1]:
        declared.secret = material
        return declared
    _material(declared, material)
    return declared
