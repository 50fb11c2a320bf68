"""Provides RiskBook: the little state the pre-trade checks read, in bounded memory.

It holds cash and each open position's value (a cache of the portfolio, refreshed with
`sync` or kept by `record_entry`/`record_exit`), the times of recent entries for the hourly
limit, and when each token last closed a losing round trip, for the cool-down.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

HOUR_S = 3600.0
"""The window of `risk.max_entries_per_hour`, seconds."""
ENTRY_MEMORY = 1000
"""Entry times kept: the highest `risk.max_entries_per_hour` allows, so the count is exact."""
LOSS_MEMORY = 1024
"""Tokens whose last losing exit is remembered; the oldest is forgotten first."""


class RiskBook:
    """Cash, exposure by token, recent entry times and last losing exits, for `check_entry`.

    Money is integer micro-USDC, times are unix seconds passed in (the book reads no clock).
    """

    __slots__ = ("_entries", "_exposure", "_losses", "cash_micro")

    def __init__(
        self, cash_micro: int = 0, exposure_micro: Mapping[str, int] | None = None
    ) -> None:
        """Creates a book.

        Args:
            cash_micro: Cash, micro-USDC.
            exposure_micro: Value of each open position by mint, micro-USDC.
        """
        self.cash_micro = cash_micro
        self._exposure: dict[str, int] = dict(exposure_micro or {})
        self._entries: deque[float] = deque(maxlen=ENTRY_MEMORY)
        self._losses: dict[str, float] = {}

    # -- reads ---------------------------------------------------------------------------------

    @property
    def open_positions(self) -> int:
        """How many positions are open."""
        return len(self._exposure)

    @property
    def total_exposure_micro(self) -> int:
        """Value of all open positions, micro-USDC."""
        return sum(self._exposure.values())

    @property
    def equity_micro(self) -> int:
        """Cash plus the value of all open positions, micro-USDC."""
        return self.cash_micro + self.total_exposure_micro

    def holds(self, mint: str) -> bool:
        """Returns whether a position in `mint` is open."""
        return mint in self._exposure

    def exposure_micro(self, mint: str) -> int:
        """Returns the value held in `mint`, micro-USDC (0 when none is held)."""
        return self._exposure.get(mint, 0)

    def entries_within_hour(self, now: float) -> tuple[int, float | None]:
        """Counts entries in the hour up to `now`, forgetting the ones before it.

        Args:
            now: The current time, unix seconds.

        Returns:
            The count, and the time of the oldest of them (None when there are none).
        """
        entries = self._entries
        # Entry times arrive in order, so the ones that left the window are at the left.
        while entries and entries[0] <= now - HOUR_S:
            entries.popleft()
        return len(entries), (entries[0] if entries else None)

    def last_loss_ts(self, mint: str) -> float | None:
        """Returns when `mint` last closed a losing round trip, or None if not remembered."""
        return self._losses.get(mint)

    # -- writes --------------------------------------------------------------------------------

    def sync(self, cash_micro: int, exposure_micro: Mapping[str, int]) -> None:
        """Replaces cash and positions with the portfolio's (the truth); keeps the history.

        Args:
            cash_micro: Cash, micro-USDC.
            exposure_micro: Value of each open position at its mark, by mint, micro-USDC.
        """
        self.cash_micro = cash_micro
        self._exposure.clear()
        self._exposure.update(exposure_micro)

    def revalue(self, mint: str, value_micro: int) -> None:
        """Sets the value of an open position (at a new mark); ignored when none is open."""
        if mint in self._exposure:
            self._exposure[mint] = value_micro

    def record_entry(self, mint: str, ts: float, cost_micro: int) -> None:
        """Records a filled buy: cash goes down by its cost, the position up by the same.

        Args:
            mint: The token bought.
            ts: When it filled, unix seconds.
            cost_micro: What it cost, fees included, micro-USDC.
        """
        self.cash_micro -= cost_micro
        self._exposure[mint] = self._exposure.get(mint, 0) + cost_micro
        self.note_entry(ts)

    def record_exit(
        self, mint: str, ts: float, proceeds_micro: int, trip_realized_micro: int | None
    ) -> None:
        """Records a filled sell.

        Args:
            mint: The token sold.
            ts: When it filled, unix seconds.
            proceeds_micro: Cash received, fees deducted, micro-USDC.
            trip_realized_micro: The round trip's realized P&L when this sell left the
                position flat; None after a partial sell.
        """
        self.cash_micro += proceeds_micro
        if trip_realized_micro is None:
            if mint in self._exposure:
                self._exposure[mint] = max(0, self._exposure[mint] - proceeds_micro)
            return
        self._exposure.pop(mint, None)
        if trip_realized_micro <= 0:
            # Breakeven counts as a loss, as in the win rate: fees were paid for nothing.
            self.note_loss(mint, ts)

    def note_entry(self, ts: float) -> None:
        """Adds an entry time only (for rebuilding the book from the ledger's fills)."""
        self._entries.append(ts)

    def note_loss(self, mint: str, ts: float) -> None:
        """Remembers a losing round trip's close (for rebuilding from the ledger's trips)."""
        losses = self._losses
        losses.pop(mint, None)  # re-inserted last, so the dict stays in time order
        losses[mint] = ts
        if len(losses) > LOSS_MEMORY:
            del losses[next(iter(losses))]

    def note_history(
        self, entry_times: Iterable[float], losses: Iterable[tuple[str, float]]
    ) -> None:
        """Replays past entries and losing closes, oldest first, after a restart.

        Args:
            entry_times: Times of past buys that opened positions.
            losses: (mint, closed_ts) of past losing round trips.
        """
        for ts in entry_times:
            self.note_entry(ts)
        for mint, ts in losses:
            self.note_loss(mint, ts)
