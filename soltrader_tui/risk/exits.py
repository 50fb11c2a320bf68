"""Provides the exit rules checked every tick for every open position, and their price levels.

`ExitPolicy.reason` is on the hot path (every tick × every open position): the percentages
are turned into factors once, and the common no-exit case builds no object.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from soltrader_tui.config.model import RiskConfig


class ExitRule(StrEnum):
    """Why the risk engine closed a position; stored in the ledger by value."""

    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    TRAILING_STOP = "trailing_stop"
    MAX_HOLD = "max_hold"


@dataclass(frozen=True, slots=True)
class ExitPolicy:
    """The exit rules of a `RiskConfig`, as factors of the average cost and the high-water mark."""

    stop_factor: float
    """Stop-loss price / average cost."""
    target_factor: float
    """Take-profit price / average cost."""
    trail_factor: float
    """Trailing-stop price / high-water mark; 0.0 when the trailing stop is off."""
    max_hold_s: float
    """Seconds a position may be held; infinite when the limit is off."""

    @classmethod
    def from_config(cls, config: RiskConfig) -> ExitPolicy:
        """Builds the policy once per config."""
        return cls(
            stop_factor=1 - config.stop_loss_pct / 100,
            target_factor=1 + config.take_profit_pct / 100,
            trail_factor=1 - config.trailing_stop_pct / 100 if config.trailing_stop_pct else 0.0,
            max_hold_s=config.max_hold_minutes * 60 if config.max_hold_minutes else float("inf"),
        )

    def reason(
        self,
        price_usd: float,
        avg_cost_usd: float,
        high_water_usd: float | None,
        opened_ts: float,
        now: float,
    ) -> ExitRule | None:
        """Returns the rule that closes the position now, or None to keep it.

        When several apply on the same tick (a gap through both stops), the fixed stop-loss
        is named first, then the trailing stop, the take-profit and the holding time.

        Args:
            price_usd: The mark, USD per whole token.
            avg_cost_usd: The position's average cost, fees included.
            high_water_usd: The highest mark since entry (see `update_high_water`).
            opened_ts: When the position was opened, unix seconds.
            now: The current market time, unix seconds.
        """
        if price_usd <= avg_cost_usd * self.stop_factor:
            return ExitRule.STOP_LOSS
        if high_water_usd is not None and price_usd <= high_water_usd * self.trail_factor:
            return ExitRule.TRAILING_STOP
        if price_usd >= avg_cost_usd * self.target_factor:
            return ExitRule.TAKE_PROFIT
        if now - opened_ts >= self.max_hold_s:
            return ExitRule.MAX_HOLD
        return None

    def levels(self, avg_cost_usd: float, high_water_usd: float | None = None) -> ExitLevels:
        """Returns the prices at which the position closes: the higher stop, and the target."""
        stop = avg_cost_usd * self.stop_factor
        if high_water_usd is not None:
            stop = max(stop, high_water_usd * self.trail_factor)
        return ExitLevels(stop_usd=stop, target_usd=avg_cost_usd * self.target_factor)

    def trailing_usd(self, high_water_usd: float | None) -> float | None:
        """Returns the trailing stop's level, or None without a trail or a high-water mark."""
        if high_water_usd is None or self.trail_factor <= 0:
            return None
        return high_water_usd * self.trail_factor


def update_high_water(high_water_usd: float | None, price_usd: float) -> float | None:
    """Returns the high-water mark after a new mark: the higher of the two.

    A mark that is not a positive finite number (a broken quote) leaves it unchanged.

    Args:
        high_water_usd: The highest mark since entry so far; None before the first.
        price_usd: The new mark.
    """
    if not 0 < price_usd < float("inf"):
        return high_water_usd
    if high_water_usd is None or price_usd > high_water_usd:
        return price_usd
    return high_water_usd


@dataclass(frozen=True, slots=True)
class ExitLevels:
    """Prices at which an open position is closed."""

    stop_usd: float
    target_usd: float
