"""Where ``KMSMOCK_KEY_CACHE`` points: the key pair pool's on-disk cache, checked.

Apart from the pool (crypto/_pool.py) so that checking the setting, which every new mock
does, does not import cryptography: a first test that never uses a key pair need not
pay for it.
"""

from __future__ import annotations

import os
from pathlib import Path

ENVIRONMENT_VARIABLE = "KMSMOCK_KEY_CACHE"


def cache_directory() -> Path | None:
    """The on-disk cache named by ``KMSMOCK_KEY_CACHE``, checked; None when unset.

    Raises ValueError when the variable names something other than an existing,
    writable directory: mock_kms and the server check this when they are made, so a
    mistyped path fails before any test runs rather than being created or ignored.
    """
    value = os.environ.get(ENVIRONMENT_VARIABLE, "")
    if not value:
        return None
    path = Path(value)
    if not path.is_dir():
        raise ValueError(
            f"{ENVIRONMENT_VARIABLE}={value!r} is not an existing directory; create it, "
            f"or unset the variable to keep generated key pairs in memory only"
        )
    if not os.access(path, os.W_OK | os.X_OK):
        raise ValueError(f"{ENVIRONMENT_VARIABLE}={value!r} is not a writable directory")
    return path
