"""How long the simulated service takes for what AWS does in the background, and the
per-key quotas that differ between AWS's documents. Set through ``mock_kms(...)``."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Settings:
    """Timings and quotas of one mock.

    AWS takes about a minute to finish creating a replica and to complete an on-demand
    rotation (AWS_RECORDED_FACTS section 4). The defaults finish them at the next
    moment the clock moves, so code that does not wait works; set ``60`` to make tests
    wait (``kms.clock.advance(seconds=60)``) as production code must.
    """

    replica_creation_seconds: float = 0.0
    on_demand_rotation_seconds: float = 0.0
    # 10 in AWS's 2024-2025 documents and a 2025 recording; 25 in the newest model docs.
    on_demand_rotation_limit: int = 10

    def __post_init__(self) -> None:
        if self.replica_creation_seconds < 0 or self.on_demand_rotation_seconds < 0:
            raise ValueError("timings must not be negative")
        if self.on_demand_rotation_limit < 0:
            raise ValueError("on_demand_rotation_limit must not be negative")
