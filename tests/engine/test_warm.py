"""Tests that a session starts warm: before its first tick the engine feeds the market's past
to every strategy, trades nothing on it, and says so in one line; with no past it still runs."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from soltrader_tui.clock import VirtualClock
from soltrader_tui.config.model import Config
from soltrader_tui.domain import Candle, MarketTick, Signal, Token
from soltrader_tui.engine.engine import Engine
from soltrader_tui.ledger import Ledger
from soltrader_tui.market import samples
from soltrader_tui.market.feed import MarketFeed, SimFeed
from soltrader_tui.market.recorded import load
from soltrader_tui.market.replay import ReplayFeed
from soltrader_tui.market.sim import SimMarket
from soltrader_tui.strategies import make_strategies
from soltrader_tui.strategies.base import ScoreReading, Strategy
from tests.engine.scripted_feed import ScriptedFeed
from tests.factories import make_token, record_sim_position

START = 1_767_225_600.0
SOL_5M = "binance_SOL_USDT_5m_2025-01-19.csv"


def open_ledger(path: Path) -> Ledger:
    return Ledger.open(path, starting_cash_micro=500_000_000, mode="paper", version="test")


def engine_on(
    ledger: Ledger,
    feed: MarketFeed,
    start: float,
    strategies: Sequence[Strategy],
    config: Config | None = None,
    duration_s: float = 0.0,
) -> Engine:
    return Engine(
        config=config or Config(),
        ledger=ledger,
        feed=feed,
        clock=VirtualClock(start),
        version="test",
        duration_s=duration_s,
        strategies=strategies,
    )


def engine_lines(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return [
            (str(level), str(message))
            for level, message in conn.execute("SELECT level, message FROM events ORDER BY id")
        ]


class SignalsEveryTick:
    """A strategy that wants to trade on every tick it sees, and remembers whether it was told
    the token is held."""

    name = "eager"
    enabled = True
    entry_threshold = 0.5
    timeframe_s = None
    warmup_s = 600.0

    def __init__(self) -> None:
        self.seen: list[tuple[str, float, bool]] = []

    def on_tick(self, tick: MarketTick, holding: bool) -> Signal | None:
        self.seen.append((tick.token.symbol, tick.ts, holding))
        return Signal(tick.token, self.name, "sell" if holding else "buy", 0.9, "every tick")

    def on_candle(self, token: Token, candle: Candle, holding: bool) -> Signal | None:
        return None

    def score(self, mint: str) -> ScoreReading:
        return ScoreReading(0.9, "always")

    def forget(self, mint: str) -> None:
        return None


class TestWarmFromTheFirstTick:
    """On the simulator, every strategy scores every token at the session's first tick."""

    async def test_every_token_scored_by_every_strategy_at_the_first_tick(
        self, tmp_path: Path
    ) -> None:
        config = Config()
        ledger = open_ledger(tmp_path / "l.sqlite")
        market = SimMarket(3, START, tick_seconds=config.market.tick_seconds)
        strategies = make_strategies(config.strategies)
        engine = engine_on(ledger, SimFeed(market), START, strategies, config)
        await engine.run()
        scores = engine.snapshot().scores
        ledger.close()
        assert {v.strategy for v in scores} == {s.name for s in strategies}
        assert {v.symbol for v in scores} == {t.symbol for t in market.tokens()}
        assert all(v.score is not None for v in scores), [v.reason for v in scores]
        (line,) = [m for _, m in engine_lines(tmp_path / "l.sqlite") if "history" in m]
        assert line.startswith("strategies warmed on 2h 15m of sim history before the start: ")

    async def test_warming_the_default_session_takes_under_half_a_second(
        self, tmp_path: Path
    ) -> None:
        config = Config()
        ledger = open_ledger(tmp_path / "l.sqlite")
        market = SimMarket(3, START, tick_seconds=config.market.tick_seconds)
        engine = engine_on(ledger, SimFeed(market), START, make_strategies(config.strategies))
        await engine.run()
        ledger.close()
        (line,) = [m for _, m in engine_lines(tmp_path / "l.sqlite") if "history" in m]
        wall_s = float(line.split(" ticks, ")[1].split(" s;")[0])
        assert wall_s < 0.5, line


class TestNothingTradedOnThePast:
    """A strategy that signals on every past tick gets no order: no fill, no signal line; it is
    told which tokens are held, as the ledger says."""

    async def test_signals_on_the_past_are_dropped(self, tmp_path: Path) -> None:
        ledger = open_ledger(tmp_path / "l.sqlite")
        market = SimMarket(3, START, tick_seconds=0.25)
        record_sim_position(ledger, market, START - 3600, "SOLX")
        eager = SignalsEveryTick()
        engine = engine_on(ledger, SimFeed(market), START, [eager])
        engine.request_stop()  # the past only: no tick of the session
        await engine.run()
        fills = engine.portfolio.fill_count
        ledger.close()
        assert len(eager.seen) > 1000
        assert all(ts < START for _, ts, _ in eager.seen)
        assert {(symbol, held) for symbol, _, held in eager.seen} == {
            ("SOLX", True),
            ("RVRT", False),
            ("MEME", False),
            ("CALM", False),
        }
        assert fills == 1, "only the position the ledger held"
        lines = [m for _, m in engine_lines(tmp_path / "l.sqlite")]
        assert not [m for m in lines if m.startswith(("SIGNAL", "DENIED", "FILL", "BUY", "SELL"))]


class TestReplayPast:
    """A replay that starts after its data's start warms on the candles before its start; one
    that starts at the data's start has no past and says so."""

    async def test_a_later_start_warms_on_the_candles_before_it(self, tmp_path: Path) -> None:
        config = Config()
        feed = ReplayFeed(load(samples.FOLDER / SOL_5M), 15.0)
        start = feed.start_ts + 3 * 3600
        ledger = open_ledger(tmp_path / "l.sqlite")
        strategies = make_strategies(config.strategies)
        engine = engine_on(ledger, feed, start, strategies, config)
        await engine.run()
        ledger.close()
        scores = {v.strategy: v for v in engine.snapshot().scores}
        assert len(scores) == len(strategies)
        # fresh_memecoin reads a pool's flow between ticks under 30 s apart; a 5m candle's
        # ticks are 75 s apart, so it restarts at each (by design) and shows why.
        warm = {name: v.score is not None for name, v in scores.items()}
        assert warm == {**dict.fromkeys(scores, True), "fresh_memecoin": False}
        (line,) = [m for _, m in engine_lines(tmp_path / "l.sqlite") if "history" in m]
        assert "of replay history before the start: 1 token, 108 ticks" in line

    async def test_at_the_datas_start_it_warms_on_live_prices(self, tmp_path: Path) -> None:
        config = Config()
        feed = ReplayFeed(load(samples.FOLDER / SOL_5M), 15.0)
        ledger = open_ledger(tmp_path / "l.sqlite")
        engine = engine_on(ledger, feed, feed.start_ts, make_strategies(config.strategies))
        await engine.run()
        ledger.close()
        reasons = {v.strategy: v.reason for v in engine.snapshot().scores}
        assert reasons["momentum"] == "warming 0 s / 300 s"
        assert reasons["ema_cross"] == "no candles yet"
        assert all(v.score is None for v in engine.snapshot().scores)
        lines = [m for _, m in engine_lines(tmp_path / "l.sqlite")]
        assert (
            "no past before the start from replay: strategies warm up on live prices "
            "(2h 15m needed)" in lines
        )


class PastFails(ScriptedFeed):
    """A feed whose past cannot be had (an OHLCV provider down)."""

    async def history(self, end_ts: float, span_s: float) -> Sequence[MarketTick]:
        raise TimeoutError("candles did not come")


class TestNoPast:
    """Without a past the session runs as before: the strategies warm up on live prices."""

    @pytest.mark.parametrize("feed_class", [ScriptedFeed, PastFails])
    async def test_the_session_runs(self, tmp_path: Path, feed_class: type[ScriptedFeed]) -> None:
        config = Config.model_validate({"market": {"tick_seconds": 1.0}})
        feed = feed_class(make_token("WIF", 6), [2.0, 2.01, 2.02])
        ledger = open_ledger(tmp_path / "l.sqlite")
        strategies = make_strategies(config.strategies)
        engine = engine_on(ledger, feed, START, strategies, config, duration_s=2)
        await engine.run()
        ledger.close()
        assert feed.polls == 3
        assert "warming 2 s / 300 s" in [v.reason for v in engine.snapshot().scores]
        lines = engine_lines(tmp_path / "l.sqlite")
        if feed_class is PastFails:
            assert (
                "warning",
                "no past from scripted (TimeoutError: candles did not come): strategies warm up "
                "on live prices (2h 15m needed)",
            ) in lines
        else:
            assert any(m.startswith("no past before the start from scripted") for _, m in lines)
