"""Tests the walk through one candle: hand cases, and agreement with the engine's exit rules."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.backtest.walk import candle_exit
from soltrader_tui.domain import Candle
from soltrader_tui.market.replay import candle_path
from soltrader_tui.risk import ExitPolicy, ExitRule, update_high_water

T0 = 1_735_689_600.0
# Stop 5% under cost, target 10% over, trailing 4% under the high, 1 h holding limit.
POLICY = ExitPolicy(stop_factor=0.95, target_factor=1.10, trail_factor=0.96, max_hold_s=3600.0)
NO_TRAIL = ExitPolicy(stop_factor=0.95, target_factor=1.10, trail_factor=0.0, max_hold_s=math.inf)


def candle(o: float, h: float, low: float, c: float, ts: float = T0) -> Candle:
    return Candle(ts, 300.0, o, h, low, c)


def walk(c: Candle, policy: ExitPolicy = NO_TRAIL, hw: float | None = None, opened: float = T0):
    return candle_exit(c, policy, avg_cost_usd=100.0, high_water_usd=hw, opened_ts=opened)


class TestHandCases:
    def test_a_quiet_candle_keeps_the_position_and_raises_the_high_water(self) -> None:
        found, hw = walk(candle(100, 104, 99, 103))
        assert found is None
        assert hw == 104

    def test_a_small_new_high_raises_the_high_water(self) -> None:
        assert walk(candle(100, 100.25, 99.5, 100))[1] == 100.25

    def test_touching_a_level_is_reaching_it(self) -> None:
        exact = ExitPolicy(0.75, 1.25, 0.0, math.inf)  # levels 75 and 125, exact in binary
        stop, _ = walk(candle(100, 101, 75, 99), exact)  # the low is exactly the stop
        assert stop is not None and (stop.rule, stop.price_usd) == (ExitRule.STOP_LOSS, 75.0)
        target, _ = walk(candle(100, 125, 99, 105), exact)  # the high is exactly the target
        assert target is not None and target.rule is ExitRule.TAKE_PROFIT

    def test_the_stop_fills_at_its_level_on_the_leg_that_reaches_it(self) -> None:
        # Path: open 100, high 101 first (nearer), then low 90: the stop is crossed on the
        # second leg, at +150 s.
        found, _ = walk(candle(100, 101, 90, 95))
        assert found is not None
        assert (found.rule, found.price_usd, found.ts) == (ExitRule.STOP_LOSS, 95.0, T0 + 150)

    def test_a_gap_through_the_stop_fills_at_the_open(self) -> None:
        found, _ = walk(candle(90, 92, 88, 91))
        assert found is not None
        assert (found.rule, found.price_usd, found.ts) == (ExitRule.STOP_LOSS, 90.0, T0)

    def test_the_target_fills_at_its_level(self) -> None:
        found, _ = walk(candle(100, 112, 99, 111))  # low nearer: 99, then 112
        assert found is not None
        assert (found.rule, found.price_usd, found.ts) == (
            ExitRule.TAKE_PROFIT,
            pytest.approx(110.0),
            T0 + 150,
        )

    def test_both_crossed_the_nearer_extreme_decides(self) -> None:
        # High 111 is 11 above the open, low 94 is 6 below: the low comes first, the stop wins.
        stop, _ = walk(candle(100, 111, 94, 100))
        assert stop is not None and stop.rule is ExitRule.STOP_LOSS
        # Mirror: the high is nearer and comes first, the target wins.
        target, _ = walk(candle(100, 111, 88, 100))
        assert target is not None and target.rule is ExitRule.TAKE_PROFIT

    def test_the_trailing_stop_follows_the_high_reached_in_the_same_candle(self) -> None:
        # High 106 first (nearer than the low 92), trailing level 106 × 0.96 = 101.76, above
        # the fixed stop at 95.
        found, _ = walk(candle(100, 106, 92, 104), POLICY)
        assert found is not None
        assert found.rule is ExitRule.TRAILING_STOP
        assert (found.price_usd, found.ts) == (pytest.approx(101.76), T0 + 150)

    def test_the_holding_limit_exits_at_the_open(self) -> None:
        found, _ = walk(candle(100, 101, 99, 100, ts=T0 + 3600), POLICY)
        assert found is not None
        assert (found.rule, found.price_usd, found.ts) == (ExitRule.MAX_HOLD, 100.0, T0 + 3600)


prices = st.floats(50.0, 150.0, allow_nan=False)


@st.composite
def candles(draw: st.DrawFn) -> Candle:
    a, b, c, d = (draw(prices) for _ in range(4))
    return candle(a, max(a, b, c, d), min(a, b, c, d), d)


@given(candles(), st.one_of(st.none(), prices), st.sampled_from([POLICY, NO_TRAIL]))
def test_agrees_with_the_engines_exit_rule_on_the_candle_path(
    c: Candle, hw: float | None, policy: ExitPolicy
) -> None:
    """At the replay's four ticks, the engine's `ExitPolicy.reason` finds an exit at the same
    tick; the walk fills it at the level crossed (never worse than the tick that crossed it).
    On a falling leg past both stops the walk names the higher level, which the price crossed
    first; the engine, seeing only the tick, names the fixed stop."""
    found, _ = walk(c, policy, hw)
    high_water = hw
    expected = None
    before = hw
    for k, price in enumerate(candle_path(c.open, c.high, c.low, c.close)):
        before = update_high_water(high_water, c.open) if k == 0 else high_water
        rule = policy.reason(price, 100.0, update_high_water(high_water, price), T0, c.ts)
        if rule is not None:
            expected = (rule, k, price)
            break
        high_water = update_high_water(high_water, price)
    if expected is None:
        assert found is None
        return
    assert found is not None
    rule, k, tick_price = expected
    assert found.ts == c.ts + 75 * k
    if k == 0 or rule is ExitRule.MAX_HOLD:
        assert (found.rule, found.price_usd) == (rule, tick_price)
    elif rule is ExitRule.TAKE_PROFIT:
        assert found.rule is rule
        assert found.price_usd == pytest.approx(110.0) and found.price_usd <= tick_price
    else:
        stop, trailing = 95.0, (before or 0.0) * policy.trail_factor
        assert found.price_usd == pytest.approx(max(stop, trailing))
        assert found.price_usd >= tick_price
        higher = ExitRule.TRAILING_STOP if trailing > stop else ExitRule.STOP_LOSS
        assert found.rule is higher
