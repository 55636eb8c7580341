"""GetPublicKey."""

from __future__ import annotations
