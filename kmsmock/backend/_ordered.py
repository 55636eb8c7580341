"""An append-only index of items in creation order, so that a list page is a bisect and a
slice, whatever the number of items listed (issue 10).

Every listed item carries a sequence number taken from the backend's counter when it is
made, so creation order is sequence order. A page starts after a sequence number (what a
marker names), found by bisection. Items that have gone (deleted, retired, revoked) are
not removed when they go, which would need a hook at every place that removes one: the
owner says which items are alive, and dead ones are skipped, then dropped when a page
passes over them or when the index is rebuilt.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Reversible
from typing import Generic, TypeVar

T = TypeVar("T")

# Below this length a rebuild is not worth its bookkeeping.
_SMALL = 64


class Ordered(Generic[T]):
    """Items in increasing sequence order, with dead ones dropped lazily."""

    __slots__ = ("_alive", "_items", "_rebuilt", "_seq")

    def __init__(self, seq: Callable[[T], int], alive: Callable[[T], bool]) -> None:
        self._seq = seq
        self._alive = alive
        self._items: list[T] = []
        # Length just after the last rebuild: the list is filtered again once it has
        # doubled, so a rebuild costs O(1) per item appended, and items that went
        # without ever being paged over do not pile up (they hold their memory).
        self._rebuilt = 0

    def last_seq(self) -> int:
        items = self._items
        return self._seq(items[-1]) if items else 0

    def extend(self, new: Iterable[T]) -> None:
        """Append items newer than every item held, in increasing sequence order."""
        items = self._items
        items.extend(new)
        if len(items) >= 2 * self._rebuilt + _SMALL:
            alive = self._alive
            items[:] = [item for item in items if alive(item)]
            self._rebuilt = len(items)

    def catch_up(self, values: Reversible[T]) -> list[T]:
        """Append what was added to ``values`` since the last call; return it.

        ``values`` is a dict's values, inserted in sequence order (each value is made
        with a new sequence number just before it is inserted, and never replaced in
        place), so what is new is a run at its end: walking back from the end costs
        only the new values.
        """
        seen = self.last_seq()
        seq = self._seq
        new: list[T] = []
        for value in reversed(values):
            if seq(value) <= seen:
                break
            new.append(value)
        if new:
            new.reverse()
            self.extend(new)
        return new

    def page(
        self, after: int, size: int, match: Callable[[T], bool] | None = None
    ) -> tuple[list[T], bool]:
        """Up to ``size`` live items (that ``match``, if given) with a sequence number
        above ``after``, and whether another follows them."""
        items = self._items
        alive = self._alive
        start = i = bisect_right(items, after, key=self._seq)
        end = len(items)
        chunk: list[T] = []
        kept: list[T] = []
        more = False
        while i < end:
            item = items[i]
            if alive(item):
                if match is None or match(item):
                    if len(chunk) == size:
                        more = True
                        break
                    chunk.append(item)
                kept.append(item)
            i += 1
        if len(kept) < i - start:
            # Dead items were passed over: drop them, so no page pays for them again.
            items[start:i] = kept
        return chunk, more
