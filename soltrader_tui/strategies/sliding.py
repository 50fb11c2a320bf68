"""Provides SlidingExtreme: the highest (or lowest) value over a sliding window, O(1) amortised.

A monotonic deque: values are pushed with increasing whole-number keys (a candle's place on
its timeframe's grid), and the deque keeps only the values that can still be the extreme of a
later window, in key order and strictly decreasing (for a maximum). A new value first drops
every kept value it beats from the back, since none of them can win while it is in the window;
a query drops the keys that left the window from the front, and the front is the answer. Each
value enters and leaves the deque once, so a push is O(1) amortised and a query O(1) amortised,
whatever the window size; nothing is ever recomputed over the window.

Keys, not counts, define the window, so a missing candle leaves a hole rather than letting an
older candle stay in: the window "the last 20 candles" before key 100 is keys 80 to 99, however
many of them were seen.
"""

from __future__ import annotations

from collections import deque


class SlidingExtreme:
    """Max (or min) of the values pushed at the last `size` keys."""

    __slots__ = ("_entries", "_sign", "size")

    def __init__(self, size: int, *, highest: bool) -> None:
        """Creates an empty window.

        Args:
            size: How many consecutive keys the window spans.
            highest: True for the maximum, False for the minimum.

        Raises:
            ValueError: If `size` is not positive.
        """
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        self.size = size
        # Minima are kept as negated maxima, so one comparison serves both.
        self._sign = 1.0 if highest else -1.0
        self._entries: deque[tuple[int, float]] = deque()

    def push(self, key: int, value: float) -> None:
        """Adds a value at `key`, which must be greater than every key pushed before."""
        signed = self._sign * value
        entries = self._entries
        while entries and entries[-1][1] <= signed:
            entries.pop()
        entries.append((key, signed))
        self._expire(key)

    def extreme(self, key: int) -> float | None:
        """Returns the extreme of the values pushed at keys in `(key − size, key]`.

        Args:
            key: The window's last key; not less than any key queried or pushed before, since
                the keys that leave a window are dropped for good.

        Returns:
            The maximum (or minimum), or None when no value lies in the window.
        """
        self._expire(key)
        entries = self._entries
        if not entries:
            return None
        return self._sign * entries[0][1]

    def _expire(self, key: int) -> None:
        entries = self._entries
        oldest = key - self.size
        while entries and entries[0][0] <= oldest:
            entries.popleft()
