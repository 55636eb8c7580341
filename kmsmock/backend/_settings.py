"""How long the simulated service takes for what AWS does in the background, and the
per-key quotas that differ between AWS's documents. Set through ``mock_kms(...)``."""

from __future__ import annotations

from collections.abc import Mapping

from kmsmock.backend._random import Seed, seed_bytes
from kmsmock.crypto._cache_dir import cache_directory

# A year: far longer than anything AWS takes in the background, and short enough that
# every date it leads to stays one botocore can parse.
_LONGEST = 365 * 24 * 3600.0


class Settings:
    """Timings and quotas of one mock, fixed when it is made.

    AWS takes about a minute to finish creating a replica and to complete an on-demand
    rotation (AWS_RECORDED_FACTS section 4). The defaults finish them at the next
    moment the clock moves, so code that does not wait works; set ``60`` to make tests
    wait (``kms.clock.advance(seconds=60)``) as production code must.
    """

    # A plain class rather than a frozen dataclass, whose making costs every process
    # about a millisecond at ``import kmsmock``.
    __slots__ = (
        "localstack_tags",
        "on_demand_rotation_limit",
        "on_demand_rotation_seconds",
        "replica_creation_seconds",
        "seed",
    )
    replica_creation_seconds: float
    on_demand_rotation_seconds: float
    on_demand_rotation_limit: int
    seed: Seed | None
    localstack_tags: bool

    def __init__(
        self,
        *,
        replica_creation_seconds: float = 0.0,
        on_demand_rotation_seconds: float = 0.0,
        # 10 in AWS's 2024-2025 documents and a 2025 recording; 25 in the newest model docs.
        on_demand_rotation_limit: int = 10,
        # Where generated values come from (backend/_random.py): None for the system's
        # randomness, or a seed that makes every run with the same calls the same.
        seed: Seed | None = None,
        # Honour LocalStack's _custom_id_ and _custom_key_material_ CreateKey tags.
        localstack_tags: bool = False,
    ) -> None:
        values = {
            "replica_creation_seconds": replica_creation_seconds,
            "on_demand_rotation_seconds": on_demand_rotation_seconds,
            "on_demand_rotation_limit": on_demand_rotation_limit,
            "seed": seed,
            "localstack_tags": localstack_tags,
        }
        _check(values)
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a mock's settings are fixed when it is made: {name}")

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in sorted(self.__slots__))
        return f"Settings({fields})"


def _check(values: Mapping[str, object]) -> None:
    """Refuse bad settings with a TypeError or ValueError, before a mock exists."""
    seed = values["seed"]
    if seed is not None:
        seed_bytes(seed)
    # Not a setting of one mock: the key pair pool and its cache are the process's
    # (crypto/_pool.py, crypto/_cache_dir.py). Checked here so that a wrong path
    # fails when a mock or a server is made, before it changes anything.
    cache_directory()
    localstack_tags = values["localstack_tags"]
    if not isinstance(localstack_tags, bool):
        raise TypeError(f"localstack_tags must be a bool, not {localstack_tags!r}")
    for name in ("replica_creation_seconds", "on_demand_rotation_seconds"):
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{name} must be a number of seconds, not {value!r}")
        # NaN passes every comparison, and would stall whatever it schedules.
        if not 0 <= value <= _LONGEST:
            raise ValueError(f"{name} must be from 0 to {_LONGEST:.0f} seconds, not {value}")
    limit = values["on_demand_rotation_limit"]
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise TypeError(f"on_demand_rotation_limit must be an int, not {limit!r}")
    if limit < 0:
        raise ValueError("on_demand_rotation_limit must not be negative")
