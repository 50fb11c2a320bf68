"""Tests the EMA cross: hand-computed crossings, pandas' EMAs on real candles, ticks vs candles."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from soltrader_tui.config.model import EmaCrossConfig
from soltrader_tui.domain import Candle, MarketTick, Signal, Token
from soltrader_tui.market.recorded import load_all
from soltrader_tui.market.replay import candle_path
from soltrader_tui.market.series import CandleSeries
from soltrader_tui.strategies import EmaCross, Strategy

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SOL_5M = DATA / "binance_SOL_USDT_5m_2025-01-01_2025-06-18.csv"
TOKEN = Token("MintEMA11111111111111111111111111111111111", "EMA", 6)
T0 = 1_735_689_600.0  # 2025-01-01 00:00 UTC, on every timeframe's grid


def candle(i: int, close: float, interval: float = 300.0) -> Candle:
    """Candle `i` of a flat-bodied series closing at `close`."""
    return Candle(T0 + i * interval, interval, close, close, close, close, 1.0, 100_000.0)


def run_candles(
    strategy: EmaCross, closes: list[float], *, hold_between: bool = True
) -> list[tuple[int, Signal]]:
    """Feeds closes as candles, holding after a buy until a sell; returns (index, signal)."""
    holding = False
    out = []
    for i, close in enumerate(closes):
        signal = strategy.on_candle(TOKEN, candle(i, close), holding)
        if signal is not None:
            out.append((i, signal))
            if hold_between:
                holding = signal.side == "buy"
    return out


def enabled(**overrides: object) -> EmaCross:
    return EmaCross(EmaCrossConfig.model_validate({"enabled": True, **overrides}))


class TestHandComputed:
    """fast_span 1 (the close itself) against slow_span 3 (α = 0.5), worked out by hand."""

    def test_buy_on_the_cross_up_and_sell_below(self) -> None:
        # slow: 10 → 9.5 → 8.75 → 10.375 → 9.6875; fast is the close.
        strategy = enabled(fast_span=1, slow_span=3)
        signals = run_candles(strategy, [10.0, 9.0, 8.0, 12.0, 9.0])
        assert [(i, s.side) for i, s in signals] == [(3, "buy"), (4, "sell")]
        assert signals[0][1].strategy == "ema_cross"
        assert "crossed above" in signals[0][1].reason

    def test_no_signal_during_warm_up(self) -> None:
        # The same cross one candle earlier falls inside the 3-candle warm-up.
        strategy = enabled(fast_span=1, slow_span=3)
        assert run_candles(strategy, [10.0, 8.0, 12.0]) == []
        reading = strategy.score(TOKEN.mint)
        assert reading.score is not None  # 3 candles seen: warm
        fresh = enabled(fast_span=1, slow_span=3)
        run_candles(fresh, [10.0, 8.0])
        assert fresh.score(TOKEN.mint) == (None, "warming up 2/3 5m candles")

    def test_score_is_one_half_where_the_emas_meet(self) -> None:
        strategy = enabled(fast_span=1, slow_span=3)
        run_candles(strategy, [10.0, 10.0, 10.0, 10.0])
        reading = strategy.score(TOKEN.mint)
        assert reading.score == pytest.approx(0.5)
        assert reading.reason.startswith("EMA1/3 +0.00%")

    def test_disabled_scores_but_never_signals(self) -> None:
        strategy = EmaCross(EmaCrossConfig(fast_span=1, slow_span=3))
        assert run_candles(strategy, [10.0, 9.0, 8.0, 12.0, 9.0]) == []
        assert strategy.score(TOKEN.mint).score is not None

    def test_a_gap_longer_than_the_slow_span_starts_over(self) -> None:
        strategy = enabled(fast_span=1, slow_span=3)
        run_candles(strategy, [10.0, 9.0, 8.0, 7.0])
        strategy.on_candle(TOKEN, candle(4 + 3 + 1, 12.0), False)  # 4 candles missing
        assert strategy.score(TOKEN.mint) == (None, "warming up 1/3 5m candles")

    def test_an_old_candle_is_ignored(self) -> None:
        strategy = enabled(fast_span=1, slow_span=3)
        run_candles(strategy, [10.0, 9.0, 8.0])
        before = strategy.score(TOKEN.mint)
        assert strategy.on_candle(TOKEN, candle(1, 50.0), False) is None
        assert strategy.score(TOKEN.mint) == before

    def test_entry_threshold_and_timeframe_are_declared(self) -> None:
        strategy: Strategy = enabled(timeframe="15m")
        assert strategy.entry_threshold == 0.5
        assert strategy.timeframe_s == 900

    def test_spans_must_be_ordered(self) -> None:
        with pytest.raises(ValueError, match="fast_span \\(26\\) must be less than slow_span"):
            EmaCrossConfig(fast_span=26, slow_span=12)


def pandas_crossings(closes: list[float], fast: int, slow: int) -> list[tuple[int, str]]:
    """The same rules as EmaCross, on EMAs computed by pandas (an independent computation)."""
    series = pd.Series(closes)
    diff = series.ewm(span=fast, adjust=False).mean() - series.ewm(span=slow, adjust=False).mean()
    holding = False
    out = []
    for i in range(slow, len(closes)):  # candle index `slow` is the (slow + 1)-th candle
        if holding and diff[i] < 0:
            out.append((i, "sell"))
            holding = False
        elif not holding and diff[i - 1] <= 0 < diff[i]:
            out.append((i, "buy"))
            holding = True
    return out


class TestAgainstPandas:
    """On real SOL 5m candles, EmaCross signals exactly where pandas' EMAs cross."""

    @pytest.fixture(scope="class")
    def sol(self) -> CandleSeries:
        (series,) = load_all([SOL_5M])
        assert isinstance(series, CandleSeries)
        return series.between(series.ts[0], series.ts[0] + 3000 * 300)

    @pytest.mark.parametrize(("fast", "slow"), [(12, 26), (5, 60), (3, 10)])
    def test_same_signals(self, sol: CandleSeries, fast: int, slow: int) -> None:
        strategy = enabled(fast_span=fast, slow_span=slow)
        holding = False
        ours = []
        for i in range(len(sol)):
            signal = strategy.on_candle(TOKEN, sol.candle(i), holding)
            if signal is not None:
                ours.append((i, signal.side))
                holding = signal.side == "buy"
        expected = pandas_crossings(list(sol.close), fast, slow)
        assert len(expected) > 20
        assert ours == expected


class TestFromTicks:
    """Fed a replay's four ticks per candle, it builds the file's candles and decides one tick
    later than on candles: on the first tick of the next candle, at that candle's open."""

    def test_tick_decisions_follow_candle_decisions(self) -> None:
        (series,) = load_all([SOL_5M])
        assert isinstance(series, CandleSeries)
        sol = series.between(series.ts[0], series.ts[0] + 800 * 300)
        by_candle = enabled(fast_span=5, slow_span=20)
        by_tick = enabled(fast_span=5, slow_span=20)
        candle_signals: list[tuple[float, str]] = []
        tick_signals: list[tuple[float, str]] = []
        holding_c = holding_t = False
        for i in range(len(sol)):
            c = sol.candle(i)
            for k, price in enumerate(candle_path(c.open, c.high, c.low, c.close)):
                tick = MarketTick(TOKEN, c.ts + k * 75.0, price, 1e6)
                signal = by_tick.on_tick(tick, holding_t)
                if signal is not None:
                    tick_signals.append((tick.ts, signal.side))
                    holding_t = signal.side == "buy"
            signal = by_candle.on_candle(TOKEN, c, holding_c)
            if signal is not None:
                candle_signals.append((c.close_ts, signal.side))
                holding_c = signal.side == "buy"
        assert len(candle_signals) > 10
        # The last candle's close is never seen from ticks: no later tick closes it.
        assert tick_signals == [s for s in candle_signals if s[0] < sol.ts[-1] + 300]

    def test_score_previews_the_forming_candle(self) -> None:
        strategy = enabled(fast_span=1, slow_span=3)
        for i, close in enumerate([10.0, 10.0, 10.0, 10.0]):
            strategy.on_tick(MarketTick(TOKEN, T0 + i * 300, close, 1e6), False)
        flat = strategy.score(TOKEN.mint).score
        strategy.on_tick(MarketTick(TOKEN, T0 + 3 * 300 + 60, 11.0, 1e6), False)
        rising = strategy.score(TOKEN.mint).score
        assert flat == pytest.approx(0.5)
        assert rising is not None and rising > 0.5


@given(st.lists(st.floats(1e-6, 1e6), min_size=1, max_size=80))
def test_score_stays_in_the_unit_interval(closes: list[float]) -> None:
    strategy = enabled(fast_span=2, slow_span=5)
    for i, close in enumerate(closes):
        strategy.on_candle(TOKEN, candle(i, close), False)
        score = strategy.score(TOKEN.mint).score
        assert score is None or 0.0 <= score <= 1.0
