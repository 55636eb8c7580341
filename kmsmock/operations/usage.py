"""GetKeyLastUsage: when a key last did cryptographic work."""

from __future__ import annotations
