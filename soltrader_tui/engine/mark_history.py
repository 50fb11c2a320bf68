"""Provides MarkHistory: each token's recent accepted prices, for the position detail's chart.

The ledger keeps only each token's latest mark; the chart needs the last few minutes of them.
One point per token every `every_s` market seconds keeps the memory and the snapshot small
whatever the tick rate.
"""

from __future__ import annotations

from collections import deque

MARK_EVERY_S = 5.0
"""Market seconds between two kept prices of a token."""
MARKS_KEPT = 240
"""Prices kept per token (20 minutes at one every 5 s)."""


class MarkHistory:
    """The recent accepted prices of every token, thinned in market time."""

    __slots__ = ("_every_s", "_keep", "_marks")

    def __init__(self, every_s: float = MARK_EVERY_S, keep: int = MARKS_KEPT) -> None:
        self._every_s = every_s
        self._keep = keep
        self._marks: dict[str, deque[tuple[float, float]]] = {}

    def note(self, mint: str, ts: float, price_usd: float) -> None:
        """Keeps an accepted price unless the token's previous kept one is too recent."""
        kept = self._marks.get(mint)
        if kept is None:
            kept = self._marks[mint] = deque(maxlen=self._keep)
        elif ts - kept[-1][0] < self._every_s:
            return
        kept.append((ts, price_usd))

    def recent(self, mint: str) -> tuple[tuple[float, float], ...]:
        """The kept (market time, price) of `mint`, oldest first; empty when none."""
        kept = self._marks.get(mint)
        return () if kept is None else tuple(kept)
