"""Cryptographic operations: Encrypt, Decrypt, ReEncrypt (symmetric, RSA and SM2 keys),
data keys and random bytes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kmsmock._dispatch import operation
from kmsmock._gaps import NotYetImplemented
from kmsmock.auth._authorize import authorize_iam
from kmsmock.backend._key import Key, KeyMaterial
from kmsmock.crypto._context import context_aad
from kmsmock.crypto._symmetric import CorruptCiphertext, header_id, open_blob, seal
from kmsmock.errors import (
    AccessDeniedException,
    IncorrectKeyException,
    InvalidCiphertextException,
    KMSError,
    ValidationException,
)
from kmsmock.operations._key_store_placement import check_random_source
from kmsmock.operations._key_type import incompatible, require_usage
from kmsmock.operations._metadata import algorithms
from kmsmock.operations._request import Request
from kmsmock.operations.usage import record_use

_SYMMETRIC = "SYMMETRIC_DEFAULT"
_DATA_KEY_BYTES = {"AES_256": 32, "AES_128": 16}
_UNREACHABLE = (
    "The ciphertext refers to a customer master key that does not exist, does not exist "
    "in this region, or you are not allowed to access."
)
_INCORRECT_KEY = (
    "The key ID in the request does not identify a CMK that can perform this operation."
)


def _encryption_key(key: Key, algorithm: str | None, operation: str) -> str:
    """Check that ``key`` can encrypt for ``operation``; return the algorithm used."""
    require_usage(key, "ENCRYPT_DECRYPT", operation)
    algorithm = algorithm or _SYMMETRIC
    if key.key_spec != _SYMMETRIC:
        return _asymmetric_algorithm(key, algorithm)
    if algorithm != _SYMMETRIC:
        raise incompatible(algorithm, key)
    return algorithm


def _asymmetric_algorithm(key: Key, algorithm: str) -> str:
    """The algorithm of an RSA or SM2 encryption key: one of its own, given explicitly.

    The default, SYMMETRIC_DEFAULT, never fits; AWS answers it with the symmetric key's
    template (observed: "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec
    RSA_4096.", github.com/zalando/spring-cloud-config-aws-kms/issues/82).
    """
    if algorithm not in algorithms(key.key_spec, key.key_usage)[1]:
        raise incompatible(algorithm, key)
    # Imported here and in the RSA paths below: these modules bring cryptography's
    # RSA, padding and key serialization (about 6 ms of a fresh process), which a test
    # of symmetric keys never needs.
    from kmsmock.crypto._keypairs import RSA_BITS

    if key.key_spec not in RSA_BITS:
        raise NotYetImplemented(
            f"{algorithm} encryption with {key.key_spec} keys (cryptography has no SM2)"
        )
    return algorithm


def _asymmetric_input(
    key: Key,
    algorithm: str,
    plaintext: bytes | None,
    context: Mapping[str, str] | None,
    parameter: str,
) -> None:
    """What an RSA key refuses: an encryption context (OAEP has no associated data; the
    text is kmsmock's, AWS's is not established) and a plaintext OAEP cannot fit."""
    if context:
        raise ValidationException(f"{parameter} is not supported with asymmetric KMS keys.")
    if plaintext is not None:
        from kmsmock.crypto import _rsa

        limit = _rsa.max_plaintext(key.key_spec, algorithm)
        if len(plaintext) > limit:
            raise ValidationException(
                f"Algorithm {algorithm} and key spec {key.key_spec} cannot encrypt data "
                f"larger than {limit} bytes."
            )


def _rsa_encrypt(req: Request, key: Key, algorithm: str, plaintext: bytes) -> bytes:
    from kmsmock.crypto import _rsa

    return _rsa.encrypt(key.current_material, algorithm, plaintext, req.backend)


def _seal(req: Request, key: Key, plaintext: bytes, context: Mapping[str, str] | None) -> bytes:
    material = key.current_material
    cipher = material.cipher(req.backend.master_secret)
    return seal(
        cipher, material.material_id, plaintext, context_aad(context), req.backend.random_bytes
    )


def _material(req: Request, header: bytes) -> tuple[KeyMaterial, Key]:
    """The key material a blob header names and the key that holds it in the caller's
    region, or AWS's error.

    Related multi-Region keys share their id and their material, so a blob made in one
    region is opened by the member in the caller's region (reference section 10);
    every other key id exists in one region only.
    """
    material = req.backend.materials.get(header)
    if material is None:
        raise InvalidCiphertextException("")
    owner = material.key
    region = req.backend.find_region(owner.account_id, req.region_name)
    key = region.keys.get(owner.key_id) if region is not None else None
    if key is owner:
        return material, key
    if key is None or key.mr is None or key.mr is not owner.mr:
        raise AccessDeniedException(_UNREACHABLE)
    # Members with imported material each hold a copy of a version; the index keeps one
    # that is still imported (operations/imports.py, _reindex), and they are all equal.
    return material, key


def _open(
    req: Request,
    material: KeyMaterial,
    blob: bytes,
    context: Mapping[str, str] | None,
    algorithm: str = _SYMMETRIC,
    parameter: str = "EncryptionContext",
) -> bytes:
    if algorithm != _SYMMETRIC:
        from kmsmock.crypto import _rsa

        _asymmetric_input(material.key, algorithm, None, context, parameter)
        try:
            return _rsa.decrypt(material, algorithm, blob, req.backend)
        except _rsa.OaepFailure as error:
            # Another key's, another algorithm's or an altered ciphertext look alike.
            raise InvalidCiphertextException("") from error
    try:
        return open_blob(material.cipher(req.backend.master_secret), blob, context_aad(context))
    except CorruptCiphertext as error:
        raise InvalidCiphertextException("") from error


def _source(
    req: Request,
    blob: bytes | None,
    key_id: str | None,
    algorithm: str | None,
    action: str,
    destination: Key | None = None,
) -> tuple[KeyMaterial, Key, str]:
    """Resolve and check the key a ciphertext was made under (Decrypt, ReEncrypt source)."""
    if blob is None:
        raise ValidationException("CiphertextBlob is required.")
    try:
        header = header_id(blob)
    except CorruptCiphertext as error:
        # No symmetric header: the ciphertext of an asymmetric key, which carries no
        # metadata, so only KeyId can name its key (API reference, Decrypt).
        asymmetric = req.resolve(key_id) if key_id is not None else None
        if asymmetric is None or asymmetric.key_spec == _SYMMETRIC:
            raise InvalidCiphertextException("") from error
        return _asymmetric_source(req, asymmetric, key_id, algorithm, action, destination)
    named = req.resolve(key_id) if key_id is not None else None
    material, key = _material(req, header)
    if named is not None and named is not key:
        raise IncorrectKeyException(_INCORRECT_KEY)
    same_key = key is destination if action == "ReEncryptFrom" else None
    req.check(key, action, identifier=key_id, same_key=same_key)
    algorithm = algorithm or _SYMMETRIC
    if algorithm != _SYMMETRIC:
        raise IncorrectKeyException(_INCORRECT_KEY)
    return material, key, algorithm


def _asymmetric_source(
    req: Request,
    key: Key,
    key_id: str | None,
    algorithm: str | None,
    action: str,
    destination: Key | None,
) -> tuple[KeyMaterial, Key, str]:
    same_key = key is destination if action == "ReEncryptFrom" else None
    req.check(key, action, identifier=key_id, same_key=same_key)
    # An asymmetric key has exactly one material version.
    return key.current_material, key, _encryption_key(key, algorithm, req.operation)


def _dry_run_ignoring_ciphertext(
    req: Request, dry_run: bool | None, modifiers: Sequence[str] | None
) -> bool:
    return bool(dry_run) and "IGNORE_CIPHERTEXT" in (modifiers or ())


@operation("Encrypt")
def encrypt(
    req: Request,
    *,
    key_id: str,
    plaintext: bytes,
    encryption_context: Mapping[str, str] | None = None,
    grant_tokens: Sequence[str] | None = None,
    encryption_algorithm: str | None = None,
    dry_run: bool | None = None,
) -> dict[str, Any]:
    key = req.key(key_id)
    algorithm = _encryption_key(key, encryption_algorithm, "Encrypt")
    asymmetric = key.key_spec != _SYMMETRIC
    if asymmetric:
        _asymmetric_input(key, algorithm, plaintext, encryption_context, "EncryptionContext")
    req.dry_run(dry_run)
    record_use(req, key)
    return {
        "CiphertextBlob": (
            _rsa_encrypt(req, key, algorithm, plaintext)
            if asymmetric
            else _seal(req, key, plaintext, encryption_context)
        ),
        "KeyId": key.arn,
        "EncryptionAlgorithm": algorithm,
    }


@operation("Decrypt")
def decrypt(
    req: Request,
    *,
    ciphertext_blob: bytes | None = None,
    encryption_context: Mapping[str, str] | None = None,
    grant_tokens: Sequence[str] | None = None,
    key_id: str | None = None,
    encryption_algorithm: str | None = None,
    dry_run: bool | None = None,
    dry_run_modifiers: Sequence[str] | None = None,
) -> dict[str, Any]:
    if _dry_run_ignoring_ciphertext(req, dry_run, dry_run_modifiers):
        if key_id is None:
            raise ValidationException("KeyId is required when IGNORE_CIPHERTEXT is set.")
        named = req.key(key_id)
        algorithm = _encryption_key(named, encryption_algorithm, "Decrypt")
        if named.key_spec != _SYMMETRIC:
            _asymmetric_input(named, algorithm, None, encryption_context, "EncryptionContext")
        req.dry_run(dry_run)
    material, key, algorithm = _source(
        req, ciphertext_blob, key_id, encryption_algorithm, "Decrypt"
    )
    assert ciphertext_blob is not None
    # Without IGNORE_CIPHERTEXT a dry run opens the ciphertext too: that is the check the
    # modifier exists to skip.
    plaintext = _open(req, material, ciphertext_blob, encryption_context, algorithm)
    req.dry_run(dry_run)
    record_use(req, key)
    result: dict[str, Any] = {
        "KeyId": key.arn,
        "Plaintext": plaintext,
        "EncryptionAlgorithm": algorithm,
    }
    if key.key_spec == _SYMMETRIC:
        # "present only when the operation uses a symmetric encryption KMS key" (model).
        result["KeyMaterialId"] = material.material_id_hex
    return result


def _destination(req: Request, identifier: str, target: Key | None, source: Key) -> Key:
    """Check the destination, resolved already; resolving again raises its lookup error."""
    key = target if target is not None else req.resolve(identifier)
    return req.check(key, "ReEncryptTo", identifier=identifier, same_key=key is source)


@operation("ReEncrypt")
def re_encrypt(
    req: Request,
    *,
    destination_key_id: str,
    ciphertext_blob: bytes | None = None,
    source_encryption_context: Mapping[str, str] | None = None,
    source_key_id: str | None = None,
    destination_encryption_context: Mapping[str, str] | None = None,
    source_encryption_algorithm: str | None = None,
    destination_encryption_algorithm: str | None = None,
    grant_tokens: Sequence[str] | None = None,
    dry_run: bool | None = None,
    dry_run_modifiers: Sequence[str] | None = None,
) -> dict[str, Any]:
    try:
        # Known early for kms:ReEncryptOnSameKey; its own errors come in their turn below.
        target: Key | None = req.resolve(destination_key_id)
    except KMSError:
        target = None
    if _dry_run_ignoring_ciphertext(req, dry_run, dry_run_modifiers):
        if source_key_id is None:
            raise ValidationException("SourceKeyId is required when IGNORE_CIPHERTEXT is set.")
        source = req.resolve(source_key_id)
        req.check(source, "ReEncryptFrom", identifier=source_key_id, same_key=source is target)
        destination = _destination(req, destination_key_id, target, source)
        algorithm = _encryption_key(destination, destination_encryption_algorithm, "ReEncrypt")
        if destination.key_spec != _SYMMETRIC:
            _asymmetric_input(
                destination,
                algorithm,
                None,
                destination_encryption_context,
                "DestinationEncryptionContext",
            )
        req.dry_run(dry_run)
    material, source, source_algorithm = _source(
        req, ciphertext_blob, source_key_id, source_encryption_algorithm, "ReEncryptFrom", target
    )
    assert ciphertext_blob is not None
    destination = _destination(req, destination_key_id, target, source)
    algorithm = _encryption_key(destination, destination_encryption_algorithm, "ReEncrypt")
    plaintext = _open(
        req,
        material,
        ciphertext_blob,
        source_encryption_context,
        source_algorithm,
        "SourceEncryptionContext",
    )
    to_asymmetric = destination.key_spec != _SYMMETRIC
    if to_asymmetric:
        _asymmetric_input(
            destination,
            algorithm,
            plaintext,
            destination_encryption_context,
            "DestinationEncryptionContext",
        )
    req.dry_run(dry_run)
    record_use(req, source, destination)
    result: dict[str, Any] = {
        "CiphertextBlob": (
            _rsa_encrypt(req, destination, algorithm, plaintext)
            if to_asymmetric
            else _seal(req, destination, plaintext, destination_encryption_context)
        ),
        "SourceKeyId": source.arn,
        "KeyId": destination.arn,
        "SourceEncryptionAlgorithm": source_algorithm,
        "DestinationEncryptionAlgorithm": algorithm,
    }
    # Each KeyMaterialId only for a symmetric key (the model's documentation).
    if source.key_spec == _SYMMETRIC:
        result["SourceKeyMaterialId"] = material.material_id_hex
    if not to_asymmetric:
        result["DestinationKeyMaterialId"] = destination.current_material.material_id_hex
    return result


def _data_key_size(number_of_bytes: int | None, key_spec: str | None) -> int:
    if (number_of_bytes is None) == (key_spec is None):
        # AWS's text for both or neither is not recorded.
        raise ValidationException("Please specify either number of bytes or key spec.")
    return number_of_bytes if number_of_bytes is not None else _DATA_KEY_BYTES[str(key_spec)]


@operation("GenerateDataKey")
def generate_data_key(
    req: Request,
    *,
    key_id: str,
    encryption_context: Mapping[str, str] | None = None,
    number_of_bytes: int | None = None,
    key_spec: str | None = None,
    grant_tokens: Sequence[str] | None = None,
    dry_run: bool | None = None,
) -> dict[str, Any]:
    key = req.key(key_id)
    size = _data_key_size(number_of_bytes, key_spec)
    _encryption_key(key, None, req.operation)
    req.dry_run(dry_run)
    record_use(req, key)
    plaintext = req.backend.random_bytes(size)
    return {
        "CiphertextBlob": _seal(req, key, plaintext, encryption_context),
        "Plaintext": plaintext,
        "KeyId": key.arn,
        "KeyMaterialId": key.current_material.material_id_hex,
    }


@operation("GenerateDataKeyWithoutPlaintext")
def generate_data_key_without_plaintext(
    req: Request,
    *,
    key_id: str,
    encryption_context: Mapping[str, str] | None = None,
    key_spec: str | None = None,
    number_of_bytes: int | None = None,
    grant_tokens: Sequence[str] | None = None,
    dry_run: bool | None = None,
) -> dict[str, Any]:
    result = generate_data_key(
        req,
        key_id=key_id,
        encryption_context=encryption_context,
        number_of_bytes=number_of_bytes,
        key_spec=key_spec,
        dry_run=dry_run,
    )
    del result["Plaintext"]
    return result


@operation("GenerateRandom")
def generate_random(
    req: Request, *, number_of_bytes: int | None = None, custom_key_store_id: str | None = None
) -> dict[str, Any]:
    authorize_iam(req, "GenerateRandom")
    if number_of_bytes is None:
        raise ValidationException("NumberOfBytes is required.")
    if custom_key_store_id is not None:
        # The bytes come from the store's CloudHSM cluster, simulated by the mock's own.
        check_random_source(req, custom_key_store_id)
    return {"Plaintext": req.backend.random_bytes(number_of_bytes)}
