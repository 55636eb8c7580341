"""Imported key material (Origin EXTERNAL): wrapping parameters, import, deletion, expiry.

Reference section 9 and AWS_RECORDED_FACTS 2.2 and 3.18. A key's imported versions live
in its ring like generated ones; an imported version keeps its bytes in ``secret``,
which deletion and expiry set to None. A key is usable while every version that is
permanently associated with it (all but the one pending rotation) is imported.
"""

from __future__ import annotations

from typing import Any

from kmsmock._dispatch import operation
from kmsmock._gaps import NotYetImplemented
from kmsmock.backend._arn import partition
from kmsmock.backend._backend import EXPIRY, Backend
from kmsmock.backend._key import ImportedMaterial, Key, KeyMaterial, Ring
from kmsmock.backend._keystate import KeyState, check_state
from kmsmock.crypto._wrapping import (
    RSA_WRAPPING_ALGORITHMS,
    RSA_WRAPPING_SPECS,
    BadMaterial,
    BadToken,
    ImportToken,
    UnwrapFailed,
    checked_material,
    material_id,
    open_token,
    public_key,
    seal_token,
    unwrap,
)
from kmsmock.errors import (
    ExpiredImportTokenException,
    IncorrectKeyMaterialException,
    InvalidCiphertextException,
    InvalidImportTokenException,
    KMSInvalidStateException,
    NotFoundException,
    ValidationException,
)
from kmsmock.operations._key_type import origin_refused
from kmsmock.operations._request import Request

_DAY = 86400.0
# Import tokens and wrapping keys are valid for 24 hours (model docs).
_PARAMETERS_VALIDITY = _DAY
# ValidTo may be at most 365 days ahead (ImportKeyMaterial model docs).
_MAX_VALIDITY = 365 * _DAY
_EXPIRES = "KEY_MATERIAL_EXPIRES"
_DOES_NOT_EXPIRE = "KEY_MATERIAL_DOES_NOT_EXPIRE"
_NEW = "NEW_KEY_MATERIAL"
_EXISTING = "EXISTING_KEY_MATERIAL"
_SYMMETRIC = "SYMMETRIC_DEFAULT"
# States in which the key-state table answers before the origin check: the reference's
# table gives these states' own refusal (footnotes 14, 15) rather than footnote 9.
_STATE_FIRST = frozenset({KeyState.CREATING, KeyState.UPDATING})
_KEEPS_STATE = frozenset({KeyState.PENDING_DELETION, KeyState.PENDING_REPLICA_DELETION})

# Texts kmsmock chose where AWS's are not recorded.
_INVALID_TOKEN = "The import token is invalid or is associated with a different KMS key."
_EXPIRED_TOKEN = (
    "The import token has expired. Use GetParametersForImport to get a new import token "
    "and public key."
)
_NOT_PREVIOUS = (
    "The key material does not match the key material previously imported into this KMS key."
)


def _external_key(req: Request, identifier: str) -> Key:
    """The key, authorized, of origin EXTERNAL and in a state the operation allows.

    The origin is checked before the state (footnote 9 answers for a non-EXTERNAL key
    in every state but Creating and Updating, reference section 4).
    """
    key = req.resolve(identifier)
    req.authorize(key, identifier=identifier)
    state_first = key.state in _STATE_FIRST
    if state_first:
        check_state(req.operation, key)
    if key.origin != "EXTERNAL":
        raise origin_refused(key)
    if not state_first:
        check_state(req.operation, key)
    return key


# -- GetParametersForImport ------------------------------------------------------------


def _check_wrapping(region: str, algorithm: str, spec: str) -> None:
    if algorithm == "RSAES_PKCS1_V1_5":
        # Withdrawn on 2023-10-10 (model docs); the text is kmsmock's.
        raise ValidationException(
            "The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported. Use "
            "RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1, RSA_AES_KEY_WRAP_SHA_256 or "
            "RSA_AES_KEY_WRAP_SHA_1."
        )
    if spec == "SM2" or algorithm == "SM2PKE":
        if partition(region) != "aws-cn":
            # SM2 wrapping exists only in the China Regions; the text is kmsmock's.
            raise ValidationException(
                "The SM2 wrapping key spec and the SM2PKE wrapping algorithm are supported "
                "only in the China Regions."
            )
        if spec == "SM2" and algorithm == "SM2PKE":
            raise NotYetImplemented("SM2 wrapping keys (SM2PKE) for imported key material")
    if (spec == "SM2") != (algorithm == "SM2PKE") or (
        spec in RSA_WRAPPING_SPECS and algorithm not in RSA_WRAPPING_ALGORITHMS
    ):
        raise ValidationException(
            f"Wrapping algorithm {algorithm} is not compatible with wrapping key spec {spec}."
        )


@operation("GetParametersForImport")
def get_parameters_for_import(
    req: Request, *, key_id: str, wrapping_algorithm: str, wrapping_key_spec: str
) -> dict[str, Any]:
    key = _external_key(req, key_id)
    _check_wrapping(req.region_name, wrapping_algorithm, wrapping_key_spec)
    valid_to = req.now + _PARAMETERS_VALIDITY
    token = ImportToken(key.arn, wrapping_key_spec, wrapping_algorithm, valid_to)
    return {
        "KeyId": key.arn,
        "ImportToken": seal_token(req.backend.master_secret, token, req.backend.random_bytes),
        "PublicKey": public_key(wrapping_key_spec, req.backend.seeded),
        "ParametersValidTo": valid_to,
    }


# -- ImportKeyMaterial -----------------------------------------------------------------


def _checked_expiry(now: float, model: str, valid_to: float | None) -> float | None:
    if model == _DOES_NOT_EXPIRE:
        if valid_to is not None:
            raise ValidationException(
                "A validTo date cannot be set if the ExpirationModel is "
                "KEY_MATERIAL_DOES_NOT_EXPIRE"
            )
        return None
    if valid_to is None:
        raise ValidationException(
            "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES"
        )
    # Kept to the millisecond, like every time kmsmock reports.
    valid_to = int(valid_to * 1000) / 1000
    if valid_to <= now:
        raise ValidationException("The validTo date must be in the future")
    if valid_to > now + _MAX_VALIDITY:
        raise ValidationException("The validTo date cannot be more than 365 days in the future")
    return valid_to


def _symmetric_only(key: Key, **parameters: str | None) -> None:
    if key.key_spec == _SYMMETRIC:
        return
    for name, value in parameters.items():
        if value is not None:
            raise ValidationException(f"{name} is valid only for symmetric encryption KMS keys.")


def _opened_token(req: Request, key: Key, blob: bytes) -> ImportToken:
    try:
        token = open_token(req.backend.master_secret, blob)
    except BadToken as error:
        raise InvalidImportTokenException(_INVALID_TOKEN) from error
    if token.key_arn != key.arn:
        raise InvalidImportTokenException(_INVALID_TOKEN)
    if req.now > token.valid_to:
        raise ExpiredImportTokenException(_EXPIRED_TOKEN)
    return token


def _unwrapped(key: Key, token: ImportToken, encrypted: bytes, seeded: bool) -> bytes:
    try:
        raw = unwrap(token.wrapping_spec, token.wrapping_algorithm, encrypted, seeded)
    except UnwrapFailed as error:
        # Empty, as AWS's InvalidCiphertextException is from Decrypt (reference 11).
        raise InvalidCiphertextException("") from error
    if key.key_spec.startswith("ML_DSA"):
        raise NotYetImplemented(f"importing key material into a {key.key_spec} key")
    try:
        return checked_material(key.key_spec, raw)
    except BadMaterial as error:
        raise IncorrectKeyMaterialException(
            f"The key material is not valid for a KMS key with key spec {key.key_spec}."
        ) from error


def _version(ring: Ring, material_id_: bytes) -> ImportedMaterial | None:
    for version in ring.versions:
        if version.material_id == material_id_:
            return _imported(version)
    return None


def _imported(version: KeyMaterial) -> ImportedMaterial:
    # Every version of an EXTERNAL key was imported.
    assert isinstance(version, ImportedMaterial), version
    return version


def _multi_region_source(key: Key, mid: bytes, material: bytes) -> ImportedMaterial | None:
    """For a multi-Region key: the primary's version of this material, which a replica
    must import (new material goes to the primary first, reference section 9).

    Related keys derive the same id from the same material; when another member holds
    the id, its bytes must be the same (IncorrectKeyMaterialException otherwise).
    """
    mr = key.mr
    if mr is None:
        return None
    for member in mr.members.values():
        if member is key:
            continue
        sibling = _version(member.ring, mid)
        if sibling is not None and sibling.secret is not None and sibling.secret != material:
            raise IncorrectKeyMaterialException(_NOT_PREVIOUS)
    primary = mr.primary
    if primary is key:
        return None
    source = _version(primary.ring, mid)
    if source is None:
        raise IncorrectKeyMaterialException(
            f"The key material is not associated with the primary Region key {primary.arn}. "
            "Import new key material into the primary Region key first."
        )
    return source


def _add_version(backend: Backend, key: Key, mid: bytes, material: bytes) -> ImportedMaterial:
    version = ImportedMaterial(key, mid, material)
    if mid in backend.materials:
        # Another member of the same multi-Region key holds this id: its blobs already
        # resolve to this key id; the index moves only if that copy is not imported.
        key.ring.add(version)
        _reindex(backend, key, mid)
    else:
        backend.index_material(version)
    return version


def _place_replica_version(key: Key, version: ImportedMaterial, source: ImportedMaterial) -> None:
    """A replica's version takes the role its primary's version has: a replica uses the
    primary's current material, so it waits (PendingImport) until it has that one."""
    ring, primary_ring = key.ring, source.key.ring
    version.rotation_date = source.rotation_date
    version.rotation_type = source.rotation_type
    if source is primary_ring.current:
        ring.current = version
    elif source is primary_ring.pending:
        ring.pending = version


def _new_version(
    req: Request,
    key: Key,
    mid: bytes,
    material: bytes,
    import_type: str | None,
    source: ImportedMaterial | None,
) -> ImportedMaterial:
    """Material this key never had: its first, new material, or a replica's copy."""
    ring = key.ring
    if source is not None:
        version = _add_version(req.backend, key, mid, material)
        _place_replica_version(key, version, source)
        return version
    if import_type == _EXISTING or (import_type is None and ring.versions):
        # EXISTING names material the key already has; asymmetric and HMAC material
        # (no ImportType) never changes after the first import.
        raise IncorrectKeyMaterialException(_NOT_PREVIOUS)
    pending = ring.pending
    if ring.current is not None and pending is not None:
        raise KMSInvalidStateException(
            f"New key material (id: {mid.hex()}) cannot be imported into KMS key {key.arn}, "
            f"because another key material (id: {pending.material_id_hex}) is pending "
            "rotation."
        )
    version = _add_version(req.backend, key, mid, material)
    if ring.current is None:
        ring.current = version
    else:
        # Waits for RotateKeyOnDemand (PENDING_ROTATION in ListKeyRotations).
        ring.pending = version
    return version


@operation("ImportKeyMaterial")
def import_key_material(
    req: Request,
    *,
    key_id: str,
    import_token: bytes,
    encrypted_key_material: bytes,
    valid_to: float | None = None,
    expiration_model: str | None = None,
    import_type: str | None = None,
    key_material_description: str | None = None,
    key_material_id: str | None = None,
) -> dict[str, Any]:
    key = _external_key(req, key_id)
    _symmetric_only(
        key,
        ImportType=import_type,
        KeyMaterialId=key_material_id,
        KeyMaterialDescription=key_material_description,
    )
    model = expiration_model or _EXPIRES
    expiry = _checked_expiry(req.now, model, valid_to)
    ring = key.ring
    if key.key_spec == _SYMMETRIC and import_type is None:
        import_type = _EXISTING if ring.versions else _NEW
    if import_type == _NEW and key_material_id is not None:
        raise ValidationException(
            "KeyMaterialId cannot be specified when ImportType is NEW_KEY_MATERIAL"
        )
    token = _opened_token(req, key, import_token)
    material = _unwrapped(key, token, encrypted_key_material, req.backend.seeded)
    mid = material_id(key.key_id, material)
    if key_material_id is not None and key_material_id != mid.hex():
        raise IncorrectKeyMaterialException(
            f"The key material does not match the key material ID {key_material_id}."
        )
    source = _multi_region_source(key, mid, material)
    version = _version(ring, mid)
    if version is None:
        version = _new_version(req, key, mid, material, import_type, source)
    elif import_type == _NEW and source is None:
        raise IncorrectKeyMaterialException(
            f"The key material (id: {mid.hex()}) is already associated with KMS key {key.arn}."
        )
    else:
        version.secret = material
        _reindex(req.backend, key, mid)
    version.expiration_model = model
    version.valid_to = expiry
    if key_material_description is not None:
        version.description = key_material_description
    if expiry is not None:
        _schedule_expiry(req.backend, key, version, expiry)
    _restored(key)
    return {"KeyId": key.arn, "KeyMaterialId": mid.hex()}


# -- losing material: deletion and expiry ----------------------------------------------


def _restored(key: Key) -> None:
    """After an import: a key waiting for material is usable once it has it all."""
    if key.state is not KeyState.PENDING_IMPORT:
        # Disabled stays Disabled, Updating stays Updating: an import only ends the wait.
        return
    if key.ring.all_imported():
        key.enter(KeyState.ENABLED)


def _lost(key: Key) -> None:
    """A permanently associated version is gone: the key waits for it again."""
    if key.state not in _KEEPS_STATE:
        key.enter(KeyState.PENDING_IMPORT)


def _discard_pending(backend: Backend, key: Key, version: KeyMaterial) -> None:
    """Material pending rotation is not yet part of the key: deleting it disassociates it,
    so that other new material can be imported instead."""
    ring = key.ring
    ring.pending = None
    ring.remove(version)
    if backend.materials.get(version.material_id) is version:
        del backend.materials[version.material_id]
        if key.mr is not None:
            for member in key.mr.members.values():
                other = _version(member.ring, version.material_id)
                if other is not None:
                    backend.materials[version.material_id] = other
                    break


def _remove(backend: Backend, key: Key, version: ImportedMaterial) -> None:
    """Delete or expire one version's imported bytes (reference section 9)."""
    if version is key.ring.pending:
        _discard_pending(backend, key, version)
        mr = key.mr
        if mr is not None and mr.primary is key:
            # The primary's pending material goes from its replicas too (model docs).
            for member in list(mr.members.values()):
                copy = _version(member.ring, version.material_id)
                if member is not key and copy is not None and copy is member.ring.pending:
                    _discard_pending(backend, member, copy)
        return
    if version.secret is None:
        return
    version.forget()
    version.expiration_model = None
    version.valid_to = None
    _reindex(backend, key, version.material_id)
    _lost(key)


def _reindex(backend: Backend, key: Key, mid: bytes) -> None:
    """Point the blob index at a copy of the material that is still imported.

    Members of a multi-Region key import the same material (same id) each on its own;
    the index holds one copy, which decrypts for every member whose key state allows
    it. When that copy is deleted or expires, another member's imported copy serves.
    """
    indexed = backend.materials.get(mid)
    if key.mr is None or indexed is None or indexed.secret is not None:
        return
    for member in key.mr.members.values():
        copy = _version(member.ring, mid)
        if copy is not None and copy.secret is not None:
            backend.materials[mid] = copy
            return


def _schedule_expiry(backend: Backend, key: Key, version: ImportedMaterial, when: float) -> None:
    def expire(scheduled: float) -> None:
        # Stale if the material was deleted, re-imported with another date or discarded.
        if (
            version.secret is not None
            and version.valid_to == scheduled
            and version in key.ring.versions
        ):
            _remove(backend, key, version)

    backend.schedule(when, EXPIRY, expire)


@operation("DeleteImportedKeyMaterial")
def delete_imported_key_material(
    req: Request, *, key_id: str, key_material_id: str | None = None
) -> dict[str, Any]:
    key = _external_key(req, key_id)
    ring = key.ring
    if key_material_id is None:
        version = ring.current
    else:
        version = next((v for v in ring.versions if v.material_id_hex == key_material_id), None)
        if version is None:
            # AWS's answer is not recorded; NotFoundException is modelled for this call.
            raise NotFoundException(
                f"Key material with ID {key_material_id} does not exist for {key.arn}."
            )
    if version is None:
        # Nothing was ever imported: no effect (reference section 4).
        return {"KeyId": key.arn}
    _remove(req.backend, key, _imported(version))
    return {"KeyId": key.arn, "KeyMaterialId": version.material_id_hex}
