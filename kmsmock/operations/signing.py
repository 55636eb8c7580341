"""Sign and Verify with asymmetric keys."""

from __future__ import annotations
