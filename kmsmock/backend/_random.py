"""Where a mock's generated values come from: the operating system, or a seed.

Unseeded, every value comes from ``os.urandom`` (and ``uuid4``), as before seeds
existed. Seeded (``mock_kms(seed=...)``), each consumer draws from its own stream,
derived from the seed and a label, so the values one part makes (key ids, nonces,
principals' access keys) never shift because another part drew more or less. A stream
is a ``random.Random`` seeded with an integer, whose output Python keeps the same
across versions and platforms.
"""

from __future__ import annotations

import hashlib
import random

Seed = int | str | bytes


def seed_bytes(seed: object) -> bytes:
    """The seed as bytes, tagged with its type so that ``1``, ``"1"`` and ``b"1"`` differ.

    TypeError for anything but an int, a str or bytes (a bool included: ``True`` as a
    seed is more likely a mistake than a choice).
    """
    if isinstance(seed, bool) or not isinstance(seed, int | str | bytes):
        raise TypeError(f"seed must be an int, a str or bytes, not {type(seed).__name__}")
    if isinstance(seed, int):
        return b"int:" + str(seed).encode("ascii")
    if isinstance(seed, str):
        return b"str:" + seed.encode("utf-8", "surrogatepass")
    return b"bytes:" + seed


def derive(seed: bytes, label: str) -> bytes:
    """32 bytes for ``label``, a function of the seed and the label only."""
    return hashlib.sha256(seed + b"\x00kmsmock\x00" + label.encode("utf-8")).digest()


def stream(seed: bytes, label: str) -> random.Random:
    """An independent, reproducible stream of randomness for ``label``."""
    return random.Random(int.from_bytes(derive(seed, label), "big"))
