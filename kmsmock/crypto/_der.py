"""The small piece of DER that a KMS symmetric ciphertext carries.

Only the one fixed structure of reference section 13 is written and read; the reader
is strict, so any change to the structure reads as a corrupt ciphertext.
"""

from __future__ import annotations

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


def encode_encrypted_data(iv: bytes, sealed: bytes) -> bytes:
    """ContentInfo{encryptedData, EncryptedData{v0, {data, AES-256-GCM(iv, 16), sealed}}}."""
    gcm_parameters = _tlv(_SEQUENCE, _tlv(_OCTET_STRING, iv) + _TAG_LENGTH_16)
    algorithm = _tlv(_SEQUENCE, _OID_AES256_GCM + gcm_parameters)
    content_info = _tlv(_SEQUENCE, _OID_DATA + algorithm + _tlv(_CONTEXT_0_PRIMITIVE, sealed))
    encrypted_data = _tlv(_SEQUENCE, _VERSION_0 + content_info)
    return _tlv(_SEQUENCE, _OID_ENCRYPTED_DATA + _tlv(_CONTEXT_0, encrypted_data))


class _Reader:
    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None) -> None:
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def take(self, tag: int) -> _Reader:
        data, pos, end = self.data, self.pos, self.end
        if pos + 2 > end or data[pos] != tag:
            raise ValueError("unexpected tag")
        first = data[pos + 1]
        pos += 2
        if first < 0x80:
            size = first
        else:
            count = first & 0x7F
            if count == 0 or count > 4 or pos + count > end or data[pos] == 0:
                raise ValueError("bad length")
            size = int.from_bytes(data[pos : pos + count], "big")
            if size < 0x80:
                raise ValueError("non-minimal length")
            pos += count
        if pos + size > end:
            raise ValueError("truncated")
        self.pos = pos + size
        return _Reader(data, pos, pos + size)

    def exact(self, expected: bytes) -> None:
        if self.data[self.pos : self.pos + len(expected)] != expected:
            raise ValueError("unexpected content")
        self.pos += len(expected)

    def rest(self) -> bytes:
        return self.data[self.pos : self.end]

    def done(self) -> None:
        if self.pos != self.end:
            raise ValueError("trailing data")


def decode_encrypted_data(der: bytes) -> tuple[bytes, bytes]:
    """Return (iv, sealed) from what ``encode_encrypted_data`` wrote; ValueError if not."""
    outer = _Reader(der)
    content = outer.take(_SEQUENCE)
    outer.done()
    content.exact(_OID_ENCRYPTED_DATA)
    explicit = content.take(_CONTEXT_0)
    content.done()
    encrypted_data = explicit.take(_SEQUENCE)
    explicit.done()
    encrypted_data.exact(_VERSION_0)
    content_info = encrypted_data.take(_SEQUENCE)
    encrypted_data.done()
    content_info.exact(_OID_DATA)
    algorithm = content_info.take(_SEQUENCE)
    algorithm.exact(_OID_AES256_GCM)
    parameters = algorithm.take(_SEQUENCE)
    algorithm.done()
    iv = parameters.take(_OCTET_STRING).rest()
    parameters.exact(_TAG_LENGTH_16)
    parameters.done()
    sealed = content_info.take(_CONTEXT_0_PRIMITIVE).rest()
    content_info.done()
    if len(iv) != 12:
        raise ValueError("bad iv")
    return iv, sealed
