"""Multi-Region keys: replication and the primary Region."""

from __future__ import annotations
