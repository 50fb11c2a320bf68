"""Provides EquitySeries: an equity curve thinned evenly to a bounded number of points.

Pure: no I/O, no clock. The dashboard draws the curve from it; its memory stays bounded however
long a session runs, and the newest point is always the last one drawn. The stride follows
`ledger.position_reads.thinning_stride`, so a series resumed from the ledger's read equals one
fed every point."""

from __future__ import annotations

from soltrader_tui.domain import micro_to_usd
from soltrader_tui.ledger.position_reads import ThinnedEquity, thinning_stride

CHART_POINTS = 120
"""Points an equity chart keeps at least (at most twice as many): more than a panel is wide.
The engine's charts and `watch`'s use the same, so they thin a curve alike."""


class EquitySeries:
    """Keeps every `stride`-th point of a curve, doubling the stride when full, plus the newest."""

    __slots__ = ("_count", "_kept", "_last", "_size", "_stride")

    def __init__(self, size: int) -> None:
        """Starts an empty series.

        Args:
            size: At least this many points are kept once that many were added, and never more
                than twice as many (plus the newest).

        Raises:
            ValueError: `size` is not positive.
        """
        if size < 1:
            raise ValueError(f"an equity series keeps at least one point, not {size}")
        self._size = size
        self._kept: list[float] = []
        self._stride = 1
        self._count = 0
        self._last: float | None = None

    @classmethod
    def resume(cls, size: int, thinned: ThinnedEquity) -> EquitySeries:
        """The series that adding every point of a curve one by one would leave, from what the
        ledger read of it (`ledger.position_reads.read_equity_thinned` with the same `size`)."""
        series = cls(size)
        series._count = thinned.count
        series._stride = thinning_stride(size, thinned.count)
        series._kept = [micro_to_usd(m) for m in thinned.kept]
        series._last = None if thinned.last is None else micro_to_usd(thinned.last)
        return series

    def add(self, equity_usd: float) -> None:
        """Adds the next point of the curve (in time order)."""
        self._last = equity_usd
        if self._count % self._stride == 0:
            self._kept.append(equity_usd)
            if len(self._kept) >= 2 * self._size:
                # Every other point goes: those left are exactly every (2 × stride)-th point.
                self._kept = self._kept[::2]
                self._stride *= 2
        self._count += 1

    def amend(self, equity_usd: float) -> None:
        """Replaces the newest point (the ledger replaced the point of the same time)."""
        if self._last is None:
            self.add(equity_usd)
            return
        self._last = equity_usd
        if (self._count - 1) % self._stride == 0:
            self._kept[-1] = equity_usd

    def values(self) -> tuple[float, ...]:
        """The kept points, oldest first, ending with the newest point added."""
        if self._last is None:
            return ()
        newest_kept = (self._count - 1) % self._stride == 0
        return tuple(self._kept) if newest_kept else (*self._kept, self._last)
