"""Asymmetric and HMAC key material: what each key spec is, made when first needed.

A key's private key is generated on its first use, not at CreateKey, so creating an
RSA_4096 key costs what a symmetric one does; it is then kept on the material version
(``KeyMaterial.primitive``). RSA pairs of an unseeded backend come from the process's
pool (crypto/_pool.py), so that only the first backend to need one pays for it.
Imported material (``KeyMaterial.secret``) is a PKCS#8 private key for asymmetric specs
and the raw key for HMAC specs.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kmsmock._gaps import NotYetImplemented
from kmsmock.backend._key import KeyMaterial
from kmsmock.crypto import _pool
from kmsmock.crypto._derive import derive_private_key

if TYPE_CHECKING:
    from kmsmock.backend._backend import Backend

# Private key objects of every kind kmsmock generates (RSA, EC, Ed25519, ML-DSA, ML-KEM).
PrivateKey = Any

RSA_BITS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
EC_CURVES: dict[str, ec.EllipticCurve] = {
    "ECC_NIST_P256": ec.SECP256R1(),
    "ECC_NIST_P384": ec.SECP384R1(),
    "ECC_NIST_P521": ec.SECP521R1(),
    "ECC_SECG_P256K1": ec.SECP256K1(),
}
# HMAC key spec -> (hash name, key length in bytes of generated keys).
HMAC_SPECS = {
    "HMAC_224": ("sha224", 28),
    "HMAC_256": ("sha256", 32),
    "HMAC_384": ("sha384", 48),
    "HMAC_512": ("sha512", 64),
}
_PQC = {
    "ML_DSA_44": ("mldsa", "MLDSA44PrivateKey"),
    "ML_DSA_65": ("mldsa", "MLDSA65PrivateKey"),
    "ML_DSA_87": ("mldsa", "MLDSA87PrivateKey"),
    "ML_KEM_768": ("mlkem", "MLKEM768PrivateKey"),
    "ML_KEM_1024": ("mlkem", "MLKEM1024PrivateKey"),
}


def _pqc_class(key_spec: str) -> Any:
    module_name, class_name = _PQC[key_spec]
    try:
        module = __import__(
            f"cryptography.hazmat.primitives.asymmetric.{module_name}", fromlist=[class_name]
        )
        return getattr(module, class_name)
    except (ImportError, AttributeError) as error:
        # Older cryptography releases lack the post-quantum algorithms.
        raise NotYetImplemented(
            f"{key_spec} keys with the installed cryptography (needs a release with "
            f"cryptography.hazmat.primitives.asymmetric.{module_name})"
        ) from error


def generate(
    key_spec: str, seed: bytes | None = None, backend: Backend | None = None
) -> PrivateKey:
    """A new private key of ``key_spec`` (KMS key material, or a data key pair); with
    ``seed``, the one derived from it (the same seed, the same key). With ``backend``,
    an RSA pair comes from the process's pool: one that backend has not had before."""
    if seed is not None:
        return derive_private_key(
            key_spec, seed, _pqc_class(key_spec) if key_spec in _PQC else None
        )
    # A seeded backend's values all come from its seed, even a version that lacks one.
    if backend is not None and not backend.seeded and key_spec in _pool.POOLED:
        return _pool.take(backend, key_spec, lambda: _loaded(backend, key_spec))
    if key_spec in RSA_BITS:
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS[key_spec])
    if key_spec in EC_CURVES:
        return ec.generate_private_key(EC_CURVES[key_spec])
    if key_spec == "ECC_NIST_EDWARDS25519":
        return ed25519.Ed25519PrivateKey.generate()
    if key_spec in _PQC:
        return _pqc_class(key_spec).generate()
    raise NotYetImplemented(f"{key_spec} key material")


def _loaded(backend: Backend, key_spec: str) -> Iterator[PrivateKey]:
    """The private keys of ``key_spec`` that ``backend``'s versions hold already: those a
    saved state brought, which the pool must not hand out again beside them."""
    for account in backend.accounts.values():
        for region in account.regions.values():
            for key in region.keys.values():
                if key.key_spec == key_spec:
                    for version in key.ring.versions:
                        if version.primitive is not None:
                            yield version.primitive


def private_key(material: KeyMaterial, backend: Backend | None = None) -> PrivateKey:
    """The private key of an asymmetric material version: generated, or loaded from the
    imported PKCS#8, on first use and then kept. ``backend`` is the version's own: with
    it, a generated RSA pair comes from the pool; call sites that cannot meet an RSA
    key (key agreement, ML-KEM) leave it out."""
    key = material.primitive
    if key is None:
        spec = material.key.key_spec
        secret = material.secret
        if secret is not None:
            # ImportKeyMaterial validated it already; RSA validation costs ~0.5 s.
            key = serialization.load_der_private_key(
                secret, password=None, unsafe_skip_rsa_key_validation=True
            )
        elif material.external:
            # Key states keep deleted imported material out of every crypto path.
            raise LookupError(f"kmsmock: material {material.material_id_hex} is not imported")
        else:
            key = generate(spec, material.seed, backend)
        material.primitive = key
    return key


def public_key_der(material: KeyMaterial, backend: Backend | None = None) -> bytes:
    """DER SubjectPublicKeyInfo of an asymmetric material version (GetPublicKey)."""
    return bytes(
        private_key(material, backend)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def hmac_key(material: KeyMaterial, master: bytes) -> bytes:
    """The key of an HMAC material version: imported, or derived from the backend's
    master secret like symmetric material (nothing stored until used)."""
    if material.secret is not None:
        return material.secret
    if material.external:
        raise LookupError(f"kmsmock: material {material.material_id_hex} is not imported")
    _, length = HMAC_SPECS[material.key.key_spec]
    # A seeded backend's master secret is itself seeded, so this needs no seed of its own.
    return hmac.new(master, b"hmac" + material.material_id, hashlib.sha512).digest()[:length]
