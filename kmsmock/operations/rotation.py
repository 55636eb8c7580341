"""Key rotation: automatic, on demand, and its listing."""

from __future__ import annotations
