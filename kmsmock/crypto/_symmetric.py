"""Symmetric KMS ciphertext blobs.

Layout (reference section 13, decoded from public AWS blobs):

    0   01 02 02 00 78          version bytes
    5   32-byte header id       names the key material (here: its KeyMaterialId)
    37  01
    38  16-byte random nonce    per call; the data key is derived from it
    54  uint32 length of the DER part
    58  DER CMS EncryptedData   AES-256-GCM, 12-byte IV, sealed = inner + 16-byte tag

The sealed inner part is an 11-byte framing followed by the plaintext, so a blob is
always plaintext + 152 bytes for short plaintexts, as AWS's are. The GCM additional
data is the clear header (bytes 0-53, nonce included) plus the encryption context, so
every bit of the blob and the context is authenticated. AWS derives a data key per
call from the nonce; here the random 12-byte IV already makes every call unique, and
the nonce is authenticated rather than used for a derivation.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmsmock.crypto._der import decode_encrypted_data, encode_encrypted_data

_PREFIX = bytes.fromhex("0102020078")
_MARKER = b"\x01"
_HEADER_LENGTH = 58
# The 11 bytes AWS puts in front of the plaintext are not public; ours only need to
# keep the size right.
_FRAMING = b"kmsmock\x00v1\x00"


class CorruptCiphertext(Exception):
    """The blob is not a ciphertext of this backend, or it was altered."""


def header_id(blob: bytes) -> bytes:
    """The 32-byte id naming the key material, or CorruptCiphertext."""
    if (
        len(blob) < _HEADER_LENGTH
        or blob[:5] != _PREFIX
        or blob[37:38] != _MARKER
        or int.from_bytes(blob[54:58], "big") != len(blob) - _HEADER_LENGTH
    ):
        raise CorruptCiphertext
    return blob[5:37]


def seal(
    cipher: AESGCM,
    material_id: bytes,
    plaintext: bytes,
    aad: bytes,
    random_bytes: Callable[[int], bytes] = os.urandom,
) -> bytes:
    """A blob of ``plaintext``; ``random_bytes`` gives the nonce and IV (the backend's,
    so that a seeded mock's ciphertexts repeat)."""
    random = random_bytes(28)
    nonce, iv = random[:16], random[16:]
    clear = _PREFIX + material_id + _MARKER + nonce
    sealed = cipher.encrypt(iv, _FRAMING + plaintext, clear + aad)
    der = encode_encrypted_data(iv, sealed)
    return clear + len(der).to_bytes(4, "big") + der


def open_blob(cipher: AESGCM, blob: bytes, aad: bytes) -> bytes:
    """The plaintext of a blob (whose header ``header_id`` accepted) under ``cipher``.

    CorruptCiphertext if the blob was altered or the context differs.
    """
    try:
        iv, sealed = decode_encrypted_data(blob[_HEADER_LENGTH:])
        inner = cipher.decrypt(iv, sealed, blob[:54] + aad)
    except (ValueError, InvalidTag) as error:
        raise CorruptCiphertext from error
    if inner[:11] != _FRAMING:
        raise CorruptCiphertext
    return inner[11:]
