"""The backend's clock.

It reads ``time.time()`` on every call, so time-machine and freezegun move it as
they move the rest of the test. Times are kept to the millisecond, the precision of
the timestamps KMS sends (``1571767572.317``).
"""

from __future__ import annotations

import time


class Clock:
    __slots__ = ()

    def now(self) -> float:
        return int(time.time() * 1000) / 1000
