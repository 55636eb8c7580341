"""LocalStack's CreateKey tags, honoured with ``mock_kms(localstack_tags=True)``.

LocalStack reads two tags of a CreateKey request (its services/kms/utils.py and
models.py): ``_custom_id_``, whose value becomes the key id and which stays on the key
as an ordinary tag, and ``_custom_key_material_``, whose value is the key material in
base64 and which is taken off the tags so that the material is not exposed. kmsmock
checks both as ``kms.add_key`` checks an id and material, so a key made this way is the
same key as one declared with the same id and material. AWS has no such tags: off by
default, they are ordinary tags.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence

from kmsmock.backend._declare import check_key_id
from kmsmock.backend._declare_material import Declared, declared_material
from kmsmock.errors import ValidationException
from kmsmock.operations._request import Request

CUSTOM_ID = "_custom_id_"
CUSTOM_MATERIAL = "_custom_key_material_"


def _value(tags: Sequence[Mapping[str, str]], name: str) -> str | None:
    for tag in tags:
        if tag.get("TagKey") == name:
            return tag.get("TagValue", "")
    return None


def custom_id(req: Request, tags: Sequence[Mapping[str, str]], multi_region: bool) -> str | None:
    """The key id the ``_custom_id_`` tag asks for, checked; None without the tag.

    A malformed id or one the region already has is a ValidationException (texts
    kmsmock's: LocalStack does not check).
    """
    wanted = _value(tags, CUSTOM_ID)
    if wanted is None:
        return None
    try:
        check_key_id(wanted, multi_region)
    except ValueError as error:
        raise ValidationException(f"{CUSTOM_ID}: {error}") from None
    if wanted in req.region.keys:
        raise ValidationException(f"{CUSTOM_ID}: a key with the id {wanted} already exists")
    return wanted


def custom_material(
    req: Request,
    tags: Sequence[Mapping[str, str]],
    *,
    key_id: str,
    key_spec: str,
    origin: str,
) -> tuple[list[Mapping[str, str]], Declared | None]:
    """The tags without ``_custom_key_material_``, and the material it declares."""
    encoded = _value(tags, CUSTOM_MATERIAL)
    if encoded is None:
        return list(tags), None
    try:
        material = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationException(f"{CUSTOM_MATERIAL} must be base64") from None
    try:
        declared = declared_material(req.region, key_id, key_spec, origin, material)
    except ValueError as error:
        raise ValidationException(f"{CUSTOM_MATERIAL}: {error}") from None
    return [tag for tag in tags if tag.get("TagKey") != CUSTOM_MATERIAL], declared
