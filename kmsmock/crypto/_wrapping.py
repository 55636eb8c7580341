"""The cryptography of importing key material: wrapping keys, import tokens, unwrapping
and the checks on what was unwrapped (reference section 9).

Wrapping key pairs: AWS gives a new RSA pair with every GetParametersForImport call.
Generating an RSA_4096 pair takes about a second, so kmsmock makes one pair per
wrapping key spec and process, the first time it is asked for (or reads it from the
cache that KMSMOCK_KEY_CACHE names, crypto/_pool.py), and hands out its public key
again on every call, in every mock. A key material wrapped for one call
therefore also unwraps with the parameters of another call of the same spec; each
call still gets its own import token, and the token is what ImportKeyMaterial checks.
Seeded mocks use other pairs, derived rather than generated (crypto/_derive.py), the
same in every process and for every seed, so that their PublicKey repeats too.

Import tokens carry what they bind (key ARN, wrapping spec and algorithm, expiry)
sealed with AES-GCM under a key derived from the backend's master secret: nothing is
stored per token, and a token is worthless in another mock, as in another account.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap_with_padding

from kmsmock.crypto import _pool
from kmsmock.crypto._derive import derive_private_key

RSA_WRAPPING_SPECS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
RSA_WRAPPING_ALGORITHMS = frozenset(
    {"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"}
)

# (spec, seeded) -> the pair, and its public key in DER.
_KEYS: dict[tuple[str, bool], rsa.RSAPrivateKey] = {}
_PUBLIC: dict[tuple[str, bool], bytes] = {}
_KEYS_LOCK = threading.Lock()
_SEEDED_WRAPPING = b"kmsmock seeded wrapping key"


def wrapping_key(spec: str, seeded: bool = False) -> rsa.RSAPrivateKey:
    """The process's RSA wrapping key pair of ``spec`` (RSA_2048/3072/4096); with
    ``seeded``, the fixed pair seeded mocks use."""
    entry = (spec, seeded)
    key = _KEYS.get(entry)
    if key is None:
        with _KEYS_LOCK:
            key = _KEYS.get(entry)
            if key is None:
                if seeded:
                    key = derive_private_key(spec, _SEEDED_WRAPPING)
                else:
                    # The cache (KMSMOCK_KEY_CACHE) keeps them apart from the pool's KMS
                    # key pairs, which a mock's GetPublicKey must never show as these.
                    key = _pool.cached_or_new(spec, "wrapping")
                _PUBLIC[entry] = key.public_key().public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
                )
                _KEYS[entry] = key
    return key


def public_key(spec: str, seeded: bool = False) -> bytes:
    """DER SubjectPublicKeyInfo of the wrapping key of ``spec``."""
    wrapping_key(spec, seeded)
    return _PUBLIC[(spec, seeded)]


# -- import tokens ---------------------------------------------------------------------


@dataclass(frozen=True)
class ImportToken:
    key_arn: str
    wrapping_spec: str
    wrapping_algorithm: str
    valid_to: float


class BadToken(Exception):
    """Not a token this backend issued, or an altered one."""


_TOKEN_AAD = b"kmsmock import token v1"
_NONCE_BYTES = 12


def _token_cipher(master: bytes) -> AESGCM:
    return AESGCM(hmac.new(master, b"kmsmock import token", hashlib.sha256).digest())


def seal_token(
    master: bytes, token: ImportToken, random_bytes: Callable[[int], bytes] = os.urandom
) -> bytes:
    fields = [token.key_arn, token.wrapping_spec, token.wrapping_algorithm, token.valid_to]
    # A random field makes every call's token different, as AWS's are.
    payload = json.dumps([*fields, random_bytes(16).hex()], separators=(",", ":")).encode()
    nonce = random_bytes(_NONCE_BYTES)
    return nonce + _token_cipher(master).encrypt(nonce, payload, _TOKEN_AAD)


def open_token(master: bytes, blob: bytes) -> ImportToken:
    if len(blob) <= _NONCE_BYTES:
        raise BadToken
    try:
        payload = _token_cipher(master).decrypt(
            blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _TOKEN_AAD
        )
    except InvalidTag as error:
        raise BadToken from error
    arn, spec, algorithm, valid_to, _ = json.loads(payload)
    return ImportToken(arn, spec, algorithm, float(valid_to))


# -- unwrapping ------------------------------------------------------------------------


class UnwrapFailed(Exception):
    """The encrypted key material does not open with the wrapping key and algorithm."""


_AES_KEY_BYTES = 32


def _oaep(algorithm: str) -> padding.OAEP:
    digest: hashes.HashAlgorithm = hashes.SHA1() if algorithm.endswith("SHA_1") else hashes.SHA256()
    return padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)


def unwrap(spec: str, algorithm: str, blob: bytes, seeded: bool = False) -> bytes:
    """The key material in ``blob``, wrapped under ``spec``'s public key with ``algorithm``.

    RSAES_OAEP_*: RSA-OAEP of the material itself. RSA_AES_KEY_WRAP_*: RSA-OAEP of a
    256-bit AES key, followed by the material wrapped with AES-KWP (RFC 5649) under it.
    """
    key = wrapping_key(spec, seeded)
    size = key.key_size // 8
    try:
        if algorithm.startswith("RSAES_OAEP"):
            return key.decrypt(blob, _oaep(algorithm))
        if len(blob) <= size:
            raise UnwrapFailed
        aes_key = key.decrypt(blob[:size], _oaep(algorithm))
        if len(aes_key) != _AES_KEY_BYTES:
            raise UnwrapFailed
        return aes_key_unwrap_with_padding(aes_key, blob[size:])
    except (ValueError, InvalidUnwrap) as error:
        raise UnwrapFailed from error


# -- what the material must be ---------------------------------------------------------


class BadMaterial(Exception):
    """The unwrapped material does not fit the KMS key's spec."""


SYMMETRIC_BYTES = 32
# Raw HMAC keys: from the digest length up to the hash's block size. AWS's developer
# guide gives a range per spec; the recorded imports used the digest length.
HMAC_BYTES = {
    "HMAC_224": (28, 64),
    "HMAC_256": (32, 64),
    "HMAC_384": (48, 128),
    "HMAC_512": (64, 128),
}
_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "ECC_NIST_P256": ec.SECP256R1,
    "ECC_NIST_P384": ec.SECP384R1,
    "ECC_NIST_P521": ec.SECP521R1,
    "ECC_SECG_P256K1": ec.SECP256K1,
}


def _is_pkcs8(der: bytes) -> bool:
    """Whether ``der`` has PKCS#8's outer shape: SEQUENCE { INTEGER, SEQUENCE ... }.

    PKCS#1 (RSAPrivateKey) and SEC1 (ECPrivateKey) also parse as private keys, but their
    second element is an INTEGER or an OCTET STRING, never the AlgorithmIdentifier.
    """
    if len(der) < 2 or der[0] != 0x30:
        return False
    offset = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    if der[offset : offset + 1] != b"\x02":
        return False
    version_length = der[offset + 1] if offset + 1 < len(der) else 0
    following = offset + 2 + version_length
    return der[following : following + 1] == b"\x30"


def _private_key_of(key_spec: str, der: bytes) -> bytes:
    if not _is_pkcs8(der):
        raise BadMaterial
    try:
        private = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise BadMaterial from error
    if key_spec in RSA_WRAPPING_SPECS:
        fits = isinstance(private, rsa.RSAPrivateKey) and (
            private.key_size == RSA_WRAPPING_SPECS[key_spec]
        )
    elif key_spec in _CURVES:
        fits = isinstance(private, ec.EllipticCurvePrivateKey) and isinstance(
            private.curve, _CURVES[key_spec]
        )
    elif key_spec == "ECC_NIST_EDWARDS25519":
        fits = isinstance(private, ed25519.Ed25519PrivateKey)
    else:
        fits = False
    if not fits:
        raise BadMaterial
    # One encoding per key, so the same key imported in another PKCS#8 variant (with or
    # without the optional public key) is recognised as the same material.
    return private.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def checked_material(key_spec: str, material: bytes) -> bytes:
    """The material as kmsmock keeps it, or BadMaterial if the key spec can't take it.

    Symmetric: exactly 32 bytes. HMAC: raw bytes within ``HMAC_BYTES``. RSA, ECC and
    Ed25519: a DER PKCS#8 private key of exactly the key's modulus size or curve.
    """
    if key_spec == "SYMMETRIC_DEFAULT":
        if len(material) != SYMMETRIC_BYTES:
            raise BadMaterial
        return material
    hmac_range = HMAC_BYTES.get(key_spec)
    if hmac_range is not None:
        low, high = hmac_range
        if not low <= len(material) <= high:
            raise BadMaterial
        return material
    return _private_key_of(key_spec, material)


def material_id(key_id: str, material: bytes) -> bytes:
    """The 32-byte KeyMaterialId: derived from the key ID and the material, so that the
    same material imported again into the same key (or a related multi-Region key) gets
    the same id, and different material a different one."""
    return hashlib.sha256(b"kmsmock-import\x00" + key_id.encode() + b"\x00" + material).digest()
