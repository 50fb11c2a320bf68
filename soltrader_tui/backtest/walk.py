"""Provides candle_exit: where inside one candle a held position's exit rule fires, and at what.

A candle says its open, high, low and close but not the order of its extremes, so it is walked
as the replay plays it (`market.replay.candle_path`): open, the extreme nearer the open (the
low on a tie, pessimistic for a long), the other extreme, close. On the way:

- At the open, a position held `max_hold` or longer exits at the open (max_hold). A stop or
  target the price has already passed at the open (a gap) exits at the open; past both stops,
  it is named stop_loss, as the engine names it on one tick.
- On a falling leg, the stop in force is the higher of the fixed stop and the trailing stop
  (from the highest price reached so far, the open included). A leg that reaches it exits at
  that level: stop_loss when the fixed stop is the higher, trailing_stop otherwise (the higher
  level is the one the falling price crosses first).
- On a rising leg, a leg that reaches the target exits at the target (take_profit); the
  highest price so far becomes the leg's end.

Ticks of the path come a quarter of the candle apart (+0, +¼, +½, +¾), like the replay's, so an
exit is stamped with the time of the point its leg ends on.
"""

from __future__ import annotations

from dataclasses import dataclass

from soltrader_tui.domain import Candle
from soltrader_tui.market.replay import CANDLE_TICKS, candle_path
from soltrader_tui.risk import ExitPolicy, ExitRule


@dataclass(frozen=True, slots=True)
class CandleExit:
    """An exit found inside a candle."""

    rule: ExitRule
    price_usd: float
    ts: float


def candle_exit(
    candle: Candle,
    policy: ExitPolicy,
    *,
    avg_cost_usd: float,
    high_water_usd: float | None,
    opened_ts: float,
) -> tuple[CandleExit | None, float]:
    """Walks one candle for a held position (see the module docstring).

    Args:
        candle: The candle; the position was open at its open.
        policy: The exit rules as factors.
        avg_cost_usd: The position's average cost, fees included.
        high_water_usd: The highest price since entry before this candle (None: none yet).
        opened_ts: When the position was opened.

    Returns:
        The exit, if one fires, and the high-water mark after the part of the candle walked.
    """
    o = candle.open
    hw = o if high_water_usd is None or o > high_water_usd else high_water_usd
    if candle.ts - opened_ts >= policy.max_hold_s:
        return CandleExit(ExitRule.MAX_HOLD, o, candle.ts), hw
    stop = avg_cost_usd * policy.stop_factor
    target = avg_cost_usd * policy.target_factor
    trail = policy.trail_factor
    if o <= stop or o <= hw * trail:
        # Both stops passed at once: named as the engine names them on one tick.
        gapped = ExitRule.STOP_LOSS if o <= stop else ExitRule.TRAILING_STOP
        return CandleExit(gapped, o, candle.ts), hw
    if o >= target:
        return CandleExit(ExitRule.TAKE_PROFIT, o, candle.ts), hw
    previous = o
    # The stop levels are compared inline, not through `_stop_level`: this runs for every
    # candle a position is held (half of a backtest's), and the rule is named only on an exit.
    for k, price in enumerate(candle_path(o, candle.high, candle.low, candle.close)):
        if price < previous:
            trailing = hw * trail
            if price <= stop or price <= trailing:
                level, rule = _stop_level(stop, trailing)
                return CandleExit(rule, level, _tick_ts(candle, k)), hw
        elif price > previous:
            if price >= target:
                return CandleExit(ExitRule.TAKE_PROFIT, target, _tick_ts(candle, k)), hw
            if price > hw:
                hw = price
        previous = price
    return None, hw


def _tick_ts(candle: Candle, k: int) -> float:
    """When the candle's path reaches its tick `k` (0 is the open)."""
    return candle.ts + k * (candle.interval_s / CANDLE_TICKS)


def _stop_level(stop: float, trailing: float) -> tuple[float, ExitRule]:
    """The stop in force and its rule; the fixed stop wins a tie, as in `ExitPolicy.reason`."""
    if trailing > stop:
        return trailing, ExitRule.TRAILING_STOP
    return stop, ExitRule.STOP_LOSS
