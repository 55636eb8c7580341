"""The small piece of DER that a KMS symmetric ciphertext carries.

Only the one fixed structure of reference section 13 is written and read; reading
accepts exactly what writing produces, so any change to the structure reads as a
corrupt ciphertext.
"""

from __future__ import annotations

import functools

_SEQUENCE = 0x30
_INTEGER = 0x02
_OCTET_STRING = 0x04
_OID = 0x06
_CONTEXT_0 = 0xA0  # [0] constructed (EXPLICIT)
_CONTEXT_0_PRIMITIVE = 0x80  # [0] IMPLICIT OCTET STRING

_OID_ENCRYPTED_DATA = bytes.fromhex("06092a864886f70d010706")  # 1.2.840.113549.1.7.6
_OID_DATA = bytes.fromhex("06092a864886f70d010701")  # 1.2.840.113549.1.7.1
_OID_AES256_GCM = bytes.fromhex("060960864801650304012e")  # 2.16.840.1.101.3.4.1.46
_VERSION_0 = bytes.fromhex("020100")
_TAG_LENGTH_16 = bytes.fromhex("020110")


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes((size,))
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes((tag,)) + _length(len(content)) + content


def _encode(iv: bytes, sealed: bytes) -> bytes:
    """ContentInfo{encryptedData, EncryptedData{v0, {data, AES-256-GCM(iv, 16), sealed}}}."""
    gcm_parameters = _tlv(_SEQUENCE, _tlv(_OCTET_STRING, iv) + _TAG_LENGTH_16)
    algorithm = _tlv(_SEQUENCE, _OID_AES256_GCM + gcm_parameters)
    content_info = _tlv(_SEQUENCE, _OID_DATA + algorithm + _tlv(_CONTEXT_0_PRIMITIVE, sealed))
    encrypted_data = _tlv(_SEQUENCE, _VERSION_0 + content_info)
    return _tlv(_SEQUENCE, _OID_ENCRYPTED_DATA + _tlv(_CONTEXT_0, encrypted_data))


_IV_LENGTH = 12
_PLACEHOLDER_IV = bytes(_IV_LENGTH)


@functools.lru_cache(maxsize=8192)
def _frame(sealed_length: int) -> tuple[bytes, bytes]:
    """The DER around the IV and the sealed bytes, which depends only on their lengths.

    Every blob of a given size has the same frame, so building and checking one is two
    slices and a comparison instead of a walk through the structure.
    """
    der = _encode(_PLACEHOLDER_IV, bytes(sealed_length))
    before = der.index(_OCTET_STRING.to_bytes(1, "big") + bytes((_IV_LENGTH,)) + _PLACEHOLDER_IV)
    before += 2
    after_iv = before + _IV_LENGTH
    return der[:before], der[after_iv : len(der) - sealed_length]


def encode_encrypted_data(iv: bytes, sealed: bytes) -> bytes:
    head, middle = _frame(len(sealed))
    return head + iv + middle + sealed


def decode_encrypted_data(der: bytes) -> tuple[bytes, bytes]:
    """Return (iv, sealed) from what ``encode_encrypted_data`` wrote; ValueError if not."""
    # The frame grows by one byte at each level where a length needs the long form;
    # try each way the total length can split between frame and sealed bytes.
    for overhead in _OVERHEADS:
        sealed_length = len(der) - overhead
        if sealed_length < 0:
            continue
        head, middle = _frame(sealed_length)
        if len(head) + _IV_LENGTH + len(middle) != overhead:
            continue
        iv_end = len(head) + _IV_LENGTH
        if der[: len(head)] == head and der[iv_end : iv_end + len(middle)] == middle:
            return der[len(head) : iv_end], der[iv_end + len(middle) :]
    raise ValueError("not an encrypted-data structure")


# Frame plus IV is 67 bytes with short DER lengths everywhere; each of the five nested
# lengths may add one or two bytes for the long form.
_MIN_OVERHEAD = len(_encode(_PLACEHOLDER_IV, b"\x00")) - 1
_OVERHEADS = range(_MIN_OVERHEAD, _MIN_OVERHEAD + 11)
