"""Tests Backtest on real candles: round trips recomputed independently, warm-up, risk limits."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from soltrader_tui.backtest.record import BacktestRecord
from soltrader_tui.backtest.runner import Backtest, BacktestDataError, complete
from soltrader_tui.backtest.settings import settings_from
from soltrader_tui.config.model import Config
from soltrader_tui.market import samples
from soltrader_tui.market.recorded import load_all
from soltrader_tui.market.series import CandleSeries

SOL_5M = samples.FOLDER / "binance_SOL_USDT_5m_2025-01-19.csv"
TRUMP_5M = samples.FOLDER / "binance_TRUMP_USDT_5m_2025-01-19.csv"
SOL_1M = samples.FOLDER / "binance_SOLUSDT_1m_2025-01-19.csv"
FAST, SLOW = 5, 20
STAKE, FEE_BPS, STOP_PCT, NETWORK_FEE = 100.0, 10.0, 1.5, 0.001


def series_of(*paths: Path) -> list[CandleSeries]:
    loaded = load_all(list(paths))
    assert all(isinstance(s, CandleSeries) for s in loaded)
    return [s for s in loaded if isinstance(s, CandleSeries)]


def config(**risk: object) -> Config:
    return Config.model_validate(
        {
            "strategies": {"ema_cross": {"fast_span": FAST, "slow_span": SLOW}},
            "risk": risk,
        }
    )


def run(series: list[CandleSeries], cfg: Config, **flags: object) -> BacktestRecord:
    settings = settings_from(cfg, "ema_cross", **flags)  # type: ignore[arg-type]
    return asyncio.run(Backtest(settings, series).run())


@dataclass
class Expected:
    entry_ts: float
    entry_price: float
    exit_ts: float
    exit_price: float
    reason: str
    pnl: float


def fee(quote: float) -> float:
    """The swap fee rounded up to the micro-USDC, plus the network fee."""
    return math.ceil(round(quote * FEE_BPS * 100, 6)) / 1e6 + NETWORK_FEE


def recompute(s: CandleSeries) -> list[Expected]:
    """The documented rules written out plainly: EMAs by pandas, a decision at each close, fills
    at the next open, a stop against each candle's low filling at the stop (or the open below
    it), at most one position, fees per side, end of data at the last close."""
    closes = pd.Series(s.close)
    diff = closes.ewm(span=FAST, adjust=False).mean() - closes.ewm(span=SLOW, adjust=False).mean()
    scale = 10**s.token.decimals
    trips: list[Expected] = []
    qty = cost = 0.0
    entry = None
    pending = None
    for i in range(len(s)):
        o, low, c = s.open[i], s.low[i], s.close[i]
        if pending == "buy":
            qty = math.floor(STAKE / o * scale) / scale
            cost = STAKE + fee(STAKE)
            entry = (float(s.ts[i]), STAKE / qty)
        elif pending == "sell" and entry is not None:
            trips.append(exit_at(entry, float(s.ts[i]), o, "signal", qty, cost))
            entry = None
        pending = None
        if entry is not None:
            stop = cost / qty * (1 - STOP_PCT / 100)
            if low <= stop:
                price = o if o <= stop else stop
                ts = float(s.ts[i]) if o <= stop else stop_time(s, i, stop)
                trips.append(exit_at(entry, ts, price, "stop_loss", qty, cost))
                entry = None
        if i == len(s) - 1:
            if entry is not None:
                trips.append(exit_at(entry, s.ts[i] + 300.0, c, "end_of_data", qty, cost))
            break
        if i >= SLOW:
            if entry is not None and diff[i] < 0:
                pending = "sell"
            elif entry is None and diff[i - 1] <= 0 < diff[i]:
                pending = "buy"
    return trips


def stop_time(s: CandleSeries, i: int, stop: float) -> float:
    """When the walk reaches the stop: on the leg to the low, whose place in the path is 1
    when the low is the extreme nearer the open, else 2."""
    o, h, low = s.open[i], s.high[i], s.low[i]
    return s.ts[i] + (75.0 if o - low <= h - o else 150.0)


def exit_at(
    entry: tuple[float, float], ts: float, price: float, reason: str, qty: float, cost: float
) -> Expected:
    quote = math.floor(round(qty * price * 1e6, 6)) / 1e6
    return Expected(entry[0], entry[1], ts, price, reason, quote - fee(quote) - cost)


class TestRecomputedFromCandles:
    """The common-convention backtest of the EMA cross on a real day of SOL 5m candles."""

    def test_every_round_trip_matches(self) -> None:
        (sol,) = series_of(SOL_5M)
        record = run(
            [sol],
            config(),
            stake_usd=STAKE,
            fee_bps=FEE_BPS,
            stop_loss_pct=STOP_PCT,
            no_risk=True,
            impact="none",
        )
        expected = recompute(sol)
        trips = record.closed_trips
        reasons = {e.reason for e in expected}
        assert len(expected) >= 5 and {"signal", "stop_loss"} <= reasons
        assert [(t.entry_ts, t.exit_ts) for t in trips] == [
            (e.entry_ts, e.exit_ts) for e in expected
        ]
        got_reasons = [
            "signal" if t.exit_reason == "ema_cross_exit" else t.exit_reason for t in trips
        ]
        assert got_reasons == [e.reason for e in expected]
        for trip, want in zip(trips, expected, strict=True):
            assert trip.entry_price == pytest.approx(want.entry_price, rel=1e-9)
            assert trip.exit_price == pytest.approx(want.exit_price, rel=1e-6)
            assert trip.pnl_usd == pytest.approx(want.pnl, abs=2e-6)
        total = sum(t.pnl_usd or 0.0 for t in trips)
        assert record.equity[-1].equity_micro / 1e6 == pytest.approx(500.0 + total, abs=1e-5)


class TestSpan:
    def test_candles_before_from_only_warm_the_strategy(self) -> None:
        (sol,) = series_of(SOL_5M)
        start = float(sol.ts[100])
        record = run([sol], config(), no_risk=True, from_ts=start)
        assert record.warm_candles == 100
        assert record.candles == len(sol) - 100
        assert record.trips and all(t.entry_ts > start for t in record.trips)
        # Warm from the first candle traded: a cross may fill at the very next open.
        cold = run([sol.between(start, float("inf"))], config(), no_risk=True)
        assert record.trips[0].entry_ts <= cold.trips[0].entry_ts

    def test_no_candles_in_the_span_is_refused(self) -> None:
        (sol,) = series_of(SOL_5M)
        with pytest.raises(BacktestDataError, match="no candles between --from and --to"):
            run([sol], config(), from_ts=float(sol.ts[-1]) + 3600)

    def test_files_of_different_intervals_are_refused(self) -> None:
        with pytest.raises(BacktestDataError, match="same candle interval"):
            run(series_of(SOL_5M, SOL_1M), config())


class TestRiskLimits:
    """Without --no-risk the config's limits apply, as in a paper session."""

    def test_denials_are_counted_by_rule_and_logged(self) -> None:
        (sol,) = series_of(SOL_5M)
        (trump,) = series_of(TRUMP_5M)
        record = run([sol, trump], config(max_entries_per_hour=1, max_open_positions=1))
        assert record.fills
        assert record.denials, "two tokens and one position allowed: some entries are denied"
        logged = [e for e in record.events if e.kind == "denied"]
        assert sum(record.denials.values()) == len(logged)
        assert {e.rule for e in logged} == set(record.denials)

    def test_a_daily_loss_breaker_pauses_until_the_next_day(self) -> None:
        (sol,) = series_of(SOL_5M)
        record = run([sol], config(daily_loss_limit_usd=0.5), stop_loss_pct=STOP_PCT)
        states = [s for s, _, _ in record.states]
        assert states and states[0].value == "paused"
        paused_at = record.states[0][2]
        assert all(t.entry_ts <= paused_at for t in record.trips)


class TestOnePositionAtATime:
    def test_no_risk_holds_one_token_at_most(self) -> None:
        (sol,) = series_of(SOL_5M)
        (trump,) = series_of(TRUMP_5M)
        record = run([sol, trump], config(), no_risk=True, stake_usd=STAKE)
        held = 0
        most = 0
        symbols = set()
        for _, fill, _ in record.fills:
            held += 1 if fill.side == "buy" else -1
            most = max(most, held)
            symbols.add(fill.token.symbol)
        assert symbols == {"SOL", "TRUMP"}, "both tokens traded"
        assert most == 1


class TestHalt:
    def test_a_drawdown_halt_sells_at_the_next_open_and_ends_trading(self) -> None:
        (trump,) = series_of(TRUMP_5M)
        record = run([trump], config(max_drawdown_pct=0.5, stop_loss_pct=50, take_profit_pct=500))
        halts = [(s, ts) for s, _, ts in record.states if s.value == "halted"]
        assert len(halts) == 1
        halted_at = halts[0][1]
        sells = [(o, f) for o, f, _ in record.fills if f.side == "sell"]
        assert any(o.reason == "halt_flatten" for o, _ in sells), "the halt sold what was held"
        assert all(f.ts <= halted_at for _, f, _ in record.fills), "nothing after the halt"
        assert record.closed_trips[-1].exit_reason != "end_of_data"


class TestWithoutAnEventLoop:
    def test_run_now_records_what_the_async_run_records(self) -> None:
        (sol,) = series_of(SOL_5M)
        settings = settings_from(config(), "ema_cross", no_risk=True)
        now = Backtest(settings, [sol]).run_now()
        looped = asyncio.run(Backtest(settings, [sol]).run())
        assert [(f.ts, f.qty, f.price_usd) for _, f, _ in now.fills] == [
            (f.ts, f.qty, f.price_usd) for _, f, _ in looped.fills
        ]
        assert now.equity_micro == looped.equity_micro

    def test_a_coroutine_that_waits_is_refused(self) -> None:
        async def waits() -> int:
            await asyncio.sleep(0)
            return 1

        with pytest.raises(RuntimeError, match="waited on something"):
            complete(waits())
