"""RSAES-OAEP as KMS uses it for RSA ENCRYPT_DECRYPT keys.

KMS's asymmetric ciphertext is the raw OAEP output, exactly the modulus size, with no
header (reference section 13): whoever decrypts must name the key and the algorithm.
Both algorithms use MGF1 with the same hash as OAEP and an empty label, so a ciphertext
made outside KMS with ``cryptography`` or OpenSSL and the GetPublicKey key decrypts here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kmsmock.backend._key import KeyMaterial
from kmsmock.crypto._keypairs import RSA_BITS, private_key

if TYPE_CHECKING:
    from kmsmock.backend._backend import Backend

# EncryptionAlgorithm -> (hash class, hash length in bytes).
_OAEP: dict[str, tuple[type[hashes.SHA1] | type[hashes.SHA256], int]] = {
    "RSAES_OAEP_SHA_1": (hashes.SHA1, 20),
    "RSAES_OAEP_SHA_256": (hashes.SHA256, 32),
}


class OaepFailure(Exception):
    """The ciphertext does not decrypt under this key and algorithm."""


def max_plaintext(key_spec: str, algorithm: str) -> int:
    """The largest plaintext OAEP fits in the modulus: k - 2*hLen - 2 (RFC 8017, 7.1.1);
    the limits AWS reports (214/190, 342/318, 470/446)."""
    return RSA_BITS[key_spec] // 8 - 2 * _OAEP[algorithm][1] - 2


def _padding(algorithm: str) -> padding.OAEP:
    digest = _OAEP[algorithm][0]()
    return padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)


def _private(material: KeyMaterial, backend: Backend) -> rsa.RSAPrivateKey:
    key = private_key(material, backend)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def encrypt(material: KeyMaterial, algorithm: str, plaintext: bytes, backend: Backend) -> bytes:
    """OAEP under the public half; the caller has checked the size limit."""
    return _private(material, backend).public_key().encrypt(plaintext, _padding(algorithm))


def decrypt(material: KeyMaterial, algorithm: str, ciphertext: bytes, backend: Backend) -> bytes:
    """The plaintext, or OaepFailure for a ciphertext of another key, algorithm or size."""
    private = _private(material, backend)
    # A ciphertext of another size is refused by cryptography itself (ValueError).
    try:
        return private.decrypt(ciphertext, _padding(algorithm))
    except ValueError as error:
        raise OaepFailure from error
