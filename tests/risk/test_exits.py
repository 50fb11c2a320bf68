"""Tests of the exits checked every tick: they fire at the right tick on scripted price paths."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.config.model import RiskConfig
from soltrader_tui.risk import (
    ExitPolicy,
    ExitRule,
    update_high_water,
)
from tests.risk import MINUTE, NOW, risk_config

TICK_S = 15.0


def first_exit(
    prices: list[float],
    config: RiskConfig | None = None,
    avg_cost: float = 1.0,
    tick_s: float = TICK_S,
) -> tuple[int, ExitRule] | None:
    """Plays a price path tick by tick, as the engine does; returns the first exit and its tick."""
    policy = ExitPolicy.from_config(config or RiskConfig())
    high_water: float | None = None
    for tick, price in enumerate(prices):
        high_water = update_high_water(high_water, price)
        rule = policy.reason(price, avg_cost, high_water, NOW, NOW + tick * tick_s)
        if rule is not None:
            return tick, rule
    return None


class TestStopLoss:
    """A position is sold on the first tick its mark is at or below cost × (1 − stop_loss_pct)."""

    def test_fires_on_the_tick_that_crosses(self) -> None:
        assert first_exit([1.0, 0.97, 0.95, 0.93, 0.921, 0.919, 0.85]) == (5, ExitRule.STOP_LOSS)

    def test_fires_exactly_at_the_level(self) -> None:
        config = risk_config(stop_loss_pct=10, trailing_stop_pct=0)
        assert first_exit([1.0, 0.95, 0.9], config) == (2, ExitRule.STOP_LOSS)

    def test_gap_through_both_stops_is_named_stop_loss(self) -> None:
        assert first_exit([1.0, 1.12, 0.5]) == (2, ExitRule.STOP_LOSS)

    def test_uses_average_cost_not_first_price(self) -> None:
        # Bought at 1.0 but the average cost (fees in) is 1.01: the stop is at 0.9292.
        assert first_exit([1.0, 0.93, 0.929], avg_cost=1.01) == (2, ExitRule.STOP_LOSS)


class TestTrailingStop:
    """Once the price has run up, a fall of trailing_stop_pct from the high closes the position."""

    def test_fires_from_the_high_water_mark(self) -> None:
        path = [1.0, 1.05, 1.12, 1.10, 1.02, 1.009, 1.007, 0.95]
        # High 1.12; trailing level 1.008; fixed stop 0.92 is far below.
        assert first_exit(path) == (6, ExitRule.TRAILING_STOP)

    def test_new_highs_move_the_stop_up(self) -> None:
        path = [1.0, 1.1, 1.0, 1.14, 1.03, 1.025]
        # After 1.1 the level is 0.99 (1.0 holds); after 1.14 it is 1.026.
        assert first_exit(path) == (5, ExitRule.TRAILING_STOP)

    def test_below_the_fixed_stop_until_the_price_rises(self) -> None:
        # At entry the trailing level (0.9) is under the fixed stop (0.92): the stop-loss rules.
        assert first_exit([1.0, 0.95, 0.915]) == (2, ExitRule.STOP_LOSS)

    def test_the_level_shown_is_where_it_fires(self) -> None:
        policy = ExitPolicy.from_config(risk_config(trailing_stop_pct=10, stop_loss_pct=50))
        level = policy.trailing_usd(1.2)
        assert level == pytest.approx(1.08)
        assert level is not None
        assert policy.reason(level, 1.0, 1.2, NOW, NOW) is ExitRule.TRAILING_STOP
        assert policy.reason(level * 1.001, 1.0, 1.2, NOW, NOW) is None
        assert policy.trailing_usd(None) is None, "no level before a first mark"
        assert ExitPolicy.from_config(risk_config(trailing_stop_pct=0)).trailing_usd(1.2) is None

    def test_zero_turns_it_off(self) -> None:
        config = risk_config(trailing_stop_pct=0)
        assert first_exit([1.0, 1.14, 0.95, 0.93], config) is None

    def test_broken_marks_do_not_move_the_high(self) -> None:
        high = update_high_water(None, 1.0)
        for bad in (math.nan, math.inf, -1.0, 0.0):
            high = update_high_water(high, bad)
        assert high == 1.0
        assert update_high_water(None, math.nan) is None


class TestTakeProfit:
    """A position is sold on the first tick its mark reaches cost × (1 + take_profit_pct)."""

    def test_fires_on_the_tick_that_crosses(self) -> None:
        assert first_exit([1.0, 1.1, 1.149, 1.15, 1.2]) == (3, ExitRule.TAKE_PROFIT)


class TestMaxHold:
    """A position held max_hold_minutes is sold whatever its price."""

    def test_fires_at_the_time(self) -> None:
        config = risk_config(max_hold_minutes=2)
        flat = [1.0] * 20
        # Ticks every 15 s: 120 s is tick 8.
        assert first_exit(flat, config) == (8, ExitRule.MAX_HOLD)

    def test_zero_turns_it_off(self) -> None:
        config = risk_config(max_hold_minutes=0)
        assert first_exit([1.0] * 50, config, tick_s=10_000 * MINUTE) is None

    def test_price_rules_come_first(self) -> None:
        policy = ExitPolicy.from_config(risk_config(max_hold_minutes=1))
        assert policy.reason(0.5, 1.0, 1.0, NOW, NOW + 3600) is ExitRule.STOP_LOSS


class TestNoExitInsideTheBand:
    """Between the stops and the target, before the time limit, nothing is sold."""

    @given(
        path=st.lists(st.floats(0.921, 1.0), min_size=1, max_size=50),
    )
    def test_quiet_paths_hold(self, path: list[float]) -> None:
        # Never above 1.0, so the trailing level stays at or under 0.9 < the fixed stop.
        assert first_exit(path) is None

    def test_nan_price_is_not_an_exit(self) -> None:
        policy = ExitPolicy.from_config(RiskConfig())
        assert policy.reason(math.nan, 1.0, 1.0, NOW, NOW) is None


class TestLevelsShown:
    """The stop shown for a position is the higher of the fixed and the trailing stop."""

    def test_fixed_stop_at_entry(self) -> None:
        levels = ExitPolicy.from_config(RiskConfig()).levels(2.0)
        assert levels.stop_usd == pytest.approx(1.84)
        assert levels.target_usd == pytest.approx(2.3)

    def test_trailing_stop_after_a_run_up(self) -> None:
        levels = ExitPolicy.from_config(RiskConfig()).levels(2.0, high_water_usd=2.2)
        assert (levels.stop_usd, levels.target_usd) == pytest.approx((1.98, 2.3))

    def test_rule_values_are_stable(self) -> None:
        assert [r.value for r in ExitRule] == [
            "stop_loss",
            "take_profit",
            "trailing_stop",
            "max_hold",
        ]


class TestExactLevels:
    """The trailing stop fires exactly at its level, and only a real mark sets the high."""

    def test_trailing_stop_at_the_level(self) -> None:
        policy = ExitPolicy.from_config(risk_config(trailing_stop_pct=10))
        # High 2.0: level 2.0 × 0.9 = 1.8; cost 1.7 keeps the fixed stop and target away.
        assert policy.reason(1.8, 1.7, 2.0, NOW, NOW) is ExitRule.TRAILING_STOP
        assert policy.reason(math.nextafter(1.8, 2.0), 1.7, 2.0, NOW, NOW) is None

    def test_a_zero_mark_is_not_a_first_high(self) -> None:
        assert update_high_water(None, 0.0) is None
