"""Keys and aliases a test declares (``kms.add_key``, ``kms.add_alias``): every check
of a declaration, then the key or alias added. What makes a declared key the same key
in another mock or another process, its material, is in _declare_material.py.

Everything is checked before anything changes: bad input is a TypeError or a
ValueError and leaves the mock as it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from kmsmock.backend._arn import KEY_ID_RE, MRK_ID_RE, is_account_id, is_region
from kmsmock.backend._backend import Alias, Backend, Region
from kmsmock.backend._declare_material import Declared, _material, install_material
from kmsmock.backend._key import Key, MultiRegion, Ring
from kmsmock.backend._keystate import KeyState
from kmsmock.errors import KMSError

if TYPE_CHECKING:
    from kmsmock.auth._principals import IdentityRegistry

_DAY = 86400.0
# The pending window of a key declared PendingDeletion: ScheduleKeyDeletion's default.
DECLARED_WINDOW_DAYS = 30
_ORIGINS = ("AWS_KMS", "EXTERNAL")
_DECLARABLE = (
    KeyState.ENABLED,
    KeyState.DISABLED,
    KeyState.PENDING_DELETION,
    KeyState.PENDING_IMPORT,
)
_MAX_DESCRIPTION = 8192
_MAX_ALIAS_NAME = 256


def _str(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


def _where(
    backend: Backend, account: str | None, region: str | None, default: tuple[str, str]
) -> Region:
    account_id = default[0] if account is None else _str("account", account)
    name = default[1] if region is None else _str("region", region)
    if not is_account_id(account_id):
        raise ValueError(f"account must be 12 digits, not {account_id!r}")
    if not is_region(name):
        raise ValueError(f"region must be a region name such as 'eu-west-1', not {name!r}")
    found = backend.find_region(account_id, name)
    # Not added to the backend until the declaration is applied.
    return found if found is not None else Region(account_id, name)


def _key_id_format(key_id: str, multi_region: bool) -> str:
    if multi_region:
        if MRK_ID_RE.fullmatch(key_id) is None or key_id != key_id.lower():
            raise ValueError(
                f"a multi-Region key id is 'mrk-' and 32 lowercase hex digits, not {key_id!r}"
            )
    elif KEY_ID_RE.fullmatch(key_id) is None or key_id != key_id.lower():
        hint = " (pass multi_region=True for an mrk- id)" if key_id.startswith("mrk-") else ""
        raise ValueError(
            f"a key id is a lowercase UUID such as '1234abcd-12ab-34cd-56ef-1234567890ab', "
            f"not {key_id!r}{hint}"
        )
    return key_id


def _key_type(spec: str, usage: str | None, region: str) -> str:
    from kmsmock.operations.keys import USAGES

    _str("key_spec", spec)
    allowed = USAGES.get(spec)
    if allowed is None:
        raise ValueError(f"{spec!r} is not a key spec; one of: {', '.join(USAGES)}")
    if spec == "SM2" and not region.startswith("cn-"):
        raise ValueError("SM2 keys exist only in the China Regions (cn-north-1, cn-northwest-1)")
    if usage is None:
        if len(allowed) > 1:
            choices = ", ".join(sorted(allowed))
            raise ValueError(f"key_usage is needed for a {spec} key: one of {choices}")
        return next(iter(allowed))
    _str("key_usage", usage)
    if usage not in allowed:
        raise ValueError(f"KeyUsage {usage} is not compatible with KeySpec {spec}")
    return usage


def _state(state: KeyState | str | None, origin: str, has_material: bool) -> KeyState:
    if state is None:
        return (
            KeyState.PENDING_IMPORT
            if origin == "EXTERNAL" and not has_material
            else KeyState.ENABLED
        )
    _str("state", state)
    try:
        value = KeyState(state)
    except ValueError:
        names = ", ".join(s.value for s in KeyState)
        raise ValueError(f"{state!r} is not a key state; one of: {names}") from None
    if value not in _DECLARABLE:
        raise ValueError(
            f"a key is declared Enabled, Disabled, PendingDeletion or PendingImport; "
            f"{value.value} comes with a replica, a custom key store or an update that "
            f"only the KMS calls set up"
        )
    waiting = origin == "EXTERNAL" and not has_material
    if value is KeyState.PENDING_IMPORT and not waiting:
        raise ValueError("only a key of origin EXTERNAL declared without material is PendingImport")
    if waiting and value not in (KeyState.PENDING_IMPORT, KeyState.PENDING_DELETION):
        raise ValueError(
            f"an EXTERNAL key declared without material is PendingImport, not {value.value}"
        )
    return value


# -- policy, tags, aliases ---------------------------------------------------------------


def _policy(policy: str | Mapping[str, Any] | None, identities: IdentityRegistry) -> str | None:
    from kmsmock.auth._jackson import pretty
    from kmsmock.auth._policy import INVALID_PRINCIPALS, compile_key_policy, undeclared
    from kmsmock.operations.policies import MAX_POLICY_BYTES

    if policy is None:
        return None
    if isinstance(policy, Mapping):
        text = json.dumps(policy)
    elif isinstance(policy, str):
        text = policy
    else:
        raise TypeError(f"policy must be a JSON str or a dict, not {type(policy).__name__}")
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise ValueError(f"a key policy is at most {MAX_POLICY_BYTES} bytes")
    try:
        compiled = compile_key_policy(text)
    except KMSError as error:
        raise ValueError(f"policy: {error.message or error.code}") from None
    if identities.check_principals and undeclared(compiled, identities):
        raise ValueError(f"policy: {INVALID_PRINCIPALS}")
    return pretty(compiled.document)


def _tags(tags: Mapping[str, str] | None) -> dict[str, str] | None:
    from kmsmock.operations._tags import merged_tags

    if tags is None:
        return None
    if not isinstance(tags, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    ):
        raise TypeError(f"tags must be a dict of str to str, not {tags!r}")
    for name, value in tags.items():
        # The model's lengths, which the request codec checks on the wire.
        if not 1 <= len(name) <= 128:
            raise ValueError(f"a tag key is 1 to 128 characters, not {len(name)}: {name!r}")
        if len(value) > 256:
            raise ValueError(f"a tag value is at most 256 characters: {name!r}")
    try:
        # TagResource's own rules (reserved aws: names, the quota), as TagResource has them.
        merged = merged_tags(None, [{"TagKey": k, "TagValue": v} for k, v in tags.items()])
    except KMSError as error:
        raise ValueError(f"tags: {error.message}") from None
    return merged or None


def check_alias_name(region: Region, name: object, taken: Iterable[str] = ()) -> str:
    """An alias name CreateAlias would accept, not yet used in ``region``."""
    from kmsmock.operations.aliases import ALIAS_NAME

    alias_name = _str("alias name", name)
    if not alias_name.startswith("alias/"):
        raise ValueError(f"an alias name starts with 'alias/', not {alias_name!r}")
    if alias_name.startswith("alias/aws/"):
        raise ValueError("alias names that begin with alias/aws/ are reserved for AWS managed keys")
    if ALIAS_NAME.fullmatch(alias_name) is None or len(alias_name) > _MAX_ALIAS_NAME:
        raise ValueError(
            f"{alias_name!r}: an alias name is at most {_MAX_ALIAS_NAME} letters, digits, "
            "'/', '_' and '-' after 'alias/'"
        )
    if alias_name in region.aliases or alias_name in taken:
        raise ValueError(
            f"an alias named {alias_name} already exists in {region.account_id}/{region.name}"
        )
    return alias_name


# -- the declarations ----------------------------------------------------------------------


def declare_key(
    backend: Backend,
    identities: IdentityRegistry,
    default: tuple[str, str],
    key_id: str | None,
    *,
    key_spec: str,
    key_usage: str | None,
    material: bytes | str | None,
    origin: str,
    account: str | None,
    region: str | None,
    description: str,
    policy: str | Mapping[str, Any] | None,
    tags: Mapping[str, str] | None,
    aliases: Iterable[str],
    state: KeyState | str | None,
    multi_region: bool,
) -> Key:
    """Check a key declaration in full, then add the key (see ``MockKMS.add_key``)."""
    from kmsmock.operations.aliases import MAX_ALIASES_PER_KEY

    with backend.lock:
        backend.expire(backend.clock.now())
        declared = Declared()
        if not isinstance(multi_region, bool):
            raise TypeError(f"multi_region must be a bool, not {multi_region!r}")
        declared.multi_region = multi_region
        declared.region = where = _where(backend, account, region, default)
        if key_id is not None:
            declared.key_id = _key_id_format(_str("key_id", key_id), multi_region)
            if key_id in where.keys:
                raise ValueError(
                    f"a key {key_id} already exists in {where.account_id}/{where.name}"
                )
        declared.key_spec = key_spec
        declared.key_usage = _key_type(key_spec, key_usage, where.name)
        if _str("origin", origin) not in _ORIGINS:
            raise ValueError(f"origin is 'AWS_KMS' or 'EXTERNAL', not {origin!r}")
        if origin == "EXTERNAL" and key_spec.startswith(("ML_", "SM2")):
            raise ValueError(f"kmsmock does not import material into {key_spec} keys yet")
        declared.origin = origin
        declared.description = _str("description", description)
        if len(description) > _MAX_DESCRIPTION:
            raise ValueError(f"a description is at most {_MAX_DESCRIPTION} characters")
        if material is not None:
            _material(declared, material)
        declared.state = _state(state, origin, material is not None)
        declared.policy = _policy(policy, identities)
        declared.tags = _tags(tags)
        if isinstance(aliases, str):
            raise TypeError("aliases is a list of alias names, not one str")
        for name in aliases:
            declared.aliases.append(check_alias_name(where, name, declared.aliases))
        if len(declared.aliases) > MAX_ALIASES_PER_KEY:
            raise ValueError(f"a key has at most {MAX_ALIASES_PER_KEY} aliases")
        # All checked: only now draw a new id (from the seed's stream, if any), and
        # derive the material that the key's id decides.
        if key_id is None:
            declared.key_id = backend.new_key_id(multi_region)
        if material is None:
            _material(declared, None)
        return _apply(backend, declared)


def check_key_id(key_id: str, multi_region: bool) -> str:
    """``key_id`` if it is a key id of the kind AWS makes; ValueError otherwise."""
    return _key_id_format(key_id, multi_region)


def _apply(backend: Backend, declared: Declared) -> Key:
    region = backend.region(declared.region.account_id, declared.region.name)
    now = backend.clock.now()
    key = backend.create_key(
        region,
        description=declared.description,
        key_usage=declared.key_usage,
        key_spec=declared.key_spec,
        origin=declared.origin,
        policy=declared.policy,
        key_id=declared.key_id,
        # An empty ring: the material is the declared one, added below.
        ring=Ring(),
    )
    install_material(backend, key, declared)
    if declared.multi_region:
        key.mr = MultiRegion(key)
    key.tags = declared.tags
    if declared.state is KeyState.PENDING_DELETION:
        key.enter(KeyState.PENDING_DELETION)
        key.pending_window_days = DECLARED_WINDOW_DAYS
        key.deletion_date = now + DECLARED_WINDOW_DAYS * _DAY
        backend.schedule_deletion(key)
    else:
        key.enter(declared.state)
    for name in declared.aliases:
        region.aliases[name] = Alias(name, key.key_id, now, backend.next_seq())
    return key


def declare_alias(
    backend: Backend,
    default: tuple[str, str],
    alias_name: str,
    key_id: str,
    *,
    account: str | None,
    region: str | None,
) -> None:
    """Check an alias declaration, then add it (see ``MockKMS.add_alias``)."""
    from kmsmock.operations.aliases import MAX_ALIASES_PER_KEY

    with backend.lock:
        backend.expire(backend.clock.now())
        where = _where(backend, account, region, default)
        name = check_alias_name(where, alias_name)
        key = where.keys.get(_str("key_id", key_id))
        if key is None:
            raise ValueError(f"no key {key_id} in {where.account_id}/{where.name}")
        if key.state is KeyState.PENDING_DELETION:
            raise ValueError(f"{key.arn} is pending deletion")
        if len(where.aliases_of(key.key_id)) >= MAX_ALIASES_PER_KEY:
            raise ValueError(f"a key has at most {MAX_ALIASES_PER_KEY} aliases")
        region_state = backend.region(where.account_id, where.name)
        region_state.aliases[name] = Alias(
            name, key.key_id, backend.clock.now(), backend.next_seq()
        )
