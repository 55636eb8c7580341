"""The backend's clock: real time, moved by whatever moves ``time.time()``, plus an
offset the test controls.

It reads ``time.time()`` on every call, so time-machine and freezegun move it as they
move the rest of the test; ``advance`` and ``set`` move kmsmock's time alone. Times are
kept to the millisecond, the precision of the timestamps KMS sends (``1571767572.317``).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Callable

# The times the clock may show. KMS reports dates up to seven years past now (a
# rotation period is at most 2,560 days), and botocore parses none past 9999.
EARLIEST = 0.0
LATEST = dt.datetime(9990, 1, 1, tzinfo=dt.timezone.utc).timestamp()


def _check_number(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    if isinstance(value, float) and math.isnan(value):
        raise ValueError(f"{name} must be a number, not NaN")


def _check_range(target: float) -> None:
    # Checked before anything is stored: a refused move leaves the clock as it was.
    if not EARLIEST <= target <= LATEST:
        raise ValueError(
            f"kmsmock's clock stays between 1970-01-01 and 9990-01-01 (UTC); {target!r} is outside"
        )


class Clock:
    """What kmsmock believes the time is. Read ``now()``; move it with ``advance``/``set``."""

    __slots__ = ("_lock", "_offset", "_on_change")

    def __init__(self, on_change: Callable[[float], None] | None = None) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()
        # Told the new time whenever the test moves it, so that what fell due happens.
        self._on_change = on_change

    def now(self) -> float:
        """Seconds since the epoch, to the millisecond."""
        return int((time.time() + self._offset) * 1000) / 1000

    def datetime(self) -> dt.datetime:
        """The time as an aware UTC datetime."""
        return dt.datetime.fromtimestamp(self.now(), dt.timezone.utc)

    def advance(
        self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0
    ) -> float:
        """Move kmsmock's time forward (never back); returns the new time."""
        for name, value in (
            ("days", days),
            ("hours", hours),
            ("minutes", minutes),
            ("seconds", seconds),
        ):
            _check_number(name, value)
        try:
            delta = ((float(days) * 24 + hours) * 60 + minutes) * 60 + seconds
        except OverflowError:
            # An integer beyond any float: as far past the clock's range as infinity.
            delta = math.inf
        if not math.isfinite(delta):
            raise ValueError("the clock cannot advance by an infinite amount")
        if delta < 0:
            raise ValueError("the clock only moves forward; use set() to jump")
        with self._lock:
            _check_range(time.time() + self._offset + delta)
            self._offset += delta
        return self._changed()

    def set(self, when: dt.datetime | float) -> float:
        """Make ``when`` (an aware datetime, or epoch seconds) the current time."""
        if isinstance(when, dt.datetime):
            if when.tzinfo is None:
                raise ValueError("give an aware datetime (with tzinfo), e.g. in UTC")
            target = when.timestamp()
        else:
            _check_number("when", when)
            try:
                target = float(when)
            except OverflowError:
                target = math.inf
        _check_range(target)
        with self._lock:
            self._offset = target - time.time()
        return self._changed()

    def _changed(self) -> float:
        now = self.now()
        if self._on_change is not None:
            self._on_change(now)
        return now
