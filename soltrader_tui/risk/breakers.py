"""Provides the circuit breakers: daily loss, drawdown from the peak, losses in a row.

`Breakers` is fed equity points and closed round trips with their (market) times, and
returns an event once when a breaker trips, and once when the daily one clears at the
next UTC midnight. It reads no clock, so a virtual clock crossing midnight resets it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from soltrader_tui.config.model import RiskConfig
from soltrader_tui.domain import usd_to_micro
from soltrader_tui.format import usd_micro

DAY_S = 86_400
"""Seconds in a UTC day; unix time has no leap seconds, so days start at multiples of it."""

BreakerAction = Literal["pause_entries", "halt"]


class BreakerRule(StrEnum):
    """Which breaker tripped; stored in the ledger by value."""

    DAILY_LOSS = "daily_loss_limit"
    MAX_DRAWDOWN = "max_drawdown"
    CONSECUTIVE_LOSSES = "max_consecutive_losses"


@dataclass(frozen=True, slots=True)
class BreakerTripped:
    """A breaker tripped: the engine must pause entries or flatten and halt."""

    rule: BreakerRule
    action: BreakerAction
    reason: str
    """A sentence with the numbers, for the log, the ledger and the header."""
    ts: float
    until_ts: float | None
    """When the pause ends by itself (the next UTC midnight); None: it needs a resume."""


@dataclass(frozen=True, slots=True)
class BreakerCleared:
    """A timed breaker's pause is over: entries may resume if it was what paused them."""

    rule: BreakerRule
    reason: str
    ts: float


BreakerEvent = BreakerTripped | BreakerCleared


def utc_day(ts: float) -> int:
    """Returns the number of the UTC day that contains `ts` (days since 1970-01-01)."""
    return int(ts // DAY_S)


class Breakers:
    """The three circuit breakers' state, in constant memory."""

    __slots__ = (
        "_daily_limit",
        "_daily_tripped",
        "_day",
        "_day_start",
        "_drawdown_tripped",
        "_equity",
        "_losses_tripped",
        "_max_drawdown_pct",
        "_max_losses",
        "_peak",
        "losses_in_a_row",
    )

    def __init__(self, config: RiskConfig) -> None:
        """Creates breakers with no history; see `restore` to continue after a restart."""
        self._daily_limit = usd_to_micro(config.daily_loss_limit_usd)
        self._max_drawdown_pct = config.max_drawdown_pct
        self._max_losses = config.max_consecutive_losses
        self._day: int | None = None
        self._day_start: int | None = None
        self._equity: int | None = None
        self._peak: int | None = None
        self._daily_tripped = False
        self._drawdown_tripped = False
        self._losses_tripped = False
        self.losses_in_a_row = 0
        """Losing round trips since the last win (or re-arm)."""

    def restore(
        self,
        *,
        day_start_equity_micro: int | None,
        day_start_ts: float,
        peak_equity_micro: int | None,
        losses_in_a_row: int,
    ) -> None:
        """Continues from history after a restart (before the first `on_equity`).

        Args:
            day_start_equity_micro: Equity at the start of the UTC day of `day_start_ts`
                (the last equity point before its midnight, or its first one).
            day_start_ts: Any time in that day, unix seconds.
            peak_equity_micro: Highest equity since the last resume from HALTED.
            losses_in_a_row: Losing round trips since the last win or resume.
        """
        self._day = utc_day(day_start_ts)
        self._day_start = day_start_equity_micro
        self._peak = peak_equity_micro
        self.losses_in_a_row = losses_in_a_row

    def note_daily_pause(self) -> None:
        """Continues a daily-loss pause the ledger says is in force after a restart: the day's
        breaker counts as tripped, so the next UTC midnight clears it as it would have."""
        self._daily_tripped = True

    # -- figures for the screen ----------------------------------------------------------------

    @property
    def day_start_micro(self) -> int | None:
        """Equity at the start of the current UTC day (what today's P&L is measured from)."""
        return self._day_start

    @property
    def day_pnl_micro(self) -> int | None:
        """Equity change since the UTC day's start (realized + unrealized), micro-USDC."""
        if self._equity is None or self._day_start is None:
            return None
        return self._equity - self._day_start

    @property
    def daily_limit_micro(self) -> int:
        """The daily loss limit, micro-USDC (positive)."""
        return self._daily_limit

    @property
    def drawdown_pct(self) -> float | None:
        """Percent equity is below its peak; None before a positive peak is known."""
        if self._equity is None or self._peak is None or self._peak <= 0:
            return None
        return (self._peak - self._equity) * 100.0 / self._peak

    # -- events --------------------------------------------------------------------------------

    def on_equity(self, equity_micro: int, ts: float) -> BreakerEvent | None:
        """Takes an equity point; returns an event when a breaker trips or the day's clears.

        Args:
            equity_micro: Cash plus open positions at their marks, micro-USDC.
            ts: Its market time, unix seconds.

        Returns:
            At most one event per call: a clearing at a new day comes before any trip, and
            a trip is reported once (the next one needs a new day or `rearm`).
        """
        self._equity = equity_micro
        if self._peak is None or equity_micro > self._peak:
            self._peak = equity_micro
        cleared = self._roll_day(equity_micro, ts)
        if cleared is not None:
            return cleared
        if not self._drawdown_tripped and self._max_drawdown_hit():
            self._drawdown_tripped = True
            return BreakerTripped(
                BreakerRule.MAX_DRAWDOWN,
                "halt",
                f"equity {usd_micro(equity_micro)} is {self.drawdown_pct:.1f} % below its peak "
                f"{usd_micro(self._peak)}, limit {self._max_drawdown_pct:g} %",
                ts,
                None,
            )
        day_start = self._day_start
        if (
            not self._daily_tripped
            and day_start is not None
            and day_start - equity_micro >= self._daily_limit
        ):
            self._daily_tripped = True
            return BreakerTripped(
                BreakerRule.DAILY_LOSS,
                "pause_entries",
                f"down {usd_micro(day_start - equity_micro)} today "
                f"(equity {usd_micro(equity_micro)}, day start {usd_micro(day_start)}), "
                f"limit {usd_micro(self._daily_limit)}; "
                "entries paused until 00:00 UTC",
                ts,
                float((utc_day(ts) + 1) * DAY_S),
            )
        return None

    def on_round_trip(self, realized_micro: int, ts: float) -> BreakerTripped | None:
        """Takes a closed round trip; returns an event when the losing streak trips.

        Args:
            realized_micro: The trip's realized P&L, micro-USDC; <= 0 is a loss.
            ts: When it closed, unix seconds.
        """
        if realized_micro > 0:
            self.losses_in_a_row = 0
            return None
        self.losses_in_a_row += 1
        if self._losses_tripped or self.losses_in_a_row < self._max_losses:
            return None
        self._losses_tripped = True
        return BreakerTripped(
            BreakerRule.CONSECUTIVE_LOSSES,
            "pause_entries",
            f"{self.losses_in_a_row} losing round trips in a row, limit {self._max_losses}",
            ts,
            None,
        )

    def rearm(self, equity_micro: int | None) -> None:
        """Re-arms every breaker after the operator resumes trading.

        The drawdown peak and the daily start restart from `equity_micro` (else a resume
        after a halt would trip again at once), and the losing streak restarts from zero.

        Args:
            equity_micro: Equity at the resume, micro-USDC; None when not known yet.
        """
        self._drawdown_tripped = self._losses_tripped = False
        self.losses_in_a_row = 0
        # None: the next equity point becomes the peak and, if needed, the day's start.
        self._peak = equity_micro
        if equity_micro is not None:
            self._equity = equity_micro
        if self._daily_tripped:
            # The day's limit counts again from here: one more full limit's loss trips it.
            self._day_start = equity_micro
        self._daily_tripped = False

    def _roll_day(self, equity_micro: int, ts: float) -> BreakerCleared | None:
        day = utc_day(ts)
        if self._day is not None and day <= self._day:
            if self._day_start is None:
                self._day_start = equity_micro  # restored without the day's start: from now
            return None  # same day (or a clock step back: never reopen a closed day)
        first = self._day is None
        self._day, self._day_start = day, equity_micro
        if first or not self._daily_tripped:
            self._daily_tripped = False
            return None
        self._daily_tripped = False
        return BreakerCleared(
            BreakerRule.DAILY_LOSS,
            f"new UTC day: the daily loss limit counts again from {usd_micro(equity_micro)}",
            ts,
        )

    def _max_drawdown_hit(self) -> bool:
        drawdown = self.drawdown_pct
        return drawdown is not None and drawdown >= self._max_drawdown_pct
